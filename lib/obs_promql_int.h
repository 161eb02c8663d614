/* SPDX-License-Identifier: MIT */
/* PromQL internals shared by the lexer, parser, evaluator and functions (not a public API). */
#ifndef OBS_PROMQL_INT_H
#define OBS_PROMQL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "obs_promql.h"
#include "obs_series.h"

/* ---- tokens ------------------------------------------------------------------------ */

enum tok_type {
	T_EOF, T_IDENT, T_METRIC_IDENT, T_NUMBER, T_STRING, T_DURATION,
	T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET, T_COMMA, T_COLON,
	T_AT, T_EQL, T_EQL_REGEX, T_NEQ_REGEX,
	/* Binary operators. */
	T_ADD, T_SUB, T_MUL, T_DIV, T_MOD, T_POW, T_EQLC, T_NEQ, T_GTR, T_LSS, T_GTE, T_LTE,
	T_LAND, T_LOR, T_LUNLESS, T_ATAN2,
	/* Aggregation operators (sub holds the enum agg_op). */
	T_AGG,
	/* Keywords. */
	T_BY, T_WITHOUT, T_ON, T_IGNORING, T_GROUP_LEFT, T_GROUP_RIGHT, T_BOOL, T_OFFSET,
	T_START, T_END,
};

struct tok {
	enum tok_type type;
	size_t pos, len;     /* byte offset and length in the text */
	int sub;             /* T_AGG: enum agg_op */
	double num;          /* T_NUMBER */
	int64_t dur;         /* T_DURATION: milliseconds */
	char *str;           /* T_STRING: unquoted value; T_NUMBER/T_DURATION errors */
};

/* A lexing or parsing error: position, kind and message. */
struct perr {
	size_t pos;
	int unsupported;
	char msg[OBS_ERROR_MAX - 48];
};

/* Split TEXT into tokens ending with T_EOF. -1 with PE set on error (tokens freed). */
int promql_lex(const char *text, struct tok **toks, size_t *ntoks, struct perr *pe);
void promql_toks_free(struct tok *toks, size_t n);
/* Human description of a token for "unexpected ..." messages. */
void promql_tok_describe(const char *text, const struct tok *t, char *buf, size_t size);
/* Parse a Prometheus duration ("1h30m"); -1 with MSG set if invalid. */
int promql_parse_duration(const char *s, size_t len, int64_t *ms, char *msg, size_t msgsize);

/* ---- the syntax tree ---------------------------------------------------------------- */

enum node_kind { N_NUMBER, N_STRING, N_PAREN, N_UNARY, N_BINARY, N_CALL, N_AGG, N_VSEL, N_MSEL };

enum bin_op {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW,
	OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE,
	OP_AND, OP_OR, OP_UNLESS,
};

enum agg_op {
	AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_COUNT, AGG_STDDEV, AGG_STDVAR,
	AGG_QUANTILE, AGG_TOPK, AGG_BOTTOMK, AGG_GROUP, AGG_COUNT_VALUES,
};

enum card { CARD_ONE_TO_ONE, CARD_MANY_TO_ONE, CARD_ONE_TO_MANY, CARD_MANY_TO_MANY };

enum at_kind { AT_NONE, AT_TIME, AT_START, AT_END };

struct strlist {
	char **v;
	size_t n;
};

struct promql_func;

struct obs_promql_expr {
	enum node_kind kind;
	enum obs_promql_type type;
	size_t pos;                      /* where it starts in the text */
	int height;                      /* levels of nodes below (0 for leaves) */
	double num;                      /* N_NUMBER */
	char *str;                       /* N_STRING */
	struct obs_promql_expr *a, *b;   /* PAREN/UNARY/MSEL: a; BINARY: a op b; AGG: a expr, b param */
	int op;                          /* UNARY: OP_ADD/OP_SUB; BINARY: bin_op; AGG: agg_op */
	/* N_BINARY */
	int return_bool;
	enum card card;
	int on;                          /* on(...) rather than ignoring(...) */
	struct strlist matching;         /* on/ignoring labels */
	struct strlist include;          /* group_left/group_right labels */
	/* N_AGG */
	struct strlist grouping;
	int without;
	/* N_CALL */
	const struct promql_func *func;
	struct obs_promql_expr **args;
	size_t nargs;
	/* N_VSEL */
	char *name;                      /* metric name given before the braces, or NULL */
	struct obs_matcher *matchers;
	size_t nmatchers;
	int64_t offset;                  /* ms */
	int has_offset;
	enum at_kind at;
	int64_t at_ms;
	/* N_MSEL */
	int64_t range;                   /* ms */
	/* N_CALL absent(): the labels it reports. */
	struct obs_labels *absent_labels;
	/* N_CALL label_replace(): the compiled regex. */
	struct obs_regex *regex;
};

/* ---- functions ----------------------------------------------------------------------- */

struct ev;
struct val;

/* Evaluate a call; the arguments are evaluated by the function as it needs. */
typedef int promql_call_fn(struct ev *ev, const struct obs_promql_expr *e, struct val *out);

struct promql_func {
	const char *name;
	enum obs_promql_type ret;
	enum obs_promql_type args[5];
	int nargs;                       /* declared argument types */
	int variadic;                    /* 0: exactly nargs; >0: up to that many more than nargs-1 */
	promql_call_fn *call;            /* NULL: known to Prometheus but not supported */
};

/* The function called NAME (supported or not), or NULL if PromQL has no such function. */
const struct promql_func *promql_func_lookup(const char *name, size_t len);

/* ---- evaluation ------------------------------------------------------------------------ */

struct pt {
	int64_t t;
	double v;
};

/* One series of a matrix (an instant vector over steps has points at step times). */
struct mseries {
	struct obs_labels *labels;
	struct pt *p;
	size_t n, cap;
};

struct matrix {
	struct mseries *s;
	size_t n, cap;
};

struct val {
	enum obs_promql_type type;
	double *sc;                      /* SCALAR: one value per step */
	char *str;                       /* STRING */
	struct matrix m;                 /* VECTOR and MATRIX */
};

struct ev {
	struct obs_series_set *set;
	int64_t start, end, step;
	size_t nsteps;
	int64_t lookback;
	size_t max_samples, cur_samples;
	struct obs_error *err;
	struct obs_sample_buf buf;
};

/* A - B, saturated at the int64 limits (times near them must not overflow). */
static inline int64_t promql_sub(int64_t a, int64_t b)
{
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	return a - b;
}

static inline int64_t ev_ts(const struct ev *ev, size_t i)
{
	return ev->start + (int64_t)i * ev->step;
}

int promql_eval(struct ev *ev, const struct obs_promql_expr *e, struct val *out);
void promql_val_release(struct ev *ev, struct val *v);
/* Evaluate E (of scalar type) into a new array of nsteps values. */
int promql_eval_scalar(struct ev *ev, const struct obs_promql_expr *e, double **out);
const struct obs_promql_expr *promql_unparen(const struct obs_promql_expr *e);

/* Matrix building, with the sample limit. */
int promql_matrix_add_series(struct matrix *m, struct obs_labels *l);   /* takes the reference */
int promql_matrix_push(struct ev *ev, struct mseries *s, int64_t t, double v);
void promql_matrix_release(struct ev *ev, struct matrix *m);
int promql_oom(struct ev *ev);

/* A map from label sets to numbers (for output series and groups). */
struct lmap {
	struct obs_labels **keys;
	size_t *vals;
	size_t n, cap;
};

/* Number stored for L, or -1. */
long promql_lmap_get(const struct lmap *m, const struct obs_labels *l);
/* Store V for L (takes a reference to L). -1 when out of memory. */
int promql_lmap_put(struct lmap *m, struct obs_labels *l, size_t v);
void promql_lmap_release(struct lmap *m);

/* Label set operations (new references; NULL when out of memory). */
struct obs_labels *promql_labels_drop_name(struct obs_labels *l);
struct obs_labels *promql_labels_keep(const struct obs_labels *l, const struct strlist *names);
struct obs_labels *promql_labels_drop(const struct obs_labels *l, const struct strlist *names,
				      int and_name);
struct obs_labels *promql_labels_set(const struct obs_labels *l, const char *name,
				     const char *value);

/*
 * An output matrix whose series are found by label set, with the
 * "vector cannot contain metrics with the same labelset" check per step.
 */
struct outm {
	struct matrix m;
	struct lmap map;
	size_t *stamp;                   /* per series: last step + 1 it got a point */
	size_t stamp_cap;
};

/* The series for L (created if needed; takes the reference to L); -1 when out of memory. */
long promql_out_series(struct ev *ev, struct outm *o, struct obs_labels *l);
/* Add a point for step I to series K; fails on a second point at the same step. */
int promql_out_point(struct ev *ev, struct outm *o, size_t k, size_t i, double v);
void promql_out_take(struct outm *o, struct val *out);
void promql_out_release(struct ev *ev, struct outm *o);

/* Walks a vector-over-steps matrix step by step. */
struct stepper {
	const struct matrix *m;
	size_t *cur;
};

struct vsample {
	size_t s;                        /* series number in the matrix */
	double v;
};

int promql_stepper_init(struct ev *ev, struct stepper *st, const struct matrix *m);
/* The samples at step time TS into OUT (room for m->n); returns how many. */
size_t promql_stepper_next(struct stepper *st, int64_t ts, struct vsample *out);
void promql_stepper_release(struct stepper *st);

/* Aggregations (obs_promql_agg.c). */
int promql_eval_agg(struct ev *ev, const struct obs_promql_expr *e, struct val *out);
/* Quantile of N values as Prometheus's quantile() (sorts VALUES). */
double promql_quantile(double q, double *values, size_t n);
/* Go's int64(f) guard: 1 if F fits, else 0. */
int promql_convertible_to_int64(double f);

/* Kahan-Neumaier summation step. */
static inline double promql_kahan_inc(double inc, double sum, double *c)
{
	double t = sum + inc;

	if ((sum < 0 ? -sum : sum) >= (inc < 0 ? -inc : inc))
		*c += (sum - t) + inc;
	else
		*c += (inc - t) + sum;
	return t;
}

#endif
