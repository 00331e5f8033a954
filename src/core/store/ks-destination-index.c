/* ks-destination-index.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The index format, and the table loaded from it. Not thread-safe: KsDestination guards it. */

#include "config.h"

#include <string.h>

#include "ks-destination-index.h"
#include "ks-hash.h"
#include "ks-photo-info.h"

/* An index line "forget <sha256>" drops that content (a copy found damaged). */
#define FORGET_MARK "forget "
/* An index line "derived <original sha256> <sha256> <size> <path>" records a file made from
 * a stored original (a JPEG copy of a HEIC photo): not a copy of anything the source has. */
#define DERIVED_MARK "derived "

struct _KsDestinationIndex
{
  GHashTable *entries; /* hash → KsDestinationEntry */
  GHashTable *derived; /* derived key → KsDestinationEntry (its original_hash set) */
  GHashTable *infos;   /* hash → KsPhotoInfo */
};

/* A photo may have a JPEG copy and an XMP sidecar: derived files are told apart by their
 * names ("….xmp" is a sidecar), so an index line needs no new field. */
gboolean
ks_destination_entry_is_sidecar (const KsDestinationEntry *entry)
{
  gsize len = strlen (entry->relative_path);

  return len > 4 && g_ascii_strcasecmp (entry->relative_path + len - 4, ".xmp") == 0;
}

char *
ks_destination_derived_key (const char *original_hash,
                            gboolean    sidecar)
{
  return sidecar ? g_strconcat (original_hash, ":xmp", NULL) : g_strdup (original_hash);
}

static char *
entry_derived_key (const KsDestinationEntry *entry)
{
  return ks_destination_derived_key (entry->original_hash, ks_destination_entry_is_sidecar (entry));
}

KsDestinationIndex *
ks_destination_index_new (void)
{
  KsDestinationIndex *self = g_new0 (KsDestinationIndex, 1);

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify)ks_destination_entry_free);
  self->derived = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)ks_destination_entry_free);
  self->infos = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)ks_photo_info_free);
  return self;
}

void
ks_destination_index_free (KsDestinationIndex *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->derived);
  g_hash_table_unref (self->infos);
  g_free (self);
}

KsDestinationEntry *
ks_destination_entry_new (const char *hash,
                          guint64     size,
                          const char *relative_path)
{
  KsDestinationEntry *entry = g_new0 (KsDestinationEntry, 1);

  entry->hash = g_strdup (hash);
  entry->size = size;
  entry->relative_path = g_strdup (relative_path);
  return entry;
}

KsDestinationEntry *
ks_destination_entry_copy (const KsDestinationEntry *entry)
{
  KsDestinationEntry *copy = ks_destination_entry_new (entry->hash, entry->size, entry->relative_path);

  copy->original_hash = g_strdup (entry->original_hash);
  return copy;
}

void
ks_destination_entry_append_line (const KsDestinationEntry *entry,
                                  GString                  *out)
{
  if (entry->original_hash != NULL)
    g_string_append_printf (out, DERIVED_MARK "%s ", entry->original_hash);
  g_string_append_printf (out, "%s %" G_GUINT64_FORMAT " %s\n",
                          entry->hash, entry->size, entry->relative_path);
}

char *
ks_destination_index_forget_line (const char *hash)
{
  return g_strconcat (FORGET_MARK, hash, "\n", NULL);
}

static KsDestinationEntry *
parse_line (const char *line)
{
  g_autofree char *hash = NULL;
  const char *sp1, *sp2;
  char *end = NULL;
  guint64 size;

  sp1 = strchr (line, ' ');
  if (sp1 == NULL || sp1 - line != KS_HASH_HEX_LEN)
    return NULL;
  sp2 = strchr (sp1 + 1, ' ');
  if (sp2 == NULL || sp2[1] == '\0')
    return NULL;

  size = g_ascii_strtoull (sp1 + 1, &end, 10);
  if (end != sp2)
    return NULL;

  hash = g_strndup (line, KS_HASH_HEX_LEN);
  if (!ks_hash_is_valid (hash))
    return NULL;

  return ks_destination_entry_new (hash, size, sp2 + 1);
}

/* "derived <original> <hash> <size> <path>" */
static KsDestinationEntry *
parse_derived_line (const char *line)
{
  const char *original = line + strlen (DERIVED_MARK);
  g_autofree char *original_hash = NULL;
  KsDestinationEntry *entry;

  if (strlen (original) <= KS_HASH_HEX_LEN || original[KS_HASH_HEX_LEN] != ' ')
    return NULL;
  original_hash = g_strndup (original, KS_HASH_HEX_LEN);
  if (!ks_hash_is_valid (original_hash))
    return NULL;

  entry = parse_line (original + KS_HASH_HEX_LEN + 1);
  if (entry != NULL)
    entry->original_hash = g_steal_pointer (&original_hash);
  return entry;
}

/**
 * ks_destination_index_load:
 * @contents: (nullable): the index file, NUL-terminated (modified), or %NULL for none
 *
 * Replaces the table with what @contents says.
 *
 * Returns: whether the file should be rewritten compactly (it carries a damaged line or
 *   many superseded ones)
 */
gboolean
ks_destination_index_load (KsDestinationIndex *self,
                           char               *contents)
{
  guint lines = 0;
  gboolean damaged = FALSE;
  char *p = contents;

  g_hash_table_remove_all (self->entries);
  g_hash_table_remove_all (self->derived);
  g_hash_table_remove_all (self->infos);

  while (p != NULL && *p)
    {
      char *nl = strchr (p, '\n');
      KsDestinationEntry *entry;

      if (nl == NULL)
        {
          /* A torn last line from a crash: the copy it described is redone. */
          damaged = TRUE;
          break;
        }
      *nl = '\0';
      lines++;

      if (g_str_has_prefix (p, FORGET_MARK) && ks_hash_is_valid (p + strlen (FORGET_MARK)))
        g_hash_table_remove (self->entries, p + strlen (FORGET_MARK));
      else if (g_str_has_prefix (p, DERIVED_MARK) && (entry = parse_derived_line (p)) != NULL)
        ks_destination_index_take (self, entry);
      else if (ks_photo_info_is_line (p))
        {
          KsPhotoInfo *info = ks_photo_info_parse_line (p);

          if (info != NULL)
            ks_destination_index_take_info (self, info);
          else
            damaged = TRUE;
        }
      else if ((entry = parse_line (p)) != NULL)
        ks_destination_index_take (self, entry);
      else
        damaged = TRUE;

      p = nl + 1;
    }

  return damaged || lines > 2 * (g_hash_table_size (self->entries) +
                                 g_hash_table_size (self->derived) +
                                 g_hash_table_size (self->infos)) + 64;
}

/* Returns: (transfer full): the table as a compact index file */
GString *
ks_destination_index_serialize (KsDestinationIndex *self)
{
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  KsDestinationEntry *entry;
  KsPhotoInfo *info;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&entry))
    ks_destination_entry_append_line (entry, out);
  g_hash_table_iter_init (&iter, self->derived);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&entry))
    ks_destination_entry_append_line (entry, out);
  g_hash_table_iter_init (&iter, self->infos);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&info))
    ks_photo_info_append_line (info, out);

  return out;
}

const KsDestinationEntry *
ks_destination_index_lookup (KsDestinationIndex *self,
                             const char         *hash)
{
  return g_hash_table_lookup (self->entries, hash);
}

/* The file made from an original (see ks_destination_derived_key()), or %NULL. */
const KsDestinationEntry *
ks_destination_index_lookup_derived (KsDestinationIndex *self,
                                     const char         *key)
{
  return g_hash_table_lookup (self->derived, key);
}

const KsPhotoInfo *
ks_destination_index_lookup_info (KsDestinationIndex *self,
                                  const char         *hash)
{
  return g_hash_table_lookup (self->infos, hash);
}

/* Adds or replaces what is known of @info's photo; the index takes @info. */
void
ks_destination_index_take_info (KsDestinationIndex *self,
                                KsPhotoInfo        *info)
{
  g_hash_table_replace (self->infos, info->hash, info);
}

static int
compare_infos (gconstpointer a,
               gconstpointer b)
{
  return strcmp ((*(const KsPhotoInfo **) a)->hash, (*(const KsPhotoInfo **) b)->hash);
}

/* Returns: (transfer full) (element-type KsPhotoInfo): a copy, by hash */
GPtrArray *
ks_destination_index_list_infos (KsDestinationIndex *self)
{
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_photo_info_free);
  GHashTableIter iter;
  KsPhotoInfo *info;

  g_hash_table_iter_init (&iter, self->infos);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&info))
    g_ptr_array_add (infos, ks_photo_info_copy (info));
  g_ptr_array_sort (infos, compare_infos);
  return infos;
}

/* Adds or replaces the entry for @entry's hash (for a derived file: the one made from its
 * original); the index takes @entry. */
void
ks_destination_index_take (KsDestinationIndex *self,
                           KsDestinationEntry *entry)
{
  if (entry->original_hash != NULL)
    g_hash_table_replace (self->derived, entry_derived_key (entry), entry);
  else
    g_hash_table_replace (self->entries, entry->hash, entry);
}

gboolean
ks_destination_index_remove (KsDestinationIndex *self,
                             const char         *hash)
{
  return g_hash_table_remove (self->entries, hash);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const KsDestinationEntry *ea = *(const KsDestinationEntry **)a;
  const KsDestinationEntry *eb = *(const KsDestinationEntry **)b;

  return strcmp (ea->relative_path, eb->relative_path);
}

/* Returns: (transfer full) (element-type KsDestinationEntry): a copy, by relative path */
GPtrArray *
ks_destination_index_list (KsDestinationIndex *self)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_destination_entry_free);
  GHashTableIter iter;
  KsDestinationEntry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&entry))
    g_ptr_array_add (entries, ks_destination_entry_copy (entry));

  g_ptr_array_sort (entries, compare_entries);
  return entries;
}
