/* ks-cli-json.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A very small JSON writer for keepsake-cli's --json output (json-glib is not a dependency). */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KsJson KsJson;

KsJson  *ks_json_new          (void);
void     ks_json_free         (KsJson     *json);
char    *ks_json_steal        (KsJson     *json);
void     ks_json_begin_object (KsJson     *json);
void     ks_json_end_object   (KsJson     *json);
void     ks_json_begin_array  (KsJson     *json);
void     ks_json_end_array    (KsJson     *json);
void     ks_json_key          (KsJson     *json,
                               const char *key);
void     ks_json_string       (KsJson     *json,
                               const char *value);
void     ks_json_int          (KsJson     *json,
                               gint64      value);
void     ks_json_bool         (KsJson     *json,
                               gboolean    value);
void     ks_json_null         (KsJson     *json);
/* Shorthands for "key": value inside an object. */
void     ks_json_member_string (KsJson     *json,
                                const char *key,
                                const char *value);
void     ks_json_member_int    (KsJson     *json,
                                const char *key,
                                gint64      value);
void     ks_json_member_bool   (KsJson     *json,
                                const char *key,
                                gboolean    value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsJson, ks_json_free)

G_END_DECLS
