/* SPDX-License-Identifier: MIT */
/* obs-trace id and context: new ids, and the current trace context parsed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_ndjson.h"
#include "obs_tracectx.h"
#include "trace.h"

static const char id_synopsis[] = "id trace|span";

int cmd_id(int argc, char **argv)
{
	uint8_t id[16];
	char hex[OBS_TRACE_ID_HEX + 1];
	struct obs_error err;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		obs_cli_usage(stdout, id_synopsis,
			      "Prints a new random trace id (32 hex digits) or span id (16).\n");
		return obs_cli_finish(OBS_EXIT_OK);
	}
	if (argc != 2 || (strcmp(argv[1], "trace") && strcmp(argv[1], "span")))
		return obs_cli_usage_error(id_synopsis, argc == 2 ? "unknown id kind '%s'" : NULL,
					   argv[1]);
	if (!strcmp(argv[1], "trace"))
		rc = obs_trace_id_new(id, &err);
	else
		rc = obs_span_id_new(id, &err);
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	obs_hex_encode(id, !strcmp(argv[1], "trace") ? 16 : 8, hex);
	printf("%s\n", hex);
	return obs_cli_finish(OBS_EXIT_OK);
}

static const char context_synopsis[] = "context [options]";
static const char context_options[] =
	"options:\n"
	"      --traceparent TEXT  parse this instead of $TRACEPARENT\n"
	"      --tracestate TEXT   parse this instead of $TRACESTATE\n"
	"      --baggage TEXT      parse this instead of $BAGGAGE\n"
	"  -o, --output FORMAT     json or table (default: table on a terminal)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 with a valid traceparent, 1 without one, 2 on usage errors.\n";

/* {"key": "value", ...} from a parsed tracestate or baggage list. */
static json_t *pairs(int n, char *const *key, char *const *value)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, key[i], json_string(value[i]));
	return o;
}

static json_t *context_json(const char *tp, const char *ts, const char *bg, int *valid)
{
	json_t *o = json_object();
	struct obs_trace_ctx ctx;
	struct obs_tracestate state;
	struct obs_baggage bag;
	char hex[OBS_TRACE_ID_HEX + 1];

	*valid = tp && obs_traceparent_parse(tp, &ctx) == 1;
	json_object_set_new(o, "traceparent", tp ? json_string(tp) : json_null());
	json_object_set_new(o, "valid", json_boolean(*valid));
	if (*valid) {
		obs_hex_encode(ctx.trace_id, 16, hex);
		json_object_set_new(o, "trace_id", json_string(hex));
		obs_hex_encode(ctx.span_id, 8, hex);
		json_object_set_new(o, "span_id", json_string(hex));
		snprintf(hex, sizeof(hex), "%02x", ctx.flags);
		json_object_set_new(o, "flags", json_string(hex));
		json_object_set_new(o, "sampled", json_boolean(ctx.flags & OBS_TRACE_FLAG_SAMPLED));
	}
	if (ts && *valid && obs_tracestate_parse(ts, &state) == 1) {
		json_object_set_new(o, "tracestate", pairs(state.n, state.key, state.value));
		obs_tracestate_release(&state);
	} else if (ts && *ts) {
		json_object_set_new(o, "tracestate_invalid", json_string(ts));
	}
	if (bg && obs_baggage_parse(bg, &bag) == 1) {
		json_object_set_new(o, "baggage", pairs(bag.n, bag.key, bag.value));
		obs_baggage_release(&bag);
	} else if (bg && *bg) {
		json_object_set_new(o, "baggage_invalid", json_string(bg));
	}
	return o;
}

static void print_context_table(json_t *o)
{
	const char *key, *k2;
	json_t *v, *v2;

	json_object_foreach(o, key, v) {
		if (json_is_object(v)) {
			json_object_foreach(v, k2, v2)
				printf("%s.%s\t%s\n", key, k2, json_string_value(v2));
			continue;
		}
		if (json_is_string(v))
			printf("%s\t%s\n", key, json_string_value(v));
		else if (json_is_null(v))
			printf("%s\t-\n", key);
		else
			printf("%s\t%s\n", key, json_is_true(v) ? "true" : "false");
	}
}

int cmd_context(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "traceparent", required_argument, NULL, 'P' },
		{ "tracestate", required_argument, NULL, 'S' },
		{ "baggage", required_argument, NULL, 'B' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tp = getenv("TRACEPARENT"), *ts = getenv("TRACESTATE");
	const char *bg = getenv("BAGGAGE");
	enum obs_output out = OBS_OUT_AUTO;
	json_t *o;
	int c, valid;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			tp = optarg;
			break;
		case 'S':
			ts = optarg;
			break;
		case 'B':
			bg = optarg;
			break;
		case 'o':
			if (obs_output_parse(optarg, 1u << OBS_OUT_JSON | 1u << OBS_OUT_NDJSON |
					     1u << OBS_OUT_TABLE, &out) < 0)
				return obs_cli_usage_error(context_synopsis,
							   "unknown output format '%s'", optarg);
			break;
		case 'h':
			obs_cli_usage(stdout, context_synopsis, context_options);
			return obs_cli_finish(OBS_EXIT_OK);
		default:
			return obs_cli_usage_error(context_synopsis, NULL);
		}
	}
	if (optind != argc)
		return obs_cli_usage_error(context_synopsis, "unexpected argument '%s'", argv[optind]);
	o = context_json(tp, ts, bg, &valid);
	if (obs_output_resolve(out, OBS_OUT_TABLE) == OBS_OUT_TABLE) {
		print_context_table(o);
	} else {
		size_t len;
		char *line = obs_json_dump_line(o, &len);

		if (line)
			printf("%s\n", line);
		free(line);
	}
	json_decref(o);
	return obs_cli_finish(valid ? OBS_EXIT_OK : OBS_EXIT_FOUND);
}
