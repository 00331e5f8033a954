/* ks-asset.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAsset: one photo or video as people see it, with the files that belong to it
 * (Live movie, edit, sidecar), its capture date and a few flags. */

#pragma once

#include <glib-object.h>

#include "ks-types.h"
#include "ks-asset-file.h"

G_BEGIN_DECLS

#define KS_TYPE_ASSET (ks_asset_get_type ())

G_DECLARE_FINAL_TYPE (KsAsset, ks_asset, KS, ASSET, GObject)

/* Built by KsAssetGrouper; the primary file's role must be PRIMARY. */
KsAsset      *ks_asset_new                      (const char       *source_id,
                                                 KsAssetFile      *primary);
/* Only while building (before the asset is shared with other threads). */
void          ks_asset_add_file                 (KsAsset          *self,
                                                 KsAssetFile      *file);

const char   *ks_asset_get_source_id            (KsAsset          *self);
/* Stable within its source: the primary file's path (raw bytes, may be non-UTF-8). */
const char   *ks_asset_get_key                  (KsAsset          *self);
/* Directory of the primary file relative to the source root ("" at the root). */
const char   *ks_asset_get_folder               (KsAsset          *self);
/* Primary file name (raw bytes) and that name without its extension. */
const char   *ks_asset_get_name                 (KsAsset          *self);
const char   *ks_asset_get_stem                 (KsAsset          *self);
/* The name as valid UTF-8 for showing (invalid bytes become U+FFFD). */
char         *ks_asset_dup_display_name         (KsAsset          *self);

KsAssetKind   ks_asset_get_kind                 (KsAsset          *self);
KsMediaType   ks_asset_get_media_type           (KsAsset          *self);

KsAssetFile  *ks_asset_get_primary              (KsAsset          *self);
/* (element-type KsAssetFile) (transfer none): primary first, then companions by role. */
GPtrArray    *ks_asset_get_files                (KsAsset          *self);
/* (transfer none) (nullable): the first file with @role. */
KsAssetFile  *ks_asset_get_file_for_role        (KsAsset          *self,
                                                 KsAssetFileRole   role);
guint64       ks_asset_get_total_size           (KsAsset          *self);

gboolean      ks_asset_is_live                  (KsAsset          *self);
gboolean      ks_asset_is_edited                (KsAsset          *self);

/* Capture time in unix seconds (UTC). Starts as the primary's mtime; metadata
 * refines it (then is-exact is TRUE). Set it on the thread that owns the asset
 * (the main thread once it is in a KsAssetModel): it notifies "capture-time". */
gint64        ks_asset_get_capture_time         (KsAsset          *self);
gboolean      ks_asset_get_capture_time_is_exact(KsAsset          *self);
void          ks_asset_set_capture_time         (KsAsset          *self,
                                                 gint64            unix_time,
                                                 gboolean          is_exact);
/* Where the photo was taken, in seconds east of UTC (from Exif OffsetTimeOriginal
 * or QuickTime's creationdate); FALSE when unknown. */
gboolean      ks_asset_get_utc_offset           (KsAsset          *self,
                                                 int              *seconds);
void          ks_asset_set_utc_offset           (KsAsset          *self,
                                                 int               seconds);
/* (transfer full): capture time as the wall clock showed it where it was taken
 * when the offset is known, else in the local time zone. */
GDateTime    *ks_asset_dup_capture_date         (KsAsset          *self);

/* Seconds; 0 when unknown or for photos. */
double        ks_asset_get_duration             (KsAsset          *self);
void          ks_asset_set_duration             (KsAsset          *self,
                                                 double            duration);
/* Exif orientation 1..8; 1 (the default) when unknown. */
guint         ks_asset_get_orientation          (KsAsset          *self);
void          ks_asset_set_orientation          (KsAsset          *self,
                                                 guint             orientation);

/* From the phone's Photos library (KsPhotosDb); none for other sources. Set only while
 * building, like ks_asset_add_file(). */
void          ks_asset_set_library_info         (KsAsset            *self,
                                                 KsAssetFlags        flags,
                                                 gint64              trashed_time,
                                                 const char * const *albums);
KsAssetFlags  ks_asset_get_flags                (KsAsset          *self);
gint64        ks_asset_get_trashed_time         (KsAsset          *self);
const char * const *ks_asset_get_albums         (KsAsset          *self);
gboolean      ks_asset_is_in_album              (KsAsset          *self,
                                                 const char       *album);

/* Newest first, then by key: the KsAssetModel order. */
int           ks_asset_compare_newest_first     (KsAsset          *a,
                                                 KsAsset          *b);

G_END_DECLS
