/* ks-automatic-page.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-application.h"

G_BEGIN_DECLS

#define KS_TYPE_AUTOMATIC_PAGE (ks_automatic_page_get_type ())

G_DECLARE_FINAL_TYPE (KsAutomaticPage, ks_automatic_page, KS, AUTOMATIC_PAGE, AdwPreferencesPage)

GtkWidget     *ks_automatic_page_new                 (KsApplication   *application);

/* For tests */
GtkSwitch     *_ks_automatic_page_get_autostart_switch (KsAutomaticPage *self);
GtkSwitch     *_ks_automatic_page_find_device_switch   (KsAutomaticPage *self,
                                                        const char      *udid);
GtkSpinButton *_ks_automatic_page_get_reminder_spin    (KsAutomaticPage *self);
GtkSwitch     *_ks_automatic_page_find_full_switch     (KsAutomaticPage *self,
                                                        const char      *udid);
GtkSwitch     *_ks_automatic_page_find_drive_switch    (KsAutomaticPage *self,
                                                        const char      *id);

G_END_DECLS
