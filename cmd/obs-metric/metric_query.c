/* SPDX-License-Identifier: MIT */
/* obs-metric query: a PromQL expression evaluated over the store or piped metric records. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_metric_scan.h"
#include "obs_promql.h"
#include "obs_promql_scope.h"
#include "obs_time.h"

static const char query_synopsis[] =
	"query [--time TIME | --start TIME [--end TIME] [--step DUR]] [options] EXPR [FILE...]";
static const char query_options[] =
	"Evaluates the PromQL expression EXPR (the subset in obs-metric(1)) over the\n"
	"metric records of the FILEs, of standard input when it is a pipe or a file,\n"
	"or of the store (only the days the expression needs).\n"
	"\n"
	"options:\n"
	"      --time TIME         an instant query at TIME (default: now); RFC 3339,\n"
	"                          Unix time, or a duration ago ('1h')\n"
	"      --start TIME        a range query from TIME ...\n"
	"      --end TIME          ... to TIME (default: now) ...\n"
	"      --step DUR          ... every DUR (default: about 250 steps)\n"
	"      --lookback DUR      how far back instant selectors look (default 5m)\n"
	"      --since TIME        also read records from TIME on, so that counters\n"
	"                          recorded as deltas (inc, add) total from there\n"
	"  -o, --output FORMAT     ndjson (one line per series, as the \"result\" items\n"
	"                          of Prometheus's HTTP API), json (the whole API\n"
	"                          response) or table (default: table on a terminal,\n"
	"                          else ndjson)\n"
	"      --strict            a malformed line is an error (exit 3)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 success (also for an empty result), 2 usage error or an\n"
	"expression that does not parse or is outside the subset, 3 unreadable\n"
	"input, an evaluation error or, with --strict, a malformed line.\n";

#define DEFAULT_LOOKBACK_MS (5 * 60 * 1000)

struct query_opts {
	const char *text;
	struct obs_promql_expr *expr;
	int range;
	int64_t time, start, end, step, lookback, since;   /* ns */
	int has_time, has_end, has_step, has_since, strict;
	enum obs_output out;
};

enum { OPT_TIME = 256, OPT_START, OPT_END, OPT_STEP, OPT_LOOKBACK, OPT_SINCE, OPT_STRICT };

/* ---- parse errors with a caret -------------------------------------------------------- */

/* The expression's line LINE (from 1) and a caret under byte column COL, on stderr. */
static void show_caret(const char *text, long line, long col)
{
	const char *p = text, *end;
	long i;

	for (i = 1; i < line && (p = strchr(p, '\n')); i++)
		p++;
	if (!p)
		return;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	fprintf(stderr, "%.*s\n", (int)(end - p), p);
	for (i = 1; i < col && p + i - 1 < end; i++) {
		unsigned char c = (unsigned char)p[i - 1];

		/* Tabs keep their width; a UTF-8 character takes one column on screen. */
		if (c == '\t')
			fputc('\t', stderr);
		else if ((c & 0xc0) != 0x80)
			fputc(' ', stderr);
	}
	fputs("^\n", stderr);
}

static void parse_error(const char *text, const char *msg)
{
	const char *at = strstr(msg, " at ");
	long line = 1, col = 0;

	obs_warnx("%s", msg);
	if (!at)
		return;
	if (sscanf(at, " at line %ld, column %ld", &line, &col) != 2) {
		line = 1;
		if (sscanf(at, " at column %ld", &col) != 1)
			return;
	}
	show_caret(text, line, col);
}

/* ---- options ------------------------------------------------------------------------- */

static int query_opt(struct query_opts *q, int c, char **argv, int64_t now)
{
	switch (c) {
	case OPT_TIME:
		q->has_time = 1;
		return metric_time_opt("--time", optarg, now, &q->time);
	case OPT_START:
		q->range = 1;
		return metric_time_opt("--start", optarg, now, &q->start);
	case OPT_END:
		q->has_end = 1;
		return metric_time_opt("--end", optarg, now, &q->end);
	case OPT_STEP:
		q->has_step = 1;
		return metric_duration_opt("--step", optarg, 1, &q->step);
	case OPT_LOOKBACK:
		return metric_duration_opt("--lookback", optarg, 1, &q->lookback);
	case OPT_SINCE:
		q->has_since = 1;
		return metric_time_opt("--since", optarg, now, &q->since);
	case OPT_STRICT:
		q->strict = 1;
		return 0;
	case 'o':
		if (obs_output_parse(optarg, 1u << OBS_OUT_NDJSON | 1u << OBS_OUT_JSON |
					     1u << OBS_OUT_TABLE, &q->out) == 0)
			return 0;
		obs_warnx("invalid output format '%s' (expected ndjson, json or table)", optarg);
		return OBS_EXIT_USAGE;
	case 'h':
		obs_cli_usage(stdout, query_synopsis, query_options);
		return 1;
	default:
		return obs_cli_bad_option("query", query_synopsis, argv, c);
	}
}

/* The times of a range query without --step: about 250 steps, in whole seconds. */
static int64_t default_step(int64_t start, int64_t end)
{
	int64_t s = (end - start) / 250;

	s = (s + OBS_NS_PER_SEC - 1) / OBS_NS_PER_SEC * OBS_NS_PER_SEC;
	return s < OBS_NS_PER_SEC ? OBS_NS_PER_SEC : s;
}

static int check_times(struct query_opts *q, int64_t now)
{
	if (q->range && q->has_time)
		return obs_cli_usage_error(query_synopsis, "query: --time is for instant queries, "
					   "--start/--end/--step for range queries");
	if (!q->range && (q->has_end || q->has_step))
		return obs_cli_usage_error(query_synopsis, "query: --end and --step go with --start");
	if (!q->has_time)
		q->time = now;
	if (!q->has_end)
		q->end = now;
	if (q->range && q->end < q->start) {
		obs_warnx("query: --end is before --start");
		return OBS_EXIT_USAGE;
	}
	if (q->range && !q->has_step)
		q->step = default_step(q->start, q->end);
	if (q->range && q->step / 1000000 == 0) {
		obs_warnx("query: --step must be at least 1ms");
		return OBS_EXIT_USAGE;
	}
	if (q->range && (q->end / 1000000 - q->start / 1000000) / (q->step / 1000000) + 1 >
			OBS_PROMQL_MAX_STEPS) {
		obs_warnx("query: more than %d steps: use a larger --step", OBS_PROMQL_MAX_STEPS);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

static int parse_expr(struct query_opts *q)
{
	struct obs_error err;
	enum obs_promql_type t;

	q->expr = obs_promql_parse(q->text, &err);
	if (!q->expr) {
		if (strcmp(err.msg, "out of memory") == 0) {
			obs_warnx("%s", err.msg);
			return OBS_EXIT_FAILURE;
		}
		parse_error(q->text, err.msg);
		return OBS_EXIT_USAGE;
	}
	t = obs_promql_expr_type(q->expr);
	if (q->range && t != OBS_PROMQL_SCALAR && t != OBS_PROMQL_VECTOR) {
		obs_warnx("query: a range query needs an expression of scalar or instant vector "
			  "type, not a %s", t == OBS_PROMQL_STRING ? "string" : "range vector");
		return OBS_EXIT_USAGE;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct query_opts *q)
{
	static const struct option longopts[] = {
		{ "time", required_argument, NULL, OPT_TIME },
		{ "start", required_argument, NULL, OPT_START },
		{ "end", required_argument, NULL, OPT_END },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "lookback", required_argument, NULL, OPT_LOOKBACK },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = obs_time_now();
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		rc = query_opt(q, c, argv, now);
		if (rc)
			return rc;
	}
	if (optind >= argc)
		return obs_cli_usage_error(query_synopsis, "query: no expression given");
	q->text = argv[optind++];
	rc = check_times(q, now);
	return rc ? rc : parse_expr(q);
}

/* ---- loading ----------------------------------------------------------------------------- */

static int64_t ms_to_ns(int64_t ms, int round_up)
{
	if (ms <= OBS_TIME_MIN / 1000000)
		return OBS_TIME_MIN;
	if (ms >= OBS_TIME_MAX / 1000000 - 1)
		return OBS_TIME_MAX;
	return ms * 1000000 + (round_up ? 999999 : 0);
}

/* The records the expression needs into SET; 0, or an exit status. */
static int load(const struct query_opts *q, char **files, int nfiles, struct obs_series_set *set)
{
	struct obs_promql_scope sc;
	struct obs_metric_filter f;
	struct obs_metric_scan m;
	struct obs_cli_input in;
	struct obs_error err;
	const char *line;
	size_t len;
	int64_t mint, maxt;
	int rc, r;

	if (obs_promql_scope_get(q->expr, q->range ? q->start / 1000000 : q->time / 1000000,
				 q->range ? q->end / 1000000 : q->time / 1000000,
				 q->lookback / 1000000, &sc) < 0)
		return OBS_EXIT_FAILURE;
	mint = ms_to_ns(sc.mint, 0);
	maxt = ms_to_ns(sc.maxt, 1);
	if (q->has_since && q->since < mint)
		mint = q->since;
	if (sc.mint > sc.maxt) {
		/* No selector: nothing to read. */
		obs_promql_scope_release(&sc);
		return 0;
	}
	rc = obs_metric_filter_init(&f, mint, maxt, sc.names, sc.nnames);
	obs_promql_scope_release(&sc);
	if (rc < 0)
		return OBS_EXIT_FAILURE;
	rc = obs_cli_input_open(&in, files, nfiles, "metrics", mint, maxt, q->strict);
	if (rc) {
		obs_metric_filter_release(&f);
		return rc;
	}
	obs_metric_scan_init(&m);
	while ((r = obs_cli_input_next(&in, &line, &len)) > 0) {
		if (!obs_metric_filter_maybe(&f, line, len))
			continue;
		r = obs_metric_scan_line(&m, line, len, OBS_METRIC_SCAN_NEED_TIME, &err);
		if (r > 0 && !obs_metric_filter_match(&f, &m))
			continue;
		if (r > 0 && obs_metric_scan_add_series(&m, set, &err) == 0)
			continue;
		if (r != 0 && obs_cli_input_bad(&in, err.msg) < 0)
			break;
	}
	rc = obs_cli_input_finish(&in, r < 0 || (q->strict && in.malformed) ? OBS_EXIT_FAILURE : 0);
	obs_metric_scan_release(&m);
	obs_metric_filter_release(&f);
	return rc;
}

static int evaluate(const struct query_opts *q, struct obs_series_set *set,
		    struct obs_promql_value **v)
{
	struct obs_promql_opts po = { q->lookback / 1000000, 0 };
	struct obs_error err;
	int rc;

	if (q->range)
		rc = obs_promql_eval_range(set, q->expr, q->start / 1000000, q->end / 1000000,
					   q->step / 1000000, &po, v, &err);
	else
		rc = obs_promql_eval_instant(set, q->expr, q->time / 1000000, &po, v, &err);
	if (rc < 0) {
		obs_warnx("query: %s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	return 0;
}

int cmd_query(int argc, char **argv)
{
	struct query_opts q;
	struct obs_series_set *set = NULL;
	struct obs_promql_value *v = NULL;
	int rc;

	memset(&q, 0, sizeof(q));
	q.lookback = (int64_t)DEFAULT_LOOKBACK_MS * 1000000;
	q.out = OBS_OUT_AUTO;
	rc = parse_args(argc, argv, &q);
	if (rc == 0) {
		set = obs_series_set_new();
		rc = set ? load(&q, argv + optind, argc - optind, set) : OBS_EXIT_FAILURE;
	}
	if (rc == 0)
		rc = evaluate(&q, set, &v);
	if (rc == 0 && metric_query_print(v, obs_output_resolve(q.out, OBS_OUT_TABLE)) < 0)
		rc = OBS_EXIT_FAILURE;
	obs_promql_value_free(v);
	obs_series_set_free(set);
	obs_promql_expr_free(q.expr);
	if (rc == 1)
		return obs_cli_finish(OBS_EXIT_OK);
	return obs_cli_finish(rc);
}
