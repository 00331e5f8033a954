/* ks-afc-error.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The one table of AFC errors. The walk of a phone's folders, the pool that turns errors
 * into GErrors (and marks sessions broken) and the import that decides whether the source
 * is lost used to keep lists of their own, and those lists drifted apart. */

#include "config.h"

#include <glib/gi18n.h>

#include "ks-afc-error.h"
#include "ks-device.h"

/* Every afc_error_t that libimobiledevice 1.3.0 returns. An error not listed (a newer
 * library, a misbehaving phone) counts as one file's failure. */
static const KsAfcErrorInfo afc_errors[] = {
  { AFC_E_SUCCESS,               G_IO_ERROR_FAILED,            FALSE, N_("no error") },
  { AFC_E_UNKNOWN_ERROR,         G_IO_ERROR_FAILED,            FALSE, N_("the iPhone reported an unknown error") },
  { AFC_E_OP_HEADER_INVALID,     KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("the iPhone sent a garbled reply") },
  { AFC_E_NO_RESOURCES,          G_IO_ERROR_FAILED,            FALSE, N_("the iPhone is out of resources") },
  { AFC_E_READ_ERROR,            G_IO_ERROR_FAILED,            FALSE, N_("the iPhone could not read the file") },
  { AFC_E_WRITE_ERROR,           G_IO_ERROR_FAILED,            FALSE, N_("the iPhone could not write the file") },
  { AFC_E_UNKNOWN_PACKET_TYPE,   KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("the iPhone sent a reply of an unknown kind") },
  { AFC_E_INVALID_ARG,           G_IO_ERROR_INVALID_ARGUMENT,  FALSE, N_("the request was invalid") },
  { AFC_E_OBJECT_NOT_FOUND,      G_IO_ERROR_NOT_FOUND,         FALSE, N_("the file is not on the iPhone (any more)") },
  { AFC_E_OBJECT_IS_DIR,         G_IO_ERROR_IS_DIRECTORY,      FALSE, N_("it is a folder") },
  { AFC_E_PERM_DENIED,           G_IO_ERROR_PERMISSION_DENIED, FALSE, N_("the iPhone does not allow it") },
  { AFC_E_SERVICE_NOT_CONNECTED, KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("the iPhone's file service is not connected") },
  { AFC_E_OP_TIMEOUT,            KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("the iPhone did not answer in time") },
  { AFC_E_TOO_MUCH_DATA,         G_IO_ERROR_FAILED,            FALSE, N_("the iPhone sent more than was asked for") },
  { AFC_E_END_OF_DATA,           G_IO_ERROR_FAILED,            FALSE, N_("the file ended early") },
  { AFC_E_OP_NOT_SUPPORTED,      G_IO_ERROR_NOT_SUPPORTED,     FALSE, N_("the iPhone does not support it") },
  { AFC_E_OBJECT_EXISTS,         G_IO_ERROR_EXISTS,            FALSE, N_("it exists already") },
  { AFC_E_OBJECT_BUSY,           G_IO_ERROR_BUSY,              FALSE, N_("the file is busy on the iPhone") },
  { AFC_E_NO_SPACE_LEFT,         G_IO_ERROR_NO_SPACE,          FALSE, N_("the iPhone is full") },
  { AFC_E_OP_WOULD_BLOCK,        G_IO_ERROR_BUSY,              FALSE, N_("the file is busy on the iPhone") },
  { AFC_E_IO_ERROR,              G_IO_ERROR_FAILED,            FALSE, N_("the iPhone could not read the file from its storage") },
  { AFC_E_OP_INTERRUPTED,        G_IO_ERROR_FAILED,            FALSE, N_("the iPhone interrupted the request") },
  { AFC_E_OP_IN_PROGRESS,        G_IO_ERROR_FAILED,            FALSE, N_("another request is in progress") },
  { AFC_E_INTERNAL_ERROR,        G_IO_ERROR_FAILED,            FALSE, N_("the iPhone had an internal error") },
  { AFC_E_MUX_ERROR,             KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("the connection to the iPhone broke") },
  /* Raised before a request is sent, but out of memory, nothing later would go better. */
  { AFC_E_NO_MEM,                KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("out of memory") },
  { AFC_E_NOT_ENOUGH_DATA,       KS_AFC_SESSION_LOST_IO_ERROR, TRUE,  N_("the iPhone's reply was cut short") },
  { AFC_E_DIR_NOT_EMPTY,         G_IO_ERROR_FAILED,            FALSE, N_("the folder is not empty") },
};

static const KsAfcErrorInfo unknown_error = {
  AFC_E_UNKNOWN_ERROR, G_IO_ERROR_FAILED, FALSE, N_("the iPhone reported an unknown error")
};

/**
 * ks_afc_error_lookup:
 *
 * Returns: (transfer none): what @aerr means; never %NULL (an unknown error is one file's
 *   failure)
 */
const KsAfcErrorInfo *
ks_afc_error_lookup (afc_error_t aerr)
{
  for (guint i = 0; i < G_N_ELEMENTS (afc_errors); i++)
    if (afc_errors[i].afc == aerr)
      return &afc_errors[i];

  return &unknown_error;
}

/* Whether the session that returned @aerr is unusable, so whatever used it stops. */
gboolean
ks_afc_error_is_session_lost (afc_error_t aerr)
{
  return ks_afc_error_lookup (aerr)->session_lost;
}

/**
 * ks_afc_error_set:
 * @path: (nullable): what was being read, as the phone names it
 *
 * Sets @error to the #GIOError @aerr becomes, as if the phone still answered: a lost
 * session becomes %KS_AFC_SESSION_LOST_IO_ERROR. (ks_afc_pool_set_error() asks the phone
 * first, and says why it no longer answers when it does not.)
 */
void
ks_afc_error_set (afc_error_t   aerr,
                  const char   *path,
                  GError      **error)
{
  const KsAfcErrorInfo *info = ks_afc_error_lookup (aerr);
  g_autofree char *display = NULL;

  if (info->session_lost)
    {
      /* The phone answered, but with a reply no phone sends: say so, a replug may help. */
      if (aerr == AFC_E_OP_HEADER_INVALID || aerr == AFC_E_UNKNOWN_PACKET_TYPE ||
          aerr == AFC_E_NOT_ENOUGH_DATA)
        g_set_error_literal (error, G_IO_ERROR, info->io_code,
                             _("The iPhone sent a garbled reply. Unplug it and plug it in again"));
      else
        g_set_error_literal (error, G_IO_ERROR, info->io_code,
                             _("The connection to the iPhone was interrupted"));
      return;
    }

  display = path ? g_utf8_make_valid (path, -1) : g_strdup ("");
  g_set_error (error, G_IO_ERROR, info->io_code,
               _("Could not read “%s” from the iPhone: %s (AFC error %d)"),
               display, _(info->sentence), (int) aerr);
}

/**
 * ks_afc_error_matches_session_lost:
 *
 * Whether @error, from a phone's source, says the phone (or the session with it) is gone,
 * rather than that one file could not be read: what a session-lost AFC error becomes
 * (%KS_AFC_SESSION_LOST_IO_ERROR, or the %KS_DEVICE_ERROR that says why the phone no
 * longer answers), or a stream whose link broke. An evicted "Optimize iPhone Storage"
 * original (listed, but every read fails with %AFC_E_IO_ERROR) is that file's problem.
 */
gboolean
ks_afc_error_matches_session_lost (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == KS_DEVICE_ERROR)
    {
      switch (error->code)
        {
        case KS_DEVICE_ERROR_NOT_FOUND:
        case KS_DEVICE_ERROR_NOT_TRUSTED:
        case KS_DEVICE_ERROR_TRUST_DENIED:
        case KS_DEVICE_ERROR_LOCKED:
        case KS_DEVICE_ERROR_PAIRING_LOST:
        case KS_DEVICE_ERROR_USBMUXD_MISSING:
          return TRUE;
        default:
          return FALSE;
        }
    }

  return g_error_matches (error, G_IO_ERROR, KS_AFC_SESSION_LOST_IO_ERROR)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}
