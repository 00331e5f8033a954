/* ks-rclone-about.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* For a destination that is not open: operations/about in an rclone child of its own,
 * started as a run starts it (secrets never in argv; a renewed sign-in kept). Blocking: call
 * on a worker. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "ks-rclone.h"
#include "ks-rclone-about.h"
#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"
#include "ks-rclone-token.h"

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

static gboolean
about_remote (KsRcloneRemote  *remote,
              const char      *location,
              KsRcloneAbout   *out,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(KsRclone) rclone = NULL;
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) keep_error = NULL;

  rclone = ks_rclone_remote_start (remote, NULL, cancellable, error);
  if (rclone == NULL)
    return FALSE;

  params = json_object_new ();
  json_object_set_string_member (params, "fs", remote->fs);
  reply = ks_rclone_run_job (rclone, "operations/about", params, NULL, NULL, cancellable, &local_error);
  /* Even this one call may renew a sign-in whose old refresh token is then used up. */
  if (!ks_rclone_remote_keep_token (remote, rclone, NULL, &keep_error))
    g_message ("The renewed sign-in of %s was not kept: %s", location, keep_error->message);
  ks_rclone_stop (rclone);

  if (reply == NULL)
    {
      /* rclone says "… doesn't support about" for backends without quotas. */
      if (strstr (local_error->message, "support about") != NULL)
        set_not_supported (error);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return ks_rclone_about_parse (reply, out, error);
}

/**
 * ks_rclone_about_location:
 *
 * Asks the server of @location how much space is used and free, in an rclone child of its
 * own. Blocking; for a sign-in, waits while a run or another check uses the destination.
 */
gboolean
ks_rclone_about_location (const char     *location,
                          KsRcloneAbout  *out,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(KsRcloneRemote) remote = NULL;
  g_autoptr(GError) lock_error = NULL;
  gboolean ok;
  int lock_fd = -1;

  g_return_val_if_fail (location != NULL && out != NULL, FALSE);

  remote = ks_rclone_remote_parse (location, error);
  if (remote == NULL)
    return FALSE;

  /* A sign-in (and a remote of the user's own, whose rclone writes its configuration) is
   * used by one rclone at a time: a refresh token some services accept only once, renewed
   * by two children at once, would leave one of them — perhaps a backup's — signed out. So
   * the query waits for the lock a run (or another check) holds on the destination. */
  if (remote->backend == NULL || ks_rclone_remote_is_oauth (remote->backend))
    while ((lock_fd = ks_rclone_destination_take_lock (location, NULL, &lock_error)) < 0)
      {
        if (!g_error_matches (lock_error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_BUSY))
          {
            g_propagate_error (error, g_steal_pointer (&lock_error));
            return FALSE;
          }
        g_clear_error (&lock_error);
        if (g_cancellable_set_error_if_cancelled (cancellable, error))
          return FALSE;
        g_usleep (G_USEC_PER_SEC / 5);
      }

  ok = about_remote (remote, location, out, cancellable, error);
  if (lock_fd >= 0)
    close (lock_fd);
  return ok;
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
