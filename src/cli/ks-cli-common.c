/* ks-cli-common.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the commands share: running blocking work on a thread while the main context spins
 * (so device states and SIGINT keep being handled), choosing the iPhone and waiting for it
 * to be trusted and unlocked, option parsing, errors, JSON output and the progress line. */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>
#include <openssl/crypto.h>

#include "ks-backup-source.h"
#include "ks-cli.h"
#include "ks-device-source.h"
#include "ks-folder-source.h"

/* How often the progress line on a terminal is redrawn, at most. */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 5)

/* --- waiting ------------------------------------------------------------------------------ */

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

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * ks_cli_wait_until:
 * @cli: (nullable): if given, a cancelled run stops the wait
 *
 * Spins the main context until @done says so (returns %TRUE), the deadline passes or the
 * run is cancelled (returns %FALSE). @done is asked at least every 100 ms.
 */
gboolean
ks_cli_wait_until (KsCli          *cli,
                   KsCliCheckFunc  done,
                   gpointer        data,
                   double          seconds)
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
      if ((cli != NULL && g_cancellable_is_cancelled (cli->cancellable)) ||
          g_get_monotonic_time () >= deadline)
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

int
ks_cli_start_monitor (KsCli *cli)
{
  if (cli->monitor != NULL)
    return KS_EXIT_OK;

  cli->monitor = ks_device_monitor_new ();
  /* No usbmuxd event thread: a run lasts seconds, the list is probed every two anyway, and
   * libusbmuxd's way of stopping that thread (pthread_cancel) leaks when it lands early. */
  ks_device_monitor_set_watch_events (cli->monitor, FALSE);
  ks_device_monitor_start (cli->monitor);
  if (!ks_cli_wait_until (cli, monitor_started, cli->monitor, 15))
    return g_cancellable_is_cancelled (cli->cancellable) ? KS_EXIT_CANCELLED : KS_EXIT_FAILED;
  return KS_EXIT_OK;
}

/* --- options, errors, output -------------------------------------------------------------- */

/**
 * ks_cli_parse_options:
 * @entries: (nullable): the command's options
 * @max_args: how many arguments the command takes besides its options
 *
 * Parses a command's options in place (@argv[0] is the command). On a bad option or too
 * many arguments, says so and returns %KS_EXIT_USAGE.
 */
int
ks_cli_parse_options (KsCli               *cli,
                      const char          *command,
                      const GOptionEntry  *entries,
                      int                  max_args,
                      int                 *argc,
                      char              ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;

  g_option_context_set_help_enabled (context, FALSE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      ks_cli_print_error (cli, command, KS_EXIT_USAGE, error->message);
      return KS_EXIT_USAGE;
    }
  if (*argc - 1 > max_args)
    {
      g_autofree char *msg = g_strdup_printf (_("Unexpected argument “%s” for %s; see keepsake-cli --help"),
                                              (*argv)[1 + max_args], command);

      ks_cli_print_error (cli, command, KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }
  return KS_EXIT_OK;
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

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", command);
      ks_json_key (json, "error");
      ks_json_begin_object (json);
      ks_json_member_int (json, "exit_code", exit_code);
      ks_json_member_string (json, "code", ks_cli_exit_code_name (exit_code));
      ks_json_member_string (json, "message", message);
      ks_json_end_object (json);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
}

/* Prints a finished document as one line on stdout. */
void
ks_cli_print_json (KsJson *json)
{
  g_autofree char *text = ks_json_steal (json);

  g_print ("%s\n", text);
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

/* Local time, to the minute, as every listing shows it. */
char *
ks_cli_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (unix_seconds);

  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

/**
 * ks_cli_progress:
 * @last_shown: when the line was last drawn (0: never); updated
 *
 * Redraws the one-line progress on stderr, only when it is a terminal and at most five
 * times a second. May be called from a worker thread (one at a time).
 */
void
ks_cli_progress (KsCli      *cli,
                 gint64     *last_shown,
                 const char *format,
                 ...)
{
  g_autofree char *text = NULL;
  gint64 now = g_get_monotonic_time ();
  va_list args;

  if (!cli->progress || (*last_shown != 0 && now - *last_shown < PROGRESS_INTERVAL_US))
    return;
  *last_shown = now;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("\r\033[K%s", text);
}

/* Clears the progress line, if one was drawn, before the result or an error is printed. */
void
ks_cli_progress_clear (KsCli  *cli,
                       gint64 *last_shown)
{
  if (cli->progress && *last_shown != 0)
    g_printerr ("\r\033[K");
  *last_shown = 0;
}

/* --- the catalog and the backup plan ----------------------------------------------------- */

/**
 * ks_cli_open_plan:
 * @create: whether to make the catalog if there is none yet; without, a missing catalog
 *   gives %KS_EXIT_OK and %NULL for both (an empty plan, and nothing written by a reader)
 *
 * Opens the catalog ($XDG_DATA_HOME/keepsake/catalog.db) and the backup plan it stores.
 *
 * Returns: an exit code; the message is printed
 */
int
ks_cli_open_plan (KsCli         *cli,
                  const char    *command,
                  gboolean       create,
                  KsCatalog    **out_catalog,
                  KsBackupPlan **out_plan)
{
  g_autofree char *path = ks_catalog_dup_default_path ();
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;

  *out_catalog = NULL;
  *out_plan = NULL;

  if (!create && !g_file_test (path, G_FILE_TEST_EXISTS))
    return KS_EXIT_OK;

  /* Opening replays a WAL left by a killed run. */
  catalog = ks_catalog_new (path, &error);
  if (catalog != NULL)
    *out_plan = ks_backup_plan_new (catalog, &error);
  if (*out_plan == NULL)
    {
      ks_cli_print_error (cli, command, KS_EXIT_FAILED, error->message);
      return KS_EXIT_FAILED;
    }

  *out_catalog = g_steal_pointer (&catalog);
  return KS_EXIT_OK;
}

/* A destination named wrong (not a folder, not in the plan, already in it) is a usage error;
 * anything else (the database) is not. */
/* The plan must have a destination switched on (backup without --to, monitor). */
int
ks_cli_check_plan (KsCli        *cli,
                   const char   *command,
                   KsBackupPlan *plan)
{
  g_autoptr(GPtrArray) enabled = ks_backup_plan_dup_enabled (plan, KS_BACKUP_METHOD_FILES);

  if (enabled->len > 0)
    return KS_EXIT_OK;

  ks_cli_print_error (cli, command, KS_EXIT_USAGE,
                      _("No backup destination is set up (or all are disabled). Add a folder "
                        "with “keepsake-cli destinations add DIR”, or give --to DIR"));
  return KS_EXIT_USAGE;
}

int
ks_cli_exit_for_plan_error (const GError *error)
{
  if (g_error_matches (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID) ||
      g_error_matches (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_NOT_FOUND) ||
      g_error_matches (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_EXISTS))
    return KS_EXIT_USAGE;
  return ks_cli_exit_for_error (error);
}

/* --- choosing the iPhone ------------------------------------------------------------------ */

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

/* Without --device: the one iPhone connected, or a usage error naming them all. */
static int
only_device (KsCli       *cli,
             const char  *command,
             KsDevice   **out_device)
{
  GListModel *devices = ks_device_monitor_get_devices (cli->monitor);
  guint n = g_list_model_get_n_items (devices);
  GString *msg;

  if (n == 1)
    {
      *out_device = g_list_model_get_item (devices, 0);
      return KS_EXIT_OK;
    }

  if (n == 0)
    {
      ks_cli_print_error (cli, command, KS_EXIT_NO_DEVICE,
                          _("No iPhone is connected. Connect it with a cable and unlock it"));
      return KS_EXIT_NO_DEVICE;
    }

  msg = g_string_new (_("Several iPhones are connected; choose one with --device UDID:"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) d = g_list_model_get_item (devices, i);

      g_string_append_printf (msg, "\n  %s", ks_device_get_udid (d));
    }
  ks_cli_print_error (cli, command, KS_EXIT_USAGE, msg->str);
  g_string_free (msg, TRUE);
  return KS_EXIT_USAGE;
}

/* While the phone shows Trust or is locked, tells the user what to do (once per state) and
 * waits, up to --wait seconds. */
static void
wait_for_user (KsCli    *cli,
               KsDevice *device)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (cli->wait_seconds * G_USEC_PER_SEC);
  KsDeviceState last_told = KS_DEVICE_STATE_CONNECTING;

  ks_cli_wait_until (cli, device_not_connecting, device, 30);
  while (!g_cancellable_is_cancelled (cli->cancellable))
    {
      KsDeviceState state = ks_device_get_state (device);
      gint64 until;

      if (state != KS_DEVICE_STATE_WAITING_FOR_TRUST && state != KS_DEVICE_STATE_LOCKED)
        break;
      if (g_get_monotonic_time () >= deadline)
        break;
      if (state != last_told)
        {
          g_autofree char *msg = ks_cli_printable (ks_device_get_message (device));

          g_printerr ("%s\n", msg);
          last_told = state;
        }
      /* Returns as soon as the state changes or every 100 ms. */
      until = g_get_monotonic_time () + 100 * 1000;
      while (ks_device_get_state (device) == state && g_get_monotonic_time () < until &&
             !g_cancellable_is_cancelled (cli->cancellable))
        ks_cli_wait_until (cli, device_settled, device, 0.1);
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
  g_autoptr(KsDevice) device = NULL;
  int ret;

  if ((ret = ks_cli_start_monitor (cli)) != KS_EXIT_OK)
    {
      ks_cli_print_error (cli, command, ret, ret == KS_EXIT_CANCELLED ? _("Cancelled") : _("Could not reach usbmuxd"));
      return ret;
    }

  if (ks_device_monitor_get_usbmuxd_missing (cli->monitor))
    {
      ks_cli_print_error (cli, command, KS_EXIT_USBMUXD_MISSING, ks_device_monitor_get_message (cli->monitor));
      return KS_EXIT_USBMUXD_MISSING;
    }

  if (udid != NULL)
    {
      /* Give a just-plugged phone a moment to show up. */
      FindDevice find = { cli->monitor, udid };

      ks_cli_wait_until (cli, device_present, &find, 3);
      device = ks_device_monitor_lookup (cli->monitor, udid);
      if (device == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("No iPhone with UDID %s is connected"), udid);

          ks_cli_print_error (cli, command, KS_EXIT_NO_DEVICE, msg);
          return KS_EXIT_NO_DEVICE;
        }
      g_object_ref (device);
    }
  else if ((ret = only_device (cli, command, &device)) != KS_EXIT_OK)
    return ret;

  wait_for_user (cli, device);

  if (g_cancellable_is_cancelled (cli->cancellable))
    return KS_EXIT_CANCELLED;

  ret = exit_for_state (ks_device_get_state (device));
  if (ret != KS_EXIT_OK)
    {
      ks_cli_print_error (cli, command, ret, ks_device_get_message (device));
      return ret;
    }

  *out_device = g_steal_pointer (&device);
  return KS_EXIT_OK;
}

typedef struct
{
  KsBackupSource *source;
  GCancellable   *cancellable;
  GError         *error;
} UnlockJob;

static gpointer
unlock_worker (gpointer data)
{
  UnlockJob *job = data;

  return GINT_TO_POINTER (ks_backup_source_unlock (job->source, job->cancellable, &job->error));
}

/**
 * ks_cli_read_password_file:
 * @path: a file, /dev/fd/N, or "-" for standard input
 *
 * A password from a file: its first line. It stays in memory only.
 *
 * Returns: (transfer full): the password (free with ks_backup_password_free()), or %NULL
 */
char *
ks_cli_read_password_file (const char  *path,
                           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  char *newline;

  if (g_strcmp0 (path, "-") == 0)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      char buf[4096];
      gsize got = 0;

      if (!g_input_stream_read_all (in, buf, sizeof buf - 1, &got, NULL, error))
        return NULL;
      buf[got] = '\0';
      contents = g_strdup (buf);
      len = got;
      OPENSSL_cleanse (buf, sizeof buf);
    }
  else if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  newline = strpbrk (contents, "\r\n");
  if (newline != NULL)
    *newline = '\0';
  if (contents[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s holds no password"),
                   g_strcmp0 (path, "-") == 0 ? _("Standard input") : path);
      OPENSSL_cleanse (contents, len);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

/* A device backup (Finder's, iTunes', idevicebackup2's, ours): opened and, if encrypted,
 * unlocked now, so a wrong password or a damaged Manifest.db is said before anything runs. */
static int
open_backup_source (KsCli       *cli,
                    const char  *command,
                    GFile       *file,
                    const char  *password_file,
                    KsSource   **out_source)
{
  g_autoptr(KsBackupSource) source = NULL;
  g_autoptr(GError) error = NULL;
  UnlockJob job = { NULL, cli->cancellable, NULL };
  int ret;

  source = ks_backup_source_new (file, &error);
  if (source == NULL)
    {
      ret = ks_cli_exit_for_error (error);
      ks_cli_print_error (cli, command, ret, error->message);
      return ret;
    }

  if (password_file != NULL)
    {
      char *password = ks_cli_read_password_file (password_file, &error);

      if (password == NULL)
        {
          ks_cli_print_error (cli, command, KS_EXIT_USAGE, error->message);
          return KS_EXIT_USAGE;
        }
      ks_backup_source_set_password (source, password);
      OPENSSL_cleanse (password, strlen (password));
      g_free (password);
    }

  /* No password given: the one the user asked the keyring to remember for this iPhone. */
  else
    ks_backup_source_set_use_keyring (source, TRUE);

  job.source = source;
  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, unlock_worker, &job)))
    {
      g_autoptr(GError) unlock_error = job.error;

      ret = ks_cli_exit_for_error (unlock_error);
      ks_cli_print_error (cli, command, ret, unlock_error->message);
      return ret;
    }

  *out_source = KS_SOURCE (g_steal_pointer (&source));
  return KS_EXIT_OK;
}

/**
 * ks_cli_open_source:
 * @udid: (nullable): --device
 * @folder: (nullable): --source: a folder of photos, or a device backup
 * @password_file: (nullable): --password-file, for an encrypted device backup
 *
 * Returns: an exit code; on %KS_EXIT_OK, @out_source is set
 */
int
ks_cli_open_source (KsCli       *cli,
                    const char  *command,
                    const char  *udid,
                    const char  *folder,
                    const char  *password_file,
                    KsSource   **out_source)
{
  g_autoptr(KsDevice) device = NULL;
  int ret;

  if (udid != NULL && folder != NULL)
    {
      ks_cli_print_error (cli, command, KS_EXIT_USAGE, _("Give either --device or --source, not both"));
      return KS_EXIT_USAGE;
    }
  if (password_file != NULL && folder == NULL)
    {
      ks_cli_print_error (cli, command, KS_EXIT_USAGE, _("--password-file goes with --source and a device backup"));
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
      if (ks_backup_source_is_backup_folder (file))
        return open_backup_source (cli, command, file, password_file, out_source);
      if (password_file != NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("%s is not a device backup; --password-file is only for one"), folder);

          ks_cli_print_error (cli, command, KS_EXIT_USAGE, msg);
          return KS_EXIT_USAGE;
        }
      *out_source = KS_SOURCE (ks_folder_source_new (file));
      return KS_EXIT_OK;
    }

  if ((ret = resolve_device (cli, command, udid, &device)) != KS_EXIT_OK)
    return ret;

  *out_source = KS_SOURCE (ks_device_source_new_for_device (device));
  return KS_EXIT_OK;
}
