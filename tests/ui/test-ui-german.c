/* test-ui-german.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Starts the window in German, with the catalog compiled from po/de.po in the build dir, and
 * checks that what a user reads is German: a status page, the Back Up Everything button, the
 * sidebar's count (a plural form) and the photo tooltips. The locale is C.UTF-8 with
 * LANGUAGE=de, so no German locale needs to be installed. */

#include "config.h"

#include <adwaita.h>

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "ks-application.h"
#include "ks-photo-cell.h"
#include "ks-test-emulator.h"
#include "ks-ui-test-util.h"
#include "ks-ui-test-window.h"

static KsApplication *app;
static char *home;
static KsTestEmulator *emulator;

static GtkWidget *
open_window (void)
{
  KsWindow *window = ks_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_ui_test_wait_mapped (GTK_WIDGET (window), 5000));

  return GTK_WIDGET (window);
}

static void
test_catalog (void)
{
  /* The catalog is found at all (else every check below fails for a reason hard to see). */
  g_assert_cmpstr (_("Back Up Everything"), ==, "Alles sichern");
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%'u photo", "%'u photos", 1), ==, "%'u Foto");
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%'u photo", "%'u photos", 2), ==, "%'u Fotos");
}

static void
test_no_usbmuxd (void)
{
  GtkWidget *window = open_window ();

  g_assert_true (ks_ui_test_wait_page (KS_WINDOW (window), "usbmuxd-missing", 10000));
  g_assert_nonnull (ks_ui_test_find_by_label (window, "Der iPhone-Dienst läuft nicht"));
  g_assert_null (ks_ui_test_find_by_label (window, "The iPhone Service Is Not Running"));
  ks_ui_test_screenshot (window, "german-usbmuxd-missing");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_main_window (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *library = g_build_filename (home, "library", NULL);
  GtkWidget *window = open_window ();
  KsSourceRow *row;

  g_assert_true (ks_test_make_sample_library (library, 12, 2026, FALSE, &error));
  g_assert_no_error (error);
  emulator = ks_test_emulator_new (&error,
                                   "--device", library,
                                   "--name", "Demo iPhone",
                                   NULL);
  g_assert_no_error (error);

  g_assert_true (ks_ui_test_wait_page (KS_WINDOW (window), "grid", 20000));
  g_assert_true (ks_ui_test_wait_library_loaded (KS_WINDOW (window), 20000));

  g_assert_nonnull (ks_ui_test_find_by_label (window, "Alles _sichern"));
  g_assert_null (ks_ui_test_find_by_label (window, "_Back Up Everything"));

  row = _ks_window_get_source_row (KS_WINDOW (window));
  g_assert_nonnull (row);
  g_assert_cmpstr (ks_source_row_get_status (row), ==, "12 noch nicht gesichert");

  g_assert_true (ks_ui_test_wait_thumbnails (KS_WINDOW (window), 20000));
  {
    g_autoptr(GPtrArray) cells = ks_photo_grid_list_visible_cells (_ks_window_get_photo_grid (KS_WINDOW (window)));

    g_assert_cmpuint (cells->len, >=, 1);
    for (guint i = 0; i < cells->len; i++)
      {
        const char *tooltip = gtk_widget_get_tooltip_text (g_ptr_array_index (cells, i));

        g_assert_nonnull (tooltip);
        g_assert_true (g_str_has_suffix (tooltip, "noch nicht gesichert"));
      }
  }

  ks_ui_test_screenshot (window, "german-main-window");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("KS_TEST_LOCALEDIR");
  int ret;

  g_assert_nonnull (localedir);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  home = ks_ui_test_isolate_home ();
  {
    /* No usbmuxd at first; the emulator takes its place in /Keepsake/UI/German/main-window. */
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

  g_test_add_func ("/Keepsake/UI/German/catalog", test_catalog);
  g_test_add_func ("/Keepsake/UI/German/no-usbmuxd", test_no_usbmuxd);
  g_test_add_func ("/Keepsake/UI/German/main-window", test_main_window);

  ret = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  ks_ui_test_stop_idle_threads ();
  g_clear_pointer (&emulator, ks_test_emulator_free);
  g_free (home);

  return ret;
}
