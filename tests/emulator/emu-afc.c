/* emu-afc.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* com.apple.afc over the device's media root: the read side importers use,
 * the write side ifuse and idevicebackup2 use, and the sandbox (lexical `..`,
 * then a per-component walk that never follows a symlink). */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib.h>

#include "emu-service.h"

#define AFC_MAGIC "CFA6LPAA"
#define AFC_HEADER_SIZE 40
#define AFC_MAX_HEADER_DATA (64u * 1024u)
#define AFC_MAX_PAYLOAD (64u * 1024u * 1024u)
#define AFC_MAX_READ (8u * 1024u * 1024u)
#define AFC_MAX_HANDLES 256

enum {
  OP_STATUS = 0x01,
  OP_DATA = 0x02,
  OP_READ_DIR = 0x03,
  OP_TRUNCATE = 0x07,
  OP_REMOVE_PATH = 0x08,
  OP_MAKE_DIR = 0x09,
  OP_GET_FILE_INFO = 0x0A,
  OP_GET_DEVINFO = 0x0B,
  OP_FILE_OPEN = 0x0D,
  OP_FILE_OPEN_RES = 0x0E,
  OP_FILE_READ = 0x0F,
  OP_FILE_WRITE = 0x10,
  OP_FILE_SEEK = 0x11,
  OP_FILE_TELL = 0x12,
  OP_FILE_TELL_RES = 0x13,
  OP_FILE_CLOSE = 0x14,
  OP_FILE_SET_SIZE = 0x15,
  OP_RENAME_PATH = 0x18,
  OP_FILE_LOCK = 0x1B,
  OP_MAKE_LINK = 0x1C,
  OP_SET_FILE_TIME = 0x1E,
  OP_REMOVE_PATH_AND_CONTENTS = 0x22,
};

enum {
  E_SUCCESS = 0,
  E_UNKNOWN_ERROR = 1,
  E_OP_HEADER_INVALID = 2,
  E_NO_RESOURCES = 3,
  E_READ_ERROR = 4,
  E_WRITE_ERROR = 5,
  E_INVALID_ARG = 7,
  E_OBJECT_NOT_FOUND = 8,
  E_OBJECT_IS_DIR = 9,
  E_PERM_DENIED = 10,
  E_OP_NOT_SUPPORTED = 15,
  E_OBJECT_EXISTS = 16,
  E_NO_SPACE_LEFT = 18,
  E_OP_WOULD_BLOCK = 19,
  E_IO_ERROR = 20,
};

typedef struct
{
  int   fd;
  char *path;        /* for stats */
  bool  readable;
} Handle;

typedef struct
{
  EmuDevice *device;
  EmuConn   *conn;
  int        root_fd;
  uint64_t   packet_num;
  Handle     handles[AFC_MAX_HANDLES];
  uint8_t   *buf;
  size_t     buf_size;
  EmuMisbehaveConn mb;
} Afc;

typedef struct
{
  char magic[8];
  uint64_t entire_length;
  uint64_t this_length;
  uint64_t packet_num;
  uint64_t operation;
} AfcHeader;

static const char * const hostile_names[] = {
  "../../escape.JPG",
  "../../../../../../etc/passwd.JPG",
  "/abs.JPG",
  "a/b.JPG",
  "..\\..\\backslash.JPG",
  "...",
  ". .JPG",
  "ctl\x01\x1b[31m\t\n.JPG",
  "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"
  "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"
  "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"
  "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL.JPG",
  "bad\xff\xfe\x80utf8.JPG",
  "IMG_CASE.JPG",
  "img_case.jpg",
  "win:*?\"<>|.JPG",
  "CON.JPG",
  "trailing dot.JPG.",
};

static int
errno_to_afc (int err)
{
  switch (err)
    {
    case ENOENT: return E_OBJECT_NOT_FOUND;
    case EISDIR: return E_OBJECT_IS_DIR;
    case EACCES:
    case EPERM:
    case ELOOP:
    case EXDEV: return E_PERM_DENIED;
    case EEXIST: return E_OBJECT_EXISTS;
    case ENOTDIR: return E_READ_ERROR;  /* ifuse maps 4 to ENOTDIR */
    case ENOSPC: return E_NO_SPACE_LEFT;
    case ENOTEMPTY: return E_UNKNOWN_ERROR;  /* what a device answers; 1.3.0 reads it as DIR_NOT_EMPTY */
    case EINVAL:
    case EBADF:
    case ENAMETOOLONG: return E_INVALID_ARG;
    case EWOULDBLOCK: return E_OP_WOULD_BLOCK;
    default: return E_IO_ERROR;
    }
}

/* Sends a reply whose @hlen bytes of @hdata sit in the header part (this_length = 40 + hlen)
 * and whose @len bytes of @data follow it. Real devices put the 8-byte value of STATUS,
 * FILE_OPEN_RES and FILE_TELL_RES in the header part, and other clients (appium-ios-device,
 * go-ios) read it only there; libimobiledevice 1.3.0 joins both parts, so it reads either.
 * Header and header part go out in one write: 1.3.0 reads each with a single recv. */
static bool
afc_send_full (Afc *afc, uint64_t op, const void *hdata, size_t hlen,
               const void *data, size_t len)
{
  uint8_t msg[AFC_HEADER_SIZE + 8];
  AfcHeader hdr;
  int lied;

  g_assert (hlen <= 8);

  memcpy (hdr.magic, AFC_MAGIC, 8);
  hdr.entire_length = GUINT64_TO_LE (AFC_HEADER_SIZE + hlen + len);
  hdr.this_length = GUINT64_TO_LE (AFC_HEADER_SIZE + hlen);
  hdr.packet_num = GUINT64_TO_LE (afc->packet_num);
  hdr.operation = GUINT64_TO_LE (op);
  memcpy (msg, &hdr, sizeof hdr);
  if (hlen > 0)
    memcpy (msg + sizeof hdr, hdata, hlen);
  if ((lied = emu_misbehave_afc_send (&afc->mb, afc->conn, msg, sizeof hdr + hlen, data, len)) >= 0)
    return lied > 0;
  return emu_conn_write2 (afc->conn, msg, sizeof hdr + hlen, data, len);
}

/* DATA replies carry their bytes after the header (this_length = 40). */
static bool
afc_send (Afc *afc, uint64_t op, const void *data, size_t len)
{
  return afc_send_full (afc, op, NULL, 0, data, len);
}

static bool
afc_status (Afc *afc, uint64_t code)
{
  uint64_t le = GUINT64_TO_LE (code);

  return afc_send_full (afc, OP_STATUS, &le, 8, NULL, 0);
}

static bool
afc_u64 (Afc *afc, uint64_t op, uint64_t value)
{
  uint64_t le = GUINT64_TO_LE (value);

  return afc_send_full (afc, op, &le, 8, NULL, 0);
}

/* ---- path sandbox ---- */

/* Splits @path into clean components: empty and "." dropped, ".." pops
 * (never above the root).  Returns NULL for a path that is not valid. */
static GPtrArray *
split_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (out->len > 0)
            g_ptr_array_remove_index (out, out->len - 1);
          continue;
        }
      g_ptr_array_add (out, g_strdup (parts[i]));
    }
  return out;
}

/* Opens the directory that holds the last component of @path, walking
 * from the root with O_NOFOLLOW at each step, so neither `..` nor a
 * symlink can lead outside the media root.  On success returns a dir fd
 * and sets *last (NULL when @path is the root itself). */
static int
open_parent (Afc *afc, const char *path, char **last, char **clean)
{
  g_autoptr(GPtrArray) parts = split_path (path);
  int fd = dup (afc->root_fd);

  *last = NULL;
  if (clean != NULL)
    {
      GString *s = g_string_new (NULL);

      for (guint i = 0; i < parts->len; i++)
        g_string_append_printf (s, "/%s", (char *) parts->pdata[i]);
      if (s->len == 0)
        g_string_append_c (s, '/');
      *clean = g_string_free (s, FALSE);
    }
  if (fd < 0)
    return -1;
  for (guint i = 0; i + 1 < parts->len; i++)
    {
      int next = openat (fd, parts->pdata[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

      close (fd);
      if (next < 0)
        return -1;
      fd = next;
    }
  if (parts->len > 0)
    *last = g_strdup (parts->pdata[parts->len - 1]);
  return fd;
}

/* Opens @path itself (never following a symlink at any step). */
static int
open_path (Afc *afc, const char *path, int flags, mode_t mode, char **clean)
{
  g_autofree char *last = NULL;
  int dir = open_parent (afc, path, &last, clean);
  int fd;
  int saved;

  if (dir < 0)
    return -1;
  if (last == NULL)
    {
      fd = (flags & O_ACCMODE) == O_RDONLY
           ? openat (dir, ".", (flags & ~O_CREAT) | O_CLOEXEC) : (errno = EISDIR, -1);
      saved = errno;
      close (dir);
      errno = saved;
      return fd;
    }
  fd = openat (dir, last, flags | O_NOFOLLOW | O_CLOEXEC, mode);
  saved = errno;
  close (dir);
  errno = saved;
  return fd;
}

/* --hostile-names: a request for "<DCIM subfolder>/<hostile name>" maps to
 * a real file of that folder (raw string match, before any clean-up). */
static bool
is_dcim_subfolder (const char *clean)
{
  g_autoptr(GPtrArray) parts = split_path (clean);

  return parts->len == 2 && strcmp (parts->pdata[0], "DCIM") == 0;
}

static char *
first_regular_file (Afc *afc, const char *dir_path)
{
  int fd = open_path (afc, dir_path, O_RDONLY | O_DIRECTORY, 0, NULL);
  DIR *dir;
  struct dirent *entry;
  char *best = NULL;

  if (fd < 0)
    return NULL;
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return NULL;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      struct stat st;

      if (fstatat (dirfd (dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (best == NULL || strcmp (entry->d_name, best) < 0)
        {
          g_free (best);
          best = g_strdup (entry->d_name);
        }
    }
  closedir (dir);
  return best;
}

static char *
hostile_target (Afc *afc, const char *path)
{
  if (!emu_device_get_hostile_names (afc->device))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (hostile_names); i++)
    {
      size_t nlen = strlen (hostile_names[i]);
      size_t plen = strlen (path);
      g_autofree char *dir = NULL;
      g_autofree char *clean_dir = NULL;
      g_autofree char *file = NULL;
      g_autofree char *last = NULL;
      int fd;

      if (plen < nlen + 2 || strcmp (path + plen - nlen, hostile_names[i]) != 0
          || path[plen - nlen - 1] != '/')
        continue;
      dir = g_strndup (path, plen - nlen - 1);
      fd = open_parent (afc, dir, &last, &clean_dir);
      if (fd >= 0)
        close (fd);
      if (!is_dcim_subfolder (clean_dir))
        continue;
      file = first_regular_file (afc, clean_dir);
      if (file == NULL)
        return NULL;
      return g_strdup_printf ("%s/%s", clean_dir, file);
    }
  return NULL;
}

/* ---- operations ---- */

static const char *
header_string (const uint8_t *data, size_t len, size_t offset, size_t *next)
{
  const uint8_t *end;

  if (offset >= len)
    return NULL;
  end = memchr (data + offset, '\0', len - offset);
  /* Some clients (appium-ios-device) do not terminate the last string; the request
   * buffer always carries one spare NUL after it, so it still ends there. */
  if (end == NULL)
    end = data + len;
  if (next != NULL)
    *next = (size_t) (end - data) + 1;
  return (const char *) data + offset;
}

static uint64_t
get_u64 (const uint8_t *data, size_t offset)
{
  uint64_t v;

  memcpy (&v, data + offset, 8);
  return GUINT64_FROM_LE (v);
}

static bool
op_read_dir (Afc *afc, const char *path)
{
  g_autofree char *clean = NULL;
  int fd = open_path (afc, path, O_RDONLY | O_DIRECTORY, 0, &clean);
  DIR *dir;
  struct dirent *entry;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GString *out;
  bool ok;

  if (fd < 0)
    return afc_status (afc, errno_to_afc (errno));
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return afc_status (afc, E_IO_ERROR);
    }
  while ((entry = readdir (dir)) != NULL)
    if (strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (entry->d_name));
  closedir (dir);
  g_ptr_array_sort (names, (GCompareFunc) (void (*) (void)) g_strcmp0);

  out = g_string_new (NULL);
  g_string_append_len (out, ".\0..\0", 5);
  for (guint i = 0; i < names->len; i++)
    g_string_append_len (out, names->pdata[i], strlen (names->pdata[i]) + 1);
  if (emu_device_get_hostile_names (afc->device) && is_dcim_subfolder (clean))
    for (guint i = 0; i < G_N_ELEMENTS (hostile_names); i++)
      g_string_append_len (out, hostile_names[i], strlen (hostile_names[i]) + 1);
  emu_misbehave_listing (&afc->mb, out);
  ok = afc_send (afc, OP_DATA, out->str, out->len);
  g_string_free (out, TRUE);
  return ok;
}

static const char *
ifmt_name (mode_t mode)
{
  if (S_ISREG (mode)) return "S_IFREG";
  if (S_ISDIR (mode)) return "S_IFDIR";
  if (S_ISLNK (mode)) return "S_IFLNK";
  if (S_ISBLK (mode)) return "S_IFBLK";
  if (S_ISCHR (mode)) return "S_IFCHR";
  if (S_ISFIFO (mode)) return "S_IFIFO";
  return "S_IFSOCK";
}

static bool
op_get_file_info (Afc *afc, const char *path)
{
  g_autofree char *mapped = hostile_target (afc, path);
  g_autofree char *last = NULL;
  int dir = open_parent (afc, mapped != NULL ? mapped : path, &last, NULL);
  struct stat st;
  int rc;
  GString *out;
  bool ok;
  char link[4096];
  ssize_t link_len = -1;

  if (dir < 0)
    return afc_status (afc, errno_to_afc (errno));
  rc = fstatat (dir, last != NULL ? last : "", &st,
                AT_SYMLINK_NOFOLLOW | (last == NULL ? AT_EMPTY_PATH : 0));
  if (rc == 0 && S_ISLNK (st.st_mode))
    link_len = readlinkat (dir, last, link, sizeof link - 1);
  if (rc != 0)
    {
      int err = errno;

      close (dir);
      return afc_status (afc, errno_to_afc (err));
    }
  close (dir);

  out = g_string_new (NULL);
#define KV(k, fmt, v) do { g_string_append (out, k); g_string_append_c (out, '\0'); \
                           g_string_append_printf (out, fmt, v); g_string_append_c (out, '\0'); } while (0)
  KV ("st_size", "%" G_GUINT64_FORMAT,
      (guint64) (S_ISREG (st.st_mode) ? emu_misbehave_file_size (&afc->mb, st.st_size) : (uint64_t) st.st_size));
  KV ("st_blocks", "%" G_GUINT64_FORMAT, (guint64) st.st_blocks);
  KV ("st_nlink", "%" G_GUINT64_FORMAT, (guint64) st.st_nlink);
  KV ("st_ifmt", "%s", ifmt_name (st.st_mode));
  KV ("st_mtime", "%" G_GUINT64_FORMAT,
      (guint64) ((guint64) st.st_mtim.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) st.st_mtim.tv_nsec));
  /* Linux has no birth time in struct stat; ctime is the closest stand-in. */
  KV ("st_birthtime", "%" G_GUINT64_FORMAT,
      (guint64) ((guint64) MIN (st.st_ctim.tv_sec, st.st_mtim.tv_sec) * G_GUINT64_CONSTANT (1000000000)));
  if (link_len >= 0)
    {
      link[link_len] = '\0';
      KV ("LinkTarget", "%s", link);
    }
#undef KV
  ok = afc_send (afc, OP_DATA, out->str, out->len);
  g_string_free (out, TRUE);
  return ok;
}

static bool
op_get_device_info (Afc *afc)
{
  struct statvfs st;
  GString *out = g_string_new (NULL);
  uint64_t total = 0, avail = 0, bsize = 4096;
  bool ok;

  if (fstatvfs (afc->root_fd, &st) == 0)
    {
      total = (uint64_t) st.f_blocks * st.f_frsize;
      avail = (uint64_t) st.f_bavail * st.f_frsize;
      bsize = st.f_bsize;
    }
#define KV(k, v) do { g_string_append (out, k); g_string_append_c (out, '\0'); \
                      g_string_append (out, v); g_string_append_c (out, '\0'); } while (0)
  KV ("Model", emu_device_get_product_type (afc->device));
  {
    char num[32];

    g_snprintf (num, sizeof num, "%" G_GUINT64_FORMAT, (guint64) total);
    KV ("FSTotalBytes", num);
    g_snprintf (num, sizeof num, "%" G_GUINT64_FORMAT, (guint64) avail);
    KV ("FSFreeBytes", num);
    g_snprintf (num, sizeof num, "%" G_GUINT64_FORMAT, (guint64) bsize);
    KV ("FSBlockSize", num);
  }
#undef KV
  ok = afc_send (afc, OP_DATA, out->str, out->len);
  g_string_free (out, TRUE);
  return ok;
}

static Handle *
get_handle (Afc *afc, uint64_t h)
{
  if (h == 0 || h > AFC_MAX_HANDLES || afc->handles[h - 1].fd < 0)
    return NULL;
  return &afc->handles[h - 1];
}

static bool
op_file_open (Afc *afc, uint64_t mode, const char *path)
{
  static const int flags_for_mode[] = {
    0,
    O_RDONLY,
    O_RDWR | O_CREAT,
    O_WRONLY | O_CREAT | O_TRUNC,
    O_RDWR | O_CREAT | O_TRUNC,
    O_WRONLY | O_APPEND | O_CREAT,
    O_RDWR | O_APPEND | O_CREAT,
  };
  g_autofree char *mapped = NULL;
  g_autofree char *clean = NULL;
  struct stat st;
  int flags, fd;

  if (mode < 1 || mode > 6)
    return afc_status (afc, E_INVALID_ARG);
  flags = flags_for_mode[mode];
  mapped = hostile_target (afc, path);
  if (mapped != NULL && mode != 1)
    return afc_status (afc, E_PERM_DENIED);

  fd = open_path (afc, mapped != NULL ? mapped : path, flags, 0644, &clean);
  if (fd < 0)
    return afc_status (afc, errno_to_afc (errno));
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      close (fd);
      return afc_status (afc, E_OBJECT_IS_DIR);
    }
  for (guint i = 0; i < AFC_MAX_HANDLES; i++)
    if (afc->handles[i].fd < 0)
      {
        afc->handles[i].fd = fd;
        afc->handles[i].path = mapped != NULL ? g_strdup (path) : g_steal_pointer (&clean);
        afc->handles[i].readable = (flags & O_ACCMODE) != O_WRONLY;
        return afc_u64 (afc, OP_FILE_OPEN_RES, i + 1);
      }
  close (fd);
  return afc_status (afc, E_NO_RESOURCES);
}

static bool
ensure_buf (Afc *afc, size_t size)
{
  uint8_t *p;

  if (afc->buf_size >= size)
    return true;
  p = realloc (afc->buf, size);
  if (p == NULL)
    return false;
  afc->buf = p;
  afc->buf_size = size;
  return true;
}

static bool
op_file_read (Afc *afc, uint64_t h, uint64_t want)
{
  Handle *handle = get_handle (afc, h);
  uint64_t grant, extra;
  ssize_t n;
  size_t send_len;

  if (handle == NULL)
    return afc_status (afc, E_INVALID_ARG);
  if (!handle->readable)
    return afc_status (afc, E_PERM_DENIED);
  if (emu_device_has_read_error (afc->device, handle->path))
    return afc_status (afc, E_IO_ERROR);
  want = MIN (want, AFC_MAX_READ);
  /* Charge the link only for bytes that exist: a client asking 4 MiB for a 300 KB
   * remainder would otherwise pay link time for data a real phone never sends. */
  {
    struct stat st;
    off_t pos = lseek (handle->fd, 0, SEEK_CUR);

    if (pos >= 0 && fstat (handle->fd, &st) == 0 && S_ISREG (st.st_mode))
      want = st.st_size > pos ? MIN (want, (uint64_t) (st.st_size - pos)) : 0;
  }
  grant = want > 0 ? emu_device_throttle (afc->device, handle->path, want) : 0;
  if (want > 0 && grant == 0)
    return false;  /* detached (or fail-after spent): the link is gone */
  /* read-long: more than asked, from the file while it lasts, then filler. */
  extra = emu_misbehave_read_extra (&afc->mb);
  if (!ensure_buf (afc, grant + extra > 0 ? grant + extra : 1))
    return afc_status (afc, E_NO_RESOURCES);
  do
    n = read (handle->fd, afc->buf, grant);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return afc_status (afc, errno_to_afc (errno));
  send_len = emu_misbehave_read_send (&afc->mb, n);
  if (extra > 0)
    {
      ssize_t more = read (handle->fd, afc->buf + n, extra);

      memset (afc->buf + n + MAX (more, 0), 0xa5, extra - MAX (more, 0));
      send_len = n + extra;
    }
  /* DATA even at EOF (empty): 1.3.0 would take STATUS 0 as 8 data bytes. */
  if (!afc_send (afc, OP_DATA, afc->buf, send_len))
    return false;
  emu_device_data_sent (afc->device, handle->path, n);
  return true;
}

static bool
op_file_write (Afc *afc, uint64_t h, const uint8_t *data, size_t len)
{
  Handle *handle = get_handle (afc, h);

  if (handle == NULL)
    return afc_status (afc, E_INVALID_ARG);
  while (len > 0)
    {
      ssize_t n = write (handle->fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return afc_status (afc, errno == ENOSPC ? E_NO_SPACE_LEFT
                                : errno == EBADF ? E_PERM_DENIED : E_WRITE_ERROR);
      data += n;
      len -= n;
    }
  return afc_status (afc, E_SUCCESS);
}

static int
remove_tree_at (int dir, const char *name)
{
  int fd = openat (dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d;
  struct dirent *entry;

  if (fd < 0)
    {
      if (errno == ENOTDIR || errno == ELOOP)
        return unlinkat (dir, name, 0);
      return -1;
    }
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return -1;
    }
  while ((entry = readdir (d)) != NULL)
    {
      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;
      if (remove_tree_at (dirfd (d), entry->d_name) != 0 && errno != ENOENT)
        {
          int saved = errno;

          closedir (d);
          errno = saved;
          return -1;
        }
    }
  closedir (d);
  return unlinkat (dir, name, AT_REMOVEDIR);
}

static bool
op_path (Afc *afc, uint64_t op, const uint8_t *data, size_t len)
{
  size_t off = op == OP_TRUNCATE || op == OP_SET_FILE_TIME || op == OP_MAKE_LINK ? 8 : 0;
  size_t next = 0;
  const char *path;
  g_autofree char *last = NULL;
  int dir, rc = -1, err;

  if (off > 0 && len < off)
    return afc_status (afc, E_INVALID_ARG);
  path = header_string (data, len, off, &next);
  if (path == NULL)
    return afc_status (afc, E_INVALID_ARG);

  if (op == OP_RENAME_PATH || op == OP_MAKE_LINK)
    {
      const char *second = header_string (data, len, next, NULL);
      g_autofree char *last2 = NULL;
      int dir2;

      if (second == NULL)
        return afc_status (afc, E_INVALID_ARG);
      dir2 = open_parent (afc, second, &last2, NULL);
      if (dir2 < 0)
        return afc_status (afc, errno_to_afc (errno));
      if (last2 == NULL)
        {
          close (dir2);
          return afc_status (afc, E_PERM_DENIED);
        }
      if (op == OP_MAKE_LINK && get_u64 (data, 0) == 2)
        {
          /* A symlink is stored as given; the sandbox never follows one. */
          rc = symlinkat (path, dir2, last2);
          err = errno;
          close (dir2);
          return afc_status (afc, rc == 0 ? E_SUCCESS : errno_to_afc (err));
        }
      if (op == OP_MAKE_LINK && get_u64 (data, 0) != 1)
        {
          close (dir2);
          return afc_status (afc, E_INVALID_ARG);
        }
      dir = open_parent (afc, path, &last, NULL);
      if (dir < 0 || last == NULL)
        {
          err = dir < 0 ? errno : EPERM;
          if (dir >= 0)
            close (dir);
          close (dir2);
          return afc_status (afc, errno_to_afc (err));
        }
      if (op == OP_RENAME_PATH)
        rc = renameat (dir, last, dir2, last2);
      else
        rc = linkat (dir, last, dir2, last2, 0);
      err = errno;
      close (dir);
      close (dir2);
      return afc_status (afc, rc == 0 ? E_SUCCESS : errno_to_afc (err));
    }

  dir = open_parent (afc, path, &last, NULL);
  if (dir < 0)
    return afc_status (afc, errno_to_afc (errno));
  if (last == NULL)
    {
      close (dir);
      /* The root itself: exists, may not be removed or replaced. */
      return afc_status (afc, op == OP_MAKE_DIR ? E_SUCCESS : E_PERM_DENIED);
    }

  switch (op)
    {
    case OP_REMOVE_PATH:
      rc = unlinkat (dir, last, 0);
      if (rc != 0 && (errno == EISDIR || errno == EPERM))
        rc = unlinkat (dir, last, AT_REMOVEDIR);
      break;
    case OP_REMOVE_PATH_AND_CONTENTS:
      rc = remove_tree_at (dir, last);
      break;
    case OP_MAKE_DIR:
      rc = mkdirat (dir, last, 0755);
      if (rc != 0 && errno == EEXIST)
        {
          struct stat st;

          if (fstatat (dir, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
            rc = 0;
          else
            errno = EEXIST;
        }
      break;
    case OP_TRUNCATE:
      {
        int fd = openat (dir, last, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd >= 0)
          {
            rc = ftruncate (fd, (off_t) get_u64 (data, 0));
            err = errno;
            close (fd);
            errno = err;
          }
      }
      break;
    case OP_SET_FILE_TIME:
      {
        uint64_t ns = get_u64 (data, 0);
        struct timespec times[2] = {
          { .tv_sec = 0, .tv_nsec = UTIME_OMIT },
          { .tv_sec = (time_t) (ns / 1000000000ull), .tv_nsec = (long) (ns % 1000000000ull) },
        };

        rc = utimensat (dir, last, times, AT_SYMLINK_NOFOLLOW);
      }
      break;
    default:
      errno = EINVAL;
      break;
    }
  err = errno;
  close (dir);
  return afc_status (afc, rc == 0 ? E_SUCCESS : errno_to_afc (err));
}

static bool
dispatch (Afc *afc, uint64_t op, const uint8_t *hd, size_t hd_len,
          const uint8_t *payload, size_t payload_len)
{
  Handle *handle;

  switch (op)
    {
    case OP_READ_DIR:
    case OP_GET_FILE_INFO:
      {
        const char *path = header_string (hd, hd_len, 0, NULL);

        if (path == NULL)
          return afc_status (afc, E_INVALID_ARG);
        return op == OP_READ_DIR ? op_read_dir (afc, path) : op_get_file_info (afc, path);
      }
    case OP_GET_DEVINFO:
      return op_get_device_info (afc);
    case OP_FILE_OPEN:
      {
        const char *path = hd_len >= 8 ? header_string (hd, hd_len, 8, NULL) : NULL;

        if (path == NULL)
          return afc_status (afc, E_INVALID_ARG);
        return op_file_open (afc, get_u64 (hd, 0), path);
      }
    case OP_FILE_READ:
      if (hd_len < 16)
        return afc_status (afc, E_INVALID_ARG);
      return op_file_read (afc, get_u64 (hd, 0), get_u64 (hd, 8));
    case OP_FILE_WRITE:
      if (hd_len < 8)
        return afc_status (afc, E_INVALID_ARG);
      /* 1.3.0 puts the data after this_length; accept it inside the
       * header data too. */
      if (payload_len > 0)
        return op_file_write (afc, get_u64 (hd, 0), payload, payload_len);
      return op_file_write (afc, get_u64 (hd, 0), hd + 8, hd_len - 8);
    case OP_FILE_SEEK:
      {
        static const int whence_map[] = { SEEK_SET, SEEK_CUR, SEEK_END };
        uint64_t whence;

        if (hd_len < 24 || (handle = get_handle (afc, get_u64 (hd, 0))) == NULL)
          return afc_status (afc, E_INVALID_ARG);
        whence = get_u64 (hd, 8);
        if (whence > 2)
          return afc_status (afc, E_INVALID_ARG);
        if (lseek (handle->fd, (off_t) (int64_t) get_u64 (hd, 16), whence_map[whence]) < 0)
          return afc_status (afc, errno_to_afc (errno));
        return afc_status (afc, E_SUCCESS);
      }
    case OP_FILE_TELL:
      {
        off_t pos;

        if (hd_len < 8 || (handle = get_handle (afc, get_u64 (hd, 0))) == NULL)
          return afc_status (afc, E_INVALID_ARG);
        pos = lseek (handle->fd, 0, SEEK_CUR);
        if (pos < 0)
          return afc_status (afc, errno_to_afc (errno));
        return afc_u64 (afc, OP_FILE_TELL_RES, (uint64_t) pos);
      }
    case OP_FILE_CLOSE:
      if (hd_len < 8 || (handle = get_handle (afc, get_u64 (hd, 0))) == NULL)
        return afc_status (afc, E_INVALID_ARG);
      close (handle->fd);
      handle->fd = -1;
      g_clear_pointer (&handle->path, g_free);
      return afc_status (afc, E_SUCCESS);
    case OP_FILE_SET_SIZE:
      if (hd_len < 16 || (handle = get_handle (afc, get_u64 (hd, 0))) == NULL)
        return afc_status (afc, E_INVALID_ARG);
      if (ftruncate (handle->fd, (off_t) get_u64 (hd, 8)) != 0)
        return afc_status (afc, errno_to_afc (errno));
      return afc_status (afc, E_SUCCESS);
    case OP_FILE_LOCK:
      {
        uint64_t lop;

        if (hd_len < 16 || (handle = get_handle (afc, get_u64 (hd, 0))) == NULL)
          return afc_status (afc, E_INVALID_ARG);
        /* AFC's lock ops are flock's numbers (SH|NB = 5, EX|NB = 6, UN|NB = 12). */
        lop = get_u64 (hd, 8);
        if ((lop & ~(uint64_t) (LOCK_SH | LOCK_EX | LOCK_NB | LOCK_UN)) != 0)
          return afc_status (afc, E_INVALID_ARG);
        if (flock (handle->fd, (int) lop | LOCK_NB) != 0)
          return afc_status (afc, errno == EWOULDBLOCK ? E_OP_WOULD_BLOCK : errno_to_afc (errno));
        return afc_status (afc, E_SUCCESS);
      }
    case OP_TRUNCATE:
    case OP_REMOVE_PATH:
    case OP_MAKE_DIR:
    case OP_RENAME_PATH:
    case OP_MAKE_LINK:
    case OP_SET_FILE_TIME:
    case OP_REMOVE_PATH_AND_CONTENTS:
      return op_path (afc, op, hd, hd_len);
    default:
      return afc_status (afc, E_OP_NOT_SUPPORTED);
    }
}

void
emu_afc_serve (EmuDevice *device, EmuConn *conn)
{
  Afc *afc = g_new0 (Afc, 1);
  uint8_t *hd = NULL;
  uint8_t *payload = NULL;

  afc->device = device;
  afc->conn = conn;
  emu_misbehave_conn_init (&afc->mb, emu_device_get_misbehave (device), true);
  for (guint i = 0; i < AFC_MAX_HANDLES; i++)
    afc->handles[i].fd = -1;
  afc->root_fd = open (emu_device_get_media_root (device), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (afc->root_fd < 0)
    goto out;

  for (;;)
    {
      AfcHeader hdr;
      uint64_t entire, this_len;
      size_t hd_len, payload_len;

      if (!emu_conn_read_all (conn, &hdr, sizeof hdr))
        break;
      entire = GUINT64_FROM_LE (hdr.entire_length);
      this_len = GUINT64_FROM_LE (hdr.this_length);
      afc->packet_num = GUINT64_FROM_LE (hdr.packet_num);
      if (memcmp (hdr.magic, AFC_MAGIC, 8) != 0
          || this_len < AFC_HEADER_SIZE || entire < this_len
          || this_len - AFC_HEADER_SIZE > AFC_MAX_HEADER_DATA
          || entire - this_len > AFC_MAX_PAYLOAD)
        {
          /* Cannot resynchronise a byte stream: answer once, then hang up. */
          afc_status (afc, E_OP_HEADER_INVALID);
          break;
        }
      hd_len = this_len - AFC_HEADER_SIZE;
      payload_len = entire - this_len;
      /* One spare NUL so a string parameter is always terminated. */
      hd = g_realloc (hd, hd_len + 1);
      hd[hd_len] = '\0';
      if (!emu_conn_read_all (conn, hd, hd_len))
        break;
      g_clear_pointer (&payload, g_free);
      if (payload_len > 0)
        {
          payload = g_try_malloc (payload_len);
          if (payload == NULL || !emu_conn_read_all (conn, payload, payload_len))
            break;
        }
      emu_device_request_latency (device);
      if (emu_device_is_detached (device))
        break;
      if (!dispatch (afc, GUINT64_FROM_LE (hdr.operation), hd, hd_len, payload, payload_len))
        break;
    }

out:
  emu_misbehave_conn_clear (&afc->mb);
  for (guint i = 0; i < AFC_MAX_HANDLES; i++)
    if (afc->handles[i].fd >= 0)
      {
        close (afc->handles[i].fd);
        g_free (afc->handles[i].path);
      }
  if (afc->root_fd >= 0)
    close (afc->root_fd);
  g_free (hd);
  g_free (payload);
  free (afc->buf);
  g_free (afc);
}
