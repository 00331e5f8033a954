/* ks-folder-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Stores files in a folder without ever overwriting one or writing outside it: every path
 * is opened relative to the root's fd, component by component with O_NOFOLLOW; files are
 * born as hidden temporaries and appear under their real name only once durable and
 * verified. The folder's own record lives in .keepsake/: an id and an append-only index. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ks-folder-destination.h"
#include "ks-folder-destination-private.h"
#include "ks-hash.h"

#define INDEX_NAME "index"
#define LOCK_NAME  "lock"
/* An index line "forget <sha256>" drops that content (a copy found damaged). */
#define FORGET_MARK "forget "
#define ID_NAME    "id"
#define MAX_NAME   255
#define MAX_WALK_DEPTH 12

struct _KsDestinationWriter
{
  int       dir_fd;
  char     *rel_dir;
  char     *tmp_name;
  int       fd;
  guint64   written;

  /* Read back from the medium as the file is written, one buffer behind: bytes
   * [0, checked) are hashed into @check. Commit reads only the rest. */
  KsHasher *check;
  guint64   checked;
  guint8   *check_buf;
  gboolean  check_later; /* the filesystem cannot say when data is on the medium */
};

#define CHECK_BUF_SIZE (1024 * 1024)

typedef KsFolderPublishMode PublishMode;
#define PUBLISH_RENAME_NOREPLACE  KS_FOLDER_PUBLISH_RENAME_NOREPLACE
#define PUBLISH_LINK              KS_FOLDER_PUBLISH_LINK
#define PUBLISH_CHECK_THEN_RENAME KS_FOLDER_PUBLISH_CHECK_THEN_RENAME

struct _KsFolderDestination
{
  GObject      parent_instance;

  char        *path;
  char        *id;
  int          root_fd;
  int          meta_fd;
  int          index_fd;
  int          lock_fd;
  dev_t        root_dev;
  ino_t        root_ino;
  PublishMode  publish_mode;

  /* Guards index and staged; lookups come from other threads than commits. */
  GMutex       mutex;
  GHashTable  *index;        /* hash → KsDestinationEntry */

  /* Named and verified, but their names and index lines are not durable until sync:
   * hash → KsDestinationEntry, and the folders to fsync (relative paths, as a set). */
  GHashTable  *staged;
  GPtrArray   *staged_order; /* the entries, in staging order, for the index lines */
  GHashTable  *staged_dirs;
  int          fail_next_sync; /* tests: an errno for the next index write */
};

static void destination_iface_init (KsDestinationInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsFolderDestination, ks_folder_destination, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_DESTINATION, destination_iface_init))

static gboolean
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *format,
                 ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *format,
                 ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
    }
}

gboolean
ks_folder_destination_is_temp_name (const char *name)
{
  const char *mark;
  const char *tail;

  if (name == NULL || name[0] != '.')
    return FALSE;

  mark = g_strrstr (name, KS_FOLDER_DESTINATION_TMP_MARK);
  if (mark == NULL || mark == name)
    return FALSE;

  tail = mark + strlen (KS_FOLDER_DESTINATION_TMP_MARK);
  if (strlen (tail) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isalnum (tail[i]))
      return FALSE;

  return TRUE;
}

static gboolean
component_is_safe (const char *c)
{
  return c[0] != '\0'
         && strcmp (c, ".") != 0
         && strcmp (c, "..") != 0
         && strlen (c) <= MAX_NAME
         && strchr (c, '\n') == NULL
         && strchr (c, '\r') == NULL;
}

/* Opens @rel_dir below the root, one component at a time, never following a symlink, so
 * nothing can lead a write outside the destination. Creates missing folders if @create. */
static int
open_dir_chain (KsFolderDestination  *self,
                const char           *rel_dir,
                gboolean              create,
                GError              **error)
{
  g_auto(GStrv) parts = NULL;
  int fd;

  fd = fcntl (self->root_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    {
      set_errno_error (error, errno, "%s", self->path);
      return -1;
    }

  if (rel_dir == NULL || rel_dir[0] == '\0')
    return fd;

  parts = g_strsplit (rel_dir, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      int next;

      if (!component_is_safe (parts[i]))
        {
          g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH,
                       "Refusing folder name “%s” in %s", parts[i], self->path);
          close (fd);
          return -1;
        }

      if (create)
        {
          if (mkdirat (fd, parts[i], 0755) == 0)
            {
              /* A new folder's own name must reach the disk too, or a crash can lose
               * the folder with the files that were synced into it. */
              fsync (fd);
            }
          else if (errno != EEXIST)
            {
              int errsv = errno;

              set_errno_error (error, errsv, "Cannot create folder %s in %s", rel_dir, self->path);
              close (fd);
              return -1;
            }
        }

      next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        {
          int errsv = errno;

          if (errsv == ELOOP || errsv == ENOTDIR)
            g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH,
                         "%s in %s is not a folder (a link or a file); not writing through it",
                         rel_dir, self->path);
          else
            set_errno_error (error, errsv, "Cannot open folder %s in %s", rel_dir, self->path);
          close (fd);
          return -1;
        }

      close (fd);
      fd = next;
    }

  return fd;
}

/* fsync()/fdatasync() that treat "not supported by this filesystem" (EINVAL: some FUSE
 * and network filesystems) as done: there is nothing more we could ask of it. */
static int
sync_file (int fd)
{
  if (fsync (fd) != 0 && errno != EINVAL)
    return -1;
  return 0;
}

static int
sync_data (int fd)
{
  if (fdatasync (fd) != 0 && errno != EINVAL)
    return -1;
  return 0;
}

static gboolean
write_all (int          fd,
           const void  *data,
           gsize        len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      p += n;
      len -= n;
    }

  return TRUE;
}

static char *
random_suffix (void)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char *s = g_malloc (7);

  for (guint i = 0; i < 6; i++)
    s[i] = chars[g_random_int_range (0, sizeof chars - 1)];
  s[6] = '\0';

  return s;
}

/* Cuts @s to at most @max bytes without splitting a UTF-8 sequence (if it is UTF-8). */
static char *
truncate_name (const char *s,
               gsize       max)
{
  gsize len = strlen (s);

  if (len <= max)
    return g_strdup (s);

  len = max;
  while (len > 0 && ((guchar)s[len] & 0xC0) == 0x80)
    len--;

  return g_strndup (s, len);
}

/* Creates a hidden temporary file in @dir_fd, never replacing anything (O_EXCL). */
static int
create_temp (int          dir_fd,
             const char  *hint,
             char       **out_name)
{
  g_autofree char *short_hint = truncate_name (hint ? hint : "file", 200);

  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *suffix = random_suffix ();
      g_autofree char *name = g_strconcat (".", short_hint, KS_FOLDER_DESTINATION_TMP_MARK, suffix, NULL);
      int fd = openat (dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

      if (fd >= 0)
        {
          *out_name = g_steal_pointer (&name);
          return fd;
        }
      if (errno != EEXIST)
        return -1;
    }

  errno = EEXIST;
  return -1;
}

/* Moves @from to @to, failing with EEXIST rather than replacing. */
static int
publish (KsFolderDestination *self,
         int                  from_dir,
         const char          *from,
         int                  to_dir,
         const char          *to)
{
  struct stat st;

  for (;;)
    {
      switch (self->publish_mode)
        {
        case PUBLISH_RENAME_NOREPLACE:
          if (renameat2 (from_dir, from, to_dir, to, RENAME_NOREPLACE) == 0)
            return 0;
          if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)
            {
              self->publish_mode = PUBLISH_LINK;
              continue;
            }
          return -1;

        case PUBLISH_LINK:
          /* link() refuses an existing target, so it gives the same guarantee. */
          if (linkat (from_dir, from, to_dir, to, 0) == 0)
            {
              unlinkat (from_dir, from, 0);
              return 0;
            }
          if (errno == EPERM || errno == ENOTSUP || errno == ENOSYS || errno == EMLINK)
            {
              self->publish_mode = PUBLISH_CHECK_THEN_RENAME;
              continue;
            }
          return -1;

        case PUBLISH_CHECK_THEN_RENAME:
        default:
          /* Filesystems with neither (some SMB servers): check, then rename. Only we write
           * to this folder during a run, so the window is a foreign writer's only. */
          if (fstatat (to_dir, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
            {
              errno = EEXIST;
              return -1;
            }
          if (errno != ENOENT)
            return -1;
          return renameat (from_dir, from, to_dir, to);
        }
    }
}

static gboolean
parse_index_line (const char  *line,
                  char       **hash,
                  guint64     *size,
                  char       **rel)
{
  const char *sp1, *sp2;
  char *end = NULL;

  sp1 = strchr (line, ' ');
  if (sp1 == NULL || sp1 - line != KS_HASH_HEX_LEN)
    return FALSE;
  sp2 = strchr (sp1 + 1, ' ');
  if (sp2 == NULL || sp2[1] == '\0')
    return FALSE;

  *size = g_ascii_strtoull (sp1 + 1, &end, 10);
  if (end != sp2)
    return FALSE;

  *hash = g_strndup (line, KS_HASH_HEX_LEN);
  if (!ks_hash_is_valid (*hash))
    {
      g_clear_pointer (hash, g_free);
      return FALSE;
    }
  *rel = g_strdup (sp2 + 1);

  return TRUE;
}

static char *
read_all_at (int          dir_fd,
             const char  *name,
             gsize       *out_len,
             int         *out_errno)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  GByteArray *buf;
  guint8 chunk[65536];

  if (fd < 0)
    {
      *out_errno = errno;
      return NULL;
    }

  buf = g_byte_array_new ();
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          close (fd);
          g_byte_array_free (buf, TRUE);
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (buf, chunk, n);
    }
  close (fd);

  *out_len = buf->len;
  g_byte_array_append (buf, (const guint8 *)"", 1);
  return (char *)g_byte_array_free (buf, FALSE);
}

/* Writes @contents to .keepsake/@name atomically (temp, fsync, rename over, fsync dir):
 * these are our own files, so replacing them is what we want. */
static gboolean
replace_meta_file (KsFolderDestination  *self,
                   const char           *name,
                   const char           *contents,
                   gsize                 len,
                   gboolean              no_replace,
                   GError              **error)
{
  g_autofree char *tmp = NULL;
  int fd = create_temp (self->meta_fd, name, &tmp);
  int r;

  if (fd < 0)
    return set_errno_error (error, errno, "Cannot write in %s/" KS_FOLDER_DESTINATION_META_DIR, self->path);

  if (!write_all (fd, contents, len) || sync_file (fd) != 0)
    {
      int errsv = errno;

      close (fd);
      unlinkat (self->meta_fd, tmp, 0);
      return set_errno_error (error, errsv, "Cannot write %s/" KS_FOLDER_DESTINATION_META_DIR "/%s",
                              self->path, name);
    }
  close (fd);

  if (no_replace)
    r = publish (self, self->meta_fd, tmp, self->meta_fd, name);
  else
    r = renameat (self->meta_fd, tmp, self->meta_fd, name);

  if (r != 0)
    {
      int errsv = errno;

      unlinkat (self->meta_fd, tmp, 0);
      if (!(no_replace && errsv == EEXIST))
        return set_errno_error (error, errsv, "Cannot write %s/" KS_FOLDER_DESTINATION_META_DIR "/%s",
                                self->path, name);
    }

  fsync (self->meta_fd);
  return TRUE;
}

static gboolean
load_id (KsFolderDestination  *self,
         GError              **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  int errsv = 0;

  contents = read_all_at (self->meta_fd, ID_NAME, &len, &errsv);
  if (contents == NULL && errsv == ENOENT)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *line = g_strconcat (uuid, "\n", NULL);

      /* no_replace: if another process created the id meanwhile, theirs wins. */
      if (!replace_meta_file (self, ID_NAME, line, strlen (line), TRUE, error))
        return FALSE;
      contents = read_all_at (self->meta_fd, ID_NAME, &len, &errsv);
    }

  if (contents == NULL)
    return set_errno_error (error, errsv, "Cannot read the id of %s", self->path);

  g_strstrip (contents);
  if (!g_uuid_string_is_valid (contents))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s/" KS_FOLDER_DESTINATION_META_DIR "/" ID_NAME " is damaged", self->path);
      return FALSE;
    }

  g_free (self->id);
  self->id = g_steal_pointer (&contents);
  return TRUE;
}

static gboolean
load_index (KsFolderDestination  *self,
            GError              **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  int errsv = 0;
  guint lines = 0;
  gboolean damaged = FALSE;

  g_hash_table_remove_all (self->index);

  contents = read_all_at (self->meta_fd, INDEX_NAME, &len, &errsv);
  if (contents == NULL && errsv != ENOENT)
    return set_errno_error (error, errsv, "Cannot read the index of %s", self->path);

  if (contents != NULL)
    {
      char *p = contents;

      while (*p)
        {
          char *nl = strchr (p, '\n');
          g_autofree char *hash = NULL;
          g_autofree char *rel = NULL;
          guint64 size = 0;

          if (nl == NULL)
            {
              /* A torn last line from a crash: the copy it described is redone. */
              damaged = TRUE;
              break;
            }
          *nl = '\0';
          lines++;

          if (g_str_has_prefix (p, FORGET_MARK) && ks_hash_is_valid (p + strlen (FORGET_MARK)))
            g_hash_table_remove (self->index, p + strlen (FORGET_MARK));
          else if (parse_index_line (p, &hash, &size, &rel))
            {
              KsDestinationEntry *entry = g_new0 (KsDestinationEntry, 1);

              entry->hash = g_steal_pointer (&hash);
              entry->size = size;
              entry->relative_path = g_steal_pointer (&rel);
              g_hash_table_replace (self->index, entry->hash, entry);
            }
          else
            damaged = TRUE;

          p = nl + 1;
        }
    }

  /* Compact when the log carries garbage or many superseded lines. */
  if (damaged || lines > 2 * g_hash_table_size (self->index) + 64)
    {
      GString *out = g_string_new (NULL);
      GHashTableIter iter;
      KsDestinationEntry *entry;
      gboolean ok;

      g_hash_table_iter_init (&iter, self->index);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&entry))
        g_string_append_printf (out, "%s %" G_GUINT64_FORMAT " %s\n",
                                entry->hash, entry->size, entry->relative_path);
      ok = replace_meta_file (self, INDEX_NAME, out->str, out->len, FALSE, error);
      g_string_free (out, TRUE);
      if (!ok)
        return FALSE;
    }

  close_fd (&self->index_fd);
  self->index_fd = openat (self->meta_fd, INDEX_NAME,
                           O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (self->index_fd < 0)
    return set_errno_error (error, errno, "Cannot open the index of %s for writing", self->path);

  return TRUE;
}

/* Removes temporary files a killed run left behind; only names matching our pattern. */
static void
clean_stale_temps (int           dir_fd,
                   guint         depth,
                   GCancellable *cancellable)
{
  DIR *dir;
  struct dirent *de;
  int fd;

  if (depth > MAX_WALK_DEPTH)
    return;

  fd = fcntl (dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }

  while ((de = readdir (dir)) != NULL)
    {
      gboolean is_dir = de->d_type == DT_DIR;
      gboolean is_reg = de->d_type == DT_REG;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;

      if (de->d_type == DT_UNKNOWN)
        {
          struct stat st;

          if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
          is_dir = S_ISDIR (st.st_mode);
          is_reg = S_ISREG (st.st_mode);
        }

      if (is_reg && ks_folder_destination_is_temp_name (de->d_name))
        unlinkat (dirfd (dir), de->d_name, 0);
      else if (is_dir)
        {
          int sub = openat (dirfd (dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (sub >= 0)
            {
              clean_stale_temps (sub, depth + 1, cancellable);
              close (sub);
            }
        }
    }

  closedir (dir);
}

static char *
find_volume_uuid (dev_t dev)
{
  g_autoptr(GDir) dir = g_dir_open ("/dev/disk/by-uuid", 0, NULL);
  const char *name;

  if (dir == NULL)
    return NULL;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename ("/dev/disk/by-uuid", name, NULL);
      struct stat st;

      if (stat (p, &st) == 0 && S_ISBLK (st.st_mode) && st.st_rdev == dev)
        return g_strdup (name);
    }

  return NULL;
}

static const char *
ks_folder_destination_get_id (KsDestination *dest)
{
  return KS_FOLDER_DESTINATION (dest)->id;
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

  return find_volume_uuid (self->root_dev);
}

static gboolean
ks_folder_destination_open (KsDestination  *dest,
                            GCancellable   *cancellable,
                            GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  struct stat st;
  gboolean ok;

  close_fd (&self->index_fd);
  close_fd (&self->meta_fd);
  close_fd (&self->root_fd);
  close_fd (&self->lock_fd);

  /* The root itself may be a symlink the user chose (~/Pictures → /data/…); below it
   * nothing is followed. */
  self->root_fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->root_fd < 0)
    {
      int errsv = errno;

      if (errsv == ENOENT || errsv == ENOTDIR || errsv == ENODEV || errsv == ENXIO)
        g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                     "Destination %s is not available: %s", self->path, g_strerror (errsv));
      else
        set_errno_error (error, errsv, "Cannot open destination %s", self->path);
      return FALSE;
    }

  if (fstat (self->root_fd, &st) != 0)
    return set_errno_error (error, errno, "%s", self->path);
  self->root_dev = st.st_dev;
  self->root_ino = st.st_ino;

  if (mkdirat (self->root_fd, KS_FOLDER_DESTINATION_META_DIR, 0755) != 0 && errno != EEXIST)
    {
      int errsv = errno;

      if (errsv == EROFS)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY,
                     "Destination %s is read-only", self->path);
      else
        set_errno_error (error, errsv, "Cannot write to destination %s", self->path);
      return FALSE;
    }

  self->meta_fd = openat (self->root_fd, KS_FOLDER_DESTINATION_META_DIR,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (self->meta_fd < 0)
    return set_errno_error (error, errno, "Cannot open %s/" KS_FOLDER_DESTINATION_META_DIR, self->path);

  /* Probe writability now, so a read-only destination fails before any work. */
  if (faccessat (self->meta_fd, ".", W_OK, AT_EACCESS) != 0)
    {
      int errsv = errno;

      if (errsv == EROFS)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY,
                     "Destination %s is read-only", self->path);
      else
        set_errno_error (error, errsv, "Cannot write to destination %s", self->path);
      return FALSE;
    }

  /* One run at a time: another one's sweep would remove our temporaries, and two could
   * both create an id. The lock goes with the descriptor (a killed run leaves none). */
  self->lock_fd = openat (self->meta_fd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (self->lock_fd < 0)
    return set_errno_error (error, errno, "Cannot write to destination %s", self->path);
  if (flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;

      close_fd (&self->lock_fd);
      if (errsv == EWOULDBLOCK)
        {
          g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_BUSY,
                       "Another backup or check is using %s; try again when it has finished",
                       self->path);
          return FALSE;
        }
      /* Filesystems without locks (some network shares): go on without. */
    }

  g_mutex_lock (&self->mutex);
  ok = load_id (self, error) && load_index (self, error);
  g_mutex_unlock (&self->mutex);

  if (!ok)
    return FALSE;

  clean_stale_temps (self->root_fd, 0, cancellable);

  return TRUE;
}

static gint64
ks_folder_destination_query_free_space (KsDestination  *dest,
                                        GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  struct statvfs vfs;

  if (self->root_fd < 0 || fstatvfs (self->root_fd, &vfs) != 0)
    {
      set_errno_error (error, self->root_fd < 0 ? EBADF : errno, "Cannot query free space of %s", self->path);
      return -1;
    }

  return (gint64)vfs.f_bavail * (gint64)vfs.f_frsize;
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

static gboolean
ks_folder_destination_lookup (KsDestination  *dest,
                              const char     *hash,
                              char          **out_relative_path,
                              guint64        *out_size)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  KsDestinationEntry *entry;
  gboolean found = FALSE;

  g_mutex_lock (&self->mutex);
  entry = g_hash_table_lookup (self->index, hash);
  if (entry == NULL)
    entry = g_hash_table_lookup (self->staged, hash);
  /* The index says what was stored; the folder says what is still there. A file someone
   * deleted or truncated on the drive does not count, so the next run stores it again.
   * (Only a stat: reading it back is verify's job.) */
  if (entry != NULL && self->root_fd >= 0)
    {
      struct stat st;

      if (fstatat (self->root_fd, entry->relative_path, &st, AT_SYMLINK_NOFOLLOW) != 0
          || !S_ISREG (st.st_mode)
          || (guint64)st.st_size != entry->size)
        entry = NULL;
    }
  if (entry != NULL)
    {
      found = TRUE;
      if (out_relative_path)
        *out_relative_path = g_strdup (entry->relative_path);
      if (out_size)
        *out_size = entry->size;
    }
  g_mutex_unlock (&self->mutex);

  return found;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const KsDestinationEntry *ea = *(const KsDestinationEntry **)a;
  const KsDestinationEntry *eb = *(const KsDestinationEntry **)b;

  return strcmp (ea->relative_path, eb->relative_path);
}

static GPtrArray *
ks_folder_destination_list_entries (KsDestination *dest)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  GHashTableIter iter;
  KsDestinationEntry *entry;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->index);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&entry))
    {
      KsDestinationEntry *copy = g_new0 (KsDestinationEntry, 1);

      copy->hash = g_strdup (entry->hash);
      copy->size = entry->size;
      copy->relative_path = g_strdup (entry->relative_path);
      g_ptr_array_add (entries, copy);
    }
  g_mutex_unlock (&self->mutex);

  g_ptr_array_sort (entries, compare_entries);

  return entries;
}

static void
writer_free (KsDestinationWriter *writer)
{
  close_fd (&writer->fd);
  close_fd (&writer->dir_fd);
  g_clear_pointer (&writer->check, ks_hasher_free);
  g_clear_pointer (&writer->check_buf, g_free);
  g_free (writer->rel_dir);
  g_free (writer->tmp_name);
  g_free (writer);
}

static KsDestinationWriter *
ks_folder_destination_begin_file (KsDestination  *dest,
                                  const char     *rel_dir,
                                  const char     *name_hint,
                                  GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  KsDestinationWriter *writer;
  int dir_fd;
  int fd;
  char *tmp_name = NULL;

  dir_fd = open_dir_chain (self, rel_dir, TRUE, error);
  if (dir_fd < 0)
    return NULL;

  fd = create_temp (dir_fd, name_hint, &tmp_name);
  if (fd < 0)
    {
      int errsv = errno;

      close (dir_fd);
      set_errno_error (error, errsv, "Cannot create a file in %s/%s", self->path, rel_dir ? rel_dir : "");
      return NULL;
    }

  writer = g_new0 (KsDestinationWriter, 1);
  writer->dir_fd = dir_fd;
  writer->fd = fd;
  writer->rel_dir = g_strdup (rel_dir ? rel_dir : "");
  writer->tmp_name = tmp_name;

  return writer;
}

/* Reads [writer->checked, @end) back from the medium into the check hash (to the end of the
 * file when @end is G_MAXUINT64). Pages still in the cache are dropped first, so the kernel
 * fetches what the disk (or the NAS) actually holds. */
static gboolean
read_back (KsDestinationWriter  *writer,
           guint64               end,
           GCancellable         *cancellable,
           GError              **error)
{
  if (writer->check == NULL)
    writer->check = ks_hasher_new ();
  if (writer->check_buf == NULL)
    writer->check_buf = g_malloc (CHECK_BUF_SIZE);

  posix_fadvise (writer->fd, writer->checked, end == G_MAXUINT64 ? 0 : (off_t) (end - writer->checked),
                 POSIX_FADV_DONTNEED);

  while (writer->checked < end)
    {
      gsize want = (gsize) MIN ((guint64) CHECK_BUF_SIZE, end - writer->checked);
      ssize_t n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      n = pread (writer->fd, writer->check_buf, want, (off_t) writer->checked);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        break;

      ks_hasher_update (writer->check, writer->check_buf, n);
      writer->checked += n;
    }

  return TRUE;
}

static gboolean
ks_folder_destination_write (KsDestination        *dest,
                             KsDestinationWriter  *writer,
                             const void           *data,
                             gsize                 len,
                             GError              **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  guint64 before = writer->written;
  g_autoptr(GError) local_error = NULL;

  if (!write_all (writer->fd, data, len))
    return set_errno_error (error, errno, "Cannot write to %s", self->path);
  writer->written += len;

  if (len == 0)
    return TRUE;

  /* Start writeback of this buffer now, while the next one is read from the phone, so
   * the fsync in commit finds little left to write. Only a hint: it promises nothing
   * about durability (it flushes no metadata and no disk cache), which stays the fsync's
   * job. */
  sync_file_range (writer->fd, before, len, SYNC_FILE_RANGE_WRITE);

  /* Verify what the earlier buffers put on the medium while this one is on its way, so a
   * big video is not read back whole after its last byte arrived. Where the filesystem
   * cannot wait for writeback, commit reads everything back after its fsync. */
  if (!writer->check_later && before > writer->checked)
    {
      if (sync_file_range (writer->fd, writer->checked, before - writer->checked,
                           SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                           | SYNC_FILE_RANGE_WAIT_AFTER) != 0)
        {
          if (errno == EIO || errno == ENOSPC)
            return set_errno_error (error, errno, "Cannot write to %s", self->path);
          writer->check_later = TRUE;
        }
      else if (!read_back (writer, before, NULL, &local_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "Cannot read back from %s: ", self->path);
          return FALSE;
        }
    }

  return TRUE;
}

static void
ks_folder_destination_abort (KsDestination       *dest,
                             KsDestinationWriter *writer)
{
  close_fd (&writer->fd);
  unlinkat (writer->dir_fd, writer->tmp_name, 0);
  writer_free (writer);
}

/* Reads a file back from the medium, not from the page cache where possible: dropping the
 * cached pages first makes the kernel fetch what the disk (or the NAS) actually holds. */
static char *
hash_fd_from_medium (int           fd,
                     guint64      *out_size,
                     GCancellable *cancellable,
                     GError      **error)
{
  posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  /* One pass front to back (ks_hash_fd reads 1 MiB at a time): let readahead run ahead. */
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      set_errno_error (error, errno, "Cannot read back");
      return NULL;
    }

  return ks_hash_fd (fd, out_size, cancellable, error);
}

static char *
make_final_name (const char *stem,
                 const char *ext,
                 guint       n)
{
  g_autofree char *suffix = n > 1 ? g_strdup_printf (" (%u)", n) : g_strdup ("");
  g_autofree char *dot_ext = (ext && *ext) ? g_strconcat (".", ext, NULL) : g_strdup ("");
  gsize room = MAX_NAME - strlen (suffix) - strlen (dot_ext);
  g_autofree char *short_stem = truncate_name (stem && *stem ? stem : "file", room);

  return g_strconcat (short_stem, suffix, dot_ext, NULL);
}

static gboolean
ks_folder_destination_stage (KsDestination        *dest,
                             KsDestinationWriter  *writer,
                             const char           *rel_dir,
                             const char           *stem,
                             const char           *ext,
                             const char           *hash,
                             guint                *inout_counter,
                             char                **out_relative_path,
                             GCancellable         *cancellable,
                             GError              **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autofree char *read_back_hash = NULL;
  g_autofree char *final_name = NULL;
  g_autofree char *relative_path = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 read_size = 0;
  guint n = MAX (1, inout_counter ? *inout_counter : 1);
  int final_dir = -1;
  KsDestinationEntry *entry;

  rel_dir = rel_dir ? rel_dir : "";

  /* Durable first: a power cut after the rename must not leave a named, empty file. */
  if (sync_file (writer->fd) != 0)
    {
      set_errno_error (error, errno, "Cannot write to %s", self->path);
      goto fail;
    }

  /* Verify before the file gets its real name, so an unverified file is never visible:
   * what the writes did not read back yet, to the end of the file. */
  if (writer->check_later && writer->checked > 0)
    {
      g_clear_pointer (&writer->check, ks_hasher_free);
      writer->checked = 0;
    }
  posix_fadvise (writer->fd, writer->checked, 0, POSIX_FADV_SEQUENTIAL);
  if (!read_back (writer, G_MAXUINT64, cancellable, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Cannot read back from %s: ", self->path);
      goto fail;
    }
  read_size = writer->checked;
  read_back_hash = ks_hasher_finish (writer->check);
  if (read_size != writer->written || g_strcmp0 (read_back_hash, hash) != 0)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                   "What %s holds differs from what was written (%" G_GUINT64_FORMAT " of %"
                   G_GUINT64_FORMAT " bytes read back)", self->path, read_size, writer->written);
      goto fail;
    }
  close_fd (&writer->fd);

  final_dir = open_dir_chain (self, rel_dir, TRUE, error);
  if (final_dir < 0)
    goto fail;

  for (;; n++)
    {
      struct stat st;

      if (n > 100000)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "No free name for %s in %s", stem, self->path);
          goto fail;
        }

      g_free (final_name);
      final_name = make_final_name (stem, ext, n);

      if (publish (self, writer->dir_fd, writer->tmp_name, final_dir, final_name) == 0)
        break;

      if (errno != EEXIST)
        {
          set_errno_error (error, errno, "Cannot name %s in %s/%s", final_name, self->path, rel_dir);
          goto fail;
        }

      /* Taken. If it already holds exactly this content (a previous copy whose index line
       * was lost), adopt it instead of storing a second one. */
      if (fstatat (final_dir, final_name, &st, AT_SYMLINK_NOFOLLOW) == 0
          && S_ISREG (st.st_mode) && (guint64)st.st_size == writer->written)
        {
          int fd = openat (final_dir, final_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

          if (fd >= 0)
            {
              g_autofree char *existing = ks_hash_fd (fd, NULL, cancellable, NULL);

              close (fd);
              if (g_strcmp0 (existing, hash) == 0)
                {
                  unlinkat (writer->dir_fd, writer->tmp_name, 0);
                  break;
                }
            }
        }
    }

  relative_path = rel_dir[0] ? g_strconcat (rel_dir, "/", final_name, NULL) : g_strdup (final_name);

  /* The folder fsync and the index line wait for sync, once for a whole batch. An index
   * line must never reach the disk before the name it points to, so both happen there, in
   * that order. A temporary made in another folder must leave that one durably too. */
  entry = g_new0 (KsDestinationEntry, 1);
  entry->hash = g_strdup (hash);
  entry->size = writer->written;
  entry->relative_path = g_strdup (relative_path);

  g_mutex_lock (&self->mutex);
  g_hash_table_add (self->staged_dirs, g_strdup (rel_dir));
  if (strcmp (writer->rel_dir, rel_dir) != 0)
    g_hash_table_add (self->staged_dirs, g_strdup (writer->rel_dir));
  g_ptr_array_add (self->staged_order, entry);
  g_hash_table_replace (self->staged, entry->hash, entry);
  g_mutex_unlock (&self->mutex);

  close (final_dir);
  writer_free (writer);

  if (inout_counter)
    *inout_counter = n;
  if (out_relative_path)
    *out_relative_path = g_steal_pointer (&relative_path);

  return TRUE;

fail:
  if (final_dir >= 0)
    close (final_dir);
  ks_folder_destination_abort (dest, writer);
  return FALSE;
}

/* Makes what was staged durable: first every folder that got a new name (or lost a
 * temporary), then the index lines, in one write and one fdatasync. */
static gboolean
ks_folder_destination_sync (KsDestination  *dest,
                            GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) dirs = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  GHashTableIter iter;
  const char *dir;
  gboolean ok = TRUE;

  g_mutex_lock (&self->mutex);
  entries = g_steal_pointer (&self->staged_order);
  dirs = g_steal_pointer (&self->staged_dirs);
  self->staged_order = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  self->staged_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_unlock (&self->mutex);

  if (entries->len == 0 && g_hash_table_size (dirs) == 0)
    return TRUE;

  g_hash_table_iter_init (&iter, dirs);
  while (ok && g_hash_table_iter_next (&iter, (gpointer *)&dir, NULL))
    {
      int fd = open_dir_chain (self, dir, FALSE, error);

      if (fd < 0)
        ok = FALSE;
      else
        {
          if (sync_file (fd) != 0)
            ok = set_errno_error (error, errno, "Cannot write to %s", self->path);
          close (fd);
        }
    }

  for (guint i = 0; ok && i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);

      g_string_append_printf (lines, "%s %" G_GUINT64_FORMAT " %s\n",
                              entry->hash, entry->size, entry->relative_path);
    }

  /* One write on an O_APPEND fd: a crash leaves whole lines and at most one torn last
   * line, which loading drops (the copy it named is adopted by the next run). */
  g_mutex_lock (&self->mutex);
  if (ok && lines->len > 0 && self->fail_next_sync != 0)
    {
      ok = set_errno_error (error, self->fail_next_sync, "Cannot record in the index of %s", self->path);
      self->fail_next_sync = 0;
    }
  if (ok && lines->len > 0
      && (self->index_fd < 0 || !write_all (self->index_fd, lines->str, lines->len)
          || sync_data (self->index_fd) != 0))
    ok = set_errno_error (error, self->index_fd < 0 ? EBADF : errno,
                          "Cannot record in the index of %s", self->path);

  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);

      g_hash_table_remove (self->staged, entry->hash);
      if (ok)
        g_hash_table_replace (self->index, entry->hash, entry);
    }
  /* On success the index owns them now; on failure they go with the array. */
  if (ok)
    g_ptr_array_set_free_func (entries, NULL);
  g_mutex_unlock (&self->mutex);

  return ok;
}

static gboolean
ks_folder_destination_commit (KsDestination        *dest,
                              KsDestinationWriter  *writer,
                              const char           *rel_dir,
                              const char           *stem,
                              const char           *ext,
                              const char           *hash,
                              guint                *inout_counter,
                              char                **out_relative_path,
                              GCancellable         *cancellable,
                              GError              **error)
{
  g_autofree char *relative_path = NULL;

  if (!ks_folder_destination_stage (dest, writer, rel_dir, stem, ext, hash, inout_counter,
                                    &relative_path, cancellable, error)
      || !ks_folder_destination_sync (dest, error))
    return FALSE;

  if (out_relative_path)
    *out_relative_path = g_steal_pointer (&relative_path);

  return TRUE;
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

  dir_fd = open_dir_chain (self, strcmp (dir, ".") == 0 ? "" : dir, FALSE, error);
  if (dir_fd < 0)
    return NULL;

  fd = openat (dir_fd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      set_errno_error (error, errno, "%s/%s", self->path, relative_path);
      close (dir_fd);
      return NULL;
    }

  hash = hash_fd_from_medium (fd, out_size, cancellable, error);
  close (fd);
  close (dir_fd);

  return hash;
}

static void
ks_folder_destination_close (KsDestination *dest)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autoptr(GError) error = NULL;

  /* Whoever staged files and did not sync them still gets them recorded. If that fails
   * (the drive went away), nothing was claimed for them: only a sync counts a copy, and the
   * caller that synced has had the error. */
  if (self->root_fd >= 0 && !ks_folder_destination_sync (dest, &error))
    g_message ("Closing %s: %s", self->path, error->message);

  g_mutex_lock (&self->mutex);
  close_fd (&self->index_fd);
  close_fd (&self->meta_fd);
  close_fd (&self->root_fd);
  close_fd (&self->lock_fd);
  g_mutex_unlock (&self->mutex);
}

static gboolean
ks_folder_destination_forget (KsDestination  *dest,
                              const char     *hash,
                              GError        **error)
{
  KsFolderDestination *self = KS_FOLDER_DESTINATION (dest);
  g_autofree char *line = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (ks_hash_is_valid (hash), FALSE);

  g_mutex_lock (&self->mutex);
  if (self->index_fd < 0)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   "Destination %s is not open", self->path);
      ok = FALSE;
    }
  else if (g_hash_table_contains (self->index, hash))
    {
      line = g_strconcat (FORGET_MARK, hash, "\n", NULL);
      if (!write_all (self->index_fd, line, strlen (line)) || sync_data (self->index_fd) != 0)
        ok = set_errno_error (error, errno, "Cannot record in the index of %s", self->path);
      else
        g_hash_table_remove (self->index, hash);
    }
  g_mutex_unlock (&self->mutex);

  return ok;
}

static void
destination_iface_init (KsDestinationInterface *iface)
{
  iface->get_id = ks_folder_destination_get_id;
  iface->get_kind = ks_folder_destination_get_kind;
  iface->dup_uri = ks_folder_destination_dup_uri;
  iface->dup_display_name = ks_folder_destination_dup_display_name;
  iface->dup_volume_uuid = ks_folder_destination_dup_volume_uuid;
  iface->open = ks_folder_destination_open;
  iface->query_free_space = ks_folder_destination_query_free_space;
  iface->check_available = ks_folder_destination_check_available;
  iface->lookup = ks_folder_destination_lookup;
  iface->list_entries = ks_folder_destination_list_entries;
  iface->begin_file = ks_folder_destination_begin_file;
  iface->write = ks_folder_destination_write;
  iface->commit = ks_folder_destination_commit;
  iface->stage = ks_folder_destination_stage;
  iface->sync = ks_folder_destination_sync;
  iface->abort = ks_folder_destination_abort;
  iface->hash_file = ks_folder_destination_hash_file;
  iface->close = ks_folder_destination_close;
  iface->forget = ks_folder_destination_forget;
}

static void
ks_folder_destination_finalize (GObject *object)
{
  KsFolderDestination *self = (KsFolderDestination *)object;

  close_fd (&self->index_fd);
  close_fd (&self->meta_fd);
  close_fd (&self->root_fd);
  close_fd (&self->lock_fd);
  g_clear_pointer (&self->staged, g_hash_table_unref);
  g_clear_pointer (&self->staged_order, g_ptr_array_unref);
  g_clear_pointer (&self->staged_dirs, g_hash_table_unref);
  g_clear_pointer (&self->index, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->id, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_folder_destination_parent_class)->finalize (object);
}

static void
ks_folder_destination_class_init (KsFolderDestinationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_folder_destination_finalize;
}

static void
ks_folder_destination_init (KsFolderDestination *self)
{
  self->root_fd = -1;
  self->meta_fd = -1;
  self->index_fd = -1;
  self->lock_fd = -1;
  self->publish_mode = PUBLISH_RENAME_NOREPLACE;
  g_mutex_init (&self->mutex);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)ks_destination_entry_free);
  /* staged_order owns the entries until sync hands them to index; staged points at them. */
  self->staged = g_hash_table_new (g_str_hash, g_str_equal);
  self->staged_order = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  self->staged_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
  KsFolderDestination *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (KS_TYPE_FOLDER_DESTINATION, NULL);
  self->path = g_canonicalize_filename (path, NULL);

  return self;
}

const char *
ks_folder_destination_get_path (KsFolderDestination *self)
{
  g_return_val_if_fail (KS_IS_FOLDER_DESTINATION (self), NULL);

  return self->path;
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

  self->fail_next_sync = errsv;
}
