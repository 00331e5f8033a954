/* ks-drive-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A drive destination wraps a folder destination: opening finds where the drive with that
 * UUID is mounted now (ks-mount-info: the mount table and libblkid) and makes a
 * KsFolderDestination for the folder inside it, which does every file operation. What the
 * drive adds is finding it, saying "not connected" / "was disconnected" in its own words,
 * and its file system's limits. A drive whose UUID cannot be read (no udev and no access to
 * the device) is still found by its own .keepsake/id. */

#include "config.h"

#include <glib/gi18n.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ks-drive-destination.h"
#include "ks-folder-destination.h"
#include "ks-mount-info.h"

struct _KsDriveDestination
{
  KsDestination        parent_instance;

  char                *location;
  char                *uuid;
  char                *inner_path;  /* "" for the drive's top folder */
  char                *expected_id;
  char                *name;

  /* Where the drive is mounted since the last open; replaced by open, read by lookups
   * from other threads. */
  GMutex               mutex;
  KsFolderDestination *folder;
  /* The block device it was mounted from at open (NULL if not known), and its number. */
  char                *device;
  dev_t                device_rdev;
};

G_DEFINE_FINAL_TYPE (KsDriveDestination, ks_drive_destination, KS_TYPE_DESTINATION)

/* ---- locations ---- */

/**
 * ks_drive_location_new:
 * @uuid: the file system's UUID
 * @inner_path: the folder inside the drive, relative to its top ("" or "Photos/2024")
 *
 * Returns: (transfer full): "drive:UUID/inner/path"
 */
char *
ks_drive_location_new (const char *uuid,
                       const char *inner_path)
{
  g_autofree char *inner = NULL;

  g_return_val_if_fail (uuid != NULL && uuid[0] != '\0', NULL);

  inner = g_strdup (inner_path != NULL ? inner_path : "");
  g_strstrip (inner);
  while (inner[0] == '/')
    memmove (inner, inner + 1, strlen (inner));
  while (inner[0] != '\0' && inner[strlen (inner) - 1] == '/')
    inner[strlen (inner) - 1] = '\0';

  return g_strconcat (KS_DRIVE_LOCATION_PREFIX, uuid, "/", inner, NULL);
}

/**
 * ks_drive_location_parse:
 * @out_uuid: (out) (optional) (transfer full)
 * @out_inner_path: (out) (optional) (transfer full): "" for the drive's top folder
 *
 * Returns: whether @location is a drive's location; a folder inside the drive may not
 *   leave it ("..")
 */
gboolean
ks_drive_location_parse (const char  *location,
                         char       **out_uuid,
                         char       **out_inner_path)
{
  const char *rest;
  const char *slash;
  g_auto(GStrv) parts = NULL;

  if (location == NULL || !g_str_has_prefix (location, KS_DRIVE_LOCATION_PREFIX))
    return FALSE;

  rest = location + strlen (KS_DRIVE_LOCATION_PREFIX);
  slash = strchr (rest, '/');
  if (slash == NULL || slash == rest)
    return FALSE;

  parts = g_strsplit (slash + 1, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_equal (parts[i], "..") || g_str_equal (parts[i], "."))
      return FALSE;

  if (out_uuid != NULL)
    *out_uuid = g_strndup (rest, slash - rest);
  if (out_inner_path != NULL)
    *out_inner_path = g_strdup (slash + 1);
  return TRUE;
}

static char *
id_at (const char *path)
{
  return ks_folder_destination_read_id (path, NULL);
}

/**
 * ks_drive_location_find_path:
 * @location: a drive's location
 * @expected_id: (nullable): the destination's id, to tell it among drives whose UUID
 *   cannot be read
 *
 * Looks for the drive in the mount table. Blocking (it probes devices).
 *
 * Returns: (transfer full) (nullable): the folder's path where the drive is mounted now,
 *   or %NULL when it is not connected
 */
char *
ks_drive_location_find_path (const char *location,
                             const char *expected_id)
{
  g_autofree char *uuid = NULL;
  g_autofree char *inner = NULL;
  g_autoptr(GPtrArray) mounts = NULL;

  if (!ks_drive_location_parse (location, &uuid, &inner))
    return NULL;

  mounts = ks_mount_info_list ();

  /* By UUID first; a bind mount of a folder inside the drive is not the drive. */
  for (guint i = 0; i < mounts->len; i++)
    {
      KsMountInfo *info = g_ptr_array_index (mounts, i);
      g_autofree char *path = NULL;

      if (info->uuid == NULL || g_ascii_strcasecmp (info->uuid, uuid) != 0
          || g_strcmp0 (info->root_path, "/") != 0)
        continue;
      path = g_build_filename (info->mount_path, inner, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&path);
    }

  /* Then by its own id, on drives whose UUID could not be read. */
  for (guint i = 0; expected_id != NULL && i < mounts->len; i++)
    {
      KsMountInfo *info = g_ptr_array_index (mounts, i);
      g_autofree char *path = NULL;
      g_autofree char *id = NULL;

      if (info->uuid != NULL || !info->block_device || g_strcmp0 (info->root_path, "/") != 0)
        continue;
      path = g_build_filename (info->mount_path, inner, NULL);
      id = id_at (path);
      if (id != NULL && g_ascii_strcasecmp (id, expected_id) == 0)
        return g_steal_pointer (&path);
    }

  return NULL;
}

/**
 * ks_drive_location_for_path:
 * @path: an existing folder
 * @out_label: (out) (optional) (transfer full): the drive's label, or its mount folder's name
 *
 * Whether @path is on an external drive (ks_mount_info_is_drive() says which file systems
 * are), and then its drive location. Blocking.
 *
 * Returns: (transfer full) (nullable): the location; %NULL without an error when @path is
 *   not on a drive
 */
char *
ks_drive_location_for_path (const char  *path,
                            char       **out_label,
                            GError     **error)
{
  g_autoptr(KsMountInfo) info = NULL;
  g_autofree char *real = NULL;
  const char *inner;

  g_return_val_if_fail (path != NULL, NULL);

  info = ks_mount_info_for_path (path, error);
  if (info == NULL)
    return NULL;
  if (!ks_mount_info_is_drive (info) || g_strcmp0 (info->root_path, "/") != 0)
    return NULL;

  real = realpath (path, NULL);
  if (real == NULL || !g_str_has_prefix (real, info->mount_path))
    return NULL;
  inner = real + strlen (info->mount_path);
  if (inner[0] != '\0' && inner[0] != '/' && !g_str_equal (info->mount_path, "/"))
    return NULL;

  if (out_label != NULL)
    *out_label = info->label != NULL ? g_strdup (info->label)
                                     : g_filename_display_basename (info->mount_path);

  return ks_drive_location_new (info->uuid, inner);
}

/* ---- the destination ---- */

static KsFolderDestination *
dup_folder (KsDriveDestination *self)
{
  KsFolderDestination *folder;

  g_mutex_lock (&self->mutex);
  folder = self->folder != NULL ? g_object_ref (self->folder) : NULL;
  g_mutex_unlock (&self->mutex);

  return folder;
}

#define FOLDER_CLASS(folder) KS_DESTINATION_GET_CLASS (folder)

static gboolean
set_not_connected (KsDriveDestination  *self,
                   GError             **error)
{
  g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
               _("The drive “%s” is not connected"), self->name);
  return FALSE;
}

static const char *
ks_drive_destination_get_kind (KsDestination *dest)
{
  return "drive";
}

static char *
ks_drive_destination_dup_uri (KsDestination *dest)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = dup_folder (self);

  if (folder == NULL)
    return g_strdup (self->location);

  return FOLDER_CLASS (folder)->dup_uri (KS_DESTINATION (folder));
}

static char *
ks_drive_destination_dup_display_name (KsDestination *dest)
{
  return g_strdup (KS_DRIVE_DESTINATION (dest)->name);
}

static char *
ks_drive_destination_dup_volume_uuid (KsDestination *dest)
{
  return g_strdup (KS_DRIVE_DESTINATION (dest)->uuid);
}

static char *
ks_drive_destination_open_medium (KsDestination  *dest,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = NULL;
  g_autofree char *path = ks_drive_location_find_path (self->location, self->expected_id);

  if (path == NULL)
    {
      set_not_connected (self, error);
      return NULL;
    }

  /* A drive pulled out loses its device node at once, while its file system may stay
   * mounted (and the page cache may take writes) until someone unmounts it. */
  {
    g_autoptr(KsMountInfo) info = ks_mount_info_for_path (path, NULL);
    struct stat st;

    g_clear_pointer (&self->device, g_free);
    if (info != NULL && info->block_device && stat (info->device, &st) == 0 && S_ISBLK (st.st_mode))
      {
        self->device = g_strdup (info->device);
        self->device_rdev = st.st_rdev;
      }
  }

  folder = ks_folder_destination_new_full (path, self->expected_id, FALSE);
  g_mutex_lock (&self->mutex);
  g_set_object (&self->folder, folder);
  g_mutex_unlock (&self->mutex);

  return FOLDER_CLASS (folder)->open_medium (KS_DESTINATION (folder), cancellable, error);
}

static void
ks_drive_destination_close_medium (KsDestination *dest)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  if (folder != NULL)
    FOLDER_CLASS (folder)->close_medium (KS_DESTINATION (folder));
}

static gint64
ks_drive_destination_query_free_space (KsDestination  *dest,
                                       GError        **error)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = dup_folder (self);

  if (folder == NULL)
    return set_not_connected (self, error) ? 0 : -1;

  return FOLDER_CLASS (folder)->query_free_space (KS_DESTINATION (folder), error);
}

static guint64
ks_drive_destination_query_max_file_size (KsDestination  *dest,
                                          char          **out_reason)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = dup_folder (self);
  g_autoptr(KsMountInfo) info = NULL;
  guint64 max;

  if (folder == NULL)
    return 0;

  info = ks_mount_info_for_path (ks_folder_destination_get_path (folder), NULL);
  max = info != NULL ? ks_mount_info_get_max_file_size (info) : 0;
  if (max != 0 && out_reason != NULL)
    *out_reason = ks_mount_info_dup_limit_reason (info, self->name);

  return max;
}

static gboolean
device_present (KsDriveDestination *self)
{
  struct stat st;

  return self->device == NULL
         || (stat (self->device, &st) == 0 && S_ISBLK (st.st_mode) && st.st_rdev == self->device_rdev);
}

static gboolean
ks_drive_destination_check_available (KsDestination  *dest,
                                      GError        **error)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = dup_folder (self);

  if (folder == NULL)
    return set_not_connected (self, error);

  if (!FOLDER_CLASS (folder)->check_available (KS_DESTINATION (folder), NULL) || !device_present (self))
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("The drive “%s” was disconnected"), self->name);
      return FALSE;
    }

  return TRUE;
}

static char *
ks_drive_destination_read_index (KsDestination  *dest,
                                 GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->read_index (KS_DESTINATION (folder), error);
}

static gboolean
ks_drive_destination_append_index (KsDestination  *dest,
                                   const char     *lines,
                                   gsize           len,
                                   GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->append_index (KS_DESTINATION (folder), lines, len, error);
}

static gboolean
ks_drive_destination_replace_index (KsDestination  *dest,
                                    const char     *contents,
                                    gsize           len,
                                    GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->replace_index (KS_DESTINATION (folder), contents, len, error);
}

static gpointer
ks_drive_destination_create_temp (KsDestination  *dest,
                                  const char     *rel_dir,
                                  const char     *name_hint,
                                  GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->create_temp (KS_DESTINATION (folder), rel_dir, name_hint, error);
}

static gboolean
ks_drive_destination_write_temp (KsDestination  *dest,
                                 gpointer        temp,
                                 const void     *data,
                                 gsize           len,
                                 GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->write_temp (KS_DESTINATION (folder), temp, data, len, error);
}

static char *
ks_drive_destination_finish_temp (KsDestination  *dest,
                                  gpointer        temp,
                                  guint64        *out_size,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->finish_temp (KS_DESTINATION (folder), temp, out_size,
                                             cancellable, error);
}

static gboolean
ks_drive_destination_name_temp (KsDestination  *dest,
                                gpointer        temp,
                                const char     *rel_dir,
                                const char     *name,
                                GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->name_temp (KS_DESTINATION (folder), temp, rel_dir, name, error);
}

static int
ks_drive_destination_open_root_dir (KsDestination  *dest,
                                    GError        **error)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = dup_folder (self);

  if (folder == NULL)
    {
      set_not_connected (self, error);
      return -1;
    }

  return FOLDER_CLASS (folder)->open_root_dir (KS_DESTINATION (folder), error);
}

static void
ks_drive_destination_free_temp (KsDestination *dest,
                                gpointer       temp)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  FOLDER_CLASS (folder)->free_temp (KS_DESTINATION (folder), temp);
}

static gboolean
ks_drive_destination_sync_folder (KsDestination  *dest,
                                  const char     *rel_dir,
                                  GError        **error)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  return FOLDER_CLASS (folder)->sync_folder (KS_DESTINATION (folder), rel_dir, error);
}

static gboolean
ks_drive_destination_query_file (KsDestination  *dest,
                                 const char     *relative_path,
                                 guint64        *out_size)
{
  g_autoptr(KsFolderDestination) folder = dup_folder (KS_DRIVE_DESTINATION (dest));

  if (folder == NULL)
    return FALSE;

  return FOLDER_CLASS (folder)->query_file (KS_DESTINATION (folder), relative_path, out_size);
}

static char *
ks_drive_destination_hash_file (KsDestination  *dest,
                                const char     *relative_path,
                                guint64        *out_size,
                                GCancellable   *cancellable,
                                GError        **error)
{
  KsDriveDestination *self = KS_DRIVE_DESTINATION (dest);
  g_autoptr(KsFolderDestination) folder = dup_folder (self);

  if (folder == NULL)
    {
      set_not_connected (self, error);
      return NULL;
    }

  return FOLDER_CLASS (folder)->hash_file (KS_DESTINATION (folder), relative_path, out_size,
                                           cancellable, error);
}

static void
ks_drive_destination_finalize (GObject *object)
{
  KsDriveDestination *self = (KsDriveDestination *)object;

  g_clear_object (&self->folder);
  g_clear_pointer (&self->device, g_free);
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->uuid, g_free);
  g_clear_pointer (&self->inner_path, g_free);
  g_clear_pointer (&self->expected_id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_drive_destination_parent_class)->finalize (object);
}

static void
ks_drive_destination_class_init (KsDriveDestinationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  KsDestinationClass *dest_class = KS_DESTINATION_CLASS (klass);

  object_class->finalize = ks_drive_destination_finalize;

  dest_class->get_kind = ks_drive_destination_get_kind;
  dest_class->dup_uri = ks_drive_destination_dup_uri;
  dest_class->dup_display_name = ks_drive_destination_dup_display_name;
  dest_class->dup_volume_uuid = ks_drive_destination_dup_volume_uuid;
  dest_class->open_medium = ks_drive_destination_open_medium;
  dest_class->close_medium = ks_drive_destination_close_medium;
  dest_class->query_free_space = ks_drive_destination_query_free_space;
  dest_class->query_max_file_size = ks_drive_destination_query_max_file_size;
  dest_class->check_available = ks_drive_destination_check_available;
  dest_class->read_index = ks_drive_destination_read_index;
  dest_class->append_index = ks_drive_destination_append_index;
  dest_class->replace_index = ks_drive_destination_replace_index;
  dest_class->create_temp = ks_drive_destination_create_temp;
  dest_class->write_temp = ks_drive_destination_write_temp;
  dest_class->finish_temp = ks_drive_destination_finish_temp;
  dest_class->name_temp = ks_drive_destination_name_temp;
  dest_class->open_root_dir = ks_drive_destination_open_root_dir;
  dest_class->free_temp = ks_drive_destination_free_temp;
  dest_class->sync_folder = ks_drive_destination_sync_folder;
  dest_class->query_file = ks_drive_destination_query_file;
  dest_class->hash_file = ks_drive_destination_hash_file;
}

static void
ks_drive_destination_init (KsDriveDestination *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * ks_drive_destination_new:
 * @location: "drive:UUID/path/inside"
 * @expected_id: (nullable): the id the backup plan knows it by (see
 *   ks_folder_destination_new_full())
 * @name: (nullable): a name for people (the plan's); the folder's name when %NULL
 *
 * Returns: (transfer full) (nullable): a destination (call ks_destination_open() before
 *   use), or %NULL when @location is not a drive's
 */
KsDriveDestination *
ks_drive_destination_new (const char *location,
                          const char *expected_id,
                          const char *name)
{
  KsDriveDestination *self;
  g_autofree char *uuid = NULL;
  g_autofree char *inner = NULL;

  g_return_val_if_fail (location != NULL, NULL);

  if (!ks_drive_location_parse (location, &uuid, &inner))
    return NULL;

  self = g_object_new (KS_TYPE_DRIVE_DESTINATION, NULL);
  self->location = g_strdup (location);
  self->uuid = g_steal_pointer (&uuid);
  self->inner_path = g_steal_pointer (&inner);
  self->expected_id = g_strdup (expected_id);
  if (name != NULL && name[0] != '\0')
    self->name = g_strdup (name);
  else if (self->inner_path[0] != '\0')
    self->name = g_filename_display_basename (self->inner_path);
  else
    self->name = g_strdup (self->uuid);

  return self;
}

const char *
ks_drive_destination_get_location (KsDriveDestination *self)
{
  g_return_val_if_fail (KS_IS_DRIVE_DESTINATION (self), NULL);

  return self->location;
}

/**
 * ks_drive_destination_dup_path:
 *
 * Returns: (transfer full) (nullable): where the folder was found by the last open
 */
char *
ks_drive_destination_dup_path (KsDriveDestination *self)
{
  g_autoptr(KsFolderDestination) folder = NULL;

  g_return_val_if_fail (KS_IS_DRIVE_DESTINATION (self), NULL);

  folder = dup_folder (self);
  return folder != NULL ? g_strdup (ks_folder_destination_get_path (folder)) : NULL;
}
