/* ks-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDestination: what every kind of destination shares. A kind reaches its medium and
 * stores bytes; this class keeps the destination's own index, names files without ever
 * replacing one, checks that what was read back is what was meant, and batches the names
 * and index lines of a run until sync. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-destination.h"
#include "ks-destination-index.h"
#include "ks-destination-private.h"
#include "ks-hash.h"
#include "ks-photo-info.h"
#include "ks-safe-name.h"

struct _KsDestinationWriter
{
  gpointer  temp;     /* the kind's handle */
  char     *rel_dir;  /* where the temporary is */
  guint64   written;

  /* Set by ks_destination_finish(): what the medium holds, read back. */
  char     *read_back_hash;
  guint64   read_size;
};


G_DEFINE_QUARK (ks-destination-error-quark, ks_destination_error)

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (KsDestination, ks_destination, G_TYPE_OBJECT)

#define CLASS(self) KS_DESTINATION_GET_CLASS (self)
#define MAX_COUNTER 100000

void
ks_destination_entry_free (KsDestinationEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->hash);
  g_free (entry->relative_path);
  g_free (entry->original_hash);
  g_free (entry);
}

/* Whether @name is one of our temporaries: ".<hint>.keepsake-tmp-XXXXXX". */
gboolean
ks_destination_is_temp_name (const char *name)
{
  const char *mark;
  const char *tail;

  if (name == NULL || name[0] != '.')
    return FALSE;

  mark = g_strrstr (name, KS_DESTINATION_TMP_MARK);
  if (mark == NULL || mark == name)
    return FALSE;

  tail = mark + strlen (KS_DESTINATION_TMP_MARK);
  if (strlen (tail) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isalnum (tail[i]))
      return FALSE;

  return TRUE;
}

/* Where the destination is, for messages: its path when it is a folder, else its URI. */
static char *
dup_location (KsDestination *self)
{
  g_autofree char *uri = NULL;
  char *path;

  g_assert (KS_IS_DESTINATION (self));

  uri = CLASS (self)->dup_uri (self);
  if (uri == NULL)
    return g_strdup ("?");
  path = g_filename_from_uri (uri, NULL, NULL);
  return path != NULL ? path : g_steal_pointer (&uri);
}

gboolean
_ks_destination_set_not_open_error (KsDestination  *self,
                                    GError        **error)
{
  g_autofree char *where = dup_location (self);

  g_assert (KS_IS_DESTINATION (self));

  g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
               "Destination %s is not open", where);
  return FALSE;
}

static void
reset_staged (KsDestinationPrivate *priv)
{
  /* staged_order owns the entries until sync hands them to the index; staged points at
   * them. */
  g_clear_pointer (&priv->staged_order, g_ptr_array_unref);
  g_clear_pointer (&priv->staged_dirs, g_hash_table_unref);
  g_clear_pointer (&priv->staged_infos, g_ptr_array_unref);
  priv->staged_infos = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_photo_info_free);
  priv->staged_order = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  priv->staged_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

const char *
ks_destination_get_id (KsDestination *self)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  return priv->id;
}

const char *
ks_destination_get_kind (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  return CLASS (self)->get_kind (self);
}

char *
ks_destination_dup_uri (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  return CLASS (self)->dup_uri (self);
}

char *
ks_destination_dup_display_name (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  return CLASS (self)->dup_display_name (self);
}

char *
ks_destination_dup_volume_uuid (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  if (CLASS (self)->dup_volume_uuid == NULL)
    return NULL;
  return CLASS (self)->dup_volume_uuid (self);
}

/* Reads the index file, rewriting it compactly when it carries garbage or many superseded
 * lines. Called with the mutex held. */
static gboolean
load_index (KsDestination  *self,
            GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;

  g_assert (KS_IS_DESTINATION (self));

  contents = CLASS (self)->read_index (self, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (ks_destination_index_load (priv->index, contents))
    {
      g_autoptr(GString) out = ks_destination_index_serialize (priv->index);

      if (!CLASS (self)->replace_index (self, out->str, out->len, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
ks_destination_open (KsDestination  *self,
                     GCancellable   *cancellable,
                     GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  g_autofree char *id = NULL;
  gboolean ok;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  /* The kind lets go of whatever an earlier open left, as it did. */
  CLASS (self)->close_medium (self);
  priv->is_open = FALSE;

  id = CLASS (self)->open_medium (self, cancellable, error);
  if (id == NULL)
    {
      /* Nothing half-open: a refused medium keeps no lock and takes no file. */
      CLASS (self)->close_medium (self);
      return FALSE;
    }

  g_mutex_lock (&priv->mutex);
  g_free (priv->id);
  priv->id = g_steal_pointer (&id);
  ok = load_index (self, error);
  g_mutex_unlock (&priv->mutex);

  priv->is_open = ok;
  if (!ok)
    CLASS (self)->close_medium (self);
  return ok;
}

gint64
ks_destination_query_free_space (KsDestination  *self,
                                 GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), -1);

  return CLASS (self)->query_free_space (self, error);
}

/**
 * ks_destination_query_max_file_size:
 * @out_reason: (out) (optional) (transfer full): when there is a limit, a sentence saying
 *   why, for people ("the FAT32 file system of “Passport” can't hold files over 4 GiB; …")
 *
 * The largest file the medium can hold, asked before a run copies anything, so a file
 * too large for it is named up front instead of failing halfway. Call after open.
 *
 * Returns: the size in bytes, or 0 when the medium has no limit that matters
 */
guint64
ks_destination_query_max_file_size (KsDestination  *self,
                                    char          **out_reason)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), 0);

  if (out_reason != NULL)
    *out_reason = NULL;
  if (CLASS (self)->query_max_file_size == NULL)
    return 0;

  return CLASS (self)->query_max_file_size (self, out_reason);
}

gboolean
ks_destination_check_available (KsDestination  *self,
                                GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  return CLASS (self)->check_available (self, error);
}

/* The entry for @key (a content hash; for @derived, the hash of the original a file was
 * made from), if the index lists it or it is staged, and the medium still has the file
 * with that size. */
static gboolean
lookup_entry (KsDestination  *self,
              const char     *key,
              gboolean        derived,
              char          **out_relative_path,
              guint64        *out_size)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  const KsDestinationEntry *entry;
  g_autofree char *relative_path = NULL;
  guint64 size = 0;
  guint64 on_medium = 0;

  g_mutex_lock (&priv->mutex);
  if (derived)
    {
      entry = ks_destination_index_lookup_derived (priv->index, key);
      if (entry == NULL)
        entry = g_hash_table_lookup (priv->staged_derived, key);
    }
  else
    {
      entry = ks_destination_index_lookup (priv->index, key);
      if (entry == NULL)
        entry = g_hash_table_lookup (priv->staged, key);
    }
  if (entry != NULL)
    {
      relative_path = g_strdup (entry->relative_path);
      size = entry->size;
    }
  g_mutex_unlock (&priv->mutex);

  if (relative_path == NULL)
    return FALSE;

  /* The index says what was stored; the medium says what is still there. A file someone
   * deleted or truncated on the drive does not count, so the next run stores it again.
   * (Only a stat: reading it back is verify's job.) */
  if (priv->is_open
      && (!CLASS (self)->query_file (self, relative_path, &on_medium) || on_medium != size))
    return FALSE;

  if (out_relative_path)
    *out_relative_path = g_steal_pointer (&relative_path);
  if (out_size)
    *out_size = size;

  return TRUE;
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
  g_return_val_if_fail (hash != NULL, FALSE);

  return lookup_entry (self, hash, FALSE, out_relative_path, out_size);
}

/**
 * ks_destination_list_entries:
 *
 * Returns: (transfer full) (element-type KsDestinationEntry): the index, by relative path
 */
GPtrArray *
ks_destination_list_entries (KsDestination *self)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  GPtrArray *entries;

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  g_mutex_lock (&priv->mutex);
  entries = ks_destination_index_list (priv->index);
  g_mutex_unlock (&priv->mutex);

  return entries;
}

static KsDestinationWriter *
begin_file (KsDestination  *self,
            const char     *rel_dir,
            const char     *name_hint,
            const char     *local_path,
            GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  KsDestinationWriter *writer;
  gpointer temp;

  if (!priv->is_open)
    {
      _ks_destination_set_not_open_error (self, error);
      return NULL;
    }

  rel_dir = rel_dir ? rel_dir : "";
  if (local_path != NULL && CLASS (self)->create_temp_reading != NULL)
    temp = CLASS (self)->create_temp_reading (self, rel_dir, name_hint, local_path, error);
  else
    temp = CLASS (self)->create_temp (self, rel_dir, name_hint, error);
  if (temp == NULL)
    return NULL;

  writer = g_new0 (KsDestinationWriter, 1);
  writer->temp = temp;
  writer->rel_dir = g_strdup (rel_dir);

  return writer;
}

KsDestinationWriter *
ks_destination_begin_file (KsDestination  *self,
                           const char     *rel_dir,
                           const char     *name_hint,
                           GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  return begin_file (self, rel_dir, name_hint, NULL, error);
}

KsDestinationWriter *
ks_destination_begin_file_reading (KsDestination  *self,
                                   const char     *rel_dir,
                                   const char     *name_hint,
                                   const char     *local_path,
                                   GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (local_path != NULL, NULL);

  return begin_file (self, rel_dir, name_hint, local_path, error);
}

gboolean
ks_destination_write (KsDestination        *self,
                      KsDestinationWriter  *writer,
                      const void           *data,
                      gsize                 len,
                      GError              **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (writer != NULL, FALSE);

  if (!CLASS (self)->write_temp (self, writer->temp, data, len, error))
    return FALSE;

  writer->written += len;
  return TRUE;
}

/* No way out of the destination: no absolute path, no "..", no empty or "." part. */
static gboolean
relative_path_is_safe (const char *relative_path)
{
  g_auto(GStrv) parts = g_strsplit (relative_path, "/", -1);

  if (*relative_path == '\0')
    return FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}

/**
 * ks_destination_is_remote:
 *
 * Returns: whether the medium is reached over the network (its writes are uploads)
 */
gboolean
ks_destination_is_remote (KsDestination *self)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  return CLASS (self)->is_remote != NULL && CLASS (self)->is_remote (self);
}

/**
 * ks_destination_dup_local_path:
 *
 * Returns: (transfer full) (nullable): where the stored file @relative_path is on this
 *   computer, or %NULL when the medium is not a file system here
 */
char *
ks_destination_dup_local_path (KsDestination *self,
                               const char    *relative_path)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (relative_path != NULL, NULL);

  if (CLASS (self)->dup_local_path == NULL || !relative_path_is_safe (relative_path))
    return NULL;
  return CLASS (self)->dup_local_path (self, relative_path);
}

/* The generic way: read @local_path and write it like any other file. */
static KsDestinationWriter *
copy_local_file (KsDestination  *self,
                 const char     *rel_dir,
                 const char     *name_hint,
                 const char     *local_path,
                 char          **out_hash,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (local_path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guint8 *buf = g_malloc (1024 * 1024);
  KsDestinationWriter *writer;
  KsHasher *hasher;

  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return NULL;
  writer = ks_destination_begin_file (self, rel_dir, name_hint, error);
  if (writer == NULL)
    return NULL;

  hasher = ks_hasher_new ();
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, 1024 * 1024, cancellable, error);

      if (n < 0 || (n > 0 && !ks_destination_write (self, writer, buf, n, error)))
        {
          ks_hasher_free (hasher);
          ks_destination_abort (self, writer);
          return NULL;
        }
      if (n == 0)
        break;
      ks_hasher_update (hasher, buf, n);
    }
  *out_hash = ks_hasher_finish (hasher);
  ks_hasher_free (hasher);

  return writer;
}

/**
 * ks_destination_begin_from_file:
 * @local_path: a file on this computer: a verified copy in another destination
 * @expected_hash: what its SHA-256 must be
 *
 * What ks_destination_begin_file() and ks_destination_write() do, with the bytes of
 * @local_path, re-hashed as they are read: a copy that is no longer what it was is refused
 * (%KS_DESTINATION_ERROR_VERIFY_FAILED). A remote kind uploads straight from it, without a
 * copy in the cache. Stage the writer as usual: the medium's bytes are still verified.
 *
 * Returns: (transfer full): the writer, or %NULL with @error set
 */
KsDestinationWriter *
ks_destination_begin_from_file (KsDestination  *self,
                                const char     *rel_dir,
                                const char     *name_hint,
                                const char     *local_path,
                                const char     *expected_hash,
                                GCancellable   *cancellable,
                                GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  KsDestinationWriter *writer = NULL;
  g_autofree char *hash = NULL;
  guint64 size = 0;

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (local_path != NULL, NULL);
  g_return_val_if_fail (ks_hash_is_valid (expected_hash), NULL);

  if (!priv->is_open)
    {
      _ks_destination_set_not_open_error (self, error);
      return NULL;
    }

  rel_dir = rel_dir ? rel_dir : "";
  if (CLASS (self)->create_temp_from_file == NULL)
    writer = copy_local_file (self, rel_dir, name_hint, local_path, &hash, cancellable, error);
  else
    {
      gpointer temp = CLASS (self)->create_temp_from_file (self, rel_dir, name_hint, local_path,
                                                           &size, &hash, cancellable, error);

      if (temp != NULL)
        {
          writer = g_new0 (KsDestinationWriter, 1);
          writer->temp = temp;
          writer->rel_dir = g_strdup (rel_dir);
          writer->written = size;
        }
    }
  if (writer == NULL)
    return NULL;

  if (g_strcmp0 (hash, expected_hash) != 0)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                   _("The copy at %s is no longer what was stored there"), local_path);
      ks_destination_abort (self, writer);
      return NULL;
    }

  return writer;
}

/**
 * ks_destination_set_transfer_func:
 * @func: (nullable): called while a remote kind uploads a file
 *
 * Set before a run, cleared after it (with %NULL); not while files are staged.
 */
void
ks_destination_set_transfer_func (KsDestination             *self,
                                  KsDestinationTransferFunc  func,
                                  gpointer                   user_data)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_return_if_fail (KS_IS_DESTINATION (self));

  priv->transfer_func = func;
  priv->transfer_data = user_data;
}

/* For kinds: how far the upload of @relative_path is. */
void
ks_destination_report_transfer (KsDestination *self,
                                const char    *relative_path,
                                guint64        bytes,
                                guint64        size,
                                double         rate)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_return_if_fail (KS_IS_DESTINATION (self));

  if (priv->transfer_func != NULL)
    priv->transfer_func (self, relative_path, bytes, size, rate, priv->transfer_data);
}

void
ks_destination_abort (KsDestination       *self,
                      KsDestinationWriter *writer)
{
  g_return_if_fail (KS_IS_DESTINATION (self));

  if (writer == NULL)
    return;

  CLASS (self)->free_temp (self, writer->temp);
  g_free (writer->rel_dir);
  g_free (writer->read_back_hash);
  g_free (writer);
}

/**
 * ks_destination_finish:
 *
 * Makes @writer's file durable on the medium and reads it back (a remote kind uploads it
 * under its hidden name and has the server's hash checked, or downloads it again), without
 * giving it a name: the first half of ks_destination_stage(), which then only compares
 * and names. For a remote destination, several writers may be finished at once on
 * different threads (each call touches only its own temporary), while naming stays on the
 * one thread that stages, in order. Optional: stage finishes a writer that was not.
 *
 * Returns: %FALSE with @error set when the medium could not take it or read it back (the
 *   writer is left to abort)
 */
gboolean
ks_destination_finish (KsDestination        *self,
                       KsDestinationWriter  *writer,
                       GCancellable         *cancellable,
                       GError              **error)
{
  char *hash;
  guint64 size = 0;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (writer != NULL, FALSE);

  if (writer->read_back_hash != NULL)
    return TRUE;

  hash = CLASS (self)->finish_temp (self, writer->temp, &size, cancellable, error);
  if (hash == NULL)
    return FALSE;

  writer->read_back_hash = hash;
  writer->read_size = size;
  return TRUE;
}

static char *
make_final_name (const char *stem,
                 const char *ext,
                 guint       n)
{
  g_autofree char *suffix = n > 1 ? g_strdup_printf (" (%u)", n) : g_strdup ("");
  g_autofree char *dot_ext = (ext && *ext) ? g_strconcat (".", ext, NULL) : g_strdup ("");
  gsize room = KS_SAFE_NAME_MAX_BYTES - strlen (suffix) - strlen (dot_ext);
  g_autofree char *short_stem = ks_safe_name_truncate (stem && *stem ? stem : "file", room);

  return g_strconcat (short_stem, suffix, dot_ext, NULL);
}

static char *
join_relative (const char *rel_dir,
               const char *name)
{
  return rel_dir[0] ? g_strconcat (rel_dir, "/", name, NULL) : g_strdup (name);
}

/* Whether the taken @relative_path already holds exactly this content (a previous copy
 * whose index line was lost): then it is adopted instead of storing a second one. */
static gboolean
holds_same (KsDestination *self,
            const char    *relative_path,
            const char    *hash,
            guint64        size,
            GCancellable  *cancellable)
{
  g_autofree char *existing = NULL;
  guint64 on_medium = 0;

  g_assert (KS_IS_DESTINATION (self));

  if (!CLASS (self)->query_file (self, relative_path, &on_medium) || on_medium != size)
    return FALSE;

  existing = CLASS (self)->hash_file (self, relative_path, NULL, cancellable, NULL);
  return g_strcmp0 (existing, hash) == 0;
}

/* Gives the verified temporary its final name, the first free one from *@n on, or adopts a
 * taken name holding the same content. Returns: the relative path */
static char *
name_without_replacing (KsDestination        *self,
                        KsDestinationWriter  *writer,
                        const char           *rel_dir,
                        const char           *stem,
                        const char           *ext,
                        const char           *hash,
                        guint                *n,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_assert (KS_IS_DESTINATION (self));

  for (;; (*n)++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *name = NULL;
      g_autofree char *relative_path = NULL;

      if (*n > MAX_COUNTER)
        {
          g_autofree char *where = dup_location (self);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "No free name for %s in %s", stem, where);
          return NULL;
        }

      name = make_final_name (stem, ext, *n);
      relative_path = join_relative (rel_dir, name);

      if (CLASS (self)->name_temp (self, writer->temp, rel_dir, name, &local_error))
        return g_steal_pointer (&relative_path);

      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      if (holds_same (self, relative_path, hash, writer->written, cancellable))
        return g_steal_pointer (&relative_path);
    }
}

static gboolean
stage_entry (KsDestination        *self,
             KsDestinationWriter  *writer,
             const char           *original_hash,
             const char           *rel_dir,
             const char           *stem,
             const char           *ext,
             const char           *hash,
             guint                *inout_counter,
             char                **out_relative_path,
             GCancellable         *cancellable,
             GError              **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  g_autofree char *relative_path = NULL;
  guint n = MAX (1, inout_counter ? *inout_counter : 1);
  KsDestinationEntry *entry;

  g_assert (KS_IS_DESTINATION (self));
  g_assert (writer != NULL);

  rel_dir = rel_dir ? rel_dir : "";

  /* Durable and verified before the file gets its real name, so an unverified file is
   * never visible. */
  if (!ks_destination_finish (self, writer, cancellable, error))
    goto fail;

  if (writer->read_size != writer->written || g_strcmp0 (writer->read_back_hash, hash) != 0)
    {
      g_autofree char *where = dup_location (self);

      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                   "What %s holds differs from what was written (%" G_GUINT64_FORMAT " of %"
                   G_GUINT64_FORMAT " bytes read back)", where, writer->read_size, writer->written);
      goto fail;
    }

  relative_path = name_without_replacing (self, writer, rel_dir, stem, ext, hash, &n,
                                          cancellable, error);
  if (relative_path == NULL)
    goto fail;

  /* The folder sync and the index line wait for sync, once for a whole batch. An index
   * line must never reach the medium before the name it points to, so both happen there,
   * in that order. A temporary made in another folder must leave that one durably too. */
  entry = ks_destination_entry_new (hash, writer->written, relative_path);
  entry->original_hash = g_strdup (original_hash);

  g_mutex_lock (&priv->mutex);
  g_hash_table_add (priv->staged_dirs, g_strdup (rel_dir));
  if (strcmp (writer->rel_dir, rel_dir) != 0)
    g_hash_table_add (priv->staged_dirs, g_strdup (writer->rel_dir));
  g_ptr_array_add (priv->staged_order, entry);
  if (original_hash != NULL)
    g_hash_table_replace (priv->staged_derived,
                          ks_destination_derived_key (original_hash, ks_destination_entry_is_sidecar (entry)),
                          entry);
  else
    g_hash_table_replace (priv->staged, entry->hash, entry);
  g_mutex_unlock (&priv->mutex);

  /* Named (the temporary is gone) or adopted (the temporary is removed here). */
  ks_destination_abort (self, writer);

  if (inout_counter)
    *inout_counter = n;
  if (out_relative_path)
    *out_relative_path = g_steal_pointer (&relative_path);

  return TRUE;

fail:
  ks_destination_abort (self, writer);
  return FALSE;
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
  g_return_val_if_fail (writer != NULL, FALSE);

  return stage_entry (self, writer, NULL, rel_dir, stem, ext, hash, inout_counter,
                      out_relative_path, cancellable, error);
}

gboolean
ks_destination_stage_derived (KsDestination        *self,
                              KsDestinationWriter  *writer,
                              const char           *original_hash,
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
  g_return_val_if_fail (writer != NULL, FALSE);
  g_return_val_if_fail (ks_hash_is_valid (original_hash), FALSE);

  return stage_entry (self, writer, original_hash, rel_dir, stem, ext, hash, inout_counter,
                      out_relative_path, cancellable, error);
}

/**
 * ks_destination_lookup_derived:
 * @out_relative_path: (out) (optional) (transfer full)
 * @out_size: (out) (optional)
 *
 * Returns: whether the destination holds a file made from the original @original_hash
 *   (listed in its index, or staged, and still there with the recorded size)
 */
gboolean
ks_destination_lookup_derived (KsDestination  *self,
                               const char     *original_hash,
                               char          **out_relative_path,
                               guint64        *out_size)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (original_hash != NULL, FALSE);

  return lookup_entry (self, original_hash, TRUE, out_relative_path, out_size);
}

/**
 * ks_destination_load_file:
 * @max_size: a larger file is refused (G_IO_ERROR_MESSAGE_TOO_LARGE)
 *
 * Returns: (transfer full): the bytes of the stored file @relative_path, or %NULL with
 *   @error set (G_IO_ERROR_NOT_SUPPORTED for a kind that cannot read files back)
 */
GBytes *
ks_destination_load_file (KsDestination  *self,
                          const char     *relative_path,
                          gsize           max_size,
                          GCancellable   *cancellable,
                          GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (relative_path != NULL, NULL);

  if (!priv->is_open)
    {
      _ks_destination_set_not_open_error (self, error);
      return NULL;
    }
  if (CLASS (self)->load_file == NULL)
    {
      g_autofree char *where = dup_location (self);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Files stored in %s cannot be read back here"), where);
      return NULL;
    }

  return CLASS (self)->load_file (self, relative_path, max_size, cancellable, error);
}

/* Makes what was staged durable: first every folder that got a new name (or lost a
 * temporary), then the index lines, in one append. */
gboolean
ks_destination_sync (KsDestination  *self,
                     GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GHashTable) dirs = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  GHashTableIter iter;
  const char *dir;
  gboolean ok = TRUE;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  g_mutex_lock (&priv->mutex);
  entries = g_steal_pointer (&priv->staged_order);
  dirs = g_steal_pointer (&priv->staged_dirs);
  infos = g_steal_pointer (&priv->staged_infos);
  reset_staged (priv);
  g_mutex_unlock (&priv->mutex);

  if (entries->len == 0 && infos->len == 0 && g_hash_table_size (dirs) == 0)
    return TRUE;

  g_hash_table_iter_init (&iter, dirs);
  while (ok && g_hash_table_iter_next (&iter, (gpointer *)&dir, NULL))
    ok = CLASS (self)->sync_folder (self, dir, error);

  for (guint i = 0; ok && i < entries->len; i++)
    ks_destination_entry_append_line (g_ptr_array_index (entries, i), lines);
  for (guint i = 0; ok && i < infos->len; i++)
    ks_photo_info_append_line (g_ptr_array_index (infos, i), lines);

  /* One append: a crash leaves whole lines and at most one torn last line, which loading
   * drops (the copy it named is adopted by the next run). */
  g_mutex_lock (&priv->mutex);
  if (ok && lines->len > 0 && priv->fail_next_sync != 0)
    {
      g_autofree char *where = dup_location (self);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (priv->fail_next_sync),
                   "Cannot record in the index of %s: %s", where, g_strerror (priv->fail_next_sync));
      priv->fail_next_sync = 0;
      ok = FALSE;
    }
  if (ok && lines->len > 0)
    ok = CLASS (self)->append_index (self, lines->str, lines->len, error);

  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);

      if (entry->original_hash != NULL)
        {
          g_autofree char *key = ks_destination_derived_key (entry->original_hash,
                                                             ks_destination_entry_is_sidecar (entry));

          g_hash_table_remove (priv->staged_derived, key);
        }
      else
        g_hash_table_remove (priv->staged, entry->hash);
      if (ok)
        ks_destination_index_take (priv->index, entry);
    }
  for (guint i = 0; ok && i < infos->len; i++)
    ks_destination_index_take_info (priv->index, g_ptr_array_steal_index (infos, i--));
  /* On success the index owns them now; on failure they go with the array. */
  if (ok)
    g_ptr_array_set_free_func (entries, NULL);
  g_mutex_unlock (&priv->mutex);

  return ok;
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
  g_autofree char *relative_path = NULL;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);

  if (!ks_destination_stage (self, writer, rel_dir, stem, ext, hash, inout_counter,
                             &relative_path, cancellable, error)
      || !ks_destination_sync (self, error))
    return FALSE;

  if (out_relative_path)
    *out_relative_path = g_steal_pointer (&relative_path);

  return TRUE;
}

char *
ks_destination_hash_file (KsDestination  *self,
                          const char     *relative_path,
                          guint64        *out_size,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (relative_path != NULL, NULL);

  return CLASS (self)->hash_file (self, relative_path, out_size, cancellable, error);
}

void
ks_destination_close (KsDestination *self)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  g_autoptr(GError) error = NULL;

  g_return_if_fail (KS_IS_DESTINATION (self));

  /* Whoever staged files and did not sync them still gets them recorded. If that fails
   * (the drive went away), nothing was claimed for them: only a sync counts a copy, and the
   * caller that synced has had the error. */
  if (priv->is_open && !ks_destination_sync (self, &error))
    g_message ("Closing %s: %s", ks_destination_get_id (self), error->message);

  CLASS (self)->close_medium (self);
  priv->is_open = FALSE;
}

gboolean
ks_destination_forget (KsDestination  *self,
                       const char     *hash,
                       GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  gboolean ok = TRUE;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (ks_hash_is_valid (hash), FALSE);

  g_mutex_lock (&priv->mutex);
  if (!priv->is_open)
    ok = _ks_destination_set_not_open_error (self, error);
  else if (ks_destination_index_lookup (priv->index, hash) != NULL)
    {
      g_autofree char *line = ks_destination_index_forget_line (hash);

      ok = CLASS (self)->append_index (self, line, strlen (line), error);
      if (ok)
        ks_destination_index_remove (priv->index, hash);
    }
  g_mutex_unlock (&priv->mutex);

  return ok;
}

KsDestinationPrivate *
_ks_destination_get_private (KsDestination *self)
{
  return ks_destination_get_instance_private (self);
}

gboolean
_ks_destination_is_open (KsDestination *self)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  return priv->is_open;
}

/**
 * ks_destination_list_derived:
 *
 * Returns: (transfer full) (element-type KsDestinationEntry): the files made from stored
 *   originals the index lists (JPEG copies; not XMP sidecars), by relative path; each has
 *   its original_hash
 */
GPtrArray *
ks_destination_list_derived (KsDestination *self)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  GPtrArray *entries;

  g_return_val_if_fail (KS_IS_DESTINATION (self), NULL);

  g_mutex_lock (&priv->mutex);
  entries = ks_destination_index_list_derived (priv->index);
  g_mutex_unlock (&priv->mutex);

  /* XMP sidecars are not checked: another photo program may rewrite them, by design. */
  for (guint i = entries->len; i > 0; i--)
    if (ks_destination_entry_is_sidecar (g_ptr_array_index (entries, i - 1)))
      g_ptr_array_remove_index (entries, i - 1);

  return entries;
}

/**
 * ks_destination_forget_derived:
 * @original_hash: the original the file was made from
 *
 * Drops the file made from @original_hash (a JPEG copy found damaged) from the index, so the
 * next run makes it again; the damaged file itself is left where it is.
 */
gboolean
ks_destination_forget_derived (KsDestination  *self,
                               const char     *original_hash,
                               GError        **error)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);
  gboolean ok = TRUE;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (ks_hash_is_valid (original_hash), FALSE);

  g_mutex_lock (&priv->mutex);
  if (!priv->is_open)
    ok = _ks_destination_set_not_open_error (self, error);
  else if (ks_destination_index_lookup_derived (priv->index, original_hash) != NULL)
    {
      g_autofree char *line = ks_destination_index_forget_derived_line (original_hash);

      ok = CLASS (self)->append_index (self, line, strlen (line), error);
      if (ok)
        ks_destination_index_remove_derived (priv->index, original_hash);
    }
  g_mutex_unlock (&priv->mutex);

  return ok;
}

void
_ks_destination_fail_next_sync (KsDestination *self,
                                int            errsv)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_return_if_fail (KS_IS_DESTINATION (self));

  priv->fail_next_sync = errsv;
}

static void
ks_destination_finalize (GObject *object)
{
  KsDestination *self = (KsDestination *)object;
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_clear_pointer (&priv->staged, g_hash_table_unref);
  g_clear_pointer (&priv->staged_derived, g_hash_table_unref);
  g_clear_pointer (&priv->staged_order, g_ptr_array_unref);
  g_clear_pointer (&priv->staged_dirs, g_hash_table_unref);
  g_clear_pointer (&priv->staged_infos, g_ptr_array_unref);
  g_clear_pointer (&priv->index, ks_destination_index_free);
  g_clear_pointer (&priv->id, g_free);
  g_mutex_clear (&priv->mutex);

  G_OBJECT_CLASS (ks_destination_parent_class)->finalize (object);
}

static void
ks_destination_class_init (KsDestinationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_destination_finalize;
}

static void
ks_destination_init (KsDestination *self)
{
  KsDestinationPrivate *priv = ks_destination_get_instance_private (self);

  g_mutex_init (&priv->mutex);
  priv->index = ks_destination_index_new ();
  priv->staged = g_hash_table_new (g_str_hash, g_str_equal);
  priv->staged_derived = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reset_staged (priv);
}
