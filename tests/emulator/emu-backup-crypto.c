/* emu-backup-crypto.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "emu-backup-crypto.h"

#define WRAPPED_SIZE   (EMU_BACKUP_KEY_SIZE + 8)
#define N_CLASSES      11
#define MANIFEST_CLASS 4
/* iOS asks for 10,000,000 SHA-256 and 10,000 SHA-1 rounds; the keybag says how many, so the
 * emulator asks for fewer SHA-256 rounds to keep tests quick. */
#define ITER           10000
#define DPIC           20000
#define WRAP_PASSCODE  2

struct _EmuBackupCrypto
{
  uint8_t  class_keys[N_CLASSES + 1][EMU_BACKUP_KEY_SIZE];
  uint8_t  manifest_key[EMU_BACKUP_KEY_SIZE];
  GBytes  *keybag;
  GBytes  *manifest_key_blob;
};

static void
random_bytes (uint8_t *buf,
              size_t   len)
{
  if (RAND_bytes (buf, (int) len) != 1)
    g_error ("RAND_bytes failed");
}

static void
aes_wrap (const uint8_t *kek,
          const uint8_t *key,
          uint8_t       *out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int len = 0, fin = 0;

  EVP_CIPHER_CTX_set_flags (ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_EncryptInit_ex (ctx, EVP_aes_256_wrap (), NULL, kek, NULL) != 1 ||
      EVP_EncryptUpdate (ctx, out, &len, key, EMU_BACKUP_KEY_SIZE) != 1 ||
      EVP_EncryptFinal_ex (ctx, out + len, &fin) != 1 || len + fin != WRAPPED_SIZE)
    g_error ("AES key wrap failed");
  EVP_CIPHER_CTX_free (ctx);
}

static void
tlv (GByteArray    *out,
     const char    *tag,
     const void    *value,
     uint32_t       len)
{
  uint8_t be[4] = { len >> 24, len >> 16, len >> 8, len };

  g_byte_array_append (out, (const guint8 *) tag, 4);
  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, value, len);
}

static void
tlv_u32 (GByteArray *out,
         const char *tag,
         uint32_t    v)
{
  uint8_t be[4] = { v >> 24, v >> 16, v >> 8, v };

  tlv (out, tag, be, 4);
}

static GBytes *
class_and_wrapped (uint32_t       protection_class,
                   const uint8_t *wrapped)
{
  uint8_t blob[4 + WRAPPED_SIZE] = { protection_class, protection_class >> 8,
                                     protection_class >> 16, protection_class >> 24 };

  memcpy (blob + 4, wrapped, WRAPPED_SIZE);
  return g_bytes_new (blob, sizeof blob);
}

EmuBackupCrypto *
emu_backup_crypto_new (const char *password)
{
  EmuBackupCrypto *crypto = g_new0 (EmuBackupCrypto, 1);
  GByteArray *bag = g_byte_array_new ();
  uint8_t salt[20], dpsl[20], uuid[16], hmck[40], first[32], kek[32], wrapped[WRAPPED_SIZE];

  random_bytes (salt, sizeof salt);
  random_bytes (dpsl, sizeof dpsl);
  random_bytes (uuid, sizeof uuid);
  random_bytes (hmck, sizeof hmck);
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), dpsl, sizeof dpsl, DPIC,
                         EVP_sha256 (), sizeof first, first) != 1 ||
      PKCS5_PBKDF2_HMAC ((const char *) first, sizeof first, salt, sizeof salt, ITER,
                         EVP_sha1 (), sizeof kek, kek) != 1)
    g_error ("PBKDF2 failed");

  tlv_u32 (bag, "VERS", 4);
  tlv_u32 (bag, "TYPE", 1);   /* a backup keybag */
  tlv (bag, "UUID", uuid, sizeof uuid);
  tlv (bag, "HMCK", hmck, sizeof hmck);
  tlv_u32 (bag, "WRAP", 0);
  tlv (bag, "SALT", salt, sizeof salt);
  tlv_u32 (bag, "ITER", ITER);
  tlv_u32 (bag, "DPWT", 1);
  tlv_u32 (bag, "DPIC", DPIC);
  tlv (bag, "DPSL", dpsl, sizeof dpsl);
  for (uint32_t c = 1; c <= N_CLASSES; c++)
    {
      random_bytes (crypto->class_keys[c], EMU_BACKUP_KEY_SIZE);
      random_bytes (uuid, sizeof uuid);
      aes_wrap (kek, crypto->class_keys[c], wrapped);
      tlv (bag, "UUID", uuid, sizeof uuid);
      tlv_u32 (bag, "CLAS", c);
      tlv_u32 (bag, "WRAP", WRAP_PASSCODE);
      tlv_u32 (bag, "KTYP", 0);
      tlv (bag, "WPKY", wrapped, sizeof wrapped);
    }
  crypto->keybag = g_byte_array_free_to_bytes (bag);

  random_bytes (crypto->manifest_key, EMU_BACKUP_KEY_SIZE);
  aes_wrap (crypto->class_keys[MANIFEST_CLASS], crypto->manifest_key, wrapped);
  crypto->manifest_key_blob = class_and_wrapped (MANIFEST_CLASS, wrapped);
  return crypto;
}

void
emu_backup_crypto_free (EmuBackupCrypto *crypto)
{
  if (crypto == NULL)
    return;
  g_bytes_unref (crypto->keybag);
  g_bytes_unref (crypto->manifest_key_blob);
  g_free (crypto);
}

GBytes *
emu_backup_crypto_get_keybag (EmuBackupCrypto *crypto)
{
  return crypto->keybag;
}

GBytes *
emu_backup_crypto_get_manifest_key (EmuBackupCrypto *crypto)
{
  return crypto->manifest_key_blob;
}

GBytes *
emu_backup_crypto_new_file_key (EmuBackupCrypto *crypto,
                                uint32_t         protection_class,
                                uint8_t         *key)
{
  uint8_t wrapped[WRAPPED_SIZE];

  g_assert (protection_class >= 1 && protection_class <= N_CLASSES);
  random_bytes (key, EMU_BACKUP_KEY_SIZE);
  aes_wrap (crypto->class_keys[protection_class], key, wrapped);
  return class_and_wrapped (protection_class, wrapped);
}

gboolean
emu_backup_crypto_encrypt_file (EmuBackupCrypto *crypto,
                                const uint8_t   *key,
                                const char      *in_path,
                                const char      *out_path,
                                GError         **error)
{
  static const uint8_t zero_iv[16] = { 0 };
  FILE *in = fopen (in_path, "rb");
  FILE *out = in ? fopen (out_path, "wb") : NULL;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  uint8_t buf[65536], enc[65536 + 32];
  gboolean ok = in != NULL && out != NULL &&
                EVP_EncryptInit_ex (ctx, EVP_aes_256_cbc (), NULL,
                                    key ? key : crypto->manifest_key, zero_iv) == 1;
  size_t n;
  int len;

  while (ok && (n = fread (buf, 1, sizeof buf, in)) > 0)
    ok = EVP_EncryptUpdate (ctx, enc, &len, buf, (int) n) == 1 &&
         fwrite (enc, 1, (size_t) len, out) == (size_t) len;
  ok = ok && !ferror (in) && EVP_EncryptFinal_ex (ctx, enc, &len) == 1 &&
       fwrite (enc, 1, (size_t) len, out) == (size_t) len;
  EVP_CIPHER_CTX_free (ctx);
  if (in)
    fclose (in);
  if (out && fclose (out) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "Could not encrypt %s", in_path);
  return ok;
}
