/* test-engine-device.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The import job with the emulated iPhone as its source, through the real
 * libimobiledevice: a full backup arrives byte for byte, a second one copies nothing,
 * a cable pulled mid-file stops the run cleanly and the next run finishes it, and one
 * unreadable file is that file's error, not the run's. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-import-job.h"
#include "ks-safe-name.h"
#include "ks-test-emulator.h"

#include "test-engine-util.h"

typedef struct
{
  char           *tmp;
  char           *media;
  char           *dcim;
  char           *dest;
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

  f->tmp = g_dir_make_tmp ("ks-engine-device-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->tmp, "media", NULL);
  f->dcim = g_build_filename (f->media, "DCIM", NULL);
  f->dest = g_build_filename (f->tmp, "dest", NULL);
  catalog_path = g_build_filename (f->tmp, "catalog.db", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);

  make_library (f->media, 16, 3);

  f->emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Engine iPhone", NULL);
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
  g_free (f->dcim);
  g_free (f->dest);
}

static KsImportResult *
run_import (Fixture  *f,
            GError  **error)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, "Engine iPhone");
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);

  return ks_import_job_run (job, NULL, error);
}

static void
control_ok (Fixture    *f,
            const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (f->emu, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

static void
test_device_backup (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) media_files = list_files (f->dcim);
  g_autofree char *source_rows = NULL;
  guint n = g_hash_table_size (media_files);

  g_assert_cmpuint (n, >=, 16);

  first = run_import (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, n);
  g_assert_cmpuint (first->failed, ==, 0);
  assert_backup_complete (f->dcim, f->dest);
  assert_no_temp_files (f->dest);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM copies"), ==, n);

  source_rows = g_strdup_printf ("SELECT count(*) FROM source_files WHERE source_id = 'device:%s'", f->udid);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, source_rows), ==, n);

  /* Unchanged phone: planned from the catalog alone, nothing copied. */
  second = run_import (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, n);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n);
}

static void
test_device_detached (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) failed = NULL;
  g_autoptr(KsImportResult) resumed = NULL;
  g_autoptr(GHashTable) media_files = list_files (f->dcim);
  g_autoptr(GHashTable) partial = NULL;
  guint n = g_hash_table_size (media_files);
  guint n_partial;

  /* The cable goes after ~150 kB of file data. */
  control_ok (f, "fail-after 150000");
  failed = run_import (f, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST);
  g_assert_null (failed);
  g_clear_error (&error);

  assert_no_temp_files (f->dest);
  partial = list_files (f->dest);
  n_partial = g_hash_table_size (partial);
  g_assert_cmpuint (n_partial, <, n);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n_partial);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM copies"), ==, n_partial);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM runs WHERE status = 'failed'"), ==, 1);

  /* Plugged back in: the rest arrives, nothing twice. */
  control_ok (f, "attach");
  resumed = run_import (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed->copied, ==, n - n_partial);
  g_assert_cmpuint (resumed->skipped, ==, n_partial);
  assert_backup_complete (f->dcim, f->dest);
}

static void
test_device_hostile_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-engine-hostile-XXXXXX", &error);
  g_autofree char *media = g_build_filename (tmp, "media", NULL);
  g_autofree char *inner = g_build_filename (tmp, "inner", NULL);
  g_autofree char *dest_path = g_build_filename (inner, "dest", NULL);
  g_autofree char *photo = g_build_filename (media, "DCIM", "100APPLE", "IMG_0001.JPG", NULL);
  g_autofree char *catalog_path = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *reply = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsDeviceSource) source = NULL;
  g_autoptr(KsFolderDestination) dest = NULL;
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) stored = NULL;
  g_autofree char *photo_dir = g_path_get_dirname (photo);
  GHashTableIter iter;
  const char *rel;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dest_path, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (photo_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (photo, "not really a jpeg", -1, NULL));

  /* The phone lists names that try to climb out, hide, or break other filesystems. */
  emu = ks_test_emulator_new (&error, "--device", media, "--name", "Hostile", "--hostile-names", NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (emu, "udid", &error);
  g_assert_no_error (error);

  catalog = ks_catalog_new (catalog_path, &error);
  g_assert_no_error (error);
  source = ks_device_source_new (reply + 3, "Hostile");
  dest = ks_folder_destination_new (dest_path);
  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, >=, 1);

  /* Every name stored is safe, and it is all inside the destination. */
  stored = list_files (dest_path);
  g_hash_table_iter_init (&iter, stored);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, NULL))
    {
      g_auto(GStrv) parts = g_strsplit (rel, "/", -1);

      for (guint i = 0; parts[i]; i++)
        if (!ks_safe_name_is_safe (parts[i]))
          g_error ("unsafe name stored: %s", rel);
    }
  {
    g_autoptr(GDir) d = g_dir_open (inner, 0, NULL);

    g_assert_cmpstr (g_dir_read_name (d), ==, "dest");
    g_assert_null (g_dir_read_name (d));
  }
  g_assert_false (g_file_test ("/etc/passwd.JPG", G_FILE_TEST_EXISTS));
  {
    g_autofree char *escaped = g_build_filename (tmp, "escape.JPG", NULL);
    g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  }
  assert_no_temp_files (dest_path);

  /* Same bytes under every hostile name: stored once. */
  g_assert_cmpuint (g_hash_table_size (stored), ==, 1);

  g_clear_pointer (&emu, ks_test_emulator_free);
  rm_rf (tmp);
}

/* Through AFC too, a video whose moov sits after a large mdat is filed by its own date,
 * not by the file time the phone reports. */
static void
test_device_date_at_end (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GBytes) movie = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *path = g_build_filename (f->dcim, "100APPLE", "IMG_9000.MOV", NULL);
  g_autofree char *hash = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *stored = NULL;
  struct timespec old[2] = { { 978350400, 0 }, { 978350400, 0 } };  /* 2001-01-01 */
  const gint64 created = 1552205700;                                 /* 2019-03-10 */
  GHashTableIter iter;
  const char *rel, *full;

  movie = make_late_moov_mov (created, 7);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (movie, NULL), g_bytes_get_size (movie), &error));
  g_assert_no_error (error);
  g_assert_cmpint (utimensat (AT_FDCWD, path, old, 0), ==, 0);
  hash = hash_path (path);

  result = run_import (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->failed, ==, 0);
  assert_backup_complete (f->dcim, f->dest);

  dest_files = list_files (f->dest);
  g_hash_table_iter_init (&iter, dest_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&full))
    {
      g_autofree char *h = hash_path (full);

      if (g_strcmp0 (h, hash) == 0)
        stored = g_strdup (rel);
    }
  g_assert_nonnull (stored);

  date = g_date_time_new_from_unix_local (created);
  expected = g_date_time_format (date, "%Y/%m/");
  g_assert_true (g_str_has_prefix (stored, expected));
  g_assert_true (g_str_has_suffix (stored, "IMG_9000.MOV"));
}

/* An evicted "Optimize iPhone Storage" original (listed, reads fail): the others are copied
 * byte for byte, it is a per-file error with its path, nothing of it is written or recorded;
 * once it reads again the next run copies just that file. */
static void
test_device_read_error (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) media_files = list_files (f->dcim);
  g_autoptr(GHashTable) dest_hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) copied = NULL;
  g_autoptr(GList) keys = NULL;
  g_autofree char *command = NULL;
  g_autofree char *bad_hash = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *stats = NULL;
  g_autofree char *needle = NULL;
  const char *bad = NULL;
  KsImportFileError *fe;
  GHashTableIter iter;
  const char *rel, *full;
  guint n = g_hash_table_size (media_files);

  /* The first HEIC by name whose content no other file shares. */
  keys = g_list_sort (g_hash_table_get_keys (media_files), (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL && bad == NULL; l = l->next)
    if (g_str_has_suffix (l->data, ".HEIC"))
      bad = l->data;
  g_assert_nonnull (bad);
  bad_hash = hash_path (g_hash_table_lookup (media_files, bad));
  g_hash_table_iter_init (&iter, media_files);
  while (g_hash_table_iter_next (&iter, (gpointer *) &rel, (gpointer *) &full))
    if (g_strcmp0 (rel, bad) != 0)
      {
        g_autofree char *h = hash_path (full);
        g_assert_cmpstr (h, !=, bad_hash);
      }

  command = g_strdup_printf ("read-error /DCIM/%s", bad);
  control_ok (f, command);
  first = run_import (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, n - 1);
  g_assert_cmpuint (first->failed, ==, 1);
  g_assert_cmpstr (first->status, ==, "completed-with-errors");
  g_assert_cmpuint (first->errors->len, ==, 1);
  fe = g_ptr_array_index (first->errors, 0);
  g_assert_cmpstr (fe->path, ==, bad);
  g_assert_null (fe->destination_id);
  g_assert_nonnull (fe->message);
  assert_no_temp_files (f->dest);

  copied = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (copied), ==, n - 1);
  g_hash_table_iter_init (&iter, copied);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &full))
    g_hash_table_add (dest_hashes, hash_path (full));
  g_hash_table_iter_init (&iter, media_files);
  while (g_hash_table_iter_next (&iter, (gpointer *) &rel, (gpointer *) &full))
    {
      g_autofree char *h = hash_path (full);

      g_assert_true (g_hash_table_contains (dest_hashes, h) == (g_strcmp0 (rel, bad) != 0));
    }
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM copies"), ==, n - 1);
  sql = g_strdup_printf ("SELECT count(*) FROM copies WHERE hash = '%s'", bad_hash);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, sql), ==, 0);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n - 1);

  /* Back on the phone: only that file is read and copied. */
  control_ok (f, "clear-read-errors");
  control_ok (f, "reset-stats");
  second = run_import (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 1);
  g_assert_cmpuint (second->skipped, ==, n - 1);
  g_assert_cmpuint (second->failed, ==, 0);
  assert_backup_complete (f->dcim, f->dest);
  assert_no_temp_files (f->dest);
  stats = ks_test_emulator_control (f->emu, "stats", &error);
  g_assert_no_error (error);
  needle = g_strdup_printf ("\"files\":{\"/DCIM/%s\":", bad);
  g_assert_nonnull (strstr (stats, needle));
  g_assert_nonnull (strstr (stats, "}}"));
  g_assert_null (strstr (strstr (stats, needle) + strlen (needle), "\"/DCIM/"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Keepsake/ImportDevice/backup", Fixture, NULL,
              fixture_setup, test_device_backup, fixture_teardown);
  g_test_add ("/Keepsake/ImportDevice/detached", Fixture, NULL,
              fixture_setup, test_device_detached, fixture_teardown);
  g_test_add ("/Keepsake/ImportDevice/read-error", Fixture, NULL,
              fixture_setup, test_device_read_error, fixture_teardown);

  g_test_add ("/Keepsake/ImportDevice/date-at-end", Fixture, NULL,
              fixture_setup, test_device_date_at_end, fixture_teardown);
  g_test_add_func ("/Keepsake/ImportDevice/hostile-names", test_device_hostile_names);

  return g_test_run ();
}
