/* protection-bench.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The 3-2-1 protection summary of a big library, as `keepsake-cli status` and the monitor's
 * reminders compute it: a device's last inventory of 50,000 assets, each held by a random
 * subset of 4 destinations, read from the catalog and classified. Goal: ≤ 200 ms (the median
 * of the runs), with the pure classification apart. See bench/RESULTS.md "Protection". */

#include "config.h"

#include <locale.h>
#include <sys/resource.h>
#include <sqlite3.h>

#include <glib/gstdio.h>

#include "ks-catalog.h"
#include "ks-protection.h"

#define N_DESTINATIONS 4

static void
populate (const char *path,
          guint       n_assets)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *file, *source, *copy, *inventory;
  GRand *rand = g_rand_new_with_seed (42);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO files VALUES (?1, 1000, 0)", -1, &file, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO source_files VALUES ('device:BENCH', ?1, 1000, 7, ?2, 0)", -1, &source, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO copies VALUES (?1, ?2, ?3, 1000, 0)", -1, &copy, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO source_inventory VALUES ('device:BENCH', ?1, 1000, 7, 1)", -1, &inventory, NULL), ==, SQLITE_OK);
  for (guint d = 0; d < N_DESTINATIONS; d++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO destinations VALUES ('dest-%u', 'folder', NULL, NULL, NULL, 0)", d);

      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    }

  for (guint i = 0; i < n_assets; i++)
    {
      g_autofree char *hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)&i, sizeof i);
      g_autofree char *name = g_strdup_printf ("DCIM/%03uAPPLE/IMG_%05u.HEIC", 100 + i / 1000, i);
      guint mask = g_rand_int_range (rand, 0, 1 << N_DESTINATIONS);

      sqlite3_bind_text (file, 1, hash, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (file), ==, SQLITE_DONE);
      sqlite3_reset (file);
      sqlite3_bind_text (source, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (source, 2, hash, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (source), ==, SQLITE_DONE);
      sqlite3_reset (source);
      sqlite3_bind_text (inventory, 1, name, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (inventory), ==, SQLITE_DONE);
      sqlite3_reset (inventory);
      for (guint d = 0; d < N_DESTINATIONS; d++)
        if (mask & (1u << d))
          {
            g_autofree char *dest = g_strdup_printf ("dest-%u", d);

            sqlite3_bind_text (copy, 1, hash, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text (copy, 2, dest, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text (copy, 3, name, -1, SQLITE_TRANSIENT);
            g_assert_cmpint (sqlite3_step (copy), ==, SQLITE_DONE);
            sqlite3_reset (copy);
          }
    }
  sqlite3_finalize (file);
  sqlite3_finalize (source);
  sqlite3_finalize (copy);
  sqlite3_finalize (inventory);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_rand_free (rand);
}

/* CPU seconds of this process so far: the figure that does not depend on the machine's load. */
static double
cpu_now (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  guint n_assets = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 50000;
  guint runs = 7;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-protection-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (tmp, "catalog.db", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsProtection) protection = ks_protection_new ();
  const char *ids[N_DESTINATIONS + 1] = { "dest-0", "dest-1", "dest-2", "dest-3", NULL };
  double *total = g_new0 (double, runs);
  double *classify = g_new0 (double, runs);
  double *cpu = g_new0 (double, runs);
  guint safe = 0;

  setlocale (LC_ALL, "");
  g_assert_no_error (error);
  catalog = ks_catalog_new (path, &error);
  g_assert_no_error (error);
  g_clear_object (&catalog);
  populate (path, n_assets);
  catalog = ks_catalog_new (path, &error);
  g_assert_no_error (error);

  ks_protection_add_destination (protection, "dest-0", KS_MEDIUM_COMPUTER, FALSE);
  ks_protection_add_destination (protection, "dest-1", KS_MEDIUM_DRIVE, FALSE);
  ks_protection_add_destination (protection, "dest-2", KS_MEDIUM_NETWORK, TRUE);
  ks_protection_add_destination (protection, "dest-3", KS_MEDIUM_CLOUD, TRUE);

  for (guint r = 0; r < runs; r++)
    {
      double cpu_start = cpu_now ();
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GArray) holders = ks_catalog_dup_inventory_holders (catalog, "device:BENCH", ids, NULL, NULL);
      gint64 read = g_get_monotonic_time ();
      g_autoptr(KsProtectionSummary) summary = ks_protection_summary_new (protection);
      gint64 end;

      g_assert_cmpuint (holders->len, ==, n_assets);
      for (guint i = 0; i < holders->len; i++)
        ks_protection_summary_add (summary, protection, g_array_index (holders, guint64, i), KS_ICLOUD_NONE);
      end = g_get_monotonic_time ();
      g_assert_cmpuint (summary->assets, ==, n_assets);
      safe = summary->states[KS_PROTECTION_SAFE];
      total[r] = (end - start) / 1000.0;
      cpu[r] = (cpu_now () - cpu_start) * 1000.0;
      classify[r] = (end - read) / 1000.0;
    }

  qsort (total, runs, sizeof (double), compare_double);
  qsort (classify, runs, sizeof (double), compare_double);
  qsort (cpu, runs, sizeof (double), compare_double);
  g_print ("protection summary of %u assets × %d destinations (%u safe): median %.1f ms"
           " (min %.1f, max %.1f) over %u runs, CPU %.1f ms; of which classifying %.1f ms;"
           " goal ≤ 200 ms: %s\n",
           n_assets, N_DESTINATIONS, safe, total[runs / 2], total[0], total[runs - 1], runs,
           cpu[runs / 2], classify[runs / 2], total[runs / 2] <= 200 ? "met" : "NOT met");

  g_clear_object (&catalog);
  if (g_getenv ("KS_BENCH_KEEP") != NULL)
    g_print ("catalog kept: %s\n", path);
  else
    {
      g_unlink (path);
      g_rmdir (tmp);
    }
  g_free (total);
  g_free (classify);
  g_free (cpu);
  return 0;
}
