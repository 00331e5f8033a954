/* ks-backup-service-full.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Full device backups in the backup service: ks_backup_service_full_backup() queues a run
 * whose stage is a KsFullBackupJob into each of its folders in turn (the plan's full-backup
 * destinations, or a one-off list), recorded in the catalog as a run, with the run's
 * full-backup accessors. A run of everything from an iPhone may ask for the same stage after
 * its files (ks_backup_run_set_with_full_backup: the window's Back Up Everything). */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-backup-service-private.h"

void
_ks_full_target_free (gpointer data)
{
  KsFullTarget *target = data;

  g_free (target->folder);
  g_free (target->plan_id);
  g_free (target);
}

gboolean
ks_backup_run_is_full_backup (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), FALSE);
  return self->full_only;
}

/**
 * ks_backup_run_set_with_full_backup:
 *
 * A run of files from an iPhone also makes a full device backup, after the files (and their
 * JPEG copies), to the plan's destinations for full backups, when the plan has any and the
 * files went through (not cancelled, the phone still there). Takes effect when set before
 * the run's files are done.
 */
void
ks_backup_run_set_with_full_backup (KsBackupRun *self,
                                    gboolean     with_full_backup)
{
  g_return_if_fail (KS_IS_BACKUP_RUN (self));
  g_return_if_fail (!self->full_only);

  self->with_full = with_full_backup;
}

gboolean
ks_backup_run_get_with_full_backup (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), FALSE);
  return self->full_only || self->with_full;
}

/**
 * ks_backup_run_get_full_backup_started:
 *
 * Whether the run's full device backup began (a full backup run, once it runs; a run of
 * files, once its full backup stage started). After "finished", with no error, the full
 * backup was made into each of its folders.
 */
gboolean
ks_backup_run_get_full_backup_started (KsBackupRun *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_RUN (self), FALSE);
  return self->full_job != NULL;
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
    g_ptr_array_add (folders, g_strdup (((KsFullTarget *) g_ptr_array_index (self->full_targets, i))->folder));
  return folders;
}

static void full_next_target (KsBackupService *self, KsBackupRun *run);
static char *dup_source_udid (KsSource *source);

static void
full_progress_cb (KsBackupRun          *run,
                  KsFullBackupProgress *progress,
                  KsFullBackupJob      *job)
{
  g_clear_pointer (&run->full_progress, ks_full_backup_progress_free);
  run->full_progress = ks_full_backup_progress_copy (progress);
  _ks_backup_run_emit_full_progress (run);
}

static void
full_job_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsRunClosure *closure = user_data;
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
  KsFullTarget *target;

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
      _ks_backup_service_finish_run (self, run);
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

  ks_full_backup_job_run_async (run->full_job, run->cancellable, full_job_done_cb,
                                _ks_run_closure_new (self, run));
}

/* The UDID of a device source, or NULL (also for one that could not name a folder). */
static char *
dup_source_udid (KsSource *source)
{
  g_autofree char *udid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *model = NULL;

  if (!ks_source_dup_device_info (source, &udid, &name, &model))
    return NULL;
  if (udid == NULL || udid[0] == '\0' || strchr (udid, '/') != NULL || udid[0] == '.')
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

/* The plan's enabled destinations for full backups become @run's folders. */
static void
add_plan_targets (KsBackupService *self,
                  KsBackupRun     *run)
{
  g_autoptr(GPtrArray) enabled = ks_backup_plan_dup_enabled (self->plan, KS_BACKUP_METHOD_FULL);

  for (guint i = 0; i < enabled->len; i++)
    {
      KsPlanDestination *dest = g_ptr_array_index (enabled, i);
      KsFullTarget *target;

      /* Full backups need a folder on this computer (hard links, atomic renames). */
      if (ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_FOLDER)
        continue;
      target = g_new0 (KsFullTarget, 1);
      target->folder = g_strdup (ks_plan_destination_get_location (dest));
      target->plan_id = g_strdup (ks_plan_destination_get_id (dest));
      target->keep = keep_option (self->plan, target->plan_id);
      g_ptr_array_add (run->full_targets, target);
    }
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
  if (udid == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Only an iPhone can have a full device backup"));
      return NULL;
    }

  run = g_object_new (KS_TYPE_BACKUP_RUN, NULL);
  run->source = g_object_ref (source);
  run->origin = g_strdup (origin);
  run->destinations = g_ptr_array_new_with_free_func (g_object_unref);
  run->full_only = TRUE;
  run->full_targets = g_ptr_array_new_with_free_func (_ks_full_target_free);

  if (folders != NULL)
    for (guint i = 0; i < folders->len; i++)
      {
        KsFullTarget *target = g_new0 (KsFullTarget, 1);

        target->folder = g_strdup (g_ptr_array_index (folders, i));
        target->keep = KS_FULL_BACKUP_KEEP_DEFAULT;
        g_ptr_array_add (run->full_targets, target);
      }
  else
    {
      add_plan_targets (self, run);
      run->from_plan = TRUE;
    }

  if (run->full_targets->len == 0)
    {
      g_set_error_literal (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS,
                           _("The backup plan has no destination for full device backups switched on"));
      return NULL;
    }

  _ks_backup_service_enqueue (self, run);

  return g_steal_pointer (&run);
}

/* Starts a full backup run: recorded in the catalog like the others (its destinations say it
 * was a full backup), then one folder after the other. */
void
_ks_backup_service_start_full (KsBackupService *self,
                               KsBackupRun     *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) dests = g_string_new (NULL);

  for (guint i = 0; i < run->full_targets->len; i++)
    {
      KsFullTarget *target = g_ptr_array_index (run->full_targets, i);

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
}

/* After the files of a run that asked for a full backup: only when they went through, from
 * an iPhone, to the plan's folders for full backups (read again: the run may have changed
 * it). A failed stage is the run's error; the files copied stay counted. */
void
_ks_backup_service_files_done (KsBackupService *self,
                               KsBackupRun     *run)
{
  g_autofree char *udid = NULL;

  if (!run->with_full || run->error != NULL || g_cancellable_is_cancelled (run->cancellable)
      || (run->flags & KS_IMPORT_FLAGS_DRY_RUN) || run->full_targets != NULL)
    {
      _ks_backup_service_finish_run (self, run);
      return;
    }

  udid = dup_source_udid (run->source);
  run->full_targets = g_ptr_array_new_with_free_func (_ks_full_target_free);
  if (udid != NULL)
    add_plan_targets (self, run);
  if (run->full_targets->len == 0)
    {
      g_clear_pointer (&run->full_targets, g_ptr_array_unref);
      _ks_backup_service_finish_run (self, run);
      return;
    }

  _ks_backup_service_start_full (self, run);
}
