/* ks-model-names.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *ks_model_name_for_product_type (const char *product_type);

G_END_DECLS
