/* test-layout.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Layout: templates expand to safe relative paths, and companions follow their photo
 * through a clash rename. */

#include "config.h"

#include <string.h>

#include "ks-layout.h"

static KsAsset *
make_asset (const char *primary_path,
            gint64      capture_time,
            ...)
{
  g_autoptr(KsAssetFile) primary = ks_asset_file_new (KS_ASSET_FILE_ROLE_PRIMARY, primary_path, 10, capture_time);
  KsAsset *asset = ks_asset_new ("test:", primary);
  va_list args;
  const char *path;

  va_start (args, capture_time);
  while ((path = va_arg (args, const char *)) != NULL)
    {
      KsAssetFileRole role = va_arg (args, KsAssetFileRole);
      g_autoptr(KsAssetFile) file = ks_asset_file_new (role, path, 5, capture_time);

      ks_asset_add_file (asset, file);
    }
  va_end (args);

  return asset;
}

static void
assert_relative_and_safe (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  g_assert_true (path[0] != '/');
  g_assert_true (g_utf8_validate (path, -1, NULL));
  for (guint i = 0; parts[i]; i++)
    {
      g_assert_cmpstr (parts[i], !=, "");
      g_assert_cmpstr (parts[i], !=, ".");
      g_assert_cmpstr (parts[i], !=, "..");
      g_assert_cmpuint (strlen (parts[i]), <=, 255);
    }
}

/* 2024-06-15 14:30:00 UTC */
#define JUNE_15 G_GINT64_CONSTANT (1718461800)

static void
test_templates (void)
{
  g_autoptr(KsAsset) asset = make_asset ("DCIM/100APPLE/IMG_1234.HEIC", JUNE_15, NULL);
  static const struct {
    const char *tmpl;
    const char *device;
    const char *out;
  } cases[] = {
    { KS_LAYOUT_DEFAULT_TEMPLATE, NULL, "2024/06/IMG_1234.HEIC" },
    { "{year}/{month}/{day}/{name}", NULL, "2024/06/15/IMG_1234.HEIC" },
    { "{year}-{month}-{day} {stem}.{ext}", NULL, "2024-06-15 IMG_1234.HEIC" },
    { "{device}/{year}/{name}", "Anna's iPhone", "Anna's iPhone/2024/IMG_1234.HEIC" },
    { "{device}/{year}/{name}", "../../etc", "_._.._etc/2024/IMG_1234.HEIC" },
    { "{device}/{year}/{name}", "a/b", "a_b/2024/IMG_1234.HEIC" },
    { "{device}/{year}/{name}", "", "2024/IMG_1234.HEIC" },
    { "{device}/{year}/{name}", "CON", "_CON/2024/IMG_1234.HEIC" },
    { "/{year}//{name}", NULL, "2024/IMG_1234.HEIC" },
    { "../{year}/{name}", NULL, "_/2024/IMG_1234.HEIC" },
    { "{name}", NULL, "IMG_1234.HEIC" },
    /* Invalid templates fall back to the default. */
    { "{year}/{month}", NULL, "2024/06/IMG_1234.HEIC" },
    { "{bogus}/{name}", NULL, "2024/06/IMG_1234.HEIC" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = ks_layout_dup_path (cases[i].tmpl, asset, NULL, cases[i].device, 0);

      g_test_message ("case %u: %s", i, cases[i].tmpl);
      g_assert_cmpstr (path, ==, cases[i].out);
      assert_relative_and_safe (path);
    }
}

static void
test_validate (void)
{
  static const struct {
    const char *tmpl;
    int code; /* -1: valid */
  } cases[] = {
    { "{year}/{month}/{name}", -1 },
    { "{device}/{stem}.{ext}", -1 },
    { "", KS_LAYOUT_ERROR_EMPTY },
    { "{year}/{month}", KS_LAYOUT_ERROR_NO_NAME },
    { "{name}/{year}", KS_LAYOUT_ERROR_NO_NAME },
    { "{yr}/{name}", KS_LAYOUT_ERROR_UNKNOWN_PLACEHOLDER },
    { "{year/{name}", KS_LAYOUT_ERROR_UNBALANCED_BRACE },
    { "year}/{name}", KS_LAYOUT_ERROR_UNBALANCED_BRACE },
    { "{year}/{name", KS_LAYOUT_ERROR_UNBALANCED_BRACE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = ks_layout_validate (cases[i].tmpl, &error);

      g_test_message ("case %u: %s", i, cases[i].tmpl);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, KS_LAYOUT_ERROR, cases[i].code);
        }
    }
}

static void
test_companions_follow (void)
{
  g_autoptr(KsAsset) asset = make_asset ("DCIM/100APPLE/IMG_1234.HEIC", JUNE_15,
                                         "DCIM/100APPLE/IMG_1234.MOV", KS_ASSET_FILE_ROLE_LIVE_VIDEO,
                                         "DCIM/100APPLE/IMG_E1234.HEIC", KS_ASSET_FILE_ROLE_EDITED,
                                         "DCIM/100APPLE/IMG_1234.AAE", KS_ASSET_FILE_ROLE_SIDECAR,
                                         NULL);
  g_autoptr(GPtrArray) plain = ks_layout_dup_paths (NULL, asset, NULL, 0);
  g_autoptr(GPtrArray) renamed = ks_layout_dup_paths (NULL, asset, NULL, 2);
  g_autoptr(GPtrArray) custom = ks_layout_dup_paths ("{year}/{stem}-x.{ext}", asset, NULL, 3);

  g_assert_cmpuint (plain->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (plain, 0), ==, "2024/06/IMG_1234.HEIC");
  g_assert_cmpstr (g_ptr_array_index (plain, 1), ==, "2024/06/IMG_1234.MOV");
  g_assert_cmpstr (g_ptr_array_index (plain, 2), ==, "2024/06/IMG_E1234.HEIC");
  g_assert_cmpstr (g_ptr_array_index (plain, 3), ==, "2024/06/IMG_1234.AAE");

  g_assert_cmpuint (renamed->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (renamed, 0), ==, "2024/06/IMG_1234 (2).HEIC");
  g_assert_cmpstr (g_ptr_array_index (renamed, 1), ==, "2024/06/IMG_1234 (2).MOV");
  g_assert_cmpstr (g_ptr_array_index (renamed, 2), ==, "2024/06/IMG_E1234 (2).HEIC");
  g_assert_cmpstr (g_ptr_array_index (renamed, 3), ==, "2024/06/IMG_1234 (2).AAE");

  g_assert_cmpstr (g_ptr_array_index (custom, 0), ==, "2024/IMG_1234-x (3).HEIC");
  g_assert_cmpstr (g_ptr_array_index (custom, 1), ==, "2024/IMG_1234-x (3).MOV");
}

static void
test_hostile_names (void)
{
  static const char * const names[] = {
    "DCIM/../../x.JPG",
    "\xff\xfe.JPG",
    "DCIM/CON.JPG",
    "DCIM/a:b*c?.JPG",
    "DCIM/name. ",
    "DCIM/..",
    "DCIM/-rf.JPG",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(KsAsset) asset = make_asset (names[i], JUNE_15, NULL);
      g_autofree char *path = ks_layout_dup_path (NULL, asset, NULL, "../dev", 0);
      g_autofree char *path2 = ks_layout_dup_path ("{device}/{stem}.{ext}", asset, NULL, "../dev", 7);

      assert_relative_and_safe (path);
      assert_relative_and_safe (path2);
      g_assert_true (g_str_has_prefix (path, "2024/06/"));
      g_assert_null (strchr (path + strlen ("2024/06/"), '/'));
    }
}

static void
test_photo_time_zone (void)
{
  /* 2024-12-31 15:30 UTC is already 2025-01-01 00:30 in Tokyo. */
  g_autoptr(KsAsset) asset = make_asset ("DCIM/100APPLE/IMG_0001.HEIC", G_GINT64_CONSTANT (1735659000), NULL);
  g_autofree char *local = ks_layout_dup_path (KS_LAYOUT_DEFAULT_TEMPLATE, asset, NULL, NULL, 0);
  g_autofree char *tokyo = NULL;
  int offset = 0;

  g_assert_false (ks_asset_get_utc_offset (asset, &offset));
  g_assert_cmpstr (local, ==, "2024/12/IMG_0001.HEIC");

  ks_asset_set_utc_offset (asset, 9 * 3600);
  g_assert_true (ks_asset_get_utc_offset (asset, &offset));
  g_assert_cmpint (offset, ==, 9 * 3600);
  tokyo = ks_layout_dup_path ("{year}/{month}/{day}/{name}", asset, NULL, NULL, 0);
  g_assert_cmpstr (tokyo, ==, "2025/01/01/IMG_0001.HEIC");
}

static void
test_preview (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *preview = ks_layout_preview ("{device}/{year}/{month}/{name}", NULL, "Anna's iPhone", &error);
  g_autofree char *bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (preview, ==, "Anna's iPhone/2024/06/IMG_1234.HEIC");

  bad = ks_layout_preview ("{year}/{nope}/{name}", NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, KS_LAYOUT_ERROR, KS_LAYOUT_ERROR_UNKNOWN_PLACEHOLDER);
}

int
main (int   argc,
      char *argv[])
{
  /* Capture dates are laid out in local time; pin it. */
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/Model/layout/templates", test_templates);
  g_test_add_func ("/Keepsake/Model/layout/validate", test_validate);
  g_test_add_func ("/Keepsake/Model/layout/companions-follow", test_companions_follow);
  g_test_add_func ("/Keepsake/Model/layout/hostile-names", test_hostile_names);
  g_test_add_func ("/Keepsake/Model/layout/photo-time-zone", test_photo_time_zone);
  g_test_add_func ("/Keepsake/Model/layout/preview", test_preview);

  return g_test_run ();
}
