/* ks-device-monitor.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDeviceMonitor: the list of connected iPhones (a GListModel of KsDevice), kept on the main context. */

#pragma once

#include <gio/gio.h>

#include "ks-device.h"

G_BEGIN_DECLS

#define KS_TYPE_DEVICE_MONITOR (ks_device_monitor_get_type ())
G_DECLARE_FINAL_TYPE (KsDeviceMonitor, ks_device_monitor, KS, DEVICE_MONITOR, GObject)

KsDeviceMonitor *ks_device_monitor_new                 (void);
void             ks_device_monitor_set_watch_events    (KsDeviceMonitor *self,
                                                        gboolean         watch);
void             ks_device_monitor_start               (KsDeviceMonitor *self);
gboolean         ks_device_monitor_get_started         (KsDeviceMonitor *self);
gboolean         ks_device_monitor_get_usbmuxd_missing (KsDeviceMonitor *self);
const char      *ks_device_monitor_get_message         (KsDeviceMonitor *self);
GListModel      *ks_device_monitor_get_devices         (KsDeviceMonitor *self);
KsDevice        *ks_device_monitor_lookup              (KsDeviceMonitor *self,
                                                        const char      *udid);

G_END_DECLS
