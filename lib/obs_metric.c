/* SPDX-License-Identifier: MIT */
/* The metric record: names, labels and values as Prometheus has them. */
#include "obs_metric.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "obs_time.h"

static const char *const type_names[] = {
	[OBS_METRIC_UNTYPED] = "untyped",
	[OBS_METRIC_COUNTER] = "counter",
	[OBS_METRIC_GAUGE] = "gauge",
	[OBS_METRIC_HISTOGRAM] = "histogram",
	[OBS_METRIC_SUMMARY] = "summary",
};

#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

int obs_metric_type_parse(const char *s, enum obs_metric_type *t)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < NTYPES; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			if (t)
				*t = (enum obs_metric_type)i;
			return 0;
		}
	}
	return -1;
}

const char *obs_metric_type_name(enum obs_metric_type t)
{
	if ((unsigned)t >= NTYPES)
		return NULL;
	return type_names[t];
}

static int name_start(char c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon)
{
	return name_start(c, colon) || (c >= '0' && c <= '9');
}

int obs_metric_name_valid(const char *name)
{
	const char *p;

	if (!name || !name_start(name[0], 1))
		return 0;
	for (p = name + 1; *p; p++)
		if (!name_char(*p, 1))
			return 0;
	return 1;
}

int obs_label_name_valid(const char *name)
{
	const char *p;

	if (!name || !name_start(name[0], 0))
		return 0;
	if (name[0] == '_' && name[1] == '_')
		return 0;
	for (p = name + 1; *p; p++)
		if (!name_char(*p, 0))
			return 0;
	return 1;
}

/* JSON has no NaN or infinities: they travel as the strings Prometheus writes. */
static json_t *value_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "+Inf" : "-Inf");
	/* Whole numbers as integers: "value":5 reads better than 5.0 and is exact. */
	if (v == floor(v) && fabs(v) < 9007199254740992.0 && !(v == 0 && signbit(v)))
		return json_integer((json_int_t)v);
	return json_real(v);
}

static int labels_ok(json_t *labels)
{
	const char *k;
	json_t *v;

	if (!json_is_object(labels))
		return 0;
	json_object_foreach(labels, k, v) {
		if (!json_is_string(v))
			return 0;
	}
	return 1;
}

json_t *obs_metric_new(const char *name, enum obs_metric_type type, double value,
		       json_t *labels, int64_t time_ns, const char *help, const char *unit,
		       int cumulative)
{
	char tbuf[OBS_TIME_BUFSZ];
	const char *tname = obs_metric_type_name(type);
	json_t *rec = NULL, *lab;

	if (!obs_metric_name_valid(name) || !tname)
		return NULL;
	if (labels && !labels_ok(labels))
		return NULL;
	lab = labels ? json_deep_copy(labels) : json_object();
	if (!lab)
		return NULL;
	obs_time_format(time_ns, tbuf, sizeof(tbuf));
	rec = json_object();
	if (!rec
	    || json_object_set_new(rec, "type", json_string("metric"))
	    || json_object_set_new(rec, "name", json_string(name))
	    || json_object_set_new(rec, "metric_type", json_string(tname))
	    || json_object_set_new(rec, "value", value_json(value))) {
		json_decref(lab);
		goto fail;
	}
	/* json_object_set_new steals LAB even when it fails. */
	if (json_object_set_new(rec, "labels", lab)
	    || json_object_set_new(rec, "time", json_string(tbuf)))
		goto fail;
	if (help && *help && json_object_set_new(rec, "help", json_string(help)))
		goto fail;
	if (unit && *unit && json_object_set_new(rec, "unit", json_string(unit)))
		goto fail;
	if (cumulative && json_object_set_new(rec, "cumulative", json_true()))
		goto fail;
	return rec;
fail:
	json_decref(rec);
	return NULL;
}

int obs_metric_value(json_t *rec, double *value)
{
	json_t *v = json_object_get(rec, "value");
	const char *s;
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (strcasecmp(s, "NaN") == 0)
			d = NAN;
		else if (strcasecmp(s, "+Inf") == 0 || strcasecmp(s, "Inf") == 0)
			d = INFINITY;
		else if (strcasecmp(s, "-Inf") == 0)
			d = -INFINITY;
		else
			return -1;
	} else {
		return -1;
	}
	if (value)
		*value = d;
	return 0;
}
