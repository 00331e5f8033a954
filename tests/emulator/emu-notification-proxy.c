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
 * np_client_free does not wait 30 s.  Other parts of the phone post through
 * emu_notification_proxy_post() (the passcode screen of a backup). */

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

typedef struct
{
  EmuDevice  *device;
  EmuConn    *conn;
  GHashTable *observed;   /* under clients_lock */
  GMutex      send_lock;  /* one writer at a time on @conn */
} NpClient;

static GMutex clients_lock;
static GPtrArray *clients;  /* NpClient, live connections */

static bool
send_command_raw (EmuConn    *conn,
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

static bool
send_command (NpClient   *client,
              const char *command,
              const char *name)
{
  bool ok;

  g_mutex_lock (&client->send_lock);
  ok = send_command_raw (client->conn, command, name);
  g_mutex_unlock (&client->send_lock);
  return ok;
}

void
emu_notification_proxy_post (EmuDevice  *device,
                             const char *name)
{
  g_mutex_lock (&clients_lock);
  for (guint i = 0; clients != NULL && i < clients->len; i++)
    {
      NpClient *client = g_ptr_array_index (clients, i);

      if (client->device == device && g_hash_table_contains (client->observed, name))
        send_command (client, "RelayNotification", name);
    }
  g_mutex_unlock (&clients_lock);
}

void
emu_notification_proxy_serve (EmuDevice *device,
                              EmuConn   *conn)
{
  NpClient client = { device, conn, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };

  g_mutex_init (&client.send_lock);
  g_mutex_lock (&clients_lock);
  if (clients == NULL)
    clients = g_ptr_array_new ();
  g_ptr_array_add (clients, &client);
  g_mutex_unlock (&clients_lock);

  for (;;)
    {
      plist_t msg = emu_conn_recv_plist (conn);
      char *command;
      char *name;
      gboolean shutdown;
      gboolean relay_failed = FALSE;

      if (msg == NULL)
        break;
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
        {
          g_mutex_lock (&clients_lock);
          g_hash_table_add (client.observed, g_strdup (name));
          g_mutex_unlock (&clients_lock);
        }
      else if (name != NULL && g_strcmp0 (command, "PostNotification") == 0)
        {
          gboolean observed;

          g_mutex_lock (&clients_lock);
          observed = g_hash_table_contains (client.observed, name);
          g_mutex_unlock (&clients_lock);
          if (observed)
            relay_failed = !send_command (&client, "RelayNotification", name);
        }
      free (command);
      free (name);

      if (relay_failed)
        break;
      if (shutdown)
        {
          send_command (&client, "ProxyDeath", NULL);
          break;
        }
    }

  g_mutex_lock (&clients_lock);
  g_ptr_array_remove_fast (clients, &client);
  g_mutex_unlock (&clients_lock);
  g_mutex_clear (&client.send_lock);
  g_hash_table_unref (client.observed);
}
