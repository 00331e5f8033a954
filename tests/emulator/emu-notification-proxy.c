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
 * reacts to sync notifications, so they are only logged at debug level;
 * Shutdown gets its ProxyDeath so that np_client_free does not wait 30 s. */

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

void
emu_notification_proxy_serve (EmuDevice *device,
                              EmuConn   *conn)
{
  for (;;)
    {
      plist_t msg = emu_conn_recv_plist (conn);
      char *command;
      char *name;
      gboolean shutdown;

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
      free (command);
      free (name);
      plist_free (msg);

      if (shutdown)
        {
          plist_t reply = plist_new_dict ();

          plist_dict_set_item (reply, "Command", plist_new_string ("ProxyDeath"));
          emu_conn_send_plist (conn, reply, false);
          plist_free (reply);
          return;
        }
    }
}
