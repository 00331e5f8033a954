/* ks-destination-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* For tests: make the index fail as a failing disk would. */

#pragma once

#include "ks-destination.h"

G_BEGIN_DECLS

/* The next sync's index write fails with @errsv. */
void _ks_destination_fail_next_sync (KsDestination *self,
                                     int            errsv);

G_END_DECLS
