/* ks-cli-full-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli full-backup: a full device backup (the Finder/iTunes kind) of an iPhone into
 * every folder of the backup plan that has full backups switched on, or with --to into one
 * folder, through the core's KsBackupService; progress on a terminal, the passcode request
 * always (a person has to act), and an exit code that says why it stopped. */

#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "ks-backup-service.h"
#include "ks-cli.h"
#include "ks-full-backup-job.h"

typedef struct
{
  KsCli                *cli;
  gboolean              done;
  gint64                last_progress;
  KsMobilebackup2Phase  last_phase;
} FullWait;

static void
full_progress_cb (KsBackupRun                *run,
                  const KsFullBackupProgress *progress,
                  gpointer                    user_data)
{
  FullWait *wait = user_data;
  g_autofree char *bytes = NULL;
  g_autofree char *speed = NULL;
  g_autofree char *left = NULL;

  /* The phone waits for a person: say so even when stderr is not a terminal. */
  if (progress->phase != wait->last_phase)
    {
      wait->last_phase = progress->phase;
      if (progress->phase == KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE && !wait->cli->progress)
        g_printerr ("%s\n", ks_full_backup_phase_describe (progress->phase));
    }
  if (!wait->cli->progress)
    return;

  if (progress->phase != KS_MOBILEBACKUP2_PHASE_RECEIVING)
    {
      ks_cli_progress (wait->cli, &wait->last_progress, "%s", ks_full_backup_phase_describe (progress->phase));
      return;
    }

  bytes = g_format_size (progress->bytes_received);
  speed = progress->bytes_per_second > 0 ? g_format_size ((guint64) progress->bytes_per_second) : g_strdup ("–");
  if (progress->seconds_left >= 0)
    left = g_strdup_printf (ngettext ("%lld minute left", "%lld minutes left",
                                      (gulong) ((progress->seconds_left + 59) / 60)),
                            (long long) ((progress->seconds_left + 59) / 60));
  /* Translators: percentage, files received, bytes received, speed per second, time left */
  ks_cli_progress (wait->cli, &wait->last_progress,
                   ngettext ("%.0f %%, %llu file, %s, %s/s%s%s",
                             "%.0f %%, %llu files, %s, %s/s%s%s",
                             (gulong) progress->files_received),
                   progress->percent, (unsigned long long) progress->files_received, bytes, speed,
                   left != NULL ? ", " : "", left != NULL ? left : "");
}

static void
finished_cb (KsBackupRun *run,
             gpointer     user_data)
{
  ((FullWait *) user_data)->done = TRUE;
}

static void
cancelled_cb (GCancellable *cancellable,
              KsBackupRun  *run)
{
  ks_backup_run_cancel (run);
}

static int
exit_for_full_error (const GError *error)
{
  if (error->domain == KS_MOBILEBACKUP2_ERROR)
    switch ((KsMobilebackup2Error) error->code)
      {
      case KS_MOBILEBACKUP2_ERROR_DEVICE_LOCKED: return KS_EXIT_LOCKED;
      case KS_MOBILEBACKUP2_ERROR_NO_SPACE:      return KS_EXIT_NO_SPACE;
      case KS_MOBILEBACKUP2_ERROR_DISCONNECTED:  return KS_EXIT_NO_DEVICE;
      default:                                   return KS_EXIT_FAILED;
      }
  if (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_CANCELLED
      && error->code != G_IO_ERROR_NO_SPACE)
    return KS_EXIT_DESTINATION;
  return ks_cli_exit_for_error (error);
}

static void
print_snapshots (KsJson     *json,
                 const char *folder,
                 const char *udid)
{
  g_autoptr(GPtrArray) snapshots = ks_full_backup_list_snapshots (folder, udid, NULL);

  if (json != NULL)
    {
      ks_json_begin_object (json);
      ks_json_member_string (json, "folder", folder);
      ks_json_key (json, "snapshots");
      ks_json_begin_array (json);
    }
  for (guint i = 0; snapshots != NULL && i < snapshots->len; i++)
    {
      KsFullBackupSnapshot *s = g_ptr_array_index (snapshots, i);
      g_autofree char *date = ks_cli_format_time (s->completed);
      g_autofree char *size = g_format_size (s->size);
      g_autofree char *own = g_format_size (s->own_size);

      if (json != NULL)
        {
          ks_json_begin_object (json);
          ks_json_member_string (json, "path", s->path);
          ks_json_member_int (json, "completed", s->completed);
          ks_json_member_int (json, "size", (gint64) s->size);
          ks_json_member_int (json, "own_size", (gint64) s->own_size);
          ks_json_member_bool (json, "current", s->current);
          ks_json_end_object (json);
        }
      else
        /* Translators: a snapshot: date, its size, the space only it takes, its folder */
        g_print (_("  %s  %s (%s of its own)  %s\n"), date, size, own, s->path);
    }
  if (json != NULL)
    {
      ks_json_end_array (json);
      ks_json_end_object (json);
    }
}

int
ks_cli_full_backup (KsCli  *cli,
                    int     argc,
                    char  **argv)
{
  g_autofree char *udid_opt = NULL;
  g_autofree char *to = NULL;
  g_autofree char *udid = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsSource) source = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsBackupService) service = NULL;
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  const KsFullBackupProgress *progress;
  const GError *run_error;
  FullWait wait = { cli, FALSE, 0, KS_MOBILEBACKUP2_PHASE_CONNECTING };
  gboolean force_full = FALSE;
  gulong cancel_id;
  const GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &udid_opt, N_("iPhone to back up"), "UDID" },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("Folder for the backup (default: the backup plan)"), "DIR" },
    { "full", 0, 0, G_OPTION_ARG_NONE, &force_full, N_("Ask the iPhone for everything, not only what changed"), NULL },
    { NULL }
  };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "full-backup", entries, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;

  if (to != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (to, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_DIR) || access (path, W_OK) != 0)
        {
          g_autofree char *msg = g_strdup_printf (_("%s is not a writable folder"), to);

          ks_cli_print_error (cli, "full-backup", KS_EXIT_DESTINATION, msg);
          return KS_EXIT_DESTINATION;
        }
      folders = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (folders, g_steal_pointer (&path));
    }
  if ((ret = ks_cli_open_plan (cli, "full-backup", TRUE, &catalog, &plan)) != KS_EXIT_OK)
    return ret;
  if ((ret = ks_cli_open_source (cli, "full-backup", udid_opt, NULL, NULL, &source)) != KS_EXIT_OK)
    return ret;
  {
    g_autofree char *name = NULL;
    g_autofree char *model = NULL;

    ks_source_dup_device_info (source, &udid, &name, &model);
  }

  service = ks_backup_service_new (catalog, plan);
  run = ks_backup_service_full_backup (service, source, folders, "cli", &error);
  if (run == NULL)
    {
      ret = g_error_matches (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS)
        ? KS_EXIT_USAGE : ks_cli_exit_for_error (error);
      ks_cli_print_error (cli, "full-backup", ret, error->message);
      return ret;
    }
  ks_backup_run_set_force_full (run, force_full);

  g_signal_connect (run, "full-progress", G_CALLBACK (full_progress_cb), &wait);
  g_signal_connect (run, "finished", G_CALLBACK (finished_cb), &wait);
  cancel_id = g_cancellable_connect (cli->cancellable, G_CALLBACK (cancelled_cb), run, NULL);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_disconnect (cli->cancellable, cancel_id);
  g_signal_handlers_disconnect_by_data (run, &wait);
  ks_cli_progress_clear (cli, &wait.last_progress);

  run_error = ks_backup_run_get_error (run);
  progress = ks_backup_run_get_full_progress (run);
  ret = run_error != NULL ? exit_for_full_error (run_error) : KS_EXIT_OK;
  g_clear_pointer (&folders, g_ptr_array_unref);
  folders = ks_backup_run_get_full_backup_folders (run);

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "full-backup");
      ks_json_member_string (json, "device", udid);
      ks_json_member_int (json, "exit", ret);
      ks_json_member_string (json, "exit_name", ks_cli_exit_code_name (ret));
      ks_json_member_string (json, "error", run_error != NULL ? run_error->message : NULL);
      ks_json_member_int (json, "files", progress != NULL ? (gint64) progress->files_received : 0);
      ks_json_member_int (json, "bytes", progress != NULL ? (gint64) progress->bytes_received : 0);
      ks_json_key (json, "folders");
      ks_json_begin_array (json);
      for (guint i = 0; i < folders->len; i++)
        print_snapshots (json, g_ptr_array_index (folders, i), udid);
      ks_json_end_array (json);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else if (run_error == NULL)
    {
      g_autofree char *bytes = g_format_size (progress != NULL ? progress->bytes_received : 0);
      guint64 files = progress != NULL ? progress->files_received : 0;

      g_print (ngettext ("Full backup finished: %llu file received (%s).\n",
                         "Full backup finished: %llu files received (%s).\n",
                         (gulong) files), (unsigned long long) files, bytes);
      for (guint i = 0; i < folders->len; i++)
        {
          g_print (_("Backups kept in %s:\n"), (char *) g_ptr_array_index (folders, i));
          print_snapshots (NULL, g_ptr_array_index (folders, i), udid);
        }
    }

  if (run_error != NULL)
    {
      g_autofree char *m = ks_cli_printable (run_error->message);

      g_printerr ("keepsake-cli: %s\n", m);
    }
  return ret;
}
