/* emu-sample-render.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Cairo + Pango drawing of sample pictures. A scene is sky, sun, hills, buildings and
 * balloons in seeded colours, plus sensor noise (which is also what gives HEIC files a
 * realistic byte size), with the file name and date written across it. */

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "emu-sample-render.h"

typedef struct { guint64 s; } Rng;

static inline guint64
rng_next (Rng *r)
{
  /* xorshift64*: fast enough for per-pixel noise. */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * G_GUINT64_CONSTANT (2685821657736338717);
}

static inline double
rng_double (Rng *r)
{
  return (rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

static void
hsv_to_rgb (double h, double s, double v, double *r, double *g, double *b)
{
  double c = v * s;
  double hp = fmod (h, 1.0) * 6.0;
  double x = c * (1 - fabs (fmod (hp, 2.0) - 1));
  double m = v - c;
  double rr = 0, gg = 0, bb = 0;

  if (hp < 1) { rr = c; gg = x; }
  else if (hp < 2) { rr = x; gg = c; }
  else if (hp < 3) { gg = c; bb = x; }
  else if (hp < 4) { gg = x; bb = c; }
  else if (hp < 5) { rr = x; bb = c; }
  else { rr = c; bb = x; }
  *r = rr + m;
  *g = gg + m;
  *b = bb + m;
}

static void
set_hsv (cairo_t *cr, double h, double s, double v, double a)
{
  double r, g, b;

  hsv_to_rgb (h, s, v, &r, &g, &b);
  cairo_set_source_rgba (cr, r, g, b, a);
}

static void
draw_text (cairo_t    *cr,
           const char *text,
           double      px,
           double      x,
           double      y,
           double      max_width,
           gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (bold ? "Sans Bold" : "Sans");
  int tw, th;

  pango_font_description_set_absolute_size (desc, MAX (px, 1) * PANGO_SCALE);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  if (tw > max_width && max_width > 0)
    {
      /* Portrait frames are narrow: shrink the text to fit rather than clip the name. */
      pango_font_description_set_absolute_size (desc, MAX (px * max_width / tw, 1) * PANGO_SCALE);
      pango_layout_set_font_description (layout, desc);
    }

  /* A soft shadow keeps the name legible on any background, thumbnails included. */
  cairo_move_to (cr, x + px * 0.06, y + px * 0.06);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  pango_cairo_show_layout (cr, layout);
  cairo_move_to (cr, x, y);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
  pango_cairo_show_layout (cr, layout);

  pango_font_description_free (desc);
  g_object_unref (layout);
}

static void
draw_scene (cairo_t            *cr,
            const EmuAsset     *asset,
            const EmuSceneSpec *spec,
            int                 w,
            int                 h)
{
  Rng rng = { spec->seed | 1 };
  double hue = rng_double (&rng);
  double horizon = h * (0.45 + 0.25 * rng_double (&rng));
  double shift = spec->frame * w * 0.02;
  int n_shapes = 3 + (int) (rng_double (&rng) * 6);
  cairo_pattern_t *pat;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *when = NULL;
  g_autofree char *line2 = NULL;
  double r, g, b;

  /* Sky */
  pat = cairo_pattern_create_linear (0, 0, 0, horizon);
  hsv_to_rgb (hue, 0.5 + 0.4 * rng_double (&rng), 0.45 + 0.3 * rng_double (&rng), &r, &g, &b);
  cairo_pattern_add_color_stop_rgb (pat, 0, r, g, b);
  hsv_to_rgb (hue + 0.1, 0.3 * rng_double (&rng), 0.95, &r, &g, &b);
  cairo_pattern_add_color_stop_rgb (pat, 1, r, g, b);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  /* Sun */
  {
    double sx = w * (0.15 + 0.7 * rng_double (&rng)) + shift;
    double sy = horizon * (0.2 + 0.5 * rng_double (&rng));
    double sr = MIN (w, h) * (0.06 + 0.1 * rng_double (&rng));

    pat = cairo_pattern_create_radial (sx, sy, sr * 0.2, sx, sy, sr * 2.5);
    cairo_pattern_add_color_stop_rgba (pat, 0, 1, 0.97, 0.8, 1);
    cairo_pattern_add_color_stop_rgba (pat, 0.4, 1, 0.85, 0.5, 0.6);
    cairo_pattern_add_color_stop_rgba (pat, 1, 1, 0.8, 0.5, 0);
    cairo_set_source (cr, pat);
    cairo_arc (cr, sx, sy, sr * 2.5, 0, 2 * G_PI);
    cairo_fill (cr);
    cairo_pattern_destroy (pat);
  }

  /* Ground */
  pat = cairo_pattern_create_linear (0, horizon, 0, h);
  hsv_to_rgb (hue + 0.35 + 0.2 * rng_double (&rng), 0.6, 0.55, &r, &g, &b);
  cairo_pattern_add_color_stop_rgb (pat, 0, r, g, b);
  hsv_to_rgb (hue + 0.45, 0.7, 0.2, &r, &g, &b);
  cairo_pattern_add_color_stop_rgb (pat, 1, r, g, b);
  cairo_set_source (cr, pat);
  cairo_rectangle (cr, 0, horizon, w, h - horizon);
  cairo_fill (cr);
  cairo_pattern_destroy (pat);

  /* Hills, houses and balloons */
  for (int i = 0; i < n_shapes; i++)
    {
      double kind = rng_double (&rng);
      double cx = w * rng_double (&rng);
      double size = MIN (w, h) * (0.08 + 0.3 * rng_double (&rng));

      set_hsv (cr, hue + rng_double (&rng), 0.3 + 0.6 * rng_double (&rng),
               0.3 + 0.6 * rng_double (&rng), 0.6 + 0.4 * rng_double (&rng));
      if (kind < 0.4)
        {
          cairo_move_to (cr, cx - size * 1.5, horizon + size * 0.1);
          cairo_curve_to (cr, cx - size * 0.5, horizon - size, cx + size * 0.3, horizon - size * 1.1,
                          cx + size * 1.6, horizon + size * 0.1);
          cairo_close_path (cr);
        }
      else if (kind < 0.75)
        {
          double bh = size * (0.6 + rng_double (&rng));

          cairo_rectangle (cr, cx, horizon - bh + size * 0.2, size * 0.6, bh);
          cairo_fill_preserve (cr);
          cairo_set_source_rgba (cr, 1, 0.95, 0.6, 0.8);
          cairo_new_path (cr);
          for (double wy = horizon - bh + size * 0.3; wy < horizon; wy += size * 0.2)
            cairo_rectangle (cr, cx + size * 0.1, wy, size * 0.12, size * 0.1),
            cairo_rectangle (cr, cx + size * 0.38, wy, size * 0.12, size * 0.1);
        }
      else
        {
          double cy = horizon * (0.2 + 0.8 * rng_double (&rng)) - spec->frame * h * 0.01;

          cairo_arc (cr, cx + shift, cy, size * 0.35, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }

  if (spec->edited)
    {
      /* "Vivid warm" with a vignette: clearly a different rendition of the same scene. */
      cairo_set_source_rgba (cr, 1.0, 0.55, 0.1, 0.25);
      cairo_paint (cr);
      pat = cairo_pattern_create_radial (w / 2.0, h / 2.0, MIN (w, h) * 0.3, w / 2.0, h / 2.0, MAX (w, h) * 0.75);
      cairo_pattern_add_color_stop_rgba (pat, 0, 0, 0, 0, 0);
      cairo_pattern_add_color_stop_rgba (pat, 1, 0, 0, 0, 0.7);
      cairo_set_source (cr, pat);
      cairo_paint (cr);
      cairo_pattern_destroy (pat);
    }

  /* The file name, big enough to read in a 320 px thumbnail. */
  dt = g_date_time_new_from_unix_utc (asset->capture_usec / G_USEC_PER_SEC);
  when = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
  if (spec->caption != NULL)
    line2 = g_strdup (spec->caption);
  else if (spec->frame > 0)
    line2 = g_strdup_printf ("%s · frame %d", when, spec->frame + 1);
  else
    line2 = g_strdup_printf ("%s · %s%s", when, asset->model, spec->edited ? " · edited" : "");
  draw_text (cr, spec->label, MIN (w, h) * 0.11, w * 0.05, h * 0.06, w * 0.9, TRUE);
  draw_text (cr, line2, MIN (w, h) * 0.045, w * 0.05, h * 0.06 + MIN (w, h) * 0.15, w * 0.9, FALSE);
}

EmuRgb *
emu_render_scene (const EmuAsset     *asset,
                  const EmuSceneSpec *spec)
{
  gboolean swap = spec->orientation == 6 || spec->orientation == 8;
  int sw = spec->long_side;
  int sh = spec->long_side * 3 / 4;
  int dw = swap ? sh : sw;
  int dh = swap ? sw : sh;
  cairo_surface_t *surface;
  cairo_t *cr;
  const guint8 *src;
  int src_stride;
  EmuRgb *rgb;
  Rng noise = { emu_mix64 (spec->seed) | 1 };

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, dw, dh);
  cr = cairo_create (surface);
  draw_scene (cr, asset, spec, dw, dh);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  src = cairo_image_surface_get_data (surface);
  src_stride = cairo_image_surface_get_stride (surface);

  rgb = g_new0 (EmuRgb, 1);
  rgb->width = sw;
  rgb->height = sh;
  rgb->pixels = g_malloc ((gsize) sw * sh * 3);

  /* Store the pixels as the sensor saw them, so that applying the Exif orientation turns
   * them back upright. Noise is added on the way. */
  for (int sy = 0; sy < sh; sy++)
    {
      guint8 *out = rgb->pixels + (gsize) sy * sw * 3;

      for (int sx = 0; sx < sw; sx++)
        {
          int dx, dy;
          guint32 px;
          int n = 0;

          switch (spec->orientation)
            {
            case 6:  dx = sh - 1 - sy; dy = sx;          break;
            case 8:  dx = sy;          dy = sw - 1 - sx; break;
            case 3:  dx = sw - 1 - sx; dy = sh - 1 - sy; break;
            default: dx = sx;          dy = sy;          break;
            }
          px = *(const guint32 *) (const void *) (src + (gsize) dy * src_stride + dx * 4);
          if (spec->noise > 0)
            n = (int) (rng_next (&noise) % (guint) (2 * spec->noise + 1)) - spec->noise;
          out[0] = CLAMP ((int) ((px >> 16) & 0xff) + n, 0, 255);
          out[1] = CLAMP ((int) ((px >> 8) & 0xff) + n, 0, 255);
          out[2] = CLAMP ((int) (px & 0xff) + n, 0, 255);
          out += 3;
        }
    }

  cairo_surface_destroy (surface);
  return rgb;
}

void
emu_rgb_free (EmuRgb *rgb)
{
  if (rgb == NULL)
    return;
  g_free (rgb->pixels);
  g_free (rgb);
}

static cairo_status_t
append_png_cb (void                *closure,
               const unsigned char *data,
               unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
emu_render_screenshot (const EmuAsset *asset,
                       const char     *label,
                       int             width,
                       int             height)
{
  Rng rng = { asset->seed | 1 };
  double hue = rng_double (&rng);
  double u = width / 390.0;   /* points → pixels, as on a 3× display */
  cairo_surface_t *surface;
  cairo_t *cr;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (asset->capture_usec / G_USEC_PER_SEC);
  g_autofree char *clock = g_date_time_format (dt, "%H:%M");
  GByteArray *png = g_byte_array_new ();
  double y;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);

  set_hsv (cr, hue, 0.05, 0.97, 1);
  cairo_paint (cr);

  /* Status bar and title */
  set_hsv (cr, hue, 0.6, 0.45, 1);
  cairo_rectangle (cr, 0, 0, width, 100 * u);
  cairo_fill (cr);
  draw_text (cr, clock, 15 * u, 28 * u, 14 * u, 0, TRUE);
  draw_text (cr, label, 30 * u, 20 * u, 45 * u, width - 40 * u, TRUE);

  /* Cards */
  y = 115 * u;
  while (y < height - 110 * u)
    {
      double ch = (60 + 80 * rng_double (&rng)) * u;

      set_hsv (cr, hue + 0.5 * rng_double (&rng), 0.4, 0.85, 1);
      cairo_new_sub_path (cr);
      cairo_arc (cr, 26 * u, y + 10 * u, 10 * u, G_PI, 1.5 * G_PI);
      cairo_arc (cr, width - 26 * u, y + 10 * u, 10 * u, 1.5 * G_PI, 2 * G_PI);
      cairo_arc (cr, width - 26 * u, y + ch - 10 * u, 10 * u, 0, 0.5 * G_PI);
      cairo_arc (cr, 26 * u, y + ch - 10 * u, 10 * u, 0.5 * G_PI, G_PI);
      cairo_close_path (cr);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
      for (double ly = y + 14 * u; ly < y + ch - 14 * u; ly += 16 * u)
        cairo_rectangle (cr, 34 * u, ly, (width - 68 * u) * (0.4 + 0.6 * rng_double (&rng)), 8 * u);
      cairo_fill (cr);
      y += ch + 12 * u;
    }

  /* Tab bar */
  cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_rectangle (cr, 0, height - 84 * u, width, 84 * u);
  cairo_fill (cr);
  for (int i = 0; i < 4; i++)
    {
      set_hsv (cr, hue, 0.6, 0.6, 1);
      cairo_arc (cr, width * (i + 0.5) / 4, height - 52 * u, 11 * u, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  cairo_destroy (cr);
  cairo_surface_write_to_png_stream (surface, append_png_cb, png);
  cairo_surface_destroy (surface);

  return g_byte_array_free_to_bytes (png);
}
