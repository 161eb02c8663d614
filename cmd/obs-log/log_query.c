/* SPDX-License-Identifier: MIT */
/* obs-log query: find log records by level, time, service, trace, message and field. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "obs_time.h"

static const char query_synopsis[] = "query [options] [FILE...]";
static const char query_options[] =
	"options:\n"
	LOG_FILTER_HELP
	"  -n, --limit N           stop after N records\n"
	"  -o, --output FORMAT     ndjson, json or text (default: text on a terminal, else\n"
	"                          ndjson)\n"
	"      --strict            a malformed line is an error (exit 3)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Reads the FILEs (\"-\" for standard input, gzip allowed), else standard input\n"
	"when it is a pipe or a file, else the store (only the days in --since/--until).\n"
	"Exit status: 0 (also when nothing matches), 2 usage error, 3 unreadable\n"
	"input or, with --strict, a malformed line.\n";

enum { OPT_STRICT = 256 };

int log_parse_limit(const char *arg, long long *limit)
{
	char *end;

	errno = 0;
	*limit = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || *limit < 0 || arg[0] == '-') {
		obs_warnx("invalid limit '%s' (expected a count)", arg);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

int cmd_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		LOG_FILTER_LONGOPTS,
		{ "limit", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum obs_output fmt = OBS_OUT_AUTO;
	struct obs_filter f;
	struct obs_cli_input in;
	struct log_out out;
	struct obs_error err;
	long long limit = -1;
	const char *line;
	size_t len;
	int c, idx, rc, r, strict = 0, status = OBS_EXIT_OK;

	obs_filter_init(&f);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:h", longopts, &idx)) != -1) {
		switch (c) {
		case LOPT_FILTER:
			if ((rc = log_filter_option(&f, longopts[idx].name, optarg)) != 0)
				goto done;
			break;
		case 'n':
			if ((rc = log_parse_limit(optarg, &limit)) != 0)
				goto done;
			break;
		case 'o':
			if (log_output_parse(optarg, &fmt) < 0) {
				obs_warnx("invalid output format '%s' (expected ndjson, json or text)",
					  optarg);
				rc = OBS_EXIT_USAGE;
				goto done;
			}
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, query_synopsis, query_options);
			rc = obs_cli_finish(OBS_EXIT_OK);
			goto done;
		default:
			rc = obs_cli_bad_option("query", query_synopsis, argv, c);
			goto done;
		}
	}
	if ((rc = log_filter_setup(&f)) != 0)
		goto done;
	rc = obs_cli_input_open(&in, argv + optind, argc - optind, "logs", f.since, f.until,
				strict);
	if (rc)
		goto done;
	log_out_init(&out, obs_output_resolve(fmt, OBS_OUT_TABLE), STDOUT_FILENO);
	while (limit != 0) {
		r = obs_cli_input_next(&in, &line, &len);
		if (r <= 0)
			break;
		r = obs_filter_match(&f, line, len, &err);
		if (r < 0) {
			if (obs_cli_input_bad(&in, err.msg) < 0)
				break;
			continue;
		}
		if (r == 0)
			continue;
		if (log_out_line(&out, line, len, &f.scan) < 0)
			break;
		if (limit > 0 && out.n >= (unsigned long long)limit)
			break;
	}
	if (log_out_finish(&out) < 0)
		status = OBS_EXIT_FAILURE;
	status = obs_cli_input_finish(&in, status);
	rc = obs_cli_finish(status);
done:
	obs_filter_release(&f);
	return rc;
}
