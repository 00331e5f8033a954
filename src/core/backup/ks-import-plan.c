/* ks-import-plan.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What a run copies: the source is listed (unless the caller gave the assets) while the
 * destinations open and the catalog says what it knows of this source; then each wanted
 * file (by the flags) is asked for in each destination's own index, and a destination that
 * cannot hold what it lacks is refused up front. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-asset.h"
#include "ks-asset-grouper.h"
#include "ks-import-job-private.h"
#include "ks-protection-icloud.h"
#include "ks-photos-db.h"

static gboolean
wants_file (KsImportJob *self,
            KsAsset     *asset,
            KsAssetFile *file)
{
  KsAssetFlags asset_flags = ks_asset_get_flags (asset);

  if (((self->flags & KS_IMPORT_FLAGS_SKIP_TRASHED) && (asset_flags & KS_ASSET_FLAG_TRASHED)) ||
      ((self->flags & KS_IMPORT_FLAGS_SKIP_HIDDEN) && (asset_flags & KS_ASSET_FLAG_HIDDEN)))
    return FALSE;

  switch (ks_asset_file_get_role (file))
    {
    case KS_ASSET_FILE_ROLE_PRIMARY:
      /* A sidecar whose photo is gone is its own asset; the choice about sidecars still holds. */
      if (ks_asset_get_kind (asset) == KS_ASSET_KIND_SIDECAR)
        return !(self->flags & KS_IMPORT_FLAGS_SKIP_SIDECARS);
      return !(ks_asset_get_media_type (asset) == KS_MEDIA_TYPE_VIDEO
               && (self->flags & KS_IMPORT_FLAGS_SKIP_VIDEOS));
    case KS_ASSET_FILE_ROLE_LIVE_VIDEO:
      return !(self->flags & KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS);
    case KS_ASSET_FILE_ROLE_EDITED:
      return !(self->flags & KS_IMPORT_FLAGS_SKIP_EDITED);
    case KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO:
      return !(self->flags & (KS_IMPORT_FLAGS_SKIP_EDITED | KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS));
    case KS_ASSET_FILE_ROLE_SIDECAR:
      return !(self->flags & KS_IMPORT_FLAGS_SKIP_SIDECARS);
    default:
      return TRUE;
    }
}

/* ---- preparing: listing, opening, the catalog's rows ---- */

static gboolean
collect_file_cb (KsSource           *source,
                 const KsSourceFile *file,
                 gpointer            user_data)
{
  g_ptr_array_add (user_data, ks_source_file_copy (file));
  return TRUE;
}

/* What the source holds now, so its protection is known when it is not connected. A listing
 * cut short is not an inventory. */
static void
record_inventory (KsImportRun *run)
{
  g_autoptr(GPtrArray) files = ks_protection_dup_primary_files (run->assets);
  g_autoptr(GError) error = NULL;

  if (!ks_catalog_replace_inventory (run->self->catalog, ks_source_get_id (run->source), files, &error))
    g_message ("Catalog: %s", error->message);
  /* And what iCloud holds of it, which the inventory has no room for. */
  else if (!ks_protection_store_icloud (run->self->catalog, ks_source_get_id (run->source), run->assets,
                                        run->self->result->not_on_device, &error))
    g_message ("Catalog: %s", error->message);
}

/* Originals only in iCloud are no files of the phone: counted apart, never tried. */
static void
count_not_on_device (KsImportRun *run)
{
  g_autoptr(KsPhotosDb) library = ks_source_dup_library (run->source);
  KsImportResult *result = run->self->result;

  if (library == NULL)
    return;
  result->not_on_device = ks_photos_db_get_icloud_only (library, &result->not_on_device_bytes);
  if ((run->self->flags & (KS_IMPORT_FLAGS_SKIP_TRASHED | KS_IMPORT_FLAGS_SKIP_HIDDEN)) == 0)
    return;
  /* Those the options leave out anyway are not counted either. */
  result->not_on_device = 0;
  result->not_on_device_bytes = 0;
  for (guint i = 0; i < ks_photos_db_get_n_assets (library); i++)
    {
      const KsPhotosDbAsset *asset = ks_photos_db_get_asset (library, i);

      if (!(asset->flags & KS_ASSET_FLAG_ICLOUD_ONLY) ||
          ((run->self->flags & KS_IMPORT_FLAGS_SKIP_TRASHED) && (asset->flags & KS_ASSET_FLAG_TRASHED)) ||
          ((run->self->flags & KS_IMPORT_FLAGS_SKIP_HIDDEN) && (asset->flags & KS_ASSET_FLAG_HIDDEN)))
        continue;
      result->not_on_device++;
      result->not_on_device_bytes += asset->size;
    }
}

/* Lists the source (unless the caller gave the assets): runs while the destinations open. */
static gboolean
list_source (KsImportRun   *run,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) local_error = NULL;

  if (run->assets != NULL)
    return TRUE;

  files = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_source_file_free);
  if (!ks_source_enumerate (run->source, collect_file_cb, files, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _ks_import_set_cancelled (error);
      else
        g_set_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST,
                     "Could not list the source: %s", local_error->message);
      return FALSE;
    }
  run->assets = ks_asset_group_files (ks_source_get_id (run->source), files);
  /* Albums and flags from the phone's Photos library, if it has one we could read. */
  ks_source_annotate_assets (run->source, run->assets);
  count_not_on_device (run);
  record_inventory (run);

  return TRUE;
}

static gboolean
open_destinations (KsImportRun  *run,
                   GError      **error)
{
  KsImportJob *self = run->self;

  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *uri = NULL;
      g_autofree char *name = NULL;
      g_autofree char *uuid = NULL;

      if (!ks_destination_open (run->dests[d], run->cancellable, &local_error))
        {
          _ks_import_dest_open_failed (run, d, local_error);
          continue;
        }

      uri = ks_destination_dup_uri (run->dests[d]);
      name = ks_destination_dup_display_name (run->dests[d]);
      uuid = ks_destination_dup_volume_uuid (run->dests[d]);
      if (!ks_catalog_record_destination (self->catalog, ks_destination_get_id (run->dests[d]),
                                          ks_destination_get_kind (run->dests[d]),
                                          uri, name, uuid, &local_error))
        /* A file whose record then fails is reported with the file. */
        g_message ("Catalog: %s", local_error->message);
    }

  return _ks_import_check_dest_left (run, error);
}

/* Opens the destinations (reading their indexes, sweeping old temporaries) and reads the
 * catalog's rows for this source, while the task's thread lists the phone. If no
 * destination can be used, there is no point listing: the listing is stopped. */
static gpointer
prepare_thread (gpointer data)
{
  KsImportRun *run = data;

  if (!open_destinations (run, &run->prepare_error))
    g_cancellable_cancel (run->listing);
  /* Same rule as ks_catalog_lookup_source_file(): only an unchanged size and mtime vouch
   * for the hash. One query: a lookup per file cost more than listing the phone when
   * nothing is new. */
  run->known = ks_catalog_list_source_files (run->self->catalog, ks_source_get_id (run->source), NULL);

  return NULL;
}

static void
cancel_listing_cb (GCancellable *cancellable,
                   gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

/**
 * _ks_import_prepare:
 *
 * Lists the source and opens the destinations, both at once: listing a phone is round
 * trips, opening the destinations is disk work.
 *
 * Returns: %FALSE (with @error) if the run cannot go on
 */
gboolean
_ks_import_prepare (KsImportRun  *run,
                    GError      **error)
{
  g_autoptr(GError) list_error = NULL;
  GThread *prepare;
  gulong handler;

  g_assert (KS_IS_IMPORT_JOB (run->self));

  run->listing = g_cancellable_new ();
  handler = g_cancellable_connect (run->cancellable, G_CALLBACK (cancel_listing_cb),
                                   g_object_ref (run->listing), g_object_unref);
  prepare = g_thread_new ("ks-import-prepare", prepare_thread, run);
  list_source (run, run->listing, &list_error);
  g_thread_join (prepare);
  g_cancellable_disconnect (run->cancellable, handler);

  if (run->prepare_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&run->prepare_error));
      return FALSE;
    }
  if (list_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&list_error));
      return FALSE;
    }

  return TRUE;
}

/* Returns: (transfer full): the ids of the destinations still in the run, space-separated */
char *
_ks_import_dup_dest_ids (KsImportRun *run)
{
  GString *ids = g_string_new (NULL);

  for (guint d = 0; d < run->n_dests; d++)
    if (_ks_import_dest_alive (run, d))
      g_string_append_printf (ids, "%s%s", ids->len ? " " : "", ks_destination_get_id (run->dests[d]));

  return g_string_free (ids, FALSE);
}

/* ---- planning ---- */

/* What each destination's file system can hold at most (0: no limit), and why. */
typedef struct
{
  guint64  max_size[KS_IMPORT_MAX_DESTINATIONS];
  char    *reason[KS_IMPORT_MAX_DESTINATIONS];
} SizeLimits;

static void
query_size_limits (KsImportRun *run,
                   SizeLimits  *limits)
{
  for (guint d = 0; d < run->n_dests; d++)
    if (_ks_import_dest_alive (run, d))
      limits->max_size[d] = ks_destination_query_max_file_size (run->dests[d], &limits->reason[d]);
}

static void
clear_size_limits (SizeLimits *limits)
{
  for (guint d = 0; d < KS_IMPORT_MAX_DESTINATIONS; d++)
    g_clear_pointer (&limits->reason[d], g_free);
}

/* A file larger than destination @d can hold (FAT32's 4 GiB) is named before the run, not
 * discovered halfway through it: it is that file's error there, and the rest go on. */
static gboolean
too_large_for (KsImportRun      *run,
               KsImportItem     *item,
               guint             d,
               const SizeLimits *limits)
{
  guint64 size = ks_asset_file_get_size (item->file);
  g_autofree char *human = NULL;
  g_autoptr(GError) error = NULL;

  if (limits == NULL || limits->max_size[d] == 0 || size <= limits->max_size[d])
    return FALSE;

  human = g_format_size_full (size, G_FORMAT_SIZE_IEC_UNITS);
  /* Translators: “IMG_0001.MOV” is 4.5 GiB; the FAT32 file system of “Passport” can’t … */
  error = g_error_new (KS_IMPORT_ERROR, KS_IMPORT_ERROR_TOO_LARGE, _("“%s” is %s; %s"),
                       ks_asset_file_get_name (item->file), human,
                       limits->reason[d] != NULL ? limits->reason[d] : _("the destination can’t hold a file that large"));
  _ks_import_add_file_error (run, item, d, error);
  return TRUE;
}

/* An item for @file, with the hash the catalog vouches for and which destinations lack it;
 * adds what it needs to @need_bytes. */
static KsImportItem *
plan_item (KsImportRun  *run,
           KsAsset      *asset,
           KsAssetFile  *file,
           KsImportItem *primary,
           const SizeLimits *limits,
           guint64      *need_bytes)
{
  KsImportItem *item = g_new0 (KsImportItem, 1);
  KsCatalogSourceFile *seen;
  guint32 held_locally = 0;

  item->asset = g_object_ref (asset);
  item->file = ks_asset_file_ref (file);
  item->primary = primary != NULL ? primary : item;
  seen = g_hash_table_lookup (run->known, ks_asset_file_get_path (file));
  if (seen != NULL
      && seen->size == ks_asset_file_get_size (file)
      && seen->mtime == ks_asset_file_get_mtime (file))
    item->hash = g_strdup (seen->hash);

  /* The destination's own index decides, not the catalog: it survives the app's
   * data being deleted, and it is what is really on that drive. */
  for (guint d = 0; d < run->n_dests; d++)
    {
      if (!_ks_import_dest_alive (run, d))
        continue;
      if ((item->hash == NULL || !ks_destination_lookup (run->dests[d], item->hash, NULL, NULL))
          && !too_large_for (run, item, d, limits))
        {
          item->need |= 1u << d;
          need_bytes[d] += ks_asset_file_get_size (file);
        }
      else if (item->hash != NULL && !(run->remote & (1u << d)))
        held_locally |= 1u << d;
    }

  /* phone → this computer → cloud: what only remote destinations lack, and a local one
   * holds already (a verified copy, by its own index), goes up from there. */
  item->upload_only = item->need != 0 && (item->need & ~run->remote) == 0 && held_locally != 0;

  return item;
}

/* Refuses up front a destination that cannot hold what it lacks, saying how much is
 * needed. Files whose hash is not known yet are counted as missing, so this errs on the
 * side of asking for room. */
static void
check_space (KsImportRun   *run,
             const guint64 *need_bytes)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 free_space;

      if (!_ks_import_dest_alive (run, d) || need_bytes[d] == 0)
        continue;

      free_space = ks_destination_query_free_space (run->dests[d], &local_error);
      if (free_space >= 0 && (guint64)free_space < need_bytes[d])
        {
          g_autofree char *where = ks_destination_dup_display_name (run->dests[d]);
          g_autofree char *needed = g_format_size (need_bytes[d]);
          g_autofree char *avail = g_format_size (free_space);

          run->dest_errors[d] = g_error_new (KS_IMPORT_ERROR, KS_IMPORT_ERROR_NO_SPACE,
                                             "Not enough space in %s: the backup needs %s, %s is free",
                                             where, needed, avail);
        }
    }
}

/**
 * _ks_import_plan:
 *
 * Fills run->items with every wanted file and what each destination lacks, and the
 * progress totals; refuses destinations without room (not for a dry run).
 *
 * Returns: %FALSE (with @error) if no destination is left
 */
gboolean
_ks_import_plan (KsImportRun  *run,
                 GError      **error)
{
  KsImportJob *self = run->self;
  guint64 need_bytes[KS_IMPORT_MAX_DESTINATIONS] = { 0 };
  guint planned = 0;
  guint64 bytes_total = 0;
  guint64 upload_total = 0;
  SizeLimits limits = { { 0 }, { NULL } };
  gboolean dry_run = (self->flags & KS_IMPORT_FLAGS_DRY_RUN) != 0;

  g_assert (KS_IS_IMPORT_JOB (self));

  if (!dry_run)
    query_size_limits (run, &limits);
  for (guint d = 0; d < run->n_dests; d++)
    if (ks_destination_is_remote (run->dests[d]))
      run->remote |= 1u << d;

  for (guint a = 0; a < run->assets->len; a++)
    {
      KsAsset *asset = g_ptr_array_index (run->assets, a);
      GPtrArray *files = ks_asset_get_files (asset);
      KsImportItem *primary = NULL;

      for (guint f = 0; f < files->len; f++)
        {
          KsAssetFile *file = g_ptr_array_index (files, f);
          KsImportItem *item;

          if (!wants_file (self, asset, file))
            continue;

          item = plan_item (run, asset, file, primary, dry_run ? NULL : &limits, need_bytes);
          if (primary == NULL)
            primary = item;
          if (item->need != 0)
            planned++;
          /* What is read from the source; the uploads are counted apart. */
          if (item->need != 0 && !item->upload_only)
            bytes_total += ks_asset_file_get_size (file);
          for (guint d = 0; d < run->n_dests; d++)
            if (item->need & run->remote & (1u << d))
              upload_total += ks_asset_file_get_size (file);

          g_ptr_array_add (run->items, item);
        }
    }

  clear_size_limits (&limits);
  _ks_import_meter_set_plan (self, run->items->len, planned, bytes_total);
  _ks_import_meter_set_upload_total (self, upload_total);

  if (dry_run)
    return TRUE;

  check_space (run, need_bytes);

  return _ks_import_check_dest_left (run, error);
}
