/* ks-thumbnailer.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsThumbnailer: the worker pool that turns (source, path) into a small upright GdkPixbuf,
 * newest request first, through the disk cache; plus the helpers its format readers share. */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ks-source.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

/* The grid's default thumbnail size (long side, in pixels). */
#define KS_THUMBNAILER_DEFAULT_SIZE 256

#define KS_TYPE_THUMBNAILER (ks_thumbnailer_get_type ())

G_DECLARE_FINAL_TYPE (KsThumbnailer, ks_thumbnailer, KS, THUMBNAILER, GObject)

KsThumbnailer *ks_thumbnailer_new             (KsThumbnailCache     *cache,
                                               guint                 n_threads);
KsThumbnailCache *ks_thumbnailer_get_cache    (KsThumbnailer        *self);
void           ks_thumbnailer_load_async      (KsThumbnailer        *self,
                                               KsSource             *source,
                                               const char           *path,
                                               guint64               size,
                                               gint64                mtime,
                                               int                   size_px,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GdkPixbuf     *ks_thumbnailer_load_finish     (KsThumbnailer        *self,
                                               GAsyncResult         *result,
                                               gint64               *duration_ms,
                                               GError              **error);
guint          ks_thumbnailer_get_n_started   (KsThumbnailer        *self);

/* Synchronous, no cache: pick the reader by @path's extension (or the first bytes). */
GdkPixbuf     *ks_thumbnailer_load_stream     (GInputStream         *stream,
                                               const char           *path,
                                               guint64               size,
                                               int                   size_px,
                                               gint64               *duration_ms,
                                               GCancellable         *cancellable,
                                               GError              **error);

gboolean       ks_thumbnailer_disable_read_ahead (GInputStream     *stream);

/* Helpers for the format readers. */
gboolean       ks_thumbnailer_read_at         (GInputStream         *stream,
                                               guint64               offset,
                                               void                 *buffer,
                                               gsize                 count,
                                               GCancellable         *cancellable,
                                               GError              **error);
gboolean       ks_thumbnailer_query_size      (GInputStream         *stream,
                                               guint64              *size,
                                               GCancellable         *cancellable,
                                               GError              **error);
GdkPixbuf     *ks_thumbnailer_scale_to_fit    (GdkPixbuf            *pixbuf,
                                               int                   size_px);
GdkPixbuf     *ks_thumbnailer_load_pixbuf_data (const guint8        *data,
                                                gsize                len,
                                                int                  size_px,
                                                GError             **error);
GdkPixbuf     *ks_thumbnailer_load_pixbuf_stream (GInputStream      *stream,
                                                  const guint8      *head,
                                                  gsize              head_len,
                                                  int                size_px,
                                                  GCancellable      *cancellable,
                                                  GError           **error);

G_END_DECLS
