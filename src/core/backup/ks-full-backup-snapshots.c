/* ks-full-backup-snapshots.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Snapshots of full backups at one destination:
 *
 *   <destination>/<UDID>/                          the latest complete backup (standard)
 *   <destination>/<UDID>.snapshots/<date>/         older complete ones, hard-linked
 *   <destination>/<UDID>.snapshots/.in-progress/   the run under way (never "a backup")
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "ks-dirfd.h"
#include "ks-full-backup-job-private.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif


static char *
snapshots_name (const char *udid)
{
  return g_strconcat (udid, ".snapshots", NULL);
}

void
ks_full_backup_snapshot_free (KsFullBackupSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_free (snapshot->path);
  g_free (snapshot);
}

static gboolean
is_dir_at (int         dir_fd,
           const char *name)
{
  struct stat st;

  return fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode);
}

static gint64
completed_time (int         dir_fd,
                const char *name)
{
  g_autofree char *status = g_build_filename (name, "Status.plist", NULL);
  struct stat st;

  if (fstatat (dir_fd, status, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return st.st_mtime;
  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return st.st_mtime;
  return 0;
}

static char *
stamp_name (gint64 when)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (when);

  return g_date_time_format (dt, "%Y-%m-%d-%H%M%S");
}

char *
_ks_full_backup_prepare (const char    *destination,
                         const char    *udid,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree char *snaps = snapshots_name (udid);
  int dest_fd, snap_fd = -1;
  gboolean ok = FALSE;

  dest_fd = open (destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dest_fd < 0)
    return ks_set_errno_error (error, errno, _("Could not open the backup destination %s"), destination), NULL;

  if (mkdirat (dest_fd, snaps, 0755) != 0 && errno != EEXIST)
    {
      ks_set_errno_error (error, errno, _("Could not make a folder in %s"), destination);
      goto out;
    }
  snap_fd = openat (dest_fd, snaps, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (snap_fd < 0)
    {
      ks_set_errno_error (error, errno, _("Could not open a folder in %s"), destination);
      goto out;
    }

  /* What an interrupted run left is not a backup. */
  if (!ks_backup_tree_remove (snap_fd, KS_FULL_BACKUP_IN_PROGRESS, cancellable, error))
    goto out;

  if (is_dir_at (dest_fd, udid))
    ok = ks_backup_tree_link_copy (dest_fd, udid, snap_fd, KS_FULL_BACKUP_IN_PROGRESS, cancellable, error);
  else if (mkdirat (snap_fd, KS_FULL_BACKUP_IN_PROGRESS, 0755) == 0)
    ok = TRUE;
  else
    ks_set_errno_error (error, errno, _("Could not make a folder in %s"), destination);

out:
  if (snap_fd >= 0)
    close (snap_fd);
  close (dest_fd);
  if (!ok)
    return NULL;
  return g_build_filename (destination, snaps, KS_FULL_BACKUP_IN_PROGRESS, NULL);
}

void
_ks_full_backup_discard (const char *destination,
                         const char *udid)
{
  g_autofree char *snaps = g_build_filename (destination, udid, NULL);
  g_autofree char *snaps_dir = g_strconcat (snaps, ".snapshots", NULL);
  int fd = open (snaps_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return;
  ks_backup_tree_remove (fd, KS_FULL_BACKUP_IN_PROGRESS, NULL, NULL);
  close (fd);
}

static int
compare_desc (gconstpointer a,
              gconstpointer b)
{
  return -g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Dated snapshot folder names, newest first. */
static GPtrArray *
list_dated (int snap_fd)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  int fd = openat (snap_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;

  if (dir == NULL)
    {
      if (fd >= 0)
        close (fd);
      return names;
    }
  while ((de = readdir (dir)) != NULL)
    if (de->d_name[0] != '.' && is_dir_at (snap_fd, de->d_name))
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (dir);
  g_ptr_array_sort (names, compare_desc);
  return names;
}

/* A name for the previous backup among the snapshots, not taken yet. */
static char *
free_stamp (int    snap_fd,
            gint64 when)
{
  g_autofree char *base = stamp_name (when);
  char *name = g_strdup (base);

  for (guint i = 2; faccessat (snap_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0; i++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%u", base, i);
    }
  return name;
}

gboolean
_ks_full_backup_commit (const char  *destination,
                        const char  *udid,
                        guint        keep,
                        GError     **error)
{
  g_autofree char *snaps = snapshots_name (udid);
  g_autofree char *old_name = NULL;
  g_autoptr(GPtrArray) dated = NULL;
  int dest_fd, snap_fd = -1;
  gboolean ok = FALSE;
  gboolean had_current;

  dest_fd = open (destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dest_fd < 0)
    return ks_set_errno_error (error, errno, _("Could not open the backup destination %s"), destination);
  snap_fd = openat (dest_fd, snaps, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (snap_fd < 0)
    {
      ks_set_errno_error (error, errno, _("Could not open a folder in %s"), destination);
      goto out;
    }

  /* Everything the new backup holds is on the disk before it becomes the backup. */
  if (syncfs (snap_fd) != 0)
    {
      ks_set_errno_error (error, errno, _("Could not write the backup to %s"), destination);
      goto out;
    }

  had_current = is_dir_at (dest_fd, udid);
  if (had_current)
    {
      old_name = free_stamp (snap_fd, completed_time (dest_fd, udid));
      if (renameat2 (snap_fd, KS_FULL_BACKUP_IN_PROGRESS, dest_fd, udid, RENAME_EXCHANGE) == 0)
        {
          /* The previous backup now sits where the run worked: give it its date. */
          if (renameat (snap_fd, KS_FULL_BACKUP_IN_PROGRESS, snap_fd, old_name) != 0)
            {
              ks_set_errno_error (error, errno, _("Could not keep the previous backup in %s"), destination);
              goto out;
            }
        }
      else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
        {
          /* No atomic exchange here (FAT, exFAT, some network file systems): for a moment
           * neither is <UDID>/, but both are complete on the disk. */
          if (renameat (dest_fd, udid, snap_fd, old_name) != 0
              || renameat (snap_fd, KS_FULL_BACKUP_IN_PROGRESS, dest_fd, udid) != 0)
            {
              ks_set_errno_error (error, errno, _("Could not make the new backup current in %s"), destination);
              goto out;
            }
        }
      else
        {
          ks_set_errno_error (error, errno, _("Could not make the new backup current in %s"), destination);
          goto out;
        }
    }
  else if (renameat (snap_fd, KS_FULL_BACKUP_IN_PROGRESS, dest_fd, udid) != 0)
    {
      ks_set_errno_error (error, errno, _("Could not make the new backup current in %s"), destination);
      goto out;
    }
  fsync (snap_fd);
  fsync (dest_fd);

  /* Keep the newest @keep complete backups, the current one included. */
  dated = list_dated (snap_fd);
  for (guint i = keep > 0 ? keep - 1 : 0; i < dated->len; i++)
    if (!ks_backup_tree_remove (snap_fd, g_ptr_array_index (dated, i), NULL, error))
      goto out;
  fsync (snap_fd);
  ok = TRUE;

out:
  if (snap_fd >= 0)
    close (snap_fd);
  close (dest_fd);
  return ok;
}

static KsFullBackupSnapshot *
snapshot_new (const char *path,
              gint64      completed,
              gboolean    current)
{
  KsFullBackupSnapshot *snapshot = g_new0 (KsFullBackupSnapshot, 1);

  snapshot->path = g_strdup (path);
  snapshot->completed = completed;
  snapshot->current = current;
  ks_backup_tree_measure (path, &snapshot->size, &snapshot->own_size, NULL);
  return snapshot;
}

GPtrArray *
ks_full_backup_list_snapshots (const char  *destination,
                               const char  *udid,
                               GError     **error)
{
  g_autoptr(GPtrArray) snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_full_backup_snapshot_free);
  g_autofree char *snaps = NULL;
  int dest_fd, snap_fd;

  g_return_val_if_fail (destination != NULL, NULL);
  g_return_val_if_fail (udid != NULL, NULL);

  dest_fd = open (destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dest_fd < 0)
    return ks_set_errno_error (error, errno, _("Could not open the backup destination %s"), destination), NULL;

  if (is_dir_at (dest_fd, udid))
    {
      g_autofree char *path = g_build_filename (destination, udid, NULL);

      g_ptr_array_add (snapshots, snapshot_new (path, completed_time (dest_fd, udid), TRUE));
    }

  snaps = snapshots_name (udid);
  snap_fd = openat (dest_fd, snaps, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (snap_fd >= 0)
    {
      g_autoptr(GPtrArray) dated = list_dated (snap_fd);

      for (guint i = 0; i < dated->len; i++)
        {
          g_autofree char *path = g_build_filename (destination, snaps, g_ptr_array_index (dated, i), NULL);

          g_ptr_array_add (snapshots, snapshot_new (path, completed_time (snap_fd, g_ptr_array_index (dated, i)), FALSE));
        }
      close (snap_fd);
    }
  close (dest_fd);
  return g_steal_pointer (&snapshots);
}
