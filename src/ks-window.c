/* ks-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The main window: the sidebar of connected iPhones, and for the selected one either the page
 * its state calls for (trust, unlock, …) or its library in the photo grid. It starts backups
 * (everything, or the selection), shows their progress, and reports how they ended. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-asset-model.h"
#include "ks-copy-counter.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-import-job.h"
#include "ks-layout.h"
#include "ks-photo-cell.h"
#include "ks-photo-grid.h"
#include "ks-progress-panel.h"
#include "ks-settings.h"
#include "ks-source-row.h"
#include "ks-window-private.h"

G_DEFINE_FINAL_TYPE (KsWindow, ks_window, ADW_TYPE_APPLICATION_WINDOW)

static void ks_window_update_page      (KsWindow *self);
static void ks_window_update_actions   (KsWindow *self);
static void ks_window_refresh_backups  (KsWindow *self);
static void backup_service_ready_cb    (KsWindow *self);
static void ks_window_select_device    (KsWindow *self,
                                        KsDevice *device);
static void devices_changed_cb         (KsWindow   *self,
                                        guint       position,
                                        guint       removed,
                                        guint       added,
                                        GListModel *devices);

KsWindow *
ks_window_new (KsApplication *application)
{
  KsWindow *self;

  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  self = g_object_new (KS_TYPE_WINDOW,
                       "application", application,
                       NULL);
  g_signal_connect_object (application, "notify::backup-service",
                           G_CALLBACK (backup_service_ready_cb), self,
                           G_CONNECT_SWAPPED);
  backup_service_ready_cb (self);

  return self;
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
  g_return_val_if_fail (KS_IS_WINDOW (self), NULL);

  if (device_name != NULL)
    *device_name = self->device ? g_strdup (ks_device_get_name (self->device)) : NULL;

  if (self->asset_model == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->asset_model)) == 0)
    return NULL;

  return g_list_model_get_item (G_LIST_MODEL (self->asset_model), 0);
}

/* ---- helpers ---- */

static KsApplication *
get_app (KsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return KS_IS_APPLICATION (app) ? KS_APPLICATION (app) : NULL;
}

/* "~/Pictures/iPhone" reads better as "Pictures/iPhone". */
static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize len = strlen (home);

  if (g_str_has_prefix (path, home) && path[len] == G_DIR_SEPARATOR && path[len + 1] != '\0')
    return g_strdup (path + len + 1);

  return g_strdup (path);
}

/* The folders a backup writes to, or %NULL when the user switched every one off: the window
 * then does not back up at all. */
static char **
dup_backup_destinations (KsWindow *self)
{
  KsApplication *app = get_app (self);
  KsBackupPlan *plan = app ? ks_application_get_backup_plan (app) : NULL;
  g_autoptr(GPtrArray) enabled = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  /* Until the catalog is open (a moment after start), nothing can be backed up. */
  if (plan == NULL)
    return NULL;

  enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FILES);
  if (enabled->len == 0)
    return NULL;

  for (guint i = 0; i < enabled->len; i++)
    g_strv_builder_add (builder, ks_plan_destination_get_location (g_ptr_array_index (enabled, i)));

  return g_strv_builder_end (builder);
}

static gboolean
has_backup_destination (KsWindow *self)
{
  g_auto(GStrv) paths = dup_backup_destinations (self);

  return paths != NULL;
}

/* What a backup copied, as the user counts: "20 photos and 3 videos", "1 photo", "3 videos"
 * (a Live Photo with its movie, edit and sidecar is one photo). */
static char *
describe_copied (guint photos,
                 guint videos)
{
  g_autofree char *photos_text = NULL;
  g_autofree char *videos_text = NULL;

  /* Translators: part of "20 photos and 3 videos backed up to Pictures/iPhone" */
  photos_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u photo", "%'u photos", photos),
                                 photos);
  /* Translators: part of "20 photos and 3 videos backed up to Pictures/iPhone" */
  videos_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u video", "%'u videos", videos),
                                 videos);

  if (videos == 0)
    return g_steal_pointer (&photos_text);
  if (photos == 0)
    return g_steal_pointer (&videos_text);

  /* Translators: "20 photos and 3 videos" */
  return g_strdup_printf (_("%s and %s"), photos_text, videos_text);
}

/* Where a backup went: "Pictures/iPhone", or "2 folders" (a toast has no room for more). */
static char *
describe_destinations (const char * const *paths)
{
  guint n = paths ? g_strv_length ((char **)paths) : 0;

  if (n == 1)
    return display_path (paths[0]);

  /* Translators: where a backup went, as in "20 photos backed up to 2 folders" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u folder", "%'u folders", n), n);
}

static GPtrArray *
snapshot_assets (GListModel *model)
{
  guint n = model ? g_list_model_get_n_items (model) : 0;
  GPtrArray *ret = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ret, g_list_model_get_item (model, i));

  return ret;
}

static const char *
page_for_state (KsDeviceState state)
{
  switch (state)
    {
    case KS_DEVICE_STATE_CONNECTING:        return "connecting";
    case KS_DEVICE_STATE_READY:             return "grid";
    case KS_DEVICE_STATE_WAITING_FOR_TRUST: return "trust";
    case KS_DEVICE_STATE_TRUST_DENIED:      return "trust-denied";
    case KS_DEVICE_STATE_LOCKED:            return "locked";
    case KS_DEVICE_STATE_PAIRING_LOST:      return "pairing-lost";
    case KS_DEVICE_STATE_USBMUXD_MISSING:   return "usbmuxd-missing";
    case KS_DEVICE_STATE_ERROR:             return "error";
    case KS_DEVICE_STATE_DISCONNECTED:
    default:                                return "no-device";
    }
}

static KsSourceRow *
find_row (KsWindow *self,
          KsDevice *device)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->source_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (KS_IS_SOURCE_ROW (child) && ks_source_row_get_device (KS_SOURCE_ROW (child)) == device)
      return KS_SOURCE_ROW (child);

  return NULL;
}

static KsSourceRow *
find_folder_row (KsWindow   *self,
                 const char *path)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (KS_IS_SOURCE_ROW (child)
        && g_strcmp0 (ks_source_row_get_folder (KS_SOURCE_ROW (child)), path) == 0)
      return KS_SOURCE_ROW (child);

  return NULL;
}

/* ---- library ---- */

static void
ks_window_update_backup_state (KsWindow *self)
{
  g_autofree char *text = NULL;
  KsSourceRow *row;
  guint n, missing = 0;

  if ((self->device == NULL && self->folder_path == NULL) || self->asset_model == NULL
      || !ks_copy_counter_is_known (self->backup_index))
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->asset_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (G_LIST_MODEL (self->asset_model), i);

      if (ks_copy_counter_get_copies (self->backup_index, asset) <= 0)
        missing++;
    }

  if (missing == 0)
    /* Translators: the backup state of a device in the sidebar */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u item, all backed up",
                                         "All %'u backed up", n), n);
  else
    /* Translators: the backup state of a device in the sidebar, e.g. "1,204 not backed up yet" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u not backed up yet",
                                         "%'u not backed up yet", missing), missing);

  self->n_not_backed_up = missing;
  row = self->folder_path ? find_folder_row (self, self->folder_path) : find_row (self, self->device);
  if (row != NULL)
    ks_source_row_set_backup_state (row, text);
}

static void
refresh_backups_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(KsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ks_copy_counter_refresh_finish (KS_COPY_COUNTER (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not count backed-up photos: %s", error->message);
      return;
    }

  ks_window_update_backup_state (self);
}

static void
ks_window_refresh_backups (KsWindow *self)
{
  g_autoptr(GPtrArray) assets = NULL;
  g_auto(GStrv) destinations = NULL;

  if (self->asset_model == NULL || self->source == NULL)
    return;

  g_cancellable_cancel (self->index_cancellable);
  g_clear_object (&self->index_cancellable);
  self->index_cancellable = g_cancellable_new ();

  assets = snapshot_assets (G_LIST_MODEL (self->asset_model));
  /* With every destination switched off nothing counts as backed up. */
  destinations = dup_backup_destinations (self);
  if (destinations == NULL)
    destinations = g_new0 (char *, 1);
  ks_copy_counter_refresh_async (self->backup_index,
                                 self->source,
                                 assets,
                                 (const char * const *)destinations,
                                 self->index_cancellable,
                                 refresh_backups_cb,
                                 g_object_ref (self));
}

static void
ks_window_update_title (KsWindow *self)
{
  g_autofree char *subtitle = NULL;
  const char *title = _("Keepsake");

  if (self->device != NULL)
    {
      const char *name = ks_device_get_name (self->device);

      if (name != NULL && *name != '\0'
          && g_strcmp0 (ks_device_get_udid (self->device), self->library_udid) == 0)
        {
          g_free (self->library_name);
          self->library_name = g_strdup (name);
        }
      else if ((name == NULL || *name == '\0')
               && g_strcmp0 (ks_device_get_udid (self->device), self->library_udid) == 0)
        {
          KsSourceRow *row = find_row (self, self->device);

          name = self->library_name;
          if (row != NULL)
            ks_source_row_set_fallback_name (row, name);
        }

      title = name ? name : _("iPhone");

      if (self->asset_model != NULL && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (self->asset_model));

          if (ks_asset_model_get_loading (self->asset_model))
            /* Translators: shown while the library is read, %'u is how many were found */
            subtitle = g_strdup_printf (_("Reading… %'u found"), n);
          else
            subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%'u photo or video",
                                                     "%'u photos and videos", n), n);
        }
    }

  else if (self->folder_path != NULL)
    {
      g_autofree char *basename = g_filename_display_basename (self->folder_path);

      g_free (self->folder_title);
      self->folder_title = g_steal_pointer (&basename);
      title = self->folder_title;
      if (self->asset_model != NULL)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (self->asset_model));

          if (ks_asset_model_get_loading (self->asset_model))
            subtitle = g_strdup_printf (_("Reading… %'u found"), n);
          else
            subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%'u photo or video",
                                                     "%'u photos and videos", n), n);
        }
    }

  adw_window_title_set_title (self->content_title, title);
  adw_window_title_set_subtitle (self->content_title, subtitle ? subtitle : "");
}

static void
asset_model_changed_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  ks_window_update_title (self);
  ks_window_update_page (self);
}

static void
load_library_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ks_asset_model_load_finish (KS_ASSET_MODEL (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_warning ("Could not read the library: %s", error->message);
      if (KS_ASSET_MODEL (object) == self->asset_model)
        {
          /* A half-read library is kept (its photos are real); an empty one is retried
           * the next time the device is ready. */
          self->library_failed = TRUE;
          adw_status_page_set_description (self->error_page, error->message);
        }
    }

  if (KS_ASSET_MODEL (object) != self->asset_model)
    return;

  ks_window_update_title (self);
  ks_window_update_page (self);
  ks_window_refresh_backups (self);
}

static void
ks_window_clear_library (KsWindow *self)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_cancellable_cancel (self->index_cancellable);
  g_clear_object (&self->index_cancellable);

  if (self->asset_model != NULL)
    g_signal_handlers_disconnect_by_func (self->asset_model, asset_model_changed_cb, self);

  ks_photo_grid_set_library (self->photo_grid, NULL, NULL);
  ks_copy_counter_clear (self->backup_index);
  g_clear_object (&self->asset_model);
  g_clear_object (&self->source);
  g_clear_object (&self->library_device);
  g_clear_pointer (&self->library_udid, g_free);
  g_clear_pointer (&self->library_folder, g_free);
  self->library_failed = FALSE;
}

static void
ks_window_start_loading (KsWindow *self)
{
  self->asset_model = ks_asset_model_new (self->source);
  self->load_cancellable = g_cancellable_new ();

  g_signal_connect_object (self->asset_model, "items-changed",
                           G_CALLBACK (asset_model_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->asset_model, "notify::loading",
                           G_CALLBACK (asset_model_changed_cb), self,
                           G_CONNECT_SWAPPED);

  ks_photo_grid_set_library (self->photo_grid, G_LIST_MODEL (self->asset_model), self->source);

  ks_asset_model_load_async (self->asset_model,
                             self->load_cancellable,
                             load_library_cb,
                             g_object_ref (self));
}

static void
ks_window_load_folder_library (KsWindow *self)
{
  g_autoptr(GFile) file = NULL;

  g_assert (KS_IS_WINDOW (self));
  g_assert (self->folder_path != NULL);

  if (self->asset_model != NULL && g_strcmp0 (self->library_folder, self->folder_path) == 0)
    return;

  ks_window_clear_library (self);

  self->library_folder = g_strdup (self->folder_path);
  file = g_file_new_for_path (self->folder_path);
  self->source = KS_SOURCE (ks_folder_source_new (file));
  ks_window_start_loading (self);
}

static void
ks_window_load_library (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));
  g_assert (self->device != NULL);

  /* The same iPhone plugged in again keeps its library: a stopped backup resumes with it.
   * Its connections died with the cable, so it gets a fresh source. */
  if (self->asset_model != NULL
      && g_strcmp0 (self->library_udid, ks_device_get_udid (self->device)) == 0
      && !(self->library_failed && g_list_model_get_n_items (G_LIST_MODEL (self->asset_model)) == 0))
    {
      if (self->library_device != self->device && self->job == NULL)
        {
          g_set_object (&self->library_device, self->device);
          g_clear_object (&self->source);
          self->source = KS_SOURCE (ks_device_source_new_for_device (self->device));
          ks_photo_grid_set_library (self->photo_grid,
                                     G_LIST_MODEL (self->asset_model),
                                     self->source);
        }
      return;
    }

  ks_window_clear_library (self);

  self->library_udid = g_strdup (ks_device_get_udid (self->device));
  g_set_object (&self->library_device, self->device);
  self->source = KS_SOURCE (ks_device_source_new_for_device (self->device));
  ks_window_start_loading (self);
}

/* ---- pages ---- */

static void
ks_window_update_page (KsWindow *self)
{
  const char *page;

  g_assert (KS_IS_WINDOW (self));

  if (self->folder_path != NULL)
    {
      ks_window_load_folder_library (self);

      page = "grid";
      if (g_list_model_get_n_items (G_LIST_MODEL (self->asset_model)) == 0)
        {
          if (ks_asset_model_get_loading (self->asset_model))
            page = "loading";
          else if (self->library_failed)
            page = "error";
          else
            page = "empty";
        }
    }
  else if (self->device == NULL)
    {
      KsDeviceMonitor *monitor = self->monitor;

      page = (monitor && ks_device_monitor_get_usbmuxd_missing (monitor)) ? "usbmuxd-missing"
                                                                          : "no-device";
    }
  else
    {
      KsDeviceState state = ks_device_get_state (self->device);

      page = page_for_state (state);

      if (state == KS_DEVICE_STATE_ERROR)
        adw_status_page_set_description (self->error_page, ks_device_get_message (self->device));

      if (state == KS_DEVICE_STATE_READY)
        {
          ks_window_load_library (self);

          if (g_list_model_get_n_items (G_LIST_MODEL (self->asset_model)) == 0)
            {
              if (ks_asset_model_get_loading (self->asset_model))
                page = "loading";
              else if (self->library_failed)
                page = "error";
              else
                page = "empty";
            }
        }
    }

  gtk_spinner_set_spinning (self->loading_spinner,
                            self->asset_model != NULL && ks_asset_model_get_loading (self->asset_model));
  gtk_widget_set_visible (GTK_WIDGET (self->loading_spinner),
                          self->asset_model != NULL && ks_asset_model_get_loading (self->asset_model));

  gtk_stack_set_visible_child_name (self->stack, page);
  ks_window_update_title (self);
  ks_window_update_actions (self);
}

static void
device_notify_cb (KsWindow   *self,
                  GParamSpec *pspec,
                  KsDevice   *device)
{
  g_assert (KS_IS_WINDOW (self));

  ks_window_update_page (self);

  /* The iPhone came back after a backup stopped: it can go on. */
  if (ks_device_get_state (device) == KS_DEVICE_STATE_READY && self->stopped_job_can_resume)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume", has_backup_destination (self));
}

static void
ks_window_select_device (KsWindow *self,
                         KsDevice *device)
{
  KsSourceRow *row;

  g_assert (KS_IS_WINDOW (self));

  if (device != NULL && self->folder_path != NULL)
    {
      g_clear_pointer (&self->folder_path, g_free);
      gtk_list_box_unselect_all (self->folder_list);
    }

  if (self->device != device)
    {
      if (self->device != NULL)
        g_signal_handlers_disconnect_by_func (self->device, device_notify_cb, self);
      g_set_object (&self->device, device);
      if (device != NULL)
        g_signal_connect_object (device, "notify::state",
                                 G_CALLBACK (device_notify_cb), self,
                                 G_CONNECT_SWAPPED);
      if (device != NULL)
        g_signal_connect_object (device, "notify::name",
                                 G_CALLBACK (ks_window_update_title), self,
                                 G_CONNECT_SWAPPED);
    }

  row = device ? find_row (self, device) : NULL;
  if (row != NULL)
    gtk_list_box_select_row (self->source_list, GTK_LIST_BOX_ROW (row));

  ks_window_update_page (self);
  ks_window_update_backup_state (self);

  if (device != NULL && ks_device_get_state (device) == KS_DEVICE_STATE_READY
      && self->stopped_job_can_resume)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume", has_backup_destination (self));
}

static GtkWidget *
create_source_row (gpointer item,
                   gpointer user_data)
{
  return ks_source_row_new (KS_DEVICE (item));
}

static void
devices_changed_cb (KsWindow   *self,
                    guint       position,
                    guint       removed,
                    guint       added,
                    GListModel *devices)
{
  guint n = g_list_model_get_n_items (devices);
  KsDevice *next = NULL;

  g_assert (KS_IS_WINDOW (self));

  gtk_widget_set_visible (self->no_sources_label, n == 0);

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
          || (self->library_udid != NULL
              && g_strcmp0 (ks_device_get_udid (device), self->library_udid) == 0))
        next = device;
    }

  if (next != NULL && self->device != NULL && next != self->device
      && g_strcmp0 (ks_device_get_udid (next), self->library_udid) != 0
      && self->job != NULL)
    /* A backup of another iPhone is running; do not switch under it. */
    next = NULL;

  /* A folder the user is looking at stays; the iPhone waits in the sidebar. */
  if (self->folder_path != NULL && self->device == NULL)
    return;

  ks_window_select_device (self, next);
}

static void
source_row_activated_cb (KsWindow      *self,
                         GtkListBoxRow *row)
{
  g_assert (KS_IS_WINDOW (self));

  if (KS_IS_SOURCE_ROW (row) && self->job == NULL)
    ks_window_select_device (self, ks_source_row_get_device (KS_SOURCE_ROW (row)));

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
ks_window_select_folder (KsWindow   *self,
                         const char *path)
{
  KsSourceRow *row;

  g_assert (KS_IS_WINDOW (self));

  if (self->job != NULL)
    return;

  if (self->device != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->device, self);
      g_clear_object (&self->device);
    }
  gtk_list_box_unselect_all (self->source_list);

  g_free (self->folder_path);
  self->folder_path = g_strdup (path);

  row = find_folder_row (self, path);
  if (row != NULL)
    gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (row));

  ks_window_update_page (self);
  ks_window_update_backup_state (self);
}

static void
folder_row_activated_cb (KsWindow      *self,
                         GtkListBoxRow *row)
{
  g_assert (KS_IS_WINDOW (self));

  if (KS_IS_SOURCE_ROW (row))
    ks_window_select_folder (self, ks_source_row_get_folder (KS_SOURCE_ROW (row)));

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
remove_folder_cb (KsWindow    *self,
                  KsSourceRow *row)
{
  g_autofree char *path = g_strdup (ks_source_row_get_folder (row));

  g_assert (KS_IS_WINDOW (self));

  if (g_strcmp0 (path, self->folder_path) == 0)
    {
      if (self->job != NULL)
        return;
      g_clear_pointer (&self->folder_path, g_free);
      ks_window_clear_library (self);
    }
  ks_settings_remove_source_folder (self->settings, path);

  /* Back to an iPhone, if one is connected. */
  if (self->folder_path == NULL && self->device == NULL && self->monitor != NULL)
    {
      GListModel *devices = ks_device_monitor_get_devices (self->monitor);

      devices_changed_cb (self, 0, 0, 0, devices);
    }
}

static void
ks_window_reload_folders (KsWindow *self)
{
  g_auto(GStrv) folders = g_settings_get_strv (self->settings, KS_SETTINGS_SOURCE_FOLDERS);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list))))
    gtk_list_box_remove (self->folder_list, child);

  for (guint i = 0; folders[i] != NULL; i++)
    {
      GtkWidget *row = ks_source_row_new_for_folder (folders[i]);

      g_signal_connect_object (row, "remove", G_CALLBACK (remove_folder_cb), self, G_CONNECT_SWAPPED);
      gtk_list_box_append (self->folder_list, row);
      if (g_strcmp0 (folders[i], self->folder_path) == 0)
        gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (row));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->folder_list), folders[0] != NULL);

  if (self->folder_path != NULL)
    ks_window_update_backup_state (self);
  else if (self->device == NULL)
    ks_window_update_page (self);
}

static void
folder_chooser_response_cb (KsWindow             *self,
                            int                   response,
                            GtkFileChooserNative *chooser)
{
  g_autofree char *path = NULL;

  g_assert (KS_IS_WINDOW (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      path = file ? g_file_get_path (file) : NULL;
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_clear_object (&self->folder_chooser);

  if (path != NULL)
    ks_window_add_folder (self, path);
}

static void
add_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->folder_chooser != NULL)
    return;

  self->folder_chooser = gtk_file_chooser_native_new (_("Add a Folder of Photos"),
                                                      GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                      _("_Add"),
                                                      _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->folder_chooser), TRUE);
  g_signal_connect_object (self->folder_chooser, "response",
                           G_CALLBACK (folder_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->folder_chooser));
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

  ks_settings_add_source_folder (self->settings, path);
  ks_window_select_folder (self, path);
}

static void
monitor_notify_cb (KsWindow *self)
{
  ks_window_update_page (self);
}

/* ---- selection ---- */

static void
n_selected_changed_cb (KsWindow *self)
{
  guint n = ks_photo_grid_get_n_selected (self->photo_grid);

  if (n > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%'u selected",
                                                            "%'u selected", n), n);

      gtk_label_set_text (self->selection_label, text);
    }
  gtk_action_bar_set_revealed (self->selection_bar, n > 0);
  ks_window_update_actions (self);
}

static void
ks_window_update_actions (KsWindow *self)
{
  gboolean ready = ((self->device != NULL
                    && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY)
                   || self->folder_path != NULL)
                   && self->source != NULL;
  gboolean idle = self->job == NULL;
  gboolean can_write = has_backup_destination (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back-up-everything", ready && idle && can_write);
  /* Without a library there is nothing to back up; while a backup runs it stays, dimmed. */
  gtk_widget_set_visible (self->backup_all_button, ready || !idle);
  gtk_widget_set_tooltip_text (self->backup_all_button,
                               can_write ? _("Copy every photo and video that is not backed up yet")
                                         : _("No backup destination is switched on"));
  /* With every destination switched off the backup actions are off; the bar says why. */
  gtk_info_bar_set_revealed (self->destination_bar, ready && !can_write);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-selected",
                                 ready && idle && can_write
                                 && ks_photo_grid_get_n_selected (self->photo_grid) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.select-all", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry",
                                 self->device != NULL
                                 && ks_device_get_state (self->device) != KS_DEVICE_STATE_READY);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume",
                                 ready && idle && can_write && self->stopped_job_can_resume);
}

/* ---- backups ---- */

static void
show_files_cb (AdwToast *toast,
               KsWindow *self)
{
  const char *uri = g_object_get_data (G_OBJECT (toast), "ks-uri");

  if (uri != NULL)
    gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static void
dismiss_summary (KsWindow *self)
{
  if (self->toast == NULL)
    return;
  g_object_remove_weak_pointer (G_OBJECT (self->toast), (gpointer *)&self->toast);
  adw_toast_dismiss (self->toast);
  self->toast = NULL;
}

static void
ks_window_show_toast (KsWindow   *self,
                      const char *title,
                      const char *folder)
{
  /* A toast's title is markup; a folder may be called "Photos & Videos". */
  g_autofree char *markup = g_markup_escape_text (title, -1);
  AdwToast *toast = adw_toast_new (markup);

  /* The newest summary replaces the one before; toasts wait while the window is not focused,
   * and a stale one would otherwise keep the new one queued behind it. */
  dismiss_summary (self);

  adw_toast_set_timeout (toast, 8);
  if (folder != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (folder);

      adw_toast_set_button_label (toast, _("_Show Files"));
      g_object_set_data_full (G_OBJECT (toast), "ks-uri", g_file_get_uri (file), g_free);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (show_files_cb), self, 0);
    }

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  self->toast = toast;
  g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *)&self->toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
ks_window_notify (KsWindow   *self,
                  const char *title,
                  const char *body)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;

  /* Someone looking at the window sees the toast; a notification is for when they are not.
   * Without a session bus there is nobody to notify. */
  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self))
      || !KS_IS_APPLICATION (app) || !ks_application_can_notify (KS_APPLICATION (app)))
    return;

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_application_send_notification (app, "backup-finished", notification);
  g_free (self->last_notification);
  self->last_notification = g_strdup (body);
}

static void
current_thumbnail_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(KsWindow) self = user_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  pixbuf = ks_thumbnailer_load_finish (KS_THUMBNAILER (object), result, NULL, NULL);
  if (pixbuf == NULL || self->job == NULL)
    return;

  texture = gdk_texture_new_for_pixbuf (pixbuf);
  ks_progress_panel_set_current (self->progress_panel, self->current_name, GDK_PAINTABLE (texture));
}

static void
job_progress_cb (KsWindow               *self,
                 const KsImportProgress *progress,
                 KsImportJob            *job)
{
  g_assert (KS_IS_WINDOW (self));

  ks_progress_panel_set_progress (self->progress_panel, progress);

  if (progress->current_path != NULL && g_strcmp0 (progress->current_path, self->current_path) != 0)
    {
      KsAsset *asset = NULL;

      g_free (self->current_path);
      self->current_path = g_strdup (progress->current_path);
      g_free (self->current_name);
      self->current_name = g_filename_display_basename (progress->current_path);
      ks_progress_panel_set_current (self->progress_panel, self->current_name, NULL);

      if (progress->current_asset != NULL && self->asset_model != NULL)
        asset = ks_asset_model_lookup (self->asset_model, progress->current_asset);

      g_cancellable_cancel (self->current_cancellable);
      g_clear_object (&self->current_cancellable);
      if (asset != NULL)
        {
          KsAssetFile *primary = ks_asset_get_primary (asset);

          self->current_cancellable = g_cancellable_new ();
          ks_thumbnailer_load_async (self->thumbnailer,
                                     self->source,
                                     ks_asset_file_get_path (primary),
                                     ks_asset_file_get_size (primary),
                                     ks_asset_file_get_mtime (primary),
                                     KS_THUMBNAILER_DEFAULT_SIZE,
                                     self->current_cancellable,
                                     current_thumbnail_cb,
                                     g_object_ref (self));
        }
    }
}

static void
ks_window_list_errors (KsWindow             *self,
                       const KsImportResult *result)
{
  if (result == NULL || result->errors == NULL)
    return;

  for (guint i = 0; i < result->errors->len; i++)
    {
      const KsImportFileError *error = g_ptr_array_index (result->errors, i);
      g_autofree char *name = g_filename_display_basename (error->path);

      ks_progress_panel_add_error (self->progress_panel, name, error->message);
    }
}

static void
job_done_cb (GObject      *object,
             GAsyncResult *res,
             gpointer      user_data)
{
  g_autoptr(KsWindow) self = user_data;
  KsImportJob *job = KS_IMPORT_JOB (object);
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const KsImportResult *partial;
  g_autofree char *where = NULL;
  g_autofree char *what = NULL;
  g_autofree char *title = NULL;
  guint n_copied;

  result = ks_import_job_run_finish (job, res, &error);
  partial = result ? result : ks_import_job_get_result (job);

  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);
  g_clear_object (&self->job_cancellable);
  g_clear_object (&self->job);

  where = describe_destinations ((const char * const *)self->job_destinations);
  /* Photos and videos, not files: a Live Photo's movie, its edit and sidecar are one photo. */
  n_copied = partial->photos_copied + partial->videos_copied;
  what = describe_copied (partial->photos_copied, partial->videos_copied);
  ks_window_list_errors (self, partial);

  if (self->close_after_job)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  if (error != NULL && g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED))
    {
      if (n_copied == 0)
        title = g_strdup (_("Backup cancelled; nothing was copied"));
      else
        /* Translators: %s is what was copied, e.g. "20 photos and 3 videos"; the plural
         * follows how many there were in all */
        title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Backup cancelled; %s was copied",
                                              "Backup cancelled; %s were copied",
                                              n_copied), what);
      self->stopped_job_can_resume = FALSE;
      gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
      ks_window_show_toast (self, title, NULL);
    }
  else if (error != NULL)
    {
      const char *stop_title;
      g_autofree char *message = NULL;

      if (g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST))
        {
          stop_title = _("Backup Stopped: the iPhone Was Disconnected");
          if (n_copied == 0)
            message = g_strdup (_("Nothing was copied yet. Connect the iPhone again to resume."));
          else
            /* Translators: %s is what was copied, e.g. "20 photos and 3 videos"; the plural
             * follows how many there were in all */
            message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                    "%s was copied and is safe. Connect the iPhone again to resume.",
                                                    "%s were copied and are safe. Connect the iPhone again to resume.",
                                                    n_copied), what);
        }
      else
        {
          stop_title = _("Backup Stopped");
          message = g_strdup (error->message);
        }

      self->stopped_job_can_resume = TRUE;
      ks_progress_panel_set_stopped (self->progress_panel, stop_title, message,
                                     self->device != NULL
                                     && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY);
      gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
      ks_window_notify (self, stop_title, message);
    }
  else
    {
      self->stopped_job_can_resume = FALSE;
      g_clear_pointer (&self->resume_assets, g_ptr_array_unref);

      if (n_copied == 0 && result->failed == 0)
        title = g_strdup_printf (_("Everything was already backed up to %s"), where);
      else if (n_copied == 0)
        /* Translators: %s is where, e.g. "Pictures/iPhone"; some files could not be copied */
        title = g_strdup_printf (_("Nothing new was backed up to %s"), where);
      else
        /* Translators: the first %s is what was copied, e.g. "20 photos and 3 videos", the
         * second where, e.g. "Pictures/iPhone"; the plural follows how many there were in all */
        title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%s backed up to %s",
                                              "%s backed up to %s",
                                              n_copied), what, where);

      if (result->failed > 0)
        {
          g_autofree char *failed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                  "%'u file could not be copied",
                                                                  "%'u files could not be copied",
                                                                  result->failed), result->failed);

          /* Keep the panel: the list of failed files is what the user needs now. */
          ks_progress_panel_set_stopped (self->progress_panel, title, failed, FALSE);
        }
      else
        gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);

      ks_window_show_toast (self, title, self->job_destinations ? self->job_destinations[0] : NULL);
      ks_window_notify (self, _("Backup Finished"), title);
    }

  ks_window_refresh_backups (self);
  ks_window_update_actions (self);
}

static gboolean
ks_window_start_job (KsWindow   *self,
                     GPtrArray  *assets,
                     const char *title)
{
  g_autoptr(GPtrArray) destinations = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) enabled = NULL;
  g_auto(GStrv) paths = NULL;
  g_autoptr(GError) error = NULL;
  KsImportFlags flags;
  KsBackupPlan *plan;
  KsCatalog *catalog;

  g_assert (KS_IS_WINDOW (self));

  if (self->job != NULL || self->source == NULL)
    return FALSE;

  /* Every destination switched off: the actions are off and the window says why. */
  paths = dup_backup_destinations (self);
  if (paths == NULL)
    return FALSE;

  catalog = ks_application_get_catalog (get_app (self), &error);
  if (catalog == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open the backup catalog: %s"), error->message);

      ks_window_show_toast (self, message, NULL);
      return FALSE;
    }

  plan = ks_application_get_backup_plan (get_app (self));
  enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FILES);
  for (guint i = 0; i < enabled->len; i++)
    g_ptr_array_add (destinations, ks_plan_destination_create_store (g_ptr_array_index (enabled, i)));

  self->job = ks_import_job_new (self->source, assets, destinations, catalog);

  flags = ks_backup_plan_get_import_flags (plan);
  /* Videos the user picked one by one are wanted, whatever the plan says. */
  if (assets != NULL)
    flags &= ~KS_IMPORT_FLAGS_SKIP_VIDEOS;
  ks_import_job_set_flags (self->job, flags);
  ks_import_job_set_layout (self->job, ks_backup_plan_get_layout (plan));
  ks_import_job_set_origin (self->job, "window");

  g_strfreev (self->job_destinations);
  self->job_destinations = g_strdupv (paths);
  g_clear_pointer (&self->current_path, g_free);
  g_clear_pointer (&self->current_name, g_free);

  if (self->resume_assets != assets)
    {
      g_clear_pointer (&self->resume_assets, g_ptr_array_unref);
      self->resume_assets = assets ? g_ptr_array_ref (assets) : NULL;
    }
  self->stopped_job_can_resume = FALSE;

  g_signal_connect_object (self->job, "progress",
                           G_CALLBACK (job_progress_cb), self,
                           G_CONNECT_SWAPPED);

  self->job_cancellable = g_cancellable_new ();
  ks_progress_panel_reset (self->progress_panel, title);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);

  /* The last run's summary is old news once a new run shows its progress. */
  dismiss_summary (self);

  ks_import_job_run_async (self->job, self->job_cancellable, job_done_cb, g_object_ref (self));
  ks_window_update_actions (self);

  return TRUE;
}

static void
back_up_everything_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  ks_window_start_job (self, NULL, _("Backing Up Everything"));
}

static void
import_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(GPtrArray) assets = ks_photo_grid_dup_selected (self->photo_grid);

  if (assets->len == 0)
    return;

  if (ks_window_start_job (self, assets, _("Importing the Selection")))
    ks_photo_grid_unselect_all (self->photo_grid);
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(GPtrArray) assets = self->resume_assets ? g_ptr_array_ref (self->resume_assets) : NULL;

  ks_window_start_job (self, assets, _("Resuming the Backup"));
}

static void
progress_cancel_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  g_cancellable_cancel (self->job_cancellable);
}

static void
progress_resume_cb (KsWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.resume", NULL);
}

static void
progress_dismiss_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  self->stopped_job_can_resume = FALSE;
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  ks_window_update_actions (self);
}

/* ---- other actions ---- */

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  ks_photo_grid_select_all (KS_WINDOW (widget)->photo_grid);
}

static void
unselect_all_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  ks_photo_grid_unselect_all (KS_WINDOW (widget)->photo_grid);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->device != NULL)
    ks_device_retry (self->device);
}

static void
pair_again_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->device != NULL)
    ks_device_forget_pairing (self->device);
}

static void
show_sidebar_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  adw_leaflet_navigate (KS_WINDOW (widget)->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static const struct {
  const char    *name;
  KsPhotoFilter  filter;
} filters[] = {
  { "all", KS_PHOTO_FILTER_ALL },
  { "photos", KS_PHOTO_FILTER_PHOTOS },
  { "videos", KS_PHOTO_FILTER_VIDEOS },
  { "not-backed-up", KS_PHOTO_FILTER_NOT_BACKED_UP },
};

enum {
  PROP_0,
  PROP_FILTER_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_window_set_filter_name (KsWindow   *self,
                           const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (g_strcmp0 (filters[i].name, name) == 0)
      {
        if (g_strcmp0 (self->filter_name, name) == 0)
          return;

        g_free (self->filter_name);
        self->filter_name = g_strdup (name);
        ks_photo_grid_set_filter (self->photo_grid, filters[i].filter);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER_NAME]);
        return;
      }
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
      ks_window_set_filter_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ---- closing ---- */

static void
close_response_cb (KsWindow         *self,
                   const char       *response,
                   AdwMessageDialog *dialog)
{
  g_assert (KS_IS_WINDOW (self));

  if (g_strcmp0 (response, "stop") != 0)
    return;

  if (self->job == NULL)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  /* Close once the job has stopped: it removes its temporary files on the way out. */
  self->close_after_job = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_cancellable_cancel (self->job_cancellable);
}

static gboolean
ks_window_close_request (GtkWindow *window)
{
  KsWindow *self = KS_WINDOW (window);
  AdwMessageDialog *dialog;

  if (self->job == NULL || self->close_after_job)
    return GTK_WINDOW_CLASS (ks_window_parent_class)->close_request (window);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window,
                                                       _("Stop the Backup?"),
                                                       _("The files copied so far are kept. What is not copied yet can be backed up later.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Keep Backing Up"),
                                    "stop", _("_Stop and Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response",
                           G_CALLBACK (close_response_cb), self,
                           G_CONNECT_SWAPPED);
  self->close_dialog = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *)&self->close_dialog);
  gtk_window_present (GTK_WINDOW (dialog));

  return TRUE;
}

/* ---- life cycle ---- */

static void
plan_changed_cb (KsWindow *self)
{
  /* A running backup refreshes the counts when it ends. */
  if (self->job == NULL)
    ks_window_refresh_backups (self);
  ks_window_update_actions (self);
}

/* The plan comes with the catalog, opened on a worker when the application starts. */
static void
backup_service_ready_cb (KsWindow *self)
{
  KsBackupPlan *plan = ks_application_get_backup_plan (get_app (self));

  if (plan == NULL)
    return;

  g_signal_connect_object (plan, "items-changed", G_CALLBACK (plan_changed_cb), self,
                           G_CONNECT_SWAPPED);
  plan_changed_cb (self);
}

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

/* "application" is not a construct property, so it arrives after constructed(). */
static void
ks_window_application_notify_cb (KsWindow *self)
{
  KsApplication *app;
  GListModel *devices;

  app = get_app (self);
  if (app == NULL || self->monitor != NULL)
    return;

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  self->thumbnailer = g_object_ref (ks_application_get_thumbnailer (app));
  ks_photo_grid_set_thumbnailer (self->photo_grid, self->thumbnailer);

  self->monitor = g_object_ref (ks_application_get_device_monitor (app));
  g_signal_connect_object (self->monitor, "notify::usbmuxd-missing",
                           G_CALLBACK (monitor_notify_cb), self,
                           G_CONNECT_SWAPPED);
  devices = ks_device_monitor_get_devices (self->monitor);
  gtk_list_box_bind_model (self->source_list, devices, create_source_row, NULL, NULL);
  g_signal_connect_object (devices, "items-changed",
                           G_CALLBACK (devices_changed_cb), self,
                           G_CONNECT_SWAPPED);
  devices_changed_cb (self, 0, 0, 0, devices);
}

static void
ks_window_dispose (GObject *object)
{
  KsWindow *self = (KsWindow *)object;

  g_cancellable_cancel (self->job_cancellable);
  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);

  if (self->close_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->close_dialog));
  if (self->toast != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->toast), (gpointer *)&self->toast);
      self->toast = NULL;
    }
  if (self->folder_chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
      g_clear_object (&self->folder_chooser);
    }

  if (self->device != NULL)
    g_signal_handlers_disconnect_by_data (self->device, self);
  g_clear_object (&self->device);

  if (self->photo_grid != NULL)
    ks_window_clear_library (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_WINDOW);

  g_clear_object (&self->job);
  g_clear_object (&self->job_cancellable);
  g_clear_object (&self->monitor);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->backup_index);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->resume_assets, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_window_parent_class)->dispose (object);
}

static void
ks_window_finalize (GObject *object)
{
  KsWindow *self = (KsWindow *)object;

  g_strfreev (self->job_destinations);
  g_free (self->current_path);
  g_free (self->current_name);
  g_free (self->last_toast);
  g_free (self->last_notification);
  g_free (self->filter_name);
  g_free (self->library_udid);
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
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ks_window_dispose;
  object_class->finalize = ks_window_finalize;
  object_class->get_property = ks_window_get_property;
  object_class->set_property = ks_window_set_property;

  properties[PROP_FILTER_NAME] =
    g_param_spec_string ("filter-name", NULL, NULL, "all",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  window_class->close_request = ks_window_close_request;

  g_type_ensure (KS_TYPE_PHOTO_GRID);
  g_type_ensure (KS_TYPE_PROGRESS_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/ks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, source_list);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, folder_list);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, no_sources_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, backup_all_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, destination_bar);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, no_device_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, photo_grid);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, selection_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, progress_panel);
  gtk_widget_class_bind_template_callback (widget_class, source_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, progress_cancel_cb);
  gtk_widget_class_bind_template_callback (widget_class, progress_resume_cb);
  gtk_widget_class_bind_template_callback (widget_class, progress_dismiss_cb);

  gtk_widget_class_install_action (widget_class, "win.back-up-everything", NULL, back_up_everything_action);
  gtk_widget_class_install_action (widget_class, "win.import-selected", NULL, import_selected_action);
  gtk_widget_class_install_action (widget_class, "win.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "win.unselect-all", NULL, unselect_all_action);
  gtk_widget_class_install_action (widget_class, "win.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "win.pair-again", NULL, pair_again_action);
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.add-folder", NULL, add_folder_action);
  gtk_widget_class_install_property_action (widget_class, "win.filter", "filter-name");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "win.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.unselect-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.import-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.back-up-everything", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_CONTROL_MASK,
                                         "win.filter", "s", filters[i].name);
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
  self->backup_index = ks_copy_counter_new ();
  ks_photo_grid_set_backup_index (self->photo_grid, self->backup_index);

  g_signal_connect_object (self->photo_grid, "notify::n-selected",
                           G_CALLBACK (n_selected_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::" KS_SETTINGS_SOURCE_FOLDERS,
                           G_CALLBACK (ks_window_reload_folders), self,
                           G_CONNECT_SWAPPED);
  ks_window_reload_folders (self);

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
  return self->photo_grid;
}

KsProgressPanel *
_ks_window_get_progress_panel (KsWindow *self)
{
  return self->progress_panel;
}

const char *
_ks_window_get_page (KsWindow *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
_ks_window_get_progress_revealed (KsWindow *self)
{
  return gtk_revealer_get_reveal_child (self->progress_revealer);
}

gboolean
_ks_window_get_job_running (KsWindow *self)
{
  return self->job != NULL;
}

GListModel *
_ks_window_get_assets (KsWindow *self)
{
  return self->asset_model ? G_LIST_MODEL (self->asset_model) : NULL;
}

KsCopyCounter *
_ks_window_get_backup_index (KsWindow *self)
{
  return self->backup_index;
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
  return self->device ? find_row (self, self->device) : NULL;
}

guint
_ks_window_get_n_not_backed_up (KsWindow *self)
{
  return self->n_not_backed_up;
}

gboolean
_ks_window_get_can_resume (KsWindow *self)
{
  return self->stopped_job_can_resume && self->job == NULL && self->source != NULL
         && has_backup_destination (self)
         && (self->folder_path != NULL
             || (self->device != NULL && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY));
}
