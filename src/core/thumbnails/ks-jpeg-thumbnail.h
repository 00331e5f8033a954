/* ks-jpeg-thumbnail.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* JPEG thumbnails: the Exif thumbnail from the first segment when it is big enough, else a
 * scaled decode of the whole file; upright either way. */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

GdkPixbuf *ks_jpeg_thumbnail_load            (GInputStream  *stream,
                                              guint64        file_size,
                                              int            size_px,
                                              gboolean      *used_exif,
                                              GCancellable  *cancellable,
                                              GError       **error);
GdkPixbuf *ks_jpeg_thumbnail_apply_orientation (GdkPixbuf   *pixbuf,
                                                int          orientation);

G_END_DECLS
