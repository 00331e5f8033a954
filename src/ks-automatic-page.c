/* ks-automatic-page.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Preferences' "Automatic" page: starting at login without a window, which iPhones are
 * backed up when they are plugged in (and whether with a full device backup), which drive
 * destinations start a backup when they are plugged in, and after how many days a reminder
 * comes. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-automatic-page.h"
#include "ks-background-monitor.h"
#include "ks-model-names.h"

struct _KsAutomaticPage
{
  AdwPreferencesPage   parent_instance;

  KsApplication       *application;
  GtkSwitch           *autostart_switch;
  AdwPreferencesGroup *devices_group;
  GPtrArray           *device_rows;
  AdwPreferencesGroup *full_group;
  GPtrArray           *full_rows;
  AdwPreferencesGroup *drives_group;
  GPtrArray           *drive_rows;
  GtkSpinButton       *reminder_spin;
  GCancellable        *cancellable;
  gboolean             updating;
};

G_DEFINE_FINAL_TYPE (KsAutomaticPage, ks_automatic_page, ADW_TYPE_PREFERENCES_PAGE)

static void
autostart_written_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(KsAutomaticPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_warning ("Could not change starting at login: %s", error->message);
  self->updating = TRUE;
  gtk_switch_set_active (self->autostart_switch, ks_background_monitor_get_autostart ());
  self->updating = FALSE;
}

static void
write_autostart_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  GError *error = NULL;

  if (ks_background_monitor_set_autostart (GPOINTER_TO_INT (task_data), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
autostart_changed_cb (KsAutomaticPage *self)
{
  g_autoptr(GTask) task = NULL;

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  if (self->updating)
    return;

  task = g_task_new (NULL, self->cancellable, autostart_written_cb, g_object_ref (self));
  g_task_set_source_tag (task, autostart_changed_cb);
  g_task_set_task_data (task, GINT_TO_POINTER (gtk_switch_get_active (self->autostart_switch)), NULL);
  g_task_run_in_thread (task, write_autostart_thread);
}

static void
device_switch_cb (KsAutomaticPage *self,
                  GParamSpec      *pspec,
                  GtkSwitch       *sw)
{
  KsBackgroundMonitor *monitor = ks_application_get_background_monitor (self->application);

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  if (self->updating || monitor == NULL)
    return;

  ks_background_monitor_set_device (monitor, g_object_get_data (G_OBJECT (sw), "udid"),
                                    gtk_switch_get_active (sw));
}

static void
full_switch_cb (KsAutomaticPage *self,
                GParamSpec      *pspec,
                GtkSwitch       *sw)
{
  KsCatalog *catalog = ks_application_get_catalog (self->application, NULL);
  g_autoptr(GError) error = NULL;

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  if (self->updating || catalog == NULL)
    return;
  if (!ks_auto_backup_set_device_full (catalog, g_object_get_data (G_OBJECT (sw), "udid"),
                                       gtk_switch_get_active (sw), &error))
    g_warning ("Could not change full backups: %s", error->message);
}

static void
drive_switch_cb (KsAutomaticPage *self,
                 GParamSpec      *pspec,
                 GtkSwitch       *sw)
{
  KsBackupPlan *plan = ks_application_get_backup_plan (self->application);
  g_autoptr(GError) error = NULL;

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  if (self->updating || plan == NULL)
    return;
  if (!ks_auto_backup_set_drive_setting (plan, g_object_get_data (G_OBJECT (sw), "ks-id"),
                                         gtk_switch_get_active (sw), &error))
    g_warning ("Could not change backing up when a drive is plugged in: %s", error->message);
}

static void
reminder_changed_cb (KsAutomaticPage *self)
{
  KsBackupPlan *plan = ks_application_get_backup_plan (self->application);
  g_autoptr(GError) error = NULL;

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  if (self->updating || plan == NULL)
    return;
  if (!ks_backup_plan_set_reminder_days (plan, gtk_spin_button_get_value_as_int (self->reminder_spin), &error))
    g_warning ("Could not change reminders: %s", error->message);
}

static GtkWidget *
new_switch_row (const char *title,
                const char *subtitle,
                GtkWidget  *suffix)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);
  if (GTK_IS_SWITCH (suffix))
    adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), suffix);

  return row;
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

/* A row with a switch for @key (stored on the switch as @data_key), in @group and @rows. */
static GtkWidget *
add_switch_row (KsAutomaticPage     *self,
                AdwPreferencesGroup *group,
                GPtrArray           *rows,
                const char          *title,
                const char          *subtitle,
                gboolean             active,
                const char          *data_key,
                const char          *key,
                GCallback            toggled)
{
  GtkWidget *sw = gtk_switch_new ();
  GtkWidget *row;

  gtk_switch_set_active (GTK_SWITCH (sw), active);
  g_object_set_data_full (G_OBJECT (sw), data_key, g_strdup (key), g_free);
  g_signal_connect_object (sw, "notify::active", toggled, self, G_CONNECT_SWAPPED);
  row = new_switch_row (title, subtitle, sw);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);

  return sw;
}

/* One row per drive destination of the plan. */
static void
fill_drives (KsAutomaticPage *self)
{
  KsBackupPlan *plan = ks_application_get_backup_plan (self->application);
  guint n;

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  clear_rows (self->drives_group, self->drive_rows);
  if (plan == NULL)
    return;

  self->updating = TRUE;
  n = g_list_model_get_n_items (G_LIST_MODEL (plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), i);
      const char *id = ks_plan_destination_get_id (dest);

      if (ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_DRIVE)
        continue;
      add_switch_row (self, self->drives_group, self->drive_rows, ks_plan_destination_get_name (dest),
                      _("Back up the iPhones that are plugged in when this drive is plugged in"),
                      ks_auto_backup_get_drive_setting (plan, id), "ks-id", id,
                      G_CALLBACK (drive_switch_cb));
    }
  self->updating = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->drives_group), self->drive_rows->len > 0);
}

/* One row per iPhone Keepsake has backed up. */
static void
fill_devices (KsAutomaticPage *self)
{
  KsCatalog *catalog = ks_application_get_catalog (self->application, NULL);
  g_autoptr(GPtrArray) devices = NULL;

  g_assert (KS_IS_AUTOMATIC_PAGE (self));

  clear_rows (self->devices_group, self->device_rows);
  clear_rows (self->full_group, self->full_rows);

  if (catalog == NULL)
    return;

  devices = ks_catalog_list_devices (catalog);
  adw_preferences_group_set_description (self->devices_group,
                                         devices->len == 0
                                           ? _("An iPhone appears here once it has been backed up.")
                                           : _("Back up with your backup plan as soon as it is plugged in."));
  self->updating = TRUE;
  for (guint i = 0; i < devices->len; i++)
    {
      KsCatalogDevice *device = g_ptr_array_index (devices, i);
      GtkWidget *sw = gtk_switch_new ();
      g_autofree char *model = device->model ? ks_model_name_for_product_type (device->model) : NULL;
      GtkWidget *row;

      gtk_switch_set_active (GTK_SWITCH (sw),
                             ks_auto_backup_get_device_setting (catalog, device->udid)
                               == KS_AUTO_BACKUP_SETTING_ON);
      g_object_set_data_full (G_OBJECT (sw), "udid", g_strdup (device->udid), g_free);
      g_signal_connect_object (sw, "notify::active", G_CALLBACK (device_switch_cb), self,
                               G_CONNECT_SWAPPED);
      row = new_switch_row (device->name ? device->name : device->udid, model, sw);
      adw_preferences_group_add (self->devices_group, row);
      g_ptr_array_add (self->device_rows, row);

      add_switch_row (self, self->full_group, self->full_rows,
                      device->name ? device->name : device->udid, model,
                      ks_auto_backup_get_device_full (catalog, device->udid), "udid", device->udid,
                      G_CALLBACK (full_switch_cb));
    }
  self->updating = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->full_group), devices->len > 0);
}

/**
 * ks_automatic_page_new:
 * @application: an application whose backup plan is ready
 */
GtkWidget *
ks_automatic_page_new (KsApplication *application)
{
  KsAutomaticPage *self;
  KsBackupPlan *plan;

  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  self = g_object_new (KS_TYPE_AUTOMATIC_PAGE,
                       "title", _("Automatic"),
                       "icon-name", "emblem-synchronizing-symbolic",
                       NULL);
  self->application = application;

  plan = ks_application_get_backup_plan (application);
  self->updating = TRUE;
  gtk_switch_set_active (self->autostart_switch, ks_background_monitor_get_autostart ());
  if (plan != NULL)
    gtk_spin_button_set_value (self->reminder_spin, ks_backup_plan_get_reminder_days (plan));
  self->updating = FALSE;
  fill_devices (self);
  fill_drives (self);
  if (plan != NULL)
    g_signal_connect_object (plan, "items-changed", G_CALLBACK (fill_drives), self, G_CONNECT_SWAPPED);

  return GTK_WIDGET (self);
}

GtkSwitch *
_ks_automatic_page_get_autostart_switch (KsAutomaticPage *self)
{
  return self->autostart_switch;
}

static GtkSwitch *
find_switch (GPtrArray  *rows,
             const char *data_key,
             const char *key)
{
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *sw = adw_action_row_get_activatable_widget (g_ptr_array_index (rows, i));

      if (g_strcmp0 (g_object_get_data (G_OBJECT (sw), data_key), key) == 0)
        return GTK_SWITCH (sw);
    }

  return NULL;
}

GtkSwitch *
_ks_automatic_page_find_device_switch (KsAutomaticPage *self,
                                       const char      *udid)
{
  return find_switch (self->device_rows, "udid", udid);
}

GtkSwitch *
_ks_automatic_page_find_full_switch (KsAutomaticPage *self,
                                     const char      *udid)
{
  return find_switch (self->full_rows, "udid", udid);
}

GtkSwitch *
_ks_automatic_page_find_drive_switch (KsAutomaticPage *self,
                                      const char      *id)
{
  return find_switch (self->drive_rows, "ks-id", id);
}

GtkSpinButton *
_ks_automatic_page_get_reminder_spin (KsAutomaticPage *self)
{
  return self->reminder_spin;
}

static void
ks_automatic_page_dispose (GObject *object)
{
  KsAutomaticPage *self = (KsAutomaticPage *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->device_rows, g_ptr_array_unref);
  g_clear_pointer (&self->full_rows, g_ptr_array_unref);
  g_clear_pointer (&self->drive_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_automatic_page_parent_class)->dispose (object);
}

static void
ks_automatic_page_class_init (KsAutomaticPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_automatic_page_dispose;
}

static void
ks_automatic_page_init (KsAutomaticPage *self)
{
  GtkWidget *group;
  GtkAdjustment *days;

  self->cancellable = g_cancellable_new ();
  self->device_rows = g_ptr_array_new ();
  self->full_rows = g_ptr_array_new ();
  self->drive_rows = g_ptr_array_new ();

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Running by Itself"));
  self->autostart_switch = GTK_SWITCH (gtk_switch_new ());
  g_signal_connect_object (self->autostart_switch, "notify::active", G_CALLBACK (autostart_changed_cb),
                           self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             new_switch_row (_("Back Up in the _Background"),
                                             _("Start Keepsake without a window when you log in, so iPhones are backed up when they are plugged in"),
                                             GTK_WIDGET (self->autostart_switch)));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), ADW_PREFERENCES_GROUP (group));

  self->devices_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->devices_group, _("Back Up When Plugged In"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), self->devices_group);

  self->full_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->full_group, _("Include Full Device Backups"));
  adw_preferences_group_set_description (self->full_group,
                                         _("When it is backed up by itself, also make a full backup of the iPhone to the destinations for full backups. From iOS 16.1 on, the iPhone asks for its passcode each time."));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), self->full_group);

  self->drives_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->drives_group, _("Back Up When a Drive Is Plugged In"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), self->drives_group);

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Reminders"));
  days = gtk_adjustment_new (KS_BACKUP_PLAN_REMINDER_DAYS, 1, 365, 1, 7, 0);
  self->reminder_spin = GTK_SPIN_BUTTON (gtk_spin_button_new (days, 1, 0));
  g_signal_connect_object (self->reminder_spin, "value-changed", G_CALLBACK (reminder_changed_cb),
                           self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             new_switch_row (_("_Days Without a Backup"),
                                             _("A reminder comes when an iPhone was not backed up for this long"),
                                             GTK_WIDGET (self->reminder_spin)));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), ADW_PREFERENCES_GROUP (group));
}
