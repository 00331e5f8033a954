/* ks-cli-library.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the phone's Photos library says, for list and backup: assets grouped from the listed
 * files with their flags and albums, the albums, and what is only in iCloud. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-asset.h"
#include "ks-asset-grouper.h"
#include "ks-cli.h"
#include "ks-photos-db.h"

/* Returns: (transfer full) (element-type KsAsset): @files grouped, with the library's flags. */
GPtrArray *
ks_cli_group_assets (KsSource  *source,
                     GPtrArray *files)
{
  GPtrArray *assets = ks_asset_group_files (ks_source_get_id (source), files);

  ks_source_annotate_assets (source, assets);
  return assets;
}

/* A source path for a library path (see the device source: DCIM is the root, the rest of the
 * media root is reached with "../"). */
static char *
source_path (const char *media_path)
{
  if (g_str_has_prefix (media_path, "DCIM/"))
    return g_strdup (media_path + 5);
  return g_strconcat ("../", media_path, NULL);
}

static void
print_flags_json (KsJson              *json,
                  KsAssetFlags         flags,
                  const char * const  *albums)
{
  ks_json_member_bool (json, "favorite", (flags & KS_ASSET_FLAG_FAVORITE) != 0);
  ks_json_member_bool (json, "hidden", (flags & KS_ASSET_FLAG_HIDDEN) != 0);
  ks_json_member_bool (json, "screenshot", (flags & KS_ASSET_FLAG_SCREENSHOT) != 0);
  ks_json_member_bool (json, "trashed", (flags & KS_ASSET_FLAG_TRASHED) != 0);
  ks_json_member_bool (json, "icloud_only", (flags & KS_ASSET_FLAG_ICLOUD_ONLY) != 0);
  ks_json_key (json, "albums");
  ks_json_begin_array (json);
  for (guint i = 0; albums != NULL && albums[i] != NULL; i++)
    ks_json_string (json, albums[i]);
  ks_json_end_array (json);
}

/* Members "assets" (each listed asset, then each only in iCloud), "albums" and
 * "icloud_only"; without a readable library, no albums and nothing in iCloud. */
void
ks_cli_json_library (KsJson    *json,
                     KsSource  *source,
                     GPtrArray *assets)
{
  g_autoptr(KsPhotosDb) library = ks_source_dup_library (source);
  guint64 icloud_bytes = 0;
  guint n_icloud = library ? ks_photos_db_get_icloud_only (library, &icloud_bytes) : 0;

  ks_json_key (json, "assets");
  ks_json_begin_array (json);
  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);
      GPtrArray *files = ks_asset_get_files (asset);

      ks_json_begin_object (json);
      ks_json_member_string (json, "path", ks_asset_get_key (asset));
      ks_json_member_string (json, "kind", ks_asset_kind_to_string (ks_asset_get_kind (asset)));
      ks_json_key (json, "files");
      ks_json_begin_array (json);
      for (guint k = 0; k < files->len; k++)
        ks_json_string (json, ks_asset_file_get_path (g_ptr_array_index (files, k)));
      ks_json_end_array (json);
      print_flags_json (json, ks_asset_get_flags (asset), ks_asset_get_albums (asset));
      ks_json_end_object (json);
    }
  for (guint i = 0; library != NULL && i < ks_photos_db_get_n_assets (library); i++)
    {
      const KsPhotosDbAsset *a = ks_photos_db_get_asset (library, i);
      g_autofree char *path = NULL;

      if (!(a->flags & KS_ASSET_FLAG_ICLOUD_ONLY))
        continue;
      path = source_path (a->path);
      ks_json_begin_object (json);
      ks_json_member_string (json, "path", path);
      ks_json_member_string (json, "kind", ks_asset_kind_to_string (ks_asset_kind_from_name (path, -1)));
      ks_json_key (json, "files");
      ks_json_begin_array (json);
      ks_json_end_array (json);
      ks_json_member_int (json, "size", a->size);
      print_flags_json (json, a->flags, a->albums);
      ks_json_end_object (json);
    }
  ks_json_end_array (json);

  ks_json_key (json, "albums");
  ks_json_begin_array (json);
  for (guint i = 0; library != NULL && i < ks_photos_db_get_n_albums (library); i++)
    {
      const KsPhotosDbAlbum *album = ks_photos_db_get_album (library, i);

      ks_json_begin_object (json);
      ks_json_member_string (json, "name", album->path);
      ks_json_member_int (json, "count", album->count);
      ks_json_end_object (json);
    }
  ks_json_end_array (json);

  ks_json_key (json, "icloud_only");
  ks_json_begin_object (json);
  ks_json_member_int (json, "count", n_icloud);
  ks_json_member_int (json, "bytes", icloud_bytes);
  ks_json_end_object (json);
}

/* A line for people about what is only in iCloud; NULL when nothing is. */
char *
ks_cli_icloud_only_line (KsSource *source)
{
  g_autoptr(KsPhotosDb) library = ks_source_dup_library (source);
  g_autofree char *size = NULL;
  guint64 bytes = 0;
  guint n;

  if (library == NULL || (n = ks_photos_db_get_icloud_only (library, &bytes)) == 0)
    return NULL;
  size = g_format_size (bytes);
  return g_strdup_printf (ngettext ("%u photo or video (%s) is only in iCloud, not on this iPhone",
                                    "%u photos and videos (%s) are only in iCloud, not on this iPhone", n),
                          n, size);
}

/* Keeps the assets in @album (a path as listed, "Trips/Italy") or, with @favorites, the
 * favourites; both when both are given. */
GPtrArray *
ks_cli_filter_assets (GPtrArray  *assets,
                      const char *album,
                      gboolean    favorites)
{
  GPtrArray *kept = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);

      if (album != NULL && !ks_asset_is_in_album (asset, album))
        continue;
      if (favorites && !(ks_asset_get_flags (asset) & KS_ASSET_FLAG_FAVORITE))
        continue;
      g_ptr_array_add (kept, g_object_ref (asset));
    }
  return kept;
}
