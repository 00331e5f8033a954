/* ks-remote-dialog-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The "Add Server" form (ks-remote-dialog.c) hands what it describes to the adding steps
 * (ks-remote-dialog-add.c): checking an SSH server's key, the connection test, the space. */

#pragma once

#include "ks-remote-dialog.h"

G_BEGIN_DECLS

void _ks_remote_dialog_add (AdwPreferencesWindow *parent,
                            KsBackupPlan         *plan,
                            const char           *location,
                            const char           *secret);

G_END_DECLS
