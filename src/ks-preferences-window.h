/* ks-preferences-window.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-application.h"

G_BEGIN_DECLS

#define KS_TYPE_PREFERENCES_WINDOW (ks_preferences_window_get_type())

G_DECLARE_FINAL_TYPE (KsPreferencesWindow, ks_preferences_window, KS, PREFERENCES_WINDOW, AdwPreferencesWindow)

KsPreferencesWindow *ks_preferences_window_new (KsApplication *application);

G_END_DECLS
