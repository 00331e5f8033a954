/* ks-test-keyring.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A real gnome-keyring-daemon on a private D-Bus session bus (its own dbus-daemon, its own
 * HOME under @dir, a "login" keyring created unlocked), for tests of what Keepsake keeps in the
 * user's keyring. Start it before anything in the process talks to D-Bus:
 * DBUS_SESSION_BUS_ADDRESS is set to the private bus. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KsTestKeyring KsTestKeyring;

/* NULL with @error when the tools are missing (G_IO_ERROR_NOT_FOUND: skip) or fail. */
KsTestKeyring *ks_test_keyring_start (const char     *dir,
                                      GError        **error);
/* The folder that holds the keyring files. */
const char    *ks_test_keyring_get_dir (KsTestKeyring *self);
void           ks_test_keyring_stop  (KsTestKeyring  *self);

G_END_DECLS
