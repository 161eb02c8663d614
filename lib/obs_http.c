/* SPDX-License-Identifier: MIT */
/* HTTP client over libcurl: one-shot requests, retrying sends, scrapes, URL redaction. */
#include "obs_http.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>

#include "obs_text.h"
#include "obs_time.h"

#ifndef OBS_VERSION
#define OBS_VERSION "0"
#endif

#define SECRET_MIN 4          /* shorter strings are not scrubbed from messages */
#define EXCERPT_MAX 200       /* bytes of a rejection body quoted in a message */

/* ---- small string helpers ------------------------------------------------ */

/* Bounded appender that counts what it could not write, as snprintf does. */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void sb_add(struct sbuf *sb, const char *s, size_t n)
{
	if (sb->len < sb->size) {
		size_t room = sb->size - 1 - sb->len;

		memcpy(sb->buf + sb->len, s, n < room ? n : room);
		sb->buf[sb->len + (n < room ? n : room)] = '\0';
	}
	sb->len += n;
}

static void sb_str(struct sbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

static int ci_contains(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, word, w) == 0)
			return 1;
	return 0;
}

static int ci_equal(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

static int secret_name(const char *s, size_t n)
{
	static const char *const parts[] = {
		"token", "key", "secret", "pass", "pwd", "auth", "credential",
		"session", "signature",
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (ci_contains(s, n, parts[i]))
			return 1;
	return ci_equal(s, n, "sig") || ci_equal(s, n, "code") || ci_equal(s, n, "jwt");
}

/* ---- URLs ------------------------------------------------------------------ */

struct url_parts {
	const char *scheme;       /* "https://", or empty */
	size_t scheme_len;
	const char *userinfo;     /* without the '@'; NULL if none */
	size_t userinfo_len;
	const char *host;         /* host[:port] */
	size_t host_len;
	const char *path;
	size_t path_len;
	const char *query;        /* without the '?'; NULL if none */
	size_t query_len;
};

static void url_split(const char *url, struct url_parts *p)
{
	const char *sep = strstr(url, "://");
	const char *auth = url, *end, *at = NULL;

	memset(p, 0, sizeof(*p));
	p->scheme = url;
	if (sep && strcspn(url, "/?#") == (size_t)(sep - url) + 1) {
		p->scheme_len = (size_t)(sep - url) + 3;
		auth = sep + 3;
	}
	end = auth + strcspn(auth, "/?#");
	for (const char *c = auth; c < end; c++)
		if (*c == '@')
			at = c;
	if (at) {
		p->userinfo = auth;
		p->userinfo_len = (size_t)(at - auth);
		auth = at + 1;
	}
	p->host = auth;
	p->host_len = (size_t)(end - auth);
	p->path = end;
	p->path_len = strcspn(end, "?#");
	if (end[p->path_len] == '?') {
		p->query = end + p->path_len + 1;
		p->query_len = strcspn(p->query, "#");
	}
}

size_t obs_http_redact_url(const char *url, int flags, char *buf, size_t size)
{
	struct sbuf sb = { buf, size, 0 };
	struct url_parts p;

	if (size)
		buf[0] = '\0';
	url_split(url, &p);
	sb_add(&sb, p.scheme, p.scheme_len);
	sb_add(&sb, p.host, p.host_len);
	if (flags & OBS_HTTP_REDACT_PATH) {
		if (p.path_len > 1 || p.query)
			sb_str(&sb, "/***");
		else
			sb_add(&sb, p.path, p.path_len);
		return sb.len;
	}
	sb_add(&sb, p.path, p.path_len);
	if (!p.query)
		return sb.len;
	sb_str(&sb, "?");
	for (size_t i = 0; i <= p.query_len;) {
		size_t n = strcspn(p.query + i, "&#");
		const char *param = p.query + i;
		size_t name = strcspn(param, "=&#");

		if (name < n && secret_name(param, name)) {
			sb_add(&sb, param, name + 1);
			sb_str(&sb, "***");
		} else {
			sb_add(&sb, param, n);
		}
		i += n + 1;
		if (i <= p.query_len)
			sb_str(&sb, "&");
	}
	return sb.len;
}

/* Replace every occurrence of SECRET (N >= SECRET_MIN bytes) in MSG by "***". */
static void scrub_one(char *msg, const char *secret, size_t n)
{
	char *hit;

	if (n < SECRET_MIN)
		return;
	while ((hit = memmem(msg, strlen(msg), secret, n)) != NULL) {
		memcpy(hit, "***", 3);
		memmove(hit + 3, hit + n, strlen(hit + n) + 1);
	}
}

/* Remove the URL's and the headers' secrets from MSG (defence in depth). */
static void scrub(const struct obs_http *h, const char *url, char *msg)
{
	struct url_parts p;

	for (int i = 0; i < h->nheaders; i++) {
		const char *v = strchr(h->headers[i], ':');

		if (!v)
			continue;
		scrub_one(msg, v + 2, strlen(v + 2));
		/* "Bearer TOKEN": a server may echo the token alone */
		for (v += 2; *v; v += strspn(v, " \t,")) {
			size_t n = strcspn(v, " \t,");

			if (n >= 8)
				scrub_one(msg, v, n);
			v += n;
		}
	}
	url_split(url, &p);
	if (p.userinfo) {
		size_t user = strcspn(p.userinfo, ":@");

		scrub_one(msg, p.userinfo, p.userinfo_len);
		scrub_one(msg, p.userinfo, user);
		if (user < p.userinfo_len)
			scrub_one(msg, p.userinfo + user + 1, p.userinfo_len - user - 1);
	}
	for (size_t i = 0; p.query && i < p.query_len;) {
		const char *param = p.query + i;
		size_t n = strcspn(param, "&#"), name = strcspn(param, "=&#");

		if (name < n && secret_name(param, name))
			scrub_one(msg, param + name + 1, n - name - 1);
		i += n + 1;
	}
}

void obs_http_scrub(const struct obs_http *h, const char *url, char *text)
{
	scrub(h, url ? url : "", text);
}

/* Set ERR to "PREFIX 'redacted URL': fmt..." with secrets scrubbed; returns -1. */
static int http_error(const struct obs_http *h, struct obs_error *err, const char *prefix,
		      const char *url, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int http_error(const struct obs_http *h, struct obs_error *err, const char *prefix,
		      const char *url, const char *fmt, ...)
{
	char shown[OBS_ERROR_MAX], detail[OBS_ERROR_MAX];
	va_list ap;

	if (!err)
		return -1;
	obs_http_redact_url(url, h->redact_path ? OBS_HTTP_REDACT_PATH : 0, shown, sizeof(shown));
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	obs_error_set(err, "%s '%s': %s", prefix, shown, detail);
	scrub(h, url, err->msg);
	return -1;
}

static void trace(const struct obs_http *h, const char *url, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void trace(const struct obs_http *h, const char *url, const char *fmt, ...)
{
	char line[OBS_ERROR_MAX];
	va_list ap;

	if (!h->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	scrub(h, url, line);
	h->trace(h->trace_ctx, line);
}

/* ---- statuses, Retry-After, backoff ------------------------------------------ */

int obs_http_status_retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

const char *obs_http_reason(long status)
{
	static const struct {
		short code;
		const char *text;
	} reasons[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-Authoritative Information" }, { 204, "No Content" },
		{ 205, "Reset Content" }, { 206, "Partial Content" },
		{ 207, "Multi-Status" },
		{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
		{ 411, "Length Required" }, { 412, "Precondition Failed" },
		{ 413, "Content Too Large" }, { 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
		{ 422, "Unprocessable Content" }, { 425, "Too Early" },
		{ 426, "Upgrade Required" }, { 428, "Precondition Required" },
		{ 429, "Too Many Requests" }, { 431, "Request Header Fields Too Large" },
		{ 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
		{ 507, "Insufficient Storage" }, { 511, "Network Authentication Required" },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return "";
}

/* "503 Service Unavailable", or "599" for a status without a known reason. */
static void status_text(long status, char *buf, size_t size)
{
	const char *r = obs_http_reason(status);

	snprintf(buf, size, "%ld%s%s", status, *r ? " " : "", r);
}

int obs_http_retry_after_ms(const char *value, int64_t now_ns, int64_t *ms)
{
	const char *s = value;
	size_t n;
	time_t when;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	if (strspn(s, "0123456789") >= n) {
		int64_t secs = 0;

		for (size_t i = 0; i < n; i++) {
			if (secs > INT64_MAX / 10000)   /* past ~29 million years: clamp */
				break;
			secs = secs * 10 + (s[i] - '0');
		}
		*ms = secs * 1000;
		return 0;
	}
	when = curl_getdate(s, NULL);
	if (when == (time_t)-1)
		return -1;
	*ms = (int64_t)when * 1000 - now_ns / 1000000;
	if (*ms < 0)
		*ms = 0;
	return 0;
}

static uint64_t rng_next(struct obs_http *h)
{
	/* xorshift64*: jitter only needs to spread clients apart. */
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 2685821657736338717ULL;
}

long obs_http_backoff_ms(struct obs_http *h, int attempt)
{
	long cap = h->retry_initial_ms > 0 ? h->retry_initial_ms : 0;

	for (int i = 1; i < attempt && cap < h->retry_max_ms; i++)
		cap = cap > LONG_MAX / 2 ? LONG_MAX : cap * 2;
	if (cap > h->retry_max_ms)
		cap = h->retry_max_ms;
	if (cap <= 0)
		return 0;
	return (long)(rng_next(h) % ((uint64_t)cap + 1));
}

/* ---- client and headers ---------------------------------------------------- */

void obs_http_init(struct obs_http *h)
{
	memset(h, 0, sizeof(*h));
	h->connect_timeout_ms = 10000;
	h->timeout_ms = 10000;
	h->user_agent = "obs/" OBS_VERSION;
	h->max_response = OBS_HTTP_MAX_RESPONSE;
	h->retry_initial_ms = 1000;
	h->retry_max_ms = 30000;
	h->retry_deadline_ms = 60000;
	/* odd, so never the zero state xorshift cannot leave */
	h->rng = ((uint64_t)obs_time_monotonic() ^ ((uint64_t)getpid() << 32) ^
		  (uint64_t)(uintptr_t)h) | 1;
}

void obs_http_release(struct obs_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	for (int i = 0; i < h->nheaders; i++)
		free(h->headers[i]);
	free(h->headers);
	h->curl = NULL;
	h->headers = NULL;
	h->nheaders = 0;
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("!#$%&'*+-.^_`|~", s[i]))
			return 0;
	return 1;
}

static int valid_value(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Check, then format "Name: value" into a new string. */
static char *header_make(const char *name, size_t nlen, const char *value, size_t vlen,
			 struct obs_error *err)
{
	char *line;

	if (!valid_name(name, nlen)) {
		obs_error_set(err, "invalid header name '%.*s'", (int)(nlen > 100 ? 100 : nlen), name);
		return NULL;
	}
	if (!valid_value(value, vlen)) {
		obs_error_set(err, "invalid value for header '%.*s'", (int)nlen, name);
		return NULL;
	}
	line = malloc(nlen + vlen + 3);
	if (!line) {
		obs_error_set(err, "out of memory");
		return NULL;
	}
	/* curl drops "Name:" with an empty value; "Name;" sends it empty. */
	memcpy(line, name, nlen);
	if (vlen == 0) {
		memcpy(line + nlen, ";", 2);
		return line;
	}
	memcpy(line + nlen, ": ", 2);
	memcpy(line + nlen + 2, value, vlen);
	line[nlen + 2 + vlen] = '\0';
	return line;
}

static int header_push(struct obs_http *h, char *line, struct obs_error *err)
{
	char **v = realloc(h->headers, (size_t)(h->nheaders + 1) * sizeof(*v));

	if (!v) {
		free(line);
		return obs_error_set(err, "out of memory");
	}
	h->headers = v;
	h->headers[h->nheaders++] = line;
	return 0;
}

int obs_http_header_add(struct obs_http *h, const char *name, const char *value,
			struct obs_error *err)
{
	char *line = header_make(name, strlen(name), value, strlen(value), err);

	if (!line)
		return -1;
	return header_push(h, line, err);
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Parse a "k1=v1,k2=v2" list; messages start "invalid WHAT: " and show no value. */
static int add_list(struct obs_http *h, const char *list, const char *what, struct obs_error *err)
{
	int first = h->nheaders, entry = 0, rc = -1;
	const char *p = list;
	char *value = NULL;

	while (*p) {
		size_t n = strcspn(p, ","), klen = n, vlen, dn = 0;
		const char *eq = memchr(p, '=', n), *key = p, *v;
		char *line;

		entry++;
		trim(&key, &klen);
		if (klen == 0) {
			p += n + (p[n] == ',');
			continue;
		}
		if (!eq) {
			obs_error_set(err, "invalid %s: entry %d has no '='", what, entry);
			goto out;
		}
		klen = (size_t)(eq - p);
		key = p;
		trim(&key, &klen);
		if (!valid_name(key, klen)) {
			obs_error_set(err, "invalid %s: entry %d has an invalid header name", what, entry);
			goto out;
		}
		v = eq + 1;
		vlen = (size_t)(p + n - v);
		trim(&v, &vlen);
		free(value);
		if (!(value = malloc(vlen + 1))) {
			obs_error_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < vlen; i++) {
			int hi, lo;

			if (v[i] == '%' && i + 2 < vlen && (hi = obs_text_hexval(v[i + 1])) >= 0 &&
			    (lo = obs_text_hexval(v[i + 2])) >= 0) {
				value[dn++] = (char)(hi * 16 + lo);
				i += 2;
			} else {
				value[dn++] = v[i];
			}
		}
		if (!valid_value(value, dn)) {
			obs_error_set(err, "invalid %s: invalid value for header '%.*s'", what, (int)klen, key);
			goto out;
		}
		if (!(line = header_make(key, klen, value, dn, err)) || header_push(h, line, err) < 0)
			goto out;
		p += n + (p[n] == ',');
	}
	rc = 0;
out:
	free(value);
	if (rc < 0) {
		while (h->nheaders > first)
			free(h->headers[--h->nheaders]);
	}
	return rc;
}

int obs_http_header_add_list(struct obs_http *h, const char *list, struct obs_error *err)
{
	return add_list(h, list, "header list", err);
}

/* The per-signal variable if set and non-empty, else the generic one (or NULL). */
static const char *otel_var(const char *signal, const char *suffix, char *name, size_t size)
{
	const char *v;

	if (signal) {
		size_t n = (size_t)snprintf(name, size, "OTEL_EXPORTER_OTLP_%s_%s", signal, suffix);

		for (size_t i = 19; i < n; i++)
			name[i] = (char)toupper((unsigned char)name[i]);
		v = getenv(name);
		if (v && *v)
			return v;
	}
	snprintf(name, size, "OTEL_EXPORTER_OTLP_%s", suffix);
	v = getenv(name);
	return v && *v ? v : NULL;
}

int obs_http_otel_env(struct obs_http *h, const char *signal, struct obs_error *err)
{
	char name[80];
	const char *v;

	if (signal && (!*signal || strspn(signal, "abcdefghijklmnopqrstuvwxyz") != strlen(signal) ||
		       strlen(signal) > 20))
		return obs_error_set(err, "invalid signal '%s'", signal);
	if ((v = otel_var(signal, "CERTIFICATE", name, sizeof(name))))
		h->ca_file = v;
	if ((v = otel_var(signal, "CLIENT_CERTIFICATE", name, sizeof(name))))
		h->client_cert = v;
	if ((v = otel_var(signal, "CLIENT_KEY", name, sizeof(name))))
		h->client_key = v;
	if ((v = otel_var(signal, "TIMEOUT", name, sizeof(name)))) {
		char *end;
		long ms;

		errno = 0;
		ms = strtol(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || errno)
			return obs_error_set(err, "invalid %s '%s': expected milliseconds", name, v);
		h->timeout_ms = ms;
	}
	if ((v = otel_var(signal, "COMPRESSION", name, sizeof(name)))) {
		if (strcmp(v, "gzip") == 0)
			h->gzip = 1;
		else if (strcmp(v, "none") == 0)
			h->gzip = 0;
		else
			return obs_error_set(err, "invalid %s '%s': expected gzip or none", name, v);
	}
	if ((v = otel_var(signal, "HEADERS", name, sizeof(name))))
		return add_list(h, v, name, err);
	return 0;
}

/* ---- responses ------------------------------------------------------------------ */

void obs_http_response_init(struct obs_http_response *r)
{
	memset(r, 0, sizeof(*r));
}

void obs_http_response_release(struct obs_http_response *r)
{
	free(r->content_type);
	free(r->retry_after);
	free(r->body);
	obs_http_response_init(r);
}

/* ---- one transfer ---------------------------------------------------------------- */

struct xfer {
	struct obs_http_response *resp;
	size_t cap, limit;
	int over;                 /* the body passed limit and was cut */
	int oom;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct obs_http_response *r = x->resp;
	size_t n = size * nmemb, take = n;

	if (take > x->limit - r->len) {
		take = x->limit - r->len;
		x->over = 1;
	}
	if (r->len + take + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		char *b;

		while (cap < r->len + take + 1)
			cap *= 2;
		if (cap > x->limit + 1)
			cap = x->limit + 1;
		b = realloc(r->body, cap);
		if (!b) {
			x->oom = 1;
			return 0;
		}
		r->body = b;
		x->cap = cap;
	}
	memcpy(r->body + r->len, data, take);
	r->len += take;
	r->body[r->len] = '\0';
	return x->over ? 0 : n;
}

/* Copy a header's value (spaces and CRLF trimmed) into *dst if LINE is NAME. */
static int header_take(const char *line, size_t n, const char *name, char **dst, struct xfer *x)
{
	size_t k = strlen(name);
	const char *v;
	size_t vlen;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return 0;
	v = line + k + 1;
	vlen = n - k - 1;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
		vlen--;
	trim(&v, &vlen);
	free(*dst);
	*dst = strndup(v, vlen);
	if (!*dst)
		x->oom = 1;
	return 1;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct obs_http_response *r = x->resp;
	size_t n = size * nmemb;

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue or a redirect): forget the last one's. */
		free(r->content_type);
		free(r->retry_after);
		r->content_type = r->retry_after = NULL;
		return n;
	}
	if (!header_take(line, n, "Content-Type", &r->content_type, x))
		header_take(line, n, "Retry-After", &r->retry_after, x);
	return x->oom ? 0 : n;
}

static int gzip_body(const void *in, size_t len, char **out, size_t *outlen)
{
	z_stream zs;
	uLong bound;
	int rc;

	memset(&zs, 0, sizeof(zs));
	*out = NULL;
	if (len > UINT_MAX / 2 ||
	    deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&zs, (uLong)len);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)(*out = malloc(bound));
	zs.avail_out = (uInt)bound;
	rc = *out ? deflate(&zs, Z_FINISH) : Z_MEM_ERROR;
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* Point *BODY at a gzip copy (*GZ, freed by the caller); -1 with ERR set on failure. */
static int compress_body(const void **body, size_t *len, char **gz,
			 struct obs_http_response *resp, struct obs_error *err)
{
	if (gzip_body(*body, *len, gz, len) < 0) {
		obs_http_response_release(resp);
		return obs_error_set(err, "cannot compress the request body: out of memory");
	}
	*body = *gz;
	return 0;
}

/* What one attempt gave besides the response. */
struct attempt {
	CURLcode code;            /* CURLE_OK: a response arrived (maybe cut) */
	char detail[CURL_ERROR_SIZE];
	int over;
};

static int check_file(const char *what, const char *path, struct obs_error *err)
{
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return obs_error_errno(err, "cannot read %s '%s'", what, path);
	close(fd);
	return 0;
}

static void slist_add(struct curl_slist **list, const char *s, struct xfer *x)
{
	struct curl_slist *l = curl_slist_append(*list, s);

	if (l)
		*list = l;
	else
		x->oom = 1;
}

static void set_opt_failed(CURLcode rc, struct attempt *a)
{
	if (rc != CURLE_OK && a->code == CURLE_OK)
		a->code = rc;
}

/*
 * One transfer. -1 on a local failure (ERR set: out of memory, unreadable
 * certificate file); else 0 with A->code telling whether a response came.
 */
static int perform(struct obs_http *h, const char *method, const char *url,
		   const char *content_type, const char *accept, const void *body, size_t len,
		   int gzipped, long timeout_ms, struct obs_http_response *resp,
		   struct attempt *a, struct obs_error *err)
{
	static int global_done;
	struct xfer x = { resp, 0, h->max_response, 0, 0 };
	struct curl_slist *list = NULL;
	char line[1024];
	CURL *c;
	CURLcode rc = CURLE_OK;
	long connect_ms = h->connect_timeout_ms;
	int ret = -1;

	obs_http_response_release(resp);
	memset(a, 0, sizeof(*a));
	if (check_file("CA file", h->ca_file, err) < 0 ||
	    check_file("client certificate", h->client_cert, err) < 0 ||
	    check_file("client key", h->client_key, err) < 0)
		return -1;
	if ((!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) ||
	    (!h->curl && !(h->curl = curl_easy_init())))
		return obs_error_set(err, "cannot initialise libcurl");
	global_done = 1;
	c = h->curl;
	curl_easy_reset(c);

	for (int i = 0; i < h->nheaders; i++)
		slist_add(&list, h->headers[i], &x);
	if (content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		slist_add(&list, line, &x);
	}
	if (gzipped)
		slist_add(&list, "Content-Encoding: gzip", &x);
	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		slist_add(&list, line, &x);
	}
	/* No "Expect: 100-continue" round trip on large bodies. */
	slist_add(&list, "Expect:", &x);
	if (x.oom)
		goto oom;

	if (timeout_ms > 0 && (connect_ms <= 0 || connect_ms > timeout_ms))
		connect_ms = timeout_ms;
	set_opt_failed(curl_easy_setopt(c, CURLOPT_URL, url), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https"), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, h->follow_redirects ? 1L : 0L), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms > 0 ? connect_ms : 0L), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 0L), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L), a);
	if (h->ca_file)
		set_opt_failed(curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file), a);
	if (h->client_cert)
		set_opt_failed(curl_easy_setopt(c, CURLOPT_SSLCERT, h->client_cert), a);
	if (h->client_key)
		set_opt_failed(curl_easy_setopt(c, CURLOPT_SSLKEY, h->client_key), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_HTTPHEADER, list), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_WRITEDATA, &x), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_HEADERDATA, &x), a);
	set_opt_failed(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, a->detail), a);
	if (strcmp(method, "GET") == 0) {
		set_opt_failed(curl_easy_setopt(c, CURLOPT_HTTPGET, 1L), a);
	} else if (strcmp(method, "HEAD") == 0) {
		set_opt_failed(curl_easy_setopt(c, CURLOPT_NOBODY, 1L), a);
	} else {
		set_opt_failed(curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len), a);
		set_opt_failed(curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : ""), a);
		if (strcmp(method, "POST") != 0)
			set_opt_failed(curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method), a);
	}

	rc = a->code == CURLE_OK ? curl_easy_perform(c) : a->code;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (x.oom)
		goto oom;
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x.over)) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		a->code = CURLE_OK;
		a->over = resp->truncated = x.over;
	} else {
		a->code = rc;
		resp->status = 0;
	}
	ret = 0;
	goto out;
oom:
	obs_error_set(err, "out of memory");
out:
	curl_slist_free_all(list);
	return ret;
}

/* The transfer error as text: curl's detailed message, else its generic one. */
static const char *attempt_text(const struct attempt *a)
{
	return a->detail[0] ? a->detail : curl_easy_strerror(a->code);
}

static int retryable_code(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
		return 1;
	default:
		return 0;
	}
}

static void fmt_ms(int64_t ms, char *buf, size_t size)
{
	obs_duration_format(ms * 1000000, buf, size);
}

/* Wall clock for HTTP-dates: the real one, whatever OBS_FAKE_TIME says. */
static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t elapsed_ms(int64_t start_ns)
{
	return (obs_time_monotonic() - start_ns) / 1000000;
}

static void sleep_ms(int64_t ms)
{
	int64_t until = obs_time_monotonic() + ms * 1000000;
	int64_t left;

	while ((left = until - obs_time_monotonic()) > 0) {
		struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };

		nanosleep(&ts, NULL);
	}
}

/* Trace one attempt's result. */
static void trace_attempt(const struct obs_http *h, const char *method, const char *url,
			  const struct obs_http_response *resp, const struct attempt *a,
			  int64_t start_ns)
{
	char shown[OBS_ERROR_MAX], took[32], st[64];

	if (!h->trace)
		return;
	obs_http_redact_url(url, h->redact_path ? OBS_HTTP_REDACT_PATH : 0, shown, sizeof(shown));
	fmt_ms(elapsed_ms(start_ns), took, sizeof(took));
	if (a->code != CURLE_OK) {
		trace(h, url, "%s '%s': %s after %s", method, shown, attempt_text(a), took);
		return;
	}
	status_text(resp->status, st, sizeof(st));
	trace(h, url, "%s '%s': %s in %s, %zu bytes%s", method, shown, st, took, resp->len,
	      a->over ? " (cut)" : "");
}

static int over_error(const struct obs_http *h, const char *prefix, const char *url,
		      struct obs_error *err)
{
	return http_error(h, err, prefix, url, "response larger than %zu bytes", h->max_response);
}

int obs_http_request(struct obs_http *h, const char *method, const char *url,
		     const char *content_type, const void *body, size_t len,
		     struct obs_http_response *resp, struct obs_error *err)
{
	struct attempt a;
	char *gz = NULL;
	int64_t start = obs_time_monotonic();
	int rc = -1;

	if (h->gzip && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    compress_body(&body, &len, &gz, resp, err) < 0)
		return -1;
	if (perform(h, method, url, content_type, NULL, body, len, gz != NULL, h->timeout_ms,
		    resp, &a, err) < 0)
		goto out;
	trace_attempt(h, method, url, resp, &a, start);
	if (a.code != CURLE_OK)
		http_error(h, err, "cannot send to", url, "%s", attempt_text(&a));
	else if (a.over)
		over_error(h, "cannot send to", url, err);
	else
		rc = 0;
out:
	free(gz);
	return rc;
}

int obs_http_get(struct obs_http *h, const char *url, const char *accept,
		 struct obs_http_response *resp, struct obs_error *err)
{
	struct attempt a;
	char st[64];
	int64_t start = obs_time_monotonic();

	if (perform(h, "GET", url, NULL, accept, NULL, 0, 0, h->timeout_ms, resp, &a, err) < 0)
		return -1;
	trace_attempt(h, "GET", url, resp, &a, start);
	if (a.code != CURLE_OK)
		return http_error(h, err, "cannot get", url, "%s", attempt_text(&a));
	if (a.over)
		return over_error(h, "cannot get", url, err);
	if (resp->status < 200 || resp->status > 299) {
		status_text(resp->status, st, sizeof(st));
		return http_error(h, err, "cannot get", url, "%s", st);
	}
	return 0;
}

/* First line of the body, printable ASCII only, at most EXCERPT_MAX bytes. */
static void body_excerpt(const struct obs_http_response *r, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < r->len && n + 1 < size && n < EXCERPT_MAX; i++) {
		unsigned char c = (unsigned char)r->body[i];

		if (c == '\n' || c == '\r' || ((c == ' ' || c == '\t') && n == 0)) {
			if (n && c != ' ' && c != '\t')
				break;
			continue;
		}
		buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

/* The least time left for which a retry is still started: a tenth of the deadline, at most 100 ms. */
static long min_attempt_ms(long deadline)
{
	return deadline / 10 < 100 ? deadline / 10 : 100;
}

int obs_http_send(struct obs_http *h, const char *method, const char *url,
		  const char *content_type, const void *body, size_t len,
		  struct obs_http_response *resp, struct obs_error *err)
{
	int64_t start = obs_time_monotonic();
	long deadline = h->retry_deadline_ms;
	struct attempt a;
	char *gz = NULL, last[OBS_ERROR_MAX], why[128] = "", took[32], st[64];
	int attempts = 0, rc = -1;
	long last_status = 0;
	enum obs_http_outcome outcome = OBS_HTTP_FAILED;

	if (h->gzip && compress_body(&body, &len, &gz, resp, err) < 0)
		goto out;
	for (;;) {
		long timeout = h->timeout_ms;
		int64_t wait, used, t0;
		int cut = 0;

		used = elapsed_ms(start);
		if (deadline > 0) {
			int64_t left = deadline - used;

			if (timeout <= 0 || timeout > left) {
				timeout = left > 1 ? (long)left : 1;
				cut = 1;
			}
		}
		attempts++;
		t0 = obs_time_monotonic();
		if (perform(h, method, url, content_type, NULL, body, len, gz != NULL, timeout,
			    resp, &a, err) < 0)
			goto out;
		trace_attempt(h, method, url, resp, &a, t0);
		if (a.code != CURLE_OK) {
			if (!retryable_code(a.code)) {
				http_error(h, err, "cannot send to", url, "%s", attempt_text(&a));
				goto out;
			}
			/*
			 * An attempt the deadline cut short says nothing about the
			 * server: the answer before it (a 503, say) is the news.
			 */
			if (cut && a.code == CURLE_OPERATION_TIMEDOUT && attempts > 1)
				resp->status = last_status;
			else
				snprintf(last, sizeof(last), "%s", attempt_text(&a));
		} else if (resp->status >= 200 && resp->status <= 299) {
			outcome = OBS_HTTP_DELIVERED;
			rc = 0;
			goto out;
		} else if (!obs_http_status_retryable(resp->status)) {
			char excerpt[EXCERPT_MAX + 1];

			status_text(resp->status, st, sizeof(st));
			body_excerpt(resp, excerpt, sizeof(excerpt));
			http_error(h, err, "cannot send to", url, "%s%s%s", st, *excerpt ? ": " : "",
				   excerpt);
			outcome = OBS_HTTP_REJECTED;
			goto out;
		} else {
			status_text(resp->status, last, sizeof(last));
			last_status = resp->status;
		}

		outcome = OBS_HTTP_GAVE_UP;
		if (h->retry_max_attempts > 0 && attempts >= h->retry_max_attempts)
			break;
		wait = obs_http_backoff_ms(h, attempts);
		if (a.code == CURLE_OK && resp->retry_after &&
		    obs_http_retry_after_ms(resp->retry_after, realtime_ns(), &wait) == 0) {
			fmt_ms(wait, took, sizeof(took));
			if (deadline > 0 && elapsed_ms(start) + wait >= deadline) {
				char dl[32];

				fmt_ms(deadline, dl, sizeof(dl));
				snprintf(why, sizeof(why), " (retry after %s is past the %s deadline)",
					 took, dl);
				break;
			}
			trace(h, url, "retrying in %s, as the server asked", took);
		} else {
			/* Not worth starting: an attempt with next to no time left. */
			if (deadline > 0 && elapsed_ms(start) + wait + min_attempt_ms(deadline) >= deadline)
				break;
			fmt_ms(wait, took, sizeof(took));
			trace(h, url, "retrying in %s", took);
		}
		sleep_ms(wait);
	}
	fmt_ms(elapsed_ms(start), took, sizeof(took));
	http_error(h, err, "cannot send to", url, "giving up after %d attempt%s over %s: %s%s",
		   attempts, attempts == 1 ? "" : "s", took, last, why);
out:
	resp->outcome = outcome;
	resp->attempts = attempts;
	resp->elapsed_ms = elapsed_ms(start);
	free(gz);
	return rc;
}
