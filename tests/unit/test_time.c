/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_time: RFC 3339 and Unix time parsing, formatting, durations, days. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obs_time.h"

#define S OBS_NS_PER_SEC

static void expect_time(const char *s, int64_t want)
{
	struct obs_error err = { "" };
	int64_t got = 12345;

	if (obs_time_parse(s, &got, &err) != 0)
		fail_msg("'%s' refused: %s", s, err.msg);
	if (got != want)
		fail_msg("'%s': got %lld, want %lld", s, (long long)got, (long long)want);
}

static void expect_time_error(const char *s, const char *msg)
{
	struct obs_error err = { "" };
	int64_t got = 12345;

	if (obs_time_parse(s, &got, &err) != -1)
		fail_msg("'%s' accepted as %lld", s, (long long)got);
	assert_int_equal(got, 12345);
	assert_string_equal(err.msg, msg);
}

static void expect_duration(const char *s, int64_t want)
{
	struct obs_error err = { "" };
	int64_t got = -1;

	if (obs_duration_parse(s, &got, &err) != 0)
		fail_msg("'%s' refused: %s", s, err.msg);
	if (got != want)
		fail_msg("'%s': got %lld, want %lld", s, (long long)got, (long long)want);
}

static void expect_duration_error(const char *s, const char *msg)
{
	struct obs_error err = { "" };
	int64_t got = -1;

	if (obs_duration_parse(s, &got, &err) != -1)
		fail_msg("'%s' accepted as %lld", s, (long long)got);
	assert_int_equal(got, -1);
	assert_string_equal(err.msg, msg);
}

static void expect_format(int64_t ns, const char *want)
{
	char buf[OBS_TIME_BUFSZ];
	size_t n = obs_time_format(ns, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void expect_dformat(int64_t ns, const char *want)
{
	char buf[64];
	size_t n = obs_duration_format(ns, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* Values computed independently with Python's datetime. */
static void test_rfc3339_known(void **state)
{
	(void)state;
	expect_time("1970-01-01T00:00:00Z", 0);
	expect_time("1970-01-01T00:00:00-00:00", 0);
	expect_time("1970-01-01T00:00:00+00:00", 0);
	expect_time("2000-02-29T00:00:00Z", 951782400 * S);
	expect_time("2024-02-29T12:00:00Z", 1709208000 * S);
	expect_time("2026-11-24T21:45:03Z", 1795556703 * S);
	expect_time("2026-11-24T21:45:03.5Z", 1795556703 * S + 500000000);
	expect_time("2026-11-24T21:45:03+05:30", 1795536903 * S);
	expect_time("1969-12-31T23:59:59Z", -1 * S);
	expect_time("1969-12-31T23:59:59.999999999Z", -1);
	expect_time("1900-03-01T00:00:00Z", -2203891200LL * S);
	expect_time("1677-09-22T00:00:00Z", -9223286400LL * S);
	expect_time("2262-04-11T00:00:00Z", 9223286400LL * S);
	/* The extremes of int64 nanoseconds. */
	expect_time("2262-04-11T23:47:16.854775807Z", INT64_MAX);
	expect_time("1677-09-21T00:12:43.145224192Z", INT64_MIN);
}

static void test_rfc3339_forms(void **state)
{
	(void)state;
	/* Lower-case t and z, a space for T, a date alone. */
	expect_time("2026-11-24t21:45:03z", 1795556703 * S);
	expect_time("2026-11-24 21:45:03Z", 1795556703 * S);
	expect_time("2026-11-24", 1795478400 * S);
	expect_time("2000-02-29", 951782400 * S);
	/* Offsets crossing midnight, both ways, and a year boundary. */
	expect_time("2026-11-24T23:30:00-02:00", 1795570200 * S);
	expect_time("2026-11-25T01:30:00Z", 1795570200 * S);
	expect_time("2026-01-01T00:30:00+01:00", 1767223800 * S);
	expect_time("2025-12-31T23:30:00Z", 1767223800 * S);
	expect_time("2026-11-24T00:00:00+23:59", 1795478400 * S - (23 * 3600 + 59 * 60) * S);
}

static void test_rfc3339_fraction(void **state)
{
	(void)state;
	expect_time("1970-01-01T00:00:00.1Z", 100000000);
	expect_time("1970-01-01T00:00:00.000000001Z", 1);
	expect_time("1970-01-01T00:00:00.123456789Z", 123456789);
	/* More than 9 digits: truncated to nanoseconds. */
	expect_time("1970-01-01T00:00:00.1234567891Z", 123456789);
	expect_time("1970-01-01T00:00:00.999999999999999Z", 999999999);
	expect_time("1970-01-01T00:00:00.0000000009Z", 0);
	expect_time("1970-01-01T01:00:00.5+01:00", 500000000);
}

static void test_rfc3339_leap_second(void **state)
{
	char buf[OBS_TIME_BUFSZ];
	int64_t ns;

	(void)state;
	/* :60 is the last nanosecond of its minute. */
	expect_time("2016-12-31T23:59:60Z", 1483228799 * S + 999999999);
	expect_time("2016-12-31T23:59:60.5Z", 1483228799 * S + 999999999);
	assert_int_equal(obs_time_parse("2016-12-31T23:59:60Z", &ns, NULL), 0);
	obs_time_format(ns, buf, sizeof(buf));
	assert_string_equal(buf, "2016-12-31T23:59:59.999999999Z");
}

static void test_rfc3339_leap_years(void **state)
{
	(void)state;
	expect_time("2000-02-29T00:00:00Z", 951782400 * S);
	expect_time("2024-02-29T00:00:00Z", 1709164800 * S);
	expect_time("1904-02-29T00:00:00Z", -2077747200LL * S);
	expect_time_error("1900-02-29T00:00:00Z",
			  "invalid time '1900-02-29T00:00:00Z': day out of range");
	expect_time_error("2100-02-29", "invalid time '2100-02-29': day out of range");
	expect_time_error("2023-02-29", "invalid time '2023-02-29': day out of range");
	expect_time_error("2024-02-30", "invalid time '2024-02-30': day out of range");
	expect_time_error("2026-04-31", "invalid time '2026-04-31': day out of range");
	expect_time_error("2026-06-31", "invalid time '2026-06-31': day out of range");
	expect_time_error("2026-09-31", "invalid time '2026-09-31': day out of range");
	expect_time_error("2026-11-31", "invalid time '2026-11-31': day out of range");
	expect_time_error("2026-12-32", "invalid time '2026-12-32': day out of range");
	expect_time_error("2026-01-00", "invalid time '2026-01-00': day out of range");
	expect_time("2026-01-31", 1769817600 * S);
	expect_time("2026-03-31", 1774915200 * S);
}

static void test_rfc3339_errors(void **state)
{
	char longs[300];
	char want[400];

	(void)state;
	expect_time_error("2026-13-01", "invalid time '2026-13-01': month out of range");
	expect_time_error("2026-00-01", "invalid time '2026-00-01': month out of range");
	expect_time_error("2026-11-24T24:00:00Z",
			  "invalid time '2026-11-24T24:00:00Z': hour out of range");
	expect_time_error("2026-11-24T23:60:00Z",
			  "invalid time '2026-11-24T23:60:00Z': minute out of range");
	expect_time_error("2026-11-24T23:59:61Z",
			  "invalid time '2026-11-24T23:59:61Z': second out of range");
	expect_time_error("2026-11-24T00:00:00+24:00",
			  "invalid time '2026-11-24T00:00:00+24:00': time zone offset out of range");
	expect_time_error("2026-11-24T00:00:00-01:60",
			  "invalid time '2026-11-24T00:00:00-01:60': time zone offset out of range");
	expect_time_error("2026-11-24T21:45:03",
			  "invalid time '2026-11-24T21:45:03': missing time zone ('Z' or +HH:MM)");
	expect_time_error("2026-11-24T21:45:03.5",
			  "invalid time '2026-11-24T21:45:03.5': missing time zone ('Z' or +HH:MM)");
	expect_time_error("x", "invalid time 'x': expected RFC 3339 or a Unix timestamp");
	expect_time_error("", "invalid time '': empty");
	expect_time_error("2026-11-24T21:45Z",
			  "invalid time '2026-11-24T21:45Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24X21:45:03Z",
			  "invalid time '2026-11-24X21:45:03Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:03ZZ",
			  "invalid time '2026-11-24T21:45:03ZZ': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:03.Z",
			  "invalid time '2026-11-24T21:45:03.Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:03,5Z",
			  "invalid time '2026-11-24T21:45:03,5Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:03+0200",
			  "invalid time '2026-11-24T21:45:03+0200': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:03+02",
			  "invalid time '2026-11-24T21:45:03+02': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:03+02:0",
			  "invalid time '2026-11-24T21:45:03+02:0': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:4:03Z",
			  "invalid time '2026-11-24T21:4:03Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T2:45:03Z",
			  "invalid time '2026-11-24T2:45:03Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T21:45:0Z",
			  "invalid time '2026-11-24T21:45:0Z': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-1-24", "invalid time '2026-1-24': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-2", "invalid time '2026-11-2': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11/24", "invalid time '2026-11/24': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24T", "invalid time '2026-11-24T': expected RFC 3339 or a Unix timestamp");
	expect_time_error(" 2026-11-24", "invalid time ' 2026-11-24': expected RFC 3339 or a Unix timestamp");
	expect_time_error("2026-11-24 ", "invalid time '2026-11-24 ': expected RFC 3339 or a Unix timestamp");
	expect_time_error("+2026-11-24", "invalid time '+2026-11-24': expected RFC 3339 or a Unix timestamp");
	/* Beyond int64 nanoseconds: year 9999 is valid RFC 3339 but not representable. */
	expect_time_error("9999-12-31T23:59:59Z",
			  "invalid time '9999-12-31T23:59:59Z': out of range (1677-09-21 to 2262-04-11)");
	expect_time_error("0000-01-01",
			  "invalid time '0000-01-01': out of range (1677-09-21 to 2262-04-11)");
	expect_time_error("2262-04-11T23:47:16.854775808Z",
			  "invalid time '2262-04-11T23:47:16.854775808Z': out of range (1677-09-21 to 2262-04-11)");
	expect_time_error("1677-09-21T00:12:43.145224191Z",
			  "invalid time '1677-09-21T00:12:43.145224191Z': out of range (1677-09-21 to 2262-04-11)");
	/* Long input is cut in the message. */
	memset(longs, 'a', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	snprintf(want, sizeof(want), "invalid time '%.128s...': expected RFC 3339 or a Unix timestamp",
		 longs);
	expect_time_error(longs, want);
}

static void test_unix(void **state)
{
	(void)state;
	expect_time("0", 0);
	expect_time("1700000000", 1700000000 * S);
	expect_time("1700000000.5", 1700000000 * S + 500000000);
	expect_time("1700000000.123456789", 1700000000 * S + 123456789);
	expect_time("1700000000.1234567899", 1700000000 * S + 123456789);
	expect_time("86400", 86400 * S);
}

static void test_unix_units(void **state)
{
	(void)state;
	/* Seconds below 1e11, ms below 1e14, us below 1e17, else ns. */
	expect_time("1700000000000", 1700000000 * S);
	expect_time("1700000000123", 1700000000 * S + 123000000);
	expect_time("1700000000123.5", 1700000000 * S + 123500000);
	expect_time("1700000000000000", 1700000000 * S);
	expect_time("1700000000123456", 1700000000 * S + 123456000);
	expect_time("1700000000123456.7", 1700000000 * S + 123456700);
	expect_time("1700000000123456789", 1700000000 * S + 123456789);
	expect_time("1700000000123456789.9", 1700000000 * S + 123456789);
	expect_time("100000000000", 100000000000LL * 1000000);       /* 1e11: ms */
	expect_time("9223372036854", 9223372036854LL * 1000000);     /* ms */
	expect_time_error("99999999999999", "invalid time '99999999999999': out of range");
	expect_time("100000000000000", 100000000000000LL * 1000);    /* 1e14: us */
	expect_time("100000000000000000", 100000000000000000LL);     /* 1e17: ns */
	expect_time("9223372036854775807", INT64_MAX);
	expect_time("0001", 1 * S);
	expect_time("9223372036", 9223372036LL * S);
	expect_time("9223372036.854775807", INT64_MAX);
	expect_time_error("9223372036.854775808",
			  "invalid time '9223372036.854775808': out of range");
	expect_time_error("9223372037", "invalid time '9223372037': out of range");
	expect_time_error("99999999999", "invalid time '99999999999': out of range");
	expect_time_error("9223372036854775808",
			  "invalid time '9223372036854775808': out of range");
	expect_time_error("99999999999999999999999",
			  "invalid time '99999999999999999999999': out of range");
	expect_time_error("-5", "invalid time '-5': negative Unix timestamps are not supported");
	expect_time_error("-1.5", "invalid time '-1.5': negative Unix timestamps are not supported");
	expect_time_error("-", "invalid time '-': expected RFC 3339 or a Unix timestamp");
	expect_time_error("-5x", "invalid time '-5x': expected RFC 3339 or a Unix timestamp");
	expect_time_error("1.", "invalid time '1.': expected RFC 3339 or a Unix timestamp");
	expect_time_error(".5", "invalid time '.5': expected RFC 3339 or a Unix timestamp");
	expect_time_error("1.5.5", "invalid time '1.5.5': expected RFC 3339 or a Unix timestamp");
	expect_time_error("1e9", "invalid time '1e9': expected RFC 3339 or a Unix timestamp");
	expect_time_error("1700000000 ", "invalid time '1700000000 ': expected RFC 3339 or a Unix timestamp");
	expect_time_error("12:00", "invalid time '12:00': expected RFC 3339 or a Unix timestamp");
}

static void test_parse_n(void **state)
{
	const char *s = "2026-11-24T21:45:03Zgarbage";
	struct obs_error err;
	int64_t ns;

	(void)state;
	assert_int_equal(obs_time_parse_n(s, 20, &ns, &err), 0);
	assert_int_equal(ns, 1795556703 * S);
	assert_int_equal(obs_time_parse_n(s, 10, &ns, &err), 0);
	assert_int_equal(ns, 1795478400 * S);
	assert_int_equal(obs_time_parse_n("17000000009", 10, &ns, &err), 0);
	assert_int_equal(ns, 1700000000 * S);
	assert_int_equal(obs_time_parse_n(s, 19, &ns, &err), -1);
	assert_string_equal(err.msg,
			    "invalid time '2026-11-24T21:45:03': missing time zone ('Z' or +HH:MM)");
	/* Embedded NUL: garbage, not an early end. */
	assert_int_equal(obs_time_parse_n("1700\0000", 6, &ns, &err), -1);
	assert_int_equal(obs_time_parse_n("2026-11-24T21:45:03\0", 20, &ns, &err), -1);
	/* err may be NULL. */
	assert_int_equal(obs_time_parse_n("x", 1, &ns, NULL), -1);
}

static void test_format(void **state)
{
	char small[8];
	size_t n;

	(void)state;
	expect_format(0, "1970-01-01T00:00:00.000000000Z");
	expect_format(1, "1970-01-01T00:00:00.000000001Z");
	expect_format(-1, "1969-12-31T23:59:59.999999999Z");
	expect_format(-S, "1969-12-31T23:59:59.000000000Z");
	expect_format(1795556703 * S + 500000000, "2026-11-24T21:45:03.500000000Z");
	expect_format(951782400 * S, "2000-02-29T00:00:00.000000000Z");
	expect_format(951782400 * S - 1, "2000-02-28T23:59:59.999999999Z");
	expect_format(-2203891200LL * S - 1, "1900-02-28T23:59:59.999999999Z");
	expect_format(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
	expect_format(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
	/* snprintf semantics: the full length is returned, the output cut. */
	n = obs_time_format(0, small, sizeof(small));
	assert_int_equal(n, 30);
	assert_string_equal(small, "1970-01");
}

static uint64_t lcg_state = 0x9e3779b97f4a7c15ULL;

static uint64_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return lcg_state;
}

static void round_trip(int64_t ns)
{
	char buf[OBS_TIME_BUFSZ];
	struct obs_error err;
	int64_t back;

	obs_time_format(ns, buf, sizeof(buf));
	if (obs_time_parse(buf, &back, &err) != 0)
		fail_msg("%lld -> '%s' refused: %s", (long long)ns, buf, err.msg);
	if (back != ns)
		fail_msg("%lld -> '%s' -> %lld", (long long)ns, buf, (long long)back);
}

static void test_round_trip(void **state)
{
	static const int64_t edges[] = {
		0, 1, -1, S, -S, 86400 * S, -86400 * S, 86400 * S - 1, -86400 * S + 1,
		951782400 * S, 951782400 * S - 1, -2203891200LL * S, INT64_MAX, INT64_MIN,
		INT64_MAX - 1, INT64_MIN + 1, 253402300799LL, -62135596800LL,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		round_trip(edges[i]);
	for (i = 0; i < 200000; i++)
		round_trip((int64_t)lcg());
	/* Whole seconds, the common case. */
	for (i = 0; i < 20000; i++)
		round_trip(((int64_t)(lcg() % 18446744073ULL) - 9223372036LL) * S);
}

/*
 * Walk every day from 1677-09-22 to 2262-04-10 and check each against a
 * calendar kept by plain counting, independent of the code under test.
 */
static void test_every_day(void **state)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = 1677, m = 9, d = 22, len;
	int64_t day, first = -106751, last = 106750;
	char buf[48], want[48];

	(void)state;
	for (day = first; day <= last; day++) {
		int64_t ns = day * 86400 * S, back;

		snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
		obs_time_day(ns, buf, sizeof(buf));
		if (strcmp(buf, want) != 0)
			fail_msg("day %lld: got %s, want %s", (long long)day, buf, want);
		obs_time_day(ns + 86400 * S - 1, buf, sizeof(buf));
		assert_string_equal(buf, want);
		assert_int_equal(obs_time_parse(want, &back, NULL), 0);
		assert_int_equal(back, ns);
		assert_int_equal(obs_time_day_start(ns + 12345), ns);
		len = dim[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
		if (++d > len) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	assert_int_equal(y, 2262);
	assert_int_equal(m, 4);
	assert_int_equal(d, 11);
}

static void test_day(void **state)
{
	char buf[11], tiny[5];

	(void)state;
	obs_time_day(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01");
	obs_time_day(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31");
	obs_time_day(1795556703 * S, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24");
	obs_time_day(INT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "2262-04-11");
	obs_time_day(INT64_MIN, buf, sizeof(buf));
	assert_string_equal(buf, "1677-09-21");
	obs_time_day(0, tiny, sizeof(tiny));
	assert_string_equal(tiny, "1970");

	assert_int_equal(obs_time_day_start(0), 0);
	assert_int_equal(obs_time_day_start(1), 0);
	assert_int_equal(obs_time_day_start(-1), -86400 * S);
	assert_int_equal(obs_time_day_start(-86400 * S), -86400 * S);
	assert_int_equal(obs_time_day_start(-86400 * S - 1), -2 * 86400 * S);
	assert_int_equal(obs_time_day_start(1795556703 * S), 1795478400 * S);
	assert_int_equal(obs_time_day_start(INT64_MAX), 9223286400LL * S);
	/* The first day starts before the range: clamped. */
	assert_int_equal(obs_time_day_start(INT64_MIN), INT64_MIN);
	assert_int_equal(obs_time_day_start(-9223286400LL * S), -9223286400LL * S);
	assert_int_equal(obs_time_day_start(-9223286400LL * S - 1), INT64_MIN);
}

static void test_now(void **state)
{
	struct timespec ts;
	int64_t before, now, after, m1, m2;

	(void)state;
	setenv("OBS_FAKE_TIME", "2026-11-24T21:45:03.25Z", 1);
	assert_int_equal(obs_time_now(), 1795556703 * S + 250000000);
	setenv("OBS_FAKE_TIME", "1700000000", 1);
	assert_int_equal(obs_time_now(), 1700000000 * S);

	/* Invalid or empty: the real clock. */
	setenv("OBS_FAKE_TIME", "tomorrow", 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	before = ts.tv_sec * S + ts.tv_nsec;
	now = obs_time_now();
	clock_gettime(CLOCK_REALTIME, &ts);
	after = ts.tv_sec * S + ts.tv_nsec;
	assert_true(now >= before && now <= after);
	setenv("OBS_FAKE_TIME", "", 1);
	now = obs_time_now();
	assert_true(now >= before);
	unsetenv("OBS_FAKE_TIME");
	now = obs_time_now();
	assert_true(now >= before);
	assert_true(now < before + 60 * S);

	m1 = obs_time_monotonic();
	m2 = obs_time_monotonic();
	assert_true(m1 > 0);
	assert_true(m2 >= m1);
}

static void test_duration_units(void **state)
{
	(void)state;
	expect_duration("1ns", 1);
	expect_duration("1us", 1000);
	expect_duration("1\xc2\xb5s", 1000);   /* micro sign */
	expect_duration("1\xce\xbcs", 1000);   /* Greek mu */
	expect_duration("1ms", 1000000);
	expect_duration("1s", S);
	expect_duration("1m", 60 * S);
	expect_duration("1h", 3600 * S);
	expect_duration("1d", 86400 * S);
	expect_duration("1w", 7 * 86400 * S);
	expect_duration("250ms", 250000000);
	expect_duration("1h30m", 5400 * S);
	expect_duration("7d", 7 * 86400 * S);
	expect_duration("2w", 14 * 86400 * S);
	expect_duration("1w2d3h4m5s6ms7us8ns",
			((((9 * 24 + 3) * 60 + 4) * 60 + 5) * S) + 6000000 + 7000 + 8);
	expect_duration("1m1m", 120 * S);
	expect_duration("0", 0);
	expect_duration("0s", 0);
	expect_duration("000ms", 0);
	expect_duration("30", 30 * S);
	expect_duration("1.5", 1500000000);
}

static void test_duration_fraction(void **state)
{
	(void)state;
	expect_duration("1.5h", 5400 * S);
	expect_duration("1.5s", 1500000000);
	expect_duration("0.5ms", 500000);
	expect_duration("2.5us", 2500);
	expect_duration("1.5ns", 1);
	expect_duration("0.1s", 100000000);
	expect_duration("1.0000000001s", S);
	expect_duration("0.999999999999s", 999999999);
	/* Exact floor of 1/3 hour: 1200 s minus a fraction of a ns. */
	expect_duration("0.333333333333333333333h", 1199999999999);
	expect_duration("0.5w", 302400 * S);
	expect_duration("1.25d", 108000 * S);
	expect_duration("1.5h30m", 7200 * S);
}

static void test_duration_errors(void **state)
{
	char longs[300], want[400];

	(void)state;
	expect_duration_error("", "invalid duration '': empty");
	expect_duration_error("-5s", "invalid duration '-5s': negative durations are not allowed");
	expect_duration_error("5x", "invalid duration '5x': unknown unit 'x'");
	expect_duration_error("5S", "invalid duration '5S': unknown unit 'S'");
	expect_duration_error("5sec", "invalid duration '5sec': unknown unit 'sec'");
	expect_duration_error("5mss", "invalid duration '5mss': unknown unit 'mss'");
	expect_duration_error("5s.5", "invalid duration '5s.5': expected a number");
	expect_duration_error("5 s", "invalid duration '5 s': unknown unit ' s'");
	expect_duration_error("5years", "invalid duration '5years': unknown unit 'years'");
	expect_duration_error("h", "invalid duration 'h': expected a number");
	expect_duration_error(" 5s", "invalid duration ' 5s': expected a number");
	expect_duration_error("5s ", "invalid duration '5s ': unknown unit 's '");
	expect_duration_error("+5s", "invalid duration '+5s': expected a number");
	expect_duration_error(".5s", "invalid duration '.5s': expected a number");
	expect_duration_error("5.s", "invalid duration '5.s': expected digits after '.'");
	expect_duration_error("5.", "invalid duration '5.': expected digits after '.'");
	expect_duration_error("1h30", "invalid duration '1h30': missing unit after '30'");
	expect_duration_error("1h0.5", "invalid duration '1h0.5': missing unit after '0.5'");
	expect_duration_error("1h-5m", "invalid duration '1h-5m': unknown unit 'h-'");
	expect_duration_error("now", "invalid duration 'now': expected a number");
	/* Overflow, in each place it can happen. */
	expect_duration("9223372036854775807ns", INT64_MAX);
	expect_duration_error("9223372036854775808ns",
			      "duration '9223372036854775808ns' is too large");
	expect_duration_error("99999999999999999999999999s",
			      "duration '99999999999999999999999999s' is too large");
	expect_duration("106751d", 106751LL * 86400 * S);
	expect_duration_error("106752d", "duration '106752d' is too large");
	expect_duration_error("15251w", "duration '15251w' is too large");
	expect_duration_error("9223372037", "duration '9223372037' is too large");
	expect_duration_error("106751d106751d", "duration '106751d106751d' is too large");
	expect_duration_error("106751.99999d", "duration '106751.99999d' is too large");
	expect_duration_error("9223372036854775807ns1ns",
			      "duration '9223372036854775807ns1ns' is too large");
	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	snprintf(want, sizeof(want), "duration '%.128s...' is too large", longs);
	expect_duration_error(longs, want);
	longs[200] = 'x';
	snprintf(want, sizeof(want), "invalid duration '%.128s...': unknown unit 'x'", longs);
	expect_duration_error(longs, want);
	expect_duration_error("5abcdefghijklmnopqrstuvwxyz",
			      "invalid duration '5abcdefghijklmnopqrstuvwxyz': unknown unit 'abcdefghijklmnop'");
	assert_int_equal(obs_duration_parse("x", &(int64_t){ 0 }, NULL), -1);
}

static void test_duration_format(void **state)
{
	char small[4];
	size_t n;

	(void)state;
	expect_dformat(0, "0s");
	expect_dformat(1, "1ns");
	expect_dformat(850, "850ns");
	expect_dformat(999, "999ns");
	expect_dformat(1000, "1us");
	expect_dformat(1500, "1.5us");
	expect_dformat(1250, "1.25us");
	expect_dformat(1255, "1.25us");
	expect_dformat(1005, "1us");
	expect_dformat(1050, "1.05us");
	expect_dformat(12345, "12.3us");
	expect_dformat(12000, "12us");
	expect_dformat(123456, "123us");
	expect_dformat(999999, "999us");
	expect_dformat(1000000, "1ms");
	expect_dformat(1250000, "1.25ms");
	expect_dformat(12300000, "12.3ms");
	expect_dformat(12000000, "12ms");
	expect_dformat(12500000, "12.5ms");
	expect_dformat(250000000, "250ms");
	expect_dformat(999999999, "999ms");
	expect_dformat(S, "1s");
	expect_dformat(1250000000, "1.25s");
	expect_dformat(59999999999LL, "59.9s");
	expect_dformat(60 * S, "1m");
	expect_dformat(123 * S, "2m3s");
	expect_dformat(120 * S + 999999999, "2m");
	expect_dformat(3599 * S, "59m59s");
	expect_dformat(3600 * S, "1h");
	expect_dformat(3720 * S, "1h2m");
	expect_dformat(3659 * S, "1h");
	expect_dformat(86399 * S, "23h59m");
	expect_dformat(86400 * S, "1d");
	expect_dformat((3 * 86400 + 4 * 3600) * S, "3d4h");
	expect_dformat(15 * 86400 * S, "15d");
	expect_dformat(INT64_MAX, "106751d23h");
	expect_dformat(-1500000, "-1.5ms");
	expect_dformat(-1, "-1ns");
	expect_dformat(-123 * S, "-2m3s");
	expect_dformat(INT64_MIN, "-106751d23h");
	n = obs_duration_format(123 * S, small, sizeof(small));
	assert_int_equal(n, 4);
	assert_string_equal(small, "2m3");
	n = obs_duration_format(0, small, 2);
	assert_int_equal(n, 2);
	assert_string_equal(small, "0");
}

/* Formatting drops precision (3 digits, or the smaller unit): never more than 5%. */
static void duration_round_trip(int64_t d)
{
	char buf[64];
	struct obs_error err;
	int64_t back;

	obs_duration_format(d, buf, sizeof(buf));
	if (obs_duration_parse(buf, &back, &err) != 0)
		fail_msg("%lld -> '%s' refused: %s", (long long)d, buf, err.msg);
	if (back > d || d - back > d / 20)
		fail_msg("%lld -> '%s' -> %lld", (long long)d, buf, (long long)back);
}

static void test_duration_round_trip(void **state)
{
	int64_t d;
	int i, shift;

	(void)state;
	for (d = 0; d < 2000000; d += 7)
		duration_round_trip(d);
	for (i = 0; i < 100000; i++) {
		shift = (int)(lcg() % 63);
		duration_round_trip((int64_t)(lcg() >> 1) >> shift);
	}
	duration_round_trip(INT64_MAX);
	/* Exact where the format is exact. */
	expect_duration("2m3s", 123 * S);
	expect_duration("1.25ms", 1250000);
	expect_duration("106751d23h", 106751LL * 86400 * S + 23 * 3600 * S);
}

static void test_relative(void **state)
{
	const int64_t now = 1795556703 * S;
	struct obs_error err;
	int64_t ns;

	(void)state;
	assert_int_equal(obs_time_parse_relative("now", now, &ns, &err), 0);
	assert_int_equal(ns, now);
	assert_int_equal(obs_time_parse_relative("2h", now, &ns, &err), 0);
	assert_int_equal(ns, now - 7200 * S);
	assert_int_equal(obs_time_parse_relative("1h30m", now, &ns, &err), 0);
	assert_int_equal(ns, now - 5400 * S);
	assert_int_equal(obs_time_parse_relative("1.5d", now, &ns, &err), 0);
	assert_int_equal(ns, now - 129600 * S);
	assert_int_equal(obs_time_parse_relative("0s", now, &ns, &err), 0);
	assert_int_equal(ns, now);
	/* A bare number is a Unix timestamp, not seconds ago. */
	assert_int_equal(obs_time_parse_relative("1700000000", now, &ns, &err), 0);
	assert_int_equal(ns, 1700000000 * S);
	assert_int_equal(obs_time_parse_relative("2026-11-24", now, &ns, &err), 0);
	assert_int_equal(ns, 1795478400 * S);
	assert_int_equal(obs_time_parse_relative("2026-11-24T21:45:03Z", now, &ns, &err), 0);
	assert_int_equal(ns, now);

	assert_int_equal(obs_time_parse_relative("2x", now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid duration '2x': unknown unit 'x'");
	assert_int_equal(obs_time_parse_relative("1h30", now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid duration '1h30': missing unit after '30'");
	assert_int_equal(obs_time_parse_relative("2026-13-01", now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid time '2026-13-01': month out of range");
	assert_int_equal(obs_time_parse_relative("yesterday", now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid time 'yesterday': expected a duration (2h), "
			    "RFC 3339, a Unix timestamp or 'now'");
	assert_int_equal(obs_time_parse_relative("", now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid time '': empty");
	assert_int_equal(obs_time_parse_relative("-5", now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid time '-5': negative Unix timestamps are not supported");
	assert_int_equal(obs_time_parse_relative("NOW", now, &ns, &err), -1);
	assert_int_equal(obs_time_parse_relative("106751d", -now, &ns, &err), -1);
	assert_string_equal(err.msg, "invalid time '106751d': too far in the past");
	assert_int_equal(obs_time_parse_relative("x", now, &ns, NULL), -1);
}

static void test_days_in_month(void **state)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int m;

	(void)state;
	for (m = 1; m <= 12; m++)
		assert_int_equal(obs_time_days_in_month(2026, m), dim[m - 1]);
	assert_int_equal(obs_time_days_in_month(2024, 2), 29);
	assert_int_equal(obs_time_days_in_month(1900, 2), 28);
	assert_int_equal(obs_time_days_in_month(2000, 2), 29);
	assert_int_equal(obs_time_days_in_month(-4, 2), 29);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_known),
		cmocka_unit_test(test_rfc3339_forms),
		cmocka_unit_test(test_rfc3339_fraction),
		cmocka_unit_test(test_rfc3339_leap_second),
		cmocka_unit_test(test_rfc3339_leap_years),
		cmocka_unit_test(test_rfc3339_errors),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_unix_units),
		cmocka_unit_test(test_parse_n),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_day),
		cmocka_unit_test(test_day),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_fraction),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_duration_round_trip),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_days_in_month),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
