/* SPDX-License-Identifier: MIT */
/* PromQL evaluation: values over steps, selectors, unary and binary operators, entry points. */
#include "obs_promql_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LOOKBACK (5 * 60 * 1000)
#define DEFAULT_MAX_SAMPLES 50000000

int promql_oom(struct ev *ev)
{
	return obs_error_set(ev->err, "out of memory");
}

/* ---- matrices ------------------------------------------------------------------------------- */

int promql_matrix_add_series(struct matrix *m, struct obs_labels *l)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct mseries *s = realloc(m->s, cap * sizeof(*s));

		if (!s) {
			obs_labels_unref(l);
			return -1;
		}
		m->s = s;
		m->cap = cap;
	}
	memset(&m->s[m->n], 0, sizeof(m->s[0]));
	m->s[m->n++].labels = l;
	return 0;
}

int promql_matrix_push(struct ev *ev, struct mseries *s, int64_t t, double v)
{
	if (ev->cur_samples >= ev->max_samples)
		return obs_error_set(ev->err, "query processing would load too many samples into memory "
				     "in query execution");
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct pt *p = realloc(s->p, cap * sizeof(*p));

		if (!p)
			return promql_oom(ev);
		s->p = p;
		s->cap = cap;
	}
	s->p[s->n].t = t;
	s->p[s->n].v = v;
	s->n++;
	ev->cur_samples++;
	return 0;
}

void promql_matrix_release(struct ev *ev, struct matrix *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		ev->cur_samples -= m->s[i].n;
		obs_labels_unref(m->s[i].labels);
		free(m->s[i].p);
	}
	free(m->s);
	memset(m, 0, sizeof(*m));
}

void promql_val_release(struct ev *ev, struct val *v)
{
	free(v->sc);
	free(v->str);
	promql_matrix_release(ev, &v->m);
	v->sc = NULL;
	v->str = NULL;
}

/* ---- label maps and label operations ------------------------------------------------------------ */

long promql_lmap_get(const struct lmap *m, const struct obs_labels *l)
{
	size_t h;

	if (!m->cap)
		return -1;
	for (h = (size_t)l->hash & (m->cap - 1); m->keys[h]; h = (h + 1) & (m->cap - 1))
		if (obs_labels_equal(m->keys[h], l))
			return (long)m->vals[h];
	return -1;
}

static int lmap_grow(struct lmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i, h;
	struct obs_labels **keys = calloc(cap, sizeof(*keys));
	size_t *vals = calloc(cap, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		for (h = (size_t)m->keys[i]->hash & (cap - 1); keys[h]; h = (h + 1) & (cap - 1))
			;
		keys[h] = m->keys[i];
		vals[h] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int promql_lmap_put(struct lmap *m, struct obs_labels *l, size_t v)
{
	size_t h;

	if ((m->n + 1) * 2 > m->cap && lmap_grow(m) < 0)
		return -1;
	for (h = (size_t)l->hash & (m->cap - 1); m->keys[h]; h = (h + 1) & (m->cap - 1))
		if (obs_labels_equal(m->keys[h], l)) {
			m->vals[h] = v;
			return 0;
		}
	m->keys[h] = obs_labels_ref(l);
	m->vals[h] = v;
	m->n++;
	return 0;
}

void promql_lmap_release(struct lmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		obs_labels_unref(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static int in_list(const struct strlist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return 1;
	return 0;
}

/* Copy of L's labels for which KEEP(name) holds. */
static struct obs_labels *filter(const struct obs_labels *l, const struct strlist *names, int keep,
				 int drop_name)
{
	struct obs_label small[64], *pairs = small;
	struct obs_labels *res;
	unsigned i;
	size_t n = 0;

	if (l->len > 64) {
		pairs = malloc(l->len * sizeof(*pairs));
		if (!pairs)
			return NULL;
	}
	for (i = 0; i < l->len; i++) {
		int listed = names && in_list(names, l->v[i].name);

		if (keep ? !listed : listed)
			continue;
		if (drop_name && strcmp(l->v[i].name, "__name__") == 0)
			continue;
		pairs[n++] = l->v[i];
	}
	res = n ? obs_labels_new(pairs, n) : obs_labels_empty();
	if (pairs != small)
		free(pairs);
	return res;
}

struct obs_labels *promql_labels_drop_name(struct obs_labels *l)
{
	if (!obs_labels_get(l, "__name__"))
		return obs_labels_ref(l);
	return filter(l, NULL, 0, 1);
}

struct obs_labels *promql_labels_keep(const struct obs_labels *l, const struct strlist *names)
{
	return filter(l, names, 1, 0);
}

struct obs_labels *promql_labels_drop(const struct obs_labels *l, const struct strlist *names,
				      int and_name)
{
	return filter(l, names, 0, and_name);
}

struct obs_labels *promql_labels_set(const struct obs_labels *l, const char *name, const char *value)
{
	struct obs_label small[65], *pairs = small;
	struct obs_labels *res;

	if (l->len >= 64) {
		pairs = malloc((l->len + 1) * sizeof(*pairs));
		if (!pairs)
			return NULL;
	}
	memcpy(pairs, l->v, l->len * sizeof(*pairs));
	pairs[l->len].name = name;
	pairs[l->len].value = value;
	res = obs_labels_new(pairs, l->len + 1);
	if (pairs != small)
		free(pairs);
	return res;
}

/* ---- output matrices and steppers ------------------------------------------------------------- */

long promql_out_series(struct ev *ev, struct outm *o, struct obs_labels *l)
{
	long k = promql_lmap_get(&o->map, l);

	if (k >= 0) {
		obs_labels_unref(l);
		return k;
	}
	if (promql_matrix_add_series(&o->m, l) < 0) {
		promql_oom(ev);
		return -1;
	}
	if (promql_lmap_put(&o->map, l, o->m.n - 1) < 0) {
		promql_oom(ev);
		return -1;
	}
	return (long)o->m.n - 1;
}

int promql_out_point(struct ev *ev, struct outm *o, size_t k, size_t i, double v)
{
	if (o->stamp_cap < o->m.n) {
		size_t cap = o->m.cap, *st = realloc(o->stamp, cap * sizeof(*st));

		if (!st)
			return promql_oom(ev);
		memset(st + o->stamp_cap, 0, (cap - o->stamp_cap) * sizeof(*st));
		o->stamp = st;
		o->stamp_cap = cap;
	}
	if (o->stamp[k] == i + 1)
		return obs_error_set(ev->err, "vector cannot contain metrics with the same labelset");
	o->stamp[k] = i + 1;
	return promql_matrix_push(ev, &o->m.s[k], ev_ts(ev, i), v);
}

void promql_out_take(struct outm *o, struct val *out)
{
	out->type = OBS_PROMQL_VECTOR;
	out->m = o->m;
	memset(&o->m, 0, sizeof(o->m));
}

void promql_out_release(struct ev *ev, struct outm *o)
{
	promql_matrix_release(ev, &o->m);
	promql_lmap_release(&o->map);
	free(o->stamp);
	memset(o, 0, sizeof(*o));
}

int promql_stepper_init(struct ev *ev, struct stepper *st, const struct matrix *m)
{
	st->m = m;
	st->cur = calloc(m->n ? m->n : 1, sizeof(*st->cur));
	return st->cur ? 0 : promql_oom(ev);
}

size_t promql_stepper_next(struct stepper *st, int64_t ts, struct vsample *out)
{
	size_t s, n = 0;

	for (s = 0; s < st->m->n; s++) {
		const struct mseries *ms = &st->m->s[s];

		if (st->cur[s] < ms->n && ms->p[st->cur[s]].t == ts) {
			out[n].s = s;
			out[n++].v = ms->p[st->cur[s]++].v;
		}
	}
	return n;
}

void promql_stepper_release(struct stepper *st)
{
	free(st->cur);
	st->cur = NULL;
}

/* ---- literals, selectors ------------------------------------------------------------------------ */

int promql_eval_scalar(struct ev *ev, const struct obs_promql_expr *e, double **out)
{
	struct val v;

	*out = NULL;
	if (promql_eval(ev, e, &v) < 0)
		return -1;
	*out = v.sc;
	v.sc = NULL;
	promql_val_release(ev, &v);
	return 0;
}

static int eval_number(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	size_t i;

	out->sc = malloc(ev->nsteps * sizeof(double));
	if (!out->sc)
		return promql_oom(ev);
	for (i = 0; i < ev->nsteps; i++)
		out->sc[i] = e->num;
	return 0;
}

static int64_t at_time(const struct ev *ev, const struct obs_promql_expr *vs)
{
	return vs->at == AT_TIME ? vs->at_ms : vs->at == AT_START ? ev->start : ev->end;
}

/* Points of one series for every step whose lookback window holds a sample. */
static int vsel_series(struct ev *ev, const struct obs_promql_expr *e, const struct obs_series *s,
		       struct mseries *ms)
{
	const struct obs_sample *b;
	size_t i, j = 0;
	int64_t t;
	double v;

	if (e->at != AT_NONE) {
		int64_t ref = promql_sub(at_time(ev, e), e->offset);

		if (!obs_series_last_at(s, ref, &t, &v) || t < promql_sub(ref, ev->lookback))
			return 0;
		for (i = 0; i < ev->nsteps; i++)
			if (promql_matrix_push(ev, ms, ev_ts(ev, i), v) < 0)
				return -1;
		return 0;
	}
	if (obs_series_samples(s, promql_sub(promql_sub(ev->start, e->offset), ev->lookback),
			       promql_sub(ev->end, e->offset),
			       &ev->buf) < 0)
		return promql_oom(ev);
	b = ev->buf.v;
	for (i = 0; i < ev->nsteps; i++) {
		int64_t ref = promql_sub(ev_ts(ev, i), e->offset);

		while (j < ev->buf.n && b[j].t <= ref)
			j++;
		if (j > 0 && b[j - 1].t >= promql_sub(ref, ev->lookback) &&
		    promql_matrix_push(ev, ms, ev_ts(ev, i), b[j - 1].v) < 0)
			return -1;
	}
	return 0;
}

static int eval_vsel(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	const struct obs_series **sel;
	size_t n, i;
	int rc = 0;

	if (obs_series_set_select(ev->set, e->matchers, e->nmatchers, &sel, &n, ev->err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		struct mseries ms = { 0 };
		struct mseries *dst;

		rc = vsel_series(ev, e, sel[i], &ms);
		if (rc == 0 && ms.n &&
		    promql_matrix_add_series(&out->m, obs_labels_ref(obs_series_labels(sel[i]))) < 0)
			rc = promql_oom(ev);
		if (rc < 0 || !ms.n) {
			ev->cur_samples -= ms.n;
			free(ms.p);
			continue;
		}
		dst = &out->m.s[out->m.n - 1];
		dst->p = ms.p;
		dst->n = ms.n;
		dst->cap = ms.cap;
	}
	free(sel);
	return rc;
}

/* A range selector as a result (instant queries only): the raw samples in the window. */
static int eval_msel(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	const struct obs_promql_expr *vs = e->a;
	const struct obs_series **sel;
	int64_t ref = promql_sub(vs->at != AT_NONE ? at_time(ev, vs) : ev->start, vs->offset);
	size_t n, i, j;
	int rc = 0;

	if (obs_series_set_select(ev->set, vs->matchers, vs->nmatchers, &sel, &n, ev->err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (obs_series_samples(sel[i], promql_sub(ref, e->range), ref, &ev->buf) < 0) {
			rc = promql_oom(ev);
			break;
		}
		if (!ev->buf.n)
			continue;
		if (promql_matrix_add_series(&out->m, obs_labels_ref(obs_series_labels(sel[i]))) < 0) {
			rc = promql_oom(ev);
			break;
		}
		for (j = 0; j < ev->buf.n && rc == 0; j++)
			rc = promql_matrix_push(ev, &out->m.s[out->m.n - 1], ev->buf.v[j].t,
						ev->buf.v[j].v);
	}
	free(sel);
	return rc;
}

/* ---- unary and binary operators ----------------------------------------------------------------- */

static int step_of(const struct ev *ev, int64_t t)
{
	return (int)((t - ev->start) / ev->step);
}

static int eval_unary(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct lmap seen = { 0 };
	size_t i, j;
	int rc;

	if (promql_eval(ev, e->a, out) < 0)
		return -1;
	if (e->op == OP_ADD)
		return 0;
	if (out->type == OBS_PROMQL_SCALAR) {
		for (i = 0; i < ev->nsteps; i++)
			out->sc[i] = -out->sc[i];
		return 0;
	}
	for (i = 0, rc = 0; i < out->m.n && rc == 0; i++) {
		struct mseries *s = &out->m.s[i];
		struct obs_labels *l = promql_labels_drop_name(s->labels);

		if (!l) {
			rc = promql_oom(ev);
			break;
		}
		obs_labels_unref(s->labels);
		s->labels = l;
		for (j = 0; j < s->n; j++)
			s->p[j].v = -s->p[j].v;
		if (promql_lmap_get(&seen, l) >= 0)
			rc = obs_error_set(ev->err, "vector cannot contain metrics with the same labelset");
		else if (promql_lmap_put(&seen, l, i) < 0)
			rc = promql_oom(ev);
	}
	promql_lmap_release(&seen);
	return rc;
}

static int is_arith(int op)
{
	return op <= OP_POW;
}

static int is_cmp(int op)
{
	return op >= OP_EQ && op <= OP_LE;
}

/* Go's vectorElemBinop: the value, and whether a comparison keeps the sample. */
static double elem_binop(int op, double l, double r, int *keep)
{
	*keep = 1;
	switch (op) {
	case OP_ADD: return l + r;
	case OP_SUB: return l - r;
	case OP_MUL: return l * r;
	case OP_DIV: return l / r;
	case OP_POW: return pow(l, r);
	case OP_MOD: return fmod(l, r);
	case OP_EQ: *keep = l == r; return l;
	case OP_NE: *keep = l != r; return l;
	case OP_GT: *keep = l > r; return l;
	case OP_LT: *keep = l < r; return l;
	case OP_GE: *keep = l >= r; return l;
	default: *keep = l <= r; return l;
	}
}

static int scalar_scalar(struct ev *ev, const struct obs_promql_expr *e, struct val *l,
			 struct val *r, struct val *out)
{
	size_t i;
	int keep;

	for (i = 0; i < ev->nsteps; i++) {
		double v = elem_binop(e->op, l->sc[i], r->sc[i], &keep);

		l->sc[i] = is_cmp(e->op) ? keep : v;
	}
	out->sc = l->sc;
	l->sc = NULL;
	return 0;
}

/* Vector VEC against the scalar SC; SWAP when the scalar is on the left. */
static int vector_scalar(struct ev *ev, const struct obs_promql_expr *e, struct matrix *vec,
			 const double *sc, int swap, struct val *out)
{
	struct outm o = { 0 };
	int drop = is_arith(e->op) || e->return_bool, keep, rc = 0;
	size_t i, j;

	for (i = 0; i < vec->n && rc == 0; i++) {
		const struct mseries *s = &vec->s[i];
		long k = -1;

		for (j = 0; j < s->n && rc == 0; j++) {
			int step = step_of(ev, s->p[j].t);
			double lv = swap ? sc[step] : s->p[j].v, rv = swap ? s->p[j].v : sc[step];
			double v = elem_binop(e->op, lv, rv, &keep);

			if (is_cmp(e->op) && swap)
				v = rv;
			if (e->return_bool) {
				v = keep;
				keep = 1;
			}
			if (!keep)
				continue;
			if (k < 0) {
				struct obs_labels *l = drop ? promql_labels_drop_name(s->labels)
							    : obs_labels_ref(s->labels);

				k = l ? promql_out_series(ev, &o, l) : promql_oom(ev);
				if (k < 0) {
					rc = -1;
					break;
				}
			}
			rc = promql_out_point(ev, &o, (size_t)k, (size_t)step, v);
		}
	}
	if (rc == 0)
		promql_out_take(&o, out);
	promql_out_release(ev, &o);
	return rc;
}

/* A map from 64-bit keys to numbers (pairs of series to output series). */
struct umap {
	uint64_t *keys;
	size_t *vals;
	size_t n, cap;
};

static long umap_get(const struct umap *m, uint64_t key)
{
	size_t h;

	if (!m->cap)
		return -1;
	for (h = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1); m->keys[h];
	     h = (h + 1) & (m->cap - 1))
		if (m->keys[h] == key + 1)
			return (long)m->vals[h];
	return -1;
}

static int umap_put(struct umap *m, uint64_t key, size_t v)
{
	size_t h, i, cap;

	if ((m->n + 1) * 2 > m->cap) {
		struct umap g = { 0 };

		cap = m->cap ? m->cap * 2 : 64;
		g.keys = calloc(cap, sizeof(*g.keys));
		g.vals = calloc(cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -1;
		}
		g.cap = cap;
		for (i = 0; i < m->cap; i++)
			if (m->keys[i])
				umap_put(&g, m->keys[i] - 1, m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	for (h = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1); m->keys[h];
	     h = (h + 1) & (m->cap - 1))
		;
	m->keys[h] = key + 1;
	m->vals[h] = v;
	m->n++;
	return 0;
}

static void umap_release(struct umap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Signature labels for matching: on(...) keeps the listed labels, else all but them and the name. */
static struct obs_labels *signature(const struct obs_promql_expr *e, const struct obs_labels *l)
{
	return e->on ? promql_labels_keep(l, &e->matching) : promql_labels_drop(l, &e->matching, 1);
}

/* Signature numbers for the series of M (equal signatures, equal numbers). */
static int signatures(struct ev *ev, const struct obs_promql_expr *e, const struct matrix *m,
		      struct lmap *sigs, size_t **out)
{
	size_t i;

	*out = malloc((m->n ? m->n : 1) * sizeof(**out));
	if (!*out)
		return promql_oom(ev);
	for (i = 0; i < m->n; i++) {
		struct obs_labels *l = signature(e, m->s[i].labels);
		long k;

		if (!l)
			return promql_oom(ev);
		k = promql_lmap_get(sigs, l);
		if (k < 0) {
			k = (long)sigs->n;
			if (promql_lmap_put(sigs, l, (size_t)k) < 0) {
				obs_labels_unref(l);
				return promql_oom(ev);
			}
		}
		obs_labels_unref(l);
		(*out)[i] = (size_t)k;
	}
	return 0;
}

/* State shared by the vector-vector operators. */
struct vv {
	struct ev *ev;
	const struct obs_promql_expr *e;
	const struct matrix *many, *one;      /* one-to-many: many is the right side */
	size_t *msig, *osig, nsigs;
	size_t *one_at, *one_stamp;           /* per signature: one-side series at this step */
	size_t *matched;                      /* per signature: step + 1 of its last match */
	size_t *out_sig;                      /* per output series: signature of its last point */
	size_t out_sig_cap;
	struct umap pairs;                    /* (many, one) -> output series */
	struct outm o;
	struct vsample *mv, *ov;
};

/* Prometheus's resultMetric(). */
static struct obs_labels *result_metric(const struct vv *w, struct obs_labels *ls,
					const struct obs_labels *rs)
{
	const struct obs_promql_expr *e = w->e;
	struct obs_labels *l, *n;
	size_t i;

	l = is_arith(e->op) ? promql_labels_drop_name(ls) : obs_labels_ref(ls);
	if (l && e->card == CARD_ONE_TO_ONE) {
		n = e->on ? promql_labels_keep(l, &e->matching) : promql_labels_drop(l, &e->matching, 0);
		obs_labels_unref(l);
		l = n;
	}
	for (i = 0; l && i < e->include.n; i++) {
		n = promql_labels_set(l, e->include.v[i], obs_labels_get(rs, e->include.v[i]));
		obs_labels_unref(l);
		l = n;
	}
	if (l && e->return_bool) {
		n = promql_labels_drop_name(l);
		obs_labels_unref(l);
		l = n;
	}
	return l;
}

static int vv_dup_one(struct vv *w, size_t s, size_t prev)
{
	const char *side = w->e->card == CARD_ONE_TO_MANY ? "left" : "right";
	struct obs_labels *sig = signature(w->e, w->one->s[s].labels);
	char *g = sig ? obs_labels_format(sig) : NULL;
	char *a = obs_labels_format(w->one->s[s].labels), *b = obs_labels_format(w->one->s[prev].labels);

	if (!g || !a || !b)
		promql_oom(w->ev);
	else
		obs_error_set(w->ev->err,
			      "found duplicate series for the match group %s on the %s hand-side of the "
			      "operation: [%s, %s];many-to-many matching not allowed: matching labels "
			      "must be unique on one side", g, side, a, b);
	free(g);
	free(a);
	free(b);
	obs_labels_unref(sig);
	return -1;
}

/* The output series for a (many, one) pair. */
static long vv_out(struct vv *w, size_t ms, size_t os)
{
	uint64_t key = ((uint64_t)ms << 32) | os;
	long k = umap_get(&w->pairs, key);
	struct obs_labels *l;

	if (k >= 0)
		return k;
	l = result_metric(w, w->many->s[ms].labels, w->one->s[os].labels);
	if (!l)
		return promql_oom(w->ev);
	k = promql_out_series(w->ev, &w->o, l);
	if (k >= 0 && umap_put(&w->pairs, key, (size_t)k) < 0)
		return promql_oom(w->ev);
	return k;
}

static int vv_point(struct vv *w, size_t k, size_t sig, size_t i, double v)
{
	if (w->out_sig_cap < w->o.m.n) {
		size_t cap = w->o.m.cap, *os = realloc(w->out_sig, cap * sizeof(*os));

		if (!os)
			return promql_oom(w->ev);
		w->out_sig = os;
		w->out_sig_cap = cap;
	}
	if (w->e->card != CARD_ONE_TO_ONE && k < w->o.stamp_cap && w->o.stamp[k] == i + 1 &&
	    w->out_sig[k] == sig)
		return obs_error_set(w->ev->err,
				     "multiple matches for labels: grouping labels must ensure unique matches");
	if (promql_out_point(w->ev, &w->o, k, i, v) < 0)
		return -1;
	w->out_sig[k] = sig;
	return 0;
}

static int vv_step(struct vv *w, struct stepper *ms, struct stepper *os, size_t i)
{
	int64_t ts = ev_ts(w->ev, i);
	size_t nm = promql_stepper_next(ms, ts, w->mv), no = promql_stepper_next(os, ts, w->ov), k;
	int keep;

	for (k = 0; k < no; k++) {
		size_t sig = w->osig[w->ov[k].s];

		if (w->one_stamp[sig] == i + 1)
			return vv_dup_one(w, w->ov[k].s, w->ov[w->one_at[sig]].s);
		w->one_stamp[sig] = i + 1;
		w->one_at[sig] = k;
	}
	for (k = 0; k < nm; k++) {
		size_t sig = w->msig[w->mv[k].s], o;
		double vl, vr, v;
		long out;

		if (w->one_stamp[sig] != i + 1)
			continue;
		o = w->one_at[sig];
		vl = w->mv[k].v;
		vr = w->ov[o].v;
		if (w->e->card == CARD_ONE_TO_MANY) {
			vl = w->ov[o].v;
			vr = w->mv[k].v;
		}
		v = elem_binop(w->e->op, vl, vr, &keep);
		if (w->e->return_bool)
			v = keep;
		else if (!keep)
			continue;
		if (w->e->card == CARD_ONE_TO_ONE) {
			if (w->matched[sig] == i + 1)
				return obs_error_set(w->ev->err, "multiple matches for labels: many-to-one "
						     "matching must be explicit (group_left/group_right)");
			w->matched[sig] = i + 1;
		}
		out = vv_out(w, w->mv[k].s, w->ov[o].s);
		if (out < 0 || vv_point(w, (size_t)out, sig, i, v) < 0)
			return -1;
	}
	return 0;
}

static int vector_vector(struct ev *ev, const struct obs_promql_expr *e, const struct matrix *l,
			 const struct matrix *r, struct val *out)
{
	struct vv w;
	struct lmap sigs = { 0 };
	struct stepper ms = { 0 }, os = { 0 };
	size_t i;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	w.ev = ev;
	w.e = e;
	w.many = e->card == CARD_ONE_TO_MANY ? r : l;
	w.one = e->card == CARD_ONE_TO_MANY ? l : r;
	if (signatures(ev, e, w.many, &sigs, &w.msig) < 0 || signatures(ev, e, w.one, &sigs, &w.osig) < 0)
		goto out;
	w.nsigs = sigs.n ? sigs.n : 1;
	w.one_at = calloc(w.nsigs, sizeof(size_t));
	w.one_stamp = calloc(w.nsigs, sizeof(size_t));
	w.matched = calloc(w.nsigs, sizeof(size_t));
	w.mv = malloc((w.many->n + 1) * sizeof(*w.mv));
	w.ov = malloc((w.one->n + 1) * sizeof(*w.ov));
	if (!w.one_at || !w.one_stamp || !w.matched || !w.mv || !w.ov) {
		promql_oom(ev);
		goto out;
	}
	if (promql_stepper_init(ev, &ms, w.many) < 0 || promql_stepper_init(ev, &os, w.one) < 0)
		goto out;
	for (i = 0; i < ev->nsteps; i++)
		if (vv_step(&w, &ms, &os, i) < 0)
			goto out;
	promql_out_take(&w.o, out);
	rc = 0;
out:
	promql_stepper_release(&ms);
	promql_stepper_release(&os);
	promql_lmap_release(&sigs);
	promql_out_release(ev, &w.o);
	umap_release(&w.pairs);
	free(w.msig);
	free(w.osig);
	free(w.one_at);
	free(w.one_stamp);
	free(w.matched);
	free(w.out_sig);
	free(w.mv);
	free(w.ov);
	return rc;
}

/* Emit sample V of series S of M at step I. */
static int set_emit(struct ev *ev, struct outm *o, const struct matrix *m, const struct vsample *v,
		    size_t i)
{
	long out = promql_out_series(ev, o, obs_labels_ref(m->s[v->s].labels));

	if (out < 0 || promql_out_point(ev, o, (size_t)out, i, v->v) < 0)
		return -1;
	return 0;
}

/* and, or, unless at step I: samples pass through with their labels. */
static int set_step(struct ev *ev, const struct obs_promql_expr *e, const size_t *lsig,
		    const size_t *rsig, const struct vsample *lv, size_t nl, const struct vsample *rv,
		    size_t nr, size_t *seen, const struct matrix *l, const struct matrix *r,
		    struct outm *o, size_t i)
{
	size_t k;

	if (e->op == OP_OR) {
		for (k = 0; k < nl; k++) {
			seen[lsig[lv[k].s]] = i + 1;
			if (set_emit(ev, o, l, &lv[k], i) < 0)
				return -1;
		}
		for (k = 0; k < nr; k++)
			if (seen[rsig[rv[k].s]] != i + 1 && set_emit(ev, o, r, &rv[k], i) < 0)
				return -1;
		return 0;
	}
	for (k = 0; k < nr; k++)
		seen[rsig[rv[k].s]] = i + 1;
	for (k = 0; k < nl; k++) {
		int matched = seen[lsig[lv[k].s]] == i + 1;

		if (matched == (e->op == OP_AND) && set_emit(ev, o, l, &lv[k], i) < 0)
			return -1;
	}
	return 0;
}

static int set_op(struct ev *ev, const struct obs_promql_expr *e, const struct matrix *l,
		  const struct matrix *r, struct val *out)
{
	struct lmap sigs = { 0 };
	struct stepper ls = { 0 }, rs = { 0 };
	struct outm o = { 0 };
	size_t *lsig = NULL, *rsig = NULL, *seen = NULL, i, nl, nr;
	struct vsample *lv = NULL, *rv = NULL;
	int rc = -1;

	if (signatures(ev, e, l, &sigs, &lsig) < 0 || signatures(ev, e, r, &sigs, &rsig) < 0)
		goto out;
	seen = calloc(sigs.n + 1, sizeof(*seen));
	lv = malloc((l->n + 1) * sizeof(*lv));
	rv = malloc((r->n + 1) * sizeof(*rv));
	if (!seen || !lv || !rv) {
		promql_oom(ev);
		goto out;
	}
	if (promql_stepper_init(ev, &ls, l) < 0 || promql_stepper_init(ev, &rs, r) < 0)
		goto out;
	for (i = 0; i < ev->nsteps; i++) {
		nl = promql_stepper_next(&ls, ev_ts(ev, i), lv);
		nr = promql_stepper_next(&rs, ev_ts(ev, i), rv);
		if (set_step(ev, e, lsig, rsig, lv, nl, rv, nr, seen, l, r, &o, i) < 0)
			goto out;
	}
	promql_out_take(&o, out);
	rc = 0;
out:
	promql_stepper_release(&ls);
	promql_stepper_release(&rs);
	promql_lmap_release(&sigs);
	promql_out_release(ev, &o);
	free(lsig);
	free(rsig);
	free(seen);
	free(lv);
	free(rv);
	return rc;
}

static int eval_binary(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct val l, r;
	int rc;

	if (promql_eval(ev, e->a, &l) < 0)
		return -1;
	if (promql_eval(ev, e->b, &r) < 0) {
		promql_val_release(ev, &l);
		return -1;
	}
	if (l.type == OBS_PROMQL_SCALAR && r.type == OBS_PROMQL_SCALAR)
		rc = scalar_scalar(ev, e, &l, &r, out);
	else if (l.type == OBS_PROMQL_SCALAR)
		rc = vector_scalar(ev, e, &r.m, l.sc, 1, out);
	else if (r.type == OBS_PROMQL_SCALAR)
		rc = vector_scalar(ev, e, &l.m, r.sc, 0, out);
	else if (e->op >= OP_AND)
		rc = set_op(ev, e, &l.m, &r.m, out);
	else
		rc = vector_vector(ev, e, &l.m, &r.m, out);
	promql_val_release(ev, &l);
	promql_val_release(ev, &r);
	return rc;
}

/* ---- dispatch and entry points ----------------------------------------------------------------- */

int promql_eval(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->type = e->type;
	switch (e->kind) {
	case N_NUMBER:
		rc = eval_number(ev, e, out);
		break;
	case N_STRING:
		out->str = strdup(e->str);
		rc = out->str ? 0 : promql_oom(ev);
		break;
	case N_PAREN:
		return promql_eval(ev, e->a, out);
	case N_UNARY:
		rc = eval_unary(ev, e, out);
		break;
	case N_BINARY:
		rc = eval_binary(ev, e, out);
		break;
	case N_CALL:
		rc = e->func->call(ev, e, out);
		break;
	case N_AGG:
		rc = promql_eval_agg(ev, e, out);
		break;
	case N_VSEL:
		rc = eval_vsel(ev, e, out);
		break;
	default:
		rc = eval_msel(ev, e, out);
		break;
	}
	if (rc < 0)
		promql_val_release(ev, out);
	return rc;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct obs_promql_sample *x = a, *y = b;

	return obs_labels_cmp(x->labels, y->labels);
}

static int series_cmp(const void *a, const void *b)
{
	const struct obs_promql_series *x = a, *y = b;

	return obs_labels_cmp(x->labels, y->labels);
}

/* Whether the result keeps the order of the top-level expression (topk, bottomk). */
static int ordered_result(const struct obs_promql_expr *e)
{
	e = promql_unparen(e);
	return e->kind == N_AGG && (e->op == AGG_TOPK || e->op == AGG_BOTTOMK);
}

static int to_vector(struct ev *ev, struct val *v, const struct obs_promql_expr *e,
		     struct obs_promql_value *res)
{
	size_t i;

	res->samples = calloc(v->m.n ? v->m.n : 1, sizeof(*res->samples));
	if (!res->samples)
		return promql_oom(ev);
	for (i = 0; i < v->m.n; i++) {
		res->samples[i].labels = obs_labels_ref(v->m.s[i].labels);
		res->samples[i].v = v->m.s[i].p[0].v;
	}
	res->n = v->m.n;
	if (!ordered_result(e) && res->n > 1)
		qsort(res->samples, res->n, sizeof(*res->samples), sample_cmp);
	return 0;
}

/* Move the series of M into RES as a matrix sorted by labels. */
static int to_matrix(struct ev *ev, struct matrix *m, struct obs_promql_value *res)
{
	size_t i;

	res->type = OBS_PROMQL_MATRIX;
	res->series = calloc(m->n ? m->n : 1, sizeof(*res->series));
	if (!res->series)
		return promql_oom(ev);
	for (i = 0; i < m->n; i++) {
		res->series[i].labels = m->s[i].labels;
		res->series[i].points = (struct obs_promql_point *)m->s[i].p;
		res->series[i].n = m->s[i].n;
		ev->cur_samples -= m->s[i].n;
	}
	res->n = m->n;
	free(m->s);
	memset(m, 0, sizeof(*m));
	if (res->n > 1)
		qsort(res->series, res->n, sizeof(*res->series), series_cmp);
	return 0;
}

static int scalar_matrix(struct ev *ev, struct val *v, struct obs_promql_value *res)
{
	struct matrix m = { 0 };
	size_t i;
	struct obs_labels *l = obs_labels_empty();

	if (!l || promql_matrix_add_series(&m, l) < 0)
		return promql_oom(ev);
	for (i = 0; i < ev->nsteps; i++)
		if (promql_matrix_push(ev, &m.s[0], ev_ts(ev, i), v->sc[i]) < 0) {
			promql_matrix_release(ev, &m);
			return -1;
		}
	if (to_matrix(ev, &m, res) < 0) {
		promql_matrix_release(ev, &m);
		return -1;
	}
	return 0;
}

static void ev_init(struct ev *ev, struct obs_series_set *set, const struct obs_promql_opts *opts,
		    struct obs_error *err)
{
	memset(ev, 0, sizeof(*ev));
	ev->set = set;
	ev->err = err;
	ev->lookback = opts && opts->lookback_ms > 0 ? opts->lookback_ms : DEFAULT_LOOKBACK;
	ev->max_samples = opts && opts->max_samples ? opts->max_samples : DEFAULT_MAX_SAMPLES;
}

static int run(struct ev *ev, const struct obs_promql_expr *e, int range,
	       struct obs_promql_value **out)
{
	struct obs_promql_value *res = calloc(1, sizeof(*res));
	struct val v;
	int rc = -1;

	*out = NULL;
	if (!res)
		return promql_oom(ev);
	if (obs_series_set_finish(ev->set, ev->err) < 0 || promql_eval(ev, e, &v) < 0) {
		free(res);
		obs_sample_buf_release(&ev->buf);
		return -1;
	}
	res->type = v.type;
	res->t = ev->start;
	if (range)
		rc = v.type == OBS_PROMQL_SCALAR ? scalar_matrix(ev, &v, res) : to_matrix(ev, &v.m, res);
	else if (v.type == OBS_PROMQL_SCALAR)
		res->scalar = v.sc[0], rc = 0;
	else if (v.type == OBS_PROMQL_STRING)
		res->string = v.str, v.str = NULL, rc = 0;
	else if (v.type == OBS_PROMQL_VECTOR)
		rc = to_vector(ev, &v, e, res);
	else
		rc = to_matrix(ev, &v.m, res);
	promql_val_release(ev, &v);
	obs_sample_buf_release(&ev->buf);
	if (rc < 0) {
		obs_promql_value_free(res);
		return -1;
	}
	*out = res;
	return 0;
}

int obs_promql_eval_instant(struct obs_series_set *set, const struct obs_promql_expr *e,
			    int64_t t_ms, const struct obs_promql_opts *opts,
			    struct obs_promql_value **out, struct obs_error *err)
{
	struct ev ev;

	ev_init(&ev, set, opts, err);
	ev.start = ev.end = t_ms;
	ev.step = 1;
	ev.nsteps = 1;
	return run(&ev, e, 0, out);
}

int obs_promql_eval_range(struct obs_series_set *set, const struct obs_promql_expr *e,
			  int64_t start_ms, int64_t end_ms, int64_t step_ms,
			  const struct obs_promql_opts *opts, struct obs_promql_value **out,
			  struct obs_error *err)
{
	struct ev ev;
	uint64_t steps;

	*out = NULL;
	if (e->type != OBS_PROMQL_SCALAR && e->type != OBS_PROMQL_VECTOR)
		return obs_error_set(err, "invalid expression type \"%s\" for range query, must be "
				     "Scalar or instant Vector",
				     e->type == OBS_PROMQL_STRING ? "string" : "range vector");
	if (step_ms <= 0)
		return obs_error_set(err, "zero or negative query resolution step widths are not "
				     "accepted: try a positive integer");
	if (end_ms < start_ms)
		return obs_error_set(err, "end timestamp must not be before start time");
	steps = ((uint64_t)end_ms - (uint64_t)start_ms) / (uint64_t)step_ms + 1;
	if (steps > OBS_PROMQL_MAX_STEPS)
		return obs_error_set(err, "exceeded maximum resolution of 11,000 points per timeseries: "
				     "try a larger step");
	ev_init(&ev, set, opts, err);
	ev.start = start_ms;
	ev.step = step_ms;
	ev.nsteps = (size_t)steps;
	ev.end = end_ms;   /* @ end() is the query's end, as given */
	return run(&ev, e, 1, out);
}
