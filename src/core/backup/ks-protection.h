/* ks-protection.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"

G_BEGIN_DECLS

/* The kinds of media a copy can be on. The iPhone itself is the first copy but not a medium
 * to rely on: the 3-2-1 rule's "two kinds of media" counts the backups' media. */
typedef enum
{
  KS_MEDIUM_COMPUTER,   /* this computer's own disk */
  KS_MEDIUM_DRIVE,      /* an external drive or USB stick */
  KS_MEDIUM_NETWORK,    /* a network share (NAS, SFTP, SMB, WebDAV) */
  KS_MEDIUM_CLOUD,      /* cloud storage */
  KS_MEDIUM_ICLOUD,     /* iCloud Photos */
  KS_N_MEDIA
} KsMedium;

typedef enum
{
  KS_PROTECTION_ONLY_ON_DEVICE,  /* no copy anywhere but the phone */
  KS_PROTECTION_NOT_321,         /* backed up, but the 3-2-1 rule is not met */
  KS_PROTECTION_SAFE,            /* three copies, two kinds of media, one offsite */
  KS_PROTECTION_ICLOUD_ONLY,     /* the original is only in iCloud, not on the phone */
  KS_N_PROTECTION_STATES
} KsProtectionState;

/* What keeps a backed-up asset from meeting the rule. */
typedef enum
{
  KS_PROTECTION_MISSING_NONE    = 0,
  KS_PROTECTION_MISSING_COPIES  = 1 << 0,  /* fewer than three copies */
  KS_PROTECTION_MISSING_MEDIA   = 1 << 1,  /* the backups are all on one kind of medium */
  KS_PROTECTION_MISSING_OFFSITE = 1 << 2,  /* no copy kept elsewhere */
} KsProtectionMissing;

/* What the phone's library says about an asset's iCloud Photos copy. */
typedef enum
{
  KS_ICLOUD_NONE     = 0,
  KS_ICLOUD_STORED   = 1 << 0,   /* iCloud Photos holds it too */
  KS_ICLOUD_ONLY     = 1 << 1,   /* its original is only in iCloud */
} KsICloudFlags;

/* The most destinations an asset's holders can name (a bit each). */
#define KS_PROTECTION_MAX_DESTINATIONS 64

typedef struct
{
  guint  assets;
  guint  states[KS_N_PROTECTION_STATES];
  guint  missing_copies;     /* among NOT_321: how many lack copies, media, an offsite copy */
  guint  missing_media;
  guint  missing_offsite;
  guint  copies[3];          /* assets with 1, 2, 3 or more copies (the phone counts) */
  guint  offsite;            /* assets with a copy kept elsewhere */
  guint *per_destination;    /* assets each destination holds, by index */
} KsProtectionSummary;

#define KS_TYPE_PROTECTION (ks_protection_get_type ())

G_DECLARE_FINAL_TYPE (KsProtection, ks_protection, KS, PROTECTION, GObject)

KsProtection        *ks_protection_new                   (void);
KsProtection        *ks_protection_new_for_plan          (KsBackupPlan        *plan);
int                  ks_protection_add_destination       (KsProtection        *self,
                                                          const char          *id,
                                                          KsMedium             medium,
                                                          gboolean             offsite);
guint                ks_protection_get_n_destinations    (KsProtection        *self);
int                  ks_protection_find_destination      (KsProtection        *self,
                                                          const char          *id);
const char          *ks_protection_get_destination_id    (KsProtection        *self,
                                                          guint                index);
KsMedium             ks_protection_get_destination_medium (KsProtection       *self,
                                                          guint                index);
gboolean             ks_protection_get_destination_offsite (KsProtection      *self,
                                                          guint                index);
KsProtectionState    ks_protection_classify              (KsProtection        *self,
                                                          guint64              holders,
                                                          KsICloudFlags        icloud,
                                                          KsProtectionMissing *out_missing,
                                                          guint               *out_copies);

KsProtectionSummary *ks_protection_summary_new           (KsProtection        *protection);
void                 ks_protection_summary_add           (KsProtectionSummary *summary,
                                                          KsProtection        *protection,
                                                          guint64              holders,
                                                          KsICloudFlags        icloud);
void                 ks_protection_summary_free          (KsProtectionSummary *summary);
KsProtectionMissing  ks_protection_summary_get_missing   (const KsProtectionSummary *summary);

const char          *ks_medium_to_string                 (KsMedium             medium);
const char          *ks_protection_state_to_string       (KsProtectionState    state);
char                *ks_protection_describe_missing      (KsProtectionMissing  missing);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsProtectionSummary, ks_protection_summary_free)

G_END_DECLS
