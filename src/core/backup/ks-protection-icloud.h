/* ks-protection-icloud.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the phone's Photos library said about iCloud Photos the last time a backup listed all
 * of a source: which of its photos iCloud holds too, and how many originals are only in
 * iCloud. The catalog's inventory has paths, sizes and times only; this is kept beside it,
 * in the plan settings under "icloud/<source id>", so that `keepsake-cli status` knows the
 * 3-2-1 protection iCloud gives without the phone. */

#pragma once

#include <gio/gio.h>

#include "ks-catalog.h"

G_BEGIN_DECLS

#define KS_PROTECTION_ICLOUD_PREFIX "icloud/"

gboolean    ks_protection_store_icloud (KsCatalog   *catalog,
                                        const char  *source_id,
                                        GPtrArray   *assets,
                                        guint        n_icloud_only,
                                        GError     **error);
GHashTable *ks_protection_load_icloud  (KsCatalog   *catalog,
                                        const char  *source_id,
                                        guint       *out_n_icloud_only);

GPtrArray  *ks_protection_dup_primary_files (GPtrArray *assets);

G_END_DECLS
