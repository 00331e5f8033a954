/* ks-safe-name.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Turning a name from a device (raw, maybe hostile) into one file name that every
 * destination file system accepts (ext4, FAT/exFAT, NTFS, APFS), and comparing names
 * the way case-insensitive file systems do. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_SAFE_NAME_MAX_BYTES 255

char     *ks_safe_name_make          (const char *name,
                                      gssize      len);
gboolean  ks_safe_name_is_safe       (const char *name);
char     *ks_safe_name_casefold_key  (const char *name);
char     *ks_safe_name_add_counter   (const char *safe_name,
                                      guint       counter);
void      ks_safe_name_split         (const char *name,
                                      char      **stem,
                                      char      **ext);
char     *ks_safe_name_truncate      (const char *s,
                                      gsize       max_bytes);

G_END_DECLS
