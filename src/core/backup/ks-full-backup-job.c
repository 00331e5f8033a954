/* ks-full-backup-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-full-backup-job-private.h"

G_DEFINE_BOXED_TYPE (KsFullBackupProgress, ks_full_backup_progress,
                     ks_full_backup_progress_copy, ks_full_backup_progress_free)

KsFullBackupProgress *
ks_full_backup_progress_copy (const KsFullBackupProgress *progress)
{
  return g_memdup2 (progress, sizeof *progress);
}

void
ks_full_backup_progress_free (KsFullBackupProgress *progress)
{
  g_free (progress);
}

const char *
ks_full_backup_phase_describe (KsMobilebackup2Phase phase)
{
  switch (phase)
    {
    case KS_MOBILEBACKUP2_PHASE_CONNECTING:
      return _("Connecting to the iPhone");
    case KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE:
      return _("Enter your iPhone’s passcode on the iPhone to start the backup");
    case KS_MOBILEBACKUP2_PHASE_PREPARING:
      return _("The iPhone is preparing the backup");
    case KS_MOBILEBACKUP2_PHASE_RECEIVING:
      return _("Receiving files from the iPhone");
    case KS_MOBILEBACKUP2_PHASE_FINISHING:
      return _("Finishing the backup");
    default:
      return "";
    }
}

struct _KsFullBackupJob
{
  GObject               parent_instance;

  char                 *udid;
  char                 *destination;
  char                 *backup_dir;
  guint                 keep;
  gboolean              force_full;

  GMutex                lock;
  KsFullBackupProgress  progress;      /* under @lock */
  char                 *device_name;   /* under @lock */
  GMainContext         *context;       /* of run_async's caller */
  gint64                receiving_since_us;
};

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KsFullBackupJob, ks_full_backup_job, G_TYPE_OBJECT)

static void
ks_full_backup_job_finalize (GObject *object)
{
  KsFullBackupJob *self = (KsFullBackupJob *)object;

  g_free (self->udid);
  g_free (self->destination);
  g_free (self->backup_dir);
  g_free (self->device_name);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ks_full_backup_job_parent_class)->finalize (object);
}

static void
ks_full_backup_job_class_init (KsFullBackupJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_full_backup_job_finalize;

  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  KS_TYPE_FULL_BACKUP_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
ks_full_backup_job_init (KsFullBackupJob *self)
{
  g_mutex_init (&self->lock);
  self->keep = KS_FULL_BACKUP_KEEP_DEFAULT;
  self->progress.seconds_left = -1;
}

/**
 * ks_full_backup_job_new:
 * @udid: the iPhone
 * @destination: the folder that holds (or will hold) <UDID>/
 *
 * Returns: (transfer full): a job
 */
KsFullBackupJob *
ks_full_backup_job_new (const char *udid,
                        const char *destination)
{
  KsFullBackupJob *self;

  g_return_val_if_fail (udid != NULL && udid[0] != '\0', NULL);
  g_return_val_if_fail (strchr (udid, '/') == NULL && udid[0] != '.', NULL);
  g_return_val_if_fail (destination != NULL, NULL);

  self = g_object_new (KS_TYPE_FULL_BACKUP_JOB, NULL);
  self->udid = g_strdup (udid);
  self->destination = g_strdup (destination);
  self->backup_dir = g_build_filename (destination, udid, NULL);
  return self;
}

void
ks_full_backup_job_set_keep (KsFullBackupJob *self,
                             guint            keep)
{
  g_return_if_fail (KS_IS_FULL_BACKUP_JOB (self));
  self->keep = MAX (keep, 1);
}

void
ks_full_backup_job_set_force_full (KsFullBackupJob *self,
                                   gboolean         force_full)
{
  g_return_if_fail (KS_IS_FULL_BACKUP_JOB (self));
  self->force_full = force_full;
}

const char *
ks_full_backup_job_get_udid (KsFullBackupJob *self)
{
  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), NULL);
  return self->udid;
}

const char *
ks_full_backup_job_get_destination (KsFullBackupJob *self)
{
  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), NULL);
  return self->destination;
}

const char *
ks_full_backup_job_get_backup_dir (KsFullBackupJob *self)
{
  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), NULL);
  return self->backup_dir;
}

/**
 * ks_full_backup_job_get_progress:
 *
 * Returns: (transfer none): the latest progress (read it on the job's context)
 */
const KsFullBackupProgress *
ks_full_backup_job_get_progress (KsFullBackupJob *self)
{
  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), NULL);
  return &self->progress;
}

const char *
ks_full_backup_job_get_device_name (KsFullBackupJob *self)
{
  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), NULL);
  return self->device_name;
}

typedef struct
{
  KsFullBackupJob      *job;
  KsFullBackupProgress  progress;
} ProgressIdle;

static gboolean
emit_progress_cb (gpointer data)
{
  ProgressIdle *idle = data;

  g_signal_emit (idle->job, signals[PROGRESS], 0, &idle->progress);
  return G_SOURCE_REMOVE;
}

static void
progress_idle_free (gpointer data)
{
  ProgressIdle *idle = data;

  g_object_unref (idle->job);
  g_free (idle);
}

static void
publish (KsFullBackupJob *self)
{
  ProgressIdle *idle;

  if (self->context == NULL)
    return;
  idle = g_new0 (ProgressIdle, 1);
  idle->job = g_object_ref (self);
  g_mutex_lock (&self->lock);
  idle->progress = self->progress;
  g_mutex_unlock (&self->lock);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_progress_cb, idle,
                              progress_idle_free);
}

/* On the backup's thread. */
static void
mb2_progress_cb (const KsMobilebackup2Progress *p,
                 gpointer                       user_data)
{
  KsFullBackupJob *self = user_data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  self->progress.phase = p->phase;
  self->progress.percent = MAX (self->progress.percent, p->percent);
  self->progress.files_received = p->files_received;
  self->progress.bytes_received = p->bytes_received;
  if (p->phase == KS_MOBILEBACKUP2_PHASE_RECEIVING && self->receiving_since_us == 0)
    self->receiving_since_us = now;
  if (self->receiving_since_us != 0 && now - self->receiving_since_us > G_USEC_PER_SEC)
    {
      double seconds = (double) (now - self->receiving_since_us) / G_USEC_PER_SEC;
      double percent = self->progress.percent;

      self->progress.bytes_per_second = (double) p->bytes_received / seconds;
      /* The phone's percentage is the only measure of the whole: time left follows it. */
      self->progress.seconds_left = percent > 1.0 && percent < 100.0
                                    ? (gint64) (seconds * (100.0 - percent) / percent) : -1;
    }
  g_mutex_unlock (&self->lock);
  publish (self);
}

static void
set_phase (KsFullBackupJob      *self,
           KsMobilebackup2Phase  phase)
{
  g_mutex_lock (&self->lock);
  self->progress.phase = phase;
  if (phase == KS_MOBILEBACKUP2_PHASE_FINISHING)
    self->progress.seconds_left = 0;
  g_mutex_unlock (&self->lock);
  publish (self);
}

gboolean
ks_full_backup_job_run (KsFullBackupJob  *self,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autofree char *work_dir = NULL;
  KsMobilebackup2DeviceInfo info = { 0 };
  gboolean ok;

  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), FALSE);

  set_phase (self, KS_MOBILEBACKUP2_PHASE_CONNECTING);
  work_dir = _ks_full_backup_prepare (self->destination, self->udid, cancellable, error);
  if (work_dir == NULL)
    return FALSE;

  ok = ks_mobilebackup2_backup (self->udid, work_dir, self->force_full, mb2_progress_cb, self,
                                &info, cancellable, error);
  g_mutex_lock (&self->lock);
  if (info.device_name != NULL)
    {
      g_free (self->device_name);
      self->device_name = g_strdup (info.device_name);
    }
  g_mutex_unlock (&self->lock);
  ks_mobilebackup2_device_info_clear (&info);

  if (ok)
    {
      set_phase (self, KS_MOBILEBACKUP2_PHASE_FINISHING);
      ok = _ks_full_backup_commit (self->destination, self->udid, self->keep, error);
    }
  if (!ok)
    _ks_full_backup_discard (self->destination, self->udid);
  return ok;
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KsFullBackupJob *self = source_object;
  GError *error = NULL;

  if (ks_full_backup_job_run (self, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ks_full_backup_job_run_async (KsFullBackupJob     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_FULL_BACKUP_JOB (self));
  g_return_if_fail (self->context == NULL);

  self->context = g_main_context_ref_thread_default ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_full_backup_job_run_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

gboolean
ks_full_backup_job_run_finish (KsFullBackupJob  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (KS_IS_FULL_BACKUP_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
