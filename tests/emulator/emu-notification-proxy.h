/* emu-notification-proxy.h
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

/* com.apple.mobile.notification_proxy: accepts Observe/PostNotification
 * and answers Shutdown with ProxyDeath (idevicebackup2 needs the service). */

#pragma once

#include "emu-conn.h"
#include "emu-device.h"

/* The service entry point (see EmuServeFunc in emu-service.h). */
void emu_notification_proxy_serve (EmuDevice *device, EmuConn *conn);

/* What the phone's notify center does when something on the phone posts
 * @name: every notification_proxy connection of @device that observes it
 * gets a RelayNotification.  Safe from any thread. */
void emu_notification_proxy_post  (EmuDevice *device, const char *name);
