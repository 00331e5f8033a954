/* ks-rclone-secret.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One keyring item per location. All calls block (D-Bus to the secret service): call them
 * on a worker. */

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "ks-rclone-secret.h"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    .name = "io.github.keepsake.Keepsake.Destination",
    .flags = SECRET_SCHEMA_NONE,
    .attributes = {
      { "location", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/**
 * ks_rclone_secret_dup_label:
 *
 * Returns: (transfer full) (nullable): the label the keyring shows for the item kept for
 *   @location, or %NULL when there is none (or the keyring cannot be read)
 */
char *
ks_rclone_secret_dup_label (const char   *location,
                            GCancellable *cancellable)
{
  GList *found = secret_password_search_sync (get_schema (), SECRET_SEARCH_NONE, cancellable, NULL,
                                              "location", location, NULL);
  char *label = found != NULL ? secret_retrievable_get_label (found->data) : NULL;

  g_list_free_full (found, g_object_unref);
  return label;
}

/**
 * ks_rclone_secret_store:
 * @label: (nullable): what the keyring shows ("Keepsake backup destination Photos on
 *   nas.local"); %NULL keeps the label of the item it replaces (a renewed sign-in token
 *   stays under the name the user knows it by), @fallback_label when there is none
 * @fallback_label: the label when @label is %NULL and there is no item yet
 *
 * Keeps @secret in the keyring for @location, replacing the one it had.
 */
gboolean
ks_rclone_secret_store (const char    *location,
                        const char    *label,
                        const char    *fallback_label,
                        const char    *secret,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *current = NULL;

  g_return_val_if_fail (location != NULL && (label != NULL || fallback_label != NULL), FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  if (label == NULL)
    label = current = ks_rclone_secret_dup_label (location, cancellable);
  if (label == NULL)
    label = fallback_label;

  return secret_password_store_sync (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                                     cancellable, error, "location", location, NULL);
}

/**
 * ks_rclone_secret_lookup:
 *
 * Returns: (transfer full): the secret kept for @location, or %NULL with @error set (also
 *   when there is none)
 */
char *
ks_rclone_secret_lookup (const char    *location,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *secret;
  char *copy;

  g_return_val_if_fail (location != NULL, NULL);

  secret = secret_password_lookup_sync (get_schema (), cancellable, &local_error,
                                        "location", location, NULL);
  if (secret == NULL)
    {
      if (local_error != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     _("The password could not be read from the keyring: %s"), local_error->message);
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             _("The keyring holds no password for this destination; add it again"));
      return NULL;
    }

  copy = g_strdup (secret);
  secret_password_free (secret);
  return copy;
}

gboolean
ks_rclone_secret_clear (const char    *location,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (location != NULL, FALSE);

  if (!secret_password_clear_sync (get_schema (), cancellable, &local_error,
                                   "location", location, NULL) && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}
