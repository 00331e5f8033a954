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

/* Called by finish_temp of a remote one, on the thread that finishes: @done FALSE before
 * the @index-th temporary made (from 0), of @size bytes, is "uploaded", TRUE after. */
typedef void (*TestPlainFinishFunc) (TestPlainDestination *self,
                                     guint                 index,
                                     guint64               size,
                                     gboolean              done,
                                     gpointer              user_data);

/* Makes it a remote kind (is_remote): finish_temp reports its bytes as an upload, as
 * rclone does, starting again from 0 once (a call tried again), and calls @func. */
void                  test_plain_destination_set_remote   (TestPlainDestination *self,
                                                           TestPlainFinishFunc   func,
                                                           gpointer              user_data);
/* The temporaries in the order they were created (@named FALSE: their sizes, once they are
 * freed), or named (@named TRUE: "size name", the final name). */
GStrv                 test_plain_destination_dup_log      (TestPlainDestination *self,
                                                           gboolean              named);

G_END_DECLS
