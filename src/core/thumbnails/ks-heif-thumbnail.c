/* ks-heif-thumbnail.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libheif 1.15 reads every item when it opens a file, so over AFC we never let it near the
 * stream: we parse `meta` ourselves, fetch the few ranges a thumbnail decode touches into a
 * calloc'd buffer (untouched pages stay shared zero pages) and hand libheif that buffer. */

#include "config.h"

#include <string.h>
#include <libheif/heif.h>

#include "ks-heif-thumbnail.h"
#include "ks-isobmff.h"
#include "ks-thumbnailer.h"

/* Above this a file is not a photo we can thumbnail in memory. */
#define MAX_FILE_SIZE  (G_GUINT64_CONSTANT (1) << 31)
#define MAX_META_SIZE  (16 * 1024 * 1024)
#define MAX_TOP_BOXES  64
/* Ranges closer than this are fetched in one read: a round trip costs more than the gap. */
#define COALESCE_GAP   4096

typedef struct
{
  GInputStream *stream;
  guint8       *data;     /* file_size bytes, zero where never fetched */
  guint64       size;
  GArray       *covered;  /* KsIsobmffExtent, sorted, disjoint */
} Sparse;

static void
sparse_clear (Sparse *sparse)
{
  g_clear_pointer (&sparse->data, g_free);
  g_clear_pointer (&sparse->covered, g_array_unref);
}

static void
sparse_mark (Sparse  *sparse,
             guint64  offset,
             guint64  length)
{
  KsIsobmffExtent ext = { offset, length };
  guint i;

  /* Insert sorted, then merge neighbours that touch. */
  for (i = 0; i < sparse->covered->len; i++)
    if (g_array_index (sparse->covered, KsIsobmffExtent, i).offset > offset)
      break;
  g_array_insert_val (sparse->covered, i, ext);

  for (i = 0; i + 1 < sparse->covered->len;)
    {
      KsIsobmffExtent *a = &g_array_index (sparse->covered, KsIsobmffExtent, i);
      KsIsobmffExtent *b = &g_array_index (sparse->covered, KsIsobmffExtent, i + 1);

      if (a->offset + a->length >= b->offset)
        {
          a->length = MAX (a->offset + a->length, b->offset + b->length) - a->offset;
          g_array_remove_index (sparse->covered, i + 1);
        }
      else
        i++;
    }
}

/* Makes [offset, offset+length) present, reading only what is not yet there. */
static gboolean
sparse_ensure (Sparse        *sparse,
               guint64        offset,
               guint64        length,
               GCancellable  *cancellable,
               GError       **error)
{
  guint64 pos = offset;
  guint64 end;

  if (offset > sparse->size || length > sparse->size - offset)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "HEIF item lies outside the file");
      return FALSE;
    }
  end = offset + length;

  while (pos < end)
    {
      guint64 gap_end = end;

      for (guint i = 0; i < sparse->covered->len; i++)
        {
          const KsIsobmffExtent *c = &g_array_index (sparse->covered, KsIsobmffExtent, i);

          if (c->offset <= pos && pos < c->offset + c->length)
            {
              pos = c->offset + c->length;
              gap_end = 0;
              break;
            }
          if (c->offset > pos)
            {
              gap_end = MIN (end, c->offset);
              break;
            }
        }

      if (gap_end == 0)
        continue;
      if (pos >= end)
        break;

      if (!ks_thumbnailer_read_at (sparse->stream, pos, sparse->data + pos, gap_end - pos,
                                   cancellable, error))
        return FALSE;
      sparse_mark (sparse, pos, gap_end - pos);
      pos = gap_end;
    }

  return TRUE;
}

static int
compare_extents (gconstpointer a,
                 gconstpointer b)
{
  const KsIsobmffExtent *ea = a, *eb = b;

  return ea->offset < eb->offset ? -1 : ea->offset > eb->offset ? 1 : 0;
}

static void
add_item_extents (GArray              *ranges,
                  const KsIsobmffItem *item)
{
  if (item == NULL || item->construction_method != 0)
    return; /* idat data sits inside meta, which we already hold */
  g_array_append_vals (ranges, item->extents->data, item->extents->len);
}

static gboolean
fetch_ranges (Sparse        *sparse,
              GArray        *ranges,
              GCancellable  *cancellable,
              GError       **error)
{
  guint i = 0;

  g_array_sort (ranges, compare_extents);

  while (i < ranges->len)
    {
      KsIsobmffExtent run = g_array_index (ranges, KsIsobmffExtent, i);
      guint64 run_end = run.offset + run.length;

      if (run_end < run.offset)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HEIF extent overflows");
          return FALSE;
        }

      for (i++; i < ranges->len; i++)
        {
          const KsIsobmffExtent *next = &g_array_index (ranges, KsIsobmffExtent, i);

          if (next->offset > run_end + COALESCE_GAP)
            break;
          if (next->offset + next->length < next->offset)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HEIF extent overflows");
              return FALSE;
            }
          run_end = MAX (run_end, next->offset + next->length);
        }

      if (!sparse_ensure (sparse, run.offset, run_end - run.offset, cancellable, error))
        return FALSE;
    }

  return TRUE;
}

static const guint32 heif_brands[] = {
  KS_FOURCC ('h', 'e', 'i', 'c'), KS_FOURCC ('h', 'e', 'i', 'x'),
  KS_FOURCC ('h', 'e', 'v', 'c'), KS_FOURCC ('h', 'e', 'v', 'x'),
  KS_FOURCC ('h', 'e', 'i', 'm'), KS_FOURCC ('h', 'e', 'i', 's'),
  KS_FOURCC ('m', 'i', 'f', '1'), KS_FOURCC ('m', 's', 'f', '1'),
};

static gboolean
is_heif_brand (guint32 brand)
{
  for (guint i = 0; i < G_N_ELEMENTS (heif_brands); i++)
    if (heif_brands[i] == brand)
      return TRUE;
  return FALSE;
}

/**
 * ks_heif_thumbnail_is_heif:
 * @head: the first bytes of a file
 *
 * Returns: whether the file starts with an `ftyp` naming a HEIF brand
 */
gboolean
ks_heif_thumbnail_is_heif (const guint8 *head,
                           gsize         len)
{
  KsIsobmffBox ftyp;
  guint64 end;

  if (!ks_isobmff_read_box_header (head, len, 0, G_MAXUINT64, &ftyp) ||
      ftyp.type != KS_FOURCC ('f', 't', 'y', 'p'))
    return FALSE;

  end = MIN (ftyp.size, (guint64) len);
  for (guint64 pos = ftyp.header_size; pos + 4 <= end; pos += 4)
    {
      /* major_brand, minor_version, compatible_brands[]: skip the version. */
      if (pos == ftyp.header_size + 4)
        continue;
      if (is_heif_brand (((guint32) head[pos] << 24) | ((guint32) head[pos + 1] << 16) |
                         ((guint32) head[pos + 2] << 8) | head[pos + 3]))
        return TRUE;
    }

  return FALSE;
}

static GdkPixbuf *
decode_handle (struct heif_image_handle  *handle,
               GError                   **error)
{
  struct heif_image *image = NULL;
  struct heif_error err;
  gboolean alpha = heif_image_handle_has_alpha_channel (handle);
  const guint8 *plane;
  int stride, width, height;
  GdkPixbuf *pixbuf;

  /* Default options apply irot/imir, so the result is upright. */
  err = heif_decode_image (handle, &image, heif_colorspace_RGB,
                           alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                           NULL);
  if (err.code != heif_error_Ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Could not decode HEIF image: %s", err.message);
      return NULL;
    }

  width = heif_image_get_width (image, heif_channel_interleaved);
  height = heif_image_get_height (image, heif_channel_interleaved);
  plane = heif_image_get_plane_readonly (image, heif_channel_interleaved, &stride);
  if (plane == NULL || width <= 0 || height <= 0)
    {
      heif_image_release (image);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HEIF image has no pixels");
      return NULL;
    }

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  if (pixbuf == NULL)
    {
      heif_image_release (image);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Out of memory for %d×%d image",
                   width, height);
      return NULL;
    }

  {
    guint8 *dest = gdk_pixbuf_get_pixels (pixbuf);
    int dest_stride = gdk_pixbuf_get_rowstride (pixbuf);
    gsize row = (gsize) width * (alpha ? 4 : 3);

    for (int y = 0; y < height; y++)
      memcpy (dest + (gsize) y * dest_stride, plane + (gsize) y * stride, row);
  }

  heif_image_release (image);
  return pixbuf;
}

static GdkPixbuf *
decode_from_memory (const guint8  *data,
                    guint64        size,
                    gboolean       want_thumbnail,
                    int            size_px,
                    GError       **error)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_image_handle *primary = NULL;
  struct heif_image_handle *thumb = NULL;
  struct heif_error err;
  GdkPixbuf *decoded = NULL;
  GdkPixbuf *result = NULL;

  heif_context_set_max_decoding_threads (ctx, 1);

  err = heif_context_read_from_memory_without_copy (ctx, data, size, NULL);
  if (err.code == heif_error_Ok)
    err = heif_context_get_primary_image_handle (ctx, &primary);
  if (err.code != heif_error_Ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Could not read HEIF file: %s", err.message);
      goto out;
    }

  if (want_thumbnail)
    {
      heif_item_id id;

      if (heif_image_handle_get_list_of_thumbnail_IDs (primary, &id, 1) != 1)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "HEIF thumbnail not found by libheif");
          goto out;
        }
      err = heif_image_handle_get_thumbnail (primary, id, &thumb);
      if (err.code != heif_error_Ok)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Could not open HEIF thumbnail: %s", err.message);
          goto out;
        }
      decoded = decode_handle (thumb, error);
    }
  else
    {
      decoded = decode_handle (primary, error);
    }

  if (decoded != NULL)
    result = ks_thumbnailer_scale_to_fit (decoded, size_px);

out:
  g_clear_object (&decoded);
  g_clear_pointer (&thumb, heif_image_handle_release);
  g_clear_pointer (&primary, heif_image_handle_release);
  heif_context_free (ctx);
  return result;
}

/**
 * ks_heif_thumbnail_load:
 * @stream: a #GInputStream; seekable streams get the sparse path
 * @file_size: the file's size, or 0 to ask the stream
 * @size_px: the long side wanted; <= 0 for the embedded thumbnail's own size
 *
 * Loads the embedded thumbnail when there is one, reading only the bytes it needs; otherwise
 * decodes the primary image from the whole file (slow, but correct). Never upscales.
 *
 * Returns: (transfer full): the thumbnail, or %NULL with @error set
 */
GdkPixbuf *
ks_heif_thumbnail_load (GInputStream  *stream,
                        guint64        file_size,
                        int            size_px,
                        GCancellable  *cancellable,
                        GError       **error)
{
  Sparse sparse = { 0 };
  g_autoptr(KsIsobmffMeta) meta = NULL;
  g_autoptr(GArray) ranges = NULL;
  KsIsobmffBox meta_box = { 0 };
  const KsIsobmffItem *primary, *thumb = NULL, *exif = NULL;
  guint32 primary_id, thumb_id, exif_id;
  guint64 pos;
  guint n_boxes = 0;
  GdkPixbuf *result = NULL;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  if (file_size == 0 && !ks_thumbnailer_query_size (stream, &file_size, cancellable, error))
    return NULL;
  if (file_size < 16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "File too short to be HEIF");
      return NULL;
    }
  if (file_size > MAX_FILE_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "HEIF file too large");
      return NULL;
    }

  sparse.stream = stream;
  sparse.size = file_size;
  sparse.covered = g_array_new (FALSE, FALSE, sizeof (KsIsobmffExtent));
  /* The buffer spans the whole file: libheif 1.15 copies every item's data when it opens a
   * file (heif_context.cc, "read metadata"), so each extent must lie inside it, zeros or not.
   * calloc maps untouched pages to the shared zero page, so only fetched ranges cost memory. */
  sparse.data = g_try_malloc0 (file_size);
  if (sparse.data == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Out of memory");
      goto out;
    }

  if (!sparse_ensure (&sparse, 0, MIN (file_size, KS_HEIF_HEAD_SIZE), cancellable, error))
    goto out;

  if (!ks_heif_thumbnail_is_heif (sparse.data, MIN (file_size, KS_HEIF_HEAD_SIZE)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a HEIF file");
      goto out;
    }

  /* libheif walks every top-level box, so each header must be present even if we skip the
   * bodies (mdat, free…). Usually: ftyp, meta, mdat, all in the head read. */
  for (pos = 0; pos < file_size;)
    {
      KsIsobmffBox box;

      if (++n_boxes > MAX_TOP_BOXES)
        break;
      if (!sparse_ensure (&sparse, pos, MIN (16, file_size - pos), cancellable, error))
        goto out;
      if (!ks_isobmff_read_box_header (sparse.data, file_size, pos, file_size, &box))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Malformed HEIF box at offset %" G_GUINT64_FORMAT, pos);
          goto out;
        }

      if (box.type == KS_FOURCC ('m', 'e', 't', 'a') && meta_box.type == 0)
        {
          if (box.size > MAX_META_SIZE)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "HEIF meta box too large");
              goto out;
            }
          if (!sparse_ensure (&sparse, pos, box.size, cancellable, error))
            goto out;
          meta_box = box;
        }
      else if (box.type == KS_FOURCC ('f', 't', 'y', 'p') && box.size <= 4096)
        {
          if (!sparse_ensure (&sparse, pos, box.size, cancellable, error))
            goto out;
        }

      pos += box.size;
    }

  if (meta_box.type == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HEIF file has no meta box");
      goto out;
    }

  meta = ks_isobmff_meta_parse (sparse.data + meta_box.offset, meta_box.size, meta_box.offset,
                                error);
  if (meta == NULL)
    goto out;

  primary_id = ks_isobmff_meta_get_primary_id (meta);
  primary = ks_isobmff_meta_get_item (meta, primary_id);
  if (primary == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HEIF file has no primary image");
      goto out;
    }

  thumb_id = ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('t', 'h', 'm', 'b'),
                                                primary_id, 0);
  exif_id = ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('c', 'd', 's', 'c'),
                                               primary_id, KS_FOURCC ('E', 'x', 'i', 'f'));
  if (thumb_id != 0)
    thumb = ks_isobmff_meta_get_item (meta, thumb_id);
  if (exif_id != 0)
    exif = ks_isobmff_meta_get_item (meta, exif_id);

  /* Only a plain coded thumbnail can be fetched sparsely; anything fancier (a grid of tiles,
   * a missing location) takes the slow path. */
  if (thumb != NULL &&
      (thumb->type != KS_FOURCC ('h', 'v', 'c', '1') || thumb->extents->len == 0 ||
       thumb->construction_method > 1))
    thumb = NULL;

  if (thumb == NULL)
    {
      if (!sparse_ensure (&sparse, 0, file_size, cancellable, error))
        goto out;
      result = decode_from_memory (sparse.data, file_size, FALSE, size_px, error);
      goto out;
    }

  ranges = g_array_new (FALSE, FALSE, sizeof (KsIsobmffExtent));
  add_item_extents (ranges, thumb);
  add_item_extents (ranges, exif);
  /* A derived primary (grid, overlay) is described by a few bytes libheif reads at open. */
  if (primary->type == KS_FOURCC ('g', 'r', 'i', 'd') ||
      primary->type == KS_FOURCC ('i', 'o', 'v', 'l') ||
      primary->type == KS_FOURCC ('i', 'd', 'e', 'n'))
    {
      if (ks_isobmff_item_get_total_length (primary) > 65536)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HEIF grid description too large");
          goto out;
        }
      add_item_extents (ranges, primary);
    }

  if (!fetch_ranges (&sparse, ranges, cancellable, error))
    goto out;

  result = decode_from_memory (sparse.data, file_size, TRUE, size_px, error);

out:
  sparse_clear (&sparse);
  return result;
}
