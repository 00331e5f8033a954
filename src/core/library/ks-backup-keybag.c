/* ks-backup-keybag.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The keybag is a list of tag-length-value records (4-byte tag, 4-byte big-endian length).
 * The keybag's own attributes come first (VERS, TYPE, UUID, WRAP, SALT, ITER, DPWT, DPIC,
 * DPSL); every later UUID starts a class key (CLAS, WRAP, KTYP, WPKY). A class key whose
 * WRAP has the passcode bit is wrapped with the key derived from the password. The layout
 * is as published by the iphone-dataprotection research and the tools built on it
 * (iphone_backup_decrypt, mvt). The keybag is untrusted: every length is checked. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ks-backup-keybag.h"
#include "ks-backup-source.h"

#define WRAP_PASSCODE   2
#define WRAPPED_SIZE    (KS_BACKUP_KEY_SIZE + 8)
#define MAX_CLASSES     32
/* iOS uses 10,000,000 SHA-256 rounds and 10,000 SHA-1 rounds; a hostile keybag must not make
 * us spin for hours. */
#define MAX_ITERATIONS  100000000u

typedef struct
{
  guint32  clas;
  guint32  wrap;
  gboolean has_wpky;
  guint8   wpky[WRAPPED_SIZE];
  gboolean unlocked;
  guint8   key[KS_BACKUP_KEY_SIZE];
} ClassKey;

struct _KsBackupKeybag
{
  GBytes   *salt;   /* SALT */
  guint32   iter;   /* ITER */
  GBytes   *dpsl;   /* DPSL */
  guint32   dpic;   /* DPIC */
  ClassKey  classes[MAX_CLASSES];
  guint     n_classes;
};

static gboolean
damaged (GError **error)
{
  g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED,
                       _("The backup’s keybag is damaged; it cannot be opened"));
  return FALSE;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

void
ks_backup_keybag_free (KsBackupKeybag *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->salt, g_bytes_unref);
  g_clear_pointer (&self->dpsl, g_bytes_unref);
  OPENSSL_cleanse (self->classes, sizeof self->classes);
  g_free (self);
}

/**
 * ks_backup_keybag_new:
 *
 * Parses a BackupKeyBag. Returns: (transfer full) (nullable): the keybag, still locked
 */
KsBackupKeybag *
ks_backup_keybag_new (const guint8  *data,
                      gsize          length,
                      GError       **error)
{
  g_autoptr(KsBackupKeybag) self = g_new0 (KsBackupKeybag, 1);
  ClassKey *current = NULL;
  gboolean seen_uuid = FALSE;
  gsize i = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  while (i + 8 <= length)
    {
      const guint8 *tag = data + i;
      guint32 len = be32 (data + i + 4);
      const guint8 *value = data + i + 8;

      if (len > length - i - 8)
        {
          damaged (error);
          return NULL;
        }
      i += 8 + (gsize) len;

      if (memcmp (tag, "UUID", 4) == 0)
        {
          if (!seen_uuid)
            {
              seen_uuid = TRUE;
              continue;
            }
          if (self->n_classes == MAX_CLASSES)
            {
              damaged (error);
              return NULL;
            }
          current = &self->classes[self->n_classes++];
          continue;
        }

      if (current != NULL)
        {
          if (memcmp (tag, "CLAS", 4) == 0 && len == 4)
            current->clas = be32 (value);
          else if (memcmp (tag, "WRAP", 4) == 0 && len == 4)
            current->wrap = be32 (value);
          else if (memcmp (tag, "WPKY", 4) == 0 && len == WRAPPED_SIZE)
            {
              memcpy (current->wpky, value, WRAPPED_SIZE);
              current->has_wpky = TRUE;
            }
          continue;
        }

      if (memcmp (tag, "SALT", 4) == 0 && self->salt == NULL)
        self->salt = g_bytes_new (value, len);
      else if (memcmp (tag, "DPSL", 4) == 0 && self->dpsl == NULL)
        self->dpsl = g_bytes_new (value, len);
      else if (memcmp (tag, "ITER", 4) == 0 && len == 4)
        self->iter = be32 (value);
      else if (memcmp (tag, "DPIC", 4) == 0 && len == 4)
        self->dpic = be32 (value);
    }

  if (self->salt == NULL || self->iter == 0 || self->n_classes == 0)
    {
      damaged (error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

static gboolean
aes_unwrap (const guint8 *kek,
            const guint8 *wrapped,
            guint8       *out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 buf[WRAPPED_SIZE];
  int len = 0, fin = 0;
  gboolean ok;

  if (ctx == NULL)
    return FALSE;
  EVP_CIPHER_CTX_set_flags (ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  ok = EVP_DecryptInit_ex (ctx, EVP_aes_256_wrap (), NULL, kek, NULL) == 1 &&
       EVP_DecryptUpdate (ctx, buf, &len, wrapped, WRAPPED_SIZE) == 1 &&
       EVP_DecryptFinal_ex (ctx, buf + len, &fin) == 1 &&
       len + fin == KS_BACKUP_KEY_SIZE;
  EVP_CIPHER_CTX_free (ctx);
  if (ok)
    memcpy (out, buf, KS_BACKUP_KEY_SIZE);
  OPENSSL_cleanse (buf, sizeof buf);
  return ok;
}

/**
 * ks_backup_keybag_unlock:
 * @password: the backup password
 *
 * Derives the password key and unwraps every class key with it. Blocking and slow by design
 * (iOS asks for ten million PBKDF2 rounds): call it on a worker.
 *
 * Returns: %FALSE with %KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD if @password does not open it
 */
gboolean
ks_backup_keybag_unlock (KsBackupKeybag  *self,
                         const char      *password,
                         GError         **error)
{
  guint8 first[KS_BACKUP_KEY_SIZE];
  guint8 kek[KS_BACKUP_KEY_SIZE];
  const guint8 *secret = (const guint8 *) password;
  gsize secret_len = strlen (password);
  gboolean ok = TRUE;
  guint n_unlocked = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  if (self->iter > MAX_ITERATIONS || self->dpic > MAX_ITERATIONS)
    return damaged (error);

  /* iOS 10.2 and later: a SHA-256 round first when the keybag has DPSL/DPIC. */
  if (self->dpsl != NULL && self->dpic > 0)
    {
      gsize dpsl_len;
      const guint8 *dpsl = g_bytes_get_data (self->dpsl, &dpsl_len);

      if (PKCS5_PBKDF2_HMAC (password, (int) secret_len, dpsl, (int) dpsl_len, (int) self->dpic,
                             EVP_sha256 (), sizeof first, first) != 1)
        return damaged (error);
      secret = first;
      secret_len = sizeof first;
    }

  {
    gsize salt_len;
    const guint8 *salt = g_bytes_get_data (self->salt, &salt_len);

    if (PKCS5_PBKDF2_HMAC ((const char *) secret, (int) secret_len, salt, (int) salt_len,
                           (int) self->iter, EVP_sha1 (), sizeof kek, kek) != 1)
      ok = FALSE;
  }

  for (guint i = 0; ok && i < self->n_classes; i++)
    {
      ClassKey *c = &self->classes[i];

      if (!c->has_wpky || !(c->wrap & WRAP_PASSCODE))
        continue;
      /* The unwrap's integrity check is what tells a wrong password. */
      if (!aes_unwrap (kek, c->wpky, c->key))
        ok = FALSE;
      else
        {
          c->unlocked = TRUE;
          n_unlocked++;
        }
    }

  OPENSSL_cleanse (first, sizeof first);
  OPENSSL_cleanse (kek, sizeof kek);

  if (!ok || n_unlocked == 0)
    {
      for (guint i = 0; i < self->n_classes; i++)
        {
          self->classes[i].unlocked = FALSE;
          OPENSSL_cleanse (self->classes[i].key, sizeof self->classes[i].key);
        }
      g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD,
                           _("The password is wrong: it does not open this encrypted backup"));
      return FALSE;
    }

  return TRUE;
}

/**
 * ks_backup_keybag_unwrap:
 * @protection_class: the class the key is wrapped with
 * @wrapped: the wrapped key (40 bytes)
 * @out_key: (out caller-allocates) (array fixed-size=32): the key
 *
 * Thread-safe once the keybag is unlocked.
 */
gboolean
ks_backup_keybag_unwrap (KsBackupKeybag  *self,
                         guint32          protection_class,
                         const guint8    *wrapped,
                         gsize            wrapped_length,
                         guint8          *out_key,
                         GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_key != NULL, FALSE);

  for (guint i = 0; i < self->n_classes; i++)
    {
      const ClassKey *c = &self->classes[i];

      if (c->clas != protection_class || !c->unlocked)
        continue;
      if (wrapped == NULL || wrapped_length != WRAPPED_SIZE || !aes_unwrap (c->key, wrapped, out_key))
        break;
      return TRUE;
    }

  g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED,
                       _("The backup holds no usable key for this file"));
  return FALSE;
}
