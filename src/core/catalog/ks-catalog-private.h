/* ks-catalog-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What tests need to look inside the catalog. */

#pragma once

#include "ks-catalog.h"

G_BEGIN_DECLS

gint64 _ks_catalog_query_int64 (KsCatalog  *self,
                                const char *sql);

G_END_DECLS
