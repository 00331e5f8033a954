/* ks-full-backup-job-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The snapshot side of KsFullBackupJob (ks-full-backup-snapshots.c). Blocking. */

#pragma once

#include "ks-full-backup-job.h"

G_BEGIN_DECLS

#define KS_FULL_BACKUP_IN_PROGRESS ".in-progress"

/* Opens (making it) <destination>/<UDID>.snapshots and prepares a fresh
 * .in-progress folder in it: a hard-linked copy of the current backup, if any. Returns
 * the path of the .in-progress folder. */
char     *_ks_full_backup_prepare (const char    *destination,
                                   const char    *udid,
                                   GCancellable  *cancellable,
                                   GError       **error);
/* Makes .in-progress the current backup (atomically where the file system can), keeps the
 * previous one as a dated snapshot, and removes all but the newest @keep. */
gboolean  _ks_full_backup_commit  (const char    *destination,
                                   const char    *udid,
                                   guint          keep,
                                   GError       **error);
/* Removes .in-progress after a failed run (best effort). */
void      _ks_full_backup_discard (const char    *destination,
                                   const char    *udid);

G_END_DECLS
