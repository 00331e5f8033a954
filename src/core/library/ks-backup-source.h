/* ks-backup-source.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupSource: the camera roll inside a full device backup (the iTunes/Finder kind, as
 * idevicebackup2, Finder or iTunes make it: Info.plist, Status.plist, Manifest.plist,
 * Manifest.db and the hashed sub-folders). The folder is untrusted and only ever read. */

#pragma once

#include <gio/gio.h>

#include "ks-source.h"

G_BEGIN_DECLS

#define KS_BACKUP_SOURCE_ERROR (ks_backup_source_error_quark ())

/**
 * KsBackupSourceError:
 * @KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP: the folder holds no device backup
 * @KS_BACKUP_SOURCE_ERROR_DAMAGED: its Manifest.db, Manifest.plist or keybag cannot be read
 * @KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD: it is encrypted and no password was given
 * @KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD: the password does not open it
 * @KS_BACKUP_SOURCE_ERROR_UNSAFE_NAME: one file is listed under a name that leaves the camera roll
 * @KS_BACKUP_SOURCE_ERROR_MISSING_FILE: one file's data is missing, a link, or damaged
 * @KS_BACKUP_SOURCE_ERROR_SEVERAL_DEVICES: the folder holds backups of several devices
 */
typedef enum
{
  KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP,
  KS_BACKUP_SOURCE_ERROR_DAMAGED,
  KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD,
  KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD,
  KS_BACKUP_SOURCE_ERROR_UNSAFE_NAME,
  KS_BACKUP_SOURCE_ERROR_MISSING_FILE,
  KS_BACKUP_SOURCE_ERROR_SEVERAL_DEVICES,
} KsBackupSourceError;

GQuark ks_backup_source_error_quark (void);

#define KS_TYPE_BACKUP_SOURCE (ks_backup_source_get_type ())

G_DECLARE_FINAL_TYPE (KsBackupSource, ks_backup_source, KS, BACKUP_SOURCE, GObject)

gboolean        ks_backup_source_is_backup_folder (GFile           *folder);
GFile          *ks_backup_source_find_backup      (GFile           *folder,
                                                   GError         **error);

KsBackupSource *ks_backup_source_new              (GFile           *folder,
                                                   GError         **error);
void            ks_backup_source_open_async       (GFile               *folder,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
KsBackupSource *ks_backup_source_open_finish      (GAsyncResult        *result,
                                                   GError             **error);
guint64         ks_backup_source_measure          (KsBackupSource  *self,
                                                   GCancellable    *cancellable);
void            ks_backup_source_measure_async    (KsBackupSource      *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
guint64         ks_backup_source_measure_finish   (KsBackupSource  *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);
void            ks_backup_source_set_password     (KsBackupSource  *self,
                                                   const char      *password);
void            ks_backup_source_set_use_keyring  (KsBackupSource  *self,
                                                   gboolean         use_keyring);
gboolean        ks_backup_source_unlock           (KsBackupSource  *self,
                                                   GCancellable    *cancellable,
                                                   GError         **error);

GFile          *ks_backup_source_get_folder       (KsBackupSource  *self);
const char     *ks_backup_source_get_udid         (KsBackupSource  *self);
const char     *ks_backup_source_get_device_name  (KsBackupSource  *self);
const char     *ks_backup_source_get_product_type (KsBackupSource  *self);
gint64          ks_backup_source_get_date         (KsBackupSource  *self);
gboolean        ks_backup_source_get_encrypted    (KsBackupSource  *self);
gboolean        ks_backup_source_get_finished     (KsBackupSource  *self);

G_END_DECLS
