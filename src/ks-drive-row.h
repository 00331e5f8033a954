/* ks-drive-row.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What a drive destination's row in Preferences shows: whether the drive is connected
 * (where, and its free space) or not (and when it was last backed up to), and an Eject
 * button while it is connected. */

#pragma once

#include <adwaita.h>

#include "ks-drive-monitor.h"
#include "ks-plan-destination.h"

G_BEGIN_DECLS

void  ks_drive_row_fill              (AdwActionRow          *row,
                                      KsPlanDestination     *dest,
                                      KsDriveMonitor        *drives,
                                      GCancellable          *cancellable);
char *ks_drive_row_format_last_backup (gint64                when,
                                       gint64                now);

G_END_DECLS
