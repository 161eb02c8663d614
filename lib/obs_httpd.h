/* SPDX-License-Identifier: MIT */
/* A small HTTP server (libmicrohttpd) for receivers and pages: routes, limits, bearer auth, gzip bodies, graceful stop. */
#ifndef OBS_HTTPD_H
#define OBS_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "obs_error.h"

/*
 * The server answers requests from a table of routes, one thread per
 * connection (libmicrohttpd's internal threads). Before a handler runs,
 * the server has:
 *   - found the route by exact path (404 otherwise) and checked the method
 *     (405 with an Allow header; HEAD is served as GET without a body);
 *   - checked the bearer token when one is set and the route is not
 *     public: "Authorization: Bearer TOKEN" (scheme in any case), compared
 *     in time that does not depend on the token; 401 with
 *     "WWW-Authenticate: Bearer realm=\"obs\"" otherwise, before any of
 *     the body is read;
 *   - read the body, refusing more than max_body bytes with 413: at once
 *     when Content-Length says so, before reading it; a chunked body is
 *     read on (and dropped) up to twice max_body to answer 413, and the
 *     connection closed without an answer past that;
 *   - decoded "Content-Encoding: gzip" (also x-gzip; identity or none: as
 *     is; anything else 415), refusing bodies larger than max_decoded
 *     bytes once decompressed (413, checked while inflating, so a gzip
 *     bomb costs at most max_decoded bytes) and broken gzip (400).
 * These answers are text/plain, one line: "request body larger than N
 * bytes", "missing or invalid bearer token", "no such path '/x'" (control
 * characters in the path shown as '?', at most 255 bytes of it), ...
 *
 * Handlers run on the connection's thread, several at once: whatever they
 * share must be thread-safe. A handler fills in the response; the server
 * sends it, adding "Connection: close" once a stop has begun.
 */

#define OBS_HTTPD_MAX_BODY ((size_t)4 << 20)          /* 4 MiB on the wire */
#define OBS_HTTPD_MAX_DECODED ((size_t)16 << 20)      /* 16 MiB after gunzip */
#define OBS_HTTPD_MAX_CONNECTIONS 64
#define OBS_HTTPD_TIMEOUT 30                          /* idle seconds before a connection is closed */
#define OBS_HTTPD_ADDRSTRLEN 64                       /* "[ffff:...]:65535" */
#define OBS_HTTPD_MAX_HEADERS 4                       /* extra response headers */

enum {
	OBS_HTTPD_GET = 1u,    /* also serves HEAD */
	OBS_HTTPD_POST = 2u,
	OBS_HTTPD_PUT = 4u,
	OBS_HTTPD_DELETE = 8u,
};

/* One request, as a handler sees it; everything is borrowed for the call. */
struct obs_httpd_request {
	const char *method;        /* "GET", "HEAD", "POST", ... */
	const char *path;          /* the URL path, without the query */
	const char *remote;        /* peer address "127.0.0.1:40312" or "[::1]:40312" */
	const char *content_type;  /* the Content-Type header, NULL if none */
	const uint8_t *body;       /* the body, gzip decoded; NUL-terminated (the NUL
				      not counted); "" when there is none */
	size_t len;
	size_t wire_len;           /* the body's size as received */
	void *priv;
};

/* Request header NAME (any case), NULL if absent. Borrowed for the call. */
const char *obs_httpd_header(const struct obs_httpd_request *req, const char *name);
/* Query argument NAME, NULL if absent ("" for "?name"). Borrowed for the call. */
const char *obs_httpd_query(const struct obs_httpd_request *req, const char *name);

struct obs_httpd_response {
	unsigned status;           /* 0: the handler set nothing, the server sends 500 */
	const char *content_type;  /* static string, or NULL for none */
	uint8_t *body;             /* owned by the response: malloc'd, freed by the server */
	size_t len;
	int nheaders;
	char *headers[OBS_HTTPD_MAX_HEADERS][2];   /* owned copies of name, value */
};

/*
 * Set the response: STATUS, CONTENT_TYPE (static string, may be NULL) and
 * a copy of BODY (LEN bytes, may be 0). 0, or -1 out of memory (the
 * response then says 500).
 */
int obs_httpd_set(struct obs_httpd_response *resp, unsigned status, const char *content_type,
		  const void *body, size_t len);
/* Same, taking ownership of BODY (malloc'd; freed even on failure). */
int obs_httpd_set_take(struct obs_httpd_response *resp, unsigned status,
		       const char *content_type, void *body, size_t len);
/* A text/plain; charset=utf-8 body from a format; a newline is added. */
int obs_httpd_set_text(struct obs_httpd_response *resp, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a header (copied); -1 when OBS_HTTPD_MAX_HEADERS are set or out of memory. */
int obs_httpd_add_header(struct obs_httpd_response *resp, const char *name, const char *value);
/* Free the body and headers. */
void obs_httpd_response_release(struct obs_httpd_response *resp);

typedef void obs_httpd_handler_fn(void *ctx, const struct obs_httpd_request *req,
				  struct obs_httpd_response *resp);

struct obs_httpd_route {
	const char *path;          /* exact path, "/metrics" */
	unsigned methods;          /* OBS_HTTPD_GET | ... */
	int public;                /* 1: served without the token (health checks) */
	obs_httpd_handler_fn *fn;
};

/* One answered request, for the request log. Borrowed for the call. */
struct obs_httpd_log {
	const char *method;
	const char *path;
	const char *remote;
	unsigned status;
	size_t in_bytes;           /* body as received */
	size_t out_bytes;          /* response body */
	int64_t ns;                /* from the request's headers to its response queued */
};

typedef void obs_httpd_log_fn(void *ctx, const struct obs_httpd_log *entry);
/* libmicrohttpd's own complaints (connection limit reached, ...), one line without '\n'. */
typedef void obs_httpd_warn_fn(void *ctx, const char *msg);

struct obs_httpd_state;

struct obs_httpd {
	/* Settings: fill in after _init, before _start. */
	const struct obs_httpd_route *routes;   /* ends with a NULL path; borrowed */
	void *ctx;                 /* passed to handlers */
	const char *token;         /* bearer token (borrowed), NULL or "" for none */
	size_t max_body;           /* default OBS_HTTPD_MAX_BODY */
	size_t max_decoded;        /* default OBS_HTTPD_MAX_DECODED */
	unsigned max_connections;  /* default OBS_HTTPD_MAX_CONNECTIONS */
	unsigned timeout;          /* idle seconds, default OBS_HTTPD_TIMEOUT */
	obs_httpd_log_fn *log;     /* may be NULL; called from connection threads */
	obs_httpd_warn_fn *warn;   /* may be NULL; called from any thread */
	void *log_ctx;             /* passed to log and warn */

	/* Read-only after _start. */
	char addr[OBS_HTTPD_ADDRSTRLEN];   /* bound address: "127.0.0.1:9464", "[::1]:9464" */
	int loopback;              /* 1 if the bound address is a loopback one */

	/* Private. */
	struct obs_httpd_state *st;
};

/* Defaults, nothing started. */
void obs_httpd_init(struct obs_httpd *h);

/*
 * Parse a listen address: "HOST:PORT", "[IPV6]:PORT", ":PORT" (every IPv4
 * address, 0.0.0.0) or "PORT" alone (127.0.0.1). HOST is a numeric
 * address or a name (resolved; its first address is taken). PORT is 0 to
 * 65535; 0 asks the system for a free one. "invalid listen address 'x':
 * expected HOST:PORT", "...: invalid port 'p'", "cannot resolve 'h': ...".
 */
int obs_httpd_parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *salen,
			   struct obs_error *err);

/* 1 if SA is a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104), else 0. */
int obs_httpd_is_loopback(const struct sockaddr *sa);

/*
 * Listen on LISTEN (see obs_httpd_parse_listen) and serve in background
 * threads. h->addr gets the bound address (with the real port when 0 was
 * asked). "cannot listen on '127.0.0.1:9464': Address already in use".
 */
int obs_httpd_start(struct obs_httpd *h, const char *listen, struct obs_error *err);

/* Requests being handled right now (read, handled or being answered). */
unsigned obs_httpd_inflight(struct obs_httpd *h);

/*
 * Graceful stop: stop accepting connections (the port is closed at once),
 * answer requests in flight (with "Connection: close"), wait for them for
 * up to GRACE_NS, then close every connection and join the threads. Returns
 * the number of requests that were still in flight when the grace period
 * ran out (0 when all finished). Harmless on a server never started.
 */
unsigned obs_httpd_stop(struct obs_httpd *h, int64_t grace_ns);

/* Stop (without grace) if still running, and free everything. */
void obs_httpd_release(struct obs_httpd *h);

/*
 * Constant-time comparison for secrets: 1 if GIVEN (GLEN bytes) equals
 * SECRET (SLEN bytes), else 0. The time depends on GLEN only.
 */
int obs_httpd_secret_equal(const char *given, size_t glen, const char *secret, size_t slen);

/*
 * Parse a size: a number of bytes, optionally followed by k, M or G
 * (powers of 1024; "KiB", "MiB", "GiB", "K", "kB"... read the same way):
 * "4M", "512k", "1048576". 0 is refused, as are values over SIZE_MAX.
 * "invalid size 'x': expected a number of bytes with an optional k, M or G".
 */
int obs_httpd_parse_size(const char *s, size_t *size, struct obs_error *err);

#endif
