/* test-engine-import.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The import job against real folders: every file arrives byte for byte, nothing twice,
 * nothing overwritten, nothing outside the destination, and clear failures when the
 * destination is full, read-only or removed mid-run. Mounts tmpfs, so it runs as root. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-asset.h"
#include "ks-asset-grouper.h"
#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-folder-destination.h"
#include "ks-folder-destination-private.h"
#include "ks-folder-source.h"
#include "ks-hash.h"
#include "ks-import-job.h"
#include "ks-import-job-private.h"
#include "ks-metadata.h"
#include "ks-safe-name.h"
#include "ks-verify-job.h"

#include "test-engine-util.h"

/* A fixed capture time (mtime) for hand-made files: 2023-06-15 12:00 UTC. */
#define FIXED_TIME G_GINT64_CONSTANT (1686830400)

typedef struct
{
  char      *tmp;
  char      *src;
  char      *dest;
  char      *catalog_path;
  KsCatalog *catalog;
  gboolean   mounted;
  gboolean   fuse_mounted;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-import-XXXXXX", &error);
  g_assert_no_error (error);
  f->src = g_build_filename (f->tmp, "src", NULL);
  f->dest = g_build_filename (f->tmp, "dest", NULL);
  f->catalog_path = g_build_filename (f->tmp, "data", "catalog.db", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->src, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);

  f->catalog = ks_catalog_new (f->catalog_path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->mounted)
    umount2 (f->dest, MNT_DETACH);
  if (f->fuse_mounted)
    {
      const char *argv[] = { "fusermount", "-u", "-z", f->dest, NULL };

      g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  g_clear_object (&f->catalog);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->src);
  g_free (f->dest);
  g_free (f->catalog_path);
}

/* CI runs as root; a test that needs a mount fails loudly rather than skipping. */
static void
mount_tmpfs (Fixture    *f,
             const char *options)
{
  if (mount ("tmpfs", f->dest, "tmpfs", 0, options) != 0)
    g_error ("mount -t tmpfs -o %s %s failed: %s (these tests need root, as in CI)",
             options, f->dest, g_strerror (errno));
  f->mounted = TRUE;
}

static void
write_file (const char   *path,
            const void   *data,
            gsize         len,
            gint64        mtime)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct timespec times[2] = { { mtime, 0 }, { mtime, 0 } };
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  /* Not g_file_set_contents(): its temporary name would not fit beside a 255-byte name. */
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize)len);
  close (fd);
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static GBytes *
random_bytes (gsize   len,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *buf = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    buf[i] = g_rand_int (rand) & 0xff;

  return g_bytes_new_take (buf, len);
}

static void
write_random (const char *path,
              gsize       len,
              guint32     seed)
{
  g_autoptr(GBytes) bytes = random_bytes (len, seed);

  write_file (path, g_bytes_get_data (bytes, NULL), len, FIXED_TIME);
}

typedef struct
{
  KsImportJobFileHook hook;
  gpointer            hook_data;
  KsImportFlags       flags;
  GCancellable       *cancellable;
  KsSource           *source;
  guint               depth;      /* pipeline depth; 0 = the job's default */
  int                 fail_sync;  /* errno for the destination's next index sync */
} RunOptions;

static KsImportResult *
run_import (Fixture           *f,
            const RunOptions  *opts,
            GError           **error)
{
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  KsImportResult *result;

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (opts && opts->source ? opts->source : KS_SOURCE (source),
                           NULL, dests, f->catalog);
  if (opts != NULL)
    {
      ks_import_job_set_flags (job, opts->flags);
      if (opts->hook != NULL)
        _ks_import_job_set_file_hook (job, opts->hook, opts->hook_data);
      if (opts->depth > 0)
        _ks_import_job_set_pipeline_depth (job, opts->depth);
      if (opts->fail_sync != 0)
        _ks_folder_destination_fail_next_sync (dest, opts->fail_sync);
    }

  result = ks_import_job_run (job, opts ? opts->cancellable : NULL, error);

  /* Whether it failed or not, the job's own summary matches what was returned. */
  if (result != NULL)
    {
      const KsImportResult *kept = ks_import_job_get_result (job);

      g_assert_cmpuint (kept->copied, ==, result->copied);
      g_assert_cmpstr (kept->status, ==, result->status);
    }

  return result;
}

static gint64
catalog_count (Fixture    *f,
               const char *sql)
{
  return _ks_catalog_query_int64 (f->catalog, sql);
}

/* ---- tests ---- */

static void
test_folder_backup (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(KsImportResult) third = NULL;
  g_autoptr(GHashTable) src_files = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autoptr(GRegex) layout = g_regex_new ("^[0-9]{4}/[0-9]{2}/[^/]+$", 0, 0, NULL);
  g_autoptr(KsCatalogRun) run = NULL;
  GHashTableIter iter;
  const char *rel;
  guint n_src;

  make_library (f->src, 20, 1);
  src_files = list_files (f->src);
  n_src = g_hash_table_size (src_files);
  g_assert_cmpuint (n_src, >=, 20);

  first = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, n_src);
  /* Assets, not files: a Live Photo with its movie, edit and sidecar counts once. */
  g_assert_cmpuint (first->photos_copied + first->videos_copied, ==, 20);
  g_assert_cmpuint (first->photos_copied, >, 0);
  g_assert_cmpuint (first->videos_copied, >, 0);
  g_assert_cmpuint (first->skipped, ==, 0);
  g_assert_cmpuint (first->failed, ==, 0);
  g_assert_cmpstr (first->status, ==, "completed");
  assert_backup_complete (f->src, f->dest);
  assert_no_temp_files (f->dest);

  /* {year}/{month}/{name} */
  dest_files = list_files (f->dest);
  g_hash_table_iter_init (&iter, dest_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, NULL))
    g_assert_true (g_regex_match (layout, rel, 0, NULL));

  /* The catalog knows exactly what was copied, and the run. */
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, n_src);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM source_files"), ==, n_src);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM destinations"), ==, 1);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n_src);
  run = ks_catalog_dup_run (f->catalog, first->run_id);
  g_assert_nonnull (run);
  g_assert_cmpstr (run->status, ==, "completed");
  g_assert_cmpuint (run->copied, ==, n_src);
  g_assert_cmpint (run->finished_at, >=, run->started_at);
  g_assert_cmpuint (run->bytes, ==, first->bytes);

  /* Again: nothing to copy. */
  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->photos_copied + second->videos_copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, n_src);
  g_assert_cmpuint (second->bytes, ==, 0);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n_src);

  /* New photos: only they are copied. */
  make_library (f->src, 3, 500);
  g_clear_pointer (&src_files, g_hash_table_unref);
  src_files = list_files (f->src);
  third = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (third->copied, ==, g_hash_table_size (src_files) - n_src);
  g_assert_cmpuint (third->copied, >=, 3);
  g_assert_cmpuint (third->photos_copied + third->videos_copied, ==, 3);
  g_assert_cmpuint (third->skipped, ==, n_src);
  assert_backup_complete (f->src, f->dest);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM runs WHERE status = 'completed'"), ==, 3);
}

static void
test_same_name_and_renamed (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autofree char *a = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_9999.JPG", NULL);
  g_autofree char *b = g_build_filename (f->src, "DCIM", "101APPLE", "IMG_9999.JPG", NULL);
  g_autofree char *renamed = g_build_filename (f->src, "DCIM", "102APPLE", "IMG_0042.JPG", NULL);
  g_autofree char *content_a = NULL;
  gsize len_a = 0;

  /* IMG_9999 twice (wrap-around, two folders): two different photos. */
  write_random (a, 50000, 1);
  write_random (b, 60000, 2);

  first = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, 2);
  assert_backup_complete (f->src, f->dest);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 2);
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_9999.JPG"));
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_9999 (2).JPG"));

  /* The first photo shows up again under another name: not stored twice. */
  g_assert_true (g_file_get_contents (a, &content_a, &len_a, NULL));
  write_file (renamed, content_a, len_a, FIXED_TIME + 3600);
  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, 3);
  g_clear_pointer (&dest_files, g_hash_table_unref);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 2);
  /* …but the new path is remembered, so the next plan needs no read. */
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM source_files"), ==, 3);
}

static void
test_catalog_lost (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autofree char *id_path = g_build_filename (f->dest, KS_FOLDER_DESTINATION_META_DIR, "id", NULL);
  g_autofree char *id_before = NULL;
  g_autofree char *id_after = NULL;
  g_autofree char *wal = g_strconcat (f->catalog_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->catalog_path, "-shm", NULL);
  guint n_src;

  make_library (f->src, 10, 1);
  first = run_import (f, NULL, &error);
  g_assert_no_error (error);
  n_src = first->copied;
  g_assert_cmpuint (n_src, >=, 10);
  g_assert_true (g_file_get_contents (id_path, &id_before, NULL, NULL));

  /* The app's data is gone. */
  g_clear_object (&f->catalog);
  g_assert_cmpint (g_unlink (f->catalog_path), ==, 0);
  g_unlink (wal);
  g_unlink (shm);
  f->catalog = ks_catalog_new (f->catalog_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);

  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->photos_copied + second->videos_copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, n_src);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n_src);
  assert_backup_complete (f->src, f->dest);

  /* Same drive, same id; and the new catalog learnt where everything is. */
  g_assert_true (g_file_get_contents (id_path, &id_after, NULL, NULL));
  g_assert_cmpstr (id_before, ==, id_after);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, n_src);
}

static void
test_dry_run (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) src_files = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions opts = { .flags = KS_IMPORT_FLAGS_DRY_RUN };

  make_library (f->src, 6, 1);
  src_files = list_files (f->src);
  result = run_import (f, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->planned, ==, g_hash_table_size (src_files));
  {
    GHashTableIter iter;
    const char *path;
    guint64 total = 0;

    g_hash_table_iter_init (&iter, src_files);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&path))
      {
        struct stat st;

        g_assert_cmpint (stat (path, &st), ==, 0);
        total += st.st_size;
      }
    g_assert_cmpuint (result->planned_bytes, ==, total);
  }
  g_assert_cmpuint (result->copied, ==, 0);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 0);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);
}

static void
fill_filesystem (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  char block[4096];

  g_assert_cmpint (fd, >=, 0);
  memset (block, 0x5a, sizeof block);
  while (write (fd, block, sizeof block) > 0)
    ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

static void
fill_after_first_cb (KsImportJob *job,
                     guint        n_finished,
                     gpointer     user_data)
{
  Fixture *f = user_data;

  if (n_finished == 1)
    fill_filesystem (f->dest);
}

static void
test_destination_full (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autofree char *big = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0001.MOV", NULL);
  g_autofree char *filler = g_build_filename (f->dest, "filler", NULL);
  RunOptions opts = { .hook = fill_after_first_cb, .hook_data = f };

  mount_tmpfs (f, "size=2m");

  /* Too big for the whole destination: refused before anything is written. */
  write_random (big, 3 * 1024 * 1024, 7);
  result = run_import (f, NULL, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "needs"));
  g_assert_null (result);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 0);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM runs WHERE status = 'failed'"), ==, 1);
  g_clear_error (&error);
  g_unlink (big);

  /* Fits on paper, but the disk fills up after the first file. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 10 + i);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random (path, 200 * 1024, 10 + i);
    }

  result = run_import (f, &opts, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_NO_SPACE);
  g_assert_null (result);
  /* The message names the file that did not fit. */
  g_assert_nonnull (strstr (error->message, "IMG_0011.JPG"));

  g_assert_cmpint (g_unlink (filler), ==, 0);
  assert_no_temp_files (f->dest);
  g_clear_pointer (&dest_files, g_hash_table_unref);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 1);
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_0010.JPG"));
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 1);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 1);
  g_clear_error (&error);

  /* Room again: the next run completes with what is missing. */
  g_clear_pointer (&result, ks_import_result_free);
  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 3);
  g_assert_cmpuint (result->skipped, ==, 1);
  assert_backup_complete (f->src, f->dest);
}

static void
test_destination_read_only (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) again = NULL;
  g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0001.JPG", NULL);
  g_autofree char *path2 = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0002.JPG", NULL);
  g_autoptr(GHashTable) dest_files = NULL;

  mount_tmpfs (f, "size=4m");
  write_random (path, 100000, 1);
  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 1);

  /* Root ignores 0555; a read-only remount stops everyone. */
  g_assert_cmpint (mount (NULL, f->dest, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);
  write_random (path2, 100000, 2);
  again = run_import (f, NULL, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_READ_ONLY);
  g_assert_null (again);
  g_assert_nonnull (strstr (error->message, f->dest));
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 1);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 1);
}

static void
unmount_after_first_cb (KsImportJob *job,
                        guint        n_finished,
                        gpointer     user_data)
{
  Fixture *f = user_data;

  if (n_finished == 1)
    {
      g_assert_cmpint (umount2 (f->dest, MNT_DETACH), ==, 0);
      f->mounted = FALSE;
    }
}

static void
test_destination_removed (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions opts = { .hook = unmount_after_first_cb, .hook_data = f };

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 20 + i);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random (path, 150 * 1024, 20 + i);
    }

  mount_tmpfs (f, "size=8m");
  result = run_import (f, &opts, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE);
  g_assert_null (result);
  g_assert_nonnull (strstr (error->message, "IMG_0021.JPG"));

  /* What is at the path now (the empty mount point) got nothing; only the first file,
   * written before the drive went, is recorded. */
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 0);
  g_assert_false (g_file_test (f->dest, G_FILE_TEST_EXISTS) &&
                  g_file_test (KS_FOLDER_DESTINATION_META_DIR, G_FILE_TEST_EXISTS));
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 1);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM runs WHERE status = 'failed'"), ==, 1);
}

static void
test_hostile_names (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autoptr(GHashTable) tmp_entries = NULL;
  g_autofree char *dir = g_build_filename (f->src, "DCIM", "100APPLE", NULL);
  g_autofree char *long_name = NULL;
  g_autofree char *existing = g_build_filename (f->dest, "2023", "06", "IMG_CASE.JPG", NULL);
  g_autofree char *existing_contents = NULL;
  GHashTableIter iter;
  const char *rel;
  const char *names[] = {
    "IMG_\x01\x1b[31mred.JPG",          /* control characters */
    "IMG_\xff\xfe\x80.JPG",             /* not UTF-8 */
    "IMG_CASE.JPG", "img_case.jpg",     /* equal but for case */
    "a<b>c:d|e?f*g\"h\\i.JPG",          /* refused by Windows */
    "CON.JPG", "nul.jpg",               /* reserved device names */
    "IMG_dots. . .JPG",
    " IMG_space.JPG",                   /* leading space */
    "-rf.JPG",
  };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      write_random (path, 3000 + i, 100 + i);
    }
  /* A 255-byte name (the most ext4 allows). */
  long_name = g_strnfill (251, 'L');
  {
    g_autofree char *n = g_strconcat (long_name, ".JPG", NULL);
    g_autofree char *path = g_build_filename (dir, n, NULL);
    write_random (path, 4000, 99);
  }

  /* Something already at a target name: it must survive untouched. */
  write_random (existing, 1234, 4242);
  g_assert_true (g_file_get_contents (existing, &existing_contents, NULL, NULL));

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->failed, ==, 0);
  g_assert_cmpuint (result->copied, ==, G_N_ELEMENTS (names) + 1);

  /* Untouched. */
  {
    g_autofree char *now = NULL;
    g_assert_true (g_file_get_contents (existing, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, existing_contents);
  }
  g_assert_cmpint (g_unlink (existing), ==, 0);
  assert_backup_complete (f->src, f->dest);
  assert_no_temp_files (f->dest);

  /* Every stored name is safe everywhere. */
  dest_files = list_files (f->dest);
  g_hash_table_iter_init (&iter, dest_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, NULL))
    {
      g_auto(GStrv) parts = g_strsplit (rel, "/", -1);

      for (guint i = 0; parts[i]; i++)
        {
          if (!ks_safe_name_is_safe (parts[i]))
            g_error ("unsafe name stored: %s", rel);
        }
    }

  /* Nothing outside the destination: the temp dir holds only what we made. */
  tmp_entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    g_autoptr(GDir) d = g_dir_open (f->tmp, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      g_hash_table_add (tmp_entries, g_strdup (name));
  }
  g_assert_cmpuint (g_hash_table_size (tmp_entries), ==, 3);
  g_assert_true (g_hash_table_contains (tmp_entries, "src"));
  g_assert_true (g_hash_table_contains (tmp_entries, "dest"));
  g_assert_true (g_hash_table_contains (tmp_entries, "data"));
}

static void
test_symlink_in_destination (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  g_autofree char *year = g_build_filename (f->dest, "2023", NULL);
  g_autofree char *path = g_build_filename (f->src, "IMG_0001.JPG", NULL);
  g_autoptr(GHashTable) outside_files = NULL;

  /* Someone (or something) planted a link where the layout would write. */
  g_assert_cmpint (g_mkdir_with_parents (outside, 0755), ==, 0);
  g_assert_cmpint (symlink (outside, year), ==, 0);
  write_random (path, 5000, 1);

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 0);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpuint (result->errors->len, ==, 1);
  outside_files = list_files (outside);
  g_assert_cmpuint (g_hash_table_size (outside_files), ==, 0);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);
  g_assert_cmpstr (result->status, ==, "completed-with-errors");
}

static void
test_stale_temp_cleaned (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autofree char *stale = g_build_filename (f->dest, "2023", "06", ".IMG_0001.JPG.keepsake-tmp-Ab12Cd", NULL);
  g_autofree char *user_hidden = g_build_filename (f->dest, "2023", "06", ".hidden-by-user", NULL);
  g_autofree char *lookalike = g_build_filename (f->dest, "notes.keepsake-tmp-Ab12Cd", NULL);
  g_autofree char *path = g_build_filename (f->src, "IMG_0001.JPG", NULL);

  /* What a run killed with -9 leaves: a hidden temporary, never a real-looking file. */
  write_random (stale, 700, 1);
  write_random (user_hidden, 10, 2);
  write_random (lookalike, 10, 3);
  write_random (path, 5000, 4);

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 1);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (user_hidden, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (lookalike, G_FILE_TEST_EXISTS));
}

static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsFolderDestination) dest = NULL;
  g_autoptr(KsVerifyJob) verify = NULL;
  g_autoptr(KsVerifyResult) report = NULL;
  g_autoptr(KsVerifyResult) report2 = NULL;
  g_autoptr(KsVerifyResult) report3 = NULL;
  g_autoptr(KsVerifyResult) report4 = NULL;
  g_autoptr(KsImportResult) again = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autoptr(GList) keys = NULL;
  const char *victim_rel, *gone_rel;
  g_autofree char *victim = NULL;
  g_autofree char *gone = NULL;
  guint n;
  int fd;
  guint8 byte;

  make_library (f->src, 8, 1);
  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  n = result->copied;

  dest = ks_folder_destination_new (f->dest);
  verify = ks_verify_job_new (KS_DESTINATION (dest), f->catalog);
  report = ks_verify_job_run (verify, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->checked, ==, n);
  g_assert_cmpuint (report->ok, ==, n);
  g_assert_cmpuint (report->changed->len, ==, 0);
  g_assert_cmpuint (report->missing->len, ==, 0);

  /* Flip one byte in one file; delete another. */
  dest_files = list_files (f->dest);
  keys = g_list_sort (g_hash_table_get_keys (dest_files), (GCompareFunc)strcmp);
  victim_rel = keys->data;
  gone_rel = keys->next->data;
  victim = g_build_filename (f->dest, victim_rel, NULL);
  gone = g_build_filename (f->dest, gone_rel, NULL);
  fd = open (victim, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, 100), ==, 1);
  byte ^= 0x01;
  g_assert_cmpint (pwrite (fd, &byte, 1, 100), ==, 1);
  close (fd);
  g_assert_cmpint (g_unlink (gone), ==, 0);

  report2 = ks_verify_job_run (verify, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report2->checked, ==, n);
  g_assert_cmpuint (report2->ok, ==, n - 2);
  g_assert_cmpuint (report2->changed->len, ==, 1);
  g_assert_cmpstr (((KsDestinationEntry *)g_ptr_array_index (report2->changed, 0))->relative_path, ==, victim_rel);
  g_assert_cmpuint (report2->missing->len, ==, 1);
  g_assert_cmpstr (((KsDestinationEntry *)g_ptr_array_index (report2->missing, 0))->relative_path, ==, gone_rel);
  g_assert_cmpuint (report2->forgotten, ==, 0);

  /* Repair: the damaged copy is forgotten (not deleted) and the next import stores the
   * photo again beside it. */
  ks_verify_job_set_repair (verify, TRUE);
  report3 = ks_verify_job_run (verify, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report3->changed->len, ==, 1);
  g_assert_cmpuint (report3->forgotten, ==, 2);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, n - 2);

  again = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->copied, ==, 2);
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (gone, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&dest_files, g_hash_table_unref);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, n + 1);

  report4 = ks_verify_job_run (verify, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report4->checked, ==, n);
  g_assert_cmpuint (report4->ok, ==, n);
}

static void
cancel_after_three_cb (KsImportJob *job,
                       guint        n_finished,
                       gpointer     user_data)
{
  if (n_finished == 3)
    g_cancellable_cancel (user_data);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) resumed = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GHashTable) src_files = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions opts = { .hook = cancel_after_three_cb, .cancellable = cancellable };
  guint n_src;

  opts.hook_data = cancellable;
  make_library (f->src, 12, 1);
  src_files = list_files (f->src);
  n_src = g_hash_table_size (src_files);

  result = run_import (f, &opts, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED);
  g_assert_null (result);
  g_clear_error (&error);

  /* No partial file: what is there is whole, indexed and recorded. */
  assert_no_temp_files (f->dest);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), >=, 3);
  g_assert_cmpuint (g_hash_table_size (dest_files), <, n_src);
  g_assert_cmpuint (count_index_lines (f->dest), ==, g_hash_table_size (dest_files));
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, g_hash_table_size (dest_files));
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM runs WHERE status = 'cancelled'"), ==, 1);

  resumed = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed->copied, ==, n_src - g_hash_table_size (dest_files));
  assert_backup_complete (f->src, f->dest);
}

/* ---- a source that dies mid-file, like a detached phone ---- */

#define TEST_TYPE_DYING_STREAM (test_dying_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestDyingStream, test_dying_stream, TEST, DYING_STREAM, GInputStream)

struct _TestDyingStream
{
  GInputStream  parent_instance;
  GInputStream *inner;
  gsize         left;
};

G_DEFINE_FINAL_TYPE (TestDyingStream, test_dying_stream, G_TYPE_INPUT_STREAM)

static gssize
test_dying_stream_read (GInputStream  *stream,
                        void          *buffer,
                        gsize          count,
                        GCancellable  *cancellable,
                        GError       **error)
{
  TestDyingStream *self = TEST_DYING_STREAM (stream);
  gssize n;

  if (self->left == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "Device was detached");
      return -1;
    }

  n = g_input_stream_read (self->inner, buffer, MIN (count, self->left), cancellable, error);
  if (n > 0)
    self->left -= n;

  return n;
}

static void
test_dying_stream_finalize (GObject *object)
{
  g_clear_object (&TEST_DYING_STREAM (object)->inner);
  G_OBJECT_CLASS (test_dying_stream_parent_class)->finalize (object);
}

static void
test_dying_stream_class_init (TestDyingStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_dying_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = test_dying_stream_read;
}

static void
test_dying_stream_init (TestDyingStream *self)
{
}

static GInputStream *
test_dying_stream_new (GInputStream *inner,
                       gsize         limit)
{
  TestDyingStream *self = g_object_new (TEST_TYPE_DYING_STREAM, NULL);

  self->inner = g_object_ref (inner);
  self->left = limit;

  return G_INPUT_STREAM (self);
}

#define TEST_TYPE_DYING_SOURCE (test_dying_source_get_type ())
G_DECLARE_FINAL_TYPE (TestDyingSource, test_dying_source, TEST, DYING_SOURCE, GObject)

struct _TestDyingSource
{
  GObject   parent_instance;
  KsSource *inner;
  guint     opens_left;
};

static void test_dying_source_iface_init (KsSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestDyingSource, test_dying_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_SOURCE, test_dying_source_iface_init))

static const char *
dying_get_id (KsSource *source)
{
  return ks_source_get_id (TEST_DYING_SOURCE (source)->inner);
}

static char *
dying_dup_display_name (KsSource *source)
{
  return g_strdup ("dying");
}

static gboolean
dying_enumerate (KsSource          *source,
                 KsSourceFileFunc   func,
                 gpointer           user_data,
                 GCancellable      *cancellable,
                 GError           **error)
{
  return ks_source_enumerate (TEST_DYING_SOURCE (source)->inner, func, user_data, cancellable, error);
}

static GInputStream *
dying_open_file (KsSource      *source,
                 const char    *path,
                 GCancellable  *cancellable,
                 GError       **error)
{
  TestDyingSource *self = TEST_DYING_SOURCE (source);
  g_autoptr(GInputStream) inner = NULL;

  inner = ks_source_open_file (self->inner, path, cancellable, error);
  if (inner == NULL)
    return NULL;
  if (self->opens_left-- > 0)
    return g_steal_pointer (&inner);

  /* The cable is pulled after 1000 bytes of this file. */
  return test_dying_stream_new (inner, 1000);
}

static void
test_dying_source_iface_init (KsSourceInterface *iface)
{
  iface->get_id = dying_get_id;
  iface->dup_display_name = dying_dup_display_name;
  iface->enumerate = dying_enumerate;
  iface->open_file = dying_open_file;
}

static void
test_dying_source_finalize (GObject *object)
{
  g_clear_object (&TEST_DYING_SOURCE (object)->inner);
  G_OBJECT_CLASS (test_dying_source_parent_class)->finalize (object);
}

static void
test_dying_source_class_init (TestDyingSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_dying_source_finalize;
}

static void
test_dying_source_init (TestDyingSource *self)
{
}

static void
test_source_lost (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) resumed = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(TestDyingSource) dying = g_object_new (TEST_TYPE_DYING_SOURCE, NULL);
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions opts = { 0 };

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 30 + i);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random (path, 20000, 30 + i);
    }
  folder = g_file_new_for_path (f->src);
  dying->inner = KS_SOURCE (ks_folder_source_new (folder));
  dying->opens_left = 2;
  opts.source = KS_SOURCE (dying);

  result = run_import (f, &opts, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST);
  g_assert_null (result);
  g_assert_nonnull (strstr (error->message, "IMG_0032.JPG"));
  g_clear_error (&error);

  assert_no_temp_files (f->dest);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 2);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 2);

  /* Plugged back in: the rest arrives. */
  resumed = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed->copied, ==, 3);
  g_assert_cmpuint (resumed->skipped, ==, 2);
  assert_backup_complete (f->src, f->dest);
}

typedef struct
{
  const char *src;
  char       *moved;
} VanishData;

static void
vanish_after_first_cb (KsImportJob *job,
                       guint        n_finished,
                       gpointer     user_data)
{
  VanishData *v = user_data;

  /* The camera card is pulled after the first file: the folder is gone. */
  if (n_finished == 1)
    g_assert_cmpint (g_rename (v->src, v->moved), ==, 0);
}

/* A folder source whose root vanished mid-run is a lost source (the run stops, saying so),
 * not one "file not found" per remaining file. */
static void
test_source_folder_vanished (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autofree char *moved = g_strconcat (f->src, "-pulled", NULL);
  VanishData v = { f->src, moved };
  RunOptions opts = { 0 };

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 100 + i);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random (path, 300000, 100 + i);
    }
  opts.hook = vanish_after_first_cb;
  opts.hook_data = &v;

  result = run_import (f, &opts, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST);
  g_assert_null (result);
  g_clear_error (&error);

  assert_no_temp_files (f->dest);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), <, 40);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, g_hash_table_size (dest_files));

  /* Back in: the rest arrives. */
  g_assert_cmpint (g_rename (moved, f->src), ==, 0);
  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied + result->skipped, ==, 40);
  g_assert_cmpuint (result->failed, ==, 0);
  assert_backup_complete (f->src, f->dest);
}

typedef struct
{
  GMainLoop        *loop;
  KsImportResult   *result;
  GError           *error;
  guint             n_progress;
  KsImportProgress *last;
  GThread          *main_thread;
} AsyncData;

static void
progress_cb (KsImportJob      *job,
             KsImportProgress *progress,
             AsyncData        *data)
{
  g_assert_true (g_thread_self () == data->main_thread);
  data->n_progress++;
  if (data->last != NULL)
    {
      g_assert_cmpuint (progress->items_done, >=, data->last->items_done);
      g_assert_cmpuint (progress->bytes_done, >=, data->last->bytes_done);
    }
  g_clear_pointer (&data->last, ks_import_progress_free);
  data->last = ks_import_progress_copy (progress);
}

static void
run_async_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncData *data = user_data;

  g_assert_true (g_thread_self () == data->main_thread);
  data->result = ks_import_job_run_finish (KS_IMPORT_JOB (object), result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
test_async_progress (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  g_autoptr(GPtrArray) selection = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  AsyncData ad = { 0 };
  guint expected_files = 0;
  gint64 started, elapsed;

  make_library (f->src, 10, 1);
  folder = g_file_new_for_path (f->src);
  source = ks_folder_source_new (folder);

  /* The user's selection: every other asset. */
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
  g_assert_no_error (error);
  assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), files);
  for (guint i = 0; i < assets->len; i += 2)
    {
      g_ptr_array_add (selection, assets->pdata[i]);
      expected_files += ks_asset_get_files (assets->pdata[i])->len;
    }

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), selection, dests, f->catalog);

  ad.loop = g_main_loop_new (NULL, FALSE);
  ad.main_thread = g_thread_self ();
  g_signal_connect (job, "progress", G_CALLBACK (progress_cb), &ad);
  started = g_get_monotonic_time ();
  ks_import_job_run_async (job, NULL, run_async_cb, &ad);
  g_main_loop_run (ad.loop);
  elapsed = g_get_monotonic_time () - started;

  /* Throttled: about ten a second at most, plus the final one. */
  g_assert_cmpuint (ad.n_progress, <=, 2 + 10 * elapsed / G_USEC_PER_SEC + 1);

  g_assert_no_error (ad.error);
  g_assert_nonnull (ad.result);
  g_assert_cmpuint (ad.result->copied, ==, expected_files);
  g_assert_cmpuint (ad.n_progress, >=, 1);
  g_assert_nonnull (ad.last);
  g_assert_cmpuint (ad.last->items_done, ==, ad.last->items_total);
  g_assert_cmpuint (ad.last->items_total, ==, expected_files);
  g_assert_cmpuint (ad.last->bytes_done, ==, ad.last->bytes_total);
  g_assert_cmpuint (ad.last->bytes_done, ==, ad.result->bytes);
  g_assert_cmpuint (ad.last->copied, ==, expected_files);

  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, expected_files);

  g_clear_pointer (&ad.last, ks_import_progress_free);
  g_clear_pointer (&ad.result, ks_import_result_free);
  g_main_loop_unref (ad.loop);
}

static void
test_deleted_from_destination (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autoptr(GList) keys = NULL;
  g_autofree char *victim = NULL;

  make_library (f->src, 5, 1);
  first = run_import (f, NULL, &error);
  g_assert_no_error (error);

  /* Someone deletes a backed-up photo on the drive: the next run puts it back. */
  dest_files = list_files (f->dest);
  keys = g_list_sort (g_hash_table_get_keys (dest_files), (GCompareFunc)strcmp);
  victim = g_build_filename (f->dest, (char *)keys->data, NULL);
  g_assert_cmpint (g_unlink (victim), ==, 0);

  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 1);
  g_assert_cmpuint (second->skipped, ==, first->copied - 1);
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));
  assert_backup_complete (f->src, f->dest);
}

static void
test_two_destinations (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autofree char *second_path = g_build_filename (f->tmp, "second", NULL);
  g_autoptr(KsFolderDestination) one = ks_folder_destination_new (f->dest);
  g_autoptr(KsFolderDestination) two = ks_folder_destination_new (second_path);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportJob) job2 = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) result2 = NULL;
  const KsImportResult *partial;
  g_autoptr(GHashTable) src_files = NULL;
  guint n_src;

  make_library (f->src, 6, 1);
  src_files = list_files (f->src);
  n_src = g_hash_table_size (src_files);
  g_assert_cmpint (g_mkdir_with_parents (second_path, 0755), ==, 0);

  /* The second drive is read-only: the first still gets everything, and the run says
   * which one failed. */
  g_assert_cmpint (mount ("tmpfs", second_path, "tmpfs", MS_RDONLY, "size=1m"), ==, 0);
  g_ptr_array_add (dests, one);
  g_ptr_array_add (dests, two);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_READ_ONLY);
  g_assert_null (result);
  g_assert_nonnull (strstr (error->message, second_path));
  g_clear_error (&error);
  partial = ks_import_job_get_result (job);
  g_assert_cmpuint (partial->copied, ==, n_src);
  g_assert_cmpstr (partial->status, ==, "failed");
  assert_backup_complete (f->src, f->dest);

  /* Writable again: only the second drive receives copies. */
  g_assert_cmpint (umount2 (second_path, MNT_DETACH), ==, 0);
  job2 = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  result2 = ks_import_job_run (job2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result2->copied, ==, n_src);
  g_assert_cmpuint (ks_catalog_count_copies (f->catalog, ks_destination_get_id (KS_DESTINATION (one))), ==, n_src);
  g_assert_cmpuint (ks_catalog_count_copies (f->catalog, ks_destination_get_id (KS_DESTINATION (two))), ==, n_src);
  assert_backup_complete (f->src, second_path);
  assert_backup_complete (f->src, f->dest);
  g_assert_cmpuint (count_index_lines (f->dest), ==, n_src);
}

static void
test_bad_layout (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autofree char *path = g_build_filename (f->src, "IMG_0001.JPG", NULL);

  write_random (path, 1000, 1);
  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  ks_import_job_set_layout (job, "{year}/{oops}");
  result = ks_import_job_run (job, NULL, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED);
  g_assert_null (result);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 0);
}

static void
test_crash_leftovers (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autofree char *index_path = g_build_filename (f->dest, KS_FOLDER_DESTINATION_META_DIR, "index", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *stale = g_build_filename (f->dest, "2023", "06", ".IMG_0009.JPG.keepsake-tmp-Zz9Yy8", NULL);
  g_autoptr(GString) damaged = g_string_new (NULL);
  g_autoptr(GHashTable) dest_files = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 1 + i);
      g_autofree char *path = g_build_filename (f->src, name, NULL);

      write_random (path, 8000 + i, 40 + i);
    }
  first = run_import (f, NULL, &error);
  g_assert_no_error (error);
  n = first->copied;
  g_assert_cmpuint (n, ==, 4);

  /* What kill -9 can leave: a file renamed into place whose index line was never
   * written, a torn last line, a temporary; and the app's catalog gone with it. */
  g_assert_true (g_file_get_contents (index_path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; i + 2 < g_strv_length (lines); i++)
    g_string_append_printf (damaged, "%s\n", lines[i]);
  g_string_append (damaged, "0123abc 12 2023/06/IMG_00");
  g_assert_true (g_file_set_contents (index_path, damaged->str, damaged->len, NULL));
  write_random (stale, 3000, 9);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "DELETE FROM copies"), ==, -1);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "DELETE FROM source_files"), ==, -1);

  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  /* The unrecorded file is adopted, not stored a second time. */
  g_assert_cmpuint (second->copied, ==, 1);
  g_assert_cmpuint (second->skipped, ==, n - 1);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, n);
  assert_backup_complete (f->src, f->dest);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  /* The index was compacted: one whole line per file. */
  g_assert_cmpuint (count_index_lines (f->dest), ==, n);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (index_path, &contents, NULL, NULL));
  g_assert_true (g_str_has_suffix (contents, "\n"));
  g_assert_null (strstr (contents, "0123abc"));
}

static void
test_date_from_bytes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) src_files = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autoptr(GHashTable) dest_by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  const char *rel, *path;
  struct timespec old[2] = { { 978350400, 0 }, { 978350400, 0 } };  /* 2001-01-01 */
  guint n_dated = 0;

  /* File times lie (copied around, restored from elsewhere); the photo's own Exif or
   * QuickTime date decides its folder. */
  make_library (f->src, 8, 1);
  src_files = list_files (f->src);
  g_hash_table_iter_init (&iter, src_files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&path))
    g_assert_cmpint (utimensat (AT_FDCWD, path, old, 0), ==, 0);

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);

  dest_files = list_files (f->dest);
  g_hash_table_iter_init (&iter, dest_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&path))
    g_hash_table_insert (dest_by_hash, hash_path (path), g_strdup (rel));

  g_hash_table_iter_init (&iter, src_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&path))
    {
      g_autofree char *contents = NULL;
      g_autofree char *hash = hash_path (path);
      g_autofree char *dir = NULL;
      g_autoptr(GDateTime) date = NULL;
      g_autofree char *expected = NULL;
      const char *stored = g_hash_table_lookup (dest_by_hash, hash);
      gsize len = 0;
      KsMetadata md;

      g_assert_nonnull (stored);
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      if (!ks_metadata_parse_data ((const guint8 *)contents, len, &md))
        continue;  /* companions and files without a date follow other rules */
      if (strstr (rel, "IMG_E") != NULL || g_str_has_suffix (rel, ".MOV") || g_str_has_suffix (rel, ".AAE"))
        continue;  /* companions sit beside their photo */

      date = g_date_time_new_from_unix_local (ks_metadata_get_capture_time (&md, 0));
      expected = g_date_time_format (date, "%Y/%m/");
      g_assert_true (g_str_has_prefix (stored, expected));
      n_dated++;
    }

  g_assert_cmpuint (n_dated, >=, 4);
}

static void
store (KsDestination *dest,
       const char    *dir,
       const char    *stem,
       const char    *ext,
       GBytes        *bytes,
       char         **out_rel)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsHasher) hasher = ks_hasher_new ();
  g_autofree char *hash = NULL;
  g_autofree char *hint = g_strconcat (stem, ".", ext, NULL);
  KsDestinationWriter *writer;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  guint counter = 1;

  ks_hasher_update (hasher, data, len);
  hash = ks_hasher_finish (hasher);
  writer = ks_destination_begin_file (dest, dir, hint, &error);
  g_assert_no_error (error);
  g_assert_true (ks_destination_write (dest, writer, data, len, &error));
  g_assert_true (ks_destination_commit (dest, writer, dir, stem, ext, hash, &counter, out_rel, NULL, &error));
  g_assert_no_error (error);
}

static void
test_publish_fallbacks (Fixture       *f,
                        gconstpointer  data)
{
  const KsFolderPublishMode modes[] = {
    KS_FOLDER_PUBLISH_RENAME_NOREPLACE, KS_FOLDER_PUBLISH_LINK, KS_FOLDER_PUBLISH_CHECK_THEN_RENAME,
  };

  /* Where renameat2(RENAME_NOREPLACE) or link() are refused, the fallbacks still never
   * replace a file. */
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("mode-%u", m);
      g_autofree char *root = g_build_filename (f->tmp, name, NULL);
      g_autofree char *taken = g_build_filename (root, "2023", "IMG_1.JPG", NULL);
      g_autofree char *taken_contents = NULL;
      g_autofree char *now = NULL;
      g_autofree char *rel1 = NULL;
      g_autofree char *rel2 = NULL;
      g_autoptr(KsFolderDestination) dest = NULL;
      g_autoptr(GBytes) a = random_bytes (5000, 1);
      g_autoptr(GBytes) b = random_bytes (6000, 2);
      g_autoptr(GHashTable) files = NULL;

      write_random (taken, 100, 3);
      g_assert_true (g_file_get_contents (taken, &taken_contents, NULL, NULL));

      dest = ks_folder_destination_new (root);
      _ks_folder_destination_set_publish_mode (dest, modes[m]);
      g_assert_true (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
      g_assert_no_error (error);

      store (KS_DESTINATION (dest), "2023", "IMG_1", "JPG", a, &rel1);
      store (KS_DESTINATION (dest), "2023", "IMG_1", "JPG", b, &rel2);
      g_assert_cmpstr (rel1, ==, "2023/IMG_1 (2).JPG");
      g_assert_cmpstr (rel2, ==, "2023/IMG_1 (3).JPG");
      g_assert_cmpint (_ks_folder_destination_get_publish_mode (dest), ==, modes[m]);

      g_assert_true (g_file_get_contents (taken, &now, NULL, NULL));
      g_assert_cmpstr (now, ==, taken_contents);
      files = list_files (root);
      g_assert_cmpuint (g_hash_table_size (files), ==, 3);
      assert_no_temp_files (root);
      ks_destination_close (KS_DESTINATION (dest));
    }
}

static void
test_fuse_destination (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autofree char *under = g_build_filename (f->tmp, "under", NULL);
  g_autofree char *a = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_9999.JPG", NULL);
  g_autofree char *b = g_build_filename (f->src, "DCIM", "101APPLE", "IMG_9999.JPG", NULL);
  const char *argv[] = { "bindfs", under, f->dest, NULL };
  int status = 0;

  /* A FUSE filesystem, as NAS and phone mounts often are: bindfs refuses
   * RENAME_NOREPLACE, so names are claimed with link(). */
  g_assert_cmpint (g_mkdir_with_parents (under, 0755), ==, 0);
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  if (error != NULL || !g_spawn_check_wait_status (status, NULL))
    g_error ("bindfs %s %s failed (needs bindfs, /dev/fuse and root, as in CI): %s",
             under, f->dest, error ? error->message : "exit status");
  f->fuse_mounted = TRUE;

  write_random (a, 50000, 1);
  write_random (b, 60000, 2);
  first = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, 2);
  dest_files = list_files (f->dest);
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_9999.JPG"));
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_9999 (2).JPG"));
  assert_backup_complete (f->src, f->dest);
  assert_no_temp_files (f->dest);

  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, 2);
}

/* ---- batched commits ---- */

static void
write_photos (Fixture *f,
              guint    count,
              gsize    size,
              guint    seed)
{
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 1 + i);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random (path, size, seed + i);
    }
}

typedef struct
{
  Fixture *f;
  guint    calls;
  guint    broken;     /* finished files whose index line or catalog row was missing */
  guint    max_ahead;  /* most index lines seen beyond the files finished */
} BatchWatch;

static void
batch_watch_cb (KsImportJob *job,
                guint        n_finished,
                gpointer     user_data)
{
  BatchWatch *w = user_data;
  guint lines = count_index_lines (w->f->dest);
  gint64 copies = catalog_count (w->f, "SELECT count(*) FROM copies");

  /* Finished means durable and recorded: its line is in the destination's index and its
   * copy in the catalog, whatever batch it was committed in. */
  w->calls++;
  if (lines < n_finished || copies < n_finished)
    w->broken++;
  if (lines > n_finished)
    w->max_ahead = MAX (w->max_ahead, lines - n_finished);
}

/* Files are named, synced and indexed a batch at a time, and none counts as done before its
 * batch is durable. */
static void
test_batched_commit (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  BatchWatch w = { f, 0, 0, 0 };
  RunOptions opts = { .hook = batch_watch_cb, .hook_data = &w, .depth = 8 };

  write_photos (f, 40, 60000, 300);
  result = run_import (f, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 40);
  g_assert_cmpuint (w.calls, ==, 40);
  g_assert_cmpuint (w.broken, ==, 0);
  /* At least one batch held more than one file (a batch is at most depth / 2 = 4). */
  g_assert_cmpuint (w.max_ahead, >=, 1);
  g_assert_cmpuint (w.max_ahead, <=, 3);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 40);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 40);
  assert_no_temp_files (f->dest);
  assert_backup_complete (f->src, f->dest);
}

static void
cancel_at_two_cb (KsImportJob *job,
                  guint        n_finished,
                  gpointer     user_data)
{
  if (n_finished == 2)
    g_cancellable_cancel (user_data);
}

/* Cancelled in the middle of a batch: what the batch already named is kept, indexed and
 * recorded; what was only written is removed; the next run brings the rest. */
static void
test_cancel_mid_batch (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) resumed = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions opts = { .hook = cancel_at_two_cb, .hook_data = cancellable,
                      .cancellable = cancellable, .depth = 16 };
  guint kept;

  write_photos (f, 60, 50000, 400);
  result = run_import (f, &opts, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED);
  g_assert_null (result);
  g_clear_error (&error);

  assert_no_temp_files (f->dest);
  dest_files = list_files (f->dest);
  kept = g_hash_table_size (dest_files);
  g_assert_cmpuint (kept, >=, 2);
  g_assert_cmpuint (kept, <, 60);
  g_assert_cmpuint (count_index_lines (f->dest), ==, kept);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, kept);

  resumed = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed->copied, ==, 60 - kept);
  g_assert_cmpuint (resumed->skipped, ==, kept);
  assert_backup_complete (f->src, f->dest);
}

/* The batch's index sync fails (a failing disk): none of its files counts as stored, each
 * says why, nothing is in the index or the catalog; the next run adopts the files already
 * under their names instead of storing second copies. */
static void
test_sync_failure (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) again = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions opts = { .fail_sync = EIO };
  const KsImportFileError *fe;

  write_photos (f, 5, 40000, 500);
  result = run_import (f, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 0);
  g_assert_cmpuint (result->failed, ==, 5);
  g_assert_cmpuint (result->bytes, ==, 0);
  g_assert_cmpstr (result->status, ==, "completed-with-errors");
  g_assert_cmpuint (result->errors->len, ==, 5);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_cmpstr (fe->path, ==, "DCIM/100APPLE/IMG_0001.JPG");
  g_assert_nonnull (strstr (fe->message, "index"));
  g_assert_cmpuint (count_index_lines (f->dest), ==, 0);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);
  assert_no_temp_files (f->dest);

  again = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->failed, ==, 0);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 5);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 5);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 5);
  assert_backup_complete (f->src, f->dest);
}

/* A file cut short on the source after it was listed: an error naming it, nothing stored
 * for it (what was listed is what would be recorded), and the next run takes it as it is. */
static void
test_changed_while_copying (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new (f->dest);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) again = NULL;
  g_autofree char *third = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0003.JPG", NULL);
  const KsImportFileError *fe;

  write_photos (f, 4, 30000, 600);

  /* Listed (as the window lists before Import), then changed before it is read. */
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
  g_assert_no_error (error);
  assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), files);
  g_assert_cmpint (truncate (third, 1000), ==, 0);

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), assets, dests, f->catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 3);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpuint (result->errors->len, ==, 1);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_cmpstr (fe->path, ==, "DCIM/100APPLE/IMG_0003.JPG");
  g_assert_nonnull (strstr (fe->message, "changed while it was being copied"));
  g_assert_cmpuint (count_index_lines (f->dest), ==, 3);
  assert_no_temp_files (f->dest);

  again = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->copied, ==, 1);
  g_assert_cmpuint (again->failed, ==, 0);
  assert_backup_complete (f->src, f->dest);
}

/* Two runs into one folder (the app and a cron job): the second is refused with a clear
 * reason before it touches anything, so it cannot sweep away the first one's temporaries;
 * once the first is done, it goes ahead. */
static void
test_destination_busy (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsFolderDestination) first = ks_folder_destination_new (f->dest);
  g_autoptr(KsImportResult) result = NULL;
  g_autofree char *temp = NULL;
  g_autoptr(GHashTable) dest_files = NULL;

  write_photos (f, 3, 20000, 700);
  g_assert_true (ks_destination_open (KS_DESTINATION (first), NULL, &error));
  g_assert_no_error (error);
  /* The first run's file in progress. */
  temp = g_build_filename (f->dest, ".IMG_0001.JPG" KS_FOLDER_DESTINATION_TMP_MARK "abcdef", NULL);
  g_assert_true (g_file_set_contents (temp, "half a photo", -1, NULL));

  result = run_import (f, NULL, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Another backup"));
  g_assert_nonnull (strstr (error->message, f->dest));
  g_assert_null (result);
  g_clear_error (&error);
  g_assert_true (g_file_test (temp, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_index_lines (f->dest), ==, 0);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 0);

  g_assert_cmpint (g_unlink (temp), ==, 0);
  ks_destination_close (KS_DESTINATION (first));
  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 3);
  assert_backup_complete (f->src, f->dest);
}

/* ---- a destination whose medium corrupts one file ---- */

#define TEST_TYPE_BAD_MEDIUM (test_bad_medium_get_type ())
G_DECLARE_FINAL_TYPE (TestBadMedium, test_bad_medium, TEST, BAD_MEDIUM, KsDestination)

/* A kind of destination made of another kind's medium operations (a folder's), with one
 * file's bytes damaged on their way to the disk. The index, naming and verification are
 * the base class's, as for any kind. */
struct _TestBadMedium
{
  KsDestination  parent_instance;
  KsDestination *inner;
  char          *victim;   /* name hint of the file whose bytes get damaged */
  gpointer       damaging;
};

G_DEFINE_FINAL_TYPE (TestBadMedium, test_bad_medium, KS_TYPE_DESTINATION)

#define INNER(d) (TEST_BAD_MEDIUM (d)->inner)
#define INNER_CLASS(d) KS_DESTINATION_GET_CLASS (INNER (d))

static const char *bm_get_kind (KsDestination *d) { return INNER_CLASS (d)->get_kind (INNER (d)); }
static char *bm_dup_uri (KsDestination *d) { return INNER_CLASS (d)->dup_uri (INNER (d)); }
static char *bm_dup_display_name (KsDestination *d) { return INNER_CLASS (d)->dup_display_name (INNER (d)); }
static char *bm_open (KsDestination *d, GCancellable *c, GError **e) { return INNER_CLASS (d)->open_medium (INNER (d), c, e); }
static void bm_close (KsDestination *d) { INNER_CLASS (d)->close_medium (INNER (d)); }
static gint64 bm_free (KsDestination *d, GError **e) { return INNER_CLASS (d)->query_free_space (INNER (d), e); }
static gboolean bm_available (KsDestination *d, GError **e) { return INNER_CLASS (d)->check_available (INNER (d), e); }
static char *bm_read_index (KsDestination *d, GError **e) { return INNER_CLASS (d)->read_index (INNER (d), e); }
static gboolean bm_append_index (KsDestination *d, const char *l, gsize n, GError **e) { return INNER_CLASS (d)->append_index (INNER (d), l, n, e); }
static gboolean bm_replace_index (KsDestination *d, const char *l, gsize n, GError **e) { return INNER_CLASS (d)->replace_index (INNER (d), l, n, e); }
static gboolean bm_sync_folder (KsDestination *d, const char *dir, GError **e) { return INNER_CLASS (d)->sync_folder (INNER (d), dir, e); }
static gboolean bm_query_file (KsDestination *d, const char *rel, guint64 *s) { return INNER_CLASS (d)->query_file (INNER (d), rel, s); }

static char *
bm_hash_file (KsDestination *d, const char *rel, guint64 *size, GCancellable *c, GError **e)
{
  return INNER_CLASS (d)->hash_file (INNER (d), rel, size, c, e);
}

static gpointer
bm_create_temp (KsDestination *d, const char *dir, const char *hint, GError **e)
{
  gpointer temp = INNER_CLASS (d)->create_temp (INNER (d), dir, hint, e);

  if (temp != NULL && g_strcmp0 (hint, TEST_BAD_MEDIUM (d)->victim) == 0)
    TEST_BAD_MEDIUM (d)->damaging = temp;
  return temp;
}

static gboolean
bm_write_temp (KsDestination *d, gpointer temp, const void *data, gsize len, GError **e)
{
  g_autofree guint8 *copy = NULL;

  if (temp != TEST_BAD_MEDIUM (d)->damaging || len == 0)
    return INNER_CLASS (d)->write_temp (INNER (d), temp, data, len, e);

  /* One bit flipped on its way to the disk. */
  copy = g_memdup2 (data, len);
  copy[len / 2] ^= 0x10;
  return INNER_CLASS (d)->write_temp (INNER (d), temp, copy, len, e);
}

static char *
bm_finish_temp (KsDestination *d, gpointer temp, guint64 *size, GCancellable *c, GError **e)
{
  return INNER_CLASS (d)->finish_temp (INNER (d), temp, size, c, e);
}

static gboolean
bm_name_temp (KsDestination *d, gpointer temp, const char *dir, const char *name, GError **e)
{
  return INNER_CLASS (d)->name_temp (INNER (d), temp, dir, name, e);
}

static void
bm_free_temp (KsDestination *d, gpointer temp)
{
  if (temp == TEST_BAD_MEDIUM (d)->damaging)
    TEST_BAD_MEDIUM (d)->damaging = NULL;
  INNER_CLASS (d)->free_temp (INNER (d), temp);
}

static void
test_bad_medium_finalize (GObject *object)
{
  g_clear_object (&TEST_BAD_MEDIUM (object)->inner);
  g_free (TEST_BAD_MEDIUM (object)->victim);
  G_OBJECT_CLASS (test_bad_medium_parent_class)->finalize (object);
}

static void
test_bad_medium_class_init (TestBadMediumClass *klass)
{
  KsDestinationClass *dest_class = KS_DESTINATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_bad_medium_finalize;
  dest_class->get_kind = bm_get_kind;
  dest_class->dup_uri = bm_dup_uri;
  dest_class->dup_display_name = bm_dup_display_name;
  dest_class->open_medium = bm_open;
  dest_class->close_medium = bm_close;
  dest_class->query_free_space = bm_free;
  dest_class->check_available = bm_available;
  dest_class->read_index = bm_read_index;
  dest_class->append_index = bm_append_index;
  dest_class->replace_index = bm_replace_index;
  dest_class->create_temp = bm_create_temp;
  dest_class->write_temp = bm_write_temp;
  dest_class->finish_temp = bm_finish_temp;
  dest_class->name_temp = bm_name_temp;
  dest_class->free_temp = bm_free_temp;
  dest_class->sync_folder = bm_sync_folder;
  dest_class->query_file = bm_query_file;
  dest_class->hash_file = bm_hash_file;
}

static void
test_bad_medium_init (TestBadMedium *self)
{
}

static void
test_verify_failure (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(TestBadMedium) bad = g_object_new (TEST_TYPE_BAD_MEDIUM, NULL);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) again = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  const KsImportFileError *fe;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", 1 + i);
      g_autofree char *path = g_build_filename (f->src, name, NULL);

      write_random (path, 30000, 60 + i);
    }
  bad->inner = KS_DESTINATION (ks_folder_destination_new (f->dest));
  bad->victim = g_strdup ("IMG_0002.JPG");
  g_ptr_array_add (dests, bad);

  /* What reaches the disk is not what was read: the copy never gets a name. */
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 2);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpstr (result->status, ==, "completed-with-errors");
  g_assert_cmpuint (result->errors->len, ==, 1);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_cmpstr (fe->path, ==, "IMG_0002.JPG");
  g_assert_true (fe->domain == KS_IMPORT_ERROR);
  g_assert_cmpint (fe->code, ==, KS_IMPORT_ERROR_VERIFY_FAILED);

  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 2);
  g_assert_false (g_hash_table_contains (dest_files, "2023/06/IMG_0002.JPG"));
  assert_no_temp_files (f->dest);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 2);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM copies"), ==, 2);

  /* A sound medium: the missing one arrives. */
  again = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->copied, ==, 1);
  assert_backup_complete (f->src, f->dest);
}

/* A big video (several buffers, read back while it is written) damaged on the way to the
 * disk: caught, never named, retried by the next run. */
static void
test_verify_failure_big (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(TestBadMedium) bad = g_object_new (TEST_TYPE_BAD_MEDIUM, NULL);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) again = NULL;
  g_autofree char *movie = g_build_filename (f->src, "IMG_0007.MOV", NULL);
  g_autofree char *photo = g_build_filename (f->src, "IMG_0008.JPG", NULL);
  const KsImportFileError *fe;

  write_random (movie, 11 * 1024 * 1024 + 123, 90);
  write_random (photo, 50000, 91);
  bad->inner = KS_DESTINATION (ks_folder_destination_new (f->dest));
  bad->victim = g_strdup ("IMG_0007.MOV");
  g_ptr_array_add (dests, bad);

  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 1);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpuint (result->errors->len, ==, 1);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_cmpstr (fe->path, ==, "IMG_0007.MOV");
  g_assert_cmpint (fe->code, ==, KS_IMPORT_ERROR_VERIFY_FAILED);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 1);
  assert_no_temp_files (f->dest);

  again = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->copied, ==, 1);
  assert_backup_complete (f->src, f->dest);
}

/* Where @src's bytes were stored in @f->dest (relative path), or NULL. */
static char *
stored_path_of (Fixture    *f,
                const char *src)
{
  g_autoptr(GHashTable) files = list_files (f->dest);
  g_autofree char *want = hash_path (src);
  GHashTableIter iter;
  const char *rel, *path;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&path))
    {
      g_autofree char *have = hash_path (path);

      if (g_strcmp0 (have, want) == 0)
        return g_strdup (rel);
    }

  return NULL;
}

static void
assert_pair_together (Fixture    *f,
                      const char *folder)
{
  g_autofree char *heic = g_build_filename (f->src, "DCIM", folder, "IMG_0001.HEIC", NULL);
  g_autofree char *mov = g_build_filename (f->src, "DCIM", folder, "IMG_0001.MOV", NULL);
  g_autofree char *stored_heic = stored_path_of (f, heic);
  g_autofree char *stored_mov = stored_path_of (f, mov);

  g_assert_nonnull (stored_heic);
  g_assert_nonnull (stored_mov);
  g_assert_true (g_str_has_suffix (stored_heic, ".HEIC"));
  g_assert_true (g_str_has_suffix (stored_mov, ".MOV"));
  /* Same folder, same base name. */
  g_assert_cmpint (strlen (stored_heic) - 4, ==, strlen (stored_mov) - 3);
  g_assert_cmpint (strncmp (stored_heic, stored_mov, strlen (stored_mov) - 3), ==, 0);
}

static void
make_live_pairs (Fixture *f)
{
  const char *folders[] = { "100APPLE", "101APPLE" };

  /* Two Live Photos with the same names in two folders (IMG_ numbers wrap around). */
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *heic = g_build_filename (f->src, "DCIM", folders[i], "IMG_0001.HEIC", NULL);
      g_autofree char *mov = g_build_filename (f->src, "DCIM", folders[i], "IMG_0001.MOV", NULL);

      write_random (heic, 40000 + i, 70 + i);
      write_random (mov, 90000 + i, 80 + i);
    }
}

static void
test_companions_keep_base_name (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;

  make_live_pairs (f);
  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 4);

  /* The second pair is renamed as a pair: its movie still sits beside its photo. */
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 4);
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_0001.HEIC"));
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_0001 (2).HEIC"));
  assert_pair_together (f, "100APPLE");
  assert_pair_together (f, "101APPLE");
}

static void
test_companion_follows_renamed_photo (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  g_autofree char *heic = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0001.HEIC", NULL);
  g_autofree char *mov = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0001.MOV", NULL);
  g_autofree char *foreign = g_build_filename (f->dest, "2023", "06", "IMG_0001.HEIC", NULL);

  /* Only the photo's name is taken (by a file that is not ours); the movie's is free,
   * yet it takes the photo's " (2)" so the pair stays a pair. */
  write_random (heic, 40000, 1);
  write_random (mov, 90000, 2);
  write_random (foreign, 500, 3);

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, 2);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 3);
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_0001 (2).HEIC"));
  g_assert_true (g_hash_table_contains (dest_files, "2023/06/IMG_0001 (2).MOV"));
  g_assert_false (g_hash_table_contains (dest_files, "2023/06/IMG_0001.MOV"));
}

static void
test_flags_then_companions (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(GHashTable) dest_files = NULL;
  RunOptions stills_only = { .flags = KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS };

  make_live_pairs (f);
  first = run_import (f, &stills_only, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, 2);
  dest_files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, 2);
  g_assert_false (g_hash_table_contains (dest_files, "2023/06/IMG_0001.MOV"));

  /* Live movies wanted after all: they join their photos' names, even the renamed one. */
  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 2);
  g_assert_cmpuint (second->skipped, ==, 2);
  assert_pair_together (f, "100APPLE");
  assert_pair_together (f, "101APPLE");
  assert_backup_complete (f->src, f->dest);
}

static void
test_destination_moved (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autofree char *elsewhere = g_build_filename (f->tmp, "other-mount-point", NULL);
  g_autofree char *uri = NULL;

  make_library (f->src, 5, 1);
  first = run_import (f, NULL, &error);
  g_assert_no_error (error);

  /* The drive comes back at another mount point: recognised by its own id. */
  g_assert_cmpint (g_rename (f->dest, elsewhere), ==, 0);
  g_free (f->dest);
  f->dest = g_strdup (elsewhere);
  second = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, first->copied);
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM destinations"), ==, 1);
  uri = g_filename_to_uri (elsewhere, NULL, NULL);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM destinations WHERE uri = '%s'", uri);
    g_assert_cmpint (catalog_count (f, sql), ==, 1);
  }
}

static void
test_catalog_schema (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-catalog-XXXXXX", &error);
  g_autofree char *path = g_build_filename (tmp, "sub", "catalog.db", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsCatalog) reopened = NULL;
  g_autoptr(KsCatalog) newer = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  gint64 run_id;

  g_assert_no_error (error);
  catalog = ks_catalog_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "PRAGMA user_version"), ==, KS_CATALOG_SCHEMA_VERSION);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog,
                                            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                                            " ('devices','files','assets','asset_files','source_files',"
                                            "  'destinations','copies','runs')"), ==, 8);

  g_assert_true (ks_catalog_record_device (catalog, "00008110-0001", "Anna's iPhone", "iPhone15,2", &error));
  g_assert_true (ks_catalog_record_device (catalog, "00008110-0001", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM devices WHERE name = 'Anna''s iPhone'"), ==, 1);

  /* A copy needs its destination: foreign keys are enforced. */
  g_assert_false (ks_catalog_record_copy (catalog, h, 10, "no-such-destination", "a/b.jpg", 0, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_true (ks_catalog_record_destination (catalog, "dest-1", "folder", "file:///x", "x", NULL, &error));
  g_assert_true (ks_catalog_record_copy (catalog, h, 10, "dest-1", "2023/06/b.jpg", 5, &error));
  g_assert_true (ks_catalog_record_source_file (catalog, "folder:/src", "DCIM/b.jpg", 10, 77, h, &error));
  g_assert_true (ks_catalog_record_asset (catalog, h, "b.jpg", 77, h, "primary", &error));
  g_assert_no_error (error);

  hash = ks_catalog_lookup_source_file (catalog, "folder:/src", "DCIM/b.jpg", 10, 77);
  g_assert_cmpstr (hash, ==, h);
  g_assert_null (ks_catalog_lookup_source_file (catalog, "folder:/src", "DCIM/b.jpg", 10, 78));
  copy = ks_catalog_lookup_copy (catalog, h, "dest-1");
  g_assert_cmpstr (copy, ==, "2023/06/b.jpg");
  g_assert_cmpuint (ks_catalog_count_copies (catalog, "dest-1"), ==, 1);

  run_id = ks_catalog_begin_run (catalog, "folder:/src", "dest-1", &error);
  g_assert_no_error (error);
  g_assert_true (ks_catalog_finish_run (catalog, run_id, 1, 2, 3, 4, "completed", NULL, &error));
  g_clear_object (&catalog);

  /* Reopening migrates nothing and keeps everything. */
  reopened = ks_catalog_new (path, &error);
  g_assert_no_error (error);
  runs = ks_catalog_list_runs (reopened);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpuint (((KsCatalogRun *)runs->pdata[0])->skipped, ==, 2);
  g_assert_cmpuint (ks_catalog_count_copies (reopened, "dest-1"), ==, 1);
  g_assert_cmpint (_ks_catalog_query_int64 (reopened, "PRAGMA journal_mode = WAL"), ==, 0);

  /* A catalog from the future is refused, not damaged. */
  g_assert_cmpint (_ks_catalog_query_int64 (reopened, "PRAGMA user_version = 99"), ==, -1);
  g_clear_object (&reopened);
  newer = ks_catalog_new (path, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (newer);

  rm_rf (tmp);
}

/* ---- dates that come at the end of the file ---- */

/* Where the default layout files a file dated @t: "YYYY/MM/" in local time. */
static char *
month_folder (gint64 t)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (t);

  return g_date_time_format (date, "%Y/%m/");
}

static void
test_date_at_end (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autofree char *video = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0100.MOV", NULL);
  g_autofree char *photo = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0200.HEIC", NULL);
  g_autofree char *live = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0200.MOV", NULL);
  const gint64 mtime = 978350400;            /* 2001-01-01: file times lie */
  const gint64 video_date = 1552205700;      /* 2019-03-10 08:15 UTC */
  const gint64 live_date = 1483272000;       /* 2017-01-01 12:00 UTC: the movie's own */
  g_autofree char *video_rel = NULL;
  g_autofree char *photo_rel = NULL;
  g_autofree char *live_rel = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *photo_dir = NULL;
  g_autofree char *live_dir = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  KsMetadata md;

  {
    g_autoptr(GBytes) v = make_late_moov_mov (video_date, 1);
    g_autoptr(GBytes) p = make_late_exif_heic ("2018:07:04 18:30:00", 2);
    g_autoptr(GBytes) l = make_late_moov_mov (live_date, 3);

    write_file (video, g_bytes_get_data (v, NULL), g_bytes_get_size (v), mtime);
    write_file (photo, g_bytes_get_data (p, NULL), g_bytes_get_size (p), mtime);
    write_file (live, g_bytes_get_data (l, NULL), g_bytes_get_size (l), mtime);
  }

  /* The fixtures are what they claim: nothing in the first read chunk gives a date,
   * the whole file does. */
  g_assert_true (g_file_get_contents (photo, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 4 * 1024 * 1024);
  g_assert_false (ks_metadata_parse_data ((const guint8 *)contents, 4 * 1024 * 1024, &md));
  g_assert_true (ks_metadata_parse_data ((const guint8 *)contents, len, &md));
  g_clear_pointer (&contents, g_free);
  g_assert_cmpint (md.format, ==, KS_ASSET_KIND_HEIC);
  {
    g_autoptr(GDateTime) taken = g_date_time_new_local (2018, 7, 4, 18, 30, 0);

    g_assert_cmpint (ks_metadata_get_capture_time (&md, 0), ==, g_date_time_to_unix (taken));
  }

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->status, ==, "completed");
  g_assert_cmpuint (result->copied, ==, 3);
  assert_backup_complete (f->src, f->dest);

  /* The video is filed by the moov's date, not its mtime. */
  video_rel = stored_path_of (f, video);
  g_assert_nonnull (video_rel);
  expected = month_folder (video_date);
  g_assert_true (g_str_has_prefix (video_rel, expected));
  g_clear_pointer (&expected, g_free);

  /* The photo by its late Exif item. */
  photo_rel = stored_path_of (f, photo);
  g_assert_nonnull (photo_rel);
  expected = month_folder (md.capture_time);
  g_assert_true (g_str_has_prefix (photo_rel, expected));
  g_assert_true (g_str_has_prefix (photo_rel, "2018/07/"));

  /* The Live Photo's movie stays beside its photo, whatever its own date says. */
  live_rel = stored_path_of (f, live);
  g_assert_nonnull (live_rel);
  photo_dir = g_path_get_dirname (photo_rel);
  live_dir = g_path_get_dirname (live_rel);
  g_assert_cmpstr (live_dir, ==, photo_dir);
  g_assert_true (g_str_has_suffix (live_rel, "IMG_0200.MOV"));

  /* And the catalog remembers the assets under those dates. */
  g_assert_cmpint (catalog_count (f, "SELECT count(*) FROM assets WHERE capture_time = 1552205700"), ==, 1);
  assert_no_temp_files (f->dest);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/Keepsake/Catalog/schema", test_catalog_schema);
  ADD ("/Keepsake/Import/folder-backup", test_folder_backup);
  ADD ("/Keepsake/Import/same-name-and-renamed", test_same_name_and_renamed);
  ADD ("/Keepsake/Import/catalog-lost", test_catalog_lost);
  ADD ("/Keepsake/Import/dry-run", test_dry_run);
  ADD ("/Keepsake/Import/destination-full", test_destination_full);
  ADD ("/Keepsake/Import/destination-read-only", test_destination_read_only);
  ADD ("/Keepsake/Import/destination-removed", test_destination_removed);
  ADD ("/Keepsake/Import/hostile-names", test_hostile_names);
  ADD ("/Keepsake/Import/symlink-in-destination", test_symlink_in_destination);
  ADD ("/Keepsake/Import/stale-temp-cleaned", test_stale_temp_cleaned);
  ADD ("/Keepsake/Import/cancel", test_cancel);
  ADD ("/Keepsake/Import/batched-commit", test_batched_commit);
  ADD ("/Keepsake/Import/cancel-mid-batch", test_cancel_mid_batch);
  ADD ("/Keepsake/Import/sync-failure", test_sync_failure);
  ADD ("/Keepsake/Import/changed-while-copying", test_changed_while_copying);
  ADD ("/Keepsake/Import/destination-busy", test_destination_busy);
  ADD ("/Keepsake/Import/source-lost", test_source_lost);
  ADD ("/Keepsake/Import/source-folder-vanished", test_source_folder_vanished);
  ADD ("/Keepsake/Import/async-progress", test_async_progress);
  ADD ("/Keepsake/Import/deleted-from-destination", test_deleted_from_destination);
  ADD ("/Keepsake/Import/two-destinations", test_two_destinations);
  ADD ("/Keepsake/Import/bad-layout", test_bad_layout);
  ADD ("/Keepsake/Import/crash-leftovers", test_crash_leftovers);
  ADD ("/Keepsake/Import/date-from-bytes", test_date_from_bytes);
  ADD ("/Keepsake/Import/date-at-end", test_date_at_end);
  ADD ("/Keepsake/Destination/publish-fallbacks", test_publish_fallbacks);
  ADD ("/Keepsake/Import/fuse-destination", test_fuse_destination);
  ADD ("/Keepsake/Import/verify-failure", test_verify_failure);
  ADD ("/Keepsake/Import/verify-failure-big", test_verify_failure_big);
  ADD ("/Keepsake/Import/companions-keep-base-name", test_companions_keep_base_name);
  ADD ("/Keepsake/Import/companion-follows-renamed-photo", test_companion_follows_renamed_photo);
  ADD ("/Keepsake/Import/flags-then-companions", test_flags_then_companions);
  ADD ("/Keepsake/Import/destination-moved", test_destination_moved);
  ADD ("/Keepsake/Verify/flipped-byte", test_verify);
#undef ADD

  return g_test_run ();
}
