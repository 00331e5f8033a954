/* test-ui-encryption.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Backup Encryption, from the window's menu, against the emulated iPhone (which asks for its
 * passcode to confirm): the dialog says the phone's backups are not encrypted; the new
 * passwords must match; turning encryption on shows "Confirm on Your iPhone…" (then asks for
 * the passcode) until the passcode is entered on the phone, after which the phone says
 * WillEncrypt; a wrong current password is the phone's refusal, said in the dialog; the right
 * one turns it off again; cancelling while the phone waits changes nothing. With "Remember
 * Password in Keyring" (a real gnome-keyring-daemon on a private bus) the password is kept
 * under the phone's UDID, and the dialog opened again fills in the current password from it. */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "ks-application.h"
#include "ks-backup-encryption.h"
#include "ks-backup-secret.h"
#include "ks-encryption-dialog.h"
#include "ks-test-emulator.h"
#include "ks-test-keyring.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS 60000

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static KsEncryptionDialog *dialog;
static KsTestKeyring *keyring;
static char *home;

static gboolean
window_gone (gpointer data)
{
  return window == NULL;
}

static gboolean
in_state (gpointer data)
{
  return g_strcmp0 (ks_encryption_dialog_get_state (dialog), data) == 0;
}

static const char *
state_title (void)
{
  return gtk_label_get_text (g_object_get_data (G_OBJECT (dialog), "state-title"));
}

static const char *
message (void)
{
  GtkWidget *label = g_object_get_data (G_OBJECT (dialog), "message");

  return gtk_widget_get_visible (label) ? gtk_label_get_text (GTK_LABEL (label)) : "";
}

static gboolean
title_is (gpointer data)
{
  return in_state ((gpointer) "form") && g_strcmp0 (state_title (), data) == 0;
}

static gboolean
message_has (gpointer data)
{
  return in_state ((gpointer) "form") && strstr (message (), data) != NULL;
}

static gboolean
shows_label (gpointer data)
{
  return ks_ui_test_find_by_label (GTK_WIDGET (dialog), data) != NULL;
}

static void
type (const char *key,
      const char *text)
{
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), key), text);
}

static gboolean
sensitive (const char *key)
{
  return gtk_widget_is_sensitive (g_object_get_data (G_OBJECT (dialog), key));
}

static void
click (const char *key)
{
  g_assert_true (sensitive (key));
  g_signal_emit_by_name (g_object_get_data (G_OBJECT (dialog), key), "clicked");
}

static gboolean
will_encrypt (void)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "ideviceinfo", "-q", "com.apple.mobile.backup", "-k", "WillEncrypt", NULL };
  g_autofree char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  return g_str_has_prefix (out, "true");
}

/* The phone's passcode screen shows; the passcode is entered on it. */
static void
confirm_on_phone (const char *screenshot)
{
  g_autofree char *reply = NULL;

  g_assert_true (ks_ui_test_wait_for (in_state, (gpointer) "waiting", WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (shows_label, (gpointer) "Confirm on Your iPhone…", WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (shows_label, (gpointer) "Enter your iPhone’s passcode on the iPhone to confirm.",
                                      WAIT_MS));
  if (screenshot != NULL)
    ks_ui_test_screenshot (GTK_WIDGET (dialog), screenshot);
  reply = ks_test_emulator_control (emulator, "enter-passcode", NULL);
  g_assert_cmpstr (reply, ==, "ok enter-passcode");
}

static void
open_dialog (void)
{
  /* The menu's entry (win.backup-encryption) is on once the iPhone is ready. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.backup-encryption", NULL));
  ks_ui_test_iterate (100);
  dialog = KS_ENCRYPTION_DIALOG (ks_ui_test_find_toplevel (KS_TYPE_ENCRYPTION_DIALOG));
  g_assert_nonnull (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (dialog), 5000));
}

static char *
udid (void)
{
  return ks_test_emulator_control (emulator, "udid", NULL);
}

static gboolean
current_filled (gpointer data)
{
  return g_strcmp0 (gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "current")), data) == 0;
}

static void
test_encryption (void)
{
  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));

  open_dialog ();
  if (!ks_ui_test_wait_for (title_is, (gpointer) "Backups of this iPhone are not encrypted", WAIT_MS))
    g_error ("the dialog shows %s (%s)", ks_encryption_dialog_get_state (dialog), state_title ());
  g_assert_true (gtk_widget_get_visible (g_object_get_data (G_OBJECT (dialog), "on")));
  g_assert_false (gtk_widget_get_visible (g_object_get_data (G_OBJECT (dialog), "off")));
  g_assert_false (sensitive ("on"));

  /* The new passwords must match. */
  type ("new", "tulip garden");
  type ("confirm", "tulip gardn");
  g_assert_false (sensitive ("on"));
  g_assert_cmpstr (message (), ==, "The new passwords do not match");
  type ("confirm", "tulip garden");
  g_assert_true (sensitive ("on"));
  g_assert_cmpstr (message (), ==, "");
  ks_ui_test_iterate (200);
  ks_ui_test_screenshot (GTK_WIDGET (dialog), "backup-encryption-off");

  /* Cancelled while the phone waits: nothing changes. */
  click ("on");
  g_assert_true (ks_ui_test_wait_for (in_state, (gpointer) "waiting", WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (shows_label, (gpointer) "Enter your iPhone’s passcode on the iPhone to confirm.",
                                      WAIT_MS));
  click ("cancel");
  g_assert_true (ks_ui_test_wait_for (message_has, (gpointer) "Nothing was changed", WAIT_MS));
  g_assert_false (will_encrypt ());
  /* The entries were emptied when the request went out. */
  g_assert_cmpstr (gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "new")), ==, "");

  /* On, confirmed on the phone. */
  type ("new", "tulip garden");
  type ("confirm", "tulip garden");
  click ("on");
  confirm_on_phone ("backup-encryption-confirm");
  g_assert_true (ks_ui_test_wait_for (title_is, (gpointer) "Backups of this iPhone are encrypted", WAIT_MS));
  g_assert_nonnull (strstr (message (), "now encrypted"));
  g_assert_true (will_encrypt ());
  g_assert_true (gtk_widget_get_visible (g_object_get_data (G_OBJECT (dialog), "off")));
  g_assert_true (gtk_widget_get_visible (g_object_get_data (G_OBJECT (dialog), "change")));
  ks_ui_test_iterate (200);
  ks_ui_test_screenshot (GTK_WIDGET (dialog), "backup-encryption-on");

  /* Off with a wrong password: the phone refuses, nothing changes. */
  type ("current", "daffodil");
  click ("off");
  g_assert_true (ks_ui_test_wait_for (message_has, (gpointer) "refused the current backup password", WAIT_MS));
  g_assert_true (will_encrypt ());
  g_assert_cmpstr (state_title (), ==, "Backups of this iPhone are encrypted");

  /* Off with the right one. */
  type ("current", "tulip garden");
  click ("off");
  confirm_on_phone (NULL);
  g_assert_true (ks_ui_test_wait_for (title_is, (gpointer) "Backups of this iPhone are not encrypted", WAIT_MS));
  g_assert_false (will_encrypt ());

  gtk_window_close (GTK_WINDOW (dialog));
  ks_ui_test_iterate (100);
  g_assert_null (dialog);

  /* Remembered in the keyring when asked, and filled in from it next time. */
  if (keyring != NULL)
    {
      g_autofree char *id = udid ();
      char *kept;

      g_assert_true (g_str_has_prefix (id, "ok "));
      kept = ks_backup_secret_lookup (id + 3, NULL, NULL);
      g_assert_null (kept);
      open_dialog ();
      g_assert_true (ks_ui_test_wait_for (title_is, (gpointer) "Backups of this iPhone are not encrypted", WAIT_MS));
      type ("new", "lilac hedge");
      type ("confirm", "lilac hedge");
      gtk_switch_set_active (g_object_get_data (G_OBJECT (dialog), "remember"), TRUE);
      click ("on");
      confirm_on_phone (NULL);
      g_assert_true (ks_ui_test_wait_for (title_is, (gpointer) "Backups of this iPhone are encrypted", WAIT_MS));
      gtk_window_close (GTK_WINDOW (dialog));
      ks_ui_test_iterate (200);
      g_assert_null (dialog);
      kept = ks_backup_secret_lookup (id + 3, NULL, NULL);
      g_assert_cmpstr (kept, ==, "lilac hedge");
      ks_backup_password_free (kept);

      open_dialog ();
      g_assert_true (ks_ui_test_wait_for (current_filled, (gpointer) "lilac hedge", WAIT_MS));
      g_assert_true (sensitive ("off"));
      ks_ui_test_iterate (200);
      ks_ui_test_screenshot (GTK_WIDGET (dialog), "backup-encryption-keyring");
      click ("off");
      confirm_on_phone (NULL);
      g_assert_true (ks_ui_test_wait_for (title_is, (gpointer) "Backups of this iPhone are not encrypted", WAIT_MS));
      gtk_window_close (GTK_WINDOW (dialog));
      ks_ui_test_iterate (100);
      g_assert_null (dialog);
    }
  else
    g_test_message ("no gnome-keyring-daemon: the keyring part is left out");

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *phone = NULL;
  int ret;

  home = ks_ui_test_isolate_home ();
  phone = g_build_filename (home, "phone", NULL);
  /* The private bus first, before anything talks to D-Bus. */
  {
    g_autofree char *dir = g_build_filename (home, "keyring", NULL);

    keyring = ks_test_keyring_start (dir, &error);
    if (keyring == NULL)
      {
        g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
        g_clear_error (&error);
      }
  }

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (phone, 6, 2, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error, "--device", phone, "--name", "Anna’s iPhone",
                                   "--backup-passcode", "--backup-passcode-timeout", "120000", NULL);
  g_assert_no_error (error);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/backup-encryption", test_encryption);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  g_clear_pointer (&emulator, ks_test_emulator_free);
  ks_test_keyring_stop (keyring);
  g_free (home);

  return ret;
}
