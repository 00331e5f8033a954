/* ks-library-page.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A library in the window: reads the photos and videos of an iPhone or a folder into an
 * asset model, shows them in the photo grid with the filters and the selection bar, and
 * counts how many are backed up, and how well (3-2-1), in the destinations it is given. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-asset-model.h"
#include "ks-backup-source.h"
#include "ks-device-source.h"
#include "ks-folder-source.h"
#include "ks-library-page.h"
#include "ks-protection-panel.h"

struct _KsLibraryPage
{
  AdwBin          parent_instance;

  /* Template widgets */
  KsProtectionPanel *protection_panel;
  KsPhotoGrid    *photo_grid;
  GtkSpinner     *loading_spinner;
  GtkActionBar   *selection_bar;
  GtkLabel       *selection_label;
  GtkWidget      *icloud_row;
  GtkLabel       *icloud_label;

  KsThumbnailer  *thumbnailer;
  KsSource       *source;
  KsDevice       *device;
  KsAssetModel   *asset_model;
  GCancellable   *load_cancellable;
  KsCopyCounter  *backup_index;
  GCancellable   *index_cancellable;
  KsProtection   *protection;
  char           *udid;
  char           *folder;
  char           *error;
  gboolean        needs_password;  /* an encrypted backup without (the right) password */
  /* The library failed to load and the device has not changed state since: showing the
   * device again does not read it again (a phone that always lies would be read in a loop). */
  gboolean        error_stands;
  gulong          error_state_handler;
};

G_DEFINE_FINAL_TYPE (KsLibraryPage, ks_library_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_N_SELECTED,
  N_PROPS
};

enum {
  CHANGED,
  BACKUPS_COUNTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GPtrArray *
snapshot_assets (GListModel *model)
{
  guint n = model ? g_list_model_get_n_items (model) : 0;
  GPtrArray *ret = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ret, g_list_model_get_item (model, i));

  return ret;
}

static void
refresh_backups_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(KsLibraryPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ks_copy_counter_refresh_finish (KS_COPY_COUNTER (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not count backed-up photos: %s", error->message);
      return;
    }

  ks_protection_panel_set_summary (self->protection_panel,
                                   ks_copy_counter_get_summary (KS_COPY_COUNTER (object)));
  g_signal_emit (self, signals[BACKUPS_COUNTED], 0);
}

/**
 * ks_library_page_refresh_backups:
 *
 * Counts again which photos are in the destinations (after a backup, or when they
 * changed); #KsLibraryPage::backups-counted says when the counts are in.
 */
void
ks_library_page_refresh_backups (KsLibraryPage *self)
{
  g_autoptr(GPtrArray) assets = NULL;

  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  if (self->asset_model == NULL || self->source == NULL)
    return;
  if (self->protection == NULL)
    self->protection = ks_protection_new ();

  g_cancellable_cancel (self->index_cancellable);
  g_clear_object (&self->index_cancellable);
  self->index_cancellable = g_cancellable_new ();

  assets = snapshot_assets (G_LIST_MODEL (self->asset_model));
  ks_copy_counter_refresh_async (self->backup_index,
                                 self->source,
                                 assets,
                                 self->protection,
                                 self->index_cancellable,
                                 refresh_backups_cb,
                                 g_object_ref (self));
}

/**
 * ks_library_page_set_protection:
 * @protection: the destinations to look in for copies (the plan's), with their media
 *
 * Where the page looks for copies, from its next count on.
 */
void
ks_library_page_set_protection (KsLibraryPage *self,
                                KsProtection  *protection)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));
  g_return_if_fail (KS_IS_PROTECTION (protection));

  g_set_object (&self->protection, protection);
}

/**
 * ks_library_page_count_backed_up:
 * @n_items: (out): how many photos and videos the library holds
 * @n_missing: (out): how many of them have no copy
 *
 * Returns: %FALSE while the library or the copies are not counted yet
 */
gboolean
ks_library_page_count_backed_up (KsLibraryPage *self,
                                 guint         *n_items,
                                 guint         *n_missing)
{
  guint n, missing = 0;

  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), FALSE);

  if (self->asset_model == NULL || !ks_copy_counter_is_known (self->backup_index))
    return FALSE;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->asset_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (G_LIST_MODEL (self->asset_model), i);

      if (ks_copy_counter_get_copies (self->backup_index, asset) <= 0)
        missing++;
    }

  *n_items = n;
  *n_missing = missing;
  return TRUE;
}

static void
ks_library_page_update_spinner (KsLibraryPage *self)
{
  gboolean loading = ks_library_page_get_loading (self);

  gtk_spinner_set_spinning (self->loading_spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (self->loading_spinner), loading);
}

static void
asset_model_changed_cb (KsLibraryPage *self)
{
  g_assert (KS_IS_LIBRARY_PAGE (self));

  ks_library_page_update_spinner (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The photos whose originals are only in iCloud, for the grid: each an asset of one file
 * that is not on the phone (its path where the phone would keep it). */
static GPtrArray *
dup_icloud_only (KsLibraryPage *self,
                 KsPhotosDb    *library)
{
  GPtrArray *assets = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; library != NULL && i < ks_photos_db_get_n_assets (library); i++)
    {
      const KsPhotosDbAsset *a = ks_photos_db_get_asset (library, i);
      g_autofree char *path = NULL;
      KsAssetFile *file;
      KsAsset *asset;

      if (!(a->flags & KS_ASSET_FLAG_ICLOUD_ONLY))
        continue;
      /* Paths of a device source are relative to DCIM. */
      path = g_str_has_prefix (a->path, "DCIM/") ? g_strdup (a->path + strlen ("DCIM/"))
                                                 : g_strconcat ("../", a->path, NULL);
      file = ks_asset_file_new (KS_ASSET_FILE_ROLE_PRIMARY, path, a->size, a->capture_time);
      asset = ks_asset_new (ks_source_get_id (self->source), file);
      ks_asset_file_unref (file);
      ks_asset_set_library_info (asset, a->flags, a->trashed_time, a->albums);
      if (a->capture_time > 0)
        ks_asset_set_capture_time (asset, a->capture_time, TRUE);
      g_ptr_array_add (assets, asset);
    }
  return assets;
}

/* The row above the grid when the phone's Photos library has originals only in iCloud, and
 * those photos at the end of the grid. */
static void
update_icloud_row (KsLibraryPage *self)
{
  g_autoptr(KsPhotosDb) library = self->source ? ks_source_dup_library (self->source) : NULL;
  g_autoptr(GPtrArray) placeholders = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  guint64 bytes = 0;
  guint n = library ? ks_photos_db_get_icloud_only (library, &bytes) : 0;

  placeholders = dup_icloud_only (self, library);
  ks_photo_grid_set_icloud_only (self->photo_grid, placeholders);
  gtk_widget_set_visible (self->icloud_row, n > 0);
  if (n == 0)
    return;
  size = g_format_size (bytes);
  /* Translators: "1,204 photos (38 GB) are only in iCloud …" */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%'u photo or video (%s) is only in iCloud and can’t be copied over USB",
                                       "%'u photos and videos (%s) are only in iCloud and can’t be copied over USB", n),
                          n, size);
  gtk_label_set_label (self->icloud_label, text);
}

static void
icloud_help_clicked_cb (KsLibraryPage *self)
{
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Photos Only in iCloud"),
                                   _("With “Optimize iPhone Storage” on, the iPhone keeps only small versions of "
                                     "some photos and videos; the originals are in iCloud. To back them up over USB, "
                                     "on the iPhone open Settings → Photos and choose “Download and Keep Originals”, "
                                     "with enough free space, then wait until they have arrived. Or download them "
                                     "from iCloud on the web. The count here updates as they arrive."));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * ks_library_page_dup_library:
 *
 * Returns: (transfer full) (nullable): the Photos library of the phone shown, when it could
 *   be read
 */
KsPhotosDb *
ks_library_page_dup_library (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);
  return self->source ? ks_source_dup_library (self->source) : NULL;
}

/* @collection: see ks_photo_grid_set_collection() */
void
ks_library_page_set_collection (KsLibraryPage *self,
                                const char    *collection)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));
  ks_photo_grid_set_collection (self->photo_grid, collection);
}

static void
error_device_state_cb (KsLibraryPage *self)
{
  self->error_stands = FALSE;
}

static void
load_library_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KsLibraryPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ks_asset_model_load_finish (KS_ASSET_MODEL (object), result, &error))
    {
      gboolean password;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      password = g_error_matches (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD) ||
                 g_error_matches (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD);

      /* An encrypted backup waiting for its password is no failure: the window asks. */
      if (!password)
        /* Said on the page (a phone that lies is not a bug of ours): only logged here. */
        g_message ("Could not read the library: %s", error->message);
      /* A half-read library is kept (its photos are real); an empty one is read again the
       * next time the device is ready. */
      if (KS_ASSET_MODEL (object) == self->asset_model)
        {
          g_free (self->error);
          self->error = g_strdup (error->message);
          self->needs_password = password;
          self->error_stands = TRUE;
          if (self->device != NULL && self->error_state_handler == 0)
            self->error_state_handler =
              g_signal_connect_object (self->device, "notify::state",
                                       G_CALLBACK (error_device_state_cb), self, G_CONNECT_SWAPPED);
        }
    }

  if (KS_ASSET_MODEL (object) != self->asset_model)
    return;

  update_icloud_row (self);
  ks_library_page_update_spinner (self);
  g_signal_emit (self, signals[CHANGED], 0);
  ks_library_page_refresh_backups (self);
}

/**
 * ks_library_page_clear:
 *
 * Stops reading and counting, and shows no library.
 */
void
ks_library_page_clear (KsLibraryPage *self)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_cancellable_cancel (self->index_cancellable);
  g_clear_object (&self->index_cancellable);

  if (self->asset_model != NULL)
    g_signal_handlers_disconnect_by_func (self->asset_model, asset_model_changed_cb, self);

  ks_photo_grid_set_library (self->photo_grid, NULL, NULL);
  ks_copy_counter_clear (self->backup_index);
  ks_protection_panel_set_summary (self->protection_panel, NULL);
  g_clear_object (&self->asset_model);
  g_clear_object (&self->source);
  if (self->device != NULL)
    g_clear_signal_handler (&self->error_state_handler, self->device);
  self->error_state_handler = 0;
  self->error_stands = FALSE;
  g_clear_object (&self->device);
  g_clear_pointer (&self->udid, g_free);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->error, g_free);
  gtk_widget_set_visible (self->icloud_row, FALSE);
  ks_photo_grid_set_icloud_only (self->photo_grid, NULL);
  ks_photo_grid_set_collection (self->photo_grid, NULL);
  self->needs_password = FALSE;
  ks_library_page_update_spinner (self);
}

static void
ks_library_page_start_loading (KsLibraryPage *self)
{
  g_assert (KS_IS_LIBRARY_PAGE (self));

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
  ks_library_page_update_spinner (self);
}

static void
open_backup_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsLibraryPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsBackupSource) backup = ks_backup_source_open_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->folder == NULL ||
      self->source != NULL)
    return;

  g_clear_object (&self->load_cancellable);
  if (backup != NULL)
    {
      /* An encrypted one opens with the password the keyring remembers, if any, before the
       * window asks. */
      ks_backup_source_set_use_keyring (backup, TRUE);
      self->source = KS_SOURCE (g_steal_pointer (&backup));
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (self->folder);

      /* Not a device backup (or one that cannot be read: its photos, if any, are shown as
       * files, and opening it as a backup says what is wrong). */
      if (!g_error_matches (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP))
        g_debug ("%s: %s", self->folder, error->message);
      self->source = KS_SOURCE (ks_folder_source_new (file));
    }
  ks_library_page_start_loading (self);
}

/**
 * ks_library_page_show_folder:
 * @path: a folder of photos, or a device backup (Finder's, iTunes', idevicebackup2's)
 *
 * Reads @path's library, unless it is the one shown. Whether it is a backup is found out on a
 * worker first.
 */
void
ks_library_page_show_folder (KsLibraryPage *self,
                             const char    *path)
{
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));
  g_return_if_fail (path != NULL);

  if (g_strcmp0 (self->folder, path) == 0 && (self->asset_model != NULL || self->load_cancellable != NULL))
    return;

  ks_library_page_clear (self);

  self->folder = g_strdup (path);
  file = g_file_new_for_path (path);
  self->load_cancellable = g_cancellable_new ();
  ks_backup_source_open_async (file, self->load_cancellable, open_backup_cb, g_object_ref (self));
  ks_library_page_update_spinner (self);
}

/* The grid asks for its first screen of thumbnails all at once, while the library is still
 * being listed: sessions for the thumbnailer's workers (3) are opened meanwhile, over one
 * handshake, instead of one handshake each when the first cells ask. */
#define THUMBNAIL_SESSIONS 3

static KsSource *
new_device_source (KsDevice *device)
{
  KsDeviceSource *source = ks_device_source_new_for_device (device);

  ks_device_source_prewarm (source, THUMBNAIL_SESSIONS);
  return KS_SOURCE (source);
}

/**
 * ks_library_page_show_device:
 * @device: a ready iPhone
 * @keep_source: %TRUE while a backup reads from the source shown
 *
 * Reads @device's library. The same iPhone plugged in again keeps its library (a stopped
 * backup resumes with it); its connections died with the cable, so it gets a fresh source,
 * unless @keep_source. A library that failed before anything was read is read again.
 */
void
ks_library_page_show_device (KsLibraryPage *self,
                             KsDevice      *device,
                             gboolean       keep_source)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));
  g_return_if_fail (KS_IS_DEVICE (device));

  if (self->asset_model != NULL
      && g_strcmp0 (self->udid, ks_device_get_udid (device)) == 0
      && !(self->error != NULL && !self->error_stands
           && g_list_model_get_n_items (G_LIST_MODEL (self->asset_model)) == 0))
    {
      if (self->device != device && !keep_source)
        {
          g_set_object (&self->device, device);
          g_clear_object (&self->source);
          self->source = new_device_source (device);
          ks_photo_grid_set_library (self->photo_grid,
                                     G_LIST_MODEL (self->asset_model),
                                     self->source);
        }
      return;
    }

  ks_library_page_clear (self);

  self->udid = g_strdup (ks_device_get_udid (device));
  g_set_object (&self->device, device);
  self->source = new_device_source (device);
  ks_library_page_start_loading (self);
}

/**
 * ks_library_page_get_assets:
 *
 * Returns: (transfer none) (nullable): the library shown, as it is read
 */
GListModel *
ks_library_page_get_assets (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return self->asset_model ? G_LIST_MODEL (self->asset_model) : NULL;
}

/**
 * ks_library_page_get_source:
 *
 * Returns: (transfer none) (nullable): where the library shown is read from
 */
KsSource *
ks_library_page_get_source (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return self->source;
}

/**
 * ks_library_page_get_udid:
 *
 * Returns: (nullable): the iPhone whose library is shown, also while it is unplugged
 */
const char *
ks_library_page_get_udid (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return self->udid;
}

gboolean
ks_library_page_get_loading (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), FALSE);

  /* A folder being looked at (is it a backup?) counts as loading too. */
  if (self->asset_model == NULL)
    return self->folder != NULL && self->load_cancellable != NULL;
  return ks_asset_model_get_loading (self->asset_model);
}

/**
 * ks_library_page_get_needs_password:
 *
 * Returns: %TRUE if the library shown is an encrypted device backup that could not be read
 *   without a password, or with the one given (ks_library_page_get_error() says which)
 */
gboolean
ks_library_page_get_needs_password (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), FALSE);

  return self->needs_password;
}

/**
 * ks_library_page_unlock:
 * @password: the password of the encrypted device backup shown
 *
 * Reads the backup again with @password (on a worker, as any library).
 */
void
ks_library_page_unlock (KsLibraryPage *self,
                        const char    *password)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));
  g_return_if_fail (password != NULL);

  if (!KS_IS_BACKUP_SOURCE (self->source) || !self->needs_password)
    return;

  ks_backup_source_set_password (KS_BACKUP_SOURCE (self->source), password);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->asset_model != NULL)
    g_signal_handlers_disconnect_by_func (self->asset_model, asset_model_changed_cb, self);
  ks_photo_grid_set_library (self->photo_grid, NULL, NULL);
  g_clear_object (&self->asset_model);
  g_clear_pointer (&self->error, g_free);
  self->needs_password = FALSE;
  ks_library_page_start_loading (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * ks_library_page_reload:
 *
 * After a library that failed to load: the next ks_library_page_show_device() of its iPhone
 * reads it again (the "Try Again" of the error page).
 */
void
ks_library_page_reload (KsLibraryPage *self)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  self->error_stands = FALSE;
}

/**
 * ks_library_page_get_error:
 *
 * Returns: (nullable): why the library could not be read (all of it)
 */
const char *
ks_library_page_get_error (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return self->error;
}

/**
 * ks_library_page_lookup_asset:
 * @id: an asset's id
 *
 * Returns: (transfer none) (nullable): the asset of the library shown with @id
 */
KsAsset *
ks_library_page_lookup_asset (KsLibraryPage *self,
                              const char    *id)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  if (self->asset_model == NULL || id == NULL)
    return NULL;

  return ks_asset_model_lookup (self->asset_model, id);
}

void
ks_library_page_set_thumbnailer (KsLibraryPage *self,
                                 KsThumbnailer *thumbnailer)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  g_set_object (&self->thumbnailer, thumbnailer);
  ks_photo_grid_set_thumbnailer (self->photo_grid, thumbnailer);
}

void
ks_library_page_set_filter (KsLibraryPage *self,
                            KsPhotoFilter  filter)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  ks_photo_grid_set_filter (self->photo_grid, filter);
}

guint
ks_library_page_get_n_selected (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), 0);

  return ks_photo_grid_get_n_selected (self->photo_grid);
}

/**
 * ks_library_page_dup_selected:
 *
 * Returns: (transfer container) (element-type KsAsset): the selected photos and videos
 */
GPtrArray *
ks_library_page_dup_selected (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return ks_photo_grid_dup_selected (self->photo_grid);
}

void
ks_library_page_select_all (KsLibraryPage *self)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  ks_photo_grid_select_all (self->photo_grid);
}

void
ks_library_page_unselect_all (KsLibraryPage *self)
{
  g_return_if_fail (KS_IS_LIBRARY_PAGE (self));

  ks_photo_grid_unselect_all (self->photo_grid);
}

KsPhotoGrid *
ks_library_page_get_photo_grid (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return self->photo_grid;
}

KsCopyCounter *
ks_library_page_get_backup_index (KsLibraryPage *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_PAGE (self), NULL);

  return self->backup_index;
}

static void
n_selected_changed_cb (KsLibraryPage *self)
{
  guint n = ks_photo_grid_get_n_selected (self->photo_grid);

  g_assert (KS_IS_LIBRARY_PAGE (self));

  if (n > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%'u selected",
                                                            "%'u selected", n), n);

      gtk_label_set_text (self->selection_label, text);
    }
  gtk_action_bar_set_revealed (self->selection_bar, n > 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SELECTED]);
}

static void
ks_library_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsLibraryPage *self = KS_LIBRARY_PAGE (object);

  switch (prop_id)
    {
    case PROP_N_SELECTED:
      g_value_set_uint (value, ks_library_page_get_n_selected (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_library_page_dispose (GObject *object)
{
  KsLibraryPage *self = (KsLibraryPage *)object;

  if (self->photo_grid != NULL)
    ks_library_page_clear (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_LIBRARY_PAGE);

  g_clear_object (&self->backup_index);
  g_clear_object (&self->thumbnailer);

  G_OBJECT_CLASS (ks_library_page_parent_class)->dispose (object);
}

static void
ks_library_page_finalize (GObject *object)
{
  KsLibraryPage *self = (KsLibraryPage *)object;

  g_clear_object (&self->protection);

  G_OBJECT_CLASS (ks_library_page_parent_class)->finalize (object);
}

static void
ks_library_page_class_init (KsLibraryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_library_page_dispose;
  object_class->finalize = ks_library_page_finalize;
  object_class->get_property = ks_library_page_get_property;

  properties[PROP_N_SELECTED] =
    g_param_spec_uint ("n-selected", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * KsLibraryPage::changed:
   *
   * Photos were found, or reading started, finished or failed.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * KsLibraryPage::backups-counted:
   *
   * ks_library_page_count_backed_up() has new counts.
   */
  signals[BACKUPS_COUNTED] =
    g_signal_new ("backups-counted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (KS_TYPE_PHOTO_GRID);
  g_type_ensure (KS_TYPE_PROTECTION_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/ks-library-page.ui");
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, protection_panel);
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, photo_grid);
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, selection_label);
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, icloud_row);
  gtk_widget_class_bind_template_child (widget_class, KsLibraryPage, icloud_label);
  gtk_widget_class_bind_template_callback (widget_class, icloud_help_clicked_cb);
}

static void
ks_library_page_init (KsLibraryPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->backup_index = ks_copy_counter_new ();
  ks_photo_grid_set_backup_index (self->photo_grid, self->backup_index);
  g_signal_connect_object (self->photo_grid, "notify::n-selected",
                           G_CALLBACK (n_selected_changed_cb), self,
                           G_CONNECT_SWAPPED);
  ks_library_page_update_spinner (self);
}

GtkWidget *
_ks_library_page_get_protection_panel (KsLibraryPage *self)
{
  return GTK_WIDGET (self->protection_panel);
}

GtkActionBar *
_ks_library_page_get_selection_bar (KsLibraryPage *self)
{
  return self->selection_bar;
}

GtkLabel *
_ks_library_page_get_selection_label (KsLibraryPage *self)
{
  return self->selection_label;
}
