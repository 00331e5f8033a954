/* emu-misbehave.c
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

/* Malformed replies, grounded in what libimobiledevice 1.3.0's readers do with them (see the
 * README's "Misbehaving" section). Every lie stays within what 1.3.0 reads without undefined
 * behaviour of its own: no this_length above entire_length (1.3.0 then writes past its
 * buffer), no AFC reply shorter than 8 bytes to FileOpen/FileTell (it reads 8), no
 * lockdownd frame length above 16 MiB. */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu-misbehave.h"

#define AFC_HEADER_SIZE 40
#define AFC_OP_STATUS   0x01
#define EXTRA_READ      4096
#define SIZE_DELTA      1000
#define STALL_MS        1500

static const char * const mode_names[] = {
  [EMU_MISBEHAVE_OFF] = "off",
  [EMU_MISBEHAVE_AFC_TRUNCATED] = "afc-truncated",
  [EMU_MISBEHAVE_AFC_OVERLONG] = "afc-overlong",
  [EMU_MISBEHAVE_AFC_BAD_HEADER] = "afc-bad-header",
  [EMU_MISBEHAVE_READ_LONG] = "read-long",
  [EMU_MISBEHAVE_READ_SHORT] = "read-short",
  [EMU_MISBEHAVE_SIZE_CHANGE] = "size-change",
  [EMU_MISBEHAVE_DIR_GARBAGE] = "dir-garbage",
  [EMU_MISBEHAVE_DIR_DUPLICATES] = "dir-duplicates",
  [EMU_MISBEHAVE_STALL] = "stall",
  [EMU_MISBEHAVE_LOCKDOWN_TYPES] = "lockdown-types",
  [EMU_MISBEHAVE_LOCKDOWN_TRUNCATED] = "lockdown-truncated",
  [EMU_MISBEHAVE_RANDOM] = "random",
};

/* What `random` draws for an AFC connection (stalls kept short there). */
static const EmuMisbehave random_afc_modes[] = {
  EMU_MISBEHAVE_AFC_TRUNCATED, EMU_MISBEHAVE_AFC_OVERLONG, EMU_MISBEHAVE_AFC_BAD_HEADER,
  EMU_MISBEHAVE_READ_LONG, EMU_MISBEHAVE_READ_SHORT, EMU_MISBEHAVE_SIZE_CHANGE,
  EMU_MISBEHAVE_DIR_GARBAGE, EMU_MISBEHAVE_DIR_DUPLICATES, EMU_MISBEHAVE_STALL,
};

struct _EmuMisbehaveConfig
{
  GMutex        lock;
  EmuMisbehave  mode;
  GRand        *rand;
};

EmuMisbehaveConfig *
emu_misbehave_config_new (void)
{
  EmuMisbehaveConfig *config = g_new0 (EmuMisbehaveConfig, 1);

  g_mutex_init (&config->lock);
  config->rand = g_rand_new_with_seed (0);
  return config;
}

void
emu_misbehave_config_free (EmuMisbehaveConfig *config)
{
  if (config == NULL)
    return;
  g_rand_free (config->rand);
  g_mutex_clear (&config->lock);
  g_free (config);
}

void
emu_misbehave_config_set (EmuMisbehaveConfig *config, EmuMisbehave mode)
{
  g_mutex_lock (&config->lock);
  config->mode = mode;
  g_mutex_unlock (&config->lock);
}

void
emu_misbehave_config_seed (EmuMisbehaveConfig *config, uint64_t seed)
{
  guint32 words[2] = { (guint32) seed, (guint32) (seed >> 32) };

  g_mutex_lock (&config->lock);
  g_rand_set_seed_array (config->rand, words, 2);
  g_mutex_unlock (&config->lock);
}

bool
emu_misbehave_parse (const char *name, EmuMisbehave *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (mode_names); i++)
    if (g_strcmp0 (name, mode_names[i]) == 0)
      {
        *out = (EmuMisbehave) i;
        return true;
      }
  return false;
}

const char *
emu_misbehave_names (void)
{
  return "off, afc-truncated, afc-overlong, afc-bad-header, read-long, read-short, "
         "size-change, dir-garbage, dir-duplicates, stall, lockdown-types, "
         "lockdown-truncated, random";
}

static bool
is_afc_mode (EmuMisbehave mode)
{
  return mode >= EMU_MISBEHAVE_AFC_TRUNCATED && mode <= EMU_MISBEHAVE_STALL;
}

/* random, AFC: the next burst of lies on this connection: a mode, how many replies from now
 * it starts (the session gets somewhere first), and how many replies it lasts. A connection
 * the client keeps (a pooled session) thus lies now and then, in ever other ways. */
static void
draw_burst (EmuMisbehaveConn *mb)
{
  mb->mode = random_afc_modes[g_rand_int_range (mb->rand, 0, G_N_ELEMENTS (random_afc_modes))];
  mb->start = mb->replies + (uint32_t) g_rand_int_range (mb->rand, 0, 100);
  mb->end = mb->start + (uint32_t) g_rand_int_range (mb->rand, 1, 8);
  mb->stall_ms = (uint32_t) g_rand_int_range (mb->rand, 10, 120);
}

void
emu_misbehave_conn_init (EmuMisbehaveConn *mb, EmuMisbehaveConfig *config, bool afc)
{
  memset (mb, 0, sizeof *mb);
  mb->stall_ms = STALL_MS;
  mb->end = UINT32_MAX;

  g_mutex_lock (&config->lock);
  mb->mode = config->mode;
  if (mb->mode == EMU_MISBEHAVE_RANDOM)
    {
      mb->random = true;
      mb->rand = g_rand_new_with_seed (g_rand_int (config->rand));
    }
  g_mutex_unlock (&config->lock);

  if (mb->random && afc)
    draw_burst (mb);
  else if (mb->random)
    {
      /* Three lockdownd connections in four behave: most handshakes get through. */
      int pick = g_rand_int_range (mb->rand, 0, 8);

      mb->mode = pick == 0 ? EMU_MISBEHAVE_LOCKDOWN_TYPES
                 : pick == 1 ? EMU_MISBEHAVE_LOCKDOWN_TRUNCATED : EMU_MISBEHAVE_OFF;
      mb->start = (uint32_t) g_rand_int_range (mb->rand, 0, 12);
    }
  else if (mb->mode == EMU_MISBEHAVE_AFC_TRUNCATED || mb->mode == EMU_MISBEHAVE_AFC_OVERLONG
           || mb->mode == EMU_MISBEHAVE_AFC_BAD_HEADER || mb->mode == EMU_MISBEHAVE_STALL)
    mb->start = 3;  /* past the first listing requests: the lie lands mid-session */
  else if (mb->mode == EMU_MISBEHAVE_LOCKDOWN_TRUNCATED)
    mb->start = 2;  /* QueryType and ProductVersion answered, the handshake's next reply cut */

  if (afc ? !is_afc_mode (mb->mode) : is_afc_mode (mb->mode))
    mb->mode = EMU_MISBEHAVE_OFF;
  if (g_getenv ("EMU_MISBEHAVE_DEBUG"))
    fprintf (stderr, "misbehave: %s connection: %s from reply %u\n", afc ? "AFC" : "lockdownd",
             mode_names[mb->mode], mb->start);
}

void
emu_misbehave_conn_clear (EmuMisbehaveConn *mb)
{
  g_clear_pointer (&mb->rand, g_rand_free);
}

static bool
active (EmuMisbehaveConn *mb, EmuMisbehave mode)
{
  return mb->mode == mode && mb->replies >= mb->start && mb->replies < mb->end;
}

static void
put_u64 (uint8_t *p, uint64_t v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

static uint64_t
get_u64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

/* The reply cut inside its header or header data, never in its body: a body cut short by a
 * hang-up makes libimobiledevice 1.3.0 itself read past its buffer (its receive loop adds the
 * last chunk's size again after the link failed), a bug of the library this would test
 * instead of Keepsake (see the README). */
static bool
send_half (EmuConn *conn, const uint8_t *head, size_t head_len)
{
  size_t keep = head_len > AFC_HEADER_SIZE
                ? AFC_HEADER_SIZE + (head_len - AFC_HEADER_SIZE) / 2
                : AFC_HEADER_SIZE / 2;

  return emu_conn_write_all (conn, head, keep);
}

int
emu_misbehave_afc_send (EmuMisbehaveConn *mb, EmuConn *conn,
                        uint8_t *head, size_t head_len, const void *data, size_t data_len)
{
  static const uint8_t junk[24] = "\xde\xad\xbe\xef" "not a header" "\x00\x01\x02\x03\xff\xfe\xfd\xfc";
  uint32_t n = mb->replies++;
  EmuMisbehave mode = n >= mb->start && n < mb->end ? mb->mode : EMU_MISBEHAVE_OFF;
  uint8_t bad[AFC_HEADER_SIZE + 8];

  if (mb->random && mb->replies >= mb->end)
    draw_burst (mb);  /* that was the burst's last reply */

  switch (mode)
    {
    case EMU_MISBEHAVE_AFC_TRUNCATED:
      send_half (conn, head, head_len);
      return 0;

    case EMU_MISBEHAVE_STALL:
      send_half (conn, head, head_len);
      g_usleep ((gulong) mb->stall_ms * 1000);
      return 0;

    case EMU_MISBEHAVE_AFC_OVERLONG:
      if (!emu_conn_write2 (conn, head, head_len, data, data_len))
        return 0;
      return emu_conn_write_all (conn, junk, sizeof junk);

    case EMU_MISBEHAVE_AFC_BAD_HEADER:
      g_assert (head_len <= sizeof bad);
      memcpy (bad, head, head_len);
      switch ((n - mb->start) % 4)
        {
        case 0:  /* an answer to some other request */
          put_u64 (bad + 24, get_u64 (bad + 24) + 1);
          break;
        case 1:  /* a header that claims to be shorter than a header */
          put_u64 (bad + 16, 16);
          break;
        case 2:  /* an operation no reply has */
          put_u64 (bad + 32, 0x7f);
          break;
        default: /* a status code AFC does not have, instead of the answer */
          put_u64 (bad + 8, AFC_HEADER_SIZE + 8);
          put_u64 (bad + 16, AFC_HEADER_SIZE + 8);
          put_u64 (bad + 32, AFC_OP_STATUS);
          put_u64 (bad + AFC_HEADER_SIZE, 0xdeadbeef);
          return emu_conn_write_all (conn, bad, AFC_HEADER_SIZE + 8);
        }
      return emu_conn_write2 (conn, bad, head_len, data, data_len);

    default:
      return -1;
    }
}

uint64_t
emu_misbehave_read_extra (EmuMisbehaveConn *mb)
{
  return active (mb, EMU_MISBEHAVE_READ_LONG) ? EXTRA_READ : 0;
}

size_t
emu_misbehave_read_send (EmuMisbehaveConn *mb, size_t n)
{
  /* The file pointer moved by @n, the reply carries half: the rest is skipped. */
  return active (mb, EMU_MISBEHAVE_READ_SHORT) && n >= 2 ? n / 2 : n;
}

uint64_t
emu_misbehave_file_size (EmuMisbehaveConn *mb, uint64_t size)
{
  if (!active (mb, EMU_MISBEHAVE_SIZE_CHANGE))
    return size;
  /* Listed larger than it is (it shrank), then smaller (it grew), in turn. */
  if (mb->files++ % 2 == 0 || size == 0)
    return size + SIZE_DELTA;
  return size > SIZE_DELTA ? size - SIZE_DELTA : size / 2;
}

void
emu_misbehave_listing (EmuMisbehaveConn *mb, GString *out)
{
  if (active (mb, EMU_MISBEHAVE_DIR_GARBAGE))
    {
      /* An empty name, "." again, a name nothing answers to, bytes that are no name. */
      static const char garbage[] = "\0" ".\0" "IMG_GHOST.JPG\0" "\x01\x02\xff\xfe\x7f\0";

      g_string_append_len (out, garbage, sizeof garbage - 1);
    }
  else if (active (mb, EMU_MISBEHAVE_DIR_DUPLICATES))
    {
      /* Everything after "." and ".." twice. */
      size_t skip = strlen (out->str) + 1;

      skip += strlen (out->str + skip) + 1;
      if (skip < out->len)
        {
          g_autofree char *rest = g_memdup2 (out->str + skip, out->len - skip);
          size_t len = out->len - skip;

          g_string_append_len (out, rest, len);
        }
    }
}

void
emu_misbehave_lockdown_value (EmuMisbehaveConn *mb, const char *key, plist_t *value)
{
  static const char * const keys[] = { "DeviceName", "ProductVersion", "ProductType",
                                       "TotalDataCapacity", "TotalDataAvailable" };

  if (mb->mode != EMU_MISBEHAVE_LOCKDOWN_TYPES || mb->replies < mb->start || *value == NULL)
    return;

  if (key == NULL)
    {
      if (plist_get_node_type (*value) != PLIST_DICT)
        return;
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          plist_t item = plist_dict_get_item (*value, keys[i]);

          if (item != NULL)
            {
              plist_t copy = plist_copy (item);

              emu_misbehave_lockdown_value (mb, keys[i], &copy);
              plist_dict_set_item (*value, keys[i], copy);
            }
        }
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (key, keys[i]) == 0)
      {
        plist_t wrong;

        if (i == 0)
          wrong = plist_new_uint (42);                       /* a name that is a number */
        else if (i == 1)
          wrong = plist_new_data ("17.5", 4);                /* a version that is bytes */
        else if (i == 2)
          wrong = plist_new_array ();                        /* a model that is a list */
        else
          wrong = plist_new_string ("plenty");               /* a size that is text */
        plist_free (*value);
        *value = wrong;
        return;
      }
}

int
emu_misbehave_lockdown_send (EmuMisbehaveConn *mb, EmuConn *conn, plist_t reply)
{
  uint32_t n = mb->replies++;
  char *body = NULL;
  uint32_t len = 0, be_len;

  if (mb->mode != EMU_MISBEHAVE_LOCKDOWN_TRUNCATED || n < mb->start)
    return -1;

  plist_to_xml (reply, &body, &len);
  if (body == NULL)
    return 0;
  /* The whole length, half the plist, then the line goes dead. */
  be_len = GUINT32_TO_BE (len);
  emu_conn_write2 (conn, &be_len, 4, body, len / 2);
  free (body);
  return 0;
}
