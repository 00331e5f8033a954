/* test-thumb-device.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The thumbnailer over the wire: a realistic sample library served by the emulated iPhone,
 * read through KsDeviceSource (AFC via libimobiledevice). The emulator's own byte counters
 * say how much of each HEIC and each video poster crossed the link, and that the cache keeps
 * a second pass off it. Camera videos (HEVC, H.264, HEVC shot upright) are decoded by
 * GStreamer; their pictures carry a solid band at the bottom, which the posters must show. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "ks-device-source.h"
#include "ks-gst-poster.h"
#include "ks-heif-thumbnail.h"
#include "ks-isobmff.h"
#include "ks-thumbnailer.h"
#include "ks-test-emulator.h"
#include "test-engine-util.h"
#include "test-thumb-util.h"

typedef struct
{
  char           *tmp;
  char           *media;
  char           *udid;
  KsTestEmulator *emu;
  GPtrArray      *files;
} Fixture;


static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsDeviceSource) source = NULL;
  g_autofree char *reply = NULL;

  f->tmp = g_dir_make_tmp ("ks-test-thumb-device-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->tmp, "media", NULL);
  /* Realistic mode: 1–3 MB HEICs with 320-px thumbnails, JPEG, PNG, MOV, MP4; this seed has
   * one camera video of each kind (HEVC, H.264, HEVC upright) besides a Live movie. */
  g_assert_true (ks_test_make_sample_library (f->media, 12, 69, FALSE, &error));
  g_assert_no_error (error);

  f->emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Thumb Test", NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok "));
  f->udid = g_strdup (reply + 3);

  f->files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  source = ks_device_source_new (f->udid, NULL);
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), ks_test_collect_cb, f->files, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->files->len, >=, 10);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *argv[] = { "rm", "-rf", f->tmp, NULL };

  g_clear_pointer (&f->emu, ks_test_emulator_free);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_ptr_array_unref (f->files);
  g_free (f->udid);
  g_free (f->media);
  g_free (f->tmp);
}

static gboolean
has_suffix (const char *path,
            const char *suffix)
{
  g_autofree char *down = g_ascii_strdown (path, -1);

  return g_str_has_suffix (down, suffix);
}

/* Bytes a sparse thumbnail read needs: the head read (or up to the end of meta), the
 * thumbnail's and the Exif item's extents. */
static gint64
needed_bytes (GBytes *whole)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (whole, &len);
  g_autoptr(KsIsobmffMeta) meta = NULL;
  KsIsobmffBox box;
  guint32 primary, thumb, exif;
  gint64 needed;

  g_assert_true (ks_isobmff_find_child (data, len, 0, len, KS_FOURCC ('m','e','t','a'), &box));
  meta = ks_isobmff_meta_parse (data + box.offset, box.size, box.offset, NULL);
  g_assert_nonnull (meta);
  needed = MAX (KS_HEIF_HEAD_SIZE, box.offset + box.size);
  primary = ks_isobmff_meta_get_primary_id (meta);
  thumb = ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('t','h','m','b'), primary, 0);
  exif = ks_isobmff_meta_find_reference_to (meta, KS_FOURCC ('c','d','s','c'), primary,
                                            KS_FOURCC ('E','x','i','f'));
  g_assert_cmpuint (thumb, !=, 0);
  needed += ks_isobmff_item_get_total_length (ks_isobmff_meta_get_item (meta, thumb));
  if (exif != 0)
    needed += ks_isobmff_item_get_total_length (ks_isobmff_meta_get_item (meta, exif));
  return needed;
}

/* Each HEIC's thumbnail, fetched over AFC, equals libheif's decode of the whole local file,
 * and the emulator served at most 3 % of the file for it. */
static void
test_sparse_heic_over_afc (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  guint n_heic = 0;
  guint64 sum_read = 0, sum_size = 0;

  for (guint i = 0; i < f->files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (f->files, i);
      g_autofree char *local = g_build_filename (f->media, "DCIM", file->path, NULL);
      g_autoptr(GInputStream) afc = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GdkPixbuf) got = NULL;
      g_autoptr(GdkPixbuf) expected = NULL;
      gboolean read_ahead;
      gint64 requested;
      gint64 needed;
      g_autoptr(GBytes) whole = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GFile) gfile = NULL;
      guint64 served;

      if (!has_suffix (file->path, ".heic"))
        continue;

      gfile = g_file_new_for_path (local);
      whole = g_file_load_bytes (gfile, NULL, NULL, &error);
      g_assert_no_error (error);

      g_assert_true (ks_test_emulator_reset_stats (f->emu));
      afc = ks_source_open_file (KS_SOURCE (source), file->path, NULL, &error);
      g_assert_no_error (error);
      /* The thumbnailer turns read-ahead off on the stream it is given; here that is our
       * counting wrapper, so do it on the AFC stream underneath. */
      read_ahead = ks_thumbnailer_disable_read_ahead (afc);
      requested = 0;
      stream = test_counting_stream_new (afc, &requested, NULL);
      got = ks_thumbnailer_load_stream (stream, file->path, file->size, 0, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_input_stream_close (stream, NULL, NULL));
      served = ks_test_emulator_served (f->emu, (guint64) requested);

      expected = test_reference_heif_thumbnail (whole);
      test_assert_pixbufs_equal (expected, got);

      g_test_message ("%s: requested %" G_GINT64_FORMAT ", emulator served %" G_GUINT64_FORMAT
                      " of %" G_GUINT64_FORMAT " bytes (%.2f %% / %.2f %%)", file->path, requested,
                      served, file->size, 100.0 * requested / file->size,
                      100.0 * served / file->size);
      /* The thumbnailer asks for the head, meta, the thumbnail and the Exif block, and not
       * more than one coalescing gap besides. What crosses the link is exactly that: the AFC
       * stream's read-ahead is off, so each request is one AFC read of its own size. */
      needed = needed_bytes (whole);
      g_assert_true (read_ahead);
      g_assert_cmpint (requested, >=, needed - KS_HEIF_HEAD_SIZE);
      g_assert_cmpint (requested, <=, needed + 4096);
      g_assert_cmpuint (served, >=, requested);
      g_assert_cmpuint (served, <=, requested + 16);
      /* With iPhone-like (~20 KB) thumbnails that is at most 3 % of each file. */
      g_assert_cmpuint (served * 100, <=, file->size * 3);
      sum_read += requested;
      sum_size += file->size;
      n_heic++;
    }

  g_assert_cmpuint (n_heic, >=, 3);
  g_test_message ("HEIC total requested: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes (%.2f %%)",
                  sum_read, sum_size, 100.0 * sum_read / sum_size);
}

typedef struct
{
  guint       pending;
  GHashTable *results; /* path → GdkPixbuf or NULL */
  guint       n_no_poster;
} Batch;

typedef struct
{
  Batch *batch;
  char  *path;
} Pending;

static void
batch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Pending *p = user_data;
  g_autoptr(GError) error = NULL;
  gint64 duration = -1;
  GdkPixbuf *pixbuf;

  pixbuf = ks_thumbnailer_load_finish (KS_THUMBNAILER (object), result, &duration, &error);
  if (has_suffix (p->path, ".mov") || has_suffix (p->path, ".mp4"))
    {
      /* Every movie has a duration, and with GStreamer's decoders a poster (Motion-JPEG,
       * HEVC and H.264 alike). */
      g_assert_cmpint (duration, >, 0);
      if (pixbuf == NULL)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
          p->batch->n_no_poster++;
        }
    }
  else
    {
      g_assert_no_error (error);
      g_assert_nonnull (pixbuf);
    }

  if (pixbuf != NULL)
    g_assert_cmpint (MAX (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf)), <=,
                     KS_THUMBNAILER_DEFAULT_SIZE);

  g_hash_table_insert (p->batch->results, p->path, pixbuf);
  p->batch->pending--;
  g_free (p);
}

static void
clear_object (gpointer data)
{
  if (data != NULL)
    g_object_unref (data);
}

static GHashTable *
thumbnail_all (Fixture       *f,
               KsThumbnailer *thumbnailer,
               KsSource      *source,
               guint         *n_no_poster)
{
  Batch batch = { 0 };

  batch.results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, clear_object);
  for (guint i = 0; i < f->files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (f->files, i);
      Pending *p;

      if (has_suffix (file->path, ".aae"))
        continue;
      p = g_new0 (Pending, 1);
      p->batch = &batch;
      p->path = g_strdup (file->path);
      batch.pending++;
      ks_thumbnailer_load_async (thumbnailer, source, file->path, file->size, file->mtime,
                                 KS_THUMBNAILER_DEFAULT_SIZE, NULL, batch_cb, p);
    }

  while (batch.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  *n_no_poster = batch.n_no_poster;
  return batch.results;
}

/* Every photo gets a thumbnail through the pool; a second pass is served by the disk cache
 * with not one byte from the device, and gives the same pixels. */
static void
test_thumbnailer_and_cache (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autofree char *cache_dir = g_build_filename (f->tmp, "cache", NULL);
  g_autoptr(KsThumbnailCache) cache = ks_thumbnail_cache_new (cache_dir);
  g_autoptr(KsThumbnailer) thumbnailer = ks_thumbnailer_new (cache, 3);
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint no_poster_first = 0, no_poster_second = 0;
  guint n_pixbufs = 0;

  g_assert_true (ks_test_emulator_reset_stats (f->emu));
  first = thumbnail_all (f, thumbnailer, KS_SOURCE (source), &no_poster_first);
  g_assert_cmpuint (ks_test_emulator_served (f->emu, 0), >, 0);

  /* The AFC stream stops reading ahead for the thumbnailer, so the pool's HEIC reads are
   * sparse on the wire too: well under a tenth of the files (a whole-file reader: all). */
  {
    g_autoptr(GInputStream) probe = NULL;
    KsSourceFile *file0 = g_ptr_array_index (f->files, 0);
    g_autofree char *stats = ks_test_emulator_control (f->emu, "stats", NULL);
    guint64 heic_size = 0, heic_served = 0;

    probe = ks_source_open_file (KS_SOURCE (source), file0->path, NULL, NULL);
    g_assert_nonnull (probe);
    g_assert_nonnull (g_object_class_find_property (G_OBJECT_GET_CLASS (probe), "read-ahead"));

    for (guint i = 0; i < f->files->len; i++)
      {
        KsSourceFile *file = g_ptr_array_index (f->files, i);
        g_autofree char *needle = g_strdup_printf ("\"/DCIM/%s\":", file->path);
        const char *at;

        if (!has_suffix (file->path, ".heic"))
          continue;
        heic_size += file->size;
        at = strstr (stats, needle);
        if (at != NULL)
          heic_served += g_ascii_strtoull (at + strlen (needle), NULL, 10);
      }
    g_test_message ("HEIC bytes served through the pool: %" G_GUINT64_FORMAT " of %"
                    G_GUINT64_FORMAT, heic_served, heic_size);
    g_assert_cmpuint (heic_served * 10, <, heic_size);
    g_input_stream_close (probe, NULL, NULL);
  }

  /* Every file has its thumbnail, every video its poster. */
  g_assert_cmpuint (no_poster_first, ==, 0);

  g_assert_true (ks_test_emulator_reset_stats (f->emu));
  second = thumbnail_all (f, thumbnailer, KS_SOURCE (source), &no_poster_second);

  /* Everything, movies without a poster included, comes from the cache: not one byte from
   * the device, and no file in the emulator's per-file counters. */
  g_assert_cmpuint (ks_test_emulator_served (f->emu, 0), ==, 0);
  g_assert_cmpuint (no_poster_second, ==, no_poster_first);
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *stats = ks_test_emulator_control (f->emu, "stats", &error);

    g_assert_no_error (error);
    g_test_message ("second pass: %s", stats);
    for (guint i = 0; i < f->files->len; i++)
      {
        KsSourceFile *file = g_ptr_array_index (f->files, i);
        g_autofree char *base = g_path_get_basename (file->path);

        g_assert_null (strstr (stats, base));
      }
  }

  g_hash_table_iter_init (&iter, first);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GdkPixbuf *again = g_hash_table_lookup (second, key);

      g_assert_true ((value == NULL) == (again == NULL));
      if (value != NULL)
        {
          test_assert_pixbufs_equal (value, again);
          n_pixbufs++;
        }
    }
  g_assert_cmpuint (n_pixbufs, >=, 10);
}

/* ---- camera videos: HEVC and H.264 posters through GStreamer ---- */

/* The sample library's band at the bottom of every camera video's upright picture. */
static const guint8 video_marker[3] = { 0xE0, 0x20, 0xC0 };

typedef struct
{
  guint32 entry;            /* stsd's first sample entry: hvc1, avc1, jpeg … */
  gboolean upright_turn;    /* tkhd turns the stored frame a quarter clockwise */
  guint64 moov_size;
  guint64 largest_key;      /* the largest key (stss) sample */
  guint32 n_samples;
} MovieFacts;

static guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static gboolean
child (const guint8 *data, gsize len, KsIsobmffBox *parent, guint32 type, KsIsobmffBox *out)
{
  return ks_isobmff_find_child (data, len, parent->offset + parent->header_size,
                                parent->offset + parent->size, type, out);
}

static void
movie_facts (GBytes     *whole,
             MovieFacts *facts)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (whole, &len);
  KsIsobmffBox moov, trak, tkhd, mdia, minf, stbl, stsd, stsz, stss;
  const guint8 *p;

  memset (facts, 0, sizeof *facts);
  g_assert_true (ks_isobmff_find_child (data, len, 0, len, KS_FOURCC ('m','o','o','v'), &moov));
  g_assert_cmpuint (moov.offset + moov.size, ==, len);   /* moov last, as an iPhone writes it */
  facts->moov_size = moov.size;
  g_assert_true (child (data, len, &moov, KS_FOURCC ('t','r','a','k'), &trak));
  g_assert_true (child (data, len, &trak, KS_FOURCC ('t','k','h','d'), &tkhd));
  p = data + tkhd.offset + tkhd.header_size;
  facts->upright_turn = rd32 (p + 40) == 0 && rd32 (p + 44) == 0x10000 &&
                        rd32 (p + 52) == 0xFFFF0000 && rd32 (p + 56) == 0;
  g_assert_true (child (data, len, &trak, KS_FOURCC ('m','d','i','a'), &mdia));
  g_assert_true (child (data, len, &mdia, KS_FOURCC ('m','i','n','f'), &minf));
  g_assert_true (child (data, len, &minf, KS_FOURCC ('s','t','b','l'), &stbl));
  g_assert_true (child (data, len, &stbl, KS_FOURCC ('s','t','s','d'), &stsd));
  facts->entry = rd32 (data + stsd.offset + stsd.header_size + 12);
  g_assert_true (child (data, len, &stbl, KS_FOURCC ('s','t','s','z'), &stsz));
  p = data + stsz.offset + stsz.header_size;
  facts->n_samples = rd32 (p + 8);
  if (child (data, len, &stbl, KS_FOURCC ('s','t','s','s'), &stss))
    {
      const guint8 *q = data + stss.offset + stss.header_size;

      for (guint32 i = 0; i < rd32 (q + 4); i++)
        {
          guint32 sample = rd32 (q + 8 + i * 4);

          facts->largest_key = MAX (facts->largest_key, rd32 (p + 12 + (sample - 1) * 4));
        }
    }
}

/* Mean colour of the 5×5 block around (x, y) is within @tolerance of @rgb on each channel. */
static gboolean
colour_near (GdkPixbuf    *pixbuf,
             int           x,
             int           y,
             const guint8 *rgb,
             int           tolerance)
{
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  int sum[3] = { 0 }, n = 0;

  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      {
        int px = CLAMP (x + dx, 0, gdk_pixbuf_get_width (pixbuf) - 1);
        int py = CLAMP (y + dy, 0, gdk_pixbuf_get_height (pixbuf) - 1);

        for (int c = 0; c < 3; c++)
          sum[c] += pixels[py * stride + px * channels + c];
        n++;
      }
  for (int c = 0; c < 3; c++)
    if (ABS (sum[c] / n - rgb[c]) > tolerance)
      return FALSE;
  return TRUE;
}

static gboolean
is_camera_video (Fixture      *f,
                 KsSourceFile *file,
                 GBytes      **whole,
                 MovieFacts   *facts)
{
  g_autofree char *local = g_build_filename (f->media, "DCIM", file->path, NULL);
  g_autoptr(GFile) gfile = g_file_new_for_path (local);
  g_autoptr(GError) error = NULL;

  if (!has_suffix (file->path, ".mov"))
    return FALSE;
  *whole = g_file_load_bytes (gfile, NULL, NULL, &error);
  g_assert_no_error (error);
  movie_facts (*whole, facts);
  if (facts->entry == KS_FOURCC ('h','v','c','1') || facts->entry == KS_FOURCC ('a','v','c','1'))
    return TRUE;
  g_clear_pointer (whole, g_bytes_unref);
  return FALSE;
}

/* The library's first HEVC camera video. */
static KsSourceFile *
find_hevc_video (Fixture     *f,
                 GBytes     **whole,
                 MovieFacts  *facts)
{
  for (guint i = 0; i < f->files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (f->files, i);

      if (is_camera_video (f, file, whole, facts))
        {
          if (facts->entry == KS_FOURCC ('h','v','c','1'))
            return file;
          g_clear_pointer (whole, g_bytes_unref);
        }
    }
  g_assert_not_reached ();
  return NULL;
}

/* Each camera video gets its poster over AFC: upright (portrait when tkhd turns it), showing
 * the band at the bottom, decoded from moov and one key frame: at most two moov reads,
 * GStreamer's 4 KiB first read and the largest key frame cross the link. */
static void
test_video_posters_over_afc (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  guint n_hevc = 0, n_h264 = 0, n_upright = 0;
  guint64 sum_read = 0, sum_size = 0;

  for (guint i = 0; i < f->files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (f->files, i);
      g_autoptr(GBytes) whole = NULL;
      g_autoptr(GInputStream) afc = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GdkPixbuf) poster = NULL;
      g_autoptr(GError) error = NULL;
      MovieFacts facts;
      gint64 requested = 0, duration = -1, bound;
      guint64 served;
      int w, h;

      if (!is_camera_video (f, file, &whole, &facts))
        continue;

      g_assert_true (ks_test_emulator_reset_stats (f->emu));
      afc = ks_source_open_file (KS_SOURCE (source), file->path, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ks_thumbnailer_disable_read_ahead (afc));
      stream = test_counting_stream_new (afc, &requested, NULL);
      poster = ks_thumbnailer_load_stream (stream, file->path, file->size,
                                           KS_THUMBNAILER_DEFAULT_SIZE, &duration, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (poster);
      g_assert_true (g_input_stream_close (stream, NULL, NULL));
      served = ks_test_emulator_served (f->emu, (guint64) requested);

      /* 8 frames a second, each 75 ticks of 600. */
      g_assert_cmpint (duration, ==, facts.n_samples * 125);

      w = gdk_pixbuf_get_width (poster);
      h = gdk_pixbuf_get_height (poster);
      g_assert_cmpint (MAX (w, h), ==, KS_THUMBNAILER_DEFAULT_SIZE);
      if (facts.upright_turn)
        g_assert_cmpint (h * 3, ==, w * 4);   /* stored 4:3, shown 3:4 */
      else
        g_assert_cmpint (w * 3, ==, h * 4);

      /* The band runs across the bottom of the upright picture, not the top: decoded pixels,
       * turned the right way (a turn the other way would put it at the top). */
      g_assert_true (colour_near (poster, w / 2, h - h / 24, video_marker, 40));
      g_assert_true (colour_near (poster, w / 8, h - h / 24, video_marker, 40));
      g_assert_true (colour_near (poster, w - w / 8, h - h / 24, video_marker, 40));
      g_assert_false (colour_near (poster, w / 2, h / 24, video_marker, 40));
      g_assert_false (colour_near (poster, w / 2, h / 2, video_marker, 40));

      /* Sparse: our moov read, GStreamer's (4 KiB first read, moov) and one key frame. */
      bound = 2 * facts.moov_size + 4096 + MAX (facts.largest_key, 4096) + 256;
      g_test_message ("%s (%.4s%s): poster %dx%d; requested %" G_GINT64_FORMAT ", served %"
                      G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes (%.1f %%); moov %"
                      G_GUINT64_FORMAT ", largest key frame %" G_GUINT64_FORMAT,
                      file->path, (const char *) &(guint32) { GUINT32_TO_BE (facts.entry) },
                      facts.upright_turn ? ", upright" : "", w, h, requested, served, file->size,
                      100.0 * requested / file->size, facts.moov_size, facts.largest_key);
      g_assert_cmpint (requested, <=, bound);
      g_assert_cmpuint (served, >=, requested);
      g_assert_cmpuint (served, <=, requested + 16);
      g_assert_cmpuint (requested * 100, <=, file->size * 40);

      n_hevc += facts.entry == KS_FOURCC ('h','v','c','1');
      n_h264 += facts.entry == KS_FOURCC ('a','v','c','1');
      n_upright += facts.upright_turn;
      sum_read += requested;
      sum_size += file->size;
    }

  g_assert_cmpuint (n_hevc, >=, 2);
  g_assert_cmpuint (n_h264, >=, 1);
  g_assert_cmpuint (n_upright, >=, 1);
  g_test_message ("Video posters: requested %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " bytes (%.1f %%)", sum_read, sum_size, 100.0 * sum_read / sum_size);
}

static GdkPixbuf *
load_path_over_afc (Fixture       *f,
                    const char    *path,
                    gint64        *duration,
                    GError       **error)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GInputStream) stream = ks_source_open_file (KS_SOURCE (source), path, NULL, error);
  GdkPixbuf *pixbuf;

  if (stream == NULL)
    return NULL;
  pixbuf = ks_thumbnailer_load_stream (stream, path, 0, KS_THUMBNAILER_DEFAULT_SIZE, duration,
                                       NULL, error);
  g_input_stream_close (stream, NULL, NULL);
  return pixbuf;
}

static void
put_file (Fixture      *f,
          const char   *rel,
          const guint8 *data,
          gsize         len)
{
  g_autofree char *path = g_build_filename (f->media, "DCIM", rel, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, (const char *) data, len, &error);
  g_assert_no_error (error);
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* Broken HEVC movies: no poster, never a crash or a hang; when moov survives, the duration
 * still reaches the grid (its placeholder shows it). */
static void
test_video_broken (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) whole = NULL;
  MovieFacts facts;
  const guint8 *bytes;
  gsize len;
  KsIsobmffBox mdat, moov;
  struct { const char *name; gboolean has_moov; } cases[] = {
    { "100APPLE/CUT_0001.MOV", FALSE },     /* the recording stopped: moov never written */
    { "100APPLE/ZERO_0001.MOV", TRUE },     /* frames zeroed */
    { "100APPLE/JUNK_0001.MOV", TRUE },     /* frames overwritten with noise */
    { "100APPLE/SHORT_0001.MOV", TRUE },    /* mdat cut short, moov kept: samples past the end */
  };

  find_hevc_video (f, &whole, &facts);
  bytes = g_bytes_get_data (whole, &len);
  g_assert_true (ks_isobmff_find_child (bytes, len, 0, len, KS_FOURCC ('m','d','a','t'), &mdat));
  g_assert_true (ks_isobmff_find_child (bytes, len, 0, len, KS_FOURCC ('m','o','o','v'), &moov));

  put_file (f, cases[0].name, bytes, len / 2);
  {
    g_autofree guint8 *copy = g_memdup2 (bytes, len);
    GRand *rand = g_rand_new_with_seed (7);

    memset (copy + mdat.offset + mdat.header_size, 0, mdat.size - mdat.header_size);
    put_file (f, cases[1].name, copy, len);
    for (guint64 at = mdat.offset + mdat.header_size; at < mdat.offset + mdat.size; at++)
      copy[at] = g_rand_int (rand);
    put_file (f, cases[2].name, copy, len);
    g_rand_free (rand);
  }
  {
    /* ftyp, wide, an mdat of 64 bytes, then the original moov. */
    GByteArray *b = g_byte_array_new ();
    guint64 keep = mdat.offset + mdat.header_size + 64;

    g_byte_array_append (b, bytes, keep);
    put_be32 (b->data + mdat.offset, (guint32) (keep - mdat.offset));
    g_byte_array_append (b, bytes + moov.offset, moov.size);
    put_file (f, cases[3].name, b->data, b->len);
    g_byte_array_unref (b);
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      gint64 duration = -1;
      gint64 start = g_get_monotonic_time ();
      double seconds;

      pixbuf = load_path_over_afc (f, cases[i].name, &duration, &error);
      seconds = (g_get_monotonic_time () - start) / 1e6;
      g_test_message ("%s: %s after %.2f s", cases[i].name, error ? error->message : "a poster?",
                      seconds);
      g_assert_null (pixbuf);
      g_assert_nonnull (error);
      g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
      g_assert_cmpfloat (seconds, <, 15);
      if (cases[i].has_moov)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
          g_assert_cmpint (duration, ==, facts.n_samples * 125);
        }
    }
}

/* Without an HEVC decoder (ranked out, as if gstreamer1.0-libav were not installed) an HEVC
 * movie is a video without a poster, with its duration: today's placeholder. */
static void
test_video_no_decoder (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GstCaps) hevc_caps = gst_caps_from_string ("video/x-h265, stream-format=hvc1, alignment=au");
  g_autoptr(GError) error = NULL;
  GList *decoders, *ranked_out = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  KsSourceFile *hevc = NULL;
  MovieFacts facts;
  gint64 duration = -1;

  g_assert_true (ks_gst_poster_init (&error));
  g_assert_no_error (error);
  decoders = gst_element_factory_list_get_elements (GST_ELEMENT_FACTORY_TYPE_DECODER,
                                                    GST_RANK_NONE);
  for (GList *l = decoders; l != NULL; l = l->next)
    {
      GstPluginFeature *feature = l->data;

      if (gst_element_factory_can_sink_any_caps (GST_ELEMENT_FACTORY (feature), hevc_caps) &&
          gst_plugin_feature_get_rank (feature) > GST_RANK_NONE)
        {
          g_object_set_data (G_OBJECT (feature), "ks-rank",
                             GUINT_TO_POINTER (gst_plugin_feature_get_rank (feature)));
          gst_plugin_feature_set_rank (feature, GST_RANK_NONE);
          ranked_out = g_list_prepend (ranked_out, gst_object_ref (feature));
        }
    }
  gst_plugin_feature_list_free (decoders);
  g_assert_nonnull (ranked_out);   /* there was one (gstreamer1.0-libav's avdec_h265) */

  hevc = find_hevc_video (f, &whole, &facts);

  pixbuf = load_path_over_afc (f, hevc->path, &duration, &error);

  for (GList *l = ranked_out; l != NULL; l = l->next)
    gst_plugin_feature_set_rank (l->data,
                                 GPOINTER_TO_UINT (g_object_get_data (l->data, "ks-rank")));
  g_list_free_full (ranked_out, gst_object_unref);

  g_assert_null (pixbuf);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpint (duration, ==, facts.n_samples * 125);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Keepsake/Thumbnails/device/sparse-heic-over-afc", Fixture, NULL,
              fixture_setup, test_sparse_heic_over_afc, fixture_teardown);
  g_test_add ("/Keepsake/Thumbnails/device/thumbnailer-and-cache", Fixture, NULL,
              fixture_setup, test_thumbnailer_and_cache, fixture_teardown);
  g_test_add ("/Keepsake/Thumbnails/device/video-posters-over-afc", Fixture, NULL,
              fixture_setup, test_video_posters_over_afc, fixture_teardown);
  g_test_add ("/Keepsake/Thumbnails/device/video-broken", Fixture, NULL,
              fixture_setup, test_video_broken, fixture_teardown);
  g_test_add ("/Keepsake/Thumbnails/device/video-no-decoder", Fixture, NULL,
              fixture_setup, test_video_no_decoder, fixture_teardown);

  return g_test_run ();
}
