/* ks-rclone-secret.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The password of a network or cloud destination, kept in the user's keyring (libsecret)
 * under its location; a location that ends in "?password=keyring" finds it there. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Added to a location whose password is in the keyring. */
#define KS_RCLONE_SECRET_QUERY "password=keyring"

gboolean  ks_rclone_secret_store  (const char    *location,
                                   const char    *label,
                                   const char    *fallback_label,
                                   const char    *secret,
                                   GCancellable  *cancellable,
                                   GError       **error);
char     *ks_rclone_secret_lookup (const char    *location,
                                   GCancellable  *cancellable,
                                   GError       **error);
char     *ks_rclone_secret_dup_label (const char   *location,
                                      GCancellable *cancellable);
gboolean  ks_rclone_secret_clear  (const char    *location,
                                   GCancellable  *cancellable,
                                   GError       **error);

G_END_DECLS
