/* ks-destination-info.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDestination: what the index records of each photo beyond its bytes (KsPhotoInfo: the
 * phone's favourites, hidden photos and albums), and the derived-file records the
 * destination's library views (ks-destination-views.c) keep. */

#include "config.h"

#include "ks-destination-private.h"
#include "ks-photo-info.h"

/**
 * ks_destination_record_info:
 * @info: what the phone's Photos library says of the stored photo @info->hash
 *
 * Records @info in the destination's own index at the next sync, unless the index already
 * says exactly that.
 *
 * Returns: whether a new record was staged
 */
gboolean
ks_destination_record_info (KsDestination     *self,
                            const KsPhotoInfo *info)
{
  KsDestinationPrivate *priv;
  const KsPhotoInfo *known;
  gboolean staged = FALSE;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  priv = _ks_destination_get_private (self);
  g_mutex_lock (&priv->mutex);
  known = ks_destination_index_lookup_info (priv->index, info->hash);
  for (guint i = 0; i < priv->staged_infos->len; i++)
    {
      const KsPhotoInfo *pending = g_ptr_array_index (priv->staged_infos, i);

      if (g_str_equal (pending->hash, info->hash))
        known = pending;
    }
  if (known == NULL || !ks_photo_info_equal (known, info))
    {
      g_ptr_array_add (priv->staged_infos, ks_photo_info_copy (info));
      staged = TRUE;
    }
  g_mutex_unlock (&priv->mutex);

  return staged;
}

/* Returns: (transfer full) (nullable): what the index records of the photo @hash */
KsPhotoInfo *
ks_destination_dup_info (KsDestination *self,
                         const char    *hash)
{
  KsDestinationPrivate *priv;
  const KsPhotoInfo *known;
  KsPhotoInfo *info;

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  priv = _ks_destination_get_private (self);
  g_mutex_lock (&priv->mutex);
  known = ks_destination_index_lookup_info (priv->index, hash);
  info = known != NULL ? ks_photo_info_copy (known) : NULL;
  g_mutex_unlock (&priv->mutex);

  return info;
}

/* Returns: (transfer full) (element-type KsPhotoInfo): every photo's record, by hash */
GPtrArray *
ks_destination_list_infos (KsDestination *self)
{
  KsDestinationPrivate *priv;
  GPtrArray *infos;

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  priv = _ks_destination_get_private (self);
  g_mutex_lock (&priv->mutex);
  infos = ks_destination_index_list_infos (priv->index);
  g_mutex_unlock (&priv->mutex);

  return infos;
}

/* The derived entry (a copy) for @key (ks_destination_derived_key()), listed or staged. */
KsDestinationEntry *
_ks_destination_dup_derived (KsDestination *self,
                             const char    *key)
{
  KsDestinationPrivate *priv = _ks_destination_get_private (self);
  const KsDestinationEntry *entry;
  KsDestinationEntry *copy;

  g_mutex_lock (&priv->mutex);
  entry = ks_destination_index_lookup_derived (priv->index, key);
  if (entry == NULL)
    entry = g_hash_table_lookup (priv->staged_derived, key);
  copy = entry != NULL ? ks_destination_entry_copy (entry) : NULL;
  g_mutex_unlock (&priv->mutex);

  return copy;
}

/* Records a derived file that is already durable under its name (its folder synced), at
 * once: one index line. Takes @entry. */
gboolean
_ks_destination_record_derived (KsDestination       *self,
                                KsDestinationEntry  *entry,
                                GError             **error)
{
  KsDestinationPrivate *priv = _ks_destination_get_private (self);
  g_autoptr(GString) line = g_string_new (NULL);
  gboolean ok;

  g_assert (entry->original_hash != NULL);

  ks_destination_entry_append_line (entry, line);
  g_mutex_lock (&priv->mutex);
  if (!priv->is_open)
    ok = _ks_destination_set_not_open_error (self, error);
  else
    ok = KS_DESTINATION_CLASS_OF (self)->append_index (self, line->str, line->len, error);
  if (ok)
    ks_destination_index_take (priv->index, entry);
  else
    ks_destination_entry_free (entry);
  g_mutex_unlock (&priv->mutex);

  return ok;
}
