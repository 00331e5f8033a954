/* ks-metadata-quicktime.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* QuickTime/ISOBMFF movies: `moov` is found by skipping top-level boxes;
 * com.apple.quicktime.creationdate wins over mvhd's creation time; mvhd gives the duration. */

#include "config.h"

#include <string.h>

#include "ks-metadata-private.h"

#define MAC_EPOCH_DELTA G_GINT64_CONSTANT (2082844800)

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return ((guint64) be32 (p) << 32) | be32 (p + 4);
}

static void
parse_mvhd (const guint8       *data,
            const KsIsobmffBox *box,
            KsMetadata         *md,
            gint64             *creation)
{
  const guint8 *p = data + box->offset + box->header_size;
  guint64 body = box->size - box->header_size;
  guint64 created, duration;
  guint32 timescale;

  if (body < 4)
    return;

  if (p[0] == 1)
    {
      if (body < 4 + 8 + 8 + 4 + 8)
        return;
      created = be64 (p + 4);
      timescale = be32 (p + 20);
      duration = be64 (p + 24);
    }
  else
    {
      if (body < 4 + 4 + 4 + 4 + 4)
        return;
      created = be32 (p + 4);
      timescale = be32 (p + 12);
      duration = be32 (p + 16);
    }

  /* 0 means "not set"; anything before 1970 is a clock that was not set either. */
  if (created > (guint64) MAC_EPOCH_DELTA && created < (guint64) G_MAXINT64)
    *creation = (gint64) created - MAC_EPOCH_DELTA;
  if (timescale > 0 && duration != G_MAXUINT64 && duration != G_MAXUINT32)
    md->duration = (double) duration / timescale;
}

/* QuickTime `meta` (moov/meta or moov/udta/meta): `keys` names, `ilst` values. */
static void
parse_qt_meta (const guint8       *data,
               gsize               len,
               const KsIsobmffBox *meta,
               KsMetadata         *md)
{
  KsIsobmffBox keys, ilst, item;
  guint64 start = meta->offset + meta->header_size;
  guint64 end = meta->offset + meta->size;
  guint32 wanted = 0;
  guint64 pos;
  guint32 count;

  /* The MP4 flavour is a FullBox (4 bytes of version/flags, zero); QuickTime's
   * starts right away with a child box, whose size is never zero. */
  if (end - start >= 4 && be32 (data + start) == 0)
    start += 4;

  if (!ks_isobmff_find_child (data, len, start, end, KS_FOURCC ('k', 'e', 'y', 's'), &keys) ||
      !ks_isobmff_find_child (data, len, start, end, KS_FOURCC ('i', 'l', 's', 't'), &ilst))
    return;

  pos = keys.offset + keys.header_size;
  if (keys.size - keys.header_size < 8)
    return;
  count = be32 (data + pos + 4);
  pos += 8;
  for (guint32 i = 1; i <= count && pos + 8 <= keys.offset + keys.size; i++)
    {
      guint32 size = be32 (data + pos);

      if (size < 8 || size > keys.offset + keys.size - pos)
        break;
      if (size - 8 == strlen ("com.apple.quicktime.creationdate") &&
          memcmp (data + pos + 8, "com.apple.quicktime.creationdate", size - 8) == 0)
        {
          wanted = i;
          break;
        }
      pos += size;
    }
  if (wanted == 0)
    return;

  for (pos = ilst.offset + ilst.header_size; pos < ilst.offset + ilst.size; pos += item.size)
    {
      KsIsobmffBox value;

      if (!ks_isobmff_read_box_header (data, len, pos, ilst.offset + ilst.size, &item))
        return;
      if (item.type != wanted)
        continue;

      if (ks_isobmff_find_child (data, len, item.offset + item.header_size, item.offset + item.size,
                                 KS_FOURCC ('d', 'a', 't', 'a'), &value) &&
          value.size >= value.header_size + 8)
        {
          const guint8 *v = data + value.offset + value.header_size;
          gsize vlen = value.size - value.header_size - 8;
          g_autofree char *text = g_strndup ((const char *) v + 8, vlen);
          g_autoptr(GDateTime) dt = NULL;

          /* Type 1 is UTF-8. */
          if ((be32 (v) & 0xffffff) != 1)
            return;
          dt = g_date_time_new_from_iso8601 (text, NULL);
          if (dt != NULL)
            {
              md->capture_time = g_date_time_to_unix (dt);
              md->utc_offset = (int) (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_SECOND);
              md->has_capture_time = TRUE;
              md->has_utc_offset = TRUE;
            }
        }
      return;
    }
}

void
_ks_metadata_parse_quicktime (Src        *src,
                              KsMetadata *md)
{
  g_autoptr(GBytes) moov_bytes = NULL;
  KsIsobmffBox moov, box;
  const guint8 *data;
  gsize len;
  gint64 mvhd_creation = 0;

  if (!_ks_metadata_find_top_level_box (src, KS_FOURCC ('m', 'o', 'o', 'v'), &moov) ||
      moov.size > MAX_MOOV_SIZE ||
      (moov_bytes = _ks_metadata_src_read (src, moov.offset, moov.size)) == NULL)
    return;

  data = g_bytes_get_data (moov_bytes, &len);

  if (ks_isobmff_find_child (data, len, moov.header_size, len, KS_FOURCC ('m', 'v', 'h', 'd'), &box))
    parse_mvhd (data, &box, md, &mvhd_creation);

  if (ks_isobmff_find_child (data, len, moov.header_size, len, KS_FOURCC ('m', 'e', 't', 'a'), &box))
    parse_qt_meta (data, len, &box, md);

  if (!md->has_capture_time)
    {
      KsIsobmffBox udta;

      if (ks_isobmff_find_child (data, len, moov.header_size, len, KS_FOURCC ('u', 'd', 't', 'a'), &udta) &&
          ks_isobmff_find_child (data, len, udta.offset + udta.header_size, udta.offset + udta.size,
                                 KS_FOURCC ('m', 'e', 't', 'a'), &box))
        parse_qt_meta (data, len, &box, md);
    }

  if (!md->has_capture_time && mvhd_creation > 0)
    {
      md->capture_time = mvhd_creation;
      md->has_capture_time = TRUE;
    }
}
