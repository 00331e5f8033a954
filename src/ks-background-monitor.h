/* ks-background-monitor.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ks-auto-backup.h"

G_BEGIN_DECLS

#define KS_TYPE_BACKGROUND_MONITOR (ks_background_monitor_get_type ())

G_DECLARE_FINAL_TYPE (KsBackgroundMonitor, ks_background_monitor, KS, BACKGROUND_MONITOR, GObject)

KsBackgroundMonitor *ks_background_monitor_new              (GApplication        *app,
                                                             KsDeviceMonitor     *devices,
                                                             KsBackupService     *service);
KsAutoBackup        *ks_background_monitor_get_auto_backup  (KsBackgroundMonitor *self);
void                 ks_background_monitor_set_device       (KsBackgroundMonitor *self,
                                                             const char          *udid,
                                                             gboolean             automatic);
guint                ks_background_monitor_send_reminders   (KsBackgroundMonitor *self);

gboolean             ks_background_monitor_get_autostart    (void);
gboolean             ks_background_monitor_set_autostart    (gboolean             autostart,
                                                             GError             **error);

G_END_DECLS
