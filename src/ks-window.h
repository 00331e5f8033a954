/* ks-window.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-application.h"

#include "ks-asset.h"

G_BEGIN_DECLS

#define KS_TYPE_WINDOW (ks_window_get_type())

G_DECLARE_FINAL_TYPE (KsWindow, ks_window, KS, WINDOW, AdwApplicationWindow)

KsWindow *ks_window_new               (KsApplication  *application);
KsAsset  *ks_window_dup_example_asset (KsWindow       *self,
                                       char          **device_name);
void      ks_window_add_folder        (KsWindow       *self,
                                       const char     *path);

G_END_DECLS
