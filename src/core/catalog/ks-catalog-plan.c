/* ks-catalog-plan.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Where the backup plan is kept: its destinations and its options, as rows of the catalog.
 * KsBackupPlan gives them their meaning; this file only stores and reads them. */

#include "config.h"

#include <sqlite3.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"

void
ks_catalog_plan_entry_free (KsCatalogPlanEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->id);
  g_free (entry->name);
  g_free (entry->kind);
  g_free (entry->location);
  g_free (entry);
}

/**
 * ks_catalog_list_plan_entries:
 *
 * Returns: (transfer full) (element-type KsCatalogPlanEntry): the plan's destinations in the
 *   order they were added, or %NULL with @error set
 */
GPtrArray *
ks_catalog_list_plan_entries (KsCatalog  *self,
                              GError    **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_catalog_plan_entry_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT id, name, kind, location, enabled, methods, create_missing, added_at"
                          " FROM plan_destinations ORDER BY added_at, rowid",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _ks_catalog_set_sqlite_error (error, self->db, "reading the backup plan");
      g_mutex_unlock (&self->mutex);
      return NULL;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KsCatalogPlanEntry *entry = g_new0 (KsCatalogPlanEntry, 1);

      entry->id = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      entry->name = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      entry->kind = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      entry->location = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
      entry->enabled = sqlite3_column_int (stmt, 4) != 0;
      entry->methods = (guint)sqlite3_column_int64 (stmt, 5);
      entry->create_missing = sqlite3_column_int (stmt, 6) != 0;
      entry->added_at = sqlite3_column_int64 (stmt, 7);
      g_ptr_array_add (entries, entry);
    }

  if (rc != SQLITE_DONE)
    {
      _ks_catalog_set_sqlite_error (error, self->db, "reading the backup plan");
      sqlite3_finalize (stmt);
      g_mutex_unlock (&self->mutex);
      return NULL;
    }

  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&entries);
}

/**
 * ks_catalog_save_plan_entry:
 *
 * Adds @entry, or replaces the entry with its id.
 */
gboolean
ks_catalog_save_plan_entry (KsCatalog                 *self,
                            const KsCatalogPlanEntry  *entry,
                            GError                   **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (entry != NULL && entry->id != NULL, FALSE);

  return _ks_catalog_run_statement (self, error,
                                    "INSERT INTO plan_destinations"
                                    " (id, name, kind, location, enabled, methods, create_missing, added_at)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                                    " ON CONFLICT (id) DO UPDATE SET name = ?2, kind = ?3, location = ?4,"
                                    "   enabled = ?5, methods = ?6, create_missing = ?7",
                                    "ssssiiii",
                                    entry->id, entry->name, entry->kind, entry->location,
                                    (gint64)(entry->enabled != FALSE), (gint64)entry->methods,
                                    (gint64)(entry->create_missing != FALSE), entry->added_at);
}

gboolean
ks_catalog_delete_plan_entry (KsCatalog   *self,
                              const char  *id,
                              GError     **error)
{
  g_autofree char *prefix = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  prefix = g_strdup_printf ("destination/%s/", id);

  /* The entry's own options go with it. */
  return _ks_catalog_run_statement (self, error,
                                    "DELETE FROM plan_settings"
                                    " WHERE substr (key, 1, length (?1)) = ?1",
                                    "s", prefix) &&
         _ks_catalog_run_statement (self, error,
                                    "DELETE FROM plan_destinations WHERE id = ?1",
                                    "s", id);
}

/**
 * ks_catalog_dup_plan_setting:
 *
 * Returns: (transfer full) (nullable): the option's stored value, or %NULL when unset
 */
char *
ks_catalog_dup_plan_setting (KsCatalog  *self,
                             const char *key)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  return _ks_catalog_query_text (self, "SELECT value FROM plan_settings WHERE key = ?1", "s", key);
}

gboolean
ks_catalog_set_plan_setting (KsCatalog   *self,
                             const char  *key,
                             const char  *value,
                             GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  return _ks_catalog_run_statement (self, error,
                                    "INSERT INTO plan_settings (key, value) VALUES (?1, ?2)"
                                    " ON CONFLICT (key) DO UPDATE SET value = ?2",
                                    "ss", key, value);
}

gboolean
ks_catalog_unset_plan_setting (KsCatalog   *self,
                               const char  *key,
                               GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return _ks_catalog_run_statement (self, error,
                                    "DELETE FROM plan_settings WHERE key = ?1", "s", key);
}
