/* ks-rclone-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A destination on a server or in the cloud, reached through rclone (one rcd child per
 * opened destination, see KsRclone). Layout and rules are the folder's: the remote holds its
 * own .keepsake/id and .keepsake/index, so a reinstall recognises what is there.
 *
 * A file is staged in this computer's cache (hashed as it is written: SHA-256 for the index,
 * MD5 or SHA-1, whichever the server gives), uploaded under a hidden temporary name, then
 * verified on the server — by the server's own hash where it has one (SFTP runs md5sum), by downloading it
 * again where it has none (plain WebDAV, SMB) — and only then moved to its real name, never
 * over another file. The staged copy is removed as soon as the upload is verified. An import
 * uploads and verifies a few files side by side (finish_temp on several threads) and names
 * them one after the other, in order.
 * Temporaries a killed run left on the server are removed when the destination is opened. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ks-dirfd.h"
#include "ks-hash.h"
#include "ks-rclone-about.h"
#include "ks-rclone-destination-private.h"
#include "ks-rclone-token.h"

#define META           KS_DESTINATION_META_DIR
#define ID_PATH        META "/id"
/* In the staging folder, under its lock: the rcd child of the run holding the lock. */
#define RCD_PID_NAME   ".rcd-pid"


G_DEFINE_FINAL_TYPE (KsRcloneDestination, ks_rclone_destination, KS_TYPE_DESTINATION)

typedef struct
{
  char      *local_path;
  int        fd;
  KsHasher  *sha256;
  GChecksum *server_sum;   /* the server's hash type (MD5, SHA-1), or NULL: read back */
  guint64    size;
  char      *remote_tmp;   /* relative path of the uploaded temporary, once uploaded */
  gboolean   named;
  gboolean   borrowed;     /* local_path is not ours to remove: a verified copy elsewhere,
                            * or (fd -1 while written) the source's own file */
  gboolean   reading;      /* local_path is the source's own file (see create_temp_reading) */
  char      *read_hash;    /* a verified copy: the SHA-256 of what was read from it */
  char      *sent_hash;    /* once verified: the SHA-256 of what the server holds */
} RemoteTemp;

static const char *
ks_rclone_destination_get_kind (KsDestination *dest)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);

  return self->remote != NULL && self->remote->is_cloud ? "cloud" : "network";
}

static char *
ks_rclone_destination_dup_uri (KsDestination *dest)
{
  return g_strdup (KS_RCLONE_DESTINATION (dest)->location);
}

static char *
ks_rclone_destination_dup_display_name (KsDestination *dest)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);

  if (self->remote == NULL)
    return g_strdup (self->location);
  return ks_rclone_remote_dup_display_name (self->remote);
}

static char *
ks_rclone_destination_dup_volume_uuid (KsDestination *dest)
{
  return NULL;
}

static void
ks_rclone_destination_close_medium (KsDestination *dest)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);

  _ks_rclone_dest_fold_index (self);
  if (self->rclone != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Also after a failed run: the token may have been renewed before the failure. */
      if (!ks_rclone_remote_keep_token (self->remote, self->rclone, NULL, &error))
        g_message ("The renewed sign-in of %s was not kept: %s", self->location, error->message);
      ks_rclone_stop (self->rclone);
    }
  g_clear_object (&self->rclone);

  if (self->local_index != NULL)
    g_unlink (self->local_index);
  g_clear_pointer (&self->local_index, g_free);
  ks_close_fd (&self->lock_fd);

  g_mutex_lock (&self->mutex);
  g_hash_table_remove_all (self->files);
  g_clear_error (&self->lost);
  g_mutex_unlock (&self->mutex);
}

/**
 * ks_rclone_destination_take_lock:
 * @out_staging: (out) (optional): the destination's folder in the cache
 *
 * Takes the lock a run holds on the destination at @location (its folder in the cache,
 * created if need be): what keeps a second run or check on this computer, in this process
 * or another, from starting a second rclone with the same sign-in while one runs.
 *
 * Returns: the descriptor holding the lock (close it to let go), or -1 with @error set
 *   (%KS_DESTINATION_ERROR_BUSY when something holds it)
 */
int
ks_rclone_destination_take_lock (const char  *location,
                                 char       **out_staging,
                                 GError     **error)
{
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, location, -1);
  g_autofree char *staging = NULL;
  g_autofree char *lock_path = NULL;
  int fd;

  key[16] = '\0';
  staging = g_build_filename (g_get_user_cache_dir (), USER_DIR_NAME, "rclone", key, NULL);
  if (g_mkdir_with_parents (staging, 0700) != 0)
    {
      ks_set_errno_error (error, errno, "Cannot create %s", staging);
      return -1;
    }

  lock_path = g_build_filename (staging, ".lock", NULL);
  fd = open (lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      ks_set_errno_error (error, errno, "Cannot create %s", lock_path);
      return -1;
    }
  /* flock: per open file, so two users in one process exclude each other too. */
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_BUSY,
                   _("Another backup or check is using %s; try again when it has finished"),
                   location);
      return -1;
    }

  if (out_staging != NULL)
    *out_staging = g_steal_pointer (&staging);
  return fd;
}

/* The cache folder for this destination; its lock keeps a second run on this computer out,
 * and what a killed run left there is removed. */
static gboolean
open_staging (KsRcloneDestination  *self,
              GError              **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_pointer (&self->staging, g_free);
  self->lock_fd = ks_rclone_destination_take_lock (self->location, &self->staging, error);
  if (self->lock_fd < 0)
    return FALSE;

  dir = g_dir_open (self->staging, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_str_equal (name, ".lock") && !g_str_equal (name, RCD_PID_NAME))
      {
        g_autofree char *path = _ks_rclone_dest_staging_path (self, name);

        g_unlink (path);
      }

  return TRUE;
}

static const char *
pick_hash (JsonObject *fsinfo)
{
  JsonArray *hashes;
  const char *best = NULL;

  if (!json_object_has_member (fsinfo, "Hashes")
      || (hashes = json_object_get_array_member (fsinfo, "Hashes")) == NULL)
    return NULL;

  for (guint i = 0; i < json_array_get_length (hashes); i++)
    {
      const char *h = json_array_get_string_element (hashes, i);

      if (g_strcmp0 (h, "md5") == 0)
        return "md5";
      if (g_strcmp0 (h, "sha1") == 0)
        best = "sha1";
    }
  return best;
}

/* Lists what the server holds (creating the root when it is new) and removes temporaries. */
static gboolean
load_listing (KsRcloneDestination  *self,
              GCancellable         *cancellable,
              GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GPtrArray) temps = g_ptr_array_new_with_free_func (g_free);
  JsonObject *params = _ks_rclone_dest_path_params (self, "");
  JsonObject *opt = json_object_new ();
  JsonArray *list;

  json_object_set_boolean_member (opt, "recurse", TRUE);
  json_object_set_boolean_member (opt, "filesOnly", TRUE);
  json_object_set_boolean_member (opt, "noModTime", TRUE);
  json_object_set_boolean_member (opt, "noMimeType", TRUE);
  json_object_set_object_member (params, "opt", opt);

  reply = _ks_rclone_dest_run_quick (self, "operations/list", params, cancellable, &local_error);
  if (reply == NULL)
    {
      g_autoptr(JsonObject) made = NULL;

      if (!g_error_matches (local_error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      made = _ks_rclone_dest_run (self, "operations/mkdir", _ks_rclone_dest_path_params (self, ""), cancellable, error);
      return made != NULL;
    }

  list = json_object_get_array_member (reply, "list");
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);
      const char *path = json_object_get_string_member_with_default (item, "Path", NULL);
      const char *name = json_object_get_string_member_with_default (item, "Name", "");

      if (path == NULL)
        continue;
      if (ks_destination_is_temp_name (name))
        g_ptr_array_add (temps, g_strdup (path));
      else
        _ks_rclone_dest_remember_file (self, path, json_object_get_int_member_with_default (item, "Size", 0));
    }

  for (guint i = 0; i < temps->len; i++)
    _ks_rclone_dest_delete_file (self, g_ptr_array_index (temps, i));

  return TRUE;
}

static gboolean
has_file (KsRcloneDestination *self,
          const char          *path)
{
  guint64 size;

  return _ks_rclone_dest_query (self, path, &size);
}

static char *
read_id (KsRcloneDestination  *self,
         GCancellable         *cancellable,
         GError              **error)
{
  g_autofree char *path = _ks_rclone_dest_staging_path (self, "id");
  g_autofree char *contents = NULL;

  if (!_ks_rclone_dest_download (self, ID_PATH, "id", cancellable, error)
      || !g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  g_unlink (path);

  g_strstrip (contents);
  if (!g_uuid_string_is_valid (contents))
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("%s holds a damaged Keepsake id"), self->location);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

static char *
ensure_id (KsRcloneDestination  *self,
           GCancellable         *cancellable,
           GError              **error)
{
  g_autofree char *id = NULL;

  if (self->expected_id != NULL && !g_uuid_string_is_valid (self->expected_id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a destination id", self->expected_id);
      return NULL;
    }

  if (has_file (self, ID_PATH))
    id = read_id (self, cancellable, error);
  else
    {
      g_autofree char *uuid = self->expected_id ? g_strdup (self->expected_id) : g_uuid_string_random ();
      g_autofree char *line = g_strconcat (uuid, "\n", NULL);
      g_autofree char *path = _ks_rclone_dest_staging_path (self, "id");

      if (!g_file_set_contents (path, line, -1, error)
          || !_ks_rclone_dest_upload (self, "id", ID_PATH, cancellable, error))
        return NULL;
      g_unlink (path);
      _ks_rclone_dest_remember_file (self, ID_PATH, strlen (line));
      id = read_id (self, cancellable, error);
    }

  if (id != NULL && self->expected_id != NULL && g_ascii_strcasecmp (id, self->expected_id) != 0)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("%s holds another Keepsake backup"), self->location);
      return NULL;
    }

  return g_steal_pointer (&id);
}

static char *
ks_rclone_destination_open_medium (KsDestination  *dest,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  g_autoptr(JsonObject) fsinfo = NULL;
  g_autoptr(JsonObject) params = NULL;
  g_autofree char *pid_file = NULL;

  if (self->parse_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->parse_error));
      return NULL;
    }

  ks_rclone_destination_close_medium (dest);
  if (!open_staging (self, error))
    return NULL;

  pid_file = _ks_rclone_dest_staging_path (self, RCD_PID_NAME);
  self->rclone = ks_rclone_remote_start (self->remote, pid_file, cancellable, error);
  if (self->rclone == NULL)
    return NULL;

  /* Reaching the server (and logging in) happens here: the connection test. A plain call
   * (as for the listing): its answer comes the moment it is done, where a job is found done
   * at its next poll; cancelling drops the request. */
  params = json_object_new ();
  json_object_set_string_member (params, "fs", self->remote->fs);
  fsinfo = ks_rclone_call (self->rclone, "operations/fsinfo", params, cancellable, error);
  if (fsinfo == NULL)
    return NULL;
  /* A token renewed by the first call is kept at once: a run killed later must not leave
   * the keyring with a refresh token the service has already replaced. Not keeping it is
   * no reason to leave the photos without their backup: tried again later in the run. */
  {
    g_autoptr(GError) keep_error = NULL;

    if (!ks_rclone_remote_keep_token (self->remote, self->rclone, cancellable, &keep_error))
      g_message ("The renewed sign-in of %s was not kept: %s", self->location, keep_error->message);
  }
  g_mutex_lock (&self->mutex);
  self->token_kept_at = g_get_monotonic_time ();
  g_mutex_unlock (&self->mutex);
  g_free (self->hash_type);
  self->hash_type = g_strdup (pick_hash (fsinfo));

  if (!load_listing (self, cancellable, error))
    return NULL;

  self->local_index = _ks_rclone_dest_staging_path (self, "index");
  if (!g_file_set_contents (self->local_index, "", 0, error))
    return NULL;

  return ensure_id (self, cancellable, error);
}

static gint64
ks_rclone_destination_query_free_space (KsDestination  *dest,
                                        GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  g_autoptr(JsonObject) reply = NULL;
  KsRcloneAbout about;
  JsonObject *params;

  /* Not open (the advisor, the settings): a one-off `rclone about`. Blocking. */
  if (self->rclone == NULL)
    return ks_rclone_about_location (self->location, &about, NULL, error) ? about.free : -1;

  params = json_object_new ();
  json_object_set_string_member (params, "fs", self->remote->fs);
  reply = ks_rclone_run_job (self->rclone, "operations/about", params, NULL, NULL, NULL, error);
  json_object_unref (params);
  if (reply == NULL || !ks_rclone_about_parse (reply, &about, error))
    return -1;

  return about.free;
}

static gboolean
ks_rclone_destination_check_available (KsDestination  *dest,
                                       GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  gboolean ok = TRUE;

  g_mutex_lock (&self->mutex);
  if (self->lost != NULL)
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   "%s", self->lost->message);
      ok = FALSE;
    }
  g_mutex_unlock (&self->mutex);

  if (ok && (self->rclone == NULL || !ks_rclone_is_running (self->rclone)))
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("The connection to %s was lost"), self->location);
      ok = FALSE;
    }

  return ok;
}

static char *
ks_rclone_destination_read_index (KsDestination  *dest,
                                  GError        **error)
{
  return _ks_rclone_dest_read_index (KS_RCLONE_DESTINATION (dest), error);
}

static gboolean
ks_rclone_destination_append_index (KsDestination  *dest,
                                    const char     *lines,
                                    gsize           len,
                                    GError        **error)
{
  return _ks_rclone_dest_append_index (KS_RCLONE_DESTINATION (dest), lines, len, error);
}

static gboolean
ks_rclone_destination_replace_index (KsDestination  *dest,
                                     const char     *contents,
                                     gsize           len,
                                     GError        **error)
{
  return _ks_rclone_dest_replace_index (KS_RCLONE_DESTINATION (dest), contents, len, error);
}

static RemoteTemp *
remote_temp_new (const char *local_path,
                 const char *rel_dir,
                 const char *name_hint,
                 const char *hash_type)
{
  RemoteTemp *temp = g_new0 (RemoteTemp, 1);
  g_autofree char *tmp_name = NULL;

  temp->fd = -1;
  temp->local_path = g_strdup (local_path);
  temp->sha256 = ks_hasher_new ();
  /* Only the hash the server gives: each one costs a pass over every byte. */
  if (g_strcmp0 (hash_type, "md5") == 0)
    temp->server_sum = g_checksum_new (G_CHECKSUM_MD5);
  else if (g_strcmp0 (hash_type, "sha1") == 0)
    temp->server_sum = g_checksum_new (G_CHECKSUM_SHA1);

  tmp_name = g_strdup_printf (".%s" KS_DESTINATION_TMP_MARK "%06x",
                              name_hint ? name_hint : "file", g_random_int () & 0xffffff);
  temp->remote_tmp = _ks_rclone_dest_join (rel_dir, tmp_name);
  return temp;
}

static gboolean
check_open (KsRcloneDestination  *self,
            GError              **error)
{
  if (self->staging != NULL)
    return TRUE;
  g_set_error_literal (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                       _("The destination is not open"));
  return FALSE;
}

static gpointer
ks_rclone_destination_create_temp (KsDestination  *dest,
                                   const char     *rel_dir,
                                   const char     *name_hint,
                                   GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  g_autofree char *name = _ks_rclone_dest_new_staging_name ("upload");
  g_autofree char *path = NULL;
  RemoteTemp *temp;
  int fd;

  if (!check_open (self, error))
    return NULL;

  path = _ks_rclone_dest_staging_path (self, name);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      ks_set_errno_error (error, errno, "Cannot write to %s", self->staging);
      return NULL;
    }
  temp = remote_temp_new (path, rel_dir, name_hint, self->hash_type);
  temp->fd = fd;

  return temp;
}

/* A file of a folder source goes up from where it is: the bytes written are only hashed
 * (what the server then holds must be them), no copy in the cache. */
static gpointer
ks_rclone_destination_create_temp_reading (KsDestination  *dest,
                                           const char     *rel_dir,
                                           const char     *name_hint,
                                           const char     *local_path,
                                           GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  RemoteTemp *temp;

  if (!check_open (self, error))
    return NULL;

  temp = remote_temp_new (local_path, rel_dir, name_hint, self->hash_type);
  temp->borrowed = TRUE;
  temp->reading = TRUE;
  return temp;
}

static void ks_rclone_destination_free_temp (KsDestination *dest,
                                             gpointer       data);

/* Uploads straight from a verified copy on this computer: no copy in the cache. Its bytes
 * are hashed here as they are read (SHA-256 to know it is still the stored content, MD5 or
 * SHA-1, whichever the server gives, to compare with what it will say it holds). */
static gpointer
ks_rclone_destination_create_temp_from_file (KsDestination  *dest,
                                             const char     *rel_dir,
                                             const char     *name_hint,
                                             const char     *local_path,
                                             guint64        *out_size,
                                             char          **out_hash,
                                             GCancellable   *cancellable,
                                             GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  g_autofree guint8 *buf = NULL;
  RemoteTemp *temp;
  int fd;

  if (!check_open (self, error))
    return NULL;

  fd = open (local_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      ks_set_errno_error (error, errno, "%s", local_path);
      return NULL;
    }

  temp = remote_temp_new (local_path, rel_dir, name_hint, self->hash_type);
  temp->borrowed = TRUE;
  buf = g_malloc (1024 * 1024);
  for (;;)
    {
      gssize n = read (fd, buf, 1024 * 1024);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          if (n < 0)
            ks_set_errno_error (error, errno, "%s", local_path);
          close (fd);
          ks_rclone_destination_free_temp (dest, temp);
          return NULL;
        }
      if (n == 0)
        break;
      ks_hasher_update (temp->sha256, buf, n);
      if (temp->server_sum != NULL)
        g_checksum_update (temp->server_sum, buf, n);
      temp->size += n;
    }
  close (fd);

  temp->read_hash = ks_hasher_finish (temp->sha256);
  *out_size = temp->size;
  *out_hash = g_strdup (temp->read_hash);
  return temp;
}

static gboolean
ks_rclone_destination_write_temp (KsDestination  *dest,
                                  gpointer        data,
                                  const void     *buffer,
                                  gsize           len,
                                  GError        **error)
{
  RemoteTemp *temp = data;

  if (!temp->borrowed && !ks_fd_write_all (temp->fd, buffer, len))
    return ks_set_errno_error (error, errno, "Cannot write to %s", temp->local_path);

  ks_hasher_update (temp->sha256, buffer, len);
  if (temp->server_sum != NULL)
    g_checksum_update (temp->server_sum, buffer, len);
  temp->size += len;
  return TRUE;
}

/* Counts an upload in (*@out_crowded: others were going up); @alone: waits until no other
 * is, and lets none begin meanwhile. %FALSE when cancelled while waiting. */
static gboolean
upload_enter (KsRcloneDestination  *self,
              gboolean              alone,
              guint                *out_starts,
              gboolean             *out_crowded,
              GCancellable         *cancellable,
              GError              **error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&self->mutex);
  /* A server given up makes every call fail at once: no point waiting for room. */
  while ((self->upload_alone || (alone && self->uploading > 0)) && self->lost == NULL)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      g_cond_wait_until (&self->cond, &self->mutex,
                         g_get_monotonic_time () + G_TIME_SPAN_SECOND / 10);
    }
  if (ok)
    {
      *out_crowded = self->uploading > 0;
      if (alone)
        self->upload_alone = TRUE;
      else
        self->uploading++;
      *out_starts = ++self->upload_starts;
    }
  g_mutex_unlock (&self->mutex);

  return ok;
}

/* Counts it out. Returns: whether another upload went up beside it. */
static gboolean
upload_leave (KsRcloneDestination *self,
              gboolean             alone,
              guint                starts)
{
  gboolean crowded;

  g_mutex_lock (&self->mutex);
  if (alone)
    self->upload_alone = FALSE;
  else
    self->uploading--;
  crowded = self->uploading > 0 || self->upload_starts != starts;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return crowded;
}

/* Uploads the temporary under its hidden name. Several go up at once; one that failed for
 * a reason rclone does not name while others went up beside it (a disk with room for one
 * file, not for four) is tried again alone, so a failure is explained (a full disk) by the
 * server's state with nothing else on the way. */
static gboolean
upload_temp (KsRcloneDestination  *self,
             RemoteTemp           *temp,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autofree char *local_name = g_path_get_basename (temp->local_path);
  g_autofree char *local_dir = g_path_get_dirname (temp->local_path);
  g_autoptr(GError) local_error = NULL;
  gboolean crowded = FALSE;
  gboolean alone = FALSE;
  guint starts = 0;
  gboolean ok;

  for (;;)
    {
      if (!upload_enter (self, alone, &starts, &crowded, cancellable, error))
        return FALSE;
      ok = _ks_rclone_dest_upload_file (self, local_dir, local_name, temp->remote_tmp, temp->size,
                                        cancellable, &local_error);
      if (!ok && (alone || !crowded))
        _ks_rclone_dest_explain_failure (self, temp->size, &local_error);
      crowded = upload_leave (self, alone, starts) || crowded;

      if (ok || alone || !crowded
          || !g_error_matches (local_error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED))
        break;
      g_debug ("Uploading %s beside others failed (%s); trying it alone", temp->remote_tmp,
               local_error->message);
      g_clear_error (&local_error);
      alone = TRUE;
    }

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/* The server's hash (of the destination's hash type) in a stat item, or NULL. */
static const char *
item_hash (KsRcloneDestination *self,
           JsonObject          *item)
{
  JsonObject *hashes = json_object_has_member (item, "Hashes")
                       ? json_object_get_object_member (item, "Hashes") : NULL;

  return hashes != NULL ? json_object_get_string_member_with_default (hashes, self->hash_type, NULL) : NULL;
}

/* Whether a file read for an upload (create_temp_reading) now holds other bytes. */
static gboolean
source_changed (RemoteTemp *temp,
                const char *read)
{
  g_autofree char *now = NULL;
  guint64 size = 0;
  int fd = open (temp->local_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return TRUE;
  now = ks_hash_fd (fd, &size, NULL, NULL);
  close (fd);
  return now == NULL || size != temp->size || strcmp (now, read) != 0;
}

static char *
ks_rclone_destination_finish_temp (KsDestination  *dest,
                                   gpointer        data,
                                   guint64        *out_size,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  RemoteTemp *temp = data;
  g_autofree char *expected = NULL;
  g_autofree char *read = NULL;
  g_autoptr(JsonObject) item = NULL;
  const char *server_hash = NULL;
  char *hash;

  ks_close_fd (&temp->fd);
  hash = temp->read_hash != NULL ? g_strdup (temp->read_hash) : ks_hasher_finish (temp->sha256);
  read = g_strdup (hash);

  if (!upload_temp (self, temp, cancellable, error))
    {
      g_free (hash);
      return NULL;
    }

  /* The server's own hash of what it holds. */
  if (self->hash_type != NULL)
    {
      item = _ks_rclone_dest_stat_file (self, temp->remote_tmp, self->hash_type, cancellable, error);
      if (item == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                         _("%s vanished from the server after it was uploaded"), temp->remote_tmp);
          g_free (hash);
          return NULL;
        }
      server_hash = item_hash (self, item);
    }

  if (server_hash != NULL && *server_hash != '\0')
    {
      expected = g_strdup (temp->server_sum != NULL ? g_checksum_get_string (temp->server_sum) : "");
      *out_size = json_object_get_int_member_with_default (item, "Size", 0);
      if (g_ascii_strcasecmp (server_hash, expected) != 0 || *out_size != temp->size)
        {
          /* Not what was sent: the caller sees a hash that is not the file's. */
          g_free (hash);
          hash = g_strnfill (KS_HASH_HEX_LEN, '0');
        }
    }
  else
    {
      /* No hash on this server: read it back. */
      g_free (hash);
      hash = _ks_rclone_dest_download_and_hash (self, temp->remote_tmp, out_size, cancellable, error);
      if (hash != NULL && (g_strcmp0 (hash, read) != 0 || *out_size != temp->size))
        {
          g_free (hash);
          hash = g_strnfill (KS_HASH_HEX_LEN, '0');
        }
    }

  /* A folder source's file went up from where it is: other bytes on the server than those
   * read, and the file itself no longer holding them, mean it changed in between. */
  if (temp->reading && hash != NULL && strspn (hash, "0") == KS_HASH_HEX_LEN
      && source_changed (temp, read))
    {
      g_autofree char *name = g_path_get_basename (temp->local_path);

      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                   _("%s changed while it was being backed up; the next backup stores it as it is then"),
                   name);
      g_free (hash);
      return NULL;
    }

  /* The cache is cleaned as it goes. */
  if (hash != NULL && !temp->borrowed)
    g_unlink (temp->local_path);
  g_free (temp->sent_hash);
  temp->sent_hash = g_strdup (hash);
  return hash;
}

/* A move whose answer was lost with the connection, tried again, finds its source gone:
 * the server may have made it before the break. It counts as made only when @final holds
 * exactly the verified bytes (the server's hash, or read back). */
static gboolean
moved_before_the_break (KsRcloneDestination *self,
                        RemoteTemp          *temp,
                        const char          *final)
{
  g_autoptr(GError) error = NULL;

  if (temp->sent_hash == NULL)
    return FALSE;

  if (self->hash_type != NULL && temp->server_sum != NULL)
    {
      g_autoptr(JsonObject) item = _ks_rclone_dest_stat_file (self, final, self->hash_type, NULL, &error);
      const char *server_hash = item != NULL ? item_hash (self, item) : NULL;

      return server_hash != NULL
             && g_ascii_strcasecmp (server_hash, g_checksum_get_string (temp->server_sum)) == 0
             && json_object_get_int_member_with_default (item, "Size", -1) == (gint64)temp->size;
    }
  else
    {
      guint64 size = 0;
      g_autofree char *hash = _ks_rclone_dest_download_and_hash (self, final, &size, NULL, &error);

      return hash != NULL && size == temp->size && g_ascii_strcasecmp (hash, temp->sent_hash) == 0;
    }
}

/* Whether a move onto a taken name fails on this server instead of replacing the file. */
static gboolean
rename_never_replaces (KsRcloneDestination *self)
{
  return g_strcmp0 (self->remote->backend, "sftp") == 0;
}

static gboolean
ks_rclone_destination_name_temp (KsDestination  *dest,
                                 gpointer        data,
                                 const char     *rel_dir,
                                 const char     *name,
                                 GError        **error)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  RemoteTemp *temp = data;
  g_autofree char *final = _ks_rclone_dest_join (rel_dir, name);
  g_autoptr(JsonObject) existing = NULL;
  g_autoptr(GError) local_error = NULL;

  /* Never over another file. SFTP's rename refuses to replace one (its protocol says so,
   * and rclone 1.60 renames without replacing when it was not told of a file there): the
   * server itself checks, in the same step. Elsewhere a look comes first. */
  if (has_file (self, final))
    existing = json_object_new ();
  else if (!rename_never_replaces (self))
    existing = _ks_rclone_dest_stat_file (self, final, NULL, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (existing != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s already exists", final);
      return FALSE;
    }

  if (!_ks_rclone_dest_move_file (self, temp->remote_tmp, final, TRUE, NULL, &local_error))
    {
      if (g_error_matches (local_error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_FOUND)
          && moved_before_the_break (self, temp, final))
        g_debug ("%s: named before the connection broke", final);
      else
        {
          g_autoptr(GError) ignored = NULL;

          /* A file that came since the listing: the name is taken, another one is tried. */
          if (!g_error_matches (local_error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_FOUND)
              && rename_never_replaces (self)
              && (existing = _ks_rclone_dest_stat_file (self, final, NULL, NULL, &ignored)) != NULL)
            {
              _ks_rclone_dest_remember_file (self, final, json_object_get_int_member_with_default (existing, "Size", 0));
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s already exists", final);
            }
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  temp->named = TRUE;
  _ks_rclone_dest_remember_file (self, final, temp->size);
  return TRUE;
}

static void
ks_rclone_destination_free_temp (KsDestination *dest,
                                 gpointer       data)
{
  KsRcloneDestination *self = KS_RCLONE_DESTINATION (dest);
  RemoteTemp *temp = data;

  if (!temp->named && self->rclone != NULL && ks_rclone_is_running (self->rclone))
    _ks_rclone_dest_delete_file (self, temp->remote_tmp);

  ks_close_fd (&temp->fd);
  if (!temp->borrowed)
    g_unlink (temp->local_path);
  g_clear_pointer (&temp->sha256, ks_hasher_free);
  g_clear_pointer (&temp->server_sum, g_checksum_free);
  g_free (temp->local_path);
  g_free (temp->remote_tmp);
  g_free (temp->read_hash);
  g_free (temp->sent_hash);
  g_free (temp);
}

static gboolean
ks_rclone_destination_sync_folder (KsDestination  *dest,
                                   const char     *rel_dir,
                                   GError        **error)
{
  /* A move the server acknowledged is done. */
  return TRUE;
}

static gboolean
ks_rclone_destination_query_file (KsDestination  *dest,
                                  const char     *relative_path,
                                  guint64        *out_size)
{
  return _ks_rclone_dest_query (KS_RCLONE_DESTINATION (dest), relative_path, out_size);
}

static char *
ks_rclone_destination_hash_file (KsDestination  *dest,
                                 const char     *relative_path,
                                 guint64        *out_size,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  return _ks_rclone_dest_download_and_hash (KS_RCLONE_DESTINATION (dest), relative_path, out_size,
                                            cancellable, error);
}

static gboolean
ks_rclone_destination_is_remote (KsDestination *dest)
{
  return TRUE;
}

static void
ks_rclone_destination_finalize (GObject *object)
{
  KsRcloneDestination *self = (KsRcloneDestination *)object;

  ks_rclone_destination_close_medium (KS_DESTINATION (self));
  g_clear_pointer (&self->remote, ks_rclone_remote_free);
  g_clear_error (&self->parse_error);
  g_clear_pointer (&self->files, g_hash_table_unref);
  g_free (self->location);
  g_free (self->expected_id);
  g_free (self->hash_type);
  g_free (self->staging);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (ks_rclone_destination_parent_class)->finalize (object);
}

static void
ks_rclone_destination_class_init (KsRcloneDestinationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  KsDestinationClass *dest_class = KS_DESTINATION_CLASS (klass);

  object_class->finalize = ks_rclone_destination_finalize;

  dest_class->get_kind = ks_rclone_destination_get_kind;
  dest_class->dup_uri = ks_rclone_destination_dup_uri;
  dest_class->dup_display_name = ks_rclone_destination_dup_display_name;
  dest_class->dup_volume_uuid = ks_rclone_destination_dup_volume_uuid;
  dest_class->open_medium = ks_rclone_destination_open_medium;
  dest_class->close_medium = ks_rclone_destination_close_medium;
  dest_class->query_free_space = ks_rclone_destination_query_free_space;
  dest_class->check_available = ks_rclone_destination_check_available;
  dest_class->read_index = ks_rclone_destination_read_index;
  dest_class->append_index = ks_rclone_destination_append_index;
  dest_class->replace_index = ks_rclone_destination_replace_index;
  dest_class->create_temp = ks_rclone_destination_create_temp;
  dest_class->write_temp = ks_rclone_destination_write_temp;
  dest_class->finish_temp = ks_rclone_destination_finish_temp;
  dest_class->name_temp = ks_rclone_destination_name_temp;
  dest_class->free_temp = ks_rclone_destination_free_temp;
  dest_class->sync_folder = ks_rclone_destination_sync_folder;
  dest_class->query_file = ks_rclone_destination_query_file;
  dest_class->hash_file = ks_rclone_destination_hash_file;
  dest_class->is_remote = ks_rclone_destination_is_remote;
  dest_class->create_temp_from_file = ks_rclone_destination_create_temp_from_file;
  dest_class->create_temp_reading = ks_rclone_destination_create_temp_reading;
}

static void
ks_rclone_destination_init (KsRcloneDestination *self)
{
  self->lock_fd = -1;
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

/**
 * ks_rclone_destination_new:
 * @location: "sftp://user@host:port/path", "smb://…", "webdav(s)://…", "s3://bucket/path",
 *   "rclone:REMOTE:path"; may name a ?password-file= or ?identity-file=
 * @expected_id: (nullable): the id the remote must hold (the plan's)
 *
 * Returns: (transfer full): a destination; a location that cannot be used makes opening it
 *   fail with the reason
 */
KsRcloneDestination *
ks_rclone_destination_new (const char *location,
                           const char *expected_id)
{
  KsRcloneDestination *self;

  g_return_val_if_fail (location != NULL, NULL);

  self = g_object_new (KS_TYPE_RCLONE_DESTINATION, NULL);
  self->location = g_strdup (location);
  self->expected_id = g_strdup (expected_id);
  self->remote = ks_rclone_remote_parse (location, &self->parse_error);

  return self;
}

const char *
ks_rclone_destination_get_location (KsRcloneDestination *self)
{
  g_return_val_if_fail (KS_IS_RCLONE_DESTINATION (self), NULL);

  return self->location;
}

/**
 * ks_rclone_destination_get_hash_type:
 *
 * Returns: (nullable): the server's hash used to verify uploads ("md5", "sha1"), or %NULL
 *   when uploads are verified by downloading them again; known once opened
 */
const char *
ks_rclone_destination_get_hash_type (KsRcloneDestination *self)
{
  g_return_val_if_fail (KS_IS_RCLONE_DESTINATION (self), NULL);

  return self->hash_type;
}

gboolean
ks_rclone_destination_is_cloud (KsRcloneDestination *self)
{
  g_return_val_if_fail (KS_IS_RCLONE_DESTINATION (self), FALSE);

  return self->remote != NULL && self->remote->is_cloud;
}

/**
 * ks_rclone_destination_get_rclone:
 *
 * Returns: (transfer none) (nullable): the rclone child while open (for tests)
 */
KsRclone *
ks_rclone_destination_get_rclone (KsRcloneDestination *self)
{
  g_return_val_if_fail (KS_IS_RCLONE_DESTINATION (self), NULL);

  return self->rclone;
}
