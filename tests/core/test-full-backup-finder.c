/* test-full-backup-finder.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The full backups kept at the plan's destinations, as the sidebar lists them: each phone
 * with its name, encryption and snapshots (newest first); folders that are not backups,
 * hidden ones, the run under way and links out of the destination are not listed. */

#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "ks-backup-plan.h"
#include "ks-catalog.h"
#include "ks-full-backup-finder.h"

#include "test-engine-util.h"

#define PLIST_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
#define PLIST_TAIL "</dict></plist>\n"

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A standard backup folder of @name's phone, as far as the finder reads it (takes @dir). */
static void
make_backup (char       *dir_owned,
             const char *name,
             gboolean    encrypted)
{
  g_autofree char *dir = dir_owned;
  g_autofree char *info = g_strdup_printf (PLIST_HEAD "<key>Device Name</key><string>%s</string>" PLIST_TAIL, name);
  g_autofree char *manifest = g_strdup_printf (PLIST_HEAD "<key>IsEncrypted</key><%s/>" PLIST_TAIL,
                                               encrypted ? "true" : "false");

  write_file (dir, "Info.plist", info);
  write_file (dir, "Manifest.plist", manifest);
  write_file (dir, "Status.plist", PLIST_HEAD "<key>SnapshotState</key><string>finished</string>" PLIST_TAIL);
  write_file (dir, "Manifest.db", "not read here");
  write_file (dir, "ab", "");
}

static void
test_find (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-finder-XXXXXX", &error);
  g_autofree char *dest = g_build_filename (tmp, "Backups", NULL);
  g_autofree char *outside = g_build_filename (tmp, "outside", NULL);
  g_autofree char *link = g_build_filename (dest, "LINKED", NULL);
  g_autofree char *missing = g_build_filename (tmp, "missing", NULL);
  g_autofree char *photos = g_build_filename (dest, "Photos", NULL);
  const char *destinations[] = { dest, missing, NULL };
  g_autoptr(GPtrArray) found = NULL;
  const KsFullBackupEntry *a, *b;
  const KsFullBackupSnapshot *snapshot;

  g_assert_no_error (error);
  /* Phone A: its current backup and one older snapshot, encrypted; the run under way and
   * a folder of other things in its snapshots are not backups. */
  make_backup (g_build_filename (dest, "AAAA", NULL), "Kim’s iPhone", TRUE);
  make_backup (g_build_filename (dest, "AAAA.snapshots", "2026-11-30-101500", NULL), "Kim’s iPhone", TRUE);
  make_backup (g_build_filename (dest, "AAAA.snapshots", ".in-progress", NULL), "Kim’s iPhone", TRUE);
  /* Phone B: only an older snapshot left. */
  make_backup (g_build_filename (dest, "BBBB.snapshots", "2026-10-01-080000", NULL), "Old iPhone", FALSE);
  /* Not backups: no Manifest.db, hidden, a link out of the destination, a plain file. */
  write_file (photos, "IMG_0001.JPG", "jpeg");
  make_backup (g_build_filename (dest, ".hidden", NULL), "Hidden", FALSE);
  make_backup (g_strdup (outside), "Outside", FALSE);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  write_file (dest, "CCCC", "a file");

  found = ks_full_backup_find (destinations, NULL);
  g_assert_cmpuint (found->len, ==, 2);

  a = g_ptr_array_index (found, 0);
  g_assert_cmpstr (a->udid, ==, "AAAA");
  g_assert_cmpstr (a->destination, ==, dest);
  g_assert_cmpstr (a->device_name, ==, "Kim’s iPhone");
  g_assert_true (a->encrypted);
  g_assert_cmpuint (a->snapshots->len, ==, 2);
  snapshot = g_ptr_array_index (a->snapshots, 0);
  g_assert_true (snapshot->current);
  g_assert_true (g_str_has_suffix (snapshot->path, "/Backups/AAAA"));
  g_assert_cmpuint (snapshot->size, >, 0);
  snapshot = g_ptr_array_index (a->snapshots, 1);
  g_assert_false (snapshot->current);
  g_assert_true (g_str_has_suffix (snapshot->path, "/AAAA.snapshots/2026-11-30-101500"));

  b = g_ptr_array_index (found, 1);
  g_assert_cmpstr (b->udid, ==, "BBBB");
  g_assert_cmpstr (b->device_name, ==, "Old iPhone");
  g_assert_false (b->encrypted);
  g_assert_cmpuint (b->snapshots->len, ==, 1);
  g_assert_false (((KsFullBackupSnapshot *) g_ptr_array_index (b->snapshots, 0))->current);

  rm_rf (tmp);
}

static void
found_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The async form looks in the plan's enabled folders for full backups only. */
static void
test_find_plan (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-finder-XXXXXX", &error);
  g_autofree char *db = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *full = g_build_filename (tmp, "full", NULL);
  g_autofree char *files = g_build_filename (tmp, "files", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) found = NULL;
  KsPlanDestination *dest;

  g_assert_no_error (error);
  make_backup (g_build_filename (full, "AAAA", NULL), "Kim’s iPhone", FALSE);
  make_backup (g_build_filename (files, "BBBB", NULL), "Not listed", FALSE);
  catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  plan = ks_backup_plan_new (catalog, &error);
  g_assert_no_error (error);
  dest = ks_backup_plan_add_folder (plan, full, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (ks_backup_plan_set_methods (plan, ks_plan_destination_get_id (dest),
                                             KS_BACKUP_METHOD_FULL, &error));
  g_assert_no_error (error);
  ks_backup_plan_add_folder (plan, files, NULL, FALSE, &error);
  g_assert_no_error (error);

  ks_full_backup_find_async (plan, NULL, found_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  found = ks_full_backup_find_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((KsFullBackupEntry *) g_ptr_array_index (found, 0))->device_name, ==, "Kim’s iPhone");

  g_clear_object (&plan);
  g_clear_object (&catalog);
  rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/FullBackupFinder/find", test_find);
  g_test_add_func ("/FullBackupFinder/plan", test_find_plan);

  return g_test_run ();
}
