/* ks-verify-job.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsVerifyJob: re-reads every file a destination's index lists and reports the missing,
 * the changed and the unreadable ones (`keepsake-cli verify --to DIR`). */

#pragma once

#include <gio/gio.h>

#include "ks-catalog.h"
#include "ks-destination.h"

G_BEGIN_DECLS

/**
 * KsVerifyResult:
 * @checked: index entries looked at
 * @ok: files whose content still has the recorded hash
 * @missing: (element-type KsDestinationEntry): listed but not there (no such file)
 * @changed: (element-type KsDestinationEntry): present with other content
 * @unreadable: (element-type KsDestinationEntry): something is there but cannot be read as
 *   the file that was written (an I/O error, a symlink or a folder in its place): damaged as
 *   much as a changed file, since its content can no longer be vouched for
 * @forgotten: with repair on, how many of those the destination (and the catalog) forgot,
 *   so that the next import stores them again (a JPEG copy: the next run makes it again)
 * @derived_checked: how many of @checked were files made from a stored original (JPEG
 *   copies). Such an entry in @missing, @changed or @unreadable has its original_hash set:
 *   it is no lost photo, but it is damaged
 *
 * Every entry is in exactly one of ok, @missing, @changed, @unreadable:
 * checked == ok + missing->len + changed->len + unreadable->len.
 */
typedef struct
{
  guint      checked;
  guint      ok;
  guint      forgotten;
  guint      derived_checked;
  GPtrArray *missing;
  GPtrArray *changed;
  GPtrArray *unreadable;
} KsVerifyResult;

void ks_verify_result_free (KsVerifyResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsVerifyResult, ks_verify_result_free)

#define KS_TYPE_VERIFY_JOB (ks_verify_job_get_type ())

G_DECLARE_FINAL_TYPE (KsVerifyJob, ks_verify_job, KS, VERIFY_JOB, GObject)

/* Called on the worker thread after each file. */
typedef void (*KsVerifyProgressFunc) (guint       done,
                                      guint       total,
                                      const char *relative_path,
                                      gpointer    user_data);

KsVerifyJob    *ks_verify_job_new          (KsDestination         *destination,
                                            KsCatalog             *catalog);
void            ks_verify_job_set_progress (KsVerifyJob           *self,
                                            KsVerifyProgressFunc   func,
                                            gpointer               user_data);
void            ks_verify_job_set_repair   (KsVerifyJob           *self,
                                            gboolean               repair);
KsVerifyResult *ks_verify_job_run          (KsVerifyJob           *self,
                                            GCancellable          *cancellable,
                                            GError               **error);
void            ks_verify_job_run_async    (KsVerifyJob           *self,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
KsVerifyResult *ks_verify_job_run_finish   (KsVerifyJob           *self,
                                            GAsyncResult          *result,
                                            GError               **error);

G_END_DECLS
