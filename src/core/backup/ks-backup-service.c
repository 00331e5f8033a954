/* ks-backup-service.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-backup-service-private.h"

G_DEFINE_QUARK (ks-backup-service-error-quark, ks_backup_service_error)

/* ---- KsBackupRun ---- */

enum {
  RUN_PROP_0,
  RUN_PROP_STATE,
  RUN_N_PROPS
};

enum {
  RUN_PROGRESS,
  RUN_FULL_PROGRESS,
  RUN_JPEG_PROGRESS,
  RUN_FINISHED,
  RUN_N_SIGNALS
};

static GParamSpec *run_properties[RUN_N_PROPS];
static guint run_signals[RUN_N_SIGNALS];

G_DEFINE_FINAL_TYPE (KsBackupRun, ks_backup_run, G_TYPE_OBJECT)

static void
ks_backup_run_finalize (GObject *object)
{
  KsBackupRun *self = (KsBackupRun *)object;

  g_clear_object (&self->source);
  g_clear_pointer (&self->assets, g_ptr_array_unref);
  g_clear_pointer (&self->destinations, g_ptr_array_unref);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->layout, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->job);
  g_clear_object (&self->jpeg_job);
  g_clear_object (&self->views_job);
  g_clear_pointer (&self->progress, ks_import_progress_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->full_targets, g_ptr_array_unref);
  g_clear_object (&self->full_job);
  g_clear_pointer (&self->full_progress, ks_full_backup_progress_free);

  G_OBJECT_CLASS (ks_backup_run_parent_class)->finalize (object);
}

static void
ks_backup_run_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsBackupRun *self = KS_BACKUP_RUN (object);

  switch (prop_id)
    {
    case RUN_PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_backup_run_class_init (KsBackupRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_backup_run_finalize;
  object_class->get_property = ks_backup_run_get_property;

  run_properties[RUN_PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      KS_BACKUP_RUN_QUEUED, KS_BACKUP_RUN_FINISHED, KS_BACKUP_RUN_QUEUED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, RUN_N_PROPS, run_properties);

  run_signals[RUN_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  KS_TYPE_IMPORT_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
  run_signals[RUN_FULL_PROGRESS] =
    g_signal_new ("full-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  KS_TYPE_FULL_BACKUP_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
  run_signals[RUN_JPEG_PROGRESS] =
    g_signal_new ("jpeg-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  run_signals[RUN_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ks_backup_run_init (KsBackupRun *self)
{
  self->cancellable = g_cancellable_new ();
}

static void
run_set_state (KsBackupRun      *self,
               KsBackupRunState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), run_properties[RUN_PROP_STATE]);
}

KsSource *
ks_backup_run_get_source (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->source;
}

/**
 * ks_backup_run_get_assets:
 *
 * Returns: (transfer none) (nullable) (element-type KsAsset): the assets asked for, or
 *   %NULL for everything
 */
GPtrArray *
ks_backup_run_get_assets (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->assets;
}

const char *
ks_backup_run_get_origin (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->origin;
}

KsBackupRunState
ks_backup_run_get_state (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), KS_BACKUP_RUN_FINISHED);
  return self->state;
}

/**
 * ks_backup_run_get_destinations:
 *
 * Returns: (transfer none) (element-type KsDestination): where the run writes
 */
GPtrArray *
ks_backup_run_get_destinations (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->destinations;
}

/**
 * ks_backup_run_get_progress:
 *
 * Returns: (transfer none) (nullable): the latest progress, %NULL before the first
 */
const KsImportProgress *
ks_backup_run_get_progress (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->progress;
}

/**
 * ks_backup_run_get_result:
 *
 * Returns: (transfer none) (nullable): once finished, what the run did (also when it
 *   stopped with an error: what it did until then); %NULL before, and for a run cancelled
 *   while queued
 */
const KsImportResult *
ks_backup_run_get_result (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);

  if (self->state != KS_BACKUP_RUN_FINISHED || self->job == NULL)
    return NULL;
  return ks_import_job_get_result (self->job);
}

/**
 * ks_backup_run_get_library_views_result:
 *
 * Returns: (transfer none) (nullable): once finished, what the XMP sidecars and album
 *   folders stage did, or %NULL when no destination asks for them
 */
const KsLibraryViewsResult *
ks_backup_run_get_library_views_result (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);

  if (self->state != KS_BACKUP_RUN_FINISHED || self->views_job == NULL)
    return NULL;
  return ks_library_views_job_get_result (self->views_job);
}

/**
 * ks_backup_run_get_jpeg_result:
 *
 * Returns: (transfer none) (nullable): once finished, what the JPEG copies stage did (for
 *   destinations that ask for JPEG copies of HEIC photos), or %NULL when no destination
 *   asked or the run stopped before it
 */
const KsJpegCopyResult *
ks_backup_run_get_jpeg_result (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);

  if (self->state != KS_BACKUP_RUN_FINISHED || self->jpeg_job == NULL)
    return NULL;
  return ks_jpeg_copy_job_get_result (self->jpeg_job);
}

/**
 * ks_backup_run_get_error:
 *
 * Returns: (transfer none) (nullable): why a finished run stopped, or %NULL if it went
 *   through (per-file errors are in the result)
 */
const GError *
ks_backup_run_get_error (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->error;
}

/**
 * ks_backup_run_set_flags:
 *
 * Changes what a queued run leaves out (the plan's options by default). No effect once
 * it runs.
 */
void
ks_backup_run_set_flags (KsBackupRun   *self,
                         KsImportFlags  flags)
{
  g_return_if_fail (KS_IS_BACKUP_RUN (self));
  g_return_if_fail (self->state == KS_BACKUP_RUN_QUEUED);

  self->flags = flags;
}

KsImportFlags
ks_backup_run_get_flags (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), KS_IMPORT_FLAGS_NONE);
  return self->flags;
}

/**
 * ks_backup_run_set_layout:
 * @layout: (nullable): a layout template; %NULL for the default
 *
 * Changes where a queued run places files (the plan's layout by default).
 */
void
ks_backup_run_set_layout (KsBackupRun *self,
                          const char  *layout)
{
  g_return_if_fail (KS_IS_BACKUP_RUN (self));
  g_return_if_fail (self->state == KS_BACKUP_RUN_QUEUED);

  g_free (self->layout);
  self->layout = g_strdup (layout);
}

/**
 * ks_backup_run_cancel:
 *
 * Stops the run: a queued one never starts; a running one stops cleanly (what was made
 * durable is kept and recorded, nothing partial stays).
 */
void
ks_backup_run_cancel (KsBackupRun *self)
{
  g_return_if_fail (KS_IS_BACKUP_RUN (self));

  g_cancellable_cancel (self->cancellable);
}

gboolean
ks_backup_run_is_cancelled (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), FALSE);
  return g_cancellable_is_cancelled (self->cancellable);
}

/* ---- KsBackupService ---- */

enum {
  RUN_QUEUED,
  RUN_STARTED,
  RUN_FINISHED_SIGNAL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KsBackupService, ks_backup_service, G_TYPE_OBJECT)

static void schedule_next (KsBackupService *self);

static void
ks_backup_service_dispose (GObject *object)
{
  KsBackupService *self = (KsBackupService *)object;

  if (self->next_source != NULL)
    {
      g_source_destroy (self->next_source);
      g_clear_pointer (&self->next_source, g_source_unref);
    }

  G_OBJECT_CLASS (ks_backup_service_parent_class)->dispose (object);
}

static void
ks_backup_service_finalize (GObject *object)
{
  KsBackupService *self = (KsBackupService *)object;

  g_clear_object (&self->runs);
  g_clear_object (&self->plan);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (ks_backup_service_parent_class)->finalize (object);
}

static void
ks_backup_service_class_init (KsBackupServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_backup_service_dispose;
  object_class->finalize = ks_backup_service_finalize;

  signals[RUN_QUEUED] =
    g_signal_new ("run-queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_BACKUP_RUN);
  signals[RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_BACKUP_RUN);
  signals[RUN_FINISHED_SIGNAL] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_BACKUP_RUN);
}

static void
ks_backup_service_init (KsBackupService *self)
{
  self->runs = g_list_store_new (KS_TYPE_BACKUP_RUN);
}

/**
 * ks_backup_service_new:
 * @catalog: where runs, devices and copies are recorded
 * @plan: the plan whose destinations and options runs use by default
 *
 * Returns: (transfer full): a service whose signals come on the current thread-default
 *   main context
 */
KsBackupService *
ks_backup_service_new (KsCatalog    *catalog,
                       KsBackupPlan *plan)
{
  KsBackupService *self;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);

  self = g_object_new (KS_TYPE_BACKUP_SERVICE, NULL);
  self->catalog = g_object_ref (catalog);
  self->plan = g_object_ref (plan);
  self->context = g_main_context_ref_thread_default ();

  return self;
}

KsCatalog *
ks_backup_service_get_catalog (KsBackupService *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), NULL);
  return self->catalog;
}

KsBackupPlan *
ks_backup_service_get_plan (KsBackupService *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), NULL);
  return self->plan;
}

/* Runs that end (their last stage done, or cancelled while queued) end here. */
void
_ks_backup_service_finish_run (KsBackupService *self,
                               KsBackupRun     *run)
{
  guint position;

  g_object_ref (run);

  if (self->current == run)
    self->current = NULL;
  if (g_list_store_find (self->runs, run, &position))
    g_list_store_remove (self->runs, position);

  run_set_state (run, KS_BACKUP_RUN_FINISHED);
  g_signal_emit (run, run_signals[RUN_FINISHED], 0);
  g_signal_emit (self, signals[RUN_FINISHED_SIGNAL], 0, run);

  g_object_unref (run);

  schedule_next (self);
}

KsRunClosure *
_ks_run_closure_new (KsBackupService *self,
                     KsBackupRun     *run)
{
  KsRunClosure *closure = g_new0 (KsRunClosure, 1);

  closure->service = g_object_ref (self);
  closure->run = g_object_ref (run);
  return closure;
}

void
_ks_backup_run_emit_full_progress (KsBackupRun *run)
{
  g_signal_emit (run, run_signals[RUN_FULL_PROGRESS], 0, run->full_progress);
}

void
_ks_backup_run_emit_jpeg_progress (KsBackupRun *run,
                                   guint        done,
                                   guint        total)
{
  g_signal_emit (run, run_signals[RUN_JPEG_PROGRESS], 0, done, total);
}

static void
job_progress_cb (KsBackupRun      *run,
                 KsImportProgress *progress,
                 KsImportJob      *job)
{
  g_clear_pointer (&run->progress, ks_import_progress_free);
  run->progress = ks_import_progress_copy (progress);
  g_signal_emit (run, run_signals[RUN_PROGRESS], 0, run->progress);
}

static void
job_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  KsRunClosure *closure = user_data;
  g_autoptr(KsBackupService) self = closure->service;
  g_autoptr(KsBackupRun) run = closure->run;
  g_autoptr(KsImportResult) finished = NULL;
  g_autoptr(GError) plan_error = NULL;

  g_free (closure);

  finished = ks_import_job_run_finish (KS_IMPORT_JOB (object), result, &run->error);

  /* The run changed when each destination last succeeded. */
  if (!ks_backup_plan_reload (self->plan, &plan_error))
    g_debug ("Backup plan not reloaded after a run: %s", plan_error->message);

  if (_ks_backup_service_start_jpeg_stage (self, run) || _ks_backup_service_start_views_stage (self, run))
    return;

  _ks_backup_service_files_done (self, run);
}

static void
record_device (KsBackupService *self,
               KsSource        *source)
{
  g_autofree char *udid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *model = NULL;
  g_autoptr(GError) error = NULL;

  /* The catalog knows devices by UDID (what `keepsake-cli status` shows), not by the
   * source's id ("device:UDID"). */
  if (!ks_source_dup_device_info (source, &udid, &name, &model))
    return;

  /* The run itself is still recorded, and `status` lists the device once a write works. */
  if (!ks_catalog_record_device (self->catalog, udid, name, model, &error))
    g_debug ("Device %s not recorded: %s", udid, error->message);
}

static void
start_run (KsBackupService *self,
           KsBackupRun     *run)
{
  self->current = run;
  run_set_state (run, KS_BACKUP_RUN_RUNNING);
  g_signal_emit (self, signals[RUN_STARTED], 0, run);

  record_device (self, run->source);

  if (run->full_only)
    {
      _ks_backup_service_start_full (self, run);
      return;
    }

  run->job = ks_import_job_new (run->source, run->assets, run->destinations, self->catalog);
  ks_import_job_set_flags (run->job, run->flags);
  if (run->layout != NULL)
    ks_import_job_set_layout (run->job, run->layout);
  ks_import_job_set_origin (run->job, run->origin);
  g_signal_connect_object (run->job, "progress", G_CALLBACK (job_progress_cb), run,
                           G_CONNECT_SWAPPED);

  ks_import_job_run_async (run->job, run->cancellable, job_done_cb, _ks_run_closure_new (self, run));
}

/* Finishes the queued runs that were cancelled, then starts the next one if none runs. */
static void
process_queue (KsBackupService *self)
{
  guint i = 0;

  while (i < g_list_model_get_n_items (G_LIST_MODEL (self->runs)))
    {
      g_autoptr(KsBackupRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (run->state == KS_BACKUP_RUN_QUEUED && g_cancellable_is_cancelled (run->cancellable))
        {
          g_set_error_literal (&run->error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED,
                               _("The backup was cancelled before it started"));
          _ks_backup_service_finish_run (self, run);
          continue;
        }
      i++;
    }

  if (self->current == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->runs)) > 0)
    {
      g_autoptr(KsBackupRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), 0);

      start_run (self, run);
    }
}

static gboolean
next_cb (gpointer user_data)
{
  KsBackupService *self = user_data;

  g_clear_pointer (&self->next_source, g_source_unref);
  process_queue (self);

  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_in_context_cb (gpointer user_data)
{
  process_queue (KS_BACKUP_SERVICE (user_data));
  return G_SOURCE_REMOVE;
}

/* Runs start from the main context, never from inside the call that asked for them: the
 * caller can connect to the run and change its options first. */
static void
schedule_next (KsBackupService *self)
{
  if (self->next_source != NULL || self->current != NULL)
    return;

  self->next_source = g_idle_source_new ();
  g_source_set_priority (self->next_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->next_source, next_cb, self, NULL);
  g_source_set_static_name (self->next_source, "[keepsake] next backup run");
  g_source_attach (self->next_source, self->context);
}

static void
queued_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  KsBackupService *self = user_data;

  /* A queued run is finished by the queue; a running one by its job. Either way from the
   * service's context, whatever thread cancelled. */
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT,
                              cancelled_in_context_cb, g_object_ref (self), g_object_unref);
}

/* Queues @run (which the queue then holds) and says so; it starts from the main context. */
void
_ks_backup_service_enqueue (KsBackupService *self,
                            KsBackupRun     *run)
{
  g_cancellable_connect (run->cancellable, G_CALLBACK (queued_cancelled_cb),
                         g_object_ref (self), g_object_unref);

  g_list_store_append (self->runs, run);
  g_signal_emit (self, signals[RUN_QUEUED], 0, run);
  schedule_next (self);
}

/**
 * ks_backup_service_back_up:
 *
 * See the header for the arguments.
 *
 * Returns: (transfer full): the run (possibly one already queued or running for the same
 *   request), or %NULL with @error set
 */
KsBackupRun *
ks_backup_service_back_up (KsBackupService  *self,
                           KsSource         *source,
                           GPtrArray        *assets,
                           GPtrArray        *destinations,
                           const char       *origin,
                           GError          **error)
{
  g_autoptr(KsBackupRun) run = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), NULL);
  g_return_val_if_fail (KS_IS_SOURCE (source), NULL);

  /* "Everything to the plan" for a source that already has such a run is that run: a
   * second click, or the phone seen again by the monitor, must not start another. */
  if (assets == NULL && destinations == NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(KsBackupRun) other = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

          if (other->assets == NULL && other->from_plan && !other->full_only
              && !g_cancellable_is_cancelled (other->cancellable)
              && g_strcmp0 (ks_source_get_id (other->source), ks_source_get_id (source)) == 0)
            return g_steal_pointer (&other);
        }
    }

  run = g_object_new (KS_TYPE_BACKUP_RUN, NULL);
  run->source = g_object_ref (source);
  run->assets = assets ? g_ptr_array_ref (assets) : NULL;
  run->origin = g_strdup (origin);
  run->flags = ks_backup_plan_get_import_flags (self->plan);
  run->layout = g_strdup (ks_backup_plan_get_layout (self->plan));

  /* Videos picked one by one are wanted, whatever the plan says about videos. */
  if (assets != NULL)
    run->flags &= ~KS_IMPORT_FLAGS_SKIP_VIDEOS;

  if (destinations != NULL)
    {
      run->destinations = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < destinations->len; i++)
        g_ptr_array_add (run->destinations, g_object_ref (g_ptr_array_index (destinations, i)));
    }
  else
    {
      g_autoptr(GPtrArray) enabled = ks_backup_plan_dup_enabled (self->plan, KS_BACKUP_METHOD_FILES);

      if (enabled->len == 0)
        {
          g_set_error_literal (error, KS_BACKUP_SERVICE_ERROR,
                               KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS,
                               _("The backup plan has no destination switched on"));
          return NULL;
        }

      run->from_plan = TRUE;
      run->destinations = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < enabled->len; i++)
        g_ptr_array_add (run->destinations,
                         ks_plan_destination_create_store (g_ptr_array_index (enabled, i)));
    }

  _ks_backup_service_enqueue (self, run);

  return g_steal_pointer (&run);
}

/**
 * ks_backup_service_find_run:
 * @source_id: a source's id (a device's UDID)
 *
 * Returns: (transfer none) (nullable): the running run of that source, or else its first
 *   queued one
 */
KsBackupRun *
ks_backup_service_find_run (KsBackupService *self,
                            const char      *source_id)
{
  guint n;

  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), NULL);

  if (self->current != NULL
      && g_strcmp0 (ks_source_get_id (self->current->source), source_id) == 0)
    return self->current;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsBackupRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (g_strcmp0 (ks_source_get_id (run->source), source_id) == 0)
        return run;  /* the store keeps its reference */
    }

  return NULL;
}

/**
 * ks_backup_service_get_runs:
 *
 * Returns: (transfer none): a list of the runs queued or running (KsBackupRun), in order
 */
GListModel *
ks_backup_service_get_runs (KsBackupService *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), NULL);
  return G_LIST_MODEL (self->runs);
}

gboolean
ks_backup_service_is_busy (KsBackupService *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), FALSE);
  return g_list_model_get_n_items (G_LIST_MODEL (self->runs)) > 0;
}

/**
 * ks_backup_service_cancel_all:
 *
 * Cancels every queued and running run (quitting the application).
 */
void
ks_backup_service_cancel_all (KsBackupService *self)
{
  guint n;

  g_return_if_fail (KS_IS_BACKUP_SERVICE (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsBackupRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      ks_backup_run_cancel (run);
    }
}
