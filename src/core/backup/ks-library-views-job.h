/* ks-library-views-job.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsLibraryViewsJob: after an import, for the destinations whose plan entry asks for them,
 * an XMP sidecar next to each photo and an "Albums" folder with a folder of links per
 * album, both made from what the destination's own index records of each photo (so they
 * can be made again without the phone). Sidecars are derived files (never a copy of
 * anything); the Albums folder holds only links, or list files where the file system takes
 * no links.
 *
 *   g_autoptr(KsLibraryViewsJob) job = ks_library_views_job_new ();
 *   ks_library_views_job_add_destination (job, dest, TRUE, TRUE);
 *   g_autoptr(KsLibraryViewsResult) result = ks_library_views_job_run (job, cancellable, &error);
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"
#include "ks-destination.h"

G_BEGIN_DECLS

/* The plan's per-destination options ("true" when on; off when unset). */
#define KS_LIBRARY_OPTION_XMP_SIDECARS  "xmp-sidecars"
#define KS_LIBRARY_OPTION_ALBUM_FOLDERS "album-folders"
/* The folder at a destination's root that holds the albums. */
#define KS_LIBRARY_ALBUMS_FOLDER        "Albums"

/* What a plan entry asks for. */
void ks_library_views_get_settings (KsBackupPlan *plan,
                                    const char   *id,
                                    gboolean     *out_sidecars,
                                    gboolean     *out_albums);

/**
 * KsLibraryViewsResult:
 * @sidecars_written: XMP sidecars written (or rewritten) and verified
 * @sidecars_unchanged: sidecars that already said the same
 * @sidecars_kept: sidecars another program wrote or changed, left alone
 * @sidecars_failed: sidecars that could not be written
 * @albums: albums in the Albums folders
 * @links: how the last destination's album folders were made
 * @errors: (element-type KsImportFileError): path is the photo's (or the destination's),
 *   destination_id the destination's id
 */
typedef struct
{
  guint         sidecars_written;
  guint         sidecars_unchanged;
  guint         sidecars_kept;
  guint         sidecars_failed;
  guint         albums;
  KsAlbumLinks  links;
  GPtrArray    *errors;
} KsLibraryViewsResult;

void ks_library_views_result_free (KsLibraryViewsResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsLibraryViewsResult, ks_library_views_result_free)

#define KS_TYPE_LIBRARY_VIEWS_JOB (ks_library_views_job_get_type ())

G_DECLARE_FINAL_TYPE (KsLibraryViewsJob, ks_library_views_job, KS, LIBRARY_VIEWS_JOB, GObject)

KsLibraryViewsJob          *ks_library_views_job_new             (void);
void                        ks_library_views_job_add_destination (KsLibraryViewsJob    *self,
                                                                  KsDestination        *destination,
                                                                  gboolean              sidecars,
                                                                  gboolean              albums);
gboolean                    ks_library_views_job_add_planned     (KsLibraryViewsJob    *self,
                                                                  KsBackupPlan         *plan,
                                                                  KsDestination        *destination);
guint                       ks_library_views_job_get_n_destinations (KsLibraryViewsJob *self);
KsLibraryViewsResult       *ks_library_views_job_run             (KsLibraryViewsJob    *self,
                                                                  GCancellable         *cancellable,
                                                                  GError              **error);
void                        ks_library_views_job_run_async       (KsLibraryViewsJob    *self,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
KsLibraryViewsResult       *ks_library_views_job_run_finish      (KsLibraryViewsJob    *self,
                                                                  GAsyncResult         *result,
                                                                  GError              **error);
const KsLibraryViewsResult *ks_library_views_job_get_result      (KsLibraryViewsJob    *self);

G_END_DECLS
