/* ks-cli-protection.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* `status`'s 3-2-1 protection of a device, from the catalog alone (the phone need not be
 * connected): the assets its last full listing found, which of the plan's destinations hold
 * each, and whether each destination's last backup of it is overdue. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-protection.h"
#include "ks-protection-icloud.h"

#include "ks-cli.h"

struct _KsCliProtection
{
  KsProtection        *protection;
  KsProtectionSummary *summary;
  char                *source_id;
  gint64               listed_at;
  guint                in_icloud;
};

void
ks_cli_protection_free (KsCliProtection *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->summary, ks_protection_summary_free);
  g_clear_object (&self->protection);
  g_free (self->source_id);
  g_free (self);
}

KsCliProtection *
ks_cli_protection_new (KsCatalog    *catalog,
                       KsBackupPlan *plan,
                       const char   *udid)
{
  KsCliProtection *self = g_new0 (KsCliProtection, 1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  g_autoptr(GArray) holders = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GHashTable) icloud = NULL;
  guint n_icloud_only = 0;

  self->protection = ks_protection_new_for_plan (plan);
  self->summary = ks_protection_summary_new (self->protection);
  self->source_id = g_strconcat ("device:", udid, NULL);

  for (guint i = 0; i < ks_protection_get_n_destinations (self->protection); i++)
    g_strv_builder_add (builder, ks_protection_get_destination_id (self->protection, i));
  ids = g_strv_builder_end (builder);

  holders = ks_catalog_dup_inventory_holders (catalog, self->source_id,
                                              (const char * const *)ids, &self->listed_at, &paths);
  icloud = ks_protection_load_icloud (catalog, self->source_id, &n_icloud_only);
  for (guint i = 0; i < holders->len; i++)
    {
      gboolean in_icloud = g_hash_table_contains (icloud, g_ptr_array_index (paths, i));

      self->in_icloud += in_icloud;
      ks_protection_summary_add (self->summary, self->protection, g_array_index (holders, guint64, i),
                                 in_icloud ? KS_ICLOUD_STORED : KS_ICLOUD_NONE);
    }
  /* Originals only in iCloud are no files of the phone, but photos of it all the same. */
  for (guint i = 0; i < n_icloud_only; i++)
    ks_protection_summary_add (self->summary, self->protection, 0, KS_ICLOUD_ONLY);
  self->in_icloud += n_icloud_only;

  return self;
}

static gboolean
is_overdue (KsBackupPlan *plan,
            gint64        last_success)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  return last_success == 0
         || now - last_success > (gint64)ks_backup_plan_get_reminder_days (plan) * 24 * 60 * 60;
}

void
ks_cli_protection_print_json (KsCliProtection *self,
                              KsBackupPlan    *plan,
                              KsJson          *json)
{
  const KsProtectionSummary *s = self->summary;

  ks_json_key (json, "protection");
  ks_json_begin_object (json);
  ks_json_member_int (json, "listed_at", self->listed_at);
  ks_json_member_int (json, "assets", s->assets);
  ks_json_member_int (json, "safe", s->states[KS_PROTECTION_SAFE]);
  ks_json_key (json, "not_321");
  ks_json_begin_object (json);
  ks_json_member_int (json, "count", s->states[KS_PROTECTION_NOT_321]);
  ks_json_member_int (json, "missing_copies", s->missing_copies);
  ks_json_member_int (json, "missing_media", s->missing_media);
  ks_json_member_int (json, "missing_offsite", s->missing_offsite);
  ks_json_end_object (json);
  ks_json_member_int (json, "only_on_device", s->states[KS_PROTECTION_ONLY_ON_DEVICE]);
  ks_json_member_int (json, "icloud_only", s->states[KS_PROTECTION_ICLOUD_ONLY]);
  ks_json_member_int (json, "in_icloud", self->in_icloud);
  ks_json_key (json, "copies");
  ks_json_begin_object (json);
  ks_json_member_int (json, "1", s->copies[0]);
  ks_json_member_int (json, "2", s->copies[1]);
  ks_json_member_int (json, "3+", s->copies[2]);
  ks_json_end_object (json);
  ks_json_member_int (json, "offsite", s->offsite);

  ks_json_key (json, "destinations");
  ks_json_begin_array (json);
  for (guint i = 0; i < ks_protection_get_n_destinations (self->protection); i++)
    {
      const char *id = ks_protection_get_destination_id (self->protection, i);
      KsPlanDestination *dest = ks_backup_plan_lookup (plan, id);
      gint64 last = dest ? ks_plan_destination_get_last_success (dest, self->source_id) : 0;

      ks_json_begin_object (json);
      ks_json_member_string (json, "id", id);
      ks_json_member_string (json, "kind",
                             dest ? ks_destination_kind_to_string (ks_plan_destination_get_kind (dest)) : NULL);
      ks_json_member_string (json, "medium",
                             ks_medium_to_string (ks_protection_get_destination_medium (self->protection, i)));
      ks_json_member_bool (json, "offsite", ks_protection_get_destination_offsite (self->protection, i));
      ks_json_member_int (json, "assets", s->per_destination[i]);
      ks_json_member_int (json, "last_run", last);
      ks_json_member_bool (json, "overdue", is_overdue (plan, last));
      ks_json_end_object (json);
    }
  ks_json_end_array (json);
  ks_json_end_object (json);
}

void
ks_cli_protection_print_text (KsCliProtection *self)
{
  const KsProtectionSummary *s = self->summary;
  g_autofree char *missing = NULL;

  if (self->listed_at == 0)
    {
      g_print ("      %s\n", _("protection: not known until a backup lists this device"));
      return;
    }

  missing = ks_protection_describe_missing (ks_protection_summary_get_missing (s));

  g_print ("      ");
  g_print (ngettext ("%u safe (3-2-1), ", "%u safe (3-2-1), ", s->states[KS_PROTECTION_SAFE]),
           s->states[KS_PROTECTION_SAFE]);
  g_print (ngettext ("%u backed up but not 3-2-1", "%u backed up but not 3-2-1",
                     s->states[KS_PROTECTION_NOT_321]),
           s->states[KS_PROTECTION_NOT_321]);
  if (missing != NULL)
    g_print (" (%s)", missing);
  g_print (ngettext (", %u only on this iPhone\n", ", %u only on this iPhone\n",
                     s->states[KS_PROTECTION_ONLY_ON_DEVICE]),
           s->states[KS_PROTECTION_ONLY_ON_DEVICE]);
}
