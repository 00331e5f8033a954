/* ks-library-views-row.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsLibraryViewsRow: in Preferences, whether one destination also gets an XMP sidecar next
 * to each photo and an Albums folder (the plan entry's "xmp-sidecars" and "album-folders"
 * options). */

#pragma once

#include <adwaita.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

#define KS_TYPE_LIBRARY_VIEWS_ROW (ks_library_views_row_get_type ())

G_DECLARE_FINAL_TYPE (KsLibraryViewsRow, ks_library_views_row, KS, LIBRARY_VIEWS_ROW, AdwExpanderRow)

GtkWidget *ks_library_views_row_new (KsBackupPlan      *plan,
                                     KsPlanDestination *destination);

G_END_DECLS
