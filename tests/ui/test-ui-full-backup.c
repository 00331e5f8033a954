/* test-ui-full-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Back Up Everything of an iPhone whose plan also keeps full device backups, against the
 * emulated iPhone that asks for its passcode at every backup start (iOS 16.1+,
 * --backup-passcode): the progress panel asks for the passcode on the phone at once, goes on
 * once it is entered, and the standard backup folder is there with its Manifest.db; a
 * passcode never entered ends with the core's sentence, not a number. The sidebar then lists
 * the full backups of the plan's destination (name, date, size, encryption, snapshots), and
 * each snapshot opens as a source whose photos the grid shows. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "ks-application.h"
#include "ks-full-backup-job.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS  90000
#define N_ASSETS 6
#define PASSCODE_SENTENCE "Enter your iPhone’s passcode on the iPhone to start the backup"

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static char *home;
static char *destination;
static char *udid;

static void
control (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (emulator, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

static gboolean
plan_ready (gpointer data)
{
  return ks_application_get_backup_plan (app) != NULL;
}

static gboolean
can_back_up (gpointer data)
{
  return gtk_widget_get_visible (window->backup_all_button)
         && gtk_widget_is_sensitive (window->backup_all_button);
}

static gboolean
panel_title_is (gpointer data)
{
  return _ks_window_get_progress_revealed (window)
         && g_strcmp0 (ks_progress_panel_get_title (_ks_window_get_progress_panel (window)), data) == 0;
}

static gboolean
panel_title_is_not (gpointer data)
{
  return !panel_title_is (data);
}

/* "Receiving files from the iPhone", with "Full device backup · 12% done · 40 files · 1.2 MB". */
static gboolean
receiving_shown (gpointer data)
{
  const char *details = ks_progress_panel_get_details (_ks_window_get_progress_panel (window));

  return panel_title_is ((gpointer) "Receiving files from the iPhone")
         && strstr (details, "% done · ") != NULL && strstr (details, " files · ") != NULL
         && strstr (details, " 0 files") == NULL;
}

static gboolean
run_done (gpointer data)
{
  return !_ks_window_get_job_running (window);
}

static gboolean
window_gone (gpointer data)
{
  return window == NULL;
}

static char *
backup_file (const char *name)
{
  return g_build_filename (destination, udid, name, NULL);
}

/* The plan's only destination keeps the photos and the phone's full backups. */
static void
test_setup (void)
{
  g_autoptr(GError) error = NULL;
  KsBackupPlan *plan;
  KsPlanDestination *dest;

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (_ks_window_get_assets (window)), ==, N_ASSETS);

  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, WAIT_MS));
  plan = ks_application_get_backup_plan (app);
  g_assert_cmpint (g_mkdir_with_parents (destination, 0755), ==, 0);
  dest = ks_backup_plan_lookup (plan, destination);
  if (dest == NULL)
    dest = ks_backup_plan_add_folder (plan, destination, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dest);
  g_assert_true (ks_backup_plan_set_methods (plan, ks_plan_destination_get_id (dest),
                                             KS_BACKUP_METHOD_FILES | KS_BACKUP_METHOD_FULL, &error));
  g_assert_no_error (error);

  udid = g_strdup (ks_device_get_udid (window->device));
}

/* The passcode request shows at once, goes when it is entered, and the backup is made. */
static void
test_passcode (void)
{
  g_autofree char *manifest = NULL;
  g_autofree char *status = NULL;
  const char *toast;

  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (_ks_window_get_job_running (window));

  /* The photos first, then the phone waits for its passcode: the panel says so. */
  g_assert_true (ks_ui_test_wait_for (panel_title_is, (gpointer) PASSCODE_SENTENCE, WAIT_MS));
  g_assert_true (_ks_window_get_job_running (window));
  g_assert_nonnull (strstr (ks_progress_panel_get_details (_ks_window_get_progress_panel (window)),
                            "Full device backup"));
  ks_ui_test_screenshot (GTK_WIDGET (window), "full-backup-passcode");
  manifest = backup_file ("Manifest.db");
  g_assert_false (g_file_test (manifest, G_FILE_TEST_EXISTS));

  /* Slowed down, the files are seen arriving: files, bytes, the phone's percentage. */
  control ("rate 40000");
  control ("enter-passcode");
  g_assert_true (ks_ui_test_wait_for (panel_title_is_not, (gpointer) PASSCODE_SENTENCE, WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (receiving_shown, NULL, WAIT_MS));
  g_test_message ("receiving: %s", ks_progress_panel_get_details (_ks_window_get_progress_panel (window)));
  ks_ui_test_screenshot (GTK_WIDGET (window), "full-backup-receiving");
  control ("rate 0");
  g_assert_true (ks_ui_test_wait_for (run_done, NULL, WAIT_MS));

  /* A standard backup folder, finished. */
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  status = backup_file ("Status.plist");
  g_assert_true (g_file_test (status, G_FILE_TEST_IS_REGULAR));
  toast = _ks_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_suffix (toast, "; full device backup made"));
  g_assert_false (_ks_window_get_progress_revealed (window));
}

/* A passcode never entered: the phone ends the backup (ErrorCode 208) and the panel says
 * why in words; the last complete backup stays. */
static void
test_passcode_timeout (void)
{
  g_autofree char *manifest = backup_file ("Manifest.db");
  const char *details;

  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (ks_ui_test_wait_for (panel_title_is, (gpointer) PASSCODE_SENTENCE, WAIT_MS));
  /* Seen waiting: now the phone's timer runs out. */
  control ("passcode-timeout 1");
  g_assert_true (ks_ui_test_wait_for (run_done, NULL, WAIT_MS));

  g_assert_true (_ks_window_get_progress_revealed (window));
  g_assert_cmpstr (ks_progress_panel_get_title (_ks_window_get_progress_panel (window)), ==,
                   "Full Device Backup Stopped");
  details = ks_progress_panel_get_details (_ks_window_get_progress_panel (window));
  g_test_message ("details: %s", details);
  g_assert_nonnull (strstr (details, "passcode was not entered on the iPhone"));
  g_assert_null (strstr (details, "208"));
  ks_ui_test_screenshot (GTK_WIDGET (window), "full-backup-208");
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  control ("passcode-timeout 120000");
}

/* Cancel while the phone waits for its passcode: the run ends as cancelled, the last complete
 * backup is untouched and no half-made one is left. */
static void
test_cancel (void)
{
  g_autofree char *manifest = backup_file ("Manifest.db");
  g_autofree char *in_progress = g_strconcat (destination, G_DIR_SEPARATOR_S, udid, ".snapshots",
                                              G_DIR_SEPARATOR_S, ".in-progress", NULL);
  g_autofree char *before = ks_ui_test_checksum_file (manifest);
  g_autofree char *after = NULL;
  GtkWidget *cancel;

  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (ks_ui_test_wait_for (panel_title_is, (gpointer) PASSCODE_SENTENCE, WAIT_MS));
  cancel = ks_ui_test_find_by_label (GTK_WIDGET (_ks_window_get_progress_panel (window)), "_Cancel");
  g_assert_true (GTK_IS_BUTTON (cancel) && gtk_widget_get_visible (cancel));
  g_signal_emit_by_name (cancel, "clicked");
  g_assert_true (ks_ui_test_wait_for (run_done, NULL, WAIT_MS));

  g_test_message ("toast: %s", _ks_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (_ks_window_get_last_toast (window), "Backup cancelled"));
  g_assert_false (_ks_window_get_progress_revealed (window));
  after = ks_ui_test_checksum_file (manifest);
  g_assert_cmpstr (before, ==, after);
  g_assert_false (g_file_test (in_progress, G_FILE_TEST_EXISTS));
}

static GtkListBox *
full_backup_rows (void)
{
  return _ks_full_backup_list_get_list_box (_ks_sidebar_get_full_backup_list (window->sidebar));
}

static gboolean
full_backups_listed (gpointer data)
{
  GtkListBox *list = full_backup_rows ();
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child; child = gtk_widget_get_next_sibling (child))
    n++;
  return !_ks_full_backup_list_get_loading (_ks_sidebar_get_full_backup_list (window->sidebar))
         && n == GPOINTER_TO_UINT (data) && gtk_widget_is_drawable (GTK_WIDGET (list));
}

static gboolean
shows_source (gpointer data)
{
  KsSource *source = ks_library_page_get_source (window->library_page);
  GListModel *assets = _ks_window_get_assets (window);

  return source != NULL && g_strcmp0 (ks_source_get_id (source), data) == 0
         && !ks_library_page_get_loading (window->library_page)
         && g_strcmp0 (_ks_window_get_page (window), "grid") == 0
         && assets != NULL && g_list_model_get_n_items (assets) == N_ASSETS;
}

/* Opens the backup of @row from the sidebar and waits for its photos in the grid. */
static void
open_row (GtkListBoxRow *row)
{
  const char *path = g_object_get_data (G_OBJECT (row), "ks-path");
  g_autofree char *id = g_strconcat ("backup:", path, NULL);

  g_signal_emit_by_name (full_backup_rows (), "row-activated", row);
  g_assert_true (ks_ui_test_wait_for (shows_source, id, WAIT_MS));
  g_assert_true (gtk_list_box_get_selected_row (full_backup_rows ()) == row);
  g_assert_true (ks_ui_test_wait_thumbnails (window, WAIT_MS));
}

/* A second backup keeps the first as a snapshot: the sidebar lists both, and each opens. */
static void
test_sidebar_lists_backups (void)
{
  g_autofree char *snapshots = g_strconcat (destination, G_DIR_SEPARATOR_S, udid, ".snapshots", NULL);
  GtkListBoxRow *current, *older;
  const char *tip;

  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (ks_ui_test_wait_for (panel_title_is, (gpointer) PASSCODE_SENTENCE, WAIT_MS));
  control ("enter-passcode");
  g_assert_true (ks_ui_test_wait_for (run_done, NULL, WAIT_MS));

  g_assert_true (ks_ui_test_wait_for (full_backups_listed, GUINT_TO_POINTER (2), WAIT_MS));
  current = gtk_list_box_get_row_at_index (full_backup_rows (), 0);
  older = gtk_list_box_get_row_at_index (full_backup_rows (), 1);
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (current), "Full Test iPhone"));
  tip = gtk_widget_get_tooltip_text (GTK_WIDGET (current));
  g_test_message ("current: %s", tip);
  g_assert_true (g_str_has_prefix (tip, "Full backup · "));
  g_assert_nonnull (strstr (tip, "Not encrypted"));
  g_assert_nonnull (strstr (tip, "1 older snapshot"));
  g_assert_true (g_str_has_suffix (gtk_widget_get_tooltip_text (GTK_WIDGET (older)), "of its own"));
  g_assert_true (g_str_has_prefix (g_object_get_data (G_OBJECT (older), "ks-path"), snapshots));

  open_row (older);
  ks_ui_test_screenshot (GTK_WIDGET (window), "full-backup-sidebar");
  open_row (current);
  g_assert_cmpstr (adw_window_title_get_title (window->content_title), ==, "Full Test iPhone");
}

static void
test_teardown (void)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *media = NULL;
  int ret;

  home = ks_ui_test_isolate_home ();
  media = g_build_filename (home, "phone", NULL);
  destination = g_build_filename (home, "Pictures", "iPhone", NULL);

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (media, N_ASSETS, 5, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error, "--device", media, "--name", "Full Test iPhone",
                                   "--backup-passcode", "--backup-passcode-timeout", "120000",
                                   NULL);
  g_assert_no_error (error);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/full-backup/setup", test_setup);
  g_test_add_func ("/Keepsake/Window/full-backup/passcode", test_passcode);
  g_test_add_func ("/Keepsake/Window/full-backup/passcode-timeout", test_passcode_timeout);
  g_test_add_func ("/Keepsake/Window/full-backup/cancel", test_cancel);
  g_test_add_func ("/Keepsake/Window/full-backup/sidebar", test_sidebar_lists_backups);
  g_test_add_func ("/Keepsake/Window/full-backup/teardown", test_teardown);

  ret = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (destination);
  g_free (udid);
  g_free (home);

  return ret;
}
