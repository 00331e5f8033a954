/* ks-full-backup-finder.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The full device backups kept at the plan's destinations for full backups: for each phone
 * backed up there (a <UDID>/ folder with its Manifest.db, or <UDID>.snapshots/), its name,
 * whether its backups are encrypted, and its complete snapshots (the current one first) with
 * their dates and sizes. What the sidebar lists; the folders are only read.
 *
 *   ks_full_backup_find_async (plan, cancellable, found_cb, self);
 *   …
 *   g_autoptr(GPtrArray) found = ks_full_backup_find_finish (result, &error);
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"
#include "ks-full-backup-job.h"

G_BEGIN_DECLS

typedef struct
{
  char      *destination;   /* the folder that holds <UDID>/ */
  char      *udid;
  char      *device_name;   /* (nullable) as the backup names the phone */
  gboolean   encrypted;
  GPtrArray *snapshots;     /* KsFullBackupSnapshot, newest (the current one) first; never empty */
} KsFullBackupEntry;

void       ks_full_backup_entry_free  (KsFullBackupEntry   *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsFullBackupEntry, ks_full_backup_entry_free)

/* The backups in each of @destinations (folders), in that order, then by phone. Blocking;
 * a destination that cannot be read holds none. */
GPtrArray *ks_full_backup_find        (const char * const  *destinations,
                                       GCancellable        *cancellable);
/* The same for the plan's enabled folders for full backups, on a worker. */
void       ks_full_backup_find_async  (KsBackupPlan        *plan,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
GPtrArray *ks_full_backup_find_finish (GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
