/* ks-library-views-job.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One thread, one destination after the other: a sidecar is a few hundred bytes, and a
 * link costs less still. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-import-job.h"
#include "ks-import-progress.h"
#include "ks-library-views-job.h"
#include "ks-xmp-sidecar.h"

typedef struct
{
  KsDestination *dest;
  gboolean       sidecars;
  gboolean       albums;
} Target;

struct _KsLibraryViewsJob
{
  GObject               parent_instance;

  GPtrArray            *targets;  /* Target */
  gboolean              running;
  KsLibraryViewsResult *result;
};

G_DEFINE_FINAL_TYPE (KsLibraryViewsJob, ks_library_views_job, G_TYPE_OBJECT)

void
ks_library_views_result_free (KsLibraryViewsResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->errors, g_ptr_array_unref);
  g_free (result);
}

static KsLibraryViewsResult *
result_new (void)
{
  KsLibraryViewsResult *result = g_new0 (KsLibraryViewsResult, 1);

  result->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_import_file_error_free);
  return result;
}

static KsLibraryViewsResult *
result_copy (const KsLibraryViewsResult *result)
{
  KsLibraryViewsResult *copy = result_new ();

  copy->sidecars_written = result->sidecars_written;
  copy->sidecars_unchanged = result->sidecars_unchanged;
  copy->sidecars_kept = result->sidecars_kept;
  copy->sidecars_failed = result->sidecars_failed;
  copy->albums = result->albums;
  copy->links = result->links;
  for (guint i = 0; i < result->errors->len; i++)
    {
      const KsImportFileError *fe = g_ptr_array_index (result->errors, i);
      KsImportFileError *dup = ks_import_file_error_new (fe->path, fe->destination_id, NULL);

      dup->domain = fe->domain;
      dup->code = fe->code;
      dup->message = g_strdup (fe->message);
      g_ptr_array_add (copy->errors, dup);
    }
  return copy;
}

static void
target_free (Target *target)
{
  g_clear_object (&target->dest);
  g_free (target);
}

static void
ks_library_views_job_finalize (GObject *object)
{
  KsLibraryViewsJob *self = (KsLibraryViewsJob *) object;

  g_clear_pointer (&self->targets, g_ptr_array_unref);
  g_clear_pointer (&self->result, ks_library_views_result_free);

  G_OBJECT_CLASS (ks_library_views_job_parent_class)->finalize (object);
}

static void
ks_library_views_job_class_init (KsLibraryViewsJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_library_views_job_finalize;
}

static void
ks_library_views_job_init (KsLibraryViewsJob *self)
{
  self->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);
}

KsLibraryViewsJob *
ks_library_views_job_new (void)
{
  return g_object_new (KS_TYPE_LIBRARY_VIEWS_JOB, NULL);
}

/**
 * ks_library_views_get_settings:
 * @out_sidecars: (out) (optional)
 * @out_albums: (out) (optional)
 */
void
ks_library_views_get_settings (KsBackupPlan *plan,
                               const char   *id,
                               gboolean     *out_sidecars,
                               gboolean     *out_albums)
{
  g_autofree char *sidecars = NULL;
  g_autofree char *albums = NULL;

  g_return_if_fail (KS_IS_BACKUP_PLAN (plan));
  g_return_if_fail (id != NULL);

  sidecars = ks_backup_plan_dup_destination_option (plan, id, KS_LIBRARY_OPTION_XMP_SIDECARS);
  albums = ks_backup_plan_dup_destination_option (plan, id, KS_LIBRARY_OPTION_ALBUM_FOLDERS);
  if (out_sidecars != NULL)
    *out_sidecars = g_strcmp0 (sidecars, "true") == 0;
  if (out_albums != NULL)
    *out_albums = g_strcmp0 (albums, "true") == 0;
}

/**
 * ks_library_views_job_add_destination:
 * @destination: not yet opened (the job opens and closes it)
 */
void
ks_library_views_job_add_destination (KsLibraryViewsJob *self,
                                      KsDestination     *destination,
                                      gboolean           sidecars,
                                      gboolean           albums)
{
  Target *target;

  g_return_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self));
  g_return_if_fail (KS_IS_DESTINATION (destination));
  g_return_if_fail (!self->running);

  if (!sidecars && !albums)
    return;
  target = g_new0 (Target, 1);
  target->dest = g_object_ref (destination);
  target->sidecars = sidecars;
  target->albums = albums;
  g_ptr_array_add (self->targets, target);
}

/* Adds @destination (whose id, after a run opened it, is a plan entry's) with what its plan
 * entry asks for. Returns: whether it asks for anything */
gboolean
ks_library_views_job_add_planned (KsLibraryViewsJob *self,
                                  KsBackupPlan      *plan,
                                  KsDestination     *destination)
{
  const char *id;
  gboolean sidecars = FALSE;
  gboolean albums = FALSE;

  g_return_val_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self), FALSE);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), FALSE);
  g_return_val_if_fail (KS_IS_DESTINATION (destination), FALSE);

  id = ks_destination_get_id (destination);
  if (id == NULL || ks_backup_plan_lookup (plan, id) == NULL)
    return FALSE;
  ks_library_views_get_settings (plan, id, &sidecars, &albums);
  ks_library_views_job_add_destination (self, destination, sidecars, albums);
  return sidecars || albums;
}

guint
ks_library_views_job_get_n_destinations (KsLibraryViewsJob *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self), 0);

  return self->targets->len;
}

static void
add_error (KsLibraryViewsJob *self,
           const char        *path,
           KsDestination     *dest,
           const GError      *error)
{
  g_ptr_array_add (self->result->errors,
                   ks_import_file_error_new (path, ks_destination_get_id (dest), error));
}

/* A destination that went away, filled up or cannot hold sidecars takes no more. */
static gboolean
is_fatal (const GError *error)
{
  return g_error_matches (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
write_sidecars (KsLibraryViewsJob *self,
                Target            *target,
                GPtrArray         *infos,
                GHashTable        *paths,
                GCancellable      *cancellable)
{
  for (guint i = 0; i < infos->len; i++)
    {
      KsPhotoInfo *info = g_ptr_array_index (infos, i);
      const char *photo = g_hash_table_lookup (paths, info->hash);
      g_autofree char *sidecar = NULL;
      g_autoptr(GBytes) contents = NULL;
      g_autoptr(GError) error = NULL;
      KsSidecarOutcome outcome;

      if (photo == NULL)
        continue;
      sidecar = ks_xmp_sidecar_path (photo);
      contents = ks_xmp_sidecar_build (info);
      if (!ks_destination_put_sidecar (target->dest, info->hash, sidecar, contents, &outcome,
                                       cancellable, &error))
        {
          self->result->sidecars_failed++;
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            add_error (self, photo, target->dest, error);
          if (is_fatal (error))
            return;
          continue;
        }
      switch (outcome)
        {
        case KS_SIDECAR_WRITTEN:
          self->result->sidecars_written++;
          break;
        case KS_SIDECAR_UNCHANGED:
          self->result->sidecars_unchanged++;
          break;
        case KS_SIDECAR_KEPT:
        default:
          self->result->sidecars_kept++;
          break;
        }
    }
}

static void
make_albums (KsLibraryViewsJob *self,
             Target            *target,
             GPtrArray         *infos,
             GHashTable        *paths,
             GCancellable      *cancellable)
{
  g_autoptr(GHashTable) albums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GError) error = NULL;
  KsAlbumLinks links = KS_ALBUM_LINKS_HARD;

  for (guint i = 0; i < infos->len; i++)
    {
      KsPhotoInfo *info = g_ptr_array_index (infos, i);
      const char *photo = g_hash_table_lookup (paths, info->hash);

      /* Hidden and recently deleted photos stay out of albums, as on the phone. */
      if (photo == NULL || (info->flags & (KS_PHOTO_INFO_HIDDEN | KS_PHOTO_INFO_TRASHED)))
        continue;
      for (guint a = 0; info->albums[a] != NULL; a++)
        {
          GPtrArray *members = g_hash_table_lookup (albums, info->albums[a]);

          if (members == NULL)
            {
              members = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (albums, g_strdup (info->albums[a]), members);
            }
          g_ptr_array_add (members, g_strdup (photo));
        }
    }

  if (!ks_destination_sync_albums (target->dest, KS_LIBRARY_ALBUMS_FOLDER, albums, &links,
                                   cancellable, &error))
    {
      g_autofree char *uri = ks_destination_dup_uri (target->dest);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        add_error (self, uri, target->dest, error);
      return;
    }
  self->result->albums += g_hash_table_size (albums);
  self->result->links = links;
}

static void
run_target (KsLibraryViewsJob *self,
            Target            *target,
            GCancellable      *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);

  if (!ks_destination_open (target->dest, cancellable, &error))
    {
      g_autofree char *uri = ks_destination_dup_uri (target->dest);

      add_error (self, uri, target->dest, error);
      return;
    }

  infos = ks_destination_list_infos (target->dest);
  entries = ks_destination_list_entries (target->dest);
  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);

      g_hash_table_insert (paths, entry->hash, entry->relative_path);
    }

  if (target->sidecars)
    write_sidecars (self, target, infos, paths, cancellable);
  if (target->albums && !g_cancellable_is_cancelled (cancellable))
    make_albums (self, target, infos, paths, cancellable);

  ks_destination_close (target->dest);
}

static gboolean
run_blocking (KsLibraryViewsJob  *self,
              GCancellable       *cancellable,
              GError            **error)
{
  g_clear_pointer (&self->result, ks_library_views_result_free);
  self->result = result_new ();

  self->running = TRUE;
  for (guint t = 0; t < self->targets->len && !g_cancellable_is_cancelled (cancellable); t++)
    run_target (self, g_ptr_array_index (self->targets, t), cancellable);
  self->running = FALSE;

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED,
                           _("Writing XMP sidecars and album folders was cancelled"));
      return FALSE;
    }
  return TRUE;
}

/**
 * ks_library_views_job_run:
 *
 * Blocks until every destination's sidecars and album folders are made. Per-file problems
 * are in the result; cancelling fails with KS_IMPORT_ERROR_CANCELLED.
 *
 * Returns: (transfer full): a copy of the result, or %NULL with @error set
 */
KsLibraryViewsResult *
ks_library_views_job_run (KsLibraryViewsJob  *self,
                          GCancellable       *cancellable,
                          GError            **error)
{
  g_return_val_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self), NULL);
  g_return_val_if_fail (!self->running, NULL);

  if (!run_blocking (self, cancellable, error))
    return NULL;
  return result_copy (self->result);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KsLibraryViewsJob *self = source_object;
  GError *error = NULL;

  if (run_blocking (self, cancellable, &error))
    g_task_return_pointer (task, result_copy (self->result), (GDestroyNotify) ks_library_views_result_free);
  else
    g_task_return_error (task, error);
}

void
ks_library_views_job_run_async (KsLibraryViewsJob   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_views_job_run_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

KsLibraryViewsResult *
ks_library_views_job_run_finish (KsLibraryViewsJob  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Returns: (transfer none) (nullable): what the last run did (valid once it returned) */
const KsLibraryViewsResult *
ks_library_views_job_get_result (KsLibraryViewsJob *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY_VIEWS_JOB (self), NULL);

  return self->result;
}
