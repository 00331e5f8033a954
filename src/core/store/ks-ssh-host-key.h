/* ks-ssh-host-key.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The SSH host keys Keepsake trusts, in its own known_hosts file (OpenSSH's format), which
 * the rclone child checks every SFTP connection against (known_hosts_file): an unknown
 * server is refused until the user trusts the fingerprint it was shown, a changed key is
 * refused outright — as ssh does. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  KS_SSH_HOST_KEY_TRUSTED,
  KS_SSH_HOST_KEY_NEW,
  KS_SSH_HOST_KEY_CHANGED,
} KsSshHostKeyState;

typedef struct
{
  char *type;         /* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"… */
  char *blob;         /* the key, base64, as in known_hosts */
  char *fingerprint;  /* "SHA256:…", as ssh-keygen -lf prints it */
} KsSshHostKey;

char         *ks_ssh_known_hosts_path        (void);
gboolean      ks_ssh_known_hosts_ensure      (GError       **error);
char         *ks_ssh_host_key_fingerprint    (const char    *blob);
const char   *ks_ssh_host_key_get_type_label (const KsSshHostKey *key);
KsSshHostKey *ks_ssh_host_key_scan           (const char    *host,
                                              guint          port,
                                              GCancellable  *cancellable,
                                              GError       **error);
KsSshHostKey *ks_ssh_host_key_pick           (const char    *keyscan_output,
                                              const char    *host,
                                              guint          port,
                                              GError       **error);
KsSshHostKey *ks_ssh_known_hosts_lookup      (const char    *host,
                                              guint          port);
gboolean      ks_ssh_known_hosts_trust       (const char    *host,
                                              guint          port,
                                              const KsSshHostKey *key,
                                              GError       **error);
KsSshHostKey *ks_ssh_host_key_check          (const char    *host,
                                              guint          port,
                                              KsSshHostKeyState *out_state,
                                              char         **out_trusted_fingerprint,
                                              GCancellable  *cancellable,
                                              GError       **error);
char         *ks_ssh_host_key_dup_question   (const char    *host,
                                              guint          port,
                                              const KsSshHostKey *key,
                                              KsSshHostKeyState state,
                                              const char    *trusted_fingerprint,
                                              gboolean       with_fingerprint);
void          ks_ssh_host_key_free           (KsSshHostKey  *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSshHostKey, ks_ssh_host_key_free)

G_END_DECLS
