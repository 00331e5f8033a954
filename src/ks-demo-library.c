/* ks-demo-library.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The Demo iPhone's library while it is being made. keepsake-demo starts the app at once and
 * makes the library meanwhile (iphone-sample-library --progress FILE); it tells the app with
 * KEEPSAKE_DEMO_PROGRESS (that FILE, "MADE TOTAL") and KEEPSAKE_DEMO_UDID (the Demo
 * iPhone's). This reads the file twice a second, on a worker (g_file_load_contents_async),
 * until the library is complete, and says "changed" when it grew. A file that disappears
 * means that making it stopped: the library is what it is. */

#include "config.h"

#include <stdio.h>

#include "ks-demo-library.h"

#define POLL_MS 500

struct _KsDemoLibrary
{
  GObject       parent_instance;

  char         *udid;
  GFile        *file;
  GCancellable *cancellable;
  guint         poll_id;
  guint         made;
  guint         total;
  gboolean      preparing;
  gboolean      reading;
};

G_DEFINE_FINAL_TYPE (KsDemoLibrary, ks_demo_library, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
stop (KsDemoLibrary *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->preparing = FALSE;
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(KsDemoLibrary) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  guint made = 0, total = 0;

  self->reading = FALSE;
  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, NULL, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Gone: the maker stopped (it failed, or was stopped). */
      g_debug ("Demo library progress: %s", error->message);
      stop (self);
      g_signal_emit (self, signals[CHANGED], 0);
      return;
    }

  /* A line being replaced is never half there (the maker renames a new file over it). */
  if (sscanf (contents, "%u %u", &made, &total) != 2 || total == 0 || made > total)
    return;
  if (made == self->made && total == self->total)
    return;

  self->made = made;
  self->total = total;
  if (made == total)
    stop (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
poll_cb (gpointer user_data)
{
  KsDemoLibrary *self = user_data;

  if (!self->reading)
    {
      self->reading = TRUE;
      g_file_load_contents_async (self->file, self->cancellable, load_cb, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

static void
ks_demo_library_dispose (GObject *object)
{
  KsDemoLibrary *self = KS_DEMO_LIBRARY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);

  G_OBJECT_CLASS (ks_demo_library_parent_class)->dispose (object);
}

static void
ks_demo_library_finalize (GObject *object)
{
  KsDemoLibrary *self = KS_DEMO_LIBRARY (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_free (self->udid);

  G_OBJECT_CLASS (ks_demo_library_parent_class)->finalize (object);
}

static void
ks_demo_library_class_init (KsDemoLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_demo_library_dispose;
  object_class->finalize = ks_demo_library_finalize;

  /**
   * KsDemoLibrary::changed:
   *
   * More of the library was made, or making it ended.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ks_demo_library_init (KsDemoLibrary *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * ks_demo_library_new:
 * @udid: the Demo iPhone's UDID
 * @progress_path: the file its library's maker writes "MADE TOTAL" to
 */
KsDemoLibrary *
ks_demo_library_new (const char *udid,
                     const char *progress_path)
{
  KsDemoLibrary *self;

  g_return_val_if_fail (udid != NULL, NULL);
  g_return_val_if_fail (progress_path != NULL, NULL);

  self = g_object_new (KS_TYPE_DEMO_LIBRARY, NULL);
  self->udid = g_strdup (udid);
  self->file = g_file_new_for_path (progress_path);
  self->preparing = TRUE;
  self->poll_id = g_timeout_add (POLL_MS, poll_cb, self);
  poll_cb (self);

  return self;
}

/**
 * ks_demo_library_new_from_environment:
 *
 * Returns: (transfer full) (nullable): the Demo iPhone's library being made, when
 *   keepsake-demo started the app while making it
 */
KsDemoLibrary *
ks_demo_library_new_from_environment (void)
{
  const char *path = g_getenv ("KEEPSAKE_DEMO_PROGRESS");
  const char *udid = g_getenv ("KEEPSAKE_DEMO_UDID");

  if (path == NULL || *path == '\0' || udid == NULL || *udid == '\0')
    return NULL;
  return ks_demo_library_new (udid, path);
}

const char *
ks_demo_library_get_udid (KsDemoLibrary *self)
{
  g_return_val_if_fail (KS_IS_DEMO_LIBRARY (self), NULL);
  return self->udid;
}

/**
 * ks_demo_library_get_preparing:
 *
 * Returns: %TRUE while the library is being made
 */
gboolean
ks_demo_library_get_preparing (KsDemoLibrary *self)
{
  g_return_val_if_fail (KS_IS_DEMO_LIBRARY (self), FALSE);
  return self->preparing;
}

/* Returns: how many photos and videos are made (0 before the first reading) */
guint
ks_demo_library_get_made (KsDemoLibrary *self)
{
  g_return_val_if_fail (KS_IS_DEMO_LIBRARY (self), 0);
  return self->made;
}

/* Returns: how many the library will hold (0 before the first reading) */
guint
ks_demo_library_get_total (KsDemoLibrary *self)
{
  g_return_val_if_fail (KS_IS_DEMO_LIBRARY (self), 0);
  return self->total;
}
