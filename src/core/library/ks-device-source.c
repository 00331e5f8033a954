/* ks-device-source.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsSource over AFC: walks /DCIM on the iPhone and opens its files as seekable streams.
 * Names are passed through as the device sent them; making them safe is the engine's job. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-afc-error.h"
#include "ks-afc-input-stream.h"
#include "ks-afc-pool.h"
#include "ks-asset.h"
#include "ks-device-source.h"
#include "ks-photos-db.h"

#define MEDIA_ROOT "/DCIM"
#define MAX_DEPTH  16
/* Originals the Photos library keeps outside DCIM (PhotoData/CPLAssets/…) are reported with
 * this prefix before their path from the phone's media root, so the paths of DCIM stay as
 * they always were. */
#define OUTSIDE_PREFIX "../"

struct _KsDeviceSource
{
  GObject    parent_instance;

  char      *id;
  char      *udid;
  char      *display_name;
  char      *model;
  KsAfcPool *pool;

  GMutex      library_lock;
  KsPhotosDb *library;      /* NULL: none, or not readable */
  char       *library_path; /* the copy it was read from */
};

static void ks_device_source_iface_init (KsSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsDeviceSource, ks_device_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_SOURCE, ks_device_source_iface_init))

static const char *
info_lookup (char       **info,
             const char  *key)
{
  for (guint i = 0; info != NULL && info[i] != NULL && info[i + 1] != NULL; i += 2)
    if (g_strcmp0 (info[i], key) == 0)
      return info[i + 1];
  return NULL;
}

/* Orders a directory's entries by name, except that a (hostile) name holding '/' sorts by the
 * part before its last '/' first: consumers group by the text before a path's last '/', so each
 * such pseudo-folder, and the real one, must come out in one piece. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  const char *na = *(const char * const *) a;
  const char *nb = *(const char * const *) b;
  const char *sa = strrchr (na, '/');
  const char *sb = strrchr (nb, '/');
  gsize la = sa ? (gsize) (sa - na) + 1 : 0;
  gsize lb = sb ? (gsize) (sb - nb) + 1 : 0;
  int cmp;

  if (la == 0 || lb == 0)
    {
      if (la != lb)
        return la == 0 ? -1 : 1;
      return strcmp (na, nb);
    }

  cmp = strncmp (na, nb, MIN (la, lb));
  if (cmp == 0 && la != lb)
    return la < lb ? -1 : 1;
  if (cmp != 0)
    return cmp;
  return strcmp (na, nb);
}

typedef struct
{
  KsDeviceSource   *self;
  KsAfcConnection  *connection;
  KsSourceFileFunc  func;
  gpointer          user_data;
  GCancellable     *cancellable;
  gboolean          stopped;
  guint             reported;
} Walk;

/* Describing a file is one round trip to the phone (about a millisecond over USB), and a
 * library has tens of thousands: the entries of a big folder are described a chunk at a
 * time by several sessions at once, then reported in order. A new session costs a lockdown
 * handshake (tens of milliseconds), so helpers join only when the first entries show the
 * rest would take long enough one by one: one per STAT_HELPER_WORTH of it. */
#define STAT_CHUNK          256
#define STAT_PROBE          16
#define STAT_SESSIONS       4
#define STAT_HELPER_WORTH   (150 * 1000) /* µs */

typedef struct
{
  Walk         *walk;
  const char   *rel_dir;
  GPtrArray    *names;
  guint         start;
  guint         len;
  gint          next;     /* atomic: index (from start) of the next entry to describe */
  char       ***infos;    /* per entry, NULL until described */
  afc_error_t  *errors;
  GMutex        mutex;
  GError       *fatal;    /* a session broke: the walk stops */
} StatJob;

/* A reply no phone sends: the walk stops (a listing that cannot be trusted could hide files,
 * and nothing on the phone may be skipped without a word). */
static gboolean
set_garbled_error (const char  *afc_path,
                   gboolean     listing,
                   GError     **error)
{
  g_autofree char *display = g_utf8_make_valid (afc_path, -1);

  if (listing)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The iPhone sent a garbled list of the files in “%s”. Unplug it and plug it in again"),
                 display);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The iPhone sent a garbled description of “%s”. Unplug it and plug it in again"),
                 display);
  return FALSE;
}

/* Whether @value is a decimal number, as AFC writes st_size and st_mtime. */
static gboolean
is_number (const char *value)
{
  if (value == NULL || *value == '\0')
    return FALSE;
  for (; *value != '\0'; value++)
    if (!g_ascii_isdigit (*value))
      return FALSE;
  return TRUE;
}

/* Takes the names of a directory listing: "." and ".." once each at most, no empty name,
 * no name twice. */
static gboolean
take_listing (char        **entries,
              const char   *afc_dir,
              GPtrArray    *names,
              GError      **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  /* Every listing has "." and "..": an empty one is a reply cut short. */
  if (entries == NULL)
    return set_garbled_error (afc_dir, TRUE, error);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      const char *name = entries[i];

      if (name[0] == '\0' || !g_hash_table_add (seen, (gpointer) name))
        return set_garbled_error (afc_dir, TRUE, error);
      /* Anything else goes through as is, even a '/': the phone's file service is jailed to
       * its media root, and the engine turns names into safe local ones. */
      if (strcmp (name, ".") != 0 && strcmp (name, "..") != 0)
        g_ptr_array_add (names, g_strdup (name));
    }

  return TRUE;
}

static char *
entry_path (const char *rel_dir,
            const char *name)
{
  return rel_dir[0] ? g_strconcat (rel_dir, "/", name, NULL) : g_strdup (name);
}

static StatJob *
stat_job_new (Walk       *walk,
              const char *rel_dir,
              GPtrArray  *names,
              guint       start,
              guint       end)
{
  StatJob *job = g_new0 (StatJob, 1);

  job->walk = walk;
  job->rel_dir = rel_dir;
  job->names = names;
  job->start = start;
  job->len = end - start;
  job->infos = g_new0 (char **, job->len);
  job->errors = g_new0 (afc_error_t, job->len);
  g_mutex_init (&job->mutex);

  return job;
}

static void
stat_job_free (StatJob *job)
{
  for (guint i = 0; i < job->len; i++)
    if (job->infos[i] != NULL)
      afc_dictionary_free (job->infos[i]);
  g_free (job->infos);
  g_free (job->errors);
  g_clear_error (&job->fatal);
  g_mutex_clear (&job->mutex);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StatJob, stat_job_free)

/* Describes entries of @job with @connection until none is left, or a session broke. */
static void
stat_entries (StatJob         *job,
              KsAfcConnection *connection)
{
  afc_client_t client = ks_afc_connection_get_client (connection);

  for (;;)
    {
      guint i = (guint) g_atomic_int_add (&job->next, 1);
      g_autofree char *rel_path = NULL;
      g_autofree char *afc_path = NULL;
      afc_error_t aerr;

      if (i >= job->len || g_cancellable_is_cancelled (job->walk->cancellable))
        return;

      g_mutex_lock (&job->mutex);
      if (job->fatal != NULL)
        {
          g_mutex_unlock (&job->mutex);
          return;
        }
      g_mutex_unlock (&job->mutex);

      rel_path = entry_path (job->rel_dir, g_ptr_array_index (job->names, job->start + i));
      afc_path = g_strconcat (MEDIA_ROOT "/", rel_path, NULL);
      aerr = afc_get_file_info (client, afc_path, &job->infos[i]);
      job->errors[i] = aerr;

      if (ks_afc_error_is_session_lost (aerr))
        {
          g_autoptr(GError) error = NULL;

          ks_afc_pool_set_error (job->walk->self->pool, connection, aerr, afc_path, &error);
          g_mutex_lock (&job->mutex);
          if (job->fatal == NULL)
            job->fatal = g_steal_pointer (&error);
          g_mutex_unlock (&job->mutex);
          return;
        }
    }
}

static gpointer
stat_thread (gpointer data)
{
  StatJob *job = data;
  KsAfcConnection *connection;

  /* No extra session (the phone refuses more): the walker does the rest alone. */
  connection = ks_afc_pool_acquire (job->walk->self->pool, job->walk->cancellable, NULL);
  if (connection == NULL)
    return NULL;

  stat_entries (job, connection);
  ks_afc_pool_release (job->walk->self->pool, connection);

  return NULL;
}

static gboolean
stat_chunk (Walk     *walk,
            StatJob  *job,
            guint     helpers,
            GError  **error)
{
  GThread *threads[STAT_SESSIONS - 1] = { NULL };
  guint n_threads = MIN (MIN (helpers, STAT_SESSIONS - 1), job->len / 16);

  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("ks-afc-stat", stat_thread, job);
  stat_entries (job, walk->connection);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);

  if (g_cancellable_set_error_if_cancelled (walk->cancellable, error))
    return FALSE;

  if (job->fatal != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->fatal));
      return FALSE;
    }

  return TRUE;
}

/* Lists one directory, reports its files (sorted by name, so runs are reproducible), then
 * recurses into its subfolders, newest first; the source contract wants a directory's files
 * together. */
static gboolean
walk_directory (Walk        *walk,
                const char  *rel_dir,
                guint        depth,
                GError     **error)
{
  afc_client_t client = ks_afc_connection_get_client (walk->connection);
  g_autofree char *afc_dir = rel_dir[0] ? g_strconcat (MEDIA_ROOT "/", rel_dir, NULL) : g_strdup (MEDIA_ROOT);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  char **entries = NULL;
  afc_error_t aerr;
  guint helpers = 0;

  if (depth > MAX_DEPTH)
    return TRUE;

  aerr = afc_read_directory (client, afc_dir, &entries);
  if (aerr == AFC_E_OBJECT_NOT_FOUND && depth == 0)
    return TRUE;  /* no photos taken yet */
  if (aerr != AFC_E_SUCCESS)
    return ks_afc_pool_set_error (walk->self->pool, walk->connection, aerr, afc_dir, error);

  if (!take_listing (entries, afc_dir, names, error))
    {
      ks_afc_connection_mark_broken (walk->connection);
      if (entries != NULL)
        afc_dictionary_free (entries);
      return FALSE;
    }
  afc_dictionary_free (entries);
  g_ptr_array_sort (names, compare_names);

  for (guint start = 0, end; start < names->len; start = end)
    {
      g_autoptr(StatJob) job = NULL;
      gint64 began = g_get_monotonic_time ();

      /* The first few alone, timed: they tell whether helpers would pay for themselves. */
      end = MIN (names->len, start + (start == 0 ? STAT_PROBE : STAT_CHUNK));
      job = stat_job_new (walk, rel_dir, names, start, end);
      if (!stat_chunk (walk, job, start == 0 ? 0 : helpers, error))
        return FALSE;
      if (start == 0 && end < names->len)
        {
          gint64 rest = (g_get_monotonic_time () - began) / (gint64) (end - start)
                        * (gint64) (names->len - end);

          helpers = (guint) MIN ((gint64) STAT_SESSIONS - 1, rest / STAT_HELPER_WORTH);
        }

      for (guint i = start; i < end; i++)
        {
          g_autofree char *rel_path = NULL;
          g_autoptr(KsSourceFile) file = NULL;
          char **info = job->infos[i - start];
          const char *ifmt;

          rel_path = entry_path (rel_dir, g_ptr_array_index (names, i));
          aerr = job->errors[i - start];
          if (aerr != AFC_E_SUCCESS &&
              (ks_afc_error_lookup (aerr)->afc != aerr || aerr == AFC_E_OP_NOT_SUPPORTED))
            {
              g_autofree char *afc_path = g_strconcat (MEDIA_ROOT "/", rel_path, NULL);

              /* A status AFC does not have, or "cannot describe files": not an answer about
               * this entry but a phone that lies, and the rest of its listing with it. */
              ks_afc_connection_mark_broken (walk->connection);
              return set_garbled_error (afc_path, FALSE, error);
            }
          if (aerr != AFC_E_SUCCESS)
            {
              /* Deleted while we walk, or a name the phone lists but will not describe:
               * one entry, not a reason to stop the whole walk. */
              g_debug ("Skipping an entry of %s: AFC error %d", afc_dir, (int) aerr);
              continue;
            }

          ifmt = info_lookup (info, "st_ifmt");
          if (ifmt == NULL || (g_strcmp0 (ifmt, "S_IFREG") == 0 &&
                               (!is_number (info_lookup (info, "st_size")) ||
                                !is_number (info_lookup (info, "st_mtime")))))
            {
              g_autofree char *afc_path = g_strconcat (MEDIA_ROOT "/", rel_path, NULL);

              ks_afc_connection_mark_broken (walk->connection);
              return set_garbled_error (afc_path, FALSE, error);
            }
          if (g_strcmp0 (ifmt, "S_IFDIR") == 0)
            g_ptr_array_add (subdirs, g_steal_pointer (&rel_path));
          else if (g_strcmp0 (ifmt, "S_IFREG") == 0)
            {
              const char *size = info_lookup (info, "st_size");
              const char *mtime = info_lookup (info, "st_mtime");

              /* st_mtime is in nanoseconds. Links and devices are skipped: nothing to keep. */
              file = ks_source_file_new (rel_path,
                                         size ? g_ascii_strtoull (size, NULL, 10) : 0,
                                         mtime ? (gint64) (g_ascii_strtoull (mtime, NULL, 10) / G_GUINT64_CONSTANT (1000000000)) : 0);
            }

          if (file != NULL)
            walk->reported++;
          if (file != NULL && !walk->func (KS_SOURCE (walk->self), file, walk->user_data))
            {
              walk->stopped = TRUE;
              return TRUE;
            }
        }
    }

  /* Newest folder first (102APPLE before 101APPLE, as the folder source does): the grid is
   * newest first, so its first screen is complete after the first folder, not the last. */
  for (guint i = subdirs->len; i > 0; i--)
    {
      if (!walk_directory (walk, g_ptr_array_index (subdirs, i - 1), depth + 1, error))
        return FALSE;
      if (walk->stopped)
        return TRUE;
    }

  return TRUE;
}

static char *
dup_cache_dir (KsDeviceSource *self)
{
  g_autofree char *name = g_uri_escape_string (self->udid, NULL, FALSE);

  /* The UDID comes from the device: never a name that climbs out of our folder. */
  if (name[0] == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      g_free (name);
      name = g_strdup ("_");
    }
  return g_build_filename (g_get_user_cache_dir (), USER_DIR_NAME, "photos-library", name, NULL);
}

/* Reads the phone's Photos library (a fresh copy only when the phone's changed). Anything
 * wrong with it leaves the walk of DCIM as the whole story, and says why in the log. */
static void
load_library (KsDeviceSource *self,
              GCancellable   *cancellable)
{
  /* One at a time in this process: two listings of one phone (the window's and a backup's)
   * share its cached copy, and one must not replace the files the other is reading. */
  static GMutex fetch_lock;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fetch_lock);
  g_autofree char *cache_dir = dup_cache_dir (self);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPhotosDb) library = NULL;
  path = ks_photos_db_fetch (self->pool, cache_dir, NULL, cancellable, &error);
  if (path != NULL)
    {
      g_mutex_lock (&self->library_lock);
      if (self->library != NULL && g_strcmp0 (path, self->library_path) == 0)
        {
          g_mutex_unlock (&self->library_lock);
          return;
        }
      g_mutex_unlock (&self->library_lock);
      library = ks_photos_db_open (path, cancellable, &error);
    }

  if (library == NULL)
    {
      /* A phone without one is common (nothing taken yet, or an old iOS): no alarm. */
      if (g_error_matches (error, KS_PHOTOS_DB_ERROR, KS_PHOTOS_DB_ERROR_MISSING))
        g_info ("%s: listing DCIM only: %s", self->display_name, error->message);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("%s: listing DCIM only, the Photos library is not used: %s",
                   self->display_name, error->message);
    }
  else
    g_debug ("%s: Photos library read: %u assets, %u albums (%s)", self->display_name,
             ks_photos_db_get_n_assets (library), ks_photos_db_get_n_albums (library),
             ks_photos_db_get_schema (library));

  g_mutex_lock (&self->library_lock);
  g_set_object (&self->library, library);
  g_free (self->library_path);
  self->library_path = library ? g_steal_pointer (&path) : NULL;
  g_mutex_unlock (&self->library_lock);
}

static KsPhotosDb *
ks_device_source_dup_library (KsSource *source)
{
  KsDeviceSource *self = KS_DEVICE_SOURCE (source);
  KsPhotosDb *library;

  g_mutex_lock (&self->library_lock);
  library = self->library ? g_object_ref (self->library) : NULL;
  g_mutex_unlock (&self->library_lock);
  return library;
}

/* Originals the library keeps outside DCIM and says are on the phone: each is described by
 * the phone (it may have gone since), then reported. Those only in iCloud are not files here
 * and are never reported: nothing to try, nothing to fail. */
static gboolean
report_outside_dcim (Walk        *walk,
                     KsPhotosDb  *library,
                     GError     **error)
{
  afc_client_t client = ks_afc_connection_get_client (walk->connection);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  /* The files of one folder are reported together (the source contract): by folder first. */
  for (guint i = 0; i < ks_photos_db_get_n_assets (library); i++)
    {
      const KsPhotosDbAsset *asset = ks_photos_db_get_asset (library, i);

      if ((asset->flags & KS_ASSET_FLAG_OUTSIDE_DCIM) && !(asset->flags & KS_ASSET_FLAG_ICLOUD_ONLY))
        g_ptr_array_add (paths, asset->path);
    }
  g_ptr_array_sort (paths, compare_names);

  for (guint i = 0; i < paths->len && !walk->stopped; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autofree char *afc_path = NULL;
      g_autofree char *rel_path = NULL;
      g_autoptr(KsSourceFile) file = NULL;
      char **info = NULL;
      afc_error_t aerr;

      if (g_cancellable_set_error_if_cancelled (walk->cancellable, error))
        return FALSE;

      afc_path = g_strconcat ("/", path, NULL);
      aerr = afc_get_file_info (client, afc_path, &info);
      if (ks_afc_error_is_session_lost (aerr))
        return ks_afc_pool_set_error (walk->self->pool, walk->connection, aerr, afc_path, error);
      if (aerr != AFC_E_SUCCESS)
        {
          g_debug ("%s: in the Photos library but not on the phone (AFC error %d)", afc_path, (int) aerr);
          continue;
        }
      if (g_strcmp0 (info_lookup (info, "st_ifmt"), "S_IFREG") == 0)
        {
          const char *size = info_lookup (info, "st_size");
          const char *mtime = info_lookup (info, "st_mtime");

          rel_path = g_strconcat (OUTSIDE_PREFIX, path, NULL);
          file = ks_source_file_new (rel_path,
                                     size ? g_ascii_strtoull (size, NULL, 10) : 0,
                                     mtime ? (gint64) (g_ascii_strtoull (mtime, NULL, 10) / G_GUINT64_CONSTANT (1000000000)) : 0);
        }
      afc_dictionary_free (info);
      if (file == NULL)
        continue;
      walk->reported++;
      if (!walk->func (KS_SOURCE (walk->self), file, walk->user_data))
        walk->stopped = TRUE;
    }
  return TRUE;
}

/* The phone's media-root path of a source path (see OUTSIDE_PREFIX). */
static char *
dup_media_path (const char *path)
{
  if (g_str_has_prefix (path, OUTSIDE_PREFIX "PhotoData/"))
    return g_strdup (path + strlen (OUTSIDE_PREFIX));
  return g_strconcat ("DCIM/", path, NULL);
}

static void
ks_device_source_annotate_assets (KsSource  *source,
                                  GPtrArray *assets)
{
  g_autoptr(KsPhotosDb) library = ks_device_source_dup_library (source);

  if (library == NULL)
    return;
  for (guint i = 0; i < assets->len; i++)
    {
      KsAsset *asset = g_ptr_array_index (assets, i);
      g_autofree char *path = dup_media_path (ks_asset_get_key (asset));
      const KsPhotosDbAsset *known = ks_photos_db_lookup (library, path);

      if (known != NULL)
        ks_asset_set_library_info (asset, known->flags, known->trashed_time, known->albums);
    }
}

/* libimobiledevice 1.3.0 returns a listing cut short by a dropped link as if it were whole
 * (it stops reading at the hang-up and reports success). The next request on the same
 * session fails then; after the walk's last listing there is none, so one is made: the walk
 * counts only when its session is still sound at the end. */
static gboolean
check_session_alive (Walk    *walk,
                     GError **error)
{
  char **info = NULL;
  afc_error_t aerr;

  aerr = afc_get_file_info (ks_afc_connection_get_client (walk->connection), MEDIA_ROOT, &info);
  if (info != NULL)
    afc_dictionary_free (info);
  if (aerr == AFC_E_SUCCESS || aerr == AFC_E_OBJECT_NOT_FOUND)
    return TRUE;
  return ks_afc_pool_set_error (walk->self->pool, walk->connection, aerr, MEDIA_ROOT, error);
}

static gboolean
ks_device_source_enumerate (KsSource          *source,
                            KsSourceFileFunc   func,
                            gpointer           user_data,
                            GCancellable      *cancellable,
                            GError           **error)
{
  KsDeviceSource *self = KS_DEVICE_SOURCE (source);
  Walk walk = { self, NULL, func, user_data, cancellable, FALSE, 0 };
  gboolean ret;

  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean reported = FALSE;

      walk.connection = ks_afc_pool_acquire (self->pool, cancellable, error);
      if (walk.connection == NULL)
        return FALSE;

      walk.reported = 0;
      if (attempt == 0)
        load_library (self, cancellable);
      ret = walk_directory (&walk, "", 0, &local_error) &&
            (walk.stopped || check_session_alive (&walk, &local_error));
      if (ret && !walk.stopped)
        {
          g_autoptr(KsPhotosDb) library = ks_device_source_dup_library (source);

          if (library != NULL)
            ret = report_outside_dcim (&walk, library, &local_error);
        }
      reported = walk.reported > 0;
      ks_afc_pool_release (self->pool, g_steal_pointer (&walk.connection));

      /* A stale idle session (the phone was replugged since): start over once, as long as
       * nothing was reported yet. */
      if (!ret && attempt == 0 && !reported &&
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        continue;

      if (!ret)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return ret;
    }
}

static char *
dup_afc_path (const char *path)
{
  if (g_str_has_prefix (path, OUTSIDE_PREFIX "PhotoData/"))
    return g_strdup (path + strlen (OUTSIDE_PREFIX) - 1);
  return g_strconcat (MEDIA_ROOT "/", path, NULL);
}

static GInputStream *
ks_device_source_open_file (KsSource      *source,
                            const char    *path,
                            GCancellable  *cancellable,
                            GError       **error)
{
  KsDeviceSource *self = KS_DEVICE_SOURCE (source);
  g_autofree char *afc_path = NULL;

  if (path == NULL || path[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Invalid path on the iPhone"));
      return NULL;
    }

  afc_path = dup_afc_path (path);
  return ks_afc_input_stream_open (self->pool, afc_path, cancellable, error);
}

static GInputStream *
ks_device_source_open_file_sized (KsSource      *source,
                                  const char    *path,
                                  guint64        size,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  KsDeviceSource *self = KS_DEVICE_SOURCE (source);
  g_autofree char *afc_path = NULL;

  if (path == NULL || path[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Invalid path on the iPhone"));
      return NULL;
    }

  afc_path = dup_afc_path (path);
  return ks_afc_input_stream_open_sized (self->pool, afc_path, size, cancellable, error);
}

static gint64
ks_device_source_query_free_space (KsSource      *source,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  KsDeviceSource *self = KS_DEVICE_SOURCE (source);
  KsAfcConnection *connection;
  char *value = NULL;
  afc_error_t aerr;
  gint64 ret = -1;

  connection = ks_afc_pool_acquire (self->pool, cancellable, error);
  if (connection == NULL)
    return -1;

  aerr = afc_get_device_info_key (ks_afc_connection_get_client (connection), "FSFreeBytes", &value);
  if (aerr == AFC_E_SUCCESS && value != NULL)
    ret = (gint64) g_ascii_strtoull (value, NULL, 10);
  else
    ks_afc_pool_set_error (self->pool, connection, aerr, "/", error);
  free (value);

  ks_afc_pool_release (self->pool, connection);
  return ret;
}

static const char *
ks_device_source_get_id (KsSource *source)
{
  return KS_DEVICE_SOURCE (source)->id;
}

static char *
ks_device_source_dup_display_name (KsSource *source)
{
  return g_strdup (KS_DEVICE_SOURCE (source)->display_name);
}

static gboolean
ks_device_source_dup_device_info (KsSource  *source,
                                  char     **out_udid,
                                  char     **out_name,
                                  char     **out_model)
{
  KsDeviceSource *self = KS_DEVICE_SOURCE (source);

  *out_udid = g_strdup (self->udid);
  *out_name = g_strdup (self->display_name);
  *out_model = g_strdup (self->model);
  return TRUE;
}

static void
ks_device_source_iface_init (KsSourceInterface *iface)
{
  iface->get_id = ks_device_source_get_id;
  iface->dup_display_name = ks_device_source_dup_display_name;
  iface->enumerate = ks_device_source_enumerate;
  iface->open_file = ks_device_source_open_file;
  iface->open_file_sized = ks_device_source_open_file_sized;
  iface->dup_device_info = ks_device_source_dup_device_info;
  iface->query_free_space = ks_device_source_query_free_space;
  iface->annotate_assets = ks_device_source_annotate_assets;
  iface->dup_library = ks_device_source_dup_library;
}

static void
ks_device_source_finalize (GObject *object)
{
  KsDeviceSource *self = (KsDeviceSource *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->udid, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->model, g_free);
  g_clear_object (&self->pool);
  g_clear_object (&self->library);
  g_clear_pointer (&self->library_path, g_free);
  g_mutex_clear (&self->library_lock);

  G_OBJECT_CLASS (ks_device_source_parent_class)->finalize (object);
}

static void
ks_device_source_class_init (KsDeviceSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_device_source_finalize;
}

static void
ks_device_source_init (KsDeviceSource *self)
{
  g_mutex_init (&self->library_lock);
}

/**
 * ks_device_source_new:
 * @udid: the device's UDID
 * @display_name: (nullable): e.g. its DeviceName
 *
 * Returns: (transfer full): a source with id "device:<UDID>"
 */
KsDeviceSource *
ks_device_source_new (const char *udid,
                      const char *display_name)
{
  KsDeviceSource *self;

  g_return_val_if_fail (udid != NULL, NULL);

  self = g_object_new (KS_TYPE_DEVICE_SOURCE, NULL);
  self->udid = g_strdup (udid);
  self->id = g_strconcat ("device:", udid, NULL);
  self->display_name = g_strdup (display_name ? display_name : "iPhone");
  self->pool = ks_afc_pool_new (udid);
  return self;
}

KsDeviceSource *
ks_device_source_new_for_device (KsDevice *device)
{
  KsDeviceSource *self;
  const char *name;

  g_return_val_if_fail (KS_IS_DEVICE (device), NULL);

  name = ks_device_get_name (device);
  if (name == NULL)
    name = ks_device_get_model_name (device);
  self = ks_device_source_new (ks_device_get_udid (device), name);
  self->model = g_strdup (ks_device_get_product_type (device));

  return self;
}

const char *
ks_device_source_get_udid (KsDeviceSource *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_SOURCE (self), NULL);
  return self->udid;
}

const char *
ks_device_source_get_root (KsDeviceSource *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_SOURCE (self), NULL);
  return MEDIA_ROOT;
}

/**
 * ks_device_source_prewarm:
 * @n_sessions: how many files will soon be opened at once
 *
 * Opens file sessions to the phone ahead of time on a worker thread, while the library is
 * listed: a window's first thumbnails are then read at once instead of each waiting for a
 * lockdown handshake. Only for front ends that will open files right away (not for a listing
 * alone, whose handshake it would slow down). Does not block.
 */
void
ks_device_source_prewarm (KsDeviceSource *self,
                          guint           n_sessions)
{
  g_return_if_fail (KS_IS_DEVICE_SOURCE (self));
  ks_afc_pool_prewarm (self->pool, n_sessions);
}
