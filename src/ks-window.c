/* ks-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The main window: header bar with the primary menu, and the page that fits the situation.
 * It remembers its size in GSettings. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-window.h"

struct _KsWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *no_device_page;
};

G_DEFINE_FINAL_TYPE (KsWindow, ks_window, ADW_TYPE_APPLICATION_WINDOW)

KsWindow *
ks_window_new (KsApplication *application)
{
  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  return g_object_new (KS_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

static void
ks_window_constructed (GObject *object)
{
  KsWindow *self = (KsWindow *)object;
  GtkApplication *app;
  GSettings *settings;

  G_OBJECT_CLASS (ks_window_parent_class)->constructed (object);

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (app == NULL || !KS_IS_APPLICATION (app))
    return;

  settings = ks_application_get_settings (KS_APPLICATION (app));
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
}

static void
ks_window_class_init (KsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ks_window_constructed;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/ks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, no_device_page);
}

static void
ks_window_init (KsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
