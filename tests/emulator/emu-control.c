/* emu-control.c
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

/* The control socket tests use to plug, unplug, trust, lock, shape and
 * count an emulated device: one command per line, one reply line each. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "emu-control.h"

static bool
parse_u64 (const char *s, uint64_t *out)
{
  char *end = NULL;

  if (s == NULL || *s == '\0' || *s == '-')
    return false;
  errno = 0;
  *out = g_ascii_strtoull (s, &end, 10);
  return errno == 0 && end != NULL && *end == '\0';
}

char *
emu_control_execute (EmuMux *mux, const char *line)
{
  g_auto(GStrv) argv = g_strsplit_set (line, " \t", -1);
  GPtrArray *words = g_ptr_array_new ();
  const char *cmd, *udid = NULL, *value = NULL;
  EmuDevice *device;
  bool with_value;
  uint64_t n = 0;
  char *ret;

  for (guint i = 0; argv[i] != NULL; i++)
    if (argv[i][0] != '\0')
      g_ptr_array_add (words, argv[i]);
  if (words->len == 0)
    {
      g_ptr_array_unref (words);
      return g_strdup ("error empty command");
    }
  cmd = words->pdata[0];
  with_value = strcmp (cmd, "fail-after") == 0 || strcmp (cmd, "rate") == 0
               || strcmp (cmd, "latency") == 0 || strcmp (cmd, "read-error") == 0
               || strcmp (cmd, "passcode-timeout") == 0
               || strcmp (cmd, "misbehave") == 0 || strcmp (cmd, "seed") == 0;
  if (with_value)
    {
      if (words->len < 2)
        {
          g_ptr_array_unref (words);
          return g_strdup_printf ("error %s needs an argument", cmd);
        }
      value = words->pdata[1];
      if (words->len > 2)
        udid = words->pdata[2];
      if (words->len > 3)
        {
          g_ptr_array_unref (words);
          return g_strdup ("error too many arguments");
        }
    }
  else
    {
      if (words->len > 1)
        udid = words->pdata[1];
      if (words->len > 2)
        {
          g_ptr_array_unref (words);
          return g_strdup ("error too many arguments");
        }
    }
  g_ptr_array_unref (words);

  device = emu_mux_find_device (mux, udid);
  if (device == NULL)
    return g_strdup (udid == NULL ? "error several devices: give a UDID" : "error no such device");

  if (with_value && strcmp (cmd, "read-error") != 0 && strcmp (cmd, "misbehave") != 0
      && !parse_u64 (value, &n))
    return g_strdup_printf ("error bad number %s", value);

  if (strcmp (cmd, "attach") == 0)
    emu_device_attach (device);
  else if (strcmp (cmd, "detach") == 0)
    emu_device_detach (device);
  else if (strcmp (cmd, "trust") == 0)
    emu_device_set_trust (device, EMU_TRUST_TRUSTED);
  else if (strcmp (cmd, "deny") == 0)
    emu_device_set_trust (device, EMU_TRUST_DENY);
  else if (strcmp (cmd, "ask") == 0)
    emu_device_set_trust (device, EMU_TRUST_ASK);
  else if (strcmp (cmd, "lock") == 0)
    emu_device_set_locked (device, true);
  else if (strcmp (cmd, "unlock") == 0)
    emu_device_set_locked (device, false);
  else if (strcmp (cmd, "rate") == 0)
    emu_device_set_rate (device, n);
  else if (strcmp (cmd, "latency") == 0)
    {
      if (n > 60000)
        return g_strdup ("error latency is at most 60000 ms");
      emu_device_set_latency (device, (uint32_t) n);
    }
  else if (strcmp (cmd, "fail-after") == 0)
    {
      if (n > INT64_MAX)
        return g_strdup ("error number too large");
      emu_device_set_fail_after (device, (int64_t) n);
    }
  else if (strcmp (cmd, "stats") == 0)
    {
      char *json = emu_device_stats_json (device);

      ret = g_strconcat ("ok ", json, NULL);
      free (json);
      return ret;
    }
  else if (strcmp (cmd, "reset-stats") == 0)
    emu_device_reset_stats (device);
  else if (strcmp (cmd, "read-error") == 0)
    {
      if (value[0] != '/')
        return g_strdup ("error read-error needs an absolute AFC path");
      emu_device_add_read_error (device, value);
    }
  else if (strcmp (cmd, "misbehave") == 0)
    {
      EmuMisbehave mode;

      if (!emu_misbehave_parse (value, &mode))
        return g_strdup_printf ("error misbehave takes one of: %s", emu_misbehave_names ());
      emu_misbehave_config_set (emu_device_get_misbehave (device), mode);
    }
  else if (strcmp (cmd, "seed") == 0)
    emu_misbehave_config_seed (emu_device_get_misbehave (device), n);
  else if (strcmp (cmd, "clear-read-errors") == 0)
    emu_device_clear_read_errors (device);
  else if (strcmp (cmd, "enter-passcode") == 0)
    emu_device_enter_passcode (device);
  else if (strcmp (cmd, "passcode-timeout") == 0)
    {
      if (n == 0 || n > 3600000)
        return g_strdup ("error passcode-timeout is 1 to 3600000 ms");
      emu_device_set_passcode_timeout (device, (uint32_t) n);
    }
  else if (strcmp (cmd, "udid") == 0)
    return g_strconcat ("ok ", emu_device_get_udid (device), NULL);
  else
    return g_strdup_printf ("error unknown command %s", cmd);

  return g_strdup_printf ("ok %s", cmd);
}

void
emu_control_serve_client (EmuMux *mux, int fd)
{
  GString *line = g_string_new (NULL);
  char buf[1024];

  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      char *nl;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (line, buf, n);
      while ((nl = memchr (line->str, '\n', line->len)) != NULL)
        {
          g_autofree char *cmd = g_strndup (line->str, nl - line->str);
          g_autofree char *reply = NULL;
          g_autofree char *out = NULL;

          g_string_erase (line, 0, nl - line->str + 1);
          g_strstrip (cmd);
          reply = emu_control_execute (mux, cmd);
          out = g_strconcat (reply, "\n", NULL);
          if (send (fd, out, strlen (out), MSG_NOSIGNAL) < 0)
            goto out;
        }
      if (line->len > 4096)
        break;
    }
out:
  g_string_free (line, TRUE);
  close (fd);
}
