/* SPDX-License-Identifier: MIT */
/* Metric series state: the running values Prometheus would hold, kept from metric records between runs. */
#include "obs_mstate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "obs_jscan.h"
#include "obs_promtext.h"
#include "obs_time.h"

#define MAX_LABELS 128

struct name_type {
	char *name;
	enum obs_metric_type type;
};

struct obs_mstate {
	struct obs_mstate_series *series;
	size_t n, cap;
	size_t *slots;          /* open addressing: series index + 1, 0 = empty */
	size_t nslots;
	struct name_type *names;   /* series name -> type, open addressing */
	size_t nnames, names_cap;
	double *bounds;
	size_t nbounds;
	struct obs_jscan js;
};

static const double default_bounds[] = { .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10 };

struct obs_mstate *obs_mstate_new(void)
{
	struct obs_mstate *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->bounds = malloc(sizeof(default_bounds));
	if (!m->bounds) {
		free(m);
		return NULL;
	}
	memcpy(m->bounds, default_bounds, sizeof(default_bounds));
	m->nbounds = sizeof(default_bounds) / sizeof(default_bounds[0]);
	obs_jscan_init(&m->js);
	return m;
}

static void clear(struct obs_mstate *m)
{
	for (size_t i = 0; i < m->n; i++) {
		obs_labels_unref(m->series[i].labels);
		free(m->series[i].help);
	}
	free(m->series);
	free(m->slots);
	for (size_t i = 0; i < m->names_cap; i++)
		free(m->names[i].name);
	free(m->names);
	m->series = NULL;
	m->slots = NULL;
	m->names = NULL;
	m->n = m->cap = m->nslots = m->nnames = m->names_cap = 0;
}

void obs_mstate_free(struct obs_mstate *m)
{
	if (!m)
		return;
	clear(m);
	free(m->bounds);
	obs_jscan_release(&m->js);
	free(m);
}

int obs_mstate_set_buckets(struct obs_mstate *m, const double *bounds, size_t n,
			   struct obs_error *err)
{
	double *copy;

	for (size_t i = 0; i < n; i++)
		if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
			return obs_error_set(err, "bucket bounds must be finite and increasing");
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return obs_error_set(err, "out of memory");
	if (n)
		memcpy(copy, bounds, n * sizeof(*copy));
	free(m->bounds);
	m->bounds = copy;
	m->nbounds = n;
	return 0;
}

size_t obs_mstate_count(const struct obs_mstate *m)
{
	return m->n;
}

const struct obs_mstate_series *obs_mstate_get(const struct obs_mstate *m, size_t i)
{
	return i < m->n ? &m->series[i] : NULL;
}

/* ---- lookups --------------------------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The name's entry (existing, or the empty slot for it). */
static struct name_type *name_slot(struct obs_mstate *m, const char *name)
{
	size_t i = (size_t)str_hash(name) & (m->names_cap - 1);

	while (m->names[i].name && strcmp(m->names[i].name, name))
		i = (i + 1) & (m->names_cap - 1);
	return &m->names[i];
}

static int names_grow(struct obs_mstate *m)
{
	struct name_type *old = m->names;
	size_t oldcap = m->names_cap, cap = oldcap ? oldcap * 2 : 64;

	m->names = calloc(cap, sizeof(*m->names));
	if (!m->names) {
		m->names = old;
		return -1;
	}
	m->names_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].name)
			*name_slot(m, old[i].name) = old[i];
	free(old);
	return 0;
}

static int slots_grow(struct obs_mstate *m)
{
	size_t cap = m->nslots ? m->nslots * 2 : 256;
	size_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	free(m->slots);
	m->slots = slots;
	m->nslots = cap;
	for (size_t k = 0; k < m->n; k++) {
		size_t i = (size_t)m->series[k].labels->hash & (cap - 1);

		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = k + 1;
	}
	return 0;
}

/* The series with these sorted pairs, or NULL. */
static struct obs_mstate_series *find(struct obs_mstate *m, const struct obs_label *pairs,
				      size_t n, uint64_t hash)
{
	size_t i;

	if (!m->nslots)
		return NULL;
	for (i = (size_t)hash & (m->nslots - 1); m->slots[i]; i = (i + 1) & (m->nslots - 1)) {
		struct obs_mstate_series *s = &m->series[m->slots[i] - 1];

		if (s->labels->hash == hash && obs_labels_equal_pairs(s->labels, pairs, n))
			return s;
	}
	return NULL;
}

/* Add a series (labels taken over). NULL if out of memory. */
static struct obs_mstate_series *add(struct obs_mstate *m, struct obs_labels *labels,
				     enum obs_metric_type type, const char *help)
{
	struct obs_mstate_series *s;
	size_t i;

	if ((m->n + 1) * 2 > m->nslots && slots_grow(m) < 0)
		return NULL;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct obs_mstate_series *grown = realloc(m->series, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		m->series = grown;
		m->cap = cap;
	}
	s = &m->series[m->n];
	memset(s, 0, sizeof(*s));
	if (help && !(s->help = strdup(help)))
		return NULL;
	s->labels = labels;
	s->name = obs_labels_get(labels, "__name__");
	s->type = type;
	s->t_ms = INT64_MIN;
	for (i = (size_t)labels->hash & (m->nslots - 1); m->slots[i]; i = (i + 1) & (m->nslots - 1))
		;
	m->slots[i] = m->n + 1;
	m->n++;
	return s;
}

/* ---- applying records ------------------------------------------------------------- */

/* One series a record touches. */
struct target {
	struct obs_label pairs[MAX_LABELS + 2];
	size_t n;
	uint64_t hash;
	char name[512];
	char le[40];
	enum obs_mstate_kind kind;
	double v;
	struct obs_mstate_series *s;
};

struct rec {
	char name[512];
	enum obs_metric_type type;
	int cumulative;
	double value;
	int64_t t_ms;
	char *help;
	struct obs_label labels[MAX_LABELS];
	char *owned[2 * MAX_LABELS];
	size_t nlabels, nowned;
};

static void rec_release(struct rec *r)
{
	for (size_t i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	free(r->help);
}

static int value_of(const struct obs_jscan *js, int tok, double *v)
{
	char buf[16];

	if (obs_jscan_type(js, tok) == OBS_JSCAN_NUMBER)
		return obs_jscan_number(js, tok, v);
	if (obs_jscan_strcpy(js, tok, buf, sizeof(buf)) < 0)
		return -1;
	if (!strcasecmp(buf, "nan"))
		*v = NAN;
	else if (!strcasecmp(buf, "+inf") || !strcasecmp(buf, "inf"))
		*v = INFINITY;
	else if (!strcasecmp(buf, "-inf"))
		*v = -INFINITY;
	else
		return -1;
	return 0;
}

static int parse_rec(struct obs_mstate *m, const char *line, size_t len, struct rec *r,
		     struct obs_error *err)
{
	struct obs_jscan *js = &m->js;
	char type[32];
	int tok, t;
	int64_t ns;

	memset(r, 0, sizeof(*r));
	if (obs_jscan_parse(js, line, len, err) < 0)
		return -1;
	if (!obs_jscan_streq(js, obs_jscan_get(js, 0, "type"), "metric"))
		return obs_error_set(err, "not a metric record");
	if (obs_jscan_strcpy(js, obs_jscan_get(js, 0, "name"), r->name, sizeof(r->name)) < 0 ||
	    !obs_metric_name_valid(r->name)) {
		char shown[64];

		if (obs_jscan_strcpy(js, obs_jscan_get(js, 0, "name"), shown, sizeof(shown)) < 0)
			snprintf(shown, sizeof(shown), "%s", "?");
		return obs_error_set(err, "invalid metric name '%s'", shown);
	}
	tok = obs_jscan_get(js, 0, "metric_type");
	r->type = OBS_METRIC_UNTYPED;
	if (tok >= 0 && (obs_jscan_strcpy(js, tok, type, sizeof(type)) < 0 ||
			 obs_metric_type_parse(type, &r->type) < 0))
		return obs_error_set(err, "unknown metric_type '%.40s'",
				     obs_jscan_strcpy(js, tok, type, sizeof(type)) < 0 ? "?" : type);
	r->cumulative = obs_jscan_type(js, obs_jscan_get(js, 0, "cumulative")) == OBS_JSCAN_TRUE;
	if (value_of(js, obs_jscan_get(js, 0, "value"), &r->value) < 0)
		return obs_error_set(err, "invalid 'value'");
	tok = obs_jscan_get(js, 0, "time");
	if (obs_jscan_time(js, tok, &ns) < 0) {
		/* A Unix time in s, ms, us or ns, judged by magnitude. */
		size_t n;
		const char *raw = obs_jscan_raw(js, tok, &n);

		if (obs_jscan_type(js, tok) != OBS_JSCAN_NUMBER ||
		    obs_time_parse_n(raw, n, &ns, NULL) < 0)
			return obs_error_set(err, "missing 'time'");
	}
	r->t_ms = ns / 1000000 - (ns < 0 && ns % 1000000 ? 1 : 0);
	tok = obs_jscan_get(js, 0, "help");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING && obs_jscan_size(js, tok) >= 0) {
		size_t n;

		r->help = obs_jscan_strdup(js, tok, &n);
		if (!r->help)
			return obs_error_set(err, "out of memory");
		if (!n) {
			free(r->help);
			r->help = NULL;
		}
	}
	tok = obs_jscan_get(js, 0, "labels");
	if (tok >= 0 && obs_jscan_type(js, tok) != OBS_JSCAN_OBJECT)
		return obs_error_set(err, "'labels' is not an object");
	for (t = obs_jscan_child(js, tok); t >= 0; t = obs_jscan_sibling(js, tok, t)) {
		size_t kn, vn;
		char *k, *v;

		if (r->nlabels == MAX_LABELS)
			return obs_error_set(err, "more than %d labels", MAX_LABELS);
		k = obs_jscan_strdup(js, t, &kn);
		if (!k)
			return obs_error_set(err, "out of memory");
		r->owned[r->nowned++] = k;
		if (!obs_label_name_valid(k) || strlen(k) != kn)
			return obs_error_set(err, "invalid label name '%.60s'", k);
		if (obs_jscan_type(js, t + 1) != OBS_JSCAN_STRING)
			return obs_error_set(err, "label '%.60s' is not a string", k);
		v = obs_jscan_strdup(js, t + 1, &vn);
		if (!v)
			return obs_error_set(err, "out of memory");
		r->owned[r->nowned++] = v;
		r->labels[r->nlabels].name = k;
		r->labels[r->nlabels].value = v;
		r->nlabels++;
	}
	return 0;
}

/* Set T's pairs: the record's labels, __name__ = NAME, and le when given. */
static void target_init(struct target *t, const struct rec *r, const char *name, const char *le,
			enum obs_mstate_kind kind, double v)
{
	snprintf(t->name, sizeof(t->name), "%s", name);
	memcpy(t->pairs, r->labels, r->nlabels * sizeof(*t->pairs));
	t->n = r->nlabels;
	t->pairs[t->n].name = "__name__";
	t->pairs[t->n].value = t->name;
	t->n++;
	if (le) {
		snprintf(t->le, sizeof(t->le), "%s", le);
		t->pairs[t->n].name = "le";
		t->pairs[t->n].value = t->le;
		t->n++;
	}
	t->n = obs_labels_normalize(t->pairs, t->n);
	/* normalize keeps pointers to t->name / t->le: both live in T. */
	t->hash = obs_labels_hash_pairs(t->pairs, t->n);
	t->kind = kind;
	t->v = v;
	t->s = NULL;
}

static const char *type_word(enum obs_metric_type t)
{
	const char *s = obs_metric_type_name(t);

	return s ? s : "untyped";
}

int obs_mstate_apply(struct obs_mstate *m, const char *line, size_t len,
		     obs_mstate_sample_fn *fn, void *ctx, struct obs_error *err)
{
	struct rec r;
	struct target *tg = NULL;
	size_t nt = 0, i;
	int ret = -1, observation;
	char name[600];
	enum obs_metric_type series_type;

	if (parse_rec(m, line, len, &r, err) < 0)
		goto out;
	observation = (r.type == OBS_METRIC_HISTOGRAM || r.type == OBS_METRIC_SUMMARY) &&
		      !r.cumulative;
	series_type = r.type;
	tg = calloc(m->nbounds + 3, sizeof(*tg));
	if (!tg) {
		obs_error_set(err, "out of memory");
		goto out;
	}
	if (observation) {
		if (!isfinite(r.value)) {
			obs_error_set(err, "increment is not finite");
			goto out;
		}
		if (r.type == OBS_METRIC_HISTOGRAM) {
			snprintf(name, sizeof(name), "%s_bucket", r.name);
			for (i = 0; i <= m->nbounds; i++) {
				char le[OBS_PROMTEXT_VALUE_BUFSZ];
				double bound = i < m->nbounds ? m->bounds[i] : INFINITY;

				obs_promtext_format_value(bound, le, sizeof(le));
				target_init(&tg[nt++], &r, name, le, OBS_MSTATE_ADD,
					    r.value <= bound ? 1 : 0);
			}
		}
		snprintf(name, sizeof(name), "%s_sum", r.name);
		target_init(&tg[nt++], &r, name, NULL, OBS_MSTATE_ADD, r.value);
		snprintf(name, sizeof(name), "%s_count", r.name);
		target_init(&tg[nt++], &r, name, NULL, OBS_MSTATE_ADD, 1);
	} else if (r.type == OBS_METRIC_COUNTER && !r.cumulative) {
		if (!isfinite(r.value)) {
			obs_error_set(err, "increment is not finite");
			goto out;
		}
		target_init(&tg[nt++], &r, r.name, NULL, OBS_MSTATE_ADD, r.value);
	} else {
		target_init(&tg[nt++], &r, r.name, NULL, OBS_MSTATE_SET, r.value);
	}

	/* Check everything before changing anything. */
	for (i = 0; i < nt; i++) {
		struct name_type *nty;

		if (!m->names_cap && names_grow(m) < 0) {
			obs_error_set(err, "out of memory");
			goto out;
		}
		nty = name_slot(m, tg[i].name);
		if (nty->name && nty->type != series_type) {
			obs_error_set(err, "'%s' is a %s, not a %s", tg[i].name, type_word(nty->type),
				      type_word(series_type));
			goto out;
		}
		tg[i].s = find(m, tg[i].pairs, tg[i].n, tg[i].hash);
		if (tg[i].kind == OBS_MSTATE_SET && tg[i].s && r.t_ms < tg[i].s->t_ms) {
			ret = 1;
			goto out;
		}
	}
	for (i = 0; i < nt; i++) {
		struct name_type *nty = name_slot(m, tg[i].name);
		struct obs_mstate_series *s = tg[i].s;
		int64_t t;

		if (!nty->name) {
			if ((m->nnames + 1) * 2 > m->names_cap && names_grow(m) < 0)
				goto nomem;
			nty = name_slot(m, tg[i].name);
			nty->name = strdup(tg[i].name);
			if (!nty->name)
				goto nomem;
			nty->type = series_type;
			m->nnames++;
		}
		if (!s) {
			struct obs_labels *l = obs_labels_new(tg[i].pairs, tg[i].n);

			if (!l)
				goto nomem;
			s = add(m, l, series_type, r.help);
			if (!s) {
				obs_labels_unref(l);
				goto nomem;
			}
		} else if (r.help && (!s->help || strcmp(s->help, r.help))) {
			char *h = strdup(r.help);

			if (!h)
				goto nomem;
			free(s->help);
			s->help = h;
		}
		t = r.t_ms;
		if (s->t_ms != INT64_MIN && t <= s->t_ms)
			t = s->t_ms + 1;
		s->t_ms = t;
		if (tg[i].kind == OBS_MSTATE_ADD)
			s->value += tg[i].v;
		else
			s->value = tg[i].v;
		if (fn && fn(ctx, s, err) < 0)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	obs_error_set(err, "out of memory");
out:
	free(tg);
	rec_release(&r);
	return ret;
}

/* ---- persistence --------------------------------------------------------------------- */

static json_t *value_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "+Inf" : "-Inf");
	return json_real(v);
}

static json_t *labels_json(const struct obs_labels *l)
{
	json_t *o = json_object();

	for (unsigned i = 0; o && i < l->len; i++)
		if (strcmp(l->v[i].name, "__name__") &&
		    json_object_set_new(o, l->v[i].name, json_string(l->v[i].value)) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

json_t *obs_mstate_dump(const struct obs_mstate *m)
{
	json_t *arr = json_array(), *root;

	for (size_t i = 0; arr && i < m->n; i++) {
		const struct obs_mstate_series *s = &m->series[i];
		json_t *e = json_pack("{s:s, s:s, s:o, s:o, s:I}", "name", s->name, "type",
				      type_word(s->type), "labels", labels_json(s->labels), "value",
				      value_json(s->value), "t", (json_int_t)s->t_ms);

		if (e && s->help && json_object_set_new(e, "help", json_string(s->help)) < 0) {
			json_decref(e);
			e = NULL;
		}
		if (!e || json_array_append_new(arr, e) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	if (!arr)
		return NULL;
	root = json_pack("{s:o}", "series", arr);
	return root;
}

int obs_mstate_load(struct obs_mstate *m, const json_t *dump, struct obs_error *err)
{
	json_t *arr = json_object_get(dump, "series"), *e;
	size_t i;

	clear(m);
	if (!json_is_array(arr))
		return obs_error_set(err, "no 'series' array");
	json_array_foreach(arr, i, e) {
		struct obs_label pairs[MAX_LABELS + 1];
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *labels = json_object_get(e, "labels"), *v = json_object_get(e, "value"),
		       *t = json_object_get(e, "t"), *help = json_object_get(e, "help"), *lv;
		const char *key, *why = NULL;
		enum obs_metric_type mt;
		struct obs_mstate_series *s;
		struct obs_labels *l;
		struct name_type *nty;
		size_t n = 0;
		double value = 0;

		if (!name || !obs_metric_name_valid(name))
			why = "invalid name";
		else if (!type || obs_metric_type_parse(type, &mt) < 0)
			why = "invalid type";
		else if (!json_is_object(labels) || json_object_size(labels) > MAX_LABELS)
			why = "invalid labels";
		else if (!json_is_integer(t))
			why = "invalid t";
		else if (help && !json_is_string(help))
			why = "invalid help";
		else if (json_is_number(v))
			value = json_number_value(v);
		else if (json_is_string(v) && !strcmp(json_string_value(v), "NaN"))
			value = NAN;
		else if (json_is_string(v) && !strcmp(json_string_value(v), "+Inf"))
			value = INFINITY;
		else if (json_is_string(v) && !strcmp(json_string_value(v), "-Inf"))
			value = -INFINITY;
		else
			why = "invalid value";
		if (!why) {
			json_object_foreach(labels, key, lv) {
				if (!json_is_string(lv) || !obs_label_name_valid(key)) {
					why = "invalid labels";
					break;
				}
				pairs[n].name = key;
				pairs[n].value = json_string_value(lv);
				n++;
			}
		}
		if (!why) {
			pairs[n].name = "__name__";
			pairs[n].value = name;
			n = obs_labels_normalize(pairs, n + 1);
			if (find(m, pairs, n, obs_labels_hash_pairs(pairs, n)))
				why = "duplicate series";
		}
		if (!why && m->names_cap) {
			nty = name_slot(m, name);
			if (nty->name && nty->type != mt)
				why = "type differs from an earlier series of that name";
		}
		if (why) {
			obs_error_set(err, "series %zu: %s", i + 1, why);
			clear(m);
			return -1;
		}
		if ((m->nnames + 1) * 2 > m->names_cap && names_grow(m) < 0)
			goto nomem;
		nty = name_slot(m, name);
		if (!nty->name) {
			nty->name = strdup(name);
			if (!nty->name)
				goto nomem;
			nty->type = mt;
			m->nnames++;
		}
		l = obs_labels_new(pairs, n);
		if (!l)
			goto nomem;
		s = add(m, l, mt, json_string_value(help));
		if (!s) {
			obs_labels_unref(l);
			goto nomem;
		}
		s->value = value;
		s->t_ms = (int64_t)json_integer_value(t);
	}
	return 0;
nomem:
	clear(m);
	return obs_error_set(err, "out of memory");
}

char *obs_mstate_text(const struct obs_mstate *m, size_t *len, struct obs_error *err)
{
	struct obs_promtext_writer w;
	char *text = NULL;

	obs_promtext_writer_init(&w);
	for (size_t i = 0; i < m->n; i++) {
		const struct obs_mstate_series *s = &m->series[i];
		json_t *labels = labels_json(s->labels), *rec;
		int64_t t = s->t_ms > INT64_MIN / 1000000 && s->t_ms < INT64_MAX / 1000000 ?
			    s->t_ms * 1000000 : 0;

		rec = labels ? obs_metric_new(s->name, s->type, s->value, labels, t, s->help, NULL,
					      1) : NULL;
		json_decref(labels);
		if (!rec) {
			obs_error_set(err, "out of memory");
			goto out;
		}
		if (obs_promtext_writer_add(&w, rec, err) < 0) {
			json_decref(rec);
			goto out;
		}
		json_decref(rec);
	}
	text = obs_promtext_writer_text(&w, len, err);
out:
	obs_promtext_writer_release(&w);
	return text;
}
