/* SPDX-License-Identifier: MIT */
/* An in-memory set of time series (label set + time-sorted samples) for PromQL to read. */
#include "obs_series.h"

#include <stdlib.h>
#include <string.h>

#include "obs_chunk.h"

struct obs_series {
	struct obs_labels *labels;
	struct obs_chunk head;        /* the chunk being filled, kept here while loading */
	struct obs_chunk **chunks;    /* full chunks, in order */
	uint32_t nchunks, capchunks;
	uint8_t *kinds;       /* one bit per event, 1 = ADD; NULL while all are SET */
	size_t nevents, capkinds;
	int64_t last_t;
	int ordered;          /* event times strictly increasing so far */
};

struct obs_series_set {
	struct obs_series **series;
	size_t n, cap;
	uint32_t *index;      /* open addressing on the label hash: series number + 1 */
	size_t index_cap;
	int finished;
};

struct obs_series_set *obs_series_set_new(void)
{
	return calloc(1, sizeof(struct obs_series_set));
}

static void series_free(struct obs_series *s)
{
	uint32_t i;

	for (i = 0; i < s->nchunks; i++)
		obs_chunk_free(s->chunks[i]);
	free(s->chunks);
	free(s->head.data);
	free(s->kinds);
	obs_labels_unref(s->labels);
	free(s);
}

void obs_series_set_free(struct obs_series_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		series_free(set->series[i]);
	free(set->series);
	free(set->index);
	free(set);
}

size_t obs_series_set_count(const struct obs_series_set *set)
{
	return set->n;
}

size_t obs_series_set_samples(const struct obs_series_set *set)
{
	size_t i, n = 0;
	uint32_t k;

	for (i = 0; i < set->n; i++)
		for (k = 0; k < set->series[i]->nchunks; k++)
			n += set->series[i]->chunks[k]->n;
	return n;
}

size_t obs_series_set_memory(const struct obs_series_set *set)
{
	size_t i, bytes = sizeof(*set) + set->cap * sizeof(set->series[0]) +
			  set->index_cap * sizeof(set->index[0]);
	uint32_t k;

	for (i = 0; i < set->n; i++) {
		const struct obs_series *s = set->series[i];

		bytes += sizeof(*s) + s->capchunks * sizeof(s->chunks[0]) + s->capkinds + s->head.cap;
		bytes += sizeof(*s->labels) + s->labels->len * sizeof(s->labels->v[0]);
		for (k = 0; k < s->labels->len; k++)
			bytes += strlen(s->labels->v[k].name) + strlen(s->labels->v[k].value) + 2;
		for (k = 0; k < s->nchunks; k++)
			bytes += obs_chunk_size(s->chunks[k]);
	}
	return bytes;
}

/* ---- the label index ---------------------------------------------------------- */

static int index_grow(struct obs_series_set *set)
{
	size_t cap = set->index_cap ? set->index_cap * 2 : 1024, i;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -1;
	for (i = 0; i < set->n; i++) {
		size_t h = (size_t)set->series[i]->labels->hash & (cap - 1);

		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	free(set->index);
	set->index = idx;
	set->index_cap = cap;
	return 0;
}

/* The series with the normalized PAIRS, created if missing; NULL when out of memory. */
static struct obs_series *lookup(struct obs_series_set *set, const struct obs_label *pairs,
				 size_t len)
{
	uint64_t hash = obs_labels_hash_pairs(pairs, len);
	struct obs_series *s, **ns;
	size_t h;

	if ((set->n + 1) * 2 > set->index_cap && index_grow(set) < 0)
		return NULL;
	for (h = (size_t)hash & (set->index_cap - 1); set->index[h];
	     h = (h + 1) & (set->index_cap - 1)) {
		s = set->series[set->index[h] - 1];
		if (s->labels->hash == hash && obs_labels_equal_pairs(s->labels, pairs, len))
			return s;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;

		ns = realloc(set->series, cap * sizeof(*ns));
		if (!ns)
			return NULL;
		set->series = ns;
		set->cap = cap;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->labels = obs_labels_new(pairs, len);
	if (!s->labels) {
		free(s);
		return NULL;
	}
	s->ordered = 1;
	obs_chunk_init(&s->head);
	set->series[set->n++] = s;
	set->index[h] = (uint32_t)set->n;
	return s;
}

/* ---- adding events ------------------------------------------------------------ */

static int metric_name_valid(const char *s)
{
	const char *p;

	if (!*s)
		return 0;
	for (p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
		      (p > s && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int label_name_valid(const char *s)
{
	const char *p;

	if (!*s)
		return 0;
	for (p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (p > s && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int set_kind(struct obs_series *s, size_t i, int add)
{
	if (!s->kinds && !add)
		return 0;
	if (i / 8 >= s->capkinds) {
		size_t cap = s->capkinds ? s->capkinds * 2 : 16;
		uint8_t *k;

		while (i / 8 >= cap)
			cap *= 2;
		k = realloc(s->kinds, cap);
		if (!k)
			return -1;
		memset(k + s->capkinds, 0, cap - s->capkinds);
		s->kinds = k;
		s->capkinds = cap;
	}
	if (add)
		s->kinds[i / 8] |= (uint8_t)(1u << (i % 8));
	return 0;
}

static int grow_chunks(struct obs_series *s)
{
	struct obs_chunk **nc;
	uint32_t cap;

	if (s->nchunks < s->capchunks)
		return 0;
	cap = s->capchunks ? s->capchunks * 2 : 2;
	nc = realloc(s->chunks, cap * sizeof(*nc));
	if (!nc)
		return -1;
	s->chunks = nc;
	s->capchunks = cap;
	return 0;
}

/* A new empty chunk at the end of s->chunks (for the replay). */
static int push_chunk(struct obs_series *s)
{
	struct obs_chunk *c;

	if (grow_chunks(s) < 0)
		return -1;
	c = obs_chunk_new();
	if (!c)
		return -1;
	if (s->nchunks)
		obs_chunk_shrink(s->chunks[s->nchunks - 1]);
	s->chunks[s->nchunks++] = c;
	return 0;
}

/* Move the head chunk to the list of full chunks. */
static int seal_head(struct obs_series *s)
{
	struct obs_chunk *c;

	if (grow_chunks(s) < 0)
		return -1;
	c = malloc(sizeof(*c));
	if (!c)
		return -1;
	*c = s->head;
	obs_chunk_shrink(c);
	s->chunks[s->nchunks++] = c;
	obs_chunk_init(&s->head);
	return 0;
}

static int series_append(struct obs_series *s, int64_t t, double v, int add)
{
	if (s->head.n >= OBS_CHUNK_SAMPLES && seal_head(s) < 0)
		return -1;
	if (set_kind(s, s->nevents, add) < 0 || obs_chunk_append(&s->head, t, v) < 0)
		return -1;
	if (s->nevents && t <= s->last_t)
		s->ordered = 0;
	s->last_t = t;
	s->nevents++;
	return 0;
}

#define MAX_LABELS 256

struct obs_series *obs_series_set_series(struct obs_series_set *set, const struct obs_label *labels,
				  size_t nlabels, struct obs_error *err)
{
	struct obs_label pairs[MAX_LABELS];
	struct obs_series *s;
	const char *name = NULL;
	size_t i, n;

	if (set->finished)
		return obs_error_set(err, "series set is finished"), NULL;
	if (nlabels > MAX_LABELS)
		return obs_error_set(err, "too many labels (%zu, at most %d)", nlabels, MAX_LABELS), NULL;
	for (i = 0; i < nlabels; i++) {
		if (!labels[i].name || !label_name_valid(labels[i].name))
			return obs_error_set(err, "invalid label name '%s'",
					     labels[i].name ? labels[i].name : ""), NULL;
		if (strcmp(labels[i].name, "__name__") == 0)
			name = labels[i].value;
	}
	if (!name || !*name)
		return obs_error_set(err, "series has no metric name"), NULL;
	if (!metric_name_valid(name))
		return obs_error_set(err, "invalid metric name '%s'", name), NULL;
	memcpy(pairs, labels, nlabels * sizeof(pairs[0]));
	n = obs_labels_normalize(pairs, nlabels);
	s = n == (size_t)-1 ? NULL : lookup(set, pairs, n);
	if (!s)
		obs_error_set(err, "out of memory");
	return s;
}

int obs_series_append(struct obs_series_set *set, struct obs_series *s, int64_t t_ms, double v,
		      enum obs_series_event ev, struct obs_error *err)
{
	if (set->finished)
		return obs_error_set(err, "series set is finished");
	if (series_append(s, t_ms, v, ev == OBS_SERIES_ADD) < 0)
		return obs_error_set(err, "out of memory");
	return 0;
}

int obs_series_set_add(struct obs_series_set *set, const struct obs_label *labels, size_t nlabels,
		       int64_t t_ms, double v, enum obs_series_event ev, struct obs_error *err)
{
	struct obs_series *s = obs_series_set_series(set, labels, nlabels, err);

	return s ? obs_series_append(set, s, t_ms, v, ev, err) : -1;
}

/* ---- finishing ------------------------------------------------------------------ */

struct event {
	int64_t t;
	double v;
	uint32_t idx;
	int add;
};

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void free_chunks(struct obs_chunk **chunks, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		obs_chunk_free(chunks[i]);
	free(chunks);
}

static struct event *decode_events(const struct obs_series *s)
{
	struct event *ev = malloc((s->nevents ? s->nevents : 1) * sizeof(*ev));
	struct obs_chunk_iter it;
	size_t n = 0;
	uint32_t k;

	if (!ev)
		return NULL;
	for (k = 0; k < s->nchunks; k++) {
		obs_chunk_iter_init(&it, s->chunks[k]);
		while (n < s->nevents && obs_chunk_iter_next(&it, &ev[n].t, &ev[n].v)) {
			ev[n].idx = (uint32_t)n;
			ev[n].add = s->kinds && ((s->kinds[n / 8] >> (n % 8)) & 1);
			n++;
		}
	}
	return ev;
}

/* Replace the events of S by the samples they make. */
static int series_replay(struct obs_series *s)
{
	struct obs_chunk **old = s->chunks;
	uint32_t nold = s->nchunks;
	struct event *ev = decode_events(s);
	double val = 0;
	size_t i;

	if (!ev)
		return -1;
	if (!s->ordered)
		qsort(ev, s->nevents, sizeof(*ev), event_cmp);
	s->chunks = NULL;
	s->nchunks = s->capchunks = 0;
	for (i = 0; i < s->nevents; i++) {
		val = ev[i].add ? val + ev[i].v : ev[i].v;
		if (i + 1 < s->nevents && ev[i + 1].t == ev[i].t)
			continue;
		if ((!s->nchunks || s->chunks[s->nchunks - 1]->n >= OBS_CHUNK_SAMPLES) &&
		    push_chunk(s) < 0)
			goto fail;
		if (obs_chunk_append(s->chunks[s->nchunks - 1], ev[i].t, val) < 0)
			goto fail;
	}
	free(ev);
	free_chunks(old, nold);
	return 0;
fail:
	free(ev);
	free_chunks(s->chunks, s->nchunks);
	s->chunks = old;
	s->nchunks = s->capchunks = nold;
	return -1;
}

static int series_cmp(const void *a, const void *b)
{
	const struct obs_series *x = *(const struct obs_series *const *)a;
	const struct obs_series *y = *(const struct obs_series *const *)b;

	return obs_labels_cmp(x->labels, y->labels);
}

int obs_series_set_finish(struct obs_series_set *set, struct obs_error *err)
{
	size_t i;

	if (set->finished)
		return 0;
	for (i = 0; i < set->n; i++) {
		struct obs_series *s = set->series[i];

		if (s->head.n && seal_head(s) < 0)
			return obs_error_set(err, "out of memory");
		if ((s->kinds || !s->ordered) && series_replay(s) < 0)
			return obs_error_set(err, "out of memory");
		if (s->nchunks)
			obs_chunk_shrink(s->chunks[s->nchunks - 1]);
		free(s->kinds);
		s->kinds = NULL;
		s->capkinds = 0;
	}
	if (set->n)
		qsort(set->series, set->n, sizeof(set->series[0]), series_cmp);
	free(set->index);
	set->index = NULL;
	set->index_cap = 0;
	set->finished = 1;
	return 0;
}

/* ---- matchers -------------------------------------------------------------------- */

int obs_matcher_init(struct obs_matcher *m, enum obs_match_type type, const char *name,
		     const char *value, struct obs_error *err)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->name = strdup(name);
	m->value = strdup(value);
	if (!m->name || !m->value) {
		obs_matcher_release(m);
		return obs_error_set(err, "out of memory");
	}
	if (type == OBS_MATCH_RE || type == OBS_MATCH_NRE) {
		rc = obs_regex_compile(&m->re, value, err);
		if (rc < 0) {
			obs_matcher_release(m);
			return rc;
		}
	}
	return 0;
}

void obs_matcher_release(struct obs_matcher *m)
{
	free(m->name);
	free(m->value);
	obs_regex_release(&m->re);
	m->name = m->value = NULL;
}

int obs_matcher_matches(const struct obs_matcher *m, const char *value)
{
	switch (m->type) {
	case OBS_MATCH_EQ:
		return strcmp(m->value, value) == 0;
	case OBS_MATCH_NE:
		return strcmp(m->value, value) != 0;
	case OBS_MATCH_RE:
		return obs_regex_match(&m->re, value);
	default:
		return !obs_regex_match(&m->re, value);
	}
}

/* ---- reading ------------------------------------------------------------------------ */

static int series_matches(const struct obs_series *s, const struct obs_matcher *m, size_t nm)
{
	size_t i;

	for (i = 0; i < nm; i++) {
		const char *v = obs_labels_get(s->labels, m[i].name);

		if (!obs_matcher_matches(&m[i], v ? v : ""))
			return 0;
	}
	return 1;
}

int obs_series_set_select(struct obs_series_set *set, const struct obs_matcher *m, size_t nm,
			  const struct obs_series ***out, size_t *n, struct obs_error *err)
{
	const struct obs_series **v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (obs_series_set_finish(set, err) < 0)
		return -1;
	v = malloc((set->n ? set->n : 1) * sizeof(*v));
	if (!v)
		return obs_error_set(err, "out of memory");
	for (i = 0; i < set->n; i++)
		if (series_matches(set->series[i], m, nm))
			v[k++] = set->series[i];
	*out = v;
	*n = k;
	return 0;
}

struct obs_labels *obs_series_labels(const struct obs_series *s)
{
	return s->labels;
}

/* Index of the first chunk whose max_t >= T (nchunks if none). */
static uint32_t first_chunk_from(const struct obs_series *s, int64_t t)
{
	uint32_t lo = 0, hi = s->nchunks;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->chunks[mid]->max_t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int buf_push(struct obs_sample_buf *buf, int64_t t, double v)
{
	if (buf->n == buf->cap) {
		size_t cap = buf->cap ? buf->cap * 2 : 64;
		struct obs_sample *p = realloc(buf->v, cap * sizeof(*p));

		if (!p)
			return -1;
		buf->v = p;
		buf->cap = cap;
	}
	buf->v[buf->n].t = t;
	buf->v[buf->n].v = v;
	buf->n++;
	return 0;
}

int obs_series_samples(const struct obs_series *s, int64_t mint, int64_t maxt,
		       struct obs_sample_buf *buf)
{
	struct obs_chunk_iter it;
	uint32_t k;
	int64_t t;
	double v;

	buf->n = 0;
	for (k = first_chunk_from(s, mint); k < s->nchunks && s->chunks[k]->min_t <= maxt; k++) {
		obs_chunk_iter_init(&it, s->chunks[k]);
		while (obs_chunk_iter_next(&it, &t, &v)) {
			if (t > maxt)
				return 0;
			if (t >= mint && buf_push(buf, t, v) < 0)
				return -1;
		}
	}
	return 0;
}

int obs_series_last_at(const struct obs_series *s, int64_t t, int64_t *st, double *sv)
{
	uint32_t k = first_chunk_from(s, t);
	struct obs_chunk_iter it;
	int64_t ct;
	double cv;
	int found = 0;

	/* Chunk k is the first that reaches T; if it starts after T, the answer ends chunk k-1. */
	if (k == s->nchunks || s->chunks[k]->min_t > t) {
		if (k == 0)
			return 0;
		*st = s->chunks[k - 1]->last_t;
		*sv = s->chunks[k - 1]->last_v;
		return 1;
	}
	obs_chunk_iter_init(&it, s->chunks[k]);
	while (obs_chunk_iter_next(&it, &ct, &cv) && ct <= t) {
		*st = ct;
		*sv = cv;
		found = 1;
	}
	return found;
}

void obs_sample_buf_release(struct obs_sample_buf *buf)
{
	free(buf->v);
	buf->v = NULL;
	buf->n = buf->cap = 0;
}
