/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_promtext: the 0.0.4/OpenMetrics parser, the exposition writer, the textfile helper. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "obs_promtext.h"
#include "obs_time.h"

#define AUTO OBS_PROMTEXT_AUTO
#define TEXT OBS_PROMTEXT_TEXT
#define OM OBS_PROMTEXT_OPENMETRICS
#define T0 1700000000000000000LL   /* 2023-11-14T22:13:20Z: the "scrape time" */

/* ---- rendering samples as lines, for exact comparisons --------------------- */

static const char *const role_names[] = { "plain", "bucket", "sum", "count", "quantile", "created" };

struct render {
	char *buf;
	size_t len, cap;
	char last_family[256];
	const char *last_help, *last_unit;
};

static void r_add(struct render *r, const char *s, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->buf = realloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void r_adds(struct render *r, const char *s)
{
	r_add(r, s, strlen(s));
}

static void r_printf(struct render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void r_printf(struct render *r, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	r_adds(r, tmp);
}

static void r_escaped(struct render *r, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			r_adds(r, "\\\\");
		else if (*s == '"')
			r_adds(r, "\\\"");
		else if (*s == '\n')
			r_adds(r, "\\n");
		else
			r_add(r, s, 1);
	}
}

static void r_labels(struct render *r, const struct obs_promtext_label *l, size_t n)
{
	size_t i;

	r_adds(r, "{");
	for (i = 0; i < n; i++) {
		r_printf(r, "%s%s=\"", i ? "," : "", l[i].name);
		r_escaped(r, l[i].value);
		r_adds(r, "\"");
	}
	r_adds(r, "}");
}

static int render_sample(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	struct render *r = ctx;
	char v[OBS_PROMTEXT_VALUE_BUFSZ];

	(void)err;
	if (strcmp(r->last_family, s->family) != 0) {
		snprintf(r->last_family, sizeof(r->last_family), "%s", s->family);
		if (s->help) {
			r_printf(r, "help %s \"", s->family);
			r_escaped(r, s->help);
			r_adds(r, "\"\n");
		}
		if (s->unit)
			r_printf(r, "unit %s %s\n", s->family, s->unit);
	}
	obs_promtext_format_value(s->value, v, sizeof(v));
	r_printf(r, "L%lu %s %s(%s) %s %s ", s->lineno, s->family, s->type_name,
		 obs_metric_type_name(s->type), s->name, role_names[s->role]);
	r_labels(r, s->labels, s->nlabels);
	r_printf(r, " %s", v);
	if (s->has_time)
		r_printf(r, " @%lld", (long long)s->time_ns);
	if (s->exemplar) {
		r_adds(r, " # ");
		r_labels(r, s->exemplar->labels, s->exemplar->nlabels);
		obs_promtext_format_value(s->exemplar->value, v, sizeof(v));
		r_printf(r, " %s", v);
		if (s->exemplar->has_time)
			r_printf(r, " @%lld", (long long)s->exemplar->time_ns);
	}
	r_adds(r, "\n");
	return 0;
}

struct parse_result {
	int rc;
	char *text;                 /* rendered samples */
	struct obs_error err;
	int openmetrics, eof, torn;
	unsigned long samples, lines, skipped;
	char warnings[4096];
};

static void collect_warning(void *ctx, const char *msg)
{
	struct parse_result *res = ctx;
	size_t n = strlen(res->warnings);

	snprintf(res->warnings + n, sizeof(res->warnings) - n, "%s\n", msg);
}

/* Parse TEXT fed in pieces of CHUNK bytes (0: all at once). */
static void parse_with(const char *text, size_t len, enum obs_promtext_format fmt, size_t chunk,
		       int warn, struct parse_result *res)
{
	struct obs_promtext_parser p;
	struct render r;
	size_t off = 0, n;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r_adds(&r, "");
	assert_int_equal(obs_promtext_parser_init(&p, "t", render_sample, &r, &res->err), 0);
	p.format = fmt;
	if (warn) {
		p.warn = collect_warning;
		p.warn_ctx = res;
	}
	res->rc = 0;
	while (off < len) {
		n = chunk && len - off > chunk ? chunk : len - off;
		if (obs_promtext_feed(&p, text + off, n, &res->err)) {
			res->rc = -1;
			break;
		}
		off += n;
	}
	if (res->rc == 0 && obs_promtext_finish(&p, &res->err))
		res->rc = -1;
	res->text = r.buf;
	res->openmetrics = p.openmetrics;
	res->eof = p.eof;
	res->torn = p.torn;
	res->samples = p.samples;
	res->lines = p.lineno;
	res->skipped = p.skipped;
	obs_promtext_parser_release(&p);
}

static void check_parse(enum obs_promtext_format fmt, const char *input, const char *expected)
{
	struct parse_result res;

	parse_with(input, strlen(input), fmt, 0, 0, &res);
	if (res.rc)
		fail_msg("unexpected error: %s", res.err.msg);
	assert_string_equal(res.text, expected);
	free(res.text);
}

static void check_error(enum obs_promtext_format fmt, const char *input, const char *expected)
{
	struct parse_result res;

	parse_with(input, strlen(input), fmt, 0, 0, &res);
	if (res.rc == 0)
		fail_msg("no error for: %s", input);
	assert_string_equal(res.err.msg, expected);
	free(res.text);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open '%s': %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Fixtures live next to this file's directory: tests/fixtures/prom. */
static char *fixture_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("OBS_FIXTURES");

	if (dir)
		snprintf(path, sizeof(path), "%s/prom/%s", dir, name);
	else
		snprintf(path, sizeof(path), "tests/fixtures/prom/%s", name);
	return path;
}

/* ---- values ------------------------------------------------------------------- */

static void test_parse_value(void **state)
{
	static const struct {
		const char *s;
		double v;
	} ok[] = {
		{ "0", 0 }, { "1", 1 }, { "-1.5", -1.5 }, { ".5", 0.5 }, { "5.", 5 },
		{ "1e3", 1000 }, { "1E-3", 0.001 }, { "+7", 7 }, { "-0.25e+2", -25 },
		{ "007", 7 }, { "1.7560473e+07", 17560473 }, { "Inf", INFINITY },
		{ "+Inf", INFINITY }, { "-Inf", -INFINITY }, { "inf", INFINITY },
		{ "INF", INFINITY }, { "infinity", INFINITY }, { "-Infinity", -INFINITY },
		{ "1e-400", 0 }, { "4.9e-324", 4.9e-324 },
		{ "1.7976931348623157e308", 1.7976931348623157e308 },
		{ "123456789012345678901234567890", 123456789012345678901234567890.0 },
	};
	static const char *const bad[] = {
		"", "+", "-", ".", "e3", "1e", "1e+", "1.2.3", "1,5", "0x10", "0x1p3", "1_000",
		"1p3", "+NaN", "-nan", "nanx", "in", "infin", "infinityx", "1e400", "-1e400",
		"1 ", " 1", "abc", "1d", "--1", "+-1", "\xe2\x88\x9e",
	};
	char longnum[300];
	size_t i;
	double v;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 42;
		if (obs_promtext_parse_value(ok[i].s, strlen(ok[i].s), &v))
			fail_msg("'%s' refused", ok[i].s);
		assert_true(v == ok[i].v);
	}
	assert_int_equal(obs_promtext_parse_value("NaN", 3, &v), 0);
	assert_true(isnan(v));
	assert_int_equal(obs_promtext_parse_value("nan", 3, &v), 0);
	assert_true(isnan(v));
	assert_int_equal(obs_promtext_parse_value("nAn", 3, NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (obs_promtext_parse_value(bad[i], strlen(bad[i]), &v) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(v == 42);
	}
	/* Not NUL-terminated: only LEN bytes count. */
	assert_int_equal(obs_promtext_parse_value("12345", 2, &v), 0);
	assert_true(v == 12);
	/* Longer than the local buffer. */
	memset(longnum, '0', sizeof(longnum) - 1);
	longnum[0] = '1';
	longnum[1] = '.';
	longnum[sizeof(longnum) - 2] = '5';
	longnum[sizeof(longnum) - 1] = '\0';
	assert_int_equal(obs_promtext_parse_value(longnum, strlen(longnum), &v), 0);
	assert_true(v == 1.0);
}

static void test_format_value(void **state)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 0, "0" }, { -0.0, "-0" }, { 1, "1" }, { -1, "-1" }, { 0.1, "0.1" },
		{ 12.47, "12.47" }, { 123456, "123456" }, { 1e6, "1e+06" },
		{ 1234567, "1.234567e+06" }, { 0.0001, "0.0001" }, { 0.00001, "1e-05" },
		{ 1.5e-5, "1.5e-05" }, { 2.5, "2.5" }, { 1e21, "1e+21" }, { 1e100, "1e+100" },
		{ 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 0.005, "0.005" }, { 0.025, "0.025" }, { 1.458255915e9, "1.458255915e+09" },
		{ 103.85047829800003, "103.85047829800003" }, { 1.0 / 3, "0.3333333333333333" },
		{ 2.0 / 3, "0.6666666666666666" }, { 100, "100" }, { 999999, "999999" },
		{ -0.000123, "-0.000123" }, { 9007199254740993.0, "9.007199254740992e+15" },
		/* powers of two, where the closest 16-digit decimal does not read back */
		{ 8.98846567431158e307, "8.98846567431158e+307" },
		{ 9007199254740992.0 * 1024, "9.223372036854776e+18" },
		{ 7.1202363472230444e-307, "7.120236347223045e-307" },   /* 2^-1017 */
		{ 7.2911220195563975e-304, "7.291122019556398e-304" },   /* 2^-1007 */
		{ INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" },
	};
	char buf[OBS_PROMTEXT_VALUE_BUFSZ];
	char small[4];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = obs_promtext_format_value(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
		assert_int_equal(n, strlen(cases[i].s));
	}
	/* snprintf-style truncation. */
	n = obs_promtext_format_value(1234567, small, sizeof(small));
	assert_int_equal(n, 12);
	assert_string_equal(small, "1.2");
	n = obs_promtext_format_value(-INFINITY, small, sizeof(small));
	assert_int_equal(n, 4);
	assert_string_equal(small, "-In");
	/* Round trips through the parser. */
	for (i = 0; i < 2000; i++) {
		double v = ldexp((double)(i * 2654435761u % 1000003), (int)(i % 200) - 100), back;

		n = obs_promtext_format_value(v, buf, sizeof(buf));
		assert_int_equal(obs_promtext_parse_value(buf, n, &back), 0);
		assert_true(back == v);
	}
}

/* ---- the parser: accepted input ------------------------------------------------ */

static void test_parse_doc_example(void **state)
{
	(void)state;
	check_parse(AUTO,
		    "# HELP http_requests_total The total number of HTTP requests.\n"
		    "# TYPE http_requests_total counter\n"
		    "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
		    "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
		    "\n"
		    "# Escaping in label values:\n"
		    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
		    "\n"
		    "# Minimalistic line:\n"
		    "metric_without_timestamp_and_labels 12.47\n"
		    "\n"
		    "# A weird metric from before the epoch:\n"
		    "something_weird{problem=\"division by zero\"} +Inf -3982045\n",
		    "help http_requests_total \"The total number of HTTP requests.\"\n"
		    "L3 http_requests_total counter(counter) http_requests_total plain {method=\"post\",code=\"200\"} 1027 @1395066363000000000\n"
		    "L4 http_requests_total counter(counter) http_requests_total plain {method=\"post\",code=\"400\"} 3 @1395066363000000000\n"
		    "L7 msdos_file_access_time_seconds untyped(untyped) msdos_file_access_time_seconds plain {path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e+09\n"
		    "L10 metric_without_timestamp_and_labels untyped(untyped) metric_without_timestamp_and_labels plain {} 12.47\n"
		    "L13 something_weird untyped(untyped) something_weird plain {problem=\"division by zero\"} +Inf @-3982045000000\n");
}

static void test_parse_whitespace(void **state)
{
	(void)state;
	/* Leading/trailing blanks, tabs between tokens, blanks inside label sets. */
	check_parse(TEXT,
		    "  \t a 1 \t\n"
		    "b\t2\t3\n"
		    "c { x = \"1\" , y=\"2\" , } 4\n"
		    "d{x=\"1\"}5\n"
		    "e{} 6\n"
		    "f { } 7\n"
		    "g{x=\" spaced \t \"} 8\n"
		    "   \n"
		    "\t\n",
		    "L1 a untyped(untyped) a plain {} 1\n"
		    "L2 b untyped(untyped) b plain {} 2 @3000000\n"
		    "L3 c untyped(untyped) c plain {x=\"1\",y=\"2\"} 4\n"
		    "L4 d untyped(untyped) d plain {x=\"1\"} 5\n"
		    "L5 e untyped(untyped) e plain {} 6\n"
		    "L6 f untyped(untyped) f plain {} 7\n"
		    "L7 g untyped(untyped) g plain {x=\" spaced \t \"} 8\n");
}

static void test_parse_labels(void **state)
{
	(void)state;
	check_parse(AUTO,
		    "m{a=\"\",b=\"x,y=}\",c=\"\\\\\\\"\\n\",} 1\n"
		    "m{_a=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",__reserved=\"ok\",A9=\"#\"} 2\n"
		    "name:with:colons{le=\"not a number here\"} 3\n",
		    "L1 m untyped(untyped) m plain {a=\"\",b=\"x,y=}\",c=\"\\\\\\\"\\n\"} 1\n"
		    "L2 m untyped(untyped) m plain {_a=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",__reserved=\"ok\",A9=\"#\"} 2\n"
		    "L3 name:with:colons untyped(untyped) name:with:colons plain {le=\"not a number here\"} 3\n");
}

static void test_parse_many_labels(void **state)
{
	char line[4096], expect[4096];
	size_t o = 0, e = 0;
	int i;

	(void)state;
	/* Past 16 labels the duplicate check sorts: both paths give the same answers. */
	o += (size_t)snprintf(line + o, sizeof(line) - o, "m{");
	e += (size_t)snprintf(expect + e, sizeof(expect) - e, "L1 m untyped(untyped) m plain {");
	for (i = 0; i < 40; i++) {
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%sl%02d=\"%d\"", i ? "," : "", 39 - i, i);
		e += (size_t)snprintf(expect + e, sizeof(expect) - e, "%sl%02d=\"%d\"", i ? "," : "",
				      39 - i, i);
	}
	snprintf(line + o, sizeof(line) - o, "} 1\n");
	snprintf(expect + e, sizeof(expect) - e, "} 1\n");
	check_parse(TEXT, line, expect);
	snprintf(line + o, sizeof(line) - o, ",l05=\"again\"} 1\n");
	check_error(TEXT, line, "t:1: duplicate label 'l05'");
}

static void test_parse_help_type(void **state)
{
	(void)state;
	check_parse(TEXT,
		    "# TYPE a gauge\n"
		    "# HELP a first \\\\ line\\nsecond line\n"
		    "a 1\n"
		    "#HELP b  no blank after '#' \n"
		    "#\tTYPE\tb\tcounter\n"
		    "b 2\n"
		    "# HELP c\n"
		    "c 3\n"
		    "# just a comment\n"
		    "#\n"
		    "# HELPER x y\n"
		    "# type d gauge\n"
		    "# EOF\n"
		    "# UNIT d seconds\n"
		    "d 4\n"
		    "# TYPE e untyped\n"
		    "e 5\n"
		    "# HELP f \xe2\x9c\x93 \"quotes\" are fine\n"
		    "f 6\n",
		    "help a \"first \\\\ line\\nsecond line\"\n"
		    "L3 a gauge(gauge) a plain {} 1\n"
		    "help b \"no blank after '#'\"\n"
		    "L6 b counter(counter) b plain {} 2\n"
		    "L8 c untyped(untyped) c plain {} 3\n"
		    "L15 d untyped(untyped) d plain {} 4\n"
		    "L17 e untyped(untyped) e plain {} 5\n"
		    "help f \"\xe2\x9c\x93 \\\"quotes\\\" are fine\"\n"
		    "L19 f untyped(untyped) f plain {} 6\n");
}

static void test_parse_histogram_summary(void **state)
{
	(void)state;
	check_parse(TEXT,
		    "# TYPE h histogram\n"
		    "h_bucket{le=\"0.1\",x=\"1\"} 1\n"
		    "h_bucket{x=\"1\",le=\"+Inf\"} 2\n"
		    "h_sum{x=\"1\"} 0.5\n"
		    "h_count{x=\"1\"} 2\n"
		    "h_created 5\n"
		    "h_total 6\n"
		    "# TYPE s summary\n"
		    "s{quantile=\"0.5\"} NaN\n"
		    "s{quantile=\"1e-3\"} 0\n"
		    "s_sum 1\n"
		    "s_count 0\n"
		    "s_bucket 3\n"
		    "# TYPE c counter\n"
		    "c 1\n"
		    "c_total 2\n",
		    "L2 h histogram(histogram) h_bucket bucket {le=\"0.1\",x=\"1\"} 1\n"
		    "L3 h histogram(histogram) h_bucket bucket {x=\"1\",le=\"+Inf\"} 2\n"
		    "L4 h histogram(histogram) h_sum sum {x=\"1\"} 0.5\n"
		    "L5 h histogram(histogram) h_count count {x=\"1\"} 2\n"
		    /* 0.0.4 has no _created nor _total: those are families of their own */
		    "L6 h_created untyped(untyped) h_created plain {} 5\n"
		    "L7 h_total untyped(untyped) h_total plain {} 6\n"
		    "L9 s summary(summary) s quantile {quantile=\"0.5\"} NaN\n"
		    "L10 s summary(summary) s quantile {quantile=\"1e-3\"} 0\n"
		    "L11 s summary(summary) s_sum sum {} 1\n"
		    "L12 s summary(summary) s_count count {} 0\n"
		    "L13 s_bucket untyped(untyped) s_bucket plain {} 3\n"
		    "L15 c counter(counter) c plain {} 1\n"
		    "L16 c_total untyped(untyped) c_total plain {} 2\n");
	/* AUTO knows the OpenMetrics suffixes. */
	check_parse(AUTO,
		    "# TYPE h histogram\n"
		    "h_created 5\n"
		    "# TYPE c counter\n"
		    "c_total 2\n"
		    "c_created 3\n"
		    "# TYPE i info\n"
		    "i_info{v=\"1\"} 1\n",
		    "L2 h histogram(histogram) h_created created {} 5\n"
		    "L4 c counter(counter) c_total plain {} 2\n"
		    "L5 c counter(counter) c_created created {} 3\n"
		    "L7 i info(gauge) i_info plain {v=\"1\"} 1\n");
}

static void test_parse_family_rules(void **state)
{
	(void)state;
	/* A declared name wins over a suffix; families may interleave. */
	check_parse(TEXT,
		    "# TYPE x histogram\n"
		    "# HELP x_sum declared on its own\n"
		    "x_sum 1\n"
		    "x_count 2\n"
		    "y 3\n"
		    "x_bucket{le=\"1\"} 4\n"
		    "y 5\n"
		    "# TYPE z gauge\n"
		    "z_sum 6\n",
		    "help x_sum \"declared on its own\"\n"
		    "L3 x_sum untyped(untyped) x_sum plain {} 1\n"
		    "L4 x histogram(histogram) x_count count {} 2\n"
		    "L5 y untyped(untyped) y plain {} 3\n"
		    "L6 x histogram(histogram) x_bucket bucket {le=\"1\"} 4\n"
		    "L7 y untyped(untyped) y plain {} 5\n"
		    "L9 z_sum untyped(untyped) z_sum plain {} 6\n");
	/*
	 * Samples of X_sum before "TYPE X" are X_sum's own (undeclared) family,
	 * so TYPE X is fine, and after it X_sum belongs to X.
	 */
	check_parse(TEXT,
		    "x_sum 1\n"
		    "# TYPE x summary\n"
		    "x_sum 2\n"
		    "x_count 3\n",
		    "L1 x_sum untyped(untyped) x_sum plain {} 1\n"
		    "L3 x summary(summary) x_sum sum {} 2\n"
		    "L4 x summary(summary) x_count count {} 3\n");
}

static void test_parse_timestamps(void **state)
{
	(void)state;
	check_parse(TEXT,
		    "a 1 0\n"
		    "a 1 -1\n"
		    "a 1 +5\n"
		    "a 1 9223372036854\n"
		    "a 1 -9223372036854\n",
		    "L1 a untyped(untyped) a plain {} 1 @0\n"
		    "L2 a untyped(untyped) a plain {} 1 @-1000000\n"
		    "L3 a untyped(untyped) a plain {} 1 @5000000\n"
		    "L4 a untyped(untyped) a plain {} 1 @9223372036854000000\n"
		    "L5 a untyped(untyped) a plain {} 1 @-9223372036854000000\n");
	check_error(TEXT, "a 1 9223372036855\n", "t:1: invalid timestamp '9223372036855'");
	check_error(TEXT, "a 1 9223372036854775808\n", "t:1: invalid timestamp '9223372036854775808'");
	check_error(TEXT, "a 1 1.5\n", "t:1: invalid timestamp '1.5'");
	check_error(TEXT, "a 1 1e3\n", "t:1: invalid timestamp '1e3'");
	check_error(TEXT, "a 1 x\n", "t:1: invalid timestamp 'x'");
	check_error(TEXT, "a 1 -\n", "t:1: invalid timestamp '-'");
	check_error(AUTO, "a 1 12a\n", "t:1: invalid timestamp '12a'");
	/* OpenMetrics: seconds, exact to the nanosecond. */
	check_parse(OM,
		    "a 1 1520879607.789\n"
		    "a 1 1520879607\n"
		    "a 1 -1.5\n"
		    "a 1 1.123456789999\n"
		    "a 1 .5\n"
		    "a 1 5.\n"
		    "a 1 1.5e3\n"
		    "a 1 15E-1\n"
		    "a 1 0.000000000001\n"
		    "a 1 9223372036.854775807\n"
		    "a 1 -9223372036.854775808\n"
		    "a 1 00000000000000000000000000000000000000000000000001\n"
		    "# EOF\n",
		    "L1 a untyped(untyped) a plain {} 1 @1520879607789000000\n"
		    "L2 a untyped(untyped) a plain {} 1 @1520879607000000000\n"
		    "L3 a untyped(untyped) a plain {} 1 @-1500000000\n"
		    "L4 a untyped(untyped) a plain {} 1 @1123456789\n"
		    "L5 a untyped(untyped) a plain {} 1 @500000000\n"
		    "L6 a untyped(untyped) a plain {} 1 @5000000000\n"
		    "L7 a untyped(untyped) a plain {} 1 @1500000000000\n"
		    "L8 a untyped(untyped) a plain {} 1 @1500000000\n"
		    "L9 a untyped(untyped) a plain {} 1 @0\n"
		    "L10 a untyped(untyped) a plain {} 1 @9223372036854775807\n"
		    "L11 a untyped(untyped) a plain {} 1 @-9223372036854775808\n"
		    "L12 a untyped(untyped) a plain {} 1 @1000000000\n");
	check_error(OM, "a 1 9223372036.854775808\n", "t:1: invalid timestamp '9223372036.854775808'");
	check_error(OM, "a 1 1e999999999\n", "t:1: invalid timestamp '1e999999999'");
	check_error(OM, "a 1 1e\n", "t:1: invalid timestamp '1e'");
	check_error(OM, "a 1 .\n", "t:1: invalid timestamp '.'");
	check_error(OM, "a 1 NaN\n", "t:1: invalid timestamp 'NaN'");
	check_error(OM, "a 1 1.5.5\n", "t:1: invalid timestamp '1.5.5'");
	/* A long tail of fraction digits is cut, tiny exponents give 0. */
	check_parse(OM,
		    "a 1 1.0000000010000000000000000000000000000000000000000000009\n"
		    "a 1 1e-999999\n"
		    "a 1 123456789012345678901234567890123456789012345e-36\n"
		    "# EOF\n",
		    "L1 a untyped(untyped) a plain {} 1 @1000000001\n"
		    "L2 a untyped(untyped) a plain {} 1 @0\n"
		    "L3 a untyped(untyped) a plain {} 1 @123456789012345678\n");
}

static void test_parse_auto_switch(void **state)
{
	struct parse_result res;
	const char *in = "a 1 1000\n"      /* 0.0.4: milliseconds */
			 "b 2 1.5\n"       /* a fraction: OpenMetrics from here on */
			 "c 3 1000\n";     /* now seconds */

	(void)state;
	parse_with(in, strlen(in), AUTO, 0, 0, &res);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.text,
			    "L1 a untyped(untyped) a plain {} 1 @1000000000\n"
			    "L2 b untyped(untyped) b plain {} 2 @1500000000\n"
			    "L3 c untyped(untyped) c plain {} 3 @1000000000000\n");
	assert_int_equal(res.openmetrics, 1);
	assert_int_equal(res.eof, 0);
	free(res.text);

	/* Each OpenMetrics construct switches AUTO over. */
	static const char *const triggers[] = {
		"# UNIT x_seconds seconds\nz 1 1\n",
		"# TYPE x unknown\nz 1 1\n",
		"# TYPE x gaugehistogram\nz 1 1\n",
		"# TYPE x stateset\nz 1 1\n",
		"# TYPE x info\nz 1 1\n",
		"y 1 # {a=\"b\"} 1\nz 1 1\n",
	};
	size_t i;

	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++) {
		parse_with(triggers[i], strlen(triggers[i]), AUTO, 0, 0, &res);
		assert_int_equal(res.rc, 0);
		assert_int_equal(res.openmetrics, 1);
		assert_non_null(strstr(res.text, "z plain {} 1 @1000000000\n"));
		free(res.text);
	}
	/* None of it in 0.0.4: the input stays 0.0.4. */
	parse_with("# EOF\n# UNIT x_s s\nz 1 1\n", 25, TEXT, 0, 0, &res);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.openmetrics, 0);
	assert_int_equal(res.eof, 0);
	assert_string_equal(res.text, "L3 z untyped(untyped) z plain {} 1 @1000000\n");
	free(res.text);
}

static void test_parse_openmetrics(void **state)
{
	struct parse_result res;
	const char *in =
		"# TYPE foo_seconds counter\n"
		"# UNIT foo_seconds seconds\n"
		"# HELP foo_seconds Some text and \\n some \\\" escaping\n"
		"foo_seconds_total 17.0 1520879607.789 # {id=\"x\"} 1 1520879607.7\n"
		"foo_seconds_created 1520430000.123\n"
		"# TYPE e gauge\n"
		"# UNIT e \n"
		"# HELP e \n"
		"e 1\n"
		"# TYPE u unknown\n"
		"u 2\n"
		"# EOF\n";

	(void)state;
	parse_with(in, strlen(in), OM, 0, 0, &res);
	if (res.rc)
		fail_msg("%s", res.err.msg);
	assert_string_equal(res.text,
			    "help foo_seconds \"Some text and \\n some \\\" escaping\"\n"
			    "unit foo_seconds seconds\n"
			    "L4 foo_seconds counter(counter) foo_seconds_total plain {} 17 @1520879607789000000 # {id=\"x\"} 1 @1520879607700000000\n"
			    "L5 foo_seconds counter(counter) foo_seconds_created created {} 1.520430000123e+09\n"
			    "L9 e gauge(gauge) e plain {} 1\n"
			    "L11 u unknown(untyped) u plain {} 2\n");
	assert_int_equal(res.openmetrics, 1);
	assert_int_equal(res.eof, 1);
	assert_int_equal(res.samples, 4);
	free(res.text);

	/* "# EOF" may be followed by blank lines only, and need not end with '\n'. */
	check_parse(OM, "a 1\n# EOF", "L1 a untyped(untyped) a plain {} 1\n");
	check_parse(OM, "a 1\n# EOF\n\n", "L1 a untyped(untyped) a plain {} 1\n");
	check_parse(AUTO, "a 1\n# EOF\n", "L1 a untyped(untyped) a plain {} 1\n");
	check_error(OM, "a 1\n# EOF\nb 2\n", "t:3: text after '# EOF'");
	check_error(AUTO, "a 1\n# EOF\n# comment\n", "t:3: text after '# EOF'");
	check_error(OM, "a 1\n", "t:1: missing '# EOF'");
	check_error(OM, "", "t:1: missing '# EOF'");
	/* "# EOF x" is a comment, not the end. */
	check_error(OM, "# EOF x\n", "t:1: missing '# EOF'");
	check_parse(AUTO, "", "");
	/* Exemplars. */
	check_parse(OM,
		    "a_bucket{le=\"1\"} 1 # {} 0.5\n"
		    "a_bucket{le=\"2\"} 2 123 #  { x = \"y\" , }  -Inf  \n"
		    "a 3 # {a=\"1\",b=\"\\\"\"} 2 -1.5\n"
		    "# EOF\n",
		    "L1 a_bucket untyped(untyped) a_bucket plain {le=\"1\"} 1 # {} 0.5\n"
		    "L2 a_bucket untyped(untyped) a_bucket plain {le=\"2\"} 2 @123000000000 # {x=\"y\"} -Inf\n"
		    "L3 a untyped(untyped) a plain {} 3 # {a=\"1\",b=\"\\\"\"} 2 @-1500000000\n");
	check_error(TEXT, "a 1 # {} 1\n", "t:1: exemplars are not allowed in text format 0.0.4");
	check_error(OM, "a 1 #{} 1\n", "t:1: invalid exemplar: expected ' ' after '#'");
	check_error(OM, "a 1 #\n", "t:1: invalid exemplar: expected ' ' after '#'");
	check_error(OM, "a 1 # x\n", "t:1: invalid exemplar: expected '{', found 'x'");
	check_error(OM, "a 1 # {}\n", "t:1: invalid exemplar: missing value");
	check_error(OM, "a 1 # {} x\n", "t:1: invalid exemplar: invalid value 'x'");
	check_error(OM, "a 1 # {} 1 x\n", "t:1: invalid exemplar: invalid timestamp 'x'");
	check_error(OM, "a 1 # {} 1 2 3\n", "t:1: invalid exemplar: unexpected text '3'");
	check_error(OM, "a 1 # {a=1} 1\n",
		    "t:1: expected '\"' to start the value of label 'a', found '1'");
	check_error(OM, "a 1 # {a=\"1\",a=\"2\"} 1\n", "t:1: duplicate label 'a'");
	/* UNIT rules. */
	check_error(OM, "# UNIT foo seconds\n", "t:1: unit 'seconds' is not a suffix of 'foo'");
	check_error(OM, "# UNIT seconds seconds\n", "t:1: unit 'seconds' is not a suffix of 'seconds'");
	check_error(OM, "# UNIT foxseconds seconds\n",
		    "t:1: unit 'seconds' is not a suffix of 'foxseconds'");
	check_error(OM, "# UNIT foo_seconds sec-onds\n", "t:1: invalid unit 'sec-onds'");
	check_error(OM, "# UNIT foo_seconds seconds x\n",
		    "t:1: unexpected text after the unit in UNIT line");
	check_error(OM, "# UNIT\n", "t:1: UNIT line without a metric name");
	check_error(OM, "# UNIT 1x s\n", "t:1: invalid metric name '1x'");
	check_error(OM, "# UNIT a_s s\n# UNIT a_s s\n", "t:2: second UNIT line for 'a_s'");
	check_error(OM, "a_s 1\n# UNIT a_s s\n", "t:2: UNIT line for 'a_s' after its samples");
	/* Types only OpenMetrics has. */
	check_error(TEXT, "# TYPE a info\n", "t:1: unknown metric type 'info'");
	check_error(TEXT, "# TYPE a gaugehistogram\n", "t:1: unknown metric type 'gaugehistogram'");
	/* HELP's \" is OpenMetrics. */
	check_error(TEXT, "# HELP a \\\"\n", "t:1: invalid escape sequence '\\\"'");
	check_parse(AUTO, "# HELP a q\\\"q\na 1\n", "help a \"q\\\"q\"\nL2 a untyped(untyped) a plain {} 1\n");
	/* gaugehistogram parts, stateset. */
	check_parse(OM,
		    "# TYPE g gaugehistogram\n"
		    "g_bucket{le=\"+Inf\"} 2\n"
		    "g_gsum 1\n"
		    "g_gcount 2\n"
		    "# TYPE s stateset\n"
		    "s{s=\"a\"} 1\n"
		    "# EOF\n",
		    "L2 g gaugehistogram(gauge) g_bucket bucket {le=\"+Inf\"} 2\n"
		    "L3 g gaugehistogram(gauge) g_gsum sum {} 1\n"
		    "L4 g gaugehistogram(gauge) g_gcount count {} 2\n"
		    "L6 s stateset(gauge) s plain {s=\"a\"} 1\n");
	check_error(OM, "# TYPE g gaugehistogram\ng 1\n",
		    "t:2: histogram sample 'g' needs a _bucket, _sum or _count suffix");
}

/* ---- the parser: errors --------------------------------------------------------- */

static void test_parse_errors(void **state)
{
	static const struct {
		enum obs_promtext_format fmt;
		const char *in, *msg;
	} cases[] = {
		{ TEXT, "1foo 1\n", "t:1: invalid metric name '1foo'" },
		{ TEXT, "foo-bar 1\n", "t:1: invalid metric name 'foo-bar'" },
		{ TEXT, "{a=\"b\"} 1\n", "t:1: invalid metric name '{a=\"b\"} 1'" },
		{ TEXT, "\"quoted\" 1\n", "t:1: invalid metric name '\"quoted\"'" },
		{ TEXT, "caf\xc3\xa9 1\n", "t:1: invalid metric name 'caf\xc3\xa9'" },
		{ TEXT, "ok 1\n\nbad.name 2\n", "t:3: invalid metric name 'bad.name'" },
		{ TEXT, "a{1b=\"x\"} 1\n", "t:1: invalid label name '1b'" },
		{ TEXT, "a{a-b=\"x\"} 1\n", "t:1: expected '=' after label name 'a', found '-'" },
		{ TEXT, "a{a} 1\n", "t:1: expected '=' after label name 'a', found '}'" },
		{ TEXT, "a{a", "t:1: expected '=' after label name 'a', found 'end of line'" },
		{ TEXT, "a{a=x} 1\n", "t:1: expected '\"' to start the value of label 'a', found 'x'" },
		{ TEXT, "a{a=} 1\n", "t:1: expected '\"' to start the value of label 'a', found '}'" },
		{ TEXT, "a{,} 1\n", "t:1: expected label name, found ','" },
		{ TEXT, "a{a=\"x\",,} 1\n", "t:1: expected label name, found ','" },
		{ TEXT, "a{ 1\n", "t:1: invalid label name '1'" },
		{ TEXT, "a{ -\n", "t:1: expected label name, found '-'" },
		{ TEXT, "# TYPE\n", "t:1: TYPE line without a metric name" },
		{ TEXT, "a{\n", "t:1: expected label name, found 'end of line'" },
		{ TEXT, "a{a=\"x\" b=\"y\"} 1\n",
		  "t:1: expected ',' or '}' after the value of label 'a', found 'b'" },
		{ TEXT, "a{a=\"x\"\n", "t:1: expected ',' or '}' after the value of label 'a', found 'end of line'" },
		{ TEXT, "a{a=\"x} 1\n", "t:1: unterminated quoted string" },
		{ TEXT, "a{a=\"x\\", "t:1: unterminated quoted string" },
		{ TEXT, "a{a=\"\\q\"} 1\n", "t:1: invalid escape sequence '\\q'" },
		{ TEXT, "a{a=\"\\t\"} 1\n", "t:1: invalid escape sequence '\\t'" },
		{ TEXT, "a{a=\"\xff\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xc0\xaf\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xed\xa0\x80\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xf4\x90\x80\x80\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xe2\x82\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xe0\x80\x80\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xf0\x80\x80\x80\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xe2\x28\xa1\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"\xf0\x9f\x98\"} 1\n", "t:1: invalid UTF-8 in label value of 'a'" },
		{ TEXT, "a{a=\"x\",a=\"y\"} 1\n", "t:1: duplicate label 'a'" },
		{ TEXT, "a{b=\"x\",a=\"\",b=\"y\"} 1\n", "t:1: duplicate label 'b'" },
		{ TEXT, "a\n", "t:1: missing value" },
		{ TEXT, "a{b=\"c\"}\n", "t:1: missing value" },
		{ TEXT, "a{b=\"c\"}   \n", "t:1: missing value" },
		{ TEXT, "a abc\n", "t:1: invalid value 'abc'" },
		{ TEXT, "a 1_000\n", "t:1: invalid value '1_000'" },
		{ TEXT, "a 0x1p3\n", "t:1: invalid value '0x1p3'" },
		{ TEXT, "a +NaN\n", "t:1: invalid value '+NaN'" },
		{ TEXT, "a 1e400\n", "t:1: invalid value '1e400'" },
		{ TEXT, "a \"1\"\n", "t:1: invalid value '\"1\"'" },
		{ TEXT, "a 1 2 3\n", "t:1: unexpected text after timestamp '3'" },
		{ TEXT, "a 1 2 # x\n", "t:1: exemplars are not allowed in text format 0.0.4" },
		{ TEXT, "# HELP\n", "t:1: HELP line without a metric name" },
		{ TEXT, "# HELP   \n", "t:1: HELP line without a metric name" },
		{ TEXT, "# HELP 9a x\n", "t:1: invalid metric name '9a'" },
		{ TEXT, "# HELP a \\t\n", "t:1: invalid escape sequence '\\t'" },
		{ TEXT, "# HELP a x\\\n", "t:1: invalid escape sequence '\\' at end of line" },
		{ TEXT, "# HELP a \xff\n", "t:1: invalid UTF-8 in HELP text of 'a'" },
		{ TEXT, "# HELP a x\n# HELP a y\n", "t:2: second HELP line for 'a'" },
		{ TEXT, "a 1\n# HELP a x\n", "t:2: HELP line for 'a' after its samples" },
		{ TEXT, "# TYPE a\n", "t:1: TYPE line for 'a' without a type" },
		{ TEXT, "# TYPE\ta\t\n", "t:1: TYPE line for 'a' without a type" },
		{ TEXT, "# TYPE a blah\n", "t:1: unknown metric type 'blah'" },
		{ TEXT, "# TYPE a Gauge\n", "t:1: unknown metric type 'Gauge'" },
		{ TEXT, "# TYPE a gauge x\n", "t:1: unexpected text after the type in TYPE line" },
		{ TEXT, "# TYPE a-b gauge\n", "t:1: invalid metric name 'a-b'" },
		{ TEXT, "# TYPE a gauge\n# TYPE a gauge\n", "t:2: second TYPE line for 'a'" },
		{ TEXT, "# TYPE a gauge\n# TYPE a counter\n", "t:2: second TYPE line for 'a'" },
		{ TEXT, "a 1\n# TYPE a gauge\n", "t:2: TYPE line for 'a' after its samples" },
		{ TEXT, "# TYPE a gauge\na 1\n# TYPE a gauge\n", "t:3: TYPE line for 'a' after its samples" },
		{ TEXT, "# TYPE h histogram\nh_sum 1\n# HELP h x\n", "t:3: HELP line for 'h' after its samples" },
		{ TEXT, "# TYPE h histogram\nh 1\n", "t:2: histogram sample 'h' needs a _bucket, _sum or _count suffix" },
		{ TEXT, "# TYPE h histogram\nh_bucket 1\n", "t:2: missing 'le' label" },
		{ TEXT, "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "t:2: invalid 'le' label value 'x'" },
		{ TEXT, "# TYPE h histogram\nh_bucket{le=\"\"} 1\n", "t:2: invalid 'le' label value ''" },
		{ TEXT, "# TYPE s summary\ns 1\n", "t:2: missing 'quantile' label" },
		{ TEXT, "# TYPE s summary\ns{quantile=\"p99\"} 1\n", "t:2: invalid 'quantile' label value 'p99'" },
		{ AUTO, "a 1\n# EOF\nb 1\n", "t:3: text after '# EOF'" },
		{ OM, "a 1\n", "t:1: missing '# EOF'" },
		/* long subjects are cut in messages, control bytes shown as '?' */
		{ TEXT, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa- 1\n",
		  "t:1: invalid metric name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'" },
		{ TEXT, "a\x01 1\n", "t:1: invalid metric name 'a?'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_error(cases[i].fmt, cases[i].in, cases[i].msg);
	{
		/* A NUL byte: valid UTF-8, but not for us. */
		struct parse_result res;

		parse_with("a{b=\"x\0y\"} 1\n", 14, TEXT, 0, 0, &res);
		assert_int_equal(res.rc, -1);
		assert_string_equal(res.err.msg, "t:1: invalid UTF-8 in label value of 'b'");
		free(res.text);
	}
}

static void test_parse_errors_all_modes(void **state)
{
	/* What 0.0.4 refuses, OpenMetrics refuses too (and AUTO). */
	static const char *const bad[] = {
		"1foo 1\n", "a{a=\"x\",a=\"y\"} 1\n", "a{a=\"x} 1\n", "a{a=\"\\q\"} 1\n", "a\n",
		"a x\n", "# TYPE a gauge\n# TYPE a gauge\n", "a 1\n# TYPE a gauge\n",
	};
	enum obs_promtext_format fmts[] = { AUTO, TEXT, OM };
	struct parse_result res;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (j = 0; j < 3; j++) {
			parse_with(bad[i], strlen(bad[i]), fmts[j], 0, 0, &res);
			assert_int_equal(res.rc, -1);
			free(res.text);
		}
	}
}

/* ---- the parser: streaming ------------------------------------------------------ */

static void test_parse_chunks(void **state)
{
	size_t len, chunk;
	char *in = read_file(fixture_path("node.prom"), &len);
	struct parse_result whole, part;

	(void)state;
	parse_with(in, len, AUTO, 0, 0, &whole);
	assert_int_equal(whole.rc, 0);
	for (chunk = 1; chunk < 80; chunk += 7) {
		parse_with(in, len, AUTO, chunk, 0, &part);
		assert_int_equal(part.rc, 0);
		assert_string_equal(part.text, whole.text);
		assert_int_equal(part.lines, whole.lines);
		free(part.text);
	}
	free(whole.text);
	free(in);
}

static void test_parse_torn_crlf(void **state)
{
	struct parse_result res;

	(void)state;
	parse_with("a 1\nb 2", 7, AUTO, 3, 0, &res);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.torn, 1);
	assert_string_equal(res.text, "L1 a untyped(untyped) a plain {} 1\nL2 b untyped(untyped) b plain {} 2\n");
	free(res.text);
	parse_with("a 1\n", 4, AUTO, 0, 0, &res);
	assert_int_equal(res.torn, 0);
	free(res.text);
	check_parse(TEXT, "# HELP a x\r\na 1\r\nb{c=\"d\"} 2 3\r\n\r\n",
		    "help a \"x\"\nL2 a untyped(untyped) a plain {} 1\n"
		    "L3 b untyped(untyped) b plain {c=\"d\"} 2 @3000000\n");
	/* Only a final '\r' goes: one inside a line is an error. */
	check_error(TEXT, "a\r1\n", "t:1: invalid metric name 'a?1'");
}

static void test_parse_long_lines(void **state)
{
	struct obs_promtext_parser p;
	struct obs_error err;
	struct render r;
	struct parse_result res;
	char line[200];

	(void)state;
	memset(&r, 0, sizeof(r));
	r_adds(&r, "");
	memset(line, 'x', sizeof(line));
	line[0] = 'a';
	line[1] = ' ';
	line[2] = '1';
	line[3] = ' ';
	line[4] = '#';   /* a comment-like tail of x's would be an exemplar: use a comment */

	/* Strict: an over-long line is an error, whether it comes whole or in pieces. */
	assert_int_equal(obs_promtext_parser_init(&p, "big", render_sample, &r, &err), 0);
	p.max_line = 100;
	assert_int_equal(obs_promtext_feed(&p, "ok 1\n", 5, &err), 0);
	assert_int_equal(obs_promtext_feed(&p, line, 150, &err), -1);
	assert_string_equal(err.msg, "big:2: line too long (over 100 bytes)");
	obs_promtext_parser_release(&p);

	assert_int_equal(obs_promtext_parser_init(&p, "big", render_sample, &r, &err), 0);
	p.max_line = 100;
	assert_int_equal(obs_promtext_feed(&p, line, 60, &err), 0);
	assert_int_equal(obs_promtext_feed(&p, line, 60, &err), -1);
	assert_string_equal(err.msg, "big:1: line too long (over 100 bytes)");
	obs_promtext_parser_release(&p);

	assert_int_equal(obs_promtext_parser_init(&p, "big", render_sample, &r, &err), 0);
	p.max_line = 100;
	assert_int_equal(obs_promtext_feed(&p, line, 60, &err), 0);
	memcpy(line + 150, "\n", 1);
	assert_int_equal(obs_promtext_feed(&p, line + 60, 91, &err), -1);
	assert_string_equal(err.msg, "big:1: line too long (over 100 bytes)");
	obs_promtext_parser_release(&p);

	assert_int_equal(obs_promtext_parser_init(&p, "big", render_sample, &r, &err), 0);
	p.max_line = 100;
	line[150] = '\n';
	assert_int_equal(obs_promtext_feed(&p, line, 151, &err), -1);
	assert_string_equal(err.msg, "big:1: line too long (over 100 bytes)");
	obs_promtext_parser_release(&p);

	/* Warn mode: the long line is reported and skipped, the next ones parse. */
	{
		char in[512];
		size_t n = 0;

		memcpy(in, "a 1\n", 4);
		n = 4;
		memset(in + n, 'y', 150);
		n += 150;
		in[n++] = '\n';
		memcpy(in + n, "b 2\n", 4);
		n += 4;
		memset(in + n, 'z', 150);
		n += 150;
		memcpy(in + n, "\nc 3\n", 5);
		n += 5;
		memset(in + n, 'w', 150);   /* over-long and never ends */
		n += 150;

		for (size_t chunk = 0; chunk < 40; chunk += 13) {
			memset(&res, 0, sizeof(res));
			struct obs_promtext_parser q;

			assert_int_equal(obs_promtext_parser_init(&q, "w", render_sample, &r, &err), 0);
			q.max_line = 100;
			q.warn = collect_warning;
			q.warn_ctx = &res;
			r.len = 0;
			r.buf[0] = '\0';
			for (size_t off = 0; off < n;) {
				size_t k = chunk && n - off > chunk ? chunk : n - off;

				assert_int_equal(obs_promtext_feed(&q, in + off, k, &err), 0);
				off += k;
			}
			assert_int_equal(obs_promtext_finish(&q, &err), 0);
			assert_string_equal(r.buf, "L1 a untyped(untyped) a plain {} 1\n"
					    "L3 b untyped(untyped) b plain {} 2\n"
					    "L5 c untyped(untyped) c plain {} 3\n");
			assert_string_equal(res.warnings, "w:2: line too long (over 100 bytes)\n"
					    "w:4: line too long (over 100 bytes)\n"
					    "w:6: line too long (over 100 bytes)\n");
			assert_int_equal(q.skipped, 3);
			assert_int_equal(q.torn, 0);
			obs_promtext_parser_release(&q);
		}
	}
	free(r.buf);
}

static void test_parse_long_partial(void **state)
{
	size_t n = 10000, i;
	char *in = malloc(n + 2);
	struct parse_result res;

	(void)state;
	/* A line much longer than the first buffer, arriving in two pieces. */
	memcpy(in, "a{v=\"", 5);
	for (i = 5; i < n - 5; i++)
		in[i] = (char)('a' + i % 26);
	memcpy(in + n - 5, "\"} 7\n", 5);
	parse_with(in, n, TEXT, n - 3, 0, &res);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.samples, 1);
	assert_int_equal(strlen(res.text), strlen("L1 a untyped(untyped) a plain {v=\"\"} 7\n") + n - 10);
	assert_memory_equal(res.text + 34, in + 5, n - 10);
	free(res.text);
	free(in);
}

static void test_parse_warn_mode(void **state)
{
	const char *in = "# TYPE a gauge\n"
			 "a 1\n"
			 "bad-name 2\n"
			 "# TYPE a counter\n"
			 "b{x=\"\\q\"} 3\n"
			 "c 4\n";
	struct parse_result res;

	(void)state;
	parse_with(in, strlen(in), TEXT, 0, 1, &res);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.text, "L2 a gauge(gauge) a plain {} 1\nL6 c untyped(untyped) c plain {} 4\n");
	assert_string_equal(res.warnings, "t:3: invalid metric name 'bad-name'\n"
			    "t:4: TYPE line for 'a' after its samples\n"
			    "t:5: invalid escape sequence '\\q'\n");
	assert_int_equal(res.skipped, 3);
	assert_int_equal(res.samples, 2);
	free(res.text);
	/* A skipped line changes nothing: its TYPE does not count. */
	parse_with("# TYPE a gauge extra\n# TYPE a counter\na 1\n", 41, TEXT, 0, 1, &res);
	assert_string_equal(res.text, "L3 a counter(counter) a plain {} 1\n");
	free(res.text);
	/* A missing "# EOF" stays an error. */
	parse_with("a 1\n", 4, OM, 0, 1, &res);
	assert_int_equal(res.rc, -1);
	assert_string_equal(res.err.msg, "t:1: missing '# EOF'");
	free(res.text);
}

static int failing_callback(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	int *n = ctx;

	if (++*n == 2)
		return obs_error_set(err, "stop at '%s'", s->name);
	return 0;
}

static void test_parse_callback_error(void **state)
{
	struct obs_promtext_parser p;
	struct obs_error err;
	int n = 0;

	(void)state;
	assert_int_equal(obs_promtext_parse("x", "a 1\nb 2\nc 3\n", 12, AUTO, failing_callback, &n,
					    &err), -1);
	assert_string_equal(err.msg, "stop at 'b'");
	assert_int_equal(n, 2);
	/* Not turned into a skipped line in warn mode either. */
	n = 0;
	assert_int_equal(obs_promtext_parser_init(&p, "x", failing_callback, &n, &err), 0);
	p.warn = collect_warning;
	assert_int_equal(obs_promtext_feed(&p, "a 1\nb 2\n", 8, &err), -1);
	assert_string_equal(err.msg, "stop at 'b'");
	assert_int_equal(p.skipped, 0);
	obs_promtext_parser_release(&p);
	/* A NULL callback just counts. */
	assert_int_equal(obs_promtext_parser_init(&p, NULL, NULL, NULL, &err), 0);
	assert_string_equal(p.name, "<input>");
	assert_int_equal(obs_promtext_feed(&p, "a 1\nb 2\n", 8, &err), 0);
	assert_int_equal(obs_promtext_finish(&p, &err), 0);
	assert_int_equal(p.samples, 2);
	obs_promtext_parser_release(&p);
	obs_promtext_parser_release(&p);   /* twice is harmless */
}

static void test_parse_feed_line(void **state)
{
	struct obs_promtext_parser p;
	struct obs_error err;
	struct render r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r_adds(&r, "");
	assert_int_equal(obs_promtext_parser_init(&p, "lines", render_sample, &r, &err), 0);
	assert_int_equal(obs_promtext_feed_line(&p, "# TYPE a counter", 16, &err), 0);
	assert_int_equal(obs_promtext_feed_line(&p, "a{x=\"y\"} 5 1000XXXX", 15, &err), 0);
	assert_int_equal(obs_promtext_feed_line(&p, "", 0, &err), 0);
	assert_int_equal(obs_promtext_feed_line(&p, "a{x=\"y\"} z", 10, &err), -1);
	assert_string_equal(err.msg, "lines:4: invalid value 'z'");
	assert_string_equal(r.buf, "L2 a counter(counter) a plain {x=\"y\"} 5 @1000000000\n");
	obs_promtext_parser_release(&p);
	free(r.buf);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_parse_fd(void **state)
{
	struct obs_promtext_parser p;
	struct obs_error err;
	struct render r;
	int fd;
	int pfd[2];

	(void)state;
	memset(&r, 0, sizeof(r));
	r_adds(&r, "");
	fd = open(fixture_path("federate.prom"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(obs_promtext_parser_init(&p, "federate.prom", render_sample, &r, &err), 0);
	assert_int_equal(obs_promtext_parse_fd(&p, fd, &err), 0);
	assert_int_equal(p.samples, 7);
	close(fd);
	obs_promtext_parser_release(&p);

	/* An error names the input and the line. */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], "a 1\nb x\n", 8), 8);
	close(pfd[1]);
	assert_int_equal(obs_promtext_parser_init(&p, "<stdin>", render_sample, &r, &err), 0);
	assert_int_equal(obs_promtext_parse_fd(&p, pfd[0], &err), -1);
	assert_string_equal(err.msg, "<stdin>:2: invalid value 'x'");
	close(pfd[0]);
	obs_promtext_parser_release(&p);

	/* A signal while waiting for input: the read is tried again. */
	{
		struct sigaction sa, old;
		struct itimerval it;
		pid_t pid;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;   /* no SA_RESTART: read() fails with EINTR */
		assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pfd[0]);
			usleep(300000);
			_exit(write(pfd[1], "a 1\n", 4) == 4 ? 0 : 1);
		}
		close(pfd[1]);
		memset(&it, 0, sizeof(it));
		it.it_value.tv_usec = 50000;
		assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
		alarms = 0;
		assert_int_equal(obs_promtext_parser_init(&p, "slow", render_sample, &r, &err), 0);
		assert_int_equal(obs_promtext_parse_fd(&p, pfd[0], &err), 0);
		assert_int_equal(p.samples, 1);
		assert_int_equal(alarms, 1);
		obs_promtext_parser_release(&p);
		close(pfd[0]);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		sigaction(SIGALRM, &old, NULL);
	}

	/* A read error. */
	assert_int_equal(obs_promtext_parser_init(&p, "dir", render_sample, &r, &err), 0);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	assert_int_equal(obs_promtext_parse_fd(&p, fd, &err), -1);
	assert_string_equal(err.msg, "cannot read 'dir': Is a directory");
	close(fd);
	obs_promtext_parser_release(&p);
	free(r.buf);
}

static void test_content_type(void **state)
{
	(void)state;
	assert_int_equal(obs_promtext_format_from_content_type(
		"application/openmetrics-text; version=1.0.0; charset=utf-8"), OM);
	assert_int_equal(obs_promtext_format_from_content_type("Application/OpenMetrics-Text"), OM);
	assert_int_equal(obs_promtext_format_from_content_type("text/plain; version=0.0.4; charset=utf-8"), TEXT);
	assert_int_equal(obs_promtext_format_from_content_type(" text/plain"), TEXT);
	assert_int_equal(obs_promtext_format_from_content_type("text/plainx"), AUTO);
	assert_int_equal(obs_promtext_format_from_content_type("text/html"), AUTO);
	assert_int_equal(obs_promtext_format_from_content_type(""), AUTO);
	assert_int_equal(obs_promtext_format_from_content_type(NULL), AUTO);
}

/* Real expositions, checked line by line against files reviewed by hand. */
static void test_parse_fixtures(void **state)
{
	static const char *const names[] = { "node", "textfile", "federate", "openmetrics" };
	char path[64], *in, *expected, trailer[256];
	struct parse_result res;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s.prom", names[i]);
		in = read_file(fixture_path(path), &len);
		snprintf(path, sizeof(path), "%s.samples", names[i]);
		expected = read_file(fixture_path(path), NULL);
		parse_with(in, len, AUTO, 4096, 0, &res);
		if (res.rc)
			fail_msg("%s: %s", names[i], res.err.msg);
		snprintf(trailer, sizeof(trailer),
			 "end openmetrics=%d eof=%d torn=%d samples=%lu lines=%lu\n",
			 res.openmetrics, res.eof, res.torn, res.samples, res.lines);
		{
			size_t n = strlen(res.text);

			res.text = realloc(res.text, n + strlen(trailer) + 1);
			strcpy(res.text + n, trailer);
		}
		assert_string_equal(res.text, expected);
		free(res.text);
		free(expected);
		free(in);
	}
	/* The OpenMetrics fixture reads the same when announced as such. */
	in = read_file(fixture_path("openmetrics.prom"), &len);
	parse_with(in, len, OM, 0, 0, &res);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.samples, 26);
	free(res.text);
	/* ... but not as 0.0.4 (HELP with \", UNIT lines aside). */
	parse_with(in, len, TEXT, 0, 0, &res);
	assert_int_equal(res.rc, -1);
	assert_string_equal(res.err.msg, "t:18: invalid escape sequence '\\\"'");
	free(res.text);
	free(in);
}

/* ---- samples to records --------------------------------------------------------- */

struct recs {
	json_t *arr;
	json_t *extra;
	unsigned flags;
};

static int collect_record(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	struct recs *rs = ctx;
	json_t *rec = obs_promtext_sample_record(s, rs->extra, T0, rs->flags, err);

	if (!rec)
		return -1;
	json_array_append_new(rs->arr, rec);
	return 0;
}

/* The records of TEXT, one compact JSON object per line. */
static char *records_of(const char *text, enum obs_promtext_format fmt, json_t *extra,
			unsigned flags)
{
	struct recs rs = { json_array(), extra, flags };
	struct obs_error err;
	char *out = NULL, *line;
	size_t len = 0, i;
	json_t *rec;

	if (obs_promtext_parse("r", text, strlen(text), fmt, collect_record, &rs, &err))
		fail_msg("%s", err.msg);
	out = strdup("");
	json_array_foreach(rs.arr, i, rec) {
		line = json_dumps(rec, JSON_COMPACT);
		out = realloc(out, len + strlen(line) + 2);
		strcpy(out + len, line);
		len += strlen(line);
		out[len++] = '\n';
		out[len] = '\0';
		free(line);
	}
	json_decref(rs.arr);
	return out;
}

#define TS "\"time\":\"2023-11-14T22:13:20.000000000Z\""

static void test_sample_record(void **state)
{
	char *out;
	json_t *extra = json_pack("{s:s,s:s}", "job", "node", "instance", "web-01:9100");

	(void)state;
	out = records_of("# HELP c_total Requests.\n"
			 "# TYPE c_total counter\n"
			 "c_total{code=\"200\"} 5\n"
			 "# TYPE g gauge\n"
			 "g NaN 1500\n"
			 "u -Inf\n"
			 "# TYPE h histogram\n"
			 "h_bucket{le=\"+Inf\"} 2\n"
			 "h_sum 0.25\n"
			 "h_count 2\n"
			 "# TYPE s summary\n"
			 "s{quantile=\"0.9\"} 0.5\n"
			 "s_count 3\n", AUTO, NULL, 0);
	assert_string_equal(out,
		"{\"type\":\"metric\",\"name\":\"c_total\",\"metric_type\":\"counter\",\"value\":5,\"labels\":{\"code\":\"200\"}," TS ",\"help\":\"Requests.\",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"g\",\"metric_type\":\"gauge\",\"value\":\"NaN\",\"labels\":{},\"time\":\"1970-01-01T00:00:01.500000000Z\"}\n"
		"{\"type\":\"metric\",\"name\":\"u\",\"metric_type\":\"untyped\",\"value\":\"-Inf\",\"labels\":{}," TS "}\n"
		"{\"type\":\"metric\",\"name\":\"h_bucket\",\"metric_type\":\"histogram\",\"value\":2,\"labels\":{\"le\":\"+Inf\"}," TS ",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"h_sum\",\"metric_type\":\"histogram\",\"value\":0.25,\"labels\":{}," TS ",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"h_count\",\"metric_type\":\"histogram\",\"value\":2,\"labels\":{}," TS ",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"s\",\"metric_type\":\"summary\",\"value\":0.5,\"labels\":{\"quantile\":\"0.9\"}," TS ",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"s_count\",\"metric_type\":\"summary\",\"value\":3,\"labels\":{}," TS ",\"cumulative\":true}\n");
	free(out);

	/* OpenMetrics parts; extra labels win and the exposed ones become exported_*. */
	out = records_of("# TYPE r counter\n"
			 "# UNIT r_seconds seconds\n"
			 "# HELP r Time.\n"
			 "r_total{job=\"app\",exported_job=\"x\"} 1 # {t=\"1\"} 1\n"
			 "r_created 1.5e9\n"
			 "# TYPE gh gaugehistogram\n"
			 "gh_bucket{le=\"1\"} 4\n"
			 "gh_gsum 2\n"
			 "# TYPE i info\n"
			 "i_info{instance=\"other\",v=\"1\"} 1\n"
			 "# TYPE st stateset\n"
			 "st{st=\"on\"} 1\n"
			 "# TYPE sm summary\n"
			 "sm_created 7\n"
			 "# EOF\n", AUTO, extra, 0);
	assert_string_equal(out,
		"{\"type\":\"metric\",\"name\":\"r_total\",\"metric_type\":\"counter\",\"value\":1,\"labels\":{\"job\":\"node\",\"exported_job\":\"x\",\"exported_exported_job\":\"app\",\"instance\":\"web-01:9100\"}," TS ",\"help\":\"Time.\",\"cumulative\":true}\n"
		"{\"type\":\"metric\",\"name\":\"r_created\",\"metric_type\":\"gauge\",\"value\":1500000000,\"labels\":{\"job\":\"node\",\"instance\":\"web-01:9100\"}," TS ",\"help\":\"Time.\"}\n"
		"{\"type\":\"metric\",\"name\":\"gh_bucket\",\"metric_type\":\"gauge\",\"value\":4,\"labels\":{\"le\":\"1\",\"job\":\"node\",\"instance\":\"web-01:9100\"}," TS "}\n"
		"{\"type\":\"metric\",\"name\":\"gh_gsum\",\"metric_type\":\"gauge\",\"value\":2,\"labels\":{\"job\":\"node\",\"instance\":\"web-01:9100\"}," TS "}\n"
		"{\"type\":\"metric\",\"name\":\"i_info\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{\"instance\":\"web-01:9100\",\"v\":\"1\",\"job\":\"node\",\"exported_instance\":\"other\"}," TS "}\n"
		"{\"type\":\"metric\",\"name\":\"st\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{\"st\":\"on\",\"job\":\"node\",\"instance\":\"web-01:9100\"}," TS "}\n"
		"{\"type\":\"metric\",\"name\":\"sm_created\",\"metric_type\":\"gauge\",\"value\":7,\"labels\":{\"job\":\"node\",\"instance\":\"web-01:9100\"}," TS "}\n");
	free(out);

	/* The unit travels with the family's records; NO_HELP leaves help and unit out. */
	out = records_of("# TYPE d_seconds gauge\n# UNIT d_seconds seconds\n# HELP d_seconds D.\n"
			 "d_seconds 1\n# EOF\n", OM, NULL, 0);
	assert_string_equal(out, "{\"type\":\"metric\",\"name\":\"d_seconds\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{}," TS ",\"help\":\"D.\",\"unit\":\"seconds\"}\n");
	free(out);
	out = records_of("# TYPE d_seconds gauge\n# UNIT d_seconds seconds\n# HELP d_seconds D.\n"
			 "d_seconds 1\n# EOF\n", OM, NULL, OBS_PROMTEXT_NO_HELP);
	assert_string_equal(out, "{\"type\":\"metric\",\"name\":\"d_seconds\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{}," TS "}\n");
	free(out);
	json_decref(extra);
}

static void test_sample_record_errors(void **state)
{
	struct obs_promtext_label l = { "a", "b" };
	struct obs_promtext_sample s;
	struct obs_error err;
	json_t *extra;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.family = s.name = "m";
	s.type_name = "gauge";
	s.type = OBS_METRIC_GAUGE;
	s.labels = &l;
	s.nlabels = 1;
	s.value = 1;

	extra = json_array();
	assert_null(obs_promtext_sample_record(&s, extra, 0, 0, &err));
	assert_string_equal(err.msg, "extra labels are not an object");
	json_decref(extra);
	extra = json_pack("{s:i}", "job", 1);
	assert_null(obs_promtext_sample_record(&s, extra, 0, 0, &err));
	assert_string_equal(err.msg, "extra label 'job' is not a string");
	json_decref(extra);
	s.name = "not valid";
	assert_null(obs_promtext_sample_record(&s, NULL, 0, 0, &err));
	assert_string_equal(err.msg, "invalid metric name 'not valid'");
	l.value = "\xff";   /* not from the parser, which refuses it */
	s.name = "m";
	assert_null(obs_promtext_sample_record(&s, NULL, 0, 0, &err));
	assert_string_equal(err.msg, "invalid UTF-8 in label 'a' of 'm'");
}

/* jansson's allocations fail once ALLOC_BUDGET of them were made (-1: never). */
static int alloc_budget = -1;

static void *budget_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

static void test_sample_record_out_of_memory(void **state)
{
	struct obs_promtext_label l[2] = { { "job", "app" }, { "path", "/" } };
	struct obs_promtext_sample s;
	struct obs_error err;
	json_t *extra = json_pack("{s:s,s:s}", "job", "node", "instance", "h:1"), *rec = NULL;
	int n;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.family = s.name = "m";
	s.type_name = "counter";
	s.type = OBS_METRIC_COUNTER;
	s.labels = l;
	s.nlabels = 2;
	s.value = 1;
	s.help = "Help.";
	json_set_alloc_funcs(budget_malloc, free);
	for (n = 0; n < 200 && !rec; n++) {
		alloc_budget = n;
		err.msg[0] = '\0';
		rec = obs_promtext_sample_record(&s, extra, T0, 0, &err);
		if (!rec)
			assert_string_equal(err.msg, "out of memory");
	}
	alloc_budget = -1;
	json_set_alloc_funcs(malloc, free);
	assert_non_null(rec);
	assert_true(n > 10);
	json_decref(rec);
	json_decref(extra);
}

/* ---- the writer ------------------------------------------------------------------ */

/* A record from a compact description: name, type, value, labels JSON, time offset in ms from T0. */
static json_t *mk(const char *name, const char *type, double value, const char *labels,
		  int64_t ms, int cumulative, const char *help)
{
	enum obs_metric_type t;
	json_t *l = labels ? json_loads(labels, 0, NULL) : NULL;
	json_t *rec;

	assert_int_equal(obs_metric_type_parse(type, &t), 0);
	rec = obs_metric_new(name, t, value, l, T0 + ms * 1000000, help, NULL, cumulative);
	assert_non_null(rec);
	json_decref(l);
	return rec;
}

static void add(struct obs_promtext_writer *w, json_t *rec)
{
	struct obs_error err;

	if (obs_promtext_writer_add(w, rec, &err))
		fail_msg("add: %s", err.msg);
	json_decref(rec);
}

static void add_fails(struct obs_promtext_writer *w, json_t *rec, const char *msg)
{
	struct obs_error err;

	assert_int_equal(obs_promtext_writer_add(w, rec, &err), -1);
	assert_string_equal(err.msg, msg);
	json_decref(rec);
}

static void assert_output(struct obs_promtext_writer *w, const char *expected)
{
	struct obs_error err;
	size_t len = 0;
	char *text = obs_promtext_writer_text(w, &len, &err);

	if (!text)
		fail_msg("%s", err.msg);
	assert_string_equal(text, expected);
	assert_int_equal(len, strlen(expected));
	free(text);
}

static void test_writer_counters_gauges(void **state)
{
	struct obs_promtext_writer w;

	(void)state;
	obs_promtext_writer_init(&w);
	/* deltas sum up */
	add(&w, mk("jobs_total", "counter", 1, "{\"job\":\"a\"}", 0, 0, NULL));
	add(&w, mk("jobs_total", "counter", 2, "{\"job\":\"a\"}", 5, 0, "Jobs run."));
	add(&w, mk("jobs_total", "counter", 0.5, "{\"job\":\"b\"}", 1, 0, NULL));
	/* cumulative: the latest value by time, not the last one added */
	add(&w, mk("scraped_total", "counter", 10, NULL, 10, 1, NULL));
	add(&w, mk("scraped_total", "counter", 7, NULL, 5, 1, NULL));
	add(&w, mk("scraped_total", "counter", 12, NULL, 20, 1, NULL));
	/* both: the cumulative value wins */
	add(&w, mk("mixed_total", "counter", 100, NULL, 0, 1, NULL));
	add(&w, mk("mixed_total", "counter", 3, NULL, 1, 0, NULL));
	/* gauges: latest by time; equal times: the later record */
	add(&w, mk("temp", "gauge", 20, "{\"room\":\"b\"}", 30, 0, NULL));
	add(&w, mk("temp", "gauge", 25, "{\"room\":\"b\"}", 10, 0, NULL));
	add(&w, mk("temp", "gauge", 1, "{\"room\":\"a\"}", 10, 0, NULL));
	add(&w, mk("temp", "gauge", 2, "{\"room\":\"a\"}", 10, 0, NULL));
	add(&w, mk("temp", "gauge", NAN, "{\"room\":\"c\"}", 0, 0, NULL));
	add(&w, mk("other", "untyped", -INFINITY, NULL, 0, 0, NULL));
	assert_int_equal(w.nfamilies, 5);
	assert_int_equal(w.nseries, 8);
	assert_output(&w,
		      "# HELP jobs_total Jobs run.\n"
		      "# TYPE jobs_total counter\n"
		      "jobs_total{job=\"a\"} 3\n"
		      "jobs_total{job=\"b\"} 0.5\n"
		      "# TYPE mixed_total counter\n"
		      "mixed_total 100\n"
		      "# TYPE other untyped\n"
		      "other -Inf\n"
		      "# TYPE scraped_total counter\n"
		      "scraped_total 12\n"
		      "# TYPE temp gauge\n"
		      "temp{room=\"a\"} 2\n"
		      "temp{room=\"b\"} 20\n"
		      "temp{room=\"c\"} NaN\n");
	/* With timestamps: each series' latest time, in ms. */
	w.timestamps = 1;
	assert_output(&w,
		      "# HELP jobs_total Jobs run.\n"
		      "# TYPE jobs_total counter\n"
		      "jobs_total{job=\"a\"} 3 1700000000005\n"
		      "jobs_total{job=\"b\"} 0.5 1700000000001\n"
		      "# TYPE mixed_total counter\n"
		      "mixed_total 100 1700000000001\n"
		      "# TYPE other untyped\n"
		      "other -Inf 1700000000000\n"
		      "# TYPE scraped_total counter\n"
		      "scraped_total 12 1700000000020\n"
		      "# TYPE temp gauge\n"
		      "temp{room=\"a\"} 2 1700000000010\n"
		      "temp{room=\"b\"} 20 1700000000030\n"
		      "temp{room=\"c\"} NaN 1700000000000\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_histogram(void **state)
{
	struct obs_promtext_writer w;
	static const double obs[] = { 0.003, 0.005, 0.2, 0.7, 3, 11, 1e9 };
	size_t i;

	(void)state;
	obs_promtext_writer_init(&w);
	for (i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
		add(&w, mk("req_seconds", "histogram", obs[i], "{\"path\":\"/\"}", 0, 0,
			   "Request time."));
	add(&w, mk("req_seconds", "histogram", -1, "{\"path\":\"/a\"}", 0, 0, NULL));
	assert_output(&w,
		      "# HELP req_seconds Request time.\n"
		      "# TYPE req_seconds histogram\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.005\"} 2\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.01\"} 2\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.025\"} 2\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.05\"} 2\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.1\"} 2\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.25\"} 3\n"
		      "req_seconds_bucket{path=\"/\",le=\"0.5\"} 3\n"
		      "req_seconds_bucket{path=\"/\",le=\"1\"} 4\n"
		      "req_seconds_bucket{path=\"/\",le=\"2.5\"} 4\n"
		      "req_seconds_bucket{path=\"/\",le=\"5\"} 5\n"
		      "req_seconds_bucket{path=\"/\",le=\"10\"} 5\n"
		      "req_seconds_bucket{path=\"/\",le=\"+Inf\"} 7\n"
		      "req_seconds_sum{path=\"/\"} 1.000000014908e+09\n"
		      "req_seconds_count{path=\"/\"} 7\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.005\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.01\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.025\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.05\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.1\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.25\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"0.5\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"1\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"2.5\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"5\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"10\"} 1\n"
		      "req_seconds_bucket{path=\"/a\",le=\"+Inf\"} 1\n"
		      "req_seconds_sum{path=\"/a\"} -1\n"
		      "req_seconds_count{path=\"/a\"} 1\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_buckets(void **state)
{
	struct obs_promtext_writer w;
	struct obs_error err;
	const double b[] = { 1, 10, 100 };
	const double bad1[] = { 1, 1 }, bad2[] = { 2, 1 }, bad3[] = { 1, INFINITY }, bad4[] = { NAN };

	(void)state;
	obs_promtext_writer_init(&w);
	assert_int_equal(obs_promtext_writer_set_buckets(&w, bad1, 2, &err), -1);
	assert_string_equal(err.msg, "buckets must increase: '1' after '1'");
	assert_int_equal(obs_promtext_writer_set_buckets(&w, bad2, 2, &err), -1);
	assert_string_equal(err.msg, "buckets must increase: '1' after '2'");
	assert_int_equal(obs_promtext_writer_set_buckets(&w, bad3, 2, &err), -1);
	assert_string_equal(err.msg, "invalid bucket '+Inf'");
	assert_int_equal(obs_promtext_writer_set_buckets(&w, bad4, 1, &err), -1);
	assert_string_equal(err.msg, "invalid bucket 'NaN'");
	assert_int_equal(obs_promtext_writer_set_buckets(&w, b, 3, &err), 0);
	add(&w, mk("size_bytes", "histogram", 10, NULL, 0, 0, NULL));
	add(&w, mk("size_bytes", "histogram", NAN, NULL, 0, 0, NULL));
	add(&w, mk("size_bytes", "histogram", 0.5, NULL, 0, 0, NULL));
	assert_int_equal(obs_promtext_writer_set_buckets(&w, b, 3, &err), -1);
	assert_string_equal(err.msg, "buckets must be set before the first record");
	assert_output(&w,
		      "# TYPE size_bytes histogram\n"
		      "size_bytes_bucket{le=\"1\"} 1\n"
		      "size_bytes_bucket{le=\"10\"} 2\n"
		      "size_bytes_bucket{le=\"100\"} 2\n"
		      "size_bytes_bucket{le=\"+Inf\"} 3\n"
		      "size_bytes_sum NaN\n"
		      "size_bytes_count 3\n");
	obs_promtext_writer_release(&w);

	/* No bounds at all: only +Inf. */
	obs_promtext_writer_init(&w);
	assert_int_equal(obs_promtext_writer_set_buckets(&w, NULL, 0, &err), 0);
	add(&w, mk("x", "histogram", 3, NULL, 0, 0, NULL));
	assert_output(&w, "# TYPE x histogram\nx_bucket{le=\"+Inf\"} 1\nx_sum 3\nx_count 1\n");
	obs_promtext_writer_release(&w);
}

static void test_buckets_parse(void **state)
{
	struct obs_error err;
	double *b;
	size_t n;

	(void)state;
	assert_int_equal(obs_promtext_buckets_parse("0.1, .5 ,1,2.5e1", &b, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_true(b[0] == 0.1 && b[1] == 0.5 && b[2] == 1 && b[3] == 25);
	free(b);
	assert_int_equal(obs_promtext_buckets_parse("-5", &b, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_true(b[0] == -5);
	free(b);
	assert_int_equal(obs_promtext_buckets_parse("1,x", &b, &n, &err), -1);
	assert_string_equal(err.msg, "invalid bucket 'x'");
	assert_null(b);
	assert_int_equal(n, 0);
	assert_int_equal(obs_promtext_buckets_parse("1,,2", &b, &n, &err), -1);
	assert_string_equal(err.msg, "empty bucket in '1,,2'");
	assert_int_equal(obs_promtext_buckets_parse("", &b, &n, &err), -1);
	assert_string_equal(err.msg, "empty bucket in ''");
	assert_int_equal(obs_promtext_buckets_parse("1,+Inf", &b, &n, &err), -1);
	assert_string_equal(err.msg, "invalid bucket '+Inf'");
	assert_int_equal(obs_promtext_buckets_parse("1,2,2", &b, &n, &err), -1);
	assert_string_equal(err.msg, "buckets must increase: '2' after '2'");
	{
		/* Many bounds: the array grows. */
		char many[2048];
		size_t o = 0;
		int i;

		for (i = 1; i <= 100; i++)
			o += (size_t)snprintf(many + o, sizeof(many) - o, "%s%d", i > 1 ? "," : "", i);
		assert_int_equal(obs_promtext_buckets_parse(many, &b, &n, &err), 0);
		assert_int_equal(n, 100);
		assert_true(b[99] == 100);
		free(b);
	}
}

static void test_writer_summary(void **state)
{
	struct obs_promtext_writer w;

	(void)state;
	obs_promtext_writer_init(&w);
	add(&w, mk("rpc_seconds", "summary", 0.25, "{\"m\":\"x\"}", 0, 0, NULL));
	add(&w, mk("rpc_seconds", "summary", 0.5, "{\"m\":\"x\"}", 2, 0, NULL));
	add(&w, mk("rpc_seconds", "summary", 4, "{\"m\":\"a\"}", 1, 0, NULL));
	w.timestamps = 1;
	assert_output(&w,
		      "# TYPE rpc_seconds summary\n"
		      "rpc_seconds_sum{m=\"a\"} 4 1700000000001\n"
		      "rpc_seconds_count{m=\"a\"} 1 1700000000001\n"
		      "rpc_seconds_sum{m=\"x\"} 0.75 1700000000002\n"
		      "rpc_seconds_count{m=\"x\"} 2 1700000000002\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_passthrough(void **state)
{
	struct obs_promtext_writer w;

	(void)state;
	obs_promtext_writer_init(&w);
	/* Scraped parts, in scrambled order and with a newer sample of one bucket. */
	add(&w, mk("lat_count", "histogram", 5, "{\"h\":\"/\"}", 0, 1, "Latency."));
	add(&w, mk("lat_bucket", "histogram", 5, "{\"le\":\"+Inf\",\"h\":\"/\"}", 0, 1, NULL));
	add(&w, mk("lat_bucket", "histogram", 4, "{\"le\":\"10\",\"h\":\"/\"}", 0, 1, NULL));
	add(&w, mk("lat_bucket", "histogram", 1, "{\"h\":\"/\",\"le\":\"2\"}", 0, 1, NULL));
	add(&w, mk("lat_bucket", "histogram", 2, "{\"h\":\"/\",\"le\":\"2\"}", 9, 1, NULL));
	add(&w, mk("lat_sum", "histogram", 12.5, "{\"h\":\"/\"}", 0, 1, NULL));
	add(&w, mk("lat_bucket", "histogram", 0, "{\"h\":\"/\",\"le\":\"0.5e1\"}", 0, 1, NULL));
	add(&w, mk("lat_bucket", "histogram", 9, "{\"h\":\"/\",\"le\":\"NaN\"}", 0, 1, NULL));
	add(&w, mk("lat_bucket", "histogram", 1, "{\"h\":\"/\",\"le\":\"2.0\"}", 0, 1, NULL));
	add_fails(&w, mk("gc_seconds", "summary", 3, NULL, 0, 1, NULL),
		  "'gc_seconds' has no 'quantile' label");
	add(&w, mk("gc_seconds_sum", "summary", 0.9, NULL, 0, 1, NULL));
	add(&w, mk("gc_seconds", "summary", 0.1, "{\"quantile\":\"0.5\"}", 0, 1, NULL));
	add(&w, mk("gc_seconds", "summary", 0.3, "{\"quantile\":\"1\"}", 0, 1, NULL));
	add(&w, mk("gc_seconds", "summary", 0.01, "{\"quantile\":\"0\"}", 0, 1, NULL));
	add(&w, mk("gc_seconds_count", "summary", 3, NULL, 0, 1, NULL));
	assert_output(&w,
		      "# TYPE gc_seconds summary\n"
		      "gc_seconds{quantile=\"0\"} 0.01\n"
		      "gc_seconds{quantile=\"0.5\"} 0.1\n"
		      "gc_seconds{quantile=\"1\"} 0.3\n"
		      "gc_seconds_sum 0.9\n"
		      "gc_seconds_count 3\n"
		      "# HELP lat Latency.\n"
		      "# TYPE lat histogram\n"
		      "lat_bucket{h=\"/\",le=\"2\"} 2\n"
		      "lat_bucket{h=\"/\",le=\"2.0\"} 1\n"
		      "lat_bucket{h=\"/\",le=\"0.5e1\"} 0\n"
		      "lat_bucket{h=\"/\",le=\"10\"} 4\n"
		      "lat_bucket{h=\"/\",le=\"+Inf\"} 5\n"
		      "lat_bucket{h=\"/\",le=\"NaN\"} 9\n"
		      "lat_sum{h=\"/\"} 12.5\n"
		      "lat_count{h=\"/\"} 5\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_dedupe(void **state)
{
	struct obs_promtext_writer w;
	struct obs_error err;

	(void)state;
	obs_promtext_writer_init(&w);
	assert_int_equal(obs_promtext_writer_set_buckets(&w, (const double[]){ 1 }, 1, &err), 0);
	/* An observation and scraped parts of the same series: the observation's lines win. */
	add(&w, mk("d", "histogram", 0.5, "{\"a\":\"1\"}", 0, 0, NULL));
	add(&w, mk("d_bucket", "histogram", 99, "{\"a\":\"1\",\"le\":\"1\"}", 0, 1, NULL));
	add(&w, mk("d_bucket", "histogram", 98, "{\"a\":\"1\",\"le\":\"7\"}", 0, 1, NULL));
	add(&w, mk("d_sum", "histogram", 99, "{\"a\":\"1\"}", 0, 1, NULL));
	add(&w, mk("d_count", "histogram", 99, "{\"a\":\"2\"}", 0, 1, NULL));
	add(&w, mk("q", "summary", 2, NULL, 0, 0, NULL));
	add(&w, mk("q_count", "summary", 99, NULL, 0, 1, NULL));
	add(&w, mk("q", "summary", 0.5, "{\"quantile\":\"0.5\"}", 0, 1, NULL));
	assert_output(&w,
		      "# TYPE d histogram\n"
		      "d_bucket{a=\"1\",le=\"1\"} 1\n"
		      "d_bucket{a=\"1\",le=\"7\"} 98\n"
		      "d_bucket{a=\"1\",le=\"+Inf\"} 1\n"
		      "d_sum{a=\"1\"} 0.5\n"
		      "d_count{a=\"1\"} 1\n"
		      "d_count{a=\"2\"} 99\n"
		      "# TYPE q summary\n"
		      "q{quantile=\"0.5\"} 0.5\n"
		      "q_sum 2\n"
		      "q_count 1\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_escaping_sorting(void **state)
{
	struct obs_promtext_writer w;

	(void)state;
	obs_promtext_writer_init(&w);
	add(&w, mk("zeta", "gauge", 1, "{\"b\":\"2\",\"a\":\"1\"}", 0, 0, NULL));
	add(&w, mk("zeta", "gauge", 2, "{\"a\":\"1\"}", 0, 0, NULL));
	add(&w, mk("zeta", "gauge", 3, "{\"a\":\"0\",\"c\":\"9\"}", 0, 0, NULL));
	add(&w, mk("zeta", "gauge", 4, NULL, 0, 0, NULL));
	add(&w, mk("zeta", "gauge", 5, "{\"a\":\"1\",\"b\":\"10\"}", 0, 0, NULL));
	add(&w, mk("alpha", "gauge", 6, "{\"path\":\"C:\\\\x\\\\\",\"msg\":\"say \\\"hi\\\"\\nbye\",\"u\":\"\xc3\xa9\"}",
		   0, 0, "Back\\slash and\nnewline, \"quotes\" stay."));
	add(&w, mk("Alpha", "gauge", 7, NULL, 0, 0, NULL));
	add(&w, mk("_under", "gauge", 8, NULL, 0, 0, NULL));
	add(&w, mk("alpha:rate5m", "gauge", 9, NULL, 0, 0, NULL));
	assert_output(&w,
		      "# TYPE Alpha gauge\n"
		      "Alpha 7\n"
		      "# TYPE _under gauge\n"
		      "_under 8\n"
		      "# HELP alpha Back\\\\slash and\\nnewline, \"quotes\" stay.\n"
		      "# TYPE alpha gauge\n"
		      "alpha{msg=\"say \\\"hi\\\"\\nbye\",path=\"C:\\\\x\\\\\",u=\"\xc3\xa9\"} 6\n"
		      "# TYPE alpha:rate5m gauge\n"
		      "alpha:rate5m 9\n"
		      "# TYPE zeta gauge\n"
		      "zeta 4\n"
		      "zeta{a=\"0\",c=\"9\"} 3\n"
		      "zeta{a=\"1\"} 2\n"
		      "zeta{a=\"1\",b=\"10\"} 5\n"
		      "zeta{a=\"1\",b=\"2\"} 1\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_add_errors(void **state)
{
	struct obs_promtext_writer w;

	(void)state;
	obs_promtext_writer_init(&w);
	add(&w, mk("g", "gauge", 1, NULL, 0, 0, NULL));
	add(&w, mk("h", "histogram", 1, NULL, 0, 0, NULL));
	add_fails(&w, json_loads("[1]", 0, NULL), "not a metric record");
	add_fails(&w, json_loads("{\"type\":\"span\"}", 0, NULL), "not a metric record");
	add_fails(&w, json_loads("{\"type\":1}", 0, NULL), "not a metric record");
	add_fails(&w, json_loads("{\"type\":\"metric\"}", 0, NULL), "metric record without a name");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a-b\"}", 0, NULL),
		  "invalid metric name 'a-b'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"meter\"}", 0, NULL),
		  "invalid metric type of 'a'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\"}", 0, NULL),
		  "invalid metric type of 'a'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"gauge\",\"value\":\"x\"}", 0, NULL),
		  "invalid value of 'a'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"gauge\",\"value\":1,\"time\":\"yesterday\"}", 0, NULL),
		  "invalid time of 'a'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"gauge\",\"value\":1,\"time\":5}", 0, NULL),
		  "invalid time of 'a'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":[]}", 0, NULL),
		  "labels of 'a' are not an object");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{\"b-c\":\"x\"}}", 0, NULL),
		  "invalid label name 'b-c' of 'a'");
	add_fails(&w, json_loads("{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{\"b\":1}}", 0, NULL),
		  "label 'b' of 'a' is not a string");
	add_fails(&w, mk("g", "counter", 1, NULL, 0, 0, NULL), "'g' is a gauge, not a counter");
	add_fails(&w, mk("h", "gauge", 1, NULL, 0, 0, NULL), "'h' is a histogram, not a gauge");
	add_fails(&w, mk("h_sum", "summary", 1, NULL, 0, 1, NULL), "'h' is a histogram, not a summary");
	add_fails(&w, mk("hh", "histogram", 1, NULL, 0, 1, NULL),
		  "histogram sample 'hh' needs a _bucket, _sum or _count suffix");
	add_fails(&w, mk("_bucket", "histogram", 1, "{\"le\":\"1\"}", 0, 1, NULL),
		  "histogram sample '_bucket' needs a _bucket, _sum or _count suffix");
	add_fails(&w, mk("hb_bucket", "histogram", 1, NULL, 0, 1, NULL), "'hb_bucket' has no 'le' label");
	add_fails(&w, mk("hb_bucket", "histogram", 1, "{\"le\":\"x\"}", 0, 1, NULL),
		  "invalid 'le' label value 'x' of 'hb_bucket'");
	add_fails(&w, mk("ho", "histogram", 1, "{\"le\":\"1\"}", 0, 0, NULL),
		  "observation of 'ho' has a reserved 'le' label");
	add_fails(&w, mk("so", "summary", 1, "{\"quantile\":\"1\"}", 0, 0, NULL),
		  "observation of 'so' has a reserved 'quantile' label");
	add_fails(&w, mk("sq", "summary", 1, "{\"quantile\":\"p\"}", 0, 1, NULL),
		  "invalid 'quantile' label value 'p' of 'sq'");
	/* Nothing of the refused records stayed. */
	assert_int_equal(w.nfamilies, 2);
	assert_int_equal(w.nseries, 2);
	add(&w, mk("h_sum", "histogram", 1, NULL, 0, 1, NULL));
	assert_int_equal(w.nseries, 3);
	obs_promtext_writer_release(&w);
}

static int failing_out(void *ctx, const char *data, size_t len, struct obs_error *err)
{
	(void)ctx;
	(void)data;
	(void)len;
	return obs_error_set(err, "disk full");
}

static void test_writer_output(void **state)
{
	struct obs_promtext_writer w;
	struct obs_error err;
	char *text, buf[256];
	size_t len = 99;
	int fd;
	char tmpl[] = "/tmp/obs-promtext-XXXXXX";
	ssize_t n;

	(void)state;
	obs_promtext_writer_init(&w);
	/* Nothing added: empty output. */
	text = obs_promtext_writer_text(&w, &len, &err);
	assert_non_null(text);
	assert_string_equal(text, "");
	assert_int_equal(len, 0);
	free(text);
	assert_int_equal(obs_promtext_writer_emit(&w, failing_out, NULL, &err), 0);

	add(&w, mk("a", "gauge", 1, NULL, 0, 0, NULL));
	assert_int_equal(obs_promtext_writer_emit(&w, failing_out, NULL, &err), -1);
	assert_string_equal(err.msg, "disk full");

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(obs_promtext_writer_write_fd(&w, fd, &err), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "# TYPE a gauge\na 1\n");
	close(fd);
	unlink(tmpl);
	/* A closed descriptor. */
	assert_int_equal(obs_promtext_writer_write_fd(&w, fd, &err), -1);
	assert_string_equal(err.msg, "cannot write metrics: Bad file descriptor");
	obs_promtext_writer_release(&w);
}

static void test_writer_output_fails(void **state)
{
	struct obs_promtext_writer w;
	struct obs_error err;
	char *big = malloc(70001);
	json_t *rec;

	(void)state;
	memset(big, 'x', 70000);
	big[70000] = '\0';
	/* The output goes out in pieces: a failure while writing HELP, TYPE or a sample line. */
	obs_promtext_writer_init(&w);
	add(&w, mk("a", "gauge", 1, NULL, 0, 0, big));
	assert_int_equal(obs_promtext_writer_emit(&w, failing_out, NULL, &err), -1);
	assert_string_equal(err.msg, "disk full");
	obs_promtext_writer_release(&w);

	obs_promtext_writer_init(&w);
	big[0] = 'n';
	rec = obs_metric_new(big, OBS_METRIC_GAUGE, 1, NULL, T0, NULL, NULL, 0);
	add(&w, rec);
	assert_int_equal(obs_promtext_writer_emit(&w, failing_out, NULL, &err), -1);
	assert_string_equal(err.msg, "disk full");
	obs_promtext_writer_release(&w);

	obs_promtext_writer_init(&w);
	rec = obs_metric_new("g", OBS_METRIC_GAUGE, 1, NULL, T0, NULL, NULL, 0);
	json_object_set_new(json_object_get(rec, "labels"), "v", json_string(big));
	add(&w, rec);
	assert_int_equal(obs_promtext_writer_emit(&w, failing_out, NULL, &err), -1);
	assert_string_equal(err.msg, "disk full");
	obs_promtext_writer_release(&w);
	free(big);
}

static void test_writer_untimed(void **state)
{
	struct obs_promtext_writer w;
	json_t *rec;

	(void)state;
	/* Records without "time": no timestamp, and any timed record is newer. */
	obs_promtext_writer_init(&w);
	w.timestamps = 1;
	rec = mk("g", "gauge", 1, NULL, 0, 0, NULL);
	json_object_del(rec, "time");
	add(&w, rec);
	add(&w, mk("g", "gauge", 2, "{\"a\":\"b\"}", 7, 0, NULL));
	rec = mk("g", "gauge", 3, "{\"a\":\"b\"}", 0, 0, NULL);
	json_object_del(rec, "time");
	add(&w, rec);
	rec = mk("c_total", "counter", 3, NULL, 0, 0, NULL);
	json_object_del(rec, "time");
	add(&w, rec);
	assert_output(&w, "# TYPE c_total counter\nc_total 3\n"
		      "# TYPE g gauge\ng 1\ng{a=\"b\"} 2 1700000000007\n");
	obs_promtext_writer_release(&w);
}

static void test_writer_large(void **state)
{
	struct obs_promtext_writer w;
	struct obs_error err;
	char labels[64], *text;
	size_t len, lines = 0, i;
	int k;

	(void)state;
	/* More than one output chunk, more than one table growth. */
	obs_promtext_writer_init(&w);
	for (k = 0; k < 3000; k++) {
		snprintf(labels, sizeof(labels), "{\"i\":\"%05d\"}", k);
		add(&w, mk(k % 3 ? "big_gauge" : "big_total", k % 3 ? "gauge" : "counter", k,
			   labels, 0, 0, NULL));
		add(&w, mk("big_hist", "histogram", k / 1000.0, labels, 0, 0, NULL));
	}
	assert_int_equal(w.nseries, 6000);
	text = obs_promtext_writer_text(&w, &len, &err);
	assert_non_null(text);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	/* 3 TYPE lines, 3000 counter/gauge lines, 3000 histograms of 12 buckets + _sum + _count */
	assert_int_equal(lines, 3 + 3000 + 3000 * (12 + 2));
	assert_non_null(strstr(text, "big_total{i=\"02997\"} 2997\n"));
	assert_non_null(strstr(text, "big_hist_bucket{i=\"02999\",le=\"2.5\"} 0\n"
				     "big_hist_bucket{i=\"02999\",le=\"5\"} 1\n"));
	free(text);
	obs_promtext_writer_release(&w);
}

/* ---- round trips: parse(write(x)) == x ------------------------------------------------ */

/* A record as one comparable line: name type cumulative {sorted labels} value @ms help. */
static char *record_key(json_t *rec)
{
	const char *keys[64], *k;
	char v[OBS_PROMTEXT_VALUE_BUFSZ], *out;
	json_t *labels = json_object_get(rec, "labels"), *jv;
	size_t n = 0, i, j;
	struct render r;
	double value;
	int64_t t;

	memset(&r, 0, sizeof(r));
	json_object_foreach(labels, k, jv) {
		for (i = n; i > 0 && strcmp(keys[i - 1], k) > 0; i--)
			keys[i] = keys[i - 1];
		keys[i] = k;
		n++;
	}
	r_printf(&r, "%s %s %s {", json_string_value(json_object_get(rec, "name")),
		 json_string_value(json_object_get(rec, "metric_type")),
		 json_is_true(json_object_get(rec, "cumulative")) ? "cum" : "-");
	for (j = 0; j < n; j++) {
		r_printf(&r, "%s%s=\"", j ? "," : "", keys[j]);
		r_escaped(&r, json_string_value(json_object_get(labels, keys[j])));
		r_adds(&r, "\"");
	}
	assert_int_equal(obs_metric_value(rec, &value), 0);
	obs_promtext_format_value(value, v, sizeof(v));
	assert_int_equal(obs_time_parse(json_string_value(json_object_get(rec, "time")), &t, NULL), 0);
	r_printf(&r, "} %s @%lld", v, (long long)(t / 1000000));
	if (json_object_get(rec, "help")) {
		r_adds(&r, " help=");
		r_escaped(&r, json_string_value(json_object_get(rec, "help")));
	}
	out = r.buf;
	return out;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The records of ARR as sorted keys, one per line, keeping the last of equal series. */
static char *record_set(json_t *arr)
{
	size_t n = json_array_size(arr), i, m = 0, len = 0;
	char **keys = calloc(n + 1, sizeof(*keys)), *out;
	json_t *rec;

	json_array_foreach(arr, i, rec)
		keys[i] = record_key(rec);
	/* Series identity is everything before " @"... minus the value: keep the last. */
	for (i = 0; i < n; i++) {
		size_t j;
		char *cut_i = strrchr(keys[i], '}');

		for (j = i + 1; j < n; j++) {
			char *cut_j = strrchr(keys[j], '}');

			if (cut_i - keys[i] == cut_j - keys[j] && memcmp(keys[i], keys[j], (size_t)(cut_i - keys[i])) == 0)
				break;
		}
		if (j < n) {
			free(keys[i]);
			keys[i] = NULL;
		}
	}
	for (i = 0; i < n; i++)
		if (keys[i])
			keys[m++] = keys[i];
	qsort(keys, m, sizeof(*keys), str_cmp);
	out = strdup("");
	for (i = 0; i < m; i++) {
		out = realloc(out, len + strlen(keys[i]) + 2);
		strcpy(out + len, keys[i]);
		len += strlen(keys[i]);
		out[len++] = '\n';
		out[len] = '\0';
		free(keys[i]);
	}
	free(keys);
	return out;
}

/* Parse TEXT into records, write them, parse the output: the same records. */
static void check_roundtrip(const char *text, size_t len, enum obs_promtext_format fmt)
{
	struct recs first = { json_array(), NULL, 0 }, second = { json_array(), NULL, 0 };
	struct obs_promtext_writer w;
	struct obs_error err;
	char *out, *a, *b;
	size_t olen, i;
	json_t *rec;

	if (obs_promtext_parse("in", text, len, fmt, collect_record, &first, &err))
		fail_msg("%s", err.msg);
	obs_promtext_writer_init(&w);
	w.timestamps = 1;
	json_array_foreach(first.arr, i, rec)
		if (obs_promtext_writer_add(&w, rec, &err))
			fail_msg("add: %s", err.msg);
	out = obs_promtext_writer_text(&w, &olen, &err);
	assert_non_null(out);
	if (obs_promtext_parse("out", out, olen, TEXT, collect_record, &second, &err))
		fail_msg("%s\n%s", err.msg, out);
	a = record_set(first.arr);
	b = record_set(second.arr);
	assert_string_equal(b, a);
	free(a);
	free(b);
	free(out);
	obs_promtext_writer_release(&w);
	json_decref(first.arr);
	json_decref(second.arr);
}

static void test_roundtrip_fixtures(void **state)
{
	static const char *const names[] = { "node.prom", "textfile.prom", "federate.prom",
					     "openmetrics.prom" };
	size_t i, len;
	char *in;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		in = read_file(fixture_path(names[i]), &len);
		check_roundtrip(in, len, AUTO);
		free(in);
	}
}

static void test_roundtrip_records(void **state)
{
	struct obs_promtext_writer w;
	struct obs_error err;
	struct recs back = { json_array(), NULL, 0 };
	json_t *in = json_array(), *rec;
	char *text, *a, *b;
	size_t len, i;

	(void)state;
	/* Records as obs-metric would store them: escapes, NaN, infinities, odd values. */
	json_array_append_new(in, mk("esc", "gauge", 1, "{\"v\":\"\\\\ \\\" \\n \xe2\x82\xac\"}", 0, 0, "H \\ \n \"q\""));
	json_array_append_new(in, mk("esc", "gauge", NAN, "{\"v\":\"\"}", 1, 0, "H \\ \n \"q\""));
	json_array_append_new(in, mk("vals", "untyped", 1e-300, "{\"k\":\"a\"}", -5, 0, NULL));
	json_array_append_new(in, mk("vals", "untyped", -INFINITY, "{\"k\":\"b\"}", 2, 0, NULL));
	json_array_append_new(in, mk("vals", "untyped", 0.1 + 0.2, "{\"k\":\"c\"}", 3, 0, NULL));
	json_array_append_new(in, mk("vals", "untyped", 123456789.125, "{\"k\":\"d\"}", 4, 0, NULL));
	json_array_append_new(in, mk("c_total", "counter", 17, NULL, 0, 1, "C."));
	json_array_append_new(in, mk("h_bucket", "histogram", 3, "{\"le\":\"0.1\"}", 0, 1, NULL));
	json_array_append_new(in, mk("h_bucket", "histogram", 4, "{\"le\":\"+Inf\"}", 0, 1, NULL));
	json_array_append_new(in, mk("h_sum", "histogram", 0.2, NULL, 0, 1, NULL));
	json_array_append_new(in, mk("h_count", "histogram", 4, NULL, 0, 1, NULL));
	json_array_append_new(in, mk("s", "summary", 0.3, "{\"quantile\":\"0.99\"}", 0, 1, NULL));
	json_array_append_new(in, mk("s_sum", "summary", 5, NULL, 0, 1, NULL));
	json_array_append_new(in, mk("s_count", "summary", 50, NULL, 0, 1, NULL));
	obs_promtext_writer_init(&w);
	w.timestamps = 1;
	json_array_foreach(in, i, rec)
		assert_int_equal(obs_promtext_writer_add(&w, rec, &err), 0);
	text = obs_promtext_writer_text(&w, &len, &err);
	assert_int_equal(obs_promtext_parse("rt", text, len, TEXT, collect_record, &back, &err), 0);
	a = record_set(in);
	b = record_set(back.arr);
	assert_string_equal(b, a);
	free(a);
	free(b);
	free(text);
	obs_promtext_writer_release(&w);
	json_decref(in);
	json_decref(back.arr);
}

/* ---- node_exporter textfile ------------------------------------------------------ */

/* The names in DIR, sorted, space-separated. */
static void list_dir(const char *dir, char *out, size_t size)
{
	char *names[16];
	size_t n = 0, i, o = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) && n < 16)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), str_cmp);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
}

static void test_textfile(void **state)
{
	char dir[] = "/tmp/obs-textfile-XXXXXX", path[512], names[512], *got;
	struct obs_error err;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(obs_promtext_textfile_write(dir, "backup", "a 1\n", 4, &err), 0);
	snprintf(path, sizeof(path), "%s/backup.prom", dir);
	got = read_file(path, NULL);
	assert_string_equal(got, "a 1\n");
	free(got);
	/* Readable by node_exporter whatever the umask. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* Replaced whole. */
	assert_int_equal(obs_promtext_textfile_write(dir, "backup", "b 2\nc 3\n", 8, &err), 0);
	got = read_file(path, NULL);
	assert_string_equal(got, "b 2\nc 3\n");
	free(got);
	/* ".prom" is not doubled; empty content is fine. */
	assert_int_equal(obs_promtext_textfile_write(dir, "x.prom", "", 0, &err), 0);
	list_dir(dir, names, sizeof(names));
	assert_string_equal(names, "backup.prom x.prom");

	/* Bad names. */
	assert_int_equal(obs_promtext_textfile_write(dir, "", "", 0, &err), -1);
	assert_string_equal(err.msg, "invalid textfile name ''");
	assert_int_equal(obs_promtext_textfile_write(dir, NULL, "", 0, &err), -1);
	assert_string_equal(err.msg, "invalid textfile name ''");
	assert_int_equal(obs_promtext_textfile_write(dir, "a/b", "", 0, &err), -1);
	assert_string_equal(err.msg, "invalid textfile name 'a/b'");
	assert_int_equal(obs_promtext_textfile_write(dir, ".hidden", "", 0, &err), -1);
	assert_string_equal(err.msg, "invalid textfile name '.hidden'");
	/* No such directory. */
	assert_int_equal(obs_promtext_textfile_write("/nonexistent/obs", "a", "", 0, &err), -1);
	assert_string_equal(err.msg, "cannot create a temporary file in '/nonexistent/obs': "
			    "No such file or directory");
	/* The target is a directory: the rename fails and the temporary file goes. */
	snprintf(path, sizeof(path), "%s/d.prom", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(obs_promtext_textfile_write(dir, "d", "x 1\n", 4, &err), -1);
	assert_non_null(strstr(err.msg, "cannot rename '"));
	assert_non_null(strstr(err.msg, "/.d.prom."));
	snprintf(names, sizeof(names), "' to '%s/d.prom': Is a directory", dir);
	assert_non_null(strstr(err.msg, names));
	list_dir(dir, names, sizeof(names));
	assert_string_equal(names, "backup.prom d.prom x.prom");

	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/backup.prom", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/x.prom", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	umask(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_value),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_parse_doc_example),
		cmocka_unit_test(test_parse_whitespace),
		cmocka_unit_test(test_parse_labels),
		cmocka_unit_test(test_parse_many_labels),
		cmocka_unit_test(test_parse_help_type),
		cmocka_unit_test(test_parse_histogram_summary),
		cmocka_unit_test(test_parse_family_rules),
		cmocka_unit_test(test_parse_timestamps),
		cmocka_unit_test(test_parse_auto_switch),
		cmocka_unit_test(test_parse_openmetrics),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_errors_all_modes),
		cmocka_unit_test(test_parse_chunks),
		cmocka_unit_test(test_parse_torn_crlf),
		cmocka_unit_test(test_parse_long_lines),
		cmocka_unit_test(test_parse_long_partial),
		cmocka_unit_test(test_parse_warn_mode),
		cmocka_unit_test(test_parse_callback_error),
		cmocka_unit_test(test_parse_feed_line),
		cmocka_unit_test(test_parse_fd),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_parse_fixtures),
		cmocka_unit_test(test_sample_record),
		cmocka_unit_test(test_sample_record_errors),
		cmocka_unit_test(test_sample_record_out_of_memory),
		cmocka_unit_test(test_writer_counters_gauges),
		cmocka_unit_test(test_writer_histogram),
		cmocka_unit_test(test_writer_buckets),
		cmocka_unit_test(test_buckets_parse),
		cmocka_unit_test(test_writer_summary),
		cmocka_unit_test(test_writer_passthrough),
		cmocka_unit_test(test_writer_dedupe),
		cmocka_unit_test(test_writer_escaping_sorting),
		cmocka_unit_test(test_writer_add_errors),
		cmocka_unit_test(test_writer_output),
		cmocka_unit_test(test_writer_output_fails),
		cmocka_unit_test(test_writer_untimed),
		cmocka_unit_test(test_writer_large),
		cmocka_unit_test(test_roundtrip_fixtures),
		cmocka_unit_test(test_roundtrip_records),
		cmocka_unit_test(test_textfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
