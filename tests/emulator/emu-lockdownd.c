/* emu-lockdownd.c
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

/* lockdownd (device port 62078): QueryType, GetValue, Pair/ValidatePair/
 * Unpair with the trust dialog and passcode states, StartSession with TLS,
 * StopSession, StartService. */

#include "config.h"

#include <string.h>

#include <glib.h>
#include <openssl/rand.h>

#include "emu-service.h"

typedef struct
{
  EmuDevice *device;
  EmuConn   *conn;
  char      *session_id;
  EmuMisbehaveConn mb;
} Lockdown;

static const char *
get_string (plist_t dict, const char *key)
{
  plist_t node = plist_dict_get_item (dict, key);

  if (node == NULL || plist_get_node_type (node) != PLIST_STRING)
    return NULL;
  return plist_get_string_ptr (node, NULL);
}

static plist_t
reply_new (const char *request)
{
  plist_t reply = plist_new_dict ();

  plist_dict_set_item (reply, "Request", plist_new_string (request));
  return reply;
}

static bool send_reply (Lockdown *ld, plist_t reply);

static bool
send_error (Lockdown *ld, const char *request, const char *error)
{
  plist_t reply = reply_new (request);

  plist_dict_set_item (reply, "Error", plist_new_string (error));
  return send_reply (ld, reply);
}

static bool
send_reply (Lockdown *ld, plist_t reply)
{
  int lied = emu_misbehave_lockdown_send (&ld->mb, ld->conn, reply);
  bool ok = lied >= 0 ? lied > 0 : emu_conn_send_plist (ld->conn, reply, false);

  plist_free (reply);
  return ok;
}

/* What a phone says before anything is paired: passcode first (a locked
 * phone cannot show the dialog), then the trust dialog's state. */
static const char *
trust_error (EmuDevice *device)
{
  if (emu_device_get_locked (device))
    return "PasswordProtected";
  switch (emu_device_get_trust (device))
    {
    case EMU_TRUST_ASK:
      return "PairingDialogResponsePending";
    case EMU_TRUST_DENY:
      return "UserDeniedPairing";
    case EMU_TRUST_TRUSTED:
    default:
      return NULL;
    }
}

static plist_t
get_pair_record (plist_t request, const char **host_id)
{
  plist_t record = plist_dict_get_item (request, "PairRecord");

  *host_id = NULL;
  if (record == NULL || plist_get_node_type (record) != PLIST_DICT)
    return NULL;
  *host_id = get_string (record, "HostID");
  return record;
}

static bool
handle_pair (Lockdown *ld, plist_t request)
{
  const char *host_id;
  plist_t record = get_pair_record (request, &host_id);
  plist_t cert;
  const char *error;
  plist_t reply;
  unsigned char bag[32];

  if (record == NULL || host_id == NULL)
    return send_error (ld, "Pair", "InvalidPairRecord");
  cert = plist_dict_get_item (record, "DeviceCertificate");
  if (cert == NULL || plist_get_node_type (cert) != PLIST_DATA)
    return send_error (ld, "Pair", "InvalidPairRecord");
  error = trust_error (ld->device);
  if (error != NULL)
    return send_error (ld, "Pair", error);
  if (!emu_device_save_pairing (ld->device, host_id, record))
    return send_error (ld, "Pair", "SavePairRecordFailed");

  reply = reply_new ("Pair");
  /* idevicebackup2 needs an EscrowBag in the saved record to start
   * mobilebackup2. */
  RAND_bytes (bag, sizeof bag);
  plist_dict_set_item (reply, "EscrowBag", plist_new_data ((char *) bag, sizeof bag));
  return send_reply (ld, reply);
}

static bool
handle_validate_pair (Lockdown *ld, plist_t request)
{
  const char *host_id;
  g_autofree char *cert = NULL;

  get_pair_record (request, &host_id);
  if (host_id == NULL)
    return send_error (ld, "ValidatePair", "InvalidPairRecord");
  cert = emu_device_dup_device_cert (ld->device, host_id);
  if (cert == NULL)
    return send_error (ld, "ValidatePair", "InvalidHostID");
  return send_reply (ld, reply_new ("ValidatePair"));
}

static bool
handle_unpair (Lockdown *ld, plist_t request)
{
  const char *host_id;

  get_pair_record (request, &host_id);
  if (host_id == NULL)
    host_id = get_string (request, "HostID");
  if (host_id == NULL)
    return send_error (ld, "Unpair", "InvalidPairRecord");
  if (!emu_device_remove_pairing (ld->device, host_id))
    return send_error (ld, "Unpair", "InvalidHostID");
  return send_reply (ld, reply_new ("Unpair"));
}

static bool
handle_start_session (Lockdown *ld, plist_t request)
{
  const char *host_id = get_string (request, "HostID");
  g_autofree char *cert = NULL;
  plist_t reply;

  if (host_id == NULL)
    return send_error (ld, "StartSession", "MissingHostID");
  /* A locked phone refuses sessions with PasswordProtected; libimobiledevice
   * maps it to LOCKDOWN_E_PASSWORD_PROTECTED for the whole handshake. */
  if (emu_device_get_locked (ld->device))
    return send_error (ld, "StartSession", "PasswordProtected");
  if (ld->session_id != NULL)
    return send_error (ld, "StartSession", "SessionActive");
  cert = emu_device_dup_device_cert (ld->device, host_id);
  if (cert == NULL)
    return send_error (ld, "StartSession", "InvalidHostID");

  g_free (ld->session_id);
  {
    g_autofree char *uuid = g_uuid_string_random ();

    ld->session_id = g_ascii_strup (uuid, -1);
  }
  reply = reply_new ("StartSession");
  plist_dict_set_item (reply, "SessionID", plist_new_string (ld->session_id));
  plist_dict_set_item (reply, "EnableSessionSSL", plist_new_bool (1));
  if (!send_reply (ld, reply))
    return false;
  return emu_conn_start_tls (ld->conn, cert, emu_device_get_private_key_pem (ld->device));
}

static bool
handle_stop_session (Lockdown *ld, plist_t request)
{
  if (ld->session_id == NULL)
    return send_error (ld, "StopSession", "NoRunningSession");
  g_clear_pointer (&ld->session_id, g_free);
  if (!send_reply (ld, reply_new ("StopSession")))
    return false;
  emu_conn_stop_tls (ld->conn);
  return true;
}

static bool
handle_start_service (Lockdown *ld, plist_t request)
{
  const char *name = get_string (request, "Service");
  const EmuService *service;
  plist_t reply;

  if (name == NULL)
    return send_error (ld, "StartService", "MissingService");
  if (ld->session_id == NULL)
    return send_error (ld, "StartService", "SessionInactive");
  if (emu_device_get_locked (ld->device))
    return send_error (ld, "StartService", "PasswordProtected");
  service = emu_service_lookup (name);
  if (service == NULL)
    return send_error (ld, "StartService", "InvalidService");

  reply = reply_new ("StartService");
  plist_dict_set_item (reply, "Service", plist_new_string (name));
  plist_dict_set_item (reply, "Port", plist_new_uint (service->port));
  plist_dict_set_item (reply, "EnableServiceSSL", plist_new_bool (service->ssl));
  return send_reply (ld, reply);
}

static bool
handle_get_value (Lockdown *ld, plist_t request)
{
  const char *domain = get_string (request, "Domain");
  const char *key = get_string (request, "Key");
  plist_t value = emu_device_copy_value (ld->device, domain, key);
  plist_t reply = reply_new ("GetValue");

  emu_misbehave_lockdown_value (&ld->mb, key, &value);

  if (domain != NULL)
    plist_dict_set_item (reply, "Domain", plist_new_string (domain));
  if (key != NULL)
    plist_dict_set_item (reply, "Key", plist_new_string (key));
  if (value != NULL)
    plist_dict_set_item (reply, "Value", value);
  else
    plist_dict_set_item (reply, "Error", plist_new_string ("MissingValue"));
  return send_reply (ld, reply);
}

void
emu_lockdownd_serve (EmuDevice *device, EmuConn *conn)
{
  Lockdown ld = { device, conn, NULL, { 0 } };

  emu_misbehave_conn_init (&ld.mb, emu_device_get_misbehave (device), false);

  for (;;)
    {
      plist_t request = emu_conn_recv_plist (conn);
      const char *verb;
      bool ok;

      if (request == NULL)
        break;
      if (plist_get_node_type (request) != PLIST_DICT
          || (verb = get_string (request, "Request")) == NULL)
        {
          plist_t reply = plist_new_dict ();

          plist_dict_set_item (reply, "Error", plist_new_string ("InvalidRequest"));
          ok = send_reply (&ld, reply);
        }
      else if (strcmp (verb, "QueryType") == 0)
        {
          plist_t reply = reply_new (verb);

          plist_dict_set_item (reply, "Type", plist_new_string ("com.apple.mobile.lockdown"));
          ok = send_reply (&ld, reply);
        }
      else if (strcmp (verb, "GetValue") == 0)
        ok = handle_get_value (&ld, request);
      else if (strcmp (verb, "Pair") == 0)
        ok = handle_pair (&ld, request);
      else if (strcmp (verb, "ValidatePair") == 0)
        ok = handle_validate_pair (&ld, request);
      else if (strcmp (verb, "Unpair") == 0)
        ok = handle_unpair (&ld, request);
      else if (strcmp (verb, "StartSession") == 0)
        ok = handle_start_session (&ld, request);
      else if (strcmp (verb, "StopSession") == 0)
        ok = handle_stop_session (&ld, request);
      else if (strcmp (verb, "StartService") == 0)
        ok = handle_start_service (&ld, request);
      else if (strcmp (verb, "Goodbye") == 0)
        {
          plist_t reply = reply_new (verb);

          plist_dict_set_item (reply, "Result", plist_new_string ("Success"));
          send_reply (&ld, reply);
          ok = false;
        }
      else
        ok = send_error (&ld, verb, "InvalidRequest");
      plist_free (request);
      if (!ok)
        break;
    }
  emu_misbehave_conn_clear (&ld.mb);
  g_free (ld.session_id);
}
