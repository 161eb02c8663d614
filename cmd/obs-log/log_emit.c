/* SPDX-License-Identifier: MIT */
/* obs-log emit, info, warn, error, debug: one log record from a shell script. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "obs_span.h"
#include "obs_time.h"
#include "obs_tracectx.h"

static const char emit_synopsis[] = "emit [options] LEVEL MESSAGE [KEY=VALUE...]";
static const char emit_options[] =
	"options:\n"
	"  -s, --service NAME  service name (default: $OBS_SERVICE, $OTEL_SERVICE_NAME)\n"
	"      --time TIME     when it happened (default: now)\n"
	"      --tee           also write the record, readable, to standard error\n"
	"      --stdout        write the record to standard output instead of the store\n"
	"  -h, --help          show this help\n"
	"\n"
	"LEVEL is trace, debug, info, warn, error or fatal. KEY=VALUE fields are typed:\n"
	"integers and decimals become numbers, true and false booleans, \"...\" a string.\n"
	"The record carries trace_id and span_id from $TRACEPARENT when it is valid.\n"
	"Exit status: 0, 2 usage error, 3 the record could not be written.\n";

enum { OPT_TIME = 256, OPT_TEE, OPT_STDOUT };

struct emit_opts {
	const char *service;
	int64_t time;
	int tee;
	int to_stdout;
};

/* The synopsis of the command actually run: "info [options] MESSAGE ...". */
static const char *synopsis_for(const char *level, char *buf, size_t size)
{
	if (!level)
		return emit_synopsis;
	snprintf(buf, size, "%s [options] MESSAGE [KEY=VALUE...]", level);
	return buf;
}

/*
 * The record: type, time, level, msg, service, trace_id, span_id, then
 * the fields; a field may not take the place of one of these (it is kept
 * as KEY_original, as the parsers do).
 */
static json_t *build(const struct emit_opts *o, const char *level, const char *msg,
		     char **fields, int nfields, const char *cmd, const char *synopsis, int *status)
{
	static const char *const own[] = { "type", "time", "level", "msg", "service", "trace_id",
					   "span_id", "raw", "truncated", NULL };
	struct obs_trace_ctx ctx;
	struct obs_error err;
	const char *tp = getenv("TRACEPARENT");
	char ts[OBS_TIME_BUFSZ], hex[OBS_TRACE_ID_HEX + 1];
	json_t *rec = json_object(), *extra = json_object();
	char *clean;
	int i, k;

	*status = OBS_EXIT_FAILURE;
	if (!rec || !extra)
		goto oom;
	obs_time_format(o->time, ts, sizeof(ts));
	clean = obs_utf8_sanitize(msg, strlen(msg));
	if (!clean)
		goto oom;
	json_object_set_new(rec, "type", json_string("log"));
	json_object_set_new(rec, "time", json_string(ts));
	json_object_set_new(rec, "level", json_string(level));
	json_object_set_new(rec, "msg", json_string(clean));
	free(clean);
	clean = obs_utf8_sanitize(o->service, strlen(o->service));
	if (!clean)
		goto oom;
	if (*clean)
		json_object_set_new(rec, "service", json_string(clean));
	free(clean);
	if (tp && obs_traceparent_parse(tp, &ctx)) {
		obs_hex_encode(ctx.trace_id, 16, hex);
		json_object_set_new(rec, "trace_id", json_string(hex));
		obs_hex_encode(ctx.span_id, 8, hex);
		json_object_set_new(rec, "span_id", json_string(hex));
	}
	for (i = 0; i < nfields; i++) {
		const char *key;
		json_t *v;
		void *it;

		clean = obs_utf8_sanitize(fields[i], strlen(fields[i]));
		if (!clean)
			goto oom;
		json_object_clear(extra);
		if (obs_attr_parse_set(extra, clean, &err) < 0) {
			free(clean);
			json_decref(rec);
			json_decref(extra);
			*status = obs_cli_usage_error(synopsis, "%s: %s", cmd, err.msg);
			return NULL;
		}
		free(clean);
		it = json_object_iter(extra);
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		for (k = 0; own[k]; k++)
			if (!strcmp(key, own[k]))
				break;
		if (own[k]) {
			char *renamed;

			if (asprintf(&renamed, "%s_original", key) < 0)
				goto oom;
			json_object_set(rec, renamed, v);
			free(renamed);
		} else {
			/* A repeated key: the last value wins, in the place of the first. */
			json_object_set(rec, key, v);
		}
	}
	json_decref(extra);
	*status = OBS_EXIT_OK;
	return rec;
oom:
	json_decref(rec);
	json_decref(extra);
	obs_warnx("%s: out of memory", cmd);
	return NULL;
}

static int run(int argc, char **argv, const char *level)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "tee", no_argument, NULL, OPT_TEE },
		{ "stdout", no_argument, NULL, OPT_STDOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct emit_opts o = { 0 };
	struct obs_error err;
	struct obs_store st;
	const char *cmd = argv[0], *msg;
	char sbuf[128], *line;
	const char *synopsis = synopsis_for(level, sbuf, sizeof(sbuf));
	size_t len;
	json_t *rec;
	int c, status;

	o.time = obs_time_now();
	opterr = 0;
	/* '+': options end at the first argument, so a message may start with '-' after '--'. */
	while ((c = getopt_long(argc, argv, "+:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.service = optarg;
			break;
		case OPT_TIME:
			if (obs_time_parse_relative(optarg, obs_time_now(), &o.time, &err) < 0)
				return obs_cli_usage_error(synopsis, "%s: %s", cmd, err.msg);
			break;
		case OPT_TEE:
			o.tee = 1;
			break;
		case OPT_STDOUT:
			o.to_stdout = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, synopsis, emit_options);
			return obs_cli_finish(OBS_EXIT_OK);
		default:
			return obs_cli_bad_option(cmd, synopsis, argv, c);
		}
	}
	if (!level) {
		if (optind >= argc)
			return obs_cli_usage_error(synopsis, "emit: no level given");
		level = obs_log_level_normalize(argv[optind]);
		if (!level)
			return obs_cli_usage_error(synopsis, "emit: invalid level '%s' (expected trace, "
						   "debug, info, warn, error or fatal)", argv[optind]);
		optind++;
	}
	if (optind >= argc)
		return obs_cli_usage_error(synopsis, "%s: no message given", cmd);
	msg = argv[optind++];
	if (!o.service)
		o.service = obs_service_name("unknown_service");
	rec = build(&o, level, msg, argv + optind, argc - optind, cmd, synopsis, &status);
	if (!rec)
		return status;
	line = obs_json_dump_line(rec, &len);
	if (!line) {
		json_decref(rec);
		obs_warnx("%s: out of memory", cmd);
		return OBS_EXIT_FAILURE;
	}
	if (o.tee) {
		struct obs_buf b = OBS_BUF_INIT;
		struct obs_jscan s;

		obs_jscan_init(&s);
		if (obs_jscan_parse(&s, line, len, NULL) == 0) {
			log_render(&b, &s, obs_cli_color(STDERR_FILENO));
			fflush(stdout);
			fwrite(b.p, 1, b.len, stderr);
		}
		obs_jscan_release(&s);
		obs_buf_release(&b);
	}
	line[len++] = '\n';
	if (o.to_stdout) {
		fwrite(line, 1, len, stdout);
	} else if (obs_store_open(&st, NULL, &err) < 0 ||
		   obs_store_append(&st, "logs", o.time, line, len, &err) < 0) {
		obs_warnx("%s: record not written: %s", cmd, err.msg);
		status = OBS_EXIT_FAILURE;
	}
	if (!o.to_stdout)
		obs_store_release(&st);
	free(line);
	json_decref(rec);
	return obs_cli_finish(status);
}

int cmd_emit(int argc, char **argv)
{
	return run(argc, argv, NULL);
}

int cmd_level(int argc, char **argv)
{
	return run(argc, argv, obs_log_level_normalize(argv[0]));
}
