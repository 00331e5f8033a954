/* emu-sample-video.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* RGB frames → BT.601 I420 → libx265 or libx264, one thread each, B-frames off and a fixed
 * GOP (scene cuts off), so the same frames give the same bytes. Both encoders write NAL units
 * with 4-byte big-endian lengths, which is what a QuickTime sample holds; the parameter sets
 * (VPS/SPS/PPS) go into the hvcC/avcC record only, as a camera writes them ('hvc1'/'avc1'). */

#include <stdint.h>
#include <string.h>

#include <gio/gio.h>
#include <x264.h>
#include <x265.h>

#include "emu-sample-video.h"

#define FPS 8

typedef struct
{
  int     width;
  int     height;
  guint8 *planes[3];
  int     strides[3];
} Yuv;

static void
yuv_free (Yuv *yuv)
{
  g_free (yuv->planes[0]);
  g_free (yuv);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Yuv, yuv_free)

static guint8
clamp8 (int v)
{
  return (guint8) CLAMP (v, 0, 255);
}

/* BT.601, limited range: what decoders assume for an SD stream without colour information. */
static Yuv *
rgb_to_i420 (const EmuRgb *rgb)
{
  Yuv *yuv = g_new0 (Yuv, 1);
  int w = rgb->width, h = rgb->height;
  int cw = w / 2, ch = h / 2;

  yuv->width = w;
  yuv->height = h;
  yuv->planes[0] = g_malloc ((gsize) w * h + 2 * (gsize) cw * ch);
  yuv->planes[1] = yuv->planes[0] + (gsize) w * h;
  yuv->planes[2] = yuv->planes[1] + (gsize) cw * ch;
  yuv->strides[0] = w;
  yuv->strides[1] = cw;
  yuv->strides[2] = cw;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *p = rgb->pixels + ((gsize) y * w + x) * 3;

        yuv->planes[0][(gsize) y * w + x] = clamp8 (16 + ((66 * p[0] + 129 * p[1] + 25 * p[2] + 128) >> 8));
      }

  for (int y = 0; y < ch; y++)
    for (int x = 0; x < cw; x++)
      {
        int r = 0, g = 0, b = 0;

        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++)
            {
              const guint8 *p = rgb->pixels + ((gsize) (2 * y + dy) * w + 2 * x + dx) * 3;

              r += p[0];
              g += p[1];
              b += p[2];
            }
        r /= 4;
        g /= 4;
        b /= 4;
        yuv->planes[1][(gsize) y * cw + x] = clamp8 (128 + ((-38 * r - 74 * g + 112 * b + 128) >> 8));
        yuv->planes[2][(gsize) y * cw + x] = clamp8 (128 + ((112 * r - 94 * g - 18 * b + 128) >> 8));
      }

  return yuv;
}

/* The RBSP of a NAL unit: emulation prevention bytes (00 00 03) removed. */
static GByteArray *
unescape_nal (const guint8 *nal,
              gsize         len)
{
  GByteArray *out = g_byte_array_sized_new (len);
  guint zeros = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (zeros >= 2 && nal[i] == 3)
        {
          zeros = 0;
          continue;
        }
      zeros = nal[i] == 0 ? zeros + 1 : 0;
      g_byte_array_append (out, nal + i, 1);
    }
  return out;
}

static void
put_u16 (GByteArray *b, guint v)
{
  guint8 x[2] = { (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (b, x, 2);
}

static void
put_u8 (GByteArray *b, guint v)
{
  guint8 x = (guint8) v;

  g_byte_array_append (b, &x, 1);
}

/* ISO/IEC 14496-15 §8.3.3: HEVCDecoderConfigurationRecord with one VPS, SPS and PPS. */
static GBytes *
build_hvcc (GBytes *vps,
            GBytes *sps,
            GBytes *pps)
{
  GByteArray *b = g_byte_array_new ();
  gsize sps_len;
  const guint8 *sps_data = g_bytes_get_data (sps, &sps_len);
  g_autoptr(GByteArray) rbsp = unescape_nal (sps_data, sps_len);
  GBytes *arrays[3] = { vps, sps, pps };
  static const guint types[3] = { 32, 33, 34 };

  g_assert (rbsp->len >= 15);
  put_u8 (b, 1);                                   /* configurationVersion */
  /* profile_tier_level's general part, 12 bytes, follows the 2-byte NAL header and one byte
   * of sps_video_parameter_set_id / max_sub_layers / temporal_id_nesting. */
  g_byte_array_append (b, rbsp->data + 3, 12);
  put_u16 (b, 0xF000);                             /* min_spatial_segmentation_idc 0 */
  put_u8 (b, 0xFC);                                /* parallelismType 0 */
  put_u8 (b, 0xFC | 1);                            /* chroma_format_idc 1: 4:2:0 */
  put_u8 (b, 0xF8);                                /* bit depth luma 8 */
  put_u8 (b, 0xF8);                                /* bit depth chroma 8 */
  put_u16 (b, 0);                                  /* avgFrameRate: unspecified */
  put_u8 (b, 1 << 3 | 1 << 2 | 3);                 /* 1 temporal layer, nested, 4-byte lengths */
  put_u8 (b, 3);
  for (guint i = 0; i < 3; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (arrays[i], &len);

      put_u8 (b, 0x80 | types[i]);                 /* array_completeness */
      put_u16 (b, 1);
      put_u16 (b, len);
      g_byte_array_append (b, data, len);
    }
  return g_byte_array_free_to_bytes (b);
}

/* ISO/IEC 14496-15 §5.3.3: AVCDecoderConfigurationRecord, with the High profile extension. */
static GBytes *
build_avcc (GBytes *sps,
            GBytes *pps)
{
  GByteArray *b = g_byte_array_new ();
  gsize sps_len, pps_len;
  const guint8 *sps_data = g_bytes_get_data (sps, &sps_len);
  const guint8 *pps_data = g_bytes_get_data (pps, &pps_len);

  g_assert (sps_len >= 4);
  put_u8 (b, 1);
  put_u8 (b, sps_data[1]);                         /* profile_idc */
  put_u8 (b, sps_data[2]);                         /* constraint flags */
  put_u8 (b, sps_data[3]);                         /* level_idc */
  put_u8 (b, 0xFC | 3);                            /* 4-byte lengths */
  put_u8 (b, 0xE0 | 1);
  put_u16 (b, sps_len);
  g_byte_array_append (b, sps_data, sps_len);
  put_u8 (b, 1);
  put_u16 (b, pps_len);
  g_byte_array_append (b, pps_data, pps_len);
  if (sps_data[1] == 100 || sps_data[1] == 110 || sps_data[1] == 122 || sps_data[1] == 144)
    {
      put_u8 (b, 0xFC | 1);                        /* chroma_format 4:2:0 */
      put_u8 (b, 0xF8);
      put_u8 (b, 0xF8);
      put_u8 (b, 0);                               /* no SPS extensions */
    }
  return g_byte_array_free_to_bytes (b);
}

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* A header NAL as the encoders hand it out (4-byte length first), without the length. */
static GBytes *
strip_length (const guint8 *payload,
              gsize         len)
{
  g_assert (len > 4 && read_be32 (payload) == len - 4);
  return g_bytes_new (payload + 4, len - 4);
}

static gboolean
encode_hevc (EmuVideoStream  *stream,
             GPtrArray       *frames,
             guint            keyint,
             GError         **error)
{
  x265_param *param;
  x265_encoder *encoder;
  x265_picture *pic_in, *pic_out;
  x265_nal *nals;
  uint32_t n_nals;
  g_autoptr(GBytes) vps = NULL, sps = NULL, pps = NULL;
  guint next = 0;
  gboolean ok = FALSE;

  EMU_X265_LEAKS_BEGIN ();
  param = x265_param_alloc ();
  x265_param_default_preset (param, "ultrafast", NULL);
  x265_param_parse (param, "pools", "none");
  param->frameNumThreads = 1;
  param->lookaheadThreads = 0;
  param->bEnableWavefront = 0;
  param->logLevel = X265_LOG_NONE;
  param->sourceWidth = stream->width;
  param->sourceHeight = stream->height;
  param->fpsNum = FPS;
  param->fpsDenom = 1;
  param->internalCsp = X265_CSP_I420;
  param->bRepeatHeaders = 0;
  param->bAnnexB = 0;
  param->bEmitInfoSEI = 0;
  param->keyframeMax = keyint;
  param->keyframeMin = keyint;
  param->scenecutThreshold = 0;
  param->bOpenGOP = 0;
  param->bframes = 0;
  param->rc.rateControlMode = X265_RC_CRF;
  param->rc.rfConstant = 26;
  x265_param_apply_profile (param, "main");

  encoder = x265_encoder_open (param);
  if (encoder == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x265 refused the parameters");
      x265_param_free (param);
      EMU_X265_LEAKS_END ();
      return FALSE;
    }

  if (x265_encoder_headers (encoder, &nals, &n_nals) < 0)
    goto out;
  for (uint32_t i = 0; i < n_nals; i++)
    {
      GBytes *nal = strip_length (nals[i].payload, nals[i].sizeBytes);

      if (nals[i].type == NAL_UNIT_VPS)
        vps = nal;
      else if (nals[i].type == NAL_UNIT_SPS)
        sps = nal;
      else if (nals[i].type == NAL_UNIT_PPS)
        pps = nal;
      else
        g_bytes_unref (nal);
    }
  if (vps == NULL || sps == NULL || pps == NULL)
    goto out;
  stream->config = build_hvcc (vps, sps, pps);

  pic_in = x265_picture_alloc ();
  pic_out = x265_picture_alloc ();
  for (;;)
    {
      g_autoptr(Yuv) yuv = NULL;
      int got;

      if (next < frames->len)
        {
          yuv = rgb_to_i420 (g_ptr_array_index (frames, next));
          x265_picture_init (param, pic_in);
          for (guint p = 0; p < 3; p++)
            {
              pic_in->planes[p] = yuv->planes[p];
              pic_in->stride[p] = yuv->strides[p];
            }
          pic_in->pts = next;
          next++;
        }
      got = x265_encoder_encode (encoder, &nals, &n_nals, yuv != NULL ? pic_in : NULL, pic_out);
      if (got < 0)
        break;
      if (got > 0)
        {
          GByteArray *sample = g_byte_array_new ();

          for (uint32_t i = 0; i < n_nals; i++)
            g_byte_array_append (sample, nals[i].payload, nals[i].sizeBytes);
          g_ptr_array_add (stream->samples, g_byte_array_free_to_bytes (sample));
          if (IS_X265_TYPE_I (pic_out->sliceType))
            {
              guint number = stream->samples->len;

              g_array_append_val (stream->sync, number);
            }
        }
      if (got == 0 && yuv == NULL)
        break;
    }
  x265_picture_free (pic_in);
  x265_picture_free (pic_out);
  ok = stream->samples->len == frames->len;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x265 gave %u of %u frames",
                 stream->samples->len, frames->len);

out:
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x265 could not encode");
  x265_encoder_close (encoder);
  x265_param_free (param);
  EMU_X265_LEAKS_END ();
  return ok;
}

static gboolean
encode_h264 (EmuVideoStream  *stream,
             GPtrArray       *frames,
             guint            keyint,
             GError         **error)
{
  x264_param_t param;
  x264_t *encoder;
  x264_nal_t *nals;
  int n_nals;
  g_autoptr(GBytes) sps = NULL, pps = NULL;
  guint next = 0;

  x264_param_default_preset (&param, "ultrafast", NULL);
  param.i_threads = 1;
  param.i_lookahead_threads = 1;
  param.b_sliced_threads = 0;
  param.b_deterministic = 1;
  param.i_log_level = X264_LOG_NONE;
  param.i_width = stream->width;
  param.i_height = stream->height;
  param.i_csp = X264_CSP_I420;
  param.i_fps_num = FPS;
  param.i_fps_den = 1;
  param.i_keyint_max = keyint;
  param.i_keyint_min = keyint;
  param.i_scenecut_threshold = 0;
  param.i_bframe = 0;
  param.b_repeat_headers = 0;
  param.b_annexb = 0;
  param.rc.i_rc_method = X264_RC_CRF;
  param.rc.f_rf_constant = 24;
  if (x264_param_apply_profile (&param, "high") < 0 ||
      (encoder = x264_encoder_open (&param)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x264 refused the parameters");
      return FALSE;
    }

  if (x264_encoder_headers (encoder, &nals, &n_nals) < 0)
    goto fail;
  for (int i = 0; i < n_nals; i++)
    {
      if (nals[i].i_type == NAL_SPS)
        sps = strip_length (nals[i].p_payload, nals[i].i_payload);
      else if (nals[i].i_type == NAL_PPS)
        pps = strip_length (nals[i].p_payload, nals[i].i_payload);
    }
  if (sps == NULL || pps == NULL)
    goto fail;
  stream->config = build_avcc (sps, pps);

  while (next < frames->len || x264_encoder_delayed_frames (encoder) > 0)
    {
      g_autoptr(Yuv) yuv = NULL;
      x264_picture_t pic_in, pic_out;
      int size;

      x264_picture_init (&pic_in);
      if (next < frames->len)
        {
          yuv = rgb_to_i420 (g_ptr_array_index (frames, next));
          pic_in.img.i_csp = X264_CSP_I420;
          pic_in.img.i_plane = 3;
          for (guint p = 0; p < 3; p++)
            {
              pic_in.img.plane[p] = yuv->planes[p];
              pic_in.img.i_stride[p] = yuv->strides[p];
            }
          pic_in.i_pts = next;
          next++;
        }
      size = x264_encoder_encode (encoder, &nals, &n_nals, yuv != NULL ? &pic_in : NULL, &pic_out);
      if (size < 0)
        goto fail;
      if (size > 0)
        {
          /* The NAL units of one frame are contiguous. */
          g_ptr_array_add (stream->samples, g_bytes_new (nals[0].p_payload, size));
          if (pic_out.b_keyframe)
            {
              guint number = stream->samples->len;

              g_array_append_val (stream->sync, number);
            }
        }
    }
  x264_encoder_close (encoder);

  if (stream->samples->len != frames->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x264 gave %u of %u frames",
                   stream->samples->len, frames->len);
      return FALSE;
    }
  return TRUE;

fail:
  x264_encoder_close (encoder);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "x264 could not encode");
  return FALSE;
}

EmuVideoStream *
emu_video_encode (EmuCodec    codec,
                  GPtrArray  *frames,
                  guint       keyint,
                  GError    **error)
{
  g_autoptr(EmuVideoStream) stream = g_new0 (EmuVideoStream, 1);
  const EmuRgb *first;
  gboolean ok;

  g_return_val_if_fail (frames != NULL && frames->len > 0, NULL);
  g_return_val_if_fail (codec == EMU_CODEC_HEVC || codec == EMU_CODEC_H264, NULL);

  first = g_ptr_array_index (frames, 0);
  g_return_val_if_fail (first->width % 2 == 0 && first->height % 2 == 0, NULL);

  stream->codec = codec;
  stream->width = first->width;
  stream->height = first->height;
  stream->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  stream->sync = g_array_new (FALSE, FALSE, sizeof (guint));

  if (codec == EMU_CODEC_HEVC)
    ok = encode_hevc (stream, frames, MAX (keyint, 1), error);
  else
    ok = encode_h264 (stream, frames, MAX (keyint, 1), error);

  return ok ? g_steal_pointer (&stream) : NULL;
}

void
emu_video_stream_free (EmuVideoStream *stream)
{
  if (stream == NULL)
    return;
  g_clear_pointer (&stream->config, g_bytes_unref);
  g_clear_pointer (&stream->samples, g_ptr_array_unref);
  g_clear_pointer (&stream->sync, g_array_unref);
  g_free (stream);
}
