/* ks-gst-input-stream.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* giostreamsrc (gst-plugins-base 1.22) takes a failed read for a short one and never frees
 * its GError, so a cancelled or broken read (a phone unplugged mid-poster) would leak and be
 * reported as "no frame". Reads here never fail: the first error is kept, the read returns
 * 0 (end of file), the demuxer stops, and the poster code reports the kept error instead. */

#include "config.h"

#include "ks-gst-input-stream.h"

struct _KsGstInputStream
{
  GInputStream  parent_instance;

  GInputStream *base;
  GMutex        lock;
  GError       *error;   /* the first failed read's */
};

static void ks_gst_input_stream_seekable_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsGstInputStream, ks_gst_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      ks_gst_input_stream_seekable_init))

static gssize
ks_gst_input_stream_read (GInputStream  *stream,
                          void          *buffer,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  KsGstInputStream *self = KS_GST_INPUT_STREAM (stream);
  GError *local_error = NULL;
  gssize n = g_input_stream_read (self->base, buffer, count, cancellable, &local_error);

  if (n >= 0)
    return n;

  g_mutex_lock (&self->lock);
  if (self->error == NULL)
    self->error = g_steal_pointer (&local_error);
  g_mutex_unlock (&self->lock);
  g_clear_error (&local_error);
  return 0;
}

static gboolean
ks_gst_input_stream_close (GInputStream  *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  /* The thumbnailer closes its own stream. */
  return TRUE;
}

static goffset
ks_gst_input_stream_tell (GSeekable *seekable)
{
  return g_seekable_tell (G_SEEKABLE (KS_GST_INPUT_STREAM (seekable)->base));
}

static gboolean
ks_gst_input_stream_can_seek (GSeekable *seekable)
{
  return g_seekable_can_seek (G_SEEKABLE (KS_GST_INPUT_STREAM (seekable)->base));
}

static gboolean
ks_gst_input_stream_seek (GSeekable     *seekable,
                          goffset        offset,
                          GSeekType      type,
                          GCancellable  *cancellable,
                          GError       **error)
{
  return g_seekable_seek (G_SEEKABLE (KS_GST_INPUT_STREAM (seekable)->base), offset, type,
                          cancellable, error);
}

static gboolean
ks_gst_input_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
ks_gst_input_stream_truncate (GSeekable     *seekable,
                              goffset        offset,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Cannot truncate");
  return FALSE;
}

static void
ks_gst_input_stream_seekable_init (GSeekableIface *iface)
{
  iface->tell = ks_gst_input_stream_tell;
  iface->can_seek = ks_gst_input_stream_can_seek;
  iface->seek = ks_gst_input_stream_seek;
  iface->can_truncate = ks_gst_input_stream_can_truncate;
  iface->truncate_fn = ks_gst_input_stream_truncate;
}

static void
ks_gst_input_stream_finalize (GObject *object)
{
  KsGstInputStream *self = KS_GST_INPUT_STREAM (object);

  g_clear_object (&self->base);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ks_gst_input_stream_parent_class)->finalize (object);
}

static void
ks_gst_input_stream_class_init (KsGstInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = ks_gst_input_stream_finalize;
  stream_class->read_fn = ks_gst_input_stream_read;
  stream_class->close_fn = ks_gst_input_stream_close;
}

static void
ks_gst_input_stream_init (KsGstInputStream *self)
{
  g_mutex_init (&self->lock);
}

/**
 * ks_gst_input_stream_new:
 * @base: a seekable stream; it is neither closed nor read from elsewhere meanwhile
 *
 * Returns: (transfer full): a stream reading @base whose reads never fail
 */
GInputStream *
ks_gst_input_stream_new (GInputStream *base)
{
  KsGstInputStream *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (base) && G_IS_SEEKABLE (base), NULL);

  self = g_object_new (KS_TYPE_GST_INPUT_STREAM, NULL);
  self->base = g_object_ref (base);
  return G_INPUT_STREAM (self);
}

/**
 * ks_gst_input_stream_dup_error:
 *
 * Returns: (transfer full) (nullable): a copy of the first failed read's error
 */
GError *
ks_gst_input_stream_dup_error (KsGstInputStream *self)
{
  GError *copy;

  g_return_val_if_fail (KS_IS_GST_INPUT_STREAM (self), NULL);

  g_mutex_lock (&self->lock);
  copy = self->error != NULL ? g_error_copy (self->error) : NULL;
  g_mutex_unlock (&self->lock);
  return copy;
}
