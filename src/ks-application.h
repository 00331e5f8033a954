/* ks-application.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KS_TYPE_APPLICATION (ks_application_get_type())
#define KS_APPLICATION_DEFAULT (KS_APPLICATION (g_application_get_default ()))

G_DECLARE_FINAL_TYPE (KsApplication, ks_application, KS, APPLICATION, AdwApplication)

KsApplication *ks_application_new          (void);
GSettings     *ks_application_get_settings (KsApplication *self);

G_END_DECLS
