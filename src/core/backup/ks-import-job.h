/* ks-import-job.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsImportJob: copies what the destinations lack from a source, verified and atomically,
 * never twice and never over another file; remembers what it did in the catalog. */

#pragma once

#include <gio/gio.h>

#include "ks-catalog.h"
#include "ks-destination.h"
#include "ks-import-progress.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_IMPORT_ERROR (ks_import_error_quark ())

/**
 * KsImportError:
 * @KS_IMPORT_ERROR_FAILED: anything else (the message says what)
 * @KS_IMPORT_ERROR_SOURCE_LOST: the source went away or failed to read (device detached);
 *   a later run resumes with what is still missing
 * @KS_IMPORT_ERROR_NO_SPACE: a destination is full, or the plan does not fit (the message
 *   states how much is needed and how much is free)
 * @KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE: a destination is missing or was removed mid-run
 * @KS_IMPORT_ERROR_READ_ONLY: a destination cannot be written
 * @KS_IMPORT_ERROR_CANCELLED: the GCancellable was cancelled
 * @KS_IMPORT_ERROR_VERIFY_FAILED: a destination stored different bytes than were written
 * @KS_IMPORT_ERROR_TOO_LARGE: a file is larger than a destination's file system can hold
 *   (FAT32: 4 GiB); found before the run copies anything
 */
typedef enum
{
  KS_IMPORT_ERROR_FAILED,
  KS_IMPORT_ERROR_SOURCE_LOST,
  KS_IMPORT_ERROR_NO_SPACE,
  KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE,
  KS_IMPORT_ERROR_READ_ONLY,
  KS_IMPORT_ERROR_CANCELLED,
  KS_IMPORT_ERROR_VERIFY_FAILED,
  KS_IMPORT_ERROR_TOO_LARGE,
} KsImportError;

GQuark ks_import_error_quark (void);

/**
 * KsImportFlags:
 * @KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS: leave out the movie of Live Photos
 * @KS_IMPORT_FLAGS_SKIP_EDITED: leave out rendered edits (IMG_E1234.*)
 * @KS_IMPORT_FLAGS_SKIP_SIDECARS: leave out .AAE files
 * @KS_IMPORT_FLAGS_SKIP_VIDEOS: leave out video assets (not Live movies)
 * @KS_IMPORT_FLAGS_DRY_RUN: plan and count only; write nothing
 * @KS_IMPORT_FLAGS_SKIP_TRASHED: leave out what the phone's Photos library has in Recently Deleted
 * @KS_IMPORT_FLAGS_SKIP_HIDDEN: leave out what the phone's Photos library has in Hidden
 */
typedef enum
{
  KS_IMPORT_FLAGS_NONE             = 0,
  KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS = 1 << 0,
  KS_IMPORT_FLAGS_SKIP_EDITED      = 1 << 1,
  KS_IMPORT_FLAGS_SKIP_SIDECARS    = 1 << 2,
  KS_IMPORT_FLAGS_SKIP_VIDEOS      = 1 << 3,
  KS_IMPORT_FLAGS_DRY_RUN          = 1 << 4,
  KS_IMPORT_FLAGS_SKIP_TRASHED     = 1 << 5,
  KS_IMPORT_FLAGS_SKIP_HIDDEN      = 1 << 6,
} KsImportFlags;

/* The layout when none is set: by capture date. */
#define KS_IMPORT_DEFAULT_LAYOUT "{year}/{month}/{name}"

/*
 * Typical use (keepsake-cli):
 *
 *   g_autoptr(KsCatalog) catalog = ks_catalog_new (NULL, &error);   // $XDG_DATA_HOME/keepsake/catalog.db
 *   g_autoptr(KsFolderDestination) dest = ks_folder_destination_new ("/media/anna/Photos");
 *   g_autoptr(GPtrArray) dests = g_ptr_array_new ();
 *   g_ptr_array_add (dests, dest);
 *   g_autoptr(KsImportJob) job = ks_import_job_new (source, NULL, dests, catalog); // NULL: all assets
 *   ks_import_job_set_flags (job, KS_IMPORT_FLAGS_SKIP_SIDECARS);
 *   g_signal_connect (job, "progress", G_CALLBACK (on_progress), NULL);  // (KsImportJob*, KsImportProgress*, gpointer)
 *   g_autoptr(KsImportResult) result = ks_import_job_run (job, cancellable, &error);
 *   if (result == NULL)   // error->domain == KS_IMPORT_ERROR; see ks_import_job_get_result() for counts
 *
 * ks_import_job_run() emits "progress" on the calling thread; the async variant emits it on
 * the caller's thread-default main context. A job runs once; make a new one per run.
 * Per-file problems do not stop a run: they are in result->errors (status
 * "completed-with-errors"). A lost source, a full / read-only / removed destination (when
 * it was the last one left) or cancellation stops it with an error; nothing partial or
 * unrecorded is left visible, and the next run copies only what is still missing.
 */

#define KS_TYPE_IMPORT_JOB (ks_import_job_get_type ())

G_DECLARE_FINAL_TYPE (KsImportJob, ks_import_job, KS, IMPORT_JOB, GObject)

KsImportJob          *ks_import_job_new            (KsSource             *source,
                                                    GPtrArray            *assets,
                                                    GPtrArray            *destinations,
                                                    KsCatalog            *catalog);
void                  ks_import_job_set_flags      (KsImportJob          *self,
                                                    KsImportFlags         flags);
KsImportFlags         ks_import_job_get_flags      (KsImportJob          *self);
void                  ks_import_job_set_layout     (KsImportJob          *self,
                                                    const char           *layout);
const char           *ks_import_job_get_layout     (KsImportJob          *self);
void                  ks_import_job_set_origin     (KsImportJob          *self,
                                                    const char           *origin);

void                  ks_import_job_run_async      (KsImportJob          *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
KsImportResult       *ks_import_job_run_finish     (KsImportJob          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
KsImportResult       *ks_import_job_run            (KsImportJob          *self,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
const KsImportResult *ks_import_job_get_result     (KsImportJob          *self);

G_END_DECLS
