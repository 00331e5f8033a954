/* ks-destination-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The base class's state, shared by its own files (ks-destination.c, ks-destination-info.c,
 * ks-destination-views.c); and for tests: make the index fail as a failing disk would. */

#pragma once

#include "ks-destination.h"
#include "ks-destination-index.h"

G_BEGIN_DECLS

typedef struct
{
  char               *id;
  gboolean            is_open;

  /* Guards everything below; lookups come from other threads than commits. */
  GMutex              mutex;
  KsDestinationIndex *index;

  /* Named and verified, but their names and index lines are not durable until sync:
   * hash → KsDestinationEntry (derived files: their derived key → entry, in staged_derived),
   * and the folders to sync (relative paths, as a set). */
  GHashTable         *staged;
  GHashTable         *staged_derived;
  GPtrArray          *staged_order; /* the entries, in staging order, for the index lines */
  GHashTable         *staged_dirs;
  GPtrArray          *staged_infos; /* KsPhotoInfo, recorded at the next sync */
  int                 fail_next_sync; /* tests: an errno for the next index write */
  int                 album_links;    /* tests: 1 + the KsAlbumLinks to use, 0 to probe */
} KsDestinationPrivate;

#define KS_DESTINATION_CLASS_OF(self) KS_DESTINATION_GET_CLASS (self)

KsDestinationPrivate *_ks_destination_get_private        (KsDestination       *self);
gboolean              _ks_destination_is_open            (KsDestination       *self);
gboolean              _ks_destination_set_not_open_error (KsDestination       *self,
                                                          GError             **error);
KsDestinationEntry   *_ks_destination_dup_derived        (KsDestination       *self,
                                                          const char          *key);
gboolean              _ks_destination_record_derived     (KsDestination       *self,
                                                          KsDestinationEntry  *entry,
                                                          GError             **error);

/* Album folders are made with @links as if the file system allowed nothing better. */
void _ks_destination_force_album_links (KsDestination *self,
                                        KsAlbumLinks   links);

/* The next sync's index write fails with @errsv. */
void _ks_destination_fail_next_sync (KsDestination *self,
                                     int            errsv);

G_END_DECLS
