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

/* Called on the writer thread after each file is finished for every destination (copied,
 * skipped or failed), with the number of files finished so far. */
typedef void (*KsImportJobFileHook) (KsImportJob *self,
                                     guint        n_finished,
                                     gpointer     user_data);

void _ks_import_job_set_file_hook (KsImportJob         *self,
                                   KsImportJobFileHook  hook,
                                   gpointer             user_data);

G_END_DECLS
