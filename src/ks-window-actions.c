/* ks-window-actions.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The window's actions (win.*), their shortcuts, and when each can be used. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-advisor-window.h"
#include "ks-encryption-dialog.h"
#include "ks-window-private.h"

static const struct {
  const char    *name;
  KsPhotoFilter  filter;
} filters[] = {
  { "all", KS_PHOTO_FILTER_ALL },
  { "photos", KS_PHOTO_FILTER_PHOTOS },
  { "videos", KS_PHOTO_FILTER_VIDEOS },
  { "not-backed-up", KS_PHOTO_FILTER_NOT_BACKED_UP },
  { "not-321", KS_PHOTO_FILTER_NOT_321 },
  { "safe", KS_PHOTO_FILTER_SAFE },
};

void
_ks_window_set_filter_name (KsWindow   *self,
                            const char *name)
{
  g_assert (KS_IS_WINDOW (self));

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (g_strcmp0 (filters[i].name, name) == 0)
      {
        if (g_strcmp0 (self->filter_name, name) == 0)
          return;

        g_free (self->filter_name);
        self->filter_name = g_strdup (name);
        ks_library_page_set_filter (self->library_page, filters[i].filter);
        g_object_notify (G_OBJECT (self), "filter-name");
        return;
      }
}

/* Every action that can be used now is on; the others are off. */
void
_ks_window_actions_update (KsWindow *self)
{
  gboolean ready = _ks_window_get_ready (self);
  gboolean idle = !_ks_window_backup_running (self);
  g_auto(GStrv) destinations = _ks_window_dup_destinations (self);
  gboolean can_write = destinations != NULL;

  g_assert (KS_IS_WINDOW (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back-up-everything", ready && idle && can_write);
  /* Without a library there is nothing to back up; while a backup runs it stays, dimmed. */
  gtk_widget_set_visible (self->backup_all_button, ready || !idle);
  gtk_widget_set_tooltip_text (self->backup_all_button,
                               can_write ? _("Copy every photo and video that is not backed up yet")
                                         : _("No backup destination is switched on"));
  /* With every destination switched off the backup actions are off; the bar says why. */
  gtk_info_bar_set_revealed (self->destination_bar, ready && !can_write);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-selected",
                                 ready && idle && can_write
                                 && ks_library_page_get_n_selected (self->library_page) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.select-all", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.advisor", ready && self->service != NULL);
  /* Also for a ready iPhone whose library could not be read (its listing was garbled). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry",
                                 self->device != NULL
                                 && (ks_device_get_state (self->device) != KS_DEVICE_STATE_READY
                                     || ks_library_page_get_error (self->library_page) != NULL));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume", _ks_window_can_resume (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.backup-encryption",
                                 self->device != NULL && ks_device_get_state (self->device) == KS_DEVICE_STATE_READY);
}

static void
back_up_everything_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  _ks_window_start_backup (self, NULL, _("Backing Up Everything"));
}

static void
import_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(GPtrArray) assets = ks_library_page_dup_selected (self->library_page);

  if (assets->len == 0)
    return;

  if (_ks_window_start_backup (self, assets, _("Importing the Selection")))
    ks_library_page_unselect_all (self->library_page);
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(GPtrArray) assets = self->resume_assets ? g_ptr_array_ref (self->resume_assets) : NULL;

  _ks_window_start_backup (self, assets, _("Resuming the Backup"));
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  ks_library_page_select_all (KS_WINDOW (widget)->library_page);
}

static void
unselect_all_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  ks_library_page_unselect_all (KS_WINDOW (widget)->library_page);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->device == NULL)
    return;
  /* A ready iPhone's library that failed is read again when the window next shows it;
   * asking the iPhone again shows it (and says what is wrong, if it no longer answers). */
  ks_library_page_reload (self->library_page);
  ks_device_retry (self->device);
  _ks_window_update_page (self);
}

static void
pair_again_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->device != NULL)
    ks_device_forget_pairing (self->device);
}

static void
show_sidebar_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  adw_leaflet_navigate (KS_WINDOW (widget)->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* The free cloud tiers the advisor compares the library with (data/cloud-tiers.ini). */
static KsCloudTiers *
load_cloud_tiers (void)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  KsCloudTiers *tiers;

  data = g_resources_lookup_data (RESOURCE_BASE "/cloud-tiers.ini", G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (data == NULL || (tiers = ks_cloud_tiers_new_from_data (data, &error)) == NULL)
    {
      g_warning ("Cannot read the cloud tiers: %s", error->message);
      return NULL;
    }
  return tiers;
}

static void
advisor_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);
  GListModel *model = ks_library_page_get_assets (self->library_page);
  guint n = model ? g_list_model_get_n_items (model) : 0;
  g_autoptr(GPtrArray) assets = g_ptr_array_new_full (n, g_object_unref);
  g_autoptr(KsCloudTiers) tiers = load_cloud_tiers ();
  KsSource *source = ks_library_page_get_source (self->library_page);
  g_autofree char *name = source ? ks_source_dup_display_name (source) : g_strdup (_("Library"));
  GtkWidget *advisor;

  if (self->service == NULL)
    return;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (assets, g_list_model_get_item (model, i));
  advisor = ks_advisor_window_new (GTK_WINDOW (self), name, source ? ks_source_get_id (source) : NULL, assets,
                                   ks_copy_counter_get_summary (_ks_window_get_backup_index (self)),
                                   ks_backup_service_get_plan (self->service), tiers);
  gtk_window_present (GTK_WINDOW (advisor));
}

static void
backup_encryption_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->device == NULL)
    return;
  gtk_window_present (GTK_WINDOW (ks_encryption_dialog_new (GTK_WINDOW (self), ks_device_get_udid (self->device),
                                                            ks_device_get_name (self->device))));
}

void
_ks_window_class_actions_init (KsWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.back-up-everything", NULL, back_up_everything_action);
  gtk_widget_class_install_action (widget_class, "win.import-selected", NULL, import_selected_action);
  gtk_widget_class_install_action (widget_class, "win.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "win.unselect-all", NULL, unselect_all_action);
  gtk_widget_class_install_action (widget_class, "win.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "win.pair-again", NULL, pair_again_action);
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.advisor", NULL, advisor_action);
  gtk_widget_class_install_action (widget_class, "win.backup-encryption", NULL, backup_encryption_action);
  gtk_widget_class_install_property_action (widget_class, "win.filter", "filter-name");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "win.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.unselect-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.import-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.back-up-everything", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_CONTROL_MASK,
                                         "win.filter", "s", filters[i].name);
}
