/* ks-isobmff.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A bounds-checked reader for ISOBMFF boxes (HEIF `meta` and QuickTime `moov`), made to
 * work on partial buffers so that callers fetch only the bytes they need. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_FOURCC(a,b,c,d) ((guint32)(((guint32)(a) << 24) | ((guint32)(b) << 16) | \
                                      ((guint32)(c) << 8) | (guint32)(d)))

typedef struct
{
  guint32 type;
  guint64 offset;       /* of the box header, relative to the buffer walked */
  guint64 size;         /* whole box, header included; may run past the buffer */
  guint32 header_size;  /* 8, 16 (largesize), +16 for `uuid` */
} KsIsobmffBox;

/* Reads the box header at @pos in @data (@len bytes). @end_of_parent is the offset where the
 * enclosing box (or file) ends; a size of 0 means "to the end of the parent". Returns FALSE
 * when the header does not fit in @data or is malformed (size smaller than its header, or
 * running past @end_of_parent). */
gboolean ks_isobmff_read_box_header (const guint8 *data,
                                     gsize         len,
                                     guint64       pos,
                                     guint64       end_of_parent,
                                     KsIsobmffBox *box);

/* Finds the first child of type @type among the boxes in [@start, @end) of @data, which must
 * hold the whole range. */
gboolean ks_isobmff_find_child      (const guint8 *data,
                                     gsize         len,
                                     guint64       start,
                                     guint64       end,
                                     guint32       type,
                                     KsIsobmffBox *box);

typedef struct
{
  guint64 offset;  /* absolute offset in the file */
  guint64 length;
} KsIsobmffExtent;

typedef struct
{
  guint32  id;
  guint32  type;                /* infe item_type, e.g. 'hvc1', 'grid', 'Exif' */
  guint8   construction_method; /* 0: file offsets, 1: idat */
  guint8   rotation;            /* irot, in units of 90° counter-clockwise */
  gint8    mirror_axis;         /* imir axis, or -1 */
  gboolean has_hvcc;
  guint32  width;               /* ispe, 0 when absent */
  guint32  height;
  GArray  *extents;             /* KsIsobmffExtent, resolved to file offsets */
} KsIsobmffItem;

typedef struct _KsIsobmffMeta KsIsobmffMeta;

#define KS_ISOBMFF_ERROR (ks_isobmff_error_quark ())

typedef enum
{
  KS_ISOBMFF_ERROR_MALFORMED,
  KS_ISOBMFF_ERROR_UNSUPPORTED,
} KsIsobmffError;

GQuark               ks_isobmff_error_quark            (void);
KsIsobmffMeta       *ks_isobmff_meta_parse             (const guint8        *meta,
                                                        gsize                meta_len,
                                                        guint64              meta_file_offset,
                                                        GError             **error);
void                 ks_isobmff_meta_free              (KsIsobmffMeta       *self);
guint32              ks_isobmff_meta_get_handler       (const KsIsobmffMeta *self);
guint32              ks_isobmff_meta_get_primary_id    (const KsIsobmffMeta *self);
const KsIsobmffItem *ks_isobmff_meta_get_item          (const KsIsobmffMeta *self,
                                                        guint32              item_id);
guint                ks_isobmff_meta_get_n_items       (const KsIsobmffMeta *self);
const KsIsobmffItem *ks_isobmff_meta_get_nth_item      (const KsIsobmffMeta *self,
                                                        guint                n);
guint32              ks_isobmff_meta_find_reference_to (const KsIsobmffMeta *self,
                                                        guint32              ref_type,
                                                        guint32              to_item_id,
                                                        guint32              from_item_type);
guint64              ks_isobmff_item_get_total_length  (const KsIsobmffItem *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsIsobmffMeta, ks_isobmff_meta_free)

G_END_DECLS
