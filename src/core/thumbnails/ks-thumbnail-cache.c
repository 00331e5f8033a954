/* ks-thumbnail-cache.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Entries live under a hash of their key, written to a temporary file and renamed into place.
 * Opaque photos are JPEG (~10 KB; gdk-pixbuf decodes it several times faster than PNG); alpha
 * images and videos (duration in a text chunk) are PNG; posterless videos a ".noposter" note. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ks-thumbnail-cache.h"

#define DURATION_OPTION "tEXt::ks-duration-ms"

struct _KsThumbnailCache
{
  GObject  parent_instance;

  char    *directory;
};

G_DEFINE_FINAL_TYPE (KsThumbnailCache, ks_thumbnail_cache, G_TYPE_OBJECT)

static void
ks_thumbnail_cache_finalize (GObject *object)
{
  KsThumbnailCache *self = (KsThumbnailCache *) object;

  g_clear_pointer (&self->directory, g_free);

  G_OBJECT_CLASS (ks_thumbnail_cache_parent_class)->finalize (object);
}

static void
ks_thumbnail_cache_class_init (KsThumbnailCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_thumbnail_cache_finalize;
}

static void
ks_thumbnail_cache_init (KsThumbnailCache *self)
{
}

/**
 * ks_thumbnail_cache_new:
 * @directory: (nullable): where to keep thumbnails; %NULL for
 *   `$XDG_CACHE_HOME/keepsake/thumbnails`
 *
 * Returns: (transfer full): a new cache; the directory is created on first store
 */
KsThumbnailCache *
ks_thumbnail_cache_new (const char *directory)
{
  KsThumbnailCache *self = g_object_new (KS_TYPE_THUMBNAIL_CACHE, NULL);

  if (directory != NULL)
    self->directory = g_strdup (directory);
  else
    self->directory = g_build_filename (g_get_user_cache_dir (), USER_DIR_NAME, "thumbnails", NULL);

  return self;
}

const char *
ks_thumbnail_cache_get_directory (KsThumbnailCache *self)
{
  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), NULL);
  return self->directory;
}

/**
 * ks_thumbnail_cache_make_key:
 *
 * Hashes everything that makes a thumbnail stale when it changes. The path is hashed as raw
 * bytes, so hostile or non-UTF-8 device paths never reach the file system.
 *
 * Returns: (transfer full): a 64-character hex key
 */
char *
ks_thumbnail_cache_make_key (const char *source_id,
                             const char *path,
                             guint64     size,
                             gint64      mtime,
                             int         size_px)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *numbers = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  numbers = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT ":%d", size, mtime, size_px);
  /* Bumped whenever the decoders learn to make a thumbnail they could not make before
   * (2: posters of MP4s holding JPEG frames; 3: HEVC and H.264 movies through GStreamer),
   * so old placeholders are not kept forever. */
  g_checksum_update (checksum, (const guchar *) "keepsake-thumbnail-3", sizeof "keepsake-thumbnail-3");
  /* NUL separators keep ("ab", "c") and ("a", "bc") apart. */
  g_checksum_update (checksum, (const guchar *) (source_id ? source_id : ""),
                     strlen (source_id ? source_id : "") + 1);
  g_checksum_update (checksum, (const guchar *) path, strlen (path) + 1);
  g_checksum_update (checksum, (const guchar *) numbers, strlen (numbers));

  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
key_is_valid (const char *key)
{
  if (key == NULL || strlen (key) != 64)
    return FALSE;
  for (const char *p = key; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

/**
 * ks_thumbnail_cache_dup_path:
 *
 * Returns: (transfer full): where the entry for @key lives, without its extension
 *   (".jpg" or ".png")
 */
char *
ks_thumbnail_cache_dup_path (KsThumbnailCache *self,
                             const char       *key)
{
  char prefix[3];

  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), NULL);
  g_return_val_if_fail (key_is_valid (key), NULL);

  /* 256 sub-folders keep directories small for a 50,000-photo library. */
  prefix[0] = key[0];
  prefix[1] = key[1];
  prefix[2] = 0;

  return g_build_filename (self->directory, prefix, key, NULL);
}

/**
 * ks_thumbnail_cache_lookup:
 * @duration_ms: (out) (optional): the stored video duration, or -1
 *
 * Returns: (transfer full) (nullable): the cached thumbnail, or %NULL on a miss (a damaged
 *   entry counts as a miss and is removed)
 */
GdkPixbuf *
ks_thumbnail_cache_lookup (KsThumbnailCache *self,
                           const char       *key,
                           gint64           *duration_ms)
{
  static const char * const extensions[] = { ".jpg", ".png" };
  g_autofree char *base = NULL;
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = NULL;

  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), NULL);

  if (duration_ms != NULL)
    *duration_ms = -1;

  base = ks_thumbnail_cache_dup_path (self, key);
  if (base == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (extensions) && pixbuf == NULL; i++)
    {
      g_autofree char *path = g_strconcat (base, extensions[i], NULL);

      g_clear_error (&error);
      pixbuf = gdk_pixbuf_new_from_file (path, &error);
      if (pixbuf == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_unlink (path);
    }
  if (pixbuf == NULL)
    return NULL;

  if (duration_ms != NULL)
    {
      const char *value = gdk_pixbuf_get_option (pixbuf, DURATION_OPTION);

      if (value != NULL)
        *duration_ms = g_ascii_strtoll (value, NULL, 10);
    }

  return pixbuf;
}

/**
 * ks_thumbnail_cache_store:
 * @duration_ms: a video's duration, or -1
 *
 * Writes @pixbuf atomically (temporary file, then rename).
 */
gboolean
ks_thumbnail_cache_store (KsThumbnailCache  *self,
                          const char        *key,
                          GdkPixbuf         *pixbuf,
                          gint64             duration_ms,
                          GError           **error)
{
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *duration = NULL;
  gboolean as_jpeg;
  gboolean ok;
  int fd;

  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), FALSE);
  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), FALSE);
  g_return_val_if_fail (key_is_valid (key), FALSE);

  as_jpeg = duration_ms < 0 && !gdk_pixbuf_get_has_alpha (pixbuf);
  base = ks_thumbnail_cache_dup_path (self, key);
  path = g_strconcat (base, as_jpeg ? ".jpg" : ".png", NULL);
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_WRONLY, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a temporary file in %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  close (fd);

  /* PNG compression 1: a cache favours fast writes over small files. */
  if (as_jpeg)
    {
      ok = gdk_pixbuf_save (pixbuf, tmp_path, "jpeg", error, "quality", "90", NULL);
    }
  else if (duration_ms >= 0)
    {
      duration = g_strdup_printf ("%" G_GINT64_FORMAT, duration_ms);
      ok = gdk_pixbuf_save (pixbuf, tmp_path, "png", error,
                            "compression", "1", DURATION_OPTION, duration, NULL);
    }
  else
    {
      ok = gdk_pixbuf_save (pixbuf, tmp_path, "png", error, "compression", "1", NULL);
    }

  if (ok && g_rename (tmp_path, path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not rename %s: %s", tmp_path, g_strerror (saved));
      ok = FALSE;
    }

  if (!ok)
    g_unlink (tmp_path);

  return ok;
}

/**
 * ks_thumbnail_cache_store_no_poster:
 * @duration_ms: the video's duration, or -1
 *
 * Remembers that a video has no cheap poster frame (and its duration), so that scrolling
 * back to it does not read its movie header from the device again.
 */
gboolean
ks_thumbnail_cache_store_no_poster (KsThumbnailCache  *self,
                                    const char        *key,
                                    gint64             duration_ms,
                                    GError           **error)
{
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), FALSE);
  g_return_val_if_fail (key_is_valid (key), FALSE);

  base = ks_thumbnail_cache_dup_path (self, key);
  path = g_strconcat (base, ".noposter", NULL);
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", duration_ms);
  /* g_file_set_contents writes a temporary file and renames it into place. */
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * ks_thumbnail_cache_lookup_no_poster:
 * @duration_ms: (out) (optional): the stored duration, or -1
 *
 * Returns: whether @key is known to be a video without a cheap poster frame
 */
gboolean
ks_thumbnail_cache_lookup_no_poster (KsThumbnailCache *self,
                                     const char       *key,
                                     gint64           *duration_ms)
{
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), FALSE);

  if (duration_ms != NULL)
    *duration_ms = -1;

  base = ks_thumbnail_cache_dup_path (self, key);
  if (base == NULL)
    return FALSE;
  path = g_strconcat (base, ".noposter", NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;

  if (duration_ms != NULL)
    *duration_ms = g_ascii_strtoll (text, NULL, 10);
  return TRUE;
}
