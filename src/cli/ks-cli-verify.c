/* ks-cli-verify.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli verify --to DIR [--repair]: the core's KsVerifyJob re-reads every file the
 * folder's own index lists, JPEG copies included. A file that is gone is MISSING; one with
 * other content, or with something unreadable in its place (a symlink, a folder, an I/O
 * error), is DAMAGED; a JPEG copy says so (the photo itself is not lost). Either gives exit
 * status 10. --repair forgets them in the folder's index (and the catalog), so the next
 * backup stores the photo again, or makes the JPEG copy again, beside the damaged file. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-cli.h"
#include "ks-folder-destination.h"
#include "ks-verify-job.h"

typedef struct
{
  KsCli          *cli;
  KsVerifyResult *result;
  GError         *error;
  gboolean        done;
  gint64          last_progress;
} VerifyRun;

/* On the job's worker thread. */
static void
progress_cb (guint       done,
             guint       total,
             const char *relative_path,
             gpointer    user_data)
{
  VerifyRun *run = user_data;

  ks_cli_progress (run->cli, &run->last_progress, ngettext ("Checked %u of %u file…", "Checked %u of %u files…", total),
                   done, total);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  VerifyRun *run = user_data;

  run->result = ks_verify_job_run_finish (KS_VERIFY_JOB (object), result, &run->error);
  run->done = TRUE;
}

/* @derived: the JPEG copies of @entries, else the copies of photos */
static void
add_paths (GPtrArray *paths,
           GPtrArray *entries,
           gboolean   derived)
{
  for (guint i = 0; i < entries->len; i++)
    {
      KsDestinationEntry *entry = g_ptr_array_index (entries, i);

      if ((entry->original_hash != NULL) == derived)
        g_ptr_array_add (paths, entry->relative_path);
    }
}

static void
print_json_paths (KsJson     *json,
                  const char *key,
                  GPtrArray  *paths)
{
  ks_json_key (json, key);
  ks_json_begin_array (json);
  for (guint i = 0; i < paths->len; i++)
    ks_json_string (json, g_ptr_array_index (paths, i));
  ks_json_end_array (json);
}

static void
print_text_paths (const char *label,
                  GPtrArray  *paths,
                  gboolean    derived)
{
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *p = ks_cli_printable (g_ptr_array_index (paths, i));

      if (derived)
        /* Translators: after a damaged or missing file's name: it is a JPEG copy of a HEIC
         * photo, not a backup of the photo itself */
        g_print ("%s  %s  %s\n", label, p, _("(JPEG copy)"));
      else
        g_print ("%s  %s\n", label, p);
    }
}

static void
print_result (KsCli                *cli,
              const char           *to,
              const KsVerifyResult *result,
              int                   exit_code)
{
  g_autoptr(GPtrArray) damaged = g_ptr_array_new ();   /* borrowed relative paths */
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  g_autoptr(GPtrArray) damaged_jpeg = g_ptr_array_new ();
  g_autoptr(GPtrArray) missing_jpeg = g_ptr_array_new ();

  add_paths (damaged, result->changed, FALSE);
  add_paths (damaged, result->unreadable, FALSE);
  add_paths (missing, result->missing, FALSE);
  add_paths (damaged_jpeg, result->changed, TRUE);
  add_paths (damaged_jpeg, result->unreadable, TRUE);
  add_paths (missing_jpeg, result->missing, TRUE);

  if (cli->json)
    {
      g_autoptr(KsJson) json = ks_json_new ();

      ks_json_begin_object (json);
      ks_json_member_string (json, "command", "verify");
      ks_json_member_string (json, "destination", to);
      ks_json_member_int (json, "checked", result->checked);
      ks_json_member_int (json, "ok", result->ok);
      print_json_paths (json, "damaged", damaged);
      print_json_paths (json, "missing", missing);
      ks_json_member_int (json, "jpeg_copies_checked", result->derived_checked);
      print_json_paths (json, "damaged_jpeg_copies", damaged_jpeg);
      print_json_paths (json, "missing_jpeg_copies", missing_jpeg);
      ks_json_member_int (json, "forgotten", result->forgotten);
      ks_json_member_int (json, "exit_code", exit_code);
      ks_json_end_object (json);
      ks_cli_print_json (json);
    }
  else
    {
      print_text_paths ("DAMAGED", damaged, FALSE);
      print_text_paths ("MISSING", missing, FALSE);
      print_text_paths ("DAMAGED", damaged_jpeg, TRUE);
      print_text_paths ("MISSING", missing_jpeg, TRUE);
      g_print (ngettext ("%u file checked: %u ok, %u damaged, %u missing\n",
                         "%u files checked: %u ok, %u damaged, %u missing\n",
                         result->checked),
               result->checked, result->ok, damaged->len + damaged_jpeg->len,
               missing->len + missing_jpeg->len);
      if (result->forgotten > 0)
        g_print (ngettext ("%u file forgotten: the next backup stores it again\n",
                           "%u files forgotten: the next backup stores them again\n",
                           result->forgotten),
                 result->forgotten);
    }
}

int
ks_cli_verify (KsCli  *cli,
               int     argc,
               char  **argv)
{
  g_autofree char *to = NULL;
  g_autoptr(KsDestination) destination = NULL;
  g_autoptr(KsVerifyJob) job = NULL;
  g_autoptr(KsVerifyResult) result = NULL;
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  gboolean repair = FALSE;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("Backup folder to check"), "DIR" },
    { "repair", 0, 0, G_OPTION_ARG_NONE, &repair,
      N_("Forget the damaged and missing files, so the next backup stores them (or makes the JPEG copies) again"), NULL },
    { NULL }
  };
  VerifyRun run = { cli, NULL, NULL, FALSE, 0 };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "verify", entries, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;
  if (to == NULL)
    {
      ks_cli_print_error (cli, "verify", KS_EXIT_USAGE, _("verify needs --to DIR"));
      return KS_EXIT_USAGE;
    }

  destination = ks_cli_remote_destination_new (NULL, to);
  if (destination == NULL && !g_file_test (to, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *msg = g_strdup_printf (_("%s is not a folder"), to);

      ks_cli_print_error (cli, "verify", KS_EXIT_DESTINATION, msg);
      return KS_EXIT_DESTINATION;
    }

  /* No catalog: checking a folder changes nothing but what it reports. A repair forgets
   * in the catalog too, when there is one. */
  if (repair && (ret = ks_cli_open_plan (cli, "verify", FALSE, &catalog, &plan)) != KS_EXIT_OK)
    return ret;
  if (destination == NULL)
    destination = KS_DESTINATION (ks_folder_destination_new (to));
  job = ks_verify_job_new (destination, catalog);
  ks_verify_job_set_repair (job, repair);
  ks_verify_job_set_progress (job, progress_cb, &run);
  ks_verify_job_run_async (job, cli->cancellable, run_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  ks_cli_progress_clear (cli, &run.last_progress);

  if (run.error != NULL)
    {
      g_autoptr(GError) verify_error = g_steal_pointer (&run.error);

      ret = ks_cli_exit_for_error (verify_error);
      if (ret == KS_EXIT_FAILED && verify_error->domain == G_IO_ERROR)
        ret = KS_EXIT_DESTINATION;
      ks_cli_print_error (cli, "verify", ret, verify_error->message);
      return ret;
    }

  result = g_steal_pointer (&run.result);
  ret = result->ok == result->checked ? KS_EXIT_OK : KS_EXIT_DAMAGED;
  print_result (cli, to, result, ret);
  return ret;
}
