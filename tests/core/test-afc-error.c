/* test-afc-error.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The one table of AFC errors: each AFC error means the same thing to the device side
 * (the walk and the AFC pool, which marks the session broken and says why) and to the
 * import (which stops on a lost source and goes on past one unreadable file). */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-afc-error.h"
#include "ks-afc-pool.h"
#include "ks-device.h"

#define PATH "/DCIM/100APPLE/IMG_0001.HEIC"

/* Every value afc_error_t has in libimobiledevice 1.3.0, and a few it has not. */
static const int afc_codes[] = {
  AFC_E_FORCE_SIGNED_TYPE, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
  19, 20, 21, 22, 23, 24, 29, 30, 31, 32, 33, 34, 99,
};

static void
test_session_lost_list (void)
{
  const afc_error_t lost[] = {
    AFC_E_OP_HEADER_INVALID, AFC_E_UNKNOWN_PACKET_TYPE, AFC_E_SERVICE_NOT_CONNECTED,
    AFC_E_OP_TIMEOUT, AFC_E_MUX_ERROR, AFC_E_NO_MEM, AFC_E_NOT_ENOUGH_DATA,
  };
  guint n_lost = 0;

  for (guint i = 0; i < G_N_ELEMENTS (lost); i++)
    g_assert_true (ks_afc_error_is_session_lost (lost[i]));

  for (guint i = 0; i < G_N_ELEMENTS (afc_codes); i++)
    if (ks_afc_error_is_session_lost ((afc_error_t) afc_codes[i]))
      n_lost++;
  g_assert_cmpuint (n_lost, ==, G_N_ELEMENTS (lost));

  /* An evicted "Optimize iPhone Storage" original reads as an I/O error: that file's. */
  g_assert_false (ks_afc_error_is_session_lost (AFC_E_IO_ERROR));
  g_assert_false (ks_afc_error_is_session_lost (AFC_E_READ_ERROR));
  g_assert_false (ks_afc_error_is_session_lost (AFC_E_OBJECT_NOT_FOUND));
}

static void
test_file_errors (void)
{
  const struct { afc_error_t afc; GIOErrorEnum io; } expected[] = {
    { AFC_E_OBJECT_NOT_FOUND, G_IO_ERROR_NOT_FOUND },
    { AFC_E_OBJECT_IS_DIR,    G_IO_ERROR_IS_DIRECTORY },
    { AFC_E_PERM_DENIED,      G_IO_ERROR_PERMISSION_DENIED },
    { AFC_E_OBJECT_EXISTS,    G_IO_ERROR_EXISTS },
    { AFC_E_NO_SPACE_LEFT,    G_IO_ERROR_NO_SPACE },
    { AFC_E_INVALID_ARG,      G_IO_ERROR_INVALID_ARGUMENT },
    { AFC_E_OP_NOT_SUPPORTED, G_IO_ERROR_NOT_SUPPORTED },
    { AFC_E_OBJECT_BUSY,      G_IO_ERROR_BUSY },
    { AFC_E_OP_WOULD_BLOCK,   G_IO_ERROR_BUSY },
    { AFC_E_IO_ERROR,         G_IO_ERROR_FAILED },
    { AFC_E_READ_ERROR,       G_IO_ERROR_FAILED },
    { 99,                     G_IO_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *code = g_strdup_printf ("(AFC error %d)", (int) expected[i].afc);

      ks_afc_error_set (expected[i].afc, PATH, &error);
      g_assert_error (error, G_IO_ERROR, expected[i].io);
      g_assert_nonnull (strstr (error->message, PATH));
      g_assert_nonnull (strstr (error->message, code));
      g_assert_nonnull (strstr (error->message, ks_afc_error_lookup (expected[i].afc)->sentence));
    }
}

/* Both users decide alike for every AFC error: the pool (as a stream or the walk meets
 * it, with the phone gone: the test has no usbmuxd) and the import job judging the GError
 * the pool gave it. */
static void
test_same_for_both_users (void)
{
  g_autoptr(KsAfcPool) pool = ks_afc_pool_new ("00008030-000000000000002E");

  for (guint i = 0; i < G_N_ELEMENTS (afc_codes); i++)
    {
      afc_error_t aerr = (afc_error_t) afc_codes[i];
      gboolean lost = ks_afc_error_is_session_lost (aerr);
      g_autoptr(GError) pool_error = NULL;
      g_autoptr(GError) table_error = NULL;

      g_test_message ("AFC error %d: %s", (int) aerr, lost ? "session lost" : "one file");

      /* The phone still answers. */
      ks_afc_error_set (aerr, PATH, &table_error);
      g_assert_cmpint (table_error->domain, ==, G_IO_ERROR);
      g_assert_cmpint (table_error->code, ==, ks_afc_error_lookup (aerr)->io_code);
      g_assert_cmpint (ks_afc_error_matches_session_lost (table_error), ==, lost);

      /* The phone is gone: the pool says why. */
      g_assert_false (ks_afc_pool_set_error (pool, NULL, aerr, PATH, &pool_error));
      g_assert_nonnull (pool_error);
      g_assert_cmpint (ks_afc_error_matches_session_lost (pool_error), ==, lost);
      if (lost)
        g_assert_true (pool_error->domain == KS_DEVICE_ERROR);
      else
        {
          g_assert_error (pool_error, table_error->domain, table_error->code);
          g_assert_cmpstr (pool_error->message, ==, table_error->message);
        }
    }
}

/* What the pool says instead when a lost session cannot be reopened. */
static void
test_device_errors (void)
{
  const KsDeviceError lost[] = {
    KS_DEVICE_ERROR_NOT_FOUND, KS_DEVICE_ERROR_NOT_TRUSTED, KS_DEVICE_ERROR_TRUST_DENIED,
    KS_DEVICE_ERROR_LOCKED, KS_DEVICE_ERROR_PAIRING_LOST, KS_DEVICE_ERROR_USBMUXD_MISSING,
  };

  for (guint i = 0; i < G_N_ELEMENTS (lost); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (KS_DEVICE_ERROR, lost[i], "gone");

      g_assert_true (ks_afc_error_matches_session_lost (error));
    }

  {
    g_autoptr(GError) broken = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "broken");
    g_autoptr(GError) unreadable = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "bad sector");
    g_autoptr(GError) missing = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "deleted");

    g_assert_true (ks_afc_error_matches_session_lost (broken));
    g_assert_false (ks_afc_error_matches_session_lost (unreadable));
    g_assert_false (ks_afc_error_matches_session_lost (missing));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp = g_dir_make_tmp ("ks-test-afc-error-XXXXXX", NULL);
  g_autofree char *nowhere = g_strdup_printf ("UNIX:%s/no-usbmuxd", tmp);
  int ret;

  /* No usbmuxd: a lost session cannot be reopened. */
  g_setenv ("USBMUXD_SOCKET_ADDRESS", nowhere, TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/afc-error/session-lost", test_session_lost_list);
  g_test_add_func ("/afc-error/file-errors", test_file_errors);
  g_test_add_func ("/afc-error/same-for-both-users", test_same_for_both_users);
  g_test_add_func ("/afc-error/device-errors", test_device_errors);

  ret = g_test_run ();
  g_rmdir (tmp);
  return ret;
}
