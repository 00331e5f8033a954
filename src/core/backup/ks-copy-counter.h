/* ks-copy-counter.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How many destinations hold each asset, counted on a worker for the grid and sidebar. */

#pragma once

#include <gio/gio.h>

#include "ks-asset.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_COPY_COUNTER (ks_copy_counter_get_type ())

G_DECLARE_FINAL_TYPE (KsCopyCounter, ks_copy_counter, KS, COPY_COUNTER, GObject)

KsCopyCounter *ks_copy_counter_new             (void);
void           ks_copy_counter_refresh_async   (KsCopyCounter       *self,
                                                KsSource            *source,
                                                GPtrArray           *assets,
                                                const char * const  *destinations,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean       ks_copy_counter_refresh_finish  (KsCopyCounter       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void           ks_copy_counter_clear           (KsCopyCounter       *self);
int            ks_copy_counter_get_copies      (KsCopyCounter       *self,
                                                KsAsset             *asset);
gboolean       ks_copy_counter_is_known        (KsCopyCounter       *self);

G_END_DECLS
