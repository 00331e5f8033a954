/* ks-cli-devices.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli devices: the connected iPhones, once each has said where it stands with us
 * (ready, locked, waiting for Trust, …). */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-cli.h"

static gboolean
all_devices_settled (gpointer data)
{
  GListModel *devices = ks_device_monitor_get_devices (KS_DEVICE_MONITOR (data));
  guint n = g_list_model_get_n_items (devices);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) device = g_list_model_get_item (devices, i);

      if (ks_device_get_state (device) == KS_DEVICE_STATE_CONNECTING)
        return FALSE;
    }
  return TRUE;
}

static void
print_json (GListModel *devices)
{
  g_autoptr(KsJson) json = ks_json_new ();
  guint n = g_list_model_get_n_items (devices);

  ks_json_begin_object (json);
  ks_json_member_string (json, "command", "devices");
  ks_json_member_bool (json, "usbmuxd", TRUE);
  ks_json_key (json, "devices");
  ks_json_begin_array (json);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) d = g_list_model_get_item (devices, i);

      ks_json_begin_object (json);
      ks_json_member_string (json, "udid", ks_device_get_udid (d));
      ks_json_member_string (json, "name", ks_device_get_name (d));
      ks_json_member_string (json, "product_type", ks_device_get_product_type (d));
      ks_json_member_string (json, "model_name", ks_device_get_model_name (d));
      ks_json_member_string (json, "ios_version", ks_device_get_ios_version (d));
      ks_json_member_int (json, "storage_total", ks_device_get_storage_total (d));
      ks_json_member_int (json, "storage_free", ks_device_get_storage_free (d));
      ks_json_member_int (json, "storage_used", ks_device_get_storage_used (d));
      ks_json_member_string (json, "state", ks_device_state_to_string (ks_device_get_state (d)));
      ks_json_member_string (json, "message", ks_device_get_message (d));
      ks_json_end_object (json);
    }
  ks_json_end_array (json);
  ks_json_end_object (json);
  ks_cli_print_json (json);
}

static void
print_text (GListModel *devices)
{
  guint n = g_list_model_get_n_items (devices);

  if (n == 0)
    {
      g_print ("%s\n", _("No iPhone connected."));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsDevice) d = g_list_model_get_item (devices, i);
      g_autofree char *name = ks_cli_printable (ks_device_get_name (d) ? ks_device_get_name (d) : "?");
      g_autofree char *used = g_format_size (ks_device_get_storage_used (d));
      g_autofree char *total = g_format_size (ks_device_get_storage_total (d));

      g_print ("%s  %s\n", ks_device_get_udid (d), name);
      if (ks_device_get_state (d) == KS_DEVICE_STATE_READY)
        g_print ("    %s, iOS %s (%s), %s of %s used\n",
                 ks_device_get_model_name (d) ? ks_device_get_model_name (d) : "iPhone",
                 ks_device_get_ios_version (d) ? ks_device_get_ios_version (d) : "?",
                 ks_device_get_product_type (d) ? ks_device_get_product_type (d) : "?",
                 used, total);
      g_print ("    %s: %s\n", ks_device_state_to_string (ks_device_get_state (d)), ks_device_get_message (d));
    }
}

int
ks_cli_devices (KsCli  *cli,
                int     argc,
                char  **argv)
{
  GListModel *devices;
  int ret;

  if ((ret = ks_cli_parse_options (cli, "devices", NULL, 0, &argc, &argv)) != KS_EXIT_OK)
    return ret;

  if ((ret = ks_cli_start_monitor (cli)) != KS_EXIT_OK)
    return ret;

  if (ks_device_monitor_get_usbmuxd_missing (cli->monitor))
    {
      ks_cli_print_error (cli, "devices", KS_EXIT_USBMUXD_MISSING, ks_device_monitor_get_message (cli->monitor));
      return KS_EXIT_USBMUXD_MISSING;
    }

  ks_cli_wait_until (cli, all_devices_settled, cli->monitor, 30);
  if (g_cancellable_is_cancelled (cli->cancellable))
    return KS_EXIT_CANCELLED;

  devices = ks_device_monitor_get_devices (cli->monitor);
  if (cli->json)
    print_json (devices);
  else
    print_text (devices);

  return KS_EXIT_OK;
}
