/* ks-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The KsSource interface and its async helpers: enumeration runs on a worker and hands
 * batches of files to the caller's main context, so a UI sees files long before the walk ends. */

#include "config.h"

#include <string.h>

#include "ks-source.h"

/* A batch goes out when it holds this many files or is this old, whichever comes first. */
#define BATCH_MAX_FILES 256
#define BATCH_MAX_USEC  (100 * G_TIME_SPAN_MILLISECOND)
/* Below drawing (GDK_PRIORITY_REDRAW) and idle work: a walk faster than its consumer queues
 * batches, and at default priority they would hold back the layout of the files already
 * shown, and what it starts (thumbnails of the first screen), until the walk ends. */
#define BATCH_PRIORITY  G_PRIORITY_LOW

G_DEFINE_INTERFACE (KsSource, ks_source, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (KsSourceFile, ks_source_file, ks_source_file_copy, ks_source_file_free)

KsSourceFile *
ks_source_file_new (const char *path,
                    guint64     size,
                    gint64      mtime)
{
  KsSourceFile *file;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_new0 (KsSourceFile, 1);
  file->path = g_strdup (path);
  file->size = size;
  file->mtime = mtime;

  return file;
}

KsSourceFile *
ks_source_file_copy (const KsSourceFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return ks_source_file_new (file->path, file->size, file->mtime);
}

void
ks_source_file_free (KsSourceFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file);
}

static gint64
ks_source_real_query_free_space (KsSource      *self,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  return -1;
}

static void
ks_source_default_init (KsSourceInterface *iface)
{
  iface->query_free_space = ks_source_real_query_free_space;
}

const char *
ks_source_get_id (KsSource *self)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);
  return KS_SOURCE_GET_IFACE (self)->get_id (self);
}

char *
ks_source_dup_display_name (KsSource *self)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);
  return KS_SOURCE_GET_IFACE (self)->dup_display_name (self);
}

/**
 * ks_source_enumerate:
 * @func: (scope call): called for each regular file, on this thread
 *
 * Blocking walk of the source's media. See #KsSourceInterface.
 *
 * Returns: %TRUE if the walk completed (or @func stopped it)
 */
gboolean
ks_source_enumerate (KsSource          *self,
                     KsSourceFileFunc   func,
                     gpointer           user_data,
                     GCancellable      *cancellable,
                     GError           **error)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  return KS_SOURCE_GET_IFACE (self)->enumerate (self, func, user_data, cancellable, error);
}

/**
 * ks_source_open_file:
 *
 * Returns: (transfer full): a stream that also implements #GSeekable
 */
GInputStream *
ks_source_open_file (KsSource      *self,
                     const char    *path,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  return KS_SOURCE_GET_IFACE (self)->open_file (self, path, cancellable, error);
}

/**
 * ks_source_open_file_sized:
 * @size: the file's size as @enumerate reported it
 *
 * For a reader that reads the whole file it just listed (an import): saves the source a
 * round trip where it can. The stream ends at @size at the latest.
 *
 * Returns: (transfer full): a stream that also implements #GSeekable
 */
GInputStream *
ks_source_open_file_sized (KsSource      *self,
                           const char    *path,
                           guint64        size,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (KS_SOURCE_GET_IFACE (self)->open_file_sized == NULL)
    return KS_SOURCE_GET_IFACE (self)->open_file (self, path, cancellable, error);

  return KS_SOURCE_GET_IFACE (self)->open_file_sized (self, path, size, cancellable, error);
}

/**
 * ks_source_path_is_safe:
 * @path: a path as a source reports it
 *
 * Whether @path stays inside its source: not empty, no leading '/', no empty, "." or ".."
 * part. Sources use it on names they did not make themselves (stored paths, a backup's
 * Manifest.db).
 */
gboolean
ks_source_path_is_safe (const char *path)
{
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  if (path[0] == '\0' || path[0] == '/')
    return FALSE;

  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;

  return TRUE;
}

gint64
ks_source_query_free_space (KsSource      *self,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), -1);

  if (KS_SOURCE_GET_IFACE (self)->query_free_space == NULL)
    return -1;
  return KS_SOURCE_GET_IFACE (self)->query_free_space (self, cancellable, error);
}

/**
 * ks_source_is_present:
 *
 * Whether the source is still there (see #KsSourceInterface.is_present). Blocking.
 *
 * Returns: %FALSE if it went away as a whole
 */
gboolean
ks_source_is_present (KsSource *self)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), FALSE);

  if (KS_SOURCE_GET_IFACE (self)->is_present == NULL)
    return TRUE;
  return KS_SOURCE_GET_IFACE (self)->is_present (self);
}

/**
 * ks_source_dup_local_path:
 * @path: a path as reported by ks_source_enumerate()
 *
 * Returns: (transfer full) (nullable): where that file is on this computer's file system,
 *   for a source that is a local folder; %NULL otherwise
 */
char *
ks_source_dup_local_path (KsSource   *self,
                          const char *path)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (KS_SOURCE_GET_IFACE (self)->dup_local_path == NULL)
    return NULL;
  return KS_SOURCE_GET_IFACE (self)->dup_local_path (self, path);
}

/**
 * ks_source_annotate_assets:
 * @assets: (element-type KsAsset): assets grouped from this source's files, not yet shared
 *
 * Sets flags and albums the source's own library knows on @assets; nothing for a source
 * without one.
 */
void
ks_source_annotate_assets (KsSource  *self,
                           GPtrArray *assets)
{
  g_return_if_fail (KS_IS_SOURCE (self));
  g_return_if_fail (assets != NULL);

  if (KS_SOURCE_GET_IFACE (self)->annotate_assets != NULL)
    KS_SOURCE_GET_IFACE (self)->annotate_assets (self, assets);
}

/**
 * ks_source_dup_library:
 *
 * Returns: (transfer full) (nullable): the Photos library read by the last enumeration
 */
KsPhotosDb *
ks_source_dup_library (KsSource *self)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);

  if (KS_SOURCE_GET_IFACE (self)->dup_library == NULL)
    return NULL;
  return KS_SOURCE_GET_IFACE (self)->dup_library (self);
}

typedef struct
{
  KsSourceBatchFunc  batch_func;
  gpointer           batch_data;
  GDestroyNotify     batch_data_destroy;

  /* Worker side */
  GPtrArray         *pending;
  gint64             pending_since;
  char              *dir;       /* of the last file reported */
} EnumerateData;

typedef struct
{
  GTask     *task;
  GPtrArray *files;
} BatchDelivery;

static void
enumerate_data_free (EnumerateData *data)
{
  if (data->batch_data_destroy)
    data->batch_data_destroy (data->batch_data);
  g_clear_pointer (&data->pending, g_ptr_array_unref);
  g_free (data->dir);
  g_free (data);
}

static gboolean
deliver_batch_cb (gpointer user_data)
{
  BatchDelivery *delivery = user_data;
  EnumerateData *data = g_task_get_task_data (delivery->task);

  /* After cancellation the caller no longer wants files. */
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (delivery->task)))
    data->batch_func (g_task_get_source_object (delivery->task), delivery->files, data->batch_data);

  return G_SOURCE_REMOVE;
}

static void
batch_delivery_free (gpointer user_data)
{
  BatchDelivery *delivery = user_data;

  g_ptr_array_unref (delivery->files);
  g_object_unref (delivery->task);
  g_free (delivery);
}

/* Batches are queued on the task's context (the caller's thread-default one) at
 * BATCH_PRIORITY before the worker returns, and GTask's own completion is queued
 * there after them at the same priority (the task's), so equal-priority sources
 * run in order and no batch arrives after the callback. Each batch holds a task
 * reference for its data. */
static void
flush_pending (GTask         *task,
               EnumerateData *data)
{
  BatchDelivery *delivery;
  GSource *source;

  if (data->pending->len == 0)
    return;

  delivery = g_new0 (BatchDelivery, 1);
  delivery->task = g_object_ref (task);
  delivery->files = g_steal_pointer (&data->pending);
  data->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);

  source = g_idle_source_new ();
  g_source_set_priority (source, BATCH_PRIORITY);
  g_source_set_static_name (source, "[keepsake] source batch");
  g_source_set_callback (source, deliver_batch_cb, delivery, batch_delivery_free);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static gboolean
enumerate_file_cb (KsSource           *source,
                   const KsSourceFile *file,
                   gpointer            user_data)
{
  GTask *task = user_data;
  EnumerateData *data = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();
  const char *slash = strrchr (file->path, '/');
  gsize dir_len = slash ? (gsize) (slash - file->path) : 0;
  gboolean new_dir = data->dir == NULL || strlen (data->dir) != dir_len
                     || strncmp (data->dir, file->path, dir_len) != 0;

  if (new_dir)
    {
      g_free (data->dir);
      data->dir = g_strndup (file->path, dir_len);
    }

  if (data->pending->len == 0)
    data->pending_since = now;
  g_ptr_array_add (data->pending, ks_source_file_copy (file));

  /* The first file of the next directory goes out at once with the rest of the last one:
   * the consumer's grouping can only close a directory when it sees that file, and a
   * finished folder (the newest, listed first) must not wait for the next one's walk. */
  if ((new_dir && data->pending->len > 1) ||
      data->pending->len >= BATCH_MAX_FILES || now - data->pending_since >= BATCH_MAX_USEC)
    flush_pending (task, data);

  return TRUE;
}

static void
ks_source_enumerate_worker (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  EnumerateData *data = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = ks_source_enumerate (KS_SOURCE (source_object), enumerate_file_cb, task, cancellable, &error);
  flush_pending (task, data);

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * ks_source_enumerate_async:
 * @batch_func: (scope notified): called on the thread-default main context of
 *   the caller with batches of files, in walk order, until the walk ends
 * @batch_data_destroy: (nullable): frees @batch_data when the task is done
 *
 * Walks the source on a worker thread. @callback runs after the last batch.
 */
void
ks_source_enumerate_async (KsSource            *self,
                           KsSourceBatchFunc    batch_func,
                           gpointer             batch_data,
                           GDestroyNotify       batch_data_destroy,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  EnumerateData *data;

  g_return_if_fail (KS_IS_SOURCE (self));
  g_return_if_fail (batch_func != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (EnumerateData, 1);
  data->batch_func = batch_func;
  data->batch_data = batch_data;
  data->batch_data_destroy = batch_data_destroy;
  data->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_source_enumerate_async);
  g_task_set_priority (task, BATCH_PRIORITY);
  g_task_set_task_data (task, data, (GDestroyNotify) enumerate_data_free);
  g_task_run_in_thread (task, ks_source_enumerate_worker);
}

gboolean
ks_source_enumerate_finish (KsSource      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ks_source_open_file_worker (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  GInputStream *stream;

  stream = ks_source_open_file (KS_SOURCE (source_object), task_data, cancellable, &error);
  if (stream == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

void
ks_source_open_file_async (KsSource            *self,
                           const char          *path,
                           int                  io_priority,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_SOURCE (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_source_open_file_async);
  g_task_set_priority (task, io_priority);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, ks_source_open_file_worker);
}

/**
 * ks_source_open_file_finish:
 *
 * Returns: (transfer full): a seekable stream
 */
GInputStream *
ks_source_open_file_finish (KsSource      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (KS_IS_SOURCE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ks_source_dup_device_info:
 * @out_udid: (out) (transfer full) (nullable): the device's UDID
 * @out_name: (out) (transfer full) (nullable): the device's name
 * @out_model: (out) (transfer full) (nullable): its product type
 *
 * Returns: %TRUE if @self is a device, with what is known of it
 */
gboolean
ks_source_dup_device_info (KsSource  *self,
                           char     **out_udid,
                           char     **out_name,
                           char     **out_model)
{
  KsSourceInterface *iface;

  g_return_val_if_fail (KS_IS_SOURCE (self), FALSE);

  *out_udid = NULL;
  *out_name = NULL;
  *out_model = NULL;
  iface = KS_SOURCE_GET_IFACE (self);
  if (iface->dup_device_info == NULL)
    return FALSE;

  return iface->dup_device_info (self, out_udid, out_name, out_model);
}
