/* SPDX-License-Identifier: MIT */
/* What data a PromQL expression reads: its time window and the metric names of its selectors. */
#ifndef OBS_PROMQL_SCOPE_H
#define OBS_PROMQL_SCOPE_H

#include <stddef.h>
#include <stdint.h>

#include "obs_promql.h"

/*
 * A loader that knows the scope of a query reads only the store's days in
 * the window and skips records of other metrics, without changing the
 * answer (see obs_metric_scan.h for the one exception: running totals of
 * delta counters start at the first record loaded).
 */
struct obs_promql_scope {
	/*
	 * Samples the evaluation may read, in Unix ms, both ends included:
	 * for every selector, [T - offset - range - lookback, T - offset]
	 * for the evaluation times T in [start, end] (or the @ time). When
	 * the expression has no selector, mint > maxt.
	 */
	int64_t mint, maxt;
	/*
	 * The metric names the selectors can match (a name before the braces
	 * or a __name__="..." matcher), sorted, without duplicates; names is
	 * NULL (and nnames 0) when some selector can match any name.
	 */
	char **names;
	size_t nnames;
	int any_name;     /* 1 when some selector has no fixed name */
};

/*
 * Fill SC for evaluating E at the times START_MS to END_MS (equal for an
 * instant query) with LOOKBACK_MS (0 means 5 minutes). Returns 0, or -1
 * when out of memory. SC is released with obs_promql_scope_release.
 */
int obs_promql_scope_get(const struct obs_promql_expr *e, int64_t start_ms, int64_t end_ms,
			 int64_t lookback_ms, struct obs_promql_scope *sc);
void obs_promql_scope_release(struct obs_promql_scope *sc);

#endif
