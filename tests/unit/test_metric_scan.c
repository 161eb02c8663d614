/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_metric_scan: record lines checked, rebuilt, added to series sets, filtered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"
#include "obs_metric_scan.h"
#include "obs_ndjson.h"
#include "obs_time.h"

#define T0 1795514400000000000LL   /* 2026-11-24T10:00:00Z */
#define TS "\"time\":\"2026-11-24T10:00:00.000000000Z\""

static struct obs_metric_scan m;

static int setup(void **state)
{
	(void)state;
	obs_metric_scan_init(&m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	obs_metric_scan_release(&m);
	return 0;
}

static int scan(const char *line, unsigned flags, struct obs_error *err)
{
	return obs_metric_scan_line(&m, line, strlen(line), flags, err);
}

/* The line must be refused with exactly MSG. */
static void refused(const char *line, unsigned flags, const char *msg)
{
	struct obs_error err;

	err.msg[0] = '\0';
	assert_int_equal(scan(line, flags, &err), -1);
	assert_string_equal(err.msg, msg);
}

static void test_full_record(void **state)
{
	struct obs_error err;

	(void)state;
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"a_total\",\"metric_type\":\"counter\","
			      "\"value\":2.5,\"labels\":{\"job\":\"x\",\"b\":\"q\\\"\"}," TS ","
			      "\"help\":\"H\\nelp\",\"unit\":\"seconds\",\"cumulative\":true}",
			      OBS_METRIC_SCAN_KNOWN_FIELDS | OBS_METRIC_SCAN_NEED_TIME, &err), 1);
	assert_string_equal(m.name, "a_total");
	assert_int_equal(m.type, OBS_METRIC_COUNTER);
	assert_true(m.value == 2.5);
	assert_int_equal(m.has_time, 1);
	assert_true(m.time_ns == T0);
	assert_int_equal(m.cumulative, 1);
	assert_int_equal(m.nlabels, 2);
	assert_string_equal(m.labels[0].name, "job");
	assert_string_equal(m.labels[0].value, "x");
	assert_string_equal(m.labels[1].name, "b");
	assert_string_equal(m.labels[1].value, "q\"");
	assert_string_equal(m.help, "H\nelp");
	assert_string_equal(m.unit, "seconds");
	assert_int_equal(m.canonical, 1);
}

static void test_minimal_record(void **state)
{
	struct obs_error err;

	(void)state;
	assert_int_equal(scan("{\"name\":\"x\",\"value\":1}", 0, &err), 1);
	assert_string_equal(m.name, "x");
	assert_int_equal(m.type, OBS_METRIC_UNTYPED);
	assert_int_equal(m.has_time, 0);
	assert_int_equal(m.nlabels, 0);
	assert_null(m.help);
	assert_null(m.unit);
	assert_int_equal(m.cumulative, 0);
	assert_int_equal(m.canonical, 0);
	/* Unknown fields are passed over unless KNOWN_FIELDS. */
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1," TS ",\"extra\":[1]}",
			      0, &err), 1);
	assert_int_equal(m.canonical, 1);
	refused("{\"type\":\"metric\",\"name\":\"x\",\"value\":1," TS ",\"extra\":[1]}",
		OBS_METRIC_SCAN_KNOWN_FIELDS, "unknown field 'extra'");
}

static void test_values(void **state)
{
	struct obs_error err;

	(void)state;
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":\"NaN\"," TS "}", 0, &err), 1);
	assert_true(isnan(m.value));
	assert_int_equal(m.canonical, 1);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":\"+Inf\"," TS "}", 0, &err), 1);
	assert_true(isinf(m.value) && m.value > 0);
	assert_int_equal(m.canonical, 1);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":\"-inf\"," TS "}", 0, &err), 1);
	assert_true(isinf(m.value) && m.value < 0);
	assert_int_equal(m.canonical, 0);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":\"Inf\"," TS "}", 0, &err), 1);
	assert_true(isinf(m.value) && m.value > 0);
	assert_int_equal(m.canonical, 0);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":\"nan\"," TS "}", 0, &err), 1);
	assert_true(isnan(m.value));
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":-1e3," TS "}", 0, &err), 1);
	assert_true(m.value == -1000);
	refused("{\"name\":\"x\",\"value\":\"many\"}", 0, "invalid value 'many'");
	refused("{\"name\":\"x\",\"value\":true}", 0, "'value' is not a number");
	refused("{\"name\":\"x\",\"value\":1e999}", 0, "invalid value '1e999'");
	refused("{\"name\":\"x\"}", 0, "missing 'value'");
}

static void test_times(void **state)
{
	struct obs_error err;

	(void)state;
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1,\"time\":1795514400}", 0, &err), 1);
	assert_true(m.time_ns == T0);
	assert_int_equal(m.canonical, 0);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1,\"time\":1795514400500}", 0, &err), 1);
	assert_true(m.time_ns == T0 + 500000000);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1,\"time\":\"2026-11-24T11:00:00+01:00\"}",
			      0, &err), 1);
	assert_true(m.time_ns == T0);
	assert_int_equal(m.canonical, 0);
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1,\"time\":\"2026-11-24T10:00:00Z\"}",
			      0, &err), 1);
	assert_int_equal(m.canonical, 0);
	/* The right length, not the canonical form. */
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1,\"time\":\"2026-11-24 10:00:00.000000000Z\"}",
			      0, &err), 1);
	assert_true(m.time_ns == T0);
	assert_int_equal(m.canonical, 0);
	/* An escaped canonical time is read too. */
	assert_int_equal(scan("{\"type\":\"metric\",\"name\":\"x\",\"value\":1,\"time\":\"2026-11-24\\u005410:00:00.000000000Z\"}",
			      0, &err), 1);
	assert_true(m.time_ns == T0);
	refused("{\"name\":\"x\",\"value\":1,\"time\":\"yesterday\"}", 0,
		"invalid time 'yesterday': expected RFC 3339 or a Unix timestamp");
	refused("{\"name\":\"x\",\"value\":1,\"time\":true}", 0, "'time' is not a string or a number");
	refused("{\"name\":\"x\",\"value\":1,\"time\":\"a\\u0000\"}", 0, "invalid time: NUL byte in 'time'");
	refused("{\"name\":\"x\",\"value\":1}", OBS_METRIC_SCAN_NEED_TIME, "missing 'time'");
}

static void test_names_and_types(void **state)
{
	struct obs_error err;
	char line[2200];

	(void)state;
	refused("{\"value\":1}", 0, "missing 'name'");
	refused("{\"name\":5,\"value\":1}", 0, "'name' is not a string");
	refused("{\"name\":\"a b\",\"value\":1}", 0, "invalid metric name 'a b'");
	refused("{\"name\":\"a\\u0000b\",\"value\":1}", 0, "invalid metric name 'a'");
	memset(line, 0, sizeof(line));
	strcpy(line, "{\"name\":\"");
	memset(line + 9, 'a', 1030);
	strcpy(line + 1039, "\",\"value\":1}");
	assert_int_equal(scan(line, 0, &err), -1);
	assert_non_null(strstr(err.msg, "invalid metric name 'aaaa"));
	assert_int_equal(scan("{\"name\":\"ns:sub_total\",\"value\":1}", 0, &err), 1);
	refused("{\"name\":\"x\",\"value\":1,\"metric_type\":\"gauges\"}", 0, "unknown metric_type 'gauges'");
	refused("{\"name\":\"x\",\"value\":1,\"metric_type\":7}", 0, "unknown metric_type '(not a string)'");
	assert_int_equal(scan("{\"name\":\"x\",\"value\":1,\"metric_type\":\"summary\"}", 0, &err), 1);
	assert_int_equal(m.type, OBS_METRIC_SUMMARY);
	refused("{\"name\":\"x\",\"name\":\"y\",\"value\":1}", 0, "duplicate field 'name'");
	refused("{\"type\":1,\"name\":\"x\",\"value\":1}", 0, "'type' is not a string");
	assert_int_equal(scan("{\"type\":\"span\",\"name\":\"x y\"}", 0, &err), 0);
	refused("[1]", 0, "not a JSON object");
	refused("{\"name\":", 0, "truncated JSON");
	/* A key too long for the buffer is just unknown. */
	memset(line, 0, sizeof(line));
	strcpy(line, "{\"name\":\"x\",\"value\":1,\"");
	memset(line + strlen(line), 'k', 100);
	strcat(line, "\":1}");
	refused(line, OBS_METRIC_SCAN_KNOWN_FIELDS, "unknown field '(long key)'");
}

static void test_labels_and_strings(void **state)
{
	struct obs_error err;
	char line[8192];
	size_t n;
	int i;

	(void)state;
	refused("{\"name\":\"x\",\"value\":1,\"labels\":[]}", 0, "'labels' is not an object");
	refused("{\"name\":\"x\",\"value\":1,\"labels\":{\"1a\":\"b\"}}", 0, "invalid label name '1a'");
	refused("{\"name\":\"x\",\"value\":1,\"labels\":{\"__x\":\"b\"}}", 0, "invalid label name '__x'");
	refused("{\"name\":\"x\",\"value\":1,\"labels\":{\"a\":1}}", 0, "label 'a' is not a string");
	refused("{\"name\":\"x\",\"value\":1,\"labels\":{\"a\":\"\\u0000\"}}", 0, "label 'a' has a NUL byte");
	refused("{\"name\":\"x\",\"value\":1,\"labels\":{\"a\":\"1\",\"a\":\"2\"}}", 0, "duplicate label 'a'");
	refused("{\"name\":\"x\",\"value\":1,\"help\":3}", 0, "'help' is not a string");
	refused("{\"name\":\"x\",\"value\":1,\"help\":\"a\\u0000\"}", 0, "'help' has a NUL byte");
	refused("{\"name\":\"x\",\"value\":1,\"unit\":\"m/s\"}", 0, "invalid unit 'm/s'");
	refused("{\"name\":\"x\",\"value\":1,\"unit\":[]}", 0, "'unit' is not a string");
	refused("{\"name\":\"x\",\"value\":1,\"cumulative\":1}", 0, "'cumulative' is not a boolean");
	refused("{\"name\":\"x\",\"metric_type\":\"histogram\",\"value\":1,\"labels\":{\"le\":\"1\"}}", 0,
		"histogram observation has an 'le' label");
	refused("{\"name\":\"x\",\"metric_type\":\"summary\",\"value\":1,\"labels\":{\"quantile\":\"1\"}}", 0,
		"summary observation has a 'quantile' label");
	/* Scraped parts carry them. */
	assert_int_equal(scan("{\"name\":\"x_bucket\",\"metric_type\":\"histogram\",\"value\":1,"
			      "\"labels\":{\"le\":\"1\"},\"cumulative\":true}", 0, &err), 1);
	/* Too many labels. */
	n = (size_t)snprintf(line, sizeof(line), "{\"name\":\"x\",\"value\":1,\"labels\":{");
	for (i = 0; i < 251; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\"l%d\":\"v\"", i ? "," : "", i);
	snprintf(line + n, sizeof(line) - n, "}}");
	refused(line, 0, "more than 250 labels");
	/* A line with many escaped strings: the scratch buffer holds them all. */
	assert_int_equal(scan("{\"name\":\"\\u0078\",\"value\":1,\"labels\":{\"\\u0061\":\"\\u00e9\\n\"},"
			      "\"help\":\"\\t\"}", 0, &err), 1);
	assert_string_equal(m.name, "x");
	assert_string_equal(m.labels[0].name, "a");
	assert_string_equal(m.labels[0].value, "\xc3\xa9\n");
	assert_string_equal(m.help, "\t");
}

static void test_record(void **state)
{
	struct obs_error err;
	json_t *rec;
	char *s;

	(void)state;
	assert_int_equal(scan("{\"cumulative\":true,\"unit\":\"bytes\",\"help\":\"h\",\"labels\":{\"b\":\"2\",\"a\":\"1\"},"
			      "\"value\":\"inf\",\"metric_type\":\"gauge\",\"name\":\"x\"}", 0, &err), 1);
	rec = obs_metric_scan_record(&m, T0);
	assert_non_null(rec);
	s = obs_json_dump_line(rec, NULL);
	assert_string_equal(s, "{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"gauge\",\"value\":\"+Inf\","
			    "\"labels\":{\"b\":\"2\",\"a\":\"1\"}," TS ",\"help\":\"h\",\"unit\":\"bytes\","
			    "\"cumulative\":true}");
	free(s);
	json_decref(rec);
}

/* The value of the series LABELS at T (ms) in SET, or NAN. */
static double value_at(struct obs_series_set *set, const char *name, const char *lname,
		       const char *lvalue, int64_t t)
{
	struct obs_matcher mt[2];
	const struct obs_series **sel;
	struct obs_error err;
	size_t n, nm = 1;
	int64_t st;
	double v = NAN;

	assert_int_equal(obs_matcher_init(&mt[0], OBS_MATCH_EQ, "__name__", name, &err), 0);
	if (lname) {
		assert_int_equal(obs_matcher_init(&mt[1], OBS_MATCH_EQ, lname, lvalue, &err), 0);
		nm = 2;
	}
	assert_int_equal(obs_series_set_select(set, mt, nm, &sel, &n, &err), 0);
	if (n == 1 && !obs_series_last_at(sel[0], t, &st, &v))
		v = NAN;
	free(sel);
	obs_matcher_release(&mt[0]);
	if (lname)
		obs_matcher_release(&mt[1]);
	return n == 1 ? v : NAN;
}

static void add_line(struct obs_series_set *set, const char *line)
{
	struct obs_error err;

	assert_int_equal(scan(line, OBS_METRIC_SCAN_NEED_TIME, &err), 1);
	assert_int_equal(obs_metric_scan_add_series(&m, set, &err), 0);
}

static void test_add_series(void **state)
{
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	int64_t t = T0 / 1000000;

	(void)state;
	add_line(set, "{\"name\":\"c\",\"metric_type\":\"counter\",\"value\":2,\"labels\":{\"j\":\"a\"}," TS "}");
	add_line(set, "{\"name\":\"c\",\"metric_type\":\"counter\",\"value\":3,\"labels\":{\"j\":\"a\"},"
		 "\"time\":\"2026-11-24T10:00:01.000000000Z\"}");
	add_line(set, "{\"name\":\"s\",\"metric_type\":\"counter\",\"value\":10,\"cumulative\":true," TS "}");
	add_line(set, "{\"name\":\"s\",\"metric_type\":\"counter\",\"value\":12,\"cumulative\":true,"
		 "\"time\":\"2026-11-24T10:00:01.000000000Z\"}");
	add_line(set, "{\"name\":\"g\",\"metric_type\":\"gauge\",\"value\":7," TS "}");
	add_line(set, "{\"name\":\"u\",\"value\":-1," TS "}");
	add_line(set, "{\"name\":\"h\",\"metric_type\":\"histogram\",\"value\":0.3," TS "}");
	add_line(set, "{\"name\":\"h\",\"metric_type\":\"histogram\",\"value\":20," TS "}");
	add_line(set, "{\"name\":\"q\",\"metric_type\":\"summary\",\"value\":4," TS "}");
	/* A record time before the epoch rounds down to the millisecond. */
	add_line(set, "{\"name\":\"old\",\"value\":1,\"time\":\"1969-12-31T23:59:59.999999500Z\"}");
	assert_int_equal(obs_series_set_finish(set, &err), 0);
	assert_true(value_at(set, "c", "j", "a", t) == 2);
	assert_true(value_at(set, "c", "j", "a", t + 1000) == 5);
	assert_true(value_at(set, "s", NULL, NULL, t + 1000) == 12);
	assert_true(value_at(set, "g", NULL, NULL, t) == 7);
	assert_true(value_at(set, "u", NULL, NULL, t) == -1);
	assert_true(value_at(set, "h_bucket", "le", "0.25", t) == 0);
	assert_true(value_at(set, "h_bucket", "le", "0.5", t) == 1);
	assert_true(value_at(set, "h_bucket", "le", "10", t) == 1);
	assert_true(value_at(set, "h_bucket", "le", "+Inf", t) == 2);
	assert_true(value_at(set, "h_sum", NULL, NULL, t) == 20.3);
	assert_true(value_at(set, "h_count", NULL, NULL, t) == 2);
	assert_true(value_at(set, "q_sum", NULL, NULL, t) == 4);
	assert_true(value_at(set, "q_count", NULL, NULL, t) == 1);
	assert_true(isnan(value_at(set, "q_bucket", "le", "+Inf", t)));
	assert_true(value_at(set, "old", NULL, NULL, -1) == 1);
	/* A record without time cannot go in. */
	assert_int_equal(scan("{\"name\":\"x\",\"value\":1}", 0, &err), 1);
	assert_int_equal(obs_metric_scan_add_series(&m, set, &err), -1);
	assert_string_equal(err.msg, "missing 'time'");
	/* The set's own errors come through. */
	assert_int_equal(scan("{\"name\":\"x\",\"value\":1," TS "}", 0, &err), 1);
	assert_int_equal(obs_metric_scan_add_series(&m, set, &err), -1);
	assert_string_equal(err.msg, "series set is finished");
	assert_int_equal(scan("{\"name\":\"h\",\"metric_type\":\"histogram\",\"value\":1," TS "}", 0, &err), 1);
	assert_int_equal(obs_metric_scan_add_series(&m, set, &err), -1);
	assert_int_equal(scan("{\"name\":\"q\",\"metric_type\":\"summary\",\"value\":1," TS "}", 0, &err), 1);
	assert_int_equal(obs_metric_scan_add_series(&m, set, &err), -1);
	assert_string_equal(err.msg, "series set is finished");
	obs_series_set_free(set);
}

static void test_filter(void **state)
{
	char up[] = "up", bucket[] = "req_seconds_bucket", rule[] = "job:rate5m";
	char *names[] = { up, bucket, rule };
	struct obs_metric_filter f;
	struct obs_error err;
	const char *in = "{\"type\":\"metric\",\"name\":\"up\",\"value\":1," TS "}";
	const char *early = "{\"type\":\"metric\",\"name\":\"up\",\"value\":1,\"time\":\"2026-11-24T09:59:59.999999999Z\"}";
	const char *late = "{\"type\":\"metric\",\"name\":\"up\",\"value\":1,\"time\":\"2026-11-24T10:05:00.000000001Z\"}";
	const char *other = "{\"type\":\"metric\",\"name\":\"down\",\"value\":1," TS "}";
	const char *hist = "{\"type\":\"metric\",\"name\":\"req_seconds\",\"metric_type\":\"histogram\",\"value\":1," TS "}";
	const char *twice = "{\"type\":\"metric\",\"name\":\"down\",\"value\":1,\"labels\":{\"name\":\"up\"}," TS "}";
	const char *esc = "{\"type\":\"metric\",\"name\":\"down\",\"value\":1,\"help\":\"\\n\",\"time\":\"2000-01-01T00:00:00.000000000Z\"}";

	(void)state;
	assert_int_equal(obs_metric_filter_init(&f, T0, T0 + 300 * OBS_NS_PER_SEC, names, 3), 0);
	assert_int_equal(obs_metric_filter_maybe(&f, in, strlen(in)), 1);
	assert_int_equal(obs_metric_filter_maybe(&f, early, strlen(early)), 0);
	assert_int_equal(obs_metric_filter_maybe(&f, late, strlen(late)), 0);
	assert_int_equal(obs_metric_filter_maybe(&f, other, strlen(other)), 0);
	assert_int_equal(obs_metric_filter_maybe(&f, hist, strlen(hist)), 1);
	/* A label called name: the name right after the type is the record's. */
	assert_int_equal(obs_metric_filter_maybe(&f, twice, strlen(twice)), 0);
	/* Elsewhere, two "name" keys: no decision on raw bytes. */
	{
		const char *two = "{\"labels\":{\"name\":\"up\"},\"name\":\"down\",\"value\":1}";

		assert_int_equal(obs_metric_filter_maybe(&f, two, strlen(two)), 1);
	}
	/* The time at the end, before the cumulative flag, or elsewhere. */
	{
		const char *cum = "{\"type\":\"metric\",\"name\":\"up\",\"value\":1,\"time\":\"2026-11-24T09:00:00.000000000Z\",\"cumulative\":true}";
		const char *mid = "{\"type\":\"metric\",\"name\":\"up\",\"value\":1,\"time\":\"2026-11-24T09:00:00.000000000Z\",\"help\":\"h\"}";
		const char *nested = "{\"name\":\"up\",\"value\":1,\"labels\":{\"a\":\"b\",\"time\":\"2026-11-24T09:00:00.000000000Z\"}}";
		const char *shorty = "{\"time\":\"2026\"}";

		assert_int_equal(obs_metric_filter_maybe(&f, cum, strlen(cum)), 0);
		assert_int_equal(obs_metric_filter_maybe(&f, mid, strlen(mid)), 0);
		/* A label called time (the record has none): not read as the time. */
		assert_int_equal(obs_metric_filter_maybe(&f, nested, strlen(nested)), 0);
		assert_int_equal(obs_metric_filter_maybe(&f, shorty, strlen(shorty)), 1);
		/* A spaced top-level time and a label called time: no decision. */
		assert_int_equal(obs_metric_filter_maybe(&f, "{\"name\":\"up\",\"time\": \"2026-11-24T10:00:00.000000000Z\","
							 "\"labels\":{\"time\":\"2026-11-24T09:00:00.000000000Z\"}}", 105), 1);
		/* "time" as a value is not the key. */
		assert_int_equal(obs_metric_filter_maybe(&f, "{\"name\":\"up\",\"a\":\"time\"}", 24), 1);
	}
	/* A time at the end is structure even with escapes elsewhere. */
	assert_int_equal(obs_metric_filter_maybe(&f, esc, strlen(esc)), 0);
	/* An escaped name, or escapes with the time elsewhere: looked at. */
	{
		const char *ename = "{\"type\":\"metric\",\"name\":\"\\u0075p\",\"value\":1," TS "}";
		const char *etime = "{\"name\":\"down\",\"time\":\"2000-01-01T00:00:00.000000000Z\",\"help\":\"\\n\"}";
		const char *ename2 = "{\"name\":\"\\u0075p\",\"time\":\"2026-11-24T10:00:00.000000000Z\",\"value\":1}";

		assert_int_equal(obs_metric_filter_maybe(&f, ename, strlen(ename)), 1);
		assert_int_equal(obs_metric_filter_maybe(&f, etime, strlen(etime)), 1);
		assert_int_equal(obs_metric_filter_maybe(&f, ename2, strlen(ename2)), 1);
	}
	/* A leap second is read as the last instant of its minute: in the window. */
	{
		const char *leap = "{\"name\":\"up\",\"value\":1,\"time\":\"2026-11-24T09:59:60.000000000Z\"}";
		struct obs_metric_filter f2;

		assert_int_equal(obs_metric_filter_init(&f2, T0 - 1, T0, names, 3), 0);
		assert_int_equal(obs_metric_filter_maybe(&f2, leap, strlen(leap)), 1);
		assert_int_equal(scan(leap, 0, &err), 1);
		assert_int_equal(obs_metric_filter_match(&f2, &m), 1);
		obs_metric_filter_release(&f2);
	}
	/* Spaces after the colon: no decision either. */
	assert_int_equal(obs_metric_filter_maybe(&f, "{\"name\": \"down\", \"time\": \"2000\"}", 33), 1);

	assert_int_equal(scan(in, 0, &err), 1);
	assert_int_equal(obs_metric_filter_match(&f, &m), 1);
	assert_int_equal(scan(early, 0, &err), 1);
	assert_int_equal(obs_metric_filter_match(&f, &m), 0);
	assert_int_equal(scan(twice, 0, &err), 1);
	assert_int_equal(obs_metric_filter_match(&f, &m), 0);
	assert_int_equal(scan(hist, 0, &err), 1);
	assert_int_equal(obs_metric_filter_match(&f, &m), 1);
	assert_int_equal(scan("{\"name\":\"up\",\"value\":1}", 0, &err), 1);
	assert_int_equal(obs_metric_filter_match(&f, &m), 0);
	obs_metric_filter_release(&f);

	/* x_sum and x_count both want records named x: once. */
	{
		char s1[] = "x_sum", s2[] = "x_count";
		char *two[] = { s1, s2 };
		char longname[1200];

		assert_int_equal(obs_metric_filter_init(&f, OBS_TIME_MIN, OBS_TIME_MAX, two, 2), 0);
		assert_int_equal(f.nnames, 3);
		assert_int_equal(obs_metric_filter_maybe(&f, hist, strlen(hist)), 0);
		snprintf(longname, sizeof(longname), "{\"name\":\"%01100d\"}", 0);
		assert_int_equal(obs_metric_filter_maybe(&f, longname, strlen(longname)), 1);
		assert_int_equal(obs_metric_filter_maybe(&f, "{\"name\":\"x", 10), 1);
		obs_metric_filter_release(&f);
	}
	/* No names, open ends: everything with a time. */
	assert_int_equal(obs_metric_filter_init(&f, OBS_TIME_MIN, OBS_TIME_MAX, NULL, 0), 0);
	assert_int_equal(obs_metric_filter_maybe(&f, other, strlen(other)), 1);
	assert_int_equal(obs_metric_filter_maybe(&f, early, strlen(early)), 1);
	assert_int_equal(scan(other, 0, &err), 1);
	assert_int_equal(obs_metric_filter_match(&f, &m), 1);
	obs_metric_filter_release(&f);
}

static void test_label_arg(void **state)
{
	json_t *l = json_object();
	struct obs_error err;
	char long_name[300];

	(void)state;
	assert_int_equal(obs_metric_label_arg(l, "job=a=b", &err), 0);
	assert_string_equal(json_string_value(json_object_get(l, "job")), "a=b");
	assert_int_equal(obs_metric_label_arg(l, "empty=", &err), 0);
	assert_int_equal(obs_metric_label_arg(l, "job=c", &err), -1);
	assert_string_equal(err.msg, "duplicate label 'job'");
	assert_int_equal(obs_metric_label_arg(l, "=c", &err), -1);
	assert_string_equal(err.msg, "invalid label '=c': expected NAME=VALUE");
	assert_int_equal(obs_metric_label_arg(l, "noeq", &err), -1);
	assert_string_equal(err.msg, "invalid label 'noeq': expected NAME=VALUE");
	assert_int_equal(obs_metric_label_arg(l, "a-b=c", &err), -1);
	assert_string_equal(err.msg, "invalid label name 'a-b' (expected [a-zA-Z_][a-zA-Z0-9_]*)");
	assert_int_equal(obs_metric_label_arg(l, "__a=c", &err), -1);
	assert_string_equal(err.msg, "invalid label name '__a' (names starting with '__' are reserved)");
	assert_int_equal(obs_metric_label_arg(l, "u=\xff", &err), -1);
	assert_string_equal(err.msg, "label 'u' has a value that is not UTF-8");
	memset(long_name, 'a', sizeof(long_name));
	long_name[280] = '=';
	long_name[281] = '\0';
	assert_int_equal(obs_metric_label_arg(l, long_name, &err), -1);
	assert_non_null(strstr(err.msg, "invalid label name 'aaaa"));
	json_decref(l);
}

/* Every allocation failing in turn: an error (or the record), never a crash or a leak. */
static void test_out_of_memory(void **state)
{
	const char *line = "{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"histogram\",\"value\":1,"
			   "\"labels\":{\"a\":\"b\",\"c\":\"d\"}," TS ",\"help\":\"h\"}";
	char n1[] = "x_bucket", n2[] = "y";
	char *names[] = { n1, n2 };
	struct obs_series_set *set;
	struct obs_metric_filter f;
	struct obs_error err;
	json_t *rec, *l;
	long k;
	int rc;

	(void)state;
	if (!failalloc_works())
		skip();
	for (k = 0, rc = -1; rc < 0; k++) {
		struct obs_metric_scan s2;

		obs_metric_scan_init(&s2);
		alloc_budget = k;
		rc = obs_metric_scan_line(&s2, line, strlen(line), 0, &err);
		alloc_budget = -1;
		if (rc < 0)
			assert_string_equal(err.msg, "out of memory");
		obs_metric_scan_release(&s2);
	}
	assert_int_equal(scan(line, 0, &err), 1);
	for (k = 0, rec = NULL; !rec; k++) {
		alloc_budget = k;
		rec = obs_metric_scan_record(&m, T0);
		alloc_budget = -1;
	}
	json_decref(rec);
	for (k = 0, rc = -1; rc < 0; k++) {
		set = obs_series_set_new();
		assert_non_null(set);
		alloc_budget = k;
		rc = obs_metric_scan_add_series(&m, set, &err);
		alloc_budget = -1;
		obs_series_set_free(set);
	}
	for (k = 0, rc = -1; rc < 0; k++) {
		alloc_budget = k;
		rc = obs_metric_filter_init(&f, 0, 1, names, 2);
		alloc_budget = -1;
		if (rc < 0)
			assert_null(f.names);
	}
	assert_int_equal(f.nnames, 3);
	obs_metric_filter_release(&f);
	l = json_object();
	for (k = 0, rc = -1; rc < 0; k++) {
		alloc_budget = k;
		rc = obs_metric_label_arg(l, "a=b", &err);
		alloc_budget = -1;
	}
	json_decref(l);
}

/* LINE scanned the fast way and the general way: the same answer, field by field. */
static void both_ways(const char *line, int expect)
{
	struct obs_metric_scan slow;
	struct obs_error e1, e2;
	int r1, r2;
	size_t i;

	obs_metric_scan_init(&slow);
	r1 = obs_metric_scan_line(&m, line, strlen(line), 0, &e1);
	r2 = obs_metric_scan_line(&slow, line, strlen(line), OBS_METRIC_SCAN_SLOW, &e2);
	if (r1 != expect || r2 != expect)
		fail_msg("%s: %d and %d, expected %d", line, r1, r2, expect);
	if (r1 < 0)
		assert_string_equal(e1.msg, e2.msg);
	if (r1 == 1) {
		assert_string_equal(m.name, slow.name);
		assert_int_equal(m.type, slow.type);
		assert_true((isnan(m.value) && isnan(slow.value)) || m.value == slow.value);
		assert_true(m.time_ns == slow.time_ns);
		assert_int_equal(m.cumulative, slow.cumulative);
		assert_int_equal(m.canonical, slow.canonical);
		assert_int_equal(m.nlabels, slow.nlabels);
		for (i = 0; i < m.nlabels; i++) {
			assert_string_equal(m.labels[i].name, slow.labels[i].name);
			assert_string_equal(m.labels[i].value, slow.labels[i].value);
		}
		assert_true(!m.help == !slow.help && !m.unit == !slow.unit);
		if (m.help)
			assert_string_equal(m.help, slow.help);
		if (m.unit)
			assert_string_equal(m.unit, slow.unit);
	}
	obs_metric_scan_release(&slow);
}

#define PRE "{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"gauge\",\"value\":"
#define LAB ",\"labels\":{}"
#define TIM ",\"time\":\"2026-11-24T10:00:00.000000000Z\""

static void test_fast_path(void **state)
{
	static const char *const good[] = {
		PRE "0" LAB TIM "}", PRE "-0.5" LAB TIM "}", PRE "1e3" LAB TIM "}",
		PRE "1.5E-3" LAB TIM "}", PRE "-12" LAB TIM "}", PRE "2e+2" LAB TIM "}",
		PRE "\"NaN\"" LAB TIM "}", PRE "\"+Inf\"" LAB TIM "}", PRE "\"-Inf\"" LAB TIM "}",
		PRE "\"inf\"" LAB TIM "}", PRE "1" ",\"labels\":{\"a\":\"b\",\"c\":\"d e\"}" TIM "}",
		PRE "1" LAB TIM ",\"help\":\"H\",\"unit\":\"bytes\",\"cumulative\":true}",
		PRE "1" LAB TIM ",\"cumulative\":false}", PRE "1" LAB TIM ",\"unit\":\"s\"}",
		PRE "1" ",\"labels\":{\"a\":\"\u00e9\"}" TIM "}", PRE "1" LAB TIM "} ",
		PRE "1" LAB ",\"time\":\"2026-11-24T10:00:00Z\"}", PRE "1" LAB TIM ",\"help\":\"\\n\"}",
		PRE "1" LAB TIM ",\"help\":\"\xc3\xa9\"}", PRE "123456789012345678901234567890123456789012345678901234567890123456789" LAB TIM "}",
		"{\"type\":\"metric\",\"name\":\"h_bucket\",\"metric_type\":\"histogram\",\"value\":1,"
		"\"labels\":{\"le\":\"1\"}" TIM ",\"cumulative\":true}",
		"{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"summary\",\"value\":1,"
		"\"labels\":{\"le\":\"1\"}" TIM "}",
		"{\"type\":\"metric\",\"\\u006eame\":\"x\",\"value\":1" TIM "}",
		"{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"gauge\",\"value\":1" LAB TIM ",\"x\":1}",
	};
	static const char *const bad[] = {
		PRE "01" LAB TIM "}", PRE "1." LAB TIM "}", PRE "1e" LAB TIM "}", PRE "1e999" LAB TIM "}",
		PRE "-" LAB TIM "}", PRE "x" LAB TIM "}",
		PRE "1" ",\"labels\":{\"a\":\"b\",\"a\":\"c\"}" TIM "}",
		PRE "1" ",\"labels\":{\"1a\":\"b\"}" TIM "}", PRE "1" ",\"labels\":{\"a\":1}" TIM "}",
		PRE "1" ",\"labels\":{\"a\":\"b\",}" TIM "}", PRE "1" ",\"labels\":{\"a\":\"b\"" TIM "}",
		PRE "1" LAB ",\"time\":\"2026-11-24T10:00:00.000000000Z}",
		PRE "1" LAB ",\"time\":\"4052-11-24T10:00:00.000000000Z\"}",
		PRE "1" LAB TIM ",\"unit\":\"m/s\"}", PRE "1" LAB TIM ",\"cumulative\":1}",
		PRE "1" LAB TIM ",\"help\":\"a}", PRE "1" LAB TIM "}x", PRE "1" LAB TIM,
		"{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"histogram\",\"value\":1,"
		"\"labels\":{\"le\":\"1\"}" TIM "}",
		"{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"summary\",\"value\":1,"
		"\"labels\":{\"quantile\":\"1\"}" TIM "}",
		"{\"type\":\"metric\",\"name\":\"x y\",\"metric_type\":\"gauge\",\"value\":1" LAB TIM "}",
		"{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"gauges\",\"value\":1" LAB TIM "}",
	};
	char line[8192], name[1100];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		both_ways(good[i], 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		both_ways(bad[i], -1);
	/* A name longer than names may be. */
	memset(name, 'n', 1030);
	name[1030] = '\0';
	snprintf(line, sizeof(line), "{\"type\":\"metric\",\"name\":\"%s\",\"metric_type\":\"gauge\",\"value\":1" LAB TIM "}", name);
	both_ways(line, -1);
	/* More labels than a record may have. */
	n = (size_t)snprintf(line, sizeof(line), PRE "1,\"labels\":{");
	for (i = 0; i < 251; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\"l%zu\":\"v\"", i ? "," : "", i);
	snprintf(line + n, sizeof(line) - n, "}" TIM "}");
	both_ways(line, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minimal_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels_and_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test(test_label_arg),
		cmocka_unit_test_setup_teardown(test_fast_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
