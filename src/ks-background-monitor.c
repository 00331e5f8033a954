/* ks-background-monitor.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Backups that run by themselves, on the desktop: while the application runs — with a window,
 * or started at login with `--background` and no window — a phone whose switch is on is backed
 * up with the plan when it is plugged in (KsAutoBackup does the deciding), and the person is
 * told through notifications: a run that started by itself, a phone that must be unlocked or
 * trusted first, a phone seen for the first time ("back it up automatically?"), and reminders
 * for phones not backed up for the plan's number of days. */

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ks-application.h"
#include "ks-background-monitor.h"
#include "ks-catalog.h"

#define REMINDER_INTERVAL_S (6 * 60 * 60)

struct _KsBackgroundMonitor
{
  GObject           parent_instance;

  GApplication     *app;        /* unowned: the application owns the monitor */
  KsBackupService  *service;
  KsAutoBackup     *auto_backup;
  GHashTable       *reminded;   /* udid → the day (unix days) it was last reminded */
  guint             reminder_id;
};

G_DEFINE_FINAL_TYPE (KsBackgroundMonitor, ks_background_monitor, G_TYPE_OBJECT)

static char *
notification_id (const char *what,
                 const char *udid)
{
  return g_strdup_printf ("%s-%s", what, udid);
}

static void
notify (KsBackgroundMonitor *self,
        const char          *what,
        const char          *udid,
        GNotification       *notification)
{
  g_autofree char *id = notification_id (what, udid);

  /* GLib warns when nobody can show a notification: say it only when someone listens. */
  if (KS_IS_APPLICATION (self->app) && !ks_application_can_notify (KS_APPLICATION (self->app)))
    {
      g_debug ("No notification server for “%s”", id);
      return;
    }
  g_application_send_notification (self->app, id, notification);
}

static void
run_started_cb (KsBackgroundMonitor *self,
                KsDevice            *device,
                KsBackupRun         *run)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *waiting = notification_id ("waiting", ks_device_get_udid (device));

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  g_application_withdraw_notification (self->app, waiting);
  /* Translators: %s is a device name */
  title = g_strdup_printf (_("Backing Up %s"), ks_device_get_name (device));
  notification = g_notification_new (title);
  g_notification_set_body (notification, _("It was plugged in. Its new photos and videos are being copied to your backup plan."));
  notify (self, "started", ks_device_get_udid (device), notification);
}

static void
device_waiting_cb (KsBackgroundMonitor *self,
                   KsDevice            *device,
                   KsDeviceState        state)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  const char *body;

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  switch (state)
    {
    case KS_DEVICE_STATE_LOCKED:
      /* Translators: %s is a device name */
      title = g_strdup_printf (_("Unlock %s to Back It Up"), ks_device_get_name (device));
      body = _("The backup starts by itself once the iPhone is unlocked.");
      break;
    case KS_DEVICE_STATE_WAITING_FOR_TRUST:
    case KS_DEVICE_STATE_TRUST_DENIED:
    case KS_DEVICE_STATE_PAIRING_LOST:
      /* Translators: %s is a device name */
      title = g_strdup_printf (_("Trust This Computer on %s"), ks_device_get_name (device));
      body = _("Unlock the iPhone and tap Trust; the backup starts by itself then.");
      break;
    default:
      return;
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  notify (self, "waiting", ks_device_get_udid (device), notification);
}

static void
request_failed_cb (KsBackgroundMonitor *self,
                   KsDevice            *device,
                   const GError        *error)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  /* Translators: %s is a device name */
  title = g_strdup_printf (_("%s Could Not Be Backed Up"), ks_device_get_name (device));
  notification = g_notification_new (title);
  g_notification_set_body (notification, error->message);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  notify (self, "failed", ks_device_get_udid (device), notification);
}

static void
device_undecided_cb (KsBackgroundMonitor *self,
                     KsDevice            *device)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  const char *udid = ks_device_get_udid (device);

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  /* Translators: %s is a device name */
  title = g_strdup_printf (_("Back Up %s Automatically?"), ks_device_get_name (device));
  notification = g_notification_new (title);
  g_notification_set_body (notification, _("Keepsake can back up this iPhone with your backup plan whenever it is plugged in."));
  g_notification_add_button_with_target (notification, _("Back Up Automatically"),
                                         "app.auto-backup-device", "(sb)", udid, TRUE);
  g_notification_add_button_with_target (notification, _("Not Now"),
                                         "app.auto-backup-device", "(sb)", udid, FALSE);
  notify (self, "ask", udid, notification);
}

/* The newest successful run of @udid to any destination of the plan, 0 if none. */
static gint64
last_backup_of (KsBackupPlan *plan,
                const char   *udid)
{
  g_autofree char *source_id = g_strconcat ("device:", udid, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (plan));
  gint64 last = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), i);

      last = MAX (last, ks_plan_destination_get_last_success (dest, source_id));
    }

  return last;
}

/**
 * ks_background_monitor_send_reminders:
 *
 * Reminds of each phone backed up before but not for the plan's number of days, at most once
 * a day each.
 *
 * Returns: how many reminders were sent
 */
guint
ks_background_monitor_send_reminders (KsBackgroundMonitor *self)
{
  KsBackupPlan *plan;
  g_autoptr(GPtrArray) devices = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint days, sent = 0;

  g_return_val_if_fail (KS_IS_BACKGROUND_MONITOR (self), 0);

  plan = ks_backup_service_get_plan (self->service);
  if (!ks_backup_plan_reload (plan, NULL))
    return 0;
  days = ks_backup_plan_get_reminder_days (plan);
  devices = ks_catalog_list_devices (ks_backup_service_get_catalog (self->service));

  for (guint i = 0; i < devices->len; i++)
    {
      KsCatalogDevice *device = g_ptr_array_index (devices, i);
      gint64 last = last_backup_of (plan, device->udid);
      gint64 today = now / (24 * 60 * 60);
      gint64 ago;
      g_autoptr(GNotification) notification = NULL;
      g_autofree char *title = NULL;

      if (last == 0 || now - last <= (gint64)days * 24 * 60 * 60)
        continue;
      if (GPOINTER_TO_SIZE (g_hash_table_lookup (self->reminded, device->udid)) == (gsize)today + 1)
        continue;

      ago = (now - last) / (24 * 60 * 60);
      /* Translators: the first %s is a device name */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s Not Backed Up for %u Day",
                                            "%s Not Backed Up for %u Days", (gulong)ago),
                               device->name ? device->name : device->udid, (guint)ago);
      notification = g_notification_new (title);
      g_notification_set_body (notification, _("Plug it into this computer to back up its new photos and videos."));
          notify (self, "reminder", device->udid, notification);
      g_hash_table_insert (self->reminded, g_strdup (device->udid), GSIZE_TO_POINTER ((gsize)today + 1));
      sent++;
    }

  return sent;
}

static gboolean
reminder_cb (gpointer user_data)
{
  ks_background_monitor_send_reminders (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
first_reminder_cb (gpointer user_data)
{
  KsBackgroundMonitor *self = user_data;

  ks_background_monitor_send_reminders (self);
  self->reminder_id = g_timeout_add_seconds (REMINDER_INTERVAL_S, reminder_cb, self);
  return G_SOURCE_REMOVE;
}

/**
 * ks_background_monitor_new:
 * @app: the application that sends the notifications
 */
KsBackgroundMonitor *
ks_background_monitor_new (GApplication    *app,
                           KsDeviceMonitor *devices,
                           KsBackupService *service)
{
  KsBackgroundMonitor *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (devices), NULL);
  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (service), NULL);

  self = g_object_new (KS_TYPE_BACKGROUND_MONITOR, NULL);
  self->app = app;
  self->service = g_object_ref (service);
  self->auto_backup = ks_auto_backup_new (devices, service);
  ks_auto_backup_set_policy (self->auto_backup, KS_AUTO_BACKUP_POLICY_SWITCHED_ON);

  g_signal_connect_object (self->auto_backup, "run-started", G_CALLBACK (run_started_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->auto_backup, "device-waiting", G_CALLBACK (device_waiting_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->auto_backup, "request-failed", G_CALLBACK (request_failed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->auto_backup, "device-undecided", G_CALLBACK (device_undecided_cb),
                           self, G_CONNECT_SWAPPED);
  ks_auto_backup_start (self->auto_backup);

  self->reminder_id = g_idle_add (first_reminder_cb, self);

  return self;
}

KsAutoBackup *
ks_background_monitor_get_auto_backup (KsBackgroundMonitor *self)
{
  g_return_val_if_fail (KS_IS_BACKGROUND_MONITOR (self), NULL);

  return self->auto_backup;
}

/**
 * ks_background_monitor_set_device:
 * @automatic: whether @udid is backed up by itself when it is plugged in
 *
 * The person's answer (the notification's buttons, or the settings' switch). A phone switched
 * on that is plugged in now is backed up at once.
 */
void
ks_background_monitor_set_device (KsBackgroundMonitor *self,
                                  const char          *udid,
                                  gboolean             automatic)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ask = NULL;

  g_return_if_fail (KS_IS_BACKGROUND_MONITOR (self));
  g_return_if_fail (udid != NULL);

  if (!ks_auto_backup_set_device_setting (ks_backup_service_get_catalog (self->service), udid,
                                          automatic ? KS_AUTO_BACKUP_SETTING_ON : KS_AUTO_BACKUP_SETTING_OFF,
                                          &error))
    {
      g_warning ("Could not change automatic backups of %s: %s", udid, error->message);
      return;
    }

  ask = notification_id ("ask", udid);
  g_application_withdraw_notification (self->app, ask);
  ks_auto_backup_reconsider (self->auto_backup);
}

/* ---- starting at login ---- */

static char *
autostart_path (void)
{
  g_autofree char *name = g_strconcat (APP_ID, ".desktop", NULL);

  return g_build_filename (g_get_user_config_dir (), "autostart", name, NULL);
}

/**
 * ks_background_monitor_get_autostart:
 *
 * Returns: whether Keepsake starts at login, without a window
 */
gboolean
ks_background_monitor_get_autostart (void)
{
  g_autofree char *path = autostart_path ();

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* A desktop entry's Exec argument: quoted when it needs to be (the spec's rules). */
static char *
quote_exec_argument (const char *arg)
{
  g_autoptr(GString) quoted = NULL;

  if (strpbrk (arg, " \t\n\"'\\><~|&;$*?#()`=%") == NULL)
    return g_strdup (arg);

  quoted = g_string_new ("\"");
  for (const char *p = arg; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '`' || *p == '$' || *p == '\\')
        g_string_append_c (quoted, '\\');
      if (*p == '%')
        g_string_append_c (quoted, '%');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (g_steal_pointer (&quoted), FALSE);
}

/**
 * ks_background_monitor_set_autostart:
 *
 * Writes (or removes) the autostart entry that starts this very program at login with
 * `--background`.
 */
gboolean
ks_background_monitor_set_autostart (gboolean   autostart,
                                     GError   **error)
{
  g_autofree char *path = autostart_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *program = NULL;
  g_autofree char *exec = NULL;
  g_autoptr(GKeyFile) entry = NULL;
  g_autofree char *contents = NULL;

  if (!autostart)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not remove “%s”: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  program = g_file_read_link ("/proc/self/exe", NULL);
  if (program == NULL)
    program = g_find_program_in_path ("keepsake");
  if (program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Could not find the Keepsake program to start at login"));
      return FALSE;
    }
  exec = g_strdup_printf ("%s --background", quote_exec_argument (program));

  entry = g_key_file_new ();
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE, "Application");
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, "Keepsake");
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         "Backs up iPhones when they are plugged in");
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, exec);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, APP_ID);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY, TRUE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  contents = g_key_file_to_data (entry, NULL, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static void
ks_background_monitor_dispose (GObject *object)
{
  KsBackgroundMonitor *self = (KsBackgroundMonitor *)object;

  g_clear_handle_id (&self->reminder_id, g_source_remove);
  g_clear_object (&self->auto_backup);
  g_clear_object (&self->service);
  g_clear_pointer (&self->reminded, g_hash_table_unref);

  G_OBJECT_CLASS (ks_background_monitor_parent_class)->dispose (object);
}

static void
ks_background_monitor_class_init (KsBackgroundMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_background_monitor_dispose;
}

static void
ks_background_monitor_init (KsBackgroundMonitor *self)
{
  self->reminded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
