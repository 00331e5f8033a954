/* ks-gst-poster.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* giostreamsrc (the thumbnailer's own stream: AFC or a local file) → qtdemux → decodebin
 * (the decoder only: avdec_h265, avdec_h264, jpegdec …) → videoconvert → videoscale →
 * appsink, RGB. No multiqueue sits between the demuxer and the decoder, so when the sink
 * holds its preroll frame the demuxer stops pulling: the reads are the box headers, moov and
 * the samples up to the first decoded frame. Other tracks (sound, metadata) go to a fakesink
 * undecoded. The pipeline is bounded by a timeout and the caller's cancellable, and any
 * failure inside GStreamer (missing plugin, broken data) is "no poster", never a crash. */

#include "config.h"

#include <string.h>
#if defined(__SANITIZE_ADDRESS__)
# include <link.h>
#endif

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "ks-gst-input-stream.h"
#include "ks-gst-poster.h"

/* Generous: the sanitizer builds decode a frame ten times slower. */
#define POSTER_TIMEOUT_USEC (20 * G_USEC_PER_SEC)
#define POLL_NS             (50 * GST_MSECOND)

static GError *init_error;

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer builds only. GLib's quark table grows by copying itself into a block 2,048
 * entries larger and, by design, never frees the old block (readers look quarks up without a
 * lock). A GTK process stays within the first block; GStreamer's registry adds some 2,600
 * quarks, so one or two old blocks turn unreachable and LeakSanitizer reports them at exit,
 * with a stack (malloc, g_malloc) too short for a suppression to single out. So the table in
 * use is looked up (GLib's `quarks` is static: it is the word in libglib's writable segments
 * that points to a heap block whose entries are the quark strings) and kept here, before
 * and after GStreamer grows it. */
int    __sanitizer_get_ownership (const volatile void *p);
size_t __sanitizer_get_allocated_size (const volatile void *p);

static gpointer kept_quark_tables[32];
static GMutex kept_quark_tables_lock;

static gboolean
is_quark_table (gpointer candidate)
{
  const char * const *table = candidate;

  if (candidate == NULL || ((guintptr) candidate & (sizeof (gpointer) - 1)) != 0 ||
      !__sanitizer_get_ownership (candidate) ||
      __sanitizer_get_allocated_size (candidate) < 4 * sizeof (gpointer))
    return FALSE;
  return table[1] == g_quark_to_string (1) && table[2] == g_quark_to_string (2) &&
         table[3] == g_quark_to_string (3);
}

static int
find_quark_table_cb (struct dl_phdr_info *info,
                     size_t               size,
                     void                *data)
{
  gpointer *found = data;

  if (info->dlpi_name == NULL || strstr (info->dlpi_name, "libglib-2.0.so") == NULL)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
      gpointer *word, *end;

      if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
        continue;
      word = (gpointer *) (info->dlpi_addr + ph->p_vaddr);
      end = (gpointer *) (info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
      for (; word < end; word++)
        if (is_quark_table (*word))
          {
            *found = *word;
            return 1;
          }
    }
  return 1;
}

static void
keep_quark_table (void)
{
  gpointer table = NULL;

  g_quark_from_static_string ("ks-gst-poster");   /* quarks 1–3 exist from here on */
  dl_iterate_phdr (find_quark_table_cb, &table);
  if (table == NULL)
    return;

  g_mutex_lock (&kept_quark_tables_lock);
  for (guint i = 0; i < G_N_ELEMENTS (kept_quark_tables); i++)
    {
      if (kept_quark_tables[i] == table)
        break;
      if (kept_quark_tables[i] == NULL)
        {
          kept_quark_tables[i] = table;
          break;
        }
    }
  g_mutex_unlock (&kept_quark_tables_lock);
}
#else
static void
keep_quark_table (void)
{
}
#endif

/**
 * ks_gst_poster_init:
 *
 * Initialises GStreamer once per process, from whichever thread asks first.
 *
 * Returns: whether GStreamer can be used
 */
gboolean
ks_gst_poster_init (GError **error)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      GError *local_error = NULL;

      keep_quark_table ();
      if (!gst_init_check (NULL, NULL, &local_error))
        init_error = local_error;
      keep_quark_table ();
      g_once_init_leave (&once, 1);
    }

  if (init_error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "GStreamer is not available: %s", init_error->message);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GstElement  *pipeline;
  GstElement  *convert;
  GstClockTime seek;           /* where the poster is, or 0 */
  gint         video_linked;   /* atomic */
  gint         seeked;         /* atomic */
} Poster;

static void
link_and_start (Poster     *poster,
                GstPad     *pad,
                GstElement *element)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad (element, "sink");

  gst_bin_add (GST_BIN (poster->pipeline), element);
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_debug ("Could not link %s", GST_PAD_NAME (pad));
  gst_element_sync_state_with_parent (element);
}

static gboolean
pad_is_video (GstPad *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  return caps != NULL && gst_caps_get_size (caps) > 0 &&
         g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "video/");
}

/* decodebin's raw video pad → the converter. */
static void
decoded_pad_added_cb (GstElement *decodebin,
                      GstPad     *pad,
                      Poster     *poster)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad (poster->convert, "sink");

  if (!pad_is_video (pad) || gst_pad_is_linked (sink))
    return;
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_debug ("Could not link the decoder to the converter");
}

/* qtdemux's pads: the first video track to a decoder, everything else to a fakesink. */
static void
demux_pad_added_cb (GstElement *demux,
                    GstPad     *pad,
                    Poster     *poster)
{
  GstElement *element;

  if (pad_is_video (pad) && g_atomic_int_compare_and_exchange (&poster->video_linked, 0, 1))
    {
      /* The streams are known and no sample has been read: this is the moment to seek, so
       * that the first frame read is the poster's key frame. (A seek after the preroll would
       * read the first frame too.) If the demuxer refuses, the first frame is the poster. */
      if (poster->seek > 0 &&
          gst_pad_send_event (pad, gst_event_new_seek (1.0, GST_FORMAT_TIME,
                                                       GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT |
                                                       GST_SEEK_FLAG_SNAP_BEFORE,
                                                       GST_SEEK_TYPE_SET, poster->seek,
                                                       GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE)))
        g_atomic_int_set (&poster->seeked, 1);

      element = gst_element_factory_make ("decodebin", NULL);
      if (element == NULL)
        return;
      g_signal_connect (element, "pad-added", G_CALLBACK (decoded_pad_added_cb), poster);
    }
  else
    {
      element = gst_element_factory_make ("fakesink", NULL);
      if (element == NULL)
        return;
      g_object_set (element, "sync", FALSE, "async", FALSE, NULL);
    }
  link_and_start (poster, pad, element);
}

/* One decoding thread: frame threads would read several frames ahead before the first one
 * comes out, and the thumbnailer already runs a few workers. */
static void
deep_element_added_cb (GstBin     *bin,
                       GstBin     *sub_bin,
                       GstElement *element,
                       gpointer    user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL &&
      g_str_has_prefix (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), "avdec_") &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (element), "max-threads") != NULL)
    g_object_set (element, "max-threads", 1, NULL);
}

/* Waits for the pipeline to hold a frame (ASYNC_DONE), for an error, the deadline, or the
 * caller's cancellation. */
static gboolean
wait_for_frame (GstBus        *bus,
                gint64         deadline,
                GCancellable  *cancellable,
                GError       **error)
{
  for (;;)
    {
      g_autoptr(GstMessage) message = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "The video decoder took too long");
          return FALSE;
        }

      message = gst_bus_timed_pop_filtered (bus, POLL_NS,
                                            GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR |
                                            GST_MESSAGE_EOS);
      if (message == NULL)
        continue;

      switch (GST_MESSAGE_TYPE (message))
        {
        case GST_MESSAGE_ASYNC_DONE:
          return TRUE;

        case GST_MESSAGE_ERROR:
          {
            g_autoptr(GError) gst_error = NULL;
            g_autofree char *debug = NULL;

            gst_message_parse_error (message, &gst_error, &debug);
            g_debug ("Video poster: %s (%s)", gst_error->message, debug ? debug : "");
            /* A missing decoder and a broken file alike: this video has no poster. */
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "No poster frame for this video: %s", gst_error->message);
            return FALSE;
          }

        case GST_MESSAGE_EOS:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "No poster frame for this video: no frame could be decoded");
          return FALSE;

        default:
          break;
        }
    }
}

static GdkPixbuf *
pixbuf_from_sample (GstSample  *sample,
                    GError    **error)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  const guint8 *src;
  guint8 *dst;
  int src_stride, dst_stride, width, height;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps) ||
      GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGB ||
      !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video: unexpected frame format");
      return NULL;
    }

  width = GST_VIDEO_FRAME_WIDTH (&frame);
  height = GST_VIDEO_FRAME_HEIGHT (&frame);
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  if (pixbuf == NULL)
    {
      gst_video_frame_unmap (&frame);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video: frame too large");
      return NULL;
    }

  src = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  src_stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  dst = gdk_pixbuf_get_pixels (pixbuf);
  dst_stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < height; y++)
    memcpy (dst + (gsize) y * dst_stride, src + (gsize) y * src_stride, (gsize) width * 3);
  gst_video_frame_unmap (&frame);

  return g_steal_pointer (&pixbuf);
}

static GstElement *
make_element (const char  *factory,
              GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "No poster frame for this video: GStreamer element %s is missing", factory);
  return element;
}

/**
 * ks_gst_poster_load:
 * @stream: a seekable stream holding a QuickTime or MP4 movie; it is read from GStreamer's
 *   streaming thread while this function waits (through a KsGstInputStream), and left open
 * @seek_ms: where the poster should come from (the key frame at or before it is taken);
 *   <= 0 for the first frame
 *
 * Returns: (transfer full): the frame as stored (square pixels, not turned by the track's
 *   matrix, full size), or %NULL with %G_IO_ERROR_NOT_SUPPORTED (no GStreamer, no decoder,
 *   undecodable data), the error of a failed read, %G_IO_ERROR_TIMED_OUT or
 *   %G_IO_ERROR_CANCELLED
 */
GdkPixbuf *
ks_gst_poster_load (GInputStream  *stream,
                    gint64         seek_ms,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstSample) sample = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GInputStream) reader = NULL;
  static const char *factories[] = { "giostreamsrc", "qtdemux", "videoconvert", "videoscale", "appsink" };
  GstElement *elements[G_N_ELEMENTS (factories)];
  GstElement *src, *demux, *convert, *scale, *sink;
  Poster poster = { 0 };
  GstStateChangeReturn ret;
  gint64 deadline = g_get_monotonic_time () + POSTER_TIMEOUT_USEC;
  gboolean ok;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  if (!ks_gst_poster_init (error))
    return NULL;

  pipeline = gst_object_ref_sink (gst_pipeline_new ("ks-video-poster"));
  for (guint i = 0; i < G_N_ELEMENTS (factories); i++)
    {
      if ((elements[i] = make_element (factories[i], error)) == NULL)
        return NULL;
      gst_bin_add (GST_BIN (pipeline), elements[i]);
    }
  src = elements[0];
  demux = elements[1];
  convert = elements[2];
  scale = elements[3];
  sink = elements[4];

  reader = ks_gst_input_stream_new (stream);
  g_object_set (src, "stream", reader, NULL);
  caps = gst_caps_new_simple ("video/x-raw",
                              "format", G_TYPE_STRING, "RGB",
                              "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
                              NULL);
  g_object_set (sink, "caps", caps, "sync", FALSE, "max-buffers", 1, "enable-last-sample", FALSE,
                NULL);

  if (!gst_element_link (src, demux) || !gst_element_link_many (convert, scale, sink, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video: the pipeline could not be built");
      return NULL;
    }

  poster.pipeline = pipeline;
  poster.convert = convert;
  poster.seek = seek_ms > 0 ? (GstClockTime) seek_ms * GST_MSECOND : 0;
  g_signal_connect (demux, "pad-added", G_CALLBACK (demux_pad_added_cb), &poster);
  g_signal_connect (pipeline, "deep-element-added", G_CALLBACK (deep_element_added_cb), NULL);

  bus = gst_element_get_bus (pipeline);
  ret = gst_element_set_state (pipeline, GST_STATE_PAUSED);
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "No poster frame for this video: the pipeline did not start");
      ok = FALSE;
    }
  else
    ok = wait_for_frame (bus, deadline, cancellable, error);

  if (ok)
    {
      sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (sink), 0);
      if (sample == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "No poster frame for this video: no frame could be decoded");
          ok = FALSE;
        }
    }

  /* Stops the streaming thread before @stream goes back to the caller. */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  keep_quark_table ();
  if (poster.seek > 0 && !g_atomic_int_get (&poster.seeked))
    g_debug ("Video poster: the demuxer did not seek; the first frame stands in");

  if (!ok)
    {
      g_autoptr(GError) read_error = ks_gst_input_stream_dup_error (KS_GST_INPUT_STREAM (reader));

      /* A read that failed (the phone went away) is that error, not "no poster", which the
       * cache would remember. Cancellation and the timeout are already what they are. */
      if (read_error != NULL && error != NULL && *error != NULL &&
          g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) &&
          !g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&read_error));
        }
      return NULL;
    }

  return pixbuf_from_sample (sample, error);
}
