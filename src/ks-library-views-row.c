/* ks-library-views-row.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An expander row per destination with two switches; each change is stored in the plan at
 * once and takes effect at the next backup. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-library-views-job.h"
#include "ks-library-views-row.h"

struct _KsLibraryViewsRow
{
  AdwExpanderRow  parent_instance;

  /* Borrowed references (owned by the row's children) */
  GtkSwitch      *sidecars_switch;
  GtkSwitch      *albums_switch;

  /* Owned references */
  KsBackupPlan   *plan;
  char           *id;
};

G_DEFINE_FINAL_TYPE (KsLibraryViewsRow, ks_library_views_row, ADW_TYPE_EXPANDER_ROW)

static void
update_subtitle (KsLibraryViewsRow *self)
{
  gboolean sidecars = gtk_switch_get_active (self->sidecars_switch);
  gboolean albums = gtk_switch_get_active (self->albums_switch);

  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self),
                                 sidecars && albums ? _("XMP sidecars and an Albums folder")
                                 : sidecars ? _("XMP sidecars")
                                 : albums ? _("An Albums folder")
                                 : _("Off"));
}

static void
switch_changed_cb (KsLibraryViewsRow *self,
                   GParamSpec        *pspec,
                   GtkSwitch         *toggle)
{
  g_autoptr(GError) error = NULL;
  const char *key = toggle == self->sidecars_switch ? KS_LIBRARY_OPTION_XMP_SIDECARS
                                                    : KS_LIBRARY_OPTION_ALBUM_FOLDERS;

  if (!ks_backup_plan_set_destination_option (self->plan, self->id, key,
                                              gtk_switch_get_active (toggle) ? "true" : NULL, &error))
    g_warning ("Cannot store %s for %s: %s", key, self->id, error->message);
  update_subtitle (self);
}

static void
ks_library_views_row_finalize (GObject *object)
{
  KsLibraryViewsRow *self = (KsLibraryViewsRow *) object;

  g_clear_object (&self->plan);
  g_clear_pointer (&self->id, g_free);

  G_OBJECT_CLASS (ks_library_views_row_parent_class)->finalize (object);
}

static void
ks_library_views_row_class_init (KsLibraryViewsRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_library_views_row_finalize;
}

static GtkSwitch *
add_switch_row (KsLibraryViewsRow *self,
                const char        *title,
                const char        *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *toggle = gtk_switch_new ();

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_add_suffix (row, toggle);
  adw_action_row_set_activatable_widget (row, toggle);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (row));
  return GTK_SWITCH (toggle);
}

static void
ks_library_views_row_init (KsLibraryViewsRow *self)
{
  self->sidecars_switch = add_switch_row (self, _("_XMP Sidecars"),
                                          _("Favourites, albums and dates next to each photo, for digiKam, darktable and others"));
  self->albums_switch = add_switch_row (self, _("_Albums Folder"),
                                        _("A folder per album with links to its photos (a list file where the drive takes no links)"));
}

/**
 * ks_library_views_row_new:
 *
 * Returns: (transfer floating): a row showing and editing @destination's library views
 */
GtkWidget *
ks_library_views_row_new (KsBackupPlan      *plan,
                          KsPlanDestination *destination)
{
  KsLibraryViewsRow *self;
  gboolean sidecars = FALSE;
  gboolean albums = FALSE;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (destination), NULL);

  self = g_object_new (KS_TYPE_LIBRARY_VIEWS_ROW, NULL);
  self->plan = g_object_ref (plan);
  self->id = g_strdup (ks_plan_destination_get_id (destination));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), ks_plan_destination_get_name (destination));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self), FALSE);

  ks_library_views_get_settings (plan, self->id, &sidecars, &albums);
  gtk_switch_set_active (self->sidecars_switch, sidecars);
  gtk_switch_set_active (self->albums_switch, albums);
  update_subtitle (self);

  /* Connected after the stored values are shown, so showing them stores nothing. */
  g_signal_connect_object (self->sidecars_switch, "notify::active", G_CALLBACK (switch_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->albums_switch, "notify::active", G_CALLBACK (switch_changed_cb), self,
                           G_CONNECT_SWAPPED);

  return GTK_WIDGET (self);
}
