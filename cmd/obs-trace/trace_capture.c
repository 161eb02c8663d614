/* SPDX-License-Identifier: MIT */
/* obs-trace exec --capture-logs: the command's output lines as log records of its span. */
#include "trace_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_ndjson.h"
#include "obs_time.h"

#define CHUNK (64 * 1024)
/* Longer lines are recorded cut, with "truncated": true. */
#define MAX_LINE OBS_NDJSON_MAX_LINE
/* Records reach the store at least this often while the command runs. */
#define FLUSH_NS (1 * OBS_NS_PER_SEC)
#define FLUSH_BYTES (64 * 1024)
/* After the command ended, pipes still open are read until quiet this long. */
#define DRAIN_NS (100 * 1000000LL)

int capture_setup(struct trace_capture *c, const char *trace_id, const char *span_id,
		  const char *service, struct obs_error *err)
{
	struct obs_logparse_options o = { 0 };
	posix_spawn_file_actions_t *fa = &c->fa;
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int i;

	memset(c, 0, sizeof(*c));
	c->sigfd = -1;
	c->child_fd[0] = c->child_fd[1] = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		obs_error_errno(err, "cannot make a pipe");
		goto fail;
	}
	if (posix_spawn_file_actions_init(fa) != 0) {
		obs_error_set(err, "out of memory");
		goto fail;
	}
	/* dup2 clears close-on-exec on the new fds; the pipes' own fds go at exec. */
	if (posix_spawn_file_actions_adddup2(fa, out[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, errp[1], 2) != 0) {
		posix_spawn_file_actions_destroy(fa);
		obs_error_set(err, "out of memory");
		goto fail;
	}
	c->s[0].rfd = out[0];
	c->s[0].wfd = 1;
	c->s[0].name = "stdout";
	c->s[1].rfd = errp[0];
	c->s[1].wfd = 2;
	c->s[1].name = "stderr";
	for (i = 0; i < 2; i++)
		c->s[i].wfd_ok = 1;
	c->child_fd[0] = out[1];
	c->child_fd[1] = errp[1];
	snprintf(c->trace_id, sizeof(c->trace_id), "%s", trace_id);
	snprintf(c->span_id, sizeof(c->span_id), "%s", span_id);
	c->service = strdup(service);
	o.format = OBS_LOG_JSON;
	o.reference = 1;
	if (!c->service || obs_logparse_init(&c->json, &o, err) < 0) {
		free(c->service);
		posix_spawn_file_actions_destroy(fa);
		obs_error_set(err, "out of memory");
		goto fail;
	}
	o.format = OBS_LOG_LOGFMT;
	if (obs_logparse_init(&c->logfmt, &o, err) < 0) {
		obs_logparse_release(&c->json);
		free(c->service);
		posix_spawn_file_actions_destroy(fa);
		obs_error_set(err, "out of memory");
		goto fail;
	}
	c->parsers = 1;
	c->store_ok = obs_store_open(&c->st, NULL, err) == 0;
	if (c->store_ok) {
		obs_store_batch_init(&c->batch, &c->st, "logs");
		c->batch.flush_bytes = FLUSH_BYTES;
	} else {
		obs_warnx("logs not recorded: %s", err->msg);
	}
	c->last_flush = obs_time_monotonic();
	/* A closed standard output must not kill us: the child gets EPIPE as it would have. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
fail:
	for (i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return -1;
}

void capture_spawned(struct trace_capture *c)
{
	int i;

	posix_spawn_file_actions_destroy(&c->fa);
	for (i = 0; i < 2; i++) {
		if (c->child_fd[i] >= 0)
			close(c->child_fd[i]);
		c->child_fd[i] = -1;
	}
}

/* ---- records ------------------------------------------------------------------------- */

static void flush_records(struct trace_capture *c)
{
	struct obs_error err;

	c->last_flush = obs_time_monotonic();
	if (c->store_ok && obs_store_batch_flush(&c->batch, &err) < 0) {
		obs_warnx("logs not recorded: %s", err.msg);
		c->store_ok = 0;
	}
}

/*
 * A level word at the start of a plain line: "ERROR: x", "error: x",
 * "[warn] x", "WARNING x" (upper case, then a space), "E: x" (one capital
 * of E, W, I, D, F, then a colon). NULL if none.
 */
static const char *leading_level(const char *s, size_t n)
{
	size_t i = 0, w0, w1;
	int bracket = 0, upper = 1;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '[') {
		bracket = 1;
		i++;
	}
	w0 = i;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
		if (s[i] >= 'a')
			upper = 0;
		i++;
	}
	w1 = i;
	if (w1 - w0 > 9 || w1 == w0)
		return NULL;
	if (w1 - w0 == 1) {
		if (bracket || i >= n || s[i] != ':' || !strchr("EWIDF", s[w0]))
			return NULL;
	} else if (w1 - w0 == 2) {
		return NULL;
	} else if (bracket) {
		if (i >= n || s[i] != ']')
			return NULL;
	} else if (!(i < n && s[i] == ':') && !(upper && (i == n || s[i] == ' '))) {
		return NULL;
	}
	return obs_log_level_normalize_n(s + w0, w1 - w0);
}

/* A JSON or logfmt line as a record (new reference), or NULL for a plain line. */
static json_t *structured(struct trace_capture *c, const char *line, size_t len)
{
	const char *p = line;
	size_t n = len;
	int fmt;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n && *p == '{')
		return obs_logparse_line(&c->json, line, len, NULL);
	if (!memchr(line, '=', len))
		return NULL;
	/* logfmt by the strict rule of detection, so that "x=1 in plain text" stays text. */
	{
		char *copy = malloc(len + 1);
		const char *one[1];

		if (!copy)
			return NULL;
		memcpy(copy, line, len);
		copy[len] = '\0';
		one[0] = copy;
		fmt = obs_log_format_detect(one, 1);
		free(copy);
	}
	return fmt == OBS_LOG_LOGFMT ? obs_logparse_line(&c->logfmt, line, len, NULL) : NULL;
}

static void set_str(json_t *o, const char *key, const char *s, size_t n)
{
	char *clean = obs_utf8_sanitize(s, n);

	if (clean)
		json_object_set_new(o, key, json_string(clean));
	free(clean);
}

/* One line of stream S (CUT: only its start) as a record in the batch. */
static void record_line(struct trace_capture *c, struct capture_stream *s, const char *line,
			size_t len, int cut)
{
	static const char *const own[] = { "type", "time", "level", "msg", "service", "trace_id",
					   "span_id", NULL };
	struct obs_error err;
	const char *level, *k;
	json_t *parsed, *rec, *v;
	int64_t now = obs_time_now(), when;
	char ts[OBS_TIME_BUFSZ];
	int i;

	s->lineno++;
	if (len && line[len - 1] == '\r')
		len--;
	if (!c->store_ok)
		return;
	c->json.reference = c->logfmt.reference = now;
	parsed = cut ? NULL : structured(c, line, len);
	level = parsed ? json_string_value(json_object_get(parsed, "level")) : NULL;
	if (!level)
		level = leading_level(line, len);
	if (!level)
		level = s->wfd == 1 ? "info" : "warn";
	rec = json_object();
	if (!rec)
		goto out;
	obs_time_format(now, ts, sizeof(ts));
	json_object_set_new(rec, "type", json_string("log"));
	/* The record is stored under the time queries will filter it by. */
	when = now;
	if ((v = json_object_get(parsed, "time"))) {
		json_object_set(rec, "time", v);
		if (!json_is_string(v) || obs_time_parse(json_string_value(v), &when, &err) < 0)
			when = now;
	} else {
		json_object_set_new(rec, "time", json_string(ts));
	}
	json_object_set_new(rec, "level", json_string(level));
	if ((v = json_object_get(parsed, "msg")))
		json_object_set(rec, "msg", v);
	else if (!parsed)
		set_str(rec, "msg", line, len);
	if ((v = json_object_get(parsed, "service")))
		json_object_set(rec, "service", v);
	else
		json_object_set_new(rec, "service", json_string(c->service));
	/* The line's own trace context (an instrumented program's child span) wins. */
	if ((v = json_object_get(parsed, "trace_id")) && json_object_get(parsed, "span_id")) {
		json_object_set(rec, "trace_id", v);
		json_object_set(rec, "span_id", json_object_get(parsed, "span_id"));
	} else if (c->trace_id[0]) {
		json_object_set_new(rec, "trace_id", json_string(c->trace_id));
		json_object_set_new(rec, "span_id", json_string(c->span_id));
	}
	json_object_set_new(rec, "stream", json_string(s->name));
	json_object_set_new(rec, "line", json_integer((json_int_t)s->lineno));
	if (parsed) {
		void *it;

		for (it = json_object_iter(parsed); it; it = json_object_iter_next(parsed, it)) {
			k = json_object_iter_key(it);
			for (i = 0; own[i]; i++)
				if (!strcmp(k, own[i]))
					break;
			if (!own[i] && !json_object_get(rec, k))
				json_object_set(rec, k, json_object_iter_value(it));
		}
	}
	if (cut)
		json_object_set_new(rec, "truncated", json_true());
	if (obs_store_batch_add_json(&c->batch, when, rec, &err) < 0) {
		obs_warnx("logs not recorded: %s", err.msg);
		c->store_ok = 0;
	}
	c->records++;
out:
	json_decref(rec);
	json_decref(parsed);
}

/* ---- the pipes ----------------------------------------------------------------------- */

/* Pass bytes on to where they were going; a failure there stops only that. */
static void pass_on(struct trace_capture *c, struct capture_stream *s, const char *buf, size_t n)
{
	size_t done = 0;
	ssize_t w;

	(void)c;
	while (s->wfd_ok && done < n) {
		w = write(s->wfd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/*
			 * Our reader went away: so does the child's (its next
			 * write gets EPIPE or SIGPIPE, as it would have without us).
			 */
			s->wfd_ok = 0;
			if (s->rfd >= 0) {
				close(s->rfd);
				s->rfd = -1;
			}
			return;
		}
		done += (size_t)w;
	}
}

static void part_add(struct capture_stream *s, const char *p, size_t n)
{
	if (s->cap - s->len < n) {
		size_t cap = s->cap ? s->cap : 4096;
		char *b;

		while (cap - s->len < n)
			cap *= 2;
		b = realloc(s->part, cap);
		if (!b)
			abort();
		s->part = b;
		s->cap = cap;
	}
	memcpy(s->part + s->len, p, n);
	s->len += n;
}

/* Split BUF into lines of S; a partial last line is kept for later. */
static void split_lines(struct trace_capture *c, struct capture_stream *s, const char *buf,
			size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;

		if (s->cutting) {
			if (nl)
				s->cutting = 0;
		} else if (s->len == 0 && nl && take <= MAX_LINE) {
			record_line(c, s, buf, take, 0);
		} else {
			part_add(s, buf, take);
			if (s->len > MAX_LINE) {
				size_t k = MAX_LINE;

				while (k > 0 && ((unsigned char)s->part[k] & 0xc0) == 0x80 &&
				       MAX_LINE - k < 3)
					k--;
				record_line(c, s, s->part, k, 1);
				s->len = 0;
				s->cutting = !nl;
			} else if (nl) {
				record_line(c, s, s->part, s->len, 0);
				s->len = 0;
			}
		}
		if (!nl)
			break;
		buf = nl + 1;
		n -= take + 1;
	}
}

/* Read what stream S has; 1 if it had data, 0 at its end (closed here). */
static int read_stream(struct trace_capture *c, struct capture_stream *s)
{
	char buf[CHUNK];
	ssize_t n;

	do
		n = read(s->rfd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 1;
	if (n <= 0) {
		close(s->rfd);
		s->rfd = -1;
		if (s->len && !s->cutting)
			record_line(c, s, s->part, s->len, 0);
		s->len = 0;
		return 0;
	}
	pass_on(c, s, buf, (size_t)n);
	split_lines(c, s, buf, (size_t)n);
	return 1;
}

int capture_wait(struct trace_capture *c, const sigset_t *set, const struct timespec *timeout,
		 siginfo_t *si)
{
	struct pollfd pfd[3];
	struct signalfd_siginfo ssi;
	int nfd = 0, i, r, ms = -1, idx[3];

	if (c->sigfd < 0) {
		c->sigfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
		if (c->sigfd < 0)
			return sigtimedwait(set, si, timeout);
	}
	if (timeout)
		ms = (int)(timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000);
	/* The store sees records at least every FLUSH_NS while the command runs. */
	if (c->store_ok && c->batch.bytes) {
		int64_t left = FLUSH_NS - (obs_time_monotonic() - c->last_flush);

		if (left <= 0) {
			flush_records(c);
		} else if (ms < 0 || left / 1000000 + 1 < ms) {
			ms = (int)(left / 1000000 + 1);
			timeout = NULL;   /* a wake-up of ours, not the caller's timeout */
		}
	}
	pfd[nfd].fd = c->sigfd;
	pfd[nfd].events = POLLIN;
	idx[nfd++] = -1;
	for (i = 0; i < 2; i++) {
		if (c->s[i].rfd < 0)
			continue;
		pfd[nfd].fd = c->s[i].rfd;
		pfd[nfd].events = POLLIN;
		idx[nfd++] = i;
	}
	r = poll(pfd, (nfds_t)nfd, ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0) {
		if (!timeout && c->store_ok && c->batch.bytes) {
			flush_records(c);
			return 0;
		}
		errno = EAGAIN;
		return -1;
	}
	if (pfd[0].revents & POLLIN) {
		if (read(c->sigfd, &ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi)) {
			memset(si, 0, sizeof(*si));
			si->si_signo = (int)ssi.ssi_signo;
			si->si_code = ssi.ssi_code;
			si->si_pid = (pid_t)ssi.ssi_pid;
			return (int)ssi.ssi_signo;
		}
	}
	for (i = 1; i < nfd; i++)
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			read_stream(c, &c->s[idx[i]]);
	return 0;
}

void capture_finish(struct trace_capture *c)
{
	int64_t quiet_since = obs_time_monotonic();
	int i;

	/* The command is gone; what it wrote last is still in the pipes. */
	while (c->s[0].rfd >= 0 || c->s[1].rfd >= 0) {
		struct pollfd pfd[2];
		int nfd = 0, idx[2], r;
		int64_t left = DRAIN_NS - (obs_time_monotonic() - quiet_since);

		if (left <= 0)
			break;
		for (i = 0; i < 2; i++) {
			if (c->s[i].rfd < 0)
				continue;
			pfd[nfd].fd = c->s[i].rfd;
			pfd[nfd].events = POLLIN;
			idx[nfd++] = i;
		}
		r = poll(pfd, (nfds_t)nfd, (int)(left / 1000000) + 1);
		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < nfd; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR) &&
			    read_stream(c, &c->s[idx[i]]))
				quiet_since = obs_time_monotonic();
	}
	for (i = 0; i < 2; i++) {
		if (c->s[i].rfd >= 0) {
			/* Left open by processes the command started: what they wrote so far counts. */
			if (c->s[i].len && !c->s[i].cutting)
				record_line(c, &c->s[i], c->s[i].part, c->s[i].len, 0);
			close(c->s[i].rfd);
		}
		free(c->s[i].part);
	}
	flush_records(c);
	if (c->store_ok || c->batch.st)
		obs_store_batch_release(&c->batch);
	obs_store_release(&c->st);
	if (c->sigfd >= 0)
		close(c->sigfd);
	if (c->parsers) {
		obs_logparse_release(&c->json);
		obs_logparse_release(&c->logfmt);
	}
	free(c->service);
	signal(SIGPIPE, SIG_DFL);
}
