/* import-bench.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Import benchmarks against the emulated iPhone, each a ratio against a baseline run in the
 * same invocation: KsImportJob vs. a bare AFC reader (the link's limit) and vs. ifuse + cp -r,
 * unthrottled, capped, and capped with a USB round trip per request (the USB 2 model); and a
 * backup with nothing new vs. listing the same library. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <libimobiledevice/afc.h>
#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>

#include "ks-catalog.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-import-job.h"
#include "ks-test-emulator.h"

#define MB 1e6
#define RAW_CHUNK (4 * 1024 * 1024)

static int opt_count = 100;
static gint64 opt_rate = 35000000;
static int opt_runs = 3;
static int opt_list_count = 20000;
static char *opt_library;
static char *opt_list_library;
static char *opt_dir;
static int opt_latency;
static int opt_usb_latency = 1;
static gboolean opt_no_ifuse;
static gboolean opt_no_list;
static gboolean opt_no_capped;
static gboolean opt_no_fail;

static GOptionEntry entries[] = {
  { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, "assets in the generated library for the copy runs (default 100, ~105 MB)", "N" },
  { "rate", 0, 0, G_OPTION_ARG_INT64, &opt_rate, "emulator cap for the capped runs, bytes/s (default 35000000)", "BPS" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "measurements of each figure (default 3)", "N" },
  { "list-count", 0, 0, G_OPTION_ARG_INT, &opt_list_count, "assets (--fast) for the nothing-new run (default 20000)", "N" },
  { "library", 0, 0, G_OPTION_ARG_FILENAME, &opt_library, "use this media root for the copy runs", "DIR" },
  { "list-library", 0, 0, G_OPTION_ARG_FILENAME, &opt_list_library, "use this media root for the nothing-new run", "DIR" },
  { "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir, "work folder on the disk to measure (default: $TMPDIR)", "DIR" },
  { "latency", 0, 0, G_OPTION_ARG_INT, &opt_latency, "emulator delay per AFC request for the copy runs, ms (default 0)", "MS" },
  { "no-ifuse", 0, 0, G_OPTION_ARG_NONE, &opt_no_ifuse, "skip the ifuse + cp baseline", NULL },
  { "no-list", 0, 0, G_OPTION_ARG_NONE, &opt_no_list, "skip the nothing-new run", NULL },
  { "no-capped", 0, 0, G_OPTION_ARG_NONE, &opt_no_capped, "skip the capped runs", NULL },
  { "usb-latency", 0, 0, G_OPTION_ARG_INT, &opt_usb_latency, "ms per AFC request in the USB 2 model runs (default 1; 0 skips them)", "MS" },
  { "no-fail", 0, 0, G_OPTION_ARG_NONE, &opt_no_fail, "exit 0 even when a goal is missed", NULL },
  { NULL }
};

typedef struct
{
  double v[16];
  guint  n;
} Samples;

static void
samples_add (Samples *s,
             double   v)
{
  if (s->n < G_N_ELEMENTS (s->v))
    s->v[s->n++] = v;
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
samples_median (const Samples *s)
{
  double v[G_N_ELEMENTS (s->v)];

  if (s->n == 0)
    return 0;
  memcpy (v, s->v, sizeof (double) * s->n);
  qsort (v, s->n, sizeof (double), (GCompareFunc) cmp_double);
  return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static char *
samples_format (const Samples *s)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < s->n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%.2f", s->v[i]);
    }
  return g_string_free (out, FALSE);
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static gboolean
run_argv (const char * const *argv,
          GError            **error)
{
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, error))
    return FALSE;
  return g_spawn_check_wait_status (status, error);
}

static void
rm_rf (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  run_argv (argv, NULL);
}

/* ---- the files on the phone ---- */

typedef struct
{
  GPtrArray *paths;   /* relative to the media root's DCIM */
  GArray    *sizes;   /* guint64, same order */
  GArray    *mtimes;  /* gint64, same order; only when asked for */
  guint64    bytes;
} Listing;

static gboolean
list_cb (KsSource           *source,
         const KsSourceFile *file,
         gpointer            user_data)
{
  Listing *l = user_data;

  if (l->paths != NULL)
    {
      g_ptr_array_add (l->paths, g_strdup (file->path));
      g_array_append_val (l->sizes, file->size);
      if (l->mtimes != NULL)
        g_array_append_val (l->mtimes, file->mtime);
    }
  l->bytes += file->size;
  return TRUE;
}

/* Enumerates the phone through a fresh KsDeviceSource (a fresh AFC connection, as a new
 * window or CLI run would have); returns the seconds it took. */
static double
enumerate (const char *udid,
           Listing    *out)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (udid, NULL);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  if (!ks_source_enumerate (KS_SOURCE (source), list_cb, out, NULL, &error))
    g_error ("enumerate: %s", error->message);
  return seconds_since (start);
}

/* ---- baseline 1: a bare AFC reader ---- */

/* Connects as any libimobiledevice tool does, then reads every file whole in 4 MiB
 * afc_file_read calls, discarding the bytes: the most the link gives. It knows each size
 * from the listing and never asks past the end (a read at EOF costs a round trip, and the
 * emulator charges link time for what was asked, not what was there). */
static double
raw_afc_read (const char *udid,
              Listing    *listing)
{
  idevice_t device = NULL;
  lockdownd_client_t lockdown = NULL;
  lockdownd_service_descriptor_t service = NULL;
  afc_client_t afc = NULL;
  g_autofree char *buf = g_malloc (RAW_CHUNK);
  guint64 done = 0;
  gint64 start = g_get_monotonic_time ();
  double elapsed;

  if (idevice_new_with_options (&device, udid, IDEVICE_LOOKUP_USBMUX) != IDEVICE_E_SUCCESS
      || lockdownd_client_new_with_handshake (device, &lockdown, "keepsake-bench") != LOCKDOWN_E_SUCCESS
      || lockdownd_start_service (lockdown, AFC_SERVICE_NAME, &service) != LOCKDOWN_E_SUCCESS
      || afc_client_new (device, service, &afc) != AFC_E_SUCCESS)
    g_error ("could not open AFC on the emulator");
  lockdownd_service_descriptor_free (service);
  lockdownd_client_free (lockdown);
  if (g_getenv ("KS_BENCH_DEBUG"))
    g_printerr ("raw: connected in %.3f s\n", seconds_since (start));

  for (guint i = 0; i < listing->paths->len; i++)
    {
      g_autofree char *afc_path = g_strconcat ("/DCIM/", (char *) g_ptr_array_index (listing->paths, i), NULL);
      guint64 size = g_array_index (listing->sizes, guint64, i);
      guint64 left = size;
      uint64_t handle = 0;

      if (afc_file_open (afc, afc_path, AFC_FOPEN_RDONLY, &handle) != AFC_E_SUCCESS)
        g_error ("could not open %s", afc_path);
      while (left > 0)
        {
          uint32_t got = 0;

          if (afc_file_read (afc, handle, buf, (uint32_t) MIN (left, RAW_CHUNK), &got) != AFC_E_SUCCESS
              || got == 0)
            g_error ("afc_file_read failed in %s", afc_path);
          left -= got;
        }
      done += size;
      afc_file_close (afc, handle);
    }
  elapsed = seconds_since (start);
  afc_client_free (afc);
  idevice_free (device);

  g_assert (done == listing->bytes);
  return elapsed;
}

/* ---- the engine ---- */

/* One whole backup, as keepsake-cli backup runs it: fresh KsDeviceSource, KsImportJob into
 * a KsFolderDestination at @dest with the catalog at @catalog_path. Returns seconds;
 * @copied gets how many files it copied. */
static double
import_once (const char *udid,
             const char *dest,
             const char *catalog_path,
             guint      *copied,
             guint64    *bytes)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (udid, NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsFolderDestination) destination = NULL;
  g_autoptr(GPtrArray) destinations = g_ptr_array_new ();
  g_autoptr(KsImportJob) job = NULL;
  g_autoptr(KsImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  double elapsed;

  catalog = ks_catalog_new (catalog_path, &error);
  if (catalog == NULL)
    g_error ("catalog: %s", error->message);
  g_mkdir_with_parents (dest, 0755);
  destination = ks_folder_destination_new (dest);
  g_ptr_array_add (destinations, destination);
  job = ks_import_job_new (KS_SOURCE (source), NULL, destinations, catalog);
  result = ks_import_job_run (job, NULL, &error);
  elapsed = seconds_since (start);
  if (result == NULL)
    g_error ("import: %s", error->message);
  if (result->failed > 0)
    g_error ("import: %u files failed", result->failed);
  *copied = result->copied;
  *bytes = result->bytes;
  return elapsed;
}

/* ---- baseline 2: ifuse + cp -r ---- */

static gboolean
is_mounted (const char *mount)
{
  g_autofree char *mounts = NULL;
  g_autofree char *needle = g_strdup_printf (" %s ", mount);

  if (!g_file_get_contents ("/proc/self/mounts", &mounts, NULL, NULL))
    return FALSE;
  return strstr (mounts, needle) != NULL;
}

/* fsync every file and folder under @path: what `sync` costs for cp's copy, without
 * flushing other processes' dirty pages on this shared machine. */
static void
fsync_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  int fd;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        fsync_tree (child);
      else if (S_ISREG (st.st_mode) && (fd = open (child, O_RDONLY | O_CLOEXEC)) >= 0)
        {
          fsync (fd);
          close (fd);
        }
    }
  if ((fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Mounts the phone with ifuse (not timed: people mount once), then times `cp -r
 * MOUNT/DCIM DEST` alone and with the copy fsynced. */
static gboolean
ifuse_cp (const char *udid,
          const char *work,
          const char *dest,
          double     *cp_s,
          double     *cp_sync_s)
{
  g_autofree char *mount = g_build_filename (work, "mnt", NULL);
  g_autofree char *from = g_build_filename (mount, "DCIM", NULL);
  g_autoptr(GSubprocess) ifuse = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gboolean ok;

  g_mkdir_with_parents (mount, 0755);
  /* -f: stay in the foreground as our child, so we can always stop it. */
  ifuse = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "ifuse", "-f", "-u", udid, mount, NULL);
  if (ifuse == NULL)
    {
      g_printerr ("ifuse: %s\n", error->message);
      return FALSE;
    }
  start = g_get_monotonic_time ();
  while (!is_mounted (mount) && seconds_since (start) < 15)
    g_usleep (20000);
  if (!is_mounted (mount))
    {
      g_printerr ("ifuse did not mount %s\n", mount);
      g_subprocess_force_exit (ifuse);
      g_subprocess_wait (ifuse, NULL, NULL);
      return FALSE;
    }

  {
    const char *cp_argv[] = { "cp", "-r", from, dest, NULL };

    start = g_get_monotonic_time ();
    ok = run_argv (cp_argv, &error);
    *cp_s = seconds_since (start);
    fsync_tree (dest);
    *cp_sync_s = seconds_since (start);
  }
  if (!ok)
    g_printerr ("cp -r: %s\n", error->message);

  {
    const char *umount_argv[] = { "fusermount", "-u", mount, NULL };

    run_argv (umount_argv, NULL);
    g_subprocess_wait (ifuse, NULL, NULL);
  }
  return ok;
}

static guint64
tree_bytes (const char *path,
            guint      *files)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 sum = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        sum += tree_bytes (child, files);
      else if (S_ISREG (st.st_mode))
        {
          sum += st.st_size;
          (*files)++;
        }
    }
  return sum;
}

/* ---- figures ---- */

typedef struct
{
  const char *label;
  Samples     raw, import, cp, cp_sync;
  Samples     ratio_raw, ratio_cp, ratio_cp_sync;
} CopyFigures;

static void
copy_runs (const char  *udid,
           const char  *work,
           Listing     *listing,
           CopyFigures *fig)
{
  for (int r = 0; r < opt_runs; r++)
    {
      g_autofree char *dest = g_build_filename (work, "dest", NULL);
      g_autofree char *catalog = g_build_filename (work, "catalog.db", NULL);
      g_autofree char *cp_dest = g_build_filename (work, "cp-dest", NULL);
      double raw, imp, cp = 0, cp_sync = 0;
      guint copied = 0;
      guint64 bytes = 0;

      raw = raw_afc_read (udid, listing);

      rm_rf (dest);
      g_unlink (catalog);
      imp = import_once (udid, dest, catalog, &copied, &bytes);
      if (copied != listing->paths->len || bytes != listing->bytes)
        g_error ("import copied %u files, %" G_GUINT64_FORMAT " bytes; the phone has %u, %" G_GUINT64_FORMAT,
                 copied, bytes, listing->paths->len, listing->bytes);
      rm_rf (dest);
      g_unlink (catalog);

      samples_add (&fig->raw, listing->bytes / raw / MB);
      samples_add (&fig->import, listing->bytes / imp / MB);
      samples_add (&fig->ratio_raw, raw / imp);

      if (!opt_no_ifuse)
        {
          rm_rf (cp_dest);
          if (ifuse_cp (udid, work, cp_dest, &cp, &cp_sync))
            {
              guint files = 0;
              guint64 got = tree_bytes (cp_dest, &files);

              if (got != listing->bytes || files != listing->paths->len)
                g_error ("cp copied %u files, %" G_GUINT64_FORMAT " bytes", files, got);
              samples_add (&fig->cp, listing->bytes / cp / MB);
              samples_add (&fig->cp_sync, listing->bytes / cp_sync / MB);
              samples_add (&fig->ratio_cp, cp / imp);
              samples_add (&fig->ratio_cp_sync, cp_sync / imp);
            }
          rm_rf (cp_dest);
        }
      g_print ("  %s run %d: raw AFC %.2f s, import %.2f s, cp %.2f s, cp+fsync %.2f s\n",
               fig->label, r + 1, raw, imp, cp, cp_sync);
    }
}

static void
print_row (const char    *what,
           const Samples *s,
           const char    *unit)
{
  g_autofree char *all = samples_format (s);

  if (s->n == 0)
    return;
  g_print ("  %-38s %8.2f %-5s (runs: %s)\n", what, samples_median (s), unit, all);
}

static gboolean
print_copy (CopyFigures *fig)
{
  gboolean ok = TRUE;

  g_print ("\n%s\n", fig->label);
  print_row ("bare AFC reader (link limit)", &fig->raw, "MB/s");
  print_row ("KsImportJob, hash + fsync + verify", &fig->import, "MB/s");
  print_row ("ifuse + cp -r", &fig->cp, "MB/s");
  print_row ("ifuse + cp -r + fsync", &fig->cp_sync, "MB/s");
  print_row ("import / bare AFC (goal >= 0.95)", &fig->ratio_raw, "x");
  print_row ("import / cp -r + fsync (goal >= 1.5)", &fig->ratio_cp_sync, "x");
  print_row ("import / cp -r, no fsync", &fig->ratio_cp, "x");

  if (samples_median (&fig->ratio_raw) < 0.95)
    {
      g_print ("MISSED: %s: import below 0.95 of the bare AFC reader\n", fig->label);
      ok = FALSE;
    }
  if (fig->ratio_cp_sync.n > 0 && samples_median (&fig->ratio_cp_sync) < 1.5)
    {
      g_print ("MISSED: %s: import below 1.5x ifuse + cp -r\n", fig->label);
      ok = FALSE;
    }
  return ok;
}

/* Where a backup with nothing new spends its time besides listing: one catalog lookup
 * per file (as the plan does), and opening the destination (its index) plus one lookup
 * (a stat of the copy) per file. */
static void
nothing_new_breakdown (const char *udid,
                       const char *dest,
                       const char *catalog_path,
                       double     *catalog_s,
                       double     *dest_s)
{
  g_autoptr(KsDeviceSource) source = ks_device_source_new (udid, NULL);
  g_autoptr(KsCatalog) catalog = ks_catalog_new (catalog_path, NULL);
  g_autoptr(KsFolderDestination) destination = ks_folder_destination_new (dest);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  Listing l = { g_ptr_array_new_with_free_func (g_free), g_array_new (FALSE, FALSE, sizeof (guint64)),
                g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
  const char *source_id = ks_source_get_id (KS_SOURCE (source));
  gint64 start;
  guint found = 0;

  if (!ks_source_enumerate (KS_SOURCE (source), list_cb, &l, NULL, &error))
    g_error ("enumerate: %s", error->message);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < l.paths->len; i++)
    {
      char *hash = ks_catalog_lookup_source_file (catalog, source_id, g_ptr_array_index (l.paths, i),
                                                  g_array_index (l.sizes, guint64, i),
                                                  g_array_index (l.mtimes, gint64, i));
      if (hash != NULL)
        g_ptr_array_add (hashes, hash);
    }
  *catalog_s = seconds_since (start);

  start = g_get_monotonic_time ();
  if (!ks_destination_open (KS_DESTINATION (destination), NULL, &error))
    g_error ("destination: %s", error->message);
  for (guint i = 0; i < hashes->len; i++)
    found += ks_destination_lookup (KS_DESTINATION (destination), g_ptr_array_index (hashes, i), NULL, NULL);
  *dest_s = seconds_since (start);
  ks_destination_close (KS_DESTINATION (destination));

  if (hashes->len != l.paths->len || found != l.paths->len)
    g_error ("breakdown: %u of %u files in the catalog, %u in the destination", hashes->len, l.paths->len, found);
  g_ptr_array_unref (l.paths);
  g_array_unref (l.sizes);
  g_array_unref (l.mtimes);
}

static char *
make_library (const char *tmp,
              const char *name,
              guint       count,
              gboolean    fast)
{
  char *media = g_build_filename (tmp, name, NULL);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  if (!ks_test_make_sample_library (media, count, 7, fast, &error))
    g_error ("sample library: %s", error->message);
  g_print ("sample library: %u assets%s in %.1f s\n", count, fast ? " (--fast)" : "", seconds_since (start));
  return media;
}

static char *
start_emulator (const char      *media,
                int              latency_ms,
                KsTestEmulator **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *latency = g_strdup_printf ("%d", latency_ms);

  *out = ks_test_emulator_new (&error, "--device", media, "--name", "Bench iPhone",
                               "--latency", latency, NULL);
  if (*out == NULL)
    g_error ("emulator: %s", error->message);
  reply = ks_test_emulator_control (*out, "udid", &error);
  if (reply == NULL || !g_str_has_prefix (reply, "ok "))
    g_error ("emulator udid: %s", error ? error->message : reply);
  return g_strdup (reply + 3);
}

static void
set_link (KsTestEmulator *emu,
          const char     *what,
          gint64          value)
{
  g_autofree char *cmd = g_strdup_printf ("%s %" G_GINT64_FORMAT, what, value);
  g_autofree char *reply = ks_test_emulator_control (emu, cmd, NULL);

  if (reply == NULL || !g_str_has_prefix (reply, "ok"))
    g_error ("emulator refused %s", cmd);
}

static void
print_machine (void)
{
  g_autofree char *cpuinfo = NULL;
  g_autofree char *loadavg = NULL;
  const char *model = NULL;

  g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL);
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
  if (cpuinfo != NULL && (model = strstr (cpuinfo, "model name")) != NULL)
    {
      model = strchr (model, ':');
      model = model ? model + 2 : NULL;
    }
  g_print ("machine: %u cores, \"%.*s\", load %s", g_get_num_processors (),
           model ? (int) strcspn (model, "\n") : 1, model ? model : "?",
           loadavg ? loadavg : "?\n");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— import benchmarks");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *media = NULL;
  gboolean ok = TRUE;
  CopyFigures free_fig = { .label = "unthrottled" };
  g_autofree char *capped_label = NULL;
  CopyFigures capped_fig = { 0 };
  g_autofree char *usb_label = NULL;
  CopyFigures usb_fig = { 0 };
  Samples list_s = { 0 }, noop_s = { 0 }, noop_ratio = { 0 }, lookup_s = { 0 }, destlookup_s = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_runs < 1 || opt_runs > 16 || opt_count < 1)
    {
      g_printerr ("--runs must be 1-16 and --count positive\n");
      return 2;
    }
  if (!opt_no_ifuse && (geteuid () != 0 || access ("/dev/fuse", R_OK | W_OK) != 0))
    {
      g_printerr ("ifuse needs root and /dev/fuse; give --no-ifuse to measure without it\n");
      return 2;
    }

  if (opt_dir != NULL)
    g_mkdir_with_parents (opt_dir, 0755);
  {
    g_autofree char *tmpl = g_build_filename (opt_dir ? opt_dir : g_get_tmp_dir (), "ks-import-bench-XXXXXX", NULL);

    tmp = g_mkdtemp (g_steal_pointer (&tmpl));
    if (tmp == NULL)
      g_error ("cannot create a work folder: %s", g_strerror (errno));
  }
  print_machine ();

  /* 1 and 2: a realistic library, copied whole. */
  {
    g_autoptr(KsTestEmulator) emu = NULL;
    g_autofree char *udid = NULL;
    Listing listing = { g_ptr_array_new_with_free_func (g_free), g_array_new (FALSE, FALSE, sizeof (guint64)), NULL, 0 };

    media = opt_library ? g_strdup (opt_library) : make_library (tmp, "media", opt_count, FALSE);
    udid = start_emulator (media, opt_latency, &emu);
    {
      /* The first listing pairs (once per emulator state); the second shows what
       * connecting and listing cost every run, with the pair record in place. */
      double first = enumerate (udid, &listing);
      Listing again = { NULL, NULL, NULL, 0 };
      double second = enumerate (udid, &again);

      g_print ("copy runs: %u files, %.1f MB; %d runs each; emulator latency %d ms per AFC request; "
               "connect + list: %.2f s first, then %.2f s\n",
               listing.paths->len, listing.bytes / MB, opt_runs, opt_latency, first, second);
    }

    copy_runs (udid, tmp, &listing, &free_fig);
    if (!opt_no_capped)
      {
        capped_label = g_strdup_printf ("capped at %.1f MB/s (emulator rate %" G_GINT64_FORMAT ")",
                                        opt_rate / MB, opt_rate);
        capped_fig.label = capped_label;
        set_link (emu, "rate", opt_rate);
        copy_runs (udid, tmp, &listing, &capped_fig);
        set_link (emu, "rate", 0);
      }
    /* What a phone on a USB 2 cable is like: the cap, and a round trip per request that the
     * link cannot use (published: ~32 MB/s for 4 MiB reads, ~18 MB/s through ifuse). */
    if (!opt_no_capped && opt_usb_latency > 0)
      {
        usb_label = g_strdup_printf ("USB 2 model: %.1f MB/s and %d ms per AFC request (emulator rate %"
                                     G_GINT64_FORMAT ", latency %d)",
                                     opt_rate / MB, opt_usb_latency, opt_rate, opt_usb_latency);
        usb_fig.label = usb_label;
        set_link (emu, "rate", opt_rate);
        set_link (emu, "latency", opt_usb_latency);
        copy_runs (udid, tmp, &listing, &usb_fig);
        set_link (emu, "latency", opt_latency);
        set_link (emu, "rate", 0);
      }
    g_ptr_array_unref (listing.paths);
    g_array_unref (listing.sizes);
    if (opt_library == NULL)
      rm_rf (media);
  }

  /* 3: nothing new on a large library vs. listing it. */
  if (!opt_no_list)
    {
      g_autoptr(KsTestEmulator) emu = NULL;
      g_autofree char *udid = NULL;
      g_autofree char *list_media = NULL;
      g_autofree char *dest = g_build_filename (tmp, "dest", NULL);
      g_autofree char *catalog = g_build_filename (tmp, "catalog.db", NULL);
      guint copied = 0, files;
      guint64 bytes = 0;
      Listing listing = { NULL, NULL, NULL, 0 };
      double first;

      list_media = opt_list_library ? g_strdup (opt_list_library)
                                    : make_library (tmp, "media-large", opt_list_count, TRUE);
      udid = start_emulator (list_media, 0, &emu);
      rm_rf (dest);
      g_unlink (catalog);
      first = import_once (udid, dest, catalog, &copied, &bytes);
      files = copied;
      g_print ("nothing-new runs: first backup copied %u files, %.1f MB in %.1f s\n", files, bytes / MB, first);
      for (int r = 0; r < opt_runs; r++)
        {
          double list = enumerate (udid, &listing);
          double noop = import_once (udid, dest, catalog, &copied, &bytes);

          if (copied != 0)
            g_error ("a backup with nothing new copied %u files", copied);
          samples_add (&list_s, list);
          samples_add (&noop_s, noop);
          samples_add (&noop_ratio, noop / list);
          g_print ("  run %d: list %.2f s, backup with nothing new %.2f s\n", r + 1, list, noop);
        }
      for (int r = 0; r < opt_runs; r++)
        {
          double cat_s, dest_s;

          nothing_new_breakdown (udid, dest, catalog, &cat_s, &dest_s);
          samples_add (&lookup_s, cat_s);
          samples_add (&destlookup_s, dest_s);
        }
      if (opt_list_library == NULL)
        rm_rf (list_media);
      rm_rf (dest);
    }

  g_print ("\n");
  print_machine ();
  ok &= print_copy (&free_fig);
  if (capped_fig.label != NULL)
    ok &= print_copy (&capped_fig);
  if (usb_fig.label != NULL)
    ok &= print_copy (&usb_fig);
  if (list_s.n > 0)
    {
      g_print ("\nnothing new on %d assets (--fast)\n", opt_list_count);
      print_row ("list (KsDeviceSource enumerate)", &list_s, "s");
      print_row ("backup with nothing new", &noop_s, "s");
      print_row ("backup / list (goal <= 1.2)", &noop_ratio, "x");
      print_row ("of which: catalog lookup per file", &lookup_s, "s");
      print_row ("of which: open destination + lookups", &destlookup_s, "s");
      if (samples_median (&noop_ratio) > 1.2)
        {
          g_print ("MISSED: a backup with nothing new takes more than 1.2x the listing\n");
          ok = FALSE;
        }
    }

  rm_rf (tmp);
  return ok || opt_no_fail ? 0 : 1;
}
