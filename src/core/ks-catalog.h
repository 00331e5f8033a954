/* ks-catalog.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The app's memory: which contents (by SHA-256) exist, where each is copied, which source
 * files were already hashed, which devices and destinations were seen, and every run. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_CATALOG (ks_catalog_get_type ())

G_DECLARE_FINAL_TYPE (KsCatalog, ks_catalog, KS, CATALOG, GObject)

/* Current schema version (PRAGMA user_version). */
#define KS_CATALOG_SCHEMA_VERSION 1

typedef struct
{
  gint64  id;
  gint64  started_at;        /* unix seconds */
  gint64  finished_at;       /* 0 while running */
  char   *source_id;
  char   *destinations;      /* destination ids, space separated */
  guint   copied;
  guint   skipped;
  guint   failed;
  guint64 bytes;
  char   *status;            /* "running", "completed", "failed", "cancelled" */
  char   *error;             /* first stopping error, or NULL */
} KsCatalogRun;

void          ks_catalog_run_free            (KsCatalogRun  *run);

KsCatalog    *ks_catalog_new                 (const char    *path,
                                              GError       **error);
char         *ks_catalog_dup_default_path    (void);
const char   *ks_catalog_get_path            (KsCatalog     *self);

/* Devices */
gboolean      ks_catalog_record_device       (KsCatalog     *self,
                                              const char    *udid,
                                              const char    *name,
                                              const char    *model,
                                              GError       **error);

/* Content and the fast path from (source, path, size, mtime) to a known hash */
gboolean      ks_catalog_record_file         (KsCatalog     *self,
                                              const char    *hash,
                                              guint64        size,
                                              GError       **error);
char         *ks_catalog_lookup_source_file  (KsCatalog     *self,
                                              const char    *source_id,
                                              const char    *path,
                                              guint64        size,
                                              gint64         mtime);
gboolean      ks_catalog_record_source_file  (KsCatalog     *self,
                                              const char    *source_id,
                                              const char    *path,
                                              guint64        size,
                                              gint64         mtime,
                                              const char    *hash,
                                              GError       **error);
gboolean      ks_catalog_record_asset        (KsCatalog     *self,
                                              const char    *primary_hash,
                                              const char    *original_name,
                                              gint64         capture_time,
                                              const char    *file_hash,
                                              const char    *role,
                                              GError       **error);

/* Destinations and copies */
gboolean      ks_catalog_record_destination  (KsCatalog     *self,
                                              const char    *id,
                                              const char    *kind,
                                              const char    *uri,
                                              const char    *display_name,
                                              const char    *volume_uuid,
                                              GError       **error);
char         *ks_catalog_lookup_copy         (KsCatalog     *self,
                                              const char    *hash,
                                              const char    *destination_id);
gboolean      ks_catalog_record_copy         (KsCatalog     *self,
                                              const char    *hash,
                                              guint64        size,
                                              const char    *destination_id,
                                              const char    *relative_path,
                                              gint64         verified_at,
                                              GError       **error);
gboolean      ks_catalog_forget_copy         (KsCatalog     *self,
                                              const char    *hash,
                                              const char    *destination_id,
                                              GError       **error);
guint         ks_catalog_count_copies        (KsCatalog     *self,
                                              const char    *destination_id);

/* Runs */
gint64        ks_catalog_begin_run           (KsCatalog     *self,
                                              const char    *source_id,
                                              const char    *destinations,
                                              GError       **error);
gboolean      ks_catalog_finish_run          (KsCatalog     *self,
                                              gint64         run_id,
                                              guint          copied,
                                              guint          skipped,
                                              guint          failed,
                                              guint64        bytes,
                                              const char    *status,
                                              const char    *error_message,
                                              GError       **error);
KsCatalogRun *ks_catalog_dup_run             (KsCatalog     *self,
                                              gint64         run_id);
GPtrArray    *ks_catalog_list_runs           (KsCatalog     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogRun, ks_catalog_run_free)

G_END_DECLS
