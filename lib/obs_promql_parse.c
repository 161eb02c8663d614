/* SPDX-License-Identifier: MIT */
/* PromQL parser: precedence climbing over the tokens, with Prometheus's type checks. */
#include "obs_promql_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PREC_OR = 1, PREC_AND, PREC_CMP, PREC_ADD, PREC_MUL, PREC_POW };

#define MAX_DEPTH 1000

struct parser {
	const char *text;
	struct tok *t;
	size_t n, i;
	struct perr pe;
	int failed;
	int depth;
};

static void *perror_at(struct parser *p, size_t pos, int unsupported, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void *perror_at(struct parser *p, size_t pos, int unsupported, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = 1;
	p->pe.pos = pos;
	p->pe.unsupported = unsupported;
	va_start(ap, fmt);
	vsnprintf(p->pe.msg, sizeof(p->pe.msg), fmt, ap);
	va_end(ap);
	return NULL;
}

static void *oom(struct parser *p)
{
	return perror_at(p, 0, 0, "out of memory");
}

static const struct tok *cur(const struct parser *p)
{
	return &p->t[p->i];
}

static const struct tok *peek(const struct parser *p, size_t k)
{
	return &p->t[p->i + k < p->n ? p->i + k : p->n - 1];
}

static void advance(struct parser *p)
{
	if (p->i + 1 < p->n)
		p->i++;
}

/* "unexpected X", with " in CONTEXT, expected WANT" when given. */
static void *unexpected(struct parser *p, const char *context, const char *want)
{
	char what[80];

	promql_tok_describe(p->text, cur(p), what, sizeof(what));
	if (context && want)
		return perror_at(p, cur(p)->pos, 0, "unexpected %s in %s, expected %s", what, context,
				 want);
	if (want)
		return perror_at(p, cur(p)->pos, 0, "unexpected %s, expected %s", what, want);
	return perror_at(p, cur(p)->pos, 0, "unexpected %s", what);
}

static const char *type_name(enum obs_promql_type t)
{
	static const char *const names[] = { "scalar", "string", "instant vector", "range vector" };

	return names[t];
}

static struct obs_promql_expr *node_new(struct parser *p, enum node_kind kind, size_t pos)
{
	struct obs_promql_expr *e = calloc(1, sizeof(*e));

	if (!e)
		return oom(p);
	e->kind = kind;
	e->pos = pos;
	return e;
}

static void strlist_release(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void obs_promql_expr_free(struct obs_promql_expr *e)
{
	size_t i;

	if (!e)
		return;
	obs_promql_expr_free(e->a);
	obs_promql_expr_free(e->b);
	free(e->str);
	strlist_release(&e->matching);
	strlist_release(&e->include);
	strlist_release(&e->grouping);
	for (i = 0; i < e->nargs; i++)
		obs_promql_expr_free(e->args[i]);
	free(e->args);
	free(e->name);
	for (i = 0; i < e->nmatchers; i++)
		obs_matcher_release(&e->matchers[i]);
	free(e->matchers);
	obs_labels_unref(e->absent_labels);
	if (e->regex) {
		obs_regex_release(e->regex);
		free(e->regex);
	}
	free(e);
}

enum obs_promql_type obs_promql_expr_type(const struct obs_promql_expr *e)
{
	return e->type;
}

const struct obs_promql_expr *promql_unparen(const struct obs_promql_expr *e)
{
	while (e->kind == N_PAREN)
		e = e->a;
	return e;
}

static struct obs_promql_expr *parse_expr(struct parser *p, int min_prec);

/* ---- label lists -------------------------------------------------------------------------- */

/* Tokens that may stand for a label name in grouping lists. */
static int tok_is_word(enum tok_type t)
{
	return t == T_IDENT || t == T_METRIC_IDENT || (t >= T_LAND && t <= T_END);
}

static int label_name_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return len > 0;
}

static int strlist_add(struct parser *p, struct strlist *l, const char *s, size_t len)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v) {
		oom(p);
		return -1;
	}
	l->v = v;
	l->v[l->n] = strndup(s, len);
	if (!l->v[l->n]) {
		oom(p);
		return -1;
	}
	l->n++;
	return 0;
}

/* "(a, b, c)" with an optional trailing comma. */
static int parse_label_list(struct parser *p, struct strlist *l, const char *context)
{
	if (cur(p)->type != T_LPAREN) {
		unexpected(p, context, "'('");
		return -1;
	}
	advance(p);
	while (cur(p)->type != T_RPAREN) {
		const struct tok *t = cur(p);

		if (!tok_is_word(t->type)) {
			unexpected(p, context, "label");
			return -1;
		}
		if (!label_name_ok(p->text + t->pos, t->len)) {
			perror_at(p, t->pos, 0, "invalid label name for grouping: \"%.*s\"", (int)t->len,
				  p->text + t->pos);
			return -1;
		}
		if (strlist_add(p, l, p->text + t->pos, t->len) < 0)
			return -1;
		advance(p);
		if (cur(p)->type == T_COMMA)
			advance(p);
		else if (cur(p)->type != T_RPAREN) {
			unexpected(p, context, "',' or ')'");
			return -1;
		}
	}
	advance(p);
	return 0;
}

/* A regex error for our messages: "unsupported at column N: regex ..." says it once. */
static const char *regex_msg(const struct obs_error *err, int rc)
{
	if (rc == -2 && strncmp(err->msg, "unsupported ", 12) == 0)
		return err->msg + 12;
	return err->msg;
}

/* ---- selectors ------------------------------------------------------------------------------- */

static int add_matcher(struct parser *p, struct obs_promql_expr *e, enum obs_match_type type,
		       const char *name, const char *value, size_t pos)
{
	struct obs_matcher *m = realloc(e->matchers, (e->nmatchers + 1) * sizeof(*m));
	struct obs_error err;
	int rc;

	if (!m) {
		oom(p);
		return -1;
	}
	e->matchers = m;
	rc = obs_matcher_init(&m[e->nmatchers], type, name, value, &err);
	if (rc < 0) {
		perror_at(p, pos, rc == -2, "%s", regex_msg(&err, rc));
		return -1;
	}
	e->nmatchers++;
	return 0;
}

static int parse_matcher(struct parser *p, struct obs_promql_expr *e)
{
	static const enum obs_match_type types[] = { OBS_MATCH_EQ, OBS_MATCH_NE, OBS_MATCH_RE,
						     OBS_MATCH_NRE };
	const struct tok *name = cur(p), *op, *val;
	char lname[256];
	int k;

	if (name->type != T_IDENT) {
		unexpected(p, "label matching", "identifier or '}'");
		return -1;
	}
	advance(p);
	op = cur(p);
	k = op->type == T_EQL ? 0 : op->type == T_NEQ ? 1 : op->type == T_EQL_REGEX ? 2 :
	    op->type == T_NEQ_REGEX ? 3 : -1;
	if (k < 0) {
		unexpected(p, "label matching", "label matching operator");
		return -1;
	}
	advance(p);
	val = cur(p);
	if (val->type != T_STRING) {
		unexpected(p, "label matching", "string");
		return -1;
	}
	advance(p);
	snprintf(lname, sizeof(lname), "%.*s", (int)name->len, p->text + name->pos);
	return add_matcher(p, e, types[k], lname, val->str, val->pos);
}

static int parse_matchers(struct parser *p, struct obs_promql_expr *e)
{
	advance(p);
	while (cur(p)->type != T_RBRACE) {
		if (parse_matcher(p, e) < 0)
			return -1;
		if (cur(p)->type == T_COMMA)
			advance(p);
		else if (cur(p)->type != T_RBRACE) {
			unexpected(p, "label matching", "',' or '}'");
			return -1;
		}
	}
	advance(p);
	return 0;
}

/* Prometheus's checks on a selector: one name, something that selects. */
static int check_selector(struct parser *p, struct obs_promql_expr *e)
{
	size_t i;
	int nonempty = e->name != NULL;

	for (i = 0; i < e->nmatchers; i++) {
		if (e->name && strcmp(e->matchers[i].name, "__name__") == 0) {
			perror_at(p, e->pos, 0, "metric name must not be set twice: \"%s\" or \"%s\"",
				  e->name, e->matchers[i].value);
			return -1;
		}
		if (!obs_matcher_matches(&e->matchers[i], ""))
			nonempty = 1;
	}
	if (!nonempty) {
		perror_at(p, e->pos, 0, "vector selector must contain at least one non-empty matcher");
		return -1;
	}
	return 0;
}

static struct obs_promql_expr *parse_selector(struct parser *p)
{
	const struct tok *t = cur(p);
	struct obs_promql_expr *e = node_new(p, N_VSEL, t->pos);

	if (!e)
		return NULL;
	e->type = OBS_PROMQL_VECTOR;
	if (t->type != T_LBRACE) {
		e->name = strndup(p->text + t->pos, t->len);
		if (!e->name)
			goto fail;
		advance(p);
	}
	if (cur(p)->type == T_LBRACE && parse_matchers(p, e) < 0)
		goto fail;
	if (check_selector(p, e) < 0)
		goto fail;
	if (e->name && add_matcher(p, e, OBS_MATCH_EQ, "__name__", e->name, e->pos) < 0)
		goto fail;
	return e;
fail:
	if (!p->failed)
		oom(p);
	obs_promql_expr_free(e);
	return NULL;
}

/* ---- offset, @ and ranges ------------------------------------------------------------------- */

/* The vector selector an offset or @ applies to, or NULL. */
static struct obs_promql_expr *modifier_target(struct obs_promql_expr *e)
{
	if (e->kind == N_VSEL)
		return e;
	if (e->kind == N_MSEL)
		return e->a;
	return NULL;
}

static int parse_offset(struct parser *p, struct obs_promql_expr *e)
{
	struct obs_promql_expr *vs = modifier_target(e);
	size_t pos = cur(p)->pos;
	int neg = 0;

	advance(p);
	if (cur(p)->type == T_SUB) {
		neg = 1;
		advance(p);
	}
	if (cur(p)->type != T_DURATION) {
		unexpected(p, "offset", "duration");
		return -1;
	}
	if (!vs) {
		perror_at(p, pos, 0, "offset modifier must be preceded by an instant vector selector or "
			  "range vector selector or a subquery");
		return -1;
	}
	if (vs->has_offset) {
		perror_at(p, pos, 0, "offset may not be set multiple times");
		return -1;
	}
	vs->has_offset = 1;
	vs->offset = neg ? -cur(p)->dur : cur(p)->dur;
	advance(p);
	return 0;
}

static int parse_at_time(struct parser *p, struct obs_promql_expr *vs, size_t pos)
{
	double sign = 1, ts;

	if (cur(p)->type == T_ADD || cur(p)->type == T_SUB) {
		sign = cur(p)->type == T_SUB ? -1 : 1;
		advance(p);
	}
	if (cur(p)->type != T_NUMBER) {
		unexpected(p, "@", "timestamp");
		return -1;
	}
	ts = sign * cur(p)->num;
	if (isnan(ts) || ts >= 9223372036854775807.0 / 1000 || ts <= -9223372036854775807.0 / 1000) {
		char buf[400];

		obs_promql_format_float(ts, buf, sizeof(buf));
		perror_at(p, pos, 0, "timestamp out of bounds for @ modifier: %s", buf);
		return -1;
	}
	vs->at = AT_TIME;
	vs->at_ms = (int64_t)llround(ts * 1000);
	advance(p);
	return 0;
}

static int parse_at(struct parser *p, struct obs_promql_expr *e)
{
	struct obs_promql_expr *vs = modifier_target(e);
	size_t pos = cur(p)->pos;
	enum tok_type t;

	advance(p);
	if (!vs) {
		perror_at(p, pos, 0, "@ modifier must be preceded by an instant vector selector or "
			  "range vector selector or a subquery");
		return -1;
	}
	if (vs->at != AT_NONE) {
		perror_at(p, pos, 0, "@ <timestamp> may not be set multiple times");
		return -1;
	}
	t = cur(p)->type;
	if (t != T_START && t != T_END)
		return parse_at_time(p, vs, pos);
	advance(p);
	if (cur(p)->type != T_LPAREN || peek(p, 1)->type != T_RPAREN) {
		unexpected(p, "@", "'()'");
		return -1;
	}
	advance(p);
	advance(p);
	vs->at = t == T_START ? AT_START : AT_END;
	return 0;
}

static struct obs_promql_expr *parse_range(struct parser *p, struct obs_promql_expr *e)
{
	size_t pos = cur(p)->pos;
	struct obs_promql_expr *m;
	int64_t range;

	advance(p);
	if (cur(p)->type != T_DURATION) {
		unexpected(p, "range", "duration");
		return NULL;
	}
	range = cur(p)->dur;
	advance(p);
	if (cur(p)->type == T_COLON)
		return perror_at(p, pos, 1, "subqueries");
	if (cur(p)->type != T_RBRACKET)
		return unexpected(p, "range", "']'");
	advance(p);
	if (e->kind != N_VSEL)
		return perror_at(p, pos, 0, "ranges only allowed for vector selectors");
	if (e->has_offset)
		return perror_at(p, pos, 0, "no offset modifiers allowed before range");
	if (e->at != AT_NONE)
		return perror_at(p, pos, 0, "no @ modifiers allowed before range");
	if (range <= 0)
		return perror_at(p, pos, 0, "duration must be greater than 0");
	m = node_new(p, N_MSEL, e->pos);
	if (!m)
		return NULL;
	m->type = OBS_PROMQL_MATRIX;
	m->a = e;
	m->range = range;
	m->height = 1;
	return m;
}

/* Ranges, offsets and @ after a primary expression; E is freed on error. */
static struct obs_promql_expr *parse_postfix(struct parser *p, struct obs_promql_expr *e)
{
	struct obs_promql_expr *m;

	for (;;) {
		switch (cur(p)->type) {
		case T_LBRACKET:
			m = parse_range(p, e);
			if (!m)
				goto fail;
			e = m;
			break;
		case T_OFFSET:
			if (parse_offset(p, e) < 0)
				goto fail;
			break;
		case T_AT:
			if (parse_at(p, e) < 0)
				goto fail;
			break;
		default:
			return e;
		}
	}
fail:
	obs_promql_expr_free(e);
	return NULL;
}

/* ---- calls and aggregations ----------------------------------------------------------------- */

static int max_height(struct obs_promql_expr *const *v, size_t n)
{
	int h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i]->height > h)
			h = v[i]->height;
	return h;
}

static int push_arg(struct parser *p, struct obs_promql_expr *e, struct obs_promql_expr *arg)
{
	struct obs_promql_expr **v = realloc(e->args, (e->nargs + 1) * sizeof(*v));

	if (!v) {
		obs_promql_expr_free(arg);
		oom(p);
		return -1;
	}
	e->args = v;
	e->args[e->nargs++] = arg;
	return 0;
}

/* "(arg, arg, ...)" into e->args. */
static int parse_args(struct parser *p, struct obs_promql_expr *e, const char *context)
{
	struct obs_promql_expr *arg;

	if (cur(p)->type != T_LPAREN) {
		unexpected(p, context, "'('");
		return -1;
	}
	advance(p);
	while (cur(p)->type != T_RPAREN) {
		arg = parse_expr(p, 0);
		if (!arg || push_arg(p, e, arg) < 0)
			return -1;
		if (cur(p)->type == T_COMMA) {
			if (peek(p, 1)->type == T_RPAREN) {
				perror_at(p, cur(p)->pos, 0, "trailing commas not allowed in function call args");
				return -1;
			}
			advance(p);
		} else if (cur(p)->type != T_RPAREN) {
			unexpected(p, context, "',' or ')'");
			return -1;
		}
	}
	advance(p);
	return 0;
}

static int expect_type(struct parser *p, const struct obs_promql_expr *e, enum obs_promql_type want,
		       const char *context)
{
	if (e->type == want)
		return 0;
	perror_at(p, e->pos, 0, "expected type %s in %s, got %s", type_name(want), context,
		  type_name(e->type));
	return -1;
}

static int check_call_args(struct parser *p, struct obs_promql_expr *e)
{
	const struct promql_func *f = e->func;
	char context[64];
	size_t i, k;

	if (f->variadic == 0 && e->nargs != (size_t)f->nargs) {
		perror_at(p, e->pos, 0, "expected %d argument(s) in call to \"%s\", got %zu", f->nargs,
			  f->name, e->nargs);
		return -1;
	}
	if (f->variadic && e->nargs < (size_t)f->nargs - 1) {
		perror_at(p, e->pos, 0, "expected at least %d argument(s) in call to \"%s\", got %zu",
			  f->nargs - 1, f->name, e->nargs);
		return -1;
	}
	if (f->variadic && e->nargs > (size_t)(f->nargs - 1 + f->variadic)) {
		perror_at(p, e->pos, 0, "expected at most %d argument(s) in call to \"%s\", got %zu",
			  f->nargs - 1 + f->variadic, f->name, e->nargs);
		return -1;
	}
	snprintf(context, sizeof(context), "call to function \"%s\"", f->name);
	for (i = 0; i < e->nargs; i++) {
		k = i < (size_t)f->nargs ? i : (size_t)f->nargs - 1;
		if (expect_type(p, e->args[i], f->args[k], context) < 0)
			return -1;
	}
	return 0;
}

/* The labels absent() reports: equality matchers other than the name, used once. */
static int absent_labels(struct parser *p, struct obs_promql_expr *e)
{
	const struct obs_promql_expr *arg = promql_unparen(e->args[0]);
	struct obs_label pairs[64];
	size_t i, j, n = 0;

	if (arg->kind == N_MSEL)
		arg = arg->a;
	if (arg->kind == N_VSEL) {
		for (i = 0; i < arg->nmatchers && n < 64; i++) {
			const struct obs_matcher *m = &arg->matchers[i];
			int once = m->type == OBS_MATCH_EQ;

			for (j = 0; j < arg->nmatchers && once; j++)
				if (j != i && strcmp(arg->matchers[j].name, m->name) == 0)
					once = 0;
			if (once && strcmp(m->name, "__name__") != 0) {
				pairs[n].name = m->name;
				pairs[n++].value = m->value;
			}
		}
	}
	e->absent_labels = obs_labels_new(pairs, n);
	if (!e->absent_labels) {
		oom(p);
		return -1;
	}
	return 0;
}

static const char *string_arg(const struct obs_promql_expr *e)
{
	return promql_unparen(e)->str;
}

static int label_replace_check(struct parser *p, struct obs_promql_expr *e)
{
	const char *dst = string_arg(e->args[1]), *re = string_arg(e->args[4]);
	struct obs_error err;
	int rc;

	e->regex = calloc(1, sizeof(*e->regex));
	if (!e->regex) {
		oom(p);
		return -1;
	}
	rc = obs_regex_compile(e->regex, re, &err);
	if (rc < 0) {
		free(e->regex);
		e->regex = NULL;
		perror_at(p, e->args[4]->pos, rc == -2, "%s", regex_msg(&err, rc));
		return -1;
	}
	if (!label_name_ok(dst, strlen(dst))) {
		perror_at(p, e->args[1]->pos, 0, "invalid destination label name in label_replace(): %s",
			  dst);
		return -1;
	}
	return 0;
}

static struct obs_promql_expr *parse_call(struct parser *p)
{
	const struct tok *name = cur(p);
	const struct promql_func *f = promql_func_lookup(p->text + name->pos, name->len);
	struct obs_promql_expr *e;

	if (!f)
		return perror_at(p, name->pos, 0, "unknown function with name \"%.*s\"", (int)name->len,
				 p->text + name->pos);
	if (!f->call)
		return perror_at(p, name->pos, 1, "function '%s'", f->name);
	e = node_new(p, N_CALL, name->pos);
	if (!e)
		return NULL;
	e->func = f;
	e->type = f->ret;
	advance(p);
	if (parse_args(p, e, "function call") < 0 || check_call_args(p, e) < 0)
		goto fail;
	e->height = 1 + max_height(e->args, e->nargs);
	if (strcmp(f->name, "absent") == 0 && absent_labels(p, e) < 0)
		goto fail;
	if (strcmp(f->name, "label_replace") == 0 && label_replace_check(p, e) < 0)
		goto fail;
	return e;
fail:
	obs_promql_expr_free(e);
	return NULL;
}

static int parse_agg_modifier(struct parser *p, struct obs_promql_expr *e)
{
	e->without = cur(p)->type == T_WITHOUT;
	advance(p);
	return parse_label_list(p, &e->grouping, "grouping opts");
}

static int check_agg(struct parser *p, struct obs_promql_expr *e)
{
	int param = e->op == AGG_TOPK || e->op == AGG_BOTTOMK || e->op == AGG_QUANTILE;
	size_t want = param ? 2 : 1;

	if (e->nargs == 0) {
		perror_at(p, e->pos, 0, "no arguments for aggregate expression provided");
		return -1;
	}
	if (e->nargs != want) {
		perror_at(p, e->pos, 0,
			  "wrong number of arguments for aggregate expression provided, expected %zu, got %zu",
			  want, e->nargs);
		return -1;
	}
	e->height = 1 + max_height(e->args, e->nargs);
	e->a = e->args[want - 1];
	e->b = param ? e->args[0] : NULL;
	free(e->args);
	e->args = NULL;
	e->nargs = 0;
	if (expect_type(p, e->a, OBS_PROMQL_VECTOR, "aggregation expression") < 0)
		return -1;
	if (e->b && expect_type(p, e->b, OBS_PROMQL_SCALAR, "aggregation parameter") < 0)
		return -1;
	return 0;
}

static struct obs_promql_expr *parse_agg(struct parser *p)
{
	const struct tok *t = cur(p);
	struct obs_promql_expr *e;
	int modified = 0;

	if (t->sub == AGG_GROUP || t->sub == AGG_COUNT_VALUES)
		return perror_at(p, t->pos, 1, "aggregation '%.*s'", (int)t->len, p->text + t->pos);
	e = node_new(p, N_AGG, t->pos);
	if (!e)
		return NULL;
	e->op = t->sub;
	e->type = OBS_PROMQL_VECTOR;
	advance(p);
	if (cur(p)->type == T_BY || cur(p)->type == T_WITHOUT) {
		if (parse_agg_modifier(p, e) < 0)
			goto fail;
		modified = 1;
	}
	if (parse_args(p, e, "aggregation") < 0)
		goto fail;
	if (!modified && (cur(p)->type == T_BY || cur(p)->type == T_WITHOUT) &&
	    parse_agg_modifier(p, e) < 0)
		goto fail;
	if (check_agg(p, e) < 0)
		goto fail;
	return e;
fail:
	obs_promql_expr_free(e);
	return NULL;
}

/* ---- primaries, unary and binary expressions ------------------------------------------------ */

static struct obs_promql_expr *parse_paren(struct parser *p)
{
	struct obs_promql_expr *e = node_new(p, N_PAREN, cur(p)->pos);

	if (!e)
		return NULL;
	advance(p);
	e->a = parse_expr(p, 0);
	if (!e->a)
		goto fail;
	if (cur(p)->type != T_RPAREN) {
		unexpected(p, "parenthesis", "')'");
		goto fail;
	}
	advance(p);
	e->type = e->a->type;
	e->height = e->a->height + 1;
	return e;
fail:
	obs_promql_expr_free(e);
	return NULL;
}

static struct obs_promql_expr *parse_literal(struct parser *p)
{
	const struct tok *t = cur(p);
	struct obs_promql_expr *e = node_new(p, t->type == T_NUMBER ? N_NUMBER : N_STRING, t->pos);

	if (!e)
		return NULL;
	if (t->type == T_NUMBER) {
		e->type = OBS_PROMQL_SCALAR;
		e->num = t->num;
	} else {
		e->type = OBS_PROMQL_STRING;
		e->str = strdup(t->str);
		if (!e->str) {
			free(e);
			return oom(p);
		}
	}
	advance(p);
	return e;
}

static struct obs_promql_expr *parse_primary(struct parser *p)
{
	const struct tok *t = cur(p);

	switch (t->type) {
	case T_NUMBER:
	case T_STRING:
		return parse_literal(p);
	case T_LPAREN:
		return parse_paren(p);
	case T_LBRACE:
	case T_METRIC_IDENT:
		return parse_selector(p);
	case T_IDENT:
		if (peek(p, 1)->type == T_LPAREN)
			return parse_call(p);
		return parse_selector(p);
	case T_AGG:
		if (peek(p, 1)->type == T_LPAREN || peek(p, 1)->type == T_BY ||
		    peek(p, 1)->type == T_WITHOUT)
			return parse_agg(p);
		return parse_selector(p);
	case T_LAND:
	case T_LOR:
	case T_LUNLESS:
	case T_BY:
	case T_WITHOUT:
	case T_OFFSET:
	case T_START:
	case T_END:
		return parse_selector(p);
	default:
		return unexpected(p, NULL, NULL);
	}
}

static struct obs_promql_expr *parse_unary(struct parser *p)
{
	const struct tok *t = cur(p);
	struct obs_promql_expr *e, *operand;

	if (t->type != T_ADD && t->type != T_SUB) {
		e = parse_primary(p);
		return e ? parse_postfix(p, e) : NULL;
	}
	advance(p);
	operand = parse_expr(p, PREC_POW);
	if (!operand)
		return NULL;
	if (operand->kind == N_NUMBER) {
		if (t->type == T_SUB)
			operand->num = -operand->num;
		operand->pos = t->pos;
		return operand;
	}
	if (operand->type != OBS_PROMQL_SCALAR && operand->type != OBS_PROMQL_VECTOR) {
		perror_at(p, t->pos, 0,
			  "unary expression only allowed on expressions of type scalar or instant vector, got \"%s\"",
			  type_name(operand->type));
		obs_promql_expr_free(operand);
		return NULL;
	}
	e = node_new(p, N_UNARY, t->pos);
	if (!e) {
		obs_promql_expr_free(operand);
		return NULL;
	}
	e->op = t->type == T_SUB ? OP_SUB : OP_ADD;
	e->a = operand;
	e->type = operand->type;
	e->height = operand->height + 1;
	return e;
}

static int binop_prec(enum tok_type t)
{
	switch (t) {
	case T_LOR: return PREC_OR;
	case T_LAND: case T_LUNLESS: return PREC_AND;
	case T_EQLC: case T_NEQ: case T_GTR: case T_LSS: case T_GTE: case T_LTE: return PREC_CMP;
	case T_ADD: case T_SUB: return PREC_ADD;
	case T_MUL: case T_DIV: case T_MOD: case T_ATAN2: return PREC_MUL;
	case T_POW: return PREC_POW;
	default: return 0;
	}
}

static enum bin_op tok_binop(enum tok_type t)
{
	static const struct {
		enum tok_type t;
		enum bin_op op;
	} map[] = {
		{ T_ADD, OP_ADD }, { T_SUB, OP_SUB }, { T_MUL, OP_MUL }, { T_DIV, OP_DIV },
		{ T_MOD, OP_MOD }, { T_POW, OP_POW }, { T_EQLC, OP_EQ }, { T_NEQ, OP_NE },
		{ T_GTR, OP_GT }, { T_LSS, OP_LT }, { T_GTE, OP_GE }, { T_LTE, OP_LE },
		{ T_LAND, OP_AND }, { T_LOR, OP_OR }, { T_LUNLESS, OP_UNLESS },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]) - 1; i++)
		if (map[i].t == t)
			return map[i].op;
	return OP_UNLESS;
}

static int is_comparison(int op)
{
	return op >= OP_EQ && op <= OP_LE;
}

static int is_set_op(int op)
{
	return op >= OP_AND;
}

/* bool, on(...)/ignoring(...), group_left/group_right(...). */
static int parse_bin_modifiers(struct parser *p, struct obs_promql_expr *e)
{
	enum tok_type t;

	if (cur(p)->type == T_BOOL) {
		e->return_bool = 1;
		advance(p);
	}
	t = cur(p)->type;
	if (t != T_ON && t != T_IGNORING)
		return 0;
	e->on = t == T_ON;
	advance(p);
	if (parse_label_list(p, &e->matching, "grouping opts") < 0)
		return -1;
	t = cur(p)->type;
	if (t != T_GROUP_LEFT && t != T_GROUP_RIGHT)
		return 0;
	e->card = t == T_GROUP_LEFT ? CARD_MANY_TO_ONE : CARD_ONE_TO_MANY;
	advance(p);
	if (cur(p)->type == T_LPAREN)
		return parse_label_list(p, &e->include, "grouping opts");
	return 0;
}

static const char *const op_names[] = {
	"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless",
};

static int check_operand(struct parser *p, const struct obs_promql_expr *e)
{
	if (e->type == OBS_PROMQL_SCALAR || e->type == OBS_PROMQL_VECTOR)
		return 0;
	perror_at(p, e->pos, 0, "binary expression must contain only scalar and instant vector types");
	return -1;
}

static int check_binary(struct parser *p, struct obs_promql_expr *e, size_t op_pos)
{
	int lv = e->a->type == OBS_PROMQL_VECTOR, rv = e->b->type == OBS_PROMQL_VECTOR;
	size_t i, j;

	if (e->return_bool && !is_comparison(e->op))
		return perror_at(p, op_pos, 0, "bool modifier can only be used on comparison operators"),
		       -1;
	if (is_comparison(e->op) && !e->return_bool && e->a->type == OBS_PROMQL_SCALAR &&
	    e->b->type == OBS_PROMQL_SCALAR)
		return perror_at(p, op_pos, 0, "comparisons between scalars must use BOOL modifier"), -1;
	if (is_set_op(e->op) && e->card == CARD_ONE_TO_ONE)
		e->card = CARD_MANY_TO_MANY;
	for (i = 0; e->on && i < e->matching.n; i++)
		for (j = 0; j < e->include.n; j++)
			if (strcmp(e->matching.v[i], e->include.v[j]) == 0)
				return perror_at(p, op_pos, 0,
						 "label \"%s\" must not occur in ON and GROUP clause at once",
						 e->matching.v[i]), -1;
	if (check_operand(p, e->a) < 0 || check_operand(p, e->b) < 0)
		return -1;
	if ((!lv || !rv) && e->matching.n > 0)
		return perror_at(p, op_pos, 0, "vector matching only allowed between instant vectors"), -1;
	if (lv && rv && is_set_op(e->op) && e->card != CARD_MANY_TO_MANY)
		return perror_at(p, op_pos, 0, "no grouping allowed for \"%s\" operation",
				 op_names[e->op]), -1;
	if ((!lv || !rv) && is_set_op(e->op))
		return perror_at(p, op_pos, 0, "set operator \"%s\" not allowed in binary scalar expression",
				 op_names[e->op]), -1;
	e->type = lv || rv ? OBS_PROMQL_VECTOR : OBS_PROMQL_SCALAR;
	return 0;
}

static struct obs_promql_expr *parse_expr(struct parser *p, int min_prec)
{
	struct obs_promql_expr *lhs, *e;
	const struct tok *t;
	int prec;

	if (++p->depth > MAX_DEPTH)
		return perror_at(p, cur(p)->pos, 1, "expressions nested more than %d deep", MAX_DEPTH);
	lhs = parse_unary(p);
	while (lhs) {
		t = cur(p);
		prec = binop_prec(t->type);
		if (prec == 0 || prec < min_prec)
			break;
		if (t->type == T_ATAN2) {
			perror_at(p, t->pos, 1, "operator 'atan2'");
			goto fail;
		}
		e = node_new(p, N_BINARY, lhs->pos);
		if (!e)
			goto fail;
		e->op = tok_binop(t->type);
		e->a = lhs;
		lhs = e;
		advance(p);
		if (parse_bin_modifiers(p, e) < 0)
			goto fail;
		e->b = parse_expr(p, t->type == T_POW ? prec : prec + 1);
		if (!e->b || check_binary(p, e, t->pos) < 0)
			goto fail;
		e->height = 1 + (e->a->height > e->b->height ? e->a->height : e->b->height);
		if (e->height > MAX_DEPTH) {
			perror_at(p, t->pos, 1, "expressions nested more than %d deep", MAX_DEPTH);
			goto fail;
		}
	}
	p->depth--;
	return lhs;
fail:
	obs_promql_expr_free(lhs);
	return NULL;
}

/* ---- entry point ------------------------------------------------------------------------------ */

static void format_error(const char *text, const struct perr *pe, struct obs_error *err)
{
	const char *what = pe->unsupported ? "unsupported" : "parse error";
	size_t line = 1, col = 1, i;
	int multiline = strchr(text, '\n') != NULL;

	if (strcmp(pe->msg, "out of memory") == 0) {
		obs_error_set(err, "out of memory");
		return;
	}
	for (i = 0; i < pe->pos && text[i]; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (multiline)
		obs_error_set(err, "%s at line %zu, column %zu: %s", what, line, col, pe->msg);
	else
		obs_error_set(err, "%s at column %zu: %s", what, col, pe->msg);
}

struct obs_promql_expr *obs_promql_parse(const char *text, struct obs_error *err)
{
	struct parser p;
	struct obs_promql_expr *e = NULL;

	memset(&p, 0, sizeof(p));
	p.text = text;
	if (promql_lex(text, &p.t, &p.n, &p.pe) < 0) {
		format_error(text, &p.pe, err);
		return NULL;
	}
	if (cur(&p)->type == T_EOF) {
		perror_at(&p, 0, 0, "no expression found in input");
	} else {
		e = parse_expr(&p, 0);
		if (e && cur(&p)->type != T_EOF) {
			unexpected(&p, NULL, NULL);
			obs_promql_expr_free(e);
			e = NULL;
		}
	}
	if (!e)
		format_error(text, &p.pe, err);
	promql_toks_free(p.t, p.n);
	return e;
}
