/* ks-afc-input-stream.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Reads one file on the iPhone over AFC, holding its own session from the pool for its whole
 * life. Small reads are served from a read-ahead buffer (1 MiB by default) because every AFC
 * request is a round trip; large reads go straight to the caller's buffer (up to 4 MiB a
 * request). Sparse readers (the thumbnailer) set "read-ahead" to 0 to move only what they ask. */

#include "config.h"

#include <stdlib.h>
#include <glib/gi18n.h>

#include "ks-afc-input-stream.h"

#define DEFAULT_READ_AHEAD (1024 * 1024)
#define MAX_READ_SIZE (4 * 1024 * 1024)

struct _KsAfcInputStream
{
  GInputStream     parent_instance;

  KsAfcPool       *pool;
  KsAfcConnection *connection;
  char            *path;
  guint64          handle;
  guint64          size;

  /* The size came from a listing, not from the phone just now: the last read asks for one
   * byte more, so a file that grew since is noticed (an error, not a silently cut copy),
   * and a short answer there is the end of the file. */
  gboolean         size_is_listed;
  gboolean         end_seen;

  /* Logical position (what the caller sees) and where the device's file pointer is. */
  goffset          position;
  goffset          device_position;

  guint8          *buffer;
  goffset          buffer_offset;
  gsize            buffer_len;

  /* Bytes fetched on a small read; 0 = exactly what the caller asks for. */
  guint            read_ahead;
};

enum {
  PROP_0,
  PROP_READ_AHEAD,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void ks_afc_input_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsAfcInputStream, ks_afc_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      ks_afc_input_stream_seekable_iface_init))

static gboolean
fail (KsAfcInputStream  *self,
      afc_error_t        aerr,
      GError           **error)
{
  return ks_afc_pool_set_error (self->pool, self->connection, aerr, self->path, error);
}

static gboolean
device_seek (KsAfcInputStream  *self,
             goffset            offset,
             GError           **error)
{
  afc_error_t aerr;

  if (self->device_position == offset)
    return TRUE;

  aerr = afc_file_seek (ks_afc_connection_get_client (self->connection), self->handle, offset, SEEK_SET);
  if (aerr != AFC_E_SUCCESS)
    return fail (self, aerr, error);

  self->device_position = offset;
  return TRUE;
}

/* After each read: asks the phone where its file pointer is. libimobiledevice 1.3.0 lets three
 * lies through as a good read: a reply with more bytes than asked is cut to the request
 * without a word; one with fewer bytes than the phone's pointer moved leaves a hole; and a
 * reply cut short by a hang-up comes back whole, its missing part uninitialised memory (its
 * receive loop keeps counting the last chunk's size after the link failed). The first two
 * move the pointer elsewhere, the third kills the session, so the question fails. One round
 * trip per file and per 4 MiB, only on the import's path (a size from the listing), where a
 * wrong byte would be backed up as the photo. */
static gboolean
check_device_position (KsAfcInputStream  *self,
                       GError           **error)
{
  uint64_t where = 0;
  afc_error_t aerr;

  aerr = afc_file_tell (ks_afc_connection_get_client (self->connection), self->handle, &where);
  if (aerr != AFC_E_SUCCESS)
    return fail (self, aerr, error);

  if (where != (uint64_t) self->device_position)
    {
      g_autofree char *display = g_utf8_make_valid (self->path, -1);

      /* Whatever the session says next cannot be trusted either: the pool opens a new one. */
      ks_afc_connection_mark_broken (self->connection);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The iPhone sent other bytes of “%s” than were asked for; the file was not copied"),
                   display);
      return FALSE;
    }

  return TRUE;
}

/* One AFC FileRead at the current position into @dest. */
static gssize
device_read (KsAfcInputStream  *self,
             void              *dest,
             gsize              count,
             GCancellable      *cancellable,
             GError           **error)
{
  uint32_t bytes_read = 0;
  guint64 left;
  afc_error_t aerr;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  /* Never ask past the end the file had when it was opened: a request at EOF costs a round
   * trip over USB for nothing, and every file is read to its end. */
  if (self->position >= (goffset) self->size && (!self->size_is_listed || self->end_seen))
    return 0;
  left = self->size - MIN ((guint64) self->position, self->size);
  count = MIN (count, self->size_is_listed ? left + 1 : left);

  if (!device_seek (self, self->position, error))
    return -1;

  count = MIN (count, MAX_READ_SIZE);
  aerr = afc_file_read (ks_afc_connection_get_client (self->connection), self->handle,
                        dest, (uint32_t) count, &bytes_read);
  if (aerr != AFC_E_SUCCESS)
    {
      fail (self, aerr, error);
      return -1;
    }

  if (self->size_is_listed && bytes_read > left)
    {
      g_autofree char *display = g_utf8_make_valid (self->path, -1);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s grew on the iPhone after it was listed"), display);
      return -1;
    }
  if (self->size_is_listed && bytes_read == left && bytes_read < count)
    self->end_seen = TRUE;

  self->device_position += bytes_read;
  if (self->size_is_listed && bytes_read > 0 && !check_device_position (self, error))
    return -1;
  return bytes_read;
}

static gssize
ks_afc_input_stream_read (GInputStream  *stream,
                          void          *dest,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  KsAfcInputStream *self = KS_AFC_INPUT_STREAM (stream);
  gssize n;

  if (count == 0)
    return 0;

  /* Served from the buffer? */
  if (self->buffer_len > 0 &&
      self->position >= self->buffer_offset &&
      self->position < self->buffer_offset + (goffset) self->buffer_len)
    {
      gsize start = self->position - self->buffer_offset;

      n = MIN (count, self->buffer_len - start);
      memcpy (dest, self->buffer + start, n);
      self->position += n;
      return n;
    }

  /* No read-ahead: one AFC read of exactly the request (capped), so the wire carries only
   * the bytes asked for. */
  if (self->read_ahead == 0 || count >= self->read_ahead)
    {
      n = device_read (self, dest, count, cancellable, error);
      if (n > 0)
        self->position += n;
      return n;
    }

  if (self->buffer == NULL)
    self->buffer = g_malloc (self->read_ahead);

  self->buffer_len = 0;
  self->buffer_offset = self->position;
  n = device_read (self, self->buffer, self->read_ahead, cancellable, error);
  if (n <= 0)
    return n;
  self->buffer_len = n;

  n = MIN (count, self->buffer_len);
  memcpy (dest, self->buffer, n);
  self->position += n;
  return n;
}

static gssize
ks_afc_input_stream_skip (GInputStream  *stream,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  KsAfcInputStream *self = KS_AFC_INPUT_STREAM (stream);
  goffset target = self->position + count;

  if (target > (goffset) self->size)
    target = MAX ((goffset) self->size, self->position);
  count = target - self->position;
  self->position = target;
  return count;
}

static gboolean
ks_afc_input_stream_close (GInputStream  *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  KsAfcInputStream *self = KS_AFC_INPUT_STREAM (stream);

  if (self->connection != NULL)
    {
      /* A broken session would only time out on the close request. */
      if (self->handle != 0 && !ks_afc_connection_is_broken (self->connection))
        afc_file_close (ks_afc_connection_get_client (self->connection), self->handle);
      self->handle = 0;
      ks_afc_pool_release (self->pool, g_steal_pointer (&self->connection));
    }
  g_clear_pointer (&self->buffer, g_free);
  self->buffer_len = 0;

  return TRUE;
}

static goffset
ks_afc_input_stream_tell (GSeekable *seekable)
{
  return KS_AFC_INPUT_STREAM (seekable)->position;
}

static gboolean
ks_afc_input_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
ks_afc_input_stream_seek (GSeekable     *seekable,
                          goffset        offset,
                          GSeekType      type,
                          GCancellable  *cancellable,
                          GError       **error)
{
  KsAfcInputStream *self = KS_AFC_INPUT_STREAM (seekable);
  goffset target;

  switch (type)
    {
    case G_SEEK_SET:
      target = offset;
      break;
    case G_SEEK_CUR:
      target = self->position + offset;
      break;
    case G_SEEK_END:
      target = (goffset) self->size + offset;
      break;
    default:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Invalid seek type"));
      return FALSE;
    }

  if (target < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Cannot seek before the start of the file"));
      return FALSE;
    }

  if (!g_input_stream_set_pending (G_INPUT_STREAM (self), error))
    return FALSE;

  /* The device seek happens lazily, at the next read that misses the buffer. */
  self->position = target;

  g_input_stream_clear_pending (G_INPUT_STREAM (self));
  return TRUE;
}

static gboolean
ks_afc_input_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
ks_afc_input_stream_truncate (GSeekable     *seekable,
                              goffset        offset,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("Files on the iPhone are read-only"));
  return FALSE;
}

static void
ks_afc_input_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = ks_afc_input_stream_tell;
  iface->can_seek = ks_afc_input_stream_can_seek;
  iface->seek = ks_afc_input_stream_seek;
  iface->can_truncate = ks_afc_input_stream_can_truncate;
  iface->truncate_fn = ks_afc_input_stream_truncate;
}

static void
ks_afc_input_stream_finalize (GObject *object)
{
  KsAfcInputStream *self = (KsAfcInputStream *)object;

  /* GInputStream closes in dispose; this is only for a stream that failed to open. */
  if (self->connection != NULL)
    ks_afc_pool_release (self->pool, g_steal_pointer (&self->connection));
  g_clear_pointer (&self->buffer, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (ks_afc_input_stream_parent_class)->finalize (object);
}

static void
ks_afc_input_stream_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  KsAfcInputStream *self = KS_AFC_INPUT_STREAM (object);

  switch (prop_id)
    {
    case PROP_READ_AHEAD:
      g_value_set_uint (value, self->read_ahead);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_afc_input_stream_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  KsAfcInputStream *self = KS_AFC_INPUT_STREAM (object);

  switch (prop_id)
    {
    case PROP_READ_AHEAD:
      ks_afc_input_stream_set_read_ahead (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_afc_input_stream_class_init (KsAfcInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = ks_afc_input_stream_finalize;
  object_class->get_property = ks_afc_input_stream_get_property;
  object_class->set_property = ks_afc_input_stream_set_property;
  stream_class->read_fn = ks_afc_input_stream_read;
  stream_class->skip = ks_afc_input_stream_skip;
  stream_class->close_fn = ks_afc_input_stream_close;

  /**
   * KsAfcInputStream:read-ahead:
   *
   * How many bytes a read smaller than this fetches from the phone into a buffer, so that
   * sequential small reads cost one round trip. 0 serves exactly the bytes asked for, one AFC
   * read per request, never more: for sparse readers that only want a few boxes of a file.
   */
  properties [PROP_READ_AHEAD] =
    g_param_spec_uint ("read-ahead", NULL, NULL,
                       0, MAX_READ_SIZE, DEFAULT_READ_AHEAD,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_afc_input_stream_init (KsAfcInputStream *self)
{
  self->read_ahead = DEFAULT_READ_AHEAD;
}

static guint64
info_get_uint64 (char       **info,
                 const char  *key)
{
  for (guint i = 0; info != NULL && info[i] != NULL && info[i + 1] != NULL; i += 2)
    if (g_strcmp0 (info[i], key) == 0)
      return g_ascii_strtoull (info[i + 1], NULL, 10);
  return 0;
}

/* Opens @afc_path on a session of the pool. With @known_size < 0 it asks the phone for the
 * size first; that request also probes the session. */
static GInputStream *
open_stream (KsAfcPool     *pool,
             const char    *afc_path,
             gint64         known_size,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(KsAfcInputStream) self = NULL;
  afc_error_t aerr;

  g_return_val_if_fail (KS_IS_AFC_POOL (pool), NULL);
  g_return_val_if_fail (afc_path != NULL, NULL);

  self = g_object_new (KS_TYPE_AFC_INPUT_STREAM, NULL);
  self->pool = g_object_ref (pool);
  self->path = g_strdup (afc_path);

  /* An idle session may have died with an earlier unplug; when the phone is back, the
   * failed attempt left a fresh session in the pool, so one more try is enough. */
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      char **info = NULL;

      self->connection = ks_afc_pool_acquire (pool, cancellable, error);
      if (self->connection == NULL)
        return NULL;

      if (known_size >= 0)
        {
          self->size = known_size;
          self->size_is_listed = TRUE;
          aerr = afc_file_open (ks_afc_connection_get_client (self->connection), afc_path,
                                AFC_FOPEN_RDONLY, &self->handle);
        }
      else
        {
          aerr = afc_get_file_info (ks_afc_connection_get_client (self->connection), afc_path, &info);
          if (aerr == AFC_E_SUCCESS)
            {
              self->size = info_get_uint64 (info, "st_size");
              afc_dictionary_free (info);
              aerr = afc_file_open (ks_afc_connection_get_client (self->connection), afc_path,
                                    AFC_FOPEN_RDONLY, &self->handle);
            }
        }
      if (aerr == AFC_E_SUCCESS)
        break;

      self->handle = 0;
      fail (self, aerr, &local_error);
      if (attempt == 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        {
          ks_afc_pool_release (pool, g_steal_pointer (&self->connection));
          continue;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return G_INPUT_STREAM (g_steal_pointer (&self));
}

/**
 * ks_afc_input_stream_open:
 * @pool: the device's session pool
 * @afc_path: absolute path under the AFC media root ("/DCIM/100APPLE/IMG_0001.HEIC"), raw bytes
 *
 * Blocking. Opens the file read-only on a session of its own.
 *
 * Returns: (transfer full): a seekable #GInputStream, or %NULL with @error set
 */
GInputStream *
ks_afc_input_stream_open (KsAfcPool     *pool,
                          const char    *afc_path,
                          GCancellable  *cancellable,
                          GError       **error)
{
  return open_stream (pool, afc_path, -1, cancellable, error);
}

/**
 * ks_afc_input_stream_open_sized:
 * @size: the size the listing gave
 *
 * Like ks_afc_input_stream_open() without asking the phone for the size (one round trip
 * less per file for an import, which just listed it). The stream ends at @size.
 *
 * Returns: (transfer full): a seekable #GInputStream, or %NULL with @error set
 */
GInputStream *
ks_afc_input_stream_open_sized (KsAfcPool     *pool,
                                const char    *afc_path,
                                guint64        size,
                                GCancellable  *cancellable,
                                GError       **error)
{
  return open_stream (pool, afc_path, (gint64) MIN (size, (guint64) G_MAXINT64), cancellable, error);
}

guint
ks_afc_input_stream_get_read_ahead (KsAfcInputStream *self)
{
  g_return_val_if_fail (KS_IS_AFC_INPUT_STREAM (self), 0);
  return self->read_ahead;
}

/**
 * ks_afc_input_stream_set_read_ahead:
 * @read_ahead: bytes to fetch on a smaller read, at most 4 MiB; 0 = no read-ahead
 *
 * Bytes already buffered stay valid (they are the file's bytes); only later misses change.
 */
void
ks_afc_input_stream_set_read_ahead (KsAfcInputStream *self,
                                    guint             read_ahead)
{
  g_return_if_fail (KS_IS_AFC_INPUT_STREAM (self));

  read_ahead = MIN (read_ahead, MAX_READ_SIZE);
  if (self->read_ahead == read_ahead)
    return;

  /* The buffer was sized for the old value; a smaller one must not be overrun at the next fill. */
  g_clear_pointer (&self->buffer, g_free);
  self->buffer_len = 0;
  self->read_ahead = read_ahead;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_READ_AHEAD]);
}

guint64
ks_afc_input_stream_get_size (KsAfcInputStream *self)
{
  g_return_val_if_fail (KS_IS_AFC_INPUT_STREAM (self), 0);
  return self->size;
}
