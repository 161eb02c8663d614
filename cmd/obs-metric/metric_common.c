/* SPDX-License-Identifier: MIT */
/* obs-metric: option parsing, the record sink (store or standard output) and input reading shared by the commands. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_metric_scan.h"
#include "obs_time.h"

/* Write the store batch out when it holds this much. */
#define SINK_FLUSH_BYTES ((size_t)4 << 20)

int metric_bad_option(const char *cmd, const char *synopsis, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return obs_cli_usage_error(synopsis, "%s: option '%s' needs a value", cmd, arg);
	if (optopt && strncmp(arg, "--", 2))
		return obs_cli_usage_error(synopsis, "%s: unknown option '-%c'", cmd, optopt);
	return obs_cli_usage_error(synopsis, "%s: unknown option '%s'", cmd, arg);
}

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

/* ---- input ------------------------------------------------------------------------ */

static void warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	obs_warnx("%s", msg);
}

int metric_input_open(struct metric_input *in, char **files, int nfiles, int64_t since,
		      int64_t until, int strict)
{
	struct obs_error err;

	memset(in, 0, sizeof(*in));
	obs_source_init(&in->src);
	in->strict = strict;
	in->src.strict = strict;
	in->src.warn = warn_line;
	if (obs_source_open(&in->src, files, nfiles, "metrics", since, until, &err) < 0) {
		obs_warnx("%s", err.msg);
		obs_source_close(&in->src);
		return OBS_EXIT_FAILURE;
	}
	return 0;
}

int metric_input_next(struct metric_input *in, const char **line, size_t *len)
{
	struct obs_error err;
	int r;

	for (;;) {
		r = obs_source_next(&in->src, line, len, &err);
		if (r >= 0)
			return r;
		obs_warnx("%s", err.msg);
		in->failed = 1;
		if (in->strict)
			return -1;
	}
}

int metric_input_bad(struct metric_input *in, const char *reason)
{
	/* A writer killed mid-line: the reader has said so already. */
	if (in->src.line_torn)
		return 0;
	obs_warnx("%s:%lu: %s", in->src.name, in->src.lineno, reason);
	in->malformed++;
	return in->strict ? -1 : 0;
}

int metric_input_finish(struct metric_input *in, int status)
{
	unsigned long n = in->malformed + in->src.skipped;

	if (n && !in->strict)
		obs_warnx("%lu malformed line%s skipped", n, n == 1 ? "" : "s");
	obs_source_close(&in->src);
	if (status == OBS_EXIT_OK && (in->failed || (in->strict && n)))
		return OBS_EXIT_FAILURE;
	return status;
}
