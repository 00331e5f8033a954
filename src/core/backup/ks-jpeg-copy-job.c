/* ks-jpeg-copy-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The job's thread lists what lacks a JPEG copy, hands the conversions to a pool of worker
 * threads (a few at a time, so memory stays bounded) and stores each result itself: a
 * destination is written from one thread, as its contract wants. The same photo in two
 * destinations with the same quality is converted once. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-hash.h"
#include "ks-import-job.h"
#include "ks-import-progress.h"
#include "ks-jpeg-copy-job.h"

/* Larger HEICs are not photos a phone takes; reading one into memory is refused. */
#define MAX_ORIGINAL_SIZE (512 * 1024 * 1024)

typedef struct
{
  KsDestination   *dest;
  KsJpegPlacement  placement;
  int              quality;
  gboolean         usable;      /* opened, and not gone since */
} Target;

typedef struct
{
  guint  target;
  char  *original_path;
} Place;

typedef struct
{
  char      *hash;
  int        quality;
  GPtrArray *places;   /* Place */
  GBytes    *jpeg;     /* set by the worker, or: */
  GError    *error;
} Item;

struct _KsJpegCopyJob
{
  GObject                 parent_instance;

  GPtrArray              *targets;   /* Target */
  guint                   n_threads;
  KsJpegCopyProgressFunc  progress_func;
  gpointer                progress_data;

  /* While running: */
  GCancellable           *cancellable;
  GAsyncQueue            *done;      /* Item, converted or failed */

  KsJpegCopyResult       *result;
};

G_DEFINE_FINAL_TYPE (KsJpegCopyJob, ks_jpeg_copy_job, G_TYPE_OBJECT)

static const char *placement_names[] = {
  [KS_JPEG_PLACEMENT_SUBFOLDER] = "subfolder",
  [KS_JPEG_PLACEMENT_BESIDE] = "beside",
};

const char *
ks_jpeg_placement_to_string (KsJpegPlacement placement)
{
  g_return_val_if_fail (placement < G_N_ELEMENTS (placement_names), NULL);

  return placement_names[placement];
}

gboolean
ks_jpeg_placement_from_string (const char      *string,
                               KsJpegPlacement *out_placement)
{
  for (guint i = 0; i < G_N_ELEMENTS (placement_names); i++)
    if (g_strcmp0 (string, placement_names[i]) == 0)
      {
        *out_placement = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * ks_jpeg_copy_target:
 * @original_path: the HEIC's relative path in the destination
 * @out_rel_dir: (out) (transfer full): the folder of the JPEG copy ("" for the root)
 * @out_stem: (out) (transfer full): its name without extension (the original's)
 * @out_ext: (out) (transfer full): "JPG", or "jpg" when the original's extension is in
 *   lower case
 */
void
ks_jpeg_copy_target (const char       *original_path,
                     KsJpegPlacement   placement,
                     char            **out_rel_dir,
                     char            **out_stem,
                     char            **out_ext)
{
  const char *slash;
  const char *dot;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (original_path != NULL);

  slash = strrchr (original_path, '/');
  dir = slash ? g_strndup (original_path, slash - original_path) : g_strdup ("");
  name = g_strdup (slash ? slash + 1 : original_path);
  dot = strrchr (name, '.');

  if (placement == KS_JPEG_PLACEMENT_SUBFOLDER)
    {
      char *sub = dir[0] ? g_strconcat (dir, "/" KS_JPEG_SUBFOLDER, NULL) : g_strdup (KS_JPEG_SUBFOLDER);

      g_free (dir);
      dir = sub;
    }

  *out_ext = g_strdup (dot != NULL && g_ascii_islower (dot[1]) ? "jpg" : "JPG");
  *out_stem = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  *out_rel_dir = g_steal_pointer (&dir);
}

void
ks_jpeg_copy_result_free (KsJpegCopyResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->errors, g_ptr_array_unref);
  g_free (result);
}

static KsJpegCopyResult *
result_new (void)
{
  KsJpegCopyResult *result = g_new0 (KsJpegCopyResult, 1);

  result->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_import_file_error_free);
  return result;
}

static KsJpegCopyResult *
result_copy (const KsJpegCopyResult *result)
{
  KsJpegCopyResult *copy = result_new ();

  copy->made = result->made;
  copy->present = result->present;
  copy->failed = result->failed;
  for (guint i = 0; i < result->errors->len; i++)
    {
      const KsImportFileError *fe = g_ptr_array_index (result->errors, i);
      KsImportFileError *dup = ks_import_file_error_new (fe->path, fe->destination_id, NULL);

      dup->domain = fe->domain;
      dup->code = fe->code;
      dup->message = g_strdup (fe->message);
      g_ptr_array_add (copy->errors, dup);
    }
  return copy;
}

static void
place_free (Place *place)
{
  g_free (place->original_path);
  g_free (place);
}

static void
item_free (Item *item)
{
  g_free (item->hash);
  g_clear_pointer (&item->places, g_ptr_array_unref);
  g_clear_pointer (&item->jpeg, g_bytes_unref);
  g_clear_error (&item->error);
  g_free (item);
}

static void
ks_jpeg_copy_job_finalize (GObject *object)
{
  KsJpegCopyJob *self = (KsJpegCopyJob *) object;

  g_clear_pointer (&self->targets, g_ptr_array_unref);
  g_clear_pointer (&self->result, ks_jpeg_copy_result_free);

  G_OBJECT_CLASS (ks_jpeg_copy_job_parent_class)->finalize (object);
}

static void
ks_jpeg_copy_job_class_init (KsJpegCopyJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_jpeg_copy_job_finalize;
}

static void
target_free (Target *target)
{
  g_clear_object (&target->dest);
  g_free (target);
}

static void
ks_jpeg_copy_job_init (KsJpegCopyJob *self)
{
  self->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
  self->n_threads = CLAMP (g_get_num_processors (), 1, 8);
}

KsJpegCopyJob *
ks_jpeg_copy_job_new (void)
{
  return g_object_new (KS_TYPE_JPEG_COPY_JOB, NULL);
}

/**
 * ks_jpeg_copy_job_add_destination:
 * @destination: not yet opened (the job opens and closes it)
 * @quality: JPEG quality, 1–100
 */
void
ks_jpeg_copy_job_add_destination (KsJpegCopyJob   *self,
                                  KsDestination   *destination,
                                  KsJpegPlacement  placement,
                                  int              quality)
{
  Target *target;

  g_return_if_fail (KS_IS_JPEG_COPY_JOB (self));
  g_return_if_fail (KS_IS_DESTINATION (destination));
  g_return_if_fail (quality >= 1 && quality <= 100);

  target = g_new0 (Target, 1);
  target->dest = g_object_ref (destination);
  target->placement = placement;
  target->quality = quality;
  g_ptr_array_add (self->targets, target);
}

/**
 * ks_jpeg_copy_job_add_planned:
 * @destination: a destination whose id (after a run opened it) is a plan entry's
 *
 * Adds @destination with the placement and quality its plan entry says, if that entry asks
 * for JPEG copies.
 *
 * Returns: whether it was added
 */
/**
 * ks_jpeg_copy_get_settings:
 * @id: a plan entry's id
 * @out_placement: (out) (optional)
 * @out_quality: (out) (optional)
 */
gboolean
ks_jpeg_copy_get_settings (KsBackupPlan    *plan,
                           const char      *id,
                           KsJpegPlacement *out_placement,
                           int             *out_quality)
{
  g_autofree char *enabled = NULL;
  g_autofree char *placement_name = NULL;
  g_autofree char *quality_text = NULL;
  KsJpegPlacement placement = KS_JPEG_PLACEMENT_SUBFOLDER;
  gint64 quality = KS_JPEG_COPY_DEFAULT_QUALITY;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  enabled = ks_backup_plan_dup_destination_option (plan, id, KS_JPEG_OPTION_ENABLED);
  placement_name = ks_backup_plan_dup_destination_option (plan, id, KS_JPEG_OPTION_PLACEMENT);
  if (placement_name != NULL && !ks_jpeg_placement_from_string (placement_name, &placement))
    placement = KS_JPEG_PLACEMENT_SUBFOLDER;
  quality_text = ks_backup_plan_dup_destination_option (plan, id, KS_JPEG_OPTION_QUALITY);
  if (quality_text != NULL && !g_ascii_string_to_signed (quality_text, 10, 1, 100, &quality, NULL))
    quality = KS_JPEG_COPY_DEFAULT_QUALITY;

  if (out_placement)
    *out_placement = placement;
  if (out_quality)
    *out_quality = quality;
  return g_strcmp0 (enabled, "true") == 0;
}

/**
 * ks_jpeg_copy_job_add_planned:
 * @destination: a destination whose id (after a run opened it) is a plan entry's
 *
 * Adds @destination with the placement and quality its plan entry says, if that entry asks
 * for JPEG copies.
 *
 * Returns: whether it was added
 */
gboolean
ks_jpeg_copy_job_add_planned (KsJpegCopyJob *self,
                              KsBackupPlan  *plan,
                              KsDestination *destination)
{
  const char *id;
  KsJpegPlacement placement;
  int quality;

  g_return_val_if_fail (KS_IS_JPEG_COPY_JOB (self), FALSE);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), FALSE);
  g_return_val_if_fail (KS_IS_DESTINATION (destination), FALSE);

  id = ks_destination_get_id (destination);
  if (id == NULL || ks_backup_plan_lookup (plan, id) == NULL
      || !ks_jpeg_copy_get_settings (plan, id, &placement, &quality))
    return FALSE;

  ks_jpeg_copy_job_add_destination (self, destination, placement, quality);
  return TRUE;
}

guint
ks_jpeg_copy_job_get_n_destinations (KsJpegCopyJob *self)
{
  g_return_val_if_fail (KS_IS_JPEG_COPY_JOB (self), 0);

  return self->targets->len;
}

/* How many photos are converted at once (the number of processors by default). */
void
ks_jpeg_copy_job_set_threads (KsJpegCopyJob *self,
                              guint          n_threads)
{
  g_return_if_fail (KS_IS_JPEG_COPY_JOB (self));
  g_return_if_fail (n_threads > 0);

  self->n_threads = n_threads;
}

void
ks_jpeg_copy_job_set_progress (KsJpegCopyJob          *self,
                               KsJpegCopyProgressFunc  func,
                               gpointer                user_data)
{
  g_return_if_fail (KS_IS_JPEG_COPY_JOB (self));

  self->progress_func = func;
  self->progress_data = user_data;
}

static char *
hash_bytes (GBytes *bytes)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();

  ks_hasher_update (hasher, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return ks_hasher_finish (hasher);
}

static void
add_error (KsJpegCopyJob *self,
           const char    *path,
           Target        *target,
           const GError  *error)
{
  g_ptr_array_add (self->result->errors,
                   ks_import_file_error_new (path, target ? ks_destination_get_id (target->dest) : NULL,
                                             error));
}

/* A worker: reads the original back from a destination that holds it, checks that it is
 * still what was backed up, and converts it. */
static void
convert_cb (gpointer data,
            gpointer user_data)
{
  Item *item = data;
  KsJpegCopyJob *self = user_data;
  g_autoptr(GBytes) heic = NULL;

  for (guint i = 0; heic == NULL && i < item->places->len; i++)
    {
      Place *place = g_ptr_array_index (item->places, i);
      Target *target = g_ptr_array_index (self->targets, place->target);

      if (g_cancellable_set_error_if_cancelled (self->cancellable, &item->error))
        break;

      g_clear_error (&item->error);
      heic = ks_destination_load_file (target->dest, place->original_path, MAX_ORIGINAL_SIZE,
                                       self->cancellable, &item->error);
      if (heic != NULL)
        {
          g_autofree char *hash = hash_bytes (heic);

          if (g_strcmp0 (hash, item->hash) != 0)
            {
              g_clear_pointer (&heic, g_bytes_unref);
              g_set_error_literal (&item->error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                                   _("The stored photo is no longer the one that was backed up; "
                                     "check the destination with verify"));
            }
        }
    }

  if (heic != NULL && !g_cancellable_set_error_if_cancelled (self->cancellable, &item->error))
    item->jpeg = ks_jpeg_copy_convert (heic, item->quality, &item->error);

  g_async_queue_push (self->done, item);
}

/* A destination that went away or filled up takes no more JPEG copies this run. */
static gboolean
is_fatal_for_target (const GError *error)
{
  return g_error_matches (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

/* Stores one JPEG copy: temporary, verified, named without replacing, indexed. */
static gboolean
store (Target        *target,
       const Item    *item,
       const Place   *place,
       GCancellable  *cancellable,
       GError       **error)
{
  g_autofree char *rel_dir = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *name_hint = NULL;
  g_autofree char *hash = hash_bytes (item->jpeg);
  KsDestinationWriter *writer;
  guint counter = 1;

  ks_jpeg_copy_target (place->original_path, target->placement, &rel_dir, &stem, &ext);
  name_hint = g_strconcat (stem, ".", ext, NULL);

  writer = ks_destination_begin_file (target->dest, rel_dir, name_hint, error);
  if (writer == NULL)
    return FALSE;
  if (!ks_destination_write (target->dest, writer, g_bytes_get_data (item->jpeg, NULL),
                             g_bytes_get_size (item->jpeg), error))
    {
      ks_destination_abort (target->dest, writer);
      return FALSE;
    }

  return ks_destination_stage_derived (target->dest, writer, item->hash, rel_dir, stem, ext,
                                       hash, &counter, NULL, cancellable, error) &&
         ks_destination_sync (target->dest, error);
}

static void
finish_item (KsJpegCopyJob *self,
             Item          *item,
             guint         *done,
             guint          total)
{
  for (guint i = 0; i < item->places->len; i++)
    {
      Place *place = g_ptr_array_index (item->places, i);
      Target *target = g_ptr_array_index (self->targets, place->target);
      g_autoptr(GError) error = NULL;

      if (!target->usable)
        {
          /* Its error was reported once; the photos it still lacked are counted. */
          self->result->failed++;
        }
      else if (item->error != NULL)
        {
          self->result->failed++;
          add_error (self, place->original_path, target, item->error);
        }
      else if (store (target, item, place, self->cancellable, &error))
        self->result->made++;
      else
        {
          self->result->failed++;
          add_error (self, place->original_path, target, error);
          if (is_fatal_for_target (error))
            target->usable = FALSE;
        }

      (*done)++;
      if (self->progress_func != NULL)
        self->progress_func (*done, total, place->original_path, self->progress_data);
    }
}

/* What lacks a JPEG copy, one item per (content, quality). Returns: the number of JPEG
 * copies to make. */
static guint
collect (KsJpegCopyJob *self,
         GPtrArray     *items)
{
  g_autoptr(GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint total = 0;

  for (guint t = 0; t < self->targets->len; t++)
    {
      Target *target = g_ptr_array_index (self->targets, t);
      g_autoptr(GPtrArray) entries = NULL;

      if (!target->usable)
        continue;

      entries = ks_destination_list_entries (target->dest);
      for (guint i = 0; i < entries->len; i++)
        {
          KsDestinationEntry *entry = g_ptr_array_index (entries, i);
          g_autofree char *key = NULL;
          Place *place;
          Item *item;

          if (!ks_jpeg_copy_wants (entry->relative_path))
            continue;
          if (ks_destination_lookup_derived (target->dest, entry->hash, NULL, NULL))
            {
              self->result->present++;
              continue;
            }

          key = g_strdup_printf ("%s/%d", entry->hash, target->quality);
          item = g_hash_table_lookup (by_key, key);
          if (item == NULL)
            {
              item = g_new0 (Item, 1);
              item->hash = g_strdup (entry->hash);
              item->quality = target->quality;
              item->places = g_ptr_array_new_with_free_func ((GDestroyNotify) place_free);
              g_ptr_array_add (items, item);
              g_hash_table_insert (by_key, g_steal_pointer (&key), item);
            }

          place = g_new0 (Place, 1);
          place->target = t;
          place->original_path = g_strdup (entry->relative_path);
          g_ptr_array_add (item->places, place);
          total++;
        }
    }

  return total;
}

static gboolean
run_blocking (KsJpegCopyJob  *self,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  g_autoptr(GError) pool_error = NULL;
  GThreadPool *pool;
  guint total;
  guint next = 0;
  guint in_flight = 0;
  guint done = 0;
  gboolean cancelled;

  g_clear_pointer (&self->result, ks_jpeg_copy_result_free);
  self->result = result_new ();

  for (guint t = 0; t < self->targets->len; t++)
    {
      Target *target = g_ptr_array_index (self->targets, t);
      g_autoptr(GError) open_error = NULL;

      target->usable = ks_destination_open (target->dest, cancellable, &open_error);
      if (!target->usable)
        {
          g_autofree char *uri = ks_destination_dup_uri (target->dest);

          add_error (self, uri, NULL, open_error);
        }
    }

  total = collect (self, items);

  self->cancellable = cancellable;
  self->done = g_async_queue_new ();
  pool = g_thread_pool_new (convert_cb, self, self->n_threads, FALSE, &pool_error);
  g_assert (pool != NULL);

  for (;;)
    {
      Item *item;

      cancelled = g_cancellable_is_cancelled (cancellable);
      /* A few waiting per worker keep them busy; more would only hold memory. */
      while (!cancelled && next < items->len && in_flight < 2 * self->n_threads)
        {
          g_thread_pool_push (pool, g_ptr_array_index (items, next++), NULL);
          in_flight++;
        }
      if (in_flight == 0)
        break;

      item = g_async_queue_pop (self->done);
      in_flight--;
      if (!cancelled && !g_cancellable_is_cancelled (cancellable))
        finish_item (self, item, &done, total);
      item_free (item);
    }

  g_thread_pool_free (pool, FALSE, TRUE);
  g_clear_pointer (&self->done, g_async_queue_unref);
  self->cancellable = NULL;

  /* Items never handed to a worker. */
  for (; next < items->len; next++)
    item_free (g_ptr_array_index (items, next));

  for (guint t = 0; t < self->targets->len; t++)
    {
      Target *target = g_ptr_array_index (self->targets, t);

      ks_destination_close (target->dest);
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, NULL))
    {
      g_set_error_literal (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED,
                           _("Making JPEG copies was cancelled"));
      return FALSE;
    }

  return TRUE;
}

/**
 * ks_jpeg_copy_job_run:
 *
 * Blocks until every JPEG copy is made (or failed). Per-file problems are in the result;
 * cancelling fails with KS_IMPORT_ERROR_CANCELLED (ks_jpeg_copy_job_get_result() still
 * says what was made).
 *
 * Returns: (transfer full): a copy of the result, or %NULL with @error set
 */
KsJpegCopyResult *
ks_jpeg_copy_job_run (KsJpegCopyJob  *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_return_val_if_fail (KS_IS_JPEG_COPY_JOB (self), NULL);
  g_return_val_if_fail (self->done == NULL, NULL);

  if (!run_blocking (self, cancellable, error))
    return NULL;

  return result_copy (self->result);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KsJpegCopyJob *self = source_object;
  GError *error = NULL;

  if (run_blocking (self, cancellable, &error))
    g_task_return_pointer (task, result_copy (self->result), (GDestroyNotify) ks_jpeg_copy_result_free);
  else
    g_task_return_error (task, error);
}

void
ks_jpeg_copy_job_run_async (KsJpegCopyJob       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_JPEG_COPY_JOB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_jpeg_copy_job_run_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

KsJpegCopyResult *
ks_jpeg_copy_job_run_finish (KsJpegCopyJob  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (KS_IS_JPEG_COPY_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ks_jpeg_copy_job_get_result:
 *
 * Returns: (transfer none) (nullable): what the last run did, also one that was cancelled
 *   (valid once the run returned)
 */
const KsJpegCopyResult *
ks_jpeg_copy_job_get_result (KsJpegCopyJob *self)
{
  g_return_val_if_fail (KS_IS_JPEG_COPY_JOB (self), NULL);

  return self->result;
}
