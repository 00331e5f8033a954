/* ks-cli.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What keepsake-cli's command files share: exit codes, the run state, helpers that wait on
 * the main context (so SIGINT is noticed) while blocking work runs on a thread.
 *
 * ks-cli.c         main(): global options, dispatch, exit codes, shutdown
 * ks-cli-common.c  choosing and waiting for the iPhone, options, errors, JSON, progress line
 * ks-cli-*.c       one command each */

#pragma once

#include <gio/gio.h>

#include "ks-backup-plan.h"
#include "ks-backup-service.h"
#include "ks-catalog.h"
#include "ks-cli-json.h"
#include "ks-device-monitor.h"
#include "ks-source.h"

G_BEGIN_DECLS

typedef enum
{
  KS_EXIT_OK               = 0,
  KS_EXIT_FAILED           = 1,
  KS_EXIT_USAGE            = 2,
  KS_EXIT_NO_DEVICE        = 3,
  KS_EXIT_LOCKED           = 4,
  KS_EXIT_NOT_TRUSTED      = 5,
  KS_EXIT_USBMUXD_MISSING  = 6,
  KS_EXIT_DESTINATION      = 7,
  KS_EXIT_NO_SPACE         = 8,
  KS_EXIT_SOME_FAILED      = 9,
  KS_EXIT_DAMAGED          = 10,
  KS_EXIT_WRONG_PASSWORD   = 11,
  KS_EXIT_CANCELLED        = 130,
} KsExit;

typedef struct
{
  GCancellable    *cancellable;
  gboolean         json;
  gboolean         progress;      /* stderr is a terminal */
  double           wait_seconds;  /* how long to wait for Trust / unlock */
  KsDeviceMonitor *monitor;
  guint            signal_ids[2];  /* SIGINT, SIGTERM */
} KsCli;

typedef gpointer (*KsCliWorkerFunc) (gpointer data);
typedef gboolean (*KsCliCheckFunc)  (gpointer data);

/* ks-cli.c */
int         ks_cli_exit_for_error  (const GError        *error);
const char *ks_cli_exit_code_name  (int                  exit_code);

/* ks-cli-common.c */
gpointer    ks_cli_run_in_thread   (KsCli               *cli,
                                    KsCliWorkerFunc      func,
                                    gpointer             data);
gboolean    ks_cli_wait_until      (KsCli               *cli,
                                    KsCliCheckFunc       done,
                                    gpointer             data,
                                    double               seconds);
int         ks_cli_start_monitor   (KsCli               *cli);
int         ks_cli_parse_options   (KsCli               *cli,
                                    const char          *command,
                                    const GOptionEntry  *entries,
                                    int                  max_args,
                                    int                 *argc,
                                    char              ***argv);
void        ks_cli_print_error     (KsCli               *cli,
                                    const char          *command,
                                    int                  exit_code,
                                    const char          *message);
void        ks_cli_print_json      (KsJson              *json);
char       *ks_cli_printable       (const char          *raw);
char       *ks_cli_format_time     (gint64               unix_seconds);
void        ks_cli_progress        (KsCli               *cli,
                                    gint64              *last_shown,
                                    const char          *format,
                                    ...) G_GNUC_PRINTF (3, 4);
void        ks_cli_progress_clear  (KsCli               *cli,
                                    gint64              *last_shown);
int         ks_cli_open_plan       (KsCli               *cli,
                                    const char          *command,
                                    gboolean             create,
                                    KsCatalog          **out_catalog,
                                    KsBackupPlan       **out_plan);
int         ks_cli_exit_for_plan_error (const GError    *error);
int         ks_cli_check_plan      (KsCli               *cli,
                                    const char          *command,
                                    KsBackupPlan        *plan);
char       *ks_cli_read_password_file (const char       *path,
                                       GError          **error);
int         ks_cli_open_source     (KsCli               *cli,
                                    const char          *command,
                                    const char          *udid,
                                    const char          *folder,
                                    const char          *password_file,
                                    KsSource           **out_source);

/* One file each. */
int         ks_cli_devices         (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_list            (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_backup          (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_verify          (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_status          (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_destinations    (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_encryption      (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_full_backup     (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_monitor         (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);
int         ks_cli_auto_backup     (KsCli               *cli,
                                    int                  argc,
                                    char               **argv);

/* ks-cli-backup.c, also for monitor */
int         ks_cli_exit_for_run_error (KsCli            *cli,
                                       KsSource         *source,
                                       const GError     *error,
                                       char            **out_reason);
void        ks_cli_json_run_members   (KsJson           *json,
                                       KsBackupRun      *run,
                                       gboolean          dry_run,
                                       int               exit_code,
                                       const char       *error_message);
char       *ks_cli_run_summary        (KsBackupRun      *run,
                                       gboolean          dry_run);

/* ks-cli-library.c: the phone's Photos library, for list and backup */
GPtrArray  *ks_cli_group_assets       (KsSource         *source,
                                       GPtrArray        *files);
void        ks_cli_json_library       (KsJson           *json,
                                       KsSource         *source,
                                       GPtrArray        *assets);
char       *ks_cli_icloud_only_line   (KsSource         *source);
GPtrArray  *ks_cli_filter_assets      (GPtrArray        *assets,
                                       const char       *album,
                                       gboolean          favorites);
/* ks-cli-remote.c: network and cloud destinations */
char          *ks_cli_remote_location         (const char    *target,
                                               const char    *password_file,
                                               const char    *identity_file,
                                               const char    *endpoint,
                                               GError       **error);
int            ks_cli_destinations_add_remote (KsCli         *cli,
                                               KsBackupPlan  *plan,
                                               const char    *target,
                                               const char    *name,
                                               const char    *password_file,
                                               const char    *identity_file,
                                               const char    *endpoint,
                                               const char    *trust_host_key);
KsDestination *ks_cli_remote_destination_new  (KsBackupPlan  *plan,
                                               const char    *to);

/* ks-cli-destinations.c, also for status */
void        ks_cli_print_plan_destination_json (KsJson            *json,
                                                KsPlanDestination *dest);
void        ks_cli_print_plan_destination_text (KsPlanDestination *dest);

/* ks-cli-protection.c */
typedef struct _KsCliProtection KsCliProtection;
KsCliProtection *ks_cli_protection_new        (KsCatalog       *catalog,
                                               KsBackupPlan    *plan,
                                               const char      *udid);
void             ks_cli_protection_print_json (KsCliProtection *self,
                                               KsBackupPlan    *plan,
                                               KsJson          *json);
void             ks_cli_protection_print_text (KsCliProtection *self);
void             ks_cli_protection_free       (KsCliProtection *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCliProtection, ks_cli_protection_free)

G_END_DECLS
