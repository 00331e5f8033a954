/* emu-misbehave.h
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

/* A device that lies: malformed AFC and lockdownd replies (`--misbehave MODE`, control
 * `misbehave MODE`). The device keeps the mode and the seed; every AFC or lockdownd
 * connection takes its own copy when it starts (in `random`, a mode and a moment drawn
 * from the seeded generator), and the services ask it at a few points what to do. */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <plist/plist.h>

#include "emu-conn.h"

typedef enum
{
  EMU_MISBEHAVE_OFF,
  EMU_MISBEHAVE_AFC_TRUNCATED,     /* a reply cut in the middle of its body, then hang up */
  EMU_MISBEHAVE_AFC_OVERLONG,      /* a reply followed by bytes its header does not count */
  EMU_MISBEHAVE_AFC_BAD_HEADER,    /* wrong packet number, this_length, operation, status */
  EMU_MISBEHAVE_READ_LONG,         /* FileRead answers more bytes than asked */
  EMU_MISBEHAVE_READ_SHORT,        /* FileRead answers fewer bytes and skips the rest */
  EMU_MISBEHAVE_SIZE_CHANGE,       /* GetFileInfo sizes that are not what FileRead serves */
  EMU_MISBEHAVE_DIR_GARBAGE,       /* listings with empty, "."/"..", unknown names */
  EMU_MISBEHAVE_DIR_DUPLICATES,    /* listings that name every entry twice */
  EMU_MISBEHAVE_STALL,             /* half a reply, silence, then hang up */
  EMU_MISBEHAVE_LOCKDOWN_TYPES,    /* lockdownd values of the wrong type */
  EMU_MISBEHAVE_LOCKDOWN_TRUNCATED,/* a lockdownd reply cut in the middle, then hang up */
  EMU_MISBEHAVE_RANDOM,            /* each connection draws one of the above, and when */
} EmuMisbehave;

typedef struct _EmuMisbehaveConfig EmuMisbehaveConfig;

/* Per device. */
EmuMisbehaveConfig *emu_misbehave_config_new   (void);
void                emu_misbehave_config_free  (EmuMisbehaveConfig *config);
void                emu_misbehave_config_set   (EmuMisbehaveConfig *config, EmuMisbehave mode);
void                emu_misbehave_config_seed  (EmuMisbehaveConfig *config, uint64_t seed);

bool        emu_misbehave_parse (const char *name, EmuMisbehave *out);
const char *emu_misbehave_names (void);  /* "off, afc-truncated, ..." for usage texts */

/* Per connection: copied from the device's config when the connection starts. */
typedef struct
{
  EmuMisbehave mode;
  uint32_t     start;   /* lies from this reply on … */
  uint32_t     end;     /* … until this one (random: then the next burst is drawn) */
  uint32_t     replies; /* replies sent so far */
  bool         random;
  GRand       *rand;    /* random: this connection's own draws */
  uint32_t     files;   /* GetFileInfo answers so far (size-change alternates) */
  uint32_t     stall_ms;
} EmuMisbehaveConn;

void emu_misbehave_conn_init  (EmuMisbehaveConn *mb, EmuMisbehaveConfig *config, bool afc);
void emu_misbehave_conn_clear (EmuMisbehaveConn *mb);

/* AFC. Called with the complete reply (@head: 40-byte header plus header data, @data: the
 * body). Returns -1 when the reply goes out as it is (the caller sends it), else whether the
 * connection lives on (it was sent malformed). */
int      emu_misbehave_afc_send      (EmuMisbehaveConn *mb, EmuConn *conn,
                                      uint8_t *head, size_t head_len,
                                      const void *data, size_t data_len);
/* FileRead: how many bytes to send beyond what was asked (read-long), and how many of the
 * @n bytes read to send (read-short drops some). */
uint64_t emu_misbehave_read_extra    (EmuMisbehaveConn *mb);
size_t   emu_misbehave_read_send     (EmuMisbehaveConn *mb, size_t n);
/* GetFileInfo of a regular file: the st_size to report. */
uint64_t emu_misbehave_file_size     (EmuMisbehaveConn *mb, uint64_t size);
/* ReadDir: rewrites the NUL-separated listing in @out. */
void     emu_misbehave_listing       (EmuMisbehaveConn *mb, GString *out);

/* lockdownd: replaces the value of @key (NULL: the whole domain's dictionary) in place. */
void     emu_misbehave_lockdown_value (EmuMisbehaveConn *mb, const char *key, plist_t *value);
/* Returns -1 when @reply goes out as it is, else whether the connection lives on. */
int      emu_misbehave_lockdown_send  (EmuMisbehaveConn *mb, EmuConn *conn, plist_t reply);
