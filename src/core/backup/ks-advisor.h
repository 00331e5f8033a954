/* ks-advisor.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ks-protection.h"

G_BEGIN_DECLS

#define KS_ADVISOR_MONTHS 12

typedef struct
{
  int      year;
  int      month;          /* 1–12 */
  guint    photos;
  guint    videos;
  guint64  photo_bytes;
  guint64  video_bytes;
} KsAdvisorMonth;

/* A library's size, and how it grew over the last twelve months (from capture dates). */
typedef struct
{
  guint          photos;
  guint          videos;
  guint64        bytes;
  KsAdvisorMonth months[KS_ADVISOR_MONTHS];   /* oldest first, ending with this month */
  double         bytes_per_month;             /* average over the twelve months */
} KsAdvisorLibrary;

typedef struct
{
  char     *name;
  guint64   bytes;
  gboolean  shared;        /* shared with the service's other uses (mail, photos) */
} KsCloudTier;

typedef struct
{
  char      *checked;      /* the date the figures were compared, YYYY-MM-DD */
  GPtrArray *tiers;        /* of KsCloudTier, biggest first */
  GArray    *plans;        /* of guint64: paid plan sizes, smallest first */
} KsCloudTiers;

void              ks_advisor_library_init       (KsAdvisorLibrary    *library,
                                                 GPtrArray           *assets,
                                                 GDateTime           *now);
gint64            ks_advisor_days_until_full    (guint64              free_bytes,
                                                 double               bytes_per_month);

KsCloudTiers     *ks_cloud_tiers_new_from_data  (GBytes              *data,
                                                 GError             **error);
void              ks_cloud_tiers_free           (KsCloudTiers        *tiers);
const KsCloudTier *ks_cloud_tiers_smallest_fitting (KsCloudTiers     *tiers,
                                                 guint64              bytes);
guint64           ks_cloud_tiers_plan_for       (KsCloudTiers        *tiers,
                                                 guint64              bytes);

char             *ks_advisor_next_step          (const KsProtectionSummary *summary,
                                                 guint                n_destinations,
                                                 guint64              library_bytes,
                                                 KsCloudTiers        *tiers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCloudTiers, ks_cloud_tiers_free)

G_END_DECLS
