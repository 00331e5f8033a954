/* ks-cli-backup.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* keepsake-cli backup: drives KsImportJob from a source to a folder destination. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-cli.h"

int
ks_cli_backup (KsCli  *cli,
               int     argc,
               char  **argv)
{
  ks_cli_print_error (cli, "backup", KS_EXIT_FAILED, _("backup is not available yet"));
  return KS_EXIT_FAILED;
}
