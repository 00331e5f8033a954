/* ks-asset-file.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetFile, plus the extension → kind table that grouping and layout share. */

#include "config.h"

#include <string.h>

#include "ks-asset-file.h"

struct _KsAssetFile
{
  KsAssetFileRole  role;
  KsAssetKind      kind;
  guint64          size;
  gint64           mtime;
  const char      *name; /* points into path */
  char             path[];
};

G_DEFINE_BOXED_TYPE (KsAssetFile, ks_asset_file, ks_asset_file_ref, ks_asset_file_unref)

G_DEFINE_ENUM_TYPE (KsAssetKind, ks_asset_kind,
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_HEIC, "heic"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_JPEG, "jpeg"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_PNG, "png"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_GIF, "gif"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_DNG, "dng"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_MOV, "mov"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_MP4, "mp4"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_OTHER_PHOTO, "other-photo"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_OTHER_VIDEO, "other-video"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_SIDECAR, "sidecar"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_KIND_OTHER, "other"))

G_DEFINE_ENUM_TYPE (KsMediaType, ks_media_type,
  G_DEFINE_ENUM_VALUE (KS_MEDIA_TYPE_PHOTO, "photo"),
  G_DEFINE_ENUM_VALUE (KS_MEDIA_TYPE_VIDEO, "video"),
  G_DEFINE_ENUM_VALUE (KS_MEDIA_TYPE_OTHER, "other"))

G_DEFINE_ENUM_TYPE (KsAssetFileRole, ks_asset_file_role,
  G_DEFINE_ENUM_VALUE (KS_ASSET_FILE_ROLE_PRIMARY, "primary"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_FILE_ROLE_LIVE_VIDEO, "live-video"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_FILE_ROLE_EDITED, "edited"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO, "edited-live-video"),
  G_DEFINE_ENUM_VALUE (KS_ASSET_FILE_ROLE_SIDECAR, "sidecar"))

static const struct {
  const char  *ext;
  KsAssetKind  kind;
} kinds[] = {
  { "heic", KS_ASSET_KIND_HEIC },
  { "heif", KS_ASSET_KIND_HEIC },
  { "hif", KS_ASSET_KIND_HEIC },
  { "jpg", KS_ASSET_KIND_JPEG },
  { "jpeg", KS_ASSET_KIND_JPEG },
  { "png", KS_ASSET_KIND_PNG },
  { "gif", KS_ASSET_KIND_GIF },
  { "dng", KS_ASSET_KIND_DNG },
  { "mov", KS_ASSET_KIND_MOV },
  { "mp4", KS_ASSET_KIND_MP4 },
  { "m4v", KS_ASSET_KIND_MP4 },
  { "tif", KS_ASSET_KIND_OTHER_PHOTO },
  { "tiff", KS_ASSET_KIND_OTHER_PHOTO },
  { "webp", KS_ASSET_KIND_OTHER_PHOTO },
  { "avif", KS_ASSET_KIND_OTHER_PHOTO },
  { "bmp", KS_ASSET_KIND_OTHER_PHOTO },
  { "3gp", KS_ASSET_KIND_OTHER_VIDEO },
  { "avi", KS_ASSET_KIND_OTHER_VIDEO },
  { "aae", KS_ASSET_KIND_SIDECAR },
};

/**
 * ks_asset_kind_from_name:
 * @name: a file name (raw bytes; only the part after the last '.' matters)
 * @len: length of @name, or -1 if NUL-terminated
 *
 * Returns: the kind for the extension, case-insensitively; OTHER for any other name
 *   (no extension, an unknown one, a name that starts with its only dot), UNKNOWN only
 *   for %NULL
 */
KsAssetKind
ks_asset_kind_from_name (const char *name,
                         gssize      len)
{
  const char *dot;
  gsize ext_len;

  if (name == NULL)
    return KS_ASSET_KIND_UNKNOWN;
  if (len < 0)
    len = strlen (name);

  dot = memrchr (name, '.', len);
  if (dot == NULL || dot == name)
    return KS_ASSET_KIND_OTHER;

  ext_len = (name + len) - (dot + 1);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strlen (kinds[i].ext) == ext_len &&
        g_ascii_strncasecmp (kinds[i].ext, dot + 1, ext_len) == 0)
      return kinds[i].kind;

  return KS_ASSET_KIND_OTHER;
}

KsMediaType
ks_asset_kind_get_media_type (KsAssetKind kind)
{
  switch (kind)
    {
    case KS_ASSET_KIND_MOV:
    case KS_ASSET_KIND_MP4:
    case KS_ASSET_KIND_OTHER_VIDEO:
      return KS_MEDIA_TYPE_VIDEO;
    case KS_ASSET_KIND_OTHER:
    case KS_ASSET_KIND_SIDECAR:
      return KS_MEDIA_TYPE_OTHER;
    case KS_ASSET_KIND_UNKNOWN:
    case KS_ASSET_KIND_HEIC:
    case KS_ASSET_KIND_JPEG:
    case KS_ASSET_KIND_PNG:
    case KS_ASSET_KIND_GIF:
    case KS_ASSET_KIND_DNG:
    case KS_ASSET_KIND_OTHER_PHOTO:
    default:
      return KS_MEDIA_TYPE_PHOTO;
    }
}

const char *
ks_asset_kind_to_string (KsAssetKind kind)
{
  static const char * const names[] = {
    "unknown", "heic", "jpeg", "png", "gif", "dng", "mov", "mp4",
    "other-photo", "other-video", "sidecar", "other",
  };

  if ((guint) kind < G_N_ELEMENTS (names))
    return names[kind];
  return "unknown";
}

const char *
ks_asset_file_role_to_string (KsAssetFileRole role)
{
  static const char * const names[] = {
    "primary", "live-video", "edited", "edited-live-video", "sidecar",
  };

  if ((guint) role < G_N_ELEMENTS (names))
    return names[role];
  return "unknown";
}

/**
 * ks_asset_file_new:
 * @path: relative to the source root, raw bytes
 *
 * Returns: (transfer full): a new file description
 */
KsAssetFile *
ks_asset_file_new (KsAssetFileRole  role,
                   const char      *path,
                   guint64          size,
                   gint64           mtime)
{
  KsAssetFile *self;
  gsize len;
  const char *slash;

  g_return_val_if_fail (path != NULL, NULL);

  len = strlen (path);
  self = g_atomic_rc_box_alloc0 (sizeof (KsAssetFile) + len + 1);
  self->role = role;
  self->size = size;
  self->mtime = mtime;
  memcpy (self->path, path, len + 1);
  slash = strrchr (self->path, '/');
  self->name = slash ? slash + 1 : self->path;
  self->kind = ks_asset_kind_from_name (self->name, -1);

  return self;
}

KsAssetFile *
ks_asset_file_ref (KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
ks_asset_file_unref (KsAssetFile *self)
{
  if (self != NULL)
    g_atomic_rc_box_release (self);
}

KsAssetFileRole
ks_asset_file_get_role (const KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, KS_ASSET_FILE_ROLE_PRIMARY);
  return self->role;
}

const char *
ks_asset_file_get_path (const KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
ks_asset_file_get_name (const KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

KsAssetKind
ks_asset_file_get_kind (const KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, KS_ASSET_KIND_UNKNOWN);
  return self->kind;
}

guint64
ks_asset_file_get_size (const KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

gint64
ks_asset_file_get_mtime (const KsAssetFile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->mtime;
}
