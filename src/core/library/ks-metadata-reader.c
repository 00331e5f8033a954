/* ks-metadata-reader.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsMetadataReader: what a sparse Src needs, collected from a sequential stream (a file
 * streamed past once, as an import copies it). */

#include "config.h"

#include "ks-metadata-private.h"

#define HEADER_PEEK 32

typedef struct
{
  guint64     start;
  guint64     end;
  GByteArray *buf;     /* bytes [start, start + buf->len) */
  guint       is_meta : 1;
  guint       failed : 1;
} Capture;

struct _KsMetadataReader
{
  guint64     offset;     /* bytes fed so far */
  GByteArray *head;
  guint64     next_box;   /* next top-level box header, or G_MAXUINT64 when lost */
  GByteArray *header;     /* bytes of that header seen so far */
  GPtrArray  *segments;   /* Segment */
  GArray     *captures;   /* Capture */
};

static void
segment_free (gpointer data)
{
  Segment *seg = data;

  g_bytes_unref (seg->bytes);
  g_free (seg);
}

static void
add_segment (KsMetadataReader *self,
             guint64           offset,
             const guint8     *data,
             gsize             len)
{
  Segment *seg = g_new0 (Segment, 1);

  seg->offset = offset;
  seg->bytes = g_bytes_new (data, len);
  g_ptr_array_add (self->segments, seg);
}

static void
capture_clear (gpointer data)
{
  Capture *capture = data;

  g_clear_pointer (&capture->buf, g_byte_array_unref);
}

KsMetadataReader *
ks_metadata_reader_new (void)
{
  KsMetadataReader *self = g_new0 (KsMetadataReader, 1);

  self->head = g_byte_array_new ();
  self->header = g_byte_array_new ();
  self->segments = g_ptr_array_new_with_free_func (segment_free);
  self->captures = g_array_new (FALSE, TRUE, sizeof (Capture));
  g_array_set_clear_func (self->captures, capture_clear);
  return self;
}

void
ks_metadata_reader_free (KsMetadataReader *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->head);
  g_byte_array_unref (self->header);
  g_ptr_array_unref (self->segments);
  g_array_unref (self->captures);
  g_free (self);
}

/* @known: the first bytes of the range, when we hold them already (a box header
 * that may have started in an earlier chunk). */
static void
want_range (KsMetadataReader *self,
            guint64           start,
            guint64           length,
            gboolean          is_meta,
            const guint8     *known,
            gsize             known_len)
{
  Capture capture = { 0 };

  if (length == 0 || start + length < start)
    return;
  capture.start = start;
  capture.end = start + length;
  capture.buf = g_byte_array_new ();
  capture.is_meta = !!is_meta;
  if (known != NULL)
    g_byte_array_append (capture.buf, known, (guint) MIN ((guint64) known_len, length));
  g_array_append_val (self->captures, capture);
}

/* A top-level header is complete: remember it, and want moov (QuickTime) or meta
 * (HEIF) whole. */
static void
header_complete (KsMetadataReader *self)
{
  KsIsobmffBox box;
  guint64 at = self->next_box;

  add_segment (self, at, self->header->data, self->header->len);

  if (!ks_isobmff_read_box_header (self->header->data, self->header->len, 0, G_MAXUINT64 - at, &box) ||
      box.size == G_MAXUINT64 - at /* size 0: runs to the end, which we do not know yet */)
    {
      self->next_box = G_MAXUINT64;
      return;
    }

  if ((box.type == KS_FOURCC ('m', 'o', 'o', 'v') && box.size <= MAX_MOOV_SIZE) ||
      (box.type == KS_FOURCC ('m', 'e', 't', 'a') && box.size <= MAX_META_SIZE))
    want_range (self, at, box.size, box.type == KS_FOURCC ('m', 'e', 't', 'a'),
                self->header->data, self->header->len);

  self->next_box = at + box.size;

  /* A box smaller than our peek: the next header has begun in this one's. */
  if (box.size < self->header->len)
    g_byte_array_remove_range (self->header, 0, (guint) box.size);
  else
    g_byte_array_set_size (self->header, 0);
}

/* HEIF: once meta is whole, the Exif item's extents are what we still need. */
static void
meta_complete (KsMetadataReader *self,
               const Capture    *capture)
{
  g_autoptr(KsIsobmffMeta) meta = NULL;

  meta = ks_isobmff_meta_parse (capture->buf->data, capture->buf->len, capture->start, NULL);
  if (meta == NULL)
    return;

  for (guint i = 0; i < ks_isobmff_meta_get_n_items (meta); i++)
    {
      const KsIsobmffItem *item = ks_isobmff_meta_get_nth_item (meta, i);

      if (item->type != KS_FOURCC ('E', 'x', 'i', 'f') || item->extents == NULL ||
          ks_isobmff_item_get_total_length (item) > MAX_EXIF_SIZE)
        continue;

      for (guint e = 0; e < item->extents->len; e++)
        {
          const KsIsobmffExtent *extent = &g_array_index (item->extents, KsIsobmffExtent, e);

          want_range (self, extent->offset, extent->length, FALSE, NULL, 0);
        }
    }
}

/**
 * ks_metadata_reader_feed:
 * @data: (array length=len): the next bytes of the file
 */
void
ks_metadata_reader_feed (KsMetadataReader *self,
                         const guint8     *data,
                         gsize             len)
{
  guint64 base;
  guint64 end;

  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  base = self->offset;
  end = base + len;

  if (self->head->len < HEAD_SIZE)
    g_byte_array_append (self->head, data, (guint) MIN ((gsize) (HEAD_SIZE - self->head->len), len));

  /* Walk the top-level box headers that start (or continue) in this chunk. */
  while (self->next_box != G_MAXUINT64)
    {
      guint64 from = self->next_box + self->header->len;
      gsize take;

      if (from < base || from >= end)
        {
          if (from < base)
            self->next_box = G_MAXUINT64;
          break;
        }
      take = (gsize) MIN ((guint64) (HEADER_PEEK - self->header->len), end - from);
      g_byte_array_append (self->header, data + (from - base), (guint) take);
      if (self->header->len < HEADER_PEEK)
        break;
      header_complete (self);
    }

  /* Copy what wanted ranges need from this chunk; completing meta may want more. */
  for (guint i = 0; i < self->captures->len; i++)
    {
      Capture *capture = &g_array_index (self->captures, Capture, i);
      guint64 from = capture->start + capture->buf->len;
      guint64 to;

      if (capture->failed || from >= capture->end)
        continue;
      if (from < base)
        {
          /* Passed before we knew we wanted it: only the head may still have it. */
          if (capture->end <= self->head->len)
            {
              g_byte_array_append (capture->buf, self->head->data + capture->start,
                                   (guint) (capture->end - capture->start));
              from = capture->end;
            }
          else
            {
              capture->failed = TRUE;
              continue;
            }
        }
      else if (from < end)
        {
          to = MIN (capture->end, end);
          g_byte_array_append (capture->buf, data + (from - base), (guint) (to - from));
        }

      if (capture->start + capture->buf->len == capture->end && capture->is_meta)
        {
          Capture done = *capture;

          /* meta_complete may grow the array (and move @capture). */
          capture->is_meta = FALSE;
          meta_complete (self, &done);
        }
    }

  self->offset = end;
}

/**
 * ks_metadata_reader_finish:
 * @md: (out caller-allocates): the result
 *
 * Call once, after the last byte was fed.
 *
 * Returns: %TRUE if a capture time was found
 */
gboolean
ks_metadata_reader_finish (KsMetadataReader *self,
                           KsMetadata       *md)
{
  Src src = { 0 };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (md != NULL, FALSE);

  ks_metadata_init (md);

  add_segment (self, 0, self->head->data, self->head->len);
  if (self->next_box != G_MAXUINT64 && self->header->len > 0)
    add_segment (self, self->next_box, self->header->data, self->header->len);
  for (guint i = 0; i < self->captures->len; i++)
    {
      const Capture *capture = &g_array_index (self->captures, Capture, i);

      if (!capture->failed && capture->start + capture->buf->len == capture->end)
        add_segment (self, capture->start, capture->buf->data, capture->buf->len);
    }

  src.segments = self->segments;
  src.size = self->offset;
  _ks_metadata_parse_src (&src, md);

  return md->has_capture_time;
}
