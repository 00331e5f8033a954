/* emu-sample-movie.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Box-by-box QuickTime writer: ftyp, wide, mdat (frames), then moov with mvhd, one video
 * trak (tkhd with the rotation matrix of a portrait video; stsd 'jpeg', 'mp4v', 'hvc1' +
 * hvcC or 'avc1' + avcC; stts, stss, stsc, stsz, stco/co64), udta ©day and the mdta
 * metadata keys iPhones write (com.apple.quicktime.creationdate …). The large variant
 * needs a 64-bit mdat and co64 offsets past 4 GiB, and leaves the middle as a hole. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "emu-sample-movie.h"

#define TIMESCALE    600
#define FRAME_TICKS  300      /* two frames a second keeps files small yet a few seconds long */

static guint
frame_ticks (const EmuMovieSpec *spec)
{
  return spec->frame_ticks != 0 ? spec->frame_ticks : FRAME_TICKS;
}

static void
put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put_u16 (GByteArray *b, guint16 v)
{
  guint8 x[2] = { v >> 8, v };

  g_byte_array_append (b, x, 2);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (b, x, 4);
}

static void
put_u64 (GByteArray *b, guint64 v)
{
  put_u32 (b, v >> 32);
  put_u32 (b, (guint32) v);
}

static void
put_4cc (GByteArray *b, const char *fourcc)
{
  g_byte_array_append (b, (const guint8 *) fourcc, 4);
}

static void
put_zeros (GByteArray *b, guint n)
{
  while (n--)
    put_u8 (b, 0);
}

static guint
box_begin (GByteArray *b, const char *type)
{
  guint at = b->len;

  put_u32 (b, 0);
  put_4cc (b, type);
  return at;
}

static guint
full_box_begin (GByteArray *b, const char *type, guint8 version, guint32 flags)
{
  guint at = box_begin (b, type);

  put_u32 (b, (guint32) version << 24 | flags);
  return at;
}

static void
box_end (GByteArray *b, guint at)
{
  guint32 size = b->len - at;

  b->data[at] = size >> 24;
  b->data[at + 1] = size >> 16;
  b->data[at + 2] = size >> 8;
  b->data[at + 3] = size;
}

/* Identity, or (rotation 90) the matrix an iPhone writes for a video shot upright:
 * { 0, 1, -1, 0 } turns the stored landscape frame a quarter clockwise, tx = its height. */
static void
put_matrix (GByteArray *b,
            guint       rotation,
            int         height)
{
  static const guint32 identity[9] = { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 };
  guint32 m[9];

  memcpy (m, identity, sizeof m);
  if (rotation == 90)
    {
      m[0] = 0;
      m[1] = 0x00010000;
      m[3] = 0xFFFF0000;
      m[4] = 0;
      m[6] = (guint32) height << 16;
    }
  for (guint i = 0; i < 9; i++)
    put_u32 (b, m[i]);
}

static void
put_visual_entry_head (GByteArray *b, const EmuMovieSpec *spec, const char *compressor)
{
  guint8 name[32] = { 0 };

  put_zeros (b, 6);
  put_u16 (b, 1);                      /* data reference index */
  put_u16 (b, 0);                      /* version */
  put_u16 (b, 0);                      /* revision */
  put_4cc (b, spec->mp4 ? "\0\0\0\0" : "appl");
  put_u32 (b, 0);                      /* temporal quality */
  put_u32 (b, spec->mp4 ? 0 : 512);    /* spatial quality: codecNormalQuality */
  put_u16 (b, spec->width);
  put_u16 (b, spec->height);
  put_u32 (b, 0x00480000);             /* 72 dpi */
  put_u32 (b, 0x00480000);
  put_u32 (b, 0);
  put_u16 (b, 1);                      /* frames per sample */
  name[0] = strlen (compressor);
  memcpy (name + 1, compressor, name[0]);
  g_byte_array_append (b, name, 32);
  put_u16 (b, 24);
  put_u16 (b, 0xFFFF);                 /* no colour table */
}

static void
put_esds (GByteArray *b)
{
  /* ES_Descriptor → DecoderConfigDescriptor (objectTypeIndication 0x6C: JPEG) + SLConfig. */
  guint at = full_box_begin (b, "esds", 0, 0);

  put_u8 (b, 0x03);
  put_u8 (b, 3 + 2 + 13 + 2 + 1);
  put_u16 (b, 1);                      /* ES_ID */
  put_u8 (b, 0);
  put_u8 (b, 0x04);
  put_u8 (b, 13);
  put_u8 (b, 0x6C);
  put_u8 (b, 0x04 << 2 | 1);           /* visual stream */
  put_u8 (b, 0); put_u16 (b, 0);       /* buffer size */
  put_u32 (b, 0);                      /* max bitrate */
  put_u32 (b, 0);                      /* average bitrate */
  put_u8 (b, 0x06);
  put_u8 (b, 1);
  put_u8 (b, 2);
  box_end (b, at);
}

static void
put_mdta_metadata (GByteArray         *b,
                   const EmuMovieSpec *spec,
                   const char * const *keys,
                   const char * const *values,
                   guint               n)
{
  guint meta, box;

  /* QuickTime's moov/meta is a plain box; MP4's is a full box. */
  meta = spec->mp4 ? full_box_begin (b, "meta", 0, 0) : box_begin (b, "meta");

  box = full_box_begin (b, "hdlr", 0, 0);
  put_u32 (b, 0);
  put_4cc (b, "mdta");
  put_zeros (b, 12);
  put_u8 (b, 0);
  box_end (b, box);

  box = full_box_begin (b, "keys", 0, 0);
  put_u32 (b, n);
  for (guint i = 0; i < n; i++)
    {
      put_u32 (b, 8 + strlen (keys[i]));
      put_4cc (b, "mdta");
      g_byte_array_append (b, (const guint8 *) keys[i], strlen (keys[i]));
    }
  box_end (b, box);

  box = box_begin (b, "ilst");
  for (guint i = 0; i < n; i++)
    {
      guint item = b->len, data;

      put_u32 (b, 0);
      put_u32 (b, i + 1);              /* the item's type is its 1-based key index */
      data = box_begin (b, "data");
      put_u32 (b, 1);                  /* UTF-8 */
      put_u32 (b, 0);                  /* default locale */
      g_byte_array_append (b, (const guint8 *) values[i], strlen (values[i]));
      box_end (b, data);
      box_end (b, item);
    }
  box_end (b, box);

  box_end (b, meta);
}

static GByteArray *
build_moov (const EmuAsset     *asset,
            const EmuMovieSpec *spec,
            const guint64      *chunk_offsets,
            guint               n_chunks,
            const guint        *samples_per_chunk)
{
  GByteArray *b = g_byte_array_new ();
  guint32 mac_time = (guint32) (asset->capture_usec / G_USEC_PER_SEC + EMU_MAC_EPOCH_OFFSET);
  guint32 duration = spec->frames->len * frame_ticks (spec);
  gint64 local_sec = asset->capture_usec / G_USEC_PER_SEC + asset->tz_offset_min * 60;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (local_sec);
  g_autofree char *date = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *iso = g_strdup_printf ("%s%c%02d%02d", date, asset->tz_offset_min < 0 ? '-' : '+',
                                          ABS (asset->tz_offset_min) / 60, ABS (asset->tz_offset_min) % 60);
  gboolean need_co64 = FALSE;
  guint moov, trak, mdia, minf, stbl, box, entry, udta;
  const char *keys[5] = { "com.apple.quicktime.make", "com.apple.quicktime.model",
                          "com.apple.quicktime.software", "com.apple.quicktime.creationdate",
                          "com.apple.quicktime.content.identifier" };
  const char *values[5] = { "Apple", asset->model, asset->software, iso, spec->content_id };

  for (guint i = 0; i < n_chunks; i++)
    need_co64 |= chunk_offsets[i] > G_MAXUINT32;

  moov = box_begin (b, "moov");

  box = full_box_begin (b, "mvhd", 0, 0);
  put_u32 (b, mac_time);               /* creation time, seconds since 1904 */
  put_u32 (b, mac_time);               /* modification time */
  put_u32 (b, TIMESCALE);
  put_u32 (b, duration);
  put_u32 (b, 0x00010000);             /* rate 1.0 */
  put_u16 (b, 0x0100);                 /* volume 1.0 */
  put_zeros (b, 10);
  put_matrix (b, 0, 0);
  put_zeros (b, 24);                   /* preview, poster, selection, current time */
  put_u32 (b, 2);                      /* next track id */
  box_end (b, box);

  trak = box_begin (b, "trak");
  box = full_box_begin (b, "tkhd", 0, 0x3);
  put_u32 (b, mac_time);
  put_u32 (b, mac_time);
  put_u32 (b, 1);                      /* track id */
  put_u32 (b, 0);
  put_u32 (b, duration);
  put_zeros (b, 8);
  put_u16 (b, 0);                      /* layer */
  put_u16 (b, 0);                      /* alternate group */
  put_u16 (b, 0);                      /* volume: video has none */
  put_u16 (b, 0);
  put_matrix (b, spec->rotation, spec->height);
  /* Track size before the matrix: the stored frame, as iPhones write it. */
  put_u32 (b, (guint32) spec->width << 16);
  put_u32 (b, (guint32) spec->height << 16);
  box_end (b, box);

  mdia = box_begin (b, "mdia");
  box = full_box_begin (b, "mdhd", 0, 0);
  put_u32 (b, mac_time);
  put_u32 (b, mac_time);
  put_u32 (b, TIMESCALE);
  put_u32 (b, duration);
  put_u16 (b, 0x55C4);                 /* 'und' */
  put_u16 (b, 0);
  box_end (b, box);

  box = full_box_begin (b, "hdlr", 0, 0);
  if (spec->mp4)
    put_u32 (b, 0);
  else
    put_4cc (b, "mhlr");
  put_4cc (b, "vide");
  put_zeros (b, 12);
  if (spec->mp4)
    g_byte_array_append (b, (const guint8 *) "VideoHandler", 13);
  else
    {
      put_u8 (b, 16);                  /* QuickTime names are Pascal strings */
      g_byte_array_append (b, (const guint8 *) "Core Media Video", 16);
    }
  box_end (b, box);

  minf = box_begin (b, "minf");
  box = full_box_begin (b, "vmhd", 0, 1);
  put_zeros (b, 8);
  box_end (b, box);

  box = box_begin (b, "dinf");
  {
    guint dref = full_box_begin (b, "dref", 0, 0);
    guint url;

    put_u32 (b, 1);
    url = full_box_begin (b, "url ", 0, 1);   /* flag 1: the data is in this file */
    box_end (b, url);
    box_end (b, dref);
  }
  box_end (b, box);

  stbl = box_begin (b, "stbl");
  box = full_box_begin (b, "stsd", 0, 0);
  put_u32 (b, 1);
  if (spec->codec == EMU_CODEC_HEVC || spec->codec == EMU_CODEC_H264)
    {
      gboolean hevc = spec->codec == EMU_CODEC_HEVC;
      guint config;

      entry = box_begin (b, hevc ? "hvc1" : "avc1");
      put_visual_entry_head (b, spec, hevc ? "HEVC" : "H.264");
      config = box_begin (b, hevc ? "hvcC" : "avcC");
      g_byte_array_append (b, g_bytes_get_data (spec->config, NULL), g_bytes_get_size (spec->config));
      box_end (b, config);
    }
  else
    {
      entry = box_begin (b, spec->mp4 ? "mp4v" : "jpeg");
      put_visual_entry_head (b, spec, "Photo - JPEG");
      if (spec->mp4)
        put_esds (b);
    }
  box_end (b, entry);
  box_end (b, box);

  box = full_box_begin (b, "stts", 0, 0);
  put_u32 (b, 1);
  put_u32 (b, spec->frames->len);
  put_u32 (b, frame_ticks (spec));
  box_end (b, box);

  if (spec->sync != NULL)
    {
      /* Only the key frames: where a reader may start decoding. */
      box = full_box_begin (b, "stss", 0, 0);
      put_u32 (b, spec->sync->len);
      for (guint i = 0; i < spec->sync->len; i++)
        put_u32 (b, g_array_index (spec->sync, guint, i));
      box_end (b, box);
    }

  box = full_box_begin (b, "stsc", 0, 0);
  put_u32 (b, n_chunks);
  for (guint i = 0; i < n_chunks; i++)
    {
      put_u32 (b, i + 1);
      put_u32 (b, samples_per_chunk[i]);
      put_u32 (b, 1);
    }
  box_end (b, box);

  box = full_box_begin (b, "stsz", 0, 0);
  put_u32 (b, 0);
  put_u32 (b, spec->frames->len);
  for (guint i = 0; i < spec->frames->len; i++)
    put_u32 (b, g_bytes_get_size (g_ptr_array_index (spec->frames, i)));
  box_end (b, box);

  box = full_box_begin (b, need_co64 ? "co64" : "stco", 0, 0);
  put_u32 (b, n_chunks);
  for (guint i = 0; i < n_chunks; i++)
    {
      if (need_co64)
        put_u64 (b, chunk_offsets[i]);
      else
        put_u32 (b, chunk_offsets[i]);
    }
  box_end (b, box);

  box_end (b, stbl);
  box_end (b, minf);
  box_end (b, mdia);
  box_end (b, trak);

  udta = box_begin (b, "udta");
  box = box_begin (b, "\xA9" "day");
  put_u16 (b, strlen (iso));
  put_u16 (b, 0x55C4);
  g_byte_array_append (b, (const guint8 *) iso, strlen (iso));
  box_end (b, box);
  box_end (b, udta);

  put_mdta_metadata (b, spec, keys, values, spec->content_id != NULL ? 5 : 4);

  box_end (b, moov);
  return b;
}

static gboolean
pwrite_all (int fd, const void *data, gsize len, guint64 offset, GError **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = pwrite (fd, p, len, offset);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "pwrite: %s", g_strerror (errno));
          return FALSE;
        }
      p += n;
      len -= n;
      offset += n;
    }
  return TRUE;
}

guint64
emu_movie_write (const char         *path,
                 const EmuAsset     *asset,
                 const EmuMovieSpec *spec,
                 GError            **error)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GByteArray) moov = NULL;
  g_autofree guint64 *chunk_offsets = NULL;
  g_autofree guint *samples_per_chunk = NULL;
  guint n_frames = spec->frames->len;
  guint n_chunks;
  guint64 frames_bytes = 0;
  guint64 mdat_start, mdat_size, data_start, pos, total;
  guint box;
  int fd;

  g_return_val_if_fail (n_frames >= 2 || spec->large_size == 0, 0);

  for (guint i = 0; i < n_frames; i++)
    frames_bytes += g_bytes_get_size (g_ptr_array_index (spec->frames, i));

  box = box_begin (head, "ftyp");
  if (spec->mp4)
    {
      put_4cc (head, "mp42");
      put_u32 (head, 0);
      put_4cc (head, "isom");
      put_4cc (head, "mp42");
    }
  else
    {
      put_4cc (head, "qt  ");
      put_u32 (head, 0);
      put_4cc (head, "qt  ");
    }
  box_end (head, box);
  if (!spec->mp4)
    {
      box = box_begin (head, "wide");   /* room to grow mdat to 64 bits, as QuickTime leaves */
      box_end (head, box);
    }

  mdat_start = head->len;
  if (spec->large_size == 0)
    {
      /* One chunk, frames back to back. */
      n_chunks = 1;
      chunk_offsets = g_new (guint64, 1);
      samples_per_chunk = g_new (guint, 1);
      data_start = mdat_start + 8;
      mdat_size = 8 + frames_bytes;
      chunk_offsets[0] = data_start;
      samples_per_chunk[0] = n_frames;
    }
  else
    {
      /* All frames but the last at the start; the last one past 4 GiB, in its own chunk,
       * so that reading it needs 64-bit offsets. moov follows at the very end. */
      guint64 last_size = g_bytes_get_size (g_ptr_array_index (spec->frames, n_frames - 1));

      n_chunks = 2;
      chunk_offsets = g_new (guint64, 2);
      samples_per_chunk = g_new (guint, 2);
      data_start = mdat_start + 16;
      chunk_offsets[0] = data_start;
      samples_per_chunk[0] = n_frames - 1;
      chunk_offsets[1] = spec->large_size - 65536 - last_size;
      samples_per_chunk[1] = 1;
      mdat_size = chunk_offsets[1] + last_size - mdat_start;
    }

  if (mdat_size > G_MAXUINT32)
    {
      put_u32 (head, 1);
      put_4cc (head, "mdat");
      put_u64 (head, mdat_size);
    }
  else
    {
      put_u32 (head, mdat_size);
      put_4cc (head, "mdat");
    }

  moov = build_moov (asset, spec, chunk_offsets, n_chunks, samples_per_chunk);

  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", path, g_strerror (errno));
      return 0;
    }

  if (!pwrite_all (fd, head->data, head->len, 0, error))
    goto fail;
  pos = data_start;
  for (guint i = 0; i < n_frames; i++)
    {
      GBytes *frame = g_ptr_array_index (spec->frames, i);

      if (spec->large_size != 0 && i == n_frames - 1)
        pos = chunk_offsets[1];
      if (!pwrite_all (fd, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), pos, error))
        goto fail;
      pos += g_bytes_get_size (frame);
    }
  g_assert (pos == mdat_start + mdat_size);
  if (!pwrite_all (fd, moov->data, moov->len, pos, error))
    goto fail;
  total = pos + moov->len;

  if (close (fd) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "close: %s", g_strerror (errno));
      return 0;
    }
  return total;

fail:
  close (fd);
  return 0;
}
