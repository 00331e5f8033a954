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
