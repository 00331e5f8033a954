/* emu-sample-aae.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Builds IMG_nnnn.AAE: adjustmentBaseVersion, adjustmentData (raw-deflated binary plist of
 * the adjustments, as Photos stores it), adjustmentEditorBundleID, adjustmentFormatIdentifier
 * com.apple.photo, adjustmentFormatVersion and adjustmentTimestamp. */

#include <gio/gio.h>
#include <plist/plist.h>

#include "emu-sample-aae.h"

#define MAC_ABSOLUTE_OFFSET G_GINT64_CONSTANT (978307200)   /* 2001-01-01 in Unix time */

static GBytes *
deflate_raw (const char *data,
             gsize       len)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, 9);
  gsize cap = len + 128;
  guint8 *out = g_malloc (cap);
  gsize read = 0, written = 0;
  g_autoptr(GError) error = NULL;

  if (g_converter_convert (G_CONVERTER (z), data, len, out, cap, G_CONVERTER_INPUT_AT_END,
                           &read, &written, &error) != G_CONVERTER_FINISHED)
    g_error ("deflate: %s", error ? error->message : "did not finish");
  return g_bytes_new_take (out, written);
}

GBytes *
emu_aae_build (const EmuAsset *asset)
{
  plist_t root = plist_new_dict ();
  plist_t adj = plist_new_dict ();
  plist_t list = plist_new_array ();
  plist_t item, settings, meta;
  g_autoptr(GBytes) packed = NULL;
  char *bin = NULL;
  char *xml = NULL;
  uint32_t bin_len = 0, xml_len = 0;
  gint64 edit_sec = asset->capture_usec / G_USEC_PER_SEC + 3600 + asset->seed % 86400;

  item = plist_new_dict ();
  settings = plist_new_dict ();
  plist_dict_set_item (settings, "inputLight", plist_new_real (0.25 + (asset->seed % 50) / 100.0));
  plist_dict_set_item (settings, "inputWarmth", plist_new_real (0.3));
  plist_dict_set_item (item, "settings", settings);
  plist_dict_set_item (item, "identifier", plist_new_string ("SmartTone"));
  plist_dict_set_item (item, "formatVersion", plist_new_uint (1));
  plist_array_append_item (list, item);
  item = plist_new_dict ();
  settings = plist_new_dict ();
  plist_dict_set_item (settings, "inputStrength", plist_new_real (0.7));
  plist_dict_set_item (item, "settings", settings);
  plist_dict_set_item (item, "identifier", plist_new_string ("Vignette"));
  plist_dict_set_item (item, "formatVersion", plist_new_uint (1));
  plist_array_append_item (list, item);
  plist_dict_set_item (adj, "adjustments", list);
  meta = plist_new_dict ();
  plist_dict_set_item (meta, "orientation", plist_new_uint (asset->orientation));
  plist_dict_set_item (meta, "masterWidth", plist_new_uint (4032));
  plist_dict_set_item (meta, "masterHeight", plist_new_uint (3024));
  plist_dict_set_item (adj, "metadata", meta);
  plist_dict_set_item (adj, "versionInfo", plist_new_string ("photos-edit"));
  plist_to_bin (adj, &bin, &bin_len);
  packed = deflate_raw (bin, bin_len);

  plist_dict_set_item (root, "adjustmentBaseVersion", plist_new_uint (0));
  plist_dict_set_item (root, "adjustmentData",
                       plist_new_data (g_bytes_get_data (packed, NULL), g_bytes_get_size (packed)));
  plist_dict_set_item (root, "adjustmentEditorBundleID", plist_new_string ("com.apple.mobileslideshow"));
  plist_dict_set_item (root, "adjustmentFormatIdentifier", plist_new_string ("com.apple.photo"));
  plist_dict_set_item (root, "adjustmentFormatVersion", plist_new_string ("1.5"));
  plist_dict_set_item (root, "adjustmentTimestamp",
                       plist_new_date ((int32_t) (edit_sec - MAC_ABSOLUTE_OFFSET), 0));
  plist_to_xml (root, &xml, &xml_len);

  {
    GBytes *ret = g_bytes_new (xml, xml_len);

    plist_to_bin_free (bin);
    plist_to_xml_free (xml);
    plist_free (adj);
    plist_free (root);
    return ret;
  }
}
