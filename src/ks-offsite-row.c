/* ks-offsite-row.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-offsite-row.h"

/**
 * ks_offsite_row_applies:
 *
 * Returns: whether @destination may be kept elsewhere: a drive or a network share (a folder
 *   is on this computer, a cloud is offsite anyway)
 */
gboolean
ks_offsite_row_applies (KsPlanDestination *destination)
{
  KsDestinationKind kind;

  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (destination), FALSE);

  kind = ks_plan_destination_get_kind (destination);
  return kind == KS_DESTINATION_KIND_DRIVE || kind == KS_DESTINATION_KIND_NETWORK;
}

static void
offsite_toggled_cb (GtkSwitch  *sw,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  KsBackupPlan *plan = g_object_get_data (G_OBJECT (sw), "ks-plan");
  const char *id = g_object_get_data (G_OBJECT (sw), "ks-id");
  g_autoptr(GError) error = NULL;

  if (!ks_backup_plan_set_destination_option (plan, id, KS_OFFSITE_OPTION,
                                              gtk_switch_get_active (sw) ? "true" : NULL, &error))
    g_warning ("Could not change where “%s” is kept: %s", id, error->message);
}

/**
 * ks_offsite_row_new:
 *
 * Returns: (transfer floating): a row named for @destination with its "kept elsewhere" switch
 */
GtkWidget *
ks_offsite_row_new (KsBackupPlan      *plan,
                    KsPlanDestination *destination)
{
  g_autofree char *value = NULL;
  GtkWidget *row;
  GtkWidget *sw;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (destination), NULL);

  value = ks_backup_plan_dup_destination_option (plan, ks_plan_destination_get_id (destination),
                                                 KS_OFFSITE_OPTION);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), ks_plan_destination_get_name (destination));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               ks_plan_destination_get_kind (destination) == KS_DESTINATION_KIND_DRIVE
                                 ? _("A drive kept in another place counts as the offsite copy")
                                 : _("A server in another place counts as the offsite copy"));

  sw = gtk_switch_new ();
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (sw), g_strcmp0 (value, "true") == 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Kept Elsewhere (Offsite)"), -1);
  g_object_set_data_full (G_OBJECT (sw), "ks-plan", g_object_ref (plan), g_object_unref);
  g_object_set_data_full (G_OBJECT (sw), "ks-id",
                          g_strdup (ks_plan_destination_get_id (destination)), g_free);
  g_signal_connect (sw, "notify::active", G_CALLBACK (offsite_toggled_cb), NULL);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);

  return row;
}
