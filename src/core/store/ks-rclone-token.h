/* ks-rclone-token.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The rclone child of a network or cloud location, and the sign-in (OAuth) token of the
 * services one signs in to, which rclone renews while it works: the access token lasts about
 * an hour, and some services (OneDrive, Box) hand out a new refresh token with each renewal.
 *
 * rclone 1.60 writes a renewed token through the remote's configuration setter
 * (lib/oauthutil/oauthutil.go: TokenSource.Token → PutToken → m.Set; fs/configmap.go:
 * setConfigFile.Set → config.SetValueAndSave). Keepsake's child runs with --config=, which
 * fs/config/config.go SetConfigPath turns into the memory-only storage
 * (fs/config/default_storage.go, whose Save does nothing): no file ever holds the token.
 * rc config/get reads that storage back, so Keepsake keeps the renewed token in the keyring.
 *
 * The token is handed over with rc config/create rather than in the environment: rclone's
 * getters rank RCLONE_CONFIG_<NAME>_TOKEN above the configuration (fs/configmap.go
 * ConfigMap), so once the first renewed access token expired, rclone would go back to the
 * refresh token it was started with (TokenSource.reReadToken), which a service that rotates
 * them has already used up. */

#pragma once

#include "ks-rclone.h"
#include "ks-rclone-remote.h"

G_BEGIN_DECLS

KsRclone *ks_rclone_remote_start      (KsRcloneRemote  *remote,
                                       const char      *pid_file,
                                       GCancellable    *cancellable,
                                       GError         **error);
gboolean  ks_rclone_remote_keep_token (KsRcloneRemote  *remote,
                                       KsRclone        *rclone,
                                       GCancellable    *cancellable,
                                       GError         **error);

G_END_DECLS
