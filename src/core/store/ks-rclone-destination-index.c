/* ks-rclone-destination-index.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The remote's own .keepsake/index, kept without uploading it whole at every batch.
 *
 * Each batch's lines go up as a small numbered segment (.keepsake/index.seg-00000001, …);
 * readers merge the whole index and then the segments in their order. The whole index is
 * rewritten once the run closes the destination (or when many segments piled up, or the
 * base class compacts it), so between runs .keepsake/index alone says everything, as older
 * Keepsake versions read it.
 *
 * The whole index starts with a line "segments N": the segments up to N are in it already.
 * A run killed between writing the whole index and removing the segments it took in leaves
 * them behind, and they are not applied twice (a "forget" line in the index would otherwise
 * be undone by an older segment's line for the same content). Older versions take that
 * line for a damaged one and rewrite the index without it, which loses nothing. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ks-dirfd.h"
#include "ks-rclone-destination-private.h"

#define META            KS_DESTINATION_META_DIR
#define INDEX_PATH      META "/index"
#define INDEX_NEW_PATH  META "/index.new"
#define SEGMENT_PREFIX  META "/index.seg-"
#define SEGMENTS_MARK   "segments "
/* More than this many segments, and the next batch rewrites the whole index instead. */
#define MAX_SEGMENTS    64

static char *
segment_path (guint n)
{
  return g_strdup_printf (SEGMENT_PREFIX "%08u", n);
}

static gint
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *)a;
  guint y = *(const guint *)b;

  return x < y ? -1 : x > y;
}

/* The segment numbers the server holds, in order. */
static GArray *
list_segments (KsRcloneDestination *self)
{
  GArray *numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter iter;
  const char *path;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, (gpointer *)&path, NULL))
    {
      const char *digits;
      guint64 n;

      if (!g_str_has_prefix (path, SEGMENT_PREFIX))
        continue;
      digits = path + strlen (SEGMENT_PREFIX);
      if (strlen (digits) == 8 && g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT32, &n, NULL))
        {
          guint v = (guint)n;

          g_array_append_val (numbers, v);
        }
    }
  g_mutex_unlock (&self->mutex);

  g_array_sort (numbers, compare_uint);
  return numbers;
}

static gboolean
has_index (KsRcloneDestination *self)
{
  guint64 size;

  return _ks_rclone_dest_query (self, INDEX_PATH, &size);
}

/* Downloads @remote_path into the staging folder and reads it. */
static char *
fetch (KsRcloneDestination  *self,
       const char           *remote_path,
       gsize                *out_len,
       GError              **error)
{
  g_autofree char *name = _ks_rclone_dest_new_staging_name ("index");
  g_autofree char *path = _ks_rclone_dest_staging_path (self, name);
  char *contents = NULL;

  if (_ks_rclone_dest_download (self, remote_path, name, NULL, error))
    g_file_get_contents (path, &contents, out_len, error);
  g_unlink (path);
  return contents;
}

/* Uploads @contents to @remote_path and checks the server holds all of it. */
static gboolean
put (KsRcloneDestination  *self,
     const char           *remote_path,
     const char           *contents,
     gsize                 len,
     GError              **error)
{
  g_autofree char *name = _ks_rclone_dest_new_staging_name ("index");
  g_autofree char *path = _ks_rclone_dest_staging_path (self, name);
  g_autoptr(JsonObject) item = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  ok = g_file_set_contents_full (path, contents, len, G_FILE_SET_CONTENTS_NONE, 0600, error)
       && _ks_rclone_dest_upload (self, name, remote_path, NULL, error);
  g_unlink (path);
  if (!ok)
    return FALSE;

  item = _ks_rclone_dest_stat_file (self, remote_path, NULL, NULL, &local_error);
  if (item == NULL || json_object_get_int_member_with_default (item, "Size", -1) != (gint64)len)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_VERIFY_FAILED,
                     _("The index on %s could not be written"), self->location);
      return FALSE;
    }

  _ks_rclone_dest_remember_file (self, remote_path, len);
  return TRUE;
}

/* The new index takes the old one's place. A move whose answer was lost with the
 * connection finds, when tried again, its source gone: made before the break when the
 * index now has the new one's size. */
static gboolean
move_into_place (KsRcloneDestination  *self,
                 gsize                 len,
                 GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) ignored = NULL;
  g_autoptr(JsonObject) item = NULL;

  if (_ks_rclone_dest_move_file (self, INDEX_NEW_PATH, INDEX_PATH, FALSE, NULL, &local_error))
    return TRUE;

  if (g_error_matches (local_error, KS_RCLONE_ERROR, KS_RCLONE_ERROR_NOT_FOUND))
    item = _ks_rclone_dest_stat_file (self, INDEX_PATH, NULL, NULL, &ignored);
  if (item != NULL && json_object_get_int_member_with_default (item, "Size", -1) == (gint64)len)
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The whole index (our local copy, every line so far) goes up next to the old one, is
 * checked, takes its place; then the segments it took in are removed. */
static gboolean
upload_whole (KsRcloneDestination  *self,
              GError              **error)
{
  g_autoptr(GArray) segments = list_segments (self);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *lines = NULL;
  gsize len = 0;
  guint upto = MAX (self->next_segment, 1) - 1;

  if (!g_file_get_contents (self->local_index, &lines, &len, error))
    return FALSE;

  g_string_append_printf (out, SEGMENTS_MARK "%u\n", upto);
  g_string_append_len (out, lines, len);

  if (!put (self, INDEX_NEW_PATH, out->str, out->len, error)
      || !move_into_place (self, out->len, error))
    return FALSE;
  _ks_rclone_dest_remember_file (self, INDEX_NEW_PATH, -1);
  _ks_rclone_dest_remember_file (self, INDEX_PATH, out->len);

  for (guint i = 0; i < segments->len; i++)
    {
      g_autofree char *path = segment_path (g_array_index (segments, guint, i));

      if (g_array_index (segments, guint, i) <= upto)
        _ks_rclone_dest_delete_file (self, path);
    }
  self->live_segments = 0;
  return TRUE;
}

/* Takes the "segments N" line off the top of @contents (moving the rest up); returns N, or
 * 0 when there is none (an index older versions wrote). */
static guint
take_marker (char *contents)
{
  char *nl;
  guint64 n = 0;

  if (contents == NULL || !g_str_has_prefix (contents, SEGMENTS_MARK)
      || (nl = strchr (contents, '\n')) == NULL)
    return 0;

  *nl = '\0';
  if (!g_ascii_string_to_unsigned (contents + strlen (SEGMENTS_MARK), 10, 0, G_MAXUINT32, &n, NULL))
    n = 0;
  memmove (contents, nl + 1, strlen (nl + 1) + 1);
  return (guint)n;
}

/**
 * _ks_rclone_dest_read_index:
 *
 * The whole index and the segments it has not taken in yet, merged; %NULL without an
 * error when there is neither. Leftover segments (a run that was killed) are folded into
 * the whole index here.
 */
char *
_ks_rclone_dest_read_index (KsRcloneDestination  *self,
                            GError              **error)
{
  g_autoptr(GArray) segments = list_segments (self);
  g_autoptr(GString) merged = g_string_new (NULL);
  g_autofree char *whole = NULL;
  guint upto = 0;
  guint applied = 0;
  gsize len = 0;

  self->next_segment = 1;
  self->live_segments = 0;

  if (has_index (self))
    {
      whole = fetch (self, INDEX_PATH, &len, error);
      if (whole == NULL)
        return NULL;
      upto = take_marker (whole);
      g_string_append (merged, whole);
    }
  else if (segments->len == 0)
    return NULL;

  for (guint i = 0; i < segments->len; i++)
    {
      guint n = g_array_index (segments, guint, i);
      g_autofree char *path = segment_path (n);
      g_autofree char *part = NULL;
      const char *end;

      self->next_segment = MAX (self->next_segment, n + 1);
      if (n <= upto)
        continue;
      part = fetch (self, path, &len, error);
      if (part == NULL)
        return NULL;
      /* A torn last line (the upload was cut) describes nothing; it must not run into the
       * next segment's first line. */
      end = strrchr (part, '\n');
      if (end != NULL)
        g_string_append_len (merged, part, end - part + 1);
      applied++;
    }
  self->next_segment = MAX (self->next_segment, upto + 1);

  if (!g_file_set_contents_full (self->local_index, merged->str, merged->len,
                                 G_FILE_SET_CONTENTS_NONE, 0600, error))
    return NULL;

  if (applied > 0)
    {
      g_autoptr(GError) local_error = NULL;

      /* Not fatal: the segments stay, and the next open merges them again. */
      self->live_segments = applied;
      if (!upload_whole (self, &local_error))
        g_debug ("Cannot fold the index segments of %s: %s", self->location, local_error->message);
    }

  return g_string_free (g_steal_pointer (&merged), FALSE);
}

/**
 * _ks_rclone_dest_append_index:
 *
 * One batch's lines: a new segment on the server (or the whole index, once there are many).
 */
gboolean
_ks_rclone_dest_append_index (KsRcloneDestination  *self,
                              const char           *lines,
                              gsize                 len,
                              GError              **error)
{
  g_autofree char *path = NULL;
  gboolean ok;
  int fd;

  fd = open (self->local_index, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return ks_set_errno_error (error, errno, "%s", self->local_index);
  ok = ks_fd_write_all (fd, lines, len);
  close (fd);
  if (!ok)
    return ks_set_errno_error (error, errno, "%s", self->local_index);

  if (self->live_segments >= MAX_SEGMENTS)
    return upload_whole (self, error);

  path = segment_path (self->next_segment);
  if (!put (self, path, lines, len, error))
    {
      /* Nothing half-written may claim anything later. */
      _ks_rclone_dest_delete_file (self, path);
      return FALSE;
    }
  self->next_segment++;
  self->live_segments++;
  return TRUE;
}

gboolean
_ks_rclone_dest_replace_index (KsRcloneDestination  *self,
                               const char           *contents,
                               gsize                 len,
                               GError              **error)
{
  if (!g_file_set_contents_full (self->local_index, contents, len,
                                 G_FILE_SET_CONTENTS_NONE, 0600, error))
    return FALSE;
  return upload_whole (self, error);
}

/**
 * _ks_rclone_dest_fold_index:
 *
 * When the destination is let go: the segments of this run go into the whole index, so
 * .keepsake/index alone is complete between runs. Failing is no harm (the segments stay).
 */
void
_ks_rclone_dest_fold_index (KsRcloneDestination *self)
{
  g_autoptr(GError) error = NULL;

  if (self->live_segments == 0 || self->local_index == NULL || self->rclone == NULL
      || !ks_rclone_is_running (self->rclone))
    return;

  if (!upload_whole (self, &error))
    g_debug ("Cannot fold the index segments of %s: %s", self->location, error->message);
}
