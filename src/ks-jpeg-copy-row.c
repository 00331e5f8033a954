/* ks-jpeg-copy-row.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An expander row per destination: its switch is the "jpeg-copies" option of the plan
 * entry; inside, where the copies go (a JPEG folder beside the photo, or beside it), the
 * quality, and where the example photo's copy would be. Each change is stored at once. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-jpeg-copy-job.h"
#include "ks-jpeg-copy-row.h"

struct _KsJpegCopyRow
{
  AdwExpanderRow  parent_instance;

  /* Borrowed references (owned by the row's children) */
  AdwComboRow    *placement_row;
  GtkSpinButton  *quality_spin;
  AdwActionRow   *example_row;

  /* Owned references */
  KsBackupPlan   *plan;
  char           *id;
  char           *photo_path;
  char           *example;
};

G_DEFINE_FINAL_TYPE (KsJpegCopyRow, ks_jpeg_copy_row, ADW_TYPE_EXPANDER_ROW)

/* The order of the placement choices in the combo row. */
static const KsJpegPlacement placements[] = { KS_JPEG_PLACEMENT_SUBFOLDER, KS_JPEG_PLACEMENT_BESIDE };

static void
store_option (KsJpegCopyRow *self,
              const char    *key,
              const char    *value)
{
  g_autoptr(GError) error = NULL;

  if (!ks_backup_plan_set_destination_option (self->plan, self->id, key, value, &error))
    g_warning ("Cannot store %s for %s: %s", key, self->id, error->message);
}

static void
update_example (KsJpegCopyRow *self)
{
  KsJpegPlacement placement = placements[MIN (adw_combo_row_get_selected (self->placement_row),
                                              G_N_ELEMENTS (placements) - 1)];
  g_autofree char *heic = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *ext = NULL;
  const char *dot;

  /* The layout's example photo, as if it were a HEIC when it is not one. */
  heic = g_strdup (self->photo_path ? self->photo_path : "IMG_0001.HEIC");
  if (!ks_jpeg_copy_wants (heic))
    {
      g_autofree char *other = g_steal_pointer (&heic);

      dot = strrchr (other, '.');
      if (dot != NULL && strchr (dot, '/') == NULL)
        other[dot - other] = '\0';
      heic = g_strconcat (other, ".HEIC", NULL);
    }

  ks_jpeg_copy_target (heic, placement, &dir, &stem, &ext);
  g_free (self->example);
  self->example = dir[0] ? g_strdup_printf ("%s/%s.%s", dir, stem, ext) : g_strdup_printf ("%s.%s", stem, ext);
  adw_action_row_set_subtitle (self->example_row, self->example);
}

static void
enabled_changed_cb (KsJpegCopyRow *self)
{
  store_option (self, KS_JPEG_OPTION_ENABLED,
                adw_expander_row_get_enable_expansion (ADW_EXPANDER_ROW (self)) ? "true" : "false");
}

static void
placement_changed_cb (KsJpegCopyRow *self)
{
  guint selected = adw_combo_row_get_selected (self->placement_row);

  if (selected >= G_N_ELEMENTS (placements))
    return;
  store_option (self, KS_JPEG_OPTION_PLACEMENT, ks_jpeg_placement_to_string (placements[selected]));
  update_example (self);
}

static void
quality_changed_cb (KsJpegCopyRow *self)
{
  char text[8];

  g_snprintf (text, sizeof text, "%d", gtk_spin_button_get_value_as_int (self->quality_spin));
  store_option (self, KS_JPEG_OPTION_QUALITY, text);
}

static void
ks_jpeg_copy_row_finalize (GObject *object)
{
  KsJpegCopyRow *self = (KsJpegCopyRow *) object;

  g_clear_object (&self->plan);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->photo_path, g_free);
  g_clear_pointer (&self->example, g_free);

  G_OBJECT_CLASS (ks_jpeg_copy_row_parent_class)->finalize (object);
}

static void
ks_jpeg_copy_row_class_init (KsJpegCopyRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_jpeg_copy_row_finalize;
}

static void
ks_jpeg_copy_row_init (KsJpegCopyRow *self)
{
  g_autoptr(GtkStringList) choices = gtk_string_list_new (NULL);
  AdwActionRow *quality_row;

  adw_expander_row_set_show_enable_switch (ADW_EXPANDER_ROW (self), TRUE);

  gtk_string_list_append (choices, _("In a JPEG Folder Beside the Photo"));
  gtk_string_list_append (choices, _("Beside the Photo"));
  self->placement_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->placement_row), _("_Place"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->placement_row), TRUE);
  adw_combo_row_set_model (self->placement_row, G_LIST_MODEL (choices));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (self->placement_row));

  self->quality_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 100, 1));
  gtk_widget_set_valign (GTK_WIDGET (self->quality_spin), GTK_ALIGN_CENTER);
  quality_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (quality_row), _("_Quality"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (quality_row), TRUE);
  adw_action_row_set_subtitle (quality_row, _("Higher keeps more detail in larger files"));
  adw_action_row_add_suffix (quality_row, GTK_WIDGET (self->quality_spin));
  adw_action_row_set_activatable_widget (quality_row, GTK_WIDGET (self->quality_spin));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (quality_row));

  self->example_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->example_row), _("Example"));
  gtk_widget_add_css_class (GTK_WIDGET (self->example_row), "property");
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (self->example_row));
}

/**
 * ks_jpeg_copy_row_new:
 *
 * Returns: (transfer floating): a row showing and editing @destination's JPEG copies
 */
GtkWidget *
ks_jpeg_copy_row_new (KsBackupPlan      *plan,
                      KsPlanDestination *destination)
{
  KsJpegCopyRow *self;
  KsJpegPlacement placement;
  int quality;
  gboolean enabled;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);
  g_return_val_if_fail (KS_IS_PLAN_DESTINATION (destination), NULL);

  self = g_object_new (KS_TYPE_JPEG_COPY_ROW, NULL);
  self->plan = g_object_ref (plan);
  self->id = g_strdup (ks_plan_destination_get_id (destination));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), ks_plan_destination_get_name (destination));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self), FALSE);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), _("Also save JPEG copies"));

  enabled = ks_jpeg_copy_get_settings (plan, self->id, &placement, &quality);
  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (self), enabled);
  adw_combo_row_set_selected (self->placement_row, placement == KS_JPEG_PLACEMENT_BESIDE ? 1 : 0);
  gtk_spin_button_set_value (self->quality_spin, quality);
  update_example (self);

  /* Connected after the stored values are shown, so showing them stores nothing. */
  g_signal_connect_object (self, "notify::enable-expansion", G_CALLBACK (enabled_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->placement_row, "notify::selected", G_CALLBACK (placement_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quality_spin, "value-changed", G_CALLBACK (quality_changed_cb), self,
                           G_CONNECT_SWAPPED);

  return GTK_WIDGET (self);
}

/**
 * ks_jpeg_copy_row_set_example:
 * @photo_path: (nullable): where the layout puts the example photo
 */
void
ks_jpeg_copy_row_set_example (KsJpegCopyRow *self,
                              const char    *photo_path)
{
  g_return_if_fail (KS_IS_JPEG_COPY_ROW (self));

  g_free (self->photo_path);
  self->photo_path = g_strdup (photo_path);
  update_example (self);
}

/* Where the example photo's JPEG copy would go, relative to the destination. */
const char *
ks_jpeg_copy_row_get_example (KsJpegCopyRow *self)
{
  g_return_val_if_fail (KS_IS_JPEG_COPY_ROW (self), NULL);

  return self->example;
}
