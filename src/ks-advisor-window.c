/* ks-advisor-window.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The protection advisor, for the library shown: the next step toward the 3-2-1 rule first,
 * then the library's size and how it grew month by month (photos and videos apart), each
 * destination's free space and when it fills at that rate, and whether the library fits the
 * free tier of a common cloud (figures from cloud-tiers.ini, with the date they were checked). */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-advisor-window.h"
#include "ks-destination-space.h"

#define CHART_HEIGHT 112
#define LABEL_HEIGHT 18

struct _KsAdvisorWindow
{
  AdwWindow            parent_instance;

  AdwPreferencesPage  *page;
  GtkWidget           *next_step_row;
  AdwPreferencesGroup *destinations_group;
  GtkWidget           *chart;
  KsAdvisorLibrary     library;
  GCancellable        *cancellable;
};

G_DEFINE_FINAL_TYPE (KsAdvisorWindow, ks_advisor_window, ADW_TYPE_WINDOW)

static void
draw_chart (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  KsAdvisorWindow *self = user_data;
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (area));
  double bar = (double)width / KS_ADVISOR_MONTHS;
  guint64 most = 1;
  GdkRGBA photos, videos;

  if (!gtk_style_context_lookup_color (context, "accent_color", &photos))
    gdk_rgba_parse (&photos, "#3584e4");
  if (!gtk_style_context_lookup_color (context, "warning_color", &videos))
    gdk_rgba_parse (&videos, "#c64600");

  for (guint m = 0; m < KS_ADVISOR_MONTHS; m++)
    most = MAX (most, self->library.months[m].photo_bytes + self->library.months[m].video_bytes);

  /* The month under each bar. */
  {
    GdkRGBA text;

    gtk_style_context_get_color (context, &text);
    text.alpha *= 0.55;
    for (guint m = 0; m < KS_ADVISOR_MONTHS; m++)
      {
        g_autoptr(GDateTime) date = g_date_time_new_local (self->library.months[m].year,
                                                           self->library.months[m].month, 1, 0, 0, 0);
        g_autofree char *name = date ? g_date_time_format (date, "%b") : NULL;
        g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), name);
        int text_width, text_height;

        pango_layout_get_pixel_size (layout, &text_width, &text_height);
        gdk_cairo_set_source_rgba (cr, &text);
        cairo_move_to (cr, m * bar + (bar - text_width) / 2, height - text_height);
        pango_cairo_show_layout (cr, layout);
      }
    height -= LABEL_HEIGHT;
  }

  for (guint m = 0; m < KS_ADVISOR_MONTHS; m++)
    {
      const KsAdvisorMonth *month = &self->library.months[m];
      double photo_h = (double)(height - 1) * month->photo_bytes / most;
      double video_h = (double)(height - 1) * month->video_bytes / most;
      double x = m * bar + bar * 0.15;

      gdk_cairo_set_source_rgba (cr, &photos);
      cairo_rectangle (cr, x, height - photo_h, bar * 0.7, photo_h);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &videos);
      cairo_rectangle (cr, x, height - photo_h - video_h, bar * 0.7, video_h);
      cairo_fill (cr);
    }
}

static GtkWidget *
add_row (AdwPreferencesGroup *group,
         const char          *title,
         const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (group, row);
  return row;
}

static AdwPreferencesGroup *
add_group (KsAdvisorWindow *self,
           const char      *title,
           const char      *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
  return ADW_PREFERENCES_GROUP (group);
}

static char *
describe_room (guint64 free_bytes,
               double  bytes_per_month)
{
  g_autofree char *free_text = g_format_size (free_bytes);
  gint64 days = ks_advisor_days_until_full (free_bytes, bytes_per_month);

  if (days < 0 || days > 10 * 365)
    /* Translators: %s is an amount of free space */
    return g_strdup_printf (_("%s free — years of room at this rate"), free_text);
  if (days < 62)
    return g_strdup_printf (ngettext ("%s free — full in about %u day at this rate",
                                      "%s free — full in about %u days at this rate", (gulong)days),
                            free_text, (guint)days);
  return g_strdup_printf (ngettext ("%s free — full in about %u month at this rate",
                                    "%s free — full in about %u months at this rate", (gulong)(days / 30)),
                          free_text, (guint)(days / 30));
}

/* "Last backup of this library: 3 days ago", and whether that is overdue. */
static char *
describe_last_backup (KsPlanDestination *dest,
                      const char        *source_id,
                      guint              reminder_days,
                      gboolean          *out_overdue)
{
  gint64 last = source_id ? ks_plan_destination_get_last_success (dest, source_id) : 0;
  gint64 days = (g_get_real_time () / G_USEC_PER_SEC - last) / (24 * 60 * 60);

  *out_overdue = last == 0 || days > (gint64)reminder_days;
  if (last == 0)
    return g_strdup (_("Never backed up here"));
  if (days == 0)
    return g_strdup (_("Last backed up here today"));
  return g_strdup_printf (ngettext ("Last backed up here %u day ago", "Last backed up here %u days ago",
                                    (gulong)days), (guint)days);
}

typedef struct
{
  KsAdvisorWindow *self;
  GtkWidget       *row;
} FreeSpaceQuery;

static void
free_space_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  FreeSpaceQuery *query = user_data;
  g_autoptr(GError) error = NULL;
  gint64 free_bytes;

  free_bytes = ks_destination_space_query_finish (result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *subtitle = NULL;

      if (free_bytes >= 0)
        subtitle = describe_room (free_bytes, query->self->library.bytes_per_month);
      else if (g_error_matches (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE))
        subtitle = g_strdup (_("Not connected: its free space is not known"));
      else
        /* A server without quotas, or one that does not say: not an error worth more. */
        subtitle = g_strdup (_("Free space unknown"));
      g_debug ("Free space of a destination: %s", error ? error->message : "known");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (query->row), subtitle);
    }

  g_object_unref (query->self);
  g_free (query);
}

static void
fill_destinations (KsAdvisorWindow *self,
                   KsBackupPlan    *plan,
                   const char      *source_id)
{
  g_autoptr(GPtrArray) enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FILES);

  for (guint i = 0; i < enabled->len; i++)
    {
      KsPlanDestination *dest = g_ptr_array_index (enabled, i);
      GtkWidget *row = add_row (self->destinations_group, ks_plan_destination_get_name (dest),
                                _("Free space not known"));
      gboolean overdue = FALSE;
      g_autofree char *last = describe_last_backup (dest, source_id, ks_backup_plan_get_reminder_days (plan),
                                                    &overdue);
      GtkWidget *when = gtk_label_new (last);
      FreeSpaceQuery *query = g_new0 (FreeSpaceQuery, 1);

      gtk_widget_add_css_class (when, overdue ? "warning" : "dim-label");
      gtk_label_set_wrap (GTK_LABEL (when), TRUE);
      gtk_label_set_xalign (GTK_LABEL (when), 1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), when);

      /* Every kind says its own free space (statvfs, `rclone about`), on a worker. */
      query->self = g_object_ref (self);
      query->row = row;
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Measuring free space…"));
      ks_destination_space_query_async (dest, self->cancellable, free_space_cb, query);
    }

  if (enabled->len == 0)
    add_row (self->destinations_group, _("No destination is switched on"), NULL);
}

static void
fill_tiers (KsAdvisorWindow *self,
            KsCloudTiers    *tiers)
{
  g_autofree char *description = NULL;
  AdwPreferencesGroup *group;

  /* Translators: %s is a date, YYYY-MM-DD */
  description = g_strdup_printf (_("Whether this library fits the free storage of common clouds (figures checked on %s)"),
                                 tiers->checked);
  group = add_group (self, _("Free Cloud Storage"), description);

  for (guint i = 0; i < tiers->tiers->len; i++)
    {
      KsCloudTier *tier = g_ptr_array_index (tiers->tiers, i);
      g_autofree char *size = g_format_size (tier->bytes);
      g_autofree char *subtitle = tier->shared
        ? g_strdup_printf (_("%s free, shared with the service’s mail and photos"), size)
        : g_strdup_printf (_("%s free"), size);
      GtkWidget *row = add_row (group, tier->name, subtitle);
      gboolean fits = tier->bytes >= self->library.bytes;
      GtkWidget *verdict = gtk_label_new (fits ? _("Fits") : _("Too small"));

      gtk_widget_add_css_class (verdict, fits ? "success" : "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), verdict);
    }
}

/**
 * ks_advisor_window_new:
 * @source_id: (nullable): the library's source, whose last backups are shown
 * @assets: (element-type KsAsset): the library shown
 * @summary: (nullable): its protection, %NULL while not counted
 * @plan: the backup plan
 * @tiers: (nullable): free cloud tiers
 */
GtkWidget *
ks_advisor_window_new (GtkWindow                 *parent,
                       const char                *library_name,
                       const char                *source_id,
                       GPtrArray                 *assets,
                       const KsProtectionSummary *summary,
                       KsBackupPlan              *plan,
                       KsCloudTiers              *tiers)
{
  KsAdvisorWindow *self;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GPtrArray) enabled = NULL;
  g_autofree char *next = NULL;
  g_autofree char *total = NULL;
  g_autofree char *photos = NULL;
  g_autofree char *growth = NULL;
  g_autofree char *per_month = NULL;
  AdwPreferencesGroup *group;
  guint64 photo_bytes = 0, video_bytes = 0;

  g_return_val_if_fail (assets != NULL, NULL);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);

  self = g_object_new (KS_TYPE_ADVISOR_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", _("Protection Advice"),
                       "default-width", 560,
                       "default-height", 680,
                       NULL);
  ks_advisor_library_init (&self->library, assets, now);
  enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FILES);

  /* The next step first: what to do is what the person came for. */
  next = ks_advisor_next_step (summary, enabled->len, self->library.bytes, tiers);
  group = add_group (self, _("Next Step"), NULL);
  self->next_step_row = add_row (group, next, NULL);

  for (guint m = 0; m < KS_ADVISOR_MONTHS; m++)
    {
      photo_bytes += self->library.months[m].photo_bytes;
      video_bytes += self->library.months[m].video_bytes;
    }
  total = g_format_size (self->library.bytes);
  /* Translators: a library's name, then its size */
  group = add_group (self, library_name, NULL);
  photos = g_strdup_printf (ngettext ("%u photo", "%u photos", self->library.photos), self->library.photos);
  add_row (group, photos, NULL);
  {
    g_autofree char *videos = g_strdup_printf (ngettext ("%u video", "%u videos", self->library.videos),
                                               self->library.videos);
    g_autofree char *size = g_strdup_printf (_("%s in all"), total);

    add_row (group, videos, NULL);
    add_row (group, size, NULL);
  }
  per_month = g_format_size ((guint64)self->library.bytes_per_month);
  {
    g_autofree char *photo_text = g_format_size (photo_bytes);
    g_autofree char *video_text = g_format_size (video_bytes);
    g_autofree char *detail = g_strdup_printf (_("Photos %s and videos %s taken in the last 12 months"),
                                               photo_text, video_text);

    /* Translators: %s is an amount of data, such as "1.2 GB" */
    growth = g_strdup_printf (_("Grows by about %s a month"), per_month);
    add_row (group, growth, detail);
  }
  self->chart = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->chart), CHART_HEIGHT);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->chart), draw_chart, self, NULL);
  gtk_widget_set_margin_top (self->chart, 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Photos and videos taken each month of the last year"), -1);
  adw_preferences_group_add (group, self->chart);

  self->destinations_group = add_group (self, _("Destinations"), NULL);
  fill_destinations (self, plan, source_id);

  if (tiers != NULL)
    fill_tiers (self, tiers);

  return GTK_WIDGET (self);
}

const char *
ks_advisor_window_get_next_step (KsAdvisorWindow *self)
{
  g_return_val_if_fail (KS_IS_ADVISOR_WINDOW (self), NULL);

  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->next_step_row));
}

const KsAdvisorLibrary *
ks_advisor_window_get_library (KsAdvisorWindow *self)
{
  g_return_val_if_fail (KS_IS_ADVISOR_WINDOW (self), NULL);

  return &self->library;
}

static void
ks_advisor_window_dispose (GObject *object)
{
  KsAdvisorWindow *self = (KsAdvisorWindow *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_advisor_window_parent_class)->dispose (object);
}

static void
ks_advisor_window_class_init (KsAdvisorWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_advisor_window_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ks_advisor_window_init (KsAdvisorWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  self->cancellable = g_cancellable_new ();
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  self->page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->page), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->page));
  adw_window_set_content (ADW_WINDOW (self), box);
}
