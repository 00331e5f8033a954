/* test-plain-destination.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A second, deliberately simple kind of destination: proves a new kind needs only the
 * medium operations of KsDestinationClass. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-hash.h"
#include "test-plain-destination.h"

struct _TestPlainDestination
{
  KsDestination  parent_instance;
  char          *root;
  gboolean       damage_next;
  guint          n_syncs;

  gboolean             remote;
  TestPlainFinishFunc  finish_func;
  gpointer             finish_data;
  GMutex               mutex;    /* the logs: temporaries are made, finished and named on
                                  * several threads */
  GPtrArray           *created;
  GPtrArray           *named;
};

G_DEFINE_FINAL_TYPE (TestPlainDestination, test_plain_destination, KS_TYPE_DESTINATION)

typedef struct
{
  char    *path;
  int      fd;
  gboolean named;
  guint64  size;
  guint    index;    /* in the order of creation */
} PlainTemp;

#define PLAIN(d) TEST_PLAIN_DESTINATION (d)

static char *
meta_path (KsDestination *d,
           const char    *name)
{
  return g_build_filename (PLAIN (d)->root, KS_DESTINATION_META_DIR, name, NULL);
}

static gboolean
set_errno (GError    **error,
           const char *what)
{
  int errsv = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

static const char *
plain_get_kind (KsDestination *d)
{
  return "plain";
}

static char *
plain_dup_uri (KsDestination *d)
{
  return g_filename_to_uri (PLAIN (d)->root, NULL, NULL);
}

static char *
plain_dup_display_name (KsDestination *d)
{
  return g_path_get_basename (PLAIN (d)->root);
}

static char *
plain_open_medium (KsDestination *d, GCancellable *c, GError **error)
{
  g_autofree char *meta = g_build_filename (PLAIN (d)->root, KS_DESTINATION_META_DIR, NULL);
  g_autofree char *id_path = meta_path (d, "id");
  g_autofree char *id = NULL;

  if (g_mkdir_with_parents (meta, 0755) != 0)
    {
      set_errno (error, meta);
      return NULL;
    }
  if (!g_file_get_contents (id_path, &id, NULL, NULL))
    {
      g_autofree char *line = NULL;

      id = g_uuid_string_random ();
      line = g_strconcat (id, "\n", NULL);
      if (!g_file_set_contents (id_path, line, -1, error))
        return NULL;
    }

  return g_strstrip (g_steal_pointer (&id));
}

static void
plain_close_medium (KsDestination *d)
{
}

static gint64
plain_query_free_space (KsDestination *d, GError **error)
{
  return G_GINT64_CONSTANT (1) << 40;
}

static gboolean
plain_check_available (KsDestination *d, GError **error)
{
  if (g_file_test (PLAIN (d)->root, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_set_error (error, KS_DESTINATION_ERROR, KS_DESTINATION_ERROR_UNAVAILABLE, "gone");
  return FALSE;
}

static char *
plain_read_index (KsDestination *d, GError **error)
{
  g_autofree char *path = meta_path (d, "index");
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &local_error)
      && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_propagate_error (error, g_steal_pointer (&local_error));

  return contents;
}

static gboolean
plain_append_index (KsDestination *d, const char *lines, gsize len, GError **error)
{
  g_autofree char *path = meta_path (d, "index");
  FILE *f = fopen (path, "ab");
  gboolean ok;

  if (f == NULL)
    return set_errno (error, path);
  ok = fwrite (lines, 1, len, f) == len && fflush (f) == 0 && fsync (fileno (f)) == 0;
  if (!ok)
    set_errno (error, path);
  fclose (f);

  return ok;
}

static gboolean
plain_replace_index (KsDestination *d, const char *contents, gsize len, GError **error)
{
  g_autofree char *path = meta_path (d, "index");

  return g_file_set_contents (path, contents, len, error);
}

static gpointer
plain_create_temp (KsDestination *d, const char *rel_dir, const char *hint, GError **error)
{
  g_autofree char *dir = g_build_filename (PLAIN (d)->root, rel_dir, NULL);
  g_autofree char *name = g_strconcat (".", hint, KS_DESTINATION_TMP_MARK, "XXXXXX", NULL);
  PlainTemp *temp;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      set_errno (error, dir);
      return NULL;
    }

  temp = g_new0 (PlainTemp, 1);
  temp->path = g_build_filename (dir, name, NULL);
  temp->fd = g_mkstemp (temp->path);
  if (temp->fd < 0)
    {
      set_errno (error, temp->path);
      g_free (temp->path);
      g_free (temp);
      return NULL;
    }

  g_mutex_lock (&PLAIN (d)->mutex);
  temp->index = PLAIN (d)->created->len;
  g_ptr_array_add (PLAIN (d)->created, g_strdup (temp->path));
  g_mutex_unlock (&PLAIN (d)->mutex);
  return temp;
}

static gboolean
plain_write_temp (KsDestination *d, gpointer p, const void *data, gsize len, GError **error)
{
  PlainTemp *temp = p;

  if (write (temp->fd, data, len) != (ssize_t)len)
    return set_errno (error, temp->path);
  temp->size += len;
  return TRUE;
}

/* As an rclone upload reports itself: half, then from 0 again (a call tried again), then
 * all of it. */
static void
plain_upload (KsDestination *d,
              PlainTemp     *temp)
{
  TestPlainDestination *self = PLAIN (d);
  const guint64 steps[] = { 0, temp->size / 2, 0, temp->size / 2, temp->size };

  if (self->finish_func != NULL)
    self->finish_func (self, temp->index, temp->size, FALSE, self->finish_data);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    ks_destination_report_transfer (d, temp->path, steps[i], temp->size, 0);
  if (self->finish_func != NULL)
    self->finish_func (self, temp->index, temp->size, TRUE, self->finish_data);
}

static char *
plain_finish_temp (KsDestination *d, gpointer p, guint64 *out_size, GCancellable *c, GError **error)
{
  PlainTemp *temp = p;

  if (PLAIN (d)->damage_next)
    {
      guint8 byte = 0;

      /* What the medium holds is not what was written. */
      PLAIN (d)->damage_next = FALSE;
      if (pread (temp->fd, &byte, 1, 0) == 1)
        {
          byte ^= 0x01;
          g_assert_cmpint (pwrite (temp->fd, &byte, 1, 0), ==, 1);
        }
    }

  if (PLAIN (d)->remote)
    plain_upload (d, temp);

  if (fsync (temp->fd) != 0 || lseek (temp->fd, 0, SEEK_SET) != 0)
    {
      set_errno (error, temp->path);
      return NULL;
    }

  return ks_hash_fd (temp->fd, out_size, c, error);
}

static gboolean
plain_name_temp (KsDestination *d, gpointer p, const char *rel_dir, const char *name, GError **error)
{
  PlainTemp *temp = p;
  g_autofree char *dir = g_build_filename (PLAIN (d)->root, rel_dir, NULL);
  g_autofree char *final = g_build_filename (dir, name, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    return set_errno (error, dir);
  /* link() never replaces. */
  if (link (temp->path, final) != 0)
    return set_errno (error, final);

  unlink (temp->path);
  temp->named = TRUE;

  g_mutex_lock (&PLAIN (d)->mutex);
  g_ptr_array_add (PLAIN (d)->named, g_strdup_printf ("%" G_GUINT64_FORMAT " %s", temp->size, name));
  g_mutex_unlock (&PLAIN (d)->mutex);
  return TRUE;
}

static void
plain_free_temp (KsDestination *d, gpointer p)
{
  PlainTemp *temp = p;
  guint i;

  /* The creation log keeps "size" for each temporary by then. */
  g_mutex_lock (&PLAIN (d)->mutex);
  if (g_ptr_array_find_with_equal_func (PLAIN (d)->created, temp->path, g_str_equal, &i))
    {
      g_free (g_ptr_array_index (PLAIN (d)->created, i));
      g_ptr_array_index (PLAIN (d)->created, i) = g_strdup_printf ("%" G_GUINT64_FORMAT, temp->size);
    }
  g_mutex_unlock (&PLAIN (d)->mutex);

  close (temp->fd);
  if (!temp->named)
    unlink (temp->path);
  g_free (temp->path);
  g_free (temp);
}

static gboolean
plain_sync_folder (KsDestination *d, const char *rel_dir, GError **error)
{
  PLAIN (d)->n_syncs++;
  return TRUE;
}

static gboolean
plain_query_file (KsDestination *d, const char *relative_path, guint64 *out_size)
{
  g_autofree char *path = g_build_filename (PLAIN (d)->root, relative_path, NULL);
  GStatBuf st;

  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  *out_size = st.st_size;
  return TRUE;
}

static char *
plain_hash_file (KsDestination *d, const char *relative_path, guint64 *out_size, GCancellable *c, GError **error)
{
  g_autofree char *path = g_build_filename (PLAIN (d)->root, relative_path, NULL);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  char *hash;

  if (fd < 0)
    {
      set_errno (error, path);
      return NULL;
    }
  hash = ks_hash_fd (fd, out_size, c, error);
  close (fd);
  return hash;
}

static gboolean
plain_is_remote (KsDestination *d)
{
  return PLAIN (d)->remote;
}

static void
test_plain_destination_finalize (GObject *object)
{
  g_free (PLAIN (object)->root);
  g_ptr_array_unref (PLAIN (object)->created);
  g_ptr_array_unref (PLAIN (object)->named);
  g_mutex_clear (&PLAIN (object)->mutex);
  G_OBJECT_CLASS (test_plain_destination_parent_class)->finalize (object);
}

static void
test_plain_destination_class_init (TestPlainDestinationClass *klass)
{
  KsDestinationClass *dest_class = KS_DESTINATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_plain_destination_finalize;

  dest_class->get_kind = plain_get_kind;
  dest_class->dup_uri = plain_dup_uri;
  dest_class->dup_display_name = plain_dup_display_name;
  dest_class->open_medium = plain_open_medium;
  dest_class->close_medium = plain_close_medium;
  dest_class->query_free_space = plain_query_free_space;
  dest_class->check_available = plain_check_available;
  dest_class->read_index = plain_read_index;
  dest_class->append_index = plain_append_index;
  dest_class->replace_index = plain_replace_index;
  dest_class->create_temp = plain_create_temp;
  dest_class->write_temp = plain_write_temp;
  dest_class->finish_temp = plain_finish_temp;
  dest_class->name_temp = plain_name_temp;
  dest_class->free_temp = plain_free_temp;
  dest_class->sync_folder = plain_sync_folder;
  dest_class->query_file = plain_query_file;
  dest_class->hash_file = plain_hash_file;
  dest_class->is_remote = plain_is_remote;
}

static void
test_plain_destination_init (TestPlainDestination *self)
{
  g_mutex_init (&self->mutex);
  self->created = g_ptr_array_new_with_free_func (g_free);
  self->named = g_ptr_array_new_with_free_func (g_free);
}

TestPlainDestination *
test_plain_destination_new (const char *root)
{
  TestPlainDestination *self = g_object_new (TEST_TYPE_PLAIN_DESTINATION, NULL);

  self->root = g_strdup (root);
  return self;
}

void
test_plain_destination_damage_next (TestPlainDestination *self)
{
  self->damage_next = TRUE;
}

guint
test_plain_destination_get_n_syncs (TestPlainDestination *self)
{
  return self->n_syncs;
}

void
test_plain_destination_set_remote (TestPlainDestination *self,
                                   TestPlainFinishFunc   func,
                                   gpointer              user_data)
{
  self->remote = TRUE;
  self->finish_func = func;
  self->finish_data = user_data;
}

GStrv
test_plain_destination_dup_log (TestPlainDestination *self,
                                gboolean              named)
{
  GPtrArray *log = named ? self->named : self->created;
  GStrv out;

  g_mutex_lock (&self->mutex);
  out = g_new0 (char *, log->len + 1);
  for (guint i = 0; i < log->len; i++)
    out[i] = g_strdup (g_ptr_array_index (log, i));
  g_mutex_unlock (&self->mutex);

  return out;
}
