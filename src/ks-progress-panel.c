/* ks-progress-panel.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The panel at the bottom of the window while a backup runs: what is done of what, how fast,
 * how long is left, the file being copied, Cancel, and the files that failed and why; for a
 * full device backup, its phase (the passcode the phone waits for first), the phone's
 * percentage, files and bytes received. When a run stops on its own (the iPhone was
 * unplugged) it says so and offers to resume. */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ks-progress-panel.h"

struct _KsProgressPanel
{
  GtkWidget    parent_instance;

  /* Owned widgets */
  GtkWidget   *box;
  GtkWidget   *thumbnail;
  GtkWidget   *title_label;
  GtkWidget   *current_label;
  GtkWidget   *progress_bar;
  GtkWidget   *details_label;
  GtkWidget   *cancel_button;
  GtkWidget   *resume_button;
  GtkWidget   *dismiss_button;
  GtkWidget   *errors_expander;
  GtkWidget   *errors_list;

  guint        n_errors;
  gboolean     running;
};

G_DEFINE_FINAL_TYPE (KsProgressPanel, ks_progress_panel, GTK_TYPE_WIDGET)

enum {
  CANCEL,
  RESUME,
  DISMISS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
ks_progress_panel_new (void)
{
  return g_object_new (KS_TYPE_PROGRESS_PANEL, NULL);
}

static char *
format_time_left (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup (_("less than a minute left"));

  if (seconds < 3600)
    {
      guint minutes = (guint) ((seconds + 30) / 60);

      /* Translators: an estimate of the time a backup still needs */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "about %u minute left",
                                           "about %u minutes left", minutes), minutes);
    }

  {
    guint hours = (guint) ((seconds + 1800) / 3600);

    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "about %u hour left",
                                         "about %u hours left", hours), hours);
  }
}

/* Network and cloud destinations: what rclone says it sent, on a line of its own. */
static void
append_upload (GString                *details,
               const KsImportProgress *progress)
{
  g_autofree char *done = g_format_size (progress->upload_done);
  g_autofree char *total = g_format_size (progress->upload_total);

  g_string_append_c (details, '\n');
  /* Translators: bytes sent to network and cloud destinations, e.g. "Uploaded 1.2 GB of 3.4 GB" */
  g_string_append_printf (details, _("Uploaded %s of %s"), done, total);
  if (progress->upload_rate > 0)
    {
      g_autofree char *rate = g_format_size ((guint64) progress->upload_rate);

      g_string_append (details, " · ");
      g_string_append_printf (details, _("%s/s"), rate);
    }
  if (progress->upload_seconds_left >= 0 && progress->upload_done < progress->upload_total)
    {
      g_autofree char *left = format_time_left (progress->upload_seconds_left);

      g_string_append (details, " · ");
      g_string_append (details, left);
    }
  if (progress->upload_path != NULL && progress->upload_done < progress->upload_total)
    {
      g_autofree char *base = g_path_get_basename (progress->upload_path);
      g_autofree char *name = g_utf8_make_valid (base, -1);

      g_string_append (details, " · ");
      g_string_append (details, name);
    }
}

void
ks_progress_panel_reset (KsProgressPanel *self,
                         const char      *title)
{
  GtkWidget *child;

  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));

  self->running = TRUE;
  self->n_errors = 0;
  while ((child = gtk_widget_get_first_child (self->errors_list)))
    gtk_list_box_remove (GTK_LIST_BOX (self->errors_list), child);
  gtk_widget_set_visible (self->errors_expander, FALSE);

  gtk_label_set_text (GTK_LABEL (self->title_label), title);
  gtk_label_set_text (GTK_LABEL (self->current_label), "");
  gtk_label_set_text (GTK_LABEL (self->details_label), _("Looking for what is missing…"));
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), 0);
  gtk_picture_set_paintable (GTK_PICTURE (self->thumbnail), NULL);
  gtk_widget_set_visible (self->thumbnail, TRUE);
  gtk_widget_set_visible (self->cancel_button, TRUE);
  gtk_widget_set_visible (self->resume_button, FALSE);
  gtk_widget_set_visible (self->dismiss_button, FALSE);
  gtk_widget_remove_css_class (self->box, "stopped");
}

void
ks_progress_panel_set_progress (KsProgressPanel        *self,
                                const KsImportProgress *progress)
{
  g_autofree char *title = NULL;
  g_autofree char *done = NULL;
  g_autofree char *total = NULL;
  g_autoptr(GString) details = NULL;

  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));
  g_return_if_fail (progress != NULL);

  /* Translators: progress of a backup in files (a Live Photo is several), e.g.
   * "Copying file 12 of 240" */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Copying file %u of %u",
                                       "Copying file %u of %u",
                                       progress->items_total),
                           MIN (progress->items_done + 1, progress->items_total),
                           progress->items_total);
  gtk_label_set_text (GTK_LABEL (self->title_label), title);

  if (progress->bytes_total > 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar),
                                   CLAMP ((double) progress->bytes_done / progress->bytes_total, 0, 1));
  else if (progress->items_total > 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar),
                                   (double) progress->items_done / progress->items_total);

  done = g_format_size (progress->bytes_done);
  total = g_format_size (progress->bytes_total);
  details = g_string_new (NULL);
  /* Translators: bytes done of bytes to copy, e.g. "1.2 GB of 3.4 GB" */
  g_string_append_printf (details, _("%s of %s"), done, total);
  if (progress->rate > 0)
    {
      g_autofree char *rate = g_format_size ((guint64) progress->rate);

      g_string_append (details, " · ");
      /* Translators: a copying speed, e.g. "35.0 MB/s" */
      g_string_append_printf (details, _("%s/s"), rate);
    }
  if (progress->seconds_left >= 0)
    {
      g_autofree char *left = format_time_left (progress->seconds_left);

      g_string_append (details, " · ");
      g_string_append (details, left);
    }
  if (progress->upload_total > 0)
    append_upload (details, progress);
  gtk_label_set_text (GTK_LABEL (self->details_label), details->str);
}

/* After the originals: JPEG copies of the HEIC photos, for destinations that ask. */
void
ks_progress_panel_set_jpeg_progress (KsProgressPanel *self,
                                     guint            done,
                                     guint            total)
{
  g_autofree char *title = NULL;

  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));

  /* Translators: after the backup itself, e.g. "Saving JPEG copy 3 of 40" */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saving JPEG copy %u of %u",
                                        "Saving JPEG copy %u of %u", total),
                           MIN (done + 1, total), total);
  gtk_label_set_text (GTK_LABEL (self->title_label), title);
  gtk_label_set_text (GTK_LABEL (self->details_label),
                      _("For people and services that cannot open HEIC photos"));
  if (total > 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), (double) done / total);
}

/* A full device backup: the phase says what happens (or what the user has to do: enter the
 * passcode on the phone), the bar follows the phone's own percentage. */
void
ks_progress_panel_set_full_progress (KsProgressPanel            *self,
                                     const KsFullBackupProgress *progress)
{
  g_autoptr(GString) details = NULL;

  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));
  g_return_if_fail (progress != NULL);

  gtk_label_set_text (GTK_LABEL (self->title_label), ks_full_backup_phase_describe (progress->phase));
  gtk_label_set_text (GTK_LABEL (self->current_label), "");
  /* The phone sends its whole contents, not photos one by one: no thumbnail to show. */
  gtk_picture_set_paintable (GTK_PICTURE (self->thumbnail), NULL);
  gtk_widget_set_visible (self->thumbnail, FALSE);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar),
                                 CLAMP (progress->percent / 100.0, 0, 1));

  details = g_string_new (_("Full device backup"));
  if (progress->phase == KS_MOBILEBACKUP2_PHASE_RECEIVING
      || progress->phase == KS_MOBILEBACKUP2_PHASE_FINISHING
      || progress->files_received > 0)
    {
      g_autofree char *bytes = g_format_size (progress->bytes_received);
      guint files = (guint) MIN (progress->files_received, G_MAXUINT);

      g_string_append (details, " · ");
      /* Translators: the phone's own estimate of how much of a full backup is done */
      g_string_append_printf (details, _("%u%% done"), (guint) CLAMP (progress->percent, 0, 100));
      g_string_append (details, " · ");
      /* Translators: files received from the phone in a full device backup */
      g_string_append_printf (details, g_dngettext (GETTEXT_PACKAGE, "%'u file", "%'u files", files), files);
      g_string_append (details, " · ");
      g_string_append (details, bytes);
    }
  if (progress->bytes_per_second > 0)
    {
      g_autofree char *rate = g_format_size ((guint64) progress->bytes_per_second);

      g_string_append (details, " · ");
      g_string_append_printf (details, _("%s/s"), rate);
    }
  if (progress->seconds_left > 0)
    {
      g_autofree char *left = format_time_left (progress->seconds_left);

      g_string_append (details, " · ");
      g_string_append (details, left);
    }
  gtk_label_set_text (GTK_LABEL (self->details_label), details->str);
}

void
ks_progress_panel_set_current (KsProgressPanel *self,
                               const char      *name,
                               GdkPaintable    *thumbnail)
{
  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));

  gtk_label_set_text (GTK_LABEL (self->current_label), name ? name : "");
  gtk_picture_set_paintable (GTK_PICTURE (self->thumbnail), thumbnail);
}

void
ks_progress_panel_add_error (KsProgressPanel *self,
                             const char      *file,
                             const char      *reason)
{
  g_autofree char *expander_label = NULL;
  AdwActionRow *row;

  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));

  row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), file);
  adw_action_row_set_subtitle (row, reason);
  adw_action_row_add_prefix (row, gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  gtk_list_box_append (GTK_LIST_BOX (self->errors_list), GTK_WIDGET (row));

  self->n_errors++;
  expander_label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "%u file could not be copied",
                                                 "%u files could not be copied",
                                                 self->n_errors),
                                    self->n_errors);
  gtk_expander_set_label (GTK_EXPANDER (self->errors_expander), expander_label);
  gtk_widget_set_visible (self->errors_expander, TRUE);
}

guint
ks_progress_panel_get_n_errors (KsProgressPanel *self)
{
  g_return_val_if_fail (KS_IS_PROGRESS_PANEL (self), 0);

  return self->n_errors;
}

void
ks_progress_panel_set_stopped (KsProgressPanel *self,
                               const char      *title,
                               const char      *message,
                               gboolean         can_resume)
{
  g_return_if_fail (KS_IS_PROGRESS_PANEL (self));

  self->running = FALSE;
  gtk_label_set_text (GTK_LABEL (self->title_label), title);
  gtk_label_set_text (GTK_LABEL (self->details_label), message);
  gtk_label_set_text (GTK_LABEL (self->current_label), "");
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->resume_button, TRUE);
  gtk_widget_set_sensitive (self->resume_button, can_resume);
  gtk_widget_set_visible (self->dismiss_button, TRUE);
  gtk_widget_add_css_class (self->box, "stopped");
}

gboolean
ks_progress_panel_get_running (KsProgressPanel *self)
{
  g_return_val_if_fail (KS_IS_PROGRESS_PANEL (self), FALSE);

  return self->running;
}

const char *
ks_progress_panel_get_title (KsProgressPanel *self)
{
  g_return_val_if_fail (KS_IS_PROGRESS_PANEL (self), NULL);

  return gtk_label_get_text (GTK_LABEL (self->title_label));
}

const char *
ks_progress_panel_get_details (KsProgressPanel *self)
{
  g_return_val_if_fail (KS_IS_PROGRESS_PANEL (self), NULL);

  return gtk_label_get_text (GTK_LABEL (self->details_label));
}

static void
emit_cancel (KsProgressPanel *self)
{
  g_signal_emit (self, signals[CANCEL], 0);
}

static void
emit_resume (KsProgressPanel *self)
{
  g_signal_emit (self, signals[RESUME], 0);
}

static void
emit_dismiss (KsProgressPanel *self)
{
  g_signal_emit (self, signals[DISMISS], 0);
}

static void
ks_progress_panel_dispose (GObject *object)
{
  KsProgressPanel *self = (KsProgressPanel *)object;

  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (ks_progress_panel_parent_class)->dispose (object);
}

static void
ks_progress_panel_class_init (KsProgressPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_progress_panel_dispose;

  signals[CANCEL] = g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RESUME] = g_signal_new ("resume", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DISMISS] = g_signal_new ("dismiss", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "progresspanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* Not gtk_button_new_with_mnemonic(): GTK 4.8 reads such a button by its "label" with the
 * underscore and then again by the label it makes ("_Cancel Cancel"). A label of its own that
 * names the button through its mnemonic is read once, and Alt still underlines and presses. */
static GtkWidget *
button_new (const char *label)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *child = gtk_label_new_with_mnemonic (label);

  gtk_label_set_mnemonic_widget (GTK_LABEL (child), button);
  gtk_button_set_child (GTK_BUTTON (button), child);
  gtk_widget_add_css_class (button, "text-button");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  return button;
}

static void
ks_progress_panel_init (KsProgressPanel *self)
{
  GtkWidget *row;
  GtkWidget *labels;
  GtkWidget *scroller;

  /* A group a screen reader user can move to, and that says what it is about. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Backup Progress"),
                                  -1);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (self->box, "progress-panel");
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append (GTK_BOX (self->box), row);

  self->thumbnail = gtk_picture_new ();
  gtk_picture_set_content_fit (GTK_PICTURE (self->thumbnail), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_size_request (self->thumbnail, 48, 48);
  gtk_widget_set_valign (self->thumbnail, GTK_ALIGN_CENTER);
  gtk_widget_set_overflow (self->thumbnail, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (self->thumbnail, "current-thumbnail");
  gtk_box_append (GTK_BOX (row), self->thumbnail);

  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), labels);

  {
    GtkWidget *title_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

    self->title_label = gtk_label_new (NULL);
    gtk_label_set_xalign (GTK_LABEL (self->title_label), 0);
    gtk_widget_add_css_class (self->title_label, "heading");
    gtk_box_append (GTK_BOX (title_row), self->title_label);

    self->current_label = gtk_label_new (NULL);
    gtk_label_set_xalign (GTK_LABEL (self->current_label), 0);
    gtk_label_set_ellipsize (GTK_LABEL (self->current_label), PANGO_ELLIPSIZE_MIDDLE);
    gtk_widget_set_hexpand (self->current_label, TRUE);
    gtk_widget_add_css_class (self->current_label, "dim-label");
    gtk_box_append (GTK_BOX (title_row), self->current_label);
    gtk_box_append (GTK_BOX (labels), title_row);
  }

  self->progress_bar = gtk_progress_bar_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Backup progress"),
                                  -1);
  gtk_box_append (GTK_BOX (labels), self->progress_bar);

  self->details_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->details_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->details_label), TRUE);
  gtk_widget_add_css_class (self->details_label, "caption");
  gtk_widget_add_css_class (self->details_label, "numeric");
  gtk_box_append (GTK_BOX (labels), self->details_label);

  self->cancel_button = button_new (_("_Cancel"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (emit_cancel), self);
  gtk_box_append (GTK_BOX (row), self->cancel_button);

  self->resume_button = button_new (_("_Resume"));
  gtk_widget_add_css_class (self->resume_button, "suggested-action");
  gtk_widget_set_visible (self->resume_button, FALSE);
  g_signal_connect_swapped (self->resume_button, "clicked", G_CALLBACK (emit_resume), self);
  gtk_box_append (GTK_BOX (row), self->resume_button);

  self->dismiss_button = gtk_button_new_from_icon_name ("window-close-symbolic");
  gtk_widget_set_valign (self->dismiss_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->dismiss_button, "flat");
  gtk_widget_set_tooltip_text (self->dismiss_button, _("Close"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dismiss_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Close"),
                                  -1);
  gtk_widget_set_visible (self->dismiss_button, FALSE);
  g_signal_connect_swapped (self->dismiss_button, "clicked", G_CALLBACK (emit_dismiss), self);
  gtk_box_append (GTK_BOX (row), self->dismiss_button);

  self->errors_expander = gtk_expander_new (NULL);
  gtk_widget_set_visible (self->errors_expander, FALSE);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 160);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  self->errors_list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->errors_list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->errors_list, "boxed-list");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->errors_list);
  gtk_expander_set_child (GTK_EXPANDER (self->errors_expander), scroller);
  gtk_box_append (GTK_BOX (self->box), self->errors_expander);
}
