/* ks-rclone.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The rcd child keeps its connections (an SSH session, an HTTP keep-alive) from one call to
 * the next, which a process per operation would pay again for every file. It listens on
 * 127.0.0.1 only (rclone 1.60 cannot listen on a unix socket) behind a user name and
 * password made up here and handed over in its environment, like the remote definitions. Its
 * standard error is read but never shown: rclone may print remote details there. Calls are
 * HTTP POSTs with JSON bodies (libsoup, json-glib); long operations run as rclone jobs that
 * are polled, so a cancelled backup stops the transfer (job/stop). */

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ks-rclone.h"

#define START_TIMEOUT_US  (20 * G_USEC_PER_SEC)
#define POLL_INTERVAL_US  (100 * 1000)
#define START_POLL_US     (5 * 1000)
#define MAX_CONNECTIONS   16

struct _KsRclone
{
  GObject       parent_instance;

  GStrv         env;
  gboolean      user_config;

  GMutex        mutex;        /* guards the fields below (not the calls: any thread, at once) */
  GSubprocess  *process;
  SoupSession  *session;
  char         *base_url;
  char         *auth_header;
  char         *pid_file;     /* where the running child is recorded, or NULL */
};

G_DEFINE_FINAL_TYPE (KsRclone, ks_rclone, G_TYPE_OBJECT)

G_DEFINE_QUARK (ks-rclone-error-quark, ks_rclone_error)

static gboolean
contains_any (const char         *haystack,
              const char * const *needles)
{
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (haystack, needles[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* An HTTP status in rclone's words ("… 401 Unauthorized"), as a number of its own: not part of
 * a longer number, nor a port ("127.0.0.1:59401" holds no 401). */
static gboolean
contains_status (const char *haystack,
                 const char *code)
{
  gsize len = strlen (code);

  for (const char *p = strstr (haystack, code); p != NULL; p = strstr (p + 1, code))
    {
      char before = p > haystack ? p[-1] : ' ';
      char after = p[len];

      if (!g_ascii_isdigit (before) && before != ':' && before != '.' && !g_ascii_isdigit (after))
        return TRUE;
    }
  return FALSE;
}

/* Sorts what rclone said into the few things a person can act on. */
static KsRcloneError
classify (guint       status,
          const char *message)
{
  static const char * const auth[] = {
    "unable to authenticate", "unauthorized", "authentication failed",
    "logon failure", "logon_failure", "access denied", "permission denied (publickey",
    "invalidaccesskeyid", "signaturedoesnotmatch", "403 forbidden", "logon is invalid",
    "bad username", NULL
  };
  static const char * const space[] = {
    "no space left", "insufficient storage", "disk full", "disk_full",
    "quota exceeded", "quota_exceeded", "not enough space", NULL
  };
  static const char * const unreachable[] = {
    "connection refused", "no route to host", "i/o timeout", "connection reset",
    "broken pipe", "network is unreachable", "dial tcp", "couldn't connect",
    "no such host", "connection lost", "unexpected eof", ": eof", "timed out",
    "connection closed", "use of closed network connection", "failed to get connection",
    NULL
  };
  g_autofree char *lower = g_ascii_strdown (message, -1);

  /* Before the rest: these come wrapped in "couldn't connect SSH: handshake failed". */
  if (strstr (lower, "knownhosts: key mismatch") != NULL)
    return KS_RCLONE_ERROR_HOST_KEY_CHANGED;
  if (strstr (lower, "knownhosts: key is unknown") != NULL)
    return KS_RCLONE_ERROR_HOST_KEY_UNKNOWN;
  if (contains_any (lower, auth) || contains_status (lower, "401"))
    return KS_RCLONE_ERROR_AUTH;
  if (contains_any (lower, space) || contains_status (lower, "507"))
    return KS_RCLONE_ERROR_NO_SPACE;
  if (contains_any (lower, unreachable))
    return KS_RCLONE_ERROR_UNREACHABLE;
  if (status == 404 || strstr (lower, "not found") != NULL
      || strstr (lower, "doesn't exist") != NULL || strstr (lower, "no such file") != NULL)
    return KS_RCLONE_ERROR_NOT_FOUND;
  return KS_RCLONE_ERROR_FAILED;
}

static void
set_error_from_rclone (GError     **error,
                       guint        status,
                       const char  *message)
{
  KsRcloneError code = classify (status, message);

  switch (code)
    {
    case KS_RCLONE_ERROR_AUTH:
      g_set_error (error, KS_RCLONE_ERROR, code,
                   _("The server did not accept the user name, password or key (%s)"), message);
      break;
    case KS_RCLONE_ERROR_NO_SPACE:
      g_set_error (error, KS_RCLONE_ERROR, code,
                   _("The server has no space left (%s)"), message);
      break;
    case KS_RCLONE_ERROR_UNREACHABLE:
      g_set_error (error, KS_RCLONE_ERROR, code,
                   _("The server cannot be reached (%s)"), message);
      break;
    case KS_RCLONE_ERROR_HOST_KEY_CHANGED:
      g_set_error_literal (error, KS_RCLONE_ERROR, code,
                           _("The SSH server’s key is not the one you trusted, so Keepsake refuses to connect: "
                             "someone may be intercepting the connection. If the server was reinstalled, "
                             "remove the destination and add it again to check its new key"));
      break;
    case KS_RCLONE_ERROR_HOST_KEY_UNKNOWN:
      g_set_error_literal (error, KS_RCLONE_ERROR, code,
                           _("The SSH server’s key has not been trusted yet: add the destination to check its fingerprint"));
      break;
    case KS_RCLONE_ERROR_NOT_FOUND:
    case KS_RCLONE_ERROR_FAILED:
    case KS_RCLONE_ERROR_NOT_INSTALLED:
    default:
      g_set_error_literal (error, KS_RCLONE_ERROR, code, message);
      break;
    }
}

/**
 * ks_rclone_error_is_transient:
 *
 * Returns: whether trying again later may work (the network, not the data)
 */
gboolean
ks_rclone_error_is_transient (const GError *error)
{
  return error != NULL && g_error_matches (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_UNREACHABLE);
}

static char *
random_token (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < 4; i++)
    g_string_append_printf (s, "%08x", g_random_int ());
  return g_string_free (s, FALSE);
}

static guint16
pick_free_port (GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return 0;
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  any = g_inet_socket_address_new (loopback, 0);
  if (!g_socket_bind (socket, any, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/**
 * ks_rclone_new:
 * @env: (nullable): KEY=VALUE pairs for the child (remote definitions, secrets)
 * @user_config: read the user's own rclone.conf (for "a remote I already have"); otherwise
 *   rclone keeps its configuration in memory only and writes no file
 *
 * Returns: (transfer full): a wrapper; nothing is started before ks_rclone_start()
 */
KsRclone *
ks_rclone_new (const char * const *env,
               gboolean            user_config)
{
  KsRclone *self = g_object_new (KS_TYPE_RCLONE, NULL);

  self->env = g_strdupv ((GStrv)env);
  self->user_config = user_config;
  return self;
}

static GBytes *
post (KsRclone      *self,
      const char    *method,
      const char    *body,
      guint         *out_status,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *url = NULL;
  GBytes *reply;

  g_mutex_lock (&self->mutex);
  if (self->session == NULL)
    {
      g_mutex_unlock (&self->mutex);
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                           _("The connection to the server was closed"));
      return NULL;
    }

  session = g_object_ref (self->session);
  url = g_strconcat (self->base_url, method, NULL);
  msg = soup_message_new (SOUP_METHOD_POST, url);
  /* libsoup opens a new connection for every POST unless told it may be sent again: a call
   * is resent only when a kept-alive connection closes before rcd began to answer, and
   * each of ours does the same when repeated (a copy to our own temporary, a stat, a move
   * whose source is then gone: see name_temp). One connection per upload instead of one
   * per call spares rcd and us CPU the uploads need. */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Authorization", self->auth_header);
  g_mutex_unlock (&self->mutex);

  /* Not under the lock: libsoup (≥ 3.2) sends from several threads at once, so uploads
   * side by side poll their jobs without waiting for each other's calls (a stat that
   * hangs on a dead server holds up no other call). */
  request = g_bytes_new (body, strlen (body));
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  reply = soup_session_send_and_read (session, msg, cancellable, error);

  *out_status = soup_message_get_status (msg);
  return reply;
}

static JsonObject *
call (KsRclone      *self,
      const char    *method,
      JsonObject    *params,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *object;
  const char *data;
  gsize len;
  guint status = 0;

  if (params != NULL)
    json_node_set_object (node, params);
  else
    json_node_take_object (node, json_object_new ());
  body = json_to_string (node, FALSE);

  reply = post (self, method, body, &status, cancellable, &local_error);
  if (reply == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                     _("rclone stopped answering: %s"), local_error->message);
      return NULL;
    }

  data = g_bytes_get_data (reply, &len);
  if (!json_parser_load_from_data (parser, data ? data : "", len, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                   _("rclone gave an answer that is not understood (HTTP %u)"), status);
      return NULL;
    }

  object = json_node_get_object (root);
  if (status != 200)
    {
      const char *message = json_object_get_string_member_with_default (object, "error", "");

      set_error_from_rclone (error, status, *message ? message : soup_status_get_phrase (status));
      return NULL;
    }

  return json_object_ref (object);
}

/* ---- the child dies with us ----
 *
 * PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not only the process.
 * rcd children are started from worker threads that a thread pool may end at any time, so
 * every fork happens on one thread that lives as long as the process. */

typedef struct
{
  GSubprocessLauncher  *launcher;
  const char * const   *argv;
  GSubprocess          *process;
  GError               *error;
  gboolean              done;
} SpawnRequest;

static GMutex spawn_mutex;
static GCond spawn_cond;

static gpointer
spawner_thread (gpointer data)
{
  GAsyncQueue *queue = data;

  for (;;)
    {
      SpawnRequest *request = g_async_queue_pop (queue);

      request->process = g_subprocess_launcher_spawnv (request->launcher, request->argv,
                                                       &request->error);
      g_mutex_lock (&spawn_mutex);
      request->done = TRUE;
      g_cond_broadcast (&spawn_cond);
      g_mutex_unlock (&spawn_mutex);
    }

  return NULL;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
die_with_parent (gpointer data)
{
  pid_t parent = GPOINTER_TO_INT (data);

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0)
    _exit (127);
  /* The parent died before the line above: the signal will never come. */
  if (getppid () != parent)
    _exit (127);
}

static GSubprocess *
spawn_tied (GSubprocessLauncher  *launcher,
            const char * const   *argv,
            GError              **error)
{
  static GAsyncQueue *queue;
  SpawnRequest request = { launcher, argv, NULL, NULL, FALSE };

  if (g_once_init_enter (&queue))
    {
      GAsyncQueue *q = g_async_queue_new ();

      /* Never joined: it lives as long as the process, like the children it forks. */
      g_thread_unref (g_thread_new ("ks-rclone-spawn", spawner_thread, q));
      g_once_init_leave (&queue, q);
    }

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent,
                                         GINT_TO_POINTER (getpid ()), NULL);
  g_async_queue_push (queue, &request);

  g_mutex_lock (&spawn_mutex);
  while (!request.done)
    g_cond_wait (&spawn_cond, &spawn_mutex);
  g_mutex_unlock (&spawn_mutex);

  if (request.process == NULL)
    g_propagate_error (error, request.error);
  return request.process;
}

/* The start time of @pid (clock ticks after boot) and whether its command is rclone, from
 * /proc/PID/stat; FALSE when there is no such process. */
static gboolean
read_proc_stat (GPid     pid,
                guint64 *out_start,
                gboolean *out_is_rclone)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int)pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *open_paren;
  const char *close_paren;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  open_paren = strchr (contents, '(');
  close_paren = strrchr (contents, ')');
  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
    return FALSE;

  *out_is_rclone = (close_paren - open_paren - 1) == 6 && strncmp (open_paren + 1, "rclone", 6) == 0;
  /* After ") ": state (field 3) … starttime (field 22). */
  fields = g_strsplit (close_paren + 2, " ", 0);
  if (g_strv_length (fields) < 20)
    return FALSE;
  *out_start = g_ascii_strtoull (fields[19], NULL, 10);
  return TRUE;
}

/* A child recorded in @pid_file by a run that was killed before it could stop it (a
 * Keepsake without the parent-death signal, or a crash of the recording itself): stopped
 * when it is still that very process (same pid, same start time, still rclone). The caller
 * holds the lock that keeps every other Keepsake off this file. */
static void
stop_stale_child (const char *pid_file)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) parts = NULL;
  gboolean is_rclone = FALSE;
  guint64 start = 0;
  guint64 recorded_start;
  gint64 pid;

  if (!g_file_get_contents (pid_file, &contents, NULL, NULL))
    return;
  g_unlink (pid_file);

  parts = g_strsplit (g_strstrip (contents), " ", 2);
  if (g_strv_length (parts) != 2)
    return;
  pid = g_ascii_strtoll (parts[0], NULL, 10);
  recorded_start = g_ascii_strtoull (parts[1], NULL, 10);
  if (pid <= 1 || pid == getpid () || pid > G_MAXINT)
    return;

  if (read_proc_stat ((GPid)pid, &start, &is_rclone) && is_rclone && start == recorded_start)
    {
      g_debug ("Stopping rclone %" G_GINT64_FORMAT " left by an earlier run", pid);
      kill ((pid_t)pid, SIGKILL);
    }
}

static void
record_child (const char *pid_file,
              GPid        pid)
{
  g_autofree char *line = NULL;
  gboolean is_rclone = FALSE;
  guint64 start = 0;

  if (!read_proc_stat (pid, &start, &is_rclone))
    return;
  line = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", (int)pid, start);
  if (!g_file_set_contents_full (pid_file, line, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL))
    g_debug ("Cannot record rclone's process id in %s", pid_file);
}

/**
 * ks_rclone_set_pid_file:
 * @pid_file: (nullable): a file only this process uses while the child runs (the caller
 *   holds a lock over it)
 *
 * Where the child's process id is recorded while it runs, so that a child an earlier,
 * crashed run left is recognised and stopped by the next start. Call before starting.
 */
void
ks_rclone_set_pid_file (KsRclone   *self,
                        const char *pid_file)
{
  g_return_if_fail (KS_IS_RCLONE (self));

  g_free (self->pid_file);
  self->pid_file = g_strdup (pid_file);
}

/**
 * ks_rclone_start:
 *
 * Starts `rclone rcd` and waits until it answers. Blocking.
 */
gboolean
ks_rclone_start (KsRclone      *self,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *rc_user = random_token ();
  g_autofree char *rc_pass = random_token ();
  g_autofree char *addr = NULL;
  g_autofree char *pair = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *rclone = NULL;
  GPtrArray *argv;
  gint64 deadline;
  guint16 port;

  g_return_val_if_fail (KS_IS_RCLONE (self), FALSE);

  if (ks_rclone_is_running (self))
    return TRUE;

  rclone = g_find_program_in_path ("rclone");
  if (rclone == NULL)
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_INSTALLED,
                           _("rclone is not installed; network and cloud destinations need it"));
      return FALSE;
    }

  port = pick_free_port (error);
  if (port == 0)
    return FALSE;
  addr = g_strdup_printf ("127.0.0.1:%u", port);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* rclone 1.60's S3 client cannot use a CA bundle given this way ("unsupported transport"):
   * one set for other programs would make every S3 destination fail. */
  g_subprocess_launcher_unsetenv (launcher, "AWS_CA_BUNDLE");
  /* The credentials and the remotes go through the environment, never argv. */
  g_subprocess_launcher_setenv (launcher, "RCLONE_RC_USER", rc_user, TRUE);
  g_subprocess_launcher_setenv (launcher, "RCLONE_RC_PASS", rc_pass, TRUE);
  for (guint i = 0; self->env != NULL && self->env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (self->env[i], "=", 2);

      if (kv[0] != NULL && kv[1] != NULL)
        g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, rclone);
  g_ptr_array_add (argv, (char *)"rcd");
  g_ptr_array_add (argv, (char *)"--rc-addr");
  g_ptr_array_add (argv, addr);
  /* Memory-only configuration: a remote's details stay in this process. */
  if (!self->user_config)
    g_ptr_array_add (argv, (char *)"--config=");
  /* Keepsake verifies every upload itself; rclone's own check would read each file twice. */
  g_ptr_array_add (argv, (char *)"--ignore-checksum");
  g_ptr_array_add (argv, (char *)"--low-level-retries=3");
  g_ptr_array_add (argv, (char *)"--contimeout=15s");
  g_ptr_array_add (argv, (char *)"--timeout=60s");
  g_ptr_array_add (argv, (char *)"--rc-job-expire-duration=1h");
  g_ptr_array_add (argv, (char *)"--use-mmap");
  g_ptr_array_add (argv, (char *)"-q");
  g_ptr_array_add (argv, NULL);

  if (self->pid_file != NULL)
    stop_stale_child (self->pid_file);

  /* Killed with us: a SIGKILLed Keepsake leaves no rcd behind holding the connection. */
  process = spawn_tied (launcher, (const char * const *)argv->pdata, error);
  g_ptr_array_unref (argv);
  if (process == NULL)
    return FALSE;
  if (self->pid_file != NULL)
    record_child (self->pid_file, (GPid)g_ascii_strtoll (g_subprocess_get_identifier (process), NULL, 10));

  pair = g_strdup_printf ("%s:%s", rc_user, rc_pass);
  encoded = g_base64_encode ((const guchar *)pair, strlen (pair));

  g_mutex_lock (&self->mutex);
  self->process = g_steal_pointer (&process);
  /* A connection each for the calls of uploads side by side and the one naming them. */
  self->session = soup_session_new_with_options ("timeout", 0, "idle-timeout", 0,
                                                 "max-conns", MAX_CONNECTIONS,
                                                 "max-conns-per-host", MAX_CONNECTIONS, NULL);
  self->base_url = g_strdup_printf ("http://%s/", addr);
  self->auth_header = g_strconcat ("Basic ", encoded, NULL);
  g_mutex_unlock (&self->mutex);

  /* Ready when rc/noop answers. */
  deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  for (;;)
    {
      g_autoptr(JsonObject) reply = NULL;

      g_clear_error (&local_error);
      reply = call (self, "rc/noop", NULL, cancellable, &local_error);
      if (reply != NULL)
        return TRUE;

      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || g_subprocess_get_identifier (self->process) == NULL
          || g_get_monotonic_time () > deadline)
        {
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                                 _("rclone could not be started"));
          ks_rclone_stop (self);
          return FALSE;
        }
      g_usleep (START_POLL_US);
    }
}

/**
 * ks_rclone_stop:
 *
 * Stops the child (SIGTERM, then waits for it).
 */
void
ks_rclone_stop (KsRclone *self)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(SoupSession) session = NULL;

  g_return_if_fail (KS_IS_RCLONE (self));

  g_mutex_lock (&self->mutex);
  process = g_steal_pointer (&self->process);
  session = g_steal_pointer (&self->session);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->auth_header, g_free);
  g_mutex_unlock (&self->mutex);

  if (session != NULL)
    soup_session_abort (session);
  if (process != NULL)
    {
      g_subprocess_send_signal (process, SIGTERM);
      g_subprocess_wait (process, NULL, NULL);
      if (self->pid_file != NULL)
        g_unlink (self->pid_file);
    }
}

gboolean
ks_rclone_is_running (KsRclone *self)
{
  gboolean running;

  g_return_val_if_fail (KS_IS_RCLONE (self), FALSE);

  g_mutex_lock (&self->mutex);
  running = self->process != NULL && g_subprocess_get_identifier (self->process) != NULL;
  g_mutex_unlock (&self->mutex);

  return running;
}

/**
 * ks_rclone_get_pid:
 *
 * Returns: the child's process id, or 0 when it is not running (for tests)
 */
GPid
ks_rclone_get_pid (KsRclone *self)
{
  const char *id;
  GPid pid = 0;

  g_return_val_if_fail (KS_IS_RCLONE (self), 0);

  g_mutex_lock (&self->mutex);
  if (self->process != NULL && (id = g_subprocess_get_identifier (self->process)) != NULL)
    pid = (GPid)g_ascii_strtoll (id, NULL, 10);
  g_mutex_unlock (&self->mutex);

  return pid;
}

/**
 * ks_rclone_call:
 * @params: (nullable): the call's parameters
 *
 * One rc call. Blocking; may be called from any thread, from several at once.
 *
 * Returns: (transfer full): the reply, or %NULL with @error set
 */
JsonObject *
ks_rclone_call (KsRclone      *self,
                const char    *method,
                JsonObject    *params,
                GCancellable  *cancellable,
                GError       **error)
{
  g_return_val_if_fail (KS_IS_RCLONE (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);

  return call (self, method, params, cancellable, error);
}

static JsonObject *
job_params (gint64 jobid)
{
  JsonObject *params = json_object_new ();

  json_object_set_int_member (params, "jobid", jobid);
  return params;
}

static void
report_progress (KsRclone             *self,
                 gint64                jobid,
                 KsRcloneProgressFunc  progress,
                 gpointer              user_data,
                 GCancellable         *cancellable)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *group = g_strdup_printf ("job/%" G_GINT64_FORMAT, jobid);

  json_object_set_string_member (params, "group", group);
  stats = call (self, "core/stats", params, cancellable, NULL);
  if (stats == NULL)
    return;

  progress (json_object_get_int_member_with_default (stats, "bytes", 0),
            json_object_get_int_member_with_default (stats, "totalBytes", 0),
            json_object_get_double_member_with_default (stats, "speed", 0),
            user_data);
}

/**
 * ks_rclone_run_job:
 * @progress: (nullable): called while the job runs
 *
 * Runs a call as an rclone job and waits for it, polling its status; cancelling stops the
 * job.
 *
 * Returns: (transfer full): the job's output, or %NULL with @error set
 */
JsonObject *
ks_rclone_run_job (KsRclone             *self,
                   const char           *method,
                   JsonObject           *params,
                   KsRcloneProgressFunc  progress,
                   gpointer              user_data,
                   GCancellable         *cancellable,
                   GError              **error)
{
  g_autoptr(JsonObject) started = NULL;
  gint64 started_at = g_get_monotonic_time ();
  gint64 jobid;

  g_return_val_if_fail (KS_IS_RCLONE (self), NULL);
  g_return_val_if_fail (method != NULL && params != NULL, NULL);

  json_object_set_boolean_member (params, "_async", TRUE);
  started = call (self, method, params, cancellable, error);
  json_object_remove_member (params, "_async");
  if (started == NULL)
    return NULL;
  jobid = json_object_get_int_member_with_default (started, "jobid", -1);
  if (jobid < 0)
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                           _("rclone did not start the transfer"));
      return NULL;
    }

  for (guint round = 0;; round++)
    {
      g_autoptr(JsonObject) query = job_params (jobid);
      g_autoptr(JsonObject) status = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_autoptr(JsonObject) stop = job_params (jobid);
          g_autoptr(JsonObject) stopped = call (self, "job/stop", stop, NULL, NULL);

          g_cancellable_set_error_if_cancelled (cancellable, error);
          return NULL;
        }

      status = call (self, "job/status", query, NULL, error);
      if (status == NULL)
        return NULL;

      if (json_object_get_boolean_member_with_default (status, "finished", FALSE))
        {
          JsonObject *output;

          if (!json_object_get_boolean_member_with_default (status, "success", FALSE))
            {
              const char *message = json_object_get_string_member_with_default (status, "error", "");

              set_error_from_rclone (error, 0, *message ? message : _("The transfer failed"));
              return NULL;
            }

          output = json_object_get_object_member (status, "output");
          return output != NULL ? json_object_ref (output) : json_object_new ();
        }

      /* rclone's own count of what it sent (core/stats of the job's group). */
      if (progress != NULL && round >= 3 && round % 3 == 0)
        report_progress (self, jobid, progress, user_data, cancellable);

      /* Short jobs end in a few polls (5, 10, 20, then every 40 ms for their first second:
       * an upload of a photo is found done soon after it is); long ones are polled every
       * 100 ms. */
      g_usleep (round < 3 ? 5000u << round
                : g_get_monotonic_time () - started_at < G_USEC_PER_SEC ? 40000u
                : POLL_INTERVAL_US);
    }
}

/* rclone's obscuring (lib/obscure in its source): AES-256-CTR under this fixed key, which
 * rclone publishes — it hides a password from a glance at a config file, not from anyone
 * who wants it; a random IV in front; base64 URL-safe without padding. */
static const guint8 obscure_key[32] = {
  0x9c, 0x93, 0x5b, 0x48, 0x73, 0x0a, 0x55, 0x4d, 0x6b, 0xfd, 0x7c, 0x63, 0xc8, 0x86, 0xa9, 0x2b,
  0xd3, 0x90, 0x19, 0x8e, 0xb8, 0x12, 0x8a, 0xfb, 0xf4, 0xde, 0x16, 0x2b, 0x8b, 0x95, 0xf6, 0x38,
};

/**
 * ks_rclone_obscure:
 *
 * Obscures a password the way rclone's configuration wants it (what `rclone obscure`
 * prints), here in the process: no helper to start before each run, and the password
 * never leaves this process but in the rclone child's environment.
 *
 * Returns: (transfer full): the obscured form, or %NULL with @error set
 */
char *
ks_rclone_obscure (const char    *secret,
                   GCancellable  *cancellable,
                   GError       **error)
{
  gsize len;
  g_autofree guint8 *buf = NULL;
  EVP_CIPHER_CTX *ctx;
  int out_len = 0;
  gboolean ok;
  char *encoded;

  g_return_val_if_fail (secret != NULL, NULL);

  len = strlen (secret);
  buf = g_malloc (16 + len + 1);
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL
       && RAND_bytes (buf, 16) == 1
       && EVP_EncryptInit_ex (ctx, EVP_aes_256_ctr (), NULL, obscure_key, buf) == 1
       && EVP_EncryptUpdate (ctx, buf + 16, &out_len, (const guint8 *)secret, (int)len) == 1
       && (gsize)out_len == len;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      memset (buf, 0, 16 + len);
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                           _("rclone could not take the password"));
      return NULL;
    }

  encoded = g_base64_encode (buf, 16 + len);
  memset (buf, 0, 16 + len);
  /* URL-safe alphabet, no padding. */
  for (char *c = encoded; *c != '\0'; c++)
    {
      if (*c == '+')
        *c = '-';
      else if (*c == '/')
        *c = '_';
      else if (*c == '=')
        {
          *c = '\0';
          break;
        }
    }
  return encoded;
}

static void
ks_rclone_finalize (GObject *object)
{
  KsRclone *self = (KsRclone *)object;

  ks_rclone_stop (self);
  g_strfreev (self->env);
  g_free (self->pid_file);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_rclone_parent_class)->finalize (object);
}

static void
ks_rclone_class_init (KsRcloneClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_rclone_finalize;
}

static void
ks_rclone_init (KsRclone *self)
{
  g_mutex_init (&self->mutex);
}
