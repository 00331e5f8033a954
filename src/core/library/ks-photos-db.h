/* ks-photos-db.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsPhotosDb: what the phone's Photos app knows, read from a private copy of
 * /PhotoData/Photos.sqlite (+ -wal): per asset its file, flags and albums, the user's albums
 * with their folders, and the originals that are only in iCloud. The file comes from a device:
 * it is opened defensively (no triggers, views, extensions or writes; bounded work) and its
 * tables and columns are found by name, so iOS 13 to 18 read alike. Immutable once read: any
 * thread may ask it. */

#pragma once

#include <gio/gio.h>

#include "ks-afc-pool.h"
#include "ks-types.h"

G_BEGIN_DECLS

#define KS_PHOTOS_DB_ERROR (ks_photos_db_error_quark ())

typedef enum
{
  KS_PHOTOS_DB_ERROR_MISSING,   /* the phone has no Photos.sqlite */
  KS_PHOTOS_DB_ERROR_UNREADABLE,/* not a database, damaged, or too big */
  KS_PHOTOS_DB_ERROR_SCHEMA,    /* a database, but not one we know */
  KS_PHOTOS_DB_ERROR_LIMIT,     /* reading it took more work than any real library needs */
} KsPhotosDbError;

GQuark ks_photos_db_error_quark (void);

/**
 * KsPhotosDbAsset:
 * @path: the original's path relative to the phone's media root, e.g.
 *   "DCIM/100APPLE/IMG_0001.HEIC" or "PhotoData/CPLAssets/group3/<UUID>.JPG"
 * @original_name: (nullable): the name it had when made (CPLAssets files are UUID-named)
 * @capture_time: unix seconds (UTC), 0 if unknown
 * @trashed_time: when it went to Recently Deleted, unix seconds; 0 if not trashed
 * @size: the original's size in bytes as the database says (0 if unknown)
 * @albums: (array zero-terminated=1): the user albums it is in, as paths ("Trips/Italy")
 */
typedef struct
{
  char          *path;
  char          *original_name;
  gint64         capture_time;
  gint64         trashed_time;
  guint64        size;
  KsAssetFlags   flags;
  const char   **albums;
} KsPhotosDbAsset;

/**
 * KsPhotosDbAlbum:
 * @path: folder titles and the album's title joined by '/' ("Trips/Summer/Beach"); a
 *   '/' inside a title is kept as is
 * @title: the album's own title
 * @depth: number of folders above it
 * @count: assets shown in it (not in Recently Deleted, not hidden)
 */
typedef struct
{
  char  *path;
  char  *title;
  guint  depth;
  guint  count;
} KsPhotosDbAlbum;

#define KS_TYPE_PHOTOS_DB (ks_photos_db_get_type ())
G_DECLARE_FINAL_TYPE (KsPhotosDb, ks_photos_db, KS, PHOTOS_DB, GObject)

/* Reads the database at @path (a private copy; its -wal beside it). Blocking. */
KsPhotosDb            *ks_photos_db_open            (const char       *path,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Copies /PhotoData/Photos.sqlite, -wal and -shm from the phone into @cache_dir unless the
 * copy there is still the phone's (same sizes and times), and returns the path of the copy.
 * Blocking. */
char                  *ks_photos_db_fetch           (KsAfcPool        *pool,
                                                     const char       *cache_dir,
                                                     gboolean         *out_changed,
                                                     GCancellable     *cancellable,
                                                     GError          **error);

guint                  ks_photos_db_get_n_assets    (KsPhotosDb       *self);
const KsPhotosDbAsset *ks_photos_db_get_asset       (KsPhotosDb       *self,
                                                     guint             index);
/* @path relative to the media root, as in KsPhotosDbAsset. */
const KsPhotosDbAsset *ks_photos_db_lookup          (KsPhotosDb       *self,
                                                     const char       *path);
guint                  ks_photos_db_get_n_albums    (KsPhotosDb       *self);
/* Ordered by path. */
const KsPhotosDbAlbum *ks_photos_db_get_album       (KsPhotosDb       *self,
                                                     guint             index);
/* Originals only in iCloud ("Optimize iPhone Storage"), and their bytes. */
guint                  ks_photos_db_get_icloud_only (KsPhotosDb       *self,
                                                     guint64          *out_bytes);
/* What was found, for the log: "ZASSET, albums in Z_28ASSETS". */
const char            *ks_photos_db_get_schema      (KsPhotosDb       *self);

G_END_DECLS
