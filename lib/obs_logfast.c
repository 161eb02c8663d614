/* SPDX-License-Identifier: MIT */
/* The fast path of the json and logfmt log parsers: records written as text, no jansson tree. */
#include "obs_logfast.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_logparse_int.h"
#include "obs_time.h"
#include "obs_tracectx.h"

/* Past this many fields (or members of a nested object) the general parser takes the line. */
#define MAX_FIELDS 256
#define MAX_NESTED_MEMBERS 64

enum lf_kind {
	LF_JSON,    /* a JSON value: token tok of the scan */
	LF_TEXT,    /* a logfmt value: the bytes v (typed when typable) */
	LF_TRUE,    /* a logfmt key without '=' */
};

struct obs_lf_field {
	const char *key;          /* decoded: in the line or the arena */
	size_t klen;
	int kind;
	int tok;
	const char *v;            /* a string's decoded value (LF_JSON strings, LF_TEXT) */
	size_t vlen;
	int is_string;
	int typable;
	int used;
	int typed, prec, canon;   /* a logfmt value's type, found in the first pass */
};

/* The record's own keys: an unused input field of one of these names is KEY_original. */
static const char *const reserved[] = { "type", "time", "level", "msg", "service", "trace_id",
					"span_id", "raw", "truncated", NULL };

void obs_logfast_init(struct obs_logfast *f, struct obs_logparse *p)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->p = p;
	obs_jscan_init(&f->scan);
	/* The default service goes out as jansson would write it: only plain UTF-8 here. */
	f->service_ok = !p->service || obs_lp_utf8_valid(p->service, strlen(p->service));
	for (r = 0; r < 6; r++) {
		const char *const *a = obs_lp_json_aliases((enum obs_lp_role)r);
		int i;

		for (i = 0; a[i] && i < 15; i++)
			f->alias_len[r][i] = strlen(a[i]);
	}
}

void obs_logfast_release(struct obs_logfast *f)
{
	obs_jscan_release(&f->scan);
	free(f->fields);
	free(f->arena);
	free(f->out);
	f->fields = NULL;
	f->arena = NULL;
	f->out = NULL;
	f->nfields = f->capfields = 0;
	f->arena_cap = f->out_cap = 0;
}

/* ---- output ---------------------------------------------------------------------------- */

static void out_grow(struct obs_logfast *f, const char *s, size_t n)
{
	{
		size_t cap = f->out_cap ? f->out_cap : 1024;
		char *b;

		while (cap - f->out_len <= n)
			cap *= 2;
		b = realloc(f->out, cap);
		if (!b) {
			f->oom = 1;
			return;
		}
		f->out = b;
		f->out_cap = cap;
	}
	memcpy(f->out + f->out_len, s, n);
	f->out_len += n;
}

static inline void out_raw(struct obs_logfast *f, const char *s, size_t n)
{
	if (f->out_cap - f->out_len > n) {
		memcpy(f->out + f->out_len, s, n);
		f->out_len += n;
		return;
	}
	out_grow(f, s, n);
}

static inline void out_str(struct obs_logfast *f, const char *s)
{
	out_raw(f, s, strlen(s));
}

/* Bytes a JSON string must escape: controls, '"' and '\\'. */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* A JSON string literal, escaped as jansson escapes (\u00XX upper case, DEL and the rest as is). */
static void out_jstring(struct obs_logfast *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;
	char esc[6];

	out_raw(f, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!needs_escape[c])
			continue;
		out_raw(f, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': out_raw(f, "\\\"", 2); break;
		case '\\': out_raw(f, "\\\\", 2); break;
		case '\b': out_raw(f, "\\b", 2); break;
		case '\f': out_raw(f, "\\f", 2); break;
		case '\n': out_raw(f, "\\n", 2); break;
		case '\r': out_raw(f, "\\r", 2); break;
		case '\t': out_raw(f, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			out_raw(f, esc, 6);
			break;
		}
	}
	out_raw(f, s + run, n - run);
	out_raw(f, "\"", 1);
}

/* A real as jansson writes it with %.PREC g: ".0" added to integral forms, exponents trimmed. */
static void out_real(struct obs_logfast *f, double d, int prec)
{
	char buf[64], *e, *start, *end;
	int n = snprintf(buf, sizeof(buf), "%.*g", prec, d);

	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	e = strchr(buf, 'e');
	if (e) {
		start = e + 1;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)n - (size_t)(end - buf) + 1);
			n -= (int)(end - start);
		}
	}
	out_raw(f, buf, (size_t)n);
}

/* A time as obs_time_format writes it; the date and clock part is kept from line to line. */
static void out_time(struct obs_logfast *f, int64_t ns)
{
	char buf[OBS_TIME_BUFSZ];
	int64_t sec = ns / OBS_NS_PER_SEC, frac, start;
	int i;

	if (ns % OBS_NS_PER_SEC < 0)
		sec--;
	if (__builtin_mul_overflow(sec, OBS_NS_PER_SEC, &start)) {
		out_raw(f, buf, obs_time_format(ns, buf, sizeof(buf)));
		return;
	}
	frac = ns - start;
	if (!f->tvalid || sec != f->tsec) {
		obs_time_format(start, buf, sizeof(buf));
		memcpy(f->tprefix, buf, 20);
		f->tsec = sec;
		f->tvalid = 1;
	}
	memcpy(buf, f->tprefix, 20);
	for (i = 28; i >= 20; i--) {
		buf[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	buf[29] = 'Z';
	out_raw(f, buf, 30);
}

/* ---- numbers ----------------------------------------------------------------------------- */

/*
 * A decimal text S (N bytes: [-]digits[.digits], no exponent) as a real:
 * the fewest significant digits that give back its double (*SD), and
 * whether the text is already what jansson writes with %.SDg (*CANON).
 * The digits are those of the text without leading and trailing zeros,
 * when at most 15: any two decimals of at most 15 digits are different
 * doubles, so none shorter can do. 0, or -1 when the general path must
 * judge (more digits, a value near the ends of the double range).
 */
static int real_digits(const char *s, size_t n, int *sd, int *canon)
{
	size_t i = 0, dot = n, int0, intlen;
	long first = -1, last = -1, pos = 0;
	long x;   /* decimal exponent of the first significant digit */

	if (i < n && s[i] == '-')
		i++;
	int0 = i;
	for (; i < n; i++) {
		if (s[i] == '.') {
			if (dot != n)
				return -1;
			dot = i;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (s[i] != '0') {
			if (first < 0)
				first = pos;
			last = pos;
		}
		pos++;
	}
	intlen = dot - int0;
	if (first < 0) {
		/* Zero: "%.1g" gives "0" (or "-0"), written "0.0". */
		*sd = 1;
		*canon = intlen == 1 && n - dot == 2;
		return 0;
	}
	x = (long)intlen - 1 - first;
	if (x < -300 || x > 300 || last - first + 1 > 15)
		return -1;
	*sd = (int)(last - first + 1);
	/*
	 * %.Pg writes fixed notation when -4 <= X < P, without trailing
	 * zeros, and jansson adds ".0" to an integral result: so "120.0",
	 * "0.25" and "28.158" are as written, "1.50", "007.5" and "1200.0"
	 * (P 2: "1.2e3") are not.
	 */
	*canon = x >= -4 && x < *sd && intlen > 0 && (intlen == 1 || s[int0] != '0') &&
		 dot < n && (s[n - 1] != '0' || n - dot == 2);
	return 0;
}

/* The double of decimal text S (N bytes, a valid number). */
static double text_double(const char *s, size_t n)
{
	char buf[512];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

/*
 * A JSON integer token that jansson reads as the same integer and writes
 * back as written: within int64 (jansson refuses the line otherwise), not -0.
 */
static int plain_integer(const char *s, size_t n)
{
	size_t digits = n - (s[0] == '-');
	char buf[24];

	if (s[0] == '-' && n > 1 && s[1] == '0')
		return 0;
	if (digits <= 18)
		return 1;
	if (digits > 19)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	strtoll(buf, NULL, 10);
	return errno != ERANGE;
}

/* Write the real of text RAW (N bytes) with SD digits, at the record's precision. */
static void out_real_text(struct obs_logfast *f, const char *raw, size_t n, int sd, int canon)
{
	if (canon && sd == f->maxprec)
		out_raw(f, raw, n);
	else
		out_real(f, text_double(raw, n), f->maxprec);
}

/* 1 if the number text has no '.', 'e' or 'E' (jansson reads it as an integer). */
static int integer_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
			return 0;
	return 1;
}

/* ---- JSON values --------------------------------------------------------------------------- */

/*
 * Walk the JSON value TOK: with WRITE 0, check that it can be written
 * exactly and note the digits its reals need in f->maxprec (0 if it
 * cannot); with WRITE 1, write it. Returns 1 / 0.
 */
static int json_value(struct obs_logfast *f, int tok, int write)
{
	const struct obs_jscan *s = &f->scan;
	const char *raw, *str;
	size_t n, len;
	int k, j, m, prec, canon;

	switch (obs_jscan_type(s, tok)) {
	case OBS_JSCAN_STRING:
		if (!write)
			return 1;
		raw = obs_jscan_raw(s, tok, &n);
		if (!memchr(raw, '\\', n)) {
			out_raw(f, "\"", 1);
			out_raw(f, raw, n);
			out_raw(f, "\"", 1);
			return 1;
		}
		/* Escapes: decoded, then written as jansson would. */
		if (f->arena_cap - f->arena_len < n + 1 ||
		    obs_jscan_string(s, tok, f->arena + f->arena_len, f->arena_cap - f->arena_len,
				     &str, &len) < 0)
			return 0;
		out_jstring(f, str, len);
		return 1;
	case OBS_JSCAN_NUMBER:
		raw = obs_jscan_raw(s, tok, &n);
		if (integer_text(raw, n)) {
			if (!plain_integer(raw, n))
				return 0;
			if (write)
				out_raw(f, raw, n);
			return 1;
		}
		if (real_digits(raw, n, &prec, &canon) < 0)
			return 0;
		if (write)
			out_real_text(f, raw, n, prec, canon);
		else if (prec > f->maxprec)
			f->maxprec = prec;
		return 1;
	case OBS_JSCAN_TRUE:
		if (write)
			out_raw(f, "true", 4);
		return 1;
	case OBS_JSCAN_FALSE:
		if (write)
			out_raw(f, "false", 5);
		return 1;
	case OBS_JSCAN_NULL:
		if (write)
			out_raw(f, "null", 4);
		return 1;
	case OBS_JSCAN_ARRAY:
		if (write)
			out_raw(f, "[", 1);
		for (k = obs_jscan_child(s, tok), m = 0; k >= 0; k = obs_jscan_sibling(s, tok, k), m++) {
			if (write && m)
				out_raw(f, ",", 1);
			if (!json_value(f, k, write))
				return 0;
		}
		if (write)
			out_raw(f, "]", 1);
		return 1;
	case OBS_JSCAN_OBJECT:
		if (obs_jscan_size(s, tok) > MAX_NESTED_MEMBERS)
			return 0;
		if (write)
			out_raw(f, "{", 1);
		for (k = obs_jscan_child(s, tok), m = 0; k >= 0; k = obs_jscan_sibling(s, tok, k), m++) {
			raw = obs_jscan_raw(s, k, &n);
			if (!write) {
				/* Keys with escapes, and repeated keys (jansson keeps one), are not for here. */
				if (memchr(raw, '\\', n))
					return 0;
				for (j = obs_jscan_child(s, tok); j < k; j = obs_jscan_sibling(s, tok, j)) {
					size_t jn;
					const char *jr = obs_jscan_raw(s, j, &jn);

					if (jn == n && !memcmp(jr, raw, n))
						return 0;
				}
			} else {
				out_raw(f, m ? ",\"" : "\"", m ? 2 : 1);
				out_raw(f, raw, n);
				out_raw(f, "\":", 2);
			}
			if (!json_value(f, k + 1, write))
				return 0;
		}
		if (write)
			out_raw(f, "}", 1);
		return 1;
	default:
		return 0;
	}
}

/* ---- fields ------------------------------------------------------------------------------- */

static struct obs_lf_field *field_new(struct obs_logfast *f)
{
	if (f->nfields == f->capfields) {
		int cap = f->capfields ? f->capfields * 2 : 32;
		struct obs_lf_field *nf = realloc(f->fields, (size_t)cap * sizeof(*nf));

		if (!nf) {
			f->oom = 1;
			return NULL;
		}
		f->fields = nf;
		f->capfields = cap;
	}
	memset(&f->fields[f->nfields], 0, sizeof(f->fields[0]));
	return &f->fields[f->nfields++];
}

static struct obs_lf_field *field_findn(struct obs_logfast *f, const char *name, size_t n)
{
	int i;

	for (i = 0; i < f->nfields; i++)
		if (f->fields[i].klen == n && f->fields[i].key[0] == name[0] && !f->fields[i].used &&
		    !memcmp(f->fields[i].key, name, n))
			return &f->fields[i];
	return NULL;
}

static struct obs_lf_field *field_find(struct obs_logfast *f, const char *name)
{
	return field_findn(f, name, strlen(name));
}

/*
 * Keys that repeat, or that would collide with a renamed key (a "time"
 * renamed time_original next to a time_original of the line), are left to
 * the general parser.
 */
static int keys_plain(const struct obs_logfast *f)
{
	int i, j;

	if (f->nfields > MAX_FIELDS)
		return 0;
	for (i = 0; i < f->nfields; i++) {
		const struct obs_lf_field *a = &f->fields[i];

		if (a->klen > 9 && !memcmp(a->key + a->klen - 9, "_original", 9))
			return 0;
		for (j = 0; j < i; j++)
			if (f->fields[j].klen == a->klen && (!a->klen || f->fields[j].key[0] == a->key[0]) &&
			    !memcmp(f->fields[j].key, a->key, a->klen))
				return 0;
	}
	return 1;
}

/* A NUL-terminated copy of a field's string in the arena (room was reserved per line). */
static const char *cstr(struct obs_logfast *f, const struct obs_lf_field *fl)
{
	char *c = f->arena + f->arena_len;

	memcpy(c, fl->v, fl->vlen);
	c[fl->vlen] = '\0';
	return c;
}

/*
 * Unix seconds written "S.F" with at most 6 fraction digits and S below
 * 2^32: the general parser prints the double with "%.6f" and reads that
 * back; the double is within 5e-7 of the text there, so that gives the
 * text's own value. Computed from the text, then. 1 if it applied.
 */
static int seconds_text(const char *s, size_t n, int64_t *ns)
{
	int64_t sec = 0, frac = 0;
	size_t i = 0, nf;
	int scale;

	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 10)
		sec = sec * 10 + (s[i++] - '0');
	if (i == 0 || i >= n || s[i] != '.' || sec >= 4294967296LL || (s[0] == '0' && i > 1))
		return 0;
	nf = n - i - 1;
	if (nf < 1 || nf > 6)
		return 0;
	for (i++; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		frac = frac * 10 + (s[i] - '0');
	}
	for (scale = (int)nf; scale < 9; scale++)
		frac *= 10;
	*ns = sec * OBS_NS_PER_SEC + frac;
	return 1;
}

/* The field as a time, as the general parser reads it (value_time). 0 / -1. */
static int field_time(struct obs_logfast *f, const struct obs_lf_field *fl, int64_t *ns)
{
	const char *raw;
	char buf[64];
	size_t n;
	double d;
	int len;

	if (fl->is_string)
		return obs_lp_text_time(f->p, fl->v, fl->vlen, ns);
	if (fl->kind != LF_JSON || obs_jscan_type(&f->scan, fl->tok) != OBS_JSCAN_NUMBER)
		return -1;
	raw = obs_jscan_raw(&f->scan, fl->tok, &n);
	if (integer_text(raw, n))
		return plain_integer(raw, n) ? obs_time_parse_n(raw, n, ns, NULL) : -2;
	if (seconds_text(raw, n, ns))
		return 0;
	if (n >= sizeof(buf))
		return -2;
	memcpy(buf, raw, n);
	buf[n] = '\0';
	errno = 0;
	d = strtod(buf, NULL);
	if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
		return -2;   /* jansson refuses it: not JSON there */
	if (!(d >= 0 && d < 9.2e18))
		return -1;
	len = snprintf(buf, sizeof(buf), d < 1e11 ? "%.6f" : "%.0f", d);
	return obs_time_parse_n(buf, (size_t)len, ns, NULL);
}

/* obs_log_level_normalize_n, remembering the words seen (a file uses a few). */
static const char *level_of(struct obs_logfast *f, const char *s, size_t n)
{
	int i, slot;

	if (n >= sizeof(f->lvl_word[0]))
		return obs_log_level_normalize_n(s, n);
	for (i = 0; i < OBS_LOGFAST_LEVELS; i++)
		if (f->lvl_len[i] == n + 1 && !memcmp(f->lvl_word[i], s, n))
			return f->lvl[i];
	slot = f->lvl_next++ % OBS_LOGFAST_LEVELS;
	memcpy(f->lvl_word[slot], s, n);
	f->lvl_len[slot] = n + 1;
	f->lvl[slot] = obs_log_level_normalize_n(s, n);
	return f->lvl[slot];
}

static const char *field_level(struct obs_logfast *f, const struct obs_lf_field *fl)
{
	const char *raw;
	size_t n;

	if (fl->is_string)
		return level_of(f, fl->v, fl->vlen);
	if (fl->kind != LF_JSON || obs_jscan_type(&f->scan, fl->tok) != OBS_JSCAN_NUMBER)
		return NULL;
	raw = obs_jscan_raw(&f->scan, fl->tok, &n);
	if (!integer_text(raw, n) || !plain_integer(raw, n))
		return NULL;
	return level_of(f, raw, n);
}

static int field_service(struct obs_logfast *f, const struct obs_lf_field *fl)
{
	int64_t d;

	return fl->is_string && fl->vlen > 0 && !memchr(fl->v, '\0', fl->vlen) &&
	       obs_duration_parse(cstr(f, fl), &d, NULL) != 0;
}

/*
 * A trace (WANT 32; 16 digits are zero-padded) or span id (16) of any
 * case, into OUT lowercase: obs_lp_hex_id's rule, with a table.
 */
static int hex_id(const char *s, size_t len, size_t want, char *out)
{
	static const char lower[256] = {
		['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
		['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
		['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
		['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
	};
	char id[33];
	size_t pad, i;
	unsigned bad = 0, nonzero = 0;

	if (len != want && !(want == 32 && len == 16))
		return 0;
	pad = want - len;
	memset(id, '0', pad);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)lower[(unsigned char)s[i]];

		bad |= c == 0;
		nonzero |= c ^ '0';
		id[pad + i] = (char)c;
	}
	if (bad || !nonzero)
		return 0;
	id[want] = '\0';
	memcpy(out, id, want + 1);
	return 1;
}

/* ---- typed logfmt values ------------------------------------------------------------------- */

enum { T_STRING, T_TRUE, T_FALSE, T_INT, T_REAL, T_SLOW };

/* What typed() of the general parser makes of S; a real's digits in *PREC, *CANON. */
static int typed_kind(const char *s, size_t len, int *prec, int *canon)
{
	size_t i = 0;
	int frac = 0, expo = 0;
	char buf[64];

	if (len == 4 && !memcmp(s, "true", 4))
		return T_TRUE;
	if (len == 5 && !memcmp(s, "false", 5))
		return T_FALSE;
	if (i < len && s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9' || (s[i] == '0' && i + 1 < len &&
						     s[i + 1] >= '0' && s[i + 1] <= '9'))
		return T_STRING;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < len && s[i] == '.') {
		if (++i >= len || s[i] < '0' || s[i] > '9')
			return T_STRING;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		frac = 1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return T_STRING;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		expo = 1;
	}
	if (i != len)
		return T_STRING;
	if (!frac && !expo) {
		size_t digits = len - (s[0] == '-');

		if (digits > 19)
			return T_STRING;   /* out of range for sure */
		if (digits == 19) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			errno = 0;
			strtoll(buf, NULL, 10);
			if (errno == ERANGE)
				return T_STRING;
		}
		return T_INT;
	}
	if (expo || real_digits(s, len, prec, canon) < 0)
		return T_SLOW;
	return T_REAL;
}

/* Note the digits a field's value needs (pass 0), or write it (pass 1). 1 / 0. */
static int field_value(struct obs_logfast *f, struct obs_lf_field *fl, int write)
{
	int prec, canon, t;

	switch (fl->kind) {
	case LF_TRUE:
		if (write)
			out_raw(f, "true", 4);
		return 1;
	case LF_JSON:
		return json_value(f, fl->tok, write);
	default:
		if (!write) {
			fl->typed = fl->typable ? typed_kind(fl->v, fl->vlen, &fl->prec, &fl->canon)
						: T_STRING;
		}
		t = fl->typed;
		prec = fl->prec;
		canon = fl->canon;
		switch (t) {
		case T_SLOW:
			return 0;
		case T_REAL:
			if (!write && prec > f->maxprec)
				f->maxprec = prec;
			if (write)
				out_real_text(f, fl->v, fl->vlen, prec, canon);
			return 1;
		case T_INT:
			/* As written (typed() allows no leading zeros), but "-0" is 0. */
			if (write && fl->vlen == 2 && fl->v[0] == '-' && fl->v[1] == '0')
				out_raw(f, "0", 1);
			else if (write)
				out_raw(f, fl->v, fl->vlen);
			return 1;
		case T_TRUE:
			if (write)
				out_raw(f, "true", 4);
			return 1;
		case T_FALSE:
			if (write)
				out_raw(f, "false", 5);
			return 1;
		default:
			if (write)
				out_jstring(f, fl->v, fl->vlen);
			return 1;
		}
	}
}

/* ---- the record --------------------------------------------------------------------------- */

/* Msg without trailing newlines (as the general parser's msg_value). */
static size_t msg_len(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

static int is_reserved(const char *k, size_t n)
{
	const char *const *r;

	if (n < 3 || n > 9 || !strchr("tlmsr", k[0]))
		return 0;
	for (r = reserved; *r; r++)
		if ((*r)[0] == k[0] && strlen(*r) == n && !memcmp(*r, k, n))
			return 1;
	return 0;
}

/* Roles, then the record; 1 written, 0 for the general parser. */
static int build(struct obs_logfast *f)
{
	struct obs_lf_field *fl, *msg = NULL, *service = NULL;
	const char *const *a, *level = NULL;
	char trace[33] = "", span[17] = "";
	int64_t ns = f->p->reference;
	int have_time = 0, i, r, k;

	if (!keys_plain(f))
		return 0;
	for (a = obs_lp_json_aliases(OBS_LP_TIME), k = 0; *a && !have_time; a++, k++) {
		if (!(fl = field_findn(f, *a, f->alias_len[OBS_LP_TIME][k])))
			continue;
		r = field_time(f, fl, &ns);
		if (r == -2)
			return 0;
		if (r == 0)
			fl->used = have_time = 1;
	}
	for (a = obs_lp_json_aliases(OBS_LP_LEVEL), k = 0; *a && !level; a++, k++)
		if ((fl = field_findn(f, *a, f->alias_len[OBS_LP_LEVEL][k])) &&
		    (level = field_level(f, fl)))
			fl->used = 1;
	for (a = obs_lp_json_aliases(OBS_LP_MSG), k = 0; *a && !msg; a++, k++)
		if ((fl = field_findn(f, *a, f->alias_len[OBS_LP_MSG][k])) && fl->is_string)
			(msg = fl)->used = 1;
	for (a = obs_lp_json_aliases(OBS_LP_SERVICE), k = 0; *a && !service; a++, k++)
		if ((fl = field_findn(f, *a, f->alias_len[OBS_LP_SERVICE][k])) &&
		    field_service(f, fl))
			(service = fl)->used = 1;
	for (a = obs_lp_json_aliases(OBS_LP_TRACE), k = 0; *a && !trace[0]; a++, k++)
		if ((fl = field_findn(f, *a, f->alias_len[OBS_LP_TRACE][k])) && fl->is_string &&
		    hex_id(fl->v, fl->vlen, 32, trace))
			fl->used = 1;
	for (a = obs_lp_json_aliases(OBS_LP_SPAN), k = 0; *a && !span[0]; a++, k++)
		if ((fl = field_findn(f, *a, f->alias_len[OBS_LP_SPAN][k])) && fl->is_string &&
		    hex_id(fl->v, fl->vlen, 16, span))
			fl->used = 1;
	if (!trace[0] && (fl = field_find(f, "traceparent")) && fl->is_string &&
	    !memchr(fl->v, '\0', fl->vlen)) {
		struct obs_trace_ctx ctx;

		if (obs_traceparent_parse(cstr(f, fl), &ctx)) {
			fl->used = 1;
			obs_hex_encode(ctx.trace_id, 16, trace);
			if (!span[0])
				obs_hex_encode(ctx.span_id, 8, span);
		}
	}
	if (!service && f->p->service && !f->service_ok)
		return 0;

	/* The digits reals need, and whether every value can be written here. */
	f->maxprec = 0;
	for (i = 0; i < f->nfields; i++)
		if (!f->fields[i].used && !field_value(f, &f->fields[i], 0))
			return 0;

	f->out_len = 0;
	out_raw(f, "{\"type\":\"log\",\"time\":\"", 22);
	out_time(f, ns);
	out_raw(f, "\"", 1);
	if (level) {
		out_str(f, ",\"level\":\"");
		out_str(f, level);
		out_raw(f, "\"", 1);
	}
	if (msg) {
		out_str(f, ",\"msg\":");
		out_jstring(f, msg->v, msg_len(msg->v, msg->vlen));
	}
	if (service) {
		out_str(f, ",\"service\":");
		out_jstring(f, service->v, service->vlen);
	} else if (f->p->service) {
		out_str(f, ",\"service\":");
		out_jstring(f, f->p->service, strlen(f->p->service));
	}
	if (trace[0]) {
		out_str(f, ",\"trace_id\":\"");
		out_str(f, trace);
		out_raw(f, "\"", 1);
	}
	if (span[0]) {
		out_str(f, ",\"span_id\":\"");
		out_str(f, span);
		out_raw(f, "\"", 1);
	}
	for (i = 0; i < f->nfields; i++) {
		fl = &f->fields[i];
		if (fl->used)
			continue;
		out_raw(f, ",", 1);
		if (is_reserved(fl->key, fl->klen)) {
			out_raw(f, "\"", 1);
			out_raw(f, fl->key, fl->klen);
			out_str(f, "_original\"");
		} else {
			out_jstring(f, fl->key, fl->klen);
		}
		out_raw(f, ":", 1);
		if (!field_value(f, fl, 1))
			return 0;
	}
	out_raw(f, "}", 1);
	out_raw(f, "", 1);   /* the NUL */
	if (f->oom)
		return 0;
	f->out_len--;
	f->rec = f->out;
	f->len = f->out_len;
	f->time = ns;
	return 1;
}

/* ---- json ----------------------------------------------------------------------------- */

static int json_fields(struct obs_logfast *f, const char *line, size_t len)
{
	const struct obs_jscan *s = &f->scan;
	struct obs_lf_field *fl;
	const char *raw, *str;
	size_t n, slen;
	int k, t;

	if (obs_jscan_parse(&f->scan, line, len, NULL) < 0)
		return 0;
	for (k = obs_jscan_child(s, 0); k >= 0; k = obs_jscan_sibling(s, 0, k)) {
		if (!(fl = field_new(f)))
			return 0;
		raw = obs_jscan_raw(s, k, &n);
		if (memchr(raw, '\\', n))
			return 0;   /* escaped keys: rare, and \u0000 makes the line invalid there */
		fl->key = raw;
		fl->klen = n;
		fl->kind = LF_JSON;
		fl->tok = t = k + 1;
		if (obs_jscan_type(s, t) == OBS_JSCAN_STRING) {
			fl->is_string = 1;
			if (obs_jscan_string(s, t, f->arena + f->arena_len, f->arena_cap - f->arena_len,
					     &str, &slen) < 0)
				return 0;
			if (str == f->arena + f->arena_len)
				f->arena_len += slen + 1;
			fl->v = str;
			fl->vlen = slen;
		}
	}
	return 1;
}

/* ---- logfmt ------------------------------------------------------------------------------ */

/* Well-formed UTF-8: ASCII 8 bytes at a time, the rest by obs_lp_utf8_valid. */
static int utf8_ok(const char *s, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			return obs_lp_utf8_valid(s + i, len - i);
	}
	for (; i < len; i++)
		if ((unsigned char)s[i] & 0x80)
			return obs_lp_utf8_valid(s + i, len - i);
	return 1;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t';
}

/* Bytes that end a logfmt key (1) or an unquoted value (2: space, tab). */
static const unsigned char logfmt_stop[256] = {
	[' '] = 3, ['\t'] = 3, ['='] = 1, ['"'] = 1,
};

/* The general parser's logfmt scanner (non-strict), fields into F; 0 if it is not logfmt. */
static int logfmt_fields(struct obs_logfast *f, const char *s, size_t len)
{
	struct obs_lf_field *fl;
	size_t i = 0;
	int pairs = 0;

	if (!utf8_ok(s, len))
		return 0;
	for (;;) {
		size_t k0, k1;

		while (i < len && is_space(s[i]))
			i++;
		if (i >= len)
			break;
		k0 = i;
		while (i < len && !logfmt_stop[(unsigned char)s[i]])
			i++;
		k1 = i;
		if (k1 == k0 || (i < len && s[i] == '"') || memchr(s + k0, '\0', k1 - k0))
			return 0;
		if (!(fl = field_new(f)))
			return 0;
		fl->key = s + k0;
		fl->klen = k1 - k0;
		if (i >= len || s[i] != '=') {
			fl->kind = LF_TRUE;
		} else if (++i < len && s[i] == '"') {
			size_t v0 = ++i;
			char *out = f->arena + f->arena_len;

			while (i < len && s[i] != '"')
				i += s[i] == '\\' ? 2 : 1;
			if (i >= len || (i + 1 < len && !is_space(s[i + 1])))
				return 0;
			fl->kind = LF_TEXT;
			fl->is_string = 1;
			fl->v = out;
			fl->vlen = obs_lp_unquote(s + v0, i - v0, out);
			f->arena_len += fl->vlen + 1;
			/* \xHH may have made bytes that are not UTF-8: the general path replaces them. */
			if (!obs_lp_utf8_valid(fl->v, fl->vlen))
				return 0;
			i++;
			pairs++;
		} else {
			size_t v0 = i;

			while (i < len && !(logfmt_stop[(unsigned char)s[i]] & 2))
				i++;
			fl->kind = LF_TEXT;
			fl->is_string = 1;
			fl->typable = 1;
			fl->v = s + v0;
			fl->vlen = i - v0;
			pairs++;
		}
	}
	return pairs > 0;
}

int obs_logfast_line(struct obs_logfast *f, const char *line, size_t len, struct obs_error *err)
{
	int ok;

	if (f->p->format != OBS_LOG_JSON && f->p->format != OBS_LOG_LOGFMT)
		return 0;
	if (len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	/* Decoded strings are never longer than their text; NUL-terminated copies fit too. */
	if (f->arena_cap < 2 * len + 64) {
		size_t cap = 2 * len + 64;
		char *a = realloc(f->arena, cap);

		if (!a)
			return obs_error_set(err, "out of memory");
		f->arena = a;
		f->arena_cap = cap;
	}
	f->arena_len = 0;
	f->nfields = 0;
	f->oom = 0;
	if (f->p->format == OBS_LOG_JSON)
		ok = json_fields(f, line, len);
	else
		ok = logfmt_fields(f, line, len);
	if (ok)
		ok = build(f);
	if (f->oom)
		return obs_error_set(err, "out of memory");
	if (ok)
		f->taken++;
	else
		f->passed++;
	return ok;
}
