/* test-jpeg-copy.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* JPEG copies of HEIC photos: the converter, checked by independent readers (exiftool from
 * Debian, heif-convert's own output, libheif's RGB, gdk-pixbuf). The job is in
 * test-jpeg-copy-job.c. */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libheif/heif.h>

#include "ks-jpeg-copy.h"
#include "ks-jpeg-copy-job.h"

#include "ks-test-heic.h"
#include "test-engine-util.h"
#include "test-thumb-util.h"

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

  ks_test_check_heif (heif_context_read_from_memory_without_copy (ctx, g_bytes_get_data (heic, NULL),
                                                          g_bytes_get_size (heic), NULL));
  ks_test_check_heif (heif_context_get_primary_image_handle (ctx, &handle));
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
      KsTestHeicSpec spec = { .width = 192, .height = 128, .orientation = orientations[i] };
      g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
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
      heic_path = test_write_file_in (tmp, "photo.heic", heic);
      jpeg_path = test_write_file_in (tmp, "photo.jpg", jpeg);

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
      g_assert_cmpstr (g_hash_table_lookup (heic_tags, "DateTimeOriginal"), ==, KS_TEST_HEIC_DATE);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "DateTimeOriginal"), ==, KS_TEST_HEIC_DATE);
      g_assert_cmpstr (g_hash_table_lookup (jpeg_tags, "Model"), ==, KS_TEST_HEIC_MODEL);
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
  g_autoptr(GBytes) icc = ks_test_make_p3_icc ();
  KsTestHeicSpec spec = { .width = 128, .height = 96, .orientation = 1, .icc = icc };
  g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
  KsTestHeicSpec plain_spec = { .width = 128, .height = 96, .orientation = 1, .no_exif = TRUE };
  g_autoptr(GBytes) plain = ks_test_make_heic_photo (&plain_spec);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = ks_jpeg_copy_convert (heic, 90, &error);
  g_autoptr(GBytes) plain_jpeg = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-jpeg-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) read_back = NULL;
  g_autoptr(GHashTable) tags = NULL;

  g_assert_no_error (error);
  path = test_write_file_in (tmp, "p3.jpg", jpeg);

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
  path = test_write_file_in (tmp, "plain.jpg", plain_jpeg);
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
  KsTestHeicSpec spec = { .width = 128, .height = 128, .orientation = 1, .nclx_primaries = 12, .solid = red };
  KsTestHeicSpec srgb_spec = { .width = 128, .height = 128, .orientation = 1, .nclx_primaries = 1, .solid = red };
  g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
  g_autoptr(GBytes) srgb_heic = ks_test_make_heic_photo (&srgb_spec);
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

/* libheif's own reading of the photo, as RGB. */
static GdkPixbuf *
heif_reference (GBytes *heic)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_image_handle *handle = NULL;
  struct heif_image *image = NULL;
  GdkPixbuf *pixbuf;
  const guint8 *plane;
  int stride, w, h;

  ks_test_check_heif (heif_context_read_from_memory_without_copy (ctx, g_bytes_get_data (heic, NULL),
                                                          g_bytes_get_size (heic), NULL));
  ks_test_check_heif (heif_context_get_primary_image_handle (ctx, &handle));
  ks_test_check_heif (heif_decode_image (handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL));
  plane = heif_image_get_plane_readonly (image, heif_channel_interleaved, &stride);
  w = heif_image_get_width (image, heif_channel_interleaved);
  h = heif_image_get_height (image, heif_channel_interleaved);
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  for (int y = 0; y < h; y++)
    memcpy (gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf), plane + y * stride, w * 3);
  heif_image_release (image);
  heif_image_handle_release (handle);
  heif_context_free (ctx);
  return pixbuf;
}

static GdkPixbuf *
load_jpeg (GBytes *jpeg)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, jpeg, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/* A colr box naming another YCbCr (BT.709 matrix, limited range): the colours are the ones
 * libheif reads, whichever way the planes go to libjpeg; and an odd size, so the blocks at
 * the right and bottom edges are padded (the corners are checked too). */
static void
test_convert_other_ycbcr (void)
{
  static const guint8 orange[3] = { 200, 90, 30 };
  static const struct { int matrix; gboolean limited; } cases[] = { { 1, TRUE }, { 1, FALSE }, { 6, TRUE }, { 6, FALSE } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      KsTestHeicSpec spec = { .width = 133, .height = 101, .orientation = 1, .nclx_primaries = 1,
                        .nclx_matrix = cases[i].matrix, .limited_range = cases[i].limited, .solid = orange };
      g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) jpeg = ks_jpeg_copy_convert (heic, 95, &error);
      g_autoptr(GdkPixbuf) ours = NULL;
      g_autoptr(GdkPixbuf) reference = heif_reference (heic);
      const int points[][2] = { { 66, 50 }, { 132, 100 }, { 0, 100 }, { 132, 0 } };

      g_assert_no_error (error);
      ours = load_jpeg (jpeg);
      g_assert_cmpint (gdk_pixbuf_get_width (ours), ==, 133);
      g_assert_cmpint (gdk_pixbuf_get_height (ours), ==, 101);
      for (guint k = 0; k < G_N_ELEMENTS (points); k++)
        {
          const guint8 *a = gdk_pixbuf_read_pixels (ours) + points[k][1] * gdk_pixbuf_get_rowstride (ours) + points[k][0] * 3;
          const guint8 *b = gdk_pixbuf_read_pixels (reference) + points[k][1] * gdk_pixbuf_get_rowstride (reference) + points[k][0] * 3;

          if (k == 0)
            g_test_message ("matrix %d, %s range: (%u,%u,%u), libheif (%u,%u,%u)", cases[i].matrix,
                            cases[i].limited ? "limited" : "full", a[0], a[1], a[2], b[0], b[1], b[2]);
          for (guint c = 0; c < 3; c++)
            g_assert_cmpint (ABS ((int) a[c] - (int) b[c]), <=, 4);
        }
    }
}

static void
test_convert_corrupt (void)
{
  KsTestHeicSpec spec = { .width = 128, .height = 96, .orientation = 1 };
  g_autoptr(GBytes) heic = ks_test_make_heic_photo (&spec);
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
  g_test_add_func ("/jpeg-copy/convert/other-ycbcr", test_convert_other_ycbcr);
  g_test_add_func ("/jpeg-copy/convert/corrupt", test_convert_corrupt);

  return g_test_run ();
}
