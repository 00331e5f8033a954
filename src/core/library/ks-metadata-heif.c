/* ks-metadata-heif.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* HEIF/HEIC: the `meta` box locates the Exif item (wherever iloc puts it); libheif is the
 * fallback when the whole file is in memory. */

#include "config.h"

#include <libheif/heif.h>

#include "ks-metadata-private.h"

/* An HEIF Exif item starts with a 32-bit big-endian offset to the TIFF header. */
static void
parse_heif_exif_block (const guint8 *data,
                       gsize         len,
                       KsMetadata   *md)
{
  guint32 skip;

  if (len < 4)
    return;
  skip = GUINT32_FROM_BE (*(const guint32 *) (gconstpointer) data);
  if (skip > len - 4)
    return;
  _ks_metadata_parse_exif (data + 4 + skip, len - 4 - skip, md);
}

void
_ks_metadata_parse_heif (Src        *src,
                         KsMetadata *md)
{
  g_autoptr(KsIsobmffMeta) meta = NULL;
  g_autoptr(GBytes) meta_bytes = NULL;
  KsIsobmffBox box;

  if (_ks_metadata_find_top_level_box (src, KS_FOURCC ('m', 'e', 't', 'a'), &box) &&
      box.size <= MAX_META_SIZE &&
      (meta_bytes = _ks_metadata_src_read (src, box.offset, box.size)) != NULL &&
      (meta = ks_isobmff_meta_parse (g_bytes_get_data (meta_bytes, NULL), box.size, box.offset, NULL)) != NULL)
    {
      for (guint i = 0; i < ks_isobmff_meta_get_n_items (meta); i++)
        {
          const KsIsobmffItem *item = ks_isobmff_meta_get_nth_item (meta, i);
          g_autoptr(GByteArray) exif = NULL;
          guint64 total;

          if (item->type != KS_FOURCC ('E', 'x', 'i', 'f') || item->extents == NULL)
            continue;
          total = ks_isobmff_item_get_total_length (item);
          if (total == 0 || total > MAX_EXIF_SIZE)
            continue;

          exif = g_byte_array_sized_new ((guint) total);
          for (guint e = 0; e < item->extents->len; e++)
            {
              const KsIsobmffExtent *extent = &g_array_index (item->extents, KsIsobmffExtent, e);
              g_autoptr(GBytes) part = _ks_metadata_src_read (src, extent->offset, (gsize) extent->length);

              if (part == NULL)
                break;
              g_byte_array_append (exif, g_bytes_get_data (part, NULL), (guint) extent->length);
            }

          if (exif->len == total)
            parse_heif_exif_block (exif->data, exif->len, md);
          if (md->has_capture_time)
            return;
        }
    }

  /* Layouts our parser does not follow: let libheif try, if all bytes are here. */
  if (src->stream == NULL && src->segments == NULL && !md->has_capture_time && src->len > 0)
    {
      struct heif_context *ctx = heif_context_alloc ();
      struct heif_image_handle *handle = NULL;
      struct heif_error err;

      err = heif_context_read_from_memory_without_copy (ctx, src->data, src->len, NULL);
      if (err.code == heif_error_Ok)
        err = heif_context_get_primary_image_handle (ctx, &handle);
      if (err.code == heif_error_Ok)
        {
          heif_item_id ids[4];
          int n = heif_image_handle_get_list_of_metadata_block_IDs (handle, "Exif", ids, G_N_ELEMENTS (ids));

          for (int i = 0; i < n && !md->has_capture_time; i++)
            {
              gsize size = heif_image_handle_get_metadata_size (handle, ids[i]);
              g_autofree guint8 *buf = NULL;

              if (size == 0 || size > MAX_EXIF_SIZE)
                continue;
              buf = g_malloc (size);
              if (heif_image_handle_get_metadata (handle, ids[i], buf).code == heif_error_Ok)
                parse_heif_exif_block (buf, size, md);
            }
        }

      g_clear_pointer (&handle, heif_image_handle_release);
      heif_context_free (ctx);
    }
}
