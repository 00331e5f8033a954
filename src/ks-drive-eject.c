/* ks-drive-eject.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Everything goes through GIO's async calls: finding the mount (its worker threads) and
 * ejecting or unmounting it (the volume monitor's helper, udisks through gvfs on a desktop,
 * or umount(8) where gvfs is missing). With gvfs, a drive some program keeps busy makes the
 * GtkMountOperation list those programs over @parent and let the user decide; the user's
 * answer needs no toast (G_IO_ERROR_FAILED_HANDLED). */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-drive-destination.h"
#include "ks-drive-eject.h"

/**
 * ks_run_drive_free:
 */
void
ks_run_drive_free (KsRunDrive *drive)
{
  if (drive == NULL)
    return;
  g_free (drive->path);
  g_free (drive->name);
  g_free (drive->uuid);
  g_free (drive);
}

/**
 * ks_run_drive_list:
 * @run: a finished run
 *
 * The drives @run stored to: those it found (a drive that was not plugged in has no folder).
 * A run has closed its destinations by the time it says it finished, so they can be ejected.
 *
 * Returns: (transfer full) (element-type KsRunDrive): the drives, maybe none
 */
GPtrArray *
ks_run_drive_list (KsBackupRun *run)
{
  GPtrArray *destinations;
  GPtrArray *drives;

  g_return_val_if_fail (KS_IS_BACKUP_RUN (run), NULL);

  destinations = ks_backup_run_get_destinations (run);
  drives = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_run_drive_free);
  for (guint i = 0; destinations != NULL && i < destinations->len; i++)
    {
      KsDestination *destination = g_ptr_array_index (destinations, i);
      g_autofree char *uri = NULL;
      g_autofree char *path = NULL;
      KsRunDrive *drive;

      if (!KS_IS_DRIVE_DESTINATION (destination))
        continue;
      uri = ks_destination_dup_uri (destination);
      path = uri != NULL ? g_filename_from_uri (uri, NULL, NULL) : NULL;
      if (path == NULL)
        continue;

      drive = g_new0 (KsRunDrive, 1);
      drive->path = g_steal_pointer (&path);
      drive->name = ks_destination_dup_display_name (destination);
      drive->uuid = ks_destination_dup_volume_uuid (destination);
      g_ptr_array_add (drives, drive);
    }

  return drives;
}

typedef struct
{
  char            *name;
  char            *uuid;
  KsBackupService *service;
  GtkWindow       *parent;   /* weak */
} Eject;

static void
eject_free (gpointer data)
{
  Eject *eject = data;

  g_clear_weak_pointer (&eject->parent);
  g_clear_object (&eject->service);
  g_free (eject->name);
  g_free (eject->uuid);
  g_free (eject);
}

/* Whether a running backup of this process writes to the drive: one of its destinations is
 * on the drive with @uuid (also before the run has found where it is mounted) or under @root.
 * A queued run has not opened its destinations yet; a finished one has closed them. */
static gboolean
backup_writes_under (KsBackupService *service,
                     const char      *uuid,
                     GFile           *root)
{
  GListModel *runs;

  if (service == NULL)
    return FALSE;

  runs = ks_backup_service_get_runs (service);
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(KsBackupRun) run = g_list_model_get_item (runs, i);
      GPtrArray *destinations = ks_backup_run_get_destinations (run);

      if (ks_backup_run_get_state (run) != KS_BACKUP_RUN_RUNNING || destinations == NULL)
        continue;

      for (guint d = 0; d < destinations->len; d++)
        {
          KsDestination *destination = g_ptr_array_index (destinations, d);
          g_autofree char *dest_uuid = ks_destination_dup_volume_uuid (destination);
          g_autofree char *uri = ks_destination_dup_uri (destination);
          g_autoptr(GFile) file = NULL;

          if (uuid != NULL && g_strcmp0 (dest_uuid, uuid) == 0)
            return TRUE;

          /* Drives not found have a "drive:" location, remote kinds their own URIs. */
          if (uri == NULL || !g_str_has_prefix (uri, "file:"))
            continue;
          file = g_file_new_for_uri (uri);
          if (g_file_equal (file, root) || g_file_has_prefix (file, root))
            return TRUE;
        }
    }

  return FALSE;
}

/* Returns @error (taken) to the task as the sentence a toast says: a busy drive in our words,
 * anything else with GIO's (or umount's) words after the drive's name. */
static void
return_error (GTask  *task,
              GError *error)
{
  Eject *eject = g_task_get_task_data (task);
  g_autofree char *why = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED_HANDLED))
    {
      g_task_return_error (task, error);
      return;
    }

  /* udisks (through gvfs) says BUSY; umount(8), which GIO runs without gvfs, says it in
   * its own words, which GIO passes on as they are. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY)
      || (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED) && strstr (error->message, "busy") != NULL))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               /* Translators: %s is a drive's name */
                               _("“%s” is in use; close the files open on it, then try again"),
                               eject->name);
      g_error_free (error);
      return;
    }

  why = g_strstrip (g_strdup (error->message));
  g_task_return_new_error (task, error->domain, error->code,
                           /* Translators: the first %s is a drive's name, the second why ("Permission denied") */
                           _("Could not eject “%s”: %s"), eject->name, why);
  g_error_free (error);
}

static void
unmounted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GMount *mount = G_MOUNT (object);
  GError *error = NULL;
  gboolean ok;

  if (g_mount_can_eject (mount))
    ok = g_mount_eject_with_operation_finish (mount, result, &error);
  else
    ok = g_mount_unmount_with_operation_finish (mount, result, &error);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    return_error (task, error);
}

static void
found_mount_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Eject *eject = g_task_get_task_data (task);
  g_autoptr(GMount) mount = NULL;
  g_autoptr(GMountOperation) operation = NULL;
  g_autoptr(GFile) root = NULL;
  GError *error = NULL;

  mount = g_file_find_enclosing_mount_finish (G_FILE (object), result, &error);
  if (mount == NULL)
    {
      return_error (task, error);
      return;
    }

  /* A run that has the drive open would fail halfway, or keep it from unmounting. */
  root = g_mount_get_root (mount);
  if (backup_writes_under (eject->service, eject->uuid, root))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               /* Translators: %s is a drive's name */
                               _("“%s” can’t be ejected while a backup uses it"),
                               eject->name);
      return;
    }

  /* Asks about programs keeping the drive busy, over the window that asked. */
  operation = gtk_mount_operation_new (eject->parent);
  if (g_mount_can_eject (mount))
    g_mount_eject_with_operation (mount, G_MOUNT_UNMOUNT_NONE, operation,
                                  g_task_get_cancellable (task), unmounted_cb, g_object_ref (task));
  else
    g_mount_unmount_with_operation (mount, G_MOUNT_UNMOUNT_NONE, operation,
                                    g_task_get_cancellable (task), unmounted_cb, g_object_ref (task));
}

/**
 * ks_drive_eject_async:
 * @path: a folder on the drive (the drive destination's folder)
 * @name: the drive's name, for the sentences
 * @uuid: (nullable): the drive's file system UUID, as the plan knows it
 * @service: (nullable): the backup service whose running backups keep the drive
 * @parent: (nullable): the window a question about programs using the drive goes over
 * @cancellable: (nullable): cancels it (the window that asked went away)
 *
 * Ejects (or, where the drive cannot be ejected, unmounts) the drive holding @path, unless
 * a backup of @service is writing there now.
 */
void
ks_drive_eject_async (const char          *path,
                      const char          *name,
                      const char          *uuid,
                      KsBackupService     *service,
                      GtkWindow           *parent,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  Eject *eject;

  g_return_if_fail (path != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (service == NULL || KS_IS_BACKUP_SERVICE (service));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  eject = g_new0 (Eject, 1);
  eject->name = g_strdup (name);
  eject->uuid = g_strdup (uuid);
  eject->service = service != NULL ? g_object_ref (service) : NULL;
  g_set_weak_pointer (&eject->parent, parent);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_drive_eject_async);
  g_task_set_task_data (task, eject, eject_free);

  file = g_file_new_for_path (path);
  g_file_find_enclosing_mount_async (file, G_PRIORITY_DEFAULT, cancellable,
                                     found_mount_cb, g_steal_pointer (&task));
}

/**
 * ks_drive_eject_finish:
 * @out_message: (out) (transfer full) (nullable): what a toast says: "“Passport” can be
 *   unplugged" or why not; %NULL when there is nothing to say (cancelled, or the user already
 *   answered the question about programs using the drive)
 *
 * Returns: whether the drive was ejected
 */
gboolean
ks_drive_eject_finish (GAsyncResult  *result,
                       char         **out_message)
{
  Eject *eject;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (out_message != NULL, FALSE);

  eject = g_task_get_task_data (G_TASK (result));
  ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (ok)
    /* Translators: %s is a drive's name */
    *out_message = g_strdup_printf (_("“%s” can be unplugged"), eject->name);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED_HANDLED))
    *out_message = NULL;
  else
    *out_message = g_strdup (error->message);

  return ok;
}
