/* ks-asset-grouper.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetGrouper: files in, assets out, one directory at a time. */

/* Grouping works one directory at a time: KsSource promises to report a directory's
 * files consecutively, so when the walk moves on, that directory's assets are final.
 *
 * Rules, within one directory, comparing stems ASCII-case-insensitively:
 * - every file the source reports ends up in exactly one asset: a backup must not decide
 *   that a file on the phone does not matter;
 * - a file of kind OTHER (unknown or missing extension, a name that starts with its only
 *   dot: IMG_0007.XYZ, README, .hidden) is an asset of its own, never a companion, even
 *   next to a photo with the same stem;
 * - IMG_1234.HEIC (or .JPG, .DNG, .PNG, …) is a photo asset; the preferred photo
 *   (HEIC > JPEG > DNG > PNG > GIF > other) takes IMG_1234.MOV (or .MP4) as its
 *   Live movie; further photos or movies with the same stem are assets of their own;
 * - IMG_E1234.<photo> is the EDITED file and IMG_E1234.<movie> the EDITED_LIVE_VIDEO
 *   (or EDITED, for a video asset) of IMG_1234's asset, if that exists;
 * - IMG_1234.AAE and IMG_O1234.AAE are SIDECARs of IMG_1234's asset; an AAE whose
 *   asset is missing is an asset of its own (kind SIDECAR, media type OTHER);
 * - a marked name (IMG_E…, IMG_O…) without its base is an ordinary file;
 * - only "", "." and "..", which name no file, are skipped (and counted).
 * Only the file name (after the last '/') takes part; any bytes are fine there. */

#include "config.h"

#include <string.h>

#include "ks-asset-grouper.h"

struct _KsAssetGrouper
{
  GObject    parent_instance;

  char      *source_id;
  char      *current_dir;
  GPtrArray *current_files; /* KsSourceFile */
  GPtrArray *ready;         /* KsAsset */
  GHashTable *done_dirs;    /* to notice sources that break the contiguity promise */
  guint      n_skipped;
};

G_DEFINE_FINAL_TYPE (KsAssetGrouper, ks_asset_grouper, G_TYPE_OBJECT)

typedef struct
{
  const KsSourceFile *file;
  const char         *name;
  char               *stem_key;  /* lower-cased stem */
  char               *base_key;  /* lower-cased stem without the E/O marker, or NULL */
  char                marker;    /* 'e', 'o' or 0 */
  KsAssetKind         kind;
  gboolean            used;
} Entry;

static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->stem_key, g_free);
  g_clear_pointer (&entry->base_key, g_free);
}

static void
ks_asset_grouper_finalize (GObject *object)
{
  KsAssetGrouper *self = (KsAssetGrouper *)object;

  g_clear_pointer (&self->source_id, g_free);
  g_clear_pointer (&self->current_dir, g_free);
  g_clear_pointer (&self->current_files, g_ptr_array_unref);
  g_clear_pointer (&self->ready, g_ptr_array_unref);
  g_clear_pointer (&self->done_dirs, g_hash_table_unref);

  G_OBJECT_CLASS (ks_asset_grouper_parent_class)->finalize (object);
}

static void
ks_asset_grouper_class_init (KsAssetGrouperClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_asset_grouper_finalize;
}

static void
ks_asset_grouper_init (KsAssetGrouper *self)
{
  self->current_files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  self->ready = g_ptr_array_new_with_free_func (g_object_unref);
  self->done_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

KsAssetGrouper *
ks_asset_grouper_new (const char *source_id)
{
  KsAssetGrouper *self;

  g_return_val_if_fail (source_id != NULL, NULL);

  self = g_object_new (KS_TYPE_ASSET_GROUPER, NULL);
  self->source_id = g_strdup (source_id);
  return self;
}

/* "img_e1234" → base "img_1234", marker 'e'. The marker is one letter right after
 * the last '_' and followed only by digits, as iOS names them. */
static char *
split_marker (const char *stem_key,
              char       *marker)
{
  const char *underscore = strrchr (stem_key, '_');
  const char *p;

  *marker = 0;
  if (underscore == NULL || (underscore[1] != 'e' && underscore[1] != 'o') || underscore[2] == '\0')
    return NULL;
  for (p = underscore + 2; *p; p++)
    if (!g_ascii_isdigit (*p))
      return NULL;

  *marker = underscore[1];
  return g_strdup_printf ("%.*s%s", (int) (underscore + 1 - stem_key), stem_key, underscore + 2);
}

static int
photo_preference (KsAssetKind kind)
{
  switch (kind)
    {
    case KS_ASSET_KIND_HEIC: return 0;
    case KS_ASSET_KIND_JPEG: return 1;
    case KS_ASSET_KIND_DNG: return 2;
    case KS_ASSET_KIND_PNG: return 3;
    case KS_ASSET_KIND_GIF: return 4;
    case KS_ASSET_KIND_MOV: return 0;
    case KS_ASSET_KIND_MP4: return 1;
    case KS_ASSET_KIND_OTHER_PHOTO:
    case KS_ASSET_KIND_OTHER_VIDEO:
    case KS_ASSET_KIND_SIDECAR:
    case KS_ASSET_KIND_OTHER:
    case KS_ASSET_KIND_UNKNOWN:
    default:
      return 9;
    }
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *ea = a;
  const Entry *eb = b;
  int pa = photo_preference (ea->kind);
  int pb = photo_preference (eb->kind);

  if (pa != pb)
    return pa < pb ? -1 : 1;
  return strcmp (ea->name, eb->name);
}

static KsAssetFile *
file_for_entry (Entry           *entry,
                KsAssetFileRole  role)
{
  entry->used = TRUE;
  return ks_asset_file_new (role, entry->file->path, entry->file->size, entry->file->mtime);
}

static int
compare_assets_by_key (gconstpointer a,
                       gconstpointer b)
{
  KsAsset *aa = *(KsAsset * const *)a;
  KsAsset *ab = *(KsAsset * const *)b;

  return strcmp (ks_asset_get_key (aa), ks_asset_get_key (ab));
}

static void
group_directory (KsAssetGrouper *self)
{
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GHashTable) main_assets = NULL; /* stem_key → KsAsset (borrowed from @assets) */
  g_autoptr(GPtrArray) assets = NULL;

  if (self->current_files->len == 0)
    return;

  entries = g_array_sized_new (FALSE, TRUE, sizeof (Entry), self->current_files->len);
  g_array_set_clear_func (entries, (GDestroyNotify) entry_clear);
  main_assets = g_hash_table_new (g_str_hash, g_str_equal);
  assets = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->current_files->len; i++)
    {
      const KsSourceFile *file = g_ptr_array_index (self->current_files, i);
      const char *slash = strrchr (file->path, '/');
      const char *name = slash ? slash + 1 : file->path;
      const char *dot = strrchr (name, '.');
      Entry entry = { 0 };
      g_autofree char *stem = NULL;

      entry.file = file;
      entry.name = name;
      if (name[0] == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        {
          g_debug ("Skipping an entry that names no file");
          self->n_skipped++;
          continue;
        }

      entry.kind = ks_asset_kind_from_name (name, -1);
      if (entry.kind == KS_ASSET_KIND_OTHER)
        {
          g_autoptr(KsAssetFile) primary = file_for_entry (&entry, KS_ASSET_FILE_ROLE_PRIMARY);

          g_ptr_array_add (assets, ks_asset_new (self->source_id, primary));
          continue;
        }
      g_assert (dot != NULL && dot != name);

      stem = g_strndup (name, dot - name);
      entry.stem_key = g_ascii_strdown (stem, -1);
      entry.base_key = split_marker (entry.stem_key, &entry.marker);
      g_array_append_val (entries, entry);
    }

  /* Photos first in preference order, then movies, so each stem's main asset is
   * the best photo, and a movie finds its photo already there. */
  g_array_sort (entries, compare_entries);

  /* Pass 1: unmarked photos. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      g_autoptr(KsAssetFile) file = NULL;
      KsAsset *asset;

      if (ks_asset_kind_get_media_type (e->kind) != KS_MEDIA_TYPE_PHOTO || e->kind == KS_ASSET_KIND_SIDECAR)
        continue;
      if (e->base_key != NULL)
        continue; /* decided in pass 3 */

      file = file_for_entry (e, KS_ASSET_FILE_ROLE_PRIMARY);
      asset = ks_asset_new (self->source_id, file);
      g_ptr_array_add (assets, asset);
      if (!g_hash_table_contains (main_assets, e->stem_key))
        g_hash_table_insert (main_assets, e->stem_key, asset);
    }

  /* Pass 2: unmarked movies: the Live movie of a photo, else a video asset. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      KsAsset *main_asset;

      if (ks_asset_kind_get_media_type (e->kind) != KS_MEDIA_TYPE_VIDEO || e->base_key != NULL)
        continue;

      main_asset = g_hash_table_lookup (main_assets, e->stem_key);
      if (main_asset != NULL &&
          ks_asset_get_media_type (main_asset) == KS_MEDIA_TYPE_PHOTO &&
          !ks_asset_is_live (main_asset))
        {
          g_autoptr(KsAssetFile) file = file_for_entry (e, KS_ASSET_FILE_ROLE_LIVE_VIDEO);

          ks_asset_add_file (main_asset, file);
        }
      else
        {
          g_autoptr(KsAssetFile) file = file_for_entry (e, KS_ASSET_FILE_ROLE_PRIMARY);
          KsAsset *asset = ks_asset_new (self->source_id, file);

          g_ptr_array_add (assets, asset);
          if (main_asset == NULL)
            g_hash_table_insert (main_assets, e->stem_key, asset);
        }
    }

  /* Pass 3: marked names (edits, original sidecars) join their base's asset;
   * a marked media file without a base is an asset of its own. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      KsAsset *main_asset;
      KsAssetFileRole role;

      if (e->base_key == NULL || e->kind == KS_ASSET_KIND_SIDECAR)
        continue;

      main_asset = g_hash_table_lookup (main_assets, e->base_key);
      if (main_asset != NULL && e->marker == 'e')
        {
          g_autoptr(KsAssetFile) file = NULL;

          if (ks_asset_kind_get_media_type (e->kind) == KS_MEDIA_TYPE_PHOTO)
            role = KS_ASSET_FILE_ROLE_EDITED;
          else if (ks_asset_get_media_type (main_asset) == KS_MEDIA_TYPE_PHOTO)
            role = KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO;
          else
            role = KS_ASSET_FILE_ROLE_EDITED;

          if (ks_asset_get_file_for_role (main_asset, role) == NULL)
            {
              file = file_for_entry (e, role);
              ks_asset_add_file (main_asset, file);
              continue;
            }
        }

      {
        g_autoptr(KsAssetFile) file = file_for_entry (e, KS_ASSET_FILE_ROLE_PRIMARY);
        KsAsset *asset = ks_asset_new (self->source_id, file);

        g_ptr_array_add (assets, asset);
        if (!g_hash_table_contains (main_assets, e->stem_key))
          g_hash_table_insert (main_assets, e->stem_key, asset);
      }
    }

  /* Pass 4: sidecars. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      KsAsset *main_asset;

      if (e->kind != KS_ASSET_KIND_SIDECAR)
        continue;

      main_asset = g_hash_table_lookup (main_assets, e->stem_key);
      if (main_asset == NULL && e->base_key != NULL)
        main_asset = g_hash_table_lookup (main_assets, e->base_key);

      if (main_asset != NULL)
        {
          g_autoptr(KsAssetFile) file = file_for_entry (e, KS_ASSET_FILE_ROLE_SIDECAR);

          ks_asset_add_file (main_asset, file);
        }
      else
        {
          /* Its photo is gone (or was never here): the edit data is still the user's. */
          g_autoptr(KsAssetFile) file = file_for_entry (e, KS_ASSET_FILE_ROLE_PRIMARY);

          g_ptr_array_add (assets, ks_asset_new (self->source_id, file));
        }
    }

  g_ptr_array_sort (assets, compare_assets_by_key);
  g_ptr_array_extend_and_steal (self->ready, g_steal_pointer (&assets));
}

static void
close_directory (KsAssetGrouper *self)
{
  group_directory (self);
  g_ptr_array_set_size (self->current_files, 0);

  if (self->current_dir != NULL)
    g_hash_table_add (self->done_dirs, g_steal_pointer (&self->current_dir));
}

/**
 * ks_asset_grouper_add:
 * @file: (transfer none): a file as the source reported it
 *
 * Feeds one file. When @file is in another directory than the previous one,
 * the previous directory's assets become ready.
 */
void
ks_asset_grouper_add (KsAssetGrouper     *self,
                      const KsSourceFile *file)
{
  const char *slash;
  gsize dir_len;

  g_return_if_fail (KS_IS_ASSET_GROUPER (self));
  g_return_if_fail (file != NULL && file->path != NULL);

  slash = strrchr (file->path, '/');
  dir_len = slash ? (gsize) (slash - file->path) : 0;

  if (self->current_dir == NULL ||
      strlen (self->current_dir) != dir_len ||
      strncmp (self->current_dir, file->path, dir_len) != 0)
    {
      close_directory (self);
      self->current_dir = g_strndup (file->path, dir_len);
      /* A misbehaving device can send a name containing '/', which makes a file look as if
       * it sat in a subfolder between two files of the same folder. Grouping stays correct
       * for every other file; only companions split that way may go unpaired. */
      if (g_hash_table_contains (self->done_dirs, self->current_dir))
        g_debug ("Source reported a directory's files apart; companions there may not be paired");
    }

  g_ptr_array_add (self->current_files, ks_source_file_copy (file));
}

/**
 * ks_asset_grouper_take_ready:
 *
 * Returns: (transfer full) (element-type KsAsset): the assets of the
 *   directories finished so far (possibly none)
 */
GPtrArray *
ks_asset_grouper_take_ready (KsAssetGrouper *self)
{
  GPtrArray *ready;

  g_return_val_if_fail (KS_IS_ASSET_GROUPER (self), NULL);

  ready = g_steal_pointer (&self->ready);
  self->ready = g_ptr_array_new_with_free_func (g_object_unref);
  return ready;
}

/**
 * ks_asset_grouper_finish:
 *
 * Ends the walk: groups the last directory.
 *
 * Returns: (transfer full) (element-type KsAsset): the assets not yet taken
 */
GPtrArray *
ks_asset_grouper_finish (KsAssetGrouper *self)
{
  g_return_val_if_fail (KS_IS_ASSET_GROUPER (self), NULL);

  close_directory (self);
  return ks_asset_grouper_take_ready (self);
}

guint
ks_asset_grouper_get_n_skipped (KsAssetGrouper *self)
{
  g_return_val_if_fail (KS_IS_ASSET_GROUPER (self), 0);
  return self->n_skipped;
}

/**
 * ks_asset_group_files:
 * @files: (element-type KsSourceFile): files, each directory's consecutively
 *
 * Returns: (transfer full) (element-type KsAsset): the assets
 */
GPtrArray *
ks_asset_group_files (const char *source_id,
                      GPtrArray  *files)
{
  g_autoptr(KsAssetGrouper) grouper = ks_asset_grouper_new (source_id);

  for (guint i = 0; i < files->len; i++)
    ks_asset_grouper_add (grouper, g_ptr_array_index (files, i));

  return ks_asset_grouper_finish (grouper);
}
