/* ks-folder-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Stores files in a folder without ever overwriting one or writing outside it: every path
 * is opened relative to the root's fd, component by component with O_NOFOLLOW (ks-dirfd);
 * files are born as hidden temporaries and appear under their real name only once durable
 * and verified (ks-verified-writer). The folder's own record lives in .keepsake/: an id and
 * a lock (ks-volume) and the index file, whose format and rules are KsDestination's. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ks-destination-private.h"
#include "ks-dirfd.h"
#include "ks-folder-destination.h"
#include "ks-folder-destination-private.h"
#include "ks-mount-info.h"
#include "ks-verified-writer.h"
#include "ks-volume.h"

#define INDEX_NAME "index"

struct _KsFolderDestination
{
  KsDestination  parent_instance;

  char          *path;
  char          *expected_id;    /* the plan's id for it, or NULL for any */
  gboolean       create_missing;

  /* Guards the descriptors: lookups stat files from other threads than the one closing. */
  GMutex         fd_mutex;
  int            root_fd;
  int            meta_fd;
  int            index_fd;
  int            lock_fd;
  dev_t          root_dev;
  ino_t          root_ino;
  KsPublishMode  publish_mode;
};

G_DEFINE_FINAL_TYPE (KsFolderDestination, ks_folder_destination, KS_TYPE_DESTINATION)

gboolean
ks_folder_destination_is_temp_name (const char *name)
{
  return ks_destination_is_temp_name (name);
}

static char *
meta_location (KsFolderDestination *self)
{
  return g_strconcat (self->path, "/" KS_DESTINATION_META_DIR, NULL);
}

static const char *
ks_folder_destination_get_kind (KsDestination *dest)
{
  return "folder";
}

static char *
ks_folder_destination_dup_uri (KsDestination *dest)
{
  return g_filename_to_uri (KS_FOLDER_DESTINATION (dest)->path, NULL, NULL);
}

static char *
ks_folder_destination_dup_display_name (KsDestination *dest)
{
  return g_filename_display_basename (KS_FOLDER_DESTINATION (dest)->path);
}

static char *
ks_folder_destination_dup_volume_uuid (KsDestination *dest)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);

  if (self->root_fd < 0)
    return NULL;

  return ks_volume_find_uuid (self->root_dev);
}

static void
ks_folder_destination_close_medium (KsDestination *dest)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);

  g_mutex_lock (&self->fd_mutex);
  ks_close_fd (&self->index_fd);
  ks_close_fd (&self->meta_fd);
  ks_close_fd (&self->root_fd);
  ks_close_fd (&self->lock_fd);
  g_mutex_unlock (&self->fd_mutex);
}

static gboolean
set_write_error (KsFolderDestination  *self,
                 int                   errsv,
                 GError              **error)
{
  if (errsv == EROFS)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY,
                 "Destination %s is read-only", self->path);
  else
    ks_set_errno_error (error, errsv, "Cannot write to destination %s", self->path);
  return FALSE;
}

/* Opens the root (creating it first if asked) and the meta folder, and checks that it can
 * be written. */
static gboolean
open_folders (KsFolderDestination  *self,
              GError              **error)
{
  struct stat st;
  int root_fd;

  g_assert (KS_IS_FOLDER_DESTINATION (self));

  /* The plan's default folder is made on the first backup; a folder the user chose is not
   * re-created: a drive that is not mounted must not fill this computer's disk. */
  if (self->create_missing && g_mkdir_with_parents (self->path, 0755) != 0)
    {
      int errsv = errno;

      if (errsv == EROFS)
        return set_write_error (self, errsv, error);
      return ks_set_errno_error (error, errsv, "Cannot create %s", self->path);
    }

  /* The root itself may be a symlink the user chose (~/Pictures → /data/…); below it
   * nothing is followed. */
  root_fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      int errsv = errno;

      if (errsv == ENOENT || errsv == ENOTDIR || errsv == ENODEV || errsv == ENXIO)
        g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                     "Destination %s is not available: %s", self->path, g_strerror (errsv));
      else
        ks_set_errno_error (error, errsv, "Cannot open destination %s", self->path);
      return FALSE;
    }

  g_mutex_lock (&self->fd_mutex);
  self->root_fd = root_fd;
  g_mutex_unlock (&self->fd_mutex);

  if (fstat (self->root_fd, &st) != 0)
    return ks_set_errno_error (error, errno, "%s", self->path);
  self->root_dev = st.st_dev;
  self->root_ino = st.st_ino;

  if (mkdirat (self->root_fd, KS_DESTINATION_META_DIR, 0755) != 0 && errno != EEXIST)
    return set_write_error (self, errno, error);

  self->meta_fd = openat (self->root_fd, KS_DESTINATION_META_DIR,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (self->meta_fd < 0)
    return ks_set_errno_error (error, errno, "Cannot open %s/" KS_DESTINATION_META_DIR, self->path);

  /* Probe writability now, so a read-only destination fails before any work. */
  if (faccessat (self->meta_fd, ".", W_OK, AT_EACCESS) != 0)
    return set_write_error (self, errno, error);

  return TRUE;
}

static char *
ks_folder_destination_open_medium (KsDestination  *dest,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autofree char *id = NULL;

  if (!open_folders (self, error)
      || !ks_volume_lock (self->meta_fd, self->path, &self->lock_fd, error))
    return NULL;

  id = ks_volume_ensure_id (self->meta_fd, self->path, self->expected_id,
                            &self->publish_mode, error);
  if (id == NULL)
    return NULL;

  self->index_fd = openat (self->meta_fd, INDEX_NAME,
                           O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (self->index_fd < 0)
    {
      ks_set_errno_error (error, errno, "Cannot open the index of %s for writing", self->path);
      return NULL;
    }

  ks_dirfd_clean_temps (self->root_fd, cancellable);

  return g_steal_pointer (&id);
}

static gint64
ks_folder_destination_query_free_space (KsDestination  *dest,
                                        GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  struct statvfs vfs;

  if (self->root_fd < 0 || fstatvfs (self->root_fd, &vfs) != 0)
    {
      ks_set_errno_error (error, self->root_fd < 0 ? EBADF : errno,
                          "Cannot query free space of %s", self->path);
      return -1;
    }

  /* Some FUSE file systems (fusefat) report no size at all: unknown, not full. */
  if (vfs.f_blocks == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s does not report its free space", self->path);
      return -1;
    }

  return (gint64)vfs.f_bavail * (gint64)vfs.f_frsize;
}

static guint64
ks_folder_destination_query_max_file_size (KsDestination  *dest,
                                           char          **out_reason)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autoptr(KsMountInfo) info = ks_mount_info_for_path (self->path, NULL);
  guint64 max = info != NULL ? ks_mount_info_get_max_file_size (info) : 0;

  if (max != 0 && out_reason != NULL)
    {
      g_autofree char *where = ks_destination_dup_display_name (dest);

      *out_reason = ks_mount_info_dup_limit_reason (info, where);
    }

  return max;
}

static gboolean
ks_folder_destination_check_available (KsDestination  *dest,
                                       GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  struct stat st, rst;

  /* Gone if the path no longer leads to the folder we opened (unplugged, unmounted, or
   * the folder deleted: then the open fd's link count is 0). */
  if (self->root_fd < 0
      || stat (self->path, &st) != 0
      || st.st_dev != self->root_dev
      || st.st_ino != self->root_ino
      || fstat (self->root_fd, &rst) != 0
      || rst.st_nlink == 0)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   "Destination %s is no longer available", self->path);
      return FALSE;
    }

  return TRUE;
}

static char *
ks_folder_destination_read_index (KsDestination  *dest,
                                  GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  char *contents;
  int errsv = 0;

  contents = ks_dirfd_read_all (self->meta_fd, INDEX_NAME, NULL, &errsv);
  if (contents == NULL && errsv != ENOENT)
    ks_set_errno_error (error, errsv, "Cannot read the index of %s", self->path);

  return contents;
}

static gboolean
ks_folder_destination_append_index (KsDestination  *dest,
                                    const char     *lines,
                                    gsize           len,
                                    GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);

  /* One write on an O_APPEND fd, then one fdatasync. */
  if (self->index_fd < 0 || !ks_fd_write_all (self->index_fd, lines, len)
      || ks_fd_sync_data (self->index_fd) != 0)
    return ks_set_errno_error (error, self->index_fd < 0 ? EBADF : errno,
                               "Cannot record in the index of %s", self->path);

  return TRUE;
}

static gboolean
ks_folder_destination_replace_index (KsDestination  *dest,
                                     const char     *contents,
                                     gsize           len,
                                     GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autofree char *where = meta_location (self);

  if (!ks_dirfd_write_file (self->meta_fd, where, INDEX_NAME, contents, len, NULL, error))
    return FALSE;

  /* The appends go to the new file. */
  ks_close_fd (&self->index_fd);
  self->index_fd = openat (self->meta_fd, INDEX_NAME,
                           O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (self->index_fd < 0)
    return ks_set_errno_error (error, errno, "Cannot open the index of %s for writing", self->path);

  return TRUE;
}

static gpointer
ks_folder_destination_create_temp (KsDestination  *dest,
                                   const char     *rel_dir,
                                   const char     *name_hint,
                                   GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  int dir_fd;

  dir_fd = ks_dirfd_open_chain (self->root_fd, self->path, rel_dir, TRUE, error);
  if (dir_fd < 0)
    return NULL;

  return ks_verified_writer_new (dir_fd, self->path, name_hint, error);
}

static gboolean
ks_folder_destination_write_temp (KsDestination  *dest,
                                  gpointer        temp,
                                  const void     *data,
                                  gsize           len,
                                  GError        **error)
{
  return ks_verified_writer_write (temp, data, len, error);
}

static char *
ks_folder_destination_finish_temp (KsDestination  *dest,
                                   gpointer        temp,
                                   guint64        *out_size,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  return ks_verified_writer_finish (temp, out_size, cancellable, error);
}

static gboolean
ks_folder_destination_name_temp (KsDestination  *dest,
                                 gpointer        temp,
                                 const char     *rel_dir,
                                 const char     *name,
                                 GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  int final_dir;
  int errsv;

  final_dir = ks_dirfd_open_chain (self->root_fd, self->path, rel_dir, TRUE, error);
  if (final_dir < 0)
    return FALSE;

  if (ks_verified_writer_publish (temp, &self->publish_mode, final_dir, name) == 0)
    {
      close (final_dir);
      return TRUE;
    }

  errsv = errno;
  close (final_dir);
  return ks_set_errno_error (error, errsv, "Cannot name %s in %s/%s", name, self->path, rel_dir);
}

static int
ks_folder_destination_open_root_dir (KsDestination  *dest,
                                     GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);

  return ks_dirfd_open_chain (self->root_fd, self->path, "", FALSE, error);
}

static void
ks_folder_destination_free_temp (KsDestination *dest,
                                 gpointer       temp)
{
  ks_verified_writer_free (temp);
}

static gboolean
ks_folder_destination_sync_folder (KsDestination  *dest,
                                   const char     *rel_dir,
                                   GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  gboolean ok = TRUE;
  int fd;

  fd = ks_dirfd_open_chain (self->root_fd, self->path, rel_dir, FALSE, error);
  if (fd < 0)
    return FALSE;

  if (ks_fd_sync_file (fd) != 0)
    ok = ks_set_errno_error (error, errno, "Cannot write to %s", self->path);
  close (fd);

  return ok;
}

static gboolean
ks_folder_destination_query_file (KsDestination  *dest,
                                  const char     *relative_path,
                                  guint64        *out_size)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  gboolean found = FALSE;
  struct stat st;

  g_mutex_lock (&self->fd_mutex);
  if (self->root_fd >= 0
      && fstatat (self->root_fd, relative_path, &st, AT_SYMLINK_NOFOLLOW) == 0
      && S_ISREG (st.st_mode))
    {
      *out_size = st.st_size;
      found = TRUE;
    }
  g_mutex_unlock (&self->fd_mutex);

  return found;
}

static char *
ks_folder_destination_hash_file (KsDestination  *dest,
                                 const char     *relative_path,
                                 guint64        *out_size,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autofree char *dir = g_path_get_dirname (relative_path);
  g_autofree char *base = g_path_get_basename (relative_path);
  char *hash;
  int dir_fd;
  int fd;

  dir_fd = ks_dirfd_open_chain (self->root_fd, self->path, strcmp (dir, ".") == 0 ? "" : dir,
                                FALSE, error);
  if (dir_fd < 0)
    return NULL;

  fd = openat (dir_fd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      ks_set_errno_error (error, errno, "%s/%s", self->path, relative_path);
      close (dir_fd);
      return NULL;
    }

  hash = ks_hash_fd_from_medium (fd, out_size, cancellable, error);
  close (fd);
  close (dir_fd);

  return hash;
}

static GBytes *
ks_folder_destination_load_file (KsDestination  *dest,
                                 const char     *relative_path,
                                 gsize           max_size,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autofree char *dir = g_path_get_dirname (relative_path);
  g_autofree char *base = g_path_get_basename (relative_path);
  g_autofree guint8 *data = NULL;
  struct stat st;
  gsize got = 0;
  int dir_fd;
  int fd;

  dir_fd = ks_dirfd_open_chain (self->root_fd, self->path, strcmp (dir, ".") == 0 ? "" : dir,
                                FALSE, error);
  if (dir_fd < 0)
    return NULL;

  fd = openat (dir_fd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  close (dir_fd);
  if (fd < 0)
    {
      ks_set_errno_error (error, errno, "%s/%s", self->path, relative_path);
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      ks_set_errno_error (error, errno ? errno : EINVAL, "%s/%s", self->path, relative_path);
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > max_size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "%s/%s is larger than %" G_GSIZE_FORMAT " bytes", self->path, relative_path,
                   max_size);
      close (fd);
      return NULL;
    }

  data = g_malloc (MAX (st.st_size, 1));
  while (got < (gsize) st.st_size)
    {
      ssize_t n = read (fd, data + got, st.st_size - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          if (n < 0)
            ks_set_errno_error (error, errno, "%s/%s", self->path, relative_path);
          else if (n == 0)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "%s/%s shrank while read",
                         self->path, relative_path);
          close (fd);
          return NULL;
        }
      got += n;
    }
  close (fd);

  return g_bytes_new_take (g_steal_pointer (&data), got);
}

static void
ks_folder_destination_finalize (GObject *object)
{
  KsFolderDestination *self = (KsFolderDestination *)object;

  ks_close_fd (&self->index_fd);
  ks_close_fd (&self->meta_fd);
  ks_close_fd (&self->root_fd);
  ks_close_fd (&self->lock_fd);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->expected_id, g_free);
  g_mutex_clear (&self->fd_mutex);

  G_OBJECT_CLASS (ks_folder_destination_parent_class)->finalize (object);
}

static void
ks_folder_destination_class_init (KsFolderDestinationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  KsDestinationClass *dest_class = KS_DESTINATION_CLASS (klass);

  object_class->finalize = ks_folder_destination_finalize;

  dest_class->get_kind = ks_folder_destination_get_kind;
  dest_class->dup_uri = ks_folder_destination_dup_uri;
  dest_class->dup_display_name = ks_folder_destination_dup_display_name;
  dest_class->dup_volume_uuid = ks_folder_destination_dup_volume_uuid;
  dest_class->open_medium = ks_folder_destination_open_medium;
  dest_class->close_medium = ks_folder_destination_close_medium;
  dest_class->query_free_space = ks_folder_destination_query_free_space;
  dest_class->check_available = ks_folder_destination_check_available;
  dest_class->query_max_file_size = ks_folder_destination_query_max_file_size;
  dest_class->read_index = ks_folder_destination_read_index;
  dest_class->append_index = ks_folder_destination_append_index;
  dest_class->replace_index = ks_folder_destination_replace_index;
  dest_class->create_temp = ks_folder_destination_create_temp;
  dest_class->write_temp = ks_folder_destination_write_temp;
  dest_class->finish_temp = ks_folder_destination_finish_temp;
  dest_class->name_temp = ks_folder_destination_name_temp;
  dest_class->open_root_dir = ks_folder_destination_open_root_dir;
  dest_class->free_temp = ks_folder_destination_free_temp;
  dest_class->sync_folder = ks_folder_destination_sync_folder;
  dest_class->query_file = ks_folder_destination_query_file;
  dest_class->hash_file = ks_folder_destination_hash_file;
  dest_class->load_file = ks_folder_destination_load_file;
}

static void
ks_folder_destination_init (KsFolderDestination *self)
{
  self->root_fd = -1;
  self->meta_fd = -1;
  self->index_fd = -1;
  self->lock_fd = -1;
  self->publish_mode = KS_PUBLISH_RENAME_NOREPLACE;
  g_mutex_init (&self->fd_mutex);
}

/**
 * ks_folder_destination_new:
 * @path: the folder (must exist when ks_destination_open() is called)
 *
 * Returns: (transfer full): a destination; call ks_destination_open() before use
 */
KsFolderDestination *
ks_folder_destination_new (const char *path)
{
  return ks_folder_destination_new_full (path, NULL, FALSE);
}

/**
 * ks_folder_destination_new_full:
 * @path: the folder
 * @expected_id: (nullable): the id the backup plan knows it by. Opening writes it into a
 *   folder that holds no id yet, and refuses (%KS_DESTINATION_ERROR_UNAVAILABLE) a folder
 *   holding another one: then another drive or backup is where this one used to be.
 *   %NULL: any id, and a new random one for a folder without.
 * @create_missing: opening creates the folder (and its parents) when it does not exist
 *
 * Returns: (transfer full): a destination; call ks_destination_open() before use
 */
KsFolderDestination *
ks_folder_destination_new_full (const char *path,
                                const char *expected_id,
                                gboolean    create_missing)
{
  KsFolderDestination *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (KS_TYPE_FOLDER_DESTINATION, NULL);
  self->path = g_canonicalize_filename (path, NULL);
  self->expected_id = g_strdup (expected_id);
  self->create_missing = create_missing;

  return self;
}

const char *
ks_folder_destination_get_path (KsFolderDestination *self)
{
  g_return_val_if_fail (KS_IS_FOLDER_DESTINATION (self), NULL);

  return self->path;
}

/**
 * ks_folder_destination_read_id:
 * @path: a folder
 *
 * Reads the id a folder holds in .keepsake/id, without opening it as a destination (no
 * lock, no tidying): cheap enough to call when a folder is added to the plan, and safe while
 * a backup runs into it.
 *
 * Returns: (transfer full) (nullable): the id; %NULL without an error when the folder (or
 *   its id) does not exist, %NULL with @error set when it cannot be read or is damaged
 */
char *
ks_folder_destination_read_id (const char  *path,
                               GError     **error)
{
  g_autofree char *canonical = NULL;
  char *id = NULL;
  int root_fd;
  int meta_fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  canonical = g_canonicalize_filename (path, NULL);
  root_fd = open (canonical, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      if (errno != ENOENT && errno != ENOTDIR)
        ks_set_errno_error (error, errno, "Cannot open %s", canonical);
      return NULL;
    }

  meta_fd = openat (root_fd, KS_DESTINATION_META_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (meta_fd < 0)
    {
      if (errno != ENOENT)
        ks_set_errno_error (error, errno, "Cannot open %s/" KS_DESTINATION_META_DIR, canonical);
    }
  else
    {
      id = ks_volume_read_id (meta_fd, canonical, error);
      close (meta_fd);
    }
  close (root_fd);

  return id;
}

void
_ks_folder_destination_set_publish_mode (KsFolderDestination *self,
                                         KsFolderPublishMode  mode)
{
  g_return_if_fail (KS_IS_FOLDER_DESTINATION (self));

  self->publish_mode = mode;
}

KsFolderPublishMode
_ks_folder_destination_get_publish_mode (KsFolderDestination *self)
{
  g_return_val_if_fail (KS_IS_FOLDER_DESTINATION (self), 0);

  return self->publish_mode;
}

void
_ks_folder_destination_fail_next_sync (KsFolderDestination *self,
                                       int                  errsv)
{
  g_return_if_fail (KS_IS_FOLDER_DESTINATION (self));

  _ks_destination_fail_next_sync (KS_DESTINATION (self), errsv);
}
