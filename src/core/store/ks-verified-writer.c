/* ks-verified-writer.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Writes a temporary file and proves what the medium holds: the bytes are read back one
 * buffer behind the writes (so a big video is not read whole after its last byte), the rest
 * after the fsync, with the cached pages dropped first so the kernel fetches what the disk
 * (or the NAS) actually holds. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "ks-hash.h"
#include "ks-verified-writer.h"

#define CHECK_BUF_SIZE (1024 * 1024)

struct _KsVerifiedWriter
{
  int       dir_fd;
  char     *where;
  char     *tmp_name; /* NULL once published */
  int       fd;
  guint64   written;

  /* Bytes [0, checked) were read back from the medium and hashed into @check. */
  KsHasher *check;
  guint64   checked;
  guint8   *check_buf;
  gboolean  check_later; /* the filesystem cannot say when data is on the medium */
};

/**
 * ks_verified_writer_new:
 * @dir_fd: the folder for the temporary; the writer takes it
 * @where: the destination, for messages
 *
 * Returns: (transfer full): a writer, or %NULL with @error set (@dir_fd is closed then too)
 */
KsVerifiedWriter *
ks_verified_writer_new (int          dir_fd,
                        const char  *where,
                        const char  *name_hint,
                        GError     **error)
{
  KsVerifiedWriter *self;
  char *tmp_name = NULL;
  int fd;

  fd = ks_dirfd_create_temp (dir_fd, name_hint, &tmp_name);
  if (fd < 0)
    {
      int errsv = errno;

      close (dir_fd);
      ks_set_errno_error (error, errsv, "Cannot create a file in %s", where);
      return NULL;
    }

  self = g_new0 (KsVerifiedWriter, 1);
  self->dir_fd = dir_fd;
  self->fd = fd;
  self->tmp_name = tmp_name;
  self->where = g_strdup (where);

  return self;
}

/* Removes the temporary unless it got its name. */
void
ks_verified_writer_free (KsVerifiedWriter *self)
{
  if (self == NULL)
    return;

  ks_close_fd (&self->fd);
  if (self->tmp_name != NULL)
    unlinkat (self->dir_fd, self->tmp_name, 0);
  ks_close_fd (&self->dir_fd);
  g_clear_pointer (&self->check, ks_hasher_free);
  g_clear_pointer (&self->check_buf, g_free);
  g_free (self->tmp_name);
  g_free (self->where);
  g_free (self);
}

/* Reads [checked, @end) back from the medium into the check hash (to the end of the file
 * when @end is G_MAXUINT64). */
static gboolean
read_back (KsVerifiedWriter  *self,
           guint64            end,
           GCancellable      *cancellable,
           GError           **error)
{
  if (self->check == NULL)
    self->check = ks_hasher_new ();
  if (self->check_buf == NULL)
    self->check_buf = g_malloc (CHECK_BUF_SIZE);

  posix_fadvise (self->fd, self->checked, end == G_MAXUINT64 ? 0 : (off_t) (end - self->checked),
                 POSIX_FADV_DONTNEED);

  while (self->checked < end)
    {
      gsize want = (gsize) MIN ((guint64) CHECK_BUF_SIZE, end - self->checked);
      ssize_t n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      n = pread (self->fd, self->check_buf, want, (off_t) self->checked);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        break;

      ks_hasher_update (self->check, self->check_buf, n);
      self->checked += n;
    }

  return TRUE;
}

gboolean
ks_verified_writer_write (KsVerifiedWriter  *self,
                          const void        *data,
                          gsize              len,
                          GError           **error)
{
  guint64 before = self->written;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL && self->fd >= 0, FALSE);

  if (!ks_fd_write_all (self->fd, data, len))
    return ks_set_errno_error (error, errno, "Cannot write to %s", self->where);
  self->written += len;

  if (len == 0)
    return TRUE;

  /* Start writeback of this buffer now, while the next one is read from the phone, so
   * the fsync in finish finds little left to write. Only a hint: it promises nothing
   * about durability (it flushes no metadata and no disk cache), which stays the fsync's
   * job. */
  sync_file_range (self->fd, before, len, SYNC_FILE_RANGE_WRITE);

  /* Verify what the earlier buffers put on the medium while this one is on its way. Where
   * the filesystem cannot wait for writeback, finish reads everything back after its fsync. */
  if (!self->check_later && before > self->checked)
    {
      if (sync_file_range (self->fd, self->checked, before - self->checked,
                           SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                           | SYNC_FILE_RANGE_WAIT_AFTER) != 0)
        {
          if (errno == EIO || errno == ENOSPC)
            return ks_set_errno_error (error, errno, "Cannot write to %s", self->where);
          self->check_later = TRUE;
        }
      else if (!read_back (self, before, NULL, &local_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "Cannot read back from %s: ", self->where);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * ks_verified_writer_finish:
 * @out_size: (out): how many bytes were read back
 *
 * Makes the file durable (fsync: a power cut after the rename must not leave a named, empty
 * file), then reads back what the writes did not read yet, to the end of the file. The
 * caller compares the result with what it meant to write.
 *
 * Returns: (transfer full): the SHA-256 of what the medium holds, or %NULL with @error set
 */
char *
ks_verified_writer_finish (KsVerifiedWriter  *self,
                           guint64           *out_size,
                           GCancellable      *cancellable,
                           GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  char *hash;

  g_return_val_if_fail (self != NULL && self->fd >= 0, NULL);

  if (ks_fd_sync_file (self->fd) != 0)
    {
      ks_set_errno_error (error, errno, "Cannot write to %s", self->where);
      return NULL;
    }

  if (self->check_later && self->checked > 0)
    {
      g_clear_pointer (&self->check, ks_hasher_free);
      self->checked = 0;
    }
  posix_fadvise (self->fd, self->checked, 0, POSIX_FADV_SEQUENTIAL);
  if (!read_back (self, G_MAXUINT64, cancellable, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot read back from %s: ", self->where);
      return NULL;
    }

  hash = ks_hasher_finish (self->check);
  g_clear_pointer (&self->check, ks_hasher_free);
  *out_size = self->checked;
  ks_close_fd (&self->fd);

  return hash;
}

/* Gives the finished file @name in @to_dir; fails with EEXIST rather than replacing.
 * Returns: 0, or -1 with errno set */
int
ks_verified_writer_publish (KsVerifiedWriter *self,
                            KsPublishMode    *mode,
                            int               to_dir,
                            const char       *name)
{
  g_return_val_if_fail (self != NULL && self->tmp_name != NULL, -1);

  if (ks_dirfd_publish (mode, self->dir_fd, self->tmp_name, to_dir, name) != 0)
    return -1;

  g_clear_pointer (&self->tmp_name, g_free);
  return 0;
}

/* Gives the finished temporary @name in @to_dir, replacing a file of that name atomically:
 * only for files Keepsake makes and remakes itself (sidecars, album lists), never for a
 * copy. */
int
ks_verified_writer_replace (KsVerifiedWriter *self,
                            int               to_dir,
                            const char       *name)
{
  g_return_val_if_fail (self != NULL && self->tmp_name != NULL, -1);

  if (renameat (self->dir_fd, self->tmp_name, to_dir, name) != 0)
    return -1;

  g_clear_pointer (&self->tmp_name, g_free);
  return 0;
}

/* Reads a file back from the medium, not from the page cache where possible: dropping the
 * cached pages first makes the kernel fetch what the disk (or the NAS) actually holds. */
char *
ks_hash_fd_from_medium (int           fd,
                        guint64      *out_size,
                        GCancellable *cancellable,
                        GError      **error)
{
  posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  /* One pass front to back (ks_hash_fd reads 1 MiB at a time): let readahead run ahead. */
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      ks_set_errno_error (error, errno, "Cannot read back");
      return NULL;
    }

  return ks_hash_fd (fd, out_size, cancellable, error);
}
