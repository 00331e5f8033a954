/* ks-catalog-runs.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The catalog's runs: who owns a running run (so a killed process's run is told apart from
 * another process's live one), beginning and finishing runs, and reading them back. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"

/* ---- run ownership ---- */

/* The kernel's id for this boot; %NULL where there is none (then only pids are compared). */
static char *
dup_boot_id (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    return NULL;

  return g_strdup (g_strstrip (contents));
}

/* A process's state letter and start time (clock ticks after boot) from /proc/PID/stat.
 * The name field may hold spaces and parentheses, so fields are counted from the last ')'. */
static gboolean
read_process_stat (gint64  pid,
                   char   *out_state,
                   gint64 *out_start)
{
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *close;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;

  close = strrchr (contents, ')');
  if (close == NULL || close[1] != ' ')
    return FALSE;

  /* fields[0] is stat's field 3 (state); starttime is field 22. */
  fields = g_strsplit (close + 2, " ", 0);
  if (g_strv_length (fields) < 20)
    return FALSE;

  *out_state = fields[0][0];
  *out_start = g_ascii_strtoll (fields[19], NULL, 10);

  return TRUE;
}

/* Whether the process that wrote a run's owner columns is still the one running. */
static gboolean
owner_is_alive (gint64      pid,
                gint64      start,
                const char *boot,
                const char *current_boot)
{
  char state = 0;
  gint64 now_start = 0;

  if (pid <= 0 || boot == NULL)
    return FALSE;

  if (current_boot != NULL && *boot != '\0' && strcmp (boot, current_boot) != 0)
    return FALSE;

  if (!read_process_stat (pid, &state, &now_start))
    return FALSE;

  /* A zombie is a dead process its parent has not waited for yet; another start time is
   * another process that got the recycled pid. */
  if (state == 'Z' || state == 'X' || state == 'x')
    return FALSE;

  return now_start == start;
}

/**
 * ks_catalog_reap_runs:
 *
 * Marks "interrupted" every run still "running" whose process is gone (killed, crashed,
 * or the machine rebooted since), and leaves alone the runs of live processes: the app
 * and keepsake-cli may back up at the same time. Their finished_at becomes the moment
 * this was noticed. ks_catalog_begin_run(), ks_catalog_list_runs(), ks_catalog_dup_run()
 * and ks_catalog_get_summary() call it; there is rarely a need to call it directly.
 *
 * Returns: how many runs were marked interrupted
 */
guint
ks_catalog_reap_runs (KsCatalog *self)
{
  g_autofree char *current_boot = NULL;
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  sqlite3_stmt *stmt = NULL;
  guint marked = 0;

  g_return_val_if_fail (KS_IS_CATALOG (self), 0);

  current_boot = dup_boot_id ();

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT id, owner_pid, owner_start, owner_boot FROM runs WHERE status = 'running'",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          gint64 pid = sqlite3_column_type (stmt, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64 (stmt, 1);
          gint64 start = sqlite3_column_int64 (stmt, 2);
          const char *boot = (const char *)sqlite3_column_text (stmt, 3);

          if (!owner_is_alive (pid, start, boot, current_boot))
            g_array_append_val (dead, id);
        }
    }
  sqlite3_finalize (stmt);
  stmt = NULL;

  for (guint i = 0; i < dead->len; i++)
    {
      if (sqlite3_prepare_v2 (self->db,
                              "UPDATE runs SET status = 'interrupted', finished_at = ?2,"
                              " error = coalesce(error, 'The backup stopped without finishing: its process ended')"
                              " WHERE id = ?1 AND status = 'running'",
                              -1, &stmt, NULL) != SQLITE_OK)
        break;
      sqlite3_bind_int64 (stmt, 1, g_array_index (dead, gint64, i));
      sqlite3_bind_int64 (stmt, 2, now);
      if (sqlite3_step (stmt) == SQLITE_DONE)
        marked += sqlite3_changes (self->db);
      else
        /* It stays "running" and is marked the next time the catalog is opened. */
        g_message ("Catalog: marking run %" G_GINT64_FORMAT " interrupted: %s",
                   g_array_index (dead, gint64, i), sqlite3_errmsg (self->db));
      sqlite3_finalize (stmt);
      stmt = NULL;
    }
  g_mutex_unlock (&self->mutex);

  return marked;
}

/**
 * ks_catalog_begin_run:
 *
 * Records a new "running" run owned by this process (pid, its start time and the boot
 * id), after marking interrupted the runs whose processes died.
 *
 * Returns: the run's id, or -1 with @error set
 */
gint64
ks_catalog_begin_run (KsCatalog   *self,
                      const char  *source_id,
                      const char  *destinations,
                      GError     **error)
{
  g_autofree char *boot = NULL;
  char state = 0;
  gint64 start = 0;
  gint64 pid = getpid ();
  gint64 id;

  g_return_val_if_fail (KS_IS_CATALOG (self), -1);

  ks_catalog_reap_runs (self);

  boot = dup_boot_id ();
  if (!read_process_stat (pid, &state, &start))
    start = 0;

  /* Insert and read back the rowid under one lock, so another thread's insert cannot
   * slip in between. */
  g_mutex_lock (&self->mutex);
  {
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2 (self->db,
                            "INSERT INTO runs (started_at, source_id, destinations, status,"
                            "                  owner_pid, owner_start, owner_boot)"
                            " VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)",
                            -1, &stmt, NULL) != SQLITE_OK)
      {
        _ks_catalog_set_sqlite_error (error, self->db, "prepare");
        g_mutex_unlock (&self->mutex);
        return -1;
      }
    sqlite3_bind_int64 (stmt, 1, g_get_real_time () / G_USEC_PER_SEC);
    sqlite3_bind_text (stmt, 2, source_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 3, destinations, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 4, pid);
    sqlite3_bind_int64 (stmt, 5, start);
    /* Without a boot id (not Linux) an empty one still marks the run as owned. */
    sqlite3_bind_text (stmt, 6, boot ? boot : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step (stmt) != SQLITE_DONE)
      {
        _ks_catalog_set_sqlite_error (error, self->db, "recording the run");
        sqlite3_finalize (stmt);
        g_mutex_unlock (&self->mutex);
        return -1;
      }
    sqlite3_finalize (stmt);
    id = sqlite3_last_insert_rowid (self->db);
  }
  g_mutex_unlock (&self->mutex);

  return id;
}

gboolean
ks_catalog_finish_run (KsCatalog   *self,
                       gint64       run_id,
                       guint        copied,
                       guint        skipped,
                       guint        failed,
                       guint64      bytes,
                       const char  *status,
                       const char  *error_message,
                       GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);

  return _ks_catalog_run_statement (self, error,
                        "UPDATE runs SET finished_at = ?2, copied = ?3, skipped = ?4, failed = ?5,"
                        " bytes = ?6, status = ?7, error = ?8 WHERE id = ?1",
                        "iiiiiiss", run_id, g_get_real_time () / G_USEC_PER_SEC,
                        (gint64)copied, (gint64)skipped, (gint64)failed, (gint64)bytes,
                        status, error_message);
}

void
ks_catalog_run_free (KsCatalogRun *run)
{
  if (run == NULL)
    return;

  g_free (run->source_id);
  g_free (run->destinations);
  g_free (run->status);
  g_free (run->error);
  g_free (run->origin);
  g_free (run);
}

static GPtrArray *
list_runs (KsCatalog  *self,
           const char *where,
           gint64      run_id)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_catalog_run_free);
  g_autofree char *sql = g_strdup_printf ("SELECT id, started_at, coalesce(finished_at, 0), source_id,"
                                          " destinations, copied, skipped, failed, bytes, status, error, origin"
                                          " FROM runs %s", where);
  sqlite3_stmt *stmt = NULL;

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) == SQLITE_OK)
    {
      if (run_id >= 0)
        sqlite3_bind_int64 (stmt, 1, run_id);

      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          KsCatalogRun *run = g_new0 (KsCatalogRun, 1);

          run->id = sqlite3_column_int64 (stmt, 0);
          run->started_at = sqlite3_column_int64 (stmt, 1);
          run->finished_at = sqlite3_column_int64 (stmt, 2);
          run->source_id = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
          run->destinations = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
          run->copied = sqlite3_column_int64 (stmt, 5);
          run->skipped = sqlite3_column_int64 (stmt, 6);
          run->failed = sqlite3_column_int64 (stmt, 7);
          run->bytes = sqlite3_column_int64 (stmt, 8);
          run->status = g_strdup ((const char *)sqlite3_column_text (stmt, 9));
          run->error = g_strdup ((const char *)sqlite3_column_text (stmt, 10));
          run->origin = g_strdup ((const char *)sqlite3_column_text (stmt, 11));
          g_ptr_array_add (runs, run);
        }
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  return runs;
}

/**
 * ks_catalog_dup_run:
 *
 * Returns: (transfer full) (nullable): the run, or %NULL if there is none with that id
 */
KsCatalogRun *
ks_catalog_dup_run (KsCatalog *self,
                    gint64     run_id)
{
  g_autoptr(GPtrArray) runs = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  ks_catalog_reap_runs (self);
  runs = list_runs (self, "WHERE id = ?1", run_id);
  if (runs->len == 0)
    return NULL;

  return g_ptr_array_steal_index (runs, 0);
}

/**
 * ks_catalog_list_runs:
 *
 * Runs whose process died are marked "interrupted" first (see ks_catalog_reap_runs()).
 *
 * Returns: (transfer full) (element-type KsCatalogRun): every run, oldest first
 */
GPtrArray *
ks_catalog_list_runs (KsCatalog *self)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  ks_catalog_reap_runs (self);
  return list_runs (self, "ORDER BY id", -1);
}

/**
 * ks_catalog_list_recent_runs:
 * @max_runs: at most this many
 *
 * Like ks_catalog_list_runs(), for a status page: the newest runs, newest first.
 *
 * Returns: (transfer full) (element-type KsCatalogRun): up to @max_runs runs
 */
GPtrArray *
ks_catalog_list_recent_runs (KsCatalog *self,
                             guint      max_runs)
{
  g_autofree char *tail = g_strdup_printf ("ORDER BY id DESC LIMIT %u", max_runs);

  g_return_val_if_fail (KS_IS_CATALOG (self), NULL);

  ks_catalog_reap_runs (self);
  return list_runs (self, tail, -1);
}

/**
 * ks_catalog_set_run_origin:
 * @origin: who started the run ("window", "cli", "monitor")
 *
 * Returns: %FALSE with @error set if it could not be written
 */
gboolean
ks_catalog_set_run_origin (KsCatalog   *self,
                           gint64       run_id,
                           const char  *origin,
                           GError     **error)
{
  g_return_val_if_fail (KS_IS_CATALOG (self), FALSE);

  return _ks_catalog_run_statement (self, error,
                                    "UPDATE runs SET origin = ?1 WHERE id = ?2",
                                    "si", origin, run_id);
}

/**
 * ks_catalog_dup_last_successes:
 * @destination_id: a destination's id
 *
 * When each source was last backed up to @destination_id by a run that went through to
 * its end ("completed", or "completed-with-errors": every file was tried).
 *
 * Returns: (transfer full) (element-type utf8 gint64): source id → unix seconds (gint64 *)
 */
GHashTable *
ks_catalog_dup_last_successes (KsCatalog  *self,
                               const char *destination_id)
{
  GHashTable *last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (self), last);
  g_return_val_if_fail (destination_id != NULL, last);

  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT source_id, max(finished_at) FROM runs"
                          " WHERE status IN ('completed', 'completed-with-errors')"
                          "   AND source_id IS NOT NULL"
                          "   AND instr (' ' || destinations || ' ', ' ' || ?1 || ' ') > 0"
                          " GROUP BY source_id",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, destination_id, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 *when = g_new (gint64, 1);

          *when = sqlite3_column_int64 (stmt, 1);
          g_hash_table_insert (last, g_strdup ((const char *)sqlite3_column_text (stmt, 0)), when);
        }
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  return last;
}
