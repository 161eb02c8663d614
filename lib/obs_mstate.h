/* SPDX-License-Identifier: MIT */
/* Metric series state: the running values Prometheus would hold, kept from metric records between runs. */
#ifndef OBS_MSTATE_H
#define OBS_MSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_labels.h"
#include "obs_metric.h"

/*
 * Prometheus (remote write, a Pushgateway) wants series: a label set, and
 * for a counter its running total. obs records are events: counters from
 * inc/add are increments, histogram and summary records are single
 * observations. A state turns records into series values and is saved
 * with an exporter's cursor, so totals continue across runs:
 *
 *   counter (increment)      NAME{labels} += value
 *   counter, "cumulative"    NAME{labels} = value (a scraped running total)
 *   gauge, untyped           NAME{labels} = value
 *   histogram observation    NAME_bucket{labels, le} += 1 for every bucket
 *                            with value <= le (all buckets get a sample,
 *                            +Inf included), NAME_sum += value,
 *                            NAME_count += 1
 *   summary observation      NAME_sum += value, NAME_count += 1
 *   histogram / summary,     the record's own series (NAME_bucket{le},
 *   "cumulative"             NAME_sum, NAME{quantile}, ...) = value
 *
 * Times: a series' samples strictly increase in time (Prometheus refuses
 * others as out of order or duplicates). A record whose millisecond is not
 * after its series' last sample is stamped one millisecond after it when
 * it adds to a total or sets a value at that same millisecond; a value
 * set at an earlier time than the series' last is stale: it is not applied
 * and apply returns 1.
 */

enum obs_mstate_kind {
	OBS_MSTATE_SET,    /* the series takes the value */
	OBS_MSTATE_ADD,    /* the value is added */
};

/* One series: borrowed from the state, valid until the state is freed. */
struct obs_mstate_series {
	struct obs_labels *labels;   /* __name__ included, sorted */
	const char *name;            /* the value of __name__ */
	enum obs_metric_type type;   /* the family type (histogram for NAME_bucket, ...) */
	char *help;                  /* NULL if none */
	double value;
	int64_t t_ms;                /* time of the last sample */
};

/* Called for each sample a record makes: the series after the change. */
typedef int obs_mstate_sample_fn(void *ctx, const struct obs_mstate_series *s,
				 struct obs_error *err);

struct obs_mstate;

/* An empty state with Prometheus's default histogram buckets. NULL if out of memory. */
struct obs_mstate *obs_mstate_new(void);
void obs_mstate_free(struct obs_mstate *m);

/* Histogram bucket bounds (finite, strictly increasing; +Inf is added). Copied. */
int obs_mstate_set_buckets(struct obs_mstate *m, const double *bounds, size_t n,
			   struct obs_error *err);

/*
 * Apply one metric record given as its JSON text (LINE, LEN bytes). FN
 * (may be NULL) gets each sample it makes, in order. Returns 0 applied,
 * 1 stale (not applied, no sample), -1 refused with err and nothing
 * changed: "not a metric record", "invalid metric name 'x'", "invalid
 * label name 'x'", "label 'x' is not a string", "missing 'time'", "invalid
 * 'value'", "unknown metric_type 'x'", "increment is not finite" (NaN or
 * an infinity added to a total), "'x' is a gauge, not a counter" (a name
 * seen before with another type), "out of memory"; or FN's error.
 */
int obs_mstate_apply(struct obs_mstate *m, const char *line, size_t len,
		     obs_mstate_sample_fn *fn, void *ctx, struct obs_error *err);

/* Number of series. */
size_t obs_mstate_count(const struct obs_mstate *m);
/* Series I (0 <= I < count), in the order they were first seen. */
const struct obs_mstate_series *obs_mstate_get(const struct obs_mstate *m, size_t i);

/*
 * The state as JSON (new reference): {"series":[{"name","type","labels",
 * "value","t","help"}...]}, values NaN/+Inf/-Inf as strings. NULL only
 * when out of memory.
 */
json_t *obs_mstate_dump(const struct obs_mstate *m);
/*
 * Replace the series by those of DUMP (from obs_mstate_dump). -1 with err
 * naming the faulty entry ("series 3: invalid labels", ...), the state
 * then being empty.
 */
int obs_mstate_load(struct obs_mstate *m, const json_t *dump, struct obs_error *err);

/*
 * Every series in the Prometheus text format 0.0.4 (obs_promtext_writer:
 * families sorted, TYPE and HELP lines), without timestamps (as the
 * Pushgateway wants). Caller frees; *len (may be NULL) gets the length.
 */
char *obs_mstate_text(const struct obs_mstate *m, size_t *len, struct obs_error *err);

#endif
