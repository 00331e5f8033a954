/* ks-cli.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli: the engine without a window. main() takes the options every command shares,
 * hands the rest to the command (one file each: ks-cli-devices.c, …), turns errors into exit
 * codes, and before returning stops what the run started. */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <openssl/crypto.h>

#include "ks-backup-source.h"
#include "ks-cli.h"
#include "ks-destination.h"

static const char help_text[] =
  "Usage: keepsake-cli COMMAND [OPTIONS]\n"
  "\n"
  "Back up the photos and videos of an iPhone, verified.\n"
  "\n"
  "Commands:\n"
  "  devices                          list connected iPhones and their state\n"
  "  list [--device UDID | --source DIR]\n"
  "                                   list the photo and video files on the iPhone (or in DIR)\n"
  "  backup [--device UDID | --source DIR] [--to DIR] [--dry-run]\n"
  "                                   copy what is not backed up yet, verified, to every\n"
  "                                   enabled destination of the backup plan, or to DIR\n"
  "  full-backup [--device UDID] [--to DIR] [--full]\n"
  "                                   a full device backup (everything a new iPhone needs\n"
  "                                   to be restored) into DIR/UDID, or into every plan\n"
  "                                   destination with full backups on; only what changed\n"
  "                                   since the last one (--full: everything); the last 3\n"
  "                                   complete backups are kept as snapshots\n"
  "  encryption [--device UDID] [status]\n"
  "                                   whether the iPhone encrypts its full backups, and\n"
  "                                   whether the keyring remembers their password\n"
  "  encryption on|change|off [--device UDID] [--password-file FILE]\n"
  "                   [--new-password-file FILE] [--remember]\n"
  "                                   turn backup encryption on (FILE: the new password),\n"
  "                                   change the password (FILE: the current one) or turn\n"
  "                                   it off; the iPhone may ask for its passcode to\n"
  "                                   confirm. A FILE's first line is the password (- reads\n"
  "                                   standard input); without --password-file, change and\n"
  "                                   off use the one the keyring remembers; --remember\n"
  "                                   keeps the new one in the keyring\n"
  "  encryption forget [--device UDID]\n"
  "                                   remove the backup password from the keyring\n"
  "  verify --to DIR                  re-read every backed-up file in DIR and check its hash:\n"
  "                                   MISSING (gone) or DAMAGED (other content, unreadable)\n"
  "  status                           what the catalog knows: devices, destinations, the\n"
  "                                   backup plan, runs (and who started them)\n"
  "  destinations [list]              the backup plan: where backup without --to copies\n"
  "  destinations add DIR [--name NAME] [--full-backups [--keep N]]\n"
  "                                   add a folder (relative or absolute) to the plan\n"
  "                                   (--full-backups: also for full-backup, keeping N)\n"
  "  destinations add LOCATION [--password-file FILE | --identity-file FILE] [--endpoint URL]\n"
  "                                   add a network or cloud location after a connection\n"
  "                                   test: sftp://USER@HOST[:PORT]/PATH,\n"
  "                                   smb://USER@HOST[:PORT]/SHARE/PATH, webdav(s)://[USER@]HOST/PATH,\n"
  "                                   s3://BUCKET/PATH (with --endpoint), rclone:REMOTE:PATH;\n"
  "                                   backup --to and verify --to take a LOCATION too\n"
  "  destinations remove|enable|disable ID\n"
  "                                   by id or folder; remove keeps what the folder holds\n"
  "  destinations set ID --jpeg-copies on|off [--jpeg-placement subfolder|beside]\n"
  "                   [--jpeg-quality N]\n"
  "                                   also save a JPEG copy of each HEIC photo there (add\n"
  "                                   takes the same options)\n"
  "  monitor [--device UDID]          stay running; back up every trusted iPhone (or only\n"
  "                                   UDID) to the backup plan when it is plugged in, one\n"
  "                                   line per run; Ctrl+C stops (a running backup is cancelled)\n"
  "  auto-backup UDID [on|off|default]\n"
  "                                   whether monitor backs up this iPhone (default: yes)\n"
  "\n"
  "Options for every command:\n"
  "  --json                           machine-readable output on stdout\n"
  "  --wait SECONDS                   how long to wait for Trust or unlock (default 60)\n"
  "  -h, --help                       this text\n"
  "  --version                        print the version and exit\n"
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
  "    2  usage error (bad option, several iPhones and no --device, a destination that\n"
  "       is not a folder or not in the plan, backup with no --to and an empty plan)\n"
  "    3  no iPhone connected, or the one named is not (any more)\n"
  "    4  the iPhone is locked (full-backup, encryption: its passcode was not entered in\n"
  "       time)\n"
  "    5  this computer is not trusted (Trust not tapped, denied, or pairing lost)\n"
  "    6  usbmuxd is not running\n"
  "    7  destination unavailable or not writable\n"
  "    8  not enough space at the destination\n"
  "    9  some files could not be copied (the others were)\n"
  "   10  verify found missing or damaged files\n"
  "   11  encryption: the iPhone refused the backup password\n"
  "  130  cancelled (SIGINT or SIGTERM)\n";

/* --- exit codes ---------------------------------------------------------------------------- */

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

  if (error->domain == KS_BACKUP_SOURCE_ERROR)
    switch ((KsBackupSourceError) error->code)
      {
      case KS_BACKUP_SOURCE_ERROR_NOT_A_BACKUP:   return KS_EXIT_NO_DEVICE;
      case KS_BACKUP_SOURCE_ERROR_SEVERAL_DEVICES:
      case KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD:
      case KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD: return KS_EXIT_USAGE;
      case KS_BACKUP_SOURCE_ERROR_DAMAGED:        return KS_EXIT_DAMAGED;
      default:                                    return KS_EXIT_FAILED;
      }

  if (error->domain == KS_DESTINATION_ERROR)
    return error->code == KS_DESTINATION_ERROR_VERIFY_FAILED ? KS_EXIT_DAMAGED : KS_EXIT_DESTINATION;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return KS_EXIT_NO_SPACE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return KS_EXIT_NO_DEVICE;

  return KS_EXIT_FAILED;
}

const char *
ks_cli_exit_code_name (int code)
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
    case KS_EXIT_WRONG_PASSWORD:  return "wrong-password";
    case KS_EXIT_CANCELLED:       return "cancelled";
    case KS_EXIT_FAILED:
    default:                      return "failed";
    }
}

/* --- main --------------------------------------------------------------------------------- */

static const struct
{
  const char *name;
  int       (*run) (KsCli *cli, int argc, char **argv);
} commands[] = {
  { "devices", ks_cli_devices },
  { "list",    ks_cli_list },
  { "backup",  ks_cli_backup },
  { "full-backup", ks_cli_full_backup },
  { "encryption", ks_cli_encryption },
  { "verify",  ks_cli_verify },
  { "status",  ks_cli_status },
  { "destinations", ks_cli_destinations },
  { "monitor", ks_cli_monitor },
  { "auto-backup", ks_cli_auto_backup },
};

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

static gboolean
nothing_alive (gpointer data)
{
  return g_atomic_int_get ((gint *) data) == 0;
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

  /* Not cancellable: Ctrl+C is what often brings us here. */
  done = ks_cli_wait_until (NULL, nothing_alive, &alive,
                            MAX (deadline - g_get_monotonic_time (), 0) / (double) G_USEC_PER_SEC) && done;

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
  if (g_strcmp0 (command, "--version") == 0)
    {
      g_print ("keepsake-cli %s\n", PACKAGE_VERSION);
      ret = KS_EXIT_OK;
      goto out;
    }

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

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (command, commands[i].name))
      {
        ret = commands[i].run (&cli, argc - 1, argv + 1);
        goto done;
      }

  {
    g_autofree char *msg = g_strdup_printf (_("Unknown command “%s”; see keepsake-cli --help"), command);

    ks_cli_print_error (&cli, command, KS_EXIT_USAGE, msg);
    ret = KS_EXIT_USAGE;
  }

done:
  if (ret != KS_EXIT_CANCELLED && g_cancellable_is_cancelled (cli.cancellable))
    ret = KS_EXIT_CANCELLED;

out:
  g_clear_error (&error);
  /* Said out loud so that the tests notice: only a libimobiledevice call that hangs gets here. */
  if (!cli_shutdown (&cli))
    g_printerr ("keepsake-cli: %s\n", _("A device check was still running at exit"));

  return ret;
}
