/* ks-rclone-token.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-rclone-secret.h"
#include "ks-rclone-token.h"

/* Guards the token checksum of every remote: a run's workers keep the token at once. */
static GMutex keep_mutex;

static void
wipe (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
}

static gboolean
give_token (KsRcloneRemote  *remote,
            KsRclone        *rclone,
            const char      *token,
            GCancellable    *cancellable,
            GError         **error)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *parameters = json_object_new ();
  JsonObject *opt = json_object_new ();

  /* Asked nothing: the backend's setup stops at its first question, before any network
   * (checked with 1.60.1 for Dropbox, OneDrive, Google Drive, pCloud and Box), and what was
   * given is set in the configuration before that. */
  json_object_set_string_member (parameters, "token", token);
  json_object_set_boolean_member (parameters, "config_refresh_token", FALSE);
  json_object_set_boolean_member (opt, "nonInteractive", TRUE);
  json_object_set_string_member (params, "name", KS_RCLONE_REMOTE_NAME);
  json_object_set_string_member (params, "type", remote->backend);
  json_object_set_object_member (params, "parameters", parameters);
  json_object_set_object_member (params, "opt", opt);

  reply = ks_rclone_call (rclone, "config/create", params, cancellable, error);
  return reply != NULL;
}

/**
 * ks_rclone_remote_start:
 * @pid_file: (nullable): see ks_rclone_set_pid_file()
 *
 * Starts the rclone child for @remote, with its secrets, and hands it the sign-in token of
 * an OAuth kind. Reads the password file or the keyring. Blocking.
 *
 * Returns: (transfer full): the running child, or %NULL with @error set
 */
KsRclone *
ks_rclone_remote_start (KsRcloneRemote  *remote,
                        const char      *pid_file,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(KsRclone) rclone = NULL;
  g_auto(GStrv) env = NULL;
  char *token = NULL;
  gboolean ok;

  g_return_val_if_fail (remote != NULL, NULL);

  g_mutex_lock (&keep_mutex);
  g_clear_pointer (&remote->token_checksum, g_free);
  g_mutex_unlock (&keep_mutex);
  env = ks_rclone_remote_dup_env_and_token (remote, &token, cancellable, error);
  if (env == NULL)
    return NULL;

  rclone = ks_rclone_new ((const char * const *)env, remote->user_config);
  ks_rclone_set_pid_file (rclone, pid_file);
  ok = ks_rclone_start (rclone, cancellable, error);
  if (ok && token != NULL)
    {
      ok = give_token (remote, rclone, token, cancellable, error);
      if (ok)
        {
          g_mutex_lock (&keep_mutex);
          remote->token_checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
          g_mutex_unlock (&keep_mutex);
        }
    }
  wipe (token);
  g_free (token);

  if (!ok)
    {
      ks_rclone_stop (rclone);
      return NULL;
    }
  return g_steal_pointer (&rclone);
}

/* A token as rclone writes it: a JSON object with an access or a refresh token. */
static gboolean
is_token (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  return json_object_has_member (json_node_get_object (root), "access_token")
         || json_object_has_member (json_node_get_object (root), "refresh_token");
}

static gboolean
keep_token_locked (KsRcloneRemote  *remote,
                   KsRclone        *rclone,
                   GCancellable    *cancellable,
                   GError         **error)
{
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  const char *token;

  if (remote->token_checksum == NULL || !ks_rclone_is_running (rclone))
    return TRUE;

  params = json_object_new ();
  json_object_set_string_member (params, "name", KS_RCLONE_REMOTE_NAME);
  reply = ks_rclone_call (rclone, "config/get", params, cancellable, error);
  if (reply == NULL)
    return FALSE;
  token = json_object_get_string_member_with_default (reply, "token", NULL);
  if (token == NULL || !is_token (token))
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                           _("rclone lost the sign-in; sign in again"));
      return FALSE;
    }

  checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  if (g_str_equal (checksum, remote->token_checksum))
    return TRUE;

  if (!remote->keyring)
    g_debug ("rclone renewed the sign-in of %s; the token file is left as it is", remote->host);
  else
    {
      name = ks_rclone_remote_dup_display_name (remote);
      label = g_strdup_printf (_("Keepsake backup destination %s"), name);
      if (!ks_rclone_secret_store (remote->location, NULL, label, token, cancellable, error))
        return FALSE;
    }

  g_free (remote->token_checksum);
  remote->token_checksum = g_steal_pointer (&checksum);
  return TRUE;
}

/**
 * ks_rclone_remote_keep_token:
 *
 * When @rclone renewed the sign-in token of @remote, keeps the new one in the keyring in
 * place of the old, so that the next run starts from it. Nothing for other kinds, nor for a
 * token read from a file (the user's own file is not rewritten). Blocking.
 */
gboolean
ks_rclone_remote_keep_token (KsRcloneRemote  *remote,
                             KsRclone        *rclone,
                             GCancellable    *cancellable,
                             GError         **error)
{
  gboolean ok;

  g_return_val_if_fail (remote != NULL && KS_IS_RCLONE (rclone), FALSE);

  g_mutex_lock (&keep_mutex);
  ok = keep_token_locked (remote, rclone, cancellable, error);
  g_mutex_unlock (&keep_mutex);
  return ok;
}
