/* ks-test-drive.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "ks-test-drive.h"

/**
 * ks_test_run_quietly:
 * @out_stdout: (out) (optional): what it printed, stripped
 * @out_why: (out): when it failed, why (its stderr)
 *
 * Runs a program (found in PATH) to its end.
 */
gboolean
ks_test_run_quietly (const char * const  *argv,
                     char               **out_stdout,
                     char               **out_why)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    {
      *out_why = g_strdup_printf ("%s: %s", argv[0], error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      *out_why = g_strdup_printf ("%s: %s", argv[0], g_strstrip (err));
      return FALSE;
    }
  if (out_stdout != NULL)
    *out_stdout = g_strdup (g_strstrip (out));
  return TRUE;
}

/**
 * ks_test_make_drive:
 * @image: the image file to make
 * @fs_type: "vfat" (FAT32), "exfat" or "ext4"
 * @out_loop: (out): the loop device it is attached to ("/dev/loop3")
 * @out_why: (out): why not, for g_test_skip()
 *
 * Returns: whether the drive is ready to mount
 */
gboolean
ks_test_make_drive (const char  *image,
                    const char  *fs_type,
                    const char  *label,
                    gsize        size,
                    char       **out_loop,
                    char       **out_why)
{
  const char *vfat[] = { "mkfs.vfat", "-F", "32", "-n", label, image, NULL };
  const char *exfat[] = { "mkfs.exfat", "-L", label, image, NULL };
  const char *ext4[] = { "mkfs.ext4", "-q", "-F", "-L", label, image, NULL };
  const char *attach[] = { "losetup", "--find", "--show", image, NULL };
  const char * const *mkfs = g_str_equal (fs_type, "vfat") ? vfat : g_str_equal (fs_type, "exfat") ? exfat : ext4;
  g_autofree char *why = NULL;
  int fd;

  if (geteuid () != 0)
    {
      *out_why = g_strdup ("needs root for loop devices and mounts");
      return FALSE;
    }

  fd = open (image, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  close (fd);

  if (!ks_test_run_quietly (mkfs, NULL, out_why))
    return FALSE;
  if (!ks_test_run_quietly (attach, out_loop, &why))
    {
      *out_why = g_strdup_printf ("no loop device: %s", why);
      return FALSE;
    }
  return TRUE;
}

void
ks_test_detach_drive (const char *loop)
{
  const char *detach[] = { "losetup", "-d", loop, NULL };
  g_autofree char *ignored = NULL;

  ks_test_run_quietly (detach, NULL, &ignored);
}
