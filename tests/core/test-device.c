/* test-device.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDeviceMonitor and KsDevice states against the emulated iPhone: attach/detach, two phones,
 * trust dialog, denial, passcode lock, lost pairing, and a missing usbmuxd. */

#include "config.h"

#include <glib/gstdio.h>

#include "ks-device-monitor.h"
#include "ks-model-names.h"
#include "ks-test-emulator.h"

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

/* Spins the default main context until @check is true or @seconds pass. */
static gboolean
wait_for (gboolean (*check) (gpointer data),
          gpointer   data,
          double     seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (seconds * 1000), timeout_cb, &timed_out);
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_source_remove (tick);
  return check (data);
}

static gboolean
monitor_started (gpointer data)
{
  return ks_device_monitor_get_started (data);
}

typedef struct
{
  KsDeviceMonitor *monitor;
  guint            n;
} CountCheck;

static gboolean
has_n_devices (gpointer data)
{
  CountCheck *c = data;
  return g_list_model_get_n_items (ks_device_monitor_get_devices (c->monitor)) == c->n;
}

typedef struct
{
  KsDevice      *device;
  KsDeviceState  state;
} StateCheck;

static gboolean
has_state (gpointer data)
{
  StateCheck *c = data;
  return ks_device_get_state (c->device) == c->state;
}

static KsDevice *
wait_first_device (KsDeviceMonitor *monitor)
{
  CountCheck c = { monitor, 1 };

  g_assert_true (wait_for (has_n_devices, &c, 10));
  return g_list_model_get_item (ks_device_monitor_get_devices (monitor), 0);
}

static void
assert_state (KsDevice      *device,
              KsDeviceState  state,
              double         seconds)
{
  StateCheck c = { device, state };

  if (!wait_for (has_state, &c, seconds))
    g_error ("device %s is %s (%s), expected %s",
             ks_device_get_udid (device),
             ks_device_state_to_string (ks_device_get_state (device)),
             ks_device_get_message (device),
             ks_device_state_to_string (state));
}

static char *
make_media_dir (const char *tmp,
                const char *name)
{
  char *media = g_build_filename (tmp, name, "DCIM", "100APPLE", NULL);
  g_autofree char *file = g_build_filename (media, "IMG_0001.JPG", NULL);

  g_assert_cmpint (g_mkdir_with_parents (media, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, "not really a jpeg", -1, NULL));
  g_free (media);
  return g_build_filename (tmp, name, NULL);
}

typedef struct
{
  char *tmp;
  char *media;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-test-device-XXXXXX", &error);
  g_assert_no_error (error);
  f->media = make_media_dir (f->tmp, "phone1");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *argv[] = { "rm", "-rf", f->tmp, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (f->tmp);
  g_free (f->media);
}

static void
test_usbmuxd_missing (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmp, "no-such-socket", NULL);
  g_autofree char *address = g_strconcat ("UNIX:", path, NULL);
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  gint64 start = g_get_monotonic_time ();

  g_setenv ("USBMUXD_SOCKET_ADDRESS", address, TRUE);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  g_assert_true (wait_for (monitor_started, monitor, 5));

  /* Decided promptly, without hanging in libusbmuxd's inotify wait. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_true (ks_device_monitor_get_usbmuxd_missing (monitor));
  g_assert_nonnull (strstr (ks_device_monitor_get_message (monitor), "usbmuxd"));
  g_assert_cmpuint (g_list_model_get_n_items (ks_device_monitor_get_devices (monitor)), ==, 0);
}

static void
test_identity (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autofree char *reply = NULL;

  emu = ks_test_emulator_new (&error, "--device", f->media, "--name", "Anna’s iPhone",
                              "--model", "iPhone16,1", "--ios", "17.4.1", NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_READY, 20);

  reply = ks_test_emulator_control (emu, "udid", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply + 3, ==, ks_device_get_udid (device));
  g_assert_false (ks_device_monitor_get_usbmuxd_missing (monitor));
  g_assert_cmpstr (ks_device_get_name (device), ==, "Anna’s iPhone");
  g_assert_cmpstr (ks_device_get_product_type (device), ==, "iPhone16,1");
  g_assert_cmpstr (ks_device_get_model_name (device), ==, "iPhone 15 Pro");
  g_assert_cmpstr (ks_device_get_ios_version (device), ==, "17.4.1");
  g_assert_cmpuint (ks_device_get_storage_total (device), >, 0);
  g_assert_cmpuint (ks_device_get_storage_free (device), <=, ks_device_get_storage_total (device));
  g_assert_cmpuint (ks_device_get_storage_used (device), ==,
                    ks_device_get_storage_total (device) - ks_device_get_storage_free (device));
  g_assert_true (ks_device_monitor_lookup (monitor, ks_device_get_udid (device)) == device);
}

static void
count_cb (KsDeviceMonitor *monitor,
          KsDevice        *device,
          guint           *count)
{
  (*count)++;
}

static void
test_attach_detach (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autoptr(KsDevice) again = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *reply2 = NULL;
  guint added = 0, removed = 0;
  CountCheck none;

  emu = ks_test_emulator_new (&error, "--device", f->media, NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  g_signal_connect (monitor, "device-added", G_CALLBACK (count_cb), &added);
  g_signal_connect (monitor, "device-removed", G_CALLBACK (count_cb), &removed);
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_READY, 20);
  g_assert_cmpuint (added, ==, 1);

  reply = ks_test_emulator_control (emu, "detach", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "ok detach");

  none = (CountCheck) { monitor, 0 };
  g_assert_true (wait_for (has_n_devices, &none, 5));
  g_assert_cmpint (ks_device_get_state (device), ==, KS_DEVICE_STATE_DISCONNECTED);
  g_assert_cmpuint (removed, ==, 1);

  reply2 = ks_test_emulator_control (emu, "attach", &error);
  g_assert_no_error (error);
  again = wait_first_device (monitor);
  g_assert_true (again != device);
  g_assert_cmpstr (ks_device_get_udid (again), ==, ks_device_get_udid (device));
  assert_state (again, KS_DEVICE_STATE_READY, 20);
  g_assert_cmpuint (added, ==, 2);

  /* A usbmuxd probe in flight (its GTask) keeps the monitor past this function; what it
   * then emits must not count into this frame once the next test owns the stack. */
  g_signal_handlers_disconnect_by_data (monitor, &added);
  g_signal_handlers_disconnect_by_data (monitor, &removed);
}

static void
test_two_devices (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autofree char *media2 = make_media_dir (f->tmp, "phone2");
  CountCheck two;
  GListModel *devices;

  emu = ks_test_emulator_new (&error,
                              "--device", f->media, "--name", "First", "--model", "iPhone14,5",
                              "--device", media2, "--name", "Second", "--model", "iPhone15,2",
                              NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  two = (CountCheck) { monitor, 2 };
  g_assert_true (wait_for (has_n_devices, &two, 10));

  devices = ks_device_monitor_get_devices (monitor);
  {
    g_autoptr(KsDevice) a = g_list_model_get_item (devices, 0);
    g_autoptr(KsDevice) b = g_list_model_get_item (devices, 1);
    g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

    assert_state (a, KS_DEVICE_STATE_READY, 20);
    assert_state (b, KS_DEVICE_STATE_READY, 20);
    g_assert_cmpstr (ks_device_get_udid (a), !=, ks_device_get_udid (b));
    g_hash_table_add (names, (gpointer) ks_device_get_name (a));
    g_hash_table_add (names, (gpointer) ks_device_get_name (b));
    g_assert_true (g_hash_table_contains (names, "First"));
    g_assert_true (g_hash_table_contains (names, "Second"));
    if (g_str_equal (ks_device_get_name (a), "First"))
      {
        g_assert_cmpstr (ks_device_get_model_name (a), ==, "iPhone 13");
        g_assert_cmpstr (ks_device_get_model_name (b), ==, "iPhone 14 Pro");
      }
    else
      {
        g_assert_cmpstr (ks_device_get_model_name (b), ==, "iPhone 13");
        g_assert_cmpstr (ks_device_get_model_name (a), ==, "iPhone 14 Pro");
      }
  }
}

/* Two monitors in one process (libusbmuxd has one event thread for both and replays known
 * devices to the second from inside its subscribe call): both see the phone, and dropping one
 * leaves the other working. */
static void
test_two_monitors (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) first = NULL;
  KsDeviceMonitor *second;
  g_autoptr(KsDevice) a = NULL;
  g_autoptr(KsDevice) b = NULL;
  g_autofree char *reply = NULL;
  CountCheck none;

  emu = ks_test_emulator_new (&error, "--device", f->media, NULL);
  g_assert_no_error (error);

  first = ks_device_monitor_new ();
  ks_device_monitor_start (first);
  a = wait_first_device (first);
  assert_state (a, KS_DEVICE_STATE_READY, 20);

  second = ks_device_monitor_new ();
  ks_device_monitor_start (second);
  b = wait_first_device (second);
  assert_state (b, KS_DEVICE_STATE_READY, 20);
  g_assert_true (a != b);
  g_assert_cmpstr (ks_device_get_udid (a), ==, ks_device_get_udid (b));
  g_assert_finalize_object (second);

  reply = ks_test_emulator_control (emu, "detach", &error);
  g_assert_no_error (error);
  none = (CountCheck) { first, 0 };
  g_assert_true (wait_for (has_n_devices, &none, 5));
}

static void
test_trust_ask (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autofree char *reply = NULL;

  emu = ks_test_emulator_new (&error, "--device", f->media, "--trust", "ask", NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_WAITING_FOR_TRUST, 20);
  g_assert_nonnull (strstr (ks_device_get_message (device), "Trust"));

  /* Still waiting a few retries later: it neither gives up nor turns ready by itself. */
  {
    StateCheck ready = { device, KS_DEVICE_STATE_READY };
    g_assert_false (wait_for (has_state, &ready, 3.5));
  }
  g_assert_cmpint (ks_device_get_state (device), ==, KS_DEVICE_STATE_WAITING_FOR_TRUST);

  reply = ks_test_emulator_control (emu, "trust", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply, ==, "ok trust");
  assert_state (device, KS_DEVICE_STATE_READY, 10);
  g_assert_nonnull (ks_device_get_name (device));
}

static void
test_trust_deny (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;

  emu = ks_test_emulator_new (&error, "--device", f->media, "--trust", "deny", NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_TRUST_DENIED, 20);
  g_assert_nonnull (strstr (ks_device_get_message (device), "not trusted"));
  g_assert_cmpint (ks_device_state_to_error (ks_device_get_state (device)), ==, KS_DEVICE_ERROR_TRUST_DENIED);

  /* After the user changes their mind, an explicit retry gets through. */
  {
    g_autofree char *reply = ks_test_emulator_control (emu, "trust", &error);
    g_assert_no_error (error);
  }
  ks_device_retry (device);
  assert_state (device, KS_DEVICE_STATE_READY, 10);
}

static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autofree char *reply = NULL;

  emu = ks_test_emulator_new (&error, "--device", f->media, "--locked", NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_LOCKED, 20);
  g_assert_nonnull (strstr (ks_device_get_message (device), "Unlock"));

  reply = ks_test_emulator_control (emu, "unlock", &error);
  g_assert_no_error (error);
  assert_state (device, KS_DEVICE_STATE_READY, 10);

  /* Locked again later (already paired): a retry notices, and unlocking continues by itself. */
  g_free (reply);
  reply = ks_test_emulator_control (emu, "lock", &error);
  g_assert_no_error (error);
  ks_device_retry (device);
  assert_state (device, KS_DEVICE_STATE_LOCKED, 10);
  g_free (reply);
  reply = ks_test_emulator_control (emu, "unlock", &error);
  g_assert_no_error (error);
  assert_state (device, KS_DEVICE_STATE_READY, 10);
}

static void
test_pairing_lost (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autofree char *pairings = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint removed = 0;

  emu = ks_test_emulator_new (&error, "--device", f->media, NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_READY, 20);

  /* The phone forgets us (e.g. "Reset Location & Privacy"); our pair record stays. */
  pairings = g_build_filename (ks_test_emulator_get_state_dir (emu), ks_device_get_udid (device),
                               "pairings", NULL);
  dir = g_dir_open (pairings, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (pairings, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
      removed++;
    }
  g_assert_cmpuint (removed, >, 0);

  ks_device_retry (device);
  assert_state (device, KS_DEVICE_STATE_PAIRING_LOST, 10);
  g_assert_cmpint (ks_device_state_to_error (KS_DEVICE_STATE_PAIRING_LOST), ==, KS_DEVICE_ERROR_PAIRING_LOST);

  /* Pairing again (the trust dialog would show on a real phone) brings it back. */
  ks_device_forget_pairing (device);
  assert_state (device, KS_DEVICE_STATE_READY, 20);
}

static gboolean
usbmuxd_missing (gpointer data)
{
  return ks_device_monitor_get_usbmuxd_missing (data);
}

/* usbmuxd stops while we watch (libusbmuxd's own thread would wait in inotify forever), then a
 * new one starts: the monitor says so, drops the phone, and finds it again. */
static void
test_usbmuxd_restart (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsTestEmulator) emu2 = NULL;
  g_autoptr(KsDeviceMonitor) monitor = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autoptr(KsDevice) again = NULL;
  KsTestEmulator *emu;
  CountCheck none;

  emu = ks_test_emulator_new (&error, "--device", f->media, NULL);
  g_assert_no_error (error);

  monitor = ks_device_monitor_new ();
  ks_device_monitor_start (monitor);
  device = wait_first_device (monitor);
  assert_state (device, KS_DEVICE_STATE_READY, 20);

  ks_test_emulator_free (emu);
  g_assert_true (wait_for (usbmuxd_missing, monitor, 10));
  none = (CountCheck) { monitor, 0 };
  g_assert_true (wait_for (has_n_devices, &none, 5));
  g_assert_cmpint (ks_device_get_state (device), ==, KS_DEVICE_STATE_DISCONNECTED);
  g_assert_nonnull (strstr (ks_device_monitor_get_message (monitor), "usbmuxd"));

  emu2 = ks_test_emulator_new (&error, "--device", f->media, NULL);
  g_assert_no_error (error);
  again = wait_first_device (monitor);
  assert_state (again, KS_DEVICE_STATE_READY, 20);
  g_assert_false (ks_device_monitor_get_usbmuxd_missing (monitor));
  g_assert_null (ks_device_monitor_get_message (monitor));
}

static void
probe_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GError **error = user_data;

  if (ks_device_probe_finish (result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "answered");
}

static gboolean
has_error (gpointer data)
{
  return *(GError **) data != NULL;
}

/* ks_device_probe_*: why a phone cannot be reached (what a front end asks after a run lost
 * its link), with the same codes and messages as the device states. */
static void
test_probe (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) async_error = NULL;
  g_autoptr(KsTestEmulator) emu = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *udid_reply = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *path = g_build_filename (f->tmp, "no-such-socket", NULL);
  g_autofree char *address = g_strconcat ("UNIX:", path, NULL);
  const char *udid;

  emu = ks_test_emulator_new (&error, "--device", f->media, "--locked", NULL);
  g_assert_no_error (error);
  udid_reply = ks_test_emulator_control (emu, "udid", &error);
  g_assert_no_error (error);
  udid = udid_reply + 3;

  g_assert_false (ks_device_probe_sync (udid, "keepsake-test", NULL, &error));
  g_assert_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_LOCKED);
  g_assert_cmpstr (error->message, ==, ks_device_state_describe (KS_DEVICE_STATE_LOCKED));
  g_clear_error (&error);

  /* The same through a worker, answered on this thread. */
  ks_device_probe_async (udid, NULL, NULL, probe_done_cb, &async_error);
  g_assert_true (wait_for (has_error, &async_error, 20));
  g_assert_error (async_error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_LOCKED);
  g_clear_error (&async_error);

  reply = ks_test_emulator_control (emu, "unlock", &error);
  g_assert_no_error (error);
  g_assert_true (ks_device_probe_sync (udid, NULL, NULL, &error));
  g_assert_no_error (error);
  ks_device_probe_async (udid, NULL, NULL, probe_done_cb, &async_error);
  g_assert_true (wait_for (has_error, &async_error, 20));
  g_assert_error (async_error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&async_error);

  /* Cancelled before it starts: nothing is asked. */
  g_cancellable_cancel (cancellable);
  g_assert_false (ks_device_probe_sync (udid, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (ks_device_probe_sync ("00000000-0000000000000000", NULL, NULL, &error));
  g_assert_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_free (reply);
  reply = ks_test_emulator_control (emu, "detach", &error);
  g_assert_no_error (error);
  g_assert_false (ks_device_probe_sync (udid, NULL, NULL, &error));
  g_assert_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, ks_device_state_describe (KS_DEVICE_STATE_DISCONNECTED));
  g_clear_error (&error);

  g_setenv ("USBMUXD_SOCKET_ADDRESS", address, TRUE);
  g_assert_false (ks_device_probe_sync (udid, NULL, NULL, &error));
  g_assert_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_USBMUXD_MISSING);
  g_clear_error (&error);

  g_assert_true (ks_device_wait_for_probes (1000));
}

static void
test_model_names (void)
{
  const struct { const char *type; const char *name; } cases[] = {
    { "iPhone16,1", "iPhone 15 Pro" },
    { "iPhone15,2", "iPhone 14 Pro" },
    { "iPhone12,8", "iPhone SE (2nd generation)" },
    { "iPhone17,5", "iPhone 16e" },
    { "iPhone99,9", "iPhone" },       /* newer than the table: still an iPhone */
    { "iPad13,4", "iPad" },
    { "iPod9,1", "iPod touch" },
    { "Watch6,1", "Watch6,1" },
    { "", "iPhone" },
    { NULL, "iPhone" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = ks_model_name_for_product_type (cases[i].type);
      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

static void
test_state_strings (void)
{
  for (int s = KS_DEVICE_STATE_CONNECTING; s <= KS_DEVICE_STATE_DISCONNECTED; s++)
    {
      g_assert_cmpstr (ks_device_state_to_string (s), !=, "unknown");
      g_assert_cmpuint (strlen (ks_device_state_describe (s)), >, 0);
    }
  g_assert_cmpstr (ks_device_state_to_string (KS_DEVICE_STATE_WAITING_FOR_TRUST), ==, "waiting-for-trust");
  g_assert_nonnull (strstr (ks_device_state_describe (KS_DEVICE_STATE_USBMUXD_MISSING), "apt install usbmuxd"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/Device/state-strings", test_state_strings);
  g_test_add_func ("/Keepsake/Device/model-names", test_model_names);
  g_test_add ("/Keepsake/Device/usbmuxd-missing", Fixture, NULL, fixture_setup, test_usbmuxd_missing, fixture_teardown);
  g_test_add ("/Keepsake/Device/identity", Fixture, NULL, fixture_setup, test_identity, fixture_teardown);
  g_test_add ("/Keepsake/Device/attach-detach", Fixture, NULL, fixture_setup, test_attach_detach, fixture_teardown);
  g_test_add ("/Keepsake/Device/two-devices", Fixture, NULL, fixture_setup, test_two_devices, fixture_teardown);
  g_test_add ("/Keepsake/Device/two-monitors", Fixture, NULL, fixture_setup, test_two_monitors, fixture_teardown);
  g_test_add ("/Keepsake/Device/trust-ask", Fixture, NULL, fixture_setup, test_trust_ask, fixture_teardown);
  g_test_add ("/Keepsake/Device/trust-deny", Fixture, NULL, fixture_setup, test_trust_deny, fixture_teardown);
  g_test_add ("/Keepsake/Device/locked", Fixture, NULL, fixture_setup, test_locked, fixture_teardown);
  g_test_add ("/Keepsake/Device/usbmuxd-restart", Fixture, NULL, fixture_setup, test_usbmuxd_restart, fixture_teardown);
  g_test_add ("/Keepsake/Device/pairing-lost", Fixture, NULL, fixture_setup, test_pairing_lost, fixture_teardown);
  g_test_add ("/Keepsake/Device/probe", Fixture, NULL, fixture_setup, test_probe, fixture_teardown);

  return g_test_run ();
}
