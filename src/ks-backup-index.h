/* ks-backup-index.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How many destinations hold each asset, counted on a worker for the grid and sidebar. */

#pragma once

#include <gio/gio.h>

#include "ks-asset.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_BACKUP_INDEX (ks_backup_index_get_type ())

G_DECLARE_FINAL_TYPE (KsBackupIndex, ks_backup_index, KS, BACKUP_INDEX, GObject)

KsBackupIndex *ks_backup_index_new             (void);
void           ks_backup_index_refresh_async   (KsBackupIndex       *self,
                                                KsSource            *source,
                                                GPtrArray           *assets,
                                                const char * const  *destinations,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean       ks_backup_index_refresh_finish  (KsBackupIndex       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void           ks_backup_index_clear           (KsBackupIndex       *self);
int            ks_backup_index_get_copies      (KsBackupIndex       *self,
                                                KsAsset             *asset);
gboolean       ks_backup_index_is_known        (KsBackupIndex       *self);

G_END_DECLS
