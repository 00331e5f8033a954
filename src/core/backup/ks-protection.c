/* ks-protection.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The 3-2-1 rule, per asset: three copies (the iPhone is the first), on two kinds of media
 * among the backups, one of them kept elsewhere. A KsProtection knows the destinations — their
 * medium and whether they are offsite — and classifies an asset from the set of destinations
 * holding a verified copy of it (a bit per destination) and what iCloud Photos holds. It does
 * no I/O, so counting a whole library is cheap: the caller gathers the holders (the copy
 * counter, from the catalog) on a worker. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-protection.h"

typedef struct
{
  char     *id;
  KsMedium  medium;
  gboolean  offsite;
} Destination;

struct _KsProtection
{
  GObject  parent_instance;

  GArray  *destinations;   /* of Destination */
};

G_DEFINE_FINAL_TYPE (KsProtection, ks_protection, G_TYPE_OBJECT)

static void
destination_clear (gpointer data)
{
  Destination *destination = data;

  g_free (destination->id);
}

KsProtection *
ks_protection_new (void)
{
  return g_object_new (KS_TYPE_PROTECTION, NULL);
}

static KsMedium
medium_for_kind (KsDestinationKind kind)
{
  switch (kind)
    {
    case KS_DESTINATION_KIND_DRIVE:
      return KS_MEDIUM_DRIVE;
    case KS_DESTINATION_KIND_NETWORK:
      return KS_MEDIUM_NETWORK;
    case KS_DESTINATION_KIND_CLOUD:
      return KS_MEDIUM_CLOUD;
    case KS_DESTINATION_KIND_FOLDER:
    default:
      return KS_MEDIUM_COMPUTER;
    }
}

/**
 * ks_protection_new_for_plan:
 *
 * The plan's destinations that are switched on, in the plan's order: one the person switched
 * off no longer counts (they may be retiring it). Clouds are offsite; a drive or share is when
 * the person says it is kept elsewhere (the destination option "offsite").
 */
KsProtection *
ks_protection_new_for_plan (KsBackupPlan *plan)
{
  KsProtection *self;
  guint n;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);

  self = ks_protection_new ();
  n = g_list_model_get_n_items (G_LIST_MODEL (plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), i);
      const char *id = ks_plan_destination_get_id (dest);
      KsMedium medium = medium_for_kind (ks_plan_destination_get_kind (dest));
      g_autofree char *offsite = NULL;

      if (!ks_plan_destination_get_enabled (dest))
        continue;
      offsite = ks_backup_plan_dup_destination_option (plan, id, "offsite");

      ks_protection_add_destination (self, id, medium,
                                     medium == KS_MEDIUM_CLOUD || g_strcmp0 (offsite, "true") == 0);
    }

  return self;
}

/**
 * ks_protection_add_destination:
 *
 * Returns: the destination's index (its bit in holder sets), or -1 when there are already
 *   %KS_PROTECTION_MAX_DESTINATIONS
 */
int
ks_protection_add_destination (KsProtection *self,
                               const char   *id,
                               KsMedium      medium,
                               gboolean      offsite)
{
  Destination destination;

  g_return_val_if_fail (KS_IS_PROTECTION (self), -1);
  g_return_val_if_fail (id != NULL, -1);
  g_return_val_if_fail (medium < KS_N_MEDIA, -1);

  if (self->destinations->len >= KS_PROTECTION_MAX_DESTINATIONS)
    return -1;

  destination.id = g_strdup (id);
  destination.medium = medium;
  destination.offsite = !!offsite;
  g_array_append_val (self->destinations, destination);

  return self->destinations->len - 1;
}

guint
ks_protection_get_n_destinations (KsProtection *self)
{
  g_return_val_if_fail (KS_IS_PROTECTION (self), 0);

  return self->destinations->len;
}

/**
 * ks_protection_find_destination:
 *
 * Returns: the index of the destination with @id, or -1
 */
int
ks_protection_find_destination (KsProtection *self,
                                const char   *id)
{
  g_return_val_if_fail (KS_IS_PROTECTION (self), -1);

  for (guint i = 0; i < self->destinations->len; i++)
    if (g_strcmp0 (g_array_index (self->destinations, Destination, i).id, id) == 0)
      return i;

  return -1;
}

const char *
ks_protection_get_destination_id (KsProtection *self,
                                  guint         index)
{
  g_return_val_if_fail (KS_IS_PROTECTION (self), NULL);
  g_return_val_if_fail (index < self->destinations->len, NULL);

  return g_array_index (self->destinations, Destination, index).id;
}

KsMedium
ks_protection_get_destination_medium (KsProtection *self,
                                      guint         index)
{
  g_return_val_if_fail (KS_IS_PROTECTION (self), KS_MEDIUM_COMPUTER);
  g_return_val_if_fail (index < self->destinations->len, KS_MEDIUM_COMPUTER);

  return g_array_index (self->destinations, Destination, index).medium;
}

gboolean
ks_protection_get_destination_offsite (KsProtection *self,
                                       guint         index)
{
  g_return_val_if_fail (KS_IS_PROTECTION (self), FALSE);
  g_return_val_if_fail (index < self->destinations->len, FALSE);

  return g_array_index (self->destinations, Destination, index).offsite;
}

/**
 * ks_protection_classify:
 * @holders: a bit per destination index holding a verified copy
 * @icloud: what iCloud Photos holds
 * @out_missing: (out) (optional): for %KS_PROTECTION_NOT_321, what is missing
 * @out_copies: (out) (optional): the number of copies, the phone's included
 *
 * Returns: the asset's state
 */
KsProtectionState
ks_protection_classify (KsProtection        *self,
                        guint64              holders,
                        KsICloudFlags        icloud,
                        KsProtectionMissing *out_missing,
                        guint               *out_copies)
{
  KsProtectionMissing missing = KS_PROTECTION_MISSING_NONE;
  KsProtectionState state;
  guint media = 0;       /* a bit per KsMedium */
  guint copies;
  guint backups = 0;
  gboolean offsite = FALSE;

  g_return_val_if_fail (KS_IS_PROTECTION (self), KS_PROTECTION_ONLY_ON_DEVICE);

  for (guint i = 0; holders != 0 && i < self->destinations->len; i++)
    if (holders & (G_GUINT64_CONSTANT (1) << i))
      {
        const Destination *destination = &g_array_index (self->destinations, Destination, i);

        backups++;
        media |= 1u << destination->medium;
        offsite |= destination->offsite;
      }

  if (icloud & (KS_ICLOUD_STORED | KS_ICLOUD_ONLY))
    {
      backups++;
      media |= 1u << KS_MEDIUM_ICLOUD;
      offsite = TRUE;
    }

  /* An original that is only in iCloud is not on the phone: iCloud is its first copy. */
  copies = (icloud & KS_ICLOUD_ONLY) ? backups : backups + 1;

  if (icloud & KS_ICLOUD_ONLY)
    state = KS_PROTECTION_ICLOUD_ONLY;
  else if (backups == 0)
    state = KS_PROTECTION_ONLY_ON_DEVICE;
  else
    {
      if (copies < 3)
        missing |= KS_PROTECTION_MISSING_COPIES;
      if (g_bit_nth_lsf (media, -1) == g_bit_nth_msf (media, -1))
        missing |= KS_PROTECTION_MISSING_MEDIA;
      if (!offsite)
        missing |= KS_PROTECTION_MISSING_OFFSITE;
      state = missing == KS_PROTECTION_MISSING_NONE ? KS_PROTECTION_SAFE : KS_PROTECTION_NOT_321;
    }

  if (out_missing != NULL)
    *out_missing = state == KS_PROTECTION_NOT_321 ? missing : KS_PROTECTION_MISSING_NONE;
  if (out_copies != NULL)
    *out_copies = copies;
  return state;
}

/**
 * ks_protection_summary_new:
 *
 * Returns: (transfer full): an empty summary for @protection's destinations
 */
KsProtectionSummary *
ks_protection_summary_new (KsProtection *protection)
{
  KsProtectionSummary *summary;

  g_return_val_if_fail (KS_IS_PROTECTION (protection), NULL);

  summary = g_new0 (KsProtectionSummary, 1);
  summary->per_destination = g_new0 (guint, MAX (1, protection->destinations->len));
  return summary;
}

void
ks_protection_summary_add (KsProtectionSummary *summary,
                           KsProtection        *protection,
                           guint64              holders,
                           KsICloudFlags        icloud)
{
  KsProtectionMissing missing;
  KsProtectionState state;
  gboolean offsite;
  guint copies;
  guint64 rest;

  g_return_if_fail (summary != NULL);
  g_return_if_fail (KS_IS_PROTECTION (protection));

  state = ks_protection_classify (protection, holders, icloud, &missing, &copies);
  summary->assets++;
  summary->states[state]++;
  if (missing & KS_PROTECTION_MISSING_COPIES)
    summary->missing_copies++;
  if (missing & KS_PROTECTION_MISSING_MEDIA)
    summary->missing_media++;
  if (missing & KS_PROTECTION_MISSING_OFFSITE)
    summary->missing_offsite++;
  if (copies > 0)
    summary->copies[MIN (copies, 3) - 1]++;

  offsite = (icloud & (KS_ICLOUD_STORED | KS_ICLOUD_ONLY)) != 0;
  rest = holders;
  for (guint i = 0; rest != 0 && i < protection->destinations->len; i++, rest >>= 1)
    if (rest & 1)
      {
        summary->per_destination[i]++;
        offsite |= g_array_index (protection->destinations, Destination, i).offsite;
      }
  if (offsite)
    summary->offsite++;
}

void
ks_protection_summary_free (KsProtectionSummary *summary)
{
  if (summary == NULL)
    return;

  g_free (summary->per_destination);
  g_free (summary);
}

/**
 * ks_protection_summary_get_missing:
 *
 * Returns: every part of the 3-2-1 rule that at least one backed-up asset lacks
 */
KsProtectionMissing
ks_protection_summary_get_missing (const KsProtectionSummary *summary)
{
  KsProtectionMissing missing = KS_PROTECTION_MISSING_NONE;

  g_return_val_if_fail (summary != NULL, missing);

  if (summary->missing_copies > 0)
    missing |= KS_PROTECTION_MISSING_COPIES;
  if (summary->missing_media > 0)
    missing |= KS_PROTECTION_MISSING_MEDIA;
  if (summary->missing_offsite > 0)
    missing |= KS_PROTECTION_MISSING_OFFSITE;
  return missing;
}

const char *
ks_medium_to_string (KsMedium medium)
{
  static const char * const names[] = { "computer", "drive", "network", "cloud", "icloud" };

  g_return_val_if_fail (medium < KS_N_MEDIA, NULL);
  return names[medium];
}

const char *
ks_protection_state_to_string (KsProtectionState state)
{
  static const char * const names[] = { "only-on-device", "not-321", "safe", "icloud-only" };

  g_return_val_if_fail (state < KS_N_PROTECTION_STATES, NULL);
  return names[state];
}

/**
 * ks_protection_describe_missing:
 *
 * Returns: (transfer full): what is missing, for people ("no offsite copy"), or %NULL
 */
char *
ks_protection_describe_missing (KsProtectionMissing missing)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (missing & KS_PROTECTION_MISSING_COPIES)
    g_ptr_array_add (parts, (gpointer)_("fewer than three copies"));
  if (missing & KS_PROTECTION_MISSING_MEDIA)
    g_ptr_array_add (parts, (gpointer)_("all backups on one kind of medium"));
  if (missing & KS_PROTECTION_MISSING_OFFSITE)
    g_ptr_array_add (parts, (gpointer)_("no offsite copy"));

  if (parts->len == 0)
    return NULL;

  g_ptr_array_add (parts, NULL);
  /* TRANSLATORS: separates the parts of the 3-2-1 rule a photo lacks */
  return g_strjoinv (_(", "), (char **)parts->pdata);
}

static void
ks_protection_finalize (GObject *object)
{
  KsProtection *self = (KsProtection *)object;

  g_clear_pointer (&self->destinations, g_array_unref);

  G_OBJECT_CLASS (ks_protection_parent_class)->finalize (object);
}

static void
ks_protection_class_init (KsProtectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_protection_finalize;
}

static void
ks_protection_init (KsProtection *self)
{
  self->destinations = g_array_new (FALSE, FALSE, sizeof (Destination));
  g_array_set_clear_func (self->destinations, destination_clear);
}
