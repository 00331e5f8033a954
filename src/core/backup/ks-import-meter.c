/* ks-import-meter.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Progress of a run: the threads count under the job's mutex; a timer on the caller's main
 * context turns the counts into a rate and a time left, and emits at most
 * PROGRESS_INTERVAL apart, only when something changed. The result's counts come from the
 * same place. */

#include "config.h"

#include "ks-asset.h"
#include "ks-import-job-private.h"

#define PROGRESS_INTERVAL 100 /* ms: at most 10 updates a second */

/* Folds the bytes since the last tick into the rate, and estimates the time left. Under
 * the job's mutex. */
static void
estimate (KsImportJob *self,
          gint64       now)
{
  KsImportProgress *progress = &self->progress;
  gint64 prev_tick = self->last_tick;

  if (self->last_tick > 0 && now > self->last_tick)
    {
      double inst = (double)(progress->bytes_done - self->last_bytes)
                    * G_USEC_PER_SEC / (now - self->last_tick);

      /* Exponential smoothing: steady enough to read, quick enough to follow a change. */
      progress->rate = progress->rate > 0 ? 0.8 * progress->rate + 0.2 * inst : inst;
    }
  self->last_tick = now;
  self->last_bytes = progress->bytes_done;

  if (progress->rate > 1)
    progress->seconds_left = (gint64)((progress->bytes_total - MIN (progress->bytes_total, progress->bytes_done))
                                      / progress->rate);
  else
    progress->seconds_left = -1;

  /* The uploads the same way, from the bytes rclone says it sent. */
  if (prev_tick > 0 && now > prev_tick)
    {
      double inst = (double)(progress->upload_done - self->last_upload)
                    * G_USEC_PER_SEC / (now - prev_tick);

      progress->upload_rate = progress->upload_rate > 0
                              ? 0.8 * progress->upload_rate + 0.2 * inst : inst;
    }
  self->last_upload = progress->upload_done;
  if (progress->upload_rate > 1)
    progress->upload_seconds_left = (gint64)((progress->upload_total - MIN (progress->upload_total, progress->upload_done))
                                             / progress->upload_rate);
  else
    progress->upload_seconds_left = -1;
}

static gboolean
progress_tick_cb (gpointer data)
{
  KsImportJob *self = data;
  g_autoptr(KsImportProgress) snapshot = NULL;

  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  estimate (self, g_get_monotonic_time ());
  if (self->progress_dirty)
    {
      snapshot = ks_import_progress_copy (&self->progress);
      self->progress_dirty = FALSE;
    }
  g_mutex_unlock (&self->mutex);

  if (snapshot != NULL)
    _ks_import_job_emit_progress (self, snapshot);

  return G_SOURCE_CONTINUE;
}

/* On the thread whose thread-default main context is to hear "progress". */
void
_ks_import_meter_start (KsImportJob *self)
{
  g_assert (KS_IS_IMPORT_JOB (self));
  g_assert (self->progress_source == NULL);

  self->progress_source = g_timeout_source_new (PROGRESS_INTERVAL);
  g_source_set_callback (self->progress_source, progress_tick_cb, self, NULL);
  g_source_set_static_name (self->progress_source, "[ks-import-progress]");
  g_source_attach (self->progress_source, g_main_context_get_thread_default ());
}

void
_ks_import_meter_stop (KsImportJob *self)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  if (self->progress_source != NULL)
    {
      g_source_destroy (self->progress_source);
      g_clear_pointer (&self->progress_source, g_source_unref);
    }
}

/* Stops the timer and emits the last word, whether or not anything changed. */
void
_ks_import_meter_flush (KsImportJob *self)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  _ks_import_meter_stop (self);
  g_mutex_lock (&self->mutex);
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
  progress_tick_cb (self);
}

/* @current: (nullable): the file now being copied */
void
_ks_import_meter_update (KsImportJob  *self,
                         KsImportItem *current,
                         guint64       bytes)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->progress.bytes_done += bytes;
  if (current != NULL)
    {
      g_free (self->progress.current_path);
      self->progress.current_path = g_strdup (ks_asset_file_get_path (current->file));
      g_free (self->progress.current_asset);
      self->progress.current_asset = g_strdup (ks_asset_get_key (current->asset));
    }
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
_ks_import_meter_set_plan (KsImportJob *self,
                           guint        items_total,
                           guint        planned,
                           guint64      bytes_total)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->progress.items_total = items_total;
  self->progress.bytes_total = bytes_total;
  self->result->planned = planned;
  self->result->planned_bytes = bytes_total;
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* A file of @bytes is durable in one more destination. */
void
_ks_import_meter_add_copied (KsImportJob *self,
                             guint64      bytes)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->result->bytes += bytes;
  g_mutex_unlock (&self->mutex);
}

void
_ks_import_meter_set_upload_total (KsImportJob *self,
                                   guint64      bytes)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->progress.upload_total = bytes;
  self->progress.upload_seconds_left = -1;
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* A planned upload of @bytes that is not needed after all (the content was there already). */
void
_ks_import_meter_upload_skipped (KsImportJob *self,
                                 guint64      bytes)
{
  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->progress.upload_total -= MIN (bytes, self->progress.upload_total - self->progress.upload_done);
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* @bytes more were sent while uploading @current. Never past the total: a retried upload
 * sends some bytes twice. */
void
_ks_import_meter_add_upload (KsImportJob  *self,
                             KsImportItem *current,
                             guint64       bytes)
{
  KsImportProgress *progress = &self->progress;

  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  progress->upload_done = MIN (progress->upload_done + bytes, progress->upload_total);
  if (current != NULL && g_strcmp0 (progress->upload_path, ks_asset_file_get_path (current->file)) != 0)
    {
      g_free (progress->upload_path);
      progress->upload_path = g_strdup (ks_asset_file_get_path (current->file));
    }
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* @item is done with for every destination (copied, skipped or failed). Calls the test's
 * file hook. */
void
_ks_import_meter_item_finished (KsImportRun  *run,
                                KsImportItem *item)
{
  KsImportJob *self = run->self;
  guint n;

  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->progress.items_done++;
  if (item->copied)
    self->progress.copied++;
  if (item->copied && !item->primary->asset_counted)
    {
      item->primary->asset_counted = TRUE;
      switch (ks_asset_get_media_type (item->asset))
        {
        case KS_MEDIA_TYPE_VIDEO:
          self->result->videos_copied++;
          break;
        case KS_MEDIA_TYPE_OTHER:
          self->result->others_copied++;
          break;
        case KS_MEDIA_TYPE_PHOTO:
        default:
          self->result->photos_copied++;
          break;
        }
    }
  if (item->failed)
    self->progress.failed++;
  if (!item->copied && !item->failed)
    self->progress.skipped++;
  self->progress_dirty = TRUE;
  n = ++run->n_finished;
  g_mutex_unlock (&self->mutex);

  if (self->file_hook != NULL)
    self->file_hook (self, n, self->file_hook_data);
}

/* Dry run: nothing is read; skipped items count as done. */
void
_ks_import_meter_count_dry_run (KsImportRun *run)
{
  KsImportJob *self = run->self;

  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < run->items->len; i++)
    if (((KsImportItem *)g_ptr_array_index (run->items, i))->need == 0)
      {
        self->progress.items_done++;
        self->progress.skipped++;
      }
  g_mutex_unlock (&self->mutex);
}

/* Fills the result's counts once the run ended with @error (or none).
 *
 * Returns: the run's status, as the catalog records it */
const char *
_ks_import_meter_finish (KsImportRun  *run,
                         const GError *error)
{
  KsImportJob *self = run->self;
  const char *status;

  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  self->result->copied = self->progress.copied;
  self->result->skipped = self->progress.skipped;
  self->result->failed = self->progress.failed;
  self->result->duration = g_get_monotonic_time () - run->started;
  self->result->run_id = run->run_id;
  if (error != NULL && g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED))
    status = "cancelled";
  else if (error != NULL)
    status = "failed";
  else if (self->result->failed > 0)
    status = "completed-with-errors";
  else
    status = "completed";
  g_free (self->result->status);
  self->result->status = g_strdup (status);
  self->progress_dirty = TRUE;
  g_mutex_unlock (&self->mutex);

  return status;
}
