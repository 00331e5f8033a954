/* ks-test-media.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ks-test-media.h"

void
ks_test_put16 (GByteArray *b,
               guint16     v)
{
  guint16 be = GUINT16_TO_BE (v);

  g_byte_array_append (b, (const guint8 *)&be, 2);
}

void
ks_test_put32 (GByteArray *b,
               guint32     v)
{
  guint32 be = GUINT32_TO_BE (v);

  g_byte_array_append (b, (const guint8 *)&be, 4);
}

void
ks_test_put64 (GByteArray *b,
               guint64     v)
{
  ks_test_put32 (b, v >> 32);
  ks_test_put32 (b, v & 0xffffffff);
}

guint
ks_test_box_begin (GByteArray *b,
                   const char *type)
{
  guint at = b->len;

  ks_test_put32 (b, 0);
  g_byte_array_append (b, (const guint8 *)type, 4);
  return at;
}

void
ks_test_box_end (GByteArray *b,
                 guint       at)
{
  guint32 be = GUINT32_TO_BE (b->len - at);

  memcpy (b->data + at, &be, 4);
}

struct heif_error
ks_test_heif_write_cb (struct heif_context *ctx,
                       const void          *data,
                       size_t               size,
                       void                *userdata)
{
  struct heif_error ok = { heif_error_Ok, heif_suberror_Unspecified, "" };

  g_byte_array_append (userdata, data, size);
  return ok;
}
