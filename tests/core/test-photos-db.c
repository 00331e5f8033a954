/* test-photos-db.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsPhotosDb against the sample library's Photos.sqlite of each iOS release (13 to 18): the
 * flags, albums and iCloud-only counts are what the generator wrote; then broken and hostile
 * files (missing, truncated, garbage, unknown layout, views, triggers, huge rows, a deep
 * schema) fail with an error, without a crash, a hang or a write. The emulated iPhone part:
 * a backup copies every original on the phone (DCIM and PhotoData/CPLAssets) and no
 * iCloud-only one, with no errors, and a phone whose database is garbage or a lone -wal is
 * backed up from DCIM as before. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-asset.h"
#include "ks-asset-grouper.h"
#include "ks-backup-plan.h"
#include "ks-catalog.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-import-job.h"
#include "ks-photos-db.h"
#include "ks-test-emulator.h"
#include "test-engine-util.h"

static char *
make_library_ios (const char *dir,
                  guint       ios,
                  guint       count)
{
  g_autofree char *count_s = g_strdup_printf ("%u", count);
  g_autofree char *ios_s = g_strdup_printf ("%u", ios);
  g_autofree char *manifest = g_build_filename (dir, "manifest.ini", NULL);
  g_autofree char *media = g_build_filename (dir, "media", NULL);
  const char *argv[] = { g_getenv ("KS_SAMPLE_LIBRARY"), "--out", media, "--count", count_s, "--fast",
                         "--ios", ios_s, "--manifest", manifest, "--threads", "2", NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (argv[0]);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&manifest);
}

/* The phone's files into a private folder, as ks_photos_db_fetch() would. */
static char *
copy_db (const char *media,
         const char *private_dir)
{
  static const char *suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *dest = g_build_filename (private_dir, "Photos.sqlite", NULL);

  g_assert_cmpint (g_mkdir_with_parents (private_dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (media, "/PhotoData/Photos.sqlite", suffixes[i], NULL);
      g_autofree char *to = g_strconcat (dest, suffixes[i], NULL);
      g_autofree char *data = NULL;
      gsize len;

      if (!g_file_get_contents (from, &data, &len, NULL))
        continue;
      g_assert_true (g_file_set_contents (to, data, len, NULL));
    }
  return g_steal_pointer (&dest);
}

static guint
count_flag (KsPhotosDb   *db,
            KsAssetFlags  flag,
            KsAssetFlags  without)
{
  guint n = 0;

  for (guint i = 0; i < ks_photos_db_get_n_assets (db); i++)
    {
      const KsPhotosDbAsset *a = ks_photos_db_get_asset (db, i);

      n += (a->flags & flag) == flag && (a->flags & without) == 0;
    }
  return n;
}

static void
assert_count (GKeyFile   *manifest,
              const char *key,
              guint       value)
{
  g_autoptr(GError) error = NULL;
  int expected = g_key_file_get_integer (manifest, "library", key, &error);

  g_assert_no_error (error);
  if ((guint) expected != value)
    g_error ("%s: expected %d, read %u", key, expected, value);
}

static void
test_versions (void)
{
  for (guint ios = 13; ios <= 18; ios++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *tmp = g_dir_make_tmp ("ks-photos-db-XXXXXX", &error);
      g_autofree char *manifest_path = make_library_ios (tmp, ios, 24);
      g_autofree char *media = g_build_filename (tmp, "media", NULL);
      g_autofree char *private_dir = g_build_filename (tmp, "private", NULL);
      g_autofree char *db_path = copy_db (media, private_dir);
      g_autoptr(GKeyFile) manifest = g_key_file_new ();
      g_autoptr(KsPhotosDb) db = NULL;
      g_auto(GStrv) album_keys = NULL;
      guint64 bytes = 0;
      guint n_icloud;

      g_test_message ("iOS %u", ios);
      g_assert_true (g_key_file_load_from_file (manifest, manifest_path, 0, NULL));
      db = ks_photos_db_open (db_path, NULL, &error);
      g_assert_no_error (error);

      assert_count (manifest, "assets", ks_photos_db_get_n_assets (db));
      assert_count (manifest, "favorites", count_flag (db, KS_ASSET_FLAG_FAVORITE, 0));
      assert_count (manifest, "hidden", count_flag (db, KS_ASSET_FLAG_HIDDEN, 0));
      assert_count (manifest, "trashed", count_flag (db, KS_ASSET_FLAG_TRASHED, 0));
      assert_count (manifest, "screenshots", count_flag (db, KS_ASSET_FLAG_SCREENSHOT, 0));
      assert_count (manifest, "screen_recordings", count_flag (db, KS_ASSET_FLAG_SCREEN_RECORDING, 0));
      assert_count (manifest, "selfies", count_flag (db, KS_ASSET_FLAG_SELFIE, 0));
      assert_count (manifest, "live", count_flag (db, KS_ASSET_FLAG_LIVE, 0));
      assert_count (manifest, "burst_chosen", count_flag (db, KS_ASSET_FLAG_BURST | KS_ASSET_FLAG_BURST_CHOSEN, 0));
      assert_count (manifest, "burst_other", count_flag (db, KS_ASSET_FLAG_BURST, KS_ASSET_FLAG_BURST_CHOSEN));
      assert_count (manifest, "shared_library", count_flag (db, KS_ASSET_FLAG_SHARED_LIBRARY, 0));
      assert_count (manifest, "cpl", count_flag (db, KS_ASSET_FLAG_OUTSIDE_DCIM, 0));
      /* Uploaded to iCloud Photos, on the phone too: an offsite copy for the 3-2-1 rule. */
      assert_count (manifest, "in_icloud", count_flag (db, KS_ASSET_FLAG_IN_ICLOUD, KS_ASSET_FLAG_ICLOUD_ONLY));
      g_assert_cmpuint (count_flag (db, KS_ASSET_FLAG_IN_ICLOUD | KS_ASSET_FLAG_ICLOUD_ONLY, 0), ==, 0);
      n_icloud = ks_photos_db_get_icloud_only (db, &bytes);
      assert_count (manifest, "icloud_only", n_icloud);
      assert_count (manifest, "icloud_only", count_flag (db, KS_ASSET_FLAG_ICLOUD_ONLY, 0));
      g_assert_cmpuint (bytes, ==, g_key_file_get_uint64 (manifest, "library", "icloud_only_bytes", NULL));
      g_assert_cmpuint (n_icloud, >=, 3);
      if (ios >= 16)
        g_assert_cmpuint (count_flag (db, KS_ASSET_FLAG_SHARED_LIBRARY, 0), >, 0);

      /* The user's albums, with their folders: no trashed album, no import session. */
      album_keys = g_key_file_get_keys (manifest, "albums", NULL, NULL);
      g_assert_cmpuint (ks_photos_db_get_n_albums (db), ==, g_strv_length (album_keys));
      for (guint i = 0; album_keys[i] != NULL; i++)
        {
          gboolean found = FALSE;

          for (guint k = 0; k < ks_photos_db_get_n_albums (db); k++)
            {
              const KsPhotosDbAlbum *album = ks_photos_db_get_album (db, k);

              if (g_strcmp0 (album->path, album_keys[i]) != 0)
                continue;
              found = TRUE;
              g_assert_cmpint ((int) album->count, ==, g_key_file_get_integer (manifest, "albums", album_keys[i], NULL));
            }
          if (!found)
            g_error ("iOS %u: album %s not read", ios, album_keys[i]);
        }

      /* Every asset the phone holds is a file there; none of the iCloud-only ones is. */
      for (guint i = 0; i < ks_photos_db_get_n_assets (db); i++)
        {
          const KsPhotosDbAsset *a = ks_photos_db_get_asset (db, i);
          g_autofree char *path = g_build_filename (media, a->path, NULL);

          g_assert_cmpint (g_file_test (path, G_FILE_TEST_IS_REGULAR), ==, !(a->flags & KS_ASSET_FLAG_ICLOUD_ONLY));
          g_assert_cmpint (a->capture_time, >, 1500000000);
          if (a->flags & KS_ASSET_FLAG_TRASHED)
            g_assert_cmpint (a->trashed_time, >, a->capture_time);
          if (a->flags & KS_ASSET_FLAG_OUTSIDE_DCIM)
            g_assert_true (g_str_has_prefix (a->path, "PhotoData/CPLAssets/group"));
        }
      g_assert_nonnull (strstr (ks_photos_db_get_schema (db), ios == 13 ? "ZGENERICASSET" : "ZASSET"));

      rm_rf (tmp);
    }
}

/* ---- broken and hostile files ---- */

static void
write_sql_db (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s", msg);
  sqlite3_close (db);
}

static void
assert_fails_unchanged (const char *path,
                        int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPhotosDb) db = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 started = g_get_monotonic_time ();

  before = g_file_test (path, G_FILE_TEST_EXISTS) ? hash_path (path) : NULL;
  db = ks_photos_db_open (path, NULL, &error);
  g_assert_null (db);
  g_assert_error (error, KS_PHOTOS_DB_ERROR, code);
  g_assert_nonnull (error->message);
  after = g_file_test (path, G_FILE_TEST_EXISTS) ? hash_path (path) : NULL;
  g_assert_cmpstr (before, ==, after);
  /* Bounded work: far under the reader's own time budget. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 100 * G_USEC_PER_SEC);
}

static void
test_broken (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-photos-db-bad-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (tmp, "missing.sqlite", NULL);
  g_autofree char *garbage = g_build_filename (tmp, "garbage.sqlite", NULL);
  g_autofree char *truncated = g_build_filename (tmp, "truncated.sqlite", NULL);
  g_autofree char *unknown = g_build_filename (tmp, "unknown.sqlite", NULL);
  g_autofree char *lone_wal = g_build_filename (tmp, "lonewal.sqlite", NULL);
  g_autofree char *lone_wal_file = g_strconcat (lone_wal, "-wal", NULL);
  g_autofree char *manifest = make_library_ios (tmp, 15, 20);
  g_autofree char *media = g_build_filename (tmp, "media", NULL);
  g_autofree char *real_dir = g_build_filename (tmp, "real", NULL);
  g_autofree char *real = copy_db (media, real_dir);
  g_autofree char *data = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint8 junk[8192];
  gsize len;

  assert_fails_unchanged (missing, KS_PHOTOS_DB_ERROR_MISSING);

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int (rand);
  g_assert_true (g_file_set_contents (garbage, (char *) junk, sizeof junk, NULL));
  assert_fails_unchanged (garbage, KS_PHOTOS_DB_ERROR_UNREADABLE);

  /* The first pages of a real one (the -wal left behind). */
  g_assert_true (g_file_get_contents (real, &data, &len, NULL));
  g_assert_cmpuint (len, >, 8192);
  g_assert_true (g_file_set_contents (truncated, data, 6000, NULL));
  {
    g_autoptr(KsPhotosDb) db = ks_photos_db_open (truncated, NULL, &error);

    g_assert_null (db);
    g_assert_error (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_UNREADABLE);
    g_clear_error (&error);
  }

  /* A -wal without its database: there is no database. */
  {
    g_autofree char *wal = NULL;
    g_autofree char *wal_path = g_strconcat (real, "-wal", NULL);

    g_assert_true (g_file_get_contents (wal_path, &wal, &len, NULL));
    g_assert_true (g_file_set_contents (lone_wal_file, wal, len, NULL));
    assert_fails_unchanged (lone_wal, KS_PHOTOS_DB_ERROR_MISSING);
  }

  write_sql_db (unknown, "CREATE TABLE ZPHOTO (Z_PK INTEGER PRIMARY KEY, ZNAME TEXT);"
                         "INSERT INTO ZPHOTO VALUES (1, 'IMG_0001.HEIC');");
  assert_fails_unchanged (unknown, KS_PHOTOS_DB_ERROR_SCHEMA);

  rm_rf (tmp);
}

static void
test_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-photos-db-hostile-XXXXXX", &error);
  g_autofree char *view = g_build_filename (tmp, "view.sqlite", NULL);
  g_autofree char *trigger = g_build_filename (tmp, "trigger.sqlite", NULL);
  g_autofree char *huge = g_build_filename (tmp, "huge.sqlite", NULL);
  g_autofree char *deep = g_build_filename (tmp, "deep.sqlite", NULL);
  g_autofree char *loop = g_build_filename (tmp, "loop.sqlite", NULL);
  g_autoptr(GString) deep_sql = g_string_new ("CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZDIRECTORY TEXT, "
                                              "ZFILENAME TEXT CHECK (ZFILENAME <> ");

  /* The asset table is a view that would never end (a recursive CTE): views are off. */
  write_sql_db (view, "CREATE VIEW ZASSET (Z_PK, ZDIRECTORY, ZFILENAME) AS "
                      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                      "SELECT x, 'DCIM/100APPLE', 'IMG_' || x || '.HEIC' FROM c;");
  assert_fails_unchanged (view, KS_PHOTOS_DB_ERROR_SCHEMA);

  /* Triggers that would write, and a function call in a default: nothing runs or changes. */
  write_sql_db (trigger, "CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZDIRECTORY TEXT, ZFILENAME TEXT);"
                         "CREATE TABLE LOG (x);"
                         "INSERT INTO ZASSET VALUES (1, 'DCIM/100APPLE', 'IMG_0001.HEIC');"
                         "CREATE TRIGGER t1 AFTER UPDATE ON ZASSET BEGIN INSERT INTO LOG VALUES (1); END;"
                         "CREATE TRIGGER t2 AFTER INSERT ON ZASSET BEGIN DELETE FROM ZASSET; END;");
  {
    g_autofree char *before = hash_path (trigger);
    g_autoptr(KsPhotosDb) db = ks_photos_db_open (trigger, NULL, &error);
    g_autofree char *after = NULL;

    /* Readable (the trigger is just never run), and the file is as it was. */
    g_assert_no_error (error);
    g_assert_cmpuint (ks_photos_db_get_n_assets (db), ==, 1);
    g_assert_nonnull (ks_photos_db_lookup (db, "DCIM/100APPLE/IMG_0001.HEIC"));
    after = hash_path (trigger);
    g_assert_cmpstr (before, ==, after);
  }

  /* A 5 MB file name: too big to read, refused, not a crash or a 5 MB string. */
  write_sql_db (huge, "CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZDIRECTORY TEXT, ZFILENAME TEXT);"
                      "INSERT INTO ZASSET VALUES (1, 'DCIM/100APPLE', zeroblob(5000000));");
  assert_fails_unchanged (huge, KS_PHOTOS_DB_ERROR_UNREADABLE);

  /* A schema nested deeper than the reader accepts. */
  g_string_append (deep_sql, "1");
  for (guint i = 0; i < 400; i++)
    g_string_append (deep_sql, "+1");
  g_string_append (deep_sql, "));");
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (deep, &db), ==, SQLITE_OK);
    sqlite3_limit (db, SQLITE_LIMIT_EXPR_DEPTH, 10000);
    g_assert_cmpint (sqlite3_exec (db, deep_sql->str, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  assert_fails_unchanged (deep, KS_PHOTOS_DB_ERROR_UNREADABLE);

  /* Folders that are each other's parent, and paths that try to climb out of the media root. */
  write_sql_db (loop, "CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZDIRECTORY TEXT, ZFILENAME TEXT);"
                      "INSERT INTO ZASSET VALUES (1, 'DCIM/../../etc', 'passwd');"
                      "INSERT INTO ZASSET VALUES (2, '/etc', 'shadow');"
                      "INSERT INTO ZASSET VALUES (3, 'DCIM/100APPLE', '../x.JPG');"
                      "INSERT INTO ZASSET VALUES (4, 'DCIM/100APPLE', 'IMG_0004.JPG');"
                      "CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);"
                      "INSERT INTO Z_PRIMARYKEY VALUES (3, 'Asset', 0, 0), (26, 'Album', 0, 0);"
                      "CREATE TABLE ZGENERICALBUM (Z_PK INTEGER PRIMARY KEY, ZKIND INTEGER, ZPARENTFOLDER INTEGER, "
                      "ZTRASHEDSTATE INTEGER, ZTITLE TEXT);"
                      "INSERT INTO ZGENERICALBUM VALUES (1, 4000, 2, 0, 'A'), (2, 4000, 1, 0, 'B'), (3, 2, 1, 0, 'Loop');"
                      "CREATE TABLE \"Z_26ASSETS\" (Z_26ALBUMS INTEGER, Z_3ASSETS INTEGER);"
                      "INSERT INTO Z_26ASSETS VALUES (3, 4);");
  {
    g_autoptr(KsPhotosDb) db = ks_photos_db_open (loop, NULL, &error);
    const KsPhotosDbAsset *a;

    g_assert_no_error (error);
    g_assert_cmpuint (ks_photos_db_get_n_assets (db), ==, 1);
    a = ks_photos_db_get_asset (db, 0);
    g_assert_cmpstr (a->path, ==, "DCIM/100APPLE/IMG_0004.JPG");
    g_assert_nonnull (a->albums);
    g_assert_true (g_str_has_suffix (a->albums[0], "Loop"));
    g_assert_cmpuint (ks_photos_db_get_n_albums (db), ==, 1);
  }

  rm_rf (tmp);
}

/* ---- on the emulated iPhone ---- */

typedef struct
{
  char           *tmp;
  char           *media;
  char           *dest;
  char           *manifest;
  KsCatalog      *catalog;
  KsTestEmulator *emu;
  char           *udid;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *catalog_path = NULL;

  f->tmp = g_dir_make_tmp ("ks-photos-library-XXXXXX", &error);
  g_assert_no_error (error);
  f->manifest = make_library_ios (f->tmp, GPOINTER_TO_UINT (data), 24);
  f->media = g_build_filename (f->tmp, "media", NULL);
  f->dest = g_build_filename (f->tmp, "dest", NULL);
  catalog_path = g_build_filename (f->tmp, "catalog.db", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);

  f->emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Library iPhone", NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok "));
  f->udid = g_strdup (reply + 3);
  f->catalog = ks_catalog_new (catalog_path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->emu, ks_test_emulator_free);
  g_clear_object (&f->catalog);
  rm_rf (f->tmp);
  g_free (f->udid);
  g_free (f->tmp);
  g_free (f->media);
  g_free (f->dest);
  g_free (f->manifest);
}

static KsImportResult *
backup (Fixture         *f,
        KsDeviceSource  *source)
{
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(GError) error = NULL;
  KsImportResult *result;

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  return result;
}

/* Names of the files under @dir (recursively), without their folders. */
static GHashTable *
base_names (const char *dir)
{
  g_autoptr(GHashTable) files = list_files (dir);
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (names, g_path_get_basename (key));
  return names;
}

static void
test_device_backup (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, "Library iPhone");
  g_autoptr(KsImportResult) result = NULL;
  g_autofree char *dcim = g_build_filename (f->media, "DCIM", NULL);
  g_autofree char *cpl = g_build_filename (f->media, "PhotoData", "CPLAssets", NULL);
  g_autoptr(GHashTable) dcim_files = list_files (dcim);
  g_autoptr(GHashTable) cpl_names = base_names (cpl);
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(KsPhotosDb) library = NULL;
  g_autoptr(GKeyFile) manifest = g_key_file_new ();
  GHashTableIter iter;
  gpointer key;

  g_assert_true (g_key_file_load_from_file (manifest, f->manifest, 0, NULL));
  g_assert_cmpuint (g_hash_table_size (cpl_names), >=, 2);

  result = backup (f, source);
  g_assert_cmpstr (result->status, ==, "completed");
  g_assert_cmpuint (result->failed, ==, 0);
  g_assert_null (result->errors->len ? result->errors : NULL);
  /* Every file on the phone, DCIM and CPLAssets; the iCloud-only ones counted apart. */
  g_assert_cmpuint (result->copied, ==, g_hash_table_size (dcim_files) + g_hash_table_size (cpl_names));
  g_assert_cmpint ((int) result->not_on_device, ==, g_key_file_get_integer (manifest, "library", "icloud_only", NULL));
  g_assert_cmpuint (result->not_on_device_bytes, ==, g_key_file_get_uint64 (manifest, "library", "icloud_only_bytes", NULL));

  stored = base_names (f->dest);
  g_hash_table_iter_init (&iter, cpl_names);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (stored, key));

  library = ks_source_dup_library (KS_SOURCE (source));
  g_assert_nonnull (library);
  for (guint i = 0; i < ks_photos_db_get_n_assets (library); i++)
    {
      const KsPhotosDbAsset *a = ks_photos_db_get_asset (library, i);
      g_autofree char *name = g_path_get_basename (a->path);

      if (a->flags & KS_ASSET_FLAG_ICLOUD_ONLY)
        g_assert_false (g_hash_table_contains (stored, name));
    }

  /* Annotated assets: favourites and albums as the library says. */
  {
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
    g_autoptr(GPtrArray) assets = NULL;
    guint favorites = 0, family = 0;
    g_autoptr(GError) error = NULL;

    g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
    g_assert_no_error (error);
    assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), files);
    ks_source_annotate_assets (KS_SOURCE (source), assets);
    for (guint i = 0; i < assets->len; i++)
      {
        KsAsset *asset = g_ptr_array_index (assets, i);
        KsAssetFlags flags = ks_asset_get_flags (asset);

        g_assert_true (flags & KS_ASSET_FLAG_IN_LIBRARY);
        favorites += (flags & KS_ASSET_FLAG_FAVORITE) != 0;
        family += ks_asset_is_in_album (asset, "Family") && !(flags & (KS_ASSET_FLAG_TRASHED | KS_ASSET_FLAG_HIDDEN));
      }
    /* The library's favourites, less those only in iCloud. */
    g_assert_cmpuint (favorites, ==, count_flag (library, KS_ASSET_FLAG_FAVORITE, KS_ASSET_FLAG_ICLOUD_ONLY));
    g_assert_cmpuint (favorites, >, 0);
    g_assert_cmpuint (family, >, 0);
  }

  /* Unchanged on the phone: the same library, not read again. */
  {
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
    g_autoptr(KsPhotosDb) again = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
    again = ks_source_dup_library (KS_SOURCE (source));
    g_assert_true (again == library);
  }

  /* Changed on the phone (every asset a favourite now): read again. */
  {
    g_autofree char *db_path = g_build_filename (f->media, "PhotoData", "Photos.sqlite", NULL);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
    g_autoptr(KsPhotosDb) changed = NULL;
    g_autoptr(GError) error = NULL;
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE ZASSET SET ZFAVORITE = 1", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);

    g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
    changed = ks_source_dup_library (KS_SOURCE (source));
    g_assert_nonnull (changed);
    g_assert_true (changed != library);
    g_assert_cmpuint (count_flag (changed, KS_ASSET_FLAG_FAVORITE, 0), ==, ks_photos_db_get_n_assets (changed));

    /* The older copy is gone: one folder for this phone, with the new copy and no leftovers. */
    {
      g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), USER_DIR_NAME, "photos-library", f->udid, NULL);
      g_autoptr(GDir) dir = g_dir_open (cache, 0, NULL);
      const char *name;
      guint n = 0;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *db_copy = g_build_filename (cache, name, "Photos.sqlite", NULL);

          g_assert_false (g_str_has_prefix (name, "tmp-"));
          g_assert_true (g_file_test (db_copy, G_FILE_TEST_IS_REGULAR));
          n++;
        }
      g_assert_cmpuint (n, ==, 1);
    }
  }
}

/* The plan's options leave out Recently Deleted and Hidden: none of their files is copied,
 * everything else is, and the iCloud-only count leaves them out too. */
static void
test_device_skip (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, "Library iPhone");
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsPhotosDb) library = NULL;
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GError) error = NULL;
  guint want = 0, left_out = 0, cloud = 0;

  plan = ks_backup_plan_new (f->catalog, &error);
  g_assert_no_error (error);
  g_assert_true (ks_backup_plan_get_import_flags (plan) == KS_IMPORT_FLAGS_NONE);
  g_object_set (plan, "include-recently-deleted", FALSE, "include-hidden", FALSE, NULL);
  g_assert_cmpint (ks_backup_plan_get_import_flags (plan), ==, KS_IMPORT_FLAGS_SKIP_TRASHED | KS_IMPORT_FLAGS_SKIP_HIDDEN);

  /* What the options keep, from the phone's own listing and library. */
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
  g_assert_no_error (error);
  assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), files);
  ks_source_annotate_assets (KS_SOURCE (source), assets);
  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);
      guint n = ks_asset_get_files (asset)->len;

      if (ks_asset_get_flags (asset) & (KS_ASSET_FLAG_TRASHED | KS_ASSET_FLAG_HIDDEN))
        left_out += n;
      else
        want += n;
    }
  g_assert_cmpuint (left_out, >, 0);
  library = ks_source_dup_library (KS_SOURCE (source));
  for (guint i = 0; i < ks_photos_db_get_n_assets (library); i++)
    {
      KsAssetFlags flags = ks_photos_db_get_asset (library, i)->flags;

      cloud += (flags & KS_ASSET_FLAG_ICLOUD_ONLY) && !(flags & (KS_ASSET_FLAG_TRASHED | KS_ASSET_FLAG_HIDDEN));
    }

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  ks_import_job_set_flags (job, ks_backup_plan_get_import_flags (plan));
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->status, ==, "completed");
  g_assert_cmpuint (result->copied, ==, want);
  g_assert_cmpuint (result->not_on_device, ==, cloud);
  stored = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (stored), ==, want);
}

/* A garbage Photos.sqlite, or a -wal without its database, leaves the DCIM backup as it was. */
static void
test_device_fallback (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->media, "PhotoData", "Photos.sqlite", NULL);
  g_autofree char *cpl = g_build_filename (f->media, "PhotoData", "CPLAssets", NULL);
  g_autofree char *dcim = g_build_filename (f->media, "DCIM", NULL);
  g_autoptr(GHashTable) dcim_files = list_files (dcim);
  gboolean lone_wal = g_str_has_suffix (g_test_get_path (), "lone-wal");

  rm_rf (cpl);
  if (lone_wal)
    g_assert_cmpint (g_unlink (db), ==, 0);
  else
    g_assert_true (g_file_set_contents (db, "this is not a database, at all, not even close", -1, NULL));

  {
    g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, "Library iPhone");
    g_autoptr(KsImportResult) result = backup (f, source);
    g_autoptr(KsPhotosDb) library = ks_source_dup_library (KS_SOURCE (source));

    g_assert_null (library);
    g_assert_cmpstr (result->status, ==, "completed");
    g_assert_cmpuint (result->failed, ==, 0);
    g_assert_cmpuint (result->copied, ==, g_hash_table_size (dcim_files));
    g_assert_cmpuint (result->not_on_device, ==, 0);
    assert_backup_complete (dcim, f->dest);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = g_dir_make_tmp ("ks-photos-db-cache-XXXXXX", NULL);
  int ret;

  /* The device source keeps its copy of the database in the user's cache: a temporary one. */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/PhotosDb/versions", test_versions);
  g_test_add_func ("/Keepsake/PhotosDb/broken", test_broken);
  g_test_add_func ("/Keepsake/PhotosDb/hostile", test_hostile);
  g_test_add ("/Keepsake/PhotosDb/device/backup-ios14", Fixture, GUINT_TO_POINTER (14),
              fixture_setup, test_device_backup, fixture_teardown);
  g_test_add ("/Keepsake/PhotosDb/device/backup-ios18", Fixture, GUINT_TO_POINTER (18),
              fixture_setup, test_device_backup, fixture_teardown);
  g_test_add ("/Keepsake/PhotosDb/device/skip-trashed-hidden", Fixture, GUINT_TO_POINTER (16),
              fixture_setup, test_device_skip, fixture_teardown);
  g_test_add ("/Keepsake/PhotosDb/device/garbage", Fixture, GUINT_TO_POINTER (17),
              fixture_setup, test_device_fallback, fixture_teardown);
  g_test_add ("/Keepsake/PhotosDb/device/lone-wal", Fixture, GUINT_TO_POINTER (16),
              fixture_setup, test_device_fallback, fixture_teardown);

  ret = g_test_run ();
  rm_rf (cache);
  return ret;
}
