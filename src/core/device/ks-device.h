/* ks-device.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDevice: one connected iPhone, its identity and where it stands with us (KsDeviceState). */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * KsDeviceState:
 * @KS_DEVICE_STATE_CONNECTING: talking to lockdownd for the first time
 * @KS_DEVICE_STATE_READY: paired, trusted and unlocked; AFC can be used
 * @KS_DEVICE_STATE_WAITING_FOR_TRUST: the "Trust This Computer?" dialog is up;
 *   the device retries by itself every ~1.5 s
 * @KS_DEVICE_STATE_TRUST_DENIED: the user tapped "Don't Trust"; call ks_device_retry()
 * @KS_DEVICE_STATE_LOCKED: passcode locked; continues by itself once unlocked
 * @KS_DEVICE_STATE_PAIRING_LOST: the device no longer knows our pairing (InvalidHostID);
 *   ks_device_forget_pairing() pairs again
 * @KS_DEVICE_STATE_USBMUXD_MISSING: usbmuxd is not running
 * @KS_DEVICE_STATE_ERROR: something else went wrong; see the message
 * @KS_DEVICE_STATE_DISCONNECTED: unplugged
 */
typedef enum
{
  KS_DEVICE_STATE_CONNECTING,
  KS_DEVICE_STATE_READY,
  KS_DEVICE_STATE_WAITING_FOR_TRUST,
  KS_DEVICE_STATE_TRUST_DENIED,
  KS_DEVICE_STATE_LOCKED,
  KS_DEVICE_STATE_PAIRING_LOST,
  KS_DEVICE_STATE_USBMUXD_MISSING,
  KS_DEVICE_STATE_ERROR,
  KS_DEVICE_STATE_DISCONNECTED,
} KsDeviceState;

#define KS_TYPE_DEVICE_STATE (ks_device_state_get_type ())
GType ks_device_state_get_type (void);

/* Errors of device work (lockdownd, AFC sessions). Each code matches a state, so a
 * caller that failed can tell the user the same thing the device row says. */
#define KS_DEVICE_ERROR (ks_device_error_quark ())
GQuark ks_device_error_quark (void);

typedef enum
{
  KS_DEVICE_ERROR_FAILED,
  KS_DEVICE_ERROR_NOT_FOUND,        /* not connected (any more) */
  KS_DEVICE_ERROR_NOT_TRUSTED,      /* trust dialog pending */
  KS_DEVICE_ERROR_TRUST_DENIED,
  KS_DEVICE_ERROR_LOCKED,
  KS_DEVICE_ERROR_PAIRING_LOST,
  KS_DEVICE_ERROR_USBMUXD_MISSING,
} KsDeviceError;

#define KS_TYPE_DEVICE (ks_device_get_type ())
G_DECLARE_FINAL_TYPE (KsDevice, ks_device, KS, DEVICE, GObject)

KsDevice      *ks_device_new                  (const char     *udid);
const char    *ks_device_get_udid             (KsDevice       *self);
const char    *ks_device_get_name             (KsDevice       *self);
const char    *ks_device_get_product_type     (KsDevice       *self);
const char    *ks_device_get_model_name       (KsDevice       *self);
const char    *ks_device_get_ios_version      (KsDevice       *self);
guint64        ks_device_get_storage_total    (KsDevice       *self);
guint64        ks_device_get_storage_free     (KsDevice       *self);
guint64        ks_device_get_storage_used     (KsDevice       *self);
KsDeviceState  ks_device_get_state            (KsDevice       *self);
const char    *ks_device_get_message          (KsDevice       *self);
void           ks_device_connect              (KsDevice       *self);
void           ks_device_retry                (KsDevice       *self);
void           ks_device_forget_pairing       (KsDevice       *self);
void           ks_device_set_disconnected     (KsDevice       *self);
gboolean       ks_device_is_final_state       (KsDeviceState   state);
gboolean       ks_device_wait_for_probes      (guint           timeout_ms);
gboolean       ks_device_probe_sync           (const char     *udid,
                                               const char     *label,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           ks_device_probe_async          (const char     *udid,
                                               const char     *label,
                                               GCancellable   *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer        user_data);
gboolean       ks_device_probe_finish         (GAsyncResult   *result,
                                               GError        **error);
const char    *ks_device_state_to_string      (KsDeviceState   state);
const char    *ks_device_state_describe       (KsDeviceState   state);
KsDeviceError  ks_device_state_to_error       (KsDeviceState   state);

G_END_DECLS
