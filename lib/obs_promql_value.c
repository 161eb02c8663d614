/* SPDX-License-Identifier: MIT */
/* PromQL results: freeing, Prometheus's number and time formats, API JSON, expression text. */
#include "obs_promql_int.h"

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

/* ---- a string builder ---------------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static char *sb_done(struct sbuf *b)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	if (!b->p)
		sb_add(b, "", 0);
	return b->failed ? NULL : b->p;
}

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
static void sb_json(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];

	sb_add(b, "\"", 1);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			sb_add(b, esc, 2);
		} else if (*p == '\n') {
			sb_str(b, "\\n");
		} else if (*p == '\r') {
			sb_str(b, "\\r");
		} else if (*p == '\t') {
			sb_str(b, "\\t");
		} else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			sb_str(b, esc);
		} else if (n == 0) {
			sb_str(b, "\\ufffd");
			n = 1;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			sb_str(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
		} else {
			sb_add(b, (const char *)p, n);
		}
		p += n ? n : 1;
	}
	sb_add(b, "\"", 1);
}

static void sb_labels(struct sbuf *b, const struct obs_labels *l)
{
	unsigned i;

	sb_add(b, "{", 1);
	for (i = 0; i < l->len; i++) {
		if (i)
			sb_add(b, ",", 1);
		sb_json(b, l->v[i].name);
		sb_add(b, ":", 1);
		sb_json(b, l->v[i].value);
	}
	sb_add(b, "}", 1);
}

/* [t,"v"] */
static void sb_point(struct sbuf *b, int64_t t, double v)
{
	char buf[400];

	sb_add(b, "[", 1);
	obs_promql_format_time(t, buf, sizeof(buf));
	sb_str(b, buf);
	sb_add(b, ",\"", 2);
	obs_promql_format_float(v, buf, sizeof(buf));
	sb_str(b, buf);
	sb_add(b, "\"]", 2);
}

char *obs_promql_value_json(const struct obs_promql_value *v)
{
	static const char *const names[] = { "scalar", "string", "vector", "matrix" };
	struct sbuf b = { 0 };
	char buf[64];
	size_t i, j;

	sb_str(&b, "{\"resultType\":\"");
	sb_str(&b, names[v->type]);
	sb_str(&b, "\",\"result\":");
	if (v->type == OBS_PROMQL_SCALAR) {
		sb_point(&b, v->t, v->scalar);
	} else if (v->type == OBS_PROMQL_STRING) {
		obs_promql_format_time(v->t, buf, sizeof(buf));
		sb_add(&b, "[", 1);
		sb_str(&b, buf);
		sb_add(&b, ",", 1);
		sb_json(&b, v->string);
		sb_add(&b, "]", 1);
	} else {
		sb_add(&b, "[", 1);
		for (i = 0; i < v->n; i++) {
			sb_str(&b, i ? ",{\"metric\":" : "{\"metric\":");
			if (v->type == OBS_PROMQL_VECTOR) {
				sb_labels(&b, v->samples[i].labels);
				sb_str(&b, ",\"value\":");
				sb_point(&b, v->t, v->samples[i].v);
			} else {
				sb_labels(&b, v->series[i].labels);
				sb_str(&b, ",\"values\":[");
				for (j = 0; j < v->series[i].n; j++) {
					if (j)
						sb_add(&b, ",", 1);
					sb_point(&b, v->series[i].points[j].t, v->series[i].points[j].v);
				}
				sb_add(&b, "]", 1);
			}
			sb_add(&b, "}", 1);
		}
		sb_add(&b, "]", 1);
	}
	sb_add(&b, "}", 1);
	return sb_done(&b);
}

/* ---- expressions as text -------------------------------------------------------------------------- */

static void sb_duration(struct sbuf *b, int64_t ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "y", 365LL * 86400000 }, { "w", 7LL * 86400000 }, { "d", 86400000 },
		{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	};
	char buf[32];
	size_t i;

	if (ms < 0) {
		sb_add(b, "-", 1);
		ms = -ms;
	}
	if (ms == 0)
		sb_str(b, "0s");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms >= units[i].ms) {
			snprintf(buf, sizeof(buf), "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
			sb_str(b, buf);
			ms %= units[i].ms;
		}
	}
}

static void sb_list(struct sbuf *b, const struct strlist *l)
{
	size_t i;

	sb_add(b, "(", 1);
	for (i = 0; i < l->n; i++) {
		if (i)
			sb_add(b, ", ", 2);
		sb_str(b, l->v[i]);
	}
	sb_add(b, ")", 1);
}

static void sb_selector(struct sbuf *b, const struct obs_promql_expr *e)
{
	static const char *const ops[] = { "=", "!=", "=~", "!~" };
	size_t i, n = 0;
	char buf[400];

	if (e->name)
		sb_str(b, e->name);
	for (i = 0; i < e->nmatchers; i++) {
		const struct obs_matcher *m = &e->matchers[i];

		if (e->name && strcmp(m->name, "__name__") == 0)
			continue;
		sb_str(b, n++ ? ", " : "{");
		sb_str(b, m->name);
		sb_str(b, ops[m->type]);
		sb_json(b, m->value);
	}
	if (n)
		sb_add(b, "}", 1);
	(void)buf;
}

static void sb_modifiers(struct sbuf *b, const struct obs_promql_expr *vs)
{
	char buf[400];

	if (vs->has_offset) {
		sb_str(b, " offset ");
		sb_duration(b, vs->offset);
	}
	if (vs->at == AT_TIME) {
		obs_promql_format_time(vs->at_ms, buf, sizeof(buf));
		sb_str(b, " @ ");
		sb_str(b, buf);
	} else if (vs->at != AT_NONE) {
		sb_str(b, vs->at == AT_START ? " @ start()" : " @ end()");
	}
}

static void sb_expr(struct sbuf *b, const struct obs_promql_expr *e);

static void sb_binary(struct sbuf *b, const struct obs_promql_expr *e)
{
	static const char *const ops[] = {
		"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless",
	};

	sb_add(b, "(", 1);
	sb_expr(b, e->a);
	sb_add(b, " ", 1);
	sb_str(b, ops[e->op]);
	if (e->return_bool)
		sb_str(b, " bool");
	if (e->matching.n || e->on) {
		sb_str(b, e->on ? " on" : " ignoring");
		sb_list(b, &e->matching);
	}
	if (e->card == CARD_MANY_TO_ONE || e->card == CARD_ONE_TO_MANY) {
		sb_str(b, e->card == CARD_MANY_TO_ONE ? " group_left" : " group_right");
		if (e->include.n)
			sb_list(b, &e->include);
	}
	sb_add(b, " ", 1);
	sb_expr(b, e->b);
	sb_add(b, ")", 1);
}

static void sb_expr(struct sbuf *b, const struct obs_promql_expr *e)
{
	static const char *const aggs[] = {
		"sum", "avg", "min", "max", "count", "stddev", "stdvar", "quantile", "topk", "bottomk",
	};
	char buf[400];
	size_t i;

	switch (e->kind) {
	case N_NUMBER:
		obs_promql_format_float(e->num, buf, sizeof(buf));
		sb_str(b, buf);
		break;
	case N_STRING:
		sb_json(b, e->str);
		break;
	case N_PAREN:
		sb_add(b, "(", 1);
		sb_expr(b, e->a);
		sb_add(b, ")", 1);
		break;
	case N_UNARY:
		sb_str(b, e->op == OP_SUB ? "(-" : "(+");
		sb_expr(b, e->a);
		sb_add(b, ")", 1);
		break;
	case N_BINARY:
		sb_binary(b, e);
		break;
	case N_CALL:
		sb_str(b, e->func->name);
		sb_add(b, "(", 1);
		for (i = 0; i < e->nargs; i++) {
			if (i)
				sb_add(b, ", ", 2);
			sb_expr(b, e->args[i]);
		}
		sb_add(b, ")", 1);
		break;
	case N_AGG:
		sb_str(b, aggs[e->op]);
		if (e->grouping.n || e->without) {
			sb_str(b, e->without ? " without " : " by ");
			sb_list(b, &e->grouping);
		}
		sb_str(b, " (");
		if (e->b) {
			sb_expr(b, e->b);
			sb_str(b, ", ");
		}
		sb_expr(b, e->a);
		sb_add(b, ")", 1);
		break;
	case N_VSEL:
		sb_selector(b, e);
		sb_modifiers(b, e);
		break;
	default:
		sb_selector(b, e->a);
		sb_add(b, "[", 1);
		sb_duration(b, e->range);
		sb_add(b, "]", 1);
		sb_modifiers(b, e->a);
		break;
	}
}

char *obs_promql_expr_format(const struct obs_promql_expr *e)
{
	struct sbuf b = { 0 };

	sb_expr(&b, e);
	return sb_done(&b);
}
