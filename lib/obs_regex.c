/* SPDX-License-Identifier: MIT */
/* Fully anchored RE2-syntax regular expressions (as PromQL has them) on top of POSIX regcomp. */
#include "obs_regex.h"

#include "obs_buf.h"
#include "obs_text.h"

#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPEAT 1000
#define MAX_GROUPS 1000
#define MAX_DEPTH 1000
/* Nested repetitions multiply (glibc expands them): (a{100}){100} is 10000 copies. */
#define MAX_WEIGHT 1000

enum { TR_INVALID = -1, TR_UNSUPPORTED = -2 };

/* Translation state: RE2 syntax in, POSIX ERE out. */
struct tr {
	const char *p;
	struct obs_buf out;  /* the ERE */
	int *group;          /* RE2 group -> ERE subexpression */
	size_t ngroups;
	int ere_groups;      /* ERE subexpressions opened so far */
	int depth;
	long weight;         /* copies the last atom expands to */
	long maxw;           /* largest weight in the current group */
	long total;          /* copies of repeated atoms, all told */
	int rc;              /* 0, TR_INVALID or TR_UNSUPPORTED */
	char why[160];
};

/* The locale regcomp/regexec run in: UTF-8 characters, C otherwise. */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static int tried;

	if (!tried) {
		tried = 1;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

static int fail(struct tr *t, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct tr *t, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!t->rc) {
		t->rc = rc;
		va_start(ap, fmt);
		vsnprintf(t->why, sizeof(t->why), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int emit(struct tr *t, const char *s, size_t n)
{
	if (obs_buf_add(&t->out, s, n) < 0)
		return fail(t, TR_INVALID, "%s", "out of memory");
	return 0;
}

static int emits(struct tr *t, const char *s)
{
	return emit(t, s, strlen(s));
}

/* Emit one byte as a literal outside brackets. */
static int emit_literal(struct tr *t, unsigned char c)
{
	char buf[2] = { '\\', (char)c };

	if (strchr(".[]()*+?{}|^$\\", c) && c)
		return emit(t, buf, 2);
	return emit(t, buf + 1, 1);
}

/* Length of the UTF-8 sequence starting at S, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* \xHH or \x{H...} after the 'x': the code point, or -1 (error set). */
static long parse_hex(struct tr *t)
{
	long cp = 0;
	int n = 0;

	if (*t->p == '{') {
		t->p++;
		while (obs_text_hexval(*t->p) >= 0 && cp <= 0x10ffff) {
			cp = cp * 16 + obs_text_hexval(*t->p++);
			n++;
		}
		if (*t->p != '}' || n == 0 || cp > 0x10ffff)
			return fail(t, TR_INVALID, "%s", "invalid escape sequence '\\x'");
		t->p++;
	} else {
		if (obs_text_hexval(t->p[0]) < 0 || obs_text_hexval(t->p[1]) < 0)
			return fail(t, TR_INVALID, "%s", "invalid escape sequence '\\x'");
		cp = obs_text_hexval(t->p[0]) * 16 + obs_text_hexval(t->p[1]);
		t->p += 2;
	}
	if (cp == 0)
		return fail(t, TR_UNSUPPORTED, "%s", "NUL character");
	return cp;
}

/* A single-character escape after '\' (n t r f v a x and punctuation); -1 if not one. */
static long escape_char(struct tr *t, char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'a': return '\a';
	case 'x': return parse_hex(t);
	default: break;
	}
	if ((unsigned char)c < 0x80 && c > ' ' && !(c >= '0' && c <= '9') &&
	    !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != 0x7f)
		return (unsigned char)c;
	return -2;
}

/* Reason for refusing escape C, which is not a character escape. */
static int bad_escape(struct tr *t, char c)
{
	char esc[3] = { '\\', c, '\0' };

	if (c == '\0')
		return fail(t, TR_INVALID, "%s", "trailing backslash at end of expression");
	if (strchr("bBAzpPQECdDsSwW", c))
		return fail(t, TR_UNSUPPORTED, "escape '%s'", esc);
	if (c >= '0' && c <= '9')
		return fail(t, TR_UNSUPPORTED, "%s", "octal escapes and back-references");
	return fail(t, TR_INVALID, "invalid escape sequence '%s'", esc);
}

/* ---- bracket expressions --------------------------------------------------- */

struct cset {
	uint8_t bits[16];   /* ASCII members */
};

static void cs_add_range(struct cset *s, int lo, int hi)
{
	int c;

	for (c = lo; c <= hi; c++)
		s->bits[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int cs_has(const struct cset *s, int c)
{
	return (s->bits[c >> 3] >> (c & 7)) & 1;
}

/* Add the ASCII class of \d \s \w (RE2's definitions). */
static void cs_add_perl(struct cset *s, char c)
{
	if (c == 'd') {
		cs_add_range(s, '0', '9');
	} else if (c == 's') {
		cs_add_range(s, '\t', '\n');
		cs_add_range(s, '\f', '\r');
		cs_add_range(s, ' ', ' ');
	} else {
		cs_add_range(s, '0', '9');
		cs_add_range(s, 'A', 'Z');
		cs_add_range(s, 'a', 'z');
		cs_add_range(s, '_', '_');
	}
}

static const struct {
	const char *name;
	const char *ranges;  /* pairs lo,hi */
} posix_classes[] = {
	{ "alnum", "09AZaz" }, { "alpha", "AZaz" }, { "ascii", "\x01\x7f" },
	{ "blank", "\t\t  " }, { "cntrl", "\x01\x1f\x7f\x7f" }, { "digit", "09" },
	{ "graph", "!~" }, { "lower", "az" }, { "print", " ~" },
	{ "punct", "!/:@[`{~" }, { "space", "\t\r  " }, { "upper", "AZ" },
	{ "word", "09AZaz__" }, { "xdigit", "09AFaf" },
};

/* "[:name:]" at t->p; 1 if one was consumed, 0 if not there, -1 on error. */
static int posix_class(struct tr *t, struct cset *s)
{
	const char *end;
	size_t i, n;

	if (t->p[0] != '[' || t->p[1] != ':')
		return 0;
	end = strstr(t->p + 2, ":]");
	if (!end)
		return 0;
	n = (size_t)(end - (t->p + 2));
	if (t->p[2] == '^')
		return fail(t, TR_UNSUPPORTED, "%s", "negated class inside brackets");
	for (i = 0; i < sizeof(posix_classes) / sizeof(posix_classes[0]); i++) {
		const char *r = posix_classes[i].ranges;

		if (strlen(posix_classes[i].name) != n || strncmp(posix_classes[i].name, t->p + 2, n))
			continue;
		for (; *r; r += 2)
			cs_add_range(s, (unsigned char)r[0], (unsigned char)r[1]);
		t->p = end + 2;
		return 1;
	}
	return fail(t, TR_INVALID, "%s", "invalid character class range");
}

/* One class member character; -1 on error, -3 when a \d-style class was added. */
static long class_char(struct tr *t, struct cset *s)
{
	unsigned char c = (unsigned char)*t->p;
	long v;

	if (c == '\\') {
		char e = t->p[1];

		if (e == '\0')
			return bad_escape(t, e);
		t->p += 2;
		if (e == 'd' || e == 's' || e == 'w') {
			cs_add_perl(s, e);
			return -3;
		}
		if (e == 'D' || e == 'S' || e == 'W')
			return fail(t, TR_UNSUPPORTED, "%s", "negated class inside brackets");
		v = escape_char(t, e);
		if (v == -2)
			return bad_escape(t, e);
		if (v >= 0x80)
			return fail(t, TR_UNSUPPORTED, "%s", "non-ASCII character inside brackets");
		return v;
	}
	if (c >= 0x80)
		return fail(t, TR_UNSUPPORTED, "%s", "non-ASCII character inside brackets");
	t->p++;
	return c;
}

static int emit_cset(struct tr *t, const struct cset *s, int negate)
{
	static const char special[] = "]-^[";
	int c, run, any = 0;

	if (!negate) {
		int n = 0, only = -1;

		for (c = 1; c < 128; c++)
			if (cs_has(s, c)) {
				n++;
				only = c;
			}
		if (n == 1)
			return emit_literal(t, (unsigned char)only);
	}
	emits(t, negate ? "[^" : "[");
	if (cs_has(s, ']')) {
		emits(t, "]");
		any = 1;
	}
	for (c = 1; c < 128; c = run) {
		run = c + 1;
		if (!cs_has(s, c) || strchr(special, c))
			continue;
		while (run < 128 && cs_has(s, run) && !strchr(special, run))
			run++;
		if (run - c >= 3) {
			char r[3] = { (char)c, '-', (char)(run - 1) };

			emit(t, r, 3);
		} else {
			char r[2] = { (char)c, (char)(c + 1) };

			emit(t, r, (size_t)(run - c));
		}
		any = 1;
	}
	if (cs_has(s, '[')) {
		emits(t, "[");
		any = 1;
	}
	if (cs_has(s, '^') && !any && cs_has(s, '-'))
		return emits(t, "-^]");
	if (cs_has(s, '^'))
		emits(t, "^");
	if (cs_has(s, '-'))
		emits(t, "-");
	return emits(t, "]");
}

static int translate_class(struct tr *t)
{
	struct cset s;
	int negate = 0, first = 1;
	long lo, hi;

	memset(&s, 0, sizeof(s));
	t->p++;
	if (*t->p == '^') {
		negate = 1;
		t->p++;
	}
	for (;;) {
		int pc;

		if (*t->p == '\0')
			return fail(t, TR_INVALID, "%s", "missing closing ]");
		if (*t->p == ']' && !first)
			break;
		first = 0;
		pc = posix_class(t, &s);
		if (pc < 0)
			return -1;
		if (pc)
			continue;
		lo = class_char(t, &s);
		if (lo == -3)
			continue;
		if (lo < 0)
			return -1;
		hi = lo;
		if (t->p[0] == '-' && t->p[1] != ']' && t->p[1] != '\0') {
			t->p++;
			hi = class_char(t, &s);
			if (hi == -3)
				return fail(t, TR_INVALID, "%s", "invalid character class range");
			if (hi < 0)
				return -1;
			if (hi < lo)
				return fail(t, TR_INVALID, "%s", "invalid character class range");
		}
		cs_add_range(&s, (int)lo, (int)hi);
	}
	t->p++;
	return emit_cset(t, &s, negate);
}

/* ---- quantifiers, groups, sequences ---------------------------------------- */

/* If t->p is a valid {n}, {n,} or {n,m}, its length, else 0. Bounds in *lo and *hi (-1: open). */
static size_t repeat_len(const char *p, long *lo, long *hi)
{
	const char *s = p + 1;
	char *end;

	if (*p != '{' || !(*s >= '0' && *s <= '9'))
		return 0;
	*lo = strtol(s, &end, 10);
	*hi = *lo;
	if (*end == ',') {
		end++;
		*hi = -1;
		if (*end >= '0' && *end <= '9')
			*hi = strtol(end, &end, 10);
	}
	if (*end != '}')
		return 0;
	return (size_t)(end + 1 - p);
}

/* Quantifier at t->p (known to be one); PREV_OK says whether something precedes it. */
static int translate_quant(struct tr *t, int prev_ok)
{
	long lo, hi;
	size_t n = repeat_len(t->p, &lo, &hi);
	char q[2] = { *t->p, '\0' };

	if (!prev_ok)
		return fail(t, TR_INVALID, "%s", "missing argument to repetition operator");
	if (n) {
		if (lo > MAX_REPEAT || hi > MAX_REPEAT || (hi >= 0 && hi < lo))
			return fail(t, TR_INVALID, "%s", "invalid repeat count");
		t->weight *= (hi > lo ? hi : lo) > 0 ? (hi > lo ? hi : lo) : 1;
		if (t->weight > t->maxw)
			t->maxw = t->weight;
		t->total += t->weight;
		if (t->weight > MAX_WEIGHT || t->total > 100 * MAX_WEIGHT)
			return fail(t, TR_UNSUPPORTED, "%s", "repetition too large");
		emit(t, t->p, n);
		t->p += n;
	} else {
		emit(t, t->p, 1);
		t->p++;
	}
	if (*t->p == '?')
		return fail(t, TR_UNSUPPORTED, "lazy quantifier '%s?'", n ? "{n,m}" : q);
	if (*t->p == '*' || *t->p == '+' || repeat_len(t->p, &lo, &hi))
		return fail(t, TR_INVALID, "%s", "invalid nested repetition operator");
	return 0;
}

static int translate_seq(struct tr *t);

static int translate_group(struct tr *t)
{
	int capture = 1;
	long outer = t->maxw;

	t->p++;
	if (*t->p == '?') {
		if (t->p[1] != ':')
			return fail(t, TR_UNSUPPORTED, "%s", "flags and named groups '(?'");
		capture = 0;
		t->p += 2;
	}
	if (++t->ere_groups > MAX_GROUPS)
		return fail(t, TR_UNSUPPORTED, "%s", "too many groups");
	if (capture)
		t->group[t->ngroups++] = t->ere_groups;
	if (++t->depth > MAX_DEPTH)
		return fail(t, TR_UNSUPPORTED, "%s", "groups nested too deeply");
	emits(t, "(");
	t->maxw = 1;
	if (translate_seq(t) < 0)
		return -1;
	if (*t->p != ')')
		return fail(t, TR_INVALID, "%s", "missing closing )");
	t->depth--;
	t->p++;
	t->weight = t->maxw;     /* a quantifier after the group multiplies its contents */
	t->maxw = outer > t->weight ? outer : t->weight;
	return emits(t, ")");
}

/* One atom (not a quantifier); sets *can_repeat. */
static int translate_atom(struct tr *t, int *can_repeat)
{
	unsigned char c = (unsigned char)*t->p;
	long v;
	char buf[4];
	size_t n;

	*can_repeat = 1;
	t->weight = 1;
	switch (c) {
	case '(':
		return translate_group(t);
	case '[':
		return translate_class(t);
	case '.':
		t->p++;
		return emits(t, "[^\n]");
	case '^':
	case '$':
		*can_repeat = 0;
		t->p++;
		return emit(t, (const char *)&c, 1);
	case '{':
		t->p++;
		return emit_literal(t, c);
	case '\\':
		c = (unsigned char)t->p[1];
		if (c == '\0')
			return bad_escape(t, '\0');
		t->p += 2;
		if (c == 'd' || c == 's' || c == 'w' || c == 'D' || c == 'S' || c == 'W') {
			struct cset s;

			memset(&s, 0, sizeof(s));
			cs_add_perl(&s, (char)(c | 0x20));
			return emit_cset(t, &s, c < 'a');
		}
		v = escape_char(t, (char)c);
		if (v == -2)
			return bad_escape(t, (char)c);
		if (v < 0)
			return -1;
		if (v < 0x80)
			return emit_literal(t, (unsigned char)v);
		return emit(t, buf, obs_text_utf8_put((uint32_t)v, buf));
	default:
		n = utf8_len((const unsigned char *)t->p);
		if (n == 0)
			return fail(t, TR_INVALID, "%s", "invalid UTF-8");
		if (n == 1)
			emit_literal(t, c);
		else
			emit(t, t->p, n);
		t->p += n;
		return 0;
	}
}

/* A sequence of alternatives, up to ')' or the end. */
static int translate_seq(struct tr *t)
{
	int can_repeat = 0, anchor = 0;
	long lo, hi;

	while (*t->p && !t->rc) {
		char c = *t->p;
		int quant = c == '*' || c == '+' || c == '?' || repeat_len(t->p, &lo, &hi);

		if (quant && anchor)
			return fail(t, TR_UNSUPPORTED, "%s", "repeated anchor");
		anchor = c == '^' || c == '$';

		if (c == ')') {
			if (t->depth == 0)
				return fail(t, TR_INVALID, "%s", "unexpected )");
			return 0;
		}
		if (c == '|') {
			t->p++;
			emits(t, "|");
			can_repeat = 0;
		} else if (quant) {
			if (translate_quant(t, can_repeat) < 0)
				return -1;
			can_repeat = 0;
		} else if (translate_atom(t, &can_repeat) < 0) {
			return -1;
		}
	}
	return t->rc ? -1 : 0;
}

static void set_error(struct obs_error *err, int rc, const char *pattern, const char *why)
{
	const char *what = rc == TR_UNSUPPORTED ? "unsupported" : "invalid";

	if (strcmp(why, "out of memory") == 0)
		obs_error_set(err, "out of memory");
	else
		obs_error_set(err, "%s regex '%.200s': %s", what, pattern, why);
}

static int compile_posix(struct obs_regex *r, struct tr *t, const char *pattern, int icase,
			 struct obs_error *err)
{
	locale_t loc = utf8_locale(), old = (locale_t)0;
	int rc;

	if (loc)
		old = uselocale(loc);
	rc = regcomp(&r->re, t->out.p, REG_EXTENDED | (icase ? REG_ICASE : 0));
	if (loc)
		uselocale(old);
	if (rc == REG_ESPACE)
		return obs_error_set(err, "out of memory");
	if (rc) {
		char msg[128];

		regerror(rc, &r->re, msg, sizeof(msg));
		obs_error_set(err, "invalid regex '%.200s': %s", pattern, msg);
		return -1;
	}
	r->compiled = 1;
	r->nsub = r->re.re_nsub + 1;
	return 0;
}

int obs_regex_compile(struct obs_regex *r, const char *pattern, struct obs_error *err)
{
	struct tr t;
	int icase = 0, rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&t, 0, sizeof(t));
	t.group = malloc((strlen(pattern) + 2) * sizeof(int));
	if (!t.group)
		return obs_error_set(err, "out of memory");
	t.p = pattern;
	if (strncmp(t.p, "(?i)", 4) == 0) {
		icase = 1;
		t.p += 4;
	}
	t.ere_groups = 1;
	t.group[t.ngroups++] = 1;
	t.weight = t.maxw = 1;
	emits(&t, "^(");
	translate_seq(&t);
	emits(&t, ")$");
	if (t.rc) {
		set_error(err, t.rc, pattern, t.why);
		rc = t.rc;
		goto out;
	}
	if (compile_posix(r, &t, pattern, icase, err) < 0)
		goto out;
	r->group = t.group;
	r->ngroups = t.ngroups;
	t.group = NULL;
	rc = 0;
out:
	free(t.group);
	obs_buf_release(&t.out);
	return rc;
}

void obs_regex_release(struct obs_regex *r)
{
	if (r->compiled)
		regfree(&r->re);
	free(r->group);
	memset(r, 0, sizeof(*r));
}

static int exec(const struct obs_regex *r, const char *s, size_t nmatch, regmatch_t *m)
{
	locale_t loc = utf8_locale(), old = (locale_t)0;
	int rc;

	if (loc)
		old = uselocale(loc);
	rc = regexec(&r->re, s, nmatch, m, 0);
	if (loc)
		uselocale(old);
	return rc == 0;
}

int obs_regex_match(const struct obs_regex *r, const char *s)
{
	return exec(r, s, 0, NULL);
}

/* Go's regexp extract(): a group name or number after '$'; returns chars consumed or 0. */
static size_t extract(const char *tpl, long *num, int *named)
{
	size_t i = 0, start = 0, len;
	int brace = 0;

	if (tpl[1] == '{') {
		brace = 1;
		i = 2;
	} else {
		i = 1;
	}
	start = i;
	while ((tpl[i] >= 'a' && tpl[i] <= 'z') || (tpl[i] >= 'A' && tpl[i] <= 'Z') ||
	       (tpl[i] >= '0' && tpl[i] <= '9') || tpl[i] == '_' || (unsigned char)tpl[i] >= 0x80)
		i++;
	len = i - start;
	if (len == 0)
		return 0;
	if (brace) {
		if (tpl[i] != '}')
			return 0;
		i++;
	}
	*num = 0;
	*named = 0;
	for (size_t k = 0; k < len; k++) {
		char c = tpl[start + k];

		if (c < '0' || c > '9' || *num >= 100000000) {
			*named = 1;
			break;
		}
		*num = *num * 10 + (c - '0');
	}
	if (tpl[start] == '0' && len > 1)
		*named = 1;
	return i;
}

int obs_regex_expand(const struct obs_regex *r, const char *s, const char *tpl, char **out)
{
	regmatch_t *m;
	struct obs_buf b = OBS_BUF_INIT;

	m = calloc(r->nsub, sizeof(*m));
	if (!m)
		return -1;
	if (!exec(r, s, r->nsub, m)) {
		free(m);
		return 0;
	}
	/* a failed append is reported once, by obs_buf_detach */
	while (*tpl) {
		const char *dollar = strchr(tpl, '$');
		long num;
		int named;
		size_t n;

		if (!dollar)
			dollar = tpl + strlen(tpl);
		obs_buf_add(&b, tpl, (size_t)(dollar - tpl));
		tpl = dollar;
		if (!*tpl)
			break;
		if (tpl[1] == '$') {
			obs_buf_addc(&b, '$');
			tpl += 2;
			continue;
		}
		n = extract(tpl, &num, &named);
		if (n == 0) {
			obs_buf_addc(&b, '$');  /* malformed: kept as it is */
			tpl++;
			continue;
		}
		tpl += n;
		if (!named && (size_t)num < r->ngroups) {
			regmatch_t g = m[r->group[num]];

			if (g.rm_so >= 0)
				obs_buf_add(&b, s + g.rm_so, (size_t)(g.rm_eo - g.rm_so));
		}
	}
	free(m);
	*out = obs_buf_detach(&b);
	return *out ? 1 : -1;
}
