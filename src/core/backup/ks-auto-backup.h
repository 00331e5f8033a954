/* ks-auto-backup.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAutoBackup: backs up an iPhone by itself when it is plugged in. It watches a
 * KsDeviceMonitor; when a phone becomes ready (trusted, unlocked) and automatic backup is
 * on for it, it asks the KsBackupService for everything to the plan (origin "monitor").
 *
 * - Never two runs for one phone: the service gives back the run it already has.
 * - A phone that goes away and comes back within the settle time (a loose cable, a quick
 *   replug) is the same plug-in: a backup that went through is not started again.
 * - A run that stopped because the phone went away is started again when it is back.
 * - A locked or untrusted phone is waited for: ::device-waiting says why (once per
 *   state), and the backup starts when the phone is ready.
 *
 * Whether a phone is backed up is its switch ("back up this iPhone when it is plugged in"),
 * stored in the catalog's plan settings under "auto-backup/<UDID>" = "on" | "off", and,
 * for a phone never switched, the policy: every phone (the headless monitor) or none (a
 * front end that asks first).
 *
 * Signals (on the main context):
 *   ::run-started (KsDevice *device, KsBackupRun *run) — the run began copying
 *   ::run-finished (KsDevice *device, KsBackupRun *run) — see ks_backup_run_get_result()
 *     and ks_backup_run_get_error(); @device may be disconnected by then
 *   ::device-waiting (KsDevice *device, KsDeviceState reason) — locked, trust pending or
 *     denied, pairing lost: the user has to act on the phone
 *   ::request-failed (KsDevice *device, GError *error) — the service made no run (the
 *     plan has no destination switched on)
 *   ::drive-arrived (const char *drive_id, guint n_devices) — a drive destination switched
 *     on was plugged in; that many phones get a run for it (see set_drive_monitor())
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-device-monitor.h"
#include "ks-drive-monitor.h"

G_BEGIN_DECLS

/**
 * KsAutoBackupPolicy:
 * @KS_AUTO_BACKUP_POLICY_ALL: every phone unless switched off (the headless monitor)
 * @KS_AUTO_BACKUP_POLICY_SWITCHED_ON: only phones switched on
 */
typedef enum
{
  KS_AUTO_BACKUP_POLICY_ALL,
  KS_AUTO_BACKUP_POLICY_SWITCHED_ON,
} KsAutoBackupPolicy;

/**
 * KsAutoBackupSetting:
 * @KS_AUTO_BACKUP_SETTING_UNSET: never switched; the policy decides
 * @KS_AUTO_BACKUP_SETTING_ON: back up this iPhone when it is plugged in
 * @KS_AUTO_BACKUP_SETTING_OFF: never by itself
 */
typedef enum
{
  KS_AUTO_BACKUP_SETTING_UNSET,
  KS_AUTO_BACKUP_SETTING_ON,
  KS_AUTO_BACKUP_SETTING_OFF,
} KsAutoBackupSetting;

/* The plan setting's key prefix: the key is this followed by the UDID. */
#define KS_AUTO_BACKUP_SETTING_PREFIX "auto-backup/"

/* How long a phone may be away and still count as the same plug-in, by default: longer than
 * two of the device monitor's polls (a process without usbmuxd events sees a phone come and
 * go every 2 s) plus a slow lockdown handshake, so a loose cable is one plug-in. */
#define KS_AUTO_BACKUP_DEFAULT_SETTLE_MS 5000

KsAutoBackupSetting ks_auto_backup_get_device_setting (KsCatalog           *catalog,
                                                       const char          *udid);
gboolean            ks_auto_backup_set_device_setting (KsCatalog           *catalog,
                                                       const char          *udid,
                                                       KsAutoBackupSetting  setting,
                                                       GError             **error);

/* The drive destination option ("true" or unset): back up the phones that are plugged in
 * when this drive is plugged in. */
#define KS_AUTO_BACKUP_DRIVE_OPTION "auto-backup"

gboolean            ks_auto_backup_get_drive_setting  (KsBackupPlan        *plan,
                                                       const char          *id);
gboolean            ks_auto_backup_set_drive_setting  (KsBackupPlan        *plan,
                                                       const char          *id,
                                                       gboolean             on,
                                                       GError             **error);

/* Per phone ("on" | "off", off unless set): automatic backups include a full device backup,
 * after the photos and videos, to the plan's destinations for full backups. On iOS 16.1 and
 * later the phone asks for its passcode at each one. */
#define KS_AUTO_BACKUP_FULL_PREFIX "auto-full-backup/"

gboolean            ks_auto_backup_get_device_full    (KsCatalog           *catalog,
                                                       const char          *udid);
gboolean            ks_auto_backup_set_device_full    (KsCatalog           *catalog,
                                                       const char          *udid,
                                                       gboolean             full,
                                                       GError             **error);

#define KS_TYPE_AUTO_BACKUP (ks_auto_backup_get_type ())

G_DECLARE_FINAL_TYPE (KsAutoBackup, ks_auto_backup, KS, AUTO_BACKUP, GObject)

KsAutoBackup       *ks_auto_backup_new             (KsDeviceMonitor    *monitor,
                                                    KsBackupService    *service);
void                ks_auto_backup_set_policy      (KsAutoBackup       *self,
                                                    KsAutoBackupPolicy  policy);
KsAutoBackupPolicy  ks_auto_backup_get_policy      (KsAutoBackup       *self);
void                ks_auto_backup_set_udid        (KsAutoBackup       *self,
                                                    const char         *udid);
const char         *ks_auto_backup_get_udid        (KsAutoBackup       *self);
void                ks_auto_backup_set_settle_time (KsAutoBackup       *self,
                                                    guint               milliseconds);
guint               ks_auto_backup_get_settle_time (KsAutoBackup       *self);
void                ks_auto_backup_start           (KsAutoBackup       *self);
void                ks_auto_backup_reconsider      (KsAutoBackup       *self);
gboolean            ks_auto_backup_is_enabled_for  (KsAutoBackup       *self,
                                                    const char         *udid);
KsBackupRun        *ks_auto_backup_get_run         (KsAutoBackup       *self,
                                                    const char         *udid);
void                ks_auto_backup_set_drive_monitor (KsAutoBackup     *self,
                                                      KsDriveMonitor   *drives);
const char         *ks_auto_backup_get_run_drive   (KsAutoBackup       *self,
                                                    const char         *udid);

G_END_DECLS
