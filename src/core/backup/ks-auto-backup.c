/* ks-auto-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ks-auto-backup.h"
#include "ks-device-source.h"
#include "ks-drive-monitor.h"

/* A run lost while the same device object still says "ready" (the monitor has not seen the
 * phone go yet, or a locked phone that lockdownd still answers) is tried again after the
 * settle time, this many times in a row at most; a new plug-in or a state change resets it. */
#define MAX_LOST_RETRIES 3

/* One phone, by UDID, for as long as it is plugged in and for the settle time after. */
typedef struct
{
  KsAutoBackup  *self;            /* (unowned) it frees us, and our timers, in dispose */
  char          *udid;
  KsDevice      *device;          /* (nullable) the monitor's current object; NULL: away */
  KsBackupRun   *run;             /* (nullable) the run asked for it */
  KsDevice      *run_device;      /* (nullable) the device object the run was asked for */
  gboolean       run_started;     /* ::run-started emitted for @run */
  gboolean       done;            /* a run ended (not by losing the phone) in this plug-in */
  gboolean       lost_here;       /* the last run lost @device: wait for a change or retry */
  gboolean       full_pending;    /* a full device backup is to follow the files' run */
  gboolean       asked;           /* ::device-undecided emitted for this plug-in */
  guint          lost_retries;
  char          *drive_id;        /* (nullable) a drive that arrived asks for a run */
  char          *run_drive_id;    /* (nullable) the drive @run was asked for */
  KsDeviceState  told;            /* the state ::device-waiting last said; READY: none */
  guint          forget_id;       /* settle timer after the phone went away */
  guint          retry_id;        /* retry of a lost run on the same device object */
} Tracked;

struct _KsAutoBackup
{
  GObject             parent_instance;

  KsDeviceMonitor    *monitor;
  KsBackupService    *service;
  KsAutoBackupPolicy  policy;
  char               *udid;       /* (nullable) only this phone */
  guint               settle_ms;
  gboolean            started;
  GHashTable         *tracked;    /* UDID → Tracked */

  KsDriveMonitor     *drives;     /* (nullable) */
  gboolean            drives_ready;
  GHashTable         *drives_here;   /* drive ids connected as last heard */
  GHashTable         *drives_left;   /* drive id → monotonic µs it went away */
};

enum {
  PROP_0,
  PROP_POLICY,
  PROP_UDID,
  PROP_SETTLE_TIME,
  N_PROPS
};

enum {
  RUN_STARTED,
  RUN_FINISHED,
  DEVICE_WAITING,
  REQUEST_FAILED,
  DEVICE_UNDECIDED,
  DRIVE_ARRIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KsAutoBackup, ks_auto_backup, G_TYPE_OBJECT)

static void     consider   (KsAutoBackup *self, Tracked *t);
static gboolean wants_full (KsAutoBackup *self, const char *udid);

/* ---- tracking ---- */

static void
tracked_free (gpointer data)
{
  Tracked *t = data;

  g_clear_handle_id (&t->forget_id, g_source_remove);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  g_clear_object (&t->device);
  g_clear_object (&t->run);
  g_clear_object (&t->run_device);
  g_free (t->drive_id);
  g_free (t->run_drive_id);
  g_free (t->udid);
  g_free (t);
}

static Tracked *
find_tracked_for_run (KsAutoBackup *self,
                      KsBackupRun  *run)
{
  GHashTableIter iter;
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (t->run == run)
      return t;
  return NULL;
}

static Tracked *
find_tracked_for_device (KsAutoBackup *self,
                         KsDevice     *device)
{
  GHashTableIter iter;
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (t->device == device)
      return t;
  return NULL;
}

static gboolean
is_waiting_state (KsDeviceState state)
{
  return state == KS_DEVICE_STATE_LOCKED ||
         state == KS_DEVICE_STATE_WAITING_FOR_TRUST ||
         state == KS_DEVICE_STATE_TRUST_DENIED ||
         state == KS_DEVICE_STATE_PAIRING_LOST;
}

static void
run_state_cb (KsAutoBackup *self,
              GParamSpec   *pspec,
              KsBackupRun  *run)
{
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  t = find_tracked_for_run (self, run);
  if (t == NULL || t->run_started || ks_backup_run_get_state (run) != KS_BACKUP_RUN_RUNNING)
    return;

  t->run_started = TRUE;
  g_signal_emit (self, signals[RUN_STARTED], 0, t->run_device, run);
}

static gboolean
retry_cb (gpointer user_data)
{
  Tracked *t = user_data;

  t->retry_id = 0;
  t->lost_here = FALSE;
  consider (t->self, t);
  return G_SOURCE_REMOVE;
}

static gboolean
run_lost_phone (const GError *error)
{
  return g_error_matches (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_SOURCE_LOST) ||
         (error != NULL && error->domain == KS_DEVICE_ERROR) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
run_finished_cb (KsAutoBackup *self,
                 KsBackupRun  *run)
{
  g_autoptr(KsBackupRun) finished = NULL;
  g_autoptr(KsDevice) device = NULL;
  g_autofree char *finished_udid = NULL;
  g_autofree char *run_drive_id = NULL;
  const GError *error = ks_backup_run_get_error (run);
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  t = find_tracked_for_run (self, run);
  if (t == NULL)
    return;

  g_signal_handlers_disconnect_by_data (run, self);
  finished = g_steal_pointer (&t->run);
  device = g_steal_pointer (&t->run_device);
  run_drive_id = g_steal_pointer (&t->run_drive_id);
  t->run_started = FALSE;

  if (run_lost_phone (error))
    {
      /* The drive still wants its run when the phone is back, a full backup its own. */
      if (t->drive_id == NULL)
        t->drive_id = g_strdup (run_drive_id);
      if (ks_backup_run_is_full_backup (finished))
        t->full_pending = TRUE;
      /* Started again when the phone is back (a new device object, or this one ready again
       * after a state change), or after the settle time if nothing seems to have changed. */
      t->done = FALSE;
      if (t->device != NULL && t->device == device)
        {
          t->lost_here = TRUE;
          if (t->lost_retries++ < MAX_LOST_RETRIES && t->retry_id == 0)
            t->retry_id = g_timeout_add (MAX (self->settle_ms, 100), retry_cb, t);
        }
    }
  else
    {
      /* Through, partly through, cancelled, or a problem a new plug-in may fix (a drive
       * not mounted): not again in this plug-in. */
      t->done = TRUE;
      t->lost_retries = 0;
      /* Photos and videos first (quick, and what matters most), then the full backup the
       * person chose for this phone. */
      if (!ks_backup_run_is_full_backup (finished) && !ks_backup_run_is_cancelled (finished)
          && t->device != NULL && t->device == device && wants_full (self, t->udid))
        t->full_pending = TRUE;
    }

  finished_udid = g_strdup (t->udid);
  g_signal_emit (self, signals[RUN_FINISHED], 0, device, finished);

  /* The phone left and its settle time passed while the run was ending. */
  t = g_hash_table_lookup (self->tracked, finished_udid);
  if (t != NULL && t->device == NULL && t->run == NULL && t->forget_id == 0)
    g_hash_table_remove (self->tracked, t->udid);
  /* Back already as a new device object while the lost run was ending, or a drive arrived
   * during the run: its run now, one after the other. */
  else if (t != NULL && t->device != NULL)
    consider (self, t);
}

static gboolean
auto_backup_enabled (KsAutoBackup *self,
                     const char   *udid)
{
  KsCatalog *catalog = ks_backup_service_get_catalog (self->service);

  g_assert (KS_IS_AUTO_BACKUP (self));

  if (self->udid != NULL && g_strcmp0 (self->udid, udid) != 0)
    return FALSE;

  switch (ks_auto_backup_get_device_setting (catalog, udid))
    {
    case KS_AUTO_BACKUP_SETTING_ON:
      return TRUE;
    case KS_AUTO_BACKUP_SETTING_OFF:
      return FALSE;
    case KS_AUTO_BACKUP_SETTING_UNSET:
    default:
      return self->policy == KS_AUTO_BACKUP_POLICY_ALL;
    }
}

/* A drive whose switch is on backs up every phone that is here, except one switched off. */
static gboolean
wanted_by_drive (KsAutoBackup *self,
                 Tracked      *t)
{
  g_assert (KS_IS_AUTO_BACKUP (self));

  return t->drive_id != NULL
         && (self->udid == NULL || g_strcmp0 (self->udid, t->udid) == 0)
         && ks_auto_backup_get_device_setting (ks_backup_service_get_catalog (self->service), t->udid)
            != KS_AUTO_BACKUP_SETTING_OFF;
}

/* The phone's full-backup switch is on and the plan has somewhere to keep a full backup. */
static gboolean
wants_full (KsAutoBackup *self,
            const char   *udid)
{
  g_autoptr(GPtrArray) folders = NULL;

  g_assert (KS_IS_AUTO_BACKUP (self));

  if (!ks_auto_backup_get_device_full (ks_backup_service_get_catalog (self->service), udid))
    return FALSE;
  folders = ks_backup_plan_dup_enabled (ks_backup_service_get_plan (self->service), KS_BACKUP_METHOD_FULL);
  return folders != NULL && folders->len > 0;
}

static void
request_run (KsAutoBackup *self,
             Tracked      *t)
{
  g_autoptr(KsDeviceSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) plan_error = NULL;
  KsBackupRun *run;

  g_assert (KS_IS_AUTO_BACKUP (self));

  /* Another front end (keepsake-cli destinations, the window) may have edited the plan. */
  if (!ks_backup_plan_reload (ks_backup_service_get_plan (self->service), &plan_error))
    g_debug ("Backup plan not reloaded: %s", plan_error->message);

  source = ks_device_source_new_for_device (t->device);
  if (t->full_pending)
    {
      t->full_pending = FALSE;
      run = ks_backup_service_full_backup (self->service, KS_SOURCE (source), NULL, "monitor", &error);
    }
  else
    run = ks_backup_service_back_up (self->service, KS_SOURCE (source), NULL, NULL, "monitor", &error);
  if (run == NULL)
    {
      /* Not again until the next plug-in: no error loop. */
      t->done = TRUE;
      g_clear_pointer (&t->drive_id, g_free);
      g_signal_emit (self, signals[REQUEST_FAILED], 0, t->device, error);
      return;
    }

  t->run = run;
  t->run_device = g_object_ref (t->device);
  g_free (t->run_drive_id);
  t->run_drive_id = g_steal_pointer (&t->drive_id);
  t->run_started = FALSE;
  g_signal_connect_object (run, "notify::state", G_CALLBACK (run_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "finished", G_CALLBACK (run_finished_cb), self, G_CONNECT_SWAPPED);

  if (ks_backup_run_get_state (run) == KS_BACKUP_RUN_RUNNING)
    run_state_cb (self, NULL, run);
}

/* Decides what to do about a phone that is here: wait, say why, or back it up. */
static void
consider (KsAutoBackup *self,
          Tracked      *t)
{
  KsDeviceState state;

  g_assert (KS_IS_AUTO_BACKUP (self));

  if (!self->started || t->device == NULL)
    return;

  state = ks_device_get_state (t->device);
  if (is_waiting_state (state))
    {
      if (t->told != state && (auto_backup_enabled (self, t->udid) || wanted_by_drive (self, t)))
        {
          t->told = state;
          g_signal_emit (self, signals[DEVICE_WAITING], 0, t->device, state);
        }
      return;
    }
  if (state != KS_DEVICE_STATE_READY)
    return;

  t->told = KS_DEVICE_STATE_READY;
  if (t->run != NULL || t->lost_here)
    return;
  if (wanted_by_drive (self, t) || t->full_pending)
    {
      /* Even when this plug-in was backed up already: the drive was not there then. */
      request_run (self, t);
      return;
    }
  if (t->done)
    return;
  if (!auto_backup_enabled (self, t->udid))
    {
      /* Nobody decided for this phone yet: the front end may ask, once per plug-in. */
      if (!t->asked && self->policy == KS_AUTO_BACKUP_POLICY_SWITCHED_ON
          && (self->udid == NULL || g_strcmp0 (self->udid, t->udid) == 0)
          && ks_auto_backup_get_device_setting (ks_backup_service_get_catalog (self->service), t->udid)
             == KS_AUTO_BACKUP_SETTING_UNSET)
        {
          t->asked = TRUE;
          g_signal_emit (self, signals[DEVICE_UNDECIDED], 0, t->device);
        }
      return;
    }

  request_run (self, t);
}

static void
device_state_cb (KsAutoBackup *self,
                 GParamSpec   *pspec,
                 KsDevice     *device)
{
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  t = find_tracked_for_device (self, device);
  if (t == NULL)
    return;

  /* A phone that went through another state (locked and unlocked again) is worth a try. */
  if (ks_device_get_state (device) != KS_DEVICE_STATE_READY)
    {
      t->lost_here = FALSE;
      g_clear_handle_id (&t->retry_id, g_source_remove);
    }
  consider (self, t);
}

static gboolean
forget_cb (gpointer user_data)
{
  Tracked *t = user_data;

  t->forget_id = 0;
  /* Away longer than the settle time: the next plug-in is a new one. A run still ending
   * keeps the entry until it has finished. */
  t->done = FALSE;
  t->asked = FALSE;
  t->lost_retries = 0;
  t->full_pending = FALSE;
  g_clear_pointer (&t->drive_id, g_free);
  if (t->run == NULL && t->device == NULL)
    g_hash_table_remove (t->self->tracked, t->udid);
  return G_SOURCE_REMOVE;
}

static void
device_gone (KsAutoBackup *self,
             Tracked      *t)
{
  g_assert (KS_IS_AUTO_BACKUP (self));

  if (t->device != NULL)
    {
      g_signal_handlers_disconnect_by_data (t->device, self);
      g_clear_object (&t->device);
    }
  g_clear_handle_id (&t->retry_id, g_source_remove);
  t->lost_here = FALSE;
  t->told = KS_DEVICE_STATE_READY;
  if (t->forget_id == 0)
    t->forget_id = g_timeout_add (self->settle_ms, forget_cb, t);
}

static void
device_here (KsAutoBackup *self,
             KsDevice     *device)
{
  const char *udid = ks_device_get_udid (device);
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  if (self->udid != NULL && g_strcmp0 (self->udid, udid) != 0)
    return;

  t = g_hash_table_lookup (self->tracked, udid);
  if (t != NULL && t->device == device)
    return;
  if (t != NULL && t->device != NULL)
    device_gone (self, t);
  if (t == NULL)
    {
      t = g_new0 (Tracked, 1);
      t->self = self;
      t->udid = g_strdup (udid);
      t->told = KS_DEVICE_STATE_READY;
      g_hash_table_insert (self->tracked, t->udid, t);
    }

  /* Back within the settle time: the same plug-in. */
  g_clear_handle_id (&t->forget_id, g_source_remove);
  t->device = g_object_ref (device);
  g_signal_connect_object (device, "notify::state", G_CALLBACK (device_state_cb), self, G_CONNECT_SWAPPED);
  consider (self, t);
}

static void
sync_devices (KsAutoBackup *self)
{
  GListModel *devices = ks_device_monitor_get_devices (self->monitor);
  guint n = g_list_model_get_n_items (devices);
  g_autoptr(GPtrArray) present = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  Tracked *t;

  g_assert (KS_IS_AUTO_BACKUP (self));

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (present, g_list_model_get_item (devices, i));

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (t->device != NULL && !g_ptr_array_find (present, t->device, NULL))
      g_ptr_array_add (gone, t);
  for (guint i = 0; i < gone->len; i++)
    device_gone (self, g_ptr_array_index (gone, i));

  for (guint i = 0; i < present->len; i++)
    device_here (self, g_ptr_array_index (present, i));
}

static void
devices_changed_cb (KsAutoBackup *self,
                    guint         position,
                    guint         removed,
                    guint         added,
                    GListModel   *devices)
{
  g_assert (KS_IS_AUTO_BACKUP (self));

  sync_devices (self);
}

/* ---- drives ---- */

/* A drive switched on arrived (not back within the settle time): each phone that is here
 * gets a run after the one it may have now; ::drive-arrived says for how many. */
static void
drive_arrived (KsAutoBackup *self,
               const char   *id)
{
  KsBackupPlan *plan = ks_backup_service_get_plan (self->service);
  KsPlanDestination *dest;
  g_autoptr(GPtrArray) here = g_ptr_array_new ();
  gpointer left;
  GHashTableIter iter;
  Tracked *t;
  guint n = 0;

  g_assert (KS_IS_AUTO_BACKUP (self));

  if (g_hash_table_lookup_extended (self->drives_left, id, NULL, &left)
      && g_get_monotonic_time () - *(gint64 *)left < (gint64)self->settle_ms * 1000)
    return;
  /* A drive switched off in the plan gets nothing from a run of the plan. */
  dest = ks_backup_plan_lookup (plan, id);
  if (dest == NULL || !ks_plan_destination_get_enabled (dest) || !ks_auto_backup_get_drive_setting (plan, id))
    return;

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&t))
    if (t->device != NULL)
      {
        g_free (t->drive_id);
        t->drive_id = g_strdup (id);
        if (wanted_by_drive (self, t))
          {
            g_ptr_array_add (here, t);
            n++;
          }
        else
          g_clear_pointer (&t->drive_id, g_free);
      }

  g_signal_emit (self, signals[DRIVE_ARRIVED], 0, id, n);
  for (guint i = 0; i < here->len; i++)
    consider (self, g_ptr_array_index (here, i));
}

static void
drive_changed_cb (KsAutoBackup   *self,
                  const char     *id,
                  gboolean        connected,
                  KsDriveMonitor *drives)
{
  gboolean was_here;

  g_assert (KS_IS_AUTO_BACKUP (self));

  was_here = g_hash_table_contains (self->drives_here, id);
  if (!connected)
    {
      if (was_here)
        {
          gint64 *now = g_new (gint64, 1);

          *now = g_get_monotonic_time ();
          g_hash_table_remove (self->drives_here, id);
          g_hash_table_insert (self->drives_left, g_strdup (id), now);
        }
      return;
    }
  if (was_here)
    return;   /* mounted somewhere else */
  g_hash_table_add (self->drives_here, g_strdup (id));

  /* Drives plugged in before we looked are not a plug-in. */
  if (self->drives_ready && self->started)
    drive_arrived (self, id);
}

static void
drives_ready_cb (KsAutoBackup *self)
{
  g_assert (KS_IS_AUTO_BACKUP (self));

  self->drives_ready = TRUE;
}

/**
 * ks_auto_backup_set_drive_monitor:
 * @drives: the plan's drive destinations, as they come and go
 *
 * A drive destination whose switch is on (ks_auto_backup_set_drive_setting()) that is
 * plugged in starts the plan's run for each phone that is here (whether or not the phone's
 * own switch is on, unless it is switched off), after the run the phone may have now: never
 * two at once. Drives already plugged in when the monitor first looks are not a plug-in.
 * ::drive-arrived (const char *id, guint n_devices) tells of each such arrival; with no
 * phone here there is nothing to copy from, and a front end may ask for one.
 */
void
ks_auto_backup_set_drive_monitor (KsAutoBackup   *self,
                                  KsDriveMonitor *drives)
{
  g_return_if_fail (KS_IS_AUTO_BACKUP (self));
  g_return_if_fail (KS_IS_DRIVE_MONITOR (drives));
  g_return_if_fail (self->drives == NULL);

  self->drives = g_object_ref (drives);
  self->drives_ready = ks_drive_monitor_is_ready (drives);
  g_signal_connect_object (drives, "drive-changed", G_CALLBACK (drive_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (drives, "ready", G_CALLBACK (drives_ready_cb), self, G_CONNECT_SWAPPED);
}

/**
 * ks_auto_backup_get_run_drive:
 *
 * Returns: (nullable): the id of the drive whose arrival asked for @udid's current run, or
 *   %NULL when the phone's own plug-in did
 */
const char *
ks_auto_backup_get_run_drive (KsAutoBackup *self,
                              const char   *udid)
{
  Tracked *t;

  g_return_val_if_fail (KS_IS_AUTO_BACKUP (self), NULL);
  g_return_val_if_fail (udid != NULL, NULL);

  t = g_hash_table_lookup (self->tracked, udid);
  return t != NULL ? t->run_drive_id : NULL;
}

/* ---- GObject ---- */

static void
ks_auto_backup_dispose (GObject *object)
{
  KsAutoBackup *self = (KsAutoBackup *)object;

  if (self->tracked != NULL)
    {
      GHashTableIter iter;
      Tracked *t;

      g_hash_table_iter_init (&iter, self->tracked);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
        {
          if (t->device != NULL)
            g_signal_handlers_disconnect_by_data (t->device, self);
          if (t->run != NULL)
            g_signal_handlers_disconnect_by_data (t->run, self);
        }
      g_clear_pointer (&self->tracked, g_hash_table_unref);
    }
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (ks_device_monitor_get_devices (self->monitor), self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->service);
  g_clear_object (&self->drives);

  G_OBJECT_CLASS (ks_auto_backup_parent_class)->dispose (object);
}

static void
ks_auto_backup_finalize (GObject *object)
{
  KsAutoBackup *self = (KsAutoBackup *)object;

  g_free (self->udid);
  g_clear_pointer (&self->drives_here, g_hash_table_unref);
  g_clear_pointer (&self->drives_left, g_hash_table_unref);

  G_OBJECT_CLASS (ks_auto_backup_parent_class)->finalize (object);
}

static void
ks_auto_backup_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsAutoBackup *self = KS_AUTO_BACKUP (object);

  switch (prop_id)
    {
    case PROP_POLICY:
      g_value_set_int (value, self->policy);
      break;
    case PROP_UDID:
      g_value_set_string (value, self->udid);
      break;
    case PROP_SETTLE_TIME:
      g_value_set_uint (value, self->settle_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_auto_backup_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KsAutoBackup *self = KS_AUTO_BACKUP (object);

  switch (prop_id)
    {
    case PROP_POLICY:
      ks_auto_backup_set_policy (self, g_value_get_int (value));
      break;
    case PROP_UDID:
      ks_auto_backup_set_udid (self, g_value_get_string (value));
      break;
    case PROP_SETTLE_TIME:
      ks_auto_backup_set_settle_time (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_auto_backup_class_init (KsAutoBackupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_auto_backup_dispose;
  object_class->finalize = ks_auto_backup_finalize;
  object_class->get_property = ks_auto_backup_get_property;
  object_class->set_property = ks_auto_backup_set_property;

  properties[PROP_POLICY] =
    g_param_spec_int ("policy", NULL, NULL,
                      KS_AUTO_BACKUP_POLICY_ALL, KS_AUTO_BACKUP_POLICY_SWITCHED_ON,
                      KS_AUTO_BACKUP_POLICY_ALL,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UDID] =
    g_param_spec_string ("udid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTLE_TIME] =
    g_param_spec_uint ("settle-time", NULL, NULL, 0, G_MAXUINT, KS_AUTO_BACKUP_DEFAULT_SETTLE_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, KS_TYPE_DEVICE, KS_TYPE_BACKUP_RUN);
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, KS_TYPE_DEVICE, KS_TYPE_BACKUP_RUN);
  signals[DEVICE_WAITING] =
    g_signal_new ("device-waiting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, KS_TYPE_DEVICE, KS_TYPE_DEVICE_STATE);
  /**
   * KsAutoBackup::device-undecided:
   *
   * A trusted phone is ready whose switch nobody set, under the "switched on" policy (so it
   * is not backed up by itself): a front end may ask the person. Once per plug-in.
   */
  signals[DEVICE_UNDECIDED] =
    g_signal_new ("device-undecided", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_DEVICE);
  /**
   * KsAutoBackup::drive-arrived:
   * @id: the drive destination's id
   * @n_devices: the phones here that get a run for it (0: none is plugged in)
   *
   * A drive destination whose switch is on was plugged in.
   */
  signals[DRIVE_ARRIVED] =
    g_signal_new ("drive-arrived", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[REQUEST_FAILED] =
    g_signal_new ("request-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, KS_TYPE_DEVICE, G_TYPE_ERROR);
}

static void
ks_auto_backup_init (KsAutoBackup *self)
{
  self->settle_ms = KS_AUTO_BACKUP_DEFAULT_SETTLE_MS;
  self->tracked = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tracked_free);
  self->drives_here = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->drives_left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * ks_auto_backup_new:
 *
 * Returns: (transfer full): an automatic backup that does nothing until
 *   ks_auto_backup_start(); by default for every phone not switched off
 */
KsAutoBackup *
ks_auto_backup_new (KsDeviceMonitor *monitor,
                    KsBackupService *service)
{
  KsAutoBackup *self;

  g_return_val_if_fail (KS_IS_DEVICE_MONITOR (monitor), NULL);
  g_return_val_if_fail (KS_IS_BACKUP_SERVICE (service), NULL);

  self = g_object_new (KS_TYPE_AUTO_BACKUP, NULL);
  self->monitor = g_object_ref (monitor);
  self->service = g_object_ref (service);
  return self;
}

void
ks_auto_backup_set_policy (KsAutoBackup       *self,
                           KsAutoBackupPolicy  policy)
{
  g_return_if_fail (KS_IS_AUTO_BACKUP (self));

  if (self->policy == policy)
    return;
  self->policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLICY]);
}

KsAutoBackupPolicy
ks_auto_backup_get_policy (KsAutoBackup *self)
{
  g_return_val_if_fail (KS_IS_AUTO_BACKUP (self), KS_AUTO_BACKUP_POLICY_ALL);
  return self->policy;
}

/**
 * ks_auto_backup_set_udid:
 * @udid: (nullable): watch only this phone; %NULL: every phone
 *
 * Set before ks_auto_backup_start().
 */
void
ks_auto_backup_set_udid (KsAutoBackup *self,
                         const char   *udid)
{
  g_return_if_fail (KS_IS_AUTO_BACKUP (self));
  g_return_if_fail (!self->started);

  if (g_strcmp0 (self->udid, udid) == 0)
    return;
  g_free (self->udid);
  self->udid = g_strdup (udid);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UDID]);
}

const char *
ks_auto_backup_get_udid (KsAutoBackup *self)
{
  g_return_val_if_fail (KS_IS_AUTO_BACKUP (self), NULL);
  return self->udid;
}

/**
 * ks_auto_backup_set_settle_time:
 *
 * How long a phone may be away and come back as the same plug-in (default
 * %KS_AUTO_BACKUP_DEFAULT_SETTLE_MS); also the pause before a run lost with no sign of the
 * phone leaving is tried again.
 */
void
ks_auto_backup_set_settle_time (KsAutoBackup *self,
                                guint         milliseconds)
{
  g_return_if_fail (KS_IS_AUTO_BACKUP (self));

  if (self->settle_ms == milliseconds)
    return;
  self->settle_ms = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTLE_TIME]);
}

guint
ks_auto_backup_get_settle_time (KsAutoBackup *self)
{
  g_return_val_if_fail (KS_IS_AUTO_BACKUP (self), 0);
  return self->settle_ms;
}

/**
 * ks_auto_backup_start:
 *
 * Starts watching (the monitor should be started too): phones already plugged in and ready
 * are backed up now.
 */
void
ks_auto_backup_start (KsAutoBackup *self)
{
  g_return_if_fail (KS_IS_AUTO_BACKUP (self));

  if (self->started)
    return;
  self->started = TRUE;

  g_signal_connect_object (ks_device_monitor_get_devices (self->monitor), "items-changed",
                           G_CALLBACK (devices_changed_cb), self, G_CONNECT_SWAPPED);
  sync_devices (self);
}

/**
 * ks_auto_backup_reconsider:
 *
 * Looks again at the phones that are here, after a switch changed (the person said yes).
 */
void
ks_auto_backup_reconsider (KsAutoBackup *self)
{
  GHashTableIter iter;
  Tracked *t;

  g_return_if_fail (KS_IS_AUTO_BACKUP (self));

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&t))
    consider (self, t);
}

/**
 * ks_auto_backup_is_enabled_for:
 *
 * Returns: whether @udid is backed up when it is plugged in (its switch, else the policy;
 *   and the UDID filter)
 */
gboolean
ks_auto_backup_is_enabled_for (KsAutoBackup *self,
                               const char   *udid)
{
  g_return_val_if_fail (KS_IS_AUTO_BACKUP (self), FALSE);
  g_return_val_if_fail (udid != NULL, FALSE);

  return auto_backup_enabled (self, udid);
}

/**
 * ks_auto_backup_get_run:
 *
 * Returns: (transfer none) (nullable): the run asked for @udid, queued or running
 */
KsBackupRun *
ks_auto_backup_get_run (KsAutoBackup *self,
                        const char   *udid)
{
  Tracked *t;

  g_return_val_if_fail (KS_IS_AUTO_BACKUP (self), NULL);
  g_return_val_if_fail (udid != NULL, NULL);

  t = g_hash_table_lookup (self->tracked, udid);
  return t != NULL ? t->run : NULL;
}
