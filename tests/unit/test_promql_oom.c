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
#include <dlfcn.h>
#include <execinfo.h>

#include "obs_promql.h"
#include "obs_series.h"

/*
 * The allocator is replaced (glibc supports this) by one that can fail the
 * Nth allocation made outside libc and counts live blocks. Sanitizers bring their own
 * allocator, so there the test only says it was skipped.
 */
#if defined(__SANITIZE_ADDRESS__)
#define OOM_TESTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_TESTS 0
#endif
#endif
#ifndef OOM_TESTS
#define OOM_TESTS 1
#endif

#if OOM_TESTS
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static unsigned long alloc_count, fail_at;
static long live;

/* Whether ADDR is in libc; a small cache keeps dladdr() off the hot path. */
static int in_libc(void *addr)
{
	static void *addrs[256];
	static int answers[256];
	size_t h = ((uintptr_t)addr >> 2) % 256;
	Dl_info info;

	if (addrs[h] != addr) {
		addrs[h] = addr;
		answers[h] = dladdr(addr, &info) && info.dli_fname && strstr(info.dli_fname, "libc.so");
	}
	return answers[h];
}

/* OOM_TRACE=N prints where the Nth allocation, when failed, was made (debugging aid). */
static int should_fail(void *caller)
{
	/* libc's own allocations (regcomp) are never failed: glibc 2.36's regcomp
	 * double-frees on some of them. */
	if (!fail_at || in_libc(caller) || ++alloc_count != fail_at)
		return 0;
	if (getenv("OOM_TRACE") && strtoul(getenv("OOM_TRACE"), NULL, 10) == fail_at) {
		void *bt[16];

		backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
	}
	return 1;
}

void *malloc(size_t n)
{
	void *p = should_fail(__builtin_return_address(0)) ? NULL : __libc_malloc(n);

	live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = should_fail(__builtin_return_address(0)) ? NULL : __libc_calloc(n, size);

	live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;

	if (should_fail(__builtin_return_address(0)))
		return NULL;
	p = __libc_realloc(old, n);
	live += p != NULL && old == NULL;
	return p;
}

void free(void *p)
{
	live -= p != NULL;
	__libc_free(p);
}
#endif

typedef int scenario_fn(char *out, size_t size);

/*
 * Run FN with the 1st, 2nd, ... allocation failing until it runs without
 * a failure. Each run must succeed with the reference output or fail with
 * "out of memory", and leave no block allocated.
 */
static void exhaust(scenario_fn *fn)
{
#if OOM_TESTS
	static char ref[65536], got[65536];
	unsigned long n;
	long before;

	fail_at = 0;
	assert_int_equal(fn(ref, sizeof(ref)), 0);
	for (n = 1;; n++) {
		before = live;
		alloc_count = 0;
		fail_at = n;
		got[0] = '\0';
		if (fn(got, sizeof(got)) == 0 && strcmp(got, ref) != 0)
			fail_msg("allocation %lu failed and the result changed:\n%s\nwant\n%s", n, got, ref);
		fail_at = 0;
		if (live != before)
			fail_msg("allocation %lu failed: %ld blocks leaked", n, live - before);
		if (alloc_count < n)
			break;
	}
#else
	(void)fn;
	skip();
#endif
}

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
	exhaust(scenario_parse);
}

static void test_load_oom(void **state)
{
	(void)state;
	exhaust(scenario_load);
}

static void test_eval_oom(void **state)
{
	(void)state;
	shared = make_set();
	assert_non_null(shared);
	exhaust(scenario_instant);
	exhaust(scenario_range);
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
