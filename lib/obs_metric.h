/* SPDX-License-Identifier: MIT */
/* The metric record: names, labels and values as Prometheus has them. */
#ifndef OBS_METRIC_H
#define OBS_METRIC_H

#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"

/*
 * A metric record is one JSON object with keys in this order:
 *   type ("metric"), name (Prometheus metric name), metric_type (counter|
 *   gauge|histogram|summary|untyped), value (number; "NaN", "+Inf", "-Inf"
 *   as strings since JSON has no such numbers), labels {name: value},
 *   time (RFC 3339 UTC, ns), and optionally help, unit, and
 *   cumulative (true for counters read from a scrape or an exposition:
 *   the value is a running total; counters written by inc/add are deltas).
 * Histogram and summary observations written by `observe` carry the
 * observed value with metric_type histogram/summary; scraped histograms
 * are stored as their _bucket{le}/_sum/_count samples (cumulative).
 */

enum obs_metric_type {
	OBS_METRIC_UNTYPED,
	OBS_METRIC_COUNTER,
	OBS_METRIC_GAUGE,
	OBS_METRIC_HISTOGRAM,
	OBS_METRIC_SUMMARY,
};

/* "counter" etc.; -1 if unknown. */
int obs_metric_type_parse(const char *s, enum obs_metric_type *t);
/* "counter" etc.; NULL for a value outside the enum. */
const char *obs_metric_type_name(enum obs_metric_type t);

/* Prometheus name rules: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, [a-zA-Z_][a-zA-Z0-9_]* for labels (names starting "__" are reserved and give 0). 1 valid, 0 not. */
int obs_metric_name_valid(const char *name);
int obs_label_name_valid(const char *name);

/*
 * New metric record (new reference). LABELS (may be NULL) is borrowed and
 * copied; HELP and UNIT may be NULL. CUMULATIVE adds "cumulative": true.
 * Whole finite values are written as JSON integers (5, not 5.0); empty HELP
 * or UNIT strings are left out. NULL if NAME is not a valid metric name,
 * TYPE is unknown, LABELS is not an object of strings, or memory ran out.
 */
json_t *obs_metric_new(const char *name, enum obs_metric_type type, double value,
		       json_t *labels, int64_t time_ns, const char *help, const char *unit,
		       int cumulative);

/* The value of a record's "value" field (number or "NaN"/"+Inf"/"-Inf"; "Inf" and any letter case also read); -1 if absent or not a number. */
int obs_metric_value(json_t *rec, double *value);

#endif
