/* SPDX-License-Identifier: MIT */
/* obs-trace exec: run a command as a child span and record what it did. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_context.h"
#include "obs_error.h"
#include "obs_span.h"
#include "obs_spawn.h"
#include "obs_store.h"
#include "obs_time.h"
#include "obs_tracectx.h"
#include "trace.h"
#include "trace_capture.h"

static const char exec_synopsis[] = "exec [options] -- CMD [ARGS]";
static const char exec_options[] =
	"options:\n"
	"  -n, --name NAME        span name (default: the command and its first argument)\n"
	"  -s, --service NAME     service name (default: $OBS_SERVICE, $OTEL_SERVICE_NAME)\n"
	"  -a, --attr KEY=VALUE   add an attribute (repeatable; numbers and booleans typed)\n"
	"  -k, --kind KIND        internal, server, client, producer or consumer\n"
	"  -t, --timeout DUR      terminate the command after DUR and exit 124\n"
	"      --kill-after DUR   send SIGKILL this long after the timeout's SIGTERM (10s)\n"
	"      --capture-logs     record each line of the command's output as a log record\n"
	"                         of the span (the output still reaches the terminal)\n"
	"  -h, --help             show this help\n"
	"\n"
	"In ARGS, {{traceparent}} is replaced by the child's trace context.\n"
	"Exit status: the command's; 128+N if killed by signal N; 124 on timeout;\n"
	"125 if obs-trace itself fails, 126 if CMD cannot run, 127 if not found.\n";

#define EXIT_TIMEOUT 124
#define EXIT_OWN 125
#define EXIT_NOEXEC 126
#define EXIT_NOTFOUND 127

struct exec_opts {
	const char *name;
	const char *service;
	const char *kind;
	json_t *attrs;
	int64_t timeout;      /* 0 = none */
	int64_t kill_after;
	int capture_logs;
	struct trace_capture *capture;   /* set while output is captured */
};

struct exec_result {
	pid_t pid;
	int status;           /* from wait4 */
	int timed_out;
	int killed;           /* SIGKILL sent after the grace period */
	struct rusage ru;
	int spawn_errno;      /* nonzero: could not start */
};

/* Signals a wrapper passes on to its child, as timeout(1) and env do. */
static const int forwarded[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
};
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static int parse_exec_opts(int argc, char **argv, struct exec_opts *o)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "service", required_argument, NULL, 's' },
		{ "attr", required_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "kill-after", required_argument, NULL, 'K' },
		{ "capture-logs", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obs_error err;
	int c;

	while ((c = getopt_long(argc, argv, "+n:s:a:k:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->name = optarg;
			break;
		case 's':
			o->service = optarg;
			break;
		case 'a':
			if (obs_attr_parse_set(o->attrs, optarg, &err) < 0) {
				obs_warnx("%s", err.msg);
				return -1;
			}
			break;
		case 'k':
			if (!obs_span_kind_valid(optarg)) {
				obs_warnx("invalid span kind '%s': expected internal, server, client, producer or consumer",
					  optarg);
				return -1;
			}
			o->kind = optarg;
			break;
		case 't':
		case 'K':
			if (obs_duration_parse(optarg, c == 't' ? &o->timeout : &o->kill_after,
					       &err) < 0) {
				obs_warnx("%s", err.msg);
				return -1;
			}
			break;
		case 'C':
			o->capture_logs = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, exec_synopsis, exec_options);
			return 1;
		default:
			return -1;
		}
	}
	if (optind >= argc) {
		obs_warnx("exec: no command given");
		return -1;
	}
	return 0;
}

/* Replace every {{traceparent}} in each argument; returns a new argv (strings may be shared). */
static char **expand_args(char **args, int n, const char *tp)
{
	static const char tag[] = "{{traceparent}}";
	char **out = calloc((size_t)n + 1, sizeof(*out));
	int i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *p = args[i], *hit;
		size_t cap, len = 0;
		char *s;

		if (!strstr(p, tag)) {
			out[i] = args[i];
			continue;
		}
		cap = strlen(p) * 4 + 64;
		s = malloc(cap);
		if (!s)
			return NULL;  /* leaks only on OOM just before exit */
		while ((hit = strstr(p, tag))) {
			memcpy(s + len, p, (size_t)(hit - p));
			len += (size_t)(hit - p);
			memcpy(s + len, tp, strlen(tp));
			len += strlen(tp);
			p = hit + sizeof(tag) - 1;
		}
		strcpy(s + len, p);
		out[i] = s;
	}
	return out;
}

static void free_expanded(char **out, char **args, int n)
{
	int i;

	if (!out)
		return;
	for (i = 0; i < n; i++)
		if (out[i] != args[i])
			free(out[i]);
	free(out);
}

static void send_signal(pid_t pid, int own_group, int sig)
{
	kill(own_group ? -pid : pid, sig);
}

/*
 * Wait for the child, forwarding signals. Signals sent to us with kill(2)
 * are passed on; signals from the terminal already reached the child
 * (same process group) unless it runs in its own group for --timeout.
 */
static void supervise(const struct exec_opts *o, const sigset_t *set, int own_group,
		      struct exec_result *r)
{
	int64_t start = obs_time_monotonic();
	int64_t deadline = o->timeout ? start + o->timeout : 0;

	for (;;) {
		struct timespec ts, *tsp = NULL;
		siginfo_t si;
		int sig;

		if (wait4(r->pid, &r->status, WNOHANG, &r->ru) == r->pid)
			return;
		if (deadline) {
			int64_t left = deadline - obs_time_monotonic();

			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)(left / OBS_NS_PER_SEC);
			ts.tv_nsec = (long)(left % OBS_NS_PER_SEC);
			tsp = &ts;
		}
		sig = o->capture ? capture_wait(o->capture, set, tsp, &si) : sigtimedwait(set, &si, tsp);
		if (sig < 0 && errno == EAGAIN) {
			if (!r->timed_out) {
				r->timed_out = 1;
				send_signal(r->pid, own_group, SIGTERM);
				deadline = o->kill_after ? obs_time_monotonic() + o->kill_after : 0;
			} else {
				r->killed = 1;
				send_signal(r->pid, own_group, SIGKILL);
				deadline = 0;
			}
			continue;
		}
		if (sig <= 0 || sig == SIGCHLD)
			continue;
		if (own_group || si.si_code <= 0)
			send_signal(r->pid, own_group, sig);
	}
}

static char *default_name(char **args, int n)
{
	const char *base = strrchr(args[0], '/');
	char *s;

	base = base ? base + 1 : args[0];
	if (n > 1 && args[1][0] != '-' && !strchr(args[1], '/') && strlen(args[1]) < 64) {
		if (asprintf(&s, "%s %s", base, args[1]) < 0)
			return NULL;
		return s;
	}
	return strdup(base);
}

/* A command line as one string, arguments quoted for sh where needed. */
static char *command_line(char **args, int n)
{
	size_t cap = 1, len = 0;
	char *s, *p;
	int i;

	for (i = 0; i < n; i++)
		cap += strlen(args[i]) * 4 + 3;
	s = malloc(cap);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *a = args[i];
		int plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789-_./=:,+@%^") == strlen(a);

		if (i)
			s[len++] = ' ';
		if (plain) {
			memcpy(s + len, a, strlen(a));
			len += strlen(a);
			continue;
		}
		s[len++] = '\'';
		for (p = (char *)a; *p; p++) {
			if (*p == '\'') {
				memcpy(s + len, "'\\''", 4);
				len += 4;
			} else {
				s[len++] = *p;
			}
		}
		s[len++] = '\'';
	}
	s[len] = '\0';
	return s;
}

/* "SIGTERM"; "SIG34" for signals without an abbreviation. */
static const char *signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sigabbrev_np(sig);

	snprintf(buf, sizeof(buf), "SIG%s", abbrev ? abbrev : "");
	if (!abbrev)
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

static double tv_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void set_process_attrs(json_t *a, char **args, int n, const struct exec_result *r)
{
	json_t *argv_json = json_array();
	struct passwd *pw = getpwuid(geteuid());
	char cwd[PATH_MAX];
	char *line = command_line(args, n);
	int i;

	for (i = 0; i < n; i++)
		json_array_append_new(argv_json, json_string(args[i]));
	json_object_set_new(a, "process.command", json_string(args[0]));
	if (line)
		json_object_set_new(a, "process.command_line", json_string(line));
	free(line);
	json_object_set_new(a, "process.command_args", argv_json);
	if (r->pid > 0)
		json_object_set_new(a, "process.pid", json_integer(r->pid));
	json_object_set_new(a, "process.parent_pid", json_integer(getpid()));
	if (pw && pw->pw_name)
		json_object_set_new(a, "process.owner", json_string(pw->pw_name));
	if (getcwd(cwd, sizeof(cwd)))
		json_object_set_new(a, "process.working_directory", json_string(cwd));
	if (r->spawn_errno)
		return;
	if (WIFEXITED(r->status))
		json_object_set_new(a, "process.exit.code", json_integer(WEXITSTATUS(r->status)));
	if (WIFSIGNALED(r->status)) {
		json_object_set_new(a, "process.exit.code", json_integer(128 + WTERMSIG(r->status)));
		json_object_set_new(a, "process.signal", json_string(signal_name(WTERMSIG(r->status))));
	}
	json_object_set_new(a, "process.cpu.user_time", json_real(tv_seconds(&r->ru.ru_utime)));
	json_object_set_new(a, "process.cpu.system_time", json_real(tv_seconds(&r->ru.ru_stime)));
	json_object_set_new(a, "process.memory.peak_rss", json_integer((json_int_t)r->ru.ru_maxrss * 1024));
	json_object_set_new(a, "process.paging.faults.major", json_integer(r->ru.ru_majflt));
	json_object_set_new(a, "process.context_switches.voluntary", json_integer(r->ru.ru_nvcsw));
	json_object_set_new(a, "process.context_switches.involuntary", json_integer(r->ru.ru_nivcsw));
}

static int exit_status(const struct exec_result *r)
{
	if (r->spawn_errno)
		return r->spawn_errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	if (r->timed_out)
		return r->killed ? 128 + SIGKILL : EXIT_TIMEOUT;
	if (WIFSIGNALED(r->status))
		return 128 + WTERMSIG(r->status);
	return WEXITSTATUS(r->status);
}

static void span_status(const struct exec_result *r, const struct exec_opts *o,
			char *msg, size_t size, const char **status)
{
	char dur[32];

	*status = "error";
	if (r->spawn_errno) {
		snprintf(msg, size, "cannot run command: %s", strerror(r->spawn_errno));
	} else if (r->timed_out) {
		obs_duration_format(o->timeout, dur, sizeof(dur));
		snprintf(msg, size, "timed out after %s", dur);
	} else if (WIFSIGNALED(r->status)) {
		snprintf(msg, size, "killed by signal %s", signal_name(WTERMSIG(r->status)));
	} else if (WEXITSTATUS(r->status)) {
		snprintf(msg, size, "exit status %d", WEXITSTATUS(r->status));
	} else {
		*status = "ok";
		msg[0] = '\0';
	}
}

static void record_span(const struct exec_opts *o, const struct obs_context_child *cc,
			char **args, int n, const struct exec_result *r,
			int64_t start, int64_t end)
{
	struct obs_store st;
	struct obs_error err;
	const char *status, *service;
	char msg[256], *name, *line = NULL;
	size_t len;
	json_t *span;

	name = o->name ? strdup(o->name) : default_name(args, n);
	service = o->service ? o->service : obs_service_name("unknown_service");
	span_status(r, o, msg, sizeof(msg), &status);
	span = obs_context_span(cc, name ? name : args[0], service, o->kind, start, end,
			      status, msg[0] ? msg : NULL);
	free(name);
	if (!span)
		goto oom;
	set_process_attrs(json_object_get(span, "attributes"), args, n, r);
	json_object_update(json_object_get(span, "attributes"), o->attrs);
	line = obs_json_dump_line(span, &len);
	json_decref(span);
	if (!line)
		goto oom;
	line[len++] = '\n';
	if (obs_store_open(&st, NULL, &err) < 0 ||
	    obs_store_append(&st, "spans", start, line, len, &err) < 0)
		obs_warnx("span not recorded: %s", err.msg);
	obs_store_release(&st);
	free(line);
	return;
oom:
	obs_warnx("span not recorded: out of memory");
}

/* OTEL_SDK_DISABLED=true: run the command untouched, record nothing. */
static int pass_through(char **args)
{
	execvp(args[0], args);
	obs_warn("cannot run '%s'", args[0]);
	return errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { .kind = "internal", .kill_after = 10 * OBS_NS_PER_SEC };
	struct exec_result r = { 0 };
	struct obs_context_child cc;
	struct trace_capture capture;
	struct obs_error err;
	sigset_t set, old;
	char **args, **child_argv;
	int n, rc, own_group, disabled;
	int64_t start, t0;

	o.attrs = json_object();
	rc = parse_exec_opts(argc, argv, &o);
	if (rc) {
		json_decref(o.attrs);
		if (rc < 0)
			obs_cli_usage(stderr, exec_synopsis, NULL);
		return rc > 0 ? obs_cli_finish(OBS_EXIT_OK) : EXIT_OWN;
	}
	args = argv + optind;
	n = argc - optind;
	disabled = obs_sdk_disabled();
	if (disabled && !o.timeout) {
		json_decref(o.attrs);
		return pass_through(args);
	}
	if (disabled) {
		memset(&cc, 0, sizeof(cc));
		child_argv = expand_args(args, n, getenv("TRACEPARENT") ? getenv("TRACEPARENT") : "");
	} else if (obs_context_child_init(&cc, &err) < 0) {
		obs_warnx("%s", err.msg);
		json_decref(o.attrs);
		return EXIT_OWN;
	} else {
		if (cc.sampler_invalid)
			obs_warnx("%s", cc.sampler_error);
		child_argv = expand_args(args, n, cc.traceparent);
		if (child_argv && obs_context_child_export(&cc, &err) < 0) {
			obs_warnx("exec: %s", err.msg);
			return EXIT_OWN;
		}
	}
	if (!child_argv) {
		obs_warnx("exec: out of memory");
		return EXIT_OWN;
	}
	own_group = o.timeout > 0;
	/* Logs belong to the span: none when nothing is recorded (OTEL_SDK_DISABLED). */
	if (o.capture_logs && !disabled) {
		if (capture_setup(&capture, cc.trace_id, cc.span_id,
				  o.service ? o.service : obs_service_name("unknown_service"), &err) < 0)
			obs_warnx("exec: output not captured: %s", err.msg);
		else
			o.capture = &capture;
	}
	obs_spawn_block(forwarded, NFORWARDED, &set, &old);
	start = obs_time_now();
	t0 = obs_time_monotonic();
	r.spawn_errno = obs_spawn_start(&r.pid, child_argv, o.capture ? &capture.fa : NULL, &old,
					 forwarded, NFORWARDED, own_group);
	if (o.capture)
		capture_spawned(o.capture);
	if (r.spawn_errno)
		obs_warnx("cannot run '%s': %s", child_argv[0], strerror(r.spawn_errno));
	else
		supervise(&o, &set, own_group, &r);
	if (o.capture)
		capture_finish(o.capture);
	if (cc.recording)
		record_span(&o, &cc, child_argv, n, &r, start, start + obs_time_monotonic() - t0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free_expanded(child_argv, args, n);
	json_decref(o.attrs);
	return exit_status(&r);
}
