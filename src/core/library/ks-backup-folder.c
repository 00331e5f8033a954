/* ks-backup-folder.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupSource, its folder: which folder is the backup (the one function that says it, so a
 * layout of snapshots needs only a change here), and the small plists it holds (Info.plist,
 * Status.plist, Manifest.plist), read bounded and never through a link. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-backup-source-private.h"

#define MAX_PLIST_SIZE (64 * 1024 * 1024)
#define APPLE_EPOCH    978307200   /* 2001-01-01 in unix seconds */

static gboolean
exists_at (int         dir_fd,
           const char *name)
{
  struct stat st;

  return fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Recognised by its names alone: a Manifest.db that is a link or a folder is then refused,
 * with a sentence, when it is opened, rather than the backup being taken for a folder of files. */
static gboolean
is_backup_dir_fd (int dir_fd)
{
  return exists_at (dir_fd, "Manifest.db") &&
         (exists_at (dir_fd, "Manifest.plist") || exists_at (dir_fd, "Info.plist"));
}

gboolean
_ks_backup_is_backup_dir (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ret;

  if (fd < 0)
    return FALSE;
  ret = is_backup_dir_fd (fd);
  close (fd);
  return ret;
}

/* A small file of the backup, never through a link. */
static GBytes *
read_small_file (const char  *dir,
                 const char  *name,
                 GError     **error)
{
  int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int fd = dir_fd < 0 ? -1 : openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  g_autofree guint8 *data = NULL;
  gsize done = 0;

  if (dir_fd >= 0)
    close (dir_fd);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", name, g_strerror (errsv));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_PLIST_SIZE)
    {
      close (fd);
      g_set_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED,
                   _("The backup’s %s is not a file Keepsake can read"), name);
      return NULL;
    }

  data = g_malloc ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, data + done, (gsize) st.st_size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  close (fd);

  return g_bytes_new_take (g_steal_pointer (&data), done);
}

plist_t
_ks_backup_read_plist (const char *dir,
            const char *name)
{
  g_autoptr(GBytes) bytes = read_small_file (dir, name, NULL);
  plist_t plist = NULL;
  gsize len;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  if (len == 0 || len > G_MAXUINT32)
    return NULL;
  plist_from_memory (data, (uint32_t) len, &plist);
  if (plist != NULL && plist_get_node_type (plist) != PLIST_DICT)
    g_clear_pointer (&plist, plist_free);
  return plist;
}

const char *
_ks_backup_dict_string (plist_t     dict,
             const char *key)
{
  plist_t node = dict ? plist_dict_get_item (dict, key) : NULL;

  if (node == NULL || plist_get_node_type (node) != PLIST_STRING)
    return NULL;
  return plist_get_string_ptr (node, NULL);
}

gint64
_ks_backup_dict_date (plist_t     dict,
           const char *key)
{
  plist_t node = dict ? plist_dict_get_item (dict, key) : NULL;
  int32_t sec = 0, usec = 0;

  if (node == NULL || plist_get_node_type (node) != PLIST_DATE)
    return 0;
  plist_get_date_val (node, &sec, &usec);
  return (gint64) sec + APPLE_EPOCH;
}

gboolean
_ks_backup_dict_bool (plist_t     dict,
           const char *key)
{
  plist_t node = dict ? plist_dict_get_item (dict, key) : NULL;
  uint8_t val = 0;

  if (node == NULL || plist_get_node_type (node) != PLIST_BOOLEAN)
    return FALSE;
  plist_get_bool_val (node, &val);
  return val != 0;
}

GBytes *
_ks_backup_dict_data (plist_t     dict,
           const char *key)
{
  plist_t node = dict ? plist_dict_get_item (dict, key) : NULL;
  const char *ptr;
  uint64_t len = 0;

  if (node == NULL || plist_get_node_type (node) != PLIST_DATA)
    return NULL;
  ptr = plist_get_data_ptr (node, &len);
  return g_bytes_new (ptr, (gsize) len);
}

/* A valid UTF-8 copy of an untrusted string, or NULL. */
char *
_ks_backup_dup_text (const char *s)
{
  if (s == NULL || *s == '\0')
    return NULL;
  return g_utf8_make_valid (s, MIN (strlen (s), 1024));
}

typedef struct
{
  char     *path;
  char     *udid;
  gint64    date;
  gboolean  finished;
} Candidate;

static void
candidate_free (Candidate *c)
{
  g_free (c->path);
  g_free (c->udid);
  g_free (c);
}

static Candidate *
candidate_new (const char *path)
{
  Candidate *c = g_new0 (Candidate, 1);
  plist_t status = _ks_backup_read_plist (path, "Status.plist");
  plist_t info = _ks_backup_read_plist (path, "Info.plist");
  plist_t manifest = _ks_backup_read_plist (path, "Manifest.plist");
  const char *state = _ks_backup_dict_string (status, "SnapshotState");
  plist_t lockdown = manifest ? plist_dict_get_item (manifest, "Lockdown") : NULL;

  c->path = g_strdup (path);
  c->udid = g_strdup (_ks_backup_dict_string (info, "Unique Identifier"));
  if (c->udid == NULL && lockdown != NULL && plist_get_node_type (lockdown) == PLIST_DICT)
    c->udid = g_strdup (_ks_backup_dict_string (lockdown, "UniqueDeviceID"));
  c->date = _ks_backup_dict_date (status, "Date");
  if (c->date == 0)
    c->date = _ks_backup_dict_date (info, "Last Backup Date");
  c->finished = state == NULL || g_strcmp0 (state, "finished") == 0;

  g_clear_pointer (&status, plist_free);
  g_clear_pointer (&info, plist_free);
  g_clear_pointer (&manifest, plist_free);
  return c;
}

static void
collect_candidates (const char *path,
                    guint       depth,
                    GPtrArray  *out,
                    gboolean   *other_entries)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (name[0] == '.')
        continue;
      if (g_lstat (child, &st) != 0 || !S_ISDIR (st.st_mode))
        {
          if (other_entries)
            *other_entries = TRUE;
          continue;
        }
      if (_ks_backup_is_backup_dir (child))
        g_ptr_array_add (out, candidate_new (child));
      else if (depth > 0)
        collect_candidates (child, depth - 1, out, NULL);
      else if (other_entries)
        *other_entries = TRUE;
    }
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *ca = *(const Candidate * const *) a;
  const Candidate *cb = *(const Candidate * const *) b;

  /* Finished first, then newest, then by name (reproducible). */
  if (ca->finished != cb->finished)
    return ca->finished ? -1 : 1;
  if (ca->date != cb->date)
    return ca->date > cb->date ? -1 : 1;
  return -strcmp (ca->path, cb->path);
}

/* The one place that says which folder is the backup: @folder itself; or the backup one or two
 * levels below it — MobileSync/Backup holding one <UDID>, a destination holding <UDID>, or a
 * device's snapshots — the newest finished one when they are all of one device. */
static char *
find_backup_path (const char  *path,
                  gboolean     whole_folder_only,
                  GError     **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  gboolean other_entries = FALSE;
  g_autofree char *display = g_filename_display_name (path);

  if (_ks_backup_is_backup_dir (path))
    return g_strdup (path);

  collect_candidates (path, 1, candidates, &other_entries);

  if (candidates->len == 0 || (whole_folder_only && other_entries))
    {
      g_set_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP,
                   _("%s holds no device backup (no Manifest.db with a Manifest.plist or Info.plist)"),
                   display);
      return NULL;
    }

  for (guint i = 1; i < candidates->len; i++)
    {
      const Candidate *first = g_ptr_array_index (candidates, 0);
      const Candidate *other = g_ptr_array_index (candidates, i);

      if (first->udid == NULL || g_strcmp0 (first->udid, other->udid) != 0)
        {
          g_set_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_SEVERAL_DEVICES,
                       _("%s holds backups of several devices; choose one of its folders"), display);
          return NULL;
        }
    }

  g_ptr_array_sort (candidates, compare_candidates);
  return g_strdup (((Candidate *) g_ptr_array_index (candidates, 0))->path);
}

/**
 * ks_backup_source_is_backup_folder:
 * @folder: a local folder
 *
 * Whether @folder is a device backup, or holds nothing but device backups (the snapshots of
 * one, MobileSync/Backup). Several devices' backups count too: opening them then says which
 * to choose. Blocking, but cheap: a few stat calls and small reads.
 */
gboolean
ks_backup_source_is_backup_folder (GFile *folder)
{
  g_autofree char *path = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (G_IS_FILE (folder), FALSE);

  path = g_file_get_path (folder);
  if (path == NULL)
    return FALSE;
  found = find_backup_path (path, TRUE, &error);
  return found != NULL ||
         g_error_matches (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_SEVERAL_DEVICES);
}

/**
 * ks_backup_source_find_backup:
 * @folder: a backup, or a folder holding backups of one device
 *
 * Returns: (transfer full) (nullable): the backup folder to read
 */
GFile *
ks_backup_source_find_backup (GFile   *folder,
                              GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *found = NULL;

  g_return_val_if_fail (G_IS_FILE (folder), NULL);

  path = g_file_get_path (folder);
  if (path == NULL)
    {
      g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP,
                           _("Only a local folder can be opened as a backup"));
      return NULL;
    }
  found = find_backup_path (path, FALSE, error);
  return found ? g_file_new_for_path (found) : NULL;
}
