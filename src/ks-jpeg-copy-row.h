/* ks-jpeg-copy-row.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsJpegCopyRow: in Preferences, whether one destination also gets JPEG copies of HEIC
 * photos, where they go and at which quality, with an example path like the layout's. */

#pragma once

#include <adwaita.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

#define KS_TYPE_JPEG_COPY_ROW (ks_jpeg_copy_row_get_type ())

G_DECLARE_FINAL_TYPE (KsJpegCopyRow, ks_jpeg_copy_row, KS, JPEG_COPY_ROW, AdwExpanderRow)

GtkWidget  *ks_jpeg_copy_row_new         (KsBackupPlan      *plan,
                                          KsPlanDestination *destination);
void        ks_jpeg_copy_row_set_example (KsJpegCopyRow     *self,
                                          const char        *photo_path);
const char *ks_jpeg_copy_row_get_example (KsJpegCopyRow     *self);

G_END_DECLS
