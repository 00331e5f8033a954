/* ks-ui-test-util.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Helpers for in-process window tests: spin the main loop until something a user would see
 * has happened, and save what the window shows as a PNG. */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ks-ui-test-util.h"

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
ks_ui_test_wait_for (gboolean  (*condition) (gpointer data),
                     gpointer    data,
                     guint       timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id;

  id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return condition (data);
}

static gboolean
is_mapped (gpointer data)
{
  /* Mapped is not enough: a user sees the window only once it has been allocated. */
  return gtk_widget_get_mapped (GTK_WIDGET (data)) && gtk_widget_get_width (GTK_WIDGET (data)) > 0;
}

gboolean
ks_ui_test_wait_mapped (GtkWidget *widget,
                        guint      timeout_ms)
{
  return ks_ui_test_wait_for (is_mapped, widget, timeout_ms);
}

void
ks_ui_test_iterate (guint ms)
{
  gboolean timed_out = FALSE;

  g_timeout_add (ms, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * ks_ui_test_save_screenshot:
 * @widget: a mapped widget, usually a window
 * @name: the file name without extension
 *
 * Renders @widget with its own renderer and writes
 * `$G_TEST_BUILDDIR/screenshots/@name.png`.
 *
 * Returns: (transfer full): the path written, or %NULL with @error set
 */
char *
ks_ui_test_save_screenshot (GtkWidget   *widget,
                            const char  *name,
                            GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width, height;

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "widget has no size");
      return NULL;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "widget drew nothing");
      return NULL;
    }

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                          "screenshots", NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "cannot create %s", dir);
      return NULL;
    }

  file_name = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file_name, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return NULL;
    }

  return g_steal_pointer (&path);
}

/**
 * ks_ui_test_find_widget:
 * @match: says whether a widget is the one sought
 *
 * Finds the first widget under @root (itself included), depth first, that @match accepts.
 *
 * Returns: (transfer none) (nullable): the widget
 */
GtkWidget *
ks_ui_test_find_widget (GtkWidget  *root,
                        gboolean  (*match) (GtkWidget *widget,
                                            gpointer   data),
                        gpointer    data)
{
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ks_ui_test_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
shows_label (GtkWidget *widget,
             gpointer   data)
{
  const char *label = data;
  const char *widget_label = NULL;

  if (GTK_IS_BUTTON (widget))
    {
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (widget));

      widget_label = gtk_button_get_label (GTK_BUTTON (widget));
      /* A button with a mnemonic has a label of its own (see src/ks-window.ui): the button is
       * the widget sought, not its label. */
      if (widget_label == NULL && GTK_IS_LABEL (child))
        widget_label = gtk_label_get_label (GTK_LABEL (child));
    }
  else if (GTK_IS_LABEL (widget))
    widget_label = gtk_label_get_label (GTK_LABEL (widget));

  return widget_label != NULL && g_strcmp0 (widget_label, label) == 0 && gtk_widget_is_drawable (widget);
}

/**
 * ks_ui_test_find_by_label:
 *
 * Finds a drawn button or label showing @accessible_label, depth first.
 *
 * Returns: (transfer none) (nullable): the widget
 */
GtkWidget *
ks_ui_test_find_by_label (GtkWidget  *root,
                          const char *accessible_label)
{
  return ks_ui_test_find_widget (root, shows_label, (gpointer)accessible_label);
}

/**
 * ks_ui_test_find_toplevel:
 * @type: a window type (AdwMessageDialog, a preferences window)
 *
 * Returns: (transfer none) (nullable): a shown toplevel of @type
 */
GtkWidget *
ks_ui_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_mapped (w))
        return w;
    }

  return NULL;
}

/* The names of this process's threads that belong to a GLib thread pool: GLib names them
 * "pool-" and the program's name (the pool's spawner thread is none of them). */
static GPtrArray *
list_pool_threads (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  if (dir == NULL)
    return g_steal_pointer (&names);

  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *comm = NULL;

      /* A thread that is gone since the listing has no comm to read. */
      if (!g_file_get_contents (path, &comm, NULL, NULL))
        continue;
      g_strchomp (comm);
      if (g_str_has_prefix (comm, "pool-") && strcmp (comm, "pool-spawner") != 0)
        g_ptr_array_add (names, g_strdup_printf ("%s (%s)", comm, tid));
    }

  return g_steal_pointer (&names);
}

/**
 * ks_ui_test_wait_pool_threads_exit:
 * @timeout_ms: how long to wait at most
 *
 * Waits until no thread of a GLib thread pool is left, so that none is still running, or
 * exiting, while the process exits. The device's workers (GTask threads, the thumbnailer's)
 * talk TLS to the emulator, and OpenSSL frees a thread's state when the thread exits: one
 * that exits while exit() runs OpenSSL's atexit cleanup and LeakSanitizer's check has that
 * state reported as leaked, now and then. A non-exclusive pool's idle thread waits half a
 * second for more work before it leaves, and then exits once no idle thread is kept
 * (g_thread_pool_set_max_unused_threads (0)); g_thread_pool_get_num_unused_threads() does
 * not count it while it waits, so the process's own list of threads is what tells.
 * Call it at the end of main(), after the application is gone.
 *
 * Returns: %TRUE once they are all gone, %FALSE (having said which are left) on timeout
 */
gboolean
ks_ui_test_wait_pool_threads_exit (guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autoptr(GPtrArray) left = NULL;

  g_thread_pool_set_max_unused_threads (0);
  while (TRUE)
    {
      g_thread_pool_stop_unused_threads ();
      g_clear_pointer (&left, g_ptr_array_unref);
      left = list_pool_threads ();
      if (left->len == 0)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        break;
      g_usleep (20000);
    }

  g_ptr_array_add (left, NULL);
  {
    g_autofree char *names = g_strjoinv (", ", (char **)left->pdata);

    g_printerr ("Thread pool threads still running after %u ms: %s\n", timeout_ms, names);
  }
  return FALSE;
}
