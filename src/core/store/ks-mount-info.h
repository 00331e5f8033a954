/* ks-mount-info.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsMountInfo: what the mount table and the file system's own superblock say about one
 * mounted file system: where it is mounted, from which device, its type, UUID and label.
 * The UUID and label come from libblkid (or udev's /dev/disk/by-uuid where the device
 * cannot be read, as a user without the disk group). All calls block (they read the mount
 * table and probe devices): call them on a worker. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char     *mount_path;   /* /media/anna/Passport */
  char     *root_path;    /* the folder of the file system mounted there: "/" unless a bind mount */
  char     *device;       /* /dev/sdb1, or what the mount table says ("fusefat", "server:/x") */
  char     *fs_type;      /* the file system's own type when probed ("vfat", "exfat", "ext4"),
                           * else the mount table's ("fuseblk", "nfs") */
  char     *fs_version;   /* (nullable) "FAT32", "FAT16", … */
  char     *uuid;         /* (nullable) the file system's UUID ("1234-ABCD" on FAT) */
  char     *label;        /* (nullable) */
  gboolean  system;       /* GLib's rule: a mount of the system (/, /boot, /proc, …) */
  gboolean  block_device; /* mounted from a block device */
  gboolean  removable;    /* a removable, USB, card-reader or loop (disk image) device */
} KsMountInfo;

void          ks_mount_info_free              (KsMountInfo  *info);
KsMountInfo  *ks_mount_info_for_path          (const char   *path,
                                               GError      **error);
GPtrArray    *ks_mount_info_list              (void);
gboolean      ks_mount_info_is_drive          (const KsMountInfo *info);
guint64       ks_mount_info_get_max_file_size (const KsMountInfo *info);
char         *ks_mount_info_dup_fs_name       (const KsMountInfo *info);
char         *ks_mount_info_dup_limit_reason  (const KsMountInfo *info,
                                               const char        *where);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsMountInfo, ks_mount_info_free)

G_END_DECLS
