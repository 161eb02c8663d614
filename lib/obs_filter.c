/* SPDX-License-Identifier: MIT */
/* Record filters (--service, --name, --status, --since ...) that mean the same in every tool. */
#include "obs_filter.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "obs_logparse.h"
#include "obs_time.h"
#include "obs_tracectx.h"

void obs_filter_init(struct obs_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->min_duration = -1;
	f->max_duration = -1;
	f->since = OBS_TIME_MIN;
	f->until = OBS_TIME_MAX;
	f->time_field = "start";
	obs_jscan_init(&f->scan);
}

void obs_filter_time_field(struct obs_filter *f, const char *field)
{
	f->time_field = field;
}

static void free_needles(struct obs_filter *f)
{
	int i;

	for (i = 0; i < f->nneedles; i++)
		free(f->needles[i].bytes);
	free(f->needles);
	f->needles = NULL;
	f->nneedles = 0;
}

void obs_filter_release(struct obs_filter *f)
{
	int i;

	free(f->type);
	free(f->trace_id);
	free(f->service);
	free(f->name);
	free(f->status);
	for (i = 0; i < f->nattrs; i++) {
		free(f->attrs[i].key);
		free(f->attrs[i].value);
	}
	free(f->attrs);
	for (i = 0; i < f->nwhere; i++) {
		free(f->where[i].key);
		free(f->where[i].value);
	}
	free(f->where);
	free(f->grep);
	pcre2_match_data_free(f->grep_md);
	pcre2_code_free(f->grep_re);
	free_needles(f);
	free(f->tmp);
	obs_jscan_release(&f->scan);
	obs_filter_init(f);
}

int obs_filter_empty(const struct obs_filter *f)
{
	return !f->type && !f->trace_id && !f->service && !f->name && !f->status &&
	       f->min_duration < 0 && f->max_duration < 0 && f->since == OBS_TIME_MIN &&
	       f->until == OBS_TIME_MAX && f->nattrs == 0 && f->min_level == 0 && f->nwhere == 0 &&
	       !f->grep;
}

static int set_string(char **slot, const char *value, struct obs_error *err)
{
	char *copy = strdup(value);

	if (!copy)
		return obs_error_set(err, "out of memory");
	free(*slot);
	*slot = copy;
	return 0;
}

/* Append KEY=VALUE (KV) to the list *LIST of *N; WHAT names it in the error. */
static int add_kv(struct obs_filter_attr **list, int *n, const char *kv, const char *what,
		  struct obs_error *err)
{
	const char *eq = strchr(kv, '=');
	struct obs_filter_attr *a;

	if (!eq || eq == kv)
		return obs_error_set(err, "invalid %s '%s' (expected KEY=VALUE)", what, kv);
	a = realloc(*list, (size_t)(*n + 1) * sizeof(*a));
	if (!a)
		return obs_error_set(err, "out of memory");
	*list = a;
	a = &a[*n];
	a->key = strndup(kv, (size_t)(eq - kv));
	a->value = strdup(eq + 1);
	if (!a->key || !a->value) {
		free(a->key);
		free(a->value);
		return obs_error_set(err, "out of memory");
	}
	(*n)++;
	return 0;
}

static int add_level(struct obs_filter *f, const char *value, struct obs_error *err)
{
	int rank = obs_log_level_rank(value);

	if (!rank)
		return obs_error_set(err, "invalid level '%s' (expected trace, debug, info, warn, "
				     "error or fatal)", value);
	f->min_level = rank;
	return 0;
}

static int add_grep(struct obs_filter *f, const char *value, struct obs_error *err)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *re;
	pcre2_match_data *md;
	char *copy;
	int code;

	re = pcre2_compile((PCRE2_SPTR)value, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (!re) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return obs_error_set(err, "invalid regular expression '%s': %s at offset %zu", value,
				     (const char *)msg, (size_t)off);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	copy = strdup(value);
	if (!md || !copy) {
		pcre2_match_data_free(md);
		pcre2_code_free(re);
		free(copy);
		return obs_error_set(err, "out of memory");
	}
	pcre2_match_data_free(f->grep_md);
	pcre2_code_free(f->grep_re);
	free(f->grep);
	f->grep_re = re;
	f->grep_md = md;
	f->grep = copy;
	return 0;
}

static int add_trace(struct obs_filter *f, const char *value, struct obs_error *err)
{
	char id[OBS_TRACE_ID_HEX + 1];
	size_t i, n = strlen(value);

	if (n != OBS_TRACE_ID_HEX)
		return obs_error_set(err, "invalid trace id '%s'", value);
	for (i = 0; i < n; i++)
		id[i] = (char)tolower((unsigned char)value[i]);
	id[n] = '\0';
	if (!obs_trace_id_valid(id))
		return obs_error_set(err, "invalid trace id '%s'", value);
	return set_string(&f->trace_id, id, err);
}

int obs_filter_add(struct obs_filter *f, const char *option, const char *value,
		   struct obs_error *err)
{
	int64_t v;

	f->dirty = 1;
	if (!strcmp(option, "type"))
		return set_string(&f->type, value, err);
	if (!strcmp(option, "trace"))
		return add_trace(f, value, err);
	if (!strcmp(option, "service"))
		return set_string(&f->service, value, err);
	if (!strcmp(option, "name"))
		return set_string(&f->name, value, err);
	if (!strcmp(option, "status")) {
		if (strcmp(value, "ok") && strcmp(value, "error") && strcmp(value, "unset"))
			return obs_error_set(err, "invalid status '%s' (expected ok, error or unset)",
					     value);
		return set_string(&f->status, value, err);
	}
	if (!strcmp(option, "min-duration") || !strcmp(option, "max-duration")) {
		if (obs_duration_parse(value, &v, err) < 0)
			return -1;
		if (option[1] == 'i')
			f->min_duration = v;
		else
			f->max_duration = v;
		return 0;
	}
	if (!strcmp(option, "since") || !strcmp(option, "until")) {
		if (obs_time_parse_relative(value, obs_time_now(), &v, err) < 0)
			return -1;
		if (option[0] == 's')
			f->since = v;
		else
			f->until = v;
		return 0;
	}
	if (!strcmp(option, "attr"))
		return add_kv(&f->attrs, &f->nattrs, value, "attribute", err);
	if (!strcmp(option, "where"))
		return add_kv(&f->where, &f->nwhere, value, "field", err);
	if (!strcmp(option, "level"))
		return add_level(f, value, err);
	if (!strcmp(option, "grep"))
		return add_grep(f, value, err);
	return obs_error_set(err, "unknown filter '%s'", option);
}

/* ---- the raw-bytes prefilter ---------------------------------------------- */

/* A value appears verbatim in JSON unless it has bytes that must be escaped. */
static int verbatim(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/*
 * Add PRE + S + POST as a needle if S is verbatim. Out of memory only
 * costs speed: the needle is left out, and so no line is wrongly rejected.
 */
static void add_needle(struct obs_filter *f, const char *pre, const char *s, size_t n,
		       const char *post)
{
	struct obs_filter_needle *nd;
	size_t lp = strlen(pre), lq = strlen(post);
	char *b;

	if (!verbatim(s, n) || lp + n + lq == 0)
		return;
	nd = realloc(f->needles, (size_t)(f->nneedles + 1) * sizeof(*nd));
	b = malloc(lp + n + lq);
	if (nd)
		f->needles = nd;
	if (!nd || !b) {
		free(b);
		return;
	}
	memcpy(b, pre, lp);
	memcpy(b + lp, s, n);
	memcpy(b + lp + n, post, lq);
	f->needles[f->nneedles].bytes = b;
	f->needles[f->nneedles].len = lp + n + lq;
	f->nneedles++;
}

/*
 * The longest run of literal characters of an fnmatch glob, quoted on the
 * side where it touches the glob's edge. Runs stop at * ? and [; nothing
 * after a '[' or a backslash is used, to stay clear of their syntax.
 */
static void add_glob_needle(struct obs_filter *f, const char *glob)
{
	const char *p = glob, *best = NULL, *run;
	size_t bestlen = 0, n;

	while (*p && *p != '[' && *p != '\\') {
		if (*p == '*' || *p == '?') {
			p++;
			continue;
		}
		run = p;
		while (*p && !strchr("*?[\\", *p))
			p++;
		n = (size_t)(p - run);
		if (n > bestlen) {
			best = run;
			bestlen = n;
		}
	}
	if (best)
		add_needle(f, best == glob ? "\"" : "", best, bestlen,
			   best[bestlen] == '\0' ? "\"" : "");
}

/* A pattern without regex syntax is a literal that the message must contain. */
static int literal_pattern(const char *re)
{
	return *re && !strpbrk(re, "\\^$.|?*+()[]{}");
}

static void build_needles(struct obs_filter *f)
{
	int i;

	free_needles(f);
	/* Most selective first: a miss ends the test early. */
	if (f->trace_id)
		add_needle(f, "\"", f->trace_id, strlen(f->trace_id), "\"");
	for (i = 0; i < f->nattrs; i++) {
		add_needle(f, "", f->attrs[i].value, strlen(f->attrs[i].value), "");
		add_needle(f, "\"", f->attrs[i].key, strlen(f->attrs[i].key), "\"");
	}
	for (i = 0; i < f->nwhere; i++) {
		add_needle(f, "", f->where[i].value, strlen(f->where[i].value), "");
		/* A dotted key may lead through nested objects: then it is not written whole. */
		if (!strchr(f->where[i].key, '.'))
			add_needle(f, "\"", f->where[i].key, strlen(f->where[i].key), "\"");
	}
	if (f->grep && literal_pattern(f->grep))
		add_needle(f, "", f->grep, strlen(f->grep), "");
	if (f->service)
		add_needle(f, "\"", f->service, strlen(f->service), "\"");
	if (f->name)
		add_glob_needle(f, f->name);
	if (f->status)
		add_needle(f, "\"", f->status, strlen(f->status), "\"");
	if (f->type)
		add_needle(f, "\"", f->type, strlen(f->type), "\"");
	f->dirty = 0;
}

/*
 * --level on the raw bytes: in JSON the bytes "level":" can only be a key
 * and the start of its string value (a quote inside a string is escaped).
 * When they occur once, and the value has no escape, its rank decides
 * without tokenizing; a nested "level" alone means the top level has none,
 * so that is no match either. Anything else is left to the parse.
 */
static int level_prefilter(const struct obs_filter *f, const char *line, size_t len)
{
	static const char key[] = "\"level\":";
	const char *end = line + len, *p, *v, *q;

	p = memmem(line, len, key, sizeof(key) - 1);
	if (!p || p + sizeof(key) >= end || p[sizeof(key) - 1] != '"')
		return 1;
	v = p + sizeof(key);
	q = memchr(v, '"', (size_t)(end - v));
	if (!q || memchr(v, '\\', (size_t)(q - v)) ||
	    memmem(q, (size_t)(end - q), key, sizeof(key) - 1))
		return 1;
	return obs_log_level_rank(obs_log_level_normalize_n(v, (size_t)(q - v))) >= f->min_level;
}

int obs_filter_prefilter(struct obs_filter *f, const char *line, size_t len)
{
	int i;

	if (f->dirty)
		build_needles(f);
	for (i = 0; i < f->nneedles; i++)
		if (!memmem(line, len, f->needles[i].bytes, f->needles[i].len))
			return memchr(line, '\\', len) != NULL;
	if (f->min_level && !level_prefilter(f, line, len))
		return 0;
	return 1;
}

/* ---- matching a parsed record ---------------------------------------------- */

/* The string field KEY: 1 present (tok set), 0 absent, -1 not a string. */
static int string_field(struct obs_filter *f, const char *key, int *tok, struct obs_error *err)
{
	*tok = obs_jscan_get(&f->scan, 0, key);
	if (*tok < 0)
		return 0;
	if (obs_jscan_type(&f->scan, *tok) != OBS_JSCAN_STRING)
		return obs_error_set(err, "'%s' is not a string", key);
	return 1;
}

/* 1 / 0 / -1: string field KEY equals WANT. */
static int field_equals(struct obs_filter *f, const char *key, const char *want,
			struct obs_error *err)
{
	int tok, r = string_field(f, key, &tok, err);

	if (r <= 0)
		return r;
	return obs_jscan_streq(&f->scan, tok, want);
}

static int name_matches(struct obs_filter *f, struct obs_error *err)
{
	const char *str;
	size_t len;
	int tok, r = string_field(f, "name", &tok, err);

	if (r <= 0)
		return r;
	obs_jscan_raw(&f->scan, tok, &len);
	if (len + 1 > f->tmpcap) {
		char *t = realloc(f->tmp, len + 1);

		if (!t)
			return obs_error_set(err, "out of memory");
		f->tmp = t;
		f->tmpcap = len + 1;
	}
	if (obs_jscan_string(&f->scan, tok, f->tmp, f->tmpcap, &str, &len) < 0)
		return obs_error_set(err, "out of memory");
	if (str != f->tmp) {
		memcpy(f->tmp, str, len);
		f->tmp[len] = '\0';
	}
	if (memchr(f->tmp, '\0', len))
		return 0;   /* a name with a NUL cannot match a C-string glob */
	return fnmatch(f->name, f->tmp, 0) == 0;
}


/* 1 / 0: the scalar TOK's text equals VALUE: a string by its value, others as written. */
static int scalar_is(struct obs_filter *f, int tok, const char *value)
{
	const char *raw;
	size_t len;

	switch (obs_jscan_type(&f->scan, tok)) {
	case OBS_JSCAN_STRING:
		return obs_jscan_streq(&f->scan, tok, value);
	case OBS_JSCAN_NUMBER:
	case OBS_JSCAN_TRUE:
	case OBS_JSCAN_FALSE:
	case OBS_JSCAN_NULL:
		raw = obs_jscan_raw(&f->scan, tok, &len);
		return len == strlen(value) && !memcmp(raw, value, len);
	default:
		return 0;
	}
}

/*
 * The field KEY: the top-level member of that name, else for a dotted key
 * the nested member its parts lead to, trying the longest first part that
 * exists ("a.b.c": "a.b" then "c", or "a" then "b.c", ...). -1 if none.
 */
static int field_token(const struct obs_jscan *s, int obj, const char *key, size_t len)
{
	size_t i;
	int tok = obs_jscan_getn(s, obj, key, len);

	if (tok >= 0 || obs_jscan_type(s, obj) != OBS_JSCAN_OBJECT)
		return tok;
	for (i = len; i-- > 1;) {
		if (key[i] != '.' || i + 1 >= len)
			continue;
		tok = obs_jscan_getn(s, obj, key, i);
		if (obs_jscan_type(s, tok) == OBS_JSCAN_OBJECT &&
		    (tok = field_token(s, tok, key + i + 1, len - i - 1)) >= 0)
			return tok;
	}
	return -1;
}

/* 1 / 0: the attribute's scalar, rendered as text, equals VALUE. */
static int attr_matches(struct obs_filter *f, const struct obs_filter_attr *a)
{
	int tok;

	tok = obs_jscan_get(&f->scan, obs_jscan_get(&f->scan, 0, "attributes"), a->key);
	if (tok < 0)
		tok = obs_jscan_get(&f->scan, obs_jscan_get(&f->scan, 0, "resource"), a->key);
	return scalar_is(f, tok, a->value);
}

/* 1 / 0 / -1: the record's level ranks at least min_level. */
static int level_matches(struct obs_filter *f, struct obs_error *err)
{
	char buf[64];
	const char *str;
	size_t len;
	int tok, r = string_field(f, "level", &tok, err);

	if (r <= 0)
		return r;
	if (obs_jscan_string(&f->scan, tok, buf, sizeof(buf), &str, &len) < 0)
		return 0;   /* too long for any level word */
	return obs_log_level_rank(obs_log_level_normalize_n(str, len)) >= f->min_level;
}

#define GREP_SLACK 64

/* 1 / 0 / -1: the pattern matches somewhere in "msg". */
static int grep_matches(struct obs_filter *f, struct obs_error *err)
{
	const char *str;
	size_t len;
	int tok, r = string_field(f, "msg", &tok, err);

	if (r <= 0)
		return r;
	/*
	 * The message goes into a buffer of our own with zeroed room after it:
	 * PCRE2's JIT may read a few aligned bytes past the subject's end.
	 */
	obs_jscan_raw(&f->scan, tok, &len);
	if (len + GREP_SLACK > f->tmpcap) {
		char *t = realloc(f->tmp, len + GREP_SLACK);

		if (!t)
			return obs_error_set(err, "out of memory");
		f->tmp = t;
		f->tmpcap = len + GREP_SLACK;
	}
	if (obs_jscan_string(&f->scan, tok, f->tmp, f->tmpcap, &str, &len) < 0)
		return obs_error_set(err, "out of memory");
	if (str != f->tmp)
		memcpy(f->tmp, str, len);
	memset(f->tmp + len, 0, GREP_SLACK);
	r = pcre2_match(f->grep_re, (PCRE2_SPTR)f->tmp, len, 0, 0, f->grep_md, NULL);
	return r >= 0;
}

int obs_filter_match_scanned(struct obs_filter *f, struct obs_error *err)
{
	int64_t v;
	int tok, r, i;

	if (f->type && (r = field_equals(f, "type", f->type, err)) <= 0)
		return r;
	if (f->trace_id && (r = field_equals(f, "trace_id", f->trace_id, err)) <= 0)
		return r;
	if (f->service && (r = field_equals(f, "service", f->service, err)) <= 0)
		return r;
	if (f->status && (r = field_equals(f, "status", f->status, err)) <= 0)
		return r;
	if (f->name && (r = name_matches(f, err)) <= 0)
		return r;
	if (f->min_duration >= 0 || f->max_duration >= 0) {
		tok = obs_jscan_get(&f->scan, 0, "duration_ms");
		if (tok < 0)
			return 0;
		if (obs_jscan_ms(&f->scan, tok, &v) < 0)
			return obs_error_set(err, "'duration_ms' is not a number");
		if ((f->min_duration >= 0 && v < f->min_duration) ||
		    (f->max_duration >= 0 && v > f->max_duration))
			return 0;
	}
	if (f->since != OBS_TIME_MIN || f->until != OBS_TIME_MAX) {
		tok = obs_jscan_get(&f->scan, 0, f->time_field);
		if (tok < 0)
			return 0;
		if (obs_jscan_time(&f->scan, tok, &v) < 0)
			return obs_error_set(err, "'%s' is not a valid time", f->time_field);
		if (v < f->since || v > f->until)
			return 0;
	}
	for (i = 0; i < f->nattrs; i++)
		if (!attr_matches(f, &f->attrs[i]))
			return 0;
	if (f->min_level && (r = level_matches(f, err)) <= 0)
		return r;
	for (i = 0; i < f->nwhere; i++)
		if (!scalar_is(f, field_token(&f->scan, 0, f->where[i].key, strlen(f->where[i].key)),
			       f->where[i].value))
			return 0;
	if (f->grep && (r = grep_matches(f, err)) <= 0)
		return r;
	return 1;
}

int obs_filter_match(struct obs_filter *f, const char *line, size_t len, struct obs_error *err)
{
	if (!obs_filter_prefilter(f, line, len))
		return 0;
	if (obs_jscan_parse(&f->scan, line, len, err) < 0)
		return -1;
	return obs_filter_match_scanned(f, err);
}
