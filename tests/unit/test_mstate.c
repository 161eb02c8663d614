/* SPDX-License-Identifier: MIT */
/* Unit tests for the metric series state: running totals, buckets, time order, persistence, text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_mstate.h"

/* Samples made by apply, as "name{labels} value @t" lines. */
static char got[8192];

static int collect(void *ctx, const struct obs_mstate_series *s, struct obs_error *err)
{
	char *labels = obs_labels_format(s->labels);
	size_t n = strlen(got);

	(void)ctx;
	(void)err;
	snprintf(got + n, sizeof(got) - n, "%s %.17g @%lld\n", labels, s->value,
		 (long long)s->t_ms);
	free(labels);
	return 0;
}

static int failing(void *ctx, const struct obs_mstate_series *s, struct obs_error *err)
{
	(void)ctx;
	(void)s;
	return obs_error_set(err, "callback says no");
}

static int apply(struct obs_mstate *m, const char *line, struct obs_error *err)
{
	got[0] = '\0';
	return obs_mstate_apply(m, line, strlen(line), collect, NULL, err);
}

#define T0 "\"time\":\"2026-11-24T10:00:00Z\""
#define T1 "\"time\":\"2026-11-24T10:00:01Z\""
#define TM "\"time\":\"2026-11-24T09:59:59Z\""


static void test_counters_and_gauges(void **state)
{
	struct obs_mstate *m = obs_mstate_new();
	struct obs_error err;

	(void)state;
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":"
			      "\"counter\",\"value\":2,\"labels\":{\"q\":\"a\"}," T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"jobs_total\", q=\"a\"} 2 @1795514400000\n");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":"
			      "\"counter\",\"value\":3.5,\"labels\":{\"q\":\"a\"}," T1 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"jobs_total\", q=\"a\"} 5.5 @1795514401000\n");
	/* An increment at the same or an earlier millisecond goes one ms after the last. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":"
			      "\"counter\",\"value\":1,\"labels\":{\"q\":\"a\"}," T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"jobs_total\", q=\"a\"} 6.5 @1795514401001\n");
	/* A running total from a scrape is taken as it is. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"http_total\",\"metric_type\":"
			      "\"counter\",\"value\":100,\"cumulative\":true," T0 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"http_total\",\"metric_type\":"
			      "\"counter\",\"value\":7,\"cumulative\":true," T1 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"http_total\"} 7 @1795514401000\n");
	/* Gauges: the latest; an older one is stale; the same ms is a later write. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"temp\",\"metric_type\":\"gauge\","
			      "\"value\":21.5,\"labels\":{\"room\":\"x\"}," T1 ",\"help\":\"Temp.\"}",
			      &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"temp\",\"metric_type\":\"gauge\","
			      "\"value\":99,\"labels\":{\"room\":\"x\"}," T0 "}", &err), 1);
	assert_string_equal(got, "");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"temp\",\"metric_type\":\"gauge\","
			      "\"value\":\"NaN\",\"labels\":{\"room\":\"x\"}," T1 ",\"help\":\"T2\"}",
			      &err), 0);
	assert_string_equal(got, "{__name__=\"temp\", room=\"x\"} nan @1795514401001\n");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"temp\",\"value\":\"+Inf\","
			      "\"metric_type\":\"gauge\",\"labels\":{\"room\":\"y\"}," T1 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"temp\",\"value\":\"-inf\","
			      "\"metric_type\":\"gauge\",\"labels\":{\"room\":\"z\"}," T1 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"temp\",\"value\":\"inf\","
			      "\"metric_type\":\"gauge\",\"labels\":{\"room\":\"w\"}," T1 "}", &err), 0);
	/* Untyped when metric_type is absent; an empty label value is no label. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"misc\",\"value\":1,"
			      "\"labels\":{\"a\":\"\"}," T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"misc\"} 1 @1795514400000\n");
	assert_int_equal(obs_mstate_count(m), 7);
	assert_string_equal(obs_mstate_get(m, 2)->name, "temp");
	assert_string_equal(obs_mstate_get(m, 2)->help, "T2");
	assert_int_equal(obs_mstate_get(m, 2)->type, OBS_METRIC_GAUGE);
	assert_null(obs_mstate_get(m, 7));
	/* No callback: fine too. */
	{
		static const char line[] = "{\"type\":\"metric\",\"name\":\"misc\",\"value\":2," T1 "}";

		assert_int_equal(obs_mstate_apply(m, line, sizeof(line) - 1, NULL, NULL, &err), 0);
	}
	obs_mstate_free(m);
	obs_mstate_free(NULL);
}

static void test_histograms(void **state)
{
	struct obs_mstate *m = obs_mstate_new();
	struct obs_error err;
	static const double bounds[] = { 0.5, 1 };
	static const double bad[] = { 1, 1 };
	static const double nan_bound[] = { NAN };

	(void)state;
	assert_int_equal(obs_mstate_set_buckets(m, bad, 2, &err), -1);
	assert_string_equal(err.msg, "bucket bounds must be finite and increasing");
	assert_int_equal(obs_mstate_set_buckets(m, nan_bound, 1, &err), -1);
	assert_int_equal(obs_mstate_set_buckets(m, bounds, 2, &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"lat\",\"metric_type\":"
			      "\"histogram\",\"value\":0.7,\"labels\":{\"j\":\"ci\"}," T0 "}", &err), 0);
	assert_string_equal(got,
		"{__name__=\"lat_bucket\", j=\"ci\", le=\"0.5\"} 0 @1795514400000\n"
		"{__name__=\"lat_bucket\", j=\"ci\", le=\"1\"} 1 @1795514400000\n"
		"{__name__=\"lat_bucket\", j=\"ci\", le=\"+Inf\"} 1 @1795514400000\n"
		"{__name__=\"lat_sum\", j=\"ci\"} 0.69999999999999996 @1795514400000\n"
		"{__name__=\"lat_count\", j=\"ci\"} 1 @1795514400000\n");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"lat\",\"metric_type\":"
			      "\"histogram\",\"value\":0.2,\"labels\":{\"j\":\"ci\"}," T1 "}", &err), 0);
	assert_string_equal(got,
		"{__name__=\"lat_bucket\", j=\"ci\", le=\"0.5\"} 1 @1795514401000\n"
		"{__name__=\"lat_bucket\", j=\"ci\", le=\"1\"} 2 @1795514401000\n"
		"{__name__=\"lat_bucket\", j=\"ci\", le=\"+Inf\"} 2 @1795514401000\n"
		"{__name__=\"lat_sum\", j=\"ci\"} 0.89999999999999991 @1795514401000\n"
		"{__name__=\"lat_count\", j=\"ci\"} 2 @1795514401000\n");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"lat\",\"metric_type\":"
			      "\"histogram\",\"value\":\"NaN\"," T1 "}", &err), -1);
	assert_string_equal(err.msg, "increment is not finite");
	/* Summary observations: sum and count. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"rt\",\"metric_type\":"
			      "\"summary\",\"value\":3," T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"rt_sum\"} 3 @1795514400000\n"
			    "{__name__=\"rt_count\"} 1 @1795514400000\n");
	/* Scraped parts: as they are. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"s_bucket\",\"metric_type\":"
			      "\"histogram\",\"value\":4,\"cumulative\":true,\"labels\":{\"le\":\"1\"},"
			      T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"s_bucket\", le=\"1\"} 4 @1795514400000\n");
	/* No bounds: +Inf only. */
	assert_int_equal(obs_mstate_set_buckets(m, NULL, 0, &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"h2\",\"metric_type\":"
			      "\"histogram\",\"value\":1," T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"h2_bucket\", le=\"+Inf\"} 1 @1795514400000\n"
			    "{__name__=\"h2_sum\"} 1 @1795514400000\n"
			    "{__name__=\"h2_count\"} 1 @1795514400000\n");
	obs_mstate_free(m);
}

static void bad(struct obs_mstate *m, const char *line, const char *why)
{
	struct obs_error err;
	size_t before = obs_mstate_count(m);

	assert_int_equal(apply(m, line, &err), -1);
	assert_string_equal(err.msg, why);
	assert_int_equal(obs_mstate_count(m), before);
}

static void test_refused(void **state)
{
	struct obs_mstate *m = obs_mstate_new();
	struct obs_error err;
	char big[8192];
	size_t n;

	(void)state;
	bad(m, "{", "truncated JSON");
	bad(m, "{\"type\":\"span\"}", "not a metric record");
	bad(m, "{\"type\":\"metric\"}", "invalid metric name '?'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a b\"}", "invalid metric name 'a b'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"weird\"}",
	    "unknown metric_type 'weird'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":5}", "unknown metric_type '?'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":\"x\"}", "invalid 'value'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1}", "missing 'time'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1,\"time\":-5}", "missing 'time'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1,\"time\":true}", "missing 'time'");
	/* Unix times are read by magnitude. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"u\",\"value\":1,\"time\":"
			      "1795514400.5}", &err), 0);
	assert_string_equal(got, "{__name__=\"u\"} 1 @1795514400500\n");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"u\",\"value\":2,\"time\":"
			      "1795514401000}", &err), 0);
	assert_string_equal(got, "{__name__=\"u\"} 2 @1795514401000\n");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1," T0 ",\"labels\":[]}",
	    "'labels' is not an object");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1," T0 ",\"labels\":{\"1x\":\"v\"}}",
	    "invalid label name '1x'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1," T0 ",\"labels\":{\"__x\":\"v\"}}",
	    "invalid label name '__x'");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"value\":1," T0 ",\"labels\":{\"x\":1}}",
	    "label 'x' is not a string");
	bad(m, "{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"counter\",\"value\":\"+Inf\","
	    T0 "}", "increment is not finite");
	/* Too many labels. */
	n = (size_t)snprintf(big, sizeof(big), "{\"type\":\"metric\",\"name\":\"a\",\"value\":1,"
			     T0 ",\"labels\":{");
	for (int i = 0; i < 129; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"l%d\":\"v\"", i ? "," : "", i);
	snprintf(big + n, sizeof(big) - n, "}}");
	bad(m, big, "more than 128 labels");
	/* A name seen with another type. */
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"x_total\",\"metric_type\":"
			      "\"counter\",\"value\":1," T0 "}", &err), 0);
	bad(m, "{\"type\":\"metric\",\"name\":\"x_total\",\"metric_type\":\"gauge\",\"value\":1," T0
	    ",\"labels\":{\"a\":\"b\"}}", "'x_total' is a counter, not a gauge");
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"y_sum\",\"metric_type\":"
			      "\"gauge\",\"value\":1," T0 "}", &err), 0);
	bad(m, "{\"type\":\"metric\",\"name\":\"y\",\"metric_type\":\"summary\",\"value\":1," T0
	    "}", "'y_sum' is a gauge, not a summary");
	/* The callback's error comes back. */
	{
		static const char line[] = "{\"type\":\"metric\",\"name\":\"z\",\"value\":1," T0 "}";

		assert_int_equal(obs_mstate_apply(m, line, sizeof(line) - 1, failing, NULL, &err), -1);
	}
	assert_string_equal(err.msg, "callback says no");
	obs_mstate_free(m);
}

static void test_dump_load_text(void **state)
{
	struct obs_mstate *m = obs_mstate_new(), *m2 = obs_mstate_new();
	struct obs_error err;
	json_t *dump, *dump2;
	char *text, *json;
	size_t len;

	(void)state;
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":"
			      "\"counter\",\"value\":2,\"labels\":{\"q\":\"a\\\"b\"},\"help\":\"Jobs.\","
			      T0 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"g\",\"metric_type\":\"gauge\","
			      "\"value\":\"NaN\"," T0 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"g\",\"metric_type\":\"gauge\","
			      "\"value\":\"+Inf\",\"labels\":{\"k\":\"1\"}," T0 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"g\",\"metric_type\":\"gauge\","
			      "\"value\":\"-Inf\",\"labels\":{\"k\":\"2\"}," T0 "}", &err), 0);
	assert_int_equal(apply(m, "{\"type\":\"metric\",\"name\":\"rt\",\"metric_type\":"
			      "\"summary\",\"value\":0.5," T0 "}", &err), 0);
	dump = obs_mstate_dump(m);
	json = json_dumps(dump, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(json,
		"{\"series\":[{\"name\":\"jobs_total\",\"type\":\"counter\",\"labels\":{\"q\":\"a\\\"b\"},"
		"\"value\":2.0,\"t\":1795514400000,\"help\":\"Jobs.\"},"
		"{\"name\":\"g\",\"type\":\"gauge\",\"labels\":{},\"value\":\"NaN\",\"t\":1795514400000},"
		"{\"name\":\"g\",\"type\":\"gauge\",\"labels\":{\"k\":\"1\"},\"value\":\"+Inf\",\"t\":1795514400000},"
		"{\"name\":\"g\",\"type\":\"gauge\",\"labels\":{\"k\":\"2\"},\"value\":\"-Inf\",\"t\":1795514400000},"
		"{\"name\":\"rt_sum\",\"type\":\"summary\",\"labels\":{},\"value\":0.5,\"t\":1795514400000},"
		"{\"name\":\"rt_count\",\"type\":\"summary\",\"labels\":{},\"value\":1.0,\"t\":1795514400000}]}");
	free(json);
	assert_int_equal(obs_mstate_load(m2, dump, &err), 0);
	dump2 = obs_mstate_dump(m2);
	assert_true(json_equal(dump, dump2));
	/* Totals go on after a load. */
	assert_int_equal(apply(m2, "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":"
			       "\"counter\",\"value\":1,\"labels\":{\"q\":\"a\\\"b\"}," T0 "}", &err), 0);
	assert_string_equal(got, "{__name__=\"jobs_total\", q=\"a\\\"b\"} 3 @1795514400001\n");
	/* The text exposition. */
	text = obs_mstate_text(m2, &len, &err);
	assert_non_null(text);
	assert_string_equal(text,
		"# TYPE g gauge\n"
		"g NaN\n"
		"g{k=\"1\"} +Inf\n"
		"g{k=\"2\"} -Inf\n"
		"# HELP jobs_total Jobs.\n"
		"# TYPE jobs_total counter\n"
		"jobs_total{q=\"a\\\"b\"} 3\n"
		"# TYPE rt summary\n"
		"rt_sum 0.5\n"
		"rt_count 1\n");
	assert_int_equal(len, strlen(text));
	free(text);
	json_decref(dump);
	json_decref(dump2);
	obs_mstate_free(m);
	obs_mstate_free(m2);
}

static void load_bad(const char *text, const char *why)
{
	struct obs_mstate *m = obs_mstate_new();
	struct obs_error err;
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	assert_int_equal(obs_mstate_load(m, j, &err), -1);
	assert_string_equal(err.msg, why);
	assert_int_equal(obs_mstate_count(m), 0);
	json_decref(j);
	obs_mstate_free(m);
}

#define S(x) "{\"series\":[" x "]}"
#define OK "{\"name\":\"a\",\"type\":\"gauge\",\"labels\":{},\"value\":1,\"t\":0}"

static void test_load_bad(void **state)
{
	(void)state;
	load_bad("{}", "no 'series' array");
	load_bad(S("{}"), "series 1: invalid name");
	load_bad(S(OK ",{\"name\":\"a b\"}"), "series 2: invalid name");
	load_bad(S("{\"name\":\"a\",\"type\":\"x\"}"), "series 1: invalid type");
	load_bad(S("{\"name\":\"a\",\"type\":\"gauge\",\"labels\":[]}"), "series 1: invalid labels");
	load_bad(S("{\"name\":\"a\",\"type\":\"gauge\",\"labels\":{\"1\":\"x\"},\"t\":0,\"value\":1}"),
		 "series 1: invalid labels");
	load_bad(S("{\"name\":\"a\",\"type\":\"gauge\",\"labels\":{\"a\":1},\"t\":0,\"value\":1}"),
		 "series 1: invalid labels");
	load_bad(S("{\"name\":\"a\",\"type\":\"gauge\",\"labels\":{},\"t\":\"0\"}"), "series 1: invalid t");
	load_bad(S("{\"name\":\"a\",\"type\":\"gauge\",\"labels\":{},\"t\":0,\"help\":1}"),
		 "series 1: invalid help");
	load_bad(S("{\"name\":\"a\",\"type\":\"gauge\",\"labels\":{},\"t\":0,\"value\":\"x\"}"),
		 "series 1: invalid value");
	load_bad(S(OK "," OK), "series 2: duplicate series");
	load_bad(S(OK ",{\"name\":\"a\",\"type\":\"counter\",\"labels\":{\"x\":\"y\"},\"value\":1,\"t\":0}"),
		 "series 2: type differs from an earlier series of that name");
}

static void test_many_series(void **state)
{
	struct obs_mstate *m = obs_mstate_new();
	struct obs_error err;
	char line[256];
	json_t *dump;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(line, sizeof(line), "{\"type\":\"metric\",\"name\":\"m%d\","
				 "\"metric_type\":\"counter\",\"value\":1,\"labels\":{\"i\":\"%d\"},"
				 T0 "}", i % 300, i);

		assert_int_equal(obs_mstate_apply(m, line, (size_t)n, NULL, NULL, &err), 0);
	}
	for (int i = 0; i < 3000; i += 7) {
		int n = snprintf(line, sizeof(line), "{\"type\":\"metric\",\"name\":\"m%d\","
				 "\"metric_type\":\"counter\",\"value\":1,\"labels\":{\"i\":\"%d\"},"
				 T1 "}", i % 300, i);

		assert_int_equal(obs_mstate_apply(m, line, (size_t)n, NULL, NULL, &err), 0);
	}
	assert_int_equal(obs_mstate_count(m), 3000);
	assert_true(obs_mstate_get(m, 7)->value == 2);
	assert_true(obs_mstate_get(m, 8)->value == 1);
	dump = obs_mstate_dump(m);
	assert_int_equal(obs_mstate_load(m, dump, &err), 0);
	assert_int_equal(obs_mstate_count(m), 3000);
	json_decref(dump);
	obs_mstate_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_gauges),
		cmocka_unit_test(test_histograms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dump_load_text),
		cmocka_unit_test(test_load_bad),
		cmocka_unit_test(test_many_series),
	};


	return cmocka_run_group_tests(tests, NULL, NULL);
}
