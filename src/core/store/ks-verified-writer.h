/* ks-verified-writer.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A file on a local filesystem written the way a copy must be: a hidden temporary, read
 * back from the medium while it is written, fsynced, read back to the end, and only then
 * given its name, without replacing anything. */

#pragma once

#include <gio/gio.h>

#include "ks-dirfd.h"

G_BEGIN_DECLS

typedef struct _KsVerifiedWriter KsVerifiedWriter;

KsVerifiedWriter *ks_verified_writer_new     (int                dir_fd,
                                              const char        *where,
                                              const char        *name_hint,
                                              GError           **error);
gboolean          ks_verified_writer_write   (KsVerifiedWriter  *self,
                                              const void        *data,
                                              gsize              len,
                                              GError           **error);
char             *ks_verified_writer_finish  (KsVerifiedWriter  *self,
                                              guint64           *out_size,
                                              GCancellable      *cancellable,
                                              GError           **error);
int               ks_verified_writer_publish (KsVerifiedWriter  *self,
                                              KsPublishMode     *mode,
                                              int                to_dir,
                                              const char        *name);
int               ks_verified_writer_replace (KsVerifiedWriter  *self,
                                              int                to_dir,
                                              const char        *name);
void              ks_verified_writer_free    (KsVerifiedWriter  *self);

char             *ks_hash_fd_from_medium     (int                fd,
                                              guint64           *out_size,
                                              GCancellable      *cancellable,
                                              GError           **error);

G_END_DECLS
