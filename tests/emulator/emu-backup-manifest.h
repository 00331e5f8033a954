/* emu-backup-manifest.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What an iOS 10+ backup of the emulated iPhone's media contains: the file
 * list scanned from the media root (DCIM and PhotoData), the backup file
 * names (SHA-1 of "Domain-relativePath"), and the Manifest.db (with MBFile
 * NSKeyedArchiver blobs), Manifest.plist and Status.plist built from it. */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <plist/plist.h>

/* iOS keeps both the camera roll and the photo library under this domain
 * (Photos.sqlite is the well-known fileID 12b144c0…, which is the SHA-1 of
 * "CameraRollDomain-Media/PhotoData/Photos.sqlite"). */
#define EMU_BACKUP_DOMAIN_CAMERA_ROLL "CameraRollDomain"
#define EMU_BACKUP_DOMAIN_PHOTO_DATA  "CameraRollDomain"

/* Manifest.db Files.flags values. */
#define EMU_BACKUP_FLAG_FILE      1
#define EMU_BACKUP_FLAG_DIRECTORY 2

typedef struct
{
  char     *domain;         /* "CameraRollDomain" */
  char     *relative_path;  /* "Media/DCIM/100APPLE/IMG_0001.HEIC" */
  char     *media_path;     /* AFC view: "/DCIM/100APPLE/IMG_0001.HEIC" */
  char     *local_path;     /* absolute path on this machine */
  char     *file_id;        /* 40 lowercase hex digits */
  int       flags;          /* EMU_BACKUP_FLAG_* */
  uint64_t  size;
  uint32_t  mode;           /* st_mode as iOS reports it (0100644, 040755) */
  uint64_t  inode;
  int64_t   mtime;          /* seconds since 1970 */
  int64_t   ctime;
  int64_t   birth;
  GBytes   *encryption_key; /* encrypted backups: MBFile EncryptionKey (class + wrapped key) */
  uint8_t   key[32];        /* ... and the file's AES key */
} EmuBackupEntry;

/* The device identity Manifest.plist records under "Lockdown". */
typedef struct
{
  const char *udid;
  const char *device_name;
  const char *product_type;
  const char *product_version;
  const char *build_version;
  const char *serial;
} EmuBackupIdentity;

typedef struct _EmuBackupManifest EmuBackupManifest;

/* SHA-1 hex of "@domain-@relative_path", the name of the file in the
 * backup (stored as <UDID>/<id[:2]>/<id>).  Free with g_free(). */
char              *emu_backup_file_id                 (const char *domain,
                                                        const char *relative_path);

/* Walks @media_root/DCIM and @media_root/PhotoData (either may be
 * missing).  Regular files and directories only; symlinks and unreadable
 * files are left out, as iOS leaves out what it cannot back up.  Entries are
 * sorted by relative path. */
EmuBackupManifest *emu_backup_manifest_scan           (const char  *media_root,
                                                        GError     **error);
void               emu_backup_manifest_free           (EmuBackupManifest *manifest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuBackupManifest, emu_backup_manifest_free)

guint              emu_backup_manifest_get_n_entries  (EmuBackupManifest *manifest);
const EmuBackupEntry *emu_backup_manifest_get_entry   (EmuBackupManifest *manifest,
                                                        guint              index);
/* Encrypted backups: the key of entry @index (see emu-backup-crypto.h). */
void               emu_backup_manifest_set_entry_key  (EmuBackupManifest *manifest,
                                                        guint              index,
                                                        GBytes            *encryption_key,
                                                        const uint8_t     *key);
/* Sum of the sizes of the regular files. */
uint64_t           emu_backup_manifest_get_total_size (EmuBackupManifest *manifest);
/* The distinct "xx" prefixes of the file ids of regular files, sorted. */
GPtrArray         *emu_backup_manifest_dup_prefixes   (EmuBackupManifest *manifest);

/* The NSKeyedArchiver binary plist of one entry's MBFile, as iOS stores it
 * in Manifest.db Files.file. */
GBytes            *emu_backup_entry_build_mbfile      (const EmuBackupEntry *entry);

/* Writes a fresh Manifest.db (iOS 10+ schema) at @path. */
gboolean           emu_backup_manifest_write_db       (EmuBackupManifest *manifest,
                                                        const char        *path,
                                                        GError           **error);
/* Binary plists, as a device uploads them. */
GBytes            *emu_backup_build_manifest_plist    (const EmuBackupIdentity *identity,
                                                        gboolean                 passcode_set);
/* The same for an encrypted backup (IsEncrypted, BackupKeyBag, ManifestKey). */
GBytes            *emu_backup_build_encrypted_manifest_plist (const EmuBackupIdentity *identity,
                                                               gboolean                 passcode_set,
                                                               GBytes                  *keybag,
                                                               GBytes                  *manifest_key);
/* @snapshot_state: "uploading" while files flow, "finished" at the end;
 * @full: IsFullBackup (false for an incremental backup). */
GBytes            *emu_backup_build_status_plist      (const char *snapshot_state,
                                                        const char *uuid,
                                                        gboolean    full);
