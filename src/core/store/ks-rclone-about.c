/* ks-rclone-about.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* For a destination that is not open: one `rclone about --json` with the remote defined in
 * its environment, as the rcd child gets it (secrets never in argv). Blocking: call on a
 * worker. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-rclone.h"
#include "ks-rclone-about.h"
#include "ks-rclone-remote.h"

static void
set_not_supported (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("This service does not report free space"));
}

/**
 * ks_rclone_about_parse:
 * @reply: what `rclone about --json` or the rc call operations/about said
 *
 * Returns: whether @reply says how much is free; otherwise @error says "this service does
 *   not report free space"
 */
gboolean
ks_rclone_about_parse (JsonObject     *reply,
                       KsRcloneAbout  *out,
                       GError        **error)
{
  g_return_val_if_fail (reply != NULL && out != NULL, FALSE);

  out->total = json_object_get_int_member_with_default (reply, "total", -1);
  out->used = json_object_get_int_member_with_default (reply, "used", -1);
  out->free = json_object_get_int_member_with_default (reply, "free", -1);
  if (out->free < 0)
    {
      set_not_supported (error);
      return FALSE;
    }
  return TRUE;
}

/**
 * ks_rclone_about_location:
 *
 * Asks the server of @location how much space is used and free. Blocking.
 */
gboolean
ks_rclone_about_location (const char     *location,
                          KsRcloneAbout  *out,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) env = NULL;
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  JsonNode *root;

  g_return_val_if_fail (location != NULL && out != NULL, FALSE);

  remote = ks_rclone_remote_parse (location, error);
  if (remote == NULL)
    return FALSE;
  env = ks_rclone_remote_dup_env (remote, cancellable, error);
  if (env == NULL)
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* As for the rcd child (see ks_rclone_start). */
  g_subprocess_launcher_unsetenv (launcher, "AWS_CA_BUNDLE");
  for (guint i = 0; env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      if (kv[0] != NULL && kv[1] != NULL)
        g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  if (remote->user_config)
    process = g_subprocess_launcher_spawn (launcher, &local_error, "rclone", "about", "--json",
                                           "--contimeout=15s", "--timeout=30s", "--", remote->fs, NULL);
  else
    process = g_subprocess_launcher_spawn (launcher, &local_error, "rclone", "--config=", "about",
                                           "--json", "--contimeout=15s", "--timeout=30s", "--",
                                           remote->fs, NULL);
  if (process == NULL)
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_INSTALLED,
                           _("rclone is not installed; network and cloud destinations need it"));
      return FALSE;
    }

  if (!g_subprocess_communicate_utf8 (process, NULL, cancellable, &out_text, &err_text, error))
    {
      g_subprocess_force_exit (process);
      return FALSE;
    }

  if (!g_subprocess_get_successful (process))
    {
      /* rclone says "… doesn't support about" for backends without quotas. */
      if (err_text != NULL && strstr (err_text, "support about") != NULL)
        set_not_supported (error);
      else
        g_set_error (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                     _("rclone could not ask the server how much space is free (exit %d)"),
                     g_subprocess_get_exit_status (process));
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, out_text ? out_text : "", -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_FAILED,
                           _("rclone gave an answer that is not understood"));
      return FALSE;
    }
  return ks_rclone_about_parse (json_node_get_object (root), out, error);
}

/**
 * ks_rclone_about_describe:
 *
 * Returns: (transfer full): "12.3 GB used, 87.7 GB free", for people
 */
char *
ks_rclone_about_describe (const KsRcloneAbout *about)
{
  g_autofree char *free_text = NULL;
  g_autofree char *used_text = NULL;

  g_return_val_if_fail (about != NULL, NULL);

  free_text = g_format_size (MAX (about->free, 0));
  if (about->used < 0)
    /* TRANSLATORS: %s is a size, "87.7 GB" */
    return g_strdup_printf (_("%s free"), free_text);
  used_text = g_format_size (about->used);
  /* TRANSLATORS: %s are sizes, "12.3 GB used, 87.7 GB free" */
  return g_strdup_printf (_("%s used, %s free"), used_text, free_text);
}
