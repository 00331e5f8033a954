/* ks-import-pipeline.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The copy itself. The reader (the task's thread) streams files from the source into a
 * bounded queue of large buffers; the writer thread hashes them, reads their date as they
 * go by and writes them to hidden temporaries in every destination that lacks them; the
 * committer thread names them (verify, rename without replacing) in batches, makes each
 * batch durable (one folder fsync and one index sync per destination), and only then
 * counts and records them. Files move through in the order they were read.
 *
 * phone → this computer → cloud: a remote destination that lacks a file a local one gets in
 * the same batch (or holds from an earlier run) uploads it from that verified local copy,
 * once the copy is durable, instead of taking its own copy in the cache or reading the
 * phone again; the copy is re-hashed as it is read for the upload.
 *
 * Uploads go side by side (ks-import-uploads.c): a file for a remote destination starts
 * uploading as soon as the writer has it whole, and the committer, taking the files in
 * order, waits for each upload before it names the file. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-asset.h"
#include "ks-import-job-private.h"
#include "ks-safe-name.h"

#define CHUNK_SIZE        (4 * 1024 * 1024)
#define N_BUFFERS         6

/* The committer makes files durable in batches: after batch_max files or BATCH_BYTES, or
 * when BATCH_WAIT_MS passed since the batch's first file (a slow link), whichever first. */
#define BATCH_BYTES       (256 * 1024 * 1024)
#define BATCH_WAIT_MS     250

typedef enum
{
  MSG_BEGIN,
  MSG_DATA,
  MSG_END,
  MSG_ABORT,
  MSG_FROM_LOCAL,   /* nothing to read: only remote destinations lack it, a local one has it */
  MSG_QUIT,
} MsgType;

/* From the reader to the writer. */
typedef struct
{
  MsgType       type;
  KsImportItem *item;
  guint8       *buf;
  gsize         len;
} Msg;

/* A file the writer finished (or gave up), on its way to the committer. */
typedef struct
{
  KsImportItem        *item;   /* NULL: the writer quit */
  gint64               capture_time;
  KsDestinationWriter *writers[KS_IMPORT_MAX_DESTINATIONS];
  guint32              stored;   /* staged (or synced) under a new name in d */
  guint32              existing; /* d already held the same bytes */
  guint32              from_local; /* remote d: upload from a local destination's copy */
  guint32              late;     /* staged in d from a local copy, after the batch's sync */
  char                *rel[KS_IMPORT_MAX_DESTINATIONS];
  KsImportUpload      *uploads[KS_IMPORT_MAX_DESTINATIONS]; /* remote d: going up */
  char                *from_rel[KS_IMPORT_MAX_DESTINATIONS]; /* uploaded from that local copy */
} Done;

static void
queue_msg (KsImportRun  *run,
           MsgType       type,
           KsImportItem *item,
           guint8       *buf,
           gsize         len)
{
  Msg *msg = g_new0 (Msg, 1);

  msg->type = type;
  msg->item = item;
  msg->buf = buf;
  msg->len = len;
  g_async_queue_push (run->work, msg);
}

static void
done_free (Done *done)
{
  for (guint d = 0; d < KS_IMPORT_MAX_DESTINATIONS; d++)
    {
      g_free (done->rel[d]);
      g_free (done->from_rel[d]);
      /* The committer ended every upload before the file got here. */
      g_assert (done->uploads[d] == NULL);
    }
  g_free (done);
}

/* ---- catalog ---- */

static void
record_in_catalog (KsImportRun  *run,
                   KsImportItem *item,
                   guint         d,
                   const char   *relative_path)
{
  KsImportJob *self = run->self;
  g_autoptr(GError) error = NULL;
  guint64 size = ks_asset_file_get_size (item->file);

  /* The destination's own index already holds the truth; the catalog is what makes the
   * next run fast. A failure here loses no file, but the run reports it for this file (the
   * next run finds the copy in the destination's index and records it then). */
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
    {
      g_prefix_error (&error, "Copied, but not recorded in the catalog: ");
      _ks_import_add_file_error (run, item, d, error);
    }
}

/* ---- writer thread ---- */

static void
wait_for_room (KsImportRun *run)
{
  g_mutex_lock (&run->flight_mutex);
  while (run->in_flight >= run->max_in_flight)
    g_cond_wait (&run->flight_cond, &run->flight_mutex);
  g_mutex_unlock (&run->flight_mutex);
}

static gboolean
has_local_writer (KsImportRun *run)
{
  for (guint d = 0; d < run->n_dests; d++)
    if (run->writers[d] != NULL && !(run->remote & (1u << d)))
      return TRUE;
  return FALSE;
}

static void
writer_begin (KsImportRun  *run,
              KsImportItem *item)
{
  g_autofree char *hint = ks_safe_name_make (ks_asset_file_get_name (item->file), -1);
  g_autofree char *dir = NULL;
  g_autofree char *local_path = NULL;

  /* Bounded: at most max_in_flight files wait for the committer (open files, and with a
   * test's file hook, one at a time). */
  wait_for_room (run);

  _ks_import_meter_update (run->self, item, 0);

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

  run->from_local = 0;
  for (guint i = 0; i < 2 * run->n_dests; i++)
    {
      g_autoptr(GError) error = NULL;
      /* Local destinations first: a remote one uploads from their copy when there is one. */
      gboolean remote_pass = i >= run->n_dests;
      guint d = i % run->n_dests;

      if (remote_pass != ((run->remote & (1u << d)) != 0))
        continue;
      run->writers[d] = NULL;
      if (!(item->need & (1u << d)) || !_ks_import_dest_alive (run, d))
        continue;

      if (remote_pass && has_local_writer (run))
        {
          run->from_local |= 1u << d;
          continue;
        }

      /* An unplugged drive or a lazily unmounted share can keep accepting writes through
       * our open fds; ask before each file whether the path still leads to it. */
      if (!ks_destination_check_available (run->dests[d], &error))
        {
          _ks_import_dest_failed (run, d, item, error);
          continue;
        }

      if (dir == NULL)
        dir = _ks_import_place_temporary (run, item);

      /* A folder source's file goes up from where it is, not from a copy in the cache. */
      if (remote_pass && local_path == NULL)
        local_path = ks_source_dup_local_path (run->source, ks_asset_file_get_path (item->file));
      run->writers[d] = local_path != NULL
        ? ks_destination_begin_file_reading (run->dests[d], dir, hint, local_path, &error)
        : ks_destination_begin_file (run->dests[d], dir, hint, &error);
      if (run->writers[d] == NULL)
        _ks_import_dest_failed (run, d, item, error);
    }
}

static void
writer_data (KsImportRun  *run,
             KsImportItem *item,
             guint8       *buf,
             gsize         len)
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
          _ks_import_dest_failed (run, d, item, error);
        }
    }

  _ks_import_meter_update (run->self, NULL, len);
}

static void
writer_abort (KsImportRun *run)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      if (run->writers[d] != NULL)
        ks_destination_abort (run->dests[d], run->writers[d]);
      run->writers[d] = NULL;
    }
  run->from_local = 0;
  g_clear_pointer (&run->hasher, ks_hasher_free);
  g_clear_pointer (&run->dater, ks_metadata_reader_free);
}

/* Passes the file (with its open temporaries, if any) to the committer; %NULL: the writer
 * quits. */
static void
hand_off (KsImportRun  *run,
          KsImportItem *item,
          gint64        capture_time)
{
  Done *done = g_new0 (Done, 1);

  done->item = item;
  done->capture_time = capture_time;
  if (item != NULL)
    {
      for (guint d = 0; d < run->n_dests; d++)
        {
          KsDestinationWriter *writer = g_steal_pointer (&run->writers[d]);

          /* Whole: a remote destination starts uploading it now, beside the others. */
          if (writer != NULL && (run->remote & (1u << d)))
            done->uploads[d] = _ks_import_upload_begin (run, d, item, writer);
          else
            done->writers[d] = writer;
        }
      done->from_local = run->from_local;
      run->from_local = 0;

      g_mutex_lock (&run->flight_mutex);
      run->in_flight++;
      g_mutex_unlock (&run->flight_mutex);
    }

  g_async_queue_push (run->done, done);
}

static void
writer_end (KsImportRun  *run,
            KsImportItem *item)
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
  KsImportRun *run = data;

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
          writer_abort (run);
          hand_off (run, msg->item, 0);
          break;

        case MSG_FROM_LOCAL:
          wait_for_room (run);
          _ks_import_meter_update (run->self, msg->item, 0);
          run->from_local = msg->item->need & run->remote;
          hand_off (run, msg->item, ks_asset_get_capture_time (msg->item->asset));
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

/* Whether @d holds @done's content already (under another name: moved or renamed on the
 * phone, a duplicate, or an earlier file of this batch): then one copy is kept, and the
 * mapping remembered. @sent: bytes of it uploaded already (they stay counted). */
static gboolean
already_held (KsImportRun *run,
              Done        *done,
              guint        d,
              guint64      sent)
{
  guint64 size = ks_asset_file_get_size (done->item->file);

  if (!ks_destination_lookup (run->dests[d], done->item->hash, &done->rel[d], NULL))
    return FALSE;

  done->existing |= 1u << d;
  if (run->remote & (1u << d))
    _ks_import_meter_upload_skipped (run->self, size - MIN (sent, size));
  return TRUE;
}

/* The writer of @done's file for @d, to be named: for a remote destination, once its
 * upload ended. %NULL when there is nothing to name: the run was cancelled (nothing more
 * is stored, and that is no error of this file), the upload failed (said so), or @d
 * holds the content already (an earlier file of the batch had it). */
static KsDestinationWriter *
writer_to_name (KsImportRun *run,
                Done        *done,
                guint        d)
{
  g_autoptr(GError) error = NULL;
  KsDestinationWriter *writer;
  guint64 sent = 0;

  if (done->uploads[d] != NULL)
    writer = _ks_import_upload_end (g_steal_pointer (&done->uploads[d]), &sent, &error);
  else
    writer = g_steal_pointer (&done->writers[d]);

  /* Cancelled: what is not named yet is simply not stored; what is named already gets its
   * sync. */
  if (g_cancellable_is_cancelled (run->cancellable))
    {
      ks_destination_abort (run->dests[d], writer);
      return NULL;
    }
  if (writer == NULL)
    {
      _ks_import_dest_failed (run, d, done->item, error);
      return NULL;
    }
  if (already_held (run, done, d, sent))
    {
      ks_destination_abort (run->dests[d], writer);
      return NULL;
    }

  return writer;
}

/* Verifies and names @done's file in destination @d; durable at the batch's sync. */
static void
stage_in (KsImportRun *run,
          Done        *done,
          guint        d)
{
  KsImportItem *item = done->item;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *ext = NULL;
  KsDestinationWriter *writer;
  guint counter;

  writer = writer_to_name (run, done, d);
  if (writer == NULL)
    return;

  _ks_import_place_final (run, item, d, done->capture_time, &dir, &stem, &ext, &counter);

  if (!ks_destination_stage (run->dests[d], writer, dir, stem, ext,
                             item->hash, &counter, &done->rel[d], run->cancellable, &error))
    {
      /* Cancelled while reading back: not stored, and not an error of this file. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _ks_import_dest_failed (run, d, item, error);
      return;
    }

  _ks_import_place_remember (run, item, d, &dir, counter);
  done->stored |= 1u << d;
}

/* Starts uploading @done's file to remote destination @d from a local destination's
 * verified copy (staged there in this batch and synced, or stored by an earlier run). */
static void
upload_from_local_begin (KsImportRun *run,
                         Done        *done,
                         guint        d)
{
  KsImportItem *item = done->item;
  g_autoptr(GError) error = NULL;
  g_autofree char *local = NULL;
  g_autofree char *rel = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;

  if (g_cancellable_is_cancelled (run->cancellable) || item->hash == NULL)
    return;

  if (already_held (run, done, d, 0))
    return;

  for (guint l = 0; local == NULL && l < run->n_dests; l++)
    {
      g_autofree char *found = NULL;

      if ((run->remote & (1u << l)) || !_ks_import_dest_alive (run, l)
          || !ks_destination_lookup (run->dests[l], item->hash, &found, NULL))
        continue;
      local = ks_destination_dup_local_path (run->dests[l], found);
      if (local != NULL)
        rel = g_steal_pointer (&found);
    }
  if (local == NULL)
    {
      /* The local copy failed in this run: not uploaded, and said so. */
      error = g_error_new_literal (KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED,
                                   _("There is no verified copy on this computer to upload it from; it will be uploaded by the next backup"));
      _ks_import_add_file_error (run, item, d, error);
      return;
    }

  /* The same place as the local copy: the two trees look alike. */
  _ks_import_split_rel (rel, &dir, &base);

  done->uploads[d] = _ks_import_upload_begin_from_local (run, d, item, dir, base, local);
  done->from_rel[d] = g_steal_pointer (&rel);
}

/* Names that upload, in its turn; durable at the next sync. */
static void
upload_from_local_name (KsImportRun *run,
                        Done        *done,
                        guint        d)
{
  KsImportItem *item = done->item;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *ext = NULL;
  KsDestinationWriter *writer;
  guint counter = 1;

  if (done->uploads[d] == NULL)
    return;

  writer = writer_to_name (run, done, d);
  if (writer == NULL)
    return;

  _ks_import_split_rel (done->from_rel[d], &dir, &base);
  ks_safe_name_split (base, &stem, &ext);

  if (!ks_destination_stage (run->dests[d], writer, dir, stem, ext, item->hash, &counter,
                             &done->rel[d], run->cancellable, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _ks_import_dest_failed (run, d, item, error);
      return;
    }

  done->late |= 1u << d;
}

/* Makes what the batch staged in each destination durable; a destination that fails to
 * sync stored none of it. @late: the uploads from local copies, after the first sync. */
static void
sync_batch (KsImportRun *run,
            GPtrArray   *batch,
            guint32      touched,
            gboolean     late)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) error = NULL;

      if (!(touched & (1u << d)) || ks_destination_sync (run->dests[d], &error))
        continue;

      for (guint i = 0; i < batch->len; i++)
        {
          Done *done = g_ptr_array_index (batch, i);

          guint32 *bits = late ? &done->late : &done->stored;

          if (*bits & (1u << d))
            {
              *bits &= ~(1u << d);
              _ks_import_dest_failed (run, d, done->item, error);
            }
        }
    }
}

/* @done's file is durable where it was stored: count it, record it, let the writer go on. */
static void
finish_done (KsImportRun *run,
             Done        *done)
{
  KsImportItem *item = done->item;

  for (guint d = 0; d < run->n_dests; d++)
    {
      if (done->stored & (1u << d))
        {
          item->copied = TRUE;
          _ks_import_meter_add_copied (run->self, ks_asset_file_get_size (item->file));
        }
      if ((done->stored | done->existing) & (1u << d))
        record_in_catalog (run, item, d, done->rel[d]);
    }

  _ks_import_meter_item_finished (run, item);

  g_mutex_lock (&run->flight_mutex);
  run->in_flight--;
  g_cond_signal (&run->flight_cond);
  g_mutex_unlock (&run->flight_mutex);
}

/* Names every file of the batch (in the order they were read), makes the names and the
 * destinations' records durable (one folder fsync and one index sync per destination for
 * the whole batch), and only then counts them as copied and records them in the catalog. */
static void
commit_batch (KsImportRun *run,
              GPtrArray   *batch)
{
  guint32 touched = 0;

  for (guint i = 0; i < batch->len; i++)
    {
      Done *done = g_ptr_array_index (batch, i);

      for (guint d = 0; d < run->n_dests; d++)
        if (done->writers[d] != NULL || done->uploads[d] != NULL)
          stage_in (run, done, d);
      touched |= done->stored;
    }

  sync_batch (run, batch, touched, FALSE);

  /* Now the local copies are durable: the uploads that read them, side by side, then
   * named in order. */
  for (guint i = 0; i < batch->len; i++)
    {
      Done *done = g_ptr_array_index (batch, i);

      for (guint d = 0; d < run->n_dests; d++)
        if ((done->from_local & (1u << d)) && _ks_import_dest_alive (run, d))
          upload_from_local_begin (run, done, d);
    }
  touched = 0;
  for (guint i = 0; i < batch->len; i++)
    {
      Done *done = g_ptr_array_index (batch, i);

      for (guint d = 0; d < run->n_dests; d++)
        upload_from_local_name (run, done, d);
      touched |= done->late;
    }
  if (touched != 0)
    sync_batch (run, batch, touched, TRUE);

  for (guint i = 0; i < batch->len; i++)
    {
      Done *done = g_ptr_array_index (batch, i);

      done->stored |= done->late;
      finish_done (run, done);
    }

  g_ptr_array_set_size (batch, 0);
}

static gpointer
committer_thread (gpointer data)
{
  KsImportRun *run = data;
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

/* ---- reader (the task's thread) ---- */

/* The source failed to give @item (@local_error, while @doing): that file's error, finished
 * (failed) in its turn behind the files before it. Returns %FALSE (with @error) when the
 * source is lost and the run must stop. */
static gboolean
source_failed (KsImportRun   *run,
               KsImportItem  *item,
               const char    *doing,
               const GError  *local_error,
               GError       **error)
{
  g_autofree char *display = g_utf8_make_valid (ks_asset_file_get_path (item->file), -1);

  /* The writer drops the partial temporaries; nothing is recorded as copied. */
  _ks_import_add_file_error (run, item, G_MAXUINT, local_error);
  queue_msg (run, MSG_ABORT, item, NULL, 0);
  if (!_ks_import_is_source_lost (run, local_error))
    return TRUE;

  g_set_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST,
               "Lost the source while %s %s: %s", doing, display, local_error->message);
  return FALSE;
}

/* Streams @stream to the writer, counting into @total. Returns %FALSE when the run must
 * stop (with @error) or the file failed (@error unset); the writer was told either way. */
static gboolean
read_chunks (KsImportRun   *run,
             KsImportItem  *item,
             GInputStream  *stream,
             guint64       *total,
             gboolean      *stop,
             GError       **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      guint8 *buf;
      gsize n = 0;

      if (_ks_import_check_stop (run, error))
        {
          queue_msg (run, MSG_ABORT, item, NULL, 0);
          *stop = TRUE;
          return FALSE;
        }

      /* Blocks while the writer holds every buffer: the queue stays bounded. */
      buf = g_async_queue_pop (run->free_bufs);
      if (!g_input_stream_read_all (stream, buf, CHUNK_SIZE, &n, run->cancellable, &local_error))
        {
          g_async_queue_push (run->free_bufs, buf);
          if (_ks_import_check_stop (run, error))
            {
              queue_msg (run, MSG_ABORT, item, NULL, 0);
              *stop = TRUE;
              return FALSE;
            }

          *stop = !source_failed (run, item, "reading", local_error, error);
          return FALSE;
        }

      if (n == 0)
        {
          g_async_queue_push (run->free_bufs, buf);
          return TRUE;
        }

      *total += n;
      queue_msg (run, MSG_DATA, item, buf, n);

      if (n < CHUNK_SIZE)
        return TRUE;
    }
}

/* Streams one file to the writer. Returns %FALSE (with @error) when the run must stop. */
static gboolean
read_item (KsImportRun   *run,
           KsImportItem  *item,
           GError       **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 size = ks_asset_file_get_size (item->file);
  guint64 total = 0;
  gboolean stop = FALSE;

  if (_ks_import_check_stop (run, error))
    return FALSE;

  /* The listing just gave the size: a phone need not be asked again. */
  stream = ks_source_open_file_sized (run->source, ks_asset_file_get_path (item->file), size,
                                      run->cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return !_ks_import_check_stop (run, error);

      return source_failed (run, item, "opening", local_error, error);
    }

  queue_msg (run, MSG_BEGIN, item, NULL, 0);

  if (!read_chunks (run, item, stream, &total, &stop, error))
    {
      /* One file failed: on to the next. Stopping: the stream goes with its reference. */
      if (!stop)
        g_input_stream_close (stream, NULL, NULL);
      return !stop;
    }

  g_input_stream_close (stream, NULL, NULL);

  /* Shorter than listed: it changed (or is being deleted) on the phone. What was listed is
   * what gets recorded, so this copy is not stored; the next run takes the file as it is. */
  if (total != size)
    {
      g_autofree char *display = g_utf8_make_valid (ks_asset_file_get_path (item->file), -1);
      g_autoptr(GError) changed = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                               "%s changed while it was being copied (%" G_GUINT64_FORMAT
                                               " of %" G_GUINT64_FORMAT " bytes); it will be copied next time",
                                               display, total, size);

      _ks_import_add_file_error (run, item, G_MAXUINT, changed);
      queue_msg (run, MSG_ABORT, item, NULL, 0);
      return TRUE;
    }

  queue_msg (run, MSG_END, item, NULL, 0);

  return TRUE;
}

/* An item no destination still alive lacks: present everywhere (or only wanted by a
 * destination that failed). Nothing to write or commit: finished here, unless a test's hook
 * wants every file in order (a run with nothing new is mostly this). Returns %FALSE (with
 * @error) when the run must stop. */
static gboolean
pass_item (KsImportRun   *run,
           KsImportItem  *item,
           GError       **error)
{
  if (item->need == 0 && run->self->file_hook == NULL)
    _ks_import_meter_item_finished (run, item);
  else if (item->need == 0)
    queue_msg (run, MSG_ABORT, item, NULL, 0);
  else if (_ks_import_check_stop (run, error))
    return FALSE;
  else
    {
      _ks_import_mark_failed (run, item);
      queue_msg (run, MSG_ABORT, item, NULL, 0);
    }

  return TRUE;
}

/**
 * _ks_import_pipeline_run:
 *
 * Copies every planned item that a destination still alive lacks, on the task's thread
 * (the reader) with a writer and a committer thread, and waits until everything read was
 * committed or dropped.
 *
 * Returns: %FALSE (with @error) when the run stopped early
 */
gboolean
_ks_import_pipeline_run (KsImportRun  *run,
                         GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GThread *writer;
  GThread *committer;

  g_assert (KS_IS_IMPORT_JOB (run->self));

  run->free_bufs = g_async_queue_new ();
  run->work = g_async_queue_new ();
  run->done = g_async_queue_new ();
  for (guint i = 0; i < N_BUFFERS; i++)
    g_async_queue_push (run->free_bufs, g_malloc (CHUNK_SIZE));

  _ks_import_uploads_start (run);

  writer = g_thread_new ("ks-import-writer", writer_thread, run);
  committer = g_thread_new ("ks-import-commit", committer_thread, run);

  for (guint i = 0; i < run->items->len; i++)
    {
      KsImportItem *item = g_ptr_array_index (run->items, i);
      guint32 alive_need = 0;

      for (guint d = 0; d < run->n_dests; d++)
        if (_ks_import_dest_alive (run, d))
          alive_need |= item->need & (1u << d);

      if (alive_need == 0)
        {
          if (!pass_item (run, item, &local_error))
            break;
        }
      else if (item->upload_only && (alive_need & ~run->remote) == 0)
        {
          /* Nothing to read from the source: uploaded from the local copy. */
          if (_ks_import_check_stop (run, &local_error))
            break;
          queue_msg (run, MSG_FROM_LOCAL, item, NULL, 0);
        }
      else if (!read_item (run, item, &local_error))
        break;
    }

  /* The writer passes the quit on to the committer once everything before it. */
  queue_msg (run, MSG_QUIT, NULL, NULL, 0);
  g_thread_join (writer);
  g_thread_join (committer);
  _ks_import_uploads_stop (run);

  /* Cancelled after the last file was read (uploads on their way): what had no name yet
   * is not stored, and the run ends as cancelled, not as complete. */
  if (local_error == NULL && g_cancellable_is_cancelled (run->cancellable))
    _ks_import_set_cancelled (&local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}
