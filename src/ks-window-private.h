/* ks-window-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window's instance struct, shared by its parts: ks-window.c (the shell: which source is
 * shown, and on which page), ks-window-actions.c (its actions) and ks-window-backup.c (its
 * backups, their progress and how they ended); and what the UI tests reach into. */

#pragma once

#include <adwaita.h>

#include "ks-asset-model.h"
#include "ks-copy-counter.h"
#include "ks-demo-library.h"
#include "ks-backup-service.h"
#include "ks-device-monitor.h"
#include "ks-device-status-page.h"
#include "ks-library-page.h"
#include "ks-photo-grid.h"
#include "ks-progress-panel.h"
#include "ks-sidebar.h"
#include "ks-source-row.h"
#include "ks-window.h"

G_BEGIN_DECLS

struct _KsWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  KsSidebar            *sidebar;
  AdwWindowTitle       *content_title;
  GtkWidget            *backup_all_button;
  GtkInfoBar           *destination_bar;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  KsDeviceStatusPage   *status_page;
  KsLibraryPage        *library_page;
  GtkRevealer          *progress_revealer;
  KsProgressPanel      *progress_panel;

  /* Owned references */
  GSettings            *settings;
  KsDeviceMonitor      *monitor;
  KsDemoLibrary        *demo;          /* the Demo iPhone's library, while it is made */
  KsThumbnailer        *thumbnailer;
  KsDevice             *device;
  GSignalGroup         *device_signals;
  KsBackupService      *service;
  KsBackupRun          *run;
  GSignalGroup         *run_signals;
  GCancellable         *current_cancellable;
  GPtrArray            *resume_assets;

  /* Borrowed */
  GtkWidget            *close_dialog;
  GtkWidget            *password_dialog;
  gboolean              password_declined;  /* for the backup shown; asked again when reopened */
  AdwToast             *toast;

  char                 *folder_path;
  char                 *folder_title;
  char                 *library_name;
  char                 *current_path;
  char                 *current_name;
  char                 *last_toast;
  char                 *last_notification;
  char                 *filter_name;
  guint                 n_not_backed_up;
  guint                 n_device_updates;
  guint                 stopped_run_can_resume : 1;
};

/* ks-window.c */
KsApplication   *_ks_window_get_application        (KsWindow   *self);
gboolean         _ks_window_get_ready              (KsWindow   *self);
char           **_ks_window_dup_destinations       (KsWindow   *self);
void             _ks_window_refresh_backups        (KsWindow   *self);
void             _ks_window_update_page            (KsWindow   *self);

/* ks-window-actions.c */
void             _ks_window_class_actions_init     (KsWindowClass *klass);
void             _ks_window_actions_update         (KsWindow   *self);
void             _ks_window_set_filter_name        (KsWindow   *self,
                                                    const char *name);

/* ks-window-backup.c */
void             _ks_window_class_backup_init      (KsWindowClass *klass);
void             _ks_window_backup_init            (KsWindow   *self);
void             _ks_window_set_backup_service     (KsWindow   *self,
                                                    KsBackupService *service);
void             _ks_window_follow_run             (KsWindow   *self);
gboolean         _ks_window_start_backup           (KsWindow   *self,
                                                    GPtrArray  *assets,
                                                    const char *title);
gboolean         _ks_window_backup_running         (KsWindow   *self);
gboolean         _ks_window_can_resume             (KsWindow   *self);
void             _ks_window_backup_dispose         (KsWindow   *self);
void             _ks_window_backup_finalize        (KsWindow   *self);

/* For tests */
KsPhotoGrid     *_ks_window_get_photo_grid         (KsWindow   *self);
KsProgressPanel *_ks_window_get_progress_panel     (KsWindow   *self);
const char      *_ks_window_get_page               (KsWindow   *self);
gboolean         _ks_window_get_progress_revealed  (KsWindow   *self);
gboolean         _ks_window_get_job_running        (KsWindow   *self);
GListModel      *_ks_window_get_assets             (KsWindow   *self);
KsSource        *_ks_window_get_source             (KsWindow   *self);
KsCopyCounter   *_ks_window_get_backup_index       (KsWindow   *self);
const char      *_ks_window_get_last_toast         (KsWindow   *self);
AdwToast        *_ks_window_get_toast              (KsWindow   *self);
KsSourceRow     *_ks_window_get_source_row         (KsWindow   *self);
guint            _ks_window_get_n_not_backed_up    (KsWindow   *self);
gboolean         _ks_window_get_can_resume         (KsWindow   *self);
guint            _ks_window_get_n_device_updates   (KsWindow   *self);

G_END_DECLS
