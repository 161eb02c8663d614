/* SPDX-License-Identifier: MIT */
/* libFuzzer target: bytes as a metric record line; what scans must rebuild, re-scan the same, and never be dropped by the raw prefilter. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_metric_scan.h"
#include "obs_ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_value(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* The record rebuilt from M scans back to the same fields. */
static void check_rebuild(const struct obs_metric_scan *m)
{
	struct obs_metric_scan again;
	struct obs_error err;
	json_t *rec = obs_metric_scan_record(m, m->has_time ? m->time_ns : 0);
	char *line;
	size_t len, i;

	if (!rec)
		abort();
	line = obs_json_dump_line(rec, &len);
	json_decref(rec);
	if (!line)
		abort();
	obs_metric_scan_init(&again);
	if (obs_metric_scan_line(&again, line, len, OBS_METRIC_SCAN_KNOWN_FIELDS, &err) != 1)
		abort();
	if (strcmp(again.name, m->name) || again.type != m->type || again.nlabels != m->nlabels ||
	    !same_value(again.value, m->value) || again.cumulative != m->cumulative ||
	    !again.canonical || (m->has_time && again.time_ns != m->time_ns))
		abort();
	for (i = 0; i < m->nlabels; i++)
		if (strcmp(again.labels[i].name, m->labels[i].name) ||
		    strcmp(again.labels[i].value, m->labels[i].value))
			abort();
	obs_metric_scan_release(&again);
	free(line);
}

/* The general way reads LINE exactly as the fast way did. */
static void check_slow(const struct obs_metric_scan *m, const char *line, size_t len)
{
	struct obs_metric_scan slow;
	struct obs_error err;
	size_t i;

	obs_metric_scan_init(&slow);
	if (obs_metric_scan_line(&slow, line, len, OBS_METRIC_SCAN_SLOW, &err) != 1)
		abort();
	if (strcmp(slow.name, m->name) || slow.type != m->type || slow.nlabels != m->nlabels ||
	    !same_value(slow.value, m->value) || slow.cumulative != m->cumulative ||
	    slow.canonical != m->canonical || slow.has_time != m->has_time ||
	    slow.time_ns != m->time_ns || !slow.help != !m->help || !slow.unit != !m->unit ||
	    (m->help && strcmp(slow.help, m->help)) || (m->unit && strcmp(slow.unit, m->unit)))
		abort();
	for (i = 0; i < m->nlabels; i++)
		if (strcmp(slow.labels[i].name, m->labels[i].name) ||
		    strcmp(slow.labels[i].value, m->labels[i].value))
			abort();
	obs_metric_scan_release(&slow);
}

/* A filter wanting exactly this record never rejects its line on raw bytes. */
static void check_filter(const struct obs_metric_scan *m, const char *line, size_t len)
{
	struct obs_metric_filter f;
	char *name = strdup(m->name);

	if (!name || obs_metric_filter_init(&f, m->time_ns, m->time_ns, &name, 1) < 0)
		abort();
	if (!obs_metric_filter_match(&f, m) || !obs_metric_filter_maybe(&f, line, len))
		abort();
	obs_metric_filter_release(&f);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_metric_scan m;
	struct obs_series_set *set;
	struct obs_error err;
	const char *line = (const char *)data;
	int rc;

	obs_metric_scan_init(&m);
	rc = obs_metric_scan_line(&m, line, size, 0, &err);
	if (rc != 1 && obs_metric_scan_line(&m, line, size, OBS_METRIC_SCAN_SLOW, &err) != rc)
		abort();
	if (rc == 1) {
		check_slow(&m, line, size);
		check_rebuild(&m);
		if (m.has_time) {
			check_filter(&m, line, size);
			set = obs_series_set_new();
			if (!set)
				abort();
			obs_metric_scan_add_series(&m, set, &err);
			obs_series_set_free(set);
		}
	}
	obs_metric_scan_release(&m);
	return 0;
}
