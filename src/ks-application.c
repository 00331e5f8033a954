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
#include "ks-backup-service.h"
#include "ks-device.h"
#include "ks-drive-eject.h"
#include "ks-preferences-window.h"
#include "ks-settings.h"
#include "ks-background-monitor.h"
#include "ks-window.h"

struct _KsApplication
{
  AdwApplication parent_instance;

  GSettings       *settings;
  KsDeviceMonitor *device_monitor;
  KsThumbnailer   *thumbnailer;
  KsCatalog       *catalog;
  GError          *catalog_error;
  KsBackupPlan    *plan;
  KsBackupService *backup_service;
  GCancellable    *cancellable;
  guint            watch_ids[2];
  guint            notifiers;
  guint            held_runs;
  KsBackgroundMonitor *background;
  gboolean         start_in_background;   /* --background: the first activation opens no window */
};

G_DEFINE_FINAL_TYPE (KsApplication, ks_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_BACKUP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
    {
      if (self->catalog_error != NULL)
        g_propagate_error (error, g_error_copy (self->catalog_error));
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                             _("The backup catalog is still being opened"));
    }

  return self->catalog;
}

/**
 * ks_application_get_backup_service:
 *
 * Returns: (transfer none) (nullable): the service that runs backups, or %NULL until the
 *   catalog is open (then #KsApplication:backup-service is notified) or if it cannot be
 */
KsBackupService *
ks_application_get_backup_service (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->backup_service;
}

/**
 * ks_application_get_backup_plan:
 *
 * Returns: (transfer none) (nullable): the backup plan, once the catalog is open
 */
KsBackupPlan *
ks_application_get_backup_plan (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->plan;
}

/**
 * ks_application_get_background_monitor:
 *
 * Returns: (transfer none) (nullable): what backs phones up when they are plugged in, once
 *   the catalog is open
 */
KsBackgroundMonitor *
ks_application_get_background_monitor (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->background;
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

/* A run started in a window goes on when the window closes: the application holds itself
 * until every run has finished, and says how it ended when no window is there to show it. */
static void
run_queued_cb (KsApplication *self,
               KsBackupRun   *run)
{
  g_assert (KS_IS_APPLICATION (self));

  self->held_runs++;
  g_application_hold (G_APPLICATION (self));
}

static char *
describe_finished_run (KsBackupRun  *run,
                       char        **out_title)
{
  const KsImportResult *result = ks_backup_run_get_result (run);
  const GError *error = ks_backup_run_get_error (run);
  g_autofree char *source = ks_source_dup_display_name (ks_backup_run_get_source (run));
  guint n_dests = ks_backup_run_get_destinations (run)->len;
  guint copied = result ? result->copied : 0;

  if (error != NULL)
    {
      *out_title = g_strdup (g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED)
                             ? _("Backup Stopped") : _("Backup Failed"));
      /* Translators: the first %s is a device name, the second why a backup stopped */
      return g_strdup_printf (_("%s: %s"), source, error->message);
    }

  if (result != NULL && result->failed > 0)
    {
      *out_title = g_strdup (_("Backup Finished with Errors"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u file of %s could not be backed up",
                                           "%u files of %s could not be backed up",
                                           result->failed),
                              result->failed, source);
    }

  *out_title = g_strdup (_("Backup Finished"));
  if (copied == 0)
    /* Translators: %s is a device name */
    return g_strdup_printf (_("Everything on %s was already backed up"), source);

  /* Translators: "%u new files from <device> backed up to <N> destinations" */
  {
    g_autofree char *files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "%u new file from %s",
                                                           "%u new files from %s", copied),
                                              copied, source);

    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%s backed up to %u destination",
                                         "%s backed up to %u destinations", n_dests),
                            files, n_dests);
  }
}

/* A backup that stored to drives offers to eject them, as the window's toast does: "Eject",
 * or one "Eject “Passport”" per drive when there are several. */
static void
add_eject_buttons (GNotification *notification,
                   KsBackupRun   *run)
{
  g_autoptr(GPtrArray) drives = ks_run_drive_list (run);

  for (guint i = 0; i < drives->len; i++)
    {
      KsRunDrive *drive = g_ptr_array_index (drives, i);
      g_autofree char *label = NULL;

      if (drives->len == 1)
        label = g_strdup (_("Eject"));
      else
        /* Translators: a button of the notification that a backup finished; %s is a drive's name */
        label = g_strdup_printf (_("Eject “%s”"), drive->name);
      g_notification_add_button_with_target (notification, label, "app.eject-drive", "(sss)",
                                             drive->path, drive->name,
                                             drive->uuid != NULL ? drive->uuid : "");
    }
}

static void
run_finished_cb (KsApplication *self,
                 KsBackupRun   *run)
{
  g_assert (KS_IS_APPLICATION (self));

  /* With a window, the window shows the result (and notifies when it is not focused). */
  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL && self->notifiers != 0)
    {
      g_autofree char *title = NULL;
      g_autofree char *body = describe_finished_run (run, &title);
      g_autoptr(GNotification) notification = g_notification_new (title);

      g_notification_set_body (notification, body);
      if (ks_backup_run_get_error (run) == NULL)
        add_eject_buttons (notification, run);
      g_application_send_notification (G_APPLICATION (self), "backup-finished", notification);
    }

  if (self->held_runs > 0)
    {
      self->held_runs--;
      g_application_release (G_APPLICATION (self));
    }
}

static void
catalog_ready_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(KsApplication) self = user_data;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  catalog = ks_catalog_new_finish (result, &error);
  if (catalog == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("The backup catalog cannot be opened: %s", error->message);
      self->catalog_error = g_steal_pointer (&error);
      return;
    }

  plan = ks_backup_plan_new (catalog, &error);
  if (plan == NULL || !ks_settings_set_up_plan (self->settings, plan, &error))
    {
      g_message ("The backup plan cannot be read: %s", error->message);
      self->catalog_error = g_steal_pointer (&error);
      return;
    }

  self->catalog = g_steal_pointer (&catalog);
  self->plan = g_steal_pointer (&plan);
  self->backup_service = ks_backup_service_new (self->catalog, self->plan);
  g_signal_connect_object (self->backup_service, "run-queued",
                           G_CALLBACK (run_queued_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->backup_service, "run-finished",
                           G_CALLBACK (run_finished_cb), self, G_CONNECT_SWAPPED);

  /* Phones switched on are backed up when they are plugged in, as long as the application
   * runs: with a window, or started at login without one. */
  self->background = ks_background_monitor_new (G_APPLICATION (self),
                                                ks_application_get_device_monitor (self),
                                                self->backup_service);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "preferences")),
                               TRUE);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "auto-backup-device")),
                               TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKUP_SERVICE]);
}

static void
ks_application_activate (GApplication *app)
{
  GtkWindow *window;

  g_assert (KS_IS_APPLICATION (app));

  /* Started at login: no window, only the monitor, held for as long as the session lasts.
   * Opening Keepsake later activates this instance again, and shows the window. */
  if (KS_APPLICATION (app)->start_in_background)
    {
      KS_APPLICATION (app)->start_in_background = FALSE;
      g_application_hold (app);
      return;
    }

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

/* A notification's answer: ("UDID", TRUE) backs that phone up whenever it is plugged in. */
static void
ks_application_auto_backup_device_action (GSimpleAction *action,
                                          GVariant      *parameter,
                                          gpointer       user_data)
{
  KsApplication *self = user_data;
  const char *udid;
  gboolean automatic;

  g_assert (KS_IS_APPLICATION (self));

  g_variant_get (parameter, "(&sb)", &udid, &automatic);
  if (self->background != NULL)
    ks_background_monitor_set_device (self->background, udid, automatic);
}

static void
drive_ejected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(KsApplication) self = user_data;
  g_autofree char *message = NULL;

  ks_drive_eject_finish (result, &message);
  if (message != NULL)
    {
      g_autoptr(GNotification) notification = g_notification_new (message);

      g_application_send_notification (G_APPLICATION (self), "drive-ejected", notification);
    }
  g_application_release (G_APPLICATION (self));
}

/* The Eject button of a notification that a backup finished: (folder on the drive, drive's
 * name, its file system UUID or ""). What came of it is a notification too. */
static void
ks_application_eject_drive_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  KsApplication *self = user_data;
  const char *path, *name, *uuid;

  g_assert (KS_IS_APPLICATION (self));

  g_variant_get (parameter, "(&s&s&s)", &path, &name, &uuid);
  if (!g_path_is_absolute (path))
    return;

  /* Started by the notification alone, the application stays until the drive is ejected. */
  g_application_hold (G_APPLICATION (self));
  ks_drive_eject_async (path, name, *uuid != '\0' ? uuid : NULL, self->backup_service,
                        gtk_application_get_active_window (GTK_APPLICATION (self)), NULL,
                        drive_ejected_cb, g_object_ref (self));
}

static int
ks_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  KsApplication *self = KS_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  if (!g_variant_dict_contains (options, "background"))
    return -1;

  /* Already running (the window is open, or an earlier login started it): nothing to add. */
  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (app))
    return 0;

  self->start_in_background = TRUE;
  return -1;
}

static const GActionEntry app_actions[] = {
  { "auto-backup-device", ks_application_auto_backup_device_action, "(sb)" },
  { "eject-drive", ks_application_eject_drive_action, "(sss)" },
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

  /* Preferences edit the backup plan, which lives in the catalog: usable once it is open. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "preferences")),
                               FALSE);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "auto-backup-device")),
                               FALSE);
  ks_catalog_new_async (NULL, self->cancellable, catalog_ready_cb, g_object_ref (self));

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
  KsApplication *self = KS_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);

  /* Quitting stops the runs cleanly: what was made durable is kept and recorded, the rest
   * removed. A run stops within a file's write; do not wait forever for a stuck device. */
  if (self->backup_service != NULL && ks_backup_service_is_busy (self->backup_service))
    {
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      ks_backup_service_cancel_all (self->backup_service);
      while (ks_backup_service_is_busy (self->backup_service)
             && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
    }

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
  g_clear_object (&self->background);
  g_clear_object (&self->backup_service);
  g_clear_object (&self->plan);
  g_clear_object (&self->catalog);
  g_clear_error (&self->catalog_error);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_application_parent_class)->dispose (object);
}

static void
ks_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsApplication *self = KS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_BACKUP_SERVICE:
      g_value_set_object (value, ks_application_get_backup_service (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_application_class_init (KsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ks_application_dispose;
  object_class->get_property = ks_application_get_property;

  properties[PROP_BACKUP_SERVICE] =
    g_param_spec_object ("backup-service", NULL, NULL, KS_TYPE_BACKUP_SERVICE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  app_class->activate = ks_application_activate;
  app_class->handle_local_options = ks_application_handle_local_options;
  app_class->startup = ks_application_startup;
  app_class->shutdown = ks_application_shutdown;
}

static void
ks_application_init (KsApplication *self)
{
  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();

  g_application_add_main_option (G_APPLICATION (self), "background", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Start without a window, to back up iPhones when they are plugged in"),
                                 NULL);
}
