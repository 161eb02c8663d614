/* SPDX-License-Identifier: MIT */
/* obs-metric collect: host metrics from /proc and statfs, or one process's, once or at an interval. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_collect.h"
#include "obs_spawn.h"
#include "obs_time.h"

static const char collect_synopsis[] = "collect [options] [--pid PID | -- CMD [ARGS]]";
static const char collect_options[] =
	"Records host metrics (CPU, memory, swap, load, filesystems, disks, network,\n"
	"time) named as node_exporter names them; with --pid, the metrics of one\n"
	"process; with a command, runs it and records its metrics while it runs\n"
	"(at --interval) and when it ends (CPU time and peak RSS from getrusage, exit\n"
	"code), then exits with its status.\n"
	"\n"
	"options:\n"
	"      --collectors LIST   host collectors, comma-separated (default all): cpu,\n"
	"                          stat, meminfo, loadavg, filesystem, diskstats,\n"
	"                          netdev, time\n"
	"      --pid PID           the process collector for PID instead\n"
	"  -l, --label NAME=VALUE  add a label to every sample (repeatable)\n"
	"  -i, --interval DUR      collect every DUR ('10s') until stopped\n"
	"  -c, --count N           with --interval: stop after N collections\n"
	"      --procfs DIR        where procfs is mounted (default /proc)\n"
	"      --rootfs DIR        prefix of mount points for statfs (default /)\n"
	"      --stdout            write the records to standard output, not the store\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 success, 2 usage error, 3 a /proc file could not be read or\n"
	"the store not written; with a command, the command's status (128+N for\n"
	"signal N; 126 cannot run, 127 not found).\n";

struct collect_run {
	struct obs_collect_opts co;
	json_t *extra;            /* --label */
	int64_t interval;         /* ns, 0: once */
	long long count;          /* 0: unlimited */
	pid_t pid;                /* --pid, or the command */
	int to_stdout;
	char **cmd;               /* after "--" */
	int64_t now;              /* time of the collection under way */
	unsigned warned;          /* collectors already reported as skipped */
	int warned_process;
	struct metric_sink sink;
	int failed;               /* the sink failed */
	double start_time;        /* process_start_time_seconds last seen */
};

/* ---- records -------------------------------------------------------------------- */

static int emit(void *ctx, const char *name, enum obs_metric_type type, const char *help,
		const char *unit, json_t *labels, double value)
{
	struct collect_run *r = ctx;
	json_t *l = json_copy(labels), *rec = NULL;
	int rc = -1;

	if (!l || metric_labels_merge(l, r->extra) < 0)
		goto out;
	rec = obs_metric_new(name, type, value, l, r->now, help, unit, type == OBS_METRIC_COUNTER);
	if (!rec)
		goto out;
	if (strcmp(name, "process_start_time_seconds") == 0)
		r->start_time = value;
	rc = metric_sink_add(&r->sink, rec, r->now);
	if (rc < 0)
		r->failed = 1;
out:
	if (rc < 0 && !r->failed)
		obs_warnx("out of memory");
	json_decref(rec);
	json_decref(l);
	return rc;
}

static void warn(void *ctx, const char *collector, const char *msg)
{
	struct collect_run *r = ctx;
	unsigned bit = obs_collect_collector_bit(collector);

	if (bit ? (r->warned & bit) != 0 : r->warned_process)
		return;
	if (bit)
		r->warned |= bit;
	else
		r->warned_process = 1;
	obs_warnx("collect: skipping %s: %s", collector, msg);
}

/* ---- one collection ---------------------------------------------------------------- */

static json_t *process_labels(const struct collect_run *r)
{
	char comm[64], pid[24];
	struct obs_error err;
	json_t *l = json_object();
	const char *base;

	if (r->cmd) {
		base = strrchr(r->cmd[0], '/');
		json_object_set_new(l, "command", json_string(base ? base + 1 : r->cmd[0]));
		return l;
	}
	snprintf(pid, sizeof(pid), "%ld", (long)r->pid);
	json_object_set_new(l, "pid", json_string(pid));
	if (obs_collect_process_comm(r->co.procfs, r->pid, comm, sizeof(comm), &err) == 0)
		json_object_set_new(l, "command", json_string(comm));
	return l;
}

/* One collection into the sink, flushed; 0, or -1 (reported). */
static int collect_once(struct collect_run *r)
{
	struct obs_error err;
	json_t *labels;
	int rc;

	r->now = obs_time_now();
	r->co.now_ns = r->now;
	if (r->pid > 0) {
		labels = process_labels(r);
		rc = obs_collect_process(&r->co, r->pid, labels, &err);
		json_decref(labels);
	} else {
		rc = obs_collect_host(&r->co, &err);
	}
	if (rc < 0 && !r->failed)
		obs_warnx("%s", err.msg);
	if (rc < 0)
		return -1;
	return metric_sink_flush(&r->sink);
}

/* Sleep until monotonic time T (ns). */
static void sleep_until(int64_t t)
{
	struct timespec ts = { (time_t)(t / OBS_NS_PER_SEC), (long)(t % OBS_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int collect_loop(struct collect_run *r)
{
	int64_t start = obs_time_monotonic();
	long long i;

	for (i = 0; r->count == 0 || i < r->count; i++) {
		if (i)
			sleep_until(start + i * r->interval);
		if (collect_once(r) < 0) {
			/* A process that was there and has ended: that is the end, not a failure. */
			if (i && r->pid > 0 && !r->failed && kill(r->pid, 0) < 0 && errno == ESRCH)
				return OBS_EXIT_OK;
			return OBS_EXIT_FAILURE;
		}
		if (!r->interval)
			break;
	}
	return OBS_EXIT_OK;
}

/* ---- collect -- CMD ---------------------------------------------------------------- */

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static int emit_final(struct collect_run *r, const char *name, enum obs_metric_type type,
		      const char *help, const char *unit, double v)
{
	json_t *labels = process_labels(r);
	int rc = emit(r, name, type, help, unit, labels, v);

	json_decref(labels);
	return rc;
}

/* The last sample, when /proc no longer has the process: from getrusage and the exit status. */
static void final_sample(struct collect_run *r, const struct rusage *ru, int code)
{
	double cpu = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
		     (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;

	r->now = obs_time_now();
	if (emit_final(r, "process_cpu_seconds_total", OBS_METRIC_COUNTER,
		       "Total user and system CPU time spent in seconds.", "seconds", cpu) < 0 ||
	    emit_final(r, "process_start_time_seconds", OBS_METRIC_GAUGE,
		       "Start time of the process since unix epoch in seconds.", "seconds",
		       r->start_time) < 0 ||
	    emit_final(r, "process_resident_memory_peak_bytes", OBS_METRIC_GAUGE,
		       "Peak resident set size in bytes (getrusage: the largest of the command "
		       "and the descendants it waited for).", "bytes",
		       (double)ru->ru_maxrss * 1024) < 0 ||
	    emit_final(r, "process_exit_code", OBS_METRIC_GAUGE,
		       "Exit status of the command (128+N when killed by signal N).", NULL,
		       code) < 0)
		return;
	metric_sink_flush(&r->sink);
}

static int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Wait for the command, sampling it at the interval and forwarding signals; its wait status. */
static int supervise(struct collect_run *r, const sigset_t *set, struct rusage *ru)
{
	int64_t next = obs_time_monotonic() + r->interval;
	int status = 0;

	for (;;) {
		struct timespec ts, *tsp = NULL;
		siginfo_t si;
		int sig;

		if (wait4(r->pid, &status, WNOHANG, ru) == r->pid)
			return status;
		if (r->interval) {
			int64_t left = next - obs_time_monotonic();

			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)(left / OBS_NS_PER_SEC);
			ts.tv_nsec = (long)(left % OBS_NS_PER_SEC);
			tsp = &ts;
		}
		sig = sigtimedwait(set, &si, tsp);
		if (sig < 0 && errno == EAGAIN) {
			if (!r->failed)
				collect_once(r);
			next += r->interval;
			continue;
		}
		if (sig > 0 && sig != SIGCHLD && si.si_code <= 0)
			kill(r->pid, sig);
	}
}

static int collect_command(struct collect_run *r)
{
	sigset_t set, old;
	struct rusage ru;
	int rc, status;

	obs_spawn_block(forwarded, NFORWARDED, &set, &old);
	r->start_time = (double)obs_time_now() / 1e9;
	rc = obs_spawn_start(&r->pid, r->cmd, NULL, &old, forwarded, NFORWARDED, 0);
	if (rc) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		obs_warnx("cannot run '%s': %s", r->cmd[0], strerror(rc));
		return rc == ENOENT ? 127 : 126;
	}
	/* While it runs, a failed read of /proc is only a gap in the samples. */
	r->co.warn = NULL;
	memset(&ru, 0, sizeof(ru));
	status = supervise(r, &set, &ru);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!r->failed)
		final_sample(r, &ru, exit_code(status));
	return exit_code(status);
}

/* ---- options ------------------------------------------------------------------------ */

static int parse_collectors(struct collect_run *r, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	unsigned bit;

	if (!copy)
		return OBS_EXIT_FAILURE;
	r->co.collectors = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bit = obs_collect_collector_bit(tok);
		if (!bit) {
			obs_warnx("unknown collector '%s' (expected cpu, stat, meminfo, loadavg, "
				  "filesystem, diskstats, netdev or time)", tok);
			free(copy);
			return OBS_EXIT_USAGE;
		}
		r->co.collectors |= bit;
	}
	free(copy);
	if (!r->co.collectors) {
		obs_warnx("--collectors: no collector named");
		return OBS_EXIT_USAGE;
	}
	return 0;
}

static int parse_count(const char *opt, const char *s, long long *n)
{
	char *end;

	errno = 0;
	*n = strtoll(s, &end, 10);
	if (errno || end == s || *end || *n <= 0) {
		obs_warnx("%s: invalid count '%s' (expected a number > 0)", opt, s);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

enum { OPT_COLLECTORS = 256, OPT_PID, OPT_PROCFS, OPT_ROOTFS, OPT_STDOUT };

static int collect_opt(struct collect_run *r, int c, char **argv)
{
	long long n;
	int rc;

	switch (c) {
	case OPT_COLLECTORS:
		return parse_collectors(r, optarg);
	case OPT_PID:
		rc = parse_count("--pid", optarg, &n);
		r->pid = (pid_t)n;
		return rc;
	case 'l':
		return metric_label_opt(r->extra, optarg);
	case 'i':
		return metric_duration_opt("--interval", optarg, 1, &r->interval);
	case 'c':
		return parse_count("--count", optarg, &r->count);
	case OPT_PROCFS:
		r->co.procfs = optarg;
		return 0;
	case OPT_ROOTFS:
		r->co.rootfs = optarg;
		return 0;
	case OPT_STDOUT:
		r->to_stdout = 1;
		return 0;
	case 'h':
		obs_cli_usage(stdout, collect_synopsis, collect_options);
		return 1;
	default:
		return obs_cli_bad_option("collect", collect_synopsis, argv, c);
	}
}

static int parse_args(int argc, char **argv, struct collect_run *r)
{
	static const struct option longopts[] = {
		{ "collectors", required_argument, NULL, OPT_COLLECTORS },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "label", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "procfs", required_argument, NULL, OPT_PROCFS },
		{ "rootfs", required_argument, NULL, OPT_ROOTFS },
		{ "stdout", no_argument, NULL, OPT_STDOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:l:i:c:h", longopts, NULL)) != -1) {
		rc = collect_opt(r, c, argv);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			return obs_cli_usage_error(collect_synopsis, "collect: unexpected argument "
						   "'%s' (a command goes after '--')", argv[optind]);
		r->cmd = argv + optind;
	}
	if (r->cmd && r->pid)
		return obs_cli_usage_error(collect_synopsis, "collect: --pid or a command, not both");
	if (r->count && (!r->interval || r->cmd))
		return obs_cli_usage_error(collect_synopsis, "collect: --count goes with --interval%s",
					   r->cmd ? ", without a command" : "");
	return 0;
}

int cmd_collect(int argc, char **argv)
{
	struct collect_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	obs_collect_opts_init(&r.co);
	r.co.emit = emit;
	r.co.warn = warn;
	r.co.ctx = &r;
	r.extra = json_object();
	rc = parse_args(argc, argv, &r);
	if (rc == 0)
		rc = metric_sink_open(&r.sink, r.to_stdout);
	if (rc) {
		json_decref(r.extra);
		return rc == 1 ? obs_cli_finish(OBS_EXIT_OK) : rc;
	}
	rc = r.cmd ? collect_command(&r) : collect_loop(&r);
	metric_sink_close(&r.sink);
	json_decref(r.extra);
	return obs_cli_finish(rc);
}
