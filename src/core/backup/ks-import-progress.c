/* ks-import-progress.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Copy and free functions for the import run's boxed data. */

#include "config.h"

#include "ks-import-progress.h"

G_DEFINE_BOXED_TYPE (KsImportProgress, ks_import_progress, ks_import_progress_copy, ks_import_progress_free)
G_DEFINE_BOXED_TYPE (KsImportResult, ks_import_result, ks_import_result_copy, ks_import_result_free)

KsImportProgress *
ks_import_progress_copy (const KsImportProgress *progress)
{
  KsImportProgress *copy;

  g_return_val_if_fail (progress != NULL, NULL);

  copy = g_memdup2 (progress, sizeof *progress);
  copy->current_path = g_strdup (progress->current_path);
  copy->current_asset = g_strdup (progress->current_asset);
  copy->upload_path = g_strdup (progress->upload_path);

  return copy;
}

void
ks_import_progress_free (KsImportProgress *progress)
{
  if (progress == NULL)
    return;

  g_free (progress->current_path);
  g_free (progress->current_asset);
  g_free (progress->upload_path);
  g_free (progress);
}

KsImportFileError *
ks_import_file_error_new (const char   *path,
                          const char   *destination_id,
                          const GError *error)
{
  KsImportFileError *fe = g_new0 (KsImportFileError, 1);

  fe->path = g_strdup (path);
  fe->destination_id = g_strdup (destination_id);
  if (error != NULL)
    {
      fe->domain = error->domain;
      fe->code = error->code;
      fe->message = g_strdup (error->message);
    }

  return fe;
}

static KsImportFileError *
file_error_copy (const KsImportFileError *fe)
{
  KsImportFileError *copy = g_new0 (KsImportFileError, 1);

  copy->path = g_strdup (fe->path);
  copy->destination_id = g_strdup (fe->destination_id);
  copy->domain = fe->domain;
  copy->code = fe->code;
  copy->message = g_strdup (fe->message);

  return copy;
}

void
ks_import_file_error_free (KsImportFileError *fe)
{
  if (fe == NULL)
    return;

  g_free (fe->path);
  g_free (fe->destination_id);
  g_free (fe->message);
  g_free (fe);
}

KsImportResult *
ks_import_result_new (void)
{
  KsImportResult *result = g_new0 (KsImportResult, 1);

  result->errors = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_import_file_error_free);
  result->run_id = -1;

  return result;
}

KsImportResult *
ks_import_result_copy (const KsImportResult *result)
{
  KsImportResult *copy;

  g_return_val_if_fail (result != NULL, NULL);

  copy = g_memdup2 (result, sizeof *result);
  copy->status = g_strdup (result->status);
  copy->errors = g_ptr_array_new_with_free_func ((GDestroyNotify)ks_import_file_error_free);
  for (guint i = 0; i < result->errors->len; i++)
    g_ptr_array_add (copy->errors, file_error_copy (g_ptr_array_index (result->errors, i)));

  return copy;
}

void
ks_import_result_free (KsImportResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->errors, g_ptr_array_unref);
  g_free (result->status);
  g_free (result);
}
