/* ks-source-row.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A row of the sidebar for one connected iPhone: its name, model and iOS version, and either
 * what it needs from the user (trust, unlock) or how much of it is not backed up yet. A folder
 * of photos gets the same kind of row, with its path and a button to remove it; a folder that
 * is a device backup shows the phone's name, the backup's date and size, and whether it is
 * encrypted. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-backup-source.h"
#include "ks-demo-library.h"
#include "ks-source-row.h"

struct _KsSourceRow
{
  GtkListBoxRow  parent_instance;

  /* Owned references */
  KsDevice      *device;
  char          *folder;
  char          *backup_state;
  char          *fallback_name;
  char          *backup_name;     /* a device backup's folder: the phone's name */
  char          *backup_details;  /* … and its date, size, encryption */
  GCancellable  *cancellable;
  KsDemoLibrary *demo;            /* the Demo iPhone's library, while it is made */

  /* Child widgets */
  GtkWidget     *name_label;
  GtkWidget     *model_label;
  GtkWidget     *status_label;
  GtkWidget     *progress_bar;
  GtkWidget     *icon;
};

enum {
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KsSourceRow, ks_source_row, GTK_TYPE_LIST_BOX_ROW)

static void
ks_source_row_update_folder (KsSourceRow *self)
{
  g_autofree char *name = self->backup_name ? g_strdup (self->backup_name)
                                            : g_filename_display_basename (self->folder);
  g_autofree char *path = self->backup_details ? g_strdup (self->backup_details)
                                               : g_filename_display_name (self->folder);
  g_autofree char *accessible = NULL;
  const char *status = self->backup_state ? self->backup_state : "";

  gtk_label_set_text (GTK_LABEL (self->name_label), name);
  gtk_label_set_text (GTK_LABEL (self->model_label), path);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->backup_details ? path : NULL);
  gtk_label_set_text (GTK_LABEL (self->status_label), status);
  gtk_widget_set_visible (self->status_label, *status != '\0');

  accessible = g_strjoin (", ", name, path, status, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static void
ks_source_row_update (KsSourceRow *self)
{
  g_autofree char *model = NULL;
  g_autofree char *accessible = NULL;
  const char *name;
  const char *model_name = self->device ? ks_device_get_model_name (self->device) : NULL;
  const char *ios = self->device ? ks_device_get_ios_version (self->device) : NULL;
  KsDeviceState state = self->device ? ks_device_get_state (self->device) : KS_DEVICE_STATE_READY;
  const char *status;
  g_autofree char *preparing = NULL;

  if (self->folder != NULL)
    {
      ks_source_row_update_folder (self);
      return;
    }

  name = ks_device_get_name (self->device);
  if (name == NULL || *name == '\0')
    name = self->fallback_name;
  if (name == NULL || *name == '\0')
    name = _("iPhone");
  gtk_label_set_text (GTK_LABEL (self->name_label), name);

  if (model_name != NULL && ios != NULL)
    /* Translators: a device model and its system version, e.g. "iPhone 14 Pro · iOS 17.5" */
    model = g_strdup_printf (_("%s · iOS %s"), model_name, ios);
  else if (model_name != NULL)
    model = g_strdup (model_name);
  gtk_label_set_text (GTK_LABEL (self->model_label), model ? model : "");
  gtk_widget_set_visible (self->model_label, model != NULL);

  if (self->demo != NULL && ks_demo_library_get_preparing (self->demo))
    {
      guint made = ks_demo_library_get_made (self->demo);
      guint total = ks_demo_library_get_total (self->demo);

      if (total > 0)
        /* Translators: the Demo iPhone's photo library is being made, e.g. "… 36 of 240" */
        preparing = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "Preparing the demo library… %'u of %'u",
                                                  "Preparing the demo library… %'u of %'u", total),
                                     made, total);
      else
        preparing = g_strdup (_("Preparing the demo library…"));
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar),
                                     total > 0 ? (double) made / total : 0.0);
    }
  gtk_widget_set_visible (self->progress_bar, preparing != NULL);

  if (preparing != NULL && state == KS_DEVICE_STATE_READY)
    status = preparing;
  else if (state == KS_DEVICE_STATE_READY)
    status = self->backup_state ? self->backup_state : "";
  else
    status = ks_device_state_describe (state);
  gtk_label_set_text (GTK_LABEL (self->status_label), status);
  gtk_widget_set_visible (self->status_label, status != NULL && *status != '\0');

  accessible = g_strjoin (", ", name, model ? model : "", status, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

GtkWidget *
ks_source_row_new (KsDevice *device)
{
  KsSourceRow *self;

  g_return_val_if_fail (KS_IS_DEVICE (device), NULL);

  self = g_object_new (KS_TYPE_SOURCE_ROW, NULL);
  self->device = g_object_ref (device);
  g_signal_connect_object (device, "notify",
                           G_CALLBACK (ks_source_row_update), self,
                           G_CONNECT_SWAPPED);
  ks_source_row_update (self);

  return GTK_WIDGET (self);
}

/* "Backup · 7 Dec 2026 · 1.2 GB · Encrypted" */
static void
show_backup (KsSourceRow    *self,
             KsBackupSource *backup,
             gint64          size)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *name = ks_backup_source_get_device_name (backup);
  gint64 date = ks_backup_source_get_date (backup);

  g_ptr_array_add (parts, g_strdup (_("Device backup")));
  if (date > 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (date);

      /* Translators: the date of a device backup, strftime format */
      g_ptr_array_add (parts, g_date_time_format (dt, _("%-d %b %Y")));
    }
  if (size >= 0)
    g_ptr_array_add (parts, g_format_size ((guint64) size));
  if (ks_backup_source_get_encrypted (backup))
    g_ptr_array_add (parts, g_strdup (_("Encrypted")));
  g_ptr_array_add (parts, NULL);

  g_free (self->backup_name);
  self->backup_name = name ? g_strdup (name) : NULL;
  g_free (self->backup_details);
  /* Translators: separates the facts of a device backup: date, size, "Encrypted" */
  self->backup_details = g_strjoinv (_(" · "), (char **) parts->pdata);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), "drive-harddisk-symbolic");
  ks_source_row_update (self);
}

static void
measure_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(KsSourceRow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint64 size = ks_backup_source_measure_finish (KS_BACKUP_SOURCE (object), result, &error);

  if (error == NULL && self->folder != NULL)
    show_backup (self, KS_BACKUP_SOURCE (object), (gint64) size);
}

static void
open_backup_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsSourceRow) self = user_data;
  g_autoptr(KsBackupSource) backup = ks_backup_source_open_finish (result, NULL);

  /* Not a backup: a folder of photos, as it says already. */
  if (backup == NULL || self->folder == NULL)
    return;

  show_backup (self, backup, -1);
  ks_backup_source_measure_async (backup, self->cancellable, measure_cb, g_object_ref (self));
}

static void
remove_clicked_cb (KsSourceRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

GtkWidget *
ks_source_row_new_for_folder (const char *path)
{
  KsSourceRow *self;
  GtkWidget *button;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (KS_TYPE_SOURCE_ROW, NULL);
  self->folder = g_strdup (path);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), "folder-pictures-symbolic");

  button = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Remove From Sidebar"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remove From Sidebar"),
                                  -1);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (remove_clicked_cb), self);
  gtk_box_append (GTK_BOX (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (self))), button);

  ks_source_row_update (self);

  /* A device backup says whose it is, from when, and how big (found out on a worker). */
  {
    g_autoptr(GFile) file = g_file_new_for_path (path);

    self->cancellable = g_cancellable_new ();
    ks_backup_source_open_async (file, self->cancellable, open_backup_cb, g_object_ref (self));
  }

  return GTK_WIDGET (self);
}

/**
 * ks_source_row_set_demo_library:
 * @demo: (nullable): the Demo iPhone's library being made
 *
 * If this row is the Demo iPhone's, it says how far making its library is, with a
 * progress bar, until it is done.
 */
void
ks_source_row_set_demo_library (KsSourceRow   *self,
                                KsDemoLibrary *demo)
{
  g_return_if_fail (KS_IS_SOURCE_ROW (self));
  g_return_if_fail (!demo || KS_IS_DEMO_LIBRARY (demo));

  if (demo == NULL || self->device == NULL
      || g_strcmp0 (ks_device_get_udid (self->device), ks_demo_library_get_udid (demo)) != 0)
    return;

  g_set_object (&self->demo, demo);
  g_signal_connect_object (demo, "changed", G_CALLBACK (ks_source_row_update), self,
                           G_CONNECT_SWAPPED);
  ks_source_row_update (self);
}

/* Returns: (nullable): the folder of a folder row */
const char *
ks_source_row_get_folder (KsSourceRow *self)
{
  g_return_val_if_fail (KS_IS_SOURCE_ROW (self), NULL);

  return self->folder;
}

KsDevice *
ks_source_row_get_device (KsSourceRow *self)
{
  g_return_val_if_fail (KS_IS_SOURCE_ROW (self), NULL);

  return self->device;
}

void
ks_source_row_set_backup_state (KsSourceRow *self,
                                const char  *text)
{
  g_return_if_fail (KS_IS_SOURCE_ROW (self));

  if (g_strcmp0 (self->backup_state, text) == 0)
    return;

  g_free (self->backup_state);
  self->backup_state = g_strdup (text);
  ks_source_row_update (self);
}

/* A locked iPhone does not tell its name; the window remembers it from before. */
void
ks_source_row_set_fallback_name (KsSourceRow *self,
                                 const char  *name)
{
  g_return_if_fail (KS_IS_SOURCE_ROW (self));

  if (g_strcmp0 (self->fallback_name, name) == 0)
    return;

  g_free (self->fallback_name);
  self->fallback_name = g_strdup (name);
  ks_source_row_update (self);
}

const char *
ks_source_row_get_status (KsSourceRow *self)
{
  g_return_val_if_fail (KS_IS_SOURCE_ROW (self), NULL);

  return gtk_label_get_text (GTK_LABEL (self->status_label));
}

static void
ks_source_row_dispose (GObject *object)
{
  KsSourceRow *self = (KsSourceRow *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->demo);
  g_clear_object (&self->device);
  g_clear_pointer (&self->backup_name, g_free);
  g_clear_pointer (&self->backup_details, g_free);
  g_clear_pointer (&self->backup_state, g_free);
  g_clear_pointer (&self->fallback_name, g_free);
  g_clear_pointer (&self->folder, g_free);

  G_OBJECT_CLASS (ks_source_row_parent_class)->dispose (object);
}

static void
ks_source_row_class_init (KsSourceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_source_row_dispose;

  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static GtkWidget *
label_new (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
ks_source_row_init (KsSourceRow *self)
{
  GtkWidget *box;
  GtkWidget *labels;
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (box, "source-row");

  self->icon = gtk_image_new_from_icon_name ("phone-apple-iphone-symbolic");
  gtk_image_set_icon_size (GTK_IMAGE (self->icon), GTK_ICON_SIZE_LARGE);
  gtk_widget_set_valign (self->icon, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), self->icon);

  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (labels, TRUE);
  self->name_label = label_new ("heading");
  self->model_label = label_new ("caption");
  gtk_widget_add_css_class (self->model_label, "dim-label");
  self->status_label = label_new ("caption");
  gtk_label_set_wrap (GTK_LABEL (self->status_label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (self->status_label), PANGO_ELLIPSIZE_NONE);
  gtk_box_append (GTK_BOX (labels), self->name_label);
  gtk_box_append (GTK_BOX (labels), self->model_label);
  gtk_box_append (GTK_BOX (labels), self->status_label);
  self->progress_bar = gtk_progress_bar_new ();
  gtk_widget_set_visible (self->progress_bar, FALSE);
  gtk_widget_set_margin_top (self->progress_bar, 4);
  gtk_box_append (GTK_BOX (labels), self->progress_bar);
  gtk_box_append (GTK_BOX (box), labels);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
}
