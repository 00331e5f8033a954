/* emu-sample-photosdb.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Writes PhotoData/Photos.sqlite as iOS 13…18 lay it out (Core Data tables: Z_PRIMARYKEY,
 * Z_METADATA, ZGENERICASSET or ZASSET, ZADDITIONALASSETATTRIBUTES, ZCLOUDMASTER,
 * ZINTERNALRESOURCE, ZGENERICALBUM, the album join table Z_<n>ASSETS whose number moves
 * between releases, ZSHARE from iOS 16), in WAL mode with the last transaction left in the
 * -wal, as a phone's assetsd leaves it. Names and values follow published forensic references
 * (iLEAPP's Photos.sqlite parsers, osxphotos, see /work/shared/research-wave2.md §1), not what
 * any reader expects. Which asset gets which flag is a pure function of its index. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <plist/plist.h>
#include <sqlite3.h>

#include "emu-sample-photosdb.h"

#define CORE_DATA_EPOCH G_GINT64_CONSTANT (978307200)   /* 2001-01-01T00:00:00Z */

/* Entity numbers (Z_PRIMARYKEY.Z_ENT) and the album join table per release. The asset and
 * album numbers are the ones iLEAPP's per-version queries join on: iOS 13
 * Z_26ASSETS(Z_26ALBUMS, Z_34ASSETS), iOS 14 Z_26ASSETS(Z_26ALBUMS, Z_3ASSETS), iOS 15
 * Z_27ASSETS, iOS 16 and 17.0–17.5 Z_28ASSETS, iOS 18 Z_30ASSETS. The others are ours. */
typedef struct
{
  guint        ios;
  const char  *asset_table;
  guint        asset_ent;
  guint        album_ent;
} EmuSchema;

static const EmuSchema schemas[] = {
  { 13, "ZGENERICASSET", 34, 26 },
  { 14, "ZASSET",         3, 26 },
  { 15, "ZASSET",         3, 27 },
  { 16, "ZASSET",         3, 28 },
  { 17, "ZASSET",         3, 28 },
  { 18, "ZASSET",         3, 30 },
};

/* ZGENERICALBUM.ZKIND */
#define KIND_USER_ALBUM     2
#define KIND_IMPORT_SESSION 1506
#define KIND_PROJECT_ROOT   3998
#define KIND_ROOT_FOLDER    3999
#define KIND_USER_FOLDER    4000

typedef struct
{
  guint       pk;
  guint       kind;
  guint       parent;     /* 0: none */
  const char *title;
  gboolean    trashed;
  guint       modulo;     /* member when index % modulo == rest (0: no members) */
  guint       rest;
  gboolean    counted;    /* a user album listed in the manifest */
} EmuAlbum;

static const EmuAlbum albums[] = {
  {  1, KIND_ROOT_FOLDER,    0, NULL,            FALSE,  0, 0, FALSE },
  {  2, KIND_PROJECT_ROOT,   0, NULL,            FALSE,  0, 0, FALSE },
  {  3, KIND_USER_FOLDER,    1, "Trips",         FALSE,  0, 0, FALSE },
  {  4, KIND_USER_ALBUM,     3, "Italy 2023",    FALSE,  9, 2, TRUE },
  {  5, KIND_USER_ALBUM,     3, "Norway",        FALSE,  9, 3, TRUE },
  {  6, KIND_USER_ALBUM,     1, "Family",        FALSE,  5, 0, TRUE },
  {  7, KIND_USER_ALBUM,     1, "Dogs \360\237\220\266", FALSE, 6, 1, TRUE },
  {  8, KIND_USER_ALBUM,     1, "Empty",         FALSE,  0, 0, TRUE },
  {  9, KIND_USER_ALBUM,     1, "Old trip",      TRUE,   4, 0, FALSE },
  { 10, KIND_USER_FOLDER,    3, "Summer",        FALSE,  0, 0, FALSE },
  { 11, KIND_USER_ALBUM,    10, "Beach",         FALSE, 11, 4, TRUE },
  { 12, KIND_IMPORT_SESSION, 0, NULL,            FALSE,  3, 0, FALSE },
};

typedef struct
{
  gboolean favorite, hidden, trashed, selfie, screenshot, screen_recording, shared_library;
  gboolean burst_chosen, burst_other;
  gboolean uploaded;   /* in iCloud Photos (ZCLOUDLOCALSTATE 1); the rest waits for upload */
} EmuFlags;

static void
asset_flags (const EmuAsset *asset,
             guint           ios,
             EmuFlags       *f)
{
  guint i = asset->index;

  memset (f, 0, sizeof *f);
  f->favorite = i % 7 == 1;
  f->hidden = i % 17 == 5;
  f->trashed = i % 19 == 7;
  f->selfie = asset->kind == EMU_KIND_HEIC && !asset->in_burst && !asset->icloud_only && i % 11 == 3;
  f->screenshot = asset->kind == EMU_KIND_PNG;
  f->screen_recording = asset->kind == EMU_KIND_MP4 && i % 2 == 0;
  f->shared_library = ios >= 16 && i % 13 == 4;
  /* With iCloud Photos on, nearly everything is uploaded; a few recent ones still wait (0). */
  f->uploaded = asset->icloud_only || i % 9 != 8;
  if (asset->in_burst)
    {
      /* One frame of the burst is the one shown (picked); the others are hidden in the grid. */
      f->burst_chosen = i % 3 == 0;
      f->burst_other = !f->burst_chosen;
    }
}

static gboolean
exec (sqlite3     *db,
      GError     **error,
      const char  *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Photos.sqlite: %s (%.60s…)", msg, sql);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static gboolean
execf (sqlite3     *db,
       GError     **error,
       const char  *format,
       ...)
{
  va_list args;
  char *sql;
  gboolean ok;

  va_start (args, format);
  sql = sqlite3_vmprintf (format, args);
  va_end (args);
  ok = exec (db, error, sql);
  sqlite3_free (sql);
  return ok;
}

static const char *
primary_extension (const EmuAsset *asset)
{
  switch (asset->kind)
    {
    case EMU_KIND_JPEG: return "JPG";
    case EMU_KIND_PNG: return "PNG";
    case EMU_KIND_MOV:
    case EMU_KIND_LARGE_MOV: return "MOV";
    case EMU_KIND_MP4: return "MP4";
    case EMU_KIND_HEIC:
    case EMU_KIND_LIVE:
    case EMU_KIND_EDITED:
    case EMU_N_KINDS:
    default: return "HEIC";
    }
}

static const char *
uti_for (const EmuAsset *asset)
{
  switch (asset->kind)
    {
    case EMU_KIND_JPEG: return "public.jpeg";
    case EMU_KIND_PNG: return "public.png";
    case EMU_KIND_MOV:
    case EMU_KIND_LARGE_MOV: return "com.apple.quicktime-movie";
    case EMU_KIND_MP4: return "public.mpeg-4";
    case EMU_KIND_HEIC:
    case EMU_KIND_LIVE:
    case EMU_KIND_EDITED:
    case EMU_N_KINDS:
    default: return "public.heic";
    }
}

static gboolean
is_video (const EmuAsset *asset)
{
  return asset->kind == EMU_KIND_MOV || asset->kind == EMU_KIND_MP4 || asset->kind == EMU_KIND_LARGE_MOV;
}

static gboolean
create_schema (sqlite3          *db,
               const EmuSchema  *s,
               GError          **error)
{
  g_autoptr(GString) asset_cols = g_string_new (NULL);
  plist_t meta = plist_new_dict ();
  char *bin = NULL;
  uint32_t bin_len = 0;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  g_string_append (asset_cols,
                   "Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZAVALANCHEPICKTYPE INTEGER, "
                   "ZCLOUDLOCALSTATE INTEGER, ZCLOUDPLACEHOLDERKIND INTEGER, ZFAVORITE INTEGER, "
                   "ZHASADJUSTMENTS INTEGER, ZHIDDEN INTEGER, ZKIND INTEGER, ZKINDSUBTYPE INTEGER, "
                   "ZORIENTATION INTEGER, ZPLAYBACKSTYLE INTEGER, ZSAVEDASSETTYPE INTEGER, "
                   "ZTRASHEDSTATE INTEGER, ZVISIBILITYSTATE INTEGER, ZHEIGHT INTEGER, ZWIDTH INTEGER, "
                   "ZADDITIONALATTRIBUTES INTEGER, ZMASTER INTEGER, ZMOMENT INTEGER, "
                   "ZADDEDDATE TIMESTAMP, ZDATECREATED TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP, "
                   "ZTRASHEDDATE TIMESTAMP, ZDURATION FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, "
                   "ZAVALANCHEUUID VARCHAR, ZCLOUDASSETGUID VARCHAR, ZDIRECTORY VARCHAR, "
                   "ZFILENAME VARCHAR, ZUNIFORMTYPEIDENTIFIER VARCHAR, ZUUID VARCHAR");
  if (s->ios >= 16)
    g_string_append (asset_cols, ", ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE INTEGER, "
                                 "ZLIBRARYSCOPESHARESTATE INTEGER, ZLIBRARYSCOPE INTEGER");
  if (s->ios >= 17)
    g_string_append (asset_cols, ", ZDERIVEDCAMERACAPTUREDEVICE INTEGER");
  if (s->ios >= 18)
    g_string_append (asset_cols, ", ZISDETECTEDSCREENSHOT INTEGER");

  ok = exec (db, error, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
       && exec (db, error, "BEGIN")
       && exec (db, error,
                "CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);"
                "CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);"
                "CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);")
       && execf (db, error, "CREATE TABLE %s ( %s );", s->asset_table, asset_cols->str)
       && exec (db, error,
                "CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
                "ZCAMERACAPTUREDEVICE INTEGER, ZORIGINALFILESIZE INTEGER, ZTIMEZONEOFFSET INTEGER, "
                "ZASSET INTEGER, ZEXIFTIMESTAMPSTRING VARCHAR, ZMASTERFINGERPRINT VARCHAR, "
                "ZORIGINALFILENAME VARCHAR, ZTIMEZONENAME VARCHAR);"
                "CREATE TABLE ZCLOUDMASTER (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
                "ZCLOUDLOCALSTATE INTEGER, ZCLOUDMASTERGUID VARCHAR, ZORIGINALFILENAME VARCHAR, "
                "ZUNIFORMTYPEIDENTIFIER VARCHAR);"
                "CREATE TABLE ZINTERNALRESOURCE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
                "ZDATASTORESUBTYPE INTEGER, ZLOCALAVAILABILITY INTEGER, ZREMOTEAVAILABILITY INTEGER, "
                "ZRESOURCETYPE INTEGER, ZASSET INTEGER, ZDATALENGTH INTEGER, ZFINGERPRINT VARCHAR);"
                "CREATE TABLE ZGENERICALBUM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
                "ZCACHEDCOUNT INTEGER, ZKIND INTEGER, ZTRASHEDSTATE INTEGER, ZPARENTFOLDER INTEGER, "
                "ZCREATIONDATE TIMESTAMP, ZTRASHEDDATE TIMESTAMP, ZCLOUDGUID VARCHAR, ZTITLE VARCHAR, "
                "ZUUID VARCHAR);")
       && execf (db, error,
                 "CREATE TABLE Z_%uASSETS (Z_%uALBUMS INTEGER, Z_%uASSETS INTEGER, Z_FOK_%uASSETS INTEGER, "
                 "PRIMARY KEY (Z_%uALBUMS, Z_%uASSETS));"
                 "CREATE INDEX Z_%uASSETS_Z_%uASSETS_INDEX ON Z_%uASSETS (Z_%uASSETS, Z_%uALBUMS);",
                 s->album_ent, s->album_ent, s->asset_ent, s->asset_ent,
                 s->album_ent, s->asset_ent,
                 s->album_ent, s->asset_ent, s->album_ent, s->asset_ent, s->album_ent)
       /* Another many-to-many whose name also ends in ASSETS (memories' curated assets):
        * a reader must tell the album join from it by its columns. */
       && execf (db, error,
                 "CREATE TABLE Z_%uMEMORIESBEINGCURATEDASSETS (Z_%uCURATEDASSETS INTEGER, "
                 "Z_40MEMORIESBEINGCURATEDASSETS INTEGER, PRIMARY KEY (Z_%uCURATEDASSETS, Z_40MEMORIESBEINGCURATEDASSETS));",
                 s->asset_ent, s->asset_ent, s->asset_ent)
       && (s->ios < 16 || exec (db, error,
                                "CREATE TABLE ZSHARE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
                                "ZSCOPETYPE INTEGER, ZCLOUDPHOTOCOUNT INTEGER, ZTITLE VARCHAR, ZUUID VARCHAR);"));
  if (!ok)
    return FALSE;

  /* Entities: the asset and album numbers above, the rest in free slots. */
  ok = execf (db, error,
              "INSERT INTO Z_PRIMARYKEY VALUES (1, 'AdditionalAssetAttributes', 0, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (%u, '%s', 0, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (%u, 'Asset', %u, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (%u, 'GenericAlbum', 0, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (%u, 'Album', %u, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (%u, 'Folder', %u, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (%u, 'ImportSession', %u, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (12, 'CloudMaster', 0, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (19, 'InternalResource', 0, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (40, 'Memory', 0, 0);"
              "INSERT INTO Z_PRIMARYKEY VALUES (45, 'Share', 0, 0);",
              s->ios == 13 ? 33 : 2, s->ios == 13 ? "GenericAsset" : "Keyword",
              s->asset_ent, s->ios == 13 ? 33 : 0,
              s->album_ent - 1, s->album_ent, s->album_ent - 1,
              s->album_ent + 5, s->album_ent - 1, s->album_ent + 6, s->album_ent - 1);
  if (!ok)
    return FALSE;

  /* Z_PLIST: Core Data's store metadata, a binary plist. */
  plist_dict_set_item (meta, "NSStoreType", plist_new_string ("SQLite"));
  plist_dict_set_item (meta, "NSPersistenceFrameworkVersion", plist_new_uint (1100));
  plist_to_bin (meta, &bin, &bin_len);
  plist_free (meta);
  if (sqlite3_prepare_v2 (db, "INSERT INTO Z_METADATA VALUES (1, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    {
      free (bin);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Photos.sqlite: %s", sqlite3_errmsg (db));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, "7C1A2F8E-0F1B-4C3A-9D5E-6B7A8C9D0E1F", -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, bin, (int) bin_len, SQLITE_TRANSIENT);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  free (bin);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Photos.sqlite: %s", sqlite3_errmsg (db));
  return ok;
}

static guint64
file_size (const char     *out,
           const EmuAsset *asset)
{
  g_autofree char *dir = emu_asset_dup_dir (asset);
  g_autofree char *name = emu_asset_dup_file_name (asset, "IMG_", primary_extension (asset));
  g_autofree char *path = g_build_filename (out, dir, name, NULL);
  struct stat st;

  if (stat (path, &st) != 0)
    return 0;
  return (guint64) st.st_size;
}

static guint64
icloud_size (const EmuAsset *asset)
{
  return is_video (asset) ? 48 * 1000 * 1000 + asset->index * 1000 : 2400 * 1000 + asset->index * 1000;
}

static gboolean
insert_asset (sqlite3          *db,
              const EmuSchema  *s,
              const char       *out,
              const EmuAsset   *asset,
              guint             pk,
              GError          **error)
{
  EmuFlags f;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *original_name = NULL;
  g_autofree char *burst_uuid = NULL;
  guint subtype = 0;
  guint playback = 1;
  guint pick = 0;
  guint visibility = 0;
  guint saved_type = 3;
  guint64 size;
  double created = (double) (asset->capture_usec / G_USEC_PER_SEC - CORE_DATA_EPOCH);
  g_autofree char *extra_cols = g_strdup ("");
  g_autofree char *extra_vals = g_strdup ("");

  asset_flags (asset, s->ios, &f);
  dir = asset->cpl_group > 0 ? g_strdup_printf ("CPLAssets/group%u", asset->cpl_group)
                             : emu_asset_dup_dir (asset);
  name = emu_asset_dup_file_name (asset, "IMG_", primary_extension (asset));
  original_name = g_strdup_printf ("IMG_%04u.%s", asset->cpl_group > 0 ? 5000 + asset->index : asset->number,
                                   primary_extension (asset));
  size = asset->icloud_only ? icloud_size (asset) : file_size (out, asset);

  if (asset->kind == EMU_KIND_LIVE)
    subtype = 2, playback = 3;
  else if (f.screenshot)
    subtype = 10;
  else if (is_video (asset))
    subtype = f.screen_recording ? 103 : 0, playback = 4;
  if (asset->in_burst)
    {
      burst_uuid = g_strdup ("B0B5B0B5-0000-4000-8000-00000000B0B5");
      pick = f.burst_chosen ? 8 : 2;
      visibility = f.burst_chosen ? 0 : 2;
    }
  if (asset->cpl_group > 0)
    saved_type = s->ios >= 18 ? 6 : 0;   /* from the iCloud Photo Library, not made here */

  if (s->ios >= 16)
    {
      g_free (extra_cols);
      g_free (extra_vals);
      extra_cols = g_strdup (", ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE, ZLIBRARYSCOPESHARESTATE, ZLIBRARYSCOPE");
      extra_vals = f.shared_library ? g_strdup (", 1, 1, 1") : g_strdup (", 0, 0, NULL");
    }
  if (s->ios >= 17)
    {
      char *c = g_strconcat (extra_cols, ", ZDERIVEDCAMERACAPTUREDEVICE", NULL);
      char *v = g_strdup_printf ("%s, %d", extra_vals, f.selfie ? 1 : 0);

      g_free (extra_cols);
      g_free (extra_vals);
      extra_cols = c;
      extra_vals = v;
    }
  if (s->ios >= 18)
    {
      char *c = g_strconcat (extra_cols, ", ZISDETECTEDSCREENSHOT", NULL);
      char *v = g_strdup_printf ("%s, %d", extra_vals, f.screenshot ? 1 : 0);

      g_free (extra_cols);
      g_free (extra_vals);
      extra_cols = c;
      extra_vals = v;
    }

  return execf (db, error,
                "INSERT INTO %s (Z_PK, Z_ENT, Z_OPT, ZAVALANCHEPICKTYPE, ZCLOUDLOCALSTATE, ZCLOUDPLACEHOLDERKIND, "
                "ZFAVORITE, ZHASADJUSTMENTS, ZHIDDEN, ZKIND, ZKINDSUBTYPE, ZORIENTATION, ZPLAYBACKSTYLE, "
                "ZSAVEDASSETTYPE, ZTRASHEDSTATE, ZVISIBILITYSTATE, ZHEIGHT, ZWIDTH, ZADDITIONALATTRIBUTES, "
                "ZMASTER, ZADDEDDATE, ZDATECREATED, ZMODIFICATIONDATE, ZTRASHEDDATE, ZDURATION, ZLATITUDE, "
                "ZLONGITUDE, ZAVALANCHEUUID, ZCLOUDASSETGUID, ZDIRECTORY, ZFILENAME, ZUNIFORMTYPEIDENTIFIER, ZUUID%s) "
                "VALUES (%u, %u, 3, %u, %d, 0, %d, %d, %d, %d, %u, %u, %u, %u, 0, %u, 3024, 4032, %u, %u, "
                "%f, %f, %f, NULL, %f, -180.0, -180.0, %Q, %Q, %Q, %Q, %Q, %Q%s);"
                "INSERT INTO ZADDITIONALASSETATTRIBUTES VALUES (%u, 1, 2, %d, %llu, %d, %u, %Q, %Q, %Q, %Q);"
                "INSERT INTO ZCLOUDMASTER VALUES (%u, 12, 1, 3, %Q, %Q, %Q);"
                "INSERT INTO ZINTERNALRESOURCE VALUES (NULL, 19, 1, 1, %d, 1, %d, %u, %llu, %Q);"
                "INSERT INTO ZINTERNALRESOURCE VALUES (NULL, 19, 1, 3, 1, 1, %d, %u, 40000, NULL);",
                s->asset_table, extra_cols,
                pk, s->asset_ent, pick, f.uploaded ? 1 : 0, f.favorite, asset->kind == EMU_KIND_EDITED, f.hidden,
                is_video (asset) ? 1 : 0, subtype, asset->orientation, playback, saved_type, visibility,
                pk, pk,
                created + 5, created, created + 60,
                is_video (asset) ? asset->n_frames * 0.5 : 0.0,
                burst_uuid, asset->uuid, dir, name, uti_for (asset), asset->uuid, extra_vals,
                /* additional attributes */
                pk, f.selfie ? 1 : 0, (unsigned long long) size, asset->tz_offset_min * 60, pk,
                "2023:05:01 12:34:56", asset->uuid, original_name, "Europe/Berlin",
                /* cloud master: synced (3) */
                pk, asset->uuid, original_name, uti_for (asset),
                /* the original (data store subtype 1): on the phone (1) or not (-1) */
                asset->icloud_only ? -1 : 1, is_video (asset) ? 1 : 0, pk, (unsigned long long) size, asset->uuid,
                /* a thumbnail-sized rendition, always local */
                is_video (asset) ? 1 : 0, pk);
}

typedef struct
{
  guint assets, favorites, hidden, trashed, screenshots, screen_recordings, selfies, live;
  guint burst_chosen, burst_other, shared_library, icloud_only, cpl, edited, in_icloud;
  guint64 icloud_only_bytes;
  guint album_count[G_N_ELEMENTS (albums)];
} EmuTally;

static gboolean
is_member (const EmuAlbum *album,
           const EmuAsset *asset,
           const EmuFlags *f)
{
  /* Only what the grid shows goes into albums (a burst's hidden frames do not). */
  return album->modulo > 0 && asset->index % album->modulo == album->rest && !f->burst_other;
}

static char *
album_path (const EmuAlbum *album)
{
  g_autoptr(GString) path = g_string_new (album->title);

  for (guint p = album->parent; p != 0; )
    {
      const EmuAlbum *parent = &albums[p - 1];

      if (parent->title != NULL)
        {
          g_string_prepend (path, "/");
          g_string_prepend (path, parent->title);
        }
      p = parent->parent;
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

static gboolean
write_manifest (const char      *manifest,
                const EmuSchema *s,
                const EmuTally  *t,
                GError         **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_key_file_set_integer (kf, "library", "ios", (int) s->ios);
  g_key_file_set_string (kf, "library", "asset_table", s->asset_table);
  g_key_file_set_integer (kf, "library", "assets", (int) t->assets);
  g_key_file_set_integer (kf, "library", "favorites", (int) t->favorites);
  g_key_file_set_integer (kf, "library", "hidden", (int) t->hidden);
  g_key_file_set_integer (kf, "library", "trashed", (int) t->trashed);
  g_key_file_set_integer (kf, "library", "screenshots", (int) t->screenshots);
  g_key_file_set_integer (kf, "library", "screen_recordings", (int) t->screen_recordings);
  g_key_file_set_integer (kf, "library", "selfies", (int) t->selfies);
  g_key_file_set_integer (kf, "library", "live", (int) t->live);
  g_key_file_set_integer (kf, "library", "edited", (int) t->edited);
  g_key_file_set_integer (kf, "library", "burst_chosen", (int) t->burst_chosen);
  g_key_file_set_integer (kf, "library", "burst_other", (int) t->burst_other);
  g_key_file_set_integer (kf, "library", "shared_library", (int) t->shared_library);
  g_key_file_set_integer (kf, "library", "icloud_only", (int) t->icloud_only);
  g_key_file_set_integer (kf, "library", "in_icloud", (int) t->in_icloud);
  g_key_file_set_uint64 (kf, "library", "icloud_only_bytes", t->icloud_only_bytes);
  g_key_file_set_integer (kf, "library", "cpl", (int) t->cpl);
  for (guint a = 0; a < G_N_ELEMENTS (albums); a++)
    if (albums[a].counted)
      {
        g_autofree char *path = album_path (&albums[a]);

        g_key_file_set_integer (kf, "albums", path, (int) t->album_count[a]);
      }
  return g_key_file_save_to_file (kf, manifest, error);
}

gboolean
emu_photosdb_write (const char        *out,
                    GArray            *plan,
                    const EmuOptions  *options,
                    const char        *manifest,
                    GError           **error)
{
  const EmuSchema *s = NULL;
  g_autofree char *dir = g_build_filename (out, "PhotoData", NULL);
  g_autofree char *path = g_build_filename (dir, "Photos.sqlite", NULL);
  EmuTally t = { 0 };
  sqlite3 *db = NULL;
  gboolean ok;

  for (guint i = 0; i < G_N_ELEMENTS (schemas); i++)
    if (schemas[i].ios == options->ios)
      s = &schemas[i];
  if (s == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no schema for iOS %u", options->ios);
      return FALSE;
    }

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  /* A fresh database each time, as a phone has one. */
  for (guint i = 0; i < 3; i++)
    {
      static const char *suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);

      (void) g_remove (p);
    }

  if (sqlite3_open (path, &db) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, sqlite3_errmsg (db));
      sqlite3_close (db);
      return FALSE;
    }

  ok = create_schema (db, s, error);

  for (guint a = 0; ok && a < G_N_ELEMENTS (albums); a++)
    {
      char parent[16] = "NULL";

      if (albums[a].parent)
        g_snprintf (parent, sizeof parent, "%u", albums[a].parent);
      ok = execf (db, error,
                "INSERT INTO ZGENERICALBUM VALUES (%u, %u, 1, 0, %u, %d, %s, 600000000.0, %s, NULL, %Q, "
                "'A1B0%04u-0000-4000-8000-000000000000');",
                albums[a].pk,
                albums[a].kind == KIND_USER_ALBUM ? s->album_ent
                  : albums[a].kind == KIND_IMPORT_SESSION ? s->album_ent + 6 : s->album_ent + 5,
                albums[a].kind, albums[a].trashed,
                parent, albums[a].trashed ? "700000000.0" : "NULL", albums[a].title, albums[a].pk);
    }
  if (ok && s->ios >= 16)
    ok = exec (db, error, "INSERT INTO ZSHARE VALUES (1, 45, 1, 4, 0, 'Shared Library', "
                          "'5A4ED000-0000-4000-8000-000000000001');");

  /* The camera roll goes into the main file… */
  for (guint i = 0; ok && i < plan->len; i++)
    {
      const EmuAsset *asset = &g_array_index (plan, EmuAsset, i);

      if (asset->icloud_only)
        continue;
      ok = insert_asset (db, s, out, asset, i + 1, error);
    }
  ok = ok && exec (db, error, "COMMIT") && exec (db, error, "PRAGMA wal_checkpoint(TRUNCATE)");

  /* …and the latest changes stay in the -wal, not yet checkpointed: the evicted originals,
   * album memberships, favourites and deletions. A reader that skips the -wal misses them. */
  ok = ok && exec (db, error, "BEGIN");
  for (guint i = 0; ok && i < plan->len; i++)
    {
      const EmuAsset *asset = &g_array_index (plan, EmuAsset, i);
      EmuFlags f;

      asset_flags (asset, s->ios, &f);
      if (asset->icloud_only)
        ok = insert_asset (db, s, out, asset, i + 1, error);
      if (ok && f.trashed)
        ok = execf (db, error, "UPDATE %s SET ZTRASHEDSTATE = 1, ZTRASHEDDATE = %f WHERE Z_PK = %u;",
                    s->asset_table,
                    (double) (asset->capture_usec / G_USEC_PER_SEC - CORE_DATA_EPOCH + 86400 * 3), i + 1);
      for (guint a = 0; ok && a < G_N_ELEMENTS (albums); a++)
        if (is_member (&albums[a], asset, &f))
          {
            ok = execf (db, error, "INSERT INTO Z_%uASSETS VALUES (%u, %u, %u);",
                        s->album_ent, albums[a].pk, i + 1, i + 1);
            if (!f.trashed && !f.hidden)
              t.album_count[a]++;
          }

      t.assets++;
      t.favorites += f.favorite;
      t.hidden += f.hidden;
      t.trashed += f.trashed;
      t.screenshots += f.screenshot;
      t.screen_recordings += f.screen_recording;
      t.selfies += f.selfie;
      t.live += asset->kind == EMU_KIND_LIVE;
      t.edited += asset->kind == EMU_KIND_EDITED;
      t.burst_chosen += f.burst_chosen;
      t.burst_other += f.burst_other;
      t.shared_library += f.shared_library;
      t.cpl += asset->cpl_group > 0;
      t.in_icloud += f.uploaded && !asset->icloud_only;
      if (asset->icloud_only)
        {
          t.icloud_only++;
          t.icloud_only_bytes += icloud_size (asset);
        }
    }
  for (guint a = 0; ok && a < G_N_ELEMENTS (albums); a++)
    ok = execf (db, error, "UPDATE ZGENERICALBUM SET ZCACHEDCOUNT = %u WHERE Z_PK = %u;",
                t.album_count[a], albums[a].pk);
  ok = ok && exec (db, error, "COMMIT");

  /* Close without the checkpoint sqlite would otherwise run: the -wal keeps its frames. */
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_close (db);

  if (ok && manifest != NULL)
    ok = write_manifest (manifest, s, &t, error);
  return ok;
}
