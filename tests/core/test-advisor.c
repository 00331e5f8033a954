/* test-advisor.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The protection advisor's reckoning: growth per month from capture dates (photos and videos
 * apart), when a destination fills, the free cloud tiers of data/cloud-tiers.ini, and the
 * next step toward the 3-2-1 rule. */

#include "config.h"

#include <sys/statvfs.h>

#include <glib/gstdio.h>

#include "ks-advisor.h"
#include "ks-backup-plan.h"
#include "ks-destination-space.h"
#include "ks-test-emulator.h"
#include "ks-asset-grouper.h"
#include "ks-source.h"

#define GB G_GUINT64_CONSTANT (1000000000)

static void
add_file (GPtrArray  *files,
          const char *path,
          guint64     size,
          GDateTime  *when)
{
  KsSourceFile file = { (char *)path, size, g_date_time_to_unix (when) };

  g_ptr_array_add (files, ks_source_file_copy (&file));
}

static void
test_library (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 12, 7, 12, 0, 0);
  g_autoptr(GDateTime) this_month = g_date_time_new_local (2026, 12, 2, 9, 0, 0);
  g_autoptr(GDateTime) june = g_date_time_new_local (2026, 6, 15, 9, 0, 0);
  g_autoptr(GDateTime) last_year = g_date_time_new_local (2025, 12, 31, 9, 0, 0);
  g_autoptr(GDateTime) long_ago = g_date_time_new_local (2019, 3, 1, 9, 0, 0);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  KsAdvisorLibrary library;

  add_file (files, "DCIM/100APPLE/IMG_0001.HEIC", 3000000, this_month);
  add_file (files, "DCIM/100APPLE/IMG_0002.HEIC", 2000000, this_month);
  add_file (files, "DCIM/100APPLE/IMG_0003.MOV", 50000000, this_month);
  add_file (files, "DCIM/100APPLE/IMG_0004.JPG", 1000000, june);
  add_file (files, "DCIM/100APPLE/IMG_0005.JPG", 4000000, last_year);
  add_file (files, "DCIM/100APPLE/IMG_0006.MOV", 7000000, long_ago);
  assets = ks_asset_group_files ("test", files);
  g_assert_cmpuint (assets->len, ==, 6);

  ks_advisor_library_init (&library, assets, now);
  g_assert_cmpuint (library.photos, ==, 4);
  g_assert_cmpuint (library.videos, ==, 2);
  g_assert_cmpuint (library.bytes, ==, 67000000);
  /* Twelve months, oldest first, ending with December 2026: January 2026 … December 2026. */
  g_assert_cmpint (library.months[0].year, ==, 2026);
  g_assert_cmpint (library.months[0].month, ==, 1);
  g_assert_cmpint (library.months[11].month, ==, 12);
  g_assert_cmpuint (library.months[11].photos, ==, 2);
  g_assert_cmpuint (library.months[11].videos, ==, 1);
  g_assert_cmpuint (library.months[11].photo_bytes, ==, 5000000);
  g_assert_cmpuint (library.months[11].video_bytes, ==, 50000000);
  g_assert_cmpuint (library.months[5].photos, ==, 1);   /* June */
  /* December 2025 and 2019 are older than the twelve months. */
  g_assert_cmpfloat_with_epsilon (library.bytes_per_month, 56000000.0 / 12, 1);

  g_assert_cmpint (ks_advisor_days_until_full (100 * GB, 0), ==, -1);
  g_assert_cmpint (ks_advisor_days_until_full (10 * GB, 1.0 * GB), ==, 304);
}

static KsCloudTiers *
load_tiers (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("KS_SOURCE_ROOT"), "data", "cloud-tiers.ini", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  KsCloudTiers *tiers;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  bytes = g_bytes_new (contents, length);
  tiers = ks_cloud_tiers_new_from_data (bytes, &error);
  g_assert_no_error (error);
  return tiers;
}

static void
test_tiers (void)
{
  g_autoptr(KsCloudTiers) tiers = load_tiers ();
  g_autoptr(GBytes) bad = g_bytes_new_static ("[Figures]\nchecked=2026-01-01\nplans=50\n[X]\ngb=0\n", 46);
  g_autoptr(GError) error = NULL;
  const KsCloudTier *tier;

  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", tiers->checked, 0, 0));
  g_assert_cmpuint (tiers->tiers->len, >=, 3);
  /* Biggest first. */
  for (guint i = 1; i < tiers->tiers->len; i++)
    g_assert_cmpuint (((KsCloudTier *)g_ptr_array_index (tiers->tiers, i - 1))->bytes, >=,
                      ((KsCloudTier *)g_ptr_array_index (tiers->tiers, i))->bytes);

  tier = ks_cloud_tiers_smallest_fitting (tiers, 3 * GB);
  g_assert_nonnull (tier);
  g_assert_cmpuint (tier->bytes, >=, 3 * GB);
  for (guint i = 0; i < tiers->tiers->len; i++)
    {
      KsCloudTier *other = g_ptr_array_index (tiers->tiers, i);

      g_assert_true (other->bytes < 3 * GB || other->bytes >= tier->bytes);
    }
  g_assert_null (ks_cloud_tiers_smallest_fitting (tiers, 212 * GB));
  /* 212 GB with a fifth to grow: at least 254 GB. */
  g_assert_cmpuint (ks_cloud_tiers_plan_for (tiers, 212 * GB), >=, 254 * GB);

  g_assert_null (ks_cloud_tiers_new_from_data (bad, &error));
  g_assert_nonnull (error);
}

static void
test_next_step (void)
{
  g_autoptr(KsCloudTiers) tiers = load_tiers ();
  KsProtectionSummary summary = { 0 };
  g_autofree char *none = ks_advisor_next_step (NULL, 0, 0, tiers);
  g_autofree char *only = NULL;
  g_autofree char *fits = NULL;
  g_autofree char *big = NULL;
  g_autofree char *media = NULL;
  g_autofree char *safe = NULL;

  g_assert_true (g_str_has_prefix (none, "Add a destination"));

  summary.assets = 10;
  summary.states[KS_PROTECTION_ONLY_ON_DEVICE] = 3;
  summary.states[KS_PROTECTION_NOT_321] = 7;
  summary.missing_offsite = 7;
  only = ks_advisor_next_step (&summary, 1, 2 * GB, tiers);
  g_assert_cmpstr (only, ==, "Back up the 3 photos that are only on this iPhone: press Back Up Everything.");

  summary.states[KS_PROTECTION_ONLY_ON_DEVICE] = 0;
  fits = ks_advisor_next_step (&summary, 1, 1 * GB, tiers);
  {
    g_autofree char *one = g_format_size (1 * GB);
    g_autofree char *prefix = g_strdup_printf ("Add an offsite copy: %s fits the free ", one);

    g_assert_true (g_str_has_prefix (fits, prefix));
  }
  big = ks_advisor_next_step (&summary, 1, 212 * GB, tiers);
  {
    g_autofree char *size = g_format_size (212 * GB);
    g_autofree char *prefix = g_strdup_printf ("Add an offsite copy: %s does not fit a free cloud tier;", size);

    g_assert_true (g_str_has_prefix (big, prefix));
  }
  g_assert_nonnull (strstr (big, "a cloud plan of at least"));

  summary.missing_offsite = 0;
  summary.missing_media = 7;
  media = ks_advisor_next_step (&summary, 2, 212 * GB, tiers);
  g_assert_true (g_str_has_prefix (media, "Add a copy on another kind of medium"));

  summary.missing_media = 0;
  summary.states[KS_PROTECTION_NOT_321] = 0;
  summary.states[KS_PROTECTION_SAFE] = 10;
  safe = ks_advisor_next_step (&summary, 2, 212 * GB, tiers);
  g_assert_true (g_str_has_prefix (safe, "Every photo meets the 3-2-1 rule"));
}

static void
space_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Each destination says its own free space through its kind, on a worker; one that is not
 * there says so, and is not made for the asking. */
static void
test_free_space (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-advisor-XXXXXX", &error);
  g_autofree char *db = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *here = g_build_filename (tmp, "here", NULL);
  g_autofree char *gone = g_build_filename (tmp, "gone", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  KsPlanDestination *dest;
  struct statvfs vfs;
  gint64 free_bytes, expected;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (here, 0700), ==, 0);
  catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  plan = ks_backup_plan_new (catalog, &error);
  g_assert_no_error (error);

  /* A folder: what statvfs says (give or take what others write meanwhile), asynchronously. */
  dest = ks_backup_plan_add_folder (plan, here, NULL, FALSE, &error);
  g_assert_no_error (error);
  ks_destination_space_query_async (dest, NULL, space_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  free_bytes = ks_destination_space_query_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (statvfs (here, &vfs), ==, 0);
  expected = (gint64)vfs.f_bavail * (gint64)vfs.f_frsize;
  g_assert_cmpint (free_bytes, >, 0);
  g_assert_cmpint (ABS (free_bytes - expected), <, 256 * 1024 * 1024);

  /* A folder the first run would make: not there, and not made by asking. */
  dest = ks_backup_plan_add_folder (plan, gone, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ks_destination_space_query (dest, NULL, &error), ==, -1);
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));

  /* A drive that is not plugged in. */
  dest = ks_backup_plan_add (plan, KS_DESTINATION_KIND_DRIVE, "0b7c5e0e-6d1b-4c55-9d6f-1f1e1d1c1b1a",
                             "Passport", "drive:0000-FFFF/Photos", KS_BACKUP_METHOD_FILES, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ks_destination_space_query (dest, NULL, &error), ==, -1);
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  g_clear_object (&plan);
  g_clear_object (&catalog);
  ks_test_remove_tree (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Advisor/library", test_library);
  g_test_add_func ("/Advisor/tiers", test_tiers);
  g_test_add_func ("/Advisor/next-step", test_next_step);
  g_test_add_func ("/Advisor/free-space", test_free_space);

  return g_test_run ();
}
