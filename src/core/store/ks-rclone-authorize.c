/* ks-rclone-authorize.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* rclone runs in a process group of its own with --auth-no-open-browser: the caller opens
 * the address itself (through the desktop, so the browser is not our child), and cancelling
 * kills the whole group — rclone and anything it started — without touching the browser.
 * Its output is read line by line into memory only; the token is taken from between
 * rclone's "--->" and "<---End paste" markers and is never logged. */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ks-rclone.h"
#include "ks-rclone-authorize.h"
#include "ks-rclone-remote.h"

#define START_MARK "--->"
#define END_MARK   "<---End paste"

typedef struct
{
  GSubprocess              *process;
  GDataInputStream         *lines;
  GString                  *output;
  KsRcloneAuthorizeUrlFunc  url_func;
  gpointer                  url_data;
  gboolean                  url_seen;
  GCancellable             *cancellable;
  gulong                    cancel_id;
} Authorize;

static void
authorize_free (Authorize *auth)
{
  /* Once done, a late cancel must not signal a process group that is not ours any more. */
  if (auth->cancel_id != 0)
    g_cancellable_disconnect (auth->cancellable, auth->cancel_id);
  g_clear_object (&auth->cancellable);
  g_clear_object (&auth->lines);
  g_clear_object (&auth->process);
  if (auth->output != NULL)
    {
      memset (auth->output->str, 0, auth->output->len);
      g_string_free (auth->output, TRUE);
    }
  g_free (auth);
}

static void
kill_group (GSubprocess *process)
{
  const char *id = g_subprocess_get_identifier (process);

  if (id != NULL)
    {
      pid_t pid = (pid_t)g_ascii_strtoll (id, NULL, 10);

      if (pid > 1)
        kill (-pid, SIGKILL);
    }
}

static void
child_setup (gpointer data)
{
  setpgid (0, 0);
}

/* A token is a JSON object with an access or refresh token. Newer rclone versions print it
 * base64-encoded inside {"token": "…"}; both are taken. */
static char *
check_token (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;

  if (!json_parser_load_from_data (parser, text, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  if (json_object_has_member (object, "access_token") || json_object_has_member (object, "refresh_token"))
    return json_to_string (root, FALSE);
  if (json_object_has_member (object, "token"))
    {
      const char *inner = json_object_get_string_member_with_default (object, "token", NULL);

      return inner != NULL && *inner == '{' ? check_token (inner) : NULL;
    }
  return NULL;
}

/**
 * ks_rclone_authorize_parse_token:
 * @output: all that `rclone authorize` printed
 *
 * Returns: (transfer full): the token (JSON), or %NULL with @error set
 */
char *
ks_rclone_authorize_parse_token (const char  *output,
                                 GError     **error)
{
  const char *start;
  const char *end;
  g_autofree char *block = NULL;
  char *token = NULL;

  g_return_val_if_fail (output != NULL, NULL);

  start = strstr (output, START_MARK);
  end = start ? strstr (start, END_MARK) : NULL;
  if (start != NULL && end != NULL)
    {
      block = g_strndup (start + strlen (START_MARK), end - start - strlen (START_MARK));
      g_strstrip (block);
      if (*block == '{')
        token = check_token (block);
      else if (*block != '\0')
        {
          gsize len = 0;
          g_autofree guchar *decoded = g_base64_decode (block, &len);
          g_autofree char *text = g_strndup ((const char *)decoded, len);

          token = check_token (text);
          memset (text, 0, strlen (text));
        }
      memset (block, 0, strlen (block));
    }

  if (token == NULL)
    g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_AUTH,
                         _("Signing in did not finish: rclone gave no sign-in token"));
  return token;
}

static void read_line_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Authorize *auth = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *token;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  if (g_task_return_error_if_cancelled (task))
    return;

  token = ks_rclone_authorize_parse_token (auth->output->str, &error);
  if (token == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, token, g_free);
}

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Authorize *auth = g_task_get_task_data (task);
  g_autofree char *line = NULL;
  GCancellable *cancellable;
  gsize len = 0;
  char *url;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, &len, NULL);
  if (line == NULL)
    {
      /* The end of its output (or an error, or cancelled): wait for rclone to exit. */
      cancellable = g_task_get_cancellable (task);
      g_subprocess_wait_async (auth->process, NULL, wait_cb, g_object_ref (task));
      if (g_cancellable_is_cancelled (cancellable))
        kill_group (auth->process);
      return;
    }

  g_string_append (auth->output, line);
  g_string_append_c (auth->output, '\n');
  memset (line, 0, len);

  /* "… go to the following link: http://127.0.0.1:53682/auth?state=…" */
  url = strstr (auth->output->str + auth->output->len - len - 1, "http://127.0.0.1:");
  if (url != NULL && !auth->url_seen && auth->url_func != NULL)
    {
      g_autofree char *address = g_strndup (url, strcspn (url, " \t\r\n"));

      auth->url_seen = TRUE;
      auth->url_func (address, auth->url_data);
    }

  cancellable = g_task_get_cancellable (task);
  g_data_input_stream_read_line_async (auth->lines, G_PRIORITY_DEFAULT, cancellable,
                                       read_line_cb, g_steal_pointer (&task));
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  kill_group (G_SUBPROCESS (user_data));
}

/**
 * ks_rclone_authorize_async:
 * @backend: rclone's name for the service ("dropbox", "drive"…)
 * @url_func: (nullable): called once with the address of the sign-in page
 *
 * Runs `rclone authorize @backend`; cancelling @cancellable kills it and all it started.
 */
void
ks_rclone_authorize_async (const char               *backend,
                           KsRcloneAuthorizeUrlFunc  url_func,
                           gpointer                  url_data,
                           GCancellable             *cancellable,
                           GAsyncReadyCallback       callback,
                           gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  Authorize *auth;

  g_return_if_fail (backend != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_rclone_authorize_async);
  auth = g_new0 (Authorize, 1);
  auth->output = g_string_new (NULL);
  auth->url_func = url_func;
  auth->url_data = url_data;
  g_task_set_task_data (task, auth, (GDestroyNotify) authorize_free);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  auth->process = g_subprocess_launcher_spawn (launcher, &error, "rclone", "--config=", "authorize",
                                               backend, "--auth-no-open-browser", NULL);
  if (auth->process == NULL)
    {
      g_task_return_new_error (task, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_INSTALLED,
                               _("rclone is not installed; network and cloud destinations need it"));
      return;
    }

  if (cancellable != NULL)
    auth->cancellable = g_object_ref (cancellable);
  if (cancellable != NULL)
    auth->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                             g_object_ref (auth->process), g_object_unref);
  auth->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (auth->process));
  g_data_input_stream_read_line_async (auth->lines, G_PRIORITY_DEFAULT, cancellable,
                                       read_line_cb, g_steal_pointer (&task));
}

/**
 * ks_rclone_authorize_finish:
 *
 * Returns: (transfer full): the token (JSON), or %NULL with @error set
 */
char *
ks_rclone_authorize_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * ks_rclone_onedrive_find_drive:
 * @graph_url: %KS_ONEDRIVE_GRAPH_URL (another address in tests)
 * @token: the token `rclone authorize onedrive` gave
 *
 * rclone's OneDrive remote needs to know the account's drive (its id and type), which
 * `rclone config` asks Microsoft for: the same question, GET /me/drive. Blocking.
 */
gboolean
ks_rclone_onedrive_find_drive (const char    *graph_url,
                               const char    *token,
                               char         **out_drive_id,
                               char         **out_drive_type,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;
  const char *access;
  const char *id;
  const char *type;
  JsonNode *root;
  JsonObject *drive;

  g_return_val_if_fail (graph_url != NULL && token != NULL, FALSE);
  g_return_val_if_fail (out_drive_id != NULL && out_drive_type != NULL, FALSE);

  if (!json_parser_load_from_data (parser, token, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (access = json_object_get_string_member_with_default (json_node_get_object (root), "access_token", NULL)) == NULL)
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_AUTH,
                           _("Signing in did not finish: rclone gave no sign-in token"));
      return FALSE;
    }

  session = soup_session_new_with_options ("timeout", 30, NULL);
  url = g_strconcat (graph_url, "/me/drive", NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, url);
      return FALSE;
    }
  auth = g_strconcat ("Bearer ", access, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  memset (auth, 0, strlen (auth));
  reply = soup_session_send_and_read (session, msg, cancellable, error);
  if (reply == NULL)
    return FALSE;

  if (soup_message_get_status (msg) != SOUP_STATUS_OK
      || !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL) ? g_bytes_get_data (reply, NULL) : "",
                                      g_bytes_get_size (reply), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                   _("OneDrive did not say which drive the account has (HTTP %u)"),
                   soup_message_get_status (msg));
      return FALSE;
    }

  drive = json_node_get_object (root);
  id = json_object_get_string_member_with_default (drive, "id", NULL);
  type = json_object_get_string_member_with_default (drive, "driveType", NULL);
  /* Kept in the location: only letters, digits and "!" (personal ids look like "b!…" or hex). */
  if (id == NULL || type == NULL || *id == '\0'
      || strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!-_") != strlen (id)
      || (!g_str_equal (type, "personal") && !g_str_equal (type, "business")
          && !g_str_equal (type, "documentLibrary")))
    {
      g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                   _("OneDrive did not say which drive the account has (HTTP %u)"),
                   soup_message_get_status (msg));
      return FALSE;
    }

  *out_drive_id = g_strdup (id);
  *out_drive_type = g_strdup (type);
  return TRUE;
}

/**
 * ks_rclone_onedrive_graph_url:
 *
 * Returns: %KS_ONEDRIVE_GRAPH_URL, or for tests the stand-in named by
 *   KEEPSAKE_ONEDRIVE_GRAPH_URL when that is an address on 127.0.0.1 (a token is never sent
 *   anywhere else)
 */
const char *
ks_rclone_onedrive_graph_url (void)
{
  const char *url = g_getenv ("KEEPSAKE_ONEDRIVE_GRAPH_URL");

  if (url != NULL && g_str_has_prefix (url, "http://127.0.0.1:"))
    return url;
  return KS_ONEDRIVE_GRAPH_URL;
}

/**
 * ks_rclone_onedrive_complete_location:
 *
 * A OneDrive location without its drive ("onedrive:Photos?password-file=…") gets the
 * account's drive from Microsoft Graph, asked with its token, as the window does after
 * signing in. Other locations come back as they are. Blocking.
 *
 * Returns: (transfer full): the location with ?drive-id= and &drive-type=, or %NULL with
 *   @error set
 */
char *
ks_rclone_onedrive_complete_location (const char    *location,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autofree char *token = NULL;
  g_autofree char *id = NULL;
  g_autofree char *type = NULL;
  g_autofree char *escaped_id = NULL;
  g_auto(GStrv) env = NULL;
  gboolean ok;

  g_return_val_if_fail (location != NULL, NULL);

  remote = ks_rclone_remote_parse (location, error);
  if (remote == NULL)
    return NULL;
  if (g_strcmp0 (remote->backend, "onedrive") != 0)
    return g_strdup (location);
  for (guint i = 0; remote->env[i] != NULL; i++)
    if (g_str_has_prefix (remote->env[i], "RCLONE_CONFIG_KEEPSAKE_DRIVE_ID="))
      return g_strdup (location);

  env = ks_rclone_remote_dup_env_and_token (remote, &token, cancellable, error);
  if (env == NULL)
    return NULL;
  if (token == NULL)
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_AUTH,
                           _("Signing in did not finish: rclone gave no sign-in token"));
      return NULL;
    }
  ok = ks_rclone_onedrive_find_drive (ks_rclone_onedrive_graph_url (), token, &id, &type,
                                      cancellable, error);
  memset (token, 0, strlen (token));
  if (!ok)
    return NULL;

  /* find_drive let through only letters, digits and "!-_"; "!" is escaped all the same. */
  escaped_id = g_uri_escape_string (id, NULL, FALSE);
  return g_strdup_printf ("%s%sdrive-id=%s&drive-type=%s", location,
                          strchr (location, '?') ? "&" : "?", escaped_id, type);
}
