/* ks-remote-dialog.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

GtkWidget *ks_remote_dialog_new        (AdwPreferencesWindow *parent,
                                        KsBackupPlan         *plan);
char      *ks_remote_dialog_dup_location (GtkWidget          *dialog);
void       ks_remote_dialog_query_space  (AdwActionRow       *row,
                                          KsPlanDestination  *dest,
                                          GCancellable       *cancellable);

G_END_DECLS
