/* ks-afc-error.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What each AFC error means, in one table: the GIOError a file-level failure becomes,
 * whether the session (or the link under it) is gone, and a sentence for people. The AFC
 * pool, its streams, the device source and the import job all decide by it. */

#pragma once

#include <gio/gio.h>
#include <libimobiledevice/afc.h>

G_BEGIN_DECLS

/* The GIOError a lost session becomes while the phone still answers (the AFC pool says
 * why instead, with a KS_DEVICE_ERROR, when it does not). */
#define KS_AFC_SESSION_LOST_IO_ERROR G_IO_ERROR_CONNECTION_CLOSED

/**
 * KsAfcErrorInfo:
 * @afc: the AFC error
 * @io_code: the #GIOError it becomes (%KS_AFC_SESSION_LOST_IO_ERROR when @session_lost)
 * @session_lost: the session is unusable (a broken link, a garbled reply): stop using it,
 *   and what was going on stops too; otherwise the error is about one file
 * @sentence: what it means, for people
 */
typedef struct
{
  afc_error_t   afc;
  GIOErrorEnum  io_code;
  gboolean      session_lost;
  const char   *sentence;
} KsAfcErrorInfo;

const KsAfcErrorInfo *ks_afc_error_lookup               (afc_error_t    aerr);
gboolean              ks_afc_error_is_session_lost      (afc_error_t    aerr);
void                  ks_afc_error_set                  (afc_error_t    aerr,
                                                         const char    *path,
                                                         GError       **error);
gboolean              ks_afc_error_matches_session_lost (const GError  *error);

G_END_DECLS
