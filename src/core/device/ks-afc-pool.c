/* ks-afc-pool.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A few idle AFC sessions per iPhone, so that an import, thumbnails and a folder walk can each
 * have their own (afc_client_t is not thread-safe) without a lockdownd handshake per file. */

#include "config.h"

#include <glib/gi18n.h>
#include <libimobiledevice/lockdown.h>

#include "ks-afc-error.h"
#include "ks-afc-pool.h"
#include "ks-device-private.h"

#define MAX_IDLE 4

struct _KsAfcConnection
{
  idevice_t    device;
  afc_client_t client;
  gboolean     broken;
};

struct _KsAfcPool
{
  GObject  parent_instance;

  char    *udid;
  GMutex   mutex;
  GQueue   idle;
};

G_DEFINE_FINAL_TYPE (KsAfcPool, ks_afc_pool, G_TYPE_OBJECT)

static void
connection_free (KsAfcConnection *connection)
{
  if (connection->client != NULL)
    afc_client_free (connection->client);
  if (connection->device != NULL)
    idevice_free (connection->device);
  g_free (connection);
}

/* Starts one AFC service over @lockdown (already handshaked), on a usbmuxd connection of its
 * own made through @device (taken; NULL: a new handle). */
static KsAfcConnection *
connection_start (const char          *udid,
                  lockdownd_client_t   lockdown,
                  idevice_t            device,
                  GError             **error)
{
  lockdownd_service_descriptor_t service = NULL;
  lockdownd_error_t lerr;
  afc_client_t client = NULL;
  afc_error_t aerr;
  KsAfcConnection *connection;

  lerr = lockdownd_start_service (lockdown, AFC_SERVICE_NAME, &service);
  if (lerr != LOCKDOWN_E_SUCCESS)
    {
      _ks_device_set_lockdown_error (udid, lerr, error);
      if (device != NULL)
        idevice_free (device);
      return NULL;
    }

  if (device == NULL &&
      idevice_new_with_options (&device, udid, IDEVICE_LOOKUP_USBMUX) != IDEVICE_E_SUCCESS)
    {
      lockdownd_service_descriptor_free (service);
      g_set_error_literal (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_NOT_FOUND,
                           ks_device_state_describe (KS_DEVICE_STATE_DISCONNECTED));
      return NULL;
    }

  aerr = afc_client_new (device, service, &client);
  lockdownd_service_descriptor_free (service);
  if (aerr != AFC_E_SUCCESS)
    {
      g_set_error (error, KS_DEVICE_ERROR, KS_DEVICE_ERROR_FAILED,
                   _("Could not open the iPhone's file service (AFC error %d)"), (int) aerr);
      idevice_free (device);
      return NULL;
    }

  connection = g_new0 (KsAfcConnection, 1);
  connection->device = device;
  connection->client = client;
  return connection;
}

static KsAfcConnection *
connection_open (const char  *udid,
                 GError     **error)
{
  idevice_t device = NULL;
  lockdownd_client_t lockdown = NULL;
  KsAfcConnection *connection;

  if (!_ks_device_open_lockdown (udid, "keepsake-afc", &device, &lockdown, error))
    return NULL;

  connection = connection_start (udid, lockdown, device, error);
  lockdownd_client_free (lockdown);
  return connection;
}

/**
 * ks_afc_pool_acquire:
 *
 * Blocking. Hands out an idle session or opens a new one. Give it back with
 * ks_afc_pool_release() from the same thread that used it.
 */
KsAfcConnection *
ks_afc_pool_acquire (KsAfcPool     *self,
                     GCancellable  *cancellable,
                     GError       **error)
{
  KsAfcConnection *connection;

  g_return_val_if_fail (KS_IS_AFC_POOL (self), NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_mutex_lock (&self->mutex);
  connection = g_queue_pop_head (&self->idle);
  g_mutex_unlock (&self->mutex);

  if (connection != NULL)
    return connection;

  return connection_open (self->udid, error);
}

void
ks_afc_pool_release (KsAfcPool       *self,
                     KsAfcConnection *connection)
{
  g_return_if_fail (KS_IS_AFC_POOL (self));

  if (connection == NULL)
    return;

  g_mutex_lock (&self->mutex);
  if (!connection->broken && self->idle.length < MAX_IDLE)
    {
      g_queue_push_head (&self->idle, connection);
      connection = NULL;
    }
  g_mutex_unlock (&self->mutex);

  if (connection != NULL)
    connection_free (connection);
}

typedef struct
{
  KsAfcPool *pool;
  guint      n;
} Prewarm;

static gpointer
prewarm_thread (gpointer data)
{
  Prewarm *prewarm = data;
  KsAfcPool *self = prewarm->pool;
  guint n = prewarm->n;
  idevice_t device = NULL;
  lockdownd_client_t lockdown = NULL;

  g_assert (KS_IS_AFC_POOL (self));

  /* Only a head start: whatever fails here fails again, with its reason, on first use. */
  if (_ks_device_open_lockdown (self->udid, "keepsake-afc", &device, &lockdown, NULL))
    {
      for (guint i = 0; i < n; i++)
        {
          KsAfcConnection *connection = connection_start (self->udid, lockdown, NULL, NULL);
          gboolean full;

          if (connection == NULL)
            break;
          g_mutex_lock (&self->mutex);
          full = self->idle.length >= MAX_IDLE;
          if (!full)
            g_queue_push_tail (&self->idle, connection);
          g_mutex_unlock (&self->mutex);
          if (full)
            {
              connection_free (connection);
              break;
            }
        }
      lockdownd_client_free (lockdown);
      idevice_free (device);
    }

  g_object_unref (prewarm->pool);
  g_free (prewarm);
  _ks_device_probes_end ();
  return NULL;
}

/**
 * ks_afc_pool_prewarm:
 * @n: how many sessions users will soon want at once (at most 4 are kept)
 *
 * Opens @n idle sessions on a worker thread, over one lockdown handshake instead of one
 * each, so that the first users to come (a window's first thumbnails, asked for all at once)
 * find them ready instead of each waiting for a handshake of its own. Does not block.
 */
void
ks_afc_pool_prewarm (KsAfcPool *self,
                     guint      n)
{
  Prewarm *prewarm;

  g_return_if_fail (KS_IS_AFC_POOL (self));

  if (n == 0)
    return;

  /* Counted like a probe: the app waits for it before exit() tears OpenSSL down. */
  _ks_device_probes_begin ();
  prewarm = g_new0 (Prewarm, 1);
  prewarm->pool = g_object_ref (self);
  prewarm->n = MIN (n, MAX_IDLE);
  g_thread_unref (g_thread_new ("ks-afc-prewarm", prewarm_thread, prewarm));
}

afc_client_t
ks_afc_connection_get_client (KsAfcConnection *connection)
{
  return connection->client;
}

void
ks_afc_connection_mark_broken (KsAfcConnection *connection)
{
  connection->broken = TRUE;
}

gboolean
ks_afc_connection_is_broken (KsAfcConnection *connection)
{
  return connection->broken;
}

/* After the session broke: find out why (unplugged, locked, usbmuxd gone) with a fresh
 * lockdownd handshake, so the user hears the reason and not "I/O error". */
static void
set_session_lost_error (KsAfcPool    *self,
                        afc_error_t   aerr,
                        GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  KsAfcConnection *probe;

  probe = connection_open (self->udid, &local_error);
  if (probe != NULL)
    {
      /* Reachable again: the session itself failed. Keep the new session for the next user. */
      ks_afc_pool_release (self, probe);
      ks_afc_error_set (aerr, NULL, error);
      return;
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
}

/**
 * ks_afc_pool_set_error:
 * @connection: (nullable): the session that failed; marked broken when the error means
 *   the session is unusable
 *
 * Turns an AFC error into a #GError, as ks-afc-error.h says: file-level problems become
 * #GIOError codes (%G_IO_ERROR_NOT_FOUND …); a lost session becomes a %KS_DEVICE_ERROR that
 * says why (%KS_DEVICE_ERROR_NOT_FOUND when unplugged, %KS_DEVICE_ERROR_LOCKED …), or
 * %G_IO_ERROR_CONNECTION_CLOSED when the phone is still there. Blocking.
 *
 * Returns: %FALSE, for convenience
 */
gboolean
ks_afc_pool_set_error (KsAfcPool        *self,
                       KsAfcConnection  *connection,
                       afc_error_t       aerr,
                       const char       *path,
                       GError          **error)
{
  if (ks_afc_error_is_session_lost (aerr))
    {
      if (connection != NULL)
        ks_afc_connection_mark_broken (connection);
      set_session_lost_error (self, aerr, error);
      return FALSE;
    }

  ks_afc_error_set (aerr, path, error);
  return FALSE;
}

KsAfcPool *
ks_afc_pool_new (const char *udid)
{
  KsAfcPool *self;

  g_return_val_if_fail (udid != NULL, NULL);

  self = g_object_new (KS_TYPE_AFC_POOL, NULL);
  self->udid = g_strdup (udid);
  return self;
}

const char *
ks_afc_pool_get_udid (KsAfcPool *self)
{
  g_return_val_if_fail (KS_IS_AFC_POOL (self), NULL);
  return self->udid;
}

static void
ks_afc_pool_finalize (GObject *object)
{
  KsAfcPool *self = (KsAfcPool *)object;

  g_queue_clear_full (&self->idle, (GDestroyNotify) connection_free);
  g_mutex_clear (&self->mutex);
  g_clear_pointer (&self->udid, g_free);

  G_OBJECT_CLASS (ks_afc_pool_parent_class)->finalize (object);
}

static void
ks_afc_pool_class_init (KsAfcPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_afc_pool_finalize;
}

static void
ks_afc_pool_init (KsAfcPool *self)
{
  g_mutex_init (&self->mutex);
  g_queue_init (&self->idle);
}
