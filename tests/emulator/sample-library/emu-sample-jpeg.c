/* emu-sample-jpeg.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Encodes RGB buffers to JPEG with gdk-pixbuf and turns the result into what a camera
 * writes: SOI, APP1 Exif (with an IFD1 thumbnail), then the image. */

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "emu-sample-jpeg.h"

static GBytes *
encode_pixbuf (GdkPixbuf *pixbuf,
               int        quality)
{
  g_autofree char *q = g_strdup_printf ("%d", quality);
  g_autoptr(GError) error = NULL;
  gchar *buf = NULL;
  gsize len = 0;

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buf, &len, "jpeg", &error, "quality", q, NULL))
    g_error ("JPEG encoding failed: %s", error->message);
  return g_bytes_new_take (buf, len);
}

GBytes *
emu_jpeg_encode (const EmuRgb *rgb,
                 int           quality)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (rgb->pixels, GDK_COLORSPACE_RGB, FALSE, 8,
                                                          rgb->width, rgb->height, rgb->width * 3,
                                                          NULL, NULL);

  return encode_pixbuf (pixbuf, quality);
}

GBytes *
emu_jpeg_thumbnail (const EmuRgb *rgb,
                    int           width,
                    int           height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (rgb->pixels, GDK_COLORSPACE_RGB, FALSE, 8,
                                                          rgb->width, rgb->height, rgb->width * 3,
                                                          NULL, NULL);
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_scale_simple (pixbuf, width, height, GDK_INTERP_BILINEAR);

  return encode_pixbuf (small, 80);
}

GBytes *
emu_jpeg_splice_exif (GBytes *jpeg,
                      GBytes *exif)
{
  gsize jlen, elen;
  const guint8 *j = g_bytes_get_data (jpeg, &jlen);
  const guint8 *e = g_bytes_get_data (exif, &elen);
  GByteArray *out;
  gsize pos = 2;
  guint8 hdr[4];

  g_return_val_if_fail (jlen > 4 && j[0] == 0xFF && j[1] == 0xD8, NULL);
  g_return_val_if_fail (elen + 2 <= 0xFFFF, NULL);

  /* Skip the JFIF APP0 segment if the encoder wrote one. */
  if (j[2] == 0xFF && j[3] == 0xE0 && jlen > 6)
    pos = 4 + ((gsize) j[4] << 8 | j[5]);

  out = g_byte_array_sized_new (jlen + elen + 4);
  g_byte_array_append (out, j, 2);
  hdr[0] = 0xFF;
  hdr[1] = 0xE1;
  hdr[2] = (elen + 2) >> 8;
  hdr[3] = (elen + 2) & 0xFF;
  g_byte_array_append (out, hdr, 4);
  g_byte_array_append (out, e, elen);
  g_byte_array_append (out, j + pos, jlen - pos);

  return g_byte_array_free_to_bytes (out);
}
