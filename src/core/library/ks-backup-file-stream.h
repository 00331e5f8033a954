/* ks-backup-file-stream.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupFileStream: one file of a device backup read from its hashed file, as a seekable
 * stream of exactly the file's size; for an encrypted backup, decrypted on the fly
 * (AES-256-CBC, zero IV, as iOS stores them). */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_BACKUP_FILE_STREAM (ks_backup_file_stream_get_type ())

G_DECLARE_FINAL_TYPE (KsBackupFileStream, ks_backup_file_stream, KS, BACKUP_FILE_STREAM, GInputStream)

GInputStream *ks_backup_file_stream_new (int           fd,
                                         guint64       size,
                                         const guint8 *key);

G_END_DECLS
