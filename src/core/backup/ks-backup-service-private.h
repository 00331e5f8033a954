/* ks-backup-service-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupService and KsBackupRun, shared by the files of the service: ks-backup-service.c
 * (the runs, the queue, the import stage), ks-backup-service-jpeg.c (the JPEG copies after an
 * import), ks-backup-service-views.c (then XMP sidecars and album folders) and
 * ks-backup-service-full.c (full device backups). Everything here runs on the service's
 * context. */

#pragma once

#include "ks-backup-service.h"
#include "ks-library-views-job.h"

G_BEGIN_DECLS

struct _KsBackupRun
{
  GObject           parent_instance;

  KsSource         *source;
  GPtrArray        *assets;         /* (nullable) KsAsset; NULL: everything */
  GPtrArray        *destinations;   /* KsDestination */
  gboolean          from_plan;
  char             *origin;
  KsImportFlags     flags;
  char             *layout;

  KsBackupRunState  state;
  GCancellable     *cancellable;
  KsImportJob      *job;
  KsJpegCopyJob    *jpeg_job;       /* (nullable) the stage after the import */
  KsLibraryViewsJob *views_job;     /* (nullable) the last stage of files: sidecars, album folders */
  KsImportProgress *progress;
  GError           *error;

  /* A full device backup: the whole run (ks_backup_service_full_backup), or the stage
   * after the files of a run asked for it (ks_backup_run_set_with_full_backup) */
  gboolean              full_only;
  gboolean              with_full;
  GPtrArray            *full_targets;   /* KsFullTarget; NULL until a full backup starts */
  guint                 full_next;
  gboolean              full_force;
  KsFullBackupJob      *full_job;
  KsFullBackupProgress *full_progress;
  gint64                catalog_run_id;
};

struct _KsBackupService
{
  GObject       parent_instance;

  KsCatalog    *catalog;
  KsBackupPlan *plan;
  GMainContext *context;
  GListStore   *runs;       /* KsBackupRun, queued and running, in order */
  KsBackupRun  *current;    /* the running one, also in @runs */
  GSource      *next_source;
};

/* Where a full backup run writes. */
typedef struct
{
  char  *folder;
  char  *plan_id;  /* NULL for a one-off folder */
  guint  keep;
} KsFullTarget;

/* What a job's callback needs back (both held). */
typedef struct
{
  KsBackupService *service;
  KsBackupRun     *run;
} KsRunClosure;

/* ks-backup-service.c */
KsRunClosure *_ks_run_closure_new                  (KsBackupService *self,
                                                    KsBackupRun     *run);
void          _ks_backup_service_finish_run        (KsBackupService *self,
                                                    KsBackupRun     *run);
void          _ks_backup_service_enqueue           (KsBackupService *self,
                                                    KsBackupRun     *run);
void          _ks_backup_run_emit_full_progress    (KsBackupRun     *run);
void          _ks_backup_run_emit_jpeg_progress    (KsBackupRun     *run,
                                                    guint            done,
                                                    guint            total);

/* ks-backup-service-jpeg.c: JPEG copies after the import, for the destinations that ask.
 * Returns whether the stage started (it finishes the run when done). */
gboolean      _ks_backup_service_start_jpeg_stage  (KsBackupService *self,
                                                    KsBackupRun     *run);

/* ks-backup-service-views.c: XMP sidecars and album folders after the JPEG copies, for the
 * destinations that ask. Returns whether the stage started. */
gboolean      _ks_backup_service_start_views_stage (KsBackupService *self,
                                                    KsBackupRun     *run);

/* ks-backup-service-full.c */
void          _ks_full_target_free                 (gpointer         data);
void          _ks_backup_service_start_full        (KsBackupService *self,
                                                    KsBackupRun     *run);
/* The files of @run are done (import, then JPEG copies): its full backup stage, if it asked
 * for one and nothing stopped it, or else the end of the run. */
void          _ks_backup_service_files_done        (KsBackupService *self,
                                                    KsBackupRun     *run);

G_END_DECLS
