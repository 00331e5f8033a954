/* ks-backup-plan-folders.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Adding a folder to the plan: what the folder is (its canonical path, a Keepsake id it
 * already holds) is read on whichever thread adds it — a worker for the async call — and the
 * plan is changed on the calling thread. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-backup-plan-private.h"
#include "ks-folder-destination.h"

/* What adding a folder needs from the medium, read on whichever thread adds it. */
typedef struct
{
  char *path;
  char *name;
  char *existing_id;
} FolderFacts;

static void
folder_facts_free (FolderFacts *facts)
{
  g_free (facts->path);
  g_free (facts->name);
  g_free (facts->existing_id);
  g_free (facts);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FolderFacts, folder_facts_free)

static FolderFacts *
read_folder_facts (const char  *path,
                   const char  *name,
                   gboolean     may_be_absent,
                   GError     **error)
{
  g_autoptr(FolderFacts) facts = g_new0 (FolderFacts, 1);

  if (path == NULL || !g_path_is_absolute (path))
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                   _("“%s” is not an absolute path"), path ? path : "");
      return NULL;
    }

  facts->path = g_canonicalize_filename (path, NULL);
  if (!may_be_absent && !g_file_test (facts->path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                   _("“%s” is not a folder"), facts->path);
      return NULL;
    }

  facts->existing_id = ks_folder_destination_read_id (facts->path, NULL);
  if (name != NULL && name[0] != '\0')
    facts->name = g_strdup (name);
  else
    facts->name = g_filename_display_basename (facts->path);

  return g_steal_pointer (&facts);
}

static KsPlanDestination *
add_folder_facts (KsBackupPlan  *self,
                  FolderFacts   *facts,
                  gboolean       create_missing,
                  GError       **error)
{
  g_autoptr(KsPlanDestination) dest = NULL;
  KsPlanDestination *same;

  same = ks_backup_plan_lookup (self, facts->path);
  if (same == NULL && facts->existing_id != NULL)
    same = ks_backup_plan_lookup (self, facts->existing_id);
  if (same != NULL)
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_EXISTS,
                   _("“%s” is already in the backup plan as “%s”"),
                   facts->path, same->name);
      return NULL;
    }

  dest = g_object_new (KS_TYPE_PLAN_DESTINATION, NULL);
  dest->id = facts->existing_id ? g_strdup (facts->existing_id) : g_uuid_string_random ();
  dest->name = g_strdup (facts->name);
  dest->kind = KS_DESTINATION_KIND_FOLDER;
  dest->location = g_strdup (facts->path);
  dest->enabled = TRUE;
  dest->methods = KS_BACKUP_METHOD_FILES;
  dest->create_missing = create_missing;
  dest->added_at = g_get_real_time () / G_USEC_PER_SEC;
  dest->last_successes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!_ks_backup_plan_save_and_reload (self, dest, error))
    return NULL;

  return ks_backup_plan_lookup (self, dest->id);
}

/**
 * ks_backup_plan_add_folder:
 * @path: an absolute path
 * @name: (nullable): a name for people; the folder's name when %NULL
 * @create_missing: the first run makes the folder if it is missing (for the default
 *   Pictures folder); otherwise it must exist now
 *
 * Adds a folder to the plan, enabled, for photos and videos as files. A folder that
 * already holds a Keepsake backup keeps its id (its copies are known by it). Blocking:
 * it looks at the folder; see ks_backup_plan_add_folder_async().
 *
 * Returns: (transfer none): the new entry, or %NULL with @error set
 */
KsPlanDestination *
ks_backup_plan_add_folder (KsBackupPlan  *self,
                           const char    *path,
                           const char    *name,
                           gboolean       create_missing,
                           GError       **error)
{
  g_autoptr(FolderFacts) facts = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);

  facts = read_folder_facts (path, name, create_missing, error);
  if (facts == NULL)
    return NULL;

  return add_folder_facts (self, facts, create_missing, error);
}

/**
 * ks_backup_plan_restore_folder:
 * @path: an absolute path
 * @enabled: whether backups go there
 *
 * Adds a folder the user chose in an earlier version (whose settings are brought over): it
 * may be absent now — a drive that is not plugged in — and is then not made by a run.
 *
 * Returns: (transfer none): the new entry, or %NULL with @error set
 */
KsPlanDestination *
ks_backup_plan_restore_folder (KsBackupPlan  *self,
                               const char    *path,
                               gboolean       enabled,
                               GError       **error)
{
  g_autoptr(FolderFacts) facts = NULL;
  KsPlanDestination *dest;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);

  facts = read_folder_facts (path, NULL, TRUE, error);
  if (facts == NULL || (dest = add_folder_facts (self, facts, FALSE, error)) == NULL)
    return NULL;
  if (!enabled && !ks_backup_plan_set_enabled (self, dest->id, FALSE, error))
    return NULL;

  return ks_backup_plan_lookup (self, facts->path);
}

static void
read_facts_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  FolderFacts *request = task_data;
  GError *error = NULL;
  FolderFacts *facts = read_folder_facts (request->path, request->name, FALSE, &error);

  if (facts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, facts, (GDestroyNotify)folder_facts_free);
}

/**
 * ks_backup_plan_add_folder_async:
 *
 * ks_backup_plan_add_folder() with the folder looked at on a worker; the plan itself is
 * changed on the calling thread when the callback finishes it.
 */
void
ks_backup_plan_add_folder_async (KsBackupPlan        *self,
                                 const char          *path,
                                 const char          *name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FolderFacts *request;

  g_return_if_fail (KS_IS_BACKUP_PLAN (self));

  request = g_new0 (FolderFacts, 1);
  request->path = g_strdup (path);
  request->name = g_strdup (name);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_backup_plan_add_folder_async);
  g_task_set_task_data (task, request, (GDestroyNotify)folder_facts_free);
  g_task_run_in_thread (task, read_facts_thread);
}

/**
 * ks_backup_plan_add_folder_finish:
 *
 * Returns: (transfer none): the new entry, or %NULL with @error set
 */
KsPlanDestination *
ks_backup_plan_add_folder_finish (KsBackupPlan  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_autoptr(FolderFacts) facts = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  facts = g_task_propagate_pointer (G_TASK (result), error);
  if (facts == NULL)
    return NULL;

  return add_folder_facts (self, facts, FALSE, error);
}

