/* ks-rclone-destination-calls.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The rc calls KsRcloneDestination makes: copies both ways, moves, stats (with the server's
 * hash), deletes, each tried again with back-off while the network is the problem; and the
 * staging folder's names. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ks-dirfd.h"
#include "ks-hash.h"
#include "ks-rclone-destination-private.h"
#include "ks-rclone-token.h"

/* Less room than this on the server: full, for any file. */
#define NEARLY_FULL (64 * 1024)

JsonObject *
_ks_rclone_dest_copy_params (const char *src_fs,
                             const char *src_remote,
                             const char *dst_fs,
                             const char *dst_remote)
{
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, "srcFs", src_fs);
  json_object_set_string_member (params, "srcRemote", src_remote);
  json_object_set_string_member (params, "dstFs", dst_fs);
  json_object_set_string_member (params, "dstRemote", dst_remote);
  return params;
}

/* For a copy or move to a name known to be free (a fresh temporary's, or a final name just
 * looked at): rclone would first look for a file there, one more round trip to the server
 * per photo. Without the look, a move does not replace a file that appeared there since:
 * SFTP's rename refuses to (rclone deletes a file it knows of first). */
static JsonObject *
to_a_free_name (JsonObject *params)
{
  JsonObject *config = json_object_new ();

  json_object_set_boolean_member (config, "NoCheckDest", TRUE);
  json_object_set_object_member (params, "_config", config);
  return params;
}

JsonObject *
_ks_rclone_dest_path_params (KsRcloneDestination *self,
                             const char          *remote)
{
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, "fs", self->remote->fs);
  json_object_set_string_member (params, "remote", remote);
  return params;
}

char *
_ks_rclone_dest_join (const char *rel_dir,
                      const char *name)
{
  if (rel_dir == NULL || *rel_dir == '\0')
    return g_strdup (name);
  return g_strconcat (rel_dir, "/", name, NULL);
}

void
_ks_rclone_dest_remember_file (KsRcloneDestination *self,
                               const char          *path,
                               gint64               size)
{
  g_mutex_lock (&self->mutex);
  if (size < 0)
    g_hash_table_remove (self->files, path);
  else
    g_hash_table_insert (self->files, g_strdup (path), g_memdup2 (&size, sizeof size));
  g_mutex_unlock (&self->mutex);
}

/* Whether the server holds @path (as listed when opened, and as changed since). */
gboolean
_ks_rclone_dest_query (KsRcloneDestination *self,
                       const char          *path,
                       guint64             *out_size)
{
  const gint64 *size;

  g_mutex_lock (&self->mutex);
  size = g_hash_table_lookup (self->files, path);
  if (size != NULL)
    *out_size = *size;
  g_mutex_unlock (&self->mutex);

  return size != NULL;
}

void
_ks_rclone_dest_mark_lost (KsRcloneDestination *self,
                           const GError        *error)
{
  g_mutex_lock (&self->mutex);
  if (self->lost == NULL)
    self->lost = g_error_copy (error);
  g_mutex_unlock (&self->mutex);
}

gboolean
_ks_rclone_dest_is_lost (KsRcloneDestination *self)
{
  gboolean lost;

  g_mutex_lock (&self->mutex);
  lost = self->lost != NULL;
  g_mutex_unlock (&self->mutex);

  return lost;
}

/* Waits @seconds unless cancelled or the server was given up. */
gboolean
_ks_rclone_dest_back_off (KsRcloneDestination *self,
                          guint                seconds,
                          GCancellable        *cancellable)
{
  for (guint i = 0; i < seconds * 10; i++)
    {
      if (g_cancellable_is_cancelled (cancellable) || _ks_rclone_dest_is_lost (self))
        return FALSE;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  return TRUE;
}

/* Before a call: while another call finds out whether the server is still there, this
 * one waits for the verdict. %FALSE (with @error) when the server was given up, or when
 * cancelled. */
static gboolean
wait_for_verdict (KsRcloneDestination  *self,
                  GCancellable         *cancellable,
                  GError              **error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&self->mutex);
  while (self->prober != NULL && self->prober != g_thread_self () && self->lost == NULL
         && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&self->cond, &self->mutex, g_get_monotonic_time () + G_TIME_SPAN_SECOND / 10);
  /* Once the retries have given up, every call fails at once: the run stops using the
   * server instead of waiting for it file after file. */
  if (self->lost != NULL)
    {
      g_set_error_literal (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                           self->lost->message);
      ok = FALSE;
    }
  else if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  g_mutex_unlock (&self->mutex);

  return ok;
}

/* Whether this thread tries the server again for everyone (the first to find it gone). */
static gboolean
become_prober (KsRcloneDestination *self)
{
  gboolean is;

  g_mutex_lock (&self->mutex);
  if (self->prober == NULL)
    self->prober = g_thread_self ();
  is = self->prober == g_thread_self ();
  g_mutex_unlock (&self->mutex);

  return is;
}

/* The verdict is in (the server answered, or was given up): the waiting calls go on. */
static void
end_probing (KsRcloneDestination *self)
{
  g_mutex_lock (&self->mutex);
  if (self->prober == g_thread_self ())
    {
      self->prober = NULL;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->mutex);
}

/* A renewed sign-in is also kept during a long run, every ten minutes at most: a run
 * killed hours in must not leave the keyring with a refresh token the service replaced. */
#define TOKEN_KEEP_INTERVAL_US (10 * 60 * G_USEC_PER_SEC)

static void
keep_token_now_and_then (KsRcloneDestination *self)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean due;

  g_mutex_lock (&self->mutex);
  due = now - self->token_kept_at >= TOKEN_KEEP_INTERVAL_US;
  if (due)
    self->token_kept_at = now;
  g_mutex_unlock (&self->mutex);

  if (due && !ks_rclone_remote_keep_token (self->remote, self->rclone, NULL, &error))
    g_message ("The renewed sign-in of %s was not kept: %s", self->location, error->message);
}

/* An rc call, tried again with back-off (1, 2, 4, 8 s, within 15 s of the first failure)
 * while the network is the problem. Calls
 * that move data run as rclone jobs (cancellable, and not holding the HTTP connection);
 * quick ones (a move, a stat, a delete) are plain calls.
 *
 * Several calls run at once (uploads side by side). When the network fails, one call — the
 * first to see it — tries again with the back-off; the others wait for its verdict and then
 * try again or give up with it. So a server that is gone is named as soon as one sequence of
 * retries ends, not after each call's own (which rclone's per-server pacing would also
 * queue one behind the other). */
JsonObject *
_ks_rclone_dest_run_call (KsRcloneDestination  *self,
                          const char           *method,
                          JsonObject           *params,
                          gboolean              as_job,
                          KsRcloneProgressFunc  progress,
                          gpointer              progress_data,
                          GCancellable         *cancellable,
                          GError              **error)
{
  g_autoptr(JsonObject) owned = params;
  gint64 first_failure = 0;
  guint attempt = 0;

  if (self->rclone == NULL)
    {
      g_set_error_literal (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                           _("The destination is not open"));
      return NULL;
    }

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      JsonObject *reply;

      if (!wait_for_verdict (self, cancellable, error))
        {
          end_probing (self);
          return NULL;
        }

      reply = as_job
        ? ks_rclone_run_job (self->rclone, method, owned, progress, progress_data, cancellable, &local_error)
        : ks_rclone_call (self->rclone, method, owned, cancellable, &local_error);
      if (reply != NULL)
        keep_token_now_and_then (self);
      if (reply != NULL || !ks_rclone_error_is_transient (local_error))
        {
          end_probing (self);
          if (reply == NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return reply;
        }

      /* Another call is finding out: this one waits for what it finds. */
      if (!become_prober (self))
        continue;

      /* The back-off spans KS_RCLONE_DEST_GIVE_UP_S from the first failure, however long
       * rclone's own tries of each call take (a stat of a server that is gone: ~12 s). */
      if (first_failure == 0)
        first_failure = g_get_monotonic_time ();
      attempt++;
      if (attempt == KS_RCLONE_DEST_MAX_ATTEMPTS
          || g_get_monotonic_time () + (G_USEC_PER_SEC << (attempt - 1))
             >= first_failure + KS_RCLONE_DEST_GIVE_UP_S * G_USEC_PER_SEC
          || !_ks_rclone_dest_back_off (self, 1u << (attempt - 1), cancellable))
        {
          _ks_rclone_dest_mark_lost (self, local_error);
          end_probing (self);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_debug ("%s failed (%s), trying again", method, local_error->message);
    }
}

JsonObject *
_ks_rclone_dest_run (KsRcloneDestination  *self,
                     const char           *method,
                     JsonObject           *params,
                     GCancellable         *cancellable,
                     GError              **error)
{
  return _ks_rclone_dest_run_call (self, method, params, TRUE, NULL, NULL, cancellable, error);
}

JsonObject *
_ks_rclone_dest_run_quick (KsRcloneDestination  *self,
                           const char           *method,
                           JsonObject           *params,
                           GCancellable         *cancellable,
                           GError              **error)
{
  return _ks_rclone_dest_run_call (self, method, params, FALSE, NULL, NULL, cancellable, error);
}

/* After an upload of @size bytes that failed for no reason rclone names (SFTP's "Failure"):
 * a full disk is the likely one, when the server has less room than that (or hardly any:
 * a disk filled to its last page). */
void
_ks_rclone_dest_explain_failure (KsRcloneDestination  *self,
                                 guint64               size,
                                 GError              **error)
{
  g_autoptr(GError) ignored = NULL;
  gint64 free_space;

  if (error == NULL || *error == NULL
      || !g_error_matches (*error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED))
    return;

  free_space = ks_destination_query_free_space (KS_DESTINATION (self), &ignored);
  if (free_space >= 0 && (guint64)free_space < MAX (size, NEARLY_FULL))
    {
      g_autofree char *message = g_strdup ((*error)->message);

      g_clear_error (error);
      g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NO_SPACE,
                   _("The server has no space left (%s)"), message);
    }
}

/* A file of the staging folder (the id, an index segment). */
gboolean
_ks_rclone_dest_upload (KsRcloneDestination  *self,
                        const char           *local_name,
                        const char           *remote_path,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) local_error = NULL;

  reply = _ks_rclone_dest_run (self, "operations/copyfile",
                               _ks_rclone_dest_copy_params (self->staging, local_name, self->remote->fs, remote_path),
                               cancellable, &local_error);
  if (reply == NULL)
    {
      g_autofree char *path = _ks_rclone_dest_staging_path (self, local_name);
      GStatBuf st;

      _ks_rclone_dest_explain_failure (self, g_stat (path, &st) == 0 ? (guint64)st.st_size : 0,
                                       &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  KsRcloneDestination *self;
  const char          *remote_path;
  guint64              size;
} UploadProgress;

static void
upload_progress_cb (guint64  bytes,
                    guint64  total,
                    double   speed,
                    gpointer user_data)
{
  UploadProgress *up = user_data;

  ks_destination_report_transfer (KS_DESTINATION (up->self), up->remote_path,
                                  MIN (bytes, up->size), up->size, speed);
}

/* Up to this size a file goes up in one plain call: its answer comes as soon as it is on
 * the server, where a job would be asked for its status several times per photo (each
 * call costs rclone and us CPU that the upload needs). A longer video runs as a job, its
 * progress shown from rclone's stats as it goes. */
#define PLAIN_UPLOAD_MAX (16 * 1024 * 1024)

/* A photo's upload from @src_dir (the staging folder, or the folder of a verified copy in
 * another destination). */
gboolean
_ks_rclone_dest_upload_file (KsRcloneDestination  *self,
                             const char           *src_dir,
                             const char           *local_name,
                             const char           *remote_path,
                             guint64               size,
                             GCancellable         *cancellable,
                             GError              **error)
{
  UploadProgress up = { self, remote_path, size };
  g_autoptr(JsonObject) reply = NULL;

  ks_destination_report_transfer (KS_DESTINATION (self), remote_path, 0, size, 0);
  reply = _ks_rclone_dest_run_call (self, "operations/copyfile",
                                    to_a_free_name (_ks_rclone_dest_copy_params (src_dir, local_name, self->remote->fs, remote_path)),
                                    size > PLAIN_UPLOAD_MAX, upload_progress_cb, &up, cancellable, error);
  if (reply == NULL)
    return FALSE;
  ks_destination_report_transfer (KS_DESTINATION (self), remote_path, size, size, 0);
  return TRUE;
}

gboolean
_ks_rclone_dest_download (KsRcloneDestination  *self,
                          const char           *remote_path,
                          const char           *local_name,
                          GCancellable         *cancellable,
                          GError              **error)
{
  g_autoptr(JsonObject) reply = NULL;

  reply = _ks_rclone_dest_run (self, "operations/copyfile",
                               _ks_rclone_dest_copy_params (self->remote->fs, remote_path, self->staging, local_name),
                               cancellable, error);
  return reply != NULL;
}

gboolean
_ks_rclone_dest_move_file (KsRcloneDestination  *self,
                           const char           *from,
                           const char           *to,
                           gboolean              to_is_free,
                           GCancellable         *cancellable,
                           GError              **error)
{
  JsonObject *params = _ks_rclone_dest_copy_params (self->remote->fs, from, self->remote->fs, to);
  g_autoptr(JsonObject) reply = NULL;

  reply = _ks_rclone_dest_run_quick (self, "operations/movefile",
                                     to_is_free ? to_a_free_name (params) : params,
                                     cancellable, error);
  return reply != NULL;
}

void
_ks_rclone_dest_delete_file (KsRcloneDestination *self,
                             const char          *remote_path)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = _ks_rclone_dest_run_quick (self, "operations/deletefile", _ks_rclone_dest_path_params (self, remote_path), NULL, &error);
  if (reply == NULL)
    g_debug ("Cannot remove %s: %s", remote_path, error->message);
  _ks_rclone_dest_remember_file (self, remote_path, -1);
}

/* The server's view of one file: its item (with the hash if @hash_type), or NULL without an
 * error when there is none. */
JsonObject *
_ks_rclone_dest_stat_file (KsRcloneDestination  *self,
                           const char           *remote_path,
                           const char           *hash_type,
                           GCancellable         *cancellable,
                           GError              **error)
{
  JsonObject *params = _ks_rclone_dest_path_params (self, remote_path);
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *opt = json_object_new ();
  JsonNode *item;

  if (hash_type != NULL)
    {
      JsonArray *types = json_array_new ();

      json_array_add_string_element (types, hash_type);
      json_object_set_boolean_member (opt, "showHash", TRUE);
      json_object_set_array_member (opt, "hashTypes", types);
    }
  json_object_set_boolean_member (opt, "noMimeType", TRUE);
  /* Not a folder: rclone 1.60 looks for a folder of that name by listing the whole parent
   * when no file has it — each look at a free name would read the month's folder again. */
  json_object_set_boolean_member (opt, "filesOnly", TRUE);
  json_object_set_object_member (params, "opt", opt);

  /* Hashing reads the whole file on the server, but a plain call answers as soon as it is
   * done (a job would be found done only at its next poll) and still stops when cancelled
   * (the request goes); its connection is its own. */
  reply = _ks_rclone_dest_run_quick (self, "operations/stat", params, cancellable, error);
  if (reply == NULL)
    return NULL;

  item = json_object_get_member (reply, "item");
  if (item == NULL || !JSON_NODE_HOLDS_OBJECT (item))
    return NULL;
  return json_object_ref (json_node_get_object (item));
}

char *
_ks_rclone_dest_staging_path (KsRcloneDestination *self,
                              const char          *name)
{
  return g_build_filename (self->staging, name, NULL);
}

char *
_ks_rclone_dest_new_staging_name (const char *prefix)
{
  return g_strdup_printf ("%s-%08x%08x", prefix, g_random_int (), g_random_int ());
}

/* SHA-256 of a file the server holds, read back from it. */
char *
_ks_rclone_dest_download_and_hash (KsRcloneDestination  *self,
                                   const char           *remote_path,
                                   guint64              *out_size,
                                   GCancellable         *cancellable,
                                   GError              **error)
{
  g_autofree char *name = _ks_rclone_dest_new_staging_name ("check");
  g_autofree char *path = _ks_rclone_dest_staging_path (self, name);
  char *hash = NULL;
  int fd;

  if (!_ks_rclone_dest_download (self, remote_path, name, cancellable, error))
    return NULL;

  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    ks_set_errno_error (error, errno, "%s", path);
  else
    {
      hash = ks_hash_fd (fd, out_size, cancellable, error);
      close (fd);
    }
  g_unlink (path);

  return hash;
}

