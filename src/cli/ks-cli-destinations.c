/* ks-cli-destinations.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli destinations list|add|remove|enable|disable: the backup plan (KsBackupPlan,
 * stored in the catalog), the same one the window edits. `backup` without --to fills every
 * enabled destination. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-cli.h"
#include "ks-rclone-remote.h"

/* Also used by `status`. */
void
ks_cli_print_plan_destination_json (KsJson            *json,
                                    KsPlanDestination *dest)
{
  g_autoptr(GHashTable) successes = ks_plan_destination_dup_last_successes (dest);
  g_autoptr(GList) sources = g_list_sort (g_hash_table_get_keys (successes), (GCompareFunc) g_strcmp0);

  ks_json_begin_object (json);
  ks_json_member_string (json, "id", ks_plan_destination_get_id (dest));
  ks_json_member_string (json, "name", ks_plan_destination_get_name (dest));
  ks_json_member_string (json, "kind", ks_destination_kind_to_string (ks_plan_destination_get_kind (dest)));
  ks_json_member_string (json, "location", ks_plan_destination_get_location (dest));
  ks_json_member_bool (json, "enabled", ks_plan_destination_get_enabled (dest));
  ks_json_key (json, "methods");
  ks_json_begin_array (json);
  if (ks_plan_destination_get_methods (dest) & KS_BACKUP_METHOD_FILES)
    ks_json_string (json, "files");
  ks_json_end_array (json);
  ks_json_member_int (json, "added_at", ks_plan_destination_get_added_at (dest));
  /* Source id (a device's UDID) → unix seconds of its last run that went through. */
  ks_json_key (json, "last_success");
  ks_json_begin_object (json);
  for (GList *l = sources; l != NULL; l = l->next)
    ks_json_member_int (json, l->data, ks_plan_destination_get_last_success (dest, l->data));
  ks_json_end_object (json);
  ks_json_end_object (json);
}

/* Also used by `status`. */
void
ks_cli_print_plan_destination_text (KsPlanDestination *dest)
{
  g_autoptr(GHashTable) successes = ks_plan_destination_dup_last_successes (dest);
  g_autoptr(GList) sources = g_list_sort (g_hash_table_get_keys (successes), (GCompareFunc) g_strcmp0);
  g_autofree char *name = ks_cli_printable (ks_plan_destination_get_name (dest));
  g_autofree char *location = ks_cli_printable (ks_plan_destination_get_location (dest));

  g_print ("  %s  %s  (%s)\n", ks_plan_destination_get_id (dest), name,
           ks_plan_destination_get_enabled (dest) ? _("enabled") : _("disabled"));
  g_print ("      %s: %s\n", ks_destination_kind_to_string (ks_plan_destination_get_kind (dest)), location);
  if (sources == NULL)
    g_print ("      %s\n", _("no backup yet"));
  for (GList *l = sources; l != NULL; l = l->next)
    {
      g_autofree char *source = ks_cli_printable (l->data);
      g_autofree char *when = ks_cli_format_time (ks_plan_destination_get_last_success (dest, l->data));

      g_print (_("      last backup of %s: %s\n"), source, when);
    }
}

static int
list (KsCli        *cli,
      KsBackupPlan *plan)
{
  guint n = plan ? g_list_model_get_n_items (G_LIST_MODEL (plan)) : 0;

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "destinations");
      ks_json_member_string (json, "action", "list");
      ks_json_key (json, "destinations");
      ks_json_begin_array (json);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), i);

          ks_cli_print_plan_destination_json (json, dest);
        }
      ks_json_end_array (json);
      ks_json_end_object (json);
      ks_cli_print_json (json);
      return KS_EXIT_OK;
    }

  if (n == 0)
    {
      g_print ("%s\n", _("The backup plan has no destinations. Add a folder with: keepsake-cli destinations add DIR"));
      return KS_EXIT_OK;
    }
  g_print ("%s\n", _("Backup destinations:"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), i);

      ks_cli_print_plan_destination_text (dest);
    }
  return KS_EXIT_OK;
}

/* Prints the entry an action left, or the action's error. */
static int
report (KsCli             *cli,
        const char        *action,
        KsPlanDestination *dest,
        const GError      *error)
{
  if (error != NULL)
    {
      int ret = ks_cli_exit_for_plan_error (error);

      ks_cli_print_error (cli, "destinations", ret, error->message);
      return ret;
    }

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "destinations");
      ks_json_member_string (json, "action", action);
      ks_json_key (json, "destination");
      ks_cli_print_plan_destination_json (json, dest);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    {
      g_autofree char *name = ks_cli_printable (ks_plan_destination_get_name (dest));
      g_autofree char *location = ks_cli_printable (ks_plan_destination_get_location (dest));

      if (g_str_equal (action, "add"))
        g_print (_("Added “%s” (%s): %s\n"), name, ks_plan_destination_get_id (dest), location);
      else if (g_str_equal (action, "remove"))
        g_print (_("Removed “%s” (%s) from the backup plan; what it holds stays in %s\n"),
                 name, ks_plan_destination_get_id (dest), location);
      else if (ks_plan_destination_get_enabled (dest))
        g_print (_("Enabled “%s” (%s): %s\n"), name, ks_plan_destination_get_id (dest), location);
      else
        g_print (_("Disabled “%s” (%s): %s\n"), name, ks_plan_destination_get_id (dest), location);
    }
  return KS_EXIT_OK;
}

typedef struct
{
  KsPlanDestination *dest;
  GError            *error;
  gboolean           done;
} AddRun;

static void
add_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  AddRun *add = user_data;

  add->dest = ks_backup_plan_add_folder_finish (KS_BACKUP_PLAN (object), result, &add->error);
  add->done = TRUE;
}

/* TARGET is a folder path, relative to the current folder or absolute. The folder is looked
 * at on a worker (a sleeping drive must not make Ctrl+C wait). */
static int
add (KsCli        *cli,
     KsBackupPlan *plan,
     const char   *target,
     const char   *name)
{
  g_autofree char *path = g_canonicalize_filename (target, NULL);
  g_autoptr(GError) error = NULL;
  AddRun run = { NULL, NULL, FALSE };

  if (name != NULL && name[0] == '\0')
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, _("--name needs a name"));
      return KS_EXIT_USAGE;
    }

  ks_backup_plan_add_folder_async (plan, path, name, cli->cancellable, add_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  error = run.error;

  return report (cli, "add", run.dest, error);
}

/* remove, enable, disable: by id, or by the folder's path (relative or absolute). */
static KsPlanDestination *
lookup (KsBackupPlan  *plan,
        const char    *id_or_path,
        GError       **error)
{
  KsPlanDestination *dest = ks_backup_plan_lookup (plan, id_or_path);

  if (dest == NULL && !g_path_is_absolute (id_or_path))
    {
      g_autofree char *path = g_canonicalize_filename (id_or_path, NULL);

      dest = ks_backup_plan_lookup (plan, path);
    }
  if (dest == NULL)
    g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_NOT_FOUND,
                 _("No destination “%s” in the backup plan; see keepsake-cli destinations list"),
                 id_or_path);
  return dest;
}

static int
change (KsCli        *cli,
        KsBackupPlan *plan,
        const char   *action,
        const char   *id_or_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPlanDestination) dest = NULL;
  g_autofree char *id = NULL;
  gboolean ok;

  dest = lookup (plan, id_or_path, &error);
  if (dest == NULL)
    return report (cli, action, NULL, error);
  /* The plan's reload replaces its entries: keep this one for the report. */
  g_object_ref (dest);
  id = g_strdup (ks_plan_destination_get_id (dest));

  if (g_str_equal (action, "remove"))
    ok = ks_backup_plan_remove (plan, id, &error);
  else
    ok = ks_backup_plan_set_enabled (plan, id, g_str_equal (action, "enable"), &error);
  if (!ok)
    return report (cli, action, NULL, error);

  if (!g_str_equal (action, "remove"))
    {
      KsPlanDestination *now = ks_backup_plan_lookup (plan, id);

      if (now != NULL)
        g_set_object (&dest, now);
    }
  return report (cli, action, dest, NULL);
}

int
ks_cli_destinations (KsCli  *cli,
                     int     argc,
                     char  **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *identity_file = NULL;
  g_autofree char *endpoint = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Name of the destination to add"), "NAME" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("File holding the password of a network or cloud destination"), "FILE" },
    { "identity-file", 0, 0, G_OPTION_ARG_FILENAME, &identity_file,
      N_("SSH private key for an sftp:// destination"), "FILE" },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &endpoint,
      N_("Server address for an s3:// destination that is not Amazon’s"), "URL" },
    { NULL }
  };
  const char *action;
  gboolean lists;
  int n_args;
  int ret;

  if ((ret = ks_cli_parse_options (cli, "destinations", entries, 2, &argc, &argv)) != KS_EXIT_OK)
    return ret;

  action = argc > 1 ? argv[1] : "list";
  lists = g_str_equal (action, "list");
  n_args = g_str_equal (action, "add") || g_str_equal (action, "remove") ||
           g_str_equal (action, "enable") || g_str_equal (action, "disable") ? 1 : lists ? 0 : -1;
  if (n_args < 0)
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown action “%s”: use destinations list, add, remove, enable or disable"), action);

      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }
  if (argc - 2 != n_args && !(lists && argc == 1))
    {
      g_autofree char *msg = n_args == 0
        ? g_strdup_printf (_("destinations %s takes no argument"), action)
        : g_str_equal (action, "add")
          ? g_strdup (_("destinations add needs the folder to add: destinations add DIR [--name NAME]"))
          : g_strdup_printf (_("destinations %s needs the id (or the folder) of a destination"), action);

      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }
  if ((password_file || identity_file || endpoint) && !g_str_equal (action, "add"))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                          _("--password-file, --identity-file and --endpoint are only for destinations add"));
      return KS_EXIT_USAGE;
    }
  if (name != NULL && !g_str_equal (action, "add"))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, _("--name is only for destinations add"));
      return KS_EXIT_USAGE;
    }

  /* Listing an empty plan creates nothing. */
  if ((ret = ks_cli_open_plan (cli, "destinations", !lists, &catalog, &plan)) != KS_EXIT_OK)
    return ret;

  if (lists)
    return list (cli, plan);
  if (g_str_equal (action, "add") && ks_rclone_remote_is_location (argv[2]))
    return ks_cli_destinations_add_remote (cli, plan, argv[2], name, password_file,
                                           identity_file, endpoint);
  if (g_str_equal (action, "add") && (password_file || identity_file || endpoint))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                          _("--password-file, --identity-file and --endpoint are for network and cloud locations"));
      return KS_EXIT_USAGE;
    }
  if (g_str_equal (action, "add"))
    return add (cli, plan, argv[2], name);
  return change (cli, plan, action, argv[2]);
}
