/* SPDX-License-Identifier: MIT */
/* PromQL functions: range-vector functions (rate, *_over_time, ...) and instant-vector ones. */
#include "obs_promql_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A window of samples for one step of a range function. */
struct win {
	const struct obs_sample *s;
	size_t n;
	int64_t start, end;      /* the range: [start, end] in ms */
	int64_t range;           /* ms */
	double param;            /* quantile_over_time's q */
};

typedef int range_fn(const struct win *w, double *out);

/* ---- rate and friends -------------------------------------------------------------------------- */

/* A - B in milliseconds as a double, without int64 overflow at the limits. */
static double ms_diff(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_sub_overflow(a, b, &d))
		return (double)a - (double)b;
	return (double)d;
}

/* Prometheus's extrapolatedRate(). */
static int extrapolated(const struct win *w, double *out, int counter, int rate)
{
	const struct obs_sample *s = w->s;
	size_t n = w->n, i;
	double result, last = 0, to_start, to_end, sampled, avg, threshold, interval, factor;

	if (n < 2)
		return 0;
	result = s[n - 1].v - s[0].v;
	if (counter) {
		for (i = 0; i < n; i++) {
			if (s[i].v < last)
				result += last;
			last = s[i].v;
		}
	}
	to_start = ms_diff(s[0].t, w->start) / 1000;
	to_end = ms_diff(w->end, s[n - 1].t) / 1000;
	sampled = (double)(s[n - 1].t - s[0].t) / 1000;
	avg = sampled / (double)(n - 1);
	if (counter && result > 0 && s[0].v >= 0) {
		double to_zero = sampled * (s[0].v / result);

		if (to_zero < to_start)
			to_start = to_zero;
	}
	threshold = avg * 1.1;
	interval = sampled;
	interval += to_start < threshold ? to_start : avg / 2;
	interval += to_end < threshold ? to_end : avg / 2;
	factor = interval / sampled;
	if (rate)
		factor /= (double)w->range / 1000;
	*out = result * factor;
	return 1;
}

static int fn_rate(const struct win *w, double *out)
{
	return extrapolated(w, out, 1, 1);
}

static int fn_increase(const struct win *w, double *out)
{
	return extrapolated(w, out, 1, 0);
}

static int fn_delta(const struct win *w, double *out)
{
	return extrapolated(w, out, 0, 0);
}

/* Prometheus's instantValue() for irate and idelta. */
static int instant_value(const struct win *w, double *out, int rate)
{
	const struct obs_sample *last, *prev;
	double result;

	if (w->n < 2)
		return 0;
	last = &w->s[w->n - 1];
	prev = &w->s[w->n - 2];
	if (rate && last->v < prev->v)
		result = last->v;
	else
		result = last->v - prev->v;
	if (last->t == prev->t)
		return 0;
	if (rate)
		result /= (double)(last->t - prev->t) / 1000;
	*out = result;
	return 1;
}

static int fn_irate(const struct win *w, double *out)
{
	return instant_value(w, out, 1);
}

static int fn_idelta(const struct win *w, double *out)
{
	return instant_value(w, out, 0);
}

static int fn_resets(const struct win *w, double *out)
{
	size_t i, n = 0;

	for (i = 1; i < w->n; i++)
		if (w->s[i].v < w->s[i - 1].v)
			n++;
	*out = (double)n;
	return 1;
}

static int fn_changes(const struct win *w, double *out)
{
	size_t i, n = 0;

	for (i = 1; i < w->n; i++) {
		double cur = w->s[i].v, prev = w->s[i - 1].v;

		if (cur != prev && !(isnan(cur) && isnan(prev)))
			n++;
	}
	*out = (double)n;
	return 1;
}

/* ---- *_over_time ------------------------------------------------------------------------------- */

static int fn_avg_over_time(const struct win *w, double *out)
{
	double mean = 0, count = 0, c = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		double v = w->s[i].v;

		count++;
		if (isinf(mean)) {
			if (isinf(v) && (mean > 0) == (v > 0))
				continue;
			if (!isinf(v) && !isnan(v))
				continue;
		}
		mean = promql_kahan_inc(v / count - mean / count, mean, &c);
	}
	*out = isinf(mean) ? mean : mean + c;
	return 1;
}

static int fn_sum_over_time(const struct win *w, double *out)
{
	double sum = 0, c = 0;
	size_t i;

	for (i = 0; i < w->n; i++)
		sum = promql_kahan_inc(w->s[i].v, sum, &c);
	*out = isinf(sum) ? sum : sum + c;
	return 1;
}

static int fn_count_over_time(const struct win *w, double *out)
{
	*out = (double)w->n;
	return 1;
}

static int fn_last_over_time(const struct win *w, double *out)
{
	*out = w->s[w->n - 1].v;
	return 1;
}

static int fn_max_over_time(const struct win *w, double *out)
{
	double max = w->s[0].v;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->s[i].v > max || isnan(max))
			max = w->s[i].v;
	*out = max;
	return 1;
}

static int fn_min_over_time(const struct win *w, double *out)
{
	double min = w->s[0].v;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->s[i].v < min || isnan(min))
			min = w->s[i].v;
	*out = min;
	return 1;
}

static double variance(const struct win *w)
{
	double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		double v = w->s[i].v, delta;

		count++;
		delta = v - (mean + cmean);
		mean = promql_kahan_inc(delta / count, mean, &cmean);
		aux = promql_kahan_inc(delta * (v - (mean + cmean)), aux, &caux);
	}
	return (aux + caux) / count;
}

static int fn_stddev_over_time(const struct win *w, double *out)
{
	*out = sqrt(variance(w));
	return 1;
}

static int fn_stdvar_over_time(const struct win *w, double *out)
{
	*out = variance(w);
	return 1;
}

static int fn_quantile_over_time(const struct win *w, double *out)
{
	double small[256], *v = small;
	size_t i;

	if (w->n > 256) {
		v = malloc(w->n * sizeof(*v));
		if (!v)
			return -1;
	}
	for (i = 0; i < w->n; i++)
		v[i] = w->s[i].v;
	*out = promql_quantile(w->param, v, w->n);
	if (v != small)
		free(v);
	return 1;
}

/* ---- the range-function driver ------------------------------------------------------------------ */

struct rcall {
	struct ev *ev;
	const struct obs_promql_expr *vs;   /* the vector selector inside the range */
	int64_t range;
	const double *param;
	range_fn *fn;
};

static int64_t sel_at(const struct ev *ev, const struct obs_promql_expr *vs)
{
	return vs->at == AT_TIME ? vs->at_ms : vs->at == AT_START ? ev->start : ev->end;
}

static int window_point(struct rcall *rc, struct win *w, size_t i, struct mseries *ms)
{
	double v;
	int r;

	if (w->n == 0)
		return 0;
	w->param = rc->param ? rc->param[i] : 0;
	r = rc->fn(w, &v);
	if (r < 0)
		return promql_oom(rc->ev);
	return r ? promql_matrix_push(rc->ev, ms, ev_ts(rc->ev, i), v) : 0;
}

/* The points of one series: the window of each step through the function. */
static int range_series(struct rcall *rc, const struct obs_series *s, struct mseries *ms)
{
	struct ev *ev = rc->ev;
	const struct obs_promql_expr *vs = rc->vs;
	struct win w = { 0 };
	size_t i, lo = 0, hi = 0;
	int fixed = vs->at != AT_NONE;
	int64_t first = promql_sub(fixed ? sel_at(ev, vs) : ev->start, vs->offset);
	int64_t last = promql_sub(fixed ? sel_at(ev, vs) : ev->end, vs->offset);

	if (obs_series_samples(s, promql_sub(first, rc->range), last, &ev->buf) < 0)
		return promql_oom(ev);
	w.range = rc->range;
	for (i = 0; i < ev->nsteps; i++) {
		int64_t ref = promql_sub(fixed ? sel_at(ev, vs) : ev_ts(ev, i), vs->offset);

		while (hi < ev->buf.n && ev->buf.v[hi].t <= ref)
			hi++;
		while (lo < hi && ev->buf.v[lo].t < promql_sub(ref, rc->range))
			lo++;
		w.s = ev->buf.v + lo;
		w.n = hi - lo;
		w.start = promql_sub(ref, rc->range);
		w.end = ref;
		if (window_point(rc, &w, i, ms) < 0)
			return -1;
	}
	return 0;
}

/* Add series MS (points taken) with labels L to OUT, refusing a label set seen before. */
static int range_add(struct ev *ev, struct val *out, struct lmap *seen, struct obs_labels *l,
		     struct mseries *ms)
{
	if (promql_lmap_get(seen, l) >= 0) {
		obs_labels_unref(l);
		return obs_error_set(ev->err, "vector cannot contain metrics with the same labelset");
	}
	if (promql_lmap_put(seen, l, 0) < 0) {
		obs_labels_unref(l);
		return promql_oom(ev);
	}
	if (promql_matrix_add_series(&out->m, l) < 0)
		return promql_oom(ev);
	out->m.s[out->m.n - 1].p = ms->p;
	out->m.s[out->m.n - 1].n = ms->n;
	out->m.s[out->m.n - 1].cap = ms->cap;
	ms->p = NULL;
	ms->n = 0;
	return 0;
}

static int eval_range(struct ev *ev, const struct obs_promql_expr *e, range_fn *fn, int keep_name,
		      struct val *out)
{
	const struct obs_promql_expr *m = promql_unparen(e->args[e->nargs - 1]);
	struct rcall rc = { ev, m->a, m->range, NULL, fn };
	const struct obs_series **sel = NULL;
	struct lmap seen = { 0 };
	double *param = NULL;
	size_t n = 0, i;
	int r = -1;

	if (e->nargs > 1 && promql_eval_scalar(ev, e->args[0], &param) < 0)
		return -1;
	rc.param = param;
	if (obs_series_set_select(ev->set, rc.vs->matchers, rc.vs->nmatchers, &sel, &n, ev->err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct mseries ms = { 0 };
		struct obs_labels *l;

		if (range_series(&rc, sel[i], &ms) < 0)
			goto fail_ms;
		if (ms.n) {
			l = keep_name ? obs_labels_ref(obs_series_labels(sel[i]))
				      : promql_labels_drop_name(obs_series_labels(sel[i]));
			if (!l) {
				promql_oom(ev);
				goto fail_ms;
			}
			if (range_add(ev, out, &seen, l, &ms) < 0)
				goto fail_ms;
		}
		continue;
fail_ms:
		ev->cur_samples -= ms.n;
		free(ms.p);
		goto out;
	}
	r = 0;
out:
	promql_lmap_release(&seen);
	free(sel);
	free(param);
	return r;
}

#define RANGE_CALL(name, fn, keep)                                                             \
	static int call_##name(struct ev *ev, const struct obs_promql_expr *e, struct val *out) \
	{                                                                                        \
		return eval_range(ev, e, fn, keep, out);                                         \
	}

RANGE_CALL(rate, fn_rate, 0)
RANGE_CALL(increase, fn_increase, 0)
RANGE_CALL(delta, fn_delta, 0)
RANGE_CALL(irate, fn_irate, 0)
RANGE_CALL(idelta, fn_idelta, 0)
RANGE_CALL(resets, fn_resets, 0)
RANGE_CALL(changes, fn_changes, 0)
RANGE_CALL(avg_over_time, fn_avg_over_time, 0)
RANGE_CALL(min_over_time, fn_min_over_time, 0)
RANGE_CALL(max_over_time, fn_max_over_time, 0)
RANGE_CALL(sum_over_time, fn_sum_over_time, 0)
RANGE_CALL(count_over_time, fn_count_over_time, 0)
RANGE_CALL(last_over_time, fn_last_over_time, 1)
RANGE_CALL(quantile_over_time, fn_quantile_over_time, 0)
RANGE_CALL(stddev_over_time, fn_stddev_over_time, 0)
RANGE_CALL(stdvar_over_time, fn_stdvar_over_time, 0)

/* ---- instant-vector functions -------------------------------------------------------------------- */

static int step_index(const struct ev *ev, int64_t t)
{
	return (int)((t - ev->start) / ev->step);
}

/* Go's math.Max and math.Min (NaN wins, except against the matching infinity). */
static double go_max(double x, double y)
{
	if ((isinf(x) && x > 0) || (isinf(y) && y > 0))
		return INFINITY;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? y : x;
	return x > y ? x : y;
}

static double go_min(double x, double y)
{
	if ((isinf(x) && x < 0) || (isinf(y) && y < 0))
		return -INFINITY;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? x : y;
	return x < y ? x : y;
}

enum map_op { M_ABS, M_CEIL, M_FLOOR, M_EXP, M_LN, M_SQRT, M_ROUND, M_CLAMP_MIN, M_CLAMP_MAX };

static double map_value(enum map_op op, double v, double p)
{
	switch (op) {
	case M_ABS: return fabs(v);
	case M_CEIL: return ceil(v);
	case M_FLOOR: return floor(v);
	case M_EXP: return exp(v);
	case M_LN: return log(v);
	case M_SQRT: return sqrt(v);
	case M_ROUND: return floor(v * (1.0 / p) + 0.5) / (1.0 / p);
	case M_CLAMP_MIN: return go_max(p, v);
	default: return go_min(p, v);
	}
}

/* A function of each sample (and a scalar argument), dropping the metric name. */
static int eval_map(struct ev *ev, const struct obs_promql_expr *e, enum map_op op,
		    struct val *out)
{
	struct outm o = { 0 };
	struct val in;
	double *param = NULL;
	size_t i, j;
	int rc = -1;

	if (promql_eval(ev, e->args[0], &in) < 0)
		return -1;
	if (e->nargs > 1 && promql_eval_scalar(ev, e->args[1], &param) < 0)
		goto out;
	for (i = 0; i < in.m.n; i++) {
		const struct mseries *s = &in.m.s[i];
		struct obs_labels *l = promql_labels_drop_name(s->labels);
		long k = l ? promql_out_series(ev, &o, l) : promql_oom(ev);

		for (j = 0; k >= 0 && j < s->n; j++) {
			int step = step_index(ev, s->p[j].t);

			if (promql_out_point(ev, &o, (size_t)k, (size_t)step,
					     map_value(op, s->p[j].v, param ? param[step] : 1)) < 0)
				goto out;
		}
		if (k < 0)
			goto out;
	}
	promql_out_take(&o, out);
	rc = 0;
out:
	promql_out_release(ev, &o);
	promql_val_release(ev, &in);
	free(param);
	return rc;
}

#define MAP_CALL(name, op)                                                                     \
	static int call_##name(struct ev *ev, const struct obs_promql_expr *e, struct val *out) \
	{                                                                                        \
		return eval_map(ev, e, op, out);                                                 \
	}

MAP_CALL(abs, M_ABS)
MAP_CALL(ceil, M_CEIL)
MAP_CALL(floor, M_FLOOR)
MAP_CALL(exp, M_EXP)
MAP_CALL(ln, M_LN)
MAP_CALL(sqrt, M_SQRT)
MAP_CALL(round, M_ROUND)
MAP_CALL(clamp_min, M_CLAMP_MIN)
MAP_CALL(clamp_max, M_CLAMP_MAX)

static int call_time(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	size_t i;

	(void)e;
	out->sc = malloc(ev->nsteps * sizeof(double));
	if (!out->sc)
		return promql_oom(ev);
	for (i = 0; i < ev->nsteps; i++)
		out->sc[i] = (double)ev_ts(ev, i) / 1000;
	return 0;
}

static int call_vector(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	double *v;
	size_t i;
	struct obs_labels *l;
	int rc = 0;

	if (promql_eval_scalar(ev, e->args[0], &v) < 0)
		return -1;
	l = obs_labels_empty();
	if (!l || promql_matrix_add_series(&out->m, l) < 0)
		rc = promql_oom(ev);
	for (i = 0; rc == 0 && i < ev->nsteps; i++)
		rc = promql_matrix_push(ev, &out->m.s[0], ev_ts(ev, i), v[i]);
	free(v);
	return rc;
}

static int call_scalar(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct val in;
	struct stepper st = { 0 };
	struct vsample *vs;
	size_t i, n;
	int rc = -1;

	if (promql_eval(ev, e->args[0], &in) < 0)
		return -1;
	out->sc = malloc(ev->nsteps * sizeof(double));
	vs = malloc((in.m.n + 1) * sizeof(*vs));
	if (!out->sc || !vs) {
		promql_oom(ev);
		goto done;
	}
	if (promql_stepper_init(ev, &st, &in.m) < 0)
		goto done;
	for (i = 0; i < ev->nsteps; i++) {
		n = promql_stepper_next(&st, ev_ts(ev, i), vs);
		out->sc[i] = n == 1 ? vs[0].v : NAN;
	}
	rc = 0;
done:
	promql_stepper_release(&st);
	free(vs);
	promql_val_release(ev, &in);
	return rc;
}

static int call_absent(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct val in;
	struct stepper st = { 0 };
	struct vsample *vs;
	size_t i;
	int rc = -1;

	if (promql_eval(ev, e->args[0], &in) < 0)
		return -1;
	vs = malloc((in.m.n + 1) * sizeof(*vs));
	if (!vs) {
		promql_oom(ev);
		goto done;
	}
	if (promql_stepper_init(ev, &st, &in.m) < 0)
		goto done;
	for (i = 0; i < ev->nsteps; i++) {
		if (promql_stepper_next(&st, ev_ts(ev, i), vs))
			continue;
		if (!out->m.n && promql_matrix_add_series(&out->m, obs_labels_ref(e->absent_labels)) < 0) {
			promql_oom(ev);
			goto done;
		}
		if (promql_matrix_push(ev, &out->m.s[0], ev_ts(ev, i), 1) < 0)
			goto done;
	}
	rc = 0;
done:
	promql_stepper_release(&st);
	free(vs);
	promql_val_release(ev, &in);
	return rc;
}

/* New labels of one series for label_replace(); NULL when out of memory. */
static struct obs_labels *relabel(const struct obs_promql_expr *e, struct obs_labels *l)
{
	const char *dst = promql_unparen(e->args[1])->str, *repl = promql_unparen(e->args[2])->str;
	const char *src = promql_unparen(e->args[3])->str, *sv = obs_labels_get(l, src);
	struct obs_labels *res;
	char *expanded = NULL;
	int m = obs_regex_expand(e->regex, sv ? sv : "", repl, &expanded);

	if (m < 0)
		return NULL;
	if (m == 0)
		return obs_labels_ref(l);
	res = promql_labels_set(l, dst, expanded);
	free(expanded);
	return res;
}

static int call_label_replace(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct outm o = { 0 };
	struct val in;
	size_t i, j;
	int rc = -1;

	if (promql_eval(ev, e->args[0], &in) < 0)
		return -1;
	for (i = 0; i < in.m.n; i++) {
		const struct mseries *s = &in.m.s[i];
		struct obs_labels *l = relabel(e, s->labels);
		long k = l ? promql_out_series(ev, &o, l) : promql_oom(ev);

		if (k < 0)
			goto out;
		for (j = 0; j < s->n; j++)
			if (promql_out_point(ev, &o, (size_t)k, (size_t)step_index(ev, s->p[j].t),
					     s->p[j].v) < 0)
				goto out;
	}
	promql_out_take(&o, out);
	rc = 0;
out:
	promql_out_release(ev, &o);
	promql_val_release(ev, &in);
	return rc;
}

/* ---- histogram_quantile ------------------------------------------------------------------------- */

/* Go's strconv.ParseFloat(s, 64) == nil for the values "le" labels hold; -1 if Go refuses S. */
static int go_parse_float(const char *s, double *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	char buf[128], *end;
	size_t i, n = 0;

	if (!*p)
		return -1;
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (strcasecmp(s, "nan") == 0) {
		*out = NAN;
		return 0;
	}
	if (strlen(s) >= sizeof(buf) || !strchr("0123456789.", *p))
		return -1;
	/* Underscores only between digits (Go's underscoreOK); strtod does not want them. */
	for (i = 0; s[i]; i++) {
		if (s[i] == '_') {
			if (i == 0 || !isxdigit((unsigned char)s[i - 1]) || !isxdigit((unsigned char)s[i + 1]))
				return -1;
			continue;
		}
		buf[n++] = s[i];
	}
	buf[n] = '\0';
	if ((strstr(buf, "0x") || strstr(buf, "0X")) && !strpbrk(buf, "pP"))
		return -1;
	errno = 0;
	*out = strtod(buf, &end);
	if (*end || (errno == ERANGE && isinf(*out)))
		return -1;
	return 0;
}

struct bucket {
	double upper, count;
};

static int bucket_cmp(const void *a, const void *b)
{
	double x = ((const struct bucket *)a)->upper, y = ((const struct bucket *)b)->upper;

	return x < y ? -1 : x > y;
}

/* Prometheus's bucketQuantile(). */
static double bucket_quantile(double q, struct bucket *b, size_t n)
{
	double max = -INFINITY, obs, rank, start = 0, end, count;
	size_t i, k, lo, hi;

	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	qsort(b, n, sizeof(*b), bucket_cmp);
	if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0))
		return NAN;
	for (i = 1, k = 0; i < n; i++) {    /* coalesce equal bounds */
		if (b[i].upper == b[k].upper)
			b[k].count += b[i].count;
		else
			b[++k] = b[i];
	}
	n = k + 1;
	for (i = 0; i < n; i++) {           /* ensure monotonic */
		if (b[i].count > max)
			max = b[i].count;
		else if (b[i].count < max)
			b[i].count = max;
	}
	if (n < 2)
		return NAN;
	obs = b[n - 1].count;
	if (obs == 0)
		return NAN;
	rank = q * obs;
	for (lo = 0, hi = n - 1; lo < hi;) {  /* Go's sort.Search */
		size_t h = (lo + hi) / 2;

		if (!(b[h].count >= rank))
			lo = h + 1;
		else
			hi = h;
	}
	if (lo == n - 1)
		return b[n - 2].upper;
	if (lo == 0 && b[0].upper <= 0)
		return b[0].upper;
	end = b[lo].upper;
	count = b[lo].count;
	if (lo > 0) {
		start = b[lo - 1].upper;
		count -= b[lo - 1].count;
		rank -= b[lo - 1].count;
	}
	return start + (end - start) * (rank / count);
}

struct hq {
	struct ev *ev;
	const struct matrix *in;
	double *le;             /* per input series */
	long *group;            /* per input series, -1 without a valid le */
	size_t ngroups;
	struct obs_labels **glabels;
	long *gout;
	struct bucket **b;      /* per group */
	size_t *nb, *stamp;
};

static int hq_groups(struct hq *h)
{
	static const char *const le_name[] = { "le" };
	const struct strlist le = { (char **)le_name, 1 };
	struct lmap map = { 0 };
	size_t i, n = h->in->n + 1;
	int rc = 0;

	h->le = malloc(n * sizeof(*h->le));
	h->group = malloc(n * sizeof(*h->group));
	h->glabels = calloc(n, sizeof(*h->glabels));
	if (!h->le || !h->group || !h->glabels)
		return promql_oom(h->ev);
	for (i = 0; i < h->in->n && rc == 0; i++) {
		const char *v = obs_labels_get(h->in->s[i].labels, "le");
		struct obs_labels *key;
		long k;

		h->group[i] = -1;
		if (!v || go_parse_float(v, &h->le[i]) < 0)
			continue;
		key = promql_labels_drop(h->in->s[i].labels, &le, 0);
		if (!key)
			return promql_oom(h->ev);
		k = promql_lmap_get(&map, key);
		if (k < 0) {
			k = (long)h->ngroups;
			h->glabels[h->ngroups] = promql_labels_drop_name(key);
			if (!h->glabels[h->ngroups++] || promql_lmap_put(&map, key, (size_t)k) < 0)
				rc = promql_oom(h->ev);
		}
		obs_labels_unref(key);
		h->group[i] = k;
	}
	promql_lmap_release(&map);
	return rc;
}

static int hq_alloc(struct hq *h)
{
	size_t i, n = h->ngroups + 1, *count = calloc(n, sizeof(size_t));

	h->gout = malloc(n * sizeof(*h->gout));
	h->b = calloc(n, sizeof(*h->b));
	h->nb = calloc(n, sizeof(*h->nb));
	h->stamp = calloc(n, sizeof(*h->stamp));
	if (!count || !h->gout || !h->b || !h->nb || !h->stamp) {
		free(count);
		return promql_oom(h->ev);
	}
	for (i = 0; i < h->in->n; i++)
		if (h->group[i] >= 0)
			count[h->group[i]]++;
	for (i = 0; i < h->ngroups; i++) {
		h->gout[i] = -1;
		h->b[i] = malloc((count[i] + 1) * sizeof(**h->b));
		if (!h->b[i]) {
			free(count);
			return promql_oom(h->ev);
		}
	}
	free(count);
	return 0;
}

static int hq_step(struct hq *h, struct outm *o, struct stepper *st, struct vsample *vs,
		   const double *q, size_t i)
{
	size_t n = promql_stepper_next(st, ev_ts(h->ev, i), vs), k;

	for (k = 0; k < n; k++) {
		long g = h->group[vs[k].s];

		if (g < 0)
			continue;
		if (h->stamp[g] != i + 1) {
			h->stamp[g] = i + 1;
			h->nb[g] = 0;
		}
		h->b[g][h->nb[g]].upper = h->le[vs[k].s];
		h->b[g][h->nb[g]++].count = vs[k].v;
	}
	for (k = 0; k < h->ngroups; k++) {
		if (h->stamp[k] != i + 1)
			continue;
		if (h->gout[k] < 0)
			h->gout[k] = promql_out_series(h->ev, o, obs_labels_ref(h->glabels[k]));
		if (h->gout[k] < 0 ||
		    promql_out_point(h->ev, o, (size_t)h->gout[k], i,
				     bucket_quantile(q[i], h->b[k], h->nb[k])) < 0)
			return -1;
	}
	return 0;
}

static int call_histogram_quantile(struct ev *ev, const struct obs_promql_expr *e, struct val *out)
{
	struct hq h;
	struct outm o = { 0 };
	struct stepper st = { 0 };
	struct vsample *vs = NULL;
	struct val in;
	double *q = NULL;
	size_t i;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	h.ev = ev;
	if (promql_eval_scalar(ev, e->args[0], &q) < 0)
		return -1;
	if (promql_eval(ev, e->args[1], &in) < 0) {
		free(q);
		return -1;
	}
	h.in = &in.m;
	if (hq_groups(&h) < 0 || hq_alloc(&h) < 0 || promql_stepper_init(ev, &st, &in.m) < 0)
		goto out;
	vs = malloc((in.m.n + 1) * sizeof(*vs));
	if (!vs) {
		promql_oom(ev);
		goto out;
	}
	for (i = 0; i < ev->nsteps; i++)
		if (hq_step(&h, &o, &st, vs, q, i) < 0)
			goto out;
	promql_out_take(&o, out);
	rc = 0;
out:
	for (i = 0; i < h.ngroups; i++) {
		obs_labels_unref(h.glabels[i]);
		free(h.b ? h.b[i] : NULL);
	}
	free(h.glabels);
	free(h.b);
	free(h.nb);
	free(h.stamp);
	free(h.gout);
	free(h.le);
	free(h.group);
	free(vs);
	free(q);
	promql_stepper_release(&st);
	promql_out_release(ev, &o);
	promql_val_release(ev, &in);
	return rc;
}

/* ---- the function table -------------------------------------------------------------------------- */

#define S OBS_PROMQL_SCALAR
#define V OBS_PROMQL_VECTOR
#define M OBS_PROMQL_MATRIX
#define STR OBS_PROMQL_STRING

static const struct promql_func funcs[] = {
	{ "abs", V, { V }, 1, 0, call_abs },
	{ "absent", V, { V }, 1, 0, call_absent },
	{ "absent_over_time", V, { M }, 1, 0, NULL },
	{ "acos", V, { V }, 1, 0, NULL },
	{ "acosh", V, { V }, 1, 0, NULL },
	{ "asin", V, { V }, 1, 0, NULL },
	{ "asinh", V, { V }, 1, 0, NULL },
	{ "atan", V, { V }, 1, 0, NULL },
	{ "atanh", V, { V }, 1, 0, NULL },
	{ "avg_over_time", V, { M }, 1, 0, call_avg_over_time },
	{ "ceil", V, { V }, 1, 0, call_ceil },
	{ "changes", V, { M }, 1, 0, call_changes },
	{ "clamp", V, { V, S, S }, 3, 0, NULL },
	{ "clamp_max", V, { V, S }, 2, 0, call_clamp_max },
	{ "clamp_min", V, { V, S }, 2, 0, call_clamp_min },
	{ "cos", V, { V }, 1, 0, NULL },
	{ "cosh", V, { V }, 1, 0, NULL },
	{ "count_over_time", V, { M }, 1, 0, call_count_over_time },
	{ "day_of_month", V, { V }, 1, 1, NULL },
	{ "day_of_week", V, { V }, 1, 1, NULL },
	{ "day_of_year", V, { V }, 1, 1, NULL },
	{ "days_in_month", V, { V }, 1, 1, NULL },
	{ "deg", V, { V }, 1, 0, NULL },
	{ "delta", V, { M }, 1, 0, call_delta },
	{ "deriv", V, { M }, 1, 0, NULL },
	{ "exp", V, { V }, 1, 0, call_exp },
	{ "floor", V, { V }, 1, 0, call_floor },
	{ "histogram_count", V, { V }, 1, 0, NULL },
	{ "histogram_fraction", V, { S, S, V }, 3, 0, NULL },
	{ "histogram_quantile", V, { S, V }, 2, 0, call_histogram_quantile },
	{ "histogram_sum", V, { V }, 1, 0, NULL },
	{ "holt_winters", V, { M, S, S }, 3, 0, NULL },
	{ "hour", V, { V }, 1, 1, NULL },
	{ "idelta", V, { M }, 1, 0, call_idelta },
	{ "increase", V, { M }, 1, 0, call_increase },
	{ "irate", V, { M }, 1, 0, call_irate },
	{ "label_join", V, { V, STR, STR, STR }, 4, -1, NULL },
	{ "label_replace", V, { V, STR, STR, STR, STR }, 5, 0, call_label_replace },
	{ "last_over_time", V, { M }, 1, 0, call_last_over_time },
	{ "ln", V, { V }, 1, 0, call_ln },
	{ "log10", V, { V }, 1, 0, NULL },
	{ "log2", V, { V }, 1, 0, NULL },
	{ "max_over_time", V, { M }, 1, 0, call_max_over_time },
	{ "min_over_time", V, { M }, 1, 0, call_min_over_time },
	{ "minute", V, { V }, 1, 1, NULL },
	{ "month", V, { V }, 1, 1, NULL },
	{ "pi", S, { S }, 0, 0, NULL },
	{ "predict_linear", V, { M, S }, 2, 0, NULL },
	{ "present_over_time", V, { M }, 1, 0, NULL },
	{ "quantile_over_time", V, { S, M }, 2, 0, call_quantile_over_time },
	{ "rad", V, { V }, 1, 0, NULL },
	{ "rate", V, { M }, 1, 0, call_rate },
	{ "resets", V, { M }, 1, 0, call_resets },
	{ "round", V, { V, S }, 2, 1, call_round },
	{ "scalar", S, { V }, 1, 0, call_scalar },
	{ "sgn", V, { V }, 1, 0, NULL },
	{ "sin", V, { V }, 1, 0, NULL },
	{ "sinh", V, { V }, 1, 0, NULL },
	{ "sort", V, { V }, 1, 0, NULL },
	{ "sort_desc", V, { V }, 1, 0, NULL },
	{ "sqrt", V, { V }, 1, 0, call_sqrt },
	{ "stddev_over_time", V, { M }, 1, 0, call_stddev_over_time },
	{ "stdvar_over_time", V, { M }, 1, 0, call_stdvar_over_time },
	{ "sum_over_time", V, { M }, 1, 0, call_sum_over_time },
	{ "tan", V, { V }, 1, 0, NULL },
	{ "tanh", V, { V }, 1, 0, NULL },
	{ "time", S, { S }, 0, 0, call_time },
	{ "timestamp", V, { V }, 1, 0, NULL },
	{ "vector", V, { S }, 1, 0, call_vector },
	{ "year", V, { V }, 1, 1, NULL },
};

const struct promql_func *promql_func_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strlen(funcs[i].name) == len && strncmp(funcs[i].name, name, len) == 0)
			return &funcs[i];
	return NULL;
}
