/* ks-heif-thumbnail.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Sparse HEIC thumbnails: fetch only the boxes and the embedded thumbnail's (and Exif's)
 * extents from a seekable stream, and let libheif decode them from a mostly-zero buffer. */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Bytes at the start of the file read in one go: ftyp, meta and the mdat header usually fit. */
#define KS_HEIF_HEAD_SIZE 4096

gboolean   ks_heif_thumbnail_is_heif (const guint8  *head,
                                      gsize          len);
GdkPixbuf *ks_heif_thumbnail_load    (GInputStream  *stream,
                                      guint64        file_size,
                                      int            size_px,
                                      GCancellable  *cancellable,
                                      GError       **error);

G_END_DECLS
