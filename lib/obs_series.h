/* SPDX-License-Identifier: MIT */
/* An in-memory set of time series (label set + time-sorted samples) for PromQL to read. */
#ifndef OBS_SERIES_H
#define OBS_SERIES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_labels.h"
#include "obs_regex.h"

/*
 * A series set is filled, then finished, then queried:
 *
 *   set = obs_series_set_new();
 *   obs_series_set_add_record(set, rec, &err);   (any number, any order)
 *   obs_series_set_finish(set, &err);
 *   ... obs_series_set_select(), obs_series_samples() ...
 *   obs_series_set_free(set);
 *
 * Series are keyed by their label set, the metric name included as label
 * __name__. Times are Unix milliseconds, as in Prometheus; record times
 * (nanoseconds) are rounded down to the millisecond. Samples are stored
 * compressed (obs_chunk: about 1-3 bytes per sample for regular scrapes of
 * counters, at most about 18 for random values at random times).
 *
 * Events are either SET (the series has value V from time T on) or ADD
 * (the value grows by V at T, starting from 0). On finish each series'
 * events are put in time order (events at the same time keep their input
 * order) and replayed; events at the same millisecond give one sample, the
 * value after the last of them.
 */
struct obs_series;
struct obs_series_set;

enum obs_series_event { OBS_SERIES_SET, OBS_SERIES_ADD };

struct obs_series_set *obs_series_set_new(void);
void obs_series_set_free(struct obs_series_set *set);

/*
 * Add an event to the series with LABELS (NLABELS pairs in any order; the
 * metric name is label __name__, which is required; empty values are
 * dropped). Names must be valid Prometheus metric/label names. Fails with
 * "series set is finished" after obs_series_set_finish.
 */
int obs_series_set_add(struct obs_series_set *set, const struct obs_label *labels, size_t nlabels,
		       int64_t t_ms, double v, enum obs_series_event ev, struct obs_error *err);

/*
 * The series with LABELS (as for obs_series_set_add), created if needed:
 * a handle for many obs_series_append() calls, borrowed from the set (valid
 * until the set is freed). NULL with ERR set on error.
 */
struct obs_series *obs_series_set_series(struct obs_series_set *set, const struct obs_label *labels,
					 size_t nlabels, struct obs_error *err);
/* Add an event to series S of SET (S from obs_series_set_series). */
int obs_series_append(struct obs_series_set *set, struct obs_series *s, int64_t t_ms, double v,
		      enum obs_series_event ev, struct obs_error *err);

/*
 * Add a metric record (lib/obs_metric.h; REC is borrowed):
 *   - "cumulative": true: the value is taken as it is (SET), whatever the type;
 *   - counter: the value is an increment (ADD), so the series is the running total;
 *   - gauge, untyped: SET;
 *   - histogram: an observation: ADD to NAME_bucket{le=...} for the default
 *     buckets .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 +Inf (1 where value <= le,
 *     else 0), to NAME_sum (the value) and NAME_count (1);
 *   - summary: an observation: NAME_sum and NAME_count as above.
 * Errors name the problem: "metric record has no 'name'", "metric record
 * has a bad 'time': ...", "invalid metric name 'x y'", "label 'a' of metric
 * record is not a string", ...
 */
int obs_series_set_add_record(struct obs_series_set *set, json_t *rec, struct obs_error *err);

/*
 * Read a file of metric records (NDJSON, plain or gzip; "-" for standard
 * input). Lines that are not metric records (other "type"s, malformed
 * JSON) are skipped and counted in *skipped (may be NULL) unless STRICT,
 * where they are an error naming the file and line.
 */
int obs_series_set_load_file(struct obs_series_set *set, const char *path, int strict,
			     unsigned long *skipped, struct obs_error *err);

/* Put events in order and compress: required before selecting. Idempotent. */
int obs_series_set_finish(struct obs_series_set *set, struct obs_error *err);

/* Number of series and of samples (after finish). */
size_t obs_series_set_count(const struct obs_series_set *set);
size_t obs_series_set_samples(const struct obs_series_set *set);
/* Bytes of memory held by the set (approximate: headers, label sets, chunks). */
size_t obs_series_set_memory(const struct obs_series_set *set);

/* ---- label matchers --------------------------------------------------------- */

enum obs_match_type { OBS_MATCH_EQ, OBS_MATCH_NE, OBS_MATCH_RE, OBS_MATCH_NRE };

/* A label matcher: name="value", name!="value", name=~"re", name!~"re". */
struct obs_matcher {
	enum obs_match_type type;
	char *name;
	char *value;
	struct obs_regex re;    /* for =~ and !~ (anchored, obs_regex.h) */
};

/*
 * Set up M (copies NAME and VALUE; compiles the regex). Returns 0, -1 for
 * an invalid regex or no memory, -2 for an unsupported one (obs_regex_compile).
 */
int obs_matcher_init(struct obs_matcher *m, enum obs_match_type type, const char *name,
		     const char *value, struct obs_error *err);
void obs_matcher_release(struct obs_matcher *m);
/* 1 if VALUE (the empty string for a missing label) satisfies M, else 0. */
int obs_matcher_matches(const struct obs_matcher *m, const char *value);

/* ---- reading ---------------------------------------------------------------- */

/*
 * The series matching all NM matchers, sorted by label set, in a new array
 * (*out, caller frees the array, not the series) of *n entries. The set is
 * finished first if it was not.
 */
int obs_series_set_select(struct obs_series_set *set, const struct obs_matcher *m, size_t nm,
			  const struct obs_series ***out, size_t *n, struct obs_error *err);

/* The label set of S (borrowed: valid while the set lives). */
struct obs_labels *obs_series_labels(const struct obs_series *s);

struct obs_sample {
	int64_t t;
	double v;
};

/* A growable array of samples. */
struct obs_sample_buf {
	struct obs_sample *v;
	size_t n, cap;
};

/*
 * Replace the contents of BUF by the samples of S with MINT <= t <= MAXT,
 * in time order. -1 only when out of memory.
 */
int obs_series_samples(const struct obs_series *s, int64_t mint, int64_t maxt,
		       struct obs_sample_buf *buf);
/*
 * The last sample of S at or before T: 1 with *st and *sv set, 0 if there
 * is none.
 */
int obs_series_last_at(const struct obs_series *s, int64_t t, int64_t *st, double *sv);

void obs_sample_buf_release(struct obs_sample_buf *buf);

#endif
