/* ks-rclone-about.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The space used and free at a network or cloud location, from `rclone about --json`, for
 * the backends that report it. */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 total;  /* -1: not reported */
  gint64 used;
  gint64 free;
} KsRcloneAbout;

gboolean  ks_rclone_about_parse       (JsonObject     *reply,
                                       KsRcloneAbout  *out,
                                       GError        **error);
gboolean  ks_rclone_about_location    (const char     *location,
                                       KsRcloneAbout  *out,
                                       GCancellable   *cancellable,
                                       GError        **error);
char     *ks_rclone_about_describe    (const KsRcloneAbout *about);

G_END_DECLS
