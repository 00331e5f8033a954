/* emu-backup-password.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* mobilebackup2's ChangePassword on the device side: turns backup encryption on, changes its
 * password or turns it off, as a real phone does (see emu-backup-password.c). */

#pragma once

#include <plist/plist.h>

#include "emu-conn.h"
#include "emu-device.h"

/* iOS's MBErrorDomain code for a wrong backup password. */
#define EMU_MOBILEBACKUP2_ERROR_WRONG_PASSWORD 207
/* ... and for a passcode that was not entered in time. */
#define EMU_MOBILEBACKUP2_ERROR_DEVICE_LOCKED  208

/* The passcode screen (--backup-passcode; 1 at once without it): posts the LocalAuthentication
 * notifications around the wait for `enter-passcode`, whose result it returns (1 entered, 0
 * timed out, -1 detached, or @conn's host went away: the screen goes with it, as the request
 * it confirmed is gone). */
int  emu_backup_ask_passcode    (EmuDevice  *device,
                                 EmuConn    *conn);

/* Handles the ChangePassword @request dict. Sets *@code (0 on success) and *@description
 * (g_free; NULL on success). Returns false only when the device went away meanwhile. */
bool emu_backup_password_change (EmuDevice  *device,
                                 EmuConn    *conn,
                                 plist_t     request,
                                 int        *code,
                                 char      **description);
