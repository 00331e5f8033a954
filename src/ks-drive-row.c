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

#include "ks-application.h"
#include "ks-drive-destination.h"
#include "ks-drive-eject.h"
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

static char *
dup_uuid (KsPlanDestination *dest)
{
  char *uuid = NULL;

  ks_drive_location_parse (ks_plan_destination_get_location (dest), &uuid, NULL);
  return uuid;
}

typedef struct
{
  AdwPreferencesWindow *window;   /* weak */
  KsDriveMonitor       *drives;
  GtkWidget            *button;
} Eject;

static void
ejected_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Eject *eject = user_data;
  g_autofree char *message = NULL;

  ks_drive_eject_finish (result, &message);

  gtk_widget_set_sensitive (eject->button, TRUE);
  if (message != NULL && eject->window != NULL)
    {
      /* A toast's title is markup; a drive may be called "Photos & Videos". */
      g_autofree char *markup = g_markup_escape_text (message, -1);

      adw_preferences_window_add_toast (eject->window, adw_toast_new (markup));
    }
  /* The mount table shows it gone a moment later; look now. */
  ks_drive_monitor_refresh (eject->drives);

  g_clear_weak_pointer (&eject->window);
  g_clear_object (&eject->drives);
  g_clear_object (&eject->button);
  g_free (eject);
}

static void
eject_clicked_cb (GtkButton *button,
                  gpointer   user_data)
{
  KsDriveMonitor *drives = user_data;
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_PREFERENCES_WINDOW);
  GtkApplication *app = window != NULL ? gtk_window_get_application (GTK_WINDOW (window)) : NULL;
  Eject *eject = g_new0 (Eject, 1);

  g_set_weak_pointer (&eject->window, ADW_PREFERENCES_WINDOW (window));
  eject->drives = g_object_ref (drives);
  eject->button = g_object_ref (GTK_WIDGET (button));

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  ks_drive_eject_async (g_object_get_data (G_OBJECT (button), "ks-path"),
                        g_object_get_data (G_OBJECT (button), "ks-name"),
                        g_object_get_data (G_OBJECT (button), "ks-uuid"),
                        KS_IS_APPLICATION (app) ? ks_application_get_backup_service (KS_APPLICATION (app)) : NULL,
                        GTK_WINDOW (window),
                        g_object_get_data (G_OBJECT (button), "ks-cancellable"),
                        ejected_cb, eject);
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
    g_object_set_data_full (G_OBJECT (button), "ks-uuid", dup_uuid (dest), g_free);
    g_object_set_data_full (G_OBJECT (button), "ks-cancellable",
                            g_object_ref (cancellable), g_object_unref);
    g_signal_connect_object (button, "clicked", G_CALLBACK (eject_clicked_cb), drives, 0);
    adw_action_row_add_suffix (row, button);
  }
}
