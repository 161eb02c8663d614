/* SPDX-License-Identifier: MIT */
/* Metric record lines read and checked without a jansson tree, for bulk imports and queries. */
#include "obs_metric_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "obs_time.h"

#define MAX_LABELS 250
#define MAX_NAME 1024

enum field {
	F_TYPE, F_NAME, F_METRIC_TYPE, F_VALUE, F_LABELS, F_TIME, F_HELP, F_UNIT, F_CUMULATIVE,
	F_UNKNOWN,
};

static const char *const field_names[] = {
	"type", "name", "metric_type", "value", "labels", "time", "help", "unit", "cumulative",
};

void obs_metric_scan_init(struct obs_metric_scan *m)
{
	memset(m, 0, sizeof(*m));
	obs_jscan_init(&m->js);
}

void obs_metric_scan_release(struct obs_metric_scan *m)
{
	obs_jscan_release(&m->js);
	free(m->buf);
	free(m->lv);
	memset(m, 0, sizeof(*m));
}

/* Room for every string of a LEN-byte line, unescaped and NUL-terminated. */
static int reserve(struct obs_metric_scan *m, size_t len, struct obs_error *err)
{
	size_t need = 2 * len + 64;
	char *p;

	m->used = 0;
	if (need <= m->cap)
		return 0;
	p = realloc(m->buf, need);
	if (!p)
		return obs_error_set(err, "out of memory");
	m->buf = p;
	m->cap = need;
	return 0;
}

/* String TOK unescaped and NUL-terminated in the scanner's buffer; NULL if not a string. */
static const char *str_at(struct obs_metric_scan *m, int tok, size_t *lenp)
{
	char *dst = m->buf + m->used;
	const char *s;
	size_t len;

	if (obs_jscan_string(&m->js, tok, dst, m->cap - m->used, &s, &len) < 0)
		return NULL;
	if (s != dst)
		memcpy(dst, s, len);
	dst[len] = '\0';
	m->used += len + 1;
	if (lenp)
		*lenp = len;
	return dst;
}

static enum field field_of(const struct obs_metric_scan *m, int key, char *buf, size_t size)
{
	const char *raw;
	size_t i, len;

	/* Keys are nearly always written plainly: compare the bytes in place. */
	raw = obs_jscan_raw(&m->js, key, &len);
	if (raw && len < size && !memchr(raw, '\\', len)) {
		memcpy(buf, raw, len);
		buf[len] = '\0';
		for (i = 0; i < F_UNKNOWN; i++)
			if (strlen(field_names[i]) == len && memcmp(raw, field_names[i], len) == 0)
				return (enum field)i;
		return F_UNKNOWN;
	}
	if (obs_jscan_strcpy(&m->js, key, buf, size) < 0)
		snprintf(buf, size, "%s", "(long key)");
	for (i = 0; i < F_UNKNOWN; i++)
		if (strcmp(buf, field_names[i]) == 0)
			return (enum field)i;
	return F_UNKNOWN;
}

static int unit_valid(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", as obs_time_format writes it. */
static int canonical_time(const char *s, size_t len)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";
	size_t i;

	if (len != sizeof(pat) - 1)
		return 0;
	for (i = 0; i < len; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	}
	return 1;
}

static int scan_value(struct obs_metric_scan *m, int tok, struct obs_error *err)
{
	const char *s;
	size_t len;

	if (obs_jscan_type(&m->js, tok) == OBS_JSCAN_NUMBER) {
		if (obs_jscan_number(&m->js, tok, &m->value) < 0) {
			s = obs_jscan_raw(&m->js, tok, &len);
			return obs_error_set(err, "invalid value '%.*s'", (int)(len > 64 ? 64 : len), s);
		}
		return 0;
	}
	s = str_at(m, tok, &len);
	if (!s)
		return obs_error_set(err, "'value' is not a number");
	if (strcasecmp(s, "nan") == 0)
		m->value = NAN;
	else if (strcasecmp(s, "+inf") == 0 || strcasecmp(s, "inf") == 0)
		m->value = INFINITY;
	else if (strcasecmp(s, "-inf") == 0)
		m->value = -INFINITY;
	else
		return obs_error_set(err, "invalid value '%.64s'", s);
	if (strcmp(s, "NaN") && strcmp(s, "+Inf") && strcmp(s, "-Inf"))
		m->canonical = 0;
	return 0;
}

static int scan_time(struct obs_metric_scan *m, int tok, struct obs_error *err)
{
	const char *s;
	size_t len;

	m->has_time = 1;
	if (obs_jscan_type(&m->js, tok) == OBS_JSCAN_NUMBER) {
		m->canonical = 0;
		s = obs_jscan_raw(&m->js, tok, &len);
		return obs_time_parse_n(s, len, &m->time_ns, err);
	}
	if (obs_jscan_type(&m->js, tok) != OBS_JSCAN_STRING)
		return obs_error_set(err, "'time' is not a string or a number");
	s = obs_jscan_raw(&m->js, tok, &len);
	if (canonical_time(s, len) && obs_jscan_time(&m->js, tok, &m->time_ns) == 0)
		return 0;
	m->canonical = 0;
	s = str_at(m, tok, &len);
	if (!s || strlen(s) != len)
		return obs_error_set(err, "invalid time: NUL byte in 'time'");
	return obs_time_parse_n(s, len, &m->time_ns, err);
}

static int label_grow(struct obs_metric_scan *m, size_t n, struct obs_error *err)
{
	struct obs_label *p;

	if (n <= m->lcap)
		return 0;
	p = realloc(m->lv, n * sizeof(*p));
	if (!p)
		return obs_error_set(err, "out of memory");
	m->lv = p;
	m->lcap = n;
	return 0;
}

static int scan_labels(struct obs_metric_scan *m, int tok, struct obs_error *err)
{
	int k;
	size_t i, n = 0, len;

	if (obs_jscan_type(&m->js, tok) != OBS_JSCAN_OBJECT)
		return obs_error_set(err, "'labels' is not an object");
	if (obs_jscan_size(&m->js, tok) > MAX_LABELS)
		return obs_error_set(err, "more than %d labels", MAX_LABELS);
	if (label_grow(m, (size_t)obs_jscan_size(&m->js, tok) + 1, err) < 0)
		return -1;
	for (k = obs_jscan_child(&m->js, tok); k >= 0; k = obs_jscan_sibling(&m->js, tok, k)) {
		const char *name = str_at(m, k, &len), *value;

		if (!name || strlen(name) != len || !obs_label_name_valid(name))
			return obs_error_set(err, "invalid label name '%.128s'", name ? name : "");
		value = str_at(m, k + 1, &len);
		if (!value)
			return obs_error_set(err, "label '%s' is not a string", name);
		if (strlen(value) != len)
			return obs_error_set(err, "label '%s' has a NUL byte", name);
		for (i = 0; i < n; i++)
			if (strcmp(m->lv[i].name, name) == 0)
				return obs_error_set(err, "duplicate label '%s'", name);
		m->lv[n].name = name;
		m->lv[n].value = value;
		n++;
	}
	m->labels = m->lv;
	m->nlabels = n;
	return 0;
}

static int scan_string_field(struct obs_metric_scan *m, int tok, const char *what,
			     const char **out, struct obs_error *err)
{
	size_t len;

	*out = str_at(m, tok, &len);
	if (!*out)
		return obs_error_set(err, "'%s' is not a string", what);
	if (strlen(*out) != len)
		return obs_error_set(err, "'%s' has a NUL byte", what);
	return 0;
}

static int scan_field(struct obs_metric_scan *m, enum field f, int tok, struct obs_error *err)
{
	const char *s;
	size_t len;

	switch (f) {
	case F_NAME:
		s = str_at(m, tok, &len);
		if (!s)
			return obs_error_set(err, "'name' is not a string");
		if (strlen(s) != len || len > MAX_NAME || !obs_metric_name_valid(s))
			return obs_error_set(err, "invalid metric name '%.128s'", s);
		m->name = s;
		return 0;
	case F_METRIC_TYPE:
		s = str_at(m, tok, NULL);
		if (!s || obs_metric_type_parse(s, &m->type) < 0)
			return obs_error_set(err, "unknown metric_type '%.64s'", s ? s : "(not a string)");
		return 0;
	case F_VALUE:
		return scan_value(m, tok, err);
	case F_LABELS:
		return scan_labels(m, tok, err);
	case F_TIME:
		return scan_time(m, tok, err);
	case F_HELP:
		return scan_string_field(m, tok, "help", &m->help, err);
	case F_UNIT:
		if (scan_string_field(m, tok, "unit", &m->unit, err) < 0)
			return -1;
		if (!unit_valid(m->unit))
			return obs_error_set(err, "invalid unit '%.64s'", m->unit);
		return 0;
	case F_CUMULATIVE:
		if (obs_jscan_bool(&m->js, tok, &m->cumulative) < 0)
			return obs_error_set(err, "'cumulative' is not a boolean");
		return 0;
	default:
		return 0;
	}
}

/* The observation rules and required fields, once every field is read. */
static int check_record(struct obs_metric_scan *m, const int *seen, unsigned flags,
			struct obs_error *err)
{
	const char *forbidden = NULL;
	size_t i;

	if (!seen[F_NAME])
		return obs_error_set(err, "missing 'name'");
	if (!seen[F_VALUE])
		return obs_error_set(err, "missing 'value'");
	if (!seen[F_TIME] && (flags & OBS_METRIC_SCAN_NEED_TIME))
		return obs_error_set(err, "missing 'time'");
	if (!seen[F_TYPE] || !seen[F_TIME])
		m->canonical = 0;
	if (!m->cumulative && m->type == OBS_METRIC_HISTOGRAM)
		forbidden = "le";
	if (!m->cumulative && m->type == OBS_METRIC_SUMMARY)
		forbidden = "quantile";
	for (i = 0; forbidden && i < m->nlabels; i++)
		if (strcmp(m->labels[i].name, forbidden) == 0)
			return obs_error_set(err, "%s observation has %s '%s' label",
					     m->type == OBS_METRIC_HISTOGRAM ? "histogram" : "summary",
					     forbidden[0] == 'l' ? "an" : "a", forbidden);
	return 0;
}

static void reset(struct obs_metric_scan *m)
{
	m->name = NULL;
	m->type = OBS_METRIC_UNTYPED;
	m->value = 0;
	m->has_time = 0;
	m->time_ns = 0;
	m->cumulative = 0;
	m->labels = NULL;
	m->nlabels = 0;
	m->help = NULL;
	m->unit = NULL;
	m->canonical = 1;
}

/* ---- the fast path: records laid out as obs writes them ------------------------------ */

/*
 * Most lines are records written by obs itself, in one layout:
 *   {"type":"metric","name":N,"metric_type":T,"value":V,"labels":{...},
 *    "time":"<canonical>"[,"help":H][,"unit":U][,"cumulative":true]}
 * with plain ASCII strings. Such a line is read in one pass without
 * tokenizing; anything else (escapes, other bytes, spaces, another order,
 * any error) goes the general way, which has the one set of messages.
 */
struct fast {
	const char *p, *end;
	struct obs_metric_scan *m;
};

static int lit(struct fast *f, const char *s, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, s, n))
		return 0;
	f->p += n;
	return 1;
}

#define LIT(f, s) lit(f, s, sizeof(s) - 1)

/* A string of printable ASCII without escapes, after its opening quote: copied, or NULL. */
static const char *plain_string(struct fast *f, size_t *lenp)
{
	const char *start = f->p;
	char *dst = f->m->buf + f->m->used;
	size_t n;

	while (f->p < f->end && *f->p != '"') {
		unsigned char c = (unsigned char)*f->p;

		if (c < 0x20 || c > 0x7e || c == '\\')
			return NULL;
		f->p++;
	}
	if (f->p == f->end)
		return NULL;
	n = (size_t)(f->p - start);
	memcpy(dst, start, n);
	dst[n] = '\0';
	f->m->used += n + 1;
	f->p++;
	if (lenp)
		*lenp = n;
	return dst;
}

/* A JSON number, strictly as JSON writes it. */
static int fast_number(struct fast *f, double *v)
{
	const char *s = f->p, *q = s;
	char buf[64], *e;

	if (q < f->end && *q == '-')
		q++;
	if (q < f->end && *q == '0')
		q++;
	else if (q < f->end && *q >= '1' && *q <= '9')
		while (q < f->end && *q >= '0' && *q <= '9')
			q++;
	else
		return 0;
	if (q < f->end && *q == '.') {
		if (++q >= f->end || *q < '0' || *q > '9')
			return 0;
		while (q < f->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < f->end && (*q == 'e' || *q == 'E')) {
		if (++q < f->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= f->end || *q < '0' || *q > '9')
			return 0;
		while (q < f->end && *q >= '0' && *q <= '9')
			q++;
	}
	if ((size_t)(q - s) >= sizeof(buf))
		return 0;
	memcpy(buf, s, (size_t)(q - s));
	buf[q - s] = '\0';
	*v = strtod(buf, &e);
	if (*e || !isfinite(*v))
		return 0;
	f->p = q;
	return 1;
}

static int fast_value(struct fast *f)
{
	struct obs_metric_scan *m = f->m;

	if (LIT(f, "\"NaN\""))
		m->value = NAN;
	else if (LIT(f, "\"+Inf\""))
		m->value = INFINITY;
	else if (LIT(f, "\"-Inf\""))
		m->value = -INFINITY;
	else
		return fast_number(f, &m->value);
	return 1;
}

static int fast_labels(struct fast *f)
{
	struct obs_metric_scan *m = f->m;
	const char *name, *value;
	size_t n = 0, i;

	if (LIT(f, "}"))
		return 1;
	for (;;) {
		if (n == MAX_LABELS || label_grow(m, n + 1, NULL) < 0 || !LIT(f, "\""))
			return 0;
		name = plain_string(f, NULL);
		if (!name || !obs_label_name_valid(name) || !LIT(f, ":\"") ||
		    !(value = plain_string(f, NULL)))
			return 0;
		for (i = 0; i < n; i++)
			if (strcmp(m->lv[i].name, name) == 0)
				return 0;
		m->lv[n].name = name;
		m->lv[n].value = value;
		m->labels = m->lv;
		m->nlabels = ++n;
		if (LIT(f, "}"))
			return 1;
		if (!LIT(f, ","))
			return 0;
	}
}

static int fast_tail(struct fast *f)
{
	struct obs_metric_scan *m = f->m;

	if (f->end - f->p < 31 || !canonical_time(f->p, 30) || f->p[30] != '"' ||
	    obs_time_parse_n(f->p, 30, &m->time_ns, NULL) < 0)
		return 0;
	f->p += 31;
	m->has_time = 1;
	if (LIT(f, ",\"help\":\"") && !(m->help = plain_string(f, NULL)))
		return 0;
	if (LIT(f, ",\"unit\":\"") && (!(m->unit = plain_string(f, NULL)) || !unit_valid(m->unit)))
		return 0;
	if (LIT(f, ",\"cumulative\":"))
		m->cumulative = LIT(f, "true") ? 1 : LIT(f, "false") ? 0 : -1;
	return m->cumulative >= 0 && LIT(f, "}") && f->p == f->end;
}

/* 1 if LINE was read the fast way (a valid record), else 0 (nothing decided). */
static int fast_scan(struct obs_metric_scan *m, const char *line, size_t len)
{
	struct fast f = { line, line + len, m };
	const char *type;
	size_t n;

	if (!LIT(&f, "{\"type\":\"metric\",\"name\":\"") || !(m->name = plain_string(&f, &n)) ||
	    n > MAX_NAME || !obs_metric_name_valid(m->name) || !LIT(&f, ",\"metric_type\":\"") ||
	    !(type = plain_string(&f, NULL)) || obs_metric_type_parse(type, &m->type) < 0 ||
	    !LIT(&f, ",\"value\":") || !fast_value(&f) || !LIT(&f, ",\"labels\":{") ||
	    !fast_labels(&f) || !LIT(&f, ",\"time\":\"") || !fast_tail(&f))
		return 0;
	for (n = 0; !m->cumulative && n < m->nlabels; n++)
		if ((m->type == OBS_METRIC_HISTOGRAM && strcmp(m->labels[n].name, "le") == 0) ||
		    (m->type == OBS_METRIC_SUMMARY && strcmp(m->labels[n].name, "quantile") == 0))
			return 0;
	return 1;
}

int obs_metric_scan_line(struct obs_metric_scan *m, const char *line, size_t len, unsigned flags,
			 struct obs_error *err)
{
	int seen[F_UNKNOWN + 1] = { 0 };
	char key[64];
	enum field f;
	int k, type;

	reset(m);
	if (reserve(m, len, err) < 0)
		return -1;
	if (!(flags & OBS_METRIC_SCAN_SLOW) && fast_scan(m, line, len))
		return 1;
	reset(m);
	m->used = 0;
	if (obs_jscan_parse(&m->js, line, len, err) < 0)
		return -1;
	type = obs_jscan_get(&m->js, 0, "type");
	if (type >= 0 && obs_jscan_type(&m->js, type) != OBS_JSCAN_STRING)
		return obs_error_set(err, "'type' is not a string");
	if (type >= 0 && !obs_jscan_streq(&m->js, type, "metric"))
		return 0;
	for (k = obs_jscan_child(&m->js, 0); k >= 0; k = obs_jscan_sibling(&m->js, 0, k)) {
		f = field_of(m, k, key, sizeof(key));
		if (f == F_UNKNOWN) {
			if (flags & OBS_METRIC_SCAN_KNOWN_FIELDS)
				return obs_error_set(err, "unknown field '%s'", key);
			continue;
		}
		if (seen[f]++)
			return obs_error_set(err, "duplicate field '%s'", key);
		if (scan_field(m, f, k + 1, err) < 0)
			return -1;
	}
	if (check_record(m, seen, flags, err) < 0)
		return -1;
	return 1;
}

json_t *obs_metric_scan_record(const struct obs_metric_scan *m, int64_t time_ns)
{
	json_t *labels = json_object(), *rec = NULL;
	size_t i;

	if (!labels)
		return NULL;
	for (i = 0; i < m->nlabels; i++)
		if (json_object_set_new(labels, m->labels[i].name, json_string(m->labels[i].value)))
			goto out;
	rec = obs_metric_new(m->name, m->type, m->value, labels, time_ns, m->help, m->unit,
			     m->cumulative);
out:
	json_decref(labels);
	return rec;
}

/* ---- into a series set ----------------------------------------------------------- */

static const char *const bucket_le[] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
};
static const double bucket_bound[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, INFINITY,
};

struct series_add {
	struct obs_series_set *set;
	struct obs_label pairs[MAX_LABELS + 2];
	size_t n;            /* the record's labels */
	int64_t t_ms;
	char name[MAX_NAME + 16];
};

static int add_to(struct series_add *a, const char *base, const char *suffix,
		  const struct obs_label *extra, double v, enum obs_series_event ev,
		  struct obs_error *err)
{
	size_t n = a->n, blen, slen;

	a->pairs[n].name = "__name__";
	a->pairs[n].value = base;
	if (*suffix) {
		/* base is at most MAX_NAME bytes: the buffer holds it and the suffix. */
		blen = strlen(base);
		slen = strlen(suffix);
		memcpy(a->name, base, blen);
		memcpy(a->name + blen, suffix, slen + 1);
		a->pairs[n].value = a->name;
	}
	if (extra)
		a->pairs[n + 1] = *extra;
	return obs_series_set_add(a->set, a->pairs, n + 1 + (extra != NULL), a->t_ms, v, ev, err);
}

static int add_observation(struct series_add *a, const struct obs_metric_scan *m,
			   struct obs_error *err)
{
	struct obs_label le = { "le", NULL };
	size_t i;

	if (m->type == OBS_METRIC_HISTOGRAM) {
		for (i = 0; i < sizeof(bucket_le) / sizeof(bucket_le[0]); i++) {
			le.value = bucket_le[i];
			if (add_to(a, m->name, "_bucket", &le, m->value <= bucket_bound[i] || i == 11,
				   OBS_SERIES_ADD, err) < 0)
				return -1;
		}
	}
	if (add_to(a, m->name, "_sum", NULL, m->value, OBS_SERIES_ADD, err) < 0)
		return -1;
	return add_to(a, m->name, "_count", NULL, 1, OBS_SERIES_ADD, err);
}

int obs_metric_scan_add_series(const struct obs_metric_scan *m, struct obs_series_set *set,
			       struct obs_error *err)
{
	struct series_add a;

	if (!m->has_time)
		return obs_error_set(err, "missing 'time'");
	a.set = set;
	a.n = m->nlabels;
	if (m->nlabels)
		memcpy(a.pairs, m->labels, m->nlabels * sizeof(*a.pairs));
	a.t_ms = m->time_ns / 1000000 - (m->time_ns % 1000000 < 0);
	if (m->cumulative)
		return add_to(&a, m->name, "", NULL, m->value, OBS_SERIES_SET, err);
	switch (m->type) {
	case OBS_METRIC_COUNTER:
		return add_to(&a, m->name, "", NULL, m->value, OBS_SERIES_ADD, err);
	case OBS_METRIC_HISTOGRAM:
	case OBS_METRIC_SUMMARY:
		return add_observation(&a, m, err);
	default:
		return add_to(&a, m->name, "", NULL, m->value, OBS_SERIES_SET, err);
	}
}

/* ---- the query filter ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_wanted(struct obs_metric_filter *f, const char *name, size_t len)
{
	char *s = strndup(name, len);

	if (!s)
		return -1;
	f->names[f->nnames++] = s;
	return 0;
}

/* "x" for "x_bucket", "x_sum", "x_count"; 0 if NAME has none of these suffixes. */
static size_t observation_base(const char *name)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	size_t len = strlen(name), i, sl;

	for (i = 0; i < 3; i++) {
		sl = strlen(suffixes[i]);
		if (len > sl && strcmp(name + len - sl, suffixes[i]) == 0)
			return len - sl;
	}
	return 0;
}

static void bound_string(int64_t ns, char *buf, size_t size)
{
	char tmp[OBS_TIME_BUFSZ];

	buf[0] = '\0';
	if (ns == OBS_TIME_MIN || ns == OBS_TIME_MAX)
		return;
	if (size > 30 && obs_time_format(ns, tmp, sizeof(tmp)) == 30 && canonical_time(tmp, 30)) {
		memcpy(buf, tmp, 30);
		buf[30] = '\0';
	}
}

int obs_metric_filter_init(struct obs_metric_filter *f, int64_t mint, int64_t maxt,
			   char *const *names, size_t nnames)
{
	size_t i, j, base;

	memset(f, 0, sizeof(*f));
	f->mint = mint;
	f->maxt = maxt;
	bound_string(mint, f->lo, sizeof(f->lo));
	bound_string(maxt, f->hi, sizeof(f->hi));
	if (!names)
		return 0;
	f->names = calloc(2 * nnames + 1, sizeof(*f->names));
	if (!f->names)
		return -1;
	for (i = 0; i < nnames; i++) {
		if (add_wanted(f, names[i], strlen(names[i])) < 0)
			goto oom;
		base = observation_base(names[i]);
		if (base && add_wanted(f, names[i], base) < 0)
			goto oom;
	}
	qsort(f->names, f->nnames, sizeof(*f->names), cmp_str);
	for (i = j = 0; i < f->nnames; i++) {
		if (j && strcmp(f->names[j - 1], f->names[i]) == 0)
			free(f->names[i]);
		else
			f->names[j++] = f->names[i];
	}
	f->nnames = j;
	return 0;
oom:
	obs_metric_filter_release(f);
	return -1;
}

void obs_metric_filter_release(struct obs_metric_filter *f)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	f->names = NULL;
	f->nnames = 0;
}

static int name_wanted(const struct obs_metric_filter *f, const char *name)
{
	return !f->names || bsearch(&name, f->names, f->nnames, sizeof(*f->names), cmp_str) != NULL;
}

/*
 * The bytes after KEY_":"_ when the string KEY ("\"time\"") occurs once
 * in LINE, as a key with a string value; else NULL. Without backslashes a
 * quoted word in the line is exactly a string token: with one such token,
 * a label or nested key of that name and a top-level one cannot both be
 * there.
 */
static const char *only(const char *line, size_t len, const char *key, size_t klen)
{
	const char *p = memmem(line, len, key, klen);

	if (!p)
		return NULL;
	p += klen;
	if (memmem(p, len - (size_t)(p - line), key, klen))
		return NULL;
	if (line + len - p < 2 || p[0] != ':' || p[1] != '"')
		return NULL;
	return p + 2;
}

/* Where P (30 bytes) has the separators of a canonical time, and no leap second. */
static int time_shaped(const char *p)
{
	/* A leap second (":60") reads as :59.999999999: not comparable as bytes. */
	return p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' && p[16] == ':' &&
	       p[19] == '.' && p[29] == 'Z' && p[17] < '6';
}

/*
 * 1 if the time at P is outside the window. Compared as bytes: canonical
 * times sort as the instants they name. A string shaped so but with other
 * characters than digits is no valid time: the record would be refused.
 */
static int time_outside(const struct obs_metric_filter *f, const char *p)
{
	if (!time_shaped(p))
		return 0;
	return (f->lo[0] && memcmp(p, f->lo, 30) < 0) || (f->hi[0] && memcmp(p, f->hi, 30) > 0);
}

/*
 * Where the top-level time is in a record written the canonical way:
 * the last member ('...,"time":"T"}') or followed only by the cumulative
 * flag; NULL if not so. In valid JSON these bytes are structure, not
 * string contents, even with escapes elsewhere: the quote after the comma
 * must open a string (else "time" would stand outside one), and the final
 * '}' closes the top-level object.
 */
static const char *time_at_end(const char *line, size_t len)
{
	static const char key[] = ",\"time\":\"";
	static const char cum[] = "\",\"cumulative\":true}";
	size_t tail;

	if (len > 2 && line[len - 1] == '}' && line[len - 2] == '"')
		tail = 2;
	else if (len > sizeof(cum) - 1 && memcmp(line + len - (sizeof(cum) - 1), cum, sizeof(cum) - 1) == 0)
		tail = sizeof(cum) - 1;
	else
		return NULL;
	if (len < tail + 30 + sizeof(key) - 1)
		return NULL;
	line += len - tail - 30;
	return memcmp(line - (sizeof(key) - 1), key, sizeof(key) - 1) == 0 ? line : NULL;
}

/* 0 if the line's time is surely outside the window, else 1. *ESCAPES: -1 unknown, 0, 1. */
static int time_maybe(const struct obs_metric_filter *f, const char *line, size_t len,
		      int *escapes)
{
	const char *end = line + len, *p = time_at_end(line, len);

	if (!p) {
		/* JSON may spell any character as \uXXXX: then bytes cannot tell. */
		*escapes = memchr(line, '\\', len) != NULL;
		if (*escapes)
			return 1;
		p = only(line, len, "\"time\"", 6);
		if (!p || end - p <= 30 || p[30] != '"')
			return 1;
	}
	return !time_outside(f, p);
}

static int name_maybe(const struct obs_metric_filter *f, const char *line, size_t len,
		      int escapes)
{
	static const char start[] = "{\"type\":\"metric\",\"name\":\"";
	const char *end = line + len, *p, *q;
	char name[MAX_NAME + 1];

	/* The name right after the type, as obs writes records: surely the top-level one. */
	if (len > sizeof(start) - 1 && memcmp(line, start, sizeof(start) - 1) == 0) {
		p = line + sizeof(start) - 1;
	} else {
		if (escapes < 0)
			escapes = memchr(line, '\\', len) != NULL;
		p = escapes ? NULL : only(line, len, "\"name\"", 6);
	}
	if (!p)
		return 1;
	q = memchr(p, '"', (size_t)(end - p));
	if (!q || q - p > MAX_NAME || memchr(p, '\\', (size_t)(q - p)))
		return 1;
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	return name_wanted(f, name);
}

int obs_metric_filter_maybe(const struct obs_metric_filter *f, const char *line, size_t len)
{
	int escapes = -1;

	if (!time_maybe(f, line, len, &escapes))
		return 0;
	return !f->names || name_maybe(f, line, len, escapes);
}

int obs_metric_filter_match(const struct obs_metric_filter *f, const struct obs_metric_scan *m)
{
	if (!m->has_time || m->time_ns < f->mint || m->time_ns > f->maxt)
		return 0;
	return name_wanted(f, m->name);
}

/* ---- --label NAME=VALUE ----------------------------------------------------------- */

int obs_metric_label_arg(json_t *labels, const char *arg, struct obs_error *err)
{
	const char *eq = strchr(arg, '=');
	char name[256];
	json_t *v;

	if (!eq || eq == arg)
		return obs_error_set(err, "invalid label '%s': expected NAME=VALUE", arg);
	if ((size_t)(eq - arg) >= sizeof(name))
		return obs_error_set(err, "invalid label name '%.*s...'", 64, arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (!obs_label_name_valid(name))
		return obs_error_set(err, "invalid label name '%s' (%s)", name,
				     name[0] == '_' && name[1] == '_' ?
				     "names starting with '__' are reserved" :
				     "expected [a-zA-Z_][a-zA-Z0-9_]*");
	if (json_object_get(labels, name))
		return obs_error_set(err, "duplicate label '%s'", name);
	v = json_string(eq + 1);
	if (!v)
		return obs_error_set(err, "label '%s' has a value that is not UTF-8", name);
	if (json_object_set_new(labels, name, v))
		return obs_error_set(err, "out of memory");
	return 0;
}
