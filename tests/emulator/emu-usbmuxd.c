/* emu-usbmuxd.c
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

/* The usbmuxd endpoint libusbmuxd 2.0.2 talks to: XML plist protocol only,
 * ListDevices/Listen (with Attached/Detached pushed later), Connect (then a
 * raw pipe to lockdownd or a service), ReadBUID and the pair record store. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "emu-conn.h"
#include "emu-service.h"
#include "emu-usbmuxd.h"

#define MUX_HEADER_SIZE   16
#define MUX_MAX_MESSAGE   (1024u * 1024u)
#define MUX_MSG_PLIST     8

enum {
  RESULT_OK = 0,
  RESULT_BADCOMMAND = 1,
  RESULT_BADDEV = 2,
  RESULT_CONNREFUSED = 3,
};

struct _EmuMux
{
  char       *records_dir;
  char       *buid;
  EmuDevice **devices;
  unsigned    n_devices;

  GMutex      lock;       /* guards listeners and writes to them */
  GArray     *listeners;  /* int fds */
};

typedef struct
{
  uint32_t length;
  uint32_t version;
  uint32_t message;
  uint32_t tag;
} MuxHeader;

static bool
send_plist_locked (int fd, uint32_t tag, plist_t plist)
{
  char *xml = NULL;
  uint32_t len = 0;
  MuxHeader hdr;
  EmuConn *conn;
  bool ok;

  plist_to_xml (plist, &xml, &len);
  if (xml == NULL)
    return false;
  hdr.length = GUINT32_TO_LE (MUX_HEADER_SIZE + len);
  hdr.version = GUINT32_TO_LE (1);
  hdr.message = GUINT32_TO_LE (MUX_MSG_PLIST);
  hdr.tag = GUINT32_TO_LE (tag);
  /* A borrowed wrapper only for the writev helper; the fd stays open. */
  conn = emu_conn_new (fd);
  ok = emu_conn_write2 (conn, &hdr, sizeof hdr, xml, len);
  free (conn);
  free (xml);
  return ok;
}

static bool
send_result (int fd, uint32_t tag, uint64_t number)
{
  plist_t dict = plist_new_dict ();
  bool ok;

  plist_dict_set_item (dict, "MessageType", plist_new_string ("Result"));
  plist_dict_set_item (dict, "Number", plist_new_uint (number));
  ok = send_plist_locked (fd, tag, dict);
  plist_free (dict);
  return ok;
}

static plist_t
attached_dict (EmuDevice *device)
{
  plist_t dict = plist_new_dict ();
  plist_t props = plist_new_dict ();
  uint32_t id = emu_device_get_id (device);

  plist_dict_set_item (props, "ConnectionSpeed", plist_new_uint (480000000));
  plist_dict_set_item (props, "ConnectionType", plist_new_string ("USB"));
  plist_dict_set_item (props, "DeviceID", plist_new_uint (id));
  plist_dict_set_item (props, "LocationID", plist_new_uint (0x14100000 + id));
  plist_dict_set_item (props, "ProductID", plist_new_uint (0x12A8));
  plist_dict_set_item (props, "SerialNumber", plist_new_string (emu_device_get_udid (device)));
  plist_dict_set_item (dict, "MessageType", plist_new_string ("Attached"));
  plist_dict_set_item (dict, "DeviceID", plist_new_uint (id));
  plist_dict_set_item (dict, "Properties", props);
  return dict;
}

static void
broadcast (EmuMux *mux, plist_t event)
{
  g_mutex_lock (&mux->lock);
  for (guint i = 0; i < mux->listeners->len; i++)
    send_plist_locked (g_array_index (mux->listeners, int, i), 0, event);
  g_mutex_unlock (&mux->lock);
}

static void
device_event_cb (EmuDevice *device, bool attached, void *user_data)
{
  EmuMux *mux = user_data;
  plist_t event;

  if (attached)
    event = attached_dict (device);
  else
    {
      event = plist_new_dict ();
      plist_dict_set_item (event, "MessageType", plist_new_string ("Detached"));
      plist_dict_set_item (event, "DeviceID", plist_new_uint (emu_device_get_id (device)));
    }
  broadcast (mux, event);
  plist_free (event);
}

EmuMux *
emu_mux_new (const char *state_root, EmuDevice **devices, unsigned n_devices, char **error)
{
  EmuMux *mux = g_new0 (EmuMux, 1);
  g_autofree char *buid_path = NULL;
  g_autofree char *buid = NULL;

  g_mutex_init (&mux->lock);
  mux->listeners = g_array_new (FALSE, FALSE, sizeof (int));
  mux->devices = devices;
  mux->n_devices = n_devices;
  mux->records_dir = g_build_filename (state_root, "usbmuxd", NULL);
  if (g_mkdir_with_parents (mux->records_dir, 0700) != 0)
    {
      *error = g_strdup_printf ("cannot create %s: %s", mux->records_dir, g_strerror (errno));
      emu_mux_free (mux);
      return NULL;
    }

  buid_path = g_build_filename (mux->records_dir, "SystemBUID", NULL);
  if (!g_file_get_contents (buid_path, &buid, NULL, NULL) || *g_strstrip (buid) == '\0')
    {
      g_autofree char *uuid = g_uuid_string_random ();

      g_free (buid);
      buid = g_ascii_strup (uuid, -1);
      g_file_set_contents (buid_path, buid, -1, NULL);
    }
  mux->buid = g_steal_pointer (&buid);

  for (unsigned i = 0; i < n_devices; i++)
    emu_device_set_event_func (devices[i], device_event_cb, mux);
  return mux;
}

void
emu_mux_free (EmuMux *mux)
{
  if (mux == NULL)
    return;
  for (unsigned i = 0; i < mux->n_devices; i++)
    emu_device_set_event_func (mux->devices[i], NULL, NULL);
  g_free (mux->records_dir);
  g_free (mux->buid);
  g_array_unref (mux->listeners);
  g_mutex_clear (&mux->lock);
  g_free (mux);
}

EmuDevice *
emu_mux_find_device (EmuMux *mux, const char *udid)
{
  if (udid == NULL || *udid == '\0')
    return mux->n_devices == 1 ? mux->devices[0] : NULL;
  for (unsigned i = 0; i < mux->n_devices; i++)
    if (g_ascii_strcasecmp (emu_device_get_udid (mux->devices[i]), udid) == 0)
      return mux->devices[i];
  return NULL;
}

static EmuDevice *
find_by_id (EmuMux *mux, uint64_t id)
{
  for (unsigned i = 0; i < mux->n_devices; i++)
    if (emu_device_get_id (mux->devices[i]) == id)
      return mux->devices[i];
  return NULL;
}

static const char *
dict_get_string (plist_t dict, const char *key)
{
  plist_t node = plist_dict_get_item (dict, key);

  if (node == NULL || plist_get_node_type (node) != PLIST_STRING)
    return NULL;
  return plist_get_string_ptr (node, NULL);
}

static bool
dict_get_uint (plist_t dict, const char *key, uint64_t *out)
{
  plist_t node = plist_dict_get_item (dict, key);

  if (node == NULL || plist_get_node_type (node) != PLIST_UINT)
    return false;
  plist_get_uint_val (node, out);
  return true;
}

/* Pair records are files named after the UDID; refuse anything that could
 * walk out of the records dir. */
static char *
record_path (EmuMux *mux, const char *udid)
{
  g_autofree char *file = NULL;

  if (udid == NULL || *udid == '\0' || strlen (udid) > 64
      || strspn (udid, "ABCDEFabcdef0123456789-") != strlen (udid))
    return NULL;
  file = g_strconcat (udid, ".plist", NULL);
  return g_build_filename (mux->records_dir, file, NULL);
}

static void
serve_connect (EmuMux *mux, int fd, uint32_t tag, plist_t msg)
{
  uint64_t id = 0, port_value = 0;
  EmuDevice *device;
  uint16_t port;
  EmuServeFunc serve = NULL;
  EmuConn *conn;

  if (!dict_get_uint (msg, "DeviceID", &id) || !dict_get_uint (msg, "PortNumber", &port_value))
    {
      send_result (fd, tag, RESULT_BADCOMMAND);
      return;
    }
  device = find_by_id (mux, id);
  if (device == NULL || emu_device_is_detached (device))
    {
      send_result (fd, tag, RESULT_BADDEV);
      return;
    }
  /* libusbmuxd stores htons(port) as the integer. */
  port = ntohs ((uint16_t) (port_value & 0xFFFF));
  if (port == EMU_LOCKDOWND_PORT)
    serve = emu_lockdownd_serve;
  else
    {
      const EmuService *service = emu_service_lookup_by_port (port);

      if (service != NULL)
        serve = service->serve;
    }
  if (serve == NULL)
    {
      send_result (fd, tag, RESULT_CONNREFUSED);
      return;
    }
  if (!emu_device_add_conn (device, fd))
    {
      send_result (fd, tag, RESULT_BADDEV);
      return;
    }
  if (send_result (fd, tag, RESULT_OK))
    {
      conn = emu_conn_new (fd);
      serve (device, conn);
      emu_device_remove_conn (device, fd);
      /* emu_conn_free closes the fd (after close_notify when in TLS). */
      emu_conn_free (conn);
      return;
    }
  emu_device_remove_conn (device, fd);
  close (fd);
}

/* Returns true when the socket was handed over (Connect) or must close. */
static bool
handle_message (EmuMux *mux, int fd, uint32_t tag, plist_t msg, bool *listening)
{
  const char *type = dict_get_string (msg, "MessageType");

  if (type == NULL)
    {
      send_result (fd, tag, RESULT_BADCOMMAND);
      return false;
    }

  if (strcmp (type, "ListDevices") == 0)
    {
      plist_t reply = plist_new_dict ();
      plist_t list = plist_new_array ();

      for (unsigned i = 0; i < mux->n_devices; i++)
        if (!emu_device_is_detached (mux->devices[i]))
          plist_array_append_item (list, attached_dict (mux->devices[i]));
      plist_dict_set_item (reply, "DeviceList", list);
      send_plist_locked (fd, tag, reply);
      plist_free (reply);
    }
  else if (strcmp (type, "Listen") == 0)
    {
      if (*listening)
        {
          send_result (fd, tag, RESULT_BADCOMMAND);
          return false;
        }
      /* Events are written under the mux lock: bound how long a listener
       * that stopped reading can hold everyone up. */
      {
        struct timeval tv = { 2, 0 };

        setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      }
      /* Under the lock so no event can slip between the initial list and
       * the registration. */
      g_mutex_lock (&mux->lock);
      send_result (fd, tag, RESULT_OK);
      for (unsigned i = 0; i < mux->n_devices; i++)
        if (!emu_device_is_detached (mux->devices[i]))
          {
            plist_t event = attached_dict (mux->devices[i]);

            send_plist_locked (fd, 0, event);
            plist_free (event);
          }
      g_array_append_val (mux->listeners, fd);
      g_mutex_unlock (&mux->lock);
      *listening = true;
    }
  else if (strcmp (type, "Connect") == 0)
    {
      if (*listening)
        {
          send_result (fd, tag, RESULT_BADCOMMAND);
          return false;
        }
      serve_connect (mux, fd, tag, msg);
      return true;
    }
  else if (strcmp (type, "ReadBUID") == 0)
    {
      plist_t reply = plist_new_dict ();

      plist_dict_set_item (reply, "BUID", plist_new_string (mux->buid));
      send_plist_locked (fd, tag, reply);
      plist_free (reply);
    }
  else if (strcmp (type, "ReadPairRecord") == 0)
    {
      g_autofree char *path = record_path (mux, dict_get_string (msg, "PairRecordID"));
      g_autofree char *data = NULL;
      gsize len = 0;

      if (path != NULL && g_file_get_contents (path, &data, &len, NULL))
        {
          plist_t reply = plist_new_dict ();

          plist_dict_set_item (reply, "PairRecordData", plist_new_data (data, len));
          send_plist_locked (fd, tag, reply);
          plist_free (reply);
        }
      else
        send_result (fd, tag, 2 /* ENOENT, as usbmuxd sends it */);
    }
  else if (strcmp (type, "SavePairRecord") == 0)
    {
      g_autofree char *path = record_path (mux, dict_get_string (msg, "PairRecordID"));
      plist_t data = plist_dict_get_item (msg, "PairRecordData");
      uint64_t id = 0;

      if (path != NULL && data != NULL && plist_get_node_type (data) == PLIST_DATA)
        {
          uint64_t len = 0;
          const char *bytes = plist_get_data_ptr (data, &len);

          if (g_file_set_contents_full (path, bytes, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL))
            {
              send_result (fd, tag, RESULT_OK);
              if (dict_get_uint (msg, "DeviceID", &id) && find_by_id (mux, id) != NULL)
                {
                  plist_t event = plist_new_dict ();

                  plist_dict_set_item (event, "MessageType", plist_new_string ("Paired"));
                  plist_dict_set_item (event, "DeviceID", plist_new_uint (id));
                  broadcast (mux, event);
                  plist_free (event);
                }
              return false;
            }
        }
      send_result (fd, tag, RESULT_BADCOMMAND);
    }
  else if (strcmp (type, "DeletePairRecord") == 0)
    {
      g_autofree char *path = record_path (mux, dict_get_string (msg, "PairRecordID"));

      if (path != NULL)
        g_unlink (path);
      send_result (fd, tag, path != NULL ? RESULT_OK : RESULT_BADCOMMAND);
    }
  else
    send_result (fd, tag, RESULT_BADCOMMAND);
  return false;
}

void
emu_mux_serve_client (EmuMux *mux, int fd)
{
  bool listening = false;
  bool handed_over = false;

  for (;;)
    {
      MuxHeader hdr;
      uint32_t len;
      char *payload;
      plist_t msg = NULL;
      EmuConn *reader = emu_conn_new (fd);
      bool ok = emu_conn_read_all (reader, &hdr, sizeof hdr);

      if (ok)
        {
          len = GUINT32_FROM_LE (hdr.length);
          ok = len > MUX_HEADER_SIZE && len <= MUX_MAX_MESSAGE;
        }
      if (!ok)
        {
          free (reader);
          break;
        }
      len -= MUX_HEADER_SIZE;
      payload = malloc (len + 1);
      ok = payload != NULL && emu_conn_read_all (reader, payload, len);
      free (reader);
      if (!ok)
        {
          free (payload);
          break;
        }
      payload[len] = '\0';

      if (GUINT32_FROM_LE (hdr.version) != 1 || GUINT32_FROM_LE (hdr.message) != MUX_MSG_PLIST)
        {
          /* Only the plist protocol: libusbmuxd 2.0.2 never needs the
           * legacy binary one. */
          free (payload);
          g_mutex_lock (&mux->lock);
          send_result (fd, GUINT32_FROM_LE (hdr.tag), RESULT_BADCOMMAND);
          g_mutex_unlock (&mux->lock);
          continue;
        }
      if (len >= 8 && memcmp (payload, "bplist00", 8) == 0)
        plist_from_bin (payload, len, &msg);
      else
        plist_from_xml (payload, len, &msg);
      free (payload);

      if (msg == NULL || plist_get_node_type (msg) != PLIST_DICT)
        {
          plist_free (msg);
          g_mutex_lock (&mux->lock);
          send_result (fd, GUINT32_FROM_LE (hdr.tag), RESULT_BADCOMMAND);
          g_mutex_unlock (&mux->lock);
          continue;
        }

      /* Writes on a listening socket race with broadcasts; take the lock
       * for everything but Listen itself (which takes it inside) and
       * Connect (which stops being a mux socket). */
      {
        const char *type = dict_get_string (msg, "MessageType");
        bool plain = type != NULL && strcmp (type, "Listen") != 0 && strcmp (type, "Connect") != 0
                     && strcmp (type, "SavePairRecord") != 0;

        if (plain && listening)
          g_mutex_lock (&mux->lock);
        handed_over = handle_message (mux, fd, GUINT32_FROM_LE (hdr.tag), msg, &listening);
        if (plain && listening)
          g_mutex_unlock (&mux->lock);
      }
      plist_free (msg);
      if (handed_over)
        return;
    }

  if (listening)
    {
      g_mutex_lock (&mux->lock);
      for (guint i = 0; i < mux->listeners->len; i++)
        if (g_array_index (mux->listeners, int, i) == fd)
          {
            g_array_remove_index_fast (mux->listeners, i);
            break;
          }
      g_mutex_unlock (&mux->lock);
    }
  close (fd);
}

int
emu_listen_address (const char *address, char **unix_path, char **error)
{
  int fd;

  *unix_path = NULL;
  if (g_str_has_prefix (address, "UNIX:"))
    {
      struct sockaddr_un sun = { .sun_family = AF_UNIX };
      const char *path = address + 5;

      if (strlen (path) == 0 || strlen (path) >= sizeof sun.sun_path)
        {
          *error = g_strdup_printf ("bad UNIX socket path in %s", address);
          return -1;
        }
      strcpy (sun.sun_path, path);
      unlink (path);
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || bind (fd, (struct sockaddr *) &sun, sizeof sun) != 0 || listen (fd, 128) != 0)
        {
          *error = g_strdup_printf ("cannot listen on %s: %s", address, g_strerror (errno));
          if (fd >= 0)
            close (fd);
          return -1;
        }
      *unix_path = g_strdup (path);
      return fd;
    }
  else
    {
      const char *colon = strrchr (address, ':');
      g_autofree char *host = NULL;
      struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
      struct addrinfo *res = NULL;
      int one = 1;

      if (colon == NULL || colon == address || colon[1] == '\0')
        {
          *error = g_strdup_printf ("bad address %s (want UNIX:/path or HOST:PORT)", address);
          return -1;
        }
      host = g_strndup (address, colon - address);
      if (host[0] == '[' && host[strlen (host) - 1] == ']')
        {
          memmove (host, host + 1, strlen (host));
          host[strlen (host) - 1] = '\0';
        }
      if (getaddrinfo (host, colon + 1, &hints, &res) != 0 || res == NULL)
        {
          *error = g_strdup_printf ("cannot resolve %s", address);
          return -1;
        }
      fd = socket (res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0)
        setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (fd < 0 || bind (fd, res->ai_addr, res->ai_addrlen) != 0 || listen (fd, 128) != 0)
        {
          *error = g_strdup_printf ("cannot listen on %s: %s", address, g_strerror (errno));
          if (fd >= 0)
            close (fd);
          freeaddrinfo (res);
          return -1;
        }
      freeaddrinfo (res);
      return fd;
    }
}
