/* test-engine-util.h
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Checks the engine tests share (see test-engine-util.c). */

#pragma once

#include <glib.h>

#include "ks-source.h"

G_BEGIN_DECLS

void        rm_rf                   (const char *path);
/* @len bytes from a GRand seeded with @seed, modified at @mtime (unix seconds). */
void        write_random_file       (const char *path,
                                     gsize       len,
                                     guint32     seed,
                                     gint64      mtime);
/* A KsSourceFunc: appends a copy of each file to the GPtrArray @user_data. */
gboolean    ks_test_collect_cb      (KsSource           *source,
                                     const KsSourceFile *file,
                                     gpointer            user_data);
char       *hash_path               (const char *path);
/* relative path → full path of every regular file below @root, skipping .keepsake */
GHashTable *list_files              (const char *root);
void        assert_no_temp_files    (const char *root);
gboolean    files_equal             (const char *a,
                                     const char *b);
/* Every file of @src has a byte-identical copy in @dest, and @dest holds nothing else. */
void        assert_backup_complete  (const char *src,
                                     const char *dest);
guint       count_index_lines       (const char *dest);
/* $KS_SAMPLE_LIBRARY --fast into @dir, quietly (stdout is TAP). */
void        make_library            (const char *dir,
                                     int         count,
                                     int         first_number);

/* Larger than one import read chunk (4 MiB) of media data, then the date: a QuickTime
 * movie with moov (mvhd created @created, unix seconds) at the end, and an HEIC whose
 * meta comes first but whose Exif item (DateTimeOriginal @date, "YYYY:MM:DD hh:mm:ss",
 * local time) is stored after the image data. */
GBytes     *make_late_moov_mov      (gint64      created,
                                     guint32     seed);
GBytes     *make_late_exif_heic     (const char *date,
                                     guint32     seed);

G_END_DECLS
