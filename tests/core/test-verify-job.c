/* test-verify-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsVerifyJob's sorting of what it finds (keepsake-cli verify reports from it): a deleted
 * file is missing; a flipped byte is changed; a symlink or a folder where the file was is
 * unreadable, never missing; each entry lands in one list, and progress names every file. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-import-job.h"
#include "ks-verify-job.h"

#include "test-engine-util.h"

typedef struct
{
  char      *tmp;
  char      *src;
  char      *dest;
  KsCatalog *catalog;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *catalog_path = NULL;

  f->tmp = g_dir_make_tmp ("ks-verify-XXXXXX", &error);
  g_assert_no_error (error);
  f->src = g_build_filename (f->tmp, "src", NULL);
  f->dest = g_build_filename (f->tmp, "dest", NULL);
  catalog_path = g_build_filename (f->tmp, "catalog.db", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->src, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);
  f->catalog = ks_catalog_new (catalog_path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->catalog);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->src);
  g_free (f->dest);
}

static guint
import (Fixture *f)
{
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->failed, ==, 0);
  return result->copied;
}

typedef struct
{
  guint       calls;
  guint       total;
  GHashTable *paths;
} Progress;

static void
progress_cb (guint       done,
             guint       total,
             const char *relative_path,
             gpointer    user_data)
{
  Progress *p = user_data;

  p->calls++;
  g_assert_cmpuint (done, ==, p->calls);
  p->total = total;
  g_hash_table_add (p->paths, g_strdup (relative_path));
}

static const char *
entry_path (GPtrArray *entries,
            guint      i)
{
  return ((KsDestinationEntry *) g_ptr_array_index (entries, i))->relative_path;
}

static void
test_kinds_of_damage (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsFolderDestination) dest = NULL;
  g_autoptr(KsVerifyJob) verify = NULL;
  g_autoptr(KsVerifyResult) report = NULL;
  g_autoptr(KsVerifyResult) repaired = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GList) keys = NULL;
  g_autofree char *flipped = NULL, *gone = NULL, *linked = NULL, *folder = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  Progress progress = { 0, 0, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  guint n;
  int fd;
  guint8 byte;

  make_library (f->src, 6, 1);
  n = import (f);
  g_assert_cmpuint (n, >=, 4);

  files = list_files (f->dest);
  keys = g_list_sort (g_hash_table_get_keys (files), (GCompareFunc) strcmp);
  flipped = g_build_filename (f->dest, g_list_nth_data (keys, 0), NULL);
  gone = g_build_filename (f->dest, g_list_nth_data (keys, 1), NULL);
  linked = g_build_filename (f->dest, g_list_nth_data (keys, 2), NULL);
  folder = g_build_filename (f->dest, g_list_nth_data (keys, 3), NULL);

  fd = open (flipped, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, 10), ==, 1);
  byte ^= 0x80;
  g_assert_cmpint (pwrite (fd, &byte, 1, 10), ==, 1);
  close (fd);

  g_assert_cmpint (g_unlink (gone), ==, 0);

  /* Same bytes, but through a symlink: not the file that was written and verified. */
  outside = g_build_filename (f->tmp, "outside", NULL);
  g_assert_true (g_file_get_contents (linked, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (outside, contents, len, NULL));
  g_assert_cmpint (g_unlink (linked), ==, 0);
  g_assert_cmpint (symlink (outside, linked), ==, 0);

  g_assert_cmpint (g_unlink (folder), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);

  dest = ks_folder_destination_new (f->dest);
  verify = ks_verify_job_new (KS_DESTINATION (dest), f->catalog);
  ks_verify_job_set_progress (verify, progress_cb, &progress);
  report = ks_verify_job_run (verify, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (report->checked, ==, n);
  g_assert_cmpuint (report->ok, ==, n - 4);
  g_assert_cmpuint (report->ok + report->missing->len + report->changed->len + report->unreadable->len,
                    ==, report->checked);
  g_assert_cmpuint (report->changed->len, ==, 1);
  g_assert_cmpstr (entry_path (report->changed, 0), ==, g_list_nth_data (keys, 0));
  g_assert_cmpuint (report->missing->len, ==, 1);
  g_assert_cmpstr (entry_path (report->missing, 0), ==, g_list_nth_data (keys, 1));
  g_assert_cmpuint (report->unreadable->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *rel = entry_path (report->unreadable, i);

      g_assert_true (g_strcmp0 (rel, g_list_nth_data (keys, 2)) == 0 ||
                     g_strcmp0 (rel, g_list_nth_data (keys, 3)) == 0);
    }
  g_assert_cmpstr (entry_path (report->unreadable, 0), !=, entry_path (report->unreadable, 1));
  g_assert_cmpuint (report->forgotten, ==, 0);

  /* Progress after every file, naming each once. */
  g_assert_cmpuint (progress.calls, ==, n);
  g_assert_cmpuint (progress.total, ==, n);
  g_assert_cmpuint (g_hash_table_size (progress.paths), ==, n);
  for (GList *l = keys; l != NULL; l = l->next)
    g_assert_true (g_hash_table_contains (progress.paths, l->data));

  /* Nothing was touched: the symlink's target and the folder are still there. */
  g_assert_true (g_file_test (linked, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));

  /* Repair forgets all four, so the next import stores each again. */
  ks_verify_job_set_progress (verify, NULL, NULL);
  ks_verify_job_set_repair (verify, TRUE);
  repaired = ks_verify_job_run (verify, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (repaired->forgotten, ==, 4);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM copies"), ==, n - 4);
  g_assert_cmpuint (import (f), ==, 4);

  g_hash_table_unref (progress.paths);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Keepsake/Verify/kinds-of-damage", Fixture, NULL, fixture_setup,
              test_kinds_of_damage, fixture_teardown);

  return g_test_run ();
}
