/* ks-import-job-private.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Hooks tests use to act at a precise point of a run (cancel, fill or remove the
 * destination after the Nth file), and the parts of a run that ks-import-*.c share:
 *
 *   ks-import-job.c        the GObject, run / run_async, the result
 *   ks-import-plan.c       list the source, open the destinations, decide what to copy
 *   ks-import-pipeline.c   reader → writer → committer threads, batches, catalog records
 *   ks-import-placement.c  layout → folder / stem / extension; companions follow renames
 *   ks-import-library.c    what the phone's Photos library says of each photo, into the
 *                          destinations' indexes
 *   ks-import-meter.c      progress: counts, rate, time left, throttled emissions
 *   ks-import-errors.c     what an error means for a file, a destination and the run */

#pragma once

#include "ks-hash.h"
#include "ks-import-job.h"
#include "ks-metadata.h"

G_BEGIN_DECLS

/* Called on the committer thread after each file is finished for every destination (copied,
 * skipped or failed), with the number of files finished so far. With a hook set (and no
 * pipeline depth), files go one at a time: the next one is begun only after the hook of the
 * last returned, so a hook acts "between file N and N+1". */
typedef void (*KsImportJobFileHook) (KsImportJob *self,
                                     guint        n_finished,
                                     gpointer     user_data);

void _ks_import_job_set_file_hook (KsImportJob         *self,
                                   KsImportJobFileHook  hook,
                                   gpointer             user_data);

/* How many files may be written and waiting for their commit (default: by descriptors, up
 * to 64; committed in batches of half that). 1 = one file at a time. */
void _ks_import_job_set_pipeline_depth (KsImportJob *self,
                                        guint        depth);

/* ---- shared by the parts of a run ---- */

#define KS_IMPORT_MAX_DESTINATIONS 32

typedef struct _KsImportItem KsImportItem;

/* One file of the plan. */
struct _KsImportItem
{
  KsAsset      *asset;
  KsAssetFile  *file;
  KsImportItem *primary;      /* the asset's primary item (itself for a primary) */
  char         *hash;         /* known from the catalog, or computed while reading */
  guint32       need;         /* bit d set: destination d lacks it */
  gboolean      copied;       /* written by the committer thread only */
  gboolean      asset_counted; /* on the primary: its asset is in photos/videos/others_copied */
  gboolean      failed;       /* under the job's mutex: reader and writer both set it */
  gint64        capture_time; /* read from the bytes; writer thread only, 0 until then */
  gboolean      upload_only;  /* every destination lacking it is remote, and a local one
                               * holds it already: uploaded from there, the source unread */
};

/* Where an asset's first stored file went in one destination, so its companions follow
 * it into the same folder with the same " (N)". */
typedef struct
{
  char  *dir;
  guint  counter;
} KsImportPlace;

typedef struct
{
  KsImportJob    *self;
  GCancellable   *cancellable;
  KsSource       *source;
  GPtrArray      *assets;
  GPtrArray      *items;
  guint           n_dests;
  KsDestination  *dests[KS_IMPORT_MAX_DESTINATIONS];
  GError         *dest_errors[KS_IMPORT_MAX_DESTINATIONS]; /* under the job's mutex */
  gint            all_dead;
  GAsyncQueue    *free_bufs;
  GAsyncQueue    *work;
  GAsyncQueue    *done;

  /* Files handed to the committer and not finished yet; the writer waits before starting a
   * file while there are max_in_flight of them. */
  GMutex          flight_mutex;
  GCond           flight_cond;
  guint           in_flight;
  guint           max_in_flight;
  guint           batch_max;
  gint64          run_id;
  gint64          started;

  /* Prepared while the source is listed: destinations opened, and what the catalog knows
   * of this source (path → KsCatalogSourceFile). */
  GHashTable     *known;
  GError         *prepare_error;
  GCancellable   *listing;
  char           *source_name;

  guint32         remote;       /* bit d set: destination d is remote (uploads) */

  /* Writer state: the file being written, hashed and searched for its date as it goes */
  KsDestinationWriter *writers[KS_IMPORT_MAX_DESTINATIONS];
  guint32         from_local;   /* remote destinations that upload it from a local copy */
  KsHasher       *hasher;
  KsMetadataReader *dater;

  /* Uploads side by side (ks-import-uploads.c): threads per remote destination */
  GThreadPool    *uploaders[KS_IMPORT_MAX_DESTINATIONS];
  GMutex          upload_mutex;
  GCond           upload_cond;
  struct _KsImportUpload *upload_shown; /* the file progress shows */

  /* Committer state */
  KsAsset        *place_asset;
  KsImportPlace   places[KS_IMPORT_MAX_DESTINATIONS];
  guint           n_finished;
} KsImportRun;

struct _KsImportJob
{
  GObject           parent_instance;

  KsSource         *source;
  GPtrArray        *assets;
  GPtrArray        *destinations;
  KsCatalog        *catalog;
  KsImportFlags     flags;
  char             *layout;
  char             *origin;
  KsImportResult   *result;
  gboolean          running;

  KsImportJobFileHook file_hook;
  gpointer          file_hook_data;
  guint             pipeline_depth;

  /* Shared between the threads and the progress timer. */
  GMutex            mutex;
  KsImportProgress  progress;
  gboolean          progress_dirty;
  GSource          *progress_source;
  gint64            last_tick;
  guint64           last_bytes;
  guint64           last_upload;
};

/* ks-import-job.c */
void           _ks_import_job_emit_progress    (KsImportJob      *self,
                                                KsImportProgress *progress);

/* ks-import-plan.c */
gboolean       _ks_import_prepare              (KsImportRun      *run,
                                                GError          **error);
char          *_ks_import_dup_dest_ids         (KsImportRun      *run);
gboolean       _ks_import_plan                 (KsImportRun      *run,
                                                GError          **error);

/* ks-import-library.c */
void           _ks_import_record_library       (KsImportRun      *run);
char          *_ks_import_format_date          (gint64            unix_time,
                                                int               utc_offset,
                                                gboolean          offset_known);

/* ks-import-pipeline.c */
gboolean       _ks_import_pipeline_run         (KsImportRun      *run,
                                                GError          **error);

/* ks-import-placement.c */
char          *_ks_import_place_temporary      (KsImportRun      *run,
                                                KsImportItem     *item);
void           _ks_import_place_final          (KsImportRun      *run,
                                                KsImportItem     *item,
                                                guint             d,
                                                gint64            capture_time,
                                                char            **out_dir,
                                                char            **out_stem,
                                                char            **out_ext,
                                                guint            *out_counter);
void           _ks_import_place_remember       (KsImportRun      *run,
                                                KsImportItem     *item,
                                                guint             d,
                                                char            **dir,
                                                guint             counter);
void           _ks_import_places_clear         (KsImportRun      *run);

/* ks-import-meter.c */
void           _ks_import_meter_start          (KsImportJob      *self);
void           _ks_import_meter_stop           (KsImportJob      *self);
void           _ks_import_meter_flush          (KsImportJob      *self);
void           _ks_import_meter_update         (KsImportJob      *self,
                                                KsImportItem     *current,
                                                guint64           bytes);
void           _ks_import_meter_set_plan       (KsImportJob      *self,
                                                guint             items_total,
                                                guint             planned,
                                                guint64           bytes_total);
void           _ks_import_meter_add_copied     (KsImportJob      *self,
                                                guint64           bytes);
void           _ks_import_meter_set_upload_total (KsImportJob    *self,
                                                guint64           bytes);
void           _ks_import_meter_upload_skipped (KsImportJob      *self,
                                                guint64           bytes);
void           _ks_import_meter_add_upload     (KsImportJob      *self,
                                                KsImportItem     *current,
                                                guint64           bytes);
void           _ks_import_meter_item_finished  (KsImportRun      *run,
                                                KsImportItem     *item);
void           _ks_import_meter_count_dry_run  (KsImportRun      *run);
const char    *_ks_import_meter_finish         (KsImportRun      *run,
                                                const GError     *error);

/* ks-import-uploads.c */
typedef struct _KsImportUpload KsImportUpload;

void           _ks_import_uploads_start        (KsImportRun      *run);
void           _ks_import_uploads_stop         (KsImportRun      *run);
KsImportUpload *_ks_import_upload_begin        (KsImportRun      *run,
                                                guint             d,
                                                KsImportItem     *item,
                                                KsDestinationWriter *writer);
KsImportUpload *_ks_import_upload_begin_from_local (KsImportRun  *run,
                                                guint             d,
                                                KsImportItem     *item,
                                                const char       *rel_dir,
                                                const char       *name,
                                                const char       *local_path);
KsDestinationWriter *_ks_import_upload_end     (KsImportUpload   *up,
                                                guint64          *out_sent,
                                                GError          **error);

/* ks-import-errors.c */
void           _ks_import_add_file_error       (KsImportRun      *run,
                                                KsImportItem     *item,
                                                guint             d,
                                                const GError     *error);
void           _ks_import_mark_failed          (KsImportRun      *run,
                                                KsImportItem     *item);
void           _ks_import_dest_failed          (KsImportRun      *run,
                                                guint             d,
                                                KsImportItem     *item,
                                                const GError     *error);
void           _ks_import_dest_open_failed     (KsImportRun      *run,
                                                guint             d,
                                                const GError     *error);
gboolean       _ks_import_dest_alive           (KsImportRun      *run,
                                                guint             d);
gboolean       _ks_import_check_dest_left      (KsImportRun      *run,
                                                GError          **error);
GError        *_ks_import_dup_dest_error       (KsImportRun      *run);
gboolean       _ks_import_check_stop           (KsImportRun      *run,
                                                GError          **error);
gboolean       _ks_import_is_source_lost       (KsImportRun      *run,
                                                const GError     *error);
void           _ks_import_set_cancelled        (GError          **error);

void _ks_import_split_rel (const char  *rel,
                           char       **out_dir,
                           char       **out_base);

G_END_DECLS
