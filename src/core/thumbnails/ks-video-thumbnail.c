/* ks-video-thumbnail.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Only the box headers, `moov` and one sample are read. A Motion-JPEG sample is a plain JPEG,
 * so gdk-pixbuf decodes it; other codecs (HEVC, H.264: what iPhones record) go to GStreamer
 * (ks-gst-poster.c), told which key frame to show and how the track is turned. When
 * GStreamer or its decoder is missing, the grid shows a placeholder with the duration. */

#include "config.h"

#include "ks-gst-poster.h"
#include "ks-isobmff.h"
#include "ks-thumbnailer.h"
#include "ks-video-thumbnail.h"

#define MAX_TOP_BOXES 64
#define MAX_MOOV_SIZE (32 * 1024 * 1024)
#define MAX_SAMPLE    (32 * 1024 * 1024)
/* A poster from a second in (or a third of a short clip), past fades and shaky starts. */
#define POSTER_MS     1000

typedef struct
{
  gint64  duration_ms;
  guint32 codec;
  guint64 first_sample_offset;
  guint64 first_sample_size;
  guint   rotation;        /* clockwise degrees from tkhd's matrix */
  gint64  poster_ms;       /* where to seek for the poster; 0: the first frame will do */
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

/* tkhd's matrix { a b u / c d v / x y w } maps (x, y) to (a x + c y, b x + d y): the
 * upright picture is the stored one turned by a quarter clockwise for { 0 1 / -1 0 }. */
static guint
rotation_from_matrix (gint32 a,
                      gint32 b,
                      gint32 c,
                      gint32 d)
{
  if (a == 0 && d == 0 && b > 0 && c < 0)
    return 90;
  if (a == 0 && d == 0 && b < 0 && c > 0)
    return 270;
  if (b == 0 && c == 0 && a < 0 && d < 0)
    return 180;
  return 0;
}

static void
parse_rotation (const guint8 *data,
                gsize         len,
                KsIsobmffBox *trak,
                MovieInfo    *info)
{
  KsIsobmffBox tkhd;
  const guint8 *p;
  guint64 n, at;

  if (!ks_isobmff_find_child (data, len, trak->offset + trak->header_size, trak->offset + trak->size,
                              KS_FOURCC ('t','k','h','d'), &tkhd) || !body (data, &tkhd, 4, &p, &n))
    return;
  /* version/flags, times, track id, reserved, duration, reserved, layer … volume, matrix. */
  at = p[0] == 1 ? 52 : 40;
  if (n < at + 36)
    return;
  info->rotation = rotation_from_matrix ((gint32) be (p + at, 4), (gint32) be (p + at + 4, 4),
                                         (gint32) be (p + at + 12, 4), (gint32) be (p + at + 16, 4));
}

/* A walk through stts's (count, delta) runs, one sample number after another: the whole
 * walk costs one pass over the table, however many key frames are looked at. */
typedef struct
{
  const guint8 *stts;
  guint64       n;          /* bytes of stts's body */
  guint64       entry;
  guint64       used;       /* samples of this entry passed */
  guint64       sample;     /* 1-based sample whose decode time is `time` */
  guint64       time;
} SttsWalk;

static guint64
stts_count (SttsWalk *w)
{
  return be (w->stts + 8 + w->entry * 8, 4);
}

static guint64
stts_delta (SttsWalk *w)
{
  return be (w->stts + 12 + w->entry * 8, 4);
}

static gboolean
stts_has_entry (SttsWalk *w)
{
  return w->entry < be (w->stts + 4, 4) && 8 + w->entry * 8 + 8 <= w->n;
}

/* Moves to @sample (not backwards); FALSE when the table ends first. */
static gboolean
stts_walk_to (SttsWalk *w,
              guint64   sample)
{
  while (w->sample < sample)
    {
      guint64 step;

      if (!stts_has_entry (w))
        return FALSE;
      if (w->used == stts_count (w))
        {
          w->entry++;
          w->used = 0;
          continue;
        }
      step = MIN (stts_count (w) - w->used, sample - w->sample);
      w->time += step * stts_delta (w);
      w->sample += step;
      w->used += step;
    }
  /* The duration of @sample is the delta of the entry it falls in. */
  while (stts_has_entry (w) && w->used == stts_count (w))
    {
      w->entry++;
      w->used = 0;
    }
  return stts_has_entry (w);
}

/* The key frame nearest to POSTER_MS (or a third of a short clip). Only that frame's bytes
 * are read after moov: the seek goes to the middle of it, so the demuxer starts right there.
 * When it is the first sample, no seek at all: the decoder has that one already, and seeking
 * back to it would read it twice. */
static void
choose_poster_time (const guint8 *data,
                    gsize         len,
                    KsIsobmffBox *trak,
                    KsIsobmffBox *stbl,
                    MovieInfo    *info)
{
  static const guint32 mdhd_path[] = { KS_FOURCC ('m','d','i','a'), KS_FOURCC ('m','d','h','d') };
  KsIsobmffBox mdhd, stts, stss;
  const guint8 *p, *stts_p;
  guint64 n, stts_n, timescale, target;
  guint64 best = 1, best_dist = G_MAXUINT64, best_mid = 0;
  SttsWalk walk = { 0 };

  info->poster_ms = 0;
  if (info->duration_ms <= 0)
    return;
  target = MIN (POSTER_MS, info->duration_ms / 3);

  if (!find_path (data, len, trak, mdhd_path, 2, &mdhd) || !body (data, &mdhd, 24, &p, &n))
    return;
  timescale = p[0] == 1 ? (n >= 24 ? be (p + 20, 4) : 0) : be (p + 12, 4);
  if (timescale == 0 ||
      !ks_isobmff_find_child (data, len, stbl->offset + stbl->header_size, stbl->offset + stbl->size,
                              KS_FOURCC ('s','t','t','s'), &stts) ||
      !body (data, &stts, 8, &stts_p, &stts_n))
    return;

  walk.stts = stts_p;
  walk.n = stts_n;
  walk.sample = 1;
  if (!ks_isobmff_find_child (data, len, stbl->offset + stbl->header_size, stbl->offset + stbl->size,
                              KS_FOURCC ('s','t','s','s'), &stss))
    {
      /* Every sample is a key frame: the one at the target, unless that is the first. */
      if (stts_walk_to (&walk, 1))
        info->poster_ms = target * timescale >= stts_delta (&walk) * 1000 ? (gint64) target : 0;
      return;
    }
  if (!body (data, &stss, 8, &p, &n))
    return;

  /* stss lists the key frames in order: stop once they only get farther from the target. */
  for (guint64 i = 0; i < be (p + 4, 4) && 8 + i * 4 + 4 <= n; i++)
    {
      guint64 sample = be (p + 8 + i * 4, 4);
      guint64 ms, dist;

      if (sample < walk.sample || !stts_walk_to (&walk, sample))
        break;
      ms = walk.time * 1000 / timescale;
      dist = ms > target ? ms - target : target - ms;
      if (dist < best_dist)
        {
          best = sample;
          best_dist = dist;
          best_mid = (walk.time + stts_delta (&walk) / 2) * 1000 / timescale;
        }
      else if (ms > target)
        break;
    }
  info->poster_ms = best == 1 ? 0 : (gint64) MAX (best_mid, 1);
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

  parse_rotation (data, len, trak, info);
  choose_poster_time (data, len, trak, &stbl, info);
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
  info->rotation = 0;
  info->poster_ms = 0;

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

static GdkPixbuf *
turn_upright (GdkPixbuf *pixbuf,
              guint      rotation)
{
  g_autoptr(GdkPixbuf) owned = pixbuf;

  switch (rotation)
    {
    case 90:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_CLOCKWISE);
    case 180:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
    case 270:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
    default:
      return g_steal_pointer (&owned);
    }
}

/* The Motion-JPEG fast path: the first sample is a JPEG. Sets *is_jpeg to FALSE (and returns
 * NULL without error) when an 'mp4v' sample turns out to be MPEG-4 Visual instead. */
static GdkPixbuf *
load_jpeg_sample (GInputStream     *stream,
                  guint64           file_size,
                  const MovieInfo  *info,
                  int               size_px,
                  gboolean         *is_jpeg,
                  GCancellable     *cancellable,
                  GError          **error)
{
  g_autofree guint8 *sample = NULL;
  gboolean mjpeg = info->codec != KS_FOURCC ('m','p','4','v');

  *is_jpeg = TRUE;
  if (info->first_sample_size == 0 || info->first_sample_size > MAX_SAMPLE ||
      info->first_sample_offset > file_size ||
      info->first_sample_size > file_size - info->first_sample_offset)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Movie sample lies outside the file");
      return NULL;
    }

  sample = g_malloc (info->first_sample_size);
  if (!ks_thumbnailer_read_at (stream, info->first_sample_offset, sample, info->first_sample_size,
                               cancellable, error))
    return NULL;

  /* MP4 files carry Motion-JPEG as 'mp4v' with a JPEG object type; MPEG-4 Visual samples
   * start with a 00 00 01 start code instead, so the sample itself tells them apart. */
  if (!mjpeg &&
      (info->first_sample_size < 3 || sample[0] != 0xFF || sample[1] != 0xD8 || sample[2] != 0xFF))
    {
      *is_jpeg = FALSE;
      return NULL;
    }

  return ks_thumbnailer_load_pixbuf_data (sample, info->first_sample_size, size_px, error);
}

/**
 * ks_video_thumbnail_load:
 * @duration_ms: (out) (optional): the duration in milliseconds, or -1; set even when no
 *   poster can be made
 *
 * Returns: (transfer full): the poster, upright and scaled: the first frame of Motion-JPEG
 *   movies (QuickTime 'jpeg' or 'mjpa', or MP4 'mp4v' holding JPEG frames) without a
 *   decoder; for other codecs a key frame about a second in, decoded by GStreamer. %NULL
 *   with %G_IO_ERROR_NOT_SUPPORTED when no poster can be had (no video track, GStreamer or
 *   its decoder missing, undecodable frames), or another error (broken file, cancelled,
 *   %G_IO_ERROR_TIMED_OUT)
 */
GdkPixbuf *
ks_video_thumbnail_load (GInputStream  *stream,
                         guint64        file_size,
                         int            size_px,
                         gint64        *duration_ms,
                         GCancellable  *cancellable,
                         GError       **error)
{
  MovieInfo info;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  if (duration_ms != NULL)
    *duration_ms = -1;
  if (file_size == 0 && !ks_thumbnailer_query_size (stream, &file_size, cancellable, error))
    return NULL;
  if (!read_movie_info (stream, file_size, &info, cancellable, error))
    return NULL;
  if (duration_ms != NULL)
    *duration_ms = info.duration_ms;

  if (info.codec == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Movie has no video track");
      return NULL;
    }

  if (info.codec == KS_FOURCC ('j','p','e','g') || info.codec == KS_FOURCC ('m','j','p','a') ||
      info.codec == KS_FOURCC ('m','p','4','v'))
    {
      gboolean is_jpeg;
      GdkPixbuf *pixbuf = load_jpeg_sample (stream, file_size, &info, size_px, &is_jpeg,
                                            cancellable, error);

      if (pixbuf != NULL)
        return turn_upright (pixbuf, info.rotation);
      if (is_jpeg)
        return NULL;
    }

  {
    GdkPixbuf *frame = ks_gst_poster_load (stream, info.poster_ms, cancellable, error);
    g_autoptr(GdkPixbuf) upright = NULL;

    if (frame == NULL)
      return NULL;
    upright = turn_upright (frame, info.rotation);
    return ks_thumbnailer_scale_to_fit (upright, size_px);
  }
}
