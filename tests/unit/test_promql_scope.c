/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_promql_scope: the time window and metric names an expression reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "failalloc.h"
#include "obs_promql.h"
#include "obs_promql_scope.h"

#define MIN 60000LL
#define T 1000000000000LL   /* an evaluation time, ms */

/* Scope of TEXT evaluated from START to END with the default lookback. */
static void scope_of(const char *text, int64_t start, int64_t end, int64_t lookback,
		     struct obs_promql_scope *sc)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(text, &err);

	if (!e)
		fail_msg("%s: %s", text, err.msg);
	assert_int_equal(obs_promql_scope_get(e, start, end, lookback, sc), 0);
	obs_promql_expr_free(e);
}

static void names_are(const struct obs_promql_scope *sc, const char *joined)
{
	char buf[512] = "";
	size_t i;

	for (i = 0; i < sc->nnames; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, sc->names[i]);
	}
	assert_string_equal(buf, joined);
}

static void test_instant_selector(void **state)
{
	struct obs_promql_scope sc;

	(void)state;
	scope_of("up", T, T, 0, &sc);
	assert_true(sc.mint == T - 5 * MIN);
	assert_true(sc.maxt == T);
	assert_int_equal(sc.any_name, 0);
	names_are(&sc, "up");
	obs_promql_scope_release(&sc);
	scope_of("up", T, T, 30000, &sc);
	assert_true(sc.mint == T - 30000);
	obs_promql_scope_release(&sc);
}

static void test_ranges_and_offsets(void **state)
{
	struct obs_promql_scope sc;

	(void)state;
	scope_of("sum by (job) (rate(http_requests_total[1h]))", T, T + 60 * MIN, 0, &sc);
	assert_true(sc.mint == T - 60 * MIN - 5 * MIN);
	assert_true(sc.maxt == T + 60 * MIN);
	names_are(&sc, "http_requests_total");
	obs_promql_scope_release(&sc);

	scope_of("a offset 1h + b offset -10m", T, T, 0, &sc);
	assert_true(sc.mint == T - 60 * MIN - 5 * MIN);
	assert_true(sc.maxt == T + 10 * MIN);
	names_are(&sc, "a b");
	obs_promql_scope_release(&sc);

	scope_of("rate(a[5m] offset 1d)", T, T, 0, &sc);
	assert_true(sc.mint == T - 1440 * MIN - 10 * MIN);
	assert_true(sc.maxt == T - 1440 * MIN);
	obs_promql_scope_release(&sc);
}

static void test_at_modifiers(void **state)
{
	struct obs_promql_scope sc;

	(void)state;
	scope_of("a @ 100", T, T, 0, &sc);
	assert_true(sc.mint == 100000 - 5 * MIN);
	assert_true(sc.maxt == 100000);
	obs_promql_scope_release(&sc);

	scope_of("a @ start()", T, T + 60 * MIN, 0, &sc);
	assert_true(sc.mint == T - 5 * MIN);
	assert_true(sc.maxt == T);
	obs_promql_scope_release(&sc);

	scope_of("max_over_time(a[10m] @ end())", T, T + 60 * MIN, 0, &sc);
	assert_true(sc.mint == T + 60 * MIN - 15 * MIN);
	assert_true(sc.maxt == T + 60 * MIN);
	obs_promql_scope_release(&sc);
}

static void test_names(void **state)
{
	struct obs_promql_scope sc;

	(void)state;
	scope_of("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) / on() group_left "
		 "{__name__=\"y\"} + label_replace(z, \"a\", \"$1\", \"b\", \"(.*)\") + x_bucket",
		 T, T, 0, &sc);
	names_are(&sc, "x_bucket y z");
	assert_int_equal(sc.any_name, 0);
	obs_promql_scope_release(&sc);

	scope_of("a + {job=\"x\"}", T, T, 0, &sc);
	assert_int_equal(sc.any_name, 1);
	assert_null(sc.names);
	assert_int_equal(sc.nnames, 0);
	obs_promql_scope_release(&sc);

	scope_of("{__name__=~\"a.*\"}", T, T, 0, &sc);
	assert_int_equal(sc.any_name, 1);
	obs_promql_scope_release(&sc);

	scope_of("-topk(3, abs(a)) or absent(b{c=\"d\"})", T, T, 0, &sc);
	names_are(&sc, "a b");
	obs_promql_scope_release(&sc);
}

static void test_no_selector(void **state)
{
	struct obs_promql_scope sc;

	(void)state;
	scope_of("1 + 2 * time()", T, T, 0, &sc);
	assert_true(sc.mint > sc.maxt);
	assert_int_equal(sc.nnames, 0);
	assert_int_equal(sc.any_name, 0);
	obs_promql_scope_release(&sc);
	scope_of("\"text\"", T, T, 0, &sc);
	assert_true(sc.mint > sc.maxt);
	obs_promql_scope_release(&sc);
}

/* Every allocation failing in turn: -1, nothing leaked, then success. */
static void test_out_of_memory(void **state)
{
	struct obs_promql_scope sc;
	struct obs_error err;
	struct obs_promql_expr *e;
	long k;
	int rc = -1;

	(void)state;
	if (!failalloc_works())
		skip();
	e = obs_promql_parse("a + b + c{x=\"y\"} + a", &err);
	assert_non_null(e);
	for (k = 0; rc < 0; k++) {
		alloc_budget = k;
		rc = obs_promql_scope_get(e, T, T, 0, &sc);
		alloc_budget = -1;
		if (rc < 0) {
			assert_null(sc.names);
			assert_int_equal(sc.nnames, 0);
		}
	}
	assert_true(k > 3);
	names_are(&sc, "a b c");
	obs_promql_scope_release(&sc);
	obs_promql_expr_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instant_selector),
		cmocka_unit_test(test_ranges_and_offsets),
		cmocka_unit_test(test_at_modifiers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_no_selector),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
