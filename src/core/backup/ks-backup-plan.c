/* ks-backup-plan.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-backup-plan-private.h"
#include "ks-layout.h"

G_DEFINE_QUARK (ks-backup-plan-error-quark, ks_backup_plan_error)

/* ---- KsBackupPlan ---- */

#define OPTION_LAYOUT              "layout"
#define OPTION_INCLUDE_VIDEOS      "include-videos"
#define OPTION_INCLUDE_LIVE_VIDEOS "include-live-videos"
#define OPTION_INCLUDE_EDITED      "include-edited"
#define OPTION_INCLUDE_SIDECARS    "include-sidecars"
#define OPTION_INCLUDE_TRASHED     "include-recently-deleted"
#define OPTION_INCLUDE_HIDDEN      "include-hidden"
#define OPTION_INITIALIZED         "initialized"

struct _KsBackupPlan
{
  GObject    parent_instance;

  KsCatalog *catalog;
  GPtrArray *items;            /* KsPlanDestination, in the order added */

  char      *layout;
  gboolean   include_videos;
  gboolean   include_live_videos;
  gboolean   include_edited;
  gboolean   include_sidecars;
  gboolean   include_trashed;
  gboolean   include_hidden;
  gboolean   initialized;
};

enum {
  PROP_0,
  PROP_LAYOUT,
  PROP_INCLUDE_VIDEOS,
  PROP_INCLUDE_LIVE_VIDEOS,
  PROP_INCLUDE_EDITED,
  PROP_INCLUDE_SIDECARS,
  PROP_INCLUDE_TRASHED,
  PROP_INCLUDE_HIDDEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsBackupPlan, ks_backup_plan, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
ks_backup_plan_get_item_type (GListModel *model)
{
  return KS_TYPE_PLAN_DESTINATION;
}

static guint
ks_backup_plan_get_n_items (GListModel *model)
{
  return KS_BACKUP_PLAN (model)->items->len;
}

static gpointer
ks_backup_plan_get_item (GListModel *model,
                         guint       position)
{
  KsBackupPlan *self = KS_BACKUP_PLAN (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ks_backup_plan_get_item_type;
  iface->get_n_items = ks_backup_plan_get_n_items;
  iface->get_item = ks_backup_plan_get_item;
}

static gboolean
option_boolean (KsBackupPlan *self,
                const char   *key,
                gboolean      fallback)
{
  g_autofree char *value = ks_catalog_dup_plan_setting (self->catalog, key);

  if (value == NULL)
    return fallback;

  return g_strcmp0 (value, "true") == 0;
}

/* Options are small writes; a failing one is reported but cannot undo the property. */
static void
store_option (KsBackupPlan *self,
              const char   *key,
              const char   *value)
{
  g_autoptr(GError) error = NULL;

  if (!ks_catalog_set_plan_setting (self->catalog, key, value, &error))
    g_warning ("Cannot save the backup option %s: %s", key, error->message);
}

static void
load_options (KsBackupPlan *self)
{
  struct {
    gboolean   *field;
    const char *key;
    int         prop;
  } booleans[] = {
    { &self->include_videos, OPTION_INCLUDE_VIDEOS, PROP_INCLUDE_VIDEOS },
    { &self->include_live_videos, OPTION_INCLUDE_LIVE_VIDEOS, PROP_INCLUDE_LIVE_VIDEOS },
    { &self->include_edited, OPTION_INCLUDE_EDITED, PROP_INCLUDE_EDITED },
    { &self->include_sidecars, OPTION_INCLUDE_SIDECARS, PROP_INCLUDE_SIDECARS },
    { &self->include_trashed, OPTION_INCLUDE_TRASHED, PROP_INCLUDE_TRASHED },
    { &self->include_hidden, OPTION_INCLUDE_HIDDEN, PROP_INCLUDE_HIDDEN },
  };
  g_autofree char *layout = ks_catalog_dup_plan_setting (self->catalog, OPTION_LAYOUT);

  for (guint i = 0; i < G_N_ELEMENTS (booleans); i++)
    {
      gboolean value = option_boolean (self, booleans[i].key, TRUE);

      if (value != *booleans[i].field)
        {
          *booleans[i].field = value;
          g_object_notify_by_pspec (G_OBJECT (self), properties[booleans[i].prop]);
        }
    }

  if (layout == NULL || !ks_layout_validate (layout, NULL))
    {
      g_free (layout);
      layout = g_strdup (KS_IMPORT_DEFAULT_LAYOUT);
    }
  if (g_strcmp0 (layout, self->layout) != 0)
    {
      g_free (self->layout);
      self->layout = g_steal_pointer (&layout);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT]);
    }

  self->initialized = option_boolean (self, OPTION_INITIALIZED, FALSE);
}

static void
set_boolean_option (KsBackupPlan *self,
                    gboolean     *field,
                    const char   *key,
                    int           prop,
                    gboolean      value)
{
  value = !!value;
  if (*field == value)
    return;

  *field = value;
  store_option (self, key, value ? "true" : "false");
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
ks_backup_plan_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsBackupPlan *self = KS_BACKUP_PLAN (object);

  switch (prop_id)
    {
    case PROP_LAYOUT:
      g_value_set_string (value, ks_backup_plan_get_layout (self));
      break;
    case PROP_INCLUDE_VIDEOS:
      g_value_set_boolean (value, ks_backup_plan_get_include_videos (self));
      break;
    case PROP_INCLUDE_LIVE_VIDEOS:
      g_value_set_boolean (value, ks_backup_plan_get_include_live_videos (self));
      break;
    case PROP_INCLUDE_EDITED:
      g_value_set_boolean (value, ks_backup_plan_get_include_edited (self));
      break;
    case PROP_INCLUDE_SIDECARS:
      g_value_set_boolean (value, ks_backup_plan_get_include_sidecars (self));
      break;
    case PROP_INCLUDE_TRASHED:
      g_value_set_boolean (value, self->include_trashed);
      break;
    case PROP_INCLUDE_HIDDEN:
      g_value_set_boolean (value, self->include_hidden);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_backup_plan_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KsBackupPlan *self = KS_BACKUP_PLAN (object);

  switch (prop_id)
    {
    case PROP_LAYOUT:
      /* An invalid layout from a binding is not stored; the editor shows why. */
      ks_backup_plan_set_layout (self, g_value_get_string (value), NULL);
      break;
    case PROP_INCLUDE_VIDEOS:
      ks_backup_plan_set_include_videos (self, g_value_get_boolean (value));
      break;
    case PROP_INCLUDE_LIVE_VIDEOS:
      ks_backup_plan_set_include_live_videos (self, g_value_get_boolean (value));
      break;
    case PROP_INCLUDE_EDITED:
      ks_backup_plan_set_include_edited (self, g_value_get_boolean (value));
      break;
    case PROP_INCLUDE_SIDECARS:
      ks_backup_plan_set_include_sidecars (self, g_value_get_boolean (value));
      break;
    case PROP_INCLUDE_TRASHED:
      set_boolean_option (self, &self->include_trashed, OPTION_INCLUDE_TRASHED,
                          PROP_INCLUDE_TRASHED, g_value_get_boolean (value));
      break;
    case PROP_INCLUDE_HIDDEN:
      set_boolean_option (self, &self->include_hidden, OPTION_INCLUDE_HIDDEN,
                          PROP_INCLUDE_HIDDEN, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_backup_plan_finalize (GObject *object)
{
  KsBackupPlan *self = (KsBackupPlan *)object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->layout, g_free);
  g_clear_object (&self->catalog);

  G_OBJECT_CLASS (ks_backup_plan_parent_class)->finalize (object);
}

static void
ks_backup_plan_class_init (KsBackupPlanClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = ks_backup_plan_get_property;
  object_class->set_property = ks_backup_plan_set_property;
  object_class->finalize = ks_backup_plan_finalize;

  properties[PROP_LAYOUT] =
    g_param_spec_string ("layout", NULL, NULL, KS_IMPORT_DEFAULT_LAYOUT, flags);
  properties[PROP_INCLUDE_VIDEOS] =
    g_param_spec_boolean ("include-videos", NULL, NULL, TRUE, flags);
  properties[PROP_INCLUDE_LIVE_VIDEOS] =
    g_param_spec_boolean ("include-live-videos", NULL, NULL, TRUE, flags);
  properties[PROP_INCLUDE_EDITED] =
    g_param_spec_boolean ("include-edited", NULL, NULL, TRUE, flags);
  properties[PROP_INCLUDE_SIDECARS] =
    g_param_spec_boolean ("include-sidecars", NULL, NULL, TRUE, flags);
  /* What the phone's Photos library has in Recently Deleted, and in Hidden. */
  properties[PROP_INCLUDE_TRASHED] =
    g_param_spec_boolean ("include-recently-deleted", NULL, NULL, TRUE, flags);
  properties[PROP_INCLUDE_HIDDEN] =
    g_param_spec_boolean ("include-hidden", NULL, NULL, TRUE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_backup_plan_init (KsBackupPlan *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->layout = g_strdup (KS_IMPORT_DEFAULT_LAYOUT);
  self->include_videos = TRUE;
  self->include_live_videos = TRUE;
  self->include_edited = TRUE;
  self->include_sidecars = TRUE;
  self->include_trashed = TRUE;
  self->include_hidden = TRUE;
}

/**
 * ks_backup_plan_new:
 * @catalog: where the plan is kept
 *
 * Loads the plan (a few rows: fast, but it reads the catalog's database).
 *
 * Returns: (transfer full): the plan, or %NULL with @error set
 */
KsBackupPlan *
ks_backup_plan_new (KsCatalog  *catalog,
                    GError    **error)
{
  g_autoptr(KsBackupPlan) self = NULL;

  g_return_val_if_fail (KS_IS_CATALOG (catalog), NULL);

  self = g_object_new (KS_TYPE_BACKUP_PLAN, NULL);
  self->catalog = g_object_ref (catalog);

  if (!ks_backup_plan_reload (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

KsCatalog *
ks_backup_plan_get_catalog (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);

  return self->catalog;
}

/**
 * ks_backup_plan_reload:
 *
 * Reads the plan again: edits made by another process (keepsake-cli while the app runs)
 * and the latest successful runs. Emits items-changed and notifies changed options.
 */
gboolean
ks_backup_plan_reload (KsBackupPlan  *self,
                       GError       **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) items = NULL;
  guint removed;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  entries = ks_catalog_list_plan_entries (self->catalog, error);
  if (entries == NULL)
    return FALSE;

  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < entries->len; i++)
    {
      const KsCatalogPlanEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(GHashTable) last = ks_catalog_dup_last_successes (self->catalog, entry->id);

      g_ptr_array_add (items, _ks_plan_destination_new (entry, last));
    }

  removed = self->items->len;
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&items);
  load_options (self);

  if (removed > 0 || self->items->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);

  return TRUE;
}

static int
find_entry (KsBackupPlan *self,
            const char   *id_or_location)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      KsPlanDestination *dest = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (dest->id, id_or_location) == 0
          || g_strcmp0 (dest->location, id_or_location) == 0)
        return i;
    }

  return -1;
}

/**
 * ks_backup_plan_lookup:
 * @id_or_location: an entry's id, or where it is (a folder's path, as added)
 *
 * Returns: (transfer none) (nullable): the entry
 */
KsPlanDestination *
ks_backup_plan_lookup (KsBackupPlan *self,
                       const char   *id_or_location)
{
  int i;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);
  g_return_val_if_fail (id_or_location != NULL, NULL);

  i = find_entry (self, id_or_location);
  if (i < 0 && g_path_is_absolute (id_or_location))
    {
      g_autofree char *canonical = g_canonicalize_filename (id_or_location, NULL);

      i = find_entry (self, canonical);
    }

  return i >= 0 ? g_ptr_array_index (self->items, i) : NULL;
}

/**
 * ks_backup_plan_dup_enabled:
 * @method: the method that must run there
 *
 * Returns: (transfer full) (element-type KsPlanDestination): the enabled entries that run
 *   @method, in the plan's order
 */
GPtrArray *
ks_backup_plan_dup_enabled (KsBackupPlan    *self,
                            KsBackupMethods  method)
{
  GPtrArray *enabled = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), enabled);

  for (guint i = 0; i < self->items->len; i++)
    {
      KsPlanDestination *dest = g_ptr_array_index (self->items, i);

      if (dest->enabled && (dest->methods & method) == method)
        g_ptr_array_add (enabled, g_object_ref (dest));
    }

  return enabled;
}

/* Stores @dest's entry in the catalog and reads the plan again. */
gboolean
_ks_backup_plan_save_and_reload (KsBackupPlan      *self,
                                 KsPlanDestination *dest,
                                 GError           **error)
{
  g_autoptr(KsCatalogPlanEntry) entry = _ks_plan_destination_to_entry (dest);

  if (!ks_catalog_save_plan_entry (self->catalog, entry, error))
    return FALSE;

  return ks_backup_plan_reload (self, error);
}

static KsPlanDestination *
lookup_or_error (KsBackupPlan  *self,
                 const char    *id,
                 GError       **error)
{
  KsPlanDestination *dest = ks_backup_plan_lookup (self, id);

  if (dest == NULL)
    g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_NOT_FOUND,
                 _("No destination “%s” in the backup plan"), id);
  return dest;
}

/**
 * ks_backup_plan_remove:
 * @id: an entry's id (or location)
 *
 * Takes the destination out of the plan. What it holds stays there, and the catalog keeps
 * knowing its copies.
 */
gboolean
ks_backup_plan_remove (KsBackupPlan  *self,
                       const char    *id,
                       GError       **error)
{
  KsPlanDestination *dest;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if ((dest = lookup_or_error (self, id, error)) == NULL)
    return FALSE;

  if (!ks_catalog_delete_plan_entry (self->catalog, dest->id, error))
    return FALSE;

  return ks_backup_plan_reload (self, error);
}

gboolean
ks_backup_plan_set_enabled (KsBackupPlan  *self,
                            const char    *id,
                            gboolean       enabled,
                            GError       **error)
{
  KsPlanDestination *dest;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if ((dest = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (dest->enabled == !!enabled)
    return TRUE;

  dest->enabled = !!enabled;
  return _ks_backup_plan_save_and_reload (self, dest, error);
}

gboolean
ks_backup_plan_rename (KsBackupPlan  *self,
                       const char    *id,
                       const char    *name,
                       GError       **error)
{
  KsPlanDestination *dest;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if ((dest = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (name == NULL || name[0] == '\0')
    {
      g_set_error_literal (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                           _("A destination needs a name"));
      return FALSE;
    }

  g_free (dest->name);
  dest->name = g_strdup (name);
  return _ks_backup_plan_save_and_reload (self, dest, error);
}

/**
 * ks_backup_plan_set_methods:
 * @methods: the backup methods that go to this destination (files, full device backups)
 */
gboolean
ks_backup_plan_set_methods (KsBackupPlan     *self,
                            const char       *id,
                            KsBackupMethods   methods,
                            GError          **error)
{
  KsPlanDestination *dest;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if ((dest = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (methods == KS_BACKUP_METHOD_NONE)
    {
      g_set_error_literal (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                           _("A destination needs at least one kind of backup"));
      return FALSE;
    }
  if (dest->methods == methods)
    return TRUE;

  dest->methods = methods;
  return _ks_backup_plan_save_and_reload (self, dest, error);
}

/**
 * ks_backup_plan_add:
 * @kind: the destination's kind
 * @id: (nullable): the id the medium already holds (its `.keepsake/id`), or %NULL for a new one
 * @name: a name for people
 * @location: where the kind finds it (a path, a drive's identity, a remote); the kind checked it
 * @methods: the backup methods that go there
 *
 * Adds a destination of any kind, enabled. The plan does not look at the medium: the kind's own
 * code did that before (on a worker).
 *
 * Returns: (transfer none): the new entry, or %NULL with @error set
 */
KsPlanDestination *
ks_backup_plan_add (KsBackupPlan       *self,
                    KsDestinationKind   kind,
                    const char         *id,
                    const char         *name,
                    const char         *location,
                    KsBackupMethods     methods,
                    GError            **error)
{
  g_autoptr(KsPlanDestination) dest = NULL;
  KsPlanDestination *same;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);
  g_return_val_if_fail (location != NULL, NULL);

  if (name == NULL || name[0] == '\0' || methods == KS_BACKUP_METHOD_NONE)
    {
      g_set_error_literal (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                           name == NULL || name[0] == '\0'
                             ? _("A destination needs a name")
                             : _("A destination needs at least one kind of backup"));
      return NULL;
    }

  same = ks_backup_plan_lookup (self, location);
  if (same == NULL && id != NULL)
    same = ks_backup_plan_lookup (self, id);
  if (same != NULL)
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_EXISTS,
                   _("“%s” is already in the backup plan as “%s”"),
                   location, same->name);
      return NULL;
    }

  dest = g_object_new (KS_TYPE_PLAN_DESTINATION, NULL);
  dest->id = id ? g_strdup (id) : g_uuid_string_random ();
  dest->name = g_strdup (name);
  dest->kind = kind;
  dest->location = g_strdup (location);
  dest->enabled = TRUE;
  dest->methods = methods;
  dest->create_missing = FALSE;
  dest->added_at = g_get_real_time () / G_USEC_PER_SEC;
  dest->last_successes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!_ks_backup_plan_save_and_reload (self, dest, error))
    return NULL;

  return ks_backup_plan_lookup (self, dest->id);
}

static char *
destination_option_key (const char *id,
                        const char *key)
{
  return g_strdup_printf ("destination/%s/%s", id, key);
}

/**
 * ks_backup_plan_dup_destination_option:
 * @id: an entry's id
 * @key: the option's name, such as "jpeg-copies"
 *
 * Returns: (transfer full) (nullable): the option's value, or %NULL when it is unset
 */
char *
ks_backup_plan_dup_destination_option (KsBackupPlan *self,
                                       const char   *id,
                                       const char   *key)
{
  g_autofree char *full_key = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);
  g_return_val_if_fail (id != NULL && key != NULL, NULL);

  full_key = destination_option_key (id, key);
  return ks_catalog_dup_plan_setting (self->catalog, full_key);
}

/**
 * ks_backup_plan_set_destination_option:
 * @value: (nullable): the new value, or %NULL to unset it
 *
 * Options are removed with their destination.
 */
gboolean
ks_backup_plan_set_destination_option (KsBackupPlan  *self,
                                       const char    *id,
                                       const char    *key,
                                       const char    *value,
                                       GError       **error)
{
  g_autofree char *full_key = NULL;
  KsPlanDestination *dest;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);
  g_return_val_if_fail (id != NULL && key != NULL, FALSE);

  if ((dest = lookup_or_error (self, id, error)) == NULL)
    return FALSE;

  full_key = destination_option_key (dest->id, key);
  if (value == NULL)
    return ks_catalog_unset_plan_setting (self->catalog, full_key, error);
  return ks_catalog_set_plan_setting (self->catalog, full_key, value, error);
}

/**
 * ks_backup_plan_get_import_flags:
 *
 * Returns: the import flags the plan's options ask for (what to leave out)
 */
KsImportFlags
ks_backup_plan_get_import_flags (KsBackupPlan *self)
{
  KsImportFlags flags = KS_IMPORT_FLAGS_NONE;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), flags);

  if (!self->include_videos)
    flags |= KS_IMPORT_FLAGS_SKIP_VIDEOS;
  if (!self->include_live_videos)
    flags |= KS_IMPORT_FLAGS_SKIP_LIVE_VIDEOS;
  if (!self->include_edited)
    flags |= KS_IMPORT_FLAGS_SKIP_EDITED;
  if (!self->include_sidecars)
    flags |= KS_IMPORT_FLAGS_SKIP_SIDECARS;
  if (!self->include_trashed)
    flags |= KS_IMPORT_FLAGS_SKIP_TRASHED;
  if (!self->include_hidden)
    flags |= KS_IMPORT_FLAGS_SKIP_HIDDEN;

  return flags;
}

gboolean
ks_backup_plan_get_include_videos (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), TRUE);
  return self->include_videos;
}

void
ks_backup_plan_set_include_videos (KsBackupPlan *self,
                                   gboolean      include)
{
  g_return_if_fail (KS_IS_BACKUP_PLAN (self));
  set_boolean_option (self, &self->include_videos, OPTION_INCLUDE_VIDEOS,
                      PROP_INCLUDE_VIDEOS, include);
}

gboolean
ks_backup_plan_get_include_live_videos (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), TRUE);
  return self->include_live_videos;
}

void
ks_backup_plan_set_include_live_videos (KsBackupPlan *self,
                                        gboolean      include)
{
  g_return_if_fail (KS_IS_BACKUP_PLAN (self));
  set_boolean_option (self, &self->include_live_videos, OPTION_INCLUDE_LIVE_VIDEOS,
                      PROP_INCLUDE_LIVE_VIDEOS, include);
}

gboolean
ks_backup_plan_get_include_edited (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), TRUE);
  return self->include_edited;
}

void
ks_backup_plan_set_include_edited (KsBackupPlan *self,
                                   gboolean      include)
{
  g_return_if_fail (KS_IS_BACKUP_PLAN (self));
  set_boolean_option (self, &self->include_edited, OPTION_INCLUDE_EDITED,
                      PROP_INCLUDE_EDITED, include);
}

gboolean
ks_backup_plan_get_include_sidecars (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), TRUE);
  return self->include_sidecars;
}

void
ks_backup_plan_set_include_sidecars (KsBackupPlan *self,
                                     gboolean      include)
{
  g_return_if_fail (KS_IS_BACKUP_PLAN (self));
  set_boolean_option (self, &self->include_sidecars, OPTION_INCLUDE_SIDECARS,
                      PROP_INCLUDE_SIDECARS, include);
}

const char *
ks_backup_plan_get_layout (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), NULL);
  return self->layout;
}

/**
 * ks_backup_plan_set_layout:
 * @layout: a layout template (see ks_layout_validate())
 *
 * Returns: %FALSE with @error set (KS_BACKUP_PLAN_ERROR_INVALID) when @layout is not a
 *   valid template; nothing is stored then
 */
gboolean
ks_backup_plan_set_layout (KsBackupPlan  *self,
                           const char    *layout,
                           GError       **error)
{
  g_autoptr(GError) invalid = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if (layout == NULL || !ks_layout_validate (layout, &invalid))
    {
      g_set_error (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                   "%s", invalid ? invalid->message : _("No layout given"));
      return FALSE;
    }
  if (g_strcmp0 (layout, self->layout) == 0)
    return TRUE;

  if (!ks_catalog_set_plan_setting (self->catalog, OPTION_LAYOUT, layout, error))
    return FALSE;
  g_free (self->layout);
  self->layout = g_strdup (layout);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT]);

  return TRUE;
}

/**
 * ks_backup_plan_get_reminder_days:
 *
 * Returns: after how many days without a backup a phone (or a drive not seen) is overdue
 *   and gets a reminder; 7 unless set
 */
guint
ks_backup_plan_get_reminder_days (KsBackupPlan *self)
{
  g_autofree char *value = NULL;
  guint64 days;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), KS_BACKUP_PLAN_REMINDER_DAYS);

  value = ks_catalog_dup_plan_setting (self->catalog, "reminder-days");
  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 365, &days, NULL))
    return KS_BACKUP_PLAN_REMINDER_DAYS;
  return days;
}

gboolean
ks_backup_plan_set_reminder_days (KsBackupPlan  *self,
                                  guint          days,
                                  GError       **error)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if (days < 1 || days > 365)
    {
      g_set_error_literal (error, KS_BACKUP_PLAN_ERROR, KS_BACKUP_PLAN_ERROR_INVALID,
                           _("Reminders come after 1 to 365 days"));
      return FALSE;
    }
  value = g_strdup_printf ("%u", days);
  return ks_catalog_set_plan_setting (self->catalog, "reminder-days", value, error);
}

gboolean
ks_backup_plan_is_initialized (KsBackupPlan *self)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);
  return self->initialized;
}

gboolean
ks_backup_plan_mark_initialized (KsBackupPlan  *self,
                                 GError       **error)
{
  g_return_val_if_fail (KS_IS_BACKUP_PLAN (self), FALSE);

  if (!ks_catalog_set_plan_setting (self->catalog, OPTION_INITIALIZED, "true", error))
    return FALSE;
  self->initialized = TRUE;

  return TRUE;
}
