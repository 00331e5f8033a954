/* ks-full-backup-list.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The sidebar's Full Backups: the full device backups kept at the plan's destinations. */

#pragma once

#include <gtk/gtk.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

#define KS_TYPE_FULL_BACKUP_LIST (ks_full_backup_list_get_type ())

G_DECLARE_FINAL_TYPE (KsFullBackupList, ks_full_backup_list, KS, FULL_BACKUP_LIST, GtkWidget)

void        ks_full_backup_list_set_plan  (KsFullBackupList *self,
                                           KsBackupPlan     *plan);
void        ks_full_backup_list_reload    (KsFullBackupList *self);
void        ks_full_backup_list_select    (KsFullBackupList *self,
                                           const char       *path);

/* For tests */
GtkListBox *_ks_full_backup_list_get_list_box (KsFullBackupList *self);
gboolean    _ks_full_backup_list_get_loading  (KsFullBackupList *self);

G_END_DECLS
