/* ks-isobmff.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Parses the parts of a HEIF `meta` box the thumbnailer needs (items, locations, references,
 * a few properties). Input is untrusted: every read goes through a bounds-checked cursor. */

#include "config.h"

#include <string.h>

#include "ks-isobmff.h"

G_DEFINE_QUARK (ks-isobmff-error-quark, ks_isobmff_error)

typedef struct
{
  guint32 type;
  guint32 from;
  guint32 to;
} Reference;

struct _KsIsobmffMeta
{
  guint32     handler;
  guint32     primary_id;
  GPtrArray  *items;      /* KsIsobmffItem*, in order of appearance */
  GHashTable *items_by_id;
  GArray     *references; /* Reference */
};

/* A cursor over [pos, end) of data; any read past end sets failed and yields 0. */
typedef struct
{
  const guint8 *data;
  guint64       pos;
  guint64       end;
  gboolean      failed;
} Cursor;

static void
cursor_init (Cursor       *c,
             const guint8 *data,
             guint64       start,
             guint64       end)
{
  c->data = data;
  c->pos = start;
  c->end = end;
  c->failed = start > end;
}

static gboolean
cursor_has (Cursor  *c,
            guint64  n)
{
  if (c->failed || c->end - c->pos < n)
    {
      c->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

static guint64
cursor_read_uint (Cursor *c,
                  guint   n_bytes)
{
  guint64 v = 0;

  if (n_bytes == 0 || !cursor_has (c, n_bytes))
    return 0;
  for (guint i = 0; i < n_bytes; i++)
    v = (v << 8) | c->data[c->pos + i];
  c->pos += n_bytes;
  return v;
}

static guint8  cursor_u8  (Cursor *c) { return (guint8) cursor_read_uint (c, 1); }
static guint16 cursor_u16 (Cursor *c) { return (guint16) cursor_read_uint (c, 2); }
static guint32 cursor_u32 (Cursor *c) { return (guint32) cursor_read_uint (c, 4); }

static void
cursor_skip (Cursor  *c,
             guint64  n)
{
  if (cursor_has (c, n))
    c->pos += n;
}

/* Skips a NUL-terminated string; a missing terminator is tolerated at the end. */
static void
cursor_skip_string (Cursor *c)
{
  while (!c->failed && c->pos < c->end)
    {
      if (c->data[c->pos++] == 0)
        return;
    }
}

gboolean
ks_isobmff_read_box_header (const guint8 *data,
                            gsize         len,
                            guint64       pos,
                            guint64       end_of_parent,
                            KsIsobmffBox *box)
{
  Cursor c;
  guint64 size;
  guint32 header_size = 8;

  g_return_val_if_fail (box != NULL, FALSE);

  /* The header must be in the buffer; the body may run past it, up to the parent's end. */
  cursor_init (&c, data, pos, MIN (end_of_parent, (guint64) len));

  if (!cursor_has (&c, 8))
    return FALSE;

  size = cursor_u32 (&c);
  box->type = cursor_u32 (&c);

  if (size == 1)
    {
      if (!cursor_has (&c, 8))
        return FALSE;
      size = cursor_read_uint (&c, 8);
      header_size = 16;
    }
  else if (size == 0)
    {
      size = end_of_parent - pos;
    }

  if (box->type == KS_FOURCC ('u', 'u', 'i', 'd'))
    header_size += 16;

  if (size < header_size || size > end_of_parent - pos)
    return FALSE;

  box->offset = pos;
  box->size = size;
  box->header_size = header_size;
  return TRUE;
}

gboolean
ks_isobmff_find_child (const guint8 *data,
                       gsize         len,
                       guint64       start,
                       guint64       end,
                       guint32       type,
                       KsIsobmffBox *box)
{
  guint64 pos = start;

  if (end > len || start > end)
    return FALSE;

  while (pos < end)
    {
      KsIsobmffBox child;

      if (!ks_isobmff_read_box_header (data, len, pos, end, &child))
        return FALSE;
      if (child.type == type)
        {
          *box = child;
          return TRUE;
        }
      pos += child.size;
    }

  return FALSE;
}

static void
item_free (gpointer data)
{
  KsIsobmffItem *item = data;

  g_clear_pointer (&item->extents, g_array_unref);
  g_free (item);
}

static KsIsobmffItem *
meta_get_or_add_item (KsIsobmffMeta *self,
                      guint32        id)
{
  KsIsobmffItem *item = g_hash_table_lookup (self->items_by_id, GUINT_TO_POINTER (id));

  if (item != NULL)
    return item;

  item = g_new0 (KsIsobmffItem, 1);
  item->id = id;
  item->mirror_axis = -1;
  item->extents = g_array_new (FALSE, FALSE, sizeof (KsIsobmffExtent));
  g_ptr_array_add (self->items, item);
  g_hash_table_insert (self->items_by_id, GUINT_TO_POINTER (id), item);
  return item;
}

static gboolean
malformed (GError     **error,
           const char  *what)
{
  g_set_error (error, KS_ISOBMFF_ERROR, KS_ISOBMFF_ERROR_MALFORMED,
               "Malformed HEIF metadata: %s", what);
  return FALSE;
}

static gboolean
parse_iinf (KsIsobmffMeta *self,
            const guint8  *data,
            gsize          len,
            KsIsobmffBox  *box,
            GError       **error)
{
  Cursor c;
  guint8 version;
  guint64 pos;
  guint64 end = box->offset + box->size;

  cursor_init (&c, data, box->offset + box->header_size, end);
  version = cursor_u8 (&c);
  cursor_skip (&c, 3);
  cursor_read_uint (&c, version == 0 ? 2 : 4); /* entry_count: we trust the boxes instead */
  if (c.failed)
    return malformed (error, "iinf");

  for (pos = c.pos; pos < end;)
    {
      KsIsobmffBox infe;
      Cursor e;
      guint8 infe_version;
      guint32 id;
      KsIsobmffItem *item;

      if (!ks_isobmff_read_box_header (data, len, pos, end, &infe))
        return malformed (error, "iinf child");
      pos += infe.size;
      if (infe.type != KS_FOURCC ('i', 'n', 'f', 'e'))
        continue;

      cursor_init (&e, data, infe.offset + infe.header_size, infe.offset + infe.size);
      infe_version = cursor_u8 (&e);
      cursor_skip (&e, 3);
      id = (guint32) cursor_read_uint (&e, infe_version >= 3 ? 4 : 2);
      cursor_u16 (&e); /* item_protection_index */
      if (e.failed)
        return malformed (error, "infe");

      item = meta_get_or_add_item (self, id);
      if (infe_version >= 2)
        {
          item->type = cursor_u32 (&e);
          if (e.failed)
            return malformed (error, "infe type");
          cursor_skip_string (&e);
        }
    }

  return TRUE;
}

static gboolean
parse_iloc (KsIsobmffMeta *self,
            const guint8  *data,
            KsIsobmffBox  *box,
            guint64        idat_file_offset,
            guint64        idat_length,
            GError       **error)
{
  Cursor c;
  guint8 version;
  guint8 sizes;
  guint offset_size, length_size, base_offset_size, index_size = 0;
  guint32 item_count;

  cursor_init (&c, data, box->offset + box->header_size, box->offset + box->size);
  version = cursor_u8 (&c);
  cursor_skip (&c, 3);
  if (version > 2)
    {
      g_set_error (error, KS_ISOBMFF_ERROR, KS_ISOBMFF_ERROR_UNSUPPORTED,
                   "Unsupported iloc version %u", version);
      return FALSE;
    }

  sizes = cursor_u8 (&c);
  offset_size = sizes >> 4;
  length_size = sizes & 0xf;
  sizes = cursor_u8 (&c);
  base_offset_size = sizes >> 4;
  if (version >= 1)
    index_size = sizes & 0xf;
  item_count = (guint32) cursor_read_uint (&c, version < 2 ? 2 : 4);
  if (c.failed)
    return malformed (error, "iloc header");

#define VALID_SIZE(s) ((s) == 0 || (s) == 4 || (s) == 8)
  if (!VALID_SIZE (offset_size) || !VALID_SIZE (length_size) ||
      !VALID_SIZE (base_offset_size) || !VALID_SIZE (index_size))
    return malformed (error, "iloc field size");
#undef VALID_SIZE

  for (guint32 i = 0; i < item_count; i++)
    {
      guint32 id;
      guint8 method = 0;
      guint64 base_offset;
      guint16 extent_count;
      KsIsobmffItem *item;

      id = (guint32) cursor_read_uint (&c, version < 2 ? 2 : 4);
      if (version >= 1)
        method = cursor_u16 (&c) & 0xf;
      cursor_u16 (&c); /* data_reference_index: only "this file" is supported */
      base_offset = cursor_read_uint (&c, base_offset_size);
      extent_count = cursor_u16 (&c);
      if (c.failed)
        return malformed (error, "iloc item");

      item = meta_get_or_add_item (self, id);
      /* An item located twice keeps its first location, as a reader would. */
      if (item->extents->len > 0)
        item = NULL;
      else if (item != NULL)
        item->construction_method = method;

      for (guint j = 0; j < extent_count; j++)
        {
          KsIsobmffExtent extent;
          guint64 off, length;

          cursor_read_uint (&c, index_size);
          off = cursor_read_uint (&c, offset_size);
          length = cursor_read_uint (&c, length_size);
          if (c.failed)
            return malformed (error, "iloc extent");
          if (item == NULL)
            continue;

          if (off > G_MAXUINT64 - base_offset)
            return malformed (error, "iloc offset overflow");
          off += base_offset;

          if (method == 1)
            {
              if (off > idat_length || length > idat_length - off)
                return malformed (error, "idat extent out of range");
              off += idat_file_offset;
            }
          else if (method != 0)
            {
              continue; /* item-offset construction: left without extents (unsupported) */
            }

          extent.offset = off;
          extent.length = length;
          g_array_append_val (item->extents, extent);
        }
    }

  return TRUE;
}

static gboolean
parse_iref (KsIsobmffMeta *self,
            const guint8  *data,
            gsize          len,
            KsIsobmffBox  *box,
            GError       **error)
{
  Cursor c;
  guint8 version;
  guint id_size;
  guint64 pos;
  guint64 end = box->offset + box->size;

  cursor_init (&c, data, box->offset + box->header_size, end);
  version = cursor_u8 (&c);
  cursor_skip (&c, 3);
  if (c.failed)
    return malformed (error, "iref");
  id_size = version == 0 ? 2 : 4;

  for (pos = c.pos; pos < end;)
    {
      KsIsobmffBox ref;
      Cursor r;
      guint32 from;
      guint16 count;

      if (!ks_isobmff_read_box_header (data, len, pos, end, &ref))
        return malformed (error, "iref child");
      pos += ref.size;

      cursor_init (&r, data, ref.offset + ref.header_size, ref.offset + ref.size);
      from = (guint32) cursor_read_uint (&r, id_size);
      count = cursor_u16 (&r);
      for (guint i = 0; i < count && !r.failed; i++)
        {
          Reference reference;

          reference.type = ref.type;
          reference.from = from;
          reference.to = (guint32) cursor_read_uint (&r, id_size);
          if (!r.failed)
            g_array_append_val (self->references, reference);
        }
      if (r.failed)
        return malformed (error, "iref entry");
    }

  return TRUE;
}

static void
apply_property (KsIsobmffItem *item,
                const guint8  *data,
                KsIsobmffBox  *prop)
{
  Cursor c;

  cursor_init (&c, data, prop->offset + prop->header_size, prop->offset + prop->size);

  switch (prop->type)
    {
    case KS_FOURCC ('h', 'v', 'c', 'C'):
      item->has_hvcc = TRUE;
      break;

    case KS_FOURCC ('i', 's', 'p', 'e'):
      cursor_skip (&c, 4);
      item->width = cursor_u32 (&c);
      item->height = cursor_u32 (&c);
      if (c.failed)
        item->width = item->height = 0;
      break;

    case KS_FOURCC ('i', 'r', 'o', 't'):
      item->rotation = cursor_u8 (&c) & 0x3;
      break;

    case KS_FOURCC ('i', 'm', 'i', 'r'):
      if (cursor_has (&c, 1))
        item->mirror_axis = cursor_u8 (&c) & 0x1;
      break;

    default:
      break;
    }
}

static gboolean
parse_iprp (KsIsobmffMeta *self,
            const guint8  *data,
            gsize          len,
            KsIsobmffBox  *box,
            GError       **error)
{
  KsIsobmffBox ipco, ipma;
  g_autoptr(GArray) props = g_array_new (FALSE, FALSE, sizeof (KsIsobmffBox));
  guint64 pos;
  guint64 end = box->offset + box->size;
  Cursor c;
  guint8 version;
  guint32 flags, entry_count;

  if (!ks_isobmff_find_child (data, len, box->offset + box->header_size, end,
                              KS_FOURCC ('i', 'p', 'c', 'o'), &ipco))
    return TRUE;

  for (pos = ipco.offset + ipco.header_size; pos < ipco.offset + ipco.size;)
    {
      KsIsobmffBox prop;

      if (!ks_isobmff_read_box_header (data, len, pos, ipco.offset + ipco.size, &prop))
        return malformed (error, "ipco child");
      g_array_append_val (props, prop);
      pos += prop.size;
    }

  if (!ks_isobmff_find_child (data, len, box->offset + box->header_size, end,
                              KS_FOURCC ('i', 'p', 'm', 'a'), &ipma))
    return TRUE;

  cursor_init (&c, data, ipma.offset + ipma.header_size, ipma.offset + ipma.size);
  version = cursor_u8 (&c);
  flags = (guint32) cursor_read_uint (&c, 3);
  entry_count = cursor_u32 (&c);
  if (c.failed)
    return malformed (error, "ipma");

  for (guint32 i = 0; i < entry_count; i++)
    {
      guint32 id = (guint32) cursor_read_uint (&c, version < 1 ? 2 : 4);
      guint8 n = cursor_u8 (&c);
      KsIsobmffItem *item;

      if (c.failed)
        return malformed (error, "ipma entry");
      item = g_hash_table_lookup (self->items_by_id, GUINT_TO_POINTER (id));

      for (guint j = 0; j < n; j++)
        {
          guint index;

          if (flags & 1)
            index = cursor_u16 (&c) & 0x7fff;
          else
            index = cursor_u8 (&c) & 0x7f;
          if (c.failed)
            return malformed (error, "ipma association");
          /* Index 0 means "no property"; indices past the list are ignored, not fatal. */
          if (item != NULL && index > 0 && index <= props->len)
            apply_property (item, data, &g_array_index (props, KsIsobmffBox, index - 1));
        }
    }

  return TRUE;
}

/**
 * ks_isobmff_meta_parse:
 * @meta: the whole `meta` box, header included
 * @meta_len: its length in bytes
 * @meta_file_offset: where the box starts in the file, to resolve `idat` extents
 *
 * Returns: (transfer full): the parsed metadata, or %NULL with @error set
 */
KsIsobmffMeta *
ks_isobmff_meta_parse (const guint8  *meta,
                       gsize          meta_len,
                       guint64        meta_file_offset,
                       GError       **error)
{
  g_autoptr(KsIsobmffMeta) self = NULL;
  KsIsobmffBox box, child;
  KsIsobmffBox hdlr = {0}, pitm = {0}, iinf = {0}, iloc = {0}, iref = {0}, iprp = {0}, idat = {0};
  guint64 pos, end;
  guint64 idat_file_offset = 0, idat_length = 0;

  g_return_val_if_fail (meta != NULL || meta_len == 0, NULL);

  if (!ks_isobmff_read_box_header (meta, meta_len, 0, meta_len, &box) ||
      box.type != KS_FOURCC ('m', 'e', 't', 'a'))
    {
      malformed (error, "no meta box");
      return NULL;
    }

  self = g_new0 (KsIsobmffMeta, 1);
  self->items = g_ptr_array_new_with_free_func (item_free);
  self->items_by_id = g_hash_table_new (NULL, NULL);
  self->references = g_array_new (FALSE, FALSE, sizeof (Reference));

  /* meta is a FullBox: 4 bytes of version and flags before the children. */
  end = box.size;
  for (pos = box.header_size + 4; pos < end; pos += child.size)
    {
      KsIsobmffBox *slot = NULL;

      if (!ks_isobmff_read_box_header (meta, meta_len, pos, end, &child))
        {
          malformed (error, "meta child");
          return NULL;
        }

      switch (child.type)
        {
        case KS_FOURCC ('h', 'd', 'l', 'r'): slot = &hdlr; break;
        case KS_FOURCC ('p', 'i', 't', 'm'): slot = &pitm; break;
        case KS_FOURCC ('i', 'i', 'n', 'f'): slot = &iinf; break;
        case KS_FOURCC ('i', 'l', 'o', 'c'): slot = &iloc; break;
        case KS_FOURCC ('i', 'r', 'e', 'f'): slot = &iref; break;
        case KS_FOURCC ('i', 'p', 'r', 'p'): slot = &iprp; break;
        case KS_FOURCC ('i', 'd', 'a', 't'): slot = &idat; break;
        default: break;
        }
      if (slot != NULL && slot->type == 0)
        *slot = child;
    }

  if (hdlr.type != 0)
    {
      Cursor c;

      cursor_init (&c, meta, hdlr.offset + hdlr.header_size, hdlr.offset + hdlr.size);
      cursor_skip (&c, 8); /* version, flags, pre_defined */
      self->handler = cursor_u32 (&c);
    }

  if (pitm.type != 0)
    {
      Cursor c;
      guint8 version;

      cursor_init (&c, meta, pitm.offset + pitm.header_size, pitm.offset + pitm.size);
      version = cursor_u8 (&c);
      cursor_skip (&c, 3);
      self->primary_id = (guint32) cursor_read_uint (&c, version == 0 ? 2 : 4);
      if (c.failed)
        {
          malformed (error, "pitm");
          return NULL;
        }
    }

  if (idat.type != 0)
    {
      idat_file_offset = meta_file_offset + idat.offset + idat.header_size;
      idat_length = idat.size - idat.header_size;
    }

  if ((iinf.type != 0 && !parse_iinf (self, meta, meta_len, &iinf, error)) ||
      (iloc.type != 0 && !parse_iloc (self, meta, &iloc, idat_file_offset, idat_length, error)) ||
      (iref.type != 0 && !parse_iref (self, meta, meta_len, &iref, error)) ||
      (iprp.type != 0 && !parse_iprp (self, meta, meta_len, &iprp, error)))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_isobmff_meta_free (KsIsobmffMeta *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->items_by_id, g_hash_table_unref);
  g_clear_pointer (&self->references, g_array_unref);
  g_free (self);
}

guint32
ks_isobmff_meta_get_handler (const KsIsobmffMeta *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->handler;
}

guint32
ks_isobmff_meta_get_primary_id (const KsIsobmffMeta *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->primary_id;
}

const KsIsobmffItem *
ks_isobmff_meta_get_item (const KsIsobmffMeta *self,
                          guint32              item_id)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_hash_table_lookup (self->items_by_id, GUINT_TO_POINTER (item_id));
}

guint
ks_isobmff_meta_get_n_items (const KsIsobmffMeta *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->items->len;
}

const KsIsobmffItem *
ks_isobmff_meta_get_nth_item (const KsIsobmffMeta *self,
                              guint                n)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n < self->items->len, NULL);
  return g_ptr_array_index (self->items, n);
}

/* Returns the first item that refers to @to_item_id with a reference of @ref_type (e.g. a
 * `thmb` from a thumbnail to its master, a `cdsc` from Exif to the image it describes),
 * restricted to items of @from_item_type unless that is 0; 0 when there is none. */
guint32
ks_isobmff_meta_find_reference_to (const KsIsobmffMeta *self,
                                   guint32              ref_type,
                                   guint32              to_item_id,
                                   guint32              from_item_type)
{
  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->references->len; i++)
    {
      const Reference *ref = &g_array_index (self->references, Reference, i);
      const KsIsobmffItem *from;

      if (ref->type != ref_type || ref->to != to_item_id)
        continue;
      from = ks_isobmff_meta_get_item (self, ref->from);
      if (from == NULL)
        continue;
      if (from_item_type == 0 || from->type == from_item_type)
        return ref->from;
    }

  return 0;
}

guint64
ks_isobmff_item_get_total_length (const KsIsobmffItem *item)
{
  guint64 total = 0;

  g_return_val_if_fail (item != NULL, 0);

  for (guint i = 0; i < item->extents->len; i++)
    {
      guint64 length = g_array_index (item->extents, KsIsobmffExtent, i).length;

      if (length > G_MAXUINT64 - total)
        return G_MAXUINT64;
      total += length;
    }

  return total;
}
