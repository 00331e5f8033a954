/* ks-settings.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Typed access to the settings whose values need more than g_settings_bind: the list of
 * destination folders, which falls back to a folder under Pictures so that a new user can back
 * up without configuring anything. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-settings.h"

/**
 * ks_settings_dup_default_destination:
 *
 * Returns: (transfer full): the folder used when none is configured: "iPhone" in the
 *   user's Pictures folder (created on demand by the first backup).
 */
char *
ks_settings_dup_default_destination (void)
{
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (pictures == NULL)
    pictures = g_get_home_dir ();

  /* Translators: the name of the default backup folder inside the Pictures folder */
  return g_build_filename (pictures, C_("folder name", "iPhone"), NULL);
}

/**
 * ks_settings_dup_destinations:
 *
 * Returns: (transfer full): the destination folders, never empty
 */
char **
ks_settings_dup_destinations (GSettings *settings)
{
  g_auto(GStrv) configured = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  configured = g_settings_get_strv (settings, KS_SETTINGS_DESTINATIONS);
  if (configured[0] == NULL)
    {
      char **fallback = g_new0 (char *, 2);

      fallback[0] = ks_settings_dup_default_destination ();
      return fallback;
    }

  return g_steal_pointer (&configured);
}

/* A new list: @strv with @item appended. */
static char **
strv_with (const char * const *strv,
           const char         *item)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_addv (builder, (const char **)strv);
  g_strv_builder_add (builder, item);

  return g_strv_builder_end (builder);
}

/* A new list: @strv without any @item. */
static char **
strv_without (const char * const *strv,
              const char         *item)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; strv[i] != NULL; i++)
    if (g_strcmp0 (strv[i], item) != 0)
      g_strv_builder_add (builder, strv[i]);

  return g_strv_builder_end (builder);
}

void
ks_settings_add_destination (GSettings  *settings,
                             const char *path)
{
  g_auto(GStrv) current = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (path != NULL);

  current = ks_settings_dup_destinations (settings);
  if (g_strv_contains ((const char * const *)current, path))
    return;

  updated = strv_with ((const char * const *)current, path);
  g_settings_set_strv (settings, KS_SETTINGS_DESTINATIONS, (const char * const *)updated);
}

void
ks_settings_remove_destination (GSettings  *settings,
                                const char *path)
{
  g_auto(GStrv) current = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (path != NULL);

  current = ks_settings_dup_destinations (settings);
  updated = strv_without ((const char * const *)current, path);

  /* Keep at least one destination. */
  if (updated[0] == NULL)
    return;

  g_settings_set_strv (settings, KS_SETTINGS_DESTINATIONS, (const char * const *)updated);
}

gboolean
ks_settings_get_destination_enabled (GSettings  *settings,
                                     const char *path)
{
  g_auto(GStrv) disabled = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  disabled = g_settings_get_strv (settings, KS_SETTINGS_DISABLED_DESTINATIONS);
  return !g_strv_contains ((const char * const *)disabled, path);
}

void
ks_settings_set_destination_enabled (GSettings  *settings,
                                     const char *path,
                                     gboolean    enabled)
{
  g_auto(GStrv) disabled = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (path != NULL);

  if (ks_settings_get_destination_enabled (settings, path) == !!enabled)
    return;

  disabled = g_settings_get_strv (settings, KS_SETTINGS_DISABLED_DESTINATIONS);
  if (enabled)
    updated = strv_without ((const char * const *)disabled, path);
  else
    updated = strv_with ((const char * const *)disabled, path);

  g_settings_set_strv (settings, KS_SETTINGS_DISABLED_DESTINATIONS, (const char * const *)updated);
}

/**
 * ks_settings_dup_enabled_destinations:
 *
 * Returns: (transfer full): the destinations a backup writes to, and whose copies count as
 *   backed up: empty when the user switched every folder off
 */
char **
ks_settings_dup_enabled_destinations (GSettings *settings)
{
  g_auto(GStrv) all = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  all = ks_settings_dup_destinations (settings);
  builder = g_strv_builder_new ();
  for (guint i = 0; all[i] != NULL; i++)
    if (ks_settings_get_destination_enabled (settings, all[i]))
      g_strv_builder_add (builder, all[i]);

  return g_strv_builder_end (builder);
}

/* The folders shown as sources in the sidebar, in the order they were added. */
void
ks_settings_add_source_folder (GSettings  *settings,
                               const char *path)
{
  g_auto(GStrv) current = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (path != NULL);

  current = g_settings_get_strv (settings, KS_SETTINGS_SOURCE_FOLDERS);
  if (g_strv_contains ((const char * const *)current, path))
    return;

  updated = strv_with ((const char * const *)current, path);
  g_settings_set_strv (settings, KS_SETTINGS_SOURCE_FOLDERS, (const char * const *)updated);
}

void
ks_settings_remove_source_folder (GSettings  *settings,
                                  const char *path)
{
  g_auto(GStrv) current = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (path != NULL);

  current = g_settings_get_strv (settings, KS_SETTINGS_SOURCE_FOLDERS);
  updated = strv_without ((const char * const *)current, path);
  g_settings_set_strv (settings, KS_SETTINGS_SOURCE_FOLDERS, (const char * const *)updated);
}
