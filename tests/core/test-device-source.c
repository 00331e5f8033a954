/* test-device-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDeviceSource and KsAfcInputStream against the emulated iPhone: the walk finds exactly
 * the files on the phone, every file reads back byte for byte, seeks land where they should,
 * two streams run side by side, and a phone that goes away mid-read fails fast. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-afc-input-stream.h"
#include "ks-device-source.h"
#include "ks-device.h"
#include "ks-test-emulator.h"

typedef struct
{
  char           *tmp;
  char           *media;
  GHashTable     *expected;   /* relative path → GBytes */
  KsTestEmulator *emu;
  char           *udid;
} Fixture;

static void
add_file (Fixture    *f,
          const char *rel,
          gsize       size,
          GRand      *rand)
{
  g_autofree char *path = g_build_filename (f->media, "DCIM", rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  guint8 *data = g_malloc (size + 1);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, (char *) data, size, NULL));
  g_hash_table_insert (f->expected, g_strdup (rel), g_bytes_new_take (data, size));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261129);
  g_autofree char *reply = NULL;

  f->tmp = g_dir_make_tmp ("ks-test-device-source-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->tmp, "media", NULL);
  f->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);

  add_file (f, "100APPLE/IMG_0001.HEIC", 1500000, rand);
  add_file (f, "100APPLE/IMG_0001.MOV", 2600000, rand);
  add_file (f, "100APPLE/IMG_0002.JPG", 70000, rand);
  add_file (f, "100APPLE/IMG_0003.PNG", 0, rand);            /* zero bytes */
  add_file (f, "100APPLE/IMG_0004.JPG", 1024 * 1024, rand);  /* exactly one buffer */
  add_file (f, "101APPLE/IMG_0100.MOV", 9 * 1024 * 1024 + 17, rand);  /* > one 4 MiB request */
  add_file (f, "101APPLE/IMG_0101.HEIC", 12345, rand);
  add_file (f, "102APPLE/nested/IMG_0200.JPG", 333, rand);

  f->emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Source Test", NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok "));
  f->udid = g_strdup (reply + 3);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *argv[] = { "rm", "-rf", f->tmp, NULL };

  g_clear_pointer (&f->emu, ks_test_emulator_free);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_hash_table_unref (f->expected);
  g_free (f->udid);
  g_free (f->media);
  g_free (f->tmp);
}

typedef struct
{
  GPtrArray *files;
  guint      stop_after;
} Collect;

static gboolean
collect_cb (KsSource           *source,
            const KsSourceFile *file,
            gpointer            user_data)
{
  Collect *c = user_data;

  g_ptr_array_add (c->files, ks_source_file_copy (file));
  return c->stop_after == 0 || c->files->len < c->stop_after;
}

static GBytes *
read_all (GInputStream *stream,
          gsize         chunk)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree guint8 *buf = g_malloc (chunk);
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, chunk, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      g_byte_array_append (out, buf, n);
    }
  return g_byte_array_free_to_bytes (out);
}

static gboolean
collect_paths_cb (KsSource           *source,
                  const KsSourceFile *file,
                  gpointer            user_data)
{
  g_ptr_array_add (user_data, g_strdup (file->path));
  return TRUE;
}

/* Describing a file is a round trip; over a link with 20 ms per request, a folder of 160
 * files is described by several sessions at once once the first few show it is worth it,
 * and still reported complete and in name order. */
static void
test_parallel_listing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (48);
  g_autofree char *reply = NULL;
  guint in_folder = 0;
  const char *last = "";
  gint64 start, elapsed;

  for (guint i = 0; i < 160; i++)
    {
      g_autofree char *rel = g_strdup_printf ("103APPLE/IMG_%04u.JPG", 300 + i);

      add_file (f, rel, 100, rand);
    }

  /* Sessions exist before timing: the pool opens them once per phone. */
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_paths_cb, paths, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_set_size (paths, 0);

  reply = ks_test_emulator_control (f->emu, "latency 20", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
  start = g_get_monotonic_time ();
  g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_paths_cb, paths, NULL, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_free (ks_test_emulator_control (f->emu, "latency 0", NULL));

  g_test_message ("listed %u files at 20 ms per request in %.0f ms", paths->len, elapsed / 1000.0);
  g_assert_cmpuint (paths->len, ==, g_hash_table_size (f->expected));
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);

      if (!g_str_has_prefix (path, "103APPLE/"))
        continue;
      in_folder++;
      g_assert_cmpint (strcmp (last, path), <, 0);
      last = path;
    }
  g_assert_cmpuint (in_folder, ==, 160);
  /* One after the other: (160 files + 8 others + 6 folders + 5 folder reads) × 20 ms = 3.6 s;
   * 16 alone, then four at a time: about 1.4 s. */
  g_assert_cmpint (elapsed, <, 2400 * 1000);
}

static void
test_enumerate_and_read (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, "Source Test");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autofree char *expected_id = g_strconcat ("device:", f->udid, NULL);
  g_autofree char *display = NULL;
  Collect c = { files, 0 };
  const gsize chunks[] = { 7, 65536, 4 * 1024 * 1024 };

  g_assert_cmpstr (ks_source_get_id (KS_SOURCE (source)), ==, expected_id);
  display = ks_source_dup_display_name (KS_SOURCE (source));
  g_assert_cmpstr (display, ==, "Source Test");

  g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_cb, &c, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, g_hash_table_size (f->expected));

  for (guint i = 0; i < files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (files, i);
      GBytes *want = g_hash_table_lookup (f->expected, file->path);
      g_autofree char *local = g_build_filename (f->media, "DCIM", file->path, NULL);
      GStatBuf st;

      g_assert_nonnull (want);
      g_assert_cmpuint (file->size, ==, g_bytes_get_size (want));
      g_assert_cmpint (g_stat (local, &st), ==, 0);
      g_assert_cmpint (file->mtime, ==, st.st_mtime);

      /* Each file read back whole, with small, medium and huge caller buffers. */
      for (guint k = 0; k < G_N_ELEMENTS (chunks); k++)
        {
          g_autoptr(GInputStream) stream = ks_source_open_file (KS_SOURCE (source), file->path, NULL, &error);
          g_autoptr(GBytes) got = NULL;

          g_assert_no_error (error);
          g_assert_true (G_IS_SEEKABLE (stream));
          got = read_all (stream, chunks[k]);
          g_assert_true (g_bytes_equal (got, want));
          g_assert_true (g_input_stream_close (stream, NULL, &error));
          g_assert_no_error (error);
        }
    }

  /* Files of one folder come together, and an early stop is honoured. */
  {
    g_autoptr(GPtrArray) some = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
    Collect c2 = { some, 3 };

    g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_cb, &c2, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (some->len, ==, 3);
  }
  /* Newest folder first: 102APPLE (whose only files are in nested/) before 100APPLE. */
  g_assert_cmpstr (((KsSourceFile *) g_ptr_array_index (files, 0))->path, ==, "102APPLE/nested/IMG_0200.JPG");

  /* Missing files are NOT_FOUND; paths that climb out are refused. */
  {
    g_autoptr(GInputStream) none = ks_source_open_file (KS_SOURCE (source), "100APPLE/NOPE.JPG", NULL, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  {
    /* The phone's file service is jailed to its media root: nothing of the host leaks. */
    g_autoptr(GInputStream) evil = ks_source_open_file (KS_SOURCE (source), "../../../../etc/passwd", NULL, &error);
    g_assert_null (evil);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  {
    g_autoptr(GInputStream) empty = ks_source_open_file (KS_SOURCE (source), "", NULL, &error);
    g_assert_null (empty);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  g_assert_cmpint (ks_source_query_free_space (KS_SOURCE (source), NULL, &error), >, 0);
  g_assert_no_error (error);
}

static void
test_seek (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  GBytes *want = g_hash_table_lookup (f->expected, "101APPLE/IMG_0100.MOV");
  const guint8 *bytes = g_bytes_get_data (want, NULL);
  gsize size = g_bytes_get_size (want);
  guint32 seed = g_test_rand_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 buf[100000];

  g_test_message ("seek seed %u", seed);

  stream = ks_source_open_file (KS_SOURCE (source), "101APPLE/IMG_0100.MOV", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_seekable_can_seek (G_SEEKABLE (stream)));
  g_assert_cmpuint (ks_afc_input_stream_get_size (KS_AFC_INPUT_STREAM (stream)), ==, size);

  for (guint i = 0; i < 60; i++)
    {
      goffset offset = g_rand_int_range (rand, 0, (gint32) size);
      gsize len = g_rand_int_range (rand, 1, sizeof buf);
      gsize got = 0;
      GSeekType type = i % 3 == 0 ? G_SEEK_SET : i % 3 == 1 ? G_SEEK_CUR : G_SEEK_END;
      goffset arg = type == G_SEEK_SET ? offset
                  : type == G_SEEK_CUR ? offset - g_seekable_tell (G_SEEKABLE (stream))
                  : offset - (goffset) size;

      g_assert_true (g_seekable_seek (G_SEEKABLE (stream), arg, type, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, offset);
      g_assert_true (g_input_stream_read_all (stream, buf, len, &got, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (got, ==, MIN (len, size - offset));
      g_assert_cmpmem (buf, got, bytes + offset, got);
      g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, offset + got);
    }

  /* Past the end reads nothing; before the start is refused. */
  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 10, G_SEEK_END, NULL, &error));
  g_assert_cmpint (g_input_stream_read (stream, buf, sizeof buf, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_false (g_seekable_seek (G_SEEKABLE (stream), -1, G_SEEK_SET, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_seekable_can_truncate (G_SEEKABLE (stream)));
}

typedef struct
{
  KsSource *source;
  char     *path;
  GBytes   *want;
  gboolean  ok;
} ParallelRead;

static gpointer
parallel_read_thread (gpointer data)
{
  ParallelRead *r = data;

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GInputStream) stream = ks_source_open_file (r->source, r->path, NULL, &error);
      g_autoptr(GBytes) got = NULL;

      if (stream == NULL)
        return NULL;
      got = read_all (stream, 32768);
      if (!g_bytes_equal (got, r->want))
        return NULL;
    }
  r->ok = TRUE;
  return NULL;
}

static void
test_parallel (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  const char *paths[] = { "100APPLE/IMG_0001.HEIC", "100APPLE/IMG_0001.MOV", "101APPLE/IMG_0100.MOV", "100APPLE/IMG_0002.JPG" };
  ParallelRead reads[G_N_ELEMENTS (paths)];
  GThread *threads[G_N_ELEMENTS (paths)];

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      reads[i] = (ParallelRead) { KS_SOURCE (source), (char *) paths[i], g_hash_table_lookup (f->expected, paths[i]), FALSE };
      threads[i] = g_thread_new ("reader", parallel_read_thread, &reads[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (reads[i].ok);
    }
}

static void
test_detach_mid_read (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *reply = NULL;
  guint8 buf[65536];
  gint64 start;
  gssize n = 1;

  stream = ks_source_open_file (KS_SOURCE (source), "101APPLE/IMG_0100.MOV", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (stream, buf, sizeof buf, NULL, &error), ==, sizeof buf);

  reply = ks_test_emulator_control (f->emu, "detach", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "ok detach");

  /* The buffered MiB may still be served; after that the next request must fail, fast. */
  start = g_get_monotonic_time ();
  while (n > 0)
    n = g_input_stream_read (stream, buf, sizeof buf, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_nonnull (error);
  g_assert_true (error->domain == KS_DEVICE_ERROR || error->domain == G_IO_ERROR);
  if (error->domain == KS_DEVICE_ERROR)
    g_assert_cmpint (error->code, ==, KS_DEVICE_ERROR_NOT_FOUND);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* And a new open says the phone is gone. */
  {
    g_autoptr(GInputStream) again = ks_source_open_file (KS_SOURCE (source), "100APPLE/IMG_0002.JPG", NULL, &error);
    g_assert_null (again);
    g_assert_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* Plugged back in: the same source works again, although its idle sessions died. */
  g_free (reply);
  reply = ks_test_emulator_control (f->emu, "attach", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GInputStream) again = ks_source_open_file (KS_SOURCE (source), "100APPLE/IMG_0002.JPG", NULL, &error);
    g_autoptr(GBytes) got = NULL;

    g_assert_no_error (error);
    got = read_all (again, 65536);
    g_assert_true (g_bytes_equal (got, g_hash_table_lookup (f->expected, "100APPLE/IMG_0002.JPG")));
  }
}

/* Sessions idle in the pool die when the phone is unplugged; after it is plugged back in the
 * first open and the first walk must still work, not fail once on the dead session. */
static void
test_replug_stale_session (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  const char *path = "101APPLE/IMG_0101.HEIC";

  for (guint round = 0; round < 2; round++)
    {
      /* Leave one idle session in the pool (round 0: for open; round 1: for the walk). */
      {
        g_autoptr(GInputStream) s = ks_source_open_file (KS_SOURCE (source), path, NULL, &error);
        g_assert_no_error (error);
        g_assert_true (g_input_stream_close (s, NULL, &error));
      }

      g_free (r1);
      g_free (r2);
      r1 = ks_test_emulator_control (f->emu, "detach", &error);
      g_assert_no_error (error);
      r2 = ks_test_emulator_control (f->emu, "attach", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (r2, ==, "ok attach");

      if (round == 0)
        {
          g_autoptr(GInputStream) s = ks_source_open_file (KS_SOURCE (source), path, NULL, &error);
          g_autoptr(GBytes) got = NULL;

          g_assert_no_error (error);
          got = read_all (s, 4096);
          g_assert_true (g_bytes_equal (got, g_hash_table_lookup (f->expected, path)));
        }
      else
        {
          g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
          Collect c = { files, 0 };

          g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_cb, &c, NULL, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (files->len, ==, g_hash_table_size (f->expected));
        }
    }
}

static void
test_fail_after (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *reply = NULL;
  guint8 *buf = g_malloc (4 * 1024 * 1024);
  gsize total = 0;
  gssize n = 1;

  reply = ks_test_emulator_control (f->emu, "fail-after 3000000", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));

  stream = ks_source_open_file (KS_SOURCE (source), "101APPLE/IMG_0100.MOV", NULL, &error);
  g_assert_no_error (error);
  while (n > 0)
    {
      n = g_input_stream_read (stream, buf, 4 * 1024 * 1024, NULL, &error);
      if (n > 0)
        total += n;
    }
  g_free (buf);
  /* Never a silent short file: the read ends in an error, not EOF. */
  g_assert_cmpint (n, ==, -1);
  g_assert_nonnull (error);
  g_assert_cmpuint (total, <=, 3000000);
}

/* With hostile names ("a/b.JPG", "../../x.JPG") each folder, as told by the text before a
 * path's last '/', still comes out in one piece, and every name listed can be opened. */
static void
test_hostile_names (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceSource) source = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GHashTable) finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *reply = NULL;
  g_autofree char *current = NULL;
  Collect c = { files, 0 };
  guint with_slash_in_name = 0;

  g_clear_pointer (&f->emu, ks_test_emulator_free);
  emu = ks_test_emulator_new (&error, "--device", f->media, "--hostile-names", NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (emu, "udid", &error);
  g_assert_no_error (error);
  source = ks_device_source_new (reply + 3, NULL);

  g_assert_true (ks_source_enumerate (KS_SOURCE (source), collect_cb, &c, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, >, g_hash_table_size (f->expected));

  for (guint i = 0; i < files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (files, i);
      const char *slash = strrchr (file->path, '/');
      g_autofree char *folder = g_strndup (file->path, slash ? (gsize) (slash - file->path) : 0);
      g_autoptr(GInputStream) stream = NULL;

      if (g_strcmp0 (folder, current) != 0)
        {
          if (current != NULL)
            g_hash_table_add (finished, g_steal_pointer (&current));
          g_assert_false (g_hash_table_contains (finished, folder));
          current = g_strdup (folder);
        }
      if (strchr (file->path, '/') != strrchr (file->path, '/') && !g_str_has_prefix (file->path, "102APPLE/nested/"))
        with_slash_in_name++;

      stream = ks_source_open_file (KS_SOURCE (source), file->path, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (stream);
    }
  g_assert_cmpuint (with_slash_in_name, >, 0);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  Collect c = { files, 0 };

  g_cancellable_cancel (cancellable);
  g_assert_false (ks_source_enumerate (KS_SOURCE (source), collect_cb, &c, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (files->len, ==, 0);
}

/* AFC file-data bytes the emulator served since the last reset-stats. */
/* Opened with the size the listing gave (as an import does, without asking the phone
 * again): every file reads whole and byte-exact, nothing past its end crosses the link,
 * and a file that grew since the listing is an error rather than a silently cut copy. */
static void
test_open_sized (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  const char *rel;
  GBytes *want;

  g_hash_table_iter_init (&iter, f->expected);
  while (g_hash_table_iter_next (&iter, (gpointer *) &rel, (gpointer *) &want))
    {
      g_autoptr(GInputStream) stream = NULL;
      gsize size = g_bytes_get_size (want);
      g_autofree guint8 *buf = g_malloc (size + 4096);
      gsize got = 0;

      g_assert_true (ks_test_emulator_reset_stats (f->emu));
      stream = ks_source_open_file_sized (KS_SOURCE (source), rel, size, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_input_stream_read_all (stream, buf, size + 4096, &got, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (buf, got, g_bytes_get_data (want, NULL), size);
      g_assert_cmpuint (ks_test_emulator_served (f->emu, size), ==, size);
    }

  /* Grew after it was listed. */
  {
    g_autofree char *path = g_build_filename (f->media, "DCIM", "100APPLE", "IMG_0002.JPG", NULL);
    g_autoptr(GInputStream) stream = NULL;
    g_autofree guint8 *buf = g_malloc (200000);
    FILE *fp = fopen (path, "ab");
    gsize got = 0;

    g_assert_nonnull (fp);
    g_assert_cmpint (fwrite ("more", 1, 4, fp), ==, 4);
    fclose (fp);
    stream = ks_source_open_file_sized (KS_SOURCE (source), "100APPLE/IMG_0002.JPG", 70000, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (g_input_stream_read_all (stream, buf, 200000, &got, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "grew"));
    g_clear_error (&error);
  }
}

/* By default a 4 KiB read pulls a 1 MiB read-ahead off the phone; with "read-ahead" 0 it
 * moves exactly 4 KiB, each sparse read is one AFC read of its own size, and the bytes are
 * still the file's. */
static void
test_read_ahead (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  g_autoptr(GError) error = NULL;
  GBytes *want = g_hash_table_lookup (f->expected, "100APPLE/IMG_0001.HEIC");
  const guint8 *bytes = g_bytes_get_data (want, NULL);
  guint8 buf[4096];
  guint read_ahead = 12345;
  gsize got = 0;

  /* Default: the 1 MiB buffer. */
  {
    g_autoptr(GInputStream) stream = NULL;

    stream = ks_source_open_file (KS_SOURCE (source), "100APPLE/IMG_0001.HEIC", NULL, &error);
    g_assert_no_error (error);
    g_object_get (stream, "read-ahead", &read_ahead, NULL);
    g_assert_cmpuint (read_ahead, ==, 1024 * 1024);
    g_assert_true (ks_test_emulator_reset_stats (f->emu));
    g_assert_true (g_input_stream_read_all (stream, buf, sizeof buf, &got, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (got, ==, sizeof buf);
    g_assert_cmpmem (buf, got, bytes, sizeof buf);
    g_assert_cmpuint (ks_test_emulator_served (f->emu, 1024 * 1024), ==, 1024 * 1024);
  }

  /* read-ahead 0: 4 KiB on the wire for a 4 KiB read, also after seeks. */
  {
    g_autoptr(GInputStream) stream = NULL;
    static const goffset offsets[] = { 0, 700000, 4096, 1500000 - 4096 };

    stream = ks_source_open_file (KS_SOURCE (source), "100APPLE/IMG_0001.HEIC", NULL, &error);
    g_assert_no_error (error);
    g_object_set (stream, "read-ahead", 0, NULL);
    g_object_get (stream, "read-ahead", &read_ahead, NULL);
    g_assert_cmpuint (read_ahead, ==, 0);
    g_assert_true (ks_test_emulator_reset_stats (f->emu));

    g_assert_true (g_input_stream_read_all (stream, buf, sizeof buf, &got, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (got, ==, sizeof buf);
    g_assert_cmpmem (buf, got, bytes, sizeof buf);
    g_assert_cmpuint (ks_test_emulator_served (f->emu, 4096), ==, 4096);

    g_assert_true (ks_test_emulator_reset_stats (f->emu));
    for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
      {
        g_assert_true (g_seekable_seek (G_SEEKABLE (stream), offsets[i], G_SEEK_SET, NULL, &error));
        g_assert_true (g_input_stream_read_all (stream, buf, sizeof buf, &got, NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (got, ==, sizeof buf);
        g_assert_cmpmem (buf, got, bytes + offsets[i], sizeof buf);
      }
    g_assert_cmpuint (ks_test_emulator_served (f->emu, G_N_ELEMENTS (offsets) * sizeof buf), ==,
                      G_N_ELEMENTS (offsets) * sizeof buf);

    /* Turning it back on refills a buffer of the new size at the next small read. */
    g_object_set (stream, "read-ahead", 65536, NULL);
    g_assert_true (ks_test_emulator_reset_stats (f->emu));
    g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 100000, G_SEEK_SET, NULL, &error));
    g_assert_true (g_input_stream_read_all (stream, buf, 100, &got, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (buf, 100, bytes + 100000, 100);
    g_assert_cmpuint (ks_test_emulator_served (f->emu, 65536), ==, 65536);
  }
}

/* A window asks for its first thumbnails all at once: sessions opened ahead of time serve
 * them without a handshake each. Locking the phone refuses new sessions (lockdown says
 * PasswordProtected), so it tells the prewarmed ones from new ones: three files open at once
 * and read whole, a fourth needs a new session and is refused. */
static void
test_prewarm (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (f->udid, NULL);
  const char *paths[] = { "100APPLE/IMG_0002.JPG", "101APPLE/IMG_0101.HEIC", "102APPLE/nested/IMG_0200.JPG" };
  GInputStream *streams[G_N_ELEMENTS (paths)] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  ks_device_source_prewarm (source, G_N_ELEMENTS (paths));
  /* Counted with the probes, so that an app waits for it before it exits. */
  g_assert_true (ks_device_wait_for_probes (10000));

  reply = ks_test_emulator_control (f->emu, "lock", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "ok lock");

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      streams[i] = ks_source_open_file (KS_SOURCE (source), paths[i], NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GBytes) got = read_all (streams[i], 65536);

      g_assert_true (g_bytes_equal (got, g_hash_table_lookup (f->expected, paths[i])));
    }

  {
    g_autoptr(GInputStream) fourth = ks_source_open_file (KS_SOURCE (source), "100APPLE/IMG_0004.JPG", NULL, &error);

    g_assert_null (fourth);
    g_assert_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_LOCKED);
    g_clear_error (&error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_object_unref (streams[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/Keepsake/DeviceSource/enumerate-and-read", test_enumerate_and_read);
  ADD ("/Keepsake/DeviceSource/parallel-listing", test_parallel_listing);
  ADD ("/Keepsake/DeviceSource/seek", test_seek);
  ADD ("/Keepsake/DeviceSource/read-ahead", test_read_ahead);
  ADD ("/Keepsake/DeviceSource/open-sized", test_open_sized);
  ADD ("/Keepsake/DeviceSource/parallel", test_parallel);
  ADD ("/Keepsake/DeviceSource/detach-mid-read", test_detach_mid_read);
  ADD ("/Keepsake/DeviceSource/fail-after", test_fail_after);
  ADD ("/Keepsake/DeviceSource/cancel", test_cancel);
  ADD ("/Keepsake/DeviceSource/hostile-names", test_hostile_names);
  ADD ("/Keepsake/DeviceSource/replug-stale-session", test_replug_stale_session);
  ADD ("/Keepsake/DeviceSource/prewarm", test_prewarm);
#undef ADD

  return g_test_run ();
}
