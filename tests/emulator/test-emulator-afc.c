/* test-emulator-afc.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The emulated iPhone through libimobiledevice's own API: AFC reads are
 * byte-identical, detach/attach/fail-after/lock behave like a real phone,
 * stats and --rate hold, hostile names are served and the sandbox holds. */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libimobiledevice/afc.h>
#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>

#include "ks-test-emulator.h"

typedef struct
{
  char           *tmp;
  char           *media;
  char           *outside;
  KsTestEmulator *emu;
  char           *udid;
} Fixture;

static void
write_random (const char *path, gsize size, guint32 seed)
{
  g_autofree guint8 *data = g_malloc (size + 4);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size; i += 4)
    {
      guint32 v = g_rand_int (rand);

      memcpy (data + i, &v, 4);
    }
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (path, (char *) data, size, NULL));
}

static void
make_media (Fixture *f)
{
  g_autofree char *dcim = g_build_filename (f->media, "DCIM", "100APPLE", NULL);
  g_autofree char *dcim2 = g_build_filename (f->media, "DCIM", "101APPLE", NULL);
  g_autofree char *secret = g_build_filename (f->outside, "secret.txt", NULL);
  g_autofree char *link = g_build_filename (dcim, "link.JPG", NULL);
  g_autofree char *dirlink = g_build_filename (f->media, "DCIM", "outdir", NULL);
  struct { const char *name; gsize size; } files[] = {
    { "IMG_0001.HEIC", 300000 },
    { "IMG_0001.MOV", 1200000 },
    { "IMG_0002.JPG", 77777 },
    { "IMG_0003.PNG", 0 },
    { "IMG_0004.JPG", 3 * 1024 * 1024 + 17 },
  };

  g_assert_cmpint (g_mkdir_with_parents (dcim, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (dcim2, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->outside, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dcim, files[i].name, NULL);

      write_random (path, files[i].size, i + 1);
    }
  {
    g_autofree char *path = g_build_filename (dcim2, "IMG_0101.JPG", NULL);

    write_random (path, 4096, 99);
  }
  g_assert_true (g_file_set_contents (secret, "top secret", -1, NULL));
  /* Symlinks pointing out of the media root: must never be followed. */
  g_assert_cmpint (symlink (secret, link), ==, 0);
  g_assert_cmpint (symlink (f->outside, dirlink), ==, 0);
}

static void
start (Fixture *f, const char * const *extra)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  g_ptr_array_add (args, (gpointer) "--device");
  g_ptr_array_add (args, f->media);
  g_ptr_array_add (args, (gpointer) "--name");
  g_ptr_array_add (args, (gpointer) "Test iPhone");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, NULL);

  f->emu = ks_test_emulator_newv ((const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok "));
  f->udid = g_strdup (reply + 3);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-emu-afc-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->tmp, "media", NULL);
  f->outside = g_build_filename (f->tmp, "outside", NULL);
  make_media (f);
  start (f, data);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->emu, ks_test_emulator_free);
  ks_test_remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->media);
  g_free (f->outside);
  g_free (f->udid);
}

static char *
control (Fixture *f, const char *command)
{
  g_autoptr(GError) error = NULL;
  char *reply = ks_test_emulator_control (f->emu, command, &error);

  g_assert_no_error (error);
  return reply;
}

static afc_client_t
connect_afc (Fixture *f, idevice_t *device_out)
{
  idevice_t device = NULL;
  afc_client_t afc = NULL;

  g_assert_cmpint (idevice_new (&device, f->udid), ==, IDEVICE_E_SUCCESS);
  g_assert_cmpint (afc_client_start_service (device, &afc, "ks-test"), ==, AFC_E_SUCCESS);
  *device_out = device;
  return afc;
}

static GBytes *
afc_read_file (afc_client_t afc, const char *path, afc_error_t *error_out)
{
  GByteArray *bytes = g_byte_array_new ();
  uint64_t handle = 0;
  afc_error_t err = afc_file_open (afc, path, AFC_FOPEN_RDONLY, &handle);
  char *buf = g_malloc (1024 * 1024);

  while (err == AFC_E_SUCCESS)
    {
      uint32_t got = 0;

      err = afc_file_read (afc, handle, buf, 1024 * 1024, &got);
      if (err != AFC_E_SUCCESS || got == 0)
        break;
      g_byte_array_append (bytes, (guint8 *) buf, got);
    }
  if (handle != 0 && err == AFC_E_SUCCESS)
    afc_file_close (afc, handle);
  g_free (buf);
  *error_out = err;
  return g_byte_array_free_to_bytes (bytes);
}

static gboolean
device_listed (const char *udid)
{
  char **list = NULL;
  int count = 0;
  gboolean found = FALSE;

  if (idevice_get_device_list (&list, &count) != IDEVICE_E_SUCCESS)
    return FALSE;
  for (int i = 0; i < count; i++)
    if (g_strcmp0 (list[i], udid) == 0)
      found = TRUE;
  idevice_device_list_free (list);
  return found;
}

static void
walk_and_compare (afc_client_t afc, const char *media, const char *dir, guint64 *total, guint *n_files)
{
  char **entries = NULL;

  g_assert_cmpint (afc_read_directory (afc, dir, &entries), ==, AFC_E_SUCCESS);
  g_assert_cmpstr (entries[0], ==, ".");
  g_assert_cmpstr (entries[1], ==, "..");
  for (guint i = 2; entries[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", strcmp (dir, "/") == 0 ? "" : dir, entries[i]);
      g_autofree char *local = g_build_filename (media, path, NULL);
      char **info = NULL;
      const char *ifmt = NULL;

      g_assert_cmpint (afc_get_file_info (afc, path, &info), ==, AFC_E_SUCCESS);
      for (guint k = 0; info[k] != NULL && info[k + 1] != NULL; k += 2)
        if (strcmp (info[k], "st_ifmt") == 0)
          ifmt = info[k + 1];
      g_assert_nonnull (ifmt);
      if (strcmp (ifmt, "S_IFDIR") == 0)
        walk_and_compare (afc, media, path, total, n_files);
      else if (strcmp (ifmt, "S_IFREG") == 0)
        {
          g_autofree char *expected = NULL;
          gsize expected_len = 0;
          afc_error_t err;
          g_autoptr(GBytes) got = afc_read_file (afc, path, &err);

          g_assert_cmpint (err, ==, AFC_E_SUCCESS);
          g_assert_true (g_file_get_contents (local, &expected, &expected_len, NULL));
          g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), expected, expected_len);
          *total += expected_len;
          (*n_files)++;
        }
      else
        g_assert_cmpstr (ifmt, ==, "S_IFLNK");
      afc_dictionary_free (info);
    }
  afc_dictionary_free (entries);
}

static void
test_read_all (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  guint64 total = 0;
  guint n_files = 0;
  g_autofree char *stats = NULL;
  g_autofree char *expect_total = NULL;

  walk_and_compare (afc, f->media, "/", &total, &n_files);
  g_assert_cmpuint (n_files, ==, 6);

  stats = control (f, "stats");
  expect_total = g_strdup_printf ("ok {\"total\":%" G_GUINT64_FORMAT ",", total);
  g_assert_true (g_str_has_prefix (stats, expect_total));
  g_assert_nonnull (strstr (stats, "\"/DCIM/100APPLE/IMG_0002.JPG\":77777"));
  g_clear_pointer (&stats, g_free);
  g_free (control (f, "reset-stats"));
  stats = control (f, "stats");
  g_assert_cmpstr (stats, ==, "ok {\"total\":0,\"files\":{}}");

  afc_client_free (afc);
  idevice_free (device);
}

typedef struct
{
  Fixture *f;
  guint    delay_ms;
  gint64   sent_at;
} DetachLater;

static gpointer
detach_later (gpointer data)
{
  DetachLater *d = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;

  g_usleep (d->delay_ms * 1000);
  d->sent_at = g_get_monotonic_time ();
  reply = ks_test_emulator_control (d->f->emu, "detach", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "ok detach");
  return NULL;
}

static void
test_detach_attach (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  DetachLater d = { f, 400, 0 };
  GThread *thread;
  afc_error_t err;
  GBytes *got;
  gint64 failed_at;

  g_free (control (f, "rate 200000"));
  thread = g_thread_new ("detach", detach_later, &d);
  got = afc_read_file (afc, "/DCIM/100APPLE/IMG_0004.JPG", &err);
  failed_at = g_get_monotonic_time ();
  g_thread_join (thread);
  g_assert_cmpint (err, !=, AFC_E_SUCCESS);
  g_assert_cmpuint (g_bytes_get_size (got), <, 3 * 1024 * 1024);
  g_test_message ("read failed %.0f ms after detach", (failed_at - d.sent_at) / 1000.0);
  g_assert_cmpint (failed_at - d.sent_at, <, 2 * G_USEC_PER_SEC);
  g_bytes_unref (got);
  afc_client_free (afc);
  idevice_free (device);

  g_assert_false (device_listed (f->udid));
  g_free (control (f, "attach"));
  g_assert_true (device_listed (f->udid));

  /* And it works again after the replug. */
  g_free (control (f, "rate 0"));
  afc = connect_afc (f, &device);
  got = afc_read_file (afc, "/DCIM/100APPLE/IMG_0002.JPG", &err);
  g_assert_cmpint (err, ==, AFC_E_SUCCESS);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 77777);
  g_bytes_unref (got);
  afc_client_free (afc);
  idevice_free (device);
}

static void
test_fail_after (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  afc_error_t err;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *stats = NULL;

  g_free (control (f, "fail-after 500000"));
  got = afc_read_file (afc, "/DCIM/100APPLE/IMG_0004.JPG", &err);
  g_assert_cmpint (err, !=, AFC_E_SUCCESS);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 500000);
  stats = control (f, "stats");
  g_assert_true (g_str_has_prefix (stats, "ok {\"total\":500000,"));
  afc_client_free (afc);
  idevice_free (device);
  g_assert_false (device_listed (f->udid));
  g_free (control (f, "attach"));
  g_assert_true (device_listed (f->udid));
}

static void
test_read_error (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  afc_error_t err;
  char **info = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) again = NULL;

  g_free (control (f, "read-error /DCIM/100APPLE/IMG_0002.JPG"));
  /* Listed and stat-able like an evicted original, but reads fail. */
  g_assert_cmpint (afc_get_file_info (afc, "/DCIM/100APPLE/IMG_0002.JPG", &info), ==, AFC_E_SUCCESS);
  afc_dictionary_free (info);
  got = afc_read_file (afc, "/DCIM/100APPLE/IMG_0002.JPG", &err);
  g_assert_cmpint (err, ==, AFC_E_IO_ERROR);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
  g_free (control (f, "clear-read-errors"));
  again = afc_read_file (afc, "/DCIM/100APPLE/IMG_0002.JPG", &err);
  g_assert_cmpint (err, ==, AFC_E_SUCCESS);
  g_assert_cmpuint (g_bytes_get_size (again), ==, 77777);
  afc_client_free (afc);
  idevice_free (device);
}

static void
test_lock (Fixture *f, gconstpointer data)
{
  idevice_t device = NULL;
  lockdownd_client_t client = NULL;

  g_assert_cmpint (idevice_new (&device, f->udid), ==, IDEVICE_E_SUCCESS);
  /* Pair first, then lock: a paired but locked phone refuses sessions. */
  g_assert_cmpint (lockdownd_client_new_with_handshake (device, &client, "ks-test"), ==, LOCKDOWN_E_SUCCESS);
  lockdownd_client_free (client);
  client = NULL;

  g_free (control (f, "lock"));
  g_assert_cmpint (lockdownd_client_new_with_handshake (device, &client, "ks-test"), ==,
                   LOCKDOWN_E_PASSWORD_PROTECTED);
  g_assert_null (client);
  g_free (control (f, "unlock"));
  g_assert_cmpint (lockdownd_client_new_with_handshake (device, &client, "ks-test"), ==, LOCKDOWN_E_SUCCESS);
  lockdownd_client_free (client);
  idevice_free (device);
}

static void
test_rate (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  const guint64 cap = 1000000;
  uint64_t handle = 0;
  char *buf = g_malloc (256 * 1024);
  guint64 total = 0;
  gint64 start_us, elapsed;
  double rate;

  g_free (control (f, "rate 1000000"));
  g_assert_cmpint (afc_file_open (afc, "/DCIM/100APPLE/IMG_0004.JPG", AFC_FOPEN_RDONLY, &handle), ==, AFC_E_SUCCESS);
  start_us = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start_us < 1500000)
    {
      uint32_t got = 0;

      g_assert_cmpint (afc_file_read (afc, handle, buf, 256 * 1024, &got), ==, AFC_E_SUCCESS);
      g_assert_cmpuint (got, >, 0);
      total += got;
    }
  elapsed = g_get_monotonic_time () - start_us;
  rate = total * (double) G_USEC_PER_SEC / elapsed;
  g_test_message ("rate cap %" G_GUINT64_FORMAT " B/s, measured %.0f B/s", cap, rate);
  g_assert_cmpfloat (rate, <=, cap * 1.1);
  g_assert_cmpfloat (rate, >=, cap * 0.5);
  afc_file_close (afc, handle);
  g_free (buf);
  afc_client_free (afc);
  idevice_free (device);
}

static void
test_throughput (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_build_filename (f->media, "DCIM", "101APPLE", "BIG.MOV", NULL);
  const gsize size = 64 * 1024 * 1024;
  idevice_t device;
  afc_client_t afc;
  uint64_t handle = 0;
  char *buf = g_malloc (4 * 1024 * 1024);
  guint64 total = 0;
  gint64 start_us, elapsed;
  double mbps;

  write_random (big, size, 7);
  afc = connect_afc (f, &device);
  g_assert_cmpint (afc_file_open (afc, "/DCIM/101APPLE/BIG.MOV", AFC_FOPEN_RDONLY, &handle), ==, AFC_E_SUCCESS);
  start_us = g_get_monotonic_time ();
  for (;;)
    {
      uint32_t got = 0;

      g_assert_cmpint (afc_file_read (afc, handle, buf, 4 * 1024 * 1024, &got), ==, AFC_E_SUCCESS);
      if (got == 0)
        break;
      total += got;
    }
  elapsed = g_get_monotonic_time () - start_us;
  g_assert_cmpuint (total, ==, size);
  mbps = total / (elapsed / (double) G_USEC_PER_SEC) / 1e6;
  g_test_message ("one AFC stream: %.0f MB/s", mbps);
  g_printerr ("# one AFC stream unthrottled: %.0f MB/s\n", mbps);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__OPTIMIZE__)
  (void) mbps;
#elif !defined(__SANITIZE_ADDRESS__)
  /* Loose floor for a loaded 2-core CI box; the target is >= 300 MB/s. */
  g_assert_cmpfloat (mbps, >=, 100.0);
#endif
  afc_file_close (afc, handle);
  g_free (buf);
  afc_client_free (afc);
  idevice_free (device);
}

static void
test_hostile_and_sandbox (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  char **entries = NULL;
  gboolean saw_escape = FALSE, saw_long = FALSE, saw_slash = FALSE, saw_ctl = FALSE;
  g_autofree char *first = g_build_filename (f->media, "DCIM", "100APPLE", "IMG_0001.HEIC", NULL);
  g_autofree char *expected = NULL;
  gsize expected_len = 0;
  const char *hostile_paths[] = {
    "/DCIM/100APPLE/../../escape.JPG",
    "/DCIM/100APPLE//abs.JPG",
    "/DCIM/100APPLE/a/b.JPG",
    "/DCIM/100APPLE/win:*?\"<>|.JPG",
    "/DCIM/100APPLE/bad\xff\xfe\x80utf8.JPG",
  };
  const char *outside_paths[] = {
    "/../outside/secret.txt",
    "../../outside/secret.txt",
    "/DCIM/../../outside/secret.txt",
    "/DCIM/100APPLE/link.JPG",
    "/DCIM/outdir/secret.txt",
  };
  uint64_t handle = 0;
  g_autofree char *escaped = g_build_filename (f->tmp, "escaped.txt", NULL);
  g_autofree char *escaped_dir = g_build_filename (f->tmp, "evil", NULL);
  g_autofree char *through_link = g_build_filename (f->outside, "planted.txt", NULL);

  g_assert_true (g_file_get_contents (first, &expected, &expected_len, NULL));
  g_assert_cmpint (afc_read_directory (afc, "/DCIM/100APPLE", &entries), ==, AFC_E_SUCCESS);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      saw_escape |= strcmp (entries[i], "../../escape.JPG") == 0;
      saw_slash |= strcmp (entries[i], "a/b.JPG") == 0;
      saw_long |= strlen (entries[i]) >= 300;
      saw_ctl |= strchr (entries[i], '\x1b') != NULL;
    }
  afc_dictionary_free (entries);
  g_assert_true (saw_escape && saw_long && saw_slash && saw_ctl);

  /* Hostile names serve real image data (the folder's first file). */
  for (guint i = 0; i < G_N_ELEMENTS (hostile_paths); i++)
    {
      afc_error_t err;
      g_autoptr(GBytes) got = afc_read_file (afc, hostile_paths[i], &err);

      g_assert_cmpint (err, ==, AFC_E_SUCCESS);
      g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), expected, expected_len);
    }

  /* Nothing outside the media root is readable... */
  for (guint i = 0; i < G_N_ELEMENTS (outside_paths); i++)
    {
      handle = 0;
      g_assert_cmpint (afc_file_open (afc, outside_paths[i], AFC_FOPEN_RDONLY, &handle), !=, AFC_E_SUCCESS);
    }
  /* ...or writable: `..` stays at the root, symlinks are not followed. */
  if (afc_file_open (afc, "/../escaped.txt", AFC_FOPEN_WRONLY, &handle) == AFC_E_SUCCESS)
    {
      uint32_t written = 0;

      afc_file_write (afc, handle, "x", 1, &written);
      afc_file_close (afc, handle);
    }
  afc_make_directory (afc, "/../evil");
  afc_rename_path (afc, "/DCIM/101APPLE/IMG_0101.JPG", "/../../escaped.txt");
  g_assert_cmpint (afc_file_open (afc, "/DCIM/outdir/planted.txt", AFC_FOPEN_WRONLY, &handle), !=, AFC_E_SUCCESS);
  g_assert_cmpint (afc_remove_path (afc, "/DCIM/100APPLE/link.JPG/../../../outside/secret.txt"), !=, AFC_E_SUCCESS);
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (escaped_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (through_link, G_FILE_TEST_EXISTS));
  {
    g_autofree char *secret = g_build_filename (f->outside, "secret.txt", NULL);

    g_assert_true (g_file_test (secret, G_FILE_TEST_IS_REGULAR));
  }

  afc_client_free (afc);
  idevice_free (device);
}

static void
test_write_side (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  uint64_t handle = 0, pos = 0;
  uint32_t written = 0;
  g_autofree char *local = g_build_filename (f->media, "Downloads", "b.txt", NULL);
  g_autofree char *contents = NULL;
  char **info = NULL;

  g_assert_cmpint (afc_make_directory (afc, "/Downloads"), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_file_open (afc, "/Downloads/a.txt", AFC_FOPEN_WR, &handle), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_file_write (afc, handle, "hello world", 11, &written), ==, AFC_E_SUCCESS);
  g_assert_cmpuint (written, ==, 11);
  g_assert_cmpint (afc_file_tell (afc, handle, &pos), ==, AFC_E_SUCCESS);
  g_assert_cmpuint (pos, ==, 11);
  g_assert_cmpint (afc_file_seek (afc, handle, 5, SEEK_SET), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_file_truncate (afc, handle, 5), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_file_lock (afc, handle, AFC_LOCK_EX), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_file_lock (afc, handle, AFC_LOCK_UN), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_file_close (afc, handle), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_rename_path (afc, "/Downloads/a.txt", "/Downloads/b.txt"), ==, AFC_E_SUCCESS);
  g_assert_cmpint (afc_set_file_time (afc, "/Downloads/b.txt", G_GUINT64_CONSTANT (1500000000) * 1000000000), ==, AFC_E_SUCCESS);
  g_assert_true (g_file_get_contents (local, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "hello");
  g_assert_cmpint (afc_get_file_info (afc, "/Downloads/b.txt", &info), ==, AFC_E_SUCCESS);
  for (guint k = 0; info[k] != NULL && info[k + 1] != NULL; k += 2)
    if (strcmp (info[k], "st_mtime") == 0)
      g_assert_cmpstr (info[k + 1], ==, "1500000000000000000");
  afc_dictionary_free (info);
  g_assert_cmpint (afc_remove_path (afc, "/Downloads"), !=, AFC_E_SUCCESS);
  g_assert_cmpint (afc_remove_path_and_contents (afc, "/Downloads"), ==, AFC_E_SUCCESS);
  g_assert_false (g_file_test (local, G_FILE_TEST_EXISTS));
  g_assert_cmpint (afc_file_open (afc, "/nope/none.txt", AFC_FOPEN_RDONLY, &handle), ==, AFC_E_OBJECT_NOT_FOUND);
  afc_client_free (afc);
  idevice_free (device);
}

static void
test_latency (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  gint64 start_us = g_get_monotonic_time ();
  gint64 elapsed;

  for (guint i = 0; i < 5; i++)
    {
      char **info = NULL;

      g_assert_cmpint (afc_get_file_info (afc, "/DCIM", &info), ==, AFC_E_SUCCESS);
      afc_dictionary_free (info);
    }
  elapsed = g_get_monotonic_time () - start_us;
  g_test_message ("5 requests at --latency 80: %.0f ms", elapsed / 1000.0);
  g_assert_cmpint (elapsed, >=, 5 * 80 * 1000);
  afc_client_free (afc);
  idevice_free (device);
}

/* Under a cap, each request's round trip is lost to the link: ten 50 KB reads at 1 MB/s
 * with 30 ms per request take 10 × (30 + 50) ms; were the round trips paid back from the
 * throttle's slack, about 10 × 50 − 100 ms. */
static void
test_latency_under_cap (Fixture *f, gconstpointer data)
{
  idevice_t device;
  afc_client_t afc = connect_afc (f, &device);
  uint64_t handle = 0;
  char *buf = g_malloc (50000);
  gint64 start_us, elapsed;

  g_assert_cmpint (afc_file_open (afc, "/DCIM/100APPLE/IMG_0004.JPG", AFC_FOPEN_RDONLY, &handle), ==, AFC_E_SUCCESS);
  g_free (control (f, "rate 1000000"));
  g_free (control (f, "latency 30"));
  start_us = g_get_monotonic_time ();
  for (guint i = 0; i < 10; i++)
    {
      uint32_t got = 0;

      g_assert_cmpint (afc_file_read (afc, handle, buf, 50000, &got), ==, AFC_E_SUCCESS);
      g_assert_cmpuint (got, ==, 50000);
    }
  elapsed = g_get_monotonic_time () - start_us;
  g_test_message ("10 x 50 KB at 1 MB/s, latency 30 ms: %.0f ms", elapsed / 1000.0);
  g_assert_cmpint (elapsed, >=, 750 * 1000);
  g_free (control (f, "latency 0"));
  g_free (control (f, "rate 0"));
  afc_file_close (afc, handle);
  g_free (buf);
  afc_client_free (afc);
  idevice_free (device);
}

typedef struct
{
  GMutex  lock;
  GCond   cond;
  GString *log;  /* "+UDID;" / "-UDID;" */
} Events;

static void
event_cb (const idevice_event_t *event, void *user_data)
{
  Events *e = user_data;

  g_mutex_lock (&e->lock);
  if (event->event == IDEVICE_DEVICE_ADD)
    g_string_append_printf (e->log, "+%s;", event->udid);
  else if (event->event == IDEVICE_DEVICE_REMOVE)
    g_string_append_printf (e->log, "-%s;", event->udid);
  else if (event->event == IDEVICE_DEVICE_PAIRED)
    g_string_append_printf (e->log, "p%s;", event->udid);
  g_cond_broadcast (&e->cond);
  g_mutex_unlock (&e->lock);
}

static gboolean
wait_for_event (Events *e, const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  gboolean found;

  g_mutex_lock (&e->lock);
  while (!(found = strstr (e->log->str, needle) != NULL))
    if (!g_cond_wait_until (&e->cond, &e->lock, deadline))
      break;
  g_mutex_unlock (&e->lock);
  return found;
}

static void
test_events (Fixture *f, gconstpointer data)
{
  Events e = { .log = g_string_new (NULL) };
  g_autofree char *added = g_strdup_printf ("+%s;", f->udid);
  g_autofree char *removed = g_strdup_printf ("-%s;", f->udid);
  g_autofree char *readded = g_strdup_printf ("+%s;-%s;+%s;", f->udid, f->udid, f->udid);
  g_autofree char *paired = g_strdup_printf ("p%s;", f->udid);
  idevice_t device = NULL;
  lockdownd_client_t client = NULL;

  g_mutex_init (&e.lock);
  g_cond_init (&e.cond);
  /* The emulator runs before the subscription starts (libusbmuxd would
   * otherwise wait on inotify for /var/run/usbmuxd). */
  g_assert_cmpint (idevice_event_subscribe (event_cb, &e), ==, IDEVICE_E_SUCCESS);
  g_assert_true (wait_for_event (&e, added));
  g_free (control (f, "detach"));
  g_assert_true (wait_for_event (&e, removed));
  g_free (control (f, "attach"));
  g_assert_true (wait_for_event (&e, readded));

  /* Pairing saves the record with its DeviceID: listeners hear Paired. */
  g_assert_cmpint (idevice_new (&device, f->udid), ==, IDEVICE_E_SUCCESS);
  g_assert_cmpint (lockdownd_client_new_with_handshake (device, &client, "ks-test"), ==, LOCKDOWN_E_SUCCESS);
  g_assert_true (wait_for_event (&e, paired));
  lockdownd_client_free (client);
  idevice_free (device);

  idevice_event_unsubscribe ();
  g_string_free (e.log, TRUE);
  g_mutex_clear (&e.lock);
  g_cond_clear (&e.cond);
}

static guint
count_regular_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n += count_regular_files (child);
      else if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
        n++;
    }
  return n;
}

static void
test_sample_library (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-emu-sample-XXXXXX", &error);
  g_autofree char *media = g_build_filename (tmp, "media", NULL);
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autofree char *reply = NULL;
  idevice_t device = NULL;
  afc_client_t afc = NULL;
  guint64 total = 0;
  guint n_files = 0;

  g_assert_no_error (error);
  g_assert_true (ks_test_make_sample_library (media, 8, 2, TRUE, &error));
  g_assert_no_error (error);
  emu = ks_test_emulator_new (&error, "--device", media, "--name", "Sample iPhone", NULL);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (ks_test_emulator_get_address (emu), "UNIX:"));
  g_assert_cmpstr (g_getenv ("USBMUXD_SOCKET_ADDRESS"), ==, ks_test_emulator_get_address (emu));
  g_assert_true (g_file_test (ks_test_emulator_get_state_dir (emu), G_FILE_TEST_IS_DIR));
  reply = ks_test_emulator_control (emu, "udid", &error);
  g_assert_no_error (error);

  g_assert_cmpint (idevice_new (&device, reply + 3), ==, IDEVICE_E_SUCCESS);
  g_assert_cmpint (afc_client_start_service (device, &afc, "ks-test"), ==, AFC_E_SUCCESS);
  walk_and_compare (afc, media, "/", &total, &n_files);
  g_assert_cmpuint (n_files, ==, count_regular_files (media));
  g_assert_cmpuint (n_files, >=, 8);
  afc_client_free (afc);
  idevice_free (device);
  g_clear_pointer (&emu, ks_test_emulator_free);
  ks_test_remove_tree (tmp);
}

int
main (int argc, char *argv[])
{
  static const char * const hostile[] = { "--hostile-names", NULL };
  static const char * const latency[] = { "--latency", "80", NULL };

  g_autofree char *home = g_dir_make_tmp ("ks-emu-home-XXXXXX", NULL);

  /* libimobiledevice may touch config dirs under HOME. */
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, hostile) \
  g_test_add ("/Keepsake/Emulator/afc/" path, Fixture, hostile, fixture_setup, func, fixture_teardown)
  ADD ("read-all", test_read_all, NULL);
  ADD ("detach-attach", test_detach_attach, NULL);
  ADD ("fail-after", test_fail_after, NULL);
  ADD ("lock", test_lock, NULL);
  ADD ("read-error", test_read_error, NULL);
  ADD ("rate", test_rate, NULL);
  ADD ("latency-under-cap", test_latency_under_cap, NULL);
  ADD ("throughput", test_throughput, NULL);
  ADD ("write-side", test_write_side, NULL);
  ADD ("hostile-and-sandbox", test_hostile_and_sandbox, hostile);
  ADD ("latency", test_latency, latency);
  ADD ("events", test_events, NULL);
  g_test_add_func ("/Keepsake/Emulator/afc/sample-library", test_sample_library);
#undef ADD

  {
    int ret = g_test_run ();

    ks_test_remove_tree (home);
    return ret;
  }
}
