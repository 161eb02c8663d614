/* SPDX-License-Identifier: MIT */
/* Loading metric records (lib/obs_metric.h) into a series set: counters, gauges, histograms. */
#include "obs_series.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "obs_ndjson.h"
#include "obs_time.h"

#define MAX_RECORD_LABELS 250

static const char *const bucket_le[] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
};
static const double bucket_bound[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, INFINITY,
};

/* A record taken apart. */
struct rec {
	const char *name;
	const char *type;
	double value;
	int64_t t_ms;
	int cumulative;
	struct obs_label labels[MAX_RECORD_LABELS + 2];
	size_t nlabels;
};

static int rec_value(json_t *v, double *out)
{
	const char *s;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	s = json_string_value(v);
	if (!s)
		return -1;
	if (strcmp(s, "NaN") == 0)
		*out = NAN;
	else if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0)
		*out = INFINITY;
	else if (strcmp(s, "-Inf") == 0)
		*out = -INFINITY;
	else
		return -1;
	return 0;
}

/* Nanoseconds to milliseconds, rounding down. */
static int64_t ns_to_ms(int64_t ns)
{
	int64_t ms = ns / 1000000;

	return ns % 1000000 < 0 ? ms - 1 : ms;
}

static int rec_time(json_t *v, int64_t *ms, struct obs_error *err)
{
	char buf[64];
	const char *s = json_string_value(v);
	int64_t ns;

	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		s = buf;
	} else if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.9f", json_real_value(v));
		s = buf;
	}
	if (!s)
		return obs_error_set(err, "metric record has no 'time'");
	if (obs_time_parse(s, &ns, err) < 0)
		return obs_error_prefix(err, "metric record has a bad 'time'");
	*ms = ns_to_ms(ns);
	return 0;
}

static int rec_labels(json_t *labels, struct rec *r, struct obs_error *err)
{
	const char *key;
	json_t *v;

	if (!labels)
		return 0;
	if (!json_is_object(labels))
		return obs_error_set(err, "'labels' of metric record is not an object");
	if (json_object_size(labels) > MAX_RECORD_LABELS)
		return obs_error_set(err, "metric record has too many labels");
	json_object_foreach(labels, key, v) {
		if (!json_is_string(v))
			return obs_error_set(err, "label '%s' of metric record is not a string", key);
		if (strcmp(key, "__name__") == 0)
			return obs_error_set(err, "metric record has a '__name__' label");
		r->labels[r->nlabels].name = key;
		r->labels[r->nlabels].value = json_string_value(v);
		r->nlabels++;
	}
	return 0;
}

static int rec_parse(json_t *rec, struct rec *r, struct obs_error *err)
{
	json_t *type = json_object_get(rec, "type"), *cum;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(rec))
		return obs_error_set(err, "metric record is not an object");
	if (type && (!json_is_string(type) || strcmp(json_string_value(type), "metric")))
		return obs_error_set(err, "not a metric record");
	r->name = json_string_value(json_object_get(rec, "name"));
	if (!r->name)
		return obs_error_set(err, "metric record has no 'name'");
	if (!json_object_get(rec, "value"))
		return obs_error_set(err, "metric record has no 'value'");
	if (rec_value(json_object_get(rec, "value"), &r->value) < 0)
		return obs_error_set(err, "metric record has a bad 'value'");
	if (rec_time(json_object_get(rec, "time"), &r->t_ms, err) < 0)
		return -1;
	r->type = json_string_value(json_object_get(rec, "metric_type"));
	if (!r->type)
		r->type = "untyped";
	cum = json_object_get(rec, "cumulative");
	r->cumulative = json_is_true(cum);
	return rec_labels(json_object_get(rec, "labels"), r, err);
}

/* Add an event to NAME+SUFFIX with the record's labels plus EXTRA (may be NULL). */
static int add_to(struct obs_series_set *set, struct rec *r, const char *suffix,
		  const struct obs_label *extra, double v, enum obs_series_event ev,
		  struct obs_error *err)
{
	char name[512];
	size_t n = r->nlabels;

	if (snprintf(name, sizeof(name), "%s%s", r->name, suffix) >= (int)sizeof(name))
		return obs_error_set(err, "metric name '%.64s...' is too long", r->name);
	r->labels[n].name = "__name__";
	r->labels[n].value = name;
	if (extra)
		r->labels[n + 1] = *extra;
	return obs_series_set_add(set, r->labels, n + 1 + (extra != NULL), r->t_ms, v, ev, err);
}

static int add_observation(struct obs_series_set *set, struct rec *r, int histogram,
			   struct obs_error *err)
{
	struct obs_label le = { "le", NULL };
	size_t i;

	if (histogram) {
		for (i = 0; i < r->nlabels; i++)
			if (strcmp(r->labels[i].name, "le") == 0)
				return obs_error_set(err, "histogram observation has an 'le' label");
		for (i = 0; i < sizeof(bucket_le) / sizeof(bucket_le[0]); i++) {
			le.value = bucket_le[i];
			if (add_to(set, r, "_bucket", &le, r->value <= bucket_bound[i] || isinf(bucket_bound[i]),
				   OBS_SERIES_ADD, err) < 0)
				return -1;
		}
	}
	if (add_to(set, r, "_sum", NULL, r->value, OBS_SERIES_ADD, err) < 0)
		return -1;
	return add_to(set, r, "_count", NULL, 1, OBS_SERIES_ADD, err);
}

int obs_series_set_add_record(struct obs_series_set *set, json_t *rec, struct obs_error *err)
{
	struct rec r;

	if (rec_parse(rec, &r, err) < 0)
		return -1;
	if (r.cumulative)
		return add_to(set, &r, "", NULL, r.value, OBS_SERIES_SET, err);
	if (strcmp(r.type, "counter") == 0)
		return add_to(set, &r, "", NULL, r.value, OBS_SERIES_ADD, err);
	if (strcmp(r.type, "gauge") == 0 || strcmp(r.type, "untyped") == 0)
		return add_to(set, &r, "", NULL, r.value, OBS_SERIES_SET, err);
	if (strcmp(r.type, "histogram") == 0)
		return add_observation(set, &r, 1, err);
	if (strcmp(r.type, "summary") == 0)
		return add_observation(set, &r, 0, err);
	return obs_error_set(err, "metric record has an unknown 'metric_type' '%s'", r.type);
}

int obs_series_set_load_file(struct obs_series_set *set, const char *path, int strict,
			     unsigned long *skipped, struct obs_error *err)
{
	struct obs_ndjson_reader rd;
	unsigned long bad = 0;
	json_t *obj;
	int rc;

	if (obs_ndjson_open(&rd, path, err) < 0)
		return -1;
	rd.strict = strict;
	while ((rc = obs_ndjson_next(&rd, &obj, err)) == 1) {
		struct obs_error e;

		if (obs_series_set_add_record(set, obj, &e) < 0) {
			if (strict || strcmp(e.msg, "series set is finished") == 0 ||
			    strcmp(e.msg, "out of memory") == 0) {
				obs_error_set(err, "'%s' line %lu: %s", rd.name, rd.lineno, e.msg);
				json_decref(obj);
				rc = -1;
				break;
			}
			bad++;
		}
		json_decref(obj);
	}
	if (skipped)
		*skipped = bad + rd.skipped;
	obs_ndjson_close(&rd);
	return rc < 0 ? -1 : 0;
}
