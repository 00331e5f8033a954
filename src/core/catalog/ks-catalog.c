/* ks-catalog.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Owns the sqlite3 catalog: schema and migrations, and every read and write of it. One
 * connection guarded by a mutex, because the import job writes from worker threads. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"


G_DEFINE_FINAL_TYPE (KsCatalog, ks_catalog, G_TYPE_OBJECT)

/* Each entry moves the schema from version i to i + 1. Add v2 as a new entry, never edit
 * an existing one: catalogs in the wild are at every earlier version. */
static const char *migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE devices ("
  "  udid TEXT PRIMARY KEY,"
  "  name TEXT,"
  "  model TEXT,"
  "  first_seen INTEGER NOT NULL,"
  "  last_seen INTEGER NOT NULL);"
  "CREATE TABLE files ("
  "  hash TEXT PRIMARY KEY,"
  "  size INTEGER NOT NULL,"
  "  first_seen INTEGER NOT NULL);"
  "CREATE TABLE assets ("
  "  id INTEGER PRIMARY KEY,"
  "  primary_hash TEXT NOT NULL UNIQUE REFERENCES files(hash),"
  "  original_name TEXT,"
  "  capture_time INTEGER,"
  "  first_seen INTEGER NOT NULL);"
  "CREATE TABLE asset_files ("
  "  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
  "  hash TEXT NOT NULL REFERENCES files(hash),"
  "  role TEXT NOT NULL,"
  "  PRIMARY KEY (asset_id, hash));"
  "CREATE TABLE source_files ("
  "  source_id TEXT NOT NULL,"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  mtime INTEGER NOT NULL,"
  "  hash TEXT NOT NULL REFERENCES files(hash),"
  "  last_seen INTEGER NOT NULL,"
  "  PRIMARY KEY (source_id, path));"
  "CREATE TABLE destinations ("
  "  id TEXT PRIMARY KEY,"
  "  kind TEXT NOT NULL,"
  "  uri TEXT,"
  "  display_name TEXT,"
  "  volume_uuid TEXT,"
  "  last_seen INTEGER NOT NULL);"
  "CREATE TABLE copies ("
  "  hash TEXT NOT NULL REFERENCES files(hash),"
  "  destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,"
  "  relative_path TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  verified_at INTEGER,"
  "  PRIMARY KEY (hash, destination_id));"
  "CREATE INDEX copies_by_destination ON copies(destination_id);"
  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY,"
  "  started_at INTEGER NOT NULL,"
  "  finished_at INTEGER,"
  "  source_id TEXT,"
  "  destinations TEXT,"
  "  copied INTEGER NOT NULL DEFAULT 0,"
  "  skipped INTEGER NOT NULL DEFAULT 0,"
  "  failed INTEGER NOT NULL DEFAULT 0,"
  "  bytes INTEGER NOT NULL DEFAULT 0,"
  "  status TEXT NOT NULL,"
  "  error TEXT);",

  /* 1 → 2: who owns a running run, so one whose process died (kill -9, power cut) can
   * be told from one another process (the app and the CLI) is still doing. The start
   * time (in clock ticks since boot) guards against a recycled pid; the boot id against
   * a reboot. Runs from v1 have no owner and are judged interrupted. */
  "ALTER TABLE runs ADD COLUMN owner_pid INTEGER;"
  "ALTER TABLE runs ADD COLUMN owner_start INTEGER;"
  "ALTER TABLE runs ADD COLUMN owner_boot TEXT;"
  "CREATE INDEX runs_by_status ON runs(status);",

  /* 2 → 3: the backup plan lives here, so the window, keepsake-cli and the monitor share
   * one registry of destinations (a plan entry's id is the destination's own .keepsake/id),
   * and every run says who started it. */
  "ALTER TABLE runs ADD COLUMN origin TEXT;"
  "CREATE TABLE plan_destinations ("
  "  id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  location TEXT NOT NULL UNIQUE,"
  "  enabled INTEGER NOT NULL DEFAULT 1,"
  "  methods INTEGER NOT NULL DEFAULT 1,"
  "  create_missing INTEGER NOT NULL DEFAULT 0,"
  "  added_at INTEGER NOT NULL);"
  "CREATE TABLE plan_settings ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL);",

  /* 3 → 4: what each source held when a backup last listed all of it, so its protection
   * (which photos are only on the phone) is known without the phone. */
  "CREATE TABLE source_inventory ("
  "  source_id TEXT NOT NULL,"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  mtime INTEGER NOT NULL,"
  "  listed_at INTEGER NOT NULL,"
  "  PRIMARY KEY (source_id, path));",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == KS_CATALOG_SCHEMA_VERSION);

gboolean
_ks_catalog_set_sqlite_error (GError    **error,
                  sqlite3    *db,
                  const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "Catalog: %s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

gboolean
_ks_catalog_exec_locked (KsCatalog   *self,
             const char  *sql,
             GError     **error)
{
  char *errmsg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Catalog: %s", errmsg);
      sqlite3_free (errmsg);
      return FALSE;
    }

  return TRUE;
}

gint64
_ks_catalog_query_int64_locked (KsCatalog  *self,
                    const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return value;
}

static gboolean
migrate_locked (KsCatalog  *self,
                GError    **error)
{
  gint64 version = _ks_catalog_query_int64_locked (self, "PRAGMA user_version");

  if (version < 0)
    return _ks_catalog_set_sqlite_error (error, self->db, "reading the schema version");

  if (version > KS_CATALOG_SCHEMA_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Catalog %s was written by a newer Keepsake (schema %" G_GINT64_FORMAT ")",
                   self->path, version);
      return FALSE;
    }

  /* Each step and its version bump commit together, so a crash never leaves a half
   * migrated catalog. */
  for (gint64 v = version; v < KS_CATALOG_SCHEMA_VERSION; v++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, v + 1);

      if (!_ks_catalog_exec_locked (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!_ks_catalog_exec_locked (self, migrations[v], error) || !_ks_catalog_exec_locked (self, bump, error))
        {
          _ks_catalog_exec_locked (self, "ROLLBACK", NULL);
          return FALSE;
        }
      if (!_ks_catalog_exec_locked (self, "COMMIT", error))
        return FALSE;
    }

  return TRUE;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
ks_catalog_finalize (GObject *object)
{
  KsCatalog *self = (KsCatalog *)object;

  /* Cached statements must be finalized before the connection closes, or
   * sqlite3_close_v2 keeps it open as a zombie. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_catalog_parent_class)->finalize (object);
}

static void
ks_catalog_class_init (KsCatalogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_catalog_finalize;
}

static void
ks_catalog_init (KsCatalog *self)
{
  g_mutex_init (&self->mutex);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            finalize_statement);
}

/**
 * ks_catalog_dup_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/keepsake/catalog.db` (`keepsake-devel` in the
 *   development profile)
 */
char *
ks_catalog_dup_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), USER_DIR_NAME, "catalog.db", NULL);
}

/**
 * ks_catalog_new:
 * @path: (nullable): the database file, or %NULL for the default path
 *
 * Opens (creating if needed) and migrates the catalog. The connection uses WAL and
 * foreign keys; a run killed with -9 leaves a WAL that sqlite replays on the next open.
 *
 * Returns: (transfer full): the catalog, or %NULL with @error set
 */
KsCatalog *
ks_catalog_new (const char  *path,
                GError     **error)
{
  g_autoptr(KsCatalog) self = g_object_new (KS_TYPE_CATALOG, NULL);
  g_autofree char *dir = NULL;
  gboolean ok;

  self->path = path ? g_strdup (path) : ks_catalog_dup_default_path ();
  dir = g_path_get_dirname (self->path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot create %s: %s", dir, g_strerror (errsv));
      return NULL;
    }

  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                       NULL) != SQLITE_OK)
    {
      _ks_catalog_set_sqlite_error (error, self->db, self->path);
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 5000);

  g_mutex_lock (&self->mutex);
  ok = _ks_catalog_exec_locked (self,
                    "PRAGMA journal_mode = WAL;"
                    "PRAGMA synchronous = NORMAL;"
                    "PRAGMA foreign_keys = ON;"
                    /* A library of 50,000 photos makes a catalog of tens of MB: keep the
                     * pages the summaries scan in memory rather than read them again. */
                    "PRAGMA cache_size = -16384;",
                    error)
       && migrate_locked (self, error);
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return NULL;

  return g_steal_pointer (&self);
}

static void
new_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;
  KsCatalog *catalog = ks_catalog_new (task_data, &error);

  if (catalog == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, catalog, g_object_unref);
}

/**
 * ks_catalog_new_async:
 * @path: (nullable): as for ks_catalog_new()
 *
 * Opens and migrates the catalog on a worker, so that a window never waits for the disk
 * (or for another process's lock on the database).
 */
void
ks_catalog_new_async (const char          *path,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, ks_catalog_new_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, new_thread);
}

/**
 * ks_catalog_new_finish:
 *
 * Returns: (transfer full): the catalog, or %NULL with @error set
 */
KsCatalog *
ks_catalog_new_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
ks_catalog_get_path (KsCatalog *self)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  return self->path;
}

/* A tiny binder so each statement reads as one call: "s" text, "i" int64, "n" null-able text. */
sqlite3_stmt *
_ks_catalog_prepare_locked (KsCatalog   *self,
                const char  *sql,
                const char  *types,
                va_list      args)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        {
          /* The callers report it: writes as their GError, reads as "no value". */
          g_debug ("Catalog: cannot prepare %s: %s", sql, sqlite3_errmsg (self->db));
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_hash_table_insert (self->statements, g_strdup (sql), stmt);
    }

  for (int i = 0; types[i]; i++)
    {
      switch (types[i])
        {
        case 's':
          {
            const char *s = va_arg (args, const char *);
            if (s != NULL)
              sqlite3_bind_text (stmt, i + 1, s, -1, SQLITE_TRANSIENT);
            else
              sqlite3_bind_null (stmt, i + 1);
          }
          break;

        case 'i':
          sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
          break;

        default:
          g_assert_not_reached ();
        }
    }

  return stmt;
}

/* Hands a statement from _ks_catalog_prepare_locked() back to the cache: reset so it holds no read
 * transaction open (a pending SELECT would stop WAL checkpoints), and its bindings cleared
 * so no text of this call lingers into the next. */
void
_ks_catalog_release_locked (sqlite3_stmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

gboolean
_ks_catalog_run_statement (KsCatalog   *self,
               GError     **error,
               const char  *sql,
               const char  *types,
               ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  gboolean ok;

  g_mutex_lock (&self->mutex);
  va_start (args, types);
  stmt = _ks_catalog_prepare_locked (self, sql, types, args);
  va_end (args);

  if (stmt == NULL)
    ok = _ks_catalog_set_sqlite_error (error, self->db, "prepare");
  else if (sqlite3_step (stmt) != SQLITE_DONE)
    ok = _ks_catalog_set_sqlite_error (error, self->db, "write");
  else
    ok = TRUE;

  _ks_catalog_release_locked (stmt);
  g_mutex_unlock (&self->mutex);

  return ok;
}

char *
_ks_catalog_query_text (KsCatalog  *self,
            const char *sql,
            const char *types,
            ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  char *value = NULL;

  g_mutex_lock (&self->mutex);
  va_start (args, types);
  stmt = _ks_catalog_prepare_locked (self, sql, types, args);
  va_end (args);

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));

  _ks_catalog_release_locked (stmt);
  g_mutex_unlock (&self->mutex);

  return value;
}

gboolean
ks_catalog_record_device (KsCatalog   *self,
                          const char  *udid,
                          const char  *name,
                          const char  *model,
                          GError     **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (udid != NULL, FALSE);

  return _ks_catalog_run_statement (self, error,
                        "INSERT INTO devices (udid, name, model, first_seen, last_seen)"
                        " VALUES (?1, ?2, ?3, ?4, ?4)"
                        " ON CONFLICT (udid) DO UPDATE SET"
                        "  name = coalesce(excluded.name, name),"
                        "  model = coalesce(excluded.model, model),"
                        "  last_seen = excluded.last_seen",
                        "sssi", udid, name, model, now);
}

gboolean
ks_catalog_record_file (KsCatalog   *self,
                        const char  *hash,
                        guint64      size,
                        GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  return _ks_catalog_run_statement (self, error,
                        "INSERT OR IGNORE INTO files (hash, size, first_seen) VALUES (?1, ?2, ?3)",
                        "sii", hash, (gint64)size, g_get_real_time () / G_USEC_PER_SEC);
}

/**
 * ks_catalog_lookup_source_file:
 *
 * The fast path: a file at @path in @source_id with the same size and mtime as when it
 * was last hashed is taken to have the same content, so it is not read again to plan.
 *
 * Returns: (transfer full) (nullable): the known hash
 */
char *
ks_catalog_lookup_source_file (KsCatalog  *self,
                               const char *source_id,
                               const char *path,
                               guint64     size,
                               gint64      mtime)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  return _ks_catalog_query_text (self,
                     "SELECT hash FROM source_files"
                     " WHERE source_id = ?1 AND path = ?2 AND size = ?3 AND mtime = ?4",
                     "ssii", source_id, path, (gint64)size, mtime);
}

gboolean
ks_catalog_record_source_file (KsCatalog   *self,
                               const char  *source_id,
                               const char  *path,
                               guint64      size,
                               gint64       mtime,
                               const char  *hash,
                               GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);

  if (!ks_catalog_record_file (self, hash, size, error))
    return FALSE;

  return _ks_catalog_run_statement (self, error,
                        "INSERT INTO source_files (source_id, path, size, mtime, hash, last_seen)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                        " ON CONFLICT (source_id, path) DO UPDATE SET"
                        "  size = excluded.size, mtime = excluded.mtime,"
                        "  hash = excluded.hash, last_seen = excluded.last_seen",
                        "ssiisi", source_id, path, (gint64)size, mtime, hash,
                        g_get_real_time () / G_USEC_PER_SEC);
}

/**
 * ks_catalog_record_asset:
 * @primary_hash: content hash of the asset's primary file (the asset's identity)
 * @file_hash: a file of the asset (the primary itself, or a companion)
 * @role: "primary", "live-video", "edited", "sidecar", …
 *
 * Groups @file_hash under the asset identified by @primary_hash, creating the asset.
 */
gboolean
ks_catalog_record_asset (KsCatalog   *self,
                         const char  *primary_hash,
                         const char  *original_name,
                         gint64       capture_time,
                         const char  *file_hash,
                         const char  *role,
                         GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (primary_hash != NULL && file_hash != NULL && role != NULL, FALSE);

  if (!_ks_catalog_run_statement (self, error,
                      "INSERT OR IGNORE INTO assets (primary_hash, original_name, capture_time, first_seen)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      "ssii", primary_hash, original_name, capture_time,
                      g_get_real_time () / G_USEC_PER_SEC))
    return FALSE;

  return _ks_catalog_run_statement (self, error,
                        "INSERT OR IGNORE INTO asset_files (asset_id, hash, role)"
                        " SELECT id, ?2, ?3 FROM assets WHERE primary_hash = ?1",
                        "sss", primary_hash, file_hash, role);
}

gboolean
ks_catalog_record_destination (KsCatalog   *self,
                               const char  *id,
                               const char  *kind,
                               const char  *uri,
                               const char  *display_name,
                               const char  *volume_uuid,
                               GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (id != NULL && kind != NULL, FALSE);

  return _ks_catalog_run_statement (self, error,
                        "INSERT INTO destinations (id, kind, uri, display_name, volume_uuid, last_seen)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                        " ON CONFLICT (id) DO UPDATE SET"
                        "  kind = excluded.kind, uri = excluded.uri,"
                        "  display_name = excluded.display_name,"
                        "  volume_uuid = coalesce(excluded.volume_uuid, volume_uuid),"
                        "  last_seen = excluded.last_seen",
                        "sssssi", id, kind, uri, display_name, volume_uuid,
                        g_get_real_time () / G_USEC_PER_SEC);
}

/**
 * ks_catalog_lookup_copy:
 *
 * Returns: (transfer full) (nullable): where @destination_id holds @hash, relative to its root
 */
char *
ks_catalog_lookup_copy (KsCatalog  *self,
                        const char *hash,
                        const char *destination_id)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  return _ks_catalog_query_text (self,
                     "SELECT relative_path FROM copies WHERE hash = ?1 AND destination_id = ?2",
                     "ss", hash, destination_id);
}

gboolean
ks_catalog_record_copy (KsCatalog   *self,
                        const char  *hash,
                        guint64      size,
                        const char  *destination_id,
                        const char  *relative_path,
                        gint64       verified_at,
                        GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);

  if (!ks_catalog_record_file (self, hash, size, error))
    return FALSE;

  return _ks_catalog_run_statement (self, error,
                        "INSERT INTO copies (hash, destination_id, relative_path, size, verified_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)"
                        " ON CONFLICT (hash, destination_id) DO UPDATE SET"
                        "  relative_path = excluded.relative_path, size = excluded.size,"
                        "  verified_at = excluded.verified_at",
                        "sssii", hash, destination_id, relative_path, (gint64)size, verified_at);
}

gboolean
ks_catalog_forget_copy (KsCatalog   *self,
                        const char  *hash,
                        const char  *destination_id,
                        GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);

  return _ks_catalog_run_statement (self, error,
                        "DELETE FROM copies WHERE hash = ?1 AND destination_id = ?2",
                        "ss", hash, destination_id);
}

guint
ks_catalog_count_copies (KsCatalog  *self,
                         const char *destination_id)
{
  g_autofree char *count = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), 0);

  count = _ks_catalog_query_text (self, "SELECT count(*) FROM copies WHERE destination_id = ?1",
                      "s", destination_id);

  return count ? (guint)g_ascii_strtoull (count, NULL, 10) : 0;
}

gint64
_ks_catalog_query_int64 (KsCatalog  *self,
                         const char *sql)
{
  gint64 value;

  g_return_val_if_fail (KS_IS_CATALOG (self), -1);

  g_mutex_lock (&self->mutex);
  value = _ks_catalog_query_int64_locked (self, sql);
  g_mutex_unlock (&self->mutex);

  return value;
}

/* ---- reading for front ends ---- */

void
ks_catalog_device_free (KsCatalogDevice *device)
{
  if (device == NULL)
    return;

  g_free (device->udid);
  g_free (device->name);
  g_free (device->model);
  g_free (device);
}

/**
 * ks_catalog_list_devices:
 *
 * Returns: (transfer full) (element-type KsCatalogDevice): every device ever seen, the
 *   most recently seen first
 */
GPtrArray *
ks_catalog_list_devices (KsCatalog *self)
{
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_catalog_device_free);
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), devices);

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT udid, name, model, first_seen, last_seen FROM devices"
                          " ORDER BY last_seen DESC, udid",
                          -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        KsCatalogDevice *device = g_new0 (KsCatalogDevice, 1);

        device->udid = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
        device->name = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
        device->model = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
        device->first_seen = sqlite3_column_int64 (stmt, 3);
        device->last_seen = sqlite3_column_int64 (stmt, 4);
        g_ptr_array_add (devices, device);
      }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  return devices;
}

void
ks_catalog_destination_free (KsCatalogDestination *destination)
{
  if (destination == NULL)
    return;

  g_free (destination->id);
  g_free (destination->kind);
  g_free (destination->uri);
  g_free (destination->display_name);
  g_free (destination->volume_uuid);
  g_free (destination);
}

/**
 * ks_catalog_list_destinations:
 *
 * Each destination with how many copies the catalog knows it holds and their bytes.
 *
 * Returns: (transfer full) (element-type KsCatalogDestination): every destination ever
 *   used, the most recently used first
 */
GPtrArray *
ks_catalog_list_destinations (KsCatalog *self)
{
  GPtrArray *destinations = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_catalog_destination_free);
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), destinations);

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT d.id, d.kind, d.uri, d.display_name, d.volume_uuid, d.last_seen,"
                          "       count(c.hash), coalesce(sum(c.size), 0)"
                          " FROM destinations d LEFT JOIN copies c ON c.destination_id = d.id"
                          " GROUP BY d.id ORDER BY d.last_seen DESC, d.id",
                          -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        KsCatalogDestination *destination = g_new0 (KsCatalogDestination, 1);

        destination->id = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
        destination->kind = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
        destination->uri = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
        destination->display_name = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
        destination->volume_uuid = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
        destination->last_seen = sqlite3_column_int64 (stmt, 5);
        destination->n_copies = sqlite3_column_int64 (stmt, 6);
        destination->bytes = sqlite3_column_int64 (stmt, 7);
        g_ptr_array_add (destinations, destination);
      }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  return destinations;
}

void
ks_catalog_summary_free (KsCatalogSummary *summary)
{
  if (summary == NULL)
    return;

  g_clear_pointer (&summary->destinations, g_ptr_array_unref);
  g_clear_pointer (&summary->last_run, ks_catalog_run_free);
  g_free (summary);
}

/**
 * ks_catalog_get_summary:
 *
 * What the catalog knows in one call, for a status page: counts, each destination with
 * its copies, and the last run (after marking interrupted the runs whose process died).
 *
 * Returns: (transfer full): the summary; free with ks_catalog_summary_free()
 */
KsCatalogSummary *
ks_catalog_get_summary (KsCatalog *self)
{
  KsCatalogSummary *summary = g_new0 (KsCatalogSummary, 1);
  g_autoptr(GPtrArray) last = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), summary);

  g_mutex_lock (&self->mutex);
  summary->n_files = MAX (0, _ks_catalog_query_int64_locked (self, "SELECT count(*) FROM files"));
  summary->n_assets = MAX (0, _ks_catalog_query_int64_locked (self, "SELECT count(*) FROM assets"));
  summary->n_copies = MAX (0, _ks_catalog_query_int64_locked (self, "SELECT count(*) FROM copies"));
  summary->bytes_copied = MAX (0, _ks_catalog_query_int64_locked (self, "SELECT coalesce(sum(size), 0) FROM copies"));
  summary->n_devices = MAX (0, _ks_catalog_query_int64_locked (self, "SELECT count(*) FROM devices"));
  summary->n_runs = MAX (0, _ks_catalog_query_int64_locked (self, "SELECT count(*) FROM runs"));
  summary->n_backed_up = MAX (0, _ks_catalog_query_int64_locked (self,
                                                     "SELECT count(DISTINCT hash) FROM copies"));
  g_mutex_unlock (&self->mutex);

  summary->destinations = ks_catalog_list_destinations (self);

  /* Marks the runs whose process died as interrupted before reading the newest. */
  last = ks_catalog_list_recent_runs (self, 1);
  if (last->len > 0)
    summary->last_run = g_ptr_array_steal_index (last, 0);

  return summary;
}

void
ks_catalog_source_file_free (KsCatalogSourceFile *file)
{
  if (file == NULL)
    return;

  g_free (file->path);
  g_free (file->hash);
  g_free (file);
}

/**
 * ks_catalog_list_source_files:
 * @source_id: the source (a device's UDID-based id, or a folder source's id)
 * @destination_ids: (nullable) (array zero-terminated=1): count only copies on these
 *   destinations, or %NULL for copies anywhere
 *
 * The bulk form of ks_catalog_lookup_source_file() for the grid's badges: one query for
 * every file of @source_id the catalog has hashed, each with its content hash and how
 * many of the chosen destinations hold a copy of that content. A caller compares each
 * entry's size and mtime with the file it has now: if either differs, the entry says
 * nothing about the file (it was replaced since).
 *
 * Returns: (transfer full) (element-type utf8 KsCatalogSourceFile): path → entry
 */
GHashTable *
ks_catalog_list_source_files (KsCatalog          *self,
                              const char         *source_id,
                              const char * const *destination_ids)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify)ks_catalog_source_file_free);
  g_autoptr(GString) sql = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  guint n_ids = destination_ids ? g_strv_length ((char **)destination_ids) : 0;

  g_return_val_if_fail (KS_IS_CATALOG (self), files);
  g_return_val_if_fail (source_id != NULL, files);

  g_string_append (sql,
                   "SELECT s.path, s.size, s.mtime, s.hash,"
                   " (SELECT count(*) FROM copies c WHERE c.hash = s.hash");
  if (destination_ids != NULL)
    {
      g_string_append (sql, " AND c.destination_id IN (");
      for (guint i = 0; i < n_ids; i++)
        g_string_append_printf (sql, "%s?%u", i ? ", " : "", i + 2);
      g_string_append (sql, ")");
    }
  g_string_append (sql, ") FROM source_files s WHERE s.source_id = ?1");

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db, sql->str, -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_TRANSIENT);
      for (guint i = 0; i < n_ids; i++)
        sqlite3_bind_text (stmt, i + 2, destination_ids[i], -1, SQLITE_TRANSIENT);

      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          KsCatalogSourceFile *file = g_new0 (KsCatalogSourceFile, 1);

          file->path = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
          file->size = sqlite3_column_int64 (stmt, 1);
          file->mtime = sqlite3_column_int64 (stmt, 2);
          file->hash = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
          file->n_copies = sqlite3_column_int64 (stmt, 4);
          if (file->path == NULL)
            ks_catalog_source_file_free (file);
          else
            g_hash_table_replace (files, file->path, file);
        }
    }
  else
    /* Without the catalog's rows the import hashes what it reads and asks the destinations'
     * own indexes: slower, never wrong. */
    g_message ("Catalog: cannot read the source's files: %s", sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  return files;
}
