/* test-ui-drive-eject.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Eject after a backup to an external drive (an ext4 image on a loop device, mounted under
 * /media as a desktop would), from the emulated iPhone: while the backup runs the drive is
 * not ejected; the summary toast names the drive and offers Eject, which unmounts it (GIO,
 * off the main thread) and says it can be unplugged; a drive some program keeps busy stays
 * mounted and the toast says why; after a backup to two drives, "Eject Drives" ejects both.
 * Needs root and a loop device; skipped without. */

#include "config.h"

#include <adwaita.h>

#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gio/gunixmounts.h>
#include <glib/gstdio.h>

#include "ks-application.h"
#include "ks-backup-plan-drives.h"
#include "ks-drive-destination.h"
#include "ks-drive-eject.h"
#include "ks-test-drive.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS  90000
#define N_ASSETS 6

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static char *home;
static char *library;

/* The drive: NULL loop when the machine has none (every case then skips). */
static char *tmp;
static char *image;
static char *loop;
static char *why;
static char *media;
static char *mnt;
static char *photos;
static char *uuid;
/* A second drive, for a backup to two. */
static char *image2;
static char *loop2;
static char *mnt2;

static void
control (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (emulator, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

static gboolean
plan_ready (gpointer data)
{
  return ks_application_get_backup_plan (app) != NULL;
}

static gboolean
can_back_up (gpointer data)
{
  return gtk_widget_get_visible (window->backup_all_button)
         && gtk_widget_is_sensitive (window->backup_all_button);
}

static gboolean
run_running (gpointer data)
{
  return window->run != NULL && ks_backup_run_get_state (window->run) == KS_BACKUP_RUN_RUNNING;
}

static gboolean
run_done (gpointer data)
{
  return !_ks_window_get_job_running (window);
}

static gboolean
window_gone (gpointer data)
{
  return window == NULL;
}

static gboolean
is_mounted (const char *path)
{
  g_autoptr(GUnixMountEntry) entry = g_unix_mount_at (path, NULL);

  return entry != NULL;
}

static gboolean
unmounted (gpointer data)
{
  return !is_mounted (data);
}

static gboolean
label_starts_with (GtkWidget *widget,
                   gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_is_drawable (widget)
         && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), data);
}

static gboolean
label_shown (gpointer data)
{
  return ks_ui_test_find_widget (GTK_WIDGET (window), label_starts_with, data) != NULL;
}

static gboolean
button_shown (gpointer data)
{
  return ks_ui_test_find_by_label (GTK_WIDGET (window), data) != NULL;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

/* A failed assertion aborts: the drive must not stay mounted and attached behind it. Only
 * system calls here (a signal handler). */
static void
let_go (const char *mount_point,
        const char *loop_device)
{
  if (mount_point != NULL)
    umount2 (mount_point, MNT_DETACH);
  if (loop_device != NULL)
    {
      int fd = open (loop_device, O_RDONLY | O_CLOEXEC);

      if (fd >= 0)
        {
          ioctl (fd, LOOP_CLR_FD, 0);
          close (fd);
        }
    }
}

static void
abort_cb (int signum)
{
  let_go (mnt, loop);
  let_go (mnt2, loop2);
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
mount_drive (void)
{
  g_assert_cmpint (mount (loop, mnt, "ext4", 0, NULL), ==, 0);
}

/* Picked in Preferences, a folder on a drive becomes a drive destination. */
static KsPlanDestination *
add_drive (KsBackupPlan *plan,
           const char   *folder,
           const char   *name)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  KsPlanDestination *drive;

  ks_backup_plan_add_path_async (plan, folder, name, NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  drive = ks_backup_plan_add_path_finish (plan, result, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpint (ks_plan_destination_get_kind (drive), ==, KS_DESTINATION_KIND_DRIVE);

  return drive;
}

/* Back Up Everything to the plan's only destination, the drive, and wait for its summary. */
static void
back_up (void)
{
  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (ks_ui_test_wait_for (run_done, NULL, WAIT_MS));
}

/* Clicks the toast's @label ("_Eject"), as a user would. */
static void
click_eject (const char *label,
             const char *screenshot)
{
  GtkWidget *button;

  g_assert_true (ks_ui_test_wait_for (button_shown, (gpointer) label, WAIT_MS));
  if (screenshot != NULL)
    ks_ui_test_screenshot (GTK_WIDGET (window), screenshot);
  button = ks_ui_test_find_by_label (GTK_WIDGET (window), label);
  g_assert_true (GTK_IS_BUTTON (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
test_setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPlanDestination) drive = NULL;
  KsBackupPlan *plan;

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 680);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (_ks_window_get_assets (window)), ==, N_ASSETS);
  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, WAIT_MS));

  tmp = g_dir_make_tmp ("ks-ui-eject-XXXXXX", &error);
  g_assert_no_error (error);
  image = g_build_filename (tmp, "drive.img", NULL);
  if (!ks_test_make_drive (image, "ext4", "Passport", 32 * 1024 * 1024, &loop, &why))
    {
      g_test_skip (why);
      return;
    }

  signal (SIGABRT, abort_cb);

  /* Where a desktop mounts drives, so GIO's volume monitor shows it (and can unmount it). */
  media = g_strdup ("/media/ks-ui-eject-XXXXXX");
  g_assert_nonnull (g_mkdtemp (media));
  mnt = g_build_filename (media, "Passport", NULL);
  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  mount_drive ();
  photos = g_build_filename (mnt, "Photos", NULL);
  g_assert_cmpint (g_mkdir (photos, 0755), ==, 0);

  /* The plan's only destination: a folder on the drive, which makes it a drive destination. */
  plan = ks_application_get_backup_plan (app);
  while (g_list_model_get_n_items (G_LIST_MODEL (plan)) > 0)
    {
      g_autoptr(KsPlanDestination) old = g_list_model_get_item (G_LIST_MODEL (plan), 0);

      g_assert_true (ks_backup_plan_remove (plan, ks_plan_destination_get_id (old), &error));
      g_assert_no_error (error);
    }
  drive = add_drive (plan, photos, "Passport");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), ==, 1);
  g_assert_true (ks_drive_location_parse (ks_plan_destination_get_location (drive), &uuid, NULL));
}

/* While a backup writes to the drive, ejecting it is refused with a sentence and does not
 * start; the backup then finishes. */
static void
test_refused_while_backing_up (void)
{
  GAsyncResult *result = NULL;
  g_autofree char *message = NULL;

  if (loop == NULL)
    {
      g_test_skip (why);
      return;
    }

  /* Slow enough that the run is still writing when the answer comes. */
  control ("rate 2000");
  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (ks_ui_test_wait_for (run_running, NULL, WAIT_MS));

  ks_drive_eject_async (photos, "Passport", uuid, window->service, GTK_WINDOW (window), NULL,
                        result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ks_drive_eject_finish (result, &message));
  g_clear_object (&result);
  g_assert_cmpstr (message, ==, "“Passport” can’t be ejected while a backup uses it");
  g_assert_true (run_running (NULL));
  g_assert_true (is_mounted (mnt));

  control ("rate 0");
  g_assert_true (ks_ui_test_wait_for (run_done, NULL, WAIT_MS));
}

/* The summary names the drive and offers Eject; Eject unmounts it and says it can be
 * unplugged. */
static void
test_eject_from_toast (void)
{
  g_autoptr(GPtrArray) assets = NULL;
  g_autoptr(GHashTable) device_contents = NULL;
  g_autoptr(GHashTable) found = NULL;
  const char *toast;

  if (loop == NULL)
    {
      g_test_skip (why);
      return;
    }

  /* The backup of the case before landed whole on the drive. */
  assets = ks_ui_test_dup_assets (window);
  device_contents = ks_ui_test_device_contents (window, library, assets);
  found = ks_ui_test_assert_only_whole_files (photos, device_contents);
  g_assert_cmpuint (g_hash_table_size (found), ==, g_hash_table_size (device_contents));

  toast = _ks_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_suffix (toast, " backed up to Passport"));
  g_assert_nonnull (_ks_window_get_toast (window));
  g_assert_cmpstr (adw_toast_get_button_label (_ks_window_get_toast (window)), ==, "_Eject");

  click_eject ("_Eject", "toast-eject");
  g_assert_true (ks_ui_test_wait_for (unmounted, mnt, WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (label_shown, (gpointer) "“Passport” can be unplugged", WAIT_MS));
  ks_ui_test_screenshot (GTK_WIDGET (window), "toast-ejected");
}

/* A program holding a file of the drive open: the drive stays mounted, and the toast says
 * what to do. */
static void
test_eject_busy (void)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *held_path = NULL;
  const char *toast;
  int held;

  if (loop == NULL)
    {
      g_test_skip (why);
      return;
    }

  mount_drive ();
  back_up ();
  toast = _ks_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_cmpstr (toast, ==, "Everything was already backed up to Passport");

  /* A photo on the drive open in another program. */
  files = ks_ui_test_list_files (photos);
  g_assert_cmpuint (files->len, >, 0);
  held = open (g_ptr_array_index (files, 0), O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (held, >=, 0);
  click_eject ("_Eject", NULL);
  g_assert_true (ks_ui_test_wait_for (label_shown,
                                      (gpointer) "“Passport” is in use; close the files open on it, then try again",
                                      WAIT_MS));
  ks_ui_test_screenshot (GTK_WIDGET (window), "toast-eject-busy");
  g_assert_true (is_mounted (mnt));
  held_path = g_strdup_printf ("/proc/self/fd/%d", held);
  g_assert_true (g_file_test (held_path, G_FILE_TEST_IS_REGULAR));
  close (held);
}

/* Toasts queue: each drive's comes in turn, in whichever order the drives were done. */
typedef struct
{
  gboolean passport;
  gboolean stick;
} Unplugged;

static gboolean
both_unplugged_said (gpointer data)
{
  Unplugged *seen = data;

  seen->passport |= label_shown ((gpointer) "“Passport” can be unplugged");
  seen->stick |= label_shown ((gpointer) "“Stick” can be unplugged");
  return seen->passport && seen->stick;
}

static gboolean
both_unmounted (gpointer data)
{
  return !is_mounted (mnt) && !is_mounted (mnt2);
}

/* A backup to two drives: the summary says so, and its button ejects both. */
static void
test_eject_two_drives (void)
{
  g_autoptr(KsPlanDestination) drive = NULL;
  g_autofree char *why2 = NULL;
  g_autofree char *stick = NULL;
  KsBackupPlan *plan = ks_application_get_backup_plan (app);
  Unplugged seen = { FALSE, FALSE };
  const char *toast;

  if (loop == NULL)
    {
      g_test_skip (why);
      return;
    }

  image2 = g_build_filename (tmp, "stick.img", NULL);
  if (!ks_test_make_drive (image2, "ext4", "Stick", 32 * 1024 * 1024, &loop2, &why2))
    {
      g_test_skip (why2);
      return;
    }
  mnt2 = g_build_filename (media, "Stick", NULL);
  g_assert_cmpint (g_mkdir (mnt2, 0755), ==, 0);
  g_assert_cmpint (mount (loop2, mnt2, "ext4", 0, NULL), ==, 0);
  stick = g_build_filename (mnt2, "Photos", NULL);
  g_assert_cmpint (g_mkdir (stick, 0755), ==, 0);

  drive = add_drive (plan, stick, "Stick");

  back_up ();
  toast = _ks_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_suffix (toast, " backed up to 2 drives"));
  g_assert_cmpstr (adw_toast_get_button_label (_ks_window_get_toast (window)), ==, "_Eject Drives");

  click_eject ("_Eject Drives", "toast-eject-drives");
  g_assert_true (ks_ui_test_wait_for (both_unmounted, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (both_unplugged_said, &seen, WAIT_MS));
}

static void
test_teardown (void)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));
}

/* The drive goes whatever happened; the image and its folders too. */
static void
remove_drive (void)
{
  if (loop2 != NULL)
    {
      if (is_mounted (mnt2))
        umount2 (mnt2, MNT_DETACH);
      ks_test_detach_drive (loop2);
    }
  if (mnt2 != NULL)
    g_rmdir (mnt2);
  if (loop != NULL)
    {
      if (is_mounted (mnt))
        umount2 (mnt, MNT_DETACH);
      ks_test_detach_drive (loop);
      g_rmdir (mnt);
      g_rmdir (media);
    }
  if (image2 != NULL)
    g_remove (image2);
  if (image != NULL)
    g_remove (image);
  if (tmp != NULL)
    g_rmdir (tmp);
  g_free (tmp);
  g_free (image);
  g_free (loop);
  g_free (why);
  g_free (media);
  g_free (mnt);
  g_free (photos);
  g_free (uuid);
  g_free (image2);
  g_free (loop2);
  g_free (mnt2);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  home = ks_ui_test_isolate_home ();
  library = g_build_filename (home, "phone", NULL);

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (library, N_ASSETS, 7, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error, "--device", library, "--name", "Eject Test iPhone", NULL);
  g_assert_no_error (error);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/drive-eject/setup", test_setup);
  g_test_add_func ("/Keepsake/Window/drive-eject/refused-while-backing-up", test_refused_while_backing_up);
  g_test_add_func ("/Keepsake/Window/drive-eject/from-toast", test_eject_from_toast);
  g_test_add_func ("/Keepsake/Window/drive-eject/busy", test_eject_busy);
  g_test_add_func ("/Keepsake/Window/drive-eject/two-drives", test_eject_two_drives);
  g_test_add_func ("/Keepsake/Window/drive-eject/teardown", test_teardown);

  ret = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  remove_drive ();
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (library);
  g_free (home);

  return ret;
}
