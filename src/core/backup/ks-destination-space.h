/* ks-destination-space.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How much room a destination of the plan has, whatever its kind: its KsDestination is made,
 * opened, asked (the query_free_space vfunc: statvfs for a folder or drive, `rclone about`
 * for a remote) and closed, on a worker. A folder that is not there is not made for it, and
 * a medium that cannot say (not connected, a server without quotas) answers -1 with the
 * reason. */

#pragma once

#include <gio/gio.h>

#include "ks-plan-destination.h"

G_BEGIN_DECLS

void   ks_destination_space_query_async  (KsPlanDestination   *destination,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gint64 ks_destination_space_query_finish (GAsyncResult        *result,
                                          GError             **error);
gint64 ks_destination_space_query        (KsPlanDestination   *destination,
                                          GCancellable        *cancellable,
                                          GError             **error);

G_END_DECLS
