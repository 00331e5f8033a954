/* emulator-afc-throughput.c
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

/* How fast one AFC file stream flows from the emulated iPhone through the
 * real libimobiledevice: unthrottled, and under a --rate cap (which the
 * emulator must hold within 10 %).  Starts its own emulator. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libimobiledevice/afc.h>
#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>

#define MB 1000000.0
#define BIG_FILE "/DCIM/100APPLE/IMG_0001.MOV"

static char *opt_emulator;
static int opt_size_mb = 300;
static int opt_capped_mb = 105;
static gint64 opt_rate = 35000000;
static int opt_chunk = 1024 * 1024;
static gboolean opt_keep_going;

static GOptionEntry entries[] = {
  { "emulator", 0, 0, G_OPTION_ARG_FILENAME, &opt_emulator, "iphone-emulator binary", "PATH" },
  { "size", 0, 0, G_OPTION_ARG_INT, &opt_size_mb, "MB read unthrottled (default 300)", "MB" },
  { "capped-size", 0, 0, G_OPTION_ARG_INT, &opt_capped_mb, "MB read under the cap (default 105)", "MB" },
  { "rate", 0, 0, G_OPTION_ARG_INT64, &opt_rate, "cap in bytes/s for the second run (default 35000000)", "BPS" },
  { "chunk", 0, 0, G_OPTION_ARG_INT, &opt_chunk, "bytes per afc_file_read (default 1 MiB)", "BYTES" },
  { "no-fail", 0, 0, G_OPTION_ARG_NONE, &opt_keep_going, "exit 0 even when a goal is missed", NULL },
  { NULL }
};

/* A file of incompressible bytes, written 1 MiB at a time. */
static void
write_media (const char *path,
             gsize       size)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree guint32 *block = g_malloc (1 << 20);
  FILE *f;
  guint32 x = 2463534242u;

  g_mkdir_with_parents (dir, 0755);
  f = fopen (path, "wb");
  g_assert (f != NULL);
  while (size > 0)
    {
      gsize n = MIN (size, (gsize) 1 << 20);

      for (gsize i = 0; i < (1 << 20) / 4; i++)
        {
          x ^= x << 13;
          x ^= x >> 17;
          x ^= x << 5;
          block[i] = x;
        }
      g_assert (fwrite (block, 1, n, f) == n);
      size -= n;
    }
  fclose (f);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
control (const char *socket_path,
         const char *line)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *msg = g_strconcat (line, "\n", NULL);
  g_autoptr(GError) error = NULL;
  char *reply;

  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), msg, strlen (msg),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  reply = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

/* Reads @bytes of BIG_FILE over one AFC connection; returns bytes/s. */
static double
read_stream (idevice_t  device,
             guint64    bytes)
{
  lockdownd_client_t lockdown = NULL;
  lockdownd_service_descriptor_t service = NULL;
  afc_client_t afc = NULL;
  uint64_t handle = 0;
  g_autofree char *buf = g_malloc (opt_chunk);
  guint64 done = 0;
  gint64 t0, t1;

  if (lockdownd_client_new_with_handshake (device, &lockdown, "keepsake-bench") != LOCKDOWN_E_SUCCESS
      || lockdownd_start_service (lockdown, AFC_SERVICE_NAME, &service) != LOCKDOWN_E_SUCCESS
      || afc_client_new (device, service, &afc) != AFC_E_SUCCESS)
    g_error ("could not open AFC on the emulator");
  lockdownd_service_descriptor_free (service);
  lockdownd_client_free (lockdown);

  if (afc_file_open (afc, BIG_FILE, AFC_FOPEN_RDONLY, &handle) != AFC_E_SUCCESS)
    g_error ("could not open %s", BIG_FILE);

  t0 = g_get_monotonic_time ();
  while (done < bytes)
    {
      uint32_t got = 0;
      uint32_t want = (uint32_t) MIN ((guint64) opt_chunk, bytes - done);

      if (afc_file_read (afc, handle, buf, want, &got) != AFC_E_SUCCESS || got == 0)
        g_error ("afc_file_read failed after %" G_GUINT64_FORMAT " bytes", done);
      done += got;
    }
  t1 = g_get_monotonic_time ();

  afc_file_close (afc, handle);
  afc_client_free (afc);
  return (double) done / ((double) (t1 - t0) / G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— AFC throughput of the emulated iPhone");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *media = NULL;
  g_autofree char *big = NULL;
  g_autofree char *state = NULL;
  g_autofree char *mux = NULL;
  g_autofree char *ctl = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *control_addr = NULL;
  g_autofree char *env_addr = NULL;
  g_autofree char *rate_cmd = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(GSubprocess) emu = NULL;
  g_autoptr(GDataInputStream) emu_out = NULL;
  g_autofree char *ready = NULL;
  idevice_t device = NULL;
  double free_rate, capped_rate, ratio;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_emulator == NULL)
    opt_emulator = g_strdup (g_getenv ("KS_IPHONE_EMULATOR"));
  if (opt_emulator == NULL || opt_chunk <= 0 || opt_size_mb <= 0 || opt_capped_mb <= 0)
    {
      g_printerr ("Give --emulator PATH (or KS_IPHONE_EMULATOR) and positive sizes.\n");
      return 2;
    }

  tmp = g_dir_make_tmp ("ks-bench-afc-XXXXXX", &error);
  g_assert_no_error (error);
  media = g_build_filename (tmp, "media", NULL);
  big = g_build_filename (media, BIG_FILE, NULL);
  state = g_build_filename (tmp, "state", NULL);
  mux = g_build_filename (tmp, "mux.sock", NULL);
  ctl = g_build_filename (tmp, "control.sock", NULL);
  g_mkdir_with_parents (state, 0700);
  write_media (big, (gsize) MAX (opt_size_mb, opt_capped_mb) * 1000000);

  listen = g_strconcat ("UNIX:", mux, NULL);
  control_addr = g_strconcat ("UNIX:", ctl, NULL);
  emu = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                          opt_emulator, "--listen", listen, "--state", state,
                          "--control", control_addr, "--exit-with-stdout",
                          "--device", media, NULL);
  g_assert_no_error (error);
  emu_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (emu));
  ready = g_data_input_stream_read_line (emu_out, NULL, NULL, &error);
  if (g_strcmp0 (ready, "ready") != 0)
    g_error ("emulator did not start");

  g_setenv ("USBMUXD_SOCKET_ADDRESS", listen, TRUE);
  if (idevice_new (&device, NULL) != IDEVICE_E_SUCCESS)
    g_error ("no device on the emulator");

  /* Pair and warm the page cache outside the measurement. */
  read_stream (device, MIN ((guint64) 8 * 1000000, (guint64) opt_size_mb * 1000000));

  free_rate = read_stream (device, (guint64) opt_size_mb * 1000000);

  rate_cmd = g_strdup_printf ("rate %" G_GINT64_FORMAT, opt_rate);
  reply = control (ctl, rate_cmd);
  if (!g_str_has_prefix (reply, "ok"))
    g_error ("emulator refused %s: %s", rate_cmd, reply);
  capped_rate = read_stream (device, (guint64) opt_capped_mb * 1000000);
  ratio = capped_rate / (double) opt_rate;

  g_print ("chunk %d bytes\n", opt_chunk);
  g_print ("unthrottled: %d MB in one AFC stream: %.1f MB/s (goal >= 300)\n", opt_size_mb, free_rate / MB);
  g_print ("capped at %.1f MB/s: %d MB: %.2f MB/s = %.1f %% of the cap (goal 90-110 %%)\n",
           opt_rate / MB, opt_capped_mb, capped_rate / MB, 100.0 * ratio);

  idevice_free (device);
  g_subprocess_send_signal (emu, SIGTERM);
  g_subprocess_wait (emu, NULL, NULL);
  remove_tree (tmp);

  ok = free_rate / MB >= 300.0 && ratio >= 0.9 && ratio <= 1.1;
  return ok || opt_keep_going ? 0 : 1;
}
