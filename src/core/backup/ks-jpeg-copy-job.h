/* ks-jpeg-copy-job.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsJpegCopyJob: gives every HEIC photo a destination holds a JPEG copy beside it (or in a
 * JPEG/ sub-folder), for the destinations whose plan entry asks for it. It reads the
 * originals back from the destination (only what is already safely stored), converts them
 * on worker threads in parallel, and stores each JPEG the way a copy is stored (temporary,
 * fsync, read back, named without replacing), recorded in the destination's own index as
 * derived from its original: it never counts as a copy of anything.
 *
 * Resumable: a photo whose JPEG the index lists (and which is still there) is left alone,
 * so a second run makes none. Cancelling leaves no partial JPEG: what was verified is
 * recorded, the rest is removed.
 *
 *   g_autoptr(KsJpegCopyJob) job = ks_jpeg_copy_job_new ();
 *   ks_jpeg_copy_job_add_destination (job, dest, KS_JPEG_PLACEMENT_SUBFOLDER, 92);
 *   g_autoptr(KsJpegCopyResult) result = ks_jpeg_copy_job_run (job, cancellable, &error);
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"
#include "ks-destination.h"
#include "ks-jpeg-copy.h"

G_BEGIN_DECLS

/* The plan's per-destination options ("true"/"false", "subfolder"/"beside", "1".."100"). */
#define KS_JPEG_OPTION_ENABLED   "jpeg-copies"
#define KS_JPEG_OPTION_PLACEMENT "jpeg-placement"
#define KS_JPEG_OPTION_QUALITY   "jpeg-quality"
/* The sub-folder a JPEG copy goes to, next to its original. */
#define KS_JPEG_SUBFOLDER        "JPEG"

typedef enum
{
  KS_JPEG_PLACEMENT_SUBFOLDER, /* 2024/05/JPEG/IMG_0001.JPG */
  KS_JPEG_PLACEMENT_BESIDE,    /* 2024/05/IMG_0001.JPG */
} KsJpegPlacement;

const char *ks_jpeg_placement_to_string   (KsJpegPlacement  placement);
gboolean    ks_jpeg_placement_from_string (const char      *string,
                                           KsJpegPlacement *out_placement);

/* What a plan entry says about JPEG copies (defaults for what is unset or unreadable).
 * Returns: whether it asks for them */
gboolean    ks_jpeg_copy_get_settings     (KsBackupPlan    *plan,
                                           const char      *id,
                                           KsJpegPlacement *out_placement,
                                           int             *out_quality);

/* Where the JPEG copy of @original_path goes: its folder and file name (before any " (2)"
 * a taken name needs). */
void        ks_jpeg_copy_target           (const char      *original_path,
                                           KsJpegPlacement  placement,
                                           char           **out_rel_dir,
                                           char           **out_stem,
                                           char           **out_ext);

/**
 * KsJpegCopyResult:
 * @made: JPEG copies written and verified this run
 * @present: HEIC photos that already had their JPEG copy
 * @failed: HEIC photos whose JPEG copy could not be made (the original stays backed up)
 * @errors: (element-type KsImportFileError): per-file errors; path is the original's path
 *   in the destination, destination_id the destination's id (or %NULL when a destination
 *   itself could not be opened)
 */
typedef struct
{
  guint      made;
  guint      present;
  guint      failed;
  GPtrArray *errors;
} KsJpegCopyResult;

void ks_jpeg_copy_result_free (KsJpegCopyResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsJpegCopyResult, ks_jpeg_copy_result_free)

#define KS_TYPE_JPEG_COPY_JOB (ks_jpeg_copy_job_get_type ())

G_DECLARE_FINAL_TYPE (KsJpegCopyJob, ks_jpeg_copy_job, KS, JPEG_COPY_JOB, GObject)

/* Called on the job's thread after each JPEG copy (made or failed). */
typedef void (*KsJpegCopyProgressFunc) (guint       done,
                                        guint       total,
                                        const char *relative_path,
                                        gpointer    user_data);

KsJpegCopyJob          *ks_jpeg_copy_job_new             (void);
void                    ks_jpeg_copy_job_add_destination (KsJpegCopyJob          *self,
                                                          KsDestination          *destination,
                                                          KsJpegPlacement         placement,
                                                          int                     quality);
gboolean                ks_jpeg_copy_job_add_planned     (KsJpegCopyJob          *self,
                                                          KsBackupPlan           *plan,
                                                          KsDestination          *destination);
guint                   ks_jpeg_copy_job_get_n_destinations (KsJpegCopyJob       *self);
void                    ks_jpeg_copy_job_set_threads     (KsJpegCopyJob          *self,
                                                          guint                   n_threads);
void                    ks_jpeg_copy_job_set_progress    (KsJpegCopyJob          *self,
                                                          KsJpegCopyProgressFunc  func,
                                                          gpointer                user_data);
KsJpegCopyResult       *ks_jpeg_copy_job_run             (KsJpegCopyJob          *self,
                                                          GCancellable           *cancellable,
                                                          GError                **error);
void                    ks_jpeg_copy_job_run_async       (KsJpegCopyJob          *self,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
KsJpegCopyResult       *ks_jpeg_copy_job_run_finish      (KsJpegCopyJob          *self,
                                                          GAsyncResult           *result,
                                                          GError                **error);
const KsJpegCopyResult *ks_jpeg_copy_job_get_result      (KsJpegCopyJob          *self);

G_END_DECLS
