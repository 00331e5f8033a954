/* test-library-views.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What a destination keeps of the phone's Photos library: "info" index lines (format,
 * bounds, old and new index files read alike), XMP sidecars (written, left alone when
 * unchanged, replaced only when nobody else touched them, kept with a JPEG copy of the same
 * photo), and the Albums folder (hard or symbolic links, renames followed, never written
 * through a symlink, never removing a real file). */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-destination-private.h"
#include "ks-folder-destination.h"
#include "ks-hash.h"
#include "ks-photo-info.h"
#include "ks-test-emulator.h"
#include "ks-xmp-sidecar.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

typedef struct
{
  char          *root;
  KsDestination *dest;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("ks-views-XXXXXX", &error);
  g_assert_no_error (error);
  f->dest = KS_DESTINATION (ks_folder_destination_new (f->root));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ks_destination_close (f->dest);
  g_clear_object (&f->dest);
  ks_test_remove_tree (f->root);
  g_free (f->root);
}

static char *
hash_text (const char *text)
{
  g_autoptr(KsHasher) hasher = ks_hasher_new ();

  ks_hasher_update (hasher, text, strlen (text));
  return ks_hasher_finish (hasher);
}

/* Stores @text as @dir/@name; returns its hash. */
static char *
store (KsDestination *dest,
       const char    *dir,
       const char    *name,
       const char    *text)
{
  g_autoptr(GError) error = NULL;
  char *hash = hash_text (text);
  g_autofree char *stem = g_strndup (name, strrchr (name, '.') - name);
  KsDestinationWriter *writer = ks_destination_begin_file (dest, dir, name, &error);

  g_assert_no_error (error);
  g_assert_true (ks_destination_write (dest, writer, text, strlen (text), &error));
  g_assert_true (ks_destination_commit (dest, writer, dir, stem, strrchr (name, '.') + 1, hash, NULL,
                                        NULL, NULL, &error));
  g_assert_no_error (error);
  return hash;
}

static char *
read_file (const char *root,
           const char *relative)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static void
write_file (const char *root,
            const char *relative,
            const char *text)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* ---- the info line ---- */

static void
test_info_line (void)
{
  const char *albums[] = { "Trips/Italy 2023", "Dogs \360\237\220\266", "100% = fun", "Trips/Italy 2023",
                           "two\nlines", NULL };
  g_autoptr(KsPhotoInfo) info = ks_photo_info_new (HASH_A, KS_PHOTO_INFO_FAVORITE | KS_PHOTO_INFO_TRASHED,
                                                   "2024-05-03T10:11:12+02:00", albums);
  g_autoptr(KsPhotoInfo) back = NULL;
  g_autoptr(GString) line = g_string_new (NULL);

  /* Sorted, once each, one line each. */
  g_assert_cmpuint (g_strv_length (info->albums), ==, 4);
  g_assert_cmpstr (info->albums[0], ==, "100% = fun");
  g_assert_cmpstr (info->albums[3], ==, "two lines");

  ks_photo_info_append_line (info, line);
  g_assert_true (g_str_has_prefix (line->str, "info " HASH_A " fav=1 hidden=0 trash=1 date="));
  g_assert_true (strchr (line->str, '\n') == line->str + line->len - 1);
  g_string_truncate (line, line->len - 1);
  back = ks_photo_info_parse_line (line->str);
  g_assert_nonnull (back);
  g_assert_true (ks_photo_info_equal (info, back));

  /* Later versions' keys are skipped; damaged lines are refused. */
  g_clear_pointer (&back, ks_photo_info_free);
  back = ks_photo_info_parse_line ("info " HASH_B " hidden=1 stars=4 album=A%20B");
  g_assert_nonnull (back);
  g_assert_cmpint (back->flags, ==, KS_PHOTO_INFO_HIDDEN);
  g_assert_cmpstr (back->albums[0], ==, "A B");
  g_assert_null (back->date);
  g_assert_null (ks_photo_info_parse_line ("info nothex fav=1"));
  g_assert_null (ks_photo_info_parse_line ("info " HASH_B " fav"));
  g_assert_null (ks_photo_info_parse_line ("info " HASH_B " album=%ff%fe"));
  g_assert_null (ks_photo_info_parse_line ("info " HASH_B " album=a%0Ab"));
}

/* ---- the index: old files read as before, info and two derived files per photo ---- */

static void
test_index_compat (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *index = NULL;
  g_autofree char *before = NULL;
  g_autofree char *jpeg_hash = hash_text ("jpeg");
  g_autofree char *xmp_hash = hash_text ("xmp");
  g_autofree char *old_index = NULL;
  g_autoptr(KsPhotoInfo) info = NULL;
  g_autoptr(KsDestination) again = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const char *albums[] = { "Family", NULL };
  char *path = NULL;

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  photo = store (f->dest, "2024/05", "IMG_0001.HEIC", "photo");
  ks_destination_close (f->dest);

  /* An index as the previous version wrote it, plus a JPEG copy and a sidecar of the photo
   * and what the phone said of it. */
  write_file (f->root, "2024/05/IMG_0001.JPG", "jpeg");
  write_file (f->root, "2024/05/IMG_0001.HEIC.xmp", "xmp");
  old_index = read_file (f->root, ".keepsake/index");
  index = g_strdup_printf ("%sderived %s %s 4 2024/05/IMG_0001.JPG\n"
                           "derived %s %s 3 2024/05/IMG_0001.HEIC.xmp\n"
                           "info %s fav=1 hidden=0 date=2024-05-03T10:11:12+02:00 album=Family\n",
                           old_index, photo, jpeg_hash, photo, xmp_hash, photo);
  write_file (f->root, ".keepsake/index", index);

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  g_assert_no_error (error);
  /* Nothing damaged: the file is not rewritten. */
  before = read_file (f->root, ".keepsake/index");
  g_assert_cmpstr (before, ==, index);
  g_assert_true (ks_destination_lookup (f->dest, photo, NULL, NULL));
  g_assert_true (ks_destination_lookup_derived (f->dest, photo, &path, NULL));
  g_assert_cmpstr (path, ==, "2024/05/IMG_0001.JPG");
  g_free (path);
  info = ks_destination_dup_info (f->dest, photo);
  g_assert_nonnull (info);
  g_assert_cmpint (info->flags, ==, KS_PHOTO_INFO_FAVORITE);
  g_assert_cmpstr (info->albums[0], ==, "Family");
  entries = ks_destination_list_entries (f->dest);
  g_assert_cmpuint (entries->len, ==, 1);

  /* The same again records nothing; a change is one line, read back after a reopen. */
  g_clear_pointer (&info, ks_photo_info_free);
  info = ks_photo_info_new (photo, KS_PHOTO_INFO_FAVORITE, "2024-05-03T10:11:12+02:00", albums);
  g_assert_false (ks_destination_record_info (f->dest, info));
  g_clear_pointer (&info, ks_photo_info_free);
  info = ks_photo_info_new (photo, KS_PHOTO_INFO_HIDDEN, NULL, NULL);
  g_assert_true (ks_destination_record_info (f->dest, info));
  g_assert_true (ks_destination_sync (f->dest, &error));
  ks_destination_close (f->dest);

  again = KS_DESTINATION (ks_folder_destination_new (f->root));
  g_assert_true (ks_destination_open (again, NULL, &error));
  infos = ks_destination_list_infos (again);
  g_assert_cmpuint (infos->len, ==, 1);
  g_assert_true (ks_photo_info_equal (g_ptr_array_index (infos, 0), info));
  g_assert_true (ks_destination_lookup_derived (again, photo, NULL, NULL));
  ks_destination_close (again);

  /* An index of the first version, with no info at all, reads as it did. */
  write_file (f->root, ".keepsake/index", old_index);
  g_clear_object (&again);
  again = KS_DESTINATION (ks_folder_destination_new (f->root));
  g_assert_true (ks_destination_open (again, NULL, &error));
  g_assert_true (ks_destination_lookup (again, photo, NULL, NULL));
  g_clear_pointer (&infos, g_ptr_array_unref);
  infos = ks_destination_list_infos (again);
  g_assert_cmpuint (infos->len, ==, 0);
  ks_destination_close (again);
}

/* ---- sidecars ---- */

static GBytes *
sidecar_for (const char *hash,
             const char *album)
{
  const char *albums[] = { album, NULL };
  g_autoptr(KsPhotoInfo) info = ks_photo_info_new (hash, KS_PHOTO_INFO_FAVORITE, "2024-05-03T10:11:12+02:00",
                                                   album ? albums : NULL);

  return ks_xmp_sidecar_build (info);
}

static void
test_sidecar (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) third = NULL;
  g_autoptr(KsDestination) again = NULL;
  KsSidecarOutcome outcome;
  char *path = NULL;

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  photo = store (f->dest, "2024/05", "IMG_0001.HEIC", "photo");
  first = sidecar_for (photo, "Trips/Italy");
  second = sidecar_for (photo, "Trips/Norway");
  third = sidecar_for (photo, NULL);

  g_assert_true (ks_destination_put_sidecar (f->dest, photo, "2024/05/IMG_0001.HEIC.xmp", first, &outcome,
                                             NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, KS_SIDECAR_WRITTEN);
  text = read_file (f->root, "2024/05/IMG_0001.HEIC.xmp");
  g_assert_cmpmem (text, strlen (text), g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  g_assert_nonnull (strstr (text, "<rdf:li>Trips|Italy</rdf:li>"));
  g_assert_nonnull (strstr (text, "xmp:Rating=\"5\""));

  /* The same again: nothing written. */
  g_assert_true (ks_destination_put_sidecar (f->dest, photo, "2024/05/IMG_0001.HEIC.xmp", first, &outcome,
                                             NULL, &error));
  g_assert_cmpint (outcome, ==, KS_SIDECAR_UNCHANGED);

  /* The album was renamed: ours, untouched since, so it is replaced. */
  g_assert_true (ks_destination_put_sidecar (f->dest, photo, "2024/05/IMG_0001.HEIC.xmp", second, &outcome,
                                             NULL, &error));
  g_assert_cmpint (outcome, ==, KS_SIDECAR_WRITTEN);
  g_free (text);
  text = read_file (f->root, "2024/05/IMG_0001.HEIC.xmp");
  g_assert_nonnull (strstr (text, "Trips|Norway"));

  /* Another program changed it: it stays as that program left it. */
  write_file (f->root, "2024/05/IMG_0001.HEIC.xmp", "<x:xmpmeta>edited in darktable</x:xmpmeta>");
  g_assert_true (ks_destination_put_sidecar (f->dest, photo, "2024/05/IMG_0001.HEIC.xmp", third, &outcome,
                                             NULL, &error));
  g_assert_cmpint (outcome, ==, KS_SIDECAR_KEPT);
  g_free (text);
  text = read_file (f->root, "2024/05/IMG_0001.HEIC.xmp");
  g_assert_cmpstr (text, ==, "<x:xmpmeta>edited in darktable</x:xmpmeta>");

  /* A symlink where the sidecar goes is not written through. */
  g_assert_cmpint (g_mkdir_with_parents (g_build_filename (f->root, "2024/06", NULL), 0755), ==, 0);
  {
    g_autofree char *link = g_build_filename (f->root, "2024/06/IMG_0002.HEIC.xmp", NULL);

    g_assert_cmpint (symlink ("/tmp/ks-views-outside.xmp", link), ==, 0);
    g_assert_false (ks_destination_put_sidecar (f->dest, photo, "2024/06/IMG_0002.HEIC.xmp", first, NULL,
                                                NULL, &error));
    g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH);
    g_clear_error (&error);
    g_assert_false (g_file_test ("/tmp/ks-views-outside.xmp", G_FILE_TEST_EXISTS));
  }
  ks_destination_close (f->dest);

  /* Recorded as derived from the photo, beside a JPEG copy's record; no copy of anything. */
  again = KS_DESTINATION (ks_folder_destination_new (f->root));
  g_assert_true (ks_destination_open (again, NULL, &error));
  g_assert_false (ks_destination_lookup_derived (again, photo, &path, NULL));
  {
    g_autoptr(GPtrArray) entries = ks_destination_list_entries (again);

    g_assert_cmpuint (entries->len, ==, 1);
  }
  ks_destination_close (again);
  g_free (path);
}

/* ---- the Albums folder ---- */

static GHashTable *
albums_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
}

static void
albums_add (GHashTable *albums,
            const char *album,
            const char *member)
{
  GPtrArray *members = g_hash_table_lookup (albums, album);

  if (members == NULL)
    {
      members = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (albums, g_strdup (album), members);
    }
  g_ptr_array_add (members, g_strdup (member));
}

static gboolean
same_file (const char *root,
           const char *a,
           const char *b)
{
  g_autofree char *pa = g_build_filename (root, a, NULL);
  g_autofree char *pb = g_build_filename (root, b, NULL);
  struct stat sa, sb;

  return stat (pa, &sa) == 0 && stat (pb, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static gboolean
exists (const char *root,
        const char *relative)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  struct stat st;

  return lstat (path, &st) == 0;
}

static void
test_albums (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) albums = albums_new ();
  g_autoptr(GHashTable) renamed = albums_new ();
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  KsAlbumLinks links;
  gboolean symbolic = GPOINTER_TO_INT (data);

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  if (symbolic)
    _ks_destination_force_album_links (f->dest, KS_ALBUM_LINKS_SYMBOLIC);
  a = store (f->dest, "2024/05", "IMG_0001.HEIC", "one");
  b = store (f->dest, "2024/06", "IMG_0001.HEIC", "two");
  c = store (f->dest, "2024/06", "IMG_0003.HEIC", "three");

  albums_add (albums, "Trips/Italy", "2024/05/IMG_0001.HEIC");
  albums_add (albums, "Trips/Italy", "2024/06/IMG_0001.HEIC");
  albums_add (albums, "Family", "2024/06/IMG_0003.HEIC");
  albums_add (albums, "../../escape", "2024/06/IMG_0003.HEIC");
  /* Somebody's own file in the Albums folder. */
  write_file (f->root, "Albums/Family/notes.txt", "mine");

  g_assert_true (ks_destination_sync_albums (f->dest, "Albums", albums, &links, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (links, ==, symbolic ? KS_ALBUM_LINKS_SYMBOLIC : KS_ALBUM_LINKS_HARD);
  g_assert_true (same_file (f->root, "Albums/Trips/Italy/IMG_0001.HEIC", "2024/05/IMG_0001.HEIC"));
  g_assert_true (same_file (f->root, "Albums/Trips/Italy/IMG_0001 (2).HEIC", "2024/06/IMG_0001.HEIC"));
  g_assert_true (same_file (f->root, "Albums/Family/IMG_0003.HEIC", "2024/06/IMG_0003.HEIC"));
  /* ".." is a name like any other there: nothing leaves the folder. */
  g_assert_false (exists (f->root, "../escape"));
  g_assert_false (exists (f->root, "escape"));
  if (symbolic)
    {
      g_autofree char *link = g_build_filename (f->root, "Albums/Trips/Italy/IMG_0001.HEIC", NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      g_assert_cmpstr (target, ==, "../../../2024/05/IMG_0001.HEIC");
    }

  /* Italy renamed Norway, Family gone: followed; the person's own file stays. */
  albums_add (renamed, "Trips/Norway", "2024/05/IMG_0001.HEIC");
  albums_add (renamed, "Trips/Norway", "2024/06/IMG_0001.HEIC");
  g_assert_true (ks_destination_sync_albums (f->dest, "Albums", renamed, &links, NULL, &error));
  g_assert_true (same_file (f->root, "Albums/Trips/Norway/IMG_0001.HEIC", "2024/05/IMG_0001.HEIC"));
  g_assert_false (exists (f->root, "Albums/Trips/Italy"));
  g_assert_false (exists (f->root, "Albums/Family/IMG_0003.HEIC"));
  g_assert_true (exists (f->root, "Albums/Family/notes.txt"));
  /* The photos themselves never move. */
  g_assert_true (exists (f->root, "2024/05/IMG_0001.HEIC"));
  g_assert_true (exists (f->root, "2024/06/IMG_0003.HEIC"));
  ks_destination_close (f->dest);
}

static void
test_albums_symlink_out (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) albums = albums_new ();
  g_autofree char *outside = g_dir_make_tmp ("ks-views-outside-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (f->root, "Albums", NULL);
  g_autofree char *photo = NULL;
  g_autoptr(GDir) dir = NULL;

  g_assert_true (ks_destination_open (f->dest, NULL, &error));
  photo = store (f->dest, "2024/05", "IMG_0001.HEIC", "one");
  albums_add (albums, "Trips", "2024/05/IMG_0001.HEIC");
  g_assert_cmpint (symlink (outside, link), ==, 0);

  g_assert_false (ks_destination_sync_albums (f->dest, "Albums", albums, NULL, NULL, &error));
  g_assert_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNSAFE_PATH);
  dir = g_dir_open (outside, 0, NULL);
  g_assert_null (g_dir_read_name (dir));
  g_rmdir (outside);
  ks_destination_close (f->dest);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/library-views/info-line", test_info_line);
  g_test_add ("/library-views/index-compat", Fixture, NULL, fixture_set_up, test_index_compat, fixture_tear_down);
  g_test_add ("/library-views/sidecar", Fixture, NULL, fixture_set_up, test_sidecar, fixture_tear_down);
  g_test_add ("/library-views/albums/hard", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up, test_albums,
              fixture_tear_down);
  g_test_add ("/library-views/albums/symbolic", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up, test_albums,
              fixture_tear_down);
  g_test_add ("/library-views/albums/symlink-out", Fixture, NULL, fixture_set_up, test_albums_symlink_out,
              fixture_tear_down);

  return g_test_run ();
}
