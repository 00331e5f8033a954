/* ks-settings.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

#define KS_SETTINGS_DESTINATIONS        "destinations"
#define KS_SETTINGS_INCLUDE_LIVE_VIDEOS "include-live-videos"
#define KS_SETTINGS_INCLUDE_EDITED      "include-edited"
#define KS_SETTINGS_INCLUDE_SIDECARS    "include-sidecars"
#define KS_SETTINGS_INCLUDE_VIDEOS      "include-videos"
#define KS_SETTINGS_DISABLED_DESTINATIONS "disabled-destinations"
#define KS_SETTINGS_FOLDER_LAYOUT       "folder-layout"
#define KS_SETTINGS_SOURCE_FOLDERS      "source-folders"

char  *ks_settings_dup_default_destination (void);
void   ks_settings_add_source_folder       (GSettings  *settings,
                                            const char *path);
void   ks_settings_remove_source_folder    (GSettings  *settings,
                                            const char *path);

/* The plan's first set-up (destinations and options of an earlier version, or the default). */
gboolean ks_settings_set_up_plan           (GSettings     *settings,
                                            KsBackupPlan  *plan,
                                            GError       **error);

G_END_DECLS
