/* ks-photo-info.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsPhotoInfo: what the phone's Photos library said of one stored photo (favourite, hidden,
 * its albums, when it was taken), kept in the destination's own index so it outlives the
 * phone. One index line "info <sha256> key=value …", values percent-escaped; unknown keys
 * are skipped, so later versions may add some. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KS_PHOTO_INFO_NONE     = 0,
  KS_PHOTO_INFO_FAVORITE = 1 << 0,
  KS_PHOTO_INFO_HIDDEN   = 1 << 1,
  KS_PHOTO_INFO_TRASHED  = 1 << 2, /* in Recently Deleted when last seen */
} KsPhotoInfoFlags;

/**
 * KsPhotoInfo:
 * @hash: the stored photo's content (SHA-256, hex)
 * @flags: favourite, hidden, in Recently Deleted
 * @date: (nullable): when it was taken, ISO 8601 with its UTC offset when known
 *   ("2024-05-03T10:11:12+02:00")
 * @albums: (array zero-terminated=1): the user albums it is in, as folder paths
 *   ("Trips/Italy"), sorted
 */
typedef struct
{
  char              *hash;
  KsPhotoInfoFlags   flags;
  char              *date;
  char             **albums;
} KsPhotoInfo;

KsPhotoInfo *ks_photo_info_new          (const char         *hash,
                                         KsPhotoInfoFlags    flags,
                                         const char         *date,
                                         const char * const *albums);
KsPhotoInfo *ks_photo_info_copy         (const KsPhotoInfo  *info);
void         ks_photo_info_free         (KsPhotoInfo        *info);
gboolean     ks_photo_info_equal        (const KsPhotoInfo  *a,
                                         const KsPhotoInfo  *b);
/* Whether @line starts an info line. */
gboolean     ks_photo_info_is_line      (const char         *line);
KsPhotoInfo *ks_photo_info_parse_line   (const char         *line);
void         ks_photo_info_append_line  (const KsPhotoInfo  *info,
                                         GString            *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPhotoInfo, ks_photo_info_free)

G_END_DECLS
