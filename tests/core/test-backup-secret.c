/* test-backup-secret.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The backup password in the keyring, against a real gnome-keyring-daemon on a private bus:
 * kept per device UDID only when stored, replaced, looked up (none kept is no error), cleared,
 * also through the async calls; never in the keyring's files as plain text. And an encrypted
 * device backup (made by Debian's idevicebackup2 of the emulated iPhone) that opens with the
 * keyring's password only when the source is told to use the keyring, whose wrong keyring
 * password is told as a missing one (not as the user's typing), and then opens with the
 * right one. */

#include "config.h"

#include <string.h>

#include "ks-backup-encryption.h"
#include "ks-backup-secret.h"
#include "ks-backup-source.h"
#include "ks-test-emulator.h"
#include "ks-test-keyring.h"

#define PASSWORD "open sesame 42"
#define UDID     "00008030-00000000DEADBEEF"

static KsTestKeyring *keyring;
static char *tmp;
static char *backups;

static void
assert_not_in_files (const char *dir,
                     const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        assert_not_in_files (path, needle);
      else if (g_file_get_contents (path, &contents, &len, NULL))
        g_assert_null (g_strstr_len (contents, len, needle));
    }
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  char *found;

  if (keyring == NULL)
    {
      g_test_skip ("no gnome-keyring-daemon");
      return;
    }

  /* None kept: no password, no error. */
  found = ks_backup_secret_lookup (UDID, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  g_assert_true (ks_backup_secret_store (UDID, "Anna’s iPhone", "first", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ks_backup_secret_store (UDID, "Anna’s iPhone", PASSWORD, NULL, &error));
  found = ks_backup_secret_lookup (UDID, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, PASSWORD);
  ks_backup_password_free (found);
  /* Another device's is another item. */
  found = ks_backup_secret_lookup ("00008030-0000000000000001", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
  /* The keyring's files hold it encrypted. */
  assert_not_in_files (ks_test_keyring_get_dir (keyring), PASSWORD);

  g_assert_true (ks_backup_secret_clear (UDID, NULL, &error));
  g_assert_no_error (error);
  found = ks_backup_secret_lookup (UDID, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
  /* Clearing what is not there is fine. */
  g_assert_true (ks_backup_secret_clear (UDID, NULL, &error));
}

static void
async_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
test_async (void)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  char *found;

  if (keyring == NULL)
    {
      g_test_skip ("no gnome-keyring-daemon");
      return;
    }

  ks_backup_secret_update_async (UDID, NULL, PASSWORD, NULL, async_cb, &result);
  g_assert_true (ks_backup_secret_update_finish (wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  ks_backup_secret_lookup_async (UDID, NULL, async_cb, &result);
  found = ks_backup_secret_lookup_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, PASSWORD);
  ks_backup_password_free (found);
  g_clear_object (&result);

  /* NULL forgets it. */
  ks_backup_secret_update_async (UDID, NULL, NULL, NULL, async_cb, &result);
  g_assert_true (ks_backup_secret_update_finish (wait_result (&result), &error));
  g_clear_object (&result);
  found = ks_backup_secret_lookup (UDID, NULL, &error);
  g_assert_null (found);
}

static KsBackupSource *
open_backup (void)
{
  g_autoptr(GFile) top = g_file_new_for_path (backups);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = ks_backup_source_find_backup (top, &error);
  KsBackupSource *source;

  g_assert_no_error (error);
  source = ks_backup_source_new (folder, &error);
  g_assert_no_error (error);
  g_assert_true (ks_backup_source_get_encrypted (source));
  return source;
}

static void
test_source_uses_keyring (void)
{
  g_autoptr(KsBackupSource) plain = NULL;
  g_autoptr(KsBackupSource) with = NULL;
  g_autoptr(KsBackupSource) stale = NULL;
  g_autoptr(GError) error = NULL;
  const char *udid;

  if (keyring == NULL)
    {
      g_test_skip ("no gnome-keyring-daemon");
      return;
    }

  plain = open_backup ();
  udid = ks_backup_source_get_udid (plain);
  g_assert_true (ks_backup_secret_store (udid, NULL, PASSWORD, NULL, &error));

  /* Not asked to: the keyring is left alone. */
  g_assert_false (ks_backup_source_unlock (plain, NULL, &error));
  g_assert_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD);
  g_clear_error (&error);

  with = open_backup ();
  ks_backup_source_set_use_keyring (with, TRUE);
  g_assert_true (ks_backup_source_unlock (with, NULL, &error));
  g_assert_no_error (error);

  /* A stale password in the keyring: "needed", not "wrong"; then the right one opens it. */
  g_assert_true (ks_backup_secret_store (udid, NULL, "an older password", NULL, &error));
  stale = open_backup ();
  ks_backup_source_set_use_keyring (stale, TRUE);
  g_assert_false (ks_backup_source_unlock (stale, NULL, &error));
  g_assert_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD);
  g_assert_nonnull (strstr (error->message, "keyring"));
  g_clear_error (&error);
  ks_backup_source_set_password (stale, "not it either");
  g_assert_false (ks_backup_source_unlock (stale, NULL, &error));
  g_assert_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD);
  g_clear_error (&error);
  ks_backup_source_set_password (stale, PASSWORD);
  g_assert_true (ks_backup_source_unlock (stale, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (ks_backup_secret_clear (udid, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *media = NULL;
  g_autofree char *kdir = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("ks-backup-secret-XXXXXX", &error);
  g_assert_no_error (error);

  /* First: the private bus, before anything talks to D-Bus. */
  kdir = g_build_filename (tmp, "keyring", NULL);
  keyring = ks_test_keyring_start (kdir, &error);
  if (keyring == NULL)
    {
      g_test_message ("no keyring: %s", error->message);
      g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
      g_clear_error (&error);
    }

  media = g_build_filename (tmp, "phone", NULL);
  backups = g_build_filename (tmp, "Backups", NULL);
  g_assert_true (ks_test_make_sample_library (media, 3, 1, TRUE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(KsTestEmulator) emulator = ks_test_emulator_new (&error, "--device", media,
                                                               "--backup-password", PASSWORD, NULL);
    const char *argv_backup[] = { "idevicebackup2", "backup", "--full", backups, NULL };
    g_autofree char *out = NULL;
    int status = 0;

    g_assert_no_error (error);
    g_assert_cmpint (g_mkdir_with_parents (backups, 0755), ==, 0);
    g_assert_true (g_spawn_sync (NULL, (char **) argv_backup, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  g_test_add_func ("/Keepsake/BackupSecret/round-trip", test_round_trip);
  g_test_add_func ("/Keepsake/BackupSecret/async", test_async);
  g_test_add_func ("/Keepsake/BackupSecret/source-uses-keyring", test_source_uses_keyring);

  ret = g_test_run ();

  ks_test_keyring_stop (keyring);
  ks_test_remove_tree (tmp);
  g_free (backups);
  g_free (tmp);
  return ret;
}
