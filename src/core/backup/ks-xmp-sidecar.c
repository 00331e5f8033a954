/* ks-xmp-sidecar.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ks-xmp-sidecar.h"

char *
ks_xmp_sidecar_path (const char *photo_path)
{
  g_return_val_if_fail (photo_path != NULL, NULL);

  return g_strconcat (photo_path, ".xmp", NULL);
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

/* An album path's last part: "Trips/Italy" → "Italy". */
static const char *
album_title (const char *album)
{
  const char *slash = strrchr (album, '/');

  return slash != NULL && slash[1] != '\0' ? slash + 1 : album;
}

static void
append_bag (GString     *out,
            const char  *property,
            GPtrArray   *items)
{
  if (items->len == 0)
    return;

  g_string_append_printf (out, "   <%s>\n    <rdf:Bag>\n", property);
  for (guint i = 0; i < items->len; i++)
    {
      g_string_append (out, "     <rdf:li>");
      append_escaped (out, g_ptr_array_index (items, i));
      g_string_append (out, "</rdf:li>\n");
    }
  g_string_append_printf (out, "    </rdf:Bag>\n   </%s>\n", property);
}

static gboolean
contains (GPtrArray  *items,
          const char *item)
{
  for (guint i = 0; i < items->len; i++)
    if (g_str_equal (g_ptr_array_index (items, i), item))
      return TRUE;
  return FALSE;
}

GBytes *
ks_xmp_sidecar_build (const KsPhotoInfo *info)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) subjects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gsize len;

  g_return_val_if_fail (info != NULL, NULL);

  for (guint i = 0; info->albums[i] != NULL; i++)
    {
      const char *title = album_title (info->albums[i]);
      g_auto(GStrv) parts = NULL;
      g_autofree char *joined = NULL;

      if (!contains (subjects, title))
        g_ptr_array_add (subjects, g_strdup (title));

      /* '|' separates the levels of a hierarchical subject: inside a title it reads as '/'. */
      parts = g_strsplit (info->albums[i], "/", -1);
      for (guint p = 0; parts[p] != NULL; p++)
        g_strdelimit (parts[p], "|", '/');
      joined = g_strjoinv ("|", parts);
      g_ptr_array_add (paths, g_steal_pointer (&joined));
    }

  g_string_append (out,
                   "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                   "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"Keepsake\">\n"
                   " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                   "  <rdf:Description rdf:about=\"\"\n"
                   "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
                   "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                   "    xmlns:lr=\"http://ns.adobe.com/lightroom/1.0/\"\n"
                   "    xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\"\n"
                   "    xmlns:exif=\"http://ns.adobe.com/exif/1.0/\"");
  if (info->flags & KS_PHOTO_INFO_FAVORITE)
    g_string_append (out, "\n    xmp:Rating=\"5\"");
  if (info->date != NULL)
    {
      g_string_append (out, "\n    photoshop:DateCreated=\"");
      append_escaped (out, info->date);
      g_string_append (out, "\"\n    exif:DateTimeOriginal=\"");
      append_escaped (out, info->date);
      g_string_append (out, "\"");
    }
  g_string_append (out, ">\n");
  append_bag (out, "dc:subject", subjects);
  append_bag (out, "lr:hierarchicalSubject", paths);
  g_string_append (out,
                   "  </rdf:Description>\n"
                   " </rdf:RDF>\n"
                   "</x:xmpmeta>\n"
                   "<?xpacket end=\"w\"?>\n");

  len = out->len;
  return g_bytes_new_take (g_string_free (g_steal_pointer (&out), FALSE), len);
}
