/* emu-conn.h
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

/* The device side of one connection (after usbmuxd Connect): a raw fd that
 * may switch to TLS (lockdownd sessions, service SSL), with exact reads and
 * writes and the 4-byte big-endian plist framing every plist service uses. */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <plist/plist.h>
#include <openssl/ssl.h>

typedef struct _EmuConn EmuConn;

/* Largest plist frame accepted from a client; anything bigger is treated as
 * a protocol error (the connection is then closed), never allocated. */
#define EMU_CONN_MAX_PLIST (16u * 1024u * 1024u)

EmuConn *emu_conn_new   (int fd);
/* Closes the fd.  If TLS is active, sends close_notify first (1.3.0 treats
 * an EOF without it as an SSL error). */
void     emu_conn_free  (EmuConn *conn);
int      emu_conn_get_fd (EmuConn *conn);

/* Reads exactly @len bytes; returns false on EOF, error or shutdown. */
bool     emu_conn_read_all  (EmuConn *conn, void *buf, size_t len);
/* Reads up to @len bytes (at least 1); returns the count, 0 on EOF, -1 on error. */
ssize_t  emu_conn_read_some (EmuConn *conn, void *buf, size_t len);
/* Writes exactly @len bytes (in one write() where the kernel allows it,
 * since libimobiledevice reads fixed-size parts with a single recv). */
bool     emu_conn_write_all (EmuConn *conn, const void *buf, size_t len);
/* Writes @hdr then @data, without copying @data, as one writev where possible. */
bool     emu_conn_write2    (EmuConn *conn, const void *hdr, size_t hdr_len,
                             const void *data, size_t data_len);

/* Receives one framed plist (XML or binary). Returns NULL on EOF, error, a
 * frame larger than EMU_CONN_MAX_PLIST or an unparsable plist. Caller frees
 * with plist_free. */
plist_t  emu_conn_recv_plist (EmuConn *conn);
/* Sends one framed plist, as XML (lockdownd, notification_proxy) or binary
 * (DeviceLink / mobilebackup2), length and body in a single write. */
bool     emu_conn_send_plist (EmuConn *conn, plist_t plist, bool binary);

/* Switches to TLS as the server with the given PEM certificate and PEM
 * private key (security level 0, no client verification). */
bool     emu_conn_start_tls  (EmuConn *conn, const char *cert_pem, const char *key_pem);
/* Ends TLS the way lockdownd StopSession needs: waits for the client's
 * close_notify, then drops the SSL object without sending our own, and
 * continues in plaintext on the raw fd. */
void     emu_conn_stop_tls   (EmuConn *conn);
bool     emu_conn_is_tls     (EmuConn *conn);
