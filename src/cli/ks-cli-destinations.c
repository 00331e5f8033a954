/* ks-cli-destinations.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli destinations list|add|remove|enable|disable|set: the backup plan
 * (KsBackupPlan, stored in the catalog), the same one the window edits. `backup` without
 * --to fills every enabled destination. `set` changes an entry's options (JPEG copies). */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-backup-plan-drives.h"
#include "ks-cli.h"
#include "ks-full-backup-job.h"
#include "ks-drive-destination.h"
#include "ks-library-views-job.h"

/* Where a drive destination is mounted now, or NULL when it is not plugged in. */
static char *
dup_drive_path (KsPlanDestination *dest)
{
  if (ks_plan_destination_get_kind (dest) != KS_DESTINATION_KIND_DRIVE)
    return NULL;

  return ks_drive_location_find_path (ks_plan_destination_get_location (dest),
                                      ks_plan_destination_get_id (dest));
}
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
  /* A drive: where it is mounted now (null: not connected). */
  if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_DRIVE)
    {
      g_autofree char *path = dup_drive_path (dest);

      ks_json_key (json, "path");
      if (path != NULL)
        ks_json_string (json, path);
      else
        ks_json_null (json);
      ks_json_member_bool (json, "connected", path != NULL);
    }
  ks_json_member_bool (json, "enabled", ks_plan_destination_get_enabled (dest));
  ks_json_key (json, "methods");
  ks_json_begin_array (json);
  if (ks_plan_destination_get_methods (dest) & KS_BACKUP_METHOD_FILES)
    ks_json_string (json, "files");
  if (ks_plan_destination_get_methods (dest) & KS_BACKUP_METHOD_FULL)
    ks_json_string (json, "full");
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
  if (ks_plan_destination_get_methods (dest) & KS_BACKUP_METHOD_FULL)
    g_print ("      %s\n", _("full device backups: on"));
  if (ks_plan_destination_get_kind (dest) == KS_DESTINATION_KIND_DRIVE)
    {
      g_autofree char *path = dup_drive_path (dest);
      g_autofree char *printable = path ? ks_cli_printable (path) : NULL;

      if (printable != NULL)
        g_print (_("      connected: %s\n"), printable);
      else
        g_print ("      %s\n", _("not connected"));
    }
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

/* The JPEG-copy options given on the command line (unset: NULL / -1), and the library
 * views' (XMP sidecars, album folders). */
typedef struct
{
  int   enabled;     /* -1, 0, 1 */
  char *placement;
  int   quality;     /* -1, or 1–100 */
  int   xmp_sidecars;  /* -1, 0, 1 */
  int   album_folders; /* -1, 0, 1 */
} JpegOptions;

static gboolean
jpeg_options_given (const JpegOptions *opts)
{
  return opts->enabled >= 0 || opts->placement != NULL || opts->quality >= 0
         || opts->xmp_sidecars >= 0 || opts->album_folders >= 0;
}

/* Checks the values before anything is changed. */
static gboolean
check_jpeg_options (const JpegOptions  *opts,
                    GError            **error)
{
  KsJpegPlacement placement;

  if (opts->placement != NULL && !ks_jpeg_placement_from_string (opts->placement, &placement))
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                   _("--jpeg-placement is “subfolder” or “beside”, not “%s”"), opts->placement);
      return FALSE;
    }
  if (opts->quality != -1 && (opts->quality < 1 || opts->quality > 100))
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                   _("--jpeg-quality is a number from 1 to 100"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_jpeg_options (KsBackupPlan       *plan,
                    const char         *id,
                    const JpegOptions  *opts,
                    GError            **error)
{
  g_autofree char *quality = opts->quality >= 0 ? g_strdup_printf ("%d", opts->quality) : NULL;

  if (opts->enabled >= 0 &&
      !ks_backup_plan_set_destination_option (plan, id, KS_JPEG_OPTION_ENABLED,
                                              opts->enabled ? "true" : "false", error))
    return FALSE;
  if (opts->placement != NULL &&
      !ks_backup_plan_set_destination_option (plan, id, KS_JPEG_OPTION_PLACEMENT, opts->placement, error))
    return FALSE;
  if (quality != NULL &&
      !ks_backup_plan_set_destination_option (plan, id, KS_JPEG_OPTION_QUALITY, quality, error))
    return FALSE;
  if (opts->xmp_sidecars >= 0 &&
      !ks_backup_plan_set_destination_option (plan, id, KS_LIBRARY_OPTION_XMP_SIDECARS,
                                              opts->xmp_sidecars ? "true" : NULL, error))
    return FALSE;
  if (opts->album_folders >= 0 &&
      !ks_backup_plan_set_destination_option (plan, id, KS_LIBRARY_OPTION_ALBUM_FOLDERS,
                                              opts->album_folders ? "true" : NULL, error))
    return FALSE;
  return TRUE;
}

/* Prints the entry an action left, or the action's error. */
static int
report (KsCli             *cli,
        KsBackupPlan      *plan,
        const char        *action,
        KsPlanDestination *dest,
        const GError      *error)
{
  gboolean jpeg_on = FALSE;
  KsJpegPlacement placement = KS_JPEG_PLACEMENT_SUBFOLDER;
  int quality = KS_JPEG_COPY_DEFAULT_QUALITY;
  gboolean sidecars = FALSE;
  gboolean albums = FALSE;

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
      if (!g_str_equal (action, "remove"))
        {
          jpeg_on = ks_jpeg_copy_get_settings (plan, ks_plan_destination_get_id (dest), &placement, &quality);
          ks_json_key (json, "jpeg_copies");
          ks_json_begin_object (json);
          ks_json_member_bool (json, "enabled", jpeg_on);
          ks_json_member_string (json, "placement", ks_jpeg_placement_to_string (placement));
          ks_json_member_int (json, "quality", quality);
          ks_json_end_object (json);
          ks_library_views_get_settings (plan, ks_plan_destination_get_id (dest), &sidecars, &albums);
          ks_json_member_bool (json, "xmp_sidecars", sidecars);
          ks_json_member_bool (json, "album_folders", albums);
        }
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
      else if (g_str_equal (action, "set"))
        g_print (_("Changed “%s” (%s): %s\n"), name, ks_plan_destination_get_id (dest), location);
      else if (ks_plan_destination_get_enabled (dest))
        g_print (_("Enabled “%s” (%s): %s\n"), name, ks_plan_destination_get_id (dest), location);
      else
        g_print (_("Disabled “%s” (%s): %s\n"), name, ks_plan_destination_get_id (dest), location);

      if (g_str_equal (action, "add") || g_str_equal (action, "set"))
        {
          jpeg_on = ks_jpeg_copy_get_settings (plan, ks_plan_destination_get_id (dest), &placement, &quality);
          if (!jpeg_on)
            g_print ("  %s\n", _("JPEG copies of HEIC photos: off"));
          else if (placement == KS_JPEG_PLACEMENT_BESIDE)
            g_print (_("  JPEG copies of HEIC photos: on, beside each photo, quality %d\n"), quality);
          else
            g_print (_("  JPEG copies of HEIC photos: on, in a JPEG folder beside each photo, quality %d\n"), quality);
          ks_library_views_get_settings (plan, ks_plan_destination_get_id (dest), &sidecars, &albums);
          g_print ("  %s\n", sidecars ? _("XMP sidecars with favourites, albums and dates: on")
                                      : _("XMP sidecars with favourites, albums and dates: off"));
          g_print ("  %s\n", albums ? _("Albums folder: on") : _("Albums folder: off"));
        }
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

  add->dest = ks_backup_plan_add_path_finish (KS_BACKUP_PLAN (object), result, &add->error);
  add->done = TRUE;
}

/* TARGET is a folder path, relative to the current folder or absolute; one on an external
 * drive is added as a drive (found again wherever it mounts). The folder is looked at on a
 * worker (a sleeping drive must not make Ctrl+C wait). */
static int
add (KsCli             *cli,
     KsBackupPlan      *plan,
     const char        *target,
     const char        *name,
     gboolean           full_backups,
     int                keep,
     const JpegOptions *jpeg)
{
  g_autofree char *path = g_canonicalize_filename (target, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPlanDestination) dest = NULL;
  AddRun run = { NULL, NULL, FALSE };

  if (name != NULL && name[0] == '\0')
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, _("--name needs a name"));
      return KS_EXIT_USAGE;
    }

  if (!check_jpeg_options (jpeg, &error))
    return report (cli, plan, "add", NULL, error);

  ks_backup_plan_add_path_async (plan, path, name, cli->cancellable, add_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  error = run.error;
  dest = run.dest;

  /* Full device backups too (ks_backup_service_full_backup), and JPEG copies. Each change
   * reloads the plan: the entry is looked up again. */
  if (error == NULL && full_backups)
    {
      g_autofree char *id = g_strdup (ks_plan_destination_get_id (dest));
      g_autofree char *keep_text = g_strdup_printf ("%d", keep);

      if (ks_backup_plan_set_methods (plan, id, ks_plan_destination_get_methods (dest) | KS_BACKUP_METHOD_FULL,
                                      &error)
          && (keep <= 0 || ks_backup_plan_set_destination_option (plan, id, KS_FULL_BACKUP_KEEP_OPTION,
                                                                  keep_text, &error)))
        g_set_object (&dest, ks_backup_plan_lookup (plan, id));
      else
        g_clear_object (&dest);
    }

  if (error == NULL && dest != NULL && jpeg_options_given (jpeg))
    {
      g_autofree char *id = g_strdup (ks_plan_destination_get_id (dest));

      if (apply_jpeg_options (plan, id, jpeg, &error))
        g_set_object (&dest, ks_backup_plan_lookup (plan, id));
    }

  return report (cli, plan, "add", dest, error);
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
  /* A drive is in the plan by its UUID: a folder on it (mounted now) names it too. */
  if (dest == NULL && !g_str_has_prefix (id_or_path, KS_DRIVE_LOCATION_PREFIX))
    {
      g_autofree char *path = g_canonicalize_filename (id_or_path, NULL);
      g_autofree char *location = g_file_test (path, G_FILE_TEST_IS_DIR)
                                  ? ks_drive_location_for_path (path, NULL, NULL) : NULL;

      if (location != NULL)
        dest = ks_backup_plan_lookup (plan, location);
    }
  if (dest == NULL)
    g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_NOT_FOUND,
                 _("No destination “%s” in the backup plan; see keepsake-cli destinations list"),
                 id_or_path);
  return dest;
}

static int
change (KsCli             *cli,
        KsBackupPlan      *plan,
        const char        *action,
        const char        *id_or_path,
        const JpegOptions *jpeg,
        int                offsite)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPlanDestination) dest = NULL;
  g_autofree char *id = NULL;
  gboolean ok;

  if (!check_jpeg_options (jpeg, &error))
    return report (cli, plan, action, NULL, error);
  dest = lookup (plan, id_or_path, &error);
  if (dest == NULL)
    return report (cli, plan, action, NULL, error);
  /* The plan's reload replaces its entries: keep this one for the report. */
  g_object_ref (dest);
  id = g_strdup (ks_plan_destination_get_id (dest));

  if (g_str_equal (action, "remove"))
    ok = ks_backup_plan_remove (plan, id, &error);
  else if (g_str_equal (action, "set"))
    /* Kept elsewhere: an offsite copy for the 3-2-1 rule (clouds are, by their kind). */
    ok = (!jpeg_options_given (jpeg) || apply_jpeg_options (plan, id, jpeg, &error))
         && (offsite < 0 || ks_backup_plan_set_destination_option (plan, id, "offsite",
                                                                    offsite ? "true" : NULL, &error));
  else
    ok = ks_backup_plan_set_enabled (plan, id, g_str_equal (action, "enable"), &error);
  if (!ok)
    return report (cli, plan, action, NULL, error);

  if (!g_str_equal (action, "remove"))
    {
      KsPlanDestination *now = ks_backup_plan_lookup (plan, id);

      if (now != NULL)
        g_set_object (&dest, now);
    }
  return report (cli, plan, action, dest, NULL);
}

static const char * const switches[] = { "--xmp-sidecars", "--album-folders" };

/* A copy of @argv where each of the switches above is followed by "=on" or "=off". */
static char **
normalize_switches (int    argc,
                    char **argv)
{
  g_autoptr(GStrvBuilder) out = g_strv_builder_new ();

  for (int i = 0; i < argc; i++)
    {
      gboolean done = FALSE;

      for (guint s = 0; !done && s < G_N_ELEMENTS (switches); s++)
        if (g_str_equal (argv[i], switches[s]))
          {
            gboolean valued = i + 1 < argc && (g_str_equal (argv[i + 1], "on") || g_str_equal (argv[i + 1], "off"));
            g_autofree char *merged = g_strconcat (switches[s], "=", valued ? argv[i + 1] : "on", NULL);

            g_strv_builder_add (out, merged);
            i += valued ? 1 : 0;
            done = TRUE;
          }
      if (!done)
        g_strv_builder_add (out, argv[i]);
    }
  return g_strv_builder_end (out);
}

static gboolean
parse_switch (KsCli      *cli,
              const char *name,
              const char *text,
              int        *out_value)
{
  g_autofree char *msg = NULL;

  if (text == NULL)
    return TRUE;
  if (g_str_equal (text, "on") || g_str_equal (text, "off"))
    {
      *out_value = g_str_equal (text, "on");
      return TRUE;
    }
  msg = g_strdup_printf (_("%s is followed by on or off, not “%s”"), name, text);
  ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, msg);
  return FALSE;
}

int
ks_cli_destinations (KsCli  *cli,
                     int     argc,
                     char  **argv)
{
  g_autofree char *name = NULL;
  gboolean full_backups = FALSE;
  int keep = 0;
  g_autofree char *placement = NULL;
  g_autofree char *offsite_text = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *identity_file = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *trust_host_key = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  gboolean jpeg_copies = FALSE;
  int quality = -1;
  g_autofree char *xmp_text = NULL;
  g_autofree char *albums_text = NULL;
  g_auto(GStrv) owned_args = NULL;
  g_autofree char **shallow_args = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Name of the destination to add"), "NAME" },
    { "full-backups", 0, 0, G_OPTION_ARG_NONE, &full_backups, N_("Also keep full device backups there"), NULL },
    { "keep", 0, 0, G_OPTION_ARG_INT, &keep, N_("How many complete full backups to keep (default 3)"), "N" },
    { "jpeg-copies", 0, 0, G_OPTION_ARG_NONE, &jpeg_copies,
      N_("Also save a JPEG copy of each HEIC photo (set: followed by on or off)"), NULL },
    { "jpeg-placement", 0, 0, G_OPTION_ARG_STRING, &placement,
      N_("Where JPEG copies go: subfolder (a JPEG folder beside each photo) or beside"), "WHERE" },
    { "jpeg-quality", 0, 0, G_OPTION_ARG_INT, &quality, N_("JPEG quality, 1 to 100 (default 92)"), "N" },
    { "xmp-sidecars", 0, 0, G_OPTION_ARG_STRING, &xmp_text,
      N_("An XMP sidecar next to each photo with its favourite, albums and date (add: alone; set: on or off)"), "on|off" },
    { "album-folders", 0, 0, G_OPTION_ARG_STRING, &albums_text,
      N_("An Albums folder with a folder of links per album (add: alone; set: on or off)"), "on|off" },
    { "offsite", 0, 0, G_OPTION_ARG_STRING, &offsite_text,
      N_("set: whether the destination is kept elsewhere, for the 3-2-1 rule (on or off)"), "on|off" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("File holding the password of a network or cloud destination"), "FILE" },
    { "identity-file", 0, 0, G_OPTION_ARG_FILENAME, &identity_file,
      N_("SSH private key for an sftp:// destination"), "FILE" },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &endpoint,
      N_("Server address for an s3:// destination that is not Amazon’s"), "URL" },
    { "trust-host-key", 0, 0, G_OPTION_ARG_STRING, &trust_host_key,
      N_("The SSH key fingerprint an sftp:// server must show, as ssh-keygen -lf prints it"), "SHA256:…" },
    { NULL }
  };
  JpegOptions jpeg = { -1, NULL, -1, -1, -1 };
  int offsite = -1;
  const char *action;
  gboolean lists;
  gboolean sets;
  int n_args;
  int ret;

  /* "--xmp-sidecars on" reads as "--xmp-sidecars=on", and a bare "--xmp-sidecars" as on. */
  owned_args = normalize_switches (argc, argv);
  argc = g_strv_length (owned_args);
  /* Parsing moves the pointers about; the strings are freed from owned_args. */
  shallow_args = g_memdup2 (owned_args, (argc + 1) * sizeof (char *));
  argv = shallow_args;
  if ((ret = ks_cli_parse_options (cli, "destinations", entries, 3, &argc, &argv)) != KS_EXIT_OK)
    return ret;
  if (!parse_switch (cli, "--xmp-sidecars", xmp_text, &jpeg.xmp_sidecars) ||
      !parse_switch (cli, "--album-folders", albums_text, &jpeg.album_folders))
    return KS_EXIT_USAGE;

  action = argc > 1 ? argv[1] : "list";
  lists = g_str_equal (action, "list");
  sets = g_str_equal (action, "set");
  n_args = g_str_equal (action, "add") || g_str_equal (action, "remove") ||
           g_str_equal (action, "enable") || g_str_equal (action, "disable") || sets ? 1 : lists ? 0 : -1;
  if (n_args < 0)
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown action “%s”: use destinations list, add, remove, enable, disable or set"), action);

      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, msg);
      return KS_EXIT_USAGE;
    }

  /* set ID --jpeg-copies on|off */
  if (sets && jpeg_copies && argc == 4)
    {
      if (g_str_equal (argv[3], "on") || g_str_equal (argv[3], "off"))
        jpeg.enabled = g_str_equal (argv[3], "on");
      else
        {
          g_autofree char *msg = g_strdup_printf (_("--jpeg-copies is followed by on or off, not “%s”"), argv[3]);

          ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, msg);
          return KS_EXIT_USAGE;
        }
      argc--;
    }
  else if (jpeg_copies)
    jpeg.enabled = TRUE;
  jpeg.placement = placement;
  jpeg.quality = quality;
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
  if ((password_file || identity_file || endpoint || trust_host_key) && !g_str_equal (action, "add"))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                          _("--password-file, --identity-file, --endpoint and --trust-host-key are only for destinations add"));
      return KS_EXIT_USAGE;
    }
  if (name != NULL && !g_str_equal (action, "add"))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, _("--name is only for destinations add"));
      return KS_EXIT_USAGE;
    }
  if (jpeg_options_given (&jpeg) && !sets && !g_str_equal (action, "add"))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, _("The --jpeg, --xmp-sidecars and --album-folders options are for destinations add and set"));
      return KS_EXIT_USAGE;
    }
  if (offsite_text != NULL)
    {
      if (!sets || (!g_str_equal (offsite_text, "on") && !g_str_equal (offsite_text, "off")))
        {
          ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                              _("--offsite is for destinations set, followed by on or off"));
          return KS_EXIT_USAGE;
        }
      offsite = g_str_equal (offsite_text, "on");
    }
  if (sets && !jpeg_options_given (&jpeg) && offsite < 0)
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                          _("destinations set needs what to change: --offsite on|off, --jpeg-copies on|off, --jpeg-placement, --jpeg-quality, --xmp-sidecars on|off or --album-folders on|off"));
      return KS_EXIT_USAGE;
    }

  /* Listing an empty plan creates nothing. */
  if ((ret = ks_cli_open_plan (cli, "destinations", !lists, &catalog, &plan)) != KS_EXIT_OK)
    return ret;

  if (lists)
    return list (cli, plan);
  if (g_str_equal (action, "add") && ks_rclone_remote_is_location (argv[2]))
    return ks_cli_destinations_add_remote (cli, plan, argv[2], name, password_file,
                                           identity_file, endpoint, trust_host_key);
  if (g_str_equal (action, "add") && (password_file || identity_file || endpoint || trust_host_key))
    {
      ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE,
                          _("--password-file, --identity-file, --endpoint and --trust-host-key are for network and cloud locations"));
      return KS_EXIT_USAGE;
    }
  if (g_str_equal (action, "add"))
    {
      if (keep < 0 || keep > 1000 || (keep > 0 && !full_backups))
        {
          ks_cli_print_error (cli, "destinations", KS_EXIT_USAGE, _("--keep takes 1 to 1000, with --full-backups"));
          return KS_EXIT_USAGE;
        }
      return add (cli, plan, argv[2], name, full_backups, keep, &jpeg);
    }
  return change (cli, plan, action, argv[2], &jpeg, offsite);
}
