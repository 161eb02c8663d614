/* SPDX-License-Identifier: MIT */
/* obs-metric expose: the metrics in the Prometheus text format 0.0.4, on standard output or as a textfile. */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_metric_scan.h"
#include "obs_promtext.h"
#include "obs_time.h"

static const char expose_synopsis[] = "expose [options] [FILE...]";
static const char expose_options[] =
	"Writes the metric records of the FILEs, of standard input when it is a pipe\n"
	"or a file, or of the store, in the Prometheus text format 0.0.4: counters as\n"
	"running totals, gauges as their last value, histogram observations as\n"
	"_bucket{le}/_sum/_count, each family with its HELP and TYPE once.\n"
	"\n"
	"options:\n"
	"      --since TIME        only records at or after TIME (RFC 3339, Unix time,\n"
	"                          or a duration ago: '1h'); default: all\n"
	"      --until TIME        only records at or before TIME\n"
	"      --match GLOB        only metrics whose name matches GLOB (repeatable)\n"
	"      --buckets LIST      histogram bucket bounds, e.g. 0.1,0.5,1,5 (default\n"
	"                          .005,.01,.025,.05,.1,.25,.5,1,2.5,5,10)\n"
	"      --timestamps        write each sample's time (not for node_exporter)\n"
	"      --textfile DIR      write DIR/NAME.prom atomically, for node_exporter's\n"
	"                          textfile collector, instead of standard output\n"
	"      --name NAME         the textfile's name (default obs-metric)\n"
	"      --strict            a bad line is an error (exit 3)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Counters recorded with inc/add are sums of the deltas in the window read.\n"
	"Exit status: 0 success, 2 usage error, 3 unreadable input, a write error\n"
	"or, with --strict, a bad line.\n";

struct expose_opts {
	int64_t since, until;
	char **match;
	int nmatch;
	const char *textfile, *name;
	int strict;
	struct obs_promtext_writer w;
};

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_MATCH, OPT_BUCKETS, OPT_TIMESTAMPS, OPT_TEXTFILE,
       OPT_NAME, OPT_STRICT };

static int set_buckets(struct expose_opts *o, const char *list)
{
	struct obs_error err;
	double *bounds = NULL;
	size_t n;
	int rc = 0;

	if (obs_promtext_buckets_parse(list, &bounds, &n, &err) < 0 ||
	    obs_promtext_writer_set_buckets(&o->w, bounds, n, &err) < 0) {
		obs_warnx("--buckets: %s", err.msg);
		rc = OBS_EXIT_USAGE;
	}
	free(bounds);
	return rc;
}

static int expose_opt(struct expose_opts *o, int c, char **argv, int64_t now)
{
	switch (c) {
	case OPT_SINCE:
		return metric_time_opt("--since", optarg, now, &o->since);
	case OPT_UNTIL:
		return metric_time_opt("--until", optarg, now, &o->until);
	case OPT_MATCH:
		o->match[o->nmatch++] = optarg;
		return 0;
	case OPT_BUCKETS:
		return set_buckets(o, optarg);
	case OPT_TIMESTAMPS:
		o->w.timestamps = 1;
		return 0;
	case OPT_TEXTFILE:
		o->textfile = optarg;
		return 0;
	case OPT_NAME:
		o->name = optarg;
		return 0;
	case OPT_STRICT:
		o->strict = 1;
		return 0;
	case 'h':
		obs_cli_usage(stdout, expose_synopsis, expose_options);
		return 1;
	default:
		return obs_cli_bad_option("expose", expose_synopsis, argv, c);
	}
}

static int parse_args(int argc, char **argv, struct expose_opts *o)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "match", required_argument, NULL, OPT_MATCH },
		{ "buckets", required_argument, NULL, OPT_BUCKETS },
		{ "timestamps", no_argument, NULL, OPT_TIMESTAMPS },
		{ "textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = obs_time_now();
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		rc = expose_opt(o, c, argv, now);
		if (rc)
			return rc;
	}
	if (o->name && !o->textfile)
		return obs_cli_usage_error(expose_synopsis, "expose: --name goes with --textfile");
	if (o->textfile && o->w.timestamps)
		return obs_cli_usage_error(expose_synopsis, "expose: node_exporter's textfile "
					   "collector refuses timestamps: --textfile goes without "
					   "--timestamps");
	if (o->name && (!*o->name || strchr(o->name, '/') || o->name[0] == '.')) {
		obs_warnx("invalid textfile name '%s' (no '/', not starting with '.')", o->name);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

/* The family of a scraped histogram or summary part: "x" for "x_bucket", "x_sum", "x_count". */
static size_t family_len(const struct obs_metric_scan *m)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	size_t len = strlen(m->name), i, n;

	if (m->type != OBS_METRIC_HISTOGRAM && m->type != OBS_METRIC_SUMMARY)
		return len;
	for (i = 0; i < 3; i++) {
		n = strlen(suffixes[i]);
		if (len > n && strcmp(m->name + len - n, suffixes[i]) == 0)
			return len - n;
	}
	return len;
}

/* --match: the record's name or its family's. */
static int name_matches(const struct expose_opts *o, const struct obs_metric_scan *m)
{
	char family[1024];
	size_t flen = family_len(m);
	int i;

	if (!o->nmatch)
		return 1;
	snprintf(family, sizeof(family), "%.*s", (int)flen, m->name);
	for (i = 0; i < o->nmatch; i++)
		if (fnmatch(o->match[i], m->name, 0) == 0 || fnmatch(o->match[i], family, 0) == 0)
			return 1;
	return 0;
}

/* One line of input into the writer; 0, or -1 to stop (strict). */
static int expose_line(struct expose_opts *o, struct obs_cli_input *in, struct obs_metric_scan *m,
		       const char *line, size_t len)
{
	struct obs_error err;
	json_t *rec;
	int rc;

	rc = obs_metric_scan_line(m, line, len, 0, &err);
	if (rc == 0)
		return 0;
	if (rc < 0)
		return obs_cli_input_bad(in, err.msg);
	if (m->has_time && (m->time_ns < o->since || m->time_ns > o->until))
		return 0;
	if (!name_matches(o, m))
		return 0;
	rec = obs_metric_scan_record(m, m->has_time ? m->time_ns : 0);
	if (!rec)
		return obs_cli_input_bad(in, "out of memory");
	if (!m->has_time)
		json_object_del(rec, "time");
	rc = obs_promtext_writer_add(&o->w, rec, &err);
	json_decref(rec);
	return rc < 0 ? obs_cli_input_bad(in, err.msg) : 0;
}

static int emit(struct expose_opts *o)
{
	struct obs_error err;
	char *text;
	size_t len;

	if (!o->textfile) {
		if (obs_promtext_writer_write_fd(&o->w, STDOUT_FILENO, &err) == 0)
			return 0;
		obs_warnx("%s", err.msg);
		return -1;
	}
	text = obs_promtext_writer_text(&o->w, &len, &err);
	if (!text || obs_promtext_textfile_write(o->textfile, o->name ? o->name : "obs-metric", text,
						 len, &err) < 0) {
		obs_warnx("%s", err.msg);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

int cmd_expose(int argc, char **argv)
{
	struct expose_opts o;
	struct obs_cli_input in;
	struct obs_metric_scan m;
	const char *line;
	size_t len;
	int rc, status = OBS_EXIT_OK;

	memset(&o, 0, sizeof(o));
	o.since = OBS_TIME_MIN;
	o.until = OBS_TIME_MAX;
	o.match = calloc((size_t)argc + 1, sizeof(*o.match));
	obs_promtext_writer_init(&o.w);
	rc = o.match ? parse_args(argc, argv, &o) : OBS_EXIT_FAILURE;
	if (rc == 0)
		rc = obs_cli_input_open(&in, argv + optind, argc - optind, "metrics", o.since,
					o.until, o.strict);
	if (rc) {
		obs_promtext_writer_release(&o.w);
		free(o.match);
		return rc == 1 ? obs_cli_finish(OBS_EXIT_OK) : rc;
	}
	obs_metric_scan_init(&m);
	while ((rc = obs_cli_input_next(&in, &line, &len)) > 0)
		if (expose_line(&o, &in, &m, line, len) < 0)
			break;
	if (rc < 0 || (o.strict && in.malformed))
		status = OBS_EXIT_FAILURE;
	else if (emit(&o) < 0)
		status = OBS_EXIT_FAILURE;
	status = obs_cli_input_finish(&in, status);
	obs_metric_scan_release(&m);
	obs_promtext_writer_release(&o.w);
	free(o.match);
	return obs_cli_finish(status);
}
