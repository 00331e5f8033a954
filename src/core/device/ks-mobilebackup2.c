/* ks-mobilebackup2.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The conversation of a full backup (see the header): connecting, the sync lock, the
 * DeviceLink framing and handshake, the Backup request and the message loop. The backup
 * folder side of each message is in ks-mobilebackup2-files.c. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <libimobiledevice/afc.h>
#include <libimobiledevice/lockdown.h>
#include <libimobiledevice/mobilebackup2.h>
#include <libimobiledevice/notification_proxy.h>

#include "ks-device-private.h"
#include "ks-mobilebackup2-private.h"

G_DEFINE_QUARK (ks-mobilebackup2-error-quark, ks_mobilebackup2_error)

#define SLICE_MS           250
#define MAX_PLIST          (64u * 1024u * 1024u)
#define PROGRESS_EVERY_US  (200 * G_TIME_SPAN_MILLISECOND)
#define LOCK_ATTEMPTS      50
#define LOCK_WAIT_US       (200 * G_TIME_SPAN_MILLISECOND)
#define DL_VERSION_MAJOR   400

#define LA_PRESENTED KS_MB2_LA_PRESENTED
#define LA_DISMISSED KS_MB2_LA_DISMISSED

void
ks_mobilebackup2_device_info_clear (KsMobilebackup2DeviceInfo *info)
{
  g_clear_pointer (&info->device_name, g_free);
  g_clear_pointer (&info->product_type, g_free);
  g_clear_pointer (&info->product_version, g_free);
  info->will_encrypt = FALSE;
}

char *
ks_mobilebackup2_describe_error (guint64     code,
                                 const char *description)
{
  switch (code)
    {
    case 105:
      return g_strdup (_("There is not enough free space for the backup on this computer’s drive"));
    case 205:
      return g_strdup (_("The iPhone could not read the previous backup in this folder (its Manifest.plist is missing or damaged)"));
    case 207:
      return g_strdup (_("The backup password is wrong"));
    case 208:
      return g_strdup (_("The backup did not start because the passcode was not entered on the iPhone in time. Unlock the iPhone, start the backup again and enter the passcode when the iPhone asks"));
    case 211:
      return g_strdup (_("The iPhone is busy with another backup or sync; try again when it has finished"));
    default:
      if (description != NULL && description[0] != '\0')
        return g_strdup_printf (_("The iPhone stopped the backup: %s (error %llu)"),
                                description, (unsigned long long) code);
      return g_strdup_printf (_("The iPhone stopped the backup (error %llu)"), (unsigned long long) code);
    }
}

/* ---- progress ---- */

void
_ks_mb2_report (KsMb2    *self,
                gboolean  force)
{
  gint64 now = g_get_monotonic_time ();

  if (self->progress_func == NULL)
    return;
  if (!force && now - self->last_progress_us < PROGRESS_EVERY_US)
    return;
  self->last_progress_us = now;
  self->progress_func (&self->progress, self->user_data);
}

void
_ks_mb2_set_phase (KsMb2                *self,
                   KsMobilebackup2Phase  phase)
{
  if (self->progress.phase == phase)
    return;
  self->progress.phase = phase;
  _ks_mb2_report (self, TRUE);
}

void
_ks_mb2_note_error (KsMb2  *self,
                    GError *error)
{
  if (error == NULL)
    return;
  if (self->local_error == NULL)
    self->local_error = error;
  else
    g_error_free (error);
}

/* Passcode notifications arrive on libimobiledevice's notification thread. */
void
_ks_mb2_notification_cb (const char *name,
                         void       *user_data)
{
  KsMb2Notified *notified = user_data;

  if (g_strcmp0 (name, LA_PRESENTED) == 0)
    g_atomic_int_set (&notified->passcode_shown, 1);
  else if (g_strcmp0 (name, LA_DISMISSED) == 0)
    g_atomic_int_set (&notified->passcode_shown, 0);
  else if (g_strcmp0 (name, NP_SYNC_CANCEL_REQUEST) == 0)
    g_atomic_int_set (&notified->cancel_requested, 1);
}

typedef struct
{
  np_client_t    np;
  idevice_t      device;
  KsMb2Notified *notified;
} NpStop;

static gpointer
np_stop_thread (gpointer data)
{
  NpStop *stop = data;

  np_client_free (stop->np);
  idevice_free (stop->device);
  g_free (stop->notified);
  g_free (stop);
  return NULL;
}

/* libimobiledevice 1.3.0 stops its notification thread by joining it, and that thread sleeps
 * 1 s after each 500 ms read: up to 1.5 s after a backup that is complete and durable. That
 * wait is done on a thread of its own; the thread's callback only touches @notified, and the
 * connection needs @device, so both are freed there, after. */
static void
np_stop_later (np_client_t    np,
               idevice_t      device,
               KsMb2Notified *notified)
{
  NpStop *stop = g_new0 (NpStop, 1);

  stop->np = np;
  stop->device = device;
  stop->notified = notified;
  g_thread_unref (g_thread_new ("ks-np-stop", np_stop_thread, stop));
}

static void
poll_notifications (KsMb2 *self)
{
  KsMobilebackup2Phase phase = self->progress.phase;

  if (g_atomic_int_get (&self->notified->passcode_shown))
    {
      if (phase == KS_MOBILEBACKUP2_PHASE_PREPARING || phase == KS_MOBILEBACKUP2_PHASE_CONNECTING)
        _ks_mb2_set_phase (self, KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE);
    }
  else if (phase == KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE)
    _ks_mb2_set_phase (self, KS_MOBILEBACKUP2_PHASE_PREPARING);
}

/* ---- the connection ---- */

static gboolean
disconnected (GError **error)
{
  g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_DISCONNECTED,
                       _("The iPhone was disconnected during the backup"));
  return FALSE;
}

static gboolean
check_cancelled (KsMb2   *self,
                 GError **error)
{
  if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
    return TRUE;
  if (g_atomic_int_get (&self->notified->cancel_requested))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("The backup was cancelled on the iPhone"));
      return TRUE;
    }
  return FALSE;
}

gboolean
_ks_mb2_read_exact (KsMb2    *self,
                    void     *buf,
                    gsize     len,
                    GError  **error)
{
  guint8 *p = buf;

  while (len > 0)
    {
      uint32_t got = 0;
      idevice_error_t err;

      if (check_cancelled (self, error))
        return FALSE;
      err = idevice_connection_receive_timeout (self->conn, (char *) p, (uint32_t) MIN (len, G_MAXINT32),
                                                &got, SLICE_MS);
      if (got > 0)
        {
          p += got;
          len -= got;
          continue;
        }
      /* No fixed limit: a busy phone (or one waiting for its passcode) is waited for as long
       * as the connection lives; an unplugged one closes it. */
      if (err == IDEVICE_E_TIMEOUT)
        {
          poll_notifications (self);
          continue;
        }
      return disconnected (error);
    }
  return TRUE;
}

gboolean
_ks_mb2_write_all (KsMb2       *self,
                   const void  *buf,
                   gsize        len,
                   GError     **error)
{
  const char *p = buf;

  while (len > 0)
    {
      uint32_t sent = 0;

      if (check_cancelled (self, error))
        return FALSE;
      if (idevice_connection_send (self->conn, p, (uint32_t) MIN (len, G_MAXINT32), &sent) != IDEVICE_E_SUCCESS
          || sent == 0)
        return disconnected (error);
      p += sent;
      len -= sent;
    }
  return TRUE;
}

static gboolean
send_plist (KsMb2    *self,
            plist_t   plist,
            GError  **error)
{
  char *bin = NULL;
  uint32_t len = 0;
  guint32 be;
  gboolean ok;

  plist_to_bin (plist, &bin, &len);
  if (bin == NULL)
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                           _("Could not encode a message for the iPhone"));
      return FALSE;
    }
  be = GUINT32_TO_BE (len);
  ok = _ks_mb2_write_all (self, &be, 4, error) && _ks_mb2_write_all (self, bin, len, error);
  free (bin);
  return ok;
}

plist_t
_ks_mb2_recv_plist (KsMb2   *self,
                    GError **error)
{
  guint32 be, len;
  g_autofree char *data = NULL;
  plist_t plist = NULL;

  if (!_ks_mb2_read_exact (self, &be, 4, error))
    return NULL;
  len = GUINT32_FROM_BE (be);
  if (len == 0 || len > MAX_PLIST)
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                           _("The iPhone sent a message of an impossible size"));
      return NULL;
    }
  data = g_malloc (len);
  if (!_ks_mb2_read_exact (self, data, len, error))
    return NULL;
  if (len >= 8 && memcmp (data, "bplist00", 8) == 0)
    plist_from_bin (data, len, &plist);
  else
    plist_from_xml (data, len, &plist);
  if (plist == NULL || plist_get_node_type (plist) != PLIST_ARRAY || plist_array_get_size (plist) < 1)
    {
      plist_free (plist);
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL,
                           _("The iPhone sent a message this computer cannot read"));
      return NULL;
    }
  return plist;
}

char *
_ks_mb2_string_value (plist_t node)
{
  char *value = NULL;
  char *copy;

  if (node == NULL || plist_get_node_type (node) != PLIST_STRING)
    return NULL;
  plist_get_string_val (node, &value);
  copy = g_strdup (value);
  free (value);
  return copy;
}

static char *
dup_string_item (plist_t  array,
                 uint32_t index)
{
  return _ks_mb2_string_value (plist_array_get_item (array, index));
}

gboolean
_ks_mb2_send_status (KsMb2       *self,
                     gint64       code,
                     const char  *status1,
                     plist_t      status2,
                     GError     **error)
{
  plist_t array = plist_new_array ();
  gboolean ok;

  plist_array_append_item (array, plist_new_string ("DLMessageStatusResponse"));
  /* As 1.3.0 does: a negative code widened to 64 bits. */
  plist_array_append_item (array, plist_new_uint ((uint64_t) code));
  plist_array_append_item (array, plist_new_string (status1 != NULL ? status1 : KS_MB2_EMPTY));
  plist_array_append_item (array, status2 != NULL ? plist_copy (status2) : plist_new_dict ());
  ok = send_plist (self, array, error);
  plist_free (array);
  return ok;
}

gboolean
_ks_mb2_send_process_message (KsMb2    *self,
                              plist_t   dict,
                              GError  **error)
{
  plist_t array = plist_new_array ();
  gboolean ok;

  plist_array_append_item (array, plist_new_string ("DLMessageProcessMessage"));
  plist_array_append_item (array, dict);
  ok = send_plist (self, array, error);
  plist_free (array);
  return ok;
}

static gboolean
protocol_error (GError    **error,
                const char *message)
{
  g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_PROTOCOL, message);
  return FALSE;
}

/* DeviceLink version exchange, then mobilebackup2's Hello. */
gboolean
_ks_mb2_handshake (KsMb2   *self,
                   GError **error)
{
  plist_t msg;
  plist_t reply;
  plist_t dict;
  plist_t versions;
  g_autofree char *name = NULL;
  guint64 code = 1;

  if ((msg = _ks_mb2_recv_plist (self, error)) == NULL)
    return FALSE;
  name = dup_string_item (msg, 0);
  plist_free (msg);
  if (g_strcmp0 (name, "DLMessageVersionExchange") != 0)
    return protocol_error (error, _("The iPhone’s backup service did not introduce itself"));

  reply = plist_new_array ();
  plist_array_append_item (reply, plist_new_string ("DLMessageVersionExchange"));
  plist_array_append_item (reply, plist_new_string ("DLVersionsOk"));
  plist_array_append_item (reply, plist_new_uint (DL_VERSION_MAJOR));
  if (!send_plist (self, reply, error))
    {
      plist_free (reply);
      return FALSE;
    }
  plist_free (reply);

  if ((msg = _ks_mb2_recv_plist (self, error)) == NULL)
    return FALSE;
  g_free (name);
  name = dup_string_item (msg, 0);
  plist_free (msg);
  if (g_strcmp0 (name, "DLMessageDeviceReady") != 0)
    return protocol_error (error, _("The iPhone’s backup service is not ready"));

  dict = plist_new_dict ();
  versions = plist_new_array ();
  plist_array_append_item (versions, plist_new_real (2.0));
  plist_array_append_item (versions, plist_new_real (2.1));
  plist_dict_set_item (dict, "MessageName", plist_new_string ("Hello"));
  plist_dict_set_item (dict, "SupportedProtocolVersions", versions);
  if (!_ks_mb2_send_process_message (self, dict, error))
    return FALSE;

  if ((msg = _ks_mb2_recv_plist (self, error)) == NULL)
    return FALSE;
  dict = plist_array_get_item (msg, 1);
  if (dict != NULL && plist_get_node_type (dict) == PLIST_DICT
      && plist_dict_get_item (dict, "ErrorCode") != NULL)
    plist_get_uint_val (plist_dict_get_item (dict, "ErrorCode"), &code);
  plist_free (msg);
  if (code != 0)
    return protocol_error (error, _("The iPhone speaks a backup protocol version this computer does not know"));
  return TRUE;
}

/* Starts mobilebackup2 (with the escrow bag, as iTunes does), connects to it and shakes
 * hands. */
gboolean
_ks_mb2_connect (KsMb2               *self,
                 idevice_t            device,
                 lockdownd_client_t   lockdown,
                 GError             **error)
{
  lockdownd_service_descriptor_t service = NULL;
  lockdownd_error_t lerr;
  gboolean ok = FALSE;

  lerr = lockdownd_start_service_with_escrow_bag (lockdown, MOBILEBACKUP2_SERVICE_NAME, &service);
  if (lerr != LOCKDOWN_E_SUCCESS)
    {
      _ks_device_set_lockdown_error (self->udid, lerr, error);
      return FALSE;
    }
  if (idevice_connect (device, service->port, &self->conn) != IDEVICE_E_SUCCESS)
    {
      self->conn = NULL;
      disconnected (error);
    }
  else if (service->ssl_enabled && idevice_connection_enable_ssl (self->conn) != IDEVICE_E_SUCCESS)
    protocol_error (error, _("Could not open a secure connection to the iPhone’s backup service"));
  else
    ok = _ks_mb2_handshake (self, error);
  lockdownd_service_descriptor_free (service);
  return ok;
}

void
_ks_mb2_say_goodbye (KsMb2 *self)
{
  plist_t bye = plist_new_array ();

  plist_array_append_item (bye, plist_new_string ("DLMessageDisconnect"));
  plist_array_append_item (bye, plist_new_string (KS_MB2_EMPTY));
  send_plist (self, bye, NULL);
  plist_free (bye);
}

/* ---- before the backup: Info.plist, the sync lock ---- */

static void
copy_string (plist_t     from,
             const char *from_key,
             plist_t     to,
             const char *to_key)
{
  plist_t node = plist_dict_get_item (from, from_key);

  if (node != NULL && plist_get_node_type (node) == PLIST_STRING)
    plist_dict_set_item (to, to_key, plist_copy (node));
}

static char *
dict_string (plist_t     dict,
             const char *key)
{
  return dict != NULL ? _ks_mb2_string_value (plist_dict_get_item (dict, key)) : NULL;
}

/* The host writes Info.plist (what `idevicebackup2 info` shows), durably. */
static gboolean
write_info_plist (KsMb2    *self,
                  plist_t   values,
                  GError  **error)
{
  plist_t info = plist_new_dict ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *upper = g_ascii_strup (self->udid, -1);
  g_autofree char *guid = g_uuid_string_random ();
  g_autofree char *guid_upper = NULL;
  char *xml = NULL;
  uint32_t len = 0;
  int fd;
  gboolean ok = FALSE;

  copy_string (values, "BuildVersion", info, "Build Version");
  copy_string (values, "DeviceName", info, "Device Name");
  copy_string (values, "DeviceName", info, "Display Name");
  guid_upper = g_ascii_strup (guid, -1);
  plist_dict_set_item (info, "GUID", plist_new_string (guid_upper));
  copy_string (values, "InternationalMobileEquipmentIdentity", info, "IMEI");
  plist_dict_set_item (info, "Last Backup Date",
                       plist_new_date ((int32_t) (g_date_time_to_unix (now) - 978307200), 0));
  copy_string (values, "ProductType", info, "Product Type");
  copy_string (values, "ProductVersion", info, "Product Version");
  copy_string (values, "SerialNumber", info, "Serial Number");
  plist_dict_set_item (info, "Target Identifier", plist_new_string (self->udid));
  plist_dict_set_item (info, "Target Type", plist_new_string ("Device"));
  plist_dict_set_item (info, "Unique Identifier", plist_new_string (upper));
  plist_dict_set_item (info, "Applications", plist_new_dict ());
  plist_dict_set_item (info, "iTunes Version", plist_new_string ("10.0.1"));

  plist_to_xml (info, &xml, &len);
  plist_free (info);

  unlinkat (self->root_fd, ".Info.plist.ks-partial", 0);
  fd = openat (self->root_fd, ".Info.plist.ks-partial", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0)
    {
      ok = write (fd, xml, len) == (ssize_t) len && fsync (fd) == 0;
      ok = close (fd) == 0 && ok;
      ok = ok && renameat (self->root_fd, ".Info.plist.ks-partial", self->root_fd, "Info.plist") == 0;
      ok = ok && fsync (self->root_fd) == 0;
    }
  if (!ok)
    {
      int errsv = errno;

      unlinkat (self->root_fd, ".Info.plist.ks-partial", 0);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not write Info.plist in the backup folder: %s"), g_strerror (errsv));
    }
  free (xml);
  return ok;
}

typedef struct
{
  afc_client_t afc;
  uint64_t     handle;
  gboolean     locked;
} SyncLock;

/* What iTunes does before a sync: tell the phone, take its sync lock (another host holding
 * it makes the lock wait), tell it again. A phone without AFC backs up without the lock. */
static gboolean
take_sync_lock (KsMb2        *self,
                idevice_t     device,
                np_client_t   np,
                SyncLock     *lock,
                GError      **error)
{
  np_post_notification (np, NP_SYNC_WILL_START);
  if (afc_client_start_service (device, &lock->afc, "keepsake") != AFC_E_SUCCESS)
    {
      lock->afc = NULL;
      return TRUE;
    }
  if (afc_file_open (lock->afc, "/com.apple.itunes.lock_sync", AFC_FOPEN_RW, &lock->handle) != AFC_E_SUCCESS)
    {
      lock->handle = 0;
      return TRUE;
    }
  np_post_notification (np, NP_SYNC_LOCK_REQUEST);
  for (guint i = 0; i < LOCK_ATTEMPTS; i++)
    {
      afc_error_t aerr = afc_file_lock (lock->afc, lock->handle, AFC_LOCK_EX);

      if (aerr == AFC_E_SUCCESS)
        {
          lock->locked = TRUE;
          np_post_notification (np, NP_SYNC_DID_START);
          return TRUE;
        }
      if (aerr != AFC_E_OP_WOULD_BLOCK)
        break;
      if (check_cancelled (self, error))
        return FALSE;
      g_usleep (LOCK_WAIT_US);
    }
  g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_FAILED,
                       _("The iPhone is busy with another backup or sync; try again when it has finished"));
  return FALSE;
}

static void
release_sync_lock (SyncLock    *lock,
                   np_client_t  np)
{
  if (lock->afc != NULL && lock->handle != 0)
    {
      if (lock->locked)
        afc_file_lock (lock->afc, lock->handle, AFC_LOCK_UN);
      afc_file_close (lock->afc, lock->handle);
    }
  if (lock->afc != NULL)
    afc_client_free (lock->afc);
  if (lock->locked && np != NULL)
    np_post_notification (np, NP_SYNC_DID_FINISH);
}

/* ---- the loop ---- */

void
_ks_mb2_progress_from (KsMb2    *self,
                       plist_t   msg,
                       uint32_t  index)
{
  plist_t node = plist_array_get_item (msg, index);
  double value = 0;

  /* The phone's figure may go back (libimobiledevice#251): shown as the highest so far. */
  if (node != NULL && plist_get_node_type (node) == PLIST_REAL)
    {
      plist_get_real_val (node, &value);
      if (value > self->progress.percent && value <= 100.0)
        self->progress.percent = value;
    }
}
static gboolean
status_plist_finished (KsMb2 *self)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  int fd = openat (self->root_fd, "Status.plist", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  plist_t status = NULL;
  g_autofree char *state = NULL;
  GString *buf;
  char chunk[4096];
  ssize_t n;

  if (fd < 0)
    return FALSE;
  buf = g_string_new (NULL);
  while ((n = read (fd, chunk, sizeof chunk)) > 0 && buf->len < 1024 * 1024)
    g_string_append_len (buf, chunk, n);
  close (fd);
  len = buf->len;
  data = g_string_free (buf, FALSE);
  if (len >= 8 && memcmp (data, "bplist00", 8) == 0)
    plist_from_bin (data, (uint32_t) len, &status);
  else if (len > 0)
    plist_from_xml (data, (uint32_t) len, &status);
  if (status != NULL && plist_get_node_type (status) == PLIST_DICT)
    state = dict_string (status, "SnapshotState");
  plist_free (status);
  return g_strcmp0 (state, "finished") == 0;
}

/* Answers messages until the phone's final ProcessMessage. */
static gboolean
message_loop (KsMb2   *self,
              GError **error)
{
  for (;;)
    {
      g_autofree char *name = NULL;
      plist_t msg;
      gboolean ok = TRUE;

      if ((msg = _ks_mb2_recv_plist (self, error)) == NULL)
        return FALSE;
      name = dup_string_item (msg, 0);
      g_debug ("mobilebackup2 %s: %s", self->udid, name != NULL ? name : "(not a message)");

      if (g_strcmp0 (name, "DLMessageDownloadFiles") == 0
          && plist_get_node_type (plist_array_get_item (msg, 1)) == PLIST_ARRAY)
        {
          _ks_mb2_progress_from (self, msg, 3);
          ok = _ks_mb2_download_files (self, msg, error);
        }
      else if (g_strcmp0 (name, "DLMessageUploadFiles") == 0)
        {
          _ks_mb2_progress_from (self, msg, 2);
          ok = _ks_mb2_upload_files (self, msg, error);
        }
      else if (g_strcmp0 (name, "DLMessageGetFreeDiskSpace") == 0)
        ok = _ks_mb2_free_space (self, error);
      else if (g_strcmp0 (name, "DLMessagePurgeDiskSpace") == 0)
        ok = _ks_mb2_send_status (self, -1, "Operation not supported", NULL, error);
      else if (g_strcmp0 (name, "DLContentsOfDirectory") == 0)
        ok = _ks_mb2_contents_of_dir (self, msg, error);
      else if (g_strcmp0 (name, "DLMessageCreateDirectory") == 0)
        ok = _ks_mb2_create_dir (self, msg, error);
      else if (g_strcmp0 (name, "DLMessageMoveFiles") == 0 || g_strcmp0 (name, "DLMessageMoveItems") == 0)
        ok = _ks_mb2_move_items (self, msg, error);
      else if (g_strcmp0 (name, "DLMessageRemoveFiles") == 0 || g_strcmp0 (name, "DLMessageRemoveItems") == 0)
        ok = _ks_mb2_remove_items (self, msg, error);
      else if (g_strcmp0 (name, "DLMessageCopyItem") == 0)
        ok = _ks_mb2_copy_item (self, msg, error);
      else if (g_strcmp0 (name, "DLMessageDisconnect") == 0)
        {
          plist_free (msg);
          return disconnected (error);
        }
      else if (g_strcmp0 (name, "DLMessageProcessMessage") == 0)
        {
          plist_t dict = plist_array_get_item (msg, 1);
          guint64 code = 0;
          g_autofree char *description = NULL;

          if (dict != NULL && plist_get_node_type (dict) == PLIST_DICT)
            {
              if (plist_dict_get_item (dict, "ErrorCode") != NULL)
                plist_get_uint_val (plist_dict_get_item (dict, "ErrorCode"), &code);
              description = dict_string (dict, "ErrorDescription");
            }
          plist_free (msg);
          if (code == 0)
            return TRUE;

          /* Our own reason (a hostile path, a full disk) says more than the phone's. */
          if (self->local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&self->local_error));
              return FALSE;
            }
          {
            g_autofree char *sentence = ks_mobilebackup2_describe_error (code, description);

            g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR,
                                 code == 208 ? KS_MOBILEBACKUP2_ERROR_DEVICE_LOCKED
                                 : code == 105 ? KS_MOBILEBACKUP2_ERROR_NO_SPACE
                                 : KS_MOBILEBACKUP2_ERROR_FAILED,
                                 sentence);
          }
          return FALSE;
        }
      else
        /* Unknown: answered, so that the phone does not wait forever. */
        ok = _ks_mb2_send_status (self, -1, "Operation not supported", NULL, error);

      plist_free (msg);
      if (!ok)
        return FALSE;
    }
}

static gboolean
send_backup_request (KsMb2     *self,
                     gboolean   force_full,
                     GError   **error)
{
  plist_t dict = plist_new_dict ();

  plist_dict_set_item (dict, "MessageName", plist_new_string ("Backup"));
  plist_dict_set_item (dict, "TargetIdentifier", plist_new_string (self->udid));
  plist_dict_set_item (dict, "SourceIdentifier", plist_new_string (self->udid));
  if (force_full)
    {
      plist_t options = plist_new_dict ();

      plist_dict_set_item (options, "ForceFullBackup", plist_new_bool (1));
      plist_dict_set_item (dict, "Options", options);
    }
  return _ks_mb2_send_process_message (self, dict, error);
}

static void
fill_info (KsMobilebackup2DeviceInfo *info,
           plist_t                    values,
           plist_t                    will_encrypt)
{
  uint8_t value = 0;

  if (info == NULL)
    return;
  info->device_name = dict_string (values, "DeviceName");
  info->product_type = dict_string (values, "ProductType");
  info->product_version = dict_string (values, "ProductVersion");
  if (will_encrypt != NULL && plist_get_node_type (will_encrypt) == PLIST_BOOLEAN)
    plist_get_bool_val (will_encrypt, &value);
  info->will_encrypt = value != 0;
}

gboolean
ks_mobilebackup2_backup (const char                  *udid,
                         const char                  *backup_dir,
                         gboolean                     force_full,
                         KsMobilebackup2ProgressFunc  progress_func,
                         gpointer                     user_data,
                         KsMobilebackup2DeviceInfo   *out_info,
                         GCancellable                *cancellable,
                         GError                     **error)
{
  KsMb2 self = { 0 };
  idevice_t device = NULL;
  lockdownd_client_t lockdown = NULL;
  np_client_t np = NULL;
  SyncLock lock = { 0 };
  plist_t values = NULL;
  plist_t will_encrypt = NULL;
  gboolean ok = FALSE;
  const char *observed[] = { LA_PRESENTED, LA_DISMISSED, NP_SYNC_CANCEL_REQUEST, NULL };

  g_return_val_if_fail (udid != NULL, FALSE);
  g_return_val_if_fail (backup_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self.udid = g_strdup (udid);
  self.cancellable = cancellable;
  self.progress_func = progress_func;
  self.user_data = user_data;
  self.progress.phase = KS_MOBILEBACKUP2_PHASE_CONNECTING;
  self.buffer = g_malloc (256 * 1024);
  self.notified = g_new0 (KsMb2Notified, 1);
  self.root_fd = open (backup_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (self.root_fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not open the backup folder %s: %s"), backup_dir, g_strerror (errsv));
      goto out;
    }
  _ks_mb2_report (&self, TRUE);

  if (!_ks_device_open_lockdown (udid, "keepsake", &device, &lockdown, error))
    goto out;
  lockdownd_get_value (lockdown, NULL, NULL, &values);
  lockdownd_get_value (lockdown, "com.apple.mobile.backup", "WillEncrypt", &will_encrypt);
  fill_info (out_info, values, will_encrypt);

  if (np_client_start_service (device, &np, "keepsake") != NP_E_SUCCESS)
    np = NULL;

  if (!_ks_mb2_connect (&self, device, lockdown, error))
    goto out;
  if (np != NULL && !take_sync_lock (&self, device, np, &lock, error))
    goto out;
  /* The passcode screen and the phone's "cancel sync" are told through notifications. Watched
   * only now: libimobiledevice's watching thread holds the client 500 ms at a time, which
   * would slow each of the posts above. */
  if (np != NULL)
    {
      np_set_notify_callback (np, _ks_mb2_notification_cb, self.notified);
      np_observe_notifications (np, observed);
    }
  if (!write_info_plist (&self, values, error))
    goto out;

  if (!send_backup_request (&self, force_full, error))
    goto out;
  _ks_mb2_set_phase (&self, KS_MOBILEBACKUP2_PHASE_PREPARING);
  poll_notifications (&self);

  if (!message_loop (&self, error))
    goto out;

  if (!status_plist_finished (&self))
    {
      g_set_error_literal (error, KS_MOBILEBACKUP2_ERROR, KS_MOBILEBACKUP2_ERROR_NOT_FINISHED,
                           _("The iPhone ended the backup without finishing it"));
      goto out;
    }
  self.progress.percent = 100.0;
  _ks_mb2_report (&self, TRUE);
  ok = TRUE;

out:
  if (self.conn != NULL)
    {
      /* A polite goodbye when the phone still listens. */
      if (ok)
        _ks_mb2_say_goodbye (&self);
      idevice_disconnect (self.conn);
    }
  /* Not np_set_notify_callback (np, NULL, NULL): in 1.3.0 it joins the watching thread while
   * holding the lock that thread may be waiting for. np_client_free() stops it safely, on a
   * thread of its own (np_stop_later). */
  release_sync_lock (&lock, np);
  if (lockdown != NULL)
    lockdownd_client_free (lockdown);
  if (np != NULL)
    np_stop_later (np, device, g_steal_pointer (&self.notified));
  else
    {
      if (device != NULL)
        idevice_free (device);
      g_free (self.notified);
    }
  plist_free (values);
  plist_free (will_encrypt);
  if (self.root_fd >= 0)
    close (self.root_fd);
  g_clear_error (&self.local_error);
  g_free (self.buffer);
  g_free (self.udid);
  return ok;
}
