/* ks-remote-dialog.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Add Network or Cloud Location": a short form per kind in a message dialog — a server
 * (host, user, password, folder), S3-compatible storage (endpoint, region, bucket, key
 * pair), a service one signs in to with the browser ("Sign In…" runs `rclone authorize`),
 * or an rclone remote the user already has. Secrets go to the keyring only; the location
 * names where to find them. Adding goes on after the form closes (ks-remote-dialog-add.c). */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-rclone-authorize.h"
#include "ks-rclone-remote.h"
#include "ks-rclone-secret.h"
#include "ks-remote-dialog-private.h"

typedef enum
{
  FORM_SERVER,
  FORM_S3,
  FORM_SIGN_IN,
  FORM_REMOTE,
} Form;

static const struct
{
  const char *scheme;
  const char *label;
  Form        form;
  const char *folder_hint;
} kinds[] = {
  { "sftp",     N_("SFTP (SSH)"),          FORM_SERVER,  N_("Folder on the server, such as /home/anna/Photos") },
  { "smb",      N_("Windows Share (SMB)"), FORM_SERVER,  N_("Share and folder, such as Photos/iPhone") },
  { "webdav",   N_("WebDAV"),              FORM_SERVER,  N_("Path on the server, such as /remote.php/dav/files/anna/Photos") },
  { "webdavs",  N_("WebDAV over HTTPS"),   FORM_SERVER,  N_("Path on the server, such as /remote.php/dav/files/anna/Photos") },
  { "s3",       N_("S3-Compatible Storage"), FORM_S3,
    N_("Folder in the bucket, such as iPhone") },
  { "dropbox",  "Dropbox",                 FORM_SIGN_IN, N_("Folder in your account, such as Photos/iPhone") },
  { "onedrive", "OneDrive",                FORM_SIGN_IN, N_("Folder in your account, such as Photos/iPhone") },
  { "drive",    "Google Drive",            FORM_SIGN_IN, N_("Folder in your account, such as Photos/iPhone") },
  { "pcloud",   "pCloud",                  FORM_SIGN_IN, N_("Folder in your account, such as Photos/iPhone") },
  { "box",      "Box",                     FORM_SIGN_IN, N_("Folder in your account, such as Photos/iPhone") },
  { "rclone",   N_("An rclone Remote You Already Have"), FORM_REMOTE,
    N_("Folder in the remote, such as Photos/iPhone") },
};

/* The rows each form shows. */
static const char * const server_rows[] = { "server", "user", "password", NULL };
static const char * const s3_rows[] = { "endpoint", "region", "bucket", "key-id", "secret-key", NULL };
static const char * const sign_in_rows[] = { "sign-in", NULL };
static const char * const remote_rows[] = { "remote", NULL };

static GtkEditable *
row (GtkWidget  *dialog,
     const char *key)
{
  return GTK_EDITABLE (g_object_get_data (G_OBJECT (dialog), key));
}

static char *
dup_text (GtkWidget  *dialog,
          const char *key)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (row (dialog, key))));
}

static guint
get_kind (GtkWidget *dialog)
{
  return adw_combo_row_get_selected (g_object_get_data (G_OBJECT (dialog), "kind"));
}

static char *
escape_folder (const char *folder)
{
  return g_uri_escape_string (folder[0] == '/' ? folder + 1 : folder, "/", FALSE);
}

static void
append_param (GString    *query,
              const char *key,
              const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL || *value == '\0')
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_printf (query, "%s%s=%s", query->len ? "&" : "?", key, escaped);
}

/* The secret the form holds: a password, an S3 key pair (two lines), or a sign-in token. */
static char *
dup_secret (GtkWidget *dialog)
{
  guint kind = get_kind (dialog);
  const char *token;

  if (kind >= G_N_ELEMENTS (kinds))
    return NULL;

  switch (kinds[kind].form)
    {
    case FORM_SERVER:
      return *gtk_editable_get_text (row (dialog, "password")) != '\0'
             ? g_strdup (gtk_editable_get_text (row (dialog, "password"))) : NULL;
    case FORM_S3:
      {
        g_autofree char *id = dup_text (dialog, "key-id");
        g_autofree char *key = dup_text (dialog, "secret-key");

        return *id && *key ? g_strconcat (id, "\n", key, NULL) : NULL;
      }
    case FORM_SIGN_IN:
      token = g_object_get_data (G_OBJECT (dialog), "token");
      return token != NULL ? g_strdup (token) : NULL;
    case FORM_REMOTE:
    default:
      return NULL;
    }
}

static char *
dup_server_location (GtkWidget  *dialog,
                     guint       kind,
                     const char *folder)
{
  g_autofree char *host = dup_text (dialog, "server");
  g_autofree char *user = dup_text (dialog, "user");
  g_autofree char *user_part = NULL;
  g_autofree char *path = escape_folder (folder);
  const char *password = gtk_editable_get_text (row (dialog, "password"));

  if (*host == '\0' || strchr (host, '/') != NULL || strchr (host, '@') != NULL
      || host[0] == '-' || strpbrk (host, " ?#") != NULL)
    return NULL;

  if (*user != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (user, NULL, FALSE);

      user_part = g_strconcat (escaped, "@", NULL);
    }

  return g_strdup_printf ("%s://%s%s/%s%s", kinds[kind].scheme, user_part ? user_part : "",
                          host, path, *password ? "?" KS_RCLONE_SECRET_QUERY : "");
}

static char *
dup_s3_location (GtkWidget  *dialog,
                 const char *folder)
{
  g_autofree char *endpoint = dup_text (dialog, "endpoint");
  g_autofree char *region = dup_text (dialog, "region");
  g_autofree char *bucket = dup_text (dialog, "bucket");
  g_autofree char *path = escape_folder (folder);
  g_autofree char *secret = dup_secret (dialog);
  g_autoptr(GString) query = g_string_new (NULL);

  /* A bucket name is lower-case letters, digits, dots and dashes. */
  if (*bucket == '\0' || strspn (bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen (bucket)
      || secret == NULL)
    return NULL;
  if (*endpoint != '\0' && !g_str_has_prefix (endpoint, "https://") && !g_str_has_prefix (endpoint, "http://"))
    return NULL;

  append_param (query, "endpoint", endpoint);
  append_param (query, "region", region);
  g_string_append (query, query->len ? "&" KS_RCLONE_SECRET_QUERY : "?" KS_RCLONE_SECRET_QUERY);
  return g_strdup_printf ("s3://%s/%s%s", bucket, path, query->str);
}

/**
 * ks_remote_dialog_dup_location:
 *
 * Returns: (transfer full) (nullable): the location the form describes (a secret, if one
 *   was given, is looked up in the keyring), or %NULL when it is not complete
 */
char *
ks_remote_dialog_dup_location (GtkWidget *dialog)
{
  guint kind = get_kind (dialog);
  g_autofree char *folder = dup_text (dialog, "folder");
  g_autofree char *path = NULL;

  if (kind >= G_N_ELEMENTS (kinds) || strstr (folder, "..") != NULL)
    return NULL;

  switch (kinds[kind].form)
    {
    case FORM_SERVER:
      return dup_server_location (dialog, kind, folder);
    case FORM_S3:
      return dup_s3_location (dialog, folder);
    case FORM_SIGN_IN:
      {
        const char *drive_id = g_object_get_data (G_OBJECT (dialog), "drive-id");
        const char *drive_type = g_object_get_data (G_OBJECT (dialog), "drive-type");

        if (g_object_get_data (G_OBJECT (dialog), "token") == NULL)
          return NULL;
        path = escape_folder (folder);
        /* OneDrive also needs the account's drive, found after signing in. */
        if (g_str_equal (kinds[kind].scheme, "onedrive"))
          return drive_id && drive_type
                 ? g_strdup_printf ("onedrive:%s?drive-id=%s&drive-type=%s&" KS_RCLONE_SECRET_QUERY,
                                    path, drive_id, drive_type)
                 : NULL;
        return g_strdup_printf ("%s:%s?" KS_RCLONE_SECRET_QUERY, kinds[kind].scheme, path);
      }
    case FORM_REMOTE:
    default:
      {
        g_autofree char *remote = dup_text (dialog, "remote");

        if (g_str_has_suffix (remote, ":"))
          remote[strlen (remote) - 1] = '\0';
        if (*remote == '\0' || remote[0] == '-' || strpbrk (remote, ":/?# ") != NULL)
          return NULL;
        /* As typed: for some remotes (a local or SFTP one) a leading "/" means the root. */
        return g_strdup_printf ("rclone:%s:%s", remote, folder);
      }
    }
}

static void
forget_token (GtkWidget *dialog)
{
  g_object_set_data (G_OBJECT (dialog), "token", NULL);
  g_object_set_data (G_OBJECT (dialog), "drive-id", NULL);
  g_object_set_data (G_OBJECT (dialog), "drive-type", NULL);
}

static void
secure_free (gpointer secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
set_sign_in_state (GtkWidget  *dialog,
                   const char *state,
                   gboolean    waiting)
{
  AdwActionRow *sign_in = g_object_get_data (G_OBJECT (dialog), "sign-in");
  GtkButton *button = g_object_get_data (G_OBJECT (dialog), "sign-in-button");

  adw_action_row_set_subtitle (sign_in, state);
  gtk_button_set_label (button, waiting ? _("_Cancel") : _("_Sign In…"));
}

static void update_cb (GtkWidget *dialog);

static void
stop_sign_in (GtkWidget *dialog)
{
  GCancellable *cancellable = g_object_get_data (G_OBJECT (dialog), "sign-in-cancellable");

  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  g_object_set_data (G_OBJECT (dialog), "sign-in-cancellable", NULL);
}

static void
show_uri_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GtkWidget) dialog = user_data;
  g_autoptr(GError) error = NULL;
  const char *url = g_object_get_data (G_OBJECT (dialog), "sign-in-url");

  /* No browser could be started: say where to go (the address is rclone's, on this computer). */
  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error)
      && url != NULL && g_object_get_data (G_OBJECT (dialog), "sign-in-cancellable") != NULL)
    {
      /* TRANSLATORS: %s is an address on this computer, http://127.0.0.1:53682/auth?… */
      g_autofree char *state = g_strdup_printf (_("Open %s in your browser to sign in…"), url);

      adw_action_row_set_subtitle (g_object_get_data (G_OBJECT (dialog), "sign-in"), state);
    }
}

static void
sign_in_url_cb (const char *url,
                gpointer    user_data)
{
  GtkWidget *dialog = user_data;

  /* The desktop opens the browser, so it is not a child of rclone or of us. */
  g_object_set_data_full (G_OBJECT (dialog), "sign-in-url", g_strdup (url), g_free);
  gtk_show_uri_full (GTK_WINDOW (dialog), url, GDK_CURRENT_TIME, NULL, show_uri_done_cb,
                     g_object_ref (dialog));
}

typedef struct
{
  char *token;
  char *drive_id;
  char *drive_type;
} DriveQuery;

static void
drive_query_free (DriveQuery *query)
{
  secure_free (query->token);
  g_free (query->drive_id);
  g_free (query->drive_type);
  g_free (query);
}

static void
find_drive_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  DriveQuery *query = task_data;
  GError *error = NULL;

  if (ks_rclone_onedrive_find_drive (ks_rclone_onedrive_graph_url (), query->token, &query->drive_id,
                                     &query->drive_type, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
signed_in (GtkWidget *dialog,
           char      *token)
{
  g_object_set_data_full (G_OBJECT (dialog), "token", token, secure_free);
  set_sign_in_state (dialog, _("Signed in"), FALSE);
  update_cb (dialog);
}

static void
find_drive_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GtkWidget) dialog = user_data;
  DriveQuery *query = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_object_set_data (G_OBJECT (dialog), "sign-in-cancellable", NULL);
          set_sign_in_state (dialog, error->message, FALSE);
        }
      return;
    }
  g_object_set_data (G_OBJECT (dialog), "sign-in-cancellable", NULL);
  g_object_set_data_full (G_OBJECT (dialog), "drive-id", g_steal_pointer (&query->drive_id), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "drive-type", g_steal_pointer (&query->drive_type), g_free);
  signed_in (dialog, g_steal_pointer (&query->token));
}

static void
sign_in_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GtkWidget) dialog = user_data;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_object_get_data (G_OBJECT (dialog), "sign-in-cancellable");
  guint kind = get_kind (dialog);
  char *token;

  token = ks_rclone_authorize_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (token == NULL)
    {
      g_object_set_data (G_OBJECT (dialog), "sign-in-cancellable", NULL);
      set_sign_in_state (dialog, error->message, FALSE);
      update_cb (dialog);
    }
  else if (kind < G_N_ELEMENTS (kinds) && g_str_equal (kinds[kind].scheme, "onedrive"))
    {
      g_autoptr(GTask) task = g_task_new (NULL, cancellable, find_drive_done_cb, g_object_ref (dialog));
      DriveQuery *query = g_new0 (DriveQuery, 1);

      query->token = token;
      set_sign_in_state (dialog, _("Finding your OneDrive…"), TRUE);
      g_task_set_source_tag (task, sign_in_done_cb);
      g_task_set_task_data (task, query, (GDestroyNotify) drive_query_free);
      g_task_run_in_thread (task, find_drive_thread);
    }
  else
    {
      g_object_set_data (G_OBJECT (dialog), "sign-in-cancellable", NULL);
      signed_in (dialog, token);
    }
}

static void
sign_in_clicked_cb (GtkWidget *dialog)
{
  guint kind = get_kind (dialog);
  GCancellable *cancellable;

  if (g_object_get_data (G_OBJECT (dialog), "sign-in-cancellable") != NULL)
    {
      stop_sign_in (dialog);
      set_sign_in_state (dialog, _("Not signed in"), FALSE);
      return;
    }
  if (kind >= G_N_ELEMENTS (kinds) || kinds[kind].form != FORM_SIGN_IN)
    return;

  forget_token (dialog);
  cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (dialog), "sign-in-cancellable", cancellable, g_object_unref);
  set_sign_in_state (dialog, _("Waiting for you to sign in in your browser…"), TRUE);
  ks_rclone_authorize_async (kinds[kind].scheme, sign_in_url_cb, dialog, cancellable,
                             sign_in_done_cb, g_object_ref (dialog));
  update_cb (dialog);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          user_data)
{
  g_autofree char *location = NULL;
  g_autofree char *secret = NULL;

  stop_sign_in (GTK_WIDGET (dialog));
  if (!g_str_equal (response, "add"))
    return;

  location = ks_remote_dialog_dup_location (GTK_WIDGET (dialog));
  secret = dup_secret (GTK_WIDGET (dialog));
  if (location != NULL)
    _ks_remote_dialog_add (g_object_get_data (G_OBJECT (dialog), "parent"),
                           g_object_get_data (G_OBJECT (dialog), "plan"), location, secret);
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
}

static void
show_rows (GtkWidget          *dialog,
           const char * const *keys,
           gboolean            visible)
{
  for (guint i = 0; keys[i] != NULL; i++)
    gtk_widget_set_visible (g_object_get_data (G_OBJECT (dialog), keys[i]), visible);
}

static const char *
describe_check (Form form,
                guint kind)
{
  if (form == FORM_SERVER && kind == 0)
    return _("Every upload is checked with the server’s own checksum before it counts.");
  if (form == FORM_SERVER)
    return _("This kind of server keeps no checksums: every upload is read back before it counts.");
  if (form == FORM_S3)
    return _("Amazon S3, Backblaze B2, Wasabi, MinIO and other S3-compatible storage. Every upload is checked with the storage’s MD5 checksum before it counts; the keys are kept in your keyring.");
  return _("Every upload is checked with the service’s MD5 or SHA-1 checksum where it keeps one, otherwise read back, before it counts.");
}

static void
update_cb (GtkWidget *dialog)
{
  guint kind = get_kind (dialog);
  g_autofree char *location = NULL;
  Form form;

  if (kind >= G_N_ELEMENTS (kinds))
    return;
  form = kinds[kind].form;

  show_rows (dialog, server_rows, form == FORM_SERVER);
  show_rows (dialog, s3_rows, form == FORM_S3);
  show_rows (dialog, sign_in_rows, form == FORM_SIGN_IN);
  show_rows (dialog, remote_rows, form == FORM_REMOTE);

  location = ks_remote_dialog_dup_location (dialog);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row (dialog, "folder")), _(kinds[kind].folder_hint));
  gtk_label_set_text (g_object_get_data (G_OBJECT (dialog), "check"), describe_check (form, kind));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add", location != NULL);
}

/* Another kind: a sign-in for the one before does not count. */
static void
kind_changed_cb (GtkWidget *dialog)
{
  stop_sign_in (dialog);
  forget_token (dialog);
  set_sign_in_state (dialog, _("Not signed in"), FALSE);
  update_cb (dialog);
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

static void
add_sign_in_row (GtkWidget  *dialog,
                 GtkListBox *list)
{
  GtkWidget *sign_in = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Sign In…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (sign_in), _("Account"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (sign_in), _("Not signed in"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (sign_in), button);
  gtk_list_box_append (list, sign_in);
  g_object_set_data (G_OBJECT (dialog), "sign-in", sign_in);
  g_object_set_data (G_OBJECT (dialog), "sign-in-button", button);
  g_signal_connect_object (button, "clicked", G_CALLBACK (sign_in_clicked_cb), dialog,
                           G_CONNECT_SWAPPED);
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
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *list;
  GtkWidget *kind;
  GtkWidget *check;

  g_return_val_if_fail (ADW_IS_PREFERENCES_WINDOW (parent), NULL);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), NULL);

  dialog = adw_message_dialog_new (GTK_WINDOW (parent), _("Add Network or Cloud Location"),
                                   _("Photos are copied to a folder on a server in your network, or to a cloud service."));
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

  add_entry (dialog, GTK_LIST_BOX (list), "server", _("Server"), FALSE);
  add_entry (dialog, GTK_LIST_BOX (list), "user", _("User Name"), FALSE);
  add_entry (dialog, GTK_LIST_BOX (list), "password", _("Password"), TRUE);
  gtk_widget_set_tooltip_text (add_entry (dialog, GTK_LIST_BOX (list), "endpoint", _("Endpoint"), FALSE),
                               _("The storage’s address, such as https://s3.eu-central-003.backblazeb2.com; empty for Amazon S3"));
  gtk_widget_set_tooltip_text (add_entry (dialog, GTK_LIST_BOX (list), "region", _("Region"), FALSE),
                               _("Such as eu-central-1; empty when the storage needs none"));
  add_entry (dialog, GTK_LIST_BOX (list), "bucket", _("Bucket"), FALSE);
  add_entry (dialog, GTK_LIST_BOX (list), "key-id", _("Access Key ID"), FALSE);
  add_entry (dialog, GTK_LIST_BOX (list), "secret-key", _("Secret Access Key"), TRUE);
  add_sign_in_row (dialog, GTK_LIST_BOX (list));
  gtk_widget_set_tooltip_text (add_entry (dialog, GTK_LIST_BOX (list), "remote", _("rclone Remote"), FALSE),
                               _("Its name in your rclone configuration (rclone listremotes), such as b2"));
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
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), NULL);
  g_signal_connect_object (kind, "notify::selected", G_CALLBACK (kind_changed_cb), dialog,
                           G_CONNECT_SWAPPED);
  update_cb (dialog);

  return dialog;
}
