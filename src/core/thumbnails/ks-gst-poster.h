/* ks-gst-poster.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A video's poster frame decoded by GStreamer (HEVC, H.264, …), read from the same seekable
 * stream the thumbnailer was given, as sparsely as the demuxer allows. */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

gboolean   ks_gst_poster_init (GError       **error);
GdkPixbuf *ks_gst_poster_load (GInputStream  *stream,
                               gint64         seek_ms,
                               GCancellable  *cancellable,
                               GError       **error);

G_END_DECLS
