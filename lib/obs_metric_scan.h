/* SPDX-License-Identifier: MIT */
/* Metric record lines read and checked without a jansson tree, for bulk imports and queries. */
#ifndef OBS_METRIC_SCAN_H
#define OBS_METRIC_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_jscan.h"
#include "obs_labels.h"
#include "obs_metric.h"
#include "obs_series.h"

/*
 * One metric record line (lib/obs_metric.h) checked field by field, as
 * strictly as the record model says: a JSON object whose "type", when
 * present, is "metric"; "name" a valid metric name; "metric_type" one of
 * the five types (untyped when absent); "value" a number or "NaN",
 * "+Inf", "-Inf" (any letter case, "Inf" too); "labels" an object of
 * strings under valid label names (not starting "__"); "time" an RFC 3339
 * string or a Unix timestamp (number, judged by magnitude as
 * obs_time_parse does); "help" and "unit" strings ("unit" made of
 * [a-zA-Z0-9_]); "cumulative" a boolean. A histogram observation (a
 * histogram record that is not cumulative) may not have an "le" label,
 * nor a summary observation a "quantile" label.
 *
 * Messages (for "FILE:LINE: reason"): the obs_jscan ones for bad JSON,
 * "missing 'name'", "'name' is not a string", "invalid metric name 'x'",
 * "unknown metric_type 'x'", "missing 'value'", "invalid value 'x'",
 * "'labels' is not an object", "label 'k' is not a string", "invalid
 * label name 'k'", "duplicate label 'k'", "missing 'time'", "invalid
 * time ...", "'help' is not a string", "invalid unit 'x'", "'cumulative'
 * is not a boolean", "histogram observation has an 'le' label", "summary
 * observation has a 'quantile' label", "unknown field 'x'".
 */

/* Flags for obs_metric_scan_line. */
#define OBS_METRIC_SCAN_NEED_TIME 1u    /* a record without "time" is refused */
#define OBS_METRIC_SCAN_KNOWN_FIELDS 2u /* a field the model does not have is refused */
/*
 * Lines laid out as obs writes records (no spaces, keys in order, plain
 * ASCII strings) are read in one pass, about four times faster than the
 * general way, with the same result. For tests: always the general way.
 */
#define OBS_METRIC_SCAN_SLOW 4u

struct obs_metric_scan {
	/* Read-only: the record last scanned, valid until the next scan. */
	const char *name;                  /* NUL-terminated */
	enum obs_metric_type type;         /* OBS_METRIC_UNTYPED when absent */
	double value;
	int has_time;
	int64_t time_ns;
	int cumulative;
	const struct obs_label *labels;    /* in record order, NUL-terminated strings */
	size_t nlabels;
	const char *help, *unit;           /* NULL when absent */
	/*
	 * 1 if the line can be stored as it is: it has "type", its time is
	 * canonical ("2026-11-24T10:00:00.000000000Z") and its value is a
	 * number or exactly "NaN", "+Inf" or "-Inf".
	 */
	int canonical;

	/* Private. */
	struct obs_jscan js;
	char *buf;
	size_t cap, used;
	struct obs_label *lv;
	size_t lcap;
};

void obs_metric_scan_init(struct obs_metric_scan *m);
void obs_metric_scan_release(struct obs_metric_scan *m);

/*
 * Scan LINE (LEN bytes, need not be NUL-terminated; borrowed only for the
 * call). Returns 1 for a valid metric record, 0 for a valid JSON object
 * whose "type" is a string other than "metric" (another signal's record,
 * to be passed over), -1 with ERR set for anything else.
 */
int obs_metric_scan_line(struct obs_metric_scan *m, const char *line, size_t len, unsigned flags,
			 struct obs_error *err);

/* The record last scanned as a new metric record (canonical key order; new reference); NULL when out of memory. */
json_t *obs_metric_scan_record(const struct obs_metric_scan *m, int64_t time_ns);

/*
 * Add the record last scanned to SET, as obs_series_set_add_record does
 * (cumulative: SET; counter: ADD; gauge, untyped: SET; histogram and
 * summary observations: ADD to _bucket{le} (default buckets), _sum and
 * _count). The record must have a time. 0, or -1 with ERR set.
 */
int obs_metric_scan_add_series(const struct obs_metric_scan *m, struct obs_series_set *set,
			       struct obs_error *err);

/*
 * Which records a query wants: a time window and, optionally, metric
 * names. The raw-bytes test lets a loader pass over most lines of a large
 * store without tokenizing them.
 */
struct obs_metric_filter {
	int64_t mint, maxt;      /* ns, both included */
	/* Private. */
	char **names;            /* record names wanted (sorted); NULL: any */
	size_t nnames;
	char lo[32], hi[32];     /* the bounds as canonical time strings, "" if not representable */
};

/*
 * Set up F for records with MINT <= time <= MAXT (ns) and, unless NAMES is
 * NULL, a name in NAMES (NNAMES names of series, as a PromQL selector
 * writes them: a histogram observation record "x" is wanted for
 * "x_bucket", "x_sum" and "x_count"). 0, or -1 when out of memory.
 */
int obs_metric_filter_init(struct obs_metric_filter *f, int64_t mint, int64_t maxt,
			   char *const *names, size_t nnames);
void obs_metric_filter_release(struct obs_metric_filter *f);
/*
 * 0 if LINE certainly holds no wanted record (its one "time" is a
 * canonical time outside the window, or its one "name" is not wanted),
 * else 1. Never 0 for a line that obs_metric_filter_match would accept.
 */
int obs_metric_filter_maybe(const struct obs_metric_filter *f, const char *line, size_t len);
/* 1 if the record last scanned in M is wanted, else 0. */
int obs_metric_filter_match(const struct obs_metric_filter *f, const struct obs_metric_scan *m);

/*
 * Parse a "--label NAME=VALUE" argument into LABELS (an object): NAME must
 * be a valid label name not starting "__" and not already in LABELS,
 * VALUE valid UTF-8. 0, or -1 with ERR: "invalid label 'x': expected
 * NAME=VALUE", "invalid label name 'x' (expected ...)", "duplicate label 'x'", "label
 * 'x' has a value that is not UTF-8".
 */
int obs_metric_label_arg(json_t *labels, const char *arg, struct obs_error *err);

#endif
