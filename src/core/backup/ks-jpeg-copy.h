/* ks-jpeg-copy.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A JPEG copy of a HEIC photo, for people and services that cannot open HEIC: decoded with
 * libheif (rotation and mirroring applied), encoded with libjpeg-turbo. The Exif block is
 * kept as one APP1 segment with its orientation set to 1 (the pixels are already upright),
 * the ICC profile is kept (APP2, in chunks), and a colour given only as nclx primaries is
 * turned into sRGB. Pure: bytes in, bytes out; safe to call from several threads. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_JPEG_COPY_ERROR (ks_jpeg_copy_error_quark ())

typedef enum
{
  KS_JPEG_COPY_ERROR_DECODE, /* not a HEIC libheif can decode (damaged, truncated) */
  KS_JPEG_COPY_ERROR_ENCODE, /* libjpeg refused (an impossible size) */
} KsJpegCopyError;

GQuark ks_jpeg_copy_error_quark (void);

#define KS_JPEG_COPY_DEFAULT_QUALITY 92

/* Whether a stored file's name says HEIC/HEIF (what gets a JPEG copy). */
gboolean  ks_jpeg_copy_wants           (const char    *relative_path);

GBytes   *ks_jpeg_copy_convert         (GBytes        *heic,
                                        int            quality,
                                        GError       **error);

/* Sets the Orientation tag (0x0112) of IFD0 in a TIFF structure (Exif without its
 * "Exif\0\0" prefix) in place. Returns: whether the tag was there. */
gboolean  ks_jpeg_copy_set_orientation (guint8        *tiff,
                                        gsize          len,
                                        guint16        orientation);

G_END_DECLS
