/* test-engine-util.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Checks the engine tests share: listing a backup, comparing it byte for byte with its
 * source, making sure no temporary file is left visible; and media whose date comes last. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-folder-destination.h"
#include "ks-hash.h"
#include "ks-test-media.h"
#include "test-engine-util.h"

void
write_random_file (const char *path,
                   gsize       len,
                   guint32     seed,
                   gint64      mtime)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *buf = g_malloc (len);
  g_autofree char *dir = g_path_get_dirname (path);
  struct timespec times[2] = { { mtime, 0 }, { mtime, 0 } };

  for (gsize i = 0; i < len; i++)
    buf[i] = g_rand_int (rand) & 0xff;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, (char *)buf, len, NULL));
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          struct stat st;

          if (lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
            rm_rf (child);
          else
            unlink (child);
        }
    }
  rmdir (path);
}

char *
hash_path (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  g_autoptr(GError) error = NULL;
  char *hash;

  g_assert_cmpint (fd, >=, 0);
  hash = ks_hash_fd (fd, NULL, NULL, &error);
  g_assert_no_error (error);
  close (fd);

  return hash;
}

/* relative path → full path, for every regular file below @root (skipping .keepsake). */
static void
walk (const char *root,
      const char *rel,
      GHashTable *out)
{
  g_autofree char *dir_path = rel ? g_build_filename (root, rel, NULL) : g_strdup (root);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
      g_autofree char *child = g_build_filename (root, child_rel, NULL);
      struct stat st;

      if (rel == NULL && strcmp (name, KS_FOLDER_DESTINATION_META_DIR) == 0)
        continue;
      g_assert_cmpint (lstat (child, &st), ==, 0);
      if (S_ISDIR (st.st_mode))
        walk (root, child_rel, out);
      else
        g_hash_table_insert (out, g_steal_pointer (&child_rel), g_steal_pointer (&child));
    }
}

GHashTable *
list_files (const char *root)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  walk (root, NULL, files);
  return files;
}

void
assert_no_temp_files (const char *root)
{
  g_autoptr(GHashTable) files = list_files (root);
  GHashTableIter iter;
  const char *rel;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, NULL))
    {
      g_autofree char *base = g_path_get_basename (rel);

      if (ks_folder_destination_is_temp_name (base) || strstr (base, "keepsake-tmp") != NULL)
        g_error ("temporary file left visible: %s", rel);
    }
}

gboolean
files_equal (const char *a,
             const char *b)
{
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;
  gsize la = 0, lb = 0;

  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));

  return la == lb && memcmp (ca, cb, la) == 0;
}

/* Every file of @src has a byte-identical copy in @dest, and @dest holds nothing else. */
void
assert_backup_complete (const char *src,
                        const char *dest)
{
  g_autoptr(GHashTable) src_files = list_files (src);
  g_autoptr(GHashTable) dest_files = list_files (dest);
  g_autoptr(GHashTable) dest_by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) src_hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  const char *rel, *path;

  g_hash_table_iter_init (&iter, dest_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&path))
    g_hash_table_insert (dest_by_hash, hash_path (path), (gpointer)path);

  g_hash_table_iter_init (&iter, src_files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&rel, (gpointer *)&path))
    {
      g_autofree char *hash = hash_path (path);
      const char *copy = g_hash_table_lookup (dest_by_hash, hash);

      if (copy == NULL)
        g_error ("%s was not backed up", rel);
      g_assert_true (files_equal (path, copy));
      g_hash_table_add (src_hashes, g_steal_pointer (&hash));
    }

  /* Nothing extra: as many distinct contents in dest as there are files. */
  g_assert_cmpuint (g_hash_table_size (dest_files), ==, g_hash_table_size (dest_by_hash));
  g_assert_cmpuint (g_hash_table_size (dest_by_hash), ==, g_hash_table_size (src_hashes));
}

guint
count_index_lines (const char *dest)
{
  g_autofree char *path = g_build_filename (dest, KS_FOLDER_DESTINATION_META_DIR, "index", NULL);
  g_autofree char *contents = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  for (const char *p = contents; *p; p++)
    if (*p == '\n')
      n++;

  return n;
}

void
make_library (const char *dir,
              int         count,
              int         first_number)
{
  const char *tool = g_getenv ("KS_SAMPLE_LIBRARY");
  g_autoptr(GError) error = NULL;
  g_autofree char *count_s = g_strdup_printf ("%d", count);
  g_autofree char *first_s = g_strdup_printf ("%d", first_number);
  int status = 0;
  const char *argv[] = { tool, "--out", dir, "--count", count_s, "--fast",
                         "--first-number", first_s, "--seed", first_s, NULL };

  if (tool == NULL)
    g_error ("KS_SAMPLE_LIBRARY is not set (run through meson test)");

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

gboolean
ks_test_collect_cb (KsSource           *source,
                    const KsSourceFile *file,
                    gpointer            user_data)
{
  g_ptr_array_add (user_data, ks_source_file_copy (file));
  return TRUE;
}

/* ---- media whose date comes after the media data ---- */

/* More than one read chunk of media data, so whatever follows it is not in the first
 * chunk the import reads. */
#define LATE_FILLER (4 * 1024 * 1024 + 64 * 1024)

static void
put_filler (GByteArray *b,
            guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint at = b->len;

  g_byte_array_set_size (b, at + LATE_FILLER);
  for (guint i = 0; i < LATE_FILLER; i++)
    b->data[at + i] = g_rand_int (rand) & 0xff;
}

/* A QuickTime movie as iPhones write it when recording: ftyp, mdat, then moov with the
 * creation date (mvhd, 1904 epoch, UTC). */
GBytes *
make_late_moov_mov (gint64  created,
                    guint32 seed)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  guint box, moov;

  box = ks_test_box_begin (b, "ftyp");
  g_byte_array_append (b, (const guint8 *)"qt  \0\0\0\0qt  ", 12);
  ks_test_box_end (b, box);

  box = ks_test_box_begin (b, "mdat");
  put_filler (b, seed);
  ks_test_box_end (b, box);

  moov = ks_test_box_begin (b, "moov");
  box = ks_test_box_begin (b, "mvhd");
  ks_test_put32 (b, 0);                                 /* version 0, flags */
  ks_test_put32 (b, (guint32)(created + G_GINT64_CONSTANT (2082844800)));
  ks_test_put32 (b, (guint32)(created + G_GINT64_CONSTANT (2082844800)));
  ks_test_put32 (b, 600);                               /* timescale */
  ks_test_put32 (b, 600 * 3);                           /* duration: 3 s */
  for (guint i = 0; i < 80 / 4; i++)               /* rate, volume, matrix, next track … */
    ks_test_put32 (b, 0);
  ks_test_box_end (b, box);
  ks_test_box_end (b, moov);

  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}

/* An HEIC whose meta comes first but whose Exif item (DateTimeOriginal @date, no offset
 * tag) is stored after the image data, as iloc allows. */
GBytes *
make_late_exif_heic (const char *date,
                     guint32     seed)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GByteArray) exif = g_byte_array_new ();
  guint box, meta, iinf, iloc, mdat;
  guint extent_offset_at;

  /* The Exif item: offset to the TIFF header, "Exif\0\0", a big-endian TIFF with IFD0
   * pointing to an Exif IFD holding DateTimeOriginal. */
  ks_test_put32 (exif, 6);
  g_byte_array_append (exif, (const guint8 *)"Exif\0\0", 6);
  g_byte_array_append (exif, (const guint8 *)"MM\0*", 4);
  ks_test_put32 (exif, 8);
  ks_test_put16 (exif, 1);                                  /* IFD0: one entry at 8 */
  ks_test_put16 (exif, 0x8769); ks_test_put16 (exif, 4); ks_test_put32 (exif, 1); ks_test_put32 (exif, 26);
  ks_test_put32 (exif, 0);
  ks_test_put16 (exif, 1);                                  /* Exif IFD at 26 */
  ks_test_put16 (exif, 0x9003); ks_test_put16 (exif, 2); ks_test_put32 (exif, 20); ks_test_put32 (exif, 44);
  ks_test_put32 (exif, 0);
  g_assert_cmpuint (strlen (date), ==, 19);
  g_byte_array_append (exif, (const guint8 *)date, 20); /* at 44, with its NUL */

  box = ks_test_box_begin (b, "ftyp");
  g_byte_array_append (b, (const guint8 *)"heic\0\0\0\0mif1heic", 16);
  ks_test_box_end (b, box);

  meta = ks_test_box_begin (b, "meta");
  ks_test_put32 (b, 0);
  box = ks_test_box_begin (b, "hdlr");
  ks_test_put32 (b, 0);
  ks_test_put32 (b, 0);
  g_byte_array_append (b, (const guint8 *)"pict", 4);
  ks_test_put32 (b, 0); ks_test_put32 (b, 0); ks_test_put32 (b, 0);
  g_byte_array_append (b, (const guint8 *)"", 1);
  ks_test_box_end (b, box);
  iinf = ks_test_box_begin (b, "iinf");
  ks_test_put32 (b, 0);
  ks_test_put16 (b, 1);
  box = ks_test_box_begin (b, "infe");
  ks_test_put32 (b, 2u << 24);                              /* version 2 */
  ks_test_put16 (b, 1);                                     /* item 1 */
  ks_test_put16 (b, 0);
  g_byte_array_append (b, (const guint8 *)"Exif", 4);
  g_byte_array_append (b, (const guint8 *)"", 1);
  ks_test_box_end (b, box);
  ks_test_box_end (b, iinf);
  iloc = ks_test_box_begin (b, "iloc");
  ks_test_put32 (b, 0);                                     /* version 0 */
  g_byte_array_append (b, (const guint8 *)"\x44\x00", 2); /* 32-bit offsets and lengths */
  ks_test_put16 (b, 1);
  ks_test_put16 (b, 1);                                     /* item 1 */
  ks_test_put16 (b, 0);                                     /* data reference */
  ks_test_put16 (b, 1);                                     /* one extent */
  extent_offset_at = b->len;
  ks_test_put32 (b, 0);
  ks_test_put32 (b, exif->len);
  ks_test_box_end (b, iloc);
  ks_test_box_end (b, meta);

  mdat = ks_test_box_begin (b, "mdat");
  put_filler (b, seed);
  {
    guint32 be = GUINT32_TO_BE (b->len);

    memcpy (b->data + extent_offset_at, &be, 4);
  }
  g_byte_array_append (b, exif->data, exif->len);
  ks_test_box_end (b, mdat);

  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}
