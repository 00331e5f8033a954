/* emu-conn.c
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

/* Exact reads/writes over a socket that may be wrapped in TLS, and the
 * length-prefixed plist framing of lockdownd-style services. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "emu-conn.h"

struct _EmuConn
{
  int      fd;
  SSL_CTX *ctx;
  SSL     *ssl;
};

EmuConn *
emu_conn_new (int fd)
{
  EmuConn *conn = calloc (1, sizeof *conn);

  conn->fd = fd;
  return conn;
}

static void
drop_ssl (EmuConn *conn)
{
  if (conn->ssl != NULL)
    SSL_free (conn->ssl);
  if (conn->ctx != NULL)
    SSL_CTX_free (conn->ctx);
  conn->ssl = NULL;
  conn->ctx = NULL;
}

void
emu_conn_free (EmuConn *conn)
{
  if (conn == NULL)
    return;
  if (conn->ssl != NULL)
    SSL_shutdown (conn->ssl);
  drop_ssl (conn);
  if (conn->fd >= 0)
    close (conn->fd);
  free (conn);
}

int
emu_conn_get_fd (EmuConn *conn)
{
  return conn->fd;
}

bool
emu_conn_is_tls (EmuConn *conn)
{
  return conn->ssl != NULL;
}

ssize_t
emu_conn_read_some (EmuConn *conn, void *buf, size_t len)
{
  if (len == 0)
    return 0;

  if (conn->ssl != NULL)
    {
      int n = SSL_read (conn->ssl, buf, len > INT32_MAX ? INT32_MAX : (int) len);

      if (n > 0)
        return n;
      return SSL_get_error (conn->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    }

  for (;;)
    {
      ssize_t n = recv (conn->fd, buf, len, 0);

      if (n < 0 && errno == EINTR)
        continue;
      return n;
    }
}

bool
emu_conn_read_all (EmuConn *conn, void *buf, size_t len)
{
  uint8_t *p = buf;

  while (len > 0)
    {
      ssize_t n = emu_conn_read_some (conn, p, len);

      if (n <= 0)
        return false;
      p += n;
      len -= (size_t) n;
    }
  return true;
}

bool
emu_conn_write_all (EmuConn *conn, const void *buf, size_t len)
{
  return emu_conn_write2 (conn, buf, len, NULL, 0);
}

static bool
ssl_write_all (SSL *ssl, const uint8_t *p, size_t len)
{
  while (len > 0)
    {
      int chunk = len > (1u << 30) ? (1 << 30) : (int) len;
      int n = SSL_write (ssl, p, chunk);

      if (n <= 0)
        return false;
      p += n;
      len -= (size_t) n;
    }
  return true;
}

bool
emu_conn_write2 (EmuConn *conn, const void *hdr, size_t hdr_len,
                 const void *data, size_t data_len)
{
  struct iovec iov[2];
  int iovcnt = 0;

  if (conn->ssl != NULL)
    {
      /* Keep a small message in one TLS record: the host reads the 4-byte
       * length and short headers with a single SSL_read. */
      if (data_len > 0 && hdr_len + data_len <= 64 * 1024)
        {
          uint8_t *tmp = malloc (hdr_len + data_len);
          bool ok;

          memcpy (tmp, hdr, hdr_len);
          memcpy (tmp + hdr_len, data, data_len);
          ok = ssl_write_all (conn->ssl, tmp, hdr_len + data_len);
          free (tmp);
          return ok;
        }
      return ssl_write_all (conn->ssl, hdr, hdr_len)
             && ssl_write_all (conn->ssl, data, data_len);
    }

  if (hdr_len > 0)
    iov[iovcnt++] = (struct iovec) { (void *) hdr, hdr_len };
  if (data_len > 0)
    iov[iovcnt++] = (struct iovec) { (void *) data, data_len };

  while (iovcnt > 0)
    {
      struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovcnt };
      ssize_t n = sendmsg (conn->fd, &msg, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return false;
        }
      while (iovcnt > 0 && (size_t) n >= iov[0].iov_len)
        {
          n -= iov[0].iov_len;
          iov[0] = iov[1];
          iovcnt--;
        }
      if (iovcnt > 0)
        {
          iov[0].iov_base = (uint8_t *) iov[0].iov_base + n;
          iov[0].iov_len -= n;
        }
    }
  return true;
}

plist_t
emu_conn_recv_plist (EmuConn *conn)
{
  uint32_t be_len;
  uint32_t len;
  char *buf;
  plist_t plist = NULL;

  if (!emu_conn_read_all (conn, &be_len, 4))
    return NULL;
  len = ntohl (be_len);
  if (len == 0 || len > EMU_CONN_MAX_PLIST)
    return NULL;

  buf = malloc (len + 1);
  if (buf == NULL)
    return NULL;
  if (!emu_conn_read_all (conn, buf, len))
    {
      free (buf);
      return NULL;
    }
  buf[len] = '\0';

  if (len >= 8 && memcmp (buf, "bplist00", 8) == 0)
    plist_from_bin (buf, len, &plist);
  else if (len >= 5 && memcmp (buf, "<?xml", 5) == 0)
    plist_from_xml (buf, len, &plist);
  free (buf);
  return plist;
}

bool
emu_conn_send_plist (EmuConn *conn, plist_t plist, bool binary)
{
  char *body = NULL;
  uint32_t len = 0;
  uint32_t be_len;
  bool ok;

  if (binary)
    plist_to_bin (plist, &body, &len);
  else
    plist_to_xml (plist, &body, &len);
  if (body == NULL)
    return false;

  be_len = htonl (len);
  ok = emu_conn_write2 (conn, &be_len, 4, body, len);
  free (body);
  return ok;
}

bool
emu_conn_start_tls (EmuConn *conn, const char *cert_pem, const char *key_pem)
{
  BIO *bio;
  X509 *cert;
  EVP_PKEY *key;
  int ret;

  drop_ssl (conn);
  conn->ctx = SSL_CTX_new (TLS_server_method ());
  if (conn->ctx == NULL)
    return false;
  /* The pair certificates libimobiledevice 1.3.0 makes are SHA-1 signed
   * and the host accepts anything: mimic a device, not a hardened server. */
  SSL_CTX_set_security_level (conn->ctx, 0);
  SSL_CTX_set_min_proto_version (conn->ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version (conn->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify (conn->ctx, SSL_VERIFY_NONE, NULL);

  bio = BIO_new_mem_buf (cert_pem, -1);
  cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  bio = BIO_new_mem_buf (key_pem, -1);
  key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);

  ret = cert != NULL && key != NULL
        && SSL_CTX_use_certificate (conn->ctx, cert) == 1
        && SSL_CTX_use_PrivateKey (conn->ctx, key) == 1;
  X509_free (cert);
  EVP_PKEY_free (key);
  if (!ret)
    {
      ERR_clear_error ();
      drop_ssl (conn);
      return false;
    }

  conn->ssl = SSL_new (conn->ctx);
  SSL_set_fd (conn->ssl, conn->fd);
  if (SSL_accept (conn->ssl) != 1)
    {
      ERR_clear_error ();
      /* No close_notify on a failed handshake. */
      drop_ssl (conn);
      return false;
    }
  return true;
}

void
emu_conn_stop_tls (EmuConn *conn)
{
  uint8_t buf[256];

  if (conn->ssl == NULL)
    return;
  /* Wait for the host's close_notify (or EOF); a socket BIO does not read
   * ahead, so no plaintext that follows is swallowed. */
  while (SSL_read (conn->ssl, buf, sizeof buf) > 0)
    ;
  ERR_clear_error ();
  drop_ssl (conn);
}
