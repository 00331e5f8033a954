/* ks-full-backup-list.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The sidebar's Full Backups: for each phone backed up at one of the plan's destinations for
 * full backups, a row for its latest backup (the phone's name; date, size, encrypted or not,
 * how many older snapshots are kept) and, below it, a row for each older snapshot (its date
 * and the space only it takes). Activating a row says which backup folder to show; the
 * window shows its photos like a backup opened with Open Backup…. Found on a worker, again
 * when the plan's folders for full backups change or a run ends (not at every reload of the
 * plan: measuring the snapshots walks every file of each). */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-full-backup-finder.h"
#include "ks-full-backup-list.h"

struct _KsFullBackupList
{
  GtkWidget     parent_instance;

  /* Owned widgets */
  GtkWidget    *box;
  GtkWidget    *list;

  KsBackupPlan *plan;
  GCancellable *cancellable;
  char         *selected;
  char         *folders;     /* the plan's folders for full backups last looked in */
};

G_DEFINE_FINAL_TYPE (KsFullBackupList, ks_full_backup_list, GTK_TYPE_WIDGET)

enum {
  BACKUP_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
format_date (gint64   date,
             gboolean with_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (date <= 0)
    return g_strdup (_("Date unknown"));
  dt = g_date_time_new_from_unix_local (date);
  if (with_time)
    /* Translators: when an older snapshot of a full device backup was made, strftime
     * format (several may be made on one day) */
    return g_date_time_format (dt, _("%-d %b %Y, %H:%M"));
  /* Translators: the date of a device backup, strftime format */
  return g_date_time_format (dt, _("%-d %b %Y"));
}

static GtkWidget *
row_new (const char *path,
         const char *title,
         const char *subtitle,
         guint       depth)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new (title);
  g_autofree char *accessible = g_strjoin (", ", title, subtitle, NULL);

  gtk_widget_set_margin_start (box, 12 * (int) depth);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (depth == 0 ? "phone-symbolic"
                                                                         : "document-open-recent-symbolic"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (labels), label);
  label = gtk_label_new (subtitle);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  /* Wrapped rather than cut: whether it is encrypted and how many snapshots come last. */
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (labels), label);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "ks-path", g_strdup (path), g_free);
  return row;
}

static void
add_entry (KsFullBackupList        *self,
           const KsFullBackupEntry *entry)
{
  const KsFullBackupSnapshot *newest = g_ptr_array_index (entry->snapshots, 0);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  guint n_older = entry->snapshots->len - 1;
  GtkWidget *row;

  g_ptr_array_add (parts, g_strdup (_("Full backup")));
  g_ptr_array_add (parts, format_date (newest->completed, FALSE));
  g_ptr_array_add (parts, g_format_size (newest->size));
  g_ptr_array_add (parts, g_strdup (entry->encrypted ? _("Encrypted") : _("Not encrypted")));
  if (n_older > 0)
    /* Translators: how many older complete backups of a phone are kept beside the latest */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u older snapshot",
                                                          "%u older snapshots", n_older), n_older));
  g_ptr_array_add (parts, NULL);
  subtitle = g_strjoinv (_(" · "), (char **) parts->pdata);
  row = row_new (newest->path, entry->device_name ? entry->device_name : entry->udid, subtitle, 0);
  gtk_list_box_append (GTK_LIST_BOX (self->list), row);

  for (guint i = 1; i < entry->snapshots->len; i++)
    {
      const KsFullBackupSnapshot *snapshot = g_ptr_array_index (entry->snapshots, i);
      g_autofree char *date = format_date (snapshot->completed, TRUE);
      g_autofree char *own = g_format_size (snapshot->own_size);
      /* Translators: the space that only this older snapshot of a full backup takes (the
       * files it shares with newer ones are counted there), e.g. "12.3 MB of its own" */
      g_autofree char *detail = g_strdup_printf (_("%s of its own"), own);

      row = row_new (snapshot->path, date, detail, 1);
      gtk_list_box_append (GTK_LIST_BOX (self->list), row);
    }
}

static void
select_path (KsFullBackupList *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (self->list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (self->selected != NULL
        && g_strcmp0 (g_object_get_data (G_OBJECT (child), "ks-path"), self->selected) == 0)
      {
        gtk_list_box_select_row (GTK_LIST_BOX (self->list), GTK_LIST_BOX_ROW (child));
        return;
      }
  gtk_list_box_unselect_all (GTK_LIST_BOX (self->list));
}

static void
found_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(KsFullBackupList) self = user_data;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  found = ks_full_backup_find_finish (result, &error);
  if (found == NULL)
    return;  /* cancelled: a newer search runs, or the widget is gone */
  g_clear_object (&self->cancellable);

  while ((child = gtk_widget_get_first_child (self->list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
  for (guint i = 0; i < found->len; i++)
    add_entry (self, g_ptr_array_index (found, i));
  select_path (self);
  gtk_widget_set_visible (self->box, found->len > 0);
}

static char *dup_plan_folders (KsBackupPlan *plan);

/**
 * ks_full_backup_list_reload:
 *
 * Looks again for the backups at the plan's destinations (a run ended, the plan changed).
 */
void
ks_full_backup_list_reload (KsFullBackupList *self)
{
  g_return_if_fail (KS_IS_FULL_BACKUP_LIST (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->plan == NULL)
    return;

  g_free (self->folders);
  self->folders = dup_plan_folders (self->plan);
  self->cancellable = g_cancellable_new ();
  ks_full_backup_find_async (self->plan, self->cancellable, found_cb, g_object_ref (self));
}

/* The plan's enabled folders for full backups, as one string. */
static char *
dup_plan_folders (KsBackupPlan *plan)
{
  g_autoptr(GPtrArray) enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FULL);
  GString *folders = g_string_new (NULL);

  for (guint i = 0; i < enabled->len; i++)
    {
      KsPlanDestination *dest = g_ptr_array_index (enabled, i);

      if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_FOLDER)
        g_string_append_printf (folders, "%s\n", ks_plan_destination_get_location (dest));
    }
  return g_string_free (folders, FALSE);
}

static void
plan_changed_cb (KsFullBackupList *self)
{
  g_autofree char *folders = dup_plan_folders (self->plan);

  if (g_strcmp0 (folders, self->folders) != 0)
    ks_full_backup_list_reload (self);
}

void
ks_full_backup_list_set_plan (KsFullBackupList *self,
                              KsBackupPlan     *plan)
{
  g_return_if_fail (KS_IS_FULL_BACKUP_LIST (self));
  g_return_if_fail (plan == NULL || KS_IS_BACKUP_PLAN (plan));

  if (self->plan == plan)
    return;
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_func (self->plan, plan_changed_cb, self);
  g_set_object (&self->plan, plan);
  if (plan != NULL)
    g_signal_connect_object (plan, "items-changed", G_CALLBACK (plan_changed_cb), self,
                             G_CONNECT_SWAPPED);
  ks_full_backup_list_reload (self);
}

/**
 * ks_full_backup_list_select:
 * @path: (nullable): the backup folder shown, or %NULL
 *
 * Highlights the row of @path, if it has one; no row otherwise.
 */
void
ks_full_backup_list_select (KsFullBackupList *self,
                            const char       *path)
{
  g_return_if_fail (KS_IS_FULL_BACKUP_LIST (self));

  g_free (self->selected);
  self->selected = g_strdup (path);
  select_path (self);
}

static void
row_activated_cb (KsFullBackupList *self,
                  GtkListBoxRow    *row)
{
  const char *path = g_object_get_data (G_OBJECT (row), "ks-path");

  if (path != NULL)
    g_signal_emit (self, signals[BACKUP_ACTIVATED], 0, path);
}

GtkListBox *
_ks_full_backup_list_get_list_box (KsFullBackupList *self)
{
  return GTK_LIST_BOX (self->list);
}

gboolean
_ks_full_backup_list_get_loading (KsFullBackupList *self)
{
  return self->cancellable != NULL;
}

static void
ks_full_backup_list_dispose (GObject *object)
{
  KsFullBackupList *self = (KsFullBackupList *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_func (self->plan, plan_changed_cb, self);
  g_clear_object (&self->plan);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (ks_full_backup_list_parent_class)->dispose (object);
}

static void
ks_full_backup_list_finalize (GObject *object)
{
  KsFullBackupList *self = (KsFullBackupList *)object;

  g_free (self->selected);
  g_free (self->folders);

  G_OBJECT_CLASS (ks_full_backup_list_parent_class)->finalize (object);
}

static void
ks_full_backup_list_class_init (KsFullBackupListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_full_backup_list_dispose;
  object_class->finalize = ks_full_backup_list_finalize;

  /**
   * KsFullBackupList::backup-activated:
   * @path: the backup folder (a standard one) whose row was activated
   */
  signals[BACKUP_ACTIVATED] =
    g_signal_new ("backup-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_full_backup_list_init (KsFullBackupList *self)
{
  GtkWidget *heading;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_visible (self->box, FALSE);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  heading = gtk_label_new (_("Full Backups"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "sidebar-heading");
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_add_css_class (heading, "dim-label");
  gtk_box_append (GTK_BOX (self->box), heading);

  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_SINGLE);
  gtk_widget_add_css_class (self->list, "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Full Backups"),
                                  -1);
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (row_activated_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (self->box), self->list);
}
