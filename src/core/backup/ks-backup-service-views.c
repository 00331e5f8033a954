/* ks-backup-service-views.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The stage of a run after its import and JPEG copies: XMP sidecars and album folders
 * (KsLibraryViewsJob), for the destinations whose plan entry asks for them. */

#include "config.h"

#include "ks-backup-service-private.h"

static void
views_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  KsRunClosure *closure = user_data;
  g_autoptr(KsBackupService) self = closure->service;
  g_autoptr(KsBackupRun) run = closure->run;
  g_autoptr(KsLibraryViewsResult) finished = NULL;
  g_autoptr(GError) error = NULL;

  g_free (closure);

  finished = ks_library_views_job_run_finish (KS_LIBRARY_VIEWS_JOB (object), result, &error);
  if (finished == NULL && run->error == NULL)
    run->error = g_steal_pointer (&error);

  _ks_backup_service_files_done (self, run);
}

/* XMP sidecars and album folders come last, from what the destinations' own indexes say
 * of the photos they hold. Returns: whether that stage started. */
gboolean
_ks_backup_service_start_views_stage (KsBackupService *self,
                                      KsBackupRun     *run)
{
  g_autoptr(KsLibraryViewsJob) job = NULL;
  KsRunClosure *closure;

  if (g_cancellable_is_cancelled (run->cancellable) || (run->flags & KS_IMPORT_FLAGS_DRY_RUN))
    return FALSE;

  job = ks_library_views_job_new ();
  for (guint i = 0; i < run->destinations->len; i++)
    ks_library_views_job_add_planned (job, self->plan, g_ptr_array_index (run->destinations, i));
  if (ks_library_views_job_get_n_destinations (job) == 0)
    return FALSE;

  run->views_job = g_steal_pointer (&job);
  closure = _ks_run_closure_new (self, run);
  ks_library_views_job_run_async (run->views_job, run->cancellable, views_done_cb, closure);
  return TRUE;
}
