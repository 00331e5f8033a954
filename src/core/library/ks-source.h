/* ks-source.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsSource: a place assets come from (an iPhone over AFC, a folder, later a backup).
 * Its vfuncs block and must be thread-safe; the async helpers here run them on workers. */

#pragma once

#include <gio/gio.h>

#include "ks-types.h"

G_BEGIN_DECLS

/**
 * KsSourceFile:
 * @path: relative to the source root, '/'-separated, without a leading '/'.
 *   Raw bytes as the device sent them: may be non-UTF-8 or hostile; never
 *   use it as a local path without ks_safe_name/ks_layout.
 * @size: size in bytes
 * @mtime: modification time, unix seconds
 *
 * One regular file seen by ks_source_enumerate().
 */
struct _KsSourceFile
{
  char    *path;
  guint64  size;
  gint64   mtime;
};

#define KS_TYPE_SOURCE_FILE (ks_source_file_get_type ())

GType         ks_source_file_get_type (void) G_GNUC_CONST;
KsSourceFile *ks_source_file_new      (const char         *path,
                                       guint64             size,
                                       gint64              mtime);
KsSourceFile *ks_source_file_copy     (const KsSourceFile *file);
void          ks_source_file_free     (KsSourceFile       *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSourceFile, ks_source_file_free)

/**
 * KsSourceFileFunc:
 * @file: (transfer none): valid only during the call; copy what you keep
 *
 * Called from the enumerating thread for each regular file, as found.
 * Return %FALSE to stop the walk early (enumerate then returns %TRUE).
 */
typedef gboolean (*KsSourceFileFunc) (KsSource           *source,
                                      const KsSourceFile *file,
                                      gpointer            user_data);

/**
 * KsSourceBatchFunc:
 * @files: (element-type KsSourceFile) (transfer none): a batch, in walk order
 *
 * Called on the caller's main context by ks_source_enumerate_async().
 */
typedef void (*KsSourceBatchFunc) (KsSource  *source,
                                   GPtrArray *files,
                                   gpointer   user_data);

#define KS_TYPE_SOURCE (ks_source_get_type ())

G_DECLARE_INTERFACE (KsSource, ks_source, KS, SOURCE, GObject)

/**
 * KsSourceInterface:
 * @get_id: a stable id: "device:<UDID>", "folder:<absolute path>"
 * @dup_display_name: a name for people ("Anna's iPhone", "DCIM")
 * @enumerate: walk the media and call @func for each regular file. All files
 *   of one directory MUST be reported consecutively (list a directory, report
 *   its files, then recurse): companion grouping relies on it. Walking
 *   subfolders in descending name order (DCIM/102APPLE before 101APPLE) lets a
 *   newest-first grid fill from the top. Blocking; may be called from any
 *   thread; must honour @cancellable between files.
 * @open_file: open @path (as reported by @enumerate) for reading. The stream
 *   must also implement #GSeekable (sparse thumbnail reads). Blocking,
 *   thread-safe; each call may use its own connection.
 * @query_free_space: optional; bytes free, or -1.
 * @open_file_sized: optional; like @open_file for a file whose size the caller already knows
 *   from @enumerate, so a source may skip asking for it (a round trip to a phone). The
 *   stream then ends at @size; if the file has fewer bytes, reading it ends early.
 * @dup_device_info: optional; for a source that is a device: its UDID, name and model
 *   (product type, e.g. "iPhone15,2"), for the catalog's list of devices. Other sources
 *   return %FALSE.
 * @is_present: optional; whether the source itself is still there. A source whose files
 *   can vanish all at once without an error that says so (a card pulled out, a folder
 *   deleted: each read just fails) answers here, so that a reader can tell a lost source
 *   from one unreadable file. A source whose link failures already say it (a phone) need
 *   not implement it. Blocking, thread-safe. Default: %TRUE.
 * @annotate_assets: optional; sets what the source's own library knows (flags, albums) on
 *   assets grouped from its files, while they are being built. Thread-safe.
 * @dup_library: optional; the phone's Photos library as read by the last @enumerate, or
 *   %NULL (none, or it could not be read: the files are then all there is).
 * @dup_local_path: optional; for a source that is a folder on this computer: the regular
 *   file @path is (never a place outside the source), for uploads that read it themselves
 *   instead of a copy in the cache. Others return %NULL.
 */
struct _KsSourceInterface
{
  GTypeInterface parent_iface;

  const char   *(*get_id)           (KsSource          *self);
  char         *(*dup_display_name) (KsSource          *self);
  gboolean      (*enumerate)        (KsSource          *self,
                                     KsSourceFileFunc   func,
                                     gpointer           user_data,
                                     GCancellable      *cancellable,
                                     GError           **error);
  GInputStream *(*open_file)        (KsSource          *self,
                                     const char        *path,
                                     GCancellable      *cancellable,
                                     GError           **error);
  gint64        (*query_free_space) (KsSource          *self,
                                     GCancellable      *cancellable,
                                     GError           **error);
  GInputStream *(*open_file_sized)  (KsSource          *self,
                                     const char        *path,
                                     guint64            size,
                                     GCancellable      *cancellable,
                                     GError           **error);
  gboolean      (*dup_device_info)  (KsSource          *self,
                                     char             **out_udid,
                                     char             **out_name,
                                     char             **out_model);
  gboolean      (*is_present)       (KsSource          *self);
  void          (*annotate_assets)  (KsSource          *self,
                                     GPtrArray         *assets);
  KsPhotosDb   *(*dup_library)      (KsSource          *self);
  char         *(*dup_local_path)   (KsSource          *self,
                                     const char        *path);

  /*< private >*/
  gpointer padding[2];
};

const char   *ks_source_get_id            (KsSource             *self);
char         *ks_source_dup_display_name  (KsSource             *self);
gboolean      ks_source_enumerate         (KsSource             *self,
                                           KsSourceFileFunc      func,
                                           gpointer              user_data,
                                           GCancellable         *cancellable,
                                           GError              **error);
GInputStream *ks_source_open_file         (KsSource             *self,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GError              **error);
GInputStream *ks_source_open_file_sized   (KsSource             *self,
                                           const char           *path,
                                           guint64               size,
                                           GCancellable         *cancellable,
                                           GError              **error);
gboolean      ks_source_dup_device_info   (KsSource             *self,
                                           char                **out_udid,
                                           char                **out_name,
                                           char                **out_model);
gint64        ks_source_query_free_space  (KsSource             *self,
                                           GCancellable         *cancellable,
                                           GError              **error);
gboolean      ks_source_is_present        (KsSource             *self);
char         *ks_source_dup_local_path    (KsSource             *self,
                                           const char           *path);
void          ks_source_annotate_assets   (KsSource             *self,
                                           GPtrArray            *assets);
KsPhotosDb   *ks_source_dup_library       (KsSource             *self);
gboolean      ks_source_path_is_safe      (const char           *path);

void          ks_source_enumerate_async   (KsSource             *self,
                                           KsSourceBatchFunc     batch_func,
                                           gpointer              batch_data,
                                           GDestroyNotify        batch_data_destroy,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      ks_source_enumerate_finish  (KsSource             *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          ks_source_open_file_async   (KsSource             *self,
                                           const char           *path,
                                           int                   io_priority,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GInputStream *ks_source_open_file_finish  (KsSource             *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
