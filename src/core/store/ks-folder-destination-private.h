/* ks-folder-destination-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Lets tests force the fallbacks used where a filesystem lacks RENAME_NOREPLACE or links,
 * and a failing index sync. */

#pragma once

#include "ks-dirfd.h"
#include "ks-folder-destination.h"

G_BEGIN_DECLS

typedef KsPublishMode KsFolderPublishMode;
#define KS_FOLDER_PUBLISH_RENAME_NOREPLACE  KS_PUBLISH_RENAME_NOREPLACE
#define KS_FOLDER_PUBLISH_LINK              KS_PUBLISH_LINK
#define KS_FOLDER_PUBLISH_CHECK_THEN_RENAME KS_PUBLISH_CHECK_THEN_RENAME

void                _ks_folder_destination_set_publish_mode (KsFolderDestination *self,
                                                             KsFolderPublishMode  mode);
KsFolderPublishMode _ks_folder_destination_get_publish_mode (KsFolderDestination *self);

/* The next sync's index write fails with @errsv, as a failing disk would. */
void                _ks_folder_destination_fail_next_sync   (KsFolderDestination *self,
                                                             int                  errsv);

G_END_DECLS
