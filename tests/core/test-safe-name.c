/* test-safe-name.c
 *
 * Copyright 2026 The Keepsake authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Safe names: every hostile input gives a name all destination file systems accept. */

#include "config.h"

#include <string.h>

#include "ks-safe-name.h"

static void
assert_safe_invariants (const char *safe)
{
  const char *dot;
  glong units = 0;
  g_autofree gunichar2 *utf16 = NULL;

  g_assert_nonnull (safe);
  g_assert_cmpuint (strlen (safe), >, 0);
  g_assert_cmpuint (strlen (safe), <=, 255);
  g_assert_true (g_utf8_validate (safe, -1, NULL));
  g_assert_null (strchr (safe, '/'));
  g_assert_null (strchr (safe, '\\'));
  g_assert_cmpstr (safe, !=, ".");
  g_assert_cmpstr (safe, !=, "..");
  g_assert_true (safe[0] != '.' && safe[0] != ' ' && safe[0] != '-');
  g_assert_true (safe[strlen (safe) - 1] != '.' && safe[strlen (safe) - 1] != ' ');
  for (const char *p = safe; *p; p++)
    {
      g_assert_cmpint ((guchar) *p, >=, 0x20);
      g_assert_null (strchr ("<>:\"|?*", *p));
    }
  utf16 = g_utf8_to_utf16 (safe, -1, NULL, &units, NULL);
  g_assert_nonnull (utf16);
  g_assert_cmpint (units, <=, 255);
  (void) dot;
  /* Idempotent: a safe name stays the same. */
  g_assert_true (ks_safe_name_is_safe (safe));
}

static void
test_table (void)
{
  static const struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "IMG_0001.HEIC", "IMG_0001.HEIC" },
    { "../x", "_._x" },
    { "..", "_" },
    { ".", "_" },
    { "", "_" },
    { "/abs", "_abs" },
    { "a/b", "a_b" },
    { "a\\b", "a_b" },
    { "a:b*c?.JPG", "a_b_c_.JPG" },
    { "<>\"|", "____" },
    { "tab\there\nnl", "tab_here_nl" },
    { "del\x7f", "del_" },
    { "CON", "_CON" },
    { "con.jpg", "_con.jpg" },
    { "CON.JPG", "_CON.JPG" },
    { "Com1.tar.gz", "_Com1.tar.gz" },
    { "LPT9", "_LPT9" },
    { "CONSOLE.JPG", "CONSOLE.JPG" },
    { "COM10", "COM10" },
    { "name. ", "name" },
    { "name...", "name" },
    { "  lead", "lead" },
    { ".hidden", "_hidden" },
    { ".keepsake", "_keepsake" },
    { "-rf", "_rf" },
    { "IMG\xff" "1.JPG", "IMG%FF1.JPG" },
    { "\xc3\x28.png", "%C3(.png" },
    { "caf\xc3\xa9.jpg", "caf\xc3\xa9.jpg" },
    { "IMG_\xe2\x80\xaegpj.exe", "IMG__gpj.exe" },
    { "c1\xc2\x85x", "c1_x" },
    { "\xf0\x9f\x93\xb7 photo.heic", "\xf0\x9f\x93\xb7 photo.heic" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = ks_safe_name_make (cases[i].in, -1);

      g_test_message ("case %u", i);
      g_assert_cmpstr (safe, ==, cases[i].out);
      assert_safe_invariants (safe);
    }
}

static void
test_embedded_nul (void)
{
  const char raw[] = { 'a', '\0', 'b', '.', 'j', 'p', 'g' };
  g_autofree char *safe = ks_safe_name_make (raw, sizeof raw);

  g_assert_cmpstr (safe, ==, "a_b.jpg");
  assert_safe_invariants (safe);
}

static void
test_long_names (void)
{
  g_autoptr(GString) ascii = g_string_new (NULL);
  g_autoptr(GString) wide = g_string_new (NULL);
  g_autoptr(GString) astral = g_string_new (NULL);
  g_autoptr(GString) invalid = g_string_new (NULL);
  g_autofree char *a = NULL;
  g_autofree char *w = NULL;
  g_autofree char *s = NULL;
  g_autofree char *inv = NULL;

  for (guint i = 0; i < 300; i++)
    g_string_append_c (ascii, 'x');
  g_string_append (ascii, ".HEIC");
  a = ks_safe_name_make (ascii->str, -1);
  assert_safe_invariants (a);
  g_assert_cmpuint (strlen (a), ==, 255);
  g_assert_true (g_str_has_suffix (a, "x.HEIC"));

  /* 3-byte characters: the byte limit binds, the cut stays on a boundary. */
  for (guint i = 0; i < 200; i++)
    g_string_append (wide, "\xe6\x97\xa5");
  g_string_append (wide, ".jpg");
  w = ks_safe_name_make (wide->str, -1);
  assert_safe_invariants (w);
  g_assert_true (g_str_has_suffix (w, "\xe6\x97\xa5.jpg"));
  g_assert_cmpuint (strlen (w), <=, 255);
  g_assert_cmpuint (strlen (w), >, 245);

  /* 4-byte characters are 2 UTF-16 units each. */
  for (guint i = 0; i < 100; i++)
    g_string_append (astral, "\xf0\x9f\x93\xb7");
  g_string_append (astral, ".mov");
  s = ks_safe_name_make (astral->str, -1);
  assert_safe_invariants (s);
  g_assert_true (g_str_has_suffix (s, ".mov"));

  /* Invalid bytes triple in length when escaped; still within limits. */
  for (guint i = 0; i < 250; i++)
    g_string_append_c (invalid, '\xfe');
  inv = ks_safe_name_make (invalid->str, -1);
  assert_safe_invariants (inv);
  g_assert_true (g_str_has_prefix (inv, "%FE%FE"));
}

static void
test_never_crashes_on_random_bytes (void)
{
  GRand *rand = g_rand_new_with_seed (4242);

  for (guint round = 0; round < 2000; round++)
    {
      guint len = g_rand_int_range (rand, 0, 400);
      g_autofree char *raw = g_malloc (len + 1);
      g_autofree char *safe = NULL;

      for (guint i = 0; i < len; i++)
        raw[i] = (char) g_rand_int_range (rand, 0, 256);
      raw[len] = '\0';

      safe = ks_safe_name_make (raw, len);
      assert_safe_invariants (safe);
    }

  g_rand_free (rand);
}

static void
test_casefold_key (void)
{
  g_autofree char *a = ks_safe_name_casefold_key ("IMG_0001.JPG");
  g_autofree char *b = ks_safe_name_casefold_key ("img_0001.jpg");
  g_autofree char *c = ks_safe_name_casefold_key ("IMG_0002.JPG");
  /* é composed vs e + combining acute: the same name on APFS. */
  g_autofree char *d = ks_safe_name_casefold_key ("Caf\xc3\xa9.jpg");
  g_autofree char *e = ks_safe_name_casefold_key ("CAFE\xcc\x81.JPG");
  g_autofree char *f = ks_safe_name_casefold_key ("STRASSE.jpg");
  g_autofree char *g = ks_safe_name_casefold_key ("stra\xc3\x9f" "e.jpg");

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (d, ==, e);
  g_assert_cmpstr (f, ==, g);
}

static void
test_counter (void)
{
  static const struct {
    const char *in;
    guint n;
    const char *out;
  } cases[] = {
    { "IMG_1234.HEIC", 2, "IMG_1234 (2).HEIC" },
    { "IMG_1234.HEIC", 1, "IMG_1234.HEIC" },
    { "IMG_1234.HEIC", 0, "IMG_1234.HEIC" },
    { "README", 3, "README (3)" },
    { "a.tar.gz", 10, "a.tar (10).gz" },
  };
  g_autoptr(GString) longname = g_string_new (NULL);
  g_autofree char *numbered = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = ks_safe_name_add_counter (cases[i].in, cases[i].n);
      g_assert_cmpstr (out, ==, cases[i].out);
    }

  for (guint i = 0; i < 250; i++)
    g_string_append_c (longname, 'y');
  g_string_append (longname, ".JPG");
  numbered = ks_safe_name_add_counter (longname->str, 12);
  assert_safe_invariants (numbered);
  g_assert_true (g_str_has_suffix (numbered, "y (12).JPG"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Keepsake/SafeName/table", test_table);
  g_test_add_func ("/Keepsake/SafeName/embedded-nul", test_embedded_nul);
  g_test_add_func ("/Keepsake/SafeName/long-names", test_long_names);
  g_test_add_func ("/Keepsake/SafeName/random-bytes", test_never_crashes_on_random_bytes);
  g_test_add_func ("/Keepsake/SafeName/casefold-key", test_casefold_key);
  g_test_add_func ("/Keepsake/SafeName/counter", test_counter);

  return g_test_run ();
}
