/* ks-device-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Blocking lockdownd helpers shared by KsDevice, the AFC pool and the tests. Worker threads only.
 * They live in ks-device-probe.c, with the count of running probes (ks_device_wait_for_probes()). */

#pragma once

#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>

#include "ks-device.h"

G_BEGIN_DECLS

gboolean _ks_usbmuxd_is_reachable     (void);
gboolean _ks_device_open_lockdown     (const char          *udid,
                                       const char          *label,
                                       idevice_t           *out_device,
                                       lockdownd_client_t  *out_client,
                                       GError             **error);
void     _ks_device_set_lockdown_error (const char          *udid,
                                        lockdownd_error_t    lerr,
                                        GError             **error);
void     _ks_device_probes_begin      (void);
void     _ks_device_probes_end        (void);

G_END_DECLS
