/* SPDX-License-Identifier: MIT */
/* obs-export: the delivery engine (input, cursors, batches, retries, dead letters, follow, summary). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_source.h"
#include "obs_time.h"

#define DAY_NS (86400 * OBS_NS_PER_SEC)
#define DEAD_RESPONSE_MAX 4096

/*
 * SIGTERM or SIGINT asked to stop. The pipe becomes readable at the same
 * time, so a wait in either thread ends whichever one the signal went to.
 */
static atomic_int stop_requested;
static int stop_pipe[2] = { -1, -1 };

/*
 * A batch on its way: its records, the request the main thread encoded for
 * all of them, and where the stream's cursor goes once they are delivered.
 */
struct exp_job {
	struct exp_stream *s;        /* the stream the batch came from */
	struct exp_batch batch;      /* its records; batch.signal is the stream's */
	struct exp_idx first;        /* the records of req (none: nothing to send) */
	struct exp_req req;          /* pointing into the copies below */
	struct xbuf body, url, ctype, method;   /* the destination reuses its buffers */
	int gzip;                    /* the body is to be compressed ... */
	int zipped;                  /* ... and was, into gz (its own kept stream) */
	struct obs_otlp_buf gz;
	int save;                    /* a store stream: save cursor after delivery */
	struct obs_cursor cursor;
};

/*
 * The sender thread and what the two threads share. The main thread reads
 * and encodes batch N+1 into the spare job while the sender sends job N
 * and saves the cursor after it; whichever has time compresses a body (the
 * main thread while the sender is still busy, else the sender): one batch
 * in flight, one being encoded, memory bounded by two batches. Lock order:
 * dest_mu, then mu.
 */
struct exp_pipe {
	pthread_mutex_t mu;          /* x->stats, stderr and the progress bar, the
					dead-letter file, the slot */
	pthread_mutex_t dest_mu;     /* every call of the destination's encode and check */
	pthread_cond_t cv;           /* the slot changed */
	pthread_t thread;
	int running;                 /* a sender thread runs; else jobs run inline */
	int quit;                    /* the sender stops once the slot is empty */
	struct exp_job jobs[2];
	struct exp_job *spare;       /* the main thread's, filled next */
	struct exp_job *pending;     /* the sender's until delivered; NULL: idle */
};

static const char common_options[] =
	"common options:\n"
	"  -u, --url URL             where to send (default above)\n"
	"  -s, --signal LIST         what to read from the store: spans, metrics, logs,\n"
	"                            comma-separated (default above)\n"
	"      --name NAME           name of this destination's cursor (default: the\n"
	"                            destination and a hash of its URL and options)\n"
	"      --since TIME          skip records older than TIME (RFC 3339, a date, or a\n"
	"                            duration ago: '7d'); the cursor moves past them\n"
	"      --reset-cursor        forget this destination's cursor: send everything again\n"
	"  -f, --follow              keep running and send records as they are stored,\n"
	"                            until SIGTERM or SIGINT (then flush, save the cursor)\n"
	"      --batch N             records per request, at most (default 1000)\n"
	"      --batch-bytes SIZE    bytes of records per request, about (default 4M)\n"
	"      --flush-interval DUR  send a partial batch this long after its first record\n"
	"                            (--follow and pipes; default 1s)\n"
	"      --poll-interval DUR   look at the store this often (--follow; default 1s)\n"
	"      --timeout DUR         time limit of one attempt (default 10s)\n"
	"      --retry-deadline DUR  give up on a batch after retrying this long (default 1m)\n"
	"      --retry-initial DUR   the first wait between attempts, at most (default 1s);\n"
	"                            waits double up to --retry-max (default 30s), with\n"
	"                            jitter; a server's Retry-After is followed exactly\n"
	"      --compression gzip|none   compress request bodies or not\n"
	"  -H, --header NAME=VALUE   add a header (repeatable; for secrets, --header-file)\n"
	"      --header-file FILE    headers from FILE, one 'Name: value' per line\n"
	"      --cacert FILE         trust the certificate authorities in FILE (PEM)\n"
	"      --cert FILE           client certificate (PEM), with --key FILE\n"
	"  -k, --insecure            do not verify the server's certificate\n"
	"      --dead-letter FILE    where refused records go (default: under the store's\n"
	"                            state/export/NAME/)\n"
	"      --progress, --no-progress   progress bar (default: on a terminal, without -f)\n"
	"  -v, --verbose             each request and retry on stderr (secrets hidden)\n"
	"  -q, --quiet               no summary, no progress bar\n"
	"  -h, --help                show this help\n"
	"\n"
	"Reads the FILEs (\"-\" is standard input), else standard input when it is a pipe\n"
	"or a file, else the store from where this destination's cursor stands; the\n"
	"cursor moves only when the backend acknowledged a batch.\n"
	"Exit status: 0 everything delivered, 1 some records dead-lettered, 2 usage\n"
	"error, 3 gave up (the cursor stays before what was not delivered) or another\n"
	"failure.\n";

enum {
	OPT_NAME = 128, OPT_SINCE, OPT_RESET, OPT_BATCH, OPT_BATCH_BYTES, OPT_FLUSH, OPT_POLL,
	OPT_TIMEOUT, OPT_DEADLINE, OPT_COMPRESSION, OPT_HEADER_FILE, OPT_CACERT, OPT_CERT,
	OPT_KEY, OPT_DEAD, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_RETRY_INITIAL, OPT_RETRY_MAX,
};

static const struct option common_longopts[] = {
	{ "url", required_argument, NULL, 'u' },
	{ "signal", required_argument, NULL, 's' },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "reset-cursor", no_argument, NULL, OPT_RESET },
	{ "follow", no_argument, NULL, 'f' },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "batch-bytes", required_argument, NULL, OPT_BATCH_BYTES },
	{ "flush-interval", required_argument, NULL, OPT_FLUSH },
	{ "poll-interval", required_argument, NULL, OPT_POLL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retry-deadline", required_argument, NULL, OPT_DEADLINE },
	{ "retry-initial", required_argument, NULL, OPT_RETRY_INITIAL },
	{ "retry-max", required_argument, NULL, OPT_RETRY_MAX },
	{ "compression", required_argument, NULL, OPT_COMPRESSION },
	{ "header", required_argument, NULL, 'H' },
	{ "header-file", required_argument, NULL, OPT_HEADER_FILE },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "insecure", no_argument, NULL, 'k' },
	{ "dead-letter", required_argument, NULL, OPT_DEAD },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
};

/* ---- small things -------------------------------------------------------------- */

static void on_signal(int sig)
{
	int saved = errno;

	if (stop_requested) {
		/* A second one: stop now. The cursor is safe (saved atomically). */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_requested = 1;
	if (stop_pipe[1] >= 0) {
		ssize_t w = write(stop_pipe[1], "", 1);

		(void)w;   /* full: it is readable anyway */
	}
	errno = saved;
}

static int64_t now_mono(void)
{
	return obs_time_monotonic();
}

/* Wait NS, or less when a stop is asked (in either thread). */
static void sleep_ns(int64_t ns)
{
	int64_t until = now_mono() + ns, left;

	while (!stop_requested && (left = until - now_mono()) > 0) {
		struct pollfd pfd = { stop_pipe[0], POLLIN, 0 };
		int64_t ms = (left + 999999) / 1000000;

		poll(&pfd, stop_pipe[0] >= 0, ms > INT_MAX ? INT_MAX : (int)ms);
	}
}

static void mu_lock(struct exp *x)
{
	pthread_mutex_lock(&x->pipe->mu);
}

static void mu_unlock(struct exp *x)
{
	pthread_mutex_unlock(&x->pipe->mu);
}

/* Add N to the counter C of x->stats (both threads count). */
static void count(struct exp *x, unsigned long long *c, unsigned long long n)
{
	mu_lock(x);
	*c += n;
	mu_unlock(x);
}

static void fmt_bytes(unsigned long long n, char *buf, size_t size)
{
	if (n < 1024)
		snprintf(buf, size, "%llu B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)n / 1024);
	else if (n < 1024ULL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, size, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
}

static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

void exp_verbose(struct exp *x, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX * 2];
	va_list ap;

	if (!x->verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	obs_http_scrub(&x->http, x->url, msg);
	mu_lock(x);
	obs_warnx("%s: %s", x->dest->name, msg);
	mu_unlock(x);
}

static void http_trace(void *ctx, const char *line)
{
	struct exp *x = ctx;

	mu_lock(x);
	obs_warnx("%s: %s", x->dest->name, line);
	mu_unlock(x);
}

/* Erase the progress bar (under x->pipe->mu). */
static void progress_clear(struct exp *x)
{
	if (x->progress_shown) {
		fprintf(stderr, "\r%*s\r", 78, "");
		x->progress_shown = 0;
	}
}

/* A message on stderr, the progress bar erased first; from either thread. */
static void say(struct exp *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct exp *x, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mu_lock(x);
	progress_clear(x);
	obs_warnx("%s", msg);
	mu_unlock(x);
}

/* Warnings from the store reader ("PATH:LINE: ...", "'PATH' changed ..."). */
static void reader_warn(void *ctx, const char *msg)
{
	say(ctx, "%s", msg);
}

static void progress(struct exp *x, struct exp_stream *s, int force)
{
	uint64_t done, total;
	int64_t now;
	char a[32], b[32];

	if (!x->progress || !s->rd_open)
		return;
	now = now_mono();
	if (!force && now - x->progress_at < 200 * 1000000LL)
		return;
	x->progress_at = now;
	obs_cursor_reader_progress(&s->rd, &done, &total);
	if (!total)
		return;
	fmt_bytes(done, a, sizeof(a));
	fmt_bytes(total, b, sizeof(b));
	mu_lock(x);
	fprintf(stderr, "\r%s %s: %3d%% %s of %s, %llu records sent ", x->dest->name, s->signal,
		(int)(done * 100 / total), a, b, x->stats.sent);
	x->progress_shown = 1;
	mu_unlock(x);
}

/* ---- options -------------------------------------------------------------------- */

static int parse_count(const char *s, size_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (end == s || *end || errno || n == 0 || *s == '-' || n > 1000000000ULL)
		return -1;
	*v = (size_t)n;
	return 0;
}

static int parse_size(const char *s, size_t *v)
{
	char *end;
	double d;
	double mult = 1;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno || d <= 0 || *s == '-' || *s == '+')
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'M')
		mult = 1024 * 1024, end++;
	else if (*end == 'G')
		mult = 1024.0 * 1024 * 1024, end++;
	if (*end == 'i' && mult > 1)
		end++;
	if (*end == 'B')
		end++;
	if (*end || d * mult < 1 || d * mult > 1e12)
		return -1;
	*v = (size_t)(d * mult);
	return 0;
}

static int bad_option(struct exp *x, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return obs_cli_usage_error(x->dest->synopsis, "%s: option '%s' needs a value",
					   x->dest->name, arg);
	if (optopt && strncmp(arg, "--", 2))
		return obs_cli_usage_error(x->dest->synopsis, "%s: unknown option '-%c'",
					   x->dest->name, optopt);
	return obs_cli_usage_error(x->dest->synopsis, "%s: unknown option '%s'", x->dest->name,
				   arg);
}

static int usage_value(struct exp *x, const char *opt, const char *val, const char *want)
{
	return obs_cli_usage_error(x->dest->synopsis, "%s: invalid %s '%s'%s%s", x->dest->name,
				   opt, val, want ? ": " : "", want ? want : "");
}

/* Check a header (in a scratch client: the message never shows the value) and keep it. */
static int add_header(struct exp *x, const char *name, const char *value, struct obs_error *err)
{
	struct obs_http scratch;
	int rc;

	obs_http_init(&scratch);
	rc = obs_http_header_add(&scratch, name, value, err);
	obs_http_release(&scratch);
	if (rc < 0)
		return -1;
	x->hdr_names = xrealloc(x->hdr_names, (x->nhdrs + 1) * sizeof(*x->hdr_names));
	x->hdr_values = xrealloc(x->hdr_values, (x->nhdrs + 1) * sizeof(*x->hdr_values));
	x->hdr_names[x->nhdrs] = xstrdup(name);
	x->hdr_values[x->nhdrs] = xstrdup(value);
	x->nhdrs++;
	return 0;
}

int exp_http_setup(struct exp *x, struct obs_http *h)
{
	struct obs_error err;

	if (x->cli_timeout >= 0)
		h->timeout_ms = x->cli_timeout;
	if (x->cli_deadline >= 0)
		h->retry_deadline_ms = x->cli_deadline;
	if (x->cli_retry_initial >= 0)
		h->retry_initial_ms = x->cli_retry_initial;
	if (x->cli_retry_max >= 0)
		h->retry_max_ms = x->cli_retry_max;
	if (x->cli_insecure >= 0)
		h->insecure = x->cli_insecure;
	if (x->cli_cacert)
		h->ca_file = x->cli_cacert;
	if (x->cli_cert) {
		h->client_cert = x->cli_cert;
		h->client_key = x->cli_key;
	}
	if (x->dest->own_encoding)
		h->gzip = 0;
	else if (x->compression >= 0)
		h->gzip = x->compression;
	/*
	 * Bodies are compressed by the engine rather than by the client (by
	 * whichever thread has time, see struct exp_pipe): zlib level 1 with a
	 * kept stream is about twice as fast as a new level-6 stream per body,
	 * for bodies a few percent larger.
	 */
	if (h->gzip && x->ngz < sizeof(x->gz_clients) / sizeof(x->gz_clients[0])) {
		h->gzip = 0;
		if (obs_http_header_add(h, "Content-Encoding", "gzip", &err) < 0)
			return OBS_EXIT_FAILURE;
		x->gz_clients[x->ngz++] = h;
	}
	h->redact_path = x->url_secret_path;
	if (x->verbose) {
		h->trace = http_trace;
		h->trace_ctx = x;
	}
	for (size_t i = 0; i < x->nhdrs; i++) {
		if (obs_http_header_add(h, x->hdr_names[i], x->hdr_values[i], &err) < 0) {
			obs_warnx("%s: %s", x->dest->name, err.msg);
			return OBS_EXIT_USAGE;
		}
	}
	return 0;
}

static int header_file(struct exp *x, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[8192];
	unsigned long n = 0;
	int rc = 0;

	if (!fp) {
		obs_warn("%s: cannot read header file '%s'", x->dest->name, path);
		return OBS_EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *colon, *v, *end;
		struct obs_error err;

		n++;
		end = line + strlen(line);
		while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		colon = strchr(line, ':');
		if (!colon) {
			obs_warnx("%s: '%s' line %lu: expected 'Name: value'", x->dest->name, path, n);
			rc = OBS_EXIT_USAGE;
			break;
		}
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (add_header(x, line, v, &err) < 0) {
			obs_warnx("%s: '%s' line %lu: %s", x->dest->name, path, n, err.msg);
			rc = OBS_EXIT_USAGE;
			break;
		}
	}
	fclose(fp);
	return rc;
}

/* "traces" and the singular forms name store folders too. */
static const char *signal_folder(const char *s)
{
	if (!strcmp(s, "traces") || !strcmp(s, "span") || !strcmp(s, "trace"))
		return "spans";
	if (!strcmp(s, "metric"))
		return "metrics";
	if (!strcmp(s, "log"))
		return "logs";
	return s;
}

/* 1 if SIGNAL is in the comma-separated LIST. */
static int in_list(const char *list, const char *signal)
{
	size_t n = strlen(signal);

	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");

		if (k == n && !strncmp(p, signal, n))
			return 1;
		p += k;
		if (*p)
			p++;
	}
	return 0;
}

/* Check --signal against what the destination takes; rewrite it to folder names. */
static int check_signals(struct exp *x)
{
	struct xbuf out = { 0 };
	const char *list = x->signals ? x->signals : x->dest->default_signals;
	int rc = 0;

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		char *one = xstrndup(p, k);
		const char *f = signal_folder(one);

		if (!k || strspn(f, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(f) ||
		    (x->dest->signals && !in_list(x->dest->signals, f))) {
			rc = obs_cli_usage_error(x->dest->synopsis, "%s: invalid signal '%s'%s%s",
						 x->dest->name, one,
						 x->dest->signals ? ": expected " : "",
						 x->dest->signals ? x->dest->signals : "");
			free(one);
			break;
		}
		if (!in_list(out.p, f)) {
			if (out.len)
				xb_char(&out, ',');
			xb_str(&out, f);
		}
		free(one);
		p += k;
		if (*p)
			p++;
	}
	free(x->signals);
	x->signals = out.p;
	if (!rc && !x->signals)
		rc = obs_cli_usage_error(x->dest->synopsis, "%s: no signal", x->dest->name);
	return rc;
}

static int parse_options(struct exp *x, int argc, char **argv)
{
	const struct exp_dest *d = x->dest;
	size_t ncommon = sizeof(common_longopts) / sizeof(common_longopts[0]), nown = 0;
	struct option *opts;
	int c, rc = 0;
	struct obs_error err;
	int64_t ns;

	while (d->longopts && d->longopts[nown].name)
		nown++;
	opts = xmalloc((ncommon + nown + 1) * sizeof(*opts));
	memcpy(opts, common_longopts, sizeof(common_longopts));
	if (nown)
		memcpy(opts + ncommon, d->longopts, nown * sizeof(*opts));
	memset(&opts[ncommon + nown], 0, sizeof(*opts));

	optind = 1;
	while (!rc && (c = getopt_long(argc, argv, "+:u:s:fH:kvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			free(x->url);
			x->url = xstrdup(optarg);
			break;
		case 's':
			free(x->signals);
			x->signals = xstrdup(optarg);
			break;
		case OPT_NAME:
			if (!*optarg || *optarg == '.' ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789._-") != strlen(optarg) || strlen(optarg) > 100)
				rc = usage_value(x, "name", optarg,
						 "letters, digits, '.', '_' and '-' only");
			free(x->name);
			x->name = xstrdup(optarg);
			break;
		case OPT_SINCE:
			if (obs_time_parse_relative(optarg, obs_time_now(), &x->since, &err) < 0)
				rc = obs_cli_usage_error(d->synopsis, "%s: %s", d->name, err.msg);
			break;
		case OPT_RESET:
			x->reset_cursor = 1;
			break;
		case 'f':
			x->follow = 1;
			break;
		case OPT_BATCH:
			if (parse_count(optarg, &x->batch_records) < 0)
				rc = usage_value(x, "batch size", optarg, "expected a positive number");
			break;
		case OPT_BATCH_BYTES:
			if (parse_size(optarg, &x->batch_bytes) < 0)
				rc = usage_value(x, "size", optarg, "expected bytes, like 512k or 4M");
			break;
		case OPT_FLUSH:
		case OPT_POLL:
		case OPT_TIMEOUT:
		case OPT_DEADLINE:
		case OPT_RETRY_INITIAL:
		case OPT_RETRY_MAX:
			if (obs_duration_parse(optarg, &ns, &err) < 0) {
				rc = obs_cli_usage_error(d->synopsis, "%s: %s", d->name, err.msg);
				break;
			}
			if (c == OPT_FLUSH)
				x->flush_ns = ns;
			else if (c == OPT_POLL)
				x->poll_ns = ns > 10000000 ? ns : 10000000;
			else if (c == OPT_RETRY_INITIAL)
				x->cli_retry_initial = ns / 1000000 > LONG_MAX / 4 ? LONG_MAX / 4 :
						       (long)(ns / 1000000);
			else if (c == OPT_RETRY_MAX)
				x->cli_retry_max = ns / 1000000 > LONG_MAX / 4 ? LONG_MAX / 4 :
						   (long)(ns / 1000000);
			else if (c == OPT_TIMEOUT)
				x->cli_timeout = ns / 1000000 > LONG_MAX / 2 ? LONG_MAX / 2 :
						 (long)(ns / 1000000);
			else
				x->cli_deadline = ns / 1000000 > LONG_MAX / 2 ? LONG_MAX / 2 :
						  (long)(ns / 1000000);
			break;
		case OPT_COMPRESSION:
			if (!strcmp(optarg, "gzip"))
				x->compression = 1;
			else if (!strcmp(optarg, "none"))
				x->compression = 0;
			else
				rc = usage_value(x, "compression", optarg, "expected gzip or none");
			break;
		case 'H': {
			const char *eq = strchr(optarg, '=');
			char *name;

			if (!eq || eq == optarg) {
				/* Never echo it: it may hold a secret. */
				rc = obs_cli_usage_error(d->synopsis, "%s: invalid header: expected "
							 "NAME=VALUE", d->name);
				break;
			}
			name = xstrndup(optarg, (size_t)(eq - optarg));
			if (add_header(x, name, eq + 1, &err) < 0)
				rc = obs_cli_usage_error(d->synopsis, "%s: %s", d->name, err.msg);
			free(name);
			break;
		}
		case OPT_HEADER_FILE:
			rc = header_file(x, optarg);
			break;
		case OPT_CACERT:
			x->cli_cacert = optarg;
			break;
		case OPT_CERT:
			x->cli_cert = optarg;
			break;
		case OPT_KEY:
			x->cli_key = optarg;
			break;
		case 'k':
			x->cli_insecure = 1;
			break;
		case OPT_DEAD:
			free(x->dead_letter);
			x->dead_letter = xstrdup(optarg);
			break;
		case OPT_PROGRESS:
			x->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			x->progress = 0;
			break;
		case 'v':
			x->verbose = 1;
			break;
		case 'q':
			x->quiet = 1;
			break;
		case 'h':
			printf("usage: %s %s\n\n%s\n%s", obs_progname, d->synopsis,
			       d->options ? d->options : "", common_options);
			free(opts);
			return -1;
		case ':':
		case '?':
			rc = bad_option(x, argv, c);
			break;
		default:
			if (d->option)
				rc = d->option(x, c, optarg);
			else
				rc = bad_option(x, argv, c);
			break;
		}
	}
	free(opts);
	if (rc)
		return rc;
	if (!x->signals && !x->dest->default_signals)
		return obs_cli_usage_error(d->synopsis, "%s: --signal is required", d->name);
	rc = check_signals(x);
	if (rc)
		return rc;
	x->files = argv + optind;
	x->nfiles = argc - optind;
	if ((x->cli_cert != NULL) != (x->cli_key != NULL))
		return obs_cli_usage_error(d->synopsis, "%s: --cert and --key go together", d->name);
	if (d->own_encoding && x->compression == 1)
		return obs_cli_usage_error(d->synopsis, "%s: --compression: %s bodies have their "
					   "own compression", d->name, d->name);
	/* The destination reads its environment (OTEL_*) first; flags win over it. */
	x->http.gzip = d->default_gzip;
	if (d->setup && (rc = d->setup(x)) != 0)
		return rc;
	if (!x->url)
		return obs_cli_usage_error(d->synopsis, "%s: no URL: give --url", d->name);
	return exp_http_setup(x, &x->http);
	return 0;
}

/* ---- dead letters ---------------------------------------------------------------- */

static struct obs_http *client_of(struct exp *x, const char *signal);

/* Scrub TEXT of the secrets of the main client and of the one SIGNAL's requests use. */
static void scrub_all(struct exp *x, const char *signal, char *text)
{
	struct obs_http *h = client_of(x, signal);

	obs_http_scrub(&x->http, x->url, text);
	if (h != &x->http)
		obs_http_scrub(h, x->url, text);
}

/* Open the dead-letter file (under x->pipe->mu). */
static int dead_open(struct exp *x)
{
	struct obs_error err;
	char rel[256];

	if (x->dead_fd >= 0)
		return 0;
	if (!x->dead_path) {
		if (x->dead_letter) {
			x->dead_path = xstrdup(x->dead_letter);
		} else {
			snprintf(rel, sizeof(rel), "export/%s/dead-letter.ndjson", x->id);
			x->dead_path = obs_store_state_path(&x->st, rel, &err);
			if (!x->dead_path) {
				progress_clear(x);
				obs_warnx("%s", err.msg);
				return -1;
			}
		}
	}
	x->dead_fd = open(x->dead_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (x->dead_fd < 0) {
		progress_clear(x);
		obs_warn("cannot open dead-letter file '%s'", x->dead_path);
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One dead-letter line for record I; RESPONSE (may be NULL) is scrubbed and cut. */
static void dead_write(struct exp *x, struct exp_batch *b, size_t i, long status,
		       const char *reason, const char *response, size_t rlen)
{
	struct exp_item *it = &b->items[i];
	struct xbuf line = { 0 };
	char now[OBS_TIME_BUFSZ], url[1024], *resp = NULL;

	it->bad = 1;
	mu_lock(x);
	x->stats.dead++;
	if (dead_open(x) < 0) {
		x->failed = 1;
		mu_unlock(x);
		return;
	}
	exp_time_text(obs_time_now(), now, sizeof(now));
	obs_http_redact_url(x->url, x->url_secret_path ? OBS_HTTP_REDACT_PATH : 0, url,
			    sizeof(url));
	xb_str(&line, "{\"time\":\"");
	xb_str(&line, now);
	xb_str(&line, "\",\"destination\":");
	xb_json(&line, x->dest->name, strlen(x->dest->name));
	xb_str(&line, ",\"url\":");
	xb_json(&line, url, strlen(url));
	xb_str(&line, ",\"signal\":");
	xb_json(&line, b->signal, strlen(b->signal));
	xb_str(&line, ",\"source\":");
	{
		char src[PATH_MAX + 32];

		snprintf(src, sizeof(src), "%s:%llu", b->names[it->src],
			 (unsigned long long)it->lineno);
		xb_json(&line, src, strlen(src));
	}
	if (status)
		xb_fmt(&line, ",\"status\":%ld", status);
	if (reason) {
		char *r = xstrdup(reason);

		scrub_all(x, b->signal, r);
		xb_str(&line, ",\"error\":");
		xb_json(&line, r, strlen(r));
		free(r);
	}
	if (response && rlen) {
		size_t n = rlen > DEAD_RESPONSE_MAX ? DEAD_RESPONSE_MAX : rlen;

		resp = xstrndup(response, n);
		scrub_all(x, b->signal, resp);
		/* Not UTF-8 is possible: keep it valid JSON by escaping bytes as they are. */
		xb_str(&line, ",\"response\":");
		xb_json(&line, resp, strlen(resp));
		free(resp);
	}
	xb_str(&line, ",\"record\":");
	xb_raw(&line, exp_line(b, i), it->len);
	xb_str(&line, "}\n");
	if (write_all(x->dead_fd, line.p, line.len) < 0) {
		progress_clear(x);
		obs_warn("cannot write dead-letter file '%s'", x->dead_path);
		x->failed = 1;
	}
	mu_unlock(x);
	xb_release(&line);
}

void exp_dead_item(struct exp *x, struct exp_batch *b, size_t i, long status, const char *reason)
{
	dead_write(x, b, i, status, reason, NULL, 0);
}

/* Make the dead letters durable before the cursor moves past them. */
static int dead_sync(struct exp *x)
{
	int rc = 0;

	mu_lock(x);
	if (x->dead_fd >= 0 && fsync(x->dead_fd) < 0 && errno != EINVAL) {
		progress_clear(x);
		obs_warn("cannot write dead-letter file '%s'", x->dead_path);
		rc = -1;
	}
	mu_unlock(x);
	return rc;
}

void exp_refuse(struct exp *x, struct exp_batch *b, size_t i, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX];
	va_list ap;

	if (b->items[i].bad)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->items[i].bad = 1;
	mu_lock(x);
	x->stats.skipped++;
	progress_clear(x);
	obs_warnx("%s:%llu: %s", b->names[b->items[i].src],
		  (unsigned long long)b->items[i].lineno, msg);
	mu_unlock(x);
}

void exp_partial(struct exp *x, unsigned long long n, const char *message)
{
	mu_lock(x);
	x->stats.partial += n;
	progress_clear(x);
	obs_warnx("%s: the backend accepted the request but rejected %llu record%s%s%s",
		  x->dest->name, n, plural(n), message && *message ? ": " : "",
		  message ? message : "");
	mu_unlock(x);
}

/* ---- batches ---------------------------------------------------------------------- */

static void batch_clear(struct exp_batch *b)
{
	xb_reset(&b->text);
	b->n = 0;
	for (size_t i = 0; i + 1 < b->nnames; i++)
		free(b->names[i]);
	/* Keep the last name: the next record most likely comes from the same input. */
	if (b->nnames > 1) {
		b->names[0] = b->names[b->nnames - 1];
		b->nnames = 1;
	}
	b->opened = 0;
}

static void batch_release(struct exp_batch *b)
{
	xb_release(&b->text);
	free(b->items);
	for (size_t i = 0; i < b->nnames; i++)
		free(b->names[i]);
	free(b->names);
	free(b->signal);
	memset(b, 0, sizeof(*b));
}

/* Exchange the contents of a stream's batch S and a job's batch J; each keeps its signal. */
static void batch_swap(struct exp_batch *s, struct exp_batch *j)
{
	struct exp_batch t = *s;

	*s = *j;
	s->signal = t.signal;
	*j = t;
}

static void batch_add(struct exp_batch *b, const char *line, size_t len, const char *name,
		      uint64_t lineno, int64_t time)
{
	struct exp_item *it;

	if (!b->nnames || strcmp(b->names[b->nnames - 1], name)) {
		b->names = xrealloc(b->names, (b->nnames + 1) * sizeof(*b->names));
		b->names[b->nnames++] = xstrdup(name);
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->items = xrealloc(b->items, b->cap * sizeof(*b->items));
	}
	it = &b->items[b->n++];
	memset(it, 0, sizeof(*it));
	it->off = b->text.len;
	it->len = len;
	it->src = (uint32_t)(b->nnames - 1);
	it->lineno = lineno;
	it->time = time;
	xb_raw(&b->text, line, len);
	xb_char(&b->text, '\0');
	if (b->n == 1)
		b->opened = now_mono();
}

static int batch_full(const struct exp *x, const struct exp_batch *b)
{
	return b->n >= x->batch_records || b->text.len >= x->batch_bytes;
}

/* ---- delivery ---------------------------------------------------------------------- */

/* A stack of index lists still to send. */
struct todo {
	struct exp_idx *v;
	size_t n, cap;
};

static void todo_push(struct todo *t, struct exp_idx *l)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = *l;
	memset(l, 0, sizeof(*l));
}

static void todo_release(struct todo *t)
{
	for (size_t i = 0; i < t->n; i++)
		exp_idx_release(&t->v[i]);
	free(t->v);
}

static struct obs_http *client_of(struct exp *x, const char *signal)
{
	struct obs_http *h = x->dest->client ? x->dest->client(x, signal) : NULL;

	return h ? h : &x->http;
}

/* Send J's request REQ (its body compressed by job_compress when it is to be). */
static int send_req(struct exp *x, const struct exp_job *j, const struct exp_req *req,
		    struct obs_http_response *resp, struct obs_error *err)
{
	if (x->dest->send)
		return x->dest->send(x, req, resp, err);
	return obs_http_send(client_of(x, j->batch.signal), req->method ? req->method : "POST",
			     req->url ? req->url : x->url, req->content_type,
			     j->zipped ? j->gz.data : req->body, j->zipped ? j->gz.len : req->len,
			     resp, err);
}

static size_t count_good(const struct exp_batch *b, const struct exp_idx *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += !b->items[l->v[i]].bad;
	return n;
}

/* Drop the indices of records refused since the list was made. */
static void drop_bad(const struct exp_batch *b, struct exp_idx *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!b->items[l->v[i]].bad)
			l->v[k++] = l->v[i];
	l->n = k;
}

static void keep_str(struct xbuf *b, const char **s)
{
	if (*s) {
		xb_reset(b);
		xb_str(b, *s);
		*s = b->p;
	}
}

/* 1 if the engine compresses the bodies of H's requests. */
static int gz_client(const struct exp *x, const struct obs_http *h)
{
	for (size_t i = 0; i < x->ngz; i++)
		if (x->gz_clients[i] == h)
			return 1;
	return 0;
}

/*
 * Encode the records IDX of J's batch into REQ, copied into J: the
 * destination's buffers are reused by its next encode, which may run in
 * the other thread.
 */
static int job_encode(struct exp *x, struct exp_job *j, const struct exp_idx *idx,
		      struct exp_req *req, struct obs_error *err)
{
	int rc;

	memset(req, 0, sizeof(*req));
	pthread_mutex_lock(&x->pipe->dest_mu);
	rc = x->dest->encode(x, &j->batch, idx->v, idx->n, req, err);
	if (rc == 0) {
		xb_reset(&j->body);
		if (req->len)
			xb_raw(&j->body, req->body, req->len);
		req->body = j->body.p;
		keep_str(&j->url, &req->url);
		keep_str(&j->ctype, &req->content_type);
		keep_str(&j->method, &req->method);
	}
	pthread_mutex_unlock(&x->pipe->dest_mu);
	j->gzip = rc == 0 && req->len && !x->dest->send &&
		  gz_client(x, client_of(x, j->batch.signal));
	j->zipped = 0;
	return rc;
}

/* Compress J's body if it is to be and was not yet (gzip level 1, J's kept stream). */
static int job_compress(struct exp_job *j, struct obs_error *err)
{
	if (!j->gzip || j->zipped)
		return 0;
	if (obs_otlp_gzip(j->body.p, j->body.len, 1, &j->gz, err) < 0)
		return -1;
	j->zipped = 1;
	return 0;
}

/* Save the cursor J carries: its batch and everything before it were delivered. */
static int job_save_cursor(struct exp *x, struct exp_job *j)
{
	struct obs_error err;
	json_t *meta;
	char url[1024], now[OBS_TIME_BUFSZ];

	if (x->dest->save_state) {
		/* Stateful destinations are not pipelined: the state is this batch's. */
		json_decref(j->cursor.state);
		j->cursor.state = x->dest->save_state(x, j->s->signal);
	}
	obs_http_redact_url(x->url, x->url_secret_path ? OBS_HTTP_REDACT_PATH : 0, url,
			    sizeof(url));
	exp_time_text(obs_time_now(), now, sizeof(now));
	meta = json_pack("{s:s, s:s, s:s, s:s}", "destination", x->dest->name, "url", url,
			 "signal", j->s->signal, "updated", now);
	if (!meta) {
		obs_error_set(&err, "out of memory");
		goto fail;
	}
	if (obs_cursor_save(&j->cursor, j->s->cursor_path, meta, &err) < 0) {
		json_decref(meta);
		goto fail;
	}
	json_decref(meta);
	return 0;
fail:
	say(x, "%s", err.msg);
	x->gave_up = 1;
	return -1;
}

/*
 * Deliver job J (in the sender thread, or inline): send the request the
 * main thread encoded, split it when the server finds it too large,
 * dead-letter what it refuses for good, retry what it asks to, then save
 * the stream's cursor. 0 when every record was delivered or dead-lettered,
 * -1 when the run must stop (x->gave_up set, message printed; the cursor
 * stays).
 */
static int job_run(struct exp *x, struct exp_job *j)
{
	struct exp_batch *b = &j->batch;
	struct obs_http_response resp;
	struct obs_error err;
	struct todo todo = { 0 };
	int64_t started = now_mono();
	int item_retries = 0, rc = -1, encoded = j->first.n > 0;

	obs_http_response_init(&resp);
	if (j->first.n)
		todo_push(&todo, &j->first);
	while (todo.n > 0) {
		struct exp_idx cur = todo.v[--todo.n];
		struct exp_req req;
		struct exp_idx retry = { 0 };
		unsigned long long dead_before;
		int k;

		if (encoded) {
			req = j->req;
			encoded = 0;
			if (job_compress(j, &err) < 0) {
				say(x, "%s: %s", x->dest->name, err.msg);
				x->gave_up = 1;
				count(x, &x->stats.undelivered, count_good(b, &cur));
				exp_idx_release(&cur);
				goto out;
			}
		} else {
			drop_bad(b, &cur);
			if (!cur.n) {
				exp_idx_release(&cur);
				continue;
			}
			if (job_encode(x, j, &cur, &req, &err) < 0 || job_compress(j, &err) < 0) {
				say(x, "%s: %s", x->dest->name, err.msg);
				x->gave_up = 1;
				count(x, &x->stats.undelivered, count_good(b, &cur));
				exp_idx_release(&cur);
				goto out;
			}
			drop_bad(b, &cur);
			if (!req.len || !cur.n) {
				exp_idx_release(&cur);
				continue;
			}
		}
again:
		k = send_req(x, j, &req, &resp, &err);
		if (resp.attempts > 1)
			count(x, &x->stats.retries, (unsigned long long)resp.attempts - 1);
		if (k == 0 && resp.outcome == OBS_HTTP_DELIVERED) {
			mu_lock(x);
			dead_before = x->stats.dead;
			mu_unlock(x);
			if (x->dest->check) {
				pthread_mutex_lock(&x->pipe->dest_mu);
				k = x->dest->check(x, b, cur.v, cur.n, &resp, &retry, &err);
				pthread_mutex_unlock(&x->pipe->dest_mu);
			}
			if (k < 0) {
				say(x, "%s: %s", x->dest->name, err.msg);
				for (size_t i = 0; i < cur.n; i++)
					if (!b->items[cur.v[i]].bad)
						dead_write(x, b, cur.v[i], resp.status, err.msg,
							   resp.body, resp.len);
				exp_idx_release(&cur);
				exp_idx_release(&retry);
				continue;
			}
			mu_lock(x);
			x->stats.requests++;
			x->stats.bytes += req.len;
			x->stats.sent += cur.n - retry.n - (x->stats.dead - dead_before);
			mu_unlock(x);
			exp_verbose(x, "sent %zu %s (%zu bytes)%s", req.records ? req.records : cur.n,
				    b->signal, req.len, retry.n ? ", some to send again" : "");
			exp_idx_release(&cur);
			if (retry.n) {
				int64_t left = x->http.retry_deadline_ms * 1000000LL -
					       (now_mono() - started);
				long wait = obs_http_backoff_ms(&x->http, ++item_retries);

				count(x, &x->stats.retries, retry.n);
				if (x->http.retry_deadline_ms > 0 && left <= wait * 1000000LL &&
				    !x->follow) {
					say(x, "%s: giving up on %zu record%s the backend asked to "
					    "send again", x->dest->name, retry.n, plural(retry.n));
					count(x, &x->stats.undelivered, retry.n);
					exp_idx_release(&retry);
					x->gave_up = 1;
					goto out;
				}
				exp_verbose(x, "%zu record%s to send again in %ldms", retry.n,
					    plural(retry.n), wait);
				sleep_ns(wait * 1000000LL);
				todo_push(&todo, &retry);
			}
			continue;
		}
		if (resp.outcome == OBS_HTTP_REJECTED) {
			if ((resp.status == 413 || (resp.status == 400 && x->dest->split_rejected)) &&
			    cur.n > 1 && !x->dest->no_split) {
				struct exp_idx lo = { 0 }, hi = { 0 };

				exp_verbose(x, "%ld: splitting %zu records in two", resp.status, cur.n);
				for (size_t i = 0; i < cur.n; i++)
					exp_idx_push(i < cur.n / 2 ? &lo : &hi, cur.v[i]);
				todo_push(&todo, &hi);
				todo_push(&todo, &lo);
				exp_idx_release(&cur);
				continue;
			}
			say(x, "%s", err.msg);
			for (size_t i = 0; i < cur.n; i++)
				dead_write(x, b, cur.v[i], resp.status, err.msg, resp.body, resp.len);
			exp_idx_release(&cur);
			continue;
		}
		say(x, "%s", err.msg);
		if (resp.outcome == OBS_HTTP_GAVE_UP && x->follow && !stop_requested) {
			/* A long-running shipper waits for the backend to come back. */
			int64_t wait = (int64_t)x->http.retry_max_ms * 1000000LL;

			say(x, "%s: trying again in %lds", x->dest->name,
			    (long)(wait / OBS_NS_PER_SEC));
			sleep_ns(wait);
			if (!stop_requested)
				goto again;
		}
		mu_lock(x);
		x->stats.undelivered += count_good(b, &cur);
		for (size_t i = 0; i < todo.n; i++)
			x->stats.undelivered += count_good(b, &todo.v[i]);
		mu_unlock(x);
		exp_idx_release(&cur);
		x->gave_up = 1;
		goto out;
	}
	if (dead_sync(x) < 0) {
		x->gave_up = 1;
		goto out;
	}
	rc = 0;
	if (j->save && job_save_cursor(x, j) < 0)
		rc = -1;
out:
	todo_release(&todo);
	obs_http_response_release(&resp);
	return rc;
}

static void *sender_main(void *arg)
{
	struct exp *x = arg;
	struct exp_pipe *p = x->pipe;

	mu_lock(x);
	for (;;) {
		struct exp_job *j;

		while (!p->pending && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		j = p->pending;
		if (!j)
			break;
		mu_unlock(x);
		job_run(x, j);   /* a failure sets x->gave_up: the main thread stops */
		mu_lock(x);
		p->pending = NULL;
		pthread_cond_broadcast(&p->cv);
	}
	mu_unlock(x);
	return NULL;
}

/*
 * Start the sender thread, for destinations without state: a stateful one
 * (prepare, save_state) applies a batch to its state before its first
 * request and saves that state with the cursor, so it delivers inline,
 * one batch at a time. Without a thread, jobs run inline too.
 */
static void pipe_start(struct exp *x)
{
	struct exp_pipe *p = x->pipe;
	sigset_t block, old;

	if (x->dest->prepare || x->dest->save_state)
		return;
	/* SIGTERM and SIGINT go to the main thread, whose waits they interrupt. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	p->running = pthread_create(&p->thread, NULL, sender_main, x) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Wait until the sender delivered (or gave up on) what it has, and let it end. */
static void pipe_stop(struct exp *x)
{
	struct exp_pipe *p = x->pipe;

	if (!p->running)
		return;
	mu_lock(x);
	p->quit = 1;
	pthread_cond_broadcast(&p->cv);
	mu_unlock(x);
	pthread_join(p->thread, NULL);
	p->running = 0;
}

/* Hand J to the sender, once it is done with the one before; or run J here. 0 or -1. */
static int pipe_put(struct exp *x, struct exp_job *j)
{
	struct exp_pipe *p = x->pipe;
	int rc = 0;

	if (!p->running)
		return job_run(x, j);
	mu_lock(x);
	while (p->pending) {
		/* The sender is busy: compress here rather than wait (else it does). */
		if (j->first.n && j->gzip && !j->zipped) {
			struct obs_error err;
			int k;

			mu_unlock(x);
			k = job_compress(j, &err);
			if (k < 0) {
				say(x, "%s: %s", x->dest->name, err.msg);
				x->gave_up = 1;
			}
			mu_lock(x);
			if (k < 0)
				break;
			continue;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
	if (x->gave_up) {
		/* The sender gave up on the batch before: this one was read, not sent. */
		x->stats.undelivered += j->first.n;
		rc = -1;
	} else {
		p->pending = j;
		p->spare = j == &p->jobs[0] ? &p->jobs[1] : &p->jobs[0];
		pthread_cond_broadcast(&p->cv);
	}
	mu_unlock(x);
	return rc;
}

/*
 * Send stream S's batch: encode the request for all its records here, note
 * where the cursor goes after them, and hand it to the sender (which
 * sends it while this thread reads and encodes the next batch). An empty
 * batch of a store stream carries only the cursor, past lines that were
 * skipped. 0, or -1 when the run must stop (x->gave_up set, message
 * printed; the cursor stays after the last acknowledged batch).
 */
static int submit(struct exp *x, struct exp_stream *s)
{
	struct exp_job *j = x->pipe->spare;
	struct exp_batch *b = &j->batch;
	struct obs_error err;

	if (x->gave_up) {
		/* Read after the sender gave up on the batch before: not delivered. */
		count(x, &x->stats.undelivered, s->batch.n);
		return -1;
	}
	if (!s->batch.n && !s->from_store)
		return 0;
	batch_clear(b);
	batch_swap(&s->batch, b);
	j->s = s;
	j->first.n = 0;
	j->save = s->from_store;
	if (b->n) {
		if (x->dest->prepare && x->dest->prepare(x, b, &err) < 0) {
			say(x, "%s: %s", x->dest->name, err.msg);
			x->gave_up = 1;
			return -1;
		}
		for (size_t i = 0; i < b->n; i++)
			if (!b->items[i].bad)
				exp_idx_push(&j->first, i);
		if (j->first.n && job_encode(x, j, &j->first, &j->req, &err) < 0) {
			say(x, "%s: %s", x->dest->name, err.msg);
			x->gave_up = 1;
			count(x, &x->stats.undelivered, count_good(b, &j->first));
			return -1;
		}
		drop_bad(b, &j->first);
		if (!j->req.len)
			j->first.n = 0;
	}
	if (j->save) {
		if (obs_cursor_reader_save(&s->rd, &j->cursor, &err) < 0) {
			say(x, "%s", err.msg);
			x->gave_up = 1;
			return -1;
		}
		if (!x->dest->save_state) {
			json_decref(j->cursor.state);
			j->cursor.state = s->cursor.state ? json_deep_copy(s->cursor.state) : NULL;
		}
		s->dirty = 0;
	}
	return pipe_put(x, j);
}

static void job_release(struct exp_job *j)
{
	j->batch.signal = NULL;   /* the stream's */
	batch_release(&j->batch);
	exp_idx_release(&j->first);
	xb_release(&j->body);
	xb_release(&j->url);
	xb_release(&j->ctype);
	xb_release(&j->method);
	obs_otlp_buf_release(&j->gz);
	obs_cursor_release(&j->cursor);
}

/* ---- streams and cursors -------------------------------------------------------------- */

static struct exp_stream *stream_new(struct exp *x, const char *signal)
{
	struct exp_stream *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	s->signal = xstrdup(signal);
	s->batch.signal = xstrdup(signal);
	obs_cursor_init(&s->cursor);
	x->streams = xrealloc(x->streams, (x->nstreams + 1) * sizeof(*x->streams));
	x->streams[x->nstreams++] = s;
	return s;
}

static void stream_free(struct exp_stream *s)
{
	if (s->rd_open)
		obs_cursor_reader_close(&s->rd);
	obs_cursor_release(&s->cursor);
	batch_release(&s->batch);
	free(s->cursor_path);
	free(s->signal);
	free(s);
}

static struct exp_stream *stream_find(struct exp *x, const char *signal)
{
	for (size_t i = 0; i < x->nstreams; i++)
		if (!strcmp(x->streams[i]->signal, signal))
			return x->streams[i];
	return NULL;
}

/* The cursor id: --name, or the destination and a hash of what tells it apart. */
static void make_id(struct exp *x)
{
	const char *ident = x->identity ? x->identity : x->url;
	char *id;

	if (x->name) {
		x->id = xstrdup(x->name);
		return;
	}
	id = xmalloc(strlen(x->dest->name) + 18);
	sprintf(id, "%s-%016llx", x->dest->name,
		(unsigned long long)obs_cursor_hash(OBS_CURSOR_HASH_INIT, ident, strlen(ident)));
	x->id = id;
}

/* Lock the destination's cursors for this run. 0, or an exit status. */
static int lock_id(struct exp *x)
{
	struct obs_error err;
	char rel[256], *path;

	snprintf(rel, sizeof(rel), "export/%s/lock", x->id);
	path = obs_store_state_path(&x->st, rel, &err);
	if (!path) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	x->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (x->lock_fd < 0) {
		obs_warn("cannot open '%s'", path);
		free(path);
		return OBS_EXIT_FAILURE;
	}
	if (flock(x->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			obs_warnx("%s: destination '%s' is busy: another obs-export holds '%s'",
				  x->dest->name, x->id, path);
		else
			obs_warn("cannot lock '%s'", path);
		free(path);
		return OBS_EXIT_FAILURE;
	}
	free(path);
	return 0;
}

/* Open the store streams: cursor, state, reader. 0 or an exit status. */
static int open_store_streams(struct exp *x)
{
	struct obs_error err;

	for (const char *p = x->signals; *p;) {
		size_t k = strcspn(p, ",");
		char *sig = xstrndup(p, k), rel[300];
		struct exp_stream *s = stream_new(x, sig);
		int found;

		free(sig);
		p += k + (p[k] == ',');
		s->from_store = 1;
		snprintf(rel, sizeof(rel), "export/%s/%s.json", x->id, s->signal);
		s->cursor_path = obs_store_state_path(&x->st, rel, &err);
		if (!s->cursor_path) {
			obs_warnx("%s", err.msg);
			return OBS_EXIT_FAILURE;
		}
		if (x->reset_cursor && unlink(s->cursor_path) < 0 && errno != ENOENT) {
			obs_warn("cannot remove '%s'", s->cursor_path);
			return OBS_EXIT_FAILURE;
		}
		if (obs_cursor_load(&s->cursor, s->cursor_path, &found, &err) < 0) {
			obs_warnx("%s (--reset-cursor starts over)", err.msg);
			return OBS_EXIT_FAILURE;
		}
		if (found && s->cursor.state && x->dest->load_state &&
		    x->dest->load_state(x, s->signal, s->cursor.state, &err) < 0) {
			obs_warnx("state file '%s' is corrupt: %s (--reset-cursor starts over)",
				  s->cursor_path, err.msg);
			return OBS_EXIT_FAILURE;
		}
		if (obs_cursor_reader_open(&s->rd, &x->st, s->signal, &s->cursor, &err) < 0) {
			obs_warnx("%s", err.msg);
			return OBS_EXIT_FAILURE;
		}
		s->rd_open = 1;
		s->rd.warn = reader_warn;
		s->rd.warn_ctx = x;
		exp_verbose(x, "%s: cursor '%s'%s", s->signal, s->cursor_path,
			    found ? "" : " (new: from the start of the store)");
	}
	return 0;
}

/* ---- reading records -------------------------------------------------------------------- */

/* The signal a record's "type" belongs to. */
static void type_signal(struct obs_jscan *js, char *buf, size_t size)
{
	char type[64];

	if (exp_field(js, "type", type, sizeof(type)) < 0 || !*type ||
	    strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(type))
		snprintf(buf, size, "records");
	else if (!strcmp(type, "span"))
		snprintf(buf, size, "spans");
	else if (!strcmp(type, "metric"))
		snprintf(buf, size, "metrics");
	else if (!strcmp(type, "log"))
		snprintf(buf, size, "logs");
	else
		snprintf(buf, size, "%ss", type);
}

/*
 * One line read: check it, filter it, route it, batch it, and send a full
 * batch. S is the store stream it came from (NULL: a pipe or file, routed
 * by its type). -1 when the run must stop.
 */
static int take_line(struct exp *x, struct exp_stream *s, const char *line, size_t len,
		     const char *name, uint64_t lineno, int64_t day)
{
	struct obs_error err;
	int64_t t = 0;
	int tok;
	char type[80];

	if (x->since != OBS_TIME_MIN && s && day <= OBS_TIME_MAX - DAY_NS &&
	    day + DAY_NS <= x->since) {
		count(x, &x->stats.older, 1);
		return 0;
	}
	/*
	 * From the store, with no --since, the destination's own check is
	 * enough: the line is not parsed twice (this is the hot path).
	 */
	if (s && x->since == OBS_TIME_MIN && x->dest->checks_json) {
		batch_add(&s->batch, line, len, name, lineno, 0);
		return batch_full(x, &s->batch) ? submit(x, s) : 0;
	}
	if (obs_jscan_parse(&x->js, line, len, &err) < 0) {
		say(x, "%s:%llu: %s", name, (unsigned long long)lineno, err.msg);
		count(x, &x->stats.skipped, 1);
		return 0;
	}
	if (!s) {
		type_signal(&x->js, type, sizeof(type));
		if (!in_list(x->signals, type)) {
			if (x->dest->signals) {
				say(x, "%s:%llu: not a %s record", name, (unsigned long long)lineno,
				    !strcmp(x->signals, "spans") ? "span" :
				    !strcmp(x->signals, "metrics") ? "metric" :
				    !strcmp(x->signals, "logs") ? "log" : "span, metric or log");
				count(x, &x->stats.skipped, 1);
			} else {
				/* not selected: counted with the filtered */
				count(x, &x->stats.older, 1);
			}
			return 0;
		}
		s = stream_find(x, type);
		if (!s)
			s = stream_new(x, type);
	}
	tok = obs_jscan_get(&x->js, 0, !strcmp(s->signal, "spans") ? "start" : "time");
	if (obs_jscan_time(&x->js, tok, &t) < 0)
		t = 0;
	if (x->since != OBS_TIME_MIN && tok >= 0 && t < x->since) {
		count(x, &x->stats.older, 1);
		return 0;
	}
	batch_add(&s->batch, line, len, name, lineno, t);
	if (batch_full(x, &s->batch))
		return submit(x, s);
	return 0;
}

/* Read what the store holds now for stream S, sending full batches. -1 to stop. */
static int pump_store(struct exp *x, struct exp_stream *s)
{
	struct obs_error err;
	const char *line;
	size_t len;
	int k;

	while (!stop_requested) {
		k = obs_cursor_reader_next(&s->rd, &line, &len, &err);
		if (k == 0)
			break;
		if (k < 0) {
			say(x, "%s", err.msg);
			x->failed = 1;
			s->dirty = 1;
			continue;
		}
		s->dirty = 1;
		if (take_line(x, s, line, len, s->rd.path, s->rd.lineno, s->rd.day) < 0)
			return -1;
		progress(x, s, 0);
	}
	return 0;
}

/* Send the partial batches that waited long enough (or all of them with FORCE). -1 to stop. */
static int flush_due(struct exp *x, int force)
{
	int64_t now = now_mono();

	for (size_t i = 0; i < x->nstreams; i++) {
		struct exp_stream *s = x->streams[i];

		if (s->batch.n && (force || now - s->batch.opened >= x->flush_ns) &&
		    submit(x, s) < 0)
			return -1;
		/*
		 * Lines skipped since the last batch: the cursor moves past them
		 * too, once the batches before them are delivered.
		 */
		if (s->from_store && s->dirty && !s->batch.n && submit(x, s) < 0)
			return -1;
	}
	return 0;
}

/* Time until the oldest partial batch is due, or DEFAULT_NS. */
static int64_t next_due(struct exp *x, int64_t default_ns)
{
	int64_t now = now_mono(), wait = default_ns;

	for (size_t i = 0; i < x->nstreams; i++) {
		struct exp_batch *b = &x->streams[i]->batch;

		if (b->n) {
			int64_t left = b->opened + x->flush_ns - now;

			if (left < wait)
				wait = left;
		}
	}
	return wait < 0 ? 0 : wait;
}

static int run_store(struct exp *x)
{
	struct obs_error err;

	for (;;) {
		for (size_t i = 0; i < x->nstreams && !x->gave_up; i++) {
			struct exp_stream *s = x->streams[i];

			if (pump_store(x, s) < 0)
				break;
			progress(x, s, 1);
			if (!x->follow && !stop_requested && flush_due(x, 1) < 0)
				break;
		}
		if (x->gave_up || !x->follow || stop_requested)
			break;
		if (flush_due(x, 0) < 0)
			break;
		sleep_ns(next_due(x, x->poll_ns));
		for (size_t i = 0; i < x->nstreams; i++) {
			if (obs_cursor_reader_refresh(&x->streams[i]->rd, &err) < 0) {
				say(x, "%s", err.msg);
				x->failed = 1;
			}
		}
	}
	if (!x->gave_up)
		flush_due(x, 1);
	return 0;
}

static void input_warn(void *ctx, const char *msg)
{
	struct exp *x = ctx;

	count(x, &x->stats.skipped, !strstr(msg, ": torn last line (no newline at end)") ||
				     strstr(msg, ", skipped") != NULL);
	say(x, "%s", msg);
}

/* Files and pipes: no cursor; records routed by type; partial batches sent on time. */
static int run_inputs(struct exp *x)
{
	static char *stdin_name[] = { (char *)"-" };
	char **files = x->nfiles ? x->files : stdin_name;
	int nfiles = x->nfiles ? x->nfiles : 1;

	for (int f = 0; f < nfiles && !x->gave_up && !stop_requested; f++) {
		struct obs_ndjson_reader rd;
		struct obs_error err;
		const char *line;
		size_t len;
		int k;

		if (obs_ndjson_open(&rd, files[f], &err) < 0) {
			say(x, "%s", err.msg);
			x->failed = 1;
			obs_ndjson_close(&rd);
			continue;
		}
		rd.warn = input_warn;
		rd.warn_ctx = x;
		for (;;) {
			if (!obs_ndjson_line_ready(&rd)) {
				struct pollfd pfd[2] = { { rd.fd, POLLIN, 0 },
							 { stop_pipe[0], POLLIN, 0 } };
				int64_t wait = next_due(x, -1);
				int timeout = wait < 0 ? -1 : (int)(wait / 1000000) + 1;

				k = poll(pfd, stop_pipe[0] >= 0 ? 2 : 1, timeout);
				if (stop_requested)
					break;
				if (k == 0) {
					if (flush_due(x, 0) < 0)
						break;
					continue;
				}
			}
			k = obs_ndjson_next_line(&rd, &line, &len, &err);
			if (k == 0)
				break;
			if (k < 0) {
				say(x, "%s", err.msg);
				x->failed = 1;
				break;
			}
			if (take_line(x, NULL, line, len, rd.name, rd.lineno, 0) < 0)
				break;
		}
		obs_ndjson_close(&rd);
	}
	if (!x->gave_up)
		flush_due(x, 1);
	return 0;
}

/* ---- the summary --------------------------------------------------------------------------- */

static void summary(struct exp *x)
{
	struct exp_stats *st = &x->stats;
	char bytes[32];
	int notable = st->dead || st->skipped || x->gave_up || x->failed || st->partial ||
		      st->retries;

	if (x->quiet || !(x->verbose || obs_cli_isatty(STDERR_FILENO) || notable))
		return;
	fmt_bytes(st->bytes, bytes, sizeof(bytes));
	obs_warnx("%s: %llu record%s sent (%s in %llu request%s), %llu retr%s, %llu "
		  "dead-lettered, %llu skipped", x->dest->name, st->sent, plural(st->sent), bytes,
		  st->requests, plural(st->requests), st->retries, st->retries == 1 ? "y" : "ies",
		  st->dead, st->skipped);
	if (st->older)
		obs_warnx("%s: %llu record%s older than --since or of other signals not sent",
			  x->dest->name, st->older, plural(st->older));
	if (st->dead)
		obs_warnx("%s: %llu record%s dead-lettered to '%s'", x->dest->name, st->dead,
			  plural(st->dead), x->dead_path ? x->dead_path : "?");
	if (x->gave_up && x->nstreams && x->streams[0]->from_store)
		obs_warnx("%s: gave up: the cursor stays after the last acknowledged batch, the "
			  "next run sends the rest", x->dest->name);
	else if (x->gave_up && st->undelivered)
		obs_warnx("%s: %llu record%s read but not delivered", x->dest->name,
			  st->undelivered, plural(st->undelivered));
}

/* ---- main ---------------------------------------------------------------------------------- */

int exp_main(const struct exp_dest *dest, int argc, char **argv)
{
	struct exp x;
	struct exp_pipe pp;
	struct obs_error err;
	struct sigaction sa;
	int rc, from_store;

	memset(&x, 0, sizeof(x));
	x.dest = dest;
	x.since = OBS_TIME_MIN;
	x.batch_records = 1000;
	x.batch_bytes = 4 * 1024 * 1024;
	x.flush_ns = OBS_NS_PER_SEC;
	x.poll_ns = OBS_NS_PER_SEC;
	x.compression = -1;
	x.progress = -1;
	x.lock_fd = -1;
	x.dead_fd = -1;
	x.cli_timeout = x.cli_deadline = x.cli_retry_initial = x.cli_retry_max = -1;
	x.cli_insecure = -1;
	obs_http_init(&x.http);
	obs_jscan_init(&x.js);
	memset(&pp, 0, sizeof(pp));
	pthread_mutex_init(&pp.mu, NULL);
	pthread_mutex_init(&pp.dest_mu, NULL);
	pthread_cond_init(&pp.cv, NULL);
	for (int i = 0; i < 2; i++)
		obs_cursor_init(&pp.jobs[i].cursor);
	pp.spare = &pp.jobs[0];
	x.pipe = &pp;

	rc = parse_options(&x, argc, argv);
	if (rc < 0) {
		rc = obs_cli_finish(OBS_EXIT_OK);
		goto out;
	}
	if (rc)
		goto out;
	from_store = x.nfiles == 0 && !obs_source_stdin_is_data();
	if (x.progress < 0)
		x.progress = from_store && !x.follow && !x.quiet && !x.verbose &&
			     obs_cli_isatty(STDERR_FILENO);
	if (!from_store || x.quiet)
		x.progress = x.progress > 0 && from_store && !x.quiet;
	if (obs_store_open(&x.st, NULL, &err) < 0) {
		obs_warnx("%s", err.msg);
		rc = OBS_EXIT_FAILURE;
		goto out;
	}
	x.st_open = 1;
	make_id(&x);
	{
		char shown[1024];

		obs_http_redact_url(x.url, x.url_secret_path ? OBS_HTTP_REDACT_PATH : 0, shown,
				    sizeof(shown));
		exp_verbose(&x, "sending to '%s' as '%s'", shown, x.id);
	}
	if (from_store) {
		rc = lock_id(&x);
		if (rc)
			goto out;
		rc = open_store_streams(&x);
		if (rc)
			goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		stop_pipe[0] = stop_pipe[1] = -1;   /* waits are not cut short then */

	pipe_start(&x);
	if (from_store)
		run_store(&x);
	else
		run_inputs(&x);
	pipe_stop(&x);
	progress_clear(&x);
	summary(&x);
	if (x.gave_up || x.failed)
		rc = OBS_EXIT_FAILURE;
	else if (x.stats.dead)
		rc = OBS_EXIT_FOUND;
	else
		rc = OBS_EXIT_OK;
out:
	for (int i = 0; i < 2; i++)
		job_release(&pp.jobs[i]);
	pthread_cond_destroy(&pp.cv);
	pthread_mutex_destroy(&pp.dest_mu);
	pthread_mutex_destroy(&pp.mu);
	for (int i = 0; i < 2; i++) {
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
		stop_pipe[i] = -1;
	}
	if (dest->cleanup)
		dest->cleanup(&x);
	for (size_t i = 0; i < x.nstreams; i++)
		stream_free(x.streams[i]);
	free(x.streams);
	if (x.dead_fd >= 0)
		close(x.dead_fd);
	if (x.lock_fd >= 0)
		close(x.lock_fd);
	if (x.st_open)
		obs_store_release(&x.st);
	obs_jscan_release(&x.js);
	obs_http_release(&x.http);
	free(x.url);
	free(x.identity);
	free(x.name);
	free(x.signals);
	free(x.dead_letter);
	free(x.dead_path);
	free(x.id);
	for (size_t i = 0; i < x.nhdrs; i++) {
		free(x.hdr_names[i]);
		free(x.hdr_values[i]);
	}
	free(x.hdr_names);
	free(x.hdr_values);
	return rc;
}
