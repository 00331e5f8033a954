/* test-ui-reselect.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Two iPhones and a folder in the sidebar, selected back and forth the way a user clicks
 * through them: afterwards the window follows the selected iPhone alone, handling each change
 * of its state or name once, and none of the iPhone it left. */

#include "config.h"

#include <adwaita.h>

#include "ks-application.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS 60000

#define FIRST_UDID  "00008030-0000000000000001"
#define SECOND_UDID "00008030-0000000000000002"

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static char *home;

static void
control (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (emulator, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

static gboolean
two_devices (gpointer data)
{
  GListModel *devices = ks_device_monitor_get_devices (ks_application_get_device_monitor (app));

  return g_list_model_get_n_items (devices) == 2;
}

static KsDevice *
find_device (const char *udid)
{
  GListModel *devices = ks_device_monitor_get_devices (ks_application_get_device_monitor (app));

  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (devices, i);

      if (g_strcmp0 (ks_device_get_udid (device), udid) == 0)
        return device;
    }

  return NULL;
}

static gboolean
shows (gpointer data)
{
  const char *title = data;

  return g_strcmp0 (_ks_window_get_page (window), "grid") == 0
         && g_strcmp0 (adw_window_title_get_title (window->content_title), title) == 0;
}

/* A click on @device's row in the sidebar; the window shows its library. */
static void
click_device (KsDevice   *device,
              const char *name)
{
  KsSourceRow *row = ks_sidebar_find_device_row (window->sidebar, device);

  g_assert_nonnull (row);
  g_signal_emit_by_name (gtk_widget_get_parent (GTK_WIDGET (row)), "row-activated", row);
  g_assert_true (ks_ui_test_wait_for (shows, (gpointer)name, WAIT_MS));
  g_assert_true (ks_sidebar_find_device_row (window->sidebar, device) == _ks_window_get_source_row (window));
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (_ks_window_get_page (window), data) == 0;
}

static void
test_reselect (void)
{
  g_autofree char *folder = g_build_filename (home, "Camera Card", NULL);
  g_autoptr(GError) error = NULL;
  KsDevice *first, *second;
  guint emitted = 0, before;
  gulong state_id, name_id;

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));
  g_assert_true (ks_ui_test_wait_for (two_devices, NULL, WAIT_MS));
  first = find_device (FIRST_UDID);
  second = find_device (SECOND_UDID);
  g_assert_nonnull (first);
  g_assert_nonnull (second);

  /* Back and forth between the two, to a folder and back, and the same row twice. */
  click_device (first, "First iPhone");
  click_device (second, "Second iPhone");
  click_device (first, "First iPhone");
  click_device (second, "Second iPhone");
  g_assert_true (ks_test_make_sample_library (folder, 2, 5, TRUE, &error));
  g_assert_no_error (error);
  ks_window_add_folder (window, folder);
  g_assert_true (ks_ui_test_wait_for (shows, (gpointer)"Camera Card", WAIT_MS));
  click_device (first, "First iPhone");
  click_device (first, "First iPhone");

  /* Each change of the selected iPhone is handled once, however often it was selected. */
  state_id = g_signal_connect (first, "notify::state", G_CALLBACK (count_cb), &emitted);
  name_id = g_signal_connect (first, "notify::name", G_CALLBACK (count_cb), &emitted);
  before = _ks_window_get_n_device_updates (window);
  g_object_notify (G_OBJECT (first), "name");
  g_object_notify (G_OBJECT (first), "state");
  g_assert_cmpuint (emitted, ==, 2);
  g_assert_cmpuint (_ks_window_get_n_device_updates (window) - before, ==, 2);

  /* A real change: the iPhone locked, then unlocked. */
  emitted = 0;
  before = _ks_window_get_n_device_updates (window);
  control ("lock " FIRST_UDID);
  ks_device_retry (first);
  g_assert_true (ks_ui_test_wait_for (page_is, (gpointer)"locked", WAIT_MS));
  control ("unlock " FIRST_UDID);
  g_assert_true (ks_ui_test_wait_for (page_is, (gpointer)"grid", WAIT_MS));
  g_assert_cmpuint (emitted, >=, 2);
  g_assert_cmpuint (_ks_window_get_n_device_updates (window) - before, ==, emitted);
  g_signal_handler_disconnect (first, state_id);
  g_signal_handler_disconnect (first, name_id);

  /* The iPhone left behind is not followed any more. */
  before = _ks_window_get_n_device_updates (window);
  g_object_notify (G_OBJECT (second), "name");
  g_object_notify (G_OBJECT (second), "state");
  g_assert_cmpuint (_ks_window_get_n_device_updates (window), ==, before);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_null (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  int ret;

  home = ks_ui_test_isolate_home ();
  first = g_build_filename (home, "first", NULL);
  second = g_build_filename (home, "second", NULL);

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (first, 3, 1, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (ks_test_make_sample_library (second, 3, 2, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error,
                                   "--device", first, "--name", "First iPhone", "--udid", FIRST_UDID,
                                   "--device", second, "--name", "Second iPhone", "--udid", SECOND_UDID,
                                   NULL);
  g_assert_no_error (error);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/reselect", test_reselect);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (home);

  return ret;
}
