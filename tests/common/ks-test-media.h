/* ks-test-media.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The byte-level pieces every media fixture maker uses: big-endian integers and ISOBMFF
 * boxes (HEIC, QuickTime, MP4), and a libheif writer into a GByteArray. */

#pragma once

#include <glib.h>
#include <libheif/heif.h>

G_BEGIN_DECLS

#if defined(__SANITIZE_ADDRESS__)
# include <sanitizer/lsan_interface.h>
/* libx265 keeps a few encoder allocations for the life of the process; they belong to the
 * fixture maker, not to the code under test. */
# define FIXTURE_LEAKS_BEGIN() __lsan_disable ()
# define FIXTURE_LEAKS_END()   __lsan_enable ()
#else
# define FIXTURE_LEAKS_BEGIN()
# define FIXTURE_LEAKS_END()
#endif


void              ks_test_put16          (GByteArray          *b,
                                          guint16              v);
void              ks_test_put32          (GByteArray          *b,
                                          guint32              v);
void              ks_test_put64          (GByteArray          *b,
                                          guint64              v);
/* Appends a box header with a size to be filled in; returns where the box starts. */
guint             ks_test_box_begin      (GByteArray          *b,
                                          const char          *type);
/* Writes the size of the box begun at @at, now that its contents are appended. */
void              ks_test_box_end        (GByteArray          *b,
                                          guint                at);
/* For struct heif_writer: appends to the GByteArray given as @userdata. */
struct heif_error ks_test_heif_write_cb  (struct heif_context *ctx,
                                          const void          *data,
                                          size_t               size,
                                          void                *userdata);

G_END_DECLS
