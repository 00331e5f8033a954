/* ks-encryption-dialog.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Backup Encryption" for one iPhone: whether the phone encrypts its full backups, and turning
 * that on, changing the password or turning it off. The phone keeps the password and asks for
 * its passcode to confirm: while it waits the dialog says so and can be cancelled. The work
 * runs on GTask workers (ks-backup-encryption.h); the new password goes to the keyring only
 * when "Remember Password in Keyring" is on. Password text is cleared from the entries as soon
 * as it was handed over. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-backup-encryption.h"
#include "ks-backup-secret.h"
#include "ks-encryption-dialog.h"

struct _KsEncryptionDialog
{
  AdwWindow     parent_instance;

  /* Widgets */
  GtkStack     *stack;
  GtkImage     *state_icon;
  GtkLabel     *state_title;
  GtkLabel     *state_body;
  GtkWidget    *current_group;
  GtkEditable  *current_entry;
  GtkWidget    *new_group;
  GtkEditable  *new_entry;
  GtkEditable  *confirm_entry;
  GtkSwitch    *remember_switch;
  GtkWidget    *on_button;
  GtkWidget    *change_button;
  GtkWidget    *off_button;
  GtkLabel     *message;
  AdwStatusPage *waiting_page;
  AdwStatusPage *failed_page;

  /* State */
  char         *udid;
  char         *device_name;
  gboolean      will_encrypt;
  GCancellable *cancellable;   /* the dialog's: cancelled when it closes */
  GCancellable *change_cancellable;
  char         *pending_password;   /* to keep in the keyring once the phone accepted it */
  KsBackupEncryptionAction action;
};

G_DEFINE_FINAL_TYPE (KsEncryptionDialog, ks_encryption_dialog, ADW_TYPE_WINDOW)

static void ks_encryption_dialog_query (KsEncryptionDialog *self);

const char *
ks_encryption_dialog_get_state (KsEncryptionDialog *self)
{
  g_return_val_if_fail (KS_IS_ENCRYPTION_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

static void
wipe_entry (GtkEditable *entry)
{
  gtk_editable_set_text (entry, "");
}

static void
wipe_entries (KsEncryptionDialog *self)
{
  wipe_entry (self->current_entry);
  wipe_entry (self->new_entry);
  wipe_entry (self->confirm_entry);
}

static void
set_message (KsEncryptionDialog *self,
             const char         *text,
             gboolean            is_error)
{
  gtk_label_set_text (self->message, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), text != NULL && *text != '\0');
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message), "error");
}

/* Which buttons can be used with what is typed. */
static void
update_buttons (KsEncryptionDialog *self)
{
  const char *current = gtk_editable_get_text (self->current_entry);
  const char *new_pw = gtk_editable_get_text (self->new_entry);
  const char *confirm = gtk_editable_get_text (self->confirm_entry);
  gboolean new_ok = *new_pw != '\0' && g_strcmp0 (new_pw, confirm) == 0;
  gboolean mismatch = *new_pw != '\0' && *confirm != '\0' && g_strcmp0 (new_pw, confirm) != 0;

  gtk_widget_set_sensitive (self->on_button, !self->will_encrypt && new_ok);
  gtk_widget_set_sensitive (self->change_button, self->will_encrypt && new_ok && *current != '\0');
  gtk_widget_set_sensitive (self->off_button, self->will_encrypt && *current != '\0');
  if (mismatch)
    set_message (self, _("The new passwords do not match"), TRUE);
  else if (gtk_widget_has_css_class (GTK_WIDGET (self->message), "error")
           && g_strcmp0 (gtk_label_get_text (self->message), _("The new passwords do not match")) == 0)
    set_message (self, NULL, FALSE);
}

static void
show_state (KsEncryptionDialog *self)
{
  gtk_image_set_from_icon_name (self->state_icon,
                                self->will_encrypt ? "channel-secure-symbolic" : "channel-insecure-symbolic");
  gtk_label_set_text (self->state_title,
                      self->will_encrypt ? _("Backups of this iPhone are encrypted")
                                         : _("Backups of this iPhone are not encrypted"));
  gtk_label_set_text (self->state_body,
                      self->will_encrypt
                      ? _("Full backups hold its passwords, Health and Wi-Fi settings too. The iPhone keeps the password; it is needed to open or restore these backups.")
                      : _("Full backups leave out saved passwords, Health and Wi-Fi settings, and anyone with the backup can read it. Encrypted backups keep everything, under a password the iPhone keeps."));
  gtk_widget_set_visible (self->current_group, self->will_encrypt);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->new_group),
                                   self->will_encrypt ? _("Change the Password") : _("Choose a Password"));
  gtk_widget_set_visible (self->on_button, !self->will_encrypt);
  gtk_widget_set_visible (self->change_button, self->will_encrypt);
  gtk_widget_set_visible (self->off_button, self->will_encrypt);
  update_buttons (self);
  gtk_stack_set_visible_child_name (self->stack, "form");
}

/* ---- the keyring ---- */

static void
keyring_lookup_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KsEncryptionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  char *password = ks_backup_secret_lookup_finish (result, &error);

  if (password != NULL && !g_cancellable_is_cancelled (self->cancellable) && self->will_encrypt
      && *gtk_editable_get_text (self->current_entry) == '\0')
    {
      gtk_editable_set_text (self->current_entry, password);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->current_group),
                                             _("Filled in from your keyring."));
      gtk_switch_set_active (self->remember_switch, TRUE);
    }
  else if (error != NULL)
    g_debug ("%s", error->message);
  ks_backup_password_free (password);
}

static void
keyring_update_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KsEncryptionDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ks_backup_secret_update_finish (result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_message (self, error->message, TRUE);
}

/* ---- asking the phone ---- */

static void
query_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(KsEncryptionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean will_encrypt = FALSE;

  if (!ks_backup_encryption_query_finish (result, &will_encrypt, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_status_page_set_description (self->failed_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "failed");
      return;
    }
  self->will_encrypt = will_encrypt;
  show_state (self);
  if (will_encrypt)
    ks_backup_secret_lookup_async (self->udid, self->cancellable, keyring_lookup_cb, g_object_ref (self));
}

static void
ks_encryption_dialog_query (KsEncryptionDialog *self)
{
  gtk_stack_set_visible_child_name (self->stack, "loading");
  ks_backup_encryption_query_async (self->udid, self->cancellable, query_cb, g_object_ref (self));
}

static void
phase_cb (KsBackupEncryptionPhase phase,
          gpointer                user_data)
{
  KsEncryptionDialog *self = user_data;

  if (phase == KS_BACKUP_ENCRYPTION_PHASE_PASSCODE)
    adw_status_page_set_description (self->waiting_page,
                                     _("Enter your iPhone’s passcode on the iPhone to confirm."));
}

static void
change_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsEncryptionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = g_steal_pointer (&self->pending_password);

  g_clear_object (&self->change_cancellable);
  if (!ks_backup_encryption_change_finish (result, &error))
    {
      ks_backup_password_free (g_steal_pointer (&password));
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      show_state (self);
      set_message (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                         ? _("Cancelled. Nothing was changed.") : error->message, TRUE);
      return;
    }

  if (password != NULL)
    ks_backup_secret_update_async (self->udid, self->device_name, password, self->cancellable,
                                   keyring_update_cb, g_object_ref (self));
  ks_backup_password_free (g_steal_pointer (&password));

  /* What the phone says now. */
  ks_encryption_dialog_query (self);
  switch (self->action)
    {
    case KS_BACKUP_ENCRYPTION_ACTION_ON:
      set_message (self, _("Backups of this iPhone are now encrypted. Keep the password safe: without it they cannot be opened or restored."), FALSE);
      break;
    case KS_BACKUP_ENCRYPTION_ACTION_OFF:
      set_message (self, _("Backups of this iPhone are no longer encrypted. Earlier encrypted backups still need the old password."), FALSE);
      break;
    case KS_BACKUP_ENCRYPTION_ACTION_CHANGE:
    default:
      set_message (self, _("The password was changed. Earlier backups still need the old one."), FALSE);
      break;
    }
}

static void
start_change (KsEncryptionDialog       *self,
              KsBackupEncryptionAction  action)
{
  g_autofree char *current = g_strdup (gtk_editable_get_text (self->current_entry));
  g_autofree char *new_pw = g_strdup (gtk_editable_get_text (self->new_entry));

  wipe_entries (self);
  set_message (self, NULL, FALSE);
  self->action = action;
  adw_status_page_set_description (self->waiting_page,
                                   _("The iPhone may ask for its passcode to confirm the change."));
  gtk_stack_set_visible_child_name (self->stack, "waiting");

  ks_backup_password_free (self->pending_password);
  self->pending_password = action != KS_BACKUP_ENCRYPTION_ACTION_OFF && gtk_switch_get_active (self->remember_switch)
                           ? g_strdup (new_pw) : NULL;
  self->change_cancellable = g_cancellable_new ();
  ks_backup_encryption_change_async (self->udid, action,
                                     action != KS_BACKUP_ENCRYPTION_ACTION_ON ? current : NULL,
                                     action != KS_BACKUP_ENCRYPTION_ACTION_OFF ? new_pw : NULL,
                                     phase_cb, self, self->change_cancellable, change_cb,
                                     g_object_ref (self));
  explicit_bzero (current, strlen (current));
  explicit_bzero (new_pw, strlen (new_pw));
}

static void
on_clicked_cb (KsEncryptionDialog *self)
{
  start_change (self, KS_BACKUP_ENCRYPTION_ACTION_ON);
}

static void
change_clicked_cb (KsEncryptionDialog *self)
{
  start_change (self, KS_BACKUP_ENCRYPTION_ACTION_CHANGE);
}

static void
off_clicked_cb (KsEncryptionDialog *self)
{
  start_change (self, KS_BACKUP_ENCRYPTION_ACTION_OFF);
}

static void
cancel_clicked_cb (KsEncryptionDialog *self)
{
  g_cancellable_cancel (self->change_cancellable);
}

/* ---- building ---- */

static GtkEditable *
add_password_row (GtkWidget  *group,
                  const char *title)
{
  GtkWidget *row = adw_password_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return GTK_EDITABLE (row);
}

static GtkWidget *
pill_button (const char *label,
             const char *style)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "pill");
  if (style != NULL)
    gtk_widget_add_css_class (button, style);
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  return button;
}

static GtkWidget *
build_form (KsEncryptionDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group;
  GtkWidget *box;
  GtkWidget *row;
  GtkWidget *buttons;

  /* The state, at the top. */
  group = adw_preferences_group_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->state_icon = GTK_IMAGE (gtk_image_new ());
  gtk_image_set_pixel_size (self->state_icon, 64);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "dim-label");
  self->state_title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->state_title), "title-2");
  gtk_label_set_wrap (self->state_title, TRUE);
  gtk_label_set_justify (self->state_title, GTK_JUSTIFY_CENTER);
  self->state_body = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->state_body, TRUE);
  gtk_label_set_justify (self->state_body, GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->state_icon));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->state_title));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->state_body));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), box);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  self->current_group = adw_preferences_group_new ();
  self->current_entry = add_password_row (self->current_group, _("Current Password"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->current_group));

  self->new_group = adw_preferences_group_new ();
  self->new_entry = add_password_row (self->new_group, _("New Password"));
  self->confirm_entry = add_password_row (self->new_group, _("Confirm New Password"));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Remember Password in Keyring"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("To open these backups later without typing it"));
  self->remember_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->remember_switch), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->remember_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (self->remember_switch));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->new_group), row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->new_group));

  group = adw_preferences_group_new ();
  buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  self->message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->message, TRUE);
  gtk_label_set_justify (self->message, GTK_JUSTIFY_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->message), FALSE);
  self->on_button = pill_button (_("Turn _On Encryption"), "suggested-action");
  self->change_button = pill_button (_("_Change Password"), "suggested-action");
  self->off_button = pill_button (_("Turn O_ff Encryption"), "destructive-action");
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->message));
  gtk_box_append (GTK_BOX (buttons), self->on_button);
  gtk_box_append (GTK_BOX (buttons), self->change_button);
  gtk_box_append (GTK_BOX (buttons), self->off_button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), buttons);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  g_signal_connect_object (self->on_button, "clicked", G_CALLBACK (on_clicked_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->change_button, "clicked", G_CALLBACK (change_clicked_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->off_button, "clicked", G_CALLBACK (off_clicked_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->current_entry, "changed", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->new_entry, "changed", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->confirm_entry, "changed", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);
  return page;
}

static GtkWidget *
build_loading (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *spinner = gtk_spinner_new ();

  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), spinner);
  gtk_box_append (GTK_BOX (box), gtk_label_new (_("Asking the iPhone…")));
  return box;
}

static GtkWidget *
build_waiting (KsEncryptionDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *cancel = pill_button (_("_Cancel"), NULL);

  self->waiting_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->waiting_page, "phone-symbolic");
  adw_status_page_set_title (self->waiting_page, _("Confirm on Your iPhone…"));
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_box_append (GTK_BOX (box), spinner);
  gtk_box_append (GTK_BOX (box), cancel);
  adw_status_page_set_child (self->waiting_page, box);
  g_signal_connect_object (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self, G_CONNECT_SWAPPED);
  g_object_set_data (G_OBJECT (self), "cancel", cancel);
  return GTK_WIDGET (self->waiting_page);
}

static GtkWidget *
build_failed (KsEncryptionDialog *self)
{
  GtkWidget *retry = pill_button (_("_Try Again"), "suggested-action");

  self->failed_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->failed_page, "dialog-warning-symbolic");
  adw_status_page_set_title (self->failed_page, _("Could Not Ask the iPhone"));
  adw_status_page_set_child (self->failed_page, retry);
  g_signal_connect_object (retry, "clicked", G_CALLBACK (ks_encryption_dialog_query), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self->failed_page);
}

static gboolean
ks_encryption_dialog_close_request (GtkWindow *window)
{
  KsEncryptionDialog *self = KS_ENCRYPTION_DIALOG (window);

  /* A change the phone still waits for is cancelled with the dialog. */
  g_cancellable_cancel (self->change_cancellable);
  g_cancellable_cancel (self->cancellable);
  wipe_entries (self);
  return GTK_WINDOW_CLASS (ks_encryption_dialog_parent_class)->close_request (window);
}

static void
ks_encryption_dialog_dispose (GObject *object)
{
  KsEncryptionDialog *self = KS_ENCRYPTION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->change_cancellable);
  G_OBJECT_CLASS (ks_encryption_dialog_parent_class)->dispose (object);
}

static void
ks_encryption_dialog_finalize (GObject *object)
{
  KsEncryptionDialog *self = KS_ENCRYPTION_DIALOG (object);

  g_clear_object (&self->cancellable);
  ks_backup_password_free (self->pending_password);
  g_free (self->udid);
  g_free (self->device_name);
  G_OBJECT_CLASS (ks_encryption_dialog_parent_class)->finalize (object);
}

static void
ks_encryption_dialog_class_init (KsEncryptionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ks_encryption_dialog_dispose;
  object_class->finalize = ks_encryption_dialog_finalize;
  window_class->close_request = ks_encryption_dialog_close_request;
}

static void
ks_encryption_dialog_init (KsEncryptionDialog *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  self->cancellable = g_cancellable_new ();
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 700);
  gtk_window_set_title (GTK_WINDOW (self), _("Backup Encryption"));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, build_loading (), "loading");
  gtk_stack_add_named (self->stack, build_form (self), "form");
  gtk_stack_add_named (self->stack, build_waiting (self), "waiting");
  gtk_stack_add_named (self->stack, build_failed (self), "failed");
  gtk_stack_set_visible_child_name (self->stack, "loading");

  gtk_box_append (GTK_BOX (content), header);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), content);

  /* For tests. */
  g_object_set_data (G_OBJECT (self), "current", self->current_entry);
  g_object_set_data (G_OBJECT (self), "new", self->new_entry);
  g_object_set_data (G_OBJECT (self), "confirm", self->confirm_entry);
  g_object_set_data (G_OBJECT (self), "remember", self->remember_switch);
  g_object_set_data (G_OBJECT (self), "on", self->on_button);
  g_object_set_data (G_OBJECT (self), "change", self->change_button);
  g_object_set_data (G_OBJECT (self), "off", self->off_button);
  g_object_set_data (G_OBJECT (self), "message", self->message);
  g_object_set_data (G_OBJECT (self), "state-title", self->state_title);
}

/**
 * ks_encryption_dialog_new:
 * @udid: the iPhone's
 * @device_name: (nullable): its name, for the title and the keyring item
 *
 * Asks the iPhone at once (on a worker) and shows what it says.
 */
GtkWidget *
ks_encryption_dialog_new (GtkWindow  *parent,
                          const char *udid,
                          const char *device_name)
{
  KsEncryptionDialog *self;
  GtkWidget *title;

  g_return_val_if_fail (udid != NULL, NULL);

  self = g_object_new (KS_TYPE_ENCRYPTION_DIALOG, "transient-for", parent, NULL);
  self->udid = g_strdup (udid);
  self->device_name = g_strdup (device_name);
  title = adw_window_title_new (_("Backup Encryption"), device_name != NULL ? device_name : udid);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (gtk_widget_get_first_child (adw_window_get_content (ADW_WINDOW (self)))),
                                   title);
  ks_encryption_dialog_query (self);
  return GTK_WIDGET (self);
}
