/* emu-device.c
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

/* One emulated iPhone: identity and keys kept in the state dir, lockdownd
 * values, trust/lock state, the connections detach closes, link shaping
 * (rate, latency, fail-after) and per-file byte counters. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "emu-device.h"

struct _EmuDevice
{
  uint32_t  id;
  char     *media_root;
  char     *state_dir;
  char     *name;
  char     *udid;
  char     *model;
  char     *ios;
  char     *build;
  char     *serial;
  char     *wifi;
  char     *bt;
  char     *priv_pem;
  char     *pub_pem;
  bool      hostile_names;
  bool      backup_passcode;
  uint32_t  backup_passcode_timeout;
  bool      backup_hostile_paths;
  uint32_t  latency_ms;
  char     *backup_password;  /* encrypted backups; NULL: plain */
  EmuMisbehaveConfig *misbehave;

  GMutex      lock;
  EmuTrust    trust;
  bool        locked;
  bool        detached;
  GArray     *fds;
  uint64_t    rate;
  gint64      next_free_us;  /* token bucket as virtual time */
  int64_t     fail_after;    /* remaining bytes, -1 = off */
  uint64_t    total;
  GHashTable *files;         /* path → uint64_t* */
  GHashTable *read_errors;   /* set of paths */
  GCond       passcode_cond;
  bool        passcode_entered;

  EmuDeviceEventFunc event_func;
  void              *event_data;
};

static char *
derive_hex (const char *seed, const char *salt, size_t n)
{
  g_autofree char *input = g_strconcat (salt, ":", seed, NULL);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, input, -1);
  char *out = g_ascii_strup (sum, n);

  return out;
}

static bool
load_or_make_key (EmuDevice *device, char **error)
{
  g_autofree char *path = g_build_filename (device->state_dir, "device-key.pem", NULL);
  g_autofree char *pem = NULL;
  EVP_PKEY *pkey = NULL;
  BIO *bio;
  OSSL_ENCODER_CTX *ectx;
  unsigned char *data = NULL;
  size_t len = 0;

  if (g_file_get_contents (path, &pem, NULL, NULL))
    {
      bio = BIO_new_mem_buf (pem, -1);
      pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
      BIO_free (bio);
    }

  if (pkey == NULL)
    {
      char *buf;
      long blen;

      pkey = EVP_RSA_gen (2048);
      if (pkey == NULL)
        {
          *error = g_strdup ("cannot generate RSA key");
          return false;
        }
      bio = BIO_new (BIO_s_mem ());
      PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL);
      blen = BIO_get_mem_data (bio, &buf);
      g_clear_pointer (&pem, g_free);
      pem = g_strndup (buf, blen);
      BIO_free (bio);
      if (!g_file_set_contents_full (path, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL))
        {
          EVP_PKEY_free (pkey);
          *error = g_strdup_printf ("cannot write %s", path);
          return false;
        }
    }

  /* libimobiledevice parses DevicePublicKey with PEM_read_bio_RSAPublicKey:
   * it must be PKCS#1 ("BEGIN RSA PUBLIC KEY"), not SubjectPublicKeyInfo. */
  ectx = OSSL_ENCODER_CTX_new_for_pkey (pkey, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", NULL);
  if (ectx == NULL || OSSL_ENCODER_to_data (ectx, &data, &len) != 1)
    {
      OSSL_ENCODER_CTX_free (ectx);
      EVP_PKEY_free (pkey);
      *error = g_strdup ("cannot encode public key");
      return false;
    }
  OSSL_ENCODER_CTX_free (ectx);
  device->pub_pem = g_strndup ((char *) data, len);
  OPENSSL_free (data);
  device->priv_pem = g_steal_pointer (&pem);
  EVP_PKEY_free (pkey);
  return true;
}

EmuDevice *
emu_device_new (const EmuDeviceOptions *options,
                uint32_t                id,
                const char             *state_root,
                char                  **error)
{
  EmuDevice *device;
  g_autofree char *canon = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *pairings = NULL;

  if (!g_file_test (options->media_root, G_FILE_TEST_IS_DIR))
    {
      *error = g_strdup_printf ("media dir %s is not a directory", options->media_root);
      return NULL;
    }

  device = g_new0 (EmuDevice, 1);
  g_mutex_init (&device->lock);
  device->id = id;
  canon = realpath (options->media_root, NULL);
  device->media_root = g_strdup (canon != NULL ? canon : options->media_root);
  device->name = g_strdup (options->name != NULL ? options->name : "iPhone");
  device->model = g_strdup (options->model != NULL ? options->model : "iPhone15,2");
  device->ios = g_strdup (options->ios != NULL ? options->ios : "17.5");
  device->build = g_strdup ("21F79");
  if (options->udid != NULL)
    device->udid = g_strdup (options->udid);
  else
    {
      hex = derive_hex (device->media_root, "udid", 16);
      device->udid = g_strdup_printf ("00008030-%s", hex);
      g_clear_pointer (&hex, g_free);
    }
  hex = derive_hex (device->udid, "serial", 12);
  device->serial = g_strdup (hex);
  g_clear_pointer (&hex, g_free);
  hex = derive_hex (device->udid, "mac", 12);
  device->wifi = g_strdup_printf ("%.2s:%.2s:%.2s:%.2s:%.2s:%.2s",
                                  hex, hex + 2, hex + 4, hex + 6, hex + 8, hex + 10);
  for (char *c = device->wifi; *c != '\0'; c++)
    *c = g_ascii_tolower (*c);
  device->bt = g_strdup (device->wifi);
  device->hostile_names = options->hostile_names;
  device->backup_passcode = options->backup_passcode;
  device->backup_passcode_timeout = options->backup_passcode_timeout != 0
                                    ? options->backup_passcode_timeout : 180000;
  device->backup_hostile_paths = options->backup_hostile_paths;
  g_cond_init (&device->passcode_cond);
  device->backup_password = g_strdup (options->backup_password);
  device->misbehave = emu_misbehave_config_new ();
  emu_misbehave_config_set (device->misbehave, options->misbehave);
  emu_misbehave_config_seed (device->misbehave, options->seed);
  device->latency_ms = options->latency_ms;
  device->trust = options->trust;
  device->locked = options->locked;
  device->rate = options->rate;
  device->fail_after = -1;
  device->fds = g_array_new (FALSE, FALSE, sizeof (int));
  device->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  device->read_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  device->state_dir = g_build_filename (state_root, device->udid, NULL);
  pairings = g_build_filename (device->state_dir, "pairings", NULL);
  if (g_mkdir_with_parents (pairings, 0700) != 0)
    {
      *error = g_strdup_printf ("cannot create %s: %s", pairings, g_strerror (errno));
      emu_device_free (device);
      return NULL;
    }
  if (!load_or_make_key (device, error))
    {
      emu_device_free (device);
      return NULL;
    }
  return device;
}

void
emu_device_free (EmuDevice *device)
{
  if (device == NULL)
    return;
  emu_misbehave_config_free (device->misbehave);
  g_free (device->media_root);
  g_free (device->backup_password);
  g_free (device->state_dir);
  g_free (device->name);
  g_free (device->udid);
  g_free (device->model);
  g_free (device->ios);
  g_free (device->build);
  g_free (device->serial);
  g_free (device->wifi);
  g_free (device->bt);
  g_free (device->priv_pem);
  g_free (device->pub_pem);
  g_array_unref (device->fds);
  g_hash_table_unref (device->files);
  g_hash_table_unref (device->read_errors);
  g_mutex_clear (&device->lock);
  g_cond_clear (&device->passcode_cond);
  g_free (device);
}

const char *emu_device_get_udid (EmuDevice *d) { return d->udid; }
const char *emu_device_get_name (EmuDevice *d) { return d->name; }
const char *emu_device_get_product_type (EmuDevice *d) { return d->model; }
const char *emu_device_get_ios_version (EmuDevice *d) { return d->ios; }
const char *emu_device_get_build_version (EmuDevice *d) { return d->build; }
const char *emu_device_get_serial (EmuDevice *d) { return d->serial; }
const char *emu_device_get_media_root (EmuDevice *d) { return d->media_root; }
const char *emu_device_get_state_dir (EmuDevice *d) { return d->state_dir; }
uint32_t emu_device_get_id (EmuDevice *d) { return d->id; }
bool emu_device_get_hostile_names (EmuDevice *d) { return d->hostile_names; }
bool emu_device_get_backup_hostile_paths (EmuDevice *d) { return d->backup_hostile_paths; }
bool emu_device_get_backup_passcode (EmuDevice *d) { return d->backup_passcode; }

int
emu_device_wait_passcode (EmuDevice *d)
{
  return emu_device_wait_passcode_while (d, NULL, NULL);
}

int
emu_device_wait_passcode_while (EmuDevice *d,
                                bool     (*alive) (void *data),
                                void      *data)
{
  gint64 start, end;
  int result = 0;

  g_mutex_lock (&d->lock);
  start = g_get_monotonic_time ();
  for (;;)
    {
      /* The phone's timer runs from when the screen came up; a `passcode-timeout` sent
       * meanwhile applies to it (a test ends the wait when it has seen the screen). */
      end = start + (gint64) d->backup_passcode_timeout * G_TIME_SPAN_MILLISECOND;
      /* Unplugged, or the host went away: the passcode screen goes too. */
      if (d->detached || (alive != NULL && !alive (data)))
        {
          result = -1;
          break;
        }
      if (d->passcode_entered)
        {
          result = 1;
          break;
        }
      /* Short waits: a detach wakes nobody. */
      if (!g_cond_wait_until (&d->passcode_cond, &d->lock, MIN (end, g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND))
          && g_get_monotonic_time () >= end)
        break;
    }
  d->passcode_entered = false;
  g_mutex_unlock (&d->lock);
  return result;
}

void
emu_device_ask_passcode (EmuDevice *d)
{
  g_mutex_lock (&d->lock);
  d->passcode_entered = false;
  g_mutex_unlock (&d->lock);
}

void
emu_device_set_passcode_timeout (EmuDevice *d, uint32_t ms)
{
  g_mutex_lock (&d->lock);
  d->backup_passcode_timeout = ms;
  g_mutex_unlock (&d->lock);
}

void
emu_device_enter_passcode (EmuDevice *d)
{
  g_mutex_lock (&d->lock);
  d->passcode_entered = true;
  g_cond_broadcast (&d->passcode_cond);
  g_mutex_unlock (&d->lock);
}
char *
emu_device_dup_backup_password (EmuDevice *d)
{
  char *copy;

  g_mutex_lock (&d->lock);
  copy = g_strdup (d->backup_password);
  g_mutex_unlock (&d->lock);
  return copy;
}

void
emu_device_set_backup_password (EmuDevice  *d,
                                const char *password)
{
  g_mutex_lock (&d->lock);
  g_free (d->backup_password);
  d->backup_password = g_strdup (password);
  g_mutex_unlock (&d->lock);
}

bool
emu_device_get_will_encrypt (EmuDevice *d)
{
  bool value;

  g_mutex_lock (&d->lock);
  value = d->backup_password != NULL;
  g_mutex_unlock (&d->lock);
  return value;
}
EmuMisbehaveConfig *emu_device_get_misbehave (EmuDevice *d) { return d->misbehave; }
const char *emu_device_get_private_key_pem (EmuDevice *d) { return d->priv_pem; }
const char *emu_device_get_public_key_pem (EmuDevice *d) { return d->pub_pem; }

#define LOCKED(d, expr) ({ __auto_type _v = ({ g_mutex_lock (&(d)->lock); (expr); }); g_mutex_unlock (&(d)->lock); _v; })

EmuTrust
emu_device_get_trust (EmuDevice *d)
{
  return LOCKED (d, d->trust);
}

void
emu_device_set_trust (EmuDevice *d, EmuTrust trust)
{
  g_mutex_lock (&d->lock);
  d->trust = trust;
  g_mutex_unlock (&d->lock);
}

bool
emu_device_get_locked (EmuDevice *d)
{
  return LOCKED (d, d->locked);
}

void
emu_device_set_locked (EmuDevice *d, bool locked)
{
  g_mutex_lock (&d->lock);
  d->locked = locked;
  g_mutex_unlock (&d->lock);
}

void
emu_device_set_rate (EmuDevice *d, uint64_t rate)
{
  g_mutex_lock (&d->lock);
  d->rate = rate;
  d->next_free_us = 0;
  g_mutex_unlock (&d->lock);
}

void
emu_device_set_fail_after (EmuDevice *d, int64_t bytes)
{
  g_mutex_lock (&d->lock);
  d->fail_after = bytes;
  g_mutex_unlock (&d->lock);
}

bool
emu_device_is_detached (EmuDevice *d)
{
  return LOCKED (d, d->detached);
}

static void
add_disk_usage (EmuDevice *device, plist_t dict)
{
  struct statvfs st;
  uint64_t total = 128ull * 1000 * 1000 * 1000;
  uint64_t avail = 64ull * 1000 * 1000 * 1000;

  if (statvfs (device->media_root, &st) == 0)
    {
      total = (uint64_t) st.f_blocks * st.f_frsize;
      avail = (uint64_t) st.f_bavail * st.f_frsize;
    }
  plist_dict_set_item (dict, "TotalDiskCapacity", plist_new_uint (total));
  plist_dict_set_item (dict, "TotalDataCapacity", plist_new_uint (total));
  plist_dict_set_item (dict, "TotalDataAvailable", plist_new_uint (avail));
  plist_dict_set_item (dict, "TotalSystemCapacity", plist_new_uint (0));
  plist_dict_set_item (dict, "TotalSystemAvailable", plist_new_uint (0));
  plist_dict_set_item (dict, "AmountDataAvailable", plist_new_uint (avail));
}

static plist_t
copy_domain (EmuDevice *device, const char *domain)
{
  plist_t dict = plist_new_dict ();

  if (domain == NULL)
    {
      plist_dict_set_item (dict, "ActivationState", plist_new_string ("Activated"));
      plist_dict_set_item (dict, "BluetoothAddress", plist_new_string (device->bt));
      plist_dict_set_item (dict, "BuildVersion", plist_new_string (device->build));
      plist_dict_set_item (dict, "CPUArchitecture", plist_new_string ("arm64e"));
      plist_dict_set_item (dict, "DeviceClass", plist_new_string ("iPhone"));
      plist_dict_set_item (dict, "DeviceColor", plist_new_string ("1"));
      plist_dict_set_item (dict, "DeviceName", plist_new_string (device->name));
      plist_dict_set_item (dict, "DevicePublicKey",
                           plist_new_data (device->pub_pem, strlen (device->pub_pem)));
      plist_dict_set_item (dict, "HardwareModel", plist_new_string ("D73AP"));
      plist_dict_set_item (dict, "PasswordProtected", plist_new_bool (emu_device_get_locked (device)));
      plist_dict_set_item (dict, "ProductName", plist_new_string ("iPhone OS"));
      plist_dict_set_item (dict, "ProductType", plist_new_string (device->model));
      plist_dict_set_item (dict, "ProductVersion", plist_new_string (device->ios));
      plist_dict_set_item (dict, "SerialNumber", plist_new_string (device->serial));
      plist_dict_set_item (dict, "TimeZone", plist_new_string ("Europe/Berlin"));
      plist_dict_set_item (dict, "UniqueChipID", plist_new_uint (0x1A35E80C41802Eull));
      plist_dict_set_item (dict, "UniqueDeviceID", plist_new_string (device->udid));
      plist_dict_set_item (dict, "WiFiAddress", plist_new_string (device->wifi));
    }
  else if (strcmp (domain, "com.apple.disk_usage") == 0
           || strcmp (domain, "com.apple.disk_usage.factory") == 0)
    add_disk_usage (device, dict);
  else if (strcmp (domain, "com.apple.mobile.backup") == 0)
    {
      plist_dict_set_item (dict, "WillEncrypt", plist_new_bool (emu_device_get_will_encrypt (device)));
      plist_dict_set_item (dict, "RequiresEncrypt", plist_new_bool (0));
    }
  else if (strcmp (domain, "com.apple.iTunes") == 0)
    {
      plist_dict_set_item (dict, "MinITunesVersion", plist_new_string ("12.5.2"));
    }
  else if (strcmp (domain, "com.apple.mobile.iTunes") == 0)
    {
      plist_dict_set_item (dict, "MinITunesVersion", plist_new_string ("12.5.2"));
      plist_dict_set_item (dict, "MinMacOSVersion", plist_new_string ("10.12"));
    }
  else if (strcmp (domain, "com.apple.mobile.battery") == 0)
    {
      plist_dict_set_item (dict, "BatteryCurrentCapacity", plist_new_uint (87));
      plist_dict_set_item (dict, "BatteryIsCharging", plist_new_bool (1));
    }
  else
    {
      plist_free (dict);
      return NULL;
    }
  return dict;
}

plist_t
emu_device_copy_value (EmuDevice *device, const char *domain, const char *key)
{
  plist_t dict = copy_domain (device, domain);
  plist_t value;

  if (dict == NULL || key == NULL)
    return dict;
  value = plist_dict_get_item (dict, key);
  value = value != NULL ? plist_copy (value) : NULL;
  plist_free (dict);
  return value;
}

/* ---- pairing store ---- */

static char *
pairing_path (EmuDevice *device, const char *host_id)
{
  g_autofree char *safe = g_strdup (host_id);
  g_autofree char *file = NULL;

  if (*safe == '\0')
    return NULL;
  g_strcanon (safe, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", '_');
  file = g_strconcat (safe, ".plist", NULL);
  return g_build_filename (device->state_dir, "pairings", file, NULL);
}

bool
emu_device_save_pairing (EmuDevice *device, const char *host_id, plist_t pair_record)
{
  g_autofree char *path = pairing_path (device, host_id);
  char *xml = NULL;
  uint32_t len = 0;
  bool ok;

  if (path == NULL)
    return false;
  plist_to_xml (pair_record, &xml, &len);
  if (xml == NULL)
    return false;
  ok = g_file_set_contents_full (path, xml, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
  free (xml);
  return ok;
}

char *
emu_device_dup_device_cert (EmuDevice *device, const char *host_id)
{
  g_autofree char *path = pairing_path (device, host_id);
  g_autofree char *xml = NULL;
  gsize len = 0;
  plist_t record = NULL;
  plist_t cert;
  char *out = NULL;

  if (path == NULL || !g_file_get_contents (path, &xml, &len, NULL))
    return NULL;
  plist_from_xml (xml, len, &record);
  if (record == NULL)
    return NULL;
  cert = plist_dict_get_item (record, "DeviceCertificate");
  if (cert != NULL && plist_get_node_type (cert) == PLIST_DATA)
    {
      char *data = NULL;
      uint64_t dlen = 0;

      plist_get_data_val (cert, &data, &dlen);
      out = malloc (dlen + 1);
      memcpy (out, data, dlen);
      out[dlen] = '\0';
      free (data);
    }
  plist_free (record);
  return out;
}

bool
emu_device_remove_pairing (EmuDevice *device, const char *host_id)
{
  g_autofree char *path = pairing_path (device, host_id);

  return path != NULL && g_unlink (path) == 0;
}

/* ---- connections, attach/detach ---- */

bool
emu_device_add_conn (EmuDevice *d, int fd)
{
  bool ok;

  g_mutex_lock (&d->lock);
  ok = !d->detached;
  if (ok)
    g_array_append_val (d->fds, fd);
  g_mutex_unlock (&d->lock);
  return ok;
}

void
emu_device_remove_conn (EmuDevice *d, int fd)
{
  g_mutex_lock (&d->lock);
  for (guint i = 0; i < d->fds->len; i++)
    if (g_array_index (d->fds, int, i) == fd)
      {
        g_array_remove_index_fast (d->fds, i);
        break;
      }
  g_mutex_unlock (&d->lock);
}

void
emu_device_set_event_func (EmuDevice *d, EmuDeviceEventFunc func, void *user_data)
{
  d->event_func = func;
  d->event_data = user_data;
}

bool
emu_device_detach (EmuDevice *d)
{
  bool changed;

  g_mutex_lock (&d->lock);
  changed = !d->detached;
  d->detached = true;
  d->fail_after = -1;
  /* shutdown, not close: the owning thread still holds the fd and closes
   * it after emu_device_remove_conn, so the number cannot be reused under
   * us. */
  for (guint i = 0; i < d->fds->len; i++)
    shutdown (g_array_index (d->fds, int, i), SHUT_RDWR);
  g_mutex_unlock (&d->lock);

  if (changed && d->event_func != NULL)
    d->event_func (d, false, d->event_data);
  return changed;
}

bool
emu_device_attach (EmuDevice *d)
{
  bool changed;

  g_mutex_lock (&d->lock);
  changed = d->detached;
  d->detached = false;
  g_mutex_unlock (&d->lock);

  if (changed && d->event_func != NULL)
    d->event_func (d, true, d->event_data);
  return changed;
}

/* ---- shaping and counters ---- */

void
emu_device_request_latency (EmuDevice *d)
{
  uint32_t ms;

  g_mutex_lock (&d->lock);
  ms = d->latency_ms;
  g_mutex_unlock (&d->lock);
  if (ms == 0)
    return;

  g_usleep ((gulong) ms * 1000);

  /* A request's round trip is time the link carries no data. Under a cap it is not paid
   * back from the throttle's slack (which is there for a client's short pauses between
   * reads): the data of this request starts after it, as over USB, so a reader that asks
   * in small pieces gets less of the link than one that asks in large ones. With
   * "latency 1" and "rate 35000000" the emulator gives what real iPhones were measured
   * at: ~32 MB/s to a reader asking 4 MiB at a time, ~18 MB/s through ifuse. */
  g_mutex_lock (&d->lock);
  if (d->rate > 0 && d->next_free_us != 0)
    d->next_free_us = MAX (d->next_free_us, g_get_monotonic_time ());
  g_mutex_unlock (&d->lock);
}

void
emu_device_set_latency (EmuDevice *d, uint32_t ms)
{
  g_mutex_lock (&d->lock);
  d->latency_ms = ms;
  g_mutex_unlock (&d->lock);
}

/* How far the throttle's virtual clock may fall behind real time, i.e. the
 * largest burst the link allows after a pause (100 ms of data at the cap). */
#define THROTTLE_MAX_LAG_US (100 * 1000)

uint64_t
emu_device_throttle (EmuDevice *d, const char *path, uint64_t bytes)
{
  gint64 until = 0;

  g_mutex_lock (&d->lock);
  if (d->detached)
    bytes = 0;
  if (d->fail_after >= 0 && bytes > (uint64_t) d->fail_after)
    bytes = (uint64_t) d->fail_after;
  if (d->rate > 0 && bytes > 0)
    {
      /* Virtual-time token bucket: each grant reserves bytes/rate seconds
       * after the previous reservation.  The virtual clock may trail "now"
       * by up to THROTTLE_MAX_LAG_US: the client's time between requests
       * (a round trip per read) is then paid back from that slack instead
       * of being lost, so the long-run rate stays at the cap even with
       * small reads, while an idle link builds at most that much burst.
       * Grants are kept to ~50 ms of data so a detach is noticed fast. */
      uint64_t slice = MAX (d->rate / 20, 1);
      gint64 now = g_get_monotonic_time ();

      bytes = MIN (bytes, slice);
      /* 0: the cap was just set; start it now, without the slack. */
      if (d->next_free_us == 0)
        d->next_free_us = now;
      else if (d->next_free_us < now - THROTTLE_MAX_LAG_US)
        d->next_free_us = now - THROTTLE_MAX_LAG_US;
      d->next_free_us += (gint64) (bytes * G_USEC_PER_SEC / d->rate);
      until = d->next_free_us;
    }
  g_mutex_unlock (&d->lock);

  while (until > 0)
    {
      gint64 now = g_get_monotonic_time ();

      if (now >= until)
        break;
      if (emu_device_is_detached (d))
        return 0;
      g_usleep (MIN (until - now, 10000));
    }
  return bytes;
}

void
emu_device_data_sent (EmuDevice *d, const char *path, uint64_t bytes)
{
  bool drop = false;

  g_mutex_lock (&d->lock);
  d->total += bytes;
  if (path != NULL)
    {
      uint64_t *count = g_hash_table_lookup (d->files, path);

      if (count == NULL)
        {
          count = g_new0 (uint64_t, 1);
          g_hash_table_insert (d->files, g_strdup (path), count);
        }
      *count += bytes;
    }
  if (d->fail_after >= 0)
    {
      d->fail_after -= MIN ((uint64_t) d->fail_after, bytes);
      drop = d->fail_after == 0;
    }
  g_mutex_unlock (&d->lock);

  if (drop)
    emu_device_detach (d);
}

static void
json_escape (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\u%04x", *p);
      else if (*p >= 0x80)
        {
          /* Keep valid UTF-8 sequences; map stray bytes to U+00XX so the
           * line stays valid JSON. */
          const char *end;
          gunichar c = g_utf8_get_char_validated ((const char *) p, -1);

          if (c != (gunichar) -1 && c != (gunichar) -2)
            {
              end = g_utf8_next_char ((const char *) p);
              g_string_append_len (out, (const char *) p, end - (const char *) p);
              p = (const unsigned char *) end - 1;
            }
          else
            g_string_append_printf (out, "\\u%04x", *p);
        }
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
emu_device_stats_json (EmuDevice *d)
{
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;
  bool first = true;
  char *ret;

  g_mutex_lock (&d->lock);
  g_string_append_printf (out, "{\"total\":%" G_GUINT64_FORMAT ",\"files\":{", (guint64) d->total);
  g_hash_table_iter_init (&iter, d->files);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = false;
      json_escape (out, key);
      g_string_append_printf (out, ":%" G_GUINT64_FORMAT, (guint64) *(uint64_t *) value);
    }
  g_mutex_unlock (&d->lock);
  g_string_append (out, "}}");
  ret = strdup (out->str);
  g_string_free (out, TRUE);
  return ret;
}

void
emu_device_reset_stats (EmuDevice *d)
{
  g_mutex_lock (&d->lock);
  d->total = 0;
  g_hash_table_remove_all (d->files);
  g_mutex_unlock (&d->lock);
}

void
emu_device_add_read_error (EmuDevice *d, const char *path)
{
  g_mutex_lock (&d->lock);
  g_hash_table_add (d->read_errors, g_strdup (path));
  g_mutex_unlock (&d->lock);
}

void
emu_device_clear_read_errors (EmuDevice *d)
{
  g_mutex_lock (&d->lock);
  g_hash_table_remove_all (d->read_errors);
  g_mutex_unlock (&d->lock);
}

bool
emu_device_has_read_error (EmuDevice *d, const char *path)
{
  bool ret;

  g_mutex_lock (&d->lock);
  ret = path != NULL && g_hash_table_contains (d->read_errors, path);
  g_mutex_unlock (&d->lock);
  return ret;
}
