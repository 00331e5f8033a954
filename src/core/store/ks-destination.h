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
 *
 * One line of a destination's own index.
 */
typedef struct
{
  char    *hash;
  guint64  size;
  char    *relative_path;
} KsDestinationEntry;

void ks_destination_entry_free (KsDestinationEntry *entry);

/* An in-progress file, owned by the destination that began it. */
typedef struct _KsDestinationWriter KsDestinationWriter;

#define KS_TYPE_DESTINATION (ks_destination_get_type ())

G_DECLARE_INTERFACE (KsDestination, ks_destination, KS, DESTINATION, GObject)

/**
 * KsDestinationInterface:
 * @get_id: the destination's own id (a UUID stored inside it); valid after @open
 * @get_kind: "folder", …
 * @dup_uri: where it is now (file:///media/anna/Photos)
 * @dup_display_name: a name for people
 * @dup_volume_uuid: the filesystem UUID if known, or %NULL
 * @open: make ready for a run: read or create the id, load the index, remove temporary
 *   files left by a killed run. Blocking. Call before anything below.
 * @query_free_space: bytes available, or -1 with @error set
 * @check_available: %FALSE with %KS_DESTINATION_ERROR_UNAVAILABLE if it went away
 * @lookup: whether it holds @hash: listed in its index and still there with that size
 * @list_entries: (element-type KsDestinationEntry): a copy of the index
 * @begin_file: start a hidden temporary file in @rel_dir; nothing is visible under a real
 *   name until @commit
 * @write: append bytes to the temporary file
 * @commit: make it durable (fsync), verify it by reading it back, give it its final name in
 *   @rel_dir without ever replacing an existing file ("@stem.@ext", or "@stem (N).@ext" with
 *   the smallest N ≥ *@inout_counter that is free; *@inout_counter = 1 means the plain
 *   name first), fsync the folder, and record it in the index. The writer is freed.
 * @stage: optional; what @commit does, but the new name and the index line become durable
 *   only at the next @sync (the file's own bytes are synced and verified before it gets its
 *   name, as in @commit). Lets a run pay the folder fsync and the index sync once per batch
 *   of files. @lookup already answers for a staged file. When not implemented, @commit.
 * @sync: optional; make every file staged since the last @sync durable under its name and in
 *   the index. On failure none of them may be treated as stored (they stay out of the index;
 *   a later run that finds one under its name with the same bytes adopts it).
 * @abort: remove the temporary file; the writer is freed
 * @hash_file: re-read a stored file and hash it (verify)
 * @forget: optional; drop @hash from the index (a copy found damaged), so the next import
 *   stores the content again; the damaged file itself is left where it is
 * @close: optional; let go of the medium (open files and folders) so a drive can be
 *   ejected; @open makes it ready again
 *
 * All vfuncs block. Calls for one writer (begin/write/commit or stage/abort) never overlap,
 * but may come from different threads one after the other (an import writes on one thread
 * and commits on another); @stage and @sync are called from one thread.
 */
struct _KsDestinationInterface
{
  GTypeInterface parent_iface;

  const char          *(*get_id)           (KsDestination        *self);
  const char          *(*get_kind)         (KsDestination        *self);
  char                *(*dup_uri)          (KsDestination        *self);
  char                *(*dup_display_name) (KsDestination        *self);
  char                *(*dup_volume_uuid)  (KsDestination        *self);
  gboolean             (*open)             (KsDestination        *self,
                                            GCancellable         *cancellable,
                                            GError              **error);
  gint64               (*query_free_space) (KsDestination        *self,
                                            GError              **error);
  gboolean             (*check_available)  (KsDestination        *self,
                                            GError              **error);
  gboolean             (*lookup)           (KsDestination        *self,
                                            const char           *hash,
                                            char                **out_relative_path,
                                            guint64              *out_size);
  GPtrArray           *(*list_entries)     (KsDestination        *self);
  KsDestinationWriter *(*begin_file)       (KsDestination        *self,
                                            const char           *rel_dir,
                                            const char           *name_hint,
                                            GError              **error);
  gboolean             (*write)            (KsDestination        *self,
                                            KsDestinationWriter  *writer,
                                            const void           *data,
                                            gsize                 len,
                                            GError              **error);
  gboolean             (*commit)           (KsDestination        *self,
                                            KsDestinationWriter  *writer,
                                            const char           *rel_dir,
                                            const char           *stem,
                                            const char           *ext,
                                            const char           *hash,
                                            guint                *inout_counter,
                                            char                **out_relative_path,
                                            GCancellable         *cancellable,
                                            GError              **error);
  gboolean             (*stage)            (KsDestination        *self,
                                            KsDestinationWriter  *writer,
                                            const char           *rel_dir,
                                            const char           *stem,
                                            const char           *ext,
                                            const char           *hash,
                                            guint                *inout_counter,
                                            char                **out_relative_path,
                                            GCancellable         *cancellable,
                                            GError              **error);
  gboolean             (*sync)             (KsDestination        *self,
                                            GError              **error);
  void                 (*abort)            (KsDestination        *self,
                                            KsDestinationWriter  *writer);
  char                *(*hash_file)        (KsDestination        *self,
                                            const char           *relative_path,
                                            guint64              *out_size,
                                            GCancellable         *cancellable,
                                            GError              **error);
  void                 (*close)            (KsDestination        *self);
  gboolean             (*forget)           (KsDestination        *self,
                                            const char           *hash,
                                            GError              **error);

  /*< private >*/
  gpointer padding[6];
};

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

void                 ks_destination_close            (KsDestination        *self);
gboolean             ks_destination_forget           (KsDestination        *self,
                                                      const char           *hash,
                                                      GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsDestinationEntry, ks_destination_entry_free)

G_END_DECLS
