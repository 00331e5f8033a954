/* ks-remote-dialog-add.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Adding a network or cloud location, after the form closes: an SSH server's key is read
 * first and, when it is new or has changed, shown for the user to trust (as ssh asks); then
 * the secret goes to the keyring and the connection is tested on a worker (logging in,
 * reading or writing the server's own .keepsake/id, which becomes the plan entry's id) and
 * the space used and free is asked. A dialog says how it went; the plan gets the entry. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-rclone-about.h"
#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"
#include "ks-rclone-secret.h"
#include "ks-remote-dialog-private.h"
#include "ks-ssh-host-key.h"

typedef struct
{
  AdwPreferencesWindow *parent;   /* weak: the window may close first */
  KsBackupPlan         *plan;
  GCancellable         *cancellable;
  char                 *location;
  char                 *name;
  char                 *secret;
  KsRcloneRemote       *remote;

  /* SFTP: the server's key, and whether the user trusted it now */
  KsSshHostKey         *key;
  KsSshHostKeyState     key_state;
  char                 *trusted_fingerprint;
  gboolean              trust;

  /* What the test found */
  char                 *id;
  char                 *hash_type;
  char                 *space;
  gboolean              is_cloud;
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_weak_pointer (&data->parent);
  g_clear_object (&data->plan);
  g_clear_object (&data->cancellable);
  g_free (data->location);
  g_free (data->name);
  if (data->secret != NULL)
    memset (data->secret, 0, strlen (data->secret));
  g_free (data->secret);
  g_clear_pointer (&data->remote, ks_rclone_remote_free);
  g_clear_pointer (&data->key, ks_ssh_host_key_free);
  g_free (data->trusted_fingerprint);
  g_free (data->id);
  g_free (data->hash_type);
  g_free (data->space);
  g_free (data);
}

static void
show_toast (AddData    *data,
            const char *message,
            gboolean    stays)
{
  AdwToast *toast;

  if (data->parent == NULL)
    return;
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, stays ? 0 : 5);
  adw_preferences_window_add_toast (data->parent, toast);
}

static void
show_failure (AddData      *data,
              const GError *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  message = g_strdup_printf (_("Cannot add %s: %s"), data->name, error->message);
  show_toast (data, message, TRUE);
}

static void
add_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  AddData *data = task_data;
  g_autoptr(KsRcloneDestination) dest = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) about_error = NULL;
  g_autofree char *label = NULL;
  KsRcloneAbout about;

  if (data->trust && !ks_ssh_known_hosts_trust (data->remote->host, data->remote->port, data->key, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->secret != NULL)
    {
      label = g_strdup_printf (_("Keepsake backup destination %s"), data->name);
      if (!ks_rclone_secret_store (data->location, label, NULL, data->secret, cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  dest = ks_rclone_destination_new (data->location, NULL);
  if (!ks_destination_open (KS_DESTINATION (dest), cancellable, &error))
    {
      if (data->secret != NULL)
        ks_rclone_secret_clear (data->location, NULL, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->id = g_strdup (ks_destination_get_id (KS_DESTINATION (dest)));
  data->is_cloud = ks_rclone_destination_is_cloud (dest);
  data->hash_type = g_strdup (ks_rclone_destination_get_hash_type (dest));

  json_object_set_string_member (params, "fs", data->remote->fs);
  reply = ks_rclone_run_job (ks_rclone_destination_get_rclone (dest), "operations/about", params,
                             NULL, NULL, cancellable, &about_error);
  if (reply != NULL && ks_rclone_about_parse (reply, &about, &about_error))
    data->space = ks_rclone_about_describe (&about);
  else
    data->space = g_strdup (_("This service does not report free space"));

  ks_destination_close (KS_DESTINATION (dest));
  g_task_return_boolean (task, TRUE);
}

static void
add_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  AddData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  KsPlanDestination *dest = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    dest = ks_backup_plan_add (data->plan,
                               data->is_cloud ? KS_DESTINATION_KIND_CLOUD : KS_DESTINATION_KIND_NETWORK,
                               data->id, data->name, data->location, KS_BACKUP_METHOD_FILES,
                               &error);
  if (dest == NULL)
    {
      show_failure (data, error);
      return;
    }

  if (data->parent != NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Added “%s”"), data->name);
      g_autofree char *body = NULL;
      GtkWidget *done;

      body = g_strdup_printf ("%s\n%s\n%s", _("The connection works."), data->space,
                              data->hash_type != NULL
                              ? _("Every upload is checked with the server’s own checksum before it counts.")
                              : _("This kind of server keeps no checksums: every upload is read back before it counts."));
      done = adw_message_dialog_new (GTK_WINDOW (data->parent), heading, body);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (done), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (done));
    }
}

static void
start_test (AddData *data)
{
  g_autoptr(GTask) task = NULL;

  if (data->parent != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Connecting to %s…"), data->name);

      adw_preferences_window_add_toast (data->parent, adw_toast_new (message));
    }

  task = g_task_new (NULL, data->cancellable, add_done_cb, NULL);
  g_task_set_source_tag (task, start_test);
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);
  g_task_run_in_thread (task, add_thread);
}

static void
trust_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  AddData *data = g_object_steal_data (G_OBJECT (dialog), "add-data");

  if (data == NULL)
    return;
  if (!g_str_equal (response, "trust"))
    {
      add_data_free (data);
      return;
    }
  data->trust = TRUE;
  start_test (data);
}

/* As ssh asks: the fingerprint, and trust it or not. A changed key says so loudly. */
static void
ask_trust (AddData *data)
{
  g_autofree char *question = ks_ssh_host_key_dup_question (data->remote->host, data->remote->port,
                                                           data->key, data->key_state,
                                                           data->trusted_fingerprint, FALSE);
  gboolean changed = data->key_state == KS_SSH_HOST_KEY_CHANGED;
  GtkWidget *dialog;
  GtkWidget *fingerprint;

  if (data->parent == NULL)
    {
      add_data_free (data);
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (data->parent),
                                   changed ? _("The Server’s Key Has Changed") : _("Trust This Server?"),
                                   question);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", changed ? _("_Trust the New Key") : _("_Trust and Connect"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              changed ? ADW_RESPONSE_DESTRUCTIVE : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  /* On a line of its own, unbroken, to compare with what the server shows. */
  fingerprint = gtk_label_new (data->key->fingerprint);
  gtk_label_set_selectable (GTK_LABEL (fingerprint), TRUE);
  gtk_widget_add_css_class (fingerprint, "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (fingerprint), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Key fingerprint"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), fingerprint);
  g_object_set_data_full (G_OBJECT (dialog), "add-data", data, (GDestroyNotify) add_data_free);
  g_signal_connect (dialog, "response", G_CALLBACK (trust_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
scan_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AddData *data = task_data;
  GError *error = NULL;

  data->key = ks_ssh_host_key_check (data->remote->host, data->remote->port, &data->key_state,
                                     &data->trusted_fingerprint, cancellable, &error);
  if (data->key == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
scan_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AddData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      show_failure (data, error);
      add_data_free (data);
    }
  else if (data->key_state == KS_SSH_HOST_KEY_TRUSTED)
    start_test (data);
  else
    ask_trust (data);
}

/**
 * _ks_remote_dialog_add:
 * @secret: (nullable): what goes to the keyring: a password, an S3 key pair (two lines), a
 *   sign-in token
 *
 * Checks, tests and adds @location; says how it went in @parent.
 */
void
_ks_remote_dialog_add (AdwPreferencesWindow *parent,
                       KsBackupPlan         *plan,
                       const char           *location,
                       const char           *secret)
{
  g_autoptr(GError) error = NULL;
  AddData *data;

  g_return_if_fail (ADW_IS_PREFERENCES_WINDOW (parent));
  g_return_if_fail (location != NULL);

  data = g_new0 (AddData, 1);
  g_set_weak_pointer (&data->parent, parent);
  data->plan = g_object_ref (plan);
  data->cancellable = g_cancellable_new ();
  data->location = g_strdup (location);
  data->secret = g_strdup (secret);
  data->remote = ks_rclone_remote_parse (location, &error);
  if (data->remote == NULL)
    {
      data->name = g_strdup (location);
      show_failure (data, error);
      add_data_free (data);
      return;
    }
  data->name = ks_rclone_remote_dup_display_name (data->remote);

  if (g_strcmp0 (data->remote->backend, "sftp") == 0)
    {
      g_autoptr(GTask) task = g_task_new (NULL, data->cancellable, scan_done_cb, data);

      g_task_set_source_tag (task, _ks_remote_dialog_add);
      g_task_set_task_data (task, data, NULL);
      g_task_run_in_thread (task, scan_thread);
      return;
    }
  start_test (data);
}

typedef struct
{
  char          *location;
  KsRcloneAbout  about;
} SpaceQuery;

static void
space_query_free (SpaceQuery *query)
{
  g_free (query->location);
  g_free (query);
}

static void
space_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SpaceQuery *query = task_data;
  GError *error = NULL;

  if (ks_rclone_about_location (query->location, &query->about, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
space_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AdwActionRow) row = user_data;
  SpaceQuery *query = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *space = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *shown = NULL;
  const char *mark;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  mark = strchr (query->location, '?');
  shown = g_strndup (query->location, mark ? (gsize)(mark - query->location) : strlen (query->location));
  if (error == NULL)
    space = ks_rclone_about_describe (&query->about);
  /* TRANSLATORS: a location, then its space ("12 GB used, 88 GB free") or why it is not known */
  subtitle = g_strdup_printf (_("%s — %s"), shown, space ? space : error->message);
  adw_action_row_set_subtitle (row, subtitle);
}

/**
 * ks_remote_dialog_query_space:
 *
 * Shows the space used and free of a network or cloud destination in @row's subtitle,
 * asked on a worker.
 */
void
ks_remote_dialog_query_space (AdwActionRow      *row,
                              KsPlanDestination *dest,
                              GCancellable      *cancellable)
{
  g_autoptr(GTask) task = NULL;
  SpaceQuery *query;

  g_return_if_fail (ADW_IS_ACTION_ROW (row));
  g_return_if_fail (KS_IS_PLAN_DESTINATION (dest));

  query = g_new0 (SpaceQuery, 1);
  query->location = g_strdup (ks_plan_destination_get_location (dest));
  task = g_task_new (NULL, cancellable, space_done_cb, g_object_ref (row));
  g_task_set_source_tag (task, ks_remote_dialog_query_space);
  g_task_set_task_data (task, query, (GDestroyNotify) space_query_free);
  g_task_run_in_thread (task, space_thread);
}
