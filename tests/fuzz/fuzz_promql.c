/* SPDX-License-Identifier: MIT */
/* Fuzz target: parse arbitrary bytes as PromQL; evaluate what parses against a tiny series set. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_promql.h"
#include "obs_series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct obs_series_set *set;

static void add(const char *name, const char *job, const char *le, const double *v, size_t n)
{
	struct obs_label l[3] = { { "__name__", name }, { "job", job }, { "le", le } };
	struct obs_error err;
	size_t i;

	for (i = 0; i < n; i++)
		obs_series_set_add(set, l, le ? 3 : 2, (int64_t)i * 60000, v[i], OBS_SERIES_SET, &err);
}

static void init(void)
{
	static const double c[] = { 0, 10, 20, 5, 15, 25 }, g[] = { 3, -1, 4, NAN, 5, 9 };
	static const double b1[] = { 0, 1, 2, 3, 4, 5 }, b2[] = { 0, 3, 6, 9, 12, 15 };
	struct obs_error err;

	set = obs_series_set_new();
	add("c", "a", NULL, c, 6);
	add("c", "b", NULL, g, 6);
	add("g", "a", NULL, g, 6);
	add("h", "a", "1", b1, 6);
	add("h", "a", "+Inf", b2, 6);
	obs_series_set_finish(set, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct obs_promql_expr *e;
	struct obs_promql_value *v;
	struct obs_error err;
	char *s;

	if (!set)
		init();
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	e = obs_promql_parse(text, &err);
	free(text);
	if (!e)
		return 0;
	s = obs_promql_expr_format(e);
	free(s);
	if (obs_promql_eval_instant(set, e, 300000, NULL, &v, &err) == 0) {
		s = obs_promql_value_json(v);
		free(s);
		obs_promql_value_free(v);
	}
	if (obs_promql_eval_range(set, e, 0, 300000, 100000, NULL, &v, &err) == 0)
		obs_promql_value_free(v);
	obs_promql_expr_free(e);
	return 0;
}
