/* ks-cli-status.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli status: what the catalog knows — devices seen, destinations and their copies,
 * the newest runs. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-catalog.h"
#include "ks-cli.h"

/* The catalog counts in guint64. xgettext cannot read a msgid through G_GUINT64_FORMAT, so
 * counts are printed as %s into the translated text, which picks its plural by plural_n(). */
static char *
count_text (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

static gulong
plural_n (guint64 n)
{
  return n > G_MAXULONG ? G_MAXULONG : (gulong) n;
}

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
      ks_json_member_string (json, "origin", run->origin);
      ks_json_end_object (json);
    }
  else
    {
      g_autofree char *date = ks_cli_format_time (run->started_at);
      g_autofree char *src = ks_cli_printable (run->source_id);
      g_autofree char *origin = ks_cli_printable (run->origin);

      g_print ("  %s  %s  %s: %u copied, %u skipped, %u failed", date, src, run->status,
               run->copied, run->skipped, run->failed);
      /* Runs recorded before the catalog kept who started them have no origin. */
      if (run->origin != NULL)
        g_print (_(" (started by %s)"), origin);
      g_print ("\n");
    }
}

/* The backup plan's destinations, with when each last backed up each device. */
static void
print_plan (KsJson       *json,
            KsBackupPlan *plan)
{
  guint n = plan ? g_list_model_get_n_items (G_LIST_MODEL (plan)) : 0;

  if (json != NULL)
    {
      ks_json_end_array (json);
      ks_json_key (json, "plan");
      ks_json_begin_array (json);
    }
  else
    g_print ("%s\n", _("Backup plan:"));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), i);

      if (json != NULL)
        ks_cli_print_plan_destination_json (json, dest);
      else
        ks_cli_print_plan_destination_text (dest);
    }

  if (json != NULL)
    ks_json_end_array (json);
  else if (n == 0)
    g_print ("  %s\n", _("no destinations; add one with: keepsake-cli destinations add DIR"));
}

/* Everything comes through the catalog's read API, never its tables: the schema moves with
 * migrations, and reading runs first marks those whose process died "interrupted". */
int
ks_cli_status (KsCli  *cli,
               int     argc,
               char  **argv)
{
  g_autofree char *path = ks_catalog_dup_default_path ();
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsCatalogSummary) summary = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(KsJson) json = NULL;
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  GPtrArray *destinations = NULL;
  int ret;

  if ((ret = ks_cli_parse_options (cli, "status", NULL, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;

  /* Without a catalog there is nothing to say, and nothing is created. */
  if ((ret = ks_cli_open_plan (cli, "status", FALSE, &catalog, &plan)) != KS_EXIT_OK)
    return ret;
  if (catalog != NULL)
    {
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
      {
        g_autofree char *files = count_text (summary->n_files);
        g_autofree char *assets = count_text (summary->n_assets);
        g_autofree char *backed_up = count_text (summary->n_backed_up);
        g_autofree char *copies = count_text (summary->n_copies);

        g_print (ngettext ("%s file known", "%s files known", plural_n (summary->n_files)), files);
        g_print (ngettext (" (%s photo or video), ", " (%s photos and videos), ",
                           plural_n (summary->n_assets)), assets);
        g_print (_("%s backed up; "), backed_up);
        g_print (ngettext ("%s copy\n", "%s copies\n", plural_n (summary->n_copies)), copies);
      }
      g_print ("%s\n", _("Devices seen:"));
    }

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      KsCatalogDevice *device = g_ptr_array_index (devices, i);
      g_autoptr(KsCliProtection) protection = ks_cli_protection_new (catalog, plan, device->udid);

      if (json != NULL)
        {
          ks_json_begin_object (json);
          ks_json_member_string (json, "udid", device->udid);
          ks_json_member_string (json, "name", device->name);
          ks_json_member_string (json, "model", device->model);
          ks_json_member_int (json, "last_seen", device->last_seen);
          ks_cli_protection_print_json (protection, plan, json);
          ks_json_end_object (json);
        }
      else
        {
          g_autofree char *udid = ks_cli_printable (device->udid);
          g_autofree char *name = ks_cli_printable (device->name ? device->name : "");
          g_autofree char *model = ks_cli_printable (device->model ? device->model : "");

          g_print ("  %s  %s  %s\n", udid, name, model);
          ks_cli_protection_print_text (protection);
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

          g_autofree char *copies = count_text (dest->n_copies);

          g_print (ngettext ("  %s  %s copy, %s\n", "  %s  %s copies, %s\n", plural_n (dest->n_copies)),
                   uri, copies, size);
        }
    }

  print_plan (json, plan);

  if (json != NULL)
    {
      ks_json_key (json, "runs");
      ks_json_begin_array (json);
    }
  else
    g_print ("%s\n", _("Last runs (newest first):"));

  for (guint i = 0; runs != NULL && i < runs->len; i++)
    status_print_run (json, g_ptr_array_index (runs, i));

  if (json != NULL)
    {
      ks_json_end_array (json);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }

  return KS_EXIT_OK;
}
