/* emu-control.h
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

/* The --control socket: one text command per line, one reply line. */

#pragma once

#include "emu-usbmuxd.h"

/* Runs one command line (without newline); returns the reply line
 * ("ok …" or "error <reason>"), newly allocated, without newline. */
char *emu_control_execute      (EmuMux *mux, const char *line);
/* Serves one control client until it closes. */
void  emu_control_serve_client (EmuMux *mux, int fd);
