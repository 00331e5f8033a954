/* ks-window-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window's instance struct, and what the UI tests reach into. */

#pragma once

#include <adwaita.h>

#include "ks-asset-model.h"
#include "ks-copy-counter.h"
#include "ks-device-monitor.h"
#include "ks-device-source.h"
#include "ks-import-job.h"
#include "ks-photo-grid.h"
#include "ks-progress-panel.h"
#include "ks-source-row.h"
#include "ks-window.h"

G_BEGIN_DECLS

struct _KsWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  GtkListBox           *source_list;
  GtkListBox           *folder_list;
  GtkWidget            *no_sources_label;
  AdwWindowTitle       *content_title;
  GtkWidget            *backup_all_button;
  GtkInfoBar           *destination_bar;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwStatusPage        *no_device_page;
  AdwStatusPage        *error_page;
  GtkSpinner           *loading_spinner;
  KsPhotoGrid          *photo_grid;
  GtkActionBar         *selection_bar;
  GtkLabel             *selection_label;
  GtkRevealer          *progress_revealer;
  KsProgressPanel      *progress_panel;

  /* Owned references */
  GSettings            *settings;
  KsDeviceMonitor      *monitor;
  KsThumbnailer        *thumbnailer;
  KsDevice             *device;
  KsSource             *source;
  KsDevice             *library_device;
  KsAssetModel         *asset_model;
  GCancellable         *load_cancellable;
  KsCopyCounter        *backup_index;
  GCancellable         *index_cancellable;
  KsImportJob          *job;
  GCancellable         *job_cancellable;
  GCancellable         *current_cancellable;
  GPtrArray            *resume_assets;

  /* Borrowed */
  GtkWidget            *close_dialog;
  AdwToast             *toast;

  char                 *library_udid;
  char                 *library_folder;
  char                 *folder_path;
  char                 *folder_title;
  GtkFileChooserNative *folder_chooser;
  char                 *library_name;
  char                **job_destinations;
  char                 *current_path;
  char                 *current_name;
  char                 *last_toast;
  char                 *last_notification;
  char                 *filter_name;
  guint                 n_not_backed_up;
  guint                 library_failed : 1;
  guint                 stopped_job_can_resume : 1;
  guint                 close_after_job : 1;
};

KsPhotoGrid     *_ks_window_get_photo_grid         (KsWindow *self);
KsProgressPanel *_ks_window_get_progress_panel     (KsWindow *self);
const char      *_ks_window_get_page               (KsWindow *self);
gboolean         _ks_window_get_progress_revealed  (KsWindow *self);
gboolean         _ks_window_get_job_running        (KsWindow *self);
GListModel      *_ks_window_get_assets             (KsWindow *self);
KsCopyCounter   *_ks_window_get_backup_index       (KsWindow *self);
const char      *_ks_window_get_last_toast         (KsWindow *self);
AdwToast        *_ks_window_get_toast              (KsWindow *self);
KsSourceRow     *_ks_window_get_source_row         (KsWindow *self);
guint            _ks_window_get_n_not_backed_up    (KsWindow *self);
gboolean         _ks_window_get_can_resume         (KsWindow *self);

G_END_DECLS
