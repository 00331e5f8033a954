/* ks-cli-auto-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli auto-backup UDID [on|off|default] [--full on|off]: the per-iPhone switches
 * "back up this iPhone when it is plugged in" and "include full device backups", stored in
 * the catalog (read by `monitor` at each plug-in, and by the app). Without a value, says what
 * they are. The phone need not be connected.
 * keepsake-cli auto-backup --drive ID [on|off]: "back up when this drive is plugged in", for a
 * drive destination of the plan. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-auto-backup.h"
#include "ks-cli.h"

static const char *
setting_to_string (KsAutoBackupSetting setting)
{
  switch (setting)
    {
    case KS_AUTO_BACKUP_SETTING_ON:  return "on";
    case KS_AUTO_BACKUP_SETTING_OFF: return "off";
    case KS_AUTO_BACKUP_SETTING_UNSET:
    default:                         return "default";
    }
}

static gboolean
setting_from_string (const char          *string,
                     KsAutoBackupSetting *out_setting)
{
  for (KsAutoBackupSetting s = KS_AUTO_BACKUP_SETTING_UNSET; s <= KS_AUTO_BACKUP_SETTING_OFF; s++)
    if (g_strcmp0 (string, setting_to_string (s)) == 0)
      {
        *out_setting = s;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_on_off (const char *text,
              gboolean   *out_on)
{
  if (g_strcmp0 (text, "on") == 0 || g_strcmp0 (text, "off") == 0)
    {
      *out_on = g_str_equal (text, "on");
      return TRUE;
    }
  return FALSE;
}

static int
usage (KsCli      *cli,
       const char *message)
{
  ks_cli_print_error (cli, "auto-backup", KS_EXIT_USAGE, message);
  return KS_EXIT_USAGE;
}

/* --drive ID [on|off] */
static int
drive_switch (KsCli      *cli,
              const char *id,
              int         argc,
              char      **argv)
{
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  KsPlanDestination *dest;
  gboolean change = argc == 2;
  gboolean on = FALSE;
  int ret;

  if (argc > 2 || (change && !parse_on_off (argv[1], &on)))
    return usage (cli, _("Usage: keepsake-cli auto-backup --drive ID [on|off]"));
  if ((ret = ks_cli_open_plan (cli, "auto-backup", TRUE, &catalog, &plan)) != KS_EXIT_OK)
    return ret;

  dest = ks_backup_plan_lookup (plan, id);
  if (dest == NULL || ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_DRIVE)
    {
      g_autofree char *printable = ks_cli_printable (id);
      g_autofree char *msg = g_strdup_printf (_("“%s” is no drive destination of the backup plan"), printable);

      ks_cli_print_error (cli, "auto-backup", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }
  if (change && !ks_auto_backup_set_drive_setting (plan, ks_plan_destination_get_id (dest), on, &error))
    {
      ks_cli_print_error (cli, "auto-backup", KS_EXIT_FAILED, error->message);
      return KS_EXIT_FAILED;
    }
  on = ks_auto_backup_get_drive_setting (plan, ks_plan_destination_get_id (dest));

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "auto-backup");
      ks_json_member_string (json, "destination", ks_plan_destination_get_id (dest));
      ks_json_member_bool (json, "on_plug_in", on);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    {
      g_autofree char *name = ks_cli_printable (ks_plan_destination_get_name (dest));

      if (on)
        g_print (_("%s: the iPhones that are plugged in are backed up when it is plugged in\n"), name);
      else
        g_print (_("%s: nothing is started when it is plugged in\n"), name);
    }
  return KS_EXIT_OK;
}

int
ks_cli_auto_backup (KsCli  *cli,
                    int     argc,
                    char  **argv)
{
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  KsAutoBackupSetting setting = KS_AUTO_BACKUP_SETTING_UNSET;
  const char *udid;
  gboolean change;
  g_autofree char *full_text = NULL;
  g_autofree char *drive = NULL;
  gboolean full = FALSE;
  const GOptionEntry entries[] = {
    { "full", 0, 0, G_OPTION_ARG_STRING, &full_text, N_("Include full device backups: on or off"), "on|off" },
    { "drive", 0, 0, G_OPTION_ARG_STRING, &drive, N_("The switch of a drive destination"), "ID" },
    { NULL }
  };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "auto-backup", entries, 2, &argc, &argv)) != KS_EXIT_OK)
    return ret;
  if (drive != NULL)
    return full_text != NULL ? usage (cli, _("--full is for a phone, not with --drive"))
                             : drive_switch (cli, drive, argc, argv);
  if (full_text != NULL && !parse_on_off (full_text, &full))
    return usage (cli, _("--full takes on or off"));
  if (argc < 2 || argv[1][0] == '\0')
    {
      ks_cli_print_error (cli, "auto-backup", KS_EXIT_USAGE,
                          _("Usage: keepsake-cli auto-backup UDID [on|off|default]"));
      return KS_EXIT_USAGE;
    }
  udid = argv[1];
  change = argc == 3 || full_text != NULL;
  if (argc == 3 && !setting_from_string (argv[2], &setting))
    {
      g_autofree char *msg = g_strdup_printf (_("“%s” is not on, off or default"), argv[2]);

      ks_cli_print_error (cli, "auto-backup", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }

  if ((ret = ks_cli_open_plan (cli, "auto-backup", change, &catalog, &plan)) != KS_EXIT_OK)
    return ret;

  if ((argc == 3 && !ks_auto_backup_set_device_setting (catalog, udid, setting, &error))
      || (full_text != NULL && !ks_auto_backup_set_device_full (catalog, udid, full, &error)))
    {
      ks_cli_print_error (cli, "auto-backup", KS_EXIT_FAILED, error->message);
      return KS_EXIT_FAILED;
    }
  if (catalog != NULL)
    {
      setting = ks_auto_backup_get_device_setting (catalog, udid);
      full = ks_auto_backup_get_device_full (catalog, udid);
    }

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "auto-backup");
      ks_json_member_string (json, "device", udid);
      ks_json_member_string (json, "auto_backup", setting_to_string (setting));
      /* What `monitor` does with it: every phone not switched off. */
      ks_json_member_bool (json, "monitor_backs_up", setting != KS_AUTO_BACKUP_SETTING_OFF);
      ks_json_member_bool (json, "full_backups", full);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    {
      g_autofree char *printable = ks_cli_printable (udid);

      if (setting == KS_AUTO_BACKUP_SETTING_OFF)
        g_print (_("%s: not backed up when plugged in (auto-backup off)\n"), printable);
      else if (setting == KS_AUTO_BACKUP_SETTING_ON)
        g_print (_("%s: backed up when plugged in (auto-backup on)\n"), printable);
      else
        g_print (_("%s: backed up by “keepsake-cli monitor” when plugged in (auto-backup default)\n"),
                 printable);
      if (full)
        g_print (_("%s: with a full device backup after its photos and videos\n"), printable);
    }
  return KS_EXIT_OK;
}
