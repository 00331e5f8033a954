/* test-rclone-remote.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What a network or cloud location means to rclone: the remote's definition for the child's
 * environment, the root, the kind; what is refused (a password in the location, a path that
 * climbs out, an unknown scheme); and the password read from its file, obscured, only in the
 * environment made for the child. */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ks-rclone.h"
#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"

static gboolean
env_has (GStrv env, const char *pair)
{
  return g_strv_contains ((const char * const *)env, pair);
}

static void
test_sftp (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRcloneRemote) remote = ks_rclone_remote_parse ("sftp://anna@nas.local:2222/srv/My%20Photos/?identity-file=/home/anna/.ssh/id", &error);
  g_autofree char *name = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (remote->backend, ==, "sftp");
  g_assert_cmpstr (remote->fs, ==, "keepsake:/srv/My Photos");
  g_assert_false (remote->is_cloud);
  g_assert_true (env_has (remote->env, "RCLONE_CONFIG_KEEPSAKE_TYPE=sftp"));
  g_assert_true (env_has (remote->env, "RCLONE_CONFIG_KEEPSAKE_HOST=nas.local"));
  g_assert_true (env_has (remote->env, "RCLONE_CONFIG_KEEPSAKE_PORT=2222"));
  g_assert_true (env_has (remote->env, "RCLONE_CONFIG_KEEPSAKE_USER=anna"));
  g_assert_true (env_has (remote->env, "RCLONE_CONFIG_KEEPSAKE_KEY_FILE=/home/anna/.ssh/id"));
  name = ks_rclone_remote_dup_display_name (remote);
  g_assert_cmpstr (name, ==, "srv/My Photos on nas.local");
}

static void
test_other_kinds (void)
{
  g_autoptr(KsRcloneRemote) smb = ks_rclone_remote_parse ("smb://bob@fileserver/Photos/iPhone", NULL);
  g_autoptr(KsRcloneRemote) dav = ks_rclone_remote_parse ("webdavs://cloud.example.org/remote.php/dav/files/bob?vendor=nextcloud", NULL);
  g_autoptr(KsRcloneRemote) s3 = ks_rclone_remote_parse ("s3://bucket/photos?endpoint=https%3A%2F%2Fs3.example.com", NULL);
  g_autoptr(KsRcloneRemote) own = ks_rclone_remote_parse ("rclone:b2:bucket/photos", NULL);

  g_assert_cmpstr (smb->fs, ==, "keepsake:Photos/iPhone");
  g_assert_true (env_has (smb->env, "RCLONE_CONFIG_KEEPSAKE_TYPE=smb"));
  g_assert_true (env_has (dav->env, "RCLONE_CONFIG_KEEPSAKE_URL=https://cloud.example.org/remote.php/dav/files/bob"));
  g_assert_true (env_has (dav->env, "RCLONE_CONFIG_KEEPSAKE_VENDOR=nextcloud"));
  g_assert_cmpstr (s3->fs, ==, "keepsake:bucket/photos");
  g_assert_true (s3->is_cloud);
  g_assert_true (env_has (s3->env, "RCLONE_CONFIG_KEEPSAKE_ENDPOINT=https://s3.example.com"));
  g_assert_true (env_has (s3->env, "RCLONE_CONFIG_KEEPSAKE_PROVIDER=Other"));
  g_assert_cmpstr (own->fs, ==, "b2:bucket/photos");
  g_assert_true (own->user_config && own->is_cloud);
  g_assert_cmpuint (g_strv_length (own->env), ==, 0);
}

static void
test_refused (void)
{
  const char *bad[] = {
    "sftp://anna:secret@nas/photos",   /* a password in the location */
    "webdav:///photos",
    "ftp://nas/photos",
    "sftp:///photos",
    "smb://anna@nas",                  /* no share */
    "rclone:nocolon",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRcloneRemote) remote = ks_rclone_remote_parse (bad[i], &error);

      g_assert_null (remote);
      g_test_message ("%s: %s", bad[i], error->message);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (strstr (error->message, "secret"));
    }
  g_assert_false (ks_rclone_remote_is_location ("/media/anna/Backup"));
  g_assert_true (ks_rclone_remote_is_location ("webdav://h/p"));
}

/* The password comes from its file, goes obscured into the child's environment only. */
static void
test_password_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ks-rclone-remote-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "pw", NULL);
  g_autofree char *location = NULL;
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  g_autofree char *rclone = g_find_program_in_path ("rclone");
  gboolean found = FALSE;

  if (rclone == NULL)
    {
      g_test_skip ("rclone is not installed");
      return;
    }

  g_assert_true (g_file_set_contents (file, "correct horse\n", -1, NULL));
  location = g_strdup_printf ("sftp://anna@nas/photos?password-file=%s", file);
  remote = ks_rclone_remote_parse (location, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (remote->password_file, ==, file);
  for (guint i = 0; remote->env[i] != NULL; i++)
    g_assert_null (strstr (remote->env[i], "PASS"));

  env = ks_rclone_remote_dup_env (remote, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; env[i] != NULL; i++)
    {
      g_assert_null (strstr (env[i], "correct horse"));
      if (g_str_has_prefix (env[i], "RCLONE_CONFIG_KEEPSAKE_PASS="))
        found = strlen (env[i]) > strlen ("RCLONE_CONFIG_KEEPSAKE_PASS=") + 10;
    }
  g_assert_true (found);

  g_unlink (file);
  g_rmdir (dir);
}

/* A location that cannot be used fails when opened, with the reason. */
static void
test_destination_bad_location (void)
{
  g_autoptr(KsRcloneDestination) dest = ks_rclone_destination_new ("sftp://a:b@host/x", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (ks_destination_get_kind (KS_DESTINATION (dest)), ==, "network");
  g_assert_false (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* What Keepsake obscures, Debian's rclone reveals as the same password: rclone accepts
 * it in a remote's configuration. Twice the same password gives two forms (a random IV). */
static void
test_obscure (void)
{
  const char *passwords[] = { "s3cret", "pa ss/wörd+=?", "", "0123456789abcdef0123456789abcdef!" };

  for (guint i = 0; i < G_N_ELEMENTS (passwords); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *obscured = ks_rclone_obscure (passwords[i], NULL, &error);
      g_autofree char *again = ks_rclone_obscure (passwords[i], NULL, &error);
      g_autofree char *revealed = NULL;
      int status = -1;

      g_assert_no_error (error);
      g_assert_nonnull (obscured);
      g_assert_cmpstr (obscured, !=, again);
      g_assert_null (strpbrk (obscured, "+/="));
      g_assert_true (g_spawn_sync (NULL, (char *[]){ (char *)"rclone", (char *)"reveal", obscured, NULL },
                                   NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                   &revealed, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      g_assert_cmpstr (g_strchomp (revealed), ==, passwords[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rclone-remote/obscure", test_obscure);
  g_test_add_func ("/rclone-remote/sftp", test_sftp);
  g_test_add_func ("/rclone-remote/other-kinds", test_other_kinds);
  g_test_add_func ("/rclone-remote/refused", test_refused);
  g_test_add_func ("/rclone-remote/password-file", test_password_file);
  g_test_add_func ("/rclone-remote/destination-bad-location", test_destination_bad_location);

  return g_test_run ();
}
