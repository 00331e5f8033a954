/* test-import-uploads.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Uploads side by side, against a remote kind made for the test (TestPlainDestination as a
 * remote: its finish_temp is the "upload", reporting bytes as rclone does):
 *
 * - the upload of the first file read is held until every other file's upload ended: it
 *   can only end if the others really ran beside it (without that, the hold times out and
 *   the test fails);
 * - still, files are named in the order they were read (the held one first), and of two
 *   files named IMG_0001.JPG the one read first gets the plain name, the other "(2)",
 *   whatever order their uploads ended in;
 * - the bytes uploaded are counted once each (an upload that starts again from 0 counts
 *   only what goes past what it had sent): when the held file is all that is left, the
 *   count is exactly the total less that file; at the end, the total;
 * - every file lands whole and is in the destination's index. */

#include "config.h"

#include "ks-catalog.h"
#include "ks-folder-source.h"
#include "ks-hash.h"
#include "ks-import-job.h"
#include "ks-import-job-private.h"

#include "test-engine-util.h"
#include "test-plain-destination.h"

#define FIXED_TIME  G_GINT64_CONSTANT (1686830400)
#define N_FILES     9

typedef struct
{
  GMutex       mutex;
  GCond        cond;
  KsImportJob *job;
  guint        n_ended;
  guint        active;
  guint        max_active;
  gboolean     timed_out;
  guint64      held_size;
  guint64      sent_at_release;
  guint64      total_at_release;
} Watch;

/* On the uploading threads. */
static void
finish_cb (TestPlainDestination *dest,
           guint                 index,
           guint64               size,
           gboolean              done,
           gpointer              user_data)
{
  Watch *w = user_data;

  g_mutex_lock (&w->mutex);
  if (done)
    {
      w->active--;
      w->n_ended++;
      g_cond_broadcast (&w->cond);
    }
  else
    {
      w->active++;
      w->max_active = MAX (w->max_active, w->active);
      if (index == 0)
        {
          gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

          /* Ends only once every other upload ended beside it. */
          w->held_size = size;
          while (w->n_ended < N_FILES - 1 && !w->timed_out)
            if (!g_cond_wait_until (&w->cond, &w->mutex, deadline))
              w->timed_out = TRUE;

          g_mutex_lock (&w->job->mutex);
          w->sent_at_release = w->job->progress.upload_done;
          w->total_at_release = w->job->progress.upload_total;
          g_mutex_unlock (&w->job->mutex);
        }
    }
  g_mutex_unlock (&w->mutex);
}

static void
test_uploads_side_by_side (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-uploads-XXXXXX", &error);
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *root = g_build_filename (tmp, "remote", NULL);
  g_autofree char *db = g_build_filename (tmp, "catalog.db", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (src);
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(TestPlainDestination) dest = test_plain_destination_new (root);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_auto(GStrv) created = NULL;
  g_auto(GStrv) named = NULL;
  g_autofree char *first_path = g_build_filename (src, "DCIM", "100APPLE", "IMG_0000.JPG", NULL);
  g_autofree char *twin_path = g_build_filename (src, "DCIM", "101APPLE", "IMG_0001.JPG", NULL);
  Watch w = { 0 };
  guint64 total = 0;
  guint n_named = 0;
  const char *first_twin = NULL;

  g_assert_no_error (error);
  g_mutex_init (&w.mutex);
  g_cond_init (&w.cond);

  write_random_file (first_path, 300000, 1, FIXED_TIME);
  total += 300000;
  for (guint i = 1; i <= N_FILES - 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", i);
      g_autofree char *path = g_build_filename (src, "DCIM", "100APPLE", name, NULL);

      write_random_file (path, 100000 + i * 1000, i, FIXED_TIME);
      total += 100000 + i * 1000;
    }
  /* IMG_0001.JPG twice (another folder, the same day): the one read second gets "(2)". */
  write_random_file (twin_path, 150000, 99, FIXED_TIME);
  total += 150000;

  catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  source = ks_folder_source_new (folder);
  test_plain_destination_set_remote (dest, finish_cb, &w);
  g_ptr_array_add (dests, dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, catalog);
  w.job = job;

  result = ks_import_job_run (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (result->copied, ==, N_FILES);

  /* The uploads ran side by side: the held one ended last, once all the others had. */
  g_assert_cmpuint (w.held_size, >, 0);
  g_assert_false (w.timed_out);
  g_assert_cmpuint (w.max_active, >=, 2);
  g_assert_cmpuint (w.max_active, <=, 4);

  /* Bytes counted once each: with the held file left, all the others exactly. */
  g_assert_cmpuint (w.total_at_release, ==, total);
  g_assert_cmpuint (w.sent_at_release, ==, total - w.held_size);
  g_assert_cmpuint (job->progress.upload_done, ==, total);
  g_assert_cmpuint (job->progress.upload_total, ==, total);

  /* Named in the order they were read, whatever order their uploads ended in. */
  created = test_plain_destination_dup_log (dest, FALSE);
  named = test_plain_destination_dup_log (dest, TRUE);
  g_assert_cmpuint (g_strv_length (created), ==, N_FILES);
  g_assert_cmpuint (g_strv_length (named), ==, N_FILES);
  for (guint i = 0; named[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (named[i], " ", 2);

      g_assert_cmpstr (parts[0], ==, created[i]);
      n_named++;
      /* Of the twins, the one read first has the plain name, though their uploads ended
       * in any order. */
      if (g_str_has_prefix (parts[1], "IMG_0001"))
        {
          g_assert_cmpstr (parts[1], ==, first_twin == NULL ? "IMG_0001.JPG" : "IMG_0001 (2).JPG");
          first_twin = named[i];
        }
    }
  g_assert_cmpuint (n_named, ==, N_FILES);
  g_assert_nonnull (first_twin);
  /* The first file read was the held one, named first though its upload ended last. */
  g_assert_cmpuint (g_ascii_strtoull (created[0], NULL, 10), ==, w.held_size);

  /* Every file whole where the index says, and no temporary left. */
  entries = ks_destination_list_entries (KS_DESTINATION (dest));
  g_assert_cmpuint (entries->len, ==, N_FILES);
  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *path = g_build_filename (root, entry->relative_path, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *hash = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, len);
      g_assert_cmpstr (hash, ==, entry->hash);
      g_assert_cmpuint (len, ==, entry->size);
    }

  g_clear_object (&job);
  ks_destination_close (KS_DESTINATION (dest));
  rm_rf (tmp);
  g_mutex_clear (&w.mutex);
  g_cond_clear (&w.cond);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/import/uploads/side-by-side", test_uploads_side_by_side);

  return g_test_run ();
}
