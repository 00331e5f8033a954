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
 * - every file lands whole and is in the destination's index;
 * - cancelled while uploads are on their way: nothing is named or counted, no temporary is
 *   left, and the next run stores everything. */

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
  GMutex        mutex;
  GCond         cond;
  KsImportJob  *job;
  GCancellable *cancel;       /* cancelled by the held upload, once two others ended */
  guint         n_ended;
  guint         active;
  guint         max_active;
  gboolean      timed_out;
  guint64       held_size;
  guint64       sent_at_release;
  guint64       total_at_release;
} Watch;

typedef struct
{
  char                 *tmp;
  char                 *src;
  char                 *root;
  KsCatalog            *catalog;
  TestPlainDestination *dest;
  guint64               total;
  Watch                 w;
} Fixture;

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
          guint others = w->cancel != NULL ? 2 : N_FILES - 1;

          /* The first file read: ends only once the others ended beside it. */
          w->held_size = size;
          while (w->n_ended < others && !w->timed_out)
            if (!g_cond_wait_until (&w->cond, &w->mutex, deadline))
              w->timed_out = TRUE;

          g_mutex_lock (&w->job->mutex);
          w->sent_at_release = w->job->progress.upload_done;
          w->total_at_release = w->job->progress.upload_total;
          g_mutex_unlock (&w->job->mutex);
          if (w->cancel != NULL)
            g_cancellable_cancel (w->cancel);
        }
    }
  g_mutex_unlock (&w->mutex);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *first = NULL;
  g_autofree char *twin = NULL;

  f->tmp = g_dir_make_tmp ("ks-uploads-XXXXXX", &error);
  g_assert_no_error (error);
  f->src = g_build_filename (f->tmp, "src", NULL);
  f->root = g_build_filename (f->tmp, "remote", NULL);
  db = g_build_filename (f->tmp, "catalog.db", NULL);

  first = g_build_filename (f->src, "DCIM", "100APPLE", "IMG_0000.JPG", NULL);
  write_random_file (first, 300000, 1, FIXED_TIME);
  f->total += 300000;
  for (guint i = 1; i <= N_FILES - 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.JPG", i);
      g_autofree char *path = g_build_filename (f->src, "DCIM", "100APPLE", name, NULL);

      write_random_file (path, 100000 + i * 1000, i, FIXED_TIME);
      f->total += 100000 + i * 1000;
    }
  /* IMG_0001.JPG twice (another folder, the same day): the one read second gets "(2)". */
  twin = g_build_filename (f->src, "DCIM", "101APPLE", "IMG_0001.JPG", NULL);
  write_random_file (twin, 150000, 99, FIXED_TIME);
  f->total += 150000;

  f->catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  f->dest = test_plain_destination_new (f->root);
  g_mutex_init (&f->w.mutex);
  g_cond_init (&f->w.cond);
  test_plain_destination_set_remote (f->dest, finish_cb, &f->w);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ks_destination_close (KS_DESTINATION (f->dest));
  g_clear_object (&f->dest);
  g_clear_object (&f->catalog);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->src);
  g_free (f->root);
  g_mutex_clear (&f->w.mutex);
  g_cond_clear (&f->w.cond);
}

static KsImportResult *
run_import (Fixture       *f,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GFile) folder = g_file_new_for_path (f->src);
  g_autoptr(KsFolderSource) source = ks_folder_source_new (folder);
  g_autoptr(GPtrArray) dests = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  KsImportResult *result;

  g_ptr_array_add (dests, f->dest);
  job = ks_import_job_new (KS_SOURCE (source), NULL, dests, f->catalog);
  f->w.job = job;
  result = ks_import_job_run (job, cancellable, error);

  /* Every byte sent counted once: the total, exactly, when nothing failed. */
  if (result != NULL)
    {
      g_assert_cmpuint (job->progress.upload_done, ==, job->progress.upload_total);
      g_assert_cmpuint (job->progress.upload_total, ==, f->total);
    }
  f->w.job = NULL;
  return result;
}

/* Every file whole where the index says, and no temporary left. */
static void
assert_stored (Fixture *f)
{
  g_autoptr(GPtrArray) entries = ks_destination_list_entries (KS_DESTINATION (f->dest));

  assert_no_temp_files (f->root);
  g_assert_cmpuint (entries->len, ==, N_FILES);
  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *path = g_build_filename (f->root, entry->relative_path, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *hash = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, len);
      g_assert_cmpstr (hash, ==, entry->hash);
      g_assert_cmpuint (len, ==, entry->size);
    }
}

static void
test_side_by_side (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_auto(GStrv) created = NULL;
  g_auto(GStrv) named = NULL;
  const char *first_twin = NULL;

  result = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->copied, ==, N_FILES);

  /* The uploads ran side by side: the held one ended last, once all the others had. */
  g_assert_cmpuint (f->w.held_size, >, 0);
  g_assert_false (f->w.timed_out);
  g_assert_cmpuint (f->w.max_active, >=, 2);
  g_assert_cmpuint (f->w.max_active, <=, 4);

  /* Bytes counted once each (a call started again from 0 included): with the held file
   * left, all the others exactly. */
  g_assert_cmpuint (f->w.total_at_release, ==, f->total);
  g_assert_cmpuint (f->w.sent_at_release, ==, f->total - f->w.held_size);

  /* Named in the order they were read, whatever order their uploads ended in. */
  created = test_plain_destination_dup_log (f->dest, FALSE);
  named = test_plain_destination_dup_log (f->dest, TRUE);
  g_assert_cmpuint (g_strv_length (created), ==, N_FILES);
  g_assert_cmpuint (g_strv_length (named), ==, N_FILES);
  for (guint i = 0; named[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (named[i], " ", 2);

      g_assert_cmpstr (parts[0], ==, created[i]);
      /* Of the twins, the one read first has the plain name. */
      if (g_str_has_prefix (parts[1], "IMG_0001"))
        {
          g_assert_cmpstr (parts[1], ==, first_twin == NULL ? "IMG_0001.JPG" : "IMG_0001 (2).JPG");
          first_twin = named[i];
        }
    }
  g_assert_nonnull (first_twin);
  /* The first file read was the held one: named first, though its upload ended last. */
  g_assert_cmpuint (g_ascii_strtoull (created[0], NULL, 10), ==, f->w.held_size);

  assert_stored (f);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(KsImportResult) resumed = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_auto(GStrv) named = NULL;

  /* Cancelled while the first file's upload is held and others went up beside it. */
  f->w.cancel = cancellable;
  result = run_import (f, cancellable, &error);
  g_assert_error (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED);
  g_assert_null (result);
  g_clear_error (&error);
  g_assert_false (f->w.timed_out);
  g_assert_cmpuint (f->w.sent_at_release, >, 0);

  /* Uploaded, some of them, but none named (the first in order was not done), none in the
   * index, no temporary left. */
  named = test_plain_destination_dup_log (f->dest, TRUE);
  g_assert_cmpuint (g_strv_length (named), ==, 0);
  entries = ks_destination_list_entries (KS_DESTINATION (f->dest));
  g_assert_cmpuint (entries->len, ==, 0);
  assert_no_temp_files (f->root);
  files = list_files (f->root);
  g_assert_cmpuint (g_hash_table_size (files), ==, 0);

  /* The next run stores everything. */
  test_plain_destination_set_remote (f->dest, NULL, NULL);
  resumed = run_import (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed->copied, ==, N_FILES);
  assert_stored (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/import/uploads/side-by-side", Fixture, NULL, fixture_setup, test_side_by_side, fixture_teardown);
  g_test_add ("/import/uploads/cancelled", Fixture, NULL, fixture_setup, test_cancelled, fixture_teardown);

  return g_test_run ();
}
