/* ks-import-placement.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Where a file goes in a destination: the layout gives a relative folder and a name, split
 * into stem and extension for the destination to add " (N)" on a clash. An asset's
 * companions (Live movie, edits, sidecar) follow where its primary went in each
 * destination, renamed or not, so they stay side by side. Committer thread, except
 * _ks_import_place_temporary() (writer thread). */

#include "config.h"

#include <string.h>

#include "ks-asset.h"
#include "ks-import-job-private.h"
#include "ks-layout.h"
#include "ks-safe-name.h"

/**
 * _ks_import_split_rel:
 *
 * @rel's folder ("" at the destination's top) and file name, as a destination's index names
 * a stored file.
 */
void
_ks_import_split_rel (const char  *rel,
                      char       **out_dir,
                      char       **out_base)
{
  *out_dir = g_path_get_dirname (rel);
  if (g_str_equal (*out_dir, "."))
    (*out_dir)[0] = '\0';
  *out_base = g_path_get_basename (rel);
}

/* Splits the laid-out path into a folder and a name. The layout sees the capture time
 * read from the file's own bytes through a private copy of the asset: the shared asset
 * belongs to the thread that shows it. */
static void
layout_place (KsImportRun  *run,
              KsAsset      *asset,
              KsAssetFile  *file,
              gint64        capture_time,
              char        **out_dir,
              char        **out_stem,
              char        **out_ext)
{
  g_autoptr(KsAsset) dated = ks_asset_new (ks_asset_get_source_id (asset), ks_asset_get_primary (asset));
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  const char *slash;

  ks_asset_set_capture_time (dated, capture_time, TRUE);
  path = ks_layout_dup_path (run->self->layout, dated, file, run->source_name, 0);

  slash = strrchr (path, '/');
  if (slash != NULL)
    {
      *out_dir = g_strndup (path, slash - path);
      name = g_strdup (slash + 1);
    }
  else
    {
      *out_dir = g_strdup ("");
      name = g_strdup (path);
    }

  ks_safe_name_split (name, out_stem, out_ext);
}

/* "IMG_1 (3)" → 3; anything else → 1. */
static guint
counter_from_stem (const char *stem)
{
  gsize len = strlen (stem);
  const char *open;

  if (len < 4 || stem[len - 1] != ')')
    return 1;
  open = g_strrstr (stem, " (");
  if (open == NULL)
    return 1;

  return MAX (1, (guint)g_ascii_strtoull (open + 2, NULL, 10));
}

/* For a companion: the folder and counter its asset's primary got (or already had) in @d. */
static KsImportPlace *
asset_place (KsImportRun  *run,
             KsImportItem *item,
             guint         d)
{
  KsImportPlace *place = &run->places[d];

  if (run->place_asset != item->asset)
    {
      _ks_import_places_clear (run);
      run->place_asset = item->asset;
    }

  if (place->dir == NULL && item->primary != item && item->primary->hash != NULL)
    {
      g_autofree char *rel = NULL;

      if (ks_destination_lookup (run->dests[d], item->primary->hash, &rel, NULL))
        {
          g_autofree char *base = NULL;
          g_autofree char *stem = NULL;
          g_autofree char *ext = NULL;

          _ks_import_split_rel (rel, &place->dir, &base);
          ks_safe_name_split (base, &stem, &ext);
          place->counter = counter_from_stem (stem);
        }
    }

  return place;
}

/* Forgets where the last asset went. */
void
_ks_import_places_clear (KsImportRun *run)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      g_clear_pointer (&run->places[d].dir, g_free);
      run->places[d].counter = 1;
    }
}

/**
 * _ks_import_place_temporary:
 *
 * The folder where @item most likely ends up, for its temporary: the final rename then
 * stays inside one folder. Its date is the one known before its bytes are read (a
 * companion's is its primary's, read from the primary's bytes); metadata read later may
 * still move it.
 *
 * Returns: (transfer full): a folder relative to the destination ("" for its root)
 */
char *
_ks_import_place_temporary (KsImportRun  *run,
                            KsImportItem *item)
{
  gint64 when = item->primary != item && item->primary->capture_time != 0
                  ? item->primary->capture_time
                  : ks_asset_get_capture_time (item->asset);
  g_autofree char *stem = NULL;
  g_autofree char *ext = NULL;
  char *dir = NULL;

  layout_place (run, item->asset, item->file, when, &dir, &stem, &ext);

  return dir;
}

/**
 * _ks_import_place_final:
 * @capture_time: the date @item's bytes gave
 * @out_counter: where the " (N)" search starts
 *
 * Where @item is to be named in destination @d: by the layout for a primary; in its
 * primary's folder, from its primary's " (N)", for a companion.
 */
void
_ks_import_place_final (KsImportRun   *run,
                        KsImportItem  *item,
                        guint          d,
                        gint64         capture_time,
                        char         **out_dir,
                        char         **out_stem,
                        char         **out_ext,
                        guint         *out_counter)
{
  gboolean is_primary = item->primary == item;
  KsImportPlace *place = asset_place (run, item, d);

  layout_place (run, item->asset, item->file, capture_time, out_dir, out_stem, out_ext);
  if (!is_primary && place->dir != NULL)
    {
      g_free (*out_dir);
      *out_dir = g_strdup (place->dir);
    }
  *out_counter = is_primary ? 1 : place->counter;
}

/**
 * _ks_import_place_remember:
 * @dir: (inout) (transfer full): the folder @item was stored in; taken when remembered
 * @counter: the " (N)" it got
 *
 * After @item was stored in @d: a primary's place is where its companions go.
 */
void
_ks_import_place_remember (KsImportRun   *run,
                           KsImportItem  *item,
                           guint          d,
                           char         **dir,
                           guint          counter)
{
  KsImportPlace *place = &run->places[d];

  g_assert (run->place_asset == item->asset);

  if (item->primary == item || place->dir == NULL)
    {
      g_free (place->dir);
      place->dir = g_steal_pointer (dir);
      place->counter = counter;
    }
}
