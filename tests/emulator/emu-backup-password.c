/* emu-backup-password.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ChangePassword, as real phones answer it (libimobiledevice 1.3.0's idevicebackup2
 * `encryption on|off`, `changepw`; its issues #996, #1084, #1200):
 *
 *  - {NewPassword} turns encryption on, {OldPassword} turns it off, both change the password;
 *    the message also names the TargetIdentifier;
 *  - an OldPassword that is not the phone's (or none while encryption is on) is refused with
 *    ErrorCode 207 "Invalid password (MBErrorDomain/207)", the reply of a real phone (#996);
 *  - iOS 13 and later ask for the passcode on the phone to confirm (idevicebackup2 prints
 *    "Please confirm … by entering the passcode on the device"); here that is `--backup-passcode`:
 *    the same passcode screen as at a backup's start (LocalAuthentication notifications,
 *    control `enter-passcode`), and ErrorCode 208 "Device locked" when it times out — the code
 *    iOS gives a backup whose passcode was not entered; what iOS answers a change left
 *    unconfirmed is not published;
 *  - once changed, lockdown's WillEncrypt says so, com.apple.mobile.backup.domain_changed is
 *    posted (idevicebackup2 observes it), and the next backup is encrypted with the new
 *    password (or plain).
 *
 * The old password is checked before the passcode screen shows. */

#include "config.h"

#include <poll.h>
#include <string.h>

#include <glib.h>

#include "emu-backup-password.h"
#include "emu-notification-proxy.h"

#define LA_PRESENTED   "com.apple.LocalAuthentication.ui.presented"
#define LA_DISMISSED   "com.apple.LocalAuthentication.ui.dismissed"
#define DOMAIN_CHANGED "com.apple.mobile.backup.domain_changed"

static char *
dup_dict_string (plist_t     dict,
                 const char *key)
{
  plist_t node = plist_dict_get_item (dict, key);
  char *value = NULL;
  char *copy;

  if (node == NULL || plist_get_node_type (node) != PLIST_STRING)
    return NULL;
  plist_get_string_val (node, &value);
  copy = value != NULL && value[0] != '\0' ? g_strdup (value) : NULL;
  free (value);
  return copy;
}

/* The host is still connected (it did not close its end). */
static bool
conn_alive (void *data)
{
  struct pollfd pfd = { emu_conn_get_fd (data), POLLRDHUP, 0 };

  return poll (&pfd, 1, 0) == 0 || (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) == 0;
}

int
emu_backup_ask_passcode (EmuDevice *device,
                         EmuConn   *conn)
{
  int entered;

  if (!emu_device_get_backup_passcode (device))
    return 1;
  emu_device_ask_passcode (device);
  emu_notification_proxy_post (device, LA_PRESENTED);
  entered = emu_device_wait_passcode_while (device, conn != NULL ? conn_alive : NULL, conn);
  emu_notification_proxy_post (device, LA_DISMISSED);
  return entered;
}

bool
emu_backup_password_change (EmuDevice  *device,
                            EmuConn    *conn,
                            plist_t     request,
                            int        *code,
                            char      **description)
{
  g_autofree char *old_password = dup_dict_string (request, "OldPassword");
  g_autofree char *new_password = dup_dict_string (request, "NewPassword");
  g_autofree char *current = emu_device_dup_backup_password (device);

  *code = 0;
  *description = NULL;

  if (current != NULL && g_strcmp0 (old_password, current) != 0)
    {
      *code = EMU_MOBILEBACKUP2_ERROR_WRONG_PASSWORD;
      *description = g_strdup ("Invalid password (MBErrorDomain/207)");
      return true;
    }
  if (current == NULL && new_password == NULL)
    {
      *code = 1;
      *description = g_strdup ("Backup encryption is not enabled");
      return true;
    }

  switch (emu_backup_ask_passcode (device, conn))
    {
    case -1:
      return false;
    case 0:
      *code = EMU_MOBILEBACKUP2_ERROR_DEVICE_LOCKED;
      *description = g_strdup ("Device locked (MBErrorDomain/208)");
      return true;
    default:
      break;
    }

  emu_device_set_backup_password (device, new_password);
  emu_notification_proxy_post (device, DOMAIN_CHANGED);
  g_debug ("backup encryption of %s is now %s", emu_device_get_udid (device),
           new_password != NULL ? "on" : "off");
  if (current != NULL)
    explicit_bzero (current, strlen (current));
  return true;
}
