/* ks-volume.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The identity of a medium on a local filesystem, and the lock that keeps two runs apart. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-destination.h"
#include "ks-volume.h"

#define ID_NAME   "id"
#define LOCK_NAME "lock"

/**
 * ks_volume_read_id:
 * @meta_fd: the medium's .keepsake folder
 * @where: the medium, for messages
 *
 * Returns: (transfer full) (nullable): the id in .keepsake/id; %NULL without an error when
 *   there is none yet, %NULL with @error set when it cannot be read or is damaged
 */
char *
ks_volume_read_id (int          meta_fd,
                   const char  *where,
                   GError     **error)
{
  g_autofree char *contents = NULL;
  int errsv = 0;

  contents = ks_dirfd_read_all (meta_fd, ID_NAME, NULL, &errsv);
  if (contents == NULL)
    {
      if (errsv != ENOENT)
        ks_set_errno_error (error, errsv, "Cannot read the id of %s", where);
      return NULL;
    }

  g_strstrip (contents);
  if (!g_uuid_string_is_valid (contents))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s/" KS_DESTINATION_META_DIR "/" ID_NAME " is damaged", where);
      return NULL;
    }

  return g_steal_pointer (&contents);
}

/**
 * ks_volume_ensure_id:
 * @expected_id: (nullable): the id the medium must have (the backup plan's); written when it
 *   has none yet. %NULL: any id; a random one is written when it has none.
 * @mode: how to name the new id file without replacing one another process just wrote
 *
 * Returns: (transfer full): the medium's id, or %NULL with @error set; a medium holding
 *   another id than @expected_id fails with %KS_DESTINATION_ERROR_UNAVAILABLE
 */
char *
ks_volume_ensure_id (int             meta_fd,
                     const char     *where,
                     const char     *expected_id,
                     KsPublishMode  *mode,
                     GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;

  if (expected_id != NULL && !g_uuid_string_is_valid (expected_id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a destination id", expected_id);
      return NULL;
    }

  id = ks_volume_read_id (meta_fd, where, &local_error);
  if (id == NULL && local_error == NULL)
    {
      g_autofree char *uuid = expected_id ? g_strdup (expected_id) : g_uuid_string_random ();
      g_autofree char *line = g_strconcat (uuid, "\n", NULL);
      g_autofree char *meta = g_strconcat (where, "/" KS_DESTINATION_META_DIR, NULL);

      /* No replace: if another process created the id meanwhile, theirs wins. */
      if (!ks_dirfd_write_file (meta_fd, meta, ID_NAME, line, strlen (line), mode, error))
        return NULL;
      id = ks_volume_read_id (meta_fd, where, &local_error);
      if (id == NULL && local_error == NULL)
        ks_set_errno_error (&local_error, ENOENT, "Cannot read the id of %s", where);
    }

  if (id == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (expected_id != NULL && g_ascii_strcasecmp (id, expected_id) != 0)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   "“%s” holds another Keepsake backup (a different drive may be mounted there)",
                   where);
      return NULL;
    }

  return g_steal_pointer (&id);
}

/**
 * ks_volume_lock:
 * @out_lock_fd: (out): the descriptor holding the lock (-1 where the filesystem has no locks)
 *
 * One run at a time: another one's sweep would remove our temporaries, and two could both
 * create an id. The lock goes with the descriptor (a killed run leaves none).
 *
 * Returns: %FALSE with %KS_DESTINATION_ERROR_BUSY when another run holds it
 */
gboolean
ks_volume_lock (int          meta_fd,
                const char  *where,
                int         *out_lock_fd,
                GError     **error)
{
  int fd;

  *out_lock_fd = -1;
  fd = openat (meta_fd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return ks_set_errno_error (error, errno, "Cannot write to destination %s", where);

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;

      close (fd);
      if (errsv == EWOULDBLOCK)
        {
          g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_BUSY,
                       "Another backup or check is using %s; try again when it has finished",
                       where);
          return FALSE;
        }
      /* Filesystems without locks (some network shares): go on without. */
      return TRUE;
    }

  *out_lock_fd = fd;
  return TRUE;
}

/* Returns: (transfer full) (nullable): the UUID of the filesystem on block device @dev */
char *
ks_volume_find_uuid (dev_t dev)
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
