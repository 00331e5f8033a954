/* ks-destination-views.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDestination: views of the stored photos that other programs read, made on a medium that
 * is a local file system. An XMP sidecar next to a photo is written like a copy (temporary,
 * fsync, read back, then its name) and recorded in the index as derived from the photo;
 * one that another program wrote or changed since is left alone. The Albums folder holds a
 * folder per album with a link to each photo (hard links where the file system allows,
 * else relative symbolic links, else a list file); everything below it is reached without
 * following a symlink, and only links and list files are ever removed from it. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "ks-destination-private.h"
#include "ks-dirfd.h"
#include "ks-hash.h"
#include "ks-safe-name.h"
#include "ks-verified-writer.h"

#define MAX_ALBUM_DEPTH 8

static int
open_root (KsDestination  *self,
           GError        **error)
{
  if (!_ks_destination_is_open (self))
    {
      _ks_destination_set_not_open_error (self, error);
      return -1;
    }
  if (KS_DESTINATION_CLASS_OF (self)->open_root_dir == NULL)
    {
      g_autofree char *name = ks_destination_dup_display_name (self);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("“%s” cannot hold XMP sidecars or album folders (only a folder or a drive can)"),
                   name);
      return -1;
    }
  return KS_DESTINATION_CLASS_OF (self)->open_root_dir (self, error);
}

static char *
dup_where (KsDestination *self)
{
  g_autofree char *uri = ks_destination_dup_uri (self);
  char *path = uri != NULL ? g_filename_from_uri (uri, NULL, NULL) : NULL;

  return path != NULL ? path : g_strdup (uri != NULL ? uri : "?");
}

static char *
hash_bytes (GBytes *bytes)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();

  ks_hasher_update (hasher, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return ks_hasher_finish (hasher);
}

/* The hash of the regular file @name in @dir_fd (not through a symlink), or %NULL. */
static char *
hash_at (int           dir_fd,
         const char   *name,
         GCancellable *cancellable)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  char *hash;

  if (fd < 0)
    return NULL;
  hash = ks_hash_fd_from_medium (fd, NULL, cancellable, NULL);
  close (fd);
  return hash;
}

static void
split_path (const char  *relative_path,
            char       **out_dir,
            char       **out_name)
{
  const char *slash = strrchr (relative_path, '/');

  *out_dir = slash != NULL ? g_strndup (relative_path, slash - relative_path) : g_strdup ("");
  *out_name = g_strdup (slash != NULL ? slash + 1 : relative_path);
}

/**
 * ks_destination_put_sidecar:
 * @original_hash: the stored photo the sidecar describes
 * @relative_path: where the sidecar goes ("2024/05/IMG_0001.HEIC.xmp")
 * @contents: what it says
 * @out_outcome: (out) (optional): what was done
 *
 * Writes the sidecar the way a copy is written (temporary, fsync, read back, then its
 * name; the folder synced) and records it in the index as derived from @original_hash. A
 * sidecar this destination wrote before and nobody changed since is replaced atomically;
 * a file of that name that another program wrote or changed is kept (KS_SIDECAR_KEPT).
 *
 * Returns: %FALSE with @error set when it could not be written
 */
gboolean
ks_destination_put_sidecar (KsDestination     *self,
                            const char        *original_hash,
                            const char        *relative_path,
                            GBytes            *contents,
                            KsSidecarOutcome  *out_outcome,
                            GCancellable      *cancellable,
                            GError           **error)
{
  g_autofree char *where = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *key = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *read_back = NULL;
  g_autoptr(KsDestinationEntry) recorded = NULL;
  KsVerifiedWriter *writer = NULL;
  KsDestinationEntry *entry;
  KsSidecarOutcome outcome = KS_SIDECAR_WRITTEN;
  gboolean replace = FALSE;
  guint64 size = 0;
  struct stat st;
  int root_fd = -1;
  int dir_fd = -1;
  int r;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (ks_hash_is_valid (original_hash), FALSE);
  g_return_val_if_fail (relative_path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL, FALSE);

  root_fd = open_root (self, error);
  if (root_fd < 0)
    return FALSE;

  where = dup_where (self);
  split_path (relative_path, &dir, &name);
  hash = hash_bytes (contents);
  key = ks_destination_derived_key (original_hash, TRUE);
  recorded = _ks_destination_dup_derived (self, key);

  /* Recorded as saying this already, and still there with its size: nothing to do (the
   * next run does not read 50,000 sidecars back; verify does that). */
  if (recorded != NULL && g_str_equal (recorded->relative_path, relative_path)
      && g_str_equal (recorded->hash, hash)
      && KS_DESTINATION_CLASS_OF (self)->query_file (self, relative_path, &size)
      && size == recorded->size)
    {
      ks_close_fd (&root_fd);
      if (out_outcome != NULL)
        *out_outcome = KS_SIDECAR_UNCHANGED;
      return TRUE;
    }

  dir_fd = ks_dirfd_open_chain (root_fd, where, dir, TRUE, error);
  ks_close_fd (&root_fd);
  if (dir_fd < 0)
    return FALSE;

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (!S_ISREG (st.st_mode))
        {
          close (dir_fd);
          g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH,
                       _("%s in %s is not a file (a link or a folder); not writing through it"),
                       relative_path, where);
          return FALSE;
        }
      existing = hash_at (dir_fd, name, cancellable);
      if (g_strcmp0 (existing, hash) == 0)
        outcome = KS_SIDECAR_UNCHANGED;
      else if (recorded != NULL && g_str_equal (recorded->relative_path, relative_path)
               && g_strcmp0 (recorded->hash, existing) == 0)
        replace = TRUE;
      else
        outcome = KS_SIDECAR_KEPT;
    }

  if (outcome == KS_SIDECAR_WRITTEN)
    {
      int writer_dir = fcntl (dir_fd, F_DUPFD_CLOEXEC, 0);

      if (writer_dir < 0)
        {
          ks_set_errno_error (error, errno, "%s", where);
          close (dir_fd);
          return FALSE;
        }
      writer = ks_verified_writer_new (writer_dir, where, name, error);
      if (writer == NULL
          || !ks_verified_writer_write (writer, g_bytes_get_data (contents, NULL),
                                        g_bytes_get_size (contents), error)
          || (read_back = ks_verified_writer_finish (writer, &size, cancellable, error)) == NULL)
        goto fail;
      if (size != g_bytes_get_size (contents) || !g_str_equal (read_back, hash))
        {
          g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                       _("What %s holds differs from what was written"), where);
          goto fail;
        }

      if (replace)
        r = ks_verified_writer_replace (writer, dir_fd, name);
      else
        {
          KsPublishMode mode = KS_PUBLISH_RENAME_NOREPLACE;

          r = ks_verified_writer_publish (writer, &mode, dir_fd, name);
        }
      if (r != 0)
        {
          int errsv = errno;

          /* Another program made it just now: theirs stays. */
          if (errsv == EEXIST)
            outcome = KS_SIDECAR_KEPT;
          else
            {
              ks_set_errno_error (error, errsv, "Cannot name %s in %s", relative_path, where);
              goto fail;
            }
        }
      g_clear_pointer (&writer, ks_verified_writer_free);
      if (outcome == KS_SIDECAR_WRITTEN && ks_fd_sync_file (dir_fd) != 0)
        {
          ks_set_errno_error (error, errno, "Cannot write to %s", where);
          goto fail;
        }
    }
  close (dir_fd);
  dir_fd = -1;

  if (out_outcome != NULL)
    *out_outcome = outcome;
  if (outcome == KS_SIDECAR_KEPT)
    return TRUE;
  /* Unchanged and already recorded: nothing to add to the index. */
  if (outcome == KS_SIDECAR_UNCHANGED && recorded != NULL
      && g_str_equal (recorded->relative_path, relative_path) && g_str_equal (recorded->hash, hash))
    return TRUE;

  entry = ks_destination_entry_new (hash, g_bytes_get_size (contents), relative_path);
  entry->original_hash = g_strdup (original_hash);
  return _ks_destination_record_derived (self, entry, error);

fail:
  g_clear_pointer (&writer, ks_verified_writer_free);
  ks_close_fd (&dir_fd);
  return FALSE;
}

/* ---- the Albums folder ---- */

typedef struct
{
  KsDestination *self;
  char          *where;
  int            root_fd;
  KsAlbumLinks   links;
  gboolean       probed;
  GHashTable    *wanted;      /* path below the Albums folder → link target (root-relative), or
                               * "" for a folder; list files: → their contents */
  GCancellable  *cancellable;
} AlbumsRun;

/* "Trips/Italy" → "Trips/Italy" made of safe names; %NULL if nothing is left. */
static char *
album_folder (const char *album)
{
  g_auto(GStrv) parts = g_strsplit (album, "/", MAX_ALBUM_DEPTH);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *safe = NULL;

      if (parts[i][0] == '\0')
        continue;
      safe = ks_safe_name_make (parts[i], -1);
      if (safe == NULL || safe[0] == '\0' || safe[0] == '.')
        {
          g_autofree char *dotless = safe != NULL ? g_strconcat ("_", safe, NULL) : g_strdup ("_");

          g_free (safe);
          safe = g_steal_pointer (&dotless);
        }
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, safe);
    }

  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* "../../2024/05/IMG_0001.HEIC" from "Albums/Trips/Italy" to "2024/05/IMG_0001.HEIC". */
static char *
relative_target (const char *link_dir,
                 const char *target)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append (out, "../");
  for (const char *p = link_dir; *p; p++)
    if (*p == '/')
      g_string_append (out, "../");
  g_string_append (out, target);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whether @name in @dir_fd already is the link we want to @target_fd's file. */
static gboolean
link_is_current (AlbumsRun   *run,
                 int          dir_fd,
                 const char  *name,
                 const char  *link_dir,
                 const char  *target)
{
  struct stat have, want;

  if (fstatat (dir_fd, name, &have, AT_SYMLINK_NOFOLLOW) != 0)
    return FALSE;

  if (S_ISLNK (have.st_mode))
    {
      g_autofree char *expected = relative_target (link_dir, target);
      char buf[4096];
      ssize_t n = readlinkat (dir_fd, name, buf, sizeof buf - 1);

      if (n < 0)
        return FALSE;
      buf[n] = '\0';
      return run->links == KS_ALBUM_LINKS_SYMBOLIC && g_str_equal (buf, expected);
    }

  return run->links == KS_ALBUM_LINKS_HARD && S_ISREG (have.st_mode)
         && fstatat (run->root_fd, target, &want, AT_SYMLINK_NOFOLLOW) == 0
         && have.st_dev == want.st_dev && have.st_ino == want.st_ino;
}

/* Removes what sits at @name if it is something this folder may hold (a link, or a list
 * file); a real file (one link only) or a folder is never removed. */
static gboolean
remove_entry (int         dir_fd,
              const char *name)
{
  struct stat st;

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT;
  if (S_ISLNK (st.st_mode) || (S_ISREG (st.st_mode) && (st.st_nlink > 1 || g_str_equal (name, KS_ALBUM_LIST_NAME))))
    return unlinkat (dir_fd, name, 0) == 0;
  return FALSE;
}

/* Makes one link (or, the first time, finds out which kind of link the medium takes). */
static int
make_link (AlbumsRun  *run,
           int         dir_fd,
           const char *name,
           const char *link_dir,
           const char *target)
{
  for (;;)
    {
      int errsv;

      if (run->links == KS_ALBUM_LINKS_HARD)
        {
          /* linkat() without AT_SYMLINK_FOLLOW links the name itself, never what a
           * symlink there would point to. */
          if (linkat (run->root_fd, target, dir_fd, name, 0) == 0)
            return 0;
        }
      else if (run->links == KS_ALBUM_LINKS_SYMBOLIC)
        {
          g_autofree char *relative = relative_target (link_dir, target);

          if (symlinkat (relative, dir_fd, name) == 0)
            return 0;
        }
      else
        return -1;

      errsv = errno;
      if (!run->probed && (errsv == EPERM || errsv == ENOTSUP || errsv == ENOSYS
                           || errsv == EXDEV || errsv == EMLINK || errsv == EACCES))
        {
          run->links++;
          continue;
        }
      errno = errsv;
      return -1;
    }
}

static void
want_folders (AlbumsRun  *run,
              const char *dir)
{
  g_autofree char *copy = g_strdup (dir);

  for (char *slash = copy + strlen (copy); slash != NULL; slash = strrchr (copy, '/'))
    {
      *slash = '\0';
      if (copy[0] != '\0' && !g_hash_table_contains (run->wanted, copy))
        g_hash_table_insert (run->wanted, g_strdup (copy), g_strdup (""));
      if (strrchr (copy, '/') == NULL)
        break;
    }
}

static void
want_folder (AlbumsRun  *run,
             const char *dir)
{
  g_autofree char *with_end = g_strconcat (dir, "/", NULL);

  want_folders (run, with_end);
}

/* Fills one album's folder: a link per member, or its list file. */
/* @dir with the characters outside Unicode's first plane (emoji) made '_': some FAT
 * drivers refuse them in names. */
static char *
plain_folder (const char *dir)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = dir; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c > 0xffff)
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
fill_album (AlbumsRun   *run,
            int          albums_fd,
            const char  *folder,
            const char  *album_dir,
            GPtrArray   *members,
            GError     **error)
{
  g_autofree char *plain = plain_folder (album_dir);
  g_autofree char *link_dir = NULL;
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) list = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  const char *dir = album_dir;
  int dir_fd;

  dir_fd = ks_dirfd_open_chain (albums_fd, run->where, dir, TRUE, &local_error);
  if (dir_fd < 0 && !g_str_equal (plain, album_dir)
      && !g_error_matches (local_error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH))
    {
      g_clear_error (&local_error);
      dir = plain;
      dir_fd = ks_dirfd_open_chain (albums_fd, run->where, dir, TRUE, &local_error);
    }
  if (dir_fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  link_dir = g_strconcat (folder, "/", dir, NULL);
  want_folder (run, dir);

  for (guint i = 0; i < members->len; i++)
    {
      const char *target = g_ptr_array_index (members, i);
      const char *base = strrchr (target, '/') ? strrchr (target, '/') + 1 : target;
      g_autofree char *name = g_strdup (base);
      g_autofree char *path = NULL;

      /* Two photos of the same name in one album (from two months). */
      for (guint n = 2; g_hash_table_contains (taken, name) || g_str_equal (name, KS_ALBUM_LIST_NAME); n++)
        {
          g_free (name);
          name = ks_safe_name_add_counter (base, n);
        }
      g_hash_table_add (taken, g_strdup (name));
      g_string_append_printf (list, "%s\n", target);

      if (run->links == KS_ALBUM_LINKS_LIST)
        continue;

      path = g_strconcat (dir, "/", name, NULL);
      if (!link_is_current (run, dir_fd, name, link_dir, target))
        {
          remove_entry (dir_fd, name);
          if (make_link (run, dir_fd, name, link_dir, target) != 0)
            {
              int errsv = errno;

              if (run->links != KS_ALBUM_LINKS_LIST)
                {
                  close (dir_fd);
                  return ks_set_errno_error (error, errsv, "Cannot link %s in %s/%s", name, run->where, link_dir);
                }
            }
          run->probed = TRUE;
        }
      if (run->links == KS_ALBUM_LINKS_LIST)
        {
          /* The medium took no link at all: this album, and every other, gets a list. */
          g_hash_table_remove_all (taken);
          g_string_truncate (list, 0);
          i = (guint) -1;
          continue;
        }
      g_hash_table_insert (run->wanted, g_steal_pointer (&path), g_strdup (target));
    }

  if (run->links == KS_ALBUM_LINKS_LIST)
    {
      g_autofree char *have = NULL;
      g_autofree char *list_path = g_strconcat (dir, "/", KS_ALBUM_LIST_NAME, NULL);
      gsize have_len = 0;
      int errsv = 0;

      have = ks_dirfd_read_all (dir_fd, KS_ALBUM_LIST_NAME, &have_len, &errsv);
      if ((have == NULL || !g_str_equal (have, list->str))
          && !ks_dirfd_write_file (dir_fd, link_dir, KS_ALBUM_LIST_NAME, list->str, list->len, NULL, error))
        {
          close (dir_fd);
          return FALSE;
        }
      g_hash_table_insert (run->wanted, g_steal_pointer (&list_path), g_strdup (""));
    }

  ks_fd_sync_file (dir_fd);
  close (dir_fd);
  return TRUE;
}

/* Removes what no album wants any more below @dir (links, list files, and folders left
 * empty); never follows a symlink, never removes a real file. */
static void
prune (AlbumsRun  *run,
       int         dir_fd,
       const char *dir,
       guint       depth)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *d;
  struct dirent *de;
  int fd;

  if (depth > MAX_ALBUM_DEPTH + 1 || g_cancellable_is_cancelled (run->cancellable))
    return;
  fd = fcntl (dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    if (!g_str_equal (de->d_name, ".") && !g_str_equal (de->d_name, ".."))
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (d);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = dir[0] ? g_strconcat (dir, "/", name, NULL) : g_strdup (name);
      struct stat st;

      if (g_hash_table_contains (run->wanted, path) && !g_str_equal (name, KS_ALBUM_LIST_NAME))
        {
          const char *what = g_hash_table_lookup (run->wanted, path);

          if (what[0] != '\0')
            continue;
        }
      if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;

      if (S_ISDIR (st.st_mode))
        {
          int sub = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (sub >= 0)
            {
              prune (run, sub, path, depth + 1);
              close (sub);
            }
          if (!g_hash_table_contains (run->wanted, path))
            unlinkat (dir_fd, name, AT_REMOVEDIR); /* only when empty */
        }
      else if (!g_hash_table_contains (run->wanted, path))
        remove_entry (dir_fd, name);
    }

  ks_fd_sync_file (dir_fd);
}

/**
 * ks_destination_sync_albums:
 * @folder: the folder below the root that holds the albums ("Albums")
 * @albums: (element-type utf8 GPtrArray): album path ("Trips/Italy") → the root-relative
 *   paths of its photos (strings)
 * @out_links: (out) (optional): how the albums' members were made
 *
 * Makes @folder hold exactly @albums: a folder per album (folders of albums nested) with a
 * link to each photo, or a list file where the medium takes no links. Albums and members
 * that are no longer wanted are removed (links and list files only).
 */
gboolean
ks_destination_sync_albums (KsDestination  *self,
                            const char     *folder,
                            GHashTable     *albums,
                            KsAlbumLinks   *out_links,
                            GCancellable   *cancellable,
                            GError        **error)
{
  KsDestinationPrivate *priv;
  g_autoptr(GList) keys = NULL;
  AlbumsRun run = { 0 };
  gboolean ok = TRUE;
  int albums_fd;

  g_return_val_if_fail (KS_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (folder != NULL && folder[0] != '\0' && strchr (folder, '/') == NULL, FALSE);
  g_return_val_if_fail (albums != NULL, FALSE);

  priv = _ks_destination_get_private (self);
  run.root_fd = open_root (self, error);
  if (run.root_fd < 0)
    return FALSE;
  run.self = self;
  run.where = dup_where (self);
  run.links = priv->album_links > 0 ? priv->album_links - 1 : KS_ALBUM_LINKS_HARD;
  run.probed = priv->album_links > 0;
  run.wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run.cancellable = cancellable;

  albums_fd = ks_dirfd_open_chain (run.root_fd, run.where, folder, TRUE, error);
  if (albums_fd < 0)
    ok = FALSE;

  keys = g_list_sort (g_hash_table_get_keys (albums), (GCompareFunc) strcmp);
  for (GList *l = keys; ok && l != NULL; l = l->next)
    {
      g_autofree char *dir = album_folder (l->data);
      KsAlbumLinks before = run.links;

      if (dir == NULL)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else
        ok = fill_album (&run, albums_fd, folder, dir, g_hash_table_lookup (albums, l->data), error);

      /* This album found out that the medium takes no links; the ones before it had no
       * members to link, and get their (empty) list file now. */
      if (ok && before != run.links && run.links == KS_ALBUM_LINKS_LIST && l != keys)
        {
          for (GList *m = keys; ok && m != l; m = m->next)
            {
              g_autofree char *again = album_folder (m->data);

              if (again != NULL)
                ok = fill_album (&run, albums_fd, folder, again, g_hash_table_lookup (albums, m->data), error);
            }
        }
    }

  if (ok)
    prune (&run, albums_fd, "", 0);
  if (ok && ks_fd_sync_file (run.root_fd) != 0)
    ok = ks_set_errno_error (error, errno, "Cannot write to %s", run.where);

  if (out_links != NULL)
    *out_links = run.links;
  if (albums_fd >= 0)
    close (albums_fd);
  close (run.root_fd);
  g_hash_table_unref (run.wanted);
  g_free (run.where);
  return ok;
}

void
_ks_destination_force_album_links (KsDestination *self,
                                   KsAlbumLinks   links)
{
  g_return_if_fail (KS_IS_DESTINATION (self));

  _ks_destination_get_private (self)->album_links = links + 1;
}
