/* ks-backup-plan.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupPlan: the one registry of where backups go and how. Each entry is a
 * KsPlanDestination (id, name, kind, location, enabled, methods, last successful run per
 * device); the plan also holds the options every run of it uses (layout, what to include).
 *
 * The plan is stored once, in the catalog's database, so that the window, keepsake-cli and
 * the background monitor read and edit the same plan (keepsake-cli works on a machine
 * without a desktop session, where GSettings could not be written). An entry's id is the
 * destination's own id: the one in its `.keepsake/id`, read when the entry is added for a
 * folder that already holds a Keepsake backup, or written there by the first run. The
 * catalog's copies refer to destinations by that id.
 *
 * The plan is a GListModel of KsPlanDestination in the order entries were added; it emits
 * items-changed when it is edited or reloaded, and notifies its option properties. It is
 * used from the thread that created it (the main thread); the calls that touch a medium
 * (adding a folder) have _async variants.
 */

#pragma once

#include <gio/gio.h>

#include "ks-catalog.h"
#include "ks-destination.h"
#include "ks-import-job.h"
#include "ks-plan-destination.h"

G_BEGIN_DECLS

#define KS_BACKUP_PLAN_ERROR (ks_backup_plan_error_quark ())

typedef enum
{
  KS_BACKUP_PLAN_ERROR_FAILED,
  KS_BACKUP_PLAN_ERROR_NOT_FOUND,   /* no entry with that id or location */
  KS_BACKUP_PLAN_ERROR_EXISTS,      /* the location (or its id) is already in the plan */
  KS_BACKUP_PLAN_ERROR_INVALID,     /* not an absolute path, not a folder, a bad layout */
} KsBackupPlanError;

GQuark ks_backup_plan_error_quark (void);

#define KS_TYPE_BACKUP_PLAN (ks_backup_plan_get_type ())

G_DECLARE_FINAL_TYPE (KsBackupPlan, ks_backup_plan, KS, BACKUP_PLAN, GObject)

KsBackupPlan      *ks_backup_plan_new                  (KsCatalog            *catalog,
                                                        GError              **error);
KsCatalog         *ks_backup_plan_get_catalog          (KsBackupPlan         *self);
gboolean           ks_backup_plan_reload               (KsBackupPlan         *self,
                                                        GError              **error);
KsPlanDestination *ks_backup_plan_lookup               (KsBackupPlan         *self,
                                                        const char           *id_or_location);
GPtrArray         *ks_backup_plan_dup_enabled          (KsBackupPlan         *self,
                                                        KsBackupMethods       method);

KsPlanDestination *ks_backup_plan_add_folder           (KsBackupPlan         *self,
                                                        const char           *path,
                                                        const char           *name,
                                                        gboolean              create_missing,
                                                        GError              **error);
void               ks_backup_plan_add_folder_async     (KsBackupPlan         *self,
                                                        const char           *path,
                                                        const char           *name,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
KsPlanDestination *ks_backup_plan_add_folder_finish    (KsBackupPlan         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
KsPlanDestination *ks_backup_plan_restore_folder       (KsBackupPlan         *self,
                                                        const char           *path,
                                                        gboolean              enabled,
                                                        GError              **error);
gboolean           ks_backup_plan_remove               (KsBackupPlan         *self,
                                                        const char           *id,
                                                        GError              **error);
gboolean           ks_backup_plan_set_enabled          (KsBackupPlan         *self,
                                                        const char           *id,
                                                        gboolean              enabled,
                                                        GError              **error);
gboolean           ks_backup_plan_rename               (KsBackupPlan         *self,
                                                        const char           *id,
                                                        const char           *name,
                                                        GError              **error);
gboolean           ks_backup_plan_set_methods          (KsBackupPlan         *self,
                                                        const char           *id,
                                                        KsBackupMethods       methods,
                                                        GError              **error);

/* Any kind of destination whose location was checked by its own kind (a drive, a remote). */
KsPlanDestination *ks_backup_plan_add                  (KsBackupPlan         *self,
                                                        KsDestinationKind     kind,
                                                        const char           *id,
                                                        const char           *name,
                                                        const char           *location,
                                                        KsBackupMethods       methods,
                                                        GError              **error);

/* Per-destination options of a kind or a method (strings; %NULL value = unset). */
char              *ks_backup_plan_dup_destination_option (KsBackupPlan       *self,
                                                          const char         *id,
                                                          const char         *key);
gboolean           ks_backup_plan_set_destination_option (KsBackupPlan       *self,
                                                          const char         *id,
                                                          const char         *key,
                                                          const char         *value,
                                                          GError            **error);

/* Options every run of the plan uses (also GObject properties, for binding). */
KsImportFlags      ks_backup_plan_get_import_flags     (KsBackupPlan         *self);
gboolean           ks_backup_plan_get_include_videos   (KsBackupPlan         *self);
void               ks_backup_plan_set_include_videos   (KsBackupPlan         *self,
                                                        gboolean              include);
gboolean           ks_backup_plan_get_include_live_videos (KsBackupPlan      *self);
void               ks_backup_plan_set_include_live_videos (KsBackupPlan      *self,
                                                           gboolean           include);
gboolean           ks_backup_plan_get_include_edited   (KsBackupPlan         *self);
void               ks_backup_plan_set_include_edited   (KsBackupPlan         *self,
                                                        gboolean              include);
gboolean           ks_backup_plan_get_include_sidecars (KsBackupPlan         *self);
void               ks_backup_plan_set_include_sidecars (KsBackupPlan         *self,
                                                        gboolean              include);
const char        *ks_backup_plan_get_layout           (KsBackupPlan         *self);
gboolean           ks_backup_plan_set_layout           (KsBackupPlan         *self,
                                                        const char           *layout,
                                                        GError              **error);

/* After how many days without a backup a reminder comes (a setting; 7 unless set). */
#define KS_BACKUP_PLAN_REMINDER_DAYS 7
guint              ks_backup_plan_get_reminder_days    (KsBackupPlan         *self);
gboolean           ks_backup_plan_set_reminder_days    (KsBackupPlan         *self,
                                                        guint                 days,
                                                        GError              **error);

/* A new plan is empty until a front end sets it up (the app adds the Pictures folder, or
 * brings over the destinations of an older version's settings); this tells whether that
 * happened. */
gboolean           ks_backup_plan_is_initialized       (KsBackupPlan         *self);
gboolean           ks_backup_plan_mark_initialized     (KsBackupPlan         *self,
                                                        GError              **error);

G_END_DECLS
