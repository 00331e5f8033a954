/* ks-mobilebackup2-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Shared by ks-mobilebackup2.c (the conversation) and ks-mobilebackup2-files.c (the backup
 * folder side of it: untrusted paths, receiving and sending files, the folder operations). */

#pragma once

#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <plist/plist.h>

#include "ks-mobilebackup2.h"

G_BEGIN_DECLS

/* DeviceLink file stream block codes (tools/idevicebackup2.c). */
#define KS_MB2_CODE_SUCCESS      0x00
#define KS_MB2_CODE_ERROR_LOCAL  0x06
#define KS_MB2_CODE_ERROR_REMOTE 0x0b
#define KS_MB2_CODE_FILE_DATA    0x0c

#define KS_MB2_EMPTY "___EmptyParameterString___"

/* The phone's passcode screen (iOS 16.1+ at a backup's start; also when it confirms a change
 * of the backup password). */
#define KS_MB2_LA_PRESENTED "com.apple.LocalAuthentication.ui.presented"
#define KS_MB2_LA_DISMISSED "com.apple.LocalAuthentication.ui.dismissed"

/* What libimobiledevice's notification thread tells (atomics). Apart from KsMb2: it lives
 * until that thread has stopped, which may be after the backup returned. */
typedef struct
{
  gint passcode_shown;   /* the passcode screen is up on the phone */
  gint cancel_requested; /* the phone asked to cancel */
} KsMb2Notified;

typedef struct
{
  char                        *udid;
  int                          root_fd;        /* the <UDID>/ folder */
  idevice_connection_t         conn;
  GCancellable                *cancellable;
  KsMobilebackup2ProgressFunc  progress_func;
  gpointer                     user_data;
  KsMobilebackup2Progress      progress;
  gint64                       last_progress_us;
  KsMb2Notified               *notified;
  GError                      *local_error;      /* first error of ours during the run */
  guint8                      *buffer;           /* one block of file data */
} KsMb2;

/* ks-mobilebackup2.c */
gboolean  _ks_mb2_read_exact      (KsMb2          *self,
                                   void           *buf,
                                   gsize           len,
                                   GError        **error);
gboolean  _ks_mb2_write_all       (KsMb2          *self,
                                   const void     *buf,
                                   gsize           len,
                                   GError        **error);
gboolean  _ks_mb2_send_status     (KsMb2          *self,
                                   gint64          code,
                                   const char     *status1,
                                   plist_t         status2,
                                   GError        **error);
void      _ks_mb2_set_phase       (KsMb2          *self,
                                   KsMobilebackup2Phase phase);
void      _ks_mb2_report          (KsMb2          *self,
                                   gboolean        force);
void      _ks_mb2_note_error      (KsMb2          *self,
                                   GError         *error);
/* The phone's overall progress at @index of @msg, kept monotonic. */
void      _ks_mb2_progress_from   (KsMb2          *self,
                                   plist_t         msg,
                                   uint32_t        index);
/* The DeviceLink framing (4-byte big-endian length, then a plist) and the handshake
 * (DLMessageVersionExchange, DeviceReady, Hello). _ks_mb2_send_process_message() takes
 * @dict. */
plist_t   _ks_mb2_recv_plist      (KsMb2          *self,
                                   GError        **error);
gboolean  _ks_mb2_send_process_message (KsMb2    *self,
                                   plist_t         dict,
                                   GError        **error);
gboolean  _ks_mb2_handshake       (KsMb2          *self,
                                   GError        **error);
/* Starts the service, connects (TLS when asked) and shakes hands; self->conn is set. */
gboolean  _ks_mb2_connect         (KsMb2               *self,
                                   idevice_t            device,
                                   lockdownd_client_t   lockdown,
                                   GError             **error);
/* DLMessageDisconnect; whether it arrives does not matter. */
void      _ks_mb2_say_goodbye     (KsMb2          *self);
/* notification_proxy callback: @user_data is the KsMb2Notified (passcode screen, sync cancel). */
void      _ks_mb2_notification_cb (const char     *name,
                                   void           *user_data);
/* A copy of a string node's value (g_free), NULL for anything else. */
char     *_ks_mb2_string_value    (plist_t         node);

/* ks-mobilebackup2-files.c: each handles one DeviceLink message (@msg is the whole array)
 * and answers it; FALSE only when the connection failed or was cancelled. */
gboolean  _ks_mb2_upload_files    (KsMb2 *self, plist_t msg, GError **error);
gboolean  _ks_mb2_download_files  (KsMb2 *self, plist_t msg, GError **error);
gboolean  _ks_mb2_free_space      (KsMb2 *self, GError **error);
gboolean  _ks_mb2_contents_of_dir (KsMb2 *self, plist_t msg, GError **error);
gboolean  _ks_mb2_create_dir      (KsMb2 *self, plist_t msg, GError **error);
gboolean  _ks_mb2_move_items      (KsMb2 *self, plist_t msg, GError **error);
gboolean  _ks_mb2_remove_items    (KsMb2 *self, plist_t msg, GError **error);
gboolean  _ks_mb2_copy_item       (KsMb2 *self, plist_t msg, GError **error);

/* Opens the folder that holds the last part of @device_path ("<UDID>/a/b" → fd of a,
 * *@out_leaf = "b"; "<UDID>" → a dup of the root, *@out_leaf = NULL). Parent folders are
 * made when @create. Sets KS_MOBILEBACKUP2_ERROR_UNSAFE_PATH for a path that would leave
 * the backup folder. */
int       _ks_mb2_open_parent     (KsMb2          *self,
                                   const char     *device_path,
                                   gboolean        create,
                                   char          **out_leaf,
                                   GError        **error);
/* The DeviceLink error code for an errno (ENOENT -6, EEXIST -7, …). */
gint64    _ks_mb2_errno_code      (int             errsv);

G_END_DECLS
