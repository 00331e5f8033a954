/* emu-sample-aae.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The .AAE sidecar (an XML plist) that iOS writes beside an edited photo. */

#pragma once

#include <glib.h>

#include "emu-sample-plan.h"

G_BEGIN_DECLS

GBytes *emu_aae_build (const EmuAsset *asset);

G_END_DECLS
