/* emu-sample-exif.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Exif blocks the way an iPhone writes them, built with libexif. */

#pragma once

#include <glib.h>

#include "emu-sample-plan.h"

G_BEGIN_DECLS

/* Returns "Exif\0\0" followed by a big-endian TIFF structure. With @thumbnail (a JPEG),
 * IFD1 carries it, as cameras do. For a given model the length never varies with the
 * date or the unique id, which lets --fast patch pre-encoded files in place. */
GBytes *emu_exif_build (const EmuAsset *asset,
                        int             width,
                        int             height,
                        gboolean        edited,
                        GBytes         *thumbnail);

/* The ImageUniqueID written for this asset (32 hex digits). */
char   *emu_exif_dup_unique_id (const EmuAsset *asset,
                                gboolean        edited);

G_END_DECLS
