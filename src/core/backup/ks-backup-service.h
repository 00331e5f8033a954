/* ks-backup-service.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupService: runs backups. The window, keepsake-cli and the background monitor say
 * what they want — a source (an iPhone or a folder), which assets (all, or a selection),
 * where (the plan's enabled destinations, or a one-off list) — and the service builds the
 * job, records the device and the run in the catalog, and runs it on worker threads.
 *
 * Runs are queued and run one at a time, in order (a destination is used by one run at a
 * time; a phone's link is best used by one reader). Asking again for everything from a
 * source whose "everything" run is already queued or running gives that run back rather
 * than a second one. A run lives as long as the service (the application) holds it, not as
 * long as the window that asked for it.
 *
 * Every signal — the service's and each run's — is emitted on the GMainContext that was the
 * thread-default when the service was made.
 *
 *   g_autoptr(KsBackupRun) run = ks_backup_service_back_up (service, source, NULL, NULL,
 *                                                           "window", &error);
 *   g_signal_connect_object (run, "progress", G_CALLBACK (progress_cb), self, G_CONNECT_SWAPPED);
 *   g_signal_connect_object (run, "finished", G_CALLBACK (finished_cb), self, G_CONNECT_SWAPPED);
 *
 * ks_backup_service_back_up(): @source is any KsSource; @assets (element-type KsAsset) the
 * ones to copy, or %NULL for everything (videos picked one by one are copied whatever the
 * plan's include-videos says); @destinations (element-type KsDestination, not yet opened) a
 * one-off list, or %NULL for the plan's enabled destinations for files; @origin is recorded
 * with the run ("window", "cli", "monitor"). The run starts from the main context at the
 * earliest, so its flags and layout (the plan's by default) may be changed right after.
 * Fails with KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS when the plan has none.
 *
 * ks_backup_service_full_backup(): another kind of run, a full device backup (KsFullBackupJob)
 * of @source (an iPhone) into each of @folders (element-type utf8: folders that hold
 * <UDID>/), or %NULL for the plan's enabled destinations whose methods include
 * KS_BACKUP_METHOD_FULL (their "full-backup-keep" option says how many snapshots to keep).
 * It queues with the other runs; its progress comes as KsBackupRun::full-progress
 * (const KsFullBackupProgress *), its destinations list is empty and it has no import result.
 *
 * ks_backup_run_set_with_full_backup(): a run of files from an iPhone (Back Up Everything)
 * makes the same full device backup as its last stage, after its files, when the plan has
 * destinations for full backups and the files went through; its "full-progress" then follows
 * the "progress" of the files, and a full backup that fails is the run's error (the files'
 * result stands). ks_backup_run_get_full_backup_started() says whether that stage began.
 *
 * Signals:
 *   KsBackupService::run-queued (KsBackupRun *run), ::run-started (run), ::run-finished (run);
 *   KsBackupRun::progress (const KsImportProgress *progress), KsBackupRun::finished ();
 *   KsBackupRun::jpeg-progress (guint done, guint total) while JPEG copies are made;
 *   KsBackupRun notifies "state".
 * After "finished", ks_backup_run_get_result() holds the counts (also of a run that stopped:
 * what it copied before) and ks_backup_run_get_error() why it stopped, or %NULL.
 * A run whose destinations ask for JPEG copies (the plan's "jpeg-copies" option) makes them
 * after the import, before "finished": ks_backup_run_get_jpeg_result().
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"
#include "ks-catalog.h"
#include "ks-full-backup-job.h"
#include "ks-import-job.h"
#include "ks-jpeg-copy-job.h"
#include "ks-library-views-job.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_BACKUP_SERVICE_ERROR (ks_backup_service_error_quark ())

typedef enum
{
  KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS, /* the plan has no enabled destination for files */
} KsBackupServiceError;

GQuark ks_backup_service_error_quark (void);

typedef enum
{
  KS_BACKUP_RUN_QUEUED,
  KS_BACKUP_RUN_RUNNING,
  KS_BACKUP_RUN_FINISHED,
} KsBackupRunState;

#define KS_TYPE_BACKUP_RUN (ks_backup_run_get_type ())

G_DECLARE_FINAL_TYPE (KsBackupRun, ks_backup_run, KS, BACKUP_RUN, GObject)

KsSource               *ks_backup_run_get_source        (KsBackupRun   *self);
GPtrArray              *ks_backup_run_get_assets        (KsBackupRun   *self);
const char             *ks_backup_run_get_origin        (KsBackupRun   *self);
KsBackupRunState        ks_backup_run_get_state         (KsBackupRun   *self);
GPtrArray              *ks_backup_run_get_destinations  (KsBackupRun   *self);
const KsImportProgress *ks_backup_run_get_progress      (KsBackupRun   *self);
const KsImportResult   *ks_backup_run_get_result        (KsBackupRun   *self);
const GError           *ks_backup_run_get_error         (KsBackupRun   *self);
const KsJpegCopyResult *ks_backup_run_get_jpeg_result   (KsBackupRun   *self);
const KsLibraryViewsResult *ks_backup_run_get_library_views_result (KsBackupRun *self);
void                    ks_backup_run_set_flags         (KsBackupRun   *self,
                                                         KsImportFlags  flags);
KsImportFlags           ks_backup_run_get_flags         (KsBackupRun   *self);
void                    ks_backup_run_set_layout        (KsBackupRun   *self,
                                                         const char    *layout);
void                    ks_backup_run_cancel            (KsBackupRun   *self);
gboolean                ks_backup_run_is_full_backup    (KsBackupRun   *self);
void                    ks_backup_run_set_with_full_backup (KsBackupRun *self,
                                                            gboolean     with_full_backup);
gboolean                ks_backup_run_get_with_full_backup (KsBackupRun *self);
gboolean                ks_backup_run_get_full_backup_started (KsBackupRun *self);
void                    ks_backup_run_set_force_full    (KsBackupRun   *self,
                                                         gboolean       force_full);
const KsFullBackupProgress *ks_backup_run_get_full_progress (KsBackupRun *self);
GPtrArray              *ks_backup_run_get_full_backup_folders (KsBackupRun *self);
gboolean                ks_backup_run_is_cancelled      (KsBackupRun   *self);

#define KS_TYPE_BACKUP_SERVICE (ks_backup_service_get_type ())

G_DECLARE_FINAL_TYPE (KsBackupService, ks_backup_service, KS, BACKUP_SERVICE, GObject)

KsBackupService *ks_backup_service_new          (KsCatalog        *catalog,
                                                 KsBackupPlan     *plan);
KsCatalog       *ks_backup_service_get_catalog  (KsBackupService  *self);
KsBackupPlan    *ks_backup_service_get_plan     (KsBackupService  *self);
KsBackupRun     *ks_backup_service_back_up      (KsBackupService  *self,
                                                 KsSource         *source,
                                                 GPtrArray        *assets,
                                                 GPtrArray        *destinations,
                                                 const char       *origin,
                                                 GError          **error);
KsBackupRun     *ks_backup_service_full_backup  (KsBackupService  *self,
                                                 KsSource         *source,
                                                 GPtrArray        *folders,
                                                 const char       *origin,
                                                 GError          **error);
KsBackupRun     *ks_backup_service_find_run     (KsBackupService  *self,
                                                 const char       *source_id);
GListModel      *ks_backup_service_get_runs     (KsBackupService  *self);
gboolean         ks_backup_service_is_busy      (KsBackupService  *self);
void             ks_backup_service_cancel_all   (KsBackupService  *self);

G_END_DECLS
