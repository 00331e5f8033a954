/* test-protection.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The 3-2-1 rule per asset: states, what is missing, copies and offsite counts, and the
 * destinations' media and offsite flags as the plan describes them. */

#include "config.h"

#include <glib/gstdio.h>

#include "ks-catalog.h"
#include "ks-protection.h"

#include "test-engine-util.h"

#define BIT(i) (G_GUINT64_CONSTANT (1) << (i))

typedef struct
{
  KsProtection *protection;
  int computer, computer2, drive, nas, cloud;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->protection = ks_protection_new ();
  f->computer = ks_protection_add_destination (f->protection, "pictures", KS_MEDIUM_COMPUTER, FALSE);
  f->computer2 = ks_protection_add_destination (f->protection, "home-copy", KS_MEDIUM_COMPUTER, FALSE);
  f->drive = ks_protection_add_destination (f->protection, "passport", KS_MEDIUM_DRIVE, FALSE);
  f->nas = ks_protection_add_destination (f->protection, "nas-at-work", KS_MEDIUM_NETWORK, TRUE);
  f->cloud = ks_protection_add_destination (f->protection, "dropbox", KS_MEDIUM_CLOUD, TRUE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->protection);
}

static void
assert_state (Fixture             *f,
              guint64              holders,
              KsICloudFlags        icloud,
              KsProtectionState    state,
              KsProtectionMissing  missing,
              guint                copies)
{
  KsProtectionMissing got_missing = 0xff;
  guint got_copies = 99;

  g_assert_cmpstr (ks_protection_state_to_string (ks_protection_classify (f->protection, holders, icloud,
                                                                          &got_missing, &got_copies)),
                   ==, ks_protection_state_to_string (state));
  g_assert_cmpint (got_missing, ==, missing);
  g_assert_cmpuint (got_copies, ==, copies);
}

static void
test_states (Fixture       *f,
             gconstpointer  data)
{
  g_assert_cmpuint (ks_protection_get_n_destinations (f->protection), ==, 5);
  g_assert_cmpint (ks_protection_find_destination (f->protection, "passport"), ==, f->drive);
  g_assert_cmpint (ks_protection_find_destination (f->protection, "nowhere"), ==, -1);

  /* Nothing but the phone. */
  assert_state (f, 0, KS_ICLOUD_NONE, KS_PROTECTION_ONLY_ON_DEVICE, KS_PROTECTION_MISSING_NONE, 1);

  /* One folder on this computer: short of everything. */
  assert_state (f, BIT (f->computer), KS_ICLOUD_NONE, KS_PROTECTION_NOT_321,
                KS_PROTECTION_MISSING_COPIES | KS_PROTECTION_MISSING_MEDIA | KS_PROTECTION_MISSING_OFFSITE, 2);

  /* Two folders on the same disk: three copies, but one medium and nothing offsite. */
  assert_state (f, BIT (f->computer) | BIT (f->computer2), KS_ICLOUD_NONE, KS_PROTECTION_NOT_321,
                KS_PROTECTION_MISSING_MEDIA | KS_PROTECTION_MISSING_OFFSITE, 3);

  /* This computer and a drive kept at home: only the offsite copy is missing. */
  assert_state (f, BIT (f->computer) | BIT (f->drive), KS_ICLOUD_NONE, KS_PROTECTION_NOT_321,
                KS_PROTECTION_MISSING_OFFSITE, 3);

  /* This computer and a cloud; this computer and a NAS kept elsewhere: safe. */
  assert_state (f, BIT (f->computer) | BIT (f->cloud), KS_ICLOUD_NONE, KS_PROTECTION_SAFE,
                KS_PROTECTION_MISSING_NONE, 3);
  assert_state (f, BIT (f->computer) | BIT (f->nas), KS_ICLOUD_NONE, KS_PROTECTION_SAFE,
                KS_PROTECTION_MISSING_NONE, 3);

  /* Only a cloud copy: offsite, but two copies on one medium. */
  assert_state (f, BIT (f->cloud), KS_ICLOUD_NONE, KS_PROTECTION_NOT_321,
                KS_PROTECTION_MISSING_COPIES | KS_PROTECTION_MISSING_MEDIA, 2);

  /* iCloud Photos is an offsite copy on its own medium. */
  assert_state (f, BIT (f->computer), KS_ICLOUD_STORED, KS_PROTECTION_SAFE, KS_PROTECTION_MISSING_NONE, 3);
  assert_state (f, 0, KS_ICLOUD_STORED, KS_PROTECTION_NOT_321,
                KS_PROTECTION_MISSING_COPIES | KS_PROTECTION_MISSING_MEDIA, 2);

  /* An original only in iCloud is its own state; iCloud is its first copy. */
  assert_state (f, 0, KS_ICLOUD_ONLY, KS_PROTECTION_ICLOUD_ONLY, KS_PROTECTION_MISSING_NONE, 1);

  /* Bits past the known destinations are ignored. */
  assert_state (f, BIT (40), KS_ICLOUD_NONE, KS_PROTECTION_ONLY_ON_DEVICE, KS_PROTECTION_MISSING_NONE, 1);
}

static void
test_describe (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *all = ks_protection_describe_missing (KS_PROTECTION_MISSING_COPIES |
                                                         KS_PROTECTION_MISSING_MEDIA |
                                                         KS_PROTECTION_MISSING_OFFSITE);
  g_autofree char *offsite = ks_protection_describe_missing (KS_PROTECTION_MISSING_OFFSITE);

  g_assert_cmpstr (offsite, ==, "no offsite copy");
  g_assert_cmpstr (all, ==, "fewer than three copies, all backups on one kind of medium, no offsite copy");
  g_assert_null (ks_protection_describe_missing (KS_PROTECTION_MISSING_NONE));
}

static void
test_summary (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(KsProtectionSummary) summary = ks_protection_summary_new (f->protection);

  /* 3 only on the phone, 2 on this computer, 4 on this computer and the cloud, 1 in iCloud only. */
  for (int i = 0; i < 3; i++)
    ks_protection_summary_add (summary, f->protection, 0, KS_ICLOUD_NONE);
  for (int i = 0; i < 2; i++)
    ks_protection_summary_add (summary, f->protection, BIT (f->computer), KS_ICLOUD_NONE);
  for (int i = 0; i < 4; i++)
    ks_protection_summary_add (summary, f->protection, BIT (f->computer) | BIT (f->cloud), KS_ICLOUD_NONE);
  ks_protection_summary_add (summary, f->protection, 0, KS_ICLOUD_ONLY);

  g_assert_cmpuint (summary->assets, ==, 10);
  g_assert_cmpuint (summary->states[KS_PROTECTION_ONLY_ON_DEVICE], ==, 3);
  g_assert_cmpuint (summary->states[KS_PROTECTION_NOT_321], ==, 2);
  g_assert_cmpuint (summary->states[KS_PROTECTION_SAFE], ==, 4);
  g_assert_cmpuint (summary->states[KS_PROTECTION_ICLOUD_ONLY], ==, 1);
  g_assert_cmpuint (summary->missing_copies, ==, 2);
  g_assert_cmpuint (summary->missing_media, ==, 2);
  g_assert_cmpuint (summary->missing_offsite, ==, 2);
  g_assert_cmpuint (summary->copies[0], ==, 4);   /* the 3 phone-only and the iCloud-only one */
  g_assert_cmpuint (summary->copies[1], ==, 2);
  g_assert_cmpuint (summary->copies[2], ==, 4);
  g_assert_cmpuint (summary->offsite, ==, 5);
  g_assert_cmpuint (summary->per_destination[f->computer], ==, 6);
  g_assert_cmpuint (summary->per_destination[f->cloud], ==, 4);
  g_assert_cmpuint (summary->per_destination[f->drive], ==, 0);
}

static void
test_limit (void)
{
  g_autoptr(KsProtection) protection = ks_protection_new ();

  for (int i = 0; i < KS_PROTECTION_MAX_DESTINATIONS; i++)
    {
      g_autofree char *id = g_strdup_printf ("d%d", i);

      g_assert_cmpint (ks_protection_add_destination (protection, id, KS_MEDIUM_DRIVE, FALSE), ==, i);
    }
  g_assert_cmpint (ks_protection_add_destination (protection, "one-too-many", KS_MEDIUM_DRIVE, FALSE), ==, -1);

  /* The last bit is usable. */
  g_assert_cmpint (ks_protection_classify (protection, BIT (63) | BIT (0), KS_ICLOUD_NONE, NULL, NULL),
                   ==, KS_PROTECTION_NOT_321);
}

/* The plan says each destination's kind; clouds are offsite, others when the user says so. */
static void
test_from_plan (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ks-protection-XXXXXX", &error);
  g_autofree char *db = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *folder = g_build_filename (tmp, "pictures", NULL);
  g_autoptr(KsCatalog) catalog = NULL;
  g_autoptr(KsBackupPlan) plan = NULL;
  g_autoptr(KsProtection) protection = NULL;
  g_autofree char *nas_id = NULL;
  int i;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  catalog = ks_catalog_new (db, &error);
  g_assert_no_error (error);
  plan = ks_backup_plan_new (catalog, &error);
  g_assert_no_error (error);

  g_assert_nonnull (ks_backup_plan_add_folder (plan, folder, NULL, FALSE, &error));
  g_assert_nonnull (ks_backup_plan_add (plan, KS_DESTINATION_KIND_CLOUD, NULL, "Cloud", "rclone:b2:photos",
                                        KS_BACKUP_METHOD_FILES, &error));
  /* (an entry returned by the plan lives until the plan's next change) */
  nas_id = g_strdup (ks_plan_destination_get_id (ks_backup_plan_add (plan, KS_DESTINATION_KIND_NETWORK, NULL,
                                                                     "NAS", "sftp://nas/photos",
                                                                     KS_BACKUP_METHOD_FILES, &error)));
  g_assert_nonnull (ks_backup_plan_add (plan, KS_DESTINATION_KIND_DRIVE, NULL, "Passport", "drive:1234:/",
                                        KS_BACKUP_METHOD_FILES, &error));
  g_assert_no_error (error);
  g_assert_true (ks_backup_plan_set_destination_option (plan, nas_id,
                                                        "offsite", "true", &error));
  g_assert_no_error (error);

  protection = ks_protection_new_for_plan (plan);
  g_assert_cmpuint (ks_protection_get_n_destinations (protection), ==, 4);
  /* One switched off no longer counts. */
  {
    g_autoptr(KsProtection) without = NULL;

    g_assert_true (ks_backup_plan_set_enabled (plan, nas_id, FALSE, &error));
    without = ks_protection_new_for_plan (plan);
    g_assert_cmpuint (ks_protection_get_n_destinations (without), ==, 3);
    g_assert_cmpint (ks_protection_find_destination (without, nas_id), ==, -1);
    g_assert_true (ks_backup_plan_set_enabled (plan, nas_id, TRUE, &error));
  }
  for (guint j = 0; j < 4; j++)
    {
      g_autoptr(KsPlanDestination) dest = g_list_model_get_item (G_LIST_MODEL (plan), j);

      i = ks_protection_find_destination (protection, ks_plan_destination_get_id (dest));
      g_assert_cmpint (i, ==, (int)j);
      switch (ks_plan_destination_get_kind (dest))
        {
        case KS_DESTINATION_KIND_FOLDER:
          g_assert_cmpint (ks_protection_get_destination_medium (protection, i), ==, KS_MEDIUM_COMPUTER);
          g_assert_false (ks_protection_get_destination_offsite (protection, i));
          break;
        case KS_DESTINATION_KIND_CLOUD:
          g_assert_cmpint (ks_protection_get_destination_medium (protection, i), ==, KS_MEDIUM_CLOUD);
          g_assert_true (ks_protection_get_destination_offsite (protection, i));
          break;
        case KS_DESTINATION_KIND_NETWORK:
          g_assert_cmpint (ks_protection_get_destination_medium (protection, i), ==, KS_MEDIUM_NETWORK);
          g_assert_true (ks_protection_get_destination_offsite (protection, i));
          break;
        case KS_DESTINATION_KIND_DRIVE:
          g_assert_cmpint (ks_protection_get_destination_medium (protection, i), ==, KS_MEDIUM_DRIVE);
          g_assert_false (ks_protection_get_destination_offsite (protection, i));
          break;
        default:
          g_assert_not_reached ();
        }
    }

  g_clear_object (&plan);
  g_clear_object (&catalog);
  rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Protection/states", Fixture, NULL, fixture_set_up, test_states, fixture_tear_down);
  g_test_add ("/Protection/describe", Fixture, NULL, fixture_set_up, test_describe, fixture_tear_down);
  g_test_add ("/Protection/summary", Fixture, NULL, fixture_set_up, test_summary, fixture_tear_down);
  g_test_add_func ("/Protection/limit", test_limit);
  g_test_add_func ("/Protection/from-plan", test_from_plan);

  return g_test_run ();
}
