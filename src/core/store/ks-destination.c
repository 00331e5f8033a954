/* ks-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The KsDestination interface: thin dispatchers to the implementation. */

#include "config.h"

#include "ks-destination.h"

G_DEFINE_QUARK (ks-destination-error-quark, ks_destination_error)

G_DEFINE_INTERFACE (KsDestination, ks_destination, G_TYPE_OBJECT)

static void
ks_destination_default_init (KsDestinationInterface *iface)
{
}

void
ks_destination_entry_free (KsDestinationEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->hash);
  g_free (entry->relative_path);
  g_free (entry);
}

#define IFACE(self) KS_DESTINATION_GET_IFACE (self)

const char *
ks_destination_get_id (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->get_id (self);
}

const char *
ks_destination_get_kind (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->get_kind (self);
}

char *
ks_destination_dup_uri (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->dup_uri (self);
}

char *
ks_destination_dup_display_name (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->dup_display_name (self);
}

char *
ks_destination_dup_volume_uuid (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  if (IFACE (self)->dup_volume_uuid == NULL)
    return NULL;
  return IFACE (self)->dup_volume_uuid (self);
}

gboolean
ks_destination_open (KsDestination  *self,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  return IFACE (self)->open (self, cancellable, error);
}

gint64
ks_destination_query_free_space (KsDestination  *self,
                                 GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), -1);
  return IFACE (self)->query_free_space (self, error);
}

gboolean
ks_destination_check_available (KsDestination  *self,
                                GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  return IFACE (self)->check_available (self, error);
}

/**
 * ks_destination_lookup:
 * @out_relative_path: (out) (optional) (transfer full)
 * @out_size: (out) (optional)
 *
 * Returns: whether the destination holds content @hash (its own index lists it and the
 *   file is still there with the recorded size)
 */
gboolean
ks_destination_lookup (KsDestination  *self,
                       const char     *hash,
                       char          **out_relative_path,
                       guint64        *out_size)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  return IFACE (self)->lookup (self, hash, out_relative_path, out_size);
}

/**
 * ks_destination_list_entries:
 *
 * Returns: (transfer full) (element-type KsDestinationEntry)
 */
GPtrArray *
ks_destination_list_entries (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->list_entries (self);
}

KsDestinationWriter *
ks_destination_begin_file (KsDestination  *self,
                           const char     *rel_dir,
                           const char     *name_hint,
                           GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->begin_file (self, rel_dir, name_hint, error);
}

gboolean
ks_destination_write (KsDestination        *self,
                      KsDestinationWriter  *writer,
                      const void           *data,
                      gsize                 len,
                      GError              **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  return IFACE (self)->write (self, writer, data, len, error);
}

gboolean
ks_destination_commit (KsDestination        *self,
                       KsDestinationWriter  *writer,
                       const char           *rel_dir,
                       const char           *stem,
                       const char           *ext,
                       const char           *hash,
                       guint                *inout_counter,
                       char                **out_relative_path,
                       GCancellable         *cancellable,
                       GError              **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  return IFACE (self)->commit (self, writer, rel_dir, stem, ext, hash, inout_counter,
                               out_relative_path, cancellable, error);
}

gboolean
ks_destination_stage (KsDestination        *self,
                      KsDestinationWriter  *writer,
                      const char           *rel_dir,
                      const char           *stem,
                      const char           *ext,
                      const char           *hash,
                      guint                *inout_counter,
                      char                **out_relative_path,
                      GCancellable         *cancellable,
                      GError              **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  /* A destination without batches makes each file durable on its own. */
  if (IFACE (self)->stage == NULL)
    return IFACE (self)->commit (self, writer, rel_dir, stem, ext, hash, inout_counter,
                                 out_relative_path, cancellable, error);

  return IFACE (self)->stage (self, writer, rel_dir, stem, ext, hash, inout_counter,
                              out_relative_path, cancellable, error);
}

gboolean
ks_destination_sync (KsDestination  *self,
                     GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  if (IFACE (self)->sync == NULL)
    return TRUE;

  return IFACE (self)->sync (self, error);
}

void
ks_destination_abort (KsDestination       *self,
                      KsDestinationWriter *writer)
{
  g_return_if_fail (KS_IS_DESTINATION (self));
  if (writer != NULL)
    IFACE (self)->abort (self, writer);
}

char *
ks_destination_hash_file (KsDestination  *self,
                          const char     *relative_path,
                          guint64        *out_size,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  return IFACE (self)->hash_file (self, relative_path, out_size, cancellable, error);
}

void
ks_destination_close (KsDestination *self)
{
  g_return_if_fail (KS_IS_DESTINATION (self));
  if (IFACE (self)->close != NULL)
    IFACE (self)->close (self);
}

gboolean
ks_destination_forget (KsDestination  *self,
                       const char     *hash,
                       GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  if (IFACE (self)->forget == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "This destination cannot forget a copy");
      return FALSE;
    }
  return IFACE (self)->forget (self, hash, error);
}
