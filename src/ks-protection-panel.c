/* ks-protection-panel.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Above the grid: how well the library is protected, as a picture first — a ring of the
 * shares that are safe (3-2-1), backed up but not yet 3-2-1, only on this iPhone and only in
 * iCloud — then one line for each part that has photos. A line (or its part of the ring)
 * filters the grid to those photos through win.filter. */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-protection-panel.h"

#define RING_SIZE 56
#define RING_WIDTH 9.0

struct _KsProtectionPanel
{
  GtkWidget  parent_instance;

  GtkWidget *box;
  GtkWidget *ring;
  GtkWidget *lines;
  GtkWidget *line_buttons[KS_N_PROTECTION_STATES];
  GtkWidget *line_labels[KS_N_PROTECTION_STATES];
  GtkWidget *missing_label;

  guint      counts[KS_N_PROTECTION_STATES];
  guint      total;
};

G_DEFINE_FINAL_TYPE (KsProtectionPanel, ks_protection_panel, GTK_TYPE_WIDGET)

/* Drawn clockwise from the top in this order: the part that needs the person first. */
static const struct {
  KsProtectionState  state;
  const char        *color;       /* a libadwaita named colour */
  const char        *css_class;   /* for the line's dot */
  const char        *filter;      /* win.filter's target, or NULL */
} parts[] = {
  { KS_PROTECTION_ONLY_ON_DEVICE, "error_color", "error", "not-backed-up" },
  { KS_PROTECTION_NOT_321, "warning_color", "warning", "not-321" },
  { KS_PROTECTION_SAFE, "success_color", "success", "safe" },
  { KS_PROTECTION_ICLOUD_ONLY, "accent_color", "accent", NULL },
};

GtkWidget *
ks_protection_panel_new (void)
{
  return g_object_new (KS_TYPE_PROTECTION_PANEL, NULL);
}

static void
draw_ring (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  KsProtectionPanel *self = user_data;
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (area));
  double radius = MIN (width, height) / 2.0 - RING_WIDTH / 2.0;
  double angle = -G_PI / 2;

  g_assert (KS_IS_PROTECTION_PANEL (self));

  if (self->total == 0)
    return;

  cairo_set_line_width (cr, RING_WIDTH);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      guint count = self->counts[parts[i].state];
      double sweep = 2 * G_PI * count / self->total;
      GdkRGBA color;

      if (count == 0)
        continue;
      if (!gtk_style_context_lookup_color (context, parts[i].color, &color))
        gdk_rgba_parse (&color, "gray");

      gdk_cairo_set_source_rgba (cr, &color);
      cairo_new_path (cr);
      cairo_arc (cr, width / 2.0, height / 2.0, radius, angle, angle + sweep);
      cairo_stroke (cr);
      angle += sweep;
    }
}

/* A click on the ring filters to the part under the pointer. */
static void
ring_pressed_cb (KsProtectionPanel *self,
                 int                n_press,
                 double             x,
                 double             y,
                 GtkGestureClick   *gesture)
{
  double dx = x - RING_SIZE / 2.0;
  double dy = y - RING_SIZE / 2.0;
  double angle = atan2 (dy, dx) + G_PI / 2;   /* from the top, clockwise */
  double start = 0;

  g_assert (KS_IS_PROTECTION_PANEL (self));

  if (self->total == 0)
    return;
  if (angle < 0)
    angle += 2 * G_PI;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      double sweep = 2 * G_PI * self->counts[parts[i].state] / self->total;

      if (angle >= start && angle < start + sweep)
        {
          if (parts[i].filter != NULL)
            gtk_widget_activate_action (GTK_WIDGET (self), "win.filter", "s", parts[i].filter);
          return;
        }
      start += sweep;
    }
}

static char *
describe_part (KsProtectionState          state,
               const KsProtectionSummary *summary)
{
  guint n = summary->states[state];

  switch (state)
    {
    case KS_PROTECTION_ONLY_ON_DEVICE:
      return g_strdup_printf (ngettext ("%u photo is only on this iPhone",
                                        "%u photos are only on this iPhone", n), n);
    case KS_PROTECTION_NOT_321:
      return g_strdup_printf (ngettext ("%u photo is backed up, but not by the 3-2-1 rule",
                                        "%u photos are backed up, but not by the 3-2-1 rule", n), n);
    case KS_PROTECTION_SAFE:
      return g_strdup_printf (ngettext ("%u photo is safe: three copies, two kinds of media, one offsite",
                                        "%u photos are safe: three copies, two kinds of media, one offsite",
                                        n), n);
    case KS_PROTECTION_ICLOUD_ONLY:
      return g_strdup_printf (ngettext ("%u photo is only in iCloud",
                                        "%u photos are only in iCloud", n), n);
    case KS_N_PROTECTION_STATES:
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * ks_protection_panel_set_summary:
 * @summary: (nullable): the counts, or %NULL while they are not known (the panel hides)
 */
void
ks_protection_panel_set_summary (KsProtectionPanel         *self,
                                 const KsProtectionSummary *summary)
{
  g_autoptr(GString) accessible = g_string_new (NULL);

  g_return_if_fail (KS_IS_PROTECTION_PANEL (self));

  memset (self->counts, 0, sizeof self->counts);
  self->total = 0;

  if (summary != NULL)
    {
      memcpy (self->counts, summary->states, sizeof self->counts);
      self->total = summary->assets;
    }

  gtk_widget_set_visible (GTK_WIDGET (self), self->total > 0);
  if (self->total == 0)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      KsProtectionState state = parts[i].state;
      g_autofree char *text = NULL;

      gtk_widget_set_visible (self->line_buttons[state], self->counts[state] > 0);
      if (self->counts[state] == 0)
        continue;

      text = describe_part (state, summary);
      gtk_label_set_text (GTK_LABEL (self->line_labels[state]), text);
      /* A button whose child is a box has no name of its own for a screen reader. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->line_buttons[state]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                      -1);
      if (accessible->len > 0)
        g_string_append (accessible, "; ");
      g_string_append (accessible, text);
    }

  /* What the not-yet-3-2-1 photos lack, under their line. */
  {
    g_autofree char *what = ks_protection_describe_missing (ks_protection_summary_get_missing (summary));
    g_autofree char *text = NULL;

    /* TRANSLATORS: what the 3-2-1 rule lacks, such as "no offsite copy" */
    text = what ? g_strdup_printf (_("Missing: %s"), what) : NULL;
    gtk_label_set_text (GTK_LABEL (self->missing_label), text ? text : "");
    gtk_widget_set_visible (self->missing_label, text != NULL);
    if (text != NULL)
      g_string_append_printf (accessible, " (%s)", text);
  }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->ring),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible->str,
                                  -1);
  gtk_widget_queue_draw (self->ring);
}

/**
 * ks_protection_panel_get_count:
 *
 * Returns: how many photos the panel shows in @state
 */
guint
ks_protection_panel_get_count (KsProtectionPanel *self,
                               KsProtectionState  state)
{
  g_return_val_if_fail (KS_IS_PROTECTION_PANEL (self), 0);
  g_return_val_if_fail (state < KS_N_PROTECTION_STATES, 0);

  return self->counts[state];
}

static GtkWidget *
new_line (KsProtectionPanel *self,
          guint              part)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *dot = gtk_label_new ("●");
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *button;

  gtk_widget_add_css_class (dot, parts[part].css_class);
  gtk_widget_set_valign (dot, GTK_ALIGN_START);
  gtk_accessible_update_state (GTK_ACCESSIBLE (dot), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_box_append (GTK_BOX (row), dot);
  gtk_box_append (GTK_BOX (texts), label);
  gtk_box_append (GTK_BOX (row), texts);
  self->line_labels[parts[part].state] = label;

  if (parts[part].state == KS_PROTECTION_NOT_321)
    {
      self->missing_label = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (self->missing_label), 0);
      gtk_label_set_wrap (GTK_LABEL (self->missing_label), TRUE);
      gtk_widget_add_css_class (self->missing_label, "dim-label");
      gtk_widget_add_css_class (self->missing_label, "caption");
      gtk_box_append (GTK_BOX (texts), self->missing_label);
    }

  if (parts[part].filter != NULL)
    {
      button = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (button), row);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "protection-line");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.filter");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", parts[part].filter);
      gtk_widget_set_tooltip_text (button, _("Show these photos"));
      gtk_widget_set_halign (button, GTK_ALIGN_START);
    }
  else
    {
      button = row;
      gtk_widget_add_css_class (row, "protection-line");
    }

  self->line_buttons[parts[part].state] = button;
  return button;
}

static void
ks_protection_panel_dispose (GObject *object)
{
  KsProtectionPanel *self = (KsProtectionPanel *)object;

  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (ks_protection_panel_parent_class)->dispose (object);
}

static void
ks_protection_panel_class_init (KsProtectionPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_protection_panel_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "protectionpanel");
}

static void
ks_protection_panel_init (KsProtectionPanel *self)
{
  GtkGesture *click;

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->ring = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->ring), RING_SIZE);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->ring), RING_SIZE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->ring), draw_ring, self, NULL);
  gtk_widget_set_valign (self->ring, GTK_ALIGN_CENTER);
  gtk_widget_set_cursor_from_name (self->ring, "pointer");
  click = gtk_gesture_click_new ();
  g_signal_connect_object (click, "pressed", G_CALLBACK (ring_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (self->ring, GTK_EVENT_CONTROLLER (click));
  gtk_box_append (GTK_BOX (self->box), self->ring);

  self->lines = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_valign (self->lines, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (self->lines, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    gtk_box_append (GTK_BOX (self->lines), new_line (self, i));
  gtk_box_append (GTK_BOX (self->box), self->lines);

  {
    GtkWidget *advice = gtk_button_new ();
    GtkWidget *label = gtk_label_new_with_mnemonic (_("_Advice"));

    /* As every mnemonic button here: the label carries the mnemonic and names the button
     * (GTK 4.8 would read a button's own label with its underscore). */
    gtk_label_set_mnemonic_widget (GTK_LABEL (label), advice);
    gtk_button_set_child (GTK_BUTTON (advice), label);

    gtk_widget_set_tooltip_text (advice, _("What to do next to keep these photos safe"));
    gtk_actionable_set_action_name (GTK_ACTIONABLE (advice), "win.advisor");
    gtk_widget_set_valign (advice, GTK_ALIGN_CENTER);
    gtk_widget_set_halign (advice, GTK_ALIGN_END);
    gtk_box_append (GTK_BOX (self->box), advice);
  }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Protection"),
                                  -1);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
