/* ks-drive-monitor.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDriveMonitor: which drive destinations of the backup plan are plugged in, and where
 * each is mounted, kept up to date as drives come and go (the mount table, watched through
 * GUnixMountMonitor) and as the plan changes. For the window's "connected" / "not
 * connected" and for whatever starts a backup when a drive arrives. The drives are looked
 * for on a worker; answers and signals come on the thread that made the monitor. */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

#define KS_TYPE_DRIVE_MONITOR (ks_drive_monitor_get_type ())

G_DECLARE_FINAL_TYPE (KsDriveMonitor, ks_drive_monitor, KS, DRIVE_MONITOR, GObject)

KsDriveMonitor *ks_drive_monitor_new          (KsBackupPlan   *plan);
gboolean        ks_drive_monitor_is_ready     (KsDriveMonitor *self);
gboolean        ks_drive_monitor_is_connected (KsDriveMonitor *self,
                                               const char     *id);
const char     *ks_drive_monitor_get_path     (KsDriveMonitor *self,
                                               const char     *id);
void            ks_drive_monitor_refresh      (KsDriveMonitor *self);

G_END_DECLS
