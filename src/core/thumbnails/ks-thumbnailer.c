/* ks-thumbnailer.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The grid asks for far more thumbnails than it keeps on screen, so requests wait in a
 * GThreadPool sorted newest-first and are dropped unseen once their cancellable fires.
 * Each worker opens its own stream: an AFC file handle belongs to one connection. */

#include "config.h"

#include <string.h>

#include "ks-gst-poster.h"
#include "ks-heif-thumbnail.h"
#include "ks-jpeg-thumbnail.h"
#include "ks-thumbnailer.h"
#include "ks-video-thumbnail.h"

#define DEFAULT_THREADS 3
#define MAX_THREADS     4
/* Sequential full decodes read in 1 MiB requests: over AFC each request is a round trip. */
#define CHUNK_SIZE      (1024 * 1024)

struct _KsThumbnailer
{
  GObject           parent_instance;

  KsThumbnailCache *cache;
  GThreadPool      *pool;
  int               next_seq;   /* atomic */
  guint             n_started;  /* atomic */
};

G_DEFINE_FINAL_TYPE (KsThumbnailer, ks_thumbnailer, G_TYPE_OBJECT)

typedef struct
{
  KsSource         *source;
  KsThumbnailCache *cache;
  char             *path;
  guint64           size;
  gint64            mtime;
  int               size_px;
  guint             seq;
  gint64            duration_ms;
} Request;

static void
request_free (gpointer data)
{
  Request *request = data;

  g_clear_object (&request->source);
  g_clear_object (&request->cache);
  g_clear_pointer (&request->path, g_free);
  g_free (request);
}

/* ---- helpers shared by the format readers ---- */

/**
 * ks_thumbnailer_read_at:
 *
 * Reads exactly @count bytes at @offset; a short file is an error (truncated).
 */
gboolean
ks_thumbnailer_read_at (GInputStream  *stream,
                        guint64        offset,
                        void          *buffer,
                        gsize          count,
                        GCancellable  *cancellable,
                        GError       **error)
{
  gsize n_read = 0;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);

  if (count == 0)
    return TRUE;

  if (!G_IS_SEEKABLE (stream) || !g_seekable_can_seek (G_SEEKABLE (stream)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Stream is not seekable");
      return FALSE;
    }
  if (offset > G_MAXINT64)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Offset out of range");
      return FALSE;
    }

  if (g_seekable_tell (G_SEEKABLE (stream)) != (goffset) offset &&
      !g_seekable_seek (G_SEEKABLE (stream), (goffset) offset, G_SEEK_SET, cancellable, error))
    return FALSE;

  if (!g_input_stream_read_all (stream, buffer, count, &n_read, cancellable, error))
    return FALSE;

  if (n_read != count)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "File is truncated (wanted %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT
                   ", got %" G_GSIZE_FORMAT ")", count, offset, n_read);
      return FALSE;
    }

  return TRUE;
}

gboolean
ks_thumbnailer_query_size (GInputStream  *stream,
                           guint64       *size,
                           GCancellable  *cancellable,
                           GError       **error)
{
  goffset end;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);

  if (!G_IS_SEEKABLE (stream) || !g_seekable_can_seek (G_SEEKABLE (stream)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Stream is not seekable");
      return FALSE;
    }
  if (!g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_END, cancellable, error))
    return FALSE;
  end = g_seekable_tell (G_SEEKABLE (stream));
  if (!g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, cancellable, error))
    return FALSE;

  *size = end < 0 ? 0 : (guint64) end;
  return TRUE;
}

static void
fit_size (int  width,
          int  height,
          int  size_px,
          int *out_width,
          int *out_height)
{
  *out_width = width;
  *out_height = height;

  if (size_px <= 0 || MAX (width, height) <= size_px)
    return;

  if (width >= height)
    {
      *out_width = size_px;
      *out_height = MAX (1, (int) ((gint64) height * size_px / width));
    }
  else
    {
      *out_height = size_px;
      *out_width = MAX (1, (int) ((gint64) width * size_px / height));
    }
}

/**
 * ks_thumbnailer_scale_to_fit:
 * @size_px: the long side; <= 0 keeps the size
 *
 * Returns: (transfer full): @pixbuf scaled down to fit, never up
 */
GdkPixbuf *
ks_thumbnailer_scale_to_fit (GdkPixbuf *pixbuf,
                             int        size_px)
{
  int width, height;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);

  fit_size (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf), size_px,
            &width, &height);
  if (width == gdk_pixbuf_get_width (pixbuf) && height == gdk_pixbuf_get_height (pixbuf))
    return g_object_ref (pixbuf);

  return gdk_pixbuf_scale_simple (pixbuf, width, height, GDK_INTERP_BILINEAR);
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  int size_px = GPOINTER_TO_INT (user_data);
  int w, h;

  fit_size (width, height, size_px, &w, &h);
  if (w != width || h != height)
    gdk_pixbuf_loader_set_size (loader, w, h);
}

static GdkPixbufLoader *
new_loader (int size_px)
{
  GdkPixbufLoader *loader = gdk_pixbuf_loader_new ();

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb),
                    GINT_TO_POINTER (size_px));
  return loader;
}

static GdkPixbuf *
finish_loader (GdkPixbufLoader  *loader,
               GError          **error)
{
  GdkPixbuf *pixbuf;

  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Image could not be decoded");
      return NULL;
    }
  return g_object_ref (pixbuf);
}

/**
 * ks_thumbnailer_load_pixbuf_data:
 *
 * Decodes an image in memory with gdk-pixbuf, scaled down while decoding.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
GdkPixbuf *
ks_thumbnailer_load_pixbuf_data (const guint8  *data,
                                 gsize          len,
                                 int            size_px,
                                 GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = new_loader (size_px);

  if (!gdk_pixbuf_loader_write (loader, data, len, error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  return finish_loader (loader, error);
}

/**
 * ks_thumbnailer_load_pixbuf_stream:
 * @head: the first @head_len bytes of the file, already read
 *
 * Decodes the rest of @stream after @head with gdk-pixbuf, scaled down while decoding. The
 * embedded orientation is left for the caller.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
GdkPixbuf *
ks_thumbnailer_load_pixbuf_stream (GInputStream  *stream,
                                   const guint8  *head,
                                   gsize          head_len,
                                   int            size_px,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = new_loader (size_px);
  g_autofree guint8 *chunk = NULL;

  if (head_len > 0 && !gdk_pixbuf_loader_write (loader, head, head_len, error))
    goto fail;

  if (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)) &&
      g_seekable_tell (G_SEEKABLE (stream)) != (goffset) head_len &&
      !g_seekable_seek (G_SEEKABLE (stream), head_len, G_SEEK_SET, cancellable, error))
    goto fail;

  chunk = g_malloc (CHUNK_SIZE);
  for (;;)
    {
      gssize n = g_input_stream_read (stream, chunk, CHUNK_SIZE, cancellable, error);

      if (n < 0)
        goto fail;
      if (n == 0)
        break;
      if (!gdk_pixbuf_loader_write (loader, chunk, n, error))
        goto fail;
    }

  return finish_loader (loader, error);

fail:
  gdk_pixbuf_loader_close (loader, NULL);
  return NULL;
}

/**
 * ks_thumbnailer_disable_read_ahead:
 *
 * A stream that reads ahead (KsAfcInputStream fills a 1 MiB buffer on any small read) defeats
 * sparse reads; streams that can stop say so with a "read-ahead" property, set here to 0.
 * Full decodes read in 1 MiB requests, so they lose nothing by it.
 *
 * Returns: whether @stream had such a property
 */
gboolean
ks_thumbnailer_disable_read_ahead (GInputStream *stream)
{
  GValue zero = G_VALUE_INIT;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "read-ahead") == NULL)
    return FALSE;

  /* Set through a transformable int, whatever integer type the property has. */
  g_value_init (&zero, G_TYPE_INT);
  g_value_set_int (&zero, 0);
  g_object_set_property (G_OBJECT (stream), "read-ahead", &zero);
  g_value_unset (&zero);
  return TRUE;
}

typedef enum
{
  KIND_UNKNOWN,
  KIND_HEIF,
  KIND_JPEG,
  KIND_VIDEO,
  KIND_PIXBUF,
} Kind;

static Kind
kind_from_extension (const char *path)
{
  static const struct { const char *ext; Kind kind; } table[] = {
    { "heic", KIND_HEIF }, { "heif", KIND_HEIF }, { "hif", KIND_HEIF },
    { "jpg", KIND_JPEG }, { "jpeg", KIND_JPEG }, { "jpe", KIND_JPEG },
    { "mov", KIND_VIDEO }, { "mp4", KIND_VIDEO }, { "m4v", KIND_VIDEO }, { "qt", KIND_VIDEO },
    { "png", KIND_PIXBUF }, { "gif", KIND_PIXBUF }, { "bmp", KIND_PIXBUF },
    { "tif", KIND_PIXBUF }, { "tiff", KIND_PIXBUF }, { "webp", KIND_PIXBUF },
  };
  const char *dot;

  if (path == NULL || (dot = strrchr (path, '.')) == NULL || strchr (dot, '/') != NULL)
    return KIND_UNKNOWN;

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_ascii_strcasecmp (dot + 1, table[i].ext) == 0)
      return table[i].kind;

  return KIND_UNKNOWN;
}

static Kind
kind_from_head (const guint8 *head,
                gsize         len)
{
  if (len >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
    return KIND_JPEG;
  if (ks_heif_thumbnail_is_heif (head, len))
    return KIND_HEIF;
  if (len >= 8 && (memcmp (head + 4, "ftyp", 4) == 0 || memcmp (head + 4, "moov", 4) == 0 ||
                   memcmp (head + 4, "wide", 4) == 0 || memcmp (head + 4, "mdat", 4) == 0))
    return KIND_VIDEO;
  return KIND_PIXBUF;
}

/**
 * ks_thumbnailer_load_stream:
 * @path: (nullable): the file's name, to choose a reader by extension
 * @size: the file's size, or 0 to ask the stream
 * @size_px: the long side; <= 0 for the natural size of what was decoded
 * @duration_ms: (out) (optional): a video's duration, or -1
 *
 * Makes a thumbnail synchronously, without the cache. A video whose poster cannot be had
 * cheaply fails with %G_IO_ERROR_NOT_SUPPORTED (and still reports its duration).
 *
 * Returns: (transfer full): an upright thumbnail, or %NULL with @error set
 */
GdkPixbuf *
ks_thumbnailer_load_stream (GInputStream  *stream,
                            const char    *path,
                            guint64        size,
                            int            size_px,
                            gint64        *duration_ms,
                            GCancellable  *cancellable,
                            GError       **error)
{
  Kind kind;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  if (duration_ms != NULL)
    *duration_ms = -1;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (size == 0 && !ks_thumbnailer_query_size (stream, &size, cancellable, error))
    return NULL;
  if (size == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "File is empty");
      return NULL;
    }

  ks_thumbnailer_disable_read_ahead (stream);

  kind = kind_from_extension (path);
  if (kind == KIND_UNKNOWN)
    {
      guint8 head[16];
      gsize n = MIN (size, sizeof head);

      if (!ks_thumbnailer_read_at (stream, 0, head, n, cancellable, error))
        return NULL;
      kind = kind_from_head (head, n);
    }

  switch (kind)
    {
    case KIND_HEIF:
      return ks_heif_thumbnail_load (stream, size, size_px, cancellable, error);

    case KIND_JPEG:
      return ks_jpeg_thumbnail_load (stream, size, size_px, NULL, cancellable, error);

    case KIND_VIDEO:
      return ks_video_thumbnail_load (stream, size, size_px, duration_ms, cancellable, error);

    case KIND_PIXBUF:
    case KIND_UNKNOWN:
    default:
      {
        g_autoptr(GdkPixbuf) pixbuf = NULL;

        if (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)) &&
            !g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, cancellable, error))
          return NULL;
        pixbuf = ks_thumbnailer_load_pixbuf_stream (stream, NULL, 0, size_px, cancellable, error);
        if (pixbuf == NULL)
          return NULL;
        return gdk_pixbuf_apply_embedded_orientation (pixbuf);
      }
    }
}

/* ---- the pool ---- */

static GdkPixbuf *
run_request (KsThumbnailer  *self,
             Request        *request,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autofree char *key = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local_error = NULL;

  key = ks_thumbnail_cache_make_key (ks_source_get_id (request->source), request->path,
                                     request->size, request->mtime, request->size_px);

  pixbuf = ks_thumbnail_cache_lookup (request->cache, key, &request->duration_ms);
  if (pixbuf != NULL)
    return g_steal_pointer (&pixbuf);
  if (ks_thumbnail_cache_lookup_no_poster (request->cache, key, &request->duration_ms))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video codec");
      return NULL;
    }

  stream = ks_source_open_file (request->source, request->path, cancellable, error);
  if (stream == NULL)
    return NULL;

  pixbuf = ks_thumbnailer_load_stream (stream, request->path, request->size, request->size_px,
                                       &request->duration_ms, cancellable, &local_error);
  g_input_stream_close (stream, NULL, NULL);
  if (pixbuf == NULL)
    {
      /* A video without a cheap poster stays so: remember it, with its duration. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) &&
          request->duration_ms >= 0 &&
          !ks_thumbnail_cache_store_no_poster (request->cache, key, request->duration_ms, NULL))
        g_debug ("Could not cache a video without poster");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (!ks_thumbnail_cache_store (request->cache, key, pixbuf, request->duration_ms, &local_error))
    {
      g_debug ("Could not cache thumbnail: %s", local_error->message);
      return g_steal_pointer (&pixbuf);
    }

  /* The cache may store lossily (JPEG); hand out what later visits will see, so a thumbnail
   * never changes under the user's eyes between the first and the second visit. */
  {
    GdkPixbuf *cached = ks_thumbnail_cache_lookup (request->cache, key, NULL);

    if (cached != NULL)
      return cached;
  }

  return g_steal_pointer (&pixbuf);
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  g_autoptr(GTask) task = data;
  KsThumbnailer *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  GdkPixbuf *pixbuf;

  /* Scrolled away while waiting: drop it before any I/O. */
  if (g_task_return_error_if_cancelled (task))
    return;

  g_atomic_int_inc (&self->n_started);

  pixbuf = run_request (self, request, cancellable, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

/* Newest first: the grid requests what just scrolled into view last. */
static int
compare_tasks (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  Request *ra = g_task_get_task_data ((GTask *) a);
  Request *rb = g_task_get_task_data ((GTask *) b);

  return ra->seq > rb->seq ? -1 : ra->seq < rb->seq ? 1 : 0;
}

static gsize warm_up_started;

static gpointer
warm_up_thread (gpointer data)
{
  /* Only loads GStreamer; a failure is reported with the first video. */
  ks_gst_poster_init (NULL);
  return NULL;
}

static void
ks_thumbnailer_finalize (GObject *object)
{
  KsThumbnailer *self = (KsThumbnailer *) object;

  /* Every queued task holds a reference to us, so the queue is empty by now. We may be
   * finalized on one of the pool's own threads (dropping a task's last reference), so the
   * pool must not be waited for here. */
  if (self->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->pool), TRUE, FALSE);
  g_clear_object (&self->cache);

  G_OBJECT_CLASS (ks_thumbnailer_parent_class)->finalize (object);
}

static void
ks_thumbnailer_class_init (KsThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_thumbnailer_finalize;
}

static void
ks_thumbnailer_init (KsThumbnailer *self)
{
}

/**
 * ks_thumbnailer_new:
 * @cache: (nullable): where to keep thumbnails; %NULL for the default cache directory
 * @n_threads: workers, 0 for the default (3); at most 4
 *
 * Returns: (transfer full): a new thumbnailer
 */
KsThumbnailer *
ks_thumbnailer_new (KsThumbnailCache *cache,
                    guint             n_threads)
{
  KsThumbnailer *self = g_object_new (KS_TYPE_THUMBNAILER, NULL);

  self->cache = cache != NULL ? g_object_ref (cache) : ks_thumbnail_cache_new (NULL);
  if (n_threads == 0)
    n_threads = DEFAULT_THREADS;
  n_threads = MIN (n_threads, MAX_THREADS);

  self->pool = g_thread_pool_new (worker_func, self, n_threads, FALSE, NULL);
  g_thread_pool_set_sort_function (self->pool, compare_tasks, NULL);

  /* The first video poster would otherwise load GStreamer's registry (a scan of every
   * plugin when its cache is missing: 0.4 s on an idle machine) while the first screen of
   * thumbnails waits; a thread of its own does it now, while the phone is still being
   * paired, and leaves the workers to thumbnails. */
  if (g_once_init_enter (&warm_up_started))
    {
      g_thread_unref (g_thread_new ("ks-gst-warm-up", warm_up_thread, NULL));
      g_once_init_leave (&warm_up_started, 1);
    }

  return self;
}

KsThumbnailCache *
ks_thumbnailer_get_cache (KsThumbnailer *self)
{
  g_return_val_if_fail (KS_IS_THUMBNAILER (self), NULL);
  return self->cache;
}

/* How many requests reached a worker without having been cancelled first (for tests). */
guint
ks_thumbnailer_get_n_started (KsThumbnailer *self)
{
  g_return_val_if_fail (KS_IS_THUMBNAILER (self), 0);
  return g_atomic_int_get (&self->n_started);
}

/**
 * ks_thumbnailer_load_async:
 * @size: the file's size as enumerated (part of the cache key)
 * @mtime: its modification time (part of the cache key)
 * @size_px: the long side of the thumbnail
 *
 * Queues a thumbnail; the most recent request runs first. The callback runs on the
 * thread-default main context of the caller.
 */
void
ks_thumbnailer_load_async (KsThumbnailer       *self,
                           KsSource            *source,
                           const char          *path,
                           guint64              size,
                           gint64               mtime,
                           int                  size_px,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (KS_IS_THUMBNAILER (self));
  g_return_if_fail (KS_IS_SOURCE (source));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_thumbnailer_load_async);

  request = g_new0 (Request, 1);
  request->source = g_object_ref (source);
  request->cache = g_object_ref (self->cache);
  request->path = g_strdup (path);
  request->size = size;
  request->mtime = mtime;
  request->size_px = size_px;
  request->duration_ms = -1;
  request->seq = (guint) g_atomic_int_add (&self->next_seq, 1);
  g_task_set_task_data (task, request, request_free);

  g_thread_pool_push (self->pool, g_steal_pointer (&task), NULL);
}

/**
 * ks_thumbnailer_load_finish:
 * @duration_ms: (out) (optional): a video's duration in milliseconds, or -1; also set when
 *   the video has no cheap poster frame and an error is returned
 *
 * Returns: (transfer full): the thumbnail, or %NULL with @error set (%G_IO_ERROR_CANCELLED
 *   when dropped, %G_IO_ERROR_NOT_SUPPORTED for a video without a poster)
 */
GdkPixbuf *
ks_thumbnailer_load_finish (KsThumbnailer  *self,
                            GAsyncResult   *result,
                            gint64         *duration_ms,
                            GError        **error)
{
  Request *request;

  g_return_val_if_fail (KS_IS_THUMBNAILER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  request = g_task_get_task_data (G_TASK (result));
  if (duration_ms != NULL)
    *duration_ms = request->duration_ms;

  return g_task_propagate_pointer (G_TASK (result), error);
}
