/* ks-mobilebackup2-files.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The backup folder side of mobilebackup2: what the phone asks the host to do with files.
 * Every path comes from the phone and is untrusted; it is resolved from the backup folder's
 * fd one part at a time with O_NOFOLLOW, never as a string. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <dirent.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-mobilebackup2-private.h"

#define BLOCK_SIZE (256u * 1024u)
#define MAX_NAME   4096u
#define MAX_PENDING 128u

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

gint64
_ks_mb2_errno_code (int errsv)
{
  switch (errsv)
    {
    case 0:       return 0;
    case ENOENT:  return -6;
    case EEXIST:  return -7;
    case ENOTDIR: return -8;
    case EISDIR:  return -9;
    case ELOOP:   return -10;
    case EIO:     return -11;
    case ENOSPC:  return -15;
    default:      return -1;
    }
}

static gboolean
unsafe_path (GError    **error,
             const char *path)
{
  g_autofree char *shown = g_strescape (path != NULL ? path : "", NULL);

  g_set_error (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_UNSAFE_PATH,
               _("The iPhone named a file outside the backup folder (“%s”); nothing was written there"),
               shown);
  return FALSE;
}

int
_ks_mb2_open_parent (KsMb2       *self,
                     const char  *device_path,
                     gboolean     create,
                     char       **out_leaf,
                     GError     **error)
{
  g_auto(GStrv) parts = NULL;
  gsize udid_len = strlen (self->udid);
  const char *rest;
  guint n;
  int fd;

  *out_leaf = NULL;
  if (device_path == NULL || strncmp (device_path, self->udid, udid_len) != 0
      || (device_path[udid_len] != '\0' && device_path[udid_len] != '/'))
    return unsafe_path (error, device_path), -1;

  rest = device_path + udid_len;
  while (*rest == '/')
    rest++;
  if (*rest == '\0')
    return fcntl (self->root_fd, F_DUPFD_CLOEXEC, 3);

  parts = g_strsplit (rest, "/", -1);
  n = g_strv_length (parts);
  /* A trailing slash names the folder itself. */
  if (n > 1 && parts[n - 1][0] == '\0')
    {
      g_free (parts[n - 1]);
      parts[--n] = NULL;
    }
  for (guint i = 0; i < n; i++)
    if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0
        || strlen (parts[i]) > 255)
      return unsafe_path (error, device_path), -1;

  fd = fcntl (self->root_fd, F_DUPFD_CLOEXEC, 3);
  for (guint i = 0; i + 1 < n; i++)
    {
      int next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

      if (next < 0 && errno == ENOENT && create)
        {
          if (mkdirat (fd, parts[i], 0755) != 0 && errno != EEXIST)
            {
              int errsv = errno;

              close (fd);
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           _("Could not make a folder in the backup: %s"), g_strerror (errsv));
              return -1;
            }
          next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      close (fd);
      if (next < 0)
        {
          int errsv = errno;

          /* A symlink where a folder should be is someone else's trap: refuse it. */
          if (errsv == ELOOP || errsv == ENOTDIR)
            return unsafe_path (error, device_path), -1;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
          return -1;
        }
      fd = next;
    }

  *out_leaf = g_strdup (parts[n - 1]);
  return fd;
}

/* ---- DLMessageUploadFiles: the phone sends files ---- */

static gboolean
read_u32 (KsMb2    *self,
          guint32  *value,
          GError  **error)
{
  guint32 be;

  if (!_ks_mb2_read_exact (self, &be, 4, error))
    return FALSE;
  *value = GUINT32_FROM_BE (be);
  return TRUE;
}

static char *
read_name (KsMb2   *self,
           GError **error)
{
  guint32 len;
  g_autofree char *name = NULL;

  if (!read_u32 (self, &len, error))
    return NULL;
  if (len > MAX_NAME)
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                           _("The iPhone sent a file name that is too long"));
      return NULL;
    }
  name = g_malloc (len + 1);
  if (!_ks_mb2_read_exact (self, name, len, error))
    return NULL;
  name[len] = '\0';
  if (memchr (name, '\0', len) != NULL)
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                           _("The iPhone sent a file name with a zero byte"));
      return NULL;
    }
  return g_steal_pointer (&name);
}

static gboolean
write_fd_all (int         fd,
              const void *data,
              gsize       len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* A received file, complete under its temporary name, not yet durable. */
typedef struct
{
  int      fd;
  int      dir_fd;
  char    *tmp;
  char    *leaf;
  char    *path;
  guint64  bytes;
} Pending;

static void
pending_free (gpointer data)
{
  Pending *p = data;

  if (p->fd >= 0)
    close (p->fd);
  if (p->tmp != NULL && p->dir_fd >= 0)
    unlinkat (p->dir_fd, p->tmp, 0);
  if (p->dir_fd >= 0)
    close (p->dir_fd);
  g_free (p->tmp);
  g_free (p->leaf);
  g_free (p->path);
  g_free (p);
}

/* Makes the pending files durable and gives them their names: fsync each (their write-back
 * already started, so after the first journal commit the others cost little), rename, then
 * fsync each folder once. Only then do they count. */
static void
flush_pending (KsMb2      *self,
               GPtrArray  *pending,
               GError    **store_error)
{
  g_autoptr(GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) dir_fds = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < pending->len; i++)
    {
      Pending *p = g_ptr_array_index (pending, i);
      int errsv = 0;
      struct stat st;

      if (fsync (p->fd) != 0 || close (p->fd) != 0)
        errsv = errno;
      p->fd = -1;
      if (errsv == 0 && renameat (p->dir_fd, p->tmp, p->dir_fd, p->leaf) != 0)
        errsv = errno;
      if (errsv != 0)
        {
          if (store_error != NULL && *store_error == NULL)
            g_set_error (store_error, G_IO_ERROR, g_io_error_from_errno (errsv),
                         _("Could not write %s in the backup: %s"), p->path, g_strerror (errsv));
          self->progress.bytes_received -= MIN (p->bytes, self->progress.bytes_received);
          continue;
        }
      /* Renamed: nothing to clean up. One fd per distinct folder is kept for its fsync. */
      g_clear_pointer (&p->tmp, g_free);
      self->progress.files_received++;
      if (fstat (p->dir_fd, &st) == 0)
        {
          char *key = g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);

          if (!g_hash_table_contains (dirs, key))
            {
              g_hash_table_add (dirs, key);
              g_array_append_val (dir_fds, p->dir_fd);
              p->dir_fd = -1;
            }
          else
            g_free (key);
        }
    }

  for (guint i = 0; i < dir_fds->len; i++)
    {
      int fd = g_array_index (dir_fds, int, i);

      if (fsync (fd) != 0 && store_error != NULL && *store_error == NULL)
        {
          int errsv = errno;

          g_set_error (store_error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("Could not write to the backup folder: %s"), g_strerror (errsv));
        }
      close (fd);
    }
  g_ptr_array_set_size (pending, 0);
}

/* Receives one file whose backup path is @path: blocks until the end code. A file that cannot
 * be stored is still read to its end (the stream goes on); @store_error gets why. */
static gboolean
receive_one (KsMb2       *self,
             const char  *path,
             GPtrArray   *pending,
             GError     **store_error,
             GError     **error)
{
  g_autofree char *leaf = NULL;
  g_autofree char *tmp = NULL;
  int dir_fd = -1;
  int fd = -1;
  guint64 bytes = 0;

  dir_fd = _ks_mb2_open_parent (self, path, TRUE, &leaf, store_error);
  if (dir_fd >= 0 && leaf == NULL)
    {
      g_set_error_literal (store_error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                           _("The iPhone sent a file in place of the backup folder"));
      close_fd (&dir_fd);
    }
  if (dir_fd >= 0)
    {
      tmp = g_strdup_printf (".%s.ks-partial", leaf);
      unlinkat (dir_fd, tmp, 0);
      fd = openat (dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          int errsv = errno;

          g_set_error (store_error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("Could not write %s in the backup: %s"), path, g_strerror (errsv));
        }
    }

  for (;;)
    {
      guint32 len;
      guint8 code;

      if (!read_u32 (self, &len, error))
        goto fail;
      if (len == 0)
        {
          g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                               _("The iPhone sent an empty file block"));
          goto fail;
        }
      if (!_ks_mb2_read_exact (self, &code, 1, error))
        goto fail;
      len--;

      if (code == KS_MB2_CODE_FILE_DATA)
        {
          while (len > 0)
            {
              guint32 chunk = MIN (len, BLOCK_SIZE);

              if (!_ks_mb2_read_exact (self, self->buffer, chunk, error))
                goto fail;
              if (fd >= 0 && !write_fd_all (fd, self->buffer, chunk))
                {
                  int errsv = errno;

                  g_set_error (store_error, G_IO_ERROR, g_io_error_from_errno (errsv),
                               _("Could not write %s in the backup: %s"), path, g_strerror (errsv));
                  close_fd (&fd);
                }
              len -= chunk;
              bytes += chunk;
              self->progress.bytes_received += chunk;
              _ks_mb2_report (self, FALSE);
            }
          continue;
        }

      /* Success or an error: the file ends here (an error carries a message). */
      while (len > 0)
        {
          guint32 chunk = MIN (len, BLOCK_SIZE);

          if (!_ks_mb2_read_exact (self, self->buffer, chunk, error))
            goto fail;
          len -= chunk;
        }
      if (code == KS_MB2_CODE_SUCCESS && fd >= 0)
        {
          Pending *p = g_new0 (Pending, 1);

          /* Start the write-back now; it is waited for once per batch (flush_pending). */
          sync_file_range (fd, 0, 0, SYNC_FILE_RANGE_WRITE);
          p->fd = fd;
          p->dir_fd = dir_fd;
          p->tmp = g_steal_pointer (&tmp);
          p->leaf = g_steal_pointer (&leaf);
          p->path = g_strdup (path);
          p->bytes = bytes;
          g_ptr_array_add (pending, p);
          return TRUE;
        }
      break;
    }

  self->progress.bytes_received -= MIN (bytes, self->progress.bytes_received);
  if (tmp != NULL && dir_fd >= 0)
    unlinkat (dir_fd, tmp, 0);
  close_fd (&fd);
  close_fd (&dir_fd);
  return TRUE;

fail:
  close_fd (&fd);
  if (tmp != NULL && dir_fd >= 0)
    unlinkat (dir_fd, tmp, 0);
  close_fd (&dir_fd);
  return FALSE;
}

gboolean
_ks_mb2_upload_files (KsMb2    *self,
                      plist_t   msg,
                      GError  **error)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func (pending_free);
  g_autoptr(GError) store_error = NULL;
  gint64 code = 0;

  _ks_mb2_set_phase (self, KS_MOBILEBACKUP2_PHASE_RECEIVING);

  for (;;)
    {
      g_autofree char *device_name = NULL;
      g_autofree char *path = NULL;
      g_autoptr(GError) file_error = NULL;
      guint32 len;

      if (!read_u32 (self, &len, error))
        return FALSE;
      if (len == 0)
        break;
      if (len > MAX_NAME)
        {
          g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                               _("The iPhone sent a file name that is too long"));
          return FALSE;
        }
      device_name = g_malloc (len + 1);
      if (!_ks_mb2_read_exact (self, device_name, len, error))
        return FALSE;
      if ((path = read_name (self, error)) == NULL)
        return FALSE;
      if (!receive_one (self, path, pending, &file_error, error))
        return FALSE;
      if (file_error != NULL && store_error == NULL)
        store_error = g_steal_pointer (&file_error);
      /* Bounded: open files wait for their fsync. */
      if (pending->len >= MAX_PENDING)
        flush_pending (self, pending, &store_error);
    }

  /* The batch counts once its files and their names are durable. */
  flush_pending (self, pending, &store_error);
  _ks_mb2_report (self, TRUE);

  if (store_error != NULL)
    {
      code = store_error->domain == G_IO_ERROR && store_error->code == G_IO_ERROR_NO_SPACE ? -15 : -1;
      _ks_mb2_note_error (self, g_steal_pointer (&store_error));
    }
  return _ks_mb2_send_status (self, code, code == 0 ? NULL : "Could not store a file", NULL, error);
}

/* ---- DLMessageDownloadFiles: the phone reads what the previous backup holds ---- */

static gboolean
send_block (KsMb2       *self,
            guint8       code,
            const void  *data,
            guint32      len,
            GError     **error)
{
  guint32 be = GUINT32_TO_BE (len + 1);

  return _ks_mb2_write_all (self, &be, 4, error)
         && _ks_mb2_write_all (self, &code, 1, error)
         && (len == 0 || _ks_mb2_write_all (self, data, len, error));
}

static gboolean
send_name (KsMb2       *self,
           const char  *name,
           GError     **error)
{
  guint32 len = (guint32) strlen (name);
  guint32 be = GUINT32_TO_BE (len);

  return _ks_mb2_write_all (self, &be, 4, error) && _ks_mb2_write_all (self, name, len, error);
}

static void
add_file_error (plist_t     errors,
                const char *path,
                int         errsv)
{
  plist_t entry = plist_new_dict ();

  plist_dict_set_item (entry, "DLFileErrorString", plist_new_string (g_strerror (errsv)));
  plist_dict_set_item (entry, "DLFileErrorCode", plist_new_uint ((uint64_t) _ks_mb2_errno_code (errsv)));
  plist_dict_set_item (errors, path, entry);
}

gboolean
_ks_mb2_download_files (KsMb2    *self,
                        plist_t   msg,
                        GError  **error)
{
  plist_t paths = plist_array_get_item (msg, 1);
  plist_t errors = plist_new_dict ();
  guint32 zero = 0;
  gboolean ok = TRUE;

  for (uint32_t i = 0; ok && i < plist_array_get_size (paths); i++)
    {
      plist_t node = plist_array_get_item (paths, i);
      g_autofree char *leaf = NULL;
      char *path = NULL;
      int dir_fd = -1;
      int fd = -1;
      int errsv = ENOENT;

      if (plist_get_node_type (node) != PLIST_STRING)
        continue;
      plist_get_string_val (node, &path);
      if (path == NULL)
        continue;

      dir_fd = _ks_mb2_open_parent (self, path, FALSE, &leaf, NULL);
      if (dir_fd >= 0 && leaf != NULL)
        {
          fd = openat (dir_fd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          errsv = errno;
        }
      close_fd (&dir_fd);
      if (fd >= 0)
        {
          struct stat st;

          if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
            {
              errsv = EISDIR;
              close_fd (&fd);
            }
        }

      ok = send_name (self, path, error);
      if (ok && fd < 0)
        {
          const char *message = g_strerror (errsv);

          add_file_error (errors, path, errsv);
          ok = send_block (self, KS_MB2_CODE_ERROR_LOCAL, message, (guint32) strlen (message), error);
        }
      while (ok && fd >= 0)
        {
          ssize_t n = read (fd, self->buffer, BLOCK_SIZE);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              const char *message = g_strerror (errno);

              add_file_error (errors, path, errno);
              ok = send_block (self, KS_MB2_CODE_ERROR_LOCAL, message, (guint32) strlen (message), error);
              break;
            }
          if (n == 0)
            {
              ok = send_block (self, KS_MB2_CODE_SUCCESS, NULL, 0, error);
              break;
            }
          ok = send_block (self, KS_MB2_CODE_FILE_DATA, self->buffer, (guint32) n, error);
        }
      close_fd (&fd);
      free (path);
    }

  if (ok)
    ok = _ks_mb2_write_all (self, &zero, 4, error);
  if (ok)
    {
      if (plist_dict_get_size (errors) > 0)
        ok = _ks_mb2_send_status (self, -13, "Multi status", errors, error);
      else
        ok = _ks_mb2_send_status (self, 0, NULL, NULL, error);
    }
  plist_free (errors);
  return ok;
}

/* ---- the small ones ---- */

gboolean
_ks_mb2_free_space (KsMb2   *self,
                    GError **error)
{
  struct statvfs st;
  guint64 bytes = 0;
  gint64 code = 0;
  plist_t value;
  gboolean ok;

  /* f_frsize, not f_bsize (the unit f_bavail counts in). */
  if (fstatvfs (self->root_fd, &st) == 0)
    bytes = (guint64) st.f_bavail * (guint64) st.f_frsize;
  else
    code = _ks_mb2_errno_code (errno);
  value = plist_new_uint (bytes);
  ok = _ks_mb2_send_status (self, code, NULL, value, error);
  plist_free (value);
  return ok;
}

static char *
array_string (plist_t  msg,
              uint32_t index)
{
  return _ks_mb2_string_value (plist_array_get_item (msg, index));
}
gboolean
_ks_mb2_contents_of_dir (KsMb2    *self,
                         plist_t   msg,
                         GError  **error)
{
  g_autofree char *path = array_string (msg, 1);
  g_autofree char *leaf = NULL;
  plist_t listing = plist_new_dict ();
  gint64 code = 0;
  int dir_fd;
  int fd = -1;
  gboolean ok;

  dir_fd = _ks_mb2_open_parent (self, path, FALSE, &leaf, NULL);
  if (dir_fd >= 0 && leaf == NULL)
    fd = dir_fd, dir_fd = -1;
  else if (dir_fd >= 0)
    fd = openat (dir_fd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close_fd (&dir_fd);

  if (fd >= 0)
    {
      DIR *dir = fdopendir (fd);
      struct dirent *de;

      while (dir != NULL && (de = readdir (dir)) != NULL)
        {
          struct stat st;
          plist_t entry;
          const char *type = "DLFileTypeUnknown";

          if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
              || fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
          if (S_ISREG (st.st_mode))
            type = "DLFileTypeRegular";
          else if (S_ISDIR (st.st_mode))
            type = "DLFileTypeDirectory";
          entry = plist_new_dict ();
          plist_dict_set_item (entry, "DLFileType", plist_new_string (type));
          plist_dict_set_item (entry, "DLFileSize", plist_new_uint ((uint64_t) st.st_size));
          plist_dict_set_item (entry, "DLFileModificationDate",
                               plist_new_date ((int32_t) (st.st_mtime - 978307200), 0));
          plist_dict_set_item (listing, de->d_name, entry);
        }
      if (dir != NULL)
        closedir (dir);
      else
        close (fd);
    }
  else
    code = -6;

  ok = _ks_mb2_send_status (self, code, NULL, listing, error);
  plist_free (listing);
  return ok;
}

gboolean
_ks_mb2_create_dir (KsMb2    *self,
                    plist_t   msg,
                    GError  **error)
{
  g_autofree char *path = array_string (msg, 1);
  g_autofree char *leaf = NULL;
  g_autoptr(GError) local = NULL;
  gint64 code = 0;
  gboolean made = FALSE;
  int dir_fd;

  dir_fd = _ks_mb2_open_parent (self, path, TRUE, &leaf, &local);
  if (dir_fd >= 0 && leaf != NULL)
    {
      if (mkdirat (dir_fd, leaf, 0755) == 0)
        made = TRUE;
      else if (errno != EEXIST)
        code = _ks_mb2_errno_code (errno);
    }
  if (dir_fd < 0)
    {
      code = -1;
      _ks_mb2_note_error (self, g_steal_pointer (&local));
    }
  else
    {
      /* Only a new entry needs its folder synced: an incremental run asks again for every
       * hashed folder the previous backup (hard-linked) already has. */
      if (made)
        fsync (dir_fd);
      close (dir_fd);
    }
  return _ks_mb2_send_status (self, code, NULL, NULL, error);
}

gboolean
_ks_mb2_move_items (KsMb2    *self,
                    plist_t   msg,
                    GError  **error)
{
  plist_t moves = plist_array_get_item (msg, 1);
  plist_dict_iter iter = NULL;
  gint64 code = 0;

  _ks_mb2_progress_from (self, msg, 3);
  if (moves != NULL && plist_get_node_type (moves) == PLIST_DICT)
    plist_dict_new_iter (moves, &iter);
  while (iter != NULL)
    {
      char *from = NULL;
      plist_t to_node = NULL;
      char *to = NULL;
      g_autofree char *from_leaf = NULL;
      g_autofree char *to_leaf = NULL;
      g_autoptr(GError) local = NULL;
      int from_fd = -1;
      int to_fd = -1;

      plist_dict_next_item (moves, iter, &from, &to_node);
      if (from == NULL)
        break;
      if (to_node != NULL && plist_get_node_type (to_node) == PLIST_STRING)
        plist_get_string_val (to_node, &to);

      from_fd = _ks_mb2_open_parent (self, from, FALSE, &from_leaf, &local);
      if (from_fd >= 0)
        to_fd = _ks_mb2_open_parent (self, to, TRUE, &to_leaf, &local);
      if (from_fd < 0 || to_fd < 0 || from_leaf == NULL || to_leaf == NULL)
        {
          if (local != NULL && local->code == KS_MOBILEBACKUP2_ERROR_UNSAFE_PATH
              && local->domain == KS_MOBILEBACKUP2_ERROR)
            _ks_mb2_note_error (self, g_steal_pointer (&local));
          code = -1;
        }
      else
        {
          ks_backup_tree_remove (to_fd, to_leaf, NULL, NULL);
          if (renameat (from_fd, from_leaf, to_fd, to_leaf) != 0)
            code = _ks_mb2_errno_code (errno);
          else
            fsync (to_fd);
        }
      close_fd (&from_fd);
      close_fd (&to_fd);
      free (from);
      free (to);
    }
  free (iter);
  return _ks_mb2_send_status (self, code, NULL, NULL, error);
}

gboolean
_ks_mb2_remove_items (KsMb2    *self,
                      plist_t   msg,
                      GError  **error)
{
  plist_t paths = plist_array_get_item (msg, 1);
  gint64 code = 0;

  _ks_mb2_progress_from (self, msg, 3);
  for (uint32_t i = 0; paths != NULL && plist_get_node_type (paths) == PLIST_ARRAY
                       && i < plist_array_get_size (paths); i++)
    {
      plist_t node = plist_array_get_item (paths, i);
      g_autofree char *leaf = NULL;
      g_autoptr(GError) local = NULL;
      char *path = NULL;
      int dir_fd;

      if (plist_get_node_type (node) != PLIST_STRING)
        continue;
      plist_get_string_val (node, &path);
      dir_fd = _ks_mb2_open_parent (self, path, FALSE, &leaf, &local);
      if (dir_fd < 0)
        {
          /* A folder that is not there holds nothing to remove. */
          if (local->domain == KS_MOBILEBACKUP2_ERROR)
            {
              _ks_mb2_note_error (self, g_steal_pointer (&local));
              code = -1;
            }
        }
      else if (leaf == NULL)
        code = -1;  /* never the backup folder itself */
      else
        {
          if (!ks_backup_tree_remove (dir_fd, leaf, self->cancellable, NULL))
            code = -1;
          fsync (dir_fd);
        }
      if (dir_fd >= 0)
        close (dir_fd);
      free (path);
    }
  return _ks_mb2_send_status (self, code, NULL, NULL, error);
}

static gboolean
copy_file_at (int         from_dir,
              const char *from,
              int         to_dir,
              const char *to,
              guint8     *buffer)
{
  g_autofree char *tmp = g_strdup_printf (".%s.ks-partial", to);
  int in = openat (from_dir, from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out = -1;
  gboolean ok = FALSE;

  if (in < 0)
    return FALSE;
  unlinkat (to_dir, tmp, 0);
  out = openat (to_dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out >= 0)
    {
      for (;;)
        {
          ssize_t n = read (in, buffer, BLOCK_SIZE);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 || (n > 0 && !write_fd_all (out, buffer, (gsize) n)))
            break;
          if (n == 0)
            {
              ok = fsync (out) == 0;
              break;
            }
        }
      ok = close (out) == 0 && ok;
      ok = ok && renameat (to_dir, tmp, to_dir, to) == 0;
      if (!ok)
        unlinkat (to_dir, tmp, 0);
    }
  close (in);
  return ok;
}

gboolean
_ks_mb2_copy_item (KsMb2    *self,
                   plist_t   msg,
                   GError  **error)
{
  g_autofree char *from = array_string (msg, 1);
  g_autofree char *to = array_string (msg, 2);
  g_autofree char *from_leaf = NULL;
  g_autofree char *to_leaf = NULL;
  g_autoptr(GError) local = NULL;
  int from_fd, to_fd = -1;
  gint64 code = 0;
  struct stat st;

  from_fd = _ks_mb2_open_parent (self, from, FALSE, &from_leaf, &local);
  if (from_fd >= 0)
    to_fd = _ks_mb2_open_parent (self, to, TRUE, &to_leaf, &local);
  if (from_fd < 0 || to_fd < 0 || from_leaf == NULL || to_leaf == NULL)
    {
      if (local != NULL && local->domain == KS_MOBILEBACKUP2_ERROR)
        _ks_mb2_note_error (self, g_steal_pointer (&local));
      code = -1;
    }
  else if (fstatat (from_fd, from_leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
    code = _ks_mb2_errno_code (errno);
  else if (S_ISDIR (st.st_mode))
    {
      /* A folder copy shares nothing the phone may later change: every file is replaced
       * (written anew and renamed), never written in place. */
      ks_backup_tree_remove (to_fd, to_leaf, NULL, NULL);
      if (!ks_backup_tree_link_copy (from_fd, from_leaf, to_fd, to_leaf, self->cancellable, NULL))
        code = -1;
    }
  else if (!S_ISREG (st.st_mode) || !copy_file_at (from_fd, from_leaf, to_fd, to_leaf, self->buffer))
    code = -1;
  if (to_fd >= 0)
    fsync (to_fd);
  close_fd (&from_fd);
  close_fd (&to_fd);
  return _ks_mb2_send_status (self, code, NULL, NULL, error);
}
