/* SPDX-License-Identifier: MIT */
/* obs-trace start / end / event: spans that outlive one process, for shell scripts. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_context.h"
#include "obs_ndjson.h"
#include "obs_span.h"
#include "obs_store.h"
#include "obs_time.h"
#include "obs_tracectx.h"
#include "trace.h"

/*
 * An open span is a state file state/spans/open/<span_id>.json holding the
 * fields known at start and the events added since. Every change to the
 * open spans happens under one lock file, state/spans/open.lock.
 */
struct session {
	struct obs_store st;
	int lock_fd;
	char span_id[OBS_SPAN_ID_HEX + 1];
	char *path;
};

static int session_open(struct session *s, const char *span_id, struct obs_error *err)
{
	char name[64];
	char *lock = NULL;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	snprintf(s->span_id, sizeof(s->span_id), "%s", span_id);
	if (obs_store_open(&s->st, NULL, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "spans/open/%s.json", span_id);
	s->path = obs_store_state_path(&s->st, name, err);
	lock = s->path ? obs_store_state_path(&s->st, "spans/open.lock", err) : NULL;
	if (!lock)
		return -1;
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		obs_error_errno(err, "cannot open '%s'", lock);
		free(lock);
		return -1;
	}
	while (flock(s->lock_fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			obs_error_errno(err, "cannot lock '%s'", lock);
			free(lock);
			return -1;
		}
	}
	free(lock);
	return 0;
}

static void session_close(struct session *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->path);
	obs_store_release(&s->st);
}

static int session_save(struct session *s, json_t *state, struct obs_error *err)
{
	size_t len;
	char *text = obs_json_dump_line(state, &len);
	int rc;

	if (!text)
		return obs_error_set(err, "out of memory");
	rc = obs_state_write(s->path, text, len, err);
	free(text);
	return rc;
}

/* The span named by --span, else the current one from TRACEPARENT. */
static int current_span(const char *opt, char *span_id, int *sampled)
{
	struct obs_trace_ctx ctx;
	const char *tp = getenv("TRACEPARENT");

	*sampled = 1;
	if (opt) {
		if (!obs_span_id_valid(opt)) {
			obs_warnx("invalid span id '%s'", opt);
			return -1;
		}
		strcpy(span_id, opt);
		return 0;
	}
	if (!tp || !*tp) {
		obs_warnx("no current span: TRACEPARENT is not set (use eval \"$(%s start NAME)\")",
			  obs_progname);
		return -1;
	}
	if (obs_traceparent_parse(tp, &ctx) != 1) {
		obs_warnx("invalid TRACEPARENT '%s'", tp);
		return -1;
	}
	obs_hex_encode(ctx.span_id, 8, span_id);
	*sampled = ctx.flags & OBS_TRACE_FLAG_SAMPLED;
	return 0;
}

/* ---- start ------------------------------------------------------------- */

static const char start_synopsis[] = "start [options] NAME";
static const char start_options[] =
	"options:\n"
	"  -s, --service NAME     service name (default: $OBS_SERVICE, $OTEL_SERVICE_NAME)\n"
	"  -a, --attr KEY=VALUE   add an attribute (repeatable)\n"
	"  -k, --kind KIND        internal, server, client, producer or consumer\n"
	"      --shell SHELL      print code for sh (default) or fish\n"
	"  -h, --help             show this help\n"
	"\n"
	"Prints shell code that sets TRACEPARENT to the new span; use it as\n"
	"  eval \"$(obs-trace start NAME)\"\n"
	"Commands run after that nest under the span until 'obs-trace end'.\n";

static void print_env(const char *shell, const char *value)
{
	if (!strcmp(shell, "fish")) {
		if (value)
			printf("set -gx TRACEPARENT '%s';\n", value);
		else
			printf("set -e TRACEPARENT;\n");
	} else if (value) {
		printf("TRACEPARENT='%s'; export TRACEPARENT;\n", value);
	} else {
		printf("unset TRACEPARENT;\n");
	}
}

static json_t *start_state(const struct obs_context_child *cc, const char *name,
			   const char *service, const char *kind, json_t *attrs)
{
	char when[OBS_TIME_BUFSZ];
	const char *tp = getenv("TRACEPARENT");

	obs_time_format(obs_time_now(), when, sizeof(when));
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:O, s:[], s:s?}",
			 "trace_id", cc->trace_id, "span_id", cc->span_id,
			 "parent_span_id", cc->has_parent ? cc->parent_span_id : NULL,
			 "name", name, "service", service, "kind", kind, "start", when,
			 "attributes", attrs, "events",
			 "parent_traceparent", cc->has_parent ? tp : NULL);
}

static int check_shell(const char *shell)
{
	if (strcmp(shell, "sh") && strcmp(shell, "bash") && strcmp(shell, "zsh") &&
	    strcmp(shell, "fish")) {
		obs_warnx("unknown shell '%s': expected sh, bash, zsh or fish", shell);
		return -1;
	}
	return 0;
}

int cmd_start(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "attr", required_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "shell", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *service = NULL, *kind = "internal", *shell = "sh";
	struct obs_context_child cc;
	struct obs_error err;
	struct session s;
	json_t *attrs = json_object(), *state = NULL;
	int c, rc = OBS_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "s:a:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			service = optarg;
			break;
		case 'a':
			if (obs_attr_parse_set(attrs, optarg, &err) < 0) {
				obs_warnx("%s", err.msg);
				goto out;
			}
			break;
		case 'k':
			kind = optarg;
			if (!obs_span_kind_valid(kind)) {
				obs_warnx("invalid span kind '%s': expected internal, server, client, producer or consumer",
					  kind);
				goto out;
			}
			break;
		case 'S':
			shell = optarg;
			if (check_shell(shell) < 0)
				goto out;
			break;
		case 'h':
			obs_cli_usage(stdout, start_synopsis, start_options);
			rc = obs_cli_finish(OBS_EXIT_OK);
			goto out;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if (!service)
		service = obs_service_name("unknown_service");
	rc = OBS_EXIT_FAILURE;
	if (obs_context_child_init(&cc, &err) < 0) {
		obs_warnx("%s", err.msg);
		goto out;
	}
	if (cc.sampler_invalid)
		obs_warnx("%s", cc.sampler_error);
	if (cc.recording) {
		state = start_state(&cc, argv[optind], service, kind, attrs);
		if (session_open(&s, cc.span_id, &err) < 0 || !state ||
		    session_save(&s, state, &err) < 0) {
			obs_warnx("cannot start span: %s", state ? err.msg : "out of memory");
			session_close(&s);
			goto out;
		}
		session_close(&s);
	}
	if (obs_cli_isatty(STDOUT_FILENO))
		obs_warnx("start prints shell code: run it as eval \"$(%s start %s)\"",
			  obs_progname, argv[optind]);
	print_env(shell, cc.traceparent);
	rc = obs_cli_finish(OBS_EXIT_OK);
	goto out;
usage:
	obs_cli_usage(stderr, start_synopsis, NULL);
out:
	json_decref(state);
	json_decref(attrs);
	return rc;
}

/* ---- end --------------------------------------------------------------- */

static const char end_synopsis[] = "end [options]";
static const char end_options[] =
	"options:\n"
	"      --status STATUS    ok (default), error or unset\n"
	"  -m, --message TEXT     status message\n"
	"  -x, --exit-code N      status from an exit code: error unless 0 (e.g. -x $?)\n"
	"  -a, --attr KEY=VALUE   add an attribute (repeatable)\n"
	"      --span ID          end this span instead of the current one\n"
	"  -e, --env              print shell code restoring the parent context\n"
	"      --shell SHELL      code for sh (default) or fish, with --env\n"
	"  -h, --help             show this help\n";

struct end_opts {
	const char *status, *message, *span, *shell;
	int exit_code;        /* -1 if not given */
	int env;
	json_t *attrs;
};

static int parse_end_opts(int argc, char **argv, struct end_opts *o)
{
	static const struct option longopts[] = {
		{ "status", required_argument, NULL, 'S' },
		{ "message", required_argument, NULL, 'm' },
		{ "exit-code", required_argument, NULL, 'x' },
		{ "attr", required_argument, NULL, 'a' },
		{ "span", required_argument, NULL, 'i' },
		{ "env", no_argument, NULL, 'e' },
		{ "shell", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obs_error err;
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "m:x:a:eh", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (!obs_span_status_valid(optarg)) {
				obs_warnx("invalid status '%s': expected ok, error or unset", optarg);
				return -1;
			}
			o->status = optarg;
			break;
		case 'm':
			o->message = optarg;
			break;
		case 'x':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 255) {
				obs_warnx("invalid exit code '%s': expected 0 to 255", optarg);
				return -1;
			}
			o->exit_code = (int)v;
			break;
		case 'a':
			if (obs_attr_parse_set(o->attrs, optarg, &err) < 0) {
				obs_warnx("%s", err.msg);
				return -1;
			}
			break;
		case 'i':
			o->span = optarg;
			break;
		case 'e':
			o->env = 1;
			break;
		case 'H':
			o->shell = optarg;
			if (check_shell(optarg) < 0)
				return -1;
			break;
		case 'h':
			obs_cli_usage(stdout, end_synopsis, end_options);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		obs_warnx("end: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

static const char *state_str(json_t *state, const char *key)
{
	const char *v = json_string_value(json_object_get(state, key));

	return v ? v : "";
}

/* The span record for an open span's STATE, ending now. New reference or NULL. */
static json_t *end_span(json_t *state, const struct end_opts *o, int64_t *start,
			struct obs_error *err)
{
	const char *status = o->status ? o->status : "ok";
	const char *message = o->message;
	const char *parent = json_string_value(json_object_get(state, "parent_span_id"));
	char msg[64];
	json_t *span, *attrs;
	int64_t end = obs_time_now();

	if (obs_time_parse(state_str(state, "start"), start, err) < 0)
		return NULL;
	if (end < *start)
		end = *start;
	if (o->exit_code > 0 && !o->status)
		status = "error";
	if (o->exit_code > 0 && !message) {
		snprintf(msg, sizeof(msg), "exit status %d", o->exit_code);
		message = msg;
	}
	span = obs_span_new(state_str(state, "trace_id"), state_str(state, "span_id"), parent,
			    state_str(state, "name"), state_str(state, "service"),
			    state_str(state, "kind"), *start, end, status, message);
	if (!span)
		return NULL;
	attrs = json_object_get(span, "attributes");
	json_object_update(attrs, json_object_get(state, "attributes"));
	if (o->exit_code >= 0)
		json_object_set_new(attrs, "process.exit.code", json_integer(o->exit_code));
	json_object_update(attrs, o->attrs);
	json_object_set(span, "events", json_object_get(state, "events"));
	json_object_set_new(span, "resource", obs_resource_new(state_str(state, "service")));
	return span;
}

static int finish_span(struct session *s, const struct end_opts *o, json_t **state,
		       struct obs_error *err)
{
	json_t *span;
	int64_t start;
	size_t len;
	char *line;
	int rc;

	if (obs_state_read_json(s->path, state, err) < 0)
		return -1;
	if (!*state)
		return obs_error_set(err, "no open span '%s'", s->span_id);
	span = end_span(*state, o, &start, err);
	if (!span)
		return obs_error_prefix(err, "state file '%s' is corrupt", s->path);
	line = obs_json_dump_line(span, &len);
	json_decref(span);
	if (!line)
		return obs_error_set(err, "out of memory");
	line[len++] = '\n';
	rc = obs_store_append(&s->st, "spans", start, line, len, err);
	free(line);
	if (rc == 0 && unlink(s->path) < 0)
		return obs_error_errno(err, "cannot remove '%s'", s->path);
	return rc;
}

int cmd_end(int argc, char **argv)
{
	struct end_opts o = { .exit_code = -1, .shell = "sh" };
	char span_id[OBS_SPAN_ID_HEX + 1];
	struct obs_error err;
	struct session s;
	json_t *state = NULL;
	int rc, sampled;

	o.attrs = json_object();
	rc = parse_end_opts(argc, argv, &o);
	if (rc) {
		json_decref(o.attrs);
		if (rc > 0)
			return obs_cli_finish(OBS_EXIT_OK);
		obs_cli_usage(stderr, end_synopsis, NULL);
		return OBS_EXIT_USAGE;
	}
	if (current_span(o.span, span_id, &sampled) < 0) {
		json_decref(o.attrs);
		return OBS_EXIT_USAGE;
	}
	rc = OBS_EXIT_OK;
	if (sampled) {
		if (session_open(&s, span_id, &err) < 0 || finish_span(&s, &o, &state, &err) < 0) {
			obs_warnx("cannot end span: %s", err.msg);
			rc = OBS_EXIT_FAILURE;
		}
		session_close(&s);
	}
	if (o.env && rc == OBS_EXIT_OK)
		print_env(o.shell, json_string_value(json_object_get(state, "parent_traceparent")));
	json_decref(state);
	json_decref(o.attrs);
	return obs_cli_finish(rc);
}

/* ---- event ------------------------------------------------------------- */

static const char event_synopsis[] = "event [options] NAME";
static const char event_options[] =
	"options:\n"
	"  -a, --attr KEY=VALUE   add an attribute (repeatable)\n"
	"      --time TIME        when it happened (default: now)\n"
	"      --span ID          attach to this span instead of the current one\n"
	"  -h, --help             show this help\n"
	"\n"
	"An event on a span opened with 'start' joins that span's record; on any\n"
	"other span (one run by 'exec', say) it is stored as an event record.\n";

/* An event for a span not open here: stored as an "event" record. */
static int store_event(struct session *s, const char *tp_trace, json_t *ev, int64_t when,
		       struct obs_error *err)
{
	json_t *rec = json_pack("{s:s, s:O, s:s, s:s, s:O, s:O}", "type", "event",
				"time", json_object_get(ev, "time"), "trace_id", tp_trace,
				"span_id", s->span_id, "name", json_object_get(ev, "name"),
				"attributes", json_object_get(ev, "attributes"));
	size_t len;
	char *line;
	int rc;

	if (!rec)
		return obs_error_set(err, "out of memory");
	line = obs_json_dump_line(rec, &len);
	json_decref(rec);
	if (!line)
		return obs_error_set(err, "out of memory");
	line[len++] = '\n';
	rc = obs_store_append(&s->st, "events", when, line, len, err);
	free(line);
	return rc;
}

static int add_event(struct session *s, json_t *ev, int64_t when, struct obs_error *err)
{
	struct obs_trace_ctx ctx;
	char trace_id[OBS_TRACE_ID_HEX + 1] = "";
	const char *tp = getenv("TRACEPARENT");
	json_t *state = NULL;
	int rc;

	if (obs_state_read_json(s->path, &state, err) < 0)
		return -1;
	if (state) {
		rc = json_array_append(json_object_get(state, "events"), ev);
		rc = rc < 0 ? obs_error_prefix(err, "state file '%s' is corrupt", s->path)
			    : session_save(s, state, err);
		json_decref(state);
		return rc;
	}
	if (tp && obs_traceparent_parse(tp, &ctx) == 1)
		obs_hex_encode(ctx.trace_id, 16, trace_id);
	if (!*trace_id)
		return obs_error_set(err, "no open span '%s' and no TRACEPARENT for its trace id",
				     s->span_id);
	return store_event(s, trace_id, ev, when, err);
}

int cmd_event(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "attr", required_argument, NULL, 'a' },
		{ "time", required_argument, NULL, 'T' },
		{ "span", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *span_opt = NULL;
	char span_id[OBS_SPAN_ID_HEX + 1], when_text[OBS_TIME_BUFSZ];
	struct obs_error err;
	struct session s;
	json_t *attrs = json_object(), *ev = NULL;
	int64_t when = obs_time_now();
	int c, sampled, rc = OBS_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (obs_attr_parse_set(attrs, optarg, &err) < 0) {
				obs_warnx("%s", err.msg);
				goto out;
			}
			break;
		case 'T':
			if (obs_time_parse_relative(optarg, obs_time_now(), &when, &err) < 0) {
				obs_warnx("%s", err.msg);
				goto out;
			}
			break;
		case 'i':
			span_opt = optarg;
			break;
		case 'h':
			obs_cli_usage(stdout, event_synopsis, event_options);
			rc = obs_cli_finish(OBS_EXIT_OK);
			goto out;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if (current_span(span_opt, span_id, &sampled) < 0)
		goto out;
	rc = OBS_EXIT_OK;
	if (!sampled)
		goto out;
	obs_time_format(when, when_text, sizeof(when_text));
	ev = json_pack("{s:s, s:s, s:O}", "time", when_text, "name", argv[optind],
		       "attributes", attrs);
	if (session_open(&s, span_id, &err) < 0 || !ev || add_event(&s, ev, when, &err) < 0) {
		obs_warnx("cannot record event: %s", ev ? err.msg : "out of memory");
		rc = OBS_EXIT_FAILURE;
	}
	session_close(&s);
	goto out;
usage:
	obs_cli_usage(stderr, event_synopsis, NULL);
out:
	json_decref(ev);
	json_decref(attrs);
	return rc;
}
