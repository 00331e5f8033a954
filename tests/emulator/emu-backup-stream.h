/* emu-backup-stream.h
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

/* The raw file stream DeviceLink sends after DLMessageUploadFiles (device
 * to host) and receives after DLMessageDownloadFiles (host to device):
 * big-endian length-prefixed names, then coded blocks, then a zero word. */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "emu-conn.h"
#include "emu-device.h"

/* Block codes (tools/idevicebackup2.c of libimobiledevice). */
#define EMU_BACKUP_CODE_SUCCESS      0x00
#define EMU_BACKUP_CODE_ERROR_LOCAL  0x06
#define EMU_BACKUP_CODE_ERROR_REMOTE 0x0b
#define EMU_BACKUP_CODE_FILE_DATA    0x0c

/* File data per block.  The host reads each block in 32 KiB pieces, so any
 * size works; larger blocks mean fewer headers and fewer syscalls. */
#define EMU_BACKUP_STREAM_BLOCK (256u * 1024u)

typedef struct _EmuBackupStream EmuBackupStream;

/* @device may be NULL (no link shaping, no stats). */
EmuBackupStream *emu_backup_stream_new            (EmuConn   *conn,
                                                   EmuDevice *device);
void             emu_backup_stream_free           (EmuBackupStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuBackupStream, emu_backup_stream_free)

/* Streams the file at @local_path in blocks, never holding more than one
 * block in memory.  @device_path is the name on the device (ignored by
 * the host), @backup_path where the host stores it, relative to its backup
 * directory; @stats_path names the bytes in the device's stats (the AFC
 * path, or NULL).  A file that cannot be opened is skipped (returns true,
 * nothing sent); a read error mid-file ends it with a remote-error block.
 * Returns false when the connection failed or the device was detached. */
bool             emu_backup_stream_send_file      (EmuBackupStream *stream,
                                                   const char      *device_path,
                                                   const char      *backup_path,
                                                   const char      *local_path,
                                                   const char      *stats_path);
/* The same for bytes in memory (Manifest.plist, Status.plist). */
bool             emu_backup_stream_send_bytes     (EmuBackupStream *stream,
                                                   const char      *device_path,
                                                   const char      *backup_path,
                                                   GBytes          *bytes);
/* The zero word that ends an upload. */
bool             emu_backup_stream_finish         (EmuBackupStream *stream);
uint64_t         emu_backup_stream_get_bytes_sent (EmuBackupStream *stream);
guint            emu_backup_stream_get_files_sent (EmuBackupStream *stream);

/* Reads the host's answer to DLMessageDownloadFiles (up to the zero word):
 * returns path → GBytes for every file the host sent whole, or NULL when
 * the connection failed.  Files the host reported missing are absent.
 * A file larger than @max_file_size is drained and left out. */
GHashTable      *emu_backup_stream_receive_files  (EmuConn *conn,
                                                   gsize    max_file_size);
