/* ks-drive-eject.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Ejecting a drive destination's drive, for the Eject buttons of the destination rows in
 * Preferences, of the window's toast after a backup and of the notification that a backup
 * finished: GIO's asynchronous eject (or unmount) of the mount holding a folder, refused
 * while a backup of this process still writes there, with the sentence a toast says
 * afterwards; and which drives a finished run stored to. */

#pragma once

#include <gtk/gtk.h>

#include "ks-backup-service.h"

G_BEGIN_DECLS

/* A drive a run stored to, as the run found it: its folder there, and what the user calls it. */
typedef struct
{
  char *path;
  char *name;
  char *uuid;
} KsRunDrive;

GPtrArray *ks_run_drive_list     (KsBackupRun          *run);
void       ks_run_drive_free     (KsRunDrive           *drive);

void       ks_drive_eject_async  (const char           *path,
                                  const char           *name,
                                  const char           *uuid,
                                  KsBackupService      *service,
                                  GtkWindow            *parent,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
gboolean   ks_drive_eject_finish (GAsyncResult         *result,
                                  char                **out_message);

G_END_DECLS
