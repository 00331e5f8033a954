/* test-ui-library.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The phone's Photos library in the window (an emulated iPhone with an iOS 17 Photos.sqlite):
 * under the devices the sidebar shows Library, Favourites, Screenshots, Recently Deleted and
 * the albums (Hidden only once asked for); each shows exactly its photos in the grid, and a
 * row above the grid says how many are only in iCloud. */

#include "config.h"

#include <adwaita.h>

#include "ks-application.h"
#include "ks-photo-cell.h"
#include "ks-photo-grid.h"
#include "ks-protection-panel.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS 60000

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static char *home;
static char *manifest_path;

static gboolean
sidebar_has (gpointer data)
{
  return ks_ui_test_find_by_label (GTK_WIDGET (window->sidebar), data) != NULL;
}

static void
click_library_row (const char *label)
{
  GtkWidget *widget;
  GtkWidget *row;

  g_assert_true (ks_ui_test_wait_for (sidebar_has, (gpointer) label, WAIT_MS));
  widget = ks_ui_test_find_by_label (GTK_WIDGET (window->sidebar), label);
  row = gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_BOX_ROW);
  g_assert_nonnull (row);
  g_signal_emit_by_name (gtk_widget_get_parent (row), "row-activated", row);
}

typedef gboolean (*AssetTest) (KsAsset *asset);

static guint
count_in (GListModel *assets,
          AssetTest   test)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (assets); i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (assets, i);

      n += test (asset);
    }
  return n;
}

/* The library's assets that pass @test: those on the phone, and those only in iCloud that
 * the grid shows after them. */
static guint
count_assets (AssetTest test)
{
  return count_in (_ks_window_get_assets (window), test) +
         count_in (ks_photo_grid_get_icloud_only (_ks_window_get_photo_grid (window)), test);
}

static gboolean
icloud_only (KsAsset *asset)
{
  return (ks_asset_get_flags (asset) & KS_ASSET_FLAG_ICLOUD_ONLY) != 0;
}

static gboolean
shown (KsAsset *asset)
{
  return !(ks_asset_get_flags (asset) & (KS_ASSET_FLAG_HIDDEN | KS_ASSET_FLAG_TRASHED));
}

static gboolean
favourite (KsAsset *asset)
{
  return shown (asset) && (ks_asset_get_flags (asset) & KS_ASSET_FLAG_FAVORITE);
}

static gboolean
trashed (KsAsset *asset)
{
  return (ks_asset_get_flags (asset) & KS_ASSET_FLAG_TRASHED) != 0;
}

static gboolean
hidden (KsAsset *asset)
{
  return !trashed (asset) && (ks_asset_get_flags (asset) & KS_ASSET_FLAG_HIDDEN);
}

static gboolean
in_italy (KsAsset *asset)
{
  return shown (asset) && ks_asset_is_in_album (asset, "Trips/Italy 2023");
}

/* Loaded: the grid shows all but Hidden and Recently Deleted, so ks_ui_test_wait_library_loaded()
 * (which waits for it to show everything) does not apply. */
static gboolean
loaded (gpointer data)
{
  GListModel *assets = _ks_window_get_assets (window);

  return assets != NULL && !ks_asset_model_get_loading (KS_ASSET_MODEL (assets))
         && g_list_model_get_n_items (assets) > 0;
}

static gboolean
grid_shows (gpointer data)
{
  return ks_photo_grid_get_n_shown (_ks_window_get_photo_grid (window)) == GPOINTER_TO_UINT (data);
}

static void
assert_grid_shows (guint n)
{
  if (!ks_ui_test_wait_for (grid_shows, GUINT_TO_POINTER (n), WAIT_MS))
    g_error ("the grid shows %u, expected %u", ks_photo_grid_get_n_shown (_ks_window_get_photo_grid (window)), n);
}

static gboolean
panel_counted (gpointer data)
{
  return ks_protection_panel_get_count (data, KS_PROTECTION_NOT_321) +
         ks_protection_panel_get_count (data, KS_PROTECTION_ONLY_ON_DEVICE) > 0;
}

static void
test_library (void)
{
  g_autoptr(GKeyFile) manifest = g_key_file_new ();
  g_autofree char *expected_icloud = NULL;
  GtkWidget *icloud;

  g_assert_true (g_key_file_load_from_file (manifest, manifest_path, 0, NULL));

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (loaded, NULL, WAIT_MS));

  /* The library and the albums, in their folders; Hidden only when asked for. */
  g_assert_true (ks_ui_test_wait_for (sidebar_has, (gpointer) "Favourites", WAIT_MS));
  g_assert_true (sidebar_has ((gpointer) "Recently Deleted"));
  g_assert_true (sidebar_has ((gpointer) "Screenshots"));
  g_assert_true (sidebar_has ((gpointer) "Family"));
  g_assert_true (sidebar_has ((gpointer) "Trips"));
  g_assert_true (sidebar_has ((gpointer) "Summer"));
  g_assert_true (sidebar_has ((gpointer) "Beach"));
  g_assert_false (sidebar_has ((gpointer) "Old trip"));
  g_assert_false (sidebar_has ((gpointer) "Hidden"));

  /* What is only in iCloud, above the grid, with its size. */
  {
    g_autofree char *size = g_format_size (g_key_file_get_uint64 (manifest, "library", "icloud_only_bytes", NULL));

    expected_icloud = g_strdup_printf ("%d photos and videos (%s) are only in iCloud and can’t be copied over USB",
                                       g_key_file_get_integer (manifest, "library", "icloud_only", NULL), size);
  }
  icloud = ks_ui_test_find_by_label (GTK_WIDGET (window->library_page), expected_icloud);
  g_assert_nonnull (icloud);
  g_assert_true (gtk_widget_is_visible (icloud));
  g_assert_true (count_assets (shown) > 0);

  /* Nothing is backed up yet, but what iCloud Photos holds has an offsite copy there: those
   * are backed up though not by the 3-2-1 rule; the few still waiting for upload are only
   * on this iPhone. Every photo of the grid is one or the other. */
  {
    KsProtectionPanel *panel = KS_PROTECTION_PANEL (_ks_library_page_get_protection_panel (window->library_page));
    GListModel *assets = _ks_window_get_assets (window);
    guint in_icloud = 0;

    g_assert_true (ks_ui_test_wait_for (panel_counted, panel, WAIT_MS));
    for (guint i = 0; i < g_list_model_get_n_items (assets); i++)
      {
        g_autoptr(KsAsset) asset = g_list_model_get_item (assets, i);

        in_icloud += (ks_asset_get_flags (asset) & KS_ASSET_FLAG_IN_ICLOUD) != 0;
      }
    g_assert_cmpuint (in_icloud, >, 0);
    g_assert_cmpuint (in_icloud, <, g_list_model_get_n_items (assets));
    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_NOT_321), ==, in_icloud);
    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_ONLY_ON_DEVICE), ==,
                      g_list_model_get_n_items (assets) - in_icloud);
  }

  /* The whole library: neither Hidden nor Recently Deleted. */
  assert_grid_shows (count_assets (shown));
  ks_ui_test_screenshot (GTK_WIDGET (window), "photos-library");

  /* What is only in iCloud is in the grid, each with its cloud and without a thumbnail, and
   * never selected: selecting everything selects what is on the phone. */
  {
    KsPhotoGrid *grid = _ks_window_get_photo_grid (window);
    GListModel *placeholders = ks_photo_grid_get_icloud_only (grid);
    g_autoptr(GPtrArray) selected = NULL;
    g_autoptr(GPtrArray) cells = NULL;
    guint clouds = 0;

    g_assert_cmpuint (g_list_model_get_n_items (placeholders), ==,
                      g_key_file_get_integer (manifest, "library", "icloud_only", NULL));
    g_assert_cmpuint (count_in (placeholders, icloud_only), ==, g_list_model_get_n_items (placeholders));
    g_assert_cmpuint (count_in (_ks_window_get_assets (window), icloud_only), ==, 0);

    ks_photo_grid_select_all (grid);
    ks_ui_test_iterate (100);
    selected = ks_photo_grid_dup_selected (grid);
    g_assert_cmpuint (selected->len, ==, count_in (_ks_window_get_assets (window), shown));
    g_assert_cmpuint (ks_photo_grid_get_n_selected (grid), ==, selected->len);
    for (guint i = 0; i < selected->len; i++)
      g_assert_false (icloud_only (g_ptr_array_index (selected, i)));
    ks_photo_grid_unselect_all (grid);

    gtk_widget_activate_action (GTK_WIDGET (ks_photo_grid_get_grid_view (grid)), "list.scroll-to-item", "u",
                                ks_photo_grid_get_n_shown (grid) - 1);
    ks_ui_test_iterate (300);
    cells = ks_photo_grid_list_visible_cells (grid);
    for (guint i = 0; i < cells->len; i++)
      {
        KsPhotoCell *cell = g_ptr_array_index (cells, i);

        if (ks_photo_cell_get_asset (cell) != NULL && icloud_only (ks_photo_cell_get_asset (cell)))
          {
            clouds++;
            g_assert_cmpint (ks_photo_cell_get_thumbnail_state (cell), ==, KS_PHOTO_CELL_NO_PREVIEW);
            g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cell), "icloud-only"));
          }
      }
    g_assert_cmpuint (clouds, >, 0);
    ks_ui_test_screenshot (GTK_WIDGET (window), "photos-library-icloud-only");
  }

  click_library_row ("Favourites");
  g_assert_cmpuint (count_assets (favourite), >, 0);
  assert_grid_shows (count_assets (favourite));
  ks_ui_test_screenshot (GTK_WIDGET (window), "photos-library-favourites");

  click_library_row ("Recently Deleted");
  g_assert_cmpuint (count_assets (trashed), >, 0);
  assert_grid_shows (count_assets (trashed));

  click_library_row ("Italy 2023");
  g_assert_cmpuint (count_assets (in_italy), >, 0);
  assert_grid_shows (count_assets (in_italy));

  click_library_row ("Show Hidden Album");
  g_assert_true (ks_ui_test_wait_for (sidebar_has, (gpointer) "Hidden", WAIT_MS));
  g_assert_cmpuint (count_assets (hidden), >, 0);
  assert_grid_shows (count_assets (hidden));

  click_library_row ("Library");
  assert_grid_shows (count_assets (shown));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_null (window);
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
  manifest_path = g_build_filename (home, "manifest.ini", NULL);

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  {
    const char *argv_gen[] = { g_getenv ("KS_SAMPLE_LIBRARY"), "--out", phone, "--count", "30", "--fast",
                               "--ios", "17", "--manifest", manifest_path, NULL };
    int status = 0;

    g_assert_nonnull (argv_gen[0]);
    g_spawn_sync (NULL, (char **) argv_gen, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  emulator = ks_test_emulator_new (&error, "--device", phone, "--name", "Anna’s iPhone", NULL);
  g_assert_no_error (error);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/photos-library", test_library);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (manifest_path);
  g_free (home);

  return ret;
}
