/* ks-dirfd.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Directory-descriptor walking and no-replace naming, shared by the kinds of destination that
 * sit on a local filesystem (a folder, a drive). */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-destination.h"
#include "ks-dirfd.h"
#include "ks-safe-name.h"

#define MAX_WALK_DEPTH 12

gboolean
ks_set_errno_error (GError     **error,
                    int          errsv,
                    const char  *format,
                    ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

void
ks_close_fd (int *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
    }
}

static gboolean
component_is_safe (const char *c)
{
  return c[0] != '\0'
         && strcmp (c, ".") != 0
         && strcmp (c, "..") != 0
         && strlen (c) <= KS_SAFE_NAME_MAX_BYTES
         && strchr (c, '\n') == NULL
         && strchr (c, '\r') == NULL;
}

/**
 * ks_dirfd_open_chain:
 * @root_fd: the destination's root
 * @where: the root, for messages
 * @rel_dir: '/'-separated, below the root; "" or %NULL for the root itself
 * @create: create missing folders (and make their names durable)
 *
 * Opens @rel_dir below the root, one component at a time, never following a symlink, so
 * nothing can lead a write outside the destination.
 *
 * Returns: a new descriptor, or -1 with @error set
 */
int
ks_dirfd_open_chain (int           root_fd,
                     const char   *where,
                     const char   *rel_dir,
                     gboolean      create,
                     GError      **error)
{
  g_auto(GStrv) parts = NULL;
  int fd;

  fd = fcntl (root_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    {
      ks_set_errno_error (error, errno, "%s", where);
      return -1;
    }

  if (rel_dir == NULL || rel_dir[0] == '\0')
    return fd;

  parts = g_strsplit (rel_dir, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      int next;

      if (!component_is_safe (parts[i]))
        {
          g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH,
                       "Refusing folder name “%s” in %s", parts[i], where);
          close (fd);
          return -1;
        }

      if (create)
        {
          if (mkdirat (fd, parts[i], 0755) == 0)
            {
              /* A new folder's own name must reach the disk too, or a crash can lose
               * the folder with the files that were synced into it. */
              fsync (fd);
            }
          else if (errno != EEXIST)
            {
              int errsv = errno;

              ks_set_errno_error (error, errsv, "Cannot create folder %s in %s", rel_dir, where);
              close (fd);
              return -1;
            }
        }

      next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        {
          int errsv = errno;

          if (errsv == ELOOP || errsv == ENOTDIR)
            g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH,
                         "%s in %s is not a folder (a link or a file); not writing through it",
                         rel_dir, where);
          else
            ks_set_errno_error (error, errsv, "Cannot open folder %s in %s", rel_dir, where);
          close (fd);
          return -1;
        }

      close (fd);
      fd = next;
    }

  return fd;
}

/* fsync()/fdatasync() that treat "not supported by this filesystem" (EINVAL: some FUSE
 * and network filesystems) as done: there is nothing more we could ask of it. */
int
ks_fd_sync_file (int fd)
{
  if (fsync (fd) != 0 && errno != EINVAL)
    return -1;
  return 0;
}

int
ks_fd_sync_data (int fd)
{
  if (fdatasync (fd) != 0 && errno != EINVAL)
    return -1;
  return 0;
}

gboolean
ks_fd_write_all (int          fd,
                 const void  *data,
                 gsize        len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      p += n;
      len -= n;
    }

  return TRUE;
}

static char *
random_suffix (void)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char *s = g_malloc (7);

  for (guint i = 0; i < 6; i++)
    s[i] = chars[g_random_int_range (0, sizeof chars - 1)];
  s[6] = '\0';

  return s;
}

/* Creates a hidden temporary file in @dir_fd, never replacing anything (O_EXCL). */
int
ks_dirfd_create_temp (int          dir_fd,
                      const char  *hint,
                      char       **out_name)
{
  g_autofree char *short_hint = ks_safe_name_truncate (hint ? hint : "file", 200);

  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *suffix = random_suffix ();
      g_autofree char *name = g_strconcat (".", short_hint, KS_DESTINATION_TMP_MARK, suffix, NULL);
      int fd = openat (dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

      if (fd >= 0)
        {
          *out_name = g_steal_pointer (&name);
          return fd;
        }
      if (errno != EEXIST)
        return -1;
    }

  errno = EEXIST;
  return -1;
}

/**
 * ks_dirfd_publish:
 * @mode: (inout): how; moves to a weaker way when the filesystem lacks this one
 *
 * Moves @from to @to, failing with EEXIST rather than replacing.
 *
 * Returns: 0, or -1 with errno set
 */
int
ks_dirfd_publish (KsPublishMode *mode,
                  int            from_dir,
                  const char    *from,
                  int            to_dir,
                  const char    *to)
{
  struct stat st;

  for (;;)
    {
      switch (*mode)
        {
        case KS_PUBLISH_RENAME_NOREPLACE:
          if (renameat2 (from_dir, from, to_dir, to, RENAME_NOREPLACE) == 0)
            return 0;
          if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)
            {
              *mode = KS_PUBLISH_LINK;
              continue;
            }
          return -1;

        case KS_PUBLISH_LINK:
          /* link() refuses an existing target, so it gives the same guarantee. */
          if (linkat (from_dir, from, to_dir, to, 0) == 0)
            {
              unlinkat (from_dir, from, 0);
              return 0;
            }
          if (errno == EPERM || errno == ENOTSUP || errno == ENOSYS || errno == EMLINK)
            {
              *mode = KS_PUBLISH_CHECK_THEN_RENAME;
              continue;
            }
          return -1;

        case KS_PUBLISH_CHECK_THEN_RENAME:
        default:
          /* Filesystems with neither (some SMB servers): check, then rename. Only we write
           * to this folder during a run, so the window is a foreign writer's only. */
          if (fstatat (to_dir, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
            {
              errno = EEXIST;
              return -1;
            }
          if (errno != ENOENT)
            return -1;
          return renameat (from_dir, from, to_dir, to);
        }
    }
}

/* Reads a whole file below @dir_fd (not through a symlink); NUL-terminated. */
char *
ks_dirfd_read_all (int          dir_fd,
                   const char  *name,
                   gsize       *out_len,
                   int         *out_errno)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  GByteArray *buf;
  guint8 chunk[65536];

  if (fd < 0)
    {
      *out_errno = errno;
      return NULL;
    }

  buf = g_byte_array_new ();
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          close (fd);
          g_byte_array_free (buf, TRUE);
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (buf, chunk, n);
    }
  close (fd);

  if (out_len)
    *out_len = buf->len;
  g_byte_array_append (buf, (const guint8 *)"", 1);
  return (char *)g_byte_array_free (buf, FALSE);
}

/**
 * ks_dirfd_write_file:
 * @where: the folder, for messages
 * @no_replace_mode: (nullable): %NULL to replace @name atomically (our own files); else how
 *   to name it without replacing: an existing @name then wins, and that is no error
 *
 * Writes @contents to @name in @dir_fd durably: temp, fsync, rename, fsync the folder.
 */
gboolean
ks_dirfd_write_file (int             dir_fd,
                     const char     *where,
                     const char     *name,
                     const char     *contents,
                     gsize           len,
                     KsPublishMode  *no_replace_mode,
                     GError        **error)
{
  g_autofree char *tmp = NULL;
  int fd = ks_dirfd_create_temp (dir_fd, name, &tmp);
  int r;

  if (fd < 0)
    return ks_set_errno_error (error, errno, "Cannot write in %s", where);

  if (!ks_fd_write_all (fd, contents, len) || ks_fd_sync_file (fd) != 0)
    {
      int errsv = errno;

      close (fd);
      unlinkat (dir_fd, tmp, 0);
      return ks_set_errno_error (error, errsv, "Cannot write %s/%s", where, name);
    }
  close (fd);

  if (no_replace_mode != NULL)
    r = ks_dirfd_publish (no_replace_mode, dir_fd, tmp, dir_fd, name);
  else
    r = renameat (dir_fd, tmp, dir_fd, name);

  if (r != 0)
    {
      int errsv = errno;

      unlinkat (dir_fd, tmp, 0);
      if (!(no_replace_mode != NULL && errsv == EEXIST))
        return ks_set_errno_error (error, errsv, "Cannot write %s/%s", where, name);
    }

  fsync (dir_fd);
  return TRUE;
}

static void
clean_temps_below (int           dir_fd,
                   guint         depth,
                   GCancellable *cancellable)
{
  DIR *dir;
  struct dirent *de;
  int fd;

  if (depth > MAX_WALK_DEPTH)
    return;

  fd = fcntl (dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }

  while ((de = readdir (dir)) != NULL)
    {
      gboolean is_dir = de->d_type == DT_DIR;
      gboolean is_reg = de->d_type == DT_REG;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;

      if (de->d_type == DT_UNKNOWN)
        {
          struct stat st;

          if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
          is_dir = S_ISDIR (st.st_mode);
          is_reg = S_ISREG (st.st_mode);
        }

      if (is_reg && ks_destination_is_temp_name (de->d_name))
        unlinkat (dirfd (dir), de->d_name, 0);
      else if (is_dir)
        {
          int sub = openat (dirfd (dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (sub >= 0)
            {
              clean_temps_below (sub, depth + 1, cancellable);
              close (sub);
            }
        }
    }

  closedir (dir);
}

/* Removes temporary files a killed run left behind below @dir_fd; only names matching our
 * pattern, and never through a symlink. */
void
ks_dirfd_clean_temps (int           dir_fd,
                      GCancellable *cancellable)
{
  clean_temps_below (dir_fd, 0, cancellable);
}
