/* ks-device-status-page.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the window shows when there is no library to show: no iPhone connected, usbmuxd
 * missing, an iPhone connecting, waiting for "Trust", not trusted, locked, no longer paired,
 * unreadable; and for a library, reading, empty or failed. One status page each, by name. */

#include "config.h"

#include "ks-device-status-page.h"

struct _KsDeviceStatusPage
{
  AdwBin         parent_instance;

  /* Template widgets */
  GtkStack      *stack;
  AdwStatusPage *error_page;
};

G_DEFINE_FINAL_TYPE (KsDeviceStatusPage, ks_device_status_page, ADW_TYPE_BIN)

/**
 * ks_device_status_page_name_for_state:
 *
 * Returns: the page for an iPhone in @state; "grid" (no status page) for a ready one
 */
const char *
ks_device_status_page_name_for_state (KsDeviceState state)
{
  switch (state)
    {
    case KS_DEVICE_STATE_CONNECTING:        return "connecting";
    case KS_DEVICE_STATE_READY:             return "grid";
    case KS_DEVICE_STATE_WAITING_FOR_TRUST: return "trust";
    case KS_DEVICE_STATE_TRUST_DENIED:      return "trust-denied";
    case KS_DEVICE_STATE_LOCKED:            return "locked";
    case KS_DEVICE_STATE_PAIRING_LOST:      return "pairing-lost";
    case KS_DEVICE_STATE_USBMUXD_MISSING:   return "usbmuxd-missing";
    case KS_DEVICE_STATE_ERROR:             return "error";
    case KS_DEVICE_STATE_DISCONNECTED:
    default:                                return "no-device";
    }
}

/**
 * ks_device_status_page_show:
 * @page: "no-device", "usbmuxd-missing", "connecting", "trust", "trust-denied", "locked",
 *   "pairing-lost", "error", "loading" or "empty"
 */
void
ks_device_status_page_show (KsDeviceStatusPage *self,
                            const char         *page)
{
  g_return_if_fail (KS_IS_DEVICE_STATUS_PAGE (self));
  g_return_if_fail (page != NULL);
  g_return_if_fail (gtk_stack_get_child_by_name (self->stack, page) != NULL);

  gtk_stack_set_visible_child_name (self->stack, page);
}

const char *
ks_device_status_page_get_page (KsDeviceStatusPage *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_STATUS_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * ks_device_status_page_set_error:
 * @message: (nullable): why the iPhone or its library could not be read
 *
 * What the "error" page says under its title.
 */
void
ks_device_status_page_set_error (KsDeviceStatusPage *self,
                                 const char         *message)
{
  g_return_if_fail (KS_IS_DEVICE_STATUS_PAGE (self));

  adw_status_page_set_description (self->error_page, message);
}

const char *
ks_device_status_page_get_error (KsDeviceStatusPage *self)
{
  g_return_val_if_fail (KS_IS_DEVICE_STATUS_PAGE (self), NULL);

  return adw_status_page_get_description (self->error_page);
}

static void
ks_device_status_page_dispose (GObject *object)
{
  /* The stack is the bin's child and a template child: the bin lets go of it first, so
   * that disposing the template does not unparent it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_DEVICE_STATUS_PAGE);

  G_OBJECT_CLASS (ks_device_status_page_parent_class)->dispose (object);
}

static void
ks_device_status_page_class_init (KsDeviceStatusPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_device_status_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/ks-device-status-page.ui");
  gtk_widget_class_bind_template_child (widget_class, KsDeviceStatusPage, stack);
  gtk_widget_class_bind_template_child (widget_class, KsDeviceStatusPage, error_page);
}

static void
ks_device_status_page_init (KsDeviceStatusPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
