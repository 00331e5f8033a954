/* ks-backup-manifest.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsBackupSource, its Manifest.db: opened read-only and immutable (sqlite makes no journal,
 * -wal or -shm file and takes no lock in the folder), or for an encrypted backup decrypted into
 * memory; either way defensive, with an untrusted schema, no extensions, views or triggers, and
 * bounded lengths. Its camera-roll rows become entries; a row whose name would leave DCIM or
 * whose fileID is no SHA-1 is kept, marked, so that reading it fails with a sentence. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>

#include "ks-backup-file-stream.h"
#include "ks-backup-secret.h"
#include "ks-backup-source-private.h"

#define DOMAIN            "CameraRollDomain"
#define MAX_MBFILE_SIZE   (256 * 1024)
#define MAX_PATH_BYTES    4096
#define MAX_FILES         2000000
/* An encrypted Manifest.db is decrypted into memory. */
#define MAX_MANIFEST_SIZE (G_GUINT64_CONSTANT (2) * 1024 * 1024 * 1024)

static gboolean
set_damaged (GError     **error,
             const char  *detail)
{
  g_set_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED,
               _("The backup’s Manifest.db is damaged or not a backup’s file list (%s)"), detail);
  return FALSE;
}

static gboolean
harden_db (sqlite3  *db,
           GError  **error)
{
  int on = 0;

  /* Untrusted file: no writing of any kind, no code from the schema, bounded sizes. */
  if (sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK ||
      sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on) != SQLITE_OK ||
      sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &on) != SQLITE_OK ||
      sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &on) != SQLITE_OK ||
      sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, &on) != SQLITE_OK)
    return set_damaged (error, sqlite3_errmsg (db));

  sqlite3_limit (db, SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024);
  sqlite3_limit (db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_exec (db, "PRAGMA query_only = ON; PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0",
                NULL, NULL, NULL);
  return TRUE;
}

static gboolean
open_plain_db (KsBackupSource  *self,
               GError         **error)
{
  g_autofree char *db_path = g_build_filename (self->path, "Manifest.db", NULL);
  g_autofree char *escaped = g_uri_escape_string (db_path, "/", FALSE);
  /* immutable: sqlite makes no journal, -wal or -shm file and takes no lock in the folder. */
  g_autofree char *uri = g_strconcat ("file:", escaped, "?mode=ro&immutable=1", NULL);
  GStatBuf st;

  if (g_lstat (db_path, &st) != 0 || !S_ISREG (st.st_mode))
    return set_damaged (error, _("it is missing or not a regular file"));

  if (sqlite3_open_v2 (uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      set_damaged (error, self->db ? sqlite3_errmsg (self->db) : "out of memory");
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }

  return TRUE;
}

/* AES-256-CBC with a zero IV over the whole file, PKCS#7 padding removed. */
static guint8 *
decrypt_whole (int            fd,
               guint64        size,
               const guint8  *key,
               gsize         *out_len,
               GError       **error)
{
  g_autoptr(GInputStream) stream = NULL;
  guint8 *plain;
  gsize done = 0;

  if (size % 16 != 0 || size == 0 || size > MAX_MANIFEST_SIZE)
    {
      close (fd);
      set_damaged (error, _("its encrypted size is wrong"));
      return NULL;
    }

  stream = ks_backup_file_stream_new (fd, size, key);
  plain = sqlite3_malloc64 (size);
  if (plain == NULL)
    {
      set_damaged (error, "out of memory");
      return NULL;
    }
  while (done < size)
    {
      gssize n = g_input_stream_read (stream, plain + done, (gsize) (size - done), NULL, error);

      if (n <= 0)
        {
          sqlite3_free (plain);
          if (n == 0)
            set_damaged (error, _("it is shorter than its size"));
          return NULL;
        }
      done += (gsize) n;
    }

  /* Strip a valid padding; a database is a whole number of pages, so there always is one. */
  if (plain[size - 1] >= 1 && plain[size - 1] <= 16)
    {
      guint pad = plain[size - 1];
      gboolean valid = TRUE;

      for (guint i = 1; i <= pad; i++)
        valid &= plain[size - i] == pad;
      if (valid)
        done -= pad;
    }

  *out_len = done;
  return plain;
}

static gboolean
open_encrypted_db (KsBackupSource  *self,
                   GError         **error)
{
  g_autoptr(KsBackupKeybag) keybag = NULL;
  const guint8 *mk;
  gsize mk_len = 0, plain_len = 0;
  guint8 key[KS_BACKUP_KEY_SIZE];
  guint8 *plain;
  int dir_fd, fd;
  struct stat st;
  gboolean from_keyring = FALSE;

  /* Blocking D-Bus, but this runs on a worker already (Manifest.db is decrypted here). */
  if (self->password == NULL && self->use_keyring && !self->keyring_tried && self->udid != NULL)
    {
      g_autoptr(GError) keyring_error = NULL;

      self->keyring_tried = TRUE;
      self->password = ks_backup_secret_lookup (self->udid, NULL, &keyring_error);
      from_keyring = self->password != NULL;
      if (keyring_error != NULL)
        g_debug ("%s", keyring_error->message);
    }
  if (self->password == NULL)
    {
      g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD,
                           _("This backup is encrypted; its password is needed to open it"));
      return FALSE;
    }
  if (self->keybag_data == NULL || self->manifest_key == NULL)
    {
      g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED,
                           _("This encrypted backup has no keybag or no Manifest.db key in its Manifest.plist"));
      return FALSE;
    }

  keybag = ks_backup_keybag_new (g_bytes_get_data (self->keybag_data, NULL),
                                 g_bytes_get_size (self->keybag_data), error);
  if (keybag == NULL)
    return FALSE;
  if (!ks_backup_keybag_unlock (keybag, self->password, error))
    {
      if (from_keyring && error != NULL
          && g_error_matches (*error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD))
        {
          /* Not the user's typing: the backup may be older than the last password change. */
          g_clear_error (error);
          g_set_error_literal (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD,
                               _("This backup is encrypted, and the password the keyring remembers for this iPhone does not open it (the backup may be older than the password); its password is needed to open it"));
        }
      if (from_keyring)
        _ks_backup_source_clear_password (self);
      return FALSE;
    }
  _ks_backup_source_clear_password (self);

  /* ManifestKey: the protection class (4 bytes, little-endian), then the wrapped key. */
  mk = g_bytes_get_data (self->manifest_key, &mk_len);
  if (mk_len < 4 ||
      !ks_backup_keybag_unwrap (keybag, (guint32) mk[0] | (guint32) mk[1] << 8 |
                                        (guint32) mk[2] << 16 | (guint32) mk[3] << 24,
                                mk + 4, mk_len - 4, key, error))
    return FALSE;

  dir_fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  fd = dir_fd < 0 ? -1 : openat (dir_fd, "Manifest.db", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (dir_fd >= 0)
    close (dir_fd);
  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      if (fd >= 0)
        close (fd);
      OPENSSL_cleanse (key, sizeof key);
      return set_damaged (error, _("it is missing or not a regular file"));
    }

  plain = decrypt_whole (fd, (guint64) st.st_size, key, &plain_len, error);
  OPENSSL_cleanse (key, sizeof key);
  if (plain == NULL)
    return FALSE;

  if (sqlite3_open_v2 (":memory:", &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_deserialize (self->db, "main", plain, (sqlite3_int64) plain_len, (sqlite3_int64) plain_len,
                           SQLITE_DESERIALIZE_READONLY | SQLITE_DESERIALIZE_FREEONCLOSE) != SQLITE_OK)
    {
      set_damaged (error, self->db ? sqlite3_errmsg (self->db) : "out of memory");
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }

  self->keybag = g_steal_pointer (&keybag);
  return TRUE;
}

/* Called with the lock held. */
gboolean
_ks_backup_source_open_db_locked (KsBackupSource  *self,
                    GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (self->db != NULL)
    return TRUE;
  if (self->open_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->open_error));
      return FALSE;
    }

  ok = self->encrypted ? open_encrypted_db (self, &local_error) : open_plain_db (self, &local_error);
  if (ok)
    ok = harden_db (self->db, &local_error);
  if (!ok)
    {
      g_clear_pointer (&self->db, sqlite3_close);
      /* A missing or wrong password may be fixed by the next one; a damaged file is final. */
      if (!g_error_matches (local_error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_NEEDS_PASSWORD) &&
          !g_error_matches (local_error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_WRONG_PASSWORD))
        self->open_error = g_error_copy (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/* --- the rows ------------------------------------------------------------------------------- */

static plist_t
archive_object (plist_t  objects,
                plist_t  ref)
{
  uint64_t uid = 0;

  if (ref == NULL || plist_get_node_type (ref) != PLIST_UID)
    return NULL;
  plist_get_uid_val (ref, &uid);
  if (uid >= plist_array_get_size (objects))
    return NULL;
  return plist_array_get_item (objects, (uint32_t) uid);
}

static guint64
dict_uint (plist_t     dict,
           const char *key)
{
  plist_t node = plist_dict_get_item (dict, key);
  uint64_t val = 0;

  if (node == NULL || plist_get_node_type (node) != PLIST_UINT)
    return 0;
  plist_get_uint_val (node, &val);
  return val;
}

/* The MBFile archived in Files.file: Size, LastModified, and for an encrypted backup
 * ProtectionClass and EncryptionKey (its class in 4 bytes, then the wrapped key). */
static gboolean
parse_mbfile (const void *blob,
              gsize       len,
              KsBackupEntry      *entry)
{
  plist_t root = NULL, objects, top, mbfile, key_obj;
  gboolean ok = FALSE;

  if (blob == NULL || len < 8 || len > MAX_MBFILE_SIZE || memcmp (blob, "bplist00", 8) != 0)
    return FALSE;
  plist_from_bin (blob, (uint32_t) len, &root);
  if (root == NULL || plist_get_node_type (root) != PLIST_DICT)
    goto out;
  objects = plist_dict_get_item (root, "$objects");
  top = plist_dict_get_item (root, "$top");
  if (objects == NULL || plist_get_node_type (objects) != PLIST_ARRAY ||
      top == NULL || plist_get_node_type (top) != PLIST_DICT)
    goto out;
  mbfile = archive_object (objects, plist_dict_get_item (top, "root"));
  if (mbfile == NULL || plist_get_node_type (mbfile) != PLIST_DICT)
    goto out;

  entry->size = dict_uint (mbfile, "Size");
  entry->mtime = (gint64) MIN (dict_uint (mbfile, "LastModified"), (guint64) G_MAXINT64);
  entry->protection_class = (guint32) dict_uint (mbfile, "ProtectionClass");
  key_obj = archive_object (objects, plist_dict_get_item (mbfile, "EncryptionKey"));
  if (key_obj != NULL && plist_get_node_type (key_obj) == PLIST_DICT)
    {
      g_autoptr(GBytes) data = _ks_backup_dict_data (key_obj, "NS.data");

      if (data != NULL && g_bytes_get_size (data) > 4)
        entry->wrapped_key = g_bytes_new_from_bytes (data, 4, g_bytes_get_size (data) - 4);
    }
  ok = plist_dict_get_item (mbfile, "Size") != NULL;

out:
  g_clear_pointer (&root, plist_free);
  return ok;
}

static gboolean
file_id_is_valid (const char *id,
                  gsize       len)
{
  if (len != 40)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* One Files row of the camera roll as an entry, or NULL if it is not in DCIM. */
static KsBackupEntry *
entry_from_row (sqlite3_stmt *stmt)
{
  const char *id = (const char *) sqlite3_column_text (stmt, 0);
  int id_len = sqlite3_column_bytes (stmt, 0);
  const char *rel = (const char *) sqlite3_column_blob (stmt, 1);
  int rel_len = sqlite3_column_bytes (stmt, 1);
  const void *blob = sqlite3_column_blob (stmt, 2);
  int blob_len = sqlite3_column_bytes (stmt, 2);
  g_autofree char *raw = NULL;
  const char *rest;
  gboolean absolute = FALSE;
  KsBackupEntry *entry;

  if (rel == NULL || rel_len <= 0 || rel_len > MAX_PATH_BYTES)
    return NULL;

  raw = g_strndup (rel, (gsize) rel_len);
  rest = raw;
  while (*rest == '/')
    {
      rest++;
      absolute = TRUE;
    }
  if (!g_str_has_prefix (rest, KS_BACKUP_DCIM_PREFIX))
    return NULL;
  rest += strlen (KS_BACKUP_DCIM_PREFIX);

  entry = g_new0 (KsBackupEntry, 1);
  entry->file_id = id ? g_strndup (id, (gsize) id_len) : g_strdup ("");
  if (memchr (rel, '\0', (gsize) rel_len) != NULL)
    {
      /* g_strndup stopped at the NUL: show the name up to it, marked. */
      entry->path = g_strconcat (rest, "\xef\xbf\xbd", NULL);
      entry->problem = KS_BACKUP_PROBLEM_UNSAFE_NAME;
    }
  else
    {
      entry->path = g_strdup (rest);
      if (absolute || !ks_source_path_is_safe (rest))
        entry->problem = KS_BACKUP_PROBLEM_UNSAFE_NAME;
    }
  if (entry->problem == KS_BACKUP_PROBLEM_NONE && (id == NULL || !file_id_is_valid (id, (gsize) id_len)))
    entry->problem = KS_BACKUP_PROBLEM_BAD_FILE_ID;

  if (!parse_mbfile (blob, blob_len > 0 ? (gsize) blob_len : 0, entry))
    entry->size = 0;   /* unknown: opening the file says what it holds */

  return entry;
}

static int
progress_cb (void *data)
{
  return g_cancellable_is_cancelled (data) ? 1 : 0;
}

/* Files of one folder together, the newest folder (highest name) first, names ascending. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const KsBackupEntry *ea = *(const KsBackupEntry * const *) a;
  const KsBackupEntry *eb = *(const KsBackupEntry * const *) b;
  const char *sa = strrchr (ea->path, '/');
  const char *sb = strrchr (eb->path, '/');
  gsize la = sa ? (gsize) (sa - ea->path) : 0;
  gsize lb = sb ? (gsize) (sb - eb->path) : 0;
  int cmp = strncmp (ea->path, eb->path, MIN (la, lb));

  if (cmp == 0 && la != lb)
    cmp = la < lb ? -1 : 1;
  if (cmp != 0)
    return -cmp;
  return strcmp (ea->path, eb->path);
}

/* Reads the camera roll's rows. Called with the lock held. */
static GPtrArray *
load_entries_locked (KsBackupSource  *self,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) _ks_backup_entry_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!_ks_backup_source_open_db_locked (self, error))
    return NULL;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT fileID, CAST(relativePath AS BLOB), file FROM Files "
                           "WHERE domain = '" DOMAIN "' AND flags = 1 "
                           "AND relativePath LIKE '%Media/DCIM/%'",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_damaged (error, sqlite3_errmsg (self->db));
      return NULL;
    }

  if (cancellable != NULL)
    sqlite3_progress_handler (self->db, 10000, progress_cb, cancellable);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KsBackupEntry *entry = entry_from_row (stmt);

      if (entry == NULL)
        continue;
      if (entries->len >= MAX_FILES)
        {
          _ks_backup_entry_free (entry);
          rc = SQLITE_TOOBIG;
          break;
        }
      g_ptr_array_add (entries, entry);
    }
  sqlite3_progress_handler (self->db, 0, NULL, NULL);

  if (rc != SQLITE_DONE)
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_cancellable_set_error_if_cancelled (cancellable, error);
      else if (rc == SQLITE_TOOBIG)
        g_set_error (error, KS_BACKUP_SOURCE_ERROR, KS_BACKUP_SOURCE_ERROR_DAMAGED,
                     _("The backup lists more than %d camera files; Keepsake does not read it"), MAX_FILES);
      else
        set_damaged (error, sqlite3_errmsg (self->db));
      sqlite3_finalize (stmt);
      return NULL;
    }
  sqlite3_finalize (stmt);

  g_ptr_array_sort (entries, compare_entries);
  return g_steal_pointer (&entries);
}

/* Takes @entries; returns the walk order, whose entries the new @out_map owns. Two rows for one
 * name (a hostile or broken Manifest.db): the first one counts. */
static GPtrArray *
index_entries (GPtrArray   *entries,
               GHashTable **out_map)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _ks_backup_entry_free);
  GPtrArray *order = g_ptr_array_sized_new (entries->len);

  g_ptr_array_set_free_func (entries, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      KsBackupEntry *entry = g_ptr_array_index (entries, i);

      if (g_hash_table_contains (map, entry->path))
        {
          g_debug ("Backup lists %s twice; using the first row", entry->path);
          _ks_backup_entry_free (entry);
          continue;
        }
      g_hash_table_insert (map, entry->path, entry);
      g_ptr_array_add (order, entry);
    }
  g_ptr_array_unref (entries);

  *out_map = map;
  return order;
}

/* Reads the camera roll into self->entries; the walk order is kept for the next walk. Called
 * with the lock held. */
gboolean
_ks_backup_source_reload_entries_locked (KsBackupSource  *self,
                       GCancellable    *cancellable,
                       GError         **error)
{
  GPtrArray *entries = load_entries_locked (self, cancellable, error);
  GHashTable *map = NULL;

  if (entries == NULL)
    return FALSE;

  g_clear_pointer (&self->walk_order, g_ptr_array_unref);
  self->walk_order = index_entries (entries, &map);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  self->entries = map;
  return TRUE;
}
