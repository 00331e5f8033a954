/* ks-photo-cell.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One tile of the photo grid: the thumbnail, the capture date and the badges (backed up, Live,
 * edited, video duration). Cells are recycled by GtkGridView, so the thumbnail is requested on
 * bind and its request cancelled on unbind; nothing of an asset outlives its binding.
 * A file that is neither photo nor video (an unknown type, a sidecar without its photo) is
 * backed up like the others; its tile shows a generic file icon and the file's name instead
 * of the date, and no thumbnail is tried: decoding a file of unknown type could read all of
 * it from the phone for nothing. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-photo-cell.h"

struct _KsPhotoCell
{
  GtkWidget             parent_instance;

  /* Owned widgets */
  GtkWidget            *overlay;
  GtkWidget            *picture;
  GtkWidget            *placeholder;
  GtkWidget            *date_label;
  GtkWidget            *copies_badge;
  GtkWidget            *copies_label;
  GtkWidget            *live_badge;
  GtkWidget            *edited_badge;
  GtkWidget            *icloud_badge;
  GtkWidget            *duration_label;

  /* Owned references while bound */
  KsAsset              *asset;
  GCancellable         *cancellable;
  char                 *date_text;

  KsPhotoCellThumbnail  thumbnail_state;
  int                   copies;
};

G_DEFINE_FINAL_TYPE (KsPhotoCell, ks_photo_cell, GTK_TYPE_WIDGET)

GtkWidget *
ks_photo_cell_new (void)
{
  return g_object_new (KS_TYPE_PHOTO_CELL, NULL);
}

static char *
format_duration (double seconds)
{
  guint total = (guint) (seconds + 0.5);

  if (total >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", total / 3600, (total / 60) % 60, total % 60);

  return g_strdup_printf ("%u:%02u", total / 60, total % 60);
}

static void
ks_photo_cell_update_accessible (KsPhotoCell *self)
{
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  g_autofree char *state = NULL;

  if (self->asset == NULL)
    return;

  name = ks_asset_dup_display_name (self->asset);

  if (self->copies > 0)
    state = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          /* Translators: accessible backed-up state of a photo */
                                          "backed up once",
                                          "backed up %d times", self->copies),
                             self->copies);
  else if (ks_asset_get_flags (self->asset) & KS_ASSET_FLAG_ICLOUD_ONLY)
    state = g_strdup (_("only in iCloud, can’t be copied over USB"));
  else if (self->copies == 0)
    state = g_strdup (_("not backed up yet"));

  if (state != NULL)
    /* Translators: a photo's accessible name: file name, date, backed-up state */
    label = g_strdup_printf (_("%s, %s, %s"), name, self->date_text, state);
  else
    /* Translators: a photo's accessible name: file name and date */
    label = g_strdup_printf (_("%s, %s"), name, self->date_text);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), label);
}

static void
ks_photo_cell_show_placeholder (KsPhotoCell *self,
                                const char  *icon_name)
{
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->placeholder), icon_name);
  gtk_widget_set_visible (self->placeholder, icon_name != NULL);
}

static void
load_thumbnail_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KsPhotoCell) self = user_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gint64 duration_ms = -1;

  pixbuf = ks_thumbnailer_load_finish (KS_THUMBNAILER (object), result, &duration_ms, &error);

  /* A cancelled request belongs to an earlier binding of this recycled cell. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->asset == NULL)
    return;

  if (pixbuf == NULL)
    {
      g_debug ("No thumbnail for %s: %s", ks_asset_get_key (self->asset), error->message);
      self->thumbnail_state = KS_PHOTO_CELL_BROKEN;
      ks_photo_cell_show_placeholder (self, "image-missing-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self), "broken");
      return;
    }

  {
    g_autoptr(GdkTexture) texture = gdk_texture_new_for_pixbuf (pixbuf);

    gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
  }
  gtk_widget_set_visible (self->placeholder, FALSE);
  self->thumbnail_state = KS_PHOTO_CELL_LOADED;

  /* The thumbnailer learns a video's length while reading it. */
  if (duration_ms > 0 && ks_asset_get_duration (self->asset) <= 0)
    {
      g_autofree char *text = format_duration (duration_ms / 1000.0);

      ks_asset_set_duration (self->asset, duration_ms / 1000.0);
      gtk_label_set_text (GTK_LABEL (self->duration_label), text);
      gtk_widget_set_visible (self->duration_label,
                              ks_asset_get_media_type (self->asset) == KS_MEDIA_TYPE_VIDEO);
    }
}

void
ks_photo_cell_set_copies (KsPhotoCell *self,
                          int          copies)
{
  g_return_if_fail (KS_IS_PHOTO_CELL (self));

  if (self->copies == copies)
    return;

  self->copies = copies;
  gtk_widget_set_visible (self->copies_badge, copies > 0);
  if (copies > 1)
    {
      g_autofree char *text = g_strdup_printf ("%d", copies);

      gtk_label_set_text (GTK_LABEL (self->copies_label), text);
      gtk_widget_set_visible (self->copies_label, TRUE);
    }
  else
    gtk_widget_set_visible (self->copies_label, FALSE);

  ks_photo_cell_update_accessible (self);
}

int
ks_photo_cell_get_copies (KsPhotoCell *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_CELL (self), -1);

  return self->copies;
}

void
ks_photo_cell_bind (KsPhotoCell *self,
                    KsAsset     *asset,
                    int          copies)
{
  g_autoptr(GDateTime) date = NULL;
  gboolean is_video;
  gboolean is_other;

  g_return_if_fail (KS_IS_PHOTO_CELL (self));
  g_return_if_fail (KS_IS_ASSET (asset));

  ks_photo_cell_unbind (self);

  self->asset = g_object_ref (asset);
  self->cancellable = g_cancellable_new ();

  date = ks_asset_dup_capture_date (asset);
  /* Translators: a photo's capture date in the grid, see g_date_time_format() */
  self->date_text = date ? g_date_time_format (date, _("%-d %b %Y")) : g_strdup ("");
  g_strstrip (self->date_text);
  is_other = ks_asset_get_media_type (asset) == KS_MEDIA_TYPE_OTHER;
  if (is_other)
    {
      g_autofree char *name = ks_asset_dup_display_name (asset);

      /* The name says what the file is; keep its extension in sight. */
      gtk_label_set_text (GTK_LABEL (self->date_label), name);
      gtk_label_set_ellipsize (GTK_LABEL (self->date_label), PANGO_ELLIPSIZE_MIDDLE);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (self->date_label), self->date_text);
      gtk_label_set_ellipsize (GTK_LABEL (self->date_label), PANGO_ELLIPSIZE_END);
    }

  is_video = ks_asset_get_media_type (asset) == KS_MEDIA_TYPE_VIDEO;
  gtk_widget_set_visible (self->live_badge, ks_asset_is_live (asset));
  gtk_widget_set_visible (self->edited_badge, ks_asset_is_edited (asset));
  gtk_widget_set_visible (self->icloud_badge, (ks_asset_get_flags (asset) & KS_ASSET_FLAG_ICLOUD_ONLY) != 0);
  if (is_video && ks_asset_get_duration (asset) > 0)
    {
      g_autofree char *text = format_duration (ks_asset_get_duration (asset));

      gtk_label_set_text (GTK_LABEL (self->duration_label), text);
      gtk_widget_set_visible (self->duration_label, TRUE);
    }
  else
    gtk_widget_set_visible (self->duration_label, FALSE);

  self->copies = G_MININT;
  ks_photo_cell_set_copies (self, copies);

  /* The original is not on the phone: nothing to read a thumbnail from. */
  if (ks_asset_get_flags (asset) & KS_ASSET_FLAG_ICLOUD_ONLY)
    {
      self->thumbnail_state = KS_PHOTO_CELL_NO_PREVIEW;
      gtk_widget_add_css_class (GTK_WIDGET (self), "icloud-only");
      ks_photo_cell_show_placeholder (self, "weather-overcast-symbolic");
      return;
    }

  if (is_other)
    {
      self->thumbnail_state = KS_PHOTO_CELL_NO_PREVIEW;
      gtk_widget_add_css_class (GTK_WIDGET (self), "other-file");
      ks_photo_cell_show_placeholder (self, "text-x-generic-symbolic");
      return;
    }

  self->thumbnail_state = KS_PHOTO_CELL_EMPTY;
  ks_photo_cell_show_placeholder (self, is_video ? "video-x-generic-symbolic"
                                                 : "image-x-generic-symbolic");
}

/**
 * ks_photo_cell_request_thumbnail:
 *
 * Asks @thumbnailer for the bound asset's thumbnail, once per binding. The grid calls it
 * for the cells on screen and a little ahead, so off-screen cells cost no decoding.
 */
void
ks_photo_cell_request_thumbnail (KsPhotoCell   *self,
                                 KsSource      *source,
                                 KsThumbnailer *thumbnailer)
{
  KsAssetFile *primary;

  g_return_if_fail (KS_IS_PHOTO_CELL (self));

  if (self->asset == NULL || self->thumbnail_state != KS_PHOTO_CELL_EMPTY
      || source == NULL || thumbnailer == NULL)
    return;

  primary = ks_asset_get_primary (self->asset);
  self->thumbnail_state = KS_PHOTO_CELL_LOADING;
  ks_thumbnailer_load_async (thumbnailer,
                             source,
                             ks_asset_file_get_path (primary),
                             ks_asset_file_get_size (primary),
                             ks_asset_file_get_mtime (primary),
                             KS_THUMBNAILER_DEFAULT_SIZE,
                             self->cancellable,
                             load_thumbnail_cb,
                             g_object_ref (self));
}

void
ks_photo_cell_unbind (KsPhotoCell *self)
{
  g_return_if_fail (KS_IS_PHOTO_CELL (self));

  /* Scrolling past a cell must not leave its decode queued on the workers. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->asset);
  g_clear_pointer (&self->date_text, g_free);

  self->thumbnail_state = KS_PHOTO_CELL_EMPTY;
  gtk_widget_remove_css_class (GTK_WIDGET (self), "broken");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "other-file");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "icloud-only");
  ks_photo_cell_show_placeholder (self, NULL);
}

KsAsset *
ks_photo_cell_get_asset (KsPhotoCell *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_CELL (self), NULL);

  return self->asset;
}

KsPhotoCellThumbnail
ks_photo_cell_get_thumbnail_state (KsPhotoCell *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_CELL (self), KS_PHOTO_CELL_EMPTY);

  return self->thumbnail_state;
}

const char *
ks_photo_cell_get_date_text (KsPhotoCell *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_CELL (self), NULL);

  return self->date_text;
}

/* What the tile's bottom line shows: the date, or the file name of an other file. */
const char *
ks_photo_cell_get_caption (KsPhotoCell *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_CELL (self), NULL);

  return gtk_label_get_text (GTK_LABEL (self->date_label));
}

static GtkWidget *
badge_new (const char *icon_name,
           const char *tooltip)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (image, "badge");
  /* Returned hidden, and the tooltip set while hidden: on a shown widget GTK 4.8 asks the
   * X server where the pointer is at every tooltip change, a round trip per badge, and the
   * grid makes some 360 cells when the first folder is listed (0.3 s of the first screen). */
  gtk_widget_set_visible (image, FALSE);
  gtk_widget_set_tooltip_text (image, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  return image;
}

static void
ks_photo_cell_dispose (GObject *object)
{
  KsPhotoCell *self = (KsPhotoCell *)object;

  ks_photo_cell_unbind (self);
  g_clear_pointer (&self->overlay, gtk_widget_unparent);

  G_OBJECT_CLASS (ks_photo_cell_parent_class)->dispose (object);
}

static void
ks_photo_cell_class_init (KsPhotoCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_photo_cell_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "photocell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ks_photo_cell_init (KsPhotoCell *self)
{
  GtkWidget *top_box;
  GtkWidget *bottom_box;
  GtkWidget *badge;

  self->copies = -1;

  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_size_request (GTK_WIDGET (self), 148, 148);

  self->picture = gtk_picture_new ();
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture), GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), TRUE);
  gtk_widget_add_css_class (self->picture, "thumbnail");
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), self->picture);

  self->placeholder = gtk_image_new ();
  gtk_image_set_pixel_size (GTK_IMAGE (self->placeholder), 48);
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_widget_set_halign (self->placeholder, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->placeholder, GTK_ALIGN_CENTER);
  gtk_widget_set_can_target (self->placeholder, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->placeholder);

  /* Top row: backed-up check (with the number of copies when more than one) on the left,
   * Live and edited on the right. */
  top_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_valign (top_box, GTK_ALIGN_START);
  gtk_widget_set_can_target (top_box, FALSE);
  gtk_widget_add_css_class (top_box, "badges");

  self->copies_badge = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_widget_add_css_class (self->copies_badge, "backed-up");
  badge = badge_new ("emblem-ok-symbolic", _("Backed up"));
  gtk_widget_set_visible (badge, TRUE);
  gtk_box_append (GTK_BOX (self->copies_badge), badge);
  self->copies_label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (self->copies_badge), self->copies_label);
  gtk_widget_set_visible (self->copies_badge, FALSE);
  gtk_box_append (GTK_BOX (top_box), self->copies_badge);

  self->live_badge = badge_new ("camera-photo-symbolic", _("Live Photo"));
  gtk_widget_set_hexpand (self->live_badge, TRUE);
  gtk_widget_set_halign (self->live_badge, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (top_box), self->live_badge);
  self->edited_badge = badge_new ("document-edit-symbolic", _("Edited"));
  gtk_box_append (GTK_BOX (top_box), self->edited_badge);
  self->icloud_badge = badge_new ("weather-overcast-symbolic", _("Only in iCloud"));
  gtk_widget_set_hexpand (self->icloud_badge, TRUE);
  gtk_widget_set_halign (self->icloud_badge, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (top_box), self->icloud_badge);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), top_box);

  /* Bottom row: the capture date, and a video's length. */
  bottom_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_valign (bottom_box, GTK_ALIGN_END);
  gtk_widget_set_can_target (bottom_box, FALSE);
  gtk_widget_add_css_class (bottom_box, "caption");

  self->date_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->date_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->date_label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->date_label, TRUE);
  gtk_box_append (GTK_BOX (bottom_box), self->date_label);

  self->duration_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->duration_label, "numeric");
  gtk_widget_set_visible (self->duration_label, FALSE);
  gtk_box_append (GTK_BOX (bottom_box), self->duration_label);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), bottom_box);
}
