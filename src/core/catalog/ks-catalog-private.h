/* ks-catalog-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Shared by the catalog's files (the connection and its statement helpers), and what tests
 * need to look inside the catalog. */

#pragma once

#include <sqlite3.h>

#include "ks-catalog.h"

G_BEGIN_DECLS

struct _KsCatalog
{
  GObject  parent_instance;

  GMutex   mutex;
  sqlite3    *db;
  char       *path;
  /* SQL text → sqlite3_stmt, prepared once per connection: the planning step and the
   * writer run the same few statements tens of thousands of times, and preparing one
   * costs more than running it. Guarded by @mutex like @db. */
  GHashTable *statements;
};

gboolean      _ks_catalog_set_sqlite_error   (GError     **error,
                                              sqlite3     *db,
                                              const char  *what);
gboolean      _ks_catalog_exec_locked        (KsCatalog   *self,
                                              const char  *sql,
                                              GError     **error);
gint64        _ks_catalog_query_int64_locked (KsCatalog   *self,
                                              const char  *sql);
sqlite3_stmt *_ks_catalog_prepare_locked     (KsCatalog   *self,
                                              const char  *sql,
                                              const char  *types,
                                              va_list      args);
void          _ks_catalog_release_locked     (sqlite3_stmt *stmt);
gboolean      _ks_catalog_run_statement      (KsCatalog   *self,
                                              GError     **error,
                                              const char  *sql,
                                              const char  *types,
                                              ...);
char         *_ks_catalog_query_text         (KsCatalog   *self,
                                              const char  *sql,
                                              const char  *types,
                                              ...);


gint64 _ks_catalog_query_int64 (KsCatalog  *self,
                                const char *sql);

G_END_DECLS
