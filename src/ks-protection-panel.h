/* ks-protection-panel.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-protection.h"

G_BEGIN_DECLS

#define KS_TYPE_PROTECTION_PANEL (ks_protection_panel_get_type ())

G_DECLARE_FINAL_TYPE (KsProtectionPanel, ks_protection_panel, KS, PROTECTION_PANEL, GtkWidget)

GtkWidget *ks_protection_panel_new          (void);
void       ks_protection_panel_set_summary  (KsProtectionPanel         *self,
                                             const KsProtectionSummary *summary);
guint      ks_protection_panel_get_count    (KsProtectionPanel         *self,
                                             KsProtectionState          state);

G_END_DECLS
