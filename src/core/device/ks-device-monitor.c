/* ks-device-monitor.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Keeps the list of connected iPhones: usbmuxd events for prompt attach/detach, and a probe
 * every two seconds that notices a missing usbmuxd (libusbmuxd would wait in inotify forever)
 * and repairs the list should the event thread have lost its connection. */

#include "config.h"

#include <pthread.h>

#include <glib/gi18n.h>
#include <usbmuxd.h>

#include "ks-device-monitor.h"
#include "ks-device-private.h"

#define PROBE_INTERVAL_MS 2000

/* Shared between the monitor and libusbmuxd's event thread; the event thread must never own
 * a reference to the monitor (the last unref there would join that very thread). */
typedef struct
{
  gatomicrefcount  ref_count;
  GWeakRef         monitor;
  GMainContext    *context;
} Shared;

struct _KsDeviceMonitor
{
  GObject                         parent_instance;

  GListStore                     *devices;
  GMainContext                   *context;
  Shared                         *shared;
  usbmuxd_subscription_context_t  subscription;
  GCancellable                   *cancellable;
  GSource                        *probe_source;
  char                           *message;
  guint                           event_serial;
  guint                           started : 1;
  guint                           probing : 1;
  guint                           usbmuxd_missing : 1;
  guint                           watch_events : 1;
};

G_DEFINE_FINAL_TYPE (KsDeviceMonitor, ks_device_monitor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DEVICES,
  PROP_STARTED,
  PROP_USBMUXD_MISSING,
  PROP_MESSAGE,
  N_PROPS
};

enum {
  DEVICE_ADDED,
  DEVICE_REMOVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_probe (KsDeviceMonitor *self,
                            guint            interval_ms);

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (g_atomic_ref_count_dec (&shared->ref_count))
    {
      g_weak_ref_clear (&shared->monitor);
      g_main_context_unref (shared->context);
      g_free (shared);
    }
}

typedef struct
{
  Shared *shared;
  char   *udid;
  int     event;
} Event;

static void
event_free (Event *ev)
{
  shared_unref (ev->shared);
  g_free (ev->udid);
  g_free (ev);
}

static gboolean
find_device (KsDeviceMonitor *self,
             const char      *udid,
             guint           *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), i);

      if (g_strcmp0 (ks_device_get_udid (device), udid) == 0)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

static void
add_device (KsDeviceMonitor *self,
            const char      *udid)
{
  g_autoptr(KsDevice) device = NULL;
  guint position;

  if (find_device (self, udid, &position))
    return;

  device = ks_device_new (udid);
  g_list_store_append (self->devices, device);
  ks_device_connect (device);
  g_signal_emit (self, signals[DEVICE_ADDED], 0, device);
}

static void
remove_device (KsDeviceMonitor *self,
               const char      *udid)
{
  g_autoptr(KsDevice) device = NULL;
  guint position;

  if (!find_device (self, udid, &position))
    return;

  device = g_list_model_get_item (G_LIST_MODEL (self->devices), position);
  ks_device_set_disconnected (device);
  g_list_store_remove (self->devices, position);
  g_signal_emit (self, signals[DEVICE_REMOVED], 0, device);
}

static void
remove_all_devices (KsDeviceMonitor *self)
{
  while (g_list_model_get_n_items (G_LIST_MODEL (self->devices)) > 0)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), 0);

      remove_device (self, ks_device_get_udid (device));
    }
}

static gboolean
dispatch_event_cb (gpointer user_data)
{
  Event *ev = user_data;
  g_autoptr(KsDeviceMonitor) self = g_weak_ref_get (&ev->shared->monitor);
  guint position;

  if (self == NULL || self->shared != ev->shared)
    return G_SOURCE_REMOVE;

  self->event_serial++;

  switch (ev->event)
    {
    case UE_DEVICE_ADD:
      add_device (self, ev->udid);
      break;
    case UE_DEVICE_REMOVE:
      remove_device (self, ev->udid);
      break;
    case UE_DEVICE_PAIRED:
      /* Someone (maybe another process) just paired: ask again at once instead of waiting
       * for the next retry. */
      if (find_device (self, ev->udid, &position))
        {
          g_autoptr(KsDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), position);

          if (ks_device_get_state (device) == KS_DEVICE_STATE_WAITING_FOR_TRUST)
            ks_device_retry (device);
        }
      break;
    default:
      break;
    }

  return G_SOURCE_REMOVE;
}

/* Runs on libusbmuxd's event thread. */
static void
usbmuxd_event_cb (const usbmuxd_event_t *event,
                  void                  *user_data)
{
  Shared *shared = user_data;
  Event *ev;
  int old_state;

  /* A phone reachable both by cable and Wi-Fi would show twice; we only do USB. */
  if (event->device.conn_type != CONNECTION_TYPE_USB)
    return;

  /* libusbmuxd stops its event thread with pthread_cancel(): never in the middle of
   * attaching the source (that would leave the main context's lock held). */
  pthread_setcancelstate (PTHREAD_CANCEL_DISABLE, &old_state);

  ev = g_new0 (Event, 1);
  ev->shared = shared_ref (shared);
  ev->udid = g_strdup (event->device.udid);
  ev->event = event->event;
  /* Always through an idle source, never synchronously: libusbmuxd replays known devices
   * to a new subscriber from inside usbmuxd_events_subscribe(), holding its listener lock. */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, dispatch_event_cb, ev, (GDestroyNotify) event_free);
    g_source_set_static_name (source, "[keepsake] usbmuxd event");
    g_source_attach (source, shared->context);
    g_source_unref (source);
  }

  pthread_setcancelstate (old_state, NULL);
}

static void
subscribe (KsDeviceMonitor *self)
{
  if (self->subscription != NULL)
    return;

  self->shared = g_new0 (Shared, 1);
  g_atomic_ref_count_init (&self->shared->ref_count);
  g_weak_ref_init (&self->shared->monitor, self);
  self->shared->context = g_main_context_ref (self->context);

  if (usbmuxd_events_subscribe (&self->subscription, usbmuxd_event_cb, self->shared) != 0)
    {
      self->subscription = NULL;
      g_clear_pointer (&self->shared, shared_unref);
    }
}

static void
unsubscribe (KsDeviceMonitor *self)
{
  if (self->subscription == NULL)
    return;

  /* Removes our callback (and, if we were the last listener, stops libusbmuxd's thread,
   * also when it sits in its inotify wait). Queued events see a different Shared and are dropped. */
  usbmuxd_events_unsubscribe (self->subscription);
  self->subscription = NULL;
  g_clear_pointer (&self->shared, shared_unref);
}

static void
set_usbmuxd_missing (KsDeviceMonitor *self,
                     gboolean         missing)
{
  const char *message = missing ? ks_device_state_describe (KS_DEVICE_STATE_USBMUXD_MISSING) : NULL;

  missing = !!missing;
  if (self->usbmuxd_missing == missing)
    return;

  self->usbmuxd_missing = missing;
  g_free (self->message);
  self->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USBMUXD_MISSING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

typedef struct
{
  gboolean   reachable;
  GPtrArray *udids;
  guint      event_serial;
} ProbeResult;

static void
probe_result_free (ProbeResult *result)
{
  g_clear_pointer (&result->udids, g_ptr_array_unref);
  g_free (result);
}

static void
probe_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ProbeResult *result = task_data;
  usbmuxd_device_info_t *list = NULL;
  int n = usbmuxd_get_device_list (&list);

  result->reachable = n >= 0;
  result->udids = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < n; i++)
    if (list[i].conn_type == CONNECTION_TYPE_USB)
      g_ptr_array_add (result->udids, g_strdup (list[i].udid));
  if (list != NULL)
    usbmuxd_device_list_free (&list);

  g_task_return_boolean (task, TRUE);
}

static gboolean
str_in_array (GPtrArray  *array,
              const char *str)
{
  for (guint i = 0; i < array->len; i++)
    if (g_strcmp0 (g_ptr_array_index (array, i), str) == 0)
      return TRUE;
  return FALSE;
}

static void
probe_cb (GObject      *object,
          GAsyncResult *res,
          gpointer      user_data)
{
  KsDeviceMonitor *self = KS_DEVICE_MONITOR (object);
  ProbeResult *result = g_task_get_task_data (G_TASK (res));

  self->probing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (res), NULL))
    return;

  if (!result->reachable)
    {
      unsubscribe (self);
      remove_all_devices (self);
      set_usbmuxd_missing (self, TRUE);
    }
  else
    {
      set_usbmuxd_missing (self, FALSE);
      if (self->watch_events)
        subscribe (self);

      /* Reconcile with the snapshot, unless an event arrived meanwhile (the snapshot may then
       * be older than what we know). */
      if (result->event_serial == self->event_serial)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));

          for (guint i = n; i > 0; i--)
            {
              g_autoptr(KsDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), i - 1);

              if (!str_in_array (result->udids, ks_device_get_udid (device)))
                remove_device (self, ks_device_get_udid (device));
            }
          for (guint i = 0; i < result->udids->len; i++)
            add_device (self, g_ptr_array_index (result->udids, i));
        }
    }

  if (!self->started)
    {
      self->started = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STARTED]);
    }

  schedule_probe (self, PROBE_INTERVAL_MS);
}

static void
probe (KsDeviceMonitor *self)
{
  g_autoptr(GTask) task = NULL;
  ProbeResult *result;

  if (self->probing)
    return;
  self->probing = TRUE;

  result = g_new0 (ProbeResult, 1);
  result->event_serial = self->event_serial;

  task = g_task_new (self, self->cancellable, probe_cb, NULL);
  g_task_set_source_tag (task, probe);
  g_task_set_name (task, "[keepsake] usbmuxd probe");
  g_task_set_task_data (task, result, (GDestroyNotify) probe_result_free);
  g_task_run_in_thread (task, probe_worker);
}

static gboolean
probe_timeout_cb (gpointer user_data)
{
  KsDeviceMonitor *self = user_data;

  g_clear_pointer (&self->probe_source, g_source_unref);
  probe (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_probe (KsDeviceMonitor *self,
                guint            interval_ms)
{
  if (self->probe_source != NULL)
    return;

  self->probe_source = g_timeout_source_new (interval_ms);
  g_source_set_callback (self->probe_source, probe_timeout_cb, self, NULL);
  g_source_set_static_name (self->probe_source, "[keepsake] usbmuxd probe");
  g_source_attach (self->probe_source, self->context);
}

/**
 * ks_device_monitor_start:
 * @self: a #KsDeviceMonitor
 *
 * Starts watching from the thread-default main context; devices, their state changes and
 * the signals are delivered there. #KsDeviceMonitor:started turns %TRUE once the first look
 * at usbmuxd is done (so "no device" can be told from "don't know yet").
 */
void
ks_device_monitor_start (KsDeviceMonitor *self)
{
  g_return_if_fail (KS_IS_DEVICE_MONITOR (self));

  if (self->context != NULL)
    return;

  self->context = g_main_context_ref_thread_default ();
  probe (self);
}

KsDeviceMonitor *
ks_device_monitor_new (void)
{
  return g_object_new (KS_TYPE_DEVICE_MONITOR, NULL);
}

/**
 * ks_device_monitor_set_watch_events:
 * @self: a #KsDeviceMonitor
 * @watch: whether to subscribe to usbmuxd's attach / detach events (the default)
 *
 * Call before ks_device_monitor_start(). Without events the list follows the probe every
 * two seconds alone. A process that lives seconds (keepsake-cli) does without them:
 * libusbmuxd ends its event thread with pthread_cancel() when the last subscriber leaves,
 * and a thread cancelled while it still greets usbmuxd loses what it allocated.
 */
void
ks_device_monitor_set_watch_events (KsDeviceMonitor *self,
                                    gboolean         watch)
{
  g_return_if_fail (KS_IS_DEVICE_MONITOR (self));
  g_return_if_fail (self->context == NULL);

  self->watch_events = !!watch;
}

gboolean
ks_device_monitor_get_started (KsDeviceMonitor *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (self), FALSE);
  return self->started;
}

gboolean
ks_device_monitor_get_usbmuxd_missing (KsDeviceMonitor *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (self), FALSE);
  return self->usbmuxd_missing;
}

/**
 * ks_device_monitor_get_message:
 *
 * Returns: (nullable): what to tell the user when usbmuxd is missing, else %NULL
 */
const char *
ks_device_monitor_get_message (KsDeviceMonitor *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (self), NULL);
  return self->message;
}

/**
 * ks_device_monitor_get_devices:
 *
 * Returns: (transfer none): a #GListModel of #KsDevice, in order of arrival
 */
GListModel *
ks_device_monitor_get_devices (KsDeviceMonitor *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (self), NULL);
  return G_LIST_MODEL (self->devices);
}

/**
 * ks_device_monitor_lookup:
 *
 * Returns: (transfer none) (nullable): the connected device with @udid
 */
KsDevice *
ks_device_monitor_lookup (KsDeviceMonitor *self,
                          const char      *udid)
{
  g_autoptr(KsDevice) device = NULL;
  guint position;

  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (self), NULL);

  if (!find_device (self, udid, &position))
    return NULL;
  device = g_list_model_get_item (G_LIST_MODEL (self->devices), position);
  return device;  /* the store keeps it alive */
}

static void
ks_device_monitor_dispose (GObject *object)
{
  KsDeviceMonitor *self = (KsDeviceMonitor *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->probe_source != NULL)
    {
      g_source_destroy (self->probe_source);
      g_clear_pointer (&self->probe_source, g_source_unref);
    }
  unsubscribe (self);
  if (self->devices != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(KsDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
          ks_device_set_disconnected (device);
        }
    }
  g_clear_object (&self->devices);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_device_monitor_parent_class)->dispose (object);
}

static void
ks_device_monitor_finalize (GObject *object)
{
  KsDeviceMonitor *self = (KsDeviceMonitor *)object;

  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (ks_device_monitor_parent_class)->finalize (object);
}

static void
ks_device_monitor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KsDeviceMonitor *self = KS_DEVICE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_DEVICES:
      g_value_set_object (value, self->devices);
      break;
    case PROP_STARTED:
      g_value_set_boolean (value, self->started);
      break;
    case PROP_USBMUXD_MISSING:
      g_value_set_boolean (value, self->usbmuxd_missing);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_device_monitor_class_init (KsDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_device_monitor_dispose;
  object_class->finalize = ks_device_monitor_finalize;
  object_class->get_property = ks_device_monitor_get_property;

  properties[PROP_DEVICES] =
    g_param_spec_object ("devices", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STARTED] =
    g_param_spec_boolean ("started", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USBMUXD_MISSING] =
    g_param_spec_boolean ("usbmuxd-missing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[DEVICE_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_DEVICE);
  signals[DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_DEVICE);
}

static void
ks_device_monitor_init (KsDeviceMonitor *self)
{
  self->devices = g_list_store_new (KS_TYPE_DEVICE);
  self->cancellable = g_cancellable_new ();
  self->watch_events = TRUE;
}
