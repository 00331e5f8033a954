/* test-metadata.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Capture dates from real HEIC (libheif + libexif), JPEG (gdk-pixbuf + Exif APP1) and
 * hand-built QuickTime files; broken inputs give no date; the sample library's files
 * all yield their capture time. */

#include "config.h"

#include <string.h>
#include <utime.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <libexif/exif-data.h>
#include <libheif/heif.h>

#include "ks-asset-grouper.h"
#include "ks-folder-source.h"
#include "ks-metadata.h"

#include "ks-test-media.h"
#include "test-engine-util.h"

#if defined(__SANITIZE_ADDRESS__)
# include <sanitizer/lsan_interface.h>
/* libx265 3.5 never frees some FrameFilter allocations (x265_encoder_close misses
 * them): the encoder's leak, not ours, so LeakSanitizer looks away while encoding. */
# define X265_LEAKS_BEGIN() __lsan_disable ()
# define X265_LEAKS_END()   __lsan_enable ()
#else
# define X265_LEAKS_BEGIN()
# define X265_LEAKS_END()
#endif

/* 2024-06-15 14:30:00 at +02:00 = 12:30:00 UTC */
#define CAPTURE_UTC G_GINT64_CONSTANT (1718454600)
#define MAC_EPOCH_DELTA G_GINT64_CONSTANT (2082844800)

static void
add_ascii (ExifData   *ed,
           ExifIfd     ifd,
           ExifTag     tag,
           const char *value)
{
  ExifMem *mem = exif_mem_new_default ();
  ExifEntry *entry = exif_entry_new_mem (mem);
  gsize size = strlen (value) + 1;

  entry->data = exif_mem_alloc (mem, size);
  memcpy (entry->data, value, size);
  entry->size = size;
  entry->components = size;
  entry->format = EXIF_FORMAT_ASCII;
  entry->tag = tag;
  exif_content_add_entry (ed->ifd[ifd], entry);
  exif_entry_unref (entry);
  exif_mem_unref (mem);
}

/* "Exif\0\0" + TIFF, as in a JPEG APP1 segment. */
static GBytes *
build_exif (const char *date,
            const char *offset,
            guint       orientation)
{
  ExifData *ed = exif_data_new ();
  ExifEntry *entry;
  unsigned char *buf = NULL;
  unsigned int len = 0;
  GBytes *bytes;

  exif_data_unset_option (ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_set_byte_order (ed, EXIF_BYTE_ORDER_INTEL);
  exif_data_set_data_type (ed, EXIF_DATA_TYPE_COMPRESSED);

  entry = exif_entry_new ();
  exif_content_add_entry (ed->ifd[EXIF_IFD_0], entry);
  exif_entry_initialize (entry, EXIF_TAG_ORIENTATION);
  exif_set_short (entry->data, EXIF_BYTE_ORDER_INTEL, orientation);
  exif_entry_unref (entry);

  if (date != NULL)
    add_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, date);
  if (offset != NULL)
    add_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, offset);

  exif_data_save_data (ed, &buf, &len);
  g_assert_nonnull (buf);
  g_assert_cmpuint (len, >, 6);
  g_assert_cmpint (memcmp (buf, "Exif\0\0", 6), ==, 0);
  bytes = g_bytes_new (buf, len);
  free (buf);
  exif_data_unref (ed);

  return bytes;
}

static GdkPixbuf *
tiny_pixbuf (void)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  return pixbuf;
}

static GBytes *
make_jpeg (const char *date,
           const char *offset,
           guint       orientation)
{
  g_autoptr(GdkPixbuf) pixbuf = tiny_pixbuf ();
  g_autoptr(GError) error = NULL;
  g_autofree char *jpeg = NULL;
  g_autoptr(GBytes) exif = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize jpeg_len = 0;
  gsize exif_len;
  guint8 app1[4];

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &jpeg_len, "jpeg", &error, NULL));
  g_assert_no_error (error);
  g_assert_cmpuint ((guchar) jpeg[0], ==, 0xff);
  g_assert_cmpuint ((guchar) jpeg[1], ==, 0xd8);

  /* SOI, then our APP1, then the rest of the encoder's JPEG. */
  exif = build_exif (date, offset, orientation);
  exif_len = g_bytes_get_size (exif);
  app1[0] = 0xff;
  app1[1] = 0xe1;
  app1[2] = (exif_len + 2) >> 8;
  app1[3] = (exif_len + 2) & 0xff;
  g_byte_array_append (out, (const guint8 *) jpeg, 2);
  g_byte_array_append (out, app1, 4);
  g_byte_array_append (out, g_bytes_get_data (exif, NULL), exif_len);
  g_byte_array_append (out, (const guint8 *) jpeg + 2, jpeg_len - 2);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
make_heic (const char *date,
           const char *offset,
           guint       orientation)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_encoder *encoder = NULL;
  struct heif_image *image = NULL;
  struct heif_image_handle *handle = NULL;
  struct heif_writer writer = { 1, ks_test_heif_write_cb };
  struct heif_error err;
  g_autoptr(GBytes) exif = build_exif (date, offset, orientation);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 *plane;
  int stride;

  err = heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &encoder);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  heif_encoder_set_lossy_quality (encoder, 30);

  err = heif_image_create (64, 48, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &image);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  err = heif_image_add_plane (image, heif_channel_interleaved, 64, 48, 8);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  plane = heif_image_get_plane (image, heif_channel_interleaved, &stride);
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++)
      {
        plane[y * stride + 3 * x + 0] = x * 4;
        plane[y * stride + 3 * x + 1] = y * 5;
        plane[y * stride + 3 * x + 2] = 128;
      }

  X265_LEAKS_BEGIN ();
  err = heif_context_encode_image (ctx, image, encoder, NULL, &handle);
  X265_LEAKS_END ();
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  /* libheif finds the TIFF header behind "Exif\0\0" and records the offset. */
  err = heif_context_add_exif_metadata (ctx, handle, g_bytes_get_data (exif, NULL), (int) g_bytes_get_size (exif));
  g_assert_cmpint (err.code, ==, heif_error_Ok);

  err = heif_context_write (ctx, &writer, out);
  g_assert_cmpint (err.code, ==, heif_error_Ok);

  heif_image_handle_release (handle);
  heif_image_release (image);
  heif_encoder_release (encoder);
  heif_context_free (ctx);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
put_mvhd (GByteArray *b,
          guint       version,
          gint64      unix_created,
          guint32     timescale,
          guint64     duration)
{
  guint box = ks_test_box_begin (b, "mvhd");
  guint64 mac = unix_created > 0 ? (guint64) (unix_created + MAC_EPOCH_DELTA) : 0;

  ks_test_put32 (b, version << 24);
  if (version == 1)
    {
      ks_test_put64 (b, mac);
      ks_test_put64 (b, mac);
      ks_test_put32 (b, timescale);
      ks_test_put64 (b, duration);
    }
  else
    {
      ks_test_put32 (b, (guint32) mac);
      ks_test_put32 (b, (guint32) mac);
      ks_test_put32 (b, timescale);
      ks_test_put32 (b, (guint32) duration);
    }
  /* rate, volume, reserved, matrix, pre-defined, next track id */
  for (guint i = 0; i < 20; i++)
    ks_test_put32 (b, 0);
  ks_test_box_end (b, box);
}

static void
put_qt_meta (GByteArray *b,
             gboolean    full_box,
             const char *creationdate)
{
  static const char * const keys[] = { "com.apple.quicktime.make", "com.apple.quicktime.creationdate" };
  guint meta = ks_test_box_begin (b, "meta");
  guint box;

  if (full_box)
    ks_test_put32 (b, 0);

  box = ks_test_box_begin (b, "hdlr");
  ks_test_put32 (b, 0);
  ks_test_put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) "mdta", 4);
  ks_test_put32 (b, 0); ks_test_put32 (b, 0); ks_test_put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) "", 1);
  ks_test_box_end (b, box);

  box = ks_test_box_begin (b, "keys");
  ks_test_put32 (b, 0);
  ks_test_put32 (b, G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      ks_test_put32 (b, 8 + strlen (keys[i]));
      g_byte_array_append (b, (const guint8 *) "mdta", 4);
      g_byte_array_append (b, (const guint8 *) keys[i], strlen (keys[i]));
    }
  ks_test_box_end (b, box);

  box = ks_test_box_begin (b, "ilst");
  {
    const char *values[] = { "Apple", creationdate };

    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        guint item = b->len, data;

        ks_test_put32 (b, 0);
        ks_test_put32 (b, i + 1);
        data = ks_test_box_begin (b, "data");
        ks_test_put32 (b, 1);
        ks_test_put32 (b, 0);
        g_byte_array_append (b, (const guint8 *) values[i], strlen (values[i]));
        ks_test_box_end (b, data);
        ks_test_box_end (b, item);
      }
  }
  ks_test_box_end (b, box);
  ks_test_box_end (b, meta);
}

typedef enum
{
  MOV_MOOV_AT_END = 1 << 0,
  MOV_MVHD_V1     = 1 << 1,
  MOV_NO_META     = 1 << 2,
  MOV_FULLBOX_META = 1 << 3,
} MovFlags;

static GBytes *
make_mov (MovFlags    flags,
          gint64      mvhd_created,
          const char *creationdate)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  GByteArray *moov = g_byte_array_new ();
  guint box;

  box = ks_test_box_begin (moov, "moov");
  put_mvhd (moov, (flags & MOV_MVHD_V1) ? 1 : 0, mvhd_created, 600, 600 * 3 + 300);
  if (!(flags & MOV_NO_META))
    put_qt_meta (moov, !!(flags & MOV_FULLBOX_META), creationdate);
  ks_test_box_end (moov, box);

  box = ks_test_box_begin (b, "ftyp");
  g_byte_array_append (b, (const guint8 *) "qt  ", 4);
  ks_test_put32 (b, 0);
  g_byte_array_append (b, (const guint8 *) "qt  ", 4);
  ks_test_box_end (b, box);

  if (!(flags & MOV_MOOV_AT_END))
    g_byte_array_append (b, moov->data, moov->len);

  box = ks_test_box_begin (b, "wide");
  ks_test_box_end (b, box);
  box = ks_test_box_begin (b, "mdat");
  for (guint i = 0; i < 300000; i++)
    g_byte_array_append (b, (const guint8 *) "\xab", 1);
  ks_test_box_end (b, box);

  if (flags & MOV_MOOV_AT_END)
    g_byte_array_append (b, moov->data, moov->len);

  g_byte_array_unref (moov);
  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}

static char *
write_temp (GBytes     *bytes,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-meta-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
assert_same (const KsMetadata *a,
             const KsMetadata *b)
{
  g_assert_cmpint (a->format, ==, b->format);
  g_assert_cmpint (a->has_capture_time, ==, b->has_capture_time);
  g_assert_cmpint (a->capture_time, ==, b->capture_time);
  g_assert_cmpint (a->has_utc_offset, ==, b->has_utc_offset);
  g_assert_cmpint (a->utc_offset, ==, b->utc_offset);
  g_assert_cmpuint (a->orientation, ==, b->orientation);
  g_assert_cmpfloat (a->duration, ==, b->duration);
}

/* Feeds @bytes to a KsMetadataReader in @chunk-sized pieces. */
static void
parse_streamed (GBytes     *bytes,
                gsize       chunk,
                KsMetadata *md)
{
  g_autoptr(KsMetadataReader) reader = ks_metadata_reader_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize at = 0; at < len; at += chunk)
    ks_metadata_reader_feed (reader, data + at, MIN (chunk, len - at));
  ks_metadata_reader_finish (reader, md);
}

/* Parses @bytes from memory, from a file through a seekable stream, and fed in
 * chunks of several sizes; all must agree. */
static void
parse_both (GBytes     *bytes,
            KsMetadata *md)
{
  g_autofree char *path = write_temp (bytes, "sample");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  KsMetadata from_stream;

  ks_metadata_parse_bytes (bytes, md);

  stream = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ks_metadata_read_stream (G_INPUT_STREAM (stream), &from_stream, NULL, &error));
  g_assert_no_error (error);

  assert_same (&from_stream, md);

  {
    static const gsize chunks[] = { 1, 7, 31, 32, 33, 4096, 65536, G_MAXSIZE };

    for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
      {
        KsMetadata streamed;

        /* Byte by byte is slow for big fixtures and proves nothing more. */
        if (chunks[i] < 32 && g_bytes_get_size (bytes) > 100000)
          continue;
        parse_streamed (bytes, chunks[i], &streamed);
        assert_same (&streamed, md);
      }
  }

  g_clear_object (&stream);
  remove_temp (path);
}

static void
test_jpeg (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg ("2024:06:15 14:30:00", "+02:00", 6);
  g_autoptr(GBytes) head = g_bytes_new_from_bytes (jpeg, 0, MIN (g_bytes_get_size (jpeg), 4096));
  g_autoptr(GBytes) no_offset = make_jpeg ("2024:06:15 14:30:00", NULL, 1);
  g_autoptr(GBytes) no_date = make_jpeg (NULL, NULL, 3);
  g_autoptr(GBytes) zero_date = make_jpeg ("0000:00:00 00:00:00", NULL, 1);
  g_autoptr(GDateTime) expected_local = NULL;
  KsMetadata md;

  parse_both (jpeg, &md);
  g_assert_cmpint (md.format, ==, KS_ASSET_KIND_JPEG);
  g_assert_true (md.has_capture_time);
  g_assert_cmpint (md.capture_time, ==, CAPTURE_UTC);
  g_assert_true (md.has_utc_offset);
  g_assert_cmpint (md.utc_offset, ==, 7200);
  g_assert_cmpuint (md.orientation, ==, 6);

  /* The head of the file is enough for a JPEG. */
  g_assert_true (ks_metadata_parse_bytes (head, &md));
  g_assert_cmpint (md.capture_time, ==, CAPTURE_UTC);

  /* Without OffsetTimeOriginal the wall clock is read in the local zone (UTC here). */
  parse_both (no_offset, &md);
  expected_local = g_date_time_new_local (2024, 6, 15, 14, 30, 0);
  g_assert_true (md.has_capture_time);
  g_assert_false (md.has_utc_offset);
  g_assert_cmpint (md.capture_time, ==, g_date_time_to_unix (expected_local));

  parse_both (no_date, &md);
  g_assert_false (md.has_capture_time);
  g_assert_cmpuint (md.orientation, ==, 3);
  g_assert_cmpint (ks_metadata_get_capture_time (&md, 42), ==, 42);

  parse_both (zero_date, &md);
  g_assert_false (md.has_capture_time);
}

static void
test_heic (void)
{
  g_autoptr(GBytes) heic = make_heic ("2024:06:15 14:30:00", "+02:00", 8);
  g_autoptr(GBytes) tiny = NULL;
  KsMetadata md;

  parse_both (heic, &md);
  g_assert_cmpint (md.format, ==, KS_ASSET_KIND_HEIC);
  g_assert_true (md.has_capture_time);
  g_assert_cmpint (md.capture_time, ==, CAPTURE_UTC);
  g_assert_cmpint (md.utc_offset, ==, 7200);
  g_assert_cmpuint (md.orientation, ==, 8);

  /* Truncated to its first bytes: no date, no crash. */
  tiny = g_bytes_new_from_bytes (heic, 0, 64);
  g_assert_false (ks_metadata_parse_bytes (tiny, &md));
  g_assert_cmpint (md.format, ==, KS_ASSET_KIND_HEIC);
}

static void
test_quicktime (void)
{
  static const struct {
    MovFlags    flags;
    gint64      mvhd;
    const char *creationdate;
    gint64      expected;
    gboolean    has_offset;
  } cases[] = {
    /* creationdate (with its offset) wins over mvhd */
    { 0, CAPTURE_UTC + 5, "2024-06-15T14:30:00+0200", CAPTURE_UTC, TRUE },
    { MOV_MOOV_AT_END, CAPTURE_UTC + 5, "2024-06-15T14:30:00+0200", CAPTURE_UTC, TRUE },
    { MOV_FULLBOX_META, CAPTURE_UTC + 5, "2024-06-15T14:30:00+02:00", CAPTURE_UTC, TRUE },
    /* mvhd alone, both versions */
    { MOV_NO_META, CAPTURE_UTC + 7, NULL, CAPTURE_UTC + 7, FALSE },
    { MOV_NO_META | MOV_MVHD_V1 | MOV_MOOV_AT_END, CAPTURE_UTC + 9, NULL, CAPTURE_UTC + 9, FALSE },
    /* an unparsable creationdate falls back to mvhd */
    { 0, CAPTURE_UTC + 11, "yesterday", CAPTURE_UTC + 11, FALSE },
    /* mvhd 0 = unknown */
    { MOV_NO_META, 0, NULL, -1, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) mov = make_mov (cases[i].flags, cases[i].mvhd, cases[i].creationdate);
      KsMetadata md;

      g_test_message ("case %u", i);
      parse_both (mov, &md);
      g_assert_cmpint (md.format, ==, KS_ASSET_KIND_MOV);
      if (cases[i].expected < 0)
        g_assert_false (md.has_capture_time);
      else
        {
          g_assert_true (md.has_capture_time);
          g_assert_cmpint (md.capture_time, ==, cases[i].expected);
        }
      g_assert_cmpint (md.has_utc_offset, ==, cases[i].has_offset);
      g_assert_cmpfloat_with_epsilon (md.duration, 3.5, 1e-9);

      /* With moov at the end, the head of the file has no date. */
      if (cases[i].flags & MOV_MOOV_AT_END)
        {
          g_autoptr(GBytes) head = g_bytes_new_from_bytes (mov, 0, 65536);
          g_assert_false (ks_metadata_parse_bytes (head, &md));
        }
    }
}

static void
test_broken_inputs (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg ("2024:06:15 14:30:00", "+02:00", 6);
  g_autoptr(GBytes) heic = make_heic ("2024:06:15 14:30:00", "+02:00", 1);
  g_autoptr(GBytes) mov = make_mov (MOV_MOOV_AT_END, CAPTURE_UTC, "2024-06-15T14:30:00+0200");
  GBytes *samples[] = { jpeg, heic, mov };
  GRand *rand = g_rand_new_with_seed (1234);
  KsMetadata md;

  /* Zero bytes, from memory and from an empty file. */
  g_assert_false (ks_metadata_parse_data (NULL, 0, &md));
  g_assert_cmpint (md.format, ==, KS_ASSET_KIND_UNKNOWN);
  {
    g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
    parse_both (empty, &md);
    g_assert_false (md.has_capture_time);
  }

  /* Truncations at many points: never a crash, never a wrong date. */
  for (guint s = 0; s < G_N_ELEMENTS (samples); s++)
    {
      gsize len = g_bytes_get_size (samples[s]);
      gsize cuts[] = { 1, 2, 3, 4, 7, 8, 11, 12, 16, 20, 24, 31, 40, 64, 100, 200, 512, 1000, len / 3, len / 2, len - 1 };

      for (guint c = 0; c < G_N_ELEMENTS (cuts); c++)
        {
          g_autoptr(GBytes) cut = g_bytes_new_from_bytes (samples[s], 0, MIN (cuts[c], len));

          if (ks_metadata_parse_bytes (cut, &md))
            g_assert_cmpint (md.capture_time, ==, CAPTURE_UTC);
        }
      {
        g_autoptr(GBytes) cut = g_bytes_new_from_bytes (samples[s], 0, len / 2);
        parse_both (cut, &md);
      }
    }

  /* Flipped bytes in the headers (where parsers are fragile). */
  for (guint round = 0; round < 300; round++)
    {
      GBytes *sample = samples[round % G_N_ELEMENTS (samples)];
      gsize len = g_bytes_get_size (sample);
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (sample, NULL), len);

      for (guint k = 0; k < 4; k++)
        {
          gsize at = g_rand_int_range (rand, 0, (gint32) MIN (len, 2048));

          copy[at] = (guint8) g_rand_int_range (rand, 0, 256);
        }
      /* moov sits at the end of the MOV sample: damage it too. */
      if (sample == mov)
        copy[len - 1 - g_rand_int_range (rand, 0, 400)] ^= 0xff;

      ks_metadata_parse_data (copy, len, &md);
      g_assert_cmpuint (md.orientation, >=, 1);
      {
        g_autoptr(GBytes) damaged = g_bytes_new_static (copy, len);
        KsMetadata streamed;

        /* In memory, libheif gets a second chance the streamed reader lacks;
         * beyond that both see the same bytes. */
        parse_streamed (damaged, 4093, &streamed);
        if (streamed.has_capture_time)
          {
            g_assert_true (md.has_capture_time);
            g_assert_cmpint (streamed.capture_time, ==, md.capture_time);
          }
      }
      g_assert_cmpuint (md.orientation, <=, 8);
    }

  /* Pure noise. */
  for (guint round = 0; round < 200; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 4096);
      g_autofree guint8 *noise = g_malloc (len + 1);

      for (gsize i = 0; i < len; i++)
        noise[i] = (guint8) g_rand_int_range (rand, 0, 256);
      /* Give some of them a plausible magic. */
      if (len >= 12 && round % 3 == 0)
        memcpy (noise + 4, round % 2 ? "ftypheic" : "ftypqt  ", 8);
      if (len >= 3 && round % 3 == 1)
        memcpy (noise, "\xff\xd8\xff", 3);

      ks_metadata_parse_data (noise, len, &md);
    }

  g_rand_free (rand);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  KsMetadata *md = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_metadata_load_for_asset_finish (KS_SOURCE (object), result, md, &error));
  g_assert_no_error (error);
  g_object_set_data (G_OBJECT (object), "done", GINT_TO_POINTER (1));
}

static void
test_sample_library (void)
{
  const char *tool = g_getenv ("KS_SAMPLE_LIBRARY");
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  guint n_dated = 0;

  /* test_env always provides the generator; failing here beats skipping. */
  g_assert_nonnull (tool);

  root = g_dir_make_tmp ("ks-meta-lib-XXXXXX", &error);
  g_assert_no_error (error);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                           tool, "--out", root, "--count", "40", "--fast", "--seed", "11", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);

  folder = g_file_new_for_path (root);
  source = ks_folder_source_new (folder);
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, files, NULL, &error));
  g_assert_no_error (error);
  assets = ks_asset_group_files (ks_source_get_id (KS_SOURCE (source)), files);
  g_assert_cmpuint (assets->len, ==, 40);

  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);
      KsAssetKind kind = ks_asset_get_kind (asset);
      gint64 mtime = ks_asset_get_capture_time (asset);
      KsMetadata md;

      ks_metadata_init (&md);
      ks_metadata_load_for_asset_async (KS_SOURCE (source), asset, NULL, load_cb, &md);
      while (g_object_get_data (G_OBJECT (source), "done") == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_object_set_data (G_OBJECT (source), "done", NULL);

      if (kind == KS_ASSET_KIND_PNG)
        {
          /* Screenshots carry no date: the mtime stays. */
          g_assert_false (md.has_capture_time);
          continue;
        }

      g_test_message ("%s: %" G_GINT64_FORMAT " vs mtime %" G_GINT64_FORMAT,
                      ks_asset_get_key (asset), md.capture_time, mtime);
      g_assert_true (md.has_capture_time);
      /* The generator stamps each file's mtime with its capture time. */
      g_assert_cmpint (md.capture_time, ==, mtime);
      if (ks_asset_get_media_type (asset) == KS_MEDIA_TYPE_VIDEO)
        g_assert_cmpfloat (md.duration, >, 0);

      /* As an import sees it: the whole file once, in chunks. */
      {
        g_autoptr(GInputStream) stream = ks_source_open_file (KS_SOURCE (source), ks_asset_get_key (asset), NULL, &error);
        g_autoptr(GBytes) whole = NULL;
        KsMetadata streamed;

        g_assert_no_error (error);
        whole = g_input_stream_read_bytes (stream, 64 * 1024 * 1024, NULL, &error);
        g_assert_no_error (error);
        parse_streamed (whole, 65536, &streamed);
        assert_same (&streamed, &md);
      }

      ks_metadata_apply (&md, asset);
      g_assert_true (ks_asset_get_capture_time_is_exact (asset));
      g_assert_cmpint (ks_asset_get_capture_time (asset), ==, md.capture_time);
      if (md.has_utc_offset)
        {
          int offset = 1;

          g_assert_true (ks_asset_get_utc_offset (asset, &offset));
          g_assert_cmpint (offset, ==, md.utc_offset);
        }
      n_dated++;
    }
  g_assert_cmpuint (n_dated, >, 30);

  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "rm", "-rf", root, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (rm, NULL, &error));
  }
}

int
main (int   argc,
      char *argv[])
{
  /* Exif times without an offset are read in the local zone: pin it. */
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/Model/metadata/jpeg", test_jpeg);
  g_test_add_func ("/Keepsake/Model/metadata/heic", test_heic);
  g_test_add_func ("/Keepsake/Model/metadata/quicktime", test_quicktime);
  g_test_add_func ("/Keepsake/Model/metadata/broken-inputs", test_broken_inputs);
  g_test_add_func ("/Keepsake/Model/metadata/sample-library", test_sample_library);

  return g_test_run ();
}
