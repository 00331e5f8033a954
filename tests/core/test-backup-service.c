/* test-backup-service.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The backup plan (stored once, in the catalog) and the backup service that runs it, with
 * no window: real folders, a real catalog, the real import job. */

#include "config.h"

#include <glib/gstdio.h>

#include "ks-backup-plan.h"
#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"

#include "test-engine-util.h"

typedef struct
{
  char      *tmp;
  char      *library;
  KsCatalog *catalog;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;

  f->tmp = g_dir_make_tmp ("ks-service-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->tmp, "catalog.db", NULL);
  f->catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  f->library = g_build_filename (f->tmp, "library", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->catalog);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->library);
}

static char *
make_folder (Fixture    *f,
             const char *name)
{
  char *path = g_build_filename (f->tmp, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
  return path;
}

static KsBackupPlan *
new_plan (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  KsBackupPlan *plan = ks_backup_plan_new (f->catalog, &error);

  g_assert_no_error (error);
  return plan;
}

static KsSource *
library_source (Fixture *f,
                int      count)
{
  g_autoptr(GFile) folder = g_file_new_for_path (f->library);

  make_library (f->library, count, 1);
  return KS_SOURCE (ks_folder_source_new (folder));
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static guint
count_files (const char *root)
{
  g_autoptr(GHashTable) files = list_files (root);

  return g_hash_table_size (files);
}

/* ---- the plan ---- */

static void
test_plan_stored_once (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KsBackupPlan) plan = new_plan (f);
  g_autoptr(KsBackupPlan) again = NULL;
  g_autofree char *a = make_folder (f, "a");
  g_autofree char *b = make_folder (f, "b");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) enabled = NULL;
  KsPlanDestination *dest_a;
  KsPlanDestination *dest_b;
  char *id_a;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), ==, 0);
  g_assert_false (ks_backup_plan_is_initialized (plan));

  dest_a = ks_backup_plan_add_folder (plan, a, NULL, FALSE, &error);
  g_assert_no_error (error);
  id_a = g_strdup (ks_plan_destination_get_id (dest_a));
  g_assert_true (g_uuid_string_is_valid (id_a));
  g_assert_cmpstr (ks_plan_destination_get_name (dest_a), ==, "a");
  g_assert_cmpstr (ks_plan_destination_get_location (dest_a), ==, a);
  g_assert_cmpint (ks_plan_destination_get_kind (dest_a), ==, KS_DESTINATION_KIND_FOLDER);
  g_assert_true (ks_plan_destination_get_enabled (dest_a));
  g_assert_cmpint (ks_plan_destination_get_methods (dest_a), ==, KS_BACKUP_METHOD_FILES);

  dest_b = ks_backup_plan_add_folder (plan, b, "Backup Drive", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_plan_destination_get_name (dest_b), ==, "Backup Drive");

  /* The same folder twice, a relative path, a missing folder: clear errors, nothing added. */
  g_assert_null (ks_backup_plan_add_folder (plan, a, NULL, FALSE, &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_null (ks_backup_plan_add_folder (plan, "relative/path", NULL, FALSE, &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID);
  g_clear_error (&error);
  {
    g_autofree char *missing = g_build_filename (f->tmp, "missing", NULL);

    g_assert_null (ks_backup_plan_add_folder (plan, missing, NULL, FALSE, &error));
    g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID);
    g_clear_error (&error);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), ==, 2);

  g_assert_true (ks_backup_plan_set_enabled (plan, id_a, FALSE, &error));
  g_assert_no_error (error);
  ks_backup_plan_set_include_videos (plan, FALSE);
  g_assert_true (ks_backup_plan_set_layout (plan, "{device}/{name}", &error));
  g_assert_no_error (error);
  g_assert_false (ks_backup_plan_set_layout (plan, "{nonsense}", &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (ks_backup_plan_mark_initialized (plan, &error));

  /* Another process (a second plan over the same catalog file) sees the same plan. */
  {
    g_autoptr(KsCatalog) other = ks_catalog_new (ks_catalog_get_path (f->catalog), &error);

    g_assert_no_error (error);
    again = ks_backup_plan_new (other, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 2);
  g_assert_false (ks_plan_destination_get_enabled (ks_backup_plan_lookup (again, id_a)));
  g_assert_nonnull (ks_backup_plan_lookup (again, b));
  g_assert_false (ks_backup_plan_get_include_videos (again));
  g_assert_true (ks_backup_plan_get_include_edited (again));
  g_assert_cmpstr (ks_backup_plan_get_layout (again), ==, "{device}/{name}");
  g_assert_true (ks_backup_plan_get_import_flags (again) & KS_IMPORT_FLAGS_SKIP_VIDEOS);
  g_assert_true (ks_backup_plan_is_initialized (again));

  enabled = ks_backup_plan_dup_enabled (again, KS_BACKUP_METHOD_FILES);
  g_assert_cmpuint (enabled->len, ==, 1);
  g_assert_cmpstr (ks_plan_destination_get_location (g_ptr_array_index (enabled, 0)), ==, b);

  /* Removing takes it out of the plan; an edit in one process reaches the other on reload. */
  g_assert_true (ks_backup_plan_remove (again, id_a, &error));
  g_assert_no_error (error);
  g_assert_false (ks_backup_plan_remove (again, id_a, &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ks_backup_plan_reload (plan, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), ==, 1);
  g_assert_null (ks_backup_plan_lookup (plan, id_a));
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM plan_destinations"), ==, 1);

  g_free (id_a);
}

/* Other kinds are added by their own code; methods and per-destination options are kept, and go
 * with their entry. */
static void
test_plan_other_kinds_and_options (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(KsBackupPlan) plan = new_plan (f);
  g_autoptr(KsBackupPlan) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) full = NULL;
  g_autofree char *value = NULL;
  KsPlanDestination *dest;
  char *id;

  dest = ks_backup_plan_add (plan, KS_DESTINATION_KIND_NETWORK, NULL, "NAS",
                             "sftp://me@127.0.0.1/photos", KS_BACKUP_METHOD_FILES, &error);
  g_assert_no_error (error);
  id = g_strdup (ks_plan_destination_get_id (dest));
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpint (ks_plan_destination_get_kind (dest), ==, KS_DESTINATION_KIND_NETWORK);

  /* The same location twice, no name, no method: clear errors. */
  g_assert_null (ks_backup_plan_add (plan, KS_DESTINATION_KIND_NETWORK, NULL, "Again",
                                     "sftp://me@127.0.0.1/photos", KS_BACKUP_METHOD_FILES, &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_null (ks_backup_plan_add (plan, KS_DESTINATION_KIND_DRIVE, NULL, "",
                                     "uuid:1234", KS_BACKUP_METHOD_FILES, &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ks_backup_plan_set_methods (plan, id, KS_BACKUP_METHOD_NONE, &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (ks_backup_plan_set_methods (plan, id, KS_BACKUP_METHOD_FILES | KS_BACKUP_METHOD_FULL,
                                             &error));
  g_assert_no_error (error);
  g_assert_true (ks_backup_plan_set_destination_option (plan, id, "jpeg-copies", "true", &error));
  g_assert_no_error (error);
  g_assert_false (ks_backup_plan_set_destination_option (plan, "no-such-id", "x", "y", &error));
  g_assert_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  again = ks_backup_plan_new (f->catalog, &error);
  g_assert_no_error (error);
  full = ks_backup_plan_dup_enabled (again, KS_BACKUP_METHOD_FULL);
  g_assert_cmpuint (full->len, ==, 1);
  g_assert_cmpstr (ks_plan_destination_get_location (g_ptr_array_index (full, 0)), ==,
                   "sftp://me@127.0.0.1/photos");
  value = ks_backup_plan_dup_destination_option (again, id, "jpeg-copies");
  g_assert_cmpstr (value, ==, "true");
  g_assert_null (ks_backup_plan_dup_destination_option (again, id, "unset"));

  g_assert_true (ks_backup_plan_set_destination_option (again, id, "jpeg-copies", NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ks_backup_plan_dup_destination_option (again, id, "jpeg-copies"));

  g_assert_true (ks_backup_plan_set_destination_option (again, id, "keep", "3", &error));
  g_assert_true (ks_backup_plan_remove (again, id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM plan_settings"
                                            " WHERE key LIKE 'destination/%'"), ==, 0);
  g_free (id);
}

/* A folder that already holds a Keepsake backup keeps its id: the catalog knows its copies by it. */
static void
test_plan_adopts_existing_id (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(KsBackupPlan) plan = new_plan (f);
  g_autofree char *path = make_folder (f, "old-backup");
  g_autoptr(KsFolderDestination) old = ks_folder_destination_new (path);
  g_autoptr(GError) error = NULL;
  KsPlanDestination *dest;
  GAsyncResult *result = NULL;

  g_assert_true (ks_destination_open (KS_DESTINATION (old), NULL, &error));
  g_assert_no_error (error);
  ks_destination_close (KS_DESTINATION (old));

  ks_backup_plan_add_folder_async (plan, path, NULL, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  dest = ks_backup_plan_add_folder_finish (plan, result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_plan_destination_get_id (dest), ==, ks_destination_get_id (KS_DESTINATION (old)));
}

/* ---- the service ---- */

static void
wait_finished (KsBackupRun *run)
{
  while (ks_backup_run_get_state (run) != KS_BACKUP_RUN_FINISHED)
    g_main_context_iteration (NULL, TRUE);
}

static void
count_cb (gpointer user_data)
{
  (*(guint *)user_data)++;
}

static void
test_service_runs_the_plan (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(KsBackupPlan) plan = new_plan (f);
  g_autoptr(KsBackupService) service = ks_backup_service_new (f->catalog, plan);
  g_autoptr(KsSource) source = library_source (f, 12);
  g_autofree char *a = make_folder (f, "a");
  g_autofree char *b = make_folder (f, "b");
  g_autofree char *off = make_folder (f, "off");
  g_autofree char *fresh = g_build_filename (f->tmp, "Pictures", "iPhone", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(KsBackupRun) same = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autofree char *id_file = NULL;
  g_autofree char *id = NULL;
  guint progress = 0, finished = 0, started = 0;

  ks_backup_plan_add_folder (plan, a, NULL, FALSE, &error);
  g_assert_no_error (error);
  ks_backup_plan_add_folder (plan, b, NULL, FALSE, &error);
  g_assert_no_error (error);
  ks_backup_plan_add_folder (plan, fresh, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  ks_backup_plan_add_folder (plan, off, NULL, FALSE, &error);
  g_assert_no_error (error);
  ks_backup_plan_set_enabled (plan, off, FALSE, &error);
  g_assert_no_error (error);

  g_signal_connect_swapped (service, "run-started", G_CALLBACK (count_cb), &started);
  run = ks_backup_service_back_up (service, source, NULL, NULL, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ks_backup_run_get_state (run), ==, KS_BACKUP_RUN_QUEUED);
  g_assert_cmpuint (ks_backup_run_get_destinations (run)->len, ==, 3);
  g_signal_connect_swapped (run, "progress", G_CALLBACK (count_cb), &progress);
  g_signal_connect_swapped (run, "finished", G_CALLBACK (count_cb), &finished);

  /* Asking again for everything gives the same run, not a second one. */
  same = ks_backup_service_back_up (service, source, NULL, NULL, "test", &error);
  g_assert_no_error (error);
  g_assert_true (same == run);
  g_assert_true (ks_backup_service_find_run (service, ks_source_get_id (source)) == run);
  g_assert_true (ks_backup_service_is_busy (service));

  wait_finished (run);
  g_assert_no_error ((GError *)ks_backup_run_get_error (run));
  g_assert_cmpuint (finished, ==, 1);
  g_assert_cmpuint (started, ==, 1);
  g_assert_cmpuint (progress, >, 0);
  g_assert_cmpuint (ks_backup_run_get_result (run)->copied, >, 0);
  g_assert_false (ks_backup_service_is_busy (service));
  g_assert_null (ks_backup_service_find_run (service, ks_source_get_id (source)));

  /* Every enabled destination holds every file, byte for byte; the one switched off nothing;
   * the default folder was made by the run and carries the plan's id. */
  assert_backup_complete (f->library, a);
  assert_backup_complete (f->library, b);
  assert_backup_complete (f->library, fresh);
  g_assert_cmpuint (count_files (off), ==, 0);
  id_file = g_build_filename (fresh, ".keepsake", "id", NULL);
  g_assert_true (g_file_get_contents (id_file, &id, NULL, NULL));
  g_assert_cmpstr (g_strstrip (id), ==, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, fresh)));

  /* The run is in the catalog with who started it, and the plan knows the last success. */
  runs = ks_catalog_list_recent_runs (f->catalog, 5);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpstr (((KsCatalogRun *)g_ptr_array_index (runs, 0))->origin, ==, "test");
  g_assert_cmpstr (((KsCatalogRun *)g_ptr_array_index (runs, 0))->status, ==, "completed");
  g_assert_cmpint (ks_plan_destination_get_last_success (ks_backup_plan_lookup (plan, a),
                                                         ks_source_get_id (source)), >, 0);
  g_assert_cmpint (ks_plan_destination_get_last_success (ks_backup_plan_lookup (plan, off),
                                                         ks_source_get_id (source)), ==, 0);
}

static void
test_service_queue (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(KsBackupPlan) plan = new_plan (f);
  g_autoptr(KsBackupService) service = ks_backup_service_new (f->catalog, plan);
  g_autoptr(KsSource) source = library_source (f, 6);
  g_autofree char *a = make_folder (f, "a");
  g_autofree char *once = make_folder (f, "once");
  g_autofree char *never = make_folder (f, "never");
  g_autoptr(GPtrArray) to_once = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) to_never = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsBackupRun) first = NULL;
  g_autoptr(KsBackupRun) second = NULL;
  g_autoptr(KsBackupRun) third = NULL;

  /* An empty plan: a clear error, no run. */
  g_assert_null (ks_backup_service_back_up (service, source, NULL, NULL, "test", &error));
  g_assert_error (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS);
  g_clear_error (&error);

  ks_backup_plan_add_folder (plan, a, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_ptr_array_add (to_once, ks_folder_destination_new (once));
  g_ptr_array_add (to_never, ks_folder_destination_new (never));

  first = ks_backup_service_back_up (service, source, NULL, NULL, "test", &error);
  g_assert_no_error (error);
  second = ks_backup_service_back_up (service, source, NULL, to_once, "test", &error);
  g_assert_no_error (error);
  third = ks_backup_service_back_up (service, source, NULL, to_never, "test", &error);
  g_assert_no_error (error);
  g_assert_true (second != first);
  g_assert_cmpuint (g_list_model_get_n_items (ks_backup_service_get_runs (service)), ==, 3);

  /* A queued run that is cancelled never starts and ends at once. */
  ks_backup_run_cancel (third);
  while (ks_backup_run_get_state (third) != KS_BACKUP_RUN_FINISHED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error ((GError *)ks_backup_run_get_error (third), KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED);
  g_assert_null (ks_backup_run_get_result (third));

  /* One run at a time, in order. */
  while (ks_backup_run_get_state (second) == KS_BACKUP_RUN_QUEUED)
    {
      g_assert_cmpint (ks_backup_run_get_state (first), !=, KS_BACKUP_RUN_QUEUED);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (ks_backup_run_get_state (first), ==, KS_BACKUP_RUN_FINISHED);
  wait_finished (second);

  assert_backup_complete (f->library, a);
  assert_backup_complete (f->library, once);
  g_assert_cmpuint (count_files (never), ==, 0);
  g_assert_false (ks_backup_service_is_busy (service));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/BackupPlan/stored-once", Fixture, NULL, fixture_set_up, test_plan_stored_once, fixture_tear_down);
  g_test_add ("/BackupPlan/other-kinds-and-options", Fixture, NULL, fixture_set_up, test_plan_other_kinds_and_options, fixture_tear_down);
  g_test_add ("/BackupPlan/adopts-existing-id", Fixture, NULL, fixture_set_up, test_plan_adopts_existing_id, fixture_tear_down);
  g_test_add ("/BackupService/runs-the-plan", Fixture, NULL, fixture_set_up, test_service_runs_the_plan, fixture_tear_down);
  g_test_add ("/BackupService/queue", Fixture, NULL, fixture_set_up, test_service_queue, fixture_tear_down);

  return g_test_run ();
}
