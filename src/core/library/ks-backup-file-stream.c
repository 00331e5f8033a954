/* ks-backup-file-stream.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Reads with pread(), so a seek is just a new offset. CBC decrypts any block from the block
 * before it, so an encrypted file stays seekable: a read at offset o decrypts from the block
 * holding o, with the previous ciphertext block (or the zero IV) as its IV. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <openssl/evp.h>

#include "ks-backup-file-stream.h"

#define AES_BLOCK   16
/* One read decrypts at most this much: a caller's huge buffer is filled over several reads. */
#define MAX_READ    (1024 * 1024)

struct _KsBackupFileStream
{
  GInputStream  parent_instance;

  int           fd;
  guint64       size;
  guint64       offset;
  gboolean      encrypted;
  guint8        key[32];
};

static void seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsBackupFileStream, ks_backup_file_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE, seekable_iface_init))

static gboolean
read_exactly (KsBackupFileStream  *self,
              guint8              *buf,
              gsize                count,
              guint64              at,
              GError             **error)
{
  gsize done = 0;

  while (done < count)
    {
      ssize_t n = pread (self->fd, buf + done, count - done, (off_t) (at + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("Could not read the backup’s copy of this file: %s"), g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               _("The backup’s copy of this file is shorter than the backup says"));
          return FALSE;
        }
      done += (gsize) n;
    }

  return TRUE;
}

static gssize
read_encrypted (KsBackupFileStream  *self,
                guint8              *out,
                gsize                count,
                GError             **error)
{
  guint64 first = self->offset / AES_BLOCK;
  guint64 last = (self->offset + count - 1) / AES_BLOCK;
  gsize n_blocks = (gsize) (last - first + 1);
  g_autofree guint8 *cipher = g_malloc ((n_blocks + 1) * AES_BLOCK);
  g_autofree guint8 *plain = g_malloc ((n_blocks + 1) * AES_BLOCK);
  EVP_CIPHER_CTX *ctx;
  int len = 0;
  gboolean ok;

  /* The IV of block @first is the ciphertext block before it, or zeros for the first. */
  if (first == 0)
    {
      memset (cipher, 0, AES_BLOCK);
      ok = read_exactly (self, cipher + AES_BLOCK, n_blocks * AES_BLOCK, 0, error);
    }
  else
    ok = read_exactly (self, cipher, (n_blocks + 1) * AES_BLOCK, (first - 1) * AES_BLOCK, error);
  if (!ok)
    return -1;

  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL &&
       EVP_DecryptInit_ex (ctx, EVP_aes_256_cbc (), NULL, self->key, cipher) == 1 &&
       EVP_CIPHER_CTX_set_padding (ctx, 0) == 1 &&
       EVP_DecryptUpdate (ctx, plain, &len, cipher + AES_BLOCK, (int) (n_blocks * AES_BLOCK)) == 1 &&
       len == (int) (n_blocks * AES_BLOCK);
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Could not decrypt the backup’s copy of this file"));
      return -1;
    }

  memcpy (out, plain + (self->offset - first * AES_BLOCK), count);
  return (gssize) count;
}

static gssize
ks_backup_file_stream_read (GInputStream  *stream,
                            void          *buffer,
                            gsize          count,
                            GCancellable  *cancellable,
                            GError       **error)
{
  KsBackupFileStream *self = KS_BACKUP_FILE_STREAM (stream);
  gssize n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self->offset >= self->size || count == 0)
    return 0;

  count = (gsize) MIN ((guint64) MIN (count, MAX_READ), self->size - self->offset);
  if (self->encrypted)
    n = read_encrypted (self, buffer, count, error);
  else
    n = read_exactly (self, buffer, count, self->offset, error) ? (gssize) count : -1;

  if (n > 0)
    self->offset += (guint64) n;
  return n;
}

static gboolean
ks_backup_file_stream_close (GInputStream  *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  KsBackupFileStream *self = KS_BACKUP_FILE_STREAM (stream);

  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  return TRUE;
}

static void
ks_backup_file_stream_finalize (GObject *object)
{
  KsBackupFileStream *self = KS_BACKUP_FILE_STREAM (object);

  if (self->fd >= 0)
    close (self->fd);
  OPENSSL_cleanse (self->key, sizeof self->key);

  G_OBJECT_CLASS (ks_backup_file_stream_parent_class)->finalize (object);
}

static void
ks_backup_file_stream_class_init (KsBackupFileStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = ks_backup_file_stream_finalize;
  stream_class->read_fn = ks_backup_file_stream_read;
  stream_class->close_fn = ks_backup_file_stream_close;
}

static void
ks_backup_file_stream_init (KsBackupFileStream *self)
{
  self->fd = -1;
}

static goffset
ks_backup_file_stream_tell (GSeekable *seekable)
{
  return (goffset) KS_BACKUP_FILE_STREAM (seekable)->offset;
}

static gboolean
ks_backup_file_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
ks_backup_file_stream_seek (GSeekable     *seekable,
                            goffset        offset,
                            GSeekType      type,
                            GCancellable  *cancellable,
                            GError       **error)
{
  KsBackupFileStream *self = KS_BACKUP_FILE_STREAM (seekable);
  gint64 base;

  switch (type)
    {
    case G_SEEK_SET: base = 0; break;
    case G_SEEK_CUR: base = (gint64) self->offset; break;
    case G_SEEK_END: base = (gint64) self->size; break;
    default: base = -1; break;
    }

  if (base < 0 || (offset < 0 && -offset > base) || (offset > 0 && base > G_MAXINT64 - offset))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Invalid seek request"));
      return FALSE;
    }

  self->offset = (guint64) (base + offset);
  return TRUE;
}

static gboolean
ks_backup_file_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
ks_backup_file_stream_truncate (GSeekable     *seekable,
                                goffset        offset,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Cannot truncate a backup"));
  return FALSE;
}

static void
seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = ks_backup_file_stream_tell;
  iface->can_seek = ks_backup_file_stream_can_seek;
  iface->seek = ks_backup_file_stream_seek;
  iface->can_truncate = ks_backup_file_stream_can_truncate;
  iface->truncate_fn = ks_backup_file_stream_truncate;
}

/**
 * ks_backup_file_stream_new:
 * @fd: a regular file, opened for reading; the stream owns it
 * @size: the file's size (for an encrypted one, its size before encryption)
 * @key: (nullable) (array fixed-size=32): the file's AES-256 key, or %NULL if the backup is not
 *   encrypted
 *
 * The caller has checked that @fd holds at least @size bytes (encrypted: the padded size).
 *
 * Returns: (transfer full): a #GSeekable stream of @size bytes
 */
GInputStream *
ks_backup_file_stream_new (int           fd,
                           guint64       size,
                           const guint8 *key)
{
  KsBackupFileStream *self;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_object_new (KS_TYPE_BACKUP_FILE_STREAM, NULL);
  self->fd = fd;
  self->size = size;
  if (key != NULL)
    {
      self->encrypted = TRUE;
      memcpy (self->key, key, sizeof self->key);
    }

  return G_INPUT_STREAM (self);
}
