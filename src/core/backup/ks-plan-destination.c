/* ks-plan-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ks-drive-destination.h"
#include "ks-folder-destination.h"
#include "ks-rclone-destination.h"
#include "ks-plan-destination-private.h"

static const char *kind_names[] = {
  [KS_DESTINATION_KIND_FOLDER] = "folder",
  [KS_DESTINATION_KIND_DRIVE] = "drive",
  [KS_DESTINATION_KIND_NETWORK] = "network",
  [KS_DESTINATION_KIND_CLOUD] = "cloud",
};

const char *
ks_destination_kind_to_string (KsDestinationKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (kind_names), NULL);

  return kind_names[kind];
}

gboolean
ks_destination_kind_from_string (const char        *string,
                                 KsDestinationKind *out_kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (string, kind_names[i]) == 0)
      {
        *out_kind = i;
        return TRUE;
      }

  return FALSE;
}


G_DEFINE_FINAL_TYPE (KsPlanDestination, ks_plan_destination, G_TYPE_OBJECT)

static void
ks_plan_destination_finalize (GObject *object)
{
  KsPlanDestination *self = (KsPlanDestination *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->last_successes, g_hash_table_unref);

  G_OBJECT_CLASS (ks_plan_destination_parent_class)->finalize (object);
}

static void
ks_plan_destination_class_init (KsPlanDestinationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_plan_destination_finalize;
}

static void
ks_plan_destination_init (KsPlanDestination *self)
{
}

KsPlanDestination *
_ks_plan_destination_new (const KsCatalogPlanEntry *entry,
                      GHashTable               *last_successes)
{
  KsPlanDestination *self = g_object_new (KS_TYPE_PLAN_DESTINATION, NULL);

  self->id = g_strdup (entry->id);
  self->name = g_strdup (entry->name);
  if (!ks_destination_kind_from_string (entry->kind, &self->kind))
    self->kind = KS_DESTINATION_KIND_FOLDER;
  self->location = g_strdup (entry->location);
  self->enabled = entry->enabled;
  self->methods = entry->methods;
  self->create_missing = entry->create_missing;
  self->added_at = entry->added_at;
  self->last_successes = g_hash_table_ref (last_successes);

  return self;
}

KsCatalogPlanEntry *
_ks_plan_destination_to_entry (KsPlanDestination *self)
{
  KsCatalogPlanEntry *entry = g_new0 (KsCatalogPlanEntry, 1);

  entry->id = g_strdup (self->id);
  entry->name = g_strdup (self->name);
  entry->kind = g_strdup (ks_destination_kind_to_string (self->kind));
  entry->location = g_strdup (self->location);
  entry->enabled = self->enabled;
  entry->methods = self->methods;
  entry->create_missing = self->create_missing;
  entry->added_at = self->added_at;

  return entry;
}

/* The entry's id: the destination's own id, kept in its .keepsake/id. */
const char *
ks_plan_destination_get_id (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), NULL);
  return self->id;
}

const char *
ks_plan_destination_get_name (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), NULL);
  return self->name;
}

KsDestinationKind
ks_plan_destination_get_kind (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), KS_DESTINATION_KIND_FOLDER);
  return self->kind;
}

/* Where it is: a folder's absolute path. */
const char *
ks_plan_destination_get_location (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), NULL);
  return self->location;
}

gboolean
ks_plan_destination_get_enabled (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), FALSE);
  return self->enabled;
}

KsBackupMethods
ks_plan_destination_get_methods (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), KS_BACKUP_METHOD_NONE);
  return self->methods;
}

/* Whether the first run makes the folder (the default Pictures folder) rather than
 * reporting it missing (a drive that is not plugged in). */
gboolean
ks_plan_destination_get_create_missing (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), FALSE);
  return self->create_missing;
}

gint64
ks_plan_destination_get_added_at (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), 0);
  return self->added_at;
}

/**
 * ks_plan_destination_get_last_success:
 * @source_id: a device's UDID or a source's id
 *
 * Returns: when a run of that source to this destination last went through to its end
 *   (unix seconds), or 0 if never; as of the plan's last load or reload
 */
gint64
ks_plan_destination_get_last_success (KsPlanDestination *self,
                                      const char        *source_id)
{
  gint64 *when;

  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), 0);

  when = g_hash_table_lookup (self->last_successes, source_id);
  return when ? *when : 0;
}

/**
 * ks_plan_destination_dup_last_successes:
 *
 * Returns: (transfer container) (element-type utf8 gint64): source id → unix seconds
 */
GHashTable *
ks_plan_destination_dup_last_successes (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), NULL);

  return g_hash_table_ref (self->last_successes);
}

/**
 * ks_plan_destination_create_store:
 *
 * Returns: (transfer full): a new destination for this entry, not yet opened (opening it
 *   touches the medium: do it on a worker)
 */
KsDestination *
ks_plan_destination_create_store (KsPlanDestination *self)
{
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (self), NULL);

  switch (self->kind)
    {
    case KS_DESTINATION_KIND_DRIVE:
      {
        KsDriveDestination *drive = ks_drive_destination_new (self->location, self->id, self->name);

        if (drive != NULL)
          return KS_DESTINATION (drive);
      }
      break;
    case KS_DESTINATION_KIND_NETWORK:
    case KS_DESTINATION_KIND_CLOUD:
      /* Reached through rclone; the location says how. */
      return KS_DESTINATION (ks_rclone_destination_new (self->location, self->id));
    case KS_DESTINATION_KIND_FOLDER:
    default:
      break;
    }

  /* A folder on a mounted file system. */
  return KS_DESTINATION (ks_folder_destination_new_full (self->location, self->id,
                                                         self->create_missing));
}
