/* ks-dirfd.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Safe directory operations for destinations on a local filesystem: every path is opened
 * relative to a root descriptor, one component at a time, never following a symlink, so no
 * name can lead a write outside the root. Files are created O_EXCL and moved into place
 * without replacing anything. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How a file gets its final name without replacing one (filesystems differ). */
typedef enum
{
  KS_PUBLISH_RENAME_NOREPLACE,
  KS_PUBLISH_LINK,
  KS_PUBLISH_CHECK_THEN_RENAME,
} KsPublishMode;

gboolean  ks_set_errno_error      (GError        **error,
                                   int             errsv,
                                   const char     *format,
                                   ...) G_GNUC_PRINTF (3, 4);
void      ks_close_fd             (int            *fd);

int       ks_dirfd_open_chain     (int             root_fd,
                                   const char     *where,
                                   const char     *rel_dir,
                                   gboolean        create,
                                   GError        **error);
int       ks_fd_sync_file         (int             fd);
int       ks_fd_sync_data         (int             fd);
gboolean  ks_fd_write_all         (int             fd,
                                   const void     *data,
                                   gsize           len);
int       ks_dirfd_create_temp    (int             dir_fd,
                                   const char     *hint,
                                   char          **out_name);
int       ks_dirfd_publish        (KsPublishMode  *mode,
                                   int             from_dir,
                                   const char     *from,
                                   int             to_dir,
                                   const char     *to);
char     *ks_dirfd_read_all       (int             dir_fd,
                                   const char     *name,
                                   gsize          *out_len,
                                   int            *out_errno);
gboolean  ks_dirfd_write_file     (int             dir_fd,
                                   const char     *where,
                                   const char     *name,
                                   const char     *contents,
                                   gsize           len,
                                   KsPublishMode  *no_replace_mode,
                                   GError        **error);
void      ks_dirfd_clean_temps    (int             dir_fd,
                                   GCancellable   *cancellable);

G_END_DECLS
