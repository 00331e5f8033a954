/* ks-cli-encryption.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli encryption: whether an iPhone encrypts its full backups, and turning that on,
 * changing the password or turning it off (the phone keeps the password and may ask for its
 * passcode to confirm). Passwords come from files, a pipe or the keyring, never from the
 * command line; --remember keeps the new one in the keyring, nowhere else. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-backup-encryption.h"
#include "ks-backup-secret.h"
#include "ks-cli.h"
#include "ks-mobilebackup2.h"

typedef struct
{
  KsCli                    *cli;
  const char               *udid;
  KsBackupEncryptionAction  action;
  char                     *old_password;
  char                     *new_password;
  gboolean                  will_encrypt;
  GError                   *error;
} EncryptionJob;

static gboolean
say_phase_cb (gpointer user_data)
{
  KsBackupEncryptionPhase phase = GPOINTER_TO_INT (user_data);

  /* A person has to act: said even when stderr is not a terminal. */
  if (phase == KS_BACKUP_ENCRYPTION_PHASE_CONFIRMING)
    g_printerr ("%s\n", _("Confirm on your iPhone: enter its passcode if it asks."));
  else if (phase == KS_BACKUP_ENCRYPTION_PHASE_PASSCODE)
    g_printerr ("%s\n", _("Enter your iPhone’s passcode on the iPhone to confirm."));
  return G_SOURCE_REMOVE;
}

static void
phase_cb (KsBackupEncryptionPhase phase,
          gpointer                user_data)
{
  g_main_context_invoke (NULL, say_phase_cb, GINT_TO_POINTER (phase));
}

static gpointer
change_worker (gpointer data)
{
  EncryptionJob *job = data;

  return GINT_TO_POINTER (ks_backup_encryption_change (job->udid, job->action, job->old_password,
                                                       job->new_password, phase_cb, job,
                                                       job->cli->cancellable, &job->error));
}

static gpointer
query_worker (gpointer data)
{
  EncryptionJob *job = data;

  return GINT_TO_POINTER (ks_backup_encryption_query (job->udid, &job->will_encrypt,
                                                      job->cli->cancellable, &job->error));
}

static int
exit_for_encryption_error (const GError *error)
{
  if (error->domain == KS_MOBILEBACKUP2_ERROR)
    switch ((KsMobilebackup2Error) error->code)
      {
      case KS_MOBILEBACKUP2_ERROR_WRONG_PASSWORD: return KS_EXIT_WRONG_PASSWORD;
      case KS_MOBILEBACKUP2_ERROR_NOT_CONFIRMED:
      case KS_MOBILEBACKUP2_ERROR_DEVICE_LOCKED:  return KS_EXIT_LOCKED;
      case KS_MOBILEBACKUP2_ERROR_INVALID_STATE:  return KS_EXIT_USAGE;
      case KS_MOBILEBACKUP2_ERROR_DISCONNECTED:   return KS_EXIT_NO_DEVICE;
      default:                                    return KS_EXIT_FAILED;
      }
  return ks_cli_exit_for_error (error);
}

static void
print_result (KsCli      *cli,
              const char *action,
              const char *udid,
              gboolean    encrypted,
              int         in_keyring,
              const char *text)
{
  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "encryption");
      ks_json_member_string (json, "action", action);
      ks_json_member_string (json, "device", udid);
      ks_json_member_bool (json, "encrypted", encrypted);
      if (in_keyring >= 0)
        ks_json_member_bool (json, "password_in_keyring", in_keyring);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    g_print ("%s\n", text);
}

/* -1: the keyring could not be asked. */
static int
keyring_has_password (KsCli      *cli,
                      const char *udid)
{
  g_autoptr(GError) error = NULL;
  char *password = ks_backup_secret_lookup (udid, cli->cancellable, &error);
  int found = password != NULL ? 1 : error != NULL ? -1 : 0;

  ks_backup_password_free (password);
  return found;
}

static int
read_password (KsCli       *cli,
               const char  *file,
               char       **out_password)
{
  g_autoptr(GError) error = NULL;

  *out_password = ks_cli_read_password_file (file, &error);
  if (*out_password == NULL)
    {
      ks_cli_print_error (cli, "encryption", KS_EXIT_USAGE, error->message);
      return KS_EXIT_USAGE;
    }
  return KS_EXIT_OK;
}

static int
usage (KsCli      *cli,
       const char *message)
{
  ks_cli_print_error (cli, "encryption", KS_EXIT_USAGE, message);
  return KS_EXIT_USAGE;
}

static int
run_status (KsCli      *cli,
            const char *udid)
{
  EncryptionJob job = { cli, udid };
  int in_keyring;
  g_autofree char *text = NULL;

  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, query_worker, &job)))
    {
      g_autoptr(GError) error = job.error;
      int ret = exit_for_encryption_error (error);

      ks_cli_print_error (cli, "encryption", ret, error->message);
      return ret;
    }
  in_keyring = keyring_has_password (cli, udid);
  text = g_strdup_printf ("%s\n%s",
                          job.will_encrypt
                          ? _("Backups of this iPhone are encrypted.")
                          : _("Backups of this iPhone are not encrypted."),
                          in_keyring > 0 ? _("The keyring remembers their password.")
                          : in_keyring == 0 ? _("The keyring does not remember a password for them.")
                          : _("The keyring could not be asked."));
  print_result (cli, "status", udid, job.will_encrypt, in_keyring, text);
  return KS_EXIT_OK;
}

int
ks_cli_encryption (KsCli  *cli,
                   int     argc,
                   char  **argv)
{
  g_autofree char *udid_opt = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *new_password_file = NULL;
  g_autofree char *udid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *model = NULL;
  g_autoptr(KsSource) source = NULL;
  gboolean remember = FALSE;
  const char *action;
  EncryptionJob job = { cli };
  const GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &udid_opt, N_("iPhone whose backups to look at"), "UDID" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("The backup password (on: the new one; off, change: the current one): the file’s first line, - for standard input"), "FILE" },
    { "new-password-file", 0, 0, G_OPTION_ARG_FILENAME, &new_password_file,
      N_("change: the new backup password"), "FILE" },
    { "remember", 0, 0, G_OPTION_ARG_NONE, &remember, N_("Keep the new password in the keyring"), NULL },
    { NULL }
  };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "encryption", entries, 1, &argc, &argv)) != KS_EXIT_OK)
    return ret;
  action = argc > 1 ? argv[1] : "status";

  if (g_str_equal (action, "on"))
    job.action = KS_BACKUP_ENCRYPTION_ACTION_ON;
  else if (g_str_equal (action, "off"))
    job.action = KS_BACKUP_ENCRYPTION_ACTION_OFF;
  else if (g_str_equal (action, "change"))
    job.action = KS_BACKUP_ENCRYPTION_ACTION_CHANGE;
  else if (!g_str_equal (action, "status") && !g_str_equal (action, "forget"))
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown action “%s”: give status, on, off, change or forget"), action);

      return usage (cli, msg);
    }

  if ((g_str_equal (action, "status") || g_str_equal (action, "forget"))
      && (password_file != NULL || new_password_file != NULL || remember))
    return usage (cli, _("encryption status and forget take no password"));
  if (g_str_equal (action, "on") && password_file == NULL)
    return usage (cli, _("encryption on needs --password-file with the new password"));
  if (g_str_equal (action, "change") && new_password_file == NULL)
    return usage (cli, _("encryption change needs --new-password-file"));
  if (!g_str_equal (action, "change") && new_password_file != NULL)
    return usage (cli, _("--new-password-file is only for encryption change"));
  if (g_str_equal (action, "off") && remember)
    return usage (cli, _("--remember is for on and change"));

  if ((ret = ks_cli_open_source (cli, "encryption", udid_opt, NULL, NULL, &source)) != KS_EXIT_OK)
    return ret;
  ks_source_dup_device_info (source, &udid, &name, &model);
  job.udid = udid;

  if (g_str_equal (action, "status"))
    return run_status (cli, udid);

  if (g_str_equal (action, "forget"))
    {
      g_autoptr(GError) error = NULL;

      if (!ks_backup_secret_clear (udid, cli->cancellable, &error))
        {
          ks_cli_print_error (cli, "encryption", KS_EXIT_FAILED, error->message);
          return KS_EXIT_FAILED;
        }
      print_result (cli, "forget", udid, FALSE, 0, _("The keyring no longer remembers the backup password of this iPhone."));
      return KS_EXIT_OK;
    }

  /* The passwords: from the files, or (the current one) from the keyring. */
  if (job.action == KS_BACKUP_ENCRYPTION_ACTION_ON)
    ret = read_password (cli, password_file, &job.new_password);
  else if (password_file != NULL)
    ret = read_password (cli, password_file, &job.old_password);
  else
    {
      g_autoptr(GError) error = NULL;

      job.old_password = ks_backup_secret_lookup (udid, cli->cancellable, &error);
      if (job.old_password == NULL)
        ret = usage (cli, error != NULL ? error->message
                     : _("The keyring does not remember this iPhone’s backup password; give it with --password-file"));
    }
  if (ret == KS_EXIT_OK && job.action == KS_BACKUP_ENCRYPTION_ACTION_CHANGE)
    ret = read_password (cli, new_password_file, &job.new_password);
  if (ret != KS_EXIT_OK)
    goto out;

  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, change_worker, &job)))
    {
      g_autoptr(GError) error = g_steal_pointer (&job.error);

      ret = exit_for_encryption_error (error);
      ks_cli_print_error (cli, "encryption", ret, error->message);
      goto out;
    }
  /* Whatever the phone said meanwhile is printed before the result. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (remember && job.new_password != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!ks_backup_secret_store (udid, name, job.new_password, cli->cancellable, &error))
        {
          g_autofree char *msg = g_strdup_printf (_("The change was made, but %s"), error->message);

          ks_cli_print_error (cli, "encryption", KS_EXIT_FAILED, msg);
          ret = KS_EXIT_FAILED;
          goto out;
        }
    }

  print_result (cli, action, udid, job.action != KS_BACKUP_ENCRYPTION_ACTION_OFF, -1,
                job.action == KS_BACKUP_ENCRYPTION_ACTION_ON
                ? _("Backups of this iPhone are now encrypted. Keep the password safe: without it they cannot be read or restored.")
                : job.action == KS_BACKUP_ENCRYPTION_ACTION_OFF
                ? _("Backups of this iPhone are no longer encrypted. Earlier encrypted backups still need the old password.")
                : _("The backup password was changed. Earlier backups still need the old password."));
  ret = KS_EXIT_OK;

out:
  ks_backup_password_free (job.old_password);
  ks_backup_password_free (job.new_password);
  return ret;
}
