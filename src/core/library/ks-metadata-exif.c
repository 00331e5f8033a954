/* ks-metadata-exif.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Exif: capture date (DateTimeOriginal with its offset, then the fallbacks) and orientation,
 * from a JPEG's APP1 segment or the bare TIFF data of a HEIF Exif item, through libexif. */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libexif/exif-data.h>

#include "ks-metadata-private.h"

/* "2024:06:15 14:30:00" (+ optional "+02:00") → unix time. */
static gboolean
parse_exif_datetime (const char *value,
                     const char *offset,
                     KsMetadata *md)
{
  int y, mo, d, h, mi, s;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) dt = NULL;
  int off_h, off_m;
  char sign;

  if (value == NULL || sscanf (value, "%4d:%2d:%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
    return FALSE;
  /* Cameras without a clock write "0000:00:00 00:00:00". */
  if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
      h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
    return FALSE;

  if (offset != NULL &&
      sscanf (offset, "%c%2d:%2d", &sign, &off_h, &off_m) == 3 &&
      (sign == '+' || sign == '-') && off_h >= 0 && off_h <= 14 && off_m >= 0 && off_m < 60)
    {
      int seconds = (off_h * 3600 + off_m * 60) * (sign == '-' ? -1 : 1);

      tz = g_time_zone_new_offset (seconds);
      md->utc_offset = seconds;
      md->has_utc_offset = TRUE;
    }
  else
    /* Without an offset the time is the camera's wall clock: our best guess
     * is that it matches this computer's zone. */
    tz = g_time_zone_new_local ();

  dt = g_date_time_new (tz, y, mo, d, h, mi, MIN (s, 59));
  if (dt == NULL)
    return FALSE;

  md->capture_time = g_date_time_to_unix (dt);
  md->has_capture_time = TRUE;
  return TRUE;
}

static char *
dup_exif_ascii (ExifData *ed,
                ExifIfd   ifd,
                ExifTag   tag)
{
  ExifEntry *entry = exif_content_get_entry (ed->ifd[ifd], tag);

  if (entry == NULL || entry->data == NULL || entry->size == 0 || entry->format != EXIF_FORMAT_ASCII)
    return NULL;
  return g_strndup ((const char *) entry->data, entry->size);
}

/* @data: an APP1 payload ("Exif\0\0" + TIFF), a whole JPEG, or bare TIFF data. */
void
_ks_metadata_parse_exif (const guint8 *data,
                         gsize         len,
                         KsMetadata   *md)
{
  static const guint8 exif_header[] = { 'E', 'x', 'i', 'f', 0, 0 };
  g_autofree guint8 *with_header = NULL;
  ExifData *ed;
  ExifEntry *entry;
  g_autofree char *date = NULL;
  g_autofree char *offset = NULL;

  if (data == NULL || len < 8 || len > G_MAXUINT32 - sizeof exif_header)
    return;

  /* libexif finds Exif in a JPEG or behind "Exif\0\0", not in bare TIFF. */
  if (memcmp (data, "II*\0", 4) == 0 || memcmp (data, "MM\0*", 4) == 0)
    {
      with_header = g_malloc (len + sizeof exif_header);
      memcpy (with_header, exif_header, sizeof exif_header);
      memcpy (with_header + sizeof exif_header, data, len);
      data = with_header;
      len += sizeof exif_header;
    }

  ed = exif_data_new ();
  if (ed == NULL)
    return;
  exif_data_unset_option (ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data (ed, data, (unsigned int) len);

  date = dup_exif_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL);
  offset = dup_exif_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL);
  if (!parse_exif_datetime (date, offset, md))
    {
      g_clear_pointer (&date, g_free);
      g_clear_pointer (&offset, g_free);
      date = dup_exif_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED);
      offset = dup_exif_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_DIGITIZED);
      if (!parse_exif_datetime (date, offset, md))
        {
          g_clear_pointer (&date, g_free);
          g_clear_pointer (&offset, g_free);
          date = dup_exif_ascii (ed, EXIF_IFD_0, EXIF_TAG_DATE_TIME);
          offset = dup_exif_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME);
          parse_exif_datetime (date, offset, md);
        }
    }

  entry = exif_content_get_entry (ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (entry != NULL && entry->data != NULL && entry->format == EXIF_FORMAT_SHORT && entry->size >= 2)
    {
      ExifShort value = exif_get_short (entry->data, exif_data_get_byte_order (ed));

      if (value >= 1 && value <= 8)
        md->orientation = value;
    }

  exif_data_unref (ed);
}
