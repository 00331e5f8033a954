/* ks-photos-db.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Reads Photos.sqlite. The asset table is ZASSET (iOS 14+) or ZGENERICASSET (iOS 13); the
 * album join table's name moves between releases (Z_26ASSETS, Z_27ASSETS, Z_28ASSETS, …), so it
 * is found as iLEAPP does: Z_PRIMARYKEY maps entity numbers to names, and the join is the
 * Z_<n>ASSETS table with a Z_<album entity>ALBUMS and a Z_<asset entity>ASSETS column. Columns a
 * release lacks are read as NULL. The file is hostile until shown otherwise: defensive mode,
 * no triggers, views or extensions, an authorizer that allows reads only, limits on lengths
 * and depth, and a budget of steps. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "ks-photos-db.h"

#define CORE_DATA_EPOCH   G_GINT64_CONSTANT (978307200)
#define MAX_ASSETS        2000000
#define MAX_ALBUMS        100000
#define MAX_FOLDER_DEPTH  32
#define MAX_TEXT          4096
#define STEP_BUDGET       G_GINT64_CONSTANT (2000000000)   /* VM instructions, in units of 1000 */
#define TIME_BUDGET_USEC  (120 * G_USEC_PER_SEC)

/* ZGENERICALBUM.ZKIND (iLEAPP Ph002, osxphotos _PHOTOS_5_*_KIND) */
#define KIND_USER_ALBUM   2
#define KIND_ROOT_FOLDER  3999
#define KIND_USER_FOLDER  4000

struct _KsPhotosDb
{
  GObject      parent_instance;

  GPtrArray   *assets;    /* KsPhotosDbAsset* */
  GHashTable  *by_path;   /* path → KsPhotosDbAsset* */
  GPtrArray   *albums;    /* KsPhotosDbAlbum*, by path */
  guint        n_icloud_only;
  guint64      icloud_only_bytes;
  char        *schema;
};

G_DEFINE_FINAL_TYPE (KsPhotosDb, ks_photos_db, G_TYPE_OBJECT)

G_DEFINE_QUARK (ks-photos-db-error-quark, ks_photos_db_error)

static void
asset_free (KsPhotosDbAsset *asset)
{
  g_free (asset->path);
  g_free (asset->original_name);
  g_free (asset->albums);   /* the strings belong to the albums */
  g_free (asset);
}

static void
album_free (KsPhotosDbAlbum *album)
{
  g_free (album->path);
  g_free (album->title);
  g_free (album);
}

static void
ks_photos_db_finalize (GObject *object)
{
  KsPhotosDb *self = KS_PHOTOS_DB (object);

  g_clear_pointer (&self->by_path, g_hash_table_unref);
  g_clear_pointer (&self->assets, g_ptr_array_unref);
  g_clear_pointer (&self->albums, g_ptr_array_unref);
  g_clear_pointer (&self->schema, g_free);

  G_OBJECT_CLASS (ks_photos_db_parent_class)->finalize (object);
}

static void
ks_photos_db_class_init (KsPhotosDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_photos_db_finalize;
}

static void
ks_photos_db_init (KsPhotosDb *self)
{
  self->assets = g_ptr_array_new_with_free_func ((GDestroyNotify) asset_free);
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);
  self->albums = g_ptr_array_new_with_free_func ((GDestroyNotify) album_free);
}

/* ---- opening, defensively ---- */

typedef struct
{
  sqlite3      *db;
  GCancellable *cancellable;
  gint64        deadline;
  gint64        steps;
  gboolean      over_budget;
} Reader;

static int
progress_cb (void *data)
{
  Reader *r = data;

  r->steps++;
  if (g_cancellable_is_cancelled (r->cancellable))
    return 1;
  if (r->steps > STEP_BUDGET / 1000 || g_get_monotonic_time () > r->deadline)
    {
      r->over_budget = TRUE;
      return 1;
    }
  return 0;
}

/* Reads only: no writes, no ATTACH, no pragmas but table_info, no functions but a few. */
static int
authorizer_cb (void       *data,
               int         action,
               const char *arg1,
               const char *arg2,
               const char *db_name,
               const char *trigger)
{
  if (trigger != NULL)
    return SQLITE_DENY;
  switch (action)
    {
    case SQLITE_SELECT:
    case SQLITE_READ:
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      return g_strcmp0 (arg1, "table_info") == 0 ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION:
      if (g_strcmp0 (arg2, "count") == 0 || g_strcmp0 (arg2, "max") == 0 ||
          g_strcmp0 (arg2, "min") == 0)
        return SQLITE_OK;
      return SQLITE_DENY;
    default:
      return SQLITE_DENY;
    }
}

static gboolean
set_sqlite_error (Reader      *r,
                  GError     **error)
{
  if (g_cancellable_set_error_if_cancelled (r->cancellable, error))
    return FALSE;
  if (r->over_budget)
    g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_LIMIT,
                         _("The Photos library took too long to read"));
  else
    g_set_error (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_UNREADABLE,
                 _("The Photos library could not be read: %s"), sqlite3_errmsg (r->db));
  return FALSE;
}

static gboolean
reader_open (Reader       *r,
             const char   *path,
             GError      **error)
{
  int rc;

  rc = sqlite3_open_v2 (path, &r->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE, NULL);
  if (rc != SQLITE_OK)
    return set_sqlite_error (r, error);

  /* Before any statement reads the schema. */
  sqlite3_db_config (r->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (r->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  sqlite3_db_config (r->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  sqlite3_db_config (r->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
  sqlite3_db_config (r->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  sqlite3_db_config (r->db, SQLITE_DBCONFIG_ENABLE_FKEY, 0, NULL);
  sqlite3_limit (r->db, SQLITE_LIMIT_LENGTH, 1000000);
  sqlite3_limit (r->db, SQLITE_LIMIT_SQL_LENGTH, 100000);
  sqlite3_limit (r->db, SQLITE_LIMIT_COLUMN, 1000);
  sqlite3_limit (r->db, SQLITE_LIMIT_EXPR_DEPTH, 50);
  sqlite3_limit (r->db, SQLITE_LIMIT_COMPOUND_SELECT, 3);
  sqlite3_limit (r->db, SQLITE_LIMIT_VDBE_OP, 25000);
  sqlite3_limit (r->db, SQLITE_LIMIT_FUNCTION_ARG, 8);
  sqlite3_limit (r->db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit (r->db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50);
  sqlite3_limit (r->db, SQLITE_LIMIT_VARIABLE_NUMBER, 10);
  sqlite3_limit (r->db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
  sqlite3_busy_timeout (r->db, 0);
  r->deadline = g_get_monotonic_time () + TIME_BUDGET_USEC;
  sqlite3_progress_handler (r->db, 1000, progress_cb, r);

  /* Reading the copy may replay its -wal (which writes only the private copy); after that,
   * nothing is written. */
  if (sqlite3_exec (r->db, "PRAGMA cell_size_check=ON; PRAGMA mmap_size=0; PRAGMA query_only=ON;",
                    NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (r, error);
  sqlite3_set_authorizer (r->db, authorizer_cb, NULL);

  return TRUE;
}

static void
reader_close (Reader *r)
{
  if (r->db != NULL)
    {
      sqlite3_set_authorizer (r->db, NULL, NULL);
      sqlite3_progress_handler (r->db, 0, NULL, NULL);
      sqlite3_close (r->db);
      r->db = NULL;
    }
}

static sqlite3_stmt *
prepare (Reader      *r,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v3 (r->db, sql, -1, 0, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (r, error);
      return NULL;
    }
  return stmt;
}

static gboolean
step_done (Reader        *r,
           sqlite3_stmt  *stmt,
           int            rc,
           GError       **error)
{
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (r, error);
  return TRUE;
}

static char *
dup_text (sqlite3_stmt *stmt,
          int           col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);
  int len = sqlite3_column_bytes (stmt, col);

  if (text == NULL || len <= 0)
    return NULL;
  return g_utf8_make_valid ((const char *) text, MIN (len, MAX_TEXT));
}

/* ---- finding tables and columns by name ---- */

static GHashTable *
table_names (Reader  *r,
             GError **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = prepare (r, "SELECT name FROM sqlite_master WHERE type = 'table'", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && g_hash_table_size (names) < 10000)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);

      if (name != NULL && strlen (name) < 128)
        g_hash_table_add (names, g_strdup (name));
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  if (!step_done (r, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&names);
}

/* Column names of @table (a name checked to be a plain identifier). */
static GHashTable *
column_names (Reader      *r,
              const char  *table,
              GError     **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *sql = g_strdup_printf ("PRAGMA table_info(\"%s\")", table);
  sqlite3_stmt *stmt = prepare (r, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && g_hash_table_size (names) < 2000)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 1);

      if (name != NULL && strlen (name) < 128)
        g_hash_table_add (names, g_ascii_strup (name, -1));
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  if (!step_done (r, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&names);
}

/* "t.COL" when @table has it, else "NULL": a release that lacks a column reads as NULL. */
static void
append_column (GString    *sql,
               GHashTable *columns,
               const char *alias,
               const char *column)
{
  if (columns != NULL && g_hash_table_contains (columns, column))
    g_string_append_printf (sql, "%s.%s, ", alias, column);
  else
    g_string_append (sql, "NULL, ");
}

static gboolean
is_plain_identifier (const char *name)
{
  if (name == NULL || name[0] == '\0' || strlen (name) > 100)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* Z_<digits><suffix> → the number, or -1. */
static gint64
join_column_entity (const char *column,
                    const char *suffix)
{
  const char *p;
  gint64 n = 0;

  if (!g_str_has_prefix (column, "Z_"))
    return -1;
  p = column + 2;
  if (!g_ascii_isdigit (*p))
    return -1;
  while (g_ascii_isdigit (*p) && n < 100000)
    n = n * 10 + (*p++ - '0');
  return strcmp (p, suffix) == 0 ? n : -1;
}

static GHashTable *
entity_names (Reader  *r,
              GError **error)
{
  GHashTable *names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  sqlite3_stmt *stmt = prepare (r, "SELECT Z_ENT, Z_NAME FROM Z_PRIMARYKEY", error);
  int rc;

  if (stmt == NULL)
    {
      g_hash_table_unref (names);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && g_hash_table_size (names) < 10000)
    {
      gint64 *ent = g_new (gint64, 1);

      *ent = sqlite3_column_int64 (stmt, 0);
      g_hash_table_replace (names, ent, dup_text (stmt, 1));
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  if (!step_done (r, stmt, rc, error))
    {
      g_hash_table_unref (names);
      return NULL;
    }
  return names;
}

static gboolean
entity_is (GHashTable  *entities,
           gint64       ent,
           const char  *a,
           const char  *b)
{
  const char *name = g_hash_table_lookup (entities, &ent);

  return g_strcmp0 (name, a) == 0 || g_strcmp0 (name, b) == 0;
}

/* The album join table and its two columns, by name and entity; FALSE if there is none. */
static gboolean
find_album_join (Reader      *r,
                 GHashTable  *tables,
                 GHashTable  *entities,
                 char       **out_table,
                 char       **out_album_col,
                 char       **out_asset_col,
                 GError     **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, tables);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (join_column_entity (key, "ASSETS") >= 0)
      g_ptr_array_add (candidates, key);
  g_ptr_array_sort (candidates, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *table = g_ptr_array_index (candidates, i);
      g_autoptr(GHashTable) columns = column_names (r, table, error);
      g_autofree char *album_col = NULL;
      g_autofree char *asset_col = NULL;

      if (columns == NULL)
        return FALSE;
      g_hash_table_iter_init (&iter, columns);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          gint64 album_ent = join_column_entity (key, "ALBUMS");
          gint64 asset_ent = join_column_entity (key, "ASSETS");

          if (album_ent >= 0 && entity_is (entities, album_ent, "Album", "GenericAlbum"))
            {
              g_free (album_col);
              album_col = g_strdup (key);
            }
          if (asset_ent >= 0 && entity_is (entities, asset_ent, "Asset", "GenericAsset"))
            {
              g_free (asset_col);
              asset_col = g_strdup (key);
            }
        }
      if (album_col != NULL && asset_col != NULL)
        {
          *out_table = g_strdup (table);
          *out_album_col = g_steal_pointer (&album_col);
          *out_asset_col = g_steal_pointer (&asset_col);
          return TRUE;
        }
    }
  return TRUE;
}

/* ---- reading ---- */

typedef struct
{
  gint64   pk;
  gint64   kind;
  gint64   parent;
  gboolean trashed;
  char    *title;
} AlbumRow;

static void
album_row_free (AlbumRow *row)
{
  g_free (row->title);
  g_free (row);
}

/* User albums (not trashed) with their folder paths; @out_by_pk: album pk → KsPhotosDbAlbum. */
static gboolean
read_albums (KsPhotosDb  *self,
             Reader      *r,
             GHashTable  *tables,
             GHashTable  *out_by_pk,
             GError     **error)
{
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) album_row_free);
  g_autoptr(GHashTable) columns = NULL;
  g_autoptr(GString) sql = g_string_new ("SELECT a.Z_PK, ");
  GHashTableIter iter;
  gpointer value;
  sqlite3_stmt *stmt;
  int rc;

  if (!g_hash_table_contains (tables, "ZGENERICALBUM"))
    return TRUE;
  columns = column_names (r, "ZGENERICALBUM", error);
  if (columns == NULL)
    return FALSE;
  append_column (sql, columns, "a", "ZKIND");
  append_column (sql, columns, "a", "ZPARENTFOLDER");
  append_column (sql, columns, "a", "ZTRASHEDSTATE");
  append_column (sql, columns, "a", "ZTITLE");
  g_string_append (sql, "0 FROM ZGENERICALBUM a");

  stmt = prepare (r, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && g_hash_table_size (rows) < MAX_ALBUMS)
    {
      AlbumRow *row = g_new0 (AlbumRow, 1);

      row->pk = sqlite3_column_int64 (stmt, 0);
      row->kind = sqlite3_column_int64 (stmt, 1);
      row->parent = sqlite3_column_int64 (stmt, 2);
      row->trashed = sqlite3_column_int64 (stmt, 3) != 0;
      row->title = dup_text (stmt, 4);
      g_hash_table_replace (rows, &row->pk, row);
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  if (!step_done (r, stmt, rc, error))
    return FALSE;

  g_hash_table_iter_init (&iter, rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AlbumRow *row = value;
      g_autoptr(GString) path = NULL;
      KsPhotosDbAlbum *album;
      gint64 parent = row->parent;
      gboolean trashed = row->trashed;
      guint depth = 0;

      if (row->kind != KIND_USER_ALBUM || row->title == NULL)
        continue;
      path = g_string_new (row->title);
      /* Up through user folders to the root; a loop or a missing folder ends the walk. */
      while (parent != 0 && depth < MAX_FOLDER_DEPTH)
        {
          AlbumRow *folder = g_hash_table_lookup (rows, &parent);

          if (folder == NULL || folder->kind != KIND_USER_FOLDER)
            break;
          trashed |= folder->trashed;
          if (folder->title != NULL)
            {
              g_string_prepend (path, "/");
              g_string_prepend (path, folder->title);
              depth++;
            }
          parent = folder->parent;
        }
      if (trashed)
        continue;

      album = g_new0 (KsPhotosDbAlbum, 1);
      album->path = g_string_free (g_steal_pointer (&path), FALSE);
      album->title = g_strdup (row->title);
      album->depth = depth;
      g_ptr_array_add (self->albums, album);
      g_hash_table_insert (out_by_pk, g_memdup2 (&row->pk, sizeof row->pk), album);
    }

  return TRUE;
}

static int
compare_albums (gconstpointer a,
                gconstpointer b)
{
  const KsPhotosDbAlbum *x = *(KsPhotosDbAlbum * const *) a;
  const KsPhotosDbAlbum *y = *(KsPhotosDbAlbum * const *) b;

  return g_utf8_collate (x->path, y->path);
}

/* asset pk → GPtrArray of KsPhotosDbAlbum* (none for albums that are not user albums) */
static GHashTable *
read_memberships (Reader      *r,
                  const char  *table,
                  const char  *album_col,
                  const char  *asset_col,
                  GHashTable  *albums_by_pk,
                  GError     **error)
{
  g_autoptr(GHashTable) members = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                         (GDestroyNotify) g_ptr_array_unref);
  g_autofree char *sql = g_strdup_printf ("SELECT %s, %s FROM %s", asset_col, album_col, table);
  sqlite3_stmt *stmt = prepare (r, sql, error);
  guint n = 0;
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && n++ < 10 * MAX_ASSETS)
    {
      gint64 asset_pk = sqlite3_column_int64 (stmt, 0);
      gint64 album_pk = sqlite3_column_int64 (stmt, 1);
      KsPhotosDbAlbum *album = g_hash_table_lookup (albums_by_pk, &album_pk);
      GPtrArray *list;

      if (album == NULL)
        continue;
      list = g_hash_table_lookup (members, &asset_pk);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (members, g_memdup2 (&asset_pk, sizeof asset_pk), list);
        }
      if (list->len < 1000 && !g_ptr_array_find (list, album, NULL))
        g_ptr_array_add (list, album);
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  if (!step_done (r, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&members);
}

typedef struct
{
  gint64  local;    /* best ZLOCALAVAILABILITY of the original: 1 on the phone, -1 not */
  gint64  length;
} Original;

/* asset pk → Original, from ZINTERNALRESOURCE rows of the original (data store subtype 1). */
static GHashTable *
read_originals (Reader      *r,
                GHashTable  *tables,
                GError     **error)
{
  g_autoptr(GHashTable) originals = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) columns = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!g_hash_table_contains (tables, "ZINTERNALRESOURCE"))
    return g_steal_pointer (&originals);
  columns = column_names (r, "ZINTERNALRESOURCE", error);
  if (columns == NULL)
    return NULL;
  if (!g_hash_table_contains (columns, "ZASSET") || !g_hash_table_contains (columns, "ZDATASTORESUBTYPE") ||
      !g_hash_table_contains (columns, "ZLOCALAVAILABILITY"))
    return g_steal_pointer (&originals);

  stmt = prepare (r, g_hash_table_contains (columns, "ZDATALENGTH")
                       ? "SELECT ZASSET, max(ZLOCALAVAILABILITY), max(ZDATALENGTH) FROM ZINTERNALRESOURCE "
                         "WHERE ZDATASTORESUBTYPE = 1 GROUP BY ZASSET"
                       : "SELECT ZASSET, max(ZLOCALAVAILABILITY), 0 FROM ZINTERNALRESOURCE "
                         "WHERE ZDATASTORESUBTYPE = 1 GROUP BY ZASSET", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && g_hash_table_size (originals) < MAX_ASSETS)
    {
      gint64 pk = sqlite3_column_int64 (stmt, 0);
      Original *o = g_new0 (Original, 1);

      o->local = sqlite3_column_int64 (stmt, 1);
      o->length = sqlite3_column_int64 (stmt, 2);
      g_hash_table_replace (originals, g_memdup2 (&pk, sizeof pk), o);
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  if (!step_done (r, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&originals);
}

/* ZDIRECTORY + ZFILENAME → a path under the media root, or NULL for anything odd. DCIM paths
 * are stored from the media root ("DCIM/100APPLE"), others from PhotoData ("CPLAssets/…"); an
 * old bare "100APPLE" means DCIM. */
static char *
media_path (const char *directory,
            const char *filename)
{
  g_autofree char *path = NULL;
  g_auto(GStrv) parts = NULL;

  if (directory == NULL || filename == NULL || directory[0] == '\0' || filename[0] == '\0')
    return NULL;
  if (strchr (filename, '/') != NULL || directory[0] == '/')
    return NULL;

  if (g_str_has_prefix (directory, "DCIM/") || g_str_has_prefix (directory, "PhotoData/"))
    path = g_strconcat (directory, "/", filename, NULL);
  else if (strchr (directory, '/') == NULL && !g_str_has_prefix (directory, "CPLAssets"))
    path = g_strconcat ("DCIM/", directory, "/", filename, NULL);
  else
    path = g_strconcat ("PhotoData/", directory, "/", filename, NULL);

  parts = g_strsplit (path, "/", 64);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return NULL;
  for (const char *p = path; *p; p++)
    if ((guchar) *p < 0x20)
      return NULL;
  return g_steal_pointer (&path);
}

enum
{
  COL_PK, COL_DIRECTORY, COL_FILENAME, COL_DATECREATED, COL_FAVORITE, COL_HIDDEN, COL_TRASHEDSTATE,
  COL_TRASHEDDATE, COL_KIND, COL_KINDSUBTYPE, COL_PLAYBACKSTYLE, COL_VISIBILITYSTATE, COL_AVALANCHEUUID,
  COL_AVALANCHEPICKTYPE, COL_SCOPE, COL_DETECTEDSCREENSHOT, COL_DERIVEDCAMERA, COL_CAMERA,
  COL_ORIGINALFILENAME, COL_ORIGINALFILESIZE, COL_CLOUDLOCALSTATE,
};

static gboolean
read_assets (KsPhotosDb  *self,
             Reader      *r,
             GHashTable  *tables,
             GHashTable  *members,
             GHashTable  *originals,
             GError     **error)
{
  const char *table = g_hash_table_contains (tables, "ZASSET") ? "ZASSET" : "ZGENERICASSET";
  g_autoptr(GHashTable) columns = NULL;
  g_autoptr(GHashTable) attr_columns = NULL;
  g_autoptr(GString) sql = g_string_new ("SELECT a.Z_PK, a.ZDIRECTORY, a.ZFILENAME, ");
  gboolean with_attributes;
  sqlite3_stmt *stmt;
  int rc;

  columns = column_names (r, table, error);
  if (columns == NULL)
    return FALSE;
  if (!g_hash_table_contains (columns, "Z_PK") || !g_hash_table_contains (columns, "ZDIRECTORY") ||
      !g_hash_table_contains (columns, "ZFILENAME"))
    {
      g_set_error (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_SCHEMA,
                   _("The Photos library has an unknown layout (%s without file names)"), table);
      return FALSE;
    }
  with_attributes = g_hash_table_contains (tables, "ZADDITIONALASSETATTRIBUTES") &&
                    g_hash_table_contains (columns, "ZADDITIONALATTRIBUTES");
  if (with_attributes)
    {
      attr_columns = column_names (r, "ZADDITIONALASSETATTRIBUTES", error);
      if (attr_columns == NULL)
        return FALSE;
      if (!g_hash_table_contains (attr_columns, "Z_PK"))
        with_attributes = FALSE;
    }

  append_column (sql, columns, "a", "ZDATECREATED");
  append_column (sql, columns, "a", "ZFAVORITE");
  append_column (sql, columns, "a", "ZHIDDEN");
  append_column (sql, columns, "a", "ZTRASHEDSTATE");
  append_column (sql, columns, "a", "ZTRASHEDDATE");
  append_column (sql, columns, "a", "ZKIND");
  append_column (sql, columns, "a", "ZKINDSUBTYPE");
  append_column (sql, columns, "a", "ZPLAYBACKSTYLE");
  append_column (sql, columns, "a", "ZVISIBILITYSTATE");
  append_column (sql, columns, "a", "ZAVALANCHEUUID");
  append_column (sql, columns, "a", "ZAVALANCHEPICKTYPE");
  append_column (sql, columns, "a", "ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE");
  append_column (sql, columns, "a", "ZISDETECTEDSCREENSHOT");
  append_column (sql, columns, "a", "ZDERIVEDCAMERACAPTUREDEVICE");
  append_column (sql, with_attributes ? attr_columns : NULL, "b", "ZCAMERACAPTUREDEVICE");
  append_column (sql, with_attributes ? attr_columns : NULL, "b", "ZORIGINALFILENAME");
  append_column (sql, with_attributes ? attr_columns : NULL, "b", "ZORIGINALFILESIZE");
  append_column (sql, columns, "a", "ZCLOUDLOCALSTATE");
  g_string_append_printf (sql, "0 FROM %s a", table);
  if (with_attributes)
    g_string_append (sql, " LEFT JOIN ZADDITIONALASSETATTRIBUTES b ON b.Z_PK = a.ZADDITIONALATTRIBUTES");

  stmt = prepare (r, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *directory = dup_text (stmt, COL_DIRECTORY);
      g_autofree char *filename = dup_text (stmt, COL_FILENAME);
      g_autofree char *path = media_path (directory, filename);
      gint64 pk = sqlite3_column_int64 (stmt, COL_PK);
      gint64 subtype = sqlite3_column_int64 (stmt, COL_KINDSUBTYPE);
      gint64 pick = sqlite3_column_int64 (stmt, COL_AVALANCHEPICKTYPE);
      GPtrArray *albums = g_hash_table_lookup (members, &pk);
      Original *original = g_hash_table_lookup (originals, &pk);
      KsPhotosDbAsset *asset;

      if (self->assets->len >= MAX_ASSETS)
        {
          sqlite3_finalize (stmt);
          g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_LIMIT,
                               _("The Photos library holds more photos than Keepsake can read"));
          return FALSE;
        }
      /* Two rows for one file (or a hostile path): the first one counts. */
      if (path == NULL || g_hash_table_contains (self->by_path, path))
        continue;

      asset = g_new0 (KsPhotosDbAsset, 1);
      asset->path = g_steal_pointer (&path);
      asset->original_name = dup_text (stmt, COL_ORIGINALFILENAME);
      if (sqlite3_column_type (stmt, COL_DATECREATED) != SQLITE_NULL)
        asset->capture_time = (gint64) sqlite3_column_double (stmt, COL_DATECREATED) + CORE_DATA_EPOCH;
      asset->size = (guint64) MAX (0, sqlite3_column_int64 (stmt, COL_ORIGINALFILESIZE));
      asset->flags = KS_ASSET_FLAG_IN_LIBRARY;
      if (sqlite3_column_int64 (stmt, COL_FAVORITE) == 1)
        asset->flags |= KS_ASSET_FLAG_FAVORITE;
      if (sqlite3_column_int64 (stmt, COL_HIDDEN) == 1)
        asset->flags |= KS_ASSET_FLAG_HIDDEN;
      if (sqlite3_column_int64 (stmt, COL_TRASHEDSTATE) == 1)
        {
          asset->flags |= KS_ASSET_FLAG_TRASHED;
          if (sqlite3_column_type (stmt, COL_TRASHEDDATE) != SQLITE_NULL)
            asset->trashed_time = (gint64) sqlite3_column_double (stmt, COL_TRASHEDDATE) + CORE_DATA_EPOCH;
        }
      if (subtype == 10 || sqlite3_column_int64 (stmt, COL_DETECTEDSCREENSHOT) == 1)
        asset->flags |= KS_ASSET_FLAG_SCREENSHOT;
      if (subtype == 103)
        asset->flags |= KS_ASSET_FLAG_SCREEN_RECORDING;
      if (subtype == 2 || sqlite3_column_int64 (stmt, COL_PLAYBACKSTYLE) == 3)
        asset->flags |= KS_ASSET_FLAG_LIVE;
      if (sqlite3_column_int64 (stmt, COL_CAMERA) == 1 || sqlite3_column_int64 (stmt, COL_DERIVEDCAMERA) == 1)
        asset->flags |= KS_ASSET_FLAG_SELFIE;
      if (sqlite3_column_type (stmt, COL_AVALANCHEUUID) != SQLITE_NULL)
        {
          asset->flags |= KS_ASSET_FLAG_BURST;
          /* Shown in the grid: picked by the user or the camera (8, 4, 16), or simply visible. */
          if (sqlite3_column_int64 (stmt, COL_VISIBILITYSTATE) == 0 || (pick & (4 | 8 | 16)) != 0)
            asset->flags |= KS_ASSET_FLAG_BURST_CHOSEN;
        }
      if (sqlite3_column_int64 (stmt, COL_SCOPE) == 1)
        asset->flags |= KS_ASSET_FLAG_SHARED_LIBRARY;
      if (!g_str_has_prefix (asset->path, "DCIM/"))
        asset->flags |= KS_ASSET_FLAG_OUTSIDE_DCIM;
      /* Uploaded to iCloud Photos (iLEAPP and osxphotos read ZCLOUDLOCALSTATE 1 so): a copy
       * kept elsewhere, for the 3-2-1 rule. An original only in iCloud is flagged apart. */
      if (sqlite3_column_int64 (stmt, COL_CLOUDLOCALSTATE) == 1
          && !(original != NULL && original->local < 1))
        asset->flags |= KS_ASSET_FLAG_IN_ICLOUD;
      /* Uploaded to iCloud Photos (iLEAPP and osxphotos read ZCLOUDLOCALSTATE 1 so): a copy
       * kept elsewhere, for the 3-2-1 rule. */
      if (original != NULL && original->local < 1)
        {
          asset->flags |= KS_ASSET_FLAG_ICLOUD_ONLY;
          if (asset->size == 0)
            asset->size = (guint64) MAX (0, original->length);
          self->n_icloud_only++;
          self->icloud_only_bytes += asset->size;
        }

      if (albums != NULL)
        {
          asset->albums = g_new0 (const char *, albums->len + 1);
          for (guint i = 0; i < albums->len; i++)
            {
              KsPhotosDbAlbum *album = g_ptr_array_index (albums, i);

              asset->albums[i] = album->path;
              if (!(asset->flags & (KS_ASSET_FLAG_TRASHED | KS_ASSET_FLAG_HIDDEN)))
                album->count++;
            }
        }

      g_ptr_array_add (self->assets, asset);
      g_hash_table_insert (self->by_path, asset->path, asset);
    }
  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;
  return step_done (r, stmt, rc, error);
}

static gboolean
read_library (KsPhotosDb  *self,
              Reader      *r,
              GError     **error)
{
  g_autoptr(GHashTable) tables = NULL;
  g_autoptr(GHashTable) entities = NULL;
  g_autoptr(GHashTable) albums_by_pk = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) members = NULL;
  g_autoptr(GHashTable) originals = NULL;
  g_autofree char *join = NULL;
  g_autofree char *album_col = NULL;
  g_autofree char *asset_col = NULL;

  tables = table_names (r, error);
  if (tables == NULL)
    return FALSE;
  if (!g_hash_table_contains (tables, "ZASSET") && !g_hash_table_contains (tables, "ZGENERICASSET"))
    {
      g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_SCHEMA,
                           _("The Photos library has an unknown layout (no table of assets)"));
      return FALSE;
    }

  if (g_hash_table_contains (tables, "Z_PRIMARYKEY"))
    {
      entities = entity_names (r, error);
      if (entities == NULL)
        return FALSE;
      if (!find_album_join (r, tables, entities, &join, &album_col, &asset_col, error))
        return FALSE;
    }
  if (join != NULL && (!is_plain_identifier (join) || !is_plain_identifier (album_col) ||
                       !is_plain_identifier (asset_col)))
    g_clear_pointer (&join, g_free);

  if (!read_albums (self, r, tables, albums_by_pk, error))
    return FALSE;
  if (join != NULL)
    members = read_memberships (r, join, album_col, asset_col, albums_by_pk, error);
  else
    members = g_hash_table_new (g_int64_hash, g_int64_equal);
  if (members == NULL)
    return FALSE;
  originals = read_originals (r, tables, error);
  if (originals == NULL)
    return FALSE;
  if (!read_assets (self, r, tables, members, originals, error))
    return FALSE;

  g_ptr_array_sort (self->albums, compare_albums);
  self->schema = g_strdup_printf ("%s, albums in %s",
                                  g_hash_table_contains (tables, "ZASSET") ? "ZASSET" : "ZGENERICASSET",
                                  join != NULL ? join : "(none found)");
  return TRUE;
}

/**
 * ks_photos_db_open:
 * @path: a private copy of Photos.sqlite, its -wal beside it; it may be changed (the -wal
 *   replayed), so never the phone's own file
 *
 * Returns: (transfer full): the library, or %NULL with @error (KS_PHOTOS_DB_ERROR)
 */
KsPhotosDb *
ks_photos_db_open (const char    *path,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(KsPhotosDb) self = NULL;
  Reader r = { NULL, cancellable, 0, 0, FALSE };
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_MISSING,
                           _("There is no Photos library on this iPhone"));
      return NULL;
    }

  self = g_object_new (KS_TYPE_PHOTOS_DB, NULL);
  ok = reader_open (&r, path, error) && read_library (self, &r, error);
  reader_close (&r);
  if (!ok)
    return NULL;

  return g_steal_pointer (&self);
}

guint
ks_photos_db_get_n_assets (KsPhotosDb *self)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), 0);
  return self->assets->len;
}

const KsPhotosDbAsset *
ks_photos_db_get_asset (KsPhotosDb *self,
                        guint       index)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), NULL);
  g_return_val_if_fail (index < self->assets->len, NULL);
  return g_ptr_array_index (self->assets, index);
}

const KsPhotosDbAsset *
ks_photos_db_lookup (KsPhotosDb *self,
                     const char *path)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  return g_hash_table_lookup (self->by_path, path);
}

guint
ks_photos_db_get_n_albums (KsPhotosDb *self)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), 0);
  return self->albums->len;
}

const KsPhotosDbAlbum *
ks_photos_db_get_album (KsPhotosDb *self,
                        guint       index)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), NULL);
  g_return_val_if_fail (index < self->albums->len, NULL);
  return g_ptr_array_index (self->albums, index);
}

guint
ks_photos_db_get_icloud_only (KsPhotosDb *self,
                              guint64    *out_bytes)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), 0);
  if (out_bytes != NULL)
    *out_bytes = self->icloud_only_bytes;
  return self->n_icloud_only;
}

const char *
ks_photos_db_get_schema (KsPhotosDb *self)
{
  g_return_val_if_fail (KS_IS_PHOTOS_DB (self), NULL);
  return self->schema;
}
