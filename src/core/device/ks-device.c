/* ks-device.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One connected iPhone: its identity (name, model, iOS, storage) and where it stands with us
 * (trusted, locked, …). Lockdown work runs on worker threads; state changes land on the main
 * context that called ks_device_connect(). Opening lockdownd sessions and the standalone probe
 * are in ks-device-probe.c. */

#include "config.h"

#include <glib/gi18n.h>
#include <plist/plist.h>
#include <usbmuxd.h>

#include "ks-device-private.h"
#include "ks-model-names.h"

#define RETRY_INTERVAL_MS      1500
#define ERROR_RETRY_INTERVAL_MS 3000
#define MAX_ERROR_RETRIES      3

struct _KsDevice
{
  GObject        parent_instance;

  char          *udid;
  char          *name;
  char          *product_type;
  char          *model_name;
  char          *ios_version;
  guint64        storage_total;
  guint64        storage_free;
  KsDeviceState  state;
  char          *message;

  GMainContext  *context;
  GCancellable  *cancellable;
  GSource       *retry_source;
  guint          generation;
  guint          error_retries;
  guint          probing : 1;
  guint          probe_again : 1;
  guint          forget_pairing : 1;
};

G_DEFINE_FINAL_TYPE (KsDevice, ks_device, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (KsDeviceState, ks_device_state,
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_WAITING_FOR_TRUST, "waiting-for-trust"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_TRUST_DENIED, "trust-denied"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_LOCKED, "locked"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_PAIRING_LOST, "pairing-lost"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_USBMUXD_MISSING, "usbmuxd-missing"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_ERROR, "error"),
  G_DEFINE_ENUM_VALUE (KS_DEVICE_STATE_DISCONNECTED, "disconnected"))

G_DEFINE_QUARK (ks-device-error-quark, ks_device_error)

enum {
  PROP_0,
  PROP_UDID,
  PROP_NAME,
  PROP_PRODUCT_TYPE,
  PROP_MODEL_NAME,
  PROP_IOS_VERSION,
  PROP_STORAGE_TOTAL,
  PROP_STORAGE_FREE,
  PROP_STATE,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ks_device_probe (KsDevice *self);

const char *
ks_device_state_to_string (KsDeviceState state)
{
  GEnumClass *klass = g_type_class_ref (KS_TYPE_DEVICE_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  g_type_class_unref (klass);
  return value ? value->value_nick : "unknown";
}

const char *
ks_device_state_describe (KsDeviceState state)
{
  switch (state)
    {
    case KS_DEVICE_STATE_CONNECTING:
      return _("Connecting to the iPhone…");
    case KS_DEVICE_STATE_READY:
      return _("Ready");
    case KS_DEVICE_STATE_WAITING_FOR_TRUST:
      return _("Unlock your iPhone and tap Trust");
    case KS_DEVICE_STATE_TRUST_DENIED:
      return _("This computer is not trusted. Unplug the iPhone, plug it in again and tap Trust");
    case KS_DEVICE_STATE_LOCKED:
      return _("Unlock your iPhone to continue");
    case KS_DEVICE_STATE_PAIRING_LOST:
      return _("The iPhone no longer recognises this computer. Pair it again and tap Trust");
    case KS_DEVICE_STATE_USBMUXD_MISSING:
      return _("Install and start usbmuxd: sudo apt install usbmuxd, then reconnect the iPhone");
    case KS_DEVICE_STATE_ERROR:
      return _("Could not talk to the iPhone");
    case KS_DEVICE_STATE_DISCONNECTED:
      return _("The iPhone was disconnected");
    default:
      return "";
    }
}

KsDeviceError
ks_device_state_to_error (KsDeviceState state)
{
  switch (state)
    {
    case KS_DEVICE_STATE_WAITING_FOR_TRUST: return KS_DEVICE_ERROR_NOT_TRUSTED;
    case KS_DEVICE_STATE_TRUST_DENIED:      return KS_DEVICE_ERROR_TRUST_DENIED;
    case KS_DEVICE_STATE_LOCKED:            return KS_DEVICE_ERROR_LOCKED;
    case KS_DEVICE_STATE_PAIRING_LOST:      return KS_DEVICE_ERROR_PAIRING_LOST;
    case KS_DEVICE_STATE_USBMUXD_MISSING:   return KS_DEVICE_ERROR_USBMUXD_MISSING;
    case KS_DEVICE_STATE_DISCONNECTED:      return KS_DEVICE_ERROR_NOT_FOUND;
    case KS_DEVICE_STATE_CONNECTING:
    case KS_DEVICE_STATE_READY:
    case KS_DEVICE_STATE_ERROR:
    default:
      return KS_DEVICE_ERROR_FAILED;
    }
}

static KsDeviceState
state_for_error (const GError *error)
{
  if (error->domain != KS_DEVICE_ERROR)
    return KS_DEVICE_STATE_ERROR;

  switch ((KsDeviceError) error->code)
    {
    case KS_DEVICE_ERROR_NOT_FOUND:       return KS_DEVICE_STATE_DISCONNECTED;
    case KS_DEVICE_ERROR_NOT_TRUSTED:     return KS_DEVICE_STATE_WAITING_FOR_TRUST;
    case KS_DEVICE_ERROR_TRUST_DENIED:    return KS_DEVICE_STATE_TRUST_DENIED;
    case KS_DEVICE_ERROR_LOCKED:          return KS_DEVICE_STATE_LOCKED;
    case KS_DEVICE_ERROR_PAIRING_LOST:    return KS_DEVICE_STATE_PAIRING_LOST;
    case KS_DEVICE_ERROR_USBMUXD_MISSING: return KS_DEVICE_STATE_USBMUXD_MISSING;
    case KS_DEVICE_ERROR_FAILED:
    default:
      return KS_DEVICE_STATE_ERROR;
    }
}

/* States the device leaves only when someone acts (or unplugs it). */
gboolean
ks_device_is_final_state (KsDeviceState state)
{
  return state == KS_DEVICE_STATE_READY ||
         state == KS_DEVICE_STATE_TRUST_DENIED ||
         state == KS_DEVICE_STATE_PAIRING_LOST ||
         state == KS_DEVICE_STATE_USBMUXD_MISSING ||
         state == KS_DEVICE_STATE_ERROR ||
         state == KS_DEVICE_STATE_DISCONNECTED;
}

typedef struct
{
  char     *udid;
  gboolean  forget_pairing;
  char     *name;
  char     *product_type;
  char     *ios_version;
  guint64   storage_total;
  guint64   storage_free;
} ProbeData;

static void
probe_data_free (ProbeData *data)
{
  g_free (data->udid);
  g_free (data->name);
  g_free (data->product_type);
  g_free (data->ios_version);
  g_free (data);
}

/* A value lockdownd has but in a type no iPhone sends (a name that is a number, a version
 * that is bytes) means the phone, or whatever answers for it, cannot be trusted: the device
 * shows as not working, with the key that was wrong, rather than half-described. */
static void
set_wrong_type_error (const char  *key,
                      GError     **error)
{
  if (error != NULL && *error == NULL)
    g_set_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_FAILED,
                 _("The iPhone answered with something Keepsake does not understand (%s). Unplug it and plug it in again"),
                 key);
}

static char *
dup_string_value (lockdownd_client_t   client,
                  const char          *domain,
                  const char          *key,
                  GError             **error)
{
  plist_t node = NULL;
  char *str = NULL;
  char *ret = NULL;

  if (lockdownd_get_value (client, domain, key, &node) == LOCKDOWN_E_SUCCESS && node != NULL)
    {
      if (plist_get_node_type (node) == PLIST_STRING)
        plist_get_string_val (node, &str);
      else
        set_wrong_type_error (key, error);
    }
  if (str != NULL && g_utf8_validate (str, -1, NULL))
    ret = g_strdup (str);
  else if (str != NULL)
    set_wrong_type_error (key, error);
  free (str);
  plist_free (node);
  return ret;
}

static guint64
get_uint_value (lockdownd_client_t   client,
                const char          *domain,
                const char          *key,
                GError             **error)
{
  plist_t node = NULL;
  uint64_t value = 0;

  if (lockdownd_get_value (client, domain, key, &node) == LOCKDOWN_E_SUCCESS && node != NULL)
    {
      if (plist_get_node_type (node) == PLIST_UINT)
        plist_get_uint_val (node, &value);
      else
        set_wrong_type_error (key, error);
    }
  plist_free (node);
  return value;
}

static void probe_worker_run (GTask *task, ProbeData *data);

static void
probe_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  probe_worker_run (task, task_data);
  _ks_device_probes_end ();
}

static void
probe_worker_run (GTask     *task,
                  ProbeData *data)
{
  idevice_t device = NULL;
  lockdownd_client_t client = NULL;
  GError *error = NULL;

  if (data->forget_pairing)
    usbmuxd_delete_pair_record (data->udid);

  if (!_ks_device_open_lockdown (data->udid, "keepsake", &device, &client, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data->name = dup_string_value (client, NULL, "DeviceName", &error);
  data->product_type = dup_string_value (client, NULL, "ProductType", &error);
  data->ios_version = dup_string_value (client, NULL, "ProductVersion", &error);
  data->storage_total = get_uint_value (client, "com.apple.disk_usage", "TotalDataCapacity", &error);
  data->storage_free = get_uint_value (client, "com.apple.disk_usage", "TotalDataAvailable", &error);

  lockdownd_client_free (client);
  idevice_free (device);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
ks_device_set_state (KsDevice      *self,
                     KsDeviceState  state,
                     const char    *message)
{
  gboolean state_changed = self->state != state;

  if (message == NULL)
    message = ks_device_state_describe (state);

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  if (state_changed)
    {
      g_debug ("%s: %s", self->udid, ks_device_state_to_string (state));
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
retry_cb (gpointer user_data)
{
  KsDevice *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  ks_device_probe (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (KsDevice *self,
                guint     interval_ms)
{
  if (self->retry_source != NULL)
    return;

  self->retry_source = g_timeout_source_new (interval_ms);
  g_source_set_callback (self->retry_source, retry_cb, self, NULL);
  g_source_set_static_name (self->retry_source, "[keepsake] device retry");
  g_source_attach (self->retry_source, self->context);
}

static void
cancel_retry (KsDevice *self)
{
  if (self->retry_source != NULL)
    {
      g_source_destroy (self->retry_source);
      g_clear_pointer (&self->retry_source, g_source_unref);
    }
}

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  KsDevice *self = KS_DEVICE (object);
  GTask *task = G_TASK (result);
  ProbeData *data = g_task_get_task_data (task);
  guint generation = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;

  self->probing = FALSE;

  if (!g_task_propagate_boolean (task, &error))
    {
      KsDeviceState state;

      if (generation != self->generation || self->state == KS_DEVICE_STATE_DISCONNECTED)
        return;

      state = state_for_error (error);
      /* A session that fails with the cable still in is worth a few more tries: right after
       * plug-in lockdownd may not answer yet. */
      if (state == KS_DEVICE_STATE_DISCONNECTED)
        state = KS_DEVICE_STATE_ERROR;
      ks_device_set_state (self, state, error->message);

      if (self->probe_again)
        {
          self->probe_again = FALSE;
          ks_device_probe (self);
        }
      else if (state == KS_DEVICE_STATE_WAITING_FOR_TRUST || state == KS_DEVICE_STATE_LOCKED)
        schedule_retry (self, RETRY_INTERVAL_MS);
      else if (state == KS_DEVICE_STATE_ERROR && self->error_retries++ < MAX_ERROR_RETRIES)
        schedule_retry (self, ERROR_RETRY_INTERVAL_MS);
      return;
    }

  if (generation != self->generation || self->state == KS_DEVICE_STATE_DISCONNECTED)
    return;

  self->error_retries = 0;

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->name, data->name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  if (set_string (&self->product_type, data->product_type))
    {
      g_autofree char *model = ks_model_name_for_product_type (data->product_type);

      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRODUCT_TYPE]);
      if (set_string (&self->model_name, model))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_NAME]);
    }
  if (set_string (&self->ios_version, data->ios_version))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IOS_VERSION]);
  if (self->storage_total != data->storage_total)
    {
      self->storage_total = data->storage_total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE_TOTAL]);
    }
  if (self->storage_free != data->storage_free)
    {
      self->storage_free = data->storage_free;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE_FREE]);
    }
  ks_device_set_state (self, KS_DEVICE_STATE_READY, NULL);
  g_object_thaw_notify (G_OBJECT (self));

  if (self->probe_again)
    {
      self->probe_again = FALSE;
      ks_device_probe (self);
    }
}

static void
ks_device_probe (KsDevice *self)
{
  g_autoptr(GTask) task = NULL;
  ProbeData *data;

  g_assert (KS_IS_DEVICE (self));

  if (self->state == KS_DEVICE_STATE_DISCONNECTED)
    return;

  if (self->probing)
    {
      self->probe_again = TRUE;
      return;
    }

  cancel_retry (self);
  self->probing = TRUE;

  data = g_new0 (ProbeData, 1);
  data->udid = g_strdup (self->udid);
  data->forget_pairing = self->forget_pairing;
  self->forget_pairing = FALSE;

  task = g_task_new (self, self->cancellable, probe_cb, GUINT_TO_POINTER (self->generation));
  g_task_set_source_tag (task, ks_device_probe);
  g_task_set_name (task, "[keepsake] device probe");
  g_task_set_task_data (task, data, (GDestroyNotify) probe_data_free);
  _ks_device_probes_begin ();
  g_task_run_in_thread (task, probe_worker);
}

/**
 * ks_device_connect:
 * @self: a #KsDevice
 *
 * Starts talking to the device from the thread-default main context: pairs if needed and
 * keeps retrying while the trust dialog is up or the phone is locked. State changes are
 * delivered on that context.
 */
void
ks_device_connect (KsDevice *self)
{
  g_return_if_fail (KS_IS_DEVICE (self));

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  if (self->state == KS_DEVICE_STATE_DISCONNECTED)
    {
      self->generation++;
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      ks_device_set_state (self, KS_DEVICE_STATE_CONNECTING, NULL);
    }

  ks_device_probe (self);
}

/**
 * ks_device_retry:
 * @self: a #KsDevice
 *
 * Asks the device again now, e.g. after "Don't Trust", or when a transfer failed and the
 * caller wants to know whether the phone got locked.
 */
void
ks_device_retry (KsDevice *self)
{
  g_return_if_fail (KS_IS_DEVICE (self));

  self->error_retries = 0;
  ks_device_connect (self);
}

/**
 * ks_device_forget_pairing:
 * @self: a #KsDevice
 *
 * Deletes our pair record for this device and pairs again, which shows the trust dialog.
 * The way out of %KS_DEVICE_STATE_PAIRING_LOST.
 */
void
ks_device_forget_pairing (KsDevice *self)
{
  g_return_if_fail (KS_IS_DEVICE (self));

  self->forget_pairing = TRUE;
  ks_device_retry (self);
}

void
ks_device_set_disconnected (KsDevice *self)
{
  g_return_if_fail (KS_IS_DEVICE (self));

  cancel_retry (self);
  g_cancellable_cancel (self->cancellable);
  self->generation++;
  self->probe_again = FALSE;
  ks_device_set_state (self, KS_DEVICE_STATE_DISCONNECTED, NULL);
}

KsDevice *
ks_device_new (const char *udid)
{
  g_return_val_if_fail (udid != NULL, NULL);

  return g_object_new (KS_TYPE_DEVICE, "udid", udid, NULL);
}

const char *
ks_device_get_udid (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), NULL);
  return self->udid;
}

const char *
ks_device_get_name (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), NULL);
  return self->name;
}

const char *
ks_device_get_product_type (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), NULL);
  return self->product_type;
}

const char *
ks_device_get_model_name (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), NULL);
  return self->model_name;
}

const char *
ks_device_get_ios_version (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), NULL);
  return self->ios_version;
}

guint64
ks_device_get_storage_total (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), 0);
  return self->storage_total;
}

guint64
ks_device_get_storage_free (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), 0);
  return self->storage_free;
}

guint64
ks_device_get_storage_used (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), 0);
  return self->storage_total > self->storage_free ? self->storage_total - self->storage_free : 0;
}

KsDeviceState
ks_device_get_state (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), KS_DEVICE_STATE_ERROR);
  return self->state;
}

const char *
ks_device_get_message (KsDevice *self)
{
  g_return_val_if_fail (KS_IS_DEVICE (self), NULL);
  return self->message;
}

static void
ks_device_dispose (GObject *object)
{
  KsDevice *self = (KsDevice *)object;

  cancel_retry (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_device_parent_class)->dispose (object);
}

static void
ks_device_finalize (GObject *object)
{
  KsDevice *self = (KsDevice *)object;

  g_clear_pointer (&self->udid, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->product_type, g_free);
  g_clear_pointer (&self->model_name, g_free);
  g_clear_pointer (&self->ios_version, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (ks_device_parent_class)->finalize (object);
}

static void
ks_device_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsDevice *self = KS_DEVICE (object);

  switch (prop_id)
    {
    case PROP_UDID:
      g_value_set_string (value, ks_device_get_udid (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, ks_device_get_name (self));
      break;
    case PROP_PRODUCT_TYPE:
      g_value_set_string (value, ks_device_get_product_type (self));
      break;
    case PROP_MODEL_NAME:
      g_value_set_string (value, ks_device_get_model_name (self));
      break;
    case PROP_IOS_VERSION:
      g_value_set_string (value, ks_device_get_ios_version (self));
      break;
    case PROP_STORAGE_TOTAL:
      g_value_set_uint64 (value, ks_device_get_storage_total (self));
      break;
    case PROP_STORAGE_FREE:
      g_value_set_uint64 (value, ks_device_get_storage_free (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, ks_device_get_state (self));
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, ks_device_get_message (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_device_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsDevice *self = KS_DEVICE (object);

  switch (prop_id)
    {
    case PROP_UDID:
      self->udid = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_device_class_init (KsDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_device_dispose;
  object_class->finalize = ks_device_finalize;
  object_class->get_property = ks_device_get_property;
  object_class->set_property = ks_device_set_property;

  properties[PROP_UDID] =
    g_param_spec_string ("udid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRODUCT_TYPE] =
    g_param_spec_string ("product-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_NAME] =
    g_param_spec_string ("model-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IOS_VERSION] =
    g_param_spec_string ("ios-version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STORAGE_TOTAL] =
    g_param_spec_uint64 ("storage-total", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STORAGE_FREE] =
    g_param_spec_uint64 ("storage-free", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KS_TYPE_DEVICE_STATE, KS_DEVICE_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_device_init (KsDevice *self)
{
  self->state = KS_DEVICE_STATE_CONNECTING;
  self->message = g_strdup (ks_device_state_describe (KS_DEVICE_STATE_CONNECTING));
  self->cancellable = g_cancellable_new ();
}
