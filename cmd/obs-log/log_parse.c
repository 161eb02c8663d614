/* SPDX-License-Identifier: MIT */
/* obs-log parse: log files in any of the known formats into log records. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "obs_time.h"

static const char parse_synopsis[] = "parse [options] [FILE...]";
static const char parse_options[] =
	"options:\n"
	"      --format FORMAT    auto (the default: guessed per file from its first lines),\n"
	"                         json, logfmt, syslog, access, journald or regex\n"
	"      --regex PATTERN    PCRE2 pattern with named groups: time, level, msg, service,\n"
	"                         trace_id, span_id; other groups become fields ('__' is '.')\n"
	"      --timezone ZONE    zone of times written without one: UTC (default), +02:00,\n"
	"                         Europe/Berlin\n"
	"  -s, --service NAME     service of records whose line names none\n"
	"  -m, --multiline        join continuation lines (stack traces) to their record\n"
	"      --reference TIME   time of lines without one, and the year of syslog dates\n"
	"                         (default: the file's modification time)\n"
	"      --max-line BYTES   longer lines are kept cut, as raw records, and longer joined\n"
	"                         messages are cut (default 1048576)\n"
	"      --store            append the records to the store instead of printing them\n"
	"  -o, --output FORMAT    ndjson, json or text (default: text on a terminal, else ndjson)\n"
	"      --strict           a line that does not parse is an error (exit 3)\n"
	"  -q, --quiet            no summary of lines that did not parse\n"
	"  -v, --verbose          per input: the format, lines, records, raw records\n"
	"  -h, --help             show this help\n"
	"\n"
	"Reads the FILEs (\"-\" for standard input, gzip allowed), else standard input.\n"
	"Lines that do not parse are kept as raw records ({\"msg\":LINE,\"raw\":true}) and\n"
	"counted on standard error. Exit status: 0, 2 usage error, 3 unreadable input,\n"
	"a store that cannot be written, or with --strict a line that does not parse.\n";

enum { OPT_STORE = 400, OPT_STRICT };

struct parse_ctx {
	struct log_out out;
	struct obs_store st;
	struct obs_store_batch batch;
	int store;
	int failed;            /* the store could not be written */
};

static int emit_record(void *ctx, const char *rec, size_t len, int64_t time_ns)
{
	struct parse_ctx *pc = ctx;
	struct obs_error err;

	if (!pc->store)
		return log_out_line(&pc->out, rec, len, NULL);
	if (obs_store_batch_add(&pc->batch, time_ns, rec, len, &err) < 0) {
		obs_warnx("%s", err.msg);
		pc->failed = 1;
		return -1;
	}
	return 0;
}

/* Parse one input; returns 0, or -1 after an error that was reported. */
static int parse_one(struct parse_ctx *pc, const struct log_parse_opts *po, const char *path,
		     int quiet, int verbose)
{
	struct obs_ndjson_reader r;
	struct log_parser lp;
	struct obs_error err;
	const char *line;
	size_t len;
	int rc, status = 0;

	if (obs_ndjson_open(&r, path, &err) < 0) {
		obs_warnx("%s", err.msg);
		return -1;
	}
	r.keep_long = 1;
	if (po->max_line)
		r.max_line = po->max_line;
	log_parser_init(&lp, po, r.name, log_parse_reference(po, r.fd), emit_record, pc);
	while ((rc = obs_ndjson_next_line(&r, &line, &len, &err)) == 1)
		if (log_parser_line(&lp, line, len, r.lineno, r.cut) < 0)
			break;
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		status = -1;
	}
	if (rc >= 0 && lp.failed)
		status = -1;
	else if (log_parser_end(&lp) < 0)
		status = -1;
	if (pc->store && obs_store_batch_flush(&pc->batch, &err) < 0) {
		obs_warnx("%s", err.msg);
		pc->failed = 1;
		status = -1;
	}
	if (!quiet)
		log_parser_report(&lp);
	if (verbose) {
		int guessed;
		const char *f = log_parser_format(&lp, &guessed);

		obs_warnx("%s: %s%s, %lu line%s, %lu record%s, %lu raw", r.name, f,
			  guessed ? " (detected)" : "", lp.lines, lp.lines == 1 ? "" : "s",
			  lp.records, lp.records == 1 ? "" : "s", log_parser_raw(&lp));
	}
	log_parser_release(&lp);
	obs_ndjson_close(&r);
	return status;
}

int cmd_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		LOG_PARSE_LONGOPTS,
		{ "service", required_argument, NULL, 's' },
		{ "store", no_argument, NULL, OPT_STORE },
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char *stdin_only[] = { (char *)"-" };
	struct log_parse_opts po = { 0 };
	enum obs_output out = OBS_OUT_AUTO;
	struct parse_ctx pc;
	struct obs_error err;
	char **files;
	int c, rc, nfiles, i, quiet = 0, verbose = 0, status = OBS_EXIT_OK;

	memset(&pc, 0, sizeof(pc));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:mo:qvh", longopts, NULL)) != -1) {
		rc = log_parse_option(&po, c, optarg);
		if (rc == 1)
			continue;
		if (rc)
			return rc;
		switch (c) {
		case OPT_STORE:
			pc.store = 1;
			break;
		case 'o':
			if (log_output_parse(optarg, &out) < 0) {
				obs_warnx("invalid output format '%s' (expected ndjson, json or text)",
					  optarg);
				return OBS_EXIT_USAGE;
			}
			break;
		case OPT_STRICT:
			po.strict = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, parse_synopsis, parse_options);
			return obs_cli_finish(OBS_EXIT_OK);
		default:
			return obs_cli_bad_option("parse", parse_synopsis, argv, c);
		}
	}
	if ((rc = log_parse_check(&po)) != 0)
		return rc;
	files = argv + optind;
	nfiles = argc - optind;
	if (nfiles == 0) {
		if (!obs_source_stdin_is_data())
			return obs_cli_usage_error(parse_synopsis,
						   "parse: no input: name a FILE or pipe into it");
		files = stdin_only;
		nfiles = 1;
	}
	if (pc.store) {
		if (obs_store_open(&pc.st, NULL, &err) < 0) {
			obs_warnx("%s", err.msg);
			return OBS_EXIT_FAILURE;
		}
		obs_store_batch_init(&pc.batch, &pc.st, "logs");
	}
	log_out_init(&pc.out, obs_output_resolve(out, OBS_OUT_TABLE), STDOUT_FILENO);
	for (i = 0; i < nfiles; i++) {
		if (parse_one(&pc, &po, files[i], quiet, verbose) < 0)
			status = OBS_EXIT_FAILURE;
		if (pc.out.failed)
			break;
	}
	if (log_out_finish(&pc.out) < 0)
		status = OBS_EXIT_FAILURE;
	if (pc.store) {
		obs_store_batch_release(&pc.batch);
		obs_store_release(&pc.st);
	}
	return obs_cli_finish(status);
}
