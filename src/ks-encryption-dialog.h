/* ks-encryption-dialog.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KS_TYPE_ENCRYPTION_DIALOG (ks_encryption_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KsEncryptionDialog, ks_encryption_dialog, KS, ENCRYPTION_DIALOG, AdwWindow)

GtkWidget  *ks_encryption_dialog_new       (GtkWindow          *parent,
                                            const char         *udid,
                                            const char         *device_name);

/* For tests: "loading", "form", "waiting" or "failed". */
const char *ks_encryption_dialog_get_state (KsEncryptionDialog *self);

G_END_DECLS
