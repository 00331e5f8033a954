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

/**
 * ks_catalog_dup_inventory_holders:
 * @destination_ids: (array zero-terminated=1): the destinations to look in, a bit each (at
 *   most 64)
 * @out_listed_at: (out) (optional): when the source was listed (unix seconds), 0 if never
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
                                  gint64             *out_listed_at)
{
  GArray *holders = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GHashTable) by_hash = NULL;     /* hash → guint64 * (the destinations holding it) */
  g_autoptr(GHashTable) by_path = NULL;     /* path → hash, for files as the catalog hashed them */
  g_autoptr(GString) sql = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  gint64 listed_at = 0;
  guint n_ids = 0;

  g_return_val_if_fail (KS_IS_CATALOG (self), holders);
  g_return_val_if_fail (source_id != NULL, holders);

  while (destination_ids != NULL && destination_ids[n_ids] != NULL && n_ids < 64)
    n_ids++;

  /* Three scans joined here rather than a lookup per asset: a library of 50,000 photos is
   * summed up in a fraction of the time index seeks on 64-character hashes take. */
  by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_mutex_lock (&self->mutex);

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

  /* Only a file whose size and mtime are as listed vouches for its hash (as for lookups). */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT s.path, s.hash FROM source_files s JOIN source_inventory i"
                          " ON i.source_id = s.source_id AND i.path = s.path"
                          " AND i.size = s.size AND i.mtime = s.mtime"
                          " WHERE s.source_id = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *path = (const char *)sqlite3_column_text (stmt, 0);
          const char *hash = (const char *)sqlite3_column_text (stmt, 1);

          if (path != NULL && hash != NULL)
            g_hash_table_replace (by_path, g_strdup (path), g_strdup (hash));
        }
    }
  else
    g_message ("Catalog: cannot read the source's files: %s", sqlite3_errmsg (self->db));
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT path, listed_at FROM source_inventory WHERE source_id = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *path = (const char *)sqlite3_column_text (stmt, 0);
          const char *hash = path ? g_hash_table_lookup (by_path, path) : NULL;
          const guint64 *set = hash ? g_hash_table_lookup (by_hash, hash) : NULL;
          guint64 value = set ? *set : 0;

          listed_at = MAX (listed_at, sqlite3_column_int64 (stmt, 1));
          g_array_append_val (holders, value);
        }
    }
  else
    g_message ("Catalog: cannot read the inventory: %s", sqlite3_errmsg (self->db));
  g_clear_pointer (&stmt, sqlite3_finalize);

  g_mutex_unlock (&self->mutex);

  if (out_listed_at != NULL)
    *out_listed_at = listed_at;
  return holders;
}
