/* ks-mobilebackup2.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A full device backup over com.apple.mobilebackup2: the host side of the DeviceLink
 * conversation that Finder and idevicebackup2 hold with an iPhone. Blocking; worker threads
 * only.
 *
 * The sequence is libimobiledevice 1.3.0's tools/idevicebackup2.c (lockdown, the
 * notification_proxy sync lock, the version exchange, the `Backup` request, then every
 * DeviceLink message the phone sends), done better where the tool falls short:
 *
 *  - every file the phone uploads is written under a temporary name, fsync'ed and renamed;
 *    the folders it changed are fsync'ed before the phone is told the batch arrived;
 *  - paths the phone sends are untrusted: they must start with "<UDID>/", may not hold "." or
 *    ".." parts, and are walked one folder at a time without following symlinks, so nothing is
 *    ever read or written outside @backup_dir;
 *  - DLMessagePurgeDiskSpace is answered; free space is f_bavail × f_frsize;
 *  - no fixed receive timeout: a phone that is busy (or waits for its passcode) is waited for
 *    as long as the connection lives; reads are sliced so that @cancellable stops the run
 *    within a fraction of a second;
 *  - iOS 16.1+ asks for the passcode on the phone at every backup start: the
 *    com.apple.LocalAuthentication.ui.presented / .dismissed notifications become the
 *    KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE phase;
 *  - ProcessMessage errors (208: the passcode was not entered, 105: no space…) become
 *    sentences.
 *
 * The framing of the mobilebackup2 connection is done here over idevice_connection_t rather
 * than with 1.3.0's mobilebackup2_receive_message()/receive_raw(), whose reads are either
 * bounded by a hard-coded 30 s or unbounded and uncancellable. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_MOBILEBACKUP2_ERROR (ks_mobilebackup2_error_quark ())

typedef enum
{
  KS_MOBILEBACKUP2_ERROR_FAILED,          /* the phone reported an error (the sentence says which) */
  KS_MOBILEBACKUP2_ERROR_PROTOCOL,        /* the phone said something this host cannot follow */
  KS_MOBILEBACKUP2_ERROR_DEVICE_LOCKED,   /* 208: the passcode was not entered on the phone */
  KS_MOBILEBACKUP2_ERROR_NO_SPACE,        /* 105, or a write failed with ENOSPC */
  KS_MOBILEBACKUP2_ERROR_UNSAFE_PATH,     /* the phone named a path outside the backup folder */
  KS_MOBILEBACKUP2_ERROR_DISCONNECTED,    /* the phone went away mid-backup */
  KS_MOBILEBACKUP2_ERROR_NOT_FINISHED,    /* the phone said "done" but Status.plist is not finished */
  KS_MOBILEBACKUP2_ERROR_WRONG_PASSWORD,  /* 207: the phone refused the backup password */
  KS_MOBILEBACKUP2_ERROR_NOT_CONFIRMED,   /* a password change was not confirmed on the phone */
  KS_MOBILEBACKUP2_ERROR_INVALID_STATE,   /* encryption is already on (or off) */
} KsMobilebackup2Error;

GQuark ks_mobilebackup2_error_quark (void);

typedef enum
{
  KS_MOBILEBACKUP2_PHASE_CONNECTING,
  KS_MOBILEBACKUP2_PHASE_WAITING_FOR_PASSCODE,
  KS_MOBILEBACKUP2_PHASE_PREPARING,
  KS_MOBILEBACKUP2_PHASE_RECEIVING,
  KS_MOBILEBACKUP2_PHASE_FINISHING,
} KsMobilebackup2Phase;

typedef struct
{
  KsMobilebackup2Phase phase;
  double               percent;          /* the phone's overall progress, 0–100, never goes back */
  guint64              files_received;   /* made durable in the backup folder */
  guint64              bytes_received;
} KsMobilebackup2Progress;

/* Called on the backup's thread, at most every few hundred ms and at every phase change. */
typedef void (*KsMobilebackup2ProgressFunc) (const KsMobilebackup2Progress *progress,
                                             gpointer                       user_data);

/* What the phone told about itself before the backup (for Info.plist and the job). */
typedef struct
{
  char     *device_name;
  char     *product_type;
  char     *product_version;
  gboolean  will_encrypt;
} KsMobilebackup2DeviceInfo;

void      ks_mobilebackup2_device_info_clear (KsMobilebackup2DeviceInfo *info);

/* Backs up the phone @udid into @backup_dir, the folder that holds (and is) "<UDID>/" of a
 * standard backup: the phone's paths "<UDID>/xx/…" land in @backup_dir/xx/…. The folder may
 * hold the previous backup (the phone then sends only what changed, unless @force_full).
 * @out_info (optional) receives what the phone said about itself; set even when the backup
 * fails after the connection was made. Returns TRUE only when the phone ended with
 * ErrorCode 0 and Status.plist in @backup_dir says "finished". */
gboolean  ks_mobilebackup2_backup  (const char                  *udid,
                                    const char                  *backup_dir,
                                    gboolean                     force_full,
                                    KsMobilebackup2ProgressFunc  progress_func,
                                    gpointer                     user_data,
                                    KsMobilebackup2DeviceInfo   *out_info,
                                    GCancellable                *cancellable,
                                    GError                     **error);

/* The sentence for a ProcessMessage ErrorCode (with the phone's own description as a
 * fallback for codes this host does not know). */
char     *ks_mobilebackup2_describe_error (guint64     code,
                                           const char *description);

/* Folder helpers for backup folders (they never follow symlinks): removes @name in @dir_fd
 * and everything below it (ENOENT is success), and makes @to_name in @to_dir_fd a copy of
 * the tree @from_name in @from_dir_fd in which regular files are hard links (or copies
 * where the file system has no hard links). */
gboolean  ks_backup_tree_remove    (int            dir_fd,
                                    const char    *name,
                                    GCancellable  *cancellable,
                                    GError       **error);
gboolean  ks_backup_tree_link_copy (int            from_dir_fd,
                                    const char    *from_name,
                                    int            to_dir_fd,
                                    const char    *to_name,
                                    GCancellable  *cancellable,
                                    GError       **error);
/* Bytes of the regular files below @path, and of those with no other hard link. */
gboolean  ks_backup_tree_measure   (const char    *path,
                                    guint64       *out_total,
                                    guint64       *out_own,
                                    GError       **error);

G_END_DECLS
