/* emu-sample-exif.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Builds Exif APP1/HEIF payloads with libexif: IFD0 (Make, Model, Orientation, Software,
 * DateTime), the Exif IFD (DateTimeOriginal, offsets, sub-seconds, dimensions, unique id)
 * and, for JPEGs, an IFD1 thumbnail. */

#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>

#include "emu-sample-exif.h"

#define ORDER EXIF_BYTE_ORDER_MOTOROLA

static ExifEntry *
add_entry (ExifData   *ed,
           ExifMem    *mem,
           ExifIfd     ifd,
           ExifTag     tag,
           ExifFormat  format,
           gulong      components)
{
  ExifEntry *e = exif_entry_new_mem (mem);

  e->tag = tag;
  e->format = format;
  e->components = components;
  e->size = exif_format_get_size (format) * components;
  e->data = exif_mem_alloc (mem, e->size);
  exif_content_add_entry (ed->ifd[ifd], e);
  exif_entry_unref (e);
  return e;
}

static void
add_ascii (ExifData *ed, ExifMem *mem, ExifIfd ifd, ExifTag tag, const char *value)
{
  ExifEntry *e = add_entry (ed, mem, ifd, tag, EXIF_FORMAT_ASCII, strlen (value) + 1);

  memcpy (e->data, value, strlen (value) + 1);
}

static void
add_short (ExifData *ed, ExifMem *mem, ExifIfd ifd, ExifTag tag, guint16 value)
{
  exif_set_short (add_entry (ed, mem, ifd, tag, EXIF_FORMAT_SHORT, 1)->data, ORDER, value);
}

static void
add_long (ExifData *ed, ExifMem *mem, ExifIfd ifd, ExifTag tag, guint32 value)
{
  exif_set_long (add_entry (ed, mem, ifd, tag, EXIF_FORMAT_LONG, 1)->data, ORDER, value);
}

static void
add_rational (ExifData *ed, ExifMem *mem, ExifIfd ifd, ExifTag tag, guint32 num, guint32 den)
{
  ExifRational r = { num, den };

  exif_set_rational (add_entry (ed, mem, ifd, tag, EXIF_FORMAT_RATIONAL, 1)->data, ORDER, r);
}

char *
emu_exif_dup_unique_id (const EmuAsset *asset,
                        gboolean        edited)
{
  guint64 a = emu_mix64 (asset->seed ^ (edited ? 0xE0 : 0));
  guint64 b = emu_mix64 (a);

  return g_strdup_printf ("%016" G_GINT64_MODIFIER "X%016" G_GINT64_MODIFIER "X", a, b);
}

GBytes *
emu_exif_build (const EmuAsset *asset,
                int             width,
                int             height,
                gboolean        edited,
                GBytes         *thumbnail)
{
  ExifMem *mem = exif_mem_new_default ();
  ExifData *ed = exif_data_new_mem (mem);
  gint64 local_sec = asset->capture_usec / G_USEC_PER_SEC + asset->tz_offset_min * 60;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (local_sec);
  g_autofree char *when = g_date_time_format (dt, "%Y:%m:%d %H:%M:%S");
  g_autofree char *offset = g_strdup_printf ("%c%02d:%02d", asset->tz_offset_min < 0 ? '-' : '+',
                                             ABS (asset->tz_offset_min) / 60, ABS (asset->tz_offset_min) % 60);
  g_autofree char *subsec = g_strdup_printf ("%03d", (int) (asset->capture_usec % G_USEC_PER_SEC / 1000));
  g_autofree char *unique_id = emu_exif_dup_unique_id (asset, edited);
  unsigned char *buf = NULL;
  unsigned int len = 0;
  ExifEntry *e;
  GBytes *ret;

  /* Only what we add gets written: no automatic "fixing" by libexif. */
  exif_data_unset_option (ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_set_data_type (ed, EXIF_DATA_TYPE_COMPRESSED);
  exif_data_set_byte_order (ed, ORDER);

  add_ascii (ed, mem, EXIF_IFD_0, EXIF_TAG_MAKE, "Apple");
  add_ascii (ed, mem, EXIF_IFD_0, EXIF_TAG_MODEL, asset->model);
  add_short (ed, mem, EXIF_IFD_0, EXIF_TAG_ORIENTATION, asset->orientation);
  add_rational (ed, mem, EXIF_IFD_0, EXIF_TAG_X_RESOLUTION, 72, 1);
  add_rational (ed, mem, EXIF_IFD_0, EXIF_TAG_Y_RESOLUTION, 72, 1);
  add_short (ed, mem, EXIF_IFD_0, EXIF_TAG_RESOLUTION_UNIT, 2);
  add_ascii (ed, mem, EXIF_IFD_0, EXIF_TAG_SOFTWARE, asset->software);
  add_ascii (ed, mem, EXIF_IFD_0, EXIF_TAG_DATE_TIME, when);

  add_rational (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, 1, 60 + (asset->seed % 8) * 60);
  add_rational (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_FNUMBER, 178, 100);
  add_short (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS, 32 + (asset->seed >> 8) % 400);
  e = add_entry (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_EXIF_VERSION, EXIF_FORMAT_UNDEFINED, 4);
  memcpy (e->data, "0232", 4);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, when);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, when);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME, offset);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, offset);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_DIGITIZED, offset);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_ORIGINAL, subsec);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_DIGITIZED, subsec);
  add_short (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_COLOR_SPACE, 0xFFFF);
  add_long (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION, width);
  add_long (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION, height);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_IMAGE_UNIQUE_ID, unique_id);
  add_ascii (ed, mem, EXIF_IFD_EXIF, EXIF_TAG_LENS_MAKE, "Apple");

  if (thumbnail != NULL)
    {
      gsize tlen;
      const guint8 *tdata = g_bytes_get_data (thumbnail, &tlen);

      add_short (ed, mem, EXIF_IFD_1, EXIF_TAG_COMPRESSION, 6);
      add_rational (ed, mem, EXIF_IFD_1, EXIF_TAG_X_RESOLUTION, 72, 1);
      add_rational (ed, mem, EXIF_IFD_1, EXIF_TAG_Y_RESOLUTION, 72, 1);
      add_short (ed, mem, EXIF_IFD_1, EXIF_TAG_RESOLUTION_UNIT, 2);
      /* libexif writes JPEGInterchangeFormat(Length) itself when data is set. */
      ed->data = exif_mem_alloc (mem, tlen);
      memcpy (ed->data, tdata, tlen);
      ed->size = tlen;
    }

  exif_data_save_data (ed, &buf, &len);
  ret = g_bytes_new (buf, len);
  exif_mem_free (mem, buf);
  exif_data_unref (ed);
  exif_mem_unref (mem);

  return ret;
}
