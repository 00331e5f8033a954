/* ks-backup-plan-drives.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Adding a folder the user picked: one on an external drive becomes a drive destination
 * (found again by its file system's UUID wherever the drive mounts, see
 * ks_mount_info_is_drive() for which file systems are drives); any other is a folder. */

#pragma once

#include "ks-backup-plan.h"

G_BEGIN_DECLS

void               ks_backup_plan_add_path_async  (KsBackupPlan         *self,
                                                   const char           *path,
                                                   const char           *name,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
KsPlanDestination *ks_backup_plan_add_path_finish (KsBackupPlan         *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
