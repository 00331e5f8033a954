/* ks-metadata.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Capture date, orientation and duration from the bytes of a photo or video, whole,
 * sparse (seekable stream) or streamed past (KsMetadataReader). */

/* Everything reads through a small "source" (a memory buffer, a seekable stream read
 * sparsely, or the pieces a KsMetadataReader kept), so the same parsers serve a whole
 * file in memory, just its head, an AFC stream, or a file copied once:
 *
 * - JPEG: the Exif APP1 segment at the head, parsed by libexif;
 * - HEIC: the `meta` box (ks-isobmff) locates the Exif item, wherever iloc puts it;
 *   its 4-byte offset header is skipped and the TIFF data parsed by libexif. When that
 *   fails and the whole file is in memory, libheif's own Exif block is tried;
 * - MOV/MP4: top-level boxes are skipped by size to reach `moov` (often at the end);
 *   com.apple.quicktime.creationdate (local time with offset) wins over mvhd's
 *   creation time (UTC, 1904 epoch, version 0 or 1).
 *
 * Malformed, truncated or empty input never fails loudly: it just yields no date, and
 * callers fall back to the file's mtime. All reads are bounds-checked and capped. */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libheif/heif.h>

#include "ks-isobmff.h"
#include "ks-metadata.h"
#include "ks-source.h"

#define HEAD_SIZE       (256 * 1024)
#define MAX_META_SIZE   (16 * 1024 * 1024)
#define MAX_MOOV_SIZE   (64 * 1024 * 1024)
#define MAX_EXIF_SIZE   (4 * 1024 * 1024)
#define MAX_TOP_BOXES   4096
#define MAC_EPOCH_DELTA G_GINT64_CONSTANT (2082844800)

typedef struct
{
  guint64  offset;
  GBytes  *bytes;
} Segment;

typedef struct
{
  /* Memory mode */
  const guint8 *data;
  gsize         len;

  /* Sparse mode: pieces of a file of @size bytes (from KsMetadataReader) */
  GPtrArray    *segments;

  /* Stream mode */
  GInputStream *stream;
  GCancellable *cancellable;
  GError       *error; /* first I/O error; parsing stops */
  guint64       size;  /* G_MAXUINT64 when unknown */
} Src;

static guint64
src_size (Src *src)
{
  return src->stream || src->segments ? src->size : src->len;
}

/* Returns exactly @len bytes at @offset, or NULL (past the end, I/O error). */
static GBytes *
src_read (Src     *src,
          guint64  offset,
          gsize    len)
{
  g_autofree guint8 *buf = NULL;
  gsize n = 0;

  if (src->segments != NULL)
    {
      for (guint i = 0; i < src->segments->len; i++)
        {
          const Segment *seg = g_ptr_array_index (src->segments, i);
          gsize seg_len = g_bytes_get_size (seg->bytes);

          if (offset >= seg->offset && offset - seg->offset <= seg_len &&
              len <= seg_len - (offset - seg->offset))
            return g_bytes_new_from_bytes (seg->bytes, offset - seg->offset, len);
        }
      return NULL;
    }

  if (src->stream == NULL)
    {
      if (offset > src->len || len > src->len - offset)
        return NULL;
      return g_bytes_new_static (src->data + offset, len);
    }

  if (src->error != NULL)
    return NULL;
  if (src->size != G_MAXUINT64 && (offset > src->size || len > src->size - offset))
    return NULL;
  if (!g_seekable_seek (G_SEEKABLE (src->stream), (goffset) offset, G_SEEK_SET, src->cancellable, &src->error))
    return NULL;

  buf = g_malloc (len);
  if (!g_input_stream_read_all (src->stream, buf, len, &n, src->cancellable, &src->error) || n != len)
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&buf), len);
}

void
ks_metadata_init (KsMetadata *md)
{
  g_return_if_fail (md != NULL);

  memset (md, 0, sizeof *md);
  md->orientation = 1;
}

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
static void
parse_exif (const guint8 *data,
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
  parse_exif (data + 4 + skip, len - 4 - skip, md);
}

/* Finds the top-level box @type by reading headers only. */
static gboolean
find_top_level_box (Src          *src,
                    guint32       type,
                    KsIsobmffBox *out)
{
  guint64 size = src_size (src);
  guint64 pos = 0;

  for (guint i = 0; i < MAX_TOP_BOXES && pos < size; i++)
    {
      g_autoptr(GBytes) header = NULL;
      KsIsobmffBox box;
      gsize hlen = (gsize) MIN ((guint64) 32, size - pos);
      const guint8 *h;

      header = src_read (src, pos, hlen);
      if (header == NULL)
        return FALSE;
      h = g_bytes_get_data (header, NULL);

      /* The box is relative to the header buffer; its parent end is the file's. */
      if (!ks_isobmff_read_box_header (h, hlen, 0, size - pos, &box))
        return FALSE;

      if (box.type == type)
        {
          *out = box;
          out->offset = pos;
          return TRUE;
        }
      pos += box.size;
    }

  return FALSE;
}

static void
parse_heif (Src        *src,
            KsMetadata *md)
{
  g_autoptr(KsIsobmffMeta) meta = NULL;
  g_autoptr(GBytes) meta_bytes = NULL;
  KsIsobmffBox box;

  if (find_top_level_box (src, KS_FOURCC ('m', 'e', 't', 'a'), &box) &&
      box.size <= MAX_META_SIZE &&
      (meta_bytes = src_read (src, box.offset, box.size)) != NULL &&
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
              g_autoptr(GBytes) part = src_read (src, extent->offset, (gsize) extent->length);

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

static void
parse_quicktime (Src        *src,
                 KsMetadata *md)
{
  g_autoptr(GBytes) moov_bytes = NULL;
  KsIsobmffBox moov, box;
  const guint8 *data;
  gsize len;
  gint64 mvhd_creation = 0;

  if (!find_top_level_box (src, KS_FOURCC ('m', 'o', 'o', 'v'), &moov) ||
      moov.size > MAX_MOOV_SIZE ||
      (moov_bytes = src_read (src, moov.offset, moov.size)) == NULL)
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

static KsAssetKind
sniff (const guint8 *head,
       gsize         len)
{
  if (len >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
    return KS_ASSET_KIND_JPEG;
  if (len >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return KS_ASSET_KIND_PNG;
  if (len >= 6 && (memcmp (head, "GIF87a", 6) == 0 || memcmp (head, "GIF89a", 6) == 0))
    return KS_ASSET_KIND_GIF;
  if (len >= 12 && memcmp (head + 4, "ftyp", 4) == 0)
    {
      static const char * const heif_brands[] = { "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif" };

      for (guint i = 0; i < G_N_ELEMENTS (heif_brands); i++)
        if (memcmp (head + 8, heif_brands[i], 4) == 0)
          return KS_ASSET_KIND_HEIC;
      return KS_ASSET_KIND_MOV;
    }
  if (len >= 8 && (memcmp (head + 4, "moov", 4) == 0 || memcmp (head + 4, "mdat", 4) == 0 ||
                   memcmp (head + 4, "wide", 4) == 0 || memcmp (head + 4, "free", 4) == 0))
    return KS_ASSET_KIND_MOV;
  return KS_ASSET_KIND_UNKNOWN;
}

static void
parse_src (Src        *src,
           KsMetadata *md)
{
  g_autoptr(GBytes) head = NULL;
  guint64 size = src_size (src);
  gsize head_len = (gsize) MIN ((guint64) HEAD_SIZE, size);
  const guint8 *h;

  if (head_len == 0)
    {
      /* Unknown size (a stream that cannot tell): read what comes. */
      if (src->stream == NULL || size != G_MAXUINT64)
        return;
      head_len = HEAD_SIZE;
    }

  if (src->stream != NULL && size == G_MAXUINT64)
    {
      g_autofree guint8 *buf = g_malloc (head_len);
      gsize n = 0;

      if (!g_input_stream_read_all (src->stream, buf, head_len, &n, src->cancellable, &src->error))
        return;
      head = g_bytes_new_take (g_steal_pointer (&buf), n);
    }
  else
    head = src_read (src, 0, head_len);

  if (head == NULL)
    return;
  h = g_bytes_get_data (head, &head_len);

  md->format = sniff (h, head_len);
  switch (md->format)
    {
    case KS_ASSET_KIND_JPEG:
      parse_exif (h, head_len, md);
      break;

    case KS_ASSET_KIND_HEIC:
      if (size != G_MAXUINT64)
        parse_heif (src, md);
      break;

    case KS_ASSET_KIND_MOV:
      if (size != G_MAXUINT64)
        parse_quicktime (src, md);
      break;

    case KS_ASSET_KIND_PNG:
    case KS_ASSET_KIND_GIF:
    case KS_ASSET_KIND_UNKNOWN:
    case KS_ASSET_KIND_DNG:
    case KS_ASSET_KIND_MP4:
    case KS_ASSET_KIND_OTHER_PHOTO:
    case KS_ASSET_KIND_OTHER_VIDEO:
    case KS_ASSET_KIND_SIDECAR:
    case KS_ASSET_KIND_OTHER:
    default:
      break;
    }
}

/**
 * ks_metadata_parse_data:
 * @data: (array length=len): a whole file, or its first bytes
 * @md: (out caller-allocates): the result
 *
 * Any bytes are safe to pass. A head of the file is often enough (JPEG Exif,
 * HEIC with Exif early); QuickTime's moov is often at the end.
 *
 * Returns: %TRUE if a capture time was found
 */
gboolean
ks_metadata_parse_data (const guint8 *data,
                        gsize         len,
                        KsMetadata   *md)
{
  Src src = { 0 };

  g_return_val_if_fail (md != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  ks_metadata_init (md);
  src.data = data;
  src.len = len;
  parse_src (&src, md);

  return md->has_capture_time;
}

gboolean
ks_metadata_parse_bytes (GBytes     *bytes,
                         KsMetadata *md)
{
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, FALSE);

  data = g_bytes_get_data (bytes, &len);
  return ks_metadata_parse_data (data, len, md);
}

/**
 * ks_metadata_read_stream:
 * @stream: a stream at its start; if it implements #GSeekable (file, AFC),
 *   only the needed ranges are read (the head, HEIC's meta and Exif item,
 *   QuickTime box headers and moov)
 * @md: (out caller-allocates): the result
 *
 * Blocking. The stream's position is left undefined.
 *
 * Returns: %FALSE only on an I/O error or cancellation; unparseable content
 *   is %TRUE with no capture time
 */
gboolean
ks_metadata_read_stream (GInputStream  *stream,
                         KsMetadata    *md,
                         GCancellable  *cancellable,
                         GError       **error)
{
  Src src = { 0 };

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (md != NULL, FALSE);

  ks_metadata_init (md);
  src.stream = stream;
  src.cancellable = cancellable;
  src.size = G_MAXUINT64;

  if (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)))
    {
      goffset start = g_seekable_tell (G_SEEKABLE (stream));

      if (g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_END, cancellable, NULL))
        {
          goffset end = g_seekable_tell (G_SEEKABLE (stream));

          if (end >= 0)
            src.size = (guint64) end;
        }
      if (!g_seekable_seek (G_SEEKABLE (stream), start, G_SEEK_SET, cancellable, error))
        return FALSE;
    }

  parse_src (&src, md);

  if (src.error != NULL)
    {
      /* Running into the end of a truncated file is content, not an I/O failure. */
      if (g_cancellable_is_cancelled (cancellable) || !g_error_matches (src.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        {
          g_propagate_error (error, src.error);
          return FALSE;
        }
      g_clear_error (&src.error);
    }

  return TRUE;
}

/**
 * ks_metadata_get_capture_time:
 *
 * Returns: the capture time, or @fallback (say, the file's mtime) if none
 */
gint64
ks_metadata_get_capture_time (const KsMetadata *md,
                              gint64            fallback)
{
  g_return_val_if_fail (md != NULL, fallback);
  return md->has_capture_time ? md->capture_time : fallback;
}

/**
 * ks_metadata_apply:
 *
 * Copies what @md knows into @asset (capture time as exact, its UTC offset,
 * orientation, duration). Call it on the thread that owns @asset.
 */
void
ks_metadata_apply (const KsMetadata *md,
                   KsAsset          *asset)
{
  g_return_if_fail (md != NULL);
  g_return_if_fail (KS_IS_ASSET (asset));

  if (md->has_capture_time)
    ks_asset_set_capture_time (asset, md->capture_time, TRUE);
  if (md->has_capture_time && md->has_utc_offset)
    ks_asset_set_utc_offset (asset, md->utc_offset);
  ks_asset_set_orientation (asset, md->orientation);
  if (md->duration > 0)
    ks_asset_set_duration (asset, md->duration);
}

static void
load_for_asset_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  KsAsset *asset = task_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  KsMetadata *md = g_new0 (KsMetadata, 1);

  stream = ks_source_open_file (KS_SOURCE (source_object),
                                ks_asset_file_get_path (ks_asset_get_primary (asset)),
                                cancellable, &error);
  if (stream == NULL || !ks_metadata_read_stream (stream, md, cancellable, &error))
    {
      g_free (md);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_input_stream_close (stream, NULL, NULL);
  g_task_return_pointer (task, md, g_free);
}

/**
 * ks_metadata_load_for_asset_async:
 *
 * Reads the metadata of @asset's primary file from @source on a worker. The
 * asset is not changed; call ks_metadata_apply() in your callback.
 */
void
ks_metadata_load_for_asset_async (KsSource            *source,
                                  KsAsset             *asset,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_SOURCE (source));
  g_return_if_fail (KS_IS_ASSET (asset));

  task = g_task_new (source, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_metadata_load_for_asset_async);
  /* Only immutable parts (the primary file) are read on the worker. */
  g_task_set_task_data (task, g_object_ref (asset), g_object_unref);
  g_task_run_in_thread (task, load_for_asset_worker);
}

/**
 * ks_metadata_load_for_asset_finish:
 * @md: (out caller-allocates): the result
 *
 * Returns: %TRUE if the file could be read (it may still have no date)
 */
gboolean
ks_metadata_load_for_asset_finish (KsSource      *source,
                                   GAsyncResult  *result,
                                   KsMetadata    *md,
                                   GError       **error)
{
  g_autofree KsMetadata *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, source), FALSE);
  g_return_val_if_fail (md != NULL, FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    {
      ks_metadata_init (md);
      return FALSE;
    }

  *md = *found;
  return TRUE;
}

/* KsMetadataReader: what a sparse Src needs, collected from a sequential stream. */

#define HEADER_PEEK 32

typedef struct
{
  guint64     start;
  guint64     end;
  GByteArray *buf;     /* bytes [start, start + buf->len) */
  guint       is_meta : 1;
  guint       failed : 1;
} Capture;

struct _KsMetadataReader
{
  guint64     offset;     /* bytes fed so far */
  GByteArray *head;
  guint64     next_box;   /* next top-level box header, or G_MAXUINT64 when lost */
  GByteArray *header;     /* bytes of that header seen so far */
  GPtrArray  *segments;   /* Segment */
  GArray     *captures;   /* Capture */
};

static void
segment_free (gpointer data)
{
  Segment *seg = data;

  g_bytes_unref (seg->bytes);
  g_free (seg);
}

static void
add_segment (KsMetadataReader *self,
             guint64           offset,
             const guint8     *data,
             gsize             len)
{
  Segment *seg = g_new0 (Segment, 1);

  seg->offset = offset;
  seg->bytes = g_bytes_new (data, len);
  g_ptr_array_add (self->segments, seg);
}

static void
capture_clear (gpointer data)
{
  Capture *capture = data;

  g_clear_pointer (&capture->buf, g_byte_array_unref);
}

KsMetadataReader *
ks_metadata_reader_new (void)
{
  KsMetadataReader *self = g_new0 (KsMetadataReader, 1);

  self->head = g_byte_array_new ();
  self->header = g_byte_array_new ();
  self->segments = g_ptr_array_new_with_free_func (segment_free);
  self->captures = g_array_new (FALSE, TRUE, sizeof (Capture));
  g_array_set_clear_func (self->captures, capture_clear);
  return self;
}

void
ks_metadata_reader_free (KsMetadataReader *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->head);
  g_byte_array_unref (self->header);
  g_ptr_array_unref (self->segments);
  g_array_unref (self->captures);
  g_free (self);
}

/* @known: the first bytes of the range, when we hold them already (a box header
 * that may have started in an earlier chunk). */
static void
want_range (KsMetadataReader *self,
            guint64           start,
            guint64           length,
            gboolean          is_meta,
            const guint8     *known,
            gsize             known_len)
{
  Capture capture = { 0 };

  if (length == 0 || start + length < start)
    return;
  capture.start = start;
  capture.end = start + length;
  capture.buf = g_byte_array_new ();
  capture.is_meta = !!is_meta;
  if (known != NULL)
    g_byte_array_append (capture.buf, known, (guint) MIN ((guint64) known_len, length));
  g_array_append_val (self->captures, capture);
}

/* A top-level header is complete: remember it, and want moov (QuickTime) or meta
 * (HEIF) whole. */
static void
header_complete (KsMetadataReader *self)
{
  KsIsobmffBox box;
  guint64 at = self->next_box;

  add_segment (self, at, self->header->data, self->header->len);

  if (!ks_isobmff_read_box_header (self->header->data, self->header->len, 0, G_MAXUINT64 - at, &box) ||
      box.size == G_MAXUINT64 - at /* size 0: runs to the end, which we do not know yet */)
    {
      self->next_box = G_MAXUINT64;
      return;
    }

  if ((box.type == KS_FOURCC ('m', 'o', 'o', 'v') && box.size <= MAX_MOOV_SIZE) ||
      (box.type == KS_FOURCC ('m', 'e', 't', 'a') && box.size <= MAX_META_SIZE))
    want_range (self, at, box.size, box.type == KS_FOURCC ('m', 'e', 't', 'a'),
                self->header->data, self->header->len);

  self->next_box = at + box.size;

  /* A box smaller than our peek: the next header has begun in this one's. */
  if (box.size < self->header->len)
    g_byte_array_remove_range (self->header, 0, (guint) box.size);
  else
    g_byte_array_set_size (self->header, 0);
}

/* HEIF: once meta is whole, the Exif item's extents are what we still need. */
static void
meta_complete (KsMetadataReader *self,
               const Capture    *capture)
{
  g_autoptr(KsIsobmffMeta) meta = NULL;

  meta = ks_isobmff_meta_parse (capture->buf->data, capture->buf->len, capture->start, NULL);
  if (meta == NULL)
    return;

  for (guint i = 0; i < ks_isobmff_meta_get_n_items (meta); i++)
    {
      const KsIsobmffItem *item = ks_isobmff_meta_get_nth_item (meta, i);

      if (item->type != KS_FOURCC ('E', 'x', 'i', 'f') || item->extents == NULL ||
          ks_isobmff_item_get_total_length (item) > MAX_EXIF_SIZE)
        continue;

      for (guint e = 0; e < item->extents->len; e++)
        {
          const KsIsobmffExtent *extent = &g_array_index (item->extents, KsIsobmffExtent, e);

          want_range (self, extent->offset, extent->length, FALSE, NULL, 0);
        }
    }
}

/**
 * ks_metadata_reader_feed:
 * @data: (array length=len): the next bytes of the file
 */
void
ks_metadata_reader_feed (KsMetadataReader *self,
                         const guint8     *data,
                         gsize             len)
{
  guint64 base;
  guint64 end;

  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  base = self->offset;
  end = base + len;

  if (self->head->len < HEAD_SIZE)
    g_byte_array_append (self->head, data, (guint) MIN ((gsize) (HEAD_SIZE - self->head->len), len));

  /* Walk the top-level box headers that start (or continue) in this chunk. */
  while (self->next_box != G_MAXUINT64)
    {
      guint64 from = self->next_box + self->header->len;
      gsize take;

      if (from < base || from >= end)
        {
          if (from < base)
            self->next_box = G_MAXUINT64;
          break;
        }
      take = (gsize) MIN ((guint64) (HEADER_PEEK - self->header->len), end - from);
      g_byte_array_append (self->header, data + (from - base), (guint) take);
      if (self->header->len < HEADER_PEEK)
        break;
      header_complete (self);
    }

  /* Copy what wanted ranges need from this chunk; completing meta may want more. */
  for (guint i = 0; i < self->captures->len; i++)
    {
      Capture *capture = &g_array_index (self->captures, Capture, i);
      guint64 from = capture->start + capture->buf->len;
      guint64 to;

      if (capture->failed || from >= capture->end)
        continue;
      if (from < base)
        {
          /* Passed before we knew we wanted it: only the head may still have it. */
          if (capture->end <= self->head->len)
            {
              g_byte_array_append (capture->buf, self->head->data + capture->start,
                                   (guint) (capture->end - capture->start));
              from = capture->end;
            }
          else
            {
              capture->failed = TRUE;
              continue;
            }
        }
      else if (from < end)
        {
          to = MIN (capture->end, end);
          g_byte_array_append (capture->buf, data + (from - base), (guint) (to - from));
        }

      if (capture->start + capture->buf->len == capture->end && capture->is_meta)
        {
          Capture done = *capture;

          /* meta_complete may grow the array (and move @capture). */
          capture->is_meta = FALSE;
          meta_complete (self, &done);
        }
    }

  self->offset = end;
}

/**
 * ks_metadata_reader_finish:
 * @md: (out caller-allocates): the result
 *
 * Call once, after the last byte was fed.
 *
 * Returns: %TRUE if a capture time was found
 */
gboolean
ks_metadata_reader_finish (KsMetadataReader *self,
                           KsMetadata       *md)
{
  Src src = { 0 };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (md != NULL, FALSE);

  ks_metadata_init (md);

  add_segment (self, 0, self->head->data, self->head->len);
  if (self->next_box != G_MAXUINT64 && self->header->len > 0)
    add_segment (self, self->next_box, self->header->data, self->header->len);
  for (guint i = 0; i < self->captures->len; i++)
    {
      const Capture *capture = &g_array_index (self->captures, Capture, i);

      if (!capture->failed && capture->start + capture->buf->len == capture->end)
        add_segment (self, capture->start, capture->buf->data, capture->buf->len);
    }

  src.segments = self->segments;
  src.size = self->offset;
  parse_src (&src, md);

  return md->has_capture_time;
}
