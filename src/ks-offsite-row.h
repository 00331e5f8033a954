/* ks-offsite-row.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* In Preferences, the "Kept Elsewhere" switch of a drive or network destination: whether it
 * counts as the offsite copy of the 3-2-1 rule (clouds are offsite by their kind). Stored as
 * the destination's "offsite" option, the same that `keepsake-cli destinations set ID
 * --offsite on|off` writes. */

#pragma once

#include <adwaita.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

/* The destination option: "true" or unset. */
#define KS_OFFSITE_OPTION "offsite"

gboolean   ks_offsite_row_applies (KsPlanDestination *destination);
GtkWidget *ks_offsite_row_new     (KsBackupPlan      *plan,
                                   KsPlanDestination *destination);

G_END_DECLS
