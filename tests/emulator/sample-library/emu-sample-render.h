/* emu-sample-render.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Draws the pictures: photo-like scenes with the file name written in, and screenshots. */

#pragma once

#include <glib.h>

#include "emu-sample-plan.h"

G_BEGIN_DECLS

/* Packed 8-bit RGB, rows of width * 3 bytes, in stored (sensor) orientation. */
typedef struct
{
  int     width;
  int     height;
  guint8 *pixels;
} EmuRgb;

typedef struct
{
  const char *label;        /* drawn large: the file name */
  const char *caption;      /* second line; NULL: capture date and model */
  int         long_side;    /* stored image is long_side × long_side * 3 / 4 */
  int         noise;        /* ± amplitude of per-pixel sensor noise */
  guint       orientation;  /* Exif orientation the stored pixels need */
  gboolean    edited;       /* a visibly different "edited" look */
  int         frame;        /* video frame index, moves things a little */
  guint64     seed;
} EmuSceneSpec;

EmuRgb *emu_render_scene       (const EmuAsset     *asset,
                                const EmuSceneSpec *spec);
GBytes *emu_render_screenshot  (const EmuAsset     *asset,
                                const char         *label,
                                int                 width,
                                int                 height);
void    emu_rgb_free           (EmuRgb             *rgb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuRgb, emu_rgb_free)

G_END_DECLS
