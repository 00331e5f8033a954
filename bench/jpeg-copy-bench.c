/* jpeg-copy-bench.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* JPEG copies per second, against `heif-convert` run once per file on the same HEICs in the
 * same invocation. Ours is the whole job on a folder destination: reading each original back,
 * checking its hash, converting on worker threads, and storing each JPEG (temporary, fsync,
 * read back, named, indexed). heif-convert only converts and writes (no fsync). */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ks-folder-destination.h"
#include "ks-hash.h"
#include "ks-jpeg-copy-job.h"
#include "ks-test-emulator.h"
#include "test-engine-util.h"

static int opt_count = 12;
static int opt_runs = 3;
static int opt_threads = 0;
static char *opt_library;
static double opt_goal = 1.5;
static gboolean opt_no_fail;

static GOptionEntry entries[] = {
  { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, "assets in the generated sample library (default 12)", "N" },
  { "library", 0, 0, G_OPTION_ARG_FILENAME, &opt_library, "use this media root (holding DCIM/) instead", "DIR" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "runs of each side (default 3)", "N" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "conversion workers (default: the processors)", "N" },
  { "goal", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal, "ratio to reach (default 1.5)", "R" },
  { "no-fail", 0, 0, G_OPTION_ARG_NONE, &opt_no_fail, "exit 0 even when the goal is missed", NULL },
  { NULL }
};

static void
collect_heics (const char *dir,
               GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_heics (path, out);
      else if (ks_jpeg_copy_wants (name))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

/* A backup folder holding @heics, stored and indexed as the import stores them. */
static KsDestination *
make_destination (const char *root,
                  GPtrArray  *heics)
{
  KsDestination *dest = KS_DESTINATION (ks_folder_destination_new (root));
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  g_assert_true (ks_destination_open (dest, NULL, &error));
  for (guint i = 0; i < heics->len; i++)
    {
      g_autofree char *contents = NULL;
      g_autofree char *name = g_path_get_basename (g_ptr_array_index (heics, i));
      g_autofree char *stem = g_strndup (name, strrchr (name, '.') - name);
      g_autofree char *hash = NULL;
      g_autoptr(KsHasher) hasher = ks_hasher_new ();
      KsDestinationWriter *writer;
      gsize len;

      g_assert_true (g_file_get_contents (g_ptr_array_index (heics, i), &contents, &len, NULL));
      ks_hasher_update (hasher, contents, len);
      hash = ks_hasher_finish (hasher);
      writer = ks_destination_begin_file (dest, "2024/05", name, &error);
      g_assert_no_error (error);
      g_assert_true (ks_destination_write (dest, writer, contents, len, &error));
      g_assert_true (ks_destination_stage (dest, writer, "2024/05", stem, strrchr (name, '.') + 1,
                                           hash, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (ks_destination_sync (dest, &error));
  ks_destination_close (dest);
  return dest;
}

static double
time_heif_convert (GPtrArray  *heics,
                   const char *out_dir)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < heics->len; i++)
    {
      g_autofree char *out = g_strdup_printf ("%s/%u.jpg", out_dir, i);
      const char *argv[] = { "heif-convert", "-q", "92", g_ptr_array_index (heics, i), out, NULL };
      g_autoptr(GError) error = NULL;
      int status = 0;

      g_spawn_sync (NULL, (char **) argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, &error);
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
    }

  return (g_get_monotonic_time () - start) / 1e6;
}

static double
time_ours (KsDestination *dest,
           guint          n_threads,
           guint          expected)
{
  g_autoptr(KsJpegCopyJob) job = ks_jpeg_copy_job_new ();
  g_autoptr(KsJpegCopyResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  ks_jpeg_copy_job_add_destination (job, dest, KS_JPEG_PLACEMENT_SUBFOLDER, 92);
  if (n_threads > 0)
    ks_jpeg_copy_job_set_threads (job, n_threads);
  start = g_get_monotonic_time ();
  result = ks_jpeg_copy_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->made, ==, expected);

  return (g_get_monotonic_time () - start) / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- JPEG copies per second ÷ heif-convert");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *library = NULL;
  g_autoptr(GPtrArray) heics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) theirs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ours_one = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *load = NULL;
  double ratio;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  tmp = g_dir_make_tmp ("ks-jpeg-bench-XXXXXX", &error);
  g_assert_no_error (error);
  library = opt_library ? g_strdup (opt_library) : g_build_filename (tmp, "library", NULL);
  if (opt_library == NULL)
    {
      g_assert_true (ks_test_make_sample_library (library, opt_count, 1, FALSE, &error));
      g_assert_no_error (error);
    }
  collect_heics (library, heics);
  g_assert_cmpuint (heics->len, >, 0);

  for (int run = 0; run < opt_runs; run++)
    {
      g_autofree char *out = g_strdup_printf ("%s/heif-convert-%d", tmp, run);
      g_autofree char *root = g_strdup_printf ("%s/backup-%d", tmp, run);
      g_autofree char *root_one = g_strdup_printf ("%s/backup-one-%d", tmp, run);
      g_autoptr(KsDestination) dest = make_destination (root, heics);
      g_autoptr(KsDestination) dest_one = make_destination (root_one, heics);
      double t;

      g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
      t = time_heif_convert (heics, out);
      g_array_append_val (theirs, t);
      t = time_ours (dest, opt_threads, heics->len);
      g_array_append_val (ours, t);
      t = time_ours (dest_one, 1, heics->len);
      g_array_append_val (ours_one, t);
      g_print ("run %d: heif-convert %.2f s, ours %.2f s (one worker %.2f s)\n", run + 1,
               g_array_index (theirs, double, run), g_array_index (ours, double, run),
               g_array_index (ours_one, double, run));
    }

  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  ratio = median (theirs) / median (ours);
  g_print ("\n%u HEICs, %d runs, %u processors, load %s", heics->len, opt_runs, g_get_num_processors (),
           load ? load : "?\n");
  g_print ("| | median s | JPEGs/s |\n|---|---|---|\n");
  g_print ("| heif-convert, once per file | %.2f | %.2f |\n", median (theirs), heics->len / median (theirs));
  g_print ("| KsJpegCopyJob, %u workers | %.2f | %.2f |\n",
           opt_threads > 0 ? (guint) opt_threads : CLAMP (g_get_num_processors (), 1, 8), median (ours),
           heics->len / median (ours));
  g_print ("| KsJpegCopyJob, 1 worker | %.2f | %.2f |\n", median (ours_one), heics->len / median (ours_one));
  g_print ("ratio (ours ÷ heif-convert, JPEGs per second): %.2f (goal ≥ %.2f); one worker: %.2f\n",
           ratio, opt_goal, median (theirs) / median (ours_one));

  rm_rf (tmp);
  return ratio >= opt_goal || opt_no_fail ? 0 : 1;
}
