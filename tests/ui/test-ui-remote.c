/* test-ui-remote.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The "Add Network or Cloud Location" dialog beyond a plain server:
 * - S3-compatible storage: its rows, and the location it makes (keys to the keyring only);
 * - a service one signs in to: "Sign In…" runs `rclone authorize` (here a stand-in rclone on
 *   PATH, since no service is reachable), shows "Waiting for you to sign in in your
 *   browser…", Cancel kills its whole process group; a finished sign-in enables Add;
 * - an rclone remote the user already has;
 * - an SFTP server's key: against a real sshd on 127.0.0.1, the fingerprint ssh-keygen -lf
 *   prints is shown to trust; Cancel trusts nothing, Trust writes Keepsake's known_hosts. */

#include "config.h"

#include <adwaita.h>

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ks-application.h"
#include "ks-preferences-window.h"
#include "ks-remote-dialog.h"
#include "ks-ssh-host-key.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

static KsApplication *app;
static char *home;

static gboolean
plan_ready (gpointer data)
{
  return ks_application_get_backup_plan (app) != NULL;
}

typedef struct
{
  GtkWidget *window;
  GtkWidget *prefs;
  GtkWidget *dialog;
} Fixture;

static GtkWidget *
find_message_dialog (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (w)
          && (heading == NULL || g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (w)), heading) == 0))
        return w;
    }
  return NULL;
}

static void
fixture_open (Fixture *f)
{
  f->window = GTK_WIDGET (ks_window_new (app));
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ks_ui_test_wait_mapped (f->window, 5000));
  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, 5000));
  f->prefs = GTK_WIDGET (ks_preferences_window_new (app));
  gtk_window_set_transient_for (GTK_WINDOW (f->prefs), GTK_WINDOW (f->window));
  gtk_window_present (GTK_WINDOW (f->prefs));
  g_assert_true (ks_ui_test_wait_mapped (f->prefs, 5000));

  f->dialog = ks_remote_dialog_new (ADW_PREFERENCES_WINDOW (f->prefs), ks_application_get_backup_plan (app));
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (ks_ui_test_wait_mapped (f->dialog, 5000));
}

static void
fixture_close (Fixture *f)
{
  if (f->dialog != NULL)
    {
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (f->dialog), "cancel");
      gtk_window_destroy (GTK_WINDOW (f->dialog));
      ks_ui_test_iterate (100);
    }
  gtk_window_destroy (GTK_WINDOW (f->prefs));
  gtk_window_destroy (GTK_WINDOW (f->window));
  ks_ui_test_iterate (100);
}

static void
set_text (GtkWidget  *dialog,
          const char *key,
          const char *text)
{
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), key), text);
}

static gboolean
shown (GtkWidget  *dialog,
       const char *key)
{
  return gtk_widget_get_visible (g_object_get_data (G_OBJECT (dialog), key));
}

static void
select_kind (GtkWidget  *dialog,
             const char *label)
{
  AdwComboRow *kind = g_object_get_data (G_OBJECT (dialog), "kind");
  GListModel *model = adw_combo_row_get_model (kind);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), label))
      {
        adw_combo_row_set_selected (kind, i);
        return;
      }
  g_assert_not_reached ();
}

static void
test_s3 (void)
{
  Fixture f = { 0 };
  g_autofree char *location = NULL;

  fixture_open (&f);
  select_kind (f.dialog, "S3-Compatible Storage");
  g_assert_nonnull (ks_ui_test_find_by_label (f.dialog, "Amazon S3, Backblaze B2, Wasabi, MinIO and other S3-compatible storage. Every upload is checked with the storage’s MD5 checksum before it counts; the keys are kept in your keyring."));
  g_assert_true (shown (f.dialog, "bucket") && shown (f.dialog, "key-id") && shown (f.dialog, "endpoint"));
  g_assert_false (shown (f.dialog, "server") || shown (f.dialog, "password") || shown (f.dialog, "sign-in"));

  set_text (f.dialog, "endpoint", "https://s3.eu-central-003.backblazeb2.com");
  set_text (f.dialog, "region", "eu-central-003");
  set_text (f.dialog, "bucket", "anna-photos");
  set_text (f.dialog, "folder", "iPhone");
  set_text (f.dialog, "key-id", "0031234567890ab0000000001");
  /* Without the secret key, nothing to add. */
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));
  set_text (f.dialog, "secret-key", "K003sEcReTsEcReTsEcReT");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));
  location = ks_remote_dialog_dup_location (f.dialog);
  g_assert_cmpstr (location, ==, "s3://anna-photos/iPhone?endpoint=https%3A%2F%2Fs3.eu-central-003.backblazeb2.com"
                                 "&region=eu-central-003&password=keyring");
  g_assert_null (strstr (location, "K003"));
  g_assert_null (strstr (location, "0031234567890ab"));

  /* A bucket name with capitals or slashes is not one. */
  set_text (f.dialog, "bucket", "Anna/Photos");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));
  set_text (f.dialog, "bucket", "anna-photos");

  ks_ui_test_screenshot (f.dialog, "add-s3-location");
  fixture_close (&f);
}

static void
test_rclone_remote (void)
{
  Fixture f = { 0 };
  g_autofree char *location = NULL;

  fixture_open (&f);
  select_kind (f.dialog, "An rclone Remote You Already Have");
  g_assert_true (shown (f.dialog, "remote"));
  g_assert_false (shown (f.dialog, "server") || shown (f.dialog, "bucket"));
  set_text (f.dialog, "remote", "b2:");
  set_text (f.dialog, "folder", "Photos/iPhone");
  location = ks_remote_dialog_dup_location (f.dialog);
  g_assert_cmpstr (location, ==, "rclone:b2:Photos/iPhone");
  set_text (f.dialog, "remote", "--config=/tmp/x");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));
  fixture_close (&f);
}

/* The stand-in rclone: prints the sign-in address as rclone 1.60 does, starts a child of its
 * own, then either waits (for a browser that never comes) or prints a token. */
static char *
install_fake_rclone (gboolean wait_forever)
{
  g_autofree char *bin = g_build_filename (home, "bin", NULL);
  g_autofree char *script_path = g_build_filename (bin, "rclone", NULL);
  g_autofree char *script = NULL;
  char *pids = g_build_filename (home, "pids", NULL);

  g_mkdir_with_parents (bin, 0700);
  g_unlink (pids);
  script = g_strdup_printf ("#!/bin/sh\n"
                            "[ \"$2\" = authorize ] && [ \"$3\" = dropbox ] || exit 3\n"
                            "sleep 1000 &\n"
                            "echo $$ $! > '%s'\n"
                            "echo \"NOTICE: If your browser doesn't open automatically go to the following link: http://127.0.0.1:9/auth?state=ks\"\n"
                            "%s"
                            "printf '%%s\\n' 'Paste the following into your remote machine --->' "
                            "'{\"access_token\":\"sl.TOKEN\",\"refresh_token\":\"rt\"}' '<---End paste'\n"
                            "kill $!\n",
                            pids, wait_forever ? "while :; do sleep 1; done\n" : "");
  g_assert_true (g_file_set_contents (script_path, script, -1, NULL));
  g_assert_cmpint (g_chmod (script_path, 0755), ==, 0);
  if (!g_str_has_prefix (g_getenv ("PATH"), bin))
    {
      g_autofree char *path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);

      g_setenv ("PATH", path, TRUE);
    }
  return pids;
}

static const char *
sign_in_state (GtkWidget *dialog)
{
  return adw_action_row_get_subtitle (g_object_get_data (G_OBJECT (dialog), "sign-in"));
}

static gboolean
state_is_cb (gpointer data)
{
  GtkWidget *dialog = g_object_get_data (data, "dialog");

  return g_str_equal (sign_in_state (dialog), g_object_get_data (data, "want"));
}

static gboolean
wait_state (GtkWidget  *dialog,
            const char *want)
{
  g_autoptr(GObject) holder = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_set_data (holder, "dialog", dialog);
  g_object_set_data (holder, "want", (gpointer)want);
  return ks_ui_test_wait_for (state_is_cb, holder, 20000);
}

static gboolean
file_exists_cb (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
pid_alive (GPid pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (kill (pid, 0) != 0 || !g_file_get_contents (stat_path, &stat, NULL, NULL))
    return FALSE;
  end = strrchr (stat, ')');
  return end == NULL || end[2] != 'Z';
}

static gboolean
both_gone_cb (gpointer data)
{
  GPid *pids = data;

  return !pid_alive (pids[0]) && !pid_alive (pids[1]);
}

static void
test_sign_in (void)
{
  Fixture f = { 0 };
  g_autofree char *pids_file = install_fake_rclone (TRUE);
  g_autofree char *contents = NULL;
  g_autofree char *location = NULL;
  g_auto(GStrv) both = NULL;
  GtkButton *button;
  GPid pids[2];

  fixture_open (&f);
  select_kind (f.dialog, "Dropbox");
  g_assert_true (shown (f.dialog, "sign-in"));
  g_assert_false (shown (f.dialog, "server") || shown (f.dialog, "bucket") || shown (f.dialog, "remote"));
  g_assert_cmpstr (sign_in_state (f.dialog), ==, "Not signed in");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));

  button = g_object_get_data (G_OBJECT (f.dialog), "sign-in-button");
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (g_str_has_prefix (sign_in_state (f.dialog), "Waiting for you to sign in in your browser…")
                 || g_str_has_prefix (sign_in_state (f.dialog), "Open http://127.0.0.1:9/auth?state=ks"));
  g_assert_cmpstr (gtk_button_get_label (button), ==, "_Cancel");
  g_assert_true (ks_ui_test_wait_for (file_exists_cb, pids_file, 20000));
  ks_ui_test_screenshot (f.dialog, "add-cloud-signing-in");

  /* Cancel: rclone and what it started are gone. */
  g_assert_true (g_file_get_contents (pids_file, &contents, NULL, NULL));
  both = g_strsplit (g_strstrip (contents), " ", 2);
  pids[0] = (GPid)g_ascii_strtoll (both[0], NULL, 10);
  pids[1] = (GPid)g_ascii_strtoll (both[1], NULL, 10);
  g_assert_true (pid_alive (pids[0]) && pid_alive (pids[1]));
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpstr (sign_in_state (f.dialog), ==, "Not signed in");
  g_assert_true (ks_ui_test_wait_for (both_gone_cb, pids, 60000));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));

  /* A sign-in that finishes: the token is held for the keyring, never in the location. */
  g_free (install_fake_rclone (FALSE));
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wait_state (f.dialog, "Signed in"));
  set_text (f.dialog, "folder", "Photos/iPhone");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));
  location = ks_remote_dialog_dup_location (f.dialog);
  g_assert_cmpstr (location, ==, "dropbox:Photos/iPhone?password=keyring");
  g_assert_true (strstr (g_object_get_data (G_OBJECT (f.dialog), "token"), "sl.TOKEN") != NULL);
  ks_ui_test_screenshot (f.dialog, "add-cloud-signed-in");

  /* Another kind forgets the sign-in. */
  select_kind (f.dialog, "Box");
  g_assert_null (g_object_get_data (G_OBJECT (f.dialog), "token"));
  g_assert_cmpstr (sign_in_state (f.dialog), ==, "Not signed in");
  fixture_close (&f);

  /* The real rclone again, for the tests after this one. */
  {
    g_autofree char *bin = g_build_filename (home, "bin", NULL);
    g_autofree char *rest = g_strdup (g_getenv ("PATH") + strlen (bin) + 1);

    g_setenv ("PATH", rest, TRUE);
  }
}

/* A real sshd on 127.0.0.1 with a key of its own (only its key is read; nobody logs in). */
typedef struct
{
  GSubprocess *sshd;
  guint16      port;
  char        *key;
  char        *fingerprint;
} Sshd;

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_open_cb (gpointer data)
{
  Sshd *s = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1", s->port, NULL, NULL);

  return conn != NULL;
}

static gboolean
sshd_start (Sshd *s)
{
  g_autofree char *dir = g_build_filename (home, "sshd", NULL);
  g_autofree char *config = g_build_filename (dir, "sshd_config", NULL);
  g_autofree char *text = NULL;
  g_autofree char *pub = NULL;
  g_autofree char *listed = NULL;
  g_auto(GStrv) fields = NULL;
  int status;

  if (!g_file_test ("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE) || geteuid () != 0)
    return FALSE;
  g_mkdir_with_parents (dir, 0700);
  g_mkdir_with_parents ("/run/sshd", 0755);
  s->key = g_build_filename (dir, "host_key", NULL);
  pub = g_strconcat (s->key, ".pub", NULL);
  g_unlink (s->key);
  g_unlink (pub);
  {
    const char *keygen[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", s->key, NULL };
    const char *list[] = { "ssh-keygen", "-lf", pub, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **)keygen, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **)list, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &listed, NULL, &status, NULL));
  }
  fields = g_strsplit (listed, " ", 3);
  s->fingerprint = g_strdup (fields[1]);
  s->port = free_port ();
  text = g_strdup_printf ("Port %u\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\nUsePAM no\n"
                          "StrictModes no\nLogLevel ERROR\n", s->port, s->key);
  g_assert_true (g_file_set_contents (config, text, -1, NULL));
  s->sshd = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL, "/usr/sbin/sshd", "-D", "-e", "-f", config, NULL);
  g_assert_nonnull (s->sshd);
  g_assert_true (ks_ui_test_wait_for (port_open_cb, s, 20000));
  return TRUE;
}

static void
sshd_stop (Sshd *s)
{
  if (s->sshd != NULL)
    {
      g_subprocess_force_exit (s->sshd);
      g_subprocess_wait (s->sshd, NULL, NULL);
    }
  g_clear_object (&s->sshd);
  g_free (s->key);
  g_free (s->fingerprint);
}

static gboolean
known_host_cb (gpointer data)
{
  g_autoptr(KsSshHostKey) key = ks_ssh_known_hosts_lookup ("127.0.0.1", GPOINTER_TO_UINT (data));

  return key != NULL;
}

static gboolean
trust_dialog_cb (gpointer data)
{
  return find_message_dialog (data) != NULL;
}

static void
test_trust_host_key (void)
{
  Sshd s = { 0 };
  Fixture f = { 0 };
  g_autoptr(KsSshHostKey) trusted = NULL;
  g_autofree char *server = NULL;
  GtkWidget *trust;
  const char *body;

  if (!sshd_start (&s))
    {
      g_test_skip ("needs root and /usr/sbin/sshd");
      return;
    }
  server = g_strdup_printf ("127.0.0.1:%u", s.port);

  for (guint round = 0; round < 2; round++)
    {
      fixture_open (&f);
      set_text (f.dialog, "server", server);
      /* No password: nothing for the keyring (none runs here); the login fails anyway. */
      set_text (f.dialog, "user", "nobody-here");
      set_text (f.dialog, "folder", "/srv/photos");
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (f.dialog), "add");
      /* Its button would also close it; the response alone does not. */
      gtk_window_destroy (GTK_WINDOW (f.dialog));
      f.dialog = NULL;

      g_assert_true (ks_ui_test_wait_for (trust_dialog_cb, (gpointer)"Trust This Server?", 30000));
      trust = find_message_dialog ("Trust This Server?");
      body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (trust));
      g_test_message ("%s", body);
      g_assert_nonnull (strstr (body, "[127.0.0.1]:"));
      g_assert_nonnull (ks_ui_test_find_by_label (trust, s.fingerprint));
      g_assert_nonnull (strstr (body, "ED25519"));
      if (round == 0)
        {
          ks_ui_test_screenshot (trust, "trust-ssh-server");
          adw_message_dialog_response (ADW_MESSAGE_DIALOG (trust), "cancel");
          gtk_window_destroy (GTK_WINDOW (trust));
          ks_ui_test_iterate (100);
          g_assert_null (ks_ssh_known_hosts_lookup ("127.0.0.1", s.port));
        }
      else
        {
          adw_message_dialog_response (ADW_MESSAGE_DIALOG (trust), "trust");
          gtk_window_destroy (GTK_WINDOW (trust));
          /* Trusted before the connection is tried (which fails: nobody can log in here). */
          g_assert_true (ks_ui_test_wait_for (known_host_cb, GUINT_TO_POINTER (s.port), 30000));
          trusted = ks_ssh_known_hosts_lookup ("127.0.0.1", s.port);
          g_assert_cmpstr (trusted->fingerprint, ==, s.fingerprint);
        }
      fixture_close (&f);
    }
  sshd_stop (&s);
}

static gboolean
subtitle_has_free_cb (gpointer data)
{
  const char *subtitle = adw_action_row_get_subtitle (data);

  return subtitle != NULL && strstr (subtitle, " free") != NULL;
}

static gboolean
is_cloud_row (GtkWidget *widget,
              gpointer   data)
{
  return ADW_IS_ACTION_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

/* A destination row asks the space of its remote (`rclone about`, on a worker): here a
 * remote of the user's own rclone configuration on a local folder, which reports it. */
static void
test_row_space (void)
{
  g_autofree char *conf_dir = g_build_filename (home, "rclone-conf", NULL);
  g_autofree char *conf = g_build_filename (conf_dir, "rclone.conf", NULL);
  g_autofree char *folder = g_build_filename (home, "cloud-folder", NULL);
  g_autofree char *location = g_strdup_printf ("rclone:here:%s", folder);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  GtkWidget *window;
  GtkWidget *prefs;
  GtkWidget *row;
  KsBackupPlan *plan;

  g_mkdir_with_parents (conf_dir, 0700);
  g_mkdir_with_parents (folder, 0700);
  g_assert_true (g_file_set_contents (conf, "[here]\ntype = local\n", -1, NULL));
  g_setenv ("RCLONE_CONFIG", conf, TRUE);

  window = GTK_WIDGET (ks_window_new (app));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, 5000));
  plan = ks_application_get_backup_plan (app);
  g_assert_nonnull (ks_backup_plan_add (plan, KS_DESTINATION_KIND_CLOUD, id, "My Cloud", location,
                                        KS_BACKUP_METHOD_FILES, &error));
  g_assert_no_error (error);

  prefs = GTK_WIDGET (ks_preferences_window_new (app));
  gtk_window_set_transient_for (GTK_WINDOW (prefs), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (ks_ui_test_wait_mapped (prefs, 5000));
  row = ks_ui_test_find_widget (prefs, is_cloud_row, (gpointer)"My Cloud");
  g_assert_nonnull (row);
  g_assert_true (ks_ui_test_wait_for (subtitle_has_free_cb, row, 30000));
  g_test_message ("%s", adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), location));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), " used, "));
  ks_ui_test_screenshot (prefs, "preferences-cloud-space");

  g_assert_true (ks_backup_plan_remove (plan, id, &error));
  g_unsetenv ("RCLONE_CONFIG");
  gtk_window_destroy (GTK_WINDOW (prefs));
  gtk_window_destroy (GTK_WINDOW (window));
  ks_ui_test_iterate (100);
}

static GtkWidget *
find_added_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (w)
          && g_str_has_prefix (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (w)), "Added “"))
        return w;
    }
  return NULL;
}

static gboolean
added_dialog_cb (gpointer data)
{
  return find_added_dialog () != NULL;
}

/* The whole adding, with a real rclone: an rclone remote of the user's own configuration (a
 * local folder) is tested, gets its .keepsake/id, joins the plan, and the dialog that says so
 * gives the space used and free. */
static void
test_add_rclone_remote (void)
{
  g_autofree char *conf_dir = g_build_filename (home, "rclone-conf", NULL);
  g_autofree char *conf = g_build_filename (conf_dir, "rclone.conf", NULL);
  g_autofree char *folder = g_build_filename (home, "own-remote", NULL);
  g_autofree char *id_file = g_build_filename (folder, "Photos", ".keepsake", "id", NULL);
  g_autofree char *id = NULL;
  g_autofree char *path = g_build_filename (folder, "Photos", NULL);
  g_autofree char *location = g_strdup_printf ("rclone:here:%s", path);
  g_autoptr(GError) error = NULL;
  KsPlanDestination *entry;
  GtkWidget *added;
  Fixture f = { 0 };

  g_mkdir_with_parents (conf_dir, 0700);
  g_mkdir_with_parents (folder, 0700);
  g_assert_true (g_file_set_contents (conf, "[here]\ntype = local\n", -1, NULL));
  g_setenv ("RCLONE_CONFIG", conf, TRUE);

  fixture_open (&f);
  select_kind (f.dialog, "An rclone Remote You Already Have");
  set_text (f.dialog, "remote", "here");
  set_text (f.dialog, "folder", path);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (f.dialog), "add"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (f.dialog), "add");
  gtk_window_destroy (GTK_WINDOW (f.dialog));
  f.dialog = NULL;

  g_assert_true (ks_ui_test_wait_for (added_dialog_cb, NULL, 60000));
  added = find_added_dialog ();
  g_test_message ("%s", adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (added)));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (added)), " used, "));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (added)), " free"));
  ks_ui_test_screenshot (added, "added-location");

  /* Its id is the one the remote now holds; the plan has it as a cloud. */
  g_assert_true (g_file_get_contents (id_file, &id, NULL, &error));
  g_strstrip (id);
  entry = ks_backup_plan_lookup (ks_application_get_backup_plan (app), location);
  g_assert_nonnull (entry);
  g_assert_cmpstr (ks_plan_destination_get_id (entry), ==, id);
  g_assert_cmpint (ks_plan_destination_get_kind (entry), ==, KS_DESTINATION_KIND_CLOUD);

  gtk_window_destroy (GTK_WINDOW (added));
  g_assert_true (ks_backup_plan_remove (ks_application_get_backup_plan (app), id, &error));
  g_unsetenv ("RCLONE_CONFIG");
  fixture_close (&f);
}

int
main (int argc, char **argv)
{
  int ret;

  home = ks_ui_test_isolate_home ();
  {
    g_autofree char *nowhere = g_strdup_printf ("UNIX:%s/no-usbmuxd", home);

    g_setenv ("USBMUXD_SOCKET_ADDRESS", nowhere, TRUE);
  }
  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/UI/remote/s3", test_s3);
  g_test_add_func ("/Keepsake/UI/remote/rclone-remote", test_rclone_remote);
  g_test_add_func ("/Keepsake/UI/remote/sign-in", test_sign_in);
  g_test_add_func ("/Keepsake/UI/remote/trust-host-key", test_trust_host_key);
  g_test_add_func ("/Keepsake/UI/remote/row-space", test_row_space);
  g_test_add_func ("/Keepsake/UI/remote/add-rclone-remote", test_add_rclone_remote);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  g_free (home);
  return ret;
}
