/* main.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <openssl/crypto.h>

#include "ks-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KsApplication) app = NULL;

  /* GLib's worker threads (pairing, TLS, hashing) outlive main(); OpenSSL's exit handler
   * would free the locks and per-thread state they may still be using. */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Keepsake"));

  app = ks_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
