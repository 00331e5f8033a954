/* emu-main.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* iphone-emulator: command line, the accept loop of the usbmuxd and
 * control sockets (a thread per connection), and a clean exit on
 * SIGINT/SIGTERM. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "emu-control.h"
#include "emu-usbmuxd.h"

static const char usage[] =
  "Usage: iphone-emulator --listen ADDR --state DIR --device MEDIA_DIR [device options]\n"
  "                       [--device MEDIA_DIR2 [device options] ...] [--control ADDR]\n"
  "\n"
  "An emulated iPhone (usbmuxd + lockdownd + AFC) for tests. Point libimobiledevice\n"
  "at it with USBMUXD_SOCKET_ADDRESS=ADDR. Prints \"ready\" once it accepts connections.\n"
  "\n"
  "  --listen ADDR         UNIX:/path or HOST:PORT (USBMUXD_SOCKET_ADDRESS syntax)\n"
  "  --state DIR           device keys, pair records, SystemBUID (kept across runs)\n"
  "  --control ADDR        text control socket (UNIX:/path or HOST:PORT)\n"
  "  --device MEDIA_DIR    add a device whose AFC root is MEDIA_DIR; options below\n"
  "                        apply to the last --device:\n"
  "    --name NAME           DeviceName (default \"iPhone\")\n"
  "    --udid UDID           default: derived from MEDIA_DIR (00008030-XXXXXXXXXXXXXXXX)\n"
  "    --model TYPE          ProductType (default iPhone15,2)\n"
  "    --ios VERSION         ProductVersion (default 17.5)\n"
  "    --trust MODE          trusted|ask|deny (default trusted)\n"
  "    --locked              passcode-locked until `unlock`\n"
  "    --rate BYTES_PER_SEC  cap AFC file data throughput\n"
  "    --latency MS          delay each AFC request\n"
  "    --hostile-names       DCIM folders also list hostile file names\n"
  "    --backup-passcode     backups wait for the passcode (control `enter-passcode`)\n"
  "    --backup-passcode-timeout MS\n"
  "                          then fail with ErrorCode 208 (default 180000)\n"
  "    --backup-hostile-paths  backups also upload files named outside the folder\n"
  "    --backup-password PW  backups are encrypted with PW (iOS's format)\n"
  "    --misbehave MODE      send malformed replies (see the README): off, afc-truncated,\n"
  "                          afc-overlong, afc-bad-header, read-long, read-short,\n"
  "                          size-change, dir-garbage, dir-duplicates, stall,\n"
  "                          lockdown-types, lockdown-truncated, random\n"
  "    --seed N              seed of --misbehave random (default 0)\n"
  "  --exit-with-stdout    exit when the reader of our stdout pipe goes away\n"
  "                        (the test fixtures pass it so a crashed test leaves\n"
  "                        no emulator behind)\n"
  "  --help                this text\n"
  "\n"
  "Control commands (one per line; UDID optional with one device): attach, detach,\n"
  "trust, deny, ask, lock, unlock, fail-after BYTES, rate BYTES_PER_SEC, latency MS,\n"
  "stats, reset-stats, read-error AFC_PATH, clear-read-errors, enter-passcode,\n"
  "passcode-timeout MS, misbehave MODE, seed N, udid.\n"
  "Replies: \"ok ...\" or \"error <reason>\".\n";

static int signal_pipe[2] = { -1, -1 };

static GMutex clients_lock;
static GArray *clients;  /* fds of live client sockets */

typedef struct
{
  EmuMux *mux;
  int     fd;
  bool    control;
} Client;

static void
on_signal (int sig)
{
  int saved = errno;
  char c = (char) sig;

  if (write (signal_pipe[1], &c, 1) < 0)
    {
      /* nothing to do: the pipe is only a wake-up */
    }
  errno = saved;
}

static void
client_forget (int fd)
{
  g_mutex_lock (&clients_lock);
  for (guint i = 0; i < clients->len; i++)
    if (g_array_index (clients, int, i) == fd)
      {
        g_array_remove_index_fast (clients, i);
        break;
      }
  g_mutex_unlock (&clients_lock);
}

static void *
client_thread (void *data)
{
  Client *client = data;
  int fd = client->fd;

  /* The serve functions close the fd; forget it first so shutdown() at
   * exit never hits a reused number. */
  if (client->control)
    {
      int dup_fd = fd;

      emu_control_serve_client (client->mux, dup_fd);
    }
  else
    emu_mux_serve_client (client->mux, fd);
  client_forget (fd);
  g_free (client);
  return NULL;
}

static bool
parse_trust (const char *s, EmuTrust *out)
{
  if (g_strcmp0 (s, "trusted") == 0)
    *out = EMU_TRUST_TRUSTED;
  else if (g_strcmp0 (s, "ask") == 0)
    *out = EMU_TRUST_ASK;
  else if (g_strcmp0 (s, "deny") == 0)
    *out = EMU_TRUST_DENY;
  else
    return false;
  return true;
}

static int G_GNUC_PRINTF (1, 2)
fail (const char *format, ...)
{
  va_list ap;

  fputs ("iphone-emulator: ", stderr);
  va_start (ap, format);
  vfprintf (stderr, format, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return 2;
}

/* File scope, so that early exits do not count as leaks under LSan. */
static GArray *options;

int
main (int argc, char **argv)
{
  const char *listen_addr = NULL, *control_addr = NULL, *state = NULL;

  EmuDevice **devices;
  EmuMux *mux;
  g_autofree char *error = NULL;
  char *mux_path = NULL, *control_path = NULL;
  int mux_fd, control_fd = -1;
  struct sigaction sa = { 0 };
  pthread_attr_t attr;
  bool watch_stdout = false;
  bool exit_with_stdout = false;
  int ret = 0;

  options = g_array_new (FALSE, TRUE, sizeof (EmuDeviceOptions));
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *val = i + 1 < argc ? argv[i + 1] : NULL;
      EmuDeviceOptions *dev = options->len > 0
                              ? &g_array_index (options, EmuDeviceOptions, options->len - 1) : NULL;
      bool takes_value = true;

      if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
        {
          fputs (usage, stdout);
          return 0;
        }
      if (strcmp (arg, "--exit-with-stdout") == 0)
        {
          exit_with_stdout = true;
          continue;
        }
      if (strcmp (arg, "--locked") == 0 || strcmp (arg, "--hostile-names") == 0
          || strcmp (arg, "--backup-passcode") == 0 || strcmp (arg, "--backup-hostile-paths") == 0)
        takes_value = false;
      if (takes_value && val == NULL)
        return fail ("%s needs a value (see --help)", arg);

      if (strcmp (arg, "--listen") == 0)
        listen_addr = val;
      else if (strcmp (arg, "--control") == 0)
        control_addr = val;
      else if (strcmp (arg, "--state") == 0)
        state = val;
      else if (strcmp (arg, "--device") == 0)
        {
          EmuDeviceOptions o = { .media_root = (char *) val, .trust = EMU_TRUST_TRUSTED };

          g_array_append_val (options, o);
        }
      else if (dev == NULL)
        return fail ("%s must follow a --device", arg);
      else if (strcmp (arg, "--name") == 0)
        dev->name = (char *) val;
      else if (strcmp (arg, "--udid") == 0)
        dev->udid = (char *) val;
      else if (strcmp (arg, "--model") == 0)
        dev->model = (char *) val;
      else if (strcmp (arg, "--ios") == 0)
        dev->ios = (char *) val;
      else if (strcmp (arg, "--trust") == 0)
        {
          if (!parse_trust (val, &dev->trust))
            return fail ("--trust takes trusted, ask or deny");
        }
      else if (strcmp (arg, "--locked") == 0)
        dev->locked = true;
      else if (strcmp (arg, "--hostile-names") == 0)
        dev->hostile_names = true;
      else if (strcmp (arg, "--backup-passcode") == 0)
        dev->backup_passcode = true;
      else if (strcmp (arg, "--backup-passcode-timeout") == 0)
        dev->backup_passcode_timeout = (uint32_t) g_ascii_strtoull (val, NULL, 10);
      else if (strcmp (arg, "--backup-hostile-paths") == 0)
        dev->backup_hostile_paths = true;
      else if (strcmp (arg, "--backup-password") == 0)
        dev->backup_password = (char *) val;
      else if (strcmp (arg, "--rate") == 0)
        dev->rate = g_ascii_strtoull (val, NULL, 10);
      else if (strcmp (arg, "--latency") == 0)
        dev->latency_ms = (uint32_t) g_ascii_strtoull (val, NULL, 10);
      else if (strcmp (arg, "--misbehave") == 0)
        {
          if (!emu_misbehave_parse (val, &dev->misbehave))
            return fail ("--misbehave takes one of: %s", emu_misbehave_names ());
        }
      else if (strcmp (arg, "--seed") == 0)
        dev->seed = g_ascii_strtoull (val, NULL, 10);
      else
        return fail ("unknown option %s (see --help)", arg);
      if (takes_value)
        i++;
    }

  if (listen_addr == NULL || state == NULL || options->len == 0)
    {
      fputs (usage, stderr);
      return 2;
    }

  sa.sa_handler = SIG_IGN;
  sigaction (SIGPIPE, &sa, NULL);

  if (g_mkdir_with_parents (state, 0700) != 0)
    return fail ("cannot create %s: %s", state, g_strerror (errno));

  devices = g_new0 (EmuDevice *, options->len);
  for (guint i = 0; i < options->len; i++)
    {
      devices[i] = emu_device_new (&g_array_index (options, EmuDeviceOptions, i), i + 1, state, &error);
      if (devices[i] == NULL)
        return fail ("%s", error);
      for (guint j = 0; j < i; j++)
        if (strcmp (emu_device_get_udid (devices[j]), emu_device_get_udid (devices[i])) == 0)
          return fail ("two devices have the same UDID");
    }

  mux = emu_mux_new (state, devices, options->len, &error);
  if (mux == NULL)
    return fail ("%s", error);

  mux_fd = emu_listen_address (listen_addr, &mux_path, &error);
  if (mux_fd < 0)
    return fail ("%s", error);
  if (control_addr != NULL)
    {
      control_fd = emu_listen_address (control_addr, &control_path, &error);
      if (control_fd < 0)
        {
          if (mux_path != NULL)
            unlink (mux_path);
          return fail ("%s", error);
        }
    }

  if (pipe2 (signal_pipe, O_CLOEXEC) != 0)
    return fail ("pipe failed");
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  clients = g_array_new (FALSE, FALSE, sizeof (int));
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);

  printf ("ready\n");
  fflush (stdout);
  {
    struct stat st;

    watch_stdout = exit_with_stdout && fstat (STDOUT_FILENO, &st) == 0 && S_ISFIFO (st.st_mode);
  }

  for (;;)
    {
      struct pollfd pfd[4] = {
        { signal_pipe[0], POLLIN, 0 },
        { mux_fd, POLLIN, 0 },
        { control_fd, POLLIN, 0 },
        { watch_stdout ? STDOUT_FILENO : -1, 0, 0 },
      };

      if (poll (pfd, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ret = 1;
          break;
        }
      /* A test that died without stopping us closed the read end of our
       * stdout pipe: go away rather than linger as an orphan. */
      if (pfd[0].revents != 0 || pfd[3].revents != 0)
        break;
      for (int k = 1; k <= 2; k++)
        {
          int fd;
          Client *client;
          pthread_t thread;

          if (k == 2 && control_fd < 0)
            continue;
          if ((pfd[k].revents & POLLIN) == 0)
            continue;
          fd = accept4 (pfd[k].fd, NULL, NULL, SOCK_CLOEXEC);
          if (fd < 0)
            continue;
          client = g_new0 (Client, 1);
          client->mux = mux;
          client->fd = fd;
          client->control = k == 2;
          g_mutex_lock (&clients_lock);
          g_array_append_val (clients, fd);
          g_mutex_unlock (&clients_lock);
          if (pthread_create (&thread, &attr, client_thread, client) != 0)
            {
              client_forget (fd);
              close (fd);
              g_free (client);
            }
        }
    }

  if (mux_path != NULL)
    unlink (mux_path);
  if (control_path != NULL)
    unlink (control_path);
  close (mux_fd);
  if (control_fd >= 0)
    close (control_fd);

  /* Wake every connection thread, give them a moment to finish, and only
   * free shared state if they all did. */
  g_mutex_lock (&clients_lock);
  for (guint i = 0; i < clients->len; i++)
    shutdown (g_array_index (clients, int, i), SHUT_RDWR);
  g_mutex_unlock (&clients_lock);
  for (int tries = 0; tries < 200; tries++)
    {
      guint left;

      g_mutex_lock (&clients_lock);
      left = clients->len;
      g_mutex_unlock (&clients_lock);
      if (left == 0)
        break;
      g_usleep (10000);
    }
  g_mutex_lock (&clients_lock);
  if (clients->len > 0)
    {
      g_mutex_unlock (&clients_lock);
      fflush (stdout);
      _exit (ret);
    }
  g_mutex_unlock (&clients_lock);

  emu_mux_free (mux);
  for (guint i = 0; i < options->len; i++)
    emu_device_free (devices[i]);
  g_free (devices);
  g_clear_pointer (&options, g_array_unref);
  g_array_unref (clients);
  g_free (mux_path);
  g_free (control_path);
  pthread_attr_destroy (&attr);
  return ret;
}
