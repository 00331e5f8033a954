/* test-ui-smoke.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Builds the main window and every dialog once and checks that each shows what a user
 * expects. A .ui file naming a widget or property missing from GTK 4.8 / libadwaita 1.2 only
 * fails at run time, so this is where such a mistake is caught. The window starts without
 * usbmuxd, then the emulated "Demo iPhone" appears and its library fills the grid: that is the
 * README's screenshot. */

#include "config.h"

#include <adwaita.h>

#include <glib/gstdio.h>
#include <string.h>

#include "ks-application.h"
#include "ks-library-views-job.h"
#include "ks-library-views-row.h"
#include "ks-photo-cell.h"
#include "ks-preferences-window.h"
#include "ks-remote-dialog.h"
#include "ks-settings.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

static KsApplication *app;
static char *home;
static KsTestEmulator *emulator;

static GtkWidget *
open_window (void)
{
  KsWindow *window = ks_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  return GTK_WIDGET (window);
}

static void
test_no_usbmuxd (void)
{
  GtkWidget *window = open_window ();

  /* Nothing listens at USBMUXD_SOCKET_ADDRESS yet: the window says what to install. */
  g_assert_true (ks_ui_test_wait_page (KS_WINDOW (window), "usbmuxd-missing", 10000));
  g_assert_nonnull (ks_ui_test_find_by_label (window, "The iPhone Service Is Not Running"));
  g_assert_null (ks_ui_test_find_by_label (window, "_Back Up Everything"));
  ks_ui_test_screenshot (window, "usbmuxd-missing");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_main_window (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *library = g_build_filename (home, "library", NULL);
  GtkWidget *window = open_window ();
  KsSourceRow *row;
  GListModel *assets;

  g_assert_cmpint (gtk_widget_get_width (window), >=, 360);

  /* The iPhone service appears (with the Demo iPhone on it) while the window is open: the
   * window continues by itself. */
  g_assert_true (ks_test_make_sample_library (library, 60, 2026, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error,
                                   "--device", library,
                                   "--name", "Demo iPhone",
                                   "--model", "iPhone15,2",
                                   "--ios", "17.5",
                                   NULL);
  g_assert_no_error (error);

  g_assert_true (ks_ui_test_wait_page (KS_WINDOW (window), "grid", 20000));
  g_assert_true (ks_ui_test_wait_library_loaded (KS_WINDOW (window), 20000));
  assets = _ks_window_get_assets (KS_WINDOW (window));
  g_assert_cmpuint (g_list_model_get_n_items (assets), ==, 60);

  /* The sidebar row: name, model and iOS version, and what is not backed up yet. */
  row = _ks_window_get_source_row (KS_WINDOW (window));
  g_assert_nonnull (row);
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (row), "Demo iPhone"));
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (row), "iPhone 14 Pro · iOS 17.5"));
  g_assert_cmpstr (ks_source_row_get_status (row), ==, "60 not backed up yet");

  /* The grid shows thumbnails (or the broken-image placeholder) and dates. */
  g_assert_true (ks_ui_test_wait_thumbnails (KS_WINDOW (window), 20000));
  {
    g_autoptr(GPtrArray) cells = ks_photo_grid_list_visible_cells (_ks_window_get_photo_grid (KS_WINDOW (window)));
    guint loaded = 0;

    g_assert_cmpuint (cells->len, >=, 8);
    for (guint i = 0; i < cells->len; i++)
      {
        KsPhotoCell *cell = g_ptr_array_index (cells, i);
        g_autofree char *name = NULL;
        const char *tooltip;

        if (ks_photo_cell_get_thumbnail_state (cell) == KS_PHOTO_CELL_LOADED)
          loaded++;

        g_assert_cmpstr (ks_photo_cell_get_date_text (cell), !=, "");
        g_assert_cmpint (ks_photo_cell_get_copies (cell), ==, 0);
        /* Each cell tells its file name, date and backed-up state (accessible name and
         * tooltip are the same text). */
        name = ks_asset_dup_display_name (ks_photo_cell_get_asset (cell));
        tooltip = gtk_widget_get_tooltip_text (GTK_WIDGET (cell));
        g_assert_nonnull (tooltip);
        g_assert_true (g_str_has_prefix (tooltip, name));
        g_assert_nonnull (strstr (tooltip, ks_photo_cell_get_date_text (cell)));
        g_assert_true (g_str_has_suffix (tooltip, "not backed up yet"));
      }
    /* The sample library has a few corrupt files, not a screenful. */
    g_assert_cmpuint (loaded, >, cells->len / 2);
  }

  ks_ui_test_screenshot (window, "main-window");

  /* Narrow: the sidebar folds away and a back button leads to it. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  ks_ui_test_iterate (500);
  g_assert_true (adw_leaflet_get_folded (KS_WINDOW (window)->leaflet));
  g_signal_emit_by_name (gtk_widget_get_parent (GTK_WIDGET (row)), "row-activated", row);
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (_ks_window_get_photo_grid (KS_WINDOW (window))), 5000));
  g_assert_nonnull (ks_ui_test_find_by_label (window, "Demo iPhone"));
  ks_ui_test_screenshot (window, "narrow");

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
plan_ready (gpointer data)
{
  return ks_application_get_backup_plan (app) != NULL;
}

static void
test_preferences (void)
{
  GtkWidget *window = open_window ();
  KsPreferencesWindow *prefs;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *default_folder = ks_settings_dup_default_destination ();

  /* The plan comes with the catalog, opened on a worker; a new plan holds the Pictures folder. */
  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, 5000));
  g_assert_nonnull (ks_backup_plan_lookup (ks_application_get_backup_plan (app), default_folder));
  prefs = ks_preferences_window_new (app);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (prefs), 5000));

  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (prefs), "Destinations"));

  ks_ui_test_iterate (200);
  path = ks_ui_test_save_screenshot (GTK_WIDGET (prefs), "preferences", &error);
  g_assert_no_error (error);

  gtk_window_destroy (GTK_WINDOW (prefs));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
is_library_views_row (GtkWidget *widget,
                      gpointer   data)
{
  return KS_IS_LIBRARY_VIEWS_ROW (widget);
}

/* The switch of the row titled @title. */
static GtkSwitch *
find_switch (GtkWidget  *root,
             const char *title)
{
  GtkWidget *widget = ks_ui_test_find_by_label (root, title);

  while (widget != NULL && !ADW_IS_ACTION_ROW (widget))
    widget = gtk_widget_get_parent (widget);
  g_assert_nonnull (widget);
  return GTK_SWITCH (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (widget)));
}

/* The plan's Recently Deleted and Hidden options, and a destination's XMP sidecars and
 * Albums folder, each a switch that changes the plan at once. */
static void
test_preferences_library (void)
{
  GtkWidget *window = open_window ();
  KsPreferencesWindow *prefs;
  KsBackupPlan *plan;
  GtkWidget *row;
  GtkSwitch *toggle;
  gboolean include = TRUE;
  gboolean sidecars = FALSE;
  gboolean albums = TRUE;
  g_autofree char *default_folder = ks_settings_dup_default_destination ();
  KsPlanDestination *dest;

  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, 5000));
  plan = ks_application_get_backup_plan (app);
  dest = ks_backup_plan_lookup (plan, default_folder);
  g_assert_nonnull (dest);
  prefs = ks_preferences_window_new (app);
  gtk_window_set_transient_for (GTK_WINDOW (prefs), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (prefs), 5000));

  g_object_set (plan, "include-hidden", FALSE, NULL);
  toggle = find_switch (GTK_WIDGET (prefs), "_Hidden Photos");
  g_assert_false (gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, TRUE);
  g_object_get (plan, "include-hidden", &include, NULL);
  g_assert_true (include);
  toggle = find_switch (GTK_WIDGET (prefs), "_Recently Deleted");
  gtk_switch_set_active (toggle, !gtk_switch_get_active (toggle));
  g_object_get (plan, "include-recently-deleted", &include, NULL);
  g_assert_cmpint (include, ==, gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, TRUE);

  row = ks_ui_test_find_widget (GTK_WIDGET (prefs), is_library_views_row, NULL);
  g_assert_nonnull (row);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  ks_ui_test_iterate (300);
  toggle = find_switch (row, "_XMP Sidecars");
  g_assert_false (gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, TRUE);
  ks_library_views_get_settings (plan, ks_plan_destination_get_id (dest), &sidecars, &albums);
  g_assert_true (sidecars);
  g_assert_false (albums);
  g_assert_nonnull (ks_ui_test_find_by_label (row, "XMP sidecars"));

  /* Scrolled so that the new rows are in the picture. */
  {
    GtkWidget *scrolled = gtk_widget_get_ancestor (row, GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    graphene_point_t top;

    g_assert_true (gtk_widget_compute_point (row, gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled)),
                                             &GRAPHENE_POINT_INIT (0, 0), &top));
    gtk_adjustment_set_value (adj, top.y - 160);
  }
  ks_ui_test_iterate (200);
  ks_ui_test_screenshot (GTK_WIDGET (prefs), "preferences-library");

  gtk_switch_set_active (toggle, FALSE);
  ks_library_views_get_settings (plan, ks_plan_destination_get_id (dest), &sidecars, NULL);
  g_assert_false (sidecars);
  gtk_window_destroy (GTK_WINDOW (prefs));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The network location form: what it says about verification, and the location it makes
 * (the password is never part of it; it says to look in the keyring). */
static void
test_remote_dialog (void)
{
  GtkWidget *window = open_window ();
  KsPreferencesWindow *prefs;
  GtkWidget *button;
  GtkWidget *dialog = NULL;
  g_autofree char *location = NULL;
  GListModel *toplevels;

  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, 5000));
  prefs = ks_preferences_window_new (app);
  gtk_window_set_transient_for (GTK_WINDOW (prefs), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (prefs), 5000));

  button = ks_ui_test_find_by_label (GTK_WIDGET (prefs), "Add _Server…");
  g_assert_nonnull (button);
  while (button != NULL && !GTK_IS_BUTTON (button))
    button = gtk_widget_get_parent (button);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  ks_ui_test_iterate (100);

  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w))
        dialog = w;
    }
  g_assert_nonnull (dialog);
  g_assert_true (ks_ui_test_wait_mapped (dialog, 5000));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  g_assert_nonnull (ks_ui_test_find_by_label (dialog, "Every upload is checked with the server’s own checksum before it counts."));

  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "server"), "nas.local:2222");
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "user"), "anna");
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "password"), "s3cret pass");
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "folder"), "/srv/My Photos");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  location = ks_remote_dialog_dup_location (dialog);
  g_assert_cmpstr (location, ==, "sftp://anna@nas.local:2222/srv/My%20Photos?password=keyring");

  adw_combo_row_set_selected (g_object_get_data (G_OBJECT (dialog), "kind"), 2);
  g_clear_pointer (&location, g_free);
  location = ks_remote_dialog_dup_location (dialog);
  g_assert_cmpstr (location, ==, "webdav://anna@nas.local:2222/srv/My%20Photos?password=keyring");
  g_assert_nonnull (ks_ui_test_find_by_label (dialog, "This kind of server keeps no checksums: every upload is read back before it counts."));

  ks_ui_test_iterate (200);
  ks_ui_test_screenshot (dialog, "add-network-location");

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  ks_ui_test_iterate (100);
  gtk_window_destroy (GTK_WINDOW (prefs));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_about_window (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (w) && gtk_widget_get_mapped (w))
        {
          *(GtkWidget **)data = w;
          return TRUE;
        }
    }

  return FALSE;
}

static void
test_about (void)
{
  GtkWidget *window = open_window ();
  GtkWidget *about = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_assert_true (ks_ui_test_wait_for (has_about_window, &about, 5000));
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==, "Keepsake");
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);

  gtk_window_destroy (GTK_WINDOW (about));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_shortcuts (void)
{
  GtkWidget *window = open_window ();
  GtkShortcutsWindow *overlay;

  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_nonnull (overlay);

  gtk_widget_activate_action (window, "win.show-help-overlay", NULL);
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (overlay), 5000));

  gtk_window_close (GTK_WINDOW (overlay));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  home = ks_ui_test_isolate_home ();
  {
    /* No usbmuxd at first; the emulator takes its place in /Keepsake/UI/main-window. */
    g_autofree char *nowhere = g_strdup_printf ("UNIX:%s/no-usbmuxd", home);

    g_setenv ("USBMUXD_SOCKET_ADDRESS", nowhere, TRUE);
  }

  /* Idle pool threads exit instead of waiting for reuse (see ks_ui_test_stop_idle_threads()). */
  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* Page and panel transitions keep snapshots of the old page; instant ones make what the
   * test sees (and frees) not depend on the machine's speed. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = ks_application_new ();
  /* The UI tests run side by side on one session bus: each is its own instance. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  /* Startup ran with registration; keep the app alive without a window. */
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/UI/no-usbmuxd", test_no_usbmuxd);
  g_test_add_func ("/Keepsake/UI/main-window", test_main_window);
  g_test_add_func ("/Keepsake/UI/preferences", test_preferences);
  g_test_add_func ("/Keepsake/UI/preferences-library", test_preferences_library);
  g_test_add_func ("/Keepsake/UI/remote-dialog", test_remote_dialog);
  g_test_add_func ("/Keepsake/UI/about", test_about);
  g_test_add_func ("/Keepsake/UI/shortcuts", test_shortcuts);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (home);

  return ret;
}
