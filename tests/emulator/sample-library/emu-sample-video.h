/* emu-sample-video.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* HEVC (libx265) and H.264 (libx264) elementary streams, as an iPhone's camera records them:
 * length-prefixed samples plus the hvcC/avcC decoder configuration for the MOV sample entry. */

#pragma once

#include <glib.h>

#include "emu-sample-render.h"

G_BEGIN_DECLS

#if defined(__SANITIZE_ADDRESS__)
# include <sanitizer/lsan_interface.h>
/* libx265 3.5's FrameFilter::init allocations are never freed by x265_encoder_close;
 * they are the encoder's, not ours, so keep them out of LeakSanitizer's report. */
# define EMU_X265_LEAKS_BEGIN() __lsan_disable ()
# define EMU_X265_LEAKS_END()   __lsan_enable ()
#else
# define EMU_X265_LEAKS_BEGIN()
# define EMU_X265_LEAKS_END()
#endif

/* The solid band across the bottom sixth of every camera video's upright picture (RGB). */
#define EMU_VIDEO_MARKER 0xE0, 0x20, 0xC0

typedef enum
{
  EMU_CODEC_JPEG,   /* Motion-JPEG ('jpeg' in MOV, 'mp4v' in MP4) */
  EMU_CODEC_HEVC,   /* 'hvc1' + hvcC: an iPhone's default ("High Efficiency") */
  EMU_CODEC_H264,   /* 'avc1' + avcC: "Most Compatible" */
} EmuCodec;

typedef struct
{
  EmuCodec   codec;
  int        width;
  int        height;
  GBytes    *config;    /* the hvcC or avcC box's payload */
  GPtrArray *samples;   /* GBytes, one access unit each, NAL units with 4-byte lengths */
  GArray    *sync;      /* guint, 1-based numbers of the key (IDR) samples, as in stss */
} EmuVideoStream;

/* Encodes @frames (EmuRgb, all @width × @height, even sizes) with an IDR every @keyint frames.
 * Deterministic: one thread, no thread pools. */
EmuVideoStream *emu_video_encode      (EmuCodec        codec,
                                       GPtrArray      *frames,
                                       guint           keyint,
                                       GError        **error);
void            emu_video_stream_free (EmuVideoStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuVideoStream, emu_video_stream_free)

G_END_DECLS
