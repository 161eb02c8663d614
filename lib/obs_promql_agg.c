/* SPDX-License-Identifier: MIT */
/* PromQL aggregation operators: sum avg min max count stddev stdvar quantile topk bottomk. */
#include "obs_promql_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nan_first_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (isnan(x))
		return isnan(y) ? 0 : -1;
	if (isnan(y))
		return 1;
	return x < y ? -1 : x > y;
}

double promql_quantile(double q, double *values, size_t n)
{
	double rank, lower, upper, weight;

	if (n == 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	qsort(values, n, sizeof(*values), nan_first_cmp);
	rank = q * (double)(n - 1);
	lower = fmax(0, floor(rank));
	upper = fmin((double)(n - 1), lower + 1);
	weight = rank - floor(rank);
	return values[(size_t)lower] * (1 - weight) + values[(size_t)upper] * weight;
}

int promql_convertible_to_int64(double f)
{
	return f <= 9223372036854774784.0 && f >= -9223372036854775808.0;
}

/* Running state of one group at one step. */
struct acc {
	size_t stamp;          /* step + 1 of the last update */
	double value, mean;
	size_t count;
	double *vals;          /* quantile: the values; topk/bottomk: heap values */
	size_t *idx;           /* topk/bottomk: heap series */
	size_t nvals, cap;
};

struct agg {
	struct ev *ev;
	const struct obs_promql_expr *e;
	const struct matrix *in;
	size_t *group;         /* per input series */
	struct acc *acc;       /* per group */
	size_t ngroups;
	struct obs_labels **glabels;
	long *gout, *sout;     /* output series per group / per input series */
	struct outm o;
	int64_t k;             /* topk/bottomk at this step */
};

static int acc_push(struct ev *ev, struct acc *a, size_t s, double v)
{
	if (a->nvals == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		double *nv = realloc(a->vals, cap * sizeof(*nv));
		size_t *ni;

		if (!nv)
			return promql_oom(ev);
		a->vals = nv;
		ni = realloc(a->idx, cap * sizeof(*ni));
		if (!ni)
			return promql_oom(ev);
		a->idx = ni;
		a->cap = cap;
	}
	a->vals[a->nvals] = v;
	a->idx[a->nvals++] = s;
	return 0;
}

/* Go's container/heap over vectorByValueHeap (topk) or vectorByReverseValueHeap (bottomk). */
static int heap_less(const struct acc *a, size_t i, size_t j, int reverse)
{
	double x = a->vals[i], y = a->vals[j];

	return (reverse ? x > y : x < y) || isnan(x);
}

static void heap_swap(struct acc *a, size_t i, size_t j)
{
	double v = a->vals[i];
	size_t s = a->idx[i];

	a->vals[i] = a->vals[j];
	a->idx[i] = a->idx[j];
	a->vals[j] = v;
	a->idx[j] = s;
}

static void heap_up(struct acc *a, size_t j, int rev)
{
	while (j > 0) {
		size_t i = (j - 1) / 2;

		if (!heap_less(a, j, i, rev))
			break;
		heap_swap(a, i, j);
		j = i;
	}
}

static void heap_down(struct acc *a, size_t i, size_t n, int rev)
{
	for (;;) {
		size_t j = 2 * i + 1;

		if (j >= n)
			break;
		if (j + 1 < n && heap_less(a, j + 1, j, rev))
			j++;
		if (!heap_less(a, j, i, rev))
			break;
		heap_swap(a, i, j);
		i = j;
	}
}

static int topk_add(struct agg *g, struct acc *a, size_t s, double v)
{
	int rev = g->e->op == AGG_BOTTOMK;
	double top = a->vals[0];

	if ((int64_t)a->nvals < g->k || (rev ? top > v : top < v) || isnan(top)) {
		if ((int64_t)a->nvals == g->k) {
			if (g->k == 1) {
				a->vals[0] = v;
				a->idx[0] = s;
				return 0;
			}
			heap_swap(a, 0, a->nvals - 1);
			heap_down(a, 0, a->nvals - 1, rev);
			a->nvals--;
		}
		if (acc_push(g->ev, a, s, v) < 0)
			return -1;
		heap_up(a, a->nvals - 1, rev);
	}
	return 0;
}

static int acc_first(struct agg *g, struct acc *a, size_t s, double v, size_t i)
{
	a->stamp = i + 1;
	a->value = a->mean = v;
	a->count = 1;
	a->nvals = 0;
	if (g->e->op == AGG_STDDEV || g->e->op == AGG_STDVAR)
		a->value = 0;
	if (g->e->op == AGG_QUANTILE || g->e->op == AGG_TOPK || g->e->op == AGG_BOTTOMK)
		return acc_push(g->ev, a, s, v);
	return 0;
}

static void acc_avg(struct acc *a, double v)
{
	double n;

	a->count++;
	if (isinf(a->mean)) {
		if (isinf(v) && (a->mean > 0) == (v > 0))
			return;
		if (!isinf(v) && !isnan(v))
			return;
	}
	n = (double)a->count;
	a->mean += v / n - a->mean / n;
}

static int acc_add(struct agg *g, struct acc *a, size_t s, double v)
{
	double delta;

	switch (g->e->op) {
	case AGG_SUM:
		a->value += v;
		break;
	case AGG_AVG:
		acc_avg(a, v);
		break;
	case AGG_MAX:
		if (a->value < v || isnan(a->value))
			a->value = v;
		break;
	case AGG_MIN:
		if (a->value > v || isnan(a->value))
			a->value = v;
		break;
	case AGG_COUNT:
		a->count++;
		break;
	case AGG_STDDEV:
	case AGG_STDVAR:
		a->count++;
		delta = v - a->mean;
		a->mean += delta / (double)a->count;
		a->value += delta * (v - a->mean);
		break;
	case AGG_QUANTILE:
		return acc_push(g->ev, a, s, v);
	default:
		return topk_add(g, a, s, v);
	}
	return 0;
}

static double acc_result(struct agg *g, struct acc *a, double param)
{
	switch (g->e->op) {
	case AGG_AVG:
		return a->mean;
	case AGG_COUNT:
		return (double)a->count;
	case AGG_STDVAR:
		return a->value / (double)a->count;
	case AGG_STDDEV:
		return sqrt(a->value / (double)a->count);
	case AGG_QUANTILE:
		return promql_quantile(param, a->vals, a->nvals);
	default:
		return a->value;
	}
}

/* Group labels of every input series, and the group numbers. */
static int make_groups(struct agg *g)
{
	struct lmap map = { 0 };
	size_t i;
	int rc = 0;

	g->group = malloc((g->in->n ? g->in->n : 1) * sizeof(*g->group));
	g->glabels = calloc(g->in->n ? g->in->n : 1, sizeof(*g->glabels));
	if (!g->group || !g->glabels)
		return promql_oom(g->ev);
	for (i = 0; i < g->in->n && rc == 0; i++) {
		const struct obs_labels *in = g->in->s[i].labels;
		struct obs_labels *l = g->e->without ? promql_labels_drop(in, &g->e->grouping, 1)
						     : promql_labels_keep(in, &g->e->grouping);
		long k;

		if (!l) {
			rc = promql_oom(g->ev);
			break;
		}
		k = promql_lmap_get(&map, l);
		if (k < 0) {
			k = (long)g->ngroups;
			g->glabels[g->ngroups++] = obs_labels_ref(l);
			if (promql_lmap_put(&map, l, (size_t)k) < 0)
				rc = promql_oom(g->ev);
		}
		obs_labels_unref(l);
		g->group[i] = (size_t)k;
	}
	promql_lmap_release(&map);
	if (rc == 0) {
		g->acc = calloc(g->ngroups + 1, sizeof(*g->acc));
		g->gout = malloc((g->ngroups + 1) * sizeof(*g->gout));
		g->sout = malloc((g->in->n + 1) * sizeof(*g->sout));
		if (!g->acc || !g->gout || !g->sout)
			return promql_oom(g->ev);
		memset(g->gout, 0xff, (g->ngroups + 1) * sizeof(*g->gout));
		memset(g->sout, 0xff, (g->in->n + 1) * sizeof(*g->sout));
	}
	return rc;
}

static long out_for(struct agg *g, long *slot, struct obs_labels *l)
{
	if (*slot < 0)
		*slot = promql_out_series(g->ev, &g->o, obs_labels_ref(l));
	return *slot;
}

/* Heap contents in output order: by value (topk down, bottomk up, NaN last), then labels. */
static int heap_order(const void *a, const void *b, void *ctx)
{
	const struct agg *g = ((const void *const *)ctx)[0];
	const struct acc *acc = ((const void *const *)ctx)[1];
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = acc->vals[i], y = acc->vals[j];
	int rev = g->e->op == AGG_BOTTOMK;

	if (isnan(x) != isnan(y))
		return isnan(x) ? 1 : -1;
	if (x != y && !isnan(x))
		return (rev ? x < y : x > y) ? -1 : 1;
	return obs_labels_cmp(g->in->s[acc->idx[i]].labels, g->in->s[acc->idx[j]].labels);
}

static int emit_topk(struct agg *g, struct acc *a, size_t i)
{
	const void *ctx[2];
	size_t order[64], *ord = order, k;
	int rc = 0;

	if (a->nvals > 64) {
		ord = malloc(a->nvals * sizeof(*ord));
		if (!ord)
			return promql_oom(g->ev);
	}
	for (k = 0; k < a->nvals; k++)
		ord[k] = k;
	ctx[0] = g;
	ctx[1] = a;
	qsort_r(ord, a->nvals, sizeof(*ord), heap_order, ctx);
	for (k = 0; k < a->nvals && rc == 0; k++) {
		size_t s = a->idx[ord[k]];
		long out = out_for(g, &g->sout[s], g->in->s[s].labels);

		rc = out < 0 ? -1 : promql_out_point(g->ev, &g->o, (size_t)out, i, a->vals[ord[k]]);
	}
	if (ord != order)
		free(ord);
	return rc;
}

/* Set g->k for this step; 0 to skip the step (k < 1). */
static int step_k(struct agg *g, double param, int *skip)
{
	char buf[64];

	*skip = 0;
	if (g->e->op != AGG_TOPK && g->e->op != AGG_BOTTOMK)
		return 0;
	if (!promql_convertible_to_int64(param)) {
		if (isnan(param))
			snprintf(buf, sizeof(buf), "NaN");
		else if (isinf(param))
			snprintf(buf, sizeof(buf), "%sInf", param > 0 ? "+" : "-");
		else
			snprintf(buf, sizeof(buf), "%g", param);
		return obs_error_set(g->ev->err, "Scalar value %s overflows int64", buf);
	}
	g->k = (int64_t)param;
	*skip = g->k < 1;
	return 0;
}

static int agg_step(struct agg *g, struct stepper *st, struct vsample *vs, const double *param,
		    size_t i)
{
	size_t n = promql_stepper_next(st, ev_ts(g->ev, i), vs), k;
	int skip, topk = g->e->op == AGG_TOPK || g->e->op == AGG_BOTTOMK;

	if (step_k(g, param ? param[i] : 0, &skip) < 0)
		return -1;
	if (skip)
		return 0;
	for (k = 0; k < n; k++) {
		struct acc *a = &g->acc[g->group[vs[k].s]];
		int rc = a->stamp == i + 1 ? acc_add(g, a, vs[k].s, vs[k].v)
					   : acc_first(g, a, vs[k].s, vs[k].v, i);

		if (rc < 0)
			return -1;
	}
	/* Emit groups in order of first appearance, as Prometheus does. */
	for (k = 0; k < n; k++) {
		size_t gi = g->group[vs[k].s];
		struct acc *a = &g->acc[gi];
		long out;

		if (a->stamp != i + 1)
			continue;
		a->stamp = 0;
		if (topk) {
			if (emit_topk(g, a, i) < 0)
				return -1;
			continue;
		}
		out = out_for(g, &g->gout[gi], g->glabels[gi]);
		if (out < 0 || promql_out_point(g->ev, &g->o, (size_t)out, i,
						acc_result(g, a, param ? param[i] : 0)) < 0)
			return -1;
	}
	return 0;
}

int promql_eval_agg(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct agg g;
	struct val in;
	struct stepper st = { 0 };
	struct vsample *vs = NULL;
	double *param = NULL;
	size_t i;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	g.ev = ev;
	g.e = e;
	if (promql_eval(ev, e->a, &in) < 0)
		return -1;
	g.in = &in.m;
	if (e->b && promql_eval_scalar(ev, e->b, &param) < 0)
		goto out;
	if (make_groups(&g) < 0 || promql_stepper_init(ev, &st, &in.m) < 0)
		goto out;
	vs = malloc((in.m.n + 1) * sizeof(*vs));
	if (!vs) {
		promql_oom(ev);
		goto out;
	}
	for (i = 0; i < ev->nsteps; i++)
		if (agg_step(&g, &st, vs, param, i) < 0)
			goto out;
	promql_out_take(&g.o, out);
	rc = 0;
out:
	for (i = 0; i < g.ngroups; i++) {
		obs_labels_unref(g.glabels[i]);
		free(g.acc ? g.acc[i].vals : NULL);
		free(g.acc ? g.acc[i].idx : NULL);
	}
	promql_out_release(ev, &g.o);
	promql_stepper_release(&st);
	promql_val_release(ev, &in);
	free(g.group);
	free(g.glabels);
	free(g.acc);
	free(g.gout);
	free(g.sout);
	free(param);
	free(vs);
	return rc;
}
