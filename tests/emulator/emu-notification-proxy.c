/* emu-notification-proxy.c
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

/* The device side of notification_proxy.  Nothing on the emulated phone
 * reacts to sync notifications, so they are only logged at debug level; a
 * name posted on a connection that also observes it is relayed back, as the
 * phone's notify center would; Shutdown gets its ProxyDeath so that
 * np_client_free does not wait 30 s. */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "emu-notification-proxy.h"

static char *
dup_string (plist_t dict,
            const char *key)
{
  plist_t node = plist_dict_get_item (dict, key);
  char *value = NULL;

  if (node != NULL && plist_get_node_type (node) == PLIST_STRING)
    plist_get_string_val (node, &value);
  return value;
}

static bool
send_command (EmuConn    *conn,
              const char *command,
              const char *name)
{
  plist_t reply = plist_new_dict ();
  bool ok;

  plist_dict_set_item (reply, "Command", plist_new_string (command));
  if (name != NULL)
    plist_dict_set_item (reply, "Name", plist_new_string (name));
  ok = emu_conn_send_plist (conn, reply, false);
  plist_free (reply);
  return ok;
}

void
emu_notification_proxy_serve (EmuDevice *device,
                              EmuConn   *conn)
{
  g_autoptr(GHashTable) observed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (;;)
    {
      plist_t msg = emu_conn_recv_plist (conn);
      char *command;
      char *name;
      gboolean shutdown;
      gboolean relay_failed = FALSE;

      if (msg == NULL)
        return;
      if (plist_get_node_type (msg) != PLIST_DICT)
        {
          plist_free (msg);
          continue;
        }

      command = dup_string (msg, "Command");
      name = dup_string (msg, "Name");
      shutdown = g_strcmp0 (command, "Shutdown") == 0;
      g_debug ("notification_proxy %s: %s %s", emu_device_get_udid (device),
               command != NULL ? command : "(none)", name != NULL ? name : "");
      plist_free (msg);

      if (name != NULL && g_strcmp0 (command, "ObserveNotification") == 0)
        g_hash_table_add (observed, g_strdup (name));
      else if (name != NULL && g_strcmp0 (command, "PostNotification") == 0
               && g_hash_table_contains (observed, name))
        relay_failed = !send_command (conn, "RelayNotification", name);
      free (command);
      free (name);

      if (relay_failed)
        return;
      if (shutdown)
        {
          send_command (conn, "ProxyDeath", NULL);
          return;
        }
    }
}
