/* ks-rclone-remote.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Turns a location into an rclone remote defined through environment variables
 * (RCLONE_CONFIG_KEEPSAKE_TYPE=sftp, …_HOST=…). Secrets are added only when the child is
 * started (ks_rclone_remote_dup_env), read from the file the location names and obscured by
 * rclone itself through a pipe. The sign-in token of an OAuth kind is the exception: it goes
 * into the child's memory-only configuration, where rclone can renew it (ks-rclone-token.c). */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-rclone.h"
#include "ks-rclone-remote.h"
#include "ks-rclone-authorize.h"
#include "ks-rclone-secret.h"
#include "ks-ssh-host-key.h"

#define ENV_PREFIX "RCLONE_CONFIG_KEEPSAKE_"

void
ks_rclone_remote_free (KsRcloneRemote *self)
{
  if (self == NULL)
    return;

  g_free (self->scheme);
  g_free (self->backend);
  g_free (self->fs);
  g_free (self->host);
  g_free (self->path);
  g_free (self->password_file);
  g_free (self->identity_file);
  g_free (self->location);
  g_free (self->token_checksum);
  g_strfreev (self->env);
  g_free (self);
}

/**
 * ks_rclone_remote_is_location:
 *
 * Returns: whether @location is one rclone reaches (a network or cloud location)
 */
gboolean
ks_rclone_remote_is_location (const char *location)
{
  static const char * const prefixes[] = {
    "sftp://", "smb://", "webdav://", "webdavs://", "s3://", "rclone:",
    "dropbox:", "onedrive:", "drive:", "pcloud:", "box:", NULL
  };

  g_return_val_if_fail (location != NULL, FALSE);

  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (location, prefixes[i]))
      return TRUE;
  return FALSE;
}

static void
add_env (GPtrArray  *env,
         const char *key,
         const char *value)
{
  g_ptr_array_add (env, g_strconcat (ENV_PREFIX, key, "=", value, NULL));
}

static gboolean
invalid (GError     **error,
         const char  *location,
         const char  *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a network or cloud location: %s"), location, why);
  return FALSE;
}

static gboolean
parse_rclone_remote (KsRcloneRemote  *self,
                     const char      *location,
                     GError         **error)
{
  const char *rest = location + strlen ("rclone:");
  const char *colon = strchr (rest, ':');

  if (colon == NULL || colon == rest)
    return invalid (error, location, _("write it as rclone:REMOTE:path"));

  self->scheme = g_strdup ("rclone");
  self->fs = g_strdup (rest);
  self->path = g_strdup (colon + 1);
  self->user_config = TRUE;
  self->is_cloud = TRUE;
  self->env = g_new0 (char *, 1);
  return TRUE;
}

/* The services one signs in to (OAuth): "dropbox:Photos/iPhone?password=keyring", the
 * token in the keyring. */
static const struct
{
  const char *backend;
  const char *name;
} oauth_services[] = {
  { "dropbox",  "Dropbox" },
  { "onedrive", "OneDrive" },
  { "drive",    "Google Drive" },
  { "pcloud",   "pCloud" },
  { "box",      "Box" },
};

static gboolean
parse_oauth (KsRcloneRemote  *self,
             const char      *location,
             guint            service,
             GError         **error)
{
  const char *rest = location + strlen (oauth_services[service].backend) + 1;
  const char *query = strchr (rest, '?');
  g_autofree char *raw = g_strndup (rest, query ? (gsize)(query - rest) : strlen (rest));
  g_autofree char *path = g_uri_unescape_string (raw, NULL);
  g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func (g_free);
  const char *backend = oauth_services[service].backend;

  if (path == NULL || strstr (path, "..") != NULL)
    return invalid (error, location, _("the path may not contain “..”"));
  g_strstrip (path);
  while (g_str_has_suffix (path, "/"))
    path[strlen (path) - 1] = '\0';

  if (query != NULL)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (query + 1, -1, "&", G_URI_PARAMS_NONE, error);
      const char *value;

      if (params == NULL)
        return FALSE;
      self->keyring = g_strcmp0 (g_hash_table_lookup (params, "password"), "keyring") == 0;
      /* keepsake-cli: the token in a file (what `rclone authorize` printed). */
      self->password_file = g_strdup (g_hash_table_lookup (params, "password-file"));
      /* OneDrive: which drive, as Microsoft's Graph API names it (not secret). */
      if ((value = g_hash_table_lookup (params, "drive-id")) != NULL)
        add_env (env, "DRIVE_ID", value);
      if ((value = g_hash_table_lookup (params, "drive-type")) != NULL)
        add_env (env, "DRIVE_TYPE", value);
    }

  self->scheme = g_strdup (backend);
  self->backend = g_strdup (backend);
  self->host = g_strdup (oauth_services[service].name);
  self->path = g_strdup (path[0] == '/' ? path + 1 : path);
  self->is_cloud = TRUE;
  self->fs = g_strconcat (KS_RCLONE_REMOTE_NAME ":", self->path, NULL);
  add_env (env, "TYPE", backend);
  g_ptr_array_add (env, NULL);
  self->env = (GStrv)g_ptr_array_steal (env, NULL);
  return TRUE;
}

/**
 * ks_rclone_remote_is_oauth:
 *
 * Returns: whether @backend is a service one signs in to with a browser
 */
gboolean
ks_rclone_remote_is_oauth (const char *backend)
{
  for (guint i = 0; backend != NULL && i < G_N_ELEMENTS (oauth_services); i++)
    if (g_str_equal (backend, oauth_services[i].backend))
      return TRUE;
  return FALSE;
}

static gboolean
parse_uri (KsRcloneRemote  *self,
           const char      *location,
           GError         **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *port = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  const char *user;
  const char *endpoint = NULL;
  const char *region = NULL;
  const char *vendor = NULL;

  uri = g_uri_parse (location, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_QUERY, error);
  if (uri == NULL)
    return FALSE;

  if (g_uri_get_password (uri) != NULL)
    {
      /* Not even the error repeats it. */
      g_autofree char *shown = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);

      return invalid (error, shown,
                      _("a password does not belong in the location; give it in a file"));
    }

  if (g_uri_get_query (uri) != NULL)
    {
      params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, error);
      if (params == NULL)
        return FALSE;
      self->password_file = g_strdup (g_hash_table_lookup (params, "password-file"));
      self->identity_file = g_strdup (g_hash_table_lookup (params, "identity-file"));
      endpoint = g_hash_table_lookup (params, "endpoint");
      region = g_hash_table_lookup (params, "region");
      vendor = g_hash_table_lookup (params, "vendor");
      self->keyring = g_strcmp0 (g_hash_table_lookup (params, "password"), "keyring") == 0;
    }

  scheme = g_uri_get_scheme (uri);
  user = g_uri_get_user (uri);
  self->scheme = g_ascii_strdown (scheme, -1);
  self->host = g_strdup (g_uri_get_host (uri));
  if (self->host == NULL || *self->host == '\0')
    return invalid (error, location, _("it names no server"));
  if (g_uri_get_port (uri) > 0)
    {
      self->port = g_uri_get_port (uri);
      port = g_strdup_printf ("%d", g_uri_get_port (uri));
    }

  /* Without the leading and trailing slashes. */
  path = g_strdup (g_uri_get_path (uri));
  g_strstrip (path);
  while (g_str_has_suffix (path, "/"))
    path[strlen (path) - 1] = '\0';
  self->path = g_strdup (path[0] == '/' ? path + 1 : path);
  if (strstr (self->path, "..") != NULL)
    return invalid (error, location, _("the path may not contain “..”"));

  if (g_str_equal (self->scheme, "sftp"))
    {
      self->backend = g_strdup ("sftp");
      add_env (env, "TYPE", "sftp");
      add_env (env, "HOST", self->host);
      if (port != NULL)
        add_env (env, "PORT", port);
      if (user != NULL)
        add_env (env, "USER", user);
      if (self->identity_file != NULL)
        add_env (env, "KEY_FILE", self->identity_file);
      /* Only servers whose key the user trusted (see KsSshHostKey). */
      {
        g_autofree char *known_hosts = ks_ssh_known_hosts_path ();

        add_env (env, "KNOWN_HOSTS_FILE", known_hosts);
      }
      /* The path is absolute on the server, as in other sftp:// addresses. */
      self->fs = g_strconcat (KS_RCLONE_REMOTE_NAME ":/", self->path, NULL);
    }
  else if (g_str_equal (self->scheme, "smb"))
    {
      if (*self->path == '\0')
        return invalid (error, location, _("write it as smb://user@host/share/folder"));
      self->backend = g_strdup ("smb");
      add_env (env, "TYPE", "smb");
      add_env (env, "HOST", self->host);
      if (port != NULL)
        add_env (env, "PORT", port);
      if (user != NULL)
        add_env (env, "USER", user);
      self->fs = g_strconcat (KS_RCLONE_REMOTE_NAME ":", self->path, NULL);
    }
  else if (g_str_equal (self->scheme, "webdav") || g_str_equal (self->scheme, "webdavs"))
    {
      g_autofree char *url = NULL;

      url = g_strdup_printf ("%s://%s%s%s/%s",
                             g_str_equal (self->scheme, "webdavs") ? "https" : "http",
                             self->host, port ? ":" : "", port ? port : "", self->path);
      self->backend = g_strdup ("webdav");
      add_env (env, "TYPE", "webdav");
      add_env (env, "URL", url);
      add_env (env, "VENDOR", vendor ? vendor : "other");
      if (user != NULL)
        add_env (env, "USER", user);
      self->fs = g_strdup (KS_RCLONE_REMOTE_NAME ":");
    }
  else if (g_str_equal (self->scheme, "s3"))
    {
      self->backend = g_strdup ("s3");
      self->is_cloud = TRUE;
      add_env (env, "TYPE", "s3");
      add_env (env, "PROVIDER", endpoint ? "Other" : "AWS");
      add_env (env, "ENV_AUTH", "false");
      if (endpoint != NULL)
        add_env (env, "ENDPOINT", endpoint);
      if (region != NULL)
        add_env (env, "REGION", region);
      self->fs = g_strconcat (KS_RCLONE_REMOTE_NAME ":", self->host,
                              *self->path ? "/" : "", self->path, NULL);
    }
  else
    return invalid (error, location, _("use sftp://, smb://, webdav://, webdavs://, s3:// or rclone:"));

  g_ptr_array_add (env, NULL);
  self->env = (GStrv)g_ptr_array_steal (env, NULL);
  return TRUE;
}

/**
 * ks_rclone_remote_parse:
 *
 * Returns: (transfer full): what @location means, or %NULL with @error set
 */
KsRcloneRemote *
ks_rclone_remote_parse (const char  *location,
                        GError     **error)
{
  g_autoptr(KsRcloneRemote) self = g_new0 (KsRcloneRemote, 1);
  gboolean ok;

  g_return_val_if_fail (location != NULL, NULL);

  self->location = g_strdup (location);
  for (guint i = 0; i < G_N_ELEMENTS (oauth_services); i++)
    if (g_str_has_prefix (location, oauth_services[i].backend)
        && location[strlen (oauth_services[i].backend)] == ':')
      return parse_oauth (self, location, i, error) ? g_steal_pointer (&self) : NULL;

  if (g_str_has_prefix (location, "rclone:"))
    ok = parse_rclone_remote (self, location, error);
  else if (ks_rclone_remote_is_location (location))
    ok = parse_uri (self, location, error);
  else
    ok = invalid (error, location, _("use sftp://, smb://, webdav://, webdavs://, s3:// or rclone:"));

  return ok ? g_steal_pointer (&self) : NULL;
}

static char *
read_secret_file (const char  *path,
                  GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  if (memchr (contents, '\0', len) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The password file %s is not a text file"), path);
      return NULL;
    }
  /* One trailing newline is not part of the password. */
  if (len > 0 && contents[len - 1] == '\n')
    contents[--len] = '\0';
  if (len > 0 && contents[len - 1] == '\r')
    contents[--len] = '\0';
  return g_steal_pointer (&contents);
}

/**
 * ks_rclone_remote_dup_env_and_token:
 * @out_token: (out) (optional): the sign-in token of an OAuth kind, which is not part of
 *   the environment (see ks-rclone-token.h); %NULL for other kinds
 *
 * The environment for the rclone child: the remote's definition and its secrets. Reads the
 * password file or the keyring. Blocking.
 *
 * Returns: (transfer full): KEY=VALUE pairs, or %NULL with @error set
 */
GStrv
ks_rclone_remote_dup_env_and_token (KsRcloneRemote  *self,
                                    char           **out_token,
                                    GCancellable    *cancellable,
                                    GError         **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *secret = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (out_token != NULL)
    *out_token = NULL;

  g_strv_builder_addv (builder, (const char **)self->env);

  /* rclone refuses a known_hosts file that is not there; an empty one trusts nobody. */
  if (g_strcmp0 (self->backend, "sftp") == 0 && !ks_ssh_known_hosts_ensure (error))
    return NULL;

  if (self->password_file != NULL)
    {
      secret = read_secret_file (self->password_file, error);
      if (secret == NULL)
        return NULL;
    }
  else if (self->keyring)
    {
      secret = ks_rclone_secret_lookup (self->location, cancellable, error);
      if (secret == NULL)
        return NULL;
    }

  if (secret != NULL && g_strcmp0 (self->backend, "s3") == 0)
    {
      g_auto(GStrv) keys = g_strsplit (secret, "\n", 2);
      g_autofree char *id = NULL;
      g_autofree char *key = NULL;

      if (keys[0] == NULL || keys[1] == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The password file for S3 holds two lines: the access key id, then the secret key"));
          return NULL;
        }
      id = g_strconcat (ENV_PREFIX "ACCESS_KEY_ID=", g_strstrip (keys[0]), NULL);
      key = g_strconcat (ENV_PREFIX "SECRET_ACCESS_KEY=", g_strstrip (keys[1]), NULL);
      g_strv_builder_add (builder, id);
      g_strv_builder_add (builder, key);
    }
  else if (secret != NULL && ks_rclone_remote_is_oauth (self->backend))
    {
      g_autofree char *token = NULL;

      /* A file may hold all that `rclone authorize` printed, markers and all. */
      if (strstr (secret, "--->") != NULL)
        {
          token = ks_rclone_authorize_parse_token (secret, error);
          if (token == NULL)
            {
              memset (secret, 0, strlen (secret));
              return NULL;
            }
        }
      else
        token = g_strdup (secret);

      /* Not in the environment: there it would outrank the token rclone refreshes. */
      if (out_token != NULL)
        *out_token = g_steal_pointer (&token);
      else
        memset (token, 0, strlen (token));
    }
  else if (secret != NULL && self->backend != NULL)
    {
      g_autofree char *obscured = ks_rclone_obscure (secret, cancellable, error);
      g_autofree char *pass = NULL;

      if (obscured == NULL)
        return NULL;
      pass = g_strconcat (ENV_PREFIX "PASS=", obscured, NULL);
      g_strv_builder_add (builder, pass);
    }

  if (secret != NULL)
    memset (secret, 0, strlen (secret));

  return g_strv_builder_end (builder);
}

/**
 * ks_rclone_remote_dup_env:
 *
 * As ks_rclone_remote_dup_env_and_token(), without the sign-in token.
 *
 * Returns: (transfer full): KEY=VALUE pairs, or %NULL with @error set
 */
GStrv
ks_rclone_remote_dup_env (KsRcloneRemote  *self,
                          GCancellable    *cancellable,
                          GError         **error)
{
  return ks_rclone_remote_dup_env_and_token (self, NULL, cancellable, error);
}

/**
 * ks_rclone_remote_dup_display_name:
 *
 * Returns: (transfer full): "photos on nas.local", or the rclone remote as written
 */
char *
ks_rclone_remote_dup_display_name (KsRcloneRemote *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->host == NULL)
    return g_strdup (self->fs);
  if (*self->path == '\0')
    return g_strdup (self->host);
  /* TRANSLATORS: a folder on a server, e.g. "Photos on nas.local" */
  return g_strdup_printf (_("%s on %s"), self->path, self->host);
}
