/* ks-window-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window's backups: asking the backup service for one (the service builds and runs it,
 * to the plan's destinations with the plan's options; Back Up Everything of an iPhone also
 * makes its full device backup when the plan has destinations for one), its progress in the
 * progress panel (also of a run started elsewhere for the source shown), and how it ended, in
 * words a user counts in (photos and videos, not files), as a toast and, when nobody is
 * looking at the window, a notification. A run outlives the window: closing it asks whether to keep the
 * backup going or stop it. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-drive-eject.h"
#include "ks-folder-destination.h"
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
                 guint videos,
                 guint others)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  /* Translators: part of "20 photos and 3 videos backed up to Pictures/iPhone" */
  if (photos > 0 || (videos == 0 && others == 0))
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u photo", "%'u photos", photos),
                                             photos));
  /* Translators: part of "20 photos and 3 videos backed up to Pictures/iPhone" */
  if (videos > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u video", "%'u videos", videos),
                                             videos));
  /* Translators: part of "20 photos and 2 other files backed up to Pictures/iPhone": files
   * that are neither photos nor videos */
  if (others > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u other file", "%'u other files", others),
                                             others));

  if (parts->len == 1)
    return g_strdup (g_ptr_array_index (parts, 0));
  if (parts->len == 2)
    /* Translators: "20 photos and 3 videos" */
    return g_strdup_printf (_("%s and %s"), (char *)g_ptr_array_index (parts, 0),
                            (char *)g_ptr_array_index (parts, 1));

  /* Translators: "20 photos, 3 videos and 2 other files" */
  return g_strdup_printf (_("%s, %s and %s"), (char *)g_ptr_array_index (parts, 0),
                          (char *)g_ptr_array_index (parts, 1), (char *)g_ptr_array_index (parts, 2));
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
  return self->run != NULL && ks_backup_run_get_state (self->run) != KS_BACKUP_RUN_FINISHED;
}

gboolean
_ks_window_can_resume (KsWindow *self)
{
  g_auto(GStrv) destinations = _ks_window_dup_destinations (self);

  return self->stopped_run_can_resume && !_ks_window_backup_running (self)
         && destinations != NULL && _ks_window_get_ready (self);
}

/* Where a run went, as paths (the folder a toast's Show Files opens is the first). */
static char **
dup_run_destinations (KsBackupRun *run)
{
  GPtrArray *destinations = ks_backup_run_get_destinations (run);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; destinations != NULL && i < destinations->len; i++)
    {
      KsDestination *destination = g_ptr_array_index (destinations, i);

      if (KS_IS_FOLDER_DESTINATION (destination))
        g_strv_builder_add (builder, ks_folder_destination_get_path (KS_FOLDER_DESTINATION (destination)));
      else
        {
          /* A drive: the folder where it was found; anything else: its name. */
          g_autofree char *uri = ks_destination_dup_uri (destination);
          g_autofree char *path = uri != NULL ? g_filename_from_uri (uri, NULL, NULL) : NULL;
          g_autofree char *name = ks_destination_dup_display_name (destination);

          g_strv_builder_add (builder, path != NULL ? path : name);
        }
    }

  return g_strv_builder_end (builder);
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

/* What ejecting says comes to the window that asked, if it is still there. */
static void
drive_ejected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsWindow **window = user_data;
  g_autofree char *message = NULL;

  ks_drive_eject_finish (result, &message);
  if (message != NULL && *window != NULL)
    {
      g_autofree char *markup = g_markup_escape_text (message, -1);

      adw_toast_overlay_add_toast ((*window)->toast_overlay, adw_toast_new (markup));
    }

  g_clear_weak_pointer (window);
  g_free (window);
}

/* Each drive of the summary, one after the other as GIO gets to them; each says how it
 * went in a toast of its own (toasts queue). */
static void
eject_drives_cb (AdwToast *toast,
                 KsWindow *self)
{
  GPtrArray *drives = g_object_get_data (G_OBJECT (toast), "ks-drives");

  for (guint i = 0; drives != NULL && i < drives->len; i++)
    {
      KsRunDrive *drive = g_ptr_array_index (drives, i);
      KsWindow **window = g_new0 (KsWindow *, 1);

      g_set_weak_pointer (window, self);
      ks_drive_eject_async (drive->path, drive->name, drive->uuid, self->service, GTK_WINDOW (self), NULL,
                            drive_ejected_cb, window);
    }
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

/* @drives: (nullable) (element-type KsRunDrive): drives the run stored to; the toast offers
 * to eject them rather than to show the files, as what one does next after a backup to a
 * drive is unplug it. */
static void
ks_window_show_toast (KsWindow   *self,
                      const char *title,
                      const char *folder,
                      GPtrArray  *drives)
{
  /* A toast's title is markup; a folder may be called "Photos & Videos". */
  g_autofree char *markup = g_markup_escape_text (title, -1);
  AdwToast *toast = adw_toast_new (markup);

  /* The newest summary replaces the one before; toasts wait while the window is not focused,
   * and a stale one would otherwise keep the new one queued behind it. */
  dismiss_summary (self);

  adw_toast_set_timeout (toast, 8);
  if (drives != NULL && drives->len > 0)
    {
      adw_toast_set_button_label (toast, drives->len == 1 ? _("_Eject") : _("_Eject Drives"));
      g_object_set_data_full (G_OBJECT (toast), "ks-drives", g_ptr_array_ref (drives),
                              (GDestroyNotify)g_ptr_array_unref);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (eject_drives_cb), self, 0);
    }
  else if (folder != NULL)
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
run_progress_cb (KsWindow               *self,
                 const KsImportProgress *progress,
                 KsBackupRun            *run)
{
  g_assert (KS_IS_WINDOW (self));

  ks_progress_panel_set_progress (self->progress_panel, progress);

  if (progress->current_path != NULL && g_strcmp0 (progress->current_path, self->current_path) != 0)
    ks_window_show_current (self, progress->current_path, progress->current_asset);
}

/* A full device backup: its phase (the passcode the phone asks for first), files, bytes. */
static void
run_full_progress_cb (KsWindow                   *self,
                      const KsFullBackupProgress *progress,
                      KsBackupRun                *run)
{
  g_assert (KS_IS_WINDOW (self));

  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);
  ks_progress_panel_set_full_progress (self->progress_panel, progress);
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
  self->stopped_run_can_resume = FALSE;
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  ks_window_show_toast (self, title, NULL, NULL);
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

  self->stopped_run_can_resume = TRUE;
  ks_progress_panel_set_stopped (self->progress_panel, stop_title, message,
                                 self->device != NULL
                                 && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  ks_window_notify (self, stop_title, message);
}

static void
ks_window_show_full_stopped (KsWindow     *self,
                             const GError *error)
{
  const char *title = _("Full Device Backup Stopped");

  self->stopped_run_can_resume = TRUE;
  ks_progress_panel_set_stopped (self->progress_panel, title, error->message,
                                 self->device != NULL
                                 && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  ks_window_notify (self, title, error->message);
}

static void
ks_window_show_full_finished (KsWindow *self)
{
  const char *title = _("The iPhone’s full device backup is up to date");

  self->stopped_run_can_resume = FALSE;
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  ks_window_show_toast (self, title, NULL, NULL);
  ks_window_notify (self, _("Backup Finished"), title);
}

static void
ks_window_show_finished (KsWindow             *self,
                         const KsImportResult *result,
                         const char * const   *destinations,
                         GPtrArray            *drives,
                         guint                 n_copied,
                         const char           *what,
                         gboolean              with_full_backup)
{
  guint n_destinations = destinations != NULL ? g_strv_length ((char **)destinations) : 0;
  g_autofree char *where = NULL;
  g_autofree char *title = NULL;

  /* A drive by its name: "Passport", not where it happens to be mounted today. */
  if (n_destinations == 1 && drives->len == 1)
    where = g_strdup (((KsRunDrive *)g_ptr_array_index (drives, 0))->name);
  else if (n_destinations > 1 && drives->len == n_destinations)
    /* Translators: where a backup went, as in "20 photos backed up to 2 drives" */
    where = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u drive", "%'u drives", n_destinations),
                             n_destinations);
  else
    where = describe_destinations (destinations);

  self->stopped_run_can_resume = FALSE;
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

  if (with_full_backup)
    {
      g_autofree char *files = g_steal_pointer (&title);

      /* Translators: %s says what happened to the photos, e.g. "20 photos backed up to
       * Pictures/iPhone"; then the phone's full device backup was made too */
      title = g_strdup_printf (_("%s; full device backup made"), files);
    }

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

  ks_window_show_toast (self, title, destinations ? destinations[0] : NULL, drives);
  ks_window_notify (self, _("Backup Finished"), title);
}

static void
run_finished_cb (KsWindow    *self,
                 KsBackupRun *run)
{
  g_autoptr(KsBackupRun) finished = g_object_ref (run);
  const KsImportResult *result = ks_backup_run_get_result (run);
  const GError *error = ks_backup_run_get_error (run);
  g_auto(GStrv) destinations = dup_run_destinations (run);
  g_autoptr(GPtrArray) drives = ks_run_drive_list (run);
  g_autofree char *what = NULL;
  KsImportResult nothing = { 0 };
  guint n_copied;

  g_assert (KS_IS_WINDOW (self));

  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);
  g_signal_group_set_target (self->run_signals, NULL);
  g_clear_object (&self->run);

  /* A run cancelled while queued copied nothing. */
  if (result == NULL)
    result = &nothing;

  /* Photos and videos, not files: a Live Photo's movie, its edit and sidecar are one photo. */
  n_copied = result->photos_copied + result->videos_copied + result->others_copied;
  what = describe_copied (result->photos_copied, result->videos_copied, result->others_copied);
  ks_window_list_errors (self, result);

  if (error != NULL && (g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED)
                        || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    ks_window_show_cancelled (self, n_copied, what);
  else if (error != NULL && ks_backup_run_get_full_backup_started (run))
    {
      /* The files went through; the phone's full backup did not (the passcode not entered
       * in time, no space…): the core's sentence says why. */
      g_clear_pointer (&self->resume_assets, g_ptr_array_unref);
      ks_window_show_full_stopped (self, error);
    }
  else if (error != NULL)
    {
      GPtrArray *assets = ks_backup_run_get_assets (run);

      g_clear_pointer (&self->resume_assets, g_ptr_array_unref);
      self->resume_assets = assets ? g_ptr_array_ref (assets) : NULL;
      ks_window_show_stopped (self, error, n_copied, what);
    }
  else if (ks_backup_run_is_full_backup (run))
    ks_window_show_full_finished (self);
  else
    ks_window_show_finished (self, result, (const char * const *)destinations, drives, n_copied, what,
                             ks_backup_run_get_full_backup_started (run));

  _ks_window_refresh_backups (self);
  if (ks_backup_run_get_full_backup_started (run))
    ks_sidebar_reload_full_backups (self->sidebar);
  _ks_window_actions_update (self);
  /* Another run of the same source may be waiting behind this one. */
  _ks_window_follow_run (self);
}

/* The panel shows @run's progress until it ends, whoever started it. */
static void
ks_window_show_run (KsWindow    *self,
                    KsBackupRun *run,
                    const char  *title)
{
  const KsImportProgress *progress;

  g_assert (KS_IS_WINDOW (self));
  g_assert (KS_IS_BACKUP_RUN (run));

  g_set_object (&self->run, run);
  g_signal_group_set_target (self->run_signals, run);
  g_clear_pointer (&self->current_path, g_free);
  g_clear_pointer (&self->current_name, g_free);
  self->stopped_run_can_resume = FALSE;

  ks_progress_panel_reset (self->progress_panel, title);
  progress = ks_backup_run_get_progress (run);
  if (progress != NULL)
    run_progress_cb (self, progress, run);
  if (ks_backup_run_get_full_progress (run) != NULL)
    run_full_progress_cb (self, ks_backup_run_get_full_progress (run), run);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);

  /* The last run's summary is old news once a new run shows its progress. */
  dismiss_summary (self);

  _ks_window_actions_update (self);
}

/**
 * _ks_window_follow_run:
 *
 * Shows the run queued or running for the source shown, if the window shows none: one started
 * before the window opened, from another window, keepsake-cli or the monitor.
 */
void
_ks_window_follow_run (KsWindow *self)
{
  KsSource *source = ks_library_page_get_source (self->library_page);
  KsBackupRun *run;

  g_assert (KS_IS_WINDOW (self));

  if (self->service == NULL || source == NULL || _ks_window_backup_running (self))
    return;

  run = ks_backup_service_find_run (self->service, ks_source_get_id (source));
  if (run == NULL)
    return;

  ks_window_show_run (self, run,
                      ks_backup_run_is_full_backup (run) ? _("Full Device Backup")
                      : ks_backup_run_get_assets (run) ? _("Importing the Selection")
                                                       : _("Backing Up Everything"));
}

static void
run_queued_cb (KsWindow        *self,
               KsBackupRun     *run,
               KsBackupService *service)
{
  g_assert (KS_IS_WINDOW (self));

  _ks_window_follow_run (self);
}

static void
plan_changed_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  /* A running backup refreshes the counts when it ends. */
  if (!_ks_window_backup_running (self))
    _ks_window_refresh_backups (self);
  _ks_window_actions_update (self);
}

/* Coming back to the window shows what happened meanwhile elsewhere: destinations added and
 * backups made by keepsake-cli or the monitor (the plan and its last runs are read again). */
static void
window_active_cb (KsWindow *self)
{
  g_autoptr(GError) error = NULL;

  g_assert (KS_IS_WINDOW (self));

  if (self->service == NULL || !gtk_window_is_active (GTK_WINDOW (self)))
    return;

  if (!ks_backup_plan_reload (ks_backup_service_get_plan (self->service), &error))
    g_message ("The backup plan could not be read again: %s", error->message);
}

/* The service the window's backups run in; %NULL until the catalog is open (the backup
 * actions are off until then). */
void
_ks_window_set_backup_service (KsWindow        *self,
                               KsBackupService *service)
{
  g_assert (KS_IS_WINDOW (self));

  if (!g_set_object (&self->service, service))
    return;

  ks_sidebar_set_backup_plan (self->sidebar, service ? ks_backup_service_get_plan (service) : NULL);

  if (service != NULL)
    {
      g_signal_connect_object (service, "run-queued",
                               G_CALLBACK (run_queued_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (ks_backup_service_get_plan (service), "items-changed",
                               G_CALLBACK (plan_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self, "notify::is-active",
                               G_CALLBACK (window_active_cb), self,
                               G_CONNECT_SWAPPED);
    }

  plan_changed_cb (self);
  _ks_window_follow_run (self);
}

/**
 * _ks_window_start_backup:
 * @assets: (nullable) (element-type KsAsset): what to copy, or %NULL for everything
 * @title: what the progress panel says it does
 *
 * Asks the backup service to copy @assets of the source shown to the plan's destinations,
 * with the plan's options.
 *
 * Returns: %TRUE when a backup started
 */
gboolean
_ks_window_start_backup (KsWindow   *self,
                         GPtrArray  *assets,
                         const char *title)
{
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(GError) error = NULL;
  KsSource *source = ks_library_page_get_source (self->library_page);

  g_assert (KS_IS_WINDOW (self));

  if (_ks_window_backup_running (self) || source == NULL || self->service == NULL)
    return FALSE;

  run = ks_backup_service_back_up (self->service, source, assets, NULL, "window", &error);
  /* Everything from an iPhone: its full device backup too, where the plan keeps one. */
  if (run != NULL && assets == NULL && !ks_backup_run_is_full_backup (run))
    ks_backup_run_set_with_full_backup (run, TRUE);
  if (run == NULL)
    {
      /* Every destination switched off: the actions are off and the window says why. */
      if (!g_error_matches (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS))
        ks_window_show_toast (self, error->message, NULL, NULL);
      _ks_window_actions_update (self);
      return FALSE;
    }

  if (self->resume_assets != assets)
    {
      g_clear_pointer (&self->resume_assets, g_ptr_array_unref);
      self->resume_assets = assets ? g_ptr_array_ref (assets) : NULL;
    }

  ks_window_show_run (self, run, title);

  return TRUE;
}

/* ---- the progress panel's buttons ---- */

static void
progress_cancel_cb (KsWindow *self)
{
  g_assert (KS_IS_WINDOW (self));

  if (self->run != NULL)
    ks_backup_run_cancel (self->run);
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

  self->stopped_run_can_resume = FALSE;
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  _ks_window_actions_update (self);
}

/* ---- closing ---- */

static gboolean
destroy_idle_cb (gpointer user_data)
{
  gtk_window_destroy (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

static void
close_response_cb (KsWindow         *self,
                   const char       *response,
                   AdwMessageDialog *dialog)
{
  g_assert (KS_IS_WINDOW (self));

  if (g_strcmp0 (response, "stop") == 0 && self->run != NULL)
    /* The run removes its temporary files on the way out, window or not. */
    ks_backup_run_cancel (self->run);
  else if (g_strcmp0 (response, "keep") != 0)
    return;

  /* Gone at once; destroyed once the dialog, which it would take along, has finished. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, destroy_idle_cb, g_object_ref (self), g_object_unref);
}

static gboolean
ks_window_close_request (GtkWindow *window)
{
  KsWindow *self = KS_WINDOW (window);
  AdwMessageDialog *dialog;

  if (!_ks_window_backup_running (self))
    return GTK_WINDOW_CLASS (g_type_class_peek (ADW_TYPE_APPLICATION_WINDOW))->close_request (window);

  /* The backup does not need the window: closing it can leave the backup running. */
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window,
                                                       _("Keep Backing Up?"),
                                                       _("The backup can go on without the window; Keepsake says when it is done. Stopping it keeps the files copied so far.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "stop", _("_Stop Backup"),
                                    "keep", _("_Keep Backing Up"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "keep", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "keep");
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
_ks_window_backup_init (KsWindow *self)
{
  self->run_signals = g_signal_group_new (KS_TYPE_BACKUP_RUN);
  g_signal_group_connect_object (self->run_signals, "progress",
                                 G_CALLBACK (run_progress_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->run_signals, "full-progress",
                                 G_CALLBACK (run_full_progress_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->run_signals, "jpeg-progress",
                                 G_CALLBACK (ks_progress_panel_set_jpeg_progress), self->progress_panel,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->run_signals, "finished",
                                 G_CALLBACK (run_finished_cb), self,
                                 G_CONNECT_SWAPPED);
}

/* The run goes on without the window (the application holds itself while it runs). */
void
_ks_window_backup_dispose (KsWindow *self)
{
  g_cancellable_cancel (self->current_cancellable);
  g_clear_object (&self->current_cancellable);

  if (self->close_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->close_dialog));
  if (self->toast != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->toast), (gpointer *)&self->toast);
      self->toast = NULL;
    }

  if (self->run_signals != NULL)
    g_signal_group_set_target (self->run_signals, NULL);
  g_clear_object (&self->run_signals);
  g_clear_object (&self->run);
  g_clear_object (&self->service);
  g_clear_pointer (&self->resume_assets, g_ptr_array_unref);
}

void
_ks_window_backup_finalize (KsWindow *self)
{
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
