/* ks-gst-input-stream.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsGstInputStream: what giostreamsrc reads for a video poster. It passes reads and seeks
 * through to the thumbnailer's stream, and turns a failed read into the end of the file,
 * keeping the error for the caller. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_GST_INPUT_STREAM (ks_gst_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (KsGstInputStream, ks_gst_input_stream, KS, GST_INPUT_STREAM, GInputStream)

GInputStream *ks_gst_input_stream_new       (GInputStream     *base);
GError       *ks_gst_input_stream_dup_error (KsGstInputStream *self);

G_END_DECLS
