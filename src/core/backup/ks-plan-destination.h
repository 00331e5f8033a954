/* ks-plan-destination.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsPlanDestination: one destination of the backup plan — what it is (id, name, kind, where
 * it is), whether it is switched on, which methods run there, and when each device was last
 * backed up to it. Read-only: KsBackupPlan makes and changes them. */

#pragma once

#include <gio/gio.h>

#include "ks-destination.h"

G_BEGIN_DECLS

/**
 * KsDestinationKind:
 * @KS_DESTINATION_KIND_FOLDER: a folder on this computer
 * @KS_DESTINATION_KIND_DRIVE: a removable or external drive, found by its id wherever it mounts
 * @KS_DESTINATION_KIND_NETWORK: a network share
 * @KS_DESTINATION_KIND_CLOUD: a cloud remote
 *
 * What kind of medium a destination is; stored as "folder", "drive", "network", "cloud".
 */
typedef enum
{
  KS_DESTINATION_KIND_FOLDER,
  KS_DESTINATION_KIND_DRIVE,
  KS_DESTINATION_KIND_NETWORK,
  KS_DESTINATION_KIND_CLOUD,
} KsDestinationKind;

const char *ks_destination_kind_to_string   (KsDestinationKind  kind);
gboolean    ks_destination_kind_from_string (const char        *string,
                                             KsDestinationKind *out_kind);

/**
 * KsBackupMethods:
 * @KS_BACKUP_METHOD_FILES: photos and videos copied as standalone files
 *
 * Which ways of keeping photos run at a destination (flags: later methods, such as full
 * device backups, add their bit).
 */
typedef enum
{
  KS_BACKUP_METHOD_NONE  = 0,
  KS_BACKUP_METHOD_FILES = 1 << 0,   /* photos and videos as standalone files */
  KS_BACKUP_METHOD_FULL  = 1 << 1,   /* full device backups (mobilebackup2) */
} KsBackupMethods;

#define KS_TYPE_PLAN_DESTINATION (ks_plan_destination_get_type ())

G_DECLARE_FINAL_TYPE (KsPlanDestination, ks_plan_destination, KS, PLAN_DESTINATION, GObject)

const char        *ks_plan_destination_get_id               (KsPlanDestination *self);
const char        *ks_plan_destination_get_name             (KsPlanDestination *self);
KsDestinationKind  ks_plan_destination_get_kind             (KsPlanDestination *self);
const char        *ks_plan_destination_get_location         (KsPlanDestination *self);
gboolean           ks_plan_destination_get_enabled          (KsPlanDestination *self);
KsBackupMethods    ks_plan_destination_get_methods          (KsPlanDestination *self);
gboolean           ks_plan_destination_get_create_missing   (KsPlanDestination *self);
gint64             ks_plan_destination_get_added_at         (KsPlanDestination *self);
gint64             ks_plan_destination_get_last_success     (KsPlanDestination *self,
                                                             const char        *source_id);
GHashTable        *ks_plan_destination_dup_last_successes   (KsPlanDestination *self);
KsDestination     *ks_plan_destination_create_store         (KsPlanDestination *self);

G_END_DECLS
