/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_logfast: every record it writes is the general parser's, byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_logfast.h"
#include "obs_ndjson.h"
#include "obs_time.h"

/* 2024-01-20T12:00:00Z */
#define REF 1705752000000000000LL

struct pair {
	struct obs_logparse p;
	struct obs_logfast f;
};

static void pair_init(struct pair *x, enum obs_log_format format, const char *service,
		      const char *tz)
{
	struct obs_logparse_options o = { 0 };
	struct obs_error err;

	o.format = format;
	o.reference = REF;
	o.service = service;
	o.timezone = tz;
	if (obs_logparse_init(&x->p, &o, &err) != 0)
		fail_msg("init: %s", err.msg);
	obs_logfast_init(&x->f, &x->p);
}

static void pair_release(struct pair *x)
{
	obs_logfast_release(&x->f);
	obs_logparse_release(&x->p);
}

/*
 * LINE (LEN bytes) through both paths. Returns 1 if the fast path took it
 * (and then its record must equal the general parser's, time included), 0
 * if it left it.
 */
static int both(struct pair *x, const char *line, size_t len)
{
	struct obs_error err;
	json_t *rec;
	char *text;
	size_t n;
	int64_t t;
	int rc = obs_logfast_line(&x->f, line, len, &err);

	assert_true(rc == 0 || rc == 1);
	if (rc == 0)
		return 0;
	assert_int_equal(strlen(x->f.rec), x->f.len);
	rec = obs_logparse_line(&x->p, line, len, &err);
	if (!rec)
		fail_msg("fast path took a line the parser refuses: %.*s (%s)", (int)len, line, err.msg);
	text = obs_json_dump_line(rec, &n);
	assert_non_null(text);
	if (n != x->f.len || memcmp(text, x->f.rec, n))
		fail_msg("line:    %.*s\nparser:  %s\nfast:    %s", (int)len, line, text, x->f.rec);
	assert_int_equal(obs_time_parse(json_string_value(json_object_get(rec, "time")), &t, NULL), 0);
	assert_int_equal(t, x->f.time);
	free(text);
	json_decref(rec);
	return 1;
}

static int both_s(struct pair *x, const char *line)
{
	return both(x, line, strlen(line));
}

/* The line (a C string) must be taken (WANT 1) or left (0), in FORMAT. */
static void expect(enum obs_log_format format, const char *line, int want)
{
	struct pair x;
	int got;

	pair_init(&x, format, NULL, NULL);
	got = both(&x, line, strlen(line));
	if (got != want)
		fail_msg("%s: %s: %s", obs_log_format_name(format), want ? "left" : "taken", line);
	pair_release(&x);
}

#define TAKE_JSON(line) expect(OBS_LOG_JSON, line, 1)
#define LEAVE_JSON(line) expect(OBS_LOG_JSON, line, 0)
#define TAKE_LOGFMT(line) expect(OBS_LOG_LOGFMT, line, 1)
#define LEAVE_LOGFMT(line) expect(OBS_LOG_LOGFMT, line, 0)

/* ---- the fixture corpora, through both formats ----------------------------------------- */

static void run_file(const char *path, enum obs_log_format format, unsigned long *taken)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct pair x;
	const char *line;
	size_t len;

	pair_init(&x, format, NULL, NULL);
	if (obs_ndjson_open(&r, path, &err) != 0)
		fail_msg("%s", err.msg);
	while (obs_ndjson_next_line(&r, &line, &len, &err) == 1)
		*taken += (unsigned long)both(&x, line, len);
	obs_ndjson_close(&r);
	pair_release(&x);
}

static void test_fixtures(void **state)
{
	static const char *const dirs[] = { "json", "logfmt", "auto", "multiline", "syslog",
					    "access", "journald", "regex" };
	const char *root = getenv("OBS_LOG_FIXTURES");
	unsigned long taken_json = 0, taken_logfmt = 0;
	char path[1024];
	size_t i;

	(void)state;
	if (!root || !*root)
		root = "tests/fixtures/logs";
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		d = opendir(path);
		if (!d)
			fail_msg("cannot open '%s'", path);
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);

			if (l < 5 || strcmp(e->d_name + l - 4, ".log"))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", root, dirs[i], e->d_name);
			run_file(path, OBS_LOG_JSON, &taken_json);
			run_file(path, OBS_LOG_LOGFMT, &taken_logfmt);
		}
		closedir(d);
	}
	/* Most well-formed lines go the fast way. */
	assert_true(taken_json >= 40);
	assert_true(taken_logfmt >= 20);
}

/* ---- json -------------------------------------------------------------------------------- */

static void test_json_roles(void **state)
{
	(void)state;
	TAKE_JSON("{\"level\":\"info\",\"ts\":1705314225.5,\"msg\":\"hi\",\"x\":1}");
	TAKE_JSON("{\"time\":\"2024-01-15T10:23:47+01:00\",\"severity\":\"WARNING\",\"message\":\"m\"}");
	TAKE_JSON("{\"@timestamp\":\"2024-01-15T10:23:47.123Z\",\"log.level\":\"error\",\"@message\":\"m\"}");
	/* Zone-less times, other text forms: the same zone rules as the parser. */
	TAKE_JSON("{\"time\":\"2024-01-15 10:23:47\",\"msg\":\"loose iso\"}");
	TAKE_JSON("{\"time\":\"15/Jan/2024:10:23:47 +0100\",\"msg\":\"clf\"}");
	TAKE_JSON("{\"time\":\"Jan 15 10:23:47\",\"msg\":\"bsd\"}");
	TAKE_JSON("{\"time\":\"yesterday\",\"msg\":\"kept as time_original\"}");
	/* Numeric times: s, ms, us, ns; reals; out of range. */
	TAKE_JSON("{\"ts\":1705314225,\"msg\":\"s\"}");
	TAKE_JSON("{\"ts\":1705314225123,\"msg\":\"ms\"}");
	TAKE_JSON("{\"ts\":1705314225123456,\"msg\":\"us\"}");
	TAKE_JSON("{\"ts\":1705314225123456789,\"msg\":\"ns, 19 digits\"}");
	TAKE_JSON("{\"ts\":1705314225.1234567,\"msg\":\"more than 6 fraction digits\"}");
	TAKE_JSON("{\"ts\":1705314225.000001,\"msg\":\"6\"}");
	TAKE_JSON("{\"ts\":0.5,\"msg\":\"the epoch\"}");
	TAKE_JSON("{\"ts\":5000000000.5,\"msg\":\"past 2^32 s\"}");
	TAKE_JSON("{\"ts\":-5,\"msg\":\"negative\"}");
	TAKE_JSON("{\"ts\":-1.5,\"msg\":\"negative real\"}");
	TAKE_JSON("{\"ts\":true,\"msg\":\"not a time\"}");
	LEAVE_JSON("{\"ts\":1e400,\"msg\":\"overflow\"}");   /* jansson refuses it */
	/* Levels: words, numbers (pino), reals and others are not levels. */
	TAKE_JSON("{\"level\":30,\"msg\":\"pino info\"}");
	TAKE_JSON("{\"level\":3.5,\"msg\":\"real\"}");
	TAKE_JSON("{\"level\":\"loud\",\"lvl\":\"dbg\",\"msg\":\"first usable alias\"}");
	TAKE_JSON("{\"level\":\"errorerrorerrorerror\",\"msg\":\"long\"}");
	TAKE_JSON("{\"level\":[1],\"msg\":\"array\"}");
	/* msg: strings only; trailing newlines dropped (escaped ones too). */
	TAKE_JSON("{\"msg\":42,\"message\":\"second alias\"}");
	TAKE_JSON("{\"log\":\"docker line\\n\",\"stream\":\"stdout\"}");
	TAKE_JSON("{\"msg\":\"two\\r\\n\\n\"}");
	TAKE_JSON("{\"msg\":\"backslash n \\\\n\"}");
	/* Service: not empty, not a duration, no NUL. */
	TAKE_JSON("{\"service\":\"api\",\"msg\":\"x\"}");
	TAKE_JSON("{\"service\":\"18ms\",\"app\":\"web\"}");
	TAKE_JSON("{\"service\":\"\",\"msg\":\"x\"}");
	TAKE_JSON("{\"service\":\"a\\u0000b\",\"msg\":\"x\"}");
	TAKE_JSON("{\"service.name\":\"svc\",\"msg\":\"x\"}");
	/* Trace context. */
	TAKE_JSON("{\"trace_id\":\"4BF92F3577B34DA6A3CE929D0E0E4736\",\"spanId\":\"00F067AA0BA902B7\"}");
	TAKE_JSON("{\"trace_id\":\"a3ce929d0e0e4736\",\"span_id\":\"zz\"}");
	TAKE_JSON("{\"trace_id\":\"00000000000000000000000000000000\"}");
	TAKE_JSON("{\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}");
	TAKE_JSON("{\"span_id\":\"1111111111111111\",\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}");
	TAKE_JSON("{\"traceparent\":\"garbage\"}");
	TAKE_JSON("{\"traceparent\":\"a\\u0000\"}");
	TAKE_JSON("{\"traceparent\":7}");
	/* Keys the record owns are renamed; an application's type too. */
	TAKE_JSON("{\"type\":\"access\",\"raw\":1,\"truncated\":false,\"msg\":\"x\"}");
	TAKE_JSON("{}");
	TAKE_JSON("\xef\xbb\xbf{\"msg\":\"byte order mark\"}");
	TAKE_JSON("  {\"msg\":\"spaces around\"}  ");
	TAKE_JSON("{\"\":\"empty key\"}");
}

static void test_json_values(void **state)
{
	(void)state;
	/* Reals: as written when that is jansson's text, else printed as it prints them. */
	TAKE_JSON("{\"a\":0.25,\"b\":28.158,\"c\":120.0,\"d\":12.0,\"e\":-0.0,\"f\":0.0}");
	TAKE_JSON("{\"a\":120.0}");            /* alone: 1.2e2 */
	TAKE_JSON("{\"a\":1200.0,\"b\":0.5}");
	TAKE_JSON("{\"a\":1.50}");
	TAKE_JSON("{\"a\":0.0001,\"b\":0.00001}");
	TAKE_JSON("{\"a\":28.158,\"b\":0.123456789012345}");   /* the record needs 15 digits */
	TAKE_JSON("{\"a\":100000000000000000000.0}");
	TAKE_JSON("{\"a\":-3.25,\"n\":{\"b\":[1.5,2.75,{\"c\":0.1}]}}");
	LEAVE_JSON("{\"a\":0.1234567890123456}");   /* 16 digits */
	LEAVE_JSON("{\"a\":1e5}");
	LEAVE_JSON("{\"a\":1.5E-3}");
	LEAVE_JSON("{\"a\":[1e5]}");
	/* Integers. */
	TAKE_JSON("{\"a\":0,\"b\":-7,\"c\":123456789012345678,\"d\":9223372036854775807,\"e\":-9223372036854775808}");
	LEAVE_JSON("{\"a\":9223372036854775808}");
	LEAVE_JSON("{\"a\":-0}");
	LEAVE_JSON("{\"a\":12345678901234567890123}");
	/* Strings: escapes decoded and written as jansson writes them. */
	TAKE_JSON("{\"s\":\"q\\\" b\\\\ \\/ \\b\\f\\n\\r\\t \\u0001 \\u001b \\u007f \\u00e9 \\ud83d\\ude00 \\u0000\"}");
	TAKE_JSON("{\"s\":\"caf\xc3\xa9 \xe2\x98\x83\"}");
	TAKE_JSON("{\"n\":{\"s\":\"\\u0041\\n\",\"t\":[\"\\t\"]}}");
	/* Literals and containers. */
	TAKE_JSON("{\"t\":true,\"f\":false,\"n\":null,\"e\":{},\"a\":[],\"deep\":[[[{\"x\":[null]}]]]}");
	TAKE_JSON("{ \"spaced\" : [ 1 , 2 ] , \"o\" : { \"k\" : \"v\" } }");
}

static void test_json_left(void **state)
{
	char big[4096];
	int i, n = 0;

	(void)state;
	LEAVE_JSON("{\"a\":1,\"a\":2}");                     /* repeated key */
	LEAVE_JSON("{\"n\":{\"a\":1,\"a\":2}}");             /* ... in a nested object */
	LEAVE_JSON("{\"k\\u0041\":1}");                      /* escaped key */
	LEAVE_JSON("{\"n\":{\"k\\n\":1}}");
	LEAVE_JSON("{\"k\\u0000\":1}");
	LEAVE_JSON("{\"time\":\"x\",\"time_original\":\"y\"}");   /* would collide */
	LEAVE_JSON("{\"a\":\"\xff\"}");                      /* not UTF-8 */
	LEAVE_JSON("[1,2]");
	LEAVE_JSON("\"text\"");
	LEAVE_JSON("{\"a\":");
	LEAVE_JSON("{\"a\":1} trailing");
	LEAVE_JSON("plain text");
	LEAVE_JSON("");
	/* A nested object of more than 64 members. */
	n += snprintf(big + n, sizeof(big) - (size_t)n, "{\"n\":{");
	for (i = 0; i < 65; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "%s\"k%d\":%d", i ? "," : "", i, i);
	snprintf(big + n, sizeof(big) - (size_t)n, "}}");
	LEAVE_JSON(big);
	/* More than 256 fields. */
	n = snprintf(big, sizeof(big), "{");
	for (i = 0; i < 257; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "%s\"%d\":1", i ? "," : "", i);
	snprintf(big + n, sizeof(big) - (size_t)n, "}");
	LEAVE_JSON(big);
}

/* ---- logfmt ------------------------------------------------------------------------------- */

static void test_logfmt(void **state)
{
	(void)state;
	TAKE_LOGFMT("time=2024-01-15T10:23:45Z level=info msg=hello n=3 ok=true no=false");
	TAKE_LOGFMT("ts=1705314225 lvl=warn msg=\"quoted \\\"value\\\" with \\t tab\" dur=12.5");
	TAKE_LOGFMT("at=info method=GET path=/ host=example.com fwd=\"1.2.3.4\" dyno=web.1 connect=1ms service=18ms status=200 bytes=1548");
	/* Typing: integers, -0, leading zeros, reals, exponents, big numbers. */
	TAKE_LOGFMT("a=0 b=-0 c=007 d=-12 e=9223372036854775807 f=9223372036854775808 g=99999999999999999999 h=-");
	TAKE_LOGFMT("a=1.5 b=0.25 c=120.0 d=1. e=.5 f=1.2.3 g=-3.75");
	TAKE_LOGFMT("a=120.0");
	TAKE_LOGFMT("a=1.50 b=2");
	TAKE_LOGFMT("a=\"12\" b=\"true\"");   /* quoted: strings */
	LEAVE_LOGFMT("a=1e3");
	LEAVE_LOGFMT("a=0.1234567890123456");
	/* Bare keys, empty values, control and odd bytes in keys and values. */
	TAKE_LOGFMT("debug dry_run key= other=\"\"");
	TAKE_LOGFMT("k\x01y=v\x02 back\\slash=x");
	TAKE_LOGFMT("msg=\"nul\\u0000inside\" v=caf\xc3\xa9");
	TAKE_LOGFMT("msg=\"go escapes \\x41 \\u00e9 \\U0001F600 \\q \\/\"");
	TAKE_LOGFMT("msg=\"trailing newline\\n\" level=30");
	TAKE_LOGFMT("service=api service.name=x app=y");
	TAKE_LOGFMT("trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7");
	TAKE_LOGFMT("traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 msg=x");
	TAKE_LOGFMT("type=web raw=yes time=never msg=x");
	TAKE_LOGFMT("\t  spaced=1 \t tabs=2  ");
	/* What is not logfmt, or not for here. */
	LEAVE_LOGFMT("plain text is not logfmt");
	LEAVE_LOGFMT("msg=\"unterminated");
	LEAVE_LOGFMT("msg=\"quoted\"trailing");
	LEAVE_LOGFMT("=value");
	LEAVE_LOGFMT("level=info \"quoted key\"=x");
	LEAVE_LOGFMT("a=1 a=2");
	LEAVE_LOGFMT("a=\xff");
	LEAVE_LOGFMT("msg=\"\\xff byte\"");
	LEAVE_LOGFMT("level=info time_original=x");
	LEAVE_LOGFMT("");
	LEAVE_LOGFMT("   ");
}

static void test_nul_key(void **state)
{
	static const char line[] = "a\0b=1 c=2";
	struct pair x;

	(void)state;
	pair_init(&x, OBS_LOG_LOGFMT, NULL, NULL);
	assert_int_equal(both(&x, line, sizeof(line) - 1), 0);
	/* A NUL in a value is kept (\u0000). */
	assert_int_equal(both(&x, "a=1 b=x\0y", 9), 1);
	pair_release(&x);
}

/* ---- settings: service, zone, reference, formats ----------------------------------------- */

static void test_settings(void **state)
{
	struct obs_error err;
	struct pair x;

	(void)state;
	/* The default service, and one that is not UTF-8 (the parser cleans it: left). */
	pair_init(&x, OBS_LOG_JSON, "shop", "+02:00");
	assert_int_equal(both_s(&x, "{\"msg\":\"x\",\"time\":\"2024-01-15T10:00:00\"}"), 1);
	assert_non_null(strstr(x.f.rec, "\"service\":\"shop\""));
	assert_non_null(strstr(x.f.rec, "\"time\":\"2024-01-15T08:00:00.000000000Z\""));
	assert_int_equal(both_s(&x, "{\"msg\":\"x\",\"app\":\"web\"}"), 1);
	/* The reference time may change between lines. */
	x.p.reference = 7 * OBS_NS_PER_SEC;
	assert_int_equal(both_s(&x, "{\"msg\":\"no time\"}"), 1);
	assert_int_equal(x.f.time, 7 * OBS_NS_PER_SEC);
	x.p.reference = -1;
	assert_int_equal(both_s(&x, "{\"msg\":\"before the epoch\"}"), 1);
	x.p.reference = OBS_TIME_MIN;
	assert_int_equal(both_s(&x, "{\"msg\":\"the first ns\"}"), 1);
	x.p.reference = OBS_TIME_MAX;
	assert_int_equal(both_s(&x, "{\"msg\":\"the last ns\"}"), 1);
	assert_true(x.f.taken >= 5);
	pair_release(&x);

	pair_init(&x, OBS_LOG_LOGFMT, "bad\xff", NULL);
	assert_int_equal(both_s(&x, "msg=x"), 0);
	assert_int_equal(both_s(&x, "msg=x service=api"), 1);
	assert_int_equal(x.f.passed, 1);
	pair_release(&x);

	/* Other formats never take the fast path. */
	pair_init(&x, OBS_LOG_SYSLOG, NULL, NULL);
	assert_int_equal(obs_logfast_line(&x.f, "{\"msg\":\"x\"}", 11, &err), 0);
	pair_release(&x);
	pair_init(&x, OBS_LOG_AUTO, NULL, NULL);
	assert_int_equal(obs_logfast_line(&x.f, "{\"msg\":\"x\"}", 11, &err), 0);
	pair_release(&x);
}

/* Many lines one after another: buffers are reused and grow as needed. */
static void test_reuse(void **state)
{
	char *line = malloc(200000);
	struct pair x;
	size_t n = 0;
	int i;

	(void)state;
	assert_non_null(line);
	pair_init(&x, OBS_LOG_JSON, NULL, NULL);
	n += (size_t)snprintf(line, 200000, "{\"msg\":\"");
	for (i = 0; i < 30000; i++)
		n += (size_t)snprintf(line + n, 200000 - n, "\\u0001");
	n += (size_t)snprintf(line + n, 200000 - n, "\",\"ts\":%d}", 1705314225);
	assert_int_equal(both(&x, line, n), 1);
	for (i = 0; i < 1000; i++) {
		n = (size_t)snprintf(line, 200000, "{\"ts\":%d.%03d,\"msg\":\"m%d\",\"v\":%d.5}",
				     1705314225 + i / 7, i % 1000, i, i);
		assert_int_equal(both(&x, line, n), 1);
	}
	pair_release(&x);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_json_roles),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_left),
		cmocka_unit_test(test_logfmt),
		cmocka_unit_test(test_nul_key),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
