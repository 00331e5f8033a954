/* ks-copy-counter.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Which destinations of the plan hold a copy of each asset, for the grid's badges, the "not
 * backed up" filter, the sidebar's count and the 3-2-1 protection summary. The catalog maps a
 * source file to its content hash and records which destination holds a verified copy of it
 * (destinations are known by the plan's ids, which are their own `.keepsake/id`): it is read
 * on a worker, never opening a destination. */

#include "config.h"

#include "ks-copy-counter.h"
#include "ks-catalog.h"
#include "ks-photos-db.h"
#include "ks-protection-icloud.h"

struct _KsCopyCounter
{
  GObject              parent_instance;

  /* asset key → guint64 *: a bit per destination of the protection holding its primary file */
  GHashTable          *holders;
  KsProtection        *protection;
  KsProtectionSummary *summary;
  gboolean             known;
};

G_DEFINE_FINAL_TYPE (KsCopyCounter, ks_copy_counter, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char                *source_id;
  GPtrArray           *assets;
  KsProtection        *protection;
  GHashTable          *holders;
  KsProtectionSummary *summary;
  guint                n_icloud_only;
} Refresh;

static void
refresh_free (gpointer data)
{
  Refresh *refresh = data;

  g_free (refresh->source_id);
  g_clear_pointer (&refresh->assets, g_ptr_array_unref);
  g_clear_object (&refresh->protection);
  g_clear_pointer (&refresh->holders, g_hash_table_unref);
  g_clear_pointer (&refresh->summary, ks_protection_summary_free);
  g_free (refresh);
}

KsCopyCounter *
ks_copy_counter_new (void)
{
  return g_object_new (KS_TYPE_COPY_COUNTER, NULL);
}

static GHashTable *
new_holders_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* What the phone's Photos library says of the asset's iCloud copy. */
static KsICloudFlags
icloud_flags (KsAsset *asset)
{
  KsAssetFlags flags = ks_asset_get_flags (asset);

  if (flags & KS_ASSET_FLAG_ICLOUD_ONLY)
    return KS_ICLOUD_ONLY;
  if (flags & KS_ASSET_FLAG_IN_ICLOUD)
    return KS_ICLOUD_STORED;
  return KS_ICLOUD_NONE;
}

static void
refresh_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Refresh *refresh = task_data;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) ids = NULL;
  g_auto(GStrv) id_list = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GArray) holders = NULL;
  guint n_destinations = ks_protection_get_n_destinations (refresh->protection);

  refresh->holders = new_holders_table ();
  refresh->summary = ks_protection_summary_new (refresh->protection);

  catalog = ks_catalog_new (NULL, &error);
  if (catalog == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The three scans `keepsake-cli status` uses too, not a lookup per asset. */
  ids = g_strv_builder_new ();
  for (guint j = 0; j < n_destinations; j++)
    g_strv_builder_add (ids, ks_protection_get_destination_id (refresh->protection, j));
  id_list = g_strv_builder_end (ids);
  files = ks_protection_dup_primary_files (refresh->assets);
  holders = ks_catalog_dup_holders (catalog, refresh->source_id, files, (const char * const *)id_list);

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < refresh->assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (refresh->assets, i);
      guint64 set = g_array_index (holders, guint64, i);

      g_hash_table_insert (refresh->holders,
                           g_strdup (ks_asset_get_key (asset)),
                           g_memdup2 (&set, sizeof set));
      ks_protection_summary_add (refresh->summary, refresh->protection, set, icloud_flags (asset));
    }
  /* Originals only in iCloud are no assets of the source, but photos of the phone all the
   * same (as `keepsake-cli status` counts them). */
  for (guint i = 0; i < refresh->n_icloud_only; i++)
    ks_protection_summary_add (refresh->summary, refresh->protection, 0, KS_ICLOUD_ONLY);

  g_task_return_boolean (task, TRUE);
}

/**
 * ks_copy_counter_refresh_async:
 * @assets: (element-type KsAsset): the assets to count; the array is referenced
 * @protection: the destinations to look in (the plan's), with their media
 *
 * Counts again, on a worker; "changed" is emitted when the new counts are in place.
 */
void
ks_copy_counter_refresh_async (KsCopyCounter       *self,
                               KsSource            *source,
                               GPtrArray           *assets,
                               KsProtection        *protection,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(KsPhotosDb) library = NULL;
  Refresh *refresh;

  g_return_if_fail (KS_IS_COPY_COUNTER (self));
  g_return_if_fail (KS_IS_SOURCE (source));
  g_return_if_fail (assets != NULL);
  g_return_if_fail (KS_IS_PROTECTION (protection));

  refresh = g_new0 (Refresh, 1);
  refresh->source_id = g_strdup (ks_source_get_id (source));
  refresh->assets = g_ptr_array_ref (assets);
  refresh->protection = g_object_ref (protection);
  library = ks_source_dup_library (source);
  refresh->n_icloud_only = library != NULL ? ks_photos_db_get_icloud_only (library, NULL) : 0;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_copy_counter_refresh_async);
  g_task_set_task_data (task, refresh, refresh_free);
  g_task_run_in_thread (task, refresh_worker);
}

gboolean
ks_copy_counter_refresh_finish (KsCopyCounter  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  Refresh *refresh;

  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  refresh = g_task_get_task_data (G_TASK (result));
  g_clear_pointer (&self->holders, g_hash_table_unref);
  self->holders = g_steal_pointer (&refresh->holders);
  g_clear_pointer (&self->summary, ks_protection_summary_free);
  self->summary = g_steal_pointer (&refresh->summary);
  g_set_object (&self->protection, refresh->protection);
  self->known = TRUE;
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

void
ks_copy_counter_clear (KsCopyCounter *self)
{
  g_return_if_fail (KS_IS_COPY_COUNTER (self));

  g_hash_table_remove_all (self->holders);
  g_clear_pointer (&self->summary, ks_protection_summary_free);
  self->known = FALSE;
  g_signal_emit (self, signals[CHANGED], 0);
}

static const guint64 *
lookup_holders (KsCopyCounter *self,
                KsAsset       *asset)
{
  g_assert (KS_IS_COPY_COUNTER (self));

  return g_hash_table_lookup (self->holders, ks_asset_get_key (asset));
}

/* Returns: the number of destinations holding a copy, or -1 while unknown. */
int
ks_copy_counter_get_copies (KsCopyCounter *self,
                            KsAsset       *asset)
{
  const guint64 *holders;
  int n = 0;

  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), -1);

  if ((holders = lookup_holders (self, asset)) == NULL)
    return -1;

  for (guint64 rest = *holders; rest != 0; rest &= rest - 1)
    n++;
  return n;
}

/**
 * ks_copy_counter_get_holders:
 * @out_holders: (out): a bit per destination of the protection (see
 *   ks_copy_counter_get_protection()) holding a verified copy
 *
 * Returns: %FALSE while unknown
 */
gboolean
ks_copy_counter_get_holders (KsCopyCounter *self,
                             KsAsset       *asset,
                             guint64       *out_holders)
{
  const guint64 *holders;

  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), FALSE);

  if ((holders = lookup_holders (self, asset)) == NULL)
    return FALSE;

  *out_holders = *holders;
  return TRUE;
}

/**
 * ks_copy_counter_get_state:
 * @out_missing: (out) (optional): what the 3-2-1 rule lacks
 *
 * Returns: the asset's protection, %KS_PROTECTION_ONLY_ON_DEVICE while unknown
 */
KsProtectionState
ks_copy_counter_get_state (KsCopyCounter       *self,
                           KsAsset             *asset,
                           KsProtectionMissing *out_missing)
{
  const guint64 *holders;

  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), KS_PROTECTION_ONLY_ON_DEVICE);

  if (out_missing != NULL)
    *out_missing = KS_PROTECTION_MISSING_NONE;
  if (self->protection == NULL)
    return KS_PROTECTION_ONLY_ON_DEVICE;
  /* A photo only in iCloud is no file of the source, so never counted: iCloud holds it. */
  if ((holders = lookup_holders (self, asset)) == NULL)
    return (icloud_flags (asset) & KS_ICLOUD_ONLY) && self->known ? KS_PROTECTION_ICLOUD_ONLY
                                                                  : KS_PROTECTION_ONLY_ON_DEVICE;

  return ks_protection_classify (self->protection, *holders, icloud_flags (asset), out_missing, NULL);
}

/**
 * ks_copy_counter_get_summary:
 *
 * Returns: (transfer none) (nullable): the last count's protection summary, %NULL while unknown
 */
const KsProtectionSummary *
ks_copy_counter_get_summary (KsCopyCounter *self)
{
  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), NULL);

  return self->known ? self->summary : NULL;
}

/**
 * ks_copy_counter_get_protection:
 *
 * Returns: (transfer none) (nullable): the destinations of the last count
 */
KsProtection *
ks_copy_counter_get_protection (KsCopyCounter *self)
{
  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), NULL);

  return self->protection;
}

gboolean
ks_copy_counter_is_known (KsCopyCounter *self)
{
  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), FALSE);

  return self->known;
}

static void
ks_copy_counter_finalize (GObject *object)
{
  KsCopyCounter *self = (KsCopyCounter *)object;

  g_clear_pointer (&self->holders, g_hash_table_unref);
  g_clear_pointer (&self->summary, ks_protection_summary_free);
  g_clear_object (&self->protection);

  G_OBJECT_CLASS (ks_copy_counter_parent_class)->finalize (object);
}

static void
ks_copy_counter_class_init (KsCopyCounterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_copy_counter_finalize;

  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
ks_copy_counter_init (KsCopyCounter *self)
{
  self->holders = new_holders_table ();
}
