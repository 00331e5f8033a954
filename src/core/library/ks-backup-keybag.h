/* ks-backup-keybag.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupKeybag: the keys of an encrypted device backup (Manifest.plist's BackupKeyBag). The
 * backup password unlocks its class keys (PBKDF2-SHA256, then PBKDF2-SHA1, as iOS 10.2 and
 * later do); a class key unwraps (RFC 3394) the key of Manifest.db and of each file. Keys live
 * in memory only and are wiped when the keybag is freed. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_BACKUP_KEY_SIZE 32

typedef struct _KsBackupKeybag KsBackupKeybag;

KsBackupKeybag *ks_backup_keybag_new      (const guint8    *data,
                                           gsize            length,
                                           GError         **error);
void            ks_backup_keybag_free     (KsBackupKeybag  *self);
gboolean        ks_backup_keybag_unlock   (KsBackupKeybag  *self,
                                           const char      *password,
                                           GError         **error);
gboolean        ks_backup_keybag_unwrap   (KsBackupKeybag  *self,
                                           guint32          protection_class,
                                           const guint8    *wrapped,
                                           gsize            wrapped_length,
                                           guint8          *out_key,
                                           GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsBackupKeybag, ks_backup_keybag_free)

G_END_DECLS
