/* test-ui-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Drives the main window against the emulated iPhone the way a user would: trust the computer,
 * import a selection, cancel a backup, unplug during one and resume, add a second destination,
 * and close the window while a backup runs. Every result is checked on disk. The cases run in
 * order on one window and one emulator, each starting from where the previous one ended. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ks-application.h"
#include "ks-device-source.h"
#include "ks-layout.h"
#include "ks-photo-cell.h"
#include "ks-advisor-window.h"
#include "ks-automatic-page.h"
#include "ks-background-monitor.h"
#include "ks-jpeg-copy-job.h"
#include "ks-jpeg-copy-row.h"
#include "ks-preferences-window.h"
#include "ks-protection-panel.h"
#include "ks-settings.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

#define WAIT_MS 60000
#define N_ASSETS 40

static KsApplication *app;
static KsTestEmulator *emulator;
static KsWindow *window;
static GSettings *settings;
static char *home;
static char *library;

/* A stand-in for the desktop's notification server, on the test's session bus. */
static char *notified_summary;
static char *notified_body;

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *object_path,
                         const char            *interface_name,
                         const char            *method_name,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  /* Only this process's: other tests may share the session bus. */
  if (g_str_equal (method_name, "Notify")
      && g_strcmp0 (sender, g_dbus_connection_get_unique_name (connection)) != 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", 2));
  else if (g_str_equal (method_name, "Notify"))
    {
      g_free (notified_summary);
      g_free (notified_body);
      g_variant_get_child (parameters, 3, "s", &notified_summary);
      g_variant_get_child (parameters, 4, "s", &notified_body);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", 1));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(@as ['body'],)"));
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "keepsake", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable notifications_vtable = { notifications_method_cb };

static void
start_notification_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (app));

  g_assert_no_error (error);
  g_assert_nonnull (bus);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &notifications_vtable,
                                     NULL, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
}

static gboolean
can_notify (gpointer data)
{
  return ks_application_can_notify (app);
}

static gboolean
notified (gpointer data)
{
  return notified_body != NULL;
}

static void
control (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (emulator, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

static KsBackupService *
service (void)
{
  KsBackupService *ret = ks_application_get_backup_service (app);

  g_assert_nonnull (ret);
  return ret;
}

static gboolean
service_idle (gpointer data)
{
  return !ks_backup_service_is_busy (service ());
}

static char *
checksum_file (const char *path)
{
  return ks_ui_test_checksum_file (path);
}

/* The content hashes of every file of @assets, as the device holds them. */
static GHashTable *
expected_contents (GPtrArray *assets)
{
  return ks_ui_test_device_contents (window, library, assets);
}

static GPtrArray *
all_assets (void)
{
  return ks_ui_test_dup_assets (window);
}

static GHashTable *
assert_only_whole_files (const char *dir,
                         GHashTable *device_contents)
{
  return ks_ui_test_assert_only_whole_files (dir, device_contents);
}

static void
assert_holds_exactly (const char *dir,
                      GHashTable *expected)
{
  g_autoptr(GPtrArray) assets = all_assets ();
  g_autoptr(GHashTable) device_contents = expected_contents (assets);
  g_autoptr(GHashTable) found = assert_only_whole_files (dir, device_contents);
  GHashTableIter iter;
  gpointer sum;

  g_assert_cmpuint (g_hash_table_size (found), ==, g_hash_table_size (expected));
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &sum, NULL))
    g_assert_true (g_hash_table_contains (found, sum));
}

typedef struct
{
  GPtrArray *assets;
  int        copies;
} BadgeWait;

/* The bound cells of @assets show @copies (others are not looked at). */
static gboolean
badges_show (gpointer data)
{
  BadgeWait *wait = data;
  g_autoptr(GPtrArray) cells = ks_photo_grid_list_bound_cells (_ks_window_get_photo_grid (window));
  guint seen = 0;

  for (guint i = 0; i < cells->len; i++)
    {
      KsPhotoCell *cell = g_ptr_array_index (cells, i);
      KsAsset *asset = ks_photo_cell_get_asset (cell);

      if (asset == NULL || (wait->assets != NULL && !g_ptr_array_find (wait->assets, asset, NULL)))
        continue;
      if (ks_photo_cell_get_copies (cell) != wait->copies)
        return FALSE;
      seen++;
    }

  return seen > 0;
}

static gboolean
progress_started (gpointer data)
{
  KsProgressPanel *panel = _ks_window_get_progress_panel (window);

  return _ks_window_get_progress_revealed (window)
         && g_str_has_prefix (ks_progress_panel_get_title (panel), "Copying")
         && strstr (ks_progress_panel_get_details (panel), " of ") != NULL
         && !g_str_has_prefix (ks_progress_panel_get_details (panel), "0 bytes");
}

static gboolean
can_back_up (gpointer data)
{
  return gtk_widget_get_visible (window->backup_all_button)
         && gtk_widget_is_sensitive (window->backup_all_button);
}

/* What a user does: wait until Back Up Everything can be clicked, click it. */
static void
back_up_everything (void)
{
  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_true (_ks_window_get_job_running (window));
}

static gboolean
can_resume (gpointer data)
{
  return _ks_window_get_can_resume (window);
}

static char *
dup_default_destination (void)
{
  return g_build_filename (home, "Pictures", "iPhone", NULL);
}

/* The toast a backup of @assets to @where must show, worded from the assets themselves: a
 * user counts photos and videos, not the files (movie, edit, sidecar) of each. */
static char *
expected_backed_up_toast (GPtrArray  *assets,
                          const char *where)
{
  guint photos = 0, videos = 0;
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < assets->len; i++)
    {
      if (ks_asset_get_media_type (g_ptr_array_index (assets, i)) == KS_MEDIA_TYPE_VIDEO)
        videos++;
      else
        photos++;
    }
  g_assert_cmpuint (photos + videos, >, 0);

  if (photos > 0)
    g_string_append_printf (text, "%u %s", photos, photos == 1 ? "photo" : "photos");
  if (photos > 0 && videos > 0)
    g_string_append (text, " and ");
  if (videos > 0)
    g_string_append_printf (text, "%u %s", videos, videos == 1 ? "video" : "videos");
  g_string_append_printf (text, " backed up to %s", where);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static guint
count_videos (GPtrArray *assets)
{
  guint n = 0;

  for (guint i = 0; i < assets->len; i++)
    if (ks_asset_get_media_type (g_ptr_array_index (assets, i)) == KS_MEDIA_TYPE_VIDEO)
      n++;

  return n;
}

/* The grid shows @data photos and videos (filtering runs in steps between frames). */
static gboolean
grid_shows (gpointer data)
{
  return ks_photo_grid_get_n_shown (_ks_window_get_photo_grid (window)) == GPOINTER_TO_UINT (data);
}

static void
test_trust (void)
{
  GtkWidget *try_again;
  KsSourceRow *row;

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  /* The emulator asks "Trust This Computer?": the window says what to do on the iPhone. */
  g_assert_true (ks_ui_test_wait_page (window, "trust", WAIT_MS));
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (window), "Unlock Your iPhone and Tap “Trust”"));
  row = _ks_window_get_source_row (window);
  g_assert_nonnull (row);
  g_assert_cmpstr (ks_source_row_get_status (row), ==, "Unlock your iPhone and tap Trust");
  ks_ui_test_screenshot (GTK_WIDGET (window), "trust-page");

  /* "Don't Trust" tapped: the window offers Try Again. */
  control ("deny");
  g_assert_true (ks_ui_test_wait_page (window, "trust-denied", WAIT_MS));
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (window), "This Computer Is Not Trusted"));

  /* Try Again (Alt+T: its label's mnemonic), and Trust tapped this time: the grid appears
   * without anything else to do. */
  control ("ask");
  try_again = ks_ui_test_find_by_label (GTK_WIDGET (window), "_Try Again");
  g_assert_nonnull (try_again);
  g_assert_true (gtk_widget_mnemonic_activate (gtk_button_get_child (GTK_BUTTON (try_again)), FALSE));
  g_assert_true (ks_ui_test_wait_page (window, "trust", WAIT_MS));
  control ("trust");
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (_ks_window_get_assets (window)), ==, N_ASSETS);
}

/* A button with a mnemonic: its own label is not set (GTK 4.8 reads it with the underscore
 * and again through the label inside); a label inside has the mnemonic and names it. */
static gboolean
check_mnemonic (GtkWidget *widget,
                gpointer   data)
{
  guint *n_mnemonics = data;
  GtkWidget *child;

  if (!GTK_IS_BUTTON (widget))
    return FALSE;

  if (gtk_button_get_use_underline (GTK_BUTTON (widget)))
    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (widget)), ==, NULL);

  child = gtk_button_get_child (GTK_BUTTON (widget));
  if (GTK_IS_LABEL (child) && gtk_label_get_use_underline (GTK_LABEL (child)))
    {
      g_test_message ("mnemonic button: %s", gtk_label_get_label (GTK_LABEL (child)));
      g_assert_true (gtk_label_get_mnemonic_widget (GTK_LABEL (child)) == widget);
      g_assert_cmpuint (gtk_label_get_mnemonic_keyval (GTK_LABEL (child)), !=, GDK_KEY_VoidSymbol);
      (*n_mnemonics)++;
    }

  return FALSE;
}

static void
test_mnemonics (void)
{
  guint n_mnemonics = 0;

  /* Open Preferences, Try Again twice, Pair Again, Clear, Import Selected, What Can I Do?
   * (about photos only in iCloud), the progress panel's Cancel and Resume, and the protection
   * summary's Advice. */
  ks_ui_test_find_widget (GTK_WIDGET (window), check_mnemonic, &n_mnemonics);
  g_assert_cmpuint (n_mnemonics, ==, 10);
}

/* A shown window of @type, into *@out. */
static gboolean
find_mapped_toplevel (GType       type,
                      GtkWidget **out)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_mapped (w))
        {
          *out = w;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
label_contains (GtkWidget *widget,
                gpointer   data)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), data) != NULL;
}

static gboolean
find_advisor (gpointer data)
{
  return find_mapped_toplevel (KS_TYPE_ADVISOR_WINDOW, data);
}

/* The destination's free space is measured (on a worker) and shown. */
static gboolean
advisor_measured (gpointer data)
{
  return ks_ui_test_find_widget (data, label_contains, (gpointer)"free —") != NULL;
}

static void
test_import_selected (void)
{
  KsPhotoGrid *grid = _ks_window_get_photo_grid (window);
  GtkSelectionModel *selection = ks_photo_grid_get_selection (grid);
  g_autofree char *destination = dup_default_destination ();
  g_autoptr(GPtrArray) selected = NULL;
  g_autoptr(GHashTable) expected = NULL;
  BadgeWait badges;

  /* A new user has configured nothing: the default folder does not exist yet. */
  g_assert_false (g_file_test (destination, G_FILE_TEST_EXISTS));

  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));

  /* Click, then Ctrl-click twice. */
  gtk_selection_model_select_item (selection, 0, TRUE);
  gtk_selection_model_select_item (selection, 2, FALSE);
  gtk_selection_model_select_item (selection, 5, FALSE);
  g_assert_cmpuint (ks_photo_grid_get_n_selected (grid), ==, 3);
  g_assert_true (gtk_action_bar_get_revealed (_ks_library_page_get_selection_bar (window->library_page)));
  g_assert_cmpstr (gtk_label_get_text (_ks_library_page_get_selection_label (window->library_page)), ==, "3 selected");

  selected = ks_photo_grid_dup_selected (grid);
  expected = expected_contents (selected);
  /* Companions (Live movies, edits, sidecars) come along with their photo. */
  g_assert_cmpuint (g_hash_table_size (expected), >=, 3);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.import-selected", NULL);
  g_assert_true (_ks_window_get_job_running (window));
  g_assert_true (_ks_window_get_progress_revealed (window));
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));

  assert_holds_exactly (destination, expected);
  {
    /* Three photos or videos were picked; the toast counts them, not their files. */
    g_autofree char *toast = expected_backed_up_toast (selected, "Pictures/iPhone");

    g_test_message ("%u files copied: %s", g_hash_table_size (expected), toast);
    g_assert_cmpstr (_ks_window_get_last_toast (window), ==, toast);
    /* And it is what the window shows. */
    g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (window), toast));
    ks_ui_test_screenshot (GTK_WIDGET (window), "toast-backed-up");
  }
  g_assert_false (_ks_window_get_progress_revealed (window));
  g_assert_cmpuint (ks_photo_grid_get_n_selected (grid), ==, 0);

  /* The three cells get their backed-up badge; the sidebar counts what is left. */
  badges.assets = selected;
  badges.copies = 1;
  g_assert_true (ks_ui_test_wait_for (badges_show, &badges, WAIT_MS));
  g_assert_cmpuint (_ks_window_get_n_not_backed_up (window), ==, N_ASSETS - 3);
  g_assert_cmpstr (ks_source_row_get_status (_ks_window_get_source_row (window)), ==, "37 not backed up yet");

  /* The protection summary: 37 only on the phone, 3 with one copy on this computer, which lacks
   * all three parts of the 3-2-1 rule; its line filters the grid to those 3. */
  {
    KsProtectionPanel *panel = KS_PROTECTION_PANEL (_ks_library_page_get_protection_panel (window->library_page));
    GtkWidget *line;

    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (panel)));
    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_ONLY_ON_DEVICE), ==, N_ASSETS - 3);
    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_NOT_321), ==, 3);
    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_SAFE), ==, 0);
    g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (panel), "37 photos are only on this iPhone"));
    g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (panel), "Missing: fewer than three copies, "
                                                "all backups on one kind of medium, no offsite copy"));
    line = ks_ui_test_find_by_label (GTK_WIDGET (panel), "3 photos are backed up, but not by the 3-2-1 rule");
    g_assert_nonnull (line);
    line = gtk_widget_get_ancestor (line, GTK_TYPE_BUTTON);
    g_assert_nonnull (line);
    g_assert_true (gtk_widget_get_mapped (line));
    g_signal_emit_by_name (line, "clicked");
    g_assert_cmpstr (window->filter_name, ==, "not-321");
    g_assert_true (ks_ui_test_wait_for (grid_shows, GUINT_TO_POINTER (3), WAIT_MS));
    ks_ui_test_screenshot (GTK_WIDGET (window), "protection-summary");
  }

  /* The advisor says the next step for this library: the 37 photos only on the phone. */
  {
    GtkWidget *advisor = NULL;

    gtk_widget_activate_action (GTK_WIDGET (window), "win.advisor", NULL);
    g_assert_true (ks_ui_test_wait_for (find_advisor, &advisor, WAIT_MS));
    g_assert_cmpstr (ks_advisor_window_get_next_step (KS_ADVISOR_WINDOW (advisor)), ==,
                     "Back up the 37 photos that are only on this iPhone: press Back Up Everything.");
    g_assert_cmpuint (ks_advisor_window_get_library (KS_ADVISOR_WINDOW (advisor))->photos
                      + ks_advisor_window_get_library (KS_ADVISOR_WINDOW (advisor))->videos, ==, N_ASSETS);
    g_assert_nonnull (ks_ui_test_find_by_label (advisor, "Free Cloud Storage"));
    /* The folder just got the three photos: backed up today, not overdue. */
    g_assert_nonnull (ks_ui_test_find_by_label (advisor, "Last backed up here today"));
    g_assert_true (ks_ui_test_wait_for (advisor_measured, advisor, WAIT_MS));
    ks_ui_test_screenshot (advisor, "advisor");
    gtk_window_destroy (GTK_WINDOW (advisor));
  }

  /* Not Backed Up hides them. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.filter", "s", "not-backed-up");
  g_assert_true (ks_ui_test_wait_for (grid_shows, GUINT_TO_POINTER (N_ASSETS - 3), WAIT_MS));
  /* Videos shows the library's videos, and only those. */
  {
    g_autoptr(GPtrArray) assets = all_assets ();
    guint n_videos = count_videos (assets);

    g_assert_cmpuint (n_videos, >, 0);
    g_assert_cmpuint (n_videos, <, N_ASSETS - 3);
    gtk_widget_activate_action (GTK_WIDGET (window), "win.filter", "s", "videos");
    g_assert_true (ks_ui_test_wait_for (grid_shows, GUINT_TO_POINTER (n_videos), WAIT_MS));
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.filter", "s", "all");
  g_assert_true (ks_ui_test_wait_for (grid_shows, GUINT_TO_POINTER (N_ASSETS), WAIT_MS));
}

static void
test_cancel (void)
{
  g_autofree char *destination = dup_default_destination ();
  g_autoptr(GPtrArray) assets = all_assets ();
  g_autoptr(GHashTable) device_contents = expected_contents (assets);
  g_autoptr(GHashTable) found = NULL;

  /* Slow enough to be seen and cancelled in the middle. */
  control ("rate 15000");

  back_up_everything ();
  g_assert_true (ks_ui_test_wait_for (progress_started, NULL, WAIT_MS));
  /* The previous run's summary does not linger over the new run's progress. */
  g_assert_null (_ks_window_get_toast (window));
  ks_ui_test_screenshot (GTK_WIDGET (window), "progress-panel");

  g_signal_emit_by_name (_ks_window_get_progress_panel (window), "cancel");
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));

  /* What was copied is whole; nothing half-written is left behind. */
  found = assert_only_whole_files (destination, device_contents);
  g_assert_cmpuint (g_hash_table_size (found), <, g_hash_table_size (device_contents));
  g_assert_false (_ks_window_get_progress_revealed (window));
  g_assert_true (g_str_has_prefix (_ks_window_get_last_toast (window), "Backup cancelled"));
}

static void
test_detach_resume (void)
{
  g_autofree char *destination = dup_default_destination ();
  g_autoptr(GPtrArray) assets = all_assets ();
  g_autoptr(GHashTable) device_contents = expected_contents (assets);
  KsProgressPanel *panel = _ks_window_get_progress_panel (window);
  BadgeWait badges = { NULL, 1 };

  control ("rate 60000");
  back_up_everything ();
  g_assert_true (ks_ui_test_wait_for (progress_started, NULL, WAIT_MS));

  /* Unplugged in the middle: the panel stays and says why the backup stopped. */
  control ("detach");
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));
  g_assert_true (_ks_window_get_progress_revealed (window));
  g_assert_cmpstr (ks_progress_panel_get_title (panel), ==, "Backup Stopped: the iPhone Was Disconnected");
  g_assert_true (g_str_has_suffix (ks_progress_panel_get_details (panel), "Connect the iPhone again to resume."));
  g_assert_false (ks_progress_panel_get_running (panel));
  g_assert_false (_ks_window_get_can_resume (window));
  ks_ui_test_screenshot (GTK_WIDGET (window), "backup-stopped");
  g_hash_table_unref (assert_only_whole_files (destination, device_contents));

  /* Plugged in again: the same library comes back and the backup can go on. */
  control ("rate 0");
  control ("attach");
  g_assert_true (ks_ui_test_wait_for (can_resume, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_signal_emit_by_name (panel, "resume");
  g_assert_true (_ks_window_get_job_running (window));
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));
  g_test_message ("After resuming: %s / %s / %s", _ks_window_get_last_toast (window),
                  ks_progress_panel_get_title (panel), ks_progress_panel_get_details (panel));

  assert_holds_exactly (destination, device_contents);
  g_assert_false (_ks_window_get_progress_revealed (window));
  g_assert_true (ks_ui_test_wait_for (badges_show, &badges, WAIT_MS));
  g_assert_cmpuint (_ks_window_get_n_not_backed_up (window), ==, 0);
}

static gboolean
find_preferences (gpointer data)
{
  return find_mapped_toplevel (KS_TYPE_PREFERENCES_WINDOW, data);
}

/* The application's backup plan, once its catalog is open. */
static gboolean
plan_ready (gpointer data)
{
  return ks_application_get_backup_plan (app) != NULL;
}

static KsBackupPlan *
test_plan (void)
{
  g_assert_true (ks_ui_test_wait_for (plan_ready, NULL, WAIT_MS));
  return ks_application_get_backup_plan (app);
}

static void
add_plan_folder (const char *path)
{
  g_autoptr(GError) error = NULL;

  ks_backup_plan_add_folder (test_plan (), path, NULL, FALSE, &error);
  g_assert_no_error (error);
}

static void
add_destination (const char *path)
{
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  add_plan_folder (path);
}

static void
test_preferences_layout (void)
{
  GtkWidget *prefs = NULL;
  g_autoptr(KsAsset) newest = g_list_model_get_item (_ks_window_get_assets (window), 0);
  g_autofree char *expected = NULL;
  GtkEditable *entry;

  /* Preferences opened from the window show the layout applied to its newest photo. */
  gtk_window_present (GTK_WINDOW (window));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (ks_ui_test_wait_for (find_preferences, &prefs, WAIT_MS));
  expected = ks_layout_preview ("{year}/{month}/{name}", newest, "Test iPhone", NULL);
  g_assert_cmpstr (ks_preferences_window_get_layout_preview (KS_PREFERENCES_WINDOW (prefs)), ==, expected);
  g_assert_true (g_str_has_suffix (expected, ks_asset_get_name (newest)));

  /* A layout without the file name is refused and not stored. */
  entry = GTK_EDITABLE (ks_ui_test_find_by_label (prefs, "_Layout") ? gtk_widget_get_ancestor (ks_ui_test_find_by_label (prefs, "_Layout"), ADW_TYPE_ENTRY_ROW) : NULL);
  g_assert_nonnull (entry);
  gtk_editable_set_text (entry, "{year}/{month}");
  g_assert_null (ks_preferences_window_get_layout_preview (KS_PREFERENCES_WINDOW (prefs)));
  g_assert_cmpstr (ks_backup_plan_get_layout (test_plan ()), ==, "{year}/{month}/{name}");

  /* A valid one is previewed with the real photo and stored. */
  gtk_editable_set_text (entry, "{device}/{year}/{name}");
  g_clear_pointer (&expected, g_free);
  expected = ks_layout_preview ("{device}/{year}/{name}", newest, "Test iPhone", NULL);
  g_assert_true (g_str_has_prefix (expected, "Test iPhone/"));
  g_assert_cmpstr (ks_preferences_window_get_layout_preview (KS_PREFERENCES_WINDOW (prefs)), ==, expected);
  g_assert_cmpstr (ks_backup_plan_get_layout (test_plan ()), ==, "{device}/{year}/{name}");

  ks_ui_test_screenshot (prefs, "preferences-layout");
  gtk_window_destroy (GTK_WINDOW (prefs));
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
file_absent (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
is_automatic_page (GtkWidget *widget,
                   gpointer   data)
{
  return KS_IS_AUTOMATIC_PAGE (widget);
}

static gboolean
row_shown (gpointer data)
{
  GtkWidget *prefs = NULL;

  return find_preferences (&prefs) && ks_ui_test_find_by_label (prefs, data) != NULL;
}

/* Preferences' Automatic page: starting at login writes and removes the autostart entry, which
 * starts this program with --background; the iPhone backed up before has its switch, stored in
 * the catalog; reminders' days go to the plan. */
static void
test_preferences_automatic (void)
{
  GtkWidget *prefs = NULL;
  KsAutomaticPage *page;
  GtkSwitch *device_switch;
  GtkSwitch *full_switch;
  g_autofree char *entry = g_build_filename (g_get_user_config_dir (), "autostart",
                                             APP_ID ".desktop", NULL);
  g_autofree char *udid = g_strdup (ks_device_get_udid (window->device));
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *exec = NULL;
  g_autoptr(GError) error = NULL;

  gtk_window_present (GTK_WINDOW (window));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (ks_ui_test_wait_for (find_preferences, &prefs, WAIT_MS));
  page = (KsAutomaticPage *)ks_ui_test_find_widget (prefs, is_automatic_page, NULL);
  g_assert_nonnull (page);
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (prefs), ADW_PREFERENCES_PAGE (page));
  g_assert_true (ks_ui_test_wait_for (row_shown, (gpointer)"Back Up in the _Background", WAIT_MS));

  g_assert_false (gtk_switch_get_active (_ks_automatic_page_get_autostart_switch (page)));
  g_assert_false (g_file_test (entry, G_FILE_TEST_EXISTS));
  gtk_switch_set_active (_ks_automatic_page_get_autostart_switch (page), TRUE);
  g_assert_true (ks_ui_test_wait_for (file_exists, entry, WAIT_MS));
  g_assert_true (ks_background_monitor_get_autostart ());
  g_assert_true (g_key_file_load_from_file (keyfile, entry, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (exec, " --background"));
  g_assert_true (g_key_file_get_boolean (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY, NULL));

  /* The iPhone was backed up before: its switch is there, off until the person says so. */
  device_switch = _ks_automatic_page_find_device_switch (page, udid);
  g_assert_nonnull (device_switch);
  g_assert_false (gtk_switch_get_active (device_switch));
  gtk_switch_set_active (device_switch, TRUE);
  g_assert_cmpint (ks_auto_backup_get_device_setting (ks_application_get_catalog (app, NULL), udid),
                   ==, KS_AUTO_BACKUP_SETTING_ON);
  gtk_switch_set_active (device_switch, FALSE);
  g_assert_cmpint (ks_auto_backup_get_device_setting (ks_application_get_catalog (app, NULL), udid),
                   ==, KS_AUTO_BACKUP_SETTING_OFF);

  /* Full device backups by themselves only when chosen: off until switched on. */
  full_switch = _ks_automatic_page_find_full_switch (page, udid);
  g_assert_nonnull (full_switch);
  g_assert_false (gtk_switch_get_active (full_switch));
  g_assert_false (ks_auto_backup_get_device_full (ks_application_get_catalog (app, NULL), udid));
  gtk_switch_set_active (full_switch, TRUE);
  g_assert_true (ks_auto_backup_get_device_full (ks_application_get_catalog (app, NULL), udid));

  gtk_spin_button_set_value (_ks_automatic_page_get_reminder_spin (page), 10);
  g_assert_cmpuint (ks_backup_plan_get_reminder_days (test_plan ()), ==, 10);

  ks_ui_test_screenshot (prefs, "preferences-automatic");

  gtk_switch_set_active (full_switch, FALSE);
  gtk_switch_set_active (_ks_automatic_page_get_autostart_switch (page), FALSE);
  g_assert_true (ks_ui_test_wait_for (file_absent, entry, WAIT_MS));
  gtk_window_destroy (GTK_WINDOW (prefs));
}

static KsJpegCopyRow *
find_jpeg_row (GtkWidget *widget)
{
  if (KS_IS_JPEG_COPY_ROW (widget))
    return KS_JPEG_COPY_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      KsJpegCopyRow *row = find_jpeg_row (child);

      if (row != NULL)
        return row;
    }
  return NULL;
}

/* Each destination has its JPEG copies switch, off by default; switching it and choosing
 * where the copies go is stored in the plan at once, and the example follows the layout's. */
static void
test_preferences_jpeg (void)
{
  GtkWidget *prefs = NULL;
  KsBackupPlan *plan = test_plan ();
  g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), 0);
  const char *id = ks_plan_destination_get_id (dest);
  g_autofree char *option = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *dir = NULL, *stem = NULL, *ext = NULL;
  const char *layout_preview;
  KsJpegCopyRow *row;
  AdwComboRow *placement;

  gtk_window_present (GTK_WINDOW (window));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (ks_ui_test_wait_for (find_preferences, &prefs, WAIT_MS));
  /* Focus moving between the windows reloads the plan, which rebuilds the rows: let it. */
  ks_ui_test_iterate (300);

  row = find_jpeg_row (prefs);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  g_assert_false (adw_expander_row_get_enable_expansion (ADW_EXPANDER_ROW (row)));
  g_assert_false (ks_jpeg_copy_get_settings (plan, id, NULL, NULL));

  /* The example is the layout's example photo's JPEG copy, in a JPEG folder beside it. */
  layout_preview = ks_preferences_window_get_layout_preview (KS_PREFERENCES_WINDOW (prefs));
  g_assert_nonnull (layout_preview);
  g_test_message ("layout example %s, JPEG example %s", layout_preview, ks_jpeg_copy_row_get_example (row));
  if (ks_jpeg_copy_wants (layout_preview))
    {
      ks_jpeg_copy_target (layout_preview, KS_JPEG_PLACEMENT_SUBFOLDER, &dir, &stem, &ext);
      expected = g_strdup_printf ("%s/%s.%s", dir, stem, ext);
      g_assert_cmpstr (ks_jpeg_copy_row_get_example (row), ==, expected);
    }
  g_assert_nonnull (strstr (ks_jpeg_copy_row_get_example (row), "/JPEG/"));

  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (row), TRUE);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  option = ks_backup_plan_dup_destination_option (plan, id, KS_JPEG_OPTION_ENABLED);
  g_assert_cmpstr (option, ==, "true");

  placement = ADW_COMBO_ROW (gtk_widget_get_ancestor (ks_ui_test_find_by_label (GTK_WIDGET (row), "_Place"),
                                                      ADW_TYPE_COMBO_ROW));
  g_assert_nonnull (placement);
  adw_combo_row_set_selected (placement, 1);
  g_clear_pointer (&option, g_free);
  option = ks_backup_plan_dup_destination_option (plan, id, KS_JPEG_OPTION_PLACEMENT);
  g_assert_cmpstr (option, ==, "beside");
  g_assert_null (strstr (ks_jpeg_copy_row_get_example (row), "/JPEG/"));
  g_assert_true (g_str_has_suffix (ks_jpeg_copy_row_get_example (row), ".JPG"));

  /* Scrolled to the JPEG copies for the picture. */
  {
    GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (row), GTK_TYPE_SCROLLED_WINDOW));
    graphene_point_t at;

    ks_ui_test_iterate (100);
    g_assert_true (gtk_widget_compute_point (GTK_WIDGET (row), gtk_scrolled_window_get_child (scrolled),
                                             &GRAPHENE_POINT_INIT (0, 0), &at));
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scrolled), at.y - 160);
  }
  ks_ui_test_screenshot (prefs, "preferences-jpeg");

  /* Back as it was, for the other cases (the rows may have been rebuilt meanwhile). */
  row = find_jpeg_row (prefs);
  placement = ADW_COMBO_ROW (gtk_widget_get_ancestor (ks_ui_test_find_by_label (GTK_WIDGET (row), "_Place"),
                                                      ADW_TYPE_COMBO_ROW));
  g_assert_cmpuint (adw_combo_row_get_selected (placement), ==, 1);
  adw_combo_row_set_selected (placement, 0);
  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (row), FALSE);
  g_assert_false (ks_jpeg_copy_get_settings (plan, id, NULL, NULL));
  gtk_window_destroy (GTK_WINDOW (prefs));
}

static void
folder_added_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

/* What Preferences does with the folder the user picked. */
static void
add_plan_folder_as_preferences (const char *path)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  KsBackupPlan *plan = test_plan ();

  ks_backup_plan_add_folder_async (plan, path, NULL, NULL, folder_added_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (ks_backup_plan_add_folder_finish (plan, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);
}

/* One plan: keepsake-cli (another process, same catalog) lists what the window's plan holds. */
static void
assert_cli_lists_destination (const char *path)
{
  g_autofree char *cli = g_build_filename (g_getenv ("KS_BUILD_ROOT"), "src", "cli", "keepsake-cli", NULL);
  const char *argv[] = { cli, "destinations", "list", "--json", NULL };
  g_autofree char *out = NULL;
  g_autofree char *quoted = g_strdup_printf ("\"location\":\"%s\"", path);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  g_test_message ("keepsake-cli destinations list --json: %s", out);
  g_assert_nonnull (strstr (out, quoted));
}

/* The switch of the destination row for @data, a folder, in Preferences. */
static gboolean
is_destination_switch (GtkWidget *widget,
                       gpointer   data)
{
  KsPlanDestination *dest = ks_backup_plan_lookup (test_plan (), data);

  return GTK_IS_SWITCH (widget) && dest != NULL
         && g_strcmp0 (g_object_get_data (G_OBJECT (widget), "ks-id"), ks_plan_destination_get_id (dest)) == 0;
}

#define NO_DESTINATION_TEXT "No backup destination is switched on"

static gboolean
no_destination_shown (gpointer data)
{
  return ks_ui_test_find_by_label (GTK_WIDGET (window), NO_DESTINATION_TEXT) != NULL;
}

static gboolean
no_destination_hidden (gpointer data)
{
  return !no_destination_shown (data) && can_back_up (data);
}

static gboolean
nothing_selected (gpointer data)
{
  return ks_photo_grid_get_n_selected (data) == 0;
}

/* How many of the window's photos and videos a switched-on destination holds. */
static guint
count_backed_up (void)
{
  GListModel *assets = _ks_window_get_assets (window);
  KsCopyCounter *index = _ks_window_get_backup_index (window);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (assets); i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (assets, i);

      if (ks_copy_counter_get_copies (index, asset) > 0)
        n++;
    }

  return n;
}

/* Nothing counts as backed up: not in the index, not on the cells, not in the window. */
static gboolean
nothing_backed_up (gpointer data)
{
  BadgeWait none = { NULL, 0 };

  return ks_copy_counter_is_known (_ks_window_get_backup_index (window))
         && count_backed_up () == 0
         && _ks_window_get_n_not_backed_up (window) == g_list_model_get_n_items (_ks_window_get_assets (window))
         && badges_show (&none);
}

static gboolean
backed_up_again (gpointer data)
{
  return ks_copy_counter_is_known (_ks_window_get_backup_index (window))
         && count_backed_up () == GPOINTER_TO_UINT (data);
}

static void
test_no_destination (void)
{
  KsPhotoGrid *grid = _ks_window_get_photo_grid (window);
  GtkSelectionModel *selection = ks_photo_grid_get_selection (grid);
  g_autofree char *destination = dup_default_destination ();
  g_autoptr(GPtrArray) before = ks_ui_test_list_files (destination);
  g_autoptr(GPtrArray) after = NULL;
  GtkWidget *import_button;
  GtkWidget *open_prefs;
  GtkWidget *prefs = NULL;
  GtkWidget *toggle;
  GtkWidget *clear;
  g_autoptr(GError) error = NULL;
  guint n_backed_up;

  /* Some photos are not backed up yet: there is something Back Up Everything would copy. */
  g_assert_cmpuint (_ks_window_get_n_not_backed_up (window), >, 0);
  g_assert_true (ks_ui_test_wait_for (can_back_up, NULL, WAIT_MS));
  g_assert_false (no_destination_shown (NULL));
  /* And some are (Import Selected copied them). */
  n_backed_up = count_backed_up ();
  g_assert_cmpuint (n_backed_up, >, 0);

  /* The only destination switched off in Preferences: the window says so, with a way there. */
  ks_backup_plan_set_enabled (test_plan (), destination, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (ks_ui_test_wait_for (no_destination_shown, NULL, WAIT_MS));
  /* A folder switched off does not count: with none on, nothing is backed up (not the first
   * folder's copies, as if it were still on). */
  g_assert_true (ks_ui_test_wait_for (nothing_backed_up, NULL, WAIT_MS));
  open_prefs = ks_ui_test_find_by_label (GTK_WIDGET (window), "Open _Preferences");
  g_assert_nonnull (open_prefs);
  g_assert_true (gtk_widget_is_sensitive (open_prefs));

  /* No dead buttons: Back Up Everything and Import Selected are off, not silently writing to
   * the folder the user switched off. */
  g_assert_true (gtk_widget_get_visible (window->backup_all_button));
  g_assert_false (gtk_widget_is_sensitive (window->backup_all_button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (window->backup_all_button), ==, NO_DESTINATION_TEXT);
  gtk_selection_model_select_item (selection, 1, TRUE);
  g_assert_true (gtk_action_bar_get_revealed (_ks_library_page_get_selection_bar (window->library_page)));
  import_button = ks_ui_test_find_by_label (GTK_WIDGET (window), "_Import Selected");
  g_assert_nonnull (import_button);
  g_assert_false (gtk_widget_is_sensitive (import_button));
  ks_ui_test_screenshot (GTK_WIDGET (window), "no-destination");

  /* Their shortcuts do nothing either. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.import-selected", NULL);
  g_assert_false (_ks_window_get_job_running (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.back-up-everything", NULL);
  g_assert_false (_ks_window_get_job_running (window));
  ks_ui_test_iterate (300);
  after = ks_ui_test_list_files (destination);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < after->len; i++)
    g_assert_cmpstr (g_ptr_array_index (after, i), ==, g_ptr_array_index (before, i));
  g_assert_false (_ks_window_get_progress_revealed (window));

  /* The bar's button opens Preferences; switching the folder on there brings the actions back. */
  g_signal_emit_by_name (open_prefs, "clicked");
  g_assert_true (ks_ui_test_wait_for (find_preferences, &prefs, WAIT_MS));
  toggle = ks_ui_test_find_widget (prefs, is_destination_switch, destination);
  g_assert_nonnull (toggle);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));
  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  g_assert_true (ks_plan_destination_get_enabled (ks_backup_plan_lookup (test_plan (), destination)));
  g_assert_true (ks_ui_test_wait_for (no_destination_hidden, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (backed_up_again, GUINT_TO_POINTER (n_backed_up), WAIT_MS));
  g_assert_true (gtk_widget_is_sensitive (import_button));
  gtk_window_destroy (GTK_WINDOW (prefs));

  /* Clear, through its mnemonic (Alt+C). */
  clear = ks_ui_test_find_by_label (GTK_WIDGET (window), "_Clear");
  g_assert_nonnull (clear);
  g_assert_true (gtk_widget_mnemonic_activate (gtk_button_get_child (GTK_BUTTON (clear)), FALSE));
  g_assert_true (ks_ui_test_wait_for (nothing_selected, grid, WAIT_MS));
}

static void
test_second_destination (void)
{
  g_autofree char *first = dup_default_destination ();
  g_autofree char *second = g_build_filename (home, "Second Drive", NULL);
  g_autoptr(GPtrArray) assets = all_assets ();
  g_autoptr(GHashTable) device_contents = expected_contents (assets);
  BadgeWait badges = { NULL, 2 };

  g_assert_cmpint (g_mkdir (second, 0755), ==, 0);
  add_plan_folder_as_preferences (second);
  assert_cli_lists_destination (second);
  start_notification_server ();
  g_assert_true (ks_ui_test_wait_for (can_notify, NULL, WAIT_MS));

  back_up_everything ();
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));
  g_test_message ("Second destination: %s / %s", _ks_window_get_last_toast (window),
                  ks_progress_panel_get_details (_ks_window_get_progress_panel (window)));

  assert_holds_exactly (first, device_contents);
  assert_holds_exactly (second, device_contents);
  {
    /* The second destination was filled with the layout set in Preferences. */
    g_autoptr(GPtrArray) files = ks_ui_test_list_files (second);
    g_autofree char *prefix = g_build_filename (second, "Test iPhone", NULL);

    for (guint i = 0; i < files->len; i++)
      g_assert_true (g_str_has_prefix (g_ptr_array_index (files, i), prefix));
  }
  g_assert_true (ks_ui_test_wait_for (badges_show, &badges, WAIT_MS));
  g_assert_cmpstr (ks_source_row_get_status (_ks_window_get_source_row (window)), ==, "All 40 backed up");
  /* Two folders on this computer: three copies, but one kind of medium and nothing offsite. */
  {
    KsProtectionPanel *panel = KS_PROTECTION_PANEL (_ks_library_page_get_protection_panel (window->library_page));

    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_NOT_321), ==, 40);
    g_assert_cmpuint (ks_protection_panel_get_count (panel, KS_PROTECTION_ONLY_ON_DEVICE), ==, 0);
    g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (panel),
                                                "Missing: all backups on one kind of medium, no offsite copy"));
  }

  /* Every photo and video went to the second folder (the first had them all already): the
   * summary counts the library's own mix of photos and videos, and both folders. */
  {
    g_autofree char *toast = expected_backed_up_toast (assets, "2 folders");

    g_assert_cmpuint (count_videos (assets), >, 0);
    g_assert_cmpuint (count_videos (assets), <, assets->len);
    g_assert_cmpstr (_ks_window_get_last_toast (window), ==, toast);
    /* Shown now, not queued behind the toasts of the backups before. */
    g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (window), toast));
    ks_ui_test_screenshot (GTK_WIDGET (window), "toast-photos-and-videos");
  }

  /* Nobody was looking at the window (Preferences had the focus last): the desktop was told. */
  g_test_message ("Window active at the end: %d", gtk_window_is_active (GTK_WINDOW (window)));
  if (!gtk_window_is_active (GTK_WINDOW (window)))
    {
      g_assert_true (ks_ui_test_wait_for (notified, NULL, WAIT_MS));
      g_assert_cmpstr (notified_summary, ==, "Backup Finished");
      g_assert_cmpstr (notified_body, ==, _ks_window_get_last_toast (window));
    }
}

static gboolean
folder_all_backed_up (gpointer data)
{
  return ks_ui_test_find_by_label (GTK_WIDGET (_ks_sidebar_get_folder_list (window->sidebar)), "All 8 backed up") != NULL;
}

/* The bound cell of the asset whose file name is @name. */
static KsPhotoCell *
find_cell_by_name (const char *name)
{
  g_autoptr(GPtrArray) cells = ks_photo_grid_list_bound_cells (_ks_window_get_photo_grid (window));

  for (guint i = 0; i < cells->len; i++)
    {
      KsAsset *asset = ks_photo_cell_get_asset (g_ptr_array_index (cells, i));

      if (asset != NULL && g_str_equal (ks_asset_get_name (asset), name))
        return g_ptr_array_index (cells, i);
    }

  return NULL;
}

static gboolean
other_cells_shown (gpointer data)
{
  return find_cell_by_name ("IMG_0007.XYZ") != NULL && find_cell_by_name ("README") != NULL;
}

static void
test_folder_source (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_build_filename (home, "Camera Card", NULL);
  g_autofree char *destination = dup_default_destination ();
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) files = NULL;
  GListModel *assets;
  GtkListBoxRow *folder_row;
  GHashTableIter iter;
  gpointer sum;

  g_assert_true (ks_test_make_sample_library (folder, 6, 99, TRUE, &error));
  g_assert_no_error (error);
  /* Files of a type Keepsake does not know are on the card too: shown and backed up. */
  {
    g_autofree char *xyz = g_build_filename (folder, "DCIM", "100APPLE", "IMG_0007.XYZ", NULL);
    g_autofree char *readme = g_build_filename (folder, "DCIM", "100APPLE", "README", NULL);

    g_file_set_contents (xyz, "XYZ\001\002 not a picture", -1, &error);
    g_assert_no_error (error);
    g_file_set_contents (readme, "notes the camera kept\n", -1, &error);
    g_assert_no_error (error);
  }

  /* A folder of photos (a camera card) added to the sidebar shows like an iPhone. */
  ks_window_add_folder (window, folder);
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  assets = _ks_window_get_assets (window);
  g_assert_cmpuint (g_list_model_get_n_items (assets), ==, 8);
  g_assert_cmpstr (adw_window_title_get_title (window->content_title), ==, "Camera Card");
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (_ks_sidebar_get_folder_list (window->sidebar)), "8 not backed up yet"));

  /* Newest first, so on screen: a generic file icon and the file's name, no thumbnail. */
  g_assert_true (ks_ui_test_wait_for (other_cells_shown, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_thumbnails (window, WAIT_MS));
  {
    KsPhotoCell *cell = find_cell_by_name ("README");

    g_assert_cmpint (ks_photo_cell_get_thumbnail_state (cell), ==, KS_PHOTO_CELL_NO_PREVIEW);
    g_assert_cmpstr (ks_photo_cell_get_caption (cell), ==, "README");
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cell), "other-file"));
    g_assert_cmpstr (ks_photo_cell_get_caption (find_cell_by_name ("IMG_0007.XYZ")), ==, "IMG_0007.XYZ");
    g_assert_cmpint (ks_photo_cell_get_thumbnail_state (find_cell_by_name ("IMG_0007.XYZ")), ==, KS_PHOTO_CELL_NO_PREVIEW);
  }
  ks_ui_test_screenshot (GTK_WIDGET (window), "other-files");

  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (assets, i);
      GPtrArray *asset_files = ks_asset_get_files (asset);

      for (guint j = 0; j < asset_files->len; j++)
        {
          g_autofree char *path = g_build_filename (folder, ks_asset_file_get_path (g_ptr_array_index (asset_files, j)), NULL);

          g_hash_table_add (expected, checksum_file (path));
        }
    }

  back_up_everything ();
  g_assert_true (ks_ui_test_wait_job_done (window, WAIT_MS));

  files = ks_ui_test_list_files (destination);
  for (guint i = 0; i < files->len; i++)
    g_hash_table_add (found, checksum_file (g_ptr_array_index (files, i)));
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &sum, NULL))
    g_assert_true (g_hash_table_contains (found, sum));
  g_assert_true (ks_ui_test_wait_for (folder_all_backed_up, NULL, WAIT_MS));

  /* The folder removed from the sidebar: the window goes back to the iPhone by itself. */
  folder_row = gtk_list_box_get_row_at_index (_ks_sidebar_get_folder_list (window->sidebar), 0);
  g_assert_true (KS_IS_SOURCE_ROW (folder_row));
  g_signal_emit_by_name (folder_row, "remove");
  g_assert_null (gtk_list_box_get_row_at_index (_ks_sidebar_get_folder_list (window->sidebar), 0));
  {
    g_auto(GStrv) folders = g_settings_get_strv (settings, KS_SETTINGS_SOURCE_FOLDERS);

    g_assert_cmpuint (g_strv_length (folders), ==, 0);
  }
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_assert_true (ks_ui_test_wait_library_loaded (window, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (_ks_window_get_assets (window)), ==, N_ASSETS);
}

static void
test_locked (void)
{
  KsSourceRow *row;

  /* Plugged in while passcode-locked: the window asks to unlock, and goes on by itself. */
  control ("lock");
  control ("detach");
  control ("attach");
  g_assert_true (ks_ui_test_wait_page (window, "locked", WAIT_MS));
  row = _ks_window_get_source_row (window);
  g_assert_nonnull (row);
  g_assert_cmpstr (ks_source_row_get_status (row), ==, "Unlock your iPhone to continue");
  /* A locked iPhone does not say its name; the window still knows it. */
  g_assert_nonnull (ks_ui_test_find_by_label (GTK_WIDGET (row), "Test iPhone"));
  g_assert_false (gtk_widget_get_visible (window->backup_all_button));
  ks_ui_test_screenshot (GTK_WIDGET (window), "locked-page");

  control ("unlock");
  g_assert_true (ks_ui_test_wait_page (window, "grid", WAIT_MS));
  g_assert_true (gtk_widget_get_visible (window->backup_all_button));
  g_assert_cmpuint (g_list_model_get_n_items (_ks_window_get_assets (window)), ==, N_ASSETS);
}

static gboolean
find_message_dialog (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_mapped (w))
        {
          *(GtkWidget **)data = w;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
window_gone (gpointer data)
{
  return window == NULL;
}

static KsBackupRun *elsewhere_run;
/* The content hashes of every file of the library, for the tests without a window. */
static GHashTable *all_contents;

/* A run started without the window (keepsake-cli, the monitor, another window) for the iPhone
 * the window shows: the window shows its progress, and starts no second one. */
static void
test_run_started_elsewhere (void)
{
  g_autofree char *third = g_build_filename (home, "Third Drive", NULL);
  g_autoptr(GError) error = NULL;

  add_destination (third);
  control ("rate 60000");
  g_assert_false (_ks_window_get_progress_revealed (window));
  {
    g_autoptr(GPtrArray) assets = all_assets ();

    all_contents = expected_contents (assets);
  }

  elsewhere_run = ks_backup_service_back_up (service (), _ks_window_get_source (window),
                                             NULL, NULL, "test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (elsewhere_run);

  g_assert_true (ks_ui_test_wait_for (progress_started, NULL, WAIT_MS));
  g_assert_true (_ks_window_get_job_running (window));
  g_assert_cmpstr (ks_progress_panel_get_title (_ks_window_get_progress_panel (window)), !=, NULL);
  g_assert_false (gtk_widget_is_sensitive (window->backup_all_button));
}

static void
test_close_during_backup (void)
{
  g_autofree char *third = g_build_filename (home, "Third Drive", NULL);
  g_autoptr(GPtrArray) assets = all_assets ();
  g_autoptr(GHashTable) device_contents = expected_contents (assets);
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(KsBackupRun) run = g_steal_pointer (&elsewhere_run);
  GtkWidget *dialog = NULL;

  g_assert_nonnull (run);
  g_assert_true (_ks_window_get_job_running (window));

  /* Closing asks first; Cancel keeps the window. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (find_message_dialog, &dialog, WAIT_MS));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Keep Backing Up?");
  ks_ui_test_screenshot (dialog, "close-during-backup");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  ks_ui_test_iterate (200);
  g_assert_nonnull (window);
  g_assert_true (_ks_window_get_job_running (window));

  /* Keep Backing Up closes the window at once; the backup goes on without it. */
  dialog = NULL;
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (find_message_dialog, &dialog, WAIT_MS));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));
  g_assert_cmpint (ks_backup_run_get_state (run), !=, KS_BACKUP_RUN_FINISHED);
  g_assert_true (ks_backup_service_is_busy (service ()));

  /* And every photo and video lands, whole. */
  control ("rate 0");
  g_assert_true (ks_ui_test_wait_for (service_idle, NULL, WAIT_MS));
  g_assert_cmpint (ks_backup_run_get_state (run), ==, KS_BACKUP_RUN_FINISHED);
  g_assert_null (ks_backup_run_get_error (run));
  found = assert_only_whole_files (third, device_contents);
  g_assert_cmpuint (g_hash_table_size (found), ==, g_hash_table_size (device_contents));
}

static gboolean
window_shows_run (gpointer data)
{
  return window != NULL && _ks_window_get_progress_revealed (window)
         && _ks_window_get_job_running (window);
}

/* A window opened while a backup of its iPhone runs shows it; Stop Backup stops it. */
static void
test_stop_during_backup (void)
{
  g_autofree char *fourth = g_build_filename (home, "Fourth Drive", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsBackupRun) run = NULL;
  g_autoptr(KsSource) source = NULL;
  g_autoptr(GHashTable) found = NULL;
  GListModel *devices = ks_device_monitor_get_devices (ks_application_get_device_monitor (app));
  g_autoptr(KsDevice) device = g_list_model_get_item (devices, 0);
  GtkWidget *dialog = NULL;

  add_destination (fourth);
  /* Slow enough to be stopped in the middle, also under a sanitizer. */
  control ("rate 20000");
  g_assert_nonnull (device);
  source = KS_SOURCE (ks_device_source_new_for_device (device));
  run = ks_backup_service_back_up (service (), source, NULL, NULL, "test", &error);
  g_assert_no_error (error);

  window = ks_window_new (app);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (window_shows_run, NULL, WAIT_MS));
  g_assert_true (ks_ui_test_wait_for (progress_started, NULL, WAIT_MS));

  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_for (find_message_dialog, &dialog, WAIT_MS));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "stop");
  g_assert_true (ks_ui_test_wait_for (window_gone, NULL, WAIT_MS));

  /* The run stops and cleans up after itself: what is there is whole, and not everything. */
  g_assert_true (ks_ui_test_wait_for (service_idle, NULL, WAIT_MS));
  g_test_message ("Stopped run: %s", ks_backup_run_get_error (run) ? ks_backup_run_get_error (run)->message : "no error");
  g_assert_true (g_error_matches (ks_backup_run_get_error (run), KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED));
  found = assert_only_whole_files (fourth, all_contents);
  g_assert_cmpuint (g_hash_table_size (found), <, g_hash_table_size (all_contents));
  control ("rate 0");
  g_clear_pointer (&all_contents, g_hash_table_unref);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  home = ks_ui_test_isolate_home ();
  library = g_build_filename (home, "library", NULL);

  /* Idle pool threads exit instead of waiting for reuse (see ks_ui_test_stop_idle_threads()). */
  g_thread_pool_set_max_unused_threads (0);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* Page and panel transitions keep snapshots of the old page; instant ones make what the
   * test sees (and frees) not depend on the machine's speed. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_assert_true (ks_test_make_sample_library (library, N_ASSETS, 7, TRUE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error,
                                   "--device", library,
                                   "--name", "Test iPhone",
                                   "--trust", "ask",
                                   NULL);
  g_assert_no_error (error);

  settings = g_settings_new (APP_ID);
  app = ks_application_new ();
  /* The UI tests run side by side on one session bus: each is its own instance. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/Keepsake/Window/trust", test_trust);
  g_test_add_func ("/Keepsake/Window/mnemonics", test_mnemonics);
  g_test_add_func ("/Keepsake/Window/import-selected", test_import_selected);
  g_test_add_func ("/Keepsake/Window/no-destination", test_no_destination);
  g_test_add_func ("/Keepsake/Window/cancel", test_cancel);
  g_test_add_func ("/Keepsake/Window/detach-resume", test_detach_resume);
  g_test_add_func ("/Keepsake/Window/preferences-layout", test_preferences_layout);
  g_test_add_func ("/Keepsake/Window/preferences-automatic", test_preferences_automatic);
  g_test_add_func ("/Keepsake/Window/preferences-jpeg", test_preferences_jpeg);
  g_test_add_func ("/Keepsake/Window/second-destination", test_second_destination);
  g_test_add_func ("/Keepsake/Window/folder-source", test_folder_source);
  g_test_add_func ("/Keepsake/Window/locked", test_locked);
  g_test_add_func ("/Keepsake/Window/run-started-elsewhere", test_run_started_elsewhere);
  g_test_add_func ("/Keepsake/Window/close-during-backup", test_close_during_backup);
  g_test_add_func ("/Keepsake/Window/stop-during-backup", test_stop_during_backup);

  ret = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  /* Not only the idle threads: every worker that talked TLS has exited (see there). */
  if (!ks_ui_test_wait_pool_threads_exit (30000))
    ret = 1;
  g_clear_object (&settings);
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (library);
  g_free (home);
  g_free (notified_summary);
  g_free (notified_body);

  return ret;
}
