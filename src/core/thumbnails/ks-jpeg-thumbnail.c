/* ks-jpeg-thumbnail.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A camera JPEG carries a small JPEG of itself in its Exif segment, within the first 64 KiB:
 * reading that is far cheaper than the 2–10 MB file. Orientation lives in IFD0 and applies
 * to the embedded thumbnail too. */

#include "config.h"

#include <string.h>
#include <libexif/exif-data.h>

#include "ks-jpeg-thumbnail.h"
#include "ks-thumbnailer.h"

#define FIRST_READ   16384
/* SOI + every APPn segment before the image data; a segment is at most 64 KiB. */
#define MAX_HEAD     (256 * 1024)

/**
 * ks_jpeg_thumbnail_apply_orientation:
 * @orientation: an Exif orientation, 1–8
 *
 * Returns: (transfer full): @pixbuf turned upright
 */
GdkPixbuf *
ks_jpeg_thumbnail_apply_orientation (GdkPixbuf *pixbuf,
                                     int        orientation)
{
  g_autoptr(GdkPixbuf) tmp = NULL;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);

  switch (orientation)
    {
    case 2:
      return gdk_pixbuf_flip (pixbuf, TRUE);
    case 3:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
    case 4:
      return gdk_pixbuf_flip (pixbuf, FALSE);
    case 5:
      tmp = gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
      return gdk_pixbuf_flip (tmp, FALSE);
    case 6:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_CLOCKWISE);
    case 7:
      tmp = gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_CLOCKWISE);
      return gdk_pixbuf_flip (tmp, FALSE);
    case 8:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
    default:
      return g_object_ref (pixbuf);
    }
}

/* Finds the Exif APP1 payload ("Exif\0\0…") among the segments before the image data,
 * growing @head as needed. Returns FALSE only on I/O errors; *payload stays NULL when the
 * file has no Exif. */
static gboolean
find_exif (GInputStream   *stream,
           guint64         file_size,
           GByteArray     *head,
           const guint8  **payload,
           gsize          *payload_len,
           GCancellable   *cancellable,
           GError        **error)
{
  gsize pos = 2;

  *payload = NULL;
  *payload_len = 0;

  for (;;)
    {
      guint8 marker;
      gsize seg_len;
      gsize need;

      need = pos + 4;
      if (need > head->len)
        {
          gsize old = head->len;
          gsize want = MIN (MAX (need, (gsize) head->len * 2), (gsize) MIN (file_size, MAX_HEAD));

          if (want < need)
            return TRUE; /* past the file or our bound: no Exif */
          g_byte_array_set_size (head, want);
          if (!ks_thumbnailer_read_at (stream, old, head->data + old, want - old, cancellable, error))
            return FALSE;
        }

      if (head->data[pos] != 0xff)
        return TRUE;
      marker = head->data[pos + 1];
      if (marker == 0xff)
        {
          pos++; /* fill byte */
          continue;
        }
      /* Only APPn (E0–EF) and COM (FE) come before the image; anything else ends the search. */
      if (!((marker >= 0xe0 && marker <= 0xef) || marker == 0xfe))
        return TRUE;

      seg_len = ((gsize) head->data[pos + 2] << 8) | head->data[pos + 3];
      if (seg_len < 2)
        return TRUE;

      if (marker == 0xe1 && seg_len >= 8)
        {
          need = pos + 2 + seg_len;
          if (need > head->len)
            {
              gsize old = head->len;

              if (need > MIN (file_size, MAX_HEAD))
                return TRUE;
              g_byte_array_set_size (head, need);
              if (!ks_thumbnailer_read_at (stream, old, head->data + old, need - old,
                                           cancellable, error))
                return FALSE;
            }
          if (memcmp (head->data + pos + 4, "Exif\0\0", 6) == 0)
            {
              *payload = head->data + pos + 4;
              *payload_len = seg_len - 2;
              return TRUE;
            }
        }

      pos += 2 + seg_len;
    }
}

static int
exif_orientation (ExifData *exif)
{
  ExifEntry *entry = exif_content_get_entry (exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);

  if (entry == NULL || entry->format != EXIF_FORMAT_SHORT || entry->size < 2)
    return 1;
  return exif_get_short (entry->data, exif_data_get_byte_order (exif));
}

/**
 * ks_jpeg_thumbnail_load:
 * @size_px: the long side wanted; <= 0 for the Exif thumbnail's own size
 * @used_exif: (out) (optional): whether the Exif thumbnail was used
 *
 * Uses the Exif thumbnail when it is at least half of @size_px (never upscaled); otherwise
 * decodes the whole file, scaling while decoding.
 *
 * Returns: (transfer full): an upright thumbnail, or %NULL with @error set
 */
GdkPixbuf *
ks_jpeg_thumbnail_load (GInputStream  *stream,
                        guint64        file_size,
                        int            size_px,
                        gboolean      *used_exif,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GdkPixbuf) full = NULL;
  const guint8 *payload = NULL;
  gsize payload_len = 0;
  int orientation = 1;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  if (used_exif != NULL)
    *used_exif = FALSE;

  if (file_size == 0 && !ks_thumbnailer_query_size (stream, &file_size, cancellable, error))
    return NULL;
  if (file_size < 4)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "File too short to be a JPEG");
      return NULL;
    }

  g_byte_array_set_size (head, MIN (file_size, FIRST_READ));
  if (!ks_thumbnailer_read_at (stream, 0, head->data, head->len, cancellable, error))
    return NULL;
  if (head->data[0] != 0xff || head->data[1] != 0xd8)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a JPEG file");
      return NULL;
    }

  if (!find_exif (stream, file_size, head, &payload, &payload_len, cancellable, error))
    return NULL;

  if (payload != NULL)
    {
      ExifData *exif = exif_data_new_from_data (payload, payload_len);

      if (exif != NULL)
        {
          orientation = exif_orientation (exif);

          if (exif->data != NULL && exif->size > 0)
            {
              g_autoptr(GdkPixbuf) thumb = NULL;

              thumb = ks_thumbnailer_load_pixbuf_data (exif->data, exif->size, size_px, NULL);
              if (thumb != NULL &&
                  (size_px <= 0 ||
                   2 * MAX (gdk_pixbuf_get_width (thumb), gdk_pixbuf_get_height (thumb)) >= size_px))
                {
                  exif_data_unref (exif);
                  if (used_exif != NULL)
                    *used_exif = TRUE;
                  return ks_jpeg_thumbnail_apply_orientation (thumb, orientation);
                }
            }
          exif_data_unref (exif);
        }
    }

  /* No usable Exif thumbnail: decode everything, scaled while decoding. */
  full = ks_thumbnailer_load_pixbuf_stream (stream, head->data, head->len, size_px,
                                            cancellable, error);
  if (full == NULL)
    return NULL;
  return ks_jpeg_thumbnail_apply_orientation (full, orientation);
}
