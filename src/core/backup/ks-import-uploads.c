/* ks-import-uploads.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Uploads side by side. A file bound for a remote destination is uploaded and verified at
 * the server (ks_destination_finish()) on one of a few threads per destination, as soon as
 * the writer has it whole (or, from a local copy, once that copy is durable); the
 * committer then takes the uploads in the order the files were read, and only names them
 * (the name, its "(N)", the index line) and counts them. A file is still stored only once
 * the server's hash matched and it has its name.
 *
 * Progress: each upload counts its own bytes (rclone counts from 0 again when a call is
 * tried again: only what goes past what was counted counts), so the bytes add up to what
 * was sent, once. The file shown is one being uploaded, kept until its upload ends. */

#include "config.h"

#include "ks-import-job-private.h"

/* Uploads at once per remote destination, as `rclone copy` runs its transfers. */
#define UPLOADS_AT_ONCE 4

struct _KsImportUpload
{
  KsImportRun         *run;
  KsImportItem        *item;
  guint                d;
  KsDestinationWriter *writer;   /* owned by the upload until it ends */
  char                *rel_dir;  /* from a local copy: where, under what name, from where */
  char                *name;
  char                *local_path;
  GError              *error;
  guint64              sent;     /* counted as uploaded; by the thread that uploads */
  gboolean             done;     /* under run->upload_mutex */
};

/* The upload the current thread runs, for transfer_cb. */
static GPrivate current_upload;

static void
upload_thread (gpointer data,
               gpointer user_data)
{
  KsImportUpload *up = data;
  KsImportRun *run = up->run;
  KsDestination *dest = run->dests[up->d];

  g_private_set (&current_upload, up);

  if (!g_cancellable_set_error_if_cancelled (run->cancellable, &up->error))
    {
      /* Re-hashed as it is read: a copy that changed since it was stored is refused. */
      if (up->local_path != NULL)
        up->writer = ks_destination_begin_from_file (dest, up->rel_dir, up->name, up->local_path,
                                                     up->item->hash, run->cancellable, &up->error);
      if (up->writer != NULL)
        ks_destination_finish (dest, up->writer, run->cancellable, &up->error);
    }

  g_private_set (&current_upload, NULL);

  g_mutex_lock (&run->upload_mutex);
  if (run->upload_shown == up)
    run->upload_shown = NULL;
  up->done = TRUE;
  g_cond_broadcast (&run->upload_cond);
  g_mutex_unlock (&run->upload_mutex);
}

/* rclone's count of the bytes of one upload, on the thread that runs it. */
static void
transfer_cb (KsDestination *dest,
             const char    *relative_path,
             guint64        bytes,
             guint64        size,
             double         rate,
             gpointer       user_data)
{
  KsImportRun *run = user_data;
  KsImportUpload *up = g_private_get (&current_upload);
  KsImportItem *shown;
  guint64 more;

  if (up == NULL || up->run != run || bytes <= up->sent)
    return;

  more = bytes - up->sent;
  up->sent = bytes;

  /* The file shown stays until its upload ends, then the next one reporting takes over. */
  g_mutex_lock (&run->upload_mutex);
  if (run->upload_shown == NULL)
    run->upload_shown = up;
  shown = run->upload_shown == up ? up->item : NULL;
  g_mutex_unlock (&run->upload_mutex);

  _ks_import_meter_add_upload (run->self, shown, more);
}

/**
 * _ks_import_uploads_start:
 *
 * Gives each remote destination of the run its uploading threads and its progress.
 */
void
_ks_import_uploads_start (KsImportRun *run)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      if (!(run->remote & (1u << d)))
        continue;

      ks_destination_set_transfer_func (run->dests[d], transfer_cb, run);
      run->uploaders[d] = g_thread_pool_new (upload_thread, NULL, UPLOADS_AT_ONCE, FALSE, NULL);
    }
}

/* Waits for what is still uploading (every upload was ended before: nothing). */
void
_ks_import_uploads_stop (KsImportRun *run)
{
  for (guint d = 0; d < run->n_dests; d++)
    {
      if (run->uploaders[d] != NULL)
        g_thread_pool_free (g_steal_pointer (&run->uploaders[d]), FALSE, TRUE);
      if (run->remote & (1u << d))
        ks_destination_set_transfer_func (run->dests[d], NULL, NULL);
    }
}

static KsImportUpload *
upload_new (KsImportRun  *run,
            guint         d,
            KsImportItem *item)
{
  KsImportUpload *up = g_new0 (KsImportUpload, 1);

  g_assert (run->uploaders[d] != NULL);

  up->run = run;
  up->d = d;
  up->item = item;
  return up;
}

/**
 * _ks_import_upload_begin:
 * @writer: (transfer full): the file, written whole to remote destination @d
 *
 * Starts uploading and verifying it beside the others; end it with _ks_import_upload_end().
 */
KsImportUpload *
_ks_import_upload_begin (KsImportRun         *run,
                         guint                d,
                         KsImportItem        *item,
                         KsDestinationWriter *writer)
{
  KsImportUpload *up = upload_new (run, d, item);

  up->writer = writer;
  g_thread_pool_push (run->uploaders[d], up, NULL);
  return up;
}

/**
 * _ks_import_upload_begin_from_local:
 * @local_path: a verified copy in a local destination
 *
 * Starts uploading @local_path to remote destination @d as @name in @rel_dir (re-hashed
 * as it is read), beside the others; end it with _ks_import_upload_end().
 */
KsImportUpload *
_ks_import_upload_begin_from_local (KsImportRun  *run,
                                    guint         d,
                                    KsImportItem *item,
                                    const char   *rel_dir,
                                    const char   *name,
                                    const char   *local_path)
{
  KsImportUpload *up = upload_new (run, d, item);

  up->rel_dir = g_strdup (rel_dir);
  up->name = g_strdup (name);
  up->local_path = g_strdup (local_path);
  g_thread_pool_push (run->uploaders[d], up, NULL);
  return up;
}

/**
 * _ks_import_upload_end:
 * @up: (transfer full)
 * @out_sent: (out): bytes of it counted as uploaded
 *
 * Waits for the upload and frees it.
 *
 * Returns: (transfer full): the writer, uploaded and read back, ready to be named; or %NULL
 *   with @error set (the temporary is removed)
 */
KsDestinationWriter *
_ks_import_upload_end (KsImportUpload  *up,
                       guint64         *out_sent,
                       GError         **error)
{
  KsImportRun *run = up->run;
  KsDestinationWriter *writer;

  g_mutex_lock (&run->upload_mutex);
  while (!up->done)
    g_cond_wait (&run->upload_cond, &run->upload_mutex);
  g_mutex_unlock (&run->upload_mutex);

  writer = g_steal_pointer (&up->writer);
  *out_sent = up->sent;
  if (up->error != NULL)
    {
      ks_destination_abort (run->dests[up->d], g_steal_pointer (&writer));
      g_propagate_error (error, g_steal_pointer (&up->error));
    }

  g_free (up->rel_dir);
  g_free (up->name);
  g_free (up->local_path);
  g_free (up);
  return writer;
}
