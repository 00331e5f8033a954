/* ks-jpeg-copy.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* HEIC → JPEG: libheif decodes (applying irot/imir, as viewers of the HEIC do), libjpeg-turbo
 * encodes. GdkPixbuf's JPEG saver cannot write Exif, hence libjpeg directly; libheif's own
 * Exif orientation patcher is not exported, hence ks_jpeg_copy_set_orientation(). */

#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <jpeglib.h>
#include <lcms2.h>
#include <libexif/exif-data.h>
#include <libheif/heif.h>

#include "ks-jpeg-copy.h"

G_DEFINE_QUARK (ks-jpeg-copy-error-quark, ks_jpeg_copy_error)

#define EXIF_PREFIX     "Exif\0\0"
#define EXIF_PREFIX_LEN 6
/* One APP1 segment: 65535 bytes minus its own length field. */
#define APP1_MAX        65533
#define TAG_ORIENTATION 0x0112
#define TIFF_SHORT      3

gboolean
ks_jpeg_copy_wants (const char *relative_path)
{
  const char *dot;

  g_return_val_if_fail (relative_path != NULL, FALSE);

  dot = strrchr (relative_path, '.');
  if (dot == NULL || strchr (dot, '/') != NULL)
    return FALSE;

  return g_ascii_strcasecmp (dot, ".heic") == 0 || g_ascii_strcasecmp (dot, ".heif") == 0 ||
         g_ascii_strcasecmp (dot, ".hif") == 0;
}

static guint16
get16 (const guint8 *p,
       gboolean      big)
{
  return big ? (p[0] << 8 | p[1]) : (p[1] << 8 | p[0]);
}

static guint32
get32 (const guint8 *p,
       gboolean      big)
{
  return big ? ((guint32) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3])
             : ((guint32) p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0]);
}

static gboolean
is_tiff_header (const guint8 *p,
                gsize         len)
{
  return len >= 8 && ((memcmp (p, "II*\0", 4) == 0) || (memcmp (p, "MM\0*", 4) == 0));
}

gboolean
ks_jpeg_copy_set_orientation (guint8  *tiff,
                              gsize    len,
                              guint16  orientation)
{
  gboolean big;
  guint32 ifd0;
  guint16 count;

  g_return_val_if_fail (tiff != NULL || len == 0, FALSE);

  if (!is_tiff_header (tiff, len))
    return FALSE;
  big = tiff[0] == 'M';

  ifd0 = get32 (tiff + 4, big);
  if (ifd0 > len || len - ifd0 < 2)
    return FALSE;
  count = get16 (tiff + ifd0, big);

  for (guint i = 0; i < count; i++)
    {
      gsize at = ifd0 + 2 + (gsize) i * 12;
      guint8 *entry = tiff + at;

      if (at + 12 > len)
        return FALSE;
      if (get16 (entry, big) != TAG_ORIENTATION)
        continue;
      if (get16 (entry + 2, big) != TIFF_SHORT || get32 (entry + 4, big) != 1)
        return FALSE;

      /* A single SHORT sits left-justified in the value field. */
      entry[8] = big ? orientation >> 8 : orientation & 0xff;
      entry[9] = big ? orientation & 0xff : orientation >> 8;
      return TRUE;
    }

  return FALSE;
}

/* An Exif block too big for one APP1 segment almost always carries a large thumbnail in
 * IFD1: libexif rewrites it without. Returns: "Exif\0\0" + TIFF, or %NULL. */
static GBytes *
exif_without_thumbnail (const guint8 *app1,
                        gsize         len)
{
  ExifData *ed = exif_data_new_from_data (app1, len);
  unsigned char *out = NULL;
  unsigned int out_len = 0;
  GBytes *bytes = NULL;

  if (ed == NULL)
    return NULL;

  if (ed->data != NULL)
    {
      free (ed->data);
      ed->data = NULL;
      ed->size = 0;
    }
  exif_data_save_data (ed, &out, &out_len);
  exif_data_unref (ed);

  if (out != NULL && out_len <= APP1_MAX && out_len > EXIF_PREFIX_LEN)
    bytes = g_bytes_new (out, out_len);
  free (out);

  return bytes;
}

/* The photo's Exif as an APP1 payload ("Exif\0\0" + TIFF) with orientation 1, or %NULL
 * when it has none (or none that fits one segment). */
static GBytes *
dup_exif_app1 (struct heif_image_handle *handle)
{
  heif_item_id id;
  g_autofree guint8 *raw = NULL;
  g_autoptr(GByteArray) app1 = NULL;
  gsize size;
  guint32 offset;

  if (heif_image_handle_get_list_of_metadata_block_IDs (handle, "Exif", &id, 1) < 1)
    return NULL;

  size = heif_image_handle_get_metadata_size (handle, id);
  if (size < 4 + 8)
    return NULL;
  raw = g_malloc (size);
  if (heif_image_handle_get_metadata (handle, id, raw).code != heif_error_Ok)
    return NULL;

  /* The item starts with the offset of the TIFF header from byte 4 (ISO/IEC 23008-12
   * A.2.1); some writers leave it 0 and put "Exif\0\0" first. */
  offset = get32 (raw, TRUE);
  if (offset > size - 4 || !is_tiff_header (raw + 4 + offset, size - 4 - offset))
    {
      offset = EXIF_PREFIX_LEN;
      if (size - 4 < EXIF_PREFIX_LEN || memcmp (raw + 4, EXIF_PREFIX, EXIF_PREFIX_LEN) != 0
          || !is_tiff_header (raw + 4 + offset, size - 4 - offset))
        return NULL;
    }

  app1 = g_byte_array_sized_new (EXIF_PREFIX_LEN + size - 4 - offset);
  g_byte_array_append (app1, (const guint8 *) EXIF_PREFIX, EXIF_PREFIX_LEN);
  g_byte_array_append (app1, raw + 4 + offset, size - 4 - offset);

  if (app1->len > APP1_MAX)
    {
      g_autoptr(GBytes) smaller = exif_without_thumbnail (app1->data, app1->len);

      if (smaller == NULL)
        return NULL;
      g_byte_array_set_size (app1, 0);
      g_byte_array_append (app1, g_bytes_get_data (smaller, NULL), g_bytes_get_size (smaller));
    }

  /* libheif rotated the pixels already; a viewer must not rotate them again. */
  ks_jpeg_copy_set_orientation (app1->data + EXIF_PREFIX_LEN, app1->len - EXIF_PREFIX_LEN, 1);

  return g_byte_array_free_to_bytes (g_steal_pointer (&app1));
}

static GBytes *
dup_icc (struct heif_image_handle *handle)
{
  enum heif_color_profile_type type = heif_image_handle_get_color_profile_type (handle);
  gsize size;
  guint8 *data;

  if (type != heif_color_profile_type_prof && type != heif_color_profile_type_rICC)
    return NULL;

  size = heif_image_handle_get_raw_color_profile_size (handle);
  if (size == 0)
    return NULL;
  data = g_malloc (size);
  if (heif_image_handle_get_raw_color_profile (handle, data).code != heif_error_Ok)
    {
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, size);
}

/* The transfer curve an nclx code names, or %NULL for one a JPEG viewer already assumes
 * (sRGB and BT.709/601, which displays treat alike) or one with no plain curve (PQ, HLG). */
static cmsToneCurve *
nclx_curve (enum heif_transfer_characteristics tc)
{
  /* Parametric type 4: Y = (aX + b)^g for X ≥ d, else cX. */
  const cmsFloat64Number bt709[5] = { 1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081 };

  switch ((int) tc)
    {
    case 4:  /* gamma 2.2 */
      return cmsBuildGamma (NULL, 2.2);
    case 5:  /* gamma 2.8 */
      return cmsBuildGamma (NULL, 2.8);
    case 8:  /* linear */
      return cmsBuildGamma (NULL, 1.0);
    case 1: case 6: case 14: case 15:
      return cmsBuildParametricToneCurve (NULL, 4, bt709);
    default:
      return NULL;
    }
}

static gboolean
is_srgb_like (const struct heif_color_profile_nclx *nclx)
{
  gboolean primaries = nclx->color_primaries == heif_color_primaries_ITU_R_BT_709_5 ||
                       nclx->color_primaries == heif_color_primaries_unspecified;
  gboolean curve = nclx->transfer_characteristics == heif_transfer_characteristic_IEC_61966_2_1 ||
                   nclx->transfer_characteristics == heif_transfer_characteristic_unspecified ||
                   nclx->transfer_characteristics == heif_transfer_characteristic_ITU_R_BT_709_5 ||
                   nclx->transfer_characteristics == heif_transfer_characteristic_ITU_R_BT_601_6 ||
                   nclx->transfer_characteristics == heif_transfer_characteristic_ITU_R_BT_2020_2_10bit ||
                   nclx->transfer_characteristics == heif_transfer_characteristic_ITU_R_BT_2020_2_12bit;

  return primaries && curve;
}

/* The nclx of the photo's colr box, or %NULL. */
static struct heif_color_profile_nclx *
dup_handle_nclx (struct heif_image_handle *handle)
{
  struct heif_color_profile_nclx *nclx = NULL;

  if (heif_image_handle_get_nclx_color_profile (handle, &nclx).code != heif_error_Ok)
    return NULL;
  return nclx;
}

/* JPEG has no nclx: pixels in other primaries (Display P3, BT.2020) or another transfer
 * curve are turned into sRGB, which is what a viewer assumes for a JPEG without a
 * profile. */
static void
nclx_to_srgb (const struct heif_color_profile_nclx *nclx,
              guint8                               *pixels,
              int                                   stride,
              int                                   width,
              int                                   height)
{
  const cmsFloat64Number srgb[5] = { 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045 };
  cmsToneCurve *curve = NULL;
  cmsHPROFILE from = NULL;
  cmsHPROFILE to = NULL;
  cmsHTRANSFORM transform = NULL;
  cmsCIExyY white = { nclx->color_primary_white_x, nclx->color_primary_white_y, 1.0 };
  cmsCIExyYTRIPLE primaries = {
    { nclx->color_primary_red_x, nclx->color_primary_red_y, 1.0 },
    { nclx->color_primary_green_x, nclx->color_primary_green_y, 1.0 },
    { nclx->color_primary_blue_x, nclx->color_primary_blue_y, 1.0 },
  };

  curve = nclx_curve (nclx->transfer_characteristics);
  if (curve == NULL)
    curve = cmsBuildParametricToneCurve (NULL, 4, srgb);
  if (curve == NULL)
    return;

  {
    cmsToneCurve *curves[3] = { curve, curve, curve };

    from = cmsCreateRGBProfile (&white, &primaries, curves);
  }
  to = cmsCreate_sRGBProfile ();
  if (from != NULL && to != NULL)
    transform = cmsCreateTransform (from, TYPE_RGB_8, to, TYPE_RGB_8, INTENT_RELATIVE_COLORIMETRIC, 0);
  if (transform != NULL)
    for (int y = 0; y < height; y++)
      cmsDoTransform (transform, pixels + (gsize) y * stride, pixels + (gsize) y * stride, width);

  if (transform != NULL)
    cmsDeleteTransform (transform);
  if (from != NULL)
    cmsCloseProfile (from);
  if (to != NULL)
    cmsCloseProfile (to);
  cmsFreeToneCurve (curve);
}

/* Whether the decoder's YCbCr is JPEG's own (BT.601 matrix, full range, 8-bit 4:2:0): then
 * its planes go to libjpeg as they are, without a round trip through RGB. With no nclx
 * anywhere, libheif reads the planes that way too. */
static gboolean
is_jpeg_ycbcr (struct heif_image                    *image,
               const struct heif_color_profile_nclx *colr)
{
  struct heif_color_profile_nclx *nclx = NULL;
  gboolean ok = TRUE;

  if (heif_image_get_colorspace (image) != heif_colorspace_YCbCr ||
      heif_image_get_chroma_format (image) != heif_chroma_420 ||
      heif_image_get_bits_per_pixel_range (image, heif_channel_Y) != 8 ||
      heif_image_get_bits_per_pixel_range (image, heif_channel_Cb) != 8 ||
      heif_image_get_bits_per_pixel_range (image, heif_channel_Cr) != 8)
    return FALSE;

  /* The colr box says how the planes are meant; else the coded stream's own. */
  if (colr == NULL && heif_image_get_nclx_color_profile (image, &nclx).code == heif_error_Ok)
    colr = nclx;
  if (colr != NULL)
    ok = colr->full_range_flag &&
         (colr->matrix_coefficients == heif_matrix_coefficients_ITU_R_BT_601_6 ||
          colr->matrix_coefficients == heif_matrix_coefficients_ITU_R_BT_470_6_System_B_G ||
          colr->matrix_coefficients == heif_matrix_coefficients_unspecified);
  if (nclx != NULL)
    heif_nclx_color_profile_free (nclx);

  return ok;
}

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegError;

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegError *err = (JpegError *) cinfo->err;

  cinfo->err->format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
jpeg_output_message_cb (j_common_ptr cinfo)
{
  /* Warnings stay quiet: the bytes are checked by the destination. */
}

typedef struct
{
  struct heif_image *image;  /* interleaved RGB, or YCbCr 4:2:0 when @raw */
  gboolean           raw;
  int                width;
  int                height;
  int                quality;
  GBytes            *exif;
  GBytes            *icc;
} EncodeInput;

/* libjpeg reads whole 8×8 blocks of each plane: the rows and columns past the picture are
 * the edge repeated, as libjpeg's own downsampler pads. */
static void
fill_raw_rows (const guint8 *plane,
               int           stride,
               int           width,
               int           height,
               int           first_row,
               JSAMPARRAY    rows,
               int           n_rows,
               int           padded_width)
{
  for (int i = 0; i < n_rows; i++)
    {
      const guint8 *src = plane + (gsize) MIN (first_row + i, height - 1) * stride;

      memcpy (rows[i], src, width);
      memset (rows[i] + width, src[width - 1], padded_width - width);
    }
}

static void
write_raw (struct jpeg_compress_struct *cinfo,
           const EncodeInput           *in)
{
  int cw = (in->width + 1) / 2;
  int ch = (in->height + 1) / 2;
  int yw_padded = (in->width + 7) / 8 * 8;
  int cw_padded = (cw + 7) / 8 * 8;
  JSAMPARRAY y_rows = (*cinfo->mem->alloc_sarray) ((j_common_ptr) cinfo, JPOOL_IMAGE, yw_padded, 16);
  JSAMPARRAY cb_rows = (*cinfo->mem->alloc_sarray) ((j_common_ptr) cinfo, JPOOL_IMAGE, cw_padded, 8);
  JSAMPARRAY cr_rows = (*cinfo->mem->alloc_sarray) ((j_common_ptr) cinfo, JPOOL_IMAGE, cw_padded, 8);
  JSAMPARRAY planes[3] = { y_rows, cb_rows, cr_rows };
  int y_stride, cb_stride, cr_stride;
  const guint8 *y = heif_image_get_plane_readonly (in->image, heif_channel_Y, &y_stride);
  const guint8 *cb = heif_image_get_plane_readonly (in->image, heif_channel_Cb, &cb_stride);
  const guint8 *cr = heif_image_get_plane_readonly (in->image, heif_channel_Cr, &cr_stride);

  while (cinfo->next_scanline < cinfo->image_height)
    {
      int row = cinfo->next_scanline;

      fill_raw_rows (y, y_stride, in->width, in->height, row, y_rows, 16, yw_padded);
      fill_raw_rows (cb, cb_stride, cw, ch, row / 2, cb_rows, 8, cw_padded);
      fill_raw_rows (cr, cr_stride, cw, ch, row / 2, cr_rows, 8, cw_padded);
      jpeg_write_raw_data (cinfo, planes, 16);
    }
}

static void
write_rgb (struct jpeg_compress_struct *cinfo,
           const EncodeInput           *in)
{
  int stride;
  const guint8 *pixels = heif_image_get_plane_readonly (in->image, heif_channel_interleaved, &stride);

  while (cinfo->next_scanline < cinfo->image_height)
    {
      JSAMPROW row = (JSAMPROW) (pixels + (gsize) cinfo->next_scanline * stride);

      jpeg_write_scanlines (cinfo, &row, 1);
    }
}

/* Kept apart from the caller's locals: nothing here changes between setjmp and longjmp
 * except through @cinfo and the output pointers, which libjpeg owns. */
static GBytes *
encode (const EncodeInput  *in,
        GError            **error)
{
  struct jpeg_compress_struct cinfo;
  JpegError err;
  unsigned char *out = NULL;
  unsigned long out_len = 0;

  memset (&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = jpeg_error_exit_cb;
  err.pub.output_message = jpeg_output_message_cb;
  err.message[0] = '\0';

  if (setjmp (err.jump))
    {
      jpeg_destroy_compress (&cinfo);
      free (out);
      g_set_error (error, KS_JPEG_COPY_ERROR, KS_JPEG_COPY_ERROR_ENCODE,
                   _("Cannot write the JPEG copy: %s"), err.message);
      return NULL;
    }

  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &out, &out_len);

  cinfo.image_width = in->width;
  cinfo.image_height = in->height;
  cinfo.input_components = 3;
  cinfo.in_color_space = in->raw ? JCS_YCbCr : JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, in->quality, TRUE);
  if (in->raw)
    {
      /* 4:2:0, as libheif hands the planes over. */
      cinfo.raw_data_in = TRUE;
      cinfo.comp_info[0].h_samp_factor = cinfo.comp_info[0].v_samp_factor = 2;
      cinfo.comp_info[1].h_samp_factor = cinfo.comp_info[1].v_samp_factor = 1;
      cinfo.comp_info[2].h_samp_factor = cinfo.comp_info[2].v_samp_factor = 1;
    }
  /* Exif readers expect APP1 right after SOI, so no JFIF APP0 when there is Exif. */
  if (in->exif != NULL)
    cinfo.write_JFIF_header = FALSE;

  jpeg_start_compress (&cinfo, TRUE);
  if (in->exif != NULL)
    jpeg_write_marker (&cinfo, JPEG_APP0 + 1, g_bytes_get_data (in->exif, NULL),
                       g_bytes_get_size (in->exif));
  if (in->icc != NULL)
    jpeg_write_icc_profile (&cinfo, g_bytes_get_data (in->icc, NULL), g_bytes_get_size (in->icc));

  if (in->raw)
    write_raw (&cinfo, in);
  else
    write_rgb (&cinfo, in);

  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  {
    GBytes *bytes = g_bytes_new (out, out_len);

    free (out);
    return bytes;
  }
}

static gboolean
set_decode_error (struct heif_error   herr,
                  GError            **error)
{
  if (herr.code == heif_error_Ok)
    return TRUE;

  g_set_error (error, KS_JPEG_COPY_ERROR, KS_JPEG_COPY_ERROR_DECODE,
               _("Cannot decode this HEIC photo: %s"), herr.message);
  return FALSE;
}

/**
 * ks_jpeg_copy_convert:
 * @heic: the whole HEIC file
 * @quality: JPEG quality, 1–100
 *
 * Returns: (transfer full): the JPEG file, or %NULL with @error set (KS_JPEG_COPY_ERROR)
 */
GBytes *
ks_jpeg_copy_convert (GBytes  *heic,
                      int      quality,
                      GError **error)
{
  struct heif_context *ctx = NULL;
  struct heif_image_handle *handle = NULL;
  struct heif_image *image = NULL;
  struct heif_decoding_options *options = NULL;
  struct heif_color_profile_nclx *nclx = NULL;
  g_autoptr(GBytes) exif = NULL;
  g_autoptr(GBytes) icc = NULL;
  gboolean to_srgb;
  EncodeInput in = { 0 };
  GBytes *jpeg = NULL;

  g_return_val_if_fail (heic != NULL, NULL);
  g_return_val_if_fail (quality >= 1 && quality <= 100, NULL);

  ctx = heif_context_alloc ();
  /* Files are converted in parallel, one per worker thread. */
  heif_context_set_max_decoding_threads (ctx, 1);

  if (!set_decode_error (heif_context_read_from_memory_without_copy (ctx, g_bytes_get_data (heic, NULL),
                                                                     g_bytes_get_size (heic), NULL),
                         error)
      || !set_decode_error (heif_context_get_primary_image_handle (ctx, &handle), error))
    goto out;

  icc = dup_icc (handle);
  nclx = dup_handle_nclx (handle);
  /* An ICC profile says the colours; else nclx primaries a JPEG cannot say are converted. */
  to_srgb = icc == NULL && nclx != NULL && !is_srgb_like (nclx);

  options = heif_decoding_options_alloc ();
  options->convert_hdr_to_8bit = 1;

  /* JPEG's own YCbCr when the photo has it: no conversion to RGB and back. */
  if (!to_srgb)
    {
      if (!set_decode_error (heif_decode_image (handle, &image, heif_colorspace_YCbCr, heif_chroma_420,
                                                options),
                             error))
        goto out;
      in.raw = is_jpeg_ycbcr (image, nclx);
      if (!in.raw)
        g_clear_pointer (&image, heif_image_release);
    }

  if (image == NULL &&
      !set_decode_error (heif_decode_image (handle, &image, heif_colorspace_RGB,
                                            heif_chroma_interleaved_RGB, options),
                         error))
    goto out;

  in.image = image;
  in.width = heif_image_get_width (image, in.raw ? heif_channel_Y : heif_channel_interleaved);
  in.height = heif_image_get_height (image, in.raw ? heif_channel_Y : heif_channel_interleaved);
  if (in.width <= 0 || in.height <= 0)
    {
      g_set_error (error, KS_JPEG_COPY_ERROR, KS_JPEG_COPY_ERROR_DECODE,
                   _("Cannot decode this HEIC photo: %s"), _("it has no picture"));
      goto out;
    }

  if (to_srgb)
    {
      int stride;
      guint8 *pixels = heif_image_get_plane (image, heif_channel_interleaved, &stride);

      nclx_to_srgb (nclx, pixels, stride, in.width, in.height);
    }
  exif = dup_exif_app1 (handle);

  in.quality = quality;
  in.exif = exif;
  in.icc = icc;
  jpeg = encode (&in, error);

out:
  if (nclx != NULL)
    heif_nclx_color_profile_free (nclx);
  if (options != NULL)
    heif_decoding_options_free (options);
  if (image != NULL)
    heif_image_release (image);
  if (handle != NULL)
    heif_image_handle_release (handle);
  heif_context_free (ctx);

  return jpeg;
}
