/* ks-import-errors.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What an error means for a run: one file's failure (in the result, the run goes on), the
 * end of one destination (nothing more goes there; the run fails once none is left), or
 * the end of the run (source lost, cancelled). Destination errors become KS_IMPORT_ERROR
 * codes through one table; source errors are judged by the source's contract and the AFC
 * error table (ks-afc-error.h). */

#include "config.h"

#include "ks-afc-error.h"
#include "ks-asset.h"
#include "ks-import-job-private.h"

G_DEFINE_QUARK (ks-import-error-quark, ks_import_error)

/* A destination's errors that mean something for the run; any other is that file's. */
typedef struct
{
  GQuark        (*domain) (void);
  int             code;
  KsImportError   import_code;
  gboolean        ends_destination; /* nothing more can go there */
} DestErrorRule;

static const DestErrorRule dest_error_rules[] = {
  { g_io_error_quark,           G_IO_ERROR_NO_SPACE,                KS_IMPORT_ERROR_NO_SPACE,                TRUE },
  { g_io_error_quark,           G_IO_ERROR_READ_ONLY,               KS_IMPORT_ERROR_READ_ONLY,               TRUE },
  { g_io_error_quark,           G_IO_ERROR_PERMISSION_DENIED,       KS_IMPORT_ERROR_READ_ONLY,               TRUE },
  { ks_destination_error_quark, KS_DESTINATION_ERROR_UNAVAILABLE,   KS_IMPORT_ERROR_DESTINATION_UNAVAILABLE, TRUE },
  /* The copy was removed before it got a name; the next run tries again. */
  { ks_destination_error_quark, KS_DESTINATION_ERROR_VERIFY_FAILED, KS_IMPORT_ERROR_VERIFY_FAILED,           FALSE },
};

static const DestErrorRule *
dest_error_rule_lookup (GQuark domain,
                        int    code)
{
  for (guint i = 0; i < G_N_ELEMENTS (dest_error_rules); i++)
    if (domain == dest_error_rules[i].domain () && code == dest_error_rules[i].code)
      return &dest_error_rules[i];

  return NULL;
}

static const DestErrorRule *
dest_error_rule (const GError *error)
{
  return dest_error_rule_lookup (error->domain, error->code);
}

void
_ks_import_set_cancelled (GError **error)
{
  g_set_error_literal (error, KS_IMPORT_ERROR, KS_IMPORT_ERROR_CANCELLED, "The backup was cancelled");
}

/* @d: the destination, or G_MAXUINT when the source failed */
void
_ks_import_add_file_error (KsImportRun  *run,
                           KsImportItem *item,
                           guint         d,
                           const GError *error)
{
  KsImportJob *self = run->self;
  const char *dest_id = d < run->n_dests ? ks_destination_get_id (run->dests[d]) : NULL;

  g_assert (KS_IS_IMPORT_JOB (self));

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->result->errors,
                   ks_import_file_error_new (ks_asset_file_get_path (item->file), dest_id, error));
  item->failed = TRUE;
  g_mutex_unlock (&self->mutex);
}

/* Failed without an error of its own (its destinations failed before). */
void
_ks_import_mark_failed (KsImportRun  *run,
                        KsImportItem *item)
{
  g_assert (KS_IS_IMPORT_JOB (run->self));

  g_mutex_lock (&run->self->mutex);
  item->failed = TRUE;
  g_mutex_unlock (&run->self->mutex);
}

/* Takes @fatal as destination @d's end, unless it ended already; the run stops once no
 * destination is left. */
static void
dest_end (KsImportRun *run,
          guint        d,
          GError      *fatal)
{
  gboolean all_dead = TRUE;

  g_mutex_lock (&run->self->mutex);
  if (run->dest_errors[d] == NULL)
    run->dest_errors[d] = g_steal_pointer (&fatal);
  for (guint i = 0; i < run->n_dests; i++)
    if (run->dest_errors[i] == NULL)
      all_dead = FALSE;
  g_mutex_unlock (&run->self->mutex);

  g_clear_error (&fatal);
  if (all_dead)
    g_atomic_int_set (&run->all_dead, TRUE);
}

/* Destination @d failed to take @item: that file's error, and when nothing more can go
 * there (full, read-only, gone), the destination's end. */
void
_ks_import_dest_failed (KsImportRun  *run,
                        guint         d,
                        KsImportItem *item,
                        const GError *error)
{
  const DestErrorRule *rule = dest_error_rule (error);
  g_autofree char *display = ks_asset_dup_display_name (item->asset);
  g_autoptr(GError) import_error = NULL;
  g_autoptr(GError) gone = NULL;

  g_assert (KS_IS_IMPORT_JOB (run->self));

  /* The only error of one file that a destination reports as such. */
  if (rule != NULL && !rule->ends_destination)
    {
      import_error = g_error_new (KS_IMPORT_ERROR, rule->import_code, "%s (%s) did not verify: %s",
                                  display, ks_asset_file_get_path (item->file), error->message);
      _ks_import_add_file_error (run, item, d, import_error);
      return;
    }

  /* An error that does not say so (EIO) may still come from a drive that went away: then
   * that is what the run says. */
  if (rule == NULL && !ks_destination_check_available (run->dests[d], &gone))
    {
      rule = dest_error_rule_lookup (KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE);
      error = gone;
    }

  if (rule == NULL)
    {
      _ks_import_add_file_error (run, item, d, error);
      return;
    }

  {
    g_autofree char *where = ks_destination_dup_display_name (run->dests[d]);

    import_error = g_error_new (KS_IMPORT_ERROR, rule->import_code, "Could not store %s (%s) in %s: %s",
                                display, ks_asset_file_get_path (item->file), where, error->message);
  }
  _ks_import_add_file_error (run, item, d, import_error);
  dest_end (run, d, g_steal_pointer (&import_error));
}

/* Destination @d could not be opened: it takes no part in the run. */
void
_ks_import_dest_open_failed (KsImportRun  *run,
                             guint         d,
                             const GError *error)
{
  const DestErrorRule *rule = dest_error_rule (error);
  int code = rule != NULL && rule->ends_destination ? (int) rule->import_code : KS_IMPORT_ERROR_FAILED;

  g_assert (KS_IS_IMPORT_JOB (run->self));

  run->dest_errors[d] = g_error_new_literal (KS_IMPORT_ERROR, code, error->message);
}

/* The writer marks destinations dead while the reader plans around them. */
gboolean
_ks_import_dest_alive (KsImportRun *run,
                       guint        d)
{
  gboolean alive;

  g_assert (KS_IS_IMPORT_JOB (run->self));

  g_mutex_lock (&run->self->mutex);
  alive = run->dest_errors[d] == NULL;
  g_mutex_unlock (&run->self->mutex);

  return alive;
}

/* %FALSE, with the first destination's error, when no destination is left. */
gboolean
_ks_import_check_dest_left (KsImportRun  *run,
                            GError      **error)
{
  for (guint d = 0; d < run->n_dests; d++)
    if (_ks_import_dest_alive (run, d))
      return TRUE;

  g_propagate_error (error, g_error_copy (run->dest_errors[0]));
  return FALSE;
}

/* Returns: (transfer full) (nullable): a copy of the first destination's error */
GError *
_ks_import_dup_dest_error (KsImportRun *run)
{
  GError *first = NULL;

  g_assert (KS_IS_IMPORT_JOB (run->self));

  g_mutex_lock (&run->self->mutex);
  for (guint d = 0; d < run->n_dests && first == NULL; d++)
    if (run->dest_errors[d] != NULL)
      first = g_error_copy (run->dest_errors[d]);
  g_mutex_unlock (&run->self->mutex);

  return first;
}

/* Whether the run must stop now (cancelled, or no destination left), with why. */
gboolean
_ks_import_check_stop (KsImportRun  *run,
                       GError      **error)
{
  if (g_cancellable_is_cancelled (run->cancellable))
    {
      _ks_import_set_cancelled (error);
      return TRUE;
    }

  if (g_atomic_int_get (&run->all_dead))
    {
      GError *first = _ks_import_dup_dest_error (run);

      if (first == NULL)
        first = g_error_new_literal (KS_IMPORT_ERROR, KS_IMPORT_ERROR_FAILED, "No destination left");
      g_propagate_error (error, first);
      return TRUE;
    }

  return FALSE;
}

/* Whether @error means the source itself is gone, so the run must stop, rather than that one
 * file could not be read. Only a lost link counts: an evicted "Optimize iPhone Storage"
 * original (listed, but every read fails with an AFC I/O error → G_IO_ERROR_FAILED) or a bad
 * sector is that file's problem, and the run goes on with the next file. */
gboolean
_ks_import_is_source_lost (KsImportRun  *run,
                           const GError *error)
{
  if (ks_afc_error_matches_session_lost (error))
    return TRUE;

  /* A camera card pulled out or a folder deleted mid-run: every later file would fail too. */
  return !ks_source_is_present (run->source);
}
