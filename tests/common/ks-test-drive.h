/* ks-test-drive.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Real drives for the drive tests: a file system image made with Debian's mkfs tools and
 * attached to a loop device. Needs root; without it (or without a free loop device) the
 * calls say why, for g_test_skip(). */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ks_test_run_quietly  (const char * const  *argv,
                               char               **out_stdout,
                               char               **out_why);
gboolean ks_test_make_drive   (const char          *image,
                               const char          *fs_type,
                               const char          *label,
                               gsize                size,
                               char               **out_loop,
                               char               **out_why);
void     ks_test_detach_drive (const char          *loop);

G_END_DECLS
