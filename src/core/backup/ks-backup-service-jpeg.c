/* ks-backup-service-jpeg.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The stage of a run after its import: JPEG copies of the HEIC photos it stored, for the
 * destinations whose plan entry asks for them (KsJpegCopyJob), with their progress said on
 * the service's context. */

#include "config.h"

#include "ks-backup-service-private.h"

static void
jpeg_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  KsRunClosure *closure = user_data;
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

  if (_ks_backup_service_start_views_stage (self, run))
    return;
  _ks_backup_service_files_done (self, run);
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

  _ks_backup_run_emit_jpeg_progress (progress->run, progress->done, progress->total);
  return G_SOURCE_REMOVE;
}

/* On the JPEG job's thread: the run says it on the service's context. */
static void
jpeg_progress_cb (guint       done,
                  guint       total,
                  const char *relative_path,
                  gpointer    user_data)
{
  KsRunClosure *closure = user_data;
  JpegProgress *progress = g_new0 (JpegProgress, 1);

  progress->run = g_object_ref (closure->run);
  progress->done = done;
  progress->total = total;
  g_main_context_invoke_full (closure->service->context, G_PRIORITY_DEFAULT,
                              jpeg_progress_in_context_cb, progress, jpeg_progress_free);
}

/* JPEG copies are made after the import, from the originals it stored and verified, for
 * the destinations whose plan entry asks for them. Returns: whether that stage started. */
gboolean
_ks_backup_service_start_jpeg_stage (KsBackupService *self,
                                     KsBackupRun     *run)
{
  g_autoptr(KsJpegCopyJob) job = NULL;
  KsRunClosure *closure;

  if (g_cancellable_is_cancelled (run->cancellable) || (run->flags & KS_IMPORT_FLAGS_DRY_RUN))
    return FALSE;

  job = ks_jpeg_copy_job_new ();
  for (guint i = 0; i < run->destinations->len; i++)
    ks_jpeg_copy_job_add_planned (job, self->plan, g_ptr_array_index (run->destinations, i));
  if (ks_jpeg_copy_job_get_n_destinations (job) == 0)
    return FALSE;

  run->jpeg_job = g_steal_pointer (&job);
  closure = _ks_run_closure_new (self, run);
  ks_jpeg_copy_job_set_progress (run->jpeg_job, jpeg_progress_cb, closure);
  ks_jpeg_copy_job_run_async (run->jpeg_job, run->cancellable, jpeg_done_cb, closure);
  return TRUE;
}
