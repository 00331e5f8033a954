/* ks-backup-secret.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One keyring item per device (see the header). The async calls run the blocking ones on a
 * worker, so that the password is wiped from every copy this code makes. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "ks-backup-encryption.h"
#include "ks-backup-secret.h"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    .name = "io.github.keepsake.Keepsake.BackupPassword",
    .flags = SECRET_SCHEMA_NONE,
    .attributes = {
      { "udid", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/**
 * ks_backup_secret_store:
 * @device_name: (nullable): for the item's label
 *
 * Keeps @password in the keyring for the device @udid, replacing the one it had.
 */
gboolean
ks_backup_secret_store (const char    *udid,
                        const char    *device_name,
                        const char    *password,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = NULL;

  g_return_val_if_fail (udid != NULL && password != NULL, FALSE);

  /* TRANSLATORS: the keyring item's name; %s is the iPhone's name */
  label = g_strdup_printf (_("Keepsake backup password for %s"),
                           device_name != NULL && *device_name ? device_name : udid);
  if (!secret_password_store_sync (get_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                                   cancellable, &local_error, "udid", udid, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The password could not be kept in the keyring: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

char *
ks_backup_secret_lookup (const char    *udid,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *secret;
  char *copy;

  g_return_val_if_fail (udid != NULL, NULL);

  secret = secret_password_lookup_sync (get_schema (), cancellable, &local_error, "udid", udid, NULL);
  if (secret == NULL)
    {
      if (local_error != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     _("The password could not be read from the keyring: %s"), local_error->message);
      return NULL;
    }
  copy = g_strdup (secret);
  secret_password_free (secret);
  return copy;
}

gboolean
ks_backup_secret_clear (const char    *udid,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (udid != NULL, FALSE);

  if (!secret_password_clear_sync (get_schema (), cancellable, &local_error, "udid", udid, NULL)
      && local_error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The password could not be removed from the keyring: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- on a worker ---- */

typedef struct
{
  char *udid;
  char *device_name;
  char *password;
} SecretData;

static void
secret_data_free (SecretData *data)
{
  g_free (data->udid);
  g_free (data->device_name);
  ks_backup_password_free (data->password);
  g_free (data);
}

static GTask *
new_task (const char          *udid,
          const char          *device_name,
          const char          *password,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SecretData *data = g_new0 (SecretData, 1);

  data->udid = g_strdup (udid);
  data->device_name = g_strdup (device_name);
  data->password = g_strdup (password);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, data, (GDestroyNotify) secret_data_free);
  return task;
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SecretData *data = task_data;
  GError *error = NULL;
  char *password = ks_backup_secret_lookup (data->udid, cancellable, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, password, (GDestroyNotify) ks_backup_password_free);
}

void
ks_backup_secret_lookup_async (const char          *udid,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (udid != NULL);

  task = new_task (udid, NULL, NULL, cancellable, callback, user_data, ks_backup_secret_lookup_async);
  g_task_run_in_thread (task, lookup_thread);
}

/**
 * ks_backup_secret_lookup_finish:
 *
 * Returns: (transfer full) (nullable): as ks_backup_secret_lookup()
 */
char *
ks_backup_secret_lookup_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
update_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SecretData *data = task_data;
  GError *error = NULL;
  gboolean ok;

  if (data->password != NULL)
    ok = ks_backup_secret_store (data->udid, data->device_name, data->password, cancellable, &error);
  else
    ok = ks_backup_secret_clear (data->udid, cancellable, &error);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
ks_backup_secret_update_async (const char          *udid,
                               const char          *device_name,
                               const char          *password,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (udid != NULL);

  task = new_task (udid, device_name, password, cancellable, callback, user_data,
                   ks_backup_secret_update_async);
  g_task_run_in_thread (task, update_thread);
}

gboolean
ks_backup_secret_update_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
