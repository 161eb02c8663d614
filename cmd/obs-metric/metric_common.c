/* SPDX-License-Identifier: MIT */
/* obs-metric: option parsing and the record sink (store or standard output) the commands share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_metric_scan.h"
#include "obs_time.h"

/* Write the store batch out when it holds this much. */
#define SINK_FLUSH_BYTES ((size_t)4 << 20)

int metric_label_opt(json_t *labels, const char *arg)
{
	struct obs_error err;

	if (obs_metric_label_arg(labels, arg, &err) == 0)
		return 0;
	obs_warnx("%s", err.msg);
	return OBS_EXIT_USAGE;
}

int metric_time_opt(const char *opt, const char *arg, int64_t now, int64_t *ns)
{
	struct obs_error err;

	if (obs_time_parse_relative(arg, now, ns, &err) == 0)
		return 0;
	obs_warnx("%s: %s", opt, err.msg);
	return OBS_EXIT_USAGE;
}

int metric_duration_opt(const char *opt, const char *arg, int positive, int64_t *ns)
{
	struct obs_error err;

	if (obs_duration_parse(arg, ns, &err) < 0) {
		obs_warnx("%s: %s", opt, err.msg);
		return OBS_EXIT_USAGE;
	}
	if (positive && *ns <= 0) {
		obs_warnx("%s: duration '%s' must be greater than 0", opt, arg);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

int metric_labels_merge(json_t *labels, json_t *extra)
{
	char exported[512];
	const char *k;
	json_t *v, *old;

	json_object_foreach(extra, k, v) {
		old = json_object_get(labels, k);
		if (old && !json_equal(old, v)) {
			snprintf(exported, sizeof(exported), "exported_%s", k);
			if (json_object_set(labels, exported, old))
				return -1;
		}
		if (json_object_set(labels, k, v))
			return -1;
	}
	return 0;
}

/* ---- the sink ------------------------------------------------------------------ */

int metric_sink_open(struct metric_sink *s, int to_stdout)
{
	struct obs_error err;

	memset(s, 0, sizeof(*s));
	s->to_stdout = to_stdout;
	if (to_stdout) {
		obs_ndjson_writer_init(&s->out, STDOUT_FILENO);
		return 0;
	}
	if (obs_store_open(&s->store, NULL, &err) < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	obs_store_batch_init(&s->batch, &s->store, "metrics");
	/* Flushed here, to count what is stored. */
	s->batch.flush_bytes = 0;
	return 0;
}

static int sink_failed(struct metric_sink *s, const struct obs_error *err)
{
	if (!(s->to_stdout && s->out.failed == EPIPE))
		obs_warnx("%s", err->msg);
	s->failed = 1;
	return -1;
}

static int sink_added(struct metric_sink *s)
{
	s->pending++;
	if (!s->to_stdout && s->batch.bytes >= SINK_FLUSH_BYTES)
		return metric_sink_flush(s);
	return 0;
}

int metric_sink_add(struct metric_sink *s, json_t *rec, int64_t time_ns)
{
	struct obs_error err;
	int rc;

	if (s->failed)
		return -1;
	if (s->to_stdout)
		rc = obs_ndjson_write(&s->out, rec, &err);
	else
		rc = obs_store_batch_add_json(&s->batch, time_ns, rec, &err);
	if (rc < 0)
		return sink_failed(s, &err);
	return sink_added(s);
}

int metric_sink_add_line(struct metric_sink *s, const char *line, size_t len, int64_t time_ns)
{
	struct obs_error err;
	int rc;

	if (s->failed)
		return -1;
	if (s->to_stdout)
		rc = obs_ndjson_write_raw(&s->out, line, len, &err);
	else
		rc = obs_store_batch_add(&s->batch, time_ns, line, len, &err);
	if (rc < 0)
		return sink_failed(s, &err);
	return sink_added(s);
}

int metric_sink_flush(struct metric_sink *s)
{
	struct obs_error err;
	int rc;

	if (s->failed)
		return -1;
	if (s->to_stdout)
		rc = obs_ndjson_flush(&s->out, &err);
	else
		rc = obs_store_batch_flush(&s->batch, &err);
	if (rc < 0)
		return sink_failed(s, &err);
	s->written += s->pending;
	s->pending = 0;
	return 0;
}

void metric_sink_close(struct metric_sink *s)
{
	if (s->to_stdout) {
		obs_ndjson_writer_release(&s->out);
		return;
	}
	obs_store_batch_release(&s->batch);
	obs_store_release(&s->store);
}
