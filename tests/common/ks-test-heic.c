/* ks-test-heic.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <lcms2.h>
#include <libexif/exif-data.h>

#include "ks-test-heic.h"
#include "ks-test-media.h"
#include "test-thumb-util.h"


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
  add_ascii (ed, EXIF_IFD_0, EXIF_TAG_MODEL, KS_TEST_HEIC_MODEL);
  add_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, KS_TEST_HEIC_DATE);
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

void
ks_test_check_heif (struct heif_error err)
{
  if (err.code != heif_error_Ok)
    g_error ("libheif: %s", err.message);
}

GBytes *
ks_test_make_heic_photo (const KsTestHeicSpec *spec)
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

  FIXTURE_LEAKS_BEGIN ();
  ks_test_check_heif (heif_image_create (spec->width, spec->height, heif_colorspace_RGB,
                                 heif_chroma_interleaved_RGB, &image));
  ks_test_check_heif (heif_image_add_plane (image, heif_channel_interleaved, spec->width, spec->height, 8));
  plane = heif_image_get_plane (image, heif_channel_interleaved, &stride);
  for (int y = 0; y < spec->height; y++)
    for (int x = 0; x < spec->width; x++)
      {
        const guint8 *src = spec->solid ? spec->solid
                                        : gdk_pixbuf_get_pixels (pattern) + y * gdk_pixbuf_get_rowstride (pattern) + x * 3;

        memcpy (plane + y * stride + x * 3, src, 3);
      }

  if (spec->icc != NULL)
    ks_test_check_heif (heif_image_set_raw_color_profile (image, "prof", g_bytes_get_data (spec->icc, NULL),
                                                  g_bytes_get_size (spec->icc)));
  if (spec->nclx_primaries != 0)
    {
      nclx = heif_nclx_color_profile_alloc ();
      ks_test_check_heif (heif_nclx_color_profile_set_color_primaries (nclx, spec->nclx_primaries));
      ks_test_check_heif (heif_nclx_color_profile_set_transfer_characteristics (nclx, 13));
      ks_test_check_heif (heif_nclx_color_profile_set_matrix_coefficients (nclx, spec->nclx_matrix ? spec->nclx_matrix : 6));
      nclx->full_range_flag = !spec->limited_range;
      ks_test_check_heif (heif_image_set_nclx_color_profile (image, nclx));
      options->output_nclx_profile = nclx;
      options->macOS_compatibility_workaround_no_nclx_profile = 0;
    }

  ks_test_check_heif (heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &encoder));
  ks_test_check_heif (heif_encoder_set_lossy_quality (encoder, 95));
  options->image_orientation = (enum heif_orientation) spec->orientation;
  ks_test_check_heif (heif_context_encode_image (ctx, image, encoder, options, &handle));

  if (!spec->no_exif)
    {
      g_autoptr(GBytes) exif = make_exif (spec->orientation);

      ks_test_check_heif (heif_context_add_exif_metadata (ctx, handle, g_bytes_get_data (exif, NULL),
                                                  g_bytes_get_size (exif)));
    }
  ks_test_check_heif (heif_context_write (ctx, &writer, out));

  if (nclx != NULL)
    heif_nclx_color_profile_free (nclx);
  heif_encoding_options_free (options);
  heif_image_handle_release (handle);
  heif_image_release (image);
  heif_encoder_release (encoder);
  heif_context_free (ctx);
  FIXTURE_LEAKS_END ();

  return g_byte_array_free_to_bytes (out);
}

/* A Display P3 profile, so that "kept" cannot mean "an sRGB a reader assumed". */
GBytes *
ks_test_make_p3_icc (void)
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
