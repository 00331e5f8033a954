/* ks-progress-panel.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The panel at the bottom of the window while a backup runs or after it stopped. */

#pragma once

#include <gtk/gtk.h>

#include "ks-full-backup-job.h"
#include "ks-import-progress.h"

G_BEGIN_DECLS

#define KS_TYPE_PROGRESS_PANEL (ks_progress_panel_get_type ())

G_DECLARE_FINAL_TYPE (KsProgressPanel, ks_progress_panel, KS, PROGRESS_PANEL, GtkWidget)

GtkWidget  *ks_progress_panel_new           (void);
void        ks_progress_panel_reset         (KsProgressPanel        *self,
                                             const char             *title);
void        ks_progress_panel_set_progress  (KsProgressPanel        *self,
                                             const KsImportProgress *progress);
void        ks_progress_panel_set_jpeg_progress (KsProgressPanel    *self,
                                                 guint               done,
                                                 guint               total);
void        ks_progress_panel_set_full_progress (KsProgressPanel          *self,
                                                 const KsFullBackupProgress *progress);
void        ks_progress_panel_set_current   (KsProgressPanel        *self,
                                             const char             *name,
                                             GdkPaintable           *thumbnail);
void        ks_progress_panel_add_error     (KsProgressPanel        *self,
                                             const char             *file,
                                             const char             *reason);
guint       ks_progress_panel_get_n_errors  (KsProgressPanel        *self);
void        ks_progress_panel_set_stopped   (KsProgressPanel        *self,
                                             const char             *title,
                                             const char             *message,
                                             gboolean                can_resume);
gboolean    ks_progress_panel_get_running   (KsProgressPanel        *self);
const char *ks_progress_panel_get_title     (KsProgressPanel        *self);
const char *ks_progress_panel_get_details   (KsProgressPanel        *self);

G_END_DECLS
