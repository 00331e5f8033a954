/* ks-ssh-host-key.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A server's key is read with OpenSSH's ssh-keyscan (argv, no shell) and shown as
 * ssh-keygen -lf shows it. Only the key of the type rclone will negotiate is kept: its SSH
 * library (golang.org/x/crypto in rclone 1.60) prefers ECDSA, then RSA, then Ed25519, and
 * treats a known host presenting a key of another type as a changed key. So the key the user
 * was shown is exactly the one every later connection must present. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ks-rclone.h"
#include "ks-ssh-host-key.h"

#define SCAN_TIMEOUT "10"

/* rclone 1.60's order of preference for host key algorithms. */
static const char * const preferred_types[] = {
  "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
  "ssh-rsa", "ssh-dss", "ssh-ed25519", NULL
};

void
ks_ssh_host_key_free (KsSshHostKey *key)
{
  if (key == NULL)
    return;
  g_free (key->type);
  g_free (key->blob);
  g_free (key->fingerprint);
  g_free (key);
}

/**
 * ks_ssh_known_hosts_path:
 *
 * Returns: (transfer full): Keepsake's own known_hosts file (it may not exist yet)
 */
char *
ks_ssh_known_hosts_path (void)
{
  return g_build_filename (g_get_user_data_dir (), USER_DIR_NAME, "known_hosts", NULL);
}

static gboolean
make_parent (const char  *path,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * ks_ssh_known_hosts_ensure:
 *
 * Creates the known_hosts file, empty, when there is none.
 */
gboolean
ks_ssh_known_hosts_ensure (GError **error)
{
  g_autofree char *path = ks_ssh_known_hosts_path ();

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  return make_parent (path, error)
         && g_file_set_contents_full (path, "", 0, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* known_hosts writes the default port bare, any other as "[host]:port". */
static char *
host_pattern (const char *host,
              guint       port)
{
  if (port == 0 || port == 22)
    return g_strdup (host);
  return g_strdup_printf ("[%s]:%u", host, port);
}

/* The key in SSH's wire form starts with its own type name: a blob that does not is not a
 * key of that type. */
static GBytes *
decode_blob (const char *type,
             const char *blob)
{
  g_autofree guchar *data = NULL;
  gsize len = 0;
  guint32 name_len;

  if (blob == NULL || *blob == '\0' || strspn (blob, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen (blob))
    return NULL;
  data = g_base64_decode (blob, &len);
  if (len < 4)
    return NULL;
  name_len = ((guint32)data[0] << 24) | ((guint32)data[1] << 16) | ((guint32)data[2] << 8) | data[3];
  if (name_len != strlen (type) || name_len > len - 4 || memcmp (data + 4, type, name_len) != 0)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

/**
 * ks_ssh_host_key_fingerprint:
 * @blob: a key, base64, as in known_hosts
 *
 * Returns: (transfer full): "SHA256:…" (unpadded base64 of the key's SHA-256)
 */
char *
ks_ssh_host_key_fingerprint (const char *blob)
{
  g_autofree guchar *data = NULL;
  g_autofree char *encoded = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize len = 0;
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  char *end;

  g_return_val_if_fail (blob != NULL, NULL);

  data = g_base64_decode (blob, &len);
  g_checksum_update (sha, data, len);
  g_checksum_get_digest (sha, digest, &digest_len);
  encoded = g_base64_encode (digest, digest_len);
  end = strchr (encoded, '=');
  if (end != NULL)
    *end = '\0';
  return g_strconcat ("SHA256:", encoded, NULL);
}

/**
 * ks_ssh_host_key_get_type_label:
 *
 * Returns: what ssh-keygen -lf prints in brackets: "ED25519", "ECDSA", "RSA"
 */
const char *
ks_ssh_host_key_get_type_label (const KsSshHostKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  if (g_str_equal (key->type, "ssh-ed25519"))
    return "ED25519";
  if (g_str_has_prefix (key->type, "ecdsa-"))
    return "ECDSA";
  if (g_str_equal (key->type, "ssh-rsa"))
    return "RSA";
  if (g_str_equal (key->type, "ssh-dss"))
    return "DSA";
  return key->type;
}

static KsSshHostKey *
key_new (const char *type,
         const char *blob)
{
  g_autoptr(GBytes) bytes = decode_blob (type, blob);
  KsSshHostKey *key;

  if (bytes == NULL)
    return NULL;
  key = g_new0 (KsSshHostKey, 1);
  key->type = g_strdup (type);
  key->blob = g_strdup (blob);
  key->fingerprint = ks_ssh_host_key_fingerprint (blob);
  return key;
}

/**
 * ks_ssh_host_key_pick:
 * @keyscan_output: what ssh-keyscan printed
 *
 * Returns: (transfer full): the key of the type rclone will negotiate, or %NULL with @error
 *   set
 */
KsSshHostKey *
ks_ssh_host_key_pick (const char  *keyscan_output,
                      const char  *host,
                      guint        port,
                      GError     **error)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *pattern = NULL;

  g_return_val_if_fail (keyscan_output != NULL && host != NULL, NULL);

  lines = g_strsplit (keyscan_output, "\n", -1);
  for (guint t = 0; preferred_types[t] != NULL; t++)
    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " \t", 4);

        if (fields[0] == NULL || fields[0][0] == '#' || fields[1] == NULL || fields[2] == NULL)
          continue;
        if (g_str_equal (fields[1], preferred_types[t]))
          {
            KsSshHostKey *key = key_new (fields[1], fields[2]);

            if (key != NULL)
              return key;
          }
      }

  pattern = host_pattern (host, port);
  g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_UNREACHABLE,
               _("The SSH server %s did not show a key Keepsake can check"), pattern);
  return NULL;
}

/**
 * ks_ssh_host_key_scan:
 *
 * Asks the server for its key (ssh-keyscan). Blocking.
 *
 * Returns: (transfer full): the key the rclone child will be shown, or %NULL with @error set
 */
KsSshHostKey *
ks_ssh_host_key_scan (const char    *host,
                      guint          port,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *port_text = g_strdup_printf ("%u", port ? port : 22);
  g_autofree char *out = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (host != NULL, NULL);

  if (*host == '\0' || *host == '-' || strpbrk (host, " \t\n,") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a server name"), host);
      return NULL;
    }

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &local_error, "ssh-keyscan", "-T", SCAN_TIMEOUT, "-p", port_text,
                              host, NULL);
  if (process == NULL)
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_INSTALLED,
                           _("ssh-keyscan (from OpenSSH) is not installed; SFTP destinations need it to check the server’s key"));
      return NULL;
    }

  if (!g_subprocess_communicate_utf8 (process, NULL, cancellable, &out, NULL, &local_error))
    {
      g_subprocess_force_exit (process);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (out == NULL || *g_strstrip (out) == '\0')
    {
      g_autofree char *pattern = host_pattern (host, port);

      g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_UNREACHABLE,
                   _("The SSH server %s did not answer"), pattern);
      return NULL;
    }

  return ks_ssh_host_key_pick (out, host, port, error);
}

/**
 * ks_ssh_known_hosts_lookup:
 *
 * Returns: (transfer full) (nullable): the key trusted for the server, or %NULL
 */
KsSshHostKey *
ks_ssh_known_hosts_lookup (const char *host,
                           guint       port)
{
  g_autofree char *path = ks_ssh_known_hosts_path ();
  g_autofree char *pattern = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (host != NULL, NULL);

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;

  pattern = host_pattern (host, port);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (lines[i], " \t", 4);

      if (fields[0] != NULL && fields[1] != NULL && fields[2] != NULL
          && g_str_equal (fields[0], pattern))
        return key_new (fields[1], g_strstrip (fields[2]));
    }
  return NULL;
}

/**
 * ks_ssh_known_hosts_trust:
 *
 * Makes @key the one key trusted for the server (replacing any other), written atomically.
 */
gboolean
ks_ssh_known_hosts_trust (const char          *host,
                          guint                port,
                          const KsSshHostKey  *key,
                          GError             **error)
{
  g_autofree char *path = ks_ssh_known_hosts_path ();
  g_autofree char *pattern = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (host != NULL && key != NULL, FALSE);

  if (!make_parent (path, error))
    return FALSE;

  pattern = host_pattern (host, port);
  if (g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_auto(GStrv) fields = g_strsplit_set (lines[i], " \t", 2);

          if (*lines[i] == '\0' || (fields[0] != NULL && g_str_equal (fields[0], pattern)))
            continue;
          g_string_append_printf (out, "%s\n", lines[i]);
        }
    }
  g_string_append_printf (out, "%s %s %s\n", pattern, key->type, key->blob);

  return g_file_set_contents_full (path, out->str, out->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/**
 * ks_ssh_host_key_check:
 * @out_trusted_fingerprint: (out) (optional) (transfer full): the key trusted before, when
 *   it has changed
 *
 * Asks the server for its key and compares it with the one trusted. Blocking.
 *
 * Returns: (transfer full): the server's key, or %NULL with @error set
 */
KsSshHostKey *
ks_ssh_host_key_check (const char         *host,
                       guint               port,
                       KsSshHostKeyState  *out_state,
                       char              **out_trusted_fingerprint,
                       GCancellable       *cancellable,
                       GError            **error)
{
  g_autoptr(KsSshHostKey) key = NULL;
  g_autoptr(KsSshHostKey) trusted = NULL;

  g_return_val_if_fail (host != NULL && out_state != NULL, NULL);

  key = ks_ssh_host_key_scan (host, port, cancellable, error);
  if (key == NULL)
    return NULL;

  trusted = ks_ssh_known_hosts_lookup (host, port);
  if (trusted == NULL)
    *out_state = KS_SSH_HOST_KEY_NEW;
  else if (g_str_equal (trusted->type, key->type) && g_str_equal (trusted->blob, key->blob))
    *out_state = KS_SSH_HOST_KEY_TRUSTED;
  else
    *out_state = KS_SSH_HOST_KEY_CHANGED;
  if (out_trusted_fingerprint != NULL)
    *out_trusted_fingerprint = trusted ? g_strdup (trusted->fingerprint) : NULL;
  return g_steal_pointer (&key);
}

/**
 * ks_ssh_host_key_dup_question:
 * @with_fingerprint: say the new key's fingerprint in the text (a terminal); without, the
 *   caller shows it apart, on a line of its own (a dialog)
 *
 * Returns: (transfer full): what to ask before trusting @key, for people
 */
char *
ks_ssh_host_key_dup_question (const char         *host,
                              guint               port,
                              const KsSshHostKey *key,
                              KsSshHostKeyState   state,
                              const char         *trusted_fingerprint,
                              gboolean            with_fingerprint)
{
  g_autofree char *pattern = NULL;
  g_autofree char *file_type = NULL;
  const char *label;
  const char *before;

  g_return_val_if_fail (host != NULL && key != NULL, NULL);

  pattern = host_pattern (host, port);
  label = ks_ssh_host_key_get_type_label (key);
  file_type = g_ascii_strdown (label, -1);
  before = trusted_fingerprint ? trusted_fingerprint : "?";
  if (state == KS_SSH_HOST_KEY_CHANGED && with_fingerprint)
    /* TRANSLATORS: %s are a server, a fingerprint (SHA256:…), a key type (ECDSA), a fingerprint, a key type in lower case */
    return g_strdup_printf (_("The key of the SSH server %s has changed. It was %s; it is now %s %s. "
                              "Someone may be intercepting the connection. Trust the new key only if the "
                              "server’s administrator confirms it (ssh-keygen -lf on the server’s "
                              "/etc/ssh/ssh_host_%s_key.pub)."),
                            pattern, before, label, key->fingerprint, file_type);
  if (state == KS_SSH_HOST_KEY_CHANGED)
    /* TRANSLATORS: %s are a server, a fingerprint (SHA256:…), a key type (ECDSA), a key type in lower case */
    return g_strdup_printf (_("The key of the SSH server %s has changed since you trusted it (it was %s). "
                              "Someone may be intercepting the connection. Trust its new %s key below only if "
                              "the server’s administrator confirms it (ssh-keygen -lf on the server’s "
                              "/etc/ssh/ssh_host_%s_key.pub)."),
                            pattern, before, label, file_type);
  if (with_fingerprint)
    /* TRANSLATORS: %s are a server, a key type (ECDSA), a fingerprint (SHA256:…), a key type in lower case */
    return g_strdup_printf (_("Keepsake has not connected to the SSH server %s before. Its %s key "
                              "fingerprint is %s. Trust it only if it is the one the server shows "
                              "(ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub on the server)."),
                            pattern, label, key->fingerprint, file_type);
  /* TRANSLATORS: %s are a server, a key type (ECDSA), a key type in lower case */
  return g_strdup_printf (_("Keepsake has not connected to the SSH server %s before. Trust its %s key "
                            "only if the fingerprint below is the one the server shows "
                            "(ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub on the server)."),
                          pattern, label, file_type);
}
