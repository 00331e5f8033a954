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
  g_autoptr(GHashTable) bits = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt = NULL;
  gint64 listed_at = 0;

  g_return_val_if_fail (KS_IS_CATALOG (self), holders);
  g_return_val_if_fail (source_id != NULL, holders);

  for (guint i = 0; destination_ids != NULL && destination_ids[i] != NULL && i < 64; i++)
    g_hash_table_insert (bits, (gpointer)destination_ids[i], GUINT_TO_POINTER (i + 1));

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT i.listed_at,"
                          " (SELECT group_concat (c.destination_id, char (10))"
                          "  FROM source_files s JOIN copies c ON c.hash = s.hash"
                          "  WHERE s.source_id = i.source_id AND s.path = i.path"
                          "  AND s.size = i.size AND s.mtime = i.mtime)"
                          " FROM source_inventory i WHERE i.source_id = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *where = (const char *)sqlite3_column_text (stmt, 1);
          guint64 set = 0;

          listed_at = MAX (listed_at, sqlite3_column_int64 (stmt, 0));
          if (where != NULL)
            {
              g_auto(GStrv) ids = g_strsplit (where, "\n", -1);

              for (guint j = 0; ids[j] != NULL; j++)
                {
                  guint bit = GPOINTER_TO_UINT (g_hash_table_lookup (bits, ids[j]));

                  if (bit != 0)
                    set |= G_GUINT64_CONSTANT (1) << (bit - 1);
                }
            }
          g_array_append_val (holders, set);
        }
    }
  else
    g_message ("Catalog: cannot read the inventory: %s", sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  if (out_listed_at != NULL)
    *out_listed_at = listed_at;
  return holders;
}
