/* SPDX-License-Identifier: MIT */
/* Trace and span ids, and W3C Trace Context (traceparent, tracestate) and baggage. */
#include "obs_tracectx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define BAGGAGE_MAX_BYTES 8192

static const char hexdigits[] = "0123456789abcdef";

int obs_random_bytes(void *buf, size_t n, struct obs_error *err)
{
	unsigned char *p = buf;

	while (n > 0) {
		/* Requests over 256 bytes may come back short: loop until full. */
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return obs_error_errno(err, "cannot get random bytes");
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int random_id(uint8_t *id, size_t n, struct obs_error *err)
{
	do {
		if (obs_random_bytes(id, n, err) < 0)
			return -1;
	} while (obs_id_is_zero(id, n));
	return 0;
}

int obs_trace_id_new(uint8_t id[16], struct obs_error *err)
{
	return random_id(id, 16, err);
}

int obs_span_id_new(uint8_t id[8], struct obs_error *err)
{
	return random_id(id, 8, err);
}

void obs_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[bytes[i] >> 4];
		out[2 * i + 1] = hexdigits[bytes[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Value of a lowercase hex digit, or -1. */
static int lchex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Value of a hex digit of either case, or -1. */
static int anyhex(char c)
{
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return lchex(c);
}

int obs_hex_decode(const char *hex, size_t n, uint8_t *bytes)
{
	size_t i;

	/* Stops at the first non-digit, so a short string's NUL ends it safely. */
	for (i = 0; i < n; i++) {
		int hi = lchex(hex[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = lchex(hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int obs_id_is_zero(const uint8_t *bytes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bytes[i])
			return 0;
	return 1;
}

static int id_valid(const char *hex, size_t n)
{
	uint8_t buf[16];

	if (!hex || strlen(hex) != 2 * n || obs_hex_decode(hex, n, buf) < 0)
		return 0;
	return !obs_id_is_zero(buf, n);
}

int obs_trace_id_valid(const char *hex)
{
	return id_valid(hex, 16);
}

int obs_span_id_valid(const char *hex)
{
	return id_valid(hex, 8);
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Narrow [*b, *e) by the OWS (spaces and tabs) at both ends. */
static void trim_ows(const char **b, const char **e)
{
	while (*b < *e && is_ows(**b))
		(*b)++;
	while (*e > *b && is_ows((*e)[-1]))
		(*e)--;
}

int obs_traceparent_parse(const char *s, struct obs_trace_ctx *ctx)
{
	struct obs_trace_ctx tmp;
	const char *b = s, *e;
	uint8_t version;
	size_t len;

	if (!s)
		return 0;
	e = s + strlen(s);
	trim_ows(&b, &e);
	len = (size_t)(e - b);
	if (len < OBS_TRACEPARENT_LEN)
		return 0;
	if (obs_hex_decode(b, 1, &version) < 0 || version == 0xff || b[2] != '-')
		return 0;
	if (version == 0 && len != OBS_TRACEPARENT_LEN)
		return 0;
	/* A later version may append fields, but only after another dash. */
	if (len > OBS_TRACEPARENT_LEN && b[OBS_TRACEPARENT_LEN] != '-')
		return 0;
	if (b[35] != '-' || b[52] != '-')
		return 0;
	if (obs_hex_decode(b + 3, 16, tmp.trace_id) < 0 || obs_id_is_zero(tmp.trace_id, 16))
		return 0;
	if (obs_hex_decode(b + 36, 8, tmp.span_id) < 0 || obs_id_is_zero(tmp.span_id, 8))
		return 0;
	if (obs_hex_decode(b + 53, 1, &tmp.flags) < 0)
		return 0;
	/*
	 * For a later version only the sampled bit is known to mean the same
	 * thing; we re-emit version 00, whose other flags must then be zero.
	 */
	if (version != 0)
		tmp.flags &= OBS_TRACE_FLAG_SAMPLED;
	*ctx = tmp;
	return 1;
}

void obs_traceparent_format(const struct obs_trace_ctx *ctx, char *out)
{
	out[0] = '0';
	out[1] = '0';
	out[2] = '-';
	obs_hex_encode(ctx->trace_id, 16, out + 3);
	out[35] = '-';
	obs_hex_encode(ctx->span_id, 8, out + 36);
	out[52] = '-';
	obs_hex_encode(&ctx->flags, 1, out + 53);
}

/* ---- tracestate ---------------------------------------------------------- */

static int is_lcalpha(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* lcalpha / DIGIT / "_" / "-" / "*" / "/" */
static int is_keychar(char c)
{
	return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

/* FIRST(k[0]) then up to MAX-1 keychars. */
static int key_part_valid(const char *k, size_t len, size_t max, int digit_first)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	if (!is_lcalpha(k[0]) && !(digit_first && is_digit(k[0])))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_keychar(k[i]))
			return 0;
	return 1;
}

/*
 * Trace Context level 1: simple-key = lcalpha 0*255(keychar);
 * multi-tenant-key = tenant-id "@" system-id with tenant-id =
 * (lcalpha / DIGIT) 0*240(keychar) and system-id = lcalpha 0*13(keychar).
 */
static int ts_key_valid(const char *k, size_t len)
{
	const char *at = memchr(k, '@', len);
	size_t tlen;

	if (!at)
		return key_part_valid(k, len, 256, 0);
	tlen = (size_t)(at - k);
	return key_part_valid(k, tlen, 241, 1) &&
	       key_part_valid(at + 1, len - tlen - 1, 14, 0);
}

/* value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-7E except ',' '=' */
static int ts_value_valid(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || len > 256 || v[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == ',' || v[i] == '=')
			return 0;
	return 1;
}

static int ts_find(const struct obs_tracestate *ts, const char *key, size_t len)
{
	int i;

	for (i = 0; i < ts->n; i++)
		if (strlen(ts->key[i]) == len && memcmp(ts->key[i], key, len) == 0)
			return i;
	return -1;
}

int obs_tracestate_parse(const char *s, struct obs_tracestate *ts)
{
	const char *p = s;

	memset(ts, 0, sizeof(*ts));
	if (!s)
		return 0;
	for (;;) {
		const char *end = strchr(p, ',');
		const char *b = p, *e = end ? end : p + strlen(p);
		const char *eq;

		trim_ows(&b, &e);
		if (b < e) {
			eq = memchr(b, '=', (size_t)(e - b));
			if (!eq || ts->n == OBS_TRACESTATE_MAX ||
			    !ts_key_valid(b, (size_t)(eq - b)) ||
			    !ts_value_valid(eq + 1, (size_t)(e - eq - 1)) ||
			    ts_find(ts, b, (size_t)(eq - b)) >= 0) {
				obs_tracestate_release(ts);
				return 0;
			}
			ts->key[ts->n] = strndup(b, (size_t)(eq - b));
			ts->value[ts->n] = strndup(eq + 1, (size_t)(e - eq - 1));
			ts->n++;
			if (!ts->key[ts->n - 1] || !ts->value[ts->n - 1]) {
				obs_tracestate_release(ts);
				return -1;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 1;
}

char *obs_tracestate_format(const struct obs_tracestate *ts)
{
	size_t len = 1, off = 0;
	char *out;
	int i;

	for (i = 0; i < ts->n; i++)
		len += strlen(ts->key[i]) + strlen(ts->value[i]) + 2;
	out = malloc(len);
	if (!out)
		return NULL;
	for (i = 0; i < ts->n; i++) {
		size_t kl = strlen(ts->key[i]), vl = strlen(ts->value[i]);

		if (i > 0)
			out[off++] = ',';
		memcpy(out + off, ts->key[i], kl);
		off += kl;
		out[off++] = '=';
		memcpy(out + off, ts->value[i], vl);
		off += vl;
	}
	out[off] = '\0';
	return out;
}

int obs_tracestate_set(struct obs_tracestate *ts, const char *key, const char *value)
{
	char *k, *v;
	int i;

	if (!key || !value || !ts_key_valid(key, strlen(key)) ||
	    !ts_value_valid(value, strlen(value)))
		return -1;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return -1;
	}
	i = ts_find(ts, key, strlen(key));
	if (i < 0 && ts->n == OBS_TRACESTATE_MAX)
		i = ts->n - 1;          /* full: the rightmost entry goes */
	if (i >= 0) {
		free(ts->key[i]);
		free(ts->value[i]);
		memmove(&ts->key[i], &ts->key[i + 1], (size_t)(ts->n - i - 1) * sizeof(char *));
		memmove(&ts->value[i], &ts->value[i + 1], (size_t)(ts->n - i - 1) * sizeof(char *));
		ts->n--;
	}
	memmove(&ts->key[1], &ts->key[0], (size_t)ts->n * sizeof(char *));
	memmove(&ts->value[1], &ts->value[0], (size_t)ts->n * sizeof(char *));
	ts->key[0] = k;
	ts->value[0] = v;
	ts->n++;
	return 0;
}

void obs_tracestate_release(struct obs_tracestate *ts)
{
	int i;

	for (i = 0; i < ts->n; i++) {
		free(ts->key[i]);
		free(ts->value[i]);
	}
	memset(ts, 0, sizeof(*ts));
}

/* ---- percent-encoding and baggage ---------------------------------------- */

/* RFC 7230 tchar. */
static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static int is_baggage_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

/*
 * Length of the well-formed UTF-8 sequence at P (at most N bytes), or 0 if
 * it is not one (overlong forms, surrogates and code points past U+10FFFF
 * are not).
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *obs_utf8_sanitize(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(3 * len + 1);
	size_t i, m = 0;

	if (!out)
		return NULL;
	for (i = 0; i < len;) {
		size_t sl = utf8_seq_len(p + i, len - i);

		if (sl == 0) {
			memcpy(out + m, "\xef\xbf\xbd", 3);
			m += 3;
			i++;
		} else {
			memcpy(out + m, p + i, sl);
			m += sl;
			i += sl;
		}
	}
	out[m] = '\0';
	return out;
}

int obs_percent_decode(const char *s, size_t len, char **out)
{
	char *raw;
	size_t i, n = 0;

	*out = NULL;
	raw = malloc(len + 1);
	if (!raw)
		return -1;
	for (i = 0; i < len; i++) {
		int hi, lo;

		/* A '%' without two hex digits is an ordinary baggage-octet. */
		if (s[i] == '%' && i + 2 < len && (hi = anyhex(s[i + 1])) >= 0 &&
		    (lo = anyhex(s[i + 2])) >= 0) {
			raw[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			raw[n++] = s[i];
		}
		if (raw[n - 1] == '\0') {
			free(raw);
			return 0;
		}
	}
	/* Bytes that are not valid UTF-8 become U+FFFD, as the baggage spec says. */
	*out = obs_utf8_sanitize(raw, n);
	free(raw);
	return *out ? 1 : -1;
}

char *obs_percent_encode(const char *s)
{
	size_t i, n = 0, len = strlen(s);
	char *out = malloc(3 * len + 1);

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_baggage_octet(c) && c != '%') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = "0123456789ABCDEF"[c >> 4];
			out[n++] = "0123456789ABCDEF"[c & 0x0f];
		}
	}
	out[n] = '\0';
	return out;
}

/* The end of the run of tchars (or baggage-octets, or OWS) at P, bounded by E. */
static const char *span_tchar(const char *p, const char *e)
{
	while (p < e && is_tchar(*p))
		p++;
	return p;
}

static const char *span_octets(const char *p, const char *e)
{
	while (p < e && is_baggage_octet((unsigned char)*p))
		p++;
	return p;
}

static const char *skip_ows(const char *p, const char *e)
{
	while (p < e && is_ows(*p))
		p++;
	return p;
}

/*
 * Parse the properties in [p, e) (starting at the first ';'), normalised
 * with OWS removed: ";k1;k2=v2". *props is NULL when there are none.
 * 1 ok, 0 invalid, -1 out of memory.
 */
static int parse_props(const char *p, const char *e, char **props)
{
	char *buf, *q;

	*props = NULL;
	if (p == e)
		return 1;
	buf = malloc((size_t)(e - p) + 1);
	if (!buf)
		return -1;
	q = buf;
	while (p < e) {
		const char *k, *ke, *v, *ve;

		if (*p != ';')
			goto invalid;
		p = skip_ows(p + 1, e);
		k = p;
		ke = p = span_tchar(p, e);
		if (k == ke)
			goto invalid;
		*q++ = ';';
		memcpy(q, k, (size_t)(ke - k));
		q += ke - k;
		p = skip_ows(p, e);
		if (p < e && *p == '=') {
			p = skip_ows(p + 1, e);
			v = p;
			ve = p = span_octets(p, e);
			*q++ = '=';
			memcpy(q, v, (size_t)(ve - v));
			q += ve - v;
			p = skip_ows(p, e);
		}
	}
	*q = '\0';
	*props = buf;
	return 1;
invalid:
	free(buf);
	return 0;
}

/* One list-member in [b, e), OWS already trimmed. 1 / 0 / -1. */
static int baggage_member(struct obs_baggage *bg, const char *b, const char *e)
{
	const char *p, *ke, *v, *ve;
	char *key = NULL, *value = NULL, *props = NULL;
	int r;

	ke = span_tchar(b, e);
	if (ke == b)
		return 0;
	p = skip_ows(ke, e);
	if (p == e || *p != '=')
		return 0;
	v = skip_ows(p + 1, e);
	ve = span_octets(v, e);
	p = skip_ows(ve, e);
	r = parse_props(p, e, &props);
	if (r <= 0)
		return r;
	r = obs_percent_decode(v, (size_t)(ve - v), &value);
	if (r <= 0)
		goto fail;
	key = strndup(b, (size_t)(ke - b));
	if (!key) {
		r = -1;
		goto fail;
	}
	bg->key[bg->n] = key;
	bg->value[bg->n] = value;
	bg->props[bg->n] = props;
	bg->n++;
	return 1;
fail:
	free(value);
	free(props);
	return r;
}

int obs_baggage_parse(const char *s, struct obs_baggage *bg)
{
	const char *p = s, *b, *e;

	memset(bg, 0, sizeof(*bg));
	if (!s || strlen(s) > BAGGAGE_MAX_BYTES)
		return 0;
	b = s;
	e = s + strlen(s);
	trim_ows(&b, &e);
	if (b == e)
		return 1;               /* no header, no baggage */
	for (;;) {
		const char *end = strchr(p, ',');
		int r;

		b = p;
		e = end ? end : p + strlen(p);
		trim_ows(&b, &e);
		if (bg->n == OBS_BAGGAGE_MAX)
			r = 0;
		else
			r = baggage_member(bg, b, e);
		if (r <= 0) {
			obs_baggage_release(bg);
			return r;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 1;
}

char *obs_baggage_format(const struct obs_baggage *bg)
{
	char **enc = NULL, *out = NULL;
	size_t len = 1, off = 0;
	int i;

	enc = calloc((size_t)bg->n + 1, sizeof(*enc));
	if (!enc)
		return NULL;
	for (i = 0; i < bg->n; i++) {
		enc[i] = obs_percent_encode(bg->value[i]);
		if (!enc[i])
			goto out;
		len += strlen(bg->key[i]) + strlen(enc[i]) + 2 +
		       (bg->props[i] ? strlen(bg->props[i]) : 0);
	}
	out = malloc(len);
	if (!out)
		goto out;
	for (i = 0; i < bg->n; i++) {
		off += (size_t)sprintf(out + off, "%s%s=%s%s", i ? "," : "", bg->key[i], enc[i],
				       bg->props[i] ? bg->props[i] : "");
	}
	out[off] = '\0';
out:
	for (i = 0; i < bg->n; i++)
		free(enc[i]);
	free(enc);
	return out;
}

void obs_baggage_release(struct obs_baggage *bg)
{
	int i;

	for (i = 0; i < bg->n; i++) {
		free(bg->key[i]);
		free(bg->value[i]);
		free(bg->props[i]);
	}
	memset(bg, 0, sizeof(*bg));
}
