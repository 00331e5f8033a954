/* ks-backup-encryption.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* WillEncrypt and the ChangePassword conversation (see the header). The DeviceLink framing and
 * handshake are ks-mobilebackup2.c's. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libimobiledevice/lockdown.h>
#include <libimobiledevice/mobilebackup2.h>
#include <libimobiledevice/notification_proxy.h>

#include "ks-backup-encryption.h"
#include "ks-device-private.h"
#include "ks-mobilebackup2-private.h"

/* iOS's MBErrorDomain codes for a password change. */
#define MB_ERROR_WRONG_PASSWORD 207
#define MB_ERROR_DEVICE_LOCKED  208

void
ks_backup_password_free (char *password)
{
  if (password == NULL)
    return;
  explicit_bzero (password, strlen (password));
  g_free (password);
}

static gboolean
read_will_encrypt (lockdownd_client_t  lockdown,
                   gboolean           *out_will_encrypt)
{
  plist_t node = NULL;
  uint8_t value = 0;
  gboolean ok = FALSE;

  if (lockdownd_get_value (lockdown, "com.apple.mobile.backup", "WillEncrypt", &node) != LOCKDOWN_E_SUCCESS)
    node = NULL;
  /* A phone that never had a backup password may not answer the key: not encrypted. */
  if (node == NULL || plist_get_node_type (node) == PLIST_BOOLEAN)
    {
      if (node != NULL)
        plist_get_bool_val (node, &value);
      ok = TRUE;
    }
  plist_free (node);
  *out_will_encrypt = value != 0;
  return ok;
}

/**
 * ks_backup_encryption_query:
 * @out_will_encrypt: (out): whether the phone encrypts its backups
 *
 * Blocking.
 */
gboolean
ks_backup_encryption_query (const char    *udid,
                            gboolean      *out_will_encrypt,
                            GCancellable  *cancellable,
                            GError       **error)
{
  idevice_t device = NULL;
  lockdownd_client_t lockdown = NULL;
  gboolean ok;

  g_return_val_if_fail (udid != NULL, FALSE);
  g_return_val_if_fail (out_will_encrypt != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!_ks_device_open_lockdown (udid, "keepsake", &device, &lockdown, error))
    return FALSE;
  ok = read_will_encrypt (lockdown, out_will_encrypt);
  if (!ok)
    g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                         _("The iPhone did not say whether it encrypts its backups"));
  lockdownd_client_free (lockdown);
  idevice_free (device);
  return ok;
}

static gboolean
check_request (KsBackupEncryptionAction   action,
               gboolean                   will_encrypt,
               const char                *old_password,
               const char                *new_password,
               GError                   **error)
{
  switch (action)
    {
    case KS_BACKUP_ENCRYPTION_ACTION_ON:
      if (will_encrypt)
        {
          g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_INVALID_STATE,
                               _("Backups of this iPhone are already encrypted; change the password instead"));
          return FALSE;
        }
      break;
    case KS_BACKUP_ENCRYPTION_ACTION_OFF:
    case KS_BACKUP_ENCRYPTION_ACTION_CHANGE:
      if (!will_encrypt)
        {
          g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_INVALID_STATE,
                               _("Backups of this iPhone are not encrypted"));
          return FALSE;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  if ((action != KS_BACKUP_ENCRYPTION_ACTION_ON && (old_password == NULL || *old_password == '\0'))
      || (action != KS_BACKUP_ENCRYPTION_ACTION_OFF && (new_password == NULL || *new_password == '\0')))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A backup password cannot be empty"));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  KsMb2                       *mb2;
  KsBackupEncryptionPhaseFunc  phase_func;
  gpointer                     user_data;
  KsBackupEncryptionPhase      last;
} PhaseRelay;

/* KsMb2 reports the passcode screen as a backup phase; told here as the change's. */
static void
relay_progress_cb (const KsMobilebackup2Progress *progress,
                   gpointer                       user_data)
{
  PhaseRelay *relay = user_data;
  KsBackupEncryptionPhase phase;

  switch (progress->phase)
    {
    case KS_MOBILEBACKUP2_PHASE_CONNECTING:
      phase = KS_BACKUP_ENCRYPTION_PHASE_CONNECTING;
      break;
    case KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE:
      phase = KS_BACKUP_ENCRYPTION_PHASE_PASSCODE;
      break;
    case KS_MOBILEBACKUP2_PHASE_PREPARING:
    case KS_MOBILEBACKUP2_PHASE_RECEIVING:
    case KS_MOBILEBACKUP2_PHASE_FINISHING:
    default:
      phase = KS_BACKUP_ENCRYPTION_PHASE_CONFIRMING;
      break;
    }
  if (phase == relay->last)
    return;
  relay->last = phase;
  if (relay->phase_func != NULL)
    relay->phase_func (phase, relay->user_data);
}

static gboolean
send_change_password (KsMb2        *mb2,
                      const char   *old_password,
                      const char   *new_password,
                      GError      **error)
{
  plist_t dict = plist_new_dict ();
  gboolean ok;

  plist_dict_set_item (dict, "MessageName", plist_new_string ("ChangePassword"));
  plist_dict_set_item (dict, "TargetIdentifier", plist_new_string (mb2->udid));
  if (old_password != NULL)
    plist_dict_set_item (dict, "OldPassword", plist_new_string (old_password));
  if (new_password != NULL)
    plist_dict_set_item (dict, "NewPassword", plist_new_string (new_password));
  ok = _ks_mb2_send_process_message (mb2, dict, error);
  /* libplist keeps its own copies of the strings; they are freed with the message. There is no
   * way to wipe them from here, and none goes anywhere but the phone. */
  return ok;
}

static gboolean
change_failed (KsBackupEncryptionAction   action,
               guint64                    code,
               const char                *description,
               GError                   **error)
{
  if (code == MB_ERROR_WRONG_PASSWORD)
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_WRONG_PASSWORD,
                           _("The iPhone refused the current backup password: it is wrong"));
      return FALSE;
    }
  if (code == MB_ERROR_DEVICE_LOCKED)
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_NOT_CONFIRMED,
                           _("The change was not confirmed on the iPhone: its passcode was not entered in time. Nothing was changed"));
      return FALSE;
    }

  {
    g_autofree char *why = NULL;

    if (description != NULL && description[0] != '\0')
      why = g_strdup_printf ("%s (error %llu)", description, (unsigned long long) code);
    else
      why = g_strdup_printf ("error %llu", (unsigned long long) code);
    switch (action)
      {
      case KS_BACKUP_ENCRYPTION_ACTION_ON:
        g_set_error (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_FAILED,
                     _("The iPhone did not turn on backup encryption: %s"), why);
        break;
      case KS_BACKUP_ENCRYPTION_ACTION_OFF:
        g_set_error (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_FAILED,
                     _("The iPhone did not turn off backup encryption: %s"), why);
        break;
      case KS_BACKUP_ENCRYPTION_ACTION_CHANGE:
      default:
        g_set_error (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_FAILED,
                     _("The iPhone did not change the backup password: %s"), why);
        break;
      }
  }
  return FALSE;
}

/* Waits for the phone's answer to ChangePassword (as long as the connection lives: the user may
 * take a while to find the phone and enter the passcode). */
static gboolean
wait_answer (KsMb2                     *mb2,
             KsBackupEncryptionAction   action,
             GError                   **error)
{
  for (;;)
    {
      plist_t msg;
      g_autofree char *name = NULL;

      if ((msg = _ks_mb2_recv_plist (mb2, error)) == NULL)
        return FALSE;
      name = _ks_mb2_string_value (plist_array_get_item (msg, 0));
      g_debug ("mobilebackup2 %s: %s (ChangePassword)", mb2->udid, name != NULL ? name : "(not a message)");

      if (g_strcmp0 (name, "DLMessageProcessMessage") == 0)
        {
          plist_t dict = plist_array_get_item (msg, 1);
          guint64 code = 0;
          g_autofree char *description = NULL;

          if (dict != NULL && plist_get_node_type (dict) == PLIST_DICT)
            {
              plist_t node = plist_dict_get_item (dict, "ErrorCode");

              if (node != NULL && plist_get_node_type (node) == PLIST_UINT)
                plist_get_uint_val (node, &code);
              description = _ks_mb2_string_value (plist_dict_get_item (dict, "ErrorDescription"));
            }
          plist_free (msg);
          if (code == 0)
            return TRUE;
          return change_failed (action, code, description, error);
        }
      if (g_strcmp0 (name, "DLMessageDisconnect") == 0)
        {
          plist_free (msg);
          g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_DISCONNECTED,
                               _("The iPhone ended the connection before it answered"));
          return FALSE;
        }
      plist_free (msg);
      /* Nothing else is expected; answered so that the phone does not wait. */
      if (!_ks_mb2_send_status (mb2, -1, "Operation not supported", NULL, error))
        return FALSE;
    }
}

/**
 * ks_backup_encryption_change:
 * @action: on (@new_password), off (@old_password) or change (both)
 * @phase_func: (nullable): told when the request is sent and when the phone shows its passcode
 *   screen, on this thread
 *
 * Blocking. Returns %TRUE once the phone accepted the change and says so in WillEncrypt.
 */
gboolean
ks_backup_encryption_change (const char                  *udid,
                             KsBackupEncryptionAction     action,
                             const char                  *old_password,
                             const char                  *new_password,
                             KsBackupEncryptionPhaseFunc  phase_func,
                             gpointer                     user_data,
                             GCancellable                *cancellable,
                             GError                     **error)
{
  KsMb2 mb2 = { 0 };
  PhaseRelay relay = { &mb2, phase_func, user_data, KS_BACKUP_ENCRYPTION_PHASE_CONNECTING };
  idevice_t device = NULL;
  lockdownd_client_t lockdown = NULL;
  np_client_t np = NULL;
  gboolean will_encrypt = FALSE;
  gboolean ok = FALSE;
  const char *observed[] = { KS_MB2_LA_PRESENTED, KS_MB2_LA_DISMISSED, NULL };

  g_return_val_if_fail (udid != NULL, FALSE);
  g_return_val_if_fail (action <= KS_BACKUP_ENCRYPTION_ACTION_CHANGE, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  mb2.udid = g_strdup (udid);
  mb2.root_fd = -1;
  mb2.cancellable = cancellable;
  mb2.progress_func = relay_progress_cb;
  mb2.user_data = &relay;
  mb2.progress.phase = KS_MOBILEBACKUP2_PHASE_CONNECTING;
  mb2.notified = g_new0 (KsMb2Notified, 1);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;
  if (!_ks_device_open_lockdown (udid, "keepsake", &device, &lockdown, error))
    goto out;
  if (!read_will_encrypt (lockdown, &will_encrypt))
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                           _("The iPhone did not say whether it encrypts its backups"));
      goto out;
    }
  if (!check_request (action, will_encrypt,
                      action == KS_BACKUP_ENCRYPTION_ACTION_ON ? "-" : old_password,
                      action == KS_BACKUP_ENCRYPTION_ACTION_OFF ? "-" : new_password, error))
    goto out;

  /* The passcode screen that confirms the change is told through notifications. */
  if (np_client_start_service (device, &np, "keepsake") == NP_E_SUCCESS)
    {
      np_set_notify_callback (np, _ks_mb2_notification_cb, mb2.notified);
      np_observe_notifications (np, observed);
    }
  else
    np = NULL;

  if (!_ks_mb2_connect (&mb2, device, lockdown, error))
    goto out;

  if (!send_change_password (&mb2,
                             action != KS_BACKUP_ENCRYPTION_ACTION_ON ? old_password : NULL,
                             action != KS_BACKUP_ENCRYPTION_ACTION_OFF ? new_password : NULL,
                             error))
    goto out;
  _ks_mb2_set_phase (&mb2, KS_MOBILEBACKUP2_PHASE_PREPARING);
  if (!wait_answer (&mb2, action, error))
    goto out;

  /* Believed only once the phone says so. */
  if (!read_will_encrypt (lockdown, &will_encrypt)
      || will_encrypt != (action != KS_BACKUP_ENCRYPTION_ACTION_OFF))
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_FAILED,
                           action == KS_BACKUP_ENCRYPTION_ACTION_OFF
                           ? _("The iPhone accepted the change but still says it encrypts its backups")
                           : _("The iPhone accepted the change but does not say it encrypts its backups"));
      goto out;
    }
  ok = TRUE;

out:
  if (mb2.conn != NULL)
    {
      if (ok)
        _ks_mb2_say_goodbye (&mb2);
      idevice_disconnect (mb2.conn);
    }
  /* np_client_free() stops the watching thread safely (see ks-mobilebackup2.c). */
  if (np != NULL)
    np_client_free (np);
  if (lockdown != NULL)
    lockdownd_client_free (lockdown);
  if (device != NULL)
    idevice_free (device);
  g_clear_error (&mb2.local_error);
  /* The watching thread has stopped (np_client_free joins it): nothing touches it now. */
  g_free (mb2.notified);
  g_free (mb2.udid);
  return ok;
}

/* ---- on a worker ---- */

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  gboolean will_encrypt = FALSE;

  if (!ks_backup_encryption_query (task_data, &will_encrypt, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, will_encrypt);
}

void
ks_backup_encryption_query_async (const char          *udid,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (udid != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_backup_encryption_query_async);
  g_task_set_task_data (task, g_strdup (udid), g_free);
  g_task_run_in_thread (task, query_thread);
}

gboolean
ks_backup_encryption_query_finish (GAsyncResult  *result,
                                   gboolean      *out_will_encrypt,
                                   GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (out_will_encrypt != NULL, FALSE);

  value = g_task_propagate_int (G_TASK (result), error);
  if (value < 0)
    return FALSE;
  *out_will_encrypt = value != 0;
  return TRUE;
}

typedef struct
{
  char                        *udid;
  KsBackupEncryptionAction     action;
  char                        *old_password;
  char                        *new_password;
  KsBackupEncryptionPhaseFunc  phase_func;
  gpointer                     phase_data;
  GMainContext                *context;
} ChangeData;

static void
change_data_free (ChangeData *data)
{
  g_free (data->udid);
  ks_backup_password_free (data->old_password);
  ks_backup_password_free (data->new_password);
  g_main_context_unref (data->context);
  g_free (data);
}

typedef struct
{
  GTask                   *task;
  KsBackupEncryptionPhase  phase;
} PhaseCall;

static gboolean
phase_in_context_cb (gpointer user_data)
{
  PhaseCall *call = user_data;
  ChangeData *data = g_task_get_task_data (call->task);

  /* A cancelled or finished change says nothing more. */
  if (!g_task_get_completed (call->task)
      && !g_cancellable_is_cancelled (g_task_get_cancellable (call->task)))
    data->phase_func (call->phase, data->phase_data);
  return G_SOURCE_REMOVE;
}

static void
phase_call_free (gpointer user_data)
{
  PhaseCall *call = user_data;

  g_object_unref (call->task);
  g_free (call);
}

static void
change_phase_cb (KsBackupEncryptionPhase phase,
                 gpointer                user_data)
{
  GTask *task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  PhaseCall *call;

  if (data->phase_func == NULL)
    return;
  call = g_new0 (PhaseCall, 1);
  call->task = g_object_ref (task);
  call->phase = phase;
  g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, phase_in_context_cb, call, phase_call_free);
}

static void
change_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ChangeData *data = task_data;
  GError *error = NULL;

  if (!ks_backup_encryption_change (data->udid, data->action, data->old_password, data->new_password,
                                    change_phase_cb, task, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
ks_backup_encryption_change_async (const char                  *udid,
                                   KsBackupEncryptionAction     action,
                                   const char                  *old_password,
                                   const char                  *new_password,
                                   KsBackupEncryptionPhaseFunc  phase_func,
                                   gpointer                     phase_data,
                                   GCancellable                *cancellable,
                                   GAsyncReadyCallback          callback,
                                   gpointer                     user_data)
{
  g_autoptr(GTask) task = NULL;
  ChangeData *data;

  g_return_if_fail (udid != NULL);

  data = g_new0 (ChangeData, 1);
  data->udid = g_strdup (udid);
  data->action = action;
  data->old_password = g_strdup (old_password);
  data->new_password = g_strdup (new_password);
  data->phase_func = phase_func;
  data->phase_data = phase_data;
  data->context = g_main_context_ref_thread_default ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_backup_encryption_change_async);
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  g_task_run_in_thread (task, change_thread);
}

gboolean
ks_backup_encryption_change_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
