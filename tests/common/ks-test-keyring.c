/* ks-test-keyring.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "ks-test-keyring.h"

#define LOGIN_PASSWORD "keepsake-test-login"

struct _KsTestKeyring
{
  char  *dir;
  char  *keyrings;
  GPid   bus_pid;
  GPid   daemon_pid;
};

static void
stop_pid (GPid *pid)
{
  if (*pid <= 0)
    return;
  kill (*pid, SIGTERM);
  waitpid (*pid, NULL, 0);
  g_spawn_close_pid (*pid);
  *pid = 0;
}

void
ks_test_keyring_stop (KsTestKeyring *self)
{
  if (self == NULL)
    return;
  stop_pid (&self->daemon_pid);
  stop_pid (&self->bus_pid);
  g_free (self->dir);
  g_free (self->keyrings);
  g_free (self);
}

const char *
ks_test_keyring_get_dir (KsTestKeyring *self)
{
  return self->keyrings;
}

static gboolean
name_has_owner (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

KsTestKeyring *
ks_test_keyring_start (const char  *dir,
                       GError     **error)
{
  KsTestKeyring *self;
  const char *bus_argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1", NULL };
  const char *daemon_argv[] = { "gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock", NULL };
  g_autofree char *home = NULL;
  g_autofree char *run = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_auto(GStrv) env = NULL;
  int out_fd = -1, in_fd = -1;
  gint64 end;

  if (g_find_program_in_path ("dbus-daemon") == NULL || g_find_program_in_path ("gnome-keyring-daemon") == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "dbus-daemon or gnome-keyring-daemon is not installed (build-aux/install-deps.sh)");
      return NULL;
    }

  self = g_new0 (KsTestKeyring, 1);
  self->dir = g_strdup (dir);
  home = g_build_filename (dir, "home", NULL);
  run = g_build_filename (dir, "run", NULL);
  self->keyrings = g_build_filename (home, ".local", "share", "keyrings", NULL);
  g_mkdir_with_parents (home, 0700);
  g_mkdir_with_parents (run, 0700);

  if (!g_spawn_async_with_pipes (NULL, (char **) bus_argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                 | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &self->bus_pid, NULL, &out_fd, NULL, error))
    goto fail;
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  if (g_io_channel_read_line (channel, &address, NULL, NULL, error) != G_IO_STATUS_NORMAL || address == NULL)
    goto fail;
  g_strstrip (address);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);

  /* The daemon: without the suite's strict debugging (a warning of its own would abort it). */
  env = g_get_environ ();
  env = g_environ_setenv (env, "HOME", home, TRUE);
  env = g_environ_unsetenv (env, "XDG_DATA_HOME");
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", run, TRUE);
  for (const char **v = (const char *[]) { "G_DEBUG", "G_SLICE", "MALLOC_CHECK_", "MALLOC_PERTURB_", "G_MESSAGES_DEBUG",
                                           "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "GNOME_KEYRING_CONTROL", NULL };
       *v != NULL; v++)
    env = g_environ_unsetenv (env, *v);
  if (!g_spawn_async_with_pipes (NULL, (char **) daemon_argv, env, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                 | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, &self->daemon_pid, &in_fd, NULL, NULL, error))
    goto fail;
  if (write (in_fd, LOGIN_PASSWORD, strlen (LOGIN_PASSWORD)) < 0)
    g_warning ("could not hand the keyring its password");
  close (in_fd);

  bus = g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, error);
  if (bus == NULL)
    goto fail;
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!name_has_owner (bus))
    {
      if (g_get_monotonic_time () > end)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "gnome-keyring-daemon did not take org.freedesktop.secrets");
          goto fail;
        }
      g_usleep (100 * 1000);
    }
  g_dbus_connection_close_sync (bus, NULL, NULL);
  return self;

fail:
  ks_test_keyring_stop (self);
  return NULL;
}
