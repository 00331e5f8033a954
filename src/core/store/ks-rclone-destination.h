/* ks-rclone-destination.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ks-destination.h"
#include "ks-rclone.h"

G_BEGIN_DECLS

#define KS_TYPE_RCLONE_DESTINATION (ks_rclone_destination_get_type ())

G_DECLARE_FINAL_TYPE (KsRcloneDestination, ks_rclone_destination, KS, RCLONE_DESTINATION, KsDestination)

KsRcloneDestination *ks_rclone_destination_new           (const char          *location,
                                                          const char          *expected_id);
const char          *ks_rclone_destination_get_location  (KsRcloneDestination *self);
const char          *ks_rclone_destination_get_hash_type (KsRcloneDestination *self);
gboolean             ks_rclone_destination_is_cloud      (KsRcloneDestination *self);
KsRclone            *ks_rclone_destination_get_rclone    (KsRcloneDestination *self);
int                  ks_rclone_destination_take_lock     (const char          *location,
                                                          char               **out_staging,
                                                          GError             **error);

G_END_DECLS
