/* ks-full-backup-finder.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-backup-source.h"
#include "ks-full-backup-finder.h"

#define SNAPSHOTS_SUFFIX ".snapshots"

void
ks_full_backup_entry_free (KsFullBackupEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->destination);
  g_free (entry->udid);
  g_free (entry->device_name);
  g_clear_pointer (&entry->snapshots, g_ptr_array_unref);
  g_free (entry);
}

static gboolean
stat_at (int          dir_fd,
         const char  *name,
         mode_t       type)
{
  struct stat st;

  return fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The names of the phones backed up in @dir_fd: <UDID>/ holding a Manifest.db, or
 * <UDID>.snapshots/ (whose current backup may be gone). Sorted. */
static GPtrArray *
list_udids (int dir_fd)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *udids = g_ptr_array_new_with_free_func (g_free);
  int fd = dup (dir_fd);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *d;

  if (dir == NULL)
    {
      if (fd >= 0)
        close (fd);
      return udids;
    }

  while ((d = readdir (dir)) != NULL)
    {
      g_autofree char *udid = NULL;

      if (d->d_name[0] == '.')
        continue;
      if (g_str_has_suffix (d->d_name, SNAPSHOTS_SUFFIX))
        {
          if (!stat_at (dir_fd, d->d_name, S_IFDIR))
            continue;
          udid = g_strndup (d->d_name, strlen (d->d_name) - strlen (SNAPSHOTS_SUFFIX));
        }
      else
        {
          g_autofree char *manifest = g_build_filename (d->d_name, "Manifest.db", NULL);

          if (!stat_at (dir_fd, d->d_name, S_IFDIR) || !stat_at (dir_fd, manifest, S_IFREG))
            continue;
          udid = g_strdup (d->d_name);
        }
      if (udid[0] != '\0' && !g_hash_table_contains (seen, udid))
        {
          g_hash_table_add (seen, g_strdup (udid));
          g_ptr_array_add (udids, g_steal_pointer (&udid));
        }
    }
  closedir (dir);

  g_ptr_array_sort (udids, compare_names);
  return udids;
}

/* Name and encryption as the newest snapshot says (Info.plist, Manifest.plist). */
static void
read_about (KsFullBackupEntry *entry)
{
  const KsFullBackupSnapshot *newest = g_ptr_array_index (entry->snapshots, 0);
  g_autoptr(GFile) folder = g_file_new_for_path (newest->path);
  g_autoptr(KsBackupSource) source = ks_backup_source_new (folder, NULL);

  if (source == NULL)
    return;
  entry->device_name = g_strdup (ks_backup_source_get_device_name (source));
  entry->encrypted = ks_backup_source_get_encrypted (source);
}

GPtrArray *
ks_full_backup_find (const char * const *destinations,
                     GCancellable       *cancellable)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_full_backup_entry_free);

  for (guint i = 0; destinations != NULL && destinations[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) udids = NULL;
      int dir_fd;

      dir_fd = open (destinations[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir_fd < 0)
        continue;
      udids = list_udids (dir_fd);
      close (dir_fd);

      for (guint k = 0; k < udids->len && !g_cancellable_is_cancelled (cancellable); k++)
        {
          g_autoptr(KsFullBackupEntry) entry = g_new0 (KsFullBackupEntry, 1);

          entry->destination = g_strdup (destinations[i]);
          entry->udid = g_strdup (g_ptr_array_index (udids, k));
          entry->snapshots = ks_full_backup_list_snapshots (destinations[i], entry->udid, NULL);
          if (entry->snapshots == NULL || entry->snapshots->len == 0)
            continue;
          read_about (entry);
          g_ptr_array_add (found, g_steal_pointer (&entry));
        }
    }

  return found;
}

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GPtrArray *found = ks_full_backup_find ((const char * const *) task_data, cancellable);

  if (g_task_return_error_if_cancelled (task))
    g_ptr_array_unref (found);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

void
ks_full_backup_find_async (KsBackupPlan        *plan,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) enabled = NULL;
  g_autoptr(GStrvBuilder) folders = g_strv_builder_new ();

  g_return_if_fail (KS_IS_BACKUP_PLAN (plan));

  /* The plan is read here, on its own thread; the worker gets the folders. */
  enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FULL);
  for (guint i = 0; i < enabled->len; i++)
    {
      KsPlanDestination *dest = g_ptr_array_index (enabled, i);

      if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_FOLDER)
        g_strv_builder_add (folders, ks_plan_destination_get_location (dest));
    }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_full_backup_find_async);
  g_task_set_task_data (task, g_strv_builder_end (folders), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, find_thread);
}

/**
 * ks_full_backup_find_finish:
 *
 * Returns: (transfer container) (element-type KsFullBackupEntry): the backups found
 */
GPtrArray *
ks_full_backup_find_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
