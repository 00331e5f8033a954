/* ks-asset-model.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetModel: a source's assets as a sorted GListModel, filled while the walk runs. */

/* KsAssetModel keeps its assets in one sorted GPtrArray (newest first, then by key).
 * The source is walked on a worker (ks_source_enumerate_async); each batch of files
 * is grouped on the main thread (cheap: hashing names) and the resulting assets are
 * sorted and merged in:
 *
 * - if the new assets land in few runs (the usual case: a camera folder is roughly in
 *   date order), each run is inserted with its own exact items-changed, so a view
 *   keeps its scroll position and widgets;
 * - otherwise one merge pass rebuilds the array in O(n + b) and a single
 *   items-changed covers the span from the first changed position to the end.
 *
 * Either way a batch costs at most O(n · MAX_RUNS), never O(n²) over a load, and
 * 100,000 items load in well under a second of main-thread time.
 *
 * The order uses the capture time known at insertion (the file's mtime until
 * metadata refines it); after changing an asset's capture time, call
 * ks_asset_model_resort_asset() to move it (watching every asset's notify would
 * cost a closure per item). */

#include "config.h"

#include <string.h>

#include "ks-asset-grouper.h"
#include "ks-asset-model.h"

#define MAX_RUNS 8

struct _KsAssetModel
{
  GObject          parent_instance;

  KsSource        *source;
  GPtrArray       *items;   /* KsAsset, sorted */
  GHashTable      *by_key;  /* key → KsAsset (borrowed) */
  KsAssetGrouper  *grouper; /* while loading */
  GCancellable    *load_cancellable;
  GCancellable    *caller_cancellable;
  gulong           caller_cancelled_id;
  guint            n_skipped;
  guint            loading : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsAssetModel, ks_asset_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_LOADING,
  PROP_N_ITEMS,
  PROP_ITEM_TYPE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
ks_asset_model_get_item_type (GListModel *model)
{
  return KS_TYPE_ASSET;
}

static guint
ks_asset_model_get_n_items (GListModel *model)
{
  return KS_ASSET_MODEL (model)->items->len;
}

static gpointer
ks_asset_model_get_item (GListModel *model,
                         guint       position)
{
  KsAssetModel *self = KS_ASSET_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ks_asset_model_get_item_type;
  iface->get_n_items = ks_asset_model_get_n_items;
  iface->get_item = ks_asset_model_get_item;
}

static void
forward_cancel_cb (GCancellable *caller_cancellable,
                   GCancellable *load_cancellable)
{
  g_cancellable_cancel (load_cancellable);
}

static void
stop_forwarding_cancel (KsAssetModel *self)
{
  if (self->caller_cancellable != NULL)
    g_cancellable_disconnect (self->caller_cancellable, self->caller_cancelled_id);
  self->caller_cancelled_id = 0;
  g_clear_object (&self->caller_cancellable);
}

static void
ks_asset_model_dispose (GObject *object)
{
  KsAssetModel *self = (KsAssetModel *)object;

  stop_forwarding_cancel (self);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->grouper);
  g_clear_object (&self->source);
  g_hash_table_remove_all (self->by_key);
  g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (ks_asset_model_parent_class)->dispose (object);
}

static void
ks_asset_model_finalize (GObject *object)
{
  KsAssetModel *self = (KsAssetModel *)object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);

  G_OBJECT_CLASS (ks_asset_model_parent_class)->finalize (object);
}

static void
ks_asset_model_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsAssetModel *self = KS_ASSET_MODEL (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, self->source);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;

    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, KS_TYPE_ASSET);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_asset_model_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KsAssetModel *self = KS_ASSET_MODEL (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      self->source = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_asset_model_class_init (KsAssetModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_asset_model_dispose;
  object_class->finalize = ks_asset_model_finalize;
  object_class->get_property = ks_asset_model_get_property;
  object_class->set_property = ks_asset_model_set_property;

  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         KS_TYPE_SOURCE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL,
                        G_TYPE_OBJECT,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_asset_model_init (KsAssetModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_key = g_hash_table_new (g_str_hash, g_str_equal);
}

/**
 * ks_asset_model_new:
 * @source: where the assets come from
 *
 * The model starts empty; call ks_asset_model_load_async() to fill it.
 *
 * Returns: (transfer full): a new model
 */
KsAssetModel *
ks_asset_model_new (KsSource *source)
{
  g_return_val_if_fail (KS_IS_SOURCE (source), NULL);

  return g_object_new (KS_TYPE_ASSET_MODEL, "source", source, NULL);
}

KsSource *
ks_asset_model_get_source (KsAssetModel *self)
{
  g_return_val_if_fail (KS_IS_ASSET_MODEL (self), NULL);
  return self->source;
}

gboolean
ks_asset_model_get_loading (KsAssetModel *self)
{
  g_return_val_if_fail (KS_IS_ASSET_MODEL (self), FALSE);
  return self->loading;
}

/**
 * ks_asset_model_get_n_skipped:
 *
 * Returns: how many entries the last load skipped: only names of no file ("", ".", "..");
 *   every file is in an asset, those of unknown type too
 */
guint
ks_asset_model_get_n_skipped (KsAssetModel *self)
{
  g_return_val_if_fail (KS_IS_ASSET_MODEL (self), 0);
  return self->n_skipped;
}

/**
 * ks_asset_model_lookup:
 * @key: an asset key (ks_asset_get_key())
 *
 * Returns: (transfer none) (nullable): the asset with @key
 */
KsAsset *
ks_asset_model_lookup (KsAssetModel *self,
                       const char   *key)
{
  g_return_val_if_fail (KS_IS_ASSET_MODEL (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (self->by_key, key);
}

static void
set_loading (KsAssetModel *self,
             gboolean      loading)
{
  if (self->loading == !!loading)
    return;
  self->loading = !!loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static int
compare_assets (gconstpointer a,
                gconstpointer b)
{
  return ks_asset_compare_newest_first (*(KsAsset * const *)a, *(KsAsset * const *)b);
}

/* First position whose item sorts after @asset. */
static guint
upper_bound (GPtrArray *items,
             guint      from,
             KsAsset   *asset)
{
  guint lo = from;
  guint hi = items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (ks_asset_compare_newest_first (g_ptr_array_index (items, mid), asset) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* Inserts @n pointers at @pos with one memmove (g_ptr_array_insert would move
 * the tail once per item). */
static void
insert_run (GPtrArray *items,
            guint      pos,
            gpointer  *run,
            guint      n)
{
  guint old_len = items->len;

  g_ptr_array_set_size (items, old_len + n);
  memmove (&items->pdata[pos + n], &items->pdata[pos], (old_len - pos) * sizeof (gpointer));
  memcpy (&items->pdata[pos], run, n * sizeof (gpointer));
}

/* @assets: sorted, owned references that this steals. */
static void
merge_sorted (KsAssetModel *self,
              GPtrArray    *assets)
{
  g_autofree guint *positions = NULL;
  guint n_runs = 0;
  guint old_len = self->items->len;

  if (assets->len == 0)
    return;

  /* Where each new asset goes in the current array (non-decreasing). */
  positions = g_new (guint, assets->len);
  for (guint i = 0; i < assets->len; i++)
    {
      positions[i] = upper_bound (self->items, i > 0 ? positions[i - 1] : 0, g_ptr_array_index (assets, i));
      if (i == 0 || positions[i] != positions[i - 1])
        n_runs++;
    }

  if (n_runs <= MAX_RUNS)
    {
      guint i = 0;
      guint shift = 0;

      while (i < assets->len)
        {
          guint start = i;
          guint pos = positions[i] + shift;

          while (i < assets->len && positions[i] == positions[start])
            i++;

          insert_run (self->items, pos, &assets->pdata[start], i - start);
          shift += i - start;

          g_list_model_items_changed (G_LIST_MODEL (self), pos, 0, i - start);
        }
    }
  else
    {
      GPtrArray *merged = g_ptr_array_new_full (old_len + assets->len, g_object_unref);
      guint first = positions[0];
      guint a = 0;
      guint b = 0;

      /* Steal the old items into the merged array without touching refcounts. */
      while (a < old_len || b < assets->len)
        {
          if (b < assets->len && (a >= old_len || positions[b] <= a))
            g_ptr_array_add (merged, g_ptr_array_index (assets, b++));
          else
            g_ptr_array_add (merged, g_ptr_array_index (self->items, a++));
        }

      g_ptr_array_set_free_func (self->items, NULL);
      g_ptr_array_unref (self->items);
      self->items = merged;

      g_list_model_items_changed (G_LIST_MODEL (self), first, old_len - first, self->items->len - first);
    }

  /* The new items are owned by self->items now. */
  g_ptr_array_set_free_func (assets, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
add_assets (KsAssetModel *self,
            GPtrArray    *assets)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);

      /* A source that repeats a path must not give us two items for one key. */
      if (g_hash_table_contains (self->by_key, ks_asset_get_key (asset)))
        continue;
      g_hash_table_insert (self->by_key, (char *) ks_asset_get_key (asset), asset);
      g_ptr_array_add (fresh, g_object_ref (asset));
    }

  g_ptr_array_sort (fresh, compare_assets);
  merge_sorted (self, fresh);
}

/**
 * ks_asset_model_resort_asset:
 * @asset: an asset of this model whose capture time changed
 *
 * Moves @asset to its place in the order (O(n); meant for occasional use).
 */
void
ks_asset_model_resort_asset (KsAssetModel *self,
                             KsAsset      *asset)
{
  guint old_pos;
  guint new_pos;
  guint lo;
  guint hi;

  g_return_if_fail (KS_IS_ASSET_MODEL (self));
  g_return_if_fail (KS_IS_ASSET (asset));

  if (!g_ptr_array_find (self->items, asset, &old_pos))
    return;

  /* Take it out (keeping our reference), then binary-search the rest. */
  g_ptr_array_steal_index (self->items, old_pos);
  new_pos = upper_bound (self->items, 0, asset);
  insert_run (self->items, new_pos, (gpointer *) &asset, 1);

  if (new_pos == old_pos)
    return;

  lo = MIN (old_pos, new_pos);
  hi = MAX (old_pos, new_pos);
  g_list_model_items_changed (G_LIST_MODEL (self), lo, hi - lo + 1, hi - lo + 1);
}

static void
batch_cb (KsSource  *source,
          GPtrArray *files,
          gpointer   user_data)
{
  KsAssetModel *self = KS_ASSET_MODEL (user_data);
  g_autoptr(GPtrArray) ready = NULL;

  if (self->grouper == NULL)
    return;

  for (guint i = 0; i < files->len; i++)
    ks_asset_grouper_add (self->grouper, g_ptr_array_index (files, i));

  ready = ks_asset_grouper_take_ready (self->grouper);
  /* Flags and albums from the phone's Photos library, before anyone sees the assets. */
  ks_source_annotate_assets (source, ready);
  add_assets (self, ready);
}

static void
enumerate_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KsAssetModel *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = ks_source_enumerate_finish (KS_SOURCE (object), result, &error);

  /* A newer load replaced this one: leave its state alone. */
  if (g_task_get_cancellable (task) != self->load_cancellable)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Load was superseded");
      return;
    }

  if (self->grouper != NULL)
    {
      g_autoptr(GPtrArray) rest = NULL;

      if (ok)
        {
          rest = ks_asset_grouper_finish (self->grouper);
          ks_source_annotate_assets (KS_SOURCE (object), rest);
          add_assets (self, rest);
        }
      self->n_skipped = ks_asset_grouper_get_n_skipped (self->grouper);
      g_clear_object (&self->grouper);
    }

  stop_forwarding_cancel (self);
  g_clear_object (&self->load_cancellable);
  set_loading (self, FALSE);

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * ks_asset_model_load_async:
 *
 * Empties the model and walks the source again; items arrive in batches on
 * the current thread-default main context while "loading" is %TRUE. A load in
 * progress is cancelled. Cancelling @cancellable stops the walk and keeps the
 * items found so far.
 */
void
ks_asset_model_load_async (KsAssetModel        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  guint old_len;

  g_return_if_fail (KS_IS_ASSET_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  stop_forwarding_cancel (self);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->grouper);

  /* Our own cancellable, so that a new load can stop this one without touching
   * the caller's; the caller's still reaches it. */
  self->load_cancellable = g_cancellable_new ();
  if (cancellable)
    {
      self->caller_cancellable = g_object_ref (cancellable);
      self->caller_cancelled_id =
        g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel_cb),
                               g_object_ref (self->load_cancellable), g_object_unref);
    }
  self->grouper = ks_asset_grouper_new (ks_source_get_id (self->source));
  self->n_skipped = 0;

  old_len = self->items->len;
  g_hash_table_remove_all (self->by_key);
  g_ptr_array_set_size (self->items, 0);
  if (old_len > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }

  set_loading (self, TRUE);

  task = g_task_new (self, self->load_cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_asset_model_load_async);

  ks_source_enumerate_async (self->source,
                             batch_cb, g_object_ref (self), g_object_unref,
                             self->load_cancellable,
                             enumerate_cb, g_steal_pointer (&task));
}

/* ---- update: walk again, change only what changed ---- */

typedef struct
{
  KsAssetGrouper *grouper;
  GPtrArray      *found;   /* KsAsset */
} UpdateData;

static void
update_data_clear (gpointer data)
{
  UpdateData *update = data;

  g_clear_object (&update->grouper);
  g_clear_pointer (&update->found, g_ptr_array_unref);
}

static void
update_data_release (gpointer data)
{
  g_rc_box_release_full (data, update_data_clear);
}

static void
update_batch_cb (KsSource  *source,
                 GPtrArray *files,
                 gpointer   user_data)
{
  UpdateData *update = user_data;
  g_autoptr(GPtrArray) ready = NULL;

  for (guint i = 0; i < files->len; i++)
    ks_asset_grouper_add (update->grouper, g_ptr_array_index (files, i));
  ready = ks_asset_grouper_take_ready (update->grouper);
  ks_source_annotate_assets (source, ready);
  g_ptr_array_extend_and_steal (update->found, g_steal_pointer (&ready));
}

/* Whether @a and @b are the same files (paths and sizes), as a walk sees them. */
static gboolean
same_files (KsAsset *a,
            KsAsset *b)
{
  GPtrArray *fa = ks_asset_get_files (a);
  GPtrArray *fb = ks_asset_get_files (b);

  if (fa->len != fb->len)
    return FALSE;
  for (guint i = 0; i < fa->len; i++)
    {
      const KsAssetFile *x = g_ptr_array_index (fa, i);
      const KsAssetFile *y = g_ptr_array_index (fb, i);

      if (g_strcmp0 (ks_asset_file_get_path (x), ks_asset_file_get_path (y)) != 0
          || ks_asset_file_get_size (x) != ks_asset_file_get_size (y))
        return FALSE;
    }
  return TRUE;
}

/* Takes out the items that are not in @found (by key) or whose files changed: a file added
 * beside a photo (its Live movie) makes it another asset. */
static void
remove_changed (KsAssetModel *self,
                GHashTable   *found)
{
  guint i = 0;

  while (i < self->items->len)
    {
      KsAsset *old = g_ptr_array_index (self->items, i);
      KsAsset *now = g_hash_table_lookup (found, ks_asset_get_key (old));

      if (now != NULL && same_files (old, now))
        {
          g_hash_table_remove (found, ks_asset_get_key (old));
          i++;
          continue;
        }
      g_hash_table_remove (self->by_key, ks_asset_get_key (old));
      g_ptr_array_remove_index (self->items, i);
      g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
    }
}

static void
update_enumerate_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KsAssetModel *self = g_task_get_source_object (task);
  UpdateData *update = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rest = NULL;
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  GHashTableIter iter;
  gpointer value;
  guint old_len = self->items->len;

  if (!ks_source_enumerate_finish (KS_SOURCE (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  /* A load started meanwhile: it reads everything anyway. */
  if (self->loading)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Update was superseded");
      return;
    }

  rest = ks_asset_grouper_finish (update->grouper);
  ks_source_annotate_assets (KS_SOURCE (object), rest);
  g_ptr_array_extend_and_steal (update->found, g_steal_pointer (&rest));

  found = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < update->found->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (update->found, i);

      if (!g_hash_table_contains (found, ks_asset_get_key (asset)))
        g_hash_table_insert (found, (char *) ks_asset_get_key (asset), asset);
    }

  remove_changed (self, found);

  /* What is left in @found is new (or changed, and taken out above). */
  fresh = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (fresh, g_object_ref (value));
  add_assets (self, fresh);
  if (self->items->len == old_len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);

  g_task_return_boolean (task, TRUE);
}

/**
 * ks_asset_model_update_async:
 *
 * Walks the source again, like ks_asset_model_load_async(), but keeps the model as it is
 * meanwhile: at the end, the assets that are new appear, the ones that are gone (or whose
 * files changed) go, and the others stay the same objects, in their places. For a source
 * whose library grows while it is shown (the Demo iPhone's, as it is made). Fails with
 * %G_IO_ERROR_CANCELLED when a load starts before it ends.
 */
void
ks_asset_model_update_async (KsAssetModel        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  UpdateData *update;

  g_return_if_fail (KS_IS_ASSET_MODEL (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_asset_model_update_async);

  update = g_rc_box_new0 (UpdateData);
  update->grouper = ks_asset_grouper_new (ks_source_get_id (self->source));
  update->found = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, g_rc_box_acquire (update), update_data_release);

  ks_source_enumerate_async (self->source,
                             update_batch_cb, update, update_data_release,
                             cancellable,
                             update_enumerate_cb, g_steal_pointer (&task));
}

gboolean
ks_asset_model_update_finish (KsAssetModel  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (KS_IS_ASSET_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
ks_asset_model_load_finish (KsAssetModel  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (KS_IS_ASSET_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
