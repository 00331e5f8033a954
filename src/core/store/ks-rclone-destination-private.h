/* ks-rclone-destination-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsRcloneDestination's state and its rc calls (ks-rclone-destination-calls.c), shared by
 * the files the type is spread over. */

#pragma once

#include <json-glib/json-glib.h>

#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"

G_BEGIN_DECLS

/* Tries of a call while the network is the problem, 1, 2, 4, 8 s apart, none begun more
 * than 15 s after the first failure: a Wi-Fi hiccup or a server restarting is ridden out, a
 * server that is gone is named within ~15 s (plus the last try, which rclone itself
 * retries). */
#define KS_RCLONE_DEST_MAX_ATTEMPTS 5
#define KS_RCLONE_DEST_GIVE_UP_S    15

struct _KsRcloneDestination
{
  KsDestination   parent_instance;

  char           *location;
  char           *expected_id;
  KsRcloneRemote *remote;
  GError         *parse_error;

  KsRclone       *rclone;
  char           *hash_type;    /* "md5", "sha1", or NULL: verify by download */
  char           *staging;      /* this destination's folder in the cache */
  char           *local_index;  /* our copy of the index (every line so far) */
  guint           next_segment; /* the number of the next index segment */
  guint           live_segments; /* segments on the server not folded into the index yet */
  int             lock_fd;

  GMutex          mutex;        /* guards the fields below */
  GCond           cond;         /* an upload ended, or the prober's verdict is in */
  GHashTable     *files;        /* relative path → guint64 * size, what the server holds */
  GError         *lost;         /* why the server is out of reach, after the retries */
  GThread        *prober;       /* the call trying the server again after a network error */
  gint64          token_kept_at; /* monotonic time the sign-in token was last kept */

  /* Uploads side by side (finish_temp on several threads): how many run, how many began
   * in all, and one that must run alone (a failure tried again, to learn its reason). */
  guint           uploading;
  guint           upload_starts;
  gboolean        upload_alone;
};

JsonObject *
_ks_rclone_dest_copy_params (const char *src_fs,
                             const char *src_remote,
                             const char *dst_fs,
                             const char *dst_remote);

JsonObject *
_ks_rclone_dest_path_params (KsRcloneDestination *self,
                             const char          *remote);

char *
_ks_rclone_dest_join (const char *rel_dir,
                      const char *name);

void
_ks_rclone_dest_remember_file (KsRcloneDestination *self,
                               const char          *path,
                               gint64               size);

gboolean
_ks_rclone_dest_query (KsRcloneDestination *self,
                       const char          *path,
                       guint64             *out_size);

char *
_ks_rclone_dest_read_index (KsRcloneDestination  *self,
                            GError              **error);

gboolean
_ks_rclone_dest_append_index (KsRcloneDestination  *self,
                              const char           *lines,
                              gsize                 len,
                              GError              **error);

gboolean
_ks_rclone_dest_replace_index (KsRcloneDestination  *self,
                               const char           *contents,
                               gsize                 len,
                               GError              **error);

void
_ks_rclone_dest_fold_index (KsRcloneDestination *self);

void
_ks_rclone_dest_mark_lost (KsRcloneDestination *self,
                           const GError        *error);

gboolean
_ks_rclone_dest_is_lost (KsRcloneDestination *self);

gboolean
_ks_rclone_dest_back_off (KsRcloneDestination *self,
                          guint                seconds,
                          GCancellable        *cancellable);

JsonObject *
_ks_rclone_dest_run_call (KsRcloneDestination  *self,
                          const char           *method,
                          JsonObject           *params,
                          gboolean              as_job,
                          KsRcloneProgressFunc  progress,
                          gpointer              progress_data,
                          GCancellable         *cancellable,
                          GError              **error);

JsonObject *
_ks_rclone_dest_run (KsRcloneDestination  *self,
                     const char           *method,
                     JsonObject           *params,
                     GCancellable         *cancellable,
                     GError              **error);

JsonObject *
_ks_rclone_dest_run_quick (KsRcloneDestination  *self,
                           const char           *method,
                           JsonObject           *params,
                           GCancellable         *cancellable,
                           GError              **error);

void
_ks_rclone_dest_explain_failure (KsRcloneDestination  *self,
                                 guint64               size,
                                 GError              **error);

gboolean
_ks_rclone_dest_upload (KsRcloneDestination  *self,
                        const char           *local_name,
                        const char           *remote_path,
                        GCancellable         *cancellable,
                        GError              **error);

gboolean
_ks_rclone_dest_upload_file (KsRcloneDestination  *self,
                             const char           *src_dir,
                             const char           *local_name,
                             const char           *remote_path,
                             guint64               size,
                             GCancellable         *cancellable,
                             GError              **error);

gboolean
_ks_rclone_dest_download (KsRcloneDestination  *self,
                          const char           *remote_path,
                          const char           *local_name,
                          GCancellable         *cancellable,
                          GError              **error);

gboolean
_ks_rclone_dest_move_file (KsRcloneDestination  *self,
                           const char           *from,
                           const char           *to,
                           gboolean              to_is_free,
                           GCancellable         *cancellable,
                           GError              **error);

void
_ks_rclone_dest_delete_file (KsRcloneDestination *self,
                             const char          *remote_path);

JsonObject *
_ks_rclone_dest_stat_file (KsRcloneDestination  *self,
                           const char           *remote_path,
                           const char           *hash_type,
                           GCancellable         *cancellable,
                           GError              **error);

char *
_ks_rclone_dest_staging_path (KsRcloneDestination *self,
                              const char          *name);

char *
_ks_rclone_dest_new_staging_name (const char *prefix);

char *
_ks_rclone_dest_download_and_hash (KsRcloneDestination  *self,
                                   const char           *remote_path,
                                   guint64              *out_size,
                                   GCancellable         *cancellable,
                                   GError              **error);

G_END_DECLS
