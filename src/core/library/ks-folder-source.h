/* ks-folder-source.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsFolderSource: photos in a plain folder (a DCIM folder, an SD card, a phone mounted
 * some other way). */

#pragma once

#include <gio/gio.h>

#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_FOLDER_SOURCE (ks_folder_source_get_type ())

G_DECLARE_FINAL_TYPE (KsFolderSource, ks_folder_source, KS, FOLDER_SOURCE, GObject)

KsFolderSource *ks_folder_source_new      (GFile          *folder);
GFile          *ks_folder_source_get_file (KsFolderSource *self);

G_END_DECLS
