/* ks-copy-counter.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How many copies of each asset the destinations hold, for the grid's badges, the "not backed
 * up" filter and the sidebar's count. The catalog maps a source file to its content hash and
 * records which destination holds a verified copy of it; it is read on a worker. */

#include "config.h"

#include "ks-copy-counter.h"
#include "ks-catalog.h"
#include "ks-folder-destination.h"

struct _KsCopyCounter
{
  GObject     parent_instance;

  /* asset key → number of destinations holding its primary file */
  GHashTable *copies;
  gboolean    known;
};

G_DEFINE_FINAL_TYPE (KsCopyCounter, ks_copy_counter, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char       *source_id;
  GPtrArray  *assets;
  char      **destinations;
  GHashTable *copies;
} Refresh;

static void
refresh_free (gpointer data)
{
  Refresh *refresh = data;

  g_free (refresh->source_id);
  g_clear_pointer (&refresh->assets, g_ptr_array_unref);
  g_strfreev (refresh->destinations);
  g_clear_pointer (&refresh->copies, g_hash_table_unref);
  g_free (refresh);
}

KsCopyCounter *
ks_copy_counter_new (void)
{
  return g_object_new (KS_TYPE_COPY_COUNTER, NULL);
}

static void
refresh_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Refresh *refresh = task_data;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GPtrArray) destination_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  refresh->copies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Only read, never open a destination here: opening one tidies away temporary files, which
   * may be a running backup's, and takes its lock. A destination's id is what it holds; one
   * that has none yet (the default folder before the first backup) holds nothing. */
  for (guint i = 0; refresh->destinations[i] != NULL; i++)
    {
      g_autofree char *id = ks_folder_destination_read_id (refresh->destinations[i], NULL);

      if (id != NULL)
        g_ptr_array_add (destination_ids, g_steal_pointer (&id));
    }

  catalog = ks_catalog_new (NULL, &error);
  if (catalog == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < refresh->assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (refresh->assets, i);
      KsAssetFile *primary = ks_asset_get_primary (asset);
      g_autofree char *hash = NULL;
      guint n = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      hash = ks_catalog_lookup_source_file (catalog, refresh->source_id,
                                            ks_asset_file_get_path (primary),
                                            ks_asset_file_get_size (primary),
                                            ks_asset_file_get_mtime (primary));
      /* The catalog records a copy once it was written and verified. */
      if (hash != NULL)
        for (guint j = 0; j < destination_ids->len; j++)
          {
            g_autofree char *where = ks_catalog_lookup_copy (catalog, hash,
                                                             g_ptr_array_index (destination_ids, j));

            if (where != NULL)
              n++;
          }

      g_hash_table_insert (refresh->copies,
                           g_strdup (ks_asset_get_key (asset)),
                           GUINT_TO_POINTER (n));
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * ks_copy_counter_refresh_async:
 * @assets: (element-type KsAsset): the assets to count; the array is referenced
 * @destinations: folder paths
 *
 * Counts again, on a worker; "changed" is emitted when the new counts are in place.
 */
void
ks_copy_counter_refresh_async (KsCopyCounter       *self,
                               KsSource            *source,
                               GPtrArray           *assets,
                               const char * const  *destinations,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Refresh *refresh;

  g_return_if_fail (KS_IS_COPY_COUNTER (self));
  g_return_if_fail (KS_IS_SOURCE (source));
  g_return_if_fail (assets != NULL);

  refresh = g_new0 (Refresh, 1);
  refresh->source_id = g_strdup (ks_source_get_id (source));
  refresh->assets = g_ptr_array_ref (assets);
  refresh->destinations = g_strdupv ((char **)destinations);

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
  g_clear_pointer (&self->copies, g_hash_table_unref);
  self->copies = g_steal_pointer (&refresh->copies);
  self->known = TRUE;
  g_signal_emit (self, signals[CHANGED], 0);

  return TRUE;
}

void
ks_copy_counter_clear (KsCopyCounter *self)
{
  g_return_if_fail (KS_IS_COPY_COUNTER (self));

  g_hash_table_remove_all (self->copies);
  self->known = FALSE;
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Returns: the number of copies, or -1 while unknown. */
int
ks_copy_counter_get_copies (KsCopyCounter *self,
                            KsAsset       *asset)
{
  gpointer value;

  g_return_val_if_fail (KS_IS_COPY_COUNTER (self), -1);

  if (!g_hash_table_lookup_extended (self->copies, ks_asset_get_key (asset), NULL, &value))
    return -1;

  return GPOINTER_TO_INT (value);
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

  g_clear_pointer (&self->copies, g_hash_table_unref);

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
  self->copies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
