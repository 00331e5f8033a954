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
#include "ks-protection.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_COPY_COUNTER (ks_copy_counter_get_type ())

G_DECLARE_FINAL_TYPE (KsCopyCounter, ks_copy_counter, KS, COPY_COUNTER, GObject)

KsCopyCounter *ks_copy_counter_new             (void);
void           ks_copy_counter_refresh_async   (KsCopyCounter       *self,
                                                KsSource            *source,
                                                GPtrArray           *assets,
                                                KsProtection        *protection,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean       ks_copy_counter_refresh_finish  (KsCopyCounter       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void           ks_copy_counter_clear           (KsCopyCounter       *self);
int            ks_copy_counter_get_copies      (KsCopyCounter       *self,
                                                KsAsset             *asset);
gboolean       ks_copy_counter_get_holders     (KsCopyCounter       *self,
                                                KsAsset             *asset,
                                                guint64             *out_holders);
KsProtectionState ks_copy_counter_get_state    (KsCopyCounter       *self,
                                                KsAsset             *asset,
                                                KsProtectionMissing *out_missing);
const KsProtectionSummary *
               ks_copy_counter_get_summary     (KsCopyCounter       *self);
KsProtection  *ks_copy_counter_get_protection  (KsCopyCounter       *self);
gboolean       ks_copy_counter_is_known        (KsCopyCounter       *self);

G_END_DECLS
