/* ks-backup-plan-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the files KsBackupPlan is spread over (ks-backup-plan.c, ks-backup-plan-folders.c)
 * share. */

#pragma once

#include "ks-backup-plan.h"
#include "ks-plan-destination-private.h"

G_BEGIN_DECLS

gboolean _ks_backup_plan_save_and_reload (KsBackupPlan       *self,
                                          KsPlanDestination  *dest,
                                          GError            **error);

G_END_DECLS
