/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_metric: types, name rules, record construction and values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_metric.h"

#define T0 1764020703123456789LL   /* 2025-11-24T21:45:03.123456789Z */

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT);
}

static void assert_json(json_t *j, const char *expected)
{
	char *s = dump(j);

	assert_non_null(s);
	assert_string_equal(s, expected);
	free(s);
}

static void test_type_names(void **state)
{
	enum obs_metric_type t = OBS_METRIC_GAUGE;

	(void)state;
	assert_int_equal(obs_metric_type_parse("counter", &t), 0);
	assert_int_equal(t, OBS_METRIC_COUNTER);
	assert_int_equal(obs_metric_type_parse("gauge", &t), 0);
	assert_int_equal(t, OBS_METRIC_GAUGE);
	assert_int_equal(obs_metric_type_parse("histogram", &t), 0);
	assert_int_equal(t, OBS_METRIC_HISTOGRAM);
	assert_int_equal(obs_metric_type_parse("summary", &t), 0);
	assert_int_equal(t, OBS_METRIC_SUMMARY);
	assert_int_equal(obs_metric_type_parse("untyped", &t), 0);
	assert_int_equal(t, OBS_METRIC_UNTYPED);
	assert_int_equal(obs_metric_type_parse("untyped", NULL), 0);
	t = OBS_METRIC_GAUGE;
	assert_int_equal(obs_metric_type_parse("Counter", &t), -1);
	assert_int_equal(obs_metric_type_parse("unknown", &t), -1);
	assert_int_equal(obs_metric_type_parse("", &t), -1);
	assert_int_equal(obs_metric_type_parse(NULL, &t), -1);
	assert_int_equal(t, OBS_METRIC_GAUGE);

	assert_string_equal(obs_metric_type_name(OBS_METRIC_UNTYPED), "untyped");
	assert_string_equal(obs_metric_type_name(OBS_METRIC_COUNTER), "counter");
	assert_string_equal(obs_metric_type_name(OBS_METRIC_GAUGE), "gauge");
	assert_string_equal(obs_metric_type_name(OBS_METRIC_HISTOGRAM), "histogram");
	assert_string_equal(obs_metric_type_name(OBS_METRIC_SUMMARY), "summary");
	assert_null(obs_metric_type_name((enum obs_metric_type)5));
	assert_null(obs_metric_type_name((enum obs_metric_type)-1));
}

static void test_metric_names(void **state)
{
	(void)state;
	assert_int_equal(obs_metric_name_valid("http_requests_total"), 1);
	assert_int_equal(obs_metric_name_valid("a"), 1);
	assert_int_equal(obs_metric_name_valid("_"), 1);
	assert_int_equal(obs_metric_name_valid(":"), 1);
	assert_int_equal(obs_metric_name_valid("job:rate5m:sum"), 1);
	assert_int_equal(obs_metric_name_valid("A9_Z"), 1);
	assert_int_equal(obs_metric_name_valid("__name"), 1);
	assert_int_equal(obs_metric_name_valid("9a"), 0);
	assert_int_equal(obs_metric_name_valid("a-b"), 0);
	assert_int_equal(obs_metric_name_valid("a.b"), 0);
	assert_int_equal(obs_metric_name_valid("a b"), 0);
	assert_int_equal(obs_metric_name_valid("caf\xc3\xa9"), 0);
	assert_int_equal(obs_metric_name_valid(""), 0);
	assert_int_equal(obs_metric_name_valid(NULL), 0);
}

static void test_label_names(void **state)
{
	(void)state;
	assert_int_equal(obs_label_name_valid("job"), 1);
	assert_int_equal(obs_label_name_valid("_x"), 1);
	assert_int_equal(obs_label_name_valid("a_1"), 1);
	assert_int_equal(obs_label_name_valid("Le"), 1);
	assert_int_equal(obs_label_name_valid("__name__"), 0);
	assert_int_equal(obs_label_name_valid("__x"), 0);
	assert_int_equal(obs_label_name_valid("a:b"), 0);
	assert_int_equal(obs_label_name_valid(":"), 0);
	assert_int_equal(obs_label_name_valid("1a"), 0);
	assert_int_equal(obs_label_name_valid("a-b"), 0);
	assert_int_equal(obs_label_name_valid(""), 0);
	assert_int_equal(obs_label_name_valid(NULL), 0);
}

static void test_new_counter(void **state)
{
	json_t *labels = json_pack("{s:s,s:s}", "method", "GET", "code", "200");
	json_t *rec;

	(void)state;
	rec = obs_metric_new("http_requests_total", OBS_METRIC_COUNTER, 3, labels, T0,
			     NULL, NULL, 0);
	assert_json(rec, "{\"type\":\"metric\",\"name\":\"http_requests_total\","
		    "\"metric_type\":\"counter\",\"value\":3,"
		    "\"labels\":{\"method\":\"GET\",\"code\":\"200\"},"
		    "\"time\":\"2025-11-24T21:45:03.123456789Z\"}");
	/* The labels were copied, not taken. */
	json_object_set_new(labels, "code", json_string("500"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "labels"),
							      "code")), "200");
	assert_int_equal(labels->refcount, 1);
	json_decref(rec);
	json_decref(labels);
}

static void test_new_optional_fields(void **state)
{
	json_t *rec;

	(void)state;
	rec = obs_metric_new("node_load1", OBS_METRIC_GAUGE, 0.25, NULL, 0,
			     "1m load average.", "ratio", 1);
	assert_json(rec, "{\"type\":\"metric\",\"name\":\"node_load1\",\"metric_type\":\"gauge\","
		    "\"value\":0.25,\"labels\":{},\"time\":\"1970-01-01T00:00:00.000000000Z\","
		    "\"help\":\"1m load average.\",\"unit\":\"ratio\",\"cumulative\":true}");
	json_decref(rec);

	/* Empty help and unit are left out. */
	rec = obs_metric_new("x", OBS_METRIC_UNTYPED, -2, NULL, -1500000000LL, "", "", 0);
	assert_json(rec, "{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"untyped\","
		    "\"value\":-2,\"labels\":{},\"time\":\"1969-12-31T23:59:58.500000000Z\"}");
	json_decref(rec);
}

static void test_new_values(void **state)
{
	static const struct {
		double v;
		const char *json;
	} cases[] = {
		{ 0, "0" },
		{ 1e15, "1000000000000000" },
		{ 9007199254740991.0, "9007199254740991" },
		{ 9007199254740992.0, "9007199254740992.0" },
		{ -7, "-7" },
		{ 0.5, "0.5" },
		{ 1e300, "1.0000000000000001e300" },
	};
	char buf[128];
	json_t *rec;
	size_t i;
	double back;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec = obs_metric_new("v", OBS_METRIC_GAUGE, cases[i].v, NULL, 0, NULL, NULL, 0);
		assert_non_null(rec);
		char *s = json_dumps(json_object_get(rec, "value"), JSON_ENCODE_ANY);
		snprintf(buf, sizeof(buf), "%s", s);
		free(s);
		assert_string_equal(buf, cases[i].json);
		assert_int_equal(obs_metric_value(rec, &back), 0);
		assert_true(back == cases[i].v);
		json_decref(rec);
	}

	rec = obs_metric_new("v", OBS_METRIC_GAUGE, NAN, NULL, 0, NULL, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(rec, "value")), "NaN");
	assert_int_equal(obs_metric_value(rec, &back), 0);
	assert_true(isnan(back));
	json_decref(rec);
	rec = obs_metric_new("v", OBS_METRIC_GAUGE, INFINITY, NULL, 0, NULL, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(rec, "value")), "+Inf");
	assert_int_equal(obs_metric_value(rec, &back), 0);
	assert_true(isinf(back) && back > 0);
	json_decref(rec);
	rec = obs_metric_new("v", OBS_METRIC_GAUGE, -INFINITY, NULL, 0, NULL, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(rec, "value")), "-Inf");
	assert_int_equal(obs_metric_value(rec, &back), 0);
	assert_true(isinf(back) && back < 0);
	json_decref(rec);
	/* -0 keeps its sign as a real. */
	rec = obs_metric_new("v", OBS_METRIC_GAUGE, -0.0, NULL, 0, NULL, NULL, 0);
	assert_true(json_is_real(json_object_get(rec, "value")));
	assert_int_equal(obs_metric_value(rec, &back), 0);
	assert_true(back == 0 && signbit(back));
	json_decref(rec);
}

static void test_new_invalid(void **state)
{
	json_t *bad_labels = json_pack("{s:i}", "a", 1);
	json_t *not_object = json_array();

	(void)state;
	assert_null(obs_metric_new("9x", OBS_METRIC_GAUGE, 1, NULL, 0, NULL, NULL, 0));
	assert_null(obs_metric_new(NULL, OBS_METRIC_GAUGE, 1, NULL, 0, NULL, NULL, 0));
	assert_null(obs_metric_new("x", (enum obs_metric_type)42, 1, NULL, 0, NULL, NULL, 0));
	assert_null(obs_metric_new("x", OBS_METRIC_GAUGE, 1, bad_labels, 0, NULL, NULL, 0));
	assert_null(obs_metric_new("x", OBS_METRIC_GAUGE, 1, not_object, 0, NULL, NULL, 0));
	json_decref(bad_labels);
	json_decref(not_object);
}

/* jansson's allocations fail once ALLOC_BUDGET of them were made (-1: never). */
static int alloc_budget = -1;

static void *budget_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

static void test_new_out_of_memory(void **state)
{
	json_t *labels = json_pack("{s:s,s:s}", "a", "1", "b", "2"), *rec = NULL;
	int n;

	(void)state;
	json_set_alloc_funcs(budget_malloc, free);
	/* Every allocation failing in turn: NULL, no leak (LeakSanitizer watches), then success. */
	for (n = 0; n < 200 && !rec; n++) {
		alloc_budget = n;
		rec = obs_metric_new("m", OBS_METRIC_COUNTER, 0.5, labels, T0, "help", "seconds", 1);
	}
	alloc_budget = -1;
	json_set_alloc_funcs(malloc, free);
	assert_non_null(rec);
	assert_true(n > 10);
	assert_json(rec, "{\"type\":\"metric\",\"name\":\"m\",\"metric_type\":\"counter\","
		    "\"value\":0.5,\"labels\":{\"a\":\"1\",\"b\":\"2\"},"
		    "\"time\":\"2025-11-24T21:45:03.123456789Z\",\"help\":\"help\","
		    "\"unit\":\"seconds\",\"cumulative\":true}");
	json_decref(rec);
	json_decref(labels);
}

static void test_value(void **state)
{
	static const struct {
		const char *json;
		int rc;
		double v;
	} cases[] = {
		{ "{\"value\":1}", 0, 1 },
		{ "{\"value\":-2.5}", 0, -2.5 },
		{ "{\"value\":\"+Inf\"}", 0, INFINITY },
		{ "{\"value\":\"Inf\"}", 0, INFINITY },
		{ "{\"value\":\"inf\"}", 0, INFINITY },
		{ "{\"value\":\"-Inf\"}", 0, -INFINITY },
		{ "{\"value\":\"-inf\"}", 0, -INFINITY },
		{ "{\"value\":\"1\"}", -1, 0 },
		{ "{\"value\":\"\"}", -1, 0 },
		{ "{\"value\":null}", -1, 0 },
		{ "{\"value\":true}", -1, 0 },
		{ "{\"value\":[1]}", -1, 0 },
		{ "{}", -1, 0 },
		{ "[1]", -1, 0 },
	};
	size_t i;
	double v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);

		assert_non_null(j);
		v = 12345;
		assert_int_equal(obs_metric_value(j, &v), cases[i].rc);
		if (cases[i].rc == 0)
			assert_true(v == cases[i].v);
		else
			assert_true(v == 12345);
		json_decref(j);
	}
	{
		json_t *j = json_loads("{\"value\":\"nan\"}", 0, NULL);

		assert_int_equal(obs_metric_value(j, &v), 0);
		assert_true(isnan(v));
		assert_int_equal(obs_metric_value(j, NULL), 0);
		json_decref(j);
	}
	assert_int_equal(obs_metric_value(NULL, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test(test_label_names),
		cmocka_unit_test(test_new_counter),
		cmocka_unit_test(test_new_optional_fields),
		cmocka_unit_test(test_new_values),
		cmocka_unit_test(test_new_invalid),
		cmocka_unit_test(test_new_out_of_memory),
		cmocka_unit_test(test_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
