/* ks-settings.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Typed access to the settings whose values need more than g_settings_bind (the folders
 * shown as sources), and the first set-up of the backup plan: a new user backs up to a folder
 * under Pictures without configuring anything, and a user of an earlier version keeps the
 * destinations and options they chose (then kept in these settings, now in the plan). */

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

/**
 * ks_settings_set_up_plan:
 * @plan: a plan that is not initialized yet
 *
 * Fills a new plan: the destinations and options an earlier version kept in @settings,
 * or the default folder under Pictures. Then the plan is marked initialized, so this
 * happens once.
 */
gboolean
ks_settings_set_up_plan (GSettings     *settings,
                         KsBackupPlan  *plan,
                         GError       **error)
{
  g_auto(GStrv) paths = NULL;
  g_auto(GStrv) disabled = NULL;
  g_autofree char *layout = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (plan), FALSE);

  if (ks_backup_plan_is_initialized (plan))
    return TRUE;

  paths = g_settings_get_strv (settings, KS_SETTINGS_DESTINATIONS);
  disabled = g_settings_get_strv (settings, KS_SETTINGS_DISABLED_DESTINATIONS);

  if (paths[0] == NULL && g_list_model_get_n_items (G_LIST_MODEL (plan)) == 0)
    {
      g_autofree char *fallback = ks_settings_dup_default_destination ();

      if (ks_backup_plan_add_folder (plan, fallback, NULL, TRUE, error) == NULL)
        return FALSE;
    }

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean enabled = !g_strv_contains ((const char * const *)disabled, paths[i]);

      if (ks_backup_plan_restore_folder (plan, paths[i], enabled, &local_error) == NULL
          && !g_error_matches (local_error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  ks_backup_plan_set_include_videos (plan, g_settings_get_boolean (settings, KS_SETTINGS_INCLUDE_VIDEOS));
  ks_backup_plan_set_include_live_videos (plan, g_settings_get_boolean (settings, KS_SETTINGS_INCLUDE_LIVE_VIDEOS));
  ks_backup_plan_set_include_edited (plan, g_settings_get_boolean (settings, KS_SETTINGS_INCLUDE_EDITED));
  ks_backup_plan_set_include_sidecars (plan, g_settings_get_boolean (settings, KS_SETTINGS_INCLUDE_SIDECARS));
  layout = g_settings_get_string (settings, KS_SETTINGS_FOLDER_LAYOUT);
  /* An unusable layout stays the plan's default rather than failing the set-up. */
  ks_backup_plan_set_layout (plan, layout, NULL);

  return ks_backup_plan_mark_initialized (plan, error);
}
