/* SPDX-License-Identifier: MIT */
/* PromQL results: freeing, Prometheus's number and time formats, API JSON, expression text. */
#include "obs_promql_int.h"

#include "obs_buf.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void obs_promql_value_free(struct obs_promql_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v->samples && i < v->n; i++)
		obs_labels_unref(v->samples[i].labels);
	for (i = 0; v->series && i < v->n; i++) {
		obs_labels_unref(v->series[i].labels);
		free(v->series[i].points);
	}
	free(v->samples);
	free(v->series);
	free(v->string);
	free(v);
}

/* ---- numbers and times -------------------------------------------------------------------------- */

size_t obs_promql_format_float(double v, char *buf, size_t size)
{
	char e[40], digits[24], out[400];
	int prec, exp10, point, nd = 0, neg = signbit(v) != 0;
	size_t k = 0, i;
	const char *p;

	if (isnan(v))
		return (size_t)snprintf(buf, size, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, size, "%sInf", v > 0 ? "+" : "-");
	for (prec = 1; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec - 1, v);
	for (p = e + neg; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	exp10 = atoi(p + 1);
	point = exp10 + 1;
	if (neg)
		out[k++] = '-';
	if (v == 0) {
		out[k++] = '0';
	} else if (point <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (i = 0; i < (size_t)-point; i++)
			out[k++] = '0';
		for (i = 0; i < (size_t)nd; i++)
			out[k++] = digits[i];
	} else {
		for (i = 0; i < (size_t)(point > nd ? point : nd); i++) {
			if (i == (size_t)point)
				out[k++] = '.';
			out[k++] = i < (size_t)nd ? digits[i] : '0';
		}
	}
	out[k] = '\0';
	return (size_t)snprintf(buf, size, "%s", out);
}

size_t obs_promql_format_time(int64_t t_ms, char *buf, size_t size)
{
	uint64_t a = t_ms < 0 ? (uint64_t)0 - (uint64_t)t_ms : (uint64_t)t_ms;
	unsigned frac = (unsigned)(a % 1000);

	if (frac)
		return (size_t)snprintf(buf, size, "%s%" PRIu64 ".%03u", t_ms < 0 ? "-" : "", a / 1000,
					frac);
	return (size_t)snprintf(buf, size, "%s%" PRIu64, t_ms < 0 ? "-" : "", a / 1000);
}

/* ---- JSON ------------------------------------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at S, 0 if invalid. */
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
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

/* A JSON string as Go's encoding/json writes it (HTML characters escaped). */
static void sb_json(struct obs_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	obs_buf_addc(b, '"');
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\') {
			obs_buf_addc(b, '\\');
			obs_buf_addc(b, (char)*p);
		} else if (*p == '\n') {
			obs_buf_adds(b, "\\n");
		} else if (*p == '\r') {
			obs_buf_adds(b, "\\r");
		} else if (*p == '\t') {
			obs_buf_adds(b, "\\t");
		} else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
			obs_buf_addf(b, "\\u%04x", *p);
		} else if (n == 0) {
			obs_buf_adds(b, "\\ufffd");
			n = 1;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			obs_buf_adds(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
		} else {
			obs_buf_add(b, (const char *)p, n);
		}
		p += n ? n : 1;
	}
	obs_buf_addc(b, '"');
}

static void sb_labels(struct obs_buf *b, const struct obs_labels *l)
{
	unsigned i;

	obs_buf_addc(b, '{');
	for (i = 0; i < l->len; i++) {
		if (i)
			obs_buf_addc(b, ',');
		sb_json(b, l->v[i].name);
		obs_buf_addc(b, ':');
		sb_json(b, l->v[i].value);
	}
	obs_buf_addc(b, '}');
}

/* [t,"v"] */
static void sb_point(struct obs_buf *b, int64_t t, double v)
{
	char buf[400];

	obs_buf_addc(b, '[');
	obs_promql_format_time(t, buf, sizeof(buf));
	obs_buf_adds(b, buf);
	obs_buf_add(b, ",\"", 2);
	obs_promql_format_float(v, buf, sizeof(buf));
	obs_buf_adds(b, buf);
	obs_buf_add(b, "\"]", 2);
}

char *obs_promql_value_json(const struct obs_promql_value *v)
{
	static const char *const names[] = { "scalar", "string", "vector", "matrix" };
	struct obs_buf b = OBS_BUF_INIT;
	char buf[64];
	size_t i, j;

	obs_buf_adds(&b, "{\"resultType\":\"");
	obs_buf_adds(&b, names[v->type]);
	obs_buf_adds(&b, "\",\"result\":");
	if (v->type == OBS_PROMQL_SCALAR) {
		sb_point(&b, v->t, v->scalar);
	} else if (v->type == OBS_PROMQL_STRING) {
		obs_promql_format_time(v->t, buf, sizeof(buf));
		obs_buf_addc(&b, '[');
		obs_buf_adds(&b, buf);
		obs_buf_addc(&b, ',');
		sb_json(&b, v->string);
		obs_buf_addc(&b, ']');
	} else {
		obs_buf_addc(&b, '[');
		for (i = 0; i < v->n; i++) {
			obs_buf_adds(&b, i ? ",{\"metric\":" : "{\"metric\":");
			if (v->type == OBS_PROMQL_VECTOR) {
				sb_labels(&b, v->samples[i].labels);
				obs_buf_adds(&b, ",\"value\":");
				sb_point(&b, v->t, v->samples[i].v);
			} else {
				sb_labels(&b, v->series[i].labels);
				obs_buf_adds(&b, ",\"values\":[");
				for (j = 0; j < v->series[i].n; j++) {
					if (j)
						obs_buf_addc(&b, ',');
					sb_point(&b, v->series[i].points[j].t, v->series[i].points[j].v);
				}
				obs_buf_addc(&b, ']');
			}
			obs_buf_addc(&b, '}');
		}
		obs_buf_addc(&b, ']');
	}
	obs_buf_addc(&b, '}');
	return obs_buf_detach(&b);
}

/* ---- expressions as text -------------------------------------------------------------------------- */

static void sb_duration(struct obs_buf *b, int64_t ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "y", 365LL * 86400000 }, { "w", 7LL * 86400000 }, { "d", 86400000 },
		{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	};
	size_t i;

	if (ms < 0) {
		obs_buf_addc(b, '-');
		ms = -ms;
	}
	if (ms == 0)
		obs_buf_adds(b, "0s");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms >= units[i].ms) {
			obs_buf_addf(b, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
			ms %= units[i].ms;
		}
	}
}

static void sb_list(struct obs_buf *b, const struct strlist *l)
{
	size_t i;

	obs_buf_addc(b, '(');
	for (i = 0; i < l->n; i++) {
		if (i)
			obs_buf_add(b, ", ", 2);
		obs_buf_adds(b, l->v[i]);
	}
	obs_buf_addc(b, ')');
}

static void sb_selector(struct obs_buf *b, const struct obs_promql_expr *e)
{
	static const char *const ops[] = { "=", "!=", "=~", "!~" };
	size_t i, n = 0;

	if (e->name)
		obs_buf_adds(b, e->name);
	for (i = 0; i < e->nmatchers; i++) {
		const struct obs_matcher *m = &e->matchers[i];

		if (e->name && strcmp(m->name, "__name__") == 0)
			continue;
		obs_buf_adds(b, n++ ? ", " : "{");
		obs_buf_adds(b, m->name);
		obs_buf_adds(b, ops[m->type]);
		sb_json(b, m->value);
	}
	if (n)
		obs_buf_addc(b, '}');
}

static void sb_modifiers(struct obs_buf *b, const struct obs_promql_expr *vs)
{
	char buf[400];

	if (vs->has_offset) {
		obs_buf_adds(b, " offset ");
		sb_duration(b, vs->offset);
	}
	if (vs->at == AT_TIME) {
		obs_promql_format_time(vs->at_ms, buf, sizeof(buf));
		obs_buf_adds(b, " @ ");
		obs_buf_adds(b, buf);
	} else if (vs->at != AT_NONE) {
		obs_buf_adds(b, vs->at == AT_START ? " @ start()" : " @ end()");
	}
}

static void sb_expr(struct obs_buf *b, const struct obs_promql_expr *e);

static void sb_binary(struct obs_buf *b, const struct obs_promql_expr *e)
{
	static const char *const ops[] = {
		"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless",
	};

	obs_buf_addc(b, '(');
	sb_expr(b, e->a);
	obs_buf_addc(b, ' ');
	obs_buf_adds(b, ops[e->op]);
	if (e->return_bool)
		obs_buf_adds(b, " bool");
	if (e->matching.n || e->on) {
		obs_buf_adds(b, e->on ? " on" : " ignoring");
		sb_list(b, &e->matching);
	}
	if (e->card == CARD_MANY_TO_ONE || e->card == CARD_ONE_TO_MANY) {
		obs_buf_adds(b, e->card == CARD_MANY_TO_ONE ? " group_left" : " group_right");
		if (e->include.n)
			sb_list(b, &e->include);
	}
	obs_buf_addc(b, ' ');
	sb_expr(b, e->b);
	obs_buf_addc(b, ')');
}

static void sb_expr(struct obs_buf *b, const struct obs_promql_expr *e)
{
	static const char *const aggs[] = {
		"sum", "avg", "min", "max", "count", "stddev", "stdvar", "quantile", "topk", "bottomk",
	};
	char buf[400];
	size_t i;

	switch (e->kind) {
	case N_NUMBER:
		obs_promql_format_float(e->num, buf, sizeof(buf));
		obs_buf_adds(b, buf);
		break;
	case N_STRING:
		sb_json(b, e->str);
		break;
	case N_PAREN:
		obs_buf_addc(b, '(');
		sb_expr(b, e->a);
		obs_buf_addc(b, ')');
		break;
	case N_UNARY:
		obs_buf_adds(b, e->op == OP_SUB ? "(-" : "(+");
		sb_expr(b, e->a);
		obs_buf_addc(b, ')');
		break;
	case N_BINARY:
		sb_binary(b, e);
		break;
	case N_CALL:
		obs_buf_adds(b, e->func->name);
		obs_buf_addc(b, '(');
		for (i = 0; i < e->nargs; i++) {
			if (i)
				obs_buf_add(b, ", ", 2);
			sb_expr(b, e->args[i]);
		}
		obs_buf_addc(b, ')');
		break;
	case N_AGG:
		obs_buf_adds(b, aggs[e->op]);
		if (e->grouping.n || e->without) {
			obs_buf_adds(b, e->without ? " without " : " by ");
			sb_list(b, &e->grouping);
		}
		obs_buf_adds(b, " (");
		if (e->b) {
			sb_expr(b, e->b);
			obs_buf_adds(b, ", ");
		}
		sb_expr(b, e->a);
		obs_buf_addc(b, ')');
		break;
	case N_VSEL:
		sb_selector(b, e);
		sb_modifiers(b, e);
		break;
	default:
		sb_selector(b, e->a);
		obs_buf_addc(b, '[');
		sb_duration(b, e->range);
		obs_buf_addc(b, ']');
		sb_modifiers(b, e->a);
		break;
	}
}

char *obs_promql_expr_format(const struct obs_promql_expr *e)
{
	struct obs_buf b = OBS_BUF_INIT;

	sb_expr(&b, e);
	return obs_buf_detach(&b);
}
