/* ks-destination.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsDestination: a place files are stored (a folder now; later an rclone remote or a drive
 * recognised by UUID). Each keeps its own index of what it holds, so it is recognised and
 * never re-filled even when the app's own data is gone. */

#pragma once

#include <gio/gio.h>

#include "ks-photo-info.h"

G_BEGIN_DECLS

#define KS_DESTINATION_ERROR (ks_destination_error_quark ())

typedef enum
{
  KS_DESTINATION_ERROR_UNAVAILABLE,   /* removed, unmounted, not a folder */
  KS_DESTINATION_ERROR_VERIFY_FAILED, /* what is on disk is not what was written */
  KS_DESTINATION_ERROR_UNSAFE_PATH,   /* a relative path that would leave the destination */
  KS_DESTINATION_ERROR_BUSY,          /* another run (here or in another process) has it open */
} KsDestinationError;

GQuark ks_destination_error_quark (void);

/**
 * KsDestinationEntry:
 * @hash: SHA-256 (hex) of the file's content
 * @size: bytes
 * @relative_path: '/'-separated, relative to the destination root
 * @original_hash: (nullable): for a file made from a stored original (a JPEG copy of a
 *   HEIC photo), the original's hash; such a file is no copy of anything
 *
 * One line of a destination's own index.
 */
typedef struct
{
  char    *hash;
  guint64  size;
  char    *relative_path;
  char    *original_hash;
} KsDestinationEntry;

void ks_destination_entry_free (KsDestinationEntry *entry);

/* An in-progress file, owned by the destination that began it. */
typedef struct _KsDestinationWriter KsDestinationWriter;

/* Name of the hidden folder inside a destination holding its id and index. */
#define KS_DESTINATION_META_DIR  ".keepsake"
/* Marker in temporary file names: ".IMG_1234.HEIC.keepsake-tmp-Ab12Cd". */
#define KS_DESTINATION_TMP_MARK  ".keepsake-tmp-"

#define KS_TYPE_DESTINATION (ks_destination_get_type ())

G_DECLARE_DERIVABLE_TYPE (KsDestination, ks_destination, KS, DESTINATION, GObject)

/**
 * KsDestinationClass:
 * @get_kind: "folder", …
 * @dup_uri: where it is now (file:///media/anna/Photos)
 * @dup_display_name: a name for people
 * @dup_volume_uuid: optional; the filesystem UUID if known, or %NULL
 * @open_medium: make the medium ready for a run (reach it, take its lock, read or create its
 *   id, remove temporary files a killed run left) and return its id
 * @close_medium: let go of the medium (open files and folders) so a drive can be ejected
 * @query_free_space: bytes available, or -1 with @error set
 * @check_available: %FALSE with %KS_DESTINATION_ERROR_UNAVAILABLE if it went away
 * @read_index: the index file's contents (NUL-terminated), or %NULL without an error when
 *   there is none yet
 * @append_index: append @len bytes of whole lines to the index file and make them durable
 * @replace_index: replace the index file with @contents, atomically and durably
 * @create_temp: start a hidden temporary file in @rel_dir (creating the folders); returns the
 *   kind's handle for it
 * @write_temp: append bytes to the temporary
 * @finish_temp: make the temporary durable, then read it back from the medium: returns the
 *   SHA-256 of what the medium holds and *@out_size
 * @name_temp: give the finished temporary @name in @rel_dir (creating the folders) without
 *   ever replacing a file: fails with G_IO_ERROR_EXISTS when @name is taken. The name need
 *   not be durable before @sync_folder.
 * @free_temp: remove the temporary unless it got a name, and free the handle
 * @sync_folder: make the names in @rel_dir durable
 * @query_file: whether @relative_path is a regular file, and its size (a stat, no reading)
 * @hash_file: read a stored file back from the medium and hash it
 * @load_file: optional; read a stored file of at most @max_size bytes into memory (for
 *   files made from stored originals, such as JPEG copies)
 * @query_max_file_size: optional; the largest file the medium can hold (0: no limit), and
 *   why, in a sentence (a FAT32 drive)
 * @open_root_dir: optional; a new descriptor of the root folder, for a medium that is a
 *   local file system: the library views (XMP sidecars, the Albums folder) need one
 * @is_remote: optional; %TRUE for a medium reached over the network, whose writes are
 *   uploads (they report their progress, see ks_destination_set_transfer_func())
 * @dup_local_path: optional; where a stored file is on this computer's file system, for a
 *   medium that is one (a folder, a drive)
 * @create_temp_from_file: optional; what @create_temp and @write_temp do, with the bytes of
 *   the file @local_path on this computer (a verified copy in another destination): the
 *   kind reads it itself (without first copying it anywhere) and returns its size and its
 *   SHA-256 as it read them. Without it, the base class reads the file and writes it.
 * @create_temp_reading: optional; what @create_temp does for a file whose bytes are also
 *   those of @local_path on this computer (a file of a folder source): the kind may send
 *   that file instead of keeping a copy of its own; @write_temp still gets every byte (to
 *   hash: what the medium then holds must be them).
 *
 * The base class does the rest: the index (lookup, listing, forget, compaction), naming
 * without replacing ("@stem (N).@ext"), adopting a file that already holds the content,
 * comparing what was read back with what was meant, and batching names and index lines
 * until ks_destination_sync(). All vfuncs block; the base class never calls two of them at
 * once for the same writer, but lookups (@query_file) may come from another thread.
 *
 * Threads: the temporaries of different writers are worked on at once (one thread writes
 * the next file while another stages the last one). A remote kind (@is_remote) must also
 * take @finish_temp for several writers at once, each on its own thread, beside the other
 * vfuncs: an import uploads a few files side by side (ks_destination_finish()) and names
 * them (@name_temp, the "@stem (N).@ext" choice, the index line) one after the other on
 * the thread that stages, in the order the files were read.
 */
struct _KsDestinationClass
{
  GObjectClass parent_class;

  const char *(*get_kind)         (KsDestination  *self);
  char       *(*dup_uri)          (KsDestination  *self);
  char       *(*dup_display_name) (KsDestination  *self);
  char       *(*dup_volume_uuid)  (KsDestination  *self);

  char       *(*open_medium)      (KsDestination  *self,
                                   GCancellable   *cancellable,
                                   GError        **error);
  void        (*close_medium)     (KsDestination  *self);
  gint64      (*query_free_space) (KsDestination  *self,
                                   GError        **error);
  gboolean    (*check_available)  (KsDestination  *self,
                                   GError        **error);

  char       *(*read_index)       (KsDestination  *self,
                                   GError        **error);
  gboolean    (*append_index)     (KsDestination  *self,
                                   const char     *lines,
                                   gsize           len,
                                   GError        **error);
  gboolean    (*replace_index)    (KsDestination  *self,
                                   const char     *contents,
                                   gsize           len,
                                   GError        **error);

  gpointer    (*create_temp)      (KsDestination  *self,
                                   const char     *rel_dir,
                                   const char     *name_hint,
                                   GError        **error);
  gboolean    (*write_temp)       (KsDestination  *self,
                                   gpointer        temp,
                                   const void     *data,
                                   gsize           len,
                                   GError        **error);
  char       *(*finish_temp)      (KsDestination  *self,
                                   gpointer        temp,
                                   guint64        *out_size,
                                   GCancellable   *cancellable,
                                   GError        **error);
  gboolean    (*name_temp)        (KsDestination  *self,
                                   gpointer        temp,
                                   const char     *rel_dir,
                                   const char     *name,
                                   GError        **error);
  void        (*free_temp)        (KsDestination  *self,
                                   gpointer        temp);
  gboolean    (*sync_folder)      (KsDestination  *self,
                                   const char     *rel_dir,
                                   GError        **error);

  gboolean    (*query_file)       (KsDestination  *self,
                                   const char     *relative_path,
                                   guint64        *out_size);
  char       *(*hash_file)        (KsDestination  *self,
                                   const char     *relative_path,
                                   guint64        *out_size,
                                   GCancellable   *cancellable,
                                   GError        **error);
  GBytes     *(*load_file)        (KsDestination  *self,
                                   const char     *relative_path,
                                   gsize           max_size,
                                   GCancellable   *cancellable,
                                   GError        **error);

  guint64     (*query_max_file_size) (KsDestination  *self,
                                     char          **out_reason);
  int         (*open_root_dir)    (KsDestination  *self,
                                   GError        **error);

  gboolean    (*is_remote)        (KsDestination  *self);
  char       *(*dup_local_path)   (KsDestination  *self,
                                   const char     *relative_path);
  gpointer    (*create_temp_from_file) (KsDestination  *self,
                                        const char     *rel_dir,
                                        const char     *name_hint,
                                        const char     *local_path,
                                        guint64        *out_size,
                                        char          **out_hash,
                                        GCancellable   *cancellable,
                                        GError        **error);
  gpointer    (*create_temp_reading) (KsDestination  *self,
                                      const char     *rel_dir,
                                      const char     *name_hint,
                                      const char     *local_path,
                                      GError        **error);

  /*< private >*/
  gpointer padding[1];
};

/**
 * KsDestinationTransferFunc:
 * @relative_path: the file being uploaded (its hidden temporary's path)
 * @bytes: bytes of it sent so far (may start again from 0 when an upload is retried)
 * @size: its size
 * @rate: bytes per second the medium reports, or 0
 *
 * Called on the thread that finishes the file (ks_destination_finish(), or stage), while a
 * remote kind uploads it: for a remote destination, from several threads at once.
 */
typedef void (*KsDestinationTransferFunc) (KsDestination *self,
                                           const char    *relative_path,
                                           guint64        bytes,
                                           guint64        size,
                                           double         rate,
                                           gpointer       user_data);

/*
 * The public calls, used by the import and verify jobs:
 *
 * ks_destination_get_id: the destination's own id (a UUID stored inside it); valid after open
 * ks_destination_open: make ready for a run: read or create the id, load the index, remove
 *   temporary files left by a killed run. Blocking. Call before anything below.
 * ks_destination_query_max_file_size: the largest file the medium holds (0: no limit)
 * ks_destination_lookup: whether it holds @hash: listed in its index and still there with
 *   that size
 * ks_destination_list_entries: a copy of the index
 * ks_destination_begin_file: start a hidden temporary file in @rel_dir; nothing is visible
 *   under a real name until commit
 * ks_destination_begin_file_reading: what ks_destination_begin_file does, for bytes that are
 *   also those of the file @local_path on this computer (a folder source's): a remote kind
 *   uploads that file instead of a copy in its cache. Write the bytes as usual: the medium's
 *   copy is verified against them, so a file that changed in between is refused.
 * ks_destination_write: append bytes to the temporary file
 * ks_destination_commit: make it durable (fsync), verify it by reading it back, give it its
 *   final name in @rel_dir without ever replacing an existing file ("@stem.@ext", or
 *   "@stem (N).@ext" with the smallest N ≥ *@inout_counter that is free; *@inout_counter = 1
 *   means the plain name first), fsync the folder, and record it in the index. The writer
 *   is freed.
 * ks_destination_finish: the first half of stage: make the temporary durable and read it
 *   back (upload it and have it verified), without a name yet; for a remote destination,
 *   callable for several writers at once from different threads
 * ks_destination_stage: what commit does, but the new name and the index line become durable
 *   only at the next sync (the file's own bytes are synced and verified before it gets its
 *   name). Lets a run pay the folder fsync and the index sync once per batch of files.
 *   lookup already answers for a staged file.
 * ks_destination_sync: make every file staged since the last sync durable under its name and
 *   in the index. On failure none of them may be treated as stored (they stay out of the
 *   index; a later run that finds one under its name with the same bytes adopts it).
 * ks_destination_abort: remove the temporary file; the writer is freed
 * ks_destination_hash_file: re-read a stored file and hash it (verify)
 * ks_destination_forget: drop @hash from the index (a copy found damaged), so the next import
 *   stores the content again; the damaged file itself is left where it is
 * ks_destination_stage_derived: what stage does, for a file made from the stored original
 *   @original_hash (a JPEG copy): its index line says so, lookup never answers for it (it
 *   is no copy of anything), ks_destination_lookup_derived does
 * ks_destination_lookup_derived: whether a file made from @original_hash is listed and still
 *   there with its size
 * ks_destination_list_derived: a copy of the index's derived files (JPEG copies)
 * ks_destination_forget_derived: drop the file made from @original_hash from the index (a
 *   JPEG copy found damaged), so the next run makes it again; the file itself stays
 * ks_destination_load_file: a stored file's bytes (not for kinds that cannot read back
 *   cheaply: G_IO_ERROR_NOT_SUPPORTED)
 * ks_destination_close: record what was staged, then let go of the medium so a drive can be
 *   ejected; open makes it ready again
 *
 * Calls for one writer (begin/write/finish/commit or stage/abort) never overlap, but may
 * come from different threads one after the other (an import writes on one thread,
 * uploads on another and names on a third); finish may run for several writers at once;
 * stage and sync are called from one thread; lookups from any.
 */

gboolean             ks_destination_is_temp_name     (const char           *name);

gboolean             ks_destination_is_remote        (KsDestination        *self);
char                *ks_destination_dup_local_path   (KsDestination        *self,
                                                      const char           *relative_path);
KsDestinationWriter *ks_destination_begin_from_file  (KsDestination        *self,
                                                      const char           *rel_dir,
                                                      const char           *name_hint,
                                                      const char           *local_path,
                                                      const char           *expected_hash,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
void                 ks_destination_set_transfer_func (KsDestination       *self,
                                                      KsDestinationTransferFunc func,
                                                      gpointer              user_data);
void                 ks_destination_report_transfer  (KsDestination        *self,
                                                      const char           *relative_path,
                                                      guint64               bytes,
                                                      guint64               size,
                                                      double                rate);

const char          *ks_destination_get_id           (KsDestination        *self);
const char          *ks_destination_get_kind         (KsDestination        *self);
char                *ks_destination_dup_uri          (KsDestination        *self);
char                *ks_destination_dup_display_name (KsDestination        *self);
char                *ks_destination_dup_volume_uuid  (KsDestination        *self);
gboolean             ks_destination_open             (KsDestination        *self,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gint64               ks_destination_query_free_space (KsDestination        *self,
                                                      GError              **error);
guint64              ks_destination_query_max_file_size (KsDestination     *self,
                                                         char             **out_reason);
gboolean             ks_destination_check_available  (KsDestination        *self,
                                                      GError              **error);
gboolean             ks_destination_lookup           (KsDestination        *self,
                                                      const char           *hash,
                                                      char                **out_relative_path,
                                                      guint64              *out_size);
GPtrArray           *ks_destination_list_entries     (KsDestination        *self);
KsDestinationWriter *ks_destination_begin_file       (KsDestination        *self,
                                                      const char           *rel_dir,
                                                      const char           *name_hint,
                                                      GError              **error);
KsDestinationWriter *ks_destination_begin_file_reading (KsDestination      *self,
                                                        const char         *rel_dir,
                                                        const char         *name_hint,
                                                        const char         *local_path,
                                                        GError            **error);
gboolean             ks_destination_write            (KsDestination        *self,
                                                      KsDestinationWriter  *writer,
                                                      const void           *data,
                                                      gsize                 len,
                                                      GError              **error);
gboolean             ks_destination_commit           (KsDestination        *self,
                                                      KsDestinationWriter  *writer,
                                                      const char           *rel_dir,
                                                      const char           *stem,
                                                      const char           *ext,
                                                      const char           *hash,
                                                      guint                *inout_counter,
                                                      char                **out_relative_path,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_finish           (KsDestination        *self,
                                                      KsDestinationWriter  *writer,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_stage            (KsDestination        *self,
                                                      KsDestinationWriter  *writer,
                                                      const char           *rel_dir,
                                                      const char           *stem,
                                                      const char           *ext,
                                                      const char           *hash,
                                                      guint                *inout_counter,
                                                      char                **out_relative_path,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_sync             (KsDestination        *self,
                                                      GError              **error);
void                 ks_destination_abort            (KsDestination        *self,
                                                      KsDestinationWriter  *writer);
char                *ks_destination_hash_file        (KsDestination        *self,
                                                      const char           *relative_path,
                                                      guint64              *out_size,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_stage_derived    (KsDestination        *self,
                                                      KsDestinationWriter  *writer,
                                                      const char           *original_hash,
                                                      const char           *rel_dir,
                                                      const char           *stem,
                                                      const char           *ext,
                                                      const char           *hash,
                                                      guint                *inout_counter,
                                                      char                **out_relative_path,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_lookup_derived   (KsDestination        *self,
                                                      const char           *original_hash,
                                                      char                **out_relative_path,
                                                      guint64              *out_size);
GBytes              *ks_destination_load_file        (KsDestination        *self,
                                                      const char           *relative_path,
                                                      gsize                 max_size,
                                                      GCancellable         *cancellable,
                                                      GError              **error);

GPtrArray           *ks_destination_list_derived     (KsDestination        *self);
gboolean             ks_destination_forget_derived   (KsDestination        *self,
                                                      const char           *original_hash,
                                                      GError              **error);

void                 ks_destination_close            (KsDestination        *self);

/* What the phone's Photos library said of each stored photo (ks-destination-info.c). */
gboolean             ks_destination_record_info      (KsDestination        *self,
                                                      const KsPhotoInfo    *info);
KsPhotoInfo         *ks_destination_dup_info         (KsDestination        *self,
                                                      const char           *hash);
GPtrArray           *ks_destination_list_infos       (KsDestination        *self);

/* The library views (ks-destination-views.c): XMP sidecars and the Albums folder. */
typedef enum
{
  KS_SIDECAR_WRITTEN,    /* written (or rewritten) and verified */
  KS_SIDECAR_UNCHANGED,  /* already said that */
  KS_SIDECAR_KEPT,       /* a file of that name that another program wrote or changed */
} KsSidecarOutcome;

typedef enum
{
  KS_ALBUM_LINKS_HARD,     /* hard links: the photo itself, wherever it is opened from */
  KS_ALBUM_LINKS_SYMBOLIC, /* relative symbolic links */
  KS_ALBUM_LINKS_LIST,     /* a list file per album (FAT, exFAT: no links) */
} KsAlbumLinks;

/* The name of the list file in an album's folder where links are not possible. */
#define KS_ALBUM_LIST_NAME "album.txt"

gboolean             ks_destination_put_sidecar      (KsDestination        *self,
                                                      const char           *original_hash,
                                                      const char           *relative_path,
                                                      GBytes               *contents,
                                                      KsSidecarOutcome     *out_outcome,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_sync_albums      (KsDestination        *self,
                                                      const char           *folder,
                                                      GHashTable           *albums,
                                                      KsAlbumLinks         *out_links,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean             ks_destination_forget           (KsDestination        *self,
                                                      const char           *hash,
                                                      GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsDestinationEntry, ks_destination_entry_free)

G_END_DECLS
