/* SPDX-License-Identifier: MIT */
/* Unit tests for label sets, RE2-style regexes, sample chunks and the series set (records, files). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_chunk.h"
#include "obs_labels.h"
#include "obs_regex.h"
#include "obs_series.h"

/* ---- labels ------------------------------------------------------------------------------------ */

static void test_labels(void **state)
{
	const struct obs_label in[] = {
		{ "job", "x" }, { "__name__", "up" }, { "a", "" }, { "job", "y" }, { "b", NULL }, { "c", "3" },
	};
	struct obs_labels *l = obs_labels_new(in, 6), *m, *e;
	char *s;

	(void)state;
	assert_non_null(l);
	assert_int_equal(l->len, 3);
	assert_string_equal(l->v[0].name, "__name__");
	assert_string_equal(l->v[1].name, "c");
	assert_string_equal(l->v[2].name, "job");
	assert_string_equal(obs_labels_get(l, "job"), "y");
	assert_null(obs_labels_get(l, "a"));
	assert_null(obs_labels_get(l, "zzz"));
	s = obs_labels_format(l);
	assert_string_equal(s, "{__name__=\"up\", c=\"3\", job=\"y\"}");
	free(s);
	m = obs_labels_new(l->v, 2);
	assert_int_equal(obs_labels_cmp(m, l), -1);
	assert_int_equal(obs_labels_cmp(l, m), 1);
	assert_int_equal(obs_labels_cmp(l, l), 0);
	assert_int_equal(obs_labels_equal(l, m), 0);
	assert_int_equal(obs_labels_equal(l, l), 1);
	assert_int_equal(obs_labels_equal_pairs(l, l->v, 2), 0);
	assert_int_equal(obs_labels_equal_pairs(m, l->v, 2), 1);
	assert_ptr_equal(obs_labels_ref(m), m);
	obs_labels_unref(m);
	obs_labels_unref(m);
	obs_labels_unref(NULL);
	assert_null(obs_labels_ref(NULL));
	e = obs_labels_empty();
	assert_int_equal(e->len, 0);
	s = obs_labels_format(e);
	assert_string_equal(s, "{}");
	free(s);
	assert_int_equal(obs_labels_cmp(e, l), -1);
	obs_labels_unref(e);
	obs_labels_unref(l);
}

static void test_labels_many(void **state)
{
	struct obs_label in[100];
	char names[100][8], *s;
	struct obs_labels *l, *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "l%02zu", 99 - i);
		in[i].name = names[i];
		in[i].value = i == 50 ? "q\"\\\n\t\r\x01" : "v";
	}
	l = obs_labels_new(in, 100);
	assert_int_equal(l->len, 100);
	for (i = 1; i < 100; i++)
		assert_true(strcmp(l->v[i - 1].name, l->v[i].name) < 0);
	s = obs_labels_format(l);
	assert_non_null(strstr(s, "l49=\"q\\\"\\\\\\n\\t\\r\\x01\""));
	free(s);
	obs_labels_unref(l);
	/* Different values, same names: compared by value. */
	in[0].name = "a";
	in[0].value = "1";
	a = obs_labels_new(in, 1);
	in[0].value = "2";
	b = obs_labels_new(in, 1);
	assert_true(obs_labels_cmp(a, b) < 0);
	assert_int_equal(obs_labels_equal(a, b), 0);
	obs_labels_unref(a);
	obs_labels_unref(b);
}

/* ---- regexes ---------------------------------------------------------------------------------- */

static void match(const char *re, const char *s, int want)
{
	struct obs_regex r;
	struct obs_error err;

	if (obs_regex_compile(&r, re, &err) != 0)
		fail_msg("'%s' does not compile: %s", re, err.msg);
	if (obs_regex_match(&r, s) != want)
		fail_msg("'%s' on '%s': want %d", re, s, want);
	obs_regex_release(&r);
}

static void refuse(const char *re, int rc, const char *msg)
{
	struct obs_regex r;
	struct obs_error err;

	assert_int_equal(obs_regex_compile(&r, re, &err), rc);
	assert_string_equal(err.msg, msg);
}

static void test_regex_match(void **state)
{
	(void)state;
	match("a.c", "abc", 1);
	match("a.c", "a\nc", 0);
	match("a.c", "abcd", 0);
	match("b", "abc", 0);
	match("", "", 1);
	match("a|", "", 1);
	match("(?:x)+", "xxx", 1);
	match("\\d+", "123", 1);
	match("\\d+", "12a", 0);
	match("\\D\\s\\S\\w\\W", "a x_-", 1);
	match("[\\d.]+", "1.2", 1);
	match("[^\\d]", "a", 1);
	match("[^\\d]", "1", 0);
	match("[^a]", "\n", 1);
	match("[]a]", "]", 1);
	match("[a-]", "-", 1);
	match("[-a]", "-", 1);
	match("[\\^]", "^", 1);
	match("[\\^-]", "-", 1);
	match("[^^]", "^", 0);
	match("[\\]\\[]", "[", 1);
	match("[[:alpha:]]+", "ab", 1);
	match("[[:digit:][:upper:]]+", "A1", 1);
	match("[\\x41-\\x43]", "B", 1);
	match("[\\n\\t]", "\t", 1);
	match("a{2}", "aa", 1);
	match("a{2,}", "aaaa", 1);
	match("a{1,2}", "aaa", 0);
	match("a{,2}", "a{,2}", 1);
	match("a{x}", "a{x}", 1);
	match("{", "{", 1);
	match("}", "}", 1);
	match("]", "]", 1);
	match("(?i)abc", "ABC", 1);
	match("\\x41\\x{42}\\x{e9}", "AB\xc3\xa9", 1);
	match("\\xC3\\x{20ac}\\x{1F600}", "\xc3\x83\xe2\x82\xac\xf0\x9f\x98\x80", 1);
	match("\\.\\*\\+\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$\\\\\\-\\/", ".*+?()|[]{}^$\\-/", 1);
	match("\\n\\t\\r\\f\\v\\a", "\n\t\r\f\v\a", 1);
	match("é.", "éé", 1);
	match("^a$", "a", 1);
	match("(a|b)*c", "ababc", 1);
	match("[[.a.]]", "a]", 1);
	match("[[.a.]]", ".]", 1);
}

static void test_regex_refused(void **state)
{
	(void)state;
	refuse("a{1001}", -1, "invalid regex 'a{1001}': invalid repeat count");
	refuse("a{2,1}", -1, "invalid regex 'a{2,1}': invalid repeat count");
	refuse("a**", -1, "invalid regex 'a**': invalid nested repetition operator");
	refuse("a*{2}", -1, "invalid regex 'a*{2}': invalid nested repetition operator");
	refuse("*", -1, "invalid regex '*': missing argument to repetition operator");
	refuse("(+)", -1, "invalid regex '(+)': missing argument to repetition operator");
	refuse("x\\", -1, "invalid regex 'x\\': trailing backslash at end of expression");
	refuse("[x\\", -1, "invalid regex '[x\\': trailing backslash at end of expression");
	refuse("(a", -1, "invalid regex '(a': missing closing )");
	refuse("a)", -1, "invalid regex 'a)': unexpected )");
	refuse("[a", -1, "invalid regex '[a': missing closing ]");
	refuse("[z-a]", -1, "invalid regex '[z-a]': invalid character class range");
	refuse("[a-\\d]", -1, "invalid regex '[a-\\d]': invalid character class range");
	refuse("[[:foo:]]", -1, "invalid regex '[[:foo:]]': invalid character class range");
	refuse("\\q", -1, "invalid regex '\\q': invalid escape sequence '\\q'");
	refuse("[\\q]", -1, "invalid regex '[\\q]': invalid escape sequence '\\q'");
	refuse("\\xZZ", -1, "invalid regex '\\xZZ': invalid escape sequence '\\x'");
	refuse("\\x{110000}", -1, "invalid regex '\\x{110000}': invalid escape sequence '\\x'");
	refuse("\xff", -1, "invalid regex '\xff': invalid UTF-8");
	refuse("a*?", -2, "unsupported regex 'a*?': lazy quantifier '*?'");
	refuse("a{1,2}?", -2, "unsupported regex 'a{1,2}?': lazy quantifier '{n,m}?'");
	refuse("(?P<n>a)", -2, "unsupported regex '(?P<n>a)': flags and named groups '(?'");
	refuse("a(?i)b", -2, "unsupported regex 'a(?i)b': flags and named groups '(?'");
	refuse("\\bx", -2, "unsupported regex '\\bx': escape '\\b'");
	refuse("\\pL", -2, "unsupported regex '\\pL': escape '\\p'");
	refuse("\\1", -2, "unsupported regex '\\1': octal escapes and back-references");
	refuse("[\\D]", -2, "unsupported regex '[\\D]': negated class inside brackets");
	refuse("[[:^alpha:]]", -2, "unsupported regex '[[:^alpha:]]': negated class inside brackets");
	refuse("[é]", -2, "unsupported regex '[é]': non-ASCII character inside brackets");
	refuse("[\\x{e9}]", -2, "unsupported regex '[\\x{e9}]': non-ASCII character inside brackets");
	refuse("\\x00", -2, "unsupported regex '\\x00': NUL character");
	refuse("^*", -2, "unsupported regex '^*': repeated anchor");
}

static void expand(const char *re, const char *s, const char *tpl, const char *want)
{
	struct obs_regex r;
	struct obs_error err;
	char *out = NULL;
	int rc;

	assert_int_equal(obs_regex_compile(&r, re, &err), 0);
	rc = obs_regex_expand(&r, s, tpl, &out);
	if (!want) {
		assert_int_equal(rc, 0);
	} else {
		assert_int_equal(rc, 1);
		assert_string_equal(out, want);
	}
	free(out);
	obs_regex_release(&r);
}

static void test_regex_expand(void **state)
{
	(void)state;
	expand("(.*):(.*)", "host:9100", "$1", "host");
	expand("(.*):(.*)", "host:9100", "${2}-$1", "9100-host");
	expand("(.*):(.*)", "host:9100", "$0|$3|$$|$", "host:9100||$|$");
	expand("(.*):(.*)", "host:9100", "$1x", "");
	expand("(.*):(.*)", "host:9100", "${1}x$01$name${x", "hostx${x");
	expand("(?:a)(b)", "ab", "$1", "b");
	expand("(a)|(b)", "b", "[$1][$2]", "[][b]");
	expand("a", "b", "$1", NULL);
	expand("(.)", "é", "<$1>", "<é>");
}

/* ---- chunks -------------------------------------------------------------------------------------- */

static void test_chunk_roundtrip(void **state)
{
	struct obs_chunk *c = obs_chunk_new();
	struct obs_chunk_iter it;
	int64_t ts[OBS_CHUNK_SAMPLES], t;
	double vs[OBS_CHUNK_SAMPLES], v;
	size_t i;

	(void)state;
	srand(7);
	for (i = 0; i < OBS_CHUNK_SAMPLES; i++) {
		int kind = (int)(i % 6);

		ts[i] = i == 0 ? -5 : ts[i - 1] + (kind == 0 ? 15000 : kind == 1 ? -3 : kind == 2 ? 1LL << 40 :
						   kind == 3 ? 70000 : kind == 4 ? 600000 : rand() % 100);
		vs[i] = kind == 0 ? 1.5 : kind == 1 ? NAN : kind == 2 ? -INFINITY : kind == 3 ? (double)rand() / 3 :
			kind == 4 ? 0.1 * (double)i : 5e-324;
		assert_int_equal(obs_chunk_append(c, ts[i], vs[i]), 0);
	}
	assert_int_equal(obs_chunk_append(c, 0, 0), -1);
	obs_chunk_shrink(c);
	assert_true(obs_chunk_size(c) > sizeof(*c));
	assert_int_equal(c->n, OBS_CHUNK_SAMPLES);
	obs_chunk_iter_init(&it, c);
	for (i = 0; i < OBS_CHUNK_SAMPLES; i++) {
		assert_int_equal(obs_chunk_iter_next(&it, &t, &v), 1);
		assert_int_equal(t, ts[i]);
		assert_memory_equal(&v, &vs[i], sizeof(v));
	}
	assert_int_equal(obs_chunk_iter_next(&it, &t, &v), 0);
	assert_int_equal(c->min_t, -8);
	obs_chunk_free(c);
	obs_chunk_free(NULL);
}

static void test_chunk_compresses(void **state)
{
	struct obs_chunk *c = obs_chunk_new();
	size_t i;

	(void)state;
	for (i = 0; i < OBS_CHUNK_SAMPLES; i++)
		assert_int_equal(obs_chunk_append(c, (int64_t)i * 15000, (double)(i * 3)), 0);
	obs_chunk_shrink(c);
	/* Regular times cost a bit; small counter steps a couple of bytes. */
	assert_true(c->cap < 3 * OBS_CHUNK_SAMPLES);
	obs_chunk_free(c);
}

/* ---- series sets ------------------------------------------------------------------------------------- */

static struct obs_label up_labels[] = { { "__name__", "up" }, { "job", "x" } };

static const char *samples_of(struct obs_series_set *set, const char *name, int64_t mint,
			      int64_t maxt)
{
	static char out[4096];
	struct obs_matcher m;
	struct obs_error err;
	const struct obs_series **sel;
	struct obs_sample_buf buf = { 0 };
	size_t n, i, k = 0;

	assert_int_equal(obs_matcher_init(&m, OBS_MATCH_EQ, "__name__", name, &err), 0);
	assert_int_equal(obs_series_set_select(set, &m, 1, &sel, &n, &err), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t j;

		assert_int_equal(obs_series_samples(sel[i], mint, maxt, &buf), 0);
		for (j = 0; j < buf.n; j++)
			k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%g@%lld", k ? " " : "",
					      buf.v[j].v, (long long)buf.v[j].t);
	}
	obs_sample_buf_release(&buf);
	free(sel);
	obs_matcher_release(&m);
	return out;
}

static void test_set_events(void **state)
{
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	struct obs_label c[] = { { "__name__", "c" } }, g[] = { { "__name__", "g" } };

	(void)state;
	/* ADD events out of order and at the same millisecond; SET resets the total. */
	assert_int_equal(obs_series_set_add(set, c, 1, 2000, 5, OBS_SERIES_ADD, &err), 0);
	assert_int_equal(obs_series_set_add(set, c, 1, 1000, 1, OBS_SERIES_ADD, &err), 0);
	assert_int_equal(obs_series_set_add(set, c, 1, 2000, 1, OBS_SERIES_ADD, &err), 0);
	assert_int_equal(obs_series_set_add(set, c, 1, 3000, 100, OBS_SERIES_SET, &err), 0);
	assert_int_equal(obs_series_set_add(set, c, 1, 4000, 2, OBS_SERIES_ADD, &err), 0);
	/* SET events: the last one at a millisecond wins. */
	assert_int_equal(obs_series_set_add(set, g, 1, 1000, 1, OBS_SERIES_SET, &err), 0);
	assert_int_equal(obs_series_set_add(set, g, 1, 1000, 2, OBS_SERIES_SET, &err), 0);
	assert_int_equal(obs_series_set_add(set, g, 1, 500, 3, OBS_SERIES_SET, &err), 0);
	assert_int_equal(obs_series_set_finish(set, &err), 0);
	assert_int_equal(obs_series_set_finish(set, &err), 0);
	assert_string_equal(samples_of(set, "c", INT64_MIN, INT64_MAX), "1@1000 7@2000 100@3000 102@4000");
	assert_string_equal(samples_of(set, "c", 1500, 3000), "7@2000 100@3000");
	assert_string_equal(samples_of(set, "c", 5000, 6000), "");
	assert_string_equal(samples_of(set, "g", INT64_MIN, INT64_MAX), "3@500 2@1000");
	assert_int_equal(obs_series_set_count(set), 2);
	assert_int_equal(obs_series_set_samples(set), 6);
	assert_true(obs_series_set_memory(set) > 0);
	assert_int_equal(obs_series_set_add(set, c, 1, 5000, 1, OBS_SERIES_ADD, &err), -1);
	assert_string_equal(err.msg, "series set is finished");
	obs_series_set_free(set);
	obs_series_set_free(NULL);
}

static void test_set_many_chunks(void **state)
{
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	struct obs_series *s = obs_series_set_series(set, up_labels, 2, &err);
	struct obs_matcher m;
	const struct obs_series **sel;
	struct obs_sample_buf buf = { 0 };
	int64_t t;
	double v;
	size_t n, i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 1000; i++)
		assert_int_equal(obs_series_append(set, s, (int64_t)i * 10, (double)i, OBS_SERIES_SET, &err), 0);
	assert_int_equal(obs_matcher_init(&m, OBS_MATCH_RE, "job", "x|y", &err), 0);
	assert_int_equal(obs_series_set_select(set, &m, 1, &sel, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_ptr_equal(sel[0], s);
	assert_string_equal(obs_labels_get(obs_series_labels(s), "job"), "x");
	assert_int_equal(obs_series_samples(s, 5995, 6025, &buf), 0);
	assert_int_equal(buf.n, 3);
	assert_int_equal(buf.v[0].t, 6000);
	assert_int_equal(obs_series_last_at(s, 6005, &t, &v), 1);
	assert_int_equal(t, 6000);
	assert_int_equal(obs_series_last_at(s, 1199, &t, &v), 1);   /* end of the first chunk */
	assert_int_equal(t, 1190);
	assert_int_equal(obs_series_last_at(s, 1200, &t, &v), 1);
	assert_true(v == 120);
	assert_int_equal(obs_series_last_at(s, 99999, &t, &v), 1);
	assert_int_equal(t, 9990);
	assert_int_equal(obs_series_last_at(s, -1, &t, &v), 0);
	obs_sample_buf_release(&buf);
	free(sel);
	obs_matcher_release(&m);
	assert_int_equal(obs_series_append(set, s, 1, 1, OBS_SERIES_SET, &err), -1);
	obs_series_set_free(set);
}

static void test_set_errors(void **state)
{
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	struct obs_label bad_name[] = { { "__name__", "a b" } }, bad_label[] = { { "__name__", "a" }, { "1x", "y" } };
	struct obs_label no_name[] = { { "a", "b" } }, many[300];
	size_t i;

	(void)state;
	assert_int_equal(obs_series_set_add(set, bad_name, 1, 0, 1, OBS_SERIES_SET, &err), -1);
	assert_string_equal(err.msg, "invalid metric name 'a b'");
	assert_int_equal(obs_series_set_add(set, bad_label, 2, 0, 1, OBS_SERIES_SET, &err), -1);
	assert_string_equal(err.msg, "invalid label name '1x'");
	assert_int_equal(obs_series_set_add(set, no_name, 1, 0, 1, OBS_SERIES_SET, &err), -1);
	assert_string_equal(err.msg, "series has no metric name");
	for (i = 0; i < 300; i++) {
		many[i].name = "a";
		many[i].value = "b";
	}
	assert_int_equal(obs_series_set_add(set, many, 300, 0, 1, OBS_SERIES_SET, &err), -1);
	assert_string_equal(err.msg, "too many labels (300, at most 256)");
	obs_series_set_free(set);
}

static void test_matchers(void **state)
{
	struct obs_matcher m;
	struct obs_error err;

	(void)state;
	assert_int_equal(obs_matcher_init(&m, OBS_MATCH_NE, "a", "b", &err), 0);
	assert_int_equal(obs_matcher_matches(&m, "b"), 0);
	assert_int_equal(obs_matcher_matches(&m, ""), 1);
	obs_matcher_release(&m);
	assert_int_equal(obs_matcher_init(&m, OBS_MATCH_NRE, "a", "b.*", &err), 0);
	assert_int_equal(obs_matcher_matches(&m, "bc"), 0);
	assert_int_equal(obs_matcher_matches(&m, "cb"), 1);
	obs_matcher_release(&m);
	assert_int_equal(obs_matcher_init(&m, OBS_MATCH_RE, "a", "(", &err), -1);
	assert_int_equal(obs_matcher_init(&m, OBS_MATCH_RE, "a", "a*?", &err), -2);
}

/* ---- metric records ------------------------------------------------------------------------------------- */

static int add_json(struct obs_series_set *set, const char *text, struct obs_error *err)
{
	json_t *r = json_loads(text, JSON_DECODE_ANY, NULL);
	int rc;

	assert_non_null(r);
	rc = obs_series_set_add_record(set, r, err);
	json_decref(r);
	return rc;
}

static void record_fails(const char *text, const char *want)
{
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;

	assert_int_equal(add_json(set, text, &err), -1);
	if (strcmp(err.msg, want) != 0)
		fail_msg("%s: '%s', want '%s'", text, err.msg, want);
	obs_series_set_free(set);
}

static void test_records(void **state)
{
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;

	(void)state;
	/* Counter deltas become running totals; cumulative ones are taken as they are. */
	assert_int_equal(add_json(set, "{\"type\":\"metric\",\"name\":\"c\",\"metric_type\":\"counter\","
				  "\"value\":2,\"time\":\"1970-01-01T00:00:02.0009Z\"}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"c\",\"metric_type\":\"counter\",\"value\":1,"
				  "\"time\":\"1970-01-01T00:00:01Z\"}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"c\",\"metric_type\":\"counter\",\"value\":10,"
				  "\"cumulative\":true,\"time\":3}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"c\",\"metric_type\":\"counter\",\"value\":\"+Inf\","
				  "\"time\":4.5}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"g\",\"metric_type\":\"gauge\",\"value\":\"NaN\","
				  "\"time\":\"1969-12-31T23:59:59.9995Z\",\"labels\":{\"a\":\"b\"}}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"g\",\"value\":\"-Inf\",\"time\":\"1970-01-01T00:00:01Z\","
				  "\"labels\":{\"a\":\"b\"}}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"g\",\"value\":\"Inf\",\"metric_type\":\"untyped\","
				  "\"time\":\"1970-01-01T00:00:02Z\",\"labels\":{\"a\":\"b\"}}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"s\",\"metric_type\":\"summary\",\"value\":0.5,"
				  "\"time\":\"1970-01-01T00:00:01Z\"}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"s\",\"metric_type\":\"summary\",\"value\":1.5,"
				  "\"time\":\"1970-01-01T00:00:02Z\"}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"h\",\"metric_type\":\"histogram\",\"value\":0.07,"
				  "\"time\":\"1970-01-01T00:00:01Z\"}", &err), 0);
	assert_int_equal(add_json(set, "{\"name\":\"h_bucket\",\"metric_type\":\"histogram\",\"value\":5,"
				  "\"cumulative\":true,\"labels\":{\"le\":\"0.5\"},\"time\":\"1970-01-01T00:00:00Z\"}",
				  &err), 0);
	assert_string_equal(samples_of(set, "c", INT64_MIN, INT64_MAX), "1@1000 3@2000 10@3000 inf@4500");
	assert_string_equal(samples_of(set, "g", INT64_MIN, INT64_MAX), "nan@-1 -inf@1000 inf@2000");
	assert_string_equal(samples_of(set, "s_sum", INT64_MIN, INT64_MAX), "0.5@1000 2@2000");
	assert_string_equal(samples_of(set, "s_count", INT64_MIN, INT64_MAX), "1@1000 2@2000");
	assert_string_equal(samples_of(set, "h_count", INT64_MIN, INT64_MAX), "1@1000");
	assert_string_equal(samples_of(set, "h_sum", INT64_MIN, INT64_MAX), "0.07@1000");
	/* 12 default buckets, and the scraped one at le="0.5" merges into that series. */
	assert_string_equal(samples_of(set, "h_bucket", INT64_MIN, INT64_MAX),
			    "1@1000 0@1000 0@1000 0@1000 0@1000 1@1000 1@1000 5@0 6@1000 1@1000 1@1000 1@1000 1@1000");
	assert_int_equal(obs_series_set_count(set), 18);
	obs_series_set_free(set);
}

static void test_record_errors(void **state)
{
	(void)state;
	record_fails("[1]", "metric record is not an object");
	record_fails("{\"type\":\"span\"}", "not a metric record");
	record_fails("{\"type\":1}", "not a metric record");
	record_fails("{\"value\":1}", "metric record has no 'name'");
	record_fails("{\"name\":\"x\"}", "metric record has no 'value'");
	record_fails("{\"name\":\"x\",\"value\":\"1\"}", "metric record has a bad 'value'");
	record_fails("{\"name\":\"x\",\"value\":1}", "metric record has no 'time'");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":\"yesterday\"}",
		     "metric record has a bad 'time': invalid time 'yesterday': expected RFC 3339 or a Unix timestamp");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":0,\"labels\":[]}",
		     "'labels' of metric record is not an object");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":0,\"labels\":{\"a\":1}}",
		     "label 'a' of metric record is not a string");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":0,\"labels\":{\"__name__\":\"y\"}}",
		     "metric record has a '__name__' label");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":0,\"labels\":{\"a-b\":\"y\"}}",
		     "invalid label name 'a-b'");
	record_fails("{\"name\":\"x y\",\"value\":1,\"time\":0}", "invalid metric name 'x y'");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":0,\"metric_type\":\"weird\"}",
		     "metric record has an unknown 'metric_type' 'weird'");
	record_fails("{\"name\":\"x\",\"value\":1,\"time\":0,\"metric_type\":\"histogram\",\"labels\":{\"le\":\"1\"}}",
		     "histogram observation has an 'le' label");
}

static void test_record_limits(void **state)
{
	json_t *r = json_pack("{s:s, s:i, s:i, s:{}}", "name", "x", "value", 1, "time", 0, "labels");
	char name[600];
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	int i;

	(void)state;
	for (i = 0; i < 251; i++) {
		char k[16];

		snprintf(k, sizeof(k), "l%d", i);
		json_object_set_new(json_object_get(r, "labels"), k, json_string("v"));
	}
	assert_int_equal(obs_series_set_add_record(set, r, &err), -1);
	assert_string_equal(err.msg, "metric record has too many labels");
	json_object_set_new(r, "labels", json_object());
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	json_object_set_new(r, "name", json_string(name));
	assert_int_equal(obs_series_set_add_record(set, r, &err), -1);
	assert_true(strstr(err.msg, "is too long") != NULL);
	json_decref(r);
	obs_series_set_free(set);
}

/* ---- files ------------------------------------------------------------------------------------------------ */

static char tmpdir[64];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/obs-series-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_file(void **state)
{
	char path[128], gz[128];
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	unsigned long skipped = 99;
	gzFile g;
	const char *text =
		"{\"type\":\"metric\",\"name\":\"c\",\"metric_type\":\"counter\",\"value\":1,\"time\":1}\n"
		"{\"type\":\"span\",\"name\":\"x\"}\n"
		"not json\n"
		"\n"
		"{\"type\":\"metric\",\"name\":\"c\",\"metric_type\":\"counter\",\"value\":2,\"time\":2}\n";

	(void)state;
	snprintf(path, sizeof(path), "%s/m.ndjson", tmpdir);
	write_file(path, text);
	assert_int_equal(obs_series_set_load_file(set, path, 0, &skipped, &err), 0);
	assert_int_equal(skipped, 2);
	snprintf(gz, sizeof(gz), "%s/m.ndjson.gz", tmpdir);
	g = gzopen(gz, "wb");
	assert_non_null(g);
	gzputs(g, "{\"name\":\"c\",\"metric_type\":\"counter\",\"value\":4,\"time\":3}\n");
	gzclose(g);
	assert_int_equal(obs_series_set_load_file(set, gz, 1, NULL, &err), 0);
	assert_string_equal(samples_of(set, "c", INT64_MIN, INT64_MAX), "1@1000 3@2000 7@3000");
	/* Finished sets take no more records. */
	assert_int_equal(obs_series_set_load_file(set, gz, 0, NULL, &err), -1);
	assert_true(strstr(err.msg, "line 1: series set is finished") != NULL);
	obs_series_set_free(set);

	set = obs_series_set_new();
	assert_int_equal(obs_series_set_load_file(set, path, 1, NULL, &err), -1);
	assert_true(strstr(err.msg, "line 2: not a metric record") != NULL);
	assert_int_equal(obs_series_set_load_file(set, "/nonexistent/x", 0, NULL, &err), -1);
	assert_true(strstr(err.msg, "/nonexistent/x") != NULL);
	obs_series_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_labels_many),
		cmocka_unit_test(test_regex_match),
		cmocka_unit_test(test_regex_refused),
		cmocka_unit_test(test_regex_expand),
		cmocka_unit_test(test_chunk_roundtrip),
		cmocka_unit_test(test_chunk_compresses),
		cmocka_unit_test(test_set_events),
		cmocka_unit_test(test_set_many_chunks),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_matchers),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_record_limits),
		cmocka_unit_test_setup_teardown(test_load_file, make_tmp, remove_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
