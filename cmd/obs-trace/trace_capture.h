/* SPDX-License-Identifier: MIT */
/* obs-trace exec --capture-logs: the command's output lines as log records of its span. */
#ifndef OBS_TRACE_CAPTURE_H
#define OBS_TRACE_CAPTURE_H

#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "obs_logparse.h"
#include "obs_store.h"
#include "obs_tracectx.h"

/*
 * The command's standard output and error go through pipes: every byte
 * is written on to obs-trace's own standard output or error at once and
 * unchanged (order kept within each stream), and every line becomes a log
 * record {type, time, level, msg, service, trace_id, span_id, stream,
 * line} in the store's logs. The level: a JSON or logfmt line's own
 * level (such a line is parsed, its fields kept), else a leading level
 * word ("ERROR: ...", "[warn] ...", "WARNING ...", "E: ..."), else info on
 * standard output and warn on standard error.
 */
struct capture_stream {
	int rfd;                  /* our end of the pipe, -1 once at its end */
	int wfd;                  /* 1 or 2, where the bytes go on to */
	int wfd_ok;               /* 0 after a write there failed (EPIPE ...) */
	const char *name;         /* "stdout", "stderr" */
	char *part;               /* a line not ended yet */
	size_t len, cap;
	int cutting;              /* dropping the rest of an over-long line */
	unsigned long lineno;
};

struct trace_capture {
	posix_spawn_file_actions_t fa;   /* give to posix_spawn */
	int child_fd[2];          /* the pipes' write ends, for the child */
	int sigfd;                /* signalfd of the waited-for signals, -1 until first wait */
	struct capture_stream s[2];
	char trace_id[OBS_TRACE_ID_HEX + 1];
	char span_id[OBS_SPAN_ID_HEX + 1];
	char *service;
	struct obs_logparse json, logfmt;
	int parsers;
	struct obs_store st;
	struct obs_store_batch batch;
	int store_ok;             /* 0 once a write failed (reported once) */
	int64_t last_flush;       /* monotonic */
	unsigned long records;
};

/*
 * Make the pipes and the file actions (c->fa) that give them to the child
 * as its fds 1 and 2; TRACE_ID, SPAN_ID and SERVICE are the span's
 * (copied). 0, or -1 with ERR (then nothing is left open).
 */
int capture_setup(struct trace_capture *c, const char *trace_id, const char *span_id,
		  const char *service, struct obs_error *err);
/* After the spawn (whether it worked or not): close the child's ends here, free c->fa. */
void capture_spawned(struct trace_capture *c);
/*
 * Instead of sigtimedwait(SET, SI, TIMEOUT) while the child runs: waits
 * for a signal of SET or output, passes output on and records its lines.
 * Returns the signal's number (SI filled as sigtimedwait fills si_signo
 * and si_code); 0 when output was handled; -1 with errno EAGAIN when
 * TIMEOUT (NULL: none) passed.
 */
int capture_wait(struct trace_capture *c, const sigset_t *set, const struct timespec *timeout,
		 siginfo_t *si);
/*
 * After the child ended: read the pipes to their end (at most DRAIN_NS
 * more once they go quiet: processes the command left behind may hold
 * them open), record the last lines, write the records, release all.
 */
void capture_finish(struct trace_capture *c);

#endif
