/* SPDX-License-Identifier: MIT */
/* HTTP client over libcurl: one-shot requests, retrying sends, scrapes, URL redaction. */
#ifndef OBS_HTTP_H
#define OBS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"

/*
 * Only lib/obs_http.c uses libcurl, and nothing else in libobs-common
 * calls into it: a binary that never calls obs_http_* does not pull
 * obs_http.o out of the archive and need not link -lcurl (linking libcurl
 * costs ~7 ms at every process start). Binaries that do call it add
 * $(CURL_LIBS) through their <prog>_LIBS variable in the Makefile.
 *
 * Secrets: header values, URL user info and the values of secret-looking
 * query parameters never appear in error messages or trace lines: URLs are
 * shown through obs_http_redact_url, and every message is scrubbed of
 * those strings (a server's error body that echoes an API key included).
 */

#define OBS_HTTP_MAX_RESPONSE (64 * 1024 * 1024)

/* Verbose trace: one line per attempt and per retry decision, already redacted. */
typedef void obs_http_trace_fn(void *ctx, const char *line);

struct obs_http {
	/*
	 * Settings: fill in after _init (defaults shown), before a request.
	 * Strings are borrowed and must outlive the client.
	 */
	long connect_timeout_ms;  /* 10000; capped by timeout_ms */
	long timeout_ms;          /* 10000: one whole attempt; 0 = none */
	int insecure;             /* 0: verify the server's certificate and name (1 = curl -k) */
	const char *ca_file;      /* NULL: system CAs; else a PEM bundle (OTEL_EXPORTER_OTLP_CERTIFICATE) */
	const char *client_cert;  /* PEM client certificate (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE) */
	const char *client_key;   /* PEM key of client_cert (OTEL_EXPORTER_OTLP_CLIENT_KEY) */
	const char *user_agent;   /* "obs/<version>" */
	int gzip;                 /* 0; 1: compress request bodies, Content-Encoding: gzip */
	size_t max_response;      /* OBS_HTTP_MAX_RESPONSE: body bytes kept, after decoding */
	int follow_redirects;     /* 0; 1: follow up to 10 redirects (http and https only) */
	int redact_path;          /* 0; 1: the path is secret too (webhook URLs): messages
				     show only the scheme and host, then a slash and "***" */
	/* obs_http_send only. */
	long retry_initial_ms;    /* 1000: first backoff cap */
	long retry_max_ms;        /* 30000: largest backoff cap */
	long retry_deadline_ms;   /* 60000: total time bound from the first attempt; 0 = none */
	int retry_max_attempts;   /* 0 = bounded by the deadline only */
	obs_http_trace_fn *trace; /* NULL, or called with redacted trace lines */
	void *trace_ctx;

	/* Private. */
	void *curl;               /* CURL *, created at the first request, reused (keep-alive) */
	char **headers;           /* "Name: value" */
	int nheaders;
	uint64_t rng;             /* jitter state */
};

/* Defaults above; allocates nothing (curl is set up at the first request). */
void obs_http_init(struct obs_http *h);
/* Free the headers and the curl handle; H can be _init'ed again. */
void obs_http_release(struct obs_http *h);

/*
 * Add a header sent with every request (copied). NAME must be an HTTP
 * token; VALUE must hold no control character but tab (an empty value is
 * sent as empty). Errors never show the value:
 * "invalid header name 'X Y'", "invalid value for header 'Authorization'".
 */
int obs_http_header_add(struct obs_http *h, const char *name, const char *value,
			struct obs_error *err);
/*
 * Add headers from an OTEL_EXPORTER_OTLP_HEADERS list: "k1=v1,k2=v2",
 * spaces around keys and values trimmed, values percent-decoded ("%20";
 * a '%' not followed by two hex digits is kept), empty entries skipped.
 * On error nothing is added, and neither values nor bad names (which may
 * be a misplaced secret) are shown: "invalid header list: entry 2 has no
 * '='", "...: entry 2 has an invalid header name", "invalid header list:
 * invalid value for header 'X'" (a decoded control character).
 */
int obs_http_header_add_list(struct obs_http *h, const char *list, struct obs_error *err);

/*
 * Apply the OpenTelemetry exporter variables, the per-signal one winning
 * when set and non-empty (SIGNAL "traces", "metrics", "logs": lowercase
 * letters; NULL for the generic ones only): OTEL_EXPORTER_OTLP_[SIGNAL_]
 * CERTIFICATE -> ca_file, CLIENT_CERTIFICATE -> client_cert, CLIENT_KEY ->
 * client_key, HEADERS -> headers (added), TIMEOUT (milliseconds, 0 = none)
 * -> timeout_ms, COMPRESSION ("gzip" or "none") -> gzip. Path settings
 * point into the environment (do not setenv them away). Errors name the
 * variable: "invalid OTEL_EXPORTER_OTLP_TIMEOUT '5s': expected
 * milliseconds", "invalid OTEL_EXPORTER_OTLP_TRACES_COMPRESSION 'zstd':
 * expected gzip or none", "invalid OTEL_EXPORTER_OTLP_HEADERS: entry 2 has
 * no '='" (never the value), "invalid signal 'X'". Settings applied before
 * the failing variable stay applied.
 */
int obs_http_otel_env(struct obs_http *h, const char *signal, struct obs_error *err);

enum obs_http_outcome {
	OBS_HTTP_NONE = 0,      /* not a send */
	OBS_HTTP_DELIVERED,     /* a 2xx answer */
	OBS_HTTP_GAVE_UP,       /* retryable failures until the deadline or max attempts:
				   keep the data, try again later */
	OBS_HTTP_REJECTED,      /* any other status: refused for good; body kept for a
				   dead-letter file (413: split the batch) */
	OBS_HTTP_FAILED,        /* no response and no retry can help: bad URL or scheme,
				   TLS failure, unreadable certificate file, out of memory */
};

/*
 * One answer. Initialise with _init (or zero it); every request function
 * releases the previous contents first, so one response can be reused.
 */
struct obs_http_response {
	long status;              /* 0 when no response arrived */
	char *content_type;       /* Content-Type value, NULL if absent */
	char *retry_after;        /* raw Retry-After value, NULL if absent */
	char *body;               /* NUL-terminated (NULL when empty), at most max_response bytes */
	size_t len;
	int truncated;            /* 1: the body was longer than max_response and was cut */
	/* obs_http_send only. */
	enum obs_http_outcome outcome;
	int attempts;
	int64_t elapsed_ms;       /* from the first attempt to the outcome */
};

void obs_http_response_init(struct obs_http_response *r);
void obs_http_response_release(struct obs_http_response *r);

/*
 * One request, no retry. METHOD "GET", "HEAD", "POST", "PUT", ...; BODY of
 * LEN bytes (may be NULL when LEN is 0) sent with CONTENT_TYPE (NULL: none)
 * for methods other than GET and HEAD, gzip-compressed when h->gzip.
 * Sent with every request: the client's headers, User-Agent, an empty
 * "Expect:" (no 100-continue round trip), Accept-Encoding for what curl can
 * decode (responses are decoded before max_response applies). Only http
 * and https URLs; redirects per follow_redirects; proxies from the usual
 * environment variables, as curl does. The client's connection is kept
 * alive between calls. Returns 0 when any response arrived, whatever its
 * status (look at resp->status); -1 when none did, or when its body passed
 * max_response (status and the cut body are kept, resp->truncated = 1).
 * The URL in messages is redacted; the rest is curl's text:
 *   "cannot send to 'URL': Failed to connect to 127.0.0.1 port 1 after 0 ms:
 *    Couldn't connect to server", "cannot send to 'URL': Empty reply from
 *    server", "cannot send to 'URL': SSL certificate problem: ...",
 *   "cannot send to 'URL': response larger than N bytes",
 *   "cannot read CA file 'F': No such file or directory" (also "client
 *    certificate", "client key": checked before each request).
 * Not thread-safe: one client per thread, and the first request of the
 * process (curl_global_init) must not race another thread's.
 */
int obs_http_request(struct obs_http *h, const char *method, const char *url,
		     const char *content_type, const void *body, size_t len,
		     struct obs_http_response *resp, struct obs_error *err);

/*
 * Send with retries: the body is compressed once (h->gzip), then sent
 * until a 2xx answer (0, OBS_HTTP_DELIVERED) or a failure (-1, outcome
 * set). Retried: connection errors (refused, reset, empty reply, DNS,
 * send/receive errors, HTTP/2 stream errors) and timeouts, and statuses
 * 429, 502, 503, 504 only; any other status, 500 included, is REJECTED.
 * Waits use exponential backoff with full jitter (uniform in 0 ..
 * min(retry_max_ms, retry_initial_ms * 2^(n-1))), or exactly the
 * Retry-After the server sent (seconds or HTTP-date; an unreadable one is
 * ignored). Each attempt's timeout is cut to the time left before the
 * deadline; a wait that would end at or past the deadline is not started.
 * resp holds the last attempt's answer, resp->attempts and ->elapsed_ms
 * are set whatever the outcome. Messages:
 *   GAVE_UP  "cannot send to 'URL': giving up after 5 attempts over 31.2s:
 *            503 Service Unavailable" (or the last connection error), with
 *            " (retry after 1h is past the 1m deadline)" appended when the
 *            server's Retry-After was what ended it
 *   REJECTED "cannot send to 'URL': 400 Bad Request: <first non-blank line
 *            of the body, leading blanks dropped, at most 200 bytes, bytes
 *            outside printable ASCII as '?'>" (resp->body holds all of it)
 *   FAILED   as obs_http_request (TLS errors are not retried)
 * Secrets echoed by the server in that body line are scrubbed (see top).
 * A 2xx answer whose body passed max_response still counts as delivered
 * (the body is cut); a cut body on another status is kept cut.
 */
int obs_http_send(struct obs_http *h, const char *method, const char *url,
		  const char *content_type, const void *body, size_t len,
		  struct obs_http_response *resp, struct obs_error *err);

/*
 * GET for scraping, no retry: Accept: ACCEPT (NULL: none), any
 * Content-Encoding curl knows (gzip, deflate, ...) decoded, the decoded
 * body bounded by max_response. Returns 0 on a 2xx answer; -1 otherwise:
 * "cannot get 'URL': 404 Not Found", "cannot get 'URL': response larger
 * than N bytes", or a connection error as above (resp keeps what arrived).
 */
int obs_http_get(struct obs_http *h, const char *url, const char *accept,
		 struct obs_http_response *resp, struct obs_error *err);

#define OBS_HTTP_REDACT_PATH 1

/*
 * Write URL into BUF (SIZE bytes, always NUL-terminated when SIZE > 0)
 * with its secrets removed: user info ("user:pass@") dropped, the value of
 * every query parameter whose name looks secret replaced by "***" (names
 * containing token, key, secret, pass, pwd, auth, credential, session,
 * signature, or equal to sig, code, jwt), the fragment dropped. With
 * OBS_HTTP_REDACT_PATH a non-empty path or query becomes a slash and
 * "***". Returns the full
 * length, as snprintf does (a cut result holds no secret either).
 */
size_t obs_http_redact_url(const char *url, int flags, char *buf, size_t size);

/*
 * A Retry-After value as a delay from NOW_NS (wall clock, ns): delay
 * seconds ("120") or an HTTP-date in any of the three forms of RFC 9110
 * (a date in the past is 0). 0 with *ms set, or -1 if it does not parse.
 */
int obs_http_retry_after_ms(const char *value, int64_t now_ns, int64_t *ms);

/* Whether a send retries on STATUS: 429, 502, 503, 504. */
int obs_http_status_retryable(long status);

/* Reason phrase of a status ("Service Unavailable"), "" for unknown ones. */
const char *obs_http_reason(long status);

/*
 * The jittered wait before retry ATTEMPT (1 = after the first failure), in
 * ms: uniform in 0 .. min(retry_max_ms, retry_initial_ms * 2^(ATTEMPT-1)).
 */
long obs_http_backoff_ms(struct obs_http *h, int attempt);

#endif
