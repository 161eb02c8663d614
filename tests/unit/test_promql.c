/* SPDX-License-Identifier: MIT */
/* Unit tests for the PromQL engine: parser (precedence, errors with columns) and evaluator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_promql.h"
#include "obs_series.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static void check_parse(const char *in, const char *want)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(in, &err);
	char *got;

	if (!e)
		fail_msg("'%s' does not parse: %s", in, err.msg);
	got = obs_promql_expr_format(e);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' parses as '%s', want '%s'", in, got, want);
	free(got);
	obs_promql_expr_free(e);
}

static void check_fail(const char *in, const char *want)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(in, &err);

	if (e)
		fail_msg("'%s' parses, want '%s'", in, want);
	if (strcmp(err.msg, want) != 0)
		fail_msg("'%s' fails with '%s', want '%s'", in, err.msg, want);
}

/* Series NAME{LABELS} ("a=1,b=2") with VALUES every 60 s from 0 ("_" is a gap). */
static void add(struct obs_series_set *set, const char *name, const char *labels,
		const char *values)
{
	struct obs_label l[8];
	char lbuf[256], vbuf[512], *save = NULL, *tok;
	size_t n = 0;
	int64_t t = 0;
	struct obs_error err;

	l[n].name = "__name__";
	l[n++].value = name;
	snprintf(lbuf, sizeof(lbuf), "%s", labels);
	for (tok = strtok_r(lbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		*eq = '\0';
		l[n].name = tok;
		l[n++].value = eq + 1;
	}
	snprintf(vbuf, sizeof(vbuf), "%s", values);
	save = NULL;
	for (tok = strtok_r(vbuf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), t += 60000) {
		if (strcmp(tok, "_") == 0)
			continue;
		assert_int_equal(obs_series_set_add(set, l, n, t, strtod(tok, NULL), OBS_SERIES_SET,
						    &err), 0);
	}
}

static struct obs_series_set *data(void)
{
	struct obs_series_set *set = obs_series_set_new();

	add(set, "c", "job=a", "0 10 20 30 40 50 5 15 25 35 45");
	add(set, "c", "job=b", "1 2 3 4 5 6 7 8 9 10 11");
	add(set, "d", "job=a", "1 1 1 1 1 1 1 1 1 1 1");
	add(set, "g", "job=a,inst=1", "3 -1 4 1 -5 9 2 6 5 3 5");
	add(set, "g", "job=a,inst=2", "1 1 2 3 5 8 13 21 34 55 89");
	add(set, "g", "job=b,inst=3", "_ _ 0.5 _ _ _ _ _ _ _ 7");
	add(set, "h", "le=1", "0 1 2 3 4 5 6 7 8 9 10");
	add(set, "h", "le=2", "0 2 4 6 8 10 12 14 16 18 20");
	add(set, "h", "le=+Inf", "0 3 6 9 12 15 18 21 24 27 30");
	add(set, "info", "job=a,team=x", "1 1 1 1 1 1 1 1 1 1 1");
	add(set, "info", "job=b,team=y", "1 1 1 1 1 1 1 1 1 1 1");
	return set;
}

static void put_labels(char *buf, size_t size, const struct obs_labels *l)
{
	const char *name = obs_labels_get(l, "__name__");
	size_t k = 0;
	unsigned i;

	k += (size_t)snprintf(buf + k, size - k, "%s{", name ? name : "");
	for (i = 0; i < l->len; i++) {
		if (strcmp(l->v[i].name, "__name__") == 0)
			continue;
		k += (size_t)snprintf(buf + k, size - k, "%s%s=%s", buf[k - 1] == '{' ? "" : ",",
				      l->v[i].name, l->v[i].value);
	}
	snprintf(buf + k, size - k, "}");
}

/* A result in short form: "x{a=1} 5 ; {b=2} 7", a scalar's value, or "error: ...". */
static char *render(const struct obs_promql_value *v)
{
	static char out[8192];
	char num[400], lab[512];
	size_t k = 0, i, j;

	out[0] = '\0';
	if (v->type == OBS_PROMQL_SCALAR) {
		obs_promql_format_float(v->scalar, out, sizeof(out));
		return out;
	}
	if (v->type == OBS_PROMQL_STRING) {
		snprintf(out, sizeof(out), "%s", v->string);
		return out;
	}
	for (i = 0; i < v->n; i++) {
		if (v->type == OBS_PROMQL_VECTOR) {
			put_labels(lab, sizeof(lab), v->samples[i].labels);
			obs_promql_format_float(v->samples[i].v, num, sizeof(num));
			k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s %s", i ? " ; " : "", lab,
					      num);
			continue;
		}
		put_labels(lab, sizeof(lab), v->series[i].labels);
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s", i ? " ; " : "", lab);
		for (j = 0; j < v->series[i].n; j++) {
			obs_promql_format_float(v->series[i].points[j].v, num, sizeof(num));
			k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s@%lld", j ? "," : " ", num,
					      (long long)(v->series[i].points[j].t / 1000));
		}
	}
	return out;
}

static const char *eval_opts(struct obs_series_set *set, const char *text, double t,
			     const struct obs_promql_opts *opts)
{
	static char out[8192];
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(text, &err);
	struct obs_promql_value *v;

	if (!e)
		fail_msg("'%s' does not parse: %s", text, err.msg);
	if (obs_promql_eval_instant(set, e, (int64_t)llround(t * 1000), opts, &v, &err) < 0) {
		snprintf(out, sizeof(out), "error: %s", err.msg);
	} else {
		snprintf(out, sizeof(out), "%s", render(v));
		obs_promql_value_free(v);
	}
	obs_promql_expr_free(e);
	return out;
}

static void check_eval(struct obs_series_set *set, const char *text, double t, const char *want)
{
	const char *got = eval_opts(set, text, t, NULL);

	if (strcmp(got, want) != 0)
		fail_msg("'%s' at %g gives '%s', want '%s'", text, t, got, want);
}

static void check_range(struct obs_series_set *set, const char *text, double start, double end,
			double step, const char *want)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(text, &err);
	struct obs_promql_value *v;
	const char *got = "";

	assert_non_null(e);
	if (obs_promql_eval_range(set, e, (int64_t)(start * 1000), (int64_t)(end * 1000),
				  (int64_t)(step * 1000), NULL, &v, &err) < 0) {
		got = err.msg;
		v = NULL;
	} else {
		got = render(v);
	}
	if (strcmp(got, want) != 0)
		fail_msg("range '%s' gives '%s', want '%s'", text, got, want);
	obs_promql_value_free(v);
	obs_promql_expr_free(e);
}

static int setup(void **state)
{
	*state = data();
	return 0;
}

static int teardown(void **state)
{
	obs_series_set_free(*state);
	return 0;
}

/* ---- parser --------------------------------------------------------------------------------- */

static void test_precedence(void **state)
{
	(void)state;
	check_parse("1 + 2 * 3", "(1 + (2 * 3))");
	check_parse("1 * 2 + 3", "((1 * 2) + 3)");
	check_parse("a / b % c * d", "(((a / b) % c) * d)");
	check_parse("a + b - c", "((a + b) - c)");
	check_parse("a - b - c", "((a - b) - c)");
	check_parse("a == b + c", "(a == (b + c))");
	check_parse("a > b or c < d", "((a > b) or (c < d))");
	check_parse("a or b and c", "(a or (b and c))");
	check_parse("a and b or c", "((a and b) or c)");
	check_parse("a and b unless c", "((a and b) unless c)");
	check_parse("a unless b and c", "((a unless b) and c)");
	check_parse("a or b or c", "((a or b) or c)");
	check_parse("a == b != c", "((a == b) != c)");
	check_parse("a * b == c and d", "(((a * b) == c) and d)");
	check_parse("(a + b) * c", "(((a + b)) * c)");
}

static void test_pow_and_unary(void **state)
{
	(void)state;
	check_parse("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))");
	check_parse("a ^ b ^ -c", "(a ^ (b ^ (-c)))");
	check_parse("-2 ^ 2", "(-(2 ^ 2))");
	check_parse("-a ^ b", "(-(a ^ b))");
	check_parse("a * -b ^ c", "(a * (-(b ^ c)))");
	check_parse("a ^ -b * c", "((a ^ (-b)) * c)");
	check_parse("-a * b", "((-a) * b)");
	check_parse("- - a", "(-(-a))");
	check_parse("+a", "(+a)");
	check_parse("-1", "-1");
	check_parse("-a offset 5m", "(-a offset 5m)");
	check_parse("2 + -3 * 4", "(2 + (-3 * 4))");
}

static void test_parse_forms(void **state)
{
	(void)state;
	check_parse("sum by (job) (x)", "sum by (job) (x)");
	check_parse("sum(x) by (job)", "sum by (job) (x)");
	check_parse("SUM BY (job) (x)", "sum by (job) (x)");
	check_parse("sum without (a, b,) (x)", "sum without (a, b) (x)");
	check_parse("sum without () (x)", "sum without () (x)");
	check_parse("topk(3, x)", "topk (3, x)");
	check_parse("quantile by (sum, on) (0.5, x)", "quantile by (sum, on) (0.5, x)");
	check_parse("x + on(a) group_left(b) y", "(x + on(a) group_left(b) y)");
	check_parse("x * ignoring(a) group_right y", "(x * ignoring(a) group_right y)");
	check_parse("x + on(a) group_left (b) (y)", "(x + on(a) group_left(b) (y))");
	check_parse("x == on() group_left z", "(x == on() group_left z)");
	check_parse("x > bool y", "(x > bool y)");
	check_parse("x AND y", "(x and y)");
	check_parse("x[5m] offset 1m @ 100", "x[5m] offset 1m @ 100");
	check_parse("x @ 100.5 offset 1m", "x offset 1m @ 100.500");
	check_parse("x @ start()", "x @ start()");
	check_parse("x @ end()", "x @ end()");
	check_parse("x @ -60", "x @ -60");
	check_parse("x offset -1h30m", "x offset -1h30m");
	check_parse("x[1y2w3d4h5m6s7ms]", "x[1y2w3d4h5m6s7ms]");
	check_parse("rate(x[5m])", "rate(x[5m])");
	check_parse("x{a=\"b\", c!=\"d\", e=~\"f\", g!~\"h\",}", "x{a=\"b\", c!=\"d\", e=~\"f\", g!~\"h\"}");
	check_parse("{__name__=\"x\"}", "{__name__=\"x\"}");
	check_parse("x{by=\"1\", inf=\"2\"}", "x{by=\"1\", inf=\"2\"}");
	check_parse("sum", "sum");
	check_parse("by", "by");
	check_parse("offset", "offset");
	check_parse("and", "and");
	check_parse("a:b:c", "a:b:c");
	check_parse("count(sum)", "count (sum)");
	check_parse("x # comment\n + 1", "(x + 1)");
	check_parse("(((x)))", "(((x)))");
	check_parse("avg_over_time((x[5m]))", "avg_over_time((x[5m]))");
	check_parse("absent(x)", "absent(x)");
	check_parse("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")",
		    "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")");
	check_parse("round(x)", "round(x)");
	check_parse("round(x, 5)", "round(x, 5)");
	check_parse("1 == bool 1", "(1 == bool 1)");
}

static void test_parse_literals(void **state)
{
	(void)state;
	check_parse("0x1f", "31");
	check_parse("0X1F", "31");
	check_parse("010", "8");
	check_parse("09", "9");
	check_parse("1e3", "1000");
	check_parse("1E-2", "0.01");
	check_parse(".5", "0.5");
	check_parse("5.", "5");
	check_parse("Inf", "+Inf");
	check_parse("-inf", "-Inf");
	check_parse("NaN", "NaN");
	check_parse("99999999999999999999", "100000000000000000000");
	check_parse("\"a\\tb\\\"c\"", "\"a\\tb\\\"c\"");
	check_parse("'it\\'s'", "\"it's\"");
	check_parse("`raw\\n`", "\"raw\\\\n\"");
	check_parse("\"\\x41\\101\\u00e9\\U0001F600\"", "\"AA\xc3\xa9\xf0\x9f\x98\x80\"");
	check_parse("\"\\a\\b\\f\\n\\r\\v\\\\\"", "\"\\u0007\\u0008\\u000c\\n\\r\\u000b\\\\\"");
	check_parse("\"\\u0041\\u20ac\\u2028\"", "\"A\xe2\x82\xac\\u2028\"");
	check_parse("x{a=\"<&>\"}", "x{a=\"\\u003c\\u0026\\u003e\"}");
}

static void test_parse_errors(void **state)
{
	(void)state;
	check_fail("", "parse error at column 1: no expression found in input");
	check_fail("  # only a comment", "parse error at column 1: no expression found in input");
	check_fail("sum(x", "parse error at column 6: unexpected end of input in aggregation, expected ',' or ')'");
	check_fail("x)", "parse error at column 2: unexpected ')'");
	check_fail("rate(x[5m]))", "parse error at column 12: unexpected ')'");
	check_fail("x +", "parse error at column 4: unexpected end of input");
	check_fail("x\n+\n)", "parse error at line 3, column 1: unexpected ')'");
	check_fail("(x", "parse error at column 3: unexpected end of input in parenthesis, expected ')'");
	check_fail("1 < 2", "parse error at column 3: comparisons between scalars must use BOOL modifier");
	check_fail("x[5m] + 1", "parse error at column 1: binary expression must contain only scalar and instant vector types");
	check_fail("1 + x[5m]", "parse error at column 5: binary expression must contain only scalar and instant vector types");
	check_fail("rate(x)", "parse error at column 6: expected type range vector in call to function \"rate\", got instant vector");
	check_fail("abs(1)", "parse error at column 5: expected type instant vector in call to function \"abs\", got scalar");
	check_fail("histogram_quantile(x, y)", "parse error at column 20: expected type scalar in call to function \"histogram_quantile\", got instant vector");
	check_fail("rate(x[5m], 1)", "parse error at column 1: expected 1 argument(s) in call to \"rate\", got 2");
	check_fail("time(1)", "parse error at column 1: expected 0 argument(s) in call to \"time\", got 1");
	check_fail("round()", "parse error at column 1: expected at least 1 argument(s) in call to \"round\", got 0");
	check_fail("round(x, 1, 2)", "parse error at column 1: expected at most 2 argument(s) in call to \"round\", got 3");
	check_fail("sum(x, 1)", "parse error at column 1: wrong number of arguments for aggregate expression provided, expected 1, got 2");
	check_fail("topk(x)", "parse error at column 1: wrong number of arguments for aggregate expression provided, expected 2, got 1");
	check_fail("sum()", "parse error at column 1: no arguments for aggregate expression provided");
	check_fail("sum(x[5m])", "parse error at column 5: expected type instant vector in aggregation expression, got range vector");
	check_fail("topk(x, x)", "parse error at column 6: expected type scalar in aggregation parameter, got instant vector");
	check_fail("sum(x,)", "parse error at column 6: trailing commas not allowed in function call args");
	check_fail("sum by (job) (x) by (job)", "parse error at column 18: unexpected 'by'");
	check_fail("sum by (a", "parse error at column 10: unexpected end of input in grouping opts, expected ',' or ')'");
	check_fail("sum by a (x)", "parse error at column 8: unexpected identifier 'a' in grouping opts, expected '('");
	check_fail("sum by (1) (x)", "parse error at column 9: unexpected number '1' in grouping opts, expected label");
	check_fail("sum by (a) x", "parse error at column 12: unexpected identifier 'x' in aggregation, expected '('");
	check_fail("sum without (a:b) (x)", "parse error at column 14: invalid label name for grouping: \"a:b\"");
	check_fail("foo(x)", "parse error at column 1: unknown function with name \"foo\"");
	check_fail("on", "parse error at column 1: unexpected 'on'");
	check_fail("x y", "parse error at column 3: unexpected identifier 'y'");
	check_fail("x 1", "parse error at column 3: unexpected number '1'");
	check_fail("x \"s\"", "parse error at column 3: unexpected string \"s\"");
	check_fail("5m", "parse error at column 1: unexpected duration '5m'");
}

static void test_parse_errors_binary(void **state)
{
	(void)state;
	check_fail("x and 1", "parse error at column 3: set operator \"and\" not allowed in binary scalar expression");
	check_fail("1 or x", "parse error at column 3: set operator \"or\" not allowed in binary scalar expression");
	check_fail("x + on(a) 1", "parse error at column 3: vector matching only allowed between instant vectors");
	check_fail("x + bool 1", "parse error at column 3: bool modifier can only be used on comparison operators");
	check_fail("x * on(a) group_left(a) y", "parse error at column 3: label \"a\" must not occur in ON and GROUP clause at once");
	check_fail("x unless on(a) group_left y", "parse error at column 3: no grouping allowed for \"unless\" operation");
	check_fail("x + group_left y", "parse error at column 5: unexpected 'group_left'");
	check_fail("x + on a y", "parse error at column 8: unexpected identifier 'a' in grouping opts, expected '('");
	check_fail("-x[5m]", "parse error at column 1: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"");
	check_fail("-\"a\"", "parse error at column 1: unary expression only allowed on expressions of type scalar or instant vector, got \"string\"");
	check_fail("\"a\" + 1", "parse error at column 1: binary expression must contain only scalar and instant vector types");
}

static void test_parse_errors_selectors(void **state)
{
	(void)state;
	check_fail("{}", "parse error at column 1: vector selector must contain at least one non-empty matcher");
	check_fail("{a=\"\"}", "parse error at column 1: vector selector must contain at least one non-empty matcher");
	check_fail("{a=~\".*\", b!~\"x\"}", "parse error at column 1: vector selector must contain at least one non-empty matcher");
	check_fail("x{__name__=\"y\"}", "parse error at column 1: metric name must not be set twice: \"x\" or \"y\"");
	check_fail("x{a=\"b\" c=\"d\"}", "parse error at column 9: unexpected identifier 'c' in label matching, expected ',' or '}'");
	check_fail("x{a=\"b\",,}", "parse error at column 9: unexpected ',' in label matching, expected identifier or '}'");
	check_fail("x{a}", "parse error at column 4: unexpected '}' in label matching, expected label matching operator");
	check_fail("x{a=1}", "parse error at column 5: unexpected number '1' in label matching, expected string");
	check_fail("x{a=\"b\"", "parse error at column 8: unexpected end of input in label matching, expected ',' or '}'");
	check_fail("x{a=~\"(\"}", "parse error at column 6: invalid regex '(': missing closing )");
	check_fail("x{a!}", "parse error at column 4: unexpected character after '!': '}'");
	check_fail("x[0s]", "parse error at column 2: duration must be greater than 0");
	check_fail("x[5m1h]", "parse error at column 3: not a valid duration string: \"5m1h\"");
	check_fail("x[1.5m]", "parse error at column 3: not a valid duration string: \"1.5m\"");
	check_fail("x[99999999999999999999y]", "parse error at column 3: duration out of range");
	check_fail("x[300000y]", "parse error at column 3: duration out of range");
	check_fail("x[300]", "parse error at column 3: unexpected number '300' in range, expected duration");
	check_fail("x[5m", "parse error at column 5: unexpected end of input in range, expected ']'");
	check_fail("x offset 0", "parse error at column 10: unexpected number '0' in offset, expected duration");
	check_fail("x offset", "parse error at column 9: unexpected end of input in offset, expected duration");
	check_fail("(x)[5m]", "parse error at column 4: ranges only allowed for vector selectors");
	check_fail("(x) offset 5m", "parse error at column 5: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
	check_fail("sum(x) @ 5", "parse error at column 8: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
	check_fail("x offset 5m [5m]", "parse error at column 13: no offset modifiers allowed before range");
	check_fail("x @ 100 [5m]", "parse error at column 9: no @ modifiers allowed before range");
	check_fail("x @ 1 @ 2", "parse error at column 7: @ <timestamp> may not be set multiple times");
	check_fail("x offset 1m offset 1m", "parse error at column 13: offset may not be set multiple times");
	check_fail("x @ start", "parse error at column 10: unexpected end of input in @, expected '()'");
	check_fail("x @ foo()", "parse error at column 5: unexpected identifier 'foo' in @, expected timestamp");
	check_fail("x @ Inf", "parse error at column 3: timestamp out of bounds for @ modifier: +Inf");
	check_fail("label_replace(x, \"a-b\", \"b\", \"c\", \"d\")",
		   "parse error at column 18: invalid destination label name in label_replace(): a-b");
	check_fail("label_replace(x, \"a\", \"b\", \"c\", \"(\")",
		   "parse error at column 33: invalid regex '(': missing closing )");
}

static void test_lex_errors(void **state)
{
	(void)state;
	check_fail("1_0", "parse error at column 1: bad number or duration syntax: \"1\"");
	check_fail("1e", "parse error at column 1: error parsing number \"1e\"");
	check_fail("0x", "parse error at column 1: error parsing number \"0x\"");
	check_fail("0x1.5", "parse error at column 1: error parsing number \"0x1.5\"");
	check_fail("0xffffffffffffffff", "parse error at column 1: error parsing number \"0xffffffffffffffff\"");
	check_fail("1e400", "parse error at column 1: error parsing number \"1e400\"");
	check_fail("\"unterminated", "parse error at column 1: unterminated quoted string");
	check_fail("\"a\nb\"", "parse error at line 1, column 1: unterminated quoted string");
	check_fail("\"a\\", "parse error at column 3: unterminated quoted string");
	check_fail("'\\q'", "parse error at column 2: unknown escape sequence '\\q'");
	check_fail("'\\\"'", "parse error at column 2: unknown escape sequence '\\\"'");
	check_fail("\"\\u12\"", "parse error at column 2: illegal character in escape sequence");
	check_fail("\"\\ud800\"", "parse error at column 2: escape sequence is an invalid Unicode code point");
	check_fail("\"\\400\"", "parse error at column 2: escape sequence is an invalid Unicode code point");
	check_fail("x !x", "parse error at column 3: unexpected character after '!': 'x'");
	check_fail("x & y", "parse error at column 3: unexpected character: '&'");
	check_fail("x \x01", "parse error at column 3: unexpected character: '\\x01'");
}

static void test_unsupported(void **state)
{
	(void)state;
	check_fail("x[5m:1m]", "unsupported at column 2: subqueries");
	check_fail("rate(x[5m])[10m:]", "unsupported at column 12: subqueries");
	check_fail("deriv(x[5m])", "unsupported at column 1: function 'deriv'");
	check_fail("sort_desc(x)", "unsupported at column 1: function 'sort_desc'");
	check_fail("count_values(\"a\", x)", "unsupported at column 1: aggregation 'count_values'");
	check_fail("group(x)", "unsupported at column 1: aggregation 'group'");
	check_fail("x atan2 y", "unsupported at column 3: operator 'atan2'");
	check_fail("x{a=~\"a*?\"}", "unsupported at column 6: regex 'a*?': lazy quantifier '*?'");
	check_fail("x{a!~\"(?P<n>a)\"}", "unsupported at column 6: regex '(?P<n>a)': flags and named groups '(?'");
	check_fail("x{a=~\"\\\\bx\"}", "unsupported at column 6: regex '\\bx': escape '\\b'");
	check_fail("label_replace(x, \"a\", \"b\", \"c\", \"(?s).\")",
		   "unsupported at column 33: regex '(?s).': flags and named groups '(?'");
	check_fail("x{a=\"\\x00\"}", "unsupported at column 6: NUL character in string");
}

static void test_expr_type(void **state)
{
	static const struct {
		const char *text;
		enum obs_promql_type type;
	} cases[] = {
		{ "1", OBS_PROMQL_SCALAR }, { "\"s\"", OBS_PROMQL_STRING }, { "x", OBS_PROMQL_VECTOR },
		{ "x[1m]", OBS_PROMQL_MATRIX }, { "1 + 1", OBS_PROMQL_SCALAR },
		{ "x + 1", OBS_PROMQL_VECTOR }, { "time()", OBS_PROMQL_SCALAR },
		{ "scalar(x)", OBS_PROMQL_SCALAR }, { "(x[1m])", OBS_PROMQL_MATRIX },
		{ "-1", OBS_PROMQL_SCALAR }, { "-x", OBS_PROMQL_VECTOR },
	};
	struct obs_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct obs_promql_expr *e = obs_promql_parse(cases[i].text, &err);

		assert_non_null(e);
		assert_int_equal(obs_promql_expr_type(e), cases[i].type);
		obs_promql_expr_free(e);
	}
}

/* ---- evaluation: selectors ----------------------------------------------------------------------- */

static void test_selectors(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "c", 600, "c{job=a} 45 ; c{job=b} 11");
	check_eval(set, "c{job=\"b\"}", 600, "c{job=b} 11");
	check_eval(set, "c{job!=\"b\"}", 600, "c{job=a} 45");
	check_eval(set, "g{inst=~\"[12]\"}", 600, "g{inst=1,job=a} 5 ; g{inst=2,job=a} 89");
	check_eval(set, "g{inst!~\"[12]\"}", 600, "g{inst=3,job=b} 7");
	check_eval(set, "{__name__=~\"c|d\", job=\"a\"}", 600, "c{job=a} 45 ; d{job=a} 1");
	check_eval(set, "g{team=\"\"}", 60, "g{inst=1,job=a} -1 ; g{inst=2,job=a} 1");
	check_eval(set, "info{team!=\"\"}", 0, "info{job=a,team=x} 1 ; info{job=b,team=y} 1");
	check_eval(set, "nothing", 600, "");
	/* The lookback: 5 minutes, both ends included. */
	check_eval(set, "g{inst=\"3\"}", 300, "g{inst=3,job=b} 0.5");
	check_eval(set, "g{inst=\"3\"}", 420, "g{inst=3,job=b} 0.5");
	check_eval(set, "g{inst=\"3\"}", 420.001, "");
	check_eval(set, "g{inst=\"3\"}", 119.999, "");
	check_eval(set, "c{job=\"b\"}", 659, "c{job=b} 11");
	check_eval(set, "c{job=\"b\"}", 90, "c{job=b} 2");
	/* offset and @ */
	check_eval(set, "g{inst=\"1\"} offset 1m", 600, "g{inst=1,job=a} 3");
	check_eval(set, "g{inst=\"1\"} offset -1m", 540, "g{inst=1,job=a} 5");
	check_eval(set, "g{inst=\"1\"} @ 60", 600, "g{inst=1,job=a} -1");
	check_eval(set, "g{inst=\"1\"} @ 60 offset 1m", 600, "g{inst=1,job=a} 3");
	check_eval(set, "g{inst=\"1\"} @ 60.5", 0, "g{inst=1,job=a} -1");
	check_eval(set, "g{inst=\"1\"} @ start()", 120, "g{inst=1,job=a} 4");
	check_eval(set, "g{inst=\"1\"} @ end()", 120, "g{inst=1,job=a} 4");
	check_eval(set, "g{inst=\"3\"} @ 1000", 0, "");
	/* A range selector at the top: the raw samples. */
	check_eval(set, "c{job=\"b\"}[2m]", 600, "c{job=b} 9@480,10@540,11@600");
	check_eval(set, "c{job=\"b\"}[2m] offset 5m", 600, "c{job=b} 4@180,5@240,6@300");
	check_eval(set, "c{job=\"b\"}[1m] @ 60", 600, "c{job=b} 1@0,2@60");
	check_eval(set, "g[30s]", 590, "");
	check_eval(set, "\"hello\"", 600, "hello");
	check_eval(set, "1", 600, "1");
}

/* ---- evaluation: functions ------------------------------------------------------------------------- */

static void test_rate_family(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "rate(c[5m])", 600, "{job=a} 0.15000000000000002 ; {job=b} 0.016666666666666666");
	check_eval(set, "increase(c[5m])", 600, "{job=a} 45 ; {job=b} 5");
	check_eval(set, "rate(c[10m])", 600, "{job=a} 0.15833333333333335 ; {job=b} 0.016666666666666666");
	/* Extrapolation: half an interval at each end when the range is not covered. */
	check_eval(set, "increase(c{job=\"b\"}[4m30s])", 600, "{job=b} 4.5");
	/* Counter reset: 50 then 5 counts as +5; the zero point limits extrapolation. */
	check_eval(set, "increase(c{job=\"a\"}[1m30s])", 390, "{job=a} 7.5");
	check_eval(set, "increase(c{job=\"a\"}[3m])", 120, "{job=a} 20");
	check_eval(set, "increase(c{job=\"a\"}[3m])", 360, "{job=a} 25");
	check_eval(set, "delta(g[3m])", 600, "{inst=1,job=a} -1 ; {inst=2,job=a} 68");
	check_eval(set, "rate(c{job=\"b\"}[5m] @ 300)", 0, "{job=b} 0.016666666666666666");
	check_eval(set, "rate(c{job=\"b\"}[5m] offset 5m)", 600, "{job=b} 0.016666666666666666");
	check_eval(set, "rate(c[1m])", 30, "");
	check_eval(set, "irate(c[5m])", 600, "{job=a} 0.16666666666666666 ; {job=b} 0.016666666666666666");
	check_eval(set, "irate(c{job=\"a\"}[5m])", 360, "{job=a} 0.08333333333333333");
	check_eval(set, "idelta(g[5m])", 600, "{inst=1,job=a} 2 ; {inst=2,job=a} 34");
	check_eval(set, "idelta(g{inst=\"3\"}[10m])", 600, "{inst=3,job=b} 6.5");
	check_eval(set, "resets(c[10m])", 600, "{job=a} 1 ; {job=b} 0");
	check_eval(set, "changes(g[10m])", 600, "{inst=1,job=a} 10 ; {inst=2,job=a} 9 ; {inst=3,job=b} 1");
	check_eval(set, "changes(d[10m])", 600, "{job=a} 0");
}

static void test_over_time(void **state)
{
	struct obs_series_set *set = *state;
	const char *g1 = "g{inst=\"1\"}[5m]";
	char q[128];

#define OT(f, want)                                          \
	do {                                                 \
		snprintf(q, sizeof(q), "%s(%s)", f, g1);     \
		check_eval(set, q, 600, want);               \
	} while (0)
	OT("avg_over_time", "{inst=1,job=a} 5");
	OT("min_over_time", "{inst=1,job=a} 2");
	OT("max_over_time", "{inst=1,job=a} 9");
	OT("sum_over_time", "{inst=1,job=a} 30");
	OT("count_over_time", "{inst=1,job=a} 6");
	OT("last_over_time", "g{inst=1,job=a} 5");
	OT("stdvar_over_time", "{inst=1,job=a} 5");
	OT("stddev_over_time", "{inst=1,job=a} 2.23606797749979");
#undef OT
	check_eval(set, "quantile_over_time(0.25, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} 3.5");
	check_eval(set, "quantile_over_time(0.5, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} 5");
	check_eval(set, "quantile_over_time(0, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} 2");
	check_eval(set, "quantile_over_time(1, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} 9");
	check_eval(set, "quantile_over_time(-1, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} -Inf");
	check_eval(set, "quantile_over_time(2, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} +Inf");
	check_eval(set, "quantile_over_time(NaN, g{inst=\"1\"}[5m])", 600, "{inst=1,job=a} NaN");
	check_eval(set, "count_over_time(g[10m])", 600,
		   "{inst=1,job=a} 11 ; {inst=2,job=a} 11 ; {inst=3,job=b} 2");
	check_eval(set, "last_over_time(g{inst=\"3\"}[1m])", 300, "");
	check_eval(set, "avg_over_time((g{inst=\"1\"}[5m]))", 600, "{inst=1,job=a} 5");
}

/* Infinities and NaN inside ranges and clamps. */
static void test_special_values(void **state)
{
	struct obs_series_set *set = obs_series_set_new();

	(void)state;
	add(set, "a", "", "1 Inf 2");
	add(set, "b", "", "Inf -Inf 1");
	add(set, "n", "", "NaN 1 2");
	add(set, "z", "", "-0");
	add(set, "m", "", "-Inf 1 -Inf");
	check_eval(set, "avg_over_time(a[5m])", 120, "{} +Inf");
	check_eval(set, "avg_over_time(b[5m])", 120, "{} NaN");
	check_eval(set, "avg_over_time(m[5m])", 120, "{} -Inf");
	check_eval(set, "sum_over_time(a[5m])", 120, "{} +Inf");
	check_eval(set, "max_over_time(n[5m])", 120, "{} 2");
	check_eval(set, "min_over_time(n[5m])", 120, "{} 1");
	check_eval(set, "max_over_time(b[5m])", 120, "{} +Inf");
	check_eval(set, "min_over_time(b[5m])", 120, "{} -Inf");
	check_eval(set, "changes(n[5m])", 120, "{} 2");
	check_eval(set, "clamp_min(z, 0)", 0, "{} 0");
	check_eval(set, "clamp_max(z, 0)", 0, "{} -0");
	check_eval(set, "clamp_max(a, Inf)", 60, "{} +Inf");
	check_eval(set, "clamp_min(m, -Inf)", 0, "{} -Inf");
	check_eval(set, "clamp_min(n, 0)", 0, "{} NaN");
	check_eval(set, "clamp_max(n, 5)", 0, "{} NaN");
	check_eval(set, "max(n or label_replace(a, \"x\", \"y\", \"\", \"\"))", 0, "{} 1");
	check_eval(set, "quantile(0.5, n or label_replace(vector(1), \"x\", \"1\", \"\", \"\") or "
			"label_replace(a, \"x\", \"2\", \"\", \"\"))", 0, "{} 1");
	obs_series_set_free(set);
}

static void test_instant_functions(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "abs(g{inst=\"1\"})", 240, "{inst=1,job=a} 5");
	check_eval(set, "ceil(g{inst=\"1\"} / 2)", 600, "{inst=1,job=a} 3");
	check_eval(set, "floor(g{inst=\"1\"} / 2)", 600, "{inst=1,job=a} 2");
	check_eval(set, "round(g{inst=\"1\"} / 2)", 600, "{inst=1,job=a} 3");
	check_eval(set, "round(g{inst=\"1\"} / -2)", 600, "{inst=1,job=a} -2");
	check_eval(set, "round(g, 2)", 600, "{inst=1,job=a} 6 ; {inst=2,job=a} 90 ; {inst=3,job=b} 8");
	check_eval(set, "round(g{inst=\"1\"}, 0.3)", 600, "{inst=1,job=a} 5.1");
	check_eval(set, "clamp_min(g, 6)", 600, "{inst=1,job=a} 6 ; {inst=2,job=a} 89 ; {inst=3,job=b} 7");
	check_eval(set, "clamp_max(g, 6)", 600, "{inst=1,job=a} 5 ; {inst=2,job=a} 6 ; {inst=3,job=b} 6");
	check_eval(set, "clamp_max(g{inst=\"1\"}, NaN)", 600, "{inst=1,job=a} NaN");
	check_eval(set, "clamp_min(g{inst=\"1\"}, -Inf)", 600, "{inst=1,job=a} 5");
	check_eval(set, "sqrt(g{inst=\"2\"})", 120, "{inst=2,job=a} 1.4142135623730951");
	check_eval(set, "sqrt(g{inst=\"1\"})", 60, "{inst=1,job=a} NaN");
	check_eval(set, "ln(g{inst=\"2\"})", 0, "{inst=2,job=a} 0");
	check_eval(set, "ln(g{inst=\"1\"} * 0)", 600, "{inst=1,job=a} -Inf");
	check_eval(set, "exp(g{inst=\"1\"})", 600, "{inst=1,job=a} 148.4131591025766");
	check_eval(set, "time()", 600, "600");
	check_eval(set, "time()", 1.5, "1.5");
	check_eval(set, "vector(2)", 600, "{} 2");
	check_eval(set, "vector(time())", 60, "{} 60");
	check_eval(set, "scalar(g{inst=\"1\"})", 600, "5");
	check_eval(set, "scalar(g)", 600, "NaN");
	check_eval(set, "scalar(nothing)", 600, "NaN");
	check_eval(set, "absent(nothing{a=\"b\", c=~\"d\", e=\"f\", e=\"g\"})", 600, "{a=b} 1");
	check_eval(set, "absent(nothing)", 600, "{} 1");
	check_eval(set, "absent(g)", 600, "");
	check_eval(set, "absent(rate(nothing{a=\"b\"}[5m]))", 600, "{} 1");
	check_eval(set, "absent((nothing{a=\"b\"}))", 600, "{a=b} 1");
}

static void test_label_replace(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "label_replace(g{inst=\"1\"}, \"x\", \"$1-$1\", \"inst\", \"(.*)\")", 600,
		   "g{inst=1,job=a,x=1-1} 5");
	check_eval(set, "label_replace(g{inst=\"1\"}, \"x\", \"${1}y$1y$$\", \"inst\", \"(.*)\")", 600,
		   "g{inst=1,job=a,x=1y$} 5");
	check_eval(set, "label_replace(g{inst=\"1\"}, \"inst\", \"\", \"inst\", \"1\")", 600,
		   "g{job=a} 5");
	check_eval(set, "label_replace(g{inst=\"1\"}, \"x\", \"$1\", \"inst\", \"2\")", 600,
		   "g{inst=1,job=a} 5");
	check_eval(set, "label_replace(g{inst=\"1\"}, \"x\", \"$2:$0\", \"job\", \"(?:a)(.?)\")", 600,
		   "g{inst=1,job=a,x=:a} 5");
	check_eval(set, "label_replace(g{inst=\"1\"}, \"x\", \"v\", \"none\", \"\")", 600,
		   "g{inst=1,job=a,x=v} 5");
	check_eval(set, "label_replace(g{inst=\"1\"}, \"__name__\", \"renamed\", \"job\", \"a\")", 600,
		   "renamed{inst=1,job=a} 5");
	check_eval(set, "label_replace(g, \"inst\", \"\", \"inst\", \".*\")", 600,
		   "error: vector cannot contain metrics with the same labelset");
}

static void test_histogram_quantile(void **state)
{
	struct obs_series_set *set = *state;
	struct obs_series_set *h = obs_series_set_new();

	check_eval(set, "histogram_quantile(0.5, h)", 600, "{} 1.5");
	check_eval(set, "histogram_quantile(0.9, h)", 600, "{} 2");
	check_eval(set, "histogram_quantile(0.1, h)", 600, "{} 0.3");
	check_eval(set, "histogram_quantile(0, h)", 600, "{} 0");
	check_eval(set, "histogram_quantile(1, h)", 600, "{} 2");
	check_eval(set, "histogram_quantile(0.5, h)", 0, "{} NaN");
	check_eval(set, "histogram_quantile(2, h)", 600, "{} +Inf");
	check_eval(set, "histogram_quantile(-1, h)", 600, "{} -Inf");
	check_eval(set, "histogram_quantile(NaN, h)", 600, "{} NaN");
	check_eval(set, "histogram_quantile(0.5, rate(h[5m]))", 600, "{} 1.5");
	check_eval(set, "histogram_quantile(0.5, g)", 600, "");
	check_eval(set, "histogram_quantile(0.5, h or g)", 600, "{} 1.5");
	/* Equal bounds are added up; the metric name keeps histograms apart. */
	check_eval(set, "histogram_quantile(0.5, h or label_replace(h{le=\"1\"}, \"le\", \"1.0\", \"le\", \".*\"))",
		   600, "{} 0.75");
	check_eval(set, "histogram_quantile(0.5, h or label_replace(h{le=\"1\"} * 0 + 1, \"le\", \"1.0\", \"le\", \".*\"))",
		   600, "error: vector cannot contain metrics with the same labelset");
	/* Edge cases: no +Inf bucket, one bucket, a bucket below zero, non-monotonic counts. */
	add(h, "a", "le=1", "1");
	add(h, "a", "le=2", "2");
	add(h, "b", "le=+Inf", "4");
	add(h, "c", "le=-1", "2");
	add(h, "c", "le=+Inf", "4");
	add(h, "d", "le=1", "5");
	add(h, "d", "le=2", "3");
	add(h, "d", "le=+Inf", "6");
	add(h, "e", "le=0x1p1", "2");
	add(h, "e", "le=1_0", "4");
	add(h, "e", "le=+inf", "4");
	add(h, "f", "le=x", "4");
	add(h, "f", "le=1", "4");
	add(h, "f", "le=Infinity", "8");
	check_eval(h, "histogram_quantile(0.5, a)", 0, "{} NaN");
	check_eval(h, "histogram_quantile(0.5, b)", 0, "{} NaN");
	check_eval(h, "histogram_quantile(0.25, c)", 0, "{} -1");
	check_eval(h, "histogram_quantile(0.75, c)", 0, "{} -1");
	check_eval(h, "histogram_quantile(0.5, d)", 0, "{} 0.6");
	check_eval(h, "histogram_quantile(0.5, e)", 0, "{} 2");
	check_eval(h, "histogram_quantile(0.75, e)", 0, "{} 6");
	check_eval(h, "histogram_quantile(0.25, f)", 0, "{} 0.5");
	check_eval(h, "histogram_quantile(0.5, {__name__=~\"a|d\"})", 0,
		   "error: vector cannot contain metrics with the same labelset");
	obs_series_set_free(h);
}

/* ---- evaluation: aggregations ------------------------------------------------------------------------ */

static void test_aggregations(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "sum(g)", 600, "{} 101");
	check_eval(set, "sum by (job) (g)", 600, "{job=a} 94 ; {job=b} 7");
	check_eval(set, "sum(g) by (job)", 600, "{job=a} 94 ; {job=b} 7");
	check_eval(set, "sum without (inst) (g)", 600, "{job=a} 94 ; {job=b} 7");
	check_eval(set, "sum by (__name__) (g)", 600, "g{} 101");
	check_eval(set, "sum by (nothing) (g)", 600, "{} 101");
	check_eval(set, "count without () (g)", 600,
		   "{inst=1,job=a} 1 ; {inst=2,job=a} 1 ; {inst=3,job=b} 1");
	check_eval(set, "avg(g)", 600, "{} 33.66666666666667");
	check_eval(set, "min(g)", 600, "{} 5");
	check_eval(set, "max(g)", 600, "{} 89");
	check_eval(set, "count(g)", 600, "{} 3");
	check_eval(set, "stddev(g)", 600, "{} 39.135093657171126");
	check_eval(set, "stdvar(g)", 600, "{} 1531.5555555555554");
	check_eval(set, "stdvar by (inst) (g)", 600, "{inst=1} 0 ; {inst=2} 0 ; {inst=3} 0");
	check_eval(set, "quantile(0.5, g)", 600, "{} 7");
	check_eval(set, "quantile(0.25, g)", 600, "{} 6");
	check_eval(set, "quantile(2, g)", 600, "{} +Inf");
	check_eval(set, "quantile(-2, g)", 600, "{} -Inf");
	check_eval(set, "quantile(NaN, g)", 600, "{} NaN");
	check_eval(set, "sum(nothing)", 600, "");
	check_eval(set, "avg(g / 0)", 600, "{} +Inf");
	check_eval(set, "avg(g{job=\"a\"} / 0 or -g{job=\"b\"} / 0)", 600, "{} NaN");
	check_eval(set, "max(g{inst=\"1\"} * NaN or g{inst=\"2\"})", 600, "{} 89");
	check_eval(set, "min(g{inst=\"1\"} * NaN or g{inst=\"2\"})", 600, "{} 89");
	check_eval(set, "sum by (job) (rate(c[5m]))", 600, "{job=a} 0.15000000000000002 ; {job=b} 0.016666666666666666");
}

static void test_topk(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "topk(2, g)", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "topk(1, g)", 600, "g{inst=2,job=a} 89");
	check_eval(set, "topk(1.9, g)", 600, "g{inst=2,job=a} 89");
	check_eval(set, "topk(5, g)", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7 ; g{inst=1,job=a} 5");
	check_eval(set, "bottomk(1, g)", 600, "g{inst=1,job=a} 5");
	check_eval(set, "bottomk(2, g)", 600, "g{inst=1,job=a} 5 ; g{inst=3,job=b} 7");
	check_eval(set, "bottomk(5, g)", 600, "g{inst=1,job=a} 5 ; g{inst=3,job=b} 7 ; g{inst=2,job=a} 89");
	check_eval(set, "topk by (job) (1, g)", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "topk(0, g)", 600, "");
	check_eval(set, "topk(-1, g)", 600, "");
	check_eval(set, "topk(1, g{inst=\"1\"} * NaN or g{inst=\"2\"})", 600, "g{inst=2,job=a} 89");
	check_eval(set, "topk(3, g{inst=\"1\"} * NaN or g{inst=\"2\"})", 600,
		   "g{inst=2,job=a} 89 ; {inst=1,job=a} NaN");
	check_eval(set, "bottomk(3, g{inst=\"1\"} * NaN or g{inst=\"2\"})", 600,
		   "g{inst=2,job=a} 89 ; {inst=1,job=a} NaN");
	check_eval(set, "topk(NaN, g)", 600, "error: Scalar value NaN overflows int64");
	check_eval(set, "topk(Inf, g)", 600, "error: Scalar value +Inf overflows int64");
	check_eval(set, "topk(1e20, g)", 600, "error: Scalar value 1e+20 overflows int64");
	check_eval(set, "topk(scalar(g{inst=\"3\"}), c)", 600, "c{job=a} 45 ; c{job=b} 11");
	check_eval(set, "(topk(2, g))", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	/* More candidates than k: the heap replaces its top. */
	check_eval(set, "topk(2, {__name__=~\"g|c\"})", 600, "g{inst=2,job=a} 89 ; c{job=a} 45");
	check_eval(set, "bottomk(2, {__name__=~\"g|c\"})", 600, "g{inst=1,job=a} 5 ; g{inst=3,job=b} 7");
	check_eval(set, "topk(3, {__name__=~\"g|c\"})", 360,
		   "g{inst=2,job=a} 13 ; c{job=b} 7 ; c{job=a} 5");
}

/* ---- evaluation: operators ------------------------------------------------------------------------------ */

static void test_scalar_ops(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "1 + 2 * 3", 0, "7");
	check_eval(set, "2 ^ 3 ^ 2", 0, "512");
	check_eval(set, "-2 ^ 2", 0, "-4");
	check_eval(set, "(-2) ^ 2", 0, "4");
	check_eval(set, "2 ^ -1", 0, "0.5");
	check_eval(set, "10 - 2 - 3", 0, "5");
	check_eval(set, "7 % 3", 0, "1");
	check_eval(set, "-7 % 3", 0, "-1");
	check_eval(set, "1 / 0", 0, "+Inf");
	check_eval(set, "-1 / 0", 0, "-Inf");
	check_eval(set, "0 / 0", 0, "NaN");
	check_eval(set, "1 < bool 2", 0, "1");
	check_eval(set, "1 > bool 2", 0, "0");
	check_eval(set, "2 == bool 2", 0, "1");
	check_eval(set, "2 != bool 2", 0, "0");
	check_eval(set, "2 >= bool 3", 0, "0");
	check_eval(set, "2 <= bool 3", 0, "1");
	check_eval(set, "NaN == bool NaN", 0, "0");
	check_eval(set, "0.1 + 0.2", 0, "0.30000000000000004");
	check_eval(set, "- - 3", 0, "3");
	check_eval(set, "+5", 0, "5");
	check_eval(set, "-time()", 60, "-60");
}

static void test_vector_scalar_ops(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "g - 1", 600, "{inst=1,job=a} 4 ; {inst=2,job=a} 88 ; {inst=3,job=b} 6");
	check_eval(set, "100 - g", 600, "{inst=1,job=a} 95 ; {inst=2,job=a} 11 ; {inst=3,job=b} 93");
	check_eval(set, "2 ^ g{inst=\"1\"}", 600, "{inst=1,job=a} 32");
	check_eval(set, "g{inst=\"1\"} ^ 2", 600, "{inst=1,job=a} 25");
	check_eval(set, "g % 4", 600, "{inst=1,job=a} 1 ; {inst=2,job=a} 1 ; {inst=3,job=b} 3");
	check_eval(set, "g * 2", 600, "{inst=1,job=a} 10 ; {inst=2,job=a} 178 ; {inst=3,job=b} 14");
	check_eval(set, "g / 0", 600, "{inst=1,job=a} +Inf ; {inst=2,job=a} +Inf ; {inst=3,job=b} +Inf");
	check_eval(set, "g > 6", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "g == 5", 600, "g{inst=1,job=a} 5");
	check_eval(set, "g != 5", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "g >= 7", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "g <= 7", 600, "g{inst=1,job=a} 5 ; g{inst=3,job=b} 7");
	check_eval(set, "g < 7", 600, "g{inst=1,job=a} 5");
	check_eval(set, "6 < g", 600, "g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "g > bool 6", 600, "{inst=1,job=a} 0 ; {inst=2,job=a} 1 ; {inst=3,job=b} 1");
	check_eval(set, "6 < bool g", 600, "{inst=1,job=a} 0 ; {inst=2,job=a} 1 ; {inst=3,job=b} 1");
	check_eval(set, "-g{inst=\"1\"}", 600, "{inst=1,job=a} -5");
	check_eval(set, "+g{inst=\"1\"}", 600, "g{inst=1,job=a} 5");
	check_eval(set, "time() - g{inst=\"1\"}", 600, "{inst=1,job=a} 595");
	check_eval(set, "{__name__=~\"c|d\"} * 2", 600,
		   "error: vector cannot contain metrics with the same labelset");
	check_eval(set, "-{__name__=~\"c|d\"}", 600,
		   "error: vector cannot contain metrics with the same labelset");
	check_eval(set, "{__name__=~\"c|d\"} > 0", 600, "c{job=a} 45 ; c{job=b} 11 ; d{job=a} 1");
	check_eval(set, "rate({__name__=~\"c|d\"}[5m])", 600,
		   "error: vector cannot contain metrics with the same labelset");
	check_eval(set, "abs({__name__=~\"c|d\"})", 600,
		   "error: vector cannot contain metrics with the same labelset");
}

static void test_vector_vector_ops(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "c - c offset 1m", 600, "{job=a} 10 ; {job=b} 1");
	check_eval(set, "c / d", 600, "{job=a} 45");
	check_eval(set, "c > d", 600, "c{job=a} 45");
	check_eval(set, "d < c", 600, "d{job=a} 1");
	check_eval(set, "c > bool d", 600, "{job=a} 1");
	check_eval(set, "c == c", 600, "c{job=a} 45 ; c{job=b} 11");
	check_eval(set, "c + on(job) sum by (job) (g)", 600, "{job=a} 139 ; {job=b} 18");
	check_eval(set, "g{job=\"a\"} / on(job) group_left sum by (job) (g)", 600,
		   "{inst=1,job=a} 0.05319148936170213 ; {inst=2,job=a} 0.9468085106382979");
	check_eval(set, "g * on(job) group_left(team) info", 600,
		   "{inst=1,job=a,team=x} 5 ; {inst=2,job=a,team=x} 89 ; {inst=3,job=b,team=y} 7");
	check_eval(set, "info * on(job) group_right g", 600,
		   "{inst=1,job=a} 5 ; {inst=2,job=a} 89 ; {inst=3,job=b} 7");
	check_eval(set, "info * on(job) group_right(team) g", 600,
		   "{inst=1,job=a,team=x} 5 ; {inst=2,job=a,team=x} 89 ; {inst=3,job=b,team=y} 7");
	check_eval(set, "g > on(job) group_left c", 600, "g{inst=2,job=a} 89");
	check_eval(set, "c < on(job) group_right g", 600, "g{inst=2,job=a} 45");
	check_eval(set, "g == ignoring(inst) group_left c", 600, "");
	check_eval(set, "c * ignoring(job) group_left(job) d", 600,
		   "error: multiple matches for labels: grouping labels must ensure unique matches");
	check_eval(set, "g{inst=\"1\"} * ignoring(team) group_left(team) info", 600, "");
	check_eval(set, "c + ignoring(job) c", 600,
		   "error: found duplicate series for the match group {} on the right hand-side of the "
		   "operation: [{__name__=\"c\", job=\"b\"}, {__name__=\"c\", job=\"a\"}];many-to-many "
		   "matching not allowed: matching labels must be unique on one side");
	check_eval(set, "info * on(job) group_right g * on(job) group_right info", 600,
		   "error: found duplicate series for the match group {job=\"a\"} on the left hand-side "
		   "of the operation: [{inst=\"2\", job=\"a\"}, {inst=\"1\", job=\"a\"}];many-to-many "
		   "matching not allowed: matching labels must be unique on one side");
	check_eval(set, "g + on(job) info", 600,
		   "error: multiple matches for labels: many-to-one matching must be explicit "
		   "(group_left/group_right)");
	check_eval(set, "g + on(job) group_left label_replace(info, \"inst\", \"1\", \"job\", \".*\")",
		   600, "{inst=1,job=a} 6 ; {inst=2,job=a} 90 ; {inst=3,job=b} 8");
	check_eval(set, "g + on(job) group_left(inst) label_replace(info, \"inst\", \"1\", \"job\", \"a\")",
		   600, "error: multiple matches for labels: grouping labels must ensure unique matches");
	check_eval(set, "c{job=\"a\"} + ignoring(job) group_left(job) label_replace(vector(1), \"job\", "
			"\"b\", \"\", \"\") or c{job=\"b\"} + ignoring(job) group_left(job) "
			"label_replace(vector(1), \"job\", \"b\", \"\", \"\")", 600, "{job=b} 46");
}

static void test_set_ops(void **state)
{
	struct obs_series_set *set = *state;

	check_eval(set, "g and on(job) c", 600, "g{inst=1,job=a} 5 ; g{inst=2,job=a} 89 ; g{inst=3,job=b} 7");
	check_eval(set, "g and on(job) c{job=\"b\"}", 600, "g{inst=3,job=b} 7");
	check_eval(set, "c and g", 600, "");
	check_eval(set, "c and d", 600, "c{job=a} 45");
	check_eval(set, "c and ignoring(job) d", 600, "c{job=a} 45 ; c{job=b} 11");
	check_eval(set, "c and nothing", 600, "");
	check_eval(set, "nothing and c", 600, "");
	check_eval(set, "c or d", 600, "c{job=a} 45 ; c{job=b} 11");
	check_eval(set, "d or c", 600, "c{job=b} 11 ; d{job=a} 1");
	check_eval(set, "d or on(__name__) c", 600, "c{job=a} 45 ; c{job=b} 11 ; d{job=a} 1");
	check_eval(set, "nothing or d", 600, "d{job=a} 1");
	check_eval(set, "g{job=\"a\"} or c", 600,
		   "c{job=a} 45 ; c{job=b} 11 ; g{inst=1,job=a} 5 ; g{inst=2,job=a} 89");
	check_eval(set, "c unless d", 600, "c{job=b} 11");
	check_eval(set, "c unless nothing", 600, "c{job=a} 45 ; c{job=b} 11");
	check_eval(set, "g unless on(job) c{job=\"b\"}", 600, "g{inst=1,job=a} 5 ; g{inst=2,job=a} 89");
	check_eval(set, "g > 6 or g < 0", 240, "g{inst=1,job=a} -5");
	check_eval(set, "c > 20 unless c > 40", 600, "");
	check_eval(set, "c > 20 unless c > 50", 600, "c{job=a} 45");
}

/* ---- range queries, options, output ---------------------------------------------------------------------- */

static void test_range_queries(void **state)
{
	struct obs_series_set *set = *state;

	check_range(set, "c{job=\"b\"}", 0, 120, 60, "c{job=b} 1@0,2@60,3@120");
	check_range(set, "time()", 0, 120, 60, "{} 0@0,60@60,120@120");
	check_range(set, "1 + 1", 0, 60, 60, "{} 2@0,2@60");
	check_range(set, "g{inst=\"3\"}", 0, 600, 120, "g{inst=3,job=b} 0.5@120,0.5@240,0.5@360,7@600");
	check_range(set, "rate(c{job=\"b\"}[2m])", 0, 240, 120,
		    "{job=b} 0.016666666666666666@120,0.016666666666666666@240");
	check_range(set, "sum by (job) (c)", 540, 600, 60, "{job=a} 35@540,45@600 ; {job=b} 10@540,11@600");
	check_range(set, "absent(g{inst=\"3\"})", 0, 600, 120, "{inst=3} 1@0,1@480");
	check_range(set, "g{inst=\"1\"} @ start()", 60, 180, 60,
		    "g{inst=1,job=a} -1@60,-1@120,-1@180");
	check_range(set, "g{inst=\"1\"} @ end()", 60, 200, 60,
		    "g{inst=1,job=a} 1@60,1@120,1@180");
	check_range(set, "rate(c{job=\"b\"}[1m] @ end())", 60, 180, 60,
		    "{job=b} 0.016666666666666666@60,0.016666666666666666@120,0.016666666666666666@180");
	check_range(set, "topk(1, g)", 0, 120, 60, "g{inst=1,job=a} 3@0,4@120 ; g{inst=2,job=a} 1@60");
	check_range(set, "g > bool 3", 0, 60, 60,
		    "{inst=1,job=a} 0@0,0@60 ; {inst=2,job=a} 0@0,0@60");
	check_range(set, "\"s\"", 0, 60, 60,
		    "invalid expression type \"string\" for range query, must be Scalar or instant Vector");
	check_range(set, "c[1m]", 0, 60, 60,
		    "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
	check_range(set, "c", 0, 60, 0,
		    "zero or negative query resolution step widths are not accepted: try a positive integer");
	check_range(set, "c", 60, 0, 60, "end timestamp must not be before start time");
	check_range(set, "c", 0, 11000, 1,
		    "exceeded maximum resolution of 11,000 points per timeseries: try a larger step");
}

static void test_options(void **state)
{
	struct obs_series_set *set = *state;
	struct obs_promql_opts opts = { 0 };

	opts.lookback_ms = 60000;
	assert_string_equal(eval_opts(set, "g{inst=\"3\"}", 300, &opts), "");
	assert_string_equal(eval_opts(set, "g{inst=\"3\"}", 180, &opts), "g{inst=3,job=b} 0.5");
	opts.lookback_ms = 0;
	opts.max_samples = 2;
	assert_string_equal(eval_opts(set, "g", 600, &opts),
			    "error: query processing would load too many samples into memory in query execution");
	assert_string_equal(eval_opts(set, "c", 600, &opts), "c{job=a} 45 ; c{job=b} 11");
	assert_string_equal(eval_opts(set, "c[5m]", 600, &opts),
			    "error: query processing would load too many samples into memory in query execution");
	assert_string_equal(eval_opts(set, "sum(rate(g[5m]))", 600, &opts),
			    "error: query processing would load too many samples into memory in query execution");
}

static char *json_of(struct obs_series_set *set, const char *text, int64_t t)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(text, &err);
	struct obs_promql_value *v;
	char *json;

	assert_non_null(e);
	assert_int_equal(obs_promql_eval_instant(set, e, t, NULL, &v, &err), 0);
	json = obs_promql_value_json(v);
	obs_promql_value_free(v);
	obs_promql_expr_free(e);
	return json;
}

static void test_json(void **state)
{
	struct obs_series_set *set = *state;
	struct obs_error err;
	struct obs_promql_expr *e;
	struct obs_promql_value *v;
	char *j;

	j = json_of(set, "c", 600500);
	assert_string_equal(j, "{\"resultType\":\"vector\",\"result\":["
			       "{\"metric\":{\"__name__\":\"c\",\"job\":\"a\"},\"value\":[600.500,\"45\"]},"
			       "{\"metric\":{\"__name__\":\"c\",\"job\":\"b\"},\"value\":[600.500,\"11\"]}]}");
	free(j);
	j = json_of(set, "c{job=\"b\"}[1m]", 600000);
	assert_string_equal(j, "{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"__name__\":\"c\","
			       "\"job\":\"b\"},\"values\":[[540,\"10\"],[600,\"11\"]]}]}");
	free(j);
	j = json_of(set, "1 / 3", 1);
	assert_string_equal(j, "{\"resultType\":\"scalar\",\"result\":[0.001,\"0.3333333333333333\"]}");
	free(j);
	j = json_of(set, "\"a\\\"<b>\\n\"", -1500);
	assert_string_equal(j, "{\"resultType\":\"string\",\"result\":[-1.500,\"a\\\"\\u003cb\\u003e\\n\"]}");
	free(j);
	j = json_of(set, "nothing", 0);
	assert_string_equal(j, "{\"resultType\":\"vector\",\"result\":[]}");
	free(j);
	e = obs_promql_parse("sum by (job) (c)", &err);
	assert_int_equal(obs_promql_eval_range(set, e, 0, 60000, 60000, NULL, &v, &err), 0);
	j = obs_promql_value_json(v);
	assert_string_equal(j, "{\"resultType\":\"matrix\",\"result\":["
			       "{\"metric\":{\"job\":\"a\"},\"values\":[[0,\"0\"],[60,\"10\"]]},"
			       "{\"metric\":{\"job\":\"b\"},\"values\":[[0,\"1\"],[60,\"2\"]]}]}");
	free(j);
	obs_promql_value_free(v);
	obs_promql_expr_free(e);
}

static void test_format_float(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { -0.0, "-0" }, { 1, "1" }, { -1.5, "-1.5" }, { 0.1, "0.1" },
		{ 0.30000000000000004, "0.30000000000000004" }, { 1e21, "1000000000000000000000" },
		{ 1e-7, "0.0000001" }, { 123456.789, "123456.789" }, { 1.5e300, "15" },
		{ 2.5e-5, "0.000025" }, { 1.7976931348623157e308, NULL }, { 5e-324, NULL },
	};
	char buf[400], want[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		obs_promql_format_float(cases[i].v, buf, sizeof(buf));
		if (cases[i].v == 1.5e300) {
			assert_int_equal(strlen(buf), 301);
			assert_memory_equal(buf, "15000", 5);
			continue;
		}
		if (!cases[i].want) {
			assert_true(strtod(buf, NULL) == cases[i].v);
			assert_null(strchr(buf, 'e'));
			continue;
		}
		assert_string_equal(buf, cases[i].want);
	}
	obs_promql_format_float(NAN, buf, sizeof(buf));
	assert_string_equal(buf, "NaN");
	obs_promql_format_float(INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "+Inf");
	obs_promql_format_float(-INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "-Inf");
	snprintf(want, sizeof(want), "0.%0323d5", 0);
	obs_promql_format_float(5e-324, buf, sizeof(buf));
	assert_string_equal(buf, want);
	obs_promql_format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	obs_promql_format_time(1700000000005, buf, sizeof(buf));
	assert_string_equal(buf, "1700000000.005");
	obs_promql_format_time(-1, buf, sizeof(buf));
	assert_string_equal(buf, "-0.001");
	obs_promql_format_time(120000, buf, sizeof(buf));
	assert_string_equal(buf, "120");
}

/* Records in, totals out: the path obs-metric query takes. */
static void test_records(void **state)
{
	struct obs_series_set *set = obs_series_set_new();
	const char *recs[] = {
		"{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":1,"
		"\"labels\":{\"job\":\"x\"},\"time\":\"1970-01-01T00:01:00Z\"}",
		"{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":2,"
		"\"labels\":{\"job\":\"x\"},\"time\":\"1970-01-01T00:00:00Z\"}",
		"{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":4,"
		"\"labels\":{\"job\":\"x\"},\"time\":\"1970-01-01T00:02:00Z\"}",
		"{\"type\":\"metric\",\"name\":\"lat\",\"metric_type\":\"histogram\",\"value\":0.3,"
		"\"time\":\"1970-01-01T00:01:00Z\"}",
		"{\"type\":\"metric\",\"name\":\"lat\",\"metric_type\":\"histogram\",\"value\":7,"
		"\"time\":\"1970-01-01T00:02:00Z\"}",
	};
	struct obs_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		json_t *r = json_loads(recs[i], 0, NULL);

		assert_int_equal(obs_series_set_add_record(set, r, &err), 0);
		json_decref(r);
	}
	check_eval(set, "jobs_total", 120, "jobs_total{job=x} 7");
	check_eval(set, "jobs_total[3m]", 120, "jobs_total{job=x} 2@0,3@60,7@120");
	check_eval(set, "lat_count", 120, "lat_count{} 2");
	check_eval(set, "lat_sum", 120, "lat_sum{} 7.3");
	check_eval(set, "lat_bucket{le=~\"0.25|0.5|10|\\\\+Inf\"}", 120,
		   "lat_bucket{le=+Inf} 2 ; lat_bucket{le=0.25} 0 ; lat_bucket{le=0.5} 1 ; lat_bucket{le=10} 2");
	check_eval(set, "histogram_quantile(0.5, lat_bucket)", 120, "{} 0.5");
	obs_series_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_pow_and_unary),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_literals),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_errors_binary),
		cmocka_unit_test(test_parse_errors_selectors),
		cmocka_unit_test(test_lex_errors),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_expr_type),
		cmocka_unit_test_setup_teardown(test_selectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_over_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instant_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_quantile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_topk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scalar_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_scalar_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_vector_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test(test_format_float),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
