/* test-ui-drives.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drive destinations in Preferences: a drive that is plugged in (an ext4 image on a loop
 * device, mounted under /media as a desktop would) says "Connected" with where it is and
 * offers Eject; a drive of the plan that is not plugged in says "Not connected" and when
 * it was last backed up to. Eject unmounts the drive (GIO, off the main thread) and the row
 * turns to "Not connected" by itself. Needs root and a loop device; skipped without. */

#include "config.h"

#include <adwaita.h>

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gio/gunixmounts.h>
#include <glib/gstdio.h>

#include "ks-application.h"
#include "ks-auto-backup.h"
#include "ks-automatic-page.h"
#include "ks-backup-plan-drives.h"
#include "ks-drive-destination.h"
#include "ks-drive-row.h"
#include "ks-preferences-window.h"
#include "ks-test-drive.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

static KsApplication *app;
static char *home;

static gboolean
plan_ready (gpointer data)
{
  return ks_application_get_backup_plan (app) != NULL;
}

static gboolean
label_starts_with (GtkWidget *widget,
                   gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_is_drawable (widget)
         && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), data);
}

typedef struct
{
  GtkWidget  *root;
  const char *prefix;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return ks_ui_test_find_widget (wait->root, label_starts_with, (gpointer)wait->prefix) != NULL;
}

static gboolean
label_gone (gpointer data)
{
  return !label_shown (data);
}

static void
count_labels (GtkWidget  *widget,
              const char *prefix,
              guint      *n)
{
  if (label_starts_with (widget, (gpointer)prefix))
    (*n)++;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_labels (child, prefix, n);
}

/* Both drives of the plan say they are not connected. */
static gboolean
two_not_connected (gpointer data)
{
  LabelWait *wait = data;
  guint n = 0;

  count_labels (wait->root, wait->prefix, &n);
  return n == 2;
}

static gboolean
is_eject_button (GtkWidget *widget,
                 gpointer   data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_is_drawable (widget)
         && g_object_get_data (G_OBJECT (widget), "ks-path") != NULL;
}

static gboolean
unmounted (gpointer data)
{
  g_autoptr(GUnixMountEntry) entry = g_unix_mount_at (data, NULL);

  return entry == NULL;
}

static void
added_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
test_last_backup_words (void)
{
  gint64 now = 1700000000;
  g_autofree char *never = ks_drive_row_format_last_backup (0, now);
  g_autofree char *today = ks_drive_row_format_last_backup (now - 3600, now);
  g_autofree char *yesterday = ks_drive_row_format_last_backup (now - 30 * 3600, now);
  g_autofree char *three = ks_drive_row_format_last_backup (now - 3 * 86400 - 60, now);

  g_assert_cmpstr (never, ==, "never backed up");
  g_assert_cmpstr (today, ==, "last backup today");
  g_assert_cmpstr (yesterday, ==, "last backup yesterday");
  g_assert_cmpstr (three, ==, "last backup 3 days ago");
}

/* The "Kept Elsewhere" switch of a destination (the enabled switch has an id but no plan). */
static gboolean
is_offsite_switch (GtkWidget *widget,
                   gpointer   id)
{
  return GTK_IS_SWITCH (widget) && g_object_get_data (G_OBJECT (widget), "ks-plan") != NULL
         && g_strcmp0 (g_object_get_data (G_OBJECT (widget), "ks-id"), id) == 0;
}

static gboolean
is_automatic_page (GtkWidget *widget,
                   gpointer   data)
{
  return KS_IS_AUTOMATIC_PAGE (widget);
}

/* A drive kept elsewhere counts as the offsite copy; one switched on in the Automatic page
 * starts a backup when it is plugged in. Both are the destination's options. */
static void
check_drive_switches (KsPreferencesWindow *prefs,
                      KsBackupPlan        *plan,
                      KsPlanDestination   *drive)
{
  const char *id = ks_plan_destination_get_id (drive);
  g_autofree char *offsite = NULL;
  GtkWidget *sw;
  KsAutomaticPage *page;
  AdwPreferencesPage *backups;
  GtkSwitch *on_plug;

  sw = ks_ui_test_find_widget (GTK_WIDGET (prefs), is_offsite_switch, (gpointer)id);
  g_assert_nonnull (sw);
  g_assert_true (gtk_widget_is_visible (sw));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sw)));
  gtk_switch_set_active (GTK_SWITCH (sw), TRUE);
  offsite = ks_backup_plan_dup_destination_option (plan, id, "offsite");
  g_assert_cmpstr (offsite, ==, "true");
  g_clear_pointer (&offsite, g_free);
  ks_ui_test_iterate (200);
  ks_ui_test_screenshot (GTK_WIDGET (prefs), "preferences-offsite");
  gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
  offsite = ks_backup_plan_dup_destination_option (plan, id, "offsite");
  g_assert_null (offsite);

  page = (KsAutomaticPage *)ks_ui_test_find_widget (GTK_WIDGET (prefs), is_automatic_page, NULL);
  g_assert_nonnull (page);
  on_plug = _ks_automatic_page_find_drive_switch (page, id);
  g_assert_nonnull (on_plug);
  g_assert_false (gtk_switch_get_active (on_plug));
  gtk_switch_set_active (on_plug, TRUE);
  g_assert_true (ks_auto_backup_get_drive_setting (plan, id));
  backups = adw_preferences_window_get_visible_page (ADW_PREFERENCES_WINDOW (prefs));
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (prefs), ADW_PREFERENCES_PAGE (page));
  ks_ui_test_iterate (300);
  ks_ui_test_screenshot (GTK_WIDGET (prefs), "preferences-automatic-drives");
  gtk_switch_set_active (on_plug, FALSE);
  g_assert_false (ks_auto_backup_get_drive_setting (plan, id));
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (prefs), backups);
}

static void
test_drive_rows (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *image = NULL;
  g_autofree char *loop = NULL;
  g_autofree char *why = NULL;
  g_autofree char *media = NULL;
  g_autofree char *mnt = NULL;
  g_autofree char *photos = NULL;
  g_autofree char *connected = NULL;
  g_autoptr(KsPlanDestination) drive = NULL;
  GAsyncResult *result = NULL;
  KsPreferencesWindow *prefs;
  KsBackupPlan *plan;
  GtkWidget *eject;
  LabelWait wait;

  tmp = g_dir_make_tmp ("ks-ui-drive-XXXXXX", &error);
  g_assert_no_error (error);
  image = g_build_filename (tmp, "drive.img", NULL);
  if (!ks_test_make_drive (image, "ext4", "Passport", 32 * 1024 * 1024, &loop, &why))
    {
      g_test_skip (why);
      g_remove (image);
      g_assert_cmpint (g_rmdir (tmp), ==, 0);
      return;
    }

  /* Where a desktop mounts drives, so GIO's volume monitor shows it (and can unmount it). */
  media = g_strdup ("/media/ks-ui-test-XXXXXX");
  g_assert_nonnull (g_mkdtemp (media));
  mnt = g_build_filename (media, "Passport", NULL);
  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  g_assert_cmpint (mount (loop, mnt, "ext4", 0, NULL), ==, 0);
  photos = g_build_filename (mnt, "Photos", NULL);
  g_assert_cmpint (g_mkdir (photos, 0755), ==, 0);

  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, 20000));
  plan = ks_application_get_backup_plan (app);

  /* Picked in Preferences, a folder on the drive becomes a drive destination. */
  ks_backup_plan_add_path_async (plan, photos, "Passport", NULL, added_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  drive = ks_backup_plan_add_path_finish (plan, result, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpint (ks_plan_destination_get_kind (drive), ==, KS_DESTINATION_KIND_DRIVE);

  /* And one that is not plugged in. */
  g_assert_nonnull (ks_backup_plan_add (plan, KS_DESTINATION_KIND_DRIVE, NULL, "Old Stick",
                                        "drive:0BAD-F00D/Photos", KS_BACKUP_METHOD_FILES, &error));
  g_assert_no_error (error);

  prefs = ks_preferences_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (prefs), 640, 560);
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (prefs), 20000));

  connected = g_strdup_printf ("Connected — %s", photos);
  wait.root = GTK_WIDGET (prefs);
  wait.prefix = connected;
  g_assert_true (ks_ui_test_wait_for (label_shown, &wait, 20000));
  wait.prefix = "Not connected — never backed up";
  g_assert_true (ks_ui_test_wait_for (label_shown, &wait, 20000));
  /* The free space comes a moment later. */
  wait.prefix = connected;
  ks_ui_test_iterate (300);
  ks_ui_test_screenshot (GTK_WIDGET (prefs), "preferences-drives");
  check_drive_switches (prefs, plan, drive);

  /* Eject: the drive is unmounted, and its row says so by itself. */
  eject = ks_ui_test_find_widget (GTK_WIDGET (prefs), is_eject_button, NULL);
  g_assert_nonnull (eject);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (eject), "ks-path"), ==, photos);
  g_signal_emit_by_name (eject, "clicked");
  g_assert_true (ks_ui_test_wait_for (unmounted, mnt, 20000));
  g_assert_true (ks_ui_test_wait_for (label_gone, &wait, 20000));
  wait.prefix = "Not connected";
  g_assert_true (ks_ui_test_wait_for (two_not_connected, &wait, 20000));
  g_assert_null (ks_ui_test_find_widget (GTK_WIDGET (prefs), is_eject_button, NULL));
  ks_ui_test_iterate (300);
  ks_ui_test_screenshot (GTK_WIDGET (prefs), "preferences-drive-ejected");

  gtk_window_destroy (GTK_WINDOW (prefs));
  ks_ui_test_iterate (100);

  if (!unmounted (mnt))
    umount2 (mnt, MNT_DETACH);
  ks_test_detach_drive (loop);
  g_assert_cmpint (g_rmdir (mnt), ==, 0);
  g_assert_cmpint (g_rmdir (media), ==, 0);
  g_assert_cmpint (g_remove (image), ==, 0);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  home = ks_ui_test_isolate_home ();
  {
    g_autofree char *nowhere = g_strdup_printf ("UNIX:%s/no-usbmuxd", home);

    g_setenv ("USBMUXD_SOCKET_ADDRESS", nowhere, TRUE);
  }

  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/UI/drives/last-backup-words", test_last_backup_words);
  g_test_add_func ("/Keepsake/UI/drives/rows", test_drive_rows);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  g_free (home);

  return ret;
}
