/* ks-catalog-inventory.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What a source held the last time a backup listed all of it: the primary file of each of its
 * assets (path, size, mtime). With the source files' hashes and the copies, it tells, without
 * the phone, which of its photos are only on it — the 3-2-1 protection of `keepsake-cli status`
 * and of the monitor's reminders. */

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"

/**
 * ks_catalog_replace_inventory:
 * @source_id: the source listed
 * @files: (element-type KsCatalogSourceFile): each asset's primary file (hashes are ignored)
 *
 * Replaces what the catalog knows @source_id holds, in one transaction.
 */
gboolean
ks_catalog_replace_inventory (KsCatalog   *self,
                              const char  *source_id,
                              GPtrArray   *files,
                              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok = FALSE;

  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (source_id != NULL && files != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  if (!_ks_catalog_exec_locked (self, "BEGIN IMMEDIATE", error))
    goto out;

  if (sqlite3_prepare_v2 (self->db, "DELETE FROM source_inventory WHERE source_id = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO source_inventory (source_id, path, size, mtime, listed_at)"
                          " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  for (guint i = 0; i < files->len; i++)
    {
      KsCatalogSourceFile *file = g_ptr_array_index (files, i);

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, file->path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, file->size);
      sqlite3_bind_int64 (stmt, 4, file->mtime);
      sqlite3_bind_int64 (stmt, 5, now);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  ok = _ks_catalog_exec_locked (self, "COMMIT", error);
  if (!ok)
    _ks_catalog_exec_locked (self, "ROLLBACK", NULL);
  goto out;

fail:
  _ks_catalog_set_sqlite_error (error, self->db, "Could not record the source's inventory");
  g_clear_pointer (&stmt, sqlite3_finalize);
  _ks_catalog_exec_locked (self, "ROLLBACK", NULL);

out:
  g_mutex_unlock (&self->mutex);
  return ok;
}

typedef struct
{
  char    *hash;
  guint64  size;
  gint64   mtime;
} Hashed;

static void
hashed_free (gpointer data)
{
  Hashed *hashed = data;

  g_free (hashed->hash);
  g_free (hashed);
}

/* Three scans joined here rather than a lookup per asset: a library of 50,000 photos is summed
 * up in a fraction of the time index seeks on 64-character hashes take. The first two: which
 * of @destination_ids hold each content (hash → guint64 *), and each of @source_id's hashed
 * files (path → Hashed *). */
static void
scan_copies_and_files_locked (KsCatalog           *self,
                              const char          *source_id,
                              const char * const  *destination_ids,
                              guint                n_ids,
                              GHashTable         **out_by_hash,
                              GHashTable         **out_by_path)
{
  GHashTable *by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTable *by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, hashed_free);
  g_autoptr(GString) sql = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_string_append (sql, "SELECT hash, destination_id FROM copies WHERE destination_id IN (");
  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (sql, "%s?%u", i ? ", " : "", i + 1);
  g_string_append (sql, ")");
  if (n_ids > 0 && sqlite3_prepare_v2 (self->db, sql->str, -1, &stmt, NULL) == SQLITE_OK)
    {
      for (guint i = 0; i < n_ids; i++)
        sqlite3_bind_text (stmt, i + 1, destination_ids[i], -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *hash = (const char *)sqlite3_column_text (stmt, 0);
          const char *id = (const char *)sqlite3_column_text (stmt, 1);
          guint64 *set;

          if (hash == NULL || id == NULL)
            continue;
          if ((set = g_hash_table_lookup (by_hash, hash)) == NULL)
            {
              set = g_new0 (guint64, 1);
              g_hash_table_insert (by_hash, g_strdup (hash), set);
            }
          for (guint i = 0; i < n_ids; i++)
            if (strcmp (destination_ids[i], id) == 0)
              *set |= G_GUINT64_CONSTANT (1) << i;
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT path, hash, size, mtime FROM source_files WHERE source_id = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *path = (const char *)sqlite3_column_text (stmt, 0);
          const char *hash = (const char *)sqlite3_column_text (stmt, 1);
          Hashed *hashed;

          if (path == NULL || hash == NULL)
            continue;
          hashed = g_new0 (Hashed, 1);
          hashed->hash = g_strdup (hash);
          hashed->size = sqlite3_column_int64 (stmt, 2);
          hashed->mtime = sqlite3_column_int64 (stmt, 3);
          g_hash_table_replace (by_path, g_strdup (path), hashed);
        }
    }
  else
    g_message ("Catalog: cannot read the source's files: %s", sqlite3_errmsg (self->db));
  g_clear_pointer (&stmt, sqlite3_finalize);

  *out_by_hash = by_hash;
  *out_by_path = by_path;
}

/* Only a file whose size and mtime are as the catalog hashed them vouches for its hash (as
 * for ks_catalog_lookup_source_file()). */
static guint64
holders_of (GHashTable *by_hash,
            GHashTable *by_path,
            const char *path,
            guint64     size,
            gint64      mtime)
{
  const Hashed *hashed = path ? g_hash_table_lookup (by_path, path) : NULL;
  const guint64 *set;

  if (hashed == NULL || hashed->size != size || hashed->mtime != mtime)
    return 0;
  set = g_hash_table_lookup (by_hash, hashed->hash);
  return set ? *set : 0;
}

static guint
count_ids (const char * const *destination_ids)
{
  guint n_ids = 0;

  while (destination_ids != NULL && destination_ids[n_ids] != NULL && n_ids < 64)
    n_ids++;
  return n_ids;
}

/**
 * ks_catalog_dup_holders:
 * @files: (element-type KsCatalogSourceFile): files of @source_id (path, size, mtime; hashes
 *   are ignored)
 * @destination_ids: (array zero-terminated=1): the destinations to look in, a bit each (at
 *   most 64)
 *
 * For each of @files, the destinations that hold a verified copy of its content, as the
 * catalog hashed it at that size and mtime (0 for a file not hashed, or changed since).
 *
 * Returns: (transfer full) (element-type guint64): one set of holders per file, in order
 */
GArray *
ks_catalog_dup_holders (KsCatalog          *self,
                        const char         *source_id,
                        GPtrArray          *files,
                        const char * const *destination_ids)
{
  GArray *holders = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GHashTable) by_hash = NULL;
  g_autoptr(GHashTable) by_path = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), holders);
  g_return_val_if_fail (source_id != NULL && files != NULL, holders);

  g_mutex_lock (&self->mutex);
  scan_copies_and_files_locked (self, source_id, destination_ids, count_ids (destination_ids),
                                &by_hash, &by_path);
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < files->len; i++)
    {
      const KsCatalogSourceFile *file = g_ptr_array_index (files, i);
      guint64 value = holders_of (by_hash, by_path, file->path, file->size, file->mtime);

      g_array_append_val (holders, value);
    }

  return holders;
}

/**
 * ks_catalog_dup_inventory_holders:
 * @destination_ids: (array zero-terminated=1): the destinations to look in, a bit each (at
 *   most 64)
 * @out_listed_at: (out) (optional): when the source was listed (unix seconds), 0 if never
 * @out_paths: (out) (optional) (transfer full) (element-type utf8): each asset's primary
 *   file, in the order of the holders
 *
 * For each asset of @source_id's last inventory, the destinations that hold a verified copy
 * of its primary file as it was then.
 *
 * Returns: (transfer full) (element-type guint64): one set of holders per asset
 */
GArray *
ks_catalog_dup_inventory_holders (KsCatalog          *self,
                                  const char         *source_id,
                                  const char * const *destination_ids,
                                  gint64             *out_listed_at,
                                  GPtrArray         **out_paths)
{
  GArray *holders = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GHashTable) by_hash = NULL;
  g_autoptr(GHashTable) by_path = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  gint64 listed_at = 0;

  g_return_val_if_fail (KS_IS_CATALOG (self), holders);
  g_return_val_if_fail (source_id != NULL, holders);

  g_mutex_lock (&self->mutex);

  scan_copies_and_files_locked (self, source_id, destination_ids, count_ids (destination_ids),
                                &by_hash, &by_path);

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT path, size, mtime, listed_at FROM source_inventory WHERE source_id = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *path = (const char *)sqlite3_column_text (stmt, 0);
          guint64 value = holders_of (by_hash, by_path, path, sqlite3_column_int64 (stmt, 1),
                                      sqlite3_column_int64 (stmt, 2));

          listed_at = MAX (listed_at, sqlite3_column_int64 (stmt, 3));
          g_array_append_val (holders, value);
          g_ptr_array_add (paths, g_strdup (path ? path : ""));
        }
    }
  else
    g_message ("Catalog: cannot read the inventory: %s", sqlite3_errmsg (self->db));
  g_clear_pointer (&stmt, sqlite3_finalize);

  g_mutex_unlock (&self->mutex);

  if (out_listed_at != NULL)
    *out_listed_at = listed_at;
  if (out_paths != NULL)
    *out_paths = g_steal_pointer (&paths);
  return holders;
}
