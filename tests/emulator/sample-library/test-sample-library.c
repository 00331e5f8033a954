/* test-sample-library.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs iphone-sample-library ($KS_SAMPLE_LIBRARY) and checks what it wrote with the real
 * decoders: libheif, libexif, gdk-pixbuf, and a small ISOBMFF walk for the movies. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libexif/exif-data.h>
#include <libheif/heif.h>

#define MAC_EPOCH_OFFSET G_GINT64_CONSTANT (2082844800)

static char *shared_root;   /* --fast, 40 assets, seed 7: used by most cases */

/* Helpers */

static char *
run_generator (const char * const *extra,
               const char         *out)
{
  const char *bin = g_getenv ("KS_SAMPLE_LIBRARY");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_buf = NULL;
  g_autofree char *stderr_buf = NULL;
  int status = 0;

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (char *) bin);
  g_ptr_array_add (argv, (char *) "--out");
  g_ptr_array_add (argv, (char *) out);
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &stdout_buf, &stderr_buf, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("iphone-sample-library failed: %s", stderr_buf);
  return g_steal_pointer (&stdout_buf);
}

static char *
make_library (const char * const *extra)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("ks-sample-XXXXXX", &error);
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  out = run_generator (extra, dir);
  g_assert_true (g_str_has_prefix (out, "iphone-sample-library: "));
  return dir;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

/* Relative paths of every file under DCIM, sorted. */
static GPtrArray *
list_files (const char *root)
{
  g_autofree char *dcim = g_build_filename (root, "DCIM", NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  GDir *top = g_dir_open (dcim, 0, NULL);
  const char *folder;

  g_assert_nonnull (top);
  while ((folder = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *fpath = g_build_filename (dcim, folder, NULL);
      GDir *sub = g_dir_open (fpath, 0, NULL);
      const char *name;

      g_assert_nonnull (sub);
      while ((name = g_dir_read_name (sub)) != NULL)
        g_ptr_array_add (files, g_build_filename ("DCIM", folder, name, NULL));
      g_dir_close (sub);
    }
  g_dir_close (top);
  return files;
}

static int
cmp_strv (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static GPtrArray *
list_sorted (const char *root)
{
  GPtrArray *files = list_files (root);

  g_ptr_array_sort (files, cmp_strv);
  return files;
}

static GPtrArray *
files_with_suffix (const char *root,
                   const char *suffix)
{
  g_autoptr(GPtrArray) all = list_sorted (root);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < all->len; i++)
    if (g_str_has_suffix (all->pdata[i], suffix))
      g_ptr_array_add (out, g_build_filename (root, (char *) all->pdata[i], NULL));
  return out;
}

static gint64
mtime_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mtime;
}

static char *
sha256_of (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* "2023:05:01 12:34:56" in zone "+01:00" → Unix time */
static gint64
exif_time_to_unix (const char *when,
                   const char *offset)
{
  int y, mo, d, h, mi, s;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) dt = NULL;

  g_assert_cmpint (sscanf (when, "%d:%d:%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s), ==, 6);
  tz = g_time_zone_new_identifier (offset);
  g_assert_nonnull (tz);
  dt = g_date_time_new (tz, y, mo, d, h, mi, s);
  return g_date_time_to_unix (dt);
}

static char *
exif_string (ExifData *ed,
             ExifIfd   ifd,
             ExifTag   tag)
{
  ExifEntry *e = exif_content_get_entry (ed->ifd[ifd], tag);
  char buf[256];

  if (e == NULL)
    return NULL;
  exif_entry_get_value (e, buf, sizeof buf);
  return g_strdup (buf);
}

static guint
exif_orientation (ExifData *ed)
{
  ExifEntry *e = exif_content_get_entry (ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);

  g_assert_nonnull (e);
  return exif_get_short (e->data, exif_data_get_byte_order (ed));
}

static void
shared_library_ensure (void)
{
  if (shared_root == NULL)
    shared_root = make_library ((const char *[]) { "--count", "40", "--seed", "7", "--fast", NULL });
}

/* ISOBMFF walking, with pread so the 4 GiB file is never read whole. */

static void
read_at (int fd, guint64 offset, void *buf, gsize len)
{
  g_assert_cmpint (pread (fd, buf, len, offset), ==, (gssize) len);
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return (guint64) be32 (p) << 32 | be32 (p + 4);
}

/* Finds the first child box @type in [start, end); returns payload bounds. */
static gboolean
find_box (int         fd,
          guint64     start,
          guint64     end,
          const char *type,
          guint64    *payload,
          guint64    *payload_end,
          guint64    *box_size)
{
  guint64 pos = start;

  while (pos + 8 <= end)
    {
      guint8 hdr[16];
      guint64 size;
      guint hlen = 8;

      read_at (fd, pos, hdr, 8);
      size = be32 (hdr);
      if (size == 1)
        {
          read_at (fd, pos + 8, hdr + 8, 8);
          size = be64 (hdr + 8);
          hlen = 16;
        }
      else if (size == 0)
        size = end - pos;
      g_assert_cmpuint (size, >=, hlen);
      g_assert_cmpuint (pos + size, <=, end);
      if (memcmp (hdr + 4, type, 4) == 0)
        {
          *payload = pos + hlen;
          *payload_end = pos + size;
          if (box_size)
            *box_size = size;
          return TRUE;
        }
      pos += size;
    }
  return FALSE;
}

static gboolean
find_path (int         fd,
           guint64     file_size,
           const char *path,
           guint64    *payload,
           guint64    *payload_end)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint64 s = 0, e = file_size;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (!find_box (fd, s, e, parts[i], &s, &e, NULL))
        return FALSE;
    }
  *payload = s;
  *payload_end = e;
  return TRUE;
}

typedef struct
{
  char     brand[5];
  char     entry[5];
  guint64  creation;          /* Unix time from mvhd */
  guint64  first_offset;
  guint32  first_size;
  guint64  last_offset;
  gboolean co64;
  gboolean large_mdat;
  gboolean has_day;
  gboolean has_creationdate_key;
  guint64  file_size;
  gboolean has_config;        /* hvcC / avcC inside the hvc1 / avc1 entry */
  guint32  n_sync;            /* stss entries; 0 without stss */
  guint32  first_sync;
  guint32  n_samples;
  gint32   matrix[4];         /* tkhd a, b, c, d (16.16) */
  guint32  track_width;
  guint32  track_height;
} MovieInfo;

static void
parse_movie (const char *path,
             MovieInfo  *info)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  GStatBuf st;
  guint64 s, e, box_size;
  guint8 buf[64];
  guint32 n;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  memset (info, 0, sizeof *info);
  info->file_size = st.st_size;

  g_assert_true (find_box (fd, 0, st.st_size, "ftyp", &s, &e, NULL));
  read_at (fd, s, info->brand, 4);

  g_assert_true (find_box (fd, 0, st.st_size, "mdat", &s, &e, &box_size));
  info->large_mdat = (s - 16 == e - box_size);

  g_assert_true (find_path (fd, st.st_size, "moov/mvhd", &s, &e));
  read_at (fd, s, buf, 8);
  g_assert_cmpint (buf[0], ==, 0);
  info->creation = be32 (buf + 4) - MAC_EPOCH_OFFSET;

  g_assert_true (find_path (fd, st.st_size, "moov/trak/mdia/minf/stbl/stsd", &s, &e));
  read_at (fd, s, buf, 16);
  g_assert_cmpuint (be32 (buf + 4), ==, 1);
  memcpy (info->entry, buf + 12, 4);

  if (memcmp (info->entry, "hvc1", 4) == 0 || memcmp (info->entry, "avc1", 4) == 0)
    {
      guint64 es, ee;
      guint64 at = s + 8 + 8 + 78;   /* stsd header, the entry's header, visual fields */

      g_assert_true (find_path (fd, st.st_size, "moov/trak/mdia/minf/stbl/stsd", &es, &ee));
      info->has_config = find_box (fd, at, ee, info->entry[0] == 'h' ? "hvcC" : "avcC",
                                   &es, &ee, NULL);
    }

  g_assert_true (find_path (fd, st.st_size, "moov/trak/tkhd", &s, &e));
  read_at (fd, s + 40, buf, 44);   /* version 0: the matrix, then width and height */
  info->matrix[0] = (gint32) be32 (buf);
  info->matrix[1] = (gint32) be32 (buf + 4);
  info->matrix[2] = (gint32) be32 (buf + 12);
  info->matrix[3] = (gint32) be32 (buf + 16);
  info->track_width = be32 (buf + 36) >> 16;
  info->track_height = be32 (buf + 40) >> 16;

  if (find_path (fd, st.st_size, "moov/trak/mdia/minf/stbl/stss", &s, &e))
    {
      read_at (fd, s + 4, buf, 8);
      info->n_sync = be32 (buf);
      info->first_sync = be32 (buf + 4);
    }

  g_assert_true (find_path (fd, st.st_size, "moov/trak/mdia/minf/stbl/stsz", &s, &e));
  read_at (fd, s, buf, 16);
  g_assert_cmpuint (be32 (buf + 4), ==, 0);
  g_assert_cmpuint (be32 (buf + 8), >=, 1);
  info->n_samples = be32 (buf + 8);
  info->first_size = be32 (buf + 12);

  if (find_path (fd, st.st_size, "moov/trak/mdia/minf/stbl/co64", &s, &e))
    {
      info->co64 = TRUE;
      read_at (fd, s + 4, buf, 4);
      n = be32 (buf);
      read_at (fd, s + 8, buf, 8);
      info->first_offset = be64 (buf);
      read_at (fd, s + 8 + (n - 1) * 8, buf, 8);
      info->last_offset = be64 (buf);
    }
  else
    {
      g_assert_true (find_path (fd, st.st_size, "moov/trak/mdia/minf/stbl/stco", &s, &e));
      read_at (fd, s + 4, buf, 4);
      n = be32 (buf);
      read_at (fd, s + 8, buf, 4);
      info->first_offset = be32 (buf);
      read_at (fd, s + 8 + (n - 1) * 4, buf, 4);
      info->last_offset = be32 (buf);
    }

  info->has_day = find_path (fd, st.st_size, "moov/udta/\xA9" "day", &s, &e);

  if (find_path (fd, st.st_size, "moov/meta", &s, &e))
    {
      g_autofree char *meta = g_malloc (e - s + 1);

      read_at (fd, s, meta, e - s);
      info->has_creationdate_key = memmem (meta, e - s, "com.apple.quicktime.creationdate", 32) != NULL;
    }

  close (fd);
}

static GdkPixbuf *
pixbuf_from_data (const guint8 *data,
                  gsize         len)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf;

  gdk_pixbuf_loader_write (loader, data, len, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  g_assert_nonnull (pixbuf);
  return g_object_ref (pixbuf);
}

/* Cases */

static void
test_kinds (void)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  guint heic = 0, jpg = 0, png = 0, mov = 0, mp4 = 0, aae = 0, live = 0, edited = 0;

  shared_library_ensure ();
  files = list_sorted (shared_root);
  for (guint i = 0; i < files->len; i++)
    g_hash_table_add (names, files->pdata[i]);

  for (guint i = 0; i < files->len; i++)
    {
      const char *f = files->pdata[i];
      g_autofree char *base = g_path_get_basename (f);
      g_autofree char *dir = g_path_get_dirname (f);

      g_assert_true (g_str_has_prefix (dir, "DCIM/1") && g_str_has_suffix (dir, "APPLE"));
      g_assert_true (g_str_has_prefix (base, "IMG_"));
      if (g_str_has_suffix (base, ".HEIC")) heic++;
      else if (g_str_has_suffix (base, ".JPG")) jpg++;
      else if (g_str_has_suffix (base, ".PNG")) png++;
      else if (g_str_has_suffix (base, ".MOV")) mov++;
      else if (g_str_has_suffix (base, ".MP4")) mp4++;
      else if (g_str_has_suffix (base, ".AAE")) aae++;
      else g_assert_not_reached ();

      if (g_str_has_suffix (base, ".HEIC") && !g_str_has_prefix (base, "IMG_E"))
        {
          g_autofree char *stem = g_strndup (f, strlen (f) - 5);
          g_autofree char *movie = g_strconcat (stem, ".MOV", NULL);
          g_autofree char *aae_name = g_strconcat (stem, ".AAE", NULL);
          g_autofree char *ename = g_strdup_printf ("%s/IMG_E%s", dir, base + 4);

          if (g_hash_table_contains (names, movie))
            live++;
          if (g_hash_table_contains (names, aae_name))
            {
              g_assert_true (g_hash_table_contains (names, ename));
              edited++;
            }
        }
      if (g_str_has_prefix (base, "IMG_E"))
        {
          g_autofree char *orig = g_strdup_printf ("%s/IMG_%s", dir, base + 5);
          g_autofree char *sidecar = g_strdup_printf ("%s/IMG_%.4s.AAE", dir, base + 5);

          g_assert_true (g_hash_table_contains (names, orig));
          g_assert_true (g_hash_table_contains (names, sidecar));
        }
    }

  g_assert_cmpuint (heic, >=, 5);
  g_assert_cmpuint (jpg, >=, 1);
  g_assert_cmpuint (png, >=, 1);
  g_assert_cmpuint (mov, >=, 2);
  g_assert_cmpuint (mp4, >=, 1);
  g_assert_cmpuint (aae, >=, 1);
  g_assert_cmpuint (live, >=, 1);
  g_assert_cmpuint (edited, ==, aae);
}

static void
check_heic (const char *path,
            gboolean    expect_dimensions)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_image_handle *handle = NULL;
  struct heif_image_handle *thumb = NULL;
  struct heif_image *image = NULL;
  struct heif_error err;
  heif_item_id thumb_id, exif_id;
  g_autofree guint8 *exif = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *dto = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *make = NULL;
  ExifData *ed;
  gsize exif_size;
  guint orientation;
  int w, h;

  err = heif_context_read_from_file (ctx, path, NULL);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  err = heif_context_get_primary_image_handle (ctx, &handle);
  g_assert_cmpint (err.code, ==, heif_error_Ok);

  g_assert_cmpint (heif_image_handle_get_number_of_thumbnails (handle), ==, 1);
  g_assert_cmpint (heif_image_handle_get_list_of_thumbnail_IDs (handle, &thumb_id, 1), ==, 1);
  err = heif_image_handle_get_thumbnail (handle, thumb_id, &thumb);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  g_assert_cmpint (MAX (heif_image_handle_get_width (thumb), heif_image_handle_get_height (thumb)), ==, 320);
  err = heif_decode_image (thumb, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  g_assert_cmpint (heif_image_get_width (image, heif_channel_interleaved), ==, heif_image_handle_get_width (thumb));

  g_assert_cmpint (heif_image_handle_get_list_of_metadata_block_IDs (handle, "Exif", &exif_id, 1), ==, 1);
  exif_size = heif_image_handle_get_metadata_size (handle, exif_id);
  g_assert_cmpuint (exif_size, >, 10);
  exif = g_malloc (exif_size);
  err = heif_image_handle_get_metadata (handle, exif_id, exif);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  /* HEIF's Exif item: a 4-byte offset to the TIFF header, here after "Exif\0\0". */
  g_assert_cmpuint (be32 (exif), ==, 6);
  ed = exif_data_new_from_data (exif + 4, exif_size - 4);
  g_assert_nonnull (ed);
  dto = exif_string (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL);
  offset = exif_string (ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL);
  make = exif_string (ed, EXIF_IFD_0, EXIF_TAG_MAKE);
  g_assert_nonnull (dto);
  g_assert_nonnull (offset);
  g_assert_cmpstr (make, ==, "Apple");
  g_assert_nonnull (exif_content_get_entry (ed->ifd[EXIF_IFD_0], EXIF_TAG_MODEL));
  orientation = exif_orientation (ed);
  g_assert_true (orientation == 1 || orientation == 3 || orientation == 6 || orientation == 8);

  /* libheif applies irot: a portrait (6/8) photo must come out taller than wide, so the
   * HEIF transform and the Exif value agree. */
  w = heif_image_handle_get_width (handle);
  h = heif_image_handle_get_height (handle);
  if (orientation == 6 || orientation == 8)
    g_assert_cmpint (w, <, h);
  else
    g_assert_cmpint (w, >, h);

  /* The original's mtime is its capture time, as on the phone. */
  if (!g_str_has_prefix (base, "IMG_E"))
    g_assert_cmpint (exif_time_to_unix (dto, offset), ==, mtime_of (path));

  if (expect_dimensions)
    g_assert_cmpint (MAX (w, h), >=, 1440);

  /* The primary decodes too, upright. */
  heif_image_release (image);
  image = NULL;
  err = heif_decode_image (handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL);
  g_assert_cmpint (err.code, ==, heif_error_Ok);
  g_assert_cmpint (heif_image_get_width (image, heif_channel_interleaved), ==, w);
  g_assert_cmpint (heif_image_get_height (image, heif_channel_interleaved), ==, h);

  exif_data_unref (ed);
  heif_image_release (image);
  heif_image_handle_release (thumb);
  heif_image_handle_release (handle);
  heif_context_free (ctx);
}

static void
test_heic (void)
{
  g_autoptr(GPtrArray) heics = NULL;
  guint rotated = 0;

  shared_library_ensure ();
  heics = files_with_suffix (shared_root, ".HEIC");
  g_assert_cmpuint (heics->len, >=, 5);
  for (guint i = 0; i < heics->len; i++)
    check_heic (heics->pdata[i], FALSE);

  /* Some photos are rotated: at least one has a height > width after irot. */
  for (guint i = 0; i < heics->len; i++)
    {
      struct heif_context *ctx = heif_context_alloc ();
      struct heif_image_handle *handle = NULL;

      heif_context_read_from_file (ctx, heics->pdata[i], NULL);
      heif_context_get_primary_image_handle (ctx, &handle);
      rotated += heif_image_handle_get_height (handle) > heif_image_handle_get_width (handle);
      heif_image_handle_release (handle);
      heif_context_free (ctx);
    }
  g_assert_cmpuint (rotated, >, 0);
  g_assert_cmpuint (rotated, <, heics->len);
}

static void
check_jpeg (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_autoptr(GdkPixbuf) thumb = NULL;
  g_autofree char *dto = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *model = NULL;
  g_autofree guint8 *head = NULL;
  ExifData *ed;
  int fd;

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), >, 0);

  /* SOI then APP1 "Exif", as a camera writes it. */
  head = g_malloc (10);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  read_at (fd, 0, head, 10);
  close (fd);
  g_assert_cmpmem (head, 4, "\xFF\xD8\xFF\xE1", 4);
  g_assert_cmpmem (head + 6, 4, "Exif", 4);

  ed = exif_data_new_from_file (path);
  g_assert_nonnull (ed);
  g_assert_nonnull (ed->data);
  g_assert_cmpuint (ed->size, >, 100);
  thumb = pixbuf_from_data (ed->data, ed->size);
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, 160);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, 120);

  dto = exif_string (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL);
  offset = exif_string (ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL);
  model = exif_string (ed, EXIF_IFD_0, EXIF_TAG_MODEL);
  g_assert_nonnull (dto);
  g_assert_true (g_str_has_prefix (model, "iPhone"));
  g_assert_cmpint (exif_time_to_unix (dto, offset), ==, mtime_of (path));
  exif_orientation (ed);
  exif_data_unref (ed);
}

static void
test_jpeg (void)
{
  g_autoptr(GPtrArray) jpegs = NULL;

  shared_library_ensure ();
  jpegs = files_with_suffix (shared_root, ".JPG");
  g_assert_cmpuint (jpegs->len, >=, 1);
  for (guint i = 0; i < jpegs->len; i++)
    check_jpeg (jpegs->pdata[i]);
}

static void
test_png (void)
{
  g_autoptr(GPtrArray) pngs = NULL;

  shared_library_ensure ();
  pngs = files_with_suffix (shared_root, ".PNG");
  g_assert_cmpuint (pngs->len, >=, 1);
  for (guint i = 0; i < pngs->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (pngs->pdata[i], &error);

      g_assert_no_error (error);
      /* A portrait screenshot, 1170×2532 scaled down in --fast */
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf) * 1000 / gdk_pixbuf_get_width (pixbuf), ==, 2532 * 1000 / 1170);
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), >=, 390);
    }
}

/* The first sample of an HEVC/H.264 movie: NAL units with 4-byte lengths that add up to
 * the sample, one of them an IDR slice. */
static void
check_coded_sample (const guint8 *sample,
                    guint32       size,
                    gboolean      hevc)
{
  gboolean idr = FALSE;
  guint32 at = 0;

  while (at < size)
    {
      guint32 len;
      guint type;

      g_assert_cmpuint (size - at, >=, 5);
      len = be32 (sample + at);
      g_assert_cmpuint (len, >=, 1);
      g_assert_cmpuint (len, <=, size - at - 4);
      type = hevc ? (sample[at + 4] >> 1) & 0x3F : sample[at + 4] & 0x1F;
      idr |= hevc ? (type == 19 || type == 20) : type == 5;
      at += 4 + len;
    }
  g_assert_cmpuint (at, ==, size);
  g_assert_true (idr);
}

/* Returns the sample entry's type, for the caller's tally. */
static const char *
check_movie (const char *path,
             gboolean   *rotated)
{
  MovieInfo info;
  int fd;
  g_autofree guint8 *frame = NULL;
  gboolean mp4 = g_str_has_suffix (path, ".MP4");
  gboolean coded;

  parse_movie (path, &info);
  g_assert_cmpstr (info.brand, ==, mp4 ? "mp42" : "qt  ");
  g_assert_cmpint (info.creation, ==, mtime_of (path));
  g_assert_true (info.has_day);
  g_assert_true (info.has_creationdate_key);

  frame = g_malloc (info.first_size);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  read_at (fd, info.first_offset, frame, info.first_size);
  close (fd);

  coded = g_str_equal (info.entry, "hvc1") || g_str_equal (info.entry, "avc1");
  *rotated = info.matrix[0] == 0 && info.matrix[1] == 0x10000 &&
             info.matrix[2] == (gint32) 0xFFFF0000 && info.matrix[3] == 0;
  if (coded)
    {
      /* A camera video: decoder configuration, key frames each second (8 frames), moov at
       * the end, the stored frame landscape whether or not the matrix turns it upright. */
      g_assert_false (mp4);
      g_assert_true (info.has_config);
      g_assert_cmpuint (info.first_sync, ==, 1);
      g_assert_cmpuint (info.n_sync, ==, (info.n_samples + 7) / 8);
      g_assert_cmpuint (info.n_samples, >=, 16);
      g_assert_cmpuint (info.last_offset, <, info.file_size);
      g_assert_cmpuint (info.track_width, >, info.track_height);
      g_assert_true (*rotated || (info.matrix[0] == 0x10000 && info.matrix[3] == 0x10000));
      check_coded_sample (frame, info.first_size, info.entry[0] == 'h');
    }
  else
    {
      g_autoptr(GdkPixbuf) poster = NULL;

      /* Motion-JPEG: the poster frame is the first sample, one read, one JPEG decode. */
      g_assert_cmpstr (info.entry, ==, mp4 ? "mp4v" : "jpeg");
      g_assert_false (*rotated);
      g_assert_cmpmem (frame, 2, "\xFF\xD8", 2);
      poster = pixbuf_from_data (frame, info.first_size);
      g_assert_cmpint (gdk_pixbuf_get_width (poster), >, gdk_pixbuf_get_height (poster));
    }
  return g_str_equal (info.entry, "hvc1") ? "hvc1" : g_str_equal (info.entry, "avc1") ? "avc1" : "jpeg";
}

static void
test_movies (void)
{
  g_autoptr(GPtrArray) movs = NULL;
  g_autoptr(GPtrArray) mp4s = NULL;
  guint n_hevc = 0, n_h264 = 0, n_mjpeg = 0, n_rotated = 0;

  shared_library_ensure ();
  movs = files_with_suffix (shared_root, ".MOV");
  mp4s = files_with_suffix (shared_root, ".MP4");
  g_assert_cmpuint (movs->len, >=, 2);
  g_assert_cmpuint (mp4s->len, >=, 1);
  for (guint i = 0; i < movs->len; i++)
    {
      gboolean rotated;
      const char *entry = check_movie (movs->pdata[i], &rotated);

      n_hevc += g_str_equal (entry, "hvc1");
      n_h264 += g_str_equal (entry, "avc1");
      n_mjpeg += g_str_equal (entry, "jpeg");
      n_rotated += rotated;
    }
  for (guint i = 0; i < mp4s->len; i++)
    {
      gboolean rotated;

      g_assert_cmpstr (check_movie (mp4s->pdata[i], &rotated), ==, "jpeg");
    }
  /* Camera videos in turn: HEVC, H.264, HEVC shot upright; Live movies stay Motion-JPEG. */
  g_test_message ("MOV: %u HEVC (%u upright), %u H.264, %u Motion-JPEG", n_hevc, n_rotated,
                  n_h264, n_mjpeg);
  g_assert_cmpuint (n_hevc, >=, 2);
  g_assert_cmpuint (n_h264, >=, 1);
  g_assert_cmpuint (n_rotated, >=, 1);
  g_assert_cmpuint (n_rotated, <, n_hevc);
  g_assert_cmpuint (n_mjpeg, >=, 1);
}

static void
test_aae (void)
{
  g_autoptr(GPtrArray) aaes = NULL;

  shared_library_ensure ();
  aaes = files_with_suffix (shared_root, ".AAE");
  g_assert_cmpuint (aaes->len, >=, 1);
  for (guint i = 0; i < aaes->len; i++)
    {
      g_autofree char *xml = NULL;

      g_assert_true (g_file_get_contents (aaes->pdata[i], &xml, NULL, NULL));
      g_assert_true (g_str_has_prefix (xml, "<?xml"));
      g_assert_nonnull (strstr (xml, "<key>adjustmentFormatIdentifier</key>"));
      g_assert_nonnull (strstr (xml, "<string>com.apple.photo</string>"));
      g_assert_nonnull (strstr (xml, "<key>adjustmentData</key>"));
      g_assert_nonnull (strstr (xml, "<key>adjustmentBaseVersion</key>"));
      g_assert_nonnull (strstr (xml, "<key>adjustmentFormatVersion</key>"));
    }
}

static void
test_unique (void)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  shared_library_ensure ();
  files = list_sorted (shared_root);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (shared_root, (char *) files->pdata[i], NULL);
      char *sum = sha256_of (path);

      if (!g_hash_table_add (seen, sum))
        g_error ("%s has the same SHA-256 as another file", (char *) files->pdata[i]);
    }
}

static void
test_dates (void)
{
  g_autoptr(GPtrArray) files = NULL;
  gint64 prev = 0;
  guint originals = 0, increasing = 0, same_second_run = 0, best_run = 0;

  shared_library_ensure ();
  files = list_sorted (shared_root);   /* one folder here, so sorted by number */
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = files->pdata[i];
      g_autofree char *path = g_build_filename (shared_root, f, NULL);
      g_autofree char *base = g_path_get_basename (f);
      gint64 t;

      /* One file per asset: skip the Live movie, the edit and its sidecar. */
      if (g_str_has_prefix (base, "IMG_E") || g_str_has_suffix (base, ".AAE"))
        continue;
      if (i > 0 && g_str_has_suffix (base, ".MOV"))
        {
          g_autofree char *pb = g_path_get_basename (files->pdata[i - 1]);

          if (strncmp (pb, base, 8) == 0)
            continue;
        }
      t = mtime_of (path);
      g_assert_cmpint (t, >=, 1546300800);   /* 2019-01-01 */
      g_assert_cmpint (t, <, 1798761600);    /* 2027-01-01 */
      if (originals > 0)
        {
          increasing += t >= prev;
          /* a burst: consecutive numbers within a second or two */
          if (t - prev <= 1 && t >= prev)
            same_second_run++;
          else
            same_second_run = 0;
          best_run = MAX (best_run, same_second_run + 1);
        }
      prev = t;
      originals++;
    }
  g_assert_cmpuint (originals, ==, 40);
  g_assert_cmpuint (increasing * 10, >=, (originals - 1) * 8);
  g_assert_cmpuint (best_run, >=, 5);
}

static char *
describe_tree (const char *root)
{
  g_autoptr(GPtrArray) files = list_sorted (root);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (root, (char *) files->pdata[i], NULL);
      g_autofree char *sum = sha256_of (path);

      g_string_append_printf (s, "%s %s %" G_GINT64_FORMAT "\n", (char *) files->pdata[i], sum, mtime_of (path));
    }
  return g_string_free (s, FALSE);
}

static void
test_deterministic (void)
{
  g_autofree char *again = NULL;
  g_autofree char *other = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  shared_library_ensure ();
  /* One thread this time: the output must not depend on scheduling. */
  again = make_library ((const char *[]) { "--count", "40", "--seed", "7", "--fast", "--threads", "1", NULL });
  other = make_library ((const char *[]) { "--count", "40", "--seed", "8", "--fast", NULL });
  a = describe_tree (shared_root);
  b = describe_tree (again);
  c = describe_tree (other);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  remove_tree (again);
  remove_tree (other);
}

static void
test_deterministic_default (void)
{
  /* Default (non --fast) mode encodes every HEIC with x265, threads and all. */
  g_autofree char *one = make_library ((const char *[]) { "--count", "4", "--seed", "3", NULL });
  g_autofree char *two = make_library ((const char *[]) { "--count", "4", "--seed", "3", "--threads", "1", NULL });
  g_autofree char *a = describe_tree (one);
  g_autofree char *b = describe_tree (two);
  g_autoptr(GPtrArray) heics = files_with_suffix (one, ".HEIC");
  g_autoptr(GPtrArray) jpegs = files_with_suffix (one, ".JPG");

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpuint (heics->len, >=, 3);
  for (guint i = 0; i < heics->len; i++)
    {
      GStatBuf st;

      check_heic (heics->pdata[i], TRUE);
      g_assert_cmpint (g_stat (heics->pdata[i], &st), ==, 0);
      g_assert_cmpint (st.st_size, >, 1000 * 1000);    /* realistic: 1–3 MB */
      g_assert_cmpint (st.st_size, <, 3000 * 1000);
    }
  for (guint i = 0; i < jpegs->len; i++)
    check_jpeg (jpegs->pdata[i]);
  remove_tree (one);
  remove_tree (two);
}

static guint
count_in (const char *root,
          const char *folder)
{
  g_autofree char *path = g_build_filename (root, "DCIM", folder, NULL);
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static void
test_folders (void)
{
  /* The real limit: 1,000 files in 100APPLE, the rest in 101APPLE. */
  g_autofree char *big = make_library ((const char *[]) { "--count", "850", "--fast", NULL });
  g_autofree char *wrap = make_library ((const char *[]) { "--count", "8", "--fast", "--first-number", "9996", NULL });
  g_assert_cmpuint (count_in (big, "100APPLE"), <=, 1000);
  g_assert_cmpuint (count_in (big, "100APPLE"), >=, 998);
  g_assert_cmpuint (count_in (big, "101APPLE"), >, 0);
  g_assert_cmpuint (count_in (big, "102APPLE"), ==, 0);
  /* Numbering continues across folders: 101APPLE starts right after 100APPLE's last. */
  {
    g_autoptr(GPtrArray) all = list_sorted (big);
    int max100 = 0, min101 = G_MAXINT;

    for (guint i = 0; i < all->len; i++)
      {
        g_autofree char *base = g_path_get_basename (all->pdata[i]);
        const char *digits = g_str_has_prefix (base, "IMG_E") ? base + 5 : base + 4;
        int n = atoi (digits);

        if (g_str_has_prefix (all->pdata[i], "DCIM/100APPLE/"))
          max100 = MAX (max100, n);
        else
          min101 = MIN (min101, n);
      }
    g_assert_cmpint (min101, ==, max100 + 1);
  }

  /* After IMG_9999 the counter wraps to IMG_0001 in a new folder. */
  {
    g_autoptr(GPtrArray) all = list_sorted (wrap);
    gboolean saw_9999 = FALSE, saw_0001 = FALSE;

    for (guint i = 0; i < all->len; i++)
      {
        saw_9999 |= g_str_has_prefix (all->pdata[i], "DCIM/100APPLE/IMG_9999.");
        saw_0001 |= g_str_has_prefix (all->pdata[i], "DCIM/101APPLE/IMG_0001.");
        g_assert_false (g_str_has_prefix (all->pdata[i], "DCIM/100APPLE/IMG_0"));
      }
    g_assert_true (saw_9999);
    g_assert_true (saw_0001);
  }

  remove_tree (big);
  remove_tree (wrap);
}

static void
test_large (void)
{
  g_autofree char *root = make_library ((const char *[]) { "--count", "3", "--fast", "--large", NULL });
  g_autoptr(GPtrArray) movs = files_with_suffix (root, ".MOV");
  const char *large = NULL;
  GStatBuf st;
  MovieInfo info;
  guint8 head[2];
  gboolean rotated;
  int fd;

  for (guint i = 0; i < movs->len; i++)
    {
      g_assert_cmpint (g_stat (movs->pdata[i], &st), ==, 0);
      if (st.st_size > G_GINT64_CONSTANT (4294967296))
        large = movs->pdata[i];
    }
  g_assert_nonnull (large);
  g_assert_cmpint (g_stat (large, &st), ==, 0);
  /* Sparse: a few MB on disk at most. */
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 16 * 1024 * 1024);

  parse_movie (large, &info);
  g_assert_true (info.large_mdat);
  g_assert_true (info.co64);
  g_assert_cmpuint (info.last_offset, >, G_GUINT64_CONSTANT (4294967296));
  g_assert_cmpint (info.creation, ==, mtime_of (large));
  fd = g_open (large, O_RDONLY | O_CLOEXEC, 0);
  read_at (fd, info.last_offset, head, 2);
  close (fd);
  g_assert_cmpmem (head, 2, "\xFF\xD8", 2);
  g_assert_cmpstr (check_movie (large, &rotated), ==, "jpeg");

  remove_tree (root);
}

static void
test_usage (void)
{
  const char *bin = g_getenv ("KS_SAMPLE_LIBRARY");
  const char *argv[] = { bin, "--count", "3", NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/SampleLibrary/kinds", test_kinds);
  g_test_add_func ("/Keepsake/SampleLibrary/heic", test_heic);
  g_test_add_func ("/Keepsake/SampleLibrary/jpeg", test_jpeg);
  g_test_add_func ("/Keepsake/SampleLibrary/png", test_png);
  g_test_add_func ("/Keepsake/SampleLibrary/movies", test_movies);
  g_test_add_func ("/Keepsake/SampleLibrary/aae", test_aae);
  g_test_add_func ("/Keepsake/SampleLibrary/unique", test_unique);
  g_test_add_func ("/Keepsake/SampleLibrary/dates", test_dates);
  g_test_add_func ("/Keepsake/SampleLibrary/deterministic", test_deterministic);
  g_test_add_func ("/Keepsake/SampleLibrary/default-mode", test_deterministic_default);
  g_test_add_func ("/Keepsake/SampleLibrary/folders", test_folders);
  g_test_add_func ("/Keepsake/SampleLibrary/large", test_large);
  g_test_add_func ("/Keepsake/SampleLibrary/usage", test_usage);

  ret = g_test_run ();

  if (shared_root != NULL)
    remove_tree (shared_root);
  g_free (shared_root);
  return ret;
}
