/* emu-sample-jpeg.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* JPEG encoding (gdk-pixbuf) and camera-style Exif APP1 splicing. */

#pragma once

#include <glib.h>

#include "emu-sample-render.h"

G_BEGIN_DECLS

GBytes *emu_jpeg_encode       (const EmuRgb *rgb,
                               int           quality);
GBytes *emu_jpeg_thumbnail    (const EmuRgb *rgb,
                               int           width,
                               int           height);
/* Drops the encoder's APP0/JFIF and puts @exif ("Exif\0\0"…) as APP1 right after SOI. */
GBytes *emu_jpeg_splice_exif  (GBytes       *jpeg,
                               GBytes       *exif);

G_END_DECLS
