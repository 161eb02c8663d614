/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_jscan: strict tokenizing and zero-copy field access. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_jscan.h"

/* The token layout obs_jscan uses (declarations only). */
#define JSMN_HEADER
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

static const char SPAN[] =
	"{\"type\":\"span\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
	"\"span_id\":\"00f067aa0ba902b7\",\"name\":\"make build\",\"service\":\"ci\","
	"\"kind\":\"internal\",\"start\":\"2026-11-24T10:00:00.000000000Z\","
	"\"end\":\"2026-11-24T10:00:01.500000000Z\",\"duration_ms\":1500.25,"
	"\"status\":\"error\",\"attributes\":{\"process.exit_code\":2,\"ok\":false,"
	"\"nested\":{\"a\":[1,2,{\"b\":3}]},\"cmd\":\"make \\\"all\\\"\"},"
	"\"events\":[],\"resource\":{\"host.name\":\"box\"}}";

static void parse_ok(struct obs_jscan *s, const char *line)
{
	struct obs_error err = { "" };

	if (obs_jscan_parse(s, line, strlen(line), &err) != 0)
		fail_msg("parse failed for %s: %s", line, err.msg);
}

static void expect_error(const char *line, size_t len, const char *msg)
{
	struct obs_jscan s;
	struct obs_error err = { "" };

	obs_jscan_init(&s);
	if (obs_jscan_parse(&s, line, len, &err) != -1)
		fail_msg("parse accepted %.*s", (int)len, line);
	if (strcmp(err.msg, msg))
		fail_msg("%.*s: got \"%s\", want \"%s\"", (int)len, line, err.msg, msg);
	assert_int_equal(s.ntok, 0);
	obs_jscan_release(&s);
}

static void test_span_fields(void **state)
{
	struct obs_jscan s;
	const char *str;
	size_t len;
	char buf[64];
	double d;
	int64_t i;
	int t, b;

	(void)state;
	obs_jscan_init(&s);
	parse_ok(&s, SPAN);
	assert_int_equal(obs_jscan_type(&s, 0), OBS_JSCAN_OBJECT);
	assert_int_equal(obs_jscan_size(&s, 0), 13);

	t = obs_jscan_get(&s, 0, "type");
	assert_true(obs_jscan_streq(&s, t, "span"));
	assert_false(obs_jscan_streq(&s, t, "spa"));
	assert_false(obs_jscan_streq(&s, t, "spans"));

	t = obs_jscan_get(&s, 0, "name");
	assert_int_equal(obs_jscan_string(&s, t, buf, sizeof(buf), &str, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(str, "make build", 10);
	assert_true(str > SPAN && str < SPAN + sizeof(SPAN)); /* zero-copy */

	t = obs_jscan_get(&s, 0, "duration_ms");
	assert_int_equal(obs_jscan_type(&s, t), OBS_JSCAN_NUMBER);
	assert_int_equal(obs_jscan_number(&s, t, &d), 0);
	assert_true(d == 1500.25);
	assert_int_equal(obs_jscan_int64(&s, t, &i), -1);

	/* Keys after nested values are still found: the walk skips subtrees. */
	t = obs_jscan_get(&s, 0, "resource");
	assert_int_equal(obs_jscan_type(&s, t), OBS_JSCAN_OBJECT);
	assert_true(obs_jscan_streq(&s, obs_jscan_get(&s, t, "host.name"), "box"));
	assert_int_equal(obs_jscan_get(&s, 0, "parent_span_id"), -1);
	assert_int_equal(obs_jscan_get(&s, 0, "missing"), -1);

	t = obs_jscan_get(&s, 0, "attributes");
	assert_int_equal(obs_jscan_size(&s, t), 4);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, t, "process.exit_code"), &i), 0);
	assert_int_equal(i, 2);
	assert_int_equal(obs_jscan_bool(&s, obs_jscan_get(&s, t, "ok"), &b), 0);
	assert_int_equal(b, 0);
	assert_true(obs_jscan_streq(&s, obs_jscan_get(&s, t, "cmd"), "make \"all\""));
	assert_int_equal(obs_jscan_string(&s, obs_jscan_get(&s, t, "cmd"), buf, sizeof(buf), &str, &len), 0);
	assert_ptr_equal(str, buf);
	assert_string_equal(buf, "make \"all\"");
	assert_int_equal(len, 10);
	/* A key of a nested object is not a top-level key. */
	assert_int_equal(obs_jscan_get(&s, 0, "host.name"), -1);
	assert_int_equal(obs_jscan_get(&s, 0, "a"), -1);

	t = obs_jscan_get(&s, 0, "events");
	assert_int_equal(obs_jscan_type(&s, t), OBS_JSCAN_ARRAY);
	assert_int_equal(obs_jscan_size(&s, t), 0);
	assert_int_equal(obs_jscan_child(&s, t), -1);
	obs_jscan_release(&s);
}

static void test_iterate(void **state)
{
	struct obs_jscan s;
	const char *line = "{\"a\":[1,[2,3],{\"x\":{}},\"s\"],\"b\":{\"k\":[true],\"l\":null},\"c\":0}";
	const char *keys[] = { "a", "b", "c" };
	int t, c, n;
	size_t len;
	const char *raw;

	(void)state;
	obs_jscan_init(&s);
	parse_ok(&s, line);
	n = 0;
	for (t = obs_jscan_child(&s, 0); t >= 0; t = obs_jscan_sibling(&s, 0, t)) {
		assert_true(n < 3);
		assert_true(obs_jscan_streq(&s, t, keys[n]));
		n++;
	}
	assert_int_equal(n, 3);

	c = obs_jscan_get(&s, 0, "a");
	n = 0;
	for (t = obs_jscan_child(&s, c); t >= 0; t = obs_jscan_sibling(&s, c, t))
		n++;
	assert_int_equal(n, 4);
	t = obs_jscan_child(&s, c);
	t = obs_jscan_sibling(&s, c, t);
	raw = obs_jscan_raw(&s, t, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(raw, "[2,3]", 5);
	t = obs_jscan_sibling(&s, c, t);
	raw = obs_jscan_raw(&s, t, &len);
	assert_memory_equal(raw, "{\"x\":{}}", len);
	t = obs_jscan_sibling(&s, c, t);
	raw = obs_jscan_raw(&s, t, &len);
	assert_int_equal(len, 1);
	assert_memory_equal(raw, "s", 1);
	assert_int_equal(obs_jscan_sibling(&s, c, t), -1);

	c = obs_jscan_get(&s, 0, "b");
	assert_int_equal(obs_jscan_type(&s, obs_jscan_get(&s, c, "l")), OBS_JSCAN_NULL);
	t = obs_jscan_get(&s, c, "k");
	assert_int_equal(obs_jscan_type(&s, obs_jscan_child(&s, t)), OBS_JSCAN_TRUE);
	/* Lookups through "none" and through non-objects fail quietly. */
	assert_int_equal(obs_jscan_get(&s, -1, "a"), -1);
	assert_int_equal(obs_jscan_get(&s, t, "a"), -1);
	assert_int_equal(obs_jscan_get(&s, 9999, "a"), -1);
	assert_int_equal(obs_jscan_type(&s, -1), OBS_JSCAN_NONE);
	assert_int_equal(obs_jscan_type(&s, 9999), OBS_JSCAN_NONE);
	assert_int_equal(obs_jscan_size(&s, -1), 0);
	assert_int_equal(obs_jscan_size(&s, obs_jscan_get(&s, 0, "c")), 0);
	assert_int_equal(obs_jscan_child(&s, obs_jscan_get(&s, 0, "c")), -1);
	assert_int_equal(obs_jscan_child(&s, -1), -1);
	assert_int_equal(obs_jscan_sibling(&s, -1, 1), -1);
	assert_int_equal(obs_jscan_sibling(&s, 0, -1), -1);
	assert_int_equal(obs_jscan_sibling(&s, 0, 0), -1);
	assert_int_equal(obs_jscan_sibling(&s, obs_jscan_get(&s, 0, "c"), 1), -1);
	raw = obs_jscan_raw(&s, -1, &len);
	assert_null(raw);
	assert_int_equal(len, 0);
	/* The last key's value has no sibling after it. */
	t = obs_jscan_get(&s, 0, "c");
	assert_int_equal(obs_jscan_sibling(&s, 0, t - 1), -1);
	/* A value token passed as a key at the very end. */
	assert_int_equal(obs_jscan_sibling(&s, 0, s.ntok - 1), -1);
	obs_jscan_release(&s);
}

static void test_unescape(void **state)
{
	struct obs_jscan s;
	/* é (2 bytes), € (3 bytes), 😀 via a surrogate pair, and the short escapes. */
	const char *line = "{\"k\\u0065y\":\"caf\\u00e9 \\u20ac \\ud83d\\ude00 "
			   "\\b\\f\\n\\r\\t\\/\\\\\\\"\",\"raw\":\"caf\xc3\xa9\",\"nul\":\"a\\u0000b\"}";
	const char *want = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \b\f\n\r\t/\\\"";
	char buf[64], small[8];
	const char *str;
	size_t len;
	char *dup;
	int t;

	(void)state;
	obs_jscan_init(&s);
	parse_ok(&s, line);
	t = obs_jscan_get(&s, 0, "key");   /* the key itself is escaped */
	assert_true(t > 0);
	assert_int_equal(obs_jscan_string(&s, t, buf, sizeof(buf), &str, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(buf, want);
	assert_true(obs_jscan_streq(&s, t, want));
	assert_false(obs_jscan_streq(&s, t, "caf\xc3\xa9 \xe2\x82\xac"));
	assert_false(obs_jscan_streq(&s, t, "cafe"));
	assert_int_equal(obs_jscan_string(&s, t, small, sizeof(small), &str, &len), -1);
	assert_int_equal(obs_jscan_strcpy(&s, t, small, sizeof(small)), -1);
	/* Exactly big enough: the decoded length plus the NUL. */
	{
		char *exact = malloc(strlen(want) + 1);

		assert_int_equal(obs_jscan_strcpy(&s, t, exact, strlen(want) + 1), 0);
		assert_string_equal(exact, want);
		assert_int_equal(obs_jscan_strcpy(&s, t, exact, strlen(want)), -1);
		free(exact);
	}
	dup = obs_jscan_strdup(&s, t, &len);
	assert_string_equal(dup, want);
	assert_int_equal(len, strlen(want));
	free(dup);

	/* Upper-case hex digits. */
	parse_ok(&s, "{\"u\":\"\\u00C9\\uD83D\\uDE00\"}");
	assert_true(obs_jscan_streq(&s, obs_jscan_get(&s, 0, "u"), "\xc3\x89\xf0\x9f\x98\x80"));
	parse_ok(&s, line);
	t = obs_jscan_get(&s, 0, "raw");
	assert_true(obs_jscan_streq(&s, t, "caf\xc3\xa9"));
	assert_true(obs_jscan_streq(&s, obs_jscan_get(&s, 0, "raw"), "caf\xc3\xa9"));
	assert_int_equal(obs_jscan_strcpy(&s, t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "caf\xc3\xa9");
	dup = obs_jscan_strdup(&s, t, NULL);
	assert_string_equal(dup, "caf\xc3\xa9");
	free(dup);

	t = obs_jscan_get(&s, 0, "nul");
	assert_true(obs_jscan_strneq(&s, t, "a\0b", 3));
	assert_false(obs_jscan_streq(&s, t, "a"));
	assert_int_equal(obs_jscan_string(&s, t, buf, sizeof(buf), &str, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "a\0b", 3);
	assert_true(obs_jscan_getn(&s, 0, "nul", 3) > 0);

	/* Not strings. */
	assert_int_equal(obs_jscan_string(&s, 0, buf, sizeof(buf), &str, &len), -1);
	assert_int_equal(obs_jscan_strcpy(&s, -1, buf, sizeof(buf)), -1);
	assert_null(obs_jscan_strdup(&s, 0, NULL));
	assert_false(obs_jscan_streq(&s, 0, ""));
	obs_jscan_release(&s);
}

static void test_numbers(void **state)
{
	struct obs_jscan s;
	const char *line = "{\"a\":0,\"b\":-0.5e+2,\"c\":9223372036854775807,"
			   "\"d\":-9223372036854775808,\"e\":9223372036854775808,\"f\":1E3,"
			   "\"g\":1e999,\"h\":\"1\",\"i\":true,\"j\":-12}";
	double d;
	int64_t i;
	int b;

	(void)state;
	obs_jscan_init(&s);
	parse_ok(&s, line);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "a"), &i), 0);
	assert_int_equal(i, 0);
	assert_int_equal(obs_jscan_number(&s, obs_jscan_get(&s, 0, "b"), &d), 0);
	assert_true(d == -50.0);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "c"), &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "d"), &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "e"), &i), -1);
	assert_int_equal(obs_jscan_number(&s, obs_jscan_get(&s, 0, "e"), &d), 0);
	assert_int_equal(obs_jscan_number(&s, obs_jscan_get(&s, 0, "f"), &d), 0);
	assert_true(d == 1000.0);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "f"), &i), -1);
	assert_int_equal(obs_jscan_number(&s, obs_jscan_get(&s, 0, "g"), &d), -1);
	assert_int_equal(obs_jscan_number(&s, obs_jscan_get(&s, 0, "h"), &d), -1);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "h"), &i), -1);
	assert_int_equal(obs_jscan_bool(&s, obs_jscan_get(&s, 0, "i"), &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(obs_jscan_bool(&s, obs_jscan_get(&s, 0, "j"), &b), -1);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "j"), &i), 0);
	assert_int_equal(i, -12);
	obs_jscan_release(&s);
}

static void test_valid_variants(void **state)
{
	static const char *const good[] = {
		"{}",
		" \t{ } \r\n",
		"{\"a\" : [ ] , \"b\" :{ } }",
		"{\"a\":[[[[]]]],\"b\":[{},{}]}",
		"{\"n\":[0,-0,1.0,1e5,1E-5,-1.5e+10,123456789012345678901234567890]}",
		"{\"l\":[true,false,null]}",
		"{\"u\":\"\xf4\x8f\xbf\xbf \xe0\xa0\x80 \xf0\x90\x80\x80 \xc2\x80\"}",
		"{\"dup\":1,\"dup\":2}",
	};
	struct obs_jscan s;
	size_t i;

	(void)state;
	obs_jscan_init(&s);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		parse_ok(&s, good[i]);
	obs_jscan_release(&s);
}

static void test_duplicate_first(void **state)
{
	struct obs_jscan s;
	int64_t v;

	(void)state;
	obs_jscan_init(&s);
	parse_ok(&s, "{\"dup\":1,\"dup\":2}");
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "dup"), &v), 0);
	assert_int_equal(v, 1);
	obs_jscan_release(&s);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", 0, "not a JSON object");
	expect_error("   ", 3, "not a JSON object");
	expect_error("[1,2]", 5, "not a JSON object");
	expect_error("\"s\"", 3, "not a JSON object");
	expect_error("12", 2, "not a JSON object");
	expect_error("\x7f" "ELF\x01\x02", 6, "not a JSON object");
	expect_error("{", 1, "truncated JSON");
	expect_error("{\"a\":\"xyz", 9, "truncated JSON");
	expect_error("{\"a\":[1,2}", 10, "invalid JSON at byte 10");
	expect_error("{\"a\":1}}", 8, "invalid JSON at byte 8");
	expect_error("{\"a\":1} x", 9, "invalid JSON at byte 9");
	expect_error("{\"a\":1}{\"b\":2}", 14, "invalid JSON at byte 8");
	expect_error("{\"a\":1 \"b\":2}", 13, "invalid JSON at byte 8");
	expect_error("{\"a\":1,}", 8, "invalid JSON at byte 7");
	expect_error("{,\"a\":1}", 8, "invalid JSON at byte 2");
	expect_error("{\"a\" 1}", 7, "invalid JSON at byte 6");
	expect_error("{\"a\"}", 5, "invalid JSON at byte 5");
	expect_error("{\"a\":}", 6, "invalid JSON at byte 6");
	expect_error("{\"a\"::1}", 8, "invalid JSON at byte 6");
	expect_error("{\"a\":\"b\":\"c\"}", 13, "invalid JSON at byte 9");
	expect_error("{\"a\":[1 2]}", 11, "invalid JSON at byte 9");
	expect_error("{\"a\":[,1]}", 10, "invalid JSON at byte 7");
	expect_error("{\"a\":[1,]}", 10, "invalid JSON at byte 8");
	expect_error("{1:2}", 5, "invalid JSON at byte 2");
	expect_error("{{}:1}", 6, "invalid JSON at byte 2");
	expect_error("{\"a\":tru}", 9, "invalid literal at byte 6");
	expect_error("{\"a\":nulll}", 11, "invalid literal at byte 6");
	expect_error("{\"a\":01}", 8, "invalid number at byte 6");
	expect_error("{\"a\":-}", 7, "invalid number at byte 6");
	expect_error("{\"a\":1.}", 8, "invalid number at byte 6");
	expect_error("{\"a\":1e}", 8, "invalid number at byte 6");
	expect_error("{\"a\":1e+}", 9, "invalid number at byte 6");
	expect_error("{\"a\":1:2}", 9, "invalid number at byte 6");
	expect_error("{\"a\":1x}", 8, "invalid number at byte 6");
	expect_error("{\"a\":x}", 7, "invalid JSON at byte 6");
	expect_error("{\"a\":\"\\x\"}", 10, "invalid JSON at byte 6");
	expect_error("{\"a\":\"\\u12g4\"}", 14, "invalid JSON at byte 6");
	expect_error("{\"a\":\"x\ty\"}", 11, "control character in string at byte 8");
	expect_error("{\"a\":\"\\udc00\"}", 14, "invalid \\u escape at byte 7");
	expect_error("{\"a\":\"\\ud800\"}", 14, "invalid \\u escape at byte 7");
	expect_error("{\"a\":\"\\ud800\\u0041\"}", 20, "invalid \\u escape at byte 7");
	expect_error("{\"a\":\"\\ud800xxxxxx\"}", 20, "invalid \\u escape at byte 7");
	expect_error("{\"a\":\"\xff\"}", 9, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"\xc0\xaf\"}", 10, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"\xe0\x80\xaf\"}", 11, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"\xed\xa0\x80\"}", 11, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"\xf4\x90\x80\x80\"}", 12, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"\xf0\x9f\x98\"}", 11, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"\xe2\x28\xa1\"}", 11, "invalid UTF-8 at byte 7");
	expect_error("{\"a\":\"x\0y\"}", 11, "NUL byte at byte 8");
	expect_error("{\"a\":1}\0", 8, "invalid JSON at byte 8");
	expect_error("{\"a\":\"b\"}garbage", 16, "invalid JSON at byte 10");
}

static void test_limits(void **state)
{
	struct obs_jscan s;
	struct obs_error err = { "" };
	char *line;
	size_t n = 0, i;
	int depth = OBS_JSCAN_MAX_DEPTH + 1;

	(void)state;
	/* Token limit: 100 numbers need 103 tokens (object, key, array, numbers). */
	line = malloc(1024);
	n = (size_t)sprintf(line, "{\"a\":[");
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(line + n, "%s1", i ? "," : "");
	n += (size_t)sprintf(line + n, "]}");
	obs_jscan_init(&s);
	s.max_tokens = 102;
	assert_int_equal(obs_jscan_parse(&s, line, n, &err), -1);
	assert_string_equal(err.msg, "too many tokens (more than 102)");
	s.max_tokens = 103;
	assert_int_equal(obs_jscan_parse(&s, line, n, &err), 0);
	assert_int_equal(s.ntok, 103);
	obs_jscan_release(&s);
	free(line);

	/* Growing past the initial array, then reusing it. */
	line = malloc(20000);
	n = (size_t)sprintf(line, "{\"a\":[");
	for (i = 0; i < 3000; i++)
		n += (size_t)sprintf(line + n, "%s%zu", i ? "," : "", i);
	n += (size_t)sprintf(line + n, "]}");
	obs_jscan_init(&s);
	assert_int_equal(obs_jscan_parse(&s, line, n, &err), 0);
	assert_int_equal(s.ntok, 3003);
	assert_int_equal(obs_jscan_size(&s, 2), 3000);
	parse_ok(&s, "{\"b\":1}");
	assert_int_equal(s.ntok, 3);
	obs_jscan_release(&s);
	free(line);

	/* Nesting. */
	line = malloc((size_t)depth * 2 + 16);
	n = 0;
	line[n++] = '{';
	line[n++] = '"';
	line[n++] = 'a';
	line[n++] = '"';
	line[n++] = ':';
	for (i = 0; i < (size_t)depth - 1; i++)
		line[n++] = '[';
	for (i = 0; i < (size_t)depth - 1; i++)
		line[n++] = ']';
	line[n++] = '}';
	obs_jscan_init(&s);
	assert_int_equal(obs_jscan_parse(&s, line, n, &err), -1);
	assert_string_equal(err.msg, "nesting deeper than 512");
	/* One level less is fine. */
	memmove(line + 5, line + 6, n - 6);
	n--;
	memmove(line + 5 + depth - 2, line + 5 + depth - 1, n - (5 + (size_t)depth - 1));
	n--;
	assert_int_equal(obs_jscan_parse(&s, line, n, &err), 0);
	obs_jscan_release(&s);
	free(line);

	/* err may be NULL. */
	obs_jscan_init(&s);
	assert_int_equal(obs_jscan_parse(&s, "{", 1, NULL), -1);
	obs_jscan_release(&s);
	obs_jscan_release(&s);   /* twice is harmless */
}

static void test_not_terminated(void **state)
{
	struct obs_jscan s;
	/* Parsing a prefix of a bigger buffer: the bytes after LEN are not read. */
	const char buf[] = "{\"a\":12}{\"zzz\"";
	int64_t v;

	(void)state;
	obs_jscan_init(&s);
	assert_int_equal(obs_jscan_parse(&s, buf, 8, NULL), 0);
	assert_int_equal(obs_jscan_int64(&s, obs_jscan_get(&s, 0, "a"), &v), 0);
	assert_int_equal(v, 12);
	obs_jscan_release(&s);
}

/* Canonical-looking times past the ends of int64 nanoseconds are refused, not overflowed. */
static void test_time_range(void **state)
{
	struct obs_jscan s;
	int64_t v;

	(void)state;
	obs_jscan_init(&s);
	parse_ok(&s, "{\"a\":\"4052-11-23T23:59:59.000000000Z\",\"b\":\"1001-01-01T00:00:00.000000000Z\","
		 "\"c\":\"2262-01-01T00:00:00.000000000Z\",\"d\":\"1677-12-31T00:00:00.000000000Z\","
		 "\"e\":\"2261-12-31T23:59:59.999999999Z\"}");
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "a"), &v), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "b"), &v), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "c"), &v), 0);
	assert_true(v == 9214646400000000000LL);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "d"), &v), 0);
	assert_true(v == -9214646400000000000LL);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "e"), &v), 0);
	assert_true(v == 9214646399999999999LL);
	obs_jscan_release(&s);
}

/*
 * The one-pass parser and jsmn with the strict check agree on LINE: the
 * same answer, message, tokens and subtree ends.
 */
static void same_both_ways(struct obs_jscan *fast, struct obs_jscan *slow, const char *line,
			   size_t len)
{
	struct obs_error e1 = { "" }, e2 = { "" };
	int r1 = obs_jscan_parse(fast, line, len, &e1);
	int r2 = obs_jscan_parse(slow, line, len, &e2);

	if (r1 != r2 || strcmp(e1.msg, e2.msg) || fast->ntok != slow->ntok)
		fail_msg("%.*s: %d '%s' %d tokens, but %d '%s' %d tokens", (int)len, line, r1,
			 e1.msg, fast->ntok, r2, e2.msg, slow->ntok);
	if (r1 == 0 && (memcmp(fast->tok, slow->tok, (size_t)fast->ntok * sizeof(jsmntok_t)) ||
			memcmp(fast->next, slow->next, (size_t)fast->ntok * sizeof(int))))
		fail_msg("%.*s: different tokens", (int)len, line);
}

static void test_fast_path_same(void **state)
{
	static const char *const lines[] = {
		"{}", " {} ", "{ }", "\t{\r\n}\n", "{\"a\":1}", "{\"a\" : 1 , \"b\" : [ 1 , 2 ] }",
		"{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":{\"e\":{\"f\":[1,{\"g\":null}]}}}",
		"{\"n\":[0,-0,1.0,1e5,1E-5,-1.5e+10,123456789012345678901234567890,0.25e-3]}",
		"{\"l\":[true,false,null],\"t\":true,\"f\":false,\"z\":null}",
		"{\"s\":\"\",\"long\":\"0123456789abcdefghijklmnopqrstuvwxyz\",\"x\":\"\x7f\"}",
		"{\"e\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"}",
		"{\"q\":\"01234567\\\"9\",\"r\":\"0123456\\\\\"}",
		"{\"u\":\"\\u00e9\\ud83d\\ude00\"}",
		"{\"u\":\"\xf4\x8f\xbf\xbf \xe0\xa0\x80 \xf0\x90\x80\x80 \xc2\x80 \xc3\xa9t\xc3\xa9\"}",
		"{\"dup\":1,\"dup\":2}", "{\"k\\n\":1}",
		/* errors */
		"{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{,}", "{\"a\":[1,]}",
		"{\"a\":[1 2]}", "{\"a\":[,1]}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":1e}",
		"{\"a\":1e+}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1x}", "{\"a\":tru}", "{\"a\":nul}",
		"{\"a\":falsey}", "{\"a\":True}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1]", "{\"a\":[1}",
		"{1:2}", "{\"a\":\"x}", "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\udc00\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xf5\x80\x80\x80\"}", "{\"a\":\"\xe2\x82\"}", "{\"a\"::1}", "{\"a\":1:}",
		"[1]", "\"s\"", "{\"a\":1}\x7f", "{\"a\":\xc3\xa9}", "{\"a\":{\"b\":1}", "{\"a\":[1]]}",
	};
	struct obs_jscan fast, slow;
	char *line;
	size_t i, n;
	unsigned long seed = 12345;
	int d;

	(void)state;
	obs_jscan_init(&fast);
	obs_jscan_init(&slow);
	slow.no_fast_path = 1;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		same_both_ways(&fast, &slow, lines[i], strlen(lines[i]));
	/* NUL bytes, inside a string and between tokens. */
	same_both_ways(&fast, &slow, "{\"a\":\"x\0y\"}", 12);
	same_both_ways(&fast, &slow, "{\"a\":1,\0\"b\":2}", 15);
	/* Nesting past what the one pass takes, and just below. */
	line = malloc(4096);
	for (d = 60; d < 70; d++) {
		n = (size_t)sprintf(line, "{\"a\":");
		for (i = 0; i < (size_t)d; i++)
			line[n++] = i % 2 ? '[' : '{', n += i % 2 ? 0 : (size_t)sprintf(line + n, "\"k\":");
		for (i = d; i-- > 0;)
			line[n++] = i % 2 ? ']' : '}';
		line[n++] = '}';
		same_both_ways(&fast, &slow, line, n);
	}
	/* The token limit, met while growing. */
	fast.max_tokens = slow.max_tokens = 300;
	n = (size_t)sprintf(line, "{\"a\":[");
	for (i = 0; i < 298; i++)
		n += (size_t)sprintf(line + n, "%s%zu", i ? "," : "", i);
	n += (size_t)sprintf(line + n, "]}");
	same_both_ways(&fast, &slow, line, n);
	same_both_ways(&fast, &slow, "{\"a\":[1,2]}", 12);
	fast.max_tokens = slow.max_tokens = OBS_JSCAN_MAX_TOKENS;
	/* Thousands of damaged spans: one or two bytes changed, or the line cut. */
	for (i = 0; i < 20000; i++) {
		static const char bytes[] = "{}[]\":,\\ -+.0123456789eEtrufalsn\x01\x7f\x80\xc3\xa9\xff u";
		size_t len = sizeof(SPAN) - 1;

		memcpy(line, SPAN, len);
		for (int k = 0; k < 1 + (int)(i % 2); k++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			line[(seed >> 33) % len] = bytes[(seed >> 17) % (sizeof(bytes) - 1)];
		}
		if (i % 7 == 0)
			len = (seed >> 40) % len;
		same_both_ways(&fast, &slow, line, len);
	}
	free(line);
	obs_jscan_release(&fast);
	obs_jscan_release(&slow);
}

static void test_getv(void **state)
{
	static const char *const keys[] = { "a", "b", "c", "k\n", "zz" };
	static const size_t lens[] = { 1, 1, 1, 2, 2 };
	struct obs_jscan s;
	int out[5];

	(void)state;
	obs_jscan_init(&s);
	/* Out of order, a duplicate (the first wins), an escaped key, one absent. */
	parse_ok(&s, "{\"c\":3,\"x\":{\"a\":9},\"a\":1,\"b\":[2],\"a\":7,\"k\\n\":4}");
	obs_jscan_getv(&s, 0, keys, lens, 5, out);
	assert_int_equal(out[0], obs_jscan_get(&s, 0, "a"));
	assert_int_equal(out[1], obs_jscan_get(&s, 0, "b"));
	assert_int_equal(out[2], 2);
	assert_int_equal(out[3], obs_jscan_get(&s, 0, "k\n"));
	assert_true(out[3] > 0);
	assert_int_equal(out[4], -1);
	assert_true(obs_jscan_streq(&s, out[3] - 1, "k\n"));
	/* The nested object; not an object; no token. */
	obs_jscan_getv(&s, obs_jscan_get(&s, 0, "x"), keys, lens, 2, out);
	assert_int_equal(out[0], obs_jscan_get(&s, obs_jscan_get(&s, 0, "x"), "a"));
	assert_int_equal(out[1], -1);
	obs_jscan_getv(&s, out[0], keys, lens, 2, out);
	assert_int_equal(out[0], -1);
	assert_int_equal(out[1], -1);
	obs_jscan_getv(&s, -1, keys, lens, 1, out);
	assert_int_equal(out[0], -1);
	parse_ok(&s, "{}");
	obs_jscan_getv(&s, 0, keys, lens, 5, out);
	assert_int_equal(out[0], -1);
	assert_int_equal(out[4], -1);
	obs_jscan_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_fields),
		cmocka_unit_test(test_iterate),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_valid_variants),
		cmocka_unit_test(test_duplicate_first),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_time_range),
		cmocka_unit_test(test_fast_path_same),
		cmocka_unit_test(test_getv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
