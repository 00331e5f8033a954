/* ks-cli-remote.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli destinations add sftp://… | smb://… | webdav(s)://… | s3://… | rclone:R:path:
 * network and cloud destinations, reached through rclone. Secrets come from files
 * (--password-file, --identity-file), never from the command line; the location remembers
 * the file, not the secret. Adding one tests the connection first (logging in, reading or
 * writing the remote's own .keepsake/id, which becomes the plan entry's id, so a remote that
 * already holds a backup is recognised). */

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "ks-cli.h"
#include "ks-rclone-authorize.h"
#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"
#include "ks-ssh-host-key.h"

typedef struct
{
  KsCli   *cli;
  char    *location;
  char    *id;
  char    *hash_type;
  gint64   free_space;
  gboolean is_cloud;
  GError  *error;
} Probe;

static gpointer
probe_thread (gpointer data)
{
  Probe *probe = data;
  g_autoptr(KsRcloneDestination) dest = NULL;
  char *completed;

  /* OneDrive: which drive, asked of Microsoft as the window asks after signing in. */
  completed = ks_rclone_onedrive_complete_location (probe->location, probe->cli->cancellable,
                                                    &probe->error);
  if (completed == NULL)
    return NULL;
  g_free (probe->location);
  probe->location = completed;

  dest = ks_rclone_destination_new (probe->location, NULL);
  if (!ks_destination_open (KS_DESTINATION (dest), probe->cli->cancellable, &probe->error))
    return NULL;

  probe->id = g_strdup (ks_destination_get_id (KS_DESTINATION (dest)));
  probe->hash_type = g_strdup (ks_rclone_destination_get_hash_type (dest));
  probe->is_cloud = ks_rclone_destination_is_cloud (dest);
  probe->free_space = ks_destination_query_free_space (KS_DESTINATION (dest), NULL);
  ks_destination_close (KS_DESTINATION (dest));
  return probe;
}

typedef struct
{
  KsCli             *cli;
  KsRcloneRemote    *remote;
  KsSshHostKey      *key;
  KsSshHostKeyState  state;
  char              *trusted;
  GError            *error;
} HostKeyScan;

static gpointer
scan_thread (gpointer data)
{
  HostKeyScan *scan = data;

  scan->key = ks_ssh_host_key_check (scan->remote->host, scan->remote->port, &scan->state,
                                     &scan->trusted, scan->cli->cancellable, &scan->error);
  return scan->key;
}

/* "yes" typed on a terminal. */
static gboolean
ask_yes (const char *question)
{
  char answer[16] = "";

  if (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO))
    return FALSE;
  g_print ("%s\n%s ", question, _("Trust this key and connect? Type yes or no:"));
  fflush (stdout);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  g_strstrip (answer);
  /* TRANSLATORS: what the user types to trust an SSH server's key */
  return g_ascii_strcasecmp (answer, "yes") == 0 || g_ascii_strcasecmp (answer, _("yes")) == 0;
}

/* As ssh does: a new server's key is trusted only when the user confirms its fingerprint
 * (--trust-host-key, or "yes" on a terminal); a changed key only with --trust-host-key. */
static gboolean
check_host_key (KsCli           *cli,
                KsRcloneRemote  *remote,
                const char      *trust_host_key,
                gboolean        *out_trusted_now,
                GError         **error)
{
  HostKeyScan scan = { cli, remote, NULL, KS_SSH_HOST_KEY_NEW, NULL, NULL };
  g_autoptr(KsSshHostKey) key = NULL;
  g_autofree char *trusted = NULL;
  g_autofree char *question = NULL;
  gboolean ok = FALSE;

  if (ks_cli_run_in_thread (cli, scan_thread, &scan) == NULL)
    {
      g_propagate_error (error, scan.error);
      return FALSE;
    }
  key = scan.key;
  trusted = scan.trusted;

  if (trust_host_key != NULL && !g_str_equal (trust_host_key, key->fingerprint))
    {
      g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_HOST_KEY_CHANGED,
                   _("The SSH server shows the key %s, not %s: Keepsake refuses to connect"),
                   key->fingerprint, trust_host_key);
      return FALSE;
    }
  if (scan.state == KS_SSH_HOST_KEY_TRUSTED)
    return TRUE;

  question = ks_ssh_host_key_dup_question (remote->host, remote->port, key, scan.state, trusted, TRUE);
  if (trust_host_key != NULL)
    ok = TRUE;
  else if (scan.state == KS_SSH_HOST_KEY_NEW && !cli->json)
    ok = ask_yes (question);

  if (!ok)
    {
      g_set_error (error, KS_RCLONE_ERROR,
                   scan.state == KS_SSH_HOST_KEY_NEW ? KS_RCLONE_ERROR_HOST_KEY_UNKNOWN
                                                     : KS_RCLONE_ERROR_HOST_KEY_CHANGED,
                   /* TRANSLATORS: %s are the question about the key and its fingerprint */
                   _("%s To trust it, add the destination with --trust-host-key %s"),
                   question, key->fingerprint);
      return FALSE;
    }
  *out_trusted_now = TRUE;
  return ks_ssh_known_hosts_trust (remote->host, remote->port, key, error);
}

/* Secret files are remembered by absolute path: later runs start elsewhere. */
static gboolean
add_file_param (GString     *query,
                const char  *key,
                const char  *file,
                GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;

  if (file == NULL)
    return TRUE;

  path = g_canonicalize_filename (file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s is not a file"), path);
      return FALSE;
    }
  escaped = g_uri_escape_string (path, "/", FALSE);
  g_string_append_printf (query, "%s%s=%s", query->len ? "&" : "", key, escaped);
  return TRUE;
}

/**
 * ks_cli_remote_location:
 *
 * Returns: (transfer full): @target with the secret files and endpoint as its query, or
 *   %NULL with @error set
 */
char *
ks_cli_remote_location (const char  *target,
                        const char  *password_file,
                        const char  *identity_file,
                        const char  *endpoint,
                        GError     **error)
{
  g_autoptr(GString) query = g_string_new (NULL);

  /* Settings may be in the location (?region=, ?vendor=, OneDrive's ?drive-id=), secrets not. */
  if (strchr (target, '?') != NULL
      && (strstr (target, "password") != NULL || strstr (target, "identity") != NULL
          || strstr (target, "token") != NULL || strstr (target, "secret") != NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Give secrets with --password-file or --identity-file, not in the location"));
      return NULL;
    }
  if (g_str_has_prefix (target, "rclone:") && (password_file || identity_file || endpoint))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An rclone remote brings its own settings; --password-file, --identity-file and --endpoint are not for it"));
      return NULL;
    }
  if (endpoint != NULL && !g_str_has_prefix (target, "s3://"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--endpoint is only for s3:// locations"));
      return NULL;
    }

  if (!add_file_param (query, "password-file", password_file, error)
      || !add_file_param (query, "identity-file", identity_file, error))
    return NULL;
  if (endpoint != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (endpoint, NULL, FALSE);

      g_string_append_printf (query, "%sendpoint=%s", query->len ? "&" : "", escaped);
    }

  if (query->len == 0)
    return g_strdup (target);
  return g_strconcat (target, strchr (target, '?') ? "&" : "?", query->str, NULL);
}

static int
exit_for_remote_error (const GError *error)
{
  if (g_error_matches (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NO_SPACE))
    return KS_EXIT_NO_SPACE;
  if (error->domain == KS_RCLONE_ERROR || error->domain == G_IO_ERROR
      || error->domain == G_FILE_ERROR)
    return error->code == G_IO_ERROR_CANCELLED && error->domain == G_IO_ERROR
      ? KS_EXIT_CANCELLED : KS_EXIT_DESTINATION;
  return ks_cli_exit_for_error (error);
}

/**
 * ks_cli_destinations_add_remote:
 *
 * Tests the connection and adds the location to the plan as a network or cloud destination.
 */
int
ks_cli_destinations_add_remote (KsCli        *cli,
                                KsBackupPlan *plan,
                                const char   *target,
                                const char   *name,
                                const char   *password_file,
                                const char   *identity_file,
                                const char   *endpoint,
                                const char   *trust_host_key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autofree char *display = NULL;
  KsPlanDestination *dest;
  Probe probe = { cli, NULL, NULL, NULL, -1, FALSE, NULL };
  gboolean trusted_now = FALSE;
  int ret;

  probe.location = ks_cli_remote_location (target, password_file, identity_file, endpoint, &error);
  if (probe.location == NULL || (remote = ks_rclone_remote_parse (probe.location, &error)) == NULL)
    {
      g_free (probe.location);
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, error->message);
      return KS_EXIT_USAGE;
    }

  if (trust_host_key != NULL && g_strcmp0 (remote->backend, "sftp") != 0)
    {
      g_free (probe.location);
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                          _("--trust-host-key is only for sftp:// locations"));
      return KS_EXIT_USAGE;
    }
  if (g_strcmp0 (remote->backend, "sftp") == 0
      && !check_host_key (cli, remote, trust_host_key, &trusted_now, &probe.error))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot use %s: %s"), target, probe.error->message);

      ret = exit_for_remote_error (probe.error);
      ks_cli_print_error (cli, "destinations", ret, msg);
      g_clear_error (&probe.error);
      g_free (probe.location);
      return ret;
    }

  if (!ks_cli_run_in_thread (cli, probe_thread, &probe))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot use %s: %s"), target, probe.error->message);

      ret = exit_for_remote_error (probe.error);
      ks_cli_print_error (cli, "destinations", ret, msg);
      g_clear_error (&probe.error);
      g_free (probe.location);
      return ret;
    }

  display = ks_rclone_remote_dup_display_name (remote);

  /* Added before: this was to trust the server's new key, which the connection test just used. */
  dest = ks_backup_plan_lookup (plan, probe.location);
  if (dest != NULL && trusted_now)
    {
      g_autofree char *shown = ks_cli_printable (ks_plan_destination_get_name (dest));

      if (cli->json)
        {
          g_autoptr(KsJson) json = ks_json_new ();

          ks_json_begin_object (json);
          ks_json_member_string (json, "command", "destinations");
          ks_json_member_string (json, "action", "trust-host-key");
          ks_json_key (json, "destination");
          ks_cli_print_plan_destination_json (json, dest);
          ks_json_end_object (json);
          ks_cli_print_json (json);
        }
      else
        g_print (_("“%s” is already in the backup plan; the server’s key is now trusted.\n"), shown);
      g_free (probe.location);
      g_free (probe.id);
      g_free (probe.hash_type);
      return KS_EXIT_OK;
    }

  dest = ks_backup_plan_add (plan, probe.is_cloud ? KS_DESTINATION_KIND_CLOUD : KS_DESTINATION_KIND_NETWORK,
                             probe.id, name ? name : display, probe.location,
                             KS_BACKUP_METHOD_FILES, &error);
  if (dest == NULL)
    {
      ret = ks_cli_exit_for_plan_error (error);
      ks_cli_print_error (cli, "destinations", ret, error->message);
    }
  else
    {
      g_autofree char *shown = ks_cli_printable (ks_plan_destination_get_name (dest));

      ret = KS_EXIT_OK;
      if (cli->json)
        {
          g_autoptr(KsJson) json = ks_json_new ();

          ks_json_begin_object (json);
          ks_json_member_string (json, "command", "destinations");
          ks_json_member_string (json, "action", "add");
          ks_json_key (json, "destination");
          ks_cli_print_plan_destination_json (json, dest);
          ks_json_member_string (json, "verified_by", probe.hash_type ? probe.hash_type : "download");
          if (probe.free_space >= 0)
            ks_json_member_int (json, "free", probe.free_space);
          ks_json_end_object (json);
          ks_cli_print_json (json);
        }
      else
        {
          g_print (_("Added “%s” (%s): %s\n"), shown, ks_plan_destination_get_id (dest), target);
          if (probe.hash_type != NULL)
            g_print (_("Uploads are verified with the server’s %s checksums.\n"), probe.hash_type);
          else
            g_print ("%s\n", _("This server keeps no checksums: every upload is verified by reading it back."));
          if (probe.free_space >= 0)
            {
              g_autofree char *free_text = g_format_size (probe.free_space);

              g_print (_("%s free.\n"), free_text);
            }
        }
    }

  g_free (probe.location);
  g_free (probe.id);
  g_free (probe.hash_type);
  return ret;
}

/**
 * ks_cli_remote_destination_new:
 *
 * For --to: a network or cloud location as typed (it may carry ?password-file=…), or the
 * location of the plan entry whose id or location it is.
 *
 * Returns: (transfer full) (nullable): a destination, or %NULL if @to is none of these
 */
KsDestination *
ks_cli_remote_destination_new (KsBackupPlan *plan,
                               const char   *to)
{
  KsPlanDestination *entry = plan ? ks_backup_plan_lookup (plan, to) : NULL;

  if (entry != NULL && ks_plan_destination_get_kind (entry) != KS_DESTINATION_KIND_FOLDER
      && ks_plan_destination_get_kind (entry) != KS_DESTINATION_KIND_DRIVE)
    return ks_plan_destination_create_store (entry);
  if (ks_rclone_remote_is_location (to))
    return KS_DESTINATION (ks_rclone_destination_new (to, NULL));
  return NULL;
}
