/* ks-application.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The application: owns the settings and the app-wide actions (quit, about, preferences),
 * and presents one main window. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-application.h"
#include "ks-device.h"
#include "ks-preferences-window.h"
#include "ks-window.h"

struct _KsApplication
{
  AdwApplication parent_instance;

  GSettings       *settings;
  KsDeviceMonitor *device_monitor;
  KsThumbnailer   *thumbnailer;
  KsCatalog       *catalog;
  guint            watch_ids[2];
  guint            notifiers;
};

G_DEFINE_FINAL_TYPE (KsApplication, ks_application, ADW_TYPE_APPLICATION)

KsApplication *
ks_application_new (void)
{
  return g_object_new (KS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

/**
 * ks_application_get_settings:
 *
 * Returns: (transfer none): the application's #GSettings
 */
GSettings *
ks_application_get_settings (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * ks_application_get_device_monitor:
 *
 * Returns: (transfer none): the monitor of connected iPhones, started
 */
KsDeviceMonitor *
ks_application_get_device_monitor (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  if (self->device_monitor == NULL)
    {
      self->device_monitor = ks_device_monitor_new ();
      ks_device_monitor_start (self->device_monitor);
    }

  return self->device_monitor;
}

/**
 * ks_application_get_thumbnailer:
 *
 * Returns: (transfer none): the thumbnailer shared by all windows
 */
KsThumbnailer *
ks_application_get_thumbnailer (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  if (self->thumbnailer == NULL)
    self->thumbnailer = ks_thumbnailer_new (NULL, 0);

  return self->thumbnailer;
}

/**
 * ks_application_get_catalog:
 *
 * Returns: (transfer none) (nullable): the catalog at its default path, or %NULL with
 *   @error set when it cannot be opened
 */
KsCatalog *
ks_application_get_catalog (KsApplication  *self,
                            GError        **error)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  if (self->catalog == NULL)
    self->catalog = ks_catalog_new (NULL, error);

  return self->catalog;
}

/* GLib warns when it cannot deliver a notification; ask only when someone listens. */
static void
notifier_appeared_cb (GDBusConnection *connection,
                      const char      *name,
                      const char      *owner,
                      gpointer         user_data)
{
  KsApplication *self = user_data;

  self->notifiers |= g_str_equal (name, "org.gtk.Notifications") ? 1 : 2;
}

static void
notifier_vanished_cb (GDBusConnection *connection,
                      const char      *name,
                      gpointer         user_data)
{
  KsApplication *self = user_data;

  self->notifiers &= ~(g_str_equal (name, "org.gtk.Notifications") ? 1 : 2);
}

/**
 * ks_application_can_notify:
 *
 * Returns: whether a desktop notification would reach the user
 */
gboolean
ks_application_can_notify (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), FALSE);

  return self->notifiers != 0;
}

static void
ks_application_activate (GApplication *app)
{
  GtkWindow *window;

  g_assert (KS_IS_APPLICATION (app));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (ks_window_new (KS_APPLICATION (app)));

  gtk_window_present (window);
}

static void
ks_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  KsApplication *self = user_data;
  GList *windows;

  g_assert (KS_IS_APPLICATION (self));

  /* Close windows one by one so each can ask about a running backup. Closing one removes
   * it from the application's list, so walk a copy that holds a reference to each. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  if (windows == NULL)
    {
      g_application_quit (G_APPLICATION (self));
      return;
    }

  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));

  g_list_free_full (windows, g_object_unref);
}

static void
ks_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  static const char *developers[] = { "The Keepsake authors", NULL };
  KsApplication *self = user_data;
  GtkWindow *window;

  g_assert (KS_IS_APPLICATION (self));

  window = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (window,
                         "application-name", _("Keepsake"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Keepsake authors"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Back up the photos and videos on your iPhone, verified"),
                         "website", "https://github.com/keepsake/keepsake",
                         "issue-url", "https://github.com/keepsake/keepsake/issues",
                         "developers", developers,
                         "copyright", "© 2026 The Keepsake authors",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
ks_application_preferences_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  KsApplication *self = user_data;
  KsPreferencesWindow *prefs;
  GtkWindow *window;

  g_assert (KS_IS_APPLICATION (self));

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  prefs = ks_preferences_window_new (self);
  if (window != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (prefs), window);
  if (KS_IS_WINDOW (window))
    {
      g_autofree char *device_name = NULL;
      g_autoptr(KsAsset) example = ks_window_dup_example_asset (KS_WINDOW (window), &device_name);

      ks_preferences_window_set_example_asset (prefs, example, device_name);
    }
  gtk_window_present (GTK_WINDOW (prefs));
}

static const GActionEntry app_actions[] = {
  { "quit", ks_application_quit_action },
  { "about", ks_application_about_action },
  { "preferences", ks_application_preferences_action },
};

static void
ks_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<primary>q", NULL };
  static const char *prefs_accels[] = { "<primary>comma", NULL };
  static const char *close_accels[] = { "<primary>w", NULL };
  KsApplication *self = KS_APPLICATION (app);

  G_APPLICATION_CLASS (ks_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);

  if (g_application_get_dbus_connection (app) != NULL)
    {
      GDBusConnection *bus = g_application_get_dbus_connection (app);

      self->watch_ids[0] = g_bus_watch_name_on_connection (bus, "org.gtk.Notifications",
                                                           G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                           notifier_appeared_cb,
                                                           notifier_vanished_cb,
                                                           self, NULL);
      self->watch_ids[1] = g_bus_watch_name_on_connection (bus, "org.freedesktop.Notifications",
                                                           G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                           notifier_appeared_cb,
                                                           notifier_vanished_cb,
                                                           self, NULL);
    }
}

static void
ks_application_shutdown (GApplication *app)
{
  /* A device still pairing on a worker thread would crash in OpenSSL once exit() tears it
   * down (quitting while the iPhone shows its Trust dialog); pairing takes a second at most. */
  if (!ks_device_wait_for_probes (5000))
    g_message ("A device check is still running; quitting anyway");

  G_APPLICATION_CLASS (ks_application_parent_class)->shutdown (app);
}

static void
ks_application_dispose (GObject *object)
{
  KsApplication *self = (KsApplication *)object;

  for (guint i = 0; i < G_N_ELEMENTS (self->watch_ids); i++)
    g_clear_handle_id (&self->watch_ids[i], g_bus_unwatch_name);
  g_clear_object (&self->settings);
  g_clear_object (&self->device_monitor);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->catalog);

  G_OBJECT_CLASS (ks_application_parent_class)->dispose (object);
}

static void
ks_application_class_init (KsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ks_application_dispose;

  app_class->activate = ks_application_activate;
  app_class->startup = ks_application_startup;
  app_class->shutdown = ks_application_shutdown;
}

static void
ks_application_init (KsApplication *self)
{
  self->settings = g_settings_new (APP_ID);
}
