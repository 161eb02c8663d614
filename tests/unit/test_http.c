/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_http against the fault-injecting server tests/helpers/faultsrv. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "obs_http.h"
#include "obs_time.h"

#define UA "obs/" OBS_VERSION

/* ---- the server ---------------------------------------------------------- */

struct srv {
	pid_t pid;
	unsigned port;
	char dir[64];         /* temp folder, removed at stop */
	char rec[96];         /* dir/rec: faultsrv's record folder */
	char url[128];        /* http://127.0.0.1:PORT */
};

static char helper[PATH_MAX];
static pid_t running[8];     /* servers not stopped yet: a failed test leaves them */
static char fixtures[PATH_MAX - 64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void find_paths(void)
{
	const char *env = getenv("OBS_TEST_HELPERS");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(helper, sizeof(helper), "%s/faultsrv", env);
	} else {
		/* $(O)/tests/unit/test_http -> $(O)/tests/helpers/faultsrv */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		assert_true(n > 0);
		self[n] = '\0';
		snprintf(helper, sizeof(helper), "%s/../helpers/faultsrv", dirname(self));
	}
	env = getenv("OBS_TEST_FIXTURES");
	snprintf(fixtures, sizeof(fixtures), "%s/tls", env && *env ? env : "tests/fixtures");
}

/* Start faultsrv with ARGS (NULL-terminated) plus --record and a safety limit. */
static void srv_startv(struct srv *s, const char *const *args)
{
	const char *argv[32];
	int fd[2], n = 0, k = 0;
	char line[32];

	memset(s, 0, sizeof(*s));
	strcpy(s->dir, "/tmp/obs-test-http-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->rec, sizeof(s->rec), "%s/rec", s->dir);
	argv[n++] = helper;
	argv[n++] = "--record";
	argv[n++] = s->rec;
	argv[n++] = "--max-seconds";
	argv[n++] = "60";
	while (args && args[k])
		argv[n++] = args[k++];
	argv[n] = NULL;
	assert_int_equal(pipe(fd), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execv(helper, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fd[1]);
	for (k = 0; k < 8; k++)
		if (!running[k]) {
			running[k] = s->pid;
			break;
		}
	n = 0;
	while (n < (int)sizeof(line) - 1 && read(fd[0], line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	close(fd[0]);
	s->port = (unsigned)atoi(line);
	assert_true(s->port > 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", s->port);
}

static void srv_start(struct srv *s, const char *plan)
{
	const char *args[] = { "--plan", plan, NULL };

	srv_startv(s, args);
}

static void srv_stop(struct srv *s)
{
	int status;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, &status, 0);
	for (int k = 0; k < 8; k++)
		if (running[k] == s->pid)
			running[k] = 0;
	nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Teardown: stop the servers a failed test left running. */
static int reap(void **state)
{
	(void)state;
	for (int k = 0; k < 8; k++)
		if (running[k]) {
			kill(running[k], SIGTERM);
			waitpid(running[k], NULL, 0);
			running[k] = 0;
		}
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Request K's recorded file ("head" or "body"), NUL-terminated; caller frees. */
static char *srv_file(struct srv *s, int k, const char *ext, size_t *len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%04d.%s", s->rec, k, ext);
	return slurp(path, len);
}

/* Number of requests the server has seen. */
static int srv_count(struct srv *s)
{
	char path[160], *log;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log", s->rec);
	log = slurp(path, NULL);
	for (char *p = log; p && *p; p++)
		n += *p == '\n';
	free(log);
	return n;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* A port with nothing listening on it. */
static unsigned dead_port(void)
{
	struct sockaddr_in sa = { 0 };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* Client with millisecond backoffs. */
static void fast_init(struct obs_http *h)
{
	obs_http_init(h);
	h->timeout_ms = 3000;
	h->retry_initial_ms = 1;
	h->retry_max_ms = 4;
	h->retry_deadline_ms = 5000;
}

/* Trace lines, collected. */
struct lines {
	char text[8192];
	int n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	size_t used = strlen(l->text);

	snprintf(l->text + used, sizeof(l->text) - used, "%s\n", line);
	l->n++;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- one-shot requests ------------------------------------------------------ */

static void test_request_ok(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char url[160], *head, *body;
	size_t len;

	(void)state;
	srv_start(&s, "200");
	fast_init(&h);
	obs_http_response_init(&r);
	assert_int_equal(obs_http_header_add(&h, "X-Scope-OrgID", "tenant-1", &err), 0);
	assert_int_equal(obs_http_header_add(&h, "X-Empty", "", &err), 0);
	snprintf(url, sizeof(url), "%s/v1/traces?a=1", s.url);
	assert_int_equal(obs_http_request(&h, "POST", url, "application/json", "{\"a\":1}", 7, &r, &err), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_null(r.retry_after);
	assert_string_equal(r.body, "faultsrv: 200 OK\n");
	assert_int_equal(r.len, 17);
	assert_int_equal(r.truncated, 0);
	assert_int_equal(r.outcome, OBS_HTTP_NONE);

	head = srv_file(&s, 1, "head", NULL);
	body = srv_file(&s, 1, "body", &len);
	assert_true(starts_with(head, "POST /v1/traces?a=1 HTTP/1.1\n"));
	assert_true(has_line(head, "User-Agent: " UA));
	assert_true(has_line(head, "Content-Type: application/json"));
	assert_true(has_line(head, "X-Scope-OrgID: tenant-1"));
	assert_true(has_line(head, "X-Empty: "));
	assert_true(has_line(head, "Content-Length: 7"));
	assert_null(strstr(head, "Content-Encoding"));
	assert_null(strstr(head, "Expect"));
	assert_int_equal(len, 7);
	assert_string_equal(body, "{\"a\":1}");
	free(head);
	free(body);

	/* The same response and client again: contents replaced, connection reused. */
	assert_int_equal(obs_http_request(&h, "PUT", url, NULL, NULL, 0, &r, &err), 0);
	assert_int_equal(r.status, 200);
	head = srv_file(&s, 2, "head", NULL);
	assert_true(starts_with(head, "PUT /v1/traces?a=1 HTTP/1.1\n"));
	assert_true(has_line(head, "Content-Length: 0"));
	free(head);
	assert_int_equal(obs_http_request(&h, "HEAD", url, NULL, NULL, 0, &r, &err), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	assert_null(r.body);
	assert_int_equal(obs_http_request(&h, "DELETE", url, NULL, NULL, 0, &r, &err), 0);
	assert_int_equal(obs_http_request(&h, "GET", url, NULL, NULL, 0, &r, &err), 0);
	assert_int_equal(srv_count(&s), 5);
	head = srv_file(&s, 4, "head", NULL);
	assert_true(starts_with(head, "DELETE /v1/traces?a=1 HTTP/1.1\n"));
	free(head);
	head = srv_file(&s, 5, "head", NULL);
	assert_true(starts_with(head, "GET /v1/traces?a=1 HTTP/1.1\n"));
	free(head);

	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_request_status_is_not_an_error(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;

	(void)state;
	srv_start(&s, "503:7");
	fast_init(&h);
	obs_http_response_init(&r);
	assert_int_equal(obs_http_request(&h, "POST", s.url, "text/plain", "x", 1, &r, &err), 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.retry_after, "7");
	assert_string_equal(r.body, "faultsrv: 503 Service Unavailable\n");
	assert_int_equal(srv_count(&s), 1);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_request_connection_refused(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	char url[96], want[160];
	unsigned port = dead_port();

	(void)state;
	fast_init(&h);
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", port);
	assert_int_equal(obs_http_request(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	snprintf(want, sizeof(want), "cannot send to '%s': Failed to connect to 127.0.0.1 port %u", url, port);
	assert_true(starts_with(err.msg, want));
	assert_true(ends_with(err.msg, "Couldn't connect to server"));
	assert_int_equal(r.status, 0);
	obs_http_response_release(&r);
	obs_http_release(&h);
}

static void test_request_bad_scheme(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };

	(void)state;
	fast_init(&h);
	obs_http_response_init(&r);
	assert_int_equal(obs_http_request(&h, "GET", "ftp://127.0.0.1/x", NULL, NULL, 0, &r, &err), -1);
	assert_true(starts_with(err.msg, "cannot send to 'ftp://127.0.0.1/x': "));
	assert_non_null(strstr(err.msg, "ftp"));
	assert_int_equal(obs_http_send(&h, "POST", "ftp://127.0.0.1/x", NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_FAILED);
	assert_int_equal(r.attempts, 1);
	obs_http_response_release(&r);
	obs_http_release(&h);
}

/* ---- retrying sends ----------------------------------------------------------- */

static void send_plan(const char *plan, long want_status, int want_attempts)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct lines tr = { "", 0 };
	struct srv s;
	char url[160];

	srv_start(&s, plan);
	fast_init(&h);
	h.timeout_ms = 300;
	h.trace = collect;
	h.trace_ctx = &tr;
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "%s/v1/logs", s.url);
	assert_int_equal(obs_http_send(&h, "POST", url, "application/json", "{\"n\":1}", 7, &r, &err), 0);
	assert_int_equal(r.outcome, OBS_HTTP_DELIVERED);
	assert_int_equal(r.status, want_status);
	assert_int_equal(r.attempts, want_attempts);
	assert_int_equal(srv_count(&s), want_attempts);
	assert_true(r.elapsed_ms >= 0 && r.elapsed_ms < 3000);
	/* every attempt carried the same body */
	for (int k = 1; k <= want_attempts; k++) {
		char *b = srv_file(&s, k, "body", NULL);

		assert_string_equal(b, "{\"n\":1}");
		free(b);
	}
	/* one line per attempt, one per retry decision */
	assert_int_equal(tr.n, 2 * want_attempts - 1);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_delivered(void **state)
{
	(void)state;
	send_plan("200", 200, 1);
	send_plan("204", 204, 1);
	send_plan("202", 202, 1);
}

static void test_send_retries_statuses(void **state)
{
	(void)state;
	send_plan("429,502,503,504,200", 200, 5);
}

static void test_send_retries_reset(void **state)
{
	(void)state;
	send_plan("reset,reset,200", 200, 3);
}

static void test_send_retries_timeout(void **state)
{
	(void)state;
	send_plan("stall:1,200", 200, 2);
}

static void test_send_retries_refused(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct lines tr = { "", 0 };
	struct srv s;

	(void)state;
	/* reset, then the port is closed for 0.3s, then 200 */
	srv_start(&s, "down:0.3,200");
	fast_init(&h);
	h.retry_initial_ms = 10;
	h.retry_max_ms = 20;
	h.trace = collect;
	h.trace_ctx = &tr;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "abc", 3, &r, &err), 0);
	assert_int_equal(r.outcome, OBS_HTTP_DELIVERED);
	assert_true(r.attempts > 3);
	assert_true(r.elapsed_ms >= 250);
	assert_int_equal(srv_count(&s), 2);
	assert_non_null(strstr(tr.text, "Couldn't connect to server"));
	assert_non_null(strstr(tr.text, "Empty reply from server"));
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void check_rejected(const char *plan, const char *want)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char url[160], msg[400];

	srv_start(&s, plan);
	fast_init(&h);
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "%s/v1/metrics", s.url);
	assert_int_equal(obs_http_send(&h, "POST", url, "application/json", "[1]", 3, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_REJECTED);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(srv_count(&s), 1);
	snprintf(msg, sizeof(msg), "cannot send to '%s': %s", url, want);
	assert_string_equal(err.msg, msg);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_not_retried(void **state)
{
	(void)state;
	check_rejected("400", "400 Bad Request: faultsrv: 400 Bad Request");
	check_rejected("401", "401 Unauthorized: faultsrv: 401 Unauthorized");
	check_rejected("413", "413 Content Too Large: faultsrv: 413 Content Too Large");
	check_rejected("500", "500 Internal Server Error: faultsrv: 500 Internal Server Error");
	check_rejected("501", "501 Not Implemented: faultsrv: 501 Not Implemented");
	check_rejected("301", "301 Moved Permanently: faultsrv: 301 Moved Permanently");
	check_rejected("599", "599: faultsrv: 599 Unknown");
}

static void test_send_rejected_body_kept(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char dir[] = "/tmp/obs-test-http-body-XXXXXX", file[96], plan[128], msg[300];
	const char *body = "\r\n \t{\"error\":\"entry\tout of order\",  \n\"detail\":\"\x01x\"}\n";
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/body.json", dir);
	fp = fopen(file, "w");
	fputs(body, fp);
	fclose(fp);
	snprintf(plan, sizeof(plan), "400=%s", file);
	{
		const char *args[] = { "--plan", plan, "--content-type", "application/json", NULL };

		srv_startv(&s, args);
	}
	fast_init(&h);
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_REJECTED);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.body, body);
	assert_int_equal(r.len, strlen(body));
	snprintf(msg, sizeof(msg), "cannot send to '%s': 400 Bad Request: {\"error\":\"entry?out of order\",", s.url);
	assert_string_equal(err.msg, msg);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
	unlink(file);
	rmdir(dir);
}

static void test_send_rejected_empty_body(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char dir[] = "/tmp/obs-test-http-body-XXXXXX", file[96], plan[128], msg[300];
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/empty", dir);
	fp = fopen(file, "w");
	fclose(fp);
	snprintf(plan, sizeof(plan), "403=%s", file);
	srv_start(&s, plan);
	fast_init(&h);
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_REJECTED);
	assert_int_equal(r.len, 0);
	snprintf(msg, sizeof(msg), "cannot send to '%s': 403 Forbidden", s.url);
	assert_string_equal(err.msg, msg);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
	unlink(file);
	rmdir(dir);
}

/* "cannot send to 'URL': giving up after N attempts over D: TAIL", N returned. */
static int check_gave_up(const char *msg, const char *url, const char *tail, int attempts)
{
	char prefix[300];

	snprintf(prefix, sizeof(prefix), "cannot send to '%s': giving up after %d attempt%s over ",
		 url, attempts, attempts == 1 ? "" : "s");
	assert_true(starts_with(msg, prefix));
	assert_true(ends_with(msg, tail));
	return attempts;
}

static void test_send_deadline(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	int64_t t0 = obs_time_monotonic();

	(void)state;
	srv_start(&s, "503");
	fast_init(&h);
	h.retry_initial_ms = 20;
	h.retry_max_ms = 40;
	h.retry_deadline_ms = 300;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.status, 503);
	assert_true(r.attempts >= 5);
	assert_int_equal(srv_count(&s), r.attempts);
	/* The deadline, and curl's timer slack if the last attempt ran into it under load. */
	assert_true(r.elapsed_ms <= 350);
	assert_true((obs_time_monotonic() - t0) / 1000000 < 1000);
	check_gave_up(err.msg, s.url, ": 503 Service Unavailable", r.attempts);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_max_attempts(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;

	(void)state;
	srv_start(&s, "502");
	fast_init(&h);
	h.retry_max_attempts = 3;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(srv_count(&s), 3);
	check_gave_up(err.msg, s.url, ": 502 Bad Gateway", 3);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_timeout_cut_to_deadline(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	int64_t t0 = obs_time_monotonic();

	(void)state;
	srv_start(&s, "stall:5");
	fast_init(&h);
	h.timeout_ms = 0;           /* none: only the deadline bounds the attempt */
	h.retry_deadline_ms = 300;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.status, 0);
	assert_true((obs_time_monotonic() - t0) / 1000000 < 1500);
	assert_non_null(strstr(err.msg, "Operation timed out after "));
	check_gave_up(err.msg, s.url, " with 0 bytes received", r.attempts);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_last_answer_survives_the_cut(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;

	(void)state;
	/* A 503, then an attempt the deadline cuts short: the 503 is what is said. */
	srv_start(&s, "503,stall:5");
	fast_init(&h);
	h.timeout_ms = 0;
	h.retry_initial_ms = 20;
	h.retry_max_ms = 40;
	h.retry_deadline_ms = 300;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.status, 503);
	check_gave_up(err.msg, s.url, ": 503 Service Unavailable", 2);
	assert_int_equal(r.attempts, 2);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_refused_gives_up(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	char url[96];

	(void)state;
	fast_init(&h);
	h.retry_deadline_ms = 50;
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/traces", dead_port());
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_true(r.attempts >= 2);
	check_gave_up(err.msg, url, ": Couldn't connect to server", r.attempts);
	obs_http_response_release(&r);
	obs_http_release(&h);
}

static void test_send_retry_after_seconds(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct lines tr = { "", 0 };
	struct srv s;

	(void)state;
	srv_start(&s, "429:1,200");
	fast_init(&h);
	h.trace = collect;
	h.trace_ctx = &tr;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	assert_true(r.elapsed_ms >= 1000 && r.elapsed_ms < 2000);
	assert_non_null(strstr(tr.text, "\nretrying in 1s, as the server asked\n"));
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_retry_after_date(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;

	(void)state;
	/* an HTTP-date in the past: retry at once */
	srv_start(&s, "503:@-30,200");
	fast_init(&h);
	h.retry_initial_ms = 5000;  /* the backoff would take seconds */
	h.retry_max_ms = 5000;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	assert_true(r.elapsed_ms < 1000);
	obs_http_release(&h);
	srv_stop(&s);

	/* an HTTP-date an hour ahead, past the deadline: give up at once */
	srv_start(&s, "429:@+3600");
	fast_init(&h);
	h.retry_deadline_ms = 2000;
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.attempts, 1);
	assert_true(r.elapsed_ms < 1000);
	check_gave_up(err.msg, s.url, "is past the 2s deadline)", 1);
	assert_non_null(strstr(err.msg, ": 429 Too Many Requests (retry after 59m5"));
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_retry_after_capped(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;

	(void)state;
	srv_start(&s, "503:3600");
	fast_init(&h);
	h.retry_deadline_ms = 60000;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.attempts, 1);
	check_gave_up(err.msg, s.url,
		      ": 503 Service Unavailable (retry after 1h is past the 1m deadline)", 1);
	obs_http_release(&h);
	srv_stop(&s);

	/* an unreadable Retry-After falls back to the backoff */
	srv_start(&s, "429:soon,200");
	fast_init(&h);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	assert_true(r.elapsed_ms < 1000);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_send_gzip(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	size_t n = 300000, len;
	char *data = malloc(n), *head, *body;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)("{\"name\":\"span\",\"n\":}\n"[i % 21] + (i / 997) % 3);
	srv_start(&s, "503,200");
	fast_init(&h);
	h.gzip = 1;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, "application/x-ndjson", data, n, &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	for (int k = 1; k <= 2; k++) {
		head = srv_file(&s, k, "head", NULL);
		body = srv_file(&s, k, "body", &len);
		assert_true(has_line(head, "Content-Encoding: gzip"));
		assert_true(has_line(head, "Content-Type: application/x-ndjson"));
		assert_null(strstr(head, "Content-Length: 300000"));
		assert_int_equal(len, n);
		assert_memory_equal(body, data, n);
		free(head);
		free(body);
	}
	/* one-shot requests compress too; GET has no body to compress */
	assert_int_equal(obs_http_request(&h, "POST", s.url, NULL, data, 1000, &r, &err), 0);
	body = srv_file(&s, 3, "body", &len);
	assert_int_equal(len, 1000);
	assert_memory_equal(body, data, 1000);
	free(body);
	assert_int_equal(obs_http_request(&h, "GET", s.url, NULL, NULL, 0, &r, &err), 0);
	head = srv_file(&s, 4, "head", NULL);
	assert_null(strstr(head, "Content-Encoding"));
	free(head);
	/* an empty body compresses to a valid empty gzip member */
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, NULL, 0, &r, &err), 0);
	body = srv_file(&s, 5, "body", &len);
	assert_int_equal(len, 0);
	free(body);
	free(data);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

/* ---- secrets ---------------------------------------------------------------- */

static void assert_no_secret(const char *text)
{
	static const char *const secrets[] = {
		"hunter2pw", "alice", "s3cr3tT0k", "abcdef123456", "k3yV4lue",
	};

	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(text, secrets[i])) {
			fprintf(stderr, "secret '%s' in: %s\n", secrets[i], text);
			fail();
		}
}

static void test_secrets_never_shown(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct lines tr = { "", 0 };
	struct srv s;
	char dir[] = "/tmp/obs-test-http-body-XXXXXX", file[96], plan[128], url[256], want[400];
	char *head;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/echo", dir);
	fp = fopen(file, "w");
	fputs("bad key abcdef123456 for s3cr3tT0k (user alice:hunter2pw, k3yV4lue)\n", fp);
	fclose(fp);
	snprintf(plan, sizeof(plan), "503,400=%s", file);
	srv_start(&s, plan);
	fast_init(&h);
	h.trace = collect;
	h.trace_ctx = &tr;
	assert_int_equal(obs_http_header_add(&h, "Authorization", "Bearer abcdef123456", &err), 0);
	assert_int_equal(obs_http_header_add_list(&h, "DD-API-KEY=k3yV4lue,X-Empty=,X-Short=ab", &err), 0);
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "http://alice:hunter2pw@127.0.0.1:%u/v1/logs?token=s3cr3tT0k&x=1",
		 s.port);
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_REJECTED);
	snprintf(want, sizeof(want), "cannot send to 'http://127.0.0.1:%u/v1/logs?token=***&x=1': "
		 "400 Bad Request: bad key *** for *** (user ***, ***)", s.port);
	assert_string_equal(err.msg, want);
	assert_no_secret(err.msg);
	assert_int_equal(tr.n, 3);
	assert_no_secret(tr.text);
	/* the secrets did go to the server */
	head = srv_file(&s, 1, "head", NULL);
	assert_true(has_line(head, "Authorization: Bearer abcdef123456"));
	assert_true(has_line(head, "DD-API-KEY: k3yV4lue"));
	assert_true(starts_with(head, "POST /v1/logs?token=s3cr3tT0k&x=1 HTTP/1.1\n"));
	free(head);
	srv_stop(&s);

	/* the same without an error struct */
	assert_int_equal(obs_http_request(&h, "POST", "http://127.0.0.1:1/", NULL, "x", 1, &r, NULL), -1);

	/* no response: curl's own message, and the give-up message */
	h.retry_deadline_ms = 30;
	snprintf(url, sizeof(url), "http://alice:hunter2pw@127.0.0.1:%u/x?api_key=s3cr3tT0k", dead_port());
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_no_secret(err.msg);
	assert_no_secret(tr.text);
	assert_non_null(strstr(err.msg, "/x?api_key=***': giving up after "));
	/* a secret path (webhooks) */
	h.redact_path = 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/services/T0/B0/s3cr3tT0k", dead_port());
	assert_int_equal(obs_http_request(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_no_secret(err.msg);
	assert_true(starts_with(err.msg, "cannot send to 'http://127.0.0.1:"));
	assert_non_null(strstr(err.msg, "/***': Failed to connect"));
	assert_no_secret(tr.text);

	obs_http_response_release(&r);
	obs_http_release(&h);
	unlink(file);
	rmdir(dir);
}

static void check_redact(const char *url, int flags, const char *want)
{
	char buf[256];

	assert_int_equal(obs_http_redact_url(url, flags, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void test_scrub(void **state)
{
	struct obs_http h;
	struct obs_error err;
	char text[512];

	(void)state;
	obs_http_init(&h);
	assert_int_equal(obs_http_header_add(&h, "Authorization", "Bearer tok-abcdef12", &err), 0);
	snprintf(text, sizeof(text), "echo: Bearer tok-abcdef12; tok-abcdef12; key k-1234567; "
		 "pw pass-9876; ok");
	obs_http_scrub(&h, "http://u:pass-9876@h/p?api_key=k-1234567&x=1", text);
	assert_string_equal(text, "echo: ***; ***; key ***; pw ***; ok");
	snprintf(text, sizeof(text), "plain tok-abcdef12");
	obs_http_scrub(&h, NULL, text);
	assert_string_equal(text, "plain ***");
	obs_http_release(&h);
}

static void test_redact_url(void **state)
{
	char small[12];

	(void)state;
	check_redact("https://u:p@host:4318/v1/traces", 0, "https://host:4318/v1/traces");
	check_redact("https://token@host/", 0, "https://host/");
	check_redact("http://host/a?x=1&token=abc&API_KEY=def&y", 0,
		     "http://host/a?x=1&token=***&API_KEY=***&y");
	check_redact("http://h/?apikey=1&access_token=2&client_secret=3&password=4&pwd=5", 0,
		     "http://h/?apikey=***&access_token=***&client_secret=***&password=***&pwd=***");
	check_redact("http://h/?sig=1&X-Amz-Signature=2&X-Amz-Credential=3&code=4&jwt=5", 0,
		     "http://h/?sig=***&X-Amz-Signature=***&X-Amz-Credential=***&code=***&jwt=***");
	check_redact("http://h/?Authorization=1&sessionid=2&signal=3&codec=4", 0,
		     "http://h/?Authorization=***&sessionid=***&signal=3&codec=4");
	check_redact("http://h/p?token=abc#frag-secret", 0, "http://h/p?token=***");
	check_redact("http://h/p#frag", 0, "http://h/p");
	check_redact("http://h/p?", 0, "http://h/p?");
	check_redact("http://h/p?a=1&", 0, "http://h/p?a=1&");
	check_redact("http://h/p?token=", 0, "http://h/p?token=***");
	check_redact("http://h/p?token", 0, "http://h/p?token");
	check_redact("http://u@h?key=1", 0, "http://h?key=***");
	check_redact("host:9100/metrics", 0, "host:9100/metrics");
	check_redact("u:p@host:9100/metrics", 0, "host:9100/metrics");
	check_redact("http://a@b@h/x", 0, "http://h/x");
	check_redact("http://h/x?y=http://u:p@z", 0, "http://h/x?y=http://u:p@z");
	check_redact("", 0, "");
	check_redact("https://hooks.example.com/services/T/B/XYZ", OBS_HTTP_REDACT_PATH,
		     "https://hooks.example.com/***");
	check_redact("https://u:p@h?token=1", OBS_HTTP_REDACT_PATH, "https://h/***");
	check_redact("https://h/", OBS_HTTP_REDACT_PATH, "https://h/");
	check_redact("https://h", OBS_HTTP_REDACT_PATH, "https://h");
	/* cut: full length returned, no secret in what fits */
	assert_int_equal(obs_http_redact_url("http://u:pw@h/?token=abcdef", 0, small, sizeof(small)),
			 strlen("http://h/?token=***"));
	assert_string_equal(small, "http://h/?t");
	assert_int_equal(obs_http_redact_url("http://h/", 0, NULL, 0), 9);
}

/* ---- TLS ------------------------------------------------------------------------ */

static void tls_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", fixtures, name);
}

static void test_tls_on_plain_port(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char url[160], want[200];

	(void)state;
	srv_start(&s, "200");
	fast_init(&h);
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/v1/traces", s.port);
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_FAILED);
	assert_int_equal(r.attempts, 1);
	snprintf(want, sizeof(want), "cannot send to '%s': ", url);
	assert_true(starts_with(err.msg, want));
	assert_non_null(strstr(err.msg, "SSL"));
	assert_int_equal(srv_count(&s), 0);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

static void test_tls_verification(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], ccert[PATH_MAX], ckey[PATH_MAX];
	char url[160], log[256], *text;
	const char *args[] = { "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca, NULL };

	(void)state;
	tls_path(cert, sizeof(cert), "server.pem");
	tls_path(key, sizeof(key), "server.key");
	tls_path(ca, sizeof(ca), "ca.pem");
	tls_path(ccert, sizeof(ccert), "client.pem");
	tls_path(ckey, sizeof(ckey), "client.key");
	srv_startv(&s, args);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/v1/traces", s.port);
	fast_init(&h);
	obs_http_response_init(&r);

	/* verification is on by default: an unknown CA fails, and is not retried */
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_FAILED);
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(err.msg, "SSL certificate problem"));

	/* with the CA file (OTEL_EXPORTER_OTLP_CERTIFICATE) */
	h.ca_file = ca;
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), 0);
	snprintf(url, sizeof(url), "https://localhost:%u/v1/traces", s.port);

	/* client certificate (mTLS) */
	h.client_cert = ccert;
	h.client_key = ckey;
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), 0);

	/* insecure: no verification at all */
	h.ca_file = NULL;
	h.client_cert = h.client_key = NULL;
	h.insecure = 1;
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), 0);

	snprintf(log, sizeof(log), "%s/log", s.rec);
	text = slurp(log, NULL);
	assert_string_equal(text, "0001 POST /v1/traces 200 1 cert=none\n"
				  "0002 POST /v1/traces 200 1 cert=verified\n"
				  "0003 POST /v1/traces 200 1 cert=none\n");
	free(text);

	/* verification back on: the unverified connection is not reused */
	h.insecure = 0;
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_FAILED);
	assert_non_null(strstr(err.msg, "SSL certificate problem"));

	/* unreadable files are named */
	h.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_FAILED);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(err.msg, "cannot read CA file '/nonexistent/ca.pem': No such file or directory");
	h.ca_file = ca;
	h.client_cert = "/nonexistent/c.pem";
	assert_int_equal(obs_http_request(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_string_equal(err.msg, "cannot read client certificate '/nonexistent/c.pem': No such file or directory");
	h.client_cert = ccert;
	h.client_key = "/nonexistent/c.key";
	assert_int_equal(obs_http_get(&h, url, NULL, &r, &err), -1);
	assert_string_equal(err.msg, "cannot read client key '/nonexistent/c.key': No such file or directory");
	/* a key that does not go with the certificate (a new client: curl would
	   reuse the connection the right key opened) */
	obs_http_release(&h);
	fast_init(&h);
	h.ca_file = ca;
	h.client_cert = ccert;
	h.client_key = key;
	assert_int_equal(obs_http_send(&h, "POST", url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_FAILED);
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(err.msg, "private key"));
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

/* ---- scrapes and response limits ----------------------------------------------------- */

static void test_get(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char url[160], want[200], *head;

	(void)state;
	srv_start(&s, "gzip:100000,404,200");
	fast_init(&h);
	obs_http_response_init(&r);
	snprintf(url, sizeof(url), "%s/metrics", s.url);
	assert_int_equal(obs_http_get(&h, url, "text/plain;version=0.0.4", &r, &err), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 100000);
	assert_int_equal(strspn(r.body, "x"), 100000);
	head = srv_file(&s, 1, "head", NULL);
	assert_true(starts_with(head, "GET /metrics HTTP/1.1\n"));
	assert_true(has_line(head, "Accept: text/plain;version=0.0.4"));
	assert_non_null(strstr(head, "Accept-Encoding: "));
	assert_non_null(strstr(head, "gzip"));
	free(head);

	assert_int_equal(obs_http_get(&h, url, NULL, &r, &err), -1);
	assert_int_equal(r.status, 404);
	snprintf(want, sizeof(want), "cannot get '%s': 404 Not Found", url);
	assert_string_equal(err.msg, want);
	assert_string_equal(r.body, "faultsrv: 404 Not Found\n");

	assert_int_equal(obs_http_get(&h, url, NULL, &r, &err), 0);
	head = srv_file(&s, 3, "head", NULL);
	assert_true(has_line(head, "Accept: */*"));
	free(head);
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);

	/* no server */
	fast_init(&h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", dead_port());
	assert_int_equal(obs_http_get(&h, url, NULL, &r, &err), -1);
	snprintf(want, sizeof(want), "cannot get '%s': Failed to connect to ", url);
	assert_true(starts_with(err.msg, want));
	obs_http_response_release(&r);
	obs_http_release(&h);
}

static void test_max_response(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct srv s;
	char want[200];

	(void)state;
	srv_start(&s, "big:5000,gzip:5000,gzip:1000,big:1001,big:5000,503");
	fast_init(&h);
	h.max_response = 1000;
	obs_http_response_init(&r);

	/* plain and compressed alike: the limit is on the decoded body */
	assert_int_equal(obs_http_get(&h, s.url, NULL, &r, &err), -1);
	snprintf(want, sizeof(want), "cannot get '%s': response larger than 1000 bytes", s.url);
	assert_string_equal(err.msg, want);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.truncated, 1);
	assert_int_equal(r.len, 1000);
	assert_int_equal(strlen(r.body), 1000);
	assert_int_equal(obs_http_get(&h, s.url, NULL, &r, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(r.len, 1000);
	assert_int_equal(obs_http_get(&h, s.url, NULL, &r, &err), 0);
	assert_int_equal(r.len, 1000);
	assert_int_equal(r.truncated, 0);

	assert_int_equal(obs_http_request(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	snprintf(want, sizeof(want), "cannot send to '%s': response larger than 1000 bytes", s.url);
	assert_string_equal(err.msg, want);
	assert_int_equal(r.truncated, 1);

	/* a send is delivered whatever the size of the answer */
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), 0);
	assert_int_equal(r.outcome, OBS_HTTP_DELIVERED);
	assert_int_equal(r.truncated, 1);
	assert_int_equal(r.len, 1000);

	/* a limit of 0 keeps no body */
	h.max_response = 0;
	h.retry_max_attempts = 2;
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), -1);
	assert_int_equal(r.outcome, OBS_HTTP_GAVE_UP);
	assert_int_equal(r.truncated, 1);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.body, "");
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

/* ---- headers and the environment ------------------------------------------------------- */

static void test_headers(void **state)
{
	struct obs_http h;
	struct obs_error err = { "" };

	(void)state;
	obs_http_init(&h);
	assert_int_equal(obs_http_header_add(&h, "X-Ok", "a\tb", &err), 0);
	assert_int_equal(obs_http_header_add(&h, "Bad Name", "v", &err), -1);
	assert_string_equal(err.msg, "invalid header name 'Bad Name'");
	assert_int_equal(obs_http_header_add(&h, "", "v", &err), -1);
	assert_string_equal(err.msg, "invalid header name ''");
	assert_int_equal(obs_http_header_add(&h, "X:Y", "v", &err), -1);
	assert_string_equal(err.msg, "invalid header name 'X:Y'");
	assert_int_equal(obs_http_header_add(&h, "Authorization", "Bearer s3cr3t\r\nX: y", &err), -1);
	assert_string_equal(err.msg, "invalid value for header 'Authorization'");
	assert_int_equal(obs_http_header_add(&h, "X", "a\x7f", &err), -1);
	assert_int_equal(h.nheaders, 1);
	assert_string_equal(h.headers[0], "X-Ok: a\tb");

	assert_int_equal(obs_http_header_add_list(&h, " api-key = a%20b%3Dc ,, x-e=,X-P=100%,X-Q=%zz%4", &err), 0);
	assert_int_equal(h.nheaders, 5);
	assert_string_equal(h.headers[1], "api-key: a b=c");
	assert_string_equal(h.headers[2], "x-e;");
	assert_string_equal(h.headers[3], "X-P: 100%");
	assert_string_equal(h.headers[4], "X-Q: %zz%4");
	assert_int_equal(obs_http_header_add_list(&h, "", &err), 0);
	assert_int_equal(obs_http_header_add_list(&h, " , ", &err), 0);
	assert_int_equal(h.nheaders, 5);

	/* on error nothing is added, and no value is shown */
	assert_int_equal(obs_http_header_add_list(&h, "a=1,Bearer s3cr3t", &err), -1);
	assert_string_equal(err.msg, "invalid header list: entry 2 has no '='");
	assert_int_equal(obs_http_header_add_list(&h, "a=1,b=2,s3cr3t x=1", &err), -1);
	assert_string_equal(err.msg, "invalid header list: entry 3 has an invalid header name");
	assert_int_equal(obs_http_header_add_list(&h, "a=1,=x", &err), -1);
	assert_string_equal(err.msg, "invalid header list: entry 2 has an invalid header name");
	assert_int_equal(obs_http_header_add_list(&h, "a=1,b=s3cr3t%0Ax:1", &err), -1);
	assert_string_equal(err.msg, "invalid header list: invalid value for header 'b'");
	assert_int_equal(h.nheaders, 5);
	obs_http_release(&h);
	assert_int_equal(h.nheaders, 0);
	obs_http_release(&h);
}

static const char *const otel_vars[] = {
	"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
	"OTEL_EXPORTER_OTLP_CLIENT_KEY", "OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
	"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
	"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY",
};

static void clear_otel(void)
{
	for (size_t i = 0; i < sizeof(otel_vars) / sizeof(otel_vars[0]); i++)
		unsetenv(otel_vars[i]);
}

static void test_otel_env(void **state)
{
	struct obs_http h;
	struct obs_error err = { "" };

	(void)state;
	clear_otel();
	obs_http_init(&h);
	assert_int_equal(obs_http_otel_env(&h, NULL, &err), 0);
	assert_null(h.ca_file);
	assert_int_equal(h.timeout_ms, 10000);
	assert_int_equal(h.gzip, 0);
	assert_int_equal(h.nheaders, 0);

	setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem", 1);
	setenv("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/c.pem", 1);
	setenv("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/c.key", 1);
	setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=1", 1);
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2500", 1);
	setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/etc/traces-ca.pem", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2,c=3", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "", 1);   /* empty: the generic one */
	setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none", 1);
	assert_int_equal(obs_http_otel_env(&h, "traces", &err), 0);
	assert_string_equal(h.ca_file, "/etc/traces-ca.pem");
	assert_string_equal(h.client_cert, "/etc/c.pem");
	assert_string_equal(h.client_key, "/etc/c.key");
	assert_int_equal(h.timeout_ms, 2500);
	assert_int_equal(h.gzip, 0);
	assert_int_equal(h.nheaders, 2);
	assert_string_equal(h.headers[0], "b: 2");
	assert_string_equal(h.headers[1], "c: 3");
	obs_http_release(&h);

	obs_http_init(&h);
	assert_int_equal(obs_http_otel_env(&h, NULL, &err), 0);
	assert_string_equal(h.ca_file, "/etc/ca.pem");
	assert_int_equal(h.gzip, 1);
	assert_int_equal(h.nheaders, 1);
	obs_http_release(&h);

	obs_http_init(&h);
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5s", 1);
	assert_int_equal(obs_http_otel_env(&h, "logs", &err), -1);
	assert_string_equal(err.msg, "invalid OTEL_EXPORTER_OTLP_TIMEOUT '5s': expected milliseconds");
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "-1", 1);
	assert_int_equal(obs_http_otel_env(&h, "logs", &err), -1);
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "99999999999999999999999", 1);
	assert_int_equal(obs_http_otel_env(&h, "logs", &err), -1);
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "0", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd", 1);
	assert_int_equal(obs_http_otel_env(&h, "traces", &err), -1);
	assert_string_equal(err.msg, "invalid OTEL_EXPORTER_OTLP_TRACES_COMPRESSION 'zstd': expected gzip or none");
	setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "Authorization=Bearer s3cr3t,bad", 1);
	assert_int_equal(obs_http_otel_env(&h, "traces", &err), -1);
	assert_string_equal(err.msg, "invalid OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 2 has no '='");
	assert_int_equal(h.nheaders, 0);
	setenv("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "/etc/logs.key", 1);
	assert_int_equal(obs_http_otel_env(&h, "logs", &err), 0);
	assert_string_equal(h.client_key, "/etc/logs.key");
	assert_int_equal(h.timeout_ms, 0);
	assert_int_equal(obs_http_otel_env(&h, "Traces", &err), -1);
	assert_string_equal(err.msg, "invalid signal 'Traces'");
	assert_int_equal(obs_http_otel_env(&h, "", &err), -1);
	assert_int_equal(obs_http_otel_env(&h, "averyveryverylongsignalname", &err), -1);
	obs_http_release(&h);
	clear_otel();
}

/* ---- pure functions ------------------------------------------------------------------------ */

static void test_retry_after_parse(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	const int64_t t = 784111777LL * OBS_NS_PER_SEC;
	int64_t ms = -1;

	(void)state;
	assert_int_equal(obs_http_retry_after_ms("120", t, &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(obs_http_retry_after_ms(" 0 ", t, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(obs_http_retry_after_ms("99999999999999999999999", t, &ms), 0);
	assert_true(ms > 0);
	assert_int_equal(obs_http_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", t, &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(obs_http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", t + 250000000, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(obs_http_retry_after_ms("Sunday, 06-Nov-94 08:50:37 GMT", t, &ms), 0);
	assert_int_equal(ms, 60000);
	assert_int_equal(obs_http_retry_after_ms("Sun Nov  6 08:49:40 1994", t, &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(obs_http_retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", t, &ms), 0);
	assert_int_equal(ms, 0);
	ms = 7;
	assert_int_equal(obs_http_retry_after_ms("", t, &ms), -1);
	assert_int_equal(obs_http_retry_after_ms("  ", t, &ms), -1);
	assert_int_equal(obs_http_retry_after_ms("soon", t, &ms), -1);
	assert_int_equal(obs_http_retry_after_ms("-5", t, &ms), -1);
	assert_int_equal(obs_http_retry_after_ms("1.5", t, &ms), -1);
	assert_int_equal(ms, 7);
}

static void test_status_helpers(void **state)
{
	(void)state;
	for (long s = 100; s < 600; s++)
		assert_int_equal(obs_http_status_retryable(s), s == 429 || s == 502 || s == 503 || s == 504);
	assert_string_equal(obs_http_reason(503), "Service Unavailable");
	assert_string_equal(obs_http_reason(429), "Too Many Requests");
	assert_string_equal(obs_http_reason(200), "OK");
	assert_string_equal(obs_http_reason(599), "");
	assert_string_equal(obs_http_reason(-1), "");
}

static void test_backoff(void **state)
{
	struct obs_http h;
	long seen_max = 0, v;
	int distinct = 0;
	long first = -1;

	(void)state;
	obs_http_init(&h);
	assert_int_equal(h.retry_initial_ms, 1000);
	assert_int_equal(h.retry_max_ms, 30000);
	assert_int_equal(h.retry_deadline_ms, 60000);
	assert_int_equal(h.connect_timeout_ms, 10000);
	assert_int_equal(h.timeout_ms, 10000);
	assert_int_equal(h.max_response, OBS_HTTP_MAX_RESPONSE);
	assert_int_equal(h.insecure, 0);
	assert_string_equal(h.user_agent, UA);
	h.retry_initial_ms = 100;
	h.retry_max_ms = 1000;
	for (int i = 0; i < 200; i++) {
		v = obs_http_backoff_ms(&h, 1);
		assert_in_range(v, 0, 100);
		if (first < 0)
			first = v;
		distinct += v != first;
		v = obs_http_backoff_ms(&h, 3);
		assert_in_range(v, 0, 400);
		v = obs_http_backoff_ms(&h, 1000);
		assert_in_range(v, 0, 1000);
		if (v > seen_max)
			seen_max = v;
	}
	assert_true(distinct > 100);  /* jittered */
	assert_true(seen_max > 500);  /* reaches toward the cap */
	h.retry_initial_ms = 0;
	assert_int_equal(obs_http_backoff_ms(&h, 5), 0);
	h.retry_initial_ms = LONG_MAX / 2 + 1;
	h.retry_max_ms = LONG_MAX;
	assert_in_range(obs_http_backoff_ms(&h, 3), 0, LONG_MAX);
	obs_http_release(&h);
}

static void test_trace_lines(void **state)
{
	struct obs_http h;
	struct obs_http_response r;
	struct obs_error err = { "" };
	struct lines tr = { "", 0 };
	struct srv s;
	char want[200];

	(void)state;
	srv_start(&s, "503,200");
	fast_init(&h);
	h.retry_initial_ms = 0;
	h.trace = collect;
	h.trace_ctx = &tr;
	obs_http_response_init(&r);
	assert_int_equal(obs_http_send(&h, "POST", s.url, NULL, "x", 1, &r, &err), 0);
	assert_int_equal(tr.n, 3);
	snprintf(want, sizeof(want), "POST '%s': 503 Service Unavailable in ", s.url);
	assert_true(starts_with(tr.text, want));
	assert_non_null(strstr(tr.text, ", 34 bytes\nretrying in 0s\nPOST '"));
	assert_non_null(strstr(tr.text, "': 200 OK in "));
	assert_true(ends_with(tr.text, ", 17 bytes\n"));
	obs_http_response_release(&r);
	obs_http_release(&h);
	srv_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_request_ok, reap),
		cmocka_unit_test_teardown(test_request_status_is_not_an_error, reap),
		cmocka_unit_test_teardown(test_request_connection_refused, reap),
		cmocka_unit_test_teardown(test_request_bad_scheme, reap),
		cmocka_unit_test_teardown(test_send_delivered, reap),
		cmocka_unit_test_teardown(test_send_retries_statuses, reap),
		cmocka_unit_test_teardown(test_send_retries_reset, reap),
		cmocka_unit_test_teardown(test_send_retries_timeout, reap),
		cmocka_unit_test_teardown(test_send_retries_refused, reap),
		cmocka_unit_test_teardown(test_send_not_retried, reap),
		cmocka_unit_test_teardown(test_send_rejected_body_kept, reap),
		cmocka_unit_test_teardown(test_send_rejected_empty_body, reap),
		cmocka_unit_test_teardown(test_send_deadline, reap),
		cmocka_unit_test_teardown(test_send_max_attempts, reap),
		cmocka_unit_test_teardown(test_send_timeout_cut_to_deadline, reap),
		cmocka_unit_test_teardown(test_send_last_answer_survives_the_cut, reap),
		cmocka_unit_test_teardown(test_send_refused_gives_up, reap),
		cmocka_unit_test_teardown(test_send_retry_after_seconds, reap),
		cmocka_unit_test_teardown(test_send_retry_after_date, reap),
		cmocka_unit_test_teardown(test_send_retry_after_capped, reap),
		cmocka_unit_test_teardown(test_send_gzip, reap),
		cmocka_unit_test_teardown(test_secrets_never_shown, reap),
		cmocka_unit_test_teardown(test_redact_url, reap),
		cmocka_unit_test_teardown(test_tls_on_plain_port, reap),
		cmocka_unit_test_teardown(test_tls_verification, reap),
		cmocka_unit_test_teardown(test_get, reap),
		cmocka_unit_test_teardown(test_max_response, reap),
		cmocka_unit_test_teardown(test_headers, reap),
		cmocka_unit_test_teardown(test_otel_env, reap),
		cmocka_unit_test_teardown(test_retry_after_parse, reap),
		cmocka_unit_test_teardown(test_status_helpers, reap),
		cmocka_unit_test_teardown(test_backoff, reap),
		cmocka_unit_test_teardown(test_trace_lines, reap),
		cmocka_unit_test(test_scrub),
	};
	static const char *const proxies[] = {
		"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
	};

	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
	find_paths();
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
