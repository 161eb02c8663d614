/* SPDX-License-Identifier: MIT */
/* The Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text: a streaming parser and a writer. */
#include "obs_promtext.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs_buf.h"
#include "obs_text.h"
#include "obs_time.h"

/* Longest piece of input quoted in a message. */
#define QUOTE_MAX 48
#define QBUF (QUOTE_MAX + 8)
/* Output is handed to the sink in pieces of about this size. */
#define OUT_CHUNK 65536

/* ==== small helpers ====================================================== */

/* A string-keyed hash table; keys are borrowed from the values. */
struct hent {
	const char *key;
	size_t klen;
	uint64_t hash;
	void *val;
};

struct hmap {
	struct hent *e;
	size_t cap, n;
};

static void *hmap_get(const struct hmap *m, const char *k, size_t n)
{
	uint64_t h;
	size_t i;

	if (!m->cap)
		return NULL;
	h = obs_text_hash(k, n);
	for (i = h & (m->cap - 1); m->e[i].key; i = (i + 1) & (m->cap - 1)) {
		if (m->e[i].hash == h && m->e[i].klen == n && memcmp(m->e[i].key, k, n) == 0)
			return m->e[i].val;
	}
	return NULL;
}

static void hmap_insert(struct hent *e, size_t cap, const struct hent *ent)
{
	size_t i;

	for (i = ent->hash & (cap - 1); e[i].key; i = (i + 1) & (cap - 1))
		;
	e[i] = *ent;
}

/* Insert a key known to be absent. */
static int hmap_put(struct hmap *m, const char *k, size_t n, void *val)
{
	struct hent ent = { k, n, obs_text_hash(k, n), val };
	struct hent *ne;
	size_t i, cap;

	if ((m->n + 1) * 10 > m->cap * 7) {
		cap = m->cap ? m->cap * 2 : 64;
		ne = calloc(cap, sizeof(*ne));
		if (!ne)
			return -1;
		for (i = 0; i < m->cap; i++)
			if (m->e[i].key)
				hmap_insert(ne, cap, &m->e[i]);
		free(m->e);
		m->e = ne;
		m->cap = cap;
	}
	hmap_insert(m->e, m->cap, &ent);
	m->n++;
	return 0;
}

static void hmap_release(struct hmap *m)
{
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}

/* Up to QUOTE_MAX bytes of S for a message, control bytes shown as '?'. */
static const char *quoted(char *buf, const char *s, size_t n)
{
	size_t i, k = n > QUOTE_MAX ? QUOTE_MAX : n;

	for (i = 0; i < k; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (k < n) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int name_start(char c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon)
{
	return name_start(c, colon) || is_digit(c);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (COLON) or [a-zA-Z_][a-zA-Z0-9_]*. */
static int name_ok(const char *s, size_t n, int colon)
{
	size_t i;

	if (n == 0 || !name_start(s[0], colon))
		return 0;
	for (i = 1; i < n; i++)
		if (!name_char(s[i], colon))
			return 0;
	return 1;
}

/* Well-formed UTF-8 without NUL bytes, overlong forms or surrogates. */
static int utf8_ok(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
		    || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* ==== numbers ============================================================ */

static int ieq(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/*
 * Go's strconv.ParseFloat, restricted as Prometheus restricts it (no hex,
 * no '_'): [+-] digits [. digits] [e [+-] digits], [+-]Inf, [+-]Infinity,
 * NaN, in any letter case.
 */
int obs_promtext_parse_value(const char *s, size_t len, double *v)
{
	char local[128], *tmp = local;
	size_t i = 0, mant = 0;
	int neg = 0, rc = -1;
	double d;

	if (len == 0)
		return -1;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i = 1;
	}
	if (ieq(s + i, len - i, "inf") || ieq(s + i, len - i, "infinity")) {
		if (v)
			*v = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (i == 0 && ieq(s, len, "nan")) {
		if (v)
			*v = NAN;
		return 0;
	}
	while (i < len && is_digit(s[i])) {
		i++;
		mant++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			i++;
			mant++;
		}
	}
	if (mant == 0)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == len || !is_digit(s[i]))
			return -1;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i != len)
		return -1;
	if (len >= sizeof(local)) {
		tmp = malloc(len + 1);
		if (!tmp)
			return -1;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	d = strtod(tmp, NULL);
	/* Go reports overflow (and so Prometheus refuses it), not underflow. */
	if (!(errno == ERANGE && isinf(d))) {
		if (v)
			*v = d;
		rc = 0;
	}
	if (tmp != local)
		free(tmp);
	return rc;
}

/* "D.DDDe+X" (or "De+X") into digits D (NUL-terminated, *N of them) and exponent *EXP. */
static void split_e(const char *tmp, char *d, int *n, int *exp)
{
	int k;

	*n = 0;
	for (k = 0; tmp[k] != 'e'; k++)
		if (tmp[k] != '.')
			d[(*n)++] = tmp[k];
	d[*n] = '\0';
	*exp = atoi(tmp + k + 1);
}

/* Add DELTA (+1 or -1) to the last of the *N digits of E, carrying; may change *N and *EXP. */
static void step_digits(char *e, int *n, int *exp, int delta)
{
	int k;

	for (k = *n - 1; k >= 0; k--) {
		if (delta > 0 && e[k] == '9') {
			e[k] = '0';
		} else if (delta < 0 && e[k] == '0') {
			e[k] = '9';
		} else {
			e[k] = (char)(e[k] + delta);
			break;
		}
	}
	if (k < 0) {   /* 99..9 + 1 = 100..0 */
		memmove(e + 1, e, (size_t)*n + 1);
		e[0] = '1';
		(*n)++;
		(*exp)++;
	} else if (e[0] == '0') {   /* 10..0 - 1 = 09..9 */
		memmove(e, e + 1, (size_t)*n);
		(*n)--;
		(*exp)--;
	}
}

/* Does D (N digits) times 10^(EXP - N + 1) read back as V? (Built by hand: printf is slow.) */
static int reads_back(double v, const char *d, int n, int exp)
{
	char cand[48], rev[8];
	int o = 0, k = 0;
	unsigned u = (unsigned)(exp < 0 ? -exp : exp);

	cand[o++] = d[0];
	cand[o++] = '.';
	memcpy(cand + o, d + 1, (size_t)n - 1);
	o += n - 1;
	cand[o++] = 'e';
	if (exp < 0)
		cand[o++] = '-';
	do {
		rev[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (k)
		cand[o++] = rev[--k];
	cand[o] = '\0';
	return strtod(cand, NULL) == v;
}

/*
 * The PREC-digit decimal closest to V (> 0, finite), or one next to it,
 * that reads back to V: D (NUL-terminated, *N digits) times
 * 10^(*EXP - *N + 1). 0 if there is none with PREC digits. D17/EXP17 are
 * V's 17 correctly rounded digits, from which shorter roundings are made
 * without printing V again (except at an exact tie of those 17 digits).
 */
static int digits_at(double v, int prec, const char *d17, int exp17, char *d, int *n, int *exp)
{
	char tmp[48], e[24];
	int k, delta, ne, eexp, up;

	memcpy(d, d17, (size_t)prec);
	d[prec] = '\0';
	*n = prec;
	*exp = exp17;
	if (prec < 17) {
		/* Round the 17 digits at PREC: below or above half is sure, exactly half is not. */
		up = d17[prec] > '5';
		if (d17[prec] == '5') {
			for (k = prec + 1; k < 17 && d17[k] == '0'; k++)
				;
			if (k == 17) {
				snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
				split_e(tmp, d, n, exp);
			}
			up = k < 17;
		}
		if (up)
			step_digits(d, n, exp, 1);
	}
	if (reads_back(v, d, *n, *exp))
		return 1;
	/*
	 * At a power of two the interval of values that read back to V is
	 * lopsided: the neighbour of the closest PREC-digit decimal on the
	 * wide side may read back where the closest does not (2^-1017).
	 * Elsewhere the interval is symmetric and the closest is the best.
	 */
	if (frexp(v, &k) != 0.5)
		return 0;
	for (delta = 1; delta >= -1; delta -= 2) {
		ne = *n;
		eexp = *exp;
		memcpy(e, d, (size_t)ne + 1);
		step_digits(e, &ne, &eexp, delta);
		if (ne > 0 && reads_back(v, e, ne, eexp)) {
			memcpy(d, e, (size_t)ne + 1);
			*n = ne;
			*exp = eexp;
			return 1;
		}
	}
	return 0;
}

/*
 * The shortest decimal digits that read back to V (> 0, finite), the
 * closest to V among those, as Go picks them: DIGITS without trailing
 * zeros (count *ND), decimal point after *DP digits.
 */
static void shortest_digits(double v, char *digits, int *nd, int *dp)
{
	char tmp[48], d17[24], d[24];
	int lo = 1, hi = 17, mid, n, exp, exp17;

	if (v < 9007199254740992.0 && v == floor(v)) {
		/* Below 2^53 a whole number needs all its digits, and no more. */
		uint64_t u = (uint64_t)v;
		char rev[24];
		int k = 0;

		do {
			rev[k++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		for (n = 0; k; n++)
			d[n] = rev[--k];
		exp = n - 1;
	} else {
		snprintf(tmp, sizeof(tmp), "%.16e", v);
		split_e(tmp, d17, &n, &exp17);
		/*
		 * If some PREC-digit decimal reads back, so does the closest
		 * PREC+1-digit one: search the precision by halves (17 always works).
		 */
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (digits_at(v, mid, d17, exp17, d, &n, &exp))
				hi = mid;
			else
				lo = mid + 1;
		}
		digits_at(v, lo, d17, exp17, d, &n, &exp);
	}
	/* Not expected at the shortest precision, but cheap to be sure of. */
	while (n > 1 && d[n - 1] == '0')
		n--;
	memcpy(digits, d, (size_t)n);
	digits[n] = '\0';
	*nd = n;
	*dp = exp + 1;
}

size_t obs_promtext_format_value(double v, char *buf, size_t size)
{
	char digits[24], out[OBS_PROMTEXT_VALUE_BUFSZ];
	size_t o = 0;
	int nd, dp, exp, i, frac;

	if (isnan(v))
		return (size_t)snprintf(buf, size, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
	if (signbit(v)) {
		out[o++] = '-';
		v = -v;
	}
	if (v == 0) {
		out[o++] = '0';
		out[o] = '\0';
		return (size_t)snprintf(buf, size, "%s", out);
	}
	shortest_digits(v, digits, &nd, &dp);
	exp = dp - 1;
	if (exp < -4 || exp >= 6) {
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, (size_t)nd - 1);
			o += (size_t)nd - 1;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "e%c%02d", exp < 0 ? '-' : '+',
				      exp < 0 ? -exp : exp);
	} else {
		if (dp > 0) {
			for (i = 0; i < dp; i++)
				out[o++] = i < nd ? digits[i] : '0';
		} else {
			out[o++] = '0';
		}
		frac = nd - dp;
		if (frac > 0) {
			out[o++] = '.';
			for (i = 0; i < frac; i++)
				out[o++] = (dp + i >= 0 && dp + i < nd) ? digits[dp + i] : '0';
		}
		out[o] = '\0';
	}
	return (size_t)snprintf(buf, size, "%s", out);
}

/*
 * A decimal number [+-] digits [. digits] [e [+-] digits] (ALLOW_FRAC) or
 * [+-] digits, times 10^SCALE, truncated toward zero, as an int64: the
 * timestamps, milliseconds (SCALE 6) or OpenMetrics seconds (SCALE 9).
 */
static int parse_decimal_ns(const char *s, size_t len, int allow_frac, int scale, int64_t *out)
{
	size_t i = 0, nd = 0;
	char digits[40];
	int neg = 0, sawdigit = 0;
	long exp10 = 0, e = 0;
	int eneg = 0;
	uint64_t acc = 0, limit;
	long k, ndig;

	if (len && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	for (; i < len && is_digit(s[i]); i++) {
		sawdigit = 1;
		if (nd == 0 && s[i] == '0')
			continue;
		if (nd < sizeof(digits))
			digits[nd++] = s[i];
		else
			exp10++;   /* digits past 40 only matter as magnitude */
	}
	if (allow_frac && i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++) {
			sawdigit = 1;
			if (nd == 0 && s[i] == '0') {
				exp10--;
				continue;
			}
			if (nd < sizeof(digits)) {
				digits[nd++] = s[i];
				exp10--;
			}
		}
	}
	if (!sawdigit)
		return -1;
	if (allow_frac && i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i == len || !is_digit(s[i]))
			return -1;
		for (; i < len && is_digit(s[i]); i++)
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
		exp10 += eneg ? -e : e;
	}
	if (i != len)
		return -1;
	exp10 += scale;
	/* Value is digits[0..nd) * 10^exp10. */
	ndig = (long)nd + (exp10 < 0 ? exp10 : 0);   /* digits kept after truncation */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (k = 0; k < ndig; k++) {
		unsigned d = (unsigned)(digits[k] - '0');

		if (acc > (limit - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (ndig > 0 && exp10 > 0) {
		for (k = 0; k < exp10; k++) {
			if (acc > limit / 10)
				return -1;
			acc *= 10;
		}
	}
	*out = neg ? (acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
	return 0;
}

/* ==== parsing ============================================================ */

enum ptype_kind {
	K_COUNTER, K_GAUGE, K_HISTOGRAM, K_SUMMARY, K_UNTYPED,
	K_GAUGEHISTOGRAM, K_STATESET, K_INFO, K_UNKNOWN,
};

static const struct {
	const char *name;
	enum obs_metric_type type;
	int om_only;
} ptypes[] = {
	[K_COUNTER] = { "counter", OBS_METRIC_COUNTER, 0 },
	[K_GAUGE] = { "gauge", OBS_METRIC_GAUGE, 0 },
	[K_HISTOGRAM] = { "histogram", OBS_METRIC_HISTOGRAM, 0 },
	[K_SUMMARY] = { "summary", OBS_METRIC_SUMMARY, 0 },
	[K_UNTYPED] = { "untyped", OBS_METRIC_UNTYPED, 0 },
	[K_GAUGEHISTOGRAM] = { "gaugehistogram", OBS_METRIC_GAUGE, 1 },
	[K_STATESET] = { "stateset", OBS_METRIC_GAUGE, 1 },
	[K_INFO] = { "info", OBS_METRIC_GAUGE, 1 },
	[K_UNKNOWN] = { "unknown", OBS_METRIC_UNTYPED, 1 },
};

#define NPTYPES (sizeof(ptypes) / sizeof(ptypes[0]))

/* Sample names that belong to the family X of a given type: X + suffix. */
static const struct {
	const char *suffix;
	enum ptype_kind kind;
	enum obs_promtext_role role;
	int om;   /* not in strict 0.0.4 mode */
} psuffixes[] = {
	{ "_bucket", K_HISTOGRAM, OBS_PROMTEXT_BUCKET, 0 },
	{ "_sum", K_HISTOGRAM, OBS_PROMTEXT_SUM, 0 },
	{ "_count", K_HISTOGRAM, OBS_PROMTEXT_COUNT, 0 },
	{ "_created", K_HISTOGRAM, OBS_PROMTEXT_CREATED, 1 },
	{ "_sum", K_SUMMARY, OBS_PROMTEXT_SUM, 0 },
	{ "_count", K_SUMMARY, OBS_PROMTEXT_COUNT, 0 },
	{ "_created", K_SUMMARY, OBS_PROMTEXT_CREATED, 1 },
	{ "_total", K_COUNTER, OBS_PROMTEXT_PLAIN, 1 },
	{ "_created", K_COUNTER, OBS_PROMTEXT_CREATED, 1 },
	{ "_bucket", K_GAUGEHISTOGRAM, OBS_PROMTEXT_BUCKET, 0 },
	{ "_gsum", K_GAUGEHISTOGRAM, OBS_PROMTEXT_SUM, 0 },
	{ "_gcount", K_GAUGEHISTOGRAM, OBS_PROMTEXT_COUNT, 0 },
	{ "_info", K_INFO, OBS_PROMTEXT_PLAIN, 1 },
};

#define NPSUFFIXES (sizeof(psuffixes) / sizeof(psuffixes[0]))

/* What the parser knows of one family name. */
struct pfam {
	char *name;
	size_t nlen;
	enum ptype_kind kind;
	char *help;
	char *unit;
	unsigned typed : 1, helped : 1, united : 1;
	unsigned declared : 1;      /* named by a TYPE, HELP or UNIT line */
	unsigned has_samples : 1;
};

struct pstate {
	struct hmap fams;
	struct obs_buf scratch;        /* this line's unescaped strings */
	struct obs_promtext_label *labels, *exlabels;
	size_t labcap, excap;
	const struct obs_promtext_label **sorted;   /* duplicate check */
	size_t sortcap;
};

/* A bad line: the problem, without "NAME:LINE: ". */
#define BAD_LINE (-1)
/* The callback failed: its message is in the caller's error already. */
#define CALLBACK_FAILED (-2)

static int bad(struct obs_error *lerr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct obs_error *lerr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lerr->msg, sizeof(lerr->msg), fmt, ap);
	va_end(ap);
	return BAD_LINE;
}

static void pfam_free(struct pfam *f)
{
	free(f->name);
	free(f->help);
	free(f->unit);
	free(f);
}

int obs_promtext_parser_init(struct obs_promtext_parser *p, const char *name,
			     obs_promtext_sample_fn *fn, void *ctx, struct obs_error *err)
{
	memset(p, 0, sizeof(*p));
	p->format = OBS_PROMTEXT_AUTO;
	p->max_line = OBS_PROMTEXT_MAX_LINE;
	p->fn = fn;
	p->ctx = ctx;
	p->name = strdup(name ? name : "<input>");
	p->priv = calloc(1, sizeof(struct pstate));
	if (!p->name || !p->priv) {
		obs_promtext_parser_release(p);
		return obs_error_set(err, "out of memory");
	}
	return 0;
}

void obs_promtext_parser_release(struct obs_promtext_parser *p)
{
	struct pstate *st = p->priv;
	size_t i;

	if (st) {
		for (i = 0; i < st->fams.cap; i++)
			if (st->fams.e[i].key)
				pfam_free(st->fams.e[i].val);
		hmap_release(&st->fams);
		obs_buf_release(&st->scratch);
		free(st->labels);
		free(st->exlabels);
		free(st->sorted);
		free(st);
	}
	free(p->name);
	free(p->buf);
	p->name = NULL;
	p->buf = NULL;
	p->priv = NULL;
	p->len = p->cap = 0;
}

static int om_possible(const struct obs_promtext_parser *p)
{
	return p->format != OBS_PROMTEXT_TEXT;
}

/* The input turned out to be OpenMetrics (AUTO mode). */
static void saw_openmetrics(struct obs_promtext_parser *p)
{
	if (p->format == OBS_PROMTEXT_AUTO)
		p->openmetrics = 1;
}

static struct pfam *fam_get(struct pstate *st, const char *name, size_t n)
{
	return hmap_get(&st->fams, name, n);
}

static struct pfam *fam_add(struct pstate *st, const char *name, size_t n)
{
	struct pfam *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->name = xstrndup(name, n);
	f->nlen = n;
	f->kind = K_UNTYPED;
	if (!f->name || hmap_put(&st->fams, f->name, n, f)) {
		pfam_free(f);
		return NULL;
	}
	return f;
}

/* Copy S[0..N) into the line's scratch space (reserved in advance, so never moves). */
static char *scratch_copy(struct pstate *st, const char *s, size_t n)
{
	char *d = st->scratch.p + st->scratch.len;

	memcpy(d, s, n);
	d[n] = '\0';
	st->scratch.len += n + 1;
	return d;
}

/* Skip blanks and tabs. */
static size_t skip_blank(const char *s, size_t len, size_t i)
{
	while (i < len && is_blank(s[i]))
		i++;
	return i;
}

/* End of the token at I: the next blank or the end. */
static size_t token_end(const char *s, size_t len, size_t i)
{
	while (i < len && !is_blank(s[i]))
		i++;
	return i;
}

static const char *char_desc(char *buf, const char *s, size_t len, size_t i)
{
	if (i >= len)
		return "end of line";
	return quoted(buf, s + i, 1);
}

/*
 * Unescape a quoted label value starting after the opening '"' at *I;
 * leaves *I after the closing quote. Escapes \\ \" \n.
 */
static int parse_quoted(struct pstate *st, const char *s, size_t len, size_t *i,
			const char **out, const char *label, struct obs_error *lerr)
{
	char *d = st->scratch.p + st->scratch.len, *start = d, q[QBUF];
	size_t k = *i;

	for (;;) {
		if (k >= len)
			return bad(lerr, "unterminated quoted string");
		if (s[k] == '"')
			break;
		if (s[k] == '\\') {
			if (k + 1 >= len)
				return bad(lerr, "unterminated quoted string");
			switch (s[k + 1]) {
			case '\\': *d++ = '\\'; break;
			case '"': *d++ = '"'; break;
			case 'n': *d++ = '\n'; break;
			default:
				return bad(lerr, "invalid escape sequence '\\%s'",
					   quoted(q, s + k + 1, 1));
			}
			k += 2;
			continue;
		}
		*d++ = s[k++];
	}
	if (!utf8_ok(start, (size_t)(d - start)))
		return bad(lerr, "invalid UTF-8 in label value of '%s'", label);
	*d = '\0';
	st->scratch.len += (size_t)(d - start) + 1;
	*out = start;
	*i = k + 1;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	const struct obs_promtext_label *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The first repeated label name, or NULL. */
static const char *duplicate_label(struct pstate *st, const struct obs_promtext_label *l, size_t n)
{
	size_t i, j;

	if (n <= 16) {
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				if (strcmp(l[i].name, l[j].name) == 0)
					return l[i].name;
		return NULL;
	}
	if (n > st->sortcap) {
		const struct obs_promtext_label **ns = realloc(st->sorted, n * sizeof(*ns));

		if (!ns)
			return NULL;
		st->sorted = ns;
		st->sortcap = n;
	}
	for (i = 0; i < n; i++)
		st->sorted[i] = &l[i];
	qsort(st->sorted, n, sizeof(*st->sorted), label_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(st->sorted[i]->name, st->sorted[i - 1]->name) == 0)
			return st->sorted[i]->name;
	return NULL;
}

/* A label set at S[*I] == '{'; *I ends after the '}'. */
static int parse_labels(struct pstate *st, const char *s, size_t len, size_t *i,
			struct obs_promtext_label **arr, size_t *cap, size_t *count,
			struct obs_error *lerr)
{
	char q[QBUF], q2[QBUF];
	size_t k = *i + 1, start, n = 0;
	const char *lname, *value = NULL, *dup;
	int rc;

	for (;;) {
		k = skip_blank(s, len, k);
		if (k < len && s[k] == '}')
			break;
		start = k;
		while (k < len && name_char(s[k], 0))
			k++;
		if (k == start)
			return bad(lerr, "expected label name, found '%s'", char_desc(q, s, len, k));
		if (!name_ok(s + start, k - start, 0))
			return bad(lerr, "invalid label name '%s'", quoted(q, s + start, k - start));
		lname = scratch_copy(st, s + start, k - start);
		k = skip_blank(s, len, k);
		if (k >= len || s[k] != '=')
			return bad(lerr, "expected '=' after label name '%s', found '%s'",
				   quoted(q, lname, strlen(lname)), char_desc(q2, s, len, k));
		k = skip_blank(s, len, k + 1);
		if (k >= len || s[k] != '"')
			return bad(lerr, "expected '\"' to start the value of label '%s', found '%s'",
				   quoted(q, lname, strlen(lname)), char_desc(q2, s, len, k));
		k++;
		rc = parse_quoted(st, s, len, &k, &value, quoted(q, lname, strlen(lname)), lerr);
		if (rc)
			return rc;
		if (n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct obs_promtext_label *na = realloc(*arr, ncap * sizeof(*na));

			if (!na)
				return bad(lerr, "out of memory");
			*arr = na;
			*cap = ncap;
		}
		(*arr)[n].name = lname;
		(*arr)[n].value = value;
		n++;
		k = skip_blank(s, len, k);
		if (k < len && s[k] == ',') {
			k++;
			continue;
		}
		if (k < len && s[k] == '}')
			break;
		return bad(lerr, "expected ',' or '}' after the value of label '%s', found '%s'",
			   quoted(q, lname, strlen(lname)), char_desc(q2, s, len, k));
	}
	dup = duplicate_label(st, *arr, n);
	if (dup)
		return bad(lerr, "duplicate label '%s'", quoted(q, dup, strlen(dup)));
	*count = n;
	*i = k + 1;
	return 0;
}

static const char *label_value(const struct obs_promtext_label *l, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return l[i].value;
	return NULL;
}

/*
 * A timestamp token: 0.0.4 milliseconds, or OpenMetrics seconds. *FRAC
 * tells a fractional one, which only OpenMetrics has.
 */
static int parse_timestamp(struct obs_promtext_parser *p, const char *s, size_t n, int64_t *ns,
			   int *frac, struct obs_error *lerr)
{
	char q[QBUF];
	int seconds;

	*frac = memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n);
	seconds = p->format == OBS_PROMTEXT_OPENMETRICS || p->openmetrics
		  || (*frac && om_possible(p));
	if (parse_decimal_ns(s, n, seconds, seconds ? 9 : 6, ns))
		return bad(lerr, "invalid timestamp '%s'", quoted(q, s, n));
	return 0;
}

/* " # {labels} value [timestamp]" at S[*I] == '#'. */
static int parse_exemplar(struct obs_promtext_parser *p, const char *s, size_t len, size_t i,
			  struct obs_promtext_exemplar *ex, struct obs_error *lerr)
{
	struct pstate *st = p->priv;
	char q[QBUF];
	size_t j;
	int rc;

	if (p->format == OBS_PROMTEXT_TEXT)
		return bad(lerr, "exemplars are not allowed in text format 0.0.4");
	i++;
	if (i >= len || !is_blank(s[i]))
		return bad(lerr, "invalid exemplar: expected ' ' after '#'");
	i = skip_blank(s, len, i);
	if (i >= len || s[i] != '{')
		return bad(lerr, "invalid exemplar: expected '{', found '%s'", char_desc(q, s, len, i));
	rc = parse_labels(st, s, len, &i, &st->exlabels, &st->excap, &ex->nlabels, lerr);
	if (rc)
		return rc;
	ex->labels = st->exlabels;
	i = skip_blank(s, len, i);
	j = token_end(s, len, i);
	if (j == i)
		return bad(lerr, "invalid exemplar: missing value");
	if (obs_promtext_parse_value(s + i, j - i, &ex->value))
		return bad(lerr, "invalid exemplar: invalid value '%s'", quoted(q, s + i, j - i));
	i = skip_blank(s, len, j);
	ex->has_time = 0;
	if (i < len) {
		j = token_end(s, len, i);
		if (parse_decimal_ns(s + i, j - i, 1, 9, &ex->time_ns))
			return bad(lerr, "invalid exemplar: invalid timestamp '%s'",
				   quoted(q, s + i, j - i));
		ex->has_time = 1;
		i = skip_blank(s, len, j);
		if (i < len)
			return bad(lerr, "invalid exemplar: unexpected text '%s'",
				   quoted(q, s + i, len - i));
	}
	return 0;
}

/*
 * The family of sample NAME: a declared family of that name, else a typed
 * family of which NAME is a member by suffix, else NAME's own (maybe new)
 * untyped family. *F is NULL when a new family must be made.
 */
static void resolve_family(struct obs_promtext_parser *p, const char *name, size_t n,
			   struct pfam **f, enum obs_promtext_role *role)
{
	struct pstate *st = p->priv;
	struct pfam *own = fam_get(st, name, n), *base;
	size_t i, k;

	*role = OBS_PROMTEXT_PLAIN;
	if (own && own->declared) {
		*f = own;
		if (own->kind == K_SUMMARY)
			*role = OBS_PROMTEXT_QUANTILE;
		return;
	}
	for (i = 0; i < NPSUFFIXES; i++) {
		if (psuffixes[i].om && !om_possible(p))
			continue;
		if (!ends_with(name, n, psuffixes[i].suffix))
			continue;
		k = n - strlen(psuffixes[i].suffix);
		base = fam_get(st, name, k);
		if (base && base->typed && base->kind == psuffixes[i].kind) {
			*f = base;
			*role = psuffixes[i].role;
			return;
		}
	}
	*f = own;
}

static int parse_sample(struct obs_promtext_parser *p, const char *s, size_t len,
			struct obs_error *lerr, struct obs_error *err)
{
	struct pstate *st = p->priv;
	struct obs_promtext_sample smp;
	struct obs_promtext_exemplar ex;
	struct pfam *f;
	char q[QBUF];
	const char *bound;
	size_t i, j;
	int rc, frac = 0;

	memset(&smp, 0, sizeof(smp));
	i = 0;
	while (i < len && !is_blank(s[i]) && s[i] != '{')
		i++;
	if (i == 0 || !name_ok(s, i, 1))
		return bad(lerr, "invalid metric name '%s'", quoted(q, s, i ? i : len));
	smp.name = scratch_copy(st, s, i);
	smp.labels = NULL;
	i = skip_blank(s, len, i);
	if (i < len && s[i] == '{') {
		rc = parse_labels(st, s, len, &i, &st->labels, &st->labcap, &smp.nlabels, lerr);
		if (rc)
			return rc;
		smp.labels = st->labels;
		i = skip_blank(s, len, i);
	}
	j = token_end(s, len, i);
	if (j == i)
		return bad(lerr, "missing value");
	if (obs_promtext_parse_value(s + i, j - i, &smp.value))
		return bad(lerr, "invalid value '%s'", quoted(q, s + i, j - i));
	i = skip_blank(s, len, j);
	if (i < len && s[i] != '#') {
		j = token_end(s, len, i);
		rc = parse_timestamp(p, s + i, j - i, &smp.time_ns, &frac, lerr);
		if (rc)
			return rc;
		smp.has_time = 1;
		i = skip_blank(s, len, j);
	}
	if (i < len && s[i] == '#') {
		rc = parse_exemplar(p, s, len, i, &ex, lerr);
		if (rc)
			return rc;
		smp.exemplar = &ex;
	} else if (i < len) {
		return bad(lerr, "unexpected text after timestamp '%s'", quoted(q, s + i, len - i));
	}

	resolve_family(p, smp.name, strlen(smp.name), &f, &smp.role);
	if (f && (f->kind == K_HISTOGRAM || f->kind == K_GAUGEHISTOGRAM)
	    && smp.role == OBS_PROMTEXT_PLAIN)
		return bad(lerr, "histogram sample '%s' needs a _bucket, _sum or _count suffix",
			   quoted(q, smp.name, strlen(smp.name)));
	if (smp.role == OBS_PROMTEXT_BUCKET) {
		bound = label_value(smp.labels, smp.nlabels, "le");
		if (!bound)
			return bad(lerr, "missing 'le' label");
		if (obs_promtext_parse_value(bound, strlen(bound), NULL))
			return bad(lerr, "invalid 'le' label value '%s'", quoted(q, bound, strlen(bound)));
	} else if (smp.role == OBS_PROMTEXT_QUANTILE) {
		bound = label_value(smp.labels, smp.nlabels, "quantile");
		if (!bound)
			return bad(lerr, "missing 'quantile' label");
		if (obs_promtext_parse_value(bound, strlen(bound), NULL))
			return bad(lerr, "invalid 'quantile' label value '%s'",
				   quoted(q, bound, strlen(bound)));
	}
	if (!f) {
		f = fam_add(st, smp.name, strlen(smp.name));
		if (!f)
			return bad(lerr, "out of memory");
	}
	if (frac || smp.exemplar)
		saw_openmetrics(p);
	f->has_samples = 1;
	smp.family = f->name;
	smp.type = ptypes[f->kind].type;
	smp.type_name = ptypes[f->kind].name;
	smp.help = f->help;
	smp.unit = f->unit;
	smp.lineno = p->lineno;
	p->samples++;
	if (p->fn && p->fn(p->ctx, &smp, err))
		return CALLBACK_FAILED;
	return 0;
}

/* HELP text after the name: escapes \\ and \n (and \" outside strict 0.0.4). */
static int unescape_help(struct obs_promtext_parser *p, const char *s, size_t n, char **out,
			 const char *fname, struct obs_error *lerr)
{
	struct pstate *st = p->priv;
	char *d = st->scratch.p + st->scratch.len, *start = d, q[QBUF];
	size_t k;

	for (k = 0; k < n; k++) {
		if (s[k] != '\\') {
			*d++ = s[k];
			continue;
		}
		if (k + 1 == n)
			return bad(lerr, "invalid escape sequence '\\' at end of line");
		k++;
		if (s[k] == '\\')
			*d++ = '\\';
		else if (s[k] == 'n')
			*d++ = '\n';
		else if (s[k] == '"' && om_possible(p))
			*d++ = '"';
		else
			return bad(lerr, "invalid escape sequence '\\%s'", quoted(q, s + k, 1));
	}
	if (!utf8_ok(start, (size_t)(d - start)))
		return bad(lerr, "invalid UTF-8 in HELP text of '%s'", fname);
	*d = '\0';
	st->scratch.len += (size_t)(d - start) + 1;
	*out = start;
	return 0;
}

/* The family a HELP/TYPE/UNIT line describes, which must not have samples yet. */
static int meta_family(struct obs_promtext_parser *p, const char *what, const char *name,
		       size_t n, struct pfam **out, struct obs_error *lerr)
{
	struct pstate *st = p->priv;
	struct pfam *f = fam_get(st, name, n);
	char q[QBUF];

	if (f && f->has_samples)
		return bad(lerr, "%s line for '%s' after its samples", what, quoted(q, name, n));
	if (f && ((what[0] == 'H' && f->helped) || (what[0] == 'T' && f->typed)
		  || (what[0] == 'U' && f->united)))
		return bad(lerr, "second %s line for '%s'", what, quoted(q, name, n));
	*out = f;
	return 0;
}

static int parse_comment(struct obs_promtext_parser *p, const char *s, size_t len,
			 struct obs_error *lerr)
{
	struct pstate *st = p->priv;
	struct pfam *f;
	char q[QBUF], *text = NULL;
	const char *kw, *name;
	size_t i, j, kwlen, nlen, t0, t1, k;
	int rc, which;

	i = skip_blank(s, len, 1);
	j = token_end(s, len, i);
	kw = s + i;
	kwlen = j - i;
	if (kwlen == 3 && memcmp(kw, "EOF", 3) == 0 && skip_blank(s, len, j) == len) {
		if (!om_possible(p))
			return 0;   /* a comment in 0.0.4 */
		saw_openmetrics(p);
		p->eof = 1;
		return 0;
	}
	if (kwlen == 4 && memcmp(kw, "HELP", 4) == 0)
		which = 'H';
	else if (kwlen == 4 && memcmp(kw, "TYPE", 4) == 0)
		which = 'T';
	else if (kwlen == 4 && memcmp(kw, "UNIT", 4) == 0 && om_possible(p))
		which = 'U';
	else
		return 0;   /* any other comment */
	kw = which == 'H' ? "HELP" : which == 'T' ? "TYPE" : "UNIT";

	i = skip_blank(s, len, j);
	j = token_end(s, len, i);
	name = s + i;
	nlen = j - i;
	if (nlen == 0)
		return bad(lerr, "%s line without a metric name", kw);
	if (!name_ok(name, nlen, 1))
		return bad(lerr, "invalid metric name '%s'", quoted(q, name, nlen));
	i = skip_blank(s, len, j);

	if (which == 'H') {
		rc = unescape_help(p, s + i, len - i, &text, quoted(q, name, nlen), lerr);
		if (rc)
			return rc;
		rc = meta_family(p, kw, name, nlen, &f, lerr);
		if (rc)
			return rc;
		if (!f && !(f = fam_add(st, name, nlen)))
			return bad(lerr, "out of memory");
		f->declared = f->helped = 1;
		if (*text && !(f->help = strdup(text)))
			return bad(lerr, "out of memory");
		return 0;
	}

	t0 = i;
	t1 = token_end(s, len, t0);
	if (which == 'T') {
		if (t1 == t0)
			return bad(lerr, "TYPE line for '%s' without a type", quoted(q, name, nlen));
		for (k = 0; k < NPTYPES; k++)
			if (strlen(ptypes[k].name) == t1 - t0
			    && memcmp(ptypes[k].name, s + t0, t1 - t0) == 0)
				break;
		if (k == NPTYPES || (ptypes[k].om_only && !om_possible(p)))
			return bad(lerr, "unknown metric type '%s'", quoted(q, s + t0, t1 - t0));
		if (skip_blank(s, len, t1) != len)
			return bad(lerr, "unexpected text after the type in TYPE line");
		rc = meta_family(p, kw, name, nlen, &f, lerr);
		if (rc)
			return rc;
		if (ptypes[k].om_only)
			saw_openmetrics(p);
		if (!f && !(f = fam_add(st, name, nlen)))
			return bad(lerr, "out of memory");
		f->declared = f->typed = 1;
		f->kind = (enum ptype_kind)k;
		return 0;
	}

	/* UNIT */
	if (skip_blank(s, len, t1) != len)
		return bad(lerr, "unexpected text after the unit in UNIT line");
	for (k = t0; k < t1; k++)
		if (!name_char(s[k], 1))
			return bad(lerr, "invalid unit '%s'", quoted(q, s + t0, t1 - t0));
	if (t1 > t0 && !(nlen > t1 - t0 + 1 && name[nlen - (t1 - t0) - 1] == '_'
			 && memcmp(name + nlen - (t1 - t0), s + t0, t1 - t0) == 0)) {
		char q2[QBUF];

		return bad(lerr, "unit '%s' is not a suffix of '%s'", quoted(q, s + t0, t1 - t0),
			   quoted(q2, name, nlen));
	}
	rc = meta_family(p, kw, name, nlen, &f, lerr);
	if (rc)
		return rc;
	saw_openmetrics(p);
	if (!f && !(f = fam_add(st, name, nlen)))
		return bad(lerr, "out of memory");
	f->declared = f->united = 1;
	if (t1 > t0 && !(f->unit = xstrndup(s + t0, t1 - t0)))
		return bad(lerr, "out of memory");
	return 0;
}

/* One line without its newline; BAD_LINE with LERR, or CALLBACK_FAILED with ERR. */
static int parse_line(struct obs_promtext_parser *p, const char *s, size_t len,
		      struct obs_error *lerr, struct obs_error *err)
{
	struct pstate *st = p->priv;
	size_t a = 0;

	if (len > p->max_line)
		return bad(lerr, "line too long (over %zu bytes)", p->max_line);
	if (len && s[len - 1] == '\r')
		len--;
	while (len && is_blank(s[len - 1]))
		len--;
	a = skip_blank(s, len, 0);
	s += a;
	len -= a;
	if (len == 0)
		return 0;
	if (p->eof && om_possible(p))
		return bad(lerr, "text after '# EOF'");
	/* Unescaped strings never outgrow the line; one reservation keeps pointers stable. */
	obs_buf_reset(&st->scratch);
	if (obs_buf_grow(&st->scratch, 2 * len + 16))
		return bad(lerr, "out of memory");
	if (s[0] == '#')
		return parse_comment(p, s, len, lerr);
	return parse_sample(p, s, len, lerr, err);
}

static int process_line(struct obs_promtext_parser *p, const char *s, size_t len,
			struct obs_error *err)
{
	struct obs_error lerr;
	int rc;

	p->lineno++;
	if (p->format == OBS_PROMTEXT_OPENMETRICS)
		p->openmetrics = 1;
	lerr.msg[0] = '\0';
	rc = parse_line(p, s, len, &lerr, err);
	if (rc == 0)
		return 0;
	if (rc == CALLBACK_FAILED)
		return -1;
	if (p->warn) {
		char msg[OBS_ERROR_MAX + 64];

		snprintf(msg, sizeof(msg), "%s:%lu: %s", p->name, p->lineno, lerr.msg);
		p->skipped++;
		p->warn(p->warn_ctx, msg);
		return 0;
	}
	return obs_error_set(err, "%s:%lu: %s", p->name, p->lineno, lerr.msg);
}

int obs_promtext_feed_line(struct obs_promtext_parser *p, const char *line, size_t len,
			   struct obs_error *err)
{
	return process_line(p, line, len, err);
}

static int buf_append(struct obs_promtext_parser *p, const char *data, size_t n)
{
	char *nb;
	size_t cap;

	if (p->cap - p->len >= n)
		goto copy;
	cap = p->cap ? p->cap : 4096;
	while (cap - p->len < n)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (!nb)
		return -1;
	p->buf = nb;
	p->cap = cap;
copy:
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	return 0;
}

/* A line grew past max_line before its newline came. */
static int line_too_long(struct obs_promtext_parser *p, struct obs_error *err)
{
	struct obs_error lerr;

	p->len = 0;
	p->discarding = 1;
	p->lineno++;
	bad(&lerr, "line too long (over %zu bytes)", p->max_line);
	if (p->warn) {
		char msg[OBS_ERROR_MAX + 64];

		snprintf(msg, sizeof(msg), "%s:%lu: %s", p->name, p->lineno, lerr.msg);
		p->skipped++;
		p->warn(p->warn_ctx, msg);
		return 0;
	}
	return obs_error_set(err, "%s:%lu: %s", p->name, p->lineno, lerr.msg);
}

int obs_promtext_feed(struct obs_promtext_parser *p, const char *data, size_t len,
		      struct obs_error *err)
{
	const char *nl;
	size_t n;
	int rc;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		if (p->discarding) {
			if (!nl)
				return 0;
			p->discarding = 0;
			n = (size_t)(nl - data) + 1;
			data += n;
			len -= n;
			continue;
		}
		if (!nl) {
			/* Only part of a line: keep it, within the limit (+1 for a '\r'). */
			if (p->len + len > p->max_line + 1)
				return line_too_long(p, err);
			if (buf_append(p, data, len))
				return obs_error_set(err, "out of memory");
			return 0;
		}
		n = (size_t)(nl - data);
		if (p->len == 0) {
			rc = process_line(p, data, n, err);
		} else {
			if (p->len + n > p->max_line + 1) {
				rc = line_too_long(p, err);
				p->discarding = 0;
			} else if (buf_append(p, data, n)) {
				return obs_error_set(err, "out of memory");
			} else {
				rc = process_line(p, p->buf, p->len, err);
			}
			p->len = 0;
		}
		if (rc)
			return -1;
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

int obs_promtext_finish(struct obs_promtext_parser *p, struct obs_error *err)
{
	int rc = 0;

	if (p->discarding) {
		p->discarding = 0;
	} else if (p->len > 0) {
		p->torn = 1;
		rc = process_line(p, p->buf, p->len, err);
		p->len = 0;
		if (rc)
			return -1;
	}
	if (p->format == OBS_PROMTEXT_OPENMETRICS && !p->eof)
		return obs_error_set(err, "%s:%lu: missing '# EOF'", p->name,
				     p->lineno ? p->lineno : 1);
	return 0;
}

int obs_promtext_parse(const char *name, const char *data, size_t len,
		       enum obs_promtext_format format, obs_promtext_sample_fn *fn, void *ctx,
		       struct obs_error *err)
{
	struct obs_promtext_parser p;
	int rc;

	if (obs_promtext_parser_init(&p, name, fn, ctx, err))
		return -1;
	p.format = format;
	rc = obs_promtext_feed(&p, data, len, err);
	if (rc == 0)
		rc = obs_promtext_finish(&p, err);
	obs_promtext_parser_release(&p);
	return rc;
}

int obs_promtext_parse_fd(struct obs_promtext_parser *p, int fd, struct obs_error *err)
{
	char *buf = malloc(OUT_CHUNK);
	ssize_t n;
	int rc = -1;

	if (!buf)
		return obs_error_set(err, "out of memory");
	for (;;) {
		n = read(fd, buf, OUT_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			obs_error_errno(err, "cannot read '%s'", p->name);
			goto out;
		}
		if (n == 0)
			break;
		if (obs_promtext_feed(p, buf, (size_t)n, err))
			goto out;
	}
	rc = obs_promtext_finish(p, err);
out:
	free(buf);
	return rc;
}

enum obs_promtext_format obs_promtext_format_from_content_type(const char *ct)
{
	size_t n;

	if (!ct)
		return OBS_PROMTEXT_AUTO;
	while (is_blank(*ct))
		ct++;
	n = strcspn(ct, "; \t");
	if (n == strlen("application/openmetrics-text")
	    && strncasecmp(ct, "application/openmetrics-text", n) == 0)
		return OBS_PROMTEXT_OPENMETRICS;
	if (n == strlen("text/plain") && strncasecmp(ct, "text/plain", n) == 0)
		return OBS_PROMTEXT_TEXT;
	return OBS_PROMTEXT_AUTO;
}

/* ==== samples to records ================================================= */

json_t *obs_promtext_sample_record(const struct obs_promtext_sample *s, json_t *extra_labels,
				   int64_t default_time_ns, unsigned flags, struct obs_error *err)
{
	enum obs_metric_type type = s->type;
	json_t *labels = json_object(), *v, *rec = NULL;
	const char *k;
	char *renamed = NULL;
	int cumulative = 0;
	size_t i;

	if (!labels)
		goto nomem;
	if (extra_labels && !json_is_object(extra_labels)) {
		obs_error_set(err, "extra labels are not an object");
		goto out;
	}
	for (i = 0; i < s->nlabels; i++) {
		v = json_string(s->labels[i].value);
		if (!v && utf8_ok(s->labels[i].value, strlen(s->labels[i].value)))
			goto nomem;
		if (!v) {
			obs_error_set(err, "invalid UTF-8 in label '%s' of '%s'", s->labels[i].name,
				      s->name);
			goto out;
		}
		if (json_object_set_new(labels, s->labels[i].name, v))
			goto nomem;
	}
	json_object_foreach(extra_labels, k, v) {
		json_t *old;

		if (!json_is_string(v)) {
			obs_error_set(err, "extra label '%s' is not a string", k);
			goto out;
		}
		old = json_object_get(labels, k);
		if (old) {
			/* Prometheus keeps the exposed value as exported_NAME. */
			size_t n = strlen(k);

			free(renamed);
			renamed = malloc(n + 10);
			if (!renamed)
				goto nomem;
			memcpy(renamed, k, n + 1);
			do {
				memmove(renamed + 9, renamed, strlen(renamed) + 1);
				memcpy(renamed, "exported_", 9);
				if (json_object_get(labels, renamed)) {
					char *longer = realloc(renamed, strlen(renamed) + 10);

					if (!longer)
						goto nomem;
					renamed = longer;
					continue;
				}
				break;
			} while (1);
			if (json_object_set(labels, renamed, old))
				goto nomem;
		}
		if (json_object_set(labels, k, v))
			goto nomem;
	}

	switch (s->role) {
	case OBS_PROMTEXT_CREATED:
		type = OBS_METRIC_GAUGE;
		break;
	case OBS_PROMTEXT_BUCKET:
	case OBS_PROMTEXT_SUM:
	case OBS_PROMTEXT_COUNT:
	case OBS_PROMTEXT_QUANTILE:
		cumulative = s->type == OBS_METRIC_HISTOGRAM || s->type == OBS_METRIC_SUMMARY;
		break;
	case OBS_PROMTEXT_PLAIN:
		cumulative = s->type == OBS_METRIC_COUNTER;
		break;
	}
	rec = obs_metric_new(s->name, type, s->value, labels,
			     s->has_time ? s->time_ns : default_time_ns,
			     (flags & OBS_PROMTEXT_NO_HELP) ? NULL : s->help,
			     (flags & OBS_PROMTEXT_NO_HELP) ? NULL : s->unit, cumulative);
	if (rec)
		goto out;
	if (!obs_metric_name_valid(s->name)) {
		char q[QBUF];

		obs_error_set(err, "invalid metric name '%s'", quoted(q, s->name, strlen(s->name)));
		goto out;
	}
nomem:
	obs_error_set(err, "out of memory");
out:
	free(renamed);
	json_decref(labels);
	return rec;
}

/* ==== writing ============================================================ */

static const double default_buckets[] = { .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10 };

enum wkind {
	W_COUNTER,   /* deltas summed, or the latest cumulative value */
	W_LAST,      /* the latest value: gauges, untyped, scraped histogram/summary parts */
	W_HOBS,      /* histogram observations */
	W_SOBS,      /* summary observations */
};

/* One series: a sample name and a label set. */
struct wser {
	char *key;            /* sample name \0 (label \0 value \0)*, labels sorted */
	size_t klen;
	const char *sname;
	const char **lab;     /* name, value, name, value, ... (into key) */
	size_t nlabels;
	enum wkind kind;
	enum obs_promtext_role role;
	int bound_idx;        /* label index of "le"/"quantile", or -1 */
	double bound;
	int has_value, has_cum;
	double value;         /* W_LAST: latest; W_COUNTER: latest cumulative */
	int64_t vtime;        /* time of VALUE (INT64_MIN if its record had none) */
	int has_vtime;
	double delta;         /* W_COUNTER: sum of deltas */
	int64_t tmax;         /* latest record time */
	int has_tmax;
	uint64_t *counts;     /* W_HOBS: per bucket, +Inf last (not cumulative) */
	double sum;
	uint64_t count;
};

struct wfam {
	char *name;
	enum obs_metric_type type;
	char *help;
	struct hmap series;
	struct wser **list;
	size_t n, cap;
};

struct wstate {
	struct hmap fams;
	struct wfam **list;
	size_t n, cap;
	struct obs_buf key;
	struct wlab { const char *name, *value; } *lab;
	size_t labcap;
};

static void wser_free(struct wser *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->lab);
	free(s->counts);
	free(s);
}

static void wfam_free(struct wfam *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		wser_free(f->list[i]);
	free(f->list);
	hmap_release(&f->series);
	free(f->name);
	free(f->help);
	free(f);
}

void obs_promtext_writer_init(struct obs_promtext_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void obs_promtext_writer_release(struct obs_promtext_writer *w)
{
	struct wstate *st = w->priv;
	size_t i;

	if (st) {
		for (i = 0; i < st->n; i++)
			wfam_free(st->list[i]);
		free(st->list);
		hmap_release(&st->fams);
		obs_buf_release(&st->key);
		free(st->lab);
		free(st);
	}
	free(w->buckets);
	memset(w, 0, sizeof(*w));
}

static const double *writer_buckets(const struct obs_promtext_writer *w, size_t *n)
{
	if (w->buckets || w->nbuckets) {
		*n = w->nbuckets;
		return w->buckets;
	}
	*n = sizeof(default_buckets) / sizeof(default_buckets[0]);
	return default_buckets;
}

int obs_promtext_writer_set_buckets(struct obs_promtext_writer *w, const double *bounds,
				    size_t n, struct obs_error *err)
{
	char a[OBS_PROMTEXT_VALUE_BUFSZ], b[OBS_PROMTEXT_VALUE_BUFSZ];
	double *copy = NULL;
	size_t i;

	if (w->nseries)
		return obs_error_set(err, "buckets must be set before the first record");
	for (i = 0; i < n; i++) {
		if (!isfinite(bounds[i])) {
			obs_promtext_format_value(bounds[i], a, sizeof(a));
			return obs_error_set(err, "invalid bucket '%s'", a);
		}
		if (i > 0 && !(bounds[i] > bounds[i - 1])) {
			obs_promtext_format_value(bounds[i], a, sizeof(a));
			obs_promtext_format_value(bounds[i - 1], b, sizeof(b));
			return obs_error_set(err, "buckets must increase: '%s' after '%s'", a, b);
		}
	}
	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return obs_error_set(err, "out of memory");
		memcpy(copy, bounds, n * sizeof(*copy));
	}
	free(w->buckets);
	w->buckets = copy;
	w->nbuckets = n;
	/* Zero buckets (only +Inf) is a choice too: keep it apart from "default". */
	if (!n) {
		w->buckets = malloc(sizeof(double));
		if (!w->buckets)
			return obs_error_set(err, "out of memory");
	}
	return 0;
}

int obs_promtext_buckets_parse(const char *s, double **bounds, size_t *n, struct obs_error *err)
{
	char q[QBUF], a[OBS_PROMTEXT_VALUE_BUFSZ], b[OBS_PROMTEXT_VALUE_BUFSZ];
	double *arr = NULL, v;
	size_t cap = 0, count = 0, i, j, k;

	*bounds = NULL;
	*n = 0;
	i = 0;
	for (;;) {
		i = skip_blank(s, strlen(s), i);
		j = i + strcspn(s + i, ",");
		k = j;
		while (k > i && is_blank(s[k - 1]))
			k--;
		if (obs_promtext_parse_value(s + i, k - i, &v) || !isfinite(v)) {
			free(arr);
			if (k == i)
				return obs_error_set(err, "empty bucket in '%s'", quoted(q, s, strlen(s)));
			return obs_error_set(err, "invalid bucket '%s'", quoted(q, s + i, k - i));
		}
		if (count && !(v > arr[count - 1])) {
			obs_promtext_format_value(v, a, sizeof(a));
			obs_promtext_format_value(arr[count - 1], b, sizeof(b));
			free(arr);
			return obs_error_set(err, "buckets must increase: '%s' after '%s'", a, b);
		}
		if (count == cap) {
			double *na;

			cap = cap ? cap * 2 : 16;
			na = realloc(arr, cap * sizeof(*na));
			if (!na) {
				free(arr);
				return obs_error_set(err, "out of memory");
			}
			arr = na;
		}
		arr[count++] = v;
		if (s[j] != ',')
			break;
		i = j + 1;
	}
	*bounds = arr;
	*n = count;
	return 0;
}

static int wlab_cmp(const void *a, const void *b)
{
	const struct wlab *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static struct wser *series_new(struct wstate *st, size_t nlabels, enum wkind kind,
			       enum obs_promtext_role role, size_t nb)
{
	struct wser *s = calloc(1, sizeof(*s));
	const char *p;
	size_t i;

	if (!s)
		return NULL;
	s->key = malloc(st->key.len + 1);
	s->lab = malloc((2 * nlabels + 1) * sizeof(*s->lab));
	if (kind == W_HOBS)
		s->counts = calloc(nb + 1, sizeof(*s->counts));
	if (!s->key || !s->lab || (kind == W_HOBS && !s->counts)) {
		wser_free(s);
		return NULL;
	}
	memcpy(s->key, st->key.p, st->key.len);
	s->klen = st->key.len;
	s->sname = s->key;
	p = s->key + strlen(s->key) + 1;
	s->bound_idx = -1;
	for (i = 0; i < nlabels; i++) {
		s->lab[2 * i] = p;
		p += strlen(p) + 1;
		s->lab[2 * i + 1] = p;
		p += strlen(p) + 1;
		if ((role == OBS_PROMTEXT_BUCKET && strcmp(s->lab[2 * i], "le") == 0)
		    || (role == OBS_PROMTEXT_QUANTILE && strcmp(s->lab[2 * i], "quantile") == 0)) {
			s->bound_idx = (int)i;
			obs_promtext_parse_value(s->lab[2 * i + 1], strlen(s->lab[2 * i + 1]), &s->bound);
		}
	}
	s->nlabels = nlabels;
	s->kind = kind;
	s->role = role;
	s->vtime = s->tmax = INT64_MIN;
	return s;
}

/* Room for one more element in *ARR (of ELSIZE bytes each) holding N of CAP. */
static int grow(void *arr, size_t n, size_t *cap, size_t elsize)
{
	void *old, *na;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	/* memcpy: ARR is a "T **", not a "void **" to write through. */
	memcpy(&old, arr, sizeof(old));
	na = realloc(old, ncap * elsize);
	if (!na)
		return -1;
	memcpy(arr, &na, sizeof(na));
	*cap = ncap;
	return 0;
}

/* A family name from sample NAME without SUFFIX (when it has it). */
static int strip_suffix(const char *name, const char *suffix, size_t *flen)
{
	size_t n = strlen(name), k = strlen(suffix);

	if (n > k && strcmp(name + n - k, suffix) == 0) {
		*flen = n - k;
		return 1;
	}
	return 0;
}

int obs_promtext_writer_add(struct obs_promtext_writer *w, json_t *rec, struct obs_error *err)
{
	struct wstate *st = w->priv;
	const char *name, *tname, *k, *help = NULL, *bname = NULL, *bval;
	char q[QBUF];
	json_t *v, *labels, *jt, *jh;
	enum obs_metric_type type;
	enum obs_promtext_role role = OBS_PROMTEXT_PLAIN;
	enum wkind kind;
	int cumulative;
	int64_t t = INT64_MIN;   /* records without a time are older than any other */
	int has_t;
	double value;
	size_t flen, nlab = 0, i, nb;
	struct wfam *fam;
	struct wser *ser;
	const double *bk;

	if (!st) {
		st = w->priv = calloc(1, sizeof(*st));
		if (!st)
			return obs_error_set(err, "out of memory");
	}
	if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "type"))
	    || strcmp(json_string_value(json_object_get(rec, "type")), "metric") != 0)
		return obs_error_set(err, "not a metric record");
	name = json_string_value(json_object_get(rec, "name"));
	if (!name)
		return obs_error_set(err, "metric record without a name");
	if (!obs_metric_name_valid(name))
		return obs_error_set(err, "invalid metric name '%s'", quoted(q, name, strlen(name)));
	tname = json_string_value(json_object_get(rec, "metric_type"));
	if (!tname || obs_metric_type_parse(tname, &type))
		return obs_error_set(err, "invalid metric type of '%s'", name);
	if (obs_metric_value(rec, &value))
		return obs_error_set(err, "invalid value of '%s'", name);
	cumulative = json_is_true(json_object_get(rec, "cumulative"));
	jt = json_object_get(rec, "time");
	if (jt && (!json_is_string(jt) || obs_time_parse(json_string_value(jt), &t, NULL)))
		return obs_error_set(err, "invalid time of '%s'", name);
	has_t = jt != NULL;
	jh = json_object_get(rec, "help");
	if (json_is_string(jh) && *json_string_value(jh))
		help = json_string_value(jh);

	labels = json_object_get(rec, "labels");
	if (labels && !json_is_object(labels))
		return obs_error_set(err, "labels of '%s' are not an object", name);
	if (json_object_size(labels) > st->labcap) {
		struct wlab *nl = realloc(st->lab, json_object_size(labels) * sizeof(*nl));

		if (!nl)
			return obs_error_set(err, "out of memory");
		st->lab = nl;
		st->labcap = json_object_size(labels);
	}
	json_object_foreach(labels, k, v) {
		if (!name_ok(k, strlen(k), 0))
			return obs_error_set(err, "invalid label name '%s' of '%s'",
					     quoted(q, k, strlen(k)), name);
		if (!json_is_string(v))
			return obs_error_set(err, "label '%s' of '%s' is not a string",
					     quoted(q, k, strlen(k)), name);
		st->lab[nlab].name = k;
		st->lab[nlab].value = json_string_value(v);
		nlab++;
	}
	if (nlab > 1)
		qsort(st->lab, nlab, sizeof(*st->lab), wlab_cmp);

	/* Which family, which part of it. */
	flen = strlen(name);
	kind = W_LAST;
	switch (type) {
	case OBS_METRIC_COUNTER:
		kind = W_COUNTER;
		break;
	case OBS_METRIC_GAUGE:
	case OBS_METRIC_UNTYPED:
		break;
	case OBS_METRIC_HISTOGRAM:
		if (!cumulative) {
			kind = W_HOBS;
			bname = "le";
		} else if (strip_suffix(name, "_bucket", &flen)) {
			role = OBS_PROMTEXT_BUCKET;
		} else if (strip_suffix(name, "_sum", &flen)) {
			role = OBS_PROMTEXT_SUM;
		} else if (strip_suffix(name, "_count", &flen)) {
			role = OBS_PROMTEXT_COUNT;
		} else {
			return obs_error_set(err, "histogram sample '%s' needs a _bucket, _sum or "
					     "_count suffix", name);
		}
		break;
	case OBS_METRIC_SUMMARY:
		if (!cumulative) {
			kind = W_SOBS;
			bname = "quantile";
		} else if (strip_suffix(name, "_sum", &flen)) {
			role = OBS_PROMTEXT_SUM;
		} else if (strip_suffix(name, "_count", &flen)) {
			role = OBS_PROMTEXT_COUNT;
		} else {
			role = OBS_PROMTEXT_QUANTILE;
		}
		break;
	}
	/* Observations get their "le"/"quantile" here; scraped parts must have theirs. */
	for (i = 0; i < nlab; i++) {
		if (bname && strcmp(st->lab[i].name, bname) == 0)
			return obs_error_set(err, "observation of '%s' has a reserved '%s' label",
					     name, bname);
	}
	if (role == OBS_PROMTEXT_BUCKET || role == OBS_PROMTEXT_QUANTILE) {
		bname = role == OBS_PROMTEXT_BUCKET ? "le" : "quantile";
		bval = NULL;
		for (i = 0; i < nlab; i++)
			if (strcmp(st->lab[i].name, bname) == 0)
				bval = st->lab[i].value;
		if (!bval)
			return obs_error_set(err, "'%s' has no '%s' label", name, bname);
		if (obs_promtext_parse_value(bval, strlen(bval), NULL))
			return obs_error_set(err, "invalid '%s' label value '%s' of '%s'", bname,
					     quoted(q, bval, strlen(bval)), name);
	}

	fam = hmap_get(&st->fams, name, flen);
	if (fam && fam->type != type)
		return obs_error_set(err, "'%.*s' is a %s, not a %s", (int)flen, name,
				     obs_metric_type_name(fam->type), tname);

	/* The series key: sample name, then the sorted labels. */
	obs_buf_reset(&st->key);
	if (obs_buf_add(&st->key, name, strlen(name) + 1))
		return obs_error_set(err, "out of memory");
	for (i = 0; i < nlab; i++)
		if (obs_buf_add(&st->key, st->lab[i].name, strlen(st->lab[i].name) + 1)
		    || obs_buf_add(&st->key, st->lab[i].value, strlen(st->lab[i].value) + 1))
			return obs_error_set(err, "out of memory");

	if (!fam) {
		if (grow(&st->list, st->n, &st->cap, sizeof(*st->list)))
			return obs_error_set(err, "out of memory");
		fam = calloc(1, sizeof(*fam));
		if (!fam || !(fam->name = xstrndup(name, flen))
		    || hmap_put(&st->fams, fam->name, flen, fam)) {
			wfam_free(fam);
			return obs_error_set(err, "out of memory");
		}
		st->list[st->n++] = fam;
		fam->type = type;
		w->nfamilies++;
	}
	ser = hmap_get(&fam->series, st->key.p, st->key.len);
	if (!ser) {
		writer_buckets(w, &nb);
		if (grow(&fam->list, fam->n, &fam->cap, sizeof(*fam->list)))
			return obs_error_set(err, "out of memory");
		ser = series_new(st, nlab, kind, role, nb);
		if (!ser || hmap_put(&fam->series, ser->key, ser->klen, ser)) {
			wser_free(ser);
			return obs_error_set(err, "out of memory");
		}
		fam->list[fam->n++] = ser;
		w->nseries++;
	}
	if (help) {
		char *h = strdup(help);

		if (!h)
			return obs_error_set(err, "out of memory");
		free(fam->help);
		fam->help = h;
	}

	if (has_t && (!ser->has_tmax || t > ser->tmax)) {
		ser->tmax = t;
		ser->has_tmax = 1;
	}
	switch (kind) {
	case W_COUNTER:
		if (!cumulative) {
			ser->delta += value;
			break;
		}
		if (!ser->has_cum || t >= ser->vtime) {
			ser->value = value;
			ser->vtime = t;
			ser->has_vtime = has_t;
		}
		ser->has_cum = 1;
		break;
	case W_LAST:
		if (!ser->has_value || t >= ser->vtime) {
			ser->value = value;
			ser->vtime = t;
			ser->has_vtime = has_t;
		}
		break;
	case W_HOBS:
		bk = writer_buckets(w, &nb);
		for (i = 0; i < nb && !(value <= bk[i]); i++)
			;
		ser->counts[i]++;
		ser->sum += value;
		ser->count++;
		break;
	case W_SOBS:
		ser->sum += value;
		ser->count++;
		break;
	}
	ser->has_value = 1;
	return 0;
}

/* ---- output ---- */

struct oline {
	const struct wser *s;
	int rank;             /* bucket or quantile 0, _sum 1, _count 2 */
	int origin;           /* 0 from observations, 1 stored */
	const char *sname;
	const char *bname;    /* "le", "quantile" or NULL */
	const char *bstr;
	double bound;
	double value;
	int64_t t;
	int has_t;
};

struct emitter {
	obs_promtext_out_fn *out;
	void *ctx;
	struct obs_buf buf;
	struct obs_error *err;
};

static int em_flush(struct emitter *em)
{
	if (em->buf.len && em->out(em->ctx, em->buf.p, em->buf.len, em->err))
		return -1;
	obs_buf_reset(&em->buf);
	return 0;
}

static int em_check(struct emitter *em, int rc)
{
	if (rc)
		return obs_error_set(em->err, "out of memory");
	if (em->buf.len >= OUT_CHUNK)
		return em_flush(em);
	return 0;
}

/* Label values escape \\ \" \n; HELP text \\ \n. */
static int add_escaped(struct obs_buf *b, const char *s, int quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (!rep)
			continue;
		if (obs_buf_add(b, run, (size_t)(s - run)) || obs_buf_adds(b, rep))
			return -1;
		run = s + 1;
	}
	return obs_buf_add(b, run, (size_t)(s - run));
}

static int base_cmp(const struct wser *a, const struct wser *b)
{
	size_t i = 0, j = 0;
	int c;

	for (;;) {
		if ((int)i == a->bound_idx)
			i++;
		if ((int)j == b->bound_idx)
			j++;
		if (i >= a->nlabels || j >= b->nlabels)
			return (i < a->nlabels) - (j < b->nlabels);
		c = strcmp(a->lab[2 * i], b->lab[2 * j]);
		if (!c)
			c = strcmp(a->lab[2 * i + 1], b->lab[2 * j + 1]);
		if (c)
			return c;
		i++;
		j++;
	}
}

static int oline_cmp(const void *pa, const void *pb)
{
	const struct oline *a = pa, *b = pb;
	int c = base_cmp(a->s, b->s);

	if (c)
		return c;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->bstr && b->bstr) {
		/* Numeric order of the bounds, NaN last. */
		if (isnan(a->bound) != isnan(b->bound))
			return isnan(a->bound) ? 1 : -1;
		if (a->bound < b->bound)
			return -1;
		if (a->bound > b->bound)
			return 1;
		c = strcmp(a->bstr, b->bstr);
		if (c)
			return c;
	}
	/* Equal so far: one series, from observations (first) and stored. */
	return a->origin - b->origin;
}

/* Same output series (sample name, labels)? */
static int oline_same(const struct oline *a, const struct oline *b)
{
	if (strcmp(a->sname, b->sname) || base_cmp(a->s, b->s))
		return 0;
	if (!a->bname || !b->bname)
		return !a->bname && !b->bname;
	return strcmp(a->bname, b->bname) == 0 && strcmp(a->bstr, b->bstr) == 0;
}

static int write_line(struct obs_promtext_writer *w, struct emitter *em, const struct oline *l)
{
	char num[OBS_PROMTEXT_VALUE_BUFSZ + 24];
	struct obs_buf *b = &em->buf;
	const struct wser *s = l->s;
	int first = 1, rc = 0;
	size_t i;

	rc |= obs_buf_adds(b, l->sname);
	for (i = 0; i < s->nlabels; i++) {
		if ((int)i == s->bound_idx)
			continue;
		rc |= obs_buf_adds(b, first ? "{" : ",");
		first = 0;
		rc |= obs_buf_adds(b, s->lab[2 * i]);
		rc |= obs_buf_adds(b, "=\"");
		rc |= add_escaped(b, s->lab[2 * i + 1], 1);
		rc |= obs_buf_addc(b, '"');
	}
	if (l->bname) {
		rc |= obs_buf_adds(b, first ? "{" : ",");
		first = 0;
		rc |= obs_buf_adds(b, l->bname);
		rc |= obs_buf_adds(b, "=\"");
		rc |= add_escaped(b, l->bstr, 1);
		rc |= obs_buf_addc(b, '"');
	}
	if (!first)
		rc |= obs_buf_addc(b, '}');
	rc |= obs_buf_addc(b, ' ');
	obs_promtext_format_value(l->value, num, sizeof(num));
	rc |= obs_buf_adds(b, num);
	if (w->timestamps && l->has_t) {
		/* Truncated (not floored) so that every int64 ns time gives readable ms. */
		snprintf(num, sizeof(num), " %lld", (long long)(l->t / 1000000));
		rc |= obs_buf_adds(b, num);
	}
	rc |= obs_buf_addc(b, '\n');
	return em_check(em, rc);
}

static int fam_cmp(const void *a, const void *b)
{
	const struct wfam *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int emit_family(struct obs_promtext_writer *w, struct emitter *em, const struct wfam *f,
		       struct oline **lines, size_t *lcap, char (*bstr)[OBS_PROMTEXT_VALUE_BUFSZ])
{
	const double *bk;
	size_t nb, n = 0, need = 0, i, j;
	char *suffixed[3] = { NULL, NULL, NULL };
	static const char *const sfx[3] = { "_bucket", "_sum", "_count" };
	struct oline *L;
	int rc = -1;

	bk = writer_buckets(w, &nb);
	for (i = 0; i < f->n; i++)
		need += f->list[i]->kind == W_HOBS ? nb + 3 : f->list[i]->kind == W_SOBS ? 2 : 1;
	if (need > *lcap) {
		L = realloc(*lines, need * sizeof(*L));
		if (!L)
			goto nomem;
		*lines = L;
		*lcap = need;
	}
	L = *lines;
	for (i = 0; i < 3; i++) {
		size_t k = strlen(f->name);

		suffixed[i] = malloc(k + strlen(sfx[i]) + 1);
		if (!suffixed[i])
			goto nomem;
		memcpy(suffixed[i], f->name, k);
		strcpy(suffixed[i] + k, sfx[i]);
	}

	for (i = 0; i < f->n; i++) {
		const struct wser *s = f->list[i];
		struct oline base = { s, 0, 1, s->sname, NULL, NULL, 0, s->value, s->vtime,
				      s->has_vtime };

		switch (s->kind) {
		case W_COUNTER:
			base.value = s->has_cum ? s->value : s->delta;
			base.t = s->tmax;
			base.has_t = s->has_tmax;
			L[n++] = base;
			break;
		case W_LAST:
			base.rank = s->role == OBS_PROMTEXT_SUM ? 1 : s->role == OBS_PROMTEXT_COUNT ? 2 : 0;
			if (s->bound_idx >= 0) {
				base.bname = s->role == OBS_PROMTEXT_BUCKET ? "le" : "quantile";
				base.bstr = s->lab[2 * s->bound_idx + 1];
				base.bound = s->bound;
			}
			L[n++] = base;
			break;
		case W_HOBS: {
			uint64_t cum = 0;

			base.origin = 0;
			base.t = s->tmax;
			base.has_t = s->has_tmax;
			for (j = 0; j <= nb; j++) {
				cum += s->counts[j];
				L[n] = base;
				L[n].sname = suffixed[0];
				L[n].bname = "le";
				L[n].bstr = bstr[j];
				L[n].bound = j < nb ? bk[j] : INFINITY;
				L[n].value = (double)cum;
				n++;
			}
		}
			/* fall through */
		case W_SOBS:   /* and W_HOBS: _sum and _count */
			base.origin = 0;
			base.t = s->tmax;
			base.has_t = s->has_tmax;
			L[n] = base;
			L[n].rank = 1;
			L[n].sname = suffixed[1];
			L[n].value = s->sum;
			n++;
			L[n] = base;
			L[n].rank = 2;
			L[n].sname = suffixed[2];
			L[n].value = (double)s->count;
			n++;
			break;
		}
	}
	qsort(L, n, sizeof(*L), oline_cmp);

	if (f->help) {
		rc = obs_buf_adds(&em->buf, "# HELP ") || obs_buf_adds(&em->buf, f->name)
		     || obs_buf_addc(&em->buf, ' ') || add_escaped(&em->buf, f->help, 0)
		     || obs_buf_addc(&em->buf, '\n');
		if (em_check(em, rc))
			goto out;
	}
	rc = obs_buf_adds(&em->buf, "# TYPE ") || obs_buf_adds(&em->buf, f->name) || obs_buf_addc(&em->buf, ' ')
	     || obs_buf_adds(&em->buf, obs_metric_type_name(f->type)) || obs_buf_addc(&em->buf, '\n');
	if (em_check(em, rc))
		goto out;
	rc = -1;
	for (i = 0; i < n; i++) {
		/* Observations come first among equals: a stored duplicate is dropped. */
		if (i > 0 && oline_same(&L[i - 1], &L[i]))
			continue;
		if (write_line(w, em, &L[i]))
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	obs_error_set(em->err, "out of memory");
out:
	for (i = 0; i < 3; i++)
		free(suffixed[i]);
	return rc;
}

int obs_promtext_writer_emit(struct obs_promtext_writer *w, obs_promtext_out_fn *out, void *ctx,
			     struct obs_error *err)
{
	struct wstate *st = w->priv;
	struct emitter em = { out, ctx, OBS_BUF_INIT, err };
	char (*bstr)[OBS_PROMTEXT_VALUE_BUFSZ] = NULL;
	struct oline *lines = NULL;
	size_t lcap = 0, nb, i;
	const double *bk;
	int rc = -1;

	if (!st || st->n == 0)
		return 0;
	bk = writer_buckets(w, &nb);
	bstr = malloc((nb + 1) * sizeof(*bstr));
	if (!bstr) {
		obs_error_set(err, "out of memory");
		goto out;
	}
	for (i = 0; i < nb; i++)
		obs_promtext_format_value(bk[i], bstr[i], sizeof(bstr[i]));
	strcpy(bstr[nb], "+Inf");
	qsort(st->list, st->n, sizeof(*st->list), fam_cmp);
	for (i = 0; i < st->n; i++)
		if (emit_family(w, &em, st->list[i], &lines, &lcap, bstr))
			goto out;
	rc = em_flush(&em);
out:
	free(bstr);
	free(lines);
	obs_buf_release(&em.buf);
	return rc;
}

static int out_buf(void *ctx, const char *data, size_t len, struct obs_error *err)
{
	if (obs_buf_add(ctx, data, len))
		return obs_error_set(err, "out of memory");
	return 0;
}

char *obs_promtext_writer_text(struct obs_promtext_writer *w, size_t *len, struct obs_error *err)
{
	struct obs_buf b = OBS_BUF_INIT;
	size_t n;
	char *text;

	if (obs_promtext_writer_emit(w, out_buf, &b, err)) {
		obs_buf_release(&b);
		return NULL;
	}
	n = b.len;
	text = obs_buf_detach(&b);
	if (!text)
		obs_error_set(err, "out of memory");
	else if (len)
		*len = n;
	return text;
}

static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int out_fd(void *ctx, const char *data, size_t len, struct obs_error *err)
{
	if (write_all(*(int *)ctx, data, len))
		return obs_error_errno(err, "cannot write metrics");
	return 0;
}

int obs_promtext_writer_write_fd(struct obs_promtext_writer *w, int fd, struct obs_error *err)
{
	return obs_promtext_writer_emit(w, out_fd, &fd, err);
}

/* ==== node_exporter textfile ============================================= */

int obs_promtext_textfile_write(const char *dir, const char *name, const char *data, size_t len,
				struct obs_error *err)
{
	char *target = NULL, *tmp = NULL;
	size_t dl, nl;
	int fd = -1, dfd, rc = -1, ext;

	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return obs_error_set(err, "invalid textfile name '%s'", name ? name : "");
	dl = strlen(dir);
	nl = strlen(name);
	ext = !(nl > 5 && strcmp(name + nl - 5, ".prom") == 0);
	target = malloc(dl + nl + 8);
	tmp = malloc(dl + nl + 20);
	if (!target || !tmp) {
		obs_error_set(err, "out of memory");
		goto out;
	}
	snprintf(target, dl + nl + 8, "%s/%s%s", dir, name, ext ? ".prom" : "");
	/* ".NAME.prom.XXXXXX": hidden, and not "*.prom" while being written. */
	snprintf(tmp, dl + nl + 20, "%s/.%s%s.XXXXXX", dir, name, ext ? ".prom" : "");
	fd = mkstemp(tmp);
	if (fd < 0) {
		obs_error_errno(err, "cannot create a temporary file in '%s'", dir);
		goto out;
	}
	if (write_all(fd, data, len)) {
		obs_error_errno(err, "cannot write '%s'", tmp);
		goto fail;
	}
	if (fchmod(fd, 0644)) {
		obs_error_errno(err, "cannot chmod '%s'", tmp);
		goto fail;
	}
	if (fsync(fd)) {
		obs_error_errno(err, "cannot sync '%s'", tmp);
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		obs_error_errno(err, "cannot write '%s'", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target)) {
		obs_error_errno(err, "cannot rename '%s' to '%s'", tmp, target);
		goto fail;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* Some file systems cannot sync a directory (EINVAL): the rename stands. */
		if (fsync(dfd) && errno != EINVAL) {
			obs_error_errno(err, "cannot sync '%s'", dir);
			close(dfd);
			goto out;
		}
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(target);
	free(tmp);
	return rc;
}
