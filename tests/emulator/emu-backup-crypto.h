/* emu-backup-crypto.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Encrypted backups as iOS 10.2+ writes them (--backup-password): a backup keybag whose class
 * keys are wrapped (RFC 3394) with PBKDF2-SHA1(PBKDF2-SHA256(password, DPSL, DPIC), SALT,
 * ITER); Manifest.db and every file encrypted with AES-256-CBC (zero IV, PKCS#7 padding) under
 * their own random key, wrapped with a class key and stored as "class (4 bytes, little-endian)
 * + wrapped key" (Manifest.plist ManifestKey, MBFile EncryptionKey). */

#pragma once

#include <stdint.h>

#include <glib.h>

#define EMU_BACKUP_KEY_SIZE 32

typedef struct _EmuBackupCrypto EmuBackupCrypto;

EmuBackupCrypto *emu_backup_crypto_new              (const char      *password);
void             emu_backup_crypto_free             (EmuBackupCrypto *crypto);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuBackupCrypto, emu_backup_crypto_free)

/* Manifest.plist's BackupKeyBag and ManifestKey. */
GBytes          *emu_backup_crypto_get_keybag       (EmuBackupCrypto *crypto);
GBytes          *emu_backup_crypto_get_manifest_key (EmuBackupCrypto *crypto);
/* A new random file key in @key; returns its EncryptionKey blob (class + wrapped key). */
GBytes          *emu_backup_crypto_new_file_key     (EmuBackupCrypto *crypto,
                                                     uint32_t         protection_class,
                                                     uint8_t         *key);
/* Encrypts the file @in_path into @out_path with @key (or the Manifest.db key if NULL). */
gboolean         emu_backup_crypto_encrypt_file     (EmuBackupCrypto *crypto,
                                                     const uint8_t   *key,
                                                     const char      *in_path,
                                                     const char      *out_path,
                                                     GError         **error);
