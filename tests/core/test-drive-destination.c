/* test-drive-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drive destinations on real file systems: vfat, exfat and ext4 images made with the
 * Debian tools, attached to loop devices and mounted (with the kernel's driver, or the
 * FUSE one where the kernel has none). A drive backed up at one mount point is the same
 * destination at another; FAT32's 4 GiB limit is named before the run; a drive unmounted
 * mid-run stops the run with "was disconnected", leaves nothing partial, and the next run
 * does the rest. Needs root and loop devices: without them these cases are skipped, with
 * the reason. The location parser needs neither. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-backup-plan.h"
#include "ks-catalog.h"
#include "ks-drive-destination.h"
#include "ks-drive-monitor.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"
#include "ks-import-job.h"
#include "ks-import-job-private.h"
#include "ks-mount-info.h"

#include "ks-test-drive.h"
#include "test-engine-util.h"

#define FIXED_TIME G_GINT64_CONSTANT (1686830400)
#define N_FILES 5

typedef struct
{
  char      *tmp;
  char      *src;
  char      *image;
  char      *loop;
  char      *mnt_a;
  char      *mnt_b;
  char      *mounted;    /* where it is mounted now, or NULL */
  gboolean   fuse;       /* mounted through FUSE */
  char      *node;       /* a device node of our own for the loop device, or NULL */
  KsCatalog *catalog;
  char      *skip;       /* why this case cannot run here */
} Fixture;

static void
write_random (const char *path,
              gsize       len,
              guint32     seed)
{
  write_random_file (path, len, seed, FIXED_TIME);
}

static void
make_source (Fixture *f)
{
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", i + 1);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random (path, 200 * 1024 + i, 100 + i);
    }
}

/* Makes an image with @fs_type's mkfs and attaches it to a loop device; sets f->skip when
 * this machine cannot. */
static void
make_drive (Fixture    *f,
            const char *fs_type)
{
  f->image = g_build_filename (f->tmp, "drive.img", NULL);
  ks_test_make_drive (f->image, fs_type, "KSDRIVE", 64 * 1024 * 1024, &f->loop, &f->skip);
}

/* Mounts the drive at @where: the kernel's driver, else the FUSE one (which names the
 * device in the mount table, as the kernel does). */
static void
mount_drive (Fixture    *f,
             const char *fs_type,
             const char *where)
{
  g_autofree char *why = NULL;

  g_assert_null (f->mounted);
  g_assert_cmpint (g_mkdir_with_parents (where, 0755), ==, 0);
  if (mount (f->loop, where, fs_type, 0, NULL) == 0)
    {
      f->fuse = FALSE;
    }
  else if (g_str_equal (fs_type, "vfat"))
    {
      g_autofree char *options = g_strdup_printf ("rw+,fsname=%s", f->loop);
      const char *argv[] = { "fusefat", "-o", options, f->loop, where, NULL };

      if (!ks_test_run_quietly (argv, NULL, &why))
        g_error ("no vfat in the kernel and %s", why);
      f->fuse = TRUE;
    }
  else if (g_str_equal (fs_type, "exfat"))
    {
      const char *argv[] = { "mount.exfat-fuse", f->loop, where, NULL };

      if (!ks_test_run_quietly (argv, NULL, &why))
        g_error ("no exfat in the kernel and %s", why);
      f->fuse = TRUE;
    }
  else
    {
      g_error ("mount -t %s %s %s: %s", fs_type, f->loop, where, g_strerror (errno));
    }
  f->mounted = g_strdup (where);
}

static void
unmount_drive (Fixture *f)
{
  g_assert_nonnull (f->mounted);
  g_assert_cmpint (umount2 (f->mounted, 0), ==, 0);
  g_clear_pointer (&f->mounted, g_free);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *catalog_path = NULL;

  f->tmp = g_dir_make_tmp ("ks-drive-XXXXXX", &error);
  g_assert_no_error (error);
  f->src = g_build_filename (f->tmp, "src", NULL);
  f->mnt_a = g_build_filename (f->tmp, "media", "Passport", NULL);
  f->mnt_b = g_build_filename (f->tmp, "mnt", "other", NULL);
  catalog_path = g_build_filename (f->tmp, "data", "catalog.db", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->src, 0755), ==, 0);
  f->catalog = ks_catalog_new (catalog_path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->catalog);
  if (f->mounted != NULL)
    umount2 (f->mounted, MNT_DETACH);
  if (f->loop != NULL)
    ks_test_detach_drive (f->loop);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->src);
  g_free (f->image);
  g_free (f->loop);
  g_free (f->mnt_a);
  g_free (f->mnt_b);
  g_free (f->mounted);
  g_free (f->node);
  g_free (f->skip);
}

static KsImportResult *
run_backup (Fixture              *f,
            KsDestination        *dest,
            KsImportJobFileHook   hook,
            gpointer              hook_data,
            GError              **error)
{
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;

  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  if (hook != NULL)
    _ks_import_job_set_file_hook (job, hook, hook_data);

  return ks_import_job_run (job, NULL, error);
}

/* Runs the main loop until the monitor says @id is at @path (%NULL: not connected); fails
 * after a minute, which only a broken monitor needs. */
static void
wait_for_drive (KsDriveMonitor *monitor,
                const char     *id,
                const char     *path)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!ks_drive_monitor_is_ready (monitor)
         || g_strcmp0 (ks_drive_monitor_get_path (monitor, id), path) != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_true (ks_drive_monitor_is_connected (monitor, id) == (path != NULL));
}

static void
count_change_cb (KsDriveMonitor *monitor,
                 const char     *id,
                 gboolean        connected,
                 gpointer        user_data)
{
  guint *n_changes = user_data;

  (*n_changes)++;
}

/* ---- the location, without any drive ---- */

static void
test_location (void)
{
  g_autofree char *loc = ks_drive_location_new ("1234-ABCD", "/Photos/2024/");
  g_autofree char *top = ks_drive_location_new ("1234-ABCD", "");
  g_autofree char *uuid = NULL;
  g_autofree char *inner = NULL;

  g_assert_cmpstr (loc, ==, "drive:1234-ABCD/Photos/2024");
  g_assert_cmpstr (top, ==, "drive:1234-ABCD/");
  g_assert_true (ks_drive_location_parse (loc, &uuid, &inner));
  g_assert_cmpstr (uuid, ==, "1234-ABCD");
  g_assert_cmpstr (inner, ==, "Photos/2024");
  g_clear_pointer (&inner, g_free);
  g_assert_true (ks_drive_location_parse (top, NULL, &inner));
  g_assert_cmpstr (inner, ==, "");

  /* Not drives, or leaving one. */
  g_assert_false (ks_drive_location_parse ("/media/anna/Passport", NULL, NULL));
  g_assert_false (ks_drive_location_parse ("drive:", NULL, NULL));
  g_assert_false (ks_drive_location_parse ("drive:/Photos", NULL, NULL));
  g_assert_false (ks_drive_location_parse ("drive:1234-ABCD", NULL, NULL));
  g_assert_false (ks_drive_location_parse ("drive:1234-ABCD/../etc", NULL, NULL));
  g_assert_null (ks_drive_destination_new ("/media/anna/Passport", NULL, NULL));

  /* A folder on this computer's own file system is not a drive. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *here = ks_drive_location_for_path (g_get_tmp_dir (), NULL, &error);

    g_assert_no_error (error);
    g_assert_null (here);
  }
}

/* ---- the same drive at another mount point ---- */

static void
test_remount (Fixture       *f,
              gconstpointer  data)
{
  const char *fs_type = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(KsDestination) dest = NULL;
  g_autoptr(KsDestination) again = NULL;
  g_autoptr(KsMountInfo) info = NULL;
  g_autofree char *folder_a = NULL;
  g_autofree char *folder_b = NULL;
  g_autofree char *location = NULL;
  g_autofree char *label = NULL;
  g_autofree char *found = NULL;
  g_autofree char *id = NULL;
  g_autoptr(KsDriveMonitor) monitor = NULL;
  guint n_changes = 0;
  KsPlanDestination *entry;

  make_drive (f, fs_type);
  if (f->skip != NULL)
    {
      g_test_skip (f->skip);
      return;
    }
  make_source (f);
  mount_drive (f, fs_type, f->mnt_a);

  /* What the mount table and the superblock say. */
  info = ks_mount_info_for_path (f->mnt_a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->mount_path, ==, f->mnt_a);
  g_assert_cmpstr (info->device, ==, f->loop);
  g_assert_cmpstr (info->fs_type, ==, fs_type);
  g_assert_nonnull (info->uuid);
  g_assert_true (ks_mount_info_is_drive (info));
  g_assert_cmpuint (ks_mount_info_get_max_file_size (info), ==,
                    g_str_equal (fs_type, "vfat") ? G_GUINT64_CONSTANT (0xFFFFFFFF) : 0);

  /* A folder on it is recognised as a drive by itself, and added as one. */
  folder_a = g_build_filename (f->mnt_a, "Photos", NULL);
  g_assert_cmpint (g_mkdir (folder_a, 0755), ==, 0);
  location = ks_drive_location_for_path (folder_a, &label, &error);
  g_assert_no_error (error);
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, "drive:"));
  g_assert_true (g_str_has_suffix (location, "/Photos"));
  g_assert_nonnull (strstr (location, info->uuid));
  /* FAT keeps labels in capitals; ext4 and exFAT as given. */
  g_assert_cmpint (g_ascii_strcasecmp (label, "KSDRIVE"), ==, 0);

  plan = ks_backup_plan_new (f->catalog, &error);
  g_assert_no_error (error);
  entry = ks_backup_plan_add (plan, KS_DESTINATION_KIND_DRIVE, NULL, "Passport", location,
                              KS_BACKUP_METHOD_FILES, &error);
  g_assert_no_error (error);
  g_assert_nonnull (entry);
  dest = ks_plan_destination_create_store (entry);
  g_assert_true (KS_IS_DRIVE_DESTINATION (dest));
  g_assert_cmpstr (ks_destination_get_kind (dest), ==, "drive");

  first = run_backup (f, dest, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->copied, ==, N_FILES);
  assert_backup_complete (f->src, folder_a);
  g_assert_cmpstr (ks_destination_get_id (dest), ==, ks_plan_destination_get_id (entry));
  ks_destination_close (dest);
  id = g_strdup (ks_destination_get_id (dest));
  g_clear_object (&dest);

  /* Watched: connected here, then not, then there. */
  monitor = ks_drive_monitor_new (plan);
  g_signal_connect (monitor, "drive-changed", G_CALLBACK (count_change_cb), &n_changes);
  wait_for_drive (monitor, id, folder_a);
  g_assert_false (ks_drive_monitor_is_connected (monitor, "not-a-drive"));

  /* Unplugged: not found, and a run says so. */
  unmount_drive (f);
  wait_for_drive (monitor, id, NULL);
  g_assert_null (ks_drive_location_find_path (location, id));
  {
    g_autoptr(KsDestination) gone = ks_plan_destination_create_store (entry);
    g_autoptr(GError) gone_error = NULL;

    g_assert_false (ks_destination_open (gone, NULL, &gone_error));
    g_assert_error (gone_error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
    g_assert_nonnull (strstr (gone_error->message, "not connected"));
  }

  /* Plugged in again somewhere else: the same destination; nothing to copy. */
  mount_drive (f, fs_type, f->mnt_b);
  folder_b = g_build_filename (f->mnt_b, "Photos", NULL);
  found = ks_drive_location_find_path (location, id);
  g_assert_cmpstr (found, ==, folder_b);
  wait_for_drive (monitor, id, folder_b);
  g_assert_cmpuint (n_changes, >=, 3);
  g_signal_handlers_disconnect_by_data (monitor, &n_changes);

  again = ks_plan_destination_create_store (entry);
  second = run_backup (f, again, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, 0);
  g_assert_cmpuint (second->skipped, ==, N_FILES);
  g_assert_cmpstr (ks_destination_get_id (again), ==, id);
  {
    g_autofree char *path = ks_drive_destination_dup_path (KS_DRIVE_DESTINATION (again));

    g_assert_cmpstr (path, ==, folder_b);
  }
  assert_backup_complete (f->src, folder_b);
  ks_destination_close (again);
  g_clear_object (&again);
  unmount_drive (f);
}

/* ---- FAT32's 4 GiB ---- */

static void
test_fat_limit (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsDestination) dest = NULL;
  g_autoptr(GHashTable) stored = NULL;
  g_autofree char *big = NULL;
  g_autofree char *location = NULL;
  g_autofree char *folder = NULL;
  KsImportFileError *fe;
  int fd;

  make_drive (f, "vfat");
  if (f->skip != NULL)
    {
      g_test_skip (f->skip);
      return;
    }
  make_source (f);
  /* A long 4K video: 4.5 GiB, sparse, so it costs no disk and is never read. */
  big = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0100.MOV", NULL);
  fd = open (big, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, G_GINT64_CONSTANT (4831838208)), ==, 0);
  close (fd);

  mount_drive (f, "vfat", f->mnt_a);
  /* A folder of its own: FUSE's fusefat shows the volume label as a file at the top. */
  folder = g_build_filename (f->mnt_a, "Photos", NULL);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  location = ks_drive_location_for_path (folder, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (location);
  dest = KS_DESTINATION (ks_drive_destination_new (location, NULL, "Passport"));

  result = run_backup (f, dest, NULL, NULL, &error);
  g_assert_no_error (error);

  /* The others went; the video is named, with why and what would do. */
  g_assert_cmpuint (result->copied, ==, N_FILES);
  g_assert_cmpuint (result->failed, ==, 1);
  g_assert_cmpstr (result->status, ==, "completed-with-errors");
  g_assert_cmpuint (result->errors->len, ==, 1);
  fe = g_ptr_array_index (result->errors, 0);
  g_assert_true (g_str_has_suffix (fe->path, "IMG_0100.MOV"));
  g_assert_cmpint (fe->code, ==, KS_IMPORT_ERROR_TOO_LARGE);
  g_test_message ("%s", fe->message);
  g_assert_nonnull (strstr (fe->message, "IMG_0100.MOV"));
  g_assert_nonnull (strstr (fe->message, "4.5"));
  g_assert_nonnull (strstr (fe->message, "GiB"));
  g_assert_nonnull (strstr (fe->message, "FAT32"));
  g_assert_nonnull (strstr (fe->message, "Passport"));
  g_assert_nonnull (strstr (fe->message, "exFAT"));

  stored = list_files (folder);
  g_assert_cmpuint (g_hash_table_size (stored), ==, N_FILES);
  assert_no_temp_files (folder);
  ks_destination_close (dest);
  g_clear_object (&dest);
  unmount_drive (f);
}

/* ---- pulled out mid-run ---- */

static void
unplug_after_second_cb (KsImportJob *job,
                        guint        n_finished,
                        gpointer     user_data)
{
  Fixture *f = user_data;

  if (n_finished != 2)
    return;

  if (f->node != NULL)
    {
      /* As when a USB drive is pulled: its device node goes at once; its file system stays
       * mounted (and working, here) until someone unmounts it. */
      g_assert_cmpint (g_unlink (f->node), ==, 0);
    }
  else
    {
      g_assert_cmpint (umount2 (f->mounted, MNT_DETACH), ==, 0);
      g_clear_pointer (&f->mounted, g_free);
    }
}

static void
test_unplugged (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) first = NULL;
  g_autoptr(KsImportResult) second = NULL;
  g_autoptr(KsDestination) dest = NULL;
  g_autoptr(KsDestination) again = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) stored = NULL;
  g_autofree char *location = NULL;
  g_autofree char *folder_b = NULL;
  g_autofree char *id = NULL;
  guint copied_first;

  make_drive (f, "ext4");
  if (f->skip != NULL)
    {
      g_test_skip (f->skip);
      return;
    }
  make_source (f);
  if (g_strcmp0 (data, "device-gone") == 0)
    {
      g_autofree char *dev_dir = g_build_filename (f->tmp, "dev", NULL);
      struct stat st;

      /* Mounted from a node of our own, which the test can take away. */
      g_assert_cmpint (stat (f->loop, &st), ==, 0);
      g_assert_cmpint (g_mkdir (dev_dir, 0755), ==, 0);
      f->node = g_build_filename (dev_dir, "ksdrive", NULL);
      g_assert_cmpint (mknod (f->node, S_IFBLK | 0600, st.st_rdev), ==, 0);
      g_assert_cmpint (g_mkdir_with_parents (f->mnt_a, 0755), ==, 0);
      g_assert_cmpint (mount (f->node, f->mnt_a, "ext4", 0, NULL), ==, 0);
      f->mounted = g_strdup (f->mnt_a);
    }
  else
    {
      mount_drive (f, "ext4", f->mnt_a);
    }
  location = ks_drive_location_for_path (f->mnt_a, NULL, &error);
  g_assert_no_error (error);
  dest = KS_DESTINATION (ks_drive_destination_new (location, NULL, "Passport"));

  first = run_backup (f, dest, unplug_after_second_cb, f, &error);
  g_assert_null (first);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "The drive “Passport” was disconnected"));
  id = g_strdup (ks_destination_get_id (dest));
  /* The last descriptors go: the detached file system is really let go. */
  ks_destination_close (dest);
  g_clear_object (&dest);
  g_clear_error (&error);
  if (f->mounted != NULL)
    unmount_drive (f);

  /* Back, elsewhere: no temporary left, and everything its index lists is whole. */
  mount_drive (f, "ext4", f->mnt_b);
  folder_b = ks_drive_location_find_path (location, id);
  g_assert_cmpstr (folder_b, ==, f->mnt_b);
  assert_no_temp_files (folder_b);
  stored = list_files (folder_b);
  copied_first = g_hash_table_size (stored);
  g_assert_cmpuint (copied_first, >=, 2);
  g_assert_cmpuint (copied_first, <, N_FILES);
  g_assert_cmpuint (count_index_lines (folder_b), ==, copied_first);

  again = KS_DESTINATION (ks_drive_destination_new (location, id, "Passport"));
  second = run_backup (f, again, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->copied, ==, N_FILES - copied_first);
  g_assert_cmpuint (second->skipped, ==, copied_first);
  assert_backup_complete (f->src, folder_b);

  /* The run let go of the drive; open it again to read every copy back. */
  g_assert_true (ks_destination_open (again, NULL, &error));
  g_assert_no_error (error);
  entries = ks_destination_list_entries (again);
  g_assert_cmpuint (entries->len, ==, N_FILES);
  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *hash = ks_destination_hash_file (again, entry->relative_path, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (hash, ==, entry->hash);
    }
  ks_destination_close (again);
  g_clear_object (&again);
  unmount_drive (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/drive/location", test_location);
  g_test_add ("/drive/remount/vfat", Fixture, "vfat", fixture_setup, test_remount, fixture_teardown);
  g_test_add ("/drive/remount/exfat", Fixture, "exfat", fixture_setup, test_remount, fixture_teardown);
  g_test_add ("/drive/remount/ext4", Fixture, "ext4", fixture_setup, test_remount, fixture_teardown);
  g_test_add ("/drive/fat-limit", Fixture, NULL, fixture_setup, test_fat_limit, fixture_teardown);
  g_test_add ("/drive/unplugged/lazy-unmount", Fixture, "lazy-unmount", fixture_setup, test_unplugged, fixture_teardown);
  g_test_add ("/drive/unplugged/device-gone", Fixture, "device-gone", fixture_setup, test_unplugged, fixture_teardown);

  return g_test_run ();
}
