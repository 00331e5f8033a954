/* ks-asset-model.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetModel: the assets of one source, newest first, as a GListModel that fills
 * while the source is still being walked. */

#pragma once

#include <gio/gio.h>

#include "ks-asset.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_ASSET_MODEL (ks_asset_model_get_type ())

G_DECLARE_FINAL_TYPE (KsAssetModel, ks_asset_model, KS, ASSET_MODEL, GObject)

KsAssetModel *ks_asset_model_new          (KsSource             *source);
KsSource     *ks_asset_model_get_source   (KsAssetModel         *self);
gboolean      ks_asset_model_get_loading  (KsAssetModel         *self);
guint         ks_asset_model_get_n_skipped(KsAssetModel         *self);
KsAsset      *ks_asset_model_lookup       (KsAssetModel         *self,
                                           const char           *key);
void          ks_asset_model_resort_asset (KsAssetModel         *self,
                                           KsAsset              *asset);
void          ks_asset_model_load_async   (KsAssetModel         *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      ks_asset_model_load_finish  (KsAssetModel         *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          ks_asset_model_update_async (KsAssetModel         *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer             user_data);
gboolean      ks_asset_model_update_finish(KsAssetModel         *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
