/* test-device-misbehave.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The core against an iPhone that lies at random (`iphone-emulator --misbehave random
 * --seed N`): every AFC and lockdownd connection draws a way to misbehave (a reply cut short,
 * too long, with a wrong header, lying sizes and listings, a read with more or fewer bytes
 * than asked, a stall, lockdownd values of the wrong type) and the moment it starts. Each of
 * a few hundred short sessions lists the phone and reads two of its files; every 15th backs it up
 * into a folder. Whatever happens: an error has a sentence; a listing that succeeds is the
 * phone's whole DCIM; a file read to its listed size without an error has the phone's bytes;
 * a backup leaves no temporary file and every claim of the folder's index and of the catalog
 * is true. KS_FAULT_SEED=N repeats a run, KS_MISBEHAVE_SESSIONS=N changes the count. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-device-source.h"
#include "ks-device.h"
#include "ks-folder-destination.h"
#include "ks-import-job.h"
#include "ks-test-emulator.h"
#include "test-engine-util.h"

#define DEFAULT_SESSIONS 300
#define IMPORT_EVERY     15
#define READS            2   /* files read per session, in turn */

typedef struct
{
  char           *tmp;
  char           *media;
  GHashTable     *expected;  /* relative path → GBytes */
  GHashTable     *hashes;    /* SHA-256 of every file on the phone */
  KsTestEmulator *emu;
  char           *udid;
  guint           listed, list_failed, read_ok, read_failed, imports;
  gint64          import_us;
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
  g_hash_table_add (f->hashes, hash_path (path));
}

/* An error the user sees must say something. */
static void
assert_sentence (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR || error->domain == KS_DEVICE_ERROR ||
                 error->domain == KS_IMPORT_ERROR);
  g_assert_cmpuint (strlen (error->message), >, 10);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
read_file (Fixture            *f,
           KsSource           *source,
           const KsSourceFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = ks_source_open_file_sized (source, file->path, file->size, NULL, &error);
  GBytes *want = g_hash_table_lookup (f->expected, file->path);
  g_autoptr(GByteArray) got = g_byte_array_new ();
  guint8 buf[256 * 1024];
  gssize n;

  if (stream == NULL)
    {
      assert_sentence (error);
      f->read_failed++;
      return;
    }
  while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, &error)) > 0)
    g_byte_array_append (got, buf, (guint) n);
  g_input_stream_close (stream, NULL, NULL);
  if (n < 0)
    {
      assert_sentence (error);
      f->read_failed++;
      return;
    }

  /* Read to the size the listing gave, without a word: then they are the phone's bytes.
   * (Any other length is what the import refuses as "changed while it was being copied".) */
  if (got->len == file->size)
    {
      const guint8 *w = g_bytes_get_data (want, NULL);
      gsize at = 0;

      g_assert_cmpuint (got->len, ==, g_bytes_get_size (want));
      while (at < got->len && got->data[at] == w[at])
        at++;
      if (at < got->len)
        g_error ("%s (%u bytes) read whole, but its bytes differ from offset %" G_GSIZE_FORMAT,
                 file->path, got->len, at);
      f->read_ok++;
    }
}

/* A backup into a new folder: whatever it ends with, nothing partial counts. */
static void
back_up (Fixture  *f,
         KsSource *source,
         guint     session)
{
  g_autofree char *name = g_strdup_printf ("backup-%u", session);
  g_autofree char *dest_path = g_build_filename (f->tmp, name, NULL);
  g_autofree char *db_path = g_strconcat (dest_path, ".db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsCatalog) catalog = ks_catalog_new (db_path, &error);
  g_autoptr(KsFolderDestination) dest = NULL;
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GHashTable) files = NULL;
  GHashTableIter iter;
  const char *rel, *path;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (dest_path, 0755), ==, 0);
  dest = ks_folder_destination_new (dest_path);
  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (source, NULL, dests, catalog);
  result = ks_import_job_run (job, NULL, &error);
  if (result == NULL)
    assert_sentence (error);
  else
    for (guint i = 0; i < result->errors->len; i++)
      {
        KsImportFileError *e = g_ptr_array_index (result->errors, i);

        g_assert_cmpuint (strlen (e->message), >, 10);
      }
  f->imports++;

  assert_no_temp_files (dest_path);
  files = list_files (dest_path);
  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, (gpointer *) &rel, (gpointer *) &path))
    {
      g_autofree char *hash = hash_path (path);

      if (!g_hash_table_contains (f->hashes, hash))
        g_error ("session %u: %s in the backup matches nothing on the phone", session, rel);
    }
  /* Each line of the index and each copy in the catalog is one of those verified files. */
  g_assert_cmpuint (count_index_lines (dest_path), ==, g_hash_table_size (files));
  g_assert_cmpint (_ks_catalog_query_int64 (catalog, "SELECT count(*) FROM copies"), ==,
                   g_hash_table_size (files));

  g_clear_object (&job);
  g_clear_object (&catalog);
  rm_rf (dest_path);
  g_unlink (db_path);
}

static void
session (Fixture  *f,
         KsSource *source,
         guint     n)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  if (n % IMPORT_EVERY == IMPORT_EVERY - 1)
    {
      gint64 began = g_get_monotonic_time ();

      back_up (f, source, n);
      f->import_us += g_get_monotonic_time () - began;
      return;
    }

  if (!ks_source_enumerate (source, ks_test_collect_cb, files, NULL, &error))
    {
      assert_sentence (error);
      f->list_failed++;
      return;
    }

  /* A listing that succeeds is the whole of DCIM, each file once: nothing invented, nothing
   * left out. */
  f->listed++;
  for (guint i = 0; i < files->len; i++)
    {
      KsSourceFile *file = g_ptr_array_index (files, i);

      if (!g_hash_table_contains (f->expected, file->path))
        g_error ("session %u: listed %s, which is not on the phone", n, file->path);
      g_assert_true (g_hash_table_add (seen, file->path));
    }
  g_assert_cmpuint (files->len, ==, g_hash_table_size (f->expected));

  for (guint i = 0; i < READS && files->len > 0; i++)
    read_file (f, source, g_ptr_array_index (files, (n * READS + i) % files->len));
}

static void
test_random (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1414);
  g_autofree char *reply = NULL;
  g_autofree char *seed_arg = NULL;
  const char *seed_env = g_getenv ("KS_FAULT_SEED");
  const char *sessions_env = g_getenv ("KS_MISBEHAVE_SESSIONS");
  guint64 seed = seed_env ? g_ascii_strtoull (seed_env, NULL, 10) : (guint64) g_random_int ();
  guint sessions = sessions_env ? (guint) g_ascii_strtoull (sessions_env, NULL, 10) : DEFAULT_SESSIONS;
  gint64 began = g_get_monotonic_time ();
  Fixture fx = { 0 }, *f = &fx;
  KsSource *source;

  g_test_message ("misbehave seed %" G_GUINT64_FORMAT " (set KS_FAULT_SEED to repeat), %u sessions",
                  seed, sessions);

  f->tmp = g_dir_make_tmp ("ks-test-misbehave-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->tmp, "media", NULL);
  f->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  f->hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  add_file (f, "100APPLE/IMG_0001.HEIC", 150000, rand);
  add_file (f, "100APPLE/IMG_0001.MOV", 260000, rand);
  add_file (f, "100APPLE/IMG_0002.JPG", 7000, rand);
  add_file (f, "100APPLE/IMG_0003.PNG", 0, rand);
  add_file (f, "101APPLE/IMG_0100.MOV", 1536 * 1024 + 4321, rand);  /* more than one read */
  add_file (f, "101APPLE/IMG_0101.JPG", 12345, rand);

  seed_arg = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  f->emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Lying iPhone",
                                 "--misbehave", "random", "--seed", seed_arg, NULL);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  f->udid = g_strdup (reply + 3);

  /* One source for all sessions, as the window keeps one per phone: its pool reuses the
   * sessions a lie did not break and replaces those it did (a lockdownd handshake each). */
  source = KS_SOURCE (ks_device_source_new (f->udid, "Lying iPhone"));
  for (guint n = 0; n < sessions; n++)
    session (f, source, n);
  g_clear_object (&source);

  g_test_message ("%u sessions in %.1f s: %u listings whole, %u refused; %u files read whole, "
                  "%u refused; %u backups (%.1f s)",
                  sessions, (g_get_monotonic_time () - began) / 1e6, f->listed, f->list_failed,
                  f->read_ok, f->read_failed, f->imports, f->import_us / 1e6);
  /* The lies came, and so did sessions that got through. */
  g_assert_cmpuint (f->list_failed + f->read_failed, >, 0);
  g_assert_cmpuint (f->read_ok, >, 0);

  g_clear_pointer (&f->emu, ks_test_emulator_free);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->media);
  g_free (f->udid);
  g_hash_table_unref (f->expected);
  g_hash_table_unref (f->hashes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Keepsake/Device/misbehave-random", test_random);
  return g_test_run ();
}
