/* ks-asset-grouper.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetGrouper: turns a stream of files (as a source walks them) into assets, pairing
 * each photo with its Live movie, edit and sidecars by the iOS naming rules. */

#pragma once

#include <glib-object.h>

#include "ks-asset.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_ASSET_GROUPER (ks_asset_grouper_get_type ())

G_DECLARE_FINAL_TYPE (KsAssetGrouper, ks_asset_grouper, KS, ASSET_GROUPER, GObject)

KsAssetGrouper *ks_asset_grouper_new            (const char         *source_id);
void            ks_asset_grouper_add            (KsAssetGrouper     *self,
                                                 const KsSourceFile *file);
GPtrArray      *ks_asset_grouper_take_ready     (KsAssetGrouper     *self);
GPtrArray      *ks_asset_grouper_finish         (KsAssetGrouper     *self);
guint           ks_asset_grouper_get_n_skipped  (KsAssetGrouper     *self);

GPtrArray      *ks_asset_group_files            (const char         *source_id,
                                                 GPtrArray          *files);

G_END_DECLS
