/* ks-destination-space.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-destination-space.h"

/**
 * ks_destination_space_query:
 *
 * Blocks (a worker's call): opens the destination, asks its free space, closes it.
 *
 * Returns: the bytes available, or -1 with @error set (%KS_DESTINATION_ERROR_UNAVAILABLE for
 *   a folder that is not there)
 */
gint64
ks_destination_space_query (KsPlanDestination  *destination,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autoptr(KsDestination) store = NULL;
  gint64 free_bytes;

  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (destination), -1);

  /* Asking is no reason to create a folder the plan would make at its first run. */
  if (ks_plan_destination_get_kind (destination) == KS_DESTINATION_KIND_FOLDER
      && !g_file_test (ks_plan_destination_get_location (destination), G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE,
                   _("“%s” is not there"), ks_plan_destination_get_location (destination));
      return -1;
    }

  store = ks_plan_destination_create_store (destination);
  if (!ks_destination_open (store, cancellable, error))
    return -1;
  free_bytes = ks_destination_query_free_space (store, error);
  ks_destination_close (store);

  return free_bytes;
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  gint64 free_bytes = ks_destination_space_query (task_data, cancellable, &error);

  if (free_bytes < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, free_bytes);
}

/**
 * ks_destination_space_query_async:
 *
 * ks_destination_space_query() on a worker.
 */
void
ks_destination_space_query_async (KsPlanDestination   *destination,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_PLAN_DESTINATION (destination));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_destination_space_query_async);
  g_task_set_task_data (task, g_object_ref (destination), g_object_unref);
  g_task_run_in_thread (task, query_thread);
}

/**
 * ks_destination_space_query_finish:
 *
 * Returns: the bytes available, or -1 with @error set
 */
gint64
ks_destination_space_query_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
