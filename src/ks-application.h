/* ks-application.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-backup-plan.h"
#include "ks-background-monitor.h"
#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-device-monitor.h"
#include "ks-thumbnailer.h"

G_BEGIN_DECLS

#define KS_TYPE_APPLICATION (ks_application_get_type())
#define KS_APPLICATION_DEFAULT (KS_APPLICATION (g_application_get_default ()))

G_DECLARE_FINAL_TYPE (KsApplication, ks_application, KS, APPLICATION, AdwApplication)

KsApplication *ks_application_new          (void);
GSettings     *ks_application_get_settings (KsApplication *self);
/* Started on first use, so a test can point libimobiledevice at the emulator first. */
KsDeviceMonitor *ks_application_get_device_monitor (KsApplication *self);
KsThumbnailer   *ks_application_get_thumbnailer    (KsApplication *self);
gboolean         ks_application_can_notify         (KsApplication *self);
KsBackupService *ks_application_get_backup_service  (KsApplication *self);
KsBackupPlan    *ks_application_get_backup_plan     (KsApplication *self);
KsCatalog       *ks_application_get_catalog        (KsApplication *self,
                                                    GError       **error);
KsBackgroundMonitor *
                 ks_application_get_background_monitor (KsApplication *self);

G_END_DECLS
