/* emu-device.h
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

/* One emulated iPhone, shared by all its connection threads: identity, keys,
 * media root, trust/lock state, link shaping (rate, latency, fail-after),
 * byte counters, and the live connections that detach closes. */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <plist/plist.h>

#include "emu-misbehave.h"

typedef struct _EmuDevice EmuDevice;

typedef enum
{
  EMU_TRUST_TRUSTED,
  EMU_TRUST_ASK,
  EMU_TRUST_DENY,
} EmuTrust;

/* ---- For services (read-only identity; safe from any thread) ---- */

const char *emu_device_get_udid          (EmuDevice *device); /* "00008030-001A35E80C41802E" */
const char *emu_device_get_name          (EmuDevice *device); /* DeviceName */
const char *emu_device_get_product_type  (EmuDevice *device); /* "iPhone15,2" */
const char *emu_device_get_ios_version   (EmuDevice *device); /* ProductVersion, "17.5" */
const char *emu_device_get_build_version (EmuDevice *device); /* BuildVersion, "21F79" */
const char *emu_device_get_serial        (EmuDevice *device); /* SerialNumber */
/* Absolute path of the AFC media root (the --device MEDIA_DIR). */
const char *emu_device_get_media_root    (EmuDevice *device);
/* Directory private to this device under --state (exists; survives restarts). */
const char *emu_device_get_state_dir     (EmuDevice *device);
uint32_t    emu_device_get_id            (EmuDevice *device); /* usbmuxd DeviceID, non-zero */

/* The lockdownd value for @domain/@key (either may be NULL: NULL key = the
 * whole domain dict).  Returns a new plist or NULL (MissingValue). */
plist_t     emu_device_copy_value        (EmuDevice *device, const char *domain, const char *key);

/* True once the device was detached (control `detach`, fail-after): a
 * service should stop.  Its sockets are shut down too, so blocking reads
 * and writes fail anyway. */
bool        emu_device_is_detached       (EmuDevice *device);

/* Link shaping for file data a service sends to the host (AFC FileRead;
 * mobilebackup2 may use it for backup file data): waits as --rate / `rate` asks,
 * counts @bytes into the stats under @path (may be NULL: total only), and
 * applies fail-after.  Returns how many of @bytes may be sent now (can be
 * less than @bytes when fail-after triggers; 0 when detached).  After
 * sending them, call emu_device_data_sent(). */
uint64_t    emu_device_throttle          (EmuDevice *device, const char *path, uint64_t bytes);
/* Reports that @bytes (as granted by emu_device_throttle) were sent; this
 * is where fail-after detaches the device once its budget is spent. */
void        emu_device_data_sent         (EmuDevice *device, const char *path, uint64_t bytes);
/* Sleeps the --latency of one request (no-op when 0). */
void        emu_device_request_latency   (EmuDevice *device);

/* ---- For the emulator core ---- */

typedef struct
{
  char     *media_root;
  char     *name;
  char     *udid;
  char     *model;
  char     *ios;
  EmuTrust  trust;
  bool      locked;
  uint64_t  rate;
  uint32_t  latency_ms;
  bool      hostile_names;
  bool      backup_passcode;          /* iOS 16.1+: passcode asked at every backup start */
  uint32_t  backup_passcode_timeout;  /* ms until ErrorCode 208 (0: 180000) */
  bool      backup_hostile_paths;     /* backups also upload files named outside the folder */
  char     *backup_password;
  EmuMisbehave misbehave;
  uint64_t  seed;
} EmuDeviceOptions;

EmuDevice  *emu_device_new               (const EmuDeviceOptions *options, uint32_t id,
                                          const char *state_root, char **error);
void        emu_device_free              (EmuDevice *device);
bool        emu_device_get_hostile_names (EmuDevice *device);
bool        emu_device_get_backup_hostile_paths (EmuDevice *device);

/* The passcode asked at backup start (--backup-passcode): false when not asked.
 * emu_device_ask_passcode() forgets an earlier entry (each backup asks again;
 * call it before the screen is shown); emu_device_wait_passcode() returns 1
 * once `enter-passcode` came since, 0 after the timeout, -1 when the device
 * was detached. */
bool        emu_device_get_backup_passcode (EmuDevice *device);
void        emu_device_ask_passcode      (EmuDevice *device);
int         emu_device_wait_passcode     (EmuDevice *device);
/* The same, also ending (-1) once @alive (asked every 50 ms, with the lock held) says no. */
int         emu_device_wait_passcode_while (EmuDevice *device,
                                            bool     (*alive) (void *data),
                                            void      *data);
void        emu_device_enter_passcode    (EmuDevice *device);
void        emu_device_set_passcode_timeout (EmuDevice *device, uint32_t ms);
/* --backup-password: backups are encrypted with it (NULL: not encrypted); lockdown's
 * com.apple.mobile.backup/WillEncrypt says whether there is one. mobilebackup2's
 * ChangePassword sets, changes or clears it. */
char       *emu_device_dup_backup_password (EmuDevice *device);
void        emu_device_set_backup_password (EmuDevice *device, const char *password);
bool        emu_device_get_will_encrypt    (EmuDevice *device);
/* `--misbehave` / control `misbehave`: the mode and seed new connections start from. */
EmuMisbehaveConfig *emu_device_get_misbehave (EmuDevice *device);

/* PEM of the device's 2048-bit RSA key, and its PKCS#1 public key PEM. */
const char *emu_device_get_private_key_pem (EmuDevice *device);
const char *emu_device_get_public_key_pem  (EmuDevice *device);

EmuTrust    emu_device_get_trust         (EmuDevice *device);
void        emu_device_set_trust         (EmuDevice *device, EmuTrust trust);
bool        emu_device_get_locked        (EmuDevice *device);
void        emu_device_set_locked        (EmuDevice *device, bool locked);
void        emu_device_set_rate          (EmuDevice *device, uint64_t bytes_per_second);
void        emu_device_set_latency       (EmuDevice *device, uint32_t ms);
void        emu_device_set_fail_after    (EmuDevice *device, int64_t bytes); /* -1 = off */

/* Device-side pairing store (what lockdownd remembers per HostID). */
bool        emu_device_save_pairing      (EmuDevice *device, const char *host_id, plist_t pair_record);
/* DeviceCertificate PEM for @host_id, or NULL when not paired. Free with free(). */
char       *emu_device_dup_device_cert   (EmuDevice *device, const char *host_id);
bool        emu_device_remove_pairing    (EmuDevice *device, const char *host_id);

/* Connections: each connection thread registers its fd so that detach can
 * shut it down. */
bool        emu_device_add_conn          (EmuDevice *device, int fd);
void        emu_device_remove_conn       (EmuDevice *device, int fd);

/* Detach: marks detached, shuts down every registered connection; the
 * callback (set by the usbmuxd side) broadcasts Detached.  Attach reverses. */
typedef void (*EmuDeviceEventFunc) (EmuDevice *device, bool attached, void *user_data);
void        emu_device_set_event_func    (EmuDevice *device, EmuDeviceEventFunc func, void *user_data);
bool        emu_device_detach            (EmuDevice *device);
bool        emu_device_attach            (EmuDevice *device);

/* Stats: one JSON line {"total":N,"files":{"/path":N,...}}. Free with free(). */
char       *emu_device_stats_json        (EmuDevice *device);
void        emu_device_reset_stats       (EmuDevice *device);

/* Simulated unreadable originals (an "Optimize iPhone Storage" phone whose
 * file is listed but cannot be read): FileRead of a file opened under
 * @path (a cleaned AFC path, "/DCIM/100APPLE/IMG_0001.HEIC") fails. */
void        emu_device_add_read_error    (EmuDevice *device, const char *path);
void        emu_device_clear_read_errors (EmuDevice *device);
bool        emu_device_has_read_error    (EmuDevice *device, const char *path);
