/* ks-video-thumbnail.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Video posters where they are cheap: the first Motion-JPEG sample of a QuickTime movie,
 * read through moov's sample tables; plus the duration from mvhd for the grid's badge. */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

gboolean   ks_video_thumbnail_read_duration (GInputStream  *stream,
                                             guint64        file_size,
                                             gint64        *duration_ms,
                                             GCancellable  *cancellable,
                                             GError       **error);
GdkPixbuf *ks_video_thumbnail_load          (GInputStream  *stream,
                                             guint64        file_size,
                                             int            size_px,
                                             gint64        *duration_ms,
                                             GCancellable  *cancellable,
                                             GError       **error);

G_END_DECLS
