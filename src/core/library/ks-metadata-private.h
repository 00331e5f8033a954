/* ks-metadata-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Shared by the metadata files: the byte source the parsers read through, and the parsers
 * ks-metadata.c dispatches to by format. */

#pragma once

#include <gio/gio.h>

#include "ks-isobmff.h"
#include "ks-metadata.h"

G_BEGIN_DECLS

#define HEAD_SIZE       (256 * 1024)
#define MAX_META_SIZE   (16 * 1024 * 1024)
#define MAX_MOOV_SIZE   (64 * 1024 * 1024)
#define MAX_EXIF_SIZE   (4 * 1024 * 1024)

typedef struct
{
  guint64  offset;
  GBytes  *bytes;
} Segment;

typedef struct
{
  /* Memory mode */
  const guint8 *data;
  gsize         len;

  /* Sparse mode: pieces of a file of @size bytes (from KsMetadataReader) */
  GPtrArray    *segments;

  /* Stream mode */
  GInputStream *stream;
  GCancellable *cancellable;
  GError       *error; /* first I/O error; parsing stops */
  guint64       size;  /* G_MAXUINT64 when unknown */
} Src;

GBytes   *_ks_metadata_src_read             (Src          *src,
                                             guint64       offset,
                                             gsize         len);
gboolean  _ks_metadata_find_top_level_box   (Src          *src,
                                             guint32       type,
                                             KsIsobmffBox *out);
void      _ks_metadata_parse_src            (Src          *src,
                                             KsMetadata   *md);
void      _ks_metadata_parse_exif           (const guint8 *data,
                                             gsize         len,
                                             KsMetadata   *md);
void      _ks_metadata_parse_heif           (Src          *src,
                                             KsMetadata   *md);
void      _ks_metadata_parse_quicktime      (Src          *src,
                                             KsMetadata   *md);

G_END_DECLS
