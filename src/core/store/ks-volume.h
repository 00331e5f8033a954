/* ks-volume.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What makes a medium recognisable and exclusive: the id it keeps in .keepsake/id, the
 * filesystem's UUID, and the lock one run holds on .keepsake/lock. */

#pragma once

#include <sys/types.h>

#include <gio/gio.h>

#include "ks-dirfd.h"

G_BEGIN_DECLS

char     *ks_volume_read_id    (int             meta_fd,
                                const char     *where,
                                GError        **error);
char     *ks_volume_ensure_id  (int             meta_fd,
                                const char     *where,
                                const char     *expected_id,
                                KsPublishMode  *mode,
                                GError        **error);
gboolean  ks_volume_lock       (int             meta_fd,
                                const char     *where,
                                int            *out_lock_fd,
                                GError        **error);
char     *ks_volume_find_uuid  (dev_t           dev);

G_END_DECLS
