/* emu-service.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The fixed table of services lockdownd offers and their device ports. */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "emu-service.h"

/* Ports are fixed per service (a real device picks them at random); the
 * host only ever learns them from StartService, so this is invisible. */
static const EmuService service_table[] = {
  { "com.apple.afc", 49152, false, emu_afc_serve },
  { "com.apple.mobile.notification_proxy", 49153, false, emu_notification_proxy_serve },
  { "com.apple.mobilebackup2", 49154, false, emu_mobilebackup2_serve },
};

static const EmuService *
table (size_t *n_out)
{
  *n_out = G_N_ELEMENTS (service_table);
  return service_table;
}

const EmuService *
emu_service_lookup (const char *name)
{
  size_t n;
  const EmuService *services = table (&n);

  for (size_t i = 0; name != NULL && i < n; i++)
    if (strcmp (services[i].name, name) == 0)
      return services[i].serve != NULL ? &services[i] : NULL;
  return NULL;
}

const EmuService *
emu_service_lookup_by_port (uint16_t port)
{
  size_t n;
  const EmuService *services = table (&n);

  for (size_t i = 0; i < n; i++)
    if (services[i].port == port)
      return services[i].serve != NULL ? &services[i] : NULL;
  return NULL;
}
