/* ks-cli-monitor.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli monitor: the core's KsAutoBackup in the foreground, for a home server the
 * phone is plugged into. Every trusted iPhone that is plugged in (or only --device UDID) and
 * not switched off with `auto-backup UDID off` is backed up to the plan. One line per run on
 * stdout (with --json one object per event); what the user has to do on the phone, on
 * stderr. Ctrl+C (SIGINT, SIGTERM) cancels a running backup cleanly and ends. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-auto-backup.h"
#include "ks-cli.h"

typedef struct
{
  KsCli *cli;
} Monitor;

static char *
device_label (KsDevice *device)
{
  g_autofree char *name = ks_cli_printable (ks_device_get_name (device));

  if (name[0] == '\0')
    return g_strdup (ks_device_get_udid (device));
  return g_strdup_printf ("%s (%s)", name, ks_device_get_udid (device));
}

static KsJson *
begin_event (const char *event,
             KsDevice   *device)
{
  KsJson *json = ks_json_new ();

  ks_json_begin_object (json);
  ks_json_member_string (json, "command", "monitor");
  ks_json_member_string (json, "event", event);
  ks_json_member_string (json, "device", ks_device_get_udid (device));
  ks_json_member_string (json, "name", ks_device_get_name (device));
  return json;
}

static void
end_event (KsJson *json)
{
  ks_json_end_object (json);
  ks_cli_print_json (json);
  ks_json_free (json);
}

static void
run_started_cb (KsAutoBackup *auto_backup,
                KsDevice     *device,
                KsBackupRun  *run,
                Monitor      *m)
{
  if (m->cli->json)
    {
      KsJson *json = begin_event ("started", device);

      ks_json_member_string (json, "source", ks_source_get_id (ks_backup_run_get_source (run)));
      end_event (json);
    }
  else
    {
      g_autofree char *label = device_label (device);

      g_printerr (_("Backing up %s…\n"), label);
    }
}

static void
run_finished_cb (KsAutoBackup *auto_backup,
                 KsDevice     *device,
                 KsBackupRun  *run,
                 Monitor      *m)
{
  const GError *run_error = ks_backup_run_get_error (run);
  const KsImportResult *result = ks_backup_run_get_result (run);
  g_autofree char *message = NULL;
  int exit_code;

  if (run_error != NULL)
    {
      g_autofree char *reason = NULL;

      /* Stopped by Ctrl+C: 130, as backup says, whatever the job reported. */
      if (g_cancellable_is_cancelled (m->cli->cancellable))
        exit_code = KS_EXIT_CANCELLED;
      else
        exit_code = ks_cli_exit_for_run_error (m->cli, ks_backup_run_get_source (run), run_error, &reason);
      message = reason ? g_strdup_printf ("%s (%s)", reason, run_error->message)
                       : g_strdup (run_error->message);
    }
  else
    exit_code = result != NULL && result->failed > 0 ? KS_EXIT_SOME_FAILED : KS_EXIT_OK;

  if (m->cli->json)
    {
      KsJson *json = begin_event ("finished", device);

      ks_cli_json_run_members (json, run, FALSE, exit_code, message);
      end_event (json);
    }
  else
    {
      g_autofree char *label = device_label (device);
      g_autofree char *summary = ks_cli_run_summary (run, FALSE);
      g_autofree char *printable = message ? ks_cli_printable (message) : NULL;

      if (printable != NULL && summary != NULL)
        g_print ("%s: %s; %s\n", label, printable, summary);
      else if (printable != NULL)
        g_print ("%s: %s\n", label, printable);
      else
        g_print ("%s: %s\n", label, summary);
    }
}

static void
device_waiting_cb (KsAutoBackup  *auto_backup,
                   KsDevice      *device,
                   KsDeviceState  reason,
                   Monitor       *m)
{
  if (m->cli->json)
    {
      KsJson *json = begin_event ("waiting", device);

      ks_json_member_string (json, "state", ks_device_state_to_string (reason));
      ks_json_member_string (json, "message", ks_device_get_message (device));
      end_event (json);
    }
  else
    {
      g_autofree char *label = device_label (device);
      g_autofree char *message = ks_cli_printable (ks_device_get_message (device));

      g_printerr ("%s: %s\n", label, message);
    }
}

static void
request_failed_cb (KsAutoBackup *auto_backup,
                   KsDevice     *device,
                   GError       *error,
                   Monitor      *m)
{
  int exit_code = g_error_matches (error, KS_BACKUP_SERVICE_ERROR, KS_BACKUP_SERVICE_ERROR_NO_DESTINATIONS)
    ? KS_EXIT_USAGE : ks_cli_exit_for_error (error);

  ks_cli_print_error (m->cli, "monitor", exit_code, error->message);
}

/* A drive destination switched on for it was plugged in with no phone here: nothing to copy
 * from until one comes (its own plug-in then backs it up to the whole plan). */
static void
drive_arrived_cb (KsAutoBackup *auto_backup,
                  const char   *id,
                  guint         n_devices,
                  Monitor      *m)
{
  if (n_devices > 0)
    return;

  if (m->cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "monitor");
      ks_json_member_string (json, "event", "drive");
      ks_json_member_string (json, "destination", id);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    g_printerr (_("A backup drive was plugged in: plug in the iPhone to back it up to it.\n"));
}

/* Ctrl+C wakes the loop (the signal source runs on this context); then every run is
 * cancelled and waited for, so that nothing partial stays and the run is recorded. A phone
 * that becomes ready meanwhile gets a run that is cancelled before it starts. */
static void
watch (KsCli           *cli,
       KsBackupService *service)
{
  for (;;)
    {
      if (g_cancellable_is_cancelled (cli->cancellable))
        {
          if (!ks_backup_service_is_busy (service))
            break;
          ks_backup_service_cancel_all (service);
        }
      g_main_context_iteration (NULL, TRUE);
    }
}

int
ks_cli_monitor (KsCli  *cli,
                int     argc,
                char  **argv)
{
  g_autofree char *udid = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsBackupService) service = NULL;
  g_autoptr(KsAutoBackup) auto_backup = NULL;
  g_autoptr(KsDriveMonitor) drives = NULL;
  Monitor m = { cli };
  const GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &udid, N_("Watch only this iPhone"), "UDID" },
    { NULL }
  };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "monitor", entries, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;
  if ((ret = ks_cli_open_plan (cli, "monitor", TRUE, &catalog, &plan)) != KS_EXIT_OK)
    return ret;
  if ((ret = ks_cli_check_plan (cli, "monitor", plan)) != KS_EXIT_OK)
    return ret;

  if ((ret = ks_cli_start_monitor (cli)) != KS_EXIT_OK)
    {
      ks_cli_print_error (cli, "monitor", ret, ret == KS_EXIT_CANCELLED ? _("Cancelled") : _("Could not reach usbmuxd"));
      return ret;
    }
  if (ks_device_monitor_get_usbmuxd_missing (cli->monitor))
    {
      ks_cli_print_error (cli, "monitor", KS_EXIT_USBMUXD_MISSING, ks_device_monitor_get_message (cli->monitor));
      return KS_EXIT_USBMUXD_MISSING;
    }

  service = ks_backup_service_new (catalog, plan);
  auto_backup = ks_auto_backup_new (cli->monitor, service);
  ks_auto_backup_set_udid (auto_backup, udid);
  g_signal_connect (auto_backup, "run-started", G_CALLBACK (run_started_cb), &m);
  g_signal_connect (auto_backup, "run-finished", G_CALLBACK (run_finished_cb), &m);
  g_signal_connect (auto_backup, "device-waiting", G_CALLBACK (device_waiting_cb), &m);
  g_signal_connect (auto_backup, "request-failed", G_CALLBACK (request_failed_cb), &m);
  g_signal_connect (auto_backup, "drive-arrived", G_CALLBACK (drive_arrived_cb), &m);
  /* Drive destinations switched on back up the phones here when they are plugged in. */
  drives = ks_drive_monitor_new (plan);
  ks_auto_backup_set_drive_monitor (auto_backup, drives);

  if (!cli->json)
    g_printerr (_("Watching for iPhones; Ctrl+C stops.\n"));
  ks_auto_backup_start (auto_backup);

  watch (cli, service);

  g_signal_handlers_disconnect_by_data (auto_backup, &m);
  g_clear_object (&auto_backup);
  return KS_EXIT_CANCELLED;
}
