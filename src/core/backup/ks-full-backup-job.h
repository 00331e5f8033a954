/* ks-full-backup-job.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsFullBackupJob: a full device backup (the Finder/iTunes kind) of one iPhone into
 * <destination>/<UDID>/, a standard backup folder that idevicebackup2 can read and continue.
 *
 * Snapshots: the last complete backup is never written to. A run works in
 * <destination>/<UDID>.snapshots/.in-progress/, made as a hard-linked copy of the current
 * backup (unchanged files cost no space; the phone reads its Manifest.db and sends only what
 * changed; every file it sends replaces a link, never writes through it). Only when the phone
 * says the backup finished, and everything is on disk, does the new one become
 * <destination>/<UDID>/ (an atomic exchange), and the previous one moves to
 * <destination>/<UDID>.snapshots/<date>/. The last @keep complete backups are kept (the
 * current one included); a failed, cancelled or unplugged run leaves them as they were.
 *
 *   job = ks_full_backup_job_new (udid, "/media/me/Backups");
 *   g_signal_connect (job, "progress", G_CALLBACK (progress_cb), self);
 *   ks_full_backup_job_run_async (job, cancellable, done_cb, self);
 *
 * "progress" (const KsFullBackupProgress *) is emitted on the thread-default main context of
 * the caller of run_async. */

#pragma once

#include <gio/gio.h>

#include "ks-mobilebackup2.h"

G_BEGIN_DECLS

#define KS_FULL_BACKUP_KEEP_DEFAULT 3
/* The plan destination option that holds how many snapshots to keep. */
#define KS_FULL_BACKUP_KEEP_OPTION  "full-backup-keep"

typedef struct
{
  KsMobilebackup2Phase phase;
  double               percent;           /* the phone's overall progress, never goes back */
  guint64              files_received;
  guint64              bytes_received;
  double               bytes_per_second;  /* 0 while unknown */
  gint64               seconds_left;      /* -1 while unknown */
} KsFullBackupProgress;

#define KS_TYPE_FULL_BACKUP_PROGRESS (ks_full_backup_progress_get_type ())
GType                 ks_full_backup_progress_get_type (void) G_GNUC_CONST;
KsFullBackupProgress *ks_full_backup_progress_copy     (const KsFullBackupProgress *progress);
void                  ks_full_backup_progress_free     (KsFullBackupProgress       *progress);

/* What the phase means for a person ("Enter your iPhone's passcode on the iPhone to start the
 * backup" while the phone waits for it). */
const char *ks_full_backup_phase_describe (KsMobilebackup2Phase phase);

/* One complete backup kept at a destination. */
typedef struct
{
  char     *path;          /* the standard backup folder */
  gint64    completed;     /* unix seconds (Status.plist's time) */
  guint64   size;          /* bytes of its files */
  guint64   own_size;      /* bytes only it holds (what removing it would free) */
  gboolean  current;       /* <destination>/<UDID>/ itself */
} KsFullBackupSnapshot;

void       ks_full_backup_snapshot_free (KsFullBackupSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsFullBackupSnapshot, ks_full_backup_snapshot_free)

/* The complete backups of @udid at @destination, newest (the current one) first. Empty when
 * there is none. Blocking. */
GPtrArray *ks_full_backup_list_snapshots (const char  *destination,
                                          const char  *udid,
                                          GError     **error);

#define KS_TYPE_FULL_BACKUP_JOB (ks_full_backup_job_get_type ())

G_DECLARE_FINAL_TYPE (KsFullBackupJob, ks_full_backup_job, KS, FULL_BACKUP_JOB, GObject)

KsFullBackupJob *ks_full_backup_job_new            (const char       *udid,
                                                    const char       *destination);
void             ks_full_backup_job_set_keep       (KsFullBackupJob  *self,
                                                    guint             keep);
void             ks_full_backup_job_set_force_full (KsFullBackupJob  *self,
                                                    gboolean          force_full);
const char      *ks_full_backup_job_get_udid       (KsFullBackupJob  *self);
const char      *ks_full_backup_job_get_destination (KsFullBackupJob *self);
/* <destination>/<UDID>: the current backup. */
const char      *ks_full_backup_job_get_backup_dir (KsFullBackupJob  *self);
/* Valid after the run (also a failed one): the last progress, the phone's name. */
const KsFullBackupProgress *ks_full_backup_job_get_progress (KsFullBackupJob *self);
const char      *ks_full_backup_job_get_device_name (KsFullBackupJob *self);
void             ks_full_backup_job_run_async      (KsFullBackupJob     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean         ks_full_backup_job_run_finish     (KsFullBackupJob     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* The same, blocking (worker threads, tests). */
gboolean         ks_full_backup_job_run            (KsFullBackupJob     *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);

G_END_DECLS
