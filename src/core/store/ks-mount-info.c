/* ks-mount-info.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The mount table through GIO's GUnixMountEntry, and each block device's superblock through
 * libblkid's low-level probe (no cache, no command output). Probing needs read access to
 * the device: root, the disk group, or a device the user owns (udisks gives the seat's user
 * access to removable drives); without it, udev's /dev/disk/by-uuid names the UUID. */

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <blkid.h>
#include <gio/gunixmounts.h>

#include "ks-mount-info.h"
#include "ks-volume.h"

/* FAT keeps a file's size in 32 bits. */
#define FAT_MAX_FILE_SIZE G_GUINT64_CONSTANT (0xFFFFFFFF)

void
ks_mount_info_free (KsMountInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->mount_path);
  g_free (info->root_path);
  g_free (info->device);
  g_free (info->fs_type);
  g_free (info->fs_version);
  g_free (info->uuid);
  g_free (info->label);
  g_free (info);
}

static char *
probe_value (blkid_probe  probe,
             const char  *name)
{
  const char *value = NULL;

  if (blkid_probe_lookup_value (probe, name, &value, NULL) != 0 || value == NULL || value[0] == '\0')
    return NULL;

  return g_strdup (value);
}

/* Reads the superblock of @info->device: type, version, UUID, label. */
static void
probe_device (KsMountInfo *info,
              dev_t        rdev)
{
  blkid_probe probe = blkid_new_probe_from_filename (info->device);

  if (probe != NULL)
    {
      blkid_probe_enable_superblocks (probe, 1);
      blkid_probe_set_superblocks_flags (probe, BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL |
                                                BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION);
      if (blkid_do_safeprobe (probe) == 0)
        {
          char *type = probe_value (probe, "TYPE");

          if (type != NULL)
            {
              g_free (info->fs_type);
              info->fs_type = type;
            }
          info->fs_version = probe_value (probe, "VERSION");
          info->uuid = probe_value (probe, "UUID");
          info->label = probe_value (probe, "LABEL");
        }
      blkid_free_probe (probe);
    }

  if (info->uuid == NULL)
    info->uuid = ks_volume_find_uuid (rdev);
}

static gboolean
sys_flag_set (const char *dir,
              const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && g_str_has_prefix (contents, "1");
}

/* A loop device (a disk image), or one the kernel calls removable or finds on USB, a memory
 * card or FireWire. */
static gboolean
device_is_removable (const char *device,
                     dev_t       rdev)
{
  g_autofree char *link = NULL;
  g_autofree char *sys = NULL;
  g_autofree char *parent = NULL;

  if (g_str_has_prefix (device, "/dev/loop"))
    return TRUE;

  link = g_strdup_printf ("/sys/dev/block/%u:%u", major (rdev), minor (rdev));
  sys = realpath (link, NULL);
  if (sys == NULL)
    return FALSE;
  if (strstr (sys, "/usb") != NULL || strstr (sys, "/mmc") != NULL || strstr (sys, "/firewire") != NULL
      || strstr (sys, "/virtual/block/loop") != NULL)
    return TRUE;

  /* A partition's flags are its disk's. */
  parent = g_path_get_dirname (sys);
  return sys_flag_set (sys, "removable") || sys_flag_set (parent, "removable");
}

static KsMountInfo *
info_from_entry (GUnixMountEntry *entry)
{
  KsMountInfo *info = g_new0 (KsMountInfo, 1);
  const char *root = g_unix_mount_get_root_path (entry);
  struct stat st;

  info->mount_path = g_strdup (g_unix_mount_get_mount_path (entry));
  info->root_path = g_strdup (root != NULL ? root : "/");
  info->device = g_strdup (g_unix_mount_get_device_path (entry));
  info->fs_type = g_strdup (g_unix_mount_get_fs_type (entry));
  info->system = g_unix_mount_is_system_internal (entry);

  if (!info->system && info->device != NULL && info->device[0] == '/'
      && stat (info->device, &st) == 0 && S_ISBLK (st.st_mode))
    {
      info->block_device = TRUE;
      info->removable = device_is_removable (info->device, st.st_rdev);
      probe_device (info, st.st_rdev);
    }

  return info;
}

/**
 * ks_mount_info_for_path:
 * @path: an existing file or folder
 *
 * Returns: (transfer full): the mounted file system that holds @path, or %NULL with @error
 */
KsMountInfo *
ks_mount_info_for_path (const char  *path,
                        GError     **error)
{
  g_autofree char *real = NULL;
  GUnixMountEntry *entry;
  KsMountInfo *info;

  g_return_val_if_fail (path != NULL, NULL);

  real = realpath (path, NULL);
  if (real == NULL)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", path, g_strerror (errsv));
      return NULL;
    }

  entry = g_unix_mount_for (real, NULL);
  if (entry == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "No mounted file system holds %s", real);
      return NULL;
    }

  info = info_from_entry (entry);
  g_unix_mount_free (entry);

  return info;
}

/**
 * ks_mount_info_list:
 *
 * Every mounted file system that is not the system's own (GLib's rule), probed.
 *
 * Returns: (transfer full) (element-type KsMountInfo): the mounts, in the table's order
 */
GPtrArray *
ks_mount_info_list (void)
{
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_mount_info_free);
  GList *entries = g_unix_mounts_get (NULL);

  for (GList *l = entries; l != NULL; l = l->next)
    {
      GUnixMountEntry *entry = l->data;

      if (!g_unix_mount_is_system_internal (entry))
        g_ptr_array_add (infos, info_from_entry (entry));
    }
  g_list_free_full (entries, (GDestroyNotify)g_unix_mount_free);

  return infos;
}

static gboolean
same_file_system (const char *a,
                  const char *b)
{
  struct stat sa, sb;

  return a != NULL && b != NULL && stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev;
}

/**
 * ks_mount_info_is_drive:
 *
 * The rule for a drive destination (one found again by its UUID wherever it mounts): a file
 * system on a block device, with a UUID, that is not one of the system's mounts (GLib's
 * list: /, /boot, /home, /var, …) nor the one holding / or the home folder, and that is
 * either on a removable, USB, memory-card or loop device, or mounted where drives are
 * (under /media, /run/media or /mnt). Anything else — a second internal disk mounted at
 * /data, a network share, a folder on this computer — is a folder destination.
 */
gboolean
ks_mount_info_is_drive (const KsMountInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);

  if (!info->block_device || info->uuid == NULL || info->system
      || g_strcmp0 (info->mount_path, "/") == 0
      || same_file_system (info->mount_path, "/")
      || same_file_system (info->mount_path, g_get_home_dir ()))
    return FALSE;

  return info->removable
         || g_str_has_prefix (info->mount_path, "/media/")
         || g_str_has_prefix (info->mount_path, "/run/media/")
         || g_str_has_prefix (info->mount_path, "/mnt/");
}

static gboolean
is_fat (const KsMountInfo *info)
{
  static const char *fat_types[] = { "vfat", "msdos", "fat", "umsdos", "fuse.fusefat", "fuse.vfat" };

  for (guint i = 0; i < G_N_ELEMENTS (fat_types); i++)
    if (g_strcmp0 (info->fs_type, fat_types[i]) == 0)
      return TRUE;

  return FALSE;
}

/**
 * ks_mount_info_get_max_file_size:
 *
 * Returns: the largest file the file system can hold, or 0 when it has no limit that
 *   matters for photos and videos
 */
guint64
ks_mount_info_get_max_file_size (const KsMountInfo *info)
{
  g_return_val_if_fail (info != NULL, 0);

  return is_fat (info) ? FAT_MAX_FILE_SIZE : 0;
}

/**
 * ks_mount_info_dup_fs_name:
 *
 * Returns: (transfer full): the file system's name for people: "FAT32", "exFAT", "ext4"
 */
char *
ks_mount_info_dup_fs_name (const KsMountInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  if (is_fat (info))
    return g_strdup (info->fs_version != NULL && g_str_has_prefix (info->fs_version, "FAT")
                     ? info->fs_version : "FAT32");
  if (g_strcmp0 (info->fs_type, "exfat") == 0)
    return g_strdup ("exFAT");
  if (g_strcmp0 (info->fs_type, "ntfs") == 0 || g_strcmp0 (info->fs_type, "ntfs3") == 0)
    return g_strdup ("NTFS");

  return g_strdup (info->fs_type);
}

/**
 * ks_mount_info_dup_limit_reason:
 * @where: the destination's name
 *
 * Returns: (transfer full) (nullable): why a file over ks_mount_info_get_max_file_size()
 *   cannot go there, as a part of a sentence; %NULL when there is no limit
 */
char *
ks_mount_info_dup_limit_reason (const KsMountInfo *info,
                                const char        *where)
{
  g_autofree char *fs = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  if (!is_fat (info))
    return NULL;

  fs = ks_mount_info_dup_fs_name (info);
  /* Translators: the first %s is a file system ("FAT32"), the second a destination's name */
  return g_strdup_printf (_("the %s file system of “%s” can’t hold files over 4 GiB; exFAT can"),
                          fs, where);
}
