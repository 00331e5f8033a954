/* test-backup-manifest.c
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

/* The backup manifest builder on its own: file ids, the scan of a media
 * root, Manifest.db rows and MBFile blobs read back with sqlite and
 * libplist, and the two status plists. */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "emu-backup-manifest.h"
#include "ks-test-emulator.h"

static void
write_file (const char *root,
            const char *rel,
            gsize       size)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = g_malloc (size + 1);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (char) (i * 31 + size);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
}

static void
test_file_id (void)
{
  g_autofree char *photos = emu_backup_file_id ("CameraRollDomain", "Media/PhotoData/Photos.sqlite");

  /* The fileID every forensic tool knows for Photos.sqlite. */
  g_assert_cmpstr (photos, ==, "12b144c0bd44f2b3dffd9186d3f9c05b917cee25");
}

static plist_t
mbfile_root (const void *blob,
             int         len,
             plist_t    *archive_out)
{
  plist_t archive = NULL;
  plist_t objects;
  plist_t top;
  uint64_t uid = 0;

  plist_from_bin (blob, (uint32_t) len, &archive);
  g_assert_nonnull (archive);
  objects = plist_dict_get_item (archive, "$objects");
  top = plist_dict_get_item (archive, "$top");
  g_assert_nonnull (objects);
  g_assert_nonnull (top);
  plist_get_uid_val (plist_dict_get_item (top, "root"), &uid);
  *archive_out = archive;
  return plist_array_get_item (objects, (uint32_t) uid);
}

static uint64_t
dict_uint (plist_t     dict,
           const char *key)
{
  plist_t node = plist_dict_get_item (dict, key);
  uint64_t v = G_MAXUINT64;

  g_assert_nonnull (node);
  g_assert_cmpint (plist_get_node_type (node), ==, PLIST_UINT);
  plist_get_uint_val (node, &v);
  return v;
}

static void
test_scan_and_db (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("test-backup-manifest-XXXXXX", &error);
  g_autofree char *media = g_build_filename (root, "media", NULL);
  g_autofree char *db_path = g_build_filename (root, "Manifest.db", NULL);
  g_autofree char *link = g_build_filename (media, "DCIM", "100APPLE", "LINK.JPG", NULL);
  g_autoptr(EmuBackupManifest) manifest = NULL;
  g_autoptr(GPtrArray) prefixes = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint files = 0;
  guint dirs = 0;
  guint rows = 0;

  g_assert_no_error (error);
  write_file (media, "DCIM/100APPLE/IMG_0001.HEIC", 300000);
  write_file (media, "DCIM/100APPLE/IMG_0002.MOV", 0);
  write_file (media, "DCIM/101APPLE/IMG_0100.JPG", 1234);
  write_file (media, "PhotoData/Photos.sqlite", 4096);
  write_file (media, "Books/iBooksData2.plist", 10);  /* not in a photo backup */
  g_assert_cmpint (symlink ("IMG_0001.HEIC", link), ==, 0);

  manifest = emu_backup_manifest_scan (media, &error);
  g_assert_no_error (error);
  g_assert_nonnull (manifest);
  g_assert_cmpuint (emu_backup_manifest_get_total_size (manifest), ==, 300000 + 0 + 1234 + 4096);

  for (guint i = 0; i < emu_backup_manifest_get_n_entries (manifest); i++)
    {
      const EmuBackupEntry *e = emu_backup_manifest_get_entry (manifest, i);
      g_autofree char *id = emu_backup_file_id (e->domain, e->relative_path);

      g_assert_cmpstr (e->file_id, ==, id);
      g_assert_cmpstr (e->domain, ==, "CameraRollDomain");
      g_assert_true (g_str_has_prefix (e->relative_path, "Media"));
      g_assert_null (strstr (e->relative_path, "Books"));
      g_assert_null (strstr (e->relative_path, "LINK"));
      if (e->flags == EMU_BACKUP_FLAG_FILE)
        files++;
      else
        dirs++;
    }
  g_assert_cmpuint (files, ==, 4);
  /* Media, Media/DCIM, 100APPLE, 101APPLE, Media/PhotoData */
  g_assert_cmpuint (dirs, ==, 5);

  prefixes = emu_backup_manifest_dup_prefixes (manifest);
  g_assert_cmpuint (prefixes->len, >=, 1);
  g_assert_cmpuint (prefixes->len, <=, 4);
  for (guint i = 1; i < prefixes->len; i++)
    g_assert_cmpint (strcmp (prefixes->pdata[i - 1], prefixes->pdata[i]), <, 0);

  g_assert_true (emu_backup_manifest_write_db (manifest, db_path, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT fileID, domain, relativePath, flags, file "
                                           "FROM Files ORDER BY relativePath", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *rel = (const char *) sqlite3_column_text (stmt, 2);
      int flags = sqlite3_column_int (stmt, 3);
      plist_t archive = NULL;
      plist_t mbfile = mbfile_root (sqlite3_column_blob (stmt, 4), sqlite3_column_bytes (stmt, 4),
                                    &archive);
      plist_t objects = plist_dict_get_item (archive, "$objects");
      uint64_t path_uid = 0;
      char *stored_rel = NULL;

      rows++;
      plist_get_uid_val (plist_dict_get_item (mbfile, "RelativePath"), &path_uid);
      plist_get_string_val (plist_array_get_item (objects, (uint32_t) path_uid), &stored_rel);
      g_assert_cmpstr (stored_rel, ==, rel);
      free (stored_rel);

      if (g_str_equal (rel, "Media/DCIM/100APPLE/IMG_0001.HEIC"))
        {
          g_autofree char *local = g_build_filename (media, "DCIM/100APPLE/IMG_0001.HEIC", NULL);
          GStatBuf st;

          g_assert_cmpint (g_stat (local, &st), ==, 0);
          g_assert_cmpint (flags, ==, EMU_BACKUP_FLAG_FILE);
          g_assert_cmpuint (dict_uint (mbfile, "Size"), ==, 300000);
          g_assert_cmpuint (dict_uint (mbfile, "Mode"), ==, 0100644);
          g_assert_cmpuint (dict_uint (mbfile, "LastModified"), ==, (uint64_t) st.st_mtime);
          g_assert_cmpuint (dict_uint (mbfile, "UserID"), ==, 501);
          g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==,
                           "78564230ecf97df163e76713ce779e028c679bb6");
        }
      if (g_str_equal (rel, "Media/DCIM"))
        {
          g_assert_cmpint (flags, ==, EMU_BACKUP_FLAG_DIRECTORY);
          g_assert_cmpuint (dict_uint (mbfile, "Mode"), ==, 040755);
        }
      plist_free (archive);
    }
  g_assert_cmpuint (rows, ==, files + dirs);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  ks_test_remove_tree (root);
}

static void
test_missing_root (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmuBackupManifest) manifest = emu_backup_manifest_scan ("/nonexistent/keepsake-media", &error);

  g_assert_null (manifest);
  g_assert_nonnull (error);
}

static void
test_plists (void)
{
  EmuBackupIdentity identity = {
    .udid = "00008030-001A35E80C41802E", .device_name = "Test", .product_type = "iPhone15,2",
    .product_version = "17.5", .build_version = "21F79", .serial = "F2LXYZ",
  };
  g_autoptr(GBytes) manifest = emu_backup_build_manifest_plist (&identity, FALSE);
  g_autoptr(GBytes) status = emu_backup_build_status_plist ("finished", "0AA17B22-C624-4668-B501-8E267C36B872", TRUE);
  plist_t dict = NULL;
  char *s = NULL;
  uint8_t b = 1;

  plist_from_bin (g_bytes_get_data (manifest, NULL), (uint32_t) g_bytes_get_size (manifest), &dict);
  g_assert_nonnull (dict);
  plist_get_string_val (plist_dict_get_item (plist_dict_get_item (dict, "Lockdown"), "UniqueDeviceID"), &s);
  g_assert_cmpstr (s, ==, identity.udid);
  free (s);
  plist_get_bool_val (plist_dict_get_item (dict, "IsEncrypted"), &b);
  g_assert_false (b);
  plist_free (dict);

  dict = NULL;
  plist_from_bin (g_bytes_get_data (status, NULL), (uint32_t) g_bytes_get_size (status), &dict);
  g_assert_nonnull (dict);
  plist_get_string_val (plist_dict_get_item (dict, "SnapshotState"), &s);
  g_assert_cmpstr (s, ==, "finished");
  free (s);
  g_assert_cmpint (plist_get_node_type (plist_dict_get_item (dict, "Date")), ==, PLIST_DATE);
  plist_free (dict);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Keepsake/Emulator/backup-manifest/file-id", test_file_id);
  g_test_add_func ("/Keepsake/Emulator/backup-manifest/scan-and-db", test_scan_and_db);
  g_test_add_func ("/Keepsake/Emulator/backup-manifest/missing-root", test_missing_root);
  g_test_add_func ("/Keepsake/Emulator/backup-manifest/plists", test_plists);
  return g_test_run ();
}
