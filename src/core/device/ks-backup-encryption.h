/* ks-backup-encryption.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Whether an iPhone encrypts its full backups, and changing that: the backup password lives on
 * the phone (lockdown's com.apple.mobile.backup/WillEncrypt says whether there is one), and
 * mobilebackup2's ChangePassword message sets it (NewPassword), changes it (OldPassword and
 * NewPassword) or removes it (OldPassword). iOS 13 and later ask for the phone's passcode to
 * confirm; the phone then answers ErrorCode 0, or 207 for a wrong old password.
 *
 * Done better than idevicebackup2's `encryption`/`changepw`: the request is refused before it
 * is sent when it cannot apply (on when already on…); the phone's passcode screen is reported
 * (com.apple.LocalAuthentication.ui.presented); a wrong password, a change the phone was not
 * allowed to make and a phone that went away are told apart; and the result is checked by
 * reading WillEncrypt again. Passwords are only ever held in memory and wiped after use. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  KS_BACKUP_ENCRYPTION_ACTION_ON,      /* new password */
  KS_BACKUP_ENCRYPTION_ACTION_OFF,     /* current password */
  KS_BACKUP_ENCRYPTION_ACTION_CHANGE,  /* current and new password */
} KsBackupEncryptionAction;

typedef enum
{
  KS_BACKUP_ENCRYPTION_PHASE_CONNECTING,
  KS_BACKUP_ENCRYPTION_PHASE_CONFIRMING,   /* asked; the iPhone may ask for its passcode */
  KS_BACKUP_ENCRYPTION_PHASE_PASSCODE,     /* the iPhone shows its passcode screen */
} KsBackupEncryptionPhase;

/* Blocking (worker threads only). */
gboolean  ks_backup_encryption_query  (const char               *udid,
                                       gboolean                 *out_will_encrypt,
                                       GCancellable             *cancellable,
                                       GError                  **error);

typedef void (*KsBackupEncryptionPhaseFunc) (KsBackupEncryptionPhase phase,
                                             gpointer                user_data);

gboolean  ks_backup_encryption_change (const char                  *udid,
                                       KsBackupEncryptionAction     action,
                                       const char                  *old_password,
                                       const char                  *new_password,
                                       KsBackupEncryptionPhaseFunc  phase_func,
                                       gpointer                     user_data,
                                       GCancellable                *cancellable,
                                       GError                     **error);

/* The same on a worker; @phase_func (optional) is called on the caller's thread-default main
 * context, never after @callback (keep @phase_data alive until then). The passwords are
 * copied and wiped when the task ends. */
void      ks_backup_encryption_query_async   (const char           *udid,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean  ks_backup_encryption_query_finish  (GAsyncResult         *result,
                                              gboolean             *out_will_encrypt,
                                              GError              **error);
void      ks_backup_encryption_change_async  (const char                  *udid,
                                              KsBackupEncryptionAction     action,
                                              const char                  *old_password,
                                              const char                  *new_password,
                                              KsBackupEncryptionPhaseFunc  phase_func,
                                              gpointer                     phase_data,
                                              GCancellable                *cancellable,
                                              GAsyncReadyCallback          callback,
                                              gpointer                     user_data);
gboolean  ks_backup_encryption_change_finish (GAsyncResult         *result,
                                              GError              **error);

/* Overwrites @password's bytes with zeros and frees it. */
void      ks_backup_password_free            (char                 *password);

G_END_DECLS
