/* ks-hash.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* SHA-256 through OpenSSL's EVP interface, which uses the CPU's SHA instructions where
 * present and so keeps up with USB and disk rates (GChecksum does not). */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ks-hash.h"

struct _KsHasher
{
  EVP_MD_CTX *ctx;
};

KsHasher *
ks_hasher_new (void)
{
  KsHasher *hasher = g_new0 (KsHasher, 1);

  hasher->ctx = EVP_MD_CTX_new ();
  if (hasher->ctx == NULL || EVP_DigestInit_ex (hasher->ctx, EVP_sha256 (), NULL) != 1)
    g_error ("OpenSSL could not initialise SHA-256");

  return hasher;
}

void
ks_hasher_update (KsHasher   *hasher,
                  const void *data,
                  gsize       len)
{
  g_return_if_fail (hasher != NULL);

  if (len > 0)
    EVP_DigestUpdate (hasher->ctx, data, len);
}

/**
 * ks_hasher_finish:
 *
 * Returns: (transfer full): the lowercase hex digest. The hasher is reset and can be reused.
 */
char *
ks_hasher_finish (KsHasher *hasher)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  static const char hex[] = "0123456789abcdef";
  char *out;

  g_return_val_if_fail (hasher != NULL, NULL);

  EVP_DigestFinal_ex (hasher->ctx, md, &md_len);
  EVP_DigestInit_ex (hasher->ctx, EVP_sha256 (), NULL);

  out = g_malloc (md_len * 2 + 1);
  for (unsigned int i = 0; i < md_len; i++)
    {
      out[i * 2] = hex[md[i] >> 4];
      out[i * 2 + 1] = hex[md[i] & 0xf];
    }
  out[md_len * 2] = '\0';

  return out;
}

void
ks_hasher_free (KsHasher *hasher)
{
  if (hasher == NULL)
    return;

  EVP_MD_CTX_free (hasher->ctx);
  g_free (hasher);
}

/**
 * ks_hash_fd:
 * @fd: a file descriptor open for reading, positioned where hashing starts
 * @out_size: (out) (optional): number of bytes hashed
 *
 * Reads @fd to its end in large blocks and hashes what it read.
 *
 * Returns: (transfer full): the hex digest, or %NULL with @error set.
 */
char *
ks_hash_fd (int           fd,
            guint64      *out_size,
            GCancellable *cancellable,
            GError      **error)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();
  const gsize bufsize = 1024 * 1024;
  g_autofree guint8 *buf = g_malloc (bufsize);
  guint64 total = 0;

  for (;;)
    {
      ssize_t n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      n = read (fd, buf, bufsize);
      if (n < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "%s", g_strerror (errsv));
          return NULL;
        }
      if (n == 0)
        break;

      ks_hasher_update (hasher, buf, n);
      total += n;
    }

  if (out_size)
    *out_size = total;

  return ks_hasher_finish (hasher);
}

gboolean
ks_hash_is_valid (const char *hex)
{
  if (hex == NULL)
    return FALSE;

  for (guint i = 0; i < KS_HASH_HEX_LEN; i++)
    {
      if (!g_ascii_isxdigit (hex[i]) || g_ascii_isupper (hex[i]))
        return FALSE;
    }

  return hex[KS_HASH_HEX_LEN] == '\0';
}
