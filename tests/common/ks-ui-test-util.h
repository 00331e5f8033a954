/* ks-ui-test-util.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean ks_ui_test_wait_for          (gboolean  (*condition) (gpointer data),
                                       gpointer    data,
                                       guint       timeout_ms);
gboolean ks_ui_test_wait_mapped       (GtkWidget  *widget,
                                       guint       timeout_ms);
void     ks_ui_test_iterate           (guint       ms);
char    *ks_ui_test_save_screenshot   (GtkWidget  *widget,
                                       const char *name,
                                       GError    **error);
GtkWidget *ks_ui_test_find_by_label   (GtkWidget  *root,
                                       const char *accessible_label);
GtkWidget *ks_ui_test_find_widget     (GtkWidget  *root,
                                       gboolean  (*match) (GtkWidget *widget,
                                                           gpointer   data),
                                       gpointer    data);
GtkWidget *ks_ui_test_find_toplevel   (GType       type);
gboolean ks_ui_test_wait_pool_threads_exit (guint timeout_ms);

G_END_DECLS
