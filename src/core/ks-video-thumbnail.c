/* ks-video-thumbnail.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Only the box headers, `moov` and one sample are read. A Motion-JPEG sample is a plain JPEG,
 * so gdk-pixbuf decodes it; other codecs (HEVC, H.264) would need a video decoder, and the
 * grid shows a placeholder for them instead. */

#include "config.h"

#include "ks-isobmff.h"
#include "ks-thumbnailer.h"
#include "ks-video-thumbnail.h"

#define MAX_TOP_BOXES 64
#define MAX_MOOV_SIZE (32 * 1024 * 1024)
#define MAX_SAMPLE    (32 * 1024 * 1024)

typedef struct
{
  gint64  duration_ms;
  guint32 codec;
  guint64 first_sample_offset;
  guint64 first_sample_size;
} MovieInfo;

static guint64
be (const guint8 *p,
    guint         n)
{
  guint64 v = 0;

  for (guint i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

/* Body of @box in @data, or FALSE when it holds fewer than @min bytes. */
static gboolean
body (const guint8  *data,
      KsIsobmffBox  *box,
      guint64        min,
      const guint8 **out,
      guint64       *out_len)
{
  guint64 len = box->size - box->header_size;

  if (len < min)
    return FALSE;
  *out = data + box->offset + box->header_size;
  *out_len = len;
  return TRUE;
}

static gboolean
find_path (const guint8  *data,
           gsize          len,
           KsIsobmffBox  *parent,
           const guint32 *path,
           guint          n,
           KsIsobmffBox  *out)
{
  KsIsobmffBox cur = *parent;

  for (guint i = 0; i < n; i++)
    {
      KsIsobmffBox child;

      if (!ks_isobmff_find_child (data, len, cur.offset + cur.header_size, cur.offset + cur.size,
                                  path[i], &child))
        return FALSE;
      cur = child;
    }
  *out = cur;
  return TRUE;
}

static void
parse_video_track (const guint8 *data,
                   gsize         len,
                   KsIsobmffBox *trak,
                   MovieInfo    *info)
{
  static const guint32 hdlr_path[] = { KS_FOURCC ('m','d','i','a'), KS_FOURCC ('h','d','l','r') };
  static const guint32 stbl_path[] = { KS_FOURCC ('m','d','i','a'), KS_FOURCC ('m','i','n','f'),
                                       KS_FOURCC ('s','t','b','l') };
  KsIsobmffBox hdlr, stbl, stsd, stsz, stco;
  const guint8 *p;
  guint64 n;
  gboolean co64 = FALSE;

  if (!find_path (data, len, trak, hdlr_path, 2, &hdlr) || !body (data, &hdlr, 12, &p, &n) ||
      be (p + 8, 4) != KS_FOURCC ('v','i','d','e'))
    return;
  if (!find_path (data, len, trak, stbl_path, 3, &stbl))
    return;

  /* stsd: version/flags, entry_count, then the first sample entry's size and format. */
  if (!ks_isobmff_find_child (data, len, stbl.offset + stbl.header_size, stbl.offset + stbl.size,
                              KS_FOURCC ('s','t','s','d'), &stsd) ||
      !body (data, &stsd, 16, &p, &n) || be (p + 4, 4) == 0)
    return;
  info->codec = (guint32) be (p + 12, 4);

  /* stsz: version/flags, sample_size (0: per-sample table follows), sample_count, table. */
  if (!ks_isobmff_find_child (data, len, stbl.offset + stbl.header_size, stbl.offset + stbl.size,
                              KS_FOURCC ('s','t','s','z'), &stsz) ||
      !body (data, &stsz, 12, &p, &n) || be (p + 8, 4) == 0)
    return;
  info->first_sample_size = be (p + 4, 4);
  if (info->first_sample_size == 0)
    {
      if (n < 16)
        return;
      info->first_sample_size = be (p + 12, 4);
    }

  /* The first sample starts its first chunk. */
  if (!ks_isobmff_find_child (data, len, stbl.offset + stbl.header_size, stbl.offset + stbl.size,
                              KS_FOURCC ('s','t','c','o'), &stco))
    {
      if (!ks_isobmff_find_child (data, len, stbl.offset + stbl.header_size,
                                  stbl.offset + stbl.size, KS_FOURCC ('c','o','6','4'), &stco))
        return;
      co64 = TRUE;
    }
  if (!body (data, &stco, co64 ? 16 : 12, &p, &n) || be (p + 4, 4) == 0)
    return;
  info->first_sample_offset = be (p + 8, co64 ? 8 : 4);
}

static gboolean
read_movie_info (GInputStream  *stream,
                 guint64        file_size,
                 MovieInfo     *info,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree guint8 *moov = NULL;
  KsIsobmffBox moov_box = { 0 };
  KsIsobmffBox box, mvhd;
  guint64 pos = 0;
  guint n_boxes = 0;
  const guint8 *p;
  guint64 n;

  info->duration_ms = -1;
  info->codec = 0;
  info->first_sample_offset = 0;
  info->first_sample_size = 0;

  /* moov may come after mdat (the usual camera layout): hop from header to header. */
  while (pos < file_size && ++n_boxes <= MAX_TOP_BOXES)
    {
      guint8 header[16];
      gsize want = MIN (sizeof header, file_size - pos);

      if (!ks_thumbnailer_read_at (stream, pos, header, want, cancellable, error))
        return FALSE;
      if (!ks_isobmff_read_box_header (header, want, 0, file_size - pos, &box))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Malformed movie box at offset %" G_GUINT64_FORMAT, pos);
          return FALSE;
        }
      if (box.type == KS_FOURCC ('m','o','o','v'))
        {
          moov_box = box;
          moov_box.offset = pos;
          break;
        }
      pos += box.size;
    }

  if (moov_box.type == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Movie has no moov box");
      return FALSE;
    }
  if (moov_box.size > MAX_MOOV_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Movie header too large");
      return FALSE;
    }

  moov = g_malloc (moov_box.size);
  if (!ks_thumbnailer_read_at (stream, moov_box.offset, moov, moov_box.size, cancellable, error))
    return FALSE;
  box = moov_box;
  box.offset = 0;

  if (ks_isobmff_find_child (moov, box.size, box.header_size, box.size,
                             KS_FOURCC ('m','v','h','d'), &mvhd) &&
      body (moov, &mvhd, 4, &p, &n))
    {
      guint64 timescale = 0, duration = 0;

      if (p[0] == 1 && n >= 32)
        {
          timescale = be (p + 20, 4);
          duration = be (p + 24, 8);
        }
      else if (p[0] == 0 && n >= 20)
        {
          timescale = be (p + 12, 4);
          duration = be (p + 16, 4);
        }
      if (timescale > 0 && duration < G_MAXINT64 / 1000)
        info->duration_ms = (gint64) (duration * 1000 / timescale);
    }

  for (pos = box.header_size; pos < box.size;)
    {
      KsIsobmffBox trak;

      if (!ks_isobmff_read_box_header (moov, box.size, pos, box.size, &trak))
        break;
      if (trak.type == KS_FOURCC ('t','r','a','k'))
        {
          parse_video_track (moov, box.size, &trak, info);
          if (info->codec != 0)
            break;
        }
      pos += trak.size;
    }

  return TRUE;
}

/**
 * ks_video_thumbnail_read_duration:
 * @duration_ms: (out): the duration in milliseconds, or -1 when unknown
 */
gboolean
ks_video_thumbnail_read_duration (GInputStream  *stream,
                                  guint64        file_size,
                                  gint64        *duration_ms,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  MovieInfo info;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (duration_ms != NULL, FALSE);

  *duration_ms = -1;
  if (file_size == 0 && !ks_thumbnailer_query_size (stream, &file_size, cancellable, error))
    return FALSE;
  if (!read_movie_info (stream, file_size, &info, cancellable, error))
    return FALSE;
  *duration_ms = info.duration_ms;
  return TRUE;
}

/**
 * ks_video_thumbnail_load:
 * @duration_ms: (out) (optional): the duration in milliseconds, or -1; set even when no
 *   poster can be made
 *
 * Returns: (transfer full): the first frame, scaled, for Motion-JPEG movies (QuickTime 'jpeg'
 *   or 'mjpa', or MP4 'mp4v' holding JPEG frames); otherwise %NULL
 *   with %G_IO_ERROR_NOT_SUPPORTED (or another error for a broken file)
 */
GdkPixbuf *
ks_video_thumbnail_load (GInputStream  *stream,
                         guint64        file_size,
                         int            size_px,
                         gint64        *duration_ms,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree guint8 *sample = NULL;
  MovieInfo info;
  gboolean mjpeg;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  if (duration_ms != NULL)
    *duration_ms = -1;
  if (file_size == 0 && !ks_thumbnailer_query_size (stream, &file_size, cancellable, error))
    return NULL;
  if (!read_movie_info (stream, file_size, &info, cancellable, error))
    return NULL;
  if (duration_ms != NULL)
    *duration_ms = info.duration_ms;

  mjpeg = info.codec == KS_FOURCC ('j','p','e','g') || info.codec == KS_FOURCC ('m','j','p','a');
  /* MP4 files carry Motion-JPEG as 'mp4v' with a JPEG object type; MPEG-4 Visual samples
   * start with a 00 00 01 start code instead, so the sample itself tells them apart. */
  if (!mjpeg && info.codec != KS_FOURCC ('m','p','4','v'))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video codec");
      return NULL;
    }

  if (info.first_sample_size == 0 || info.first_sample_size > MAX_SAMPLE ||
      info.first_sample_offset > file_size ||
      info.first_sample_size > file_size - info.first_sample_offset)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Movie sample lies outside the file");
      return NULL;
    }

  sample = g_malloc (info.first_sample_size);
  if (!ks_thumbnailer_read_at (stream, info.first_sample_offset, sample, info.first_sample_size,
                               cancellable, error))
    return NULL;

  if (!mjpeg &&
      (info.first_sample_size < 3 || sample[0] != 0xFF || sample[1] != 0xD8 || sample[2] != 0xFF))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video codec");
      return NULL;
    }

  return ks_thumbnailer_load_pixbuf_data (sample, info.first_sample_size, size_px, error);
}
