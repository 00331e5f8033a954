/* ks-backup-service.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-backup-service.h"
#include "ks-jpeg-copy-job.h"
#include "ks-library-views-job.h"

G_DEFINE_QUARK (ks-backup-service-error-quark, ks_backup_service_error)

/* ---- KsBackupRun ---- */

struct _KsBackupRun
{
  GObject           parent_instance;

  KsSource         *source;
  GPtrArray        *assets;         /* (nullable) KsAsset; NULL: everything */
  GPtrArray        *destinations;   /* KsDestination */
  gboolean          from_plan;
  char             *origin;
  KsImportFlags     flags;
  char             *layout;

  KsBackupRunState  state;
  GCancellable     *cancellable;
  KsImportJob      *job;
  KsJpegCopyJob    *jpeg_job;       /* (nullable) the stage after the import */
  KsLibraryViewsJob *views_job;     /* (nullable) the last stage: sidecars, album folders */
  KsImportProgress *progress;
  GError           *error;

  /* A full device backup run (ks_backup_service_full_backup) */
  GPtrArray            *full_targets;   /* FullTarget; NULL for an import run */
  guint                 full_next;
  gboolean              full_force;
  KsFullBackupJob      *full_job;
  KsFullBackupProgress *full_progress;
  gint64                catalog_run_id;
};

typedef struct
{
  char  *folder;
  char  *plan_id;  /* NULL for a one-off folder */
  guint  keep;
} FullTarget;

static void
full_target_free (gpointer data)
{
  FullTarget *target = data;

  g_free (target->folder);
  g_free (target->plan_id);
  g_free (target);
}

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
ks_backup_run_is_full_backup (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), FALSE);
  return self->full_targets != NULL;
}

/**
 * ks_backup_run_set_force_full:
 *
 * A queued full backup run asks the phone for everything, not only what changed.
 */
void
ks_backup_run_set_force_full (KsBackupRun *self,
                              gboolean     force_full)
{
  g_return_if_fail (KS_IS_BACKUP_RUN (self));
  g_return_if_fail (self->state == KS_BACKUP_RUN_QUEUED);

  self->full_force = force_full;
}

/**
 * ks_backup_run_get_full_progress:
 *
 * Returns: (transfer none) (nullable): the latest progress of a full backup run
 */
const KsFullBackupProgress *
ks_backup_run_get_full_progress (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);
  return self->full_progress;
}

/**
 * ks_backup_run_get_full_backup_folders:
 *
 * Returns: (transfer container) (element-type utf8) (nullable): where a full backup run
 *   writes (folders that hold <UDID>/), %NULL for an import run
 */
GPtrArray *
ks_backup_run_get_full_backup_folders (KsBackupRun *self)
{
  GPtrArray *folders;

  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), NULL);

  if (self->full_targets == NULL)
    return NULL;
  folders = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->full_targets->len; i++)
    g_ptr_array_add (folders, g_strdup (((FullTarget *) g_ptr_array_index (self->full_targets, i))->folder));
  return folders;
}

gboolean
ks_backup_run_is_cancelled (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), FALSE);
  return g_cancellable_is_cancelled (self->cancellable);
}

/* ---- KsBackupService ---- */

struct _KsBackupService
{
  GObject       parent_instance;

  KsCatalog    *catalog;
  KsBackupPlan *plan;
  GMainContext *context;
  GListStore   *runs;       /* KsBackupRun, queued and running, in order */
  KsBackupRun  *current;    /* the running one, also in @runs */
  GSource      *next_source;
};

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

static void
finish_run (KsBackupService *self,
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

static void
job_progress_cb (KsBackupRun      *run,
                 KsImportProgress *progress,
                 KsImportJob      *job)
{
  g_clear_pointer (&run->progress, ks_import_progress_free);
  run->progress = ks_import_progress_copy (progress);
  g_signal_emit (run, run_signals[RUN_PROGRESS], 0, run->progress);
}

typedef struct
{
  KsBackupService *service;
  KsBackupRun     *run;
} JobClosure;

static gboolean start_views_stage (KsBackupService *self, KsBackupRun *run);

static void
jpeg_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  JobClosure *closure = user_data;
  g_autoptr(KsBackupService) self = closure->service;
  g_autoptr(KsBackupRun) run = closure->run;
  g_autoptr(KsJpegCopyResult) finished = NULL;
  g_autoptr(GError) error = NULL;

  g_free (closure);

  /* The originals' outcome stands; a cancelled JPEG stage says so, unless the run already
   * has a reason it stopped. */
  finished = ks_jpeg_copy_job_run_finish (KS_JPEG_COPY_JOB (object), result, &error);
  if (finished == NULL && run->error == NULL)
    run->error = g_steal_pointer (&error);

  if (start_views_stage (self, run))
    return;
  finish_run (self, run);
}

typedef struct
{
  KsBackupRun *run;
  guint        done;
  guint        total;
} JpegProgress;

static void
jpeg_progress_free (gpointer data)
{
  JpegProgress *progress = data;

  g_object_unref (progress->run);
  g_free (progress);
}

static gboolean
jpeg_progress_in_context_cb (gpointer data)
{
  JpegProgress *progress = data;

  g_signal_emit (progress->run, run_signals[RUN_JPEG_PROGRESS], 0, progress->done, progress->total);
  return G_SOURCE_REMOVE;
}

/* On the JPEG job's thread: the run says it on the service's context. */
static void
jpeg_progress_cb (guint       done,
                  guint       total,
                  const char *relative_path,
                  gpointer    user_data)
{
  JobClosure *closure = user_data;
  JpegProgress *progress = g_new0 (JpegProgress, 1);

  progress->run = g_object_ref (closure->run);
  progress->done = done;
  progress->total = total;
  g_main_context_invoke_full (closure->service->context, G_PRIORITY_DEFAULT,
                              jpeg_progress_in_context_cb, progress, jpeg_progress_free);
}

/* JPEG copies are made after the import, from the originals it stored and verified, for
 * the destinations whose plan entry asks for them. Returns: whether that stage started. */
static gboolean
start_jpeg_stage (KsBackupService *self,
                  KsBackupRun     *run)
{
  g_autoptr(KsJpegCopyJob) job = NULL;
  JobClosure *closure;

  if (g_cancellable_is_cancelled (run->cancellable) || (run->flags & KS_IMPORT_FLAGS_DRY_RUN))
    return FALSE;

  job = ks_jpeg_copy_job_new ();
  for (guint i = 0; i < run->destinations->len; i++)
    ks_jpeg_copy_job_add_planned (job, self->plan, g_ptr_array_index (run->destinations, i));
  if (ks_jpeg_copy_job_get_n_destinations (job) == 0)
    return FALSE;

  run->jpeg_job = g_steal_pointer (&job);
  closure = g_new0 (JobClosure, 1);
  closure->service = g_object_ref (self);
  closure->run = g_object_ref (run);
  ks_jpeg_copy_job_set_progress (run->jpeg_job, jpeg_progress_cb, closure);
  ks_jpeg_copy_job_run_async (run->jpeg_job, run->cancellable, jpeg_done_cb, closure);
  return TRUE;
}

static void
views_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  JobClosure *closure = user_data;
  g_autoptr(KsBackupService) self = closure->service;
  g_autoptr(KsBackupRun) run = closure->run;
  g_autoptr(KsLibraryViewsResult) finished = NULL;
  g_autoptr(GError) error = NULL;

  g_free (closure);

  finished = ks_library_views_job_run_finish (KS_LIBRARY_VIEWS_JOB (object), result, &error);
  if (finished == NULL && run->error == NULL)
    run->error = g_steal_pointer (&error);

  finish_run (self, run);
}

/* XMP sidecars and album folders come last, from what the destinations' own indexes say
 * of the photos they hold. Returns: whether that stage started. */
static gboolean
start_views_stage (KsBackupService *self,
                   KsBackupRun     *run)
{
  g_autoptr(KsLibraryViewsJob) job = NULL;
  JobClosure *closure;

  if (g_cancellable_is_cancelled (run->cancellable) || (run->flags & KS_IMPORT_FLAGS_DRY_RUN))
    return FALSE;

  job = ks_library_views_job_new ();
  for (guint i = 0; i < run->destinations->len; i++)
    ks_library_views_job_add_planned (job, self->plan, g_ptr_array_index (run->destinations, i));
  if (ks_library_views_job_get_n_destinations (job) == 0)
    return FALSE;

  run->views_job = g_steal_pointer (&job);
  closure = g_new0 (JobClosure, 1);
  closure->service = g_object_ref (self);
  closure->run = g_object_ref (run);
  ks_library_views_job_run_async (run->views_job, run->cancellable, views_done_cb, closure);
  return TRUE;
}

static void
job_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  JobClosure *closure = user_data;
  g_autoptr(KsBackupService) self = closure->service;
  g_autoptr(KsBackupRun) run = closure->run;
  g_autoptr(KsImportResult) finished = NULL;
  g_autoptr(GError) plan_error = NULL;

  g_free (closure);

  finished = ks_import_job_run_finish (KS_IMPORT_JOB (object), result, &run->error);

  /* The run changed when each destination last succeeded. */
  if (!ks_backup_plan_reload (self->plan, &plan_error))
    g_debug ("Backup plan not reloaded after a run: %s", plan_error->message);

  if (start_jpeg_stage (self, run) || start_views_stage (self, run))
    return;

  finish_run (self, run);
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

static void full_next_target (KsBackupService *self, KsBackupRun *run);
static void queued_cancelled_cb (GCancellable *cancellable, gpointer user_data);
static char *dup_source_udid (KsSource *source);

static void
start_run (KsBackupService *self,
           KsBackupRun     *run)
{
  JobClosure *closure;

  self->current = run;
  run_set_state (run, KS_BACKUP_RUN_RUNNING);
  g_signal_emit (self, signals[RUN_STARTED], 0, run);

  record_device (self, run->source);

  if (run->full_targets != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) dests = g_string_new (NULL);

      /* Recorded as a run like the others; its destinations say it was a full backup. */
      for (guint i = 0; i < run->full_targets->len; i++)
        {
          FullTarget *target = g_ptr_array_index (run->full_targets, i);

          g_string_append_printf (dests, "%sfull-backup:%s", i > 0 ? " " : "",
                                  target->plan_id != NULL ? target->plan_id : "folder");
        }
      run->catalog_run_id = ks_catalog_begin_run (self->catalog, ks_source_get_id (run->source),
                                                  dests->str, &error);
      if (run->catalog_run_id > 0 && run->origin != NULL)
        ks_catalog_set_run_origin (self->catalog, run->catalog_run_id, run->origin, NULL);
      else if (run->catalog_run_id <= 0)
        g_debug ("Full backup run not recorded: %s", error ? error->message : "");
      full_next_target (self, run);
      return;
    }

  run->job = ks_import_job_new (run->source, run->assets, run->destinations, self->catalog);
  ks_import_job_set_flags (run->job, run->flags);
  if (run->layout != NULL)
    ks_import_job_set_layout (run->job, run->layout);
  ks_import_job_set_origin (run->job, run->origin);
  g_signal_connect_object (run->job, "progress", G_CALLBACK (job_progress_cb), run,
                           G_CONNECT_SWAPPED);

  closure = g_new0 (JobClosure, 1);
  closure->service = g_object_ref (self);
  closure->run = g_object_ref (run);
  ks_import_job_run_async (run->job, run->cancellable, job_done_cb, closure);
}

static void
full_progress_cb (KsBackupRun          *run,
                  KsFullBackupProgress *progress,
                  KsFullBackupJob      *job)
{
  g_clear_pointer (&run->full_progress, ks_full_backup_progress_free);
  run->full_progress = ks_full_backup_progress_copy (progress);
  g_signal_emit (run, run_signals[RUN_FULL_PROGRESS], 0, run->full_progress);
}

static void
full_job_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  JobClosure *closure = user_data;
  g_autoptr(KsBackupService) self = closure->service;
  g_autoptr(KsBackupRun) run = closure->run;
  g_autoptr(GError) error = NULL;

  g_free (closure);

  if (!ks_full_backup_job_run_finish (KS_FULL_BACKUP_JOB (object), result, &error)
      && run->error == NULL)
    run->error = g_steal_pointer (&error);
  full_next_target (self, run);
}

/* Runs the full backup into the next folder, or finishes the run after the last. */
static void
full_next_target (KsBackupService *self,
                  KsBackupRun     *run)
{
  JobClosure *closure;
  FullTarget *target;

  if (run->full_next >= run->full_targets->len || g_cancellable_is_cancelled (run->cancellable))
    {
      const KsFullBackupProgress *p = run->full_progress;
      const char *status = run->error == NULL ? "completed"
                           : g_error_matches (run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled"
                           : "failed";

      if (run->error == NULL && g_cancellable_is_cancelled (run->cancellable))
        {
          g_set_error_literal (&run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The backup was cancelled"));
          status = "cancelled";
        }
      if (run->catalog_run_id > 0)
        ks_catalog_finish_run (self->catalog, run->catalog_run_id,
                               p != NULL ? (guint) p->files_received : 0, 0, run->error != NULL ? 1 : 0,
                               p != NULL ? p->bytes_received : 0, status,
                               run->error != NULL ? run->error->message : NULL, NULL);
      finish_run (self, run);
      return;
    }

  target = g_ptr_array_index (run->full_targets, run->full_next++);
  {
    g_autofree char *udid = dup_source_udid (run->source);

    g_clear_object (&run->full_job);
    run->full_job = ks_full_backup_job_new (udid, target->folder);
  }
  ks_full_backup_job_set_keep (run->full_job, target->keep);
  ks_full_backup_job_set_force_full (run->full_job, run->full_force);
  g_signal_connect_object (run->full_job, "progress", G_CALLBACK (full_progress_cb), run,
                           G_CONNECT_SWAPPED);

  closure = g_new0 (JobClosure, 1);
  closure->service = g_object_ref (self);
  closure->run = g_object_ref (run);
  ks_full_backup_job_run_async (run->full_job, run->cancellable, full_job_done_cb, closure);
}

/* The UDID of a device source, or NULL. */
static char *
dup_source_udid (KsSource *source)
{
  g_autofree char *udid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *model = NULL;

  if (!ks_source_dup_device_info (source, &udid, &name, &model))
    return NULL;
  return g_steal_pointer (&udid);
}

static guint
keep_option (KsBackupPlan *plan,
             const char   *id)
{
  g_autofree char *value = ks_backup_plan_dup_destination_option (plan, id, KS_FULL_BACKUP_KEEP_OPTION);
  guint64 keep = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 1000, &keep, NULL))
    return KS_FULL_BACKUP_KEEP_DEFAULT;
  return (guint) keep;
}

/**
 * ks_backup_service_full_backup:
 *
 * See the header.
 *
 * Returns: (transfer full): the run, or %NULL with @error set
 */
KsBackupRun *
ks_backup_service_full_backup (KsBackupService  *self,
                               KsSource         *source,
                               GPtrArray        *folders,
                               const char       *origin,
                               GError          **error)
{
  g_autoptr(KsBackupRun) run = NULL;
  g_autofree char *udid = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (self), NULL);
  g_return_val_if_fail (KS_IS_SOURCE (source), NULL);

  udid = dup_source_udid (source);
  if (udid == NULL || udid[0] == '\0' || strchr (udid, '/') != NULL || udid[0] == '.')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only an iPhone can have a full device backup"));
      return NULL;
    }

  run = g_object_new (KS_TYPE_BACKUP_RUN, NULL);
  run->source = g_object_ref (source);
  run->origin = g_strdup (origin);
  run->destinations = g_ptr_array_new_with_free_func (g_object_unref);
  run->full_targets = g_ptr_array_new_with_free_func (full_target_free);

  if (folders != NULL)
    for (guint i = 0; i < folders->len; i++)
      {
        FullTarget *target = g_new0 (FullTarget, 1);

        target->folder = g_strdup (g_ptr_array_index (folders, i));
        target->keep = KS_FULL_BACKUP_KEEP_DEFAULT;
        g_ptr_array_add (run->full_targets, target);
      }
  else
    {
      g_autoptr(GPtrArray) enabled = ks_backup_plan_dup_enabled (self->plan, KS_BACKUP_METHOD_FULL);

      for (guint i = 0; i < enabled->len; i++)
        {
          KsPlanDestination *dest = g_ptr_array_index (enabled, i);
          FullTarget *target;

          /* Full backups need a folder on this computer (hard links, atomic renames). */
          if (ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_FOLDER)
            continue;
          target = g_new0 (FullTarget, 1);
          target->folder = g_strdup (ks_plan_destination_get_location (dest));
          target->plan_id = g_strdup (ks_plan_destination_get_id (dest));
          target->keep = keep_option (self->plan, target->plan_id);
          g_ptr_array_add (run->full_targets, target);
        }
      run->from_plan = TRUE;
    }

  if (run->full_targets->len == 0)
    {
      g_set_error_literal (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS,
                           _("The backup plan has no destination for full device backups switched on"));
      return NULL;
    }

  g_cancellable_connect (run->cancellable, G_CALLBACK (queued_cancelled_cb),
                         g_object_ref (self), g_object_unref);

  g_list_store_append (self->runs, run);
  g_signal_emit (self, signals[RUN_QUEUED], 0, run);
  schedule_next (self);

  return g_steal_pointer (&run);
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
          finish_run (self, run);
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

          if (other->assets == NULL && other->from_plan && other->full_targets == NULL
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

  g_cancellable_connect (run->cancellable, G_CALLBACK (queued_cancelled_cb),
                         g_object_ref (self), g_object_unref);

  g_list_store_append (self->runs, run);
  g_signal_emit (self, signals[RUN_QUEUED], 0, run);
  schedule_next (self);

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
