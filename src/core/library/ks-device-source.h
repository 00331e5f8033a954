/* ks-device-source.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDeviceSource: the KsSource of an iPhone's camera roll (/DCIM over AFC), id "device:<UDID>". */

#pragma once

#include "ks-device.h"
#include "ks-source.h"

G_BEGIN_DECLS

#define KS_TYPE_DEVICE_SOURCE (ks_device_source_get_type ())
G_DECLARE_FINAL_TYPE (KsDeviceSource, ks_device_source, KS, DEVICE_SOURCE, GObject)

KsDeviceSource *ks_device_source_new            (const char     *udid,
                                                 const char     *display_name);
KsDeviceSource *ks_device_source_new_for_device (KsDevice       *device);
const char     *ks_device_source_get_udid       (KsDeviceSource *self);
void            ks_device_source_prewarm        (KsDeviceSource *self,
                                                 guint           n_sessions);
/* Where the walk starts on the device ("/DCIM"); source paths are relative to it. */
const char     *ks_device_source_get_root       (KsDeviceSource *self);

G_END_DECLS
