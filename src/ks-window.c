/* ks-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The main window's shell: the sidebar of connected iPhones and folders, and for the source
 * selected either the status page its state calls for (trust, unlock, …) or its library. It
 * follows the selected iPhone's state and name. Its actions are in ks-window-actions.c, its
 * backups in ks-window-backup.c. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-device-status-page.h"
#include "ks-library-page.h"
#include "ks-photo-grid.h"
#include "ks-progress-panel.h"
#include "ks-sidebar.h"
#include "ks-window-private.h"

G_DEFINE_FINAL_TYPE (KsWindow, ks_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_FILTER_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ks_window_update_page (KsWindow *self);

KsWindow *
ks_window_new (KsApplication *application)
{
  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  return g_object_new (KS_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * ks_window_dup_example_asset:
 * @device_name: (out) (optional) (transfer full): the iPhone's name
 *
 * Returns: (transfer full) (nullable): the newest photo of the library shown, for examples
 */
KsAsset *
ks_window_dup_example_asset (KsWindow  *self,
                             char     **device_name)
{
  GListModel *assets;

  g_return_val_if_fail (KS_IS_WINDOW (self), NULL);

  if (device_name != NULL)
    *device_name = self->device ? g_strdup (ks_device_get_name (self->device)) : NULL;

  assets = ks_library_page_get_assets (self->library_page);
  if (assets == NULL || g_list_model_get_n_items (assets) == 0)
    return NULL;

  return g_list_model_get_item (assets, 0);
}

/**
 * ks_window_add_folder:
 * @path: a folder of photos (a camera card, an old export)
 *
 * Adds @path to the sidebar's folders (the same as Add Folder…) and shows it.
 */
void
ks_window_add_folder (KsWindow   *self,
                      const char *path)
{
  g_return_if_fail (KS_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  ks_sidebar_add_folder (self->sidebar, path);
}

/* ---- for the window's parts ---- */

KsApplication *
_ks_window_get_application (KsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return KS_IS_APPLICATION (app) ? KS_APPLICATION (app) : NULL;
}

/* The folders the plan backs up to, or %NULL when none is switched on (or the plan cannot be
 * read): the window then does not back up at all. */
char **
_ks_window_dup_destinations (KsWindow *self)
{
  g_autoptr(GPtrArray) enabled = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;

  if (self->service == NULL)
    return NULL;

  enabled = ks_backup_plan_dup_enabled (ks_backup_service_get_plan (self->service),
                                        KS_BACKUP_METHOD_FILES);
  if (enabled->len == 0)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < enabled->len; i++)
    g_strv_builder_add (builder, ks_plan_destination_get_location (g_ptr_array_index (enabled, i)));

  return g_strv_builder_end (builder);
}

/* A library is shown that could be backed up: a ready iPhone's, or a folder's. */
gboolean
_ks_window_get_ready (KsWindow *self)
{
  GListModel *assets = ks_library_page_get_assets (self->library_page);

  /* A library that could not be read at all has nothing to back up (a half-read one has). */
  if (ks_library_page_get_error (self->library_page) != NULL
      && (assets == NULL || g_list_model_get_n_items (assets) == 0))
    return FALSE;

  return ((self->device != NULL && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY)
          || self->folder_path != NULL)
         && ks_library_page_get_source (self->library_page) != NULL;
}

/* ---- library ---- */

static void
ks_window_update_backup_state (KsWindow *self)
{
  KsSourceRow *row;
  guint n, missing;

  g_assert (KS_IS_WINDOW (self));

  if (self->device == NULL && self->folder_path == NULL)
    return;
  if (!ks_library_page_count_backed_up (self->library_page, &n, &missing))
    return;

  self->n_not_backed_up = missing;
  row = self->folder_path ? ks_sidebar_find_folder_row (self->sidebar, self->folder_path)
                          : ks_sidebar_find_device_row (self->sidebar, self->device);
  /* Not "All 0 backed up" for a library that could not be read. */
  if (row != NULL && n == 0 && ks_library_page_get_error (self->library_page) != NULL)
    ks_source_row_set_backup_state (row, NULL);
  else
    ks_sidebar_show_backup_state (self->sidebar, row, n, missing);
}

void
_ks_window_refresh_backups (KsWindow *self)
{
  g_autoptr(KsProtection) protection = NULL;

  /* The plan's destinations that are switched on, with their media. */
  protection = self->service ? ks_protection_new_for_plan (ks_backup_service_get_plan (self->service))
                             : ks_protection_new ();
  ks_library_page_set_protection (self->library_page, protection);
  ks_library_page_refresh_backups (self->library_page);
}

static char *
describe_library (KsWindow *self)
{
  GListModel *assets = ks_library_page_get_assets (self->library_page);
  guint n;

  if (assets == NULL)
    return NULL;

  n = g_list_model_get_n_items (assets);
  if (n == 0 && ks_library_page_get_error (self->library_page) != NULL)
    return NULL;  /* the page says why */
  if (ks_library_page_get_loading (self->library_page))
    /* Translators: shown while the library is read, %'u is how many were found */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Reading… %'u found",
                                         "Reading… %'u found", n), n);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%'u photo or video",
                                       "%'u photos and videos", n), n);
}

static void
ks_window_update_title (KsWindow *self)
{
  g_autofree char *subtitle = NULL;
  const char *title = _("Keepsake");

  g_assert (KS_IS_WINDOW (self));

  if (self->device != NULL)
    {
      const char *name = ks_device_get_name (self->device);
      const char *library_udid = ks_library_page_get_udid (self->library_page);

      if (name != NULL && *name != '\0'
          && g_strcmp0 (ks_device_get_udid (self->device), library_udid) == 0)
        {
          g_free (self->library_name);
          self->library_name = g_strdup (name);
        }
      else if ((name == NULL || *name == '\0')
               && g_strcmp0 (ks_device_get_udid (self->device), library_udid) == 0)
        {
          KsSourceRow *row = ks_sidebar_find_device_row (self->sidebar, self->device);

          name = self->library_name;
          if (row != NULL)
            ks_source_row_set_fallback_name (row, name);
        }

      title = name ? name : _("iPhone");

      if (ks_device_get_state (self->device) == KS_DEVICE_STATE_READY)
        subtitle = describe_library (self);
    }
  else if (self->folder_path != NULL)
    {
      KsSource *source = ks_library_page_get_source (self->library_page);

      /* A device backup is called by the phone's name once it is open. */
      g_free (self->folder_title);
      self->folder_title = source ? ks_source_dup_display_name (source)
                                  : g_filename_display_basename (self->folder_path);
      title = self->folder_title;
      subtitle = describe_library (self);
    }

  adw_window_title_set_title (self->content_title, title);
  adw_window_title_set_subtitle (self->content_title, subtitle ? subtitle : "");
}

static void
library_changed_cb (KsWindow *self)
{
  g_autoptr(KsPhotosDb) library = NULL;

  g_assert (KS_IS_WINDOW (self));

  /* The phone's albums and the rest under the devices, once its library is read. */
  library = ks_library_page_dup_library (self->library_page);
  ks_sidebar_set_library (self->sidebar, library);
  ks_window_update_page (self);
}

static void
library_backups_counted_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  ks_window_update_backup_state (self);
}

static void
library_n_selected_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  _ks_window_actions_update (self);
}

/* ---- pages ---- */

static void
password_response_cb (KsWindow         *self,
                      const char       *response,
                      AdwMessageDialog *dialog)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

  g_assert (KS_IS_WINDOW (self));

  self->password_dialog = NULL;
  if (g_strcmp0 (response, "open") == 0)
    {
      g_autofree char *password = g_strdup (gtk_editable_get_text (entry));

      /* Kept nowhere but in the backup source, until it is used. */
      gtk_editable_set_text (entry, "");
      ks_library_page_unlock (self->library_page, password);
      explicit_bzero (password, strlen (password));
    }
  else
    self->password_declined = TRUE;
}

/* An encrypted device backup: its password is asked for (again after a wrong one). */
static void
ks_window_ask_password (KsWindow   *self,
                        const char *why)
{
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  if (self->password_dialog != NULL || self->password_declined)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Encrypted Backup"), why));
  /* A hidden GtkEntry, not GtkPasswordEntry: GTK 4.8's one warns when its dialog goes away. */
  entry = gtk_entry_new ();
  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Backup password"),
                                  -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "open", _("_Open"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "open", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "open");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (password_response_cb), self, G_CONNECT_SWAPPED);
  self->password_dialog = GTK_WIDGET (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* The library's page: the grid, or why there is nothing in it. */
static const char *
ks_window_library_page_name (KsWindow *self)
{
  GListModel *assets = ks_library_page_get_assets (self->library_page);
  const char *error = ks_library_page_get_error (self->library_page);

  if (assets != NULL && g_list_model_get_n_items (assets) > 0)
    return "grid";
  if (ks_library_page_get_loading (self->library_page))
    return "loading";
  if (error != NULL)
    {
      ks_device_status_page_set_error (self->status_page, error);
      if (ks_library_page_get_needs_password (self->library_page))
        ks_window_ask_password (self, error);
      return "error";
    }
  return "empty";
}

void
_ks_window_update_page (KsWindow *self)
{
  ks_window_update_page (self);
}

static void
ks_window_update_page (KsWindow *self)
{
  const char *page;

  g_assert (KS_IS_WINDOW (self));

  if (self->folder_path != NULL)
    {
      ks_library_page_show_folder (self->library_page, self->folder_path);
      page = ks_window_library_page_name (self);
    }
  else if (self->device == NULL)
    {
      page = (self->monitor && ks_device_monitor_get_usbmuxd_missing (self->monitor))
             ? "usbmuxd-missing" : "no-device";
    }
  else
    {
      KsDeviceState state = ks_device_get_state (self->device);

      page = ks_device_status_page_name_for_state (state);

      if (state == KS_DEVICE_STATE_ERROR)
        ks_device_status_page_set_error (self->status_page, ks_device_get_message (self->device));

      if (state == KS_DEVICE_STATE_READY)
        {
          ks_library_page_show_device (self->library_page, self->device,
                                       _ks_window_backup_running (self));
          page = ks_window_library_page_name (self);
        }
    }

  if (g_strcmp0 (page, "grid") == 0)
    gtk_stack_set_visible_child_name (self->stack, "grid");
  else
    {
      ks_device_status_page_show (self->status_page, page);
      gtk_stack_set_visible_child_name (self->stack, "status");
    }

  ks_window_update_title (self);
  _ks_window_actions_update (self);
  _ks_window_follow_run (self);
}

/* ---- the selected iPhone ---- */

static void
device_state_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  self->n_device_updates++;
  ks_window_update_page (self);
}

static void
device_name_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  self->n_device_updates++;
  ks_window_update_title (self);
}

static void
ks_window_select_device (KsWindow *self,
                         KsDevice *device)
{
  g_assert (KS_IS_WINDOW (self));

  if (device != NULL)
    g_clear_pointer (&self->folder_path, g_free);

  /* The signal group follows one iPhone at a time: selecting another moves every handler. */
  if (g_set_object (&self->device, device))
    g_signal_group_set_target (self->device_signals, device);

  ks_sidebar_select_device (self->sidebar, device);
  ks_window_update_page (self);
  ks_window_update_backup_state (self);
}

static void
devices_changed_cb (KsWindow   *self,
                    guint       position,
                    guint       removed,
                    guint       added,
                    GListModel *devices)
{
  guint n = g_list_model_get_n_items (devices);
  const char *library_udid = ks_library_page_get_udid (self->library_page);
  KsDevice *next = NULL;

  g_assert (KS_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (devices, i);

      /* Stay with the selected iPhone; when it is gone, take the same one back when it
       * returns (its library and a stopped backup are waiting), else the first. */
      if (device == self->device)
        {
          next = device;
          break;
        }
      if (next == NULL
          || (library_udid != NULL && g_strcmp0 (ks_device_get_udid (device), library_udid) == 0))
        next = device;
    }

  if (next != NULL && self->device != NULL && next != self->device
      && g_strcmp0 (ks_device_get_udid (next), library_udid) != 0
      && _ks_window_backup_running (self))
    /* A backup of another iPhone is running; do not switch under it. */
    next = NULL;

  /* A folder the user is looking at stays; the iPhone waits in the sidebar. */
  if (self->folder_path != NULL && self->device == NULL)
    return;

  ks_window_select_device (self, next);
}

static void
ks_window_select_folder (KsWindow   *self,
                         const char *path)
{
  g_assert (KS_IS_WINDOW (self));

  if (_ks_window_backup_running (self))
    return;

  if (g_set_object (&self->device, NULL))
    g_signal_group_set_target (self->device_signals, NULL);

  /* Chosen again: an encrypted backup's password is asked for again. */
  self->password_declined = FALSE;
  g_free (self->folder_path);
  self->folder_path = g_strdup (path);
  ks_sidebar_select_folder (self->sidebar, path);

  ks_window_update_page (self);
  ks_window_update_backup_state (self);
}

static void
monitor_notify_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  ks_window_update_page (self);
}

/* ---- sidebar ---- */

static void
sidebar_device_activated_cb (KsWindow *self,
                             KsDevice *device)
{
  g_assert (KS_IS_WINDOW (self));

  if (device != NULL && !_ks_window_backup_running (self))
    ks_window_select_device (self, device);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
sidebar_collection_activated_cb (KsWindow   *self,
                                 const char *collection)
{
  g_assert (KS_IS_WINDOW (self));

  ks_library_page_set_collection (self->library_page, collection);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
sidebar_folder_activated_cb (KsWindow   *self,
                             const char *path)
{
  g_assert (KS_IS_WINDOW (self));

  if (path != NULL)
    ks_window_select_folder (self, path);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

/* The folder shown cannot go while a backup reads from it; otherwise the window lets go of
 * its library. */
static gboolean
sidebar_remove_folder_cb (KsWindow   *self,
                          const char *path)
{
  g_assert (KS_IS_WINDOW (self));

  if (g_strcmp0 (path, self->folder_path) != 0)
    return FALSE;

  if (_ks_window_backup_running (self))
    return TRUE;

  g_clear_pointer (&self->folder_path, g_free);
  ks_library_page_clear (self->library_page);
  return FALSE;
}

static void
sidebar_folders_changed_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  /* The rows are new: the folder shown gets its count back. */
  if (self->folder_path != NULL)
    ks_window_update_backup_state (self);
  /* The folder shown was removed: back to an iPhone, if one is connected. */
  else if (self->device == NULL && self->monitor != NULL)
    devices_changed_cb (self, 0, 0, 0, ks_device_monitor_get_devices (self->monitor));
  else if (self->device == NULL)
    ks_window_update_page (self);
}

/* ---- life cycle ---- */

/* The first label in @widget, itself included (the label inside an AdwButtonContent). */
static GtkWidget *
find_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *label = find_label (child);

      if (label != NULL)
        return label;
    }

  return NULL;
}

/* Folded to a phone's width, the header keeps room for the iPhone's name. */
static void
leaflet_folded_cb (KsWindow *self)
{
  GtkWidget *content = gtk_button_get_child (GTK_BUTTON (self->backup_all_button));
  GtkWidget *label = find_label (content);
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  g_assert (KS_IS_WINDOW (self));

  adw_button_content_set_label (ADW_BUTTON_CONTENT (content), folded ? "" : _("_Back Up Everything"));

  /* Its label names the button, through the mnemonic. Only the icon left, the button needs a
   * name of its own, and not the empty label's too: GTK 4.8 joins them ("Back Up Everything "),
   * as it would the label's ("Back Up Everything Back Up Everything"). */
  if (folded)
    {
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->backup_all_button),
                                     GTK_ACCESSIBLE_RELATION_LABELLED_BY);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->backup_all_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back Up Everything"),
                                      -1);
    }
  else
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->backup_all_button),
                                     GTK_ACCESSIBLE_PROPERTY_LABEL);
      if (label != NULL)
        gtk_accessible_update_relation (GTK_ACCESSIBLE (self->backup_all_button),
                                        GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                        -1);
    }
}

static void
backup_service_notify_cb (KsWindow      *self,
                          GParamSpec    *pspec,
                          KsApplication *app)
{
  g_assert (KS_IS_WINDOW (self));

  _ks_window_set_backup_service (self, ks_application_get_backup_service (app));
}

/* More of the Demo iPhone's library is made: the grid shows it, if it shows that iPhone. */
static void
demo_changed_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  if (g_strcmp0 (ks_library_page_get_udid (self->library_page),
                 ks_demo_library_get_udid (self->demo)) == 0)
    ks_library_page_update (self->library_page);
}

/* "application" is not a construct property, so it arrives after constructed(). */
static void
ks_window_application_notify_cb (KsWindow *self)
{
  KsApplication *app;
  GListModel *devices;

  g_assert (KS_IS_WINDOW (self));

  app = _ks_window_get_application (self);
  if (app == NULL || self->monitor != NULL)
    return;

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  self->thumbnailer = g_object_ref (ks_application_get_thumbnailer (app));
  ks_library_page_set_thumbnailer (self->library_page, self->thumbnailer);

  /* The service comes with the catalog, opened on a worker when the application starts. */
  g_signal_connect_object (app, "notify::backup-service",
                           G_CALLBACK (backup_service_notify_cb), self,
                           G_CONNECT_SWAPPED);
  _ks_window_set_backup_service (self, ks_application_get_backup_service (app));

  self->monitor = g_object_ref (ks_application_get_device_monitor (app));
  g_signal_connect_object (self->monitor, "notify::usbmuxd-missing",
                           G_CALLBACK (monitor_notify_cb), self,
                           G_CONNECT_SWAPPED);
  devices = ks_device_monitor_get_devices (self->monitor);
  /* Started by keepsake-demo while it makes the Demo iPhone's library. */
  self->demo = ks_demo_library_new_from_environment ();
  if (self->demo != NULL)
    {
      ks_sidebar_set_demo_library (self->sidebar, self->demo);
      g_signal_connect_object (self->demo, "changed", G_CALLBACK (demo_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  /* The sidebar makes its rows first: the handler below finds them. */
  ks_sidebar_set_devices (self->sidebar, devices);
  g_signal_connect_object (devices, "items-changed",
                           G_CALLBACK (devices_changed_cb), self,
                           G_CONNECT_SWAPPED);
  devices_changed_cb (self, 0, 0, 0, devices);
}

static void
ks_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsWindow *self = KS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER_NAME:
      g_value_set_string (value, self->filter_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsWindow *self = KS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER_NAME:
      _ks_window_set_filter_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_window_dispose (GObject *object)
{
  KsWindow *self = (KsWindow *)object;

  _ks_window_backup_dispose (self);

  if (self->device_signals != NULL)
    g_signal_group_set_target (self->device_signals, NULL);
  g_clear_object (&self->device);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_WINDOW);

  g_clear_object (&self->device_signals);
  g_clear_object (&self->monitor);
  g_clear_object (&self->demo);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_window_parent_class)->dispose (object);
}

static void
ks_window_finalize (GObject *object)
{
  KsWindow *self = (KsWindow *)object;

  _ks_window_backup_finalize (self);
  g_free (self->filter_name);
  g_free (self->library_name);
  g_free (self->folder_path);
  g_free (self->folder_title);

  G_OBJECT_CLASS (ks_window_parent_class)->finalize (object);
}

static void
ks_window_class_init (KsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_window_dispose;
  object_class->finalize = ks_window_finalize;
  object_class->get_property = ks_window_get_property;
  object_class->set_property = ks_window_set_property;

  properties[PROP_FILTER_NAME] =
    g_param_spec_string ("filter-name", NULL, NULL, "all",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KS_TYPE_SIDEBAR);
  g_type_ensure (KS_TYPE_DEVICE_STATUS_PAGE);
  g_type_ensure (KS_TYPE_LIBRARY_PAGE);
  g_type_ensure (KS_TYPE_PROGRESS_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/ks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, backup_all_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, destination_bar);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, library_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, progress_panel);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_device_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_collection_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_folder_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_remove_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_folders_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, library_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, library_backups_counted_cb);
  gtk_widget_class_bind_template_callback (widget_class, library_n_selected_cb);

  _ks_window_class_backup_init (klass);
  _ks_window_class_actions_init (klass);
}

static void
ks_window_init (KsWindow *self)
{
  /* The filter toggles read the action state while the template is built. */
  self->filter_name = g_strdup ("all");

  gtk_widget_init_template (GTK_WIDGET (self));

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif

  self->settings = g_settings_new (APP_ID);
  _ks_window_backup_init (self);

  self->device_signals = g_signal_group_new (KS_TYPE_DEVICE);
  g_signal_group_connect_object (self->device_signals, "notify::state",
                                 G_CALLBACK (device_state_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->device_signals, "notify::name",
                                 G_CALLBACK (device_name_cb), self,
                                 G_CONNECT_SWAPPED);

  g_signal_connect_object (self->leaflet, "notify::folded",
                           G_CALLBACK (leaflet_folded_cb), self,
                           G_CONNECT_SWAPPED);
  leaflet_folded_cb (self);

  g_signal_connect (self, "notify::application",
                    G_CALLBACK (ks_window_application_notify_cb), NULL);

  ks_window_update_page (self);
}

/* ---- for tests ---- */

KsPhotoGrid *
_ks_window_get_photo_grid (KsWindow *self)
{
  return ks_library_page_get_photo_grid (self->library_page);
}

KsProgressPanel *
_ks_window_get_progress_panel (KsWindow *self)
{
  return self->progress_panel;
}

const char *
_ks_window_get_page (KsWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "status") == 0)
    return ks_device_status_page_get_page (self->status_page);

  return page;
}

gboolean
_ks_window_get_progress_revealed (KsWindow *self)
{
  return gtk_revealer_get_reveal_child (self->progress_revealer);
}

gboolean
_ks_window_get_job_running (KsWindow *self)
{
  return _ks_window_backup_running (self);
}

GListModel *
_ks_window_get_assets (KsWindow *self)
{
  return ks_library_page_get_assets (self->library_page);
}

KsSource *
_ks_window_get_source (KsWindow *self)
{
  return ks_library_page_get_source (self->library_page);
}

KsCopyCounter *
_ks_window_get_backup_index (KsWindow *self)
{
  return ks_library_page_get_backup_index (self->library_page);
}

AdwToast *
_ks_window_get_toast (KsWindow *self)
{
  return self->toast;
}

const char *
_ks_window_get_last_toast (KsWindow *self)
{
  return self->last_toast;
}

KsSourceRow *
_ks_window_get_source_row (KsWindow *self)
{
  return ks_sidebar_find_device_row (self->sidebar, self->device);
}

guint
_ks_window_get_n_not_backed_up (KsWindow *self)
{
  return self->n_not_backed_up;
}

gboolean
_ks_window_get_can_resume (KsWindow *self)
{
  return _ks_window_can_resume (self);
}

/* How often the window handled a change of the selected iPhone (its state or name). */
guint
_ks_window_get_n_device_updates (KsWindow *self)
{
  return self->n_device_updates;
}
