/* ks-afc-input-stream.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAfcInputStream: a seekable GInputStream over one file on the iPhone. */

#pragma once

#include <gio/gio.h>

#include "ks-afc-pool.h"

G_BEGIN_DECLS

#define KS_TYPE_AFC_INPUT_STREAM (ks_afc_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (KsAfcInputStream, ks_afc_input_stream, KS, AFC_INPUT_STREAM, GInputStream)

GInputStream *ks_afc_input_stream_open       (KsAfcPool         *pool,
                                              const char        *afc_path,
                                              GCancellable      *cancellable,
                                              GError           **error);
GInputStream *ks_afc_input_stream_open_sized (KsAfcPool         *pool,
                                              const char        *afc_path,
                                              guint64            size,
                                              GCancellable      *cancellable,
                                              GError           **error);
guint64       ks_afc_input_stream_get_size (KsAfcInputStream  *self);
guint         ks_afc_input_stream_get_read_ahead (KsAfcInputStream *self);
void          ks_afc_input_stream_set_read_ahead (KsAfcInputStream *self,
                                                  guint             read_ahead);

G_END_DECLS
