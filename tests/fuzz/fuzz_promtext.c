/* SPDX-License-Identifier: MIT */
/* libFuzzer target: arbitrary bytes through the exposition parser; what parses must survive write and re-parse. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_promtext.h"
#include "obs_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCRAPE_TIME 1700000000000000000LL

/* A record reduced to what must survive: series identity, value, time in ms. */
struct item {
	char *key;        /* name \x1f type \x1f cumulative \x1f sorted labels */
	double value;
	int64_t ms;
	size_t order;
};

struct items {
	struct item *v;
	size_t n, cap;
	json_t *records;  /* what a parse made */
	int targets;      /* add target labels, as a scrape does */
};

static char *append(char *s, size_t *len, const char *add)
{
	size_t n = strlen(add);

	s = realloc(s, *len + n + 1);
	if (!s)
		abort();
	memcpy(s + *len, add, n + 1);
	*len += n;
	return s;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *record_key(json_t *rec)
{
	json_t *labels = json_object_get(rec, "labels"), *v;
	const char **names, *k;
	size_t n = 0, i, len = 0;
	char *key = NULL;

	names = malloc((json_object_size(labels) + 1) * sizeof(*names));
	if (!names)
		abort();
	key = append(key, &len, json_string_value(json_object_get(rec, "name")));
	key = append(key, &len, "\x1f");
	key = append(key, &len, json_string_value(json_object_get(rec, "metric_type")));
	key = append(key, &len, json_is_true(json_object_get(rec, "cumulative")) ? "\x1f" "c" : "\x1f" "-");
	json_object_foreach(labels, k, v)
		names[n++] = k;
	qsort(names, n, sizeof(names[0]), str_cmp);
	for (i = 0; i < n; i++) {
		key = append(key, &len, "\x1f");
		key = append(key, &len, names[i]);
		key = append(key, &len, "=");
		key = append(key, &len, json_string_value(json_object_get(labels, names[i])));
	}
	free(names);
	return key;
}

static void items_add(struct items *it, json_t *rec)
{
	struct item x;
	int64_t t;

	x.key = record_key(rec);
	if (obs_metric_value(rec, &x.value))
		abort();
	if (obs_time_parse(json_string_value(json_object_get(rec, "time")), &t, NULL))
		abort();
	x.ms = t / 1000000;
	x.order = it->n;
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 64;
		it->v = realloc(it->v, it->cap * sizeof(*it->v));
		if (!it->v)
			abort();
	}
	it->v[it->n++] = x;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorted by key, keeping for each key the latest (then the last added): the writer's choice. */
static void items_reduce(struct items *it)
{
	size_t i, m = 0;

	if (it->n > 1)
		qsort(it->v, it->n, sizeof(*it->v), item_cmp);
	for (i = 0; i < it->n; i++) {
		if (i + 1 < it->n && strcmp(it->v[i].key, it->v[i + 1].key) == 0) {
			free(it->v[i].key);
			continue;
		}
		it->v[m++] = it->v[i];
	}
	it->n = m;
}

static void items_free(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		free(it->v[i].key);
	free(it->v);
	json_decref(it->records);
}

static int collect(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	struct items *it = ctx;
	json_t *extra = NULL, *rec;

	if (it->targets && s->lineno % 2)   /* every other line, to mix both */
		extra = json_pack("{s:s,s:s}", "job", "fuzz", "instance", "localhost:1");
	rec = obs_promtext_sample_record(s, extra, SCRAPE_TIME, 0, err);
	json_decref(extra);
	if (!rec) {
		if (!err->msg[0])
			abort();
		return -1;
	}
	json_array_append_new(it->records, rec);
	return 0;
}

static int parse_all(const char *buf, size_t len, enum obs_promtext_format fmt, size_t split,
		     struct items *it, struct obs_error *err)
{
	struct obs_promtext_parser p;
	int rc;

	memset(it, 0, sizeof(*it));
	it->records = json_array();
	it->targets = 1;
	if (obs_promtext_parser_init(&p, "fuzz", collect, it, err))
		abort();
	p.format = fmt;
	p.max_line = 4096;
	rc = obs_promtext_feed(&p, buf, split, err);
	if (rc == 0)
		rc = obs_promtext_feed(&p, buf + split, len - split, err);
	if (rc == 0)
		rc = obs_promtext_finish(&p, err);
	obs_promtext_parser_release(&p);
	return rc;
}

static void roundtrip(const char *buf, size_t len, enum obs_promtext_format fmt, size_t split)
{
	struct obs_error err = { "" };
	struct items first, whole, second;
	struct obs_promtext_writer w;
	size_t i, olen;
	json_t *rec;
	char *out;
	int rc;

	rc = parse_all(buf, len, fmt, split, &first, &err);
	/* Feeding in two pieces or one makes no difference. */
	if (parse_all(buf, len, fmt, 0, &whole, &err) != rc
	    || json_array_size(whole.records) != json_array_size(first.records))
		abort();
	for (i = 0; i < json_array_size(first.records); i++)
		if (!json_equal(json_array_get(first.records, i), json_array_get(whole.records, i)))
			abort();
	items_free(&whole);
	if (rc) {
		if (!err.msg[0])
			abort();   /* every failure says why */
		items_free(&first);
		return;
	}

	obs_promtext_writer_init(&w);
	w.timestamps = 1;
	json_array_foreach(first.records, i, rec)
		if (obs_promtext_writer_add(&w, rec, &err) == 0)
			items_add(&first, rec);   /* what the writer refuses it need not give back */
	out = obs_promtext_writer_text(&w, &olen, &err);
	if (!out)
		abort();
	memset(&second, 0, sizeof(second));
	second.records = json_array();
	if (obs_promtext_parse("out", out, olen, OBS_PROMTEXT_TEXT, collect, &second, &err))
		abort();   /* the writer wrote something its own parser refuses */
	json_array_foreach(second.records, i, rec)
		items_add(&second, rec);
	/* The records that went in come back: same series, values and times (ms). */
	items_reduce(&first);
	items_reduce(&second);
	if (first.n != second.n)
		abort();
	for (i = 0; i < first.n; i++) {
		const struct item *a = &first.v[i], *b = &second.v[i];

		if (strcmp(a->key, b->key) || a->ms != b->ms)
			abort();
		if (isnan(a->value) ? !isnan(b->value) : memcmp(&a->value, &b->value, sizeof(double)))
			abort();
	}
	free(out);
	obs_promtext_writer_release(&w);
	items_free(&first);
	items_free(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t split = size ? data[0] % (size + 1) : 0;

	roundtrip(buf, size, OBS_PROMTEXT_AUTO, split);
	roundtrip(buf, size, OBS_PROMTEXT_TEXT, split);
	roundtrip(buf, size, OBS_PROMTEXT_OPENMETRICS, split);
	return 0;
}
