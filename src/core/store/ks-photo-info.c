/* ks-photo-info.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ks-hash.h"
#include "ks-photo-info.h"

#define INFO_MARK "info "
/* Bounds on what one line may say (the index is read from a medium anyone may write to). */
#define MAX_ALBUMS     1000
#define MAX_VALUE_LEN  4096
/* Characters a value may not hold as such: the separators, and '%' itself. */
#define RESERVED_CHARS " %=\t\r\n"

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static char *
one_line (const char *text)
{
  char *copy = g_strdup (text);

  for (char *p = copy; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return copy;
}

static char **
sorted_albums (const char * const *albums)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; albums != NULL && albums[i] != NULL && i < MAX_ALBUMS; i++)
    if (albums[i][0] != '\0' && g_utf8_validate (albums[i], -1, NULL))
      /* A title is one line: control characters (a hostile database's) read as spaces. */
      g_ptr_array_add (list, one_line (albums[i]));
  g_ptr_array_sort (list, compare_strings);
  /* One album listed twice is one album. */
  for (guint i = 1; i < list->len;)
    if (strcmp (g_ptr_array_index (list, i - 1), g_ptr_array_index (list, i)) == 0)
      g_ptr_array_remove_index (list, i);
    else
      i++;
  g_ptr_array_set_free_func (list, NULL);
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

/**
 * ks_photo_info_new:
 * @albums: (nullable) (array zero-terminated=1): in any order; duplicates and names that
 *   are not UTF-8 are dropped
 */
KsPhotoInfo *
ks_photo_info_new (const char         *hash,
                   KsPhotoInfoFlags    flags,
                   const char         *date,
                   const char * const *albums)
{
  KsPhotoInfo *info;

  g_return_val_if_fail (ks_hash_is_valid (hash), NULL);

  info = g_new0 (KsPhotoInfo, 1);
  info->hash = g_strdup (hash);
  info->flags = flags & (KS_PHOTO_INFO_FAVORITE | KS_PHOTO_INFO_HIDDEN | KS_PHOTO_INFO_TRASHED);
  info->date = date != NULL && date[0] != '\0' ? g_strdup (date) : NULL;
  info->albums = sorted_albums (albums);
  return info;
}

KsPhotoInfo *
ks_photo_info_copy (const KsPhotoInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  return ks_photo_info_new (info->hash, info->flags, info->date, (const char * const *) info->albums);
}

void
ks_photo_info_free (KsPhotoInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->hash);
  g_free (info->date);
  g_strfreev (info->albums);
  g_free (info);
}

gboolean
ks_photo_info_equal (const KsPhotoInfo *a,
                     const KsPhotoInfo *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return g_strcmp0 (a->hash, b->hash) == 0
         && a->flags == b->flags
         && g_strcmp0 (a->date, b->date) == 0
         && g_strv_equal ((const char * const *) a->albums, (const char * const *) b->albums);
}

gboolean
ks_photo_info_is_line (const char *line)
{
  return g_str_has_prefix (line, INFO_MARK);
}

static void
append_value (GString    *out,
              const char *key,
              const char *value)
{
  g_string_append_printf (out, " %s=", key);
  for (const char *p = value; *p; p++)
    {
      if (strchr (RESERVED_CHARS, *p) != NULL || (guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "%%%02X", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
}

/* "info <sha256> fav=1 hidden=0 [trash=1] date=2024-05-03T10:11:12+02:00 album=Trips/Italy …" */
void
ks_photo_info_append_line (const KsPhotoInfo *info,
                           GString           *out)
{
  g_return_if_fail (info != NULL);

  g_string_append (out, INFO_MARK);
  g_string_append (out, info->hash);
  g_string_append_printf (out, " fav=%d hidden=%d",
                          (info->flags & KS_PHOTO_INFO_FAVORITE) != 0,
                          (info->flags & KS_PHOTO_INFO_HIDDEN) != 0);
  if (info->flags & KS_PHOTO_INFO_TRASHED)
    g_string_append (out, " trash=1");
  if (info->date != NULL)
    append_value (out, "date", info->date);
  for (guint i = 0; info->albums[i] != NULL; i++)
    append_value (out, "album", info->albums[i]);
  g_string_append_c (out, '\n');
}

static char *
unescape (const char *value)
{
  char *text;

  if (strlen (value) > MAX_VALUE_LEN)
    return NULL;
  text = g_uri_unescape_string (value, NULL);
  if (text == NULL || text[0] == '\0' || !g_utf8_validate (text, -1, NULL)
      || strpbrk (text, "\r\n") != NULL)
    {
      g_free (text);
      return NULL;
    }
  return text;
}

/* Returns: (nullable): the info a line says, or %NULL for a damaged line */
KsPhotoInfo *
ks_photo_info_parse_line (const char *line)
{
  g_autofree char *hash = NULL;
  g_autofree char *date = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GPtrArray) albums = g_ptr_array_new_with_free_func (g_free);
  KsPhotoInfoFlags flags = KS_PHOTO_INFO_NONE;
  const char *rest;

  g_return_val_if_fail (line != NULL, NULL);

  if (!ks_photo_info_is_line (line))
    return NULL;
  rest = line + strlen (INFO_MARK);
  if (strlen (rest) < KS_HASH_HEX_LEN || (rest[KS_HASH_HEX_LEN] != '\0' && rest[KS_HASH_HEX_LEN] != ' '))
    return NULL;
  hash = g_strndup (rest, KS_HASH_HEX_LEN);
  if (!ks_hash_is_valid (hash))
    return NULL;

  fields = g_strsplit (rest + KS_HASH_HEX_LEN, " ", -1);
  for (guint i = 0; fields[i] != NULL; i++)
    {
      const char *field = fields[i];
      const char *eq = strchr (field, '=');

      if (field[0] == '\0')
        continue;
      if (eq == NULL)
        return NULL;

      if (g_str_equal (field, "fav=1"))
        flags |= KS_PHOTO_INFO_FAVORITE;
      else if (g_str_equal (field, "hidden=1"))
        flags |= KS_PHOTO_INFO_HIDDEN;
      else if (g_str_equal (field, "trash=1"))
        flags |= KS_PHOTO_INFO_TRASHED;
      else if (g_str_has_prefix (field, "date="))
        {
          g_free (date);
          date = unescape (eq + 1);
          if (date == NULL)
            return NULL;
        }
      else if (g_str_has_prefix (field, "album="))
        {
          char *album = unescape (eq + 1);

          if (album == NULL || albums->len >= MAX_ALBUMS)
            {
              g_free (album);
              return NULL;
            }
          g_ptr_array_add (albums, album);
        }
      /* fav=0, hidden=0 and keys of later versions say nothing we keep. */
    }

  g_ptr_array_add (albums, NULL);
  return ks_photo_info_new (hash, flags, date, (const char * const *) albums->pdata);
}
