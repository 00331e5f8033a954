/* ks-auto-backup-settings.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The switches KsAutoBackup reads, stored with the plan so that every front end (and a
 * monitor already running, at the next plug-in) sees the same: per phone, "back up this
 * iPhone when it is plugged in"; per drive destination, "back up when this drive is plugged
 * in", and per phone whether its automatic backups include a full device backup. */

#include "config.h"

#include "ks-auto-backup.h"

static char *
setting_key (const char *udid)
{
  return g_strconcat (KS_AUTO_BACKUP_SETTING_PREFIX, udid, NULL);
}

/**
 * ks_auto_backup_get_device_setting:
 *
 * Returns: whether @udid was switched on or off, or %KS_AUTO_BACKUP_SETTING_UNSET
 */
KsAutoBackupSetting
ks_auto_backup_get_device_setting (KsCatalog  *catalog,
                                   const char *udid)
{
  g_autofree char *key = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), KS_AUTO_BACKUP_SETTING_UNSET);
  g_return_val_if_fail (udid != NULL, KS_AUTO_BACKUP_SETTING_UNSET);

  key = setting_key (udid);
  value = ks_catalog_dup_plan_setting (catalog, key);
  if (g_strcmp0 (value, "on") == 0)
    return KS_AUTO_BACKUP_SETTING_ON;
  if (g_strcmp0 (value, "off") == 0)
    return KS_AUTO_BACKUP_SETTING_OFF;
  return KS_AUTO_BACKUP_SETTING_UNSET;
}

/**
 * ks_auto_backup_set_device_setting:
 *
 * Stores "back up this iPhone when it is plugged in" for @udid, read by every front end
 * (and by a running monitor at the next plug-in). %KS_AUTO_BACKUP_SETTING_UNSET stores
 * "default", which reads back as unset.
 */
gboolean
ks_auto_backup_set_device_setting (KsCatalog            *catalog,
                                   const char           *udid,
                                   KsAutoBackupSetting   setting,
                                   GError              **error)
{
  g_autofree char *key = NULL;
  const char *value;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), FALSE);
  g_return_val_if_fail (udid != NULL && *udid != '\0', FALSE);

  switch (setting)
    {
    case KS_AUTO_BACKUP_SETTING_ON:  value = "on"; break;
    case KS_AUTO_BACKUP_SETTING_OFF: value = "off"; break;
    case KS_AUTO_BACKUP_SETTING_UNSET:
    default:                         value = "default"; break;
    }

  key = setting_key (udid);
  return ks_catalog_set_plan_setting (catalog, key, value, error);
}

/**
 * ks_auto_backup_get_drive_setting:
 * @id: a drive destination's id in the plan
 *
 * Returns: whether the phones that are plugged in are backed up when this drive is plugged in
 */
gboolean
ks_auto_backup_get_drive_setting (KsBackupPlan *plan,
                                  const char   *id)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  value = ks_backup_plan_dup_destination_option (plan, id, KS_AUTO_BACKUP_DRIVE_OPTION);
  return g_strcmp0 (value, "true") == 0;
}

gboolean
ks_auto_backup_set_drive_setting (KsBackupPlan  *plan,
                                  const char    *id,
                                  gboolean       on,
                                  GError       **error)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return ks_backup_plan_set_destination_option (plan, id, KS_AUTO_BACKUP_DRIVE_OPTION,
                                                on ? "true" : NULL, error);
}

static char *
full_key (const char *udid)
{
  return g_strconcat (KS_AUTO_BACKUP_FULL_PREFIX, udid, NULL);
}

/**
 * ks_auto_backup_get_device_full:
 *
 * Returns: whether a phone backed up by itself gets a full device backup too (after its
 *   photos and videos), to the plan's destinations for full backups; off unless switched on
 */
gboolean
ks_auto_backup_get_device_full (KsCatalog  *catalog,
                                const char *udid)
{
  g_autofree char *key = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), FALSE);
  g_return_val_if_fail (udid != NULL, FALSE);

  key = full_key (udid);
  value = ks_catalog_dup_plan_setting (catalog, key);
  return g_strcmp0 (value, "on") == 0;
}

gboolean
ks_auto_backup_set_device_full (KsCatalog   *catalog,
                                const char  *udid,
                                gboolean     full,
                                GError     **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), FALSE);
  g_return_val_if_fail (udid != NULL && *udid != '\0', FALSE);

  key = full_key (udid);
  return ks_catalog_set_plan_setting (catalog, key, full ? "on" : "off", error);
}
