/* ks-destination-index.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDestinationIndex: a destination's own record of what it holds (.keepsake/index), in
 * memory. The file is an append-only log of lines "<sha256> <size> <relative path>" and
 * "forget <sha256>", and "derived <original sha256> <sha256> <size> <relative path>" for a
 * file made from a stored original (a JPEG copy, an XMP sidecar), and "info <sha256> …" for
 * what the phone's Photos library said of a photo (KsPhotoInfo); the storage of the file is the destination kind's, the format is here. */

#pragma once

#include "ks-destination.h"
#include "ks-photo-info.h"

G_BEGIN_DECLS

typedef struct _KsDestinationIndex KsDestinationIndex;

KsDestinationIndex       *ks_destination_index_new          (void);
void                      ks_destination_index_free         (KsDestinationIndex        *self);
gboolean                  ks_destination_index_load         (KsDestinationIndex        *self,
                                                             char                      *contents);
GString                  *ks_destination_index_serialize    (KsDestinationIndex        *self);
const KsDestinationEntry *ks_destination_index_lookup       (KsDestinationIndex        *self,
                                                             const char                *hash);
const KsDestinationEntry *ks_destination_index_lookup_derived (KsDestinationIndex   *self,
                                                               const char           *key);
const KsPhotoInfo        *ks_destination_index_lookup_info  (KsDestinationIndex        *self,
                                                             const char                *hash);
void                      ks_destination_index_take_info    (KsDestinationIndex        *self,
                                                             KsPhotoInfo               *info);
GPtrArray                *ks_destination_index_list_infos   (KsDestinationIndex        *self);
gboolean                  ks_destination_entry_is_sidecar   (const KsDestinationEntry  *entry);
char                     *ks_destination_derived_key        (const char                *original_hash,
                                                             gboolean                   sidecar);
void                      ks_destination_index_take         (KsDestinationIndex        *self,
                                                             KsDestinationEntry        *entry);
gboolean                  ks_destination_index_remove       (KsDestinationIndex        *self,
                                                             const char                *hash);
GPtrArray                *ks_destination_index_list         (KsDestinationIndex        *self);

KsDestinationEntry       *ks_destination_entry_new          (const char                *hash,
                                                             guint64                    size,
                                                             const char                *relative_path);
KsDestinationEntry       *ks_destination_entry_copy         (const KsDestinationEntry  *entry);
void                      ks_destination_entry_append_line  (const KsDestinationEntry  *entry,
                                                             GString                   *out);
char                     *ks_destination_index_forget_line  (const char                *hash);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsDestinationIndex, ks_destination_index_free)

G_END_DECLS
