/* test-asset-grouper.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Grouping: Live Photos, edits, sidecars, lone videos and odd names become the right
 * assets, through KsFolderSource walking a real folder. */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "ks-asset-grouper.h"
#include "ks-folder-source.h"

#include "test-engine-util.h"

static void
write_file (const char *root,
            const char *rel,
            const char *contents,
            gint64      mtime)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  struct utimbuf times = { (time_t) mtime, (time_t) mtime };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (utime (path, &times), ==, 0);
}

static GPtrArray *
walk (KsSource *source)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_source_enumerate (source, ks_test_collect_cb, files, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&files);
}

static KsAsset *
find_asset (GPtrArray  *assets,
            const char *key)
{
  for (guint i = 0; i < assets->len; i++)
    if (strcmp (ks_asset_get_key (g_ptr_array_index (assets, i)), key) == 0)
      return g_ptr_array_index (assets, i);
  return NULL;
}

static const char *
path_for_role (KsAsset         *asset,
               KsAssetFileRole  role)
{
  KsAssetFile *file = ks_asset_get_file_for_role (asset, role);

  return file ? ks_asset_file_get_path (file) : NULL;
}

static void
test_dcim_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("ks-group-XXXXXX", &error);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) assets = NULL;
  g_autofree char *expected_id = NULL;
  KsAsset *a;

  g_assert_no_error (error);

  write_file (root, "DCIM/100APPLE/IMG_0001.HEIC", "heic-1", 1700000001);
  write_file (root, "DCIM/100APPLE/IMG_0001.MOV", "mov-1-live", 1700000001);
  write_file (root, "DCIM/100APPLE/IMG_0002.JPG", "jpg-2", 1700000002);
  write_file (root, "DCIM/100APPLE/IMG_E0002.JPG", "jpg-2-edited", 1700000102);
  write_file (root, "DCIM/100APPLE/IMG_0002.AAE", "aae-2", 1700000102);
  write_file (root, "DCIM/100APPLE/IMG_O0002.AAE", "aae-2-orig", 1700000102);
  write_file (root, "DCIM/100APPLE/IMG_0003.MOV", "video-3", 1700000003);
  write_file (root, "DCIM/100APPLE/IMG_0004.PNG", "png-4", 1700000004);
  write_file (root, "DCIM/100APPLE/IMG_0005.HEIC", "heic-5", 1700000005);
  write_file (root, "DCIM/100APPLE/IMG_0005.MOV", "mov-5", 1700000005);
  write_file (root, "DCIM/100APPLE/IMG_E0005.HEIC", "heic-5-edit", 1700000105);
  write_file (root, "DCIM/100APPLE/IMG_E0005.MOV", "mov-5-edit", 1700000105);
  write_file (root, "DCIM/100APPLE/img_0006.heic", "lower-6", 1700000006);
  write_file (root, "DCIM/100APPLE/IMG_0006.Mov", "mixed-6", 1700000006);
  write_file (root, "DCIM/100APPLE/IMG_E0099.JPG", "edit-without-original", 1700000099);
  write_file (root, "DCIM/100APPLE/IMG_0098.AAE", "orphan-sidecar", 1700000098);
  write_file (root, "DCIM/100APPLE/notes.txt", "not media", 1700000000);
  write_file (root, "DCIM/100APPLE/.hidden.JPG", "hidden", 1700000000);
  write_file (root, "DCIM/100APPLE/\xff\xfe odd\x01.JPG", "odd bytes", 1700000007);
  write_file (root, "DCIM/100APPLE/...JPG", "dots", 1700000008);
  write_file (root, "DCIM/100APPLE/.JPG", "dot only", 1700000008);
  write_file (root, "DCIM/100APPLE/IMG_0007.HEIC", "heic-7", 1700000009);
  write_file (root, "DCIM/100APPLE/IMG_0007.JPG", "jpg-7", 1700000009);
  /* Same name in another folder: a different asset, not a companion. */
  write_file (root, "DCIM/101APPLE/IMG_0001.HEIC", "heic-1-other", 1700000011);
  write_file (root, "DCIM/101APPLE/IMG_0001.MOV", "mov-1-other", 1700000011);
  write_file (root, "DCIM/101APPLE/sub/IMG_0001.MOV", "deeper", 1700000012);
  write_file (root, ".keepsake/IMG_9999.JPG", "our index", 1700000000);

  folder = g_file_new_for_path (root);
  source = ks_folder_source_new (folder);
  expected_id = g_strconcat ("folder:", root, NULL);
  g_assert_cmpstr (ks_source_get_id (KS_SOURCE (source)), ==, expected_id);

  files = walk (KS_SOURCE (source));
  /* Hidden files and hidden folders are not part of the walk. */
  for (guint i = 0; i < files->len; i++)
    {
      const KsSourceFile *f = g_ptr_array_index (files, i);
      g_assert_null (strstr (f->path, ".keepsake"));
      g_assert_null (strstr (f->path, ".hidden"));
      g_assert_false (f->path[0] == '/');
    }
  g_assert_cmpuint (files->len, ==, 23);

  assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), files);
  g_assert_cmpuint (assets->len, ==, 14);

  /* Live Photo */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0001.HEIC");
  g_assert_nonnull (a);
  g_assert_cmpstr (ks_asset_get_source_id (a), ==, expected_id);
  g_assert_cmpint (ks_asset_get_kind (a), ==, KS_ASSET_KIND_HEIC);
  g_assert_cmpint (ks_asset_get_media_type (a), ==, KS_MEDIA_TYPE_PHOTO);
  g_assert_true (ks_asset_is_live (a));
  g_assert_false (ks_asset_is_edited (a));
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 2);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_LIVE_VIDEO), ==, "DCIM/100APPLE/IMG_0001.MOV");
  g_assert_cmpuint (ks_asset_get_total_size (a), ==, strlen ("heic-1") + strlen ("mov-1-live"));
  g_assert_cmpint (ks_asset_get_capture_time (a), ==, 1700000001);
  g_assert_false (ks_asset_get_capture_time_is_exact (a));
  g_assert_cmpstr (ks_asset_get_folder (a), ==, "DCIM/100APPLE");
  g_assert_cmpstr (ks_asset_get_stem (a), ==, "IMG_0001");

  /* Edited JPEG with both sidecars */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0002.JPG");
  g_assert_nonnull (a);
  g_assert_false (ks_asset_is_live (a));
  g_assert_true (ks_asset_is_edited (a));
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 4);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_EDITED), ==, "DCIM/100APPLE/IMG_E0002.JPG");
  /* Files are ordered by role: primary, edited, then the sidecars by path. */
  g_assert_cmpint (ks_asset_file_get_role (g_ptr_array_index (ks_asset_get_files (a), 0)), ==, KS_ASSET_FILE_ROLE_PRIMARY);
  g_assert_cmpint (ks_asset_file_get_role (g_ptr_array_index (ks_asset_get_files (a), 1)), ==, KS_ASSET_FILE_ROLE_EDITED);
  g_assert_cmpstr (ks_asset_file_get_path (g_ptr_array_index (ks_asset_get_files (a), 2)), ==, "DCIM/100APPLE/IMG_0002.AAE");
  g_assert_cmpstr (ks_asset_file_get_path (g_ptr_array_index (ks_asset_get_files (a), 3)), ==, "DCIM/100APPLE/IMG_O0002.AAE");
  g_assert_cmpint (ks_asset_file_get_role (g_ptr_array_index (ks_asset_get_files (a), 3)), ==, KS_ASSET_FILE_ROLE_SIDECAR);

  /* A video alone */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0003.MOV");
  g_assert_nonnull (a);
  g_assert_cmpint (ks_asset_get_kind (a), ==, KS_ASSET_KIND_MOV);
  g_assert_cmpint (ks_asset_get_media_type (a), ==, KS_MEDIA_TYPE_VIDEO);
  g_assert_false (ks_asset_is_live (a));
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);

  a = find_asset (assets, "DCIM/100APPLE/IMG_0004.PNG");
  g_assert_nonnull (a);
  g_assert_cmpint (ks_asset_get_kind (a), ==, KS_ASSET_KIND_PNG);
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);

  /* Edited Live Photo: four files, each in its role */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0005.HEIC");
  g_assert_nonnull (a);
  g_assert_true (ks_asset_is_live (a));
  g_assert_true (ks_asset_is_edited (a));
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 4);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_LIVE_VIDEO), ==, "DCIM/100APPLE/IMG_0005.MOV");
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_EDITED), ==, "DCIM/100APPLE/IMG_E0005.HEIC");
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO), ==, "DCIM/100APPLE/IMG_E0005.MOV");

  /* Case differences still pair */
  a = find_asset (assets, "DCIM/100APPLE/img_0006.heic");
  g_assert_nonnull (a);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_LIVE_VIDEO), ==, "DCIM/100APPLE/IMG_0006.Mov");

  /* An edit whose original is gone is kept as an asset of its own. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_E0099.JPG");
  g_assert_nonnull (a);
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);

  /* Odd bytes are kept raw in the key; the display name is valid UTF-8. */
  a = find_asset (assets, "DCIM/100APPLE/\xff\xfe odd\x01.JPG");
  g_assert_nonnull (a);
  {
    g_autofree char *display = ks_asset_dup_display_name (a);
    g_assert_true (g_utf8_validate (display, -1, NULL));
  }

  /* Names starting with a dot are hidden files: not part of the walk. */
  g_assert_null (find_asset (assets, "DCIM/100APPLE/...JPG"));

  /* HEIC and JPEG with one stem are two assets. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0007.HEIC");
  g_assert_nonnull (a);
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);
  g_assert_nonnull (find_asset (assets, "DCIM/100APPLE/IMG_0007.JPG"));

  /* Same names in another folder are separate assets, paired there. */
  a = find_asset (assets, "DCIM/101APPLE/IMG_0001.HEIC");
  g_assert_nonnull (a);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_LIVE_VIDEO), ==, "DCIM/101APPLE/IMG_0001.MOV");
  a = find_asset (assets, "DCIM/101APPLE/sub/IMG_0001.MOV");
  g_assert_nonnull (a);
  g_assert_cmpint (ks_asset_get_media_type (a), ==, KS_MEDIA_TYPE_VIDEO);

  /* A file of a type we do not know is an asset of its own, neither photo nor video. */
  a = find_asset (assets, "DCIM/100APPLE/notes.txt");
  g_assert_nonnull (a);
  g_assert_cmpint (ks_asset_get_kind (a), ==, KS_ASSET_KIND_OTHER);
  g_assert_cmpint (ks_asset_get_media_type (a), ==, KS_MEDIA_TYPE_OTHER);
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);
  g_assert_cmpint (ks_asset_get_capture_time (a), ==, 1700000000);

  /* So is a sidecar whose photo is gone: the edit data is the user's all the same. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0098.AAE");
  g_assert_nonnull (a);
  g_assert_cmpint (ks_asset_get_kind (a), ==, KS_ASSET_KIND_SIDECAR);
  g_assert_cmpint (ks_asset_get_media_type (a), ==, KS_MEDIA_TYPE_OTHER);
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);

  /* Nothing is lost: every file of the walk is in exactly one asset. */
  {
    g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < assets->len; i++)
      {
        GPtrArray *asset_files = ks_asset_get_files (g_ptr_array_index (assets, i));

        for (guint j = 0; j < asset_files->len; j++)
          g_assert_true (g_hash_table_add (seen, (gpointer) ks_asset_file_get_path (g_ptr_array_index (asset_files, j))));
      }
    g_assert_cmpuint (g_hash_table_size (seen), ==, files->len);
  }

  g_assert_true (g_rmdir (root) != 0); /* not empty: cleaned below */
  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "rm", "-rf", root, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (rm, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_hostile_paths (void)
{
  /* Sources hand over raw paths; grouping must not trip on any of them. */
  static const char * const paths[] = {
    "IMG_0001.HEIC",
    "IMG_0001.MOV",
    "DCIM/../../etc/IMG_0002.JPG",
    "DCIM/",
    "DCIM//IMG_0003.JPG",
    "/abs/IMG_0004.JPG",
    "DCIM/100APPLE/.",
    "DCIM/100APPLE/..",
    "DCIM/100APPLE/IMG_E.JPG",
    "DCIM/100APPLE/IMG_E.MOV",
    "DCIM/100APPLE/_E1.JPG",
    "DCIM/100APPLE/_1.JPG",
    "DCIM/100APPLE/IMG_O.AAE",
    "DCIM/100APPLE/\xc0\xaf.JPG",
    "DCIM/100APPLE/.MOV",
    "DCIM/100APPLE/a.b.c.d.MOV",
    "DCIM/100APPLE/a.b.c.d.JPG",
  };
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_ptr_array_add (files, ks_source_file_new (paths[i], i, 1000 + i));

  assets = ks_asset_group_files ("test:", files);

  g_assert_nonnull (find_asset (assets, "IMG_0001.HEIC"));
  g_assert_true (ks_asset_is_live (find_asset (assets, "IMG_0001.HEIC")));
  g_assert_nonnull (find_asset (assets, "DCIM/../../etc/IMG_0002.JPG"));
  g_assert_nonnull (find_asset (assets, "DCIM//IMG_0003.JPG"));
  g_assert_nonnull (find_asset (assets, "/abs/IMG_0004.JPG"));
  g_assert_null (find_asset (assets, "DCIM/100APPLE/_E1.JPG"));
  g_assert_true (ks_asset_is_edited (find_asset (assets, "DCIM/100APPLE/_1.JPG")));
  g_assert_true (ks_asset_is_live (find_asset (assets, "DCIM/100APPLE/a.b.c.d.JPG")));
  /* A hidden name is a file like any other (the device source reports them). */
  g_assert_cmpint (ks_asset_get_kind (find_asset (assets, "DCIM/100APPLE/.MOV")), ==, KS_ASSET_KIND_OTHER);
  /* An orphan sidecar with a marked name stays too. */
  g_assert_cmpint (ks_asset_get_kind (find_asset (assets, "DCIM/100APPLE/IMG_O.AAE")), ==, KS_ASSET_KIND_SIDECAR);
  /* Only names of no file are left out. */
  g_assert_null (find_asset (assets, "DCIM/"));
  g_assert_null (find_asset (assets, "DCIM/100APPLE/."));
  g_assert_null (find_asset (assets, "DCIM/100APPLE/.."));
}

static void
test_edited_video_and_mixed_edit (void)
{
  static const char * const paths[] = {
    "DCIM/100APPLE/IMG_0003.MOV",
    "DCIM/100APPLE/IMG_E0003.MOV",
    "DCIM/100APPLE/IMG_0003.AAE",
    "DCIM/100APPLE/IMG_0004.HEIC",
    "DCIM/100APPLE/IMG_E0004.JPG",
    "DCIM/100APPLE/IMG_0005.JPG",
    "DCIM/100APPLE/IMG_0005.MOV",
    "DCIM/100APPLE/IMG_0005.MP4",
  };
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  KsAsset *a;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_ptr_array_add (files, ks_source_file_new (paths[i], 10, 1000));
  assets = ks_asset_group_files ("test:", files);
  g_assert_cmpuint (assets->len, ==, 4);

  /* An edited video: the edit is EDITED, not a Live movie. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0003.MOV");
  g_assert_nonnull (a);
  g_assert_false (ks_asset_is_live (a));
  g_assert_true (ks_asset_is_edited (a));
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_EDITED), ==, "DCIM/100APPLE/IMG_E0003.MOV");
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_SIDECAR), ==, "DCIM/100APPLE/IMG_0003.AAE");

  /* A HEIC whose edit was rendered as JPEG. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0004.HEIC");
  g_assert_nonnull (a);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_EDITED), ==, "DCIM/100APPLE/IMG_E0004.JPG");

  /* One photo takes one Live movie (MOV preferred); the MP4 is its own asset. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0005.JPG");
  g_assert_nonnull (a);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_LIVE_VIDEO), ==, "DCIM/100APPLE/IMG_0005.MOV");
  a = find_asset (assets, "DCIM/100APPLE/IMG_0005.MP4");
  g_assert_nonnull (a);
  g_assert_cmpint (ks_asset_get_kind (a), ==, KS_ASSET_KIND_MP4);
}

/* Whatever a phone keeps in DCIM is backed up: every file lands in exactly one asset, the
 * files of unknown type each in one of their own, and Live pairs, edits and sidecars group as
 * before even when an unknown file shares their stem. */
static void
test_unknown_types (void)
{
  static const struct {
    const char  *path;
    KsAssetKind  kind;
  } others[] = {
    { "DCIM/100APPLE/IMG_0007.XYZ", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/IMG_0001.XYZ", KS_ASSET_KIND_OTHER },  /* same stem as a Live Photo */
    { "DCIM/100APPLE/IMG_E0001.XYZ", KS_ASSET_KIND_OTHER }, /* looks like its edit */
    { "DCIM/100APPLE/README", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/.hidden", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/IMG_0008.", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/...", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/IMG_0009.JPG.exe", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/\xff\xfe\x01odd", KS_ASSET_KIND_OTHER },
    { "DCIM/100APPLE/IMG_0099.AAE", KS_ASSET_KIND_SIDECAR }, /* its photo is gone */
    { "DCIM/.MISC/Info.plist", KS_ASSET_KIND_OTHER },
    { "DCIM/Thumbs.db", KS_ASSET_KIND_OTHER },
  };
  static const char * const media[] = {
    "DCIM/100APPLE/IMG_0001.HEIC",
    "DCIM/100APPLE/IMG_0001.MOV",
    "DCIM/100APPLE/IMG_E0001.HEIC",
    "DCIM/100APPLE/IMG_0001.AAE",
    "DCIM/100APPLE/IMG_0002.PNG",
  };
  g_autoptr(KsAssetGrouper) grouper = ks_asset_grouper_new ("test:");
  g_autoptr(GPtrArray) assets = NULL;
  KsAsset *a;

  for (guint i = 0; i < G_N_ELEMENTS (media); i++)
    {
      g_autoptr(KsSourceFile) file = ks_source_file_new (media[i], 10 + i, 1600000000);
      ks_asset_grouper_add (grouper, file);
    }
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      /* Folder by folder, as sources report them; the zero-byte one is README. */
      g_autoptr(KsSourceFile) file = ks_source_file_new (others[i].path, i == 3 ? 0 : 100 + i, 1600000100 + i);

      if (g_str_has_prefix (others[i].path, "DCIM/100APPLE/"))
        ks_asset_grouper_add (grouper, file);
    }
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autoptr(KsSourceFile) file = ks_source_file_new (others[i].path, 100 + i, 1600000100 + i);

      if (!g_str_has_prefix (others[i].path, "DCIM/100APPLE/"))
        ks_asset_grouper_add (grouper, file);
    }
  assets = ks_asset_grouper_finish (grouper);

  /* The Live Photo keeps its movie, edit and sidecar, and nothing more. */
  a = find_asset (assets, "DCIM/100APPLE/IMG_0001.HEIC");
  g_assert_nonnull (a);
  g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 4);
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_LIVE_VIDEO), ==, "DCIM/100APPLE/IMG_0001.MOV");
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_EDITED), ==, "DCIM/100APPLE/IMG_E0001.HEIC");
  g_assert_cmpstr (path_for_role (a, KS_ASSET_FILE_ROLE_SIDECAR), ==, "DCIM/100APPLE/IMG_0001.AAE");
  g_assert_nonnull (find_asset (assets, "DCIM/100APPLE/IMG_0002.PNG"));

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      KsAssetFile *primary;

      a = find_asset (assets, others[i].path);
      if (a == NULL)
        g_error ("%s is in no asset", others[i].path);
      primary = ks_asset_get_primary (a);
      g_assert_cmpuint (ks_asset_get_files (a)->len, ==, 1);
      g_assert_cmpint (ks_asset_get_kind (a), ==, others[i].kind);
      g_assert_cmpint (ks_asset_get_media_type (a), ==, KS_MEDIA_TYPE_OTHER);
      g_assert_cmpint (ks_asset_file_get_role (primary), ==, KS_ASSET_FILE_ROLE_PRIMARY);
      /* No metadata to read: the capture time is the file's mtime. */
      g_assert_cmpint (ks_asset_get_capture_time (a), ==, 1600000100 + i);
      g_assert_false (ks_asset_get_capture_time_is_exact (a));
    }
  g_assert_cmpuint (ks_asset_get_total_size (find_asset (assets, "DCIM/100APPLE/README")), ==, 0);

  g_assert_cmpuint (assets->len, ==, 2 + G_N_ELEMENTS (others));
  g_assert_cmpuint (ks_asset_grouper_get_n_skipped (grouper), ==, 0);
  g_assert_cmpstr (ks_asset_kind_to_string (KS_ASSET_KIND_OTHER), ==, "other");
}

static void
test_streaming_ready (void)
{
  g_autoptr(KsAssetGrouper) grouper = ks_asset_grouper_new ("test:");
  g_autoptr(KsSourceFile) a = ks_source_file_new ("A/IMG_0001.HEIC", 1, 1);
  g_autoptr(KsSourceFile) b = ks_source_file_new ("A/IMG_0001.MOV", 1, 1);
  g_autoptr(KsSourceFile) c = ks_source_file_new ("B/IMG_0001.JPG", 1, 1);
  g_autoptr(GPtrArray) ready = NULL;
  g_autoptr(GPtrArray) rest = NULL;

  ks_asset_grouper_add (grouper, a);
  ks_asset_grouper_add (grouper, b);
  ready = ks_asset_grouper_take_ready (grouper);
  /* Folder A may still have files coming. */
  g_assert_cmpuint (ready->len, ==, 0);
  g_clear_pointer (&ready, g_ptr_array_unref);

  ks_asset_grouper_add (grouper, c);
  ready = ks_asset_grouper_take_ready (grouper);
  g_assert_cmpuint (ready->len, ==, 1);
  g_assert_true (ks_asset_is_live (g_ptr_array_index (ready, 0)));

  rest = ks_asset_grouper_finish (grouper);
  g_assert_cmpuint (rest->len, ==, 1);
  g_assert_cmpstr (ks_asset_get_key (g_ptr_array_index (rest, 0)), ==, "B/IMG_0001.JPG");
}

static void
test_open_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("ks-open-XXXXXX", &error);
  g_autofree char *outside = g_dir_make_tmp ("ks-outside-XXXXXX", &error);
  g_autofree char *link = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GPtrArray) files = NULL;
  char buf[16] = { 0 };
  gsize n = 0;

  g_assert_no_error (error);
  write_file (root, "DCIM/IMG_0001.JPG", "0123456789", 1700000000);
  write_file (outside, "IMG_6666.JPG", "secret", 1700000000);
  secret = g_build_filename (outside, "IMG_6666.JPG", NULL);
  link = g_build_filename (root, "DCIM", "IMG_6666.JPG", NULL);
  g_assert_cmpint (symlink (secret, link), ==, 0);
  {
    g_autofree char *dirlink = g_build_filename (root, "Out", NULL);
    g_assert_cmpint (symlink (outside, dirlink), ==, 0);
  }

  folder = g_file_new_for_path (root);
  source = ks_folder_source_new (folder);

  /* Symbolic links are not followed out of the folder. */
  files = walk (KS_SOURCE (source));
  g_assert_cmpuint (files->len, ==, 1);
  g_assert_cmpstr (((KsSourceFile *) g_ptr_array_index (files, 0))->path, ==, "DCIM/IMG_0001.JPG");

  stream = ks_source_open_file (KS_SOURCE (source), "DCIM/IMG_0001.JPG", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_SEEKABLE (stream));
  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 4, G_SEEK_SET, NULL, &error));
  g_assert_true (g_input_stream_read_all (stream, buf, 3, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (buf, ==, "456");

  g_assert_null (ks_source_open_file (KS_SOURCE (source), "../etc/passwd", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_clear_error (&error);
  g_assert_null (ks_source_open_file (KS_SOURCE (source), "/etc/passwd", NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (ks_source_open_file (KS_SOURCE (source), "DCIM/IMG_6666.JPG", NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (ks_source_open_file (KS_SOURCE (source), "Out/IMG_6666.JPG", NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "rm", "-rf", root, outside, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (rm, NULL, &error));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/Model/grouper/dcim-folder", test_dcim_folder);
  g_test_add_func ("/Keepsake/Model/grouper/hostile-paths", test_hostile_paths);
  g_test_add_func ("/Keepsake/Model/grouper/edited-video", test_edited_video_and_mixed_edit);
  g_test_add_func ("/Keepsake/Model/grouper/unknown-types", test_unknown_types);
  g_test_add_func ("/Keepsake/Model/grouper/streaming", test_streaming_ready);
  g_test_add_func ("/Keepsake/Model/folder-source/open-file", test_open_file);

  return g_test_run ();
}
