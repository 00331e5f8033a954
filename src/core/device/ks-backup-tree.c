/* ks-backup-tree.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Whole-tree helpers for backup folders, fd-relative and never following symlinks: remove a
 * tree, make a hard-linked copy of one (a snapshot generation), measure one. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "ks-mobilebackup2.h"

static gboolean
set_errno_error (GError    **error,
                 int         errsv,
                 const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), _("Could not %s: %s"), what,
               g_strerror (errsv));
  return FALSE;
}

gboolean
ks_backup_tree_remove (int            dir_fd,
                       const char    *name,
                       GCancellable  *cancellable,
                       GError       **error)
{
  struct stat st;
  DIR *dir;
  struct dirent *de;
  int fd;
  gboolean ok = TRUE;

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? TRUE : set_errno_error (error, errno, _("remove an old backup file"));
  if (!S_ISDIR (st.st_mode))
    {
      if (unlinkat (dir_fd, name, 0) != 0 && errno != ENOENT)
        return set_errno_error (error, errno, _("remove an old backup file"));
      return TRUE;
    }

  fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      return set_errno_error (error, errsv, _("remove an old backup folder"));
    }
  while (ok && (de = readdir (dir)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else
        ok = ks_backup_tree_remove (dirfd (dir), de->d_name, cancellable, error);
    }
  closedir (dir);
  if (ok && unlinkat (dir_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    return set_errno_error (error, errno, _("remove an old backup folder"));
  return ok;
}

static gboolean
copy_bytes (int from_dir,
            const char *name,
            int to_dir)
{
  char buf[65536];
  int in = openat (from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out;
  gboolean ok = TRUE;

  if (in < 0)
    return FALSE;
  out = openat (to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0)
    {
      close (in);
      return FALSE;
    }
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      ssize_t off = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          ok = n == 0;
          break;
        }
      while (ok && off < n)
        {
          ssize_t w = write (out, buf + off, (size_t) (n - off));

          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            ok = FALSE;
          else
            off += w;
        }
      if (!ok)
        break;
    }
  close (in);
  if (close (out) != 0)
    ok = FALSE;
  return ok;
}

gboolean
ks_backup_tree_link_copy (int            from_dir_fd,
                          const char    *from_name,
                          int            to_dir_fd,
                          const char    *to_name,
                          GCancellable  *cancellable,
                          GError       **error)
{
  DIR *dir;
  struct dirent *de;
  int from_fd, to_fd;
  gboolean ok = TRUE;

  from_fd = openat (from_dir_fd, from_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (from_fd < 0)
    return set_errno_error (error, errno, _("read the previous backup"));
  if (mkdirat (to_dir_fd, to_name, 0755) != 0 && errno != EEXIST)
    {
      int errsv = errno;

      close (from_fd);
      return set_errno_error (error, errsv, _("make the new backup folder"));
    }
  to_fd = openat (to_dir_fd, to_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (to_fd < 0 || (dir = fdopendir (from_fd)) == NULL)
    {
      int errsv = errno;

      close (from_fd);
      if (to_fd >= 0)
        close (to_fd);
      return set_errno_error (error, errsv, _("make the new backup folder"));
    }

  while (ok && (de = readdir (dir)) != NULL)
    {
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        ok = ks_backup_tree_link_copy (dirfd (dir), de->d_name, to_fd, de->d_name, cancellable, error);
      else if (S_ISREG (st.st_mode))
        {
          /* Leftovers of an interrupted write are not part of a backup. */
          if (g_str_has_suffix (de->d_name, ".ks-partial"))
            continue;
          if (linkat (dirfd (dir), de->d_name, to_fd, de->d_name, 0) != 0)
            {
              int errsv = errno;

              /* File systems without hard links (FAT, exFAT): a real copy. */
              if ((errsv == EPERM || errsv == EOPNOTSUPP || errsv == EMLINK || errsv == ENOSYS)
                  && copy_bytes (dirfd (dir), de->d_name, to_fd))
                continue;
              ok = set_errno_error (error, errsv, _("link a file of the previous backup"));
            }
        }
      /* Symlinks and others are never part of a backup this host wrote: left out. */
    }
  closedir (dir);
  close (to_fd);
  return ok;
}

static gboolean
measure_at (int       dir_fd,
            guint64  *total,
            guint64  *own,
            int       depth)
{
  DIR *dir;
  struct dirent *de;

  if (depth > 64 || (dir = fdopendir (dir_fd)) == NULL)
    {
      close (dir_fd);
      return FALSE;
    }
  while ((de = readdir (dir)) != NULL)
    {
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
          || fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISREG (st.st_mode))
        {
          *total += (guint64) st.st_size;
          if (st.st_nlink <= 1)
            *own += (guint64) st.st_size;
        }
      else if (S_ISDIR (st.st_mode))
        {
          int fd = openat (dirfd (dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (fd >= 0)
            measure_at (fd, total, own, depth + 1);
        }
    }
  closedir (dir);
  return TRUE;
}

gboolean
ks_backup_tree_measure (const char  *path,
                        guint64     *out_total,
                        guint64     *out_own,
                        GError     **error)
{
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  *out_total = 0;
  *out_own = 0;
  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, _("read a backup folder"));
  return measure_at (fd, out_total, out_own, 0);
}
