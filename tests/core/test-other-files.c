/* test-other-files.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Files of a type Keepsake does not know (an odd or missing extension, a zero-byte file, a
 * hostile-looking name, a sidecar without its photo) are backed up byte for byte next to the
 * photos, counted as "others", and nothing fails: a backup does not decide that a file on the
 * phone does not matter. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-import-job.h"
#include "ks-safe-name.h"

#include "test-engine-util.h"

/* 2023-06-15 12:00 UTC: June wherever the test runs. */
#define FIXED_TIME G_GINT64_CONSTANT (1686830400)

typedef struct
{
  const char *name;
  gsize       size;
} OtherFile;

/* In DCIM/100APPLE, next to the sample library's photos (IMG_0001…). */
static const OtherFile other_files[] = {
  { "IMG_0007.XYZ", 5000 },
  { "IMG_0001.XYZ", 700 },                    /* same stem as a photo: not its companion */
  { "README", 300 },                          /* no extension */
  { "EMPTY", 0 },                             /* zero bytes */
  { "-rf \x1b[31m\xff..\\..\\evil.sh.", 900 }, /* option-like, escape codes, not UTF-8, trailing dot */
  { "IMG_0099.AAE", 400 },                    /* a sidecar whose photo is gone */
  { "IMG_0002.JPG.exe", 600 },
};

static void
write_file (const char *path,
            gsize       len,
            guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *buf = g_malloc (MAX (len, 1));
  struct timespec times[2] = { { FIXED_TIME, 0 }, { FIXED_TIME, 0 } };
  int fd;

  for (gsize i = 0; i < len; i++)
    buf[i] = g_rand_int (rand) & 0xff;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, buf, len), ==, (gssize) len);
  close (fd);
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static KsImportResult *
run_import (const char    *src,
            const char    *dest,
            KsCatalog     *catalog,
            KsImportFlags  flags)
{
  g_autoptr(GFile) folder = g_file_new_for_path (src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(KsFolderDestination) destination = ks_folder_destination_new (dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(GError) error = NULL;
  KsImportResult *result;

  g_ptr_array_add (dests, destination);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, catalog);
  ks_import_job_set_flags (job, flags);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
test_other_files_backed_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-other-XXXXXX", &error);
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *dest = g_build_filename (tmp, "dest", NULL);
  g_autofree char *dir = g_build_filename (src, "DCIM", "100APPLE", NULL);
  g_autofree char *catalog_path = g_build_filename (tmp, "catalog.db", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) src_files = NULL;
  guint n_src;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dest, 0755), ==, 0);
  make_library (src, 4, 1);
  for (guint i = 0; i < G_N_ELEMENTS (other_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, other_files[i].name, NULL);

      write_file (path, other_files[i].size, 1000 + i);
    }
  src_files = list_files (src);
  n_src = g_hash_table_size (src_files);
  g_assert_cmpuint (n_src, >=, 4 + G_N_ELEMENTS (other_files));

  catalog = ks_catalog_new (catalog_path, &error);
  g_assert_no_error (error);

  first = run_import (src, dest, catalog, KS_IMPORT_FLAGS_NONE);
  g_assert_cmpuint (first->failed, ==, 0);
  g_assert_cmpstr (first->status, ==, "completed");
  g_assert_cmpuint (first->copied, ==, n_src);
  g_assert_cmpuint (first->skipped, ==, 0);
  /* Each file of unknown type is one asset of its own; the photos and videos are as before. */
  g_assert_cmpuint (first->others_copied, ==, G_N_ELEMENTS (other_files));
  g_assert_cmpuint (first->photos_copied + first->videos_copied, ==, 4);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM copies"), ==, n_src);
  g_assert_cmpuint (count_index_lines (dest), ==, n_src);

  /* Byte for byte, every one, and nothing else. */
  assert_backup_complete (src, dest);
  assert_no_temp_files (dest);

  /* Laid out like any file, by the date the file carries (its mtime here), under its name
   * made safe. */
  for (guint i = 0; i < G_N_ELEMENTS (other_files); i++)
    {
      g_autofree char *safe = ks_safe_name_make (other_files[i].name, -1);
      g_autofree char *path = g_build_filename (dest, "2023", "06", safe, NULL);
      g_autofree char *original = g_build_filename (dir, other_files[i].name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) != 0)
        g_error ("%s was not stored as 2023/06/%s", other_files[i].name, safe);
      g_assert_true (S_ISREG (st.st_mode));
      g_assert_cmpuint (st.st_size, ==, other_files[i].size);
      g_assert_true (files_equal (original, path));
    }

  /* Once there, they are known like any other copy: nothing twice. */
  second = run_import (src, dest, catalog, KS_IMPORT_FLAGS_NONE);
  g_assert_cmpuint (second->failed, ==, 0);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->others_copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, n_src);

  /* Leaving sidecars out leaves out the one whose photo is gone too; the rest still goes. */
  {
    g_autofree char *elsewhere = g_build_filename (tmp, "elsewhere", NULL);
    g_autofree char *sidecar = g_build_filename (elsewhere, "2023", "06", "IMG_0099.AAE", NULL);
    g_autofree char *xyz = g_build_filename (elsewhere, "2023", "06", "IMG_0007.XYZ", NULL);
    g_autoptr(KsImportResult) third = NULL;

    g_assert_cmpint (g_mkdir_with_parents (elsewhere, 0755), ==, 0);
    third = run_import (src, elsewhere, catalog, KS_IMPORT_FLAGS_SKIP_SIDECARS);
    g_assert_cmpuint (third->failed, ==, 0);
    g_assert_cmpuint (third->others_copied, ==, G_N_ELEMENTS (other_files) - 1);
    g_assert_false (g_file_test (sidecar, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (xyz, G_FILE_TEST_IS_REGULAR));
  }

  g_clear_object (&catalog);
  rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/Engine/other-files/backed-up", test_other_files_backed_up);

  return g_test_run ();
}
