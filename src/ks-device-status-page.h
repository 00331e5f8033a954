/* ks-device-status-page.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-device.h"

G_BEGIN_DECLS

#define KS_TYPE_DEVICE_STATUS_PAGE (ks_device_status_page_get_type ())

G_DECLARE_FINAL_TYPE (KsDeviceStatusPage, ks_device_status_page, KS, DEVICE_STATUS_PAGE, AdwBin)

const char *ks_device_status_page_name_for_state (KsDeviceState       state);
void        ks_device_status_page_show           (KsDeviceStatusPage *self,
                                                  const char         *page);
const char *ks_device_status_page_get_page       (KsDeviceStatusPage *self);
const char *ks_device_status_page_get_error      (KsDeviceStatusPage *self);
void        ks_device_status_page_set_error      (KsDeviceStatusPage *self,
                                                  const char         *message);

G_END_DECLS
