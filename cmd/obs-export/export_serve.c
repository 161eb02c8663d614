/* SPDX-License-Identifier: MIT */
/* obs-export serve: /metrics for Prometheus, /healthz, and OTLP/HTTP receivers writing into the store. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_httpd.h"
#include "obs_import.h"
#include "obs_otlp.h"
#include "obs_otlp_json.h"
#include "obs_pb.h"
#include "obs_promfeed.h"
#include "obs_promtext.h"
#include "obs_store.h"
#include "obs_time.h"

#define DEFAULT_LISTEN "127.0.0.1:9464"
#define TOKEN_MAX 4096
/* Rejection reasons told on stderr (-v) per request; the rest are counted. */
#define MAX_REASONS 5

static const char serve_synopsis[] = "serve [options]";
static const char serve_options[] =
	"Serves the store over HTTP: GET /metrics (the metric records in the\n"
	"Prometheus text format, for scraping), GET /healthz, and the OTLP/HTTP\n"
	"receivers POST /v1/traces, /v1/metrics and /v1/logs (protobuf or JSON,\n"
	"optionally gzip-compressed), which write what they receive into the store.\n"
	"The bound address is printed on the first line of standard output.\n"
	"\n"
	"options:\n"
	"  -l, --listen ADDR          HOST:PORT, [IPV6]:PORT, :PORT (all addresses) or\n"
	"                             PORT (default " DEFAULT_LISTEN "; port 0: any free one)\n"
	"      --token-file FILE      require \"Authorization: Bearer TOKEN\" with the token\n"
	"                             in FILE (default: $OBS_SERVE_TOKEN, if set)\n"
	"      --max-body SIZE        largest request body (default 4M); more: 413\n"
	"      --max-decompressed SIZE  largest gzip body once decompressed (default 16M)\n"
	"      --max-connections N    connections served at once (default 64)\n"
	"      --metrics-window DURATION  /metrics from the records of the last DURATION\n"
	"                             only (default: everything the store holds)\n"
	"      --buckets LIST         histogram bucket bounds for observations in /metrics\n"
	"                             (default .005,.01,.025,.05,.1,.25,.5,1,2.5,5,10)\n"
	"      --shutdown-timeout DURATION  how long requests in flight may take to\n"
	"                             finish after SIGTERM or SIGINT (default 10s)\n"
	"  -v, --verbose              one line per request on standard error\n"
	"  -h, --help                 show this help\n"
	"\n"
	"Counters recorded as deltas are served as running totals over the records\n"
	"the store holds (or the window); see obs-export(1).\n"
	"Exit status: 0 stopped by SIGTERM or SIGINT; 2 usage error (an invalid\n"
	"option, address or token file); 3 the address could not be listened on.\n";

struct serve {
	struct obs_store store;
	int verbose;
	int64_t window;            /* /metrics: 0 for everything */
	double *buckets;
	size_t nbuckets;
	pthread_mutex_t feed_lock;
	struct obs_promfeed feed;  /* /metrics, kept between scrapes */
	unsigned long told_skipped;
};

/* ---- logging ------------------------------------------------------------------- */

/*
 * One diagnostic line, whole, whatever other threads write. Messages may
 * quote what clients sent (paths, ids): control characters become '?', so
 * a client cannot write lines of its own into the log.
 */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[2048], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	flockfile(stderr);
	obs_warnx("%s", line);
	funlockfile(stderr);
}

static void log_request(void *ctx, const struct obs_httpd_log *e)
{
	struct serve *s = ctx;
	char dur[32];

	if (!s->verbose)
		return;
	obs_duration_format(e->ns, dur, sizeof(dur));
	say("%s %.30s %.255s %u in %zu out %zu %s", e->remote, e->method, e->path, e->status,
	    e->in_bytes, e->out_bytes, dur);
}

static void log_warn(void *ctx, const char *msg)
{
	struct serve *s = ctx;

	if (s->verbose)
		say("http: %s", msg);
}

/* ---- /healthz ------------------------------------------------------------------- */

static void serve_healthz(void *ctx, const struct obs_httpd_request *req,
			  struct obs_httpd_response *resp)
{
	(void)ctx;
	(void)req;
	obs_httpd_set_text(resp, 200, "ok");
}

/* ---- /metrics ------------------------------------------------------------------- */

static const char prom_content_type[] = "text/plain; version=0.0.4; charset=utf-8";

/*
 * The exposition is kept between scrapes (obs_promfeed): each scrape reads
 * only what was appended since the one before. Scrapes take turns.
 */
static void serve_metrics(void *ctx, const struct obs_httpd_request *req,
			  struct obs_httpd_response *resp)
{
	struct serve *s = ctx;
	struct obs_error err;
	size_t len;
	char *text = NULL;

	(void)req;
	pthread_mutex_lock(&s->feed_lock);
	if (obs_promfeed_refresh(&s->feed, obs_time_now(), &err) == 0)
		text = obs_promfeed_text(&s->feed, &len, &err);
	if (text && s->verbose && s->feed.skipped != s->told_skipped && s->feed.skipped)
		say("/metrics: %lu record%s skipped (first: %s)", s->feed.skipped,
		    s->feed.skipped == 1 ? "" : "s", s->feed.problem);
	s->told_skipped = s->feed.skipped;
	pthread_mutex_unlock(&s->feed_lock);
	if (!text) {
		say("/metrics: %s", err.msg);
		obs_httpd_set_text(resp, 500, "cannot read the store");
		return;
	}
	obs_httpd_set_take(resp, 200, prom_content_type, text, len);
}

/* ---- OTLP receivers ----------------------------------------------------------- */

/* google.rpc.Code values used in Status bodies. */
enum { RPC_INVALID_ARGUMENT = 3, RPC_INTERNAL = 13, RPC_UNAVAILABLE = 14 };

/* One request's records on their way to the store. */
struct receive {
	struct serve *s;
	enum obs_otlp_signal sig;
	struct obs_store_batch batch;
	unsigned long stored;
	unsigned long rejected;
	char first[OBS_ERROR_MAX];      /* the first rejection's reason */
	int told;                       /* reasons said (-v) */
	int sink_failed;
};

static int receive_emit(void *ctx, json_t *rec, int64_t time_ns, struct obs_error *err)
{
	struct receive *r = ctx;
	int rc = obs_store_batch_add_json(&r->batch, time_ns, rec, err);

	json_decref(rec);
	if (rc < 0) {
		r->sink_failed = 1;
		return -1;
	}
	r->stored++;
	return 0;
}

static void receive_warn(void *ctx, const char *msg)
{
	struct receive *r = ctx;

	if (!r->rejected++)
		snprintf(r->first, sizeof(r->first), "%s", msg);
	if (r->s->verbose && r->told++ < MAX_REASONS)
		say("%s: rejected %s", obs_otlp_path(r->sig), msg);
}

/* The encoding a Content-Type announces: 0 and *enc, or -1 if neither. */
static int content_encoding(const char *ct, enum obs_otlp_encoding *enc)
{
	size_t n;

	if (!ct)
		return -1;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, ";");
	while (n > 0 && ct[n - 1] == ' ')
		n--;
	if ((n == 22 && !strncasecmp(ct, "application/x-protobuf", n)) ||
	    (n == 20 && !strncasecmp(ct, "application/protobuf", n))) {
		*enc = OBS_OTLP_PROTOBUF;
		return 0;
	}
	if (n == 16 && !strncasecmp(ct, "application/json", n)) {
		*enc = OBS_OTLP_JSON;
		return 0;
	}
	return -1;
}

/* An error answer: a google.rpc.Status in the request's encoding, as OTLP/HTTP asks. */
static void otlp_error(struct obs_httpd_response *resp, enum obs_otlp_encoding enc,
		       unsigned status, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void otlp_error(struct obs_httpd_response *resp, enum obs_otlp_encoding enc,
		       unsigned status, int code, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (enc == OBS_OTLP_PROTOBUF) {
		struct obs_pb_writer w;
		uint8_t *body;
		size_t len = 0;

		obs_pb_writer_init(&w);
		obs_pb_put_uint64(&w, 1, (uint64_t)code);
		obs_pb_put_string(&w, 2, msg);
		body = obs_pb_writer_detach(&w, &len);
		if (!body || obs_httpd_set_take(resp, status, "application/x-protobuf", body, len) < 0)
			obs_httpd_set_text(resp, status, "%s", msg);
	} else {
		json_t *o = json_pack("{s:i,s:s}", "code", code, "message", msg);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

		json_decref(o);
		if (!text || obs_httpd_set_take(resp, status, "application/json", text,
						strlen(text)) < 0)
			obs_httpd_set_text(resp, status, "%s", msg);
	}
}

/*
 * The success answer: an empty Export*ServiceResponse, or one with
 * partial_success {rejected_<items>, error_message} when items were
 * rejected.
 */
static void otlp_success(struct obs_httpd_response *resp, enum obs_otlp_encoding enc,
			 const struct receive *r)
{
	static const char *const json_names[] = { "rejectedSpans", "rejectedDataPoints",
						  "rejectedLogRecords" };
	char msg[OBS_ERROR_MAX + 64];

	if (r->rejected)
		snprintf(msg, sizeof(msg), "%lu rejected; the first: %s", r->rejected, r->first);
	if (enc == OBS_OTLP_PROTOBUF) {
		struct obs_pb_writer w;
		uint8_t *body = NULL;
		size_t len = 0;

		if (!r->rejected) {
			obs_httpd_set(resp, 200, "application/x-protobuf", "", 0);
			return;
		}
		obs_pb_writer_init(&w);
		obs_pb_begin(&w, 1);
		obs_pb_put_uint64(&w, 1, r->rejected);
		obs_pb_put_string(&w, 2, msg);
		obs_pb_end(&w);
		body = obs_pb_writer_detach(&w, &len);
		if (!body)
			obs_httpd_set_text(resp, 500, "out of memory");
		else
			obs_httpd_set_take(resp, 200, "application/x-protobuf", body, len);
	} else {
		json_t *o = json_object(), *ps = json_object();
		char count[32], *text = NULL;

		if (!r->rejected) {
			json_decref(o);
			json_decref(ps);
			obs_httpd_set(resp, 200, "application/json", "{}", 2);
			return;
		}
		/* int64 fields are strings in the protobuf JSON mapping. */
		snprintf(count, sizeof(count), "%lu", r->rejected);
		if (o && ps && json_object_set_new(ps, json_names[r->sig], json_string(count)) == 0 &&
		    json_object_set_new(ps, "errorMessage", json_string(msg)) == 0 &&
		    json_object_set(o, "partialSuccess", ps) == 0)
			text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		json_decref(ps);
		if (!text)
			obs_httpd_set_text(resp, 500, "out of memory");
		else
			obs_httpd_set_take(resp, 200, "application/json", text, strlen(text));
	}
}

/* Decode BODY as SIG in ENC into R's batch. 0, or -1 with err (R->sink_failed tells which). */
static int otlp_decode(struct receive *r, enum obs_otlp_encoding enc,
		       const struct obs_httpd_request *req, struct obs_error *err)
{
	struct obs_otlp_decoder d;
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (enc == OBS_OTLP_PROTOBUF) {
		obs_otlp_decoder_init(&d, receive_emit, receive_warn, r);
		return obs_otlp_decode(&d, r->sig, req->body, req->len, err);
	}
	doc = json_loadb((const char *)req->body, req->len, 0, &jerr);
	if (!doc)
		return obs_error_set(err, "invalid JSON at line %d column %d: %s", jerr.line,
				     jerr.column, jerr.text);
	if (r->sig == OBS_OTLP_TRACES) {
		/* The very records `obs-trace import` makes of the same document. */
		struct obs_import im;

		obs_import_init(&im, receive_emit, receive_warn, r);
		rc = obs_import_otlp_json(&im, doc, err);
	} else {
		obs_otlp_decoder_init(&d, receive_emit, receive_warn, r);
		rc = obs_otlp_json_decode(&d, r->sig, doc, err);
	}
	json_decref(doc);
	return rc;
}

static void serve_otlp(struct serve *s, enum obs_otlp_signal sig,
		       const struct obs_httpd_request *req, struct obs_httpd_response *resp)
{
	static const char *const folders[] = { "spans", "metrics", "logs" };
	struct receive r;
	struct obs_error err;
	enum obs_otlp_encoding enc;

	if (content_encoding(req->content_type, &enc) < 0) {
		obs_httpd_set_text(resp, 415, "unsupported Content-Type '%.100s' (expected "
				   "application/x-protobuf or application/json)",
				   req->content_type ? req->content_type : "");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.sig = sig;
	obs_store_batch_init(&r.batch, &s->store, folders[sig]);
	r.batch.flush_bytes = 0;   /* one append per day, at the end */
	if (otlp_decode(&r, enc, req, &err) < 0) {
		if (r.sink_failed) {
			say("%s: %s", req->path, err.msg);
			otlp_error(resp, enc, 500, RPC_INTERNAL, "%s", err.msg);
		} else {
			if (s->verbose)
				say("%s: refused: %s", req->path, err.msg);
			otlp_error(resp, enc, 400, RPC_INVALID_ARGUMENT, "%s", err.msg);
		}
		goto out;
	}
	if (obs_store_batch_flush(&r.batch, &err) < 0) {
		say("%s: %s", req->path, err.msg);
		otlp_error(resp, enc, 503, RPC_UNAVAILABLE, "cannot write to the store");
		obs_httpd_add_header(resp, "Retry-After", "5");
		goto out;
	}
	if (s->verbose)
		say("%s: stored %lu %s record%s, %lu rejected", req->path, r.stored,
		    obs_otlp_record_type(sig), r.stored == 1 ? "" : "s", r.rejected);
	otlp_success(resp, enc, &r);
out:
	obs_store_batch_release(&r.batch);
}

static void serve_traces(void *ctx, const struct obs_httpd_request *req,
			 struct obs_httpd_response *resp)
{
	serve_otlp(ctx, OBS_OTLP_TRACES, req, resp);
}

static void serve_metrics_in(void *ctx, const struct obs_httpd_request *req,
			     struct obs_httpd_response *resp)
{
	serve_otlp(ctx, OBS_OTLP_METRICS, req, resp);
}

static void serve_logs(void *ctx, const struct obs_httpd_request *req,
		       struct obs_httpd_response *resp)
{
	serve_otlp(ctx, OBS_OTLP_LOGS, req, resp);
}

static const struct obs_httpd_route routes[] = {
	{ "/healthz", OBS_HTTPD_GET, 1, serve_healthz },
	{ "/metrics", OBS_HTTPD_GET, 0, serve_metrics },
	{ "/v1/traces", OBS_HTTPD_POST, 0, serve_traces },
	{ "/v1/metrics", OBS_HTTPD_POST, 0, serve_metrics_in },
	{ "/v1/logs", OBS_HTTPD_POST, 0, serve_logs },
	{ NULL, 0, 0, NULL },
};

/* ---- options ---------------------------------------------------------------------- */

/* A token: printable ASCII without spaces (RFC 6750's b64token is stricter). */
static int token_valid(const char *t)
{
	const unsigned char *p;

	for (p = (const unsigned char *)t; *p; p++)
		if (*p <= ' ' || *p >= 127)
			return 0;
	return *t != '\0';
}

/* Read the token from PATH into *TOKEN (caller frees). 0, or an exit status. */
static int read_token(const char *path, char **token)
{
	char buf[TOKEN_MAX + 2];
	size_t n = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		obs_warn("cannot open token file '%s'", path);
		return OBS_EXIT_USAGE;
	}
	while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			obs_warn("cannot read token file '%s'", path);
			close(fd);
			return OBS_EXIT_USAGE;
		}
		n += (size_t)got;
	}
	close(fd);
	if (n > TOKEN_MAX) {
		obs_warnx("token file '%s' is too large (more than %d bytes)", path, TOKEN_MAX);
		return OBS_EXIT_USAGE;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
			 buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (!n) {
		obs_warnx("token file '%s' is empty", path);
		return OBS_EXIT_USAGE;
	}
	if (strlen(buf) != n || !token_valid(buf)) {
		obs_warnx("token file '%s': the token must be one line of printable characters "
			  "without spaces", path);
		return OBS_EXIT_USAGE;
	}
	*token = strdup(buf);
	return *token ? 0 : OBS_EXIT_FAILURE;
}

struct serve_opts {
	const char *listen;
	const char *token_file;
	size_t max_body, max_decoded;
	unsigned max_connections;
	int64_t grace;
};

enum { OPT_TOKEN_FILE = 256, OPT_MAX_BODY, OPT_MAX_DECODED, OPT_MAX_CONN, OPT_WINDOW,
       OPT_BUCKETS, OPT_GRACE };

static int size_opt(const char *name, const char *arg, size_t *v)
{
	struct obs_error err;

	if (obs_httpd_parse_size(arg, v, &err) == 0)
		return 0;
	return obs_cli_usage_error(serve_synopsis, "%s: %s", name, err.msg);
}

static int duration_opt(const char *name, const char *arg, int64_t *v)
{
	struct obs_error err;

	if (obs_duration_parse(arg, v, &err) == 0)
		return 0;
	return obs_cli_usage_error(serve_synopsis, "%s: %s", name, err.msg);
}

static int serve_opt(struct serve *s, struct serve_opts *o, int c, char **argv)
{
	struct obs_error err;
	char *end;
	unsigned long n;

	switch (c) {
	case 'l':
		o->listen = optarg;
		return 0;
	case OPT_TOKEN_FILE:
		o->token_file = optarg;
		return 0;
	case OPT_MAX_BODY:
		return size_opt("--max-body", optarg, &o->max_body);
	case OPT_MAX_DECODED:
		return size_opt("--max-decompressed", optarg, &o->max_decoded);
	case OPT_MAX_CONN:
		errno = 0;
		n = strtoul(optarg, &end, 10);
		if (errno || end == optarg || *end || n == 0 || n > 100000 || optarg[0] == '-')
			return obs_cli_usage_error(serve_synopsis, "--max-connections: invalid "
						   "number '%s' (1 to 100000)", optarg);
		o->max_connections = (unsigned)n;
		return 0;
	case OPT_WINDOW:
		if (duration_opt("--metrics-window", optarg, &s->window))
			return OBS_EXIT_USAGE;
		if (s->window == 0)
			return obs_cli_usage_error(serve_synopsis,
						   "--metrics-window: must be more than 0");
		return 0;
	case OPT_BUCKETS:
		free(s->buckets);
		s->buckets = NULL;
		if (obs_promtext_buckets_parse(optarg, &s->buckets, &s->nbuckets, &err) < 0)
			return obs_cli_usage_error(serve_synopsis, "--buckets: %s", err.msg);
		return 0;
	case OPT_GRACE:
		return duration_opt("--shutdown-timeout", optarg, &o->grace);
	case 'v':
		s->verbose = 1;
		return 0;
	case 'h':
		obs_cli_usage(stdout, serve_synopsis, serve_options);
		return -1;
	case ':':
		return obs_cli_usage_error(serve_synopsis, "option '%s' needs a value",
					   argv[optind - 1]);
	default:
		return obs_cli_usage_error(serve_synopsis, "unknown option '%s'", argv[optind - 1]);
	}
}

static int parse_args(int argc, char **argv, struct serve *s, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "max-decompressed", required_argument, NULL, OPT_MAX_DECODED },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONN },
		{ "metrics-window", required_argument, NULL, OPT_WINDOW },
		{ "buckets", required_argument, NULL, OPT_BUCKETS },
		{ "shutdown-timeout", required_argument, NULL, OPT_GRACE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:vh", longopts, NULL)) != -1) {
		rc = serve_opt(s, o, c, argv);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return obs_cli_usage_error(serve_synopsis, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* ---- running ------------------------------------------------------------------------ */

/* Serve until SIGTERM or SIGINT (blocked in every thread, taken here). */
static int run(struct serve *s, struct serve_opts *o, const char *token)
{
	struct obs_httpd h;
	struct obs_error err;
	sigset_t set, old;
	unsigned left;
	int sig = 0, status = OBS_EXIT_OK;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);

	obs_httpd_init(&h);
	h.routes = routes;
	h.ctx = s;
	h.token = token;
	h.max_body = o->max_body;
	h.max_decoded = o->max_decoded;
	h.max_connections = o->max_connections;
	h.log = log_request;
	h.warn = log_warn;
	h.log_ctx = s;
	if (obs_httpd_start(&h, o->listen, &err) < 0) {
		obs_warnx("%s", err.msg);
		status = strstr(err.msg, "cannot listen") || strstr(err.msg, "cannot start") ?
			 OBS_EXIT_FAILURE : OBS_EXIT_USAGE;
		goto out;
	}
	if (!h.loopback)
		obs_warnx("warning: listening on '%s', which is not a loopback address: other "
			  "hosts can reach it%s", h.addr,
			  token ? "" : ", and no token is required (--token-file)");
	if (obs_store_is_nfs(&s->store) == 1)
		obs_warnx("warning: the store '%s' is on NFS, where appends from several hosts "
			  "may interleave", s->store.root);
	printf("%s\n", h.addr);
	fflush(stdout);
	if (s->verbose)
		say("serving %s on %s", s->store.root, h.addr);

	while (sigwait(&set, &sig) != 0)
		;
	if (s->verbose)
		say("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	left = obs_httpd_stop(&h, o->grace);
	if (left)
		obs_warnx("%u request%s still in flight after %s were cut off", left,
			  left == 1 ? "" : "s", "the shutdown timeout");
out:
	obs_httpd_release(&h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return status;
}

int cmd_serve(int argc, char **argv)
{
	struct serve s;
	struct serve_opts o;
	struct obs_error err;
	char *token = NULL;
	const char *env;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	o.listen = DEFAULT_LISTEN;
	o.max_body = OBS_HTTPD_MAX_BODY;
	o.max_decoded = OBS_HTTPD_MAX_DECODED;
	o.max_connections = OBS_HTTPD_MAX_CONNECTIONS;
	o.grace = 10 * OBS_NS_PER_SEC;
	rc = parse_args(argc, argv, &s, &o);
	if (rc) {
		free(s.buckets);
		return rc < 0 ? obs_cli_finish(OBS_EXIT_OK) : rc;
	}
	if (o.token_file) {
		rc = read_token(o.token_file, &token);
	} else if ((env = getenv("OBS_SERVE_TOKEN")) && *env) {
		if (!token_valid(env) || strlen(env) > TOKEN_MAX) {
			obs_warnx("OBS_SERVE_TOKEN: the token must be printable characters without "
				  "spaces, at most %d", TOKEN_MAX);
			rc = OBS_EXIT_USAGE;
		} else if (!(token = strdup(env))) {
			rc = OBS_EXIT_FAILURE;
		}
	}
	if (rc)
		goto out;
	if (obs_store_open(&s.store, NULL, &err) < 0) {
		obs_warnx("%s", err.msg);
		rc = OBS_EXIT_FAILURE;
		goto out;
	}
	pthread_mutex_init(&s.feed_lock, NULL);
	obs_promfeed_init(&s.feed, &s.store);
	s.feed.buckets = s.buckets;
	s.feed.nbuckets = s.nbuckets;
	s.feed.since_window = s.window;
	rc = run(&s, &o, token);
	obs_promfeed_release(&s.feed);
	pthread_mutex_destroy(&s.feed_lock);
	obs_store_release(&s.store);
out:
	if (token) {
		/* Do not leave the secret in freed memory. */
		explicit_bzero(token, strlen(token));
		free(token);
	}
	free(s.buckets);
	return obs_cli_finish(rc);
}
