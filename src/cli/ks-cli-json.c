/* ks-cli-json.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Writes JSON text. Strings that are not valid UTF-8 (file names straight from a phone can be
 * anything) have their invalid bytes replaced by U+FFFD, so the output always parses. */

#include "config.h"

#include "ks-cli-json.h"

struct _KsJson
{
  GString *str;
  GArray  *need_comma;   /* one gboolean per open container */
  gboolean after_key;
};

KsJson *
ks_json_new (void)
{
  KsJson *json = g_new0 (KsJson, 1);

  json->str = g_string_new (NULL);
  json->need_comma = g_array_new (FALSE, TRUE, sizeof (gboolean));
  return json;
}

void
ks_json_free (KsJson *json)
{
  if (json == NULL)
    return;
  if (json->str != NULL)
    g_string_free (json->str, TRUE);
  g_array_unref (json->need_comma);
  g_free (json);
}

char *
ks_json_steal (KsJson *json)
{
  return g_string_free (g_steal_pointer (&json->str), FALSE);
}

/* Before any value: a comma when it is not the first in its container. */
static void
before_value (KsJson *json)
{
  if (json->after_key)
    {
      json->after_key = FALSE;
      return;
    }
  if (json->need_comma->len > 0)
    {
      gboolean *need = &g_array_index (json->need_comma, gboolean, json->need_comma->len - 1);

      if (*need)
        g_string_append_c (json->str, ',');
      *need = TRUE;
    }
}

static void
append_escaped (GString    *str,
                const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);

  g_string_append_c (str, '"');
  for (const char *p = valid; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (str, "\\\""); break;
        case '\\': g_string_append (str, "\\\\"); break;
        case '\n': g_string_append (str, "\\n"); break;
        case '\r': g_string_append (str, "\\r"); break;
        case '\t': g_string_append (str, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (str, "\\u%04x", c);
          else
            g_string_append_c (str, (char) c);
        }
    }
  g_string_append_c (str, '"');
}

static void
open_container (KsJson *json,
                char    c)
{
  gboolean f = FALSE;

  before_value (json);
  g_string_append_c (json->str, c);
  g_array_append_val (json->need_comma, f);
}

static void
close_container (KsJson *json,
                 char    c)
{
  g_return_if_fail (json->need_comma->len > 0);
  g_array_set_size (json->need_comma, json->need_comma->len - 1);
  g_string_append_c (json->str, c);
}

void ks_json_begin_object (KsJson *json) { open_container (json, '{'); }
void ks_json_end_object (KsJson *json) { close_container (json, '}'); }
void ks_json_begin_array (KsJson *json) { open_container (json, '['); }
void ks_json_end_array (KsJson *json) { close_container (json, ']'); }

void
ks_json_key (KsJson     *json,
             const char *key)
{
  before_value (json);
  append_escaped (json->str, key);
  g_string_append_c (json->str, ':');
  json->after_key = TRUE;
}

void
ks_json_string (KsJson     *json,
                const char *value)
{
  if (value == NULL)
    {
      ks_json_null (json);
      return;
    }
  before_value (json);
  append_escaped (json->str, value);
}

void
ks_json_int (KsJson *json,
             gint64  value)
{
  before_value (json);
  g_string_append_printf (json->str, "%" G_GINT64_FORMAT, value);
}

void
ks_json_bool (KsJson   *json,
              gboolean  value)
{
  before_value (json);
  g_string_append (json->str, value ? "true" : "false");
}

void
ks_json_null (KsJson *json)
{
  before_value (json);
  g_string_append (json->str, "null");
}

void
ks_json_member_string (KsJson     *json,
                       const char *key,
                       const char *value)
{
  ks_json_key (json, key);
  ks_json_string (json, value);
}

void
ks_json_member_int (KsJson     *json,
                    const char *key,
                    gint64      value)
{
  ks_json_key (json, key);
  ks_json_int (json, value);
}

void
ks_json_member_bool (KsJson     *json,
                     const char *key,
                     gboolean    value)
{
  ks_json_key (json, key);
  ks_json_bool (json, value);
}
