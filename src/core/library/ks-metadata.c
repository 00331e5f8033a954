/* ks-metadata.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Capture date, orientation and duration from the bytes of a photo or video, whole,
 * sparse (seekable stream) or streamed past (KsMetadataReader). */

/* Everything reads through a small "source" (a memory buffer, a seekable stream read
 * sparsely, or the pieces a KsMetadataReader kept), so the same parsers serve a whole
 * file in memory, just its head, an AFC stream, or a file copied once:
 *
 * - JPEG: the Exif APP1 segment at the head, parsed by libexif;
 * - HEIC: the `meta` box (ks-isobmff) locates the Exif item, wherever iloc puts it;
 *   its 4-byte offset header is skipped and the TIFF data parsed by libexif. When that
 *   fails and the whole file is in memory, libheif's own Exif block is tried;
 * - MOV/MP4: top-level boxes are skipped by size to reach `moov` (often at the end);
 *   com.apple.quicktime.creationdate (local time with offset) wins over mvhd's
 *   creation time (UTC, 1904 epoch, version 0 or 1).
 *
 * Malformed, truncated or empty input never fails loudly: it just yields no date, and
 * callers fall back to the file's mtime. All reads are bounds-checked and capped. */

#include "config.h"

#include <string.h>

#include "ks-metadata-private.h"
#include "ks-source.h"

#define MAX_TOP_BOXES   4096

static guint64
src_size (Src *src)
{
  return src->stream || src->segments ? src->size : src->len;
}

/* Returns exactly @len bytes at @offset, or NULL (past the end, I/O error). */
GBytes *
_ks_metadata_src_read (Src     *src,
                       guint64  offset,
                       gsize    len)
{
  g_autofree guint8 *buf = NULL;
  gsize n = 0;

  if (src->segments != NULL)
    {
      for (guint i = 0; i < src->segments->len; i++)
        {
          const Segment *seg = g_ptr_array_index (src->segments, i);
          gsize seg_len = g_bytes_get_size (seg->bytes);

          if (offset >= seg->offset && offset - seg->offset <= seg_len &&
              len <= seg_len - (offset - seg->offset))
            return g_bytes_new_from_bytes (seg->bytes, offset - seg->offset, len);
        }
      return NULL;
    }

  if (src->stream == NULL)
    {
      if (offset > src->len || len > src->len - offset)
        return NULL;
      return g_bytes_new_static (src->data + offset, len);
    }

  if (src->error != NULL)
    return NULL;
  if (src->size != G_MAXUINT64 && (offset > src->size || len > src->size - offset))
    return NULL;
  if (!g_seekable_seek (G_SEEKABLE (src->stream), (goffset) offset, G_SEEK_SET, src->cancellable, &src->error))
    return NULL;

  buf = g_malloc (len);
  if (!g_input_stream_read_all (src->stream, buf, len, &n, src->cancellable, &src->error) || n != len)
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&buf), len);
}

void
ks_metadata_init (KsMetadata *md)
{
  g_return_if_fail (md != NULL);

  memset (md, 0, sizeof *md);
  md->orientation = 1;
}

/* Finds the top-level box @type by reading headers only. */
gboolean
_ks_metadata_find_top_level_box (Src          *src,
                                 guint32       type,
                                 KsIsobmffBox *out)
{
  guint64 size = src_size (src);
  guint64 pos = 0;

  for (guint i = 0; i < MAX_TOP_BOXES && pos < size; i++)
    {
      g_autoptr(GBytes) header = NULL;
      KsIsobmffBox box;
      gsize hlen = (gsize) MIN ((guint64) 32, size - pos);
      const guint8 *h;

      header = _ks_metadata_src_read (src, pos, hlen);
      if (header == NULL)
        return FALSE;
      h = g_bytes_get_data (header, NULL);

      /* The box is relative to the header buffer; its parent end is the file's. */
      if (!ks_isobmff_read_box_header (h, hlen, 0, size - pos, &box))
        return FALSE;

      if (box.type == type)
        {
          *out = box;
          out->offset = pos;
          return TRUE;
        }
      pos += box.size;
    }

  return FALSE;
}

static KsAssetKind
sniff (const guint8 *head,
       gsize         len)
{
  if (len >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
    return KS_ASSET_KIND_JPEG;
  if (len >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return KS_ASSET_KIND_PNG;
  if (len >= 6 && (memcmp (head, "GIF87a", 6) == 0 || memcmp (head, "GIF89a", 6) == 0))
    return KS_ASSET_KIND_GIF;
  if (len >= 12 && memcmp (head + 4, "ftyp", 4) == 0)
    {
      static const char * const heif_brands[] = { "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif" };

      for (guint i = 0; i < G_N_ELEMENTS (heif_brands); i++)
        if (memcmp (head + 8, heif_brands[i], 4) == 0)
          return KS_ASSET_KIND_HEIC;
      return KS_ASSET_KIND_MOV;
    }
  if (len >= 8 && (memcmp (head + 4, "moov", 4) == 0 || memcmp (head + 4, "mdat", 4) == 0 ||
                   memcmp (head + 4, "wide", 4) == 0 || memcmp (head + 4, "free", 4) == 0))
    return KS_ASSET_KIND_MOV;
  return KS_ASSET_KIND_UNKNOWN;
}

void
_ks_metadata_parse_src (Src        *src,
                        KsMetadata *md)
{
  g_autoptr(GBytes) head = NULL;
  guint64 size = src_size (src);
  gsize head_len = (gsize) MIN ((guint64) HEAD_SIZE, size);
  const guint8 *h;

  if (head_len == 0)
    {
      /* Unknown size (a stream that cannot tell): read what comes. */
      if (src->stream == NULL || size != G_MAXUINT64)
        return;
      head_len = HEAD_SIZE;
    }

  if (src->stream != NULL && size == G_MAXUINT64)
    {
      g_autofree guint8 *buf = g_malloc (head_len);
      gsize n = 0;

      if (!g_input_stream_read_all (src->stream, buf, head_len, &n, src->cancellable, &src->error))
        return;
      head = g_bytes_new_take (g_steal_pointer (&buf), n);
    }
  else
    head = _ks_metadata_src_read (src, 0, head_len);

  if (head == NULL)
    return;
  h = g_bytes_get_data (head, &head_len);

  md->format = sniff (h, head_len);
  switch (md->format)
    {
    case KS_ASSET_KIND_JPEG:
      _ks_metadata_parse_exif (h, head_len, md);
      break;

    case KS_ASSET_KIND_HEIC:
      if (size != G_MAXUINT64)
        _ks_metadata_parse_heif (src, md);
      break;

    case KS_ASSET_KIND_MOV:
      if (size != G_MAXUINT64)
        _ks_metadata_parse_quicktime (src, md);
      break;

    case KS_ASSET_KIND_PNG:
    case KS_ASSET_KIND_GIF:
    case KS_ASSET_KIND_UNKNOWN:
    case KS_ASSET_KIND_DNG:
    case KS_ASSET_KIND_MP4:
    case KS_ASSET_KIND_OTHER_PHOTO:
    case KS_ASSET_KIND_OTHER_VIDEO:
    case KS_ASSET_KIND_SIDECAR:
    case KS_ASSET_KIND_OTHER:
    default:
      break;
    }
}

/**
 * ks_metadata_parse_data:
 * @data: (array length=len): a whole file, or its first bytes
 * @md: (out caller-allocates): the result
 *
 * Any bytes are safe to pass. A head of the file is often enough (JPEG Exif,
 * HEIC with Exif early); QuickTime's moov is often at the end.
 *
 * Returns: %TRUE if a capture time was found
 */
gboolean
ks_metadata_parse_data (const guint8 *data,
                        gsize         len,
                        KsMetadata   *md)
{
  Src src = { 0 };

  g_return_val_if_fail (md != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  ks_metadata_init (md);
  src.data = data;
  src.len = len;
  _ks_metadata_parse_src (&src, md);

  return md->has_capture_time;
}

gboolean
ks_metadata_parse_bytes (GBytes     *bytes,
                         KsMetadata *md)
{
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, FALSE);

  data = g_bytes_get_data (bytes, &len);
  return ks_metadata_parse_data (data, len, md);
}

/**
 * ks_metadata_read_stream:
 * @stream: a stream at its start; if it implements #GSeekable (file, AFC),
 *   only the needed ranges are read (the head, HEIC's meta and Exif item,
 *   QuickTime box headers and moov)
 * @md: (out caller-allocates): the result
 *
 * Blocking. The stream's position is left undefined.
 *
 * Returns: %FALSE only on an I/O error or cancellation; unparseable content
 *   is %TRUE with no capture time
 */
gboolean
ks_metadata_read_stream (GInputStream  *stream,
                         KsMetadata    *md,
                         GCancellable  *cancellable,
                         GError       **error)
{
  Src src = { 0 };

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (md != NULL, FALSE);

  ks_metadata_init (md);
  src.stream = stream;
  src.cancellable = cancellable;
  src.size = G_MAXUINT64;

  if (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)))
    {
      goffset start = g_seekable_tell (G_SEEKABLE (stream));

      if (g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_END, cancellable, NULL))
        {
          goffset end = g_seekable_tell (G_SEEKABLE (stream));

          if (end >= 0)
            src.size = (guint64) end;
        }
      if (!g_seekable_seek (G_SEEKABLE (stream), start, G_SEEK_SET, cancellable, error))
        return FALSE;
    }

  _ks_metadata_parse_src (&src, md);

  if (src.error != NULL)
    {
      /* Running into the end of a truncated file is content, not an I/O failure. */
      if (g_cancellable_is_cancelled (cancellable) || !g_error_matches (src.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        {
          g_propagate_error (error, src.error);
          return FALSE;
        }
      g_clear_error (&src.error);
    }

  return TRUE;
}

/**
 * ks_metadata_get_capture_time:
 *
 * Returns: the capture time, or @fallback (say, the file's mtime) if none
 */
gint64
ks_metadata_get_capture_time (const KsMetadata *md,
                              gint64            fallback)
{
  g_return_val_if_fail (md != NULL, fallback);
  return md->has_capture_time ? md->capture_time : fallback;
}

/**
 * ks_metadata_apply:
 *
 * Copies what @md knows into @asset (capture time as exact, its UTC offset,
 * orientation, duration). Call it on the thread that owns @asset.
 */
void
ks_metadata_apply (const KsMetadata *md,
                   KsAsset          *asset)
{
  g_return_if_fail (md != NULL);
  g_return_if_fail (KS_IS_ASSET (asset));

  if (md->has_capture_time)
    ks_asset_set_capture_time (asset, md->capture_time, TRUE);
  if (md->has_capture_time && md->has_utc_offset)
    ks_asset_set_utc_offset (asset, md->utc_offset);
  ks_asset_set_orientation (asset, md->orientation);
  if (md->duration > 0)
    ks_asset_set_duration (asset, md->duration);
}

static void
load_for_asset_worker (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  KsAsset *asset = task_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  KsMetadata *md = g_new0 (KsMetadata, 1);

  stream = ks_source_open_file (KS_SOURCE (source_object),
                                ks_asset_file_get_path (ks_asset_get_primary (asset)),
                                cancellable, &error);
  if (stream == NULL || !ks_metadata_read_stream (stream, md, cancellable, &error))
    {
      g_free (md);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_input_stream_close (stream, NULL, NULL);
  g_task_return_pointer (task, md, g_free);
}

/**
 * ks_metadata_load_for_asset_async:
 *
 * Reads the metadata of @asset's primary file from @source on a worker. The
 * asset is not changed; call ks_metadata_apply() in your callback.
 */
void
ks_metadata_load_for_asset_async (KsSource            *source,
                                  KsAsset             *asset,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_SOURCE (source));
  g_return_if_fail (KS_IS_ASSET (asset));

  task = g_task_new (source, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_metadata_load_for_asset_async);
  /* Only immutable parts (the primary file) are read on the worker. */
  g_task_set_task_data (task, g_object_ref (asset), g_object_unref);
  g_task_run_in_thread (task, load_for_asset_worker);
}

/**
 * ks_metadata_load_for_asset_finish:
 * @md: (out caller-allocates): the result
 *
 * Returns: %TRUE if the file could be read (it may still have no date)
 */
gboolean
ks_metadata_load_for_asset_finish (KsSource      *source,
                                   GAsyncResult  *result,
                                   KsMetadata    *md,
                                   GError       **error)
{
  g_autofree KsMetadata *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, source), FALSE);
  g_return_val_if_fail (md != NULL, FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    {
      ks_metadata_init (md);
      return FALSE;
    }

  *md = *found;
  return TRUE;
}
