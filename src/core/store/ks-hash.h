/* ks-hash.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* SHA-256 content hashing: the identity of every file Keepsake stores. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Length of a hex SHA-256 digest, without the trailing NUL. */
#define KS_HASH_HEX_LEN 64

typedef struct _KsHasher KsHasher;

KsHasher *ks_hasher_new      (void);
void      ks_hasher_update   (KsHasher     *hasher,
                              const void   *data,
                              gsize         len);
char     *ks_hasher_finish   (KsHasher     *hasher);
void      ks_hasher_free     (KsHasher     *hasher);

char     *ks_hash_fd         (int           fd,
                              guint64      *out_size,
                              GCancellable *cancellable,
                              GError      **error);
gboolean  ks_hash_is_valid   (const char   *hex);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsHasher, ks_hasher_free)

G_END_DECLS
