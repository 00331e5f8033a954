/* ks-photo-cell.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One recycled tile of the photo grid: thumbnail, capture date, badges. */

#pragma once

#include <gtk/gtk.h>

#include "ks-asset.h"
#include "ks-source.h"
#include "ks-thumbnailer.h"

G_BEGIN_DECLS

/* NO_PREVIEW: a file that is neither photo nor video; it shows a generic file icon and
 * its name, and no thumbnail is asked for. */
typedef enum
{
  KS_PHOTO_CELL_EMPTY,
  KS_PHOTO_CELL_LOADING,
  KS_PHOTO_CELL_LOADED,
  KS_PHOTO_CELL_BROKEN,
  KS_PHOTO_CELL_NO_PREVIEW,
} KsPhotoCellThumbnail;

#define KS_TYPE_PHOTO_CELL (ks_photo_cell_get_type ())

G_DECLARE_FINAL_TYPE (KsPhotoCell, ks_photo_cell, KS, PHOTO_CELL, GtkWidget)

GtkWidget            *ks_photo_cell_new                 (void);
void                  ks_photo_cell_bind                (KsPhotoCell   *self,
                                                         KsAsset       *asset,
                                                         int            copies);
void                  ks_photo_cell_request_thumbnail   (KsPhotoCell   *self,
                                                         KsSource      *source,
                                                         KsThumbnailer *thumbnailer);
void                  ks_photo_cell_unbind              (KsPhotoCell   *self);
KsAsset              *ks_photo_cell_get_asset           (KsPhotoCell   *self);
void                  ks_photo_cell_set_copies          (KsPhotoCell   *self,
                                                         int            copies);
int                   ks_photo_cell_get_copies          (KsPhotoCell   *self);
KsPhotoCellThumbnail  ks_photo_cell_get_thumbnail_state (KsPhotoCell   *self);
const char           *ks_photo_cell_get_date_text       (KsPhotoCell   *self);
const char           *ks_photo_cell_get_caption         (KsPhotoCell   *self);

G_END_DECLS
