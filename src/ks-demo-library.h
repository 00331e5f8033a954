/* ks-demo-library.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_DEMO_LIBRARY (ks_demo_library_get_type ())

G_DECLARE_FINAL_TYPE (KsDemoLibrary, ks_demo_library, KS, DEMO_LIBRARY, GObject)

KsDemoLibrary *ks_demo_library_new_from_environment (void);
KsDemoLibrary *ks_demo_library_new                  (const char    *udid,
                                                     const char    *progress_path);
const char    *ks_demo_library_get_udid             (KsDemoLibrary *self);
gboolean       ks_demo_library_get_preparing        (KsDemoLibrary *self);
guint          ks_demo_library_get_made             (KsDemoLibrary *self);
guint          ks_demo_library_get_total            (KsDemoLibrary *self);

G_END_DECLS
