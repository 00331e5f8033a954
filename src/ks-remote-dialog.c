/* ks-remote-dialog.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Add Network Location": a short form (kind, server, user, password, folder) in a message
 * dialog. Adding keeps the password in the keyring, then tests the connection on a worker
 * (logging in, reading or writing the server's own .keepsake/id, which becomes the plan
 * entry's id) before the location joins the plan; the preferences window shows how it went
 * in a toast. */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-rclone-destination.h"
#include "ks-rclone-remote.h"
#include "ks-rclone-secret.h"
#include "ks-remote-dialog.h"

static const struct
{
  const char *scheme;
  const char *label;
  const char *folder_hint;
} kinds[] = {
  { "sftp",    N_("SFTP (SSH)"),          N_("Folder on the server, such as /home/anna/Photos") },
  { "smb",     N_("Windows Share (SMB)"), N_("Share and folder, such as Photos/iPhone") },
  { "webdav",  N_("WebDAV"),              N_("Path on the server, such as /remote.php/dav/files/anna/Photos") },
  { "webdavs", N_("WebDAV over HTTPS"),   N_("Path on the server, such as /remote.php/dav/files/anna/Photos") },
};

typedef struct
{
  AdwPreferencesWindow *parent;   /* weak: the window may close first */
  KsBackupPlan         *plan;
  char                 *location;
  char                 *name;
  char                 *password;
  char                 *id;
  gboolean              is_cloud;
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_weak_pointer (&data->parent);
  g_clear_object (&data->plan);
  g_free (data->location);
  g_free (data->name);
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data->id);
  g_free (data);
}

static GtkEditable *
row (GtkWidget  *dialog,
     const char *key)
{
  return GTK_EDITABLE (g_object_get_data (G_OBJECT (dialog), key));
}

/**
 * ks_remote_dialog_dup_location:
 *
 * Returns: (transfer full) (nullable): the location the form describes (the password, if
 *   one was typed, is looked up in the keyring), or %NULL when it names no server
 */
char *
ks_remote_dialog_dup_location (GtkWidget *dialog)
{
  AdwComboRow *kind_row = g_object_get_data (G_OBJECT (dialog), "kind");
  guint kind = adw_combo_row_get_selected (kind_row);
  g_autofree char *host = g_strstrip (g_strdup (gtk_editable_get_text (row (dialog, "server"))));
  g_autofree char *user = g_strstrip (g_strdup (gtk_editable_get_text (row (dialog, "user"))));
  g_autofree char *folder = g_strstrip (g_strdup (gtk_editable_get_text (row (dialog, "folder"))));
  const char *password = gtk_editable_get_text (row (dialog, "password"));
  g_autofree char *user_part = NULL;
  g_autofree char *path = NULL;

  if (*host == '\0' || strchr (host, '/') != NULL || strchr (host, '@') != NULL
      || kind >= G_N_ELEMENTS (kinds))
    return NULL;

  if (*user != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (user, NULL, FALSE);

      user_part = g_strconcat (escaped, "@", NULL);
    }
  path = g_uri_escape_string (folder[0] == '/' ? folder + 1 : folder, "/", FALSE);

  return g_strdup_printf ("%s://%s%s/%s%s", kinds[kind].scheme, user_part ? user_part : "",
                          host, path, *password ? "?" KS_RCLONE_SECRET_QUERY : "");
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
  g_autofree char *label = NULL;

  if (data->password != NULL)
    {
      label = g_strdup_printf (_("Keepsake backup destination %s"), data->name);
      if (!ks_rclone_secret_store (data->location, label, data->password, cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  dest = ks_rclone_destination_new (data->location, NULL);
  if (!ks_destination_open (KS_DESTINATION (dest), cancellable, &error))
    {
      if (data->password != NULL)
        ks_rclone_secret_clear (data->location, NULL, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->id = g_strdup (ks_destination_get_id (KS_DESTINATION (dest)));
  data->is_cloud = ks_rclone_destination_is_cloud (dest);
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
  g_autofree char *message = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      KsPlanDestination *dest;

      dest = ks_backup_plan_add (data->plan,
                                 data->is_cloud ? KS_DESTINATION_KIND_CLOUD : KS_DESTINATION_KIND_NETWORK,
                                 data->id, data->name, data->location, KS_BACKUP_METHOD_FILES,
                                 &error);
      if (dest != NULL)
        message = g_strdup_printf (_("Added “%s”"), data->name);
    }

  if (error != NULL)
    message = g_strdup_printf (_("Cannot add %s: %s"), data->name, error->message);

  if (data->parent != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      AdwToast *toast = adw_toast_new (message);

      adw_toast_set_timeout (toast, error != NULL ? 0 : 5);
      adw_preferences_window_add_toast (data->parent, toast);
    }
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(KsRcloneRemote) remote = NULL;
  AddData *data;
  const char *password;
  GCancellable *cancellable = g_object_get_data (G_OBJECT (dialog), "cancellable");

  if (!g_str_equal (response, "add"))
    return;

  data = g_new0 (AddData, 1);
  g_set_weak_pointer (&data->parent, g_object_get_data (G_OBJECT (dialog), "parent"));
  data->plan = g_object_ref (g_object_get_data (G_OBJECT (dialog), "plan"));
  data->location = ks_remote_dialog_dup_location (GTK_WIDGET (dialog));
  remote = ks_rclone_remote_parse (data->location, NULL);
  data->name = remote ? ks_rclone_remote_dup_display_name (remote) : g_strdup (data->location);
  password = gtk_editable_get_text (row (GTK_WIDGET (dialog), "password"));
  if (*password != '\0')
    data->password = g_strdup (password);

  if (data->parent != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Connecting to %s…"), data->name);

      adw_preferences_window_add_toast (data->parent, adw_toast_new (message));
    }

  task = g_task_new (NULL, cancellable, add_done_cb, NULL);
  g_task_set_source_tag (task, response_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);
  g_task_run_in_thread (task, add_thread);
}

static void
update_cb (GtkWidget *dialog)
{
  AdwComboRow *kind_row = g_object_get_data (G_OBJECT (dialog), "kind");
  guint kind = adw_combo_row_get_selected (kind_row);
  g_autofree char *location = ks_remote_dialog_dup_location (dialog);

  if (kind < G_N_ELEMENTS (kinds))
    gtk_widget_set_tooltip_text (GTK_WIDGET (row (dialog, "folder")), _(kinds[kind].folder_hint));
  gtk_label_set_text (g_object_get_data (G_OBJECT (dialog), "check"),
                      kind == 0
                      ? _("Every upload is checked with the server’s own checksum before it counts.")
                      : _("This kind of server keeps no checksums: every upload is read back before it counts."));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add", location != NULL);
}

static GtkWidget *
add_entry (GtkWidget  *dialog,
           GtkListBox *list,
           const char *key,
           const char *title,
           gboolean    password)
{
  GtkWidget *entry = password ? adw_password_entry_row_new () : adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), title);
  gtk_list_box_append (list, entry);
  g_object_set_data (G_OBJECT (dialog), key, entry);
  g_signal_connect_object (entry, "changed", G_CALLBACK (update_cb), dialog, G_CONNECT_SWAPPED);
  return entry;
}

/**
 * ks_remote_dialog_new:
 *
 * Returns: (transfer floating): the dialog, to present; adding goes on after it closes
 */
GtkWidget *
ks_remote_dialog_new (AdwPreferencesWindow *parent,
                      KsBackupPlan         *plan)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *list;
  GtkWidget *kind;
  GtkWidget *check;

  g_return_val_if_fail (ADW_IS_PREFERENCES_WINDOW (parent), NULL);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);

  dialog = adw_message_dialog_new (GTK_WINDOW (parent), _("Add Network Location"),
                                   _("Photos are copied to a folder on a server in your network or on the internet."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "add", _("_Add"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "add",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "add");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_string_list_append (labels, _(kinds[i].label));
  kind = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (kind), _("Kind"));
  adw_combo_row_set_model (ADW_COMBO_ROW (kind), G_LIST_MODEL (labels));
  gtk_list_box_append (GTK_LIST_BOX (list), kind);
  g_object_set_data (G_OBJECT (dialog), "kind", kind);
  g_signal_connect_object (kind, "notify::selected", G_CALLBACK (update_cb), dialog,
                           G_CONNECT_SWAPPED);

  add_entry (dialog, GTK_LIST_BOX (list), "server", _("Server"), FALSE);
  add_entry (dialog, GTK_LIST_BOX (list), "user", _("User Name"), FALSE);
  add_entry (dialog, GTK_LIST_BOX (list), "password", _("Password"), TRUE);
  add_entry (dialog, GTK_LIST_BOX (list), "folder", _("Folder"), FALSE);
  gtk_box_append (GTK_BOX (box), list);

  check = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (check), TRUE);
  gtk_label_set_xalign (GTK_LABEL (check), 0);
  gtk_widget_add_css_class (check, "dim-label");
  gtk_box_append (GTK_BOX (box), check);
  g_object_set_data (G_OBJECT (dialog), "check", check);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  g_object_set_data (G_OBJECT (dialog), "parent", parent);
  g_object_set_data_full (G_OBJECT (dialog), "plan", g_object_ref (plan), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "cancellable", g_object_ref (cancellable),
                          g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), NULL);
  update_cb (dialog);

  return dialog;
}
