/* emu-sample-movie.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* QuickTime (.MOV) and MPEG-4 (.MP4) files with Motion-JPEG, HEVC or H.264 frames, written
 * by hand. */

#pragma once

#include <glib.h>

#include "emu-sample-plan.h"
#include "emu-sample-video.h"

G_BEGIN_DECLS

#define EMU_MAC_EPOCH_OFFSET G_GINT64_CONSTANT (2082844800)  /* 1904-01-01 → 1970-01-01 */

typedef struct
{
  gboolean    mp4;            /* ISO brand, 'mp4v' + esds instead of the 'jpeg' entry */
  EmuCodec    codec;          /* JPEG: 'jpeg'/'mp4v'; HEVC: 'hvc1' + hvcC; H264: 'avc1' + avcC */
  GBytes     *config;         /* hvcC/avcC payload for HEVC/H264 */
  GArray     *sync;           /* guint 1-based key samples (stss); NULL: every sample is one */
  guint       rotation;       /* 0, or 90: a portrait video, stored landscape (tkhd matrix) */
  int         width;          /* stored (coded) size */
  int         height;
  GPtrArray  *frames;         /* GBytes, one JPEG or access unit each */
  guint       frame_ticks;    /* frame duration in 1/600 s; 0: two frames a second */
  const char *content_id;     /* Live Photo pairing id, or NULL */
  guint64     large_size;     /* 0, or the total file size for a sparse > 4 GiB movie */
} EmuMovieSpec;

/* Writes the movie to @path (the --large case leaves a hole, so it takes little disk).
 * Returns the logical file size, or 0 with @error set. */
guint64 emu_movie_write (const char         *path,
                         const EmuAsset     *asset,
                         const EmuMovieSpec *spec,
                         GError            **error);

G_END_DECLS
