/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_text: hex digit values, UTF-8 encoding at every length boundary, FNV-1a. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "obs_text.h"

static void test_hexval(void **state)
{
	static const char digits[] = "0123456789abcdef";
	int c;

	(void)state;
	for (c = 0; c < 16; c++) {
		assert_int_equal(obs_text_hexval(digits[c]), c);
		assert_int_equal(obs_text_hexval(digits[c] & ~0x20), c >= 10 ? c : -1);
	}
	assert_int_equal(obs_text_hexval('A'), 10);
	assert_int_equal(obs_text_hexval('F'), 15);
	/* everything else, EOF and stray high bits included */
	for (c = -1; c < 0x200; c++)
		if (!strchr("0123456789abcdefABCDEF", c) || c == 0 || c > 0xff)
			assert_int_equal(obs_text_hexval(c), -1);
	assert_int_equal(obs_text_hexval('0' + 0x100), -1);
	assert_int_equal(obs_text_hexval('a' + 0x100), -1);
	assert_int_equal(obs_text_hexval((char)0xe1), -1);
}

static void expect_utf8(uint32_t cp, const char *want)
{
	char out[4];
	size_t n = obs_text_utf8_put(cp, out);

	if (n != strlen(want) || memcmp(out, want, n) != 0)
		fail_msg("U+%04X: got %zu bytes", (unsigned)cp, n);
}

static void test_utf8_put(void **state)
{
	(void)state;
	expect_utf8(0x41, "A");
	expect_utf8(0x7f, "\x7f");
	expect_utf8(0x80, "\xc2\x80");
	expect_utf8(0xe9, "\xc3\xa9");
	expect_utf8(0x7ff, "\xdf\xbf");
	expect_utf8(0x800, "\xe0\xa0\x80");
	expect_utf8(0x20ac, "\xe2\x82\xac");
	expect_utf8(0xd800, "\xed\xa0\x80");  /* surrogates are the caller's business */
	expect_utf8(0xffff, "\xef\xbf\xbf");
	expect_utf8(0x10000, "\xf0\x90\x80\x80");
	expect_utf8(0x1f600, "\xf0\x9f\x98\x80");
	expect_utf8(0x10ffff, "\xf4\x8f\xbf\xbf");
}

/* NUL encodes as one zero byte (strlen cannot say so). */
static void test_utf8_nul(void **state)
{
	char out[4] = { 'x', 'x', 'x', 'x' };

	(void)state;
	assert_int_equal(obs_text_utf8_put(0, out), 1);
	assert_int_equal(out[0], '\0');
}

/* The published FNV-1a 64 test vectors, continuation, and the tables' seed. */
static void test_fnv1a(void **state)
{
	(void)state;
	assert_true(obs_text_fnv1a(OBS_TEXT_FNV_INIT, "", 0) == 0xcbf29ce484222325ULL);
	assert_true(obs_text_fnv1a(OBS_TEXT_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(obs_text_fnv1a(OBS_TEXT_FNV_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
	assert_true(obs_text_fnv1a(obs_text_fnv1a(OBS_TEXT_FNV_INIT, "foo", 3), "bar", 3) ==
		    0x85944171f73967e8ULL);
	assert_true(obs_text_hash("", 0) == 0x14650fb0739d0383ULL);
	assert_true(obs_text_hash("abc", 3) == 0xe16801510db89efdULL);
	/* bytes, not characters: high bytes hash as unsigned */
	assert_true(obs_text_hash("\xff", 1) == ((0x14650fb0739d0383ULL ^ 0xff) * OBS_TEXT_FNV_PRIME));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hexval),
		cmocka_unit_test(test_utf8_put),
		cmocka_unit_test(test_utf8_nul),
		cmocka_unit_test(test_fnv1a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
