/* test-backup-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupSource's parts on their own: the backup file stream (plain and AES-CBC) reads the
 * same bytes at any offset; the keybag survives hostile blobs and tells a wrong password; a
 * backup folder built here is walked with its Live Photo and edit grouped as on the phone,
 * its files read back, and the one function that finds the backup picks the newest finished
 * snapshot of one device and refuses a folder holding several devices. The end-to-end cases
 * (idevicebackup2's backups, hostile rows, encryption) are in tests/cli. */

#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <plist/plist.h>
#include <sqlite3.h>

#include "emu-backup-crypto.h"
#include "ks-asset-grouper.h"
#include "ks-backup-file-stream.h"
#include "ks-backup-keybag.h"
#include "ks-backup-source.h"

static GBytes *
random_bytes (GRand *rand,
              gsize  size)
{
  guint8 *data = g_malloc (size + 1);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, size);
}

static char *
write_temp (const char *dir,
            const char *name,
            GBytes     *bytes)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  return path;
}

static void
check_random_reads (GInputStream *stream,
                    GBytes       *expected,
                    GRand        *rand)
{
  gsize size;
  const guint8 *want = g_bytes_get_data (expected, &size);
  guint8 buf[70000];

  for (guint round = 0; round < 60; round++)
    {
      goffset at = size ? g_rand_int_range (rand, 0, (gint32) size + 1) : 0;
      gsize count = (gsize) g_rand_int_range (rand, 1, sizeof buf);
      gssize n;

      g_assert_true (g_seekable_seek (G_SEEKABLE (stream), at, G_SEEK_SET, NULL, NULL));
      g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, at);
      n = g_input_stream_read (stream, buf, count, NULL, NULL);
      g_assert_cmpint (n, ==, (gssize) MIN (count, size - (gsize) at));
      g_assert_true (n == 0 || memcmp (buf, want + at, (gsize) n) == 0);
    }

  /* Whole, from the start, to the end. */
  {
    g_autoptr(GByteArray) all = g_byte_array_new ();
    gssize n;

    g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, NULL));
    while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, NULL)) > 0)
      g_byte_array_append (all, buf, (guint) n);
    g_assert_cmpint (n, ==, 0);
    g_assert_cmpmem (all->data, all->len, want, size);
  }
}

static void
test_stream (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ks-backup-stream-XXXXXX", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(EmuBackupCrypto) crypto = emu_backup_crypto_new ("pw");
  const gsize sizes[] = { 0, 1, 15, 16, 17, 4096, 100003 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) plain = random_bytes (rand, sizes[i]);
      g_autofree char *plain_path = write_temp (dir, "plain", plain);
      g_autofree char *enc_path = g_build_filename (dir, "enc", NULL);
      g_autoptr(GInputStream) s1 = NULL;
      g_autoptr(GInputStream) s2 = NULL;
      guint8 key[EMU_BACKUP_KEY_SIZE];
      g_autoptr(GBytes) wrapped = emu_backup_crypto_new_file_key (crypto, 3, key);
      GStatBuf st;

      s1 = ks_backup_file_stream_new (g_open (plain_path, O_RDONLY, 0), sizes[i], NULL);
      check_random_reads (s1, plain, rand);

      g_assert_true (emu_backup_crypto_encrypt_file (crypto, key, plain_path, enc_path, NULL));
      g_assert_cmpint (g_stat (enc_path, &st), ==, 0);
      g_assert_cmpint (st.st_size, ==, (sizes[i] / 16 + 1) * 16);
      s2 = ks_backup_file_stream_new (g_open (enc_path, O_RDONLY, 0), sizes[i], key);
      check_random_reads (s2, plain, rand);

      g_unlink (plain_path);
      g_unlink (enc_path);
    }
  g_rmdir (dir);
}

static void
test_keybag (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(EmuBackupCrypto) crypto = emu_backup_crypto_new ("secret");
  GBytes *good = emu_backup_crypto_get_keybag (crypto);
  gsize len;
  const guint8 *data = g_bytes_get_data (good, &len);
  GBytes *mk = emu_backup_crypto_get_manifest_key (crypto);
  const guint8 *mkd = g_bytes_get_data (mk, NULL);
  guint8 key[KS_BACKUP_KEY_SIZE];

  /* Garbage, cut short, or with lying lengths: an error, never a crash. */
  for (guint round = 0; round < 300; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GByteArray) bad = g_byte_array_new ();
      g_autoptr(KsBackupKeybag) bag = NULL;

      g_byte_array_append (bad, data, (guint) len);
      if (round % 3 == 0)
        g_byte_array_set_size (bad, (guint) g_rand_int_range (rand, 0, (gint32) len));
      for (guint j = 0; j < 1 + round % 5; j++)
        bad->data[g_rand_int_range (rand, 0, (gint32) MAX (bad->len, 1))] ^= (guint8) g_rand_int (rand);
      if (bad->len == 0)
        continue;
      bag = ks_backup_keybag_new (bad->data, bad->len, &error);
      if (bag == NULL)
        {
          g_assert_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED);
          continue;
        }
      /* A flipped iteration count could ask for hours: only unlock those that kept it. */
      if (round % 10 == 1 && memmem (bad->data, bad->len, "ITER\0\0\0\4\0\0\x27\x10", 12) != NULL &&
          memmem (bad->data, bad->len, "DPIC\0\0\0\4\0\0\x4e\x20", 12) != NULL &&
          !ks_backup_keybag_unlock (bag, "secret", &error))
        g_assert_true (error->domain == KS_BACKUP_SOURCE_ERROR);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KsBackupKeybag) bag = ks_backup_keybag_new (data, len, &error);

    g_assert_no_error (error);
    g_assert_false (ks_backup_keybag_unlock (bag, "Secret", &error));
    g_assert_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD);
    g_clear_error (&error);
    /* Still locked: nothing unwraps. */
    g_assert_false (ks_backup_keybag_unwrap (bag, 4, mkd + 4, 40, key, &error));
    g_clear_error (&error);
    g_assert_true (ks_backup_keybag_unlock (bag, "secret", &error));
    g_assert_true (ks_backup_keybag_unwrap (bag, 4, mkd + 4, 40, key, &error));
    g_assert_no_error (error);
    /* The wrong class, or a damaged wrapped key, does not. */
    g_assert_false (ks_backup_keybag_unwrap (bag, 3, mkd + 4, 40, key, &error));
    g_clear_error (&error);
    g_assert_false (ks_backup_keybag_unwrap (bag, 4, mkd + 4, 39, key, &error));
    g_clear_error (&error);
  }
}

/* --- a backup folder built here ------------------------------------------------------------- */

static GBytes *
mbfile (guint64 size,
        guint64 mtime)
{
  plist_t archive = plist_new_dict ();
  plist_t objects = plist_new_array ();
  plist_t top = plist_new_dict ();
  plist_t file = plist_new_dict ();
  char *bin = NULL;
  uint32_t len = 0;
  GBytes *bytes;

  plist_dict_set_item (file, "Size", plist_new_uint (size));
  plist_dict_set_item (file, "LastModified", plist_new_uint (mtime));
  plist_array_append_item (objects, plist_new_string ("$null"));
  plist_array_append_item (objects, file);
  plist_dict_set_item (top, "root", plist_new_uid (1));
  plist_dict_set_item (archive, "$objects", objects);
  plist_dict_set_item (archive, "$top", top);
  plist_to_bin (archive, &bin, &len);
  bytes = g_bytes_new (bin, len);
  free (bin);
  plist_free (archive);
  return bytes;
}

static void
write_plist (const char *dir,
             const char *name,
             plist_t     dict)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *xml = NULL;
  uint32_t len = 0;

  plist_to_xml (dict, &xml, &len);
  g_assert_true (g_file_set_contents (path, xml, len, NULL));
  free (xml);
  plist_free (dict);
}

/* A backup of @udid in @dir with the files @rels (relative to DCIM), each holding its own name. */
static void
make_backup (const char  *dir,
             const char  *udid,
             const char  *state,
             gint64       date,
             const char **rels)
{
  g_autofree char *db_path = g_build_filename (dir, "Manifest.db", NULL);
  plist_t info = plist_new_dict ();
  plist_t status = plist_new_dict ();
  sqlite3 *db = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  plist_dict_set_item (info, "Unique Identifier", plist_new_string (udid));
  plist_dict_set_item (info, "Device Name", plist_new_string ("Anna’s iPhone"));
  plist_dict_set_item (info, "Product Type", plist_new_string ("iPhone15,2"));
  write_plist (dir, "Info.plist", info);
  plist_dict_set_item (status, "SnapshotState", plist_new_string (state));
  plist_dict_set_item (status, "Date", plist_new_date ((int32_t) (date - 978307200), 0));
  write_plist (dir, "Status.plist", status);

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, "
                                 "relativePath TEXT, flags INTEGER, file BLOB)", NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; rels[i] != NULL; i++)
    {
      g_autofree char *rel = g_strconcat ("Media/DCIM/", rels[i], NULL);
      g_autofree char *key = g_strconcat ("CameraRollDomain-", rel, NULL);
      g_autofree char *id = g_compute_checksum_for_string (G_CHECKSUM_SHA1, key, -1);
      g_autofree char *sub = g_strndup (id, 2);
      g_autofree char *subdir = g_build_filename (dir, sub, NULL);
      g_autofree char *path = g_build_filename (subdir, id, NULL);
      g_autoptr(GBytes) blob = mbfile (strlen (rels[i]), 1700000000 + i);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (g_mkdir_with_parents (subdir, 0755), ==, 0);
      g_assert_true (g_file_set_contents (path, rels[i], -1, NULL));
      g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO Files VALUES (?, 'CameraRollDomain', ?, 1, ?)",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, rel, -1, SQLITE_STATIC);
      sqlite3_bind_blob (stmt, 3, g_bytes_get_data (blob, NULL), (int) g_bytes_get_size (blob), SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_finalize (stmt);
    }
  /* Not camera roll, and a folder row: never reported. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO Files VALUES ('aa', 'HomeDomain', 'Media/DCIM/x.JPG', 1, NULL);"
                                 "INSERT INTO Files VALUES ('bb', 'CameraRollDomain', 'Media/DCIM/100APPLE', 2, NULL);"
                                 "INSERT INTO Files VALUES ('cc', 'CameraRollDomain', 'Media/PhotoData/Photos.sqlite', 1, NULL);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static gboolean
collect_cb (KsSource           *source,
            const KsSourceFile *file,
            gpointer            user_data)
{
  g_ptr_array_add (user_data, ks_source_file_copy (file));
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
test_folder (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("ks-backup-source-XXXXXX", NULL);
  g_autofree char *snaps = g_build_filename (tmp, "snapshots", NULL);
  g_autofree char *old = g_build_filename (snaps, "1", NULL);
  g_autofree char *newest = g_build_filename (snaps, "2", NULL);
  g_autofree char *broken = g_build_filename (snaps, "3", NULL);
  const char *old_files[] = { "100APPLE/IMG_0001.HEIC", NULL };
  const char *files[] = { "100APPLE/IMG_0001.HEIC", "100APPLE/IMG_0001.MOV", "100APPLE/IMG_E0001.HEIC",
                          "100APPLE/IMG_0002.JPG", "101APPLE/IMG_0100.PNG", NULL };
  g_autoptr(GFile) snaps_file = g_file_new_for_path (snaps);
  g_autoptr(GFile) found = NULL;
  g_autoptr(KsBackupSource) source = NULL;
  g_autoptr(GPtrArray) walked = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  make_backup (old, "UDID-A", "finished", 1700000000, old_files);
  make_backup (newest, "UDID-A", "finished", 1750000000, files);
  make_backup (broken, "UDID-A", "uploading", 1760000000, old_files);

  /* Snapshots of one device: the newest finished one. */
  g_assert_true (ks_backup_source_is_backup_folder (snaps_file));
  found = ks_backup_source_find_backup (snaps_file, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_file_peek_path (found), ==, newest);

  source = ks_backup_source_new (snaps_file, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_backup_source_get_udid (source), ==, "UDID-A");
  g_assert_cmpstr (ks_backup_source_get_device_name (source), ==, "Anna’s iPhone");
  g_assert_cmpstr (ks_backup_source_get_product_type (source), ==, "iPhone15,2");
  g_assert_cmpint (ks_backup_source_get_date (source), ==, 1750000000);
  g_assert_false (ks_backup_source_get_encrypted (source));
  g_assert_true (ks_backup_source_get_finished (source));
  name = ks_source_dup_display_name (KS_SOURCE (source));
  g_assert_cmpstr (name, ==, "Anna’s iPhone");

  /* Walked newest folder first, grouped as on the phone: the Live movie and the edit go with
   * their photo. Twice: the second walk reads Manifest.db again. */
  for (guint pass = 0; pass < 2; pass++)
    {
      g_ptr_array_set_size (walked, 0);
      g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_cb, walked, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (walked->len, ==, 5);
      g_assert_cmpstr (((KsSourceFile *) walked->pdata[0])->path, ==, "101APPLE/IMG_0100.PNG");
      g_assert_cmpstr (((KsSourceFile *) walked->pdata[1])->path, ==, "100APPLE/IMG_0001.HEIC");
      g_assert_cmpuint (((KsSourceFile *) walked->pdata[1])->size, ==, strlen (files[0]));
      g_assert_cmpint (((KsSourceFile *) walked->pdata[1])->mtime, ==, 1700000000);
    }
  assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), walked);
  g_assert_cmpuint (assets->len, ==, 3);

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GInputStream) stream = ks_source_open_file (KS_SOURCE (source), files[i], NULL, &error);
      char buf[64] = { 0 };

      g_assert_no_error (error);
      g_assert_true (G_IS_SEEKABLE (stream));
      g_assert_cmpint (g_input_stream_read (stream, buf, sizeof buf, NULL, NULL), ==, strlen (files[i]));
      g_assert_cmpstr (buf, ==, files[i]);
    }
  {
    g_autoptr(GInputStream) stream = ks_source_open_file (KS_SOURCE (source), "100APPLE/NOPE.JPG", NULL, &error);

    g_assert_null (stream);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_true (ks_source_is_present (KS_SOURCE (source)));

  /* A second device next to them: which one is meant cannot be guessed. */
  {
    g_autofree char *other = g_build_filename (snaps, "4", NULL);
    g_autoptr(KsBackupSource) none = NULL;

    make_backup (other, "UDID-B", "finished", 1790000000, old_files);
    g_assert_true (ks_backup_source_is_backup_folder (snaps_file));
    none = ks_backup_source_new (snaps_file, &error);
    g_assert_null (none);
    g_assert_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_SEVERAL_DEVICES);
    g_assert_nonnull (strstr (error->message, "several devices"));
    g_clear_error (&error);
  }

  /* A folder of photos that also holds other things is not a backup folder. */
  {
    g_autoptr(GFile) tmp_file = g_file_new_for_path (tmp);
    g_autofree char *photo = g_build_filename (tmp, "IMG_0001.JPG", NULL);

    g_assert_true (g_file_set_contents (photo, "x", 1, NULL));
    g_assert_false (ks_backup_source_is_backup_folder (tmp_file));
  }
  remove_tree (tmp);
  g_assert_false (ks_source_is_present (KS_SOURCE (source)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/BackupSource/stream", test_stream);
  g_test_add_func ("/Keepsake/BackupSource/keybag", test_keybag);
  g_test_add_func ("/Keepsake/BackupSource/folder", test_folder);

  return g_test_run ();
}
