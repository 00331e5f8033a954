/* ks-backup-source-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the files of KsBackupSource share: the object, one camera-roll row, the folder's plists
 * (ks-backup-folder.c) and Manifest.db (ks-backup-manifest.c). Not for use outside them. */

#pragma once

#include <plist/plist.h>
#include <sqlite3.h>

#include "ks-backup-keybag.h"
#include "ks-backup-source.h"

G_BEGIN_DECLS

#define KS_BACKUP_DCIM_PREFIX "Media/DCIM/"

typedef enum
{
  KS_BACKUP_PROBLEM_NONE,
  KS_BACKUP_PROBLEM_UNSAFE_NAME,
  KS_BACKUP_PROBLEM_BAD_FILE_ID,
} KsBackupProblem;

typedef struct
{
  char            *path;             /* as reported: relative to DCIM */
  char            *file_id;
  guint64          size;
  gint64           mtime;
  KsBackupProblem  problem;
  guint32          protection_class;
  GBytes          *wrapped_key;      /* encrypted backups */
} KsBackupEntry;

struct _KsBackupSource
{
  GObject          parent_instance;

  GFile           *folder;      /* the backup itself (after ks_backup_source_find_backup) */
  char            *path;
  char            *id;
  char            *udid;
  char            *device_name;
  char            *product_type;
  gint64           date;
  gboolean         encrypted;
  gboolean         finished;
  GBytes          *keybag_data;
  GBytes          *manifest_key;

  GMutex           lock;
  char            *password;
  gboolean         use_keyring;    /* no password given: the one the keyring remembers */
  gboolean         keyring_tried;
  KsBackupKeybag  *keybag;      /* unlocked */
  sqlite3         *db;
  GError          *open_error;  /* a damaged Manifest.db stays damaged */
  GHashTable      *entries;     /* path → KsBackupEntry, of the last walk */
  GPtrArray       *walk_order;  /* of self->entries, for the next walk */
};

/* ks-backup-source.c */
void        _ks_backup_entry_free                     (KsBackupEntry   *entry);
void        _ks_backup_source_clear_password          (KsBackupSource  *self);

/* ks-backup-folder.c */
gboolean    _ks_backup_is_backup_dir                  (const char      *path);
plist_t     _ks_backup_read_plist                     (const char      *dir,
                                                       const char      *name);
const char *_ks_backup_dict_string                    (plist_t          dict,
                                                       const char      *key);
gint64      _ks_backup_dict_date                      (plist_t          dict,
                                                       const char      *key);
gboolean    _ks_backup_dict_bool                      (plist_t          dict,
                                                       const char      *key);
GBytes     *_ks_backup_dict_data                      (plist_t          dict,
                                                       const char      *key);
char       *_ks_backup_dup_text                       (const char      *s);

/* ks-backup-manifest.c; called with self->lock held */
gboolean    _ks_backup_source_open_db_locked          (KsBackupSource  *self,
                                                       GError         **error);
gboolean    _ks_backup_source_reload_entries_locked   (KsBackupSource  *self,
                                                       GCancellable    *cancellable,
                                                       GError         **error);

G_END_DECLS
