/* ks-advisor-window.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-advisor.h"
#include "ks-backup-plan.h"

G_BEGIN_DECLS

#define KS_TYPE_ADVISOR_WINDOW (ks_advisor_window_get_type ())

G_DECLARE_FINAL_TYPE (KsAdvisorWindow, ks_advisor_window, KS, ADVISOR_WINDOW, AdwWindow)

GtkWidget              *ks_advisor_window_new           (GtkWindow                 *parent,
                                                         const char                *library_name,
                                                         GPtrArray                 *assets,
                                                         const KsProtectionSummary *summary,
                                                         KsBackupPlan              *plan,
                                                         KsCloudTiers              *tiers);
const char             *ks_advisor_window_get_next_step (KsAdvisorWindow           *self);
const KsAdvisorLibrary *ks_advisor_window_get_library   (KsAdvisorWindow           *self);

G_END_DECLS
