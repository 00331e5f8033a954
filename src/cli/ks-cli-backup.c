/* ks-cli-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli backup: asks the core's KsBackupService for a run from an iPhone (or folder)
 * to every enabled destination of the backup plan, or with --to to one folder; shows progress
 * on a terminal, and turns the outcome into an exit code that says why it stopped. */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-backup-service.h"
#include "ks-cli.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-photos-db.h"
#include "ks-rclone-destination.h"

typedef struct
{
  KsCli    *cli;
  gboolean  done;
  gint64    last_progress;
} BackupWait;

static void
progress_cb (KsBackupRun            *run,
             const KsImportProgress *progress,
             gpointer                user_data)
{
  BackupWait *wait = user_data;
  g_autofree char *done = NULL;
  g_autofree char *total = NULL;

  if (!wait->cli->progress)
    return;

  done = g_format_size (progress->bytes_done);
  total = g_format_size (progress->bytes_total);
  ks_cli_progress (wait->cli, &wait->last_progress,
                   ngettext ("%u of %u item, %s of %s, %u copied, %u skipped, %u failed",
                             "%u of %u items, %s of %s, %u copied, %u skipped, %u failed",
                             progress->items_total),
                   progress->items_done, progress->items_total, done, total,
                   progress->copied, progress->skipped, progress->failed);
}

static void
finished_cb (KsBackupRun *run,
             gpointer     user_data)
{
  BackupWait *wait = user_data;

  wait->done = TRUE;
}

/* Ctrl+C, SIGTERM: the run stops cleanly (a file is complete or not there). */
static void
cancelled_cb (GCancellable *cancellable,
              KsBackupRun  *run)
{
  ks_backup_run_cancel (run);
}

/* The job only says "lost the source"; ask the phone why (unplugged, locked, untrusted). */
static gpointer
classify_device_loss (gpointer data)
{
  KsDeviceSource *source = data;
  GError *error = NULL;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_clear_error (&error);
      if (ks_device_probe_sync (ks_device_source_get_udid (source), "keepsake-cli", NULL, &error))
        return NULL;
      /* A loose cable re-enumerates within a moment; then the phone can say more. */
      if (!g_error_matches (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND))
        break;
      g_usleep (G_USEC_PER_SEC / 2);
    }
  return error;
}

/**
 * ks_cli_exit_for_run_error:
 * @out_reason: (out) (nullable): for a phone lost mid-run, what the phone says now
 *
 * The exit code for a run that stopped with @error.
 */
int
ks_cli_exit_for_run_error (KsCli         *cli,
                           KsSource      *source,
                           const GError  *error,
                           char         **out_reason)
{
  if (error->domain != KS_IMPORT_ERROR)
    return ks_cli_exit_for_error (error);

  switch ((KsImportError) error->code)
    {
    case KS_IMPORT_ERROR_CANCELLED:
      return KS_EXIT_CANCELLED;
    case KS_IMPORT_ERROR_NO_SPACE:
      return KS_EXIT_NO_SPACE;
    case KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE:
    case KS_IMPORT_ERROR_READ_ONLY:
      return KS_EXIT_DESTINATION;
    case KS_IMPORT_ERROR_VERIFY_FAILED:
    case KS_IMPORT_ERROR_TOO_LARGE:
      return KS_EXIT_SOME_FAILED;
    case KS_IMPORT_ERROR_SOURCE_LOST:
      if (KS_IS_DEVICE_SOURCE (source))
        {
          g_autoptr(GError) why = ks_cli_run_in_thread (cli, classify_device_loss, source);

          if (why != NULL)
            {
              *out_reason = g_strdup (why->message);
              return ks_cli_exit_for_error (why);
            }
          return KS_EXIT_FAILED;
        }
      return KS_EXIT_NO_DEVICE;
    case KS_IMPORT_ERROR_FAILED:
    default:
      return KS_EXIT_FAILED;
    }
}

/* Creates DIR when its parent exists (a new backup folder on a mounted drive), but never
 * a whole path: a missing parent usually means the drive is not plugged in. */
static gboolean
prepare_destination_dir (const char  *dir,
                         GError     **error)
{
  g_autofree char *parent = NULL;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return TRUE;

  parent = g_path_get_dirname (dir);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("%s is not available (is the drive connected?)"), dir);
      return FALSE;
    }

  if (g_mkdir (dir, 0755) != 0)
    {
      int errsv = errno;

      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("Cannot create %s: %s"), dir, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static const char *
destination_location (KsDestination *destination)
{
  if (KS_IS_RCLONE_DESTINATION (destination))
    return ks_rclone_destination_get_location (KS_RCLONE_DESTINATION (destination));
  return KS_IS_FOLDER_DESTINATION (destination)
    ? ks_folder_destination_get_path (KS_FOLDER_DESTINATION (destination)) : NULL;
}

/* "destination" is the one folder written (as before the plan existed); "destinations"
 * lists every one the run used. */

/* The per-file errors of a stage after the import (JPEG copies, sidecars and albums). */
static void
print_file_errors_json (KsJson    *json,
                        GPtrArray *errors)
{
  ks_json_key (json, "errors");
  ks_json_begin_array (json);
  for (guint i = 0; i < errors->len; i++)
    {
      KsImportFileError *fe = g_ptr_array_index (errors, i);

      ks_json_begin_object (json);
      ks_json_member_string (json, "path", fe->path);
      ks_json_member_string (json, "destination", fe->destination_id);
      ks_json_member_string (json, "message", fe->message);
      ks_json_end_object (json);
    }
  ks_json_end_array (json);
}

static void
print_json_destinations (KsJson    *json,
                         GPtrArray *destinations)
{
  ks_json_member_string (json, "destination",
                         destinations->len == 1 ? destination_location (g_ptr_array_index (destinations, 0)) : NULL);
  ks_json_key (json, "destinations");
  ks_json_begin_array (json);
  for (guint i = 0; i < destinations->len; i++)
    {
      KsDestination *destination = g_ptr_array_index (destinations, i);

      ks_json_begin_object (json);
      ks_json_member_string (json, "id", ks_destination_get_id (destination));
      ks_json_member_string (json, "location", destination_location (destination));
      ks_json_end_object (json);
    }
  ks_json_end_array (json);
}

/* The members every run's JSON document has (backup's, and each of monitor's "finished"). */
void
ks_cli_json_run_members (KsJson      *json,
                         KsBackupRun *run,
                         gboolean     dry_run,
                         int          exit_code,
                         const char  *error_message)
{
  const KsImportResult *result = ks_backup_run_get_result (run);

  ks_json_member_string (json, "source", ks_source_get_id (ks_backup_run_get_source (run)));
  print_json_destinations (json, ks_backup_run_get_destinations (run));
  ks_json_member_string (json, "origin", ks_backup_run_get_origin (run));
  ks_json_member_bool (json, "dry_run", dry_run);
  ks_json_member_int (json, "exit_code", exit_code);
  if (result != NULL)
    {
      ks_json_member_string (json, "status", result->status);
      ks_json_member_int (json, "planned", result->planned);
      ks_json_member_int (json, "planned_bytes", result->planned_bytes);
      ks_json_member_int (json, "copied", result->copied);
      ks_json_member_int (json, "photos_copied", result->photos_copied);
      ks_json_member_int (json, "videos_copied", result->videos_copied);
      ks_json_member_int (json, "others_copied", result->others_copied);
      ks_json_member_int (json, "skipped", result->skipped);
      ks_json_member_int (json, "failed", result->failed);
      ks_json_member_int (json, "bytes", result->bytes);
      ks_json_member_int (json, "duration_us", result->duration);
      ks_json_member_int (json, "run_id", result->run_id);
      ks_json_member_int (json, "not_on_device", result->not_on_device);
      ks_json_member_int (json, "not_on_device_bytes", result->not_on_device_bytes);
      ks_json_key (json, "errors");
      ks_json_begin_array (json);
      for (guint i = 0; result->errors != NULL && i < result->errors->len; i++)
        {
          KsImportFileError *fe = g_ptr_array_index (result->errors, i);

          ks_json_begin_object (json);
          ks_json_member_string (json, "path", fe->path);
          ks_json_member_string (json, "message", fe->message);
          ks_json_end_object (json);
        }
      ks_json_end_array (json);
    }
  if (ks_backup_run_get_jpeg_result (run) != NULL)
    {
      const KsJpegCopyResult *jpeg = ks_backup_run_get_jpeg_result (run);

      ks_json_key (json, "jpeg_copies");
      ks_json_begin_object (json);
      ks_json_member_int (json, "made", jpeg->made);
      ks_json_member_int (json, "present", jpeg->present);
      ks_json_member_int (json, "failed", jpeg->failed);
      print_file_errors_json (json, jpeg->errors);
      ks_json_end_object (json);
    }
  if (ks_backup_run_get_library_views_result (run) != NULL)
    {
      const KsLibraryViewsResult *views = ks_backup_run_get_library_views_result (run);
      static const char * const links[] = { "hard", "symbolic", "list" };

      /* XMP sidecars and album folders (destinations that ask for them). */
      ks_json_key (json, "library_views");
      ks_json_begin_object (json);
      ks_json_member_int (json, "sidecars_written", views->sidecars_written);
      ks_json_member_int (json, "sidecars_unchanged", views->sidecars_unchanged);
      ks_json_member_int (json, "sidecars_kept", views->sidecars_kept);
      ks_json_member_int (json, "sidecars_failed", views->sidecars_failed);
      ks_json_member_int (json, "albums", views->albums);
      ks_json_member_string (json, "album_links", links[MIN (views->links, G_N_ELEMENTS (links) - 1)]);
      print_file_errors_json (json, views->errors);
      ks_json_end_object (json);
    }
  if (error_message != NULL)
    {
      ks_json_key (json, "error");
      ks_json_begin_object (json);
      ks_json_member_int (json, "exit_code", exit_code);
      ks_json_member_string (json, "message", error_message);
      ks_json_end_object (json);
    }
}

/**
 * ks_cli_run_summary:
 *
 * Prints the files that failed on stderr and returns the one-line summary of what a
 * finished run did ("Copied 3 files (…); 2 already backed up; 0 failed"), or %NULL when
 * it has no result.
 */
char *
ks_cli_run_summary (KsBackupRun *run,
                    gboolean     dry_run)
{
  const KsImportResult *result = ks_backup_run_get_result (run);
  const KsJpegCopyResult *jpeg = ks_backup_run_get_jpeg_result (run);
  g_autofree char *bytes = NULL;
  g_autofree char *summary = NULL;

  if (result == NULL)
    return NULL;

  for (guint i = 0; result->errors != NULL && i < result->errors->len; i++)
    {
      KsImportFileError *fe = g_ptr_array_index (result->errors, i);
      g_autofree char *p = ks_cli_printable (fe->path);
      g_autofree char *m = ks_cli_printable (fe->message);

      g_printerr ("FAILED  %s: %s\n", p, m);
    }

  if (jpeg != NULL)
    for (guint i = 0; i < jpeg->errors->len; i++)
      {
        KsImportFileError *fe = g_ptr_array_index (jpeg->errors, i);
        g_autofree char *p = ks_cli_printable (fe->path);
        g_autofree char *m = ks_cli_printable (fe->message);

        /* TRANSLATORS: a HEIC photo whose JPEG copy could not be made */
        g_printerr (_("FAILED  %s (JPEG copy): %s\n"), p, m);
      }
  if (ks_backup_run_get_library_views_result (run) != NULL)
    {
      const KsLibraryViewsResult *views = ks_backup_run_get_library_views_result (run);

      for (guint i = 0; i < views->errors->len; i++)
        {
          KsImportFileError *fe = g_ptr_array_index (views->errors, i);
          g_autofree char *p = ks_cli_printable (fe->path);
          g_autofree char *m = ks_cli_printable (fe->message);

          /* TRANSLATORS: a photo whose XMP sidecar (or a destination whose Albums folder)
           * could not be written */
          g_printerr (_("FAILED  %s (XMP sidecar or album folder): %s\n"), p, m);
        }
    }

  bytes = g_format_size (dry_run ? result->planned_bytes : result->bytes);
  if (dry_run)
    return g_strdup_printf (ngettext ("Would copy %u file (%s); %u already backed up",
                                      "Would copy %u files (%s); %u already backed up", result->planned),
                            result->planned, bytes, result->skipped);
  summary = g_strdup_printf (ngettext ("Copied %u file (%s); %u already backed up; %u failed",
                                       "Copied %u files (%s); %u already backed up; %u failed", result->copied),
                             result->copied, bytes, result->skipped, result->failed);
  /* Originals only in iCloud were never there to copy: said apart, not as failures. */
  if (result->not_on_device > 0)
    {
      g_autofree char *size = g_format_size (result->not_on_device_bytes);
      g_autofree char *cloud = g_strdup_printf (ngettext ("%u not on this iPhone (only in iCloud, %s)",
                                                          "%u not on this iPhone (only in iCloud, %s)",
                                                          result->not_on_device),
                                                result->not_on_device, size);
      char *joined = g_strconcat (summary, "; ", cloud, NULL);

      g_free (summary);
      summary = joined;
    }
  if (jpeg != NULL)
    {
      g_autofree char *jpeg_summary = g_strdup_printf (ngettext ("Made %u JPEG copy of a HEIC photo; %u failed",
                                                                 "Made %u JPEG copies of HEIC photos; %u failed",
                                                                 jpeg->made),
                                                       jpeg->made, jpeg->failed);
      char *both = g_strconcat (summary, ". ", jpeg_summary, NULL);

      g_free (summary);
      summary = both;
    }
  /* Files that are neither photos nor videos are backed up too, and said so. */
  if (result->others_copied > 0)
    {
      g_autofree char *others = g_strdup_printf (ngettext ("Among them %u other file (neither photo nor video)",
                                                           "Among them %u other files (neither photos nor videos)",
                                                           result->others_copied),
                                                 result->others_copied);

      return g_strconcat (summary, ". ", others, NULL);
    }

  return g_steal_pointer (&summary);
}

static void
print_result (KsCli        *cli,
              KsBackupRun  *run,
              gboolean      dry_run,
              int           exit_code,
              const char   *error_message)
{
  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "backup");
      ks_cli_json_run_members (json, run, dry_run, exit_code, error_message);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    {
      g_autofree char *summary = ks_cli_run_summary (run, dry_run);

      if (summary != NULL)
        g_print ("%s\n", summary);
    }

  if (error_message != NULL)
    {
      g_autofree char *m = ks_cli_printable (error_message);
      g_printerr ("keepsake-cli: %s\n", m);
    }
}

/* With --to: DIR, ready and writable, checked before the phone is waited for. On failure
 * the message is printed. */
static int
prepare_to (KsCli       *cli,
            const char  *to,
            gboolean     dry_run,
            GPtrArray  **out_destinations)
{
  g_autoptr(GError) error = NULL;
  KsDestination *remote = ks_cli_remote_destination_new (NULL, to);

  /* A network or cloud location is reached when the run opens it. */
  if (remote != NULL)
    {
      *out_destinations = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (*out_destinations, remote);
      return KS_EXIT_OK;
    }

  if (!prepare_destination_dir (to, &error))
    {
      ks_cli_print_error (cli, "backup", KS_EXIT_DESTINATION, error->message);
      return KS_EXIT_DESTINATION;
    }
  if (access (to, W_OK) != 0 && !dry_run)
    {
      g_autofree char *msg = g_strdup_printf (_("%s is not writable"), to);

      ks_cli_print_error (cli, "backup", KS_EXIT_DESTINATION, msg);
      return KS_EXIT_DESTINATION;
    }

  *out_destinations = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (*out_destinations, ks_folder_destination_new (to));
  return KS_EXIT_OK;
}

/* Spins the main context until the service has run @run (it runs one at a time; this
 * process asked for just this one). Cancelling the CLI cancels the run. */
static void
wait_for_run (KsCli       *cli,
              KsBackupRun *run)
{
  BackupWait wait = { cli, FALSE, 0 };
  gulong cancel_id;

  g_signal_connect (run, "progress", G_CALLBACK (progress_cb), &wait);
  g_signal_connect (run, "finished", G_CALLBACK (finished_cb), &wait);
  cancel_id = g_cancellable_connect (cli->cancellable, G_CALLBACK (cancelled_cb), run, NULL);

  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);

  g_cancellable_disconnect (cli->cancellable, cancel_id);
  g_signal_handlers_disconnect_by_data (run, &wait);
  ks_cli_progress_clear (cli, &wait.last_progress);
}

typedef struct
{
  KsSource  *source;
  GPtrArray *files;
  GCancellable *cancellable;
  GError    *error;
} PickJob;

static gboolean
pick_file_cb (KsSource           *source,
              const KsSourceFile *file,
              gpointer            user_data)
{
  g_ptr_array_add (user_data, ks_source_file_copy (file));
  return TRUE;
}

static gpointer
pick_worker (gpointer data)
{
  PickJob *job = data;

  return GINT_TO_POINTER (ks_source_enumerate (job->source, pick_file_cb, job->files,
                                               job->cancellable, &job->error));
}

/* --album, --favorites: lists the phone and keeps what its Photos library puts there. */
static int
pick_assets (KsCli       *cli,
             KsSource    *source,
             const char  *album,
             gboolean     favorites,
             GPtrArray  **out_assets)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GPtrArray) assets = NULL;
  g_autoptr(KsPhotosDb) library = NULL;
  PickJob job = { source, files, cli->cancellable, NULL };
  gboolean known = album == NULL;
  int ret;

  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, pick_worker, &job)))
    {
      g_autoptr(GError) error = job.error;

      ret = ks_cli_exit_for_error (error);
      ks_cli_print_error (cli, "backup", ret, error->message);
      return ret;
    }

  library = ks_source_dup_library (source);
  if (library == NULL)
    {
      ks_cli_print_error (cli, "backup", KS_EXIT_FAILED,
                          _("The albums and favourites of this iPhone could not be read"));
      return KS_EXIT_FAILED;
    }
  for (guint i = 0; !known && i < ks_photos_db_get_n_albums (library); i++)
    known = g_strcmp0 (ks_photos_db_get_album (library, i)->path, album) == 0;
  if (!known)
    {
      g_autofree char *msg = g_strdup_printf (_("There is no album “%s” on this iPhone"), album);

      ks_cli_print_error (cli, "backup", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }

  assets = ks_cli_group_assets (source, files);
  *out_assets = ks_cli_filter_assets (assets, album, favorites);
  return KS_EXIT_OK;
}

int
ks_cli_backup (KsCli  *cli,
               int     argc,
               char  **argv)
{
  g_autofree char *album = NULL;
  gboolean favorites = FALSE;
  g_autoptr(GPtrArray) assets = NULL;
  g_autofree char *udid = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *to = NULL;
  gboolean dry_run = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsSource) source = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsBackupService) service = NULL;
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(GPtrArray) destinations = NULL;
  const KsImportResult *result;
  const GError *run_error;
  const GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &udid, N_("iPhone to back up"), "UDID" },
    { "source", 0, 0, G_OPTION_ARG_FILENAME, &folder, N_("Folder or device backup to back up instead"), "DIR" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, N_("Password of an encrypted device backup (its first line)"), "FILE" },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("Backup folder (default: the backup plan)"), "DIR" },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Only say what would be copied"), NULL },
    { "album", 0, 0, G_OPTION_ARG_STRING, &album, N_("Only this album of the iPhone's Photos library "
      "(folders and album joined by “/”)"), "NAME" },
    { "favorites", 0, 0, G_OPTION_ARG_NONE, &favorites, N_("Only the favourites of the iPhone's Photos library"), NULL },
    { NULL }
  };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "backup", entries, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;

  if (to != NULL && (ret = prepare_to (cli, to, dry_run, &destinations)) != KS_EXIT_OK)
    return ret;
  if ((ret = ks_cli_open_plan (cli, "backup", TRUE, &catalog, &plan)) != KS_EXIT_OK)
    return ret;
  if (to == NULL && (ret = ks_cli_check_plan (cli, "backup", plan)) != KS_EXIT_OK)
    return ret;

  if ((ret = ks_cli_open_source (cli, "backup", udid, folder, password_file, &source)) != KS_EXIT_OK)
    return ret;

  if ((album != NULL || favorites) &&
      (ret = pick_assets (cli, source, album, favorites, &assets)) != KS_EXIT_OK)
    return ret;

  /* The service records the device and the run (with who asked: "cli"). */
  service = ks_backup_service_new (catalog, plan);
  run = ks_backup_service_back_up (service, source, assets, destinations, "cli", &error);
  if (run == NULL)
    {
      ret = g_error_matches (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS)
        ? KS_EXIT_USAGE : ks_cli_exit_for_error (error);
      ks_cli_print_error (cli, "backup", ret, error->message);
      return ret;
    }
  if (dry_run)
    ks_backup_run_set_flags (run, ks_backup_run_get_flags (run) | KS_IMPORT_FLAGS_DRY_RUN);

  wait_for_run (cli, run);

  result = ks_backup_run_get_result (run);
  run_error = ks_backup_run_get_error (run);
  if (run_error != NULL)
    {
      g_autofree char *reason = NULL;
      g_autofree char *msg = NULL;

      ret = ks_cli_exit_for_run_error (cli, source, run_error, &reason);
      msg = reason ? g_strdup_printf ("%s (%s)", reason, run_error->message) : g_strdup (run_error->message);
      print_result (cli, run, dry_run, ret, msg);
      return ret;
    }

  /* A JPEG copy that could not be made is a file that failed, though its original is safe. */
  ret = result->failed > 0 || (ks_backup_run_get_jpeg_result (run) != NULL &&
                               ks_backup_run_get_jpeg_result (run)->failed > 0)
    ? KS_EXIT_SOME_FAILED : KS_EXIT_OK;
  print_result (cli, run, dry_run, ret, NULL);
  return ret;
}
