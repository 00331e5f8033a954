/* ks-folder-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsFolderSource walks a local folder with plain POSIX calls (openat/fstatat relative
 * to directory descriptors), so symbolic links are never followed out of the folder,
 * names stay raw bytes, and a directory's files come before its subfolders. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-folder-source.h"

/* Deeper trees than this are not camera folders; it also bounds recursion. */
#define MAX_DEPTH 32

struct _KsFolderSource
{
  GObject  parent_instance;

  GFile   *file;
  char    *path;
  char    *id;
};

static void source_iface_init (KsSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsFolderSource, ks_folder_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_SOURCE, source_iface_init))

enum {
  PROP_0,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_folder_source_constructed (GObject *object)
{
  KsFolderSource *self = (KsFolderSource *)object;

  G_OBJECT_CLASS (ks_folder_source_parent_class)->constructed (object);

  g_assert (self->file != NULL);
  self->path = g_file_get_path (self->file);
  if (self->path == NULL)
    self->path = g_strdup ("/nonexistent");
  self->id = g_strconcat ("folder:", self->path, NULL);
}

static void
ks_folder_source_finalize (GObject *object)
{
  KsFolderSource *self = (KsFolderSource *)object;

  g_clear_object (&self->file);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->id, g_free);

  G_OBJECT_CLASS (ks_folder_source_parent_class)->finalize (object);
}

static void
ks_folder_source_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KsFolderSource *self = KS_FOLDER_SOURCE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_folder_source_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KsFolderSource *self = KS_FOLDER_SOURCE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_folder_source_class_init (KsFolderSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_folder_source_constructed;
  object_class->finalize = ks_folder_source_finalize;
  object_class->get_property = ks_folder_source_get_property;
  object_class->set_property = ks_folder_source_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_folder_source_init (KsFolderSource *self)
{
}

/**
 * ks_folder_source_new:
 * @folder: a local folder
 *
 * Returns: (transfer full): a source for the media in @folder and below
 */
KsFolderSource *
ks_folder_source_new (GFile *folder)
{
  g_return_val_if_fail (G_IS_FILE (folder), NULL);

  return g_object_new (KS_TYPE_FOLDER_SOURCE, "file", folder, NULL);
}

GFile *
ks_folder_source_get_file (KsFolderSource *self)
{
  g_return_val_if_fail (KS_IS_FOLDER_SOURCE (self), NULL);
  return self->file;
}

static const char *
ks_folder_source_get_id (KsSource *source)
{
  return KS_FOLDER_SOURCE (source)->id;
}

static char *
ks_folder_source_dup_display_name (KsSource *source)
{
  KsFolderSource *self = KS_FOLDER_SOURCE (source);
  g_autofree char *base = g_path_get_basename (self->path);

  return g_filename_display_name (base);
}

static gboolean
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

typedef struct
{
  KsSource         *source;
  KsSourceFileFunc  func;
  gpointer          user_data;
  GCancellable     *cancellable;
  gboolean          stopped;
} Walk;

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* Takes ownership of @dir_fd. @prefix is "" or "a/b/". */
static gboolean
walk_directory (Walk        *walk,
                int          dir_fd,
                const char  *prefix,
                guint        depth,
                GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *de;

  dir = fdopendir (dir_fd);
  if (dir == NULL)
    {
      int errsv = errno;
      close (dir_fd);
      return set_errno_error (error, errsv, "Could not read folder");
    }

  errno = 0;
  while ((de = readdir (dir)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      g_ptr_array_add (names, g_strdup (de->d_name));
    }
  if (errno != 0)
    {
      int errsv = errno;
      closedir (dir);
      return set_errno_error (error, errsv, "Could not read folder");
    }

  /* Sorted, so walks are reproducible whatever the file system's order. */
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      struct stat st;

      if (g_cancellable_set_error_if_cancelled (walk->cancellable, error))
        {
          closedir (dir);
          return FALSE;
        }

      /* AT_SYMLINK_NOFOLLOW: a link is neither a file nor a folder to us, so
       * nothing outside the folder is ever read. */
      if (fstatat (dirfd (dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;

      if (S_ISDIR (st.st_mode))
        {
          /* Hidden folders hold our own index (.keepsake), trash and app data. */
          if (name[0] != '.')
            g_ptr_array_add (subdirs, g_strdup (name));
        }
      else if (S_ISREG (st.st_mode) && name[0] != '.')
        {
          g_autofree char *path = g_strconcat (prefix, name, NULL);
          KsSourceFile file = { path, (guint64) st.st_size, (gint64) st.st_mtime };

          if (!walk->func (walk->source, &file, walk->user_data))
            {
              walk->stopped = TRUE;
              closedir (dir);
              return TRUE;
            }
        }
    }

  /* Newest folders first: DCIM's 100APPLE, 101APPLE, … count up with time, so a
   * newest-first grid fills from the top and later batches land below the fold. */
  for (guint i = subdirs->len; i > 0 && depth < MAX_DEPTH; i--)
    {
      const char *name = g_ptr_array_index (subdirs, i - 1);
      g_autofree char *sub_prefix = g_strconcat (prefix, name, "/", NULL);
      int fd;

      fd = openat (dirfd (dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        continue;

      if (!walk_directory (walk, fd, sub_prefix, depth + 1, error))
        {
          closedir (dir);
          return FALSE;
        }
      if (walk->stopped)
        break;
    }

  closedir (dir);
  return TRUE;
}

static gboolean
ks_folder_source_enumerate (KsSource          *source,
                            KsSourceFileFunc   func,
                            gpointer           user_data,
                            GCancellable      *cancellable,
                            GError           **error)
{
  KsFolderSource *self = KS_FOLDER_SOURCE (source);
  Walk walk = { source, func, user_data, cancellable, FALSE };
  int fd;

  fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, errno, "Could not open folder");

  return walk_directory (&walk, fd, "", 0, error);
}

/* The real path of @path in the folder, refused when it is not a regular file inside it
 * (intermediate symbolic links must not lead out of the folder either). */
static char *
resolve_file (KsFolderSource  *self,
              const char      *path,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GFile) child = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *child_path = NULL;
  g_autofree char *real_root = NULL;
  g_autofree char *real_child = NULL;

  /* The walk never reports a path that leaves the folder, but callers may pass stored ones. */
  if (!ks_source_path_is_safe (path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "Path is outside the source folder");
      return NULL;
    }

  child = g_file_resolve_relative_path (self->file, path);
  child_path = g_file_get_path (child);
  real_root = realpath (self->path, NULL);
  real_child = child_path ? realpath (child_path, NULL) : NULL;
  if (real_root == NULL || real_child == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No such file in the source folder");
      return NULL;
    }
  if (!g_str_has_prefix (real_child, real_root) ||
      (real_child[strlen (real_root)] != '/' && strcmp (real_root, "/") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "Path is outside the source folder");
      return NULL;
    }

  info = g_file_query_info (child, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, error);
  if (info == NULL)
    return NULL;
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "Not a regular file");
      return NULL;
    }

  return g_steal_pointer (&real_child);
}

static GInputStream *
ks_folder_source_open_file (KsSource      *source,
                            const char    *path,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autofree char *real = resolve_file (KS_FOLDER_SOURCE (source), path, cancellable, error);
  g_autoptr(GFile) file = NULL;

  if (real == NULL)
    return NULL;
  file = g_file_new_for_path (real);
  return G_INPUT_STREAM (g_file_read (file, cancellable, error));
}

static char *
ks_folder_source_dup_local_path (KsSource   *source,
                                 const char *path)
{
  return resolve_file (KS_FOLDER_SOURCE (source), path, NULL, NULL);
}

static gint64
ks_folder_source_query_free_space (KsSource      *source,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  KsFolderSource *self = KS_FOLDER_SOURCE (source);
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_filesystem_info (self->file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, cancellable, error);
  if (info == NULL)
    return -1;
  return (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
}

/* A camera card pulled out or the folder deleted mid-run: every later file would fail too. */
static gboolean
ks_folder_source_is_present (KsSource *source)
{
  return g_file_query_exists (KS_FOLDER_SOURCE (source)->file, NULL);
}

static void
source_iface_init (KsSourceInterface *iface)
{
  iface->get_id = ks_folder_source_get_id;
  iface->dup_display_name = ks_folder_source_dup_display_name;
  iface->enumerate = ks_folder_source_enumerate;
  iface->open_file = ks_folder_source_open_file;
  iface->query_free_space = ks_folder_source_query_free_space;
  iface->is_present = ks_folder_source_is_present;
  iface->dup_local_path = ks_folder_source_dup_local_path;
}
