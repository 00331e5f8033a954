/* ks-ui-test-window.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Helpers for tests that drive the main window against the emulated iPhone. */

#pragma once

#include "ks-window-private.h"

G_BEGIN_DECLS

char     *ks_ui_test_isolate_home        (void);
gboolean  ks_ui_test_wait_page           (KsWindow   *window,
                                          const char *page,
                                          guint       timeout_ms);
gboolean  ks_ui_test_wait_library_loaded (KsWindow   *window,
                                          guint       timeout_ms);
gboolean  ks_ui_test_wait_thumbnails     (KsWindow   *window,
                                          guint       timeout_ms);
gboolean  ks_ui_test_wait_job_done       (KsWindow   *window,
                                          guint       timeout_ms);
void      ks_ui_test_screenshot          (GtkWidget  *widget,
                                          const char *name);
GPtrArray *ks_ui_test_list_files         (const char *dir);
void      ks_ui_test_assert_same_bytes   (const char *a,
                                          const char *b);
void      ks_ui_test_stop_idle_threads   (void);
char      *ks_ui_test_checksum_file      (const char *path);
GPtrArray *ks_ui_test_dup_assets         (KsWindow   *window);
GHashTable *ks_ui_test_device_contents   (KsWindow   *window,
                                          const char *library,
                                          GPtrArray  *assets);
GHashTable *ks_ui_test_assert_only_whole_files (const char *dir,
                                                GHashTable *device_contents);

G_END_DECLS
