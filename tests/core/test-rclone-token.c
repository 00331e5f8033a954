/* test-rclone-token.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A sign-in (OAuth) token that rclone renews, with the real rclone and a real
 * gnome-keyring-daemon on a private bus. rclone's token_url (an option each of the five
 * sign-in backends of rclone 1.60 takes, given here through RCLONE_CONFIG_KEEPSAKE_TOKEN_URL in
 * the environment rclone inherits) points at a stand-in token service on 127.0.0.1 that answers
 * each renewal with a new access and refresh token. The token in the keyring has expired, so
 * the first call renews it; the call itself then fails (no Microsoft Graph here, or one that
 * refuses the made-up token), which is fine. Checked:
 * - the service is asked with the refresh token from the keyring;
 * - the renewed token ends up in the keyring, from the settings' one-off free-space query (all
 *   five kinds) and from a run (OneDrive), even a failed one, and the next run starts from it;
 * - within one child, each renewal uses the refresh token of the one before (a service that
 *   rotates refresh tokens accepts each only once);
 * - a token read from the user's file: renewed in memory, the file left as it was;
 * - no file under the test's HOME, XDG folders or TMPDIR ever holds a token. */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ks-rclone.h"
#include "ks-rclone-about.h"
#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"
#include "ks-rclone-secret.h"
#include "ks-rclone-token.h"
#include "ks-test-emulator.h"
#include "ks-test-keyring.h"

#define OLD_ACCESS  "ks-old-access-5f0c"
#define OLD_REFRESH "ks-old-refresh-9d2e"
#define OLD_TOKEN   "{\"access_token\":\"" OLD_ACCESS "\",\"token_type\":\"Bearer\"," \
                    "\"refresh_token\":\"" OLD_REFRESH "\",\"expiry\":\"2020-01-01T00:00:00Z\"}"

static KsTestKeyring *keyring;
static char *tmp;

/* ---- the stand-in token service ---- */

typedef struct
{
  GSocket      *listener;
  GCancellable *stop;
  GThread      *thread;
  GMutex        mutex;
  GPtrArray    *asked;    /* the refresh token of each request */
  GPtrArray    *access;   /* the access token of each answer */
  GPtrArray    *refresh;  /* the refresh token of each answer */
  int           expires_in;
} TokenService;

static TokenService service;

static char *
read_request (GSocket *conn)
{
  g_autoptr(GString) request = g_string_new (NULL);
  const char *end;
  gsize length = 0;
  char buf[4096];

  for (;;)
    {
      gssize n;

      if ((end = strstr (request->str, "\r\n\r\n")) != NULL)
        {
          g_autofree char *lower = g_ascii_strdown (request->str, end - request->str);
          const char *cl = strstr (lower, "\r\ncontent-length:");

          length = cl != NULL ? g_ascii_strtoull (cl + strlen ("\r\ncontent-length:"), NULL, 10) : 0;
          if (request->len >= (gsize)(end + 4 - request->str) + length)
            break;
        }
      n = g_socket_receive (conn, buf, sizeof buf, NULL, NULL);
      if (n <= 0)
        return NULL;
      g_string_append_len (request, buf, n);
    }
  return g_strndup (end + 4, length);
}

static gpointer
service_thread (gpointer data)
{
  for (;;)
    {
      g_autoptr(GSocket) conn = g_socket_accept (service.listener, service.stop, NULL);
      g_autoptr(GHashTable) form = NULL;
      g_autofree char *body = NULL;
      g_autofree char *answer = NULL;
      g_autofree char *reply = NULL;
      const char *asked;
      char *access;
      char *refresh;

      if (conn == NULL)
        return NULL;
      body = read_request (conn);
      form = body ? g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL) : NULL;
      asked = form ? g_hash_table_lookup (form, "refresh_token") : NULL;

      g_mutex_lock (&service.mutex);
      g_ptr_array_add (service.asked, g_strdup (asked ? asked : ""));
      access = g_strdup_printf ("ks-new-access-%u-7b1a", service.asked->len);
      refresh = g_strdup_printf ("ks-new-refresh-%u-3c8f", service.asked->len);
      g_ptr_array_add (service.access, access);
      g_ptr_array_add (service.refresh, refresh);
      answer = g_strdup_printf ("{\"access_token\":\"%s\",\"refresh_token\":\"%s\","
                                "\"token_type\":\"Bearer\",\"expires_in\":%d}",
                                access, refresh, service.expires_in);
      g_mutex_unlock (&service.mutex);

      reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                               strlen (answer), answer);
      g_socket_send_with_blocking (conn, reply, strlen (reply), TRUE, NULL, NULL);
      g_socket_close (conn, NULL);
    }
}

static void
service_start (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  g_mutex_init (&service.mutex);
  service.asked = g_ptr_array_new_with_free_func (g_free);
  service.access = g_ptr_array_new_with_free_func (g_free);
  service.refresh = g_ptr_array_new_with_free_func (g_free);
  service.expires_in = 3600;
  service.stop = g_cancellable_new ();
  service.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (service.listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (service.listener, &error));
  bound = g_socket_get_local_address (service.listener, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/token",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  /* rclone reads its remote's options from its environment, inherited from ours. */
  g_setenv ("RCLONE_CONFIG_KEEPSAKE_TOKEN_URL", url, TRUE);
  service.thread = g_thread_new ("token-service", service_thread, NULL);
}

static void
service_stop (void)
{
  g_cancellable_cancel (service.stop);
  g_thread_join (service.thread);
  g_object_unref (service.listener);
  g_object_unref (service.stop);
  g_ptr_array_unref (service.asked);
  g_ptr_array_unref (service.access);
  g_ptr_array_unref (service.refresh);
  g_mutex_clear (&service.mutex);
}

static void
service_reset (int expires_in)
{
  g_mutex_lock (&service.mutex);
  g_ptr_array_set_size (service.asked, 0);
  g_ptr_array_set_size (service.access, 0);
  g_ptr_array_set_size (service.refresh, 0);
  service.expires_in = expires_in;
  g_mutex_unlock (&service.mutex);
}

static guint
service_count (void)
{
  guint n;

  g_mutex_lock (&service.mutex);
  n = service.asked->len;
  g_mutex_unlock (&service.mutex);
  return n;
}

/* ---- checks ---- */

static void
assert_not_in_files (const char *dir,
                     const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        assert_not_in_files (path, needle);
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR)
               && g_file_get_contents (path, &contents, &len, NULL)
               && g_strstr_len (contents, len, needle) != NULL)
        g_error ("%s holds a token", path);
    }
}

/* No file anywhere under the test's HOME, XDG folders and TMPDIR (all in @tmp) holds a token
 * the service handed out, nor the old one. */
static void
assert_no_token_in_files (void)
{
  assert_not_in_files (tmp, OLD_ACCESS);
  assert_not_in_files (tmp, OLD_REFRESH);
  g_mutex_lock (&service.mutex);
  for (guint i = 0; i < service.access->len; i++)
    {
      assert_not_in_files (tmp, service.access->pdata[i]);
      assert_not_in_files (tmp, service.refresh->pdata[i]);
    }
  g_mutex_unlock (&service.mutex);
}

/* Each renewal asked with the refresh token of the one before, the first with @first. */
static void
assert_chain (const char *first)
{
  g_mutex_lock (&service.mutex);
  g_assert_cmpuint (service.asked->len, >=, 1);
  g_assert_cmpstr (service.asked->pdata[0], ==, first);
  for (guint i = 1; i < service.asked->len; i++)
    g_assert_cmpstr (service.asked->pdata[i], ==, service.refresh->pdata[i - 1]);
  g_mutex_unlock (&service.mutex);
}

/* The keyring holds the last token the service handed out. */
static void
assert_keyring_has_last (const char *location)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *kept = ks_rclone_secret_lookup (location, NULL, &error);
  g_autofree char *label = ks_rclone_secret_dup_label (location, NULL);
  JsonObject *token;

  g_assert_no_error (error);
  /* Renewed under the name the user knows it by. */
  g_assert_cmpstr (label, ==, "Keepsake test");
  g_assert_true (json_parser_load_from_data (parser, kept, -1, &error));
  g_assert_no_error (error);
  token = json_node_get_object (json_parser_get_root (parser));
  g_mutex_lock (&service.mutex);
  g_assert_cmpuint (service.access->len, >=, 1);
  g_assert_cmpstr (json_object_get_string_member (token, "access_token"), ==,
                   service.access->pdata[service.access->len - 1]);
  g_assert_cmpstr (json_object_get_string_member (token, "refresh_token"), ==,
                   service.refresh->pdata[service.refresh->len - 1]);
  g_mutex_unlock (&service.mutex);
}

static char *
dup_last_refresh (void)
{
  char *last;

  g_mutex_lock (&service.mutex);
  last = g_strdup (service.refresh->pdata[service.refresh->len - 1]);
  g_mutex_unlock (&service.mutex);
  return last;
}

static gboolean
can_run (void)
{
  g_autofree char *rclone = g_find_program_in_path ("rclone");

  if (keyring == NULL)
    {
      g_test_skip ("no gnome-keyring-daemon");
      return FALSE;
    }
  if (rclone == NULL)
    {
      g_test_skip ("rclone is not installed");
      return FALSE;
    }
  return TRUE;
}

static void
store_old_token (const char *location)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_rclone_secret_store (location, "Keepsake test", NULL, OLD_TOKEN, NULL, &error));
  g_assert_no_error (error);
}

/* ---- the tests ---- */

static void
test_environment_has_no_token (void)
{
  g_autofree char *file = g_build_filename (tmp, "token-env.json", NULL);
  g_autofree char *location = NULL;
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  g_autofree char *token = NULL;

  g_assert_true (g_file_set_contents (file, OLD_TOKEN, -1, NULL));
  location = g_strdup_printf ("box:Photos?password-file=%s", file);
  remote = ks_rclone_remote_parse (location, &error);
  g_assert_no_error (error);
  env = ks_rclone_remote_dup_env_and_token (remote, &token, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, OLD_TOKEN);
  for (guint i = 0; env[i] != NULL; i++)
    g_assert_null (strstr (env[i], OLD_REFRESH));
  g_unlink (file);
}

/* All five sign-in kinds take token_url and renew before their first call. */
static void
test_about_keeps_renewed (void)
{
  const char *locations[] = {
    "onedrive:Photos?drive-id=b1a2&drive-type=personal&password=keyring",
    "dropbox:Photos?password=keyring",
    "drive:Photos?password=keyring",
    "pcloud:Photos?password=keyring",
    "box:Photos?password=keyring",
  };

  if (!can_run ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (locations); i++)
    {
      g_autoptr(GError) error = NULL;
      KsRcloneAbout about;

      service_reset (3600);
      store_old_token (locations[i]);

      /* The settings' free-space query: the call fails here, after the renewal. */
      g_assert_false (ks_rclone_about_location (locations[i], &about, NULL, &error));
      g_assert_nonnull (error);
      g_test_message ("%s: %s", locations[i], error->message);
      g_assert_null (strstr (error->message, "ks-new-"));

      assert_chain (OLD_REFRESH);
      assert_keyring_has_last (locations[i]);
      assert_no_token_in_files ();
      ks_rclone_secret_clear (locations[i], NULL, NULL);
    }
}

/* The settings ask a sign-in destination's free space while a run uses it (the run holds
 * its lock): no second rclone starts with the same refresh token — the service is not
 * asked — until the run lets go; then the query renews and answers. Cancelled while it
 * waits, it ends at once. */
typedef struct
{
  const char   *location;
  GCancellable *cancellable;
  GError       *error;
  gboolean      done;
} AboutQuery;

static gpointer
about_thread (gpointer data)
{
  AboutQuery *q = data;
  KsRcloneAbout about;

  ks_rclone_about_location (q->location, &about, q->cancellable, &q->error);
  g_atomic_int_set (&q->done, TRUE);
  return NULL;
}

static void
test_about_waits_for_a_run (void)
{
  const char *location = "box:Photos?password=keyring";
  g_autoptr(GError) error = NULL;
  AboutQuery q = { location, NULL, NULL, FALSE };
  GThread *thread;
  int run_lock;

  if (!can_run ())
    return;
  service_reset (3600);
  store_old_token (location);

  run_lock = ks_rclone_destination_take_lock (location, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run_lock, >=, 0);

  /* Cancelled while it waits. */
  q.cancellable = g_cancellable_new ();
  thread = g_thread_new ("about", about_thread, &q);
  g_usleep (G_USEC_PER_SEC / 2);
  g_assert_false (g_atomic_int_get (&q.done));
  g_cancellable_cancel (q.cancellable);
  g_thread_join (thread);
  g_assert_error (q.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&q.error);
  g_clear_object (&q.cancellable);
  g_assert_cmpuint (service_count (), ==, 0);

  /* Waits for the run, then renews. */
  q.done = FALSE;
  thread = g_thread_new ("about", about_thread, &q);
  g_usleep (G_USEC_PER_SEC);
  g_assert_false (g_atomic_int_get (&q.done));
  g_assert_cmpuint (service_count (), ==, 0);
  close (run_lock);
  g_thread_join (thread);
  g_assert_nonnull (q.error);  /* no Box here, after the renewal */
  g_clear_error (&q.error);
  assert_chain (OLD_REFRESH);
  assert_keyring_has_last (location);
  ks_rclone_secret_clear (location, NULL, NULL);
}

static void
test_run_keeps_renewed (void)
{
  const char *location = "onedrive:Backup/iPhone?drive-id=c3d4&drive-type=personal&password=keyring";
  g_autoptr(KsRcloneDestination) dest = NULL;
  g_autofree char *last = NULL;

  if (!can_run ())
    return;
  /* Tokens that expire at once, so that the next run has to renew the one kept. */
  service_reset (1);
  store_old_token (location);

  /* A run that fails (no Graph): the renewed token is kept all the same. */
  dest = ks_rclone_destination_new (location, NULL);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("run: %s", error->message);
    g_assert_null (strstr (error->message, "ks-new-"));
  }
  assert_chain (OLD_REFRESH);
  assert_keyring_has_last (location);
  assert_no_token_in_files ();

  /* The next run starts from the kept token, not the stale one. */
  last = dup_last_refresh ();
  service_reset (1);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
  }
  g_clear_object (&dest);
  assert_chain (last);
  assert_keyring_has_last (location);
  assert_no_token_in_files ();
  ks_rclone_secret_clear (location, NULL, NULL);
}

/* Tokens that last a second (less than the ten seconds before expiry at which rclone's
 * OAuth library renews): every call renews, and each renewal must use the refresh token the
 * one before brought, not the one the child was started with. */
static void
test_rotation_in_one_child (void)
{
  const char *location = "onedrive:Photos?drive-id=e5f6&drive-type=business&password=keyring";
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autoptr(KsRclone) rclone = NULL;
  g_autoptr(GError) error = NULL;

  if (!can_run ())
    return;
  service_reset (1);
  store_old_token (location);

  remote = ks_rclone_remote_parse (location, &error);
  g_assert_no_error (error);
  rclone = ks_rclone_remote_start (remote, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rclone);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonObject) params = json_object_new ();
      g_autoptr(JsonObject) reply = NULL;
      g_autoptr(GError) call_error = NULL;
      guint before = service_count ();

      json_object_set_string_member (params, "fs", remote->fs);
      reply = ks_rclone_run_job (rclone, "operations/about", params, NULL, NULL, NULL, &call_error);
      g_assert_null (reply);
      g_assert_cmpuint (service_count (), >, before);
    }
  assert_chain (OLD_REFRESH);
  g_assert_cmpuint (service_count (), >=, 3);

  g_assert_true (ks_rclone_remote_keep_token (remote, rclone, NULL, &error));
  g_assert_no_error (error);
  ks_rclone_stop (rclone);
  assert_keyring_has_last (location);
  assert_no_token_in_files ();
  ks_rclone_secret_clear (location, NULL, NULL);
}

/* keepsake-cli's --password-file: rclone renews in memory, the user's file is not
 * rewritten (it would be a second plain copy), and nothing else is written either. */
static void
test_token_file_left_alone (void)
{
  g_autofree char *file = g_build_filename (tmp, "token.json", NULL);
  g_autofree char *location = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  KsRcloneAbout about;

  if (!can_run ())
    return;
  service_reset (3600);
  g_assert_true (g_file_set_contents (file, OLD_TOKEN, -1, NULL));
  location = g_strdup_printf ("onedrive:Photos?drive-id=a7b8&drive-type=personal&password-file=%s", file);

  g_assert_false (ks_rclone_about_location (location, &about, NULL, &error));
  assert_chain (OLD_REFRESH);
  g_assert_true (g_file_get_contents (file, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, OLD_TOKEN);
  g_unlink (file);
  assert_no_token_in_files ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kdir = NULL;
  const char *dirs[][2] = {
    { "HOME", "home" },
    { "XDG_CONFIG_HOME", "home/.config" },
    { "XDG_CACHE_HOME", "home/.cache" },
    { "XDG_DATA_HOME", "home/.local/share" },
    { "XDG_STATE_HOME", "home/.local/state" },
    { "XDG_RUNTIME_DIR", "run" },
    { "TMPDIR", "tmp" },
  };
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("ks-rclone-token-XXXXXX", &error);
  g_assert_no_error (error);
  /* Every folder rclone or Keepsake could write to, inside @tmp where the test looks. */
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (tmp, dirs[i][1], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      g_setenv (dirs[i][0], path, TRUE);
    }
  g_unsetenv ("RCLONE_CONFIG");

  /* First: the private bus, before anything talks to D-Bus. */
  kdir = g_build_filename (tmp, "keyring", NULL);
  keyring = ks_test_keyring_start (kdir, &error);
  if (keyring == NULL)
    {
      g_test_message ("no keyring: %s", error->message);
      g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
      g_clear_error (&error);
    }
  service_start ();

  g_test_add_func ("/rclone-token/environment-has-no-token", test_environment_has_no_token);
  g_test_add_func ("/rclone-token/about-keeps-renewed", test_about_keeps_renewed);
  g_test_add_func ("/rclone-token/about-waits-for-a-run", test_about_waits_for_a_run);
  g_test_add_func ("/rclone-token/run-keeps-renewed", test_run_keeps_renewed);
  g_test_add_func ("/rclone-token/rotation-in-one-child", test_rotation_in_one_child);
  g_test_add_func ("/rclone-token/token-file-left-alone", test_token_file_left_alone);

  ret = g_test_run ();

  service_stop ();
  ks_test_keyring_stop (keyring);
  ks_test_remove_tree (tmp);
  g_free (tmp);
  return ret;
}
