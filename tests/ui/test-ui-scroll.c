/* test-ui-scroll.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A 5,000-item library in the grid: it fills, scrolling to the end binds the last items and
 * gives them thumbnails (or the broken-image placeholder), and the grid keeps only about a
 * screenful of cells however far it scrolls. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "ks-application.h"
#include "ks-photo-cell.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS 120000
#define N_ASSETS 5000

static KsApplication *app;
static KsTestEmulator *emulator;
static char *home;

typedef struct
{
  KsWindow *window;
  KsAsset  *asset;
} BoundWait;

static gboolean
is_bound_with_thumbnail (gpointer data)
{
  BoundWait *wait = data;
  g_autoptr(GPtrArray) cells = ks_photo_grid_list_bound_cells (_ks_window_get_photo_grid (wait->window));

  for (guint i = 0; i < cells->len; i++)
    {
      KsPhotoCell *cell = g_ptr_array_index (cells, i);

      if (ks_photo_cell_get_asset (cell) == wait->asset)
        {
          KsPhotoCellThumbnail state = ks_photo_cell_get_thumbnail_state (cell);

          return state == KS_PHOTO_CELL_LOADED || state == KS_PHOTO_CELL_BROKEN
                 || state == KS_PHOTO_CELL_NO_PREVIEW;
        }
    }

  return FALSE;
}

/* What the keyboard does (Ctrl+End and friends): GtkListBase's own "scroll to item". Setting
 * the adjustment to the very end instead lands past GTK 4.8's height estimate and warns. */
static void
scroll_to (KsWindow *window,
           double    fraction)
{
  GtkGridView *grid_view = ks_photo_grid_get_grid_view (_ks_window_get_photo_grid (window));
  guint n = g_list_model_get_n_items (_ks_window_get_assets (window));
  guint position = (guint) ((n - 1) * fraction);

  gtk_widget_activate_action (GTK_WIDGET (grid_view), "list.scroll-to-item", "u", position);
}

static void
assert_few_cells (KsWindow *window)
{
  g_autoptr(GPtrArray) cells = ks_photo_grid_list_bound_cells (_ks_window_get_photo_grid (window));

  /* Cells are recycled: a few screenfuls at most, never one per item. */
  g_assert_cmpuint (cells->len, >, 0);
  g_assert_cmpuint (cells->len, <, 500);
}

static void
test_scroll_to_end (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *library = g_build_filename (home, "library", NULL);
  KsWindow *window;
  GListModel *assets;
  gint64 start;
  BoundWait wait;

  g_assert_true (ks_test_make_sample_library (library, N_ASSETS, 5, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error, "--device", library, "--name", "Big iPhone", NULL);
  g_assert_no_error (error);

  window = ks_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  start = g_get_monotonic_time ();
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_test_message ("Grid shown after %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_true (ks_ui_test_wait_thumbnails (window, WAIT_MS));
  g_test_message ("First screen of thumbnails after %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  g_test_message ("Library of %u read after %.2f s",
                  g_list_model_get_n_items (_ks_window_get_assets (window)),
                  (g_get_monotonic_time () - start) / 1e6);

  assets = _ks_window_get_assets (window);
  g_assert_cmpuint (g_list_model_get_n_items (assets), ==, N_ASSETS);
  assert_few_cells (window);

  /* To the middle, then to the very end: the oldest item gets bound and its thumbnail. */
  scroll_to (window, 0.5);
  ks_ui_test_iterate (200);
  assert_few_cells (window);

  wait.window = window;
  wait.asset = g_list_model_get_item (assets, N_ASSETS - 1);
  g_object_unref (wait.asset); /* the model keeps it */
  scroll_to (window, 1.0);
  g_assert_true (ks_ui_test_wait_for (is_bound_with_thumbnail, &wait, WAIT_MS));
  assert_few_cells (window);
  g_assert_true (ks_ui_test_wait_thumbnails (window, WAIT_MS));
  ks_ui_test_screenshot (GTK_WIDGET (window), "scrolled-to-end");

  /* And back to the newest. */
  wait.asset = g_list_model_get_item (assets, 0);
  g_object_unref (wait.asset);
  scroll_to (window, 0.0);
  g_assert_true (ks_ui_test_wait_for (is_bound_with_thumbnail, &wait, WAIT_MS));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  home = ks_ui_test_isolate_home ();

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
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Grid/scroll-to-end", test_scroll_to_end);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (home);

  return ret;
}
