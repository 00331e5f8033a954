/* emu-backup-stream.c
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

/* Writes and reads DeviceLink's raw file streams, one block at a time, with
 * the device's link shaping applied to the file data it sends. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu-backup-stream.h"

/* Link time is asked for in grants of up to this many bytes. */
#define THROTTLE_GRANT (1024u * 1024u)

/* The host rejects names longer than this (mb2_receive_filename). */
#define MAX_NAME_LEN 4096

struct _EmuBackupStream
{
  EmuConn   *conn;    /* borrowed */
  EmuDevice *device;  /* borrowed, nullable */
  uint8_t   *buf;     /* 5-byte block header + EMU_BACKUP_STREAM_BLOCK */
  uint64_t   bytes_sent;
  guint      files_sent;
};

EmuBackupStream *
emu_backup_stream_new (EmuConn   *conn,
                       EmuDevice *device)
{
  EmuBackupStream *stream = g_new0 (EmuBackupStream, 1);

  stream->conn = conn;
  stream->device = device;
  stream->buf = g_malloc (5 + EMU_BACKUP_STREAM_BLOCK);
  return stream;
}

void
emu_backup_stream_free (EmuBackupStream *stream)
{
  if (stream == NULL)
    return;
  g_free (stream->buf);
  g_free (stream);
}

static void
put_be32 (uint8_t  *p,
          uint32_t  v)
{
  uint32_t be = htonl (v);

  memcpy (p, &be, 4);
}

static bool
send_name (EmuBackupStream *stream,
           const char      *name)
{
  size_t len = strlen (name);
  uint8_t hdr[4];

  if (len == 0 || len > MAX_NAME_LEN)
    return false;
  put_be32 (hdr, (uint32_t) len);
  return emu_conn_write2 (stream->conn, hdr, 4, name, len);
}

static bool
send_code (EmuBackupStream *stream,
           uint8_t          code,
           const char      *message)
{
  size_t len = message != NULL ? strlen (message) : 0;
  uint8_t hdr[5];

  put_be32 (hdr, (uint32_t) len + 1);
  hdr[4] = code;
  return emu_conn_write2 (stream->conn, hdr, 5, message, len);
}

/* Sends @len bytes already in stream->buf + 5 as one FILE_DATA block, header
 * and data in a single write. */
static bool
send_block (EmuBackupStream *stream,
            size_t           len)
{
  put_be32 (stream->buf, (uint32_t) len + 1);
  stream->buf[4] = EMU_BACKUP_CODE_FILE_DATA;
  if (!emu_conn_write_all (stream->conn, stream->buf, len + 5))
    return false;
  stream->bytes_sent += len;
  return true;
}

/* How much of @want the link lets through now; 0 means stop (detached). */
static uint64_t
throttle (EmuBackupStream *stream,
          const char      *stats_path,
          uint64_t         want)
{
  if (stream->device == NULL)
    return want;
  return emu_device_throttle (stream->device, stats_path, want);
}

static void
data_sent (EmuBackupStream *stream,
           const char      *stats_path,
           uint64_t         n)
{
  if (stream->device != NULL)
    emu_device_data_sent (stream->device, stats_path, n);
}

bool
emu_backup_stream_send_file (EmuBackupStream *stream,
                             const char      *device_path,
                             const char      *backup_path,
                             const char      *local_path,
                             const char      *stats_path)
{
  struct stat st;
  uint64_t left;
  int fd;
  bool ok = false;

  /* Open first: a file that vanished since the scan is left out rather
   * than announced and then failed. */
  fd = open (local_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  if (fstat (fd, &st) != 0)
    {
      close (fd);
      return true;
    }
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  if (!send_name (stream, device_path) || !send_name (stream, backup_path))
    goto out;

  /* The size at open is what a snapshot holds.  Link time is reserved for
   * exactly the bytes that will flow, a grant of up to THROTTLE_GRANT at a
   * time (several blocks), so that the per-grant overhead stays small
   * next to the time the link budget allows. */
  left = (uint64_t) st.st_size;
  while (left > 0)
    {
      uint64_t granted = throttle (stream, stats_path, MIN (left, THROTTLE_GRANT));

      if (granted == 0)
        goto out;
      while (granted > 0)
        {
          ssize_t n;

          do
            n = read (fd, stream->buf + 5, (size_t) MIN (granted, EMU_BACKUP_STREAM_BLOCK));
          while (n < 0 && errno == EINTR);

          if (n < 0)
            {
              ok = send_code (stream, EMU_BACKUP_CODE_ERROR_REMOTE, g_strerror (errno));
              goto out;
            }
          if (n == 0)
            {
              /* Shrank since the scan: what is left of it is the file. */
              left = 0;
              break;
            }
          if (!send_block (stream, (size_t) n))
            goto out;
          data_sent (stream, stats_path, (uint64_t) n);
          granted -= (uint64_t) n;
          left -= (uint64_t) n;
        }
    }

  ok = send_code (stream, EMU_BACKUP_CODE_SUCCESS, NULL);
  if (ok)
    stream->files_sent++;

out:
  close (fd);
  return ok;
}

bool
emu_backup_stream_send_bytes (EmuBackupStream *stream,
                              const char      *device_path,
                              const char      *backup_path,
                              GBytes          *bytes)
{
  gsize len;
  const uint8_t *data = g_bytes_get_data (bytes, &len);
  gsize done = 0;

  if (!send_name (stream, device_path) || !send_name (stream, backup_path))
    return false;
  while (done < len)
    {
      size_t n = MIN (len - done, EMU_BACKUP_STREAM_BLOCK);

      memcpy (stream->buf + 5, data + done, n);
      if (!send_block (stream, n))
        return false;
      done += n;
    }
  if (!send_code (stream, EMU_BACKUP_CODE_SUCCESS, NULL))
    return false;
  stream->files_sent++;
  return true;
}

bool
emu_backup_stream_finish (EmuBackupStream *stream)
{
  uint8_t zero[4] = { 0, 0, 0, 0 };

  return emu_conn_write_all (stream->conn, zero, 4);
}

uint64_t
emu_backup_stream_get_bytes_sent (EmuBackupStream *stream)
{
  return stream->bytes_sent;
}

guint
emu_backup_stream_get_files_sent (EmuBackupStream *stream)
{
  return stream->files_sent;
}

static bool
read_be32 (EmuConn  *conn,
           uint32_t *out)
{
  uint32_t be;

  if (!emu_conn_read_all (conn, &be, 4))
    return false;
  *out = ntohl (be);
  return true;
}

static bool
drain (EmuConn *conn,
       size_t   len)
{
  uint8_t buf[16384];

  while (len > 0)
    {
      size_t n = MIN (len, sizeof buf);

      if (!emu_conn_read_all (conn, buf, n))
        return false;
      len -= n;
    }
  return true;
}

GHashTable *
emu_backup_stream_receive_files (EmuConn *conn,
                                 gsize    max_file_size)
{
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                        g_free, (GDestroyNotify) g_bytes_unref);

  for (;;)
    {
      g_autofree char *name = NULL;
      g_autoptr(GByteArray) data = g_byte_array_new ();
      gboolean too_big = FALSE;
      uint32_t len;

      if (!read_be32 (conn, &len))
        return NULL;
      if (len == 0)
        break;
      if (len > MAX_NAME_LEN)
        return NULL;
      name = g_malloc (len + 1);
      if (!emu_conn_read_all (conn, name, len))
        return NULL;
      name[len] = '\0';

      for (;;)
        {
          uint8_t code;

          if (!read_be32 (conn, &len) || len == 0 || !emu_conn_read_all (conn, &code, 1))
            return NULL;
          len -= 1;

          if (code == EMU_BACKUP_CODE_FILE_DATA)
            {
              if (too_big || data->len + (gsize) len > max_file_size)
                {
                  too_big = TRUE;
                  if (!drain (conn, len))
                    return NULL;
                  continue;
                }
              g_byte_array_set_size (data, data->len + len);
              if (!emu_conn_read_all (conn, data->data + data->len - len, len))
                return NULL;
              continue;
            }

          /* SUCCESS ends the file; an error block carries a message. */
          if (!drain (conn, len))
            return NULL;
          if (code == EMU_BACKUP_CODE_SUCCESS && !too_big)
            g_hash_table_insert (files, g_steal_pointer (&name),
                                 g_byte_array_free_to_bytes (g_steal_pointer (&data)));
          break;
        }
    }

  return g_steal_pointer (&files);
}
