/* ks-sidebar.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-backup-plan.h"
#include "ks-device.h"
#include "ks-full-backup-list.h"
#include "ks-photos-db.h"
#include "ks-source-row.h"

G_BEGIN_DECLS

#define KS_TYPE_SIDEBAR (ks_sidebar_get_type ())

G_DECLARE_FINAL_TYPE (KsSidebar, ks_sidebar, KS, SIDEBAR, AdwBin)

void         ks_sidebar_set_devices        (KsSidebar  *self,
                                            GListModel *devices);
void         ks_sidebar_select_device      (KsSidebar  *self,
                                            KsDevice   *device);
void         ks_sidebar_select_folder      (KsSidebar  *self,
                                            const char *path);
void         ks_sidebar_add_folder         (KsSidebar  *self,
                                            const char *path);
KsSourceRow *ks_sidebar_find_device_row    (KsSidebar  *self,
                                            KsDevice   *device);
KsSourceRow *ks_sidebar_find_folder_row    (KsSidebar  *self,
                                            const char *path);
void         ks_sidebar_show_backup_state  (KsSidebar  *self,
                                            KsSourceRow *row,
                                            guint       n_items,
                                            guint       n_missing);

void         ks_sidebar_set_demo_library   (KsSidebar     *self,
                                            KsDemoLibrary *demo);
void         ks_sidebar_set_library        (KsSidebar  *self,
                                            KsPhotosDb *library);
void         ks_sidebar_set_backup_plan    (KsSidebar    *self,
                                            KsBackupPlan *plan);
void         ks_sidebar_reload_full_backups (KsSidebar  *self);

/* For tests */
GtkListBox  *_ks_sidebar_get_folder_list   (KsSidebar  *self);
KsFullBackupList *_ks_sidebar_get_full_backup_list (KsSidebar *self);

G_END_DECLS
