/* ks-verify-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Walks a destination's own index (not the catalog: the drive's record is what counts)
 * and hashes each file again from the medium. */

#include "config.h"

#include "ks-verify-job.h"

struct _KsVerifyJob
{
  GObject               parent_instance;

  KsDestination        *destination;
  KsCatalog            *catalog;
  KsVerifyProgressFunc  progress;
  gpointer              progress_data;
  gboolean              repair;
};

G_DEFINE_FINAL_TYPE (KsVerifyJob, ks_verify_job, G_TYPE_OBJECT)

void
ks_verify_result_free (KsVerifyResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->missing, g_ptr_array_unref);
  g_clear_pointer (&result->changed, g_ptr_array_unref);
  g_clear_pointer (&result->unreadable, g_ptr_array_unref);
  g_free (result);
}

static void
ks_verify_job_dispose (GObject *object)
{
  KsVerifyJob *self = (KsVerifyJob *)object;

  g_clear_object (&self->destination);
  g_clear_object (&self->catalog);

  G_OBJECT_CLASS (ks_verify_job_parent_class)->dispose (object);
}

static void
ks_verify_job_class_init (KsVerifyJobClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ks_verify_job_dispose;
}

static void
ks_verify_job_init (KsVerifyJob *self)
{
}

/**
 * ks_verify_job_new:
 * @catalog: (nullable): if given, each file found intact gets its verification time
 *   refreshed in the catalog
 */
KsVerifyJob *
ks_verify_job_new (KsDestination *destination,
                   KsCatalog     *catalog)
{
  KsVerifyJob *self;

  g_return_val_if_fail (KS_IS_DESTINATION (destination), NULL);
  g_return_val_if_fail (!catalog || KS_IS_CATALOG (catalog), NULL);

  self = g_object_new (KS_TYPE_VERIFY_JOB, NULL);
  self->destination = g_object_ref (destination);
  self->catalog = catalog ? g_object_ref (catalog) : NULL;

  return self;
}

void
ks_verify_job_set_progress (KsVerifyJob          *self,
                            KsVerifyProgressFunc  func,
                            gpointer              user_data)
{
  g_return_if_fail (KS_IS_VERIFY_JOB (self));

  self->progress = func;
  self->progress_data = user_data;
}

/**
 * ks_verify_job_set_repair:
 *
 * With @repair, every missing or changed copy is dropped from the destination's index
 * (and the catalog), so the next import stores that photo again, beside the damaged file,
 * which is never deleted.
 */
void
ks_verify_job_set_repair (KsVerifyJob *self,
                          gboolean     repair)
{
  g_return_if_fail (KS_IS_VERIFY_JOB (self));

  self->repair = !!repair;
}

/* A repair that cannot forget an entry fails the run: the entry would go on claiming a copy
 * that is not there, and the next import would not store the file again. A JPEG copy (an
 * entry with its original_hash) is forgotten as such, so the next run makes it again; it was
 * never a copy in the catalog. */
static gboolean
forget (KsVerifyJob              *self,
        KsVerifyResult           *result,
        const KsDestinationEntry *entry,
        GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_assert (KS_IS_VERIFY_JOB (self));

  if (!self->repair)
    return TRUE;

  if (entry->original_hash != NULL)
    ok = ks_destination_forget_derived (self->destination, entry->original_hash, &local_error);
  else
    ok = ks_destination_forget (self->destination, entry->hash, &local_error);
  if (!ok)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot repair the index (%s): ", entry->relative_path);
      return FALSE;
    }
  if (self->catalog != NULL && entry->original_hash == NULL)
    ks_catalog_forget_copy (self->catalog, entry->hash, ks_destination_get_id (self->destination), NULL);
  result->forgotten++;
  return TRUE;
}

static void
entry_copy_into (GPtrArray                *array,
                 const KsDestinationEntry *entry)
{
  KsDestinationEntry *copy = g_new0 (KsDestinationEntry, 1);

  copy->hash = g_strdup (entry->hash);
  copy->size = entry->size;
  copy->relative_path = g_strdup (entry->relative_path);
  copy->original_hash = g_strdup (entry->original_hash);
  g_ptr_array_add (array, copy);
}

/* Hashes @entry's file again and files it under ok, missing, changed or unreadable.
 * Returns: %FALSE if the run must stop (cancelled, or a repair failed) */
static gboolean
check_entry (KsVerifyJob              *self,
             KsVerifyResult           *result,
             const KsDestinationEntry *entry,
             GCancellable             *cancellable,
             GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *hash = NULL;
  guint64 size = 0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  hash = ks_destination_hash_file (self->destination, entry->relative_path, &size,
                                   cancellable, &local_error);
  result->checked++;

  if (hash == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Only "no such file" is missing: anything else in its place is damage. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        entry_copy_into (result->missing, entry);
      else
        entry_copy_into (result->unreadable, entry);
      return forget (self, result, entry, error);
    }
  if (size != entry->size || g_strcmp0 (hash, entry->hash) != 0)
    {
      entry_copy_into (result->changed, entry);
      return forget (self, result, entry, error);
    }

  result->ok++;
  /* A JPEG copy is no copy of a photo: the catalog never counts it. */
  if (self->catalog != NULL && entry->original_hash == NULL)
    ks_catalog_record_copy (self->catalog, entry->hash, entry->size,
                            ks_destination_get_id (self->destination),
                            entry->relative_path,
                            g_get_real_time () / G_USEC_PER_SEC, NULL);
  return TRUE;
}

/**
 * ks_verify_job_run:
 *
 * Blocking. Opens the destination, then hashes every file its index lists: the copies, then
 * the files made from them (JPEG copies; in the report with their original_hash set).
 *
 * Returns: (transfer full): the report, or %NULL if the destination cannot be opened, a
 *   repair could not forget an entry or the run was cancelled
 */
KsVerifyResult *
ks_verify_job_run (KsVerifyJob   *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(KsVerifyResult) result = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  guint n_copies;

  g_return_val_if_fail (KS_IS_VERIFY_JOB (self), NULL);

  if (!ks_destination_open (self->destination, cancellable, error))
    return NULL;

  result = g_new0 (KsVerifyResult, 1);
  result->missing = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  result->changed = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  result->unreadable = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);

  entries = ks_destination_list_entries (self->destination);
  n_copies = entries->len;
  {
    g_autoptr(GPtrArray) derived = ks_destination_list_derived (self->destination);

    g_ptr_array_extend_and_steal (entries, g_steal_pointer (&derived));
  }

  for (guint i = 0; i < entries->len; i++)
    {
      const KsDestinationEntry *entry = g_ptr_array_index (entries, i);

      if (!check_entry (self, result, entry, cancellable, error))
        {
          ks_destination_close (self->destination);
          return NULL;
        }
      if (entry->original_hash != NULL)
        result->derived_checked++;

      if (self->progress != NULL)
        self->progress (i + 1, entries->len, entry->relative_path, self->progress_data);
    }
  g_assert (result->checked == n_copies + result->derived_checked);

  ks_destination_close (self->destination);

  return g_steal_pointer (&result);
}

static void
verify_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  KsVerifyResult *result = ks_verify_job_run (source_object, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify)ks_verify_result_free);
}

void
ks_verify_job_run_async (KsVerifyJob         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_VERIFY_JOB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_verify_job_run_async);
  g_task_run_in_thread (task, verify_thread);
}

/**
 * ks_verify_job_run_finish:
 *
 * Returns: (transfer full): the report, or %NULL with @error set
 */
KsVerifyResult *
ks_verify_job_run_finish (KsVerifyJob   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
