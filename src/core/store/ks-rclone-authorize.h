/* ks-rclone-authorize.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Signing in to a cloud service with `rclone authorize BACKEND`: rclone waits on
 * 127.0.0.1 for the browser to come back from the service's sign-in page, then prints the
 * OAuth token, which goes to the keyring and nowhere else. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Called on the calling thread's main context with the address to open in the browser. */
typedef void (*KsRcloneAuthorizeUrlFunc) (const char *url,
                                          gpointer    user_data);

void      ks_rclone_authorize_async       (const char               *backend,
                                           KsRcloneAuthorizeUrlFunc  url_func,
                                           gpointer                  url_data,
                                           GCancellable             *cancellable,
                                           GAsyncReadyCallback       callback,
                                           gpointer                  user_data);
char     *ks_rclone_authorize_finish      (GAsyncResult             *result,
                                           GError                  **error);
char     *ks_rclone_authorize_parse_token (const char               *output,
                                           GError                  **error);

/* Microsoft Graph, where OneDrive says which drive an account has. */
#define KS_ONEDRIVE_GRAPH_URL "https://graph.microsoft.com/v1.0"

gboolean  ks_rclone_onedrive_find_drive   (const char               *graph_url,
                                           const char               *token,
                                           char                    **out_drive_id,
                                           char                    **out_drive_type,
                                           GCancellable             *cancellable,
                                           GError                  **error);
const char *ks_rclone_onedrive_graph_url  (void);
char     *ks_rclone_onedrive_complete_location (const char        *location,
                                                GCancellable      *cancellable,
                                                GError           **error);

G_END_DECLS
