/* ks-asset.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAsset: a primary file plus companions. Files are fixed once the grouper hands the
 * asset out; only the capture time, duration and orientation change later (with notify). */

#include "config.h"

#include <string.h>

#include "ks-asset.h"

struct _KsAsset
{
  GObject      parent_instance;

  char        *source_id;
  char        *folder;
  char        *stem;
  GPtrArray   *files; /* KsAssetFile, primary at index 0 */

  gint64       capture_time;
  double       duration;
  int          utc_offset;
  guint        orientation : 4;
  guint        capture_time_is_exact : 1;
  guint        has_utc_offset : 1;
  KsAssetFlags flags;
  gint64       trashed_time;
  GStrv        albums;
};

G_DEFINE_FINAL_TYPE (KsAsset, ks_asset, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_MEDIA_TYPE,
  PROP_LIVE,
  PROP_EDITED,
  PROP_CAPTURE_TIME,
  PROP_DURATION,
  PROP_ORIENTATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_asset_finalize (GObject *object)
{
  KsAsset *self = (KsAsset *)object;

  g_clear_pointer (&self->source_id, g_free);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->stem, g_free);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_pointer (&self->albums, g_strfreev);

  G_OBJECT_CLASS (ks_asset_parent_class)->finalize (object);
}

static void
ks_asset_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  KsAsset *self = KS_ASSET (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, ks_asset_get_kind (self));
      break;

    case PROP_MEDIA_TYPE:
      g_value_set_enum (value, ks_asset_get_media_type (self));
      break;

    case PROP_LIVE:
      g_value_set_boolean (value, ks_asset_is_live (self));
      break;

    case PROP_EDITED:
      g_value_set_boolean (value, ks_asset_is_edited (self));
      break;

    case PROP_CAPTURE_TIME:
      g_value_set_int64 (value, ks_asset_get_capture_time (self));
      break;

    case PROP_DURATION:
      g_value_set_double (value, ks_asset_get_duration (self));
      break;

    case PROP_ORIENTATION:
      g_value_set_uint (value, ks_asset_get_orientation (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_asset_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  KsAsset *self = KS_ASSET (object);

  switch (prop_id)
    {
    case PROP_DURATION:
      ks_asset_set_duration (self, g_value_get_double (value));
      break;

    case PROP_ORIENTATION:
      ks_asset_set_orientation (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_asset_class_init (KsAssetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_asset_finalize;
  object_class->get_property = ks_asset_get_property;
  object_class->set_property = ks_asset_set_property;

  /* Fixed once the grouper hands the asset out, so they never notify. */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       KS_TYPE_ASSET_KIND, KS_ASSET_KIND_UNKNOWN,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_MEDIA_TYPE] =
    g_param_spec_enum ("media-type", NULL, NULL,
                       KS_TYPE_MEDIA_TYPE, KS_MEDIA_TYPE_PHOTO,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_LIVE] =
    g_param_spec_boolean ("live", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_EDITED] =
    g_param_spec_boolean ("edited", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_CAPTURE_TIME] =
    g_param_spec_int64 ("capture-time", NULL, NULL,
                        G_MININT64, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DURATION] =
    g_param_spec_double ("duration", NULL, NULL,
                         0, G_MAXDOUBLE, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ORIENTATION] =
    g_param_spec_uint ("orientation", NULL, NULL,
                       1, 8, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_asset_init (KsAsset *self)
{
  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_asset_file_unref);
  self->orientation = 1;
}

/**
 * ks_asset_new:
 * @source_id: the id of the source the files come from
 * @primary: (transfer none): the photo or video
 *
 * Returns: (transfer full): a new asset whose capture time is @primary's mtime
 */
KsAsset *
ks_asset_new (const char  *source_id,
              KsAssetFile *primary)
{
  KsAsset *self;
  const char *path;
  const char *name;
  const char *dot;

  g_return_val_if_fail (source_id != NULL, NULL);
  g_return_val_if_fail (primary != NULL, NULL);

  self = g_object_new (KS_TYPE_ASSET, NULL);
  self->source_id = g_strdup (source_id);
  g_ptr_array_add (self->files, ks_asset_file_ref (primary));

  path = ks_asset_file_get_path (primary);
  name = ks_asset_file_get_name (primary);
  self->folder = g_strndup (path, name > path ? (gsize) (name - path - 1) : 0);
  dot = strrchr (name, '.');
  self->stem = dot && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  self->capture_time = ks_asset_file_get_mtime (primary);

  return self;
}

static int
compare_by_role (gconstpointer a,
                 gconstpointer b)
{
  const KsAssetFile *fa = *(const KsAssetFile * const *)a;
  const KsAssetFile *fb = *(const KsAssetFile * const *)b;
  int ra = ks_asset_file_get_role (fa);
  int rb = ks_asset_file_get_role (fb);

  if (ra != rb)
    return ra < rb ? -1 : 1;
  return strcmp (ks_asset_file_get_path (fa), ks_asset_file_get_path (fb));
}

void
ks_asset_add_file (KsAsset     *self,
                   KsAssetFile *file)
{
  g_return_if_fail (KS_IS_ASSET (self));
  g_return_if_fail (file != NULL);
  g_return_if_fail (ks_asset_file_get_role (file) != KS_ASSET_FILE_ROLE_PRIMARY);

  g_ptr_array_add (self->files, ks_asset_file_ref (file));
  /* Stable order (primary, live, edited, edited live, sidecars) so callers and
   * tests see the same thing whatever order the walk found the files in. */
  if (self->files->len > 2)
    g_ptr_array_sort (self->files, compare_by_role);
}

const char *
ks_asset_get_source_id (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return self->source_id;
}

const char *
ks_asset_get_key (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return ks_asset_file_get_path (g_ptr_array_index (self->files, 0));
}

const char *
ks_asset_get_folder (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return self->folder;
}

const char *
ks_asset_get_name (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return ks_asset_file_get_name (g_ptr_array_index (self->files, 0));
}

const char *
ks_asset_get_stem (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return self->stem;
}

char *
ks_asset_dup_display_name (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return g_utf8_make_valid (ks_asset_get_name (self), -1);
}

KsAssetKind
ks_asset_get_kind (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), KS_ASSET_KIND_UNKNOWN);
  return ks_asset_file_get_kind (g_ptr_array_index (self->files, 0));
}

KsMediaType
ks_asset_get_media_type (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), KS_MEDIA_TYPE_PHOTO);
  return ks_asset_kind_get_media_type (ks_asset_get_kind (self));
}

KsAssetFile *
ks_asset_get_primary (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return g_ptr_array_index (self->files, 0);
}

GPtrArray *
ks_asset_get_files (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return self->files;
}

KsAssetFile *
ks_asset_get_file_for_role (KsAsset         *self,
                            KsAssetFileRole  role)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);

  for (guint i = 0; i < self->files->len; i++)
    {
      KsAssetFile *file = g_ptr_array_index (self->files, i);

      if (ks_asset_file_get_role (file) == role)
        return file;
    }

  return NULL;
}

guint64
ks_asset_get_total_size (KsAsset *self)
{
  guint64 total = 0;

  g_return_val_if_fail (KS_IS_ASSET (self), 0);

  for (guint i = 0; i < self->files->len; i++)
    total += ks_asset_file_get_size (g_ptr_array_index (self->files, i));

  return total;
}

gboolean
ks_asset_is_live (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), FALSE);
  return ks_asset_get_file_for_role (self, KS_ASSET_FILE_ROLE_LIVE_VIDEO) != NULL;
}

gboolean
ks_asset_is_edited (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), FALSE);
  return ks_asset_get_file_for_role (self, KS_ASSET_FILE_ROLE_EDITED) != NULL ||
         ks_asset_get_file_for_role (self, KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO) != NULL;
}

gint64
ks_asset_get_capture_time (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), 0);
  return self->capture_time;
}

gboolean
ks_asset_get_capture_time_is_exact (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), FALSE);
  return self->capture_time_is_exact;
}

void
ks_asset_set_capture_time (KsAsset  *self,
                           gint64    unix_time,
                           gboolean  is_exact)
{
  g_return_if_fail (KS_IS_ASSET (self));

  self->capture_time_is_exact = !!is_exact;
  if (self->capture_time == unix_time)
    return;

  self->capture_time = unix_time;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTURE_TIME]);
}

gboolean
ks_asset_get_utc_offset (KsAsset *self,
                         int     *seconds)
{
  g_return_val_if_fail (KS_IS_ASSET (self), FALSE);

  if (seconds != NULL)
    *seconds = self->has_utc_offset ? self->utc_offset : 0;
  return self->has_utc_offset;
}

void
ks_asset_set_utc_offset (KsAsset *self,
                         int      seconds)
{
  g_return_if_fail (KS_IS_ASSET (self));
  g_return_if_fail (seconds >= -14 * 3600 && seconds <= 14 * 3600);

  self->utc_offset = seconds;
  self->has_utc_offset = TRUE;
}

/**
 * ks_asset_dup_capture_date:
 *
 * A photo taken at 00:30 on New Year's Day in Tokyo belongs to the new year,
 * wherever it is backed up; so the asset's own offset wins when known.
 *
 * Returns: (transfer full) (nullable): the capture time in the zone it was
 *   taken in (else the local zone), or %NULL if out of GDateTime's range
 */
GDateTime *
ks_asset_dup_capture_date (KsAsset *self)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GTimeZone) tz = NULL;

  g_return_val_if_fail (KS_IS_ASSET (self), NULL);

  if (!self->has_utc_offset)
    return g_date_time_new_from_unix_local (self->capture_time);

  utc = g_date_time_new_from_unix_utc (self->capture_time);
  if (utc == NULL)
    return NULL;
  tz = g_time_zone_new_offset (self->utc_offset);
  return g_date_time_to_timezone (utc, tz);
}

double
ks_asset_get_duration (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), 0);
  return self->duration;
}

void
ks_asset_set_duration (KsAsset *self,
                       double   duration)
{
  g_return_if_fail (KS_IS_ASSET (self));

  if (duration < 0)
    duration = 0;
  if (self->duration == duration)
    return;

  self->duration = duration;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURATION]);
}

guint
ks_asset_get_orientation (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), 1);
  return self->orientation;
}

void
ks_asset_set_orientation (KsAsset *self,
                          guint    orientation)
{
  g_return_if_fail (KS_IS_ASSET (self));

  if (orientation < 1 || orientation > 8)
    orientation = 1;
  if (self->orientation == orientation)
    return;

  self->orientation = orientation;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORIENTATION]);
}

int
ks_asset_compare_newest_first (KsAsset *a,
                               KsAsset *b)
{
  if (a->capture_time != b->capture_time)
    return a->capture_time > b->capture_time ? -1 : 1;
  return strcmp (ks_asset_get_key (a), ks_asset_get_key (b));
}

/**
 * ks_asset_set_library_info:
 * @albums: (nullable) (array zero-terminated=1): album paths, copied
 *
 * What the phone's Photos library says of the asset. Only while building (before the asset is
 * shared with other threads).
 */
void
ks_asset_set_library_info (KsAsset            *self,
                           KsAssetFlags        flags,
                           gint64              trashed_time,
                           const char * const *albums)
{
  g_return_if_fail (KS_IS_ASSET (self));

  self->flags = flags;
  self->trashed_time = trashed_time;
  g_clear_pointer (&self->albums, g_strfreev);
  if (albums != NULL && albums[0] != NULL)
    self->albums = g_strdupv ((char **) albums);
}

KsAssetFlags
ks_asset_get_flags (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), KS_ASSET_FLAG_NONE);
  return self->flags;
}

gint64
ks_asset_get_trashed_time (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), 0);
  return self->trashed_time;
}

/* Returns: (transfer none) (nullable) (array zero-terminated=1): album paths ("Trips/Italy"). */
const char * const *
ks_asset_get_albums (KsAsset *self)
{
  g_return_val_if_fail (KS_IS_ASSET (self), NULL);
  return (const char * const *) self->albums;
}

gboolean
ks_asset_is_in_album (KsAsset    *self,
                      const char *album)
{
  g_return_val_if_fail (KS_IS_ASSET (self), FALSE);
  g_return_val_if_fail (album != NULL, FALSE);
  return self->albums != NULL && g_strv_contains ((const char * const *) self->albums, album);
}
