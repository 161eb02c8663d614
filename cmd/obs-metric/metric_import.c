/* SPDX-License-Identifier: MIT */
/* obs-metric import: metric records (NDJSON) or Prometheus / OpenMetrics text into the store, in bulk. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_metric_scan.h"
#include "obs_ndjson.h"
#include "obs_promtext.h"
#include "obs_time.h"

static const char import_synopsis[] =
	"import [--format auto|ndjson|prom|openmetrics] [options] [FILE...]";
static const char import_options[] =
	"Reads metric records (NDJSON, one per line) or the Prometheus text format\n"
	"(0.0.4, or OpenMetrics 1.0) from the FILEs (\"-\" for standard input; gzip\n"
	"allowed) or standard input, and stores them as metric records.\n"
	"\n"
	"options:\n"
	"      --format FORMAT     auto (default: a first line starting with '{' is\n"
	"                          NDJSON, anything else Prometheus text), ndjson,\n"
	"                          prom (text format 0.0.4) or openmetrics\n"
	"  -l, --label NAME=VALUE  add a label to every sample (repeatable; it wins over\n"
	"                          a sample's own, which is kept as exported_NAME)\n"
	"      --time TIME         time of samples that have none (default: now)\n"
	"      --stdout            write the records to standard output, not the store\n"
	"      --strict            stop at the first bad line (exit 3)\n"
	"  -v, --verbose           say how many samples each input gave\n"
	"  -h, --help              show this help\n"
	"\n"
	"Bad lines are reported as FILE:LINE: reason on standard error, skipped and\n"
	"counted. Counter records are deltas unless \"cumulative\": true; samples of\n"
	"Prometheus text are cumulative.\n"
	"Exit status: 0 success, 2 usage error, 3 an input could not be read, the\n"
	"output could not be written, or (with --strict) a bad line.\n";

enum import_format { FMT_AUTO, FMT_NDJSON, FMT_PROM, FMT_OPENMETRICS };

struct import_run {
	enum import_format format;
	json_t *extra;            /* --label */
	int64_t default_time;
	int strict, verbose, to_stdout;
	struct metric_sink sink;
	struct obs_metric_scan scan;
	/* The current input. */
	const char *name;
	unsigned long samples, bad;
	int stop;                 /* --strict and a problem was met, or the output failed */
};

/* ---- NDJSON records ------------------------------------------------------------- */

static void bad_line(struct import_run *r, unsigned long lineno, const char *reason)
{
	obs_warnx("%s:%lu: %s", r->name, lineno, reason);
	r->bad++;
	if (r->strict)
		r->stop = 1;
}

/* The record last scanned, rebuilt: a missing type or time, a time or value to normalise, --label. */
static int add_rebuilt(struct import_run *r, int64_t t)
{
	json_t *rec = obs_metric_scan_record(&r->scan, t);
	int rc = -1;

	if (rec && (!json_object_size(r->extra) ||
		    metric_labels_merge(json_object_get(rec, "labels"), r->extra) == 0))
		rc = metric_sink_add(&r->sink, rec, t);
	else
		obs_warnx("out of memory");
	json_decref(rec);
	return rc;
}

static void import_record(struct import_run *r, const char *line, size_t len,
			  unsigned long lineno)
{
	struct obs_metric_scan *m = &r->scan;
	struct obs_error err;
	int64_t t;
	int rc;

	rc = obs_metric_scan_line(m, line, len, OBS_METRIC_SCAN_KNOWN_FIELDS, &err);
	if (rc <= 0) {
		bad_line(r, lineno, rc == 0 ? "not a metric record" : err.msg);
		return;
	}
	if (m->type == OBS_METRIC_COUNTER && !m->cumulative && !(m->value >= 0 && isfinite(m->value))) {
		bad_line(r, lineno, "a counter increment must be a finite number >= 0");
		return;
	}
	t = m->has_time ? m->time_ns : r->default_time;
	if (m->canonical && !json_object_size(r->extra))
		rc = metric_sink_add_line(&r->sink, line, len, t);
	else
		rc = add_rebuilt(r, t);
	if (rc < 0)
		r->stop = 1;
	else
		r->samples++;
}

/* ---- Prometheus text -------------------------------------------------------------- */

static int prom_sample(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	struct import_run *r = ctx;
	json_t *rec;
	int rc;

	if (r->stop)
		return obs_error_set(err, "stopped");
	rec = obs_promtext_sample_record(s, r->extra, r->default_time, 0, err);
	if (!rec)
		return -1;
	rc = metric_sink_add(&r->sink, rec, s->has_time ? s->time_ns : r->default_time);
	json_decref(rec);
	if (rc < 0) {
		r->stop = 1;
		return obs_error_set(err, "stopped");
	}
	r->samples++;
	return 0;
}

static void prom_warn(void *ctx, const char *msg)
{
	struct import_run *r = ctx;

	obs_warnx("%s", msg);
	r->bad++;
}

/* Feed the rest of RD to a text parser, FIRST being the line already read. 0, or 1 if it failed. */
static int import_prom(struct import_run *r, struct obs_ndjson_reader *rd, const char *first,
		       size_t first_len)
{
	struct obs_promtext_parser p;
	struct obs_error err;
	unsigned long fed = 0;
	const char *line = first;
	size_t len = first_len;
	int rc = 1, more = 1;

	if (obs_promtext_parser_init(&p, r->name, prom_sample, r, &err) < 0) {
		obs_warnx("%s", err.msg);
		return 1;
	}
	p.format = r->format == FMT_OPENMETRICS ? OBS_PROMTEXT_OPENMETRICS : OBS_PROMTEXT_AUTO;
	if (r->format == FMT_PROM)
		p.format = OBS_PROMTEXT_TEXT;
	if (!r->strict) {
		p.warn = prom_warn;
		p.warn_ctx = r;
	}
	while (more == 1) {
		/* The reader skips blank lines: feed them, so that line numbers agree. */
		for (; fed + 1 < rd->lineno; fed++)
			if (obs_promtext_feed_line(&p, "", 0, &err) < 0)
				goto fail;
		fed++;
		if (obs_promtext_feed_line(&p, line, len, &err) < 0)
			goto fail;
		more = obs_ndjson_next_line(rd, &line, &len, &err);
	}
	if (more < 0 || obs_promtext_finish(&p, &err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	/* "stopped": the output failed, and said so. */
	if (strcmp(err.msg, "stopped")) {
		obs_warnx("%s", err.msg);
		r->bad++;
		if (r->strict)
			r->stop = 1;
	}
	rc = r->stop ? 0 : 1;
out:
	obs_promtext_parser_release(&p);
	return rc;
}

/* ---- inputs -------------------------------------------------------------------------- */

static void reader_warn(void *ctx, const char *msg)
{
	struct import_run *r = ctx;

	obs_warnx("%s", msg);
	if (!strstr(msg, "torn last line (no newline at end)")) {
		r->bad++;
		if (r->strict)
			r->stop = 1;
	}
}

/* 1 if the first line says NDJSON. */
static int looks_ndjson(const char *line, size_t len)
{
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	return len && *line == '{';
}

/* Import one input: 0 done, 1 it could not be read. */
static int import_input(struct import_run *r, const char *path)
{
	struct obs_ndjson_reader rd;
	struct obs_error err;
	const char *line;
	size_t len;
	int rc, ret = 0;

	if (obs_ndjson_open(&rd, path, &err) < 0) {
		obs_warnx("%s", err.msg);
		return 1;
	}
	rd.warn = reader_warn;
	rd.warn_ctx = r;
	r->name = rd.name;
	rc = obs_ndjson_next_line(&rd, &line, &len, &err);
	if (rc > 0 && (r->format == FMT_NDJSON ||
		       (r->format == FMT_AUTO && looks_ndjson(line, len)))) {
		for (; rc > 0 && !r->stop; rc = obs_ndjson_next_line(&rd, &line, &len, &err))
			import_record(r, line, len, rd.lineno);
	} else if (rc > 0) {
		ret = import_prom(r, &rd, line, len);
		rc = 0;
	}
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		ret = 1;
	}
	obs_ndjson_close(&rd);
	return ret;
}

static void summary(const struct import_run *r, const char *path)
{
	char from[4200], extra[64] = "";

	if (!r->verbose && !r->bad)
		return;
	snprintf(from, sizeof(from), strcmp(path, "-") ? "'%s'" : "%s",
		 strcmp(path, "-") ? path : "<stdin>");
	if (r->bad)
		snprintf(extra, sizeof(extra), " (%lu line%s skipped)", r->bad, r->bad == 1 ? "" : "s");
	obs_warnx("imported %lu sample%s from %s%s", r->samples, r->samples == 1 ? "" : "s", from,
		  extra);
}

static int parse_format(const char *s, enum import_format *f)
{
	static const char *const names[] = { "auto", "ndjson", "prom", "openmetrics" };
	int i;

	for (i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*f = (enum import_format)i;
			return 0;
		}
	}
	return -1;
}

enum { OPT_FORMAT = 256, OPT_TIME, OPT_STDOUT, OPT_STRICT };

/* 0, 1 after --help, or an exit status. */
static int parse_args(int argc, char **argv, struct import_run *r)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "label", required_argument, NULL, 'l' },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "stdout", no_argument, NULL, OPT_STDOUT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:vh", longopts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case OPT_FORMAT:
			if (parse_format(optarg, &r->format) < 0)
				return obs_cli_usage_error(import_synopsis,
							   "unknown format '%s': expected auto, "
							   "ndjson, prom or openmetrics", optarg);
			break;
		case 'l':
			rc = metric_label_opt(r->extra, optarg);
			break;
		case OPT_TIME:
			rc = metric_time_opt("--time", optarg, r->default_time, &r->default_time);
			break;
		case OPT_STDOUT:
			r->to_stdout = 1;
			break;
		case OPT_STRICT:
			r->strict = 1;
			break;
		case 'v':
			r->verbose = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, import_synopsis, import_options);
			return 1;
		default:
			return obs_cli_bad_option("import", import_synopsis, argv, c);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Write out what is left, and say what --strict discarded. */
static int import_end(struct import_run *r, int status)
{
	if (r->stop && r->strict && !r->sink.failed) {
		if (r->sink.written)
			obs_warnx("stopped at the first problem (--strict); %lu record%s already "
				  "written", r->sink.written, r->sink.written == 1 ? " was" : "s were");
		else
			obs_warnx("stopped at the first problem (--strict)%s",
				  r->to_stdout ? "" : "; nothing stored");
		return OBS_EXIT_FAILURE;
	}
	if (metric_sink_flush(&r->sink) < 0 || r->sink.failed)
		return OBS_EXIT_FAILURE;
	return status;
}

int cmd_import(int argc, char **argv)
{
	static char *stdin_only[] = { (char *)"-", NULL };
	struct import_run r;
	char **inputs;
	int ninputs, i, rc, status = OBS_EXIT_OK;

	memset(&r, 0, sizeof(r));
	r.extra = json_object();
	r.default_time = obs_time_now();
	rc = parse_args(argc, argv, &r);
	if (rc == 0 && optind == argc && obs_cli_isatty(STDIN_FILENO))
		rc = obs_cli_usage_error(import_synopsis, "import: no input: name a FILE or pipe "
					 "records to standard input");
	if (rc == 0)
		rc = metric_sink_open(&r.sink, r.to_stdout);
	if (rc) {
		json_decref(r.extra);
		return rc == 1 ? obs_cli_finish(OBS_EXIT_OK) : rc;
	}
	inputs = optind < argc ? argv + optind : stdin_only;
	ninputs = optind < argc ? argc - optind : 1;
	obs_metric_scan_init(&r.scan);
	for (i = 0; i < ninputs && !r.stop; i++) {
		r.samples = r.bad = 0;
		if (import_input(&r, inputs[i]))
			status = OBS_EXIT_FAILURE;
		else if (!r.stop)
			summary(&r, inputs[i]);
	}
	status = import_end(&r, status);
	obs_metric_scan_release(&r.scan);
	metric_sink_close(&r.sink);
	json_decref(r.extra);
	return obs_cli_finish(status);
}
