/* ks-layout.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Destination paths for an asset's files from a folder-layout template. */

/* Placeholders: {year} {month} {day} (capture date on the wall clock where it was
 * taken, else local time), {name} (file name), {stem} and {ext} (its parts),
 * {device} (source name).
 *
 * Each '/'-separated component is expanded and then passed through ks_safe_name_make(),
 * so a hostile name or device name can add no directory level, no "..", and nothing
 * absolute; components that expand to nothing are dropped.
 *
 * Companions follow their photo: every file of an asset is laid out with the same date
 * components and its own name, and a clash counter n ≥ 2 numbers the last component of
 * each of them alike (IMG_1234 (2).HEIC, IMG_1234 (2).MOV, IMG_E1234 (2).JPG), so a
 * renamed photo never loses its Live movie or edit. */

#include "config.h"

#include <string.h>

#include "ks-layout.h"
#include "ks-safe-name.h"

G_DEFINE_QUARK (ks-layout-error-quark, ks_layout_error)

static const char * const placeholders[] = {
  "year", "month", "day", "name", "stem", "ext", "device",
};

static gboolean
is_known_placeholder (const char *word,
                      gsize       len)
{
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    if (strlen (placeholders[i]) == len && strncmp (placeholders[i], word, len) == 0)
      return TRUE;
  return FALSE;
}

/**
 * ks_layout_validate:
 * @template_: a template such as "{year}/{month}/{name}"
 *
 * A valid template has balanced braces, only known placeholders, and a last
 * component that contains {name} or {stem} (so files never collapse onto one name).
 *
 * Returns: %TRUE if valid
 */
gboolean
ks_layout_validate (const char  *template_,
                    GError     **error)
{
  const char *last;
  const char *p;

  if (template_ == NULL || template_[0] == '\0')
    {
      g_set_error_literal (error, KS_LAYOUT_ERROR, KS_LAYOUT_ERROR_EMPTY,
                           "The folder layout is empty");
      return FALSE;
    }

  for (p = template_; *p; p++)
    {
      if (*p == '}')
        {
          g_set_error_literal (error, KS_LAYOUT_ERROR, KS_LAYOUT_ERROR_UNBALANCED_BRACE,
                               "A “}” has no matching “{”");
          return FALSE;
        }
      if (*p == '{')
        {
          const char *close = strchr (p, '}');
          const char *open = strchr (p + 1, '{');

          if (close == NULL || (open != NULL && open < close))
            {
              g_set_error_literal (error, KS_LAYOUT_ERROR, KS_LAYOUT_ERROR_UNBALANCED_BRACE,
                                   "A “{” has no matching “}”");
              return FALSE;
            }
          if (!is_known_placeholder (p + 1, close - p - 1))
            {
              g_autofree char *word = g_utf8_make_valid (p, close - p + 1);

              g_set_error (error, KS_LAYOUT_ERROR, KS_LAYOUT_ERROR_UNKNOWN_PLACEHOLDER,
                           "Unknown placeholder %s", word);
              return FALSE;
            }
          p = close;
        }
    }

  last = strrchr (template_, '/');
  last = last ? last + 1 : template_;
  if (strstr (last, "{name}") == NULL && strstr (last, "{stem}") == NULL)
    {
      g_set_error_literal (error, KS_LAYOUT_ERROR, KS_LAYOUT_ERROR_NO_NAME,
                           "The last part of the layout must contain {name} or {stem}");
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  char *year;
  char *month;
  char *day;
  char *name;
  char *stem;
  char *ext;
  char *device;
} Values;

static void
values_clear (Values *v)
{
  g_free (v->year);
  g_free (v->month);
  g_free (v->day);
  g_free (v->name);
  g_free (v->stem);
  g_free (v->ext);
  g_free (v->device);
}

static const char *
value_for (const Values *v,
           const char   *word,
           gsize         len)
{
#define MATCH(w) (len == strlen (w) && strncmp (word, w, len) == 0)
  if (MATCH ("year")) return v->year;
  if (MATCH ("month")) return v->month;
  if (MATCH ("day")) return v->day;
  if (MATCH ("name")) return v->name;
  if (MATCH ("stem")) return v->stem;
  if (MATCH ("ext")) return v->ext;
  if (MATCH ("device")) return v->device;
#undef MATCH
  return NULL;
}

static void
fill_values (Values       *v,
             KsAsset      *asset,
             KsAssetFile  *file,
             const char   *device_name)
{
  g_autoptr(GDateTime) date = ks_asset_dup_capture_date (asset);
  g_autofree char *safe = ks_safe_name_make (ks_asset_file_get_name (file), -1);

  if (date == NULL)
    date = g_date_time_new_from_unix_utc (0);

  v->year = g_date_time_format (date, "%Y");
  v->month = g_date_time_format (date, "%m");
  v->day = g_date_time_format (date, "%d");
  /* The name is made safe before splitting, so {stem} and {ext} agree with {name}. */
  v->name = g_strdup (safe);
  ks_safe_name_split (safe, &v->stem, &v->ext);
  v->device = g_strdup (device_name ? device_name : "");
}

/* Expands one component; placeholders that are unknown stay literal (validate first). */
static char *
expand_component (const char   *component,
                  const Values *v)
{
  GString *str = g_string_new (NULL);
  const char *p = component;

  while (*p)
    {
      const char *close;
      const char *value;

      if (*p == '{' && (close = strchr (p, '}')) != NULL &&
          (value = value_for (v, p + 1, close - p - 1)) != NULL)
        {
          g_string_append (str, value);
          p = close + 1;
        }
      else
        g_string_append_c (str, *p++);
    }

  return g_string_free (str, FALSE);
}

/**
 * ks_layout_dup_path:
 * @template_: (nullable): a template; %NULL or invalid means the default
 * @file: (nullable): one of @asset's files; %NULL for the primary
 * @device_name: (nullable): for {device}
 * @counter: 0 or 1 for the plain name, n ≥ 2 to number the name " (n)"
 *
 * Returns: (transfer full): a relative, '/'-separated path with no empty,
 *   "." or ".." component, valid UTF-8, each component safe
 */
char *
ks_layout_dup_path (const char  *template_,
                    KsAsset     *asset,
                    KsAssetFile *file,
                    const char  *device_name,
                    guint        counter)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) out = NULL;
  Values v = { 0 };
  guint n_parts;

  g_return_val_if_fail (KS_IS_ASSET (asset), NULL);

  if (template_ == NULL || !ks_layout_validate (template_, NULL))
    template_ = KS_LAYOUT_DEFAULT_TEMPLATE;
  if (file == NULL)
    file = ks_asset_get_primary (asset);

  fill_values (&v, asset, file, device_name);

  parts = g_strsplit (template_, "/", -1);
  n_parts = g_strv_length (parts);
  out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n_parts; i++)
    {
      g_autofree char *expanded = expand_component (parts[i], &v);
      g_autofree char *safe = NULL;
      gboolean is_last = i + 1 == n_parts;

      if (expanded[0] == '\0' && !is_last)
        continue;

      safe = ks_safe_name_make (expanded, -1);
      if (is_last && counter >= 2)
        {
          char *numbered = ks_safe_name_add_counter (safe, counter);

          g_free (safe);
          safe = numbered;
        }
      g_ptr_array_add (out, g_steal_pointer (&safe));
    }

  g_ptr_array_add (out, NULL);
  values_clear (&v);

  return g_strjoinv ("/", (char **) out->pdata);
}

/**
 * ks_layout_dup_paths:
 *
 * Returns: (transfer full) (element-type utf8): one path per file of @asset,
 *   in the order of ks_asset_get_files()
 */
GPtrArray *
ks_layout_dup_paths (const char *template_,
                     KsAsset    *asset,
                     const char *device_name,
                     guint       counter)
{
  GPtrArray *files;
  GPtrArray *paths;

  g_return_val_if_fail (KS_IS_ASSET (asset), NULL);

  files = ks_asset_get_files (asset);
  paths = g_ptr_array_new_full (files->len, g_free);
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add (paths, ks_layout_dup_path (template_, asset, g_ptr_array_index (files, i),
                                                device_name, counter));

  return paths;
}

/**
 * ks_layout_preview:
 * @asset: (nullable): an asset to show; %NULL uses a sample Live Photo
 *   (IMG_1234.HEIC with IMG_1234.MOV, 15 June 2024)
 *
 * For a live preview while someone types a template.
 *
 * Returns: (transfer full) (nullable): the primary's path, or %NULL with
 *   @error set if the template is invalid
 */
char *
ks_layout_preview (const char  *template_,
                   KsAsset     *asset,
                   const char  *device_name,
                   GError     **error)
{
  g_autoptr(KsAsset) sample = NULL;

  if (!ks_layout_validate (template_, error))
    return NULL;

  if (asset == NULL)
    {
      g_autoptr(GDateTime) date = g_date_time_new_local (2024, 6, 15, 14, 30, 0);
      g_autoptr(KsAssetFile) primary = NULL;
      g_autoptr(KsAssetFile) live = NULL;

      primary = ks_asset_file_new (KS_ASSET_FILE_ROLE_PRIMARY, "DCIM/100APPLE/IMG_1234.HEIC",
                                   2500000, g_date_time_to_unix (date));
      live = ks_asset_file_new (KS_ASSET_FILE_ROLE_LIVE_VIDEO, "DCIM/100APPLE/IMG_1234.MOV",
                                3100000, g_date_time_to_unix (date));
      sample = ks_asset_new ("preview:", primary);
      ks_asset_add_file (sample, live);
      asset = sample;
    }

  return ks_layout_dup_path (template_, asset, NULL, device_name ? device_name : "iPhone", 0);
}
