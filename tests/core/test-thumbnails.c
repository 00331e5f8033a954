/* test-thumbnails.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The thumbnailer against real files made here: sparse HEIC reads decode the same pixels as
 * libheif on the whole file, JPEG Exif thumbnails come out upright, corrupt input fails
 * cleanly, the cache spares the source, and cancelled requests never reach a worker. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libheif/heif.h>

#include "ks-gst-poster.h"
#include "ks-heif-thumbnail.h"
#include "ks-isobmff.h"
#include "ks-jpeg-thumbnail.h"
#include "ks-thumbnail-cache.h"
#include "ks-thumbnailer.h"
#include "ks-video-thumbnail.h"
#include "test-thumb-util.h"

static char   *tmpdir;
static GBytes *heic_small;   /* 640×480, 160-px thumbnail, Exif */
static GBytes *heic_nothumb; /* 320×240, no thumbnail */

static void pixel_at (GdkPixbuf *p,
                      int        x,
                      int        y,
                      guint8     rgb[3]);

static KsIsobmffMeta *
parse_meta (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  KsIsobmffBox box;
  g_autoptr(GError) error = NULL;
  KsIsobmffMeta *meta;

  g_assert_true (ks_isobmff_read_box_header (data, len, 0, len, &box));
  g_assert_cmphex (box.type, ==, KS_FOURCC ('f','t','y','p'));
  g_assert_true (ks_isobmff_find_child (data, len, 0, len, KS_FOURCC ('m','e','t','a'), &box));
  meta = ks_isobmff_meta_parse (data + box.offset, box.size, box.offset, &error);
  g_assert_no_error (error);
  g_assert_nonnull (meta);
  return meta;
}

static void
test_isobmff_parse (void)
{
  g_autoptr(KsIsobmffMeta) meta = parse_meta (heic_small);
  const KsIsobmffItem *primary, *thumb, *exif;
  guint32 thumb_id, exif_id;
  gsize len;
  const guint8 *data = g_bytes_get_data (heic_small, &len);

  g_assert_cmphex (ks_isobmff_meta_get_handler (meta), ==, KS_FOURCC ('p','i','c','t'));
  primary = ks_isobmff_meta_get_item (meta, ks_isobmff_meta_get_primary_id (meta));
  g_assert_nonnull (primary);
  g_assert_cmphex (primary->type, ==, KS_FOURCC ('h','v','c','1'));
  g_assert_cmpuint (primary->width, ==, 640);
  g_assert_cmpuint (primary->height, ==, 480);
  g_assert_true (primary->has_hvcc);

  thumb_id = ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('t','h','m','b'), primary->id, 0);
  g_assert_cmpuint (thumb_id, !=, 0);
  thumb = ks_isobmff_meta_get_item (meta, thumb_id);
  g_assert_cmpuint (thumb->width, ==, 160);
  g_assert_cmpuint (thumb->height, ==, 120);
  g_assert_cmpuint (thumb->extents->len, >=, 1);

  exif_id = ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('c','d','s','c'), primary->id,
                                               KS_FOURCC ('E','x','i','f'));
  g_assert_cmpuint (exif_id, !=, 0);
  exif = ks_isobmff_meta_get_item (meta, exif_id);
  g_assert_cmpuint (exif->extents->len, ==, 1);
  {
    const KsIsobmffExtent *e = &g_array_index (exif->extents, KsIsobmffExtent, 0);

    /* libheif stores a 4-byte offset, then our TIFF header. */
    g_assert_cmpuint (e->offset + e->length, <=, len);
    g_assert_cmpint (memcmp (data + e->offset + 4, "MM\0*", 4), ==, 0);
  }
}

static void
put_be (GByteArray *a,
        guint64     v,
        guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      guint shift = 8 * (n - 1 - i);
      guint8 b = shift < 64 ? (guint8) (v >> shift) : 0;
      g_byte_array_append (a, &b, 1);
    }
}

static guint
begin (GByteArray *a,
       const char *type,
       int         version_flags)
{
  guint start = a->len;

  put_be (a, 0, 4);
  g_byte_array_append (a, (const guint8 *) type, 4);
  if (version_flags >= 0)
    put_be (a, (guint32) version_flags, 4);
  return start;
}

static void
end (GByteArray *a,
     guint       start)
{
  guint32 size = a->len - start;

  for (guint i = 0; i < 4; i++)
    a->data[start + i] = (guint8) (size >> (8 * (3 - i)));
}

/* Box headers: size 0 runs to the parent's end, size 1 has a 64-bit size, anything smaller
 * than its header or longer than its parent is refused. */
static void
test_isobmff_box_headers (void)
{
  static const guint8 to_end[] = { 0, 0, 0, 0, 'm', 'd', 'a', 't', 1, 2, 3, 4 };
  static const guint8 large[] = { 0, 0, 0, 1, 'm', 'd', 'a', 't',
                                  0, 0, 0, 1, 0, 0, 0, 0 };
  static const guint8 too_small[] = { 0, 0, 0, 7, 'f', 'r', 'e', 'e' };
  static const guint8 large_too_small[] = { 0, 0, 0, 1, 'f', 'r', 'e', 'e',
                                            0, 0, 0, 0, 0, 0, 0, 15 };
  static const guint8 uuid[] = { 0, 0, 0, 24, 'u', 'u', 'i', 'd', 0 };
  KsIsobmffBox box;

  g_assert_true (ks_isobmff_read_box_header (to_end, sizeof to_end, 0, sizeof to_end, &box));
  g_assert_cmphex (box.type, ==, KS_FOURCC ('m','d','a','t'));
  g_assert_cmpuint (box.size, ==, sizeof to_end);
  g_assert_cmpuint (box.header_size, ==, 8);

  /* A 4 GiB mdat seen from a 16-byte head read: the header is enough. */
  g_assert_true (ks_isobmff_read_box_header (large, sizeof large, 0, G_GUINT64_CONSTANT (1) << 40, &box));
  g_assert_cmpuint (box.size, ==, G_GUINT64_CONSTANT (1) << 32);
  g_assert_cmpuint (box.header_size, ==, 16);
  g_assert_false (ks_isobmff_read_box_header (large, sizeof large, 0, 1000, &box));
  g_assert_false (ks_isobmff_read_box_header (large, 12, 0, G_MAXUINT64, &box));

  g_assert_false (ks_isobmff_read_box_header (too_small, sizeof too_small, 0, 100, &box));
  g_assert_false (ks_isobmff_read_box_header (large_too_small, sizeof large_too_small, 0, 100, &box));
  g_assert_false (ks_isobmff_read_box_header (too_small, 7, 0, 100, &box));
  g_assert_false (ks_isobmff_read_box_header (too_small, sizeof too_small, 4, 100, &box));
  g_assert_false (ks_isobmff_read_box_header (too_small, sizeof too_small, 200, 100, &box));
  g_assert_true (ks_isobmff_read_box_header (uuid, sizeof uuid, 0, 24, &box));
  g_assert_cmpuint (box.header_size, ==, 24);
}

/* A hand-made meta box with the wide variants: pitm v1, infe v3 and iref v1 with 32-bit ids,
 * iloc v2 with 64-bit offsets, a base offset, extent indices and an idat item, and ipma with
 * 16-bit property indices. */
static void
test_isobmff_wide_meta (void)
{
  g_autoptr(GByteArray) a = g_byte_array_new ();
  g_autoptr(KsIsobmffMeta) meta = NULL;
  g_autoptr(GError) error = NULL;
  const KsIsobmffItem *grid, *thumb;
  const KsIsobmffExtent *e;
  guint meta_box, b, c, idat_payload;

  meta_box = begin (a, "meta", 0);
  b = begin (a, "hdlr", 0); put_be (a, 0, 4); g_byte_array_append (a, (const guint8 *) "pict", 4);
  put_be (a, 0, 13); end (a, b);
  b = begin (a, "pitm", 0x01000000); put_be (a, 70000, 4); end (a, b);
  b = begin (a, "iinf", 0x01000000); put_be (a, 2, 4);
  c = begin (a, "infe", 0x03000000); put_be (a, 70000, 4); put_be (a, 0, 2);
  g_byte_array_append (a, (const guint8 *) "grid", 4); put_be (a, 0, 1); end (a, c);
  c = begin (a, "infe", 0x03000000); put_be (a, 5, 4); put_be (a, 0, 2);
  g_byte_array_append (a, (const guint8 *) "hvc1", 4); put_be (a, 0, 1); end (a, c);
  end (a, b);
  b = begin (a, "iloc", 0x02000000);
  put_be (a, 0x84, 1);          /* offset_size 8, length_size 4 */
  put_be (a, 0x44, 1);          /* base_offset_size 4, index_size 4 */
  put_be (a, 2, 4);             /* item_count */
  put_be (a, 70000, 4); put_be (a, 1, 2); put_be (a, 0, 2); put_be (a, 2, 4); put_be (a, 1, 2);
  put_be (a, 0, 4); put_be (a, 1, 8); put_be (a, 3, 4);
  put_be (a, 5, 4); put_be (a, 0, 2); put_be (a, 0, 2); put_be (a, 100, 4); put_be (a, 2, 2);
  put_be (a, 0, 4); put_be (a, 10, 8); put_be (a, 20, 4);
  put_be (a, 1, 4); put_be (a, 40, 8); put_be (a, 5, 4);
  end (a, b);
  b = begin (a, "iref", 0x01000000);
  c = begin (a, "thmb", -1); put_be (a, 5, 4); put_be (a, 1, 2); put_be (a, 70000, 4); end (a, c);
  end (a, b);
  b = begin (a, "iprp", -1);
  c = begin (a, "ipco", -1);
  { guint d = begin (a, "ispe", 0); put_be (a, 320, 4); put_be (a, 240, 4); end (a, d); }
  { guint d = begin (a, "irot", -1); put_be (a, 3, 1); end (a, d); }
  { guint d = begin (a, "imir", -1); put_be (a, 1, 1); end (a, d); }
  { guint d = begin (a, "hvcC", -1); put_be (a, 1, 1); end (a, d); }
  end (a, c);
  c = begin (a, "ipma", 0x01000001); put_be (a, 2, 4);
  put_be (a, 5, 4); put_be (a, 4, 1);
  put_be (a, 0x8001, 2); put_be (a, 2, 2); put_be (a, 3, 2); put_be (a, 0x8004, 2);
  put_be (a, 70000, 4); put_be (a, 2, 1); put_be (a, 1, 2); put_be (a, 99, 2);
  end (a, c);
  end (a, b);
  b = begin (a, "idat", -1);
  idat_payload = a->len;
  g_byte_array_append (a, (const guint8 *) "\0\0\0\1\2\3", 6);
  end (a, b);
  end (a, meta_box);

  meta = ks_isobmff_meta_parse (a->data, a->len, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmphex (ks_isobmff_meta_get_handler (meta), ==, KS_FOURCC ('p','i','c','t'));
  g_assert_cmpuint (ks_isobmff_meta_get_primary_id (meta), ==, 70000);
  g_assert_cmpuint (ks_isobmff_meta_get_n_items (meta), ==, 2);

  grid = ks_isobmff_meta_get_item (meta, 70000);
  g_assert_cmphex (grid->type, ==, KS_FOURCC ('g','r','i','d'));
  g_assert_cmpuint (grid->construction_method, ==, 1);
  g_assert_cmpuint (grid->extents->len, ==, 1);
  e = &g_array_index (grid->extents, KsIsobmffExtent, 0);
  /* idat payload in the file + base offset 2 + extent offset 1 */
  g_assert_cmpuint (e->offset, ==, 1000 + idat_payload + 3);
  g_assert_cmpuint (e->length, ==, 3);
  g_assert_cmpuint (grid->width, ==, 320); /* property 1; the out-of-range 99 is ignored */

  thumb = ks_isobmff_meta_get_item (meta, 5);
  g_assert_cmpuint (thumb->extents->len, ==, 2);
  g_assert_cmpuint (g_array_index (thumb->extents, KsIsobmffExtent, 0).offset, ==, 110);
  g_assert_cmpuint (g_array_index (thumb->extents, KsIsobmffExtent, 1).offset, ==, 140);
  g_assert_cmpuint (ks_isobmff_item_get_total_length (thumb), ==, 25);
  g_assert_cmpuint (thumb->width, ==, 320);
  g_assert_cmpuint (thumb->height, ==, 240);
  g_assert_cmpuint (thumb->rotation, ==, 3);
  g_assert_cmpint (thumb->mirror_axis, ==, 1);
  g_assert_true (thumb->has_hvcc);
  g_assert_cmpuint (ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('t','h','m','b'), 70000, 0), ==, 5);
  g_assert_cmpuint (ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('t','h','m','b'), 70000,
                                                       KS_FOURCC ('E','x','i','f')), ==, 0);

  /* Every truncation, with the meta box's size shrunk to match so that the cut lands inside
   * a child, fails cleanly or parses what is whole; none reads past the end (ASan build). */
  {
    guint n_refused = 0;

    for (guint len = 0; len < a->len; len++)
      {
        g_autofree guint8 *cut = g_memdup2 (a->data, len);
        g_autoptr(KsIsobmffMeta) partial = NULL;

        if (len >= 8)
          for (guint i = 0; i < 4; i++)
            cut[i] = (guint8) (len >> (8 * (3 - i)));
        partial = ks_isobmff_meta_parse (cut, len, 0, NULL);
        if (partial == NULL)
          n_refused++;
      }
    g_assert_cmpuint (n_refused, >, a->len / 2);
  }
}

static void
test_heif_sparse_identical (void)
{
  g_autoptr(GdkPixbuf) expected = test_reference_heif_thumbnail (heic_small);
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (TestRange));
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(KsIsobmffMeta) meta = parse_meta (heic_small);
  g_autoptr(GError) error = NULL;
  const KsIsobmffItem *primary, *thumb;
  gint64 bytes = 0;
  guint64 budget;

  stream = test_counting_stream_new_bytes (heic_small, &bytes, ranges);
  got = ks_thumbnailer_load_stream (stream, "small.HEIC", g_bytes_get_size (heic_small), 0, NULL,
                                    NULL, &error);
  g_assert_no_error (error);
  test_assert_pixbufs_equal (expected, got);

  /* The stream was asked to stop reading ahead before the sparse reads. */
  {
    guint64 read_ahead = 1;

    g_object_get (stream, "read-ahead", &read_ahead, NULL);
    g_assert_cmpuint (read_ahead, ==, 0);
  }

  /* The coded primary image is never fetched; the total stays within the head read, the
   * thumbnail, the Exif block and one coalescing gap each. */
  primary = ks_isobmff_meta_get_item (meta, ks_isobmff_meta_get_primary_id (meta));
  thumb = ks_isobmff_meta_get_item (meta, ks_isobmff_meta_find_reference_to (
                                      meta, KS_FOURCC ('t','h','m','b'), primary->id, 0));
  {
    guint64 in_primary = 0;

    for (guint i = 0; i < ranges->len; i++)
      {
        const TestRange *r = &g_array_index (ranges, TestRange, i);

        for (guint j = 0; j < primary->extents->len; j++)
          {
            const KsIsobmffExtent *e = &g_array_index (primary->extents, KsIsobmffExtent, j);
            guint64 lo = MAX (r->offset, e->offset);
            guint64 hi = MIN (r->offset + r->length, e->offset + e->length);

            if (hi > lo)
              in_primary += hi - lo;
          }
      }
    /* At most the head read and a coalescing gap may graze the primary's data. */
    g_assert_cmpuint (in_primary, <=, KS_HEIF_HEAD_SIZE + 4096);
    g_assert_cmpuint (in_primary, <, ks_isobmff_item_get_total_length (primary) / 2);
  }
  budget = KS_HEIF_HEAD_SIZE + ks_isobmff_item_get_total_length (thumb) + 64 + 2 * 4096;
  g_assert_cmpint (bytes, <=, budget);
  g_assert_cmpint (bytes, <, g_bytes_get_size (heic_small) / 2);
  g_test_message ("small HEIC: %" G_GINT64_FORMAT " of %" G_GSIZE_FORMAT " bytes read",
                  bytes, g_bytes_get_size (heic_small));
}

/* irot on the thumbnail: libheif applies it when decoding from the sparse buffer too. The
 * fixture's `pixi` properties (16 bytes) are rewritten in place into `irot` (90° counter-
 * clockwise, padded), so no offsets move. */
static void
test_heif_rotated (void)
{
  gsize len;
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (heic_small, &len), g_bytes_get_size (heic_small));
  g_autoptr(GBytes) rotated = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GdkPixbuf) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsIsobmffMeta) meta = NULL;
  const KsIsobmffItem *thumb;
  guint n_patched = 0;
  guint8 corner[3];

  len = g_bytes_get_size (heic_small);
  for (gsize i = 4; i + 12 <= MIN (len, 8192); i++)
    {
      if (memcmp (data + i, "pixi", 4) != 0)
        continue;
      if (data[i - 4] != 0 || data[i - 3] != 0 || data[i - 2] != 0 || data[i - 1] != 16)
        continue;
      memcpy (data + i, "irot", 4);
      memset (data + i + 4, 0, 8);
      data[i + 4] = 1;
      n_patched++;
    }
  g_assert_cmpuint (n_patched, >=, 1);
  rotated = g_bytes_new (data, len);

  meta = parse_meta (rotated);
  thumb = ks_isobmff_meta_get_item (meta, ks_isobmff_meta_find_reference_to (
                                      meta, KS_FOURCC ('t','h','m','b'),
                                      ks_isobmff_meta_get_primary_id (meta), 0));
  g_assert_cmpuint (thumb->rotation, ==, 1);

  stream = g_memory_input_stream_new_from_bytes (rotated);
  got = ks_heif_thumbnail_load (stream, len, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 120);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 160);
  expected = test_reference_heif_thumbnail (rotated);
  test_assert_pixbufs_equal (expected, got);

  /* Turned counter-clockwise, the red top-right corner of the pattern is now top-left. */
  pixel_at (got, 3, 3, corner);
  g_assert_cmpint (corner[0], >, 150);
  g_assert_cmpint (corner[1], <, 110);
}

/* An iPhone-shaped file: a grid primary (tiles hidden, description in idat) and a separate
 * thumbnail. libheif must accept it (whole-file decode of the grid works), and the sparse read
 * decodes the same thumbnail without fetching any tile. */
static void
test_heif_grid (void)
{
  g_autoptr(GBytes) grid = test_make_grid_heic (4, 256, 256, 256, 64);
  g_autoptr(KsIsobmffMeta) meta = parse_meta (grid);
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (TestRange));
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GdkPixbuf) expected = NULL;
  g_autoptr(GError) error = NULL;
  const KsIsobmffItem *primary;
  gint64 bytes = 0;
  guint64 tiles_read = 0;

  primary = ks_isobmff_meta_get_item (meta, ks_isobmff_meta_get_primary_id (meta));
  g_assert_cmphex (primary->type, ==, KS_FOURCC ('g','r','i','d'));
  g_assert_cmpuint (primary->construction_method, ==, 1);

  /* libheif itself reads the crafted file: the grid decodes whole. */
  {
    struct heif_context *ctx = heif_context_alloc ();
    struct heif_image_handle *handle = NULL;
    struct heif_image *image = NULL;
    struct heif_error err;

    err = heif_context_read_from_memory_without_copy (ctx, g_bytes_get_data (grid, NULL),
                                                      g_bytes_get_size (grid), NULL);
    g_assert_cmpint (err.code, ==, heif_error_Ok);
    err = heif_context_get_primary_image_handle (ctx, &handle);
    g_assert_cmpint (err.code, ==, heif_error_Ok);
    err = heif_decode_image (handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL);
    g_assert_cmpint (err.code, ==, heif_error_Ok);
    g_assert_cmpint (heif_image_get_width (image, heif_channel_interleaved), ==, 1024);
    g_assert_cmpint (heif_image_get_height (image, heif_channel_interleaved), ==, 256);
    heif_image_release (image);
    heif_image_handle_release (handle);
    heif_context_free (ctx);
  }

  stream = test_counting_stream_new_bytes (grid, &bytes, ranges);
  got = ks_heif_thumbnail_load (stream, g_bytes_get_size (grid), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 256);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 64);
  expected = test_reference_heif_thumbnail (grid);
  test_assert_pixbufs_equal (expected, got);

  /* No tile data crossed, beyond what the head read may graze. */
  for (guint n = 0; n < ks_isobmff_meta_get_n_items (meta); n++)
    {
      const KsIsobmffItem *item = ks_isobmff_meta_get_nth_item (meta, n);

      if (item->type != KS_FOURCC ('h','v','c','1') ||
          ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('t','h','m','b'), primary->id, 0) == item->id)
        continue;
      for (guint i = 0; i < ranges->len; i++)
        {
          const TestRange *r = &g_array_index (ranges, TestRange, i);
          const KsIsobmffExtent *e = &g_array_index (item->extents, KsIsobmffExtent, 0);
          guint64 lo = MAX (r->offset, e->offset);
          guint64 hi = MIN (r->offset + r->length, e->offset + e->length);

          if (hi > lo && r->offset >= KS_HEIF_HEAD_SIZE)
            tiles_read += hi - lo;
        }
    }
  g_test_message ("grid HEIC: %" G_GINT64_FORMAT " of %" G_GSIZE_FORMAT " bytes read",
                  bytes, g_bytes_get_size (grid));
  g_assert_cmpuint (tiles_read, <=, 4096);
  g_assert_cmpint (bytes, <, (gint64) g_bytes_get_size (grid) / 4);
}

static void
test_heif_scaled (void)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (heic_small);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) got = ks_heif_thumbnail_load (stream, 0, 64, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 64);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 48);
}

/* A realistic-size HEIC (≥ 1 MB, 320-px thumbnail): the sparse read stays ≤ 3 %. */
static void
test_heif_large_ratio (void)
{
  g_autoptr(GBytes) large = test_make_heic (1536, 1152, 320, TRUE, TRUE, 92, 40);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) expected = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GError) error = NULL;
  gint64 bytes = 0;
  double ratio;

  g_assert_cmpuint (g_bytes_get_size (large), >=, 1000000);
  stream = test_counting_stream_new_bytes (large, &bytes, NULL);
  got = ks_heif_thumbnail_load (stream, g_bytes_get_size (large), 0, NULL, &error);
  g_assert_no_error (error);
  expected = test_reference_heif_thumbnail (large);
  test_assert_pixbufs_equal (expected, got);

  ratio = (double) bytes / g_bytes_get_size (large);
  g_test_message ("large HEIC: %" G_GINT64_FORMAT " of %" G_GSIZE_FORMAT " bytes read (%.2f %%)",
                  bytes, g_bytes_get_size (large), 100 * ratio);
  g_assert_cmpfloat (ratio, <=, 0.03);
}

static void
test_heif_no_thumbnail (void)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (heic_nothumb);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) got = ks_heif_thumbnail_load (stream, 0, 100, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 100);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 75);
}

/* Red left half, blue right half: after a turn the halves tell which way it went. */
static GdkPixbuf *
make_halves (int width,
             int height)
{
  GdkPixbuf *p = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);

  gdk_pixbuf_fill (p, 0xff0000ff);
  {
    g_autoptr(GdkPixbuf) right = gdk_pixbuf_new_subpixbuf (p, width / 2, 0, width - width / 2, height);
    gdk_pixbuf_fill (right, 0x0000ffff);
  }
  return p;
}

static void
pixel_at (GdkPixbuf *p,
          int        x,
          int        y,
          guint8     rgb[3])
{
  const guint8 *px = gdk_pixbuf_read_pixels (p) + (gsize) y * gdk_pixbuf_get_rowstride (p) +
                     (gsize) x * gdk_pixbuf_get_n_channels (p);

  memcpy (rgb, px, 3);
}

static void
test_jpeg_exif_oriented (void)
{
  g_autoptr(GdkPixbuf) main_image = test_make_pattern (800, 600, FALSE);
  g_autoptr(GdkPixbuf) halves = make_halves (160, 120);
  g_autoptr(GBytes) jpeg = test_make_jpeg (main_image, halves, 6);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GError) error = NULL;
  gboolean used_exif = FALSE;
  gint64 bytes = 0;
  guint8 top[3], bottom[3];

  stream = test_counting_stream_new_bytes (jpeg, &bytes, NULL);
  got = ks_jpeg_thumbnail_load (stream, g_bytes_get_size (jpeg), 256, &used_exif, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (used_exif);
  /* Orientation 6 turns the 160×120 thumbnail clockwise: 120×160, red on top. */
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 120);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 160);
  pixel_at (got, 60, 20, top);
  pixel_at (got, 60, 140, bottom);
  g_assert_cmpint (top[0], >, 200);
  g_assert_cmpint (top[2], <, 60);
  g_assert_cmpint (bottom[2], >, 200);
  g_assert_cmpint (bottom[0], <, 60);
  /* Only the head was read, not the 800×600 image data. */
  g_assert_cmpint (bytes, <=, 16384);
  g_assert_cmpint (bytes, <, (gint64) g_bytes_get_size (jpeg));
}

static void
test_jpeg_full_decode (void)
{
  g_autoptr(GdkPixbuf) main_image = make_halves (800, 600);
  g_autoptr(GBytes) jpeg = test_make_jpeg (main_image, NULL, 8);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (jpeg);
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GError) error = NULL;
  gboolean used_exif = TRUE;
  guint8 top[3], bottom[3];

  got = ks_jpeg_thumbnail_load (stream, 0, 256, &used_exif, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (used_exif);
  /* Orientation 8 turns counter-clockwise: 192×256, blue on top. */
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 192);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 256);
  pixel_at (got, 96, 20, top);
  pixel_at (got, 96, 230, bottom);
  g_assert_cmpint (top[2], >, 200);
  g_assert_cmpint (bottom[0], >, 200);
}

static void
test_png_scaled (void)
{
  g_autoptr(GdkPixbuf) image = make_halves (640, 480);
  g_autofree char *png = NULL;
  gsize png_len;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GError) error = NULL;
  guint8 left[3], right[3];

  g_assert_true (gdk_pixbuf_save_to_buffer (image, &png, &png_len, "png", &error, NULL));
  bytes = g_bytes_new (png, png_len);
  stream = g_memory_input_stream_new_from_bytes (bytes);
  got = ks_thumbnailer_load_stream (stream, "DCIM/100APPLE/IMG_0001.PNG", 0, 256, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 256);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 192);
  pixel_at (got, 10, 96, left);
  pixel_at (got, 246, 96, right);
  g_assert_cmpint (left[0], ==, 255);
  g_assert_cmpint (left[2], ==, 0);
  g_assert_cmpint (right[2], ==, 255);
  g_assert_cmpint (right[0], ==, 0);
}

static void
test_video_mjpeg_poster (void)
{
  g_autoptr(GdkPixbuf) frame = make_halves (640, 480);
  g_autoptr(GBytes) jpeg = test_make_jpeg (frame, NULL, 1);
  g_autoptr(GBytes) mov = test_make_mov (jpeg, KS_FOURCC ('j','p','e','g'), 600, 1800);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (mov);
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;
  guint8 left[3];

  got = ks_thumbnailer_load_stream (stream, "IMG_0002.MOV", 0, 128, &duration, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (duration, ==, 3000);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 128);
  g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 96);
  pixel_at (got, 10, 48, left);
  g_assert_cmpint (left[0], >, 200);
}

static void
test_video_mp4_jpeg_poster (void)
{
  g_autoptr(GdkPixbuf) frame = make_halves (640, 480);
  g_autoptr(GBytes) jpeg = test_make_jpeg (frame, NULL, 1);
  g_autoptr(GBytes) mp4 = test_make_mov (jpeg, KS_FOURCC ('m','p','4','v'), 600, 1200);
  g_autoptr(GBytes) visual = g_bytes_new_static ("\x00\x00\x01\xb0\x01\x00\x00\x01\xb5", 9);
  g_autoptr(GBytes) mp4_visual = test_make_mov (visual, KS_FOURCC ('m','p','4','v'), 600, 1200);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (mp4);
  g_autoptr(GInputStream) visual_stream = g_memory_input_stream_new_from_bytes (mp4_visual);
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GdkPixbuf) none = NULL;
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;
  guint8 left[3];

  /* JPEG frames in an MP4 ('mp4v', JPEG object type) give a poster... */
  got = ks_thumbnailer_load_stream (stream, "IMG_0007.MP4", 0, 128, &duration, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (duration, ==, 2000);
  g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 128);
  pixel_at (got, 10, 48, left);
  g_assert_cmpint (left[0], >, 200);

  /* ...real MPEG-4 Visual frames do not, but still report the duration. */
  duration = 0;
  none = ks_thumbnailer_load_stream (visual_stream, "IMG_0008.MP4", 0, 128, &duration, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (none);
  g_assert_cmpint (duration, ==, 2000);
}

static void
test_video_other_codec (void)
{
  g_autoptr(GBytes) fake = g_bytes_new_static ("not really hevc", 15);
  g_autoptr(GBytes) mov = test_make_mov (fake, KS_FOURCC ('h','v','c','1'), 1000, 12345);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (mov);
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;

  got = ks_thumbnailer_load_stream (stream, "IMG_0003.MOV", 0, 128, &duration, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (got);
  g_assert_cmpint (duration, ==, 12345);
}

/* An HEVC movie from the sample library (its first camera video, IMG_0005.MOV). */
static GBytes *
sample_hevc_movie (void)
{
  g_autofree char *out = g_build_filename (tmpdir, "sample-library", NULL);
  g_autofree char *path = g_build_filename (out, "DCIM", "100APPLE", "IMG_0005.MOV", NULL);
  const char *program = g_getenv ("KS_SAMPLE_LIBRARY");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  int status = -1;

  g_assert_nonnull (program);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      const char *argv[] = { program, "--out", out, "--count", "5", "--seed", "1", "--fast", NULL };

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                   NULL, NULL, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
    }
  file = g_file_new_for_path (path);
  return g_file_load_bytes (file, NULL, NULL, &error);
}

static gpointer
cancel_later_thread (gpointer data)
{
  g_usleep (300 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* Over a slow link (every read of GStreamer's takes 0.4 s), a poster takes more than a
 * second; cancelled 0.3 s in, the call returns at once, cancelled, and no poster. */
static void
test_video_cancel (void)
{
  g_autoptr(GBytes) movie = sample_hevc_movie ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  g_autoptr(GInputStream) slow = NULL;
  g_autoptr(GInputStream) cancelled = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread;
  gint64 duration = -1, start;
  double slow_s, cancelled_s;

  g_assert_nonnull (movie);
  g_assert_true (ks_gst_poster_init (NULL));

  /* Our own moov walk is 5 reads (4 box headers, moov); GStreamer's come after. */
  slow = test_counting_stream_new_bytes (movie, NULL, NULL);
  test_counting_stream_set_delay (TEST_COUNTING_STREAM (slow), 5, 400 * 1000);
  start = g_get_monotonic_time ();
  got = ks_thumbnailer_load_stream (slow, "IMG_0005.MOV", 0, 128, &duration, NULL, &error);
  slow_s = (g_get_monotonic_time () - start) / 1e6;
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_cmpfloat (slow_s, >=, 1.2);
  g_clear_object (&got);

  cancelled = test_counting_stream_new_bytes (movie, NULL, NULL);
  test_counting_stream_set_delay (TEST_COUNTING_STREAM (cancelled), 5, 400 * 1000);
  thread = g_thread_new ("cancel-later", cancel_later_thread, cancellable);
  start = g_get_monotonic_time ();
  got = ks_thumbnailer_load_stream (cancelled, "IMG_0005.MOV", 0, 128, &duration, cancellable,
                                    &error);
  cancelled_s = (g_get_monotonic_time () - start) / 1e6;
  g_thread_join (thread);
  g_test_message ("slow link: %.2f s for the poster; cancelled after 0.3 s: back in %.2f s",
                  slow_s, cancelled_s);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (got);
  g_assert_cmpfloat (cancelled_s, <, 1.0);
  g_assert_cmpint (duration, >, 0);
}

/* The phone goes away after moov: the poster fails with that error, not "no poster" (which
 * the cache would keep for good), and the duration is known. */
static void
test_video_read_error (void)
{
  g_autoptr(GBytes) movie = sample_hevc_movie ();
  g_autoptr(GInputStream) stream = test_counting_stream_new_bytes (movie, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  gint64 duration = -1;

  test_counting_stream_set_fail (TEST_COUNTING_STREAM (stream), 5);
  got = ks_thumbnailer_load_stream (stream, "IMG_0005.MOV", 0, 128, &duration, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_null (got);
  g_assert_cmpint (duration, >, 0);
}

static void
assert_fails (GBytes     *bytes,
              const char *name)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) got = NULL;

  got = ks_thumbnailer_load_stream (stream, name, g_bytes_get_size (bytes), 256, NULL, NULL, &error);
  g_assert_null (got);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", name, error->message);
}

static void
test_corrupt_files (void)
{
  static const char garbage[] = "This is not an image, just some text pretending to be one.";
  const char *names[] = { "a.HEIC", "a.JPG", "a.PNG", "a.MOV", "a.unknown" };
  gsize heic_len = g_bytes_get_size (heic_small);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) text = g_bytes_new_static (garbage, sizeof garbage);
  g_autoptr(GBytes) heic_half = g_bytes_new_from_bytes (heic_small, 0, heic_len / 2);
  g_autoptr(GBytes) heic_head = g_bytes_new_from_bytes (heic_small, 0, 200);
  g_autoptr(GdkPixbuf) image = test_make_pattern (300, 200, FALSE);
  g_autoptr(GBytes) jpeg = test_make_jpeg (image, NULL, 1);
  g_autoptr(GBytes) jpeg_cut = g_bytes_new_from_bytes (jpeg, 0, 300);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      assert_fails (empty, names[i]);
      assert_fails (text, names[i]);
    }
  assert_fails (heic_half, "cut.HEIC");
  assert_fails (heic_head, "head.HEIC");
  assert_fails (jpeg_cut, "cut.JPG");
  assert_fails (heic_small, "heic-named.JPG");
  assert_fails (jpeg, "jpeg-named.HEIC");
  assert_fails (heic_half, "cut.MOV");
}

/* Random byte mutations of a real file's first 8 KiB (ftyp + meta + the start of mdat): the
 * parser and the whole sparse path must fail cleanly or succeed, never crash. */
static void
test_isobmff_fuzz (void)
{
  gsize len;
  const guint8 *orig = g_bytes_get_data (heic_small, &len);
  g_autofree guint8 *copy = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (1234);
  guint n_ok = 0, n_parsed = 0;
  guint n_iter = 3000;
  gsize span = MIN (len, 8192);

  for (guint iter = 0; iter < n_iter; iter++)
    {
      guint n_mut = g_rand_int_range (rand, 1, 9);
      g_autoptr(KsIsobmffMeta) meta = NULL;
      KsIsobmffBox box;

      memcpy (copy, orig, len);
      for (guint m = 0; m < n_mut; m++)
        {
          gsize at = g_rand_int_range (rand, 0, span);

          switch (g_rand_int_range (rand, 0, 4))
            {
            case 0: copy[at] = g_rand_int_range (rand, 0, 256); break;
            case 1: copy[at] ^= 1u << g_rand_int_range (rand, 0, 8); break;
            case 2: copy[at] = 0; break;
            default: copy[at] = 0xff; break;
            }
        }

      if (ks_isobmff_find_child (copy, len, 0, len, KS_FOURCC ('m','e','t','a'), &box))
        {
          meta = ks_isobmff_meta_parse (copy + box.offset, box.size, box.offset, NULL);
          if (meta != NULL)
            {
              n_parsed++;
              for (guint k = 0; k < ks_isobmff_meta_get_n_items (meta); k++)
                {
                  const KsIsobmffItem *item = ks_isobmff_meta_get_nth_item (meta, k);
                  (void) ks_isobmff_item_get_total_length (item);
                }
            }
        }

      /* The whole pipeline on a tenth of them (libheif's decode costs more). */
      if (iter % 10 == 0)
        {
          g_autoptr(GBytes) bytes = g_bytes_new_static (copy, len);
          g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
          g_autoptr(GdkPixbuf) got = ks_heif_thumbnail_load (stream, len, 64, NULL, NULL);

          if (got != NULL)
            n_ok++;
        }
    }

  g_rand_free (rand);
  g_test_message ("fuzz: %u parsed, %u decoded of %u", n_parsed, n_ok, n_iter);
  /* Single-byte damage leaves many files readable; if none were, the mutation hit nothing. */
  g_assert_cmpuint (n_parsed, >, 0);
}

/* The same for the other readers: a QuickTime movie (box tables, sample offsets) and a JPEG's
 * Exif segment (markers, lengths, libexif). */
static void
fuzz_bytes (GBytes     *orig_bytes,
            gsize       span,
            const char *name,
            guint       n_iter,
            guint32     seed)
{
  gsize len;
  const guint8 *orig = g_bytes_get_data (orig_bytes, &len);
  g_autofree guint8 *copy = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (seed);
  guint n_ok = 0;

  span = MIN (span, len);
  for (guint iter = 0; iter < n_iter; iter++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GdkPixbuf) got = NULL;
      gint64 duration;

      memcpy (copy, orig, len);
      for (guint m = g_rand_int_range (rand, 1, 6); m > 0; m--)
        copy[g_rand_int_range (rand, 0, span)] = g_rand_int_range (rand, 0, 256);

      bytes = g_bytes_new_static (copy, len);
      stream = g_memory_input_stream_new_from_bytes (bytes);
      got = ks_thumbnailer_load_stream (stream, name, len, 64, &duration, NULL, NULL);
      if (got != NULL)
        n_ok++;
    }

  g_rand_free (rand);
  g_test_message ("fuzz %s: %u of %u decoded", name, n_ok, n_iter);
  /* Light damage leaves many files readable: otherwise the fuzzing missed its target. */
  g_assert_cmpuint (n_ok, >, 0);
}

static void
test_other_fuzz (void)
{
  g_autoptr(GdkPixbuf) frame = make_halves (64, 48);
  g_autoptr(GdkPixbuf) main_image = test_make_pattern (320, 240, FALSE);
  g_autoptr(GBytes) frame_jpeg = test_make_jpeg (frame, NULL, 1);
  g_autoptr(GBytes) mov = test_make_mov (frame_jpeg, KS_FOURCC ('j','p','e','g'), 600, 600);
  g_autoptr(GBytes) jpeg = test_make_jpeg (main_image, frame, 6);
  gsize frame_len = g_bytes_get_size (frame_jpeg);

  /* The movie's boxes sit before (ftyp, mdat header) and after (moov) the frame. */
  {
    gsize mov_len = g_bytes_get_size (mov);
    g_autoptr(GBytes) moov = g_bytes_new_from_bytes (mov, 0, mov_len);

    fuzz_bytes (moov, mov_len, "fuzz.MOV", 1500, 7);
  }
  /* SOI, the APP1 Exif segment and its embedded thumbnail. */
  fuzz_bytes (jpeg, 2 + 4 + 200 + frame_len, "fuzz.JPG", 1500, 8);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  *out = g_object_ref (result);
}

static GdkPixbuf *
load_sync (KsThumbnailer  *thumbnailer,
           KsSource       *source,
           const char     *path,
           GError        **error)
{
  g_autofree char *full = g_build_filename (tmpdir, path, NULL);
  GStatBuf st;
  GAsyncResult *result = NULL;
  GdkPixbuf *pixbuf;

  g_assert_cmpint (g_stat (full, &st), ==, 0);
  ks_thumbnailer_load_async (thumbnailer, source, path, st.st_size, st.st_mtime, 128, NULL,
                             load_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  pixbuf = ks_thumbnailer_load_finish (thumbnailer, result, NULL, error);
  g_object_unref (result);
  return pixbuf;
}

static void
test_cache_hit (void)
{
  g_autofree char *cache_dir = g_build_filename (tmpdir, "cache-hit", NULL);
  g_autoptr(KsThumbnailCache) cache = ks_thumbnail_cache_new (cache_dir);
  g_autoptr(KsThumbnailer) thumbnailer = ks_thumbnailer_new (cache, 2);
  g_autoptr(TestSource) source = test_source_new (tmpdir);
  g_autoptr(GdkPixbuf) first = NULL;
  g_autoptr(GdkPixbuf) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *small_path = g_build_filename (tmpdir, "small.HEIC", NULL);
  GStatBuf st;
  gint64 small_mtime;
  gint64 bytes_after_first;

  g_assert_cmpint (g_stat (small_path, &st), ==, 0);
  small_mtime = st.st_mtime;
  first = load_sync (thumbnailer, KS_SOURCE (source), "small.HEIC", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (test_source_get_n_opens (source), ==, 1);
  bytes_after_first = test_source_get_bytes (source);
  g_assert_cmpint (bytes_after_first, >, 0);
  g_assert_cmpint (gdk_pixbuf_get_width (first), ==, 128);

  second = load_sync (thumbnailer, KS_SOURCE (source), "small.HEIC", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (test_source_get_n_opens (source), ==, 1);
  g_assert_cmpint (test_source_get_bytes (source), ==, bytes_after_first);
  test_assert_pixbufs_equal (first, second);

  /* A different mtime is a different key: the source is read again. */
  {
    g_autofree char *key = ks_thumbnail_cache_make_key ("test:x", "a", 1, 2, 128);
    g_autofree char *key2 = ks_thumbnail_cache_make_key ("test:x", "a", 1, 3, 128);
    g_autofree char *path = ks_thumbnail_cache_dup_path (cache, key);

    g_assert_cmpstr (key, !=, key2);
    g_assert_true (g_str_has_prefix (path, cache_dir));
  }

  /* Exactly one entry, an opaque photo: a JPEG, not left-over temporary files. */
  {
    g_autofree char *key = ks_thumbnail_cache_make_key (ks_source_get_id (KS_SOURCE (source)),
                                                        "small.HEIC",
                                                        g_bytes_get_size (heic_small),
                                                        small_mtime, 128);
    g_autofree char *base = ks_thumbnail_cache_dup_path (cache, key);
    g_autofree char *jpg = g_strconcat (base, ".jpg", NULL);
    g_autofree char *dir = g_path_get_dirname (base);
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    guint n = 0;

    g_assert_true (g_file_test (jpg, G_FILE_TEST_IS_REGULAR));
    while (g_dir_read_name (d) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);
  }
}

/* A video without a poster is remembered too: the second request neither opens the file
 * nor loses the duration. */
static void
test_cache_no_poster (void)
{
  g_autofree char *cache_dir = g_build_filename (tmpdir, "cache-no-poster", NULL);
  g_autoptr(KsThumbnailCache) cache = ks_thumbnail_cache_new (cache_dir);
  g_autoptr(KsThumbnailer) thumbnailer = ks_thumbnailer_new (cache, 1);
  g_autoptr(TestSource) source = test_source_new (tmpdir);
  g_autofree char *path = g_build_filename (tmpdir, "hevc.MOV", NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) got = NULL;
      GAsyncResult *result = NULL;
      gint64 duration = 0;

      ks_thumbnailer_load_async (thumbnailer, KS_SOURCE (source), "hevc.MOV", st.st_size,
                                 st.st_mtime, 64, NULL,
                                 load_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      got = ks_thumbnailer_load_finish (thumbnailer, result, &duration, &error);
      g_object_unref (result);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_null (got);
      g_assert_cmpint (duration, ==, 12345);
      g_assert_cmpuint (test_source_get_n_opens (source), ==, 1);
    }
}

typedef struct
{
  GPtrArray *order;
  guint      pending;
  guint      n_cancelled;
} Collect;

static void
collect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Collect *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  pixbuf = ks_thumbnailer_load_finish (KS_THUMBNAILER (object), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    c->n_cancelled++;
  else
    g_ptr_array_add (c->order, g_strdup ("ran although cancelled"));
  c->pending--;
}

static void
order_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Collect *c = g_object_get_data (G_OBJECT (user_data), "collect");

  g_ptr_array_add (c->order, g_strdup (g_object_get_data (G_OBJECT (user_data), "name")));
  {
    g_autoptr(GdkPixbuf) pixbuf = ks_thumbnailer_load_finish (KS_THUMBNAILER (object), result,
                                                              NULL, NULL);
  }
  c->pending--;
  g_object_unref (user_data);
}

static void
test_pool_cancel_and_order (void)
{
  g_autofree char *cache_dir = g_build_filename (tmpdir, "cache-pool", NULL);
  g_autoptr(KsThumbnailCache) cache = ks_thumbnail_cache_new (cache_dir);
  g_autoptr(KsThumbnailer) thumbnailer = ks_thumbnailer_new (cache, 1);
  g_autoptr(TestSource) source = test_source_new (tmpdir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Collect c = { g_ptr_array_new_with_free_func (g_free), 0, 0 };
  const char *names[] = { "a.png", "b.png", "c.png" };

  /* Hold the only worker at the source's gate with a first request. */
  test_source_set_gate (source, TRUE);
  c.pending++;
  {
    GObject *tag = g_object_new (G_TYPE_OBJECT, NULL);
    g_object_set_data (tag, "collect", &c);
    g_object_set_data_full (tag, "name", g_strdup ("blocker"), g_free);
    ks_thumbnailer_load_async (thumbnailer, KS_SOURCE (source), "small.HEIC", 1, 1, 64, NULL,
                               order_cb, tag);
  }
  test_source_wait_blocked (source);

  /* Ten requests cancelled while queued: dropped before any work. */
  for (guint i = 0; i < 10; i++)
    {
      c.pending++;
      ks_thumbnailer_load_async (thumbnailer, KS_SOURCE (source), "nothumb.HEIC", i, 0, 64,
                                 cancellable, collect_cb, &c);
    }
  g_cancellable_cancel (cancellable);

  /* Three live requests: the newest must run first. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GObject *tag = g_object_new (G_TYPE_OBJECT, NULL);

      g_object_set_data (tag, "collect", &c);
      g_object_set_data_full (tag, "name", g_strdup (names[i]), g_free);
      c.pending++;
      ks_thumbnailer_load_async (thumbnailer, KS_SOURCE (source), names[i], 1, 1, 64, NULL,
                                 order_cb, tag);
    }

  test_source_set_gate (source, FALSE);
  while (c.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (c.n_cancelled, ==, 10);
  g_assert_cmpuint (ks_thumbnailer_get_n_started (thumbnailer), ==, 4);
  g_assert_cmpuint (test_source_get_n_opens (source), ==, 4);
  g_assert_cmpuint (c.order->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (c.order, 0), ==, "blocker");
  g_assert_cmpstr (g_ptr_array_index (c.order, 1), ==, "c.png");
  g_assert_cmpstr (g_ptr_array_index (c.order, 2), ==, "b.png");
  g_assert_cmpstr (g_ptr_array_index (c.order, 3), ==, "a.png");

  g_ptr_array_unref (c.order);
}

static void
test_missing_file (void)
{
  g_autofree char *cache_dir = g_build_filename (tmpdir, "cache-missing", NULL);
  g_autoptr(KsThumbnailCache) cache = ks_thumbnail_cache_new (cache_dir);
  g_autoptr(KsThumbnailer) thumbnailer = ks_thumbnailer_new (cache, 1);
  g_autoptr(TestSource) source = test_source_new (tmpdir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) got = NULL;
  GAsyncResult *result = NULL;

  ks_thumbnailer_load_async (thumbnailer, KS_SOURCE (source), "absent.HEIC", 10, 10, 64, NULL,
                             load_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  got = ks_thumbnailer_load_finish (thumbnailer, result, NULL, &error);
  g_object_unref (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (got);
}

static void
write_png (const char *name,
           int         w,
           int         h)
{
  g_autoptr(GdkPixbuf) image = make_halves (w, h);
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (gdk_pixbuf_save (image, path, "png", &error, NULL));
}

static void
rm_rf (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) e = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                            NULL, NULL);
  GFileInfo *info;

  while (e != NULL && (info = g_file_enumerator_next_file (e, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        rm_rf (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  tmpdir = g_dir_make_tmp ("ks-test-thumb-XXXXXX", &error);
  g_assert_no_error (error);

  heic_small = test_make_heic (640, 480, 160, TRUE, TRUE, 60, 60);
  heic_nothumb = test_make_heic (320, 240, 0, FALSE, FALSE, 60, 60);
  {
    g_autofree char *p1 = g_build_filename (tmpdir, "small.HEIC", NULL);
    g_autofree char *p2 = g_build_filename (tmpdir, "nothumb.HEIC", NULL);

    test_write_file (p1, heic_small);
    test_write_file (p2, heic_nothumb);
  }
  {
    g_autoptr(GBytes) fake = g_bytes_new_static ("not really hevc", 15);
    g_autoptr(GBytes) mov = test_make_mov (fake, KS_FOURCC ('h','v','c','1'), 1000, 12345);
    g_autofree char *p = g_build_filename (tmpdir, "hevc.MOV", NULL);

    test_write_file (p, mov);
  }
  write_png ("a.png", 200, 100);
  write_png ("b.png", 100, 200);
  write_png ("c.png", 150, 150);

  g_test_add_func ("/Keepsake/Thumbnails/isobmff/box-headers", test_isobmff_box_headers);
  g_test_add_func ("/Keepsake/Thumbnails/isobmff/wide-meta", test_isobmff_wide_meta);
  g_test_add_func ("/Keepsake/Thumbnails/isobmff/parse", test_isobmff_parse);
  g_test_add_func ("/Keepsake/Thumbnails/isobmff/fuzz", test_isobmff_fuzz);
  g_test_add_func ("/Keepsake/Thumbnails/fuzz-other", test_other_fuzz);
  g_test_add_func ("/Keepsake/Thumbnails/heif/sparse-identical", test_heif_sparse_identical);
  g_test_add_func ("/Keepsake/Thumbnails/heif/scaled", test_heif_scaled);
  g_test_add_func ("/Keepsake/Thumbnails/heif/rotated", test_heif_rotated);
  g_test_add_func ("/Keepsake/Thumbnails/heif/grid", test_heif_grid);
  g_test_add_func ("/Keepsake/Thumbnails/heif/large-ratio", test_heif_large_ratio);
  g_test_add_func ("/Keepsake/Thumbnails/heif/no-thumbnail", test_heif_no_thumbnail);
  g_test_add_func ("/Keepsake/Thumbnails/jpeg/exif-oriented", test_jpeg_exif_oriented);
  g_test_add_func ("/Keepsake/Thumbnails/jpeg/full-decode", test_jpeg_full_decode);
  g_test_add_func ("/Keepsake/Thumbnails/png/scaled", test_png_scaled);
  g_test_add_func ("/Keepsake/Thumbnails/video/mjpeg-poster", test_video_mjpeg_poster);
  g_test_add_func ("/Keepsake/Thumbnails/video/mp4-jpeg-poster", test_video_mp4_jpeg_poster);
  g_test_add_func ("/Keepsake/Thumbnails/video/other-codec", test_video_other_codec);
  g_test_add_func ("/Keepsake/Thumbnails/video/cancel", test_video_cancel);
  g_test_add_func ("/Keepsake/Thumbnails/video/read-error", test_video_read_error);
  g_test_add_func ("/Keepsake/Thumbnails/corrupt", test_corrupt_files);
  g_test_add_func ("/Keepsake/Thumbnails/pool/cache-hit", test_cache_hit);
  g_test_add_func ("/Keepsake/Thumbnails/pool/cache-no-poster", test_cache_no_poster);
  g_test_add_func ("/Keepsake/Thumbnails/pool/cancel-and-order", test_pool_cancel_and_order);
  g_test_add_func ("/Keepsake/Thumbnails/pool/missing-file", test_missing_file);

  ret = g_test_run ();

  rm_rf (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&heic_small, g_bytes_unref);
  g_clear_pointer (&heic_nothumb, g_bytes_unref);
  return ret;
}
