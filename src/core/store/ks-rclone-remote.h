/* ks-rclone-remote.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsRcloneRemote: what a network or cloud location ("sftp://anna@nas:22/photos",
 * "rclone:b2:bucket/photos"…) means to rclone — a remote defined in the environment of the
 * rclone child and the path in it. A location never holds a secret: it may name a file the
 * secret is read from (?password-file=, ?identity-file=), read at each run. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The name the remote has inside Keepsake's own rclone child. */
#define KS_RCLONE_REMOTE_NAME "keepsake"

typedef struct
{
  char     *scheme;        /* "sftp", "smb", "webdav", "webdavs", "s3", "rclone" */
  char     *backend;       /* rclone's type: "sftp", "smb", "webdav", "s3"; NULL for "rclone" */
  char     *fs;            /* the root for rc calls: "keepsake:/srv/photos", "b2:bucket/x" */
  char     *host;          /* for people; NULL for rclone remotes */
  guint     port;          /* 0: the kind's default */
  char     *path;          /* the path part, for people */
  char     *password_file; /* nullable */
  char     *identity_file; /* nullable */
  gboolean  keyring;       /* the password is in the keyring, under the location */
  char     *location;
  GStrv     env;           /* RCLONE_CONFIG_KEEPSAKE_*=… without secrets */
  gboolean  user_config;   /* the user's own rclone.conf holds the remote */
  gboolean  is_cloud;
  char     *token_checksum; /* SHA-256 of the sign-in token the running child holds, or NULL */
} KsRcloneRemote;

gboolean        ks_rclone_remote_is_location (const char      *location);
gboolean        ks_rclone_remote_is_oauth    (const char      *backend);
KsRcloneRemote *ks_rclone_remote_parse       (const char      *location,
                                              GError         **error);
GStrv           ks_rclone_remote_dup_env     (KsRcloneRemote  *self,
                                              GCancellable    *cancellable,
                                              GError         **error);
GStrv           ks_rclone_remote_dup_env_and_token (KsRcloneRemote  *self,
                                                    char           **out_token,
                                                    GCancellable    *cancellable,
                                                    GError         **error);
char           *ks_rclone_remote_dup_display_name (KsRcloneRemote *self);
void            ks_rclone_remote_free        (KsRcloneRemote  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsRcloneRemote, ks_rclone_remote_free)

G_END_DECLS
