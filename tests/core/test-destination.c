/* test-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The destination contract on its own: what KsDestination does for every kind (shown with a
 * test-only kind that stores into a plain directory), and what the folder kind adds for the
 * backup plan (the plan's id, a refused foreign folder, creating a missing folder, reading
 * a folder's id without opening it). */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-folder-destination.h"
#include "ks-hash.h"

#include "test-engine-util.h"
#include "test-plain-destination.h"

#define PLAN_ID  "6f1c2a4e-0b7d-4c55-9a7e-2d3f4b5c6d7e"
#define OTHER_ID "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

typedef struct
{
  char *tmp;
  char *dest;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-destination-XXXXXX", &error);
  g_assert_no_error (error);
  f->dest = g_build_filename (f->tmp, "dest", NULL);
  g_assert_cmpint (g_mkdir (f->dest, 0755), ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->dest);
}

static char *
read_meta (const char *dest,
           const char *name)
{
  g_autofree char *path = g_build_filename (dest, KS_DESTINATION_META_DIR, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strstrip (contents);
}

static char *
hash_of (const char *data)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();

  ks_hasher_update (hasher, data, strlen (data));
  return ks_hasher_finish (hasher);
}

/* Writes @data through @dest and stages (or commits) it as @rel_dir/@stem.JPG. */
static char *
store (KsDestination *dest,
       const char    *rel_dir,
       const char    *stem,
       const char    *data,
       gboolean       stage_only,
       GError       **error)
{
  g_autofree char *hash = hash_of (data);
  g_autofree char *hint = g_strconcat (stem, ".JPG", NULL);
  KsDestinationWriter *writer;
  char *rel = NULL;
  guint counter = 1;
  gboolean ok;

  writer = ks_destination_begin_file (dest, rel_dir, hint, error);
  if (writer == NULL)
    return NULL;
  if (!ks_destination_write (dest, writer, data, strlen (data), error))
    {
      ks_destination_abort (dest, writer);
      return NULL;
    }
  if (stage_only)
    ok = ks_destination_stage (dest, writer, rel_dir, stem, "JPG", hash, &counter, &rel, NULL, error);
  else
    ok = ks_destination_commit (dest, writer, rel_dir, stem, "JPG", hash, &counter, &rel, NULL, error);

  return ok ? rel : NULL;
}

static char *
file_text (const char *dest,
           const char *rel)
{
  g_autofree char *path = g_build_filename (dest, rel, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

/* ---- the folder kind and the backup plan ---- */

static void
test_expected_id_written (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new_full (f->dest, PLAN_ID, FALSE);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *on_disk = NULL;

  before = ks_folder_destination_read_id (f->dest, &error);
  g_assert_no_error (error);
  g_assert_null (before);

  g_assert_true (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ks_destination_get_id (KS_DESTINATION (dest)), ==, PLAN_ID);
  on_disk = read_meta (f->dest, "id");
  g_assert_cmpstr (on_disk, ==, PLAN_ID);
  ks_destination_close (KS_DESTINATION (dest));

  after = ks_folder_destination_read_id (f->dest, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, PLAN_ID);

  /* Opened again with the plan's id, it is the same destination. */
  g_assert_true (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
  g_assert_no_error (error);
  ks_destination_close (KS_DESTINATION (dest));
}

static void
test_other_id_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsFolderDestination) first = ks_folder_destination_new (f->dest);
  g_autoptr(KsFolderDestination) planned = ks_folder_destination_new_full (f->dest, OTHER_ID, FALSE);
  g_autofree char *expected = g_strdup_printf ("“%s” holds another Keepsake backup (a different drive may be mounted there)",
                                               f->dest);
  g_autofree char *id = NULL;
  g_autofree char *still = NULL;
  g_autofree char *rel = NULL;
  g_autoptr(GHashTable) files = NULL;

  /* A folder that already is another backup (a random id of its own). */
  g_assert_true (ks_destination_open (KS_DESTINATION (first), NULL, &error));
  g_assert_no_error (error);
  id = g_strdup (ks_destination_get_id (KS_DESTINATION (first)));
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (id, !=, OTHER_ID);
  ks_destination_close (KS_DESTINATION (first));

  g_assert_false (ks_destination_open (KS_DESTINATION (planned), NULL, &error));
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* Nothing was written into it, and its id stays. */
  still = read_meta (f->dest, "id");
  g_assert_cmpstr (still, ==, id);
  rel = store (KS_DESTINATION (planned), "2023", "IMG_1", "never", FALSE, &error);
  g_assert_null (rel);
  g_assert_nonnull (error);
  files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (files), ==, 0);

  /* A later open with the right plan id is fine. */
  ks_destination_close (KS_DESTINATION (planned));
  g_clear_object (&planned);
  planned = ks_folder_destination_new_full (f->dest, id, FALSE);
  g_clear_error (&error);
  g_assert_true (ks_destination_open (KS_DESTINATION (planned), NULL, &error));
  g_assert_no_error (error);
  ks_destination_close (KS_DESTINATION (planned));
}

static void
test_create_missing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->tmp, "Pictures", "Keepsake", NULL);
  g_autoptr(KsFolderDestination) plain = ks_folder_destination_new (path);
  g_autoptr(KsFolderDestination) dest = ks_folder_destination_new_full (path, PLAN_ID, TRUE);
  g_autofree char *id = NULL;
  g_autofree char *rel = NULL;
  g_autofree char *text = NULL;

  /* Without the flag, a missing folder is a missing drive: nothing is created. */
  g_assert_false (ks_destination_open (KS_DESTINATION (plain), NULL, &error));
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  id = ks_folder_destination_read_id (path, &error);
  g_assert_no_error (error);
  g_assert_null (id);

  g_assert_true (ks_destination_open (KS_DESTINATION (dest), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  rel = store (KS_DESTINATION (dest), "2023", "IMG_1", "first photo", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rel, ==, "2023/IMG_1.JPG");
  text = file_text (path, rel);
  g_assert_cmpstr (text, ==, "first photo");
  g_assert_cmpuint (count_index_lines (path), ==, 1);
  ks_destination_close (KS_DESTINATION (dest));

  g_clear_pointer (&id, g_free);
  id = ks_folder_destination_read_id (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, PLAN_ID);
}

static void
test_read_id_damaged (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *meta = g_build_filename (f->dest, KS_DESTINATION_META_DIR, NULL);
  g_autofree char *id_path = g_build_filename (meta, "id", NULL);
  g_autofree char *id = NULL;

  g_assert_cmpint (g_mkdir (meta, 0755), ==, 0);
  id = ks_folder_destination_read_id (f->dest, &error);
  g_assert_no_error (error);
  g_assert_null (id);

  g_assert_true (g_file_set_contents (id_path, "not an id\n", -1, NULL));
  id = ks_folder_destination_read_id (f->dest, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (id);
}

/* ---- what every kind gets from the base class (a test-only kind) ---- */

static void
test_plain_kind_names_and_index (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPlainDestination) plain = test_plain_destination_new (f->dest);
  g_autoptr(TestPlainDestination) again = test_plain_destination_new (f->dest);
  KsDestination *dest = KS_DESTINATION (plain);
  g_autofree char *rel1 = NULL;
  g_autofree char *rel2 = NULL;
  g_autofree char *found = NULL;
  g_autofree char *hash_b = hash_of ("photo b");
  g_autofree char *text1 = NULL;
  g_autofree char *text2 = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *gone = NULL;
  guint64 size = 0;

  g_assert_true (ks_destination_open (dest, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (ks_destination_get_id (dest)));

  /* The second file with the same name gets the counter; nothing is replaced. */
  rel1 = store (dest, "2023/06", "IMG_1", "photo a", FALSE, &error);
  g_assert_no_error (error);
  rel2 = store (dest, "2023/06", "IMG_1", "photo b", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rel1, ==, "2023/06/IMG_1.JPG");
  g_assert_cmpstr (rel2, ==, "2023/06/IMG_1 (2).JPG");
  text1 = file_text (f->dest, rel1);
  text2 = file_text (f->dest, rel2);
  g_assert_cmpstr (text1, ==, "photo a");
  g_assert_cmpstr (text2, ==, "photo b");
  assert_no_temp_files (f->dest);

  /* The index is the destination's own file, in the format every kind shares. */
  g_assert_cmpuint (count_index_lines (f->dest), ==, 2);
  ks_destination_close (dest);

  g_assert_true (ks_destination_open (KS_DESTINATION (again), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ks_destination_get_id (KS_DESTINATION (again)), ==, ks_destination_get_id (dest));
  g_assert_true (ks_destination_lookup (KS_DESTINATION (again), hash_b, &found, &size));
  g_assert_cmpstr (found, ==, rel2);
  g_assert_cmpuint (size, ==, strlen ("photo b"));
  entries = ks_destination_list_entries (KS_DESTINATION (again));
  g_assert_cmpuint (entries->len, ==, 2);
  /* By relative path (" (2)" sorts before ".JPG"). */
  g_assert_cmpstr (((KsDestinationEntry *)entries->pdata[0])->relative_path, ==, rel2);
  g_assert_cmpstr (((KsDestinationEntry *)entries->pdata[1])->relative_path, ==, rel1);

  /* A copy someone deleted does not count. */
  gone = g_build_filename (f->dest, rel2, NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);
  g_assert_false (ks_destination_lookup (KS_DESTINATION (again), hash_b, NULL, NULL));
  ks_destination_close (KS_DESTINATION (again));
}

static void
test_plain_kind_batches (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPlainDestination) plain = test_plain_destination_new (f->dest);
  KsDestination *dest = KS_DESTINATION (plain);
  g_autofree char *rel1 = NULL;
  g_autofree char *rel2 = NULL;
  g_autofree char *hash_a = hash_of ("photo a");
  g_autoptr(GPtrArray) entries = NULL;

  g_assert_true (ks_destination_open (dest, NULL, &error));
  g_assert_no_error (error);

  rel1 = store (dest, "2023", "IMG_1", "photo a", TRUE, &error);
  g_assert_no_error (error);
  rel2 = store (dest, "2023", "IMG_2", "photo b", TRUE, &error);
  g_assert_no_error (error);

  /* Staged: named and looked up, but not yet in the index file, no folder synced. */
  g_assert_true (ks_destination_lookup (dest, hash_a, NULL, NULL));
  g_assert_cmpuint (count_index_lines (f->dest), ==, 0);
  g_assert_cmpuint (test_plain_destination_get_n_syncs (plain), ==, 0);

  /* One sync for the batch: one folder, then both lines. */
  g_assert_true (ks_destination_sync (dest, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_plain_destination_get_n_syncs (plain), ==, 1);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 2);
  entries = ks_destination_list_entries (dest);
  g_assert_cmpuint (entries->len, ==, 2);
  ks_destination_close (dest);
}

static void
test_plain_kind_verify_fails (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPlainDestination) plain = test_plain_destination_new (f->dest);
  KsDestination *dest = KS_DESTINATION (plain);
  g_autofree char *rel = NULL;
  g_autofree char *hash = hash_of ("photo a");
  g_autoptr(GHashTable) files = NULL;

  g_assert_true (ks_destination_open (dest, NULL, &error));
  g_assert_no_error (error);

  /* The medium holds other bytes than were written: never named, never indexed. */
  test_plain_destination_damage_next (plain);
  rel = store (dest, "2023", "IMG_1", "photo a", FALSE, &error);
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED);
  g_assert_null (rel);
  g_assert_nonnull (strstr (error->message, f->dest));
  files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (files), ==, 0);
  assert_no_temp_files (f->dest);
  g_assert_cmpuint (count_index_lines (f->dest), ==, 0);
  g_assert_false (ks_destination_lookup (dest, hash, NULL, NULL));
  ks_destination_close (dest);
}

static void
test_plain_kind_adopts_and_forgets (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPlainDestination) plain = test_plain_destination_new (f->dest);
  g_autoptr(TestPlainDestination) again = test_plain_destination_new (f->dest);
  KsDestination *dest = KS_DESTINATION (plain);
  g_autofree char *dir = g_build_filename (f->dest, "2023", NULL);
  g_autofree char *existing = g_build_filename (dir, "IMG_1.JPG", NULL);
  g_autofree char *rel = NULL;
  g_autofree char *hash = hash_of ("photo a");
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  /* A copy whose index line was lost: same name, same bytes. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (existing, "photo a", -1, NULL));

  g_assert_true (ks_destination_open (dest, NULL, &error));
  g_assert_no_error (error);
  rel = store (dest, "2023", "IMG_1", "photo a", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rel, ==, "2023/IMG_1.JPG");
  files = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (files), ==, 1);
  assert_no_temp_files (f->dest);
  g_assert_true (ks_destination_lookup (dest, hash, NULL, NULL));

  /* Forgotten (found damaged): gone from the index, also for the next open. */
  g_assert_true (ks_destination_forget (dest, hash, &error));
  g_assert_no_error (error);
  g_assert_false (ks_destination_lookup (dest, hash, NULL, NULL));
  ks_destination_close (dest);

  g_assert_true (ks_destination_open (KS_DESTINATION (again), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ks_destination_lookup (KS_DESTINATION (again), hash, NULL, NULL));
  entries = ks_destination_list_entries (KS_DESTINATION (again));
  g_assert_cmpuint (entries->len, ==, 0);
  ks_destination_close (KS_DESTINATION (again));

  /* Forgetting needs an open destination. */
  g_assert_false (ks_destination_forget (KS_DESTINATION (again), hash, &error));
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
}

/* Two kinds on one directory read the same index: what one stored, the other knows. */
static void
test_kinds_share_index (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPlainDestination) plain = test_plain_destination_new (f->dest);
  g_autoptr(KsFolderDestination) folder = ks_folder_destination_new (f->dest);
  g_autofree char *rel = NULL;
  g_autofree char *found = NULL;
  g_autofree char *hash = hash_of ("photo a");
  g_autofree char *rehash = NULL;

  g_assert_true (ks_destination_open (KS_DESTINATION (plain), NULL, &error));
  g_assert_no_error (error);
  rel = store (KS_DESTINATION (plain), "2023", "IMG_1", "photo a", FALSE, &error);
  g_assert_no_error (error);
  ks_destination_close (KS_DESTINATION (plain));

  g_assert_true (ks_destination_open (KS_DESTINATION (folder), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ks_destination_get_id (KS_DESTINATION (folder)), ==,
                   ks_destination_get_id (KS_DESTINATION (plain)));
  g_assert_true (ks_destination_lookup (KS_DESTINATION (folder), hash, &found, NULL));
  g_assert_cmpstr (found, ==, rel);
  rehash = ks_destination_hash_file (KS_DESTINATION (folder), found, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rehash, ==, hash);
  ks_destination_close (KS_DESTINATION (folder));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/destination/folder/expected-id-written", test_expected_id_written);
  ADD ("/destination/folder/other-id-refused", test_other_id_refused);
  ADD ("/destination/folder/create-missing", test_create_missing);
  ADD ("/destination/folder/read-id-damaged", test_read_id_damaged);
  ADD ("/destination/kind/names-and-index", test_plain_kind_names_and_index);
  ADD ("/destination/kind/batches", test_plain_kind_batches);
  ADD ("/destination/kind/verify-fails", test_plain_kind_verify_fails);
  ADD ("/destination/kind/adopts-and-forgets", test_plain_kind_adopts_and_forgets);
  ADD ("/destination/kind/share-index", test_kinds_share_index);
#undef ADD

  return g_test_run ();
}
