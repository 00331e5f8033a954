/* test-emulator-fuzz.c
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

/* A short fuzz run: malformed usbmuxd frames, garbage lockdownd plists, bad
 * AFC headers, unknown opcodes, escaping paths; then the emulator must still
 * answer idevice_id and nothing new may exist outside the media root. */

#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <plist/plist.h>

#include "ks-test-emulator.h"

#define AFC_PORT 49152
#define LOCKDOWN_PORT 62078

static KsTestEmulator *emu;
static GRand *rnd;
static char *tmp;
static char *media;

static int
connect_mux (void)
{
  const char *path = ks_test_emulator_get_address (emu) + strlen ("UNIX:");
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  struct timeval tv = { 2, 0 };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (sun.sun_path, path, sizeof sun.sun_path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sun, sizeof sun), ==, 0);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

static void
send_all (int fd, const void *data, size_t len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

      if (n <= 0)
        return;  /* the emulator may hang up on garbage: fine */
      p += n;
      len -= n;
    }
}

static gboolean
recv_all (int fd, void *data, size_t len)
{
  guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = recv (fd, p, len, 0);

      if (n <= 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

static void
send_mux (int fd, guint32 version, guint32 message, const void *payload, guint32 len, guint32 claimed)
{
  guint32 hdr[4] = { GUINT32_TO_LE (claimed), GUINT32_TO_LE (version), GUINT32_TO_LE (message), 1 };

  send_all (fd, hdr, sizeof hdr);
  send_all (fd, payload, len);
}

static void
send_mux_plist (int fd, plist_t dict)
{
  char *xml = NULL;
  uint32_t len = 0;

  plist_to_xml (dict, &xml, &len);
  send_mux (fd, 1, 8, xml, len, 16 + len);
  free (xml);
}

/* Reads one usbmuxd reply; returns its Number for a Result, -1 otherwise. */
static gint64
read_result (int fd)
{
  guint32 hdr[4];
  guint32 len;
  g_autofree char *body = NULL;
  plist_t reply = NULL;
  gint64 number = -1;

  if (!recv_all (fd, hdr, sizeof hdr))
    return -2;
  len = GUINT32_FROM_LE (hdr[0]);
  if (len < 16 || len > 1024 * 1024)
    return -2;
  body = g_malloc (len - 16);
  if (!recv_all (fd, body, len - 16))
    return -2;
  plist_from_xml (body, len - 16, &reply);
  if (reply != NULL)
    {
      plist_t n = plist_dict_get_item (reply, "Number");

      if (n != NULL && plist_get_node_type (n) == PLIST_UINT)
        {
          uint64_t v;

          plist_get_uint_val (n, &v);
          number = (gint64) v;
        }
      plist_free (reply);
    }
  return number;
}

/* Opens a raw pipe to a device port (network byte order, as libusbmuxd). */
static int
connect_port (guint16 port)
{
  int fd = connect_mux ();
  plist_t msg = plist_new_dict ();

  plist_dict_set_item (msg, "MessageType", plist_new_string ("Connect"));
  plist_dict_set_item (msg, "DeviceID", plist_new_uint (1));
  plist_dict_set_item (msg, "PortNumber", plist_new_uint (htons (port)));
  send_mux_plist (fd, msg);
  plist_free (msg);
  g_assert_cmpint (read_result (fd), ==, 0);
  return fd;
}

static void
random_bytes (guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) g_rand_int (rnd);
}

static void
fuzz_mux (void)
{
  int fd = connect_mux ();
  guint8 junk[512];
  guint kind = g_rand_int_range (rnd, 0, 8);

  random_bytes (junk, sizeof junk);
  switch (kind)
    {
    case 0: /* truncated header */
      send_all (fd, junk, g_rand_int_range (rnd, 1, 16));
      break;
    case 1: /* huge claimed length, then hang up */
      send_mux (fd, 1, 8, junk, 64, 0xFFFFFFF0u);
      break;
    case 2: /* garbage plist */
      send_mux (fd, 1, 8, junk, sizeof junk, 16 + sizeof junk);
      read_result (fd);
      break;
    case 3: /* binary protocol / odd message types */
      send_mux (fd, g_rand_int (rnd), g_rand_int (rnd), junk, 32, 48);
      read_result (fd);
      break;
    case 4: /* wrong types */
      {
        plist_t msg = plist_new_dict ();

        plist_dict_set_item (msg, "MessageType", plist_new_string ("Connect"));
        plist_dict_set_item (msg, "DeviceID", plist_new_string ("one"));
        plist_dict_set_item (msg, "PortNumber", plist_new_uint (g_rand_int (rnd)));
        send_mux_plist (fd, msg);
        plist_free (msg);
        g_assert_cmpint (read_result (fd), !=, 0);
      }
      break;
    case 5: /* pair record ids trying to escape the state dir */
      {
        plist_t msg = plist_new_dict ();
        const char *ids[] = { "../../fuzz-escape", "/tmp/fuzz-escape", "..", "" };

        plist_dict_set_item (msg, "MessageType", plist_new_string (g_rand_boolean (rnd) ? "SavePairRecord" : "ReadPairRecord"));
        plist_dict_set_item (msg, "PairRecordID", plist_new_string (ids[g_rand_int_range (rnd, 0, 4)]));
        plist_dict_set_item (msg, "PairRecordData", plist_new_data ((char *) junk, 16));
        send_mux_plist (fd, msg);
        plist_free (msg);
        g_assert_cmpint (read_result (fd), !=, 0);
      }
      break;
    case 6: /* connect to a random port or device */
      {
        plist_t msg = plist_new_dict ();

        plist_dict_set_item (msg, "MessageType", plist_new_string ("Connect"));
        plist_dict_set_item (msg, "DeviceID", plist_new_uint (g_rand_int_range (rnd, 0, 4)));
        plist_dict_set_item (msg, "PortNumber", plist_new_uint (g_rand_int_range (rnd, 0, 65536)));
        send_mux_plist (fd, msg);
        plist_free (msg);
        read_result (fd);
      }
      break;
    default: /* pure noise */
      send_all (fd, junk, sizeof junk);
      break;
    }
  close (fd);
}

static void
fuzz_lockdown (void)
{
  int fd = connect_port (LOCKDOWN_PORT);
  guint8 junk[256];
  guint32 be;
  guint kind = g_rand_int_range (rnd, 0, 5);

  random_bytes (junk, sizeof junk);
  switch (kind)
    {
    case 0: /* huge frame length */
      be = htonl (0x7FFFFFFF);
      send_all (fd, &be, 4);
      send_all (fd, junk, sizeof junk);
      break;
    case 1: /* garbage body */
      be = htonl (sizeof junk);
      send_all (fd, &be, 4);
      send_all (fd, junk, sizeof junk);
      break;
    case 2: /* truncated frame */
      be = htonl (1000);
      send_all (fd, &be, 4);
      send_all (fd, "<?xml", 5);
      break;
    default: /* well-formed requests with odd contents */
      {
        const char *verbs[] = { "StartSession", "Pair", "ValidatePair", "Unpair", "StartService",
                                "GetValue", "StopSession", "Nope" };
        plist_t msg = plist_new_dict ();
        plist_t rec = plist_new_dict ();
        char *xml = NULL;
        uint32_t len = 0;

        plist_dict_set_item (msg, "Request", plist_new_string (verbs[g_rand_int_range (rnd, 0, 8)]));
        plist_dict_set_item (msg, "HostID", plist_new_string ("../../fuzz-escape"));
        plist_dict_set_item (msg, "Domain", plist_new_string ("../../etc"));
        plist_dict_set_item (msg, "Service", plist_new_string ("com.apple.afc2"));
        plist_dict_set_item (rec, "HostID", plist_new_string ("../../fuzz-escape"));
        plist_dict_set_item (rec, "DeviceCertificate", plist_new_data ((char *) junk, 64));
        plist_dict_set_item (msg, "PairRecord", kind == 3 ? rec : plist_new_string ("x"));
        if (kind != 3)
          plist_free (rec);
        plist_to_xml (msg, &xml, &len);
        be = htonl (len);
        send_all (fd, &be, 4);
        send_all (fd, xml, len);
        free (xml);
        plist_free (msg);
        /* After a StartSession that worked, the emulator expects TLS: noise. */
        send_all (fd, junk, sizeof junk);
      }
      break;
    }
  close (fd);
}

static void
afc_packet (int fd, guint64 op, const void *hd, guint64 hd_len, guint64 extra, guint64 packet)
{
  guint64 hdr[5];

  memcpy (hdr, "CFA6LPAA", 8);
  hdr[1] = GUINT64_TO_LE (40 + hd_len + extra);
  hdr[2] = GUINT64_TO_LE (40 + hd_len);
  hdr[3] = GUINT64_TO_LE (packet);
  hdr[4] = GUINT64_TO_LE (op);
  send_all (fd, hdr, sizeof hdr);
  send_all (fd, hd, hd_len);
}

static guint64
afc_reply_status (int fd, guint64 *op_out)
{
  guint64 hdr[5];
  guint64 len;
  g_autofree guint8 *body = NULL;
  guint64 code = G_MAXUINT64;

  if (!recv_all (fd, hdr, sizeof hdr) || memcmp (hdr, "CFA6LPAA", 8) != 0)
    return G_MAXUINT64;
  len = GUINT64_FROM_LE (hdr[1]) - 40;
  if (len > 64 * 1024 * 1024)
    return G_MAXUINT64;
  body = g_malloc (len + 8);
  if (!recv_all (fd, body, len))
    return G_MAXUINT64;
  *op_out = GUINT64_FROM_LE (hdr[4]);
  if (*op_out == 1 && len >= 8)
    {
      memcpy (&code, body, 8);
      code = GUINT64_FROM_LE (code);
    }
  return code;
}

static void
fuzz_afc (void)
{
  static const char *paths[] = {
    "..", "/..", "../../fuzz-escape", "/DCIM/../../fuzz-escape", "/DCIM/link/fuzz-escape",
    "//../..//fuzz-escape", "/DCIM/100APPLE/IMG_0001.JPG", "/DCIM", "/", "", "fuzz\xff\x01name",
    "/DCIM/100APPLE/../../../../../../../tmp/fuzz-escape",
  };
  static const guint64 ops[] = { 0x03, 0x07, 0x08, 0x09, 0x0A, 0x0D, 0x18, 0x1C, 0x1E, 0x22 };
  int fd = connect_port (AFC_PORT);
  guint8 hd[600];
  guint kind = g_rand_int_range (rnd, 0, 6);
  guint64 op = 0;

  random_bytes (hd, sizeof hd);
  switch (kind)
    {
    case 0: /* bad magic */
      send_all (fd, hd, 40);
      break;
    case 1: /* huge lengths */
      afc_packet (fd, 0x10, hd, 8, G_MAXUINT64 / 2, 1);
      break;
    case 2: /* unknown opcode: must answer STATUS 15 */
      {
        guint64 code;
        guint64 unknown = g_rand_int_range (rnd, 0x40, 0x7fffffff);

        afc_packet (fd, unknown, hd, 16, 0, 7);
        code = afc_reply_status (fd, &op);
        g_assert_cmpuint (op, ==, 1);
        g_assert_cmpuint (code, ==, 15);
      }
      break;
    case 3: /* random small header data for a real op */
      afc_packet (fd, ops[g_rand_int_range (rnd, 0, G_N_ELEMENTS (ops))], hd,
                  g_rand_int_range (rnd, 0, 40), 0, 2);
      afc_reply_status (fd, &op);
      break;
    default: /* escaping paths with every path op */
      {
        guint8 buf[1024];
        const char *a = paths[g_rand_int_range (rnd, 0, G_N_ELEMENTS (paths))];
        const char *b = paths[g_rand_int_range (rnd, 0, G_N_ELEMENTS (paths))];
        guint64 o = ops[g_rand_int_range (rnd, 0, G_N_ELEMENTS (ops))];
        gsize off = 0;

        if (o == 0x07 || o == 0x0D || o == 0x1C || o == 0x1E)
          {
            guint64 v = o == 0x0D ? g_rand_int_range (rnd, 0, 8) : o == 0x1C ? g_rand_int_range (rnd, 1, 3) : 5;

            memcpy (buf, &v, 8);
            off = 8;
          }
        memcpy (buf + off, a, strlen (a) + 1);
        off += strlen (a) + 1;
        if (o == 0x18 || o == 0x1C)
          {
            memcpy (buf + off, b, strlen (b) + 1);
            off += strlen (b) + 1;
          }
        afc_packet (fd, o, buf, off, 0, 3);
        afc_reply_status (fd, &op);
        if (o == 0x0D && op == 0x0E)
          {
            /* A file got opened: try to write through it. */
            guint64 handle_and_data[2] = { GUINT64_TO_LE (1), 0 };

            afc_packet (fd, 0x10, handle_and_data, 8, 0, 4);
            send_all (fd, "", 0);
            afc_reply_status (fd, &op);
          }
      }
      break;
    }
  close (fd);
}

static GHashTable *
snapshot (const char *dir, GHashTable *into, const char *skip, int depth)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (into == NULL)
    into = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (d == NULL)
    return into;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_strcmp0 (child, skip) == 0)
        continue;
      g_hash_table_add (into, g_strdup (child));
      if (depth > 1 && g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        snapshot (child, into, skip, depth - 1);
    }
  return into;
}

static void
test_fuzz (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dcim = NULL;
  g_autofree char *img = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *link = NULL;
  g_autofree char *out = NULL;
  g_autofree char *udid = NULL;
  g_autofree char *emu_dir = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  const char *seconds = g_getenv ("KS_FUZZ_SECONDS");
  gint64 until;
  guint rounds = 0;
  int status = 0;
  const char *argv[] = { "idevice_id", "-l", NULL };
  GHashTableIter iter;
  gpointer key;

  tmp = g_dir_make_tmp ("ks-emu-fuzz-XXXXXX", &error);
  g_assert_no_error (error);
  media = g_build_filename (tmp, "media", NULL);
  dcim = g_build_filename (media, "DCIM", "100APPLE", NULL);
  outside = g_build_filename (tmp, "outside", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dcim, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (outside, 0755), ==, 0);
  img = g_build_filename (dcim, "IMG_0001.JPG", NULL);
  g_assert_true (g_file_set_contents (img, "not really a jpeg", -1, NULL));
  link = g_build_filename (media, "DCIM", "link", NULL);
  g_assert_cmpint (symlink (outside, link), ==, 0);

  emu = ks_test_emulator_new (&error, "--device", media, "--hostile-names", NULL);
  g_assert_no_error (error);
  udid = ks_test_emulator_control (emu, "udid", &error);
  g_assert_no_error (error);

  /* Everything in the temp dir except the media root and the emulator's
   * own runtime dir (outside our temp dir) must stay as it is. */
  emu_dir = g_path_get_dirname (ks_test_emulator_get_state_dir (emu));
  /* The temp dir in full, and the top of /tmp (others' tests run there
   * concurrently: only names we use count). */
  before = snapshot (tmp, NULL, media, 100);
  snapshot ("/tmp", before, emu_dir, 1);

  until = g_get_monotonic_time () + (seconds != NULL ? atoi (seconds) : 3) * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      switch (rounds++ % 3)
        {
        case 0: fuzz_mux (); break;
        case 1: fuzz_lockdown (); break;
        default: fuzz_afc (); break;
        }
    }
  g_test_message ("%u fuzz rounds", rounds);

  /* Still alive and serving. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, udid + 3));

  after = snapshot (tmp, NULL, media, 100);
  snapshot ("/tmp", after, emu_dir, 1);
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_str_has_prefix (key, media)
        && (strstr (key, "fuzz-escape") != NULL
            || (g_str_has_prefix (key, tmp) && !g_hash_table_contains (before, key))))
      g_error ("created outside the media root: %s", (char *) key);

  g_clear_pointer (&emu, ks_test_emulator_free);
  ks_test_remove_tree (tmp);
  g_free (tmp);
  g_free (media);
}

int
main (int argc, char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("ks-emu-home-XXXXXX", NULL);
  int ret;

  g_setenv ("HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);
  rnd = g_rand_new_with_seed (g_test_rand_int ());
  g_test_add_func ("/Keepsake/Emulator/fuzz", test_fuzz);
  ret = g_test_run ();
  g_rand_free (rnd);
  g_rmdir (home);
  return ret;
}
