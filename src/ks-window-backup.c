/* ks-window-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window's backups: starting one, its progress in the progress panel, and how it ended,
 * in words a user counts in (photos and videos, not files), as a toast and, when nobody is
 * looking at the window, a notification. Closing the window while one runs asks first. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ks-folder-destination.h"
#include "ks-layout.h"
#include "ks-settings.h"
#include "ks-window-private.h"

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

gboolean
_ks_window_backup_running (KsWindow *self)
{
  return self->job != NULL;
}

gboolean
_ks_window_can_resume (KsWindow *self)
{
  g_auto(GStrv) destinations = _ks_window_dup_destinations (self);

  return self->stopped_job_can_resume && !_ks_window_backup_running (self)
         && destinations != NULL && _ks_window_get_ready (self);
}

/* ---- toasts and notifications ---- */

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

/* ---- progress ---- */

static void
current_thumbnail_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(KsWindow) self = user_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  pixbuf = ks_thumbnailer_load_finish (KS_THUMBNAILER (object), result, NULL, NULL);
  if (pixbuf == NULL || !_ks_window_backup_running (self))
    return;

  texture = gdk_texture_new_for_pixbuf (pixbuf);
  ks_progress_panel_set_current (self->progress_panel, self->current_name, GDK_PAINTABLE (texture));
}

/* The panel shows the file being copied, with its thumbnail when the library has it. */
static void
ks_window_show_current (KsWindow   *self,
                        const char *path,
                        const char *asset_id)
{
  KsAsset *asset;

  g_assert (KS_IS_WINDOW (self));

  g_free (self->current_path);
  self->current_path = g_strdup (path);
  g_free (self->current_name);
  self->current_name = g_filename_display_basename (path);
  ks_progress_panel_set_current (self->progress_panel, self->current_name, NULL);

  asset = ks_library_page_lookup_asset (self->library_page, asset_id);

  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);
  if (asset != NULL && self->thumbnailer != NULL)
    {
      KsAssetFile *primary = ks_asset_get_primary (asset);

      self->current_cancellable = g_cancellable_new ();
      ks_thumbnailer_load_async (self->thumbnailer,
                                 ks_library_page_get_source (self->library_page),
                                 ks_asset_file_get_path (primary),
                                 ks_asset_file_get_size (primary),
                                 ks_asset_file_get_mtime (primary),
                                 KS_THUMBNAILER_DEFAULT_SIZE,
                                 self->current_cancellable,
                                 current_thumbnail_cb,
                                 g_object_ref (self));
    }
}

static void
job_progress_cb (KsWindow               *self,
                 const KsImportProgress *progress,
                 KsImportJob            *job)
{
  g_assert (KS_IS_WINDOW (self));

  ks_progress_panel_set_progress (self->progress_panel, progress);

  if (progress->current_path != NULL && g_strcmp0 (progress->current_path, self->current_path) != 0)
    ks_window_show_current (self, progress->current_path, progress->current_asset);
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

/* ---- how a backup ended ---- */

static void
ks_window_show_cancelled (KsWindow   *self,
                          guint       n_copied,
                          const char *what)
{
  g_autofree char *title = NULL;

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

static void
ks_window_show_stopped (KsWindow     *self,
                        const GError *error,
                        guint         n_copied,
                        const char   *what)
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

static void
ks_window_show_finished (KsWindow             *self,
                         const KsImportResult *result,
                         guint                 n_copied,
                         const char           *what)
{
  g_autofree char *where = describe_destinations ((const char * const *)self->job_destinations);
  g_autofree char *title = NULL;

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
  g_autofree char *what = NULL;
  guint n_copied;

  result = ks_import_job_run_finish (job, res, &error);
  partial = result ? result : ks_import_job_get_result (job);

  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);
  g_clear_object (&self->job_cancellable);
  g_clear_object (&self->job);

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
    ks_window_show_cancelled (self, n_copied, what);
  else if (error != NULL)
    ks_window_show_stopped (self, error, n_copied, what);
  else
    ks_window_show_finished (self, result, n_copied, what);

  _ks_window_refresh_backups (self);
  _ks_window_actions_update (self);
}

/* ---- starting a backup ---- */

/* A new user needs no configuration: the default folder is made on the first backup. A
 * folder the user chose is not re-created: a missing drive must not fill the disk. The
 * folder is made on a worker thread (a slow disk must not freeze the window). */
static void
make_default_folder_worker (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  const char *path = task_data;

  if (path != NULL && g_mkdir_with_parents (path, 0755) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "%s", g_strerror (saved_errno));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
default_folder_made_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  KsWindow *self = KS_WINDOW (object);
  g_autoptr(GError) error = NULL;

  /* A folder that could not be made fails the run with the destination's own error. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Could not make the default backup folder: %s", error->message);

  if (self->job == NULL)
    return;

  ks_import_job_run_async (self->job, self->job_cancellable, job_done_cb, g_object_ref (self));
}

static KsImportFlags
ks_window_dup_flags (KsWindow  *self,
                     GPtrArray *assets)
{
  KsImportFlags flags = KS_IMPORT_FLAGS_NONE;

  if (!g_settings_get_boolean (self->settings, KS_SETTINGS_INCLUDE_LIVE_VIDEOS))
    flags |= KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS;
  if (!g_settings_get_boolean (self->settings, KS_SETTINGS_INCLUDE_EDITED))
    flags |= KS_IMPORT_FLAGS_SKIP_EDITED;
  if (!g_settings_get_boolean (self->settings, KS_SETTINGS_INCLUDE_SIDECARS))
    flags |= KS_IMPORT_FLAGS_SKIP_SIDECARS;
  /* Videos the user picked one by one are wanted, whatever the setting says. */
  if (assets == NULL && !g_settings_get_boolean (self->settings, KS_SETTINGS_INCLUDE_VIDEOS))
    flags |= KS_IMPORT_FLAGS_SKIP_VIDEOS;

  return flags;
}

/**
 * _ks_window_start_backup:
 * @assets: (nullable) (element-type KsAsset): what to copy, or %NULL for everything
 * @title: what the progress panel says it does
 *
 * Returns: %TRUE when a backup started
 */
gboolean
_ks_window_start_backup (KsWindow   *self,
                         GPtrArray  *assets,
                         const char *title)
{
  g_autoptr(GPtrArray) destinations = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) paths = NULL;
  g_autofree char *default_path = NULL;
  g_autofree char *layout = NULL;
  g_autoptr(GError) error = NULL;
  KsSource *source = ks_library_page_get_source (self->library_page);
  KsCatalog *catalog;

  g_assert (KS_IS_WINDOW (self));

  if (self->job != NULL || source == NULL)
    return FALSE;

  /* Every destination switched off: the actions are off and the window says why. */
  paths = _ks_window_dup_destinations (self);
  if (paths == NULL)
    return FALSE;

  catalog = ks_application_get_catalog (_ks_window_get_application (self), &error);
  if (catalog == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open the backup catalog: %s"), error->message);

      ks_window_show_toast (self, message, NULL);
      return FALSE;
    }

  default_path = ks_settings_dup_default_destination ();
  for (guint i = 0; paths[i] != NULL; i++)
    g_ptr_array_add (destinations, ks_folder_destination_new (paths[i]));

  self->job = ks_import_job_new (source, assets, destinations, catalog);
  ks_import_job_set_flags (self->job, ks_window_dup_flags (self, assets));

  layout = g_settings_get_string (self->settings, KS_SETTINGS_FOLDER_LAYOUT);
  if (layout[0] != '\0' && ks_layout_validate (layout, NULL))
    ks_import_job_set_layout (self->job, layout);

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

  task = g_task_new (self, NULL, default_folder_made_cb, NULL);
  g_task_set_source_tag (task, _ks_window_start_backup);
  g_task_set_name (task, "[keepsake] make the default backup folder");
  if (g_strv_contains ((const char * const *)paths, default_path))
    g_task_set_task_data (task, g_steal_pointer (&default_path), g_free);
  g_task_run_in_thread (task, make_default_folder_worker);

  _ks_window_actions_update (self);

  return TRUE;
}

/* ---- the progress panel's buttons ---- */

static void
progress_cancel_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  g_cancellable_cancel (self->job_cancellable);
}

static void
progress_resume_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  gtk_widget_activate_action (GTK_WIDGET (self), "win.resume", NULL);
}

static void
progress_dismiss_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  self->stopped_job_can_resume = FALSE;
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  _ks_window_actions_update (self);
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
    return GTK_WINDOW_CLASS (g_type_class_peek (ADW_TYPE_APPLICATION_WINDOW))->close_request (window);

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

void
_ks_window_backup_dispose (KsWindow *self)
{
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

  g_clear_object (&self->job);
  g_clear_object (&self->job_cancellable);
  g_clear_pointer (&self->resume_assets, g_ptr_array_unref);
}

void
_ks_window_backup_finalize (KsWindow *self)
{
  g_strfreev (self->job_destinations);
  g_free (self->current_path);
  g_free (self->current_name);
  g_free (self->last_toast);
  g_free (self->last_notification);
}

void
_ks_window_class_backup_init (KsWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  window_class->close_request = ks_window_close_request;

  gtk_widget_class_bind_template_callback (widget_class, progress_cancel_cb);
  gtk_widget_class_bind_template_callback (widget_class, progress_resume_cb);
  gtk_widget_class_bind_template_callback (widget_class, progress_dismiss_cb);
}
