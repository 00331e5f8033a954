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
 * for phones not backed up for the plan's number of days.
 *
 * Drives: a drive destination whose "back up when plugged in" switch is on backs up the phones
 * that are plugged in when it arrives (KsAutoBackup again); with no phone there is nothing to
 * copy from, so a notification asks for one. Each time a drive destination is seen connected
 * its "last-seen" option is written, and one not seen for the plan's number of days gets a
 * reminder too. */

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ks-application.h"
#include "ks-background-monitor.h"
#include "ks-catalog.h"
#include "ks-drive-monitor.h"

#define REMINDER_INTERVAL_S (6 * 60 * 60)
#define DAY_S (24 * 60 * 60)

/* The drive destination option that holds when the drive was last seen plugged in (unix
 * seconds), for the reminders. */
#define LAST_SEEN_OPTION "last-seen"

struct _KsBackgroundMonitor
{
  GObject           parent_instance;

  GApplication     *app;        /* unowned: the application owns the monitor */
  KsBackupService  *service;
  KsAutoBackup     *auto_backup;
  KsDriveMonitor   *drives;
  GHashTable       *reminded;   /* udid or drive id → the day (unix days) + 1 it was last reminded */
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

/* On iOS 16.1 and later the phone asks for its passcode at every full backup; the backup
 * waits until it is entered on the phone. */
static void
full_progress_cb (KsBackgroundMonitor        *self,
                  const KsFullBackupProgress *progress,
                  KsBackupRun                *run)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  KsSource *source = ks_backup_run_get_source (run);

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  if (progress->phase != KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE)
    {
      /* Entered: the question is answered. */
      if (g_object_get_data (G_OBJECT (run), "ks-passcode-told") != NULL)
        {
          g_autofree char *id = notification_id ("passcode", ks_source_get_id (source));

          g_application_withdraw_notification (self->app, id);
          g_object_set_data (G_OBJECT (run), "ks-passcode-told", NULL);
        }
      return;
    }
  if (g_object_get_data (G_OBJECT (run), "ks-passcode-told") != NULL)
    return;
  g_object_set_data (G_OBJECT (run), "ks-passcode-told", GINT_TO_POINTER (TRUE));

  /* Translators: %s is a device name */
  name = ks_source_dup_display_name (source);
  title = g_strdup_printf (_("Full Backup of %s Is Waiting"), name);
  notification = g_notification_new (title);
  g_notification_set_body (notification, _("Enter your passcode on the iPhone to start the backup."));
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  notify (self, "passcode", ks_source_get_id (source), notification);
}

static void
run_started_cb (KsBackgroundMonitor *self,
                KsDevice            *device,
                KsBackupRun         *run)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *waiting = notification_id ("waiting", ks_device_get_udid (device));
  const char *drive_id = ks_auto_backup_get_run_drive (self->auto_backup, ks_device_get_udid (device));
  KsPlanDestination *drive = NULL;

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  g_application_withdraw_notification (self->app, waiting);
  /* Translators: %s is a device name */
  title = g_strdup_printf (_("Backing Up %s"), ks_device_get_name (device));
  notification = g_notification_new (title);
  if (drive_id != NULL)
    drive = ks_backup_plan_lookup (ks_backup_service_get_plan (self->service), drive_id);
  if (ks_backup_run_is_full_backup (run))
    {
      g_signal_connect_object (run, "full-progress", G_CALLBACK (full_progress_cb), self,
                               G_CONNECT_SWAPPED);
      g_notification_set_body (notification, _("A full backup of the iPhone follows its photos and videos, as chosen in Preferences."));
    }
  else if (drive != NULL)
    {
      g_autofree char *body = NULL;

      /* Translators: %s is the name of a backup drive */
      body = g_strdup_printf (_("“%s” was plugged in. New photos and videos are being copied to your backup plan."),
                              ks_plan_destination_get_name (drive));
      g_notification_set_body (notification, body);
    }
  else
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

static void
drive_arrived_cb (KsBackgroundMonitor *self,
                  const char          *id,
                  guint                n_devices)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  KsPlanDestination *drive;

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  drive = ks_backup_plan_lookup (ks_backup_service_get_plan (self->service), id);
  if (n_devices > 0 || drive == NULL)
    return;

  /* Nothing to copy from without a phone: ask for one; the drive's run starts when it comes. */
  /* Translators: %s is the name of a backup drive */
  title = g_strdup_printf (_("“%s” Is Plugged In"), ks_plan_destination_get_name (drive));
  /* Translators: %s is the name of a backup drive */
  body = g_strdup_printf (_("Plug in your iPhone to back it up to “%s”."), ks_plan_destination_get_name (drive));
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  notify (self, "drive", id, notification);
}

/* Remembers when each drive destination was last seen plugged in. */
static void
drive_changed_cb (KsBackgroundMonitor *self,
                  const char          *id,
                  gboolean             connected)
{
  KsBackupPlan *plan = ks_backup_service_get_plan (self->service);
  g_autoptr(GError) error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *ask = notification_id ("drive", id);

  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  if (!connected)
    {
      g_application_withdraw_notification (self->app, ask);
      return;
    }
  if (ks_backup_plan_lookup (plan, id) == NULL)
    return;
  now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  if (!ks_backup_plan_set_destination_option (plan, id, LAST_SEEN_OPTION, now, &error))
    g_debug ("Drive %s: last seen not stored: %s", id, error->message);
  g_hash_table_remove (self->reminded, id);
}

/* When @drive was last plugged in as far as anyone knows: the monitor's record, a run that
 * used it (the catalog), or when it was added. */
static gint64
drive_last_seen (KsBackupPlan      *plan,
                 KsPlanDestination *drive,
                 GPtrArray         *known)
{
  const char *id = ks_plan_destination_get_id (drive);
  g_autofree char *option = ks_backup_plan_dup_destination_option (plan, id, LAST_SEEN_OPTION);
  gint64 last = ks_plan_destination_get_added_at (drive);

  if (option != NULL)
    last = MAX (last, g_ascii_strtoll (option, NULL, 10));
  for (guint i = 0; i < known->len; i++)
    {
      KsCatalogDestination *dest = g_ptr_array_index (known, i);

      if (g_strcmp0 (dest->id, id) == 0)
        last = MAX (last, dest->last_seen);
    }

  return last;
}

static guint
send_drive_reminders (KsBackgroundMonitor *self,
                      KsBackupPlan        *plan,
                      guint                days)
{
  g_autoptr(GPtrArray) known = ks_catalog_list_destinations (ks_backup_service_get_catalog (self->service));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (plan));
  guint sent = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) drive = g_list_model_get_item (G_LIST_MODEL (plan), i);
      const char *id = ks_plan_destination_get_id (drive);
      g_autoptr(GNotification) notification = NULL;
      g_autofree char *title = NULL;
      gint64 last, ago;

      if (ks_plan_destination_get_kind (drive) != KS_DESTINATION_KIND_DRIVE
          || !ks_plan_destination_get_enabled (drive)
          || (self->drives != NULL && ks_drive_monitor_is_connected (self->drives, id)))
        continue;
      last = drive_last_seen (plan, drive, known);
      if (last == 0 || now - last <= (gint64)days * DAY_S)
        continue;
      if (GPOINTER_TO_SIZE (g_hash_table_lookup (self->reminded, id)) == (gsize)(now / DAY_S) + 1)
        continue;

      ago = (now - last) / DAY_S;
      /* Translators: %s is the name of a backup drive */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "“%s” Not Plugged In for %u Day",
                                            "“%s” Not Plugged In for %u Days", (gulong)ago),
                               ks_plan_destination_get_name (drive), (guint)ago);
      notification = g_notification_new (title);
      g_notification_set_body (notification, _("Plug in the drive to bring its backup up to date."));
      notify (self, "drive-reminder", id, notification);
      g_hash_table_insert (self->reminded, g_strdup (id), GSIZE_TO_POINTER ((gsize)(now / DAY_S) + 1));
      sent++;
    }

  return sent;
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
 * Reminds of each phone backed up before but not for the plan's number of days, and of each
 * drive destination not plugged in for as long, at most once a day each.
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

  return sent + send_drive_reminders (self, plan, days);
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

static void
drives_ready_cb (KsBackgroundMonitor *self)
{
  g_assert (KS_IS_BACKGROUND_MONITOR (self));

  if (self->reminder_id == 0)
    self->reminder_id = g_idle_add (first_reminder_cb, self);
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
  g_signal_connect_object (self->auto_backup, "drive-arrived", G_CALLBACK (drive_arrived_cb),
                           self, G_CONNECT_SWAPPED);

  self->drives = ks_drive_monitor_new (ks_backup_service_get_plan (service));
  g_signal_connect_object (self->drives, "drive-changed", G_CALLBACK (drive_changed_cb),
                           self, G_CONNECT_SWAPPED);
  ks_auto_backup_set_drive_monitor (self->auto_backup, self->drives);
  ks_auto_backup_start (self->auto_backup);

  /* The first reminders once the drives are known (a drive plugged in is not reminded of). */
  if (ks_drive_monitor_is_ready (self->drives))
    self->reminder_id = g_idle_add (first_reminder_cb, self);
  else
    g_signal_connect_object (self->drives, "ready", G_CALLBACK (drives_ready_cb),
                             self, G_CONNECT_SWAPPED);

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
  g_autofree char *quoted = NULL;
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
  quoted = quote_exec_argument (program);
  exec = g_strdup_printf ("%s --background", quoted);

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
  g_clear_object (&self->drives);
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
