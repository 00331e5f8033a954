/* ks-rclone.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsRclone: one `rclone rcd` child on 127.0.0.1 (a random port, random credentials passed
 * through its environment) and the rc calls made to it over HTTP. Remotes are defined in
 * the child's environment (RCLONE_CONFIG_<NAME>_<KEY>), so secrets never reach its argv,
 * a log or a file. */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KS_RCLONE_ERROR (ks_rclone_error_quark ())

/**
 * KsRcloneError:
 * @KS_RCLONE_ERROR_FAILED: anything else (the sentence says what)
 * @KS_RCLONE_ERROR_NOT_INSTALLED: no rclone program
 * @KS_RCLONE_ERROR_AUTH: the server refused the user name, password or key
 * @KS_RCLONE_ERROR_UNREACHABLE: the server could not be reached or went away
 * @KS_RCLONE_ERROR_NO_SPACE: the server has no room left
 * @KS_RCLONE_ERROR_NOT_FOUND: the file or folder is not there
 * @KS_RCLONE_ERROR_HOST_KEY_UNKNOWN: the SSH server's key is not trusted yet
 * @KS_RCLONE_ERROR_HOST_KEY_CHANGED: the SSH server's key is not the one trusted
 */
typedef enum
{
  KS_RCLONE_ERROR_FAILED,
  KS_RCLONE_ERROR_NOT_INSTALLED,
  KS_RCLONE_ERROR_AUTH,
  KS_RCLONE_ERROR_UNREACHABLE,
  KS_RCLONE_ERROR_NO_SPACE,
  KS_RCLONE_ERROR_NOT_FOUND,
  KS_RCLONE_ERROR_HOST_KEY_UNKNOWN,
  KS_RCLONE_ERROR_HOST_KEY_CHANGED,
} KsRcloneError;

GQuark ks_rclone_error_quark (void);

/* Called from the calling thread while a job runs: bytes done, bytes in all, bytes/s. */
typedef void (*KsRcloneProgressFunc) (guint64  bytes,
                                      guint64  total,
                                      double   speed,
                                      gpointer user_data);

#define KS_TYPE_RCLONE (ks_rclone_get_type ())

G_DECLARE_FINAL_TYPE (KsRclone, ks_rclone, KS, RCLONE, GObject)

KsRclone   *ks_rclone_new          (const char * const   *env,
                                    gboolean              user_config);
void        ks_rclone_set_pid_file (KsRclone             *self,
                                    const char           *pid_file);
gboolean    ks_rclone_start        (KsRclone             *self,
                                    GCancellable         *cancellable,
                                    GError              **error);
void        ks_rclone_stop         (KsRclone             *self);
gboolean    ks_rclone_is_running   (KsRclone             *self);
GPid        ks_rclone_get_pid      (KsRclone             *self);
JsonObject *ks_rclone_call         (KsRclone             *self,
                                    const char           *method,
                                    JsonObject           *params,
                                    GCancellable         *cancellable,
                                    GError              **error);
JsonObject *ks_rclone_run_job      (KsRclone             *self,
                                    const char           *method,
                                    JsonObject           *params,
                                    KsRcloneProgressFunc  progress,
                                    gpointer              user_data,
                                    GCancellable         *cancellable,
                                    GError              **error);

char       *ks_rclone_obscure      (const char           *secret,
                                    GCancellable         *cancellable,
                                    GError              **error);
gboolean    ks_rclone_error_is_transient (const GError   *error);

G_END_DECLS
