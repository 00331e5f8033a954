/* emu-backup-manifest.c
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

/* Scans the media root into backup entries and renders Manifest.db,
 * Manifest.plist and Status.plist the way iOS 10+ writes them. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "emu-backup-manifest.h"

/* Seconds between 1970-01-01 and 2001-01-01, the epoch of plist dates. */
#define MAC_EPOCH_OFFSET 978307200

/* iOS reports these for camera files whatever the host's umask was. */
#define IOS_FILE_MODE 0100644
#define IOS_DIR_MODE  0040755
#define IOS_MOBILE_UID 501
/* NSFileProtectionCompleteUntilFirstUserAuthentication, the class of
 * camera roll files. */
#define IOS_PROTECTION_CLASS 3

struct _EmuBackupManifest
{
  GPtrArray *entries;  /* EmuBackupEntry* */
  uint64_t   total_size;
};

char *
emu_backup_file_id (const char *domain,
                    const char *relative_path)
{
  g_autofree char *key = g_strconcat (domain, "-", relative_path, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA1, key, -1);
}

static void
entry_free (EmuBackupEntry *entry)
{
  g_free (entry->domain);
  g_free (entry->relative_path);
  g_free (entry->media_path);
  g_free (entry->local_path);
  g_free (entry->file_id);
  g_clear_pointer (&entry->encryption_key, g_bytes_unref);
  g_free (entry);
}

static EmuBackupEntry *
entry_new (const char        *domain,
           const char        *media_path,
           const char        *local_path,
           const struct stat *st)
{
  EmuBackupEntry *entry = g_new0 (EmuBackupEntry, 1);
  gboolean is_dir = S_ISDIR (st->st_mode);

  entry->domain = g_strdup (domain);
  entry->media_path = g_strdup (media_path);
  /* The AFC view is rooted at /private/var/mobile/Media; backups name the
   * same files relative to /private/var/mobile. */
  entry->relative_path = g_strconcat ("Media", media_path, NULL);
  entry->local_path = g_strdup (local_path);
  entry->file_id = emu_backup_file_id (domain, entry->relative_path);
  entry->flags = is_dir ? EMU_BACKUP_FLAG_DIRECTORY : EMU_BACKUP_FLAG_FILE;
  entry->size = is_dir ? 0 : (uint64_t) st->st_size;
  entry->mode = is_dir ? IOS_DIR_MODE : IOS_FILE_MODE;
  entry->inode = (uint64_t) st->st_ino;
  entry->mtime = (int64_t) st->st_mtime;
  entry->ctime = (int64_t) st->st_ctime;
  /* Linux stat has no birth time; the capture time the sample library sets
   * as mtime is the closest thing to it. */
  entry->birth = MIN (entry->mtime, entry->ctime);
  return entry;
}

static gboolean
scan_dir (EmuBackupManifest  *manifest,
          const char         *domain,
          const char         *media_path,
          const char         *local_path,
          GError            **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  dir = g_dir_open (local_path, 0, error);
  if (dir == NULL)
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_local = g_build_filename (local_path, name, NULL);
      g_autofree char *child_media = g_strconcat (media_path, "/", name, NULL);
      struct stat st;

      if (lstat (child_local, &st) != 0)
        continue;

      if (S_ISDIR (st.st_mode))
        {
          g_ptr_array_add (manifest->entries,
                           entry_new (domain, child_media, child_local, &st));
          if (!scan_dir (manifest, domain, child_media, child_local, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode) && access (child_local, R_OK) == 0)
        {
          g_ptr_array_add (manifest->entries,
                           entry_new (domain, child_media, child_local, &st));
          manifest->total_size += (uint64_t) st.st_size;
        }
    }

  return TRUE;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const EmuBackupEntry *ea = *(const EmuBackupEntry * const *) a;
  const EmuBackupEntry *eb = *(const EmuBackupEntry * const *) b;
  int r = strcmp (ea->domain, eb->domain);

  return r != 0 ? r : strcmp (ea->relative_path, eb->relative_path);
}

EmuBackupManifest *
emu_backup_manifest_scan (const char  *media_root,
                          GError     **error)
{
  static const struct { const char *top; const char *domain; } roots[] = {
    { "DCIM", EMU_BACKUP_DOMAIN_CAMERA_ROLL },
    { "PhotoData", EMU_BACKUP_DOMAIN_PHOTO_DATA },
  };
  g_autoptr(EmuBackupManifest) manifest = g_new0 (EmuBackupManifest, 1);
  struct stat st;

  g_return_val_if_fail (media_root != NULL, NULL);

  manifest->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);

  if (stat (media_root, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                   "Media root %s is not a directory", media_root);
      return NULL;
    }
  /* The "Media" directory itself, as iOS lists it in its domain. */
  {
    EmuBackupEntry *media = entry_new (EMU_BACKUP_DOMAIN_CAMERA_ROLL, "", media_root, &st);
    g_ptr_array_add (manifest->entries, media);
  }

  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      g_autofree char *local = g_build_filename (media_root, roots[i].top, NULL);
      g_autofree char *media = g_strconcat ("/", roots[i].top, NULL);

      if (lstat (local, &st) != 0 || !S_ISDIR (st.st_mode))
        continue;
      g_ptr_array_add (manifest->entries,
                       entry_new (roots[i].domain, media, local, &st));
      if (!scan_dir (manifest, roots[i].domain, media, local, error))
        return NULL;
    }

  g_ptr_array_sort (manifest->entries, compare_entries);
  return g_steal_pointer (&manifest);
}

void
emu_backup_manifest_free (EmuBackupManifest *manifest)
{
  if (manifest == NULL)
    return;
  g_clear_pointer (&manifest->entries, g_ptr_array_unref);
  g_free (manifest);
}

guint
emu_backup_manifest_get_n_entries (EmuBackupManifest *manifest)
{
  return manifest->entries->len;
}

const EmuBackupEntry *
emu_backup_manifest_get_entry (EmuBackupManifest *manifest,
                               guint              index)
{
  g_return_val_if_fail (index < manifest->entries->len, NULL);
  return g_ptr_array_index (manifest->entries, index);
}

uint64_t
emu_backup_manifest_get_total_size (EmuBackupManifest *manifest)
{
  return manifest->total_size;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
emu_backup_manifest_dup_prefixes (EmuBackupManifest *manifest)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *prefixes = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < manifest->entries->len; i++)
    {
      const EmuBackupEntry *entry = g_ptr_array_index (manifest->entries, i);
      char *prefix;

      if (entry->flags != EMU_BACKUP_FLAG_FILE)
        continue;
      prefix = g_strndup (entry->file_id, 2);
      if (g_hash_table_add (seen, prefix))
        g_ptr_array_add (prefixes, g_strdup (prefix));
    }
  g_ptr_array_sort (prefixes, compare_strings);
  return prefixes;
}

static GBytes *
plist_to_bytes (plist_t plist)
{
  char *bin = NULL;
  uint32_t len = 0;
  GBytes *bytes;

  plist_to_bin (plist, &bin, &len);
  bytes = g_bytes_new (bin, len);
  free (bin);
  return bytes;
}

GBytes *
emu_backup_entry_build_mbfile (const EmuBackupEntry *entry)
{
  plist_t archive = plist_new_dict ();
  plist_t objects = plist_new_array ();
  plist_t top = plist_new_dict ();
  plist_t file = plist_new_dict ();
  plist_t klass = plist_new_dict ();
  plist_t classes = plist_new_array ();
  GBytes *bytes;

  /* NSKeyedArchiver layout: $objects[0] is $null, [1] the MBFile, [2] its
   * RelativePath string, [3] the class description; UIDs point into it. */
  plist_dict_set_item (file, "LastModified", plist_new_uint ((uint64_t) entry->mtime));
  plist_dict_set_item (file, "Flags", plist_new_uint (0));
  plist_dict_set_item (file, "GroupID", plist_new_uint (IOS_MOBILE_UID));
  plist_dict_set_item (file, "LastStatusChange", plist_new_uint ((uint64_t) entry->ctime));
  plist_dict_set_item (file, "Birth", plist_new_uint ((uint64_t) entry->birth));
  plist_dict_set_item (file, "Size", plist_new_uint (entry->size));
  plist_dict_set_item (file, "InodeNumber", plist_new_uint (entry->inode));
  plist_dict_set_item (file, "$class", plist_new_uid (3));
  plist_dict_set_item (file, "UserID", plist_new_uint (IOS_MOBILE_UID));
  plist_dict_set_item (file, "Mode", plist_new_uint (entry->mode));
  plist_dict_set_item (file, "RelativePath", plist_new_uid (2));
  plist_dict_set_item (file, "ProtectionClass",
                       plist_new_uint (entry->flags == EMU_BACKUP_FLAG_FILE ? IOS_PROTECTION_CLASS : 0));

  plist_array_append_item (classes, plist_new_string ("MBFile"));
  plist_array_append_item (classes, plist_new_string ("NSObject"));
  plist_dict_set_item (klass, "$classes", classes);
  plist_dict_set_item (klass, "$classname", plist_new_string ("MBFile"));

  plist_array_append_item (objects, plist_new_string ("$null"));
  plist_array_append_item (objects, file);
  plist_array_append_item (objects, plist_new_string (entry->relative_path));
  plist_array_append_item (objects, klass);

  if (entry->encryption_key != NULL)
    {
      /* [4] the key as NSMutableData, [5] its class description. */
      plist_t data = plist_new_dict ();
      plist_t data_class = plist_new_dict ();
      plist_t data_classes = plist_new_array ();
      gsize len;
      const void *key = g_bytes_get_data (entry->encryption_key, &len);

      plist_dict_set_item (data, "NS.data", plist_new_data (key, len));
      plist_dict_set_item (data, "$class", plist_new_uid (5));
      plist_array_append_item (data_classes, plist_new_string ("NSMutableData"));
      plist_array_append_item (data_classes, plist_new_string ("NSData"));
      plist_array_append_item (data_classes, plist_new_string ("NSObject"));
      plist_dict_set_item (data_class, "$classes", data_classes);
      plist_dict_set_item (data_class, "$classname", plist_new_string ("NSMutableData"));
      plist_array_append_item (objects, data);
      plist_array_append_item (objects, data_class);
      plist_dict_set_item (file, "EncryptionKey", plist_new_uid (4));
    }

  plist_dict_set_item (top, "root", plist_new_uid (1));

  plist_dict_set_item (archive, "$version", plist_new_uint (100000));
  plist_dict_set_item (archive, "$objects", objects);
  plist_dict_set_item (archive, "$archiver", plist_new_string ("NSKeyedArchiver"));
  plist_dict_set_item (archive, "$top", top);

  bytes = plist_to_bytes (archive);
  plist_free (archive);
  return bytes;
}

static gboolean
sqlite_fail (sqlite3  *db,
             GError  **error)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "Manifest.db: %s",
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

gboolean
emu_backup_manifest_write_db (EmuBackupManifest *manifest,
                              const char        *path,
                              GError           **error)
{
  static const char schema[] =
    "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, "
    "flags INTEGER, file BLOB);"
    "CREATE INDEX FilesDomainIdx ON Files(domain);"
    "CREATE INDEX FilesRelativePathIdx ON Files(relativePath);"
    "CREATE INDEX FilesFlagsIdx ON Files(flags);"
    "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);";
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot replace %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    goto out;
  if (sqlite3_exec (db, schema, NULL, NULL, NULL) != SQLITE_OK
      || sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db,
                             "INSERT INTO Files (fileID, domain, relativePath, flags, file) "
                             "VALUES (?, ?, ?, ?, ?)",
                             -1, &stmt, NULL) != SQLITE_OK)
    goto out;

  for (guint i = 0; i < manifest->entries->len; i++)
    {
      const EmuBackupEntry *entry = g_ptr_array_index (manifest->entries, i);
      g_autoptr(GBytes) blob = emu_backup_entry_build_mbfile (entry);
      gsize blob_len;
      const void *blob_data = g_bytes_get_data (blob, &blob_len);

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, entry->file_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, entry->domain, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, entry->relative_path, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 4, entry->flags);
      sqlite3_bind_blob (stmt, 5, blob_data, (int) blob_len, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto out;
    }

  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto out;
  ok = TRUE;

out:
  if (!ok)
    sqlite_fail (db, error);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

static plist_t
new_date_now (void)
{
  gint64 now = g_get_real_time ();

  return plist_new_date ((int32_t) (now / G_USEC_PER_SEC - MAC_EPOCH_OFFSET),
                         (int32_t) (now % G_USEC_PER_SEC));
}

void
emu_backup_manifest_set_entry_key (EmuBackupManifest *manifest,
                                   guint              index,
                                   GBytes            *encryption_key,
                                   const uint8_t     *key)
{
  EmuBackupEntry *entry = g_ptr_array_index (manifest->entries, index);

  g_clear_pointer (&entry->encryption_key, g_bytes_unref);
  entry->encryption_key = g_bytes_ref (encryption_key);
  memcpy (entry->key, key, sizeof entry->key);
}

static GBytes *
build_manifest_plist (const EmuBackupIdentity *identity,
                      gboolean                 passcode_set,
                      GBytes                  *keybag_bytes,
                      GBytes                  *manifest_key)
{
  /* A keybag blob of the real size; unencrypted backups never unwrap it. */
  static const char keybag[] = "VERS\0\0\0\4\0\0\0\3TYPE\0\0\0\4\0\0\0\1";
  plist_t dict = plist_new_dict ();
  plist_t lockdown = plist_new_dict ();
  GBytes *bytes;

  plist_dict_set_item (lockdown, "ProductVersion", plist_new_string (identity->product_version));
  plist_dict_set_item (lockdown, "ProductType", plist_new_string (identity->product_type));
  plist_dict_set_item (lockdown, "BuildVersion", plist_new_string (identity->build_version));
  plist_dict_set_item (lockdown, "UniqueDeviceID", plist_new_string (identity->udid));
  plist_dict_set_item (lockdown, "SerialNumber", plist_new_string (identity->serial));
  plist_dict_set_item (lockdown, "DeviceName", plist_new_string (identity->device_name));

  if (keybag_bytes != NULL)
    plist_dict_set_item (dict, "BackupKeyBag",
                         plist_new_data (g_bytes_get_data (keybag_bytes, NULL), g_bytes_get_size (keybag_bytes)));
  else
    plist_dict_set_item (dict, "BackupKeyBag", plist_new_data (keybag, sizeof keybag - 1));
  if (manifest_key != NULL)
    plist_dict_set_item (dict, "ManifestKey",
                         plist_new_data (g_bytes_get_data (manifest_key, NULL), g_bytes_get_size (manifest_key)));
  plist_dict_set_item (dict, "Lockdown", lockdown);
  plist_dict_set_item (dict, "SystemDomainsVersion", plist_new_string ("24.0"));
  plist_dict_set_item (dict, "Version", plist_new_string ("10.0"));
  plist_dict_set_item (dict, "Date", new_date_now ());
  plist_dict_set_item (dict, "WasPasscodeSet", plist_new_bool (passcode_set));
  plist_dict_set_item (dict, "IsEncrypted", plist_new_bool (keybag_bytes != NULL));
  plist_dict_set_item (dict, "Applications", plist_new_dict ());

  bytes = plist_to_bytes (dict);
  plist_free (dict);
  return bytes;
}

GBytes *
emu_backup_build_manifest_plist (const EmuBackupIdentity *identity,
                                 gboolean                 passcode_set)
{
  return build_manifest_plist (identity, passcode_set, NULL, NULL);
}

GBytes *
emu_backup_build_encrypted_manifest_plist (const EmuBackupIdentity *identity,
                                           gboolean                 passcode_set,
                                           GBytes                  *keybag,
                                           GBytes                  *manifest_key)
{
  return build_manifest_plist (identity, passcode_set, keybag, manifest_key);
}

GBytes *
emu_backup_build_status_plist (const char *snapshot_state,
                               const char *uuid,
                               gboolean    full)
{
  plist_t dict = plist_new_dict ();
  GBytes *bytes;

  plist_dict_set_item (dict, "BackupState", plist_new_string ("new"));
  plist_dict_set_item (dict, "Date", new_date_now ());
  plist_dict_set_item (dict, "IsFullBackup", plist_new_bool (full ? 1 : 0));
  plist_dict_set_item (dict, "SnapshotState", plist_new_string (snapshot_state));
  plist_dict_set_item (dict, "UUID", plist_new_string (uuid));
  plist_dict_set_item (dict, "Version", plist_new_string ("3.3"));

  bytes = plist_to_bytes (dict);
  plist_free (dict);
  return bytes;
}
