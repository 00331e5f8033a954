/* emu-usbmuxd.h
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

/* The usbmuxd endpoint: plist protocol, device list and hotplug events,
 * Connect to device ports, the host-side pair record store and SystemBUID. */

#pragma once

#include "emu-device.h"

typedef struct _EmuMux EmuMux;

EmuMux    *emu_mux_new          (const char *state_root, EmuDevice **devices, unsigned n_devices,
                                 char **error);
void       emu_mux_free         (EmuMux *mux);
/* Serves one accepted client socket until it closes; runs on its own thread. */
void       emu_mux_serve_client (EmuMux *mux, int fd);
/* Finds a device by UDID, or the only device when @udid is NULL. */
EmuDevice *emu_mux_find_device  (EmuMux *mux, const char *udid);

/* Opens a listening socket for an address in USBMUXD_SOCKET_ADDRESS syntax
 * ("UNIX:/path" or "HOST:PORT").  *unix_path is set for UNIX sockets so the
 * caller can remove the file at exit. Returns -1 with *error set. */
int        emu_listen_address   (const char *address, char **unix_path, char **error);
