/* emu-sample-plan.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Builds the asset list: kinds, IMG numbers, DCIM folders (≤ N files each, new folder when the
 * counter wraps after 9999, as iOS does), capture dates that mostly grow with the number,
 * one burst, camera models that fit the year. */

#include "emu-sample-plan.h"

/* 2019-03-01T00:00:00Z .. 2026-09-01T00:00:00Z */
#define PLAN_START_SEC G_GINT64_CONSTANT (1551398400)
#define PLAN_END_SEC   G_GINT64_CONSTANT (1788220800)

static const struct { int year; const char *model; const char *software; } models_by_year[] = {
  { 2019, "iPhone XS",         "12.4.1" },
  { 2020, "iPhone 11 Pro",     "13.5.1" },
  { 2021, "iPhone 12",         "14.6" },
  { 2022, "iPhone 13 Pro",     "15.5" },
  { 2023, "iPhone 14 Pro",     "16.5" },
  { 2024, "iPhone 15",         "17.5.1" },
  { 2025, "iPhone 16 Pro",     "18.5" },
  { 2026, "iPhone 17 Pro Max", "26.1" },
};

guint64
emu_mix64 (guint64 x)
{
  /* splitmix64 finaliser: a cheap, well-spread hash for per-asset seeds. */
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

const char *
emu_kind_name (EmuKind kind)
{
  static const char *names[] = { "heic", "jpeg", "png", "mov", "mp4", "live", "edited", "large-mov" };

  g_return_val_if_fail (kind < EMU_N_KINDS, "?");
  return names[kind];
}

guint
emu_asset_n_files (const EmuAsset *asset)
{
  switch (asset->kind)
    {
    case EMU_KIND_LIVE:
      return 2;
    case EMU_KIND_EDITED:
      return 3;
    case EMU_KIND_HEIC:
    case EMU_KIND_JPEG:
    case EMU_KIND_PNG:
    case EMU_KIND_MOV:
    case EMU_KIND_MP4:
    case EMU_KIND_LARGE_MOV:
    case EMU_N_KINDS:
    default:
      return 1;
    }
}

char *
emu_asset_dup_dir (const EmuAsset *asset)
{
  if (asset->cpl_group > 0)
    return g_strdup_printf ("PhotoData/CPLAssets/group%u", asset->cpl_group);
  return g_strdup_printf ("DCIM/%03uAPPLE", asset->folder);
}

char *
emu_asset_dup_file_name (const EmuAsset *asset,
                         const char     *prefix,
                         const char     *extension)
{
  /* iCloud downloads are named by their UUID, not by a camera counter. */
  if (asset->cpl_group > 0)
    return g_strdup_printf ("%s.%s", asset->uuid, extension);
  return g_strdup_printf ("%s%04u.%s", prefix, asset->number, extension);
}

static void
set_uuid (EmuAsset *asset)
{
  guint64 a = emu_mix64 (asset->seed ^ 0x5555AAAA);
  guint64 b = emu_mix64 (a);

  g_snprintf (asset->uuid, sizeof asset->uuid, "%08X-%04X-%04X-%04X-%012" G_GINT64_MODIFIER "X",
              (guint32) (a >> 32), (guint) (a >> 16) & 0xFFFF, (guint) a & 0xFFFF,
              (guint) (b >> 48), b & G_GUINT64_CONSTANT (0xFFFFFFFFFFFF));
}

static EmuKind
pick_kind (GRand *rand)
{
  /* Roughly a modern camera roll: mostly HEIC, a good share of Live Photos. */
  static const struct { EmuKind kind; int weight; } mix[] = {
    { EMU_KIND_HEIC,   40 },
    { EMU_KIND_LIVE,   16 },
    { EMU_KIND_JPEG,   12 },
    { EMU_KIND_PNG,     9 },
    { EMU_KIND_EDITED,  7 },
    { EMU_KIND_MOV,    11 },
    { EMU_KIND_MP4,     5 },
  };
  int total = 0;
  int r;

  for (guint i = 0; i < G_N_ELEMENTS (mix); i++)
    total += mix[i].weight;
  r = g_rand_int_range (rand, 0, total);
  for (guint i = 0; i < G_N_ELEMENTS (mix); i++)
    {
      if (r < mix[i].weight)
        return mix[i].kind;
      r -= mix[i].weight;
    }
  return EMU_KIND_HEIC;
}

static guint
pick_orientation (GRand   *rand,
                  EmuKind  kind)
{
  int r;

  /* Screenshots and videos carry no Exif orientation. */
  if (kind == EMU_KIND_PNG || kind == EMU_KIND_MOV || kind == EMU_KIND_MP4 || kind == EMU_KIND_LARGE_MOV)
    return 1;
  r = g_rand_int_range (rand, 0, 100);
  if (r < 55)
    return 6;   /* held upright: the usual iPhone photo */
  if (r < 85)
    return 1;
  if (r < 93)
    return 8;
  return 3;
}

static void
set_model (EmuAsset *asset)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (asset->capture_usec / G_USEC_PER_SEC);
  int year = g_date_time_get_year (dt);

  asset->model = models_by_year[0].model;
  asset->software = models_by_year[0].software;
  for (guint i = 0; i < G_N_ELEMENTS (models_by_year); i++)
    if (models_by_year[i].year <= year)
      {
        asset->model = models_by_year[i].model;
        asset->software = models_by_year[i].software;
      }
}

/* With a Photos library (--ios): originals downloaded from iCloud into PhotoData/CPLAssets
 * (photos taken on another device), and photos whose originals are only in iCloud ("Optimize
 * iPhone Storage"): the database knows them, DCIM does not have them. Appended after the
 * camera roll so that the DCIM files stay what they are without --ios. */
static void
add_library_extras (GArray           *plan,
                    const EmuOptions *options,
                    GRand            *rand,
                    guint             number,
                    guint             folder)
{
  guint n_cpl = MAX (2, options->count / 20);
  guint n_cloud = MAX (3, options->count / 10);
  guint base = plan->len;

  for (guint k = 0; k < n_cpl + n_cloud; k++)
    {
      EmuAsset asset = { 0 };
      guint i = base + k;

      asset.index = i;
      asset.seed = emu_mix64 (options->seed ^ emu_mix64 (i + 1) ^ 0xC10D);
      asset.capture_usec = (PLAN_START_SEC + (gint64) g_rand_int_range (rand, 0, 86400 * 2000)) * G_USEC_PER_SEC;
      asset.tz_offset_min = 60;
      asset.orientation = 1;
      set_model (&asset);
      if (k < n_cpl)
        {
          asset.kind = k % 2 == 0 ? EMU_KIND_JPEG : EMU_KIND_HEIC;
          asset.cpl_group = 1 + k % 3;
          asset.folder = folder;
          asset.number = number;
        }
      else
        {
          /* Shot on this phone, evicted since: the camera counter went on past them. */
          asset.kind = (k - n_cpl) % 3 == 2 ? EMU_KIND_MOV : EMU_KIND_HEIC;
          asset.n_frames = 4;
          asset.icloud_only = TRUE;
          asset.folder = folder;
          asset.number = number;
          number = number >= 9999 ? 1 : number + 1;
        }
      set_uuid (&asset);
      g_array_append_val (plan, asset);
    }
}

GArray *
emu_plan_build (const EmuOptions *options)
{
  /* The first assets cycle through every kind so that even a tiny library has one of each. */
  static const EmuKind first_kinds[] = {
    EMU_KIND_HEIC, EMU_KIND_LIVE, EMU_KIND_JPEG, EMU_KIND_EDITED,
    EMU_KIND_MOV, EMU_KIND_PNG, EMU_KIND_MP4, EMU_KIND_HEIC,
  };
  g_autoptr(GArray) plan = NULL;
  g_autoptr(GRand) rand = NULL;
  guint n_total;
  guint burst_start = G_MAXUINT;
  guint burst_len = 0;
  guint number;
  guint folder = 100;
  guint files_in_folder = 0;
  guint n_movies = 0;
  gint64 step_usec;
  gint64 burst_time = 0;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->files_per_folder >= 3, NULL);
  g_return_val_if_fail (options->first_number >= 1 && options->first_number <= 9999, NULL);

  n_total = options->count + (options->large ? 1 : 0);
  plan = g_array_sized_new (FALSE, TRUE, sizeof (EmuAsset), n_total);
  rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) options->seed,
                                                         (guint32) (options->seed >> 32) }, 2);

  if (options->count >= 20)
    {
      burst_len = g_rand_int_range (rand, 5, 11);
      burst_start = g_rand_int_range (rand, options->count / 3, options->count - burst_len);
    }

  step_usec = (PLAN_END_SEC - PLAN_START_SEC) * G_USEC_PER_SEC / MAX (n_total, 1);
  number = options->first_number;

  for (guint i = 0; i < n_total; i++)
    {
      EmuAsset asset = { 0 };
      guint n_files;

      asset.index = i;
      asset.seed = emu_mix64 (options->seed ^ emu_mix64 (i + 1));

      if (options->large && i == n_total - 1)
        asset.kind = EMU_KIND_LARGE_MOV;
      else if (i >= burst_start && i < burst_start + burst_len)
        {
          asset.kind = EMU_KIND_HEIC;
          asset.in_burst = TRUE;
        }
      else if (i < G_N_ELEMENTS (first_kinds))
        asset.kind = first_kinds[i];
      else
        asset.kind = pick_kind (rand);

      asset.orientation = pick_orientation (rand, asset.kind);

      /* Dates grow with the number; a few screenshots and saved images land out of order,
       * as on a real phone. */
      asset.capture_usec = PLAN_START_SEC * G_USEC_PER_SEC + step_usec * i
                           + (gint64) (g_rand_double (rand) * step_usec * 0.8);
      asset.capture_usec -= asset.capture_usec % G_USEC_PER_SEC;
      if (g_rand_int_range (rand, 0, 100) < 3)
        asset.capture_usec -= (gint64) g_rand_int_range (rand, 1, 60 * 24) * 3600 * G_USEC_PER_SEC;
      if (asset.in_burst)
        {
          /* About ten frames a second: several shots share each second. */
          if (i == burst_start)
            burst_time = asset.capture_usec;
          asset.capture_usec = burst_time + (gint64) (i - burst_start) * 100 * 1000;
        }
      asset.tz_offset_min = (g_rand_int_range (rand, 0, 3) - 1) * 60 + 60;   /* +00:00, +01:00, +02:00 */
      set_model (&asset);

      switch (asset.kind)
        {
        case EMU_KIND_LIVE:
          asset.n_frames = 3;
          break;
        case EMU_KIND_MOV:
          asset.n_frames = g_rand_int_range (rand, 4, 9);
          /* In turn, so that a small library has each (no draw: the rest stays as it was). */
          asset.video_variant = n_movies++ % 3;
          break;
        case EMU_KIND_MP4:
        case EMU_KIND_LARGE_MOV:
          asset.n_frames = g_rand_int_range (rand, 4, 9);
          break;
        case EMU_KIND_HEIC:
        case EMU_KIND_JPEG:
        case EMU_KIND_PNG:
        case EMU_KIND_EDITED:
        case EMU_N_KINDS:
        default:
          break;
        }

      /* A Live pair or an edit stays together in one folder. */
      n_files = emu_asset_n_files (&asset);
      if (files_in_folder + n_files > options->files_per_folder)
        {
          folder++;
          files_in_folder = 0;
        }
      asset.folder = folder;
      asset.number = number;
      files_in_folder += n_files;

      number++;
      if (number > 9999)
        {
          /* iOS starts a new folder when the counter wraps, so IMG_0001 can exist twice. */
          number = 1;
          folder++;
          files_in_folder = 0;
        }

      set_uuid (&asset);
      g_array_append_val (plan, asset);
    }

  if (options->ios > 0)
    add_library_extras (plan, options, rand, number, folder);

  return g_steal_pointer (&plan);
}
