/* ks-source-row.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A sidebar row for a connected iPhone or an added folder. */

#pragma once

#include <gtk/gtk.h>

#include "ks-demo-library.h"
#include "ks-device.h"

G_BEGIN_DECLS

#define KS_TYPE_SOURCE_ROW (ks_source_row_get_type ())

G_DECLARE_FINAL_TYPE (KsSourceRow, ks_source_row, KS, SOURCE_ROW, GtkListBoxRow)

GtkWidget  *ks_source_row_new              (KsDevice    *device);
GtkWidget  *ks_source_row_new_for_folder   (const char  *path);
const char *ks_source_row_get_folder       (KsSourceRow *self);
KsDevice   *ks_source_row_get_device       (KsSourceRow *self);
void        ks_source_row_set_backup_state (KsSourceRow *self,
                                            const char  *text);
void        ks_source_row_set_demo_library (KsSourceRow   *self,
                                            KsDemoLibrary *demo);
void        ks_source_row_set_fallback_name (KsSourceRow *self,
                                             const char  *name);
const char *ks_source_row_get_status       (KsSourceRow *self);

G_END_DECLS
