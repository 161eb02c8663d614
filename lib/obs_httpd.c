/* SPDX-License-Identifier: MIT */
/* A small HTTP server over libmicrohttpd: routes, body limits, bearer auth, gzip request bodies, graceful stop. */
#include "obs_httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "obs_time.h"

struct obs_httpd_state {
	struct MHD_Daemon *d;
	int fd;                    /* listening socket until quiesced; -1 after */
	atomic_uint inflight;
	atomic_int stopping;
};

/* One request's state, from its headers to its completion. */
struct req {
	const struct obs_httpd_route *route;
	int64_t start;
	uint8_t *buf;
	size_t len, cap;
	size_t wire;               /* body bytes received, kept or not */
	int too_big;               /* the body passed max_body: the rest is dropped */
	int answered;              /* a response was queued before the body was read */
	int gzip;                  /* Content-Encoding: gzip */
};

/* ---- responses ------------------------------------------------------------ */

int obs_httpd_set_take(struct obs_httpd_response *resp, unsigned status,
		       const char *content_type, void *body, size_t len)
{
	free(resp->body);
	resp->body = body;
	resp->len = body ? len : 0;
	resp->content_type = content_type;
	resp->status = status;
	return 0;
}

int obs_httpd_set(struct obs_httpd_response *resp, unsigned status, const char *content_type,
		  const void *body, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy) {
		obs_httpd_set_take(resp, 500, NULL, NULL, 0);
		return -1;
	}
	if (len)
		memcpy(copy, body, len);
	return obs_httpd_set_take(resp, status, content_type, copy, len);
}

int obs_httpd_set_text(struct obs_httpd_response *resp, unsigned status, const char *fmt, ...)
{
	char *text = NULL, *line;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0 || !(line = realloc(text, (size_t)n + 2))) {
		free(n < 0 ? NULL : text);
		obs_httpd_set_take(resp, 500, NULL, NULL, 0);
		return -1;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return obs_httpd_set_take(resp, status, "text/plain; charset=utf-8", line, (size_t)n + 1);
}

int obs_httpd_add_header(struct obs_httpd_response *resp, const char *name, const char *value)
{
	char *n, *v;

	if (resp->nheaders >= OBS_HTTPD_MAX_HEADERS)
		return -1;
	n = strdup(name);
	v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -1;
	}
	resp->headers[resp->nheaders][0] = n;
	resp->headers[resp->nheaders][1] = v;
	resp->nheaders++;
	return 0;
}

void obs_httpd_response_release(struct obs_httpd_response *resp)
{
	int i;

	free(resp->body);
	for (i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i][0]);
		free(resp->headers[i][1]);
	}
	memset(resp, 0, sizeof(*resp));
}

/* ---- requests ------------------------------------------------------------- */

const char *obs_httpd_header(const struct obs_httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->priv, MHD_HEADER_KIND, name);
}

const char *obs_httpd_query(const struct obs_httpd_request *req, const char *name)
{
	struct MHD_Connection *conn = req->priv;
	const char *v;

	if (!MHD_lookup_connection_value_n(conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
					   NULL))
		return NULL;
	return v ? v : "";
}

/* ---- small helpers --------------------------------------------------------- */

int obs_httpd_secret_equal(const char *given, size_t glen, const char *secret, size_t slen)
{
	volatile unsigned char diff = (unsigned char)(glen != slen);
	size_t i;

	for (i = 0; i < glen; i++)
		diff |= (unsigned char)given[i] ^ (unsigned char)(slen ? secret[i % slen] : 0);
	return diff == 0 && slen > 0;
}

int obs_httpd_parse_size(const char *s, size_t *size, struct obs_error *err)
{
	static const char *const units[][4] = {
		{ "", "b", NULL, NULL },
		{ "k", "kb", "kib", NULL },
		{ "m", "mb", "mib", NULL },
		{ "g", "gb", "gib", NULL },
	};
	unsigned long long n;
	char *end;
	int u, i;

	if (!s || *s < '0' || *s > '9')
		goto bad;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno == ERANGE)
		goto big;
	for (u = 0; u < 4; u++)
		for (i = 0; units[u][i]; i++)
			if (!strcasecmp(end, units[u][i]))
				goto found;
	goto bad;
found:
	while (u-- > 0) {
		if (n > ULLONG_MAX / 1024)
			goto big;
		n *= 1024;
	}
	if (n == 0)
		return obs_error_set(err, "invalid size '%s': must be more than 0", s);
	if (n > SIZE_MAX)
		goto big;
	*size = (size_t)n;
	return 0;
big:
	return obs_error_set(err, "size '%s' is too large", s);
bad:
	return obs_error_set(err, "invalid size '%s': expected a number of bytes with an "
			     "optional k, M or G", s ? s : "");
}

/* ---- addresses -------------------------------------------------------------- */

int obs_httpd_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return 0;
}

static void format_addr(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	} else {
		snprintf(buf, size, "?");
	}
}

static int parse_port(const char *s, const char *whole, unsigned *port, struct obs_error *err)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || *p || v > 65535)
		return obs_error_set(err, "invalid listen address '%s': invalid port '%s'", whole, s);
	*port = (unsigned)v;
	return 0;
}

int obs_httpd_parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *salen,
			   struct obs_error *err)
{
	char *host = NULL;
	const char *portstr, *colon;
	struct addrinfo hints, *res = NULL;
	unsigned port;
	int rc = -1, gai;

	memset(sa, 0, sizeof(*sa));
	if (!s || !*s)
		return obs_error_set(err, "invalid listen address '': expected HOST:PORT");
	if (strspn(s, "0123456789") == strlen(s)) {
		host = strdup("127.0.0.1");
		portstr = s;
	} else if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return obs_error_set(err, "invalid listen address '%s': expected [IPV6]:PORT", s);
		host = strndup(s + 1, (size_t)(close - s - 1));
		portstr = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return obs_error_set(err, "invalid listen address '%s': expected HOST:PORT", s);
		if (memchr(s, ':', (size_t)(colon - s)))
			return obs_error_set(err, "invalid listen address '%s': write IPv6 addresses "
					     "in brackets, [::1]:PORT", s);
		host = colon == s ? strdup("0.0.0.0") : strndup(s, (size_t)(colon - s));
		portstr = colon + 1;
	}
	if (!host)
		return obs_error_set(err, "out of memory");
	if (parse_port(portstr, s, &port, err) < 0)
		goto out;
	if (!*host) {
		obs_error_set(err, "invalid listen address '%s': empty host", s);
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, NULL, &hints, &res);
	if (gai != 0 || !res) {
		obs_error_set(err, "cannot resolve '%s': %s", host,
			      gai ? gai_strerror(gai) : "no address");
		goto out;
	}
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*salen = res->ai_addrlen;
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	rc = 0;
out:
	if (res)
		freeaddrinfo(res);
	free(host);
	return rc;
}

/* ---- serving ---------------------------------------------------------------- */

static void remote_of(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (ci && ci->client_addr)
		format_addr(ci->client_addr, buf, size);
	else
		snprintf(buf, size, "?");
}

/* Send RESP (its body goes to libmicrohttpd) and log the request. */
static enum MHD_Result answer(struct obs_httpd *h, struct MHD_Connection *conn, struct req *r,
			      const char *method, const char *path,
			      struct obs_httpd_response *resp)
{
	struct MHD_Response *mr;
	enum MHD_Result rc;
	char remote[OBS_HTTPD_ADDRSTRLEN];
	int i;

	if (resp->status < 100 || resp->status > 599) {
		obs_httpd_response_release(resp);
		obs_httpd_set_text(resp, 500, "handler gave no response");
	}
	mr = MHD_create_response_from_buffer(resp->len, resp->body,
					     resp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!mr) {
		obs_httpd_response_release(resp);
		return MHD_NO;
	}
	resp->body = NULL;
	if (resp->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(mr, resp->headers[i][0], resp->headers[i][1]);
	if (atomic_load(&h->st->stopping))
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
	rc = MHD_queue_response(conn, resp->status, mr);
	MHD_destroy_response(mr);
	if (h->log) {
		struct obs_httpd_log e;

		remote_of(conn, remote, sizeof(remote));
		e.method = method;
		e.path = path;
		e.remote = remote;
		e.status = resp->status;
		e.in_bytes = r->wire;
		e.out_bytes = resp->len;
		e.ns = obs_time_monotonic() - r->start;
		h->log(h->log_ctx, &e);
	}
	obs_httpd_response_release(resp);
	return rc;
}

static enum MHD_Result answer_text(struct obs_httpd *h, struct MHD_Connection *conn,
				   struct req *r, const char *method, const char *path,
				   unsigned status, const char *header, const char *value,
				   const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static enum MHD_Result answer_text(struct obs_httpd *h, struct MHD_Connection *conn,
				   struct req *r, const char *method, const char *path,
				   unsigned status, const char *header, const char *value,
				   const char *fmt, ...)
{
	struct obs_httpd_response resp;
	char text[OBS_ERROR_MAX];
	va_list ap;

	memset(&resp, 0, sizeof(resp));
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	obs_httpd_set_text(&resp, status, "%s", text);
	if (header)
		obs_httpd_add_header(&resp, header, value);
	r->answered = 1;
	return answer(h, conn, r, method, path, &resp);
}

static const struct obs_httpd_route *find_route(const struct obs_httpd *h, const char *path)
{
	const struct obs_httpd_route *rt;

	for (rt = h->routes; rt && rt->path; rt++)
		if (!strcmp(rt->path, path))
			return rt;
	return NULL;
}

static unsigned method_bit(const char *method)
{
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return OBS_HTTPD_GET;
	if (!strcmp(method, "POST"))
		return OBS_HTTPD_POST;
	if (!strcmp(method, "PUT"))
		return OBS_HTTPD_PUT;
	if (!strcmp(method, "DELETE"))
		return OBS_HTTPD_DELETE;
	return 0;
}

static void allow_list(unsigned methods, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *names; } m[] = {
		{ OBS_HTTPD_GET, "GET, HEAD" }, { OBS_HTTPD_POST, "POST" },
		{ OBS_HTTPD_PUT, "PUT" }, { OBS_HTTPD_DELETE, "DELETE" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (methods & m[i].bit)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
					      m[i].names);
}

/* 1 if the Authorization header carries the token. */
static int authorized(const struct obs_httpd *h, struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n;

	if (!v || strncasecmp(v, "Bearer ", 7) != 0)
		return 0;
	v += 7;
	while (*v == ' ')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return obs_httpd_secret_equal(v, n, h->token, strlen(h->token));
}

/* Grow R's body buffer to hold N more bytes (plus a NUL). */
static int body_room(struct req *r, size_t n)
{
	size_t need = r->len + n + 1, cap;
	uint8_t *p;

	if (need <= r->cap)
		return 0;
	cap = r->cap ? r->cap : 16384;
	while (cap < need)
		cap *= 2;
	p = realloc(r->buf, cap);
	if (!p)
		return -1;
	r->buf = p;
	r->cap = cap;
	return 0;
}

/*
 * Inflate gzip IN into OUT (NUL-terminated, caller frees), at most MAX
 * bytes. 0; 1 too large; -1 invalid (err); -2 out of memory.
 */
static int gunzip(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen,
		  struct obs_error *err)
{
	z_stream zs;
	uint8_t *buf = NULL, *p;
	size_t cap = 0, n = 0;
	int zrc = Z_OK, ret = -1;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -2;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)(len > UINT_MAX ? UINT_MAX : len);
	for (;;) {
		if (n == cap) {
			/* n <= max here (checked below), so cap <= max and it can grow */
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			p = realloc(buf, cap + 1);
			if (!p) {
				ret = -2;
				goto out;
			}
			buf = p;
		}
		zs.next_out = buf + n;
		zs.avail_out = (uInt)(cap - n);
		zrc = inflate(&zs, Z_NO_FLUSH);
		n = cap - zs.avail_out;
		if (n > max) {
			ret = 1;
			goto out;
		}
		if (zrc == Z_STREAM_END) {
			/* Another gzip member may follow (RFC 1952 allows several). */
			if (zs.avail_in == 0 || inflateReset(&zs) != Z_OK)
				break;
			continue;
		}
		if (zrc == Z_BUF_ERROR && zs.avail_in == 0) {
			obs_error_set(err, "invalid gzip body: truncated");
			goto out;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			if (zrc == Z_MEM_ERROR) {
				ret = -2;
				goto out;
			}
			obs_error_set(err, "invalid gzip body: %s", zs.msg ? zs.msg : "corrupt data");
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		ret = -2;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	buf = NULL;
	ret = 0;
out:
	inflateEnd(&zs);
	free(buf);
	return ret;
}

static enum MHD_Result first_call(struct obs_httpd *h, struct MHD_Connection *conn,
				  struct req *r, const char *method, const char *path)
{
	const char *cl, *enc;
	unsigned bit;
	char allow[64];

	r->route = find_route(h, path);
	if (!r->route) {
		/* the path as decoded may hold anything: control characters are shown as '?' */
		char shown[256];
		size_t i;

		for (i = 0; path[i] && i + 1 < sizeof(shown); i++)
			shown[i] = (unsigned char)path[i] < 0x20 || path[i] == 0x7f ? '?' : path[i];
		shown[i] = '\0';
		return answer_text(h, conn, r, method, path, 404, NULL, NULL, "no such path '%s'",
				   shown);
	}
	bit = method_bit(method);
	if (!(bit & r->route->methods)) {
		allow_list(r->route->methods, allow, sizeof(allow));
		return answer_text(h, conn, r, method, path, 405, "Allow", allow,
				   "method %s not allowed for '%s' (allowed: %s)", method, path,
				   allow);
	}
	if (h->token && *h->token && !r->route->public && !authorized(h, conn))
		return answer_text(h, conn, r, method, path, 401, "WWW-Authenticate",
				   "Bearer realm=\"obs\"", "missing or invalid bearer token");
	enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	if (enc && (!strcasecmp(enc, "gzip") || !strcasecmp(enc, "x-gzip")))
		r->gzip = 1;
	else if (enc && *enc && strcasecmp(enc, "identity"))
		return answer_text(h, conn, r, method, path, 415, NULL, NULL,
				   "unsupported Content-Encoding '%s' (expected gzip or identity)",
				   enc);
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		unsigned long long n;
		char *end;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno == ERANGE || n > h->max_body)
			return answer_text(h, conn, r, method, path, 413, NULL, NULL,
					   "request body larger than %zu bytes", h->max_body);
	}
	return MHD_YES;
}

static enum MHD_Result last_call(struct obs_httpd *h, struct MHD_Connection *conn, struct req *r,
				 const char *method, const char *path)
{
	struct obs_httpd_request q;
	struct obs_httpd_response resp;
	struct obs_error err;
	char remote[OBS_HTTPD_ADDRSTRLEN];
	uint8_t *decoded = NULL;
	size_t dlen = 0;
	enum MHD_Result rc;

	if (r->too_big)
		return answer_text(h, conn, r, method, path, 413, NULL, NULL,
				   "request body larger than %zu bytes", h->max_body);
	if (!r->buf) {
		if (body_room(r, 0) < 0)
			return MHD_NO;
	}
	r->buf[r->len] = '\0';
	memset(&q, 0, sizeof(q));
	q.body = r->buf;
	q.len = r->len;
	if (r->gzip) {
		int g = gunzip(r->buf, r->len, h->max_decoded, &decoded, &dlen, &err);

		if (g == 1)
			return answer_text(h, conn, r, method, path, 413, NULL, NULL,
					   "request body larger than %zu bytes after decompression",
					   h->max_decoded);
		if (g == -1)
			return answer_text(h, conn, r, method, path, 400, NULL, NULL, "%s", err.msg);
		if (g < 0)
			return answer_text(h, conn, r, method, path, 500, NULL, NULL, "out of memory");
		q.body = decoded;
		q.len = dlen;
	} else if (r->len > h->max_decoded) {
		return answer_text(h, conn, r, method, path, 413, NULL, NULL,
				   "request body larger than %zu bytes", h->max_decoded);
	}
	remote_of(conn, remote, sizeof(remote));
	q.method = method;
	q.path = path;
	q.remote = remote;
	q.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	q.wire_len = r->wire;
	q.priv = conn;
	memset(&resp, 0, sizeof(resp));
	r->route->fn(h->ctx, &q, &resp);
	free(decoded);
	rc = answer(h, conn, r, method, path, &resp);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct obs_httpd *h = cls;
	struct req *r = *con_cls;
	/* libmicrohttpd gives the path without the query (parsed into arguments) */
	const char *path = url;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->start = obs_time_monotonic();
		*con_cls = r;
		atomic_fetch_add(&h->st->inflight, 1);
		return first_call(h, conn, r, method, path);
	}
	if (r->answered) {
		/* Answered already (an early refusal): drop whatever body comes. */
		r->wire += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		r->wire += n;
		if (r->too_big)
			/*
			 * A response cannot be queued while the body is coming:
			 * read on to answer 413, but not forever.
			 */
			return r->wire - h->max_body > h->max_body ? MHD_NO : MHD_YES;
		if (n > h->max_body - r->len) {
			r->too_big = 1;
			free(r->buf);
			r->buf = NULL;
			r->cap = r->len = 0;
			return MHD_YES;
		}
		if (body_room(r, n) < 0)
			return MHD_NO;
		memcpy(r->buf + r->len, upload, n);
		r->len += n;
		return MHD_YES;
	}
	r->answered = 1;
	return last_call(h, conn, r, method, path);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct obs_httpd *h = cls;
	struct req *r = *con_cls;

	(void)conn;
	(void)toe;
	if (!r)
		return;
	free(r->buf);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&h->st->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct obs_httpd *h = cls;
	char msg[OBS_ERROR_MAX];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	if (n > 0 && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
		msg[0] = (char)(msg[0] - 'A' + 'a');
	if (h->warn)
		h->warn(h->log_ctx, msg);
}

void obs_httpd_init(struct obs_httpd *h)
{
	memset(h, 0, sizeof(*h));
	h->max_body = OBS_HTTPD_MAX_BODY;
	h->max_decoded = OBS_HTTPD_MAX_DECODED;
	h->max_connections = OBS_HTTPD_MAX_CONNECTIONS;
	h->timeout = OBS_HTTPD_TIMEOUT;
}

int obs_httpd_start(struct obs_httpd *h, const char *listen_addr, struct obs_error *err)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	struct obs_httpd_state *st;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ITC;
	int one = 1, fd;

	if (h->st)
		return obs_error_set(err, "server already started");
	if (obs_httpd_parse_listen(listen_addr, &sa, &salen, err) < 0)
		return -1;
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return obs_error_errno(err, "cannot listen on '%s'", listen_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, 128) < 0) {
		obs_error_errno(err, "cannot listen on '%s'", listen_addr);
		close(fd);
		return -1;
	}
	salen = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &salen);
	format_addr((struct sockaddr *)&sa, h->addr, sizeof(h->addr));
	h->loopback = obs_httpd_is_loopback((struct sockaddr *)&sa);

	st = calloc(1, sizeof(*st));
	if (!st) {
		close(fd);
		return obs_error_set(err, "out of memory");
	}
	st->fd = fd;
	atomic_init(&st->inflight, 0);
	atomic_init(&st->stopping, 0);
	h->st = st;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (h->warn)
		flags |= MHD_USE_ERROR_LOG;
	st->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				 MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
				 MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				 MHD_OPTION_CONNECTION_LIMIT, h->max_connections,
				 MHD_OPTION_CONNECTION_TIMEOUT, h->timeout,
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				 MHD_OPTION_END);
	if (!st->d) {
		close(fd);
		free(st);
		h->st = NULL;
		return obs_error_set(err, "cannot start the HTTP server on '%s'", h->addr);
	}
	return 0;
}

unsigned obs_httpd_inflight(struct obs_httpd *h)
{
	return h->st ? atomic_load(&h->st->inflight) : 0;
}

unsigned obs_httpd_stop(struct obs_httpd *h, int64_t grace_ns)
{
	struct obs_httpd_state *st = h->st;
	int64_t end;
	unsigned left;
	int fd;

	if (!st || !st->d)
		return 0;
	atomic_store(&st->stopping, 1);
	fd = MHD_quiesce_daemon(st->d);
	if (fd >= 0)
		close(fd);
	end = obs_time_monotonic() + grace_ns;
	while ((left = atomic_load(&st->inflight)) > 0 && obs_time_monotonic() < end) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(st->d);
	st->d = NULL;
	return left;
}

void obs_httpd_release(struct obs_httpd *h)
{
	if (!h->st)
		return;
	if (h->st->d)
		obs_httpd_stop(h, 0);
	free(h->st);
	h->st = NULL;
}
