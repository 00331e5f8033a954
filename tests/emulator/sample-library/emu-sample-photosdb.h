/* emu-sample-photosdb.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PhotoData/Photos.sqlite (+ -wal) for a sample library, in the schema of one iOS release:
 * the assets of the plan with their flags, user albums in folders, bursts, Recently Deleted,
 * the Shared Library, and originals that are only in iCloud. */

#pragma once

#include <glib.h>

#include "emu-sample-plan.h"

G_BEGIN_DECLS

/* Writes @out/PhotoData/Photos.sqlite for @plan; with @manifest (nullable), a key file of
 * what it wrote (counts of favourites, hidden, trashed, …, album sizes) for tests. */
gboolean emu_photosdb_write (const char        *out,
                             GArray            *plan,
                             const EmuOptions  *options,
                             const char        *manifest,
                             GError           **error);

G_END_DECLS
