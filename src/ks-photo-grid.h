/* ks-photo-grid.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The library view: a filtered, multi-selectable GtkGridView of one source's assets. */

#pragma once

#include <gtk/gtk.h>

#include "ks-copy-counter.h"
#include "ks-source.h"
#include "ks-thumbnailer.h"

G_BEGIN_DECLS

typedef enum
{
  KS_PHOTO_FILTER_ALL,
  KS_PHOTO_FILTER_PHOTOS,
  KS_PHOTO_FILTER_VIDEOS,
  KS_PHOTO_FILTER_NOT_BACKED_UP,
  KS_PHOTO_FILTER_NOT_321,         /* backed up, but not by the 3-2-1 rule */
  KS_PHOTO_FILTER_SAFE,            /* the 3-2-1 rule is met */
} KsPhotoFilter;

#define KS_TYPE_PHOTO_GRID (ks_photo_grid_get_type ())

G_DECLARE_FINAL_TYPE (KsPhotoGrid, ks_photo_grid, KS, PHOTO_GRID, GtkWidget)

GtkWidget     *ks_photo_grid_new              (void);
void           ks_photo_grid_set_library      (KsPhotoGrid   *self,
                                               GListModel    *assets,
                                               KsSource      *source);
void           ks_photo_grid_set_icloud_only  (KsPhotoGrid   *self,
                                               GPtrArray     *assets);
GListModel    *ks_photo_grid_get_icloud_only  (KsPhotoGrid   *self);
GListModel    *ks_photo_grid_get_assets       (KsPhotoGrid   *self);
KsSource      *ks_photo_grid_get_source       (KsPhotoGrid   *self);
void           ks_photo_grid_set_thumbnailer  (KsPhotoGrid   *self,
                                               KsThumbnailer *thumbnailer);
void           ks_photo_grid_set_backup_index (KsPhotoGrid   *self,
                                               KsCopyCounter *index);
void           ks_photo_grid_set_filter       (KsPhotoGrid   *self,
                                               KsPhotoFilter  filter);
KsPhotoFilter  ks_photo_grid_get_filter       (KsPhotoGrid   *self);
void           ks_photo_grid_set_collection   (KsPhotoGrid   *self,
                                               const char    *collection);
const char    *ks_photo_grid_get_collection   (KsPhotoGrid   *self);
GtkSelectionModel *ks_photo_grid_get_selection (KsPhotoGrid  *self);
GtkGridView   *ks_photo_grid_get_grid_view    (KsPhotoGrid   *self);
guint          ks_photo_grid_get_n_selected   (KsPhotoGrid   *self);
guint          ks_photo_grid_get_n_shown      (KsPhotoGrid   *self);
GPtrArray     *ks_photo_grid_dup_selected     (KsPhotoGrid   *self);
void           ks_photo_grid_select_all       (KsPhotoGrid   *self);
void           ks_photo_grid_unselect_all     (KsPhotoGrid   *self);
/* (element-type KsPhotoCell) (transfer container): the cells bound right now */
GPtrArray     *ks_photo_grid_list_bound_cells (KsPhotoGrid   *self);
GPtrArray     *ks_photo_grid_list_visible_cells (KsPhotoGrid *self);

G_END_DECLS
