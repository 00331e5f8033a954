/* ks-afc-pool.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAfcPool: AFC sessions to one iPhone, handed out one per user; AFC errors as GErrors. */

#pragma once

#include <gio/gio.h>
#include <libimobiledevice/afc.h>

G_BEGIN_DECLS

/* One AFC session (its own usbmuxd connection). Used by one thread at a time. */
typedef struct _KsAfcConnection KsAfcConnection;

#define KS_TYPE_AFC_POOL (ks_afc_pool_get_type ())
G_DECLARE_FINAL_TYPE (KsAfcPool, ks_afc_pool, KS, AFC_POOL, GObject)

KsAfcPool       *ks_afc_pool_new                (const char       *udid);
const char      *ks_afc_pool_get_udid           (KsAfcPool        *self);
KsAfcConnection *ks_afc_pool_acquire            (KsAfcPool        *self,
                                                 GCancellable     *cancellable,
                                                 GError          **error);
void             ks_afc_pool_prewarm            (KsAfcPool        *self,
                                                 guint             n);
void             ks_afc_pool_release            (KsAfcPool        *self,
                                                 KsAfcConnection  *connection);
afc_client_t     ks_afc_connection_get_client   (KsAfcConnection  *connection);
void             ks_afc_connection_mark_broken  (KsAfcConnection  *connection);
gboolean         ks_afc_connection_is_broken    (KsAfcConnection  *connection);
gboolean         ks_afc_pool_set_error          (KsAfcPool        *self,
                                                 KsAfcConnection  *connection,
                                                 afc_error_t       aerr,
                                                 const char       *path,
                                                 GError          **error);

G_END_DECLS
