/* test-ui-smoke.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Builds the main window and every dialog once and checks that each shows what a user
 * expects. A .ui file naming a widget or property missing from GTK 4.8 / libadwaita 1.2 only
 * fails at run time, so this is where such a mistake is caught. */

#include "config.h"

#include <adwaita.h>

#include "ks-application.h"
#include "ks-preferences-window.h"
#include "ks-window.h"
#include "ks-ui-test-util.h"

static KsApplication *app;

static GtkWidget *
open_window (void)
{
  KsWindow *window = ks_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  return GTK_WIDGET (window);
}

static void
test_main_window (void)
{
  GtkWidget *window = open_window ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  /* Without a device, the window says how to connect one. */
  g_assert_nonnull (ks_ui_test_find_by_label (window, "Connect Your iPhone"));
  g_assert_cmpint (gtk_widget_get_width (window), >=, 360);

  ks_ui_test_iterate (200);
  path = ks_ui_test_save_screenshot (window, "main-window", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences (void)
{
  GtkWidget *window = open_window ();
  KsPreferencesWindow *prefs = ks_preferences_window_new (app);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

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

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  app = ks_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  /* Startup ran with registration; keep the app alive without a window. */
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/UI/main-window", test_main_window);
  g_test_add_func ("/Keepsake/UI/preferences", test_preferences);
  g_test_add_func ("/Keepsake/UI/about", test_about);
  g_test_add_func ("/Keepsake/UI/shortcuts", test_shortcuts);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);

  return ret;
}
