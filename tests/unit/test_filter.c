/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_filter (conditions, prefilter) and the jscan time helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_filter.h"
#include "obs_time.h"

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"

static const char SPAN[] =
	"{\"type\":\"span\",\"trace_id\":\"" TRACE "\",\"span_id\":\"00f067aa0ba902b7\","
	"\"name\":\"make build\",\"service\":\"ci\",\"kind\":\"internal\","
	"\"start\":\"2026-11-24T10:00:00.000000000Z\",\"end\":\"2026-11-24T10:00:01.500250000Z\","
	"\"duration_ms\":1500.25,\"status\":\"error\",\"status_message\":\"exit 2\","
	"\"attributes\":{\"process.exit_code\":2,\"ok\":false,\"nil\":null,\"ratio\":0.50,"
	"\"target\":\"all\",\"obj\":{\"a\":1},\"dup\":\"attr\"},\"events\":[],"
	"\"resource\":{\"host.name\":\"box\",\"dup\":\"res\"}}";

static void add_ok(struct obs_filter *f, const char *opt, const char *val)
{
	struct obs_error err = { "" };

	if (obs_filter_add(f, opt, val, &err) != 0)
		fail_msg("--%s %s: %s", opt, val, err.msg);
}

static void add_fails(const char *opt, const char *val, const char *msg)
{
	struct obs_filter f;
	struct obs_error err = { "" };

	obs_filter_init(&f);
	if (obs_filter_add(&f, opt, val, &err) != -1)
		fail_msg("--%s %s accepted", opt, val);
	if (strcmp(err.msg, msg))
		fail_msg("--%s %s: got \"%s\", want \"%s\"", opt, val, err.msg, msg);
	obs_filter_release(&f);
}

/* The result of one filter OPT=VAL on LINE. */
static int match1(const char *opt, const char *val, const char *line)
{
	struct obs_filter f;
	struct obs_error err = { "" };
	int r;

	obs_filter_init(&f);
	add_ok(&f, opt, val);
	r = obs_filter_match(&f, line, strlen(line), &err);
	obs_filter_release(&f);
	return r;
}

static void test_empty(void **state)
{
	struct obs_filter f;

	(void)state;
	obs_filter_init(&f);
	assert_true(obs_filter_empty(&f));
	assert_int_equal(obs_filter_match(&f, SPAN, strlen(SPAN), NULL), 1);
	/* With no condition, only JSON validity is checked. */
	assert_int_equal(obs_filter_match(&f, "{\"a\":", 5, NULL), -1);
	assert_int_equal(obs_filter_match(&f, "{}", 2, NULL), 1);
	add_ok(&f, "status", "ok");
	assert_false(obs_filter_empty(&f));
	obs_filter_release(&f);
	obs_filter_release(&f);   /* twice is harmless */
}

static void test_add_errors(void **state)
{
	(void)state;
	add_fails("trace", "abc", "invalid trace id 'abc'");
	add_fails("trace", "4bf92f3577b34da6a3ce929d0e0e473g", "invalid trace id '4bf92f3577b34da6a3ce929d0e0e473g'");
	add_fails("trace", "00000000000000000000000000000000", "invalid trace id '00000000000000000000000000000000'");
	add_fails("status", "failed", "invalid status 'failed' (expected ok, error or unset)");
	add_fails("status", "", "invalid status '' (expected ok, error or unset)");
	add_fails("attr", "novalue", "invalid attribute 'novalue' (expected KEY=VALUE)");
	add_fails("attr", "=v", "invalid attribute '=v' (expected KEY=VALUE)");
	add_fails("min-duration", "soon", "invalid duration 'soon': expected a number");
	add_fails("max-duration", "-5s", "invalid duration '-5s': negative durations are not allowed");
	add_fails("since", "yesterday", "invalid time 'yesterday': expected a duration (2h), RFC 3339, a Unix timestamp or 'now'");
	add_fails("until", "2026-13-01", "invalid time '2026-13-01': month out of range");
	add_fails("bogus", "x", "unknown filter 'bogus'");
}

static void test_trace(void **state)
{
	struct obs_filter f;

	(void)state;
	assert_int_equal(match1("trace", TRACE, SPAN), 1);
	assert_int_equal(match1("trace", "4BF92F3577B34DA6A3CE929D0E0E4736", SPAN), 1);
	assert_int_equal(match1("trace", "0af7651916cd43dd8448eb211c80319c", SPAN), 0);
	/* The id elsewhere in the line passes the prefilter, not the test. */
	assert_int_equal(match1("trace", TRACE, "{\"trace_id\":\"x\",\"y\":\"" TRACE "\"}"), 0);
	assert_int_equal(match1("trace", TRACE, "{\"trace_id\":1,\"y\":\"" TRACE "\"}"), -1);
	obs_filter_init(&f);
	add_ok(&f, "trace", "4BF92F3577B34DA6A3CE929D0E0E4736");
	assert_string_equal(f.trace_id, TRACE);
	/* A repeated option replaces the earlier value. */
	add_ok(&f, "trace", "0af7651916cd43dd8448eb211c80319c");
	assert_int_equal(obs_filter_match(&f, SPAN, strlen(SPAN), NULL), 0);
	obs_filter_release(&f);
}

static void test_strings(void **state)
{
	(void)state;
	assert_int_equal(match1("type", "span", SPAN), 1);
	assert_int_equal(match1("type", "log", SPAN), 0);
	assert_int_equal(match1("service", "ci", SPAN), 1);
	assert_int_equal(match1("service", "c", SPAN), 0);
	assert_int_equal(match1("service", "CI", SPAN), 0);
	assert_int_equal(match1("status", "error", SPAN), 1);
	assert_int_equal(match1("status", "ok", SPAN), 0);
	/* An absent field is a non-match, not an error. */
	assert_int_equal(match1("service", "ci", "{\"type\":\"span\",\"x\":\"ci\"}"), 0);
	assert_int_equal(match1("type", "span", "{\"service\":\"span\"}"), 0);
}

static void test_name_glob(void **state)
{
	(void)state;
	assert_int_equal(match1("name", "make build", SPAN), 1);
	assert_int_equal(match1("name", "make *", SPAN), 1);
	assert_int_equal(match1("name", "*build", SPAN), 1);
	assert_int_equal(match1("name", "*ke bu*", SPAN), 1);
	assert_int_equal(match1("name", "m?ke*", SPAN), 1);
	assert_int_equal(match1("name", "[lm]ake build", SPAN), 1);
	assert_int_equal(match1("name", "make\\ build", SPAN), 1);
	assert_int_equal(match1("name", "*", SPAN), 1);
	assert_int_equal(match1("name", "make", SPAN), 0);
	assert_int_equal(match1("name", "build*", SPAN), 0);
	assert_int_equal(match1("name", "[!m]ake*", SPAN), 0);
	/* '*' crosses '/' (no FNM_PATHNAME). */
	assert_int_equal(match1("name", "GET *", "{\"name\":\"GET /a/b\"}"), 1);
	/* Escaped names are decoded before matching. */
	assert_int_equal(match1("name", "a\"b*", "{\"name\":\"a\\\"bc\"}"), 1);
	assert_int_equal(match1("name", "caf\xc3\xa9", "{\"name\":\"caf\\u00e9\"}"), 1);
	/* A NUL in the value cannot match a C-string glob. */
	assert_int_equal(match1("name", "a*", "{\"name\":\"a\\u0000b\"}"), 0);
	/* Long names go through the growing buffer. */
	{
		char line[3000];
		int n = snprintf(line, sizeof(line), "{\"name\":\"");

		memset(line + n, 'x', 2000);
		snprintf(line + n + 2000, sizeof(line) - (size_t)n - 2000, "\"}");
		assert_int_equal(match1("name", "x*x", line), 1);
		assert_int_equal(match1("name", "x*y", line), 0);
	}
}

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(match1("min-duration", "1.5s", SPAN), 1);
	assert_int_equal(match1("min-duration", "1500250us", SPAN), 1);   /* inclusive */
	assert_int_equal(match1("min-duration", "1500251us", SPAN), 0);
	assert_int_equal(match1("max-duration", "1500250us", SPAN), 1);   /* inclusive */
	assert_int_equal(match1("max-duration", "1500249us", SPAN), 0);
	assert_int_equal(match1("max-duration", "2s", SPAN), 1);
	assert_int_equal(match1("min-duration", "0", "{\"duration_ms\":0}"), 1);
	assert_int_equal(match1("min-duration", "1ms", "{\"duration_ms\":1e0}"), 1);
	assert_int_equal(match1("min-duration", "1ms", "{\"duration_ms\":0.9999996}"), 1);
	assert_int_equal(match1("min-duration", "1ms", "{\"duration_ms\":0.9999994}"), 0);
	assert_int_equal(match1("min-duration", "1ms", "{\"x\":1}"), 0);
	assert_int_equal(match1("min-duration", "1ms", "{\"duration_ms\":\"5\"}"), -1);
}

static void test_times(void **state)
{
	struct obs_filter f;
	struct obs_error err = { "" };

	(void)state;
	assert_int_equal(match1("since", "2026-11-24T10:00:00Z", SPAN), 1);   /* inclusive */
	assert_int_equal(match1("since", "2026-11-24T10:00:00.000000001Z", SPAN), 0);
	assert_int_equal(match1("until", "2026-11-24T10:00:00Z", SPAN), 1);
	assert_int_equal(match1("until", "2026-11-24T09:59:59.999999999Z", SPAN), 0);
	assert_int_equal(match1("since", "2026-11-24", SPAN), 1);
	assert_int_equal(match1("until", "2026-11-24", SPAN), 0);
	assert_int_equal(match1("since", "2026-11-24T11:00:00+01:00", SPAN), 1);
	/* Relative times count back from the (fake) clock. */
	setenv("OBS_FAKE_TIME", "2026-11-24T12:00:00Z", 1);
	assert_int_equal(match1("since", "2h", SPAN), 1);
	assert_int_equal(match1("since", "1h59m", SPAN), 0);
	assert_int_equal(match1("until", "now", SPAN), 1);
	unsetenv("OBS_FAKE_TIME");
	/* Start written in other forms. */
	assert_int_equal(match1("since", "2026-11-24", "{\"start\":\"2026-11-24T11:00:00+01:00\"}"), 1);
	assert_int_equal(match1("since", "2026-11-24", "{\"start\":\"2026-11-24T01:00:00+02:00\"}"), 0);
	assert_int_equal(match1("since", "2026-11-24", "{\"start\":\"2026-11-24T00:00:00.000000000\\u005a\"}"), 1);
	assert_int_equal(match1("since", "2026-11-24", "{\"x\":1}"), 0);
	/* Bad starts are errors. */
	obs_filter_init(&f);
	add_ok(&f, "since", "2026-11-24");
	assert_int_equal(obs_filter_match(&f, "{\"start\":5}", 11, &err), -1);
	assert_string_equal(err.msg, "'start' is not a valid time");
	assert_int_equal(obs_filter_match(&f, "{\"start\":\"2026-02-30T00:00:00.000000000Z\"}", 42, &err), -1);
	assert_string_equal(err.msg, "'start' is not a valid time");
	obs_filter_release(&f);
}

static void test_attrs(void **state)
{
	struct obs_filter f;

	(void)state;
	assert_int_equal(match1("attr", "target=all", SPAN), 1);
	assert_int_equal(match1("attr", "target=al", SPAN), 0);
	assert_int_equal(match1("attr", "process.exit_code=2", SPAN), 1);
	assert_int_equal(match1("attr", "process.exit_code=2.0", SPAN), 0);
	assert_int_equal(match1("attr", "ratio=0.50", SPAN), 1);     /* as written */
	assert_int_equal(match1("attr", "ratio=0.5", SPAN), 0);
	assert_int_equal(match1("attr", "ok=false", SPAN), 1);
	assert_int_equal(match1("attr", "ok=true", SPAN), 0);
	assert_int_equal(match1("attr", "nil=null", SPAN), 1);
	assert_int_equal(match1("attr", "obj={\"a\":1}", SPAN), 0);   /* not a scalar */
	assert_int_equal(match1("attr", "host.name=box", SPAN), 1);  /* from the resource */
	assert_int_equal(match1("attr", "dup=attr", SPAN), 1);       /* attributes first */
	assert_int_equal(match1("attr", "dup=res", SPAN), 0);
	assert_int_equal(match1("attr", "missing=x", SPAN), 0);
	assert_int_equal(match1("attr", "eq=a=b", "{\"attributes\":{\"eq\":\"a=b\"}}"), 1);
	assert_int_equal(match1("attr", "empty=", "{\"attributes\":{\"empty\":\"\"}}"), 1);
	assert_int_equal(match1("attr", "n=200", "{\"attributes\":{\"n\":\"200\"}}"), 1);
	assert_int_equal(match1("attr", "q=a\"b", "{\"attributes\":{\"q\":\"a\\\"b\"}}"), 1);
	assert_int_equal(match1("attr", "k=v", "{\"attributes\":[1]}"), 0);

	/* All of several must hold. */
	obs_filter_init(&f);
	add_ok(&f, "attr", "target=all");
	add_ok(&f, "attr", "ok=false");
	assert_int_equal(obs_filter_match(&f, SPAN, strlen(SPAN), NULL), 1);
	add_ok(&f, "attr", "ok=true");
	assert_int_equal(f.nattrs, 3);
	assert_int_equal(obs_filter_match(&f, SPAN, strlen(SPAN), NULL), 0);
	obs_filter_release(&f);
}

static void test_all_together(void **state)
{
	struct obs_filter f;
	struct obs_error err;

	(void)state;
	obs_filter_init(&f);
	add_ok(&f, "type", "span");
	add_ok(&f, "trace", TRACE);
	add_ok(&f, "service", "ci");
	add_ok(&f, "name", "make*");
	add_ok(&f, "status", "error");
	add_ok(&f, "min-duration", "1s");
	add_ok(&f, "max-duration", "2s");
	add_ok(&f, "since", "2026-11-24");
	add_ok(&f, "until", "2026-11-25");
	add_ok(&f, "attr", "process.exit_code=2");
	assert_int_equal(obs_filter_match(&f, SPAN, strlen(SPAN), &err), 1);
	/* After a match, the scanner describes the line. */
	assert_true(obs_jscan_streq(&f.scan, obs_jscan_get(&f.scan, 0, "status_message"), "exit 2"));
	assert_int_equal(obs_filter_match_scanned(&f, &err), 1);
	obs_filter_release(&f);
}

static void test_wrong_types(void **state)
{
	struct obs_filter f;
	struct obs_error err = { "" };

	(void)state;
	obs_filter_init(&f);
	add_ok(&f, "status", "error");
	assert_int_equal(obs_filter_match(&f, "{\"status\":\"error\",\"x\":1}", 24, &err), 1);
	assert_int_equal(obs_filter_match(&f, "{\"status\":[\"error\"]}", 20, &err), -1);
	assert_string_equal(err.msg, "'status' is not a string");
	assert_int_equal(obs_filter_match(&f, "{\"status\":\"error\"", 17, &err), -1);
	assert_string_equal(err.msg, "truncated JSON");
	assert_int_equal(obs_filter_match(&f, "\"error\"", 7, &err), -1);
	assert_string_equal(err.msg, "not a JSON object");
	obs_filter_release(&f);

	obs_filter_init(&f);
	add_ok(&f, "name", "x");
	assert_int_equal(obs_filter_match(&f, "{\"name\":1,\"n\":\"x\"}", 18, &err), -1);
	assert_string_equal(err.msg, "'name' is not a string");
	obs_filter_release(&f);

	obs_filter_init(&f);
	add_ok(&f, "type", "span");
	assert_int_equal(obs_filter_match(&f, "{\"type\":{\"span\":1}}", 19, &err), -1);
	assert_string_equal(err.msg, "'type' is not a string");
	obs_filter_release(&f);
}

/* ---- log conditions: level, where, grep, the time field ------------------------ */

static const char LOG[] =
	"{\"type\":\"log\",\"time\":\"2026-11-24T10:00:00.000000000Z\",\"level\":\"warn\","
	"\"msg\":\"disk 91% full on /var\\nsecond line\",\"service\":\"api\","
	"\"trace_id\":\"" TRACE "\",\"http.status\":500,\"http\":{\"method\":\"GET\","
	"\"req\":{\"id\":\"r1\"}},\"user\":{\"id\":7},\"ok\":false,\"note\":null}";

static void test_level(void **state)
{
	(void)state;
	assert_int_equal(match1("level", "warn", LOG), 1);
	assert_int_equal(match1("level", "WARNING", LOG), 1);
	assert_int_equal(match1("level", "info", LOG), 1);
	assert_int_equal(match1("level", "trace", LOG), 1);
	assert_int_equal(match1("level", "error", LOG), 0);
	assert_int_equal(match1("level", "4", LOG), 1);   /* a syslog severity is a level too */
	/* Levels as other tools write them. */
	assert_int_equal(match1("level", "error", "{\"level\":\"ERR\"}"), 1);
	assert_int_equal(match1("level", "error", "{\"level\":\"Fatal\"}"), 1);
	assert_int_equal(match1("level", "error", "{\"level\":\"\\u0065rror\"}"), 1);
	/* No level, an unknown one, one too long for any word: below all. */
	assert_int_equal(match1("level", "trace", "{\"msg\":\"x\"}"), 0);
	assert_int_equal(match1("level", "trace", "{\"level\":\"loud\"}"), 0);
	assert_int_equal(match1("level", "trace",
				"{\"level\":\"errorerrorerrorerrorerrorerrorerrorerrorerrorerrorerrorerrorerror\"}"),
			 0);
	assert_int_equal(match1("level", "trace", "{\"level\":3}"), -1);
	add_fails("level", "loud", "invalid level 'loud' (expected trace, debug, info, warn, error or fatal)");
	add_fails("level", "", "invalid level '' (expected trace, debug, info, warn, error or fatal)");
}

static void test_where(void **state)
{
	struct obs_filter f;

	(void)state;
	assert_int_equal(match1("where", "service=api", LOG), 1);
	assert_int_equal(match1("where", "service=ap", LOG), 0);
	/* A flat dotted key first, then the path through nested objects. */
	assert_int_equal(match1("where", "http.status=500", LOG), 1);
	assert_int_equal(match1("where", "http.method=GET", LOG), 1);
	assert_int_equal(match1("where", "http.req.id=r1", LOG), 1);
	assert_int_equal(match1("where", "user.id=7", LOG), 1);
	assert_int_equal(match1("where", "user.id=8", LOG), 0);
	assert_int_equal(match1("where", "user.name=x", LOG), 0);
	assert_int_equal(match1("where", "user.=x", LOG), 0);
	assert_int_equal(match1("where", "ok.x=false", LOG), 0);
	assert_int_equal(match1("where", "a.b.c=1", "{\"a.b\":{\"c\":1}}"), 1);
	assert_int_equal(match1("where", "a.b.c=1", "{\"a\":{\"b.c\":1}}"), 1);
	assert_int_equal(match1("where", "a.b.c=1", "{\"a.b\":{\"x\":1},\"a\":{\"b\":{\"c\":1}}}"), 1);
	assert_int_equal(match1("where", "ok=false", LOG), 1);
	assert_int_equal(match1("where", "note=null", LOG), 1);
	assert_int_equal(match1("where", "user={\"id\":7}", LOG), 0);   /* not a scalar */
	assert_int_equal(match1("where", "level=warn", LOG), 1);
	add_fails("where", "x", "invalid field 'x' (expected KEY=VALUE)");
	add_fails("where", "=x", "invalid field '=x' (expected KEY=VALUE)");

	obs_filter_init(&f);
	add_ok(&f, "where", "service=api");
	add_ok(&f, "where", "http.status=500");
	assert_int_equal(f.nwhere, 2);
	assert_int_equal(obs_filter_match(&f, LOG, strlen(LOG), NULL), 1);
	add_ok(&f, "where", "ok=true");
	assert_int_equal(obs_filter_match(&f, LOG, strlen(LOG), NULL), 0);
	assert_int_equal(obs_filter_empty(&f), 0);
	obs_filter_release(&f);
}

static void test_grep(void **state)
{
	struct obs_filter f;
	struct obs_error err = { "" };

	(void)state;
	assert_int_equal(match1("grep", "disk", LOG), 1);
	assert_int_equal(match1("grep", "9[0-9]% full", LOG), 1);
	assert_int_equal(match1("grep", "^second", LOG), 0);          /* ^ is the start of msg */
	assert_int_equal(match1("grep", "(?m)^second", LOG), 1);
	assert_int_equal(match1("grep", "DISK", LOG), 0);
	assert_int_equal(match1("grep", "(?i)DISK", LOG), 1);
	assert_int_equal(match1("grep", "api", LOG), 0);              /* only the message */
	assert_int_equal(match1("grep", "x", "{\"level\":\"info\"}"), 0);
	assert_int_equal(match1("grep", "caf\xc3\xa9", "{\"msg\":\"caf\\u00e9 ok\"}"), 1);
	assert_int_equal(match1("grep", "a.c", "{\"msg\":\"abc\"}"), 1);
	assert_int_equal(match1("grep", "[0-9]", "{\"msg\":1}"), -1);
	obs_filter_init(&f);
	assert_int_equal(obs_filter_add(&f, "grep", "a(b", &err), -1);
	assert_string_equal(err.msg, "invalid regular expression 'a(b': missing closing parenthesis at offset 3");
	/* A second pattern replaces the first. */
	add_ok(&f, "grep", "disk");
	add_ok(&f, "grep", "nothing");
	assert_int_equal(obs_filter_match(&f, LOG, strlen(LOG), NULL), 0);
	assert_int_equal(obs_filter_empty(&f), 0);
	obs_filter_release(&f);
}

static void test_time_field(void **state)
{
	struct obs_filter f;
	struct obs_error err = { "" };

	(void)state;
	obs_filter_init(&f);
	assert_string_equal(f.time_field, "start");
	obs_filter_time_field(&f, "time");
	add_ok(&f, "since", "2026-11-24T10:00:00Z");
	assert_int_equal(obs_filter_match(&f, LOG, strlen(LOG), NULL), 1);
	add_ok(&f, "since", "2026-11-24T10:00:01Z");
	assert_int_equal(obs_filter_match(&f, LOG, strlen(LOG), NULL), 0);
	assert_int_equal(obs_filter_match(&f, "{\"time\":\"yesterday\"}", 20, &err), -1);
	assert_string_equal(err.msg, "'time' is not a valid time");
	/* The span field means nothing to a log filter. */
	assert_int_equal(obs_filter_match(&f, SPAN, strlen(SPAN), NULL), 0);
	obs_filter_release(&f);
	/* release resets to the default. */
	assert_string_equal(f.time_field, "start");
}

static void test_log_prefilter(void **state)
{
	struct obs_filter f;

	(void)state;
	/* Broken lines without the needles are rejected unparsed. */
	obs_filter_init(&f);
	add_ok(&f, "grep", "disk full");
	assert_int_equal(obs_filter_prefilter(&f, "{\"msg\":\"disk", 12), 0);
	assert_int_equal(obs_filter_prefilter(&f, "{\"msg\":\"disk full", 17), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"msg\":\"disk\\u0020full\"}", 24), 1);
	/* A pattern with regex syntax gives no needle. */
	add_ok(&f, "grep", "disk.full");
	assert_int_equal(obs_filter_prefilter(&f, "{\"msg\":\"x", 9), 1);
	obs_filter_release(&f);

	obs_filter_init(&f);
	add_ok(&f, "where", "status=500");
	assert_int_equal(obs_filter_prefilter(&f, "{\"status\":404}", 14), 0);
	assert_int_equal(obs_filter_prefilter(&f, "{\"stat\":500}", 12), 0);
	assert_int_equal(obs_filter_prefilter(&f, "{\"status\":500}", 14), 1);
	obs_filter_release(&f);
	/* --level: the value of a single "level":" decides; else the parse does. */
	obs_filter_init(&f);
	add_ok(&f, "level", "warn");
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":\"info\",broken", strlen("{\"level\":\"info\",broken")), 0);
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":\"ERROR\",broken", strlen("{\"level\":\"ERROR\",broken")), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":\"loud\"}", strlen("{\"level\":\"loud\"}")), 0);
	/* Escaped, spaced, twice, not a string, unterminated, absent: parsed. */
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":\"\\u0069nfo\"}", strlen("{\"level\":\"\\u0069nfo\"}")), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\": \"info\"}", strlen("{\"level\": \"info\"}")), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"n\":{\"level\":\"info\"},\"level\":\"error\"}", strlen("{\"n\":{\"level\":\"info\"},\"level\":\"error\"}")), 1);
	assert_int_equal(obs_filter_match(&f, "{\"n\":{\"level\":\"info\"},\"level\":\"error\"}", strlen("{\"n\":{\"level\":\"info\"},\"level\":\"error\"}"), NULL), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":4}", strlen("{\"level\":4}")), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":\"info", strlen("{\"level\":\"info")), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"level\":", strlen("{\"level\":")), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"msg\":\"x\"}", strlen("{\"msg\":\"x\"}")), 1);
	/* Only a nested level: the top level has none, no match either way. */
	assert_int_equal(obs_filter_prefilter(&f, "{\"n\":{\"level\":\"info\"}}", strlen("{\"n\":{\"level\":\"info\"}}")), 0);
	assert_int_equal(obs_filter_match(&f, "{\"n\":{\"level\":\"error\"}}", strlen("{\"n\":{\"level\":\"error\"}}"), NULL), 0);
	obs_filter_release(&f);

	/* A dotted key is not a needle: it may be written as nested objects. */
	obs_filter_init(&f);
	add_ok(&f, "where", "http.status=500");
	assert_int_equal(obs_filter_prefilter(&f, "{\"http\":{\"status\":500}}", 23), 1);
	assert_int_equal(obs_filter_match(&f, "{\"http\":{\"status\":500}}", 23, NULL), 1);
	obs_filter_release(&f);
}

static void test_prefilter(void **state)
{
	struct obs_filter f;
	/* Broken JSON that lacks the needle is rejected without being parsed. */
	const char broken[] = "{\"status\":\"ok\",";
	/* The same value escaped: the line has a backslash, so it is parsed. */
	const char escaped[] = "{\"service\":\"\\u0063i\"}";

	(void)state;
	obs_filter_init(&f);
	add_ok(&f, "status", "error");
	assert_int_equal(obs_filter_match(&f, broken, strlen(broken), NULL), 0);
	assert_int_equal(obs_filter_prefilter(&f, SPAN, strlen(SPAN)), 1);
	assert_int_equal(obs_filter_prefilter(&f, broken, strlen(broken)), 0);
	obs_filter_release(&f);

	obs_filter_init(&f);
	add_ok(&f, "service", "ci");
	assert_int_equal(obs_filter_prefilter(&f, escaped, strlen(escaped)), 1);
	assert_int_equal(obs_filter_match(&f, escaped, strlen(escaped), NULL), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"service\":\"cid\"}", 17), 0);
	obs_filter_release(&f);

	/* Glob needles: the longest literal run, quoted where it touches an edge. */
	obs_filter_init(&f);
	add_ok(&f, "name", "make *");
	assert_int_equal(f.nneedles, 0);   /* built on first use */
	assert_int_equal(obs_filter_prefilter(&f, "{\"name\":\"make x\"}", 17), 1);
	assert_int_equal(f.nneedles, 1);
	assert_int_equal(f.needles[0].len, 6);
	assert_memory_equal(f.needles[0].bytes, "\"make ", 6);
	assert_int_equal(obs_filter_prefilter(&f, "{\"name\":\"a make x\"}", 19), 0);
	obs_filter_release(&f);

	obs_filter_init(&f);
	add_ok(&f, "name", "*.c");
	assert_int_equal(obs_filter_prefilter(&f, "{\"name\":\"main.c\"}", 17), 1);
	assert_memory_equal(f.needles[0].bytes, ".c\"", 3);
	obs_filter_release(&f);

	obs_filter_init(&f);
	add_ok(&f, "name", "a*longest*b");
	assert_int_equal(obs_filter_prefilter(&f, "{\"name\":\"a longest b\"}", 22), 1);
	assert_int_equal(f.needles[0].len, 7);
	assert_memory_equal(f.needles[0].bytes, "longest", 7);
	obs_filter_release(&f);

	/* Nothing literal, or brackets and escapes ahead: no needle at all. */
	obs_filter_init(&f);
	add_ok(&f, "name", "*?*");
	assert_int_equal(obs_filter_prefilter(&f, "{}", 2), 1);
	assert_int_equal(f.nneedles, 0);
	add_ok(&f, "name", "[ab]cdef");
	assert_int_equal(obs_filter_prefilter(&f, "{}", 2), 1);
	assert_int_equal(f.nneedles, 0);
	/* Before a bracket, the run is used unquoted at its end. */
	add_ok(&f, "name", "abc[de]");
	assert_int_equal(obs_filter_prefilter(&f, "{}", 2), 0);
	assert_memory_equal(f.needles[0].bytes, "\"abc", 4);
	obs_filter_release(&f);

	/* Values that would be escaped in JSON give no needle. */
	obs_filter_init(&f);
	add_ok(&f, "service", "a\"b");
	add_ok(&f, "attr", "k=");
	assert_int_equal(obs_filter_prefilter(&f, "{\"k\":\"\"}", 8), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{}", 2), 0);
	assert_int_equal(f.nneedles, 1);
	assert_memory_equal(f.needles[0].bytes, "\"k\"", 3);
	obs_filter_release(&f);

	/* Attribute needles: the value unquoted (string or number) and the key quoted. */
	obs_filter_init(&f);
	add_ok(&f, "attr", "code=200");
	assert_int_equal(obs_filter_prefilter(&f, "{\"attributes\":{\"code\":200}}", 27), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"attributes\":{\"code\":\"200\"}}", 29), 1);
	assert_int_equal(obs_filter_prefilter(&f, "{\"attributes\":{\"code\":404}}", 27), 0);
	assert_int_equal(obs_filter_prefilter(&f, "{\"attributes\":{\"kode\":200}}", 27), 0);
	obs_filter_release(&f);
}

static int parse(struct obs_jscan *s, const char *line)
{
	return obs_jscan_parse(s, line, strlen(line), NULL);
}

static void test_jscan_time(void **state)
{
	struct obs_jscan s;
	int64_t ns;

	(void)state;
	obs_jscan_init(&s);
	assert_int_equal(parse(&s,
		"{\"a\":\"2026-11-24T10:00:01.500000000Z\",\"b\":\"1970-01-01T00:00:00.000000000Z\","
		"\"c\":\"2024-02-29T23:59:59.999999999Z\",\"d\":\"2023-02-29T00:00:00.000000000Z\","
		"\"e\":\"2026-11-24T10:00:01Z\",\"f\":\"1960-01-01T00:00:00.000000000Z\","
		"\"g\":\"2026-11-24T24:00:00.000000000Z\",\"h\":1,\"i\":\"x\\u0000\","
		"\"j\":\"2026-11-24X10:00:01.500000000Z\",\"k\":\"2026-1a-24T10:00:01.500000000Z\"}"), 0);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "a"), &ns), 0);
	assert_true(ns == 1795514401500000000LL);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "b"), &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "c"), &ns), 0);
	assert_true(ns == 1709251199999999999LL);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "d"), &ns), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "e"), &ns), 0);
	assert_true(ns == 1795514401000000000LL);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "f"), &ns), 0);
	assert_true(ns == -315619200000000000LL);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "g"), &ns), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "h"), &ns), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "i"), &ns), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "j"), &ns), -1);
	assert_int_equal(obs_jscan_time(&s, obs_jscan_get(&s, 0, "k"), &ns), -1);
	assert_int_equal(obs_jscan_time(&s, -1, &ns), -1);
	obs_jscan_release(&s);
}

static void test_jscan_ms(void **state)
{
	struct obs_jscan s;
	int64_t ns;

	(void)state;
	obs_jscan_init(&s);
	assert_int_equal(parse(&s,
		"{\"a\":1500.25,\"b\":0,\"c\":-2.5,\"d\":1e3,\"e\":0.0000005,\"f\":1234567890123,"
		"\"g\":1e300,\"h\":\"1\",\"i\":0.123456,\"j\":9223372036854,\"k\":9223372036853.999}"), 0);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "a"), &ns), 0);
	assert_true(ns == 1500250000LL);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "b"), &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "c"), &ns), 0);
	assert_true(ns == -2500000LL);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "d"), &ns), 0);
	assert_true(ns == 1000000000LL);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "e"), &ns), 0);
	assert_true(ns == 1);   /* 0.5 ns rounds up */
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "f"), &ns), 0);
	assert_true(ns == 1234567890123000000LL);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "g"), &ns), -1);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "h"), &ns), -1);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "i"), &ns), 0);
	assert_true(ns == 123456);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "j"), &ns), -1);
	assert_int_equal(obs_jscan_ms(&s, obs_jscan_get(&s, 0, "k"), &ns), 0);
	assert_true(ns == 9223372036853999000LL);
	obs_jscan_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_name_glob),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_all_together),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_prefilter),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_grep),
		cmocka_unit_test(test_time_field),
		cmocka_unit_test(test_log_prefilter),
		cmocka_unit_test(test_jscan_time),
		cmocka_unit_test(test_jscan_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
