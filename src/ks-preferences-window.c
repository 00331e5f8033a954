/* ks-preferences-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Preferences: where backups go (a list of folders, with their free space) and which
 * companions of a photo are included. Everything is stored in GSettings. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-automatic-page.h"
#include "ks-backup-plan.h"
#include "ks-jpeg-copy-row.h"
#include "ks-library-views-row.h"
#include "ks-backup-plan-drives.h"
#include "ks-drive-monitor.h"
#include "ks-drive-row.h"
#include "ks-offsite-row.h"
#include "ks-layout.h"
#include "ks-preferences-window.h"
#include "ks-remote-dialog.h"

struct _KsPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwPreferencesGroup *destinations_group;
  GtkListBox          *destinations_list;
  GtkSwitch           *live_videos_switch;
  GtkSwitch           *edited_switch;
  GtkSwitch           *sidecars_switch;
  GtkSwitch           *videos_switch;
  AdwEntryRow         *layout_row;
  AdwActionRow        *layout_preview_row;
  GtkListBox          *jpeg_list;
  GtkListBox          *library_views_list;
  GtkSwitch           *trashed_switch;
  GtkSwitch           *hidden_switch;
  AdwPreferencesGroup *offsite_group;
  GtkListBox          *offsite_list;

  /* Owned references */
  KsBackupPlan        *plan;
  KsDriveMonitor      *drives;
  GCancellable        *cancellable;
  GtkFileChooserNative *chooser;
  KsAsset             *example_asset;
  char                *example_device;
  char                *layout_preview;
};

G_DEFINE_FINAL_TYPE (KsPreferencesWindow, ks_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void plan_changed_cb       (KsPreferencesWindow *self);
static void update_layout_preview (KsPreferencesWindow *self);

/**
 * ks_preferences_window_new:
 * @application: an application whose backup plan is ready
 *
 * Returns: (transfer full): preferences that edit the application's backup plan
 */
KsPreferencesWindow *
ks_preferences_window_new (KsApplication *application)
{
  KsPreferencesWindow *self;
  KsBackupPlan *plan;

  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  plan = ks_application_get_backup_plan (application);
  g_return_val_if_fail (plan != NULL, NULL);

  self = g_object_new (KS_TYPE_PREFERENCES_WINDOW,
                       "application", application,
                       NULL);
  self->plan = g_object_ref (plan);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (ks_automatic_page_new (application)));

  g_signal_connect_object (plan, "items-changed", G_CALLBACK (plan_changed_cb), self,
                           G_CONNECT_SWAPPED);
  /* Drive rows say live whether the drive is plugged in. */
  self->drives = ks_drive_monitor_new (plan);
  g_signal_connect_object (self->drives, "drive-changed", G_CALLBACK (plan_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->drives, "ready", G_CALLBACK (plan_changed_cb), self,
                           G_CONNECT_SWAPPED);
  plan_changed_cb (self);

  g_object_bind_property (plan, "include-live-videos", self->live_videos_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (plan, "include-edited", self->edited_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (plan, "include-sidecars", self->sidecars_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (plan, "include-videos", self->videos_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (plan, "include-recently-deleted", self->trashed_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (plan, "include-hidden", self->hidden_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  gtk_editable_set_text (GTK_EDITABLE (self->layout_row), ks_backup_plan_get_layout (plan));
  update_layout_preview (self);

  return self;
}

static void
show_error (KsPreferencesWindow *self,
            const GError        *error)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
}

static void
query_free_space_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(AdwActionRow) row = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *subtitle = NULL;

  info = g_file_query_filesystem_info_finish (G_FILE (object), result, &error);
  path = g_file_get_path (G_FILE (object));

  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        /* Translators: %s is a folder path */
        subtitle = g_strdup_printf (_("%s — will be created on the first backup"), path);
      else
        /* Translators: the first %s is a folder path, the second an error message */
        subtitle = g_strdup_printf (_("%s — not available: %s"), path, error->message);
    }
  else
    {
      g_autofree char *free_str =
        g_format_size (g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
      /* Translators: the first %s is a folder path, the second an amount such as "12.3 GB" */
      subtitle = g_strdup_printf (_("%s — %s free"), path, free_str);
    }

  adw_action_row_set_subtitle (row, subtitle);
}

static void
remove_destination_cb (KsPreferencesWindow *self,
                       GtkButton           *button)
{
  const char *id = g_object_get_data (G_OBJECT (button), "ks-id");
  g_autoptr(GError) error = NULL;

  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  if (!ks_backup_plan_remove (self->plan, id, &error))
    show_error (self, error);
}

static void
destination_toggled_cb (KsPreferencesWindow *self,
                        GParamSpec          *pspec,
                        GtkSwitch           *toggle)
{
  const char *id = g_object_get_data (G_OBJECT (toggle), "ks-id");
  g_autoptr(GError) error = NULL;

  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  if (!ks_backup_plan_set_enabled (self->plan, id, gtk_switch_get_active (toggle), &error))
    show_error (self, error);
}

static void
update_layout_preview (KsPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->layout_row));
  g_autofree char *preview = NULL;

  preview = ks_layout_preview (text, self->example_asset, self->example_device, &error);
  if (preview == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->layout_row), "error");
      adw_action_row_set_subtitle (self->layout_preview_row, error->message);
      g_clear_pointer (&self->layout_preview, g_free);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->layout_row), "error");
  adw_action_row_set_subtitle (self->layout_preview_row, preview);
  g_free (self->layout_preview);
  self->layout_preview = g_steal_pointer (&preview);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->jpeg_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (KS_IS_JPEG_COPY_ROW (row))
      ks_jpeg_copy_row_set_example (KS_JPEG_COPY_ROW (row), self->layout_preview);
}

static void
layout_changed_cb (KsPreferencesWindow *self)
{
  const char *text;

  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  update_layout_preview (self);

  /* Only a layout that can place a file is stored; the entry shows why otherwise. */
  text = gtk_editable_get_text (GTK_EDITABLE (self->layout_row));
  if (self->plan != NULL && self->layout_preview != NULL
      && g_strcmp0 (ks_backup_plan_get_layout (self->plan), text) != 0)
    ks_backup_plan_set_layout (self->plan, text, NULL);
}

/**
 * ks_preferences_window_set_example_asset:
 * @asset: (nullable): a photo from the library, for the layout's example path
 *
 * The layout preview shows where this photo would go.
 */
void
ks_preferences_window_set_example_asset (KsPreferencesWindow *self,
                                         KsAsset             *asset,
                                         const char          *device_name)
{
  g_return_if_fail (KS_IS_PREFERENCES_WINDOW (self));

  g_set_object (&self->example_asset, asset);
  g_free (self->example_device);
  self->example_device = g_strdup (device_name);
  update_layout_preview (self);
}

const char *
ks_preferences_window_get_layout_preview (KsPreferencesWindow *self)
{
  g_return_val_if_fail (KS_IS_PREFERENCES_WINDOW (self), NULL);

  return self->layout_preview;
}

static GtkWidget *
create_destination_row (KsPreferencesWindow *self,
                        KsPlanDestination   *dest,
                        gboolean             removable)
{
  const char *path = ks_plan_destination_get_location (dest);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  AdwActionRow *row;

  row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), ks_plan_destination_get_name (dest));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_DRIVE)
    {
      ks_drive_row_fill (row, dest, self->drives, self->cancellable);
    }
  else
    {
      adw_action_row_set_subtitle (row, path);
      adw_action_row_add_prefix (row, gtk_image_new_from_icon_name ("folder-pictures-symbolic"));
    }

  {
    GtkWidget *toggle = gtk_switch_new ();

    gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
    gtk_switch_set_active (GTK_SWITCH (toggle), ks_plan_destination_get_enabled (dest));
    gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back Up to This Folder"),
                                    -1);
    gtk_widget_set_tooltip_text (toggle, _("Back Up to This Folder"));
    g_object_set_data_full (G_OBJECT (toggle), "ks-id",
                            g_strdup (ks_plan_destination_get_id (dest)), g_free);
    g_signal_connect_object (toggle, "notify::active",
                             G_CALLBACK (destination_toggled_cb), self,
                             G_CONNECT_SWAPPED);
    adw_action_row_add_suffix (row, toggle);
  }

  if (removable)
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Remove Destination"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remove Destination"),
                                      -1);
      g_object_set_data_full (G_OBJECT (button), "ks-id",
                              g_strdup (ks_plan_destination_get_id (dest)), g_free);
      g_signal_connect_object (button, "clicked",
                               G_CALLBACK (remove_destination_cb), self,
                               G_CONNECT_SWAPPED);
      adw_action_row_add_suffix (row, button);
    }

  if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_NETWORK
      || ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_CLOUD)
    ks_remote_dialog_query_space (row, dest, self->cancellable);
  else if (ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_DRIVE)
    g_file_query_filesystem_info_async (file,
                                        G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                        G_PRIORITY_DEFAULT,
                                        self->cancellable,
                                        query_free_space_cb,
                                        g_object_ref (row));

  return GTK_WIDGET (row);
}

static void
plan_changed_cb (KsPreferencesWindow *self)
{
  GtkWidget *child;
  guint n;

  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->destinations_list))))
    gtk_list_box_remove (self->destinations_list, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->jpeg_list))))
    gtk_list_box_remove (self->jpeg_list, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->library_views_list))))
    gtk_list_box_remove (self->library_views_list, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->offsite_list))))
    gtk_list_box_remove (self->offsite_list, child);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));

  /* The last remaining destination cannot be removed: a backup always has somewhere to go. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (self->plan), i);

      gtk_list_box_append (self->destinations_list, create_destination_row (self, dest, n > 1));
      if (ks_plan_destination_get_methods (dest) & KS_BACKUP_METHOD_FILES)
        {
          GtkWidget *jpeg_row = ks_jpeg_copy_row_new (self->plan, dest);

          ks_jpeg_copy_row_set_example (KS_JPEG_COPY_ROW (jpeg_row), self->layout_preview);
          gtk_list_box_append (self->jpeg_list, jpeg_row);
          /* Sidecars and links need a file system of our own (not a server through rclone). */
          if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_FOLDER ||
              ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_DRIVE)
            gtk_list_box_append (self->library_views_list, ks_library_views_row_new (self->plan, dest));
        }
      if (ks_offsite_row_applies (dest))
        gtk_list_box_append (self->offsite_list, ks_offsite_row_new (self->plan, dest));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->offsite_group),
                          gtk_widget_get_first_child (GTK_WIDGET (self->offsite_list)) != NULL);
}

static void
folder_added_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  g_autoptr(KsPlanDestination) dest = ks_backup_plan_add_path_finish (KS_BACKUP_PLAN (object), result, &error);

  if (dest == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error);
}

static void
chooser_response_cb (KsPreferencesWindow  *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        ks_backup_plan_add_path_async (self->plan, path, NULL, self->cancellable,
                                       folder_added_cb, g_object_ref (self));
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_clear_object (&self->chooser);
}

static void
add_destination_cb (KsPreferencesWindow *self)
{
  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Add Backup Folder"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Add"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response",
                           G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
add_remote_cb (KsPreferencesWindow *self)
{
  GtkWidget *dialog;

  g_assert (KS_IS_PREFERENCES_WINDOW (self));

  dialog = ks_remote_dialog_new (ADW_PREFERENCES_WINDOW (self), self->plan);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ks_preferences_window_dispose (GObject *object)
{
  KsPreferencesWindow *self = (KsPreferencesWindow *)object;

  g_cancellable_cancel (self->cancellable);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_PREFERENCES_WINDOW);

  g_clear_object (&self->drives);
  g_clear_object (&self->plan);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->example_asset);
  g_clear_pointer (&self->example_device, g_free);
  g_clear_pointer (&self->layout_preview, g_free);

  G_OBJECT_CLASS (ks_preferences_window_parent_class)->dispose (object);
}

static void
ks_preferences_window_class_init (KsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/ks-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, destinations_group);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, destinations_list);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, live_videos_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, edited_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, sidecars_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, videos_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, layout_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, layout_preview_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, jpeg_list);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, library_views_list);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, trashed_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, hidden_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, offsite_group);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, offsite_list);
  gtk_widget_class_bind_template_callback (widget_class, add_destination_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_remote_cb);
  gtk_widget_class_bind_template_callback (widget_class, layout_changed_cb);
}

static void
ks_preferences_window_init (KsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}
