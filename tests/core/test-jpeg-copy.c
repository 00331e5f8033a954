/* test-jpeg-copy.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* JPEG copies of HEIC photos: the converter checked by independent readers (exiftool from
 * Debian, heif-convert's own output, gdk-pixbuf), and the job on a real folder destination
 * (derived index lines, resuming, damaged originals, cancelling), and the backup service
 * running it after an import when the plan asks. */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <lcms2.h>
#include <libexif/exif-data.h>
#include <libheif/heif.h>

#include "ks-backup-plan.h"
#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-hash.h"
#include "ks-jpeg-copy.h"
#include "ks-jpeg-copy-job.h"

#include "ks-test-media.h"
#include "test-engine-util.h"
#include "test-thumb-util.h"

#define DATE_ORIGINAL "2024:05:17 09:41:07"
#define MODEL         "iPhone 15 Pro"

/* ---- fixtures: HEICs as an iPhone writes them ---- */

typedef struct
{
  int          width;
  int          height;
  guint        orientation;  /* 1–8: irot/imir and the Exif tag */
  GBytes      *icc;          /* (nullable) */
  int          nclx_primaries; /* 0: libheif's default */
  const guint8 *solid;       /* (nullable) one colour instead of the pattern */
  gboolean     no_exif;
} HeicSpec;

static ExifEntry *
add_entry (ExifData   *ed,
           ExifIfd     ifd,
           ExifTag     tag,
           ExifFormat  format,
           guint       components)
{
  ExifEntry *e = exif_entry_new ();

  e->tag = tag;
  e->format = format;
  e->components = components;
  e->size = exif_format_get_size (format) * components;
  e->data = calloc (1, e->size);
  exif_content_add_entry (ed->ifd[ifd], e);
  exif_entry_unref (e);
  return e;
}

static void
add_ascii (ExifData   *ed,
           ExifIfd     ifd,
           ExifTag     tag,
           const char *value)
{
  ExifEntry *e = add_entry (ed, ifd, tag, EXIF_FORMAT_ASCII, strlen (value) + 1);

  memcpy (e->data, value, strlen (value) + 1);
}

static void
add_dms (ExifData *ed,
         ExifTag   tag,
         guint     deg,
         guint     min,
         guint     sec_x100)
{
  ExifEntry *e = add_entry (ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 3);
  ExifRational r[3] = { { deg, 1 }, { min, 1 }, { sec_x100, 100 } };

  for (guint i = 0; i < 3; i++)
    exif_set_rational (e->data + 8 * i, EXIF_BYTE_ORDER_MOTOROLA, r[i]);
}

/* "Exif\0\0" + big-endian TIFF: orientation, model, capture date, GPS. */
static GBytes *
make_exif (guint orientation)
{
  ExifData *ed = exif_data_new ();
  ExifEntry *e;
  unsigned char *buf = NULL;
  unsigned int len = 0;
  GBytes *bytes;

  exif_data_set_byte_order (ed, EXIF_BYTE_ORDER_MOTOROLA);
  e = add_entry (ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1);
  exif_set_short (e->data, EXIF_BYTE_ORDER_MOTOROLA, orientation);
  add_ascii (ed, EXIF_IFD_0, EXIF_TAG_MAKE, "Apple");
  add_ascii (ed, EXIF_IFD_0, EXIF_TAG_MODEL, MODEL);
  add_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, DATE_ORIGINAL);
  add_ascii (ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, "N");
  add_dms (ed, EXIF_TAG_GPS_LATITUDE, 48, 51, 2988);
  add_ascii (ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, "E");
  add_dms (ed, EXIF_TAG_GPS_LONGITUDE, 2, 17, 4020);

  exif_data_save_data (ed, &buf, &len);
  exif_data_unref (ed);
  g_assert_nonnull (buf);
  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

static void
check_heif (struct heif_error err)
{
  if (err.code != heif_error_Ok)
    g_error ("libheif: %s", err.message);
}

static GBytes *
make_heic (const HeicSpec *spec)
{
  g_autoptr(GdkPixbuf) pattern = test_make_pattern (spec->width, spec->height, FALSE);
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_encoder *encoder = NULL;
  struct heif_image *image = NULL;
  struct heif_image_handle *handle = NULL;
  struct heif_encoding_options *options = heif_encoding_options_alloc ();
  struct heif_color_profile_nclx *nclx = NULL;
  struct heif_writer writer = { 1, ks_test_heif_write_cb };
  GByteArray *out = g_byte_array_new ();
  guint8 *plane;
  int stride;

  check_heif (heif_image_create (spec->width, spec->height, heif_colorspace_RGB,
                                 heif_chroma_interleaved_RGB, &image));
  check_heif (heif_image_add_plane (image, heif_channel_interleaved, spec->width, spec->height, 8));
  plane = heif_image_get_plane (image, heif_channel_interleaved, &stride);
  for (int y = 0; y < spec->height; y++)
    for (int x = 0; x < spec->width; x++)
      {
        const guint8 *src = spec->solid ? spec->solid
                                        : gdk_pixbuf_get_pixels (pattern) + y * gdk_pixbuf_get_rowstride (pattern) + x * 3;

        memcpy (plane + y * stride + x * 3, src, 3);
      }

  if (spec->icc != NULL)
    check_heif (heif_image_set_raw_color_profile (image, "prof", g_bytes_get_data (spec->icc, NULL),
                                                  g_bytes_get_size (spec->icc)));
  if (spec->nclx_primaries != 0)
    {
      nclx = heif_nclx_color_profile_alloc ();
      check_heif (heif_nclx_color_profile_set_color_primaries (nclx, spec->nclx_primaries));
      check_heif (heif_nclx_color_profile_set_transfer_characteristics (nclx, 13));
      check_heif (heif_nclx_color_profile_set_matrix_coefficients (nclx, 6));
      nclx->full_range_flag = 1;
      check_heif (heif_image_set_nclx_color_profile (image, nclx));
      options->output_nclx_profile = nclx;
      options->macOS_compatibility_workaround_no_nclx_profile = 0;
    }

  check_heif (heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &encoder));
  check_heif (heif_encoder_set_lossy_quality (encoder, 95));
  options->image_orientation = (enum heif_orientation) spec->orientation;
  check_heif (heif_context_encode_image (ctx, image, encoder, options, &handle));

  if (!spec->no_exif)
    {
      g_autoptr(GBytes) exif = make_exif (spec->orientation);

      check_heif (heif_context_add_exif_metadata (ctx, handle, g_bytes_get_data (exif, NULL),
                                                  g_bytes_get_size (exif)));
    }
  check_heif (heif_context_write (ctx, &writer, out));

  if (nclx != NULL)
    heif_nclx_color_profile_free (nclx);
  heif_encoding_options_free (options);
  heif_image_handle_release (handle);
  heif_image_release (image);
  heif_encoder_release (encoder);
  heif_context_free (ctx);

  return g_byte_array_free_to_bytes (out);
}

/* A Display P3 profile, so that "kept" cannot mean "an sRGB a reader assumed". */
static GBytes *
make_p3_icc (void)
{
  cmsCIExyY white = { 0.3127, 0.3290, 1.0 };
  cmsCIExyYTRIPLE primaries = { { 0.680, 0.320, 1.0 }, { 0.265, 0.690, 1.0 }, { 0.150, 0.060, 1.0 } };
  cmsToneCurve *curve = cmsBuildGamma (NULL, 2.2);
  cmsToneCurve *curves[3] = { curve, curve, curve };
  cmsHPROFILE profile = cmsCreateRGBProfile (&white, &primaries, curves);
  cmsUInt32Number len = 0;
  guint8 *data;

  cmsSetProfileVersion (profile, 4.3);
  cmsSaveProfileToMem (profile, NULL, &len);
  data = g_malloc (len);
  g_assert_true (cmsSaveProfileToMem (profile, data, &len));
  cmsCloseProfile (profile);
  cmsFreeToneCurve (curve);
  return g_bytes_new_take (data, len);
}

/* ---- independent readers ---- */

/* exiftool's view of @path: tag → value (numbers as numbers). */
static GHashTable *
exiftool (const char *path)
{
  const char *argv[] = { "exiftool", "-args", "-n", "-DateTimeOriginal", "-Model",
                         "-GPSLatitude", "-GPSLongitude", "-Orientation", "-ImageWidth",
                         "-ImageHeight", "-ProfileDescription", path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (lines[i][0] == '-' && eq != NULL)
        g_hash_table_insert (tags, g_strndup (lines[i] + 1, eq - lines[i] - 1), g_strdup (eq + 1));
    }
  return tags;
}

/* What libheif says the photo looks like when displayed (rotation applied). */
static void
heic_display_size (GBytes *heic,
                   int    *width,
                   int    *height)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_image_handle *handle = NULL;

  check_heif (heif_context_read_from_memory_without_copy (ctx, g_bytes_get_data (heic, NULL),
                                                          g_bytes_get_size (heic), NULL));
  check_heif (heif_context_get_primary_image_handle (ctx, &handle));
  *width = heif_image_handle_get_width (handle);
  *height = heif_image_handle_get_height (handle);
  heif_image_handle_release (handle);
  heif_context_free (ctx);
}

static double
psnr (GdkPixbuf *a,
      GdkPixbuf *b)
{
  int w = gdk_pixbuf_get_width (a);
  int h = gdk_pixbuf_get_height (a);
  double sum = 0;

  g_assert_cmpint (gdk_pixbuf_get_width (b), ==, w);
  g_assert_cmpint (gdk_pixbuf_get_height (b), ==, h);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (a), ==, 3);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (b), ==, 3);

  for (int y = 0; y < h; y++)
    {
      const guint8 *pa = gdk_pixbuf_read_pixels (a) + y * gdk_pixbuf_get_rowstride (a);
      const guint8 *pb = gdk_pixbuf_read_pixels (b) + y * gdk_pixbuf_get_rowstride (b);

      for (int i = 0; i < w * 3; i++)
        sum += (double) (pa[i] - pb[i]) * (pa[i] - pb[i]);
    }

  if (sum == 0)
    return INFINITY;
  return 10 * log10 (255.0 * 255.0 / (sum / ((double) w * h * 3)));
}

static char *
write_tmp (const char *dir,
           const char *name,
           GBytes     *bytes)
{
  char *path = g_build_filename (dir, name, NULL);

  test_write_file (path, bytes);
  return path;
}

/* ---- the converter ---- */

static void
test_orientation_patch (void)
{
  /* Big-endian TIFF, IFD0 with two entries: Make (ASCII, offset) and Orientation 6. */
  guint8 mm[] = {
    'M', 'M', 0, 42, 0, 0, 0, 8,
    0, 2,
    0x01, 0x0f, 0, 2, 0, 0, 0, 4, 'A', 'p', 'p', 0,
    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,
    0, 0, 0, 0,
  };
  guint8 ii[] = {
    'I', 'I', 42, 0, 8, 0, 0, 0,
    1, 0,
    0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0,
    0, 0, 0, 0,
  };
  guint8 no_tag[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0 };
  guint8 truncated[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 9, 0x01, 0x12, 0 };
  guint8 bad_offset[] = { 'M', 'M', 0, 42, 0xff, 0xff, 0xff, 0xf0 };

  g_assert_true (ks_jpeg_copy_set_orientation (mm, sizeof mm, 1));
  g_assert_cmpuint (mm[30], ==, 0);
  g_assert_cmpuint (mm[31], ==, 1);
  g_assert_cmpuint (mm[18], ==, 'A');  /* nothing else touched */

  g_assert_true (ks_jpeg_copy_set_orientation (ii, sizeof ii, 1));
  g_assert_cmpuint (ii[18], ==, 1);
  g_assert_cmpuint (ii[19], ==, 0);

  g_assert_false (ks_jpeg_copy_set_orientation (no_tag, sizeof no_tag, 1));
  g_assert_false (ks_jpeg_copy_set_orientation (truncated, sizeof truncated, 1));
  g_assert_false (ks_jpeg_copy_set_orientation (bad_offset, sizeof bad_offset, 1));
  g_assert_false (ks_jpeg_copy_set_orientation ((guint8 *) "garbage", 7, 1));
}

static void
test_wants (void)
{
  g_assert_true (ks_jpeg_copy_wants ("2024/05/IMG_0001.HEIC"));
  g_assert_true (ks_jpeg_copy_wants ("IMG_E0001.heic"));
  g_assert_true (ks_jpeg_copy_wants ("a.hif"));
  g_assert_false (ks_jpeg_copy_wants ("IMG_0001.JPG"));
  g_assert_false (ks_jpeg_copy_wants ("IMG_0001.MOV"));
  g_assert_false (ks_jpeg_copy_wants ("x.heic/IMG_0001"));
  g_assert_false (ks_jpeg_copy_wants ("HEIC"));
}

static void
test_target_paths (void)
{
  g_autofree char *dir = NULL, *stem = NULL, *ext = NULL;

  ks_jpeg_copy_target ("2024/05/IMG_0001.HEIC", KS_JPEG_PLACEMENT_SUBFOLDER, &dir, &stem, &ext);
  g_assert_cmpstr (dir, ==, "2024/05/JPEG");
  g_assert_cmpstr (stem, ==, "IMG_0001");
  g_assert_cmpstr (ext, ==, "JPG");
  g_clear_pointer (&dir, g_free);
  g_clear_pointer (&stem, g_free);
  g_clear_pointer (&ext, g_free);

  ks_jpeg_copy_target ("img_0002.heic", KS_JPEG_PLACEMENT_BESIDE, &dir, &stem, &ext);
  g_assert_cmpstr (dir, ==, "");
  g_assert_cmpstr (stem, ==, "img_0002");
  g_assert_cmpstr (ext, ==, "jpg");
  g_clear_pointer (&dir, g_free);
  g_clear_pointer (&stem, g_free);
  g_clear_pointer (&ext, g_free);

  ks_jpeg_copy_target ("IMG_0003.HEIC", KS_JPEG_PLACEMENT_SUBFOLDER, &dir, &stem, &ext);
  g_assert_cmpstr (dir, ==, "JPEG");
}

/* Dimensions as displayed, metadata as exiftool reads it, pixels as heif-convert makes
 * them: for upright and rotated photos. */
static void
test_convert_rotated (void)
{
  static const guint orientations[] = { 1, 6, 3, 8 };
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-jpeg-XXXXXX", &error);

  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (orientations); i++)
    {
      HeicSpec spec = { .width = 192, .height = 128, .orientation = orientations[i] };
      g_autoptr(GBytes) heic = make_heic (&spec);
      g_autoptr(GBytes) jpeg = ks_jpeg_copy_convert (heic, KS_JPEG_COPY_DEFAULT_QUALITY, &error);
      g_autofree char *heic_path = NULL, *jpeg_path = NULL, *ref_path = NULL;
      g_autoptr(GHashTable) heic_tags = NULL, jpeg_tags = NULL;
      g_autoptr(GdkPixbuf) ours = NULL, theirs = NULL;
      g_autofree char *q = g_strdup_printf ("%d", KS_JPEG_COPY_DEFAULT_QUALITY);
      const char *convert_argv[] = { "heif-convert", "-q", q, NULL, NULL, NULL };
      int width, height, status = 0;
      char text[16];
      double db;

      g_assert_no_error (error);
      g_assert_nonnull (jpeg);
      heic_path = write_tmp (tmp, "photo.heic", heic);
      jpeg_path = write_tmp (tmp, "photo.jpg", jpeg);

      /* Displayed size: a photo taken sideways (6, 8) is taller than wide. */
      heic_display_size (heic, &width, &height);
      if (orientations[i] == 6 || orientations[i] == 8)
        g_assert_cmpint (width, <, height);
      heic_tags = exiftool (heic_path);
      jpeg_tags = exiftool (jpeg_path);
      g_snprintf (text, sizeof text, "%d", width);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "ImageWidth"), ==, text);
      g_snprintf (text, sizeof text, "%d", height);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "ImageHeight"), ==, text);

      /* The metadata, read by exiftool from both files. */
      g_assert_cmpstr (g_hash_table_lookup (heic_tags, "DateTimeOriginal"), ==, DATE_ORIGINAL);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "DateTimeOriginal"), ==, DATE_ORIGINAL);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "Model"), ==, MODEL);
      g_assert_nonnull (g_hash_table_lookup (jpeg_tags, "GPSLatitude"));
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "GPSLatitude"), ==,
                       g_hash_table_lookup (heic_tags, "GPSLatitude"));
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "GPSLongitude"), ==,
                       g_hash_table_lookup (heic_tags, "GPSLongitude"));
      g_snprintf (text, sizeof text, "%u", orientations[i]);
      g_assert_cmpstr (g_hash_table_lookup (heic_tags, "Orientation"), ==, text);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "Orientation"), ==, "1");

      /* Pixels: close to what heif-convert makes of the same file. */
      ref_path = g_build_filename (tmp, "reference.jpg", NULL);
      convert_argv[3] = heic_path;
      convert_argv[4] = ref_path;
      g_assert_true (g_spawn_sync (NULL, (char **) convert_argv, NULL,
                                   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                   NULL, NULL, NULL, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      ours = gdk_pixbuf_new_from_file (jpeg_path, &error);
      g_assert_no_error (error);
      theirs = gdk_pixbuf_new_from_file (ref_path, &error);
      g_assert_no_error (error);
      db = psnr (ours, theirs);
      g_test_message ("orientation %u: PSNR %.1f dB against heif-convert", orientations[i], db);
      g_assert_cmpfloat (db, >=, 40.0);
    }

  rm_rf (tmp);
}

static void
test_convert_icc (void)
{
  g_autoptr(GBytes) icc = make_p3_icc ();
  HeicSpec spec = { .width = 128, .height = 96, .orientation = 1, .icc = icc };
  g_autoptr(GBytes) heic = make_heic (&spec);
  HeicSpec plain_spec = { .width = 128, .height = 96, .orientation = 1, .no_exif = TRUE };
  g_autoptr(GBytes) plain = make_heic (&plain_spec);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = ks_jpeg_copy_convert (heic, 90, &error);
  g_autoptr(GBytes) plain_jpeg = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-jpeg-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) read_back = NULL;
  g_autoptr(GHashTable) tags = NULL;

  g_assert_no_error (error);
  path = write_tmp (tmp, "p3.jpg", jpeg);

  /* exiftool reassembles the APP2 chunks: the same profile, byte for byte. */
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           "exiftool", "-b", "-ICC_Profile", path, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (proc, NULL, NULL, &read_back, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (read_back, icc));

  /* A photo without Exif still converts (and gets a JFIF header instead). */
  plain_jpeg = ks_jpeg_copy_convert (plain, 90, &error);
  g_assert_no_error (error);
  g_clear_pointer (&path, g_free);
  path = write_tmp (tmp, "plain.jpg", plain_jpeg);
  tags = exiftool (path);
  g_assert_null (g_hash_table_lookup (tags, "DateTimeOriginal"));
  g_assert_null (g_hash_table_lookup (tags, "ProfileDescription"));
  g_assert_cmpstr (g_hash_table_lookup (tags, "ImageWidth"), ==, "128");

  rm_rf (tmp);
}

/* Only nclx, in Display P3: turned into sRGB, as a viewer will read a JPEG without a
 * profile. A P3 red at 200 is an sRGB red of about 219 (by the primaries' matrices). */
static void
test_convert_nclx_p3 (void)
{
  static const guint8 red[3] = { 200, 0, 0 };
  HeicSpec spec = { .width = 128, .height = 128, .orientation = 1, .nclx_primaries = 12, .solid = red };
  HeicSpec srgb_spec = { .width = 128, .height = 128, .orientation = 1, .nclx_primaries = 1, .solid = red };
  g_autoptr(GBytes) heic = make_heic (&spec);
  g_autoptr(GBytes) srgb_heic = make_heic (&srgb_spec);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = ks_jpeg_copy_convert (heic, 95, &error);
  g_autoptr(GBytes) srgb_jpeg = NULL;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GdkPixbufLoader) srgb_loader = gdk_pixbuf_loader_new ();
  const guint8 *p;

  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, jpeg, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  p = gdk_pixbuf_read_pixels (gdk_pixbuf_loader_get_pixbuf (loader)) +
      64 * gdk_pixbuf_get_rowstride (gdk_pixbuf_loader_get_pixbuf (loader)) + 64 * 3;
  g_test_message ("P3 (200,0,0) became (%u,%u,%u)", p[0], p[1], p[2]);
  g_assert_cmpint (p[0], >=, 210);
  g_assert_cmpint (p[0], <=, 228);
  g_assert_cmpint (p[1], <=, 12);

  /* Already sRGB: left as it is. */
  srgb_jpeg = ks_jpeg_copy_convert (srgb_heic, 95, &error);
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_write_bytes (srgb_loader, srgb_jpeg, &error));
  g_assert_true (gdk_pixbuf_loader_close (srgb_loader, &error));
  p = gdk_pixbuf_read_pixels (gdk_pixbuf_loader_get_pixbuf (srgb_loader)) +
      64 * gdk_pixbuf_get_rowstride (gdk_pixbuf_loader_get_pixbuf (srgb_loader)) + 64 * 3;
  g_assert_cmpint (ABS ((int) p[0] - 200), <=, 4);
}

static void
test_convert_corrupt (void)
{
  HeicSpec spec = { .width = 128, .height = 96, .orientation = 1 };
  g_autoptr(GBytes) heic = make_heic (&spec);
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (heic, 0, g_bytes_get_size (heic) / 2);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("not a photo at all, just some bytes", 35);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  GBytes *cases[] = { truncated, garbage, empty };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) jpeg = ks_jpeg_copy_convert (cases[i], 92, &error);

      g_assert_null (jpeg);
      g_assert_error (error, KS_JPEG_COPY_ERROR, KS_JPEG_COPY_ERROR_DECODE);
      g_assert_true (g_str_has_prefix (error->message, "Cannot decode this HEIC photo"));
    }
}

/* ---- the job, on a folder destination ---- */

typedef struct
{
  char          *tmp;
  char          *root;
  KsDestination *dest;
  GPtrArray     *hashes;   /* of the originals stored, in order */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-jpeg-job-XXXXXX", &error);
  g_assert_no_error (error);
  f->root = g_build_filename (f->tmp, "backup", NULL);
  g_assert_cmpint (g_mkdir (f->root, 0755), ==, 0);
  f->dest = KS_DESTINATION (ks_folder_destination_new (f->root));
  f->hashes = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->dest);
  g_clear_pointer (&f->hashes, g_ptr_array_unref);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->root);
}

/* Stores @bytes as the import does (verified, indexed). */
static char *
store_original (Fixture    *f,
                const char *rel_dir,
                const char *name,
                GBytes     *bytes)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stem = g_strndup (name, strrchr (name, '.') - name);
  char *hash;
  char *rel = NULL;
  KsDestinationWriter *writer;

  ks_hasher_update (hasher, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  hash = ks_hasher_finish (hasher);

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_no_error (error);
  writer = ks_destination_begin_file (f->dest, rel_dir, name, &error);
  g_assert_no_error (error);
  g_assert_true (ks_destination_write (f->dest, writer, g_bytes_get_data (bytes, NULL),
                                       g_bytes_get_size (bytes), &error));
  g_assert_true (ks_destination_commit (f->dest, writer, rel_dir, stem, strrchr (name, '.') + 1,
                                        hash, NULL, &rel, NULL, &error));
  g_assert_no_error (error);
  ks_destination_close (f->dest);
  g_ptr_array_add (f->hashes, hash);
  return rel;
}

static void
store_photos (Fixture *f,
              guint    n)
{
  for (guint i = 0; i < n; i++)
    {
      HeicSpec spec = { .width = 128 + 16 * i, .height = 96, .orientation = i % 2 ? 6 : 1 };
      g_autoptr(GBytes) heic = make_heic (&spec);
      g_autofree char *name = g_strdup_printf ("IMG_%04u.HEIC", i + 1);
      g_autofree char *rel = store_original (f, "2024/05", name, heic);
    }
}

static KsJpegCopyResult *
run_job (Fixture         *f,
         KsJpegPlacement  placement,
         GCancellable    *cancellable,
         GError         **error)
{
  g_autoptr(KsJpegCopyJob) job = ks_jpeg_copy_job_new ();

  ks_jpeg_copy_job_add_destination (job, f->dest, placement, 92);
  return ks_jpeg_copy_job_run (job, cancellable, error);
}

static char *
read_index (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->root, ".keepsake", "index", NULL);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
test_job_makes_and_resumes (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) first = NULL;
  g_autoptr(KsJpegCopyResult) second = NULL;
  g_autofree char *index = NULL;
  g_autofree char *jpeg_path = NULL;
  g_autofree char *jpeg_hash = NULL;
  g_autofree char *derived_line = NULL;
  g_autofree char *rel = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  store_photos (f, 3);
  first = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->made, ==, 3);
  g_assert_cmpuint (first->failed, ==, 0);
  g_assert_cmpuint (first->present, ==, 0);

  /* 3 originals + 3 JPEGs, nothing temporary. */
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 6);
  assert_no_temp_files (f->root);
  jpeg_path = g_build_filename (f->root, "2024", "05", "JPEG", "IMG_0002.JPG", NULL);
  g_assert_true (g_file_test (jpeg_path, G_FILE_TEST_IS_REGULAR));

  /* Indexed as derived from its original; never a copy of anything. */
  jpeg_hash = hash_path (jpeg_path);
  index = read_index (f);
  derived_line = g_strdup_printf ("derived %s %s ", (char *) g_ptr_array_index (f->hashes, 1), jpeg_hash);
  g_assert_nonnull (strstr (index, derived_line));
  g_assert_nonnull (strstr (index, " 2024/05/JPEG/IMG_0002.JPG\n"));
  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_false (ks_destination_lookup (f->dest, jpeg_hash, NULL, NULL));
  g_assert_true (ks_destination_lookup_derived (f->dest, g_ptr_array_index (f->hashes, 1), &rel, NULL));
  g_assert_cmpstr (rel, ==, "2024/05/JPEG/IMG_0002.JPG");
  entries = ks_destination_list_entries (f->dest);
  g_assert_cmpuint (entries->len, ==, 3);
  ks_destination_close (f->dest);

  /* A second run makes none. */
  second = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->made, ==, 0);
  g_assert_cmpuint (second->present, ==, 3);
  g_hash_table_unref (files);
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 6);
}

static void
test_job_beside (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autofree char *beside = g_build_filename (f->root, "2024", "05", "IMG_0001.JPG", NULL);
  g_autofree char *taken = g_build_filename (f->root, "2024", "05", "IMG_0002.JPG", NULL);
  g_autofree char *second = g_build_filename (f->root, "2024", "05", "IMG_0002 (2).JPG", NULL);
  g_autofree char *taken_contents = NULL;
  g_autofree char *edited = g_build_filename (f->root, "2024", "05", "IMG_E0001.JPG", NULL);
  g_autofree char *edited_rel = NULL;
  HeicSpec edit_spec = { .width = 96, .height = 96, .orientation = 1 };
  g_autoptr(GBytes) edit = make_heic (&edit_spec);
  g_autoptr(GBytes) movie = g_bytes_new_static ("\0\0\0\x14" "ftypqt  not a photo", 23);
  g_autofree char *movie_rel = NULL;

  store_photos (f, 2);
  /* The edited version, a HEIC too, gets its own; a movie gets none. */
  edited_rel = store_original (f, "2024/05", "IMG_E0001.HEIC", edit);
  movie_rel = store_original (f, "2024/05", "IMG_0001.MOV", movie);
  /* A file of someone else's has the name: it stays, the copy takes the next name. */
  g_assert_true (g_file_set_contents (taken, "mine", -1, NULL));

  result = run_job (f, KS_JPEG_PLACEMENT_BESIDE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, 3);
  g_assert_true (g_file_test (beside, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (edited, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (taken, &taken_contents, NULL, NULL));
  g_assert_cmpstr (taken_contents, ==, "mine");
}

/* A damaged HEIC: a per-file error that says so, the others converted, the original kept
 * and still counted as stored. */
static void
test_job_corrupt (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autoptr(GBytes) junk = g_bytes_new_static ("\0\0\0\x18" "ftypheic but then nothing", 29);
  g_autofree char *rel = NULL;
  g_autofree char *junk_path = NULL;
  KsImportFileError *fe;

  store_photos (f, 2);
  rel = store_original (f, "2024/05", "IMG_0099.HEIC", junk);

  result = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, 2);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpuint (result->errors->len, ==, 1);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_cmpstr (fe->path, ==, "2024/05/IMG_0099.HEIC");
  g_assert_cmpstr (fe->destination_id, ==, ks_destination_get_id (f->dest));
  g_assert_true (fe->domain == KS_JPEG_COPY_ERROR);
  g_assert_true (g_str_has_prefix (fe->message, "Cannot decode this HEIC photo"));

  junk_path = g_build_filename (f->root, rel, NULL);
  g_assert_true (g_file_test (junk_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_true (ks_destination_lookup (f->dest, g_ptr_array_index (f->hashes, 2), NULL, NULL));
  ks_destination_close (f->dest);
  assert_no_temp_files (f->root);
}

/* An original changed on the disk since it was stored is not converted. */
static void
test_job_changed_original (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autofree char *path = g_build_filename (f->root, "2024", "05", "IMG_0001.HEIC", NULL);
  gsize len;

  store_photos (f, 1);
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
    /* Same size (lookups only stat), other bytes. */
    contents[len / 2] ^= 0x55;
    g_assert_true (g_file_set_contents (path, contents, len, NULL));
  }

  result = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, 0);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_true (((KsImportFileError *) g_ptr_array_index (result->errors, 0))->domain == KS_DESTINATION_ERROR);
}

static void
cancel_after_first_cb (guint       done,
                       guint       total,
                       const char *relative_path,
                       gpointer    user_data)
{
  if (done == 1)
    g_cancellable_cancel (user_data);
}

/* Cancelled mid-way: what was verified stays recorded, nothing partial, the next run does
 * the rest. */
static void
test_job_cancel (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KsJpegCopyJob) job = ks_jpeg_copy_job_new ();
  g_autoptr(KsJpegCopyResult) rest = NULL;
  const KsJpegCopyResult *partial;
  g_autoptr(GHashTable) files = NULL;
  g_autofree char *index = NULL;
  guint derived = 0;

  store_photos (f, 8);
  ks_jpeg_copy_job_add_destination (job, f->dest, KS_JPEG_PLACEMENT_SUBFOLDER, 92);
  ks_jpeg_copy_job_set_threads (job, 2);
  ks_jpeg_copy_job_set_progress (job, cancel_after_first_cb, cancellable);
  g_assert_null (ks_jpeg_copy_job_run (job, cancellable, &error));
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED);
  partial = ks_jpeg_copy_job_get_result (job);
  g_assert_cmpuint (partial->made, ==, 1);

  assert_no_temp_files (f->root);
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 8 + 1);
  index = read_index (f);
  for (const char *p = index; (p = strstr (p, "derived ")) != NULL; p++)
    derived++;
  g_assert_cmpuint (derived, ==, 1);

  g_clear_error (&error);
  rest = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rest->made, ==, 7);
  g_assert_cmpuint (rest->present, ==, 1);
}

/* An index with derived lines, reloaded: they stay derived (and compaction keeps them). */
static void
test_index_roundtrip (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autoptr(KsDestination) again = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  store_photos (f, 2);
  result = run_job (f, KS_JPEG_PLACEMENT_SUBFOLDER, NULL, &error);
  g_assert_no_error (error);

  again = KS_DESTINATION (ks_folder_destination_new (f->root));
  g_assert_true (ks_destination_open (again, NULL, &error));
  g_assert_true (ks_destination_lookup_derived (again, g_ptr_array_index (f->hashes, 0), NULL, NULL));
  g_assert_true (ks_destination_lookup_derived (again, g_ptr_array_index (f->hashes, 1), NULL, NULL));
  entries = ks_destination_list_entries (again);
  g_assert_cmpuint (entries->len, ==, 2);
  ks_destination_close (again);
}

/* ---- through the backup service ---- */

static void
test_service_stage (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-jpeg-service-XXXXXX", &error);
  g_autofree char *db = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *library = g_build_filename (tmp, "library", "DCIM", "100APPLE", NULL);
  g_autofree char *backup = g_build_filename (tmp, "backup", NULL);
  g_autofree char *jpeg = g_build_filename (backup, "2024", "05", "JPEG", "IMG_0001.JPG", NULL);
  g_autofree char *jpeg_hash = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsBackupService) service = NULL;
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(KsBackupRun) again = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsSource) source = NULL;
  KsPlanDestination *dest;
  const KsJpegCopyResult *jr;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (library, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (backup, 0755), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      HeicSpec spec = { .width = 128 + 64 * i, .height = 96, .orientation = 1 };
      g_autoptr(GBytes) heic = make_heic (&spec);
      g_autofree char *name = g_strdup_printf ("IMG_%04u.HEIC", i + 1);
      g_autofree char *path = write_tmp (library, name, heic);
    }

  catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  plan = ks_backup_plan_new (catalog, &error);
  g_assert_no_error (error);
  dest = ks_backup_plan_add_folder (plan, backup, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (ks_backup_plan_set_destination_option (plan, ks_plan_destination_get_id (dest),
                                                        KS_JPEG_OPTION_ENABLED, "true", &error));
  g_assert_no_error (error);

  folder = g_file_new_for_path (library);
  source = KS_SOURCE (ks_folder_source_new (folder));
  service = ks_backup_service_new (catalog, plan);
  run = ks_backup_service_back_up (service, source, NULL, NULL, "cli", &error);
  g_assert_no_error (error);
  while (ks_backup_run_get_state (run) != KS_BACKUP_RUN_FINISHED)
    g_main_context_iteration (NULL, TRUE);

  g_assert_null (ks_backup_run_get_error (run));
  g_assert_cmpuint (ks_backup_run_get_result (run)->copied, ==, 2);
  jr = ks_backup_run_get_jpeg_result (run);
  g_assert_nonnull (jr);
  g_assert_cmpuint (jr->made, ==, 2);
  g_assert_true (g_file_test (jpeg, G_FILE_TEST_IS_REGULAR));

  /* The catalog holds the 2 originals as copies, and no JPEG. */
  jpeg_hash = hash_path (jpeg);
  g_assert_cmpuint (ks_catalog_count_copies (catalog, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, backup))), ==, 2);
  g_assert_null (ks_catalog_lookup_copy (catalog, jpeg_hash, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, backup))));

  /* Switched off: a run makes none and has no JPEG stage. */
  g_assert_true (ks_backup_plan_set_destination_option (plan, ks_plan_destination_get_id (ks_backup_plan_lookup (plan, backup)),
                                                        KS_JPEG_OPTION_ENABLED, "false", &error));
  again = ks_backup_service_back_up (service, source, NULL, NULL, "cli", &error);
  g_assert_no_error (error);
  while (ks_backup_run_get_state (again) != KS_BACKUP_RUN_FINISHED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ks_backup_run_get_jpeg_result (again));

  g_clear_object (&run);
  g_clear_object (&again);
  g_clear_object (&service);
  g_clear_object (&plan);
  g_clear_object (&catalog);
  rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jpeg-copy/orientation-patch", test_orientation_patch);
  g_test_add_func ("/jpeg-copy/wants", test_wants);
  g_test_add_func ("/jpeg-copy/target-paths", test_target_paths);
  g_test_add_func ("/jpeg-copy/convert/rotated", test_convert_rotated);
  g_test_add_func ("/jpeg-copy/convert/icc", test_convert_icc);
  g_test_add_func ("/jpeg-copy/convert/nclx-p3", test_convert_nclx_p3);
  g_test_add_func ("/jpeg-copy/convert/corrupt", test_convert_corrupt);
  g_test_add ("/jpeg-copy/job/makes-and-resumes", Fixture, NULL, fixture_set_up, test_job_makes_and_resumes, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/beside", Fixture, NULL, fixture_set_up, test_job_beside, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/corrupt", Fixture, NULL, fixture_set_up, test_job_corrupt, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/changed-original", Fixture, NULL, fixture_set_up, test_job_changed_original, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/cancel", Fixture, NULL, fixture_set_up, test_job_cancel, fixture_tear_down);
  g_test_add ("/jpeg-copy/job/index-roundtrip", Fixture, NULL, fixture_set_up, test_index_roundtrip, fixture_tear_down);
  g_test_add_func ("/jpeg-copy/service", test_service_stage);

  return g_test_run ();
}
