/* emu-service.h
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

/* The table of device services that lockdownd StartService offers, each
 * with a fixed device port, and the entry points of services implemented in
 * other files (notification_proxy and mobilebackup2). */

#pragma once

#include "emu-conn.h"
#include "emu-device.h"

/* A service entry point.  Called on its own thread once a host connected to
 * the service's port through usbmuxd Connect.  It owns nothing: when it
 * returns, the caller closes @conn (sending close_notify if TLS is on).
 * It must return promptly once emu_conn_* calls fail (the device was
 * detached: its sockets are shut down). */
typedef void (*EmuServeFunc) (EmuDevice *device, EmuConn *conn);

typedef struct
{
  const char   *name;         /* "com.apple.afc" */
  uint16_t      port;         /* device port returned by StartService */
  bool          ssl;          /* EnableServiceSSL: TLS starts right after Connect */
  EmuServeFunc  serve;        /* NULL → StartService answers InvalidService */
} EmuService;

/* Implemented in emu-notification-proxy.c and
 * emu-mobilebackup2.c.  Declared weak: until those files are linked in
 * (added to emu_backup_sources in meson.build), the symbols are NULL and
 * StartService refuses the services with InvalidService.  Their
 * definitions must be ordinary (strong) non-static functions. */
void emu_notification_proxy_serve (EmuDevice *device, EmuConn *conn) __attribute__((weak));
void emu_mobilebackup2_serve      (EmuDevice *device, EmuConn *conn) __attribute__((weak));

/* Looks up a service by name or by port; NULL if unknown or not available. */
const EmuService *emu_service_lookup         (const char *name);
const EmuService *emu_service_lookup_by_port (uint16_t port);

/* Serves lockdownd (port 62078) and AFC; exposed for the usbmuxd dispatcher. */
void emu_lockdownd_serve (EmuDevice *device, EmuConn *conn);
void emu_afc_serve       (EmuDevice *device, EmuConn *conn);

#define EMU_LOCKDOWND_PORT 62078
