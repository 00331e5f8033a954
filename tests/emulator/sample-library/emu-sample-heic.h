/* emu-sample-heic.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* HEIC files made with libheif: primary image, 320 px thumbnail, Exif item. */

#pragma once

#include <glib.h>

#include "emu-sample-render.h"

G_BEGIN_DECLS

/* @quality 0–100; @orientation becomes irot/imir, like the Exif value in @exif. */
GBytes *emu_heic_encode      (const EmuRgb   *rgb,
                              guint           orientation,
                              int             quality,
                              GBytes         *exif);

/* --fast: a per-(model, orientation, look) pool of small HEICs encoded once; each file is a
 * copy whose Exif item is rewritten in place, so every file differs (dates, unique id). */
GBytes *emu_heic_from_pool   (const EmuAsset *asset,
                              gboolean        edited);
void    emu_heic_pool_clear  (void);

G_END_DECLS
