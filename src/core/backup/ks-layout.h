/* ks-layout.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Where an asset's files go inside a destination: relative paths from a template such
 * as "{year}/{month}/{name}", every component made safe, companions beside their photo. */

#pragma once

#include <glib.h>

#include "ks-asset.h"

G_BEGIN_DECLS

#define KS_LAYOUT_DEFAULT_TEMPLATE "{year}/{month}/{name}"

#define KS_LAYOUT_ERROR (ks_layout_error_quark ())

typedef enum
{
  KS_LAYOUT_ERROR_EMPTY,
  KS_LAYOUT_ERROR_UNKNOWN_PLACEHOLDER,
  KS_LAYOUT_ERROR_UNBALANCED_BRACE,
  KS_LAYOUT_ERROR_NO_NAME,
} KsLayoutError;

GQuark      ks_layout_error_quark      (void);
gboolean    ks_layout_validate         (const char   *template_,
                                        GError      **error);
char       *ks_layout_dup_path         (const char   *template_,
                                        KsAsset      *asset,
                                        KsAssetFile  *file,
                                        const char   *device_name,
                                        guint         counter);
GPtrArray  *ks_layout_dup_paths        (const char   *template_,
                                        KsAsset      *asset,
                                        const char   *device_name,
                                        guint         counter);
char       *ks_layout_preview          (const char   *template_,
                                        KsAsset      *asset,
                                        const char   *device_name,
                                        GError      **error);

G_END_DECLS
