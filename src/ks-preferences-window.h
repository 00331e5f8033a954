/* ks-preferences-window.h
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

#define KS_TYPE_PREFERENCES_WINDOW (ks_preferences_window_get_type())

G_DECLARE_FINAL_TYPE (KsPreferencesWindow, ks_preferences_window, KS, PREFERENCES_WINDOW, AdwPreferencesWindow)

KsPreferencesWindow *ks_preferences_window_new               (KsApplication       *application);
void                 ks_preferences_window_set_example_asset (KsPreferencesWindow *self,
                                                              KsAsset             *asset,
                                                              const char          *device_name);
const char          *ks_preferences_window_get_layout_preview (KsPreferencesWindow *self);

G_END_DECLS
