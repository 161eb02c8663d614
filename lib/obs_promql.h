/* SPDX-License-Identifier: MIT */
/* A PromQL subset: parse expressions, evaluate instant and range queries over a series set. */
#ifndef OBS_PROMQL_H
#define OBS_PROMQL_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"
#include "obs_labels.h"
#include "obs_series.h"

/*
 * The subset, with the semantics of Prometheus 2.42 (the Debian package;
 * checked against its promtool by tests/integration/promql-vs-promtool.sh):
 *
 *   literals    numbers (1, -1.5, .5, 5., 1e3, 0x1f, 010 octal, Inf, NaN,
 *               case-insensitive), strings ("..." and '...' with Go escapes,
 *               `raw`); # comments to the end of a line
 *   selectors   name{label="v", label!="v", label=~"re", label!~"re"} and
 *               {__name__=~"re", ...}; at least one matcher must not match
 *               the empty string; x[5m] with durations y w d h m s ms in that
 *               order (1h30m); offset 5m and offset -5m; @ <Unix seconds>,
 *               @ start(), @ end(). Instant selectors take the last sample at
 *               most 5 minutes old; both ends of every window are included
 *               (as in 2.x; Prometheus 3 excludes the start). Staleness
 *               markers do not exist in our data.
 *   functions   rate irate increase delta idelta resets changes
 *               avg_over_time min_over_time max_over_time sum_over_time
 *               count_over_time last_over_time quantile_over_time
 *               stddev_over_time stdvar_over_time abs ceil floor round
 *               clamp_min clamp_max sqrt ln exp histogram_quantile (classic
 *               le buckets) absent time vector scalar label_replace
 *   aggregation sum avg min max count stddev stdvar quantile topk bottomk,
 *               with by (...) or without (...) before or after the arguments
 *   operators   from the loosest: or; and unless; == != > < >= <= (with
 *               bool); + -; * / %; ^ (right-associative); unary - and + bind
 *               like * but looser than ^ (-2 ^ 2 is -4). Vector matching with
 *               on(...) / ignoring(...) and group_left / group_right with an
 *               optional label list; the metric name is dropped by arithmetic,
 *               bool comparisons and functions (not by last_over_time,
 *               label_replace, comparisons without bool, set operators, topk).
 *   regexes     anchored, RE2 syntax as far as obs_regex.h translates it
 *
 * Refused when parsing, with "unsupported at column N: ...": subqueries,
 * the other Prometheus functions (deriv, predict_linear, sort, label_join,
 * histogram_fraction, ...), the aggregations group and count_values, the
 * atan2 operator, regex features outside obs_regex.h, NUL in strings, and
 * expressions nested more than 1000 deep. label_replace's regex and
 * destination label are checked when parsing (Prometheus checks them when
 * evaluating).
 */

enum obs_promql_type {
	OBS_PROMQL_SCALAR,
	OBS_PROMQL_STRING,
	OBS_PROMQL_VECTOR,   /* instant vector */
	OBS_PROMQL_MATRIX,   /* range vector */
};

/* A parsed expression (opaque, immutable: one may be evaluated many times). */
struct obs_promql_expr;

/*
 * Parse TEXT. Returns a new expression (free with obs_promql_expr_free), or
 * NULL with ERR set to "parse error at column C: MESSAGE" (or "at line L,
 * column C" when TEXT has several lines; columns count bytes from 1), e.g.
 * "parse error at column 12: unexpected ')'", or "unsupported at column C:
 * WHAT" for valid PromQL outside the subset ("unsupported at column 6:
 * subqueries", "unsupported at column 1: function 'deriv'"), or "out of
 * memory".
 */
struct obs_promql_expr *obs_promql_parse(const char *text, struct obs_error *err);
void obs_promql_expr_free(struct obs_promql_expr *e);
/* Type of the value the expression evaluates to. */
enum obs_promql_type obs_promql_expr_type(const struct obs_promql_expr *e);
/*
 * The expression fully parenthesised, for tests and explanations:
 * "(a + (b * c))", "sum by (job) (rate(x[5m]))". Caller frees; NULL when
 * out of memory.
 */
char *obs_promql_expr_format(const struct obs_promql_expr *e);

/* ---- results ------------------------------------------------------------------ */

struct obs_promql_sample {
	struct obs_labels *labels;   /* owned reference */
	double v;
};

struct obs_promql_point {
	int64_t t;                   /* Unix milliseconds */
	double v;
};

struct obs_promql_series {
	struct obs_labels *labels;   /* owned reference */
	size_t n;
	struct obs_promql_point *points;
};

/*
 * The result of a query. Instant queries give any of the four types, at
 * time t; range queries always give a matrix (a scalar expression becomes
 * one series with no labels). Vector samples are sorted by label set,
 * except at the top of topk/bottomk (their order: by value within each
 * group). Matrix series are sorted by label set, points by time.
 */
struct obs_promql_value {
	enum obs_promql_type type;
	int64_t t;                   /* evaluation time of an instant query */
	double scalar;               /* OBS_PROMQL_SCALAR */
	char *string;                /* OBS_PROMQL_STRING */
	size_t n;                    /* samples or series */
	struct obs_promql_sample *samples;  /* OBS_PROMQL_VECTOR */
	struct obs_promql_series *series;   /* OBS_PROMQL_MATRIX */
};

void obs_promql_value_free(struct obs_promql_value *v);

/* Settings; pass NULL for the defaults. */
struct obs_promql_opts {
	int64_t lookback_ms;         /* instant selectors look back: 0 = 5 minutes */
	size_t max_samples;          /* points held at once: 0 = 50 000 000 */
};

#define OBS_PROMQL_MAX_STEPS 11000

/*
 * Evaluate E at time T_MS (Unix ms) over SET (finished here if it was
 * not). Returns 0 with a new value in *OUT, or -1 with ERR set to a
 * Prometheus-style execution error ("vector cannot contain metrics with
 * the same labelset", "many-to-many matching not allowed: ...", "query
 * processing would load too many samples into memory in query
 * execution", ...).
 */
int obs_promql_eval_instant(struct obs_series_set *set, const struct obs_promql_expr *e,
			    int64_t t_ms, const struct obs_promql_opts *opts,
			    struct obs_promql_value **out, struct obs_error *err);

/*
 * Evaluate E at START_MS, START_MS + STEP_MS, ... up to END_MS (at most
 * OBS_PROMQL_MAX_STEPS steps) and return a matrix. E must be of scalar or
 * instant vector type.
 */
int obs_promql_eval_range(struct obs_series_set *set, const struct obs_promql_expr *e,
			  int64_t start_ms, int64_t end_ms, int64_t step_ms,
			  const struct obs_promql_opts *opts, struct obs_promql_value **out,
			  struct obs_error *err);

/* ---- output ------------------------------------------------------------------- */

/*
 * V as the "data" object of Prometheus's HTTP API, byte for byte as
 * Prometheus writes it:
 *   {"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1700000000.5,"1"]}]}
 *   {"resultType":"matrix","result":[{"metric":{},"values":[[1700000000,"1"],...]}]}
 *   {"resultType":"scalar","result":[1700000000,"1"]}
 *   {"resultType":"string","result":[1700000000,"text"]}
 * Caller frees; NULL when out of memory.
 */
char *obs_promql_value_json(const struct obs_promql_value *v);

/*
 * V as Go's strconv.FormatFloat(v, 'f', -1, 64), as Prometheus writes
 * sample values: the shortest decimal that reads back as V, never in
 * exponent form ("0.1", "1e+21" is "1000000000000000000000"), "NaN",
 * "+Inf", "-Inf". BUF of at least 400 bytes holds any value. Returns the
 * length (as snprintf).
 */
size_t obs_promql_format_float(double v, char *buf, size_t size);
/* A millisecond time as Prometheus writes it: "1700000000", "1700000000.5" is "1700000000.500". */
size_t obs_promql_format_time(int64_t t_ms, char *buf, size_t size);

#endif
