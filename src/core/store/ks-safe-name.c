/* ks-safe-name.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Safe single file names for any destination file system. The rules are the union of
 * what FAT/exFAT, NTFS (and Windows reading them), ext4 and APFS refuse or mangle. */

#include "config.h"

#include <string.h>

#include "ks-safe-name.h"

/* Longest extension we keep whole when a name must be shortened. */
#define MAX_KEPT_EXT_BYTES 16

static const char * const reserved_device_names[] = {
  "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
  "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
  "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
};

static gboolean
is_forbidden_char (gunichar c)
{
  if (c < 0x20 || c == 0x7f)
    return TRUE;
  /* C1 controls and noncharacters confuse terminals and some file systems. */
  if (c >= 0x80 && c < 0xa0)
    return TRUE;
  if (c == 0xfffe || c == 0xffff)
    return TRUE;
  /* Bidirectional overrides and isolates let "IMG_\u202EGPJ.exe" pose as a JPEG. */
  if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
    return TRUE;
  return c < 0x80 && strchr ("<>:\"/\\|?*", (int) c) != NULL;
}

/* Windows treats "CON", "con.txt", "CON.tar.gz" and "CON .jpg" alike: the part
 * before the first dot, without trailing spaces, is what counts. */
static gboolean
is_reserved_device_name (const char *name)
{
  const char *dot = strchr (name, '.');
  gsize len = dot ? (gsize) (dot - name) : strlen (name);

  while (len > 0 && name[len - 1] == ' ')
    len--;

  for (guint i = 0; i < G_N_ELEMENTS (reserved_device_names); i++)
    if (strlen (reserved_device_names[i]) == len &&
        g_ascii_strncasecmp (reserved_device_names[i], name, len) == 0)
      return TRUE;

  return FALSE;
}

static gsize
utf16_units (const char *s,
             gsize       len)
{
  gsize units = 0;

  for (const char *p = s; p < s + len; p = g_utf8_next_char (p))
    units += g_utf8_get_char (p) > 0xffff ? 2 : 1;

  return units;
}

/* Byte length of the longest prefix of @s (valid UTF-8, @len bytes) that fits
 * both @max_bytes and @max_units UTF-16 units, cut at a character boundary. */
static gsize
fit_prefix (const char *s,
            gsize       len,
            gsize       max_bytes,
            gsize       max_units)
{
  const char *p = s;
  gsize units = 0;

  while (p < s + len)
    {
      const char *next = g_utf8_next_char (p);
      gsize u = g_utf8_get_char (p) > 0xffff ? 2 : 1;

      if ((gsize) (next - s) > max_bytes || units + u > max_units)
        break;
      units += u;
      p = next;
    }

  return p - s;
}

static void
strip_trailing_dots_and_spaces (GString *str)
{
  while (str->len > 0 && (str->str[str->len - 1] == '.' || str->str[str->len - 1] == ' '))
    g_string_truncate (str, str->len - 1);
}

/* Shortens @str to the limits, keeping a short extension. */
static void
limit_length (GString *str)
{
  const char *dot;
  gsize ext_len = 0;
  gsize keep;

  if (str->len <= KS_SAFE_NAME_MAX_BYTES && utf16_units (str->str, str->len) <= KS_SAFE_NAME_MAX_BYTES)
    return;

  dot = strrchr (str->str, '.');
  if (dot != NULL && dot != str->str && strlen (dot) <= MAX_KEPT_EXT_BYTES)
    ext_len = strlen (dot);

  keep = fit_prefix (str->str, str->len - ext_len,
                     KS_SAFE_NAME_MAX_BYTES - ext_len,
                     KS_SAFE_NAME_MAX_BYTES - utf16_units (str->str + str->len - ext_len, ext_len));
  g_string_erase (str, keep, str->len - ext_len - keep);

  /* The cut may leave "name .jpg" or "name..jpg": tidy the stem's end. */
  if (ext_len > 0)
    {
      g_autofree char *ext = g_strdup (str->str + str->len - ext_len);

      g_string_truncate (str, str->len - ext_len);
      strip_trailing_dots_and_spaces (str);
      if (str->len == 0)
        g_string_append_c (str, '_');
      g_string_append (str, ext);
    }
  else
    strip_trailing_dots_and_spaces (str);
}

/**
 * ks_safe_name_make:
 * @name: one file name as raw bytes (any bytes; may contain '/')
 * @len: length of @name, or -1 if NUL-terminated
 *
 * Makes @name safe as a single file name on ext4, FAT/exFAT, NTFS and APFS:
 *
 * - bytes that are not valid UTF-8 become "%XX" (upper-case hex), so that
 *   distinct raw names stay distinct and the result is readable;
 * - control characters (C0, C1, DEL), bidirectional overrides and isolates,
 *   and `< > : " / \ | ? *` become '_', so the result never contains '/' or NUL;
 * - a leading '.' becomes '_' (no hidden files, no "." or ".."), as does a
 *   leading '-' (never mistaken for an option);
 * - leading spaces, trailing dots and trailing spaces are removed;
 * - Windows device names (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also with an
 *   extension) get a '_' prefix;
 * - the result has at most 255 bytes and 255 UTF-16 units, cut at a character
 *   boundary and keeping an extension of up to 16 bytes;
 * - an empty result becomes "_".
 *
 * Returns: (transfer full): a safe name, valid UTF-8, never empty
 */
char *
ks_safe_name_make (const char *name,
                   gssize      len)
{
  g_autoptr(GString) str = NULL;
  const char *p;
  const char *end;

  if (name == NULL)
    return g_strdup ("_");
  if (len < 0)
    len = strlen (name);

  str = g_string_sized_new (len + 8);
  p = name;
  end = name + len;

  while (p < end)
    {
      gunichar c = *p == '\0' ? 0 : g_utf8_get_char_validated (p, end - p);

      if (c == 0)
        {
          g_string_append_c (str, '_');
          p++;
          continue;
        }
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (str, "%%%02X", (guint) (guchar) *p);
          p++;
          continue;
        }

      if (is_forbidden_char (c))
        g_string_append_c (str, '_');
      else
        g_string_append_len (str, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }

  while (str->len > 0 && str->str[0] == ' ')
    g_string_erase (str, 0, 1);
  strip_trailing_dots_and_spaces (str);

  if (str->len > 0 && (str->str[0] == '.' || str->str[0] == '-'))
    str->str[0] = '_';

  if (is_reserved_device_name (str->str))
    g_string_prepend_c (str, '_');

  limit_length (str);

  if (str->len == 0)
    g_string_append_c (str, '_');

  return g_string_free (g_steal_pointer (&str), FALSE);
}

/**
 * ks_safe_name_is_safe:
 *
 * Returns: %TRUE if ks_safe_name_make() would return @name unchanged
 */
gboolean
ks_safe_name_is_safe (const char *name)
{
  g_autofree char *safe = NULL;

  if (name == NULL)
    return FALSE;

  safe = ks_safe_name_make (name, -1);
  return strcmp (safe, name) == 0;
}

/**
 * ks_safe_name_casefold_key:
 * @name: a UTF-8 name (invalid bytes are tolerated)
 *
 * Two names that a case-insensitive, normalization-insensitive file system
 * (NTFS, FAT, exFAT, APFS by default) would treat as the same file have the
 * same key. Use it to detect clashes before writing.
 *
 * Returns: (transfer full): the key
 */
char *
ks_safe_name_casefold_key (const char *name)
{
  g_autofree char *valid = NULL;
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  valid = g_utf8_make_valid (name, -1);
  normalized = g_utf8_normalize (valid, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  return g_utf8_casefold (normalized ? normalized : valid, -1);
}

/**
 * ks_safe_name_split:
 * @stem: (out) (optional): the name up to its last '.' (all of it if none)
 * @ext: (out) (optional): the extension without the dot, or "" if none
 *
 * A leading dot does not start an extension.
 */
void
ks_safe_name_split (const char  *name,
                    char       **stem,
                    char       **ext)
{
  const char *dot;

  g_return_if_fail (name != NULL);

  dot = strrchr (name, '.');
  if (dot == name)
    dot = NULL;

  if (stem)
    *stem = dot ? g_strndup (name, dot - name) : g_strdup (name);
  if (ext)
    *ext = g_strdup (dot ? dot + 1 : "");
}

/**
 * ks_safe_name_add_counter:
 * @safe_name: a safe name
 * @counter: 2, 3, … (0 and 1 return the name unchanged)
 *
 * "IMG_1234.HEIC" + 2 → "IMG_1234 (2).HEIC", still within the length limits.
 *
 * Returns: (transfer full): the numbered safe name
 */
char *
ks_safe_name_add_counter (const char *safe_name,
                          guint       counter)
{
  g_autofree char *stem = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *numbered = NULL;
  g_autofree char *suffix = NULL;
  gsize suffix_len;

  g_return_val_if_fail (safe_name != NULL, NULL);

  if (counter < 2)
    return ks_safe_name_make (safe_name, -1);

  ks_safe_name_split (safe_name, &stem, &ext);
  suffix = ext[0] ? g_strdup_printf (" (%u).%s", counter, ext) : g_strdup_printf (" (%u)", counter);
  suffix_len = strlen (suffix);

  /* Shorten the stem so the counter is never cut away. */
  if (suffix_len < KS_SAFE_NAME_MAX_BYTES)
    {
      gsize keep = fit_prefix (stem, strlen (stem),
                               KS_SAFE_NAME_MAX_BYTES - suffix_len,
                               KS_SAFE_NAME_MAX_BYTES - utf16_units (suffix, suffix_len));
      stem[keep] = '\0';
    }

  numbered = g_strconcat (stem, suffix, NULL);
  return ks_safe_name_make (numbered, -1);
}

/* Cuts @s to at most @max_bytes without splitting a UTF-8 sequence (if it is UTF-8). */
char *
ks_safe_name_truncate (const char *s,
                       gsize       max_bytes)
{
  gsize len = strlen (s);

  if (len <= max_bytes)
    return g_strdup (s);

  len = max_bytes;
  while (len > 0 && ((guchar)s[len] & 0xC0) == 0x80)
    len--;

  return g_strndup (s, len);
}
