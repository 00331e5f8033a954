/* test-engine-device.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The import job with the emulated iPhone as its source, through the real
 * libimobiledevice: a full backup arrives byte for byte, a second one copies nothing,
 * and a cable pulled mid-file stops the run cleanly and the next run finishes it. */

#include "config.h"

#include <string.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-import-job.h"
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Keepsake/ImportDevice/backup", Fixture, NULL,
              fixture_setup, test_device_backup, fixture_teardown);
  g_test_add ("/Keepsake/ImportDevice/detached", Fixture, NULL,
              fixture_setup, test_device_detached, fixture_teardown);

  return g_test_run ();
}
