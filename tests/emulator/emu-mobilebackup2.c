/* emu-mobilebackup2.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The device side of mobilebackup2.  After the Backup request the device
 * drives: it asks the host for the previous Status.plist (and, if that
 * backup finished, its Manifest.db), its free space, creates the <UDID>/xx
 * folders, marks the snapshot "uploading", uploads the media files under
 * their SHA-1 names in batches (all of them, or only new and changed ones
 * for an incremental backup), removes what was deleted on the phone, then
 * sends Manifest.db, Manifest.plist and a finished Status.plist and ends
 * with ProcessMessage ErrorCode 0.  It never sends DLMessagePurgeDiskSpace,
 * which 1.3.0 leaves unanswered. */

#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "emu-backup-crypto.h"
#include "emu-backup-manifest.h"
#include "emu-backup-password.h"
#include "emu-backup-stream.h"
#include "emu-mobilebackup2.h"

/* A batch (one DLMessageUploadFiles) holds up to this many files or
 * bytes (a single larger file gets a batch of its own), so the host's
 * progress moves the way it does with a real phone. */
#define BATCH_MAX_FILES 256
#define BATCH_MAX_BYTES (256u * 1024u * 1024u)

/* Files the device downloads from the host (Status.plist, Info.plist,
 * Manifest.db for List) are held in memory up to this size. */
#define DOWNLOAD_MAX (256u * 1024u * 1024u)

/* An allowance for Manifest.db and the plists in the space check. */
#define METADATA_ALLOWANCE (4u * 1024u * 1024u)

static bool
dl_send (EmuConn *conn,
         plist_t  array)
{
  bool ok = emu_conn_send_plist (conn, array, true);

  plist_free (array);
  return ok;
}

static plist_t
dl_array (const char *message)
{
  plist_t array = plist_new_array ();

  plist_array_append_item (array, plist_new_string (message));
  return array;
}

static char *
dup_array_string (plist_t array,
                  guint   index)
{
  plist_t node;
  char *value = NULL;

  if (array == NULL || plist_get_node_type (array) != PLIST_ARRAY
      || plist_array_get_size (array) <= index)
    return NULL;
  node = plist_array_get_item (array, index);
  if (plist_get_node_type (node) == PLIST_STRING)
    plist_get_string_val (node, &value);
  return value;
}

static bool
send_process_message (EmuConn    *conn,
                      const char *message_name,
                      int         error_code,
                      const char *description,
                      const char *content)
{
  plist_t array = dl_array ("DLMessageProcessMessage");
  plist_t dict = plist_new_dict ();

  if (message_name != NULL)
    plist_dict_set_item (dict, "MessageName", plist_new_string (message_name));
  plist_dict_set_item (dict, "ErrorCode", plist_new_uint ((uint64_t) error_code));
  plist_dict_set_item (dict, "ErrorDescription", plist_new_string (description != NULL ? description : ""));
  if (content != NULL)
    plist_dict_set_item (dict, "Content", plist_new_string (content));
  plist_array_append_item (array, dict);
  return dl_send (conn, array);
}

/* Waits for the host's DLMessageStatusResponse; returns false when the
 * connection ended.  *@status2 (optional) receives item 3. */
static bool
wait_status (EmuConn  *conn,
             int64_t  *code,
             plist_t  *status2)
{
  for (;;)
    {
      plist_t msg = emu_conn_recv_plist (conn);
      g_autofree char *name = NULL;

      if (msg == NULL)
        return false;
      name = dup_array_string (msg, 0);
      if (g_strcmp0 (name, "DLMessageStatusResponse") == 0 && plist_array_get_size (msg) >= 2)
        {
          plist_t node = plist_array_get_item (msg, 1);
          uint64_t value = 0;

          if (plist_get_node_type (node) == PLIST_UINT)
            plist_get_uint_val (node, &value);
          /* 1.3.0 widens a negative int to 64-bit two's complement; a
           * host that sent it as 32 bits wide gets the same reading. */
          *code = (int64_t) value;
          if (value > G_MAXINT32 && value <= G_MAXUINT32)
            *code = (int32_t) (uint32_t) value;
          if (status2 != NULL)
            *status2 = plist_array_get_size (msg) >= 4
                       ? plist_copy (plist_array_get_item (msg, 3)) : NULL;
          plist_free (msg);
          return true;
        }
      if (g_strcmp0 (name, "DLMessageDisconnect") == 0)
        {
          plist_free (msg);
          return false;
        }
      plist_free (msg);
    }
}

/* DLMessageDownloadFiles: the host streams back the files it has. */
static GHashTable *
download_files (EmuConn            *conn,
                const char * const *paths,
                double              progress)
{
  plist_t array = dl_array ("DLMessageDownloadFiles");
  plist_t list = plist_new_array ();
  g_autoptr(GHashTable) files = NULL;
  int64_t code;

  for (guint i = 0; paths[i] != NULL; i++)
    plist_array_append_item (list, plist_new_string (paths[i]));
  plist_array_append_item (array, list);
  plist_array_append_item (array, plist_new_dict ());
  plist_array_append_item (array, plist_new_real (progress));
  if (!dl_send (conn, array))
    return NULL;

  files = emu_backup_stream_receive_files (conn, DOWNLOAD_MAX);
  if (files == NULL || !wait_status (conn, &code, NULL))
    return NULL;
  /* -13 "Multi status" only means some files were missing. */
  return g_steal_pointer (&files);
}

static bool
simple_request (EmuConn    *conn,
                const char *message,
                const char *path,
                int64_t    *code,
                plist_t    *status2)
{
  plist_t array = dl_array (message);

  if (path != NULL)
    {
      plist_array_append_item (array, plist_new_string (path));
      /* Same shape as the iOS message: target, then options. */
      if (g_str_equal (message, "DLMessageCreateDirectory"))
        {
          plist_array_append_item (array, plist_new_dict ());
          plist_array_append_item (array, plist_new_real (0.0));
        }
    }
  if (!dl_send (conn, array))
    return false;
  return wait_status (conn, code, status2);
}

static void
fill_identity (EmuDevice         *device,
               EmuBackupIdentity *identity)
{
  identity->udid = emu_device_get_udid (device);
  identity->device_name = emu_device_get_name (device);
  identity->product_type = emu_device_get_product_type (device);
  identity->product_version = emu_device_get_ios_version (device);
  identity->build_version = emu_device_get_build_version (device);
  identity->serial = emu_device_get_serial (device);
}

typedef struct
{
  EmuConn          *conn;
  EmuBackupStream  *stream;
  uint64_t          total_bytes;  /* everything this backup uploads */
  uint64_t          done_bytes;
  guint             batch_files;
  guint             batch_planned;  /* files announced for this batch */
  gboolean          in_batch;
} Upload;

static double
upload_progress (Upload *up)
{
  if (up->total_bytes == 0)
    return 100.0;
  return MIN (100.0, 100.0 * (double) up->done_bytes / (double) up->total_bytes);
}

static bool
batch_begin (Upload   *up,
             uint64_t  batch_bytes)
{
  plist_t array = dl_array ("DLMessageUploadFiles");

  plist_array_append_item (array, plist_new_dict ());
  plist_array_append_item (array, plist_new_real (upload_progress (up)));
  plist_array_append_item (array, plist_new_uint (batch_bytes));
  up->in_batch = TRUE;
  up->batch_files = 0;
  return dl_send (up->conn, array);
}

/* Ends the stream of the current batch and reads the host's verdict. */
static bool
batch_end (Upload  *up,
           int64_t *host_code)
{
  up->in_batch = FALSE;
  if (!emu_backup_stream_finish (up->stream))
    return false;
  return wait_status (up->conn, host_code, NULL);
}

static char *
backup_path_for (const char           *udid,
                 const EmuBackupEntry *entry)
{
  return g_strdup_printf ("%s/%.2s/%s", udid, entry->file_id, entry->file_id);
}

static plist_t
parse_plist_bytes (GBytes *bytes)
{
  gsize len;
  const char *data;
  plist_t plist = NULL;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  if (len >= 8 && memcmp (data, "bplist00", 8) == 0)
    plist_from_bin (data, (uint32_t) len, &plist);
  else if (len > 0)
    plist_from_xml (data, (uint32_t) len, &plist);
  return plist;
}

static gboolean
status_is_finished (GBytes *bytes)
{
  plist_t status = parse_plist_bytes (bytes);
  plist_t node = status != NULL ? plist_dict_get_item (status, "SnapshotState") : NULL;
  char *state = NULL;
  gboolean finished;

  if (node != NULL && plist_get_node_type (node) == PLIST_STRING)
    plist_get_string_val (node, &state);
  finished = g_strcmp0 (state, "finished") == 0;
  free (state);
  plist_free (status);
  return finished;
}

typedef struct
{
  uint64_t size;
  uint64_t mtime;
} OldFile;

/* fileID → OldFile for the regular files of a Manifest.db image, or NULL
 * when it cannot be read. */
static GHashTable *
read_old_manifest (GBytes *bytes)
{
  g_autoptr(GHashTable) old = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  unsigned char *image;
  gsize len;
  const void *data;
  gboolean ok = FALSE;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  /* sqlite owns the copy once deserialized (FREEONCLOSE). */
  image = sqlite3_malloc64 (len);
  if (image == NULL)
    return NULL;
  memcpy (image, data, len);
  if (sqlite3_open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
      || sqlite3_deserialize (db, "main", image, len, len,
                              SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT fileID, file FROM Files WHERE flags = 1", -1, &stmt, NULL) != SQLITE_OK)
    goto out;

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *file_id = (const char *) sqlite3_column_text (stmt, 0);
      plist_t archive = NULL;
      plist_t objects, top, root;
      uint64_t uid = 0;
      OldFile *entry;

      if (file_id == NULL || sqlite3_column_bytes (stmt, 1) <= 0)
        continue;
      plist_from_bin (sqlite3_column_blob (stmt, 1), (uint32_t) sqlite3_column_bytes (stmt, 1), &archive);
      objects = archive != NULL ? plist_dict_get_item (archive, "$objects") : NULL;
      top = archive != NULL ? plist_dict_get_item (archive, "$top") : NULL;
      if (objects == NULL || top == NULL || plist_dict_get_item (top, "root") == NULL)
        {
          plist_free (archive);
          continue;
        }
      plist_get_uid_val (plist_dict_get_item (top, "root"), &uid);
      root = plist_array_get_item (objects, (uint32_t) uid);
      entry = g_new0 (OldFile, 1);
      if (root != NULL && plist_dict_get_item (root, "Size") != NULL)
        plist_get_uint_val (plist_dict_get_item (root, "Size"), &entry->size);
      if (root != NULL && plist_dict_get_item (root, "LastModified") != NULL)
        plist_get_uint_val (plist_dict_get_item (root, "LastModified"), &entry->mtime);
      g_hash_table_insert (old, g_strdup (file_id), entry);
      plist_free (archive);
    }
  ok = TRUE;

out:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok ? g_steal_pointer (&old) : NULL;
}

/* DLMessageRemoveItems for what the previous backup holds and this one
 * does not (photos deleted on the phone since). */
static bool
remove_stale (EmuConn           *conn,
              const char        *udid,
              GHashTable        *old,
              EmuBackupManifest *manifest,
              double             progress,
              int64_t           *code)
{
  g_autoptr(GHashTable) current = g_hash_table_new (g_str_hash, g_str_equal);
  plist_t paths = plist_new_array ();
  plist_t array;
  GHashTableIter iter;
  gpointer key;

  *code = 0;
  for (guint i = 0; i < emu_backup_manifest_get_n_entries (manifest); i++)
    g_hash_table_add (current, emu_backup_manifest_get_entry (manifest, i)->file_id);

  g_hash_table_iter_init (&iter, old);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (current, key))
      {
        g_autofree char *path = g_strdup_printf ("%s/%.2s/%s", udid, (char *) key, (char *) key);

        plist_array_append_item (paths, plist_new_string (path));
      }
  if (plist_array_get_size (paths) == 0)
    {
      plist_free (paths);
      return true;
    }

  array = dl_array ("DLMessageRemoveItems");
  plist_array_append_item (array, paths);
  plist_array_append_item (array, plist_new_dict ());
  plist_array_append_item (array, plist_new_real (progress));
  if (!dl_send (conn, array))
    return false;
  return wait_status (conn, code, NULL);
}

static gboolean
dict_bool (plist_t     dict,
           const char *key)
{
  plist_t node = dict != NULL ? plist_dict_get_item (dict, key) : NULL;
  uint8_t value = 0;

  if (node != NULL && plist_get_node_type (node) == PLIST_BOOLEAN)
    plist_get_bool_val (node, &value);
  return value != 0;
}

static bool
fail_backup (EmuConn    *conn,
             const char *description)
{
  return send_process_message (conn, "Response", 1, description, NULL);
}

/* Returns false only when the connection is gone; backup failures are
 * reported to the host with a ProcessMessage error.  Without
 * ForceFullBackup, files the previous (finished) backup already holds with
 * the same size and modification time are not sent again, as iOS does. */
static bool
run_backup (EmuDevice *device,
            EmuConn   *conn,
            plist_t    request)
{
  const char *udid = emu_device_get_udid (device);
  g_autofree char *status_path = g_build_path ("/", udid, "Status.plist", NULL);
  g_autofree char *old_db_path = g_build_path ("/", udid, "Manifest.db", NULL);
  const char *download_status[] = { status_path, NULL };
  const char *download_db[] = { old_db_path, NULL };
  gboolean force_full = dict_bool (plist_dict_get_item (request, "Options"), "ForceFullBackup");
  g_autoptr(GError) error = NULL;
  g_autoptr(EmuBackupManifest) manifest = NULL;
  g_autoptr(GHashTable) previous = NULL;
  g_autoptr(GHashTable) old = NULL;
  g_autoptr(GPtrArray) to_send = g_ptr_array_new ();
  g_autoptr(GPtrArray) prefixes = NULL;
  g_autoptr(EmuBackupStream) stream = NULL;
  g_autoptr(GBytes) manifest_plist = NULL;
  g_autoptr(GBytes) status_uploading = NULL;
  g_autoptr(GBytes) status_finished = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *enc_path = NULL;
  g_autofree char *enc_db_path = NULL;
  g_autoptr(EmuBackupCrypto) crypto = NULL;
  /* Read once: a ChangePassword meanwhile applies to the next backup. */
  g_autofree char *password = emu_device_dup_backup_password (device);
  EmuBackupIdentity identity;
  plist_t free_node = NULL;
  uint64_t free_space = 0;
  uint64_t needed = METADATA_ALLOWANCE;
  int64_t code = 0;
  Upload up = { 0 };
  bool alive = true;

  /* iOS 16.1+ asks for the passcode first; the host only sees the
   * LocalAuthentication notifications, then either the backup or 208. */
  switch (emu_backup_ask_passcode (device, conn))
    {
    case -1:
      return false;
    case 0:
      return send_process_message (conn, "Response", EMU_MOBILEBACKUP2_ERROR_DEVICE_LOCKED,
                                   "Device locked (MBErrorDomain/208)", NULL);
    default:
      break;
    }

  /* What a real device does first: look at the previous backup's state.
   * Only a finished one can be trusted to hold what its Manifest.db says. */
  previous = download_files (conn, download_status, 0.0);
  if (previous == NULL)
    return false;
  if (status_is_finished (g_hash_table_lookup (previous, status_path)))
    {
      g_autoptr(GHashTable) files = download_files (conn, download_db, 0.0);

      if (files == NULL)
        return false;
      old = read_old_manifest (g_hash_table_lookup (files, old_db_path));
    }

  manifest = emu_backup_manifest_scan (emu_device_get_media_root (device), &error);
  if (manifest == NULL)
    return fail_backup (conn, error->message);

  for (guint i = 0; i < emu_backup_manifest_get_n_entries (manifest); i++)
    {
      const EmuBackupEntry *entry = emu_backup_manifest_get_entry (manifest, i);
      const OldFile *had = old != NULL ? g_hash_table_lookup (old, entry->file_id) : NULL;

      if (entry->flags != EMU_BACKUP_FLAG_FILE)
        continue;
      /* Encrypted: every file again, under a new key (a plain previous backup holds them
       * unencrypted). */
      if (!force_full && password == NULL && had != NULL && had->size == entry->size
          && had->mtime == (uint64_t) entry->mtime)
        continue;
      g_ptr_array_add (to_send, (gpointer) entry);
      needed += entry->size;
    }

  if (!simple_request (conn, "DLMessageGetFreeDiskSpace", NULL, &code, &free_node))
    return false;
  if (free_node != NULL && plist_get_node_type (free_node) == PLIST_UINT)
    plist_get_uint_val (free_node, &free_space);
  plist_free (free_node);
  if (code == 0 && free_space < needed)
    return send_process_message (conn, "Response", EMU_MOBILEBACKUP2_ERROR_NO_SPACE,
                                 "Insufficient free disk space on drive to upload files", NULL);

  {
    plist_t contents = NULL;

    if (!simple_request (conn, "DLContentsOfDirectory", udid, &code, &contents))
      return false;
    plist_free (contents);
  }

  /* The host does not create parent folders when it receives a file. */
  prefixes = emu_backup_manifest_dup_prefixes (manifest);
  for (guint i = 0; i < prefixes->len; i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/%s", udid, (char *) g_ptr_array_index (prefixes, i));

      if (!simple_request (conn, "DLMessageCreateDirectory", dir, &code, NULL))
        return false;
      if (code != 0)
        return fail_backup (conn, "Could not create a backup folder");
    }

  tmpdir = g_dir_make_tmp ("emu-backup-XXXXXX", &error);
  if (tmpdir == NULL)
    return fail_backup (conn, error->message);
  db_path = g_build_filename (tmpdir, "Manifest.db", NULL);
  enc_path = g_build_filename (tmpdir, "encrypted", NULL);
  enc_db_path = g_build_filename (tmpdir, "Manifest.db.encrypted", NULL);
  /* Encrypted: every file gets its own key, in Manifest.db; the files and Manifest.db itself
   * travel encrypted (each through one temporary file). */
  if (password != NULL)
    {
      crypto = emu_backup_crypto_new (password);
      for (guint i = 0; i < emu_backup_manifest_get_n_entries (manifest); i++)
        {
          uint8_t key[EMU_BACKUP_KEY_SIZE];
          g_autoptr(GBytes) wrapped = NULL;

          if (emu_backup_manifest_get_entry (manifest, i)->flags != EMU_BACKUP_FLAG_FILE)
            continue;
          wrapped = emu_backup_crypto_new_file_key (crypto, 3, key);
          emu_backup_manifest_set_entry_key (manifest, i, wrapped, key);
        }
    }
  if (!emu_backup_manifest_write_db (manifest, db_path, &error) ||
      (crypto != NULL && !emu_backup_crypto_encrypt_file (crypto, NULL, db_path, enc_db_path, &error)))
    {
      g_unlink (db_path);
      g_unlink (enc_db_path);
      g_rmdir (tmpdir);
      return fail_backup (conn, error->message);
    }

  fill_identity (device, &identity);
  {
    g_autofree char *lower = g_uuid_string_random ();

    uuid = g_ascii_strup (lower, -1);
  }
  manifest_plist = crypto == NULL
                   ? emu_backup_build_manifest_plist (&identity, FALSE)
                   : emu_backup_build_encrypted_manifest_plist (&identity, FALSE,
                                                                emu_backup_crypto_get_keybag (crypto),
                                                                emu_backup_crypto_get_manifest_key (crypto));
  status_uploading = emu_backup_build_status_plist ("uploading", uuid, old == NULL || force_full || crypto != NULL);
  status_finished = emu_backup_build_status_plist ("finished", uuid, old == NULL || force_full || crypto != NULL);

  stream = emu_backup_stream_new (conn, device);
  up.conn = conn;
  up.stream = stream;
  up.total_bytes = needed - METADATA_ALLOWANCE;

  /* Mark the snapshot as in progress first, so that an interrupted
   * backup never looks finished (and the next one is not incremental). */
  alive = batch_begin (&up, g_bytes_get_size (status_uploading))
          && emu_backup_stream_send_bytes (stream, "Status.plist", status_path, status_uploading)
          && batch_end (&up, &code);
  if (!alive)
    goto out;

  /* A hostile (or broken) phone: files named outside the backup folder. */
  if (emu_device_get_backup_hostile_paths (device))
    {
      g_autoptr(GBytes) evil = g_bytes_new_static ("hostile\n", 8);
      g_autofree char *up1 = g_strdup_printf ("%s/../../keepsake-escape.txt", udid);
      g_autofree char *up2 = g_strdup_printf ("%s/00/../../keepsake-escape2.txt", udid);

      alive = batch_begin (&up, 24)
              && emu_backup_stream_send_bytes (stream, "evil1", up1, evil)
              && emu_backup_stream_send_bytes (stream, "evil2", up2, evil)
              && emu_backup_stream_send_bytes (stream, "evil3", "/nonexistent-keepsake-hostile/abs.txt", evil)
              && batch_end (&up, &code);
      if (!alive)
        goto out;
      if (code != 0)
        {
          alive = fail_backup (conn, "The computer could not store a file");
          goto out;
        }
    }

  for (guint i = 0; i < to_send->len; i++)
    {
      const EmuBackupEntry *entry = g_ptr_array_index (to_send, i);
      g_autofree char *backup_path = backup_path_for (udid, entry);
      uint64_t before;

      if (!up.in_batch)
        {
          /* Announce the bytes of the files this batch will carry. */
          uint64_t batch_bytes = 0;
          guint files = 0;

          for (guint j = i; j < to_send->len && files < BATCH_MAX_FILES && batch_bytes < BATCH_MAX_BYTES; j++)
            {
              batch_bytes += ((const EmuBackupEntry *) g_ptr_array_index (to_send, j))->size;
              files++;
            }
          if (!(alive = batch_begin (&up, batch_bytes)))
            goto out;
          up.batch_planned = files;
        }

      before = emu_backup_stream_get_bytes_sent (stream);
      if (crypto != NULL && !emu_backup_crypto_encrypt_file (crypto, entry->key, entry->local_path,
                                                             enc_path, NULL))
        {
          alive = fail_backup (conn, "Could not encrypt a file");
          goto out;
        }
      if (!(alive = emu_backup_stream_send_file (stream, entry->relative_path, backup_path,
                                                  crypto ? enc_path : entry->local_path,
                                                  entry->media_path)))
        goto out;
      up.done_bytes += emu_backup_stream_get_bytes_sent (stream) - before;
      up.batch_files++;

      if (up.batch_files >= up.batch_planned)
        {
          if (!(alive = batch_end (&up, &code)))
            goto out;
          if (code != 0)
            {
              alive = fail_backup (conn, "The computer could not store a file");
              goto out;
            }
        }
    }

  if (old != NULL)
    {
      if (!(alive = remove_stale (conn, udid, old, manifest, upload_progress (&up), &code)))
        goto out;
      if (code != 0)
        {
          alive = fail_backup (conn, "The computer could not remove an old file");
          goto out;
        }
    }

  /* Metadata last: a backup is complete only once Status.plist says so. */
  {
    g_autofree char *plist_dst = g_build_path ("/", udid, "Manifest.plist", NULL);

    up.done_bytes = up.total_bytes;
    alive = batch_begin (&up, 0)
            && emu_backup_stream_send_file (stream, "Manifest.db", old_db_path,
                                            crypto ? enc_db_path : db_path, NULL)
            && emu_backup_stream_send_bytes (stream, "Manifest.plist", plist_dst, manifest_plist)
            && emu_backup_stream_send_bytes (stream, "Status.plist", status_path, status_finished)
            && batch_end (&up, &code);
    if (!alive)
      goto out;
    if (code != 0)
      {
        alive = fail_backup (conn, "The computer could not store the manifest");
        goto out;
      }
  }

  alive = send_process_message (conn, "Response", 0, NULL, NULL);

out:
  g_unlink (db_path);
  g_unlink (enc_path);
  g_unlink (enc_db_path);
  g_rmdir (tmpdir);
  return alive;
}

/* Info: what the host's copy of this device's Info.plist says. */
static bool
run_info (EmuDevice *device,
          EmuConn   *conn)
{
  g_autofree char *path = g_build_path ("/", emu_device_get_udid (device), "Info.plist", NULL);
  const char *download[] = { path, NULL };
  g_autoptr(GHashTable) files = download_files (conn, download, 0.0);
  GBytes *bytes;
  plist_t info = NULL;
  char *xml = NULL;
  uint32_t xml_len = 0;
  bool ok;

  if (files == NULL)
    return false;
  bytes = g_hash_table_lookup (files, path);
  if (bytes != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      if (len >= 8 && memcmp (data, "bplist00", 8) == 0)
        plist_from_bin (data, (uint32_t) len, &info);
      else if (len > 0)
        plist_from_xml (data, (uint32_t) len, &info);
    }
  if (info == NULL)
    return send_process_message (conn, "Response", 2, "No backup information found", NULL);

  plist_to_xml (info, &xml, &xml_len);
  plist_free (info);
  ok = send_process_message (conn, "Response", 0, NULL, xml);
  free (xml);
  return ok;
}

/* List: one CSV line per file in the host's Manifest.db. */
static bool
run_list (EmuDevice *device,
          EmuConn   *conn)
{
  g_autofree char *path = g_build_path ("/", emu_device_get_udid (device), "Manifest.db", NULL);
  const char *download[] = { path, NULL };
  g_autoptr(GHashTable) files = download_files (conn, download, 0.0);
  g_autoptr(GString) out = g_string_new ("Domain,RelativePath,Flags\n");
  GBytes *bytes;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  unsigned char *image;
  gsize len;
  const void *data;
  bool ok;

  if (files == NULL)
    return false;
  bytes = g_hash_table_lookup (files, path);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return send_process_message (conn, "Response", 2, "No backup manifest found", NULL);

  /* sqlite owns the image once deserialized (SQLITE_DESERIALIZE_FREEONCLOSE). */
  data = g_bytes_get_data (bytes, &len);
  image = sqlite3_malloc64 (len);
  memcpy (image, data, len);
  if (sqlite3_open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
      || sqlite3_deserialize (db, "main", image, len, len,
                              SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT domain, relativePath, flags FROM Files "
                                 "ORDER BY domain, relativePath", -1, &stmt, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      sqlite3_close (db);
      return send_process_message (conn, "Response", 1, "Unreadable backup manifest", NULL);
    }

  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s,%s,%d\n",
                            (const char *) sqlite3_column_text (stmt, 0),
                            (const char *) sqlite3_column_text (stmt, 1),
                            sqlite3_column_int (stmt, 2));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  ok = send_process_message (conn, "Response", 0, NULL, out->str);
  return ok;
}

static bool
version_exchange (EmuConn *conn)
{
  plist_t array = dl_array ("DLMessageVersionExchange");
  plist_t reply;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  plist_array_append_item (array, plist_new_uint (EMU_MOBILEBACKUP2_DL_VERSION));
  plist_array_append_item (array, plist_new_uint (0));
  if (!dl_send (conn, array))
    return false;

  reply = emu_conn_recv_plist (conn);
  first = dup_array_string (reply, 0);
  second = dup_array_string (reply, 1);
  plist_free (reply);
  if (g_strcmp0 (first, "DLMessageVersionExchange") != 0 || g_strcmp0 (second, "DLVersionsOk") != 0)
    return false;

  return dl_send (conn, dl_array ("DLMessageDeviceReady"));
}

static bool
handle_hello (EmuConn *conn,
              plist_t  request)
{
  plist_t versions = plist_dict_get_item (request, "SupportedProtocolVersions");
  plist_t array = dl_array ("DLMessageProcessMessage");
  plist_t dict = plist_new_dict ();
  gboolean supported = FALSE;

  if (versions != NULL && plist_get_node_type (versions) == PLIST_ARRAY)
    for (uint32_t i = 0; i < plist_array_get_size (versions); i++)
      {
        double v = 0;

        plist_get_real_val (plist_array_get_item (versions, i), &v);
        if (v >= 2.0 && v <= 2.1)
          supported = TRUE;
      }

  plist_dict_set_item (dict, "MessageName", plist_new_string ("Response"));
  plist_dict_set_item (dict, "ErrorCode", plist_new_uint (supported ? 0 : 1));
  if (supported)
    plist_dict_set_item (dict, "ProtocolVersion", plist_new_real (2.1));
  plist_array_append_item (array, dict);
  return dl_send (conn, array);
}

void
emu_mobilebackup2_serve (EmuDevice *device,
                         EmuConn   *conn)
{
  if (!version_exchange (conn))
    return;

  for (;;)
    {
      plist_t msg = emu_conn_recv_plist (conn);
      g_autofree char *kind = NULL;
      g_autofree char *request = NULL;
      plist_t dict;
      bool alive = true;

      if (msg == NULL)
        return;
      kind = dup_array_string (msg, 0);
      if (g_strcmp0 (kind, "DLMessageDisconnect") == 0)
        {
          plist_free (msg);
          return;
        }
      if (g_strcmp0 (kind, "DLMessageProcessMessage") != 0 || plist_array_get_size (msg) < 2
          || plist_get_node_type (dict = plist_array_get_item (msg, 1)) != PLIST_DICT)
        {
          plist_free (msg);
          continue;
        }

      {
        plist_t node = plist_dict_get_item (dict, "MessageName");
        char *value = NULL;

        if (node != NULL && plist_get_node_type (node) == PLIST_STRING)
          plist_get_string_val (node, &value);
        request = g_strdup (value);
        free (value);
      }

      g_debug ("mobilebackup2 %s: %s", emu_device_get_udid (device), request);
      if (g_strcmp0 (request, "Hello") == 0)
        alive = handle_hello (conn, dict);
      else if (g_strcmp0 (request, "Backup") == 0)
        alive = run_backup (device, conn, dict);
      else if (g_strcmp0 (request, "Info") == 0)
        alive = run_info (device, conn);
      else if (g_strcmp0 (request, "List") == 0)
        alive = run_list (device, conn);
      else if (g_strcmp0 (request, "ChangePassword") == 0)
        {
          int code = 0;
          g_autofree char *description = NULL;

          alive = emu_backup_password_change (device, conn, dict, &code, &description)
                  && send_process_message (conn, "Response", code, description, NULL);
        }
      else
        alive = send_process_message (conn, "Response", 1, "Operation not supported by this device", NULL);
      plist_free (msg);

      if (!alive)
        return;
    }
}
