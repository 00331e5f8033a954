/* test-thumb-util.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Test equipment for the thumbnailer: a byte-counting seekable stream, a folder KsSource
 * that counts opens and bytes, and fixture makers (HEIC via libheif, JPEG with Exif, MOV). */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ks-source.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 offset;
  guint64 length;
} TestRange;

/* Counting stream: wraps a seekable stream; adds every byte read to *counter (atomically)
 * and, when @ranges is given, appends each read's range. */
#define TEST_TYPE_COUNTING_STREAM (test_counting_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingStream, test_counting_stream, TEST, COUNTING_STREAM, GInputStream)

GInputStream *test_counting_stream_new       (GInputStream *base,
                                              gint64       *counter,
                                              GArray       *ranges);
GInputStream *test_counting_stream_new_bytes (GBytes       *bytes,
                                              gint64       *counter,
                                              GArray       *ranges);
void          test_counting_stream_set_delay (TestCountingStream *self,
                                              guint               after,
                                              gint64              delay_usec);
void          test_counting_stream_set_fail  (TestCountingStream *self,
                                              guint               after);

/* A folder source: "test:<dir>"; every open is counted; opens can be held at a gate. */
#define TEST_TYPE_SOURCE (test_source_get_type ())
G_DECLARE_FINAL_TYPE (TestSource, test_source, TEST, SOURCE, GObject)

TestSource *test_source_new        (const char *directory);
guint       test_source_get_n_opens (TestSource *self);
gint64      test_source_get_bytes   (TestSource *self);
void        test_source_set_gate    (TestSource *self,
                                     gboolean    closed);
void        test_source_wait_blocked (TestSource *self);

/* Fixtures. */
GBytes    *test_make_heic     (int          width,
                               int          height,
                               int          thumb_size,
                               gboolean     with_exif,
                               gboolean     noisy,
                               int          quality,
                               int          thumb_quality);
GBytes    *test_make_grid_heic (int          cols,
                                int          tile_w,
                                int          tile_h,
                                int          thumb_w,
                                int          thumb_h);
GdkPixbuf *test_make_pattern  (int          width,
                               int          height,
                               gboolean     noisy);
GBytes    *test_make_jpeg     (GdkPixbuf   *image,
                               GdkPixbuf   *exif_thumb,
                               int          orientation);
GBytes    *test_make_mov      (GBytes      *first_frame,
                               guint32      codec,
                               guint32      timescale,
                               guint32      duration);
GdkPixbuf *test_reference_heif_thumbnail (GBytes *bytes);
void       test_write_file    (const char  *path,
                               GBytes      *bytes);
char      *test_write_file_in (const char  *dir,
                               const char  *name,
                               GBytes      *bytes);
void       test_assert_pixbufs_equal (GdkPixbuf *a,
                                      GdkPixbuf *b);

G_END_DECLS
