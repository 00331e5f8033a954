/* ks-import-progress.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Plain data an import run hands out: a progress snapshot, the per-file errors it
 * collected, and the summary at the end. Boxed, so they cross threads and signals. */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * KsImportProgress:
 * @items_done: files finished (copied, skipped or failed), of @items_total
 * @bytes_done: bytes written this run, of @bytes_total (what the plan found missing)
 * @current_path: (nullable): source path of the file being copied (raw bytes)
 * @current_asset: (nullable): key of its asset (ks_asset_get_key())
 * @rate: bytes per second, smoothed; 0 until known
 * @seconds_left: estimate, or -1 when unknown
 * @upload_done: bytes sent to network and cloud destinations this run, as their uploader
 *   (rclone) counts them, of @upload_total; 0 of 0 when the run uploads nothing
 * @upload_path: (nullable): source path of the file being uploaded (raw bytes)
 * @upload_rate: bytes per second uploaded, smoothed; 0 until known
 * @upload_seconds_left: estimate for the uploads, or -1 when unknown
 */
typedef struct
{
  guint    items_done;
  guint    items_total;
  guint64  bytes_done;
  guint64  bytes_total;
  guint    copied;
  guint    skipped;
  guint    failed;
  char    *current_path;
  char    *current_asset;
  double   rate;
  gint64   seconds_left;
  guint64  upload_done;
  guint64  upload_total;
  char    *upload_path;
  double   upload_rate;
  gint64   upload_seconds_left;
} KsImportProgress;

/**
 * KsImportFileError:
 * @path: source path of the file (raw bytes)
 * @destination_id: (nullable): the destination it failed for, or %NULL for a read error
 * @domain, @code, @message: the GError
 */
typedef struct
{
  char   *path;
  char   *destination_id;
  GQuark  domain;
  int     code;
  char   *message;
} KsImportFileError;

/**
 * KsImportResult:
 * @copied: files written to at least one destination
 * @photos_copied: photo assets (a Live Photo, its edit and sidecar are one) with at least one
 *   file written this run
 * @videos_copied: the same for video assets
 * @others_copied: the same for the other files (unknown types, a sidecar without its photo);
 *   photos, videos and others together are every asset with a file written this run
 * @skipped: files every destination already held
 * @failed: files that failed for at least one destination
 * @planned: files the plan found missing somewhere (what a dry run would copy)
 * @planned_bytes: their total size
 * @bytes: bytes written (counted once per destination)
 * @duration: microseconds
 * @errors: (element-type KsImportFileError): per-file errors, in order
 * @run_id: the row in the catalog's runs table
 * @not_on_device: photos and videos whose originals are only in iCloud (the phone's Photos
 *   library says so): not on this iPhone, so never tried and never failed
 * @not_on_device_bytes: their size, as the library says
 * @status: "completed", "completed-with-errors", "failed", "cancelled"
 */
typedef struct
{
  guint      copied;
  guint      photos_copied;
  guint      videos_copied;
  guint      others_copied;
  guint      skipped;
  guint      failed;
  guint      planned;
  guint64    planned_bytes;
  guint64    bytes;
  gint64     duration;
  GPtrArray *errors;
  gint64     run_id;
  char      *status;
  guint      not_on_device;
  guint64    not_on_device_bytes;
} KsImportResult;

#define KS_TYPE_IMPORT_PROGRESS (ks_import_progress_get_type ())
#define KS_TYPE_IMPORT_RESULT   (ks_import_result_get_type ())

GType              ks_import_progress_get_type   (void) G_GNUC_CONST;
KsImportProgress  *ks_import_progress_copy       (const KsImportProgress  *progress);
void               ks_import_progress_free       (KsImportProgress        *progress);

KsImportFileError *ks_import_file_error_new      (const char              *path,
                                                  const char              *destination_id,
                                                  const GError            *error);
void               ks_import_file_error_free     (KsImportFileError       *error);

GType              ks_import_result_get_type     (void) G_GNUC_CONST;
KsImportResult    *ks_import_result_new          (void);
KsImportResult    *ks_import_result_copy         (const KsImportResult    *result);
void               ks_import_result_free         (KsImportResult          *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsImportProgress, ks_import_progress_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsImportFileError, ks_import_file_error_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsImportResult, ks_import_result_free)

G_END_DECLS
