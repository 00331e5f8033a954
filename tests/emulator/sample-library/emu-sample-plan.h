/* emu-sample-plan.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The plan of a sample library: which assets exist, their names, folders and capture times.
 * Everything here is a pure function of the seed and the options, so output is reproducible. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EMU_KIND_HEIC,       /* IMG_n.HEIC */
  EMU_KIND_JPEG,       /* IMG_n.JPG */
  EMU_KIND_PNG,        /* IMG_n.PNG, a screenshot */
  EMU_KIND_MOV,        /* IMG_n.MOV */
  EMU_KIND_MP4,        /* IMG_n.MP4 */
  EMU_KIND_LIVE,       /* IMG_n.HEIC + IMG_n.MOV */
  EMU_KIND_EDITED,     /* IMG_n.HEIC + IMG_En.HEIC + IMG_n.AAE */
  EMU_KIND_LARGE_MOV,  /* IMG_n.MOV over 4 GiB, sparse (--large) */
  EMU_N_KINDS
} EmuKind;

typedef struct
{
  guint    count;              /* assets requested */
  guint64  seed;
  gboolean fast;
  gboolean large;
  guint    files_per_folder;   /* 1000 like iOS; lower only in tests */
  guint    first_number;       /* 1 like a new phone; higher only in tests */
  guint    ios;                /* 0: no Photos.sqlite; 13..18: write one in that schema */
} EmuOptions;

typedef struct
{
  guint       index;
  EmuKind     kind;
  guint       number;          /* 1..9999 */
  guint       folder;          /* 100 for 100APPLE */
  gint64      capture_usec;    /* Unix time in microseconds, UTC */
  gint        tz_offset_min;   /* local offset written in Exif OffsetTime */
  guint       orientation;     /* Exif orientation: 1, 3, 6 or 8 */
  const char *model;
  const char *software;
  guint64     seed;            /* drives this asset's pixels */
  gboolean    in_burst;
  guint       n_frames;        /* videos */
  guint       video_variant;   /* EMU_KIND_MOV: 0 HEVC, 1 H.264, 2 HEVC shot upright (portrait) */
  /* With --ios only: an original downloaded from iCloud, kept under PhotoData/CPLAssets
   * as <uuid>.<ext> (cpl_group > 0), or one that is only in iCloud (no file written). */
  guint       cpl_group;
  gboolean    icloud_only;
  char        uuid[37];        /* ZUUID, upper-case 8-4-4-4-12 */
} EmuAsset;

GArray     *emu_plan_build           (const EmuOptions *options);
guint       emu_asset_n_files        (const EmuAsset   *asset);
const char *emu_kind_name            (EmuKind           kind);
char       *emu_asset_dup_dir        (const EmuAsset   *asset);
char       *emu_asset_dup_file_name  (const EmuAsset   *asset,
                                      const char       *prefix,
                                      const char       *extension);
guint64     emu_mix64                (guint64           x);

G_END_DECLS
