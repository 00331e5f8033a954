/* ks-backup-secret.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The password of a device's encrypted full backups, kept in the user's keyring (libsecret),
 * one item per device UDID ("Keepsake backup password"), only when the user asks. Looked up
 * when an encrypted backup of that device is opened, before the user is asked. Never written
 * anywhere else. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Blocking (D-Bus to the secret service): workers, or the CLI. */
gboolean  ks_backup_secret_store  (const char    *udid,
                                   const char    *device_name,
                                   const char    *password,
                                   GCancellable  *cancellable,
                                   GError       **error);
/* Returns: (transfer full) (nullable): the password, or %NULL — with @error set only when the
 *   keyring could not be asked (none kept is no error). Free with ks_backup_password_free(). */
char     *ks_backup_secret_lookup (const char    *udid,
                                   GCancellable  *cancellable,
                                   GError       **error);
gboolean  ks_backup_secret_clear  (const char    *udid,
                                   GCancellable  *cancellable,
                                   GError       **error);

void      ks_backup_secret_lookup_async  (const char           *udid,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
char     *ks_backup_secret_lookup_finish (GAsyncResult         *result,
                                          GError              **error);
/* Stores @password (when not %NULL) or forgets the device's one (%NULL). */
void      ks_backup_secret_update_async  (const char           *udid,
                                          const char           *device_name,
                                          const char           *password,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean  ks_backup_secret_update_finish (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
