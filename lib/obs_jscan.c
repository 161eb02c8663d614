/* SPDX-License-Identifier: MIT */
/* Zero-copy reading of fields from one JSON line (jsmn tokens plus a strict check). */
#include "obs_jscan.h"
#include "obs_text.h"
#include "obs_time.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Strict mode and parent links make jsmn faster on '}' and refuse more; the rest is checked below. */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#define INITIAL_TOKENS 256

void obs_jscan_init(struct obs_jscan *s)
{
	memset(s, 0, sizeof(*s));
	s->max_tokens = OBS_JSCAN_MAX_TOKENS;
}

void obs_jscan_release(struct obs_jscan *s)
{
	free(s->tok);
	free(s->next);
	s->tok = NULL;
	s->next = NULL;
	s->cap = 0;
	s->ntok = 0;
	s->js = NULL;
	s->len = 0;
}

static int grow(struct obs_jscan *s, struct obs_error *err)
{
	int limit = s->max_tokens > 0 ? s->max_tokens : OBS_JSCAN_MAX_TOKENS;
	int ncap;
	jsmntok_t *t;
	int *n;

	if (s->cap >= limit)
		return obs_error_set(err, "too many tokens (more than %d)", limit);
	ncap = s->cap ? s->cap * 2 : INITIAL_TOKENS;
	if (ncap > limit)
		ncap = limit;
	t = realloc(s->tok, (size_t)ncap * sizeof(*t));
	if (!t)
		return obs_error_set(err, "out of memory");
	s->tok = t;
	n = realloc(s->next, (size_t)ncap * sizeof(*n));
	if (!n)
		return obs_error_set(err, "out of memory");
	s->next = n;
	s->cap = ncap;
	return 0;
}

/* ---- the strict check over jsmn's tokens --------------------------------- */

struct walk {
	const unsigned char *js;
	size_t len;
	const jsmntok_t *t;
	int *next;
	int ntok;
	struct obs_error *err;
};

static int fail_at(struct walk *w, size_t pos, const char *what)
{
	return obs_error_set(w->err, "%s at byte %zu", what, pos + 1);
}

static size_t skip_ws(const struct walk *w, size_t p)
{
	while (p < w->len && (w->js[p] == ' ' || w->js[p] == '\t' || w->js[p] == '\n' ||
			      w->js[p] == '\r'))
		p++;
	return p;
}

/* The 4 hex digits at P (N bytes left), or -1. */
static long hex4(const unsigned char *p, size_t n)
{
	long v = 0;
	int i, h;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		h = obs_text_hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Length of the valid UTF-8 sequence at P (N bytes left, P[0] >= 0x80), or
 * 0 (as jansson: no overlongs, surrogates, > U+10FFFF).
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t need, i;
	unsigned long cp;

	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		need = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		need = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Check the contents of a string, bytes [a, b) between the quotes. */
static int check_string(struct walk *w, size_t a, size_t b)
{
	const unsigned char *js = w->js;
	size_t i = a, n;
	long cp, lo;

	while (i < b) {
		unsigned char c;

		/* Eight plain bytes at a time: no control byte, backslash or non-ASCII. */
		while (i + 8 <= b) {
			uint64_t v, bs;

			memcpy(&v, js + i, 8);
			bs = v ^ (ONES * '\\');
			if ((((v - ONES * 0x20) & ~v) | ((bs - ONES) & ~bs) | v) & HIGHS)
				break;
			i += 8;
		}
		if (i >= b)
			break;
		c = js[i];
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			i++;
			continue;
		}
		if (c < 0x20)
			return fail_at(w, i, "control character in string");
		if (c == '\\') {
			/* jsmn has accepted the escape letter; \u needs care. */
			if (i + 1 >= b)
				return fail_at(w, i, "invalid escape");
			if (js[i + 1] != 'u') {
				i += 2;
				continue;
			}
			cp = hex4(js + i + 2, b - (i + 2));
			if (cp < 0)
				return fail_at(w, i, "invalid \\u escape");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail_at(w, i, "invalid \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 12 > b || js[i + 6] != '\\' || js[i + 7] != 'u')
					return fail_at(w, i, "invalid \\u escape");
				lo = hex4(js + i + 8, 4);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail_at(w, i, "invalid \\u escape");
				i += 12;
			} else {
				i += 6;
			}
			continue;
		}
		n = utf8_len(js + i, b - i);
		if (!n)
			return fail_at(w, i, "invalid UTF-8");
		i += n;
	}
	return 0;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A JSON number or literal, bytes [a, b). */
static int check_primitive(struct walk *w, size_t a, size_t b)
{
	const unsigned char *p = w->js + a;
	size_t n = b - a, i = 0;

	if (p[0] == 't' || p[0] == 'f' || p[0] == 'n') {
		if ((n == 4 && !memcmp(p, "true", 4)) || (n == 5 && !memcmp(p, "false", 5)) ||
		    (n == 4 && !memcmp(p, "null", 4)))
			return 0;
		return fail_at(w, a, "invalid literal");
	}
	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0') {
		i++;
	} else if (i < n && is_digit(p[i])) {
		while (i < n && is_digit(p[i]))
			i++;
	} else {
		return fail_at(w, a, "invalid number");
	}
	if (i < n && p[i] == '.') {
		i++;
		if (i >= n || !is_digit(p[i]))
			return fail_at(w, a, "invalid number");
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || !is_digit(p[i]))
			return fail_at(w, a, "invalid number");
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i != n)
		return fail_at(w, a, "invalid number");
	return 0;
}

/*
 * Check token I, which must begin exactly at *pos, and its subtree; set
 * *pos past it and record next[]. Returns the index after the subtree, or
 * -1. jsmn is lax about separators, so every byte between tokens is checked.
 */
static int walk_value(struct walk *w, int i, size_t *pos, int depth)
{
	const jsmntok_t *t;
	size_t p;
	int j, k;

	if (i >= w->ntok)
		return fail_at(w, *pos, "invalid JSON");
	t = &w->t[i];
	switch (t->type) {
	case JSMN_STRING:
		if ((size_t)t->start != *pos + 1 || w->js[*pos] != '"')
			return fail_at(w, *pos, "invalid JSON");
		if (check_string(w, (size_t)t->start, (size_t)t->end) < 0)
			return -1;
		*pos = (size_t)t->end + 1;
		w->next[i] = i + 1;
		return i + 1;
	case JSMN_PRIMITIVE:
		if ((size_t)t->start != *pos || t->end <= t->start)
			return fail_at(w, *pos, "invalid JSON");
		if (check_primitive(w, (size_t)t->start, (size_t)t->end) < 0)
			return -1;
		*pos = (size_t)t->end;
		w->next[i] = i + 1;
		return i + 1;
	case JSMN_OBJECT:
	case JSMN_ARRAY:
		break;
	default:
		return fail_at(w, *pos, "invalid JSON");
	}
	if ((size_t)t->start != *pos || t->end < t->start + 2)
		return fail_at(w, *pos, "invalid JSON");
	if (depth >= OBS_JSCAN_MAX_DEPTH)
		return obs_error_set(w->err, "nesting deeper than %d", OBS_JSCAN_MAX_DEPTH);
	p = (size_t)t->start + 1;
	j = i + 1;
	for (k = 0; k < t->size; k++) {
		p = skip_ws(w, p);
		if (k > 0) {
			if (p >= w->len || w->js[p] != ',')
				return fail_at(w, p, "invalid JSON");
			p = skip_ws(w, p + 1);
		}
		if (t->type == JSMN_OBJECT) {
			if (j >= w->ntok || w->t[j].type != JSMN_STRING)
				return fail_at(w, p, "invalid JSON");
			j = walk_value(w, j, &p, depth + 1);
			if (j < 0)
				return -1;
			p = skip_ws(w, p);
			if (p >= w->len || w->js[p] != ':')
				return fail_at(w, p, "invalid JSON");
			p = skip_ws(w, p + 1);
		}
		j = walk_value(w, j, &p, depth + 1);
		if (j < 0)
			return -1;
	}
	p = skip_ws(w, p);
	if (p != (size_t)t->end - 1)
		return fail_at(w, p, "invalid JSON");
	*pos = (size_t)t->end;
	w->next[i] = j;
	return j;
}

/* ---- one pass for the common lines ---------------------------------------- */

/*
 * Most lines are plainly valid: this tokenizes and checks them in one pass,
 * making exactly the tokens (and next[]) of jsmn and the strict check.
 * Whatever it does not handle - \uXXXX escapes, nesting deeper than
 * FAST_DEPTH, any error, more tokens than allowed - it leaves to them (-1),
 * and they say what is wrong.
 */
#define FAST_DEPTH 64
#define QUOTES (ONES * '"')
#define BACKSLASHES (ONES * '\\')

struct fast {
	struct obs_jscan *s;
	const unsigned char *js;
	size_t len, p;
	int n;                       /* tokens made */
};

static int fast_tok(struct fast *f, jsmntype_t type, size_t start, size_t end, int parent)
{
	jsmntok_t *t;
	struct obs_error ignored;

	if (f->n == f->s->cap && grow(f->s, &ignored) < 0)
		return -1;
	t = &((jsmntok_t *)f->s->tok)[f->n];
	t->type = type;
	t->start = (int)start;
	t->end = (int)end;
	t->size = 0;
	t->parent = parent;
	f->s->next[f->n] = f->n + 1;
	return f->n++;
}

static void fast_ws(struct fast *f)
{
	while (f->p < f->len && (f->js[f->p] == ' ' || f->js[f->p] == '\t' ||
				 f->js[f->p] == '\n' || f->js[f->p] == '\r'))
		f->p++;
}

/* The string at f->p (a quote). */
static int fast_string(struct fast *f, int parent)
{
	const unsigned char *js = f->js;
	size_t i = f->p + 1, b = f->len, n;
	int t;

	for (;;) {
		unsigned char c;

		/*
		 * Eight bytes at a time up to the first quote, backslash, control
		 * byte or non-ASCII one. The lowest flag is exact (borrows only
		 * carry upwards), so on little-endian machines it says where.
		 */
		while (i + 8 <= b) {
			uint64_t v, q, bs, m;

			memcpy(&v, js + i, 8);
			q = v ^ QUOTES;
			bs = v ^ BACKSLASHES;
			m = (((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((bs - ONES) & ~bs) | v) &
			    HIGHS;
			if (m) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				i += (size_t)__builtin_ctzll(m) >> 3;
#endif
				break;
			}
			i += 8;
		}
		if (i >= b)
			return -1;
		c = js[i];
		if (c == '"')
			break;
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			i++;
		} else if (c == '\\') {
			if (i + 1 >= b || !strchr("\"\\/bfnrt", js[i + 1]) || !js[i + 1])
				return -1;
			i += 2;
		} else if (c < 0x20 || !(n = utf8_len(js + i, b - i))) {
			return -1;
		} else {
			i += n;
		}
	}
	t = fast_tok(f, JSMN_STRING, f->p + 1, i, parent);
	f->p = i + 1;
	return t;
}

static int fast_digits(struct fast *f)
{
	size_t p0 = f->p;

	while (f->p < f->len && is_digit(f->js[f->p]))
		f->p++;
	return f->p > p0 ? 0 : -1;
}

/* A number or literal at f->p, which must end where jsmn ends it. */
static int fast_primitive(struct fast *f, int parent)
{
	const unsigned char *js = f->js;
	size_t start = f->p;
	unsigned char c;

	if (js[f->p] == 't' || js[f->p] == 'f' || js[f->p] == 'n') {
		size_t n = js[f->p] == 'f' ? 5 : 4;

		if (f->len - f->p < n || memcmp(js + f->p, js[f->p] == 't' ? "true" :
						js[f->p] == 'f' ? "false" : "null", n))
			return -1;
		f->p += n;
	} else {
		if (js[f->p] == '-')
			f->p++;
		if (f->p < f->len && js[f->p] == '0')
			f->p++;
		else if (fast_digits(f) < 0)
			return -1;
		if (f->p < f->len && js[f->p] == '.') {
			f->p++;
			if (fast_digits(f) < 0)
				return -1;
		}
		if (f->p < f->len && (js[f->p] == 'e' || js[f->p] == 'E')) {
			f->p++;
			if (f->p < f->len && (js[f->p] == '+' || js[f->p] == '-'))
				f->p++;
			if (fast_digits(f) < 0)
				return -1;
		}
	}
	if (f->p >= f->len)
		return -1;
	c = js[f->p];
	if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\t' && c != '\n' && c != '\r')
		return -1;
	return fast_tok(f, JSMN_PRIMITIVE, start, f->p, parent);
}

/* The value at f->p, its parent token PARENT. */
static int fast_value(struct fast *f, int parent, int depth)
{
	jsmntok_t *toks;
	unsigned char open, close;
	int t, k, v, size = 0;

	if (f->p >= f->len)
		return -1;
	open = f->js[f->p];
	if (open == '"')
		return fast_string(f, parent);
	if (open != '{' && open != '[')
		return fast_primitive(f, parent);
	close = open == '{' ? '}' : ']';
	if (depth >= FAST_DEPTH)
		return -1;
	t = fast_tok(f, open == '{' ? JSMN_OBJECT : JSMN_ARRAY, f->p, 0, parent);
	if (t < 0)
		return -1;
	f->p++;
	fast_ws(f);
	if (f->p < f->len && f->js[f->p] == close) {
		f->p++;
	} else {
		for (;;) {
			if (open == '{') {
				if (f->p >= f->len || f->js[f->p] != '"')
					return -1;
				k = fast_string(f, t);
				if (k < 0)
					return -1;
				fast_ws(f);
				if (f->p >= f->len || f->js[f->p] != ':')
					return -1;
				f->p++;
				fast_ws(f);
				v = fast_value(f, k, depth + 1);
				((jsmntok_t *)f->s->tok)[k].size = 1;
			} else {
				v = fast_value(f, t, depth + 1);
			}
			if (v < 0)
				return -1;
			size++;
			fast_ws(f);
			if (f->p < f->len && f->js[f->p] == ',') {
				f->p++;
				fast_ws(f);
				continue;
			}
			if (f->p < f->len && f->js[f->p] == close) {
				f->p++;
				break;
			}
			return -1;
		}
	}
	toks = f->s->tok;
	toks[t].end = (int)f->p;
	toks[t].size = size;
	f->s->next[t] = f->n;
	return t;
}

/* Parse the line in S (the top-level '{' at P) in one pass: 0, or -1 to leave it to jsmn. */
static int fast_parse(struct obs_jscan *s, size_t p)
{
	struct fast f = { s, (const unsigned char *)s->js, s->len, p, 0 };

	if (fast_value(&f, -1, 0) < 0)
		return -1;
	fast_ws(&f);
	if (f.p != f.len)
		return -1;
	s->ntok = f.n;
	return 0;
}

int obs_jscan_parse(struct obs_jscan *s, const char *line, size_t len, struct obs_error *err)
{
	struct walk w;
	jsmn_parser ps;
	size_t p;
	int r, j;

	s->js = line;
	s->len = len;
	s->ntok = 0;
	if (len > INT_MAX / 2)
		return obs_error_set(err, "line too long to parse");
	w.js = (const unsigned char *)line;
	w.len = len;
	w.err = err;
	p = skip_ws(&w, 0);
	if (p >= len || line[p] != '{')
		return obs_error_set(err, "not a JSON object");
	if (!s->cap && grow(s, err) < 0)
		return -1;
	if (!s->no_fast_path && fast_parse(s, p) == 0)
		return 0;
	s->ntok = 0;
	for (;;) {
		jsmn_init(&ps);
		r = jsmn_parse(&ps, line, len, s->tok, (unsigned)s->cap);
		if (r != JSMN_ERROR_NOMEM)
			break;
		if (grow(s, err) < 0)
			return -1;
	}
	if (r == JSMN_ERROR_PART) {
		const char *nul = memchr(line, '\0', len);

		if (nul)
			return obs_error_set(err, "NUL byte at byte %zu", (size_t)(nul - line) + 1);
		return obs_error_set(err, "truncated JSON");
	}
	if (r < 0)
		return obs_error_set(err, "invalid JSON at byte %u", ps.pos + 1);
	w.t = s->tok;
	w.next = s->next;
	w.ntok = (int)ps.toknext;
	j = walk_value(&w, 0, &p, 0);
	if (j < 0)
		return -1;
	p = skip_ws(&w, p);
	if (p != len || j != w.ntok)
		return fail_at(&w, p, "invalid JSON");
	s->ntok = w.ntok;
	return 0;
}

/* ---- accessors ------------------------------------------------------------ */

static const jsmntok_t *tok_at(const struct obs_jscan *s, int tok)
{
	if (tok < 0 || tok >= s->ntok)
		return NULL;
	return &((const jsmntok_t *)s->tok)[tok];
}

enum obs_jscan_type obs_jscan_type(const struct obs_jscan *s, int tok)
{
	const jsmntok_t *t = tok_at(s, tok);

	if (!t)
		return OBS_JSCAN_NONE;
	switch (t->type) {
	case JSMN_OBJECT:
		return OBS_JSCAN_OBJECT;
	case JSMN_ARRAY:
		return OBS_JSCAN_ARRAY;
	case JSMN_STRING:
		return OBS_JSCAN_STRING;
	case JSMN_PRIMITIVE:
		switch (s->js[t->start]) {
		case 't':
			return OBS_JSCAN_TRUE;
		case 'f':
			return OBS_JSCAN_FALSE;
		case 'n':
			return OBS_JSCAN_NULL;
		default:
			return OBS_JSCAN_NUMBER;
		}
	default:
		return OBS_JSCAN_NONE;
	}
}

int obs_jscan_size(const struct obs_jscan *s, int tok)
{
	const jsmntok_t *t = tok_at(s, tok);

	if (!t || (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY))
		return 0;
	return t->size;
}

const char *obs_jscan_raw(const struct obs_jscan *s, int tok, size_t *len)
{
	const jsmntok_t *t = tok_at(s, tok);

	if (!t) {
		*len = 0;
		return NULL;
	}
	*len = (size_t)(t->end - t->start);
	return s->js + t->start;
}

/*
 * Decode the character at RAW[*i] (an escape or a plain byte) of a checked
 * string of N raw bytes into OUT; returns the number of bytes written.
 */
static size_t decode_one(const char *raw, size_t n, size_t *i, char out[4])
{
	const unsigned char *p = (const unsigned char *)raw;
	unsigned long cp;
	long lo;

	if (p[*i] != '\\' || *i + 1 >= n) {
		out[0] = raw[(*i)++];
		return 1;
	}
	switch (p[*i + 1]) {
	case 'b': out[0] = '\b'; break;
	case 'f': out[0] = '\f'; break;
	case 'n': out[0] = '\n'; break;
	case 'r': out[0] = '\r'; break;
	case 't': out[0] = '\t'; break;
	case 'u':
		break;
	default:
		out[0] = raw[*i + 1];
		break;
	}
	if (p[*i + 1] != 'u') {
		*i += 2;
		return 1;
	}
	cp = (unsigned long)hex4(p + *i + 2, n - (*i + 2));
	*i += 6;
	if (cp >= 0xd800 && cp <= 0xdbff && *i + 6 <= n) {
		lo = hex4(p + *i + 2, n - (*i + 2));
		cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
		*i += 6;
	}
	return obs_text_utf8_put((uint32_t)cp, out);
}

/* Unescape RAW (N bytes) into BUF (SIZE bytes, NUL added); length or -1 if too small. */
static long unescape(const char *raw, size_t n, char *buf, size_t size)
{
	size_t i = 0, o = 0, k;
	char c[4];

	while (i < n) {
		k = decode_one(raw, n, &i, c);
		if (o + k >= size)
			return -1;
		memcpy(buf + o, c, k);
		o += k;
	}
	if (o >= size)
		return -1;
	buf[o] = '\0';
	return (long)o;
}

int obs_jscan_string(const struct obs_jscan *s, int tok, char *buf, size_t size,
		     const char **str, size_t *len)
{
	const jsmntok_t *t = tok_at(s, tok);
	const char *raw;
	size_t n;
	long r;

	if (!t || t->type != JSMN_STRING)
		return -1;
	raw = s->js + t->start;
	n = (size_t)(t->end - t->start);
	if (!memchr(raw, '\\', n)) {
		*str = raw;
		*len = n;
		return 0;
	}
	r = unescape(raw, n, buf, size);
	if (r < 0)
		return -1;
	*str = buf;
	*len = (size_t)r;
	return 0;
}

int obs_jscan_strcpy(const struct obs_jscan *s, int tok, char *buf, size_t size)
{
	const jsmntok_t *t = tok_at(s, tok);

	if (!t || t->type != JSMN_STRING)
		return -1;
	return unescape(s->js + t->start, (size_t)(t->end - t->start), buf, size) < 0 ? -1 : 0;
}

char *obs_jscan_strdup(const struct obs_jscan *s, int tok, size_t *len)
{
	const jsmntok_t *t = tok_at(s, tok);
	size_t n;
	char *buf;
	long r;

	if (!t || t->type != JSMN_STRING)
		return NULL;
	n = (size_t)(t->end - t->start);
	buf = malloc(n + 1);
	if (!buf)
		return NULL;
	r = unescape(s->js + t->start, n, buf, n + 1);
	if (len)
		*len = (size_t)r;
	return buf;
}

static int raw_eq(const char *raw, size_t n, const char *str, size_t m)
{
	size_t i = 0, o = 0, k;
	char c[4];

	if (!memchr(raw, '\\', n))
		return n == m && !memcmp(raw, str, n);
	while (i < n) {
		k = decode_one(raw, n, &i, c);
		if (o + k > m || memcmp(str + o, c, k))
			return 0;
		o += k;
	}
	return o == m;
}

int obs_jscan_strneq(const struct obs_jscan *s, int tok, const char *str, size_t n)
{
	const jsmntok_t *t = tok_at(s, tok);

	if (!t || t->type != JSMN_STRING)
		return 0;
	return raw_eq(s->js + t->start, (size_t)(t->end - t->start), str, n);
}

int obs_jscan_streq(const struct obs_jscan *s, int tok, const char *str)
{
	return obs_jscan_strneq(s, tok, str, strlen(str));
}

int obs_jscan_getn(const struct obs_jscan *s, int obj, const char *key, size_t keylen)
{
	const jsmntok_t *t = tok_at(s, obj);
	const jsmntok_t *toks = s->tok;
	int k, m;

	if (!t || t->type != JSMN_OBJECT)
		return -1;
	k = obj + 1;
	for (m = 0; m < t->size; m++) {
		if (raw_eq(s->js + toks[k].start, (size_t)(toks[k].end - toks[k].start), key, keylen))
			return k + 1;
		k = s->next[k + 1];
	}
	return -1;
}

int obs_jscan_get(const struct obs_jscan *s, int obj, const char *key)
{
	return obs_jscan_getn(s, obj, key, strlen(key));
}

void obs_jscan_getv(const struct obs_jscan *s, int obj, const char *const *keys,
		    const size_t *lens, int n, int *out)
{
	const jsmntok_t *t = tok_at(s, obj);
	const jsmntok_t *toks = s->tok;
	int k, m, c, i, found = 0, next = 0;

	for (i = 0; i < n; i++)
		out[i] = -1;
	if (!t || t->type != JSMN_OBJECT || n <= 0)
		return;
	k = obj + 1;
	for (m = 0; m < t->size && found < n; m++, k = s->next[k + 1]) {
		const char *raw = s->js + toks[k].start;
		size_t len = (size_t)(toks[k].end - toks[k].start);

		for (c = 0, i = next; c < n; c++, i = i + 1 == n ? 0 : i + 1)
			if (out[i] < 0 && lens[i] == len && !memcmp(raw, keys[i], len))
				break;
		/* Escapes in the key: compare its value. */
		if (c == n && memchr(raw, '\\', len))
			for (c = 0, i = 0; c < n; c++, i++)
				if (out[i] < 0 && raw_eq(raw, len, keys[i], lens[i]))
					break;
		if (c < n) {
			out[i] = k + 1;
			found++;
			next = i + 1 == n ? 0 : i + 1;
		}
	}
}

int obs_jscan_child(const struct obs_jscan *s, int container)
{
	const jsmntok_t *t = tok_at(s, container);

	if (!t || (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY) || t->size == 0)
		return -1;
	return container + 1;
}

int obs_jscan_sibling(const struct obs_jscan *s, int container, int tok)
{
	const jsmntok_t *c = tok_at(s, container);
	const jsmntok_t *toks = s->tok;
	int n;

	if (!c || !tok_at(s, tok) || tok <= container ||
	    (c->type != JSMN_OBJECT && c->type != JSMN_ARRAY))
		return -1;
	if (c->type == JSMN_OBJECT) {
		if (tok + 1 >= s->ntok)
			return -1;
		n = s->next[tok + 1];
	} else {
		n = s->next[tok];
	}
	if (n >= s->ntok || toks[n].start >= c->end)
		return -1;
	return n;
}

static locale_t c_locale(void)
{
	static locale_t loc;

	if (!loc)
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return loc;
}

int obs_jscan_number(const struct obs_jscan *s, int tok, double *v)
{
	const jsmntok_t *t = tok_at(s, tok);
	locale_t loc;
	char *end;
	double d;

	if (obs_jscan_type(s, tok) != OBS_JSCAN_NUMBER)
		return -1;
	/* A checked number is always followed by a delimiter inside the line. */
	loc = c_locale();
	d = loc ? strtod_l(s->js + t->start, &end, loc) : strtod(s->js + t->start, &end);
	if (end != s->js + t->end || d == HUGE_VAL || d == -HUGE_VAL)
		return -1;
	*v = d;
	return 0;
}

int obs_jscan_int64(const struct obs_jscan *s, int tok, int64_t *v)
{
	const jsmntok_t *t = tok_at(s, tok);
	const char *p, *e;
	int neg = 0;
	uint64_t u = 0, lim;

	if (obs_jscan_type(s, tok) != OBS_JSCAN_NUMBER)
		return -1;
	p = s->js + t->start;
	e = s->js + t->end;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (u > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(*p - '0');
	}
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	return 0;
}

int obs_jscan_bool(const struct obs_jscan *s, int tok, int *v)
{
	switch (obs_jscan_type(s, tok)) {
	case OBS_JSCAN_TRUE:
		*v = 1;
		return 0;
	case OBS_JSCAN_FALSE:
		*v = 0;
		return 0;
	default:
		return -1;
	}
}

/* ---- times and durations --------------------------------------------------- */

static int digits(const char *p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}


/* The canonical "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" written by every obs tool; -1 for anything else. */
static int canonical_time(const char *p, size_t n, int64_t *ns)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, frac, leap;

	if (n != 30 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
	    p[16] != ':' || p[19] != '.' || p[29] != 'Z')
		return -1;
	if (digits(p, 4, &y) || digits(p + 5, 2, &mo) || digits(p + 8, 2, &d) ||
	    digits(p + 11, 2, &h) || digits(p + 14, 2, &mi) || digits(p + 17, 2, &sec) ||
	    digits(p + 20, 9, &frac))
		return -1;
	/* int64 nanoseconds cover 1677-09-21 to 2262-04-11: leave the edges to obs_time_parse_n. */
	if (y < 1678 || y > 2261)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	*ns = ((obs_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * OBS_NS_PER_SEC) +
	      frac;
	return 0;
}

int obs_jscan_time(const struct obs_jscan *s, int tok, int64_t *ns)
{
	char buf[128];
	const char *str;
	size_t len;

	if (obs_jscan_string(s, tok, buf, sizeof(buf), &str, &len) < 0)
		return -1;
	if (canonical_time(str, len, ns) == 0)
		return 0;
	if (memchr(str, '\0', len))
		return -1;
	return obs_time_parse_n(str, len, ns, NULL);
}

int obs_jscan_ms(const struct obs_jscan *s, int tok, int64_t *ns)
{
	const jsmntok_t *t = tok_at(s, tok);
	const char *p, *e;
	int64_t ms = 0, frac = 0;
	int neg = 0, nfrac = 0;
	double d;

	if (obs_jscan_type(s, tok) != OBS_JSCAN_NUMBER)
		return -1;
	/* Exact for the usual "1500.25" (up to 6 fraction digits: ns); doubles otherwise. */
	p = s->js + t->start;
	e = s->js + t->end;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	/* Up to the largest whole ms whose ns (plus a fraction) fit in int64. */
	for (; p < e && *p >= '0' && *p <= '9' && ms <= (9223372036853LL - (*p - '0')) / 10; p++)
		ms = ms * 10 + (*p - '0');
	if (p < e && *p == '.') {
		for (p++; p < e && *p >= '0' && *p <= '9' && nfrac < 6; p++, nfrac++)
			frac = frac * 10 + (*p - '0');
	}
	if (p == e) {
		for (; nfrac < 6; nfrac++)
			frac *= 10;
		*ns = ms * 1000000 + frac;
		if (neg)
			*ns = -*ns;
		return 0;
	}
	if (obs_jscan_number(s, tok, &d) < 0 || d > 9.2e12 || d < -9.2e12)
		return -1;
	*ns = llround(d * 1e6);
	return 0;
}
