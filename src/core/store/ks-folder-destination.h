/* ks-folder-destination.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsFolderDestination: any writable folder (local disk, external drive, mounted NAS share). */

#pragma once

#include "ks-destination.h"

G_BEGIN_DECLS

#define KS_TYPE_FOLDER_DESTINATION (ks_folder_destination_get_type ())

G_DECLARE_FINAL_TYPE (KsFolderDestination, ks_folder_destination, KS, FOLDER_DESTINATION, KsDestination)

/* Name of the hidden folder inside the destination holding its id and index. */
#define KS_FOLDER_DESTINATION_META_DIR  KS_DESTINATION_META_DIR
/* Marker in temporary file names: ".IMG_1234.HEIC.keepsake-tmp-Ab12Cd". */
#define KS_FOLDER_DESTINATION_TMP_MARK  KS_DESTINATION_TMP_MARK

KsFolderDestination *ks_folder_destination_new          (const char          *path);
KsFolderDestination *ks_folder_destination_new_full     (const char          *path,
                                                         const char          *expected_id,
                                                         gboolean             create_missing);
const char          *ks_folder_destination_get_path     (KsFolderDestination *self);
gboolean             ks_folder_destination_is_temp_name (const char          *name);
char                *ks_folder_destination_read_id      (const char          *path,
                                                         GError             **error);

G_END_DECLS
