/* ks-import-job-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Hooks tests use to act at a precise point of a run (cancel, fill or remove the
 * destination after the Nth file). */

#pragma once

#include "ks-import-job.h"

G_BEGIN_DECLS

/* Called on the committer thread after each file is finished for every destination (copied,
 * skipped or failed), with the number of files finished so far. With a hook set (and no
 * pipeline depth), files go one at a time: the next one is begun only after the hook of the
 * last returned, so a hook acts "between file N and N+1". */
typedef void (*KsImportJobFileHook) (KsImportJob *self,
                                     guint        n_finished,
                                     gpointer     user_data);

void _ks_import_job_set_file_hook (KsImportJob         *self,
                                   KsImportJobFileHook  hook,
                                   gpointer             user_data);

/* How many files may be written and waiting for their commit (default: by descriptors, up
 * to 64; committed in batches of half that). 1 = one file at a time. */
void _ks_import_job_set_pipeline_depth (KsImportJob *self,
                                        guint        depth);

G_END_DECLS
