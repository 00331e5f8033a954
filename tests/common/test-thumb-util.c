/* test-thumb-util.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Test equipment for the thumbnailer tests and benchmarks: counting stream, counting folder
 * source, and fixture makers. */

#include "config.h"

#include <string.h>
#include <libexif/exif-data.h>
#include <libheif/heif.h>

#include "ks-isobmff.h"
#include "ks-test-media.h"
#include "test-thumb-util.h"

/* ---- counting stream ---- */

struct _TestCountingStream
{
  GInputStream  parent_instance;
  GInputStream *base;
  gint64       *counter;
  GArray       *ranges;
  guint64       read_ahead;  /* only stored: lets tests see that the thumbnailer clears it */
  guint         n_reads;     /* atomic */
  guint         slow_after;  /* reads after this many take delay_usec (a slow link) */
  gint64        delay_usec;
  guint         fail_after;  /* reads after this many fail (a phone unplugged); 0: never */
};

enum { PROP_0, PROP_READ_AHEAD, N_PROPS };

static void test_counting_stream_seekable_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestCountingStream, test_counting_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      test_counting_stream_seekable_init))

static gssize
test_counting_stream_read (GInputStream  *stream,
                           void          *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  TestCountingStream *self = (TestCountingStream *) stream;
  goffset pos = g_seekable_tell (G_SEEKABLE (self->base));
  guint nth = (guint) g_atomic_int_add (&self->n_reads, 1);
  gssize n;

  if (self->fail_after > 0 && nth >= self->fail_after)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "The device went away");
      return -1;
    }
  if (nth >= self->slow_after && self->delay_usec > 0)
    {
      /* A slow link that still answers to cancellation, as an AFC read between packets. */
      gint64 until = g_get_monotonic_time () + self->delay_usec;

      while (g_get_monotonic_time () < until)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return -1;
          g_usleep (5000);
        }
    }
  n = g_input_stream_read (self->base, buffer, count, cancellable, error);

  if (n > 0)
    {
      if (self->counter != NULL)
        g_atomic_pointer_add ((gssize *) self->counter, n);
      if (self->ranges != NULL)
        {
          TestRange r = { (guint64) pos, (guint64) n };
          g_array_append_val (self->ranges, r);
        }
    }
  return n;
}

static gboolean
test_counting_stream_close (GInputStream  *stream,
                            GCancellable  *cancellable,
                            GError       **error)
{
  TestCountingStream *self = (TestCountingStream *) stream;

  return g_input_stream_close (self->base, cancellable, error);
}

static goffset
seekable_tell (GSeekable *seekable)
{
  return g_seekable_tell (G_SEEKABLE (((TestCountingStream *) seekable)->base));
}

static gboolean
seekable_can_seek (GSeekable *seekable)
{
  return g_seekable_can_seek (G_SEEKABLE (((TestCountingStream *) seekable)->base));
}

static gboolean
seekable_seek (GSeekable     *seekable,
               goffset        offset,
               GSeekType      type,
               GCancellable  *cancellable,
               GError       **error)
{
  return g_seekable_seek (G_SEEKABLE (((TestCountingStream *) seekable)->base),
                          offset, type, cancellable, error);
}

static gboolean
seekable_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
seekable_truncate (GSeekable     *seekable,
                   goffset        offset,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Read-only");
  return FALSE;
}

static void
test_counting_stream_seekable_init (GSeekableIface *iface)
{
  iface->tell = seekable_tell;
  iface->can_seek = seekable_can_seek;
  iface->seek = seekable_seek;
  iface->can_truncate = seekable_can_truncate;
  iface->truncate_fn = seekable_truncate;
}

static void
test_counting_stream_finalize (GObject *object)
{
  TestCountingStream *self = (TestCountingStream *) object;

  g_clear_object (&self->base);
  g_clear_pointer (&self->ranges, g_array_unref);
  G_OBJECT_CLASS (test_counting_stream_parent_class)->finalize (object);
}

static void
test_counting_stream_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TestCountingStream *self = (TestCountingStream *) object;

  if (prop_id == PROP_READ_AHEAD)
    g_value_set_uint64 (value, self->read_ahead);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_counting_stream_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TestCountingStream *self = (TestCountingStream *) object;

  if (prop_id == PROP_READ_AHEAD)
    self->read_ahead = g_value_get_uint64 (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_counting_stream_class_init (TestCountingStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = test_counting_stream_finalize;
  object_class->get_property = test_counting_stream_get_property;
  object_class->set_property = test_counting_stream_set_property;
  /* A 64-bit property, like the one KsAfcInputStream may grow, starting non-zero. */
  g_object_class_install_property (object_class, PROP_READ_AHEAD,
                                   g_param_spec_uint64 ("read-ahead", NULL, NULL,
                                                        0, G_MAXUINT64, 1024 * 1024,
                                                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  stream_class->read_fn = test_counting_stream_read;
  stream_class->close_fn = test_counting_stream_close;
}

static void
test_counting_stream_init (TestCountingStream *self)
{
  self->read_ahead = 1024 * 1024;
}

GInputStream *
test_counting_stream_new (GInputStream *base,
                          gint64       *counter,
                          GArray       *ranges)
{
  TestCountingStream *self = g_object_new (TEST_TYPE_COUNTING_STREAM, NULL);

  g_assert_true (G_IS_SEEKABLE (base));
  self->base = g_object_ref (base);
  self->counter = counter;
  self->ranges = ranges != NULL ? g_array_ref (ranges) : NULL;
  return G_INPUT_STREAM (self);
}

/* Every read after the first @after ones waits @delay_usec first (cancellable). */
void
test_counting_stream_set_delay (TestCountingStream *self,
                                guint               after,
                                gint64              delay_usec)
{
  self->slow_after = after;
  self->delay_usec = delay_usec;
}

/* Every read after the first @after ones fails with G_IO_ERROR_CONNECTION_CLOSED. */
void
test_counting_stream_set_fail (TestCountingStream *self,
                               guint               after)
{
  self->fail_after = after;
}

GInputStream *
test_counting_stream_new_bytes (GBytes *bytes,
                                gint64 *counter,
                                GArray *ranges)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_bytes (bytes);

  return test_counting_stream_new (base, counter, ranges);
}

/* ---- counting folder source ---- */

struct _TestSource
{
  GObject  parent_instance;
  char    *directory;
  char    *id;
  guint    n_opens;  /* atomic */
  gint64   bytes;    /* atomic */
  GMutex   mutex;
  GCond    cond;
  gboolean gate_closed;
  guint    n_blocked;
};

static void test_source_iface_init (KsSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSource, test_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_SOURCE, test_source_iface_init))

static const char *
test_source_get_id (KsSource *source)
{
  return TEST_SOURCE (source)->id;
}

static char *
test_source_dup_display_name (KsSource *source)
{
  return g_strdup ("Test");
}

static gboolean
test_source_enumerate (KsSource          *source,
                       KsSourceFileFunc   func,
                       gpointer           user_data,
                       GCancellable      *cancellable,
                       GError           **error)
{
  return TRUE;
}

static GInputStream *
test_source_open_file (KsSource      *source,
                       const char    *path,
                       GCancellable  *cancellable,
                       GError       **error)
{
  TestSource *self = TEST_SOURCE (source);
  g_autofree char *full = g_build_filename (self->directory, path, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (full);
  g_autoptr(GFileInputStream) base = NULL;

  g_mutex_lock (&self->mutex);
  self->n_blocked++;
  g_cond_broadcast (&self->cond);
  while (self->gate_closed)
    g_cond_wait (&self->cond, &self->mutex);
  self->n_blocked--;
  g_mutex_unlock (&self->mutex);

  g_atomic_int_inc (&self->n_opens);

  base = g_file_read (file, cancellable, error);
  if (base == NULL)
    return NULL;
  return test_counting_stream_new (G_INPUT_STREAM (base), &self->bytes, NULL);
}

static void
test_source_iface_init (KsSourceInterface *iface)
{
  iface->get_id = test_source_get_id;
  iface->dup_display_name = test_source_dup_display_name;
  iface->enumerate = test_source_enumerate;
  iface->open_file = test_source_open_file;
}

static void
test_source_finalize (GObject *object)
{
  TestSource *self = (TestSource *) object;

  g_free (self->directory);
  g_free (self->id);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (test_source_parent_class)->finalize (object);
}

static void
test_source_class_init (TestSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_source_finalize;
}

static void
test_source_init (TestSource *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

TestSource *
test_source_new (const char *directory)
{
  TestSource *self = g_object_new (TEST_TYPE_SOURCE, NULL);

  self->directory = g_strdup (directory);
  self->id = g_strconcat ("test:", directory, NULL);
  return self;
}

guint
test_source_get_n_opens (TestSource *self)
{
  return g_atomic_int_get (&self->n_opens);
}

gint64
test_source_get_bytes (TestSource *self)
{
  return (gint64) g_atomic_pointer_get ((gssize *) &self->bytes);
}

void
test_source_set_gate (TestSource *self,
                      gboolean    closed)
{
  g_mutex_lock (&self->mutex);
  self->gate_closed = closed;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* Waits until some open is held at the closed gate. */
void
test_source_wait_blocked (TestSource *self)
{
  g_mutex_lock (&self->mutex);
  while (self->n_blocked == 0)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

/* ---- fixtures ---- */

GdkPixbuf *
test_make_pattern (int      width,
                   int      height,
                   gboolean noisy)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  GRand *rand = g_rand_new_with_seed (42);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + (gsize) x * 3;
        int noise = noisy ? g_rand_int_range (rand, -60, 60) : 0;

        p[0] = CLAMP (x * 255 / width + noise, 0, 255);
        p[1] = CLAMP (y * 255 / height - noise, 0, 255);
        p[2] = CLAMP (((x / 32 + y / 32) % 2) * 200 + noise, 0, 255);
      }

  g_rand_free (rand);
  return pixbuf;
}

/* A minimal big-endian TIFF header with an empty IFD0: enough to be an Exif block. */
static const guint8 tiny_exif[] = {
  'M', 'M', 0, 42, 0, 0, 0, 8,
  0, 0,
  0, 0, 0, 0,
};

static GBytes *
encode_heic (GdkPixbuf *pattern,
             int        thumb_size,
             gboolean   with_exif,
             int        quality,
             int        thumb_quality)
{
  int width = gdk_pixbuf_get_width (pattern);
  int height = gdk_pixbuf_get_height (pattern);
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_encoder *encoder = NULL;
  struct heif_image *image = NULL;
  struct heif_image_handle *handle = NULL;
  struct heif_writer writer = { 1, ks_test_heif_write_cb };
  struct heif_error err;
  GByteArray *out = g_byte_array_new ();
  guint8 *plane;
  int stride;

  FIXTURE_LEAKS_BEGIN ();
  err = heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &encoder);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  heif_encoder_set_lossy_quality (encoder, quality);

  err = heif_image_create (width, height, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &image);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  err = heif_image_add_plane (image, heif_channel_interleaved, width, height, 8);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  plane = heif_image_get_plane (image, heif_channel_interleaved, &stride);
  for (int y = 0; y < height; y++)
    memcpy (plane + (gsize) y * stride,
            gdk_pixbuf_get_pixels (pattern) + (gsize) y * gdk_pixbuf_get_rowstride (pattern),
            (gsize) width * 3);

  err = heif_context_encode_image (ctx, image, encoder, NULL, &handle);
  g_assert_cmpint (err.code, ==, heif_error_Ok);

  if (thumb_size > 0)
    {
      struct heif_image_handle *thumb = NULL;
      struct heif_encoder *thumb_encoder = NULL;

      /* Cameras encode the thumbnail on its own, at a lower quality than the photo. */
      err = heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &thumb_encoder);
      g_assert_cmpint (err.code, ==, heif_error_Ok);
      heif_encoder_set_lossy_quality (thumb_encoder, thumb_quality);
      err = heif_context_encode_thumbnail (ctx, image, handle, thumb_encoder, NULL, thumb_size,
                                           &thumb);
      heif_encoder_release (thumb_encoder);
      g_assert_cmpint (err.code, ==, heif_error_Ok);
      g_assert_nonnull (thumb);
      heif_image_handle_release (thumb);
    }

  if (with_exif)
    {
      err = heif_context_add_exif_metadata (ctx, handle, tiny_exif, sizeof tiny_exif);
      g_assert_cmpint (err.code, ==, heif_error_Ok);
    }

  err = heif_context_write (ctx, &writer, out);
  g_assert_cmpint (err.code, ==, heif_error_Ok);

  heif_image_handle_release (handle);
  heif_image_release (image);
  heif_encoder_release (encoder);
  heif_context_free (ctx);
  FIXTURE_LEAKS_END ();

  return g_byte_array_free_to_bytes (out);
}

GBytes *
test_make_heic (int      width,
                int      height,
                int      thumb_size,
                gboolean with_exif,
                gboolean noisy,
                int      quality,
                int      thumb_quality)
{
  g_autoptr(GdkPixbuf) pattern = test_make_pattern (width, height, noisy);

  return encode_heic (pattern, thumb_size, with_exif, quality, thumb_quality);
}

/* The coded data and the hvcC property box of a single-image HEIC. */
static void
extract_coded (GBytes  *heic,
               GBytes **hvcc,
               GBytes **coded)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (heic, &len);
  g_autoptr(KsIsobmffMeta) meta = NULL;
  const KsIsobmffItem *item;
  const KsIsobmffExtent *e;
  KsIsobmffBox box, iprp, ipco, prop;

  g_assert_true (ks_isobmff_find_child (data, len, 0, len, KS_FOURCC ('m','e','t','a'), &box));
  meta = ks_isobmff_meta_parse (data + box.offset, box.size, box.offset, NULL);
  g_assert_nonnull (meta);
  item = ks_isobmff_meta_get_item (meta, ks_isobmff_meta_get_primary_id (meta));
  /* libheif wraps images smaller than x265's 64-px block in a one-tile grid: avoid those. */
  g_assert_cmphex (item->type, ==, KS_FOURCC ('h','v','c','1'));
  g_assert_cmpuint (item->extents->len, ==, 1);
  e = &g_array_index (item->extents, KsIsobmffExtent, 0);
  *coded = g_bytes_new_from_bytes (heic, e->offset, e->length);

  g_assert_true (ks_isobmff_find_child (data, len, box.offset + box.header_size + 4,
                                        box.offset + box.size, KS_FOURCC ('i','p','r','p'), &iprp));
  g_assert_true (ks_isobmff_find_child (data, len, iprp.offset + iprp.header_size,
                                        iprp.offset + iprp.size, KS_FOURCC ('i','p','c','o'), &ipco));
  g_assert_true (ks_isobmff_find_child (data, len, ipco.offset + ipco.header_size,
                                        ipco.offset + ipco.size, KS_FOURCC ('h','v','c','C'), &prop));
  *hvcc = g_bytes_new_from_bytes (heic, prop.offset, prop.size);
}

static void
be_put (GByteArray *a,
        guint32     v,
        guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      guint8 b = (guint8) (v >> (8 * (n - 1 - i)));
      g_byte_array_append (a, &b, 1);
    }
}

static guint
full_box (GByteArray *a,
          const char *type,
          int         version_flags)
{
  guint start = a->len;

  be_put (a, 0, 4);
  g_byte_array_append (a, (const guint8 *) type, 4);
  if (version_flags >= 0)
    be_put (a, (guint32) version_flags, 4);
  return start;
}

static void
put_ispe (GByteArray *a,
          int         w,
          int         h)
{
  guint b = full_box (a, "ispe", 0);

  be_put (a, w, 4);
  be_put (a, h, 4);
  ks_test_box_end (a, b);
}

/* Builds meta for the grid file with item data at @mdat_payload (file offset). */
static GByteArray *
build_grid_meta (int      cols,
                 int      tile_w,
                 int      tile_h,
                 int      thumb_w,
                 int      thumb_h,
                 GBytes **tile_hvcc,
                 GBytes **tile_data,
                 GBytes  *thumb_hvcc,
                 GBytes  *thumb_data,
                 guint32  mdat_payload)
{
  GByteArray *a = g_byte_array_new ();
  guint meta, b, c;
  guint32 off = mdat_payload;
  const guint16 thumb_id = 100;

  meta = full_box (a, "meta", 0);
  b = full_box (a, "hdlr", 0); be_put (a, 0, 4); g_byte_array_append (a, (const guint8 *) "pict", 4);
  be_put (a, 0, 4); be_put (a, 0, 4); be_put (a, 0, 4); be_put (a, 0, 1); ks_test_box_end (a, b);
  b = full_box (a, "pitm", 0); be_put (a, 1, 2); ks_test_box_end (a, b);

  b = full_box (a, "iinf", 0); be_put (a, cols + 2, 2);
  c = full_box (a, "infe", 0x02000000); be_put (a, 1, 2); be_put (a, 0, 2);
  g_byte_array_append (a, (const guint8 *) "grid", 4); be_put (a, 0, 1); ks_test_box_end (a, c);
  for (int i = 0; i < cols; i++)
    {
      /* Tiles are hidden items (flags bit 0), as on an iPhone. */
      c = full_box (a, "infe", 0x02000001); be_put (a, 2 + i, 2); be_put (a, 0, 2);
      g_byte_array_append (a, (const guint8 *) "hvc1", 4); be_put (a, 0, 1); ks_test_box_end (a, c);
    }
  c = full_box (a, "infe", 0x02000000); be_put (a, thumb_id, 2); be_put (a, 0, 2);
  g_byte_array_append (a, (const guint8 *) "hvc1", 4); be_put (a, 0, 1); ks_test_box_end (a, c);
  ks_test_box_end (a, b);

  b = full_box (a, "iloc", 0x01000000);
  be_put (a, 0x44, 1); be_put (a, 0x00, 1); be_put (a, cols + 2, 2);
  be_put (a, 1, 2); be_put (a, 1, 2); be_put (a, 0, 2); be_put (a, 1, 2);
  be_put (a, 0, 4); be_put (a, 8, 4);
  for (int i = 0; i < cols; i++)
    {
      be_put (a, 2 + i, 2); be_put (a, 0, 2); be_put (a, 0, 2); be_put (a, 1, 2);
      be_put (a, off, 4); be_put (a, g_bytes_get_size (tile_data[i]), 4);
      off += g_bytes_get_size (tile_data[i]);
    }
  be_put (a, thumb_id, 2); be_put (a, 0, 2); be_put (a, 0, 2); be_put (a, 1, 2);
  be_put (a, off, 4); be_put (a, g_bytes_get_size (thumb_data), 4);
  ks_test_box_end (a, b);

  b = full_box (a, "iref", 0);
  c = full_box (a, "dimg", -1); be_put (a, 1, 2); be_put (a, cols, 2);
  for (int i = 0; i < cols; i++)
    be_put (a, 2 + i, 2);
  ks_test_box_end (a, c);
  c = full_box (a, "thmb", -1); be_put (a, thumb_id, 2); be_put (a, 1, 2); be_put (a, 1, 2);
  ks_test_box_end (a, c);
  ks_test_box_end (a, b);

  /* ipco: 1 grid ispe, 2 tile ispe, 3 thumb ispe, 4 thumb hvcC, 5.. tile hvcC */
  b = full_box (a, "iprp", -1);
  c = full_box (a, "ipco", -1);
  put_ispe (a, cols * tile_w, tile_h);
  put_ispe (a, tile_w, tile_h);
  put_ispe (a, thumb_w, thumb_h);
  g_byte_array_append (a, g_bytes_get_data (thumb_hvcc, NULL), g_bytes_get_size (thumb_hvcc));
  for (int i = 0; i < cols; i++)
    g_byte_array_append (a, g_bytes_get_data (tile_hvcc[i], NULL), g_bytes_get_size (tile_hvcc[i]));
  ks_test_box_end (a, c);
  c = full_box (a, "ipma", 0); be_put (a, cols + 2, 4);
  be_put (a, 1, 2); be_put (a, 1, 1); be_put (a, 1, 1);
  for (int i = 0; i < cols; i++)
    {
      be_put (a, 2 + i, 2); be_put (a, 2, 1); be_put (a, 0x80 | (5 + i), 1); be_put (a, 2, 1);
    }
  be_put (a, thumb_id, 2); be_put (a, 2, 1); be_put (a, 0x80 | 4, 1); be_put (a, 3, 1);
  ks_test_box_end (a, c);
  ks_test_box_end (a, b);

  /* The grid description: version 0, flags 0 (16-bit sizes), rows-1, columns-1, w, h. */
  b = full_box (a, "idat", -1);
  be_put (a, 0, 1); be_put (a, 0, 1); be_put (a, 0, 1); be_put (a, cols - 1, 1);
  be_put (a, cols * tile_w, 2); be_put (a, tile_h, 2);
  ks_test_box_end (a, b);

  ks_test_box_end (a, meta);
  return a;
}

/**
 * test_make_grid_heic:
 *
 * An iPhone-shaped HEIC that libheif 1.15 cannot write itself: the primary is a `grid` of
 * @cols hidden hvc1 tiles described in `idat`, with a separately coded hvc1 thumbnail.
 */
GBytes *
test_make_grid_heic (int cols,
                     int tile_w,
                     int tile_h,
                     int thumb_w,
                     int thumb_h)
{
  g_autoptr(GdkPixbuf) pattern = test_make_pattern (cols * tile_w, tile_h, TRUE);
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_scale_simple (pattern, thumb_w, thumb_h, GDK_INTERP_BILINEAR);
  g_autoptr(GBytes) thumb_file = encode_heic (small, 0, FALSE, 50, 50);
  g_autoptr(GBytes) thumb_hvcc = NULL, thumb_data = NULL;
  g_autoptr(GByteArray) meta = NULL;
  GBytes **tile_hvcc = g_new0 (GBytes *, cols);
  GBytes **tile_data = g_new0 (GBytes *, cols);
  GByteArray *out = g_byte_array_new ();
  static const guint8 ftyp[] = { 0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0,
                                 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c' };
  guint mdat;

  for (int i = 0; i < cols; i++)
    {
      g_autoptr(GdkPixbuf) tile = gdk_pixbuf_new_subpixbuf (pattern, i * tile_w, 0, tile_w, tile_h);
      g_autoptr(GdkPixbuf) copy = gdk_pixbuf_copy (tile);
      g_autoptr(GBytes) tile_file = encode_heic (copy, 0, FALSE, 80, 80);

      extract_coded (tile_file, &tile_hvcc[i], &tile_data[i]);
    }
  extract_coded (thumb_file, &thumb_hvcc, &thumb_data);

  /* Two passes: the meta box's size does not depend on the offsets written into it. */
  meta = build_grid_meta (cols, tile_w, tile_h, thumb_w, thumb_h, tile_hvcc, tile_data,
                          thumb_hvcc, thumb_data, 0);
  {
    guint32 payload = sizeof ftyp + meta->len + 8;

    g_byte_array_unref (meta);
    meta = build_grid_meta (cols, tile_w, tile_h, thumb_w, thumb_h, tile_hvcc, tile_data,
                            thumb_hvcc, thumb_data, payload);
  }

  g_byte_array_append (out, ftyp, sizeof ftyp);
  g_byte_array_append (out, meta->data, meta->len);
  mdat = full_box (out, "mdat", -1);
  for (int i = 0; i < cols; i++)
    g_byte_array_append (out, g_bytes_get_data (tile_data[i], NULL), g_bytes_get_size (tile_data[i]));
  g_byte_array_append (out, g_bytes_get_data (thumb_data, NULL), g_bytes_get_size (thumb_data));
  ks_test_box_end (out, mdat);

  for (int i = 0; i < cols; i++)
    {
      g_bytes_unref (tile_hvcc[i]);
      g_bytes_unref (tile_data[i]);
    }
  g_free (tile_hvcc);
  g_free (tile_data);

  return g_byte_array_free_to_bytes (out);
}

GBytes *
test_make_jpeg (GdkPixbuf *image,
                GdkPixbuf *exif_thumb,
                int        orientation)
{
  g_autofree char *main_jpeg = NULL;
  gsize main_len = 0;
  g_autoptr(GError) error = NULL;
  GByteArray *out;
  ExifData *exif;
  guchar *exif_buf = NULL;
  unsigned int exif_len = 0;
  guint8 seg_header[4];

  g_assert_true (gdk_pixbuf_save_to_buffer (image, &main_jpeg, &main_len, "jpeg", &error,
                                            "quality", "90", NULL));
  g_assert_no_error (error);

  if (exif_thumb == NULL && orientation <= 1)
    return g_bytes_new (main_jpeg, main_len);

  exif = exif_data_new ();
  exif_data_set_byte_order (exif, EXIF_BYTE_ORDER_MOTOROLA);
  if (orientation > 1)
    {
      ExifEntry *entry = exif_entry_new ();

      exif_content_add_entry (exif->ifd[EXIF_IFD_0], entry);
      exif_entry_initialize (entry, EXIF_TAG_ORIENTATION);
      exif_set_short (entry->data, EXIF_BYTE_ORDER_MOTOROLA, orientation);
      exif_entry_unref (entry);
    }
  if (exif_thumb != NULL)
    {
      g_autofree char *thumb_jpeg = NULL;
      gsize thumb_len = 0;

      g_assert_true (gdk_pixbuf_save_to_buffer (exif_thumb, &thumb_jpeg, &thumb_len, "jpeg",
                                                &error, "quality", "95", NULL));
      exif->data = malloc (thumb_len);
      memcpy (exif->data, thumb_jpeg, thumb_len);
      exif->size = thumb_len;
    }
  exif_data_save_data (exif, &exif_buf, &exif_len);
  exif_data_unref (exif);
  g_assert_nonnull (exif_buf);
  g_assert_cmpuint (exif_len + 2, <=, 65535);

  out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) main_jpeg, 2); /* SOI */
  seg_header[0] = 0xff;
  seg_header[1] = 0xe1;
  seg_header[2] = (exif_len + 2) >> 8;
  seg_header[3] = (exif_len + 2) & 0xff;
  g_byte_array_append (out, seg_header, 4);
  g_byte_array_append (out, exif_buf, exif_len);
  g_byte_array_append (out, (const guint8 *) main_jpeg + 2, main_len - 2);
  free (exif_buf);

  return g_byte_array_free_to_bytes (out);
}

static void
put_zeros (GByteArray *a,
           guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      guint8 z = 0;
      g_byte_array_append (a, &z, 1);
    }
}

/* A QuickTime movie with one video sample (@first_frame) in mdat, moov after it. */
GBytes *
test_make_mov (GBytes  *first_frame,
               guint32  codec,
               guint32  timescale,
               guint32  duration)
{
  GByteArray *a = g_byte_array_new ();
  gsize frame_len;
  const guint8 *frame = g_bytes_get_data (first_frame, &frame_len);
  guint32 sample_offset;
  guint b, moov, trak, mdia, minf, stbl, stsd, entry;

  b = ks_test_box_begin (a, "ftyp");
  g_byte_array_append (a, (const guint8 *) "qt  ", 4);
  ks_test_put32 (a, 0x200);
  g_byte_array_append (a, (const guint8 *) "qt  ", 4);
  ks_test_box_end (a, b);

  b = ks_test_box_begin (a, "wide");
  ks_test_box_end (a, b);

  b = ks_test_box_begin (a, "mdat");
  sample_offset = a->len;
  g_byte_array_append (a, frame, frame_len);
  ks_test_box_end (a, b);

  moov = ks_test_box_begin (a, "moov");
  b = ks_test_box_begin (a, "mvhd");
  ks_test_put32 (a, 0);           /* version, flags */
  ks_test_put32 (a, 0); ks_test_put32 (a, 0);
  ks_test_put32 (a, timescale);
  ks_test_put32 (a, duration);
  ks_test_put32 (a, 0x00010000);  /* rate */
  ks_test_put16 (a, 0x0100);      /* volume */
  put_zeros (a, 10);
  ks_test_put32 (a, 0x00010000); ks_test_put32 (a, 0); ks_test_put32 (a, 0);
  ks_test_put32 (a, 0); ks_test_put32 (a, 0x00010000); ks_test_put32 (a, 0);
  ks_test_put32 (a, 0); ks_test_put32 (a, 0); ks_test_put32 (a, 0x40000000);
  put_zeros (a, 24);
  ks_test_put32 (a, 2);           /* next track id */
  ks_test_box_end (a, b);

  trak = ks_test_box_begin (a, "trak");
  mdia = ks_test_box_begin (a, "mdia");
  b = ks_test_box_begin (a, "hdlr");
  ks_test_put32 (a, 0);
  g_byte_array_append (a, (const guint8 *) "mhlr", 4);
  g_byte_array_append (a, (const guint8 *) "vide", 4);
  put_zeros (a, 13);
  ks_test_box_end (a, b);
  minf = ks_test_box_begin (a, "minf");
  stbl = ks_test_box_begin (a, "stbl");
  stsd = ks_test_box_begin (a, "stsd");
  ks_test_put32 (a, 0);
  ks_test_put32 (a, 1);
  entry = a->len;
  ks_test_put32 (a, 0);
  ks_test_put32 (a, codec);
  put_zeros (a, 6);
  ks_test_put16 (a, 1);           /* data reference index */
  put_zeros (a, 70);      /* the visual sample entry's fields: not read */
  ks_test_box_end (a, entry);
  ks_test_box_end (a, stsd);
  b = ks_test_box_begin (a, "stsz");
  ks_test_put32 (a, 0);
  ks_test_put32 (a, 0);
  ks_test_put32 (a, 1);
  ks_test_put32 (a, frame_len);
  ks_test_box_end (a, b);
  b = ks_test_box_begin (a, "stco");
  ks_test_put32 (a, 0);
  ks_test_put32 (a, 1);
  ks_test_put32 (a, sample_offset);
  ks_test_box_end (a, b);
  ks_test_box_end (a, stbl);
  ks_test_box_end (a, minf);
  ks_test_box_end (a, mdia);
  ks_test_box_end (a, trak);
  ks_test_box_end (a, moov);

  return g_byte_array_free_to_bytes (a);
}

/* libheif's own answer: the first thumbnail, decoded from the whole file in memory. */
GdkPixbuf *
test_reference_heif_thumbnail (GBytes *bytes)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_image_handle *primary = NULL, *thumb = NULL;
  struct heif_image *image = NULL;
  struct heif_error err;
  heif_item_id id;
  const guint8 *plane;
  int stride, width, height;
  GdkPixbuf *pixbuf;

  err = heif_context_read_from_memory_without_copy (ctx, g_bytes_get_data (bytes, NULL),
                                                    g_bytes_get_size (bytes), NULL);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  err = heif_context_get_primary_image_handle (ctx, &primary);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  g_assert_cmpint (heif_image_handle_get_list_of_thumbnail_IDs (primary, &id, 1), ==, 1);
  err = heif_image_handle_get_thumbnail (primary, id, &thumb);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  err = heif_decode_image (thumb, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL);
  g_assert_cmpint (err.code, ==, heif_error_Ok);

  width = heif_image_get_width (image, heif_channel_interleaved);
  height = heif_image_get_height (image, heif_channel_interleaved);
  plane = heif_image_get_plane_readonly (image, heif_channel_interleaved, &stride);
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  for (int y = 0; y < height; y++)
    memcpy (gdk_pixbuf_get_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf),
            plane + (gsize) y * stride, (gsize) width * 3);

  heif_image_release (image);
  heif_image_handle_release (thumb);
  heif_image_handle_release (primary);
  heif_context_free (ctx);
  return pixbuf;
}

void
test_write_file (const char *path,
                 GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}

/* Writes @bytes to @dir/@name. Returns: (transfer full): the path */
char *
test_write_file_in (const char *dir,
                    const char *name,
                    GBytes     *bytes)
{
  char *path = g_build_filename (dir, name, NULL);

  test_write_file (path, bytes);
  return path;
}

void
test_assert_pixbufs_equal (GdkPixbuf *a,
                           GdkPixbuf *b)
{
  int width = gdk_pixbuf_get_width (a);
  int height = gdk_pixbuf_get_height (a);
  gsize row = (gsize) width * gdk_pixbuf_get_n_channels (a);

  g_assert_cmpint (width, ==, gdk_pixbuf_get_width (b));
  g_assert_cmpint (height, ==, gdk_pixbuf_get_height (b));
  g_assert_cmpint (gdk_pixbuf_get_n_channels (a), ==, gdk_pixbuf_get_n_channels (b));

  for (int y = 0; y < height; y++)
    {
      const guint8 *pa = gdk_pixbuf_read_pixels (a) + (gsize) y * gdk_pixbuf_get_rowstride (a);
      const guint8 *pb = gdk_pixbuf_read_pixels (b) + (gsize) y * gdk_pixbuf_get_rowstride (b);

      if (memcmp (pa, pb, row) != 0)
        g_error ("Pixels differ in row %d", y);
    }
}
