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
#define KS_CATALOG_SCHEMA_VERSION 4

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
  char   *status;            /* "running", "completed", "completed-with-errors", "failed",
                              * "cancelled", or "interrupted" (its process died mid-run) */
  char   *error;             /* first stopping error, or NULL */
  char   *origin;            /* who started it: "window", "cli", "monitor", or NULL */
} KsCatalogRun;

void          ks_catalog_run_free            (KsCatalogRun  *run);

/* A device as the catalog remembers it (times are unix seconds). */
typedef struct
{
  char   *udid;
  char   *name;
  char   *model;
  gint64  first_seen;
  gint64  last_seen;
} KsCatalogDevice;

void          ks_catalog_device_free         (KsCatalogDevice *device);

/* A destination with the copies the catalog knows it holds. */
typedef struct
{
  char    *id;
  char    *kind;             /* "folder" */
  char    *uri;
  char    *display_name;
  char    *volume_uuid;
  gint64   last_seen;
  guint64  n_copies;
  guint64  bytes;            /* sum of the copies' sizes */
} KsCatalogDestination;

void          ks_catalog_destination_free    (KsCatalogDestination *destination);

/* Everything a status page shows, from one call. */
typedef struct
{
  guint64       n_files;         /* distinct contents ever hashed */
  guint64       n_assets;        /* photos and videos (a Live Photo counts once) */
  guint64       n_backed_up;     /* distinct contents with at least one copy */
  guint64       n_copies;        /* copies over all destinations */
  guint64       bytes_copied;    /* their total size */
  guint64       n_devices;
  guint64       n_runs;
  GPtrArray    *destinations;    /* (element-type KsCatalogDestination) as from list_destinations */
  KsCatalogRun *last_run;        /* (nullable) the newest run */
} KsCatalogSummary;

void          ks_catalog_summary_free        (KsCatalogSummary *summary);

/* One entry of the backup plan as stored (see KsBackupPlan, which owns the meaning). */
typedef struct
{
  char    *id;
  char    *name;
  char    *kind;
  char    *location;
  gboolean enabled;
  guint    methods;
  gboolean create_missing;
  gint64   added_at;
} KsCatalogPlanEntry;

void          ks_catalog_plan_entry_free     (KsCatalogPlanEntry *entry);

/* A file of a source the catalog has hashed, with how many copies of its content exist. */
typedef struct
{
  char    *path;
  guint64  size;
  gint64   mtime;
  char    *hash;
  guint    n_copies;
} KsCatalogSourceFile;

void          ks_catalog_source_file_free    (KsCatalogSourceFile *file);

KsCatalog    *ks_catalog_new                 (const char    *path,
                                              GError       **error);
void          ks_catalog_new_async           (const char    *path,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
KsCatalog    *ks_catalog_new_finish          (GAsyncResult  *result,
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
GPtrArray    *ks_catalog_list_recent_runs    (KsCatalog     *self,
                                              guint          max_runs);
guint         ks_catalog_reap_runs           (KsCatalog     *self);
gboolean      ks_catalog_set_run_origin      (KsCatalog     *self,
                                              gint64         run_id,
                                              const char    *origin,
                                              GError       **error);
GHashTable   *ks_catalog_dup_last_successes  (KsCatalog     *self,
                                              const char    *destination_id);

/* The backup plan's storage */
GPtrArray    *ks_catalog_list_plan_entries   (KsCatalog     *self,
                                              GError       **error);
gboolean      ks_catalog_save_plan_entry     (KsCatalog     *self,
                                              const KsCatalogPlanEntry *entry,
                                              GError       **error);
gboolean      ks_catalog_delete_plan_entry   (KsCatalog     *self,
                                              const char    *id,
                                              GError       **error);
char         *ks_catalog_dup_plan_setting    (KsCatalog     *self,
                                              const char    *key);
gboolean      ks_catalog_set_plan_setting    (KsCatalog     *self,
                                              const char    *key,
                                              const char    *value,
                                              GError       **error);
gboolean      ks_catalog_unset_plan_setting  (KsCatalog     *self,
                                              const char    *key,
                                              GError       **error);

/* Reading for front ends (the app's status, keepsake-cli status): never query the
 * catalog's sqlite directly, its schema moves with migrations. */
gboolean      ks_catalog_replace_inventory   (KsCatalog          *self,
                                              const char         *source_id,
                                              GPtrArray          *files,
                                              GError            **error);
GArray       *ks_catalog_dup_inventory_holders (KsCatalog        *self,
                                                const char       *source_id,
                                                const char * const *destination_ids,
                                                gint64           *out_listed_at,
                                                GPtrArray       **out_paths);
GArray       *ks_catalog_dup_holders         (KsCatalog          *self,
                                              const char         *source_id,
                                              GPtrArray          *files,
                                              const char * const *destination_ids);
GPtrArray    *ks_catalog_list_devices        (KsCatalog     *self);
GPtrArray    *ks_catalog_list_destinations   (KsCatalog     *self);
KsCatalogSummary *ks_catalog_get_summary     (KsCatalog     *self);
GHashTable   *ks_catalog_list_source_files   (KsCatalog          *self,
                                              const char         *source_id,
                                              const char * const *destination_ids);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogRun, ks_catalog_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogDevice, ks_catalog_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogDestination, ks_catalog_destination_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogSummary, ks_catalog_summary_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogSourceFile, ks_catalog_source_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCatalogPlanEntry, ks_catalog_plan_entry_free)

G_END_DECLS
