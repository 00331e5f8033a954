/* ks-import-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs one import: plan what each destination lacks, then a reader thread streams files
 * from the source (hashing as it reads) into a bounded queue of large buffers while a
 * writer thread writes them to hidden temporaries, commits them (fsync, verify, rename
 * without replacing, fsync folder) and records them. Progress reaches the caller's main
 * context through a throttled timer. */

#include "config.h"

#include <string.h>

#include "ks-asset.h"
#include "ks-asset-grouper.h"
#include "ks-device.h"
#include "ks-folder-source.h"
#include "ks-hash.h"
#include "ks-import-job.h"
#include "ks-import-job-private.h"
#include "ks-layout.h"
#include "ks-metadata.h"
#include "ks-safe-name.h"

#define CHUNK_SIZE        (4 * 1024 * 1024)
#define N_BUFFERS         6
#define MAX_DESTINATIONS  32
#define PROGRESS_INTERVAL 100 /* ms: at most 10 updates a second */

/* The committer makes files durable in batches: after BATCH_MAX files or BATCH_BYTES, or
 * when BATCH_WAIT_MS passed since the batch's first file (a slow link), whichever first. */
#define MAX_IN_FLIGHT     64
#define BATCH_BYTES       (256 * 1024 * 1024)
#define BATCH_WAIT_MS     250
/* Each file in flight holds two descriptors per destination. */
#define FD_BUDGET         384

G_DEFINE_QUARK (ks-import-error-quark, ks_import_error)


typedef struct _Item Item;

struct _Item
{
  KsAsset     *asset;
  KsAssetFile *file;
  Item        *primary;     /* the asset's primary item (itself for a primary) */
  char        *hash;        /* known from the catalog, or computed while reading */
  guint32      need;        /* bit d set: destination d lacks it */
  gboolean     copied;      /* written by the writer thread only */
  gboolean     asset_counted; /* on the primary: its asset is in photos/videos/others_copied */
  gboolean     failed;      /* under the job's mutex: reader and writer both set it */
  gint64       capture_time; /* read from the bytes; writer thread only, 0 until then */
};

typedef enum
{
  MSG_BEGIN,
  MSG_DATA,
  MSG_END,
  MSG_ABORT,
  MSG_QUIT,
} MsgType;

typedef struct
{
  MsgType  type;
  Item    *item;
  guint8  *buf;
  gsize    len;
} Msg;

/* A file the writer finished (or gave up), on its way to the committer. */
typedef struct
{
  Item                *item;   /* NULL: the writer quit */
  gint64               capture_time;
  KsDestinationWriter *writers[MAX_DESTINATIONS];
  guint32              stored;   /* staged (or synced) under a new name in d */
  guint32              existing; /* d already held the same bytes */
  char                *rel[MAX_DESTINATIONS];
} Done;

/* Where an asset's first stored file went in one destination, so its companions follow
 * it into the same folder with the same " (N)". */
typedef struct
{
  char  *dir;
  guint  counter;
} AssetPlace;

typedef struct
{
  KsImportJob    *self;
  GCancellable   *cancellable;
  KsSource       *source;
  GPtrArray      *assets;
  GPtrArray      *items;
  guint           n_dests;
  KsDestination  *dests[MAX_DESTINATIONS];
  GError         *dest_errors[MAX_DESTINATIONS];
  gint            all_dead;
  GAsyncQueue    *free_bufs;
  GAsyncQueue    *work;
  GAsyncQueue    *done;

  /* Files handed to the committer and not finished yet; the writer waits before starting a
   * file while there are max_in_flight of them. */
  GMutex          flight_mutex;
  GCond           flight_cond;
  guint           in_flight;
  guint           max_in_flight;
  guint           batch_max;
  gint64          run_id;
  gint64          started;

  /* Prepared while the source is listed: destinations opened, and what the catalog knows
   * of this source (path → KsCatalogSourceFile). */
  GHashTable     *known;
  GError         *prepare_error;
  GCancellable   *listing;
  char           *source_name;

  /* Writer state: the file being written, hashed and searched for its date as it goes */
  KsDestinationWriter *writers[MAX_DESTINATIONS];
  KsHasher       *hasher;
  KsMetadataReader *dater;

  /* Committer state */
  KsAsset        *place_asset;
  AssetPlace      places[MAX_DESTINATIONS];
  guint           n_finished;
} Run;

struct _KsImportJob
{
  GObject           parent_instance;

  KsSource         *source;
  GPtrArray        *assets;
  GPtrArray        *destinations;
  KsCatalog        *catalog;
  KsImportFlags     flags;
  char             *layout;
  char             *origin;
  KsImportResult   *result;
  gboolean          running;

  KsImportJobFileHook file_hook;
  gpointer          file_hook_data;
  guint             pipeline_depth;

  /* Shared between the threads and the progress timer. */
  GMutex            mutex;
  KsImportProgress  progress;
  gboolean          progress_dirty;
  GSource          *progress_source;
  gint64            last_tick;
  guint64           last_bytes;
};

G_DEFINE_FINAL_TYPE (KsImportJob, ks_import_job, G_TYPE_OBJECT)

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (Item *item)
{
  g_clear_object (&item->asset);
  g_clear_pointer (&item->file, ks_asset_file_unref);
  g_free (item->hash);
  g_free (item);
}

static void
run_free (Run *run)
{
  g_clear_pointer (&run->items, g_ptr_array_unref);
  g_clear_pointer (&run->assets, g_ptr_array_unref);
  g_clear_object (&run->source);
  g_clear_object (&run->cancellable);
  for (guint d = 0; d < run->n_dests; d++)
    {
      g_clear_object (&run->dests[d]);
      g_clear_error (&run->dest_errors[d]);
      g_clear_pointer (&run->places[d].dir, g_free);
    }
  if (run->free_bufs != NULL)
    {
      guint8 *buf;

      while ((buf = g_async_queue_try_pop (run->free_bufs)) != NULL)
        g_free (buf);
      g_async_queue_unref (run->free_bufs);
    }
  g_clear_pointer (&run->work, g_async_queue_unref);
  g_clear_pointer (&run->done, g_async_queue_unref);
  g_clear_pointer (&run->known, g_hash_table_unref);
  g_clear_error (&run->prepare_error);
  g_clear_object (&run->listing);
  g_clear_pointer (&run->hasher, ks_hasher_free);
  g_clear_pointer (&run->dater, ks_metadata_reader_free);
  g_mutex_clear (&run->flight_mutex);
  g_cond_clear (&run->flight_cond);
  g_clear_object (&run->self);
  g_free (run->source_name);
  g_free (run);
}

/* ---- progress, on the caller's main context ---- */

static gboolean
progress_tick_cb (gpointer data)
{
  KsImportJob *self = data;
  g_autoptr(KsImportProgress) snapshot = NULL;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  if (self->last_tick > 0 && now > self->last_tick)
    {
      double inst = (double)(self->progress.bytes_done - self->last_bytes)
                    * G_USEC_PER_SEC / (now - self->last_tick);

      /* Exponential smoothing: steady enough to read, quick enough to follow a change. */
      self->progress.rate = self->progress.rate > 0 ? 0.8 * self->progress.rate + 0.2 * inst : inst;
    }
  self->last_tick = now;
  self->last_bytes = self->progress.bytes_done;

  if (self->progress.rate > 1)
    self->progress.seconds_left = (gint64)((self->progress.bytes_total - MIN (self->progress.bytes_total, self->progress.bytes_done))
                                           / self->progress.rate);
  else
    self->progress.seconds_left = -1;

  if (self->progress_dirty)
    {
      snapshot = ks_import_progress_copy (&self->progress);
      self->progress_dirty = FALSE;
    }
  g_mutex_unlock (&self->mutex);

  if (snapshot != NULL)
    g_signal_emit (self, signals[PROGRESS], 0, snapshot);

  return G_SOURCE_CONTINUE;
}

static void
progress_update (KsImportJob *self,
                 Item        *current,
                 guint64      bytes,
                 int          done_delta)
{
  g_mutex_lock (&self->mutex);
  self->progress.bytes_done += bytes;
  self->progress.items_done += done_delta;
  if (current != NULL)
    {
      g_free (self->progress.current_path);
      self->progress.current_path = g_strdup (ks_asset_file_get_path (current->file));
      g_free (self->progress.current_asset);
      self->progress.current_asset = g_strdup (ks_asset_get_key (current->asset));
    }
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* ---- errors ---- */

static void
add_file_error (Run          *run,
                Item         *item,
                guint         d,
                const GError *error)
{
  KsImportJob *self = run->self;
  const char *dest_id = d < run->n_dests ? ks_destination_get_id (run->dests[d]) : NULL;

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->result->errors,
                   ks_import_file_error_new (ks_asset_file_get_path (item->file), dest_id, error));
  item->failed = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* Errors after which nothing more can go to this destination. */
static GError *
dest_fatal_error (Run          *run,
                  guint         d,
                  Item         *item,
                  const GError *error)
{
  g_autofree char *display = ks_asset_dup_display_name (item->asset);
  g_autofree char *where = ks_destination_dup_display_name (run->dests[d]);
  int code = -1;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    code = KS_IMPORT_ERROR_NO_SPACE;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    code = KS_IMPORT_ERROR_READ_ONLY;
  else if (g_error_matches (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE)
           || !ks_destination_check_available (run->dests[d], NULL))
    code = KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE;

  if (code < 0)
    return NULL;

  return g_error_new (KS_IMPORT_ERROR, code, "Could not store %s (%s) in %s: %s",
                      display, ks_asset_file_get_path (item->file), where, error->message);
}

static void
dest_failed (Run          *run,
             guint         d,
             Item         *item,
             const GError *error)
{
  GError *fatal;

  if (g_error_matches (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED))
    {
      g_autoptr(GError) verify = NULL;
      g_autofree char *display = ks_asset_dup_display_name (item->asset);

      /* The copy was removed before it got a name; the next run tries again. */
      verify = g_error_new (KS_IMPORT_ERROR, KS_IMPORT_ERROR_VERIFY_FAILED,
                            "%s (%s) did not verify: %s", display,
                            ks_asset_file_get_path (item->file), error->message);
      add_file_error (run, item, d, verify);
      return;
    }

  fatal = dest_fatal_error (run, d, item, error);

  if (fatal != NULL)
    {
      gboolean all_dead = TRUE;

      add_file_error (run, item, d, fatal);

      g_mutex_lock (&run->self->mutex);
      if (run->dest_errors[d] == NULL)
        run->dest_errors[d] = g_steal_pointer (&fatal);
      for (guint i = 0; i < run->n_dests; i++)
        if (run->dest_errors[i] == NULL)
          all_dead = FALSE;
      g_mutex_unlock (&run->self->mutex);

      g_clear_error (&fatal);
      if (all_dead)
        g_atomic_int_set (&run->all_dead, TRUE);
    }
  else
    add_file_error (run, item, d, error);
}

/* The writer marks destinations dead while the reader plans around them. */
static gboolean
dest_alive (Run   *run,
            guint  d)
{
  gboolean alive;

  g_mutex_lock (&run->self->mutex);
  alive = run->dest_errors[d] == NULL;
  g_mutex_unlock (&run->self->mutex);

  return alive;
}

/* ---- layout ---- */

/* Splits the laid-out path into a folder and a name. The layout sees the capture time
 * read from the file's own bytes through a private copy of the asset: the shared asset
 * belongs to the thread that shows it. */
static void
layout_place (Run          *run,
              KsAsset      *asset,
              KsAssetFile  *file,
              gint64        capture_time,
              char        **out_dir,
              char        **out_stem,
              char        **out_ext)
{
  g_autoptr(KsAsset) dated = ks_asset_new (ks_asset_get_source_id (asset), ks_asset_get_primary (asset));
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  const char *slash;

  ks_asset_set_capture_time (dated, capture_time, TRUE);
  path = ks_layout_dup_path (run->self->layout, dated, file, run->source_name, 0);

  slash = strrchr (path, '/');
  if (slash != NULL)
    {
      *out_dir = g_strndup (path, slash - path);
      name = g_strdup (slash + 1);
    }
  else
    {
      *out_dir = g_strdup ("");
      name = g_strdup (path);
    }

  ks_safe_name_split (name, out_stem, out_ext);
}

/* "IMG_1 (3)" → 3; anything else → 1. */
static guint
counter_from_stem (const char *stem)
{
  gsize len = strlen (stem);
  const char *open;

  if (len < 4 || stem[len - 1] != ')')
    return 1;
  open = g_strrstr (stem, " (");
  if (open == NULL)
    return 1;

  return MAX (1, (guint)g_ascii_strtoull (open + 2, NULL, 10));
}

/* For a companion: the folder and counter its asset's primary got (or already had) in @d. */
static AssetPlace *
asset_place (Run   *run,
             Item  *item,
             guint  d)
{
  AssetPlace *place = &run->places[d];

  if (run->place_asset != item->asset)
    {
      for (guint i = 0; i < run->n_dests; i++)
        {
          g_clear_pointer (&run->places[i].dir, g_free);
          run->places[i].counter = 1;
        }
      run->place_asset = item->asset;
    }

  if (place->dir == NULL && item->primary != item && item->primary->hash != NULL)
    {
      g_autofree char *rel = NULL;

      if (ks_destination_lookup (run->dests[d], item->primary->hash, &rel, NULL))
        {
          g_autofree char *base = g_path_get_basename (rel);
          g_autofree char *stem = NULL;
          g_autofree char *ext = NULL;

          place->dir = g_path_get_dirname (rel);
          if (strcmp (place->dir, ".") == 0)
            place->dir[0] = '\0';
          ks_safe_name_split (base, &stem, &ext);
          place->counter = counter_from_stem (stem);
        }
    }

  return place;
}

/* ---- catalog ---- */

static void
record_in_catalog (Run        *run,
                   Item       *item,
                   guint       d,
                   const char *relative_path)
{
  KsImportJob *self = run->self;
  g_autoptr(GError) error = NULL;
  guint64 size = ks_asset_file_get_size (item->file);

  /* The destination's own index already holds the truth; the catalog is what makes the
   * next run fast, so a failure here is worth a warning, not a lost file. */
  if (!ks_catalog_record_copy (self->catalog, item->hash, size,
                               ks_destination_get_id (run->dests[d]), relative_path,
                               g_get_real_time () / G_USEC_PER_SEC, &error)
      || !ks_catalog_record_source_file (self->catalog, ks_source_get_id (run->source),
                                         ks_asset_file_get_path (item->file), size,
                                         ks_asset_file_get_mtime (item->file), item->hash, &error)
      || (item->primary->hash != NULL
          && !ks_catalog_record_asset (self->catalog, item->primary->hash,
                                       ks_asset_get_name (item->asset),
                                       item->primary->capture_time != 0
                                         ? item->primary->capture_time
                                         : ks_asset_get_capture_time (item->asset),
                                       item->hash,
                                       ks_asset_file_role_to_string (ks_asset_file_get_role (item->file)),
                                       &error)))
    g_warning ("Catalog: %s", error->message);
}

/* ---- writer thread ---- */

static void
wait_for_room (Run *run)
{
  g_mutex_lock (&run->flight_mutex);
  while (run->in_flight >= run->max_in_flight)
    g_cond_wait (&run->flight_cond, &run->flight_mutex);
  g_mutex_unlock (&run->flight_mutex);
}

static void
writer_begin (Run  *run,
              Item *item)
{
  g_autofree char *hint = ks_safe_name_make (ks_asset_file_get_name (item->file), -1);
  /* A companion follows its primary's date, which the primary's bytes gave (the writer
   * saw its end already: messages come in order). */
  gint64 when = item->primary != item && item->primary->capture_time != 0
                  ? item->primary->capture_time
                  : ks_asset_get_capture_time (item->asset);

  /* Bounded: at most max_in_flight files wait for the committer (open files, and with a
   * test's file hook, one at a time). */
  wait_for_room (run);

  progress_update (run->self, item, 0, 0);

  /* The content's identity is hashed here, off the reader's thread, so the reader only
   * waits on the link. The capture date decides the folder. It is read from the bytes as
   * they stream past (no second read): a photo has it in its first bytes, but an iPhone
   * MOV often keeps its moov, and a HEIC may keep its Exif item, after the media data, so
   * the date is settled only once the whole file went by. The file waits in its
   * temporary until then. Companions follow their primary's folder. */
  g_clear_pointer (&run->hasher, ks_hasher_free);
  g_clear_pointer (&run->dater, ks_metadata_reader_free);
  run->hasher = ks_hasher_new ();
  if (item->primary == item && !ks_asset_get_capture_time_is_exact (item->asset))
    run->dater = ks_metadata_reader_new ();

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = NULL;
      g_autofree char *stem = NULL;
      g_autofree char *ext = NULL;

      run->writers[d] = NULL;
      if (!(item->need & (1u << d)) || !dest_alive (run, d))
        continue;

      /* An unplugged drive or a lazily unmounted share can keep accepting writes through
       * our open fds; ask before each file whether the path still leads to it. */
      if (!ks_destination_check_available (run->dests[d], &error))
        {
          dest_failed (run, d, item, error);
          continue;
        }

      /* The temporary goes where the file will most likely end up, so the final rename
       * stays inside one folder; metadata read later may still move it. */
      layout_place (run, item->asset, item->file, when, &dir, &stem, &ext);

      run->writers[d] = ks_destination_begin_file (run->dests[d], dir, hint, &error);
      if (run->writers[d] == NULL)
        dest_failed (run, d, item, error);
    }
}

static void
writer_data (Run    *run,
             Item   *item,
             guint8 *buf,
             gsize   len)
{
  ks_hasher_update (run->hasher, buf, len);
  if (run->dater != NULL)
    ks_metadata_reader_feed (run->dater, buf, len);

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) error = NULL;

      if (run->writers[d] == NULL)
        continue;

      if (!ks_destination_write (run->dests[d], run->writers[d], buf, len, &error))
        {
          ks_destination_abort (run->dests[d], run->writers[d]);
          run->writers[d] = NULL;
          dest_failed (run, d, item, error);
        }
    }

  progress_update (run->self, NULL, len, 0);
}

static void
writer_abort (Run  *run,
              Item *item)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      if (run->writers[d] != NULL)
        ks_destination_abort (run->dests[d], run->writers[d]);
      run->writers[d] = NULL;
    }
}

/* Passes the file (with its open temporaries, if any) to the committer. */
static void
hand_off (Run    *run,
          Item   *item,
          gint64  capture_time)
{
  Done *done = g_new0 (Done, 1);

  done->item = item;
  done->capture_time = capture_time;
  if (item != NULL)
    for (guint d = 0; d < run->n_dests; d++)
      {
        done->writers[d] = run->writers[d];
        run->writers[d] = NULL;
      }

  if (item != NULL)
    {
      g_mutex_lock (&run->flight_mutex);
      run->in_flight++;
      g_mutex_unlock (&run->flight_mutex);
    }

  g_async_queue_push (run->done, done);
}

static void
writer_end (Run  *run,
            Item *item)
{
  gint64 capture_time = ks_asset_get_capture_time (item->asset);
  KsMetadata md;

  if (run->dater != NULL && ks_metadata_reader_finish (run->dater, &md))
    capture_time = ks_metadata_get_capture_time (&md, capture_time);
  g_clear_pointer (&run->dater, ks_metadata_reader_free);

  g_free (item->hash);
  item->hash = ks_hasher_finish (run->hasher);
  g_clear_pointer (&run->hasher, ks_hasher_free);

  /* The date the bytes gave: for the layout of its companions, and the catalog. */
  if (item->primary == item)
    item->capture_time = capture_time;

  hand_off (run, item, capture_time);
}

static gpointer
writer_thread (gpointer data)
{
  Run *run = data;

  for (;;)
    {
      Msg *msg = g_async_queue_pop (run->work);
      MsgType type = msg->type;

      switch (type)
        {
        case MSG_BEGIN:
          writer_begin (run, msg->item);
          break;

        case MSG_DATA:
          writer_data (run, msg->item, msg->buf, msg->len);
          break;

        case MSG_END:
          writer_end (run, msg->item);
          break;

        case MSG_ABORT:
          writer_abort (run, msg->item);
          g_clear_pointer (&run->hasher, ks_hasher_free);
          g_clear_pointer (&run->dater, ks_metadata_reader_free);
          hand_off (run, msg->item, 0);
          break;

        case MSG_QUIT:
        default:
          hand_off (run, NULL, 0);
          break;
        }

      if (msg->buf != NULL)
        g_async_queue_push (run->free_bufs, msg->buf);
      g_free (msg);

      if (type == MSG_QUIT)
        break;
    }

  return NULL;
}

/* ---- committer thread ---- */


static void
done_free (Done *done)
{
  for (guint d = 0; d < MAX_DESTINATIONS; d++)
    g_free (done->rel[d]);
  g_free (done);
}

static void
item_finished (Run  *run,
               Item *item)
{
  KsImportJob *self = run->self;
  guint n;

  g_mutex_lock (&self->mutex);
  self->progress.items_done++;
  if (item->copied)
    self->progress.copied++;
  if (item->copied && !item->primary->asset_counted)
    {
      item->primary->asset_counted = TRUE;
      switch (ks_asset_get_media_type (item->asset))
        {
        case KS_MEDIA_TYPE_VIDEO:
          self->result->videos_copied++;
          break;
        case KS_MEDIA_TYPE_OTHER:
          self->result->others_copied++;
          break;
        case KS_MEDIA_TYPE_PHOTO:
        default:
          self->result->photos_copied++;
          break;
        }
    }
  if (item->failed)
    self->progress.failed++;
  if (!item->copied && !item->failed)
    self->progress.skipped++;
  self->progress_dirty = TRUE;
  n = ++run->n_finished;
  g_mutex_unlock (&self->mutex);

  if (self->file_hook != NULL)
    self->file_hook (self, n, self->file_hook_data);
}

/* Verifies and names one file in each destination that lacks it; durable at the batch's
 * sync. Runs on the committer thread, in the order the files were read. */
static void
stage_one (Run  *run,
           Done *done)
{
  Item *item = done->item;
  gboolean is_primary = item->primary == item;
  gint64 capture_time = done->capture_time;

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = NULL;
      g_autofree char *stem = NULL;
      g_autofree char *ext = NULL;
      AssetPlace *place;
      guint counter;

      if (done->writers[d] == NULL)
        continue;

      /* Cancelled: what is not named yet is simply not stored (no error: the run ends as
       * cancelled); what is named already gets its sync below. */
      if (g_cancellable_is_cancelled (run->cancellable))
        {
          ks_destination_abort (run->dests[d], g_steal_pointer (&done->writers[d]));
          continue;
        }

      /* Same content already there under another name (moved or renamed on the phone, a
       * duplicate, or an earlier file of this batch): keep one copy, remember the mapping. */
      if (ks_destination_lookup (run->dests[d], item->hash, &done->rel[d], NULL))
        {
          ks_destination_abort (run->dests[d], g_steal_pointer (&done->writers[d]));
          done->existing |= 1u << d;
          continue;
        }

      place = asset_place (run, item, d);
      layout_place (run, item->asset, item->file, capture_time, &dir, &stem, &ext);
      if (!is_primary && place->dir != NULL)
        {
          g_free (dir);
          dir = g_strdup (place->dir);
        }
      counter = is_primary ? 1 : place->counter;

      if (!ks_destination_stage (run->dests[d], g_steal_pointer (&done->writers[d]), dir, stem, ext,
                                 item->hash, &counter, &done->rel[d], run->cancellable, &error))
        {
          /* Cancelled while reading back: not stored, and not an error of this file. */
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            dest_failed (run, d, item, error);
          continue;
        }

      if (is_primary || place->dir == NULL)
        {
          g_free (place->dir);
          place->dir = g_steal_pointer (&dir);
          place->counter = counter;
        }
      done->stored |= 1u << d;
    }
}

/* Names every file of the batch, makes the names and the destinations' records durable
 * (one folder fsync and one index sync per destination for the whole batch), and only then
 * counts them as copied and records them in the catalog. */
static void
commit_batch (Run       *run,
              GPtrArray *batch)
{
  KsImportJob *self = run->self;
  guint32 touched = 0;

  for (guint i = 0; i < batch->len; i++)
    {
      Done *done = g_ptr_array_index (batch, i);

      stage_one (run, done);
      touched |= done->stored;
    }

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) error = NULL;

      if (!(touched & (1u << d)) || ks_destination_sync (run->dests[d], &error))
        continue;

      for (guint i = 0; i < batch->len; i++)
        {
          Done *done = g_ptr_array_index (batch, i);

          if (done->stored & (1u << d))
            {
              done->stored &= ~(1u << d);
              dest_failed (run, d, done->item, error);
            }
        }
    }

  for (guint i = 0; i < batch->len; i++)
    {
      Done *done = g_ptr_array_index (batch, i);
      Item *item = done->item;

      for (guint d = 0; d < run->n_dests; d++)
        {
          if (done->stored & (1u << d))
            {
              item->copied = TRUE;
              g_mutex_lock (&self->mutex);
              self->result->bytes += ks_asset_file_get_size (item->file);
              g_mutex_unlock (&self->mutex);
            }
          if ((done->stored | done->existing) & (1u << d))
            record_in_catalog (run, item, d, done->rel[d]);
        }

      item_finished (run, item);

      g_mutex_lock (&run->flight_mutex);
      run->in_flight--;
      g_cond_signal (&run->flight_cond);
      g_mutex_unlock (&run->flight_mutex);
    }

  g_ptr_array_set_size (batch, 0);
}

static gpointer
committer_thread (gpointer data)
{
  Run *run = data;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify)done_free);
  guint64 batch_bytes = 0;
  gint64 deadline = 0;

  for (;;)
    {
      Done *done;

      if (batch->len == 0)
        done = g_async_queue_pop (run->done);
      else
        {
          gint64 wait = deadline - g_get_monotonic_time ();

          done = wait > 0 ? g_async_queue_timeout_pop (run->done, wait) : NULL;
        }

      if (done == NULL || done->item == NULL)
        {
          if (batch->len > 0)
            commit_batch (run, batch);
          batch_bytes = 0;
          if (done == NULL)
            continue;
          done_free (done);
          break;
        }

      if (batch->len == 0)
        deadline = g_get_monotonic_time () + BATCH_WAIT_MS * 1000;
      g_ptr_array_add (batch, done);
      batch_bytes += ks_asset_file_get_size (done->item->file);

      if (batch->len >= run->batch_max || batch_bytes >= BATCH_BYTES)
        {
          commit_batch (run, batch);
          batch_bytes = 0;
        }
    }

  return NULL;
}

static void
queue_msg (Run     *run,
           MsgType  type,
           Item    *item,
           guint8  *buf,
           gsize    len)
{
  Msg *msg = g_new0 (Msg, 1);

  msg->type = type;
  msg->item = item;
  msg->buf = buf;
  msg->len = len;
  g_async_queue_push (run->work, msg);
}

/* ---- reader (the task's thread) ---- */

/* Whether @error means the source itself is gone, so the run must stop, rather than that one
 * file could not be read. Only a lost link counts: an evicted "Optimize iPhone Storage"
 * original (listed, but every read fails with an AFC I/O error → G_IO_ERROR_FAILED) or a bad
 * sector is that file's problem, and the run goes on with the next file. */
static gboolean
is_source_lost (Run          *run,
                const GError *error)
{
  if (error->domain == KS_DEVICE_ERROR)
    {
      switch (error->code)
        {
        case KS_DEVICE_ERROR_NOT_FOUND:
        case KS_DEVICE_ERROR_NOT_TRUSTED:
        case KS_DEVICE_ERROR_TRUST_DENIED:
        case KS_DEVICE_ERROR_LOCKED:
        case KS_DEVICE_ERROR_PAIRING_LOST:
        case KS_DEVICE_ERROR_USBMUXD_MISSING:
          return TRUE;
        default:
          break;
        }
    }

  /* The AFC pool says CONNECTION_CLOSED when a session broke but the phone still answers. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
    return TRUE;

  /* A camera card pulled out or a folder deleted mid-run: every later file would fail too. */
  if (KS_IS_FOLDER_SOURCE (run->source))
    {
      GFile *root = ks_folder_source_get_file (KS_FOLDER_SOURCE (run->source));

      if (!g_file_query_exists (root, NULL))
        return TRUE;
    }

  return FALSE;
}

static gboolean
check_stop (Run     *run,
            GError **error)
{
  if (g_cancellable_is_cancelled (run->cancellable))
    {
      g_set_error_literal (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED, "The backup was cancelled");
      return TRUE;
    }

  if (g_atomic_int_get (&run->all_dead))
    {
      GError *first = NULL;

      g_mutex_lock (&run->self->mutex);
      for (guint d = 0; d < run->n_dests && first == NULL; d++)
        if (run->dest_errors[d] != NULL)
          first = g_error_copy (run->dest_errors[d]);
      g_mutex_unlock (&run->self->mutex);

      if (first == NULL)
        first = g_error_new_literal (KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED, "No destination left");
      g_propagate_error (error, first);
      return TRUE;
    }

  return FALSE;
}

/* Streams one file to the writer. Returns FALSE (with @error) when the run must stop. */
static gboolean
read_item (Run     *run,
           Item    *item,
           GError **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *path = ks_asset_file_get_path (item->file);
  guint64 size = ks_asset_file_get_size (item->file);
  guint64 total = 0;

  if (check_stop (run, error))
    return FALSE;

  /* The listing just gave the size: a phone need not be asked again. */
  stream = ks_source_open_file_sized (run->source, path, size, run->cancellable, &local_error);
  if (stream == NULL)
    {
      g_autofree char *display = g_utf8_make_valid (path, -1);

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return !check_stop (run, error);

      /* Finished (failed) in its turn, behind the files before it. */
      add_file_error (run, item, G_MAXUINT, local_error);
      queue_msg (run, MSG_ABORT, item, NULL, 0);
      if (!is_source_lost (run, local_error))
        return TRUE;

      g_set_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST,
                   "Lost the source while opening %s: %s", display, local_error->message);
      return FALSE;
    }

  queue_msg (run, MSG_BEGIN, item, NULL, 0);

  for (;;)
    {
      guint8 *buf;
      gsize n = 0;
      gboolean ok;

      if (check_stop (run, error))
        {
          queue_msg (run, MSG_ABORT, item, NULL, 0);
          return FALSE;
        }

      /* Blocks while the writer holds every buffer: the queue stays bounded. */
      buf = g_async_queue_pop (run->free_bufs);
      ok = g_input_stream_read_all (stream, buf, CHUNK_SIZE, &n, run->cancellable, &local_error);
      if (!ok)
        {
          g_autofree char *display = g_utf8_make_valid (path, -1);

          g_async_queue_push (run->free_bufs, buf);
          if (check_stop (run, error))
            {
              queue_msg (run, MSG_ABORT, item, NULL, 0);
              return FALSE;
            }

          /* The writer drops the partial temporaries; nothing is recorded as copied. */
          add_file_error (run, item, G_MAXUINT, local_error);
          queue_msg (run, MSG_ABORT, item, NULL, 0);
          if (!is_source_lost (run, local_error))
            {
              g_input_stream_close (stream, NULL, NULL);
              return TRUE;
            }

          g_set_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST,
                       "Lost the source while reading %s: %s", display, local_error->message);
          return FALSE;
        }

      if (n == 0)
        {
          g_async_queue_push (run->free_bufs, buf);
          break;
        }

      total += n;
      queue_msg (run, MSG_DATA, item, buf, n);

      if (n < CHUNK_SIZE)
        break;
    }

  g_input_stream_close (stream, NULL, NULL);

  /* Shorter than listed: it changed (or is being deleted) on the phone. What was listed is
   * what gets recorded, so this copy is not stored; the next run takes the file as it is. */
  if (total != size)
    {
      g_autofree char *display = g_utf8_make_valid (path, -1);
      g_autoptr(GError) changed = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                               "%s changed while it was being copied (%" G_GUINT64_FORMAT
                                               " of %" G_GUINT64_FORMAT " bytes); it will be copied next time",
                                               display, total, size);

      add_file_error (run, item, G_MAXUINT, changed);
      queue_msg (run, MSG_ABORT, item, NULL, 0);
      return TRUE;
    }

  queue_msg (run, MSG_END, item, NULL, 0);

  return TRUE;
}

/* ---- planning ---- */

static gboolean
wants_file (KsImportJob *self,
            KsAsset     *asset,
            KsAssetFile *file)
{
  switch (ks_asset_file_get_role (file))
    {
    case KS_ASSET_FILE_ROLE_PRIMARY:
      /* A sidecar whose photo is gone is its own asset; the choice about sidecars still holds. */
      if (ks_asset_get_kind (asset) == KS_ASSET_KIND_SIDECAR)
        return !(self->flags & KS_IMPORT_FLAGS_SKIP_SIDECARS);
      return !(ks_asset_get_media_type (asset) == KS_MEDIA_TYPE_VIDEO
               && (self->flags & KS_IMPORT_FLAGS_SKIP_VIDEOS));
    case KS_ASSET_FILE_ROLE_LIVE_VIDEO:
      return !(self->flags & KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS);
    case KS_ASSET_FILE_ROLE_EDITED:
      return !(self->flags & KS_IMPORT_FLAGS_SKIP_EDITED);
    case KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO:
      return !(self->flags & (KS_IMPORT_FLAGS_SKIP_EDITED | KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS));
    case KS_ASSET_FILE_ROLE_SIDECAR:
      return !(self->flags & KS_IMPORT_FLAGS_SKIP_SIDECARS);
    default:
      return TRUE;
    }
}

static gboolean
collect_file_cb (KsSource           *source,
                 const KsSourceFile *file,
                 gpointer            user_data)
{
  g_ptr_array_add (user_data, ks_source_file_copy (file));
  return TRUE;
}

/* Lists the source (unless the caller gave the assets): runs while the destinations open. */
static gboolean
list_source (Run           *run,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) local_error = NULL;

  if (run->assets != NULL)
    return TRUE;

  files = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_source_file_free);
  if (!ks_source_enumerate (run->source, collect_file_cb, files, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error_literal (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED, "The backup was cancelled");
      else
        g_set_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST,
                     "Could not list the source: %s", local_error->message);
      return FALSE;
    }
  run->assets = ks_asset_group_files (ks_source_get_id (run->source), files);

  return TRUE;
}

static gboolean
plan (Run     *run,
      GError **error)
{
  KsImportJob *self = run->self;
  guint64 need_bytes[MAX_DESTINATIONS] = { 0 };
  guint planned = 0;
  guint64 bytes_total = 0;
  GHashTable *known = run->known;

  for (guint a = 0; a < run->assets->len; a++)
    {
      KsAsset *asset = g_ptr_array_index (run->assets, a);
      GPtrArray *files = ks_asset_get_files (asset);
      Item *primary = NULL;

      for (guint f = 0; f < files->len; f++)
        {
          KsAssetFile *file = g_ptr_array_index (files, f);
          KsCatalogSourceFile *seen;
          Item *item;

          if (!wants_file (self, asset, file))
            continue;

          item = g_new0 (Item, 1);
          item->asset = g_object_ref (asset);
          item->file = ks_asset_file_ref (file);
          if (primary == NULL)
            primary = item;
          item->primary = primary;
          seen = g_hash_table_lookup (known, ks_asset_file_get_path (file));
          if (seen != NULL
              && seen->size == ks_asset_file_get_size (file)
              && seen->mtime == ks_asset_file_get_mtime (file))
            item->hash = g_strdup (seen->hash);

          /* The destination's own index decides, not the catalog: it survives the app's
           * data being deleted, and it is what is really on that drive. */
          for (guint d = 0; d < run->n_dests; d++)
            {
              if (!dest_alive (run, d))
                continue;
              if (item->hash == NULL || !ks_destination_lookup (run->dests[d], item->hash, NULL, NULL))
                {
                  item->need |= 1u << d;
                  need_bytes[d] += ks_asset_file_get_size (file);
                }
            }

          if (item->need != 0)
            {
              planned++;
              bytes_total += ks_asset_file_get_size (file);
            }

          g_ptr_array_add (run->items, item);
        }
    }

  g_mutex_lock (&self->mutex);
  self->progress.items_total = run->items->len;
  self->progress.bytes_total = bytes_total;
  self->result->planned = planned;
  self->result->planned_bytes = bytes_total;
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);

  if (self->flags & KS_IMPORT_FLAGS_DRY_RUN)
    return TRUE;

  /* Refuse up front what cannot fit, saying how much is needed. Files whose hash is not
   * known yet are counted as missing, so this errs on the side of asking for room. */
  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 free_space;

      if (!dest_alive (run, d) || need_bytes[d] == 0)
        continue;

      free_space = ks_destination_query_free_space (run->dests[d], &local_error);
      if (free_space >= 0 && (guint64)free_space < need_bytes[d])
        {
          g_autofree char *where = ks_destination_dup_display_name (run->dests[d]);
          g_autofree char *needed = g_format_size (need_bytes[d]);
          g_autofree char *avail = g_format_size (free_space);

          run->dest_errors[d] = g_error_new (KS_IMPORT_ERROR, KS_IMPORT_ERROR_NO_SPACE,
                                             "Not enough space in %s: the backup needs %s, %s is free",
                                             where, needed, avail);
        }
    }

  for (guint d = 0; d < run->n_dests; d++)
    if (dest_alive (run, d))
      return TRUE;

  g_propagate_error (error, g_error_copy (run->dest_errors[0]));
  return FALSE;
}

static gboolean
open_destinations (Run     *run,
                   GError **error)
{
  KsImportJob *self = run->self;

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *uri = NULL;
      g_autofree char *name = NULL;
      g_autofree char *uuid = NULL;

      if (!ks_destination_open (run->dests[d], run->cancellable, &local_error))
        {
          int code = KS_IMPORT_ERROR_FAILED;

          if (g_error_matches (local_error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE))
            code = KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE;
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_READ_ONLY)
                   || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
            code = KS_IMPORT_ERROR_READ_ONLY;
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            code = KS_IMPORT_ERROR_NO_SPACE;

          run->dest_errors[d] = g_error_new_literal (KS_IMPORT_ERROR, code, local_error->message);
          continue;
        }

      uri = ks_destination_dup_uri (run->dests[d]);
      name = ks_destination_dup_display_name (run->dests[d]);
      uuid = ks_destination_dup_volume_uuid (run->dests[d]);
      if (!ks_catalog_record_destination (self->catalog, ks_destination_get_id (run->dests[d]),
                                          ks_destination_get_kind (run->dests[d]),
                                          uri, name, uuid, &local_error))
        g_warning ("%s", local_error->message);
    }

  for (guint d = 0; d < run->n_dests; d++)
    if (dest_alive (run, d))
      return TRUE;

  g_propagate_error (error, g_error_copy (run->dest_errors[0]));
  return FALSE;
}

/* Opens the destinations (reading their indexes, sweeping old temporaries) and reads the
 * catalog's rows for this source, while the task's thread lists the phone. If no
 * destination can be used, there is no point listing: the listing is stopped. */
static gpointer
prepare_thread (gpointer data)
{
  Run *run = data;

  if (!open_destinations (run, &run->prepare_error))
    g_cancellable_cancel (run->listing);
  /* Same rule as ks_catalog_lookup_source_file(): only an unchanged size and mtime vouch
   * for the hash. One query: a lookup per file cost more than listing the phone when
   * nothing is new. */
  run->known = ks_catalog_list_source_files (run->self->catalog, ks_source_get_id (run->source), NULL);

  return NULL;
}

static void
cancel_listing_cb (GCancellable *cancellable,
                   gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KsImportJob *self = source_object;
  Run *run = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) dest_ids = g_string_new (NULL);
  g_autoptr(GError) catalog_error = NULL;
  g_autoptr(GError) layout_error = NULL;
  GThread *writer = NULL;
  GThread *committer = NULL;
  const char *status;

  run->started = g_get_monotonic_time ();
  run->source_name = ks_source_dup_display_name (run->source);

  if (!ks_layout_validate (self->layout, &layout_error))
    error = g_error_new (KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED, "Layout “%s”: %s",
                         self->layout, layout_error->message);
  else
    {
      g_autoptr(GError) list_error = NULL;
      GThread *prepare;
      gulong handler;

      /* Listing a phone is round trips; opening the destinations is disk work: both at once. */
      run->listing = g_cancellable_new ();
      handler = g_cancellable_connect (run->cancellable, G_CALLBACK (cancel_listing_cb),
                                       g_object_ref (run->listing), g_object_unref);
      prepare = g_thread_new ("ks-import-prepare", prepare_thread, run);
      list_source (run, run->listing, &list_error);
      g_thread_join (prepare);
      g_cancellable_disconnect (run->cancellable, handler);

      if (run->prepare_error != NULL)
        error = g_steal_pointer (&run->prepare_error);
      else if (list_error != NULL)
        error = g_steal_pointer (&list_error);
      else
        for (guint d = 0; d < run->n_dests; d++)
          if (dest_alive (run, d))
            g_string_append_printf (dest_ids, "%s%s", dest_ids->len ? " " : "",
                                    ks_destination_get_id (run->dests[d]));
    }

  run->run_id = ks_catalog_begin_run (self->catalog, ks_source_get_id (run->source),
                                      dest_ids->str, &catalog_error);
  if (run->run_id < 0)
    g_warning ("%s", catalog_error->message);
  else if (self->origin != NULL
           && !ks_catalog_set_run_origin (self->catalog, run->run_id, self->origin, &catalog_error))
    g_warning ("%s", catalog_error->message);

  if (error == NULL && plan (run, &error) && !(self->flags & KS_IMPORT_FLAGS_DRY_RUN))
    {
      run->free_bufs = g_async_queue_new ();
      run->work = g_async_queue_new ();
      run->done = g_async_queue_new ();
      for (guint i = 0; i < N_BUFFERS; i++)
        g_async_queue_push (run->free_bufs, g_malloc (CHUNK_SIZE));

      writer = g_thread_new ("ks-import-writer", writer_thread, run);
      committer = g_thread_new ("ks-import-commit", committer_thread, run);

      for (guint i = 0; i < run->items->len; i++)
        {
          Item *item = g_ptr_array_index (run->items, i);
          guint32 alive_need = 0;

          for (guint d = 0; d < run->n_dests; d++)
            if (dest_alive (run, d))
              alive_need |= item->need & (1u << d);

          if (alive_need == 0)
            {
              /* Present everywhere (or only wanted by a destination that failed). Nothing
               * to write or commit: finished here, unless a test's hook wants every file
               * in order (a run with nothing new is mostly this). */
              if (item->need == 0 && self->file_hook == NULL)
                item_finished (run, item);
              else if (item->need == 0)
                queue_msg (run, MSG_ABORT, item, NULL, 0);
              else if (check_stop (run, &error))
                break;
              else
                {
                  g_mutex_lock (&self->mutex);
                  item->failed = TRUE;
                  g_mutex_unlock (&self->mutex);
                  queue_msg (run, MSG_ABORT, item, NULL, 0);
                }
              continue;
            }

          if (!read_item (run, item, &error))
            break;
        }

      /* The writer passes the quit on to the committer once everything before it. */
      queue_msg (run, MSG_QUIT, NULL, NULL, 0);
      g_thread_join (writer);
      g_thread_join (committer);

      /* A destination that died after the last file was read still fails the run. */
      if (error == NULL)
        for (guint d = 0; d < run->n_dests; d++)
          if (run->dest_errors[d] != NULL)
            {
              error = g_error_copy (run->dest_errors[d]);
              break;
            }
    }
  else if (error == NULL)
    {
      /* Dry run: nothing is read; skipped items count as done. */
      g_mutex_lock (&self->mutex);
      for (guint i = 0; i < run->items->len; i++)
        if (((Item *)g_ptr_array_index (run->items, i))->need == 0)
          {
            self->progress.items_done++;
            self->progress.skipped++;
          }
      g_mutex_unlock (&self->mutex);
    }

  /* A destination rejected during planning (no room) fails the run too. */
  if (error == NULL && !(self->flags & KS_IMPORT_FLAGS_DRY_RUN))
    for (guint d = 0; d < run->n_dests; d++)
      if (run->dest_errors[d] != NULL)
        {
          error = g_error_copy (run->dest_errors[d]);
          break;
        }

  g_mutex_lock (&self->mutex);
  self->result->copied = self->progress.copied;
  self->result->skipped = self->progress.skipped;
  self->result->failed = self->progress.failed;
  self->result->duration = g_get_monotonic_time () - run->started;
  self->result->run_id = run->run_id;
  if (error != NULL && g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED))
    status = "cancelled";
  else if (error != NULL)
    status = "failed";
  else if (self->result->failed > 0)
    status = "completed-with-errors";
  else
    status = "completed";
  g_free (self->result->status);
  self->result->status = g_strdup (status);
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);

  /* Let go of the drives now, not whenever the last reference drops: the user may eject
   * one as soon as the run says it is done. */
  for (guint d = 0; d < run->n_dests; d++)
    ks_destination_close (run->dests[d]);

  if (run->run_id >= 0
      && !ks_catalog_finish_run (self->catalog, run->run_id, self->result->copied,
                                 self->result->skipped, self->result->failed, self->result->bytes,
                                 status, error ? error->message : NULL, &catalog_error))
    g_warning ("%s", catalog_error->message);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, ks_import_result_copy (self->result),
                           (GDestroyNotify)ks_import_result_free);
}

/* ---- GObject ---- */

static void
ks_import_job_dispose (GObject *object)
{
  KsImportJob *self = (KsImportJob *)object;

  if (self->progress_source != NULL)
    {
      g_source_destroy (self->progress_source);
      g_clear_pointer (&self->progress_source, g_source_unref);
    }
  g_clear_object (&self->source);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->assets, g_ptr_array_unref);
  g_clear_pointer (&self->destinations, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_import_job_parent_class)->dispose (object);
}

static void
ks_import_job_finalize (GObject *object)
{
  KsImportJob *self = (KsImportJob *)object;

  g_clear_pointer (&self->layout, g_free);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->result, ks_import_result_free);
  g_clear_pointer (&self->progress.current_path, g_free);
  g_clear_pointer (&self->progress.current_asset, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_import_job_parent_class)->finalize (object);
}

static void
ks_import_job_class_init (KsImportJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_import_job_dispose;
  object_class->finalize = ks_import_job_finalize;

  /**
   * KsImportJob::progress:
   * @progress: (transfer none): a snapshot, valid during the emission
   *
   * Emitted on the main context that started the run, at most ten times a second, and
   * once more at the end.
   */
  signals[PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  KS_TYPE_IMPORT_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
ks_import_job_init (KsImportJob *self)
{
  g_mutex_init (&self->mutex);
  self->layout = g_strdup (KS_IMPORT_DEFAULT_LAYOUT);
  self->result = ks_import_result_new ();
  self->progress.seconds_left = -1;
}

/**
 * ks_import_job_new:
 * @source: where files come from
 * @assets: (nullable) (element-type KsAsset): what to back up (the user's selection), or
 *   %NULL for everything the source holds (enumerated when the run starts)
 * @destinations: (element-type KsDestination): one or more (at most 32)
 * @catalog: where the run and the copies are remembered
 *
 * Returns: (transfer full): a job to run once
 */
KsImportJob *
ks_import_job_new (KsSource   *source,
                   GPtrArray  *assets,
                   GPtrArray  *destinations,
                   KsCatalog  *catalog)
{
  KsImportJob *self;

  g_return_val_if_fail (KS_IS_SOURCE (source), NULL);
  g_return_val_if_fail (destinations != NULL && destinations->len > 0, NULL);
  g_return_val_if_fail (destinations->len <= MAX_DESTINATIONS, NULL);
  g_return_val_if_fail (KS_IS_CATALOG (catalog), NULL);

  self = g_object_new (KS_TYPE_IMPORT_JOB, NULL);
  self->source = g_object_ref (source);
  self->catalog = g_object_ref (catalog);
  self->destinations = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < destinations->len; i++)
    g_ptr_array_add (self->destinations, g_object_ref (g_ptr_array_index (destinations, i)));
  if (assets != NULL)
    {
      self->assets = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < assets->len; i++)
        g_ptr_array_add (self->assets, g_object_ref (g_ptr_array_index (assets, i)));
    }

  return self;
}

void
ks_import_job_set_flags (KsImportJob   *self,
                         KsImportFlags  flags)
{
  g_return_if_fail (KS_IS_IMPORT_JOB (self));
  g_return_if_fail (!self->running);

  self->flags = flags;
}

KsImportFlags
ks_import_job_get_flags (KsImportJob *self)
{
  g_return_val_if_fail (KS_IS_IMPORT_JOB (self), 0);

  return self->flags;
}

/**
 * ks_import_job_set_layout:
 * @layout: (nullable): a template such as "{year}/{month}/{name}"; %NULL for the default
 *
 * Tokens (see ks-layout.h): {year}, {month}, {day} (capture date, local time, read from
 * the file's bytes while copying), {name}, {stem}, {ext} (the file's name made safe) and
 * {device} (the source's display name). An invalid layout fails the run up front.
 */
void
ks_import_job_set_layout (KsImportJob *self,
                          const char  *layout)
{
  g_return_if_fail (KS_IS_IMPORT_JOB (self));
  g_return_if_fail (!self->running);

  g_free (self->layout);
  self->layout = g_strdup (layout ? layout : KS_IMPORT_DEFAULT_LAYOUT);
}

const char *
ks_import_job_get_layout (KsImportJob *self)
{
  g_return_val_if_fail (KS_IS_IMPORT_JOB (self), NULL);

  return self->layout;
}

/**
 * ks_import_job_set_origin:
 * @origin: (nullable): who starts the run ("window", "cli", "monitor"), recorded with it
 */
void
ks_import_job_set_origin (KsImportJob *self,
                          const char  *origin)
{
  g_return_if_fail (KS_IS_IMPORT_JOB (self));

  g_free (self->origin);
  self->origin = g_strdup (origin);
}

/**
 * ks_import_job_get_result:
 *
 * The summary of the run, also after it failed (what was done until it stopped), with
 * the per-file errors. Read it on the caller's thread once the run finished.
 *
 * Returns: (transfer none)
 */
const KsImportResult *
ks_import_job_get_result (KsImportJob *self)
{
  g_return_val_if_fail (KS_IS_IMPORT_JOB (self), NULL);

  return self->result;
}

void
_ks_import_job_set_pipeline_depth (KsImportJob *self,
                                   guint        depth)
{
  g_return_if_fail (KS_IS_IMPORT_JOB (self));

  self->pipeline_depth = depth;
}

void
_ks_import_job_set_file_hook (KsImportJob         *self,
                              KsImportJobFileHook  hook,
                              gpointer             user_data)
{
  g_return_if_fail (KS_IS_IMPORT_JOB (self));

  self->file_hook = hook;
  self->file_hook_data = user_data;
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  KsImportJob *self = KS_IMPORT_JOB (object);
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GError) error = NULL;
  KsImportResult *import_result;

  /* The last word on progress comes before the caller hears the run is over. */
  if (self->progress_source != NULL)
    {
      g_source_destroy (self->progress_source);
      g_clear_pointer (&self->progress_source, g_source_unref);
    }
  g_mutex_lock (&self->mutex);
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
  progress_tick_cb (self);

  self->running = FALSE;

  import_result = g_task_propagate_pointer (G_TASK (result), &error);
  if (import_result == NULL)
    g_task_return_error (outer, g_steal_pointer (&error));
  else
    g_task_return_pointer (outer, import_result, (GDestroyNotify)ks_import_result_free);
}

/**
 * ks_import_job_run_async:
 *
 * Starts the run on a worker thread. "progress" is emitted on the thread-default main
 * context of the caller, where @callback is called too. A job runs once.
 */
void
ks_import_job_run_async (KsImportJob         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  Run *run;

  g_return_if_fail (KS_IS_IMPORT_JOB (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, ks_import_job_run_async);
  /* Our cancellation error (KS_IMPORT_ERROR_CANCELLED) is the one to report. */
  g_task_set_check_cancellable (outer, FALSE);

  if (self->running || self->result->status != NULL)
    {
      g_task_return_new_error (outer, KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED,
                               "An import job runs only once");
      return;
    }
  self->running = TRUE;

  run = g_new0 (Run, 1);
  run->self = g_object_ref (self);
  run->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  run->source = g_object_ref (self->source);
  run->assets = self->assets ? g_ptr_array_ref (self->assets) : NULL;
  run->items = g_ptr_array_new_with_free_func ((GDestroyNotify)item_free);
  run->n_dests = self->destinations->len;
  for (guint d = 0; d < run->n_dests; d++)
    run->dests[d] = g_object_ref (g_ptr_array_index (self->destinations, d));
  g_mutex_init (&run->flight_mutex);
  g_cond_init (&run->flight_cond);
  if (self->pipeline_depth > 0)
    run->max_in_flight = self->pipeline_depth;
  else if (self->file_hook != NULL)
    run->max_in_flight = 1;
  else
    run->max_in_flight = CLAMP (FD_BUDGET / (2 * MAX (1, run->n_dests)), 2, MAX_IN_FLIGHT);
  run->batch_max = MAX (1, run->max_in_flight / 2);

  self->progress_source = g_timeout_source_new (PROGRESS_INTERVAL);
  g_source_set_callback (self->progress_source, progress_tick_cb, self, NULL);
  g_source_set_static_name (self->progress_source, "[ks-import-progress]");
  g_source_attach (self->progress_source, g_main_context_get_thread_default ());

  inner = g_task_new (self, run->cancellable, run_done_cb, g_steal_pointer (&outer));
  g_task_set_source_tag (inner, run_thread);
  g_task_set_check_cancellable (inner, FALSE);
  g_task_set_task_data (inner, run, (GDestroyNotify)run_free);
  g_task_run_in_thread (inner, run_thread);
}

/**
 * ks_import_job_run_finish:
 *
 * Returns: (transfer full): the summary, or %NULL with @error set (%KS_IMPORT_ERROR);
 *   ks_import_job_get_result() still tells what was done before it stopped
 */
KsImportResult *
ks_import_job_run_finish (KsImportJob   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (KS_IS_IMPORT_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GAsyncResult *result;
} SyncData;

static void
run_sync_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  SyncData *data = user_data;

  data->result = g_object_ref (result);
}

/**
 * ks_import_job_run:
 *
 * Blocking run for the CLI and tests. "progress" is emitted on the calling thread while
 * it waits (a private main context is iterated).
 *
 * Returns: (transfer full): as ks_import_job_run_finish()
 */
KsImportResult *
ks_import_job_run (KsImportJob   *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  SyncData data = { NULL };
  KsImportResult *result;

  g_return_val_if_fail (KS_IS_IMPORT_JOB (self), NULL);

  g_main_context_push_thread_default (context);
  ks_import_job_run_async (self, cancellable, run_sync_cb, &data);
  while (data.result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  result = ks_import_job_run_finish (self, data.result, error);
  g_object_unref (data.result);

  return result;
}
