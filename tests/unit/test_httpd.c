/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_httpd: addresses, sizes, secrets, and a live server on 127.0.0.1 driven with libcurl. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>

#include "failalloc.h"
#include "obs_httpd.h"
#include "obs_time.h"

/* ---- parsing helpers ------------------------------------------------------------ */

static void listen_ok(const char *s, const char *want)
{
	struct sockaddr_storage sa;
	socklen_t len;
	struct obs_error err;
	char host[INET6_ADDRSTRLEN], got[96];

	if (obs_httpd_parse_listen(s, &sa, &len, &err) < 0)
		fail_msg("'%s': %s", s, err.msg);
	if (sa.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(got, sizeof(got), "%s:%u", host, ntohs(in->sin_port));
		assert_int_equal(len, sizeof(struct sockaddr_in));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(got, sizeof(got), "[%s]:%u", host, ntohs(in6->sin6_port));
		assert_int_equal(len, sizeof(struct sockaddr_in6));
	}
	assert_string_equal(got, want);
}

static void listen_bad(const char *s, const char *msg)
{
	struct sockaddr_storage sa;
	socklen_t len;
	struct obs_error err;

	assert_int_equal(obs_httpd_parse_listen(s, &sa, &len, &err), -1);
	assert_string_equal(err.msg, msg);
}

static void test_parse_listen(void **state)
{
	(void)state;
	listen_ok("127.0.0.1:9464", "127.0.0.1:9464");
	listen_ok("9464", "127.0.0.1:9464");
	listen_ok("0", "127.0.0.1:0");
	listen_ok(":80", "0.0.0.0:80");
	listen_ok("[::1]:65535", "[::1]:65535");
	listen_ok("[::]:1", "[::]:1");
	listen_ok("10.1.2.3:00080", "10.1.2.3:80");
	{
		/* a name: its first address, whichever family */
		struct sockaddr_storage sa;
		socklen_t len;
		struct obs_error err;

		assert_int_equal(obs_httpd_parse_listen("localhost:7", &sa, &len, &err), 0);
		assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&sa), 1);
	}
	listen_bad(NULL, "invalid listen address '': expected HOST:PORT");
	listen_bad("", "invalid listen address '': expected HOST:PORT");
	listen_bad("host", "invalid listen address 'host': expected HOST:PORT");
	listen_bad("127.0.0.1:", "invalid listen address '127.0.0.1:': invalid port ''");
	listen_bad("127.0.0.1:65536", "invalid listen address '127.0.0.1:65536': invalid port '65536'");
	listen_bad("127.0.0.1:12x", "invalid listen address '127.0.0.1:12x': invalid port '12x'");
	listen_bad("127.0.0.1:99999999999999999999",
		   "invalid listen address '127.0.0.1:99999999999999999999': invalid port "
		   "'99999999999999999999'");
	listen_bad("::1:80", "invalid listen address '::1:80': write IPv6 addresses in brackets, "
		   "[::1]:PORT");
	listen_bad("[::1]80", "invalid listen address '[::1]80': expected [IPV6]:PORT");
	listen_bad("[::1", "invalid listen address '[::1': expected [IPV6]:PORT");
	listen_bad("[]:80", "invalid listen address '[]:80': empty host");
	listen_bad("no-such-host.invalid:80",
		   "cannot resolve 'no-such-host.invalid': Name or service not known");
}

static void test_loopback(void **state)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_un un;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in), 1);
	inet_pton(AF_INET, "127.255.0.9", &in.sin_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in), 1);
	inet_pton(AF_INET, "10.0.0.1", &in.sin_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in), 0);
	inet_pton(AF_INET, "0.0.0.0", &in.sin_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in), 0);
	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in6), 1);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &in6.sin6_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in6), 1);
	inet_pton(AF_INET6, "::ffff:10.0.0.2", &in6.sin6_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in6), 0);
	inet_pton(AF_INET6, "::", &in6.sin6_addr);
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&in6), 0);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_int_equal(obs_httpd_is_loopback((struct sockaddr *)&un), 0);
}

static void size_ok(const char *s, size_t want)
{
	struct obs_error err;
	size_t got = 0;

	if (obs_httpd_parse_size(s, &got, &err) < 0)
		fail_msg("'%s': %s", s, err.msg);
	assert_int_equal(got, want);
}

static void size_bad(const char *s, const char *msg)
{
	struct obs_error err;
	size_t got = 7;

	assert_int_equal(obs_httpd_parse_size(s, &got, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_int_equal(got, 7);
}

static void test_parse_size(void **state)
{
	(void)state;
	size_ok("1", 1);
	size_ok("1048576", 1048576);
	size_ok("512k", 512 * 1024);
	size_ok("512K", 512 * 1024);
	size_ok("4M", 4 << 20);
	size_ok("4MiB", 4 << 20);
	size_ok("4mb", 4 << 20);
	size_ok("2G", (size_t)2 << 30);
	size_ok("3KiB", 3072);
	size_ok("10b", 10);
	size_bad("0", "invalid size '0': must be more than 0");
	size_bad("0k", "invalid size '0k': must be more than 0");
	size_bad("", "invalid size '': expected a number of bytes with an optional k, M or G");
	size_bad(NULL, "invalid size '': expected a number of bytes with an optional k, M or G");
	size_bad("-1", "invalid size '-1': expected a number of bytes with an optional k, M or G");
	size_bad("k", "invalid size 'k': expected a number of bytes with an optional k, M or G");
	size_bad("12q", "invalid size '12q': expected a number of bytes with an optional k, M or G");
	size_bad("1 M", "invalid size '1 M': expected a number of bytes with an optional k, M or G");
	size_bad("99999999999999999999", "size '99999999999999999999' is too large");
	size_bad("17179869184G", "size '17179869184G' is too large");
}

static void test_secret_equal(void **state)
{
	(void)state;
	assert_int_equal(obs_httpd_secret_equal("abc", 3, "abc", 3), 1);
	assert_int_equal(obs_httpd_secret_equal("abd", 3, "abc", 3), 0);
	assert_int_equal(obs_httpd_secret_equal("ab", 2, "abc", 3), 0);
	assert_int_equal(obs_httpd_secret_equal("abcabc", 6, "abc", 3), 0);
	assert_int_equal(obs_httpd_secret_equal("", 0, "abc", 3), 0);
	assert_int_equal(obs_httpd_secret_equal("", 0, "", 0), 0);
	assert_int_equal(obs_httpd_secret_equal("x", 1, "", 0), 0);
}

static void test_response(void **state)
{
	struct obs_httpd_response r;
	char *p;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(obs_httpd_set(&r, 201, "a/b", "xyz", 3), 0);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.content_type, "a/b");
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.body, "xyz", 3);
	assert_int_equal(obs_httpd_set_text(&r, 400, "bad '%s' %d", "x", 7), 0);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	assert_int_equal(r.len, 10);
	assert_memory_equal(r.body, "bad 'x' 7\n", 10);
	assert_int_equal(obs_httpd_set(&r, 204, NULL, NULL, 0), 0);
	assert_int_equal(r.len, 0);
	p = strdup("taken");
	assert_int_equal(obs_httpd_set_take(&r, 200, "t/t", p, 5), 0);
	assert_ptr_equal(r.body, p);
	assert_int_equal(obs_httpd_set_take(&r, 200, "t/t", NULL, 5), 0);
	assert_int_equal(r.len, 0);
	for (i = 0; i < OBS_HTTPD_MAX_HEADERS; i++)
		assert_int_equal(obs_httpd_add_header(&r, "X-A", "1"), 0);
	assert_int_equal(obs_httpd_add_header(&r, "X-B", "2"), -1);
	assert_int_equal(r.nheaders, OBS_HTTPD_MAX_HEADERS);
	obs_httpd_response_release(&r);
	assert_null(r.body);
	assert_int_equal(r.nheaders, 0);
	obs_httpd_response_release(&r);
}

/* Allocation failures in the helpers: a 500 or an error, never a crash. */
static void test_oom(void **state)
{
	struct obs_httpd_response r;
	struct sockaddr_storage sa;
	socklen_t len;
	struct obs_error err;
	long k;
	int rc, ok;

	(void)state;
	if (!failalloc_works())
		skip();
	memset(&r, 0, sizeof(r));
	alloc_budget = 0;
	assert_int_equal(obs_httpd_set(&r, 200, "a/b", "x", 1), -1);
	alloc_budget = -1;
	assert_int_equal(r.status, 500);
	assert_null(r.body);
	alloc_budget = 0;
	assert_int_equal(obs_httpd_set_text(&r, 200, "%s", "text"), -1);
	alloc_budget = -1;
	assert_int_equal(r.status, 500);
	for (k = 0; k < 2; k++) {
		alloc_budget = k;
		assert_int_equal(obs_httpd_add_header(&r, "X-A", "1"), -1);
		alloc_budget = -1;
	}
	assert_int_equal(r.nheaders, 0);
	obs_httpd_response_release(&r);
	for (k = 0, ok = 0; k < 100 && !ok; k++) {
		alloc_budget = k;
		rc = obs_httpd_parse_listen("[::1]:80", &sa, &len, &err);
		alloc_budget = -1;
		if (rc < 0)
			assert_true(!strcmp(err.msg, "out of memory") ||
				    !strcmp(err.msg, "cannot resolve '::1': Memory allocation failure"));
		ok = rc == 0;
	}
	assert_true(ok);
}

/* ---- a live server ---------------------------------------------------------------- */

struct seen {
	pthread_mutex_t lock;
	int logs, warns;
	struct obs_httpd_log last;
	char method[16], path[64], remote[64];
	size_t in, out;
	unsigned status;
};

static struct seen seen = { PTHREAD_MUTEX_INITIALIZER, 0, 0, { 0 }, "", "", "", 0, 0, 0 };

static void on_log(void *ctx, const struct obs_httpd_log *e)
{
	(void)ctx;
	pthread_mutex_lock(&seen.lock);
	seen.logs++;
	snprintf(seen.method, sizeof(seen.method), "%s", e->method);
	snprintf(seen.path, sizeof(seen.path), "%s", e->path);
	snprintf(seen.remote, sizeof(seen.remote), "%s", e->remote);
	seen.in = e->in_bytes;
	seen.out = e->out_bytes;
	seen.status = e->status;
	assert_true(e->ns >= 0);
	pthread_mutex_unlock(&seen.lock);
}

static void on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	assert_non_null(msg);
	pthread_mutex_lock(&seen.lock);
	seen.warns++;
	pthread_mutex_unlock(&seen.lock);
}

/* Echo what the server saw: "METHOD PATH ct=... q=... x=... len=N wire=M remote-ok\nBODY". */
static void h_echo(void *ctx, const struct obs_httpd_request *req, struct obs_httpd_response *resp)
{
	const char *q = obs_httpd_query(req, "q"), *flag = obs_httpd_query(req, "flag");
	const char *x = obs_httpd_header(req, "X-Test");
	char *text;
	int n;

	assert_ptr_equal(ctx, &seen);
	assert_int_equal(req->body[req->len], '\0');
	n = asprintf(&text, "%s %s ct=%s q=%s flag=%s x=%s len=%zu wire=%zu remote=%s\n%.*s",
		     req->method, req->path, req->content_type ? req->content_type : "-",
		     q ? q : "-", flag ? flag : "-", x ? x : "-", req->len, req->wire_len,
		     strncmp(req->remote, "127.0.0.1:", 10) == 0 ? "ok" : req->remote,
		     (int)req->len, (const char *)req->body);
	assert_true(n > 0);
	obs_httpd_set_take(resp, 200, "text/plain", text, (size_t)n);
	obs_httpd_add_header(resp, "X-Echo", "yes");
}

static void h_open(void *ctx, const struct obs_httpd_request *req, struct obs_httpd_response *resp)
{
	(void)ctx;
	(void)req;
	obs_httpd_set_text(resp, 200, "open");
}

static void h_none(void *ctx, const struct obs_httpd_request *req, struct obs_httpd_response *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
}

static void h_slow(void *ctx, const struct obs_httpd_request *req, struct obs_httpd_response *resp)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };

	(void)ctx;
	(void)req;
	nanosleep(&ts, NULL);
	obs_httpd_set_text(resp, 200, "slow");
}

static const struct obs_httpd_route routes[] = {
	{ "/echo", OBS_HTTPD_GET | OBS_HTTPD_POST | OBS_HTTPD_PUT | OBS_HTTPD_DELETE, 0, h_echo },
	{ "/open", OBS_HTTPD_GET, 1, h_open },
	{ "/none", OBS_HTTPD_POST, 1, h_none },
	{ "/slow", OBS_HTTPD_GET, 1, h_slow },
	{ NULL, 0, 0, NULL },
};

struct resp {
	long code;
	CURLcode rc;
	char body[8192];
	size_t len;
	char headers[4096];
	size_t hlen;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t k = size * n;

	if (r->len + k >= sizeof(r->body))
		k = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t k = size * n;

	if (r->hlen + k >= sizeof(r->headers))
		k = sizeof(r->headers) - 1 - r->hlen;
	memcpy(r->headers + r->hlen, p, k);
	r->hlen += k;
	r->headers[r->hlen] = '\0';
	return size * n;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t k = size * n;

	if (k > u->len - u->off)
		k = u->len - u->off;
	memcpy(buf, u->data + u->off, k);
	u->off += k;
	return k;
}

/*
 * METHOD URL with HEADERS (NULL-terminated, may be NULL) and BODY (LEN
 * bytes; NULL: none). CHUNKED sends the body chunked.
 */
static void fetch(struct resp *r, const char *method, const char *url, const char *const *headers,
		  const void *body, size_t len, int chunked)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct upload up = { body, len, 0 };

	memset(r, 0, sizeof(*r));
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	hl = curl_slist_append(hl, "Expect:");
	while (headers && *headers)
		hl = curl_slist_append(hl, *headers++);
	if (chunked) {
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
	} else if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	r->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

static void url(char *buf, size_t size, const struct obs_httpd *h, const char *path)
{
	snprintf(buf, size, "http://%s%s", h->addr, path);
}

/* gzip LEN bytes of DATA (one member) into a new buffer; *OUT gets its length. */
static unsigned char *gz(const void *data, size_t len, size_t *out)
{
	z_stream zs;
	size_t cap = compressBound((uLong)len) + 64;
	unsigned char *buf = malloc(cap);

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out = zs.total_out;
	deflateEnd(&zs);
	return buf;
}

static void start(struct obs_httpd *h, const char *token)
{
	struct obs_error err;

	obs_httpd_init(h);
	h->routes = routes;
	h->ctx = &seen;
	h->token = token;
	h->max_body = 1000;
	h->max_decoded = 4000;
	h->log = on_log;
	h->warn = on_warn;
	if (obs_httpd_start(h, "127.0.0.1:0", &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(h->loopback, 1);
	assert_int_equal(strncmp(h->addr, "127.0.0.1:", 10), 0);
}

static void test_routes_and_auth(void **state)
{
	struct obs_httpd h;
	struct resp r;
	char u[256];
	const char *tok[] = { "Authorization: Bearer sesame", "X-Test: hi", NULL };
	const char *bad[] = { "Authorization: Bearer sesam", NULL };
	const char *basic[] = { "Authorization: Basic sesame", NULL };
	const char *spaced[] = { "Authorization: BEARER   sesame  ", NULL };

	(void)state;
	start(&h, "sesame");

	url(u, sizeof(u), &h, "/open");
	fetch(&r, "GET", u, NULL, NULL, 0, 0);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "open\n");
	assert_non_null(strstr(r.headers, "Content-Type: text/plain; charset=utf-8"));
	fetch(&r, "HEAD", u, NULL, NULL, 0, 0);
	assert_int_equal(r.code, 200);
	assert_int_equal(r.len, 0);

	url(u, sizeof(u), &h, "/echo?q=1%202&flag");
	fetch(&r, "GET", u, NULL, NULL, 0, 0);
	assert_int_equal(r.code, 401);
	assert_string_equal(r.body, "missing or invalid bearer token\n");
	assert_non_null(strstr(r.headers, "WWW-Authenticate: Bearer realm=\"obs\""));
	fetch(&r, "GET", u, bad, NULL, 0, 0);
	assert_int_equal(r.code, 401);
	fetch(&r, "GET", u, basic, NULL, 0, 0);
	assert_int_equal(r.code, 401);
	fetch(&r, "GET", u, spaced, NULL, 0, 0);
	assert_int_equal(r.code, 200);
	fetch(&r, "GET", u, tok, NULL, 0, 0);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "GET /echo ct=- q=1 2 flag= x=hi len=0 wire=0 remote=ok\n");
	assert_non_null(strstr(r.headers, "X-Echo: yes"));
	pthread_mutex_lock(&seen.lock);
	assert_string_equal(seen.method, "GET");
	assert_string_equal(seen.path, "/echo");
	assert_int_equal(seen.status, 200);
	assert_int_equal(seen.in, 0);
	assert_int_equal(seen.out, r.len);
	assert_int_equal(strncmp(seen.remote, "127.0.0.1:", 10), 0);
	pthread_mutex_unlock(&seen.lock);

	fetch(&r, "PUT", u, tok, "data", 4, 0);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "PUT /echo ct=application/x-www-form-urlencoded q=1 2 flag= x=hi "
			    "len=4 wire=4 remote=ok\ndata");
	fetch(&r, "DELETE", u, tok, NULL, 0, 0);
	assert_int_equal(r.code, 200);

	url(u, sizeof(u), &h, "/nowhere");
	fetch(&r, "GET", u, NULL, NULL, 0, 0);
	assert_int_equal(r.code, 404);
	assert_string_equal(r.body, "no such path '/nowhere'\n");
	url(u, sizeof(u), &h, "/a%0Ab%7F");
	fetch(&r, "GET", u, NULL, NULL, 0, 0);
	assert_int_equal(r.code, 404);
	assert_string_equal(r.body, "no such path '/a?b?'\n");
	url(u, sizeof(u), &h, "/open");
	fetch(&r, "POST", u, NULL, "x", 1, 0);
	assert_int_equal(r.code, 405);
	assert_string_equal(r.body, "method POST not allowed for '/open' (allowed: GET, HEAD)\n");
	assert_non_null(strstr(r.headers, "Allow: GET, HEAD"));
	url(u, sizeof(u), &h, "/echo");
	fetch(&r, "PATCH", u, tok, NULL, 0, 0);
	assert_int_equal(r.code, 405);
	assert_string_equal(r.body, "method PATCH not allowed for '/echo' (allowed: GET, HEAD, "
			    "POST, PUT, DELETE)\n");
	url(u, sizeof(u), &h, "/none");
	fetch(&r, "POST", u, NULL, "", 0, 0);
	assert_int_equal(r.code, 500);
	assert_string_equal(r.body, "handler gave no response\n");

	assert_int_equal(obs_httpd_stop(&h, OBS_NS_PER_SEC), 0);
	assert_int_equal(obs_httpd_stop(&h, OBS_NS_PER_SEC), 0);
	obs_httpd_release(&h);
	obs_httpd_release(&h);
}

static void test_bodies(void **state)
{
	struct obs_httpd h;
	struct resp r;
	char u[256], want[256];
	static char big[100000];
	const char *json[] = { "Content-Type: application/json", NULL };
	const char *gzh[] = { "Content-Encoding: gzip", NULL };
	const char *xgz[] = { "Content-Encoding: x-gzip", NULL };
	const char *ident[] = { "Content-Encoding: identity", NULL };
	const char *br[] = { "Content-Encoding: br", NULL };
	unsigned char *z, *two;
	size_t zlen, ylen;

	(void)state;
	start(&h, NULL);
	url(u, sizeof(u), &h, "/echo");

	fetch(&r, "POST", u, json, "{\"a\":1}", 7, 0);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "POST /echo ct=application/json q=- flag=- x=- len=7 wire=7 "
			    "remote=ok\n{\"a\":1}");
	fetch(&r, "POST", u, ident, "abc", 3, 0);
	assert_int_equal(r.code, 200);
	fetch(&r, "POST", u, NULL, "abc", 3, 1);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "len=3 wire=3"));

	/* gzip, x-gzip, two members */
	z = gz("hello gzip", 10, &zlen);
	fetch(&r, "POST", u, gzh, z, zlen, 0);
	assert_int_equal(r.code, 200);
	snprintf(want, sizeof(want), "len=10 wire=%zu remote=ok\nhello gzip", zlen);
	assert_non_null(strstr(r.body, want));
	fetch(&r, "POST", u, xgz, z, zlen, 0);
	assert_int_equal(r.code, 200);
	two = malloc(2 * zlen);
	memcpy(two, z, zlen);
	memcpy(two + zlen, z, zlen);
	fetch(&r, "POST", u, gzh, two, 2 * zlen, 0);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "\nhello gziphello gzip"));
	/* broken gzip: cut, garbage, garbage after a member */
	fetch(&r, "POST", u, gzh, z, zlen - 5, 0);
	assert_int_equal(r.code, 400);
	assert_string_equal(r.body, "invalid gzip body: truncated\n");
	fetch(&r, "POST", u, gzh, "not gzip", 8, 0);
	assert_int_equal(r.code, 400);
	assert_string_equal(r.body, "invalid gzip body: incorrect header check\n");
	memcpy(two + zlen, "garbage!", 8);
	fetch(&r, "POST", u, gzh, two, zlen + 8, 0);
	assert_int_equal(r.code, 400);
	fetch(&r, "POST", u, gzh, "", 0, 0);
	assert_int_equal(r.code, 400);
	assert_string_equal(r.body, "invalid gzip body: truncated\n");
	free(z);
	free(two);
	fetch(&r, "POST", u, br, "x", 1, 0);
	assert_int_equal(r.code, 415);
	assert_string_equal(r.body, "unsupported Content-Encoding 'br' (expected gzip or identity)\n");

	/* limits: announced, chunked, chunked far past the limit, after gunzip */
	memset(big, 'b', sizeof(big));
	fetch(&r, "POST", u, NULL, big, 1000, 0);
	assert_int_equal(r.code, 200);
	fetch(&r, "POST", u, NULL, big, 1001, 0);
	assert_int_equal(r.code, 413);
	assert_string_equal(r.body, "request body larger than 1000 bytes\n");
	fetch(&r, "POST", u, NULL, big, 1500, 1);
	assert_int_equal(r.code, 413);
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.in, 1500);
	pthread_mutex_unlock(&seen.lock);
	fetch(&r, "POST", u, NULL, big, sizeof(big), 1);
	assert_int_not_equal(r.rc, CURLE_OK);   /* closed without an answer */
	z = gz(big, 3000, &zlen);
	fetch(&r, "POST", u, gzh, z, zlen, 0);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "len=3000"));
	free(z);
	{
		char *huge = malloc(5000);

		memset(huge, 'h', 5000);
		z = gz(huge, 5000, &ylen);
		fetch(&r, "POST", u, gzh, z, ylen, 0);
		assert_int_equal(r.code, 413);
		assert_string_equal(r.body, "request body larger than 4000 bytes after decompression\n");
		free(z);
		free(huge);
	}
	obs_httpd_release(&h);

	/* default limits: a body of many reads */
	obs_httpd_init(&h);
	h.routes = routes;
	h.ctx = &seen;
	{
		struct obs_error err;

		assert_int_equal(obs_httpd_start(&h, "127.0.0.1:0", &err), 0);
	}
	url(u, sizeof(u), &h, "/echo");
	memset(big, 'c', sizeof(big));
	fetch(&r, "POST", u, NULL, big, sizeof(big), 1);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "len=100000 wire=100000"));
	obs_httpd_release(&h);

	/* max_decoded below max_body applies to plain bodies too */
	start(&h, NULL);
	obs_httpd_stop(&h, 0);
	obs_httpd_release(&h);
	obs_httpd_init(&h);
	h.routes = routes;
	h.ctx = &seen;
	h.max_decoded = 5;
	{
		struct obs_error err;

		assert_int_equal(obs_httpd_start(&h, "127.0.0.1:0", &err), 0);
	}
	url(u, sizeof(u), &h, "/echo");
	fetch(&r, "POST", u, NULL, "123456", 6, 0);
	assert_int_equal(r.code, 413);
	assert_string_equal(r.body, "request body larger than 5 bytes\n");
	fetch(&r, "POST", u, NULL, "12345", 5, 0);
	assert_int_equal(r.code, 200);
	obs_httpd_release(&h);
}

struct slow_req {
	char url[256];
	struct resp r;
};

static void *slow_thread(void *arg)
{
	struct slow_req *s = arg;

	fetch(&s->r, "GET", s->url, NULL, NULL, 0, 0);
	return NULL;
}

static void wait_inflight(struct obs_httpd *h)
{
	int i;

	for (i = 0; i < 200 && obs_httpd_inflight(h) == 0; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(obs_httpd_inflight(h), 1);
}

static void test_stop(void **state)
{
	struct obs_httpd h;
	struct slow_req s;
	struct resp r;
	pthread_t t;
	char u[256];

	(void)state;
	/* a request in flight finishes, with Connection: close; then the port is closed */
	start(&h, NULL);
	url(s.url, sizeof(s.url), &h, "/slow");
	url(u, sizeof(u), &h, "/open");
	assert_int_equal(pthread_create(&t, NULL, slow_thread, &s), 0);
	wait_inflight(&h);
	assert_int_equal(obs_httpd_stop(&h, 5 * OBS_NS_PER_SEC), 0);
	pthread_join(t, NULL);
	assert_int_equal(s.r.code, 200);
	assert_string_equal(s.r.body, "slow\n");
	assert_non_null(strstr(s.r.headers, "Connection: close"));
	assert_int_equal(obs_httpd_inflight(&h), 0);
	fetch(&r, "GET", u, NULL, NULL, 0, 0);
	assert_int_equal(r.rc, CURLE_COULDNT_CONNECT);
	obs_httpd_release(&h);

	/* past the grace period, it is counted */
	start(&h, NULL);
	url(s.url, sizeof(s.url), &h, "/slow");
	assert_int_equal(pthread_create(&t, NULL, slow_thread, &s), 0);
	wait_inflight(&h);
	assert_int_equal(obs_httpd_stop(&h, 0), 1);
	pthread_join(t, NULL);
	obs_httpd_release(&h);

	/* never started */
	obs_httpd_init(&h);
	assert_int_equal(obs_httpd_stop(&h, 0), 0);
	assert_int_equal(obs_httpd_inflight(&h), 0);
	obs_httpd_release(&h);
}

static void test_start_errors(void **state)
{
	struct obs_httpd h, h2;
	struct obs_error err;
	char msg[256];

	(void)state;
	start(&h, NULL);
	assert_int_equal(obs_httpd_start(&h, "127.0.0.1:0", &err), -1);
	assert_string_equal(err.msg, "server already started");
	obs_httpd_init(&h2);
	h2.routes = routes;
	assert_int_equal(obs_httpd_start(&h2, h.addr, &err), -1);
	snprintf(msg, sizeof(msg), "cannot listen on '%s': Address already in use", h.addr);
	assert_string_equal(err.msg, msg);
	assert_int_equal(obs_httpd_start(&h2, "127.0.0.1:x", &err), -1);
	assert_string_equal(err.msg, "invalid listen address '127.0.0.1:x': invalid port 'x'");
	obs_httpd_release(&h2);
	obs_httpd_release(&h);

	/* IPv6 loopback, when the machine has it */
	obs_httpd_init(&h);
	h.routes = routes;
	if (obs_httpd_start(&h, "[::1]:0", &err) == 0) {
		struct resp r;
		char u[256];

		assert_int_equal(strncmp(h.addr, "[::1]:", 6), 0);
		assert_int_equal(h.loopback, 1);
		url(u, sizeof(u), &h, "/open");
		fetch(&r, "GET", u, NULL, NULL, 0, 0);
		assert_int_equal(r.code, 200);
	}
	obs_httpd_release(&h);
}

static void test_mhd_warnings(void **state)
{
	struct obs_httpd h;
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	static char req[70000];
	char buf[256];
	int fd, i, warned = 0;
	unsigned port;
	size_t n;

	(void)state;
	/* headers larger than libmicrohttpd's memory pool: it answers and complains through warn */
	start(&h, NULL);
	port = (unsigned)atoi(strrchr(h.addr, ':') + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_lock(&seen.lock);
	seen.warns = 0;
	pthread_mutex_unlock(&seen.lock);
	n = (size_t)sprintf(req, "GET /open HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(req + n, 'a', 65000);
	n += 65000;
	n += (size_t)sprintf(req + n, "\r\n\r\n");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	(void)!write(fd, req, n);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	for (i = 0; i < 100 && !warned; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		pthread_mutex_lock(&seen.lock);
		warned = seen.warns;
		pthread_mutex_unlock(&seen.lock);
		nanosleep(&ts, NULL);
	}
	assert_true(warned > 0);
	obs_httpd_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_secret_equal),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_routes_and_auth),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_mhd_warnings),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
