/* test-asset-model.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KsAssetModel: items arrive while the walk is still going, stay newest first, and
 * items-changed always describes the model exactly (checked against a shadow copy). */

#include "config.h"

#include <string.h>

#include <utime.h>

#include <glib/gstdio.h>

#include "ks-asset-model.h"
#include "ks-folder-source.h"

/* A synthetic source: @n_dirs folders of @per_dir photos; even photos get a Live
 * movie. Optionally it pauses at a gate after a few folders until the test opens it. */
#define TEST_TYPE_SOURCE (test_source_get_type ())
G_DECLARE_FINAL_TYPE (TestSource, test_source, TEST, SOURCE, GObject)

struct _TestSource
{
  GObject   parent_instance;
  guint     n_dirs;
  guint     per_dir;
  gboolean  shuffled_dates;
  guint     gate_after_dir; /* 0: no gate */
  guint     gate_in_dir;    /* 0: no gate; else after that folder's first file */
  GMutex    mutex;
  GCond     cond;
  gboolean  gate_open;
  gboolean  gate_timed_out;
  gboolean  finished;
};

static void source_iface_init (KsSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSource, test_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KS_TYPE_SOURCE, source_iface_init))

static void
test_source_finalize (GObject *object)
{
  TestSource *self = TEST_SOURCE (object);

  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (test_source_parent_class)->finalize (object);
}

static void
test_source_class_init (TestSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_source_finalize;
}

static void
test_source_init (TestSource *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

static const char *
test_source_get_id (KsSource *source)
{
  return "test:synthetic";
}

static char *
test_source_dup_display_name (KsSource *source)
{
  return g_strdup ("Synthetic");
}

static gint64
date_for (TestSource *self,
          guint       index)
{
  if (self->shuffled_dates)
    return 1600000000 + (gint64) ((index * 7919u) % 100003u) * 60;
  return 1600000000 + (gint64) index * 60;
}

/* Holds the walk (on its worker) until the test opens the gate, or 10 s. */
static void
test_source_wait_gate (TestSource *self)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&self->mutex);
  while (!self->gate_open)
    if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
      {
        self->gate_timed_out = TRUE;
        break;
      }
  g_mutex_unlock (&self->mutex);
}

static gboolean
test_source_enumerate (KsSource          *source,
                       KsSourceFileFunc   func,
                       gpointer           user_data,
                       GCancellable      *cancellable,
                       GError           **error)
{
  TestSource *self = TEST_SOURCE (source);

  for (guint d = 0; d < self->n_dirs; d++)
    {
      if (self->gate_after_dir != 0 && d == self->gate_after_dir)
        test_source_wait_gate (self);

      for (guint i = 0; i < self->per_dir; i++)
        {
          guint index = d * self->per_dir + i;
          g_autofree char *photo = g_strdup_printf ("DCIM/%03uAPPLE/IMG_%05u.HEIC", 100 + d, index);
          KsSourceFile file = { photo, 1000, date_for (self, index) };

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (!func (source, &file, user_data))
            return TRUE;
          if (self->gate_in_dir != 0 && d == self->gate_in_dir && i == 0)
            test_source_wait_gate (self);

          if (index % 2 == 0)
            {
              g_autofree char *movie = g_strdup_printf ("DCIM/%03uAPPLE/IMG_%05u.MOV", 100 + d, index);
              KsSourceFile live = { movie, 2000, date_for (self, index) };

              if (!func (source, &live, user_data))
                return TRUE;
            }
        }

      /* Slow walks (like AFC) let batches go out by age, not only by count. */
      if (self->gate_after_dir != 0)
        g_usleep (120 * G_TIME_SPAN_MILLISECOND);
    }

  self->finished = TRUE;
  return TRUE;
}

static GInputStream *
test_source_open_file (KsSource      *source,
                       const char    *path,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Synthetic");
  return NULL;
}

static void
source_iface_init (KsSourceInterface *iface)
{
  iface->get_id = test_source_get_id;
  iface->dup_display_name = test_source_dup_display_name;
  iface->enumerate = test_source_enumerate;
  iface->open_file = test_source_open_file;
}

static TestSource *
test_source_new (guint n_dirs,
                 guint per_dir)
{
  TestSource *self = g_object_new (TEST_TYPE_SOURCE, NULL);

  self->n_dirs = n_dirs;
  self->per_dir = per_dir;
  return self;
}

typedef struct
{
  GPtrArray  *shadow;   /* what a view would hold, built only from items-changed */
  guint       n_signals;
  guint       first_added_at;
  guint       last_added_at;
  gboolean    saw_items_while_loading;
  TestSource *gate_source;
  gboolean    done;
  GError     *error;
} Watch;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Watch      *watch)
{
  g_assert_cmpuint (position + removed, <=, watch->shadow->len);
  g_ptr_array_remove_range (watch->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (watch->shadow, position + i, g_list_model_get_item (model, position + i));
  g_assert_cmpuint (watch->shadow->len, ==, g_list_model_get_n_items (model));
  if (watch->n_signals == 0)
    watch->first_added_at = position;
  watch->last_added_at = position;
  watch->n_signals++;

  if (added > 0 && ks_asset_model_get_loading (KS_ASSET_MODEL (model)))
    watch->saw_items_while_loading = TRUE;

  if (watch->gate_source != NULL)
    {
      g_mutex_lock (&watch->gate_source->mutex);
      watch->gate_source->gate_open = TRUE;
      g_cond_signal (&watch->gate_source->cond);
      g_mutex_unlock (&watch->gate_source->mutex);
    }
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Watch *watch = user_data;

  ks_asset_model_load_finish (KS_ASSET_MODEL (object), result, &watch->error);
  watch->done = TRUE;
}

static void
load_and_wait (KsAssetModel *model,
               Watch        *watch)
{
  watch->done = FALSE;
  ks_asset_model_load_async (model, NULL, load_cb, watch);
  g_assert_true (ks_asset_model_get_loading (model));
  while (!watch->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ks_asset_model_get_loading (model));
}

static void
assert_sorted_and_matches_shadow (KsAssetModel *model,
                                  Watch        *watch)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (watch->shadow->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsAsset) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_true (item == g_ptr_array_index (watch->shadow, i));
      if (i > 0)
        g_assert_cmpint (ks_asset_compare_newest_first (g_ptr_array_index (watch->shadow, i - 1), item), <, 0);
    }
}

static void
run_load (guint     n_dirs,
          guint     per_dir,
          gboolean  shuffled,
          gdouble  *seconds)
{
  g_autoptr(TestSource) source = test_source_new (n_dirs, per_dir);
  g_autoptr(KsAssetModel) model = NULL;
  Watch watch = { g_ptr_array_new_with_free_func (g_object_unref) };
  g_autoptr(GTimer) timer = NULL;

  source->shuffled_dates = shuffled;
  model = ks_asset_model_new (KS_SOURCE (source));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);

  timer = g_timer_new ();
  load_and_wait (model, &watch);
  *seconds = g_timer_elapsed (timer, NULL);

  g_assert_no_error (watch.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_dirs * per_dir);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == KS_TYPE_ASSET);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), n_dirs * per_dir));
  assert_sorted_and_matches_shadow (model, &watch);

  /* Live pairs survived the batching. */
  {
    g_autofree char *key = g_strdup_printf ("DCIM/%03uAPPLE/IMG_%05u.HEIC", 100 + n_dirs - 1, (n_dirs - 1) * per_dir);
    KsAsset *asset = ks_asset_model_lookup (model, key);

    g_assert_nonnull (asset);
    g_assert_true (ks_asset_is_live (asset));
  }

  g_test_message ("%u assets (%s dates) in %.3f s, %u items-changed",
                  n_dirs * per_dir, shuffled ? "shuffled" : "ordered", *seconds, watch.n_signals);

  g_signal_handlers_disconnect_by_data (model, &watch);
  g_ptr_array_unref (watch.shadow);
}

static void
test_ordered (void)
{
  gdouble seconds;

  run_load (10, 200, FALSE, &seconds);
}

static void
test_shuffled (void)
{
  gdouble seconds;

  run_load (10, 200, TRUE, &seconds);
}

static void
test_20000_fast (void)
{
  gdouble seconds;

  run_load (20, 1000, TRUE, &seconds);
  /* Generous for ASan on two slow cores; it takes ~0.1 s in a plain build. */
  g_assert_cmpfloat (seconds, <, 10.0);
  run_load (20, 1000, FALSE, &seconds);
  g_assert_cmpfloat (seconds, <, 10.0);
}

static void
test_streaming (void)
{
  g_autoptr(TestSource) source = test_source_new (6, 20);
  g_autoptr(KsAssetModel) model = NULL;
  Watch watch = { g_ptr_array_new_with_free_func (g_object_unref) };

  /* The walk stops after two folders until the first items-changed opens the
   * gate: it can only open if items arrive before the walk ends. */
  source->gate_after_dir = 3;
  watch.gate_source = source;
  model = ks_asset_model_new (KS_SOURCE (source));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);

  load_and_wait (model, &watch);
  g_assert_no_error (watch.error);
  g_assert_false (source->gate_timed_out);
  g_assert_true (watch.saw_items_while_loading);
  g_assert_true (source->finished);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 120);
  assert_sorted_and_matches_shadow (model, &watch);

  /* Reloading empties and refills, still consistent. */
  watch.gate_source = NULL;
  source->gate_after_dir = 0;
  load_and_wait (model, &watch);
  g_assert_no_error (watch.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 120);
  assert_sorted_and_matches_shadow (model, &watch);

  g_signal_handlers_disconnect_by_data (model, &watch);
  g_ptr_array_unref (watch.shadow);
}

typedef struct
{
  TestSource *source;
  guint       n_signals;
  guint       n_items;          /* at the first items-changed */
  gboolean    only_first_dir;   /* every item then was in the first folder walked */
  gboolean    walk_finished;    /* the walk had ended by then */
} FolderWatch;

static void
first_folder_cb (GListModel  *model,
                 guint        position,
                 guint        removed,
                 guint        added,
                 FolderWatch *watch)
{
  if (added == 0 || watch->n_signals++ > 0)
    return;

  watch->n_items = g_list_model_get_n_items (model);
  watch->only_first_dir = TRUE;
  for (guint i = 0; i < watch->n_items; i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (model, i);

      if (!g_str_has_prefix (ks_asset_get_key (asset), "DCIM/100APPLE/"))
        watch->only_first_dir = FALSE;
    }
  watch->walk_finished = watch->source->finished;

  g_mutex_lock (&watch->source->mutex);
  watch->source->gate_open = TRUE;
  g_cond_signal (&watch->source->cond);
  g_mutex_unlock (&watch->source->mutex);
}

/* The first folder walked (a device source walks the newest first) reaches the model as soon
 * as the walk has moved on to the next folder, not when a batch fills or ages: here the walk
 * waits after the second folder's first file until the model holds the whole first folder. */
static void
test_first_folder_first (void)
{
  g_autoptr(TestSource) source = test_source_new (4, 20);
  g_autoptr(KsAssetModel) model = NULL;
  Watch watch = { g_ptr_array_new_with_free_func (g_object_unref) };
  FolderWatch folder = { source };

  source->gate_in_dir = 1;
  model = ks_asset_model_new (KS_SOURCE (source));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);
  g_signal_connect (model, "items-changed", G_CALLBACK (first_folder_cb), &folder);

  load_and_wait (model, &watch);
  g_assert_no_error (watch.error);
  g_assert_false (source->gate_timed_out);
  g_assert_cmpuint (folder.n_signals, >, 0);
  g_assert_false (folder.walk_finished);
  g_assert_true (folder.only_first_dir);
  g_assert_cmpuint (folder.n_items, ==, 20);   /* Live movies are in their photo's asset */
  g_assert_true (source->finished);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 80);
  assert_sorted_and_matches_shadow (model, &watch);

  g_signal_handlers_disconnect_by_data (model, &watch);
  g_signal_handlers_disconnect_by_data (model, &folder);
  g_ptr_array_unref (watch.shadow);
}

static void
test_cancel (void)
{
  g_autoptr(TestSource) source = test_source_new (50, 1000);
  g_autoptr(KsAssetModel) model = ks_asset_model_new (KS_SOURCE (source));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Watch watch = { g_ptr_array_new_with_free_func (g_object_unref) };

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);
  ks_asset_model_load_async (model, cancellable, load_cb, &watch);
  g_cancellable_cancel (cancellable);
  while (!watch.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_error (watch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&watch.error);
  g_assert_false (ks_asset_model_get_loading (model));
  g_assert_false (source->finished);
  assert_sorted_and_matches_shadow (model, &watch);

  g_signal_handlers_disconnect_by_data (model, &watch);
  g_ptr_array_unref (watch.shadow);
}

static void
test_capture_time_notify (void)
{
  g_autoptr(KsAssetFile) file = ks_asset_file_new (KS_ASSET_FILE_ROLE_PRIMARY, "A/IMG_0001.JPG", 1, 100);
  g_autoptr(KsAsset) asset = ks_asset_new ("test:", file);
  g_autoptr(GDateTime) date = NULL;
  guint notified = 0;

  g_signal_connect_swapped (asset, "notify::capture-time", G_CALLBACK (g_nullify_pointer), NULL);
  g_signal_handlers_disconnect_matched (asset, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, g_nullify_pointer, NULL);
  g_signal_connect_swapped (asset, "notify::capture-time", G_CALLBACK (g_atomic_int_inc), &notified);

  g_assert_cmpint (ks_asset_get_capture_time (asset), ==, 100);
  g_assert_false (ks_asset_get_capture_time_is_exact (asset));
  ks_asset_set_capture_time (asset, 1718461800, TRUE);
  ks_asset_set_capture_time (asset, 1718461800, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  {
    KsAssetKind kind;
    KsMediaType media_type;
    gboolean live = TRUE;
    g_autofree char *nick = NULL;

    g_object_get (asset, "kind", &kind, "media-type", &media_type, "live", &live, NULL);
    g_assert_cmpint (kind, ==, KS_ASSET_KIND_JPEG);
    g_assert_cmpint (media_type, ==, KS_MEDIA_TYPE_PHOTO);
    g_assert_false (live);
    nick = g_enum_to_string (KS_TYPE_ASSET_FILE_ROLE, KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO);
    g_assert_cmpstr (nick, ==, "KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO");
    g_assert_cmpstr (ks_asset_file_role_to_string (KS_ASSET_FILE_ROLE_EDITED_LIVE_VIDEO), ==, "edited-live-video");
    g_assert_cmpstr (ks_asset_kind_to_string (kind), ==,
                     g_enum_get_value (g_type_class_peek (KS_TYPE_ASSET_KIND), kind)->value_nick);
  }
  g_assert_true (ks_asset_get_capture_time_is_exact (asset));
  date = ks_asset_dup_capture_date (asset);
  g_assert_cmpint (g_date_time_get_year (date), ==, 2024);
}

static void
write_file (const char *root,
            const char *rel,
            const char *contents,
            gint64      mtime)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  struct utimbuf times = { (time_t) mtime, (time_t) mtime };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (utime (path, &times), ==, 0);
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GInputStream **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = ks_source_open_file_finish (KS_SOURCE (object), result, &error);
  g_assert_no_error (error);
}

static void
test_folder_source (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("ks-model-XXXXXX", &error);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(KsAssetModel) model = NULL;
  g_autoptr(GInputStream) stream = NULL;
  Watch watch = { g_ptr_array_new_with_free_func (g_object_unref) };
  static const char * const order[] = {
    "DCIM/101APPLE/IMG_0100.MOV",
    "DCIM/100APPLE/IMG_0003.JPG",
    "DCIM/100APPLE/IMG_0099.AAE",   /* a sidecar without its photo is kept, as itself */
    "DCIM/100APPLE/IMG_0001.HEIC",
    "DCIM/100APPLE/IMG_0002.HEIC",
  };
  char buf[8] = { 0 };
  gsize n = 0;

  g_assert_no_error (error);
  write_file (root, "DCIM/100APPLE/IMG_0001.HEIC", "one", 1700000100);
  write_file (root, "DCIM/100APPLE/IMG_0001.MOV", "one-live", 1700000100);
  write_file (root, "DCIM/100APPLE/IMG_0002.HEIC", "two", 1700000100);
  write_file (root, "DCIM/100APPLE/IMG_0003.JPG", "three", 1700000300);
  write_file (root, "DCIM/100APPLE/IMG_0099.AAE", "orphan", 1700000300);
  write_file (root, "DCIM/101APPLE/IMG_0100.MOV", "video", 1700000400);

  folder = g_file_new_for_path (root);
  source = ks_folder_source_new (folder);
  model = ks_asset_model_new (KS_SOURCE (source));
  g_assert_true (ks_asset_model_get_source (model) == KS_SOURCE (source));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);

  load_and_wait (model, &watch);
  g_assert_no_error (watch.error);
  assert_sorted_and_matches_shadow (model, &watch);
  /* 101APPLE (newer) is walked before 100APPLE, so its batch came first and
   * the older folder's assets were added below it, never above. */
  g_assert_cmpuint (watch.n_signals, ==, 2);
  g_assert_cmpuint (watch.first_added_at, ==, 0);
  g_assert_cmpuint (watch.last_added_at, ==, 1);

  /* Newest first; equal times by key. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(KsAsset) asset = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_assert_cmpstr (ks_asset_get_key (asset), ==, order[i]);
    }
  g_assert_true (ks_asset_is_live (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0001.HEIC")));
  g_assert_null (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0001.MOV"));
  g_assert_cmpuint (ks_asset_model_get_n_skipped (model), ==, 0);

  /* A refined capture time moves the asset, with an exact items-changed. */
  {
    KsAsset *video = ks_asset_model_lookup (model, "DCIM/101APPLE/IMG_0100.MOV");
    KsAsset *jpeg = ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0003.JPG");

    ks_asset_set_capture_time (video, 1600000000, TRUE);
    ks_asset_model_resort_asset (model, video);
    assert_sorted_and_matches_shadow (model, &watch);
    {
      g_autoptr(KsAsset) last = g_list_model_get_item (G_LIST_MODEL (model), G_N_ELEMENTS (order) - 1);
      g_assert_true (last == video);
    }

    ks_asset_set_capture_time (jpeg, 1800000000, TRUE);
    ks_asset_model_resort_asset (model, jpeg);
    ks_asset_model_resort_asset (model, jpeg);
    assert_sorted_and_matches_shadow (model, &watch);
    {
      g_autoptr(KsAsset) first = g_list_model_get_item (G_LIST_MODEL (model), 0);
      g_assert_true (first == jpeg);
    }
  }

  /* A new file shows up on reload. */
  write_file (root, "DCIM/101APPLE/IMG_0101.PNG", "shot", 1700000500);
  load_and_wait (model, &watch);
  g_assert_no_error (watch.error);
  assert_sorted_and_matches_shadow (model, &watch);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, G_N_ELEMENTS (order) + 1);

  ks_source_open_file_async (KS_SOURCE (source), "DCIM/100APPLE/IMG_0003.JPG", G_PRIORITY_DEFAULT, NULL, open_cb, &stream);
  while (stream == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_input_stream_read_all (stream, buf, sizeof buf - 1, &n, NULL, &error));
  g_assert_cmpstr (buf, ==, "three");

  g_signal_handlers_disconnect_by_data (model, &watch);
  g_ptr_array_unref (watch.shadow);
  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "rm", "-rf", root, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (rm, NULL, &error));
  }
}

static void
update_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_asset_model_update_finish (KS_ASSET_MODEL (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
update_and_wait (KsAssetModel *model)
{
  gboolean done = FALSE;

  ks_asset_model_update_async (model, NULL, update_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* A library that grows while it is shown (the Demo iPhone's): an update adds what is new,
 * drops what is gone, makes an asset again when its files changed, and leaves the others
 * alone (the same objects, no items-changed over them). */
static void
test_update (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("ks-model-XXXXXX", &error);
  g_autofree char *gone = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(KsFolderSource) source = NULL;
  g_autoptr(KsAssetModel) model = NULL;
  g_autoptr(KsAsset) kept = NULL;
  Watch watch = { g_ptr_array_new_with_free_func (g_object_unref) };

  g_assert_no_error (error);
  write_file (root, "DCIM/100APPLE/IMG_0001.HEIC", "one", 1700000100);
  write_file (root, "DCIM/100APPLE/IMG_0002.HEIC", "two", 1700000200);
  write_file (root, "DCIM/100APPLE/IMG_0003.JPG", "three", 1700000300);

  folder = g_file_new_for_path (root);
  source = ks_folder_source_new (folder);
  model = ks_asset_model_new (KS_SOURCE (source));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);
  load_and_wait (model, &watch);
  g_assert_no_error (watch.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  kept = g_object_ref (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0003.JPG"));

  /* Nothing changed: nothing happens. */
  watch.n_signals = 0;
  update_and_wait (model);
  g_assert_cmpuint (watch.n_signals, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);

  /* New photos, one of them older than all; a photo gets its Live movie; one is gone. */
  write_file (root, "DCIM/100APPLE/IMG_0004.PNG", "four", 1700000400);
  write_file (root, "DCIM/100APPLE/IMG_0000.JPG", "zero", 1600000000);
  write_file (root, "DCIM/100APPLE/IMG_0001.MOV", "one-live", 1700000100);
  gone = g_build_filename (root, "DCIM/100APPLE/IMG_0002.HEIC", NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);
  update_and_wait (model);
  assert_sorted_and_matches_shadow (model, &watch);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 4);
  g_assert_nonnull (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0004.PNG"));
  g_assert_nonnull (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0000.JPG"));
  g_assert_null (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0002.HEIC"));
  g_assert_true (ks_asset_is_live (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0001.HEIC")));
  g_assert_true (ks_asset_model_lookup (model, "DCIM/100APPLE/IMG_0003.JPG") == kept);
  {
    g_autoptr(KsAsset) first = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_autoptr(KsAsset) last = g_list_model_get_item (G_LIST_MODEL (model), 3);

    g_assert_cmpstr (ks_asset_get_key (first), ==, "DCIM/100APPLE/IMG_0004.PNG");
    g_assert_cmpstr (ks_asset_get_key (last), ==, "DCIM/100APPLE/IMG_0000.JPG");
  }

  g_signal_handlers_disconnect_by_data (model, &watch);
  g_ptr_array_unref (watch.shadow);
  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "rm", "-rf", root, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (rm, NULL, &error));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/Model/asset-model/ordered", test_ordered);
  g_test_add_func ("/Keepsake/Model/asset-model/shuffled", test_shuffled);
  g_test_add_func ("/Keepsake/Model/asset-model/20000-fast", test_20000_fast);
  g_test_add_func ("/Keepsake/Model/asset-model/streaming", test_streaming);
  g_test_add_func ("/Keepsake/Model/asset-model/first-folder-first", test_first_folder_first);
  g_test_add_func ("/Keepsake/Model/asset-model/cancel", test_cancel);
  g_test_add_func ("/Keepsake/Model/asset-model/folder-source", test_folder_source);
  g_test_add_func ("/Keepsake/Model/asset-model/capture-time-notify", test_capture_time_notify);
  g_test_add_func ("/Keepsake/Model/asset-model/update", test_update);

  return g_test_run ();
}
