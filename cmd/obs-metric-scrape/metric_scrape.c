/* SPDX-License-Identifier: MIT */
/* obs-metric scrape: fetch Prometheus / OpenMetrics endpoints and record their samples with job and instance labels. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../obs-metric/metric.h"
#include "obs_cli.h"
#include "obs_http.h"
#include "obs_promtext.h"
#include "obs_time.h"

static const char scrape_synopsis[] = "scrape [options] URL...";
static const char scrape_options[] =
	"Fetches each URL (a Prometheus or OpenMetrics endpoint such as\n"
	"http://127.0.0.1:9100/metrics) and records its samples as metric records\n"
	"with the labels job and instance, plus up, scrape_duration_seconds and\n"
	"scrape_samples_scraped for each target, as Prometheus does. A scrape that\n"
	"fails (connection, status, malformed text) records up 0 and nothing else.\n"
	"\n"
	"options:\n"
	"      --job NAME          the job label (default: scrape)\n"
	"      --instance NAME     the instance label (default: the URL's host:port)\n"
	"  -l, --label NAME=VALUE  another target label (repeatable)\n"
	"      --timeout DUR       give up on a target after DUR (default 10s)\n"
	"      --format FORMAT     auto (by Content-Type, the default), prom or\n"
	"                          openmetrics\n"
	"      --ca-file FILE      trust the certificates in FILE (PEM) for https\n"
	"      --insecure          do not verify the server's certificate\n"
	"      --bearer-token-file FILE\n"
	"                          send 'Authorization: Bearer' with FILE's content\n"
	"  -i, --interval DUR      scrape every DUR until stopped\n"
	"  -c, --count N           with --interval: stop after N rounds\n"
	"      --stdout            write the records to standard output, not the store\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 every target was up, 2 usage error, 3 a target could not\n"
	"be scraped or the store not written.\n";

/* What Prometheus 2.x asks for: OpenMetrics first, then the text format. */
static const char accept_any[] =
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
	"text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
static const char accept_text[] = "text/plain;version=0.0.4";
static const char accept_om[] = "application/openmetrics-text;version=1.0.0";

struct scrape_run {
	struct obs_http http;
	const char *job, *instance;
	json_t *extra;             /* --label */
	enum obs_promtext_format format;
	int forced_format;
	int64_t interval;
	long long count;
	int to_stdout;
	char *token;               /* --bearer-token-file */
	struct metric_sink sink;
	/* The target under way. */
	json_t *target;            /* job, instance and --label */
	json_t *records;           /* its samples, stored only if the scrape succeeds */
	int64_t now;
};

/* ---- one target ------------------------------------------------------------------- */

/* host:port of URL, without user info; a new string. */
static char *url_authority(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	return strndup(p, (size_t)(end - p));
}

static int target_labels(struct scrape_run *r, const char *url)
{
	char *authority = r->instance ? NULL : url_authority(url);

	r->target = json_deep_copy(r->extra);
	if (!r->target || (!r->instance && !authority))
		goto oom;
	if (json_object_set_new(r->target, "job", json_string(r->job)) ||
	    json_object_set_new(r->target, "instance",
				json_string(r->instance ? r->instance : authority)))
		goto oom;
	free(authority);
	return 0;
oom:
	free(authority);
	obs_warnx("out of memory");
	return -1;
}

static int on_sample(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	struct scrape_run *r = ctx;
	json_t *rec = obs_promtext_sample_record(s, r->target, r->now, 0, err);

	if (!rec || json_array_append_new(r->records, rec))
		return obs_error_set(err, "out of memory");
	return 0;
}

/* The target's own series, as Prometheus adds them. */
static int add_synthetic(struct scrape_run *r, int up, double seconds)
{
	static const struct {
		const char *name, *help, *unit;
	} m[] = {
		{ "up", "1 if the last scrape of the target succeeded, else 0.", NULL },
		{ "scrape_duration_seconds", "How long the scrape of the target took.", "seconds" },
		{ "scrape_samples_scraped", "Samples the target exposed.", NULL },
	};
	double v[3] = { up, seconds, up ? (double)json_array_size(r->records) : 0 };
	json_t *rec;
	size_t i;

	for (i = 0; i < 3; i++) {
		rec = obs_metric_new(m[i].name, OBS_METRIC_GAUGE, v[i], r->target, r->now, m[i].help,
				     m[i].unit, 0);
		if (!rec || json_array_append_new(r->records, rec)) {
			obs_warnx("out of memory");
			return -1;
		}
	}
	return 0;
}

static enum obs_promtext_format response_format(const struct scrape_run *r,
						const struct obs_http_response *resp)
{
	if (r->forced_format)
		return r->format;
	return obs_promtext_format_from_content_type(resp->content_type);
}

/* Fetch and parse URL into r->records; 0, or -1 (reported; the scrape failed). */
static int fetch(struct scrape_run *r, const char *url)
{
	struct obs_http_response resp;
	struct obs_error err;
	char where[1024];
	int rc = -1;

	obs_http_response_init(&resp);
	if (obs_http_get(&r->http, url, r->forced_format ? (r->format == OBS_PROMTEXT_OPENMETRICS ?
				 accept_om : accept_text) : accept_any, &resp, &err) < 0) {
		obs_warnx("%s", err.msg);
		goto out;
	}
	obs_http_redact_url(url, 0, where, sizeof(where));
	if (obs_promtext_parse(where, resp.body ? resp.body : "", resp.len, response_format(r, &resp),
			       on_sample, r, &err) < 0) {
		obs_warnx("%s", err.msg);
		json_array_clear(r->records);
		goto out;
	}
	rc = 0;
out:
	obs_http_response_release(&resp);
	return rc;
}

/* Scrape one target and store what it gave; 0 up, 1 down, -1 the store failed. */
static int scrape_target(struct scrape_run *r, const char *url)
{
	int64_t t0 = obs_time_monotonic();
	size_t i;
	int up;

	r->now = obs_time_now();
	r->records = json_array();
	if (!r->records || target_labels(r, url) < 0) {
		json_decref(r->records);
		return -1;
	}
	up = fetch(r, url) == 0;
	if (add_synthetic(r, up, (double)(obs_time_monotonic() - t0) / 1e9) < 0)
		up = -1;
	for (i = 0; up >= 0 && i < json_array_size(r->records); i++) {
		json_t *rec = json_array_get(r->records, i);
		int64_t t;

		if (obs_time_parse(json_string_value(json_object_get(rec, "time")), &t, NULL) < 0)
			t = r->now;
		if (metric_sink_add(&r->sink, rec, t) < 0)
			up = -1;
	}
	if (up >= 0 && metric_sink_flush(&r->sink) < 0)
		up = -1;
	json_decref(r->records);
	json_decref(r->target);
	r->records = r->target = NULL;
	return up < 0 ? -1 : !up;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { (time_t)(t / OBS_NS_PER_SEC), (long)(t % OBS_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Every URL, once or at the interval; the exit status. */
static int scrape_all(struct scrape_run *r, char **urls, int n)
{
	int64_t start = obs_time_monotonic();
	int status = OBS_EXIT_OK, i, rc;
	long long round;

	for (round = 0; r->count == 0 || round < r->count; round++) {
		if (round)
			sleep_until(start + round * r->interval);
		for (i = 0; i < n; i++) {
			rc = scrape_target(r, urls[i]);
			if (rc < 0)
				return OBS_EXIT_FAILURE;
			if (rc > 0)
				status = OBS_EXIT_FAILURE;
		}
		if (!r->interval)
			break;
	}
	return status;
}

/* ---- options --------------------------------------------------------------------------- */

static int read_token(struct scrape_run *r, const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (!f) {
		obs_warn("cannot open '%s'", path);
		return OBS_EXIT_USAGE;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		obs_warnx("bearer token file '%s' is empty", path);
		return OBS_EXIT_USAGE;
	}
	free(r->token);
	r->token = NULL;
	if (asprintf(&r->token, "Bearer %s", buf) < 0) {
		r->token = NULL;
		return OBS_EXIT_FAILURE;
	}
	return 0;
}

static int parse_count(const char *s, long long *n)
{
	char *end;

	errno = 0;
	*n = strtoll(s, &end, 10);
	if (errno || end == s || *end || *n <= 0) {
		obs_warnx("--count: invalid count '%s' (expected a number > 0)", s);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

static int set_format(struct scrape_run *r, const char *s)
{
	r->forced_format = strcmp(s, "auto") != 0;
	if (!strcmp(s, "auto") || !strcmp(s, "prom") || !strcmp(s, "openmetrics")) {
		r->format = !strcmp(s, "prom") ? OBS_PROMTEXT_TEXT :
			    !strcmp(s, "openmetrics") ? OBS_PROMTEXT_OPENMETRICS : OBS_PROMTEXT_AUTO;
		return 0;
	}
	return obs_cli_usage_error(scrape_synopsis, "scrape: unknown format '%s': expected auto, "
				   "prom or openmetrics", s);
}

enum { OPT_JOB = 256, OPT_INSTANCE, OPT_TIMEOUT, OPT_FORMAT, OPT_CA, OPT_INSECURE, OPT_TOKEN,
       OPT_STDOUT };

static int scrape_opt(struct scrape_run *r, int c, char **argv)
{
	int64_t ns;
	int rc;

	switch (c) {
	case OPT_JOB:
		r->job = optarg;
		return 0;
	case OPT_INSTANCE:
		r->instance = optarg;
		return 0;
	case 'l':
		return metric_label_opt(r->extra, optarg);
	case OPT_TIMEOUT:
		rc = metric_duration_opt("--timeout", optarg, 1, &ns);
		r->http.timeout_ms = (long)(ns / 1000000 > 0 ? ns / 1000000 : 1);
		return rc;
	case OPT_FORMAT:
		return set_format(r, optarg);
	case OPT_CA:
		r->http.ca_file = optarg;
		return 0;
	case OPT_INSECURE:
		r->http.insecure = 1;
		return 0;
	case OPT_TOKEN:
		return read_token(r, optarg);
	case 'i':
		return metric_duration_opt("--interval", optarg, 1, &r->interval);
	case 'c':
		return parse_count(optarg, &r->count);
	case OPT_STDOUT:
		r->to_stdout = 1;
		return 0;
	case 'h':
		obs_cli_usage(stdout, scrape_synopsis, scrape_options);
		return 1;
	default:
		return obs_cli_bad_option("scrape", scrape_synopsis, argv, c);
	}
}

static int parse_args(int argc, char **argv, struct scrape_run *r)
{
	static const struct option longopts[] = {
		{ "job", required_argument, NULL, OPT_JOB },
		{ "instance", required_argument, NULL, OPT_INSTANCE },
		{ "label", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ca-file", required_argument, NULL, OPT_CA },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "bearer-token-file", required_argument, NULL, OPT_TOKEN },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "stdout", no_argument, NULL, OPT_STDOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obs_error err;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":l:i:c:h", longopts, NULL)) != -1) {
		rc = scrape_opt(r, c, argv);
		if (rc)
			return rc;
	}
	if (optind >= argc)
		return obs_cli_usage_error(scrape_synopsis, "scrape: no URL given");
	if (r->count && !r->interval)
		return obs_cli_usage_error(scrape_synopsis, "scrape: --count goes with --interval");
	if (!*r->job) {
		obs_warnx("--job: the job name may not be empty");
		return OBS_EXIT_USAGE;
	}
	if (r->token && obs_http_header_add(&r->http, "Authorization", r->token, &err) < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

int cmd_scrape(int argc, char **argv)
{
	struct scrape_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	obs_http_init(&r.http);
	r.http.timeout_ms = 10000;
	r.http.user_agent = "obs-metric/" OBS_VERSION;
	r.job = "scrape";
	r.extra = json_object();
	rc = parse_args(argc, argv, &r);
	if (rc == 0)
		rc = metric_sink_open(&r.sink, r.to_stdout);
	if (rc == 0) {
		rc = scrape_all(&r, argv + optind, argc - optind);
		metric_sink_close(&r.sink);
	}
	obs_http_release(&r.http);
	json_decref(r.extra);
	free(r.token);
	return rc == 1 ? obs_cli_finish(OBS_EXIT_OK) : obs_cli_finish(rc);
}
