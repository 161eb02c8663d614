/* SPDX-License-Identifier: MIT */
/* Allocation failures in the PromQL engine and the series set: every one is reported, none leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"
#include "obs_promql.h"
#include "obs_series.h"

static int oom_error(const struct obs_error *err)
{
	if (strcmp(err->msg, "out of memory") != 0)
		fail_msg("failed with '%s', not out of memory", err->msg);
	return -1;
}

static const char *const exprs[] = {
	"sum by (job) (rate(c[5m])) / on(job) group_left(team) info",
	"g * on(job) group_left(team) info",
	"info * on(job) group_right g",
	"c - c offset 1m > bool 3",
	"g and on(job) c or info unless d",
	"topk(2, g)", "bottomk by (job) (1, g)", "quantile(0.5, g)", "avg without (inst) (g)",
	"stddev(g)", "count(g)",
	"histogram_quantile(0.5, rate(h[5m]))", "absent(nothing{a=\"b\"})",
	"label_replace(g, \"x\", \"$1\", \"inst\", \"(.*)\")", "scalar(d) + vector(time())",
	"-g", "round(g, 2)", "quantile_over_time(0.5, g[5m])", "last_over_time(g[5m])",
	"g[2m]", "\"s\"", "1 + 2", "g @ 120", "irate(c[5m] @ 300)", "clamp_min(g, 3)",
	"{__name__=~\"c|d\"} * 2", "c + ignoring(job) c",
};

static struct obs_series_set *make_set(void)
{
	struct obs_series_set *set = obs_series_set_new();
	static const char *const recs[] = {
		"\"c\",\"metric_type\":\"counter\",\"labels\":{\"job\":\"a\"}",
		"\"c\",\"metric_type\":\"counter\",\"labels\":{\"job\":\"b\"}",
		"\"d\",\"metric_type\":\"gauge\",\"labels\":{\"job\":\"a\"}",
		"\"g\",\"metric_type\":\"gauge\",\"labels\":{\"job\":\"a\",\"inst\":\"1\"}",
		"\"g\",\"metric_type\":\"gauge\",\"labels\":{\"job\":\"b\",\"inst\":\"2\"}",
		"\"info\",\"metric_type\":\"gauge\",\"labels\":{\"job\":\"a\",\"team\":\"x\"}",
		"\"h\",\"metric_type\":\"histogram\"",
	};
	struct obs_error err;
	char buf[256];
	size_t i;
	int t;

	if (!set)
		return NULL;
	for (t = 0; t <= 600; t += 60) {
		for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
			json_t *r;
			int rc;

			snprintf(buf, sizeof(buf), "{\"name\":%s,\"value\":%d,\"time\":%d}", recs[i],
				 (int)(i + 1) * (t / 60 % 7 + 1) / 3, t);
			r = json_loads(buf, 0, NULL);
			if (!r) {
				obs_series_set_free(set);
				return NULL;
			}
			rc = obs_series_set_add_record(set, r, &err);
			json_decref(r);
			if (rc < 0) {
				obs_series_set_free(set);
				return NULL;
			}
		}
	}
	if (obs_series_set_finish(set, &err) < 0) {
		obs_series_set_free(set);
		return NULL;
	}
	return set;
}

static struct obs_series_set *shared;

static int scenario_parse(char *out, size_t size)
{
	struct obs_error err;
	size_t i, k = 0;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct obs_promql_expr *e = obs_promql_parse(exprs[i], &err);
		char *s;

		if (!e)
			return oom_error(&err);
		s = obs_promql_expr_format(e);
		obs_promql_expr_free(e);
		if (!s)
			return -1;
		k += (size_t)snprintf(out + k, size - k, "%s\n", s);
		free(s);
	}
	return 0;
}

static int scenario_load(char *out, size_t size)
{
	struct obs_series_set *set = make_set();

	if (!set)
		return -1;
	snprintf(out, size, "%zu series, %zu samples", obs_series_set_count(set),
		 obs_series_set_samples(set));
	obs_series_set_free(set);
	return 0;
}

static int eval_all(char *out, size_t size, int range)
{
	struct obs_error err;
	size_t i, k = 0;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct obs_promql_expr *e = obs_promql_parse(exprs[i], &err);
		struct obs_promql_value *v;
		char *json;
		int rc;

		if (!e)
			return oom_error(&err);
		if (range && obs_promql_expr_type(e) != OBS_PROMQL_SCALAR &&
		    obs_promql_expr_type(e) != OBS_PROMQL_VECTOR) {
			obs_promql_expr_free(e);
			continue;
		}
		rc = range ? obs_promql_eval_range(shared, e, 0, 600000, 120000, NULL, &v, &err)
			   : obs_promql_eval_instant(shared, e, 600000, NULL, &v, &err);
		obs_promql_expr_free(e);
		if (rc < 0) {
			if (strcmp(err.msg, "out of memory") == 0)
				return -1;
			k += (size_t)snprintf(out + k, size - k, "error: %s\n", err.msg);
			continue;
		}
		json = obs_promql_value_json(v);
		obs_promql_value_free(v);
		if (!json)
			return -1;
		k += (size_t)snprintf(out + k, size - k, "%s\n", json);
		free(json);
	}
	return 0;
}

static int scenario_instant(char *out, size_t size)
{
	return eval_all(out, size, 0);
}

static int scenario_range(char *out, size_t size)
{
	return eval_all(out, size, 1);
}

static void test_parse_oom(void **state)
{
	(void)state;
	failalloc_exhaust(scenario_parse);
}

static void test_load_oom(void **state)
{
	(void)state;
	failalloc_exhaust(scenario_load);
}

static void test_eval_oom(void **state)
{
	(void)state;
	shared = make_set();
	assert_non_null(shared);
	failalloc_exhaust(scenario_instant);
	failalloc_exhaust(scenario_range);
	obs_series_set_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_oom),
		cmocka_unit_test(test_load_oom),
		cmocka_unit_test(test_eval_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
