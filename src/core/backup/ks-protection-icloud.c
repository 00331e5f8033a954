/* ks-protection-icloud.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Stored as text: a first line "v1 N" (N originals only in iCloud), then the primary file of
 * each asset iCloud holds too, one a line, escaped (a path from the phone may hold anything). */

#include "config.h"

#include <stdlib.h>

#include "ks-asset.h"
#include "ks-protection-icloud.h"

static char *
icloud_key (const char *source_id)
{
  return g_strconcat (KS_PROTECTION_ICLOUD_PREFIX, source_id, NULL);
}

/**
 * ks_protection_store_icloud:
 * @assets: (element-type KsAsset): the source's assets as listed, with the flags its Photos
 *   library gave them
 * @n_icloud_only: originals the library says are only in iCloud (not files of the source)
 *
 * Replaces what is kept for @source_id; with nothing in iCloud, removes it.
 */
gboolean
ks_protection_store_icloud (KsCatalog   *catalog,
                            const char  *source_id,
                            GPtrArray   *assets,
                            guint        n_icloud_only,
                            GError     **error)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *key = NULL;
  guint n_stored = 0;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), FALSE);
  g_return_val_if_fail (source_id != NULL && assets != NULL, FALSE);

  text = g_string_new (NULL);
  g_string_printf (text, "v1 %u\n", n_icloud_only);
  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);
      g_autofree char *escaped = NULL;

      if (!(ks_asset_get_flags (asset) & KS_ASSET_FLAG_IN_ICLOUD))
        continue;
      escaped = g_strescape (ks_asset_file_get_path (ks_asset_get_primary (asset)), NULL);
      g_string_append (text, escaped);
      g_string_append_c (text, '\n');
      n_stored++;
    }

  key = icloud_key (source_id);
  if (n_stored == 0 && n_icloud_only == 0)
    return ks_catalog_unset_plan_setting (catalog, key, error);
  return ks_catalog_set_plan_setting (catalog, key, text->str, error);
}

/**
 * ks_protection_load_icloud:
 * @out_n_icloud_only: (out) (optional): originals only in iCloud
 *
 * Returns: (transfer full): the set of primary-file paths iCloud Photos holds too (empty
 *   when nothing was stored or what was stored cannot be read)
 */
GHashTable *
ks_protection_load_icloud (KsCatalog  *catalog,
                           const char *source_id,
                           guint      *out_n_icloud_only)
{
  GHashTable *paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 n_only = 0;

  if (out_n_icloud_only != NULL)
    *out_n_icloud_only = 0;
  g_return_val_if_fail (KS_IS_CATALOG (catalog), paths);
  g_return_val_if_fail (source_id != NULL, paths);

  key = icloud_key (source_id);
  text = ks_catalog_dup_plan_setting (catalog, key);
  if (text == NULL)
    return paths;

  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || !g_str_has_prefix (lines[0], "v1 ")
      || !g_ascii_string_to_unsigned (lines[0] + 3, 10, 0, G_MAXUINT, &n_only, NULL))
    return paths;
  for (guint i = 1; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_hash_table_add (paths, g_strcompress (lines[i]));

  if (out_n_icloud_only != NULL)
    *out_n_icloud_only = (guint)n_only;
  return paths;
}

/**
 * ks_protection_dup_primary_files:
 * @assets: (element-type KsAsset): a source's assets
 *
 * Returns: (transfer container) (element-type KsCatalogSourceFile): each asset's primary file
 *   (path, size, mtime; borrowed strings: @assets must outlive the array), as the catalog
 *   knows a source's files
 */
GPtrArray *
ks_protection_dup_primary_files (GPtrArray *assets)
{
  GPtrArray *files = g_ptr_array_new_full (assets ? assets->len : 0, g_free);

  g_return_val_if_fail (assets != NULL, files);

  for (guint i = 0; i < assets->len; i++)
    {
      KsAssetFile *primary = ks_asset_get_primary (g_ptr_array_index (assets, i));
      KsCatalogSourceFile *file = g_new0 (KsCatalogSourceFile, 1);

      file->path = (char *)ks_asset_file_get_path (primary);
      file->size = ks_asset_file_get_size (primary);
      file->mtime = ks_asset_file_get_mtime (primary);
      g_ptr_array_add (files, file);
    }

  return files;
}
