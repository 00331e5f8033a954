/* test-thumb-device.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The thumbnailer over the wire: a realistic sample library served by the emulated iPhone,
 * read through KsDeviceSource (AFC via libimobiledevice). The emulator's own byte counters
 * say how much of each HEIC crossed the link, and that the cache keeps a second pass off it. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ks-device-source.h"
#include "ks-heif-thumbnail.h"
#include "ks-isobmff.h"
#include "ks-thumbnailer.h"
#include "ks-test-emulator.h"
#include "test-thumb-util.h"

typedef struct
{
  char           *tmp;
  char           *media;
  char           *udid;
  KsTestEmulator *emu;
  GPtrArray      *files;
} Fixture;

static gboolean
collect_cb (KsSource           *source,
            const KsSourceFile *file,
            gpointer            user_data)
{
  g_ptr_array_add (user_data, ks_source_file_copy (file));
  return TRUE;
}

static guint64
emulator_total (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (f->emu, "stats", &error);
  const char *total;

  g_assert_no_error (error);
  total = strstr (reply, "\"total\":");
  g_assert_nonnull (total);
  return g_ascii_strtoull (total + strlen ("\"total\":"), NULL, 10);
}

static void
emulator_reset (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (f->emu, "reset-stats", &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

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
  /* Realistic mode: 1–3 MB HEICs with 320-px thumbnails, JPEG, PNG, MOV, MP4. */
  g_assert_true (ks_test_make_sample_library (f->media, 12, 7, FALSE, &error));
  g_assert_no_error (error);

  f->emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Thumb Test", NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok "));
  f->udid = g_strdup (reply + 3);

  f->files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  source = ks_device_source_new (f->udid, NULL);
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_cb, f->files, NULL, &error));
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

      emulator_reset (f);
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
      served = emulator_total (f);

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
      /* Every movie has a duration; a poster only for Motion-JPEG ones. */
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

  emulator_reset (f);
  first = thumbnail_all (f, thumbnailer, KS_SOURCE (source), &no_poster_first);
  g_assert_cmpuint (emulator_total (f), >, 0);

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

  emulator_reset (f);
  second = thumbnail_all (f, thumbnailer, KS_SOURCE (source), &no_poster_second);

  /* Everything, movies without a poster included, comes from the cache: not one byte from
   * the device, and no file in the emulator's per-file counters. */
  g_assert_cmpuint (emulator_total (f), ==, 0);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Keepsake/Thumbnails/device/sparse-heic-over-afc", Fixture, NULL,
              fixture_setup, test_sparse_heic_over_afc, fixture_teardown);
  g_test_add ("/Keepsake/Thumbnails/device/thumbnailer-and-cache", Fixture, NULL,
              fixture_setup, test_thumbnailer_and_cache, fixture_teardown);

  return g_test_run ();
}
