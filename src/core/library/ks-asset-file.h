/* ks-asset-file.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetFile: one file of an asset (the photo, its Live movie, its edit, its sidecar).
 * Immutable and reference-counted, so workers and the main thread can share it freely. */

#pragma once

#include <glib-object.h>

#include "ks-types.h"

G_BEGIN_DECLS

#define KS_TYPE_ASSET_FILE (ks_asset_file_get_type ())

GType            ks_asset_file_get_type  (void) G_GNUC_CONST;
KsAssetFile     *ks_asset_file_new       (KsAssetFileRole    role,
                                          const char        *path,
                                          guint64            size,
                                          gint64             mtime);
KsAssetFile     *ks_asset_file_ref       (KsAssetFile       *self);
void             ks_asset_file_unref     (KsAssetFile       *self);
KsAssetFileRole  ks_asset_file_get_role  (const KsAssetFile *self);
const char      *ks_asset_file_get_path  (const KsAssetFile *self);
const char      *ks_asset_file_get_name  (const KsAssetFile *self);
KsAssetKind      ks_asset_file_get_kind  (const KsAssetFile *self);
guint64          ks_asset_file_get_size  (const KsAssetFile *self);
gint64           ks_asset_file_get_mtime (const KsAssetFile *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsAssetFile, ks_asset_file_unref)

G_END_DECLS
