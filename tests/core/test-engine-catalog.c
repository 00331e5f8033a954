/* test-engine-catalog.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The catalog on its own: migrating a v1 file, runs whose process was killed with -9
 * becoming "interrupted" while live ones stay "running", and the read API front ends use
 * instead of its sqlite (devices, destinations, summary, a source's files with copies), and
 * its cached prepared statements behaving like fresh ones. */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-import-job.h"

#include "test-engine-util.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

typedef struct
{
  char *tmp;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-catalog-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->tmp, "data", "catalog.db", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->path);
}

static KsCatalogRun *
find_run (GPtrArray *runs,
          gint64     id)
{
  for (guint i = 0; i < runs->len; i++)
    if (((KsCatalogRun *)runs->pdata[i])->id == id)
      return runs->pdata[i];

  return NULL;
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *errmsg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("%s: %s", sql, errmsg);
}

/* ---- migration from v1 ---- */

static void
test_migrate_v1 (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);
  sqlite3 *db = NULL;
  KsCatalogRun *run;

  /* A catalog exactly as the first release wrote it, with a run that was killed. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  exec_sql (db,
            "PRAGMA journal_mode = WAL;"
            "CREATE TABLE devices (udid TEXT PRIMARY KEY, name TEXT, model TEXT,"
            "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
            "CREATE TABLE files (hash TEXT PRIMARY KEY, size INTEGER NOT NULL, first_seen INTEGER NOT NULL);"
            "CREATE TABLE assets (id INTEGER PRIMARY KEY,"
            "  primary_hash TEXT NOT NULL UNIQUE REFERENCES files(hash), original_name TEXT,"
            "  capture_time INTEGER, first_seen INTEGER NOT NULL);"
            "CREATE TABLE asset_files (asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
            "  hash TEXT NOT NULL REFERENCES files(hash), role TEXT NOT NULL, PRIMARY KEY (asset_id, hash));"
            "CREATE TABLE source_files (source_id TEXT NOT NULL, path TEXT NOT NULL,"
            "  size INTEGER NOT NULL, mtime INTEGER NOT NULL, hash TEXT NOT NULL REFERENCES files(hash),"
            "  last_seen INTEGER NOT NULL, PRIMARY KEY (source_id, path));"
            "CREATE TABLE destinations (id TEXT PRIMARY KEY, kind TEXT NOT NULL, uri TEXT,"
            "  display_name TEXT, volume_uuid TEXT, last_seen INTEGER NOT NULL);"
            "CREATE TABLE copies (hash TEXT NOT NULL REFERENCES files(hash),"
            "  destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,"
            "  relative_path TEXT NOT NULL, size INTEGER NOT NULL, verified_at INTEGER,"
            "  PRIMARY KEY (hash, destination_id));"
            "CREATE INDEX copies_by_destination ON copies(destination_id);"
            "CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL,"
            "  finished_at INTEGER, source_id TEXT, destinations TEXT,"
            "  copied INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,"
            "  failed INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
            "  status TEXT NOT NULL, error TEXT);"
            "PRAGMA user_version = 1;"
            "INSERT INTO devices VALUES ('00008110-0001', 'Anna''s iPhone', 'iPhone15,2', 100, 200);"
            "INSERT INTO files VALUES ('" HASH_A "', 10, 100);"
            "INSERT INTO destinations VALUES ('dest-1', 'folder', 'file:///backup', 'backup', NULL, 200);"
            "INSERT INTO copies VALUES ('" HASH_A "', 'dest-1', '2023/06/IMG_0001.HEIC', 10, 150);"
            "INSERT INTO source_files VALUES ('device:1', 'DCIM/IMG_0001.HEIC', 10, 77, '" HASH_A "', 150);"
            "INSERT INTO assets VALUES (1, '" HASH_A "', 'IMG_0001.HEIC', 1686830400, 150);"
            "INSERT INTO asset_files VALUES (1, '" HASH_A "', 'primary');"
            "INSERT INTO runs VALUES (1, 100, 110, 'device:1', 'dest-1', 1, 0, 0, 10, 'completed', NULL);"
            "INSERT INTO runs VALUES (2, 300, NULL, 'device:1', 'dest-1', 0, 0, 0, 0, 'running', NULL);");
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "PRAGMA user_version"), ==, 4);
  g_assert_cmpint (KS_CATALOG_SCHEMA_VERSION, ==, 4);

  /* The new owner (v2) and origin (v3) columns exist, empty for old runs; the plan's tables
   * (v3) exist, empty: a plan is set up by a front end. */
  g_assert_cmpint (_ks_catalog_query_int64 (catalog,
                                            "SELECT count(*) FROM runs WHERE owner_pid IS NULL"
                                            " AND owner_start IS NULL AND owner_boot IS NULL"
                                            " AND origin IS NULL"), ==, 2);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM plan_destinations"), ==, 0);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM plan_settings"), ==, 0);
  /* (v4) No inventory yet: the next listing makes it. */
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM source_inventory"), ==, 0);

  /* Nothing was lost on the way. */
  hash = ks_catalog_lookup_source_file (catalog, "device:1", "DCIM/IMG_0001.HEIC", 10, 77);
  g_assert_cmpstr (hash, ==, HASH_A);
  g_assert_cmpuint (ks_catalog_count_copies (catalog, "dest-1"), ==, 1);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM asset_files"), ==, 1);

  /* The next job start marks the v1 run left "running" interrupted: it has no owner
   * that could still be alive. The new run records its owner. */
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM runs WHERE status = 'running'"), ==, 1);
  g_assert_cmpint (ks_catalog_begin_run (catalog, "device:1", "dest-1", &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM runs WHERE id = 2 AND status = 'interrupted'"), ==, 1);
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT owner_pid FROM runs WHERE id = 3"), ==, getpid ());
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM runs WHERE id = 3 AND owner_start > 0"), ==, 1);

  runs = ks_catalog_list_runs (catalog);
  g_assert_cmpuint (runs->len, ==, 3);
  run = find_run (runs, 1);
  g_assert_cmpstr (run->status, ==, "completed");
  g_assert_cmpint (run->finished_at, ==, 110);
  run = find_run (runs, 2);
  g_assert_cmpstr (run->status, ==, "interrupted");
  g_assert_cmpint (run->finished_at, >=, 300);
  g_assert_nonnull (run->error);
  g_clear_object (&catalog);

  /* Reopening an up-to-date catalog migrates nothing, and a live run stays running. */
  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = ks_catalog_list_runs (catalog);
  g_assert_cmpuint (runs->len, ==, 3);
  g_assert_cmpstr (find_run (runs, 3)->status, ==, "running");
}

/* ---- runs killed with -9 ---- */

/* The child: its own connection, one run, then it waits to be killed. */
static void G_GNUC_NORETURN
run_owner_child (const char *path,
                 int         fd)
{
  KsCatalog *catalog = ks_catalog_new (path, NULL);
  gint64 id = catalog ? ks_catalog_begin_run (catalog, "device:child", "dest-1", NULL) : -1;

  if (write (fd, &id, sizeof id) != sizeof id)
    _exit (1);
  for (;;)
    pause ();
}

static void
test_killed_run (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(KsCatalogRun) run = NULL;
  gint64 child_run = -1;
  gint64 own_run, foreign_boot_run, recycled_run;
  g_autofree char *sql = NULL;
  int fds[2];
  int status = 0;
  pid_t child;
  gint64 deadline;

  /* The catalog exists before the child opens it, so both agree on its schema. */
  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);
  g_clear_object (&catalog);

  g_assert_cmpint (pipe (fds), ==, 0);
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      close (fds[0]);
      run_owner_child (f->path, fds[1]);
    }
  close (fds[1]);
  g_assert_cmpint (read (fds[0], &child_run, sizeof child_run), ==, sizeof child_run);
  close (fds[0]);
  g_assert_cmpint (child_run, >, 0);

  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);
  own_run = ks_catalog_begin_run (catalog, "device:parent", "dest-1", &error);
  g_assert_no_error (error);

  /* Another live process's run (the CLI while the app looks) is left alone, and so is
   * our own. */
  g_assert_cmpuint (ks_catalog_reap_runs (catalog), ==, 0);
  runs = ks_catalog_list_runs (catalog);
  g_assert_cmpstr (find_run (runs, child_run)->status, ==, "running");
  g_assert_cmpstr (find_run (runs, own_run)->status, ==, "running");
  g_clear_pointer (&runs, g_ptr_array_unref);

  /* kill -9: until its parent waits, the child is a zombie, and that already counts as
   * gone. */
  g_assert_cmpint (kill (child, SIGKILL), ==, 0);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      run = ks_catalog_dup_run (catalog, child_run);
      g_assert_nonnull (run);
      if (g_strcmp0 (run->status, "interrupted") == 0 || g_get_monotonic_time () > deadline)
        break;
      g_clear_pointer (&run, ks_catalog_run_free);
      g_usleep (20 * 1000);
    }
  g_assert_cmpstr (run->status, ==, "interrupted");
  g_assert_cmpint (run->finished_at, >=, run->started_at);
  g_assert_nonnull (run->error);
  g_clear_pointer (&run, ks_catalog_run_free);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

  runs = ks_catalog_list_runs (catalog);
  g_assert_cmpstr (find_run (runs, child_run)->status, ==, "interrupted");
  g_assert_cmpstr (find_run (runs, own_run)->status, ==, "running");
  g_clear_pointer (&runs, g_ptr_array_unref);

  /* A run from before a reboot, and a run whose pid now belongs to another process
   * (same pid, other start time), are gone too, though the pid is alive. */
  foreign_boot_run = ks_catalog_begin_run (catalog, "device:parent", "dest-1", &error);
  recycled_run = ks_catalog_begin_run (catalog, "device:parent", "dest-1", &error);
  g_assert_no_error (error);
  sql = g_strdup_printf ("UPDATE runs SET owner_boot = 'not-this-boot' WHERE id = %" G_GINT64_FORMAT,
                         foreign_boot_run);
  _ks_catalog_query_int64 (catalog, sql);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE runs SET owner_start = owner_start + 1 WHERE id = %" G_GINT64_FORMAT,
                         recycled_run);
  _ks_catalog_query_int64 (catalog, sql);

  g_assert_cmpuint (ks_catalog_reap_runs (catalog), ==, 2);
  runs = ks_catalog_list_runs (catalog);
  g_assert_cmpstr (find_run (runs, foreign_boot_run)->status, ==, "interrupted");
  g_assert_cmpstr (find_run (runs, recycled_run)->status, ==, "interrupted");
  g_assert_cmpstr (find_run (runs, own_run)->status, ==, "running");
  g_clear_pointer (&runs, g_ptr_array_unref);

  /* Our own run finishes normally; reaping never touches a finished run. */
  g_assert_true (ks_catalog_finish_run (catalog, own_run, 1, 2, 0, 30, "completed", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ks_catalog_reap_runs (catalog), ==, 0);
  run = ks_catalog_dup_run (catalog, own_run);
  g_assert_cmpstr (run->status, ==, "completed");
  g_assert_cmpuint (run->skipped, ==, 2);
}

/* ---- the read API ---- */

static void
test_read_api (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) destinations = NULL;
  g_autoptr(KsCatalogSummary) summary = NULL;
  g_autoptr(GHashTable) files = NULL;
  const char *only_one[] = { "dest-2", NULL };
  const char *none[] = { NULL };
  KsCatalogDestination *dest;
  KsCatalogSourceFile *file;
  gint64 run_id;

  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);

  /* Empty: zeros and no last run, not NULL lists. */
  summary = ks_catalog_get_summary (catalog);
  g_assert_cmpuint (summary->n_files, ==, 0);
  g_assert_cmpuint (summary->destinations->len, ==, 0);
  g_assert_null (summary->last_run);
  g_clear_pointer (&summary, ks_catalog_summary_free);

  g_assert_true (ks_catalog_record_device (catalog, "udid-old", "Old iPhone", "iPhone10,1", &error));
  _ks_catalog_query_int64 (catalog, "UPDATE devices SET first_seen = 10, last_seen = 20 WHERE udid = 'udid-old'");
  g_assert_true (ks_catalog_record_device (catalog, "udid-new", "Anna's iPhone", "iPhone15,2", &error));
  g_assert_true (ks_catalog_record_destination (catalog, "dest-1", "folder", "file:///a", "a", "uuid-a", &error));
  g_assert_true (ks_catalog_record_destination (catalog, "dest-2", "folder", "file:///b", "b", NULL, &error));
  g_assert_true (ks_catalog_record_destination (catalog, "dest-3", "folder", "file:///c", "c", NULL, &error));
  _ks_catalog_query_int64 (catalog, "UPDATE destinations SET last_seen = 5 WHERE id = 'dest-3'");

  /* A on both destinations, B on dest-1, C hashed but never copied. */
  g_assert_true (ks_catalog_record_source_file (catalog, "device:1", "DCIM/A.HEIC", 100, 1, HASH_A, &error));
  g_assert_true (ks_catalog_record_source_file (catalog, "device:1", "DCIM/B.MOV", 2000, 2, HASH_B, &error));
  g_assert_true (ks_catalog_record_source_file (catalog, "device:1", "DCIM/C.JPG", 30, 3, HASH_C, &error));
  g_assert_true (ks_catalog_record_source_file (catalog, "folder:x", "A copy.HEIC", 100, 9, HASH_A, &error));
  g_assert_true (ks_catalog_record_copy (catalog, HASH_A, 100, "dest-1", "2023/A.HEIC", 1, &error));
  g_assert_true (ks_catalog_record_copy (catalog, HASH_A, 100, "dest-2", "2023/A.HEIC", 1, &error));
  g_assert_true (ks_catalog_record_copy (catalog, HASH_B, 2000, "dest-1", "2023/B.MOV", 1, &error));
  g_assert_true (ks_catalog_record_asset (catalog, HASH_A, "A.HEIC", 1, HASH_A, "primary", &error));
  g_assert_true (ks_catalog_record_asset (catalog, HASH_A, "A.HEIC", 1, HASH_B, "live-video", &error));
  g_assert_true (ks_catalog_record_asset (catalog, HASH_C, "C.JPG", 3, HASH_C, "primary", &error));
  run_id = ks_catalog_begin_run (catalog, "device:1", "dest-1 dest-2", &error);
  g_assert_true (ks_catalog_finish_run (catalog, run_id, 3, 0, 0, 2200, "completed", NULL, &error));
  run_id = ks_catalog_begin_run (catalog, "device:1", "dest-1", &error);
  g_assert_true (ks_catalog_finish_run (catalog, run_id, 0, 3, 0, 0, "completed", NULL, &error));
  g_assert_no_error (error);

  devices = ks_catalog_list_devices (catalog);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_cmpstr (((KsCatalogDevice *)devices->pdata[0])->udid, ==, "udid-new");
  g_assert_cmpstr (((KsCatalogDevice *)devices->pdata[0])->name, ==, "Anna's iPhone");
  g_assert_cmpstr (((KsCatalogDevice *)devices->pdata[1])->model, ==, "iPhone10,1");
  g_assert_cmpint (((KsCatalogDevice *)devices->pdata[1])->first_seen, ==, 10);
  g_assert_cmpint (((KsCatalogDevice *)devices->pdata[1])->last_seen, ==, 20);

  destinations = ks_catalog_list_destinations (catalog);
  g_assert_cmpuint (destinations->len, ==, 3);
  dest = destinations->pdata[2];
  g_assert_cmpstr (dest->id, ==, "dest-3");
  g_assert_cmpuint (dest->n_copies, ==, 0);
  g_assert_cmpuint (dest->bytes, ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      dest = destinations->pdata[i];
      if (g_str_equal (dest->id, "dest-1"))
        {
          g_assert_cmpuint (dest->n_copies, ==, 2);
          g_assert_cmpuint (dest->bytes, ==, 2100);
          g_assert_cmpstr (dest->volume_uuid, ==, "uuid-a");
          g_assert_cmpstr (dest->uri, ==, "file:///a");
        }
      else
        {
          g_assert_cmpstr (dest->id, ==, "dest-2");
          g_assert_cmpuint (dest->n_copies, ==, 1);
          g_assert_cmpuint (dest->bytes, ==, 100);
          g_assert_cmpstr (dest->display_name, ==, "b");
        }
    }

  summary = ks_catalog_get_summary (catalog);
  g_assert_cmpuint (summary->n_files, ==, 3);
  g_assert_cmpuint (summary->n_assets, ==, 2);
  g_assert_cmpuint (summary->n_backed_up, ==, 2);
  g_assert_cmpuint (summary->n_copies, ==, 3);
  g_assert_cmpuint (summary->bytes_copied, ==, 2200);
  g_assert_cmpuint (summary->n_devices, ==, 2);
  g_assert_cmpuint (summary->n_runs, ==, 2);
  g_assert_cmpuint (summary->destinations->len, ==, 3);
  g_assert_nonnull (summary->last_run);
  g_assert_cmpint (summary->last_run->id, ==, run_id);
  g_assert_cmpuint (summary->last_run->skipped, ==, 3);

  {
    g_autoptr(GPtrArray) recent = ks_catalog_list_recent_runs (catalog, 1);
    g_autoptr(GPtrArray) all = ks_catalog_list_recent_runs (catalog, 10);

    g_assert_cmpuint (recent->len, ==, 1);
    g_assert_cmpint (((KsCatalogRun *)recent->pdata[0])->id, ==, run_id);
    g_assert_cmpuint (all->len, ==, 2);
    g_assert_cmpint (((KsCatalogRun *)all->pdata[1])->id, <, run_id);
    g_assert_cmpuint (((KsCatalogRun *)all->pdata[1])->copied, ==, 3);
  }

  /* The grid's badges: one query for the whole source. */
  files = ks_catalog_list_source_files (catalog, "device:1", NULL);
  g_assert_cmpuint (g_hash_table_size (files), ==, 3);
  file = g_hash_table_lookup (files, "DCIM/A.HEIC");
  g_assert_cmpstr (file->hash, ==, HASH_A);
  g_assert_cmpuint (file->size, ==, 100);
  g_assert_cmpint (file->mtime, ==, 1);
  g_assert_cmpuint (file->n_copies, ==, 2);
  g_assert_cmpuint (((KsCatalogSourceFile *)g_hash_table_lookup (files, "DCIM/B.MOV"))->n_copies, ==, 1);
  g_assert_cmpuint (((KsCatalogSourceFile *)g_hash_table_lookup (files, "DCIM/C.JPG"))->n_copies, ==, 0);
  g_assert_null (g_hash_table_lookup (files, "A copy.HEIC"));
  g_clear_pointer (&files, g_hash_table_unref);

  files = ks_catalog_list_source_files (catalog, "device:1", only_one);
  g_assert_cmpuint (((KsCatalogSourceFile *)g_hash_table_lookup (files, "DCIM/A.HEIC"))->n_copies, ==, 1);
  g_assert_cmpuint (((KsCatalogSourceFile *)g_hash_table_lookup (files, "DCIM/B.MOV"))->n_copies, ==, 0);
  g_clear_pointer (&files, g_hash_table_unref);

  files = ks_catalog_list_source_files (catalog, "device:1", none);
  g_assert_cmpuint (((KsCatalogSourceFile *)g_hash_table_lookup (files, "DCIM/A.HEIC"))->n_copies, ==, 0);
  g_clear_pointer (&files, g_hash_table_unref);

  files = ks_catalog_list_source_files (catalog, "device:nobody", NULL);
  g_assert_cmpuint (g_hash_table_size (files), ==, 0);
}

/* The bulk query after a real import: every file of the source, its true hash, one copy. */
static void
test_source_files_after_import (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = g_build_filename (f->tmp, "src", NULL);
  g_autofree char *dest_path = g_build_filename (f->tmp, "dest", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (src);
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(KsFolderDestination) dest = NULL;
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GHashTable) src_files = NULL;
  g_autoptr(GHashTable) known = NULL;
  g_autoptr(KsCatalogSummary) summary = NULL;
  const char *ids[2] = { NULL, NULL };
  GHashTableIter iter;
  const char *rel, *path;

  make_library (src, 6, 1);
  g_assert_cmpint (g_mkdir_with_parents (dest_path, 0755), ==, 0);
  source = ks_folder_source_new (folder);
  dest = ks_folder_destination_new (dest_path);
  g_ptr_array_add (dests, dest);
  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);

  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, >, 0);

  ids[0] = ks_destination_get_id (KS_DESTINATION (dest));
  known = ks_catalog_list_source_files (catalog, ks_source_get_id (KS_SOURCE (source)), ids);
  src_files = list_files (src);
  g_assert_cmpuint (g_hash_table_size (known), ==, g_hash_table_size (src_files));

  g_hash_table_iter_init (&iter, src_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&path))
    {
      g_autofree char *hash = hash_path (path);
      KsCatalogSourceFile *file = NULL;
      GHashTableIter k;
      KsCatalogSourceFile *candidate;

      /* The catalog keys files by the source's own path; match on the name's tail. */
      g_hash_table_iter_init (&k, known);
      while (g_hash_table_iter_next (&k, NULL, (gpointer *)&candidate))
        if (g_str_has_suffix (candidate->path, rel) || g_str_has_suffix (rel, candidate->path))
          file = candidate;
      g_assert_nonnull (file);
      g_assert_cmpstr (file->hash, ==, hash);
      g_assert_cmpuint (file->n_copies, ==, 1);
    }

  summary = ks_catalog_get_summary (catalog);
  g_assert_cmpuint (summary->n_copies, ==, g_hash_table_size (src_files));
  g_assert_cmpuint (summary->destinations->len, ==, 1);
  g_assert_cmpuint (((KsCatalogDestination *)summary->destinations->pdata[0])->n_copies, ==,
                    g_hash_table_size (src_files));
  g_assert_cmpstr (summary->last_run->status, ==, "completed");
  g_assert_cmpuint (summary->last_run->copied, ==, result->copied);
}

/* The catalog refusing writes halfway through an import loses no file: every file is
 * copied, and each one the catalog could not record is reported with the run (it counts as
 * failed). The next run finds those copies in the destination's own index, copies nothing
 * and records them. */
static void
test_write_fails_mid_import (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = g_build_filename (f->tmp, "src", NULL);
  g_autofree char *dest_path = g_build_filename (f->tmp, "dest", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (src);
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(KsFolderDestination) dest = NULL;
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportJob) again = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GHashTable) src_files = NULL;
  g_autoptr(KsCatalogSummary) summary = NULL;
  sqlite3 *db = NULL;
  guint n_files;

  make_library (src, 6, 1);
  src_files = list_files (src);
  n_files = g_hash_table_size (src_files);
  g_assert_cmpuint (n_files, >, 3);
  g_assert_cmpint (g_mkdir_with_parents (dest_path, 0755), ==, 0);
  source = ks_folder_source_new (folder);
  dest = ks_folder_destination_new (dest_path);
  g_ptr_array_add (dests, dest);
  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);

  /* After two copies are recorded, the catalog refuses the rest. */
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  exec_sql (db,
            "CREATE TRIGGER refuse_copies BEFORE INSERT ON copies"
            " WHEN (SELECT count(*) FROM copies) >= 2"
            " BEGIN SELECT RAISE (ABORT, 'the disk refused the write'); END;");
  sqlite3_close (db);

  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, catalog);
  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  assert_backup_complete (src, dest_path);
  assert_no_temp_files (dest_path);
  g_assert_cmpuint (result->copied, ==, n_files);
  g_assert_cmpuint (result->failed, ==, n_files - 2);
  g_assert_cmpuint (result->errors->len, ==, n_files - 2);
  for (guint i = 0; i < result->errors->len; i++)
    {
      KsImportFileError *fe = g_ptr_array_index (result->errors, i);

      g_assert_nonnull (fe->path);
      g_assert_cmpstr (fe->destination_id, ==, ks_destination_get_id (KS_DESTINATION (dest)));
      g_assert_true (g_str_has_prefix (fe->message, "Copied, but not recorded in the catalog: "));
      g_assert_nonnull (strstr (fe->message, "the disk refused the write"));
    }
  g_assert_cmpstr (result->status, ==, "completed-with-errors");

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  exec_sql (db, "DROP TRIGGER refuse_copies");
  sqlite3_close (db);

  again = ks_import_job_new (KS_SOURCE (source), NULL, dests, catalog);
  second = ks_import_job_run (again, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->failed, ==, 0);
  g_assert_cmpuint (second->errors->len, ==, 0);
  g_assert_cmpstr (second->status, ==, "completed");
  assert_backup_complete (src, dest_path);

  summary = ks_catalog_get_summary (catalog);
  g_assert_cmpuint (summary->n_copies, ==, n_files);
}

/* The catalog keeps its statements prepared across calls: each call must still see only
 * its own bindings, a failed write must not poison the next, a cached SELECT must not
 * keep a read transaction open (it would stop WAL checkpoints), and closing must finalize
 * them all (else sqlite keeps the connection as a zombie and the WAL stays behind). */
static void
test_statement_reuse (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsCatalog) catalog = ks_catalog_new (f->path, &error);
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  g_assert_true (ks_catalog_record_source_file (catalog, "src", "DCIM/A.HEIC", 10, 100, HASH_A, &error));
  g_assert_no_error (error);
  g_assert_true (ks_catalog_record_source_file (catalog, "src", "DCIM/B.HEIC", 20, 200, HASH_B, &error));
  g_assert_no_error (error);

  for (int round = 0; round < 3; round++)
    {
      g_autofree char *a = ks_catalog_lookup_source_file (catalog, "src", "DCIM/A.HEIC", 10, 100);
      g_autofree char *a_resized = ks_catalog_lookup_source_file (catalog, "src", "DCIM/A.HEIC", 11, 100);
      g_autofree char *b = ks_catalog_lookup_source_file (catalog, "src", "DCIM/B.HEIC", 20, 200);
      g_autofree char *b_other = ks_catalog_lookup_source_file (catalog, "other", "DCIM/B.HEIC", 20, 200);

      g_assert_cmpstr (a, ==, HASH_A);
      g_assert_null (a_resized);
      g_assert_cmpstr (b, ==, HASH_B);
      g_assert_null (b_other);
    }

  /* A copy on a destination the catalog does not know breaks a foreign key. */
  g_assert_false (ks_catalog_record_copy (catalog, HASH_A, 10, "nowhere", "A.HEIC", 1, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (ks_catalog_record_destination (catalog, "dest", "folder", NULL, "Dest", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ks_catalog_record_copy (catalog, HASH_A, 10, "dest", "A.HEIC", 1, &error));
  g_assert_no_error (error);
  g_assert_true (ks_catalog_record_copy (catalog, HASH_B, 20, "dest", "B.HEIC", 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ks_catalog_count_copies (catalog, "dest"), ==, 2);
  g_assert_cmpuint (ks_catalog_count_copies (catalog, "nowhere"), ==, 0);

  /* Leave a SELECT that had more rows than it read as the last call, then checkpoint from
   * another connection: TRUNCATE reports busy if any reader still holds a snapshot. */
  {
    g_autofree char *copy = ks_catalog_lookup_copy (catalog, HASH_B, "dest");
    g_assert_cmpstr (copy, ==, "B.HEIC");
  }
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  g_clear_object (&catalog);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  catalog = ks_catalog_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_catalog_count_copies (catalog, "dest"), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/Keepsake/Catalog/migrate-v1", test_migrate_v1);
  ADD ("/Keepsake/Catalog/killed-run", test_killed_run);
  ADD ("/Keepsake/Catalog/read-api", test_read_api);
  ADD ("/Keepsake/Catalog/source-files-after-import", test_source_files_after_import);
  ADD ("/Keepsake/Catalog/write-fails-mid-import", test_write_fails_mid_import);
  ADD ("/Keepsake/Catalog/statement-reuse", test_statement_reuse);
#undef ADD

  return g_test_run ();
}
