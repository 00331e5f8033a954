/* ks-ui-test-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Helpers for tests that drive the main window against the emulated iPhone: a private home
 * folder, waits for what the user would see (a page, thumbnails, the end of a backup), and
 * checks of the files a backup wrote. */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ks-device-source.h"
#include "ks-photo-cell.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

/**
 * ks_ui_test_isolate_home:
 *
 * Points HOME and the XDG folders at a new temporary folder (with a Pictures folder), so the
 * catalog, thumbnails and the default destination are the test's own. Call it first in main(),
 * before GLib caches those folders.
 *
 * Returns: (transfer full): the temporary folder
 */
char *
ks_ui_test_isolate_home (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *user_dirs = NULL;
  g_autofree char *data = NULL;
  g_autofree char *cache = NULL;
  char *root;

  root = g_dir_make_tmp ("keepsake-ui-XXXXXX", &error);
  g_assert_no_error (error);

  config = g_build_filename (root, "config", NULL);
  g_mkdir_with_parents (config, 0700);
  user_dirs = g_build_filename (config, "user-dirs.dirs", NULL);
  g_file_set_contents (user_dirs, "XDG_PICTURES_DIR=\"$HOME/Pictures\"\n", -1, &error);
  g_assert_no_error (error);

  data = g_build_filename (root, "data", NULL);
  cache = g_build_filename (root, "cache", NULL);
  g_setenv ("HOME", root, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);

  return root;
}

typedef struct
{
  KsWindow   *window;
  const char *page;
} PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *wait = data;

  return g_strcmp0 (_ks_window_get_page (wait->window), wait->page) == 0;
}

gboolean
ks_ui_test_wait_page (KsWindow   *window,
                      const char *page,
                      guint       timeout_ms)
{
  PageWait wait = { window, page };

  return ks_ui_test_wait_for (page_is, &wait, timeout_ms);
}

static gboolean
library_loaded (gpointer data)
{
  KsWindow *window = data;
  GListModel *assets = _ks_window_get_assets (window);

  /* The grid filters incrementally: on a loaded machine it shows the last items a little
   * after the model has them. */
  return assets != NULL
         && !ks_asset_model_get_loading (KS_ASSET_MODEL (assets))
         && g_list_model_get_n_items (assets) > 0
         && ks_photo_grid_get_n_shown (_ks_window_get_photo_grid (window)) == g_list_model_get_n_items (assets)
         && ks_copy_counter_is_known (_ks_window_get_backup_index (window));
}

gboolean
ks_ui_test_wait_library_loaded (KsWindow *window,
                                guint     timeout_ms)
{
  return ks_ui_test_wait_for (library_loaded, window, timeout_ms);
}

static gboolean
thumbnails_done (gpointer data)
{
  KsWindow *window = data;
  g_autoptr(GPtrArray) cells = ks_photo_grid_list_visible_cells (_ks_window_get_photo_grid (window));

  if (cells->len == 0)
    return FALSE;

  for (guint i = 0; i < cells->len; i++)
    {
      KsPhotoCellThumbnail state = ks_photo_cell_get_thumbnail_state (g_ptr_array_index (cells, i));

      if (state != KS_PHOTO_CELL_LOADED && state != KS_PHOTO_CELL_BROKEN)
        return FALSE;
    }

  return TRUE;
}

gboolean
ks_ui_test_wait_thumbnails (KsWindow *window,
                            guint     timeout_ms)
{
  return ks_ui_test_wait_for (thumbnails_done, window, timeout_ms);
}

static gboolean
job_done (gpointer data)
{
  return !_ks_window_get_job_running (data);
}

gboolean
ks_ui_test_wait_job_done (KsWindow *window,
                          guint     timeout_ms)
{
  return ks_ui_test_wait_for (job_done, window, timeout_ms);
}

void
ks_ui_test_screenshot (GtkWidget  *widget,
                       const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  /* Let the last frame (and revealer animations) settle. A widget in the middle of a relayout
   * has no render node yet: try again after the next frames. */
  ks_ui_test_iterate (300);
  for (guint i = 0; i < 50; i++)
    {
      g_clear_error (&error);
      path = ks_ui_test_save_screenshot (widget, name, &error);
      if (path != NULL)
        break;
      gtk_widget_queue_draw (widget);
      ks_ui_test_iterate (100);
    }
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

static void
list_files (GPtrArray  *files,
            const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;

  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      /* The destination's own bookkeeping is not a backed-up file. */
      if (g_str_equal (name, ".keepsake"))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        list_files (files, path);
      else
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
}

/**
 * ks_ui_test_list_files:
 *
 * Returns: (transfer full) (element-type utf8): every file under @dir, recursively, sorted
 */
GPtrArray *
ks_ui_test_list_files (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  list_files (files, dir);
  g_ptr_array_sort (files, compare_paths);
  return files;
}

void
ks_ui_test_assert_same_bytes (const char *a,
                              const char *b)
{
  g_autofree char *a_data = NULL;
  g_autofree char *b_data = NULL;
  gsize a_len, b_len;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (a, &a_data, &a_len, &error);
  g_assert_no_error (error);
  g_file_get_contents (b, &b_data, &b_len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a_data, a_len, b_data, b_len);
}

/**
 * ks_ui_test_stop_idle_threads:
 *
 * Lets the worker threads that talked TLS to the emulator exit before the process does.
 * OpenSSL keeps per-thread state that it frees when a thread exits; GLib keeps idle pool
 * threads around for reuse, and LeakSanitizer does not always see that state from them.
 * Call it at the end of main(), after the application is gone.
 */
void
ks_ui_test_stop_idle_threads (void)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_stop_unused_threads ();
  while (g_thread_pool_get_num_unused_threads () > 0 && g_get_monotonic_time () < deadline)
    {
      g_thread_pool_stop_unused_threads ();
      g_usleep (10000);
    }
  /* Unused threads wait a while before they leave, uncounted: wait until they are gone
   * (see ks_ui_test_wait_pool_threads_exit()). */
  ks_ui_test_wait_pool_threads_exit (30000);
}

char *
ks_ui_test_checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
}

/* (transfer container) (element-type KsAsset): the library @window shows, as it is now */
GPtrArray *
ks_ui_test_dup_assets (KsWindow *window)
{
  GListModel *model = _ks_window_get_assets (window);
  GPtrArray *ret = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (ret, g_list_model_get_item (model, i));

  return ret;
}

/* The content hashes of every file of @assets, as the emulated iPhone serving @library holds
 * them (@window shows its library). */
GHashTable *
ks_ui_test_device_contents (KsWindow   *window,
                            const char *library,
                            GPtrArray  *assets)
{
  KsDeviceSource *source = KS_DEVICE_SOURCE (_ks_window_get_source (window));
  const char *root = ks_device_source_get_root (source);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < assets->len; i++)
    {
      GPtrArray *files = ks_asset_get_files (g_ptr_array_index (assets, i));

      for (guint j = 0; j < files->len; j++)
        {
          g_autofree char *path = g_build_filename (library, root,
                                                    ks_asset_file_get_path (g_ptr_array_index (files, j)),
                                                    NULL);

          g_hash_table_add (set, ks_ui_test_checksum_file (path));
        }
    }

  return set;
}

/* No temporary or partial file: every file in @dir is one of the device's files, whole, and
 * none twice. Returns the content hashes found. */
GHashTable *
ks_ui_test_assert_only_whole_files (const char *dir,
                                    GHashTable *device_contents)
{
  g_autoptr(GPtrArray) files = ks_ui_test_list_files (dir);
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      char *sum;

      g_assert_null (strstr (base, ".keepsake-tmp-"));
      sum = ks_ui_test_checksum_file (path);
      g_assert_true (g_hash_table_contains (device_contents, sum));
      g_assert_false (g_hash_table_contains (found, sum));
      g_hash_table_add (found, sum);
    }

  return found;
}
