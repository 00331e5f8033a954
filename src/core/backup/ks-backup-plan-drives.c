/* ks-backup-plan-drives.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The folder is looked at on a worker (the mount table, the drive's superblock, its
 * .keepsake/id); the plan is changed on the calling thread. A folder that is not on a drive
 * goes through ks_backup_plan_add_folder_async(), unchanged. */

#include "config.h"

#include "ks-backup-plan-drives.h"
#include "ks-drive-destination.h"
#include "ks-folder-destination.h"

typedef struct
{
  char *path;
  char *name;
  /* Found on the worker; location NULL: not a drive. */
  char *location;
  char *existing_id;
} AddPath;

static void
add_path_free (AddPath *add)
{
  g_free (add->path);
  g_free (add->name);
  g_free (add->location);
  g_free (add->existing_id);
  g_free (add);
}

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  AddPath *add = task_data;

  /* A path that cannot be looked at is for the folder code to report. */
  add->location = ks_drive_location_for_path (add->path, NULL, NULL);
  if (add->location != NULL)
    add->existing_id = ks_folder_destination_read_id (add->path, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
add_folder_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  KsPlanDestination *dest = ks_backup_plan_add_folder_finish (KS_BACKUP_PLAN (object), result, &error);

  if (dest == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (dest), g_object_unref);
}

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KsBackupPlan *self = g_task_get_source_object (task);
  AddPath *add = g_task_get_task_data (task);
  g_autofree char *name = NULL;
  KsPlanDestination *dest;
  GError *error = NULL;

  if (add->location == NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      ks_backup_plan_add_folder_async (self, add->path, add->name, cancellable,
                                       add_folder_cb, g_steal_pointer (&task));
      return;
    }

  name = add->name != NULL && add->name[0] != '\0' ? g_strdup (add->name)
                                                   : g_filename_display_basename (add->path);
  dest = ks_backup_plan_add (self, KS_DESTINATION_KIND_DRIVE, add->existing_id, name,
                             add->location, KS_BACKUP_METHOD_FILES, &error);
  if (dest == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (dest), g_object_unref);
}

/**
 * ks_backup_plan_add_path_async:
 * @path: an absolute path
 * @name: (nullable): a name for people; the folder's name when %NULL
 *
 * Adds the folder at @path to the plan, enabled, for photos and videos as files: as a
 * drive destination when it is on an external drive, otherwise as a folder (see
 * ks_backup_plan_add_folder_async()). A folder that already holds a Keepsake backup keeps
 * its id.
 */
void
ks_backup_plan_add_path_async (KsBackupPlan        *self,
                               const char          *path,
                               const char          *name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) probe = NULL;
  GTask *task;
  AddPath *add;

  g_return_if_fail (KS_IS_BACKUP_PLAN (self));
  g_return_if_fail (path != NULL);

  add = g_new0 (AddPath, 1);
  add->path = g_strdup (path);
  add->name = g_strdup (name);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_backup_plan_add_path_async);
  g_task_set_task_data (task, add, (GDestroyNotify)add_path_free);

  probe = g_task_new (self, cancellable, probe_cb, task);
  g_task_set_task_data (probe, add, NULL);
  g_task_run_in_thread (probe, probe_thread);
}

/**
 * ks_backup_plan_add_path_finish:
 *
 * Returns: (transfer full): the new entry, or %NULL with @error set
 */
KsPlanDestination *
ks_backup_plan_add_path_finish (KsBackupPlan  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
