/* ks-metadata.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What an asset's bytes say about it: capture date (Exif DateTimeOriginal with its
 * offset, QuickTime creation date), Exif orientation, video duration. */

#pragma once

#include <gio/gio.h>

#include "ks-asset.h"

G_BEGIN_DECLS

/**
 * KsMetadata:
 * @format: the container found by sniffing the bytes (not the extension):
 *   HEIC, JPEG, PNG, GIF, MOV (any QuickTime/MP4 file) or UNKNOWN
 * @capture_time: unix seconds (UTC); valid when @has_capture_time
 * @utc_offset: seconds east of UTC where the photo was taken; valid when @has_utc_offset
 * @orientation: Exif orientation 1..8 (1 when absent)
 * @duration: seconds, for videos; 0 when unknown
 */
typedef struct
{
  KsAssetKind format;
  gint64      capture_time;
  int         utc_offset;
  guint       orientation;
  double      duration;
  guint       has_capture_time : 1;
  guint       has_utc_offset : 1;
} KsMetadata;

void      ks_metadata_init              (KsMetadata        *md);
gboolean  ks_metadata_parse_data        (const guint8      *data,
                                         gsize              len,
                                         KsMetadata        *md);
gboolean  ks_metadata_parse_bytes       (GBytes            *bytes,
                                         KsMetadata        *md);
gboolean  ks_metadata_read_stream       (GInputStream      *stream,
                                         KsMetadata        *md,
                                         GCancellable      *cancellable,
                                         GError           **error);
gint64    ks_metadata_get_capture_time  (const KsMetadata  *md,
                                         gint64             fallback);
void      ks_metadata_apply             (const KsMetadata  *md,
                                         KsAsset           *asset);

/**
 * KsMetadataReader:
 *
 * Finds the metadata while a file streams past, chunk by chunk from its
 * first byte (as an import copies it): it keeps only the head, the top-level
 * box headers, QuickTime's moov and HEIC's meta and Exif item, so a MOV whose
 * moov sits at the end still gets its date without a second read.
 */
typedef struct _KsMetadataReader KsMetadataReader;

KsMetadataReader *ks_metadata_reader_new    (void);
void              ks_metadata_reader_feed   (KsMetadataReader  *self,
                                             const guint8      *data,
                                             gsize              len);
gboolean          ks_metadata_reader_finish (KsMetadataReader  *self,
                                             KsMetadata        *md);
void              ks_metadata_reader_free   (KsMetadataReader  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsMetadataReader, ks_metadata_reader_free)

void      ks_metadata_load_for_asset_async  (KsSource            *source,
                                             KsAsset             *asset,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  ks_metadata_load_for_asset_finish (KsSource            *source,
                                             GAsyncResult        *result,
                                             KsMetadata          *md,
                                             GError             **error);

G_END_DECLS
