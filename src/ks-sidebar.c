/* ks-sidebar.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window's sidebar: the connected iPhones, the folders of photos the user added
 * (camera cards, old exports, device backups), with Add Folder…, Open Backup… and each
 * folder's remove button, and the full backups kept at the plan's destinations. It says
 * which row was activated; the window decides what to show. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-settings.h"
#include "ks-sidebar.h"

struct _KsSidebar
{
  AdwBin                parent_instance;

  /* Template widgets */
  GtkListBox           *source_list;
  GtkListBox           *folder_list;
  GtkListBox           *library_list;
  GtkWidget            *no_sources_label;
  KsFullBackupList     *full_backup_list;
  KsPhotosDb           *library;
  gboolean              show_hidden;
  char                 *shown_folders;   /* while filling: the folders of the last album row */

  GSettings            *settings;
  GListModel           *devices;
  KsDemoLibrary        *demo;
  GtkFileChooserNative *folder_chooser;
  char                 *selected_folder;
};

G_DEFINE_FINAL_TYPE (KsSidebar, ks_sidebar, ADW_TYPE_BIN)

enum {
  DEVICE_ACTIVATED,
  FOLDER_ACTIVATED,
  REMOVE_FOLDER,
  FOLDERS_CHANGED,
  COLLECTION_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

KsSourceRow *
ks_sidebar_find_device_row (KsSidebar *self,
                            KsDevice  *device)
{
  g_return_val_if_fail (KS_IS_SIDEBAR (self), NULL);

  if (device == NULL)
    return NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->source_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (KS_IS_SOURCE_ROW (child) && ks_source_row_get_device (KS_SOURCE_ROW (child)) == device)
      return KS_SOURCE_ROW (child);

  return NULL;
}

KsSourceRow *
ks_sidebar_find_folder_row (KsSidebar  *self,
                            const char *path)
{
  g_return_val_if_fail (KS_IS_SIDEBAR (self), NULL);

  if (path == NULL)
    return NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (KS_IS_SOURCE_ROW (child)
        && g_strcmp0 (ks_source_row_get_folder (KS_SOURCE_ROW (child)), path) == 0)
      return KS_SOURCE_ROW (child);

  return NULL;
}

/**
 * ks_sidebar_show_backup_state:
 * @row: (nullable): the row of the source counted
 *
 * Shows under @row how much of its @n_items is backed up: "All 1,204 backed up", or
 * "37 not backed up yet".
 */
void
ks_sidebar_show_backup_state (KsSidebar   *self,
                              KsSourceRow *row,
                              guint        n_items,
                              guint        n_missing)
{
  g_autofree char *text = NULL;

  g_return_if_fail (KS_IS_SIDEBAR (self));

  if (row == NULL)
    return;

  if (n_missing == 0)
    /* Translators: the backup state of a device in the sidebar */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u item, all backed up",
                                         "All %'u backed up", n_items), n_items);
  else
    /* Translators: the backup state of a device in the sidebar, e.g. "1,204 not backed up yet" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u not backed up yet",
                                         "%'u not backed up yet", n_missing), n_missing);

  ks_source_row_set_backup_state (row, text);
}

static void
ks_sidebar_update_placeholder (KsSidebar *self)
{
  g_assert (KS_IS_SIDEBAR (self));

  gtk_widget_set_visible (self->no_sources_label,
                          self->devices == NULL || g_list_model_get_n_items (self->devices) == 0);
}

static GtkWidget *
create_source_row (gpointer item,
                   gpointer user_data)
{
  KsSidebar *self = user_data;
  GtkWidget *row = ks_source_row_new (KS_DEVICE (item));

  ks_source_row_set_demo_library (KS_SOURCE_ROW (row), self->demo);
  return row;
}

/**
 * ks_sidebar_set_demo_library:
 * @demo: (nullable): the Demo iPhone's library while it is made
 *
 * The Demo iPhone's row, made from now on, says how far making its library is.
 */
void
ks_sidebar_set_demo_library (KsSidebar     *self,
                             KsDemoLibrary *demo)
{
  g_return_if_fail (KS_IS_SIDEBAR (self));
  g_return_if_fail (!demo || KS_IS_DEMO_LIBRARY (demo));

  g_set_object (&self->demo, demo);
}

/**
 * ks_sidebar_set_devices:
 * @devices: (element-type KsDevice): the connected iPhones
 *
 * Shows a row for each of @devices. Rows are made before any later handler of
 * #GListModel::items-changed runs, so a caller connected after this finds them.
 */
void
ks_sidebar_set_devices (KsSidebar  *self,
                        GListModel *devices)
{
  g_return_if_fail (KS_IS_SIDEBAR (self));
  g_return_if_fail (devices == NULL || G_IS_LIST_MODEL (devices));

  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_func (self->devices, ks_sidebar_update_placeholder, self);
  g_set_object (&self->devices, devices);

  gtk_list_box_bind_model (self->source_list, devices, create_source_row, self, NULL);
  if (devices != NULL)
    g_signal_connect_object (devices, "items-changed",
                             G_CALLBACK (ks_sidebar_update_placeholder), self,
                             G_CONNECT_SWAPPED);
  ks_sidebar_update_placeholder (self);
}

/**
 * ks_sidebar_select_device:
 * @device: (nullable): the iPhone shown
 *
 * Highlights @device's row; a folder's row is no longer highlighted.
 */
void
ks_sidebar_select_device (KsSidebar *self,
                          KsDevice  *device)
{
  KsSourceRow *row;

  g_return_if_fail (KS_IS_SIDEBAR (self));

  if (device == NULL)
    return;

  if (self->selected_folder != NULL)
    {
      g_clear_pointer (&self->selected_folder, g_free);
      gtk_list_box_unselect_all (self->folder_list);
      ks_full_backup_list_select (self->full_backup_list, NULL);
    }

  row = ks_sidebar_find_device_row (self, device);
  if (row != NULL)
    gtk_list_box_select_row (self->source_list, GTK_LIST_BOX_ROW (row));
}

void
ks_sidebar_select_folder (KsSidebar  *self,
                          const char *path)
{
  KsSourceRow *row;

  g_return_if_fail (KS_IS_SIDEBAR (self));

  gtk_list_box_unselect_all (self->source_list);
  g_free (self->selected_folder);
  self->selected_folder = g_strdup (path);

  row = ks_sidebar_find_folder_row (self, path);
  if (row != NULL)
    gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (row));
  else
    gtk_list_box_unselect_all (self->folder_list);
  /* A full backup at a destination of the plan, or none. */
  ks_full_backup_list_select (self->full_backup_list, row == NULL ? path : NULL);
}

/**
 * ks_sidebar_set_backup_plan:
 * @plan: (nullable): the plan whose destinations' full backups are listed
 */
void
ks_sidebar_set_backup_plan (KsSidebar    *self,
                            KsBackupPlan *plan)
{
  g_return_if_fail (KS_IS_SIDEBAR (self));

  ks_full_backup_list_set_plan (self->full_backup_list, plan);
}

/* A run ended: its full backup (a new snapshot) is listed. */
void
ks_sidebar_reload_full_backups (KsSidebar *self)
{
  g_return_if_fail (KS_IS_SIDEBAR (self));

  ks_full_backup_list_reload (self->full_backup_list);
}

/* Shown like a folder the user opened: the window is told a folder was activated. */
static void
full_backup_activated_cb (KsSidebar  *self,
                          const char *path)
{
  g_assert (KS_IS_SIDEBAR (self));

  g_signal_emit (self, signals[FOLDER_ACTIVATED], 0, path);
}

/**
 * ks_sidebar_add_folder:
 * @path: a folder of photos (a camera card, an old export)
 *
 * Adds @path to the folders (the same as Add Folder…), then says it was activated.
 */
void
ks_sidebar_add_folder (KsSidebar  *self,
                       const char *path)
{
  g_return_if_fail (KS_IS_SIDEBAR (self));
  g_return_if_fail (path != NULL);

  ks_settings_add_source_folder (self->settings, path);
  g_signal_emit (self, signals[FOLDER_ACTIVATED], 0, path);
}

static void
source_row_activated_cb (KsSidebar     *self,
                         GtkListBoxRow *row)
{
  g_assert (KS_IS_SIDEBAR (self));

  g_signal_emit (self, signals[DEVICE_ACTIVATED], 0,
                 KS_IS_SOURCE_ROW (row) ? ks_source_row_get_device (KS_SOURCE_ROW (row)) : NULL);
}

/* ---- the phone's Photos library, under the devices ---- */

static void ks_sidebar_fill_library (KsSidebar *self);

static void
add_library_row (KsSidebar  *self,
                 const char *label,
                 const char *icon_name,
                 const char *collection,
                 guint       depth)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *text = gtk_label_new (label);

  gtk_widget_set_margin_start (box, 12 + 12 * (int) depth);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon_name));
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* "" is the library itself; "show-hidden" asks for the Hidden album. */
  g_object_set_data_full (G_OBJECT (row), "ks-collection", g_strdup (collection), g_free);
  gtk_list_box_append (self->library_list, row);
}

static void
ks_sidebar_fill_library (KsSidebar *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->library_list))) != NULL)
    gtk_list_box_remove (self->library_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->library_list), self->library != NULL);
  if (self->library == NULL)
    return;

  add_library_row (self, _("Library"), "view-grid-symbolic", "", 1);
  add_library_row (self, _("Favourites"), "starred-symbolic", "favorites", 1);
  add_library_row (self, _("Screenshots"), "applets-screenshooter-symbolic", "screenshots", 1);
  add_library_row (self, _("Recently Deleted"), "user-trash-symbolic", "recently-deleted", 1);
  /* As in Photos, Hidden shows only when asked for. */
  if (self->show_hidden)
    add_library_row (self, _("Hidden"), "view-conceal-symbolic", "hidden", 1);
  /* Albums in their folders: a folder's row (not a place to go) above what it holds. */
  for (guint i = 0; i < ks_photos_db_get_n_albums (self->library); i++)
    {
      const KsPhotosDbAlbum *album = ks_photos_db_get_album (self->library, i);
      g_autofree char *collection = g_strconcat ("album:", album->path, NULL);
      gsize folders_len = strlen (album->path) - MIN (strlen (album->path), strlen (album->title) + 1);
      g_autofree char *folders = g_strndup (album->path, album->depth > 0 ? folders_len : 0);
      g_auto(GStrv) parts = album->depth > 0 ? g_strsplit (folders, "/", 8) : g_new0 (char *, 1);
      g_auto(GStrv) shown_parts = self->shown_folders ? g_strsplit (self->shown_folders, "/", 8) : g_new0 (char *, 1);
      guint same = 0;

      while (parts[same] != NULL && shown_parts[same] != NULL && strcmp (parts[same], shown_parts[same]) == 0)
        same++;
      for (guint k = same; parts[k] != NULL; k++)
        {
          add_library_row (self, parts[k], "folder-symbolic", NULL, 1 + MIN (k, 4));
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (gtk_widget_get_last_child (GTK_WIDGET (self->library_list))), FALSE);
          gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (gtk_widget_get_last_child (GTK_WIDGET (self->library_list))), FALSE);
        }
      g_free (self->shown_folders);
      self->shown_folders = g_strdup (folders);
      add_library_row (self, album->title, "folder-pictures-symbolic", collection, 1 + MIN (g_strv_length (parts), 4));
    }
  g_clear_pointer (&self->shown_folders, g_free);
  if (!self->show_hidden)
    add_library_row (self, _("Show Hidden Album"), "view-reveal-symbolic", "show-hidden", 1);
}

/**
 * ks_sidebar_set_library:
 * @library: (nullable): the Photos library of the phone shown; %NULL when it has none (or
 *   a folder is shown)
 *
 * Shows Library, Favourites, Screenshots, Recently Deleted and the user's albums under the
 * devices. Does nothing when @library is the one already shown.
 */
void
ks_sidebar_set_library (KsSidebar  *self,
                        KsPhotosDb *library)
{
  g_return_if_fail (KS_IS_SIDEBAR (self));

  if (self->library == library)
    return;
  g_set_object (&self->library, library);
  ks_sidebar_fill_library (self);
}

static void
library_row_activated_cb (KsSidebar     *self,
                          GtkListBoxRow *row)
{
  const char *collection = g_object_get_data (G_OBJECT (row), "ks-collection");

  g_assert (KS_IS_SIDEBAR (self));

  if (g_strcmp0 (collection, "show-hidden") == 0)
    {
      self->show_hidden = TRUE;
      ks_sidebar_fill_library (self);
      collection = "hidden";
      gtk_list_box_select_row (self->library_list, gtk_list_box_get_row_at_index (self->library_list, 4));
    }
  g_signal_emit (self, signals[COLLECTION_ACTIVATED], 0,
                 collection == NULL || collection[0] == '\0' ? NULL : collection);
}

static void
folder_row_activated_cb (KsSidebar     *self,
                         GtkListBoxRow *row)
{
  g_assert (KS_IS_SIDEBAR (self));

  g_signal_emit (self, signals[FOLDER_ACTIVATED], 0,
                 KS_IS_SOURCE_ROW (row) ? ks_source_row_get_folder (KS_SOURCE_ROW (row)) : NULL);
}

static void
remove_folder_cb (KsSidebar   *self,
                  KsSourceRow *row)
{
  g_autofree char *path = g_strdup (ks_source_row_get_folder (row));
  gboolean keep = FALSE;

  g_assert (KS_IS_SIDEBAR (self));

  g_signal_emit (self, signals[REMOVE_FOLDER], 0, path, &keep);
  if (keep)
    return;

  if (g_strcmp0 (path, self->selected_folder) == 0)
    g_clear_pointer (&self->selected_folder, g_free);
  ks_settings_remove_source_folder (self->settings, path);
}

static void
ks_sidebar_reload_folders (KsSidebar *self)
{
  g_auto(GStrv) folders = g_settings_get_strv (self->settings, KS_SETTINGS_SOURCE_FOLDERS);
  GtkWidget *child;

  g_assert (KS_IS_SIDEBAR (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list))))
    gtk_list_box_remove (self->folder_list, child);

  for (guint i = 0; folders[i] != NULL; i++)
    {
      GtkWidget *row = ks_source_row_new_for_folder (folders[i]);

      g_signal_connect_object (row, "remove", G_CALLBACK (remove_folder_cb), self, G_CONNECT_SWAPPED);
      gtk_list_box_append (self->folder_list, row);
      if (g_strcmp0 (folders[i], self->selected_folder) == 0)
        gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (row));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->folder_list), folders[0] != NULL);

  g_signal_emit (self, signals[FOLDERS_CHANGED], 0);
}

static void
folder_chooser_response_cb (KsSidebar            *self,
                            int                   response,
                            GtkFileChooserNative *chooser)
{
  g_autofree char *path = NULL;

  g_assert (KS_IS_SIDEBAR (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      path = file ? g_file_get_path (file) : NULL;
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_clear_object (&self->folder_chooser);

  if (path != NULL)
    ks_sidebar_add_folder (self, path);
}

/* Add Folder… and Open Backup… choose a folder the same way: a device backup added as a
 * folder is shown as one, and a folder of photos opened as a backup as a folder. */
static void
add_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  KsSidebar *self = KS_SIDEBAR (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  gboolean backup = g_strcmp0 (action_name, "sidebar.open-backup") == 0;

  if (self->folder_chooser != NULL)
    return;

  self->folder_chooser = gtk_file_chooser_native_new (backup ? _("Open a Device Backup") : _("Add a Folder of Photos"),
                                                      GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                      backup ? _("_Open") : _("_Add"),
                                                      _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->folder_chooser), TRUE);
  g_signal_connect_object (self->folder_chooser, "response",
                           G_CALLBACK (folder_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->folder_chooser));
}

static void
ks_sidebar_dispose (GObject *object)
{
  KsSidebar *self = (KsSidebar *)object;

  if (self->folder_chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
      g_clear_object (&self->folder_chooser);
    }
  if (self->devices != NULL)
    ks_sidebar_set_devices (self, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_SIDEBAR);

  g_clear_object (&self->settings);
  g_clear_object (&self->demo);

  G_OBJECT_CLASS (ks_sidebar_parent_class)->dispose (object);
}

static void
ks_sidebar_finalize (GObject *object)
{
  KsSidebar *self = (KsSidebar *)object;

  g_free (self->selected_folder);
  g_clear_object (&self->library);

  G_OBJECT_CLASS (ks_sidebar_parent_class)->finalize (object);
}

static void
ks_sidebar_class_init (KsSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_sidebar_dispose;
  object_class->finalize = ks_sidebar_finalize;

  /**
   * KsSidebar::device-activated:
   * @device: (nullable): the iPhone whose row was activated
   */
  signals[DEVICE_ACTIVATED] =
    g_signal_new ("device-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_DEVICE);

  /**
   * KsSidebar::folder-activated:
   * @path: the folder whose row was activated, or that was just added
   */
  signals[FOLDER_ACTIVATED] =
    g_signal_new ("folder-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * KsSidebar::remove-folder:
   * @path: the folder the user asked to remove
   *
   * Emitted before @path leaves the sidebar. A handler returns %TRUE to keep it (a backup
   * reads from it); one that returns %FALSE lets it go and has let go of it itself.
   */
  signals[REMOVE_FOLDER] =
    g_signal_new ("remove-folder", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  /**
   * KsSidebar::folders-changed:
   *
   * The folder rows were made anew (a folder was added or removed).
   */
  signals[FOLDERS_CHANGED] =
    g_signal_new ("folders-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * KsSidebar::collection-activated:
   * @collection: (nullable): a part of the phone's Photos library, as
   *   ks_photo_grid_set_collection() takes it; %NULL for the whole library
   */
  signals[COLLECTION_ACTIVATED] =
    g_signal_new ("collection-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (KS_TYPE_FULL_BACKUP_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/ks-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, KsSidebar, source_list);
  gtk_widget_class_bind_template_child (widget_class, KsSidebar, folder_list);
  gtk_widget_class_bind_template_child (widget_class, KsSidebar, no_sources_label);
  gtk_widget_class_bind_template_child (widget_class, KsSidebar, library_list);
  gtk_widget_class_bind_template_child (widget_class, KsSidebar, full_backup_list);
  gtk_widget_class_bind_template_callback (widget_class, full_backup_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, library_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, source_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "sidebar.add-folder", NULL, add_folder_action);
  gtk_widget_class_install_action (widget_class, "sidebar.open-backup", NULL, add_folder_action);
}

static void
ks_sidebar_init (KsSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::" KS_SETTINGS_SOURCE_FOLDERS,
                           G_CALLBACK (ks_sidebar_reload_folders), self,
                           G_CONNECT_SWAPPED);
  ks_sidebar_reload_folders (self);
  ks_sidebar_update_placeholder (self);
}

GtkListBox *
_ks_sidebar_get_folder_list (KsSidebar *self)
{
  return self->folder_list;
}

KsFullBackupList *
_ks_sidebar_get_full_backup_list (KsSidebar *self)
{
  return self->full_backup_list;
}
