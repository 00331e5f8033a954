/* test-auto-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAutoBackup with the emulated iPhone, the real device monitor, plan and service: a phone
 * that becomes ready is backed up byte for byte once; a quick replug does not start a second
 * run (a slow one does); a phone unplugged mid-run is backed up to the end when it is back; a
 * phone switched off is left alone; a locked phone is waited for and backed up once unlocked. */

#include "config.h"

#include <glib/gstdio.h>

#include "ks-auto-backup.h"
#include "ks-backup-plan.h"
#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-catalog-private.h"
#include "ks-device-monitor.h"
#include "ks-test-emulator.h"

#include "test-engine-util.h"

typedef struct
{
  char            *tmp;
  char            *media;
  char            *dcim;
  char            *dest;
  char            *udid;
  KsTestEmulator  *emu;
  KsCatalog       *catalog;
  KsBackupPlan    *plan;
  KsBackupService *service;
  KsDeviceMonitor *monitor;
  KsAutoBackup    *auto_backup;
  guint            started;
  guint            finished;
  guint            finished_ok;
  guint            finished_lost;
  guint            waiting_locked;
  guint            progress;
} Fixture;

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_for (gboolean (*check) (Fixture *f),
          Fixture   *f,
          double     seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (seconds * 1000), timeout_cb, &timed_out);
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while ((check == NULL || !check (f)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_source_remove (tick);
  return check != NULL && check (f);
}

static void
spin (Fixture *f,
      double   seconds)
{
  wait_for (NULL, f, seconds);
}

static void
control_ok (Fixture    *f,
            const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = ks_test_emulator_control (f->emu, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok"));
}

static gint64
count_runs (Fixture *f)
{
  return _ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM runs");
}

static void
run_started_cb (KsAutoBackup *auto_backup,
                KsDevice     *device,
                KsBackupRun  *run,
                Fixture      *f)
{
  g_assert_cmpstr (ks_device_get_udid (device), ==, f->udid);
  g_assert_cmpstr (ks_backup_run_get_origin (run), ==, "monitor");
  g_assert_true (ks_auto_backup_get_run (auto_backup, f->udid) == run);
  f->started++;
}

static void
run_finished_cb (KsAutoBackup *auto_backup,
                 KsDevice     *device,
                 KsBackupRun  *run,
                 Fixture      *f)
{
  const GError *error = ks_backup_run_get_error (run);

  f->finished++;
  if (error == NULL)
    f->finished_ok++;
  else if (g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST))
    f->finished_lost++;
  else
    g_test_message ("run stopped: %s", error->message);
}

static void
device_waiting_cb (KsAutoBackup  *auto_backup,
                   KsDevice      *device,
                   KsDeviceState  reason,
                   Fixture       *f)
{
  if (reason == KS_DEVICE_STATE_LOCKED)
    f->waiting_locked++;
}

static void
service_progress_cb (KsBackupService *service,
                     KsBackupRun     *run,
                     Fixture         *f)
{
  f->progress++;
}

/* @data: extra emulator options (a NULL-terminated array), or NULL */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char * const *extra = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *db = NULL;
  g_autofree char *reply = NULL;

  f->tmp = g_dir_make_tmp ("ks-auto-backup-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = g_build_filename (f->tmp, "media", NULL);
  f->dcim = g_build_filename (f->media, "DCIM", NULL);
  f->dest = g_build_filename (f->tmp, "dest", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);
  make_library (f->media, 10, 1);

  g_ptr_array_add (args, (gpointer) "--device");
  g_ptr_array_add (args, f->media);
  g_ptr_array_add (args, (gpointer) "--name");
  g_ptr_array_add (args, (gpointer) "Auto iPhone");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, NULL);
  f->emu = ks_test_emulator_newv ((const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  reply = ks_test_emulator_control (f->emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "ok "));
  f->udid = g_strdup (reply + 3);

  db = g_build_filename (f->tmp, "catalog.db", NULL);
  f->catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  f->plan = ks_backup_plan_new (f->catalog, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ks_backup_plan_add_folder (f->plan, f->dest, NULL, FALSE, &error));
  g_assert_no_error (error);
  f->service = ks_backup_service_new (f->catalog, f->plan);
  g_signal_connect (f->service, "run-started", G_CALLBACK (service_progress_cb), f);

  f->monitor = ks_device_monitor_new ();
  f->auto_backup = ks_auto_backup_new (f->monitor, f->service);
  ks_auto_backup_set_settle_time (f->auto_backup, 1500);
  g_signal_connect (f->auto_backup, "run-started", G_CALLBACK (run_started_cb), f);
  g_signal_connect (f->auto_backup, "run-finished", G_CALLBACK (run_finished_cb), f);
  g_signal_connect (f->auto_backup, "device-waiting", G_CALLBACK (device_waiting_cb), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ks_backup_service_cancel_all (f->service);
  while (ks_backup_service_is_busy (f->service))
    g_main_context_iteration (NULL, TRUE);

  g_clear_object (&f->auto_backup);
  g_object_run_dispose (G_OBJECT (f->monitor));
  g_clear_object (&f->monitor);
  g_assert_true (ks_device_wait_for_probes (10000));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->service);
  g_clear_object (&f->plan);
  g_clear_object (&f->catalog);
  g_clear_pointer (&f->emu, ks_test_emulator_free);
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->media);
  g_free (f->dcim);
  g_free (f->dest);
  g_free (f->udid);
}

static void
start (Fixture *f)
{
  ks_device_monitor_start (f->monitor);
  ks_auto_backup_start (f->auto_backup);
}

static gboolean
one_ok (Fixture *f)
{
  return f->finished_ok >= 1;
}

static gboolean
two_ok (Fixture *f)
{
  return f->finished_ok >= 2;
}

static gboolean
device_ready (Fixture *f)
{
  KsDevice *device = ks_device_monitor_lookup (f->monitor, f->udid);

  return device != NULL && ks_device_get_state (device) == KS_DEVICE_STATE_READY;
}

static gboolean
device_absent (Fixture *f)
{
  return ks_device_monitor_lookup (f->monitor, f->udid) == NULL;
}

static gboolean
waiting_locked (Fixture *f)
{
  return f->waiting_locked > 0;
}

static gboolean
lost_once (Fixture *f)
{
  return f->finished_lost > 0;
}

static void
assert_all_backed_up (Fixture *f)
{
  g_autoptr(GHashTable) phone = list_files (f->dcim);

  assert_backup_complete (f->dcim, f->dest);
  assert_no_temp_files (f->dest);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM copies"), ==,
                   g_hash_table_size (phone));
}

static void
test_plugged_in (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *origin = NULL;

  g_assert_true (ks_auto_backup_is_enabled_for (f->auto_backup, f->udid));
  start (f);
  g_assert_true (wait_for (one_ok, f, 60));
  assert_all_backed_up (f);
  g_assert_cmpuint (f->started, ==, 1);
  g_assert_cmpint (count_runs (f), ==, 1);
  origin = _ks_catalog_query_text (f->catalog, "SELECT origin FROM runs", "");
  g_assert_cmpstr (origin, ==, "monitor");
  g_assert_null (ks_auto_backup_get_run (f->auto_backup, f->udid));

  /* Plugged in and ready: nothing more happens by itself. */
  spin (f, 2);
  g_assert_cmpuint (f->started, ==, 1);
  g_assert_cmpint (count_runs (f), ==, 1);
}

static void
test_quick_replug (Fixture       *f,
                   gconstpointer  data)
{
  start (f);
  g_assert_true (wait_for (one_ok, f, 60));

  /* Out and in again within the settle time: the same plug-in, no second run. */
  control_ok (f, "detach");
  g_assert_true (wait_for (device_absent, f, 5));
  control_ok (f, "attach");
  g_assert_true (wait_for (device_ready, f, 20));
  spin (f, 2);
  g_assert_cmpuint (f->started, ==, 1);
  g_assert_cmpint (count_runs (f), ==, 1);

  /* Away for longer than the settle time: a new plug-in, a new run (which copies nothing). */
  control_ok (f, "detach");
  g_assert_true (wait_for (device_absent, f, 5));
  spin (f, 2.5);
  control_ok (f, "attach");
  g_assert_true (wait_for (two_ok, f, 60));
  g_assert_cmpuint (f->started, ==, 2);
  g_assert_cmpint (count_runs (f), ==, 2);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT copied FROM runs ORDER BY id DESC LIMIT 1"), ==, 0);
  assert_all_backed_up (f);
}

static guint64
media_bytes (Fixture *f)
{
  g_autoptr(GHashTable) files = list_files (f->dcim);
  GHashTableIter iter;
  const char *path;
  guint64 total = 0;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &path))
    {
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      total += st.st_size;
    }
  return total;
}

static void
test_unplugged_mid_run (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GHashTable) phone = list_files (f->dcim);
  g_autofree char *fail = g_strdup_printf ("fail-after %" G_GUINT64_FORMAT, media_bytes (f) / 2);

  /* The phone drops off half-way through the data, in the middle of a file. */
  control_ok (f, fail);
  start (f);
  g_assert_true (wait_for (lost_once, f, 60));
  g_assert_cmpuint (f->finished_ok, ==, 0);
  /* Nothing partial: what the catalog counts is complete, no temporary file. */
  assert_no_temp_files (f->dest);
  g_assert_cmpint (_ks_catalog_query_int64 (f->catalog, "SELECT count(*) FROM copies"), <,
                   g_hash_table_size (phone));

  control_ok (f, "attach");
  g_assert_true (wait_for (one_ok, f, 60));
  assert_all_backed_up (f);
  g_assert_cmpuint (f->started, ==, 2);
  g_assert_cmpint (count_runs (f), ==, 2);
}

static void
test_switched_off (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) copied = NULL;

  g_assert_cmpint (ks_auto_backup_get_device_setting (f->catalog, f->udid), ==, KS_AUTO_BACKUP_SETTING_UNSET);
  g_assert_true (ks_auto_backup_set_device_setting (f->catalog, f->udid, KS_AUTO_BACKUP_SETTING_OFF, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ks_auto_backup_get_device_setting (f->catalog, f->udid), ==, KS_AUTO_BACKUP_SETTING_OFF);
  g_assert_false (ks_auto_backup_is_enabled_for (f->auto_backup, f->udid));

  start (f);
  g_assert_true (wait_for (device_ready, f, 20));
  spin (f, 2);
  g_assert_cmpuint (f->started, ==, 0);
  g_assert_cmpint (count_runs (f), ==, 0);
  copied = list_files (f->dest);
  g_assert_cmpuint (g_hash_table_size (copied), ==, 0);

  /* "Only phones switched on" (what the desktop will use): unset is off, on is on. */
  ks_auto_backup_set_policy (f->auto_backup, KS_AUTO_BACKUP_POLICY_SWITCHED_ON);
  g_assert_true (ks_auto_backup_set_device_setting (f->catalog, f->udid, KS_AUTO_BACKUP_SETTING_UNSET, &error));
  g_assert_false (ks_auto_backup_is_enabled_for (f->auto_backup, f->udid));
  g_assert_true (ks_auto_backup_set_device_setting (f->catalog, f->udid, KS_AUTO_BACKUP_SETTING_ON, &error));
  g_assert_true (ks_auto_backup_is_enabled_for (f->auto_backup, f->udid));
  ks_auto_backup_set_policy (f->auto_backup, KS_AUTO_BACKUP_POLICY_ALL);

  /* Switched on while plugged in: the next plug-in backs it up. */
  control_ok (f, "detach");
  g_assert_true (wait_for (device_absent, f, 5));
  control_ok (f, "attach");
  g_assert_true (wait_for (one_ok, f, 60));
  assert_all_backed_up (f);
  g_assert_cmpint (count_runs (f), ==, 1);
}

static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  start (f);
  g_assert_true (wait_for (waiting_locked, f, 20));
  spin (f, 3);
  /* Said once, however often the phone is asked again, and no run. */
  g_assert_cmpuint (f->waiting_locked, ==, 1);
  g_assert_cmpuint (f->started, ==, 0);
  g_assert_cmpint (count_runs (f), ==, 0);

  control_ok (f, "unlock");
  g_assert_true (wait_for (one_ok, f, 60));
  assert_all_backed_up (f);
  spin (f, 1);
  g_assert_cmpuint (f->started, ==, 1);
  g_assert_cmpint (count_runs (f), ==, 1);
}

static void
test_only_udid (Fixture       *f,
                gconstpointer  data)
{
  ks_auto_backup_set_udid (f->auto_backup, "00008030-0000000000000000");
  g_assert_false (ks_auto_backup_is_enabled_for (f->auto_backup, f->udid));
  start (f);
  g_assert_true (wait_for (device_ready, f, 20));
  spin (f, 1.5);
  g_assert_cmpuint (f->started, ==, 0);
  g_assert_cmpint (count_runs (f), ==, 0);
}

static const char * const locked_args[] = { "--locked", NULL };

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Keepsake/AutoBackup/plugged-in", Fixture, NULL, fixture_setup, test_plugged_in, fixture_teardown);
  g_test_add ("/Keepsake/AutoBackup/quick-replug", Fixture, NULL, fixture_setup, test_quick_replug, fixture_teardown);
  g_test_add ("/Keepsake/AutoBackup/unplugged-mid-run", Fixture, NULL, fixture_setup, test_unplugged_mid_run, fixture_teardown);
  g_test_add ("/Keepsake/AutoBackup/switched-off", Fixture, NULL, fixture_setup, test_switched_off, fixture_teardown);
  g_test_add ("/Keepsake/AutoBackup/locked", Fixture, locked_args, fixture_setup, test_locked, fixture_teardown);
  g_test_add ("/Keepsake/AutoBackup/only-udid", Fixture, NULL, fixture_setup, test_only_udid, fixture_teardown);

  return g_test_run ();
}
