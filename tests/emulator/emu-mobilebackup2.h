/* emu-mobilebackup2.h
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

/* com.apple.mobilebackup2 over DeviceLink: version exchange, Hello, and the
 * device-driven Backup (unencrypted, camera roll and photo library only;
 * incremental unless ForceFullBackup or the previous backup is unfinished),
 * Info and List requests. */

#pragma once

#include "emu-conn.h"
#include "emu-device.h"

/* DeviceLink major version the device announces.  libimobiledevice 1.3.0
 * accepts at most 300 (Debian's build 400); iOS 14+ sends 400. */
#define EMU_MOBILEBACKUP2_DL_VERSION 300

/* ProcessMessage ErrorCode when the host lacks space (iOS's value). */
#define EMU_MOBILEBACKUP2_ERROR_NO_SPACE 105

/* The service entry point (see EmuServeFunc in emu-service.h). */
void emu_mobilebackup2_serve (EmuDevice *device, EmuConn *conn);
