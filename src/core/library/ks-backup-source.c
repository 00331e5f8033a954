/* ks-backup-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupSource reads a device backup folder: Info.plist, Status.plist and Manifest.plist
 * for what it is (ks-backup-folder.c), Manifest.db for the files (ks-backup-manifest.c). The camera roll is the Files rows of
 * CameraRollDomain under Media/DCIM/; their paths are reported relative to DCIM, as the
 * device source reports them, so a photo exported from a backup gets the name it gets from
 * the phone. Each file's bytes are in <fileID[0:2]>/<fileID>.
 *
 * Everything in the folder is untrusted. Manifest.db is opened read-only and immutable (no
 * journal, no -wal or -shm file is ever made), defensive, with untrusted schema, no
 * extensions, views or triggers, and bounded lengths. A file whose name would leave the
 * camera roll, whose fileID is not a SHA-1, or whose data is missing, a link or too short,
 * is reported (so nothing is skipped silently) and fails alone, with a sentence, when read.
 * Nothing is ever written into the folder. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ks-backup-file-stream.h"
#include "ks-backup-source-private.h"

G_DEFINE_QUARK (ks-backup-source-error-quark, ks_backup_source_error)

static void source_iface_init (KsSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsBackupSource, ks_backup_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_SOURCE, source_iface_init))

void
_ks_backup_entry_free (KsBackupEntry *entry)
{
  g_free (entry->path);
  g_free (entry->file_id);
  g_clear_pointer (&entry->wrapped_key, g_bytes_unref);
  g_free (entry);
}

void
_ks_backup_source_clear_password (KsBackupSource *self)
{
  if (self->password != NULL)
    OPENSSL_cleanse (self->password, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
}

static void
ks_backup_source_finalize (GObject *object)
{
  KsBackupSource *self = KS_BACKUP_SOURCE (object);

  _ks_backup_source_clear_password (self);
  g_clear_pointer (&self->keybag, ks_backup_keybag_free);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_error (&self->open_error);
  g_clear_pointer (&self->walk_order, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->keybag_data, g_bytes_unref);
  g_clear_pointer (&self->manifest_key, g_bytes_unref);
  g_clear_object (&self->folder);
  g_free (self->path);
  g_free (self->id);
  g_free (self->udid);
  g_free (self->device_name);
  g_free (self->product_type);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ks_backup_source_parent_class)->finalize (object);
}

static void
ks_backup_source_class_init (KsBackupSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_backup_source_finalize;
}

static void
ks_backup_source_init (KsBackupSource *self)
{
  g_mutex_init (&self->lock);
}

/**
 * ks_backup_source_new:
 * @folder: a device backup, or a folder holding the backups of one device
 *
 * Reads what the backup says of itself (device, date, whether it is encrypted). Manifest.db
 * is read later, on a worker (ks_backup_source_unlock(), or the first walk). Blocking, but
 * reads only the small plists.
 *
 * Returns: (transfer full) (nullable): the source, or %NULL if @folder holds no backup
 */
KsBackupSource *
ks_backup_source_new (GFile   *folder,
                      GError **error)
{
  g_autoptr(KsBackupSource) self = NULL;
  g_autoptr(GFile) found = NULL;
  plist_t info, manifest, status, lockdown;

  g_return_val_if_fail (G_IS_FILE (folder), NULL);

  found = ks_backup_source_find_backup (folder, error);
  if (found == NULL)
    return NULL;

  self = g_object_new (KS_TYPE_BACKUP_SOURCE, NULL);
  self->folder = g_steal_pointer (&found);
  self->path = g_file_get_path (self->folder);
  self->id = g_strconcat ("backup:", self->path, NULL);

  info = _ks_backup_read_plist (self->path, "Info.plist");
  manifest = _ks_backup_read_plist (self->path, "Manifest.plist");
  status = _ks_backup_read_plist (self->path, "Status.plist");
  lockdown = manifest ? plist_dict_get_item (manifest, "Lockdown") : NULL;
  if (lockdown != NULL && plist_get_node_type (lockdown) != PLIST_DICT)
    lockdown = NULL;

  self->udid = _ks_backup_dup_text (_ks_backup_dict_string (info, "Unique Identifier"));
  if (self->udid == NULL)
    self->udid = _ks_backup_dup_text (_ks_backup_dict_string (lockdown, "UniqueDeviceID"));
  self->device_name = _ks_backup_dup_text (_ks_backup_dict_string (info, "Device Name"));
  if (self->device_name == NULL)
    self->device_name = _ks_backup_dup_text (_ks_backup_dict_string (lockdown, "DeviceName"));
  self->product_type = _ks_backup_dup_text (_ks_backup_dict_string (info, "Product Type"));
  if (self->product_type == NULL)
    self->product_type = _ks_backup_dup_text (_ks_backup_dict_string (lockdown, "ProductType"));
  self->date = _ks_backup_dict_date (status, "Date");
  if (self->date == 0)
    self->date = _ks_backup_dict_date (info, "Last Backup Date");
  self->finished = status == NULL || g_strcmp0 (_ks_backup_dict_string (status, "SnapshotState"), "finished") == 0;
  self->encrypted = _ks_backup_dict_bool (manifest, "IsEncrypted");
  if (self->encrypted)
    {
      self->keybag_data = _ks_backup_dict_data (manifest, "BackupKeyBag");
      self->manifest_key = _ks_backup_dict_data (manifest, "ManifestKey");
    }

  g_clear_pointer (&info, plist_free);
  g_clear_pointer (&manifest, plist_free);
  g_clear_pointer (&status, plist_free);

  return g_steal_pointer (&self);
}

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  KsBackupSource *source = NULL;

  if (!ks_backup_source_is_backup_folder (task_data))
    g_set_error (&error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP,
                 _("This folder holds no device backup"));
  else
    source = ks_backup_source_new (task_data, &error);

  if (source == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, source, g_object_unref);
}

/**
 * ks_backup_source_open_async:
 * @folder: a folder that may be a device backup
 *
 * ks_backup_source_new() on a worker, for a folder that ks_backup_source_is_backup_folder()
 * accepts; any other folder fails with %KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP (a window then
 * shows it as a folder of photos).
 */
void
ks_backup_source_open_async (GFile               *folder,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (folder));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_backup_source_open_async);
  g_task_set_task_data (task, g_object_ref (folder), g_object_unref);
  g_task_run_in_thread (task, open_worker);
}

/**
 * ks_backup_source_open_finish:
 *
 * Returns: (transfer full) (nullable): the backup
 */
KsBackupSource *
ks_backup_source_open_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static guint64
measure_dir (int           dir_fd,
             guint         depth,
             GCancellable *cancellable)
{
  DIR *dir = fdopendir (dir_fd);
  struct dirent *de;
  guint64 total = 0;

  if (dir == NULL)
    {
      close (dir_fd);
      return 0;
    }
  while ((de = readdir (dir)) != NULL && !g_cancellable_is_cancelled (cancellable))
    {
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0 ||
          fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISREG (st.st_mode))
        total += (guint64) st.st_size;
      else if (S_ISDIR (st.st_mode) && depth > 0)
        {
          int fd = openat (dirfd (dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (fd >= 0)
            total += measure_dir (fd, depth - 1, cancellable);
        }
    }
  closedir (dir);
  return total;
}

/**
 * ks_backup_source_measure:
 *
 * The space the backup takes: its files and the hashed sub-folders' (links not followed).
 * Blocking: a walk of the whole backup.
 */
guint64
ks_backup_source_measure (KsBackupSource *self,
                          GCancellable   *cancellable)
{
  int fd;

  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), 0);

  fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? 0 : measure_dir (fd, 1, cancellable);
}

static void
measure_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  guint64 *size = g_new (guint64, 1);

  *size = ks_backup_source_measure (source_object, cancellable);
  if (g_task_return_error_if_cancelled (task))
    g_free (size);
  else
    g_task_return_pointer (task, size, g_free);
}

void
ks_backup_source_measure_async (KsBackupSource      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_BACKUP_SOURCE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_backup_source_measure_async);
  g_task_run_in_thread (task, measure_worker);
}

guint64
ks_backup_source_measure_finish (KsBackupSource  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_autofree guint64 *size = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  size = g_task_propagate_pointer (G_TASK (result), error);
  return size ? *size : 0;
}

/**
 * ks_backup_source_set_password:
 * @password: (nullable): the password of an encrypted backup
 *
 * Kept in memory (wiped once used) until the backup is unlocked. Set it before the first walk.
 */
void
ks_backup_source_set_password (KsBackupSource *self,
                               const char     *password)
{
  g_return_if_fail (KS_IS_BACKUP_SOURCE (self));

  g_mutex_lock (&self->lock);
  _ks_backup_source_clear_password (self);
  self->password = g_strdup (password);
  /* A new password deserves a new try. */
  if (self->db == NULL)
    g_clear_error (&self->open_error);
  g_mutex_unlock (&self->lock);
}

/**
 * ks_backup_source_set_use_keyring:
 *
 * When no password was given, opening an encrypted backup first tries the one the user's
 * keyring remembers for its iPhone (ks_backup_secret_store()), once. Off by default: front ends
 * turn it on; a password that the keyring gives and that does not open the backup is told as
 * a missing one.
 */
void
ks_backup_source_set_use_keyring (KsBackupSource *self,
                                  gboolean        use_keyring)
{
  g_return_if_fail (KS_IS_BACKUP_SOURCE (self));

  g_mutex_lock (&self->lock);
  self->use_keyring = use_keyring;
  g_mutex_unlock (&self->lock);
}

/**
 * ks_backup_source_unlock:
 *
 * Opens Manifest.db (for an encrypted backup: unlocks the keybag with the password given to
 * ks_backup_source_set_password() and decrypts it) and reads its camera roll, so that a damaged
 * one is told now; the next walk uses what was read. Blocking, and slow for an encrypted
 * backup: call it on a worker. The walk calls it too.
 *
 * Returns: %FALSE with a %KS_BACKUP_SOURCE_ERROR if the backup cannot be read
 */
gboolean
ks_backup_source_unlock (KsBackupSource  *self,
                         GCancellable    *cancellable,
                         GError         **error)
{
  gboolean ok;

  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  ok = _ks_backup_source_open_db_locked (self, error) &&
       (self->walk_order != NULL || _ks_backup_source_reload_entries_locked (self, cancellable, error));
  g_mutex_unlock (&self->lock);
  return ok;
}

static gboolean
ks_backup_source_enumerate (KsSource          *source,
                            KsSourceFileFunc   func,
                            gpointer           user_data,
                            GCancellable      *cancellable,
                            GError           **error)
{
  KsBackupSource *self = KS_BACKUP_SOURCE (source);
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GHashTable) map = NULL;

  /* The rows read by ks_backup_source_unlock() are used once; a later walk reads them again. */
  g_mutex_lock (&self->lock);
  if (self->walk_order != NULL || _ks_backup_source_reload_entries_locked (self, cancellable, error))
    {
      order = g_steal_pointer (&self->walk_order);
      map = g_hash_table_ref (self->entries);
    }
  g_mutex_unlock (&self->lock);
  if (order == NULL)
    return FALSE;

  /* @map keeps the entries of @order alive even if another walk replaces self->entries. */
  for (guint i = 0; i < order->len; i++)
    {
      const KsBackupEntry *entry = g_ptr_array_index (order, i);
      KsSourceFile file;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      file.path = entry->path;
      file.size = entry->size;
      file.mtime = entry->mtime;
      if (!func (source, &file, user_data))
        break;
    }

  return TRUE;
}

static gboolean
missing_file (GError    **error,
              const char *message)
{
  g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_MISSING_FILE, message);
  return FALSE;
}

/* The hashed file of @entry, never through a link. */
static int
open_hashed_file (KsBackupSource  *self,
                  const KsBackupEntry     *entry,
                  GError         **error)
{
  char sub[3] = { entry->file_id[0], entry->file_id[1], '\0' };
  int dir_fd, sub_fd, fd, errsv;
  struct stat st;

  dir_fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      missing_file (error, _("The backup folder can no longer be read"));
      return -1;
    }
  sub_fd = openat (dir_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  errsv = errno;
  close (dir_fd);
  fd = sub_fd < 0 ? -1 : openat (sub_fd, entry->file_id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (sub_fd >= 0)
    {
      errsv = errno;
      close (sub_fd);
    }

  if (fd < 0)
    {
      if (errsv == ELOOP || errsv == ENOTDIR)
        missing_file (error, _("The backup’s copy of this file is a symbolic link; Keepsake does not follow it"));
      else if (errsv == ENOENT)
        missing_file (error, _("The backup has no copy of this file (its data file is missing)"));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     _("Could not open the backup’s copy of this file: %s"), g_strerror (errsv));
      return -1;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      missing_file (error, _("The backup’s copy of this file is not a regular file"));
      return -1;
    }

  return fd;
}

static const KsBackupEntry *
lookup_entry_locked (KsBackupSource  *self,
                     const char      *path,
                     GError         **error)
{
  if (self->entries == NULL && !_ks_backup_source_reload_entries_locked (self, NULL, error))
    return NULL;

  return g_hash_table_lookup (self->entries, path);
}

static GInputStream *
open_sized (KsSource      *source,
            const char    *path,
            GCancellable  *cancellable,
            GError       **error)
{
  KsBackupSource *self = KS_BACKUP_SOURCE (source);
  const KsBackupEntry *found;
  KsBackupEntry entry = { 0 };
  guint8 key[KS_BACKUP_KEY_SIZE];
  gboolean have_key = FALSE;
  guint64 stored_size;
  struct stat st;
  int fd;

  g_mutex_lock (&self->lock);
  found = lookup_entry_locked (self, path, error);
  if (found != NULL)
    {
      entry = *found;
      entry.file_id = g_strdup (found->file_id);
      entry.path = NULL;
      entry.wrapped_key = found->wrapped_key ? g_bytes_ref (found->wrapped_key) : NULL;
    }
  g_mutex_unlock (&self->lock);

  if (found == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The backup does not list this file"));
      return NULL;
    }

  if (entry.problem == KS_BACKUP_PROBLEM_UNSAFE_NAME)
    missing_file (error, _("The backup lists this file under an unsafe name (leading “/”, “..” or a NUL byte); it is not read"));
  else if (entry.problem == KS_BACKUP_PROBLEM_BAD_FILE_ID)
    missing_file (error, _("The backup lists this file under an invalid data file name; it is not read"));
  else if (self->encrypted &&
           (entry.wrapped_key == NULL ||
            !ks_backup_keybag_unwrap (self->keybag, entry.protection_class,
                                      g_bytes_get_data (entry.wrapped_key, NULL),
                                      g_bytes_get_size (entry.wrapped_key), key, error)))
    {
      if (entry.wrapped_key == NULL)
        missing_file (error, _("The encrypted backup holds no key for this file"));
    }
  else
    have_key = self->encrypted;

  fd = -1;
  if (entry.problem == KS_BACKUP_PROBLEM_NONE && (have_key || !self->encrypted))
    fd = open_hashed_file (self, &entry, error);

  g_free (entry.file_id);
  g_clear_pointer (&entry.wrapped_key, g_bytes_unref);
  if (fd < 0)
    {
      OPENSSL_cleanse (key, sizeof key);
      return NULL;
    }

  /* An encrypted file is padded to the next whole block (always at least one byte). */
  stored_size = (guint64) (fstat (fd, &st) == 0 ? st.st_size : 0);
  if (self->encrypted ? stored_size != (entry.size / 16 + 1) * 16 : stored_size < entry.size)
    {
      g_autofree char *want = g_format_size_full (entry.size, G_FORMAT_SIZE_LONG_FORMAT);
      g_autofree char *have = g_format_size_full (stored_size, G_FORMAT_SIZE_LONG_FORMAT);

      close (fd);
      OPENSSL_cleanse (key, sizeof key);
      g_set_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_MISSING_FILE,
                   _("The backup’s copy of this file is damaged: it holds %s where the backup lists %s"),
                   have, want);
      return NULL;
    }

  {
    /* A row without an MBFile says no size: the data file's own is all there is. */
    guint64 size = (entry.size == 0 && !self->encrypted) ? stored_size : entry.size;
    GInputStream *stream = ks_backup_file_stream_new (fd, size, have_key ? key : NULL);

    OPENSSL_cleanse (key, sizeof key);
    return stream;
  }
}

static GInputStream *
ks_backup_source_open_file (KsSource      *source,
                            const char    *path,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return open_sized (source, path, cancellable, error);
}

/* --- the rest of the contract ---------------------------------------------------------------- */

static const char *
ks_backup_source_get_id (KsSource *source)
{
  return KS_BACKUP_SOURCE (source)->id;
}

static char *
ks_backup_source_dup_display_name (KsSource *source)
{
  KsBackupSource *self = KS_BACKUP_SOURCE (source);

  if (self->device_name != NULL)
    return g_strdup (self->device_name);
  return g_filename_display_basename (self->path);
}

/* The backup on a drive that was unplugged, or deleted: every later file would fail too. */
static gboolean
ks_backup_source_is_present (KsSource *source)
{
  return _ks_backup_is_backup_dir (KS_BACKUP_SOURCE (source)->path);
}

static void
source_iface_init (KsSourceInterface *iface)
{
  iface->get_id = ks_backup_source_get_id;
  iface->dup_display_name = ks_backup_source_dup_display_name;
  iface->enumerate = ks_backup_source_enumerate;
  iface->open_file = ks_backup_source_open_file;
  iface->is_present = ks_backup_source_is_present;
}

/* --- what the backup says of itself ---------------------------------------------------------- */

GFile *
ks_backup_source_get_folder (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), NULL);
  return self->folder;
}

const char *
ks_backup_source_get_udid (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), NULL);
  return self->udid;
}

const char *
ks_backup_source_get_device_name (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), NULL);
  return self->device_name;
}

const char *
ks_backup_source_get_product_type (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), NULL);
  return self->product_type;
}

/**
 * ks_backup_source_get_date:
 *
 * Returns: when the backup was made (unix seconds), or 0 if it does not say
 */
gint64
ks_backup_source_get_date (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), 0);
  return self->date;
}

gboolean
ks_backup_source_get_encrypted (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), FALSE);
  return self->encrypted;
}

/**
 * ks_backup_source_get_finished:
 *
 * Returns: %FALSE if Status.plist says the backup was never finished (it may lack files)
 */
gboolean
ks_backup_source_get_finished (KsBackupSource *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_SOURCE (self), FALSE);
  return self->finished;
}
