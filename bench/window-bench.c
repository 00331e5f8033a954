/* window-bench.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window against the emulated iPhone, measured: how long from the device being ready to
 * a first screen of thumbnails (--phase first-screen), and the peak memory while scrolling
 * end to end through a large library (--phase scroll). Needs a display (run under xvfb-run). */

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>

#include "ks-application.h"
#include "ks-photo-cell.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

static char *phase = NULL;
static int count = 0;
static gint64 rate = 35000000;
static double goal = 0;
static char *library_arg = NULL;

static GOptionEntry entries[] = {
  { "phase", 0, 0, G_OPTION_ARG_STRING, &phase, "first-screen or scroll", "PHASE" },
  { "count", 0, 0, G_OPTION_ARG_INT, &count, "library size (default 20000 / 50000)", "N" },
  { "rate", 0, 0, G_OPTION_ARG_INT64, &rate, "emulator AFC rate in bytes/s, 0 = unlimited", "BPS" },
  { "goal", 0, 0, G_OPTION_ARG_DOUBLE, &goal, "goal (seconds / MB); exit 1 when missed", "X" },
  { "library", 0, 0, G_OPTION_ARG_FILENAME, &library_arg, "serve this media root (made by iphone-sample-library) instead of generating one", "DIR" },
  { NULL }
};

static gint64 ready_at;

static void
device_state_cb (KsDevice *device)
{
  if (ready_at == 0 && ks_device_get_state (device) == KS_DEVICE_STATE_READY)
    ready_at = g_get_monotonic_time ();
}

static void
devices_changed_cb (GListModel *devices)
{
  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (devices, i);

      g_signal_connect (device, "notify::state", G_CALLBACK (device_state_cb), NULL);
      device_state_cb (device);
    }
}

static gboolean
screen_of_thumbnails (KsWindow *window)
{
  g_autoptr(GPtrArray) cells = NULL;

  if (g_strcmp0 (_ks_window_get_page (window), "grid") != 0)
    return FALSE;

  cells = ks_photo_grid_list_visible_cells (_ks_window_get_photo_grid (window));
  if (cells->len < 4)
    return FALSE;
  for (guint i = 0; i < cells->len; i++)
    {
      KsPhotoCellThumbnail state = ks_photo_cell_get_thumbnail_state (g_ptr_array_index (cells, i));

      if (state != KS_PHOTO_CELL_LOADED && state != KS_PHOTO_CELL_BROKEN)
        return FALSE;
    }

  return TRUE;
}

static gboolean
library_loaded (KsWindow *window)
{
  GListModel *assets = _ks_window_get_assets (window);

  return assets != NULL && !ks_asset_model_get_loading (KS_ASSET_MODEL (assets))
         && g_list_model_get_n_items (assets) > 0;
}

static guint64
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmHWM:");
  return line ? g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- window benchmarks");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emulator = NULL;
  g_autofree char *home = NULL;
  g_autofree char *library = NULL;
  g_autofree char *rate_arg = NULL;
  KsApplication *app;
  KsWindow *window;
  gboolean scroll;
  gboolean ok = TRUE;
  gint64 start;

  home = ks_ui_test_isolate_home ();

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  scroll = g_strcmp0 (phase, "scroll") == 0;
  if (count <= 0)
    count = scroll ? 50000 : 20000;

  if (!gtk_init_check ())
    {
      g_printerr ("window-bench needs a display: run it under xvfb-run -a\n");
      return 1;
    }
  adw_init ();

  start = g_get_monotonic_time ();
  if (library_arg != NULL)
    library = g_strdup (library_arg);
  else
    {
      library = g_build_filename (home, "library", NULL);
      if (!ks_test_make_sample_library (library, count, 11, TRUE, &error))
        {
          g_printerr ("sample library: %s\n", error->message);
          return 1;
        }
      g_print ("library: %d assets (--fast) generated in %.1f s\n", count,
               (g_get_monotonic_time () - start) / 1e6);
    }

  rate_arg = g_strdup_printf ("%" G_GINT64_FORMAT, rate);
  emulator = ks_test_emulator_new (&error, "--device", library, "--name", "Bench iPhone",
                                   rate > 0 ? "--rate" : NULL, rate_arg, NULL);
  if (emulator == NULL)
    {
      g_printerr ("emulator: %s\n", error->message);
      return 1;
    }

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  {
    GListModel *devices = ks_device_monitor_get_devices (ks_application_get_device_monitor (app));

    g_signal_connect (devices, "items-changed", G_CALLBACK (devices_changed_cb), NULL);
    devices_changed_cb (devices);
  }

  window = ks_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));

  if (!scroll)
    {
      gint64 first = 0;
      gint64 loaded = 0;
      gint64 first_item = 0;
      gint64 first_request = 0;
      gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

      while (g_get_monotonic_time () < deadline && (first == 0 || loaded == 0 || !screen_of_thumbnails (window)))
        {
          g_main_context_iteration (NULL, FALSE);
          if (ready_at != 0 && first == 0 && screen_of_thumbnails (window))
            first = g_get_monotonic_time ();
          if (ready_at != 0 && loaded == 0 && library_loaded (window))
            loaded = g_get_monotonic_time ();
          if (ready_at != 0 && first_item == 0 && _ks_window_get_assets (window) != NULL
              && g_list_model_get_n_items (_ks_window_get_assets (window)) > 0)
            first_item = g_get_monotonic_time ();
          if (ready_at != 0 && first_request == 0
              && ks_thumbnailer_get_n_started (ks_application_get_thumbnailer (app)) > 0)
            first_request = g_get_monotonic_time ();
          g_usleep (1000);
        }

      if (first == 0 || loaded == 0)
        {
          g_printerr ("the grid never showed a screen of thumbnails\n");
          return 1;
        }

      {
        double first_s = (first - ready_at) / 1e6;
        double loaded_s = (loaded - ready_at) / 1e6;
        double settled_s = (g_get_monotonic_time () - ready_at) / 1e6;

        g_print ("device ready → first assets in the model: %.2f s\n", (first_item - ready_at) / 1e6);
        g_print ("device ready → first thumbnail started: %.2f s\n", (first_request - ready_at) / 1e6);
        g_print ("device ready → first screen of thumbnails: %.2f s\n", first_s);
        g_print ("device ready → whole library of %u listed: %.2f s\n",
                 g_list_model_get_n_items (_ks_window_get_assets (window)), loaded_s);
        g_print ("device ready → final top screen of thumbnails: %.2f s\n", settled_s);
        g_print ("thumbnails decoded: %u\n",
                 ks_thumbnailer_get_n_started (ks_application_get_thumbnailer (app)));
        if (goal > 0 && first_s > goal)
          ok = FALSE;
      }
    }
  else
    {
      GtkGridView *grid_view = ks_photo_grid_get_grid_view (_ks_window_get_photo_grid (window));
      GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (grid_view));
      gint64 deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
      guint64 rss_before;
      guint frames = 0;

      while (g_get_monotonic_time () < deadline && !library_loaded (window))
        g_main_context_iteration (NULL, TRUE);
      if (!library_loaded (window))
        {
          g_printerr ("the library never finished loading\n");
          return 1;
        }
      ks_ui_test_iterate (500);
      rss_before = peak_rss_kb ();
      start = g_get_monotonic_time ();

      /* A fast flick: one page per frame (~60 Hz) from the top to the end. */
      while (g_get_monotonic_time () < deadline)
        {
          double value = gtk_adjustment_get_value (adjustment);
          double page = gtk_adjustment_get_page_size (adjustment);
          double end = gtk_adjustment_get_upper (adjustment) - page;

          if (value >= end - 1)
            break;
          gtk_adjustment_set_value (adjustment, MIN (value + page, end));
          ks_ui_test_iterate (16);
          frames++;
        }
      ks_ui_test_wait_thumbnails (window, 30000);

      g_print ("scrolled %u assets end to end in %u pages, %.1f s\n",
               g_list_model_get_n_items (_ks_window_get_assets (window)), frames,
               (g_get_monotonic_time () - start) / 1e6);
      g_print ("peak RSS: %.1f MB before scrolling, %.1f MB after\n",
               rss_before / 1024.0, peak_rss_kb () / 1024.0);
      g_print ("thumbnails decoded: %u\n",
               ks_thumbnailer_get_n_started (ks_application_get_thumbnailer (app)));
      if (goal > 0 && peak_rss_kb () / 1024.0 > goal)
        ok = FALSE;
    }

  gtk_window_destroy (GTK_WINDOW (window));
  g_application_release (G_APPLICATION (app));
  g_object_unref (app);

  return ok ? 0 : 1;
}
