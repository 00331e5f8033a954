/* ks-thumbnail-cache.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsThumbnailCache: finished thumbnails on disk, keyed by (source, path, size, mtime, pixels),
 * so a second visit never touches the device. Thread-safe: it holds no mutable state. */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

#define KS_TYPE_THUMBNAIL_CACHE (ks_thumbnail_cache_get_type ())

G_DECLARE_FINAL_TYPE (KsThumbnailCache, ks_thumbnail_cache, KS, THUMBNAIL_CACHE, GObject)

KsThumbnailCache *ks_thumbnail_cache_new           (const char        *directory);
const char       *ks_thumbnail_cache_get_directory (KsThumbnailCache  *self);
char             *ks_thumbnail_cache_make_key      (const char        *source_id,
                                                    const char        *path,
                                                    guint64            size,
                                                    gint64             mtime,
                                                    int                size_px);
char             *ks_thumbnail_cache_dup_path      (KsThumbnailCache  *self,
                                                    const char        *key);
GdkPixbuf        *ks_thumbnail_cache_lookup        (KsThumbnailCache  *self,
                                                    const char        *key,
                                                    gint64            *duration_ms);
gboolean          ks_thumbnail_cache_store         (KsThumbnailCache  *self,
                                                    const char        *key,
                                                    GdkPixbuf         *pixbuf,
                                                    gint64             duration_ms,
                                                    GError           **error);
gboolean          ks_thumbnail_cache_lookup_no_poster (KsThumbnailCache *self,
                                                       const char       *key,
                                                       gint64           *duration_ms);
gboolean          ks_thumbnail_cache_store_no_poster  (KsThumbnailCache *self,
                                                       const char       *key,
                                                       gint64            duration_ms,
                                                       GError          **error);

G_END_DECLS
