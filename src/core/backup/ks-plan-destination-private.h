/* ks-plan-destination-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What KsBackupPlan needs to make and change its entries. */

#pragma once

#include "ks-catalog.h"
#include "ks-plan-destination.h"

G_BEGIN_DECLS

struct _KsPlanDestination
{
  GObject            parent_instance;

  char              *id;
  char              *name;
  KsDestinationKind  kind;
  char              *location;
  gboolean           enabled;
  KsBackupMethods    methods;
  gboolean           create_missing;
  gint64             added_at;
  GHashTable        *last_successes; /* source id → gint64 * (unix seconds) */
};

KsPlanDestination  *_ks_plan_destination_new      (const KsCatalogPlanEntry *entry,
                                                   GHashTable               *last_successes);
KsCatalogPlanEntry *_ks_plan_destination_to_entry (KsPlanDestination        *self);

G_END_DECLS
