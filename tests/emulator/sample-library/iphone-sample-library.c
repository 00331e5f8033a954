/* iphone-sample-library.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* iphone-sample-library: writes a deterministic iPhone media root (DCIM/100APPLE …) of HEIC,
 * JPEG, PNG, MOV and MP4 files, Live Photo pairs, edits with .AAE sidecars and a burst, for
 * the emulated iPhone, the tests, the benchmarks and the demo. See README.md. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "emu-sample-aae.h"
#include "emu-sample-exif.h"
#include "emu-sample-heic.h"
#include "emu-sample-jpeg.h"
#include "emu-sample-movie.h"
#include "emu-sample-photosdb.h"
#include "emu-sample-plan.h"
#include "emu-sample-render.h"
#include "emu-sample-video.h"

#define LARGE_MOVIE_SIZE (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024 + 256 * 1024 * 1024)

/* Default mode sizes: HEIC 1–3 MB at ~0.3 s of x265 each; see README.md for measurements. */
typedef struct
{
  int heic_long_side;
  int heic_noise;
  int heic_quality;
  int jpeg_long_side;
  int jpeg_noise;
  int jpeg_quality;
  int png_width;
  int png_height;
  int video_width;
  int video_height;
  int video_quality;
} EmuProfile;

static const EmuProfile default_profile = { 1440, 9, 97, 2016, 12, 92, 1170, 2532, 640, 480, 80 };
static const EmuProfile fast_profile = { 480, 3, 40, 320, 3, 80, 390, 844, 160, 120, 70 };
/* --demo: pictures that look like the default's on a screen, at a fraction of x265's time
 * (it spends it on coefficients: less noise, a lower quality and fewer pixels). */
static const EmuProfile demo_profile = { 1024, 1, 70, 1280, 3, 85, 585, 1266, 320, 240, 75 };

typedef struct
{
  const char       *out;
  char             *staging;          /* out/.sample-library-staging: files made, not yet named */
  const char       *progress;         /* --progress FILE, or NULL */
  const char       *hold;             /* --hold FILE, or NULL */
  gboolean          keep_existing;
  gboolean          hold_pictures;    /* a video's picture is drawn once per half second */
  guint             n_assets;         /* in the plan */
  guint             n_made;           /* assets in place (made or kept) */
  guint             n_started;
  const EmuOptions *options;
  const EmuProfile *profile;
  GMutex            lock;
  guint             n_files;
  guint64           n_bytes;
  guint             per_ext[6];       /* HEIC JPG PNG MOV MP4 AAE */
  GError           *error;
} EmuRun;

enum { EXT_HEIC, EXT_JPG, EXT_PNG, EXT_MOV, EXT_MP4, EXT_AAE };

static void
account (EmuRun  *run,
         guint    ext,
         guint64  bytes)
{
  g_mutex_lock (&run->lock);
  run->n_files++;
  run->n_bytes += bytes;
  run->per_ext[ext]++;
  g_mutex_unlock (&run->lock);
}

static gboolean
set_mtime (const char  *path,
           gint64       usec,
           GError     **error)
{
  /* A phone's files carry their capture time; the engine and the grid rely on it. */
  struct timespec times[2] = {
    { usec / G_USEC_PER_SEC, (usec % G_USEC_PER_SEC) * 1000 },
    { usec / G_USEC_PER_SEC, (usec % G_USEC_PER_SEC) * 1000 },
  };

  if (utimensat (AT_FDCWD, path, times, 0) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "utimensat %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Where an asset's file is made: a folder of its own under the staging folder, outside
 * DCIM. Only a complete file is ever given its name in DCIM (rename), so a reader walking
 * the library while it is being made (the Demo iPhone's) never sees half a file. */
static char *
staging_path (EmuRun         *run,
              const EmuAsset *asset,
              const char     *name)
{
  g_autofree char *folder = g_strdup_printf ("%u", asset->index);

  return g_build_filename (run->staging, folder, name, NULL);
}

static gboolean
write_file (EmuRun          *run,
            const EmuAsset  *asset,
            const char      *prefix,
            const char      *extension,
            guint            ext,
            GBytes          *contents,
            gint64           mtime_usec,
            GError         **error)
{
  g_autofree char *name = emu_asset_dup_file_name (asset, prefix, extension);
  g_autofree char *path = staging_path (run, asset, name);
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);

  if (!g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_NONE, 0644, error))
    return FALSE;
  if (!set_mtime (path, mtime_usec, error))
    return FALSE;
  account (run, ext, len);
  return TRUE;
}

static GBytes *
make_heic (EmuRun         *run,
           const EmuAsset *asset,
           gboolean        edited)
{
  const EmuProfile *p = run->profile;
  g_autofree char *label = NULL;
  g_autoptr(EmuRgb) rgb = NULL;
  g_autoptr(GBytes) exif = NULL;
  EmuSceneSpec spec = { 0 };

  if (run->options->fast)
    return emu_heic_from_pool (asset, edited);

  label = emu_asset_dup_file_name (asset, edited ? "IMG_E" : "IMG_", "HEIC");
  spec.label = label;
  spec.long_side = p->heic_long_side;
  spec.noise = p->heic_noise;
  spec.orientation = asset->orientation;
  spec.edited = edited;
  spec.seed = asset->seed;
  rgb = emu_render_scene (asset, &spec);
  exif = emu_exif_build (asset, rgb->width, rgb->height, edited, NULL);
  return emu_heic_encode (rgb, asset->orientation, p->heic_quality, exif);
}

static GBytes *
make_jpeg (EmuRun         *run,
           const EmuAsset *asset)
{
  const EmuProfile *p = run->profile;
  g_autofree char *label = emu_asset_dup_file_name (asset, "IMG_", "JPG");
  EmuSceneSpec spec = {
    .label = label,
    .long_side = p->jpeg_long_side,
    .noise = p->jpeg_noise,
    .orientation = asset->orientation,
    .seed = asset->seed,
  };
  g_autoptr(EmuRgb) rgb = emu_render_scene (asset, &spec);
  g_autoptr(GBytes) thumb = emu_jpeg_thumbnail (rgb, 160, 120);
  g_autoptr(GBytes) exif = emu_exif_build (asset, rgb->width, rgb->height, FALSE, thumb);
  g_autoptr(GBytes) jpeg = emu_jpeg_encode (rgb, p->jpeg_quality);

  return emu_jpeg_splice_exif (jpeg, exif);
}

/* A camera video (EMU_KIND_MOV): HEVC or H.264 at 8 frames a second with a key frame each
 * second, as long as the Motion-JPEG movies were (two frames a second). The band at the
 * bottom of the upright picture is solid EMU_VIDEO_MARKER, so a test can tell a decoded
 * poster and its rotation from a placeholder. */
static gboolean
make_camera_movie (EmuRun          *run,
                   const EmuAsset  *asset,
                   GError         **error)
{
  const EmuProfile *p = run->profile;
  static const guint8 marker[3] = { EMU_VIDEO_MARKER };
  g_autoptr(GPtrArray) renders = g_ptr_array_new_with_free_func ((GDestroyNotify) emu_rgb_free);
  g_autoptr(GPtrArray) rgbs = g_ptr_array_new ();
  g_autofree char *label = emu_asset_dup_file_name (asset, "IMG_", "MOV");
  g_autofree char *path = staging_path (run, asset, label);
  g_autoptr(EmuVideoStream) video = NULL;
  gboolean portrait = asset->video_variant == 2;
  EmuMovieSpec mspec = { 0 };
  guint n = asset->n_frames * 4;
  guint64 size;

  for (guint i = 0; i < n; i++)
    {
      EmuSceneSpec spec = {
        .label = label,
        .long_side = p->video_width,
        .noise = 2,
        .orientation = portrait ? 6 : 1,   /* stored landscape, upright after a quarter turn */
        .frame = i / 4,
        .seed = asset->seed + i % 4,
      };
      EmuRgb *rgb;
      int x0, y0;

      /* --fast and --demo draw one picture per half second and hold it: drawing is what
       * costs (and the encoder has less to do). */
      if (run->hold_pictures && i % 4 != 0)
        {
          g_ptr_array_add (rgbs, g_ptr_array_index (renders, renders->len - 1));
          continue;
        }

      rgb = emu_render_scene (asset, &spec);
      /* The upright bottom sixth: stored, it is the right-hand sixth of a portrait video. */
      x0 = portrait ? rgb->width - rgb->width / 6 : 0;
      y0 = portrait ? 0 : rgb->height - rgb->height / 6;
      for (int y = y0; y < rgb->height; y++)
        for (int x = x0; x < rgb->width; x++)
          memcpy (rgb->pixels + ((gsize) y * rgb->width + x) * 3, marker, 3);
      g_ptr_array_add (renders, rgb);
      g_ptr_array_add (rgbs, rgb);
    }

  video = emu_video_encode (asset->video_variant == 1 ? EMU_CODEC_H264 : EMU_CODEC_HEVC, rgbs, 8, error);
  if (video == NULL)
    return FALSE;

  mspec.codec = video->codec;
  mspec.config = video->config;
  mspec.sync = video->sync;
  mspec.rotation = portrait ? 90 : 0;
  mspec.width = video->width;
  mspec.height = video->height;
  mspec.frames = video->samples;
  mspec.frame_ticks = 75;

  size = emu_movie_write (path, asset, &mspec, error);
  if (size == 0)
    return FALSE;
  if (!set_mtime (path, asset->capture_usec, error))
    return FALSE;
  account (run, EXT_MOV, size);
  return TRUE;
}

static gboolean
make_movie (EmuRun          *run,
            const EmuAsset  *asset,
            gboolean         mp4,
            gboolean         live,
            GError         **error)
{
  const EmuProfile *p = run->profile;
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *label = emu_asset_dup_file_name (asset, "IMG_", mp4 ? "MP4" : "MOV");
  g_autofree char *path = staging_path (run, asset, label);
  g_autofree char *content_id = NULL;
  EmuMovieSpec mspec = { 0 };
  guint64 size;

  for (guint i = 0; i < asset->n_frames; i++)
    {
      EmuSceneSpec spec = {
        .label = label,
        .long_side = p->video_width,
        .noise = 2,
        .orientation = 1,
        .frame = i,
        .seed = asset->seed,
      };
      g_autoptr(EmuRgb) rgb = emu_render_scene (asset, &spec);

      g_ptr_array_add (frames, emu_jpeg_encode (rgb, p->video_quality));
    }

  if (live)
    {
      guint64 a = emu_mix64 (asset->seed ^ 0x11FE);
      guint64 b = emu_mix64 (a);

      content_id = g_strdup_printf ("%08X-%04X-%04X-%04X-%012" G_GINT64_MODIFIER "X",
                                    (guint32) (a >> 32), (guint) (a >> 16) & 0xFFFF, (guint) a & 0xFFFF,
                                    (guint) (b >> 48), b & G_GUINT64_CONSTANT (0xFFFFFFFFFFFF));
    }

  mspec.mp4 = mp4;
  mspec.width = p->video_width;
  mspec.height = p->video_width * 3 / 4;
  mspec.frames = frames;
  mspec.content_id = content_id;
  mspec.frame_ticks = live ? 600 : 0;   /* a Live movie lasts about 3 s */
  mspec.large_size = asset->kind == EMU_KIND_LARGE_MOV ? LARGE_MOVIE_SIZE : 0;

  size = emu_movie_write (path, asset, &mspec, error);
  if (size == 0)
    return FALSE;
  if (!set_mtime (path, asset->capture_usec, error))
    return FALSE;
  account (run, mp4 ? EXT_MP4 : EXT_MOV, size);
  return TRUE;
}

static gboolean
generate_asset (EmuRun          *run,
                const EmuAsset  *asset,
                GError         **error)
{
  const EmuProfile *p = run->profile;
  gint64 edit_usec = asset->capture_usec + (3600 + asset->seed % 86400) * G_USEC_PER_SEC;

  switch (asset->kind)
    {
    case EMU_KIND_HEIC:
      {
        g_autoptr(GBytes) heic = make_heic (run, asset, FALSE);

        return write_file (run, asset, "IMG_", "HEIC", EXT_HEIC, heic, asset->capture_usec, error);
      }

    case EMU_KIND_LIVE:
      {
        g_autoptr(GBytes) heic = make_heic (run, asset, FALSE);

        return write_file (run, asset, "IMG_", "HEIC", EXT_HEIC, heic, asset->capture_usec, error)
               && make_movie (run, asset, FALSE, TRUE, error);
      }

    case EMU_KIND_EDITED:
      {
        g_autoptr(GBytes) heic = make_heic (run, asset, FALSE);
        g_autoptr(GBytes) edited = make_heic (run, asset, TRUE);
        g_autoptr(GBytes) aae = emu_aae_build (asset);

        /* The edit and its sidecar are written when the user edits, later than the capture. */
        return write_file (run, asset, "IMG_", "HEIC", EXT_HEIC, heic, asset->capture_usec, error)
               && write_file (run, asset, "IMG_E", "HEIC", EXT_HEIC, edited, edit_usec, error)
               && write_file (run, asset, "IMG_", "AAE", EXT_AAE, aae, edit_usec, error);
      }

    case EMU_KIND_JPEG:
      {
        g_autoptr(GBytes) jpeg = make_jpeg (run, asset);

        return write_file (run, asset, "IMG_", "JPG", EXT_JPG, jpeg, asset->capture_usec, error);
      }

    case EMU_KIND_PNG:
      {
        g_autofree char *label = emu_asset_dup_file_name (asset, "IMG_", "PNG");
        g_autoptr(GBytes) png = emu_render_screenshot (asset, label, p->png_width, p->png_height);

        return write_file (run, asset, "IMG_", "PNG", EXT_PNG, png, asset->capture_usec, error);
      }

    case EMU_KIND_MOV:
      return make_camera_movie (run, asset, error);

    case EMU_KIND_LARGE_MOV:
      return make_movie (run, asset, FALSE, FALSE, error);

    case EMU_KIND_MP4:
      return make_movie (run, asset, TRUE, FALSE, error);

    case EMU_N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

/* The names of @asset's files, as generate_asset() makes them. */
static GPtrArray *
asset_file_names (const EmuAsset *asset)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  switch (asset->kind)
    {
    case EMU_KIND_HEIC:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "HEIC"));
      break;
    case EMU_KIND_LIVE:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "HEIC"));
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "MOV"));
      break;
    case EMU_KIND_EDITED:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "HEIC"));
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_E", "HEIC"));
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "AAE"));
      break;
    case EMU_KIND_JPEG:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "JPG"));
      break;
    case EMU_KIND_PNG:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "PNG"));
      break;
    case EMU_KIND_MOV:
    case EMU_KIND_LARGE_MOV:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "MOV"));
      break;
    case EMU_KIND_MP4:
      g_ptr_array_add (names, emu_asset_dup_file_name (asset, "IMG_", "MP4"));
      break;
    case EMU_N_KINDS:
    default:
      g_assert_not_reached ();
    }
  return names;
}

/* --keep-existing: every file of @asset is in place already (from an earlier run that was
 * stopped: files only ever get their names complete). */
static gboolean
asset_in_place (EmuRun         *run,
                const EmuAsset *asset)
{
  g_autoptr(GPtrArray) names = asset_file_names (asset);
  g_autofree char *dir = emu_asset_dup_dir (asset);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (run->out, dir, g_ptr_array_index (names, i), NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    }
  return TRUE;
}

/* Gives the files made in @asset's staging folder their names in the library, the main
 * file last (a reader that sees it sees its companions). */
static gboolean
place_asset (EmuRun          *run,
             const EmuAsset  *asset,
             GError         **error)
{
  g_autoptr(GPtrArray) names = asset_file_names (asset);
  g_autofree char *dir = emu_asset_dup_dir (asset);
  g_autofree char *folder = g_strdup_printf ("%u", asset->index);
  g_autofree char *staged_dir = g_build_filename (run->staging, folder, NULL);

  for (guint i = names->len; i-- > 0;)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *from = g_build_filename (staged_dir, name, NULL);
      g_autofree char *to = g_build_filename (run->out, dir, name, NULL);

      if (g_rename (from, to) != 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "rename %s: %s", to, g_strerror (errsv));
          return FALSE;
        }
    }
  g_rmdir (staged_dir);
  return TRUE;
}

/* Removes @path and what it holds (the staging folder: plain files in folders). */
static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* --progress FILE: "MADE TOTAL", replaced whole after each asset. */
static void
write_progress (EmuRun *run)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (run->progress == NULL)
    return;
  text = g_strdup_printf ("%u %u\n", run->n_made, run->n_assets);
  if (!g_file_set_contents (run->progress, text, -1, &error))
    g_printerr ("iphone-sample-library: %s\n", error->message);
}

/* --hold FILE (tests): while FILE exists, holding a number N, no more than N assets are
 * started; the library grows again when it is removed (or says more). Under run->lock. */
static gboolean
held (EmuRun *run)
{
  g_autofree char *text = NULL;

  if (run->hold == NULL || !g_file_get_contents (run->hold, &text, NULL, NULL))
    return FALSE;
  return run->n_started >= (guint) g_ascii_strtoull (text, NULL, 10);
}

static void
worker (gpointer data,
        gpointer user_data)
{
  const EmuAsset *asset = data;
  EmuRun *run = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  g_mutex_lock (&run->lock);
  while (held (run))
    {
      g_mutex_unlock (&run->lock);
      g_usleep (20 * 1000);
      g_mutex_lock (&run->lock);
    }
  run->n_started++;
  if (run->error != NULL)
    {
      g_mutex_unlock (&run->lock);
      return;
    }
  g_mutex_unlock (&run->lock);

  /* Only in iCloud: the database knows it, the phone has no file. */
  if (!asset->icloud_only && !(run->keep_existing && asset_in_place (run, asset)))
    {
      g_autofree char *folder = g_strdup_printf ("%u", asset->index);
      g_autofree char *staged_dir = g_build_filename (run->staging, folder, NULL);

      if (g_mkdir_with_parents (staged_dir, 0755) != 0)
        {
          int errsv = errno;

          g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot create %s: %s",
                       staged_dir, g_strerror (errsv));
          ok = FALSE;
        }
      ok = ok && generate_asset (run, asset, &error) && place_asset (run, asset, &error);
    }

  g_mutex_lock (&run->lock);
  if (!ok && run->error == NULL)
    run->error = g_steal_pointer (&error);
  if (ok)
    {
      run->n_made++;
      write_progress (run);
    }
  g_mutex_unlock (&run->lock);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *out = NULL;
  gint count = 0;
  gint64 seed = 1;
  gboolean fast = FALSE;
  gboolean demo = FALSE;
  gboolean large = FALSE;
  gboolean keep_existing = FALSE;
  g_autofree char *progress = NULL;
  g_autofree char *hold = NULL;
  gint files_per_folder = 1000;
  gint first_number = 1;
  gint n_threads = 0;
  gint ios = 0;
  g_autofree char *manifest = NULL;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Media root to write (created if missing)", "DIR" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of assets (a Live Photo pair is one)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed; the same seed and flags give the same bytes (default 1)", "S" },
    { "fast", 0, 0, G_OPTION_ARG_NONE, &fast, "Small files, quickly: for libraries of 10,000s of items", NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, "Smaller files, a few times faster: for the Demo iPhone", NULL },
    { "keep-existing", 0, 0, G_OPTION_ARG_NONE, &keep_existing, "Leave assets whose files are all there as they are "
      "(goes on with a library that was stopped)", NULL },
    { "progress", 0, 0, G_OPTION_ARG_FILENAME, &progress, "After each asset, write \"MADE TOTAL\" to FILE", "FILE" },
    { "hold", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &hold, "Tests only: while FILE exists, start no more assets than the number it holds", "FILE" },
    { "large", 0, 0, G_OPTION_ARG_NONE, &large, "Add one sparse video over 4 GiB (64-bit boxes and offsets)", NULL },
    { "files-per-folder", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &files_per_folder, "Tests only: folder size (default 1000)", "N" },
    { "first-number", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &first_number, "Tests only: first IMG number (default 1)", "N" },
    { "ios", 0, 0, G_OPTION_ARG_INT, &ios, "Also write PhotoData/Photos.sqlite in this iOS release's schema (13-18), "
      "with albums, flags, iCloud-only photos and CPLAssets originals", "N" },
    { "manifest", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &manifest, "Tests only: with --ios, write what the "
      "library holds (flag counts, albums) to this key file", "FILE" },
    { "threads", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &n_threads, "Worker threads (default: one per core)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) plan = NULL;
  g_autoptr(GHashTable) dirs = NULL;
  EmuOptions options = { 0 };
  EmuRun run = { 0 };
  GThreadPool *pool;
  gint64 started = g_get_monotonic_time ();

  context = g_option_context_new ("- write a deterministic iPhone media root");
  g_option_context_set_summary (context,
                                "Writes DCIM/100APPLE, 101APPLE, ... with HEIC, JPEG, PNG, MOV and MP4 files,\n"
                                "Live Photo pairs, edits with .AAE sidecars and a burst, dated 2019-2026.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("iphone-sample-library: %s\n", error->message);
      return 2;
    }
  if (out == NULL || count <= 0)
    {
      g_printerr ("iphone-sample-library: --out DIR and --count N (N > 0) are required; see --help\n");
      return 2;
    }
  if (ios != 0 && (ios < 13 || ios > 18))
    {
      g_printerr ("iphone-sample-library: --ios takes 13 to 18\n");
      return 2;
    }
  if (fast && demo)
    {
      g_printerr ("iphone-sample-library: --fast and --demo don't go together\n");
      return 2;
    }
  if (files_per_folder < 3 || first_number < 1 || first_number > 9999 || n_threads < 0)
    {
      g_printerr ("iphone-sample-library: bad --files-per-folder, --first-number or --threads\n");
      return 2;
    }

  options.count = count;
  options.seed = (guint64) seed;
  options.fast = fast;
  options.large = large;
  options.files_per_folder = files_per_folder;
  options.first_number = first_number;
  options.ios = (guint) ios;
  plan = emu_plan_build (&options);

  dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < plan->len; i++)
    {
      g_autofree char *dir = emu_asset_dup_dir (&g_array_index (plan, EmuAsset, i));
      g_autofree char *path = NULL;

      if (g_array_index (plan, EmuAsset, i).icloud_only || g_hash_table_contains (dirs, dir))
        continue;
      path = g_build_filename (out, dir, NULL);
      if (g_mkdir_with_parents (path, 0755) != 0)
        {
          g_printerr ("iphone-sample-library: cannot create %s: %s\n", path, g_strerror (errno));
          return 1;
        }
      g_hash_table_add (dirs, g_steal_pointer (&dir));
    }

  run.out = out;
  run.staging = g_build_filename (out, ".sample-library-staging", NULL);
  run.progress = progress;
  run.hold = hold;
  run.keep_existing = keep_existing;
  run.hold_pictures = fast || demo;
  run.n_assets = plan->len;
  run.options = &options;
  run.profile = fast ? &fast_profile : demo ? &demo_profile : &default_profile;
  g_mutex_init (&run.lock);
  /* What a stopped run left half made. */
  rm_rf (run.staging);
  write_progress (&run);

  /* Each asset's bytes depend only on the plan, so any number of threads gives the same
   * tree. The newest come first: the top of a grid sorted newest first is there soonest. */
  pool = g_thread_pool_new (worker, &run, n_threads > 0 ? n_threads : (gint) g_get_num_processors (), TRUE, NULL);
  for (guint i = plan->len; i-- > 0;)
    g_thread_pool_push (pool, &g_array_index (plan, EmuAsset, i), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  emu_heic_pool_clear ();
  g_mutex_clear (&run.lock);
  rm_rf (run.staging);
  g_free (run.staging);

  if (run.error != NULL)
    {
      g_printerr ("iphone-sample-library: %s\n", run.error->message);
      g_clear_error (&run.error);
      return 1;
    }

  if (ios != 0 && !emu_photosdb_write (out, plan, &options, manifest, &error))
    {
      g_printerr ("iphone-sample-library: %s\n", error->message);
      return 1;
    }

  g_print ("iphone-sample-library: %u assets, %u files, %" G_GUINT64_FORMAT " bytes "
           "(HEIC %u, JPG %u, PNG %u, MOV %u, MP4 %u, AAE %u) in %s, %.1f s\n",
           plan->len, run.n_files, run.n_bytes,
           run.per_ext[EXT_HEIC], run.per_ext[EXT_JPG], run.per_ext[EXT_PNG],
           run.per_ext[EXT_MOV], run.per_ext[EXT_MP4], run.per_ext[EXT_AAE],
           out, (g_get_monotonic_time () - started) / 1e6);
  return 0;
}
