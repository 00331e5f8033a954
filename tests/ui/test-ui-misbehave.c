/* test-ui-misbehave.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An iPhone that lies, in the window: one whose lockdownd sends values of the wrong type
 * (its name a number, its iOS version bytes) and one whose photo listing names every file
 * twice. Each is shown as not working, with the sentence that says what is wrong (and stays
 * so: a listing that always fails is not read in a loop), and becomes usable once it behaves
 * and is asked again (Try Again). */

#include "config.h"

#include <adwaita.h>

#include "ks-application.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS 60000

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

static KsDevice *
first_device (void)
{
  GListModel *devices = ks_device_monitor_get_devices (ks_application_get_device_monitor (app));
  g_autoptr(KsDevice) device = g_list_model_get_n_items (devices) > 0
                               ? g_list_model_get_item (devices, 0) : NULL;

  return device;  /* the monitor keeps it */
}

static gboolean
has_device (gpointer data)
{
  return first_device () != NULL;
}

/* The window shows the "error" page, and its sentence says @words. */
static gboolean
shows_error (gpointer data)
{
  const char *words = data;
  const char *message;

  if (g_strcmp0 (_ks_window_get_page (window), "error") != 0)
    return FALSE;
  message = ks_device_status_page_get_error (window->status_page);
  return message != NULL && strstr (message, words) != NULL;
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (_ks_window_get_page (window), data) == 0;
}

static void
open_window (void)
{
  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));
  g_assert_true (ks_ui_test_wait_for (has_device, NULL, WAIT_MS));
}

static void
close_window (void)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_null (window);
}

static void
test_wrong_types (void)
{
  KsDevice *device;

  control ("misbehave lockdown-types");
  open_window ();
  device = first_device ();
  ks_device_retry (device);
  g_assert_true (ks_ui_test_wait_for (shows_error, (gpointer) "does not understand", WAIT_MS));
  g_assert_cmpint (ks_device_get_state (device), ==, KS_DEVICE_STATE_ERROR);
  g_assert_nonnull (strstr (ks_device_get_message (device), "DeviceName"));
  ks_ui_test_screenshot (GTK_WIDGET (window), "misbehave-wrong-types");

  /* It behaves again: asked once more, it is an iPhone with its photos. */
  control ("misbehave off");
  ks_device_retry (device);
  g_assert_true (ks_ui_test_wait_for (page_is, (gpointer) "grid", WAIT_MS));
  g_assert_cmpstr (ks_device_get_name (device), ==, "Lying iPhone");
  close_window ();
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_duplicate_listing (void)
{
  control ("misbehave dir-duplicates");
  open_window ();
  g_assert_true (ks_ui_test_wait_for (shows_error, (gpointer) "garbled", WAIT_MS));
  ks_ui_test_screenshot (GTK_WIDGET (window), "misbehave-duplicates");

  /* The sentence stays: the library is not read again and again. */
  spin (1500);
  g_assert_true (shows_error ((gpointer) "garbled"));

  /* It behaves again; Try Again reads the library anew. */
  control ("misbehave off");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.retry", NULL);
  g_assert_true (ks_ui_test_wait_for (page_is, (gpointer) "grid", WAIT_MS));
  close_window ();
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

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (media, 3, 14, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error, "--device", media, "--name", "Lying iPhone", NULL);
  g_assert_no_error (error);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/misbehave/wrong-types", test_wrong_types);
  g_test_add_func ("/Keepsake/Window/misbehave/duplicate-listing", test_duplicate_listing);

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
