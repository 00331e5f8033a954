/* ks-import-library.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The end of an import: what the phone's Photos library says of each photo of the run
 * (favourite, hidden, its albums, when it was taken) goes into the own index of every
 * destination that holds the photo, also for photos an earlier run copied: an album renamed
 * on the phone is renamed there at the next run, and what the index says outlives the
 * phone. */

#include "config.h"

#include "ks-asset.h"
#include "ks-import-job-private.h"

/* ISO 8601 with the offset where the photo was taken when known, else the local one. */
char *
_ks_import_format_date (gint64 unix_time,
                        int    utc_offset,
                        gboolean offset_known)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return NULL;
  tz = offset_known ? g_time_zone_new_offset (utc_offset) : g_time_zone_new_local ();
  local = tz != NULL ? g_date_time_to_timezone (utc, tz) : NULL;
  if (local == NULL)
    return NULL;

  /* "+00:00" rather than "Z": some readers of XMP dates take only the first. */
  {
    g_autofree char *base = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
    int offset = (int) (g_date_time_get_utc_offset (local) / G_TIME_SPAN_SECOND);

    return g_strdup_printf ("%s%c%02d:%02d", base, offset < 0 ? '-' : '+',
                            ABS (offset) / 3600, (ABS (offset) / 60) % 60);
  }
}

static KsPhotoInfo *
info_for (KsImportItem *item)
{
  KsAsset *asset = item->asset;
  KsAssetFlags flags = ks_asset_get_flags (asset);
  KsPhotoInfoFlags info_flags = KS_PHOTO_INFO_NONE;
  gint64 when = item->capture_time != 0 ? item->capture_time : ks_asset_get_capture_time (asset);
  int offset = 0;
  gboolean offset_known = ks_asset_get_utc_offset (asset, &offset);
  g_autofree char *date = when > 0 ? _ks_import_format_date (when, offset, offset_known) : NULL;

  if (flags & KS_ASSET_FLAG_FAVORITE)
    info_flags |= KS_PHOTO_INFO_FAVORITE;
  if (flags & KS_ASSET_FLAG_HIDDEN)
    info_flags |= KS_PHOTO_INFO_HIDDEN;
  if (flags & KS_ASSET_FLAG_TRASHED)
    info_flags |= KS_PHOTO_INFO_TRASHED;

  return ks_photo_info_new (item->hash, info_flags, date, ks_asset_get_albums (asset));
}

/* Records what the Photos library says of the run's photos in each destination that holds
 * them. A failure costs no photo: it is logged, and the next run records it again. */
void
_ks_import_record_library (KsImportRun *run)
{
  guint32 touched = 0;

  for (guint i = 0; i < run->items->len; i++)
    {
      KsImportItem *item = g_ptr_array_index (run->items, i);
      g_autoptr(KsPhotoInfo) info = NULL;

      if (item->primary != item || item->hash == NULL
          || !(ks_asset_get_flags (item->asset) & KS_ASSET_FLAG_IN_LIBRARY))
        continue;

      info = info_for (item);
      for (guint d = 0; d < run->n_dests; d++)
        if (_ks_import_dest_alive (run, d)
            && ks_destination_lookup (run->dests[d], item->hash, NULL, NULL)
            && ks_destination_record_info (run->dests[d], info))
          touched |= 1u << d;
    }

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) error = NULL;

      if ((touched & (1u << d)) && !ks_destination_sync (run->dests[d], &error))
        g_message ("Photos library details not recorded in %s: %s",
                   ks_destination_get_id (run->dests[d]), error->message);
    }
}
