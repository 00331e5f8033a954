/* ks-drive-monitor.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Each change of the mount table or of the plan starts one scan on a worker (finding a
 * drive probes devices, which may be asleep); a change during a scan asks for one more
 * after it. A scan's answer replaces the last one, and "drive-changed" is emitted for each
 * drive whose state or place changed. */

#include "config.h"

#include <gio/gunixmounts.h>

#include "ks-drive-destination.h"
#include "ks-drive-monitor.h"

struct _KsDriveMonitor
{
  GObject            parent_instance;

  KsBackupPlan      *plan;
  GUnixMountMonitor *mounts;
  GCancellable      *cancellable;
  GHashTable        *paths;     /* id → where it is mounted now ("" when not connected) */
  gboolean           ready;
  gboolean           scanning;
  gboolean           again;
};

G_DEFINE_FINAL_TYPE (KsDriveMonitor, ks_drive_monitor, G_TYPE_OBJECT)

enum {
  DRIVE_CHANGED,
  READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char *id;
  char *location;
  char *path;
} Drive;

static void
drive_free (Drive *drive)
{
  g_free (drive->id);
  g_free (drive->location);
  g_free (drive->path);
  g_free (drive);
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GPtrArray *drives = task_data;

  for (guint i = 0; i < drives->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      Drive *drive = g_ptr_array_index (drives, i);

      drive->path = ks_drive_location_find_path (drive->location, drive->id);
    }
  g_task_return_boolean (task, TRUE);
}

static void scan (KsDriveMonitor *self);

static void
scan_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  KsDriveMonitor *self = KS_DRIVE_MONITOR (object);
  GPtrArray *drives = g_task_get_task_data (G_TASK (result));
  g_autoptr(GHashTable) old = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  gboolean was_ready = self->ready;
  GHashTableIter iter;
  const char *id;

  self->scanning = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), NULL) || g_cancellable_is_cancelled (self->cancellable))
    return;

  old = g_steal_pointer (&self->paths);
  self->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < drives->len; i++)
    {
      Drive *drive = g_ptr_array_index (drives, i);
      const char *before = g_hash_table_lookup (old, drive->id);
      const char *now = drive->path != NULL ? drive->path : "";

      g_hash_table_insert (self->paths, g_strdup (drive->id), g_strdup (now));
      if (g_strcmp0 (before, now) != 0)
        g_ptr_array_add (changed, g_strdup (drive->id));
    }
  /* Drives taken out of the plan are no longer connected, as far as anyone asks. */
  g_hash_table_iter_init (&iter, old);
  while (g_hash_table_iter_next (&iter, (gpointer *)&id, NULL))
    if (!g_hash_table_contains (self->paths, id))
      g_ptr_array_add (changed, g_strdup (id));

  self->ready = TRUE;
  g_object_ref (self);
  for (guint i = 0; i < changed->len; i++)
    {
      const char *changed_id = g_ptr_array_index (changed, i);

      g_signal_emit (self, signals[DRIVE_CHANGED], 0, changed_id,
                     ks_drive_monitor_is_connected (self, changed_id));
    }
  if (!was_ready)
    g_signal_emit (self, signals[READY], 0);

  if (self->again)
    scan (self);
  g_object_unref (self);
}

static void
scan (KsDriveMonitor *self)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *drives;
  guint n;

  if (self->scanning)
    {
      self->again = TRUE;
      return;
    }
  self->again = FALSE;
  self->scanning = TRUE;

  drives = g_ptr_array_new_with_free_func ((GDestroyNotify)drive_free);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (self->plan), i);
      Drive *drive;

      if (ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_DRIVE)
        continue;
      drive = g_new0 (Drive, 1);
      drive->id = g_strdup (ks_plan_destination_get_id (dest));
      drive->location = g_strdup (ks_plan_destination_get_location (dest));
      g_ptr_array_add (drives, drive);
    }

  task = g_task_new (self, self->cancellable, scan_cb, NULL);
  g_task_set_source_tag (task, scan);
  g_task_set_task_data (task, drives, (GDestroyNotify)g_ptr_array_unref);
  g_task_run_in_thread (task, scan_thread);
}

static void
changed_cb (KsDriveMonitor *self)
{
  scan (self);
}

static void
ks_drive_monitor_dispose (GObject *object)
{
  KsDriveMonitor *self = (KsDriveMonitor *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->mounts != NULL)
    g_signal_handlers_disconnect_by_data (self->mounts, self);
  g_clear_object (&self->mounts);
  g_clear_object (&self->plan);

  G_OBJECT_CLASS (ks_drive_monitor_parent_class)->dispose (object);
}

static void
ks_drive_monitor_finalize (GObject *object)
{
  KsDriveMonitor *self = (KsDriveMonitor *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->paths, g_hash_table_unref);

  G_OBJECT_CLASS (ks_drive_monitor_parent_class)->finalize (object);
}

static void
ks_drive_monitor_class_init (KsDriveMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_drive_monitor_dispose;
  object_class->finalize = ks_drive_monitor_finalize;

  /**
   * KsDriveMonitor::drive-changed:
   * @id: the plan entry's id
   * @connected: whether it is plugged in now
   *
   * A drive destination was plugged in, pulled out, or mounted somewhere else.
   */
  signals[DRIVE_CHANGED] = g_signal_new ("drive-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  /**
   * KsDriveMonitor::ready:
   *
   * The first look at the mount table is done: is_connected() answers from now on.
   */
  signals[READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ks_drive_monitor_init (KsDriveMonitor *self)
{
  self->cancellable = g_cancellable_new ();
  self->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * ks_drive_monitor_new:
 * @plan: the plan whose drive destinations to watch
 *
 * Returns: (transfer full): a monitor; it looks at the mount table at once (on a worker)
 *   and emits "ready" when it knows
 */
KsDriveMonitor *
ks_drive_monitor_new (KsBackupPlan *plan)
{
  KsDriveMonitor *self;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);

  self = g_object_new (KS_TYPE_DRIVE_MONITOR, NULL);
  self->plan = g_object_ref (plan);
  self->mounts = g_unix_mount_monitor_get ();
  g_signal_connect_object (self->mounts, "mounts-changed", G_CALLBACK (changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (plan, "items-changed", G_CALLBACK (changed_cb), self,
                           G_CONNECT_SWAPPED);
  scan (self);

  return self;
}

gboolean
ks_drive_monitor_is_ready (KsDriveMonitor *self)
{
  g_return_val_if_fail (KS_IS_DRIVE_MONITOR (self), FALSE);

  return self->ready;
}

/**
 * ks_drive_monitor_is_connected:
 * @id: a drive destination's id in the plan
 *
 * Returns: whether it is plugged in and mounted (as of the last look; %FALSE before
 *   "ready", and for any other kind of destination)
 */
gboolean
ks_drive_monitor_is_connected (KsDriveMonitor *self,
                               const char     *id)
{
  const char *path;

  g_return_val_if_fail (KS_IS_DRIVE_MONITOR (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  path = g_hash_table_lookup (self->paths, id);
  return path != NULL && path[0] != '\0';
}

/**
 * ks_drive_monitor_get_path:
 *
 * Returns: (nullable): where the drive destination's folder is now, or %NULL when it is
 *   not connected
 */
const char *
ks_drive_monitor_get_path (KsDriveMonitor *self,
                           const char     *id)
{
  g_return_val_if_fail (KS_IS_DRIVE_MONITOR (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return ks_drive_monitor_is_connected (self, id) ? g_hash_table_lookup (self->paths, id) : NULL;
}

/* Looks again now (after an eject, say, which the mount table shows only a moment later). */
void
ks_drive_monitor_refresh (KsDriveMonitor *self)
{
  g_return_if_fail (KS_IS_DRIVE_MONITOR (self));

  scan (self);
}
