/* test-jpeg-copy-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* JPEG copies of HEIC photos: the job on a real folder destination (derived index lines,
 * resuming, damaged and changed originals, cancelling), and the backup service running it
 * after an import when the plan asks. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-backup-plan.h"
#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-hash.h"
#include "ks-jpeg-copy.h"
#include "ks-jpeg-copy-job.h"

#include "ks-test-heic.h"
#include "test-engine-util.h"
#include "test-thumb-util.h"

/* ---- the job, on a folder destination ---- */

typedef struct
{
  char          *tmp;
  char          *root;
  KsDestination *dest;
  GPtrArray     *hashes;   /* of the originals stored, in order */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-jpeg-job-XXXXXX", &error);
  g_assert_no_error (error);
  f->root = g_build_filename (f->tmp, "backup", NULL);
  g_assert_cmpint (g_mkdir (f->root, 0755), ==, 0);
  f->dest = KS_DESTINATION (ks_folder_destination_new (f->root));
  f->hashes = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->dest);
  g_clear_pointer (&f->hashes, g_ptr_array_unref);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->root);
}

/* Stores @bytes as the import does (verified, indexed). */
static char *
store_original (Fixture    *f,
                const char *rel_dir,
                const char *name,
                GBytes     *bytes)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stem = g_strndup (name, strrchr (name, '.') - name);
  char *hash;
  char *rel = NULL;
  KsDestinationWriter *writer;

  ks_hasher_update (hasher, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  hash = ks_hasher_finish (hasher);

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_no_error (error);
  writer = ks_destination_begin_file (f->dest, rel_dir, name, &error);
  g_assert_no_error (error);
  g_assert_true (ks_destination_write (f->dest, writer, g_bytes_get_data (bytes, NULL),
                                       g_bytes_get_size (bytes), &error));
  g_assert_true (ks_destination_commit (f->dest, writer, rel_dir, stem, strrchr (name, '.') + 1,
                                        hash, NULL, &rel, NULL, &error));
  g_assert_no_error (error);
  ks_destination_close (f->dest);
  g_ptr_array_add (f->hashes, hash);
  return rel;
}

static void
store_photos (Fixture *f,
              guint    n)
{
  for (guint i = 0; i < n; i++)
    {
      KsTestHeicSpec spec = { .width = 128 + 16 * i, .height = 96, .orientation = i % 2 ? 6 : 1 };
      g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
      g_autofree char *name = g_strdup_printf ("IMG_%04u.HEIC", i + 1);
      g_autofree char *rel = store_original (f, "2024/05", name, heic);
    }
}

static KsJpegCopyResult *
run_job (Fixture         *f,
         KsJpegPlacement  placement,
         GCancellable    *cancellable,
         GError         **error)
{
  g_autoptr(KsJpegCopyJob) job = ks_jpeg_copy_job_new ();

  ks_jpeg_copy_job_add_destination (job, f->dest, placement, 92);
  return ks_jpeg_copy_job_run (job, cancellable, error);
}

static char *
read_index (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->root, ".keepsake", "index", NULL);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
test_job_makes_and_resumes (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) first = NULL;
  g_autoptr(KsJpegCopyResult) second = NULL;
  g_autofree char *index = NULL;
  g_autofree char *jpeg_path = NULL;
  g_autofree char *jpeg_hash = NULL;
  g_autofree char *derived_line = NULL;
  g_autofree char *rel = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  store_photos (f, 3);
  first = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->made, ==, 3);
  g_assert_cmpuint (first->failed, ==, 0);
  g_assert_cmpuint (first->present, ==, 0);

  /* 3 originals + 3 JPEGs, nothing temporary. */
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 6);
  assert_no_temp_files (f->root);
  jpeg_path = g_build_filename (f->root, "2024", "05", "JPEG", "IMG_0002.JPG", NULL);
  g_assert_true (g_file_test (jpeg_path, G_FILE_TEST_IS_REGULAR));

  /* Indexed as derived from its original; never a copy of anything. */
  jpeg_hash = hash_path (jpeg_path);
  index = read_index (f);
  derived_line = g_strdup_printf ("derived %s %s ", (char *) g_ptr_array_index (f->hashes, 1), jpeg_hash);
  g_assert_nonnull (strstr (index, derived_line));
  g_assert_nonnull (strstr (index, " 2024/05/JPEG/IMG_0002.JPG\n"));
  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_false (ks_destination_lookup (f->dest, jpeg_hash, NULL, NULL));
  g_assert_true (ks_destination_lookup_derived (f->dest, g_ptr_array_index (f->hashes, 1), &rel, NULL));
  g_assert_cmpstr (rel, ==, "2024/05/JPEG/IMG_0002.JPG");
  entries = ks_destination_list_entries (f->dest);
  g_assert_cmpuint (entries->len, ==, 3);
  ks_destination_close (f->dest);

  /* A second run makes none. */
  second = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->made, ==, 0);
  g_assert_cmpuint (second->present, ==, 3);
  g_hash_table_unref (files);
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 6);
}

static void
test_job_beside (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autofree char *beside = g_build_filename (f->root, "2024", "05", "IMG_0001.JPG", NULL);
  g_autofree char *taken = g_build_filename (f->root, "2024", "05", "IMG_0002.JPG", NULL);
  g_autofree char *second = g_build_filename (f->root, "2024", "05", "IMG_0002 (2).JPG", NULL);
  g_autofree char *taken_contents = NULL;
  g_autofree char *edited = g_build_filename (f->root, "2024", "05", "IMG_E0001.JPG", NULL);
  g_autofree char *edited_rel = NULL;
  KsTestHeicSpec edit_spec = { .width = 96, .height = 96, .orientation = 1 };
  g_autoptr(GBytes) edit = ks_test_make_heic_photo (&edit_spec);
  g_autoptr(GBytes) movie = g_bytes_new_static ("\0\0\0\x14" "ftypqt  not a photo", 23);
  g_autofree char *movie_rel = NULL;

  store_photos (f, 2);
  /* The edited version, a HEIC too, gets its own; a movie gets none. */
  edited_rel = store_original (f, "2024/05", "IMG_E0001.HEIC", edit);
  movie_rel = store_original (f, "2024/05", "IMG_0001.MOV", movie);
  /* A file of someone else's has the name: it stays, the copy takes the next name. */
  g_assert_true (g_file_set_contents (taken, "mine", -1, NULL));

  result = run_job (f, KS_JPEG_PLACEMENT_BESIDE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, 3);
  g_assert_true (g_file_test (beside, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (edited, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (taken, &taken_contents, NULL, NULL));
  g_assert_cmpstr (taken_contents, ==, "mine");
}

/* A damaged HEIC: a per-file error that says so, the others converted, the original kept
 * and still counted as stored. */
static void
test_job_corrupt (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autoptr(GBytes) junk = g_bytes_new_static ("\0\0\0\x18" "ftypheic but then nothing", 29);
  g_autofree char *rel = NULL;
  g_autofree char *junk_path = NULL;
  KsImportFileError *fe;

  store_photos (f, 2);
  rel = store_original (f, "2024/05", "IMG_0099.HEIC", junk);

  result = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, 2);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpuint (result->errors->len, ==, 1);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_cmpstr (fe->path, ==, "2024/05/IMG_0099.HEIC");
  g_assert_cmpstr (fe->destination_id, ==, ks_destination_get_id (f->dest));
  g_assert_true (fe->domain == KS_JPEG_COPY_ERROR);
  g_assert_true (g_str_has_prefix (fe->message, "Cannot decode this HEIC photo"));

  junk_path = g_build_filename (f->root, rel, NULL);
  g_assert_true (g_file_test (junk_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_true (ks_destination_lookup (f->dest, g_ptr_array_index (f->hashes, 2), NULL, NULL));
  ks_destination_close (f->dest);
  assert_no_temp_files (f->root);
}

/* An original changed on the disk since it was stored is not converted. */
static void
test_job_changed_original (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autofree char *path = g_build_filename (f->root, "2024", "05", "IMG_0001.HEIC", NULL);
  gsize len;

  store_photos (f, 1);
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
    /* Same size (lookups only stat), other bytes. */
    contents[len / 2] ^= 0x55;
    g_assert_true (g_file_set_contents (path, contents, len, NULL));
  }

  result = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, 0);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_true (((KsImportFileError *) g_ptr_array_index (result->errors, 0))->domain == KS_DESTINATION_ERROR);
}

static void
cancel_after_first_cb (guint       done,
                       guint       total,
                       const char *relative_path,
                       gpointer    user_data)
{
  if (done == 1)
    g_cancellable_cancel (user_data);
}

/* Cancelled mid-way: what was verified stays recorded, nothing partial, the next run does
 * the rest. */
static void
test_job_cancel (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KsJpegCopyJob) job = ks_jpeg_copy_job_new ();
  g_autoptr(KsJpegCopyResult) rest = NULL;
  const KsJpegCopyResult *partial;
  g_autoptr(GHashTable) files = NULL;
  g_autofree char *index = NULL;
  guint derived = 0;

  store_photos (f, 8);
  ks_jpeg_copy_job_add_destination (job, f->dest, KS_JPEG_PLACEMENT_SUBFOLDER, 92);
  ks_jpeg_copy_job_set_threads (job, 2);
  ks_jpeg_copy_job_set_progress (job, cancel_after_first_cb, cancellable);
  g_assert_null (ks_jpeg_copy_job_run (job, cancellable, &error));
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED);
  partial = ks_jpeg_copy_job_get_result (job);
  g_assert_cmpuint (partial->made, ==, 1);

  assert_no_temp_files (f->root);
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 8 + 1);
  index = read_index (f);
  for (const char *p = index; (p = strstr (p, "derived ")) != NULL; p++)
    derived++;
  g_assert_cmpuint (derived, ==, 1);

  g_clear_error (&error);
  rest = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rest->made, ==, 7);
  g_assert_cmpuint (rest->present, ==, 1);
}

/* An index with derived lines, reloaded: they stay derived (and compaction keeps them). */
static void
test_index_roundtrip (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autoptr(KsDestination) again = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  store_photos (f, 2);
  result = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);

  again = KS_DESTINATION (ks_folder_destination_new (f->root));
  g_assert_true (ks_destination_open (again, NULL, &error));
  g_assert_true (ks_destination_lookup_derived (again, g_ptr_array_index (f->hashes, 0), NULL, NULL));
  g_assert_true (ks_destination_lookup_derived (again, g_ptr_array_index (f->hashes, 1), NULL, NULL));
  entries = ks_destination_list_entries (again);
  g_assert_cmpuint (entries->len, ==, 2);
  ks_destination_close (again);
}

/* ---- through the backup service ---- */

static void
jpeg_progress_cb (KsBackupRun *run,
                  guint        done,
                  guint        total,
                  gpointer     user_data)
{
  guint *seen = user_data;

  g_assert_cmpuint (done, ==, seen[0] + 1);
  seen[0] = done;
  seen[1] = total;
}

static void
test_service_stage (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-jpeg-service-XXXXXX", &error);
  g_autofree char *db = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *library = g_build_filename (tmp, "library", "DCIM", "100APPLE", NULL);
  g_autofree char *backup = g_build_filename (tmp, "backup", NULL);
  g_autofree char *jpeg = g_build_filename (backup, "2024", "05", "JPEG", "IMG_0001.JPG", NULL);
  g_autofree char *jpeg_hash = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsBackupService) service = NULL;
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(KsBackupRun) again = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsSource) source = NULL;
  KsPlanDestination *dest;
  const KsJpegCopyResult *jr;
  guint seen[2] = { 0, 0 };

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (library, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (backup, 0755), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      KsTestHeicSpec spec = { .width = 128 + 64 * i, .height = 96, .orientation = 1 };
      g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
      g_autofree char *name = g_strdup_printf ("IMG_%04u.HEIC", i + 1);
      g_autofree char *path = test_write_file_in (library, name, heic);
    }

  catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  plan = ks_backup_plan_new (catalog, &error);
  g_assert_no_error (error);
  dest = ks_backup_plan_add_folder (plan, backup, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (ks_backup_plan_set_destination_option (plan, ks_plan_destination_get_id (dest),
                                                        KS_JPEG_OPTION_ENABLED, "true", &error));
  g_assert_no_error (error);

  folder = g_file_new_for_path (library);
  source = KS_SOURCE (ks_folder_source_new (folder));
  service = ks_backup_service_new (catalog, plan);
  run = ks_backup_service_back_up (service, source, NULL, NULL, "cli", &error);
  g_assert_no_error (error);
  g_signal_connect (run, "jpeg-progress", G_CALLBACK (jpeg_progress_cb), seen);
  while (ks_backup_run_get_state (run) != KS_BACKUP_RUN_FINISHED)
    g_main_context_iteration (NULL, TRUE);
  /* Each JPEG copy was announced, on this thread, before the run finished. */
  g_assert_cmpuint (seen[0], ==, 2);
  g_assert_cmpuint (seen[1], ==, 2);

  g_assert_null (ks_backup_run_get_error (run));
  g_assert_cmpuint (ks_backup_run_get_result (run)->copied, ==, 2);
  jr = ks_backup_run_get_jpeg_result (run);
  g_assert_nonnull (jr);
  g_assert_cmpuint (jr->made, ==, 2);
  g_assert_true (g_file_test (jpeg, G_FILE_TEST_IS_REGULAR));

  /* The catalog holds the 2 originals as copies, and no JPEG. */
  jpeg_hash = hash_path (jpeg);
  g_assert_cmpuint (ks_catalog_count_copies (catalog, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, backup))), ==, 2);
  g_assert_null (ks_catalog_lookup_copy (catalog, jpeg_hash, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, backup))));

  /* Switched off: a run makes none and has no JPEG stage. */
  g_assert_true (ks_backup_plan_set_destination_option (plan, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, backup)),
                                                        KS_JPEG_OPTION_ENABLED, "false", &error));
  again = ks_backup_service_back_up (service, source, NULL, NULL, "cli", &error);
  g_assert_no_error (error);
  while (ks_backup_run_get_state (again) != KS_BACKUP_RUN_FINISHED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ks_backup_run_get_jpeg_result (again));

  g_clear_object (&run);
  g_clear_object (&again);
  g_clear_object (&service);
  g_clear_object (&plan);
  g_clear_object (&catalog);
  rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/jpeg-copy/job/makes-and-resumes", Fixture, NULL, fixture_set_up, test_job_makes_and_resumes, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/beside", Fixture, NULL, fixture_set_up, test_job_beside, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/corrupt", Fixture, NULL, fixture_set_up, test_job_corrupt, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/changed-original", Fixture, NULL, fixture_set_up, test_job_changed_original, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/cancel", Fixture, NULL, fixture_set_up, test_job_cancel, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/index-roundtrip", Fixture, NULL, fixture_set_up, test_index_roundtrip, fixture_tear_down);
  g_test_add_func ("/jpeg-copy/service", test_service_stage);

  return g_test_run ();
}
