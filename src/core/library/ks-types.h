/* ks-types.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Enums shared by the engine's model (assets, their files and kinds) and forward
 * declarations, so that headers can name each other's types without include cycles. */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _KsAsset      KsAsset;
typedef struct _KsAssetFile  KsAssetFile;
typedef struct _KsSource     KsSource;
typedef struct _KsSourceFile KsSourceFile;
typedef struct _KsPhotosDb   KsPhotosDb;

/**
 * KsAssetKind:
 * The container format of an asset's primary file, decided from its extension
 * (case-insensitive). OTHER_PHOTO and OTHER_VIDEO are media we copy but do not
 * parse (TIFF, WebP, AVI, 3GP, …). OTHER is any other file (an unknown or missing
 * extension, a hidden name): not shown as a picture, but backed up all the same.
 */
typedef enum
{
  KS_ASSET_KIND_UNKNOWN = 0,
  KS_ASSET_KIND_HEIC,
  KS_ASSET_KIND_JPEG,
  KS_ASSET_KIND_PNG,
  KS_ASSET_KIND_GIF,
  KS_ASSET_KIND_DNG,
  KS_ASSET_KIND_MOV,
  KS_ASSET_KIND_MP4,
  KS_ASSET_KIND_OTHER_PHOTO,
  KS_ASSET_KIND_OTHER_VIDEO,
  KS_ASSET_KIND_SIDECAR, /* .AAE: a companion; a primary only when its photo is gone */
  KS_ASSET_KIND_OTHER,
} KsAssetKind;

/**
 * KsMediaType:
 * @KS_MEDIA_TYPE_OTHER: neither photo nor video (kinds OTHER and SIDECAR): copied like
 *   any file, counted apart, shown without a thumbnail
 */
typedef enum
{
  KS_MEDIA_TYPE_PHOTO = 0,
  KS_MEDIA_TYPE_VIDEO,
  KS_MEDIA_TYPE_OTHER,
} KsMediaType;

/**
 * KsAssetFileRole:
 * @KS_ASSET_FILE_ROLE_PRIMARY: the photo, or the video of a plain video asset
 * @KS_ASSET_FILE_ROLE_LIVE_VIDEO: the movie of a Live Photo (IMG_1234.MOV next to IMG_1234.HEIC)
 * @KS_ASSET_FILE_ROLE_EDITED: the rendered edit (IMG_E1234.JPG)
 * @KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO: the edited Live movie (IMG_E1234.MOV next to a photo)
 * @KS_ASSET_FILE_ROLE_SIDECAR: adjustment data (IMG_1234.AAE, IMG_O1234.AAE)
 */
typedef enum
{
  KS_ASSET_FILE_ROLE_PRIMARY = 0,
  KS_ASSET_FILE_ROLE_LIVE_VIDEO,
  KS_ASSET_FILE_ROLE_EDITED,
  KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO,
  KS_ASSET_FILE_ROLE_SIDECAR,
} KsAssetFileRole;

/**
 * KsAssetFlags:
 * What the phone's Photos library says of an asset (see KsPhotosDb); none from a folder.
 * @KS_ASSET_FLAG_BURST: one frame of a burst; with @KS_ASSET_FLAG_BURST_CHOSEN the one shown
 * @KS_ASSET_FLAG_ICLOUD_ONLY: the original is not on the phone, only in iCloud
 * @KS_ASSET_FLAG_IN_ICLOUD: iCloud Photos holds it too (uploaded: ZCLOUDLOCALSTATE 1)
 * @KS_ASSET_FLAG_OUTSIDE_DCIM: the original lives outside DCIM (PhotoData/CPLAssets)
 */
typedef enum
{
  KS_ASSET_FLAG_NONE             = 0,
  KS_ASSET_FLAG_FAVORITE         = 1 << 0,
  KS_ASSET_FLAG_HIDDEN           = 1 << 1,
  KS_ASSET_FLAG_TRASHED          = 1 << 2,
  KS_ASSET_FLAG_SCREENSHOT       = 1 << 3,
  KS_ASSET_FLAG_SCREEN_RECORDING = 1 << 4,
  KS_ASSET_FLAG_SELFIE           = 1 << 5,
  KS_ASSET_FLAG_BURST            = 1 << 6,
  KS_ASSET_FLAG_BURST_CHOSEN     = 1 << 7,
  KS_ASSET_FLAG_LIVE             = 1 << 8,
  KS_ASSET_FLAG_SHARED_LIBRARY   = 1 << 9,
  KS_ASSET_FLAG_ICLOUD_ONLY      = 1 << 10,
  KS_ASSET_FLAG_OUTSIDE_DCIM     = 1 << 11,
  KS_ASSET_FLAG_IN_LIBRARY       = 1 << 12, /* the Photos library knows it */
  KS_ASSET_FLAG_IN_ICLOUD        = 1 << 13,
} KsAssetFlags;

/* GTypes for properties and GtkExpressions (defined in ks-asset-file.c). */
#define KS_TYPE_ASSET_KIND      (ks_asset_kind_get_type ())
#define KS_TYPE_MEDIA_TYPE      (ks_media_type_get_type ())
#define KS_TYPE_ASSET_FILE_ROLE (ks_asset_file_role_get_type ())

GType        ks_asset_kind_get_type       (void) G_GNUC_CONST;
GType        ks_media_type_get_type       (void) G_GNUC_CONST;
GType        ks_asset_file_role_get_type  (void) G_GNUC_CONST;

const char  *ks_asset_kind_to_string      (KsAssetKind      kind);
const char  *ks_asset_file_role_to_string (KsAssetFileRole  role);
KsAssetKind  ks_asset_kind_from_name      (const char      *name,
                                           gssize           len);
KsMediaType  ks_asset_kind_get_media_type (KsAssetKind      kind);

G_END_DECLS
