/* ks-library-page.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ks-asset.h"
#include "ks-copy-counter.h"
#include "ks-device.h"
#include "ks-photo-grid.h"
#include "ks-photos-db.h"
#include "ks-source.h"
#include "ks-thumbnailer.h"

G_BEGIN_DECLS

#define KS_TYPE_LIBRARY_PAGE (ks_library_page_get_type ())

G_DECLARE_FINAL_TYPE (KsLibraryPage, ks_library_page, KS, LIBRARY_PAGE, AdwBin)

void           ks_library_page_set_thumbnailer  (KsLibraryPage       *self,
                                                 KsThumbnailer       *thumbnailer);
void           ks_library_page_show_device      (KsLibraryPage       *self,
                                                 KsDevice            *device,
                                                 gboolean             keep_source);
void           ks_library_page_show_folder      (KsLibraryPage       *self,
                                                 const char          *path);
void           ks_library_page_clear            (KsLibraryPage       *self);
void           ks_library_page_update           (KsLibraryPage       *self);
GListModel    *ks_library_page_get_assets       (KsLibraryPage       *self);
KsSource      *ks_library_page_get_source       (KsLibraryPage       *self);
const char    *ks_library_page_get_udid         (KsLibraryPage       *self);
gboolean       ks_library_page_get_loading      (KsLibraryPage       *self);
const char    *ks_library_page_get_error        (KsLibraryPage       *self);
gboolean        ks_library_page_get_needs_password (KsLibraryPage     *self);
void            ks_library_page_unlock           (KsLibraryPage       *self,
                                                  const char          *password);
void           ks_library_page_reload           (KsLibraryPage       *self);
KsAsset       *ks_library_page_lookup_asset     (KsLibraryPage       *self,
                                                 const char          *id);
void           ks_library_page_set_protection (KsLibraryPage       *self,
                                               KsProtection        *protection);
void           ks_library_page_refresh_backups  (KsLibraryPage       *self);
gboolean       ks_library_page_count_backed_up  (KsLibraryPage       *self,
                                                 guint               *n_items,
                                                 guint               *n_missing);
void           ks_library_page_set_filter       (KsLibraryPage       *self,
                                                 KsPhotoFilter        filter);
void           ks_library_page_set_collection   (KsLibraryPage       *self,
                                                 const char          *collection);
KsPhotosDb    *ks_library_page_dup_library      (KsLibraryPage       *self);
guint          ks_library_page_get_n_selected   (KsLibraryPage       *self);
GPtrArray     *ks_library_page_dup_selected     (KsLibraryPage       *self);
void           ks_library_page_select_all       (KsLibraryPage       *self);
void           ks_library_page_unselect_all     (KsLibraryPage       *self);
KsPhotoGrid   *ks_library_page_get_photo_grid   (KsLibraryPage       *self);
KsCopyCounter *ks_library_page_get_backup_index (KsLibraryPage       *self);

/* For tests */
GtkActionBar  *_ks_library_page_get_selection_bar   (KsLibraryPage   *self);
GtkWidget     *_ks_library_page_get_protection_panel (KsLibraryPage *self);
GtkLabel      *_ks_library_page_get_selection_label (KsLibraryPage   *self);

G_END_DECLS
