/* SPDX-License-Identifier: MIT */
/* PromQL lexer: numbers, durations, strings, identifiers, keywords and operators. */
#include "obs_promql_int.h"

#include "obs_buf.h"
#include "obs_text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lexer {
	const char *text;
	size_t pos;
	int in_braces, in_brackets;
	struct tok *v;
	size_t n, cap;
	struct perr *pe;
};

static const struct {
	const char *word;
	enum tok_type type;
	int sub;
} keywords[] = {
	{ "and", T_LAND, 0 }, { "or", T_LOR, 0 }, { "unless", T_LUNLESS, 0 },
	{ "atan2", T_ATAN2, 0 },
	{ "sum", T_AGG, AGG_SUM }, { "avg", T_AGG, AGG_AVG }, { "count", T_AGG, AGG_COUNT },
	{ "min", T_AGG, AGG_MIN }, { "max", T_AGG, AGG_MAX }, { "group", T_AGG, AGG_GROUP },
	{ "stddev", T_AGG, AGG_STDDEV }, { "stdvar", T_AGG, AGG_STDVAR },
	{ "topk", T_AGG, AGG_TOPK }, { "bottomk", T_AGG, AGG_BOTTOMK },
	{ "count_values", T_AGG, AGG_COUNT_VALUES }, { "quantile", T_AGG, AGG_QUANTILE },
	{ "offset", T_OFFSET, 0 }, { "by", T_BY, 0 }, { "without", T_WITHOUT, 0 },
	{ "on", T_ON, 0 }, { "ignoring", T_IGNORING, 0 }, { "group_left", T_GROUP_LEFT, 0 },
	{ "group_right", T_GROUP_RIGHT, 0 }, { "bool", T_BOOL, 0 }, { "start", T_START, 0 },
	{ "end", T_END, 0 },
};

static int lex_error(struct lexer *lx, size_t pos, int unsupported, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int lex_error(struct lexer *lx, size_t pos, int unsupported, const char *fmt, ...)
{
	va_list ap;

	lx->pe->pos = pos;
	lx->pe->unsupported = unsupported;
	va_start(ap, fmt);
	vsnprintf(lx->pe->msg, sizeof(lx->pe->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static struct tok *push(struct lexer *lx, enum tok_type type, size_t pos, size_t len)
{
	struct tok *t;

	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 32;

		t = realloc(lx->v, cap * sizeof(*t));
		if (!t)
			return NULL;
		lx->v = t;
		lx->cap = cap;
	}
	t = &lx->v[lx->n++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->pos = pos;
	t->len = len;
	return t;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

/* ---- durations --------------------------------------------------------------------------- */

int promql_parse_duration(const char *s, size_t len, int64_t *ms, char *msg, size_t msgsize)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {
		{ "y", 365LL * 24 * 3600 * 1000 }, { "w", 7LL * 24 * 3600 * 1000 },
		{ "d", 24LL * 3600 * 1000 }, { "h", 3600LL * 1000 }, { "m", 60LL * 1000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	/* time.Duration counts nanoseconds in an int64. */
	const int64_t max_ms = INT64_MAX / 1000000;
	size_t i = 0, u = 0;
	int64_t total = 0;

	while (i < len) {
		int64_t n = 0;
		size_t start = i, ul;
		int overflow = 0;

		while (i < len && is_digit(s[i])) {
			if (n > (INT64_MAX - 9) / 10)
				overflow = 1;
			else
				n = n * 10 + (s[i] - '0');
			i++;
		}
		if (i == start)
			goto bad;
		for (; u < sizeof(units) / sizeof(units[0]); u++) {
			ul = strlen(units[u].unit);
			if (i + ul <= len && strncmp(s + i, units[u].unit, ul) == 0 &&
			    !(ul == 1 && units[u].unit[0] == 'm' && i + 1 < len && s[i + 1] == 's'))
				break;
		}
		if (u == sizeof(units) / sizeof(units[0]))
			goto bad;
		i += strlen(units[u].unit);
		if (overflow || n > max_ms / units[u].mult || total > max_ms - n * units[u].mult) {
			snprintf(msg, msgsize, "duration out of range");
			return -1;
		}
		total += n * units[u].mult;
		u++;
	}
	if (len == 0)
		goto bad;
	*ms = total;
	return 0;
bad:
	snprintf(msg, msgsize, "not a valid duration string: \"%.*s\"", (int)len, s);
	return -1;
}

/* ---- numbers ------------------------------------------------------------------------------- */

static int hexdigit_ok(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Go's strconv.ParseInt(s, 0, 64), then ParseFloat(s, 64), as Prometheus's parser does. */
static int number_value(const char *s, size_t len, double *out)
{
	char buf[128], *end;
	size_t i;
	int hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	int octal = len > 1 && s[0] == '0' && !hex, digits = 1;
	unsigned long long u;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (i = hex ? 2 : 0; i < len; i++)
		if (!(hex ? hexdigit_ok(buf[i]) : is_digit(buf[i])))
			digits = 0;
	if (digits && (!octal || strspn(buf, "01234567") == len)) {
		errno = 0;
		u = strtoull(hex ? buf + 2 : buf, &end, hex ? 16 : octal ? 8 : 10);
		if (errno == 0 && u <= (unsigned long long)INT64_MAX) {
			*out = (double)(int64_t)u;
			return 0;
		}
	}
	if (hex)
		return -1;  /* Go's ParseFloat wants a 'p' exponent in hex. */
	errno = 0;
	*out = strtod(buf, &end);
	if (*end || end == buf || (errno == ERANGE && isinf(*out)))
		return -1;
	return 0;
}

/* Go's acceptRemainingDuration: after a number, a unit and more number+unit pairs. */
static size_t duration_tail(const char *s)
{
	size_t i = 0;

	if (!s[i] || !strchr("smhdwy", s[i]))
		return 0;
	i++;
	if (s[i] == 's')
		i++;
	while (is_digit(s[i])) {
		while (is_digit(s[i]))
			i++;
		if (!s[i] || !strchr("smhdw", s[i]))
			return 0;
		i++;
		if (s[i] == 's')
			i++;
	}
	return is_alnum(s[i]) ? 0 : i;
}

static int lex_number(struct lexer *lx)
{
	const char *s = lx->text;
	size_t start = lx->pos, i = start, tail;
	int hex = 0;
	struct tok *t;
	char msg[200];

	if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		hex = 1;
		i += 2;
	}
	while (hex ? hexdigit_ok(s[i]) : is_digit(s[i]))
		i++;
	if (s[i] == '.') {
		i++;
		while (hex ? hexdigit_ok(s[i]) : is_digit(s[i]))
			i++;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		while (is_digit(s[i]))
			i++;
	}
	if (!is_alnum(s[i])) {
		t = push(lx, T_NUMBER, start, i - start);
		if (!t)
			return -2;
		if (number_value(s + start, i - start, &t->num) < 0)
			return lex_error(lx, start, 0, "error parsing number \"%.*s\"", (int)(i - start),
					 s + start);
		lx->pos = i;
		return 0;
	}
	tail = duration_tail(s + i);
	if (!tail)
		return lex_error(lx, start, 0, "bad number or duration syntax: \"%.*s\"",
				 (int)(i - start), s + start);
	i += tail;
	t = push(lx, T_DURATION, start, i - start);
	if (!t)
		return -2;
	if (promql_parse_duration(s + start, i - start, &t->dur, msg, sizeof(msg)) < 0)
		return lex_error(lx, start, 0, "%s", msg);
	lx->pos = i;
	return 0;
}

/* ---- strings --------------------------------------------------------------------------------- */

/* The escape at s[*i] (just after the backslash) into B; -1 with an error, -2 out of memory. */
static int lex_escape(struct lexer *lx, const char *s, size_t *i, char quote, struct obs_buf *b)
{
	static const char simple[] = "abfnrtv\\";
	static const char value[] = "\a\b\f\n\r\t\v\\";
	size_t at = *i - 1, n, k;
	unsigned long cp = 0, max;
	int base;
	char c = s[*i], buf[4];
	const char *p = strchr(simple, c);

	if (c && (p || c == quote)) {
		buf[0] = p ? value[p - simple] : quote;
		(*i)++;
		return obs_buf_addc(b, buf[0]) < 0 ? -2 : 0;
	}
	if (c >= '0' && c <= '7') {
		n = 3, base = 8, max = 255;
	} else if (c == 'x') {
		n = 2, base = 16, max = 255, (*i)++;
	} else if (c == 'u') {
		n = 4, base = 16, max = 0x10ffff, (*i)++;
	} else if (c == 'U') {
		n = 8, base = 16, max = 0x10ffff, (*i)++;
	} else if (c == '\0' || c == '\n') {
		return lex_error(lx, at, 0, "%s", "unterminated quoted string");
	} else {
		return lex_error(lx, at, 0, "unknown escape sequence '\\%c'", c);
	}
	for (k = 0; k < n; k++, (*i)++) {
		int d = hexdigit_ok(s[*i]) ? (is_digit(s[*i]) ? s[*i] - '0' : (s[*i] | 0x20) - 'a' + 10)
					   : 99;

		if (d >= base)
			return lex_error(lx, at, 0, "%s", "illegal character in escape sequence");
		cp = cp * (unsigned long)base + (unsigned long)d;
	}
	if (cp > max || (cp >= 0xd800 && cp < 0xe000))
		return lex_error(lx, at, 0, "%s", "escape sequence is an invalid Unicode code point");
	if (cp == 0)
		return lex_error(lx, at, 1, "%s", "NUL character in string");
	if (c == 'u' || c == 'U')
		return obs_buf_add(b, buf, obs_text_utf8_put(cp, buf)) < 0 ? -2 : 0;
	buf[0] = (char)cp;
	return obs_buf_addc(b, buf[0]) < 0 ? -2 : 0;
}

static int lex_string(struct lexer *lx)
{
	const char *s = lx->text;
	size_t start = lx->pos, i = start + 1;
	char quote = s[start];
	struct obs_buf b = OBS_BUF_INIT;
	struct tok *t;
	int rc;

	for (;;) {
		size_t run = i;

		while (s[i] && s[i] != quote && (quote == '`' || (s[i] != '\\' && s[i] != '\n')))
			i++;
		if (obs_buf_add(&b, s + run, i - run) < 0)
			goto oom;
		if (s[i] == quote)
			break;
		if (!s[i] || s[i] == '\n') {
			obs_buf_release(&b);
			return lex_error(lx, start, 0, "%s", "unterminated quoted string");
		}
		i++;
		rc = lex_escape(lx, s, &i, quote, &b);
		if (rc < 0) {
			obs_buf_release(&b);
			return rc;
		}
	}
	i++;
	t = push(lx, T_STRING, start, i - start);
	if (!t)
		goto oom;
	t->str = b.p;
	lx->pos = i;
	return 0;
oom:
	obs_buf_release(&b);
	return -2;
}

/* ---- words and punctuation ------------------------------------------------------------------ */

static int lex_word(struct lexer *lx)
{
	const char *s = lx->text;
	size_t start = lx->pos, i = start, k, len;
	int colon = 0;
	struct tok *t;

	while (is_alnum(s[i]) || (!lx->in_braces && s[i] == ':')) {
		colon |= s[i] == ':';
		i++;
	}
	len = i - start;
	lx->pos = i;
	if (lx->in_braces)
		return push(lx, T_IDENT, start, len) ? 0 : -2;
	if ((len == 3 && strncasecmp(s + start, "inf", 3) == 0) ||
	    (len == 3 && strncasecmp(s + start, "nan", 3) == 0)) {
		t = push(lx, T_NUMBER, start, len);
		if (!t)
			return -2;
		t->num = (s[start] | 0x20) == 'i' ? INFINITY : NAN;
		return 0;
	}
	for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		if (strlen(keywords[k].word) == len && strncasecmp(s + start, keywords[k].word, len) == 0) {
			t = push(lx, keywords[k].type, start, len);
			if (!t)
				return -2;
			t->sub = keywords[k].sub;
			return 0;
		}
	}
	return push(lx, colon ? T_METRIC_IDENT : T_IDENT, start, len) ? 0 : -2;
}

/* Operators and punctuation; 0 if C starts none. */
static enum tok_type punct(const char *s, size_t *len)
{
	static const struct {
		const char *op;
		enum tok_type type;
	} ops[] = {
		{ "==", T_EQLC }, { "!=", T_NEQ }, { "<=", T_LTE }, { ">=", T_GTE }, { "=~", T_EQL_REGEX },
		{ "!~", T_NEQ_REGEX }, { "(", T_LPAREN }, { ")", T_RPAREN }, { "{", T_LBRACE },
		{ "}", T_RBRACE }, { "[", T_LBRACKET }, { "]", T_RBRACKET }, { ",", T_COMMA },
		{ ":", T_COLON }, { "@", T_AT }, { "=", T_EQL }, { "+", T_ADD }, { "-", T_SUB },
		{ "*", T_MUL }, { "/", T_DIV }, { "%", T_MOD }, { "^", T_POW }, { "<", T_LSS },
		{ ">", T_GTR },
	};
	size_t k;

	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		*len = strlen(ops[k].op);
		if (strncmp(s, ops[k].op, *len) == 0)
			return ops[k].type;
	}
	return T_EOF;
}

static int lex_one(struct lexer *lx)
{
	const char *s = lx->text + lx->pos;
	enum tok_type type;
	size_t len;

	if (*s == '"' || *s == '\'' || *s == '`')
		return lex_string(lx);
	if (is_digit(*s) || (*s == '.' && is_digit(s[1])))
		return lex_number(lx);
	if (is_alpha(*s) || (*s == ':' && !lx->in_braces && !lx->in_brackets))
		return lex_word(lx);
	type = punct(s, &len);
	if (type == T_EOF) {
		if (*s == '!')
			return lex_error(lx, lx->pos, 0, "unexpected character after '!': '%.1s'", s + 1);
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return lex_error(lx, lx->pos, 0, "unexpected character: '\\x%02x'",
					 (unsigned char)*s);
		return lex_error(lx, lx->pos, 0, "unexpected character: '%c'", *s);
	}
	if (type == T_LBRACE || type == T_RBRACE)
		lx->in_braces = type == T_LBRACE;
	if (type == T_LBRACKET || type == T_RBRACKET)
		lx->in_brackets = type == T_LBRACKET;
	if (!push(lx, type, lx->pos, len))
		return -2;
	lx->pos += len;
	return 0;
}

void promql_toks_free(struct tok *toks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(toks[i].str);
	free(toks);
}

int promql_lex(const char *text, struct tok **toks, size_t *ntoks, struct perr *pe)
{
	struct lexer lx;
	int rc = 0;

	memset(&lx, 0, sizeof(lx));
	lx.text = text;
	lx.pe = pe;
	for (;;) {
		char c = text[lx.pos];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			lx.pos++;
			continue;
		}
		if (c == '#') {
			while (text[lx.pos] && text[lx.pos] != '\n')
				lx.pos++;
			continue;
		}
		if (c == '\0')
			break;
		rc = lex_one(&lx);
		if (rc < 0)
			break;
	}
	if (rc == 0 && !push(&lx, T_EOF, lx.pos, 0))
		rc = -2;
	if (rc == -2)
		lex_error(&lx, lx.pos, 0, "%s", "out of memory");
	if (rc < 0) {
		promql_toks_free(lx.v, lx.n);
		return -1;
	}
	*toks = lx.v;
	*ntoks = lx.n;
	return 0;
}

void promql_tok_describe(const char *text, const struct tok *t, char *buf, size_t size)
{
	int len = (int)(t->len > 40 ? 40 : t->len);

	switch (t->type) {
	case T_EOF:
		snprintf(buf, size, "end of input");
		break;
	case T_IDENT:
	case T_METRIC_IDENT:
		snprintf(buf, size, "identifier '%.*s'", len, text + t->pos);
		break;
	case T_NUMBER:
		snprintf(buf, size, "number '%.*s'", len, text + t->pos);
		break;
	case T_DURATION:
		snprintf(buf, size, "duration '%.*s'", len, text + t->pos);
		break;
	case T_STRING:
		snprintf(buf, size, "string %.*s", len, text + t->pos);
		break;
	default:
		snprintf(buf, size, "'%.*s'", len, text + t->pos);
		break;
	}
}
