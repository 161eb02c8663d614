/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_buf: appends, growth, formatting, detaching and every failure. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "failalloc.h"
#include "obs_buf.h"

static void test_empty(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;
	char *s;

	(void)state;
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	s = obs_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	assert_null(b.p);
	/* growing by nothing still gives a NUL-terminated string */
	assert_int_equal(obs_buf_grow(&b, 0), 0);
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	assert_int_equal(b.len, 0);
	assert_true(b.cap >= 1);
	obs_buf_release(&b);
	assert_null(b.p);
	assert_int_equal(b.cap, 0);
}

static void test_append(void **state)
{
	struct obs_buf b;
	char *s;

	(void)state;
	obs_buf_init(&b);
	assert_int_equal(obs_buf_add(&b, "ab\0c", 4), 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p, "ab\0c", 5);
	assert_int_equal(obs_buf_adds(&b, "de"), 0);
	assert_int_equal(obs_buf_addc(&b, 'f'), 0);
	assert_int_equal(obs_buf_add(&b, "", 0), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.p, "ab\0cdef", 8);
	assert_int_equal(b.failed, 0);
	s = obs_buf_detach(&b);
	assert_memory_equal(s, "ab\0cdef", 8);
	free(s);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

/* Many small appends and one large one: contents exact, always NUL-terminated. */
static void test_growth(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;
	char big[5000];
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(obs_buf_addc(&b, (char)('a' + i % 26)), 0);
		assert_int_equal(b.p[b.len], '\0');
		assert_true(b.cap > b.len);
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(b.p[i], 'a' + i % 26);
	memset(big, 'z', sizeof(big));
	assert_int_equal(obs_buf_add(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 6000);
	assert_int_equal(b.p[999], 'a' + 999 % 26);
	assert_int_equal(b.p[1000], 'z');
	assert_int_equal(b.p[5999], 'z');
	assert_int_equal(b.p[6000], '\0');
	obs_buf_release(&b);
}

/* Room reserved with obs_buf_grow may be written directly. */
static void test_grow_then_write(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;
	size_t cap;

	(void)state;
	assert_int_equal(obs_buf_adds(&b, "key="), 0);
	assert_int_equal(obs_buf_grow(&b, 100), 0);
	assert_true(b.cap - b.len > 100);
	cap = b.cap;
	memset(b.p + b.len, 'v', 100);
	b.len += 100;
	b.p[b.len] = '\0';
	/* room already there: no reallocation */
	assert_int_equal(obs_buf_grow(&b, 0), 0);
	assert_int_equal(b.cap, cap);
	assert_int_equal(strlen(b.p), 104);
	assert_memory_equal(b.p, "key=vvv", 7);
	obs_buf_release(&b);
}

static void test_reset(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;
	size_t cap;

	(void)state;
	obs_buf_reset(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(obs_buf_adds(&b, "hello"), 0);
	cap = b.cap;
	b.failed = 1;
	obs_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.failed, 0);
	assert_string_equal(b.p, "");
	assert_int_equal(obs_buf_adds(&b, "x"), 0);
	assert_string_equal(b.p, "x");
	obs_buf_release(&b);
}

static void test_addf(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;
	char want[400];
	char *s;

	(void)state;
	/* nothing allocated yet */
	assert_int_equal(obs_buf_addf(&b, "%s=%d", "n", 42), 0);
	assert_string_equal(b.p, "n=42");
	assert_int_equal(b.len, 4);
	/* fits in the room there is */
	assert_int_equal(obs_buf_addf(&b, "\\u%04x", 0x3c), 0);
	assert_string_equal(b.p, "n=42\\u003c");
	/* needs more room than there is */
	assert_int_equal(obs_buf_addf(&b, "[%300s]", "r"), 0);
	snprintf(want, sizeof(want), "n=42\\u003c[%300s]", "r");
	assert_string_equal(b.p, want);
	assert_int_equal(b.len, strlen(want));
	/* empty output */
	assert_int_equal(obs_buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, strlen(want));
	s = obs_buf_detach(&b);
	assert_string_equal(s, want);
	free(s);
}

/* A conversion vsnprintf refuses (a wide character the C locale cannot write). */
static void test_addf_format_error(void **state)
{
	static const wchar_t bad[] = { 0x20ac, 0 };
	struct obs_buf b = OBS_BUF_INIT;

	(void)state;
	assert_int_equal(obs_buf_adds(&b, "ok"), 0);
	assert_int_equal(obs_buf_addf(&b, "x%ls", bad), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.p, "ok");
	assert_null(obs_buf_detach(&b));
	assert_null(b.p);
	assert_int_equal(b.failed, 0);
	/* on an empty buffer too */
	assert_int_equal(obs_buf_addf(&b, "%ls", bad), -1);
	assert_int_equal(b.failed, 1);
	assert_null(obs_buf_detach(&b));
}

/* A size that cannot be represented fails without allocating. */
static void test_overflow(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;

	(void)state;
	assert_int_equal(obs_buf_adds(&b, "abc"), 0);
	assert_int_equal(obs_buf_grow(&b, SIZE_MAX), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(obs_buf_grow(&b, SIZE_MAX / 2 - 3 + 1), -1);
	assert_string_equal(b.p, "abc");
	/* later appends work, but the contents stay marked incomplete */
	assert_int_equal(obs_buf_addc(&b, 'd'), 0);
	assert_string_equal(b.p, "abcd");
	assert_null(obs_buf_detach(&b));
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.failed, 0);
}

static void test_out_of_memory(void **state)
{
	struct obs_buf b = OBS_BUF_INIT;
	char big[200];

	(void)state;
	if (!failalloc_works())
		skip();
	memset(big, 'y', sizeof(big));
	/* the first allocation */
	alloc_budget = 0;
	assert_int_equal(obs_buf_addc(&b, 'a'), -1);
	alloc_budget = -1;
	assert_int_equal(b.failed, 1);
	assert_null(b.p);
	obs_buf_reset(&b);
	/* growing an existing buffer: the contents stay, still terminated */
	assert_int_equal(obs_buf_adds(&b, "abc"), 0);
	alloc_budget = 0;
	assert_int_equal(obs_buf_add(&b, big, sizeof(big)), -1);
	assert_int_equal(obs_buf_addf(&b, "%200s", "q"), -1);
	alloc_budget = -1;
	assert_int_equal(b.len, 3);
	assert_string_equal(b.p, "abc");
	assert_null(obs_buf_detach(&b));
	/* detaching an empty buffer allocates "" */
	alloc_budget = 0;
	assert_null(obs_buf_detach(&b));
	alloc_budget = -1;
	assert_int_equal(b.failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_grow_then_write),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_addf_format_error),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
