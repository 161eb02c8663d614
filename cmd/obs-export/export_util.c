/* SPDX-License-Identifier: MIT */
/* obs-export: text buffers, secrets, URLs and small helpers shared by the destinations. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_time.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		abort();
	return p;
}

static void xb_reserve(struct xbuf *b, size_t n)
{
	size_t ncap;

	if (b->cap - b->len > n)
		return;
	ncap = b->cap ? b->cap : 256;
	while (ncap - b->len <= n)
		ncap *= 2;
	b->p = xrealloc(b->p, ncap);
	b->cap = ncap;
}

void xb_raw(struct xbuf *b, const void *s, size_t n)
{
	xb_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void xb_str(struct xbuf *b, const char *s)
{
	xb_raw(b, s, strlen(s));
}

void xb_char(struct xbuf *b, char c)
{
	xb_raw(b, &c, 1);
}

void xb_fmt(struct xbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	xb_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void xb_json(struct xbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	xb_reserve(b, n + 2);
	xb_char(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		xb_raw(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': xb_raw(b, "\\\"", 2); break;
		case '\\': xb_raw(b, "\\\\", 2); break;
		case '\n': xb_raw(b, "\\n", 2); break;
		case '\r': xb_raw(b, "\\r", 2); break;
		case '\t': xb_raw(b, "\\t", 2); break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			xb_raw(b, esc, 6);
			break;
		}
	}
	xb_raw(b, s + run, n - run);
	xb_char(b, '"');
}

void xb_reset(struct xbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void xb_release(struct xbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void exp_idx_push(struct exp_idx *l, size_t i)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = i;
}

void exp_idx_release(struct exp_idx *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int exp_header(struct exp *x, const char *name, const char *value)
{
	struct obs_error err;

	if (obs_http_header_add(&x->http, name, value, &err) < 0) {
		obs_warnx("%s: %s", x->dest->name, err.msg);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

char *exp_secret(const char *env, const char *file, const char *what, struct obs_error *err)
{
	const char *v;
	char buf[8192];
	FILE *fp;
	size_t n;

	if (file) {
		fp = fopen(file, "r");
		if (!fp) {
			obs_error_errno(err, "cannot read %s file '%s'", what, file);
			return NULL;
		}
		if (!fgets(buf, sizeof(buf), fp)) {
			int eof = feof(fp);

			fclose(fp);
			if (eof)
				obs_error_set(err, "%s file '%s' is empty", what, file);
			else
				obs_error_errno(err, "cannot read %s file '%s'", what, file);
			return NULL;
		}
		fclose(fp);
		n = strlen(buf);
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
			     buf[n - 1] == '\t'))
			buf[--n] = '\0';
		if (!n) {
			obs_error_set(err, "%s file '%s' is empty", what, file);
			return NULL;
		}
		return xstrdup(buf);
	}
	v = env ? getenv(env) : NULL;
	if (!v || !*v) {
		obs_error_set(err, "no %s: set %s or give a file", what, env ? env : "it");
		return NULL;
	}
	return xstrdup(v);
}

char *exp_url_join(const char *base, const char *path)
{
	size_t n = strlen(base);
	struct xbuf b = { 0 };

	while (n > 0 && base[n - 1] == '/')
		n--;
	xb_raw(&b, base, n);
	xb_str(&b, path);
	return b.p;
}

int exp_field(struct obs_jscan *js, const char *key, char *buf, size_t size)
{
	int tok = obs_jscan_get(js, 0, key);
	const char *s;
	size_t n;

	if (obs_jscan_type(js, tok) != OBS_JSCAN_STRING)
		return -1;
	if (obs_jscan_string(js, tok, buf, size, &s, &n) < 0) {
		/* Too long for BUF: the raw text, cut. */
		s = obs_jscan_raw(js, tok, &n);
	}
	if (n >= size)
		n = size - 1;
	memmove(buf, s, n);
	buf[n] = '\0';
	return 0;
}

void exp_time_text(int64_t ns, char *buf, size_t size)
{
	obs_time_format(ns, buf, size);
}
