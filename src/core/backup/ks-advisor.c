/* ks-advisor.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The protection advisor's reckoning: how big a library is and how fast it grows (photos and
 * videos apart, from capture dates), when a destination fills at that rate, whether the library
 * fits the free tier of a common cloud (the figures are data, in cloud-tiers.ini, with the date
 * they were checked), and the one next step that brings the photos closer to the 3-2-1 rule. */

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "ks-advisor.h"
#include "ks-asset.h"

#define GB G_GUINT64_CONSTANT (1000000000)

/**
 * ks_advisor_library_init:
 * @assets: (element-type KsAsset): the library
 * @now: this month
 *
 * Counts the library, and what was captured in each of the last twelve months.
 */
void
ks_advisor_library_init (KsAdvisorLibrary *library,
                         GPtrArray        *assets,
                         GDateTime        *now)
{
  int year, month;
  guint64 recent = 0;

  g_return_if_fail (library != NULL && assets != NULL && now != NULL);

  memset (library, 0, sizeof *library);
  year = g_date_time_get_year (now);
  month = g_date_time_get_month (now);
  for (int i = KS_ADVISOR_MONTHS - 1; i >= 0; i--)
    {
      library->months[i].year = year;
      library->months[i].month = month;
      if (--month == 0)
        {
          month = 12;
          year--;
        }
    }

  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);
      gboolean video = ks_asset_get_media_type (asset) == KS_MEDIA_TYPE_VIDEO;
      guint64 size = ks_asset_get_total_size (asset);
      g_autoptr(GDateTime) when = ks_asset_dup_capture_date (asset);

      if (video)
        library->videos++;
      else
        library->photos++;
      library->bytes += size;

      if (when == NULL)
        continue;
      for (guint m = 0; m < KS_ADVISOR_MONTHS; m++)
        if (library->months[m].year == g_date_time_get_year (when)
            && library->months[m].month == g_date_time_get_month (when))
          {
            if (video)
              {
                library->months[m].videos++;
                library->months[m].video_bytes += size;
              }
            else
              {
                library->months[m].photos++;
                library->months[m].photo_bytes += size;
              }
            recent += size;
            break;
          }
    }

  library->bytes_per_month = (double)recent / KS_ADVISOR_MONTHS;
}

/**
 * ks_advisor_days_until_full:
 *
 * Returns: in how many days @free_bytes are used up at @bytes_per_month, or -1 if the library
 *   does not grow
 */
gint64
ks_advisor_days_until_full (guint64 free_bytes,
                            double  bytes_per_month)
{
  if (bytes_per_month <= 0)
    return -1;

  return (gint64)floor (free_bytes / bytes_per_month * 30.44);
}

static void
cloud_tier_free (gpointer data)
{
  KsCloudTier *tier = data;

  g_free (tier->name);
  g_free (tier);
}

static int
compare_tiers (gconstpointer a,
               gconstpointer b)
{
  const KsCloudTier *x = *(KsCloudTier * const *)a;
  const KsCloudTier *y = *(KsCloudTier * const *)b;

  return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : g_strcmp0 (x->name, y->name);
}

static int
compare_plans (gconstpointer a,
               gconstpointer b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

  return x < y ? -1 : x > y;
}

/**
 * ks_cloud_tiers_new_from_data:
 * @data: a key file: [Figures] checked=, plans=; one group per service with gb= (shared=)
 *
 * Returns: (transfer full): the figures, or %NULL with @error set
 */
KsCloudTiers *
ks_cloud_tiers_new_from_data (GBytes  *data,
                              GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(KsCloudTiers) tiers = NULL;
  g_auto(GStrv) groups = NULL;
  g_autofree guint64 *plans = NULL;
  g_autofree int *plan_list = NULL;
  gsize n_plans = 0;

  g_return_val_if_fail (data != NULL, NULL);

  if (!g_key_file_load_from_bytes (file, data, G_KEY_FILE_NONE, error))
    return NULL;

  tiers = g_new0 (KsCloudTiers, 1);
  tiers->tiers = g_ptr_array_new_with_free_func (cloud_tier_free);
  tiers->plans = g_array_new (FALSE, FALSE, sizeof (guint64));
  tiers->checked = g_key_file_get_string (file, "Figures", "checked", error);
  if (tiers->checked == NULL)
    return NULL;
  plan_list = g_key_file_get_integer_list (file, "Figures", "plans", &n_plans, error);
  if (plan_list == NULL)
    return NULL;
  for (gsize i = 0; i < n_plans; i++)
    if (plan_list[i] > 0)
      {
        guint64 bytes = (guint64)plan_list[i] * GB;

        g_array_append_val (tiers->plans, bytes);
      }
  g_array_sort (tiers->plans, compare_plans);

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      KsCloudTier *tier;
      int gb;

      if (g_str_equal (groups[i], "Figures"))
        continue;
      gb = g_key_file_get_integer (file, groups[i], "gb", error);
      if (gb <= 0)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                         "No free size for %s", groups[i]);
          return NULL;
        }
      tier = g_new0 (KsCloudTier, 1);
      tier->name = g_strdup (groups[i]);
      tier->bytes = (guint64)gb * GB;
      tier->shared = g_key_file_get_boolean (file, groups[i], "shared", NULL);
      g_ptr_array_add (tiers->tiers, tier);
    }
  g_ptr_array_sort (tiers->tiers, compare_tiers);

  return g_steal_pointer (&tiers);
}

void
ks_cloud_tiers_free (KsCloudTiers *tiers)
{
  if (tiers == NULL)
    return;

  g_free (tiers->checked);
  g_clear_pointer (&tiers->tiers, g_ptr_array_unref);
  g_clear_pointer (&tiers->plans, g_array_unref);
  g_free (tiers);
}

/**
 * ks_cloud_tiers_smallest_fitting:
 *
 * Returns: (nullable): the smallest free tier that holds @bytes, %NULL if none does
 */
const KsCloudTier *
ks_cloud_tiers_smallest_fitting (KsCloudTiers *tiers,
                                 guint64       bytes)
{
  const KsCloudTier *best = NULL;

  g_return_val_if_fail (tiers != NULL, NULL);

  for (guint i = 0; i < tiers->tiers->len; i++)
    {
      const KsCloudTier *tier = g_ptr_array_index (tiers->tiers, i);

      if (tier->bytes >= bytes && (best == NULL || tier->bytes < best->bytes))
        best = tier;
    }

  return best;
}

/**
 * ks_cloud_tiers_plan_for:
 *
 * Returns: the smallest paid plan that holds @bytes with a year of room (a fifth more), or
 *   the biggest plan when none does
 */
guint64
ks_cloud_tiers_plan_for (KsCloudTiers *tiers,
                         guint64       bytes)
{
  guint64 wanted = bytes + bytes / 5;

  g_return_val_if_fail (tiers != NULL, 0);

  for (guint i = 0; i < tiers->plans->len; i++)
    if (g_array_index (tiers->plans, guint64, i) >= wanted)
      return g_array_index (tiers->plans, guint64, i);

  return tiers->plans->len > 0 ? g_array_index (tiers->plans, guint64, tiers->plans->len - 1) : wanted;
}

/**
 * ks_advisor_next_step:
 * @summary: (nullable): the library's protection, %NULL while not counted
 * @n_destinations: destinations switched on in the plan
 * @library_bytes: the library's size
 * @tiers: (nullable): free cloud tiers
 *
 * Returns: (transfer full): the one next step toward the 3-2-1 rule, for people
 */
char *
ks_advisor_next_step (const KsProtectionSummary *summary,
                      guint                      n_destinations,
                      guint64                    library_bytes,
                      KsCloudTiers              *tiers)
{
  g_autofree char *size = g_format_size (library_bytes);

  if (n_destinations == 0)
    return g_strdup (_("Add a destination in Preferences: a folder on this computer makes the first backup."));

  if (summary == NULL || summary->assets == 0)
    return g_strdup (_("Back up this iPhone: press Back Up Everything."));

  if (summary->states[KS_PROTECTION_ONLY_ON_DEVICE] > 0)
    {
      guint n = summary->states[KS_PROTECTION_ONLY_ON_DEVICE];

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Back up the %u photo that is only on this iPhone: press Back Up Everything.",
                                           "Back up the %u photos that are only on this iPhone: press Back Up Everything.",
                                           n), n);
    }

  if (summary->missing_offsite > 0)
    {
      const KsCloudTier *tier = tiers ? ks_cloud_tiers_smallest_fitting (tiers, library_bytes) : NULL;

      if (tier != NULL)
        {
          g_autofree char *tier_size = g_format_size (tier->bytes);

          /* Translators: "Add an offsite copy: 3.2 GB fits the free 5 GB of Microsoft OneDrive…" */
          return g_strdup_printf (_("Add an offsite copy: %s fits the free %s of %s, or keep a drive elsewhere."),
                                  size, tier_size, tier->name);
        }
      else
        {
          g_autofree char *plan = g_format_size (tiers ? ks_cloud_tiers_plan_for (tiers, library_bytes)
                                                       : library_bytes);

          return g_strdup_printf (_("Add an offsite copy: %s does not fit a free cloud tier; a drive kept elsewhere, or a cloud plan of at least %s."),
                                  size, plan);
        }
    }

  if (summary->missing_media > 0)
    return g_strdup (_("Add a copy on another kind of medium: an external drive, a network share or a cloud."));

  if (summary->missing_copies > 0)
    return g_strdup (_("Add a second destination: three copies need two backups besides the iPhone."));

  return g_strdup (_("Every photo meets the 3-2-1 rule. Keep backing up when you take new ones."));
}
