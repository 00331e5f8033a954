/* test-plain-destination.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TestPlainDestination: a kind of destination made only of the small medium operations,
 * storing into a plain directory by path with GLib calls. Everything else (index, naming,
 * verification, batching) is KsDestination's. */

#pragma once

#include "ks-destination.h"

G_BEGIN_DECLS

#define TEST_TYPE_PLAIN_DESTINATION (test_plain_destination_get_type ())

G_DECLARE_FINAL_TYPE (TestPlainDestination, test_plain_destination, TEST, PLAIN_DESTINATION, KsDestination)

TestPlainDestination *test_plain_destination_new          (const char           *root);
/* The next finished temporary gets one byte damaged on the medium before it is read back. */
void                  test_plain_destination_damage_next  (TestPlainDestination *self);
/* How many times a folder was made durable (sync_folder). */
guint                 test_plain_destination_get_n_syncs  (TestPlainDestination *self);

G_END_DECLS
