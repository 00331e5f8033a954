/* ks-xmp-sidecar.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An XMP sidecar ("IMG_0001.HEIC.xmp") that says what the phone's Photos library knew of a
 * photo, in the properties digiKam, darktable and other photo managers read: a favourite as
 * xmp:Rating 5, its albums as dc:subject keywords and lr:hierarchicalSubject paths
 * ("Trips|Italy"), and when it was taken as photoshop:DateCreated and
 * exif:DateTimeOriginal. */

#pragma once

#include <glib.h>

#include "ks-photo-info.h"

G_BEGIN_DECLS

/* The sidecar of the stored photo @photo_path: the photo's full name and ".xmp". */
char   *ks_xmp_sidecar_path  (const char        *photo_path);
/* Returns: (transfer full): the sidecar's bytes (UTF-8 XML) */
GBytes *ks_xmp_sidecar_build (const KsPhotoInfo *info);

G_END_DECLS
