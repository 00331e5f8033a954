/* test-rclone-cloud.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What Keepsake adds around rclone for servers and clouds, short of a real service:
 * - SSH host keys: the fingerprint equals what OpenSSH's ssh-keygen -lf prints for the same
 *   key; the key kept is the type rclone negotiates; Keepsake's known_hosts is written,
 *   replaced and read back; every SFTP remote is pointed at it.
 * - S3 and sign-in (OAuth) locations: the remote they define; the key pair only in the
 *   child's environment, the token not even there (test-rclone-token follows it further).
 * - `rclone authorize`, with a stand-in rclone on PATH that prints what rclone 1.60 prints:
 *   the sign-in address reaches the caller, the token is taken from between rclone's
 *   markers (both the JSON and the base64 form), and cancelling kills rclone's whole process
 *   group (the stand-in starts a child of its own), not only rclone.
 * - `rclone about --json`: used and free, or "does not report free space". */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ks-rclone.h"
#include "ks-rclone-about.h"
#include "ks-rclone-authorize.h"
#include "ks-rclone-remote.h"
#include "ks-ssh-host-key.h"
#include "ks-test-emulator.h"

static char *tmp_dir;

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

static char *
run_out (const char * const *argv)
{
  g_autofree char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

/* A key made by ssh-keygen; its public line, and the fingerprint ssh-keygen -lf prints. */
static void
make_key (const char  *type,
          char       **out_line,
          char       **out_fingerprint)
{
  g_autofree char *path = g_build_filename (tmp_dir, type, NULL);
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  g_autofree char *listed = NULL;
  g_auto(GStrv) fields = NULL;
  const char *keygen[] = { "ssh-keygen", "-q", "-t", type, "-N", "", "-f", path, NULL };
  const char *list[] = { "ssh-keygen", "-lf", pub, NULL };

  g_unlink (path);
  g_unlink (pub);
  g_free (run_out (keygen));
  g_assert_true (g_file_get_contents (pub, out_line, NULL, NULL));
  listed = run_out (list);
  fields = g_strsplit (listed, " ", 3);
  *out_fingerprint = g_strdup (fields[1]);
}

static void
test_fingerprint_and_pick (void)
{
  g_autofree char *ed_line = NULL, *ed_fp = NULL;
  g_autofree char *ec_line = NULL, *ec_fp = NULL;
  g_autofree char *rsa_line = NULL, *rsa_fp = NULL;
  g_autofree char *scan = NULL;
  g_autofree char *scan_no_ecdsa = NULL;
  g_autoptr(KsSshHostKey) picked = NULL;
  g_autoptr(KsSshHostKey) picked2 = NULL;
  g_autoptr(KsSshHostKey) none = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ed = NULL;
  g_auto(GStrv) ec = NULL;
  g_auto(GStrv) rsa = NULL;

  if (!have_program ("ssh-keygen"))
    {
      g_test_skip ("ssh-keygen is not installed");
      return;
    }
  make_key ("ed25519", &ed_line, &ed_fp);
  make_key ("ecdsa", &ec_line, &ec_fp);
  make_key ("rsa", &rsa_line, &rsa_fp);
  ed = g_strsplit (ed_line, " ", 3);
  ec = g_strsplit (ec_line, " ", 3);
  rsa = g_strsplit (rsa_line, " ", 3);

  /* The same text as OpenSSH. */
  g_assert_true (g_str_has_prefix (ed_fp, "SHA256:"));
  {
    g_autofree char *ours = ks_ssh_host_key_fingerprint (ed[1]);

    g_assert_cmpstr (ours, ==, ed_fp);
  }

  /* ssh-keyscan's lines, in its order: rclone 1.60 takes ECDSA first, then RSA, Ed25519 last. */
  scan = g_strdup_printf ("# 127.0.0.1:2222 SSH-2.0-OpenSSH_9.2p1\n[127.0.0.1]:2222 %s %s\n"
                          "[127.0.0.1]:2222 %s %s\n[127.0.0.1]:2222 %s %s\n",
                          rsa[0], rsa[1], ec[0], ec[1], ed[0], ed[1]);
  picked = ks_ssh_host_key_pick (scan, "127.0.0.1", 2222, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (picked->type, ==, "ecdsa-sha2-nistp256");
  g_assert_cmpstr (picked->fingerprint, ==, ec_fp);
  g_assert_cmpstr (ks_ssh_host_key_get_type_label (picked), ==, "ECDSA");

  scan_no_ecdsa = g_strdup_printf ("[h]:22 %s %s\n[h]:22 %s %s\n", ed[0], ed[1], rsa[0], rsa[1]);
  picked2 = ks_ssh_host_key_pick (scan_no_ecdsa, "h", 22, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (picked2->fingerprint, ==, rsa_fp);

  /* A blob that is not a key of the type it claims is not taken. */
  none = ks_ssh_host_key_pick ("[h]:22 ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC\nh ssh-rsa !!!\n",
                               "h", 22, &error);
  g_assert_null (none);
  g_assert_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_UNREACHABLE);
}

static void
test_known_hosts (void)
{
  g_autofree char *line = NULL, *fp = NULL;
  g_autofree char *line2 = NULL, *fp2 = NULL;
  g_autofree char *path = ks_ssh_known_hosts_path ();
  g_autofree char *contents = NULL;
  g_autofree char *question = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsSshHostKey) found = NULL;
  g_autoptr(KsSshHostKey) other = NULL;
  g_autoptr(KsSshHostKey) replaced = NULL;
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autofree char *env_line = NULL;
  g_auto(GStrv) a = NULL;
  g_auto(GStrv) b = NULL;
  KsSshHostKey key;
  KsSshHostKey key2;

  if (!have_program ("ssh-keygen"))
    {
      g_test_skip ("ssh-keygen is not installed");
      return;
    }
  make_key ("ed25519", &line, &fp);
  make_key ("ecdsa", &line2, &fp2);
  a = g_strsplit (line, " ", 3);
  b = g_strsplit (line2, " ", 3);
  key = (KsSshHostKey) { a[0], a[1], fp };
  key2 = (KsSshHostKey) { b[0], b[1], fp2 };

  g_assert_true (g_str_has_prefix (path, tmp_dir));
  g_assert_null (ks_ssh_known_hosts_lookup ("nas", 2222));
  g_assert_true (ks_ssh_known_hosts_ensure (&error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_assert_true (ks_ssh_known_hosts_trust ("nas", 2222, &key, &error));
  g_assert_true (ks_ssh_known_hosts_trust ("nas", 22, &key2, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  env_line = g_strdup_printf ("[nas]:2222 %s %s\nnas %s %s\n", a[0], a[1], b[0], b[1]);
  g_assert_cmpstr (contents, ==, env_line);

  found = ks_ssh_known_hosts_lookup ("nas", 2222);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->fingerprint, ==, fp);
  other = ks_ssh_known_hosts_lookup ("nas", 22);
  g_assert_cmpstr (other->fingerprint, ==, fp2);

  /* Trusting a new key replaces the old one for that server only. */
  g_assert_true (ks_ssh_known_hosts_trust ("nas", 2222, &key2, &error));
  replaced = ks_ssh_known_hosts_lookup ("nas", 2222);
  g_assert_cmpstr (replaced->fingerprint, ==, fp2);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  {
    g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 3);
  }

  question = ks_ssh_host_key_dup_question ("nas", 2222, &key2, KS_SSH_HOST_KEY_CHANGED, fp, TRUE);
  g_assert_nonnull (strstr (question, fp));
  g_assert_nonnull (strstr (question, fp2));
  g_assert_nonnull (strstr (question, "[nas]:2222"));

  /* Every SFTP remote is checked against this file. */
  remote = ks_rclone_remote_parse ("sftp://anna@nas:2222/photos", &error);
  g_assert_no_error (error);
  g_free (env_line);
  env_line = g_strconcat ("RCLONE_CONFIG_KEEPSAKE_KNOWN_HOSTS_FILE=", path, NULL);
  g_assert_true (g_strv_contains ((const char * const *)remote->env, env_line));
  g_assert_cmpuint (remote->port, ==, 2222);
}

static char *
write_secret_file (const char *contents)
{
  char *path = g_build_filename (tmp_dir, "secret", NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static gboolean
env_has (GStrv env, const char *pair)
{
  return g_strv_contains ((const char * const *)env, pair);
}

static void
test_s3_and_oauth_locations (void)
{
  g_autofree char *keys = write_secret_file ("AKIDEXAMPLE\nwJalrXUtnFEMI/K7MDENG\n");
  g_autofree char *location = NULL;
  g_autofree char *token_file = NULL;
  g_autoptr(KsRcloneRemote) s3 = NULL;
  g_autoptr(KsRcloneRemote) box = NULL;
  g_autoptr(KsRcloneRemote) drive = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  g_auto(GStrv) box_env = NULL;
  const char *token = "{\"access_token\":\"at-123\",\"token_type\":\"bearer\",\"refresh_token\":\"rt-456\"}";

  location = g_strdup_printf ("s3://photos-bucket/iPhone?endpoint=https%%3A%%2F%%2Fs3.eu-central-003.backblazeb2.com&region=eu-central-003&password-file=%s", keys);
  s3 = ks_rclone_remote_parse (location, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s3->fs, ==, "keepsake:photos-bucket/iPhone");
  g_assert_true (env_has (s3->env, "RCLONE_CONFIG_KEEPSAKE_REGION=eu-central-003"));
  g_assert_true (env_has (s3->env, "RCLONE_CONFIG_KEEPSAKE_ENDPOINT=https://s3.eu-central-003.backblazeb2.com"));
  for (guint i = 0; s3->env[i] != NULL; i++)
    g_assert_null (strstr (s3->env[i], "AKIDEXAMPLE"));
  env = ks_rclone_remote_dup_env (s3, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (env_has (env, "RCLONE_CONFIG_KEEPSAKE_ACCESS_KEY_ID=AKIDEXAMPLE"));
  g_assert_true (env_has (env, "RCLONE_CONFIG_KEEPSAKE_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG"));

  /* A sign-in location: the service's own remote type, the token apart from the environment. */
  g_unlink (keys);
  token_file = write_secret_file (token);
  g_clear_pointer (&location, g_free);
  location = g_strdup_printf ("box:Photos/My%%20iPhone?password-file=%s", token_file);
  box = ks_rclone_remote_parse (location, &error);
  g_assert_no_error (error);
  g_assert_true (box->is_cloud);
  g_assert_cmpstr (box->backend, ==, "box");
  g_assert_cmpstr (box->fs, ==, "keepsake:Photos/My iPhone");
  g_assert_true (env_has (box->env, "RCLONE_CONFIG_KEEPSAKE_TYPE=box"));
  g_assert_true (ks_rclone_remote_is_location (location));
  g_assert_true (ks_rclone_remote_is_oauth ("box"));
  g_assert_false (ks_rclone_remote_is_oauth ("sftp"));
  /* The token goes to the child apart from its environment (ks-rclone-token.h). */
  {
    g_autofree char *given = NULL;

    box_env = ks_rclone_remote_dup_env_and_token (box, &given, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (given, ==, token);
  }
  for (guint i = 0; box_env[i] != NULL; i++)
    g_assert_null (strstr (box_env[i], "at-123"));
  for (guint i = 0; box->env[i] != NULL; i++)
    g_assert_null (strstr (box->env[i], "at-123"));

  drive = ks_rclone_remote_parse ("drive:Backups/../../etc?password=keyring", &error);
  g_assert_null (drive);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_unlink (token_file);
}

/* A stand-in for rclone, first on PATH: it prints what rclone 1.60's authorize prints, after
 * starting a child of its own (as rclone's browser opener would) whose pid it writes down. */
static char *
install_fake_rclone (const char *token_block,
                     gboolean    wait_forever)
{
  g_autofree char *bin = g_build_filename (tmp_dir, "bin", NULL);
  g_autofree char *script_path = g_build_filename (bin, "rclone", NULL);
  g_autofree char *script = NULL;
  g_autofree char *pids = g_build_filename (tmp_dir, "pids", NULL);
  g_autofree char *path = NULL;

  g_mkdir_with_parents (bin, 0700);
  g_unlink (pids);
  script = g_strdup_printf ("#!/bin/sh\n"
                            "[ \"$1\" = --config= ] && [ \"$2\" = authorize ] && [ \"$4\" = --auth-no-open-browser ] || exit 3\n"
                            "sleep 1000 &\n"
                            "echo $$ $! > '%s'\n"
                            "echo \"2026/12/07 20:00:00 NOTICE: If your browser doesn't open automatically go to the following link: http://127.0.0.1:53682/auth?state=abc\"\n"
                            "echo \"2026/12/07 20:00:00 NOTICE: Log in and authorize rclone for access\"\n"
                            "%s"
                            "printf '%%s\\n' 'Paste the following into your remote machine --->' '%s' '<---End paste'\n"
                            "kill $!\n",
                            pids, wait_forever ? "while :; do sleep 1; done\n" : "", token_block);
  g_assert_true (g_file_set_contents (script_path, script, -1, NULL));
  g_assert_cmpint (g_chmod (script_path, 0755), ==, 0);
  path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);
  g_setenv ("PATH", path, TRUE);
  return g_steal_pointer (&pids);
}

static void
restore_path (void)
{
  g_autofree char *bin = g_build_filename (tmp_dir, "bin", NULL);
  const char *path = g_getenv ("PATH");

  if (g_str_has_prefix (path, bin))
    {
      g_autofree char *rest = g_strdup (path + strlen (bin) + 1);

      g_setenv ("PATH", rest, TRUE);
    }
}

typedef struct
{
  char     *url;
  char     *token;
  GError   *error;
  gboolean  done;
} AuthResult;

static void
url_cb (const char *url,
        gpointer    user_data)
{
  AuthResult *r = user_data;

  g_assert_null (r->url);
  r->url = g_strdup (url);
}

static void
auth_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AuthResult *r = user_data;

  r->token = ks_rclone_authorize_finish (result, &r->error);
  r->done = TRUE;
}

static void
run_authorize (AuthResult   *r,
               GCancellable *cancellable)
{
  ks_rclone_authorize_async ("dropbox", url_cb, r, cancellable, auth_done_cb, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_authorize_token (void)
{
  const char *json = "{\"access_token\":\"sl.AAA\",\"token_type\":\"bearer\",\"refresh_token\":\"rt\",\"expiry\":\"2026-12-07T21:00:00Z\"}";
  g_autofree char *wrapped = g_strdup_printf ("{\"token\":\"%s\"}", "{\\\"access_token\\\":\\\"sl.BBB\\\"}");
  g_autofree char *b64 = g_base64_encode ((const guchar *)wrapped, strlen (wrapped));
  g_autofree char *pids = NULL;
  g_autofree char *parsed = NULL;
  g_autoptr(GError) error = NULL;
  AuthResult r = { 0 };
  AuthResult r2 = { 0 };
  AuthResult r3 = { 0 };

  /* The parser alone: JSON, base64-wrapped, nothing. */
  parsed = ks_rclone_authorize_parse_token ("x\nPaste the following into your remote machine --->\n{\"access_token\":\"a\"}\n<---End paste\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed, ==, "{\"access_token\":\"a\"}");
  g_assert_null (ks_rclone_authorize_parse_token ("Paste the following into your remote machine --->\n{\"user\":\"x\"}\n<---End paste\n", &error));
  g_assert_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_AUTH);

  pids = install_fake_rclone (json, FALSE);
  run_authorize (&r, NULL);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.url, ==, "http://127.0.0.1:53682/auth?state=abc");
  g_assert_nonnull (strstr (r.token, "\"access_token\":\"sl.AAA\""));
  g_assert_nonnull (strstr (r.token, "\"refresh_token\":\"rt\""));

  g_free (pids);
  pids = install_fake_rclone (b64, FALSE);
  run_authorize (&r2, NULL);
  g_assert_no_error (r2.error);
  g_assert_cmpstr (r2.token, ==, "{\"access_token\":\"sl.BBB\"}");

  g_free (pids);
  pids = install_fake_rclone ("", FALSE);
  run_authorize (&r3, NULL);
  g_assert_null (r3.token);
  g_assert_error (r3.error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_AUTH);

  restore_path ();
  g_free (r.url); g_free (r.token);
  g_free (r2.url); g_free (r2.token);
  g_free (r3.url); g_clear_error (&r3.error);
}

static gboolean
cancel_when_url_cb (gpointer user_data)
{
  AuthResult *r = g_object_get_data (user_data, "result");

  if (r->url == NULL)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
pid_alive (GPid pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (kill (pid, 0) != 0)
    return FALSE;
  /* A zombie has died. */
  if (!g_file_get_contents (stat_path, &stat, NULL, NULL))
    return FALSE;
  end = strrchr (stat, ')');
  return end == NULL || end[2] != 'Z';
}

/* Cancelling while it waits for the browser: rclone and what it started are gone. */
static void
test_authorize_cancel (void)
{
  g_autofree char *pids = install_fake_rclone ("{\"access_token\":\"never\"}", TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *contents = NULL;
  g_auto(GStrv) both = NULL;
  AuthResult r = { 0 };
  GPid shell, child;
  gint64 deadline;

  g_object_set_data (G_OBJECT (cancellable), "result", &r);
  g_timeout_add (20, cancel_when_url_cb, cancellable);
  run_authorize (&r, cancellable);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r.token);

  g_assert_true (g_file_get_contents (pids, &contents, NULL, NULL));
  both = g_strsplit (g_strstrip (contents), " ", 2);
  shell = (GPid)g_ascii_strtoll (both[0], NULL, 10);
  child = (GPid)g_ascii_strtoll (both[1], NULL, 10);
  g_assert_cmpint (shell, >, 1);
  g_assert_cmpint (child, >, 1);
  /* The group was sent SIGKILL; give the kernel a moment to reap (no timing decides the result:
   * a process that stays alive fails after the whole minute). */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((pid_alive (shell) || pid_alive (child)) && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_false (pid_alive (shell));
  g_assert_false (pid_alive (child));

  restore_path ();
  g_free (r.url);
  g_clear_error (&r.error);
}

/* `rclone about` on a local folder (a backend that reports space), and on one that does not. */
static void
test_about (void)
{
  g_autofree char *folder = g_build_filename (tmp_dir, "about", NULL);
  g_autofree char *location = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  KsRcloneAbout about;

  g_assert_true (json_parser_load_from_data (parser, "{\"total\":1000,\"used\":250,\"free\":750}", -1, NULL));
  g_assert_true (ks_rclone_about_parse (json_node_get_object (json_parser_get_root (parser)), &about, &error));
  g_assert_cmpint (about.used, ==, 250);
  g_assert_cmpint (about.free, ==, 750);
  text = ks_rclone_about_describe (&about);
  g_assert_cmpstr (text, ==, "250 bytes used, 750 bytes free");

  g_assert_true (json_parser_load_from_data (parser, "{\"total\":1000}", -1, NULL));
  g_assert_false (ks_rclone_about_parse (json_node_get_object (json_parser_get_root (parser)), &about, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  if (!have_program ("rclone"))
    {
      g_test_skip ("rclone is not installed");
      return;
    }
  /* rclone's own "local" type through a user rclone.conf remote: a real `rclone about`. */
  {
    g_autofree char *conf_dir = g_build_filename (tmp_dir, "config", "rclone", NULL);
    g_autofree char *conf = g_build_filename (conf_dir, "rclone.conf", NULL);

    g_mkdir_with_parents (conf_dir, 0700);
    g_mkdir_with_parents (folder, 0700);
    g_assert_true (g_file_set_contents (conf, "[here]\ntype = local\n", -1, NULL));
    g_setenv ("RCLONE_CONFIG", conf, TRUE);
    location = g_strdup_printf ("rclone:here:%s", folder);
    g_assert_true (ks_rclone_about_location (location, &about, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (about.free, >, 0);
    g_assert_cmpint (about.used, >, 0);
    g_unsetenv ("RCLONE_CONFIG");
  }
}

/* OneDrive's drive, asked of a stand-in for Microsoft Graph on 127.0.0.1: a thread that
 * answers one HTTP request, and only one carrying the access token. */
typedef struct
{
  GSocket    *listener;
  const char *body;
  char       *request;
} Graph;

static gpointer
graph_thread (gpointer data)
{
  Graph *g = data;
  g_autoptr(GSocket) conn = g_socket_accept (g->listener, NULL, NULL);
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *reply = NULL;
  gboolean authorized;
  char buf[4096];

  g_assert_nonnull (conn);
  while (strstr (request->str, "\r\n\r\n") == NULL)
    {
      gssize n = g_socket_receive (conn, buf, sizeof buf, NULL, NULL);

      if (n <= 0)
        break;
      g_string_append_len (request, buf, n);
    }
  authorized = g_str_has_prefix (request->str, "GET /v1.0/me/drive ")
               && strstr (request->str, "\r\nAuthorization: Bearer at-1\r\n") != NULL;
  reply = authorized
          ? g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s", strlen (g->body), g->body)
          : g_strdup ("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  g_socket_send_with_blocking (conn, reply, strlen (reply), TRUE, NULL, NULL);
  g_socket_close (conn, NULL);
  g->request = g_string_free (g_steal_pointer (&request), FALSE);
  return NULL;
}

static void
test_onedrive_drive (void)
{
  const char *replies[] = {
    "{\"id\":\"b!Abc_12-3\",\"driveType\":\"personal\",\"owner\":{}}",
    "{\"id\":\"x&password-file=/etc/shadow\",\"driveType\":\"personal\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *base = NULL;
      g_autofree char *id = NULL;
      g_autofree char *type = NULL;
      Graph g = { NULL, replies[i], NULL };
      GThread *thread;
      gboolean ok;

      g.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      g_assert_true (g_socket_bind (g.listener, any, TRUE, &error) && g_socket_listen (g.listener, &error));
      bound = g_socket_get_local_address (g.listener, &error);
      base = g_strdup_printf ("http://127.0.0.1:%u/v1.0", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
      thread = g_thread_new ("graph", graph_thread, &g);

      ok = ks_rclone_onedrive_find_drive (base, "{\"access_token\":\"at-1\",\"refresh_token\":\"rt\"}",
                                          &id, &type, NULL, &error);
      g_thread_join (thread);
      g_assert_nonnull (strstr (g.request, "Authorization: Bearer at-1"));
      if (i == 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (id, ==, "b!Abc_12-3");
          g_assert_cmpstr (type, ==, "personal");
        }
      else
        {
          /* What goes into the location is checked: nothing else slips in. */
          g_assert_false (ok);
          g_assert_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED);
          g_assert_null (id);
        }
      g_free (g.request);
      g_object_unref (g.listener);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *data = NULL;
  int ret;

  tmp_dir = g_dir_make_tmp ("ks-rclone-cloud-XXXXXX", NULL);
  data = g_build_filename (tmp_dir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rclone-cloud/host-key/fingerprint-and-pick", test_fingerprint_and_pick);
  g_test_add_func ("/rclone-cloud/host-key/known-hosts", test_known_hosts);
  g_test_add_func ("/rclone-cloud/s3-and-oauth-locations", test_s3_and_oauth_locations);
  g_test_add_func ("/rclone-cloud/authorize/token", test_authorize_token);
  g_test_add_func ("/rclone-cloud/authorize/cancel", test_authorize_cancel);
  g_test_add_func ("/rclone-cloud/about", test_about);
  g_test_add_func ("/rclone-cloud/onedrive-drive", test_onedrive_drive);

  ret = g_test_run ();
  ks_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
