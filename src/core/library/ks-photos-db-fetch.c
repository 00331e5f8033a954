/* ks-photos-db-fetch.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Brings /PhotoData/Photos.sqlite with its -wal (and -shm) from the phone into a private
 * folder: all of them, since the -wal holds committed rows the main file does not have yet,
 * and only when the phone's copy changed (sizes and times name the copy's folder). The phone
 * may write while we copy: if a file changed during the copy, it is copied again. */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "ks-photos-db.h"

#define PHONE_DB        "/PhotoData/Photos.sqlite"
#define LOCAL_DB        "Photos.sqlite"
#define STAMP_FILE      "phone-stamp"
#define MAX_DB_SIZE     (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)
#define COPY_ATTEMPTS   3
#define CHUNK           (1024 * 1024)

static const char *suffixes[] = { "", "-wal", "-shm" };

typedef struct
{
  gboolean present;
  guint64  size;
  guint64  mtime;
} Stat;

static gboolean
stat_phone (KsAfcPool        *pool,
            KsAfcConnection  *connection,
            Stat              stats[3],
            GError          **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (PHONE_DB, suffixes[i], NULL);
      char **info = NULL;
      afc_error_t aerr = afc_get_file_info (ks_afc_connection_get_client (connection), path, &info);

      memset (&stats[i], 0, sizeof stats[i]);
      if (aerr == AFC_E_OBJECT_NOT_FOUND)
        continue;
      if (aerr != AFC_E_SUCCESS)
        return ks_afc_pool_set_error (pool, connection, aerr, path, error);
      for (guint k = 0; info != NULL && info[k] != NULL && info[k + 1] != NULL; k += 2)
        {
          if (g_strcmp0 (info[k], "st_size") == 0)
            stats[i].size = g_ascii_strtoull (info[k + 1], NULL, 10);
          else if (g_strcmp0 (info[k], "st_mtime") == 0)
            stats[i].mtime = g_ascii_strtoull (info[k + 1], NULL, 10);
          else if (g_strcmp0 (info[k], "st_ifmt") == 0)
            stats[i].present = g_strcmp0 (info[k + 1], "S_IFREG") == 0;
        }
      afc_dictionary_free (info);
    }
  return TRUE;
}

static char *
stamp_text (const Stat stats[3])
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    g_string_append_printf (text, "%d %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                            stats[i].present, stats[i].size, stats[i].mtime);
  return g_string_free (text, FALSE);
}

static gboolean
copy_file (KsAfcPool        *pool,
           KsAfcConnection  *connection,
           const char       *phone_path,
           const char       *local_path,
           guint64           limit,
           GCancellable     *cancellable,
           GError          **error)
{
  afc_client_t client = ks_afc_connection_get_client (connection);
  g_autofree char *buffer = g_malloc (CHUNK);
  g_autoptr(GFile) file = g_file_new_for_path (local_path);
  g_autoptr(GFileOutputStream) out = NULL;
  uint64_t handle = 0;
  guint64 total = 0;
  afc_error_t aerr;
  gboolean ok = TRUE;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        cancellable, error);
  if (out == NULL)
    return FALSE;

  aerr = afc_file_open (client, phone_path, AFC_FOPEN_RDONLY, &handle);
  if (aerr != AFC_E_SUCCESS)
    return ks_afc_pool_set_error (pool, connection, aerr, phone_path, error);

  for (;;)
    {
      uint32_t n = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      aerr = afc_file_read (client, handle, buffer, CHUNK, &n);
      if (aerr != AFC_E_SUCCESS)
        {
          ok = ks_afc_pool_set_error (pool, connection, aerr, phone_path, error);
          break;
        }
      if (n == 0)
        break;
      total += n;
      if (total > limit)
        {
          g_set_error (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_UNREADABLE,
                       _("The Photos library is too big (over %s)"), "4 GB");
          ok = FALSE;
          break;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, n, NULL, cancellable, error))
        {
          ok = FALSE;
          break;
        }
    }
  afc_file_close (client, handle);

  if (!g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, ok ? error : NULL))
    ok = FALSE;
  return ok;
}

/* Removes a folder of ours with the files in it (no deeper folders are made). */
static void
remove_copy_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, entry, NULL);

      (void) g_remove (file);
    }
  (void) g_rmdir (path);
}

/* Removes what older copies left in @cache_dir (not @keep, nor a copy another process may be
 * making right now). Best effort. */
static void
remove_old_copies (const char *cache_dir,
                   const char *keep)
{
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (cache_dir, name, NULL);
      GStatBuf st;

      if (g_strcmp0 (name, keep) == 0 || g_lstat (path, &st) != 0 || !S_ISDIR (st.st_mode))
        continue;
      if (g_str_has_prefix (name, "tmp-") && st.st_mtime > (time_t) (g_get_real_time () / G_USEC_PER_SEC) - 3600)
        continue;
      remove_copy_dir (path);
    }
}

/* Copies the three files into a new folder @tmp; FALSE with @error, or with nothing set when
 * the phone wrote to them meanwhile (try again). */
static gboolean
copy_all (KsAfcPool        *pool,
          KsAfcConnection  *connection,
          const char       *tmp,
          const Stat        before[3],
          const char       *stamp,
          GCancellable     *cancellable,
          GError          **error)
{
  Stat after[3];
  g_autofree char *stamp_after = NULL;
  g_autofree char *stamp_path = g_build_filename (tmp, STAMP_FILE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *phone_path = g_strconcat (PHONE_DB, suffixes[i], NULL);
      g_autofree char *local_path = g_strconcat (tmp, "/" LOCAL_DB, suffixes[i], NULL);

      if (before[i].present &&
          !copy_file (pool, connection, phone_path, local_path, MAX_DB_SIZE, cancellable, error))
        return FALSE;
    }
  if (!stat_phone (pool, connection, after, error))
    return FALSE;
  stamp_after = stamp_text (after);
  if (g_strcmp0 (stamp, stamp_after) != 0)
    return FALSE;
  return g_file_set_contents_full (stamp_path, stamp, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * ks_photos_db_fetch:
 * @cache_dir: a folder of our own for this phone (created if missing)
 * @out_changed: (out) (optional): set to whether a new copy was made
 *
 * Each version of the phone's database gets a folder of its own in @cache_dir, named after its
 * sizes and times, made complete under another name and then renamed: a process reading one
 * copy never sees another process replace it, and an unchanged database is not copied again.
 *
 * Returns: (transfer full): the path of the private copy of Photos.sqlite, or %NULL with
 *   @error (KS_PHOTOS_DB_ERROR_MISSING when the phone has none)
 */
char *
ks_photos_db_fetch (KsAfcPool     *pool,
                    const char    *cache_dir,
                    gboolean      *out_changed,
                    GCancellable  *cancellable,
                    GError       **error)
{
  KsAfcConnection *connection;
  char *result = NULL;

  g_return_val_if_fail (pool != NULL, NULL);
  g_return_val_if_fail (cache_dir != NULL, NULL);

  if (out_changed != NULL)
    *out_changed = FALSE;
  if (g_mkdir_with_parents (cache_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", cache_dir, g_strerror (errno));
      return NULL;
    }

  connection = ks_afc_pool_acquire (pool, cancellable, error);
  if (connection == NULL)
    return NULL;

  for (guint attempt = 0; attempt < COPY_ATTEMPTS && result == NULL; attempt++)
    {
      Stat before[3];
      g_autofree char *stamp = NULL;
      g_autofree char *key = NULL;
      g_autofree char *dir = NULL;
      g_autofree char *done = NULL;
      g_autofree char *tmp = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!stat_phone (pool, connection, before, error))
        break;
      if (!before[0].present)
        {
          if (before[1].present)
            g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_UNREADABLE,
                                 _("The Photos library on this iPhone has a journal but no database"));
          else
            g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_MISSING,
                                 _("There is no Photos library on this iPhone"));
          break;
        }
      stamp = stamp_text (before);
      key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, stamp, -1);
      key[16] = '\0';
      dir = g_build_filename (cache_dir, key, NULL);
      done = g_build_filename (dir, STAMP_FILE, NULL);
      if (g_file_test (done, G_FILE_TEST_IS_REGULAR))
        {
          result = g_build_filename (dir, LOCAL_DB, NULL);
          break;
        }

      tmp = g_build_filename (cache_dir, "tmp-XXXXXX", NULL);
      if (g_mkdtemp_full (tmp, 0700) == NULL)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", cache_dir, g_strerror (errno));
          break;
        }
      if (!copy_all (pool, connection, tmp, before, stamp, cancellable, &local_error))
        {
          remove_copy_dir (tmp);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              break;
            }
          /* Written to while we copied: once more. */
          if (attempt + 1 == COPY_ATTEMPTS)
            g_set_error_literal (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_UNREADABLE,
                                 _("The Photos library kept changing while it was copied"));
          continue;
        }
      /* Another process may have made the same copy meanwhile: then that one is used. */
      if (g_rename (tmp, dir) != 0)
        {
          int saved = errno;

          remove_copy_dir (tmp);
          errno = saved;
          if (!g_file_test (done, G_FILE_TEST_IS_REGULAR))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", dir, g_strerror (errno));
              break;
            }
        }
      else if (out_changed != NULL)
        *out_changed = TRUE;
      remove_old_copies (cache_dir, key);
      result = g_build_filename (dir, LOCAL_DB, NULL);
    }

  ks_afc_pool_release (pool, connection);
  return result;
}
