/* ks-cli-auto-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli auto-backup UDID [on|off|default]: the per-iPhone switch "back up this iPhone
 * when it is plugged in", stored in the catalog (read by `monitor` at each plug-in, and by
 * the app). Without a value, says what it is. The phone need not be connected. */

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
  int ret;

  if ((ret = ks_cli_parse_options (cli, "auto-backup", NULL, 2, &argc, &argv)) != KS_EXIT_OK)
    return ret;
  if (argc < 2 || argv[1][0] == '\0')
    {
      ks_cli_print_error (cli, "auto-backup", KS_EXIT_USAGE,
                          _("Usage: keepsake-cli auto-backup UDID [on|off|default]"));
      return KS_EXIT_USAGE;
    }
  udid = argv[1];
  change = argc == 3;
  if (change && !setting_from_string (argv[2], &setting))
    {
      g_autofree char *msg = g_strdup_printf (_("“%s” is not on, off or default"), argv[2]);

      ks_cli_print_error (cli, "auto-backup", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }

  if ((ret = ks_cli_open_plan (cli, "auto-backup", change, &catalog, &plan)) != KS_EXIT_OK)
    return ret;

  if (change && !ks_auto_backup_set_device_setting (catalog, udid, setting, &error))
    {
      ks_cli_print_error (cli, "auto-backup", KS_EXIT_FAILED, error->message);
      return KS_EXIT_FAILED;
    }
  if (catalog != NULL)
    setting = ks_auto_backup_get_device_setting (catalog, udid);

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "auto-backup");
      ks_json_member_string (json, "device", udid);
      ks_json_member_string (json, "auto_backup", setting_to_string (setting));
      /* What `monitor` does with it: every phone not switched off. */
      ks_json_member_bool (json, "monitor_backs_up", setting != KS_AUTO_BACKUP_SETTING_OFF);
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
    }
  return KS_EXIT_OK;
}
