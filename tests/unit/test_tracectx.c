/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_tracectx: ids, traceparent, tracestate and baggage (W3C test-suite cases). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_tracectx.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define PID "00f067aa0ba902b7"
#define TP(v, t, p, f) v "-" t "-" p "-" f

/* ---- ids and hex ----------------------------------------------------------- */

static void test_hex(void **state)
{
	const uint8_t bytes[4] = { 0x00, 0x9a, 0xff, 0x10 };
	uint8_t out[4];
	char hex[9];

	(void)state;
	obs_hex_encode(bytes, 4, hex);
	assert_string_equal(hex, "009aff10");
	assert_int_equal(obs_hex_decode("009aff10", 4, out), 0);
	assert_memory_equal(out, bytes, 4);
	assert_int_equal(obs_hex_decode("009AFF10", 4, out), -1);  /* uppercase */
	assert_int_equal(obs_hex_decode("009aff1g", 4, out), -1);
	assert_int_equal(obs_hex_decode("009a", 4, out), -1);      /* short: stops at NUL */
	assert_int_equal(obs_hex_decode("g0", 1, out), -1);
	assert_int_equal(obs_hex_decode("", 0, out), 0);
	obs_hex_encode(bytes, 0, hex);
	assert_string_equal(hex, "");
}

static void test_id_zero_and_valid(void **state)
{
	const uint8_t z[3] = { 0, 0, 0 }, nz[3] = { 0, 0, 1 };

	(void)state;
	assert_int_equal(obs_id_is_zero(z, 3), 1);
	assert_int_equal(obs_id_is_zero(nz, 3), 0);
	assert_int_equal(obs_id_is_zero(nz, 0), 1);

	assert_int_equal(obs_trace_id_valid(TID), 1);
	assert_int_equal(obs_trace_id_valid("00000000000000000000000000000000"), 0);
	assert_int_equal(obs_trace_id_valid("4BF92F3577B34DA6A3CE929D0E0E4736"), 0);
	assert_int_equal(obs_trace_id_valid("4bf92f3577b34da6a3ce929d0e0e473"), 0);
	assert_int_equal(obs_trace_id_valid("4bf92f3577b34da6a3ce929d0e0e47360"), 0);
	assert_int_equal(obs_trace_id_valid("4bf92f3577b34da6a3ce929d0e0e473x"), 0);
	assert_int_equal(obs_trace_id_valid(""), 0);
	assert_int_equal(obs_trace_id_valid(NULL), 0);

	assert_int_equal(obs_span_id_valid(PID), 1);
	assert_int_equal(obs_span_id_valid("0000000000000000"), 0);
	assert_int_equal(obs_span_id_valid("00F067AA0BA902B7"), 0);
	assert_int_equal(obs_span_id_valid("00f067aa0ba902b"), 0);
	assert_int_equal(obs_span_id_valid("00f067aa0ba902b77"), 0);
	assert_int_equal(obs_span_id_valid(TID), 0);
	assert_int_equal(obs_span_id_valid(NULL), 0);
}

static void test_random_ids(void **state)
{
	uint8_t t1[16], t2[16], s1[8], s2[8], big[1000];
	struct obs_error err = { "" };
	char hex[33];

	(void)state;
	assert_int_equal(obs_trace_id_new(t1, &err), 0);
	assert_int_equal(obs_trace_id_new(t2, &err), 0);
	assert_int_equal(obs_id_is_zero(t1, 16), 0);
	assert_memory_not_equal(t1, t2, 16);
	obs_hex_encode(t1, 16, hex);
	assert_int_equal(obs_trace_id_valid(hex), 1);

	assert_int_equal(obs_span_id_new(s1, NULL), 0);
	assert_int_equal(obs_span_id_new(s2, NULL), 0);
	assert_int_equal(obs_id_is_zero(s1, 8), 0);
	assert_memory_not_equal(s1, s2, 8);

	memset(big, 0, sizeof(big));
	assert_int_equal(obs_random_bytes(big, sizeof(big), &err), 0);
	assert_int_equal(obs_id_is_zero(big, sizeof(big)), 0);
	assert_int_equal(obs_random_bytes(big, 0, &err), 0);
	assert_string_equal(err.msg, "");
}

/* ---- traceparent ------------------------------------------------------------ */

static void expect_tp(const char *s, int want)
{
	struct obs_trace_ctx ctx;
	int got;

	memset(&ctx, 0xab, sizeof(ctx));
	got = obs_traceparent_parse(s, &ctx);
	if (got != want)
		fail_msg("traceparent '%s': got %d, want %d", s ? s : "(null)", got, want);
	if (!want) {
		struct obs_trace_ctx untouched;

		memset(&untouched, 0xab, sizeof(untouched));
		if (memcmp(&ctx, &untouched, sizeof(ctx)) != 0)
			fail_msg("traceparent '%s': ctx modified on failure", s);
	}
}

static void test_traceparent_valid(void **state)
{
	struct obs_trace_ctx ctx;
	char out[OBS_TRACEPARENT_LEN + 1];
	const uint8_t tid[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
				  0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
	const uint8_t pid[8] = { 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };

	(void)state;
	assert_int_equal(obs_traceparent_parse(TP("00", TID, PID, "01"), &ctx), 1);
	assert_memory_equal(ctx.trace_id, tid, 16);
	assert_memory_equal(ctx.span_id, pid, 8);
	assert_int_equal(ctx.flags, 0x01);
	obs_traceparent_format(&ctx, out);
	assert_string_equal(out, TP("00", TID, PID, "01"));

	assert_int_equal(obs_traceparent_parse(TP("00", TID, PID, "00"), &ctx), 1);
	assert_int_equal(ctx.flags, 0x00);
	/* Unknown flags of version 00 are kept, so the header round-trips. */
	assert_int_equal(obs_traceparent_parse(TP("00", TID, PID, "ff"), &ctx), 1);
	assert_int_equal(ctx.flags, 0xff);
	obs_traceparent_format(&ctx, out);
	assert_string_equal(out, TP("00", TID, PID, "ff"));
	assert_int_equal(obs_traceparent_parse(TP("00", TID, PID, "09"), &ctx), 1);
	assert_int_equal(ctx.flags, 0x09);
}

static void test_traceparent_ows(void **state)
{
	struct obs_trace_ctx ctx;
	char out[OBS_TRACEPARENT_LEN + 1];

	(void)state;
	expect_tp(" " TP("00", TID, PID, "01"), 1);
	expect_tp("\t" TP("00", TID, PID, "01"), 1);
	expect_tp(TP("00", TID, PID, "01") " ", 1);
	expect_tp(TP("00", TID, PID, "01") "\t", 1);
	expect_tp(" \t " TP("00", TID, PID, "01") "\t \t", 1);
	assert_int_equal(obs_traceparent_parse("  " TP("00", TID, PID, "01") "  ", &ctx), 1);
	obs_traceparent_format(&ctx, out);
	assert_string_equal(out, TP("00", TID, PID, "01"));
	/* Other whitespace is not OWS, and OWS inside is not allowed. */
	expect_tp("\n" TP("00", TID, PID, "01"), 0);
	expect_tp(TP("00", TID, PID, "01") "\r\n", 0);
	expect_tp("00 -" TID "-" PID "-01", 0);
	expect_tp("00-" TID " -" PID "-01", 0);
}

static void test_traceparent_version(void **state)
{
	(void)state;
	expect_tp(TP("ff", TID, PID, "01"), 0);
	expect_tp(TP("0A", TID, PID, "01"), 0);   /* uppercase */
	expect_tp(TP("CC", TID, PID, "01"), 0);
	expect_tp(TP(".0", TID, PID, "01"), 0);
	expect_tp(TP("0.", TID, PID, "01"), 0);
	expect_tp(TP("0g", TID, PID, "01"), 0);
	expect_tp(TP("000", TID, PID, "01"), 0);  /* too long */
	expect_tp(TP("0000", TID, PID, "01"), 0);
	expect_tp(TP("0", TID, PID, "01"), 0);    /* too short */
	expect_tp(TP("", TID, PID, "01"), 0);
	/* Version 00 is exactly 55 characters. */
	expect_tp(TP("00", TID, PID, "01") "-what-the-future-will-not-be-like", 0);
	expect_tp(TP("00", TID, PID, "01") ".what-the-future-will-not-be-like", 0);
	expect_tp(TP("00", TID, PID, "01") "-", 0);
	expect_tp(TP("00", TID, PID, "01") "0", 0);
}

static void test_traceparent_future_version(void **state)
{
	struct obs_trace_ctx ctx;
	char out[OBS_TRACEPARENT_LEN + 1];

	(void)state;
	expect_tp(TP("cc", TID, PID, "01"), 1);
	expect_tp(TP("01", TID, PID, "01"), 1);
	expect_tp(TP("fe", TID, PID, "01"), 1);
	expect_tp(TP("cc", TID, PID, "01") "-what-the-future-will-be-like", 1);
	expect_tp(TP("cc", TID, PID, "01") "-", 1);
	expect_tp(TP("cc", TID, PID, "01") "-what-the-future-will-be-like ", 1);
	expect_tp(TP("cc", TID, PID, "01") ".what-the-future-will-be-like", 0);
	expect_tp(TP("cc", TID, PID, "01") "0", 0);
	expect_tp(TP("cc", TID, PID, "0"), 0);
	expect_tp(TP("cc", "4BF92F3577B34DA6A3CE929D0E0E4736", PID, "01"), 0);
	expect_tp(TP("cc", "00000000000000000000000000000000", PID, "01"), 0);
	expect_tp(TP("cc", TID, "0000000000000000", PID), 0);
	expect_tp(TP("cc", TID, "0000000000000000", "01"), 0);
	expect_tp("cc-" TID "-" PID "-01", 1);

	/* Re-emitted as version 00, keeping the sampled bit only. */
	assert_int_equal(obs_traceparent_parse(TP("cc", TID, PID, "09") "-extra", &ctx), 1);
	assert_int_equal(ctx.flags, OBS_TRACE_FLAG_SAMPLED);
	obs_traceparent_format(&ctx, out);
	assert_string_equal(out, TP("00", TID, PID, "01"));
	assert_int_equal(obs_traceparent_parse(TP("cc", TID, PID, "fe"), &ctx), 1);
	assert_int_equal(ctx.flags, 0);
}

static void test_traceparent_trace_id(void **state)
{
	(void)state;
	expect_tp(TP("00", "00000000000000000000000000000000", PID, "01"), 0);
	expect_tp(TP("00", "4BF92F3577B34DA6A3CE929D0E0E4736", PID, "01"), 0);
	expect_tp(TP("00", "4bf92f3577b34da6a3ce929d0e0e473A", PID, "01"), 0);
	expect_tp(TP("00", ".bf92f3577b34da6a3ce929d0e0e4736", PID, "01"), 0);
	expect_tp(TP("00", "4bf92f3577b34da6a3ce929d0e0e473.", PID, "01"), 0);
	expect_tp(TP("00", "4bf92f3577b34da6a3ce929d0e0e473g", PID, "01"), 0);
	expect_tp(TP("00", "4bf92f3577b34da6a3ce929d0e0e47360", PID, "01"), 0);  /* 33 */
	expect_tp(TP("00", "4bf92f3577b34da6a3ce929d0e0e473", PID, "01"), 0);    /* 31 */
	expect_tp(TP("00", "4bf92f3577b34da6-3ce929d0e0e4736", PID, "01"), 0);
	expect_tp(TP("00", "", PID, "01"), 0);
	/* The smallest non-zero id is fine. */
	expect_tp(TP("00", "00000000000000000000000000000001", PID, "01"), 1);
}

static void test_traceparent_parent_id(void **state)
{
	(void)state;
	expect_tp(TP("00", TID, "0000000000000000", "01"), 0);
	expect_tp(TP("00", TID, "00F067AA0BA902B7", "01"), 0);
	expect_tp(TP("00", TID, "00f067aa0ba902bB", "01"), 0);
	expect_tp(TP("00", TID, ".0f067aa0ba902b7", "01"), 0);
	expect_tp(TP("00", TID, "00f067aa0ba902b.", "01"), 0);
	expect_tp(TP("00", TID, "00f067aa0ba902b77", "01"), 0);  /* 17 */
	expect_tp(TP("00", TID, "00f067aa0ba902b", "01"), 0);    /* 15 */
	expect_tp(TP("00", TID, "", "01"), 0);
	expect_tp(TP("00", TID, "0000000000000001", "01"), 1);
}

static void test_traceparent_flags(void **state)
{
	(void)state;
	expect_tp(TP("00", TID, PID, "0A"), 0);
	expect_tp(TP("00", TID, PID, "AB"), 0);
	expect_tp(TP("00", TID, PID, "0."), 0);
	expect_tp(TP("00", TID, PID, ".0"), 0);
	expect_tp(TP("00", TID, PID, "0g"), 0);
	expect_tp(TP("00", TID, PID, "001"), 0);  /* too long */
	expect_tp(TP("00", TID, PID, "0"), 0);    /* too short */
	expect_tp(TP("00", TID, PID, ""), 0);
	expect_tp(TP("00", TID, PID, "0a"), 1);
}

static void test_traceparent_structure(void **state)
{
	char s[OBS_TRACEPARENT_LEN + 1];
	int i;

	(void)state;
	expect_tp(NULL, 0);
	expect_tp("", 0);
	expect_tp("   ", 0);
	expect_tp("00", 0);
	expect_tp("00-" TID "-" PID, 0);
	expect_tp("00-" TID PID "-01", 0);
	expect_tp("00" TID "-" PID "-01", 0);
	expect_tp("00_" TID "_" PID "_01", 0);
	/* Each dash replaced, each position: only dashes may sit at 2, 35 and 52. */
	for (i = 0; i < OBS_TRACEPARENT_LEN; i++) {
		strcpy(s, TP("00", TID, PID, "01"));
		if (s[i] == '-') {
			s[i] = '0';
			expect_tp(s, 0);
			s[i] = '_';
			expect_tp(s, 0);
		} else {
			s[i] = '-';
			expect_tp(s, 0);
			s[i] = 'G';
			expect_tp(s, 0);
		}
	}
}

/* ---- tracestate ------------------------------------------------------------- */

static void expect_ts(const char *s, int want, const char *formatted)
{
	struct obs_tracestate ts;
	char *f;
	int got = obs_tracestate_parse(s, &ts);

	if (got != want)
		fail_msg("tracestate '%s': got %d, want %d", s ? s : "(null)", got, want);
	f = obs_tracestate_format(&ts);
	assert_non_null(f);
	if (strcmp(f, formatted) != 0)
		fail_msg("tracestate '%s': formatted '%s', want '%s'", s, f, formatted);
	free(f);
	obs_tracestate_release(&ts);
	assert_int_equal(ts.n, 0);
}

static void test_tracestate_basic(void **state)
{
	struct obs_tracestate ts;

	(void)state;
	assert_int_equal(obs_tracestate_parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", &ts), 1);
	assert_int_equal(ts.n, 2);
	assert_string_equal(ts.key[0], "rojo");
	assert_string_equal(ts.value[0], "00f067aa0ba902b7");
	assert_string_equal(ts.key[1], "congo");
	assert_string_equal(ts.value[1], "t61rcWkgMzE");
	obs_tracestate_release(&ts);

	expect_ts("", 1, "");
	expect_ts("foo=1", 1, "foo=1");
	expect_ts("foo=1,bar=2", 1, "foo=1,bar=2");
	expect_ts(NULL, 0, "");
}

static void test_tracestate_ows_and_empty(void **state)
{
	struct obs_tracestate ts;

	(void)state;
	expect_ts("foo=1 \t , \t bar=2, \t baz=3", 1, "foo=1,bar=2,baz=3");
	expect_ts("foo=1,\t \tbar=2", 1, "foo=1,bar=2");
	expect_ts(" foo=1 ", 1, "foo=1");
	expect_ts(",,foo=1,, ,\t,bar=2,", 1, "foo=1,bar=2");
	expect_ts(" , ", 1, "");
	expect_ts(",", 1, "");
	/* Spaces around '=' are not OWS: the key would contain one. */
	expect_ts("foo =1", 0, "");
	/* A leading space of a value is part of it; a trailing one is OWS. */
	assert_int_equal(obs_tracestate_parse("foo= 1 ,bar=  2", &ts), 1);
	assert_string_equal(ts.value[0], " 1");
	assert_string_equal(ts.value[1], "  2");
	obs_tracestate_release(&ts);
	expect_ts("foo=1\t", 1, "foo=1");
	expect_ts("foo= ", 0, "");
}

static void test_tracestate_keys(void **state)
{
	char buf[1024];

	(void)state;
	expect_ts("abcdefghijklmnopqrstuvwxyz0123456789_-*/=1", 1,
		  "abcdefghijklmnopqrstuvwxyz0123456789_-*/=1");
	expect_ts("FOO=1", 0, "");
	expect_ts("Foo=1", 0, "");
	expect_ts("foo.bar=1", 0, "");
	expect_ts("foo bar=1", 0, "");
	expect_ts("=1", 0, "");
	expect_ts("foo", 0, "");
	expect_ts("foo,bar=1", 0, "");
	expect_ts("1foo=1", 0, "");      /* simple keys start with a letter (level 1) */
	expect_ts("_foo=1", 0, "");
	expect_ts("*=1", 0, "");
	expect_ts("f=1", 1, "f=1");
	/* multi-tenant keys */
	expect_ts("fw529a3039@dt=1", 1, "fw529a3039@dt=1");
	expect_ts("1tenant@sys=1", 1, "1tenant@sys=1");
	expect_ts("t_-*/@s_-*/9=1", 1, "t_-*/@s_-*/9=1");
	expect_ts("foo@=1,bar=2", 0, "");
	expect_ts("@foo=1,bar=2", 0, "");
	expect_ts("foo@@bar=1,bar=2", 0, "");
	expect_ts("foo@bar@baz=1,bar=2", 0, "");
	expect_ts("foo@1bar=1", 0, "");
	expect_ts("_foo@bar=1", 0, "");
	expect_ts("foo@Bar=1", 0, "");

	/* simple-key: 1 to 256 characters */
	memset(buf, 'z', 256);
	strcpy(buf + 256, "=1");
	expect_ts(buf, 1, buf);
	memset(buf, 'z', 257);
	strcpy(buf + 257, "=1");
	expect_ts(buf, 0, "");
	/* tenant-id up to 241, system-id up to 14 */
	memset(buf, 't', 241);
	buf[241] = '@';
	memset(buf + 242, 'v', 14);
	strcpy(buf + 256, "=1");
	expect_ts(buf, 1, buf);
	memset(buf, 't', 242);
	strcpy(buf + 242, "@v=1");
	expect_ts(buf, 0, "");
	strcpy(buf, "t@");
	memset(buf + 2, 'v', 15);
	strcpy(buf + 17, "=1");
	expect_ts(buf, 0, "");
	buf[16] = '=';
	buf[17] = '1';
	buf[18] = '\0';
	expect_ts(buf, 1, "t@vvvvvvvvvvvvvv=1");
}

static void test_tracestate_values(void **state)
{
	char val[300], buf[400];
	int i, n = 0;

	(void)state;
	/* Every allowed character; the leading space is part of the value. */
	for (i = 0x20; i <= 0x7e; i++)
		if (i != ',' && i != '=')
			val[n++] = (char)i;
	val[n] = '\0';
	snprintf(buf, sizeof(buf), "foo=%s", val);
	expect_ts(buf, 1, buf);

	expect_ts("foo=bar=baz", 0, "");
	expect_ts("foo=,bar=3", 0, "");
	expect_ts("foo=", 0, "");
	expect_ts("foo=a\tb", 0, "");
	expect_ts("foo=a\nb", 0, "");
	expect_ts("foo=\x7f", 0, "");
	expect_ts("foo=\xc3\xa9", 0, "");

	memset(val, 'v', 256);
	val[256] = '\0';
	snprintf(buf, sizeof(buf), "foo=%s", val);
	expect_ts(buf, 1, buf);
	val[256] = 'v';
	val[257] = '\0';
	snprintf(buf, sizeof(buf), "foo=%s", val);
	expect_ts(buf, 0, "");
}

static void test_tracestate_limits_and_duplicates(void **state)
{
	char buf[1024], want[1024];
	int i, off = 0;

	(void)state;
	for (i = 0; i < 32; i++)
		off += snprintf(buf + off, sizeof(buf) - (size_t)off, "%sk%d=%d", i ? "," : "", i, i);
	expect_ts(buf, 1, buf);
	strcpy(want, buf);
	/* Empty members do not count. */
	snprintf(buf + off, sizeof(buf) - (size_t)off, ",, ,");
	expect_ts(buf, 1, want);
	snprintf(buf + off, sizeof(buf) - (size_t)off, ",k32=32");
	expect_ts(buf, 0, "");

	expect_ts("foo=1,foo=1", 0, "");
	expect_ts("foo=1,foo=2", 0, "");
	expect_ts("foo=1,bar=2,foo=3", 0, "");
	expect_ts("foo=1,fo=2,foo1=3", 1, "foo=1,fo=2,foo1=3");
}

static void test_tracestate_set(void **state)
{
	struct obs_tracestate ts;
	char *f;
	int i;

	(void)state;
	assert_int_equal(obs_tracestate_parse("", &ts), 1);
	assert_int_equal(obs_tracestate_set(&ts, "congo", "t61rcWkgMzE"), 0);
	assert_int_equal(obs_tracestate_set(&ts, "rojo", "00f067aa0ba902b7"), 0);
	f = obs_tracestate_format(&ts);
	assert_string_equal(f, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
	free(f);
	/* Updating moves the entry to the left. */
	assert_int_equal(obs_tracestate_set(&ts, "congo", "ucfJifl5GOE"), 0);
	f = obs_tracestate_format(&ts);
	assert_string_equal(f, "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
	free(f);
	assert_int_equal(obs_tracestate_set(&ts, "congo", "x"), 0);
	assert_int_equal(ts.n, 2);
	assert_string_equal(ts.value[0], "x");

	/* Invalid keys and values are refused and change nothing. */
	assert_int_equal(obs_tracestate_set(&ts, "Congo", "x"), -1);
	assert_int_equal(obs_tracestate_set(&ts, "congo", "a,b"), -1);
	assert_int_equal(obs_tracestate_set(&ts, "congo", ""), -1);
	assert_int_equal(obs_tracestate_set(&ts, "congo", "x "), -1);
	assert_int_equal(obs_tracestate_set(&ts, "", "x"), -1);
	assert_int_equal(obs_tracestate_set(&ts, NULL, "x"), -1);
	assert_int_equal(obs_tracestate_set(&ts, "a", NULL), -1);
	f = obs_tracestate_format(&ts);
	assert_string_equal(f, "congo=x,rojo=00f067aa0ba902b7");
	free(f);
	obs_tracestate_release(&ts);

	/* Full: the rightmost entry is dropped. */
	assert_int_equal(obs_tracestate_parse("", &ts), 1);
	for (i = 0; i < 32; i++) {
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(obs_tracestate_set(&ts, k, "v"), 0);
	}
	assert_int_equal(ts.n, 32);
	assert_string_equal(ts.key[0], "k31");
	assert_string_equal(ts.key[31], "k0");
	assert_int_equal(obs_tracestate_set(&ts, "new", "v"), 0);
	assert_int_equal(ts.n, 32);
	assert_string_equal(ts.key[0], "new");
	assert_string_equal(ts.key[1], "k31");
	assert_string_equal(ts.key[31], "k1");
	/* Updating an existing key when full drops nothing. */
	assert_int_equal(obs_tracestate_set(&ts, "k5", "w"), 0);
	assert_int_equal(ts.n, 32);
	assert_string_equal(ts.key[0], "k5");
	assert_string_equal(ts.value[0], "w");
	assert_string_equal(ts.key[31], "k1");
	obs_tracestate_release(&ts);
}

/* ---- baggage ---------------------------------------------------------------- */

static void expect_bg(const char *s, int want, const char *formatted)
{
	struct obs_baggage bg;
	char *f;
	int got = obs_baggage_parse(s, &bg);

	if (got != want)
		fail_msg("baggage '%s': got %d, want %d", s ? s : "(null)", got, want);
	f = obs_baggage_format(&bg);
	assert_non_null(f);
	if (strcmp(f, formatted) != 0)
		fail_msg("baggage '%s': formatted '%s', want '%s'", s, f, formatted);
	free(f);
	obs_baggage_release(&bg);
	assert_int_equal(bg.n, 0);
}

static void test_baggage_basic(void **state)
{
	struct obs_baggage bg;

	(void)state;
	assert_int_equal(obs_baggage_parse("SomeKey=SomeValue", &bg), 1);
	assert_int_equal(bg.n, 1);
	assert_string_equal(bg.key[0], "SomeKey");
	assert_string_equal(bg.value[0], "SomeValue");
	assert_null(bg.props[0]);
	obs_baggage_release(&bg);

	assert_int_equal(obs_baggage_parse("SomeKey \t = \t SomeValue \t , \t SomeKey2 \t = \t SomeValue2 \t ", &bg), 1);
	assert_int_equal(bg.n, 2);
	assert_string_equal(bg.key[0], "SomeKey");
	assert_string_equal(bg.value[0], "SomeValue");
	assert_string_equal(bg.key[1], "SomeKey2");
	assert_string_equal(bg.value[1], "SomeValue2");
	obs_baggage_release(&bg);

	/* Values may contain '='; keys may be any token. */
	assert_int_equal(obs_baggage_parse("SomeKey=SomeValue=equals", &bg), 1);
	assert_string_equal(bg.value[0], "SomeValue=equals");
	obs_baggage_release(&bg);
	expect_bg("!#$%&'*+-.^_`|~09azAZ=v", 1, "!#$%&'*+-.^_`|~09azAZ=v");

	expect_bg("userId=alice,serverNode=DF%2028,isProduction=false", 1,
		  "userId=alice,serverNode=DF%2028,isProduction=false");
	expect_bg("userId =   alice, serverNode = DF%2028 ", 1, "userId=alice,serverNode=DF%2028");
	expect_bg("k=", 1, "k=");
	expect_bg("k= ;p", 1, "k=;p");
	expect_bg("", 1, "");
	expect_bg(" \t ", 1, "");
	expect_bg(NULL, 0, "");
	/* Duplicate keys are kept, in order. */
	expect_bg("k=1,k=2", 1, "k=1,k=2");
}

static void test_baggage_properties(void **state)
{
	struct obs_baggage bg;

	(void)state;
	assert_int_equal(obs_baggage_parse("SomeKey=SomeValue;SomeProp,SomeKey2=SomeValue2;SomePropKey2=SomePropValue2", &bg), 1);
	assert_int_equal(bg.n, 2);
	assert_string_equal(bg.value[0], "SomeValue");
	assert_string_equal(bg.props[0], ";SomeProp");
	assert_string_equal(bg.value[1], "SomeValue2");
	assert_string_equal(bg.props[1], ";SomePropKey2=SomePropValue2");
	obs_baggage_release(&bg);

	assert_int_equal(obs_baggage_parse("SomeKey \t = \t SomeValue \t ; \t SomePropKey \t = \t SomePropValue", &bg), 1);
	assert_string_equal(bg.value[0], "SomeValue");
	assert_string_equal(bg.props[0], ";SomePropKey=SomePropValue");
	obs_baggage_release(&bg);

	expect_bg("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue", 1,
		  "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue");
	/* Property values are kept as they are, not decoded. */
	expect_bg("k=v;p=%20x;q=", 1, "k=v;p=%20x;q=");
	expect_bg("k=v;", 0, "");
	expect_bg("k=v; ;p", 0, "");
	expect_bg("k=v;=x", 0, "");
	expect_bg("k=v;p=\"x\"", 0, "");
	expect_bg("k=v;p q", 0, "");
	expect_bg("k=v;p=x y", 0, "");
	expect_bg("k=v;(p)", 0, "");
}

static void test_baggage_percent(void **state)
{
	struct obs_baggage bg;
	const char *value = "\t \"';=asdf!@#$%^&*()";

	(void)state;
	/* As urllib.parse.quote encodes it (the W3C reference test). */
	assert_int_equal(obs_baggage_parse("SomeKey=%09%20%22%27%3B%3Dasdf%21%40%23%24%25%5E%26%2A%28%29", &bg), 1);
	assert_string_equal(bg.value[0], value);
	obs_baggage_release(&bg);
	/* Our encoding leaves baggage-octets alone and round-trips. */
	expect_bg("SomeKey=%09%20%22%27%3B%3Dasdf%21%40%23%24%25%5E%26%2A%28%29", 1,
		  "SomeKey=%09%20%22'%3B=asdf!@#$%25^&*()");
	expect_bg("SomeKey=%09%20%22'%3B=asdf!@#$%25^&*()", 1,
		  "SomeKey=%09%20%22'%3B=asdf!@#$%25^&*()");
	expect_bg("SomeKey \t = \t %09%20x%20 \t ", 1, "SomeKey=%09%20x%20");

	/* Lowercase escapes, UTF-8, commas and backslashes. */
	assert_int_equal(obs_baggage_parse("k=caf%c3%a9%2C%5c%2c", &bg), 1);
	assert_string_equal(bg.value[0], "caf\xc3\xa9,\\,");
	obs_baggage_release(&bg);
	expect_bg("k=caf%c3%a9%2C%5c", 1, "k=caf%C3%A9%2C%5C");

	/* A '%' that starts no escape is literal. */
	assert_int_equal(obs_baggage_parse("a=50%,b=%zz,c=%4,d=%", &bg), 1);
	assert_string_equal(bg.value[0], "50%");
	assert_string_equal(bg.value[1], "%zz");
	assert_string_equal(bg.value[2], "%4");
	assert_string_equal(bg.value[3], "%");
	obs_baggage_release(&bg);
	expect_bg("a=50%", 1, "a=50%25");

	/* Invalid UTF-8 becomes U+FFFD; a NUL is refused. */
	assert_int_equal(obs_baggage_parse("k=a%FFb%C3", &bg), 1);
	assert_string_equal(bg.value[0], "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	obs_baggage_release(&bg);
	expect_bg("k=a%00b", 0, "");
	expect_bg("j=1,k=%00", 0, "");
}

static void test_percent_codec(void **state)
{
	const char *in;
	char *out = NULL;

	(void)state;
	assert_int_equal(obs_percent_decode("a%20b", 5, &out), 1);
	assert_string_equal(out, "a b");
	free(out);
	/* LEN bounds the input: "%2" is not an escape. */
	assert_int_equal(obs_percent_decode("a%20b", 3, &out), 1);
	assert_string_equal(out, "a%2");
	free(out);
	assert_int_equal(obs_percent_decode("", 0, &out), 1);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(obs_percent_decode("%00", 3, &out), 0);
	assert_null(out);
	/* overlong, surrogate, beyond U+10FFFF, truncated, stray continuation */
	in = "%C0%AF|%ED%A0%80|%F4%90%80%80|%E2%82|%80";
	assert_int_equal(obs_percent_decode(in, strlen(in), &out), 1);
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
			    "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd");
	free(out);
	/* Valid 2, 3 and 4 byte sequences pass. */
	in = "%C3%A9%E2%82%AC%F0%9F%98%80";
	assert_int_equal(obs_percent_decode(in, strlen(in), &out), 1);
	assert_string_equal(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	free(out);

	out = obs_percent_encode("a b,c;d\\e\"f%g=h\x01\x7f\xc3\xa9~!");
	assert_string_equal(out, "a%20b%2Cc%3Bd%5Ce%22f%25g=h%01%7F%C3%A9~!");
	free(out);
	out = obs_percent_encode("");
	assert_string_equal(out, "");
	free(out);
}

static void test_baggage_invalid(void **state)
{
	(void)state;
	expect_bg("=v", 0, "");
	expect_bg("k", 0, "");
	expect_bg("k v=1", 0, "");
	expect_bg("k=v v", 0, "");
	expect_bg("k=\"v\"", 0, "");
	expect_bg("k=v\\", 0, "");
	expect_bg("k=\xc3\xa9", 0, "");
	expect_bg("k(=v", 0, "");
	expect_bg("k@=v", 0, "");
	expect_bg("k/=v", 0, "");
	expect_bg("k:=v", 0, "");
	expect_bg("k=v\x01", 0, "");
	expect_bg(",k=v", 0, "");
	expect_bg("k=v,", 0, "");
	expect_bg("k=v,,k2=v2", 0, "");
	expect_bg("k=v, ,k2=v2", 0, "");
	expect_bg("good=1,bad", 0, "");
}

static void test_baggage_limits(void **state)
{
	char *buf = malloc(9000);
	int i, off = 0;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < 64; i++)
		off += sprintf(buf + off, "%sk%d=%d", i ? "," : "", i, i);
	expect_bg(buf, 1, buf);
	sprintf(buf + off, ",k64=64");
	expect_bg(buf, 0, "");

	/* 8192 bytes in all is the most. */
	memcpy(buf, "k=", 2);
	memset(buf + 2, 'v', 8190);
	buf[8192] = '\0';
	expect_bg(buf, 1, buf);
	buf[8192] = 'v';
	buf[8193] = '\0';
	expect_bg(buf, 0, "");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_id_zero_and_valid),
		cmocka_unit_test(test_random_ids),
		cmocka_unit_test(test_traceparent_valid),
		cmocka_unit_test(test_traceparent_ows),
		cmocka_unit_test(test_traceparent_version),
		cmocka_unit_test(test_traceparent_future_version),
		cmocka_unit_test(test_traceparent_trace_id),
		cmocka_unit_test(test_traceparent_parent_id),
		cmocka_unit_test(test_traceparent_flags),
		cmocka_unit_test(test_traceparent_structure),
		cmocka_unit_test(test_tracestate_basic),
		cmocka_unit_test(test_tracestate_ows_and_empty),
		cmocka_unit_test(test_tracestate_keys),
		cmocka_unit_test(test_tracestate_values),
		cmocka_unit_test(test_tracestate_limits_and_duplicates),
		cmocka_unit_test(test_tracestate_set),
		cmocka_unit_test(test_baggage_basic),
		cmocka_unit_test(test_baggage_properties),
		cmocka_unit_test(test_baggage_percent),
		cmocka_unit_test(test_percent_codec),
		cmocka_unit_test(test_baggage_invalid),
		cmocka_unit_test(test_baggage_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
