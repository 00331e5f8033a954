/* ks-device-probe.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Reaching an iPhone from a worker thread: opening a lockdownd session, turning its failures
 * into KsDeviceError (and the message the device row shows), and the standalone probe
 * (ks_device_probe_sync() and its async form) with the count of probes still running that
 * front ends wait for before they exit. */

#include "config.h"

#include <glib/gi18n.h>
#include <usbmuxd.h>

#include "ks-device-private.h"

gboolean
_ks_usbmuxd_is_reachable (void)
{
  usbmuxd_device_info_t *list = NULL;
  int n = usbmuxd_get_device_list (&list);

  if (list != NULL)
    usbmuxd_device_list_free (&list);
  return n >= 0;
}

static gboolean
usbmuxd_has_device (const char *udid)
{
  usbmuxd_device_info_t *list = NULL;
  gboolean found = FALSE;
  int n = usbmuxd_get_device_list (&list);

  for (int i = 0; i < n; i++)
    if (g_strcmp0 (list[i].udid, udid) == 0)
      found = TRUE;
  if (list != NULL)
    usbmuxd_device_list_free (&list);
  return found;
}

/* Plugged in and listed, but lockdownd's answers are cut short, garbled or missing: the one
 * thing that helps is a fresh start of the phone's end of the cable. */
static void
set_not_answering_error (lockdownd_error_t   lerr,
                         GError            **error)
{
  g_set_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_FAILED,
               _("The iPhone did not answer properly (lockdownd error %d). Unplug it and plug it in again"),
               (int) lerr);
}

void
_ks_device_set_lockdown_error (const char         *udid,
                               lockdownd_error_t   lerr,
                               GError            **error)
{
  switch ((int) lerr)
    {
    case LOCKDOWN_E_PASSWORD_PROTECTED:
      g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_LOCKED,
                           ks_device_state_describe (KS_DEVICE_STATE_LOCKED));
      break;
    case LOCKDOWN_E_USER_DENIED_PAIRING:
      g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_TRUST_DENIED,
                           ks_device_state_describe (KS_DEVICE_STATE_TRUST_DENIED));
      break;
    case LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING:
      g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_TRUSTED,
                           ks_device_state_describe (KS_DEVICE_STATE_WAITING_FOR_TRUST));
      break;
    case LOCKDOWN_E_INVALID_HOST_ID:
      g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_PAIRING_LOST,
                           ks_device_state_describe (KS_DEVICE_STATE_PAIRING_LOST));
      break;
    case LOCKDOWN_E_MUX_ERROR:
    case LOCKDOWN_E_RECEIVE_TIMEOUT:
    case LOCKDOWN_E_SSL_ERROR:
    case LOCKDOWN_E_PLIST_ERROR:
      /* A broken connection usually means the cable came out; tell that apart from a
       * device that is still there but misbehaving. */
      if (!_ks_usbmuxd_is_reachable ())
        g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_USBMUXD_MISSING,
                             ks_device_state_describe (KS_DEVICE_STATE_USBMUXD_MISSING));
      else if (!usbmuxd_has_device (udid))
        g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND,
                             ks_device_state_describe (KS_DEVICE_STATE_DISCONNECTED));
      else
        set_not_answering_error (lerr, error);
      break;
    default:
      set_not_answering_error (lerr, error);
      break;
    }
}

/* Blocking: finds the device through usbmuxd and opens a lockdownd session, pairing
 * if needed (which shows the trust dialog on the phone). */
gboolean
_ks_device_open_lockdown (const char          *udid,
                          const char          *label,
                          idevice_t           *out_device,
                          lockdownd_client_t  *out_client,
                          GError             **error)
{
  idevice_t device = NULL;
  lockdownd_client_t client = NULL;
  lockdownd_error_t lerr;

  g_return_val_if_fail (udid != NULL, FALSE);

  if (idevice_new_with_options (&device, udid, IDEVICE_LOOKUP_USBMUX) != IDEVICE_E_SUCCESS)
    {
      if (!_ks_usbmuxd_is_reachable ())
        g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_USBMUXD_MISSING,
                             ks_device_state_describe (KS_DEVICE_STATE_USBMUXD_MISSING));
      else
        g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND,
                             ks_device_state_describe (KS_DEVICE_STATE_DISCONNECTED));
      return FALSE;
    }

  lerr = lockdownd_client_new_with_handshake (device, &client, label);
  if (lerr != LOCKDOWN_E_SUCCESS)
    {
      _ks_device_set_lockdown_error (udid, lerr, error);
      idevice_free (device);
      return FALSE;
    }

  *out_device = device;
  *out_client = client;
  return TRUE;
}

/* Probes queued or running on worker threads, process-wide. libimobiledevice's pairing runs
 * OpenSSL, whose state is torn down by exit(): a probe still pairing when the app quits
 * crashes it, so front ends wait for this to reach zero before they exit. */
static GMutex probes_lock;
static GCond probes_cond;
static guint n_probes;

void
_ks_device_probes_begin (void)
{
  g_mutex_lock (&probes_lock);
  n_probes++;
  g_mutex_unlock (&probes_lock);
}

void
_ks_device_probes_end (void)
{
  g_mutex_lock (&probes_lock);
  n_probes--;
  g_cond_broadcast (&probes_cond);
  g_mutex_unlock (&probes_lock);
}

/**
 * ks_device_wait_for_probes:
 * @timeout_ms: how long to wait at most
 *
 * Blocks until no device probe is queued or running on a worker thread, or @timeout_ms
 * has passed. Call it before the process exits (after the main loop has stopped, so no new
 * probe starts): libimobiledevice and OpenSSL tear down their state at exit.
 *
 * Returns: %TRUE when no probe is left
 */
gboolean
ks_device_wait_for_probes (guint timeout_ms)
{
  gint64 end_time = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean idle;

  g_mutex_lock (&probes_lock);
  while (n_probes > 0)
    if (!g_cond_wait_until (&probes_cond, &probes_lock, end_time))
      break;
  idle = n_probes == 0;
  g_mutex_unlock (&probes_lock);

  return idle;
}

/**
 * ks_device_probe_sync:
 * @udid: the iPhone to reach
 * @label: (nullable): how to introduce ourselves to lockdownd (default "keepsake")
 * @cancellable: (nullable): checked before and after the probe, which itself cannot be
 *   interrupted
 * @error: why the iPhone cannot be reached
 *
 * Blocking; worker threads only. Opens a lockdownd session with the iPhone and closes it
 * again, to learn whether it can be reached right now and, if not, why: a %KS_DEVICE_ERROR
 * whose code says unplugged (%KS_DEVICE_ERROR_NOT_FOUND), locked, Trust pending or denied,
 * pairing lost, or usbmuxd not running, with the message the device row would show. Pairs
 * first when there is no pairing yet, as connecting does (the phone shows Trust). Counts as
 * a probe for ks_device_wait_for_probes().
 *
 * A front end whose run lost its link asks this to tell the user what happened.
 *
 * Returns: %TRUE when the iPhone answered
 */
gboolean
ks_device_probe_sync (const char    *udid,
                      const char    *label,
                      GCancellable  *cancellable,
                      GError       **error)
{
  idevice_t device = NULL;
  lockdownd_client_t client = NULL;
  gboolean ok;

  g_return_val_if_fail (udid != NULL, FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  _ks_device_probes_begin ();
  ok = _ks_device_open_lockdown (udid, label ? label : "keepsake", &device, &client, error);
  if (ok)
    {
      lockdownd_client_free (client);
      idevice_free (device);
    }
  _ks_device_probes_end ();

  if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return ok;
}

typedef struct
{
  char *udid;
  char *label;
} ProbeSyncData;

static void
probe_sync_data_free (ProbeSyncData *data)
{
  g_free (data->udid);
  g_free (data->label);
  g_free (data);
}

static void
probe_sync_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ProbeSyncData *data = task_data;
  GError *error = NULL;

  if (ks_device_probe_sync (data->udid, data->label, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * ks_device_probe_async:
 *
 * ks_device_probe_sync() on a worker thread; @callback runs on the thread-default main
 * context of the caller. Finish with ks_device_probe_finish().
 */
void
ks_device_probe_async (const char          *udid,
                       const char          *label,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ProbeSyncData *data;

  g_return_if_fail (udid != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (ProbeSyncData, 1);
  data->udid = g_strdup (udid);
  data->label = g_strdup (label);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_device_probe_async);
  g_task_set_task_data (task, data, (GDestroyNotify) probe_sync_data_free);
  g_task_run_in_thread (task, probe_sync_worker);
}

/**
 * ks_device_probe_finish:
 *
 * Returns: %TRUE when the iPhone answered; otherwise @error says why it cannot be reached
 */
gboolean
ks_device_probe_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_device_probe_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
