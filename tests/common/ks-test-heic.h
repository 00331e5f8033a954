/* ks-test-heic.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* HEIC photos as an iPhone writes them, made with libheif: any size and orientation (irot/imir
 * and the Exif tag), Exif with a camera model, a capture date and GPS, and an ICC profile or
 * nclx colour on request. */

#pragma once

#include <glib.h>
#include <libheif/heif.h>

G_BEGIN_DECLS

#define KS_TEST_HEIC_DATE  "2024:05:17 09:41:07"
#define KS_TEST_HEIC_MODEL "iPhone 15 Pro"

typedef struct
{
  int          width;
  int          height;
  guint        orientation;  /* 1–8: irot/imir and the Exif tag */
  GBytes      *icc;          /* (nullable) */
  int          nclx_primaries; /* 0: libheif's default */
  int          nclx_matrix;    /* with nclx_primaries; 0: BT.601 */
  gboolean     limited_range;
  const guint8 *solid;       /* (nullable) one colour instead of the pattern */
  gboolean     no_exif;
} KsTestHeicSpec;

GBytes *ks_test_make_heic_photo (const KsTestHeicSpec *spec);
/* A Display P3 profile, so that "kept" cannot mean "an sRGB a reader assumed". */
GBytes *ks_test_make_p3_icc     (void);
/* g_error()s with libheif's message unless @err is Ok. */
void    ks_test_check_heif      (struct heif_error     err);

G_END_DECLS
