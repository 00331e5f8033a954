/* ks-import-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs one import: plan what each destination lacks (ks-import-plan.c), then copy it
 * through the reader → writer → committer pipeline (ks-import-pipeline.c), each file
 * written to a hidden temporary and committed (fsync, verify, rename without replacing,
 * fsync folder) before it is recorded. Progress reaches the caller's main context through a
 * throttled timer (ks-import-meter.c). This file holds the object, the run's frame and its
 * result; ks-import-job-private.h says where the rest is. */

#include "config.h"

#include "ks-asset.h"
#include "ks-import-job.h"
#include "ks-import-job-private.h"
#include "ks-layout.h"

/* Files in flight: each holds two descriptors per destination. */
#define MAX_IN_FLIGHT     64
#define FD_BUDGET         384

G_DEFINE_FINAL_TYPE (KsImportJob, ks_import_job, G_TYPE_OBJECT)

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (KsImportItem *item)
{
  g_clear_object (&item->asset);
  g_clear_pointer (&item->file, ks_asset_file_unref);
  g_free (item->hash);
  g_free (item);
}

static KsImportRun *
run_new (KsImportJob  *self,
         GCancellable *cancellable)
{
  KsImportRun *run = g_new0 (KsImportRun, 1);

  g_assert (KS_IS_IMPORT_JOB (self));

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
  g_mutex_init (&run->upload_mutex);
  g_cond_init (&run->upload_cond);
  if (self->pipeline_depth > 0)
    run->max_in_flight = self->pipeline_depth;
  else if (self->file_hook != NULL)
    run->max_in_flight = 1;
  else
    run->max_in_flight = CLAMP (FD_BUDGET / (2 * MAX (1, run->n_dests)), 2, MAX_IN_FLIGHT);
  run->batch_max = MAX (1, run->max_in_flight / 2);

  return run;
}

static void
run_free (KsImportRun *run)
{
  _ks_import_places_clear (run);
  g_clear_pointer (&run->items, g_ptr_array_unref);
  g_clear_pointer (&run->assets, g_ptr_array_unref);
  g_clear_object (&run->source);
  g_clear_object (&run->cancellable);
  for (guint d = 0; d < run->n_dests; d++)
    {
      g_clear_object (&run->dests[d]);
      g_clear_error (&run->dest_errors[d]);
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
  g_mutex_clear (&run->upload_mutex);
  g_cond_clear (&run->upload_cond);
  g_clear_object (&run->self);
  g_free (run->source_name);
  g_free (run);
}

void
_ks_import_job_emit_progress (KsImportJob      *self,
                              KsImportProgress *progress)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  g_signal_emit (self, signals[PROGRESS], 0, progress);
}

/* ---- the run, on the task's thread ---- */

/* Checks the layout, lists the source and opens the destinations. */
static gboolean
run_prepare (KsImportRun  *run,
             GError      **error)
{
  KsImportJob *self = run->self;
  g_autoptr(GError) layout_error = NULL;

  if (!ks_layout_validate (self->layout, &layout_error))
    {
      g_set_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED, "Layout “%s”: %s",
                   self->layout, layout_error->message);
      return FALSE;
    }

  return _ks_import_prepare (run, error);
}

/* Plans and copies. A destination that ended (no room, removed…) fails the run, even when
 * it was rejected while planning or died after the last file was read. */
static void
run_copy (KsImportRun  *run,
          GError      **error)
{
  KsImportJob *self = run->self;
  GError *dest_error;

  if (!_ks_import_plan (run, error))
    return;

  if (self->flags & KS_IMPORT_FLAGS_DRY_RUN)
    {
      _ks_import_meter_count_dry_run (run);
      return;
    }

  if (!_ks_import_pipeline_run (run, error))
    return;

  if (!g_cancellable_is_cancelled (run->cancellable))
    _ks_import_record_library (run);

  dest_error = _ks_import_dup_dest_error (run);
  if (dest_error != NULL)
    g_propagate_error (error, dest_error);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KsImportJob *self = source_object;
  KsImportRun *run = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) catalog_error = NULL;
  g_autofree char *dest_ids = NULL;
  const char *status;

  run->started = g_get_monotonic_time ();
  run->source_name = ks_source_dup_display_name (run->source);

  dest_ids = run_prepare (run, &error) ? _ks_import_dup_dest_ids (run) : g_strdup ("");
  run->run_id = ks_catalog_begin_run (self->catalog, ks_source_get_id (run->source),
                                      dest_ids, &catalog_error);
  /* The run goes on without a row of its own (run_id -1 in the result), or without its
   * origin: the copies are what matters, and each file the catalog cannot record is
   * reported with the file. */
  if (run->run_id < 0)
    g_message ("Catalog: %s", catalog_error->message);
  else if (self->origin != NULL
           && !ks_catalog_set_run_origin (self->catalog, run->run_id, self->origin, &catalog_error))
    g_message ("Catalog: %s", catalog_error->message);

  if (error == NULL)
    run_copy (run, &error);

  status = _ks_import_meter_finish (run, error);

  /* Let go of the drives now, not whenever the last reference drops: the user may eject
   * one as soon as the run says it is done. */
  for (guint d = 0; d < run->n_dests; d++)
    ks_destination_close (run->dests[d]);

  if (run->run_id >= 0
      && !ks_catalog_finish_run (self->catalog, run->run_id, self->result->copied,
                                 self->result->skipped, self->result->failed, self->result->bytes,
                                 status, error ? error->message : NULL, &catalog_error))
    /* Left "running", the row is marked interrupted once this process is gone. */
    g_message ("Catalog: %s", catalog_error->message);

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

  _ks_import_meter_stop (self);
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
  g_clear_pointer (&self->progress.upload_path, g_free);
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
  self->progress.upload_seconds_left = -1;
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
  g_return_val_if_fail (destinations->len <= KS_IMPORT_MAX_DESTINATIONS, NULL);
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
  _ks_import_meter_flush (self);

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
  KsImportRun *run;

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

  run = run_new (self, cancellable);
  _ks_import_meter_start (self);

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
