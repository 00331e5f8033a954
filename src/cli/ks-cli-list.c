/* ks-cli-list.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli list: the photo and video files of the iPhone (or of a folder), as the
 * backup would see them. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-cli.h"

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
  ks_cli_progress (job->cli, &job->last_progress,
                   ngettext ("Found %u file…", "Found %u files…", job->files->len),
                   job->files->len);
  return TRUE;
}

static gpointer
list_worker (gpointer data)
{
  ListJob *job = data;

  return GINT_TO_POINTER (ks_source_enumerate (job->source, list_file_cb, job,
                                               job->cli->cancellable, &job->error));
}

static void
print_json (KsSource  *source,
            GPtrArray *files,
            guint64    bytes)
{
  g_autoptr(KsJson) json = ks_json_new ();
  g_autoptr(GPtrArray) assets = ks_cli_group_assets (source, files);

  ks_json_begin_object (json);
  ks_json_member_string (json, "command", "list");
  ks_json_member_string (json, "source", ks_source_get_id (source));
  ks_json_member_int (json, "count", files->len);
  ks_json_member_int (json, "bytes", bytes);
  ks_json_key (json, "files");
  ks_json_begin_array (json);
  for (guint i = 0; i < files->len; i++)
    {
      KsSourceFile *f = g_ptr_array_index (files, i);
      const char *slash = strrchr (f->path, '/');

      ks_json_begin_object (json);
      ks_json_member_string (json, "path", f->path);
      /* By name, as the backup groups them: "other" is a file it copies without knowing it. */
      ks_json_member_string (json, "kind", ks_asset_kind_to_string (ks_asset_kind_from_name (slash ? slash + 1 : f->path, -1)));
      ks_json_member_int (json, "size", f->size);
      ks_json_member_int (json, "mtime", f->mtime);
      ks_json_end_object (json);
    }
  ks_json_end_array (json);
  /* As the phone's Photos app sees them: per asset its flags and albums, then the albums. */
  ks_cli_json_library (json, source, assets);
  ks_json_end_object (json);
  ks_cli_print_json (json);
}

static void
print_text (KsSource  *source,
            GPtrArray *files,
            guint64    bytes)
{
  g_autofree char *total = g_format_size (bytes);
  g_autofree char *icloud = ks_cli_icloud_only_line (source);

  for (guint i = 0; i < files->len; i++)
    {
      KsSourceFile *f = g_ptr_array_index (files, i);
      g_autofree char *date = ks_cli_format_time (f->mtime);
      g_autofree char *path = ks_cli_printable (f->path);

      g_print ("%12" G_GUINT64_FORMAT "  %s  %s\n", f->size, date, path);
    }
  g_print (ngettext ("%u file, %s\n", "%u files, %s\n", files->len), files->len, total);
  if (icloud != NULL)
    g_print ("%s\n", icloud);
}

int
ks_cli_list (KsCli  *cli,
             int     argc,
             char  **argv)
{
  g_autofree char *udid = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *password_file = NULL;
  g_autoptr(KsSource) source = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_source_file_free);
  const GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &udid, N_("iPhone to list"), "UDID" },
    { "source", 0, 0, G_OPTION_ARG_FILENAME, &folder, N_("Folder or device backup to list instead"), "DIR" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, N_("Password of an encrypted device backup (its first line)"), "FILE" },
    { NULL }
  };
  ListJob job = { cli, NULL, files, NULL, 0, 0 };
  int ret;

  if ((ret = ks_cli_parse_options (cli, "list", entries, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;

  if ((ret = ks_cli_open_source (cli, "list", udid, folder, password_file, &source)) != KS_EXIT_OK)
    return ret;

  job.source = source;
  if (!GPOINTER_TO_INT (ks_cli_run_in_thread (cli, list_worker, &job)))
    {
      g_autoptr(GError) list_error = job.error;

      ks_cli_progress_clear (cli, &job.last_progress);
      ret = ks_cli_exit_for_error (list_error);
      ks_cli_print_error (cli, "list", ret, list_error->message);
      return ret;
    }
  ks_cli_progress_clear (cli, &job.last_progress);

  if (cli->json)
    print_json (source, files, job.bytes);
  else
    print_text (source, files, job.bytes);

  return KS_EXIT_OK;
}
