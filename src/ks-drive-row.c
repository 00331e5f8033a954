/* ks-drive-row.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The row is rebuilt whenever the drive monitor says a drive came or went, so it only
 * describes one moment. Free space and eject go through GIO's async calls (its worker
 * threads, or the volume monitor's helper): nothing here touches the disk on the main
 * thread. */

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "ks-drive-row.h"

/**
 * ks_drive_row_format_last_backup:
 * @when: unix seconds of the last complete backup there, or 0 for never
 * @now: unix seconds
 *
 * Returns: (transfer full): "last backup 3 days ago", "last backup today", "never backed up"
 */
char *
ks_drive_row_format_last_backup (gint64 when,
                                 gint64 now)
{
  gint64 days;

  if (when <= 0)
    return g_strdup (_("never backed up"));

  days = (now - when) / (24 * 60 * 60);
  if (days < 1)
    return g_strdup (_("last backup today"));
  if (days == 1)
    return g_strdup (_("last backup yesterday"));

  return g_strdup_printf (ngettext ("last backup %d day ago", "last backup %d days ago", (int) MIN (days, G_MAXINT)),
                          (int) MIN (days, G_MAXINT));
}

static gint64
last_success (KsPlanDestination *dest)
{
  g_autoptr(GHashTable) successes = ks_plan_destination_dup_last_successes (dest);
  GHashTableIter iter;
  gint64 *when;
  gint64 last = 0;

  g_hash_table_iter_init (&iter, successes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&when))
    last = MAX (last, *when);

  return last;
}

static void
free_space_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AdwActionRow) row = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *path = g_file_get_path (G_FILE (object));
  g_autofree char *free_str = NULL;
  g_autofree char *subtitle = NULL;

  info = g_file_query_filesystem_info_finish (G_FILE (object), result, NULL);
  if (info == NULL)
    return;

  free_str = g_format_size (g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
  /* Translators: the first %s is where the drive is mounted, the second an amount ("12.3 GB") */
  subtitle = g_strdup_printf (_("Connected — %s — %s free"), path, free_str);
  adw_action_row_set_subtitle (row, subtitle);
}

typedef struct
{
  AdwPreferencesWindow *window;   /* weak */
  KsDriveMonitor       *drives;
  GtkWidget            *button;
  char                 *name;
  GCancellable         *cancellable;
} Eject;

static void
eject_free (Eject *eject)
{
  g_clear_weak_pointer (&eject->window);
  g_clear_object (&eject->drives);
  g_clear_object (&eject->button);
  g_clear_object (&eject->cancellable);
  g_free (eject->name);
  g_free (eject);
}

static void
eject_done (Eject        *eject,
            const GError *error)
{
  g_autofree char *message = NULL;

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      eject_free (eject);
      return;
    }

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED_HANDLED))
    /* Translators: the first %s is a drive's name, the second why ("target is busy") */
    message = g_strdup_printf (_("Could not eject “%s”: %s"), eject->name, error->message);
  else if (error == NULL)
    /* Translators: %s is a drive's name */
    message = g_strdup_printf (_("“%s” can be unplugged"), eject->name);

  gtk_widget_set_sensitive (eject->button, TRUE);
  if (message != NULL && eject->window != NULL)
    adw_preferences_window_add_toast (eject->window, adw_toast_new (message));
  /* The mount table shows it gone a moment later; look now. */
  ks_drive_monitor_refresh (eject->drives);
  eject_free (eject);
}

static void
unmounted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GMount *mount = G_MOUNT (object);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_mount_can_eject (mount))
    ok = g_mount_eject_with_operation_finish (mount, result, &error);
  else
    ok = g_mount_unmount_with_operation_finish (mount, result, &error);

  eject_done (user_data, ok ? NULL : error);
}

static void
found_mount_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Eject *eject = user_data;
  g_autoptr(GMount) mount = NULL;
  g_autoptr(GMountOperation) operation = NULL;
  g_autoptr(GError) error = NULL;

  mount = g_file_find_enclosing_mount_finish (G_FILE (object), result, &error);
  if (mount == NULL)
    {
      eject_done (eject, error);
      return;
    }

  /* Asks about programs keeping the drive busy, over the preferences window. */
  operation = gtk_mount_operation_new (eject->window != NULL ? GTK_WINDOW (eject->window) : NULL);
  if (g_mount_can_eject (mount))
    g_mount_eject_with_operation (mount, G_MOUNT_UNMOUNT_NONE, operation, eject->cancellable,
                                  unmounted_cb, eject);
  else
    g_mount_unmount_with_operation (mount, G_MOUNT_UNMOUNT_NONE, operation, eject->cancellable,
                                    unmounted_cb, eject);
}

static void
eject_clicked_cb (GtkButton *button,
                  gpointer   user_data)
{
  KsDriveMonitor *drives = user_data;
  const char *path = g_object_get_data (G_OBJECT (button), "ks-path");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_PREFERENCES_WINDOW);
  Eject *eject = g_new0 (Eject, 1);

  g_set_weak_pointer (&eject->window, ADW_PREFERENCES_WINDOW (window));
  eject->drives = g_object_ref (drives);
  eject->button = g_object_ref (GTK_WIDGET (button));
  eject->name = g_strdup (g_object_get_data (G_OBJECT (button), "ks-name"));
  eject->cancellable = g_object_ref (g_object_get_data (G_OBJECT (button), "ks-cancellable"));

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  g_file_find_enclosing_mount_async (file, G_PRIORITY_DEFAULT, eject->cancellable,
                                     found_mount_cb, eject);
}

/**
 * ks_drive_row_fill:
 * @row: a new row titled with the destination's name
 * @dest: a drive destination of the plan
 * @drives: the monitor that knows whether it is connected
 * @cancellable: cancelled when the window goes
 *
 * Adds the drive's icon and state, and an Eject button while it is connected; what
 * ejecting says is a toast of the preferences window holding the row.
 */
void
ks_drive_row_fill (AdwActionRow         *row,
                   KsPlanDestination    *dest,
                   KsDriveMonitor       *drives,
                   GCancellable         *cancellable)
{
  const char *id = ks_plan_destination_get_id (dest);
  const char *path = ks_drive_monitor_get_path (drives, id);
  g_autofree char *subtitle = NULL;

  g_return_if_fail (ADW_IS_ACTION_ROW (row));
  g_return_if_fail (KS_IS_DRIVE_MONITOR (drives));

  adw_action_row_add_prefix (row, gtk_image_new_from_icon_name ("drive-removable-media-symbolic"));

  if (!ks_drive_monitor_is_ready (drives))
    {
      adw_action_row_set_subtitle (row, _("Looking for the drive…"));
      return;
    }

  if (path == NULL)
    {
      g_autofree char *last = ks_drive_row_format_last_backup (last_success (dest),
                                                               g_get_real_time () / G_USEC_PER_SEC);

      /* Translators: %s is "last backup 3 days ago" or "never backed up" */
      subtitle = g_strdup_printf (_("Not connected — %s"), last);
      adw_action_row_set_subtitle (row, subtitle);
      return;
    }

  /* Translators: %s is where the drive is mounted */
  subtitle = g_strdup_printf (_("Connected — %s"), path);
  adw_action_row_set_subtitle (row, subtitle);

  {
    g_autoptr(GFile) file = g_file_new_for_path (path);

    g_file_query_filesystem_info_async (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, G_PRIORITY_DEFAULT,
                                        cancellable, free_space_cb, g_object_ref (row));
  }

  {
    GtkWidget *button = gtk_button_new_from_icon_name ("media-eject-symbolic");

    gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class (button, "flat");
    gtk_widget_set_tooltip_text (button, _("Eject"));
    gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, _("Eject"), -1);
    g_object_set_data_full (G_OBJECT (button), "ks-path", g_strdup (path), g_free);
    g_object_set_data_full (G_OBJECT (button), "ks-name",
                            g_strdup (ks_plan_destination_get_name (dest)), g_free);
    g_object_set_data_full (G_OBJECT (button), "ks-cancellable",
                            g_object_ref (cancellable), g_object_unref);
    g_signal_connect_object (button, "clicked", G_CALLBACK (eject_clicked_cb), drives, 0);
    adw_action_row_add_suffix (row, button);
  }
}
