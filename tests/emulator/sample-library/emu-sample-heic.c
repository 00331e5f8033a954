/* emu-sample-heic.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libheif (x265) encoding, and the --fast pool that makes tens of thousands of valid,
 * distinct HEICs affordable by patching the Exif item of a few dozen encoded ones. */

#include <string.h>

#include <libheif/heif.h>

#include "emu-sample-exif.h"
#include "emu-sample-heic.h"
#include "emu-sample-video.h"

#define POOL_LONG_SIDE 480
#define POOL_VARIANTS  2

static struct heif_error
append_cb (struct heif_context *ctx,
           const void          *data,
           size_t               size,
           void                *userdata)
{
  struct heif_error ok = { heif_error_Ok, heif_suberror_Unspecified, "ok" };

  g_byte_array_append (userdata, data, size);
  return ok;
}

static void
check (struct heif_error err,
       const char       *what)
{
  if (err.code != heif_error_Ok)
    g_error ("libheif: %s: %s", what, err.message);
}

GBytes *
emu_heic_encode (const EmuRgb *rgb,
                 guint         orientation,
                 int           quality,
                 GBytes       *exif)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_encoder *encoder = NULL;
  struct heif_encoder *thumb_encoder = NULL;
  struct heif_image *image = NULL;
  struct heif_image_handle *handle = NULL;
  struct heif_encoding_options *options;
  struct heif_writer writer = { 1, append_cb };
  GByteArray *out = g_byte_array_new ();
  guint8 *plane;
  int stride;

  EMU_X265_LEAKS_BEGIN ();
  check (heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &encoder), "encoder");
  check (heif_encoder_set_lossy_quality (encoder, quality), "quality");
  /* x265's slower presets cost 3–4× the time for a few percent of size we don't want anyway. */
  check (heif_encoder_set_parameter (encoder, "preset", "ultrafast"), "preset");
  /* Small CTUs and the cheapest RD level halve x265's time again at the same byte size. */
  check (heif_encoder_set_parameter (encoder, "x265:ctu", "16"), "ctu");
  check (heif_encoder_set_parameter (encoder, "x265:rd", "1"), "rd");
  heif_encoder_set_logging_level (encoder, 0);

  /* The primary is encoded at a high quality so files weigh what an iPhone's do; the
   * embedded thumbnail is not, or it would weigh 70 KB where an iPhone's weighs 15–25 KB. */
  check (heif_context_get_encoder_for_format (ctx, heif_compression_HEVC, &thumb_encoder), "encoder");
  check (heif_encoder_set_lossy_quality (thumb_encoder, MIN (quality, 50)), "quality");
  check (heif_encoder_set_parameter (thumb_encoder, "preset", "ultrafast"), "preset");
  heif_encoder_set_logging_level (thumb_encoder, 0);

  check (heif_image_create (rgb->width, rgb->height, heif_colorspace_RGB,
                            heif_chroma_interleaved_RGB, &image), "image");
  check (heif_image_add_plane (image, heif_channel_interleaved, rgb->width, rgb->height, 8), "plane");
  plane = heif_image_get_plane (image, heif_channel_interleaved, &stride);
  for (int y = 0; y < rgb->height; y++)
    memcpy (plane + (gsize) y * stride, rgb->pixels + (gsize) y * rgb->width * 3, rgb->width * 3);

  options = heif_encoding_options_alloc ();
  options->image_orientation = (enum heif_orientation) orientation;

  check (heif_context_encode_image (ctx, image, encoder, options, &handle), "encode");
  check (heif_context_encode_thumbnail (ctx, image, handle, thumb_encoder, options, 320, NULL), "thumbnail");
  if (exif != NULL)
    check (heif_context_add_exif_metadata (ctx, handle, g_bytes_get_data (exif, NULL),
                                           g_bytes_get_size (exif)), "exif");
  check (heif_context_write (ctx, &writer, out), "write");

  heif_encoding_options_free (options);
  heif_image_handle_release (handle);
  heif_image_release (image);
  heif_encoder_release (encoder);
  heif_encoder_release (thumb_encoder);
  heif_context_free (ctx);
  EMU_X265_LEAKS_END ();

  return g_byte_array_free_to_bytes (out);
}

typedef struct
{
  GBytes *heic;
  gsize   exif_offset;
  gsize   exif_length;
} PoolEntry;

static GMutex pool_lock;
static GHashTable *pool;

static void
pool_entry_free (gpointer data)
{
  PoolEntry *entry = data;

  g_bytes_unref (entry->heic);
  g_free (entry);
}

static PoolEntry *
pool_entry_new (const EmuAsset *asset,
                gboolean        edited,
                guint           variant)
{
  /* The template shares everything with the asset that changes the Exif length (model,
   * software, orientation); dates and ids differ but have fixed widths. */
  EmuAsset templ = *asset;
  g_autofree char *label = g_strdup_printf ("%s", asset->model);
  EmuSceneSpec spec = {
    .label = label,
    .caption = "--fast: shared picture, own Exif",
    .long_side = POOL_LONG_SIDE,
    .noise = 3,
    .orientation = asset->orientation,
    .edited = edited,
    .seed = emu_mix64 (g_str_hash (asset->model) * 31 + asset->orientation * 7 + edited * 3 + variant),
  };
  g_autoptr(EmuRgb) rgb = NULL;
  g_autoptr(GBytes) exif = NULL;
  PoolEntry *entry = g_new0 (PoolEntry, 1);
  const guint8 *data, *found;
  gsize len, elen;

  templ.seed = spec.seed;
  templ.capture_usec = G_GINT64_CONSTANT (1262304000) * G_USEC_PER_SEC;
  rgb = emu_render_scene (&templ, &spec);
  exif = emu_exif_build (&templ, rgb->width, rgb->height, edited, NULL);
  entry->heic = emu_heic_encode (rgb, asset->orientation, 40, exif);

  data = g_bytes_get_data (entry->heic, &len);
  elen = g_bytes_get_size (exif);
  found = memmem (data, len, g_bytes_get_data (exif, NULL), elen);
  g_assert (found != NULL);
  entry->exif_offset = found - data;
  entry->exif_length = elen;

  return entry;
}

GBytes *
emu_heic_from_pool (const EmuAsset *asset,
                    gboolean        edited)
{
  guint variant = (asset->seed >> 17) % POOL_VARIANTS;
  g_autofree char *key = g_strdup_printf ("%s/%u/%d/%u", asset->model, asset->orientation, edited, variant);
  g_autoptr(GBytes) exif = NULL;
  PoolEntry *entry;
  guint8 *copy;
  gsize len;

  /* Encoding under the lock keeps the pool simple; it only happens a few dozen times. */
  g_mutex_lock (&pool_lock);
  if (pool == NULL)
    pool = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, pool_entry_free);
  entry = g_hash_table_lookup (pool, key);
  if (entry == NULL)
    {
      entry = pool_entry_new (asset, edited, variant);
      g_hash_table_insert (pool, g_strdup (key), entry);
    }
  g_mutex_unlock (&pool_lock);

  exif = emu_exif_build (asset, POOL_LONG_SIDE, POOL_LONG_SIDE * 3 / 4, edited, NULL);
  if (g_bytes_get_size (exif) != entry->exif_length)
    g_error ("Exif length for %s changed (%zu, expected %zu)", key, g_bytes_get_size (exif), entry->exif_length);

  copy = g_bytes_unref_to_data (g_bytes_ref (entry->heic), &len);
  memcpy (copy + entry->exif_offset, g_bytes_get_data (exif, NULL), entry->exif_length);
  return g_bytes_new_take (copy, len);
}

void
emu_heic_pool_clear (void)
{
  g_mutex_lock (&pool_lock);
  g_clear_pointer (&pool, g_hash_table_unref);
  g_mutex_unlock (&pool_lock);
}
