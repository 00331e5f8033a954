/* ks-drive-destination.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDriveDestination: a folder on an external drive or USB stick, known by its file system's
 * UUID and the folder's place inside the drive rather than by where the drive happens to be
 * mounted: /media/anna/Passport today, /mnt/backup tomorrow. Opening it finds the drive in
 * the mount table and then works as a folder destination there (same .keepsake/ id and
 * index, same staging and verification). Its location in the backup plan reads
 * "drive:UUID/path/inside", e.g. "drive:1234-ABCD/Photos" or "drive:1234-ABCD/". */

#pragma once

#include "ks-destination.h"

G_BEGIN_DECLS

#define KS_DRIVE_LOCATION_PREFIX "drive:"

#define KS_TYPE_DRIVE_DESTINATION (ks_drive_destination_get_type ())

G_DECLARE_FINAL_TYPE (KsDriveDestination, ks_drive_destination, KS, DRIVE_DESTINATION, KsDestination)

KsDriveDestination *ks_drive_destination_new            (const char          *location,
                                                         const char          *expected_id,
                                                         const char          *name);
const char         *ks_drive_destination_get_location   (KsDriveDestination  *self);
char               *ks_drive_destination_dup_path       (KsDriveDestination  *self);

char               *ks_drive_location_new               (const char          *uuid,
                                                         const char          *inner_path);
gboolean            ks_drive_location_parse             (const char          *location,
                                                         char               **out_uuid,
                                                         char               **out_inner_path);
char               *ks_drive_location_find_path         (const char          *location,
                                                         const char          *expected_id);
char               *ks_drive_location_for_path          (const char          *path,
                                                         char               **out_label,
                                                         GError             **error);

G_END_DECLS
