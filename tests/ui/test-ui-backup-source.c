/* test-ui-backup-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A device backup made by Debian's idevicebackup2 of the emulated iPhone, opened in the
 * window: the sidebar row says whose backup it is, from when, how big, and the grid shows the
 * phone's photos, with thumbnails read from the backup's hashed files; Back Up Everything
 * exports the phone's bytes. An encrypted one asks for its password, and again after a wrong
 * one. */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "ks-application.h"
#include "ks-photo-cell.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS  60000
#define N_ASSETS 9

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static char *home;
static char *backups;
static char *encrypted;

static gboolean
row_describes_backup (gpointer data)
{
  GtkWidget *list = GTK_WIDGET (_ks_sidebar_get_folder_list (window->sidebar));

  return ks_ui_test_find_by_label (list, "Backup Test iPhone") != NULL;
}

static gboolean
row_has_size (gpointer data)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (_ks_sidebar_get_folder_list (window->sidebar), 0);
  const char *tip = row ? gtk_widget_get_tooltip_text (GTK_WIDGET (row)) : NULL;

  /* "Device backup · 7 Dec 2026 · 1.2 MB": the size comes last, after a walk. */
  return tip != NULL && g_str_has_prefix (tip, "Device backup · ") && g_str_has_suffix (tip, "B");
}

static gboolean
can_back_up (gpointer data)
{
  return gtk_widget_get_visible (window->backup_all_button)
         && gtk_widget_is_sensitive (window->backup_all_button);
}

static gboolean
window_gone (gpointer data)
{
  return window == NULL;
}

static void
test_backup_in_window (void)
{
  g_autofree char *destination = g_build_filename (home, "Pictures", "iPhone", NULL);
  g_autofree char *dcim = g_build_filename (home, "phone", "DCIM", NULL);
  g_autoptr(GPtrArray) phone_files = ks_ui_test_list_files (dcim);
  g_autoptr(GPtrArray) exported = NULL;
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GListModel *assets;

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  /* Open Backup… adds the folder that holds <UDID>, as idevicebackup2 and Finder leave it. */
  ks_window_add_folder (window, backups);
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  assets = _ks_window_get_assets (window);
  g_assert_cmpuint (g_list_model_get_n_items (assets), ==, N_ASSETS);
  g_assert_true (g_str_has_prefix (ks_source_get_id (ks_library_page_get_source (window->library_page)), "backup:"));
  /* Called by the phone's name, not the folder's. */
  g_assert_cmpstr (adw_window_title_get_title (window->content_title), ==, "Backup Test iPhone");

  g_assert_true (ks_ui_test_wait_for (row_describes_backup, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (row_has_size, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_thumbnails (window, WAIT_MS));
  ks_ui_test_screenshot (GTK_WIDGET (window), "backup-source");

  /* Exported through the backup service to the plan's folder: the phone's bytes. */
  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));
  exported = ks_ui_test_list_files (destination);
  for (guint i = 0; i < exported->len; i++)
    g_hash_table_add (found, ks_ui_test_checksum_file (g_ptr_array_index (exported, i)));
  g_assert_cmpuint (phone_files->len, >, N_ASSETS);
  for (guint i = 0; i < phone_files->len; i++)
    {
      g_autofree char *sum = ks_ui_test_checksum_file (g_ptr_array_index (phone_files, i));

      g_assert_true (g_hash_table_contains (found, sum));
    }

  /* Gone once the toast and the run's last signals let go of it. */
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));
}

static gboolean
find_message_dialog (gpointer data)
{
  *(GtkWidget **)data = ks_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  return *(GtkWidget **)data != NULL;
}

static gboolean
grid_has_assets (gpointer data)
{
  GListModel *assets = _ks_window_get_assets (window);

  return g_strcmp0 (_ks_window_get_page (window), "grid") == 0 && assets != NULL &&
         !ks_library_page_get_loading (window->library_page) &&
         g_list_model_get_n_items (assets) == N_ASSETS;
}

static gboolean
gone (gpointer data)
{
  return *(GtkWidget **) data == NULL;
}

static gboolean
is_open_button (GtkWidget *widget,
                gpointer   data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Open") == 0;
}

/* Types @password, clicks Open, and waits for the dialog to go. */
static void
answer (GtkWidget  *dialog,
        const char *password)
{
  GtkWidget *entry = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));

  g_assert_true (GTK_IS_ENTRY (entry));
  g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (entry)));
  gtk_editable_set_text (GTK_EDITABLE (entry), password);
  /* The click: the response, then the dialog closes by itself. */
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_nonnull (ks_ui_test_find_widget (dialog, is_open_button, NULL));
  g_signal_emit_by_name (ks_ui_test_find_widget (dialog, is_open_button, NULL), "clicked");
  g_assert_true (ks_ui_test_wait_for (gone, &dialog, WAIT_MS));
}

/* An encrypted backup: the window asks for its password, says when it is wrong, and shows
 * the photos with the right one. */
static void
test_encrypted_backup (void)
{
  GtkWidget *dialog = NULL;

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  ks_window_add_folder (window, encrypted);
  g_assert_true (ks_ui_test_wait_for (find_message_dialog, &dialog, WAIT_MS));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Encrypted Backup");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "password is needed"));
  ks_ui_test_screenshot (dialog, "backup-password");
  answer (dialog, "not the password");

  dialog = NULL;
  g_assert_true (ks_ui_test_wait_for (find_message_dialog, &dialog, WAIT_MS));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "password is wrong"));
  g_assert_cmpuint (g_list_model_get_n_items (_ks_window_get_assets (window)), ==, 0);
  answer (dialog, "open sesame");

  g_assert_true (ks_ui_test_wait_for (grid_has_assets, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_thumbnails (window, WAIT_MS));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *media = NULL;
  g_autofree char *out = NULL;
  int ret, status = 0;

  home = ks_ui_test_isolate_home ();
  media = g_build_filename (home, "phone", NULL);
  backups = g_build_filename (home, "Backups", NULL);

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (media, N_ASSETS, 3, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error, "--device", media, "--name", "Backup Test iPhone", NULL);
  g_assert_no_error (error);

  /* The backup, by Debian's idevicebackup2 (the emulator set USBMUXD_SOCKET_ADDRESS). */
  {
    const char *argv_backup[] = { "idevicebackup2", "backup", "--full", backups, NULL };

    g_assert_cmpint (g_mkdir_with_parents (backups, 0755), ==, 0);
    g_assert_true (g_spawn_sync (NULL, (char **) argv_backup, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (out, "Backup Successful."));
  }
  g_clear_pointer (&emulator, ks_test_emulator_free);

  /* The same phone, with encrypted backups. */
  encrypted = g_build_filename (home, "Encrypted", NULL);
  emulator = ks_test_emulator_new (&error, "--device", media, "--name", "Backup Test iPhone",
                                   "--backup-password", "open sesame", NULL);
  g_assert_no_error (error);
  {
    const char *argv_backup[] = { "idevicebackup2", "backup", "--full", encrypted, NULL };

    g_clear_pointer (&out, g_free);
    g_assert_cmpint (g_mkdir_with_parents (encrypted, 0755), ==, 0);
    g_assert_true (g_spawn_sync (NULL, (char **) argv_backup, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (out, "Backup Successful."));
  }
  /* The phone is unplugged: the window reads the backups alone. */
  g_clear_pointer (&emulator, ks_test_emulator_free);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/backup-source", test_backup_in_window);
  g_test_add_func ("/Keepsake/Window/encrypted-backup", test_encrypted_backup);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  g_free (backups);
  g_free (encrypted);
  g_free (home);

  return ret;
}
