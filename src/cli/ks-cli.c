/* ks-cli.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli: the engine without a window. Parses the command line, finds the iPhone (or
 * folder), and runs devices, list, backup, verify and status. Blocking work runs on a thread
 * while the main context spins, so device states and SIGINT are handled as they come. */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <openssl/crypto.h>

#include "ks-catalog.h"
#include "ks-cli.h"
#include "ks-cli-json.h"
#include "ks-destination.h"
#include "ks-device-source.h"
#include "ks-folder-destination.h"
#include "ks-folder-source.h"

static const char help_text[] =
  "Usage: keepsake-cli COMMAND [OPTIONS]\n"
  "\n"
  "Back up the photos and videos of an iPhone, verified.\n"
  "\n"
  "Commands:\n"
  "  devices                          list connected iPhones and their state\n"
  "  list   [--device UDID | --source DIR]\n"
  "                                   list the photo and video files on the iPhone (or in DIR)\n"
  "  backup [--device UDID | --source DIR] --to DIR [--dry-run]\n"
  "                                   copy what is not backed up yet to DIR, verified\n"
  "  verify --to DIR                  re-read every backed-up file in DIR and check its hash\n"
  "  status                           what the catalog knows: devices, destinations, runs\n"
  "\n"
  "Options for every command:\n"
  "  --json                           machine-readable output on stdout\n"
  "  --wait SECONDS                   how long to wait for Trust or unlock (default 60)\n"
  "  -h, --help                       this text\n"
  "\n"
  "With exactly one iPhone connected, --device may be omitted. Progress goes to stderr when it\n"
  "is a terminal. Ctrl+C stops cleanly: files are either complete or not there at all.\n"
  "\n"
  "Environment: USBMUXD_SOCKET_ADDRESS (usbmuxd to use), XDG_DATA_HOME (the catalog lives in\n"
  "$XDG_DATA_HOME/keepsake/catalog.db), XDG_CACHE_HOME.\n"
  "\n"
  "Exit status:\n"
  "    0  success\n"
  "    1  other error\n"
  "    2  usage error (bad option, several iPhones and no --device)\n"
  "    3  no iPhone connected, or the one named is not (any more)\n"
  "    4  the iPhone is locked\n"
  "    5  this computer is not trusted (Trust not tapped, denied, or pairing lost)\n"
  "    6  usbmuxd is not running\n"
  "    7  destination unavailable or not writable\n"
  "    8  not enough space at the destination\n"
  "    9  some files could not be copied (the others were)\n"
  "   10  verify found missing or damaged files\n"
  "  130  cancelled (SIGINT or SIGTERM)\n";

/* --- helpers shared by the commands ------------------------------------------------------- */

typedef struct
{
  KsCliWorkerFunc  func;
  gpointer         data;
  gpointer         result;
  GMainContext    *context;
  gint             done;
} Worker;

static gpointer
worker_thread (gpointer user_data)
{
  Worker *w = user_data;

  w->result = w->func (w->data);
  g_atomic_int_set (&w->done, 1);
  g_main_context_wakeup (w->context);
  return NULL;
}

/**
 * ks_cli_run_in_thread:
 *
 * Runs @func on a thread and spins the main context until it returns, so that signal
 * handlers and device events keep being dispatched. @func should watch cli->cancellable.
 */
gpointer
ks_cli_run_in_thread (KsCli           *cli,
                      KsCliWorkerFunc  func,
                      gpointer         data)
{
  Worker w = { func, data, NULL, g_main_context_default (), 0 };
  GThread *thread = g_thread_new ("keepsake-cli worker", worker_thread, &w);

  while (!g_atomic_int_get (&w.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  return w.result;
}

int
ks_cli_exit_for_error (const GError *error)
{
  if (error == NULL)
    return KS_EXIT_OK;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return KS_EXIT_CANCELLED;

  if (error->domain == KS_DEVICE_ERROR)
    switch ((KsDeviceError) error->code)
      {
      case KS_DEVICE_ERROR_NOT_FOUND:       return KS_EXIT_NO_DEVICE;
      case KS_DEVICE_ERROR_LOCKED:          return KS_EXIT_LOCKED;
      case KS_DEVICE_ERROR_NOT_TRUSTED:
      case KS_DEVICE_ERROR_TRUST_DENIED:
      case KS_DEVICE_ERROR_PAIRING_LOST:    return KS_EXIT_NOT_TRUSTED;
      case KS_DEVICE_ERROR_USBMUXD_MISSING: return KS_EXIT_USBMUXD_MISSING;
      case KS_DEVICE_ERROR_FAILED:
      default:                              return KS_EXIT_FAILED;
      }

  if (error->domain == KS_DESTINATION_ERROR)
    return error->code == KS_DESTINATION_ERROR_VERIFY_FAILED ? KS_EXIT_DAMAGED : KS_EXIT_DESTINATION;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return KS_EXIT_NO_SPACE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return KS_EXIT_NO_DEVICE;

  return KS_EXIT_FAILED;
}

static const char *
exit_code_name (int code)
{
  switch (code)
    {
    case KS_EXIT_OK:              return "ok";
    case KS_EXIT_USAGE:           return "usage";
    case KS_EXIT_NO_DEVICE:       return "no-device";
    case KS_EXIT_LOCKED:          return "locked";
    case KS_EXIT_NOT_TRUSTED:     return "not-trusted";
    case KS_EXIT_USBMUXD_MISSING: return "usbmuxd-missing";
    case KS_EXIT_DESTINATION:     return "destination-unavailable";
    case KS_EXIT_NO_SPACE:        return "no-space";
    case KS_EXIT_SOME_FAILED:     return "some-failed";
    case KS_EXIT_DAMAGED:         return "damaged";
    case KS_EXIT_CANCELLED:       return "cancelled";
    case KS_EXIT_FAILED:
    default:                      return "failed";
    }
}

/* Errors go to stderr as text; with --json also as {"error": …} on stdout, so a script that
 * parses stdout always gets a document. */
void
ks_cli_print_error (KsCli      *cli,
                    const char *command,
                    int         exit_code,
                    const char *message)
{
  g_autofree char *printable = ks_cli_printable (message);

  g_printerr ("keepsake-cli: %s\n", printable);

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();
      g_autofree char *text = NULL;

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", command);
      ks_json_key (json, "error");
      ks_json_begin_object (json);
      ks_json_member_int (json, "exit_code", exit_code);
      ks_json_member_string (json, "code", exit_code_name (exit_code));
      ks_json_member_string (json, "message", message);
      ks_json_end_object (json);
      ks_json_end_object (json);
      text = ks_json_steal (json);
      g_print ("%s\n", text);
    }
}

/* Raw device names can hold anything, including terminal escapes: show them safely. */
char *
ks_cli_printable (const char *raw)
{
  g_autofree char *valid = g_utf8_make_valid (raw ? raw : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
on_signal_cb (gpointer user_data)
{
  KsCli *cli = user_data;

  if (!g_cancellable_is_cancelled (cli->cancellable))
    {
      if (cli->progress)
        g_printerr ("\nCancelling…\n");
      g_cancellable_cancel (cli->cancellable);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the main context until @done says so, the deadline passes (returns FALSE) or the
 * run is cancelled (returns FALSE). */
static gboolean
wait_until (KsCli     *cli,
            gboolean (*done) (gpointer data),
            gpointer   data,
            double     seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (100, wake_cb, NULL);
  gboolean ret = FALSE;

  for (;;)
    {
      if (done (data))
        {
          ret = TRUE;
          break;
        }
      if (g_cancellable_is_cancelled (cli->cancellable) || g_get_monotonic_time () >= deadline)
        break;
      g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (tick);
  return ret;
}

static gboolean
monitor_started (gpointer data)
{
  return ks_device_monitor_get_started (KS_DEVICE_MONITOR (data));
}

static int
start_monitor (KsCli *cli)
{
  if (cli->monitor != NULL)
    return KS_EXIT_OK;

  cli->monitor = ks_device_monitor_new ();
  /* No usbmuxd event thread: a run lasts seconds, the list is probed every two anyway, and
   * libusbmuxd's way of stopping that thread (pthread_cancel) leaks when it lands early. */
  ks_device_monitor_set_watch_events (cli->monitor, FALSE);
  ks_device_monitor_start (cli->monitor);
  if (!wait_until (cli, monitor_started, cli->monitor, 15))
    return g_cancellable_is_cancelled (cli->cancellable) ? KS_EXIT_CANCELLED : KS_EXIT_FAILED;
  return KS_EXIT_OK;
}

typedef struct
{
  KsDeviceMonitor *monitor;
  const char      *udid;
} FindDevice;

static gboolean
device_present (gpointer data)
{
  FindDevice *find = data;

  return ks_device_monitor_lookup (find->monitor, find->udid) != NULL;
}

static gboolean
device_settled (gpointer data)
{
  KsDeviceState state = ks_device_get_state (KS_DEVICE (data));

  return state != KS_DEVICE_STATE_CONNECTING &&
         state != KS_DEVICE_STATE_WAITING_FOR_TRUST &&
         state != KS_DEVICE_STATE_LOCKED;
}

static gboolean
device_not_connecting (gpointer data)
{
  return ks_device_get_state (KS_DEVICE (data)) != KS_DEVICE_STATE_CONNECTING;
}

static int
exit_for_state (KsDeviceState state)
{
  switch (state)
    {
    case KS_DEVICE_STATE_READY:             return KS_EXIT_OK;
    case KS_DEVICE_STATE_LOCKED:            return KS_EXIT_LOCKED;
    case KS_DEVICE_STATE_WAITING_FOR_TRUST:
    case KS_DEVICE_STATE_TRUST_DENIED:
    case KS_DEVICE_STATE_PAIRING_LOST:      return KS_EXIT_NOT_TRUSTED;
    case KS_DEVICE_STATE_USBMUXD_MISSING:   return KS_EXIT_USBMUXD_MISSING;
    case KS_DEVICE_STATE_DISCONNECTED:      return KS_EXIT_NO_DEVICE;
    case KS_DEVICE_STATE_CONNECTING:
    case KS_DEVICE_STATE_ERROR:
    default:                                return KS_EXIT_FAILED;
    }
}

/* Finds the device to use and waits until it is ready, telling the user what to do on the
 * phone meanwhile (Trust, unlock). On failure returns the exit code; the message is printed. */
static int
resolve_device (KsCli       *cli,
                const char  *command,
                const char  *udid,
                KsDevice   **out_device)
{
  GListModel *devices;
  KsDevice *device = NULL;
  KsDeviceState last_told = KS_DEVICE_STATE_CONNECTING;
  int ret;

  if ((ret = start_monitor (cli)) != KS_EXIT_OK)
    {
      ks_cli_print_error (cli, command, ret, ret == KS_EXIT_CANCELLED ? _("Cancelled") : _("Could not reach usbmuxd"));
      return ret;
    }

  if (ks_device_monitor_get_usbmuxd_missing (cli->monitor))
    {
      ks_cli_print_error (cli, command, KS_EXIT_USBMUXD_MISSING, ks_device_monitor_get_message (cli->monitor));
      return KS_EXIT_USBMUXD_MISSING;
    }

  devices = ks_device_monitor_get_devices (cli->monitor);

  if (udid != NULL)
    {
      /* Give a just-plugged phone a moment to show up. */
      FindDevice find = { cli->monitor, udid };

      wait_until (cli, device_present, &find, 3);
      device = ks_device_monitor_lookup (cli->monitor, udid);
      if (device == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("No iPhone with UDID %s is connected"), udid);

          ks_cli_print_error (cli, command, KS_EXIT_NO_DEVICE, msg);
          return KS_EXIT_NO_DEVICE;
        }
    }
  else
    {
      guint n = g_list_model_get_n_items (devices);

      if (n == 0)
        {
          ks_cli_print_error (cli, command, KS_EXIT_NO_DEVICE,
                              _("No iPhone is connected. Connect it with a cable and unlock it"));
          return KS_EXIT_NO_DEVICE;
        }
      if (n > 1)
        {
          GString *msg = g_string_new (_("Several iPhones are connected; choose one with --device UDID:"));

          for (guint i = 0; i < n; i++)
            {
              g_autoptr(KsDevice) d = g_list_model_get_item (devices, i);
              g_string_append_printf (msg, "\n  %s", ks_device_get_udid (d));
            }
          ks_cli_print_error (cli, command, KS_EXIT_USAGE, msg->str);
          g_string_free (msg, TRUE);
          return KS_EXIT_USAGE;
        }
      device = g_list_model_get_item (devices, 0);
      g_object_unref (device);  /* the monitor keeps it */
    }

  g_object_ref (device);

  {
    gint64 deadline = g_get_monotonic_time () + (gint64) (cli->wait_seconds * G_USEC_PER_SEC);

    wait_until (cli, device_not_connecting, device, 30);
    while (!g_cancellable_is_cancelled (cli->cancellable))
      {
        KsDeviceState state = ks_device_get_state (device);
        double left = (deadline - g_get_monotonic_time ()) / (double) G_USEC_PER_SEC;

        if (state != KS_DEVICE_STATE_WAITING_FOR_TRUST && state != KS_DEVICE_STATE_LOCKED)
          break;
        if (left <= 0)
          break;
        if (state != last_told)
          {
            g_autofree char *msg = ks_cli_printable (ks_device_get_message (device));

            g_printerr ("%s\n", msg);
            last_told = state;
          }
        /* Returns as soon as the state changes or every 100 ms. */
        {
          gint64 until = g_get_monotonic_time () + 100 * 1000;

          while (ks_device_get_state (device) == state && g_get_monotonic_time () < until &&
                 !g_cancellable_is_cancelled (cli->cancellable))
            wait_until (cli, device_settled, device, 0.1);
        }
      }
  }

  if (g_cancellable_is_cancelled (cli->cancellable))
    {
      g_object_unref (device);
      return KS_EXIT_CANCELLED;
    }

  ret = exit_for_state (ks_device_get_state (device));
  if (ret != KS_EXIT_OK)
    {
      ks_cli_print_error (cli, command, ret, ks_device_get_message (device));
      g_object_unref (device);
      return ret;
    }

  *out_device = device;
  return KS_EXIT_OK;
}

/**
 * ks_cli_open_source:
 * @udid: (nullable): --device
 * @folder: (nullable): --source
 *
 * Returns: an exit code; on %KS_EXIT_OK, @out_source is set
 */
int
ks_cli_open_source (KsCli       *cli,
                    const char  *command,
                    const char  *udid,
                    const char  *folder,
                    KsSource   **out_source)
{
  g_autoptr(KsDevice) device = NULL;
  int ret;

  if (udid != NULL && folder != NULL)
    {
      ks_cli_print_error (cli, command, KS_EXIT_USAGE, _("Give either --device or --source, not both"));
      return KS_EXIT_USAGE;
    }

  if (folder != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (folder);

      if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_DIRECTORY)
        {
          g_autofree char *msg = g_strdup_printf (_("%s is not a folder"), folder);

          ks_cli_print_error (cli, command, KS_EXIT_NO_DEVICE, msg);
          return KS_EXIT_NO_DEVICE;
        }
      *out_source = KS_SOURCE (ks_folder_source_new (file));
      return KS_EXIT_OK;
    }

  if ((ret = resolve_device (cli, command, udid, &device)) != KS_EXIT_OK)
    return ret;

  *out_source = KS_SOURCE (ks_device_source_new_for_device (device));
  return KS_EXIT_OK;
}

/* --- devices ------------------------------------------------------------------------------ */

static gboolean
all_devices_settled (gpointer data)
{
  GListModel *devices = ks_device_monitor_get_devices (KS_DEVICE_MONITOR (data));
  guint n = g_list_model_get_n_items (devices);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (devices, i);

      if (ks_device_get_state (device) == KS_DEVICE_STATE_CONNECTING)
        return FALSE;
    }
  return TRUE;
}

static char *
format_size (guint64 bytes)
{
  return g_format_size (bytes);
}

static int
cmd_devices (KsCli  *cli,
             int     argc,
             char  **argv)
{
  GListModel *devices;
  guint n;
  int ret;

  if (argc > 1)
    {
      ks_cli_print_error (cli, "devices", KS_EXIT_USAGE, _("devices takes no arguments"));
      return KS_EXIT_USAGE;
    }

  if ((ret = start_monitor (cli)) != KS_EXIT_OK)
    return ret;

  if (ks_device_monitor_get_usbmuxd_missing (cli->monitor))
    {
      ks_cli_print_error (cli, "devices", KS_EXIT_USBMUXD_MISSING, ks_device_monitor_get_message (cli->monitor));
      return KS_EXIT_USBMUXD_MISSING;
    }

  wait_until (cli, all_devices_settled, cli->monitor, 30);
  if (g_cancellable_is_cancelled (cli->cancellable))
    return KS_EXIT_CANCELLED;

  devices = ks_device_monitor_get_devices (cli->monitor);
  n = g_list_model_get_n_items (devices);

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();
      g_autofree char *text = NULL;

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "devices");
      ks_json_member_bool (json, "usbmuxd", TRUE);
      ks_json_key (json, "devices");
      ks_json_begin_array (json);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(KsDevice) d = g_list_model_get_item (devices, i);

          ks_json_begin_object (json);
          ks_json_member_string (json, "udid", ks_device_get_udid (d));
          ks_json_member_string (json, "name", ks_device_get_name (d));
          ks_json_member_string (json, "product_type", ks_device_get_product_type (d));
          ks_json_member_string (json, "model_name", ks_device_get_model_name (d));
          ks_json_member_string (json, "ios_version", ks_device_get_ios_version (d));
          ks_json_member_int (json, "storage_total", ks_device_get_storage_total (d));
          ks_json_member_int (json, "storage_free", ks_device_get_storage_free (d));
          ks_json_member_int (json, "storage_used", ks_device_get_storage_used (d));
          ks_json_member_string (json, "state", ks_device_state_to_string (ks_device_get_state (d)));
          ks_json_member_string (json, "message", ks_device_get_message (d));
          ks_json_end_object (json);
        }
      ks_json_end_array (json);
      ks_json_end_object (json);
      text = ks_json_steal (json);
      g_print ("%s\n", text);
      return KS_EXIT_OK;
    }

  if (n == 0)
    {
      g_print ("%s\n", _("No iPhone connected."));
      return KS_EXIT_OK;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) d = g_list_model_get_item (devices, i);
      g_autofree char *name = ks_cli_printable (ks_device_get_name (d) ? ks_device_get_name (d) : "?");
      g_autofree char *used = format_size (ks_device_get_storage_used (d));
      g_autofree char *total = format_size (ks_device_get_storage_total (d));

      g_print ("%s  %s\n", ks_device_get_udid (d), name);
      if (ks_device_get_state (d) == KS_DEVICE_STATE_READY)
        g_print ("    %s, iOS %s (%s), %s of %s used\n",
                 ks_device_get_model_name (d) ? ks_device_get_model_name (d) : "iPhone",
                 ks_device_get_ios_version (d) ? ks_device_get_ios_version (d) : "?",
                 ks_device_get_product_type (d) ? ks_device_get_product_type (d) : "?",
                 used, total);
      g_print ("    %s: %s\n", ks_device_state_to_string (ks_device_get_state (d)), ks_device_get_message (d));
    }

  return KS_EXIT_OK;
}

/* --- list --------------------------------------------------------------------------------- */

typedef struct
{
  KsCli     *cli;
  KsSource  *source;
  GPtrArray *files;
  GError    *error;
  guint64    bytes;
  gint64     last_progress;
} ListJob;

static gboolean
list_file_cb (KsSource           *source,
              const KsSourceFile *file,
              gpointer            user_data)
{
  ListJob *job = user_data;

  g_ptr_array_add (job->files, ks_source_file_copy (file));
  job->bytes += file->size;

  if (job->cli->progress && g_get_monotonic_time () - job->last_progress > G_USEC_PER_SEC / 4)
    {
      job->last_progress = g_get_monotonic_time ();
      g_printerr ("\r%s", "");
      g_printerr (_("Found %u files…"), job->files->len);
    }
  return TRUE;
}

static gpointer
list_worker (gpointer data)
{
  ListJob *job = data;

  if (!ks_source_enumerate (job->source, list_file_cb, job, job->cli->cancellable, &job->error))
    return GINT_TO_POINTER (FALSE);
  return GINT_TO_POINTER (TRUE);
}

static int
cmd_list (KsCli  *cli,
          int     argc,
          char  **argv)
{
  g_autofree char *udid = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsSource) source = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &udid, N_("iPhone to list"), "UDID" },
    { "source", 0, 0, G_OPTION_ARG_FILENAME, &folder, N_("Folder to list instead"), "DIR" },
    { NULL }
  };
  ListJob job = { cli, NULL, files, NULL, 0, 0 };
  int ret;

  context = g_option_context_new (NULL);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 1)
    {
      ks_cli_print_error (cli, "list", KS_EXIT_USAGE, error ? error->message : _("Unexpected argument"));
      return KS_EXIT_USAGE;
    }

  if ((ret = ks_cli_open_source (cli, "list", udid, folder, &source)) != KS_EXIT_OK)
    return ret;

  job.source = source;
  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, list_worker, &job)))
    {
      g_autoptr(GError) list_error = job.error;

      if (cli->progress)
        g_printerr ("\n");
      ret = ks_cli_exit_for_error (list_error);
      ks_cli_print_error (cli, "list", ret, list_error->message);
      return ret;
    }
  if (cli->progress && files->len > 0)
    g_printerr ("\r\033[K");

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();
      g_autofree char *text = NULL;

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "list");
      ks_json_member_string (json, "source", ks_source_get_id (source));
      ks_json_member_int (json, "count", files->len);
      ks_json_member_int (json, "bytes", job.bytes);
      ks_json_key (json, "files");
      ks_json_begin_array (json);
      for (guint i = 0; i < files->len; i++)
        {
          KsSourceFile *f = g_ptr_array_index (files, i);

          ks_json_begin_object (json);
          ks_json_member_string (json, "path", f->path);
          ks_json_member_int (json, "size", f->size);
          ks_json_member_int (json, "mtime", f->mtime);
          ks_json_end_object (json);
        }
      ks_json_end_array (json);
      ks_json_end_object (json);
      text = ks_json_steal (json);
      g_print ("%s\n", text);
    }
  else
    {
      g_autofree char *total = g_format_size (job.bytes);

      for (guint i = 0; i < files->len; i++)
        {
          KsSourceFile *f = g_ptr_array_index (files, i);
          g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (f->mtime);
          g_autofree char *date = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("?");
          g_autofree char *path = ks_cli_printable (f->path);

          g_print ("%12" G_GUINT64_FORMAT "  %s  %s\n", f->size, date, path);
        }
      g_print (ngettext ("%u file, %s\n", "%u files, %s\n", files->len), files->len, total);
    }

  return KS_EXIT_OK;
}

/* --- verify ------------------------------------------------------------------------------- */

typedef struct
{
  KsCli         *cli;
  KsDestination *destination;
  GPtrArray     *damaged;   /* relative paths */
  GPtrArray     *missing;
  guint          checked;
  guint          total;
  GError        *error;
} VerifyJob;

static gpointer
verify_worker (gpointer data)
{
  VerifyJob *job = data;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 last_progress = 0;

  if (!ks_destination_open (job->destination, job->cli->cancellable, &job->error))
    return GINT_TO_POINTER (FALSE);

  entries = ks_destination_list_entries (job->destination);
  job->total = entries ? entries->len : 0;

  for (guint i = 0; i < job->total; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *hash = NULL;
      guint64 size = 0;

      if (g_cancellable_set_error_if_cancelled (job->cli->cancellable, &job->error))
        return GINT_TO_POINTER (FALSE);

      hash = ks_destination_hash_file (job->destination, entry->relative_path, &size,
                                       job->cli->cancellable, &local_error);
      if (hash == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              job->error = g_steal_pointer (&local_error);
              return GINT_TO_POINTER (FALSE);
            }
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            g_ptr_array_add (job->missing, g_strdup (entry->relative_path));
          else
            g_ptr_array_add (job->damaged, g_strdup (entry->relative_path));
        }
      else if (g_strcmp0 (hash, entry->hash) != 0 || size != entry->size)
        g_ptr_array_add (job->damaged, g_strdup (entry->relative_path));

      job->checked++;
      if (job->cli->progress && g_get_monotonic_time () - last_progress > G_USEC_PER_SEC / 4)
        {
          last_progress = g_get_monotonic_time ();
          g_printerr ("\r");
          g_printerr (_("Checked %u of %u files…"), job->checked, job->total);
        }
    }

  return GINT_TO_POINTER (TRUE);
}

static int
cmd_verify (KsCli  *cli,
            int     argc,
            char  **argv)
{
  g_autofree char *to = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsFolderDestination) destination = NULL;
  g_autoptr(GPtrArray) damaged = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("Backup folder to check"), "DIR" },
    { NULL }
  };
  VerifyJob job = { cli, NULL, damaged, missing, 0, 0, NULL };
  int ret;

  context = g_option_context_new (NULL);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 1 || to == NULL)
    {
      ks_cli_print_error (cli, "verify", KS_EXIT_USAGE,
                          error ? error->message : _("verify needs --to DIR"));
      return KS_EXIT_USAGE;
    }

  if (!g_file_test (to, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *msg = g_strdup_printf (_("%s is not a folder"), to);

      ks_cli_print_error (cli, "verify", KS_EXIT_DESTINATION, msg);
      return KS_EXIT_DESTINATION;
    }

  destination = ks_folder_destination_new (to);
  job.destination = KS_DESTINATION (destination);

  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, verify_worker, &job)))
    {
      g_autoptr(GError) verify_error = job.error;

      if (cli->progress)
        g_printerr ("\n");
      ret = ks_cli_exit_for_error (verify_error);
      if (ret == KS_EXIT_FAILED && verify_error->domain == G_IO_ERROR)
        ret = KS_EXIT_DESTINATION;
      ks_cli_print_error (cli, "verify", ret, verify_error->message);
      return ret;
    }
  if (cli->progress && job.total > 0)
    g_printerr ("\r\033[K");

  ret = (damaged->len > 0 || missing->len > 0) ? KS_EXIT_DAMAGED : KS_EXIT_OK;

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();
      g_autofree char *text = NULL;

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "verify");
      ks_json_member_string (json, "destination", to);
      ks_json_member_int (json, "checked", job.checked);
      ks_json_member_int (json, "ok", job.checked - damaged->len - missing->len);
      ks_json_key (json, "damaged");
      ks_json_begin_array (json);
      for (guint i = 0; i < damaged->len; i++)
        ks_json_string (json, g_ptr_array_index (damaged, i));
      ks_json_end_array (json);
      ks_json_key (json, "missing");
      ks_json_begin_array (json);
      for (guint i = 0; i < missing->len; i++)
        ks_json_string (json, g_ptr_array_index (missing, i));
      ks_json_end_array (json);
      ks_json_member_int (json, "exit_code", ret);
      ks_json_end_object (json);
      text = ks_json_steal (json);
      g_print ("%s\n", text);
    }
  else
    {
      for (guint i = 0; i < damaged->len; i++)
        {
          g_autofree char *p = ks_cli_printable (g_ptr_array_index (damaged, i));
          g_print ("DAMAGED  %s\n", p);
        }
      for (guint i = 0; i < missing->len; i++)
        {
          g_autofree char *p = ks_cli_printable (g_ptr_array_index (missing, i));
          g_print ("MISSING  %s\n", p);
        }
      g_print (_("%u files checked: %u ok, %u damaged, %u missing\n"),
               job.checked, job.checked - damaged->len - missing->len, damaged->len, missing->len);
    }

  return ret;
}

/* --- status ------------------------------------------------------------------------------- */

static void
status_print_run (KsJson             *json,
                  const KsCatalogRun *run)
{
  if (json != NULL)
    {
      ks_json_begin_object (json);
      ks_json_member_int (json, "id", run->id);
      ks_json_member_int (json, "started_at", run->started_at);
      ks_json_member_int (json, "finished_at", run->finished_at);
      ks_json_member_string (json, "source", run->source_id);
      ks_json_member_string (json, "destinations", run->destinations);
      ks_json_member_int (json, "copied", run->copied);
      ks_json_member_int (json, "skipped", run->skipped);
      ks_json_member_int (json, "failed", run->failed);
      ks_json_member_int (json, "bytes", run->bytes);
      ks_json_member_string (json, "status", run->status);
      ks_json_member_string (json, "error", run->error);
      ks_json_end_object (json);
    }
  else
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (run->started_at);
      g_autofree char *date = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("?");
      g_autofree char *src = ks_cli_printable (run->source_id);

      g_print ("  %s  %s  %s: %u copied, %u skipped, %u failed\n",
               date, src, run->status, run->copied, run->skipped, run->failed);
    }
}

/* Everything comes through the catalog's read API, never its tables: the schema moves with
 * migrations, and reading runs first marks those whose process died "interrupted". */
static int
cmd_status (KsCli  *cli,
            int     argc,
            char  **argv)
{
  g_autofree char *path = ks_catalog_dup_default_path ();
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsCatalogSummary) summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(KsJson) json = NULL;
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  GPtrArray *destinations = NULL;

  if (argc > 1)
    {
      ks_cli_print_error (cli, "status", KS_EXIT_USAGE, _("status takes no arguments"));
      return KS_EXIT_USAGE;
    }

  if (exists)
    {
      /* Opening replays a WAL left by a killed run. */
      catalog = ks_catalog_new (path, &error);
      if (catalog == NULL)
        {
          ks_cli_print_error (cli, "status", KS_EXIT_FAILED, error->message);
          return KS_EXIT_FAILED;
        }
      summary = ks_catalog_get_summary (catalog);
      devices = ks_catalog_list_devices (catalog);
      runs = ks_catalog_list_recent_runs (catalog, 10);
      destinations = summary->destinations;
    }

  if (cli->json)
    {
      json = ks_json_new ();
      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "status");
      ks_json_member_string (json, "catalog", path);
      ks_json_member_bool (json, "exists", exists);
      ks_json_member_int (json, "files", summary ? summary->n_files : 0);
      ks_json_member_int (json, "assets", summary ? summary->n_assets : 0);
      ks_json_member_int (json, "backed_up", summary ? summary->n_backed_up : 0);
      ks_json_member_int (json, "copies", summary ? summary->n_copies : 0);
      ks_json_member_int (json, "bytes_copied", summary ? summary->bytes_copied : 0);
      ks_json_member_int (json, "n_devices", summary ? summary->n_devices : 0);
      ks_json_member_int (json, "n_destinations", destinations ? destinations->len : 0);
      ks_json_member_int (json, "n_runs", summary ? summary->n_runs : 0);
      ks_json_key (json, "devices");
      ks_json_begin_array (json);
    }
  else
    {
      g_print (_("Catalog: %s\n"), path);
      if (!exists)
        {
          g_print ("%s\n", _("Nothing backed up yet."));
          return KS_EXIT_OK;
        }
      g_print (_("%" G_GUINT64_FORMAT " files known (%" G_GUINT64_FORMAT " photos and videos), "
                 "%" G_GUINT64_FORMAT " backed up; %" G_GUINT64_FORMAT " copies\n"),
               summary->n_files, summary->n_assets, summary->n_backed_up, summary->n_copies);
      g_print ("%s\n", _("Devices seen:"));
    }

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      KsCatalogDevice *device = g_ptr_array_index (devices, i);

      if (json != NULL)
        {
          ks_json_begin_object (json);
          ks_json_member_string (json, "udid", device->udid);
          ks_json_member_string (json, "name", device->name);
          ks_json_member_string (json, "model", device->model);
          ks_json_member_int (json, "last_seen", device->last_seen);
          ks_json_end_object (json);
        }
      else
        {
          g_autofree char *udid = ks_cli_printable (device->udid);
          g_autofree char *name = ks_cli_printable (device->name ? device->name : "");
          g_autofree char *model = ks_cli_printable (device->model ? device->model : "");

          g_print ("  %s  %s  %s\n", udid, name, model);
        }
    }

  if (json != NULL)
    {
      ks_json_end_array (json);
      ks_json_key (json, "destinations");
      ks_json_begin_array (json);
    }
  else
    g_print ("%s\n", _("Destinations:"));

  for (guint i = 0; destinations != NULL && i < destinations->len; i++)
    {
      KsCatalogDestination *dest = g_ptr_array_index (destinations, i);

      if (json != NULL)
        {
          ks_json_begin_object (json);
          ks_json_member_string (json, "id", dest->id);
          ks_json_member_string (json, "kind", dest->kind);
          ks_json_member_string (json, "uri", dest->uri);
          ks_json_member_int (json, "copies", dest->n_copies);
          ks_json_member_int (json, "bytes", dest->bytes);
          ks_json_member_int (json, "last_seen", dest->last_seen);
          ks_json_end_object (json);
        }
      else
        {
          g_autofree char *uri = ks_cli_printable (dest->uri ? dest->uri : "");
          g_autofree char *size = g_format_size (dest->bytes);

          g_print (_("  %s  %" G_GUINT64_FORMAT " copies, %s\n"), uri, dest->n_copies, size);
        }
    }

  if (json != NULL)
    {
      ks_json_end_array (json);
      ks_json_key (json, "runs");
      ks_json_begin_array (json);
    }
  else
    g_print ("%s\n", _("Last runs (newest first):"));

  for (guint i = 0; runs != NULL && i < runs->len; i++)
    status_print_run (json, g_ptr_array_index (runs, i));

  if (json != NULL)
    {
      g_autofree char *text = NULL;

      ks_json_end_array (json);
      ks_json_end_object (json);
      text = ks_json_steal (json);
      g_print ("%s\n", text);
    }

  return KS_EXIT_OK;
}

/* --- main --------------------------------------------------------------------------------- */

/* How long to wait at exit for device probes to finish; a pairing takes a second or two (it
 * makes new host keys each time). */
#define SHUTDOWN_WAIT_MS 10000

static void
object_gone_cb (gpointer  data,
                GObject  *where_the_object_was)
{
  gint *alive = data;

  /* The last reference of a device may go on the GTask worker that probed it. */
  if (g_atomic_int_dec_and_test (alive))
    g_main_context_wakeup (NULL);
}

static void
watch_object (GObject *object,
              gint    *alive)
{
  g_atomic_int_inc (alive);
  g_object_weak_ref (object, object_gone_cb, alive);
}

/* Stops and frees what the run started, so that main() can return: the device monitor,
 * the devices' Trust / unlock retries, and the device probes that may still be pairing on
 * GTask workers (Ctrl+C while the phone shows its Trust dialog, or giving up after --wait).
 * Returns FALSE if something is still running after SHUTDOWN_WAIT_MS. */
static gboolean
cli_shutdown (KsCli *cli)
{
  /* static: after a timeout a worker may still drop the last reference of a device. */
  static gint alive;
  gint64 deadline = g_get_monotonic_time () + SHUTDOWN_WAIT_MS * G_TIME_SPAN_MILLISECOND;
  gboolean done;
  guint tick;

  for (guint i = 0; i < G_N_ELEMENTS (cli->signal_ids); i++)
    g_clear_handle_id (&cli->signal_ids[i], g_source_remove);

  if (cli->monitor != NULL)
    {
      GListModel *devices = ks_device_monitor_get_devices (cli->monitor);
      guint n = g_list_model_get_n_items (devices);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(KsDevice) device = g_list_model_get_item (devices, i);

          watch_object (G_OBJECT (device), &alive);
        }
      watch_object (G_OBJECT (cli->monitor), &alive);

      /* Stops the monitor's probes and marks every device disconnected, which cancels its
       * retries. A probe in flight keeps its device (a usbmuxd probe, the monitor) until its
       * result has been delivered here. */
      g_object_run_dispose (G_OBJECT (cli->monitor));
      g_clear_object (&cli->monitor);
    }

  done = ks_device_wait_for_probes (SHUTDOWN_WAIT_MS);

  tick = g_timeout_add (100, wake_cb, NULL);
  while (g_atomic_int_get (&alive) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  done = done && g_atomic_int_get (&alive) == 0;

  /* Whatever else is queued, such as the callbacks of cancelled operations. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_object (&cli->cancellable);
  return done;
}

/* Pulls the options every command takes out of argv, in place. */
static gboolean
take_global_options (KsCli   *cli,
                     int     *argc,
                     char  ***argv,
                     GError **error)
{
  char **args = *argv;
  int out = 0;

  for (int i = 0; i < *argc; i++)
    {
      if (g_strcmp0 (args[i], "--json") == 0)
        cli->json = TRUE;
      else if (g_strcmp0 (args[i], "--wait") == 0 || g_str_has_prefix (args[i], "--wait="))
        {
          const char *value = args[i][6] == '=' ? args[i] + 7 : (i + 1 < *argc ? args[++i] : NULL);
          char *end = NULL;

          cli->wait_seconds = value ? g_ascii_strtod (value, &end) : -1;
          if (value == NULL || end == value || *end != '\0' || cli->wait_seconds < 0)
            {
              g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                   _("--wait needs a number of seconds"));
              return FALSE;
            }
        }
      else
        args[out++] = args[i];
    }
  args[out] = NULL;
  *argc = out;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  KsCli cli = { 0 };
  g_autoptr(GError) error = NULL;
  const char *command;
  int ret;

  /* OpenSSL frees its global state (the locks and random generators that pairing and TLS
   * use) from an atexit() handler, and with it forgets the per-thread state of threads still
   * alive: GLib's GTask workers, which probe devices and open AFC connections and which no
   * one can join. A worker still pairing then crashed in exit() (that is why keepsake-cli
   * once left through _exit()), and one that ended during exit() leaked its state. Without
   * that handler exit() leaves OpenSSL alone; what it holds stays reachable until the end. */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A photo backup must not die half-way because a pipe reader went away. */
  signal (SIGPIPE, SIG_IGN);

  cli.cancellable = g_cancellable_new ();
  cli.progress = isatty (STDERR_FILENO);
  cli.wait_seconds = 60;

  if (!take_global_options (&cli, &argc, &argv, &error))
    {
      ks_cli_print_error (&cli, "keepsake-cli", KS_EXIT_USAGE, error->message);
      ret = KS_EXIT_USAGE;
      goto out;
    }

  if (argc < 2)
    {
      g_printerr ("%s", help_text);
      ret = KS_EXIT_USAGE;
      goto out;
    }

  command = argv[1];
  for (int i = 1; i < argc; i++)
    if (g_strcmp0 (argv[i], "--help") == 0 || g_strcmp0 (argv[i], "-h") == 0 ||
        g_strcmp0 (argv[i], "help") == 0)
      {
        g_print ("%s", help_text);
        ret = KS_EXIT_OK;
        goto out;
      }

  cli.signal_ids[0] = g_unix_signal_add (SIGINT, on_signal_cb, &cli);
  cli.signal_ids[1] = g_unix_signal_add (SIGTERM, on_signal_cb, &cli);

  if (g_str_equal (command, "devices"))
    ret = cmd_devices (&cli, argc - 1, argv + 1);
  else if (g_str_equal (command, "list"))
    ret = cmd_list (&cli, argc - 1, argv + 1);
  else if (g_str_equal (command, "backup"))
    ret = ks_cli_backup (&cli, argc - 1, argv + 1);
  else if (g_str_equal (command, "verify"))
    ret = cmd_verify (&cli, argc - 1, argv + 1);
  else if (g_str_equal (command, "status"))
    ret = cmd_status (&cli, argc - 1, argv + 1);
  else
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown command “%s”; see keepsake-cli --help"), command);

      ks_cli_print_error (&cli, command, KS_EXIT_USAGE, msg);
      ret = KS_EXIT_USAGE;
    }

  if (ret != KS_EXIT_CANCELLED && g_cancellable_is_cancelled (cli.cancellable))
    ret = KS_EXIT_CANCELLED;

out:
  g_clear_error (&error);
  /* Said out loud so that the tests notice: only a libimobiledevice call that hangs gets here. */
  if (!cli_shutdown (&cli))
    g_printerr ("keepsake-cli: %s\n", _("A device check was still running at exit"));

  return ret;
}
