/* SPDX-License-Identifier: MIT */
/* OTLP/HTTP request bodies from obs records: grouping, protobuf and JSON encoding, gzip. */
#include "obs_otlp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "obs_jscan.h"
#include "obs_ndjson.h"
#include "obs_pb.h"
#include "obs_text.h"

/* ---- names ------------------------------------------------------------ */

static const char *const signal_names[] = { "traces", "metrics", "logs" };
static const char *const record_types[] = { "span", "metric", "log" };
static const char *const paths[] = { "/v1/traces", "/v1/metrics", "/v1/logs" };

int obs_otlp_signal_parse(const char *s, enum obs_otlp_signal *sig)
{
	int i;

	if (!s)
		return -1;
	if (!strcmp(s, "spans")) {
		*sig = OBS_OTLP_TRACES;
		return 0;
	}
	for (i = 0; i < 3; i++)
		if (!strcmp(s, signal_names[i])) {
			*sig = (enum obs_otlp_signal)i;
			return 0;
		}
	return -1;
}

const char *obs_otlp_signal_name(enum obs_otlp_signal sig)
{
	return (unsigned)sig < 3 ? signal_names[sig] : "unknown";
}

const char *obs_otlp_record_type(enum obs_otlp_signal sig)
{
	return (unsigned)sig < 3 ? record_types[sig] : "unknown";
}

const char *obs_otlp_path(enum obs_otlp_signal sig)
{
	return (unsigned)sig < 3 ? paths[sig] : "/";
}

int obs_otlp_encoding_parse(const char *s, enum obs_otlp_encoding *enc)
{
	if (!s)
		return -1;
	if (!strcmp(s, "http/protobuf") || !strcmp(s, "protobuf")) {
		*enc = OBS_OTLP_PROTOBUF;
		return 0;
	}
	if (!strcmp(s, "http/json") || !strcmp(s, "json")) {
		*enc = OBS_OTLP_JSON;
		return 0;
	}
	return -1;
}

const char *obs_otlp_encoding_name(enum obs_otlp_encoding enc)
{
	return enc == OBS_OTLP_JSON ? "http/json" : "http/protobuf";
}

const char *obs_otlp_content_type(enum obs_otlp_encoding enc)
{
	return enc == OBS_OTLP_JSON ? "application/json" : "application/x-protobuf";
}

/* ---- emitter: one call writes a field as protobuf or as OTLP JSON ------- */

#define EM_MAXD (OBS_PB_MAX_DEPTH + 8)

struct em {
	struct obs_pb_writer *w;
	int json;
	int depth;                  /* JSON nesting */
	uint8_t comma[EM_MAXD];     /* JSON: something was written at this level */
};

static void em_init(struct em *e, struct obs_pb_writer *w, int json, int comma)
{
	e->w = w;
	e->json = json;
	e->depth = 0;
	e->comma[0] = (uint8_t)comma;
}

static inline void jch(struct em *e, char c)
{
	if (obs_pb_room(e->w, 1) == 0)
		e->w->buf[e->w->len++] = (uint8_t)c;
}

static inline void jraw(struct em *e, const char *s, size_t n)
{
	obs_pb_put_raw(e->w, s, n);
}

static inline void jlit(struct em *e, const char *s)
{
	jraw(e, s, strlen(s));
}

static inline void em_sep(struct em *e)
{
	if (e->comma[e->depth])
		jch(e, ',');
	e->comma[e->depth] = 1;
}

static inline void em_key(struct em *e, const char *name)
{
	em_sep(e);
	jch(e, '"');
	jlit(e, name);
	jraw(e, "\":", 2);
}

static inline void em_push(struct em *e)
{
	if (e->depth >= EM_MAXD - 1) {
		e->w->failed = 2;
		return;
	}
	e->comma[++e->depth] = 0;
}

static inline void em_pop(struct em *e)
{
	if (e->depth > 0)
		e->depth--;
}

/* A message-typed field. */
static void em_obj_begin(struct em *e, uint32_t num, const char *name)
{
	if (!e->json) {
		obs_pb_begin(e->w, num);
		return;
	}
	em_key(e, name);
	jch(e, '{');
	em_push(e);
}

static void em_obj_end(struct em *e)
{
	if (!e->json) {
		obs_pb_end(e->w);
		return;
	}
	jch(e, '}');
	em_pop(e);
}

/* A repeated message field: em_arr_begin, then em_elem_begin/em_obj_end per element. */
static void em_arr_begin(struct em *e, const char *name)
{
	if (!e->json)
		return;
	em_key(e, name);
	jch(e, '[');
	em_push(e);
}

static void em_arr_end(struct em *e)
{
	if (!e->json)
		return;
	jch(e, ']');
	em_pop(e);
}

static void em_elem_begin(struct em *e, uint32_t num)
{
	if (!e->json) {
		obs_pb_begin(e->w, num);
		return;
	}
	em_sep(e);
	jch(e, '{');
	em_push(e);
}

/* S (N bytes, UTF-8) as JSON string content. */
static void json_escape(struct em *e, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jraw(e, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			jraw(e, esc, 2);
		} else if (c == '\n') {
			jraw(e, "\\n", 2);
		} else if (c == '\t') {
			jraw(e, "\\t", 2);
		} else if (c == '\r') {
			jraw(e, "\\r", 2);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jraw(e, esc, 6);
		}
	}
	jraw(e, s + run, n - run);
}

/* A string field from bytes S (N, UTF-8). */
static void em_str(struct em *e, uint32_t num, const char *name, const char *s, size_t n)
{
	if (!e->json) {
		obs_pb_put_bytes(e->w, num, s, n);
		return;
	}
	em_key(e, name);
	jch(e, '"');
	json_escape(e, s, n);
	jch(e, '"');
}

static void em_u64_digits(struct em *e, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	jraw(e, buf, (size_t)n);
}

/* fixed64 (times, counts): a decimal string in JSON. */
static void em_fixed64(struct em *e, uint32_t num, const char *name, uint64_t v)
{
	if (!e->json) {
		obs_pb_put_fixed64(e->w, num, v);
		return;
	}
	em_key(e, name);
	jch(e, '"');
	em_u64_digits(e, v);
	jch(e, '"');
}

/* A signed 64-bit member: a decimal string in JSON. */
static void em_i64_json(struct em *e, const char *name, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "\"%" PRId64 "\"", v);

	em_key(e, name);
	jraw(e, buf, (size_t)n);
}

/* sfixed64 (as_int). */
static void em_sfixed64(struct em *e, uint32_t num, const char *name, int64_t v)
{
	if (!e->json)
		obs_pb_put_fixed64(e->w, num, (uint64_t)v);
	else
		em_i64_json(e, name, v);
}

/* int64 varint (intValue). */
static void em_int64(struct em *e, uint32_t num, const char *name, int64_t v)
{
	if (!e->json)
		obs_pb_put_uint64(e->w, num, (uint64_t)v);
	else
		em_i64_json(e, name, v);
}

/* uint32 and enums: a number in JSON. */
static void em_uint(struct em *e, uint32_t num, const char *name, uint64_t v)
{
	if (!e->json) {
		obs_pb_put_uint64(e->w, num, v);
		return;
	}
	em_key(e, name);
	em_u64_digits(e, v);
}

static void em_bool(struct em *e, uint32_t num, const char *name, int v)
{
	if (!e->json) {
		obs_pb_put_bool(e->w, num, v);
		return;
	}
	em_key(e, name);
	jlit(e, v ? "true" : "false");
}

size_t obs_otlp_format_double(double d, char *buf, size_t size)
{
	int p, n = 0;

	/* Whole numbers as such ("10", not "1e+01"), as Prometheus writes le. */
	if (d == floor(d) && fabs(d) < 1e15)
		return (size_t)snprintf(buf, size, "%.0f", d);
	for (p = 1; p <= 17; p++) {
		n = snprintf(buf, size, "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return (size_t)n;
}

static void em_double_text(struct em *e, double d, const char *raw, size_t rawlen)
{
	char buf[40];

	if (isnan(d))
		jlit(e, "\"NaN\"");
	else if (isinf(d))
		jlit(e, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else if (raw)
		jraw(e, raw, rawlen);
	else
		jraw(e, buf, obs_otlp_format_double(d, buf, sizeof(buf)));
}

/* A double; in JSON RAW (the number as written, may be NULL) or the shortest form. */
static void em_double(struct em *e, uint32_t num, const char *name, double d, const char *raw,
		      size_t rawlen)
{
	if (!e->json) {
		obs_pb_put_double(e->w, num, d);
		return;
	}
	em_key(e, name);
	em_double_text(e, d, raw, rawlen);
}

/* Trace and span ids: bytes, lowercase hex in JSON. */
static void em_id(struct em *e, uint32_t num, const char *name, const uint8_t *id, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[32];
	size_t i;

	if (!e->json) {
		obs_pb_put_bytes(e->w, num, id, n);
		return;
	}
	for (i = 0; i < n; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 15];
	}
	em_key(e, name);
	jch(e, '"');
	jraw(e, buf, 2 * n);
	jch(e, '"');
}

/* Pre-encoded fields (JSON: one or more "key":value members). */
static void em_fields(struct em *e, const uint8_t *data, size_t len)
{
	if (!len)
		return;
	if (e->json)
		em_sep(e);
	obs_pb_put_raw(e->w, data, len);
}

/* One value of a packed fixed64 or double field: 8 bytes, little-endian. */
static void pb_le64(struct obs_pb_writer *w, uint64_t u)
{
	uint8_t b[8];
	int k;

	for (k = 0; k < 8; k++)
		b[k] = (uint8_t)(u >> (8 * k));
	obs_pb_put_raw(w, b, 8);
}

static void em_packed_fixed64(struct em *e, uint32_t num, const char *name, const uint64_t *v,
			      size_t n)
{
	size_t i;

	if (!n)
		return;
	if (!e->json) {
		obs_pb_put_tag(e->w, num, OBS_PB_LEN);
		obs_pb_put_varint(e->w, 8 * n);
		for (i = 0; i < n; i++)
			pb_le64(e->w, v[i]);
		return;
	}
	em_key(e, name);
	jch(e, '[');
	for (i = 0; i < n; i++) {
		if (i)
			jch(e, ',');
		jch(e, '"');
		em_u64_digits(e, v[i]);
		jch(e, '"');
	}
	jch(e, ']');
}

static void em_packed_double(struct em *e, uint32_t num, const char *name, const double *v,
			     size_t n)
{
	size_t i;

	if (!n)
		return;
	if (!e->json) {
		obs_pb_put_tag(e->w, num, OBS_PB_LEN);
		obs_pb_put_varint(e->w, 8 * n);
		for (i = 0; i < n; i++) {
			uint64_t u;

			memcpy(&u, &v[i], 8);
			pb_le64(e->w, u);
		}
		return;
	}
	em_key(e, name);
	jch(e, '[');
	for (i = 0; i < n; i++) {
		if (i)
			jch(e, ',');
		em_double_text(e, v[i], NULL, 0);
	}
	jch(e, ']');
}

/* ---- batch state -------------------------------------------------------- */

enum mkind { MK_GAUGE, MK_SUM, MK_HIST };

/*
 * A node of the grouping tree: a resource (parent -1), a scope, a metric
 * (metrics only) or a histogram series (child of a histogram metric).
 */
struct grp {
	int parent;
	int next;                  /* next sibling, in order of creation */
	int child, last;           /* first and last child */
	uint64_t hash;
	char *key;
	size_t keylen;
	struct obs_pb_writer head; /* resource / scope field, metric name..unit, series attributes */
	struct obs_pb_writer body; /* items, each a complete field (JSON: comma-separated) */
	size_t nitems;
	size_t size;               /* protobuf size, computed by finish */
	/* metrics */
	enum mkind mkind;
	int temporality;           /* 1 delta, 2 cumulative */
	int monotonic;
	/* histogram series */
	uint64_t *counts;
	uint64_t count;
	double sum, min, max;
	int64_t t0, t1;
};

struct obs_otlp_state {
	struct grp *g;
	int ng, capg;
	int *slots;                /* hash table: group index + 1, 0 empty */
	size_t nslots;
	int first, lastroot;       /* resources */
	struct obs_jscan js;
	char *scratch;             /* unescaped strings */
	size_t scratch_cap;
	char *key;                 /* group keys being built */
	size_t key_len, key_cap;
	struct obs_pb_writer out;  /* the finished body */
	size_t bytes;              /* sum of head and body lengths */
};

static const double prom_bounds[] = { .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10 };

void obs_otlp_batch_init(struct obs_otlp_batch *b, enum obs_otlp_signal signal,
			 enum obs_otlp_encoding encoding)
{
	b->resource = NULL;
	b->bounds = prom_bounds;
	b->nbounds = sizeof(prom_bounds) / sizeof(prom_bounds[0]);
	b->signal = signal;
	b->encoding = encoding;
	b->records = 0;
	b->bytes = 0;
	b->st = NULL;
}

static void groups_clear(struct obs_otlp_state *st)
{
	int i;

	for (i = 0; i < st->ng; i++) {
		free(st->g[i].key);
		st->g[i].key = NULL;
		free(st->g[i].counts);
		st->g[i].counts = NULL;
		obs_pb_writer_reset(&st->g[i].head);
		obs_pb_writer_reset(&st->g[i].body);
	}
	st->ng = 0;
	st->first = st->lastroot = -1;
	st->bytes = 0;
	if (st->slots)
		memset(st->slots, 0, st->nslots * sizeof(*st->slots));
}

void obs_otlp_batch_release(struct obs_otlp_batch *b)
{
	struct obs_otlp_state *st = b->st;
	int i;

	if (!st)
		return;
	groups_clear(st);
	for (i = 0; i < st->capg; i++) {
		obs_pb_writer_release(&st->g[i].head);
		obs_pb_writer_release(&st->g[i].body);
	}
	free(st->g);
	free(st->slots);
	obs_jscan_release(&st->js);
	free(st->scratch);
	free(st->key);
	obs_pb_writer_release(&st->out);
	free(st);
	b->st = NULL;
	b->records = b->bytes = 0;
}

static struct obs_otlp_state *state(struct obs_otlp_batch *b)
{
	struct obs_otlp_state *st = b->st;

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	obs_jscan_init(&st->js);
	obs_pb_writer_init(&st->out);
	st->first = st->lastroot = -1;
	b->st = st;
	return st;
}

static uint64_t hash_key(int parent, const char *key, size_t len)
{
	uint64_t h = (OBS_TEXT_HASH_SEED ^ (uint64_t)(uint32_t)parent) * OBS_TEXT_FNV_PRIME;

	return obs_text_fnv1a(h, key, len);
}

static int slots_grow(struct obs_otlp_state *st)
{
	size_t n = st->nslots ? st->nslots * 2 : 64, i;
	int *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < (size_t)st->ng; i++) {
		size_t j = st->g[i].hash & (n - 1);

		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (int)i + 1;
	}
	free(st->slots);
	st->slots = slots;
	st->nslots = n;
	return 0;
}

/*
 * The child of PARENT (-1: a resource) with KEY: its index, with *created
 * set when it is new. -1 if out of memory.
 */
static int group_get(struct obs_otlp_state *st, int parent, const char *key, size_t len,
		     int *created)
{
	uint64_t h = hash_key(parent, key, len);
	struct grp *g;
	size_t j;
	int i;

	*created = 0;
	if (st->nslots) {
		for (j = h & (st->nslots - 1); st->slots[j]; j = (j + 1) & (st->nslots - 1)) {
			g = &st->g[st->slots[j] - 1];
			if (g->hash == h && g->parent == parent && g->keylen == len &&
			    !memcmp(g->key, key, len))
				return st->slots[j] - 1;
		}
	}
	if ((size_t)(st->ng + 1) * 2 > st->nslots && slots_grow(st) < 0)
		return -1;
	if (st->ng == st->capg) {
		int cap = st->capg ? st->capg * 2 : 16, k;
		struct grp *p = realloc(st->g, (size_t)cap * sizeof(*p));

		if (!p)
			return -1;
		for (k = st->capg; k < cap; k++) {
			memset(&p[k], 0, sizeof(p[k]));
			obs_pb_writer_init(&p[k].head);
			obs_pb_writer_init(&p[k].body);
		}
		st->g = p;
		st->capg = cap;
	}
	i = st->ng;
	g = &st->g[i];
	g->key = malloc(len ? len : 1);
	if (!g->key)
		return -1;
	memcpy(g->key, key, len);
	g->keylen = len;
	g->hash = h;
	g->parent = parent;
	g->next = g->child = g->last = -1;
	g->nitems = 0;
	g->size = 0;
	g->mkind = MK_GAUGE;
	g->temporality = 0;
	g->monotonic = 0;
	g->counts = NULL;
	g->count = 0;
	g->sum = 0;
	g->min = INFINITY;
	g->max = -INFINITY;
	g->t0 = g->t1 = 0;
	st->ng++;
	for (j = h & (st->nslots - 1); st->slots[j]; j = (j + 1) & (st->nslots - 1))
		;
	st->slots[j] = i + 1;
	if (parent < 0) {
		if (st->lastroot >= 0)
			st->g[st->lastroot].next = i;
		else
			st->first = i;
		st->lastroot = i;
	} else {
		struct grp *p = &st->g[parent];

		if (p->last >= 0)
			st->g[p->last].next = i;
		else
			p->child = i;
		p->last = i;
	}
	*created = 1;
	return i;
}

/* Group keys are built in st->key. */
static void key_reset(struct obs_otlp_state *st)
{
	st->key_len = 0;
}

static int key_add(struct obs_otlp_state *st, const void *p, size_t n)
{
	if (st->key_cap - st->key_len < n + 1) {
		size_t cap = st->key_cap ? st->key_cap : 256;
		char *k;

		while (cap - st->key_len < n + 1)
			cap *= 2;
		k = realloc(st->key, cap);
		if (!k)
			return -1;
		st->key = k;
		st->key_cap = cap;
	}
	memcpy(st->key + st->key_len, p, n);
	st->key_len += n;
	st->key[st->key_len++] = '\0';
	return 0;
}

/* Add the raw text of TOK (nothing for -1) to the key. */
static int key_tok(struct obs_otlp_state *st, int tok)
{
	size_t n;
	const char *s = obs_jscan_raw(&st->js, tok, &n);

	return key_add(st, s ? s : "", n);
}

/* ---- reading record fields ------------------------------------------------ */

static const char *const reason_oom = "out of memory";

/* The value of string TOK, unescaped (in place or in st->scratch). -1 if not a string or OOM. */
static int tok_str(struct obs_otlp_state *st, int tok, const char **s, size_t *n)
{
	size_t raw;

	if (obs_jscan_type(&st->js, tok) != OBS_JSCAN_STRING)
		return -1;
	obs_jscan_raw(&st->js, tok, &raw);
	if (st->scratch_cap < raw + 1) {
		size_t cap = st->scratch_cap ? st->scratch_cap : 256;
		char *p;

		while (cap < raw + 1)
			cap *= 2;
		p = realloc(st->scratch, cap);
		if (!p)
			return -1;
		st->scratch = p;
		st->scratch_cap = cap;
	}
	return obs_jscan_string(&st->js, tok, st->scratch, st->scratch_cap, s, n);
}

/* A string field from token TOK: the raw JSON text in JSON, unescaped bytes in protobuf. */
static int em_tok(struct em *e, struct obs_otlp_state *st, uint32_t num, const char *name,
		  int tok)
{
	const char *s;
	size_t n;

	if (e->json) {
		s = obs_jscan_raw(&st->js, tok, &n);
		em_key(e, name);
		jch(e, '"');
		jraw(e, s, n);
		jch(e, '"');
		return 0;
	}
	if (tok_str(st, tok, &s, &n) < 0)
		return -1;
	obs_pb_put_bytes(e->w, num, s, n);
	return 0;
}

/* A quoted token for messages: its raw text, cut to 64 bytes. */
static const char *tok_quote(struct obs_otlp_state *st, int tok, char *buf, size_t size)
{
	size_t n, i;
	const char *s = obs_jscan_raw(&st->js, tok, &n);

	if (!s)
		s = "";
	if (n > 64)
		n = 64;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	buf[n] = '\0';
	return buf;
}

/* Hex digits' values plus one; 0 for other bytes. */
static const unsigned char hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* An id of N bytes from hex string TOK: 1 valid, 0 all zero, -1 not an id (or absent). */
static int tok_id(struct obs_otlp_state *st, int tok, uint8_t *id, size_t n)
{
	const char *s;
	size_t len, i;
	int nz = 0;

	if (obs_jscan_type(&st->js, tok) != OBS_JSCAN_STRING)
		return -1;
	s = obs_jscan_raw(&st->js, tok, &len);
	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned hi = hex1[(unsigned char)s[2 * i]], lo = hex1[(unsigned char)s[2 * i + 1]];

		if (!hi || !lo)
			return -1;
		id[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
		nz |= id[i];
	}
	return nz ? 1 : 0;
}

/* A count attribute: a non-negative integer below 2^32. */
static int tok_count(struct obs_otlp_state *st, int tok, uint32_t *v)
{
	int64_t n;

	if (obs_jscan_int64(&st->js, tok, &n) < 0 || n < 0 || n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* ---- attribute values ---------------------------------------------------- */

static int em_anyvalue(struct em *e, struct obs_otlp_state *st, int tok, int depth,
		       struct obs_error *err);

/* One KeyValue (element of field NUM) from key token K and its value K+1. */
static int em_kv(struct em *e, struct obs_otlp_state *st, uint32_t num, int k, int depth,
		 struct obs_error *err)
{
	char q[80];

	em_elem_begin(e, num);
	if (em_tok(e, st, 1, "key", k) < 0)
		return obs_error_set(err, "%s", reason_oom);
	em_obj_begin(e, 2, "value");
	if (em_anyvalue(e, st, k + 1, depth, err) < 0) {
		if (depth == 0)
			obs_error_prefix(err, "attribute '%s'", tok_quote(st, k, q, sizeof(q)));
		return -1;
	}
	em_obj_end(e);
	em_obj_end(e);
	return 0;
}

static int em_anyvalue(struct em *e, struct obs_otlp_state *st, int tok, int depth,
		       struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	const char *raw;
	size_t rawlen;
	int64_t i;
	double d;
	int c;

	switch (obs_jscan_type(s, tok)) {
	case OBS_JSCAN_STRING:
		if (em_tok(e, st, 1, "stringValue", tok) < 0)
			return obs_error_set(err, "%s", reason_oom);
		return 0;
	case OBS_JSCAN_TRUE:
	case OBS_JSCAN_FALSE:
		em_bool(e, 2, "boolValue", obs_jscan_type(s, tok) == OBS_JSCAN_TRUE);
		return 0;
	case OBS_JSCAN_NUMBER:
		if (obs_jscan_int64(s, tok, &i) == 0) {
			em_int64(e, 3, "intValue", i);
			return 0;
		}
		if (obs_jscan_number(s, tok, &d) < 0)
			return obs_error_set(err, "number out of range");
		raw = obs_jscan_raw(s, tok, &rawlen);
		em_double(e, 4, "doubleValue", d, raw, rawlen);
		return 0;
	case OBS_JSCAN_ARRAY:
	case OBS_JSCAN_OBJECT:
		if (depth + 1 >= OBS_OTLP_MAX_DEPTH)
			return obs_error_set(err, "value nested deeper than %d levels",
					     OBS_OTLP_MAX_DEPTH);
		if (obs_jscan_type(s, tok) == OBS_JSCAN_ARRAY) {
			em_obj_begin(e, 5, "arrayValue");
			em_arr_begin(e, "values");
			for (c = obs_jscan_child(s, tok); c >= 0; c = obs_jscan_sibling(s, tok, c)) {
				em_elem_begin(e, 1);
				if (em_anyvalue(e, st, c, depth + 1, err) < 0)
					return -1;
				em_obj_end(e);
			}
		} else {
			em_obj_begin(e, 6, "kvlistValue");
			em_arr_begin(e, "values");
			for (c = obs_jscan_child(s, tok); c >= 0; c = obs_jscan_sibling(s, tok, c))
				if (em_kv(e, st, 1, c, depth + 1, err) < 0)
					return -1;
		}
		em_arr_end(e);
		em_obj_end(e);
		return 0;
	default:
		return 0;   /* null: an empty AnyValue */
	}
}

/* The same for a jansson value (the default resource). */
static int em_anyvalue_json(struct em *e, const json_t *v, int depth, struct obs_error *err)
{
	const char *k;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		em_str(e, 1, "stringValue", json_string_value(v), json_string_length(v));
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		em_bool(e, 2, "boolValue", json_is_true(v));
		return 0;
	case JSON_INTEGER:
		em_int64(e, 3, "intValue", json_integer_value(v));
		return 0;
	case JSON_REAL:
		em_double(e, 4, "doubleValue", json_real_value(v), NULL, 0);
		return 0;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (depth + 1 >= OBS_OTLP_MAX_DEPTH)
			return obs_error_set(err, "value nested deeper than %d levels",
					     OBS_OTLP_MAX_DEPTH);
		if (json_is_array(v)) {
			em_obj_begin(e, 5, "arrayValue");
			em_arr_begin(e, "values");
			json_array_foreach(v, i, item) {
				em_elem_begin(e, 1);
				if (em_anyvalue_json(e, item, depth + 1, err) < 0)
					return -1;
				em_obj_end(e);
			}
		} else {
			em_obj_begin(e, 6, "kvlistValue");
			em_arr_begin(e, "values");
			json_object_foreach((json_t *)v, k, item) {
				em_elem_begin(e, 1);
				em_str(e, 1, "key", k, strlen(k));
				em_obj_begin(e, 2, "value");
				if (em_anyvalue_json(e, item, depth + 1, err) < 0)
					return -1;
				em_obj_end(e);
				em_obj_end(e);
			}
		}
		em_arr_end(e);
		em_obj_end(e);
		return 0;
	default:
		return 0;
	}
}

#define SKIP_MAX 4

/*
 * The members of object OBJ as repeated KeyValue field NUM ("attributes"),
 * leaving out the key tokens in SKIP (NSKIP of them) and, if EXCLUDE is
 * set, keys for which it returns 1. The JSON array is opened at the first
 * member (*OPEN set) and left open for more: the caller closes it.
 */
static int em_attrs_open(struct em *e, struct obs_otlp_state *st, uint32_t num, int obj,
			 const int *skip, int nskip, int (*exclude)(const struct obs_jscan *, int),
			 int *open, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	int k, i;

	for (k = obs_jscan_child(s, obj); k >= 0; k = obs_jscan_sibling(s, obj, k)) {
		for (i = 0; i < nskip; i++)
			if (skip[i] == k)
				break;
		if (i < nskip || (exclude && exclude(s, k)))
			continue;
		if (!*open) {
			em_arr_begin(e, "attributes");
			*open = 1;
		}
		if (em_kv(e, st, num, k, 0, err) < 0)
			return -1;
	}
	return 0;
}

/* The same, closed; nothing is written for no members. */
static int em_attrs(struct em *e, struct obs_otlp_state *st, uint32_t num, int obj,
		    const int *skip, int nskip, int (*exclude)(const struct obs_jscan *, int),
		    struct obs_error *err)
{
	int open = 0;

	if (em_attrs_open(e, st, num, obj, skip, nskip, exclude, &open, err) < 0)
		return -1;
	if (open)
		em_arr_end(e);
	return 0;
}

/*
 * The attributes of object ATTRS (field NUM) of an event or link; a valid
 * otel.dropped_attributes_count among them becomes droppedAttributesCount
 * (field NUM + 1).
 */
static int em_attrs_counted(struct em *e, struct obs_otlp_state *st, uint32_t num, int attrs,
			    struct obs_error *err)
{
	int dk = obs_jscan_get(&st->js, attrs, "otel.dropped_attributes_count"), skip[1];
	uint32_t dropped = 0;

	if (dk >= 0 && tok_count(st, dk, &dropped) < 0)
		dk = -1;
	skip[0] = dk - 1;
	if (em_attrs(e, st, num, attrs, skip, dk >= 0, NULL, err) < 0)
		return -1;
	if (dropped)
		em_uint(e, num + 1, "droppedAttributesCount", dropped);
	return 0;
}

/*
 * A Resource field (1, "resource") into W: the members of RES (a token,
 * or -1) but a valid otel.dropped_attributes_count, service.name = SERVICE
 * (a token) if RES has none, and the default attributes RES lacks.
 */
static int em_resource(struct obs_otlp_batch *b, struct obs_otlp_state *st,
		       struct obs_pb_writer *w, int res, int service, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	struct em e;
	int skip[1], nskip = 0, open = 0, dk;
	uint32_t dropped = 0;
	const char *k;
	json_t *v;

	em_init(&e, w, b->encoding == OBS_OTLP_JSON, 0);
	em_obj_begin(&e, 1, "resource");
	dk = obs_jscan_get(s, res, "otel.dropped_attributes_count");
	if (dk >= 0 && tok_count(st, dk, &dropped) == 0)
		skip[nskip++] = dk - 1;
	else
		dropped = 0;
	if (em_attrs_open(&e, st, 1, res, skip, nskip, NULL, &open, err) < 0)
		return -1;
	if (obs_jscan_get(s, res, "service.name") < 0 &&
	    obs_jscan_type(s, service) == OBS_JSCAN_STRING) {
		if (!open)
			em_arr_begin(&e, "attributes");
		open = 1;
		em_elem_begin(&e, 1);
		em_str(&e, 1, "key", "service.name", 12);
		em_obj_begin(&e, 2, "value");
		if (em_tok(&e, st, 1, "stringValue", service) < 0)
			return obs_error_set(err, "%s", reason_oom);
		em_obj_end(&e);
		em_obj_end(&e);
	}
	if (json_is_object(b->resource)) {
		json_object_foreach((json_t *)b->resource, k, v) {
			if (obs_jscan_get(s, res, k) >= 0)
				continue;
			if (!strcmp(k, "service.name") && obs_jscan_type(s, service) == OBS_JSCAN_STRING)
				continue;
			if (!open)
				em_arr_begin(&e, "attributes");
			open = 1;
			em_elem_begin(&e, 1);
			em_str(&e, 1, "key", k, strlen(k));
			em_obj_begin(&e, 2, "value");
			if (em_anyvalue_json(&e, v, 0, err) < 0)
				return obs_error_prefix(err, "resource attribute '%s'", k);
			em_obj_end(&e);
			em_obj_end(&e);
		}
	}
	if (open)
		em_arr_end(&e);
	if (dropped)
		em_uint(&e, 2, "droppedAttributesCount", dropped);
	em_obj_end(&e);
	/* An empty resource is left out. */
	if (!open && !dropped)
		obs_pb_writer_reset(w);
	return 0;
}

/* An InstrumentationScope field (1, "scope") from NAME and VERSION tokens; nothing if both absent. */
static int em_scope(struct obs_otlp_batch *b, struct obs_otlp_state *st, struct obs_pb_writer *w,
		    int name, int version)
{
	struct em e;
	size_t n;

	if (name < 0 && version < 0)
		return 0;
	em_init(&e, w, b->encoding == OBS_OTLP_JSON, 0);
	em_obj_begin(&e, 1, "scope");
	if (name >= 0 && obs_jscan_raw(&st->js, name, &n) && n && em_tok(&e, st, 1, "name", name) < 0)
		return -1;
	if (version >= 0 && obs_jscan_raw(&st->js, version, &n) && n &&
	    em_tok(&e, st, 2, "version", version) < 0)
		return -1;
	em_obj_end(&e);
	return 0;
}

/* The resource and scope group for a record: index of the scope group, or -1 with err. */
static int scope_group(struct obs_otlp_batch *b, struct obs_otlp_state *st, int res, int service,
		       int sname, int sversion, struct obs_error *err)
{
	int ri, si, created;

	key_reset(st);
	if (key_tok(st, service) < 0 || key_tok(st, res) < 0)
		return obs_error_set(err, "%s", reason_oom);
	ri = group_get(st, -1, st->key, st->key_len, &created);
	if (ri < 0)
		return obs_error_set(err, "%s", reason_oom);
	if (created) {
		if (em_resource(b, st, &st->g[ri].head, res, service, err) < 0) {
			obs_pb_writer_reset(&st->g[ri].head);
			return -1;
		}
		st->bytes += st->g[ri].head.len;
	}
	key_reset(st);
	if (key_tok(st, sname) < 0 || key_tok(st, sversion) < 0)
		return obs_error_set(err, "%s", reason_oom);
	si = group_get(st, ri, st->key, st->key_len, &created);
	if (si < 0)
		return obs_error_set(err, "%s", reason_oom);
	if (created) {
		if (em_scope(b, st, &st->g[si].head, sname, sversion) < 0)
			return obs_error_set(err, "%s", reason_oom);
		st->bytes += st->g[si].head.len;
	}
	return si;
}

/* 0 if token TOK (member KEY) is absent or of type WANT; else -1 with "'KEY' is not ..." in ERR. */
static int check_typed(const struct obs_jscan *s, int tok, const char *key,
		       enum obs_jscan_type want, struct obs_error *err)
{
	static const char *const what[] = {
		[OBS_JSCAN_OBJECT] = "an object", [OBS_JSCAN_ARRAY] = "an array",
		[OBS_JSCAN_STRING] = "a string",
	};

	if (tok < 0 || obs_jscan_type(s, tok) == want)
		return 0;
	return obs_error_set(err, "'%s' is not %s", key, what[want]);
}

/* The token of member KEY of OBJ in *TOK (-1 if absent), checked as check_typed does. */
static int get_typed(const struct obs_jscan *s, int obj, const char *key,
		     enum obs_jscan_type want, int *tok, struct obs_error *err)
{
	*tok = obs_jscan_get(s, obj, key);
	return check_typed(s, *tok, key, want, err);
}

/* The string token of KEY in OBJ, or -1 if absent or not a string. */
static int get_str(const struct obs_jscan *s, int obj, const char *key)
{
	int t = obs_jscan_get(s, obj, key);

	return obs_jscan_type(s, t) == OBS_JSCAN_STRING ? t : -1;
}

/*
 * The value tokens of the keys NAMES[0..COUNT) (LENS their lengths) of
 * object OBJ, -1 for absent ones: obs_jscan_getv.
 */
#define fields_of(s, obj, names, count, out) \
	obs_jscan_getv(s, obj, names, names##_len, count, out)

/* Check the record's type: 0, or -1 with err. */
static int check_type(struct obs_otlp_batch *b, struct obs_otlp_state *st, struct obs_error *err)
{
	const char *want = obs_otlp_record_type(b->signal);

	if (!obs_jscan_streq(&st->js, obs_jscan_get(&st->js, 0, "type"), want))
		return obs_error_set(err, "not a %s record", want);
	return 0;
}

/* A required time field KEY (value token T). */
static int tok_time(struct obs_otlp_state *st, int t, const char *key, int64_t *ns,
		    struct obs_error *err)
{
	if (t < 0)
		return obs_error_set(err, "missing '%s'", key);
	if (obs_jscan_time(&st->js, t, ns) < 0 || *ns < 0)
		return obs_error_set(err, "invalid '%s'", key);
	return 0;
}

/* A required time field KEY of OBJ. */
static int get_time(struct obs_otlp_state *st, int obj, const char *key, int64_t *ns,
		    struct obs_error *err)
{
	return tok_time(st, obs_jscan_get(&st->js, obj, key), key, ns, err);
}

/* ---- spans ------------------------------------------------------------------ */

static const char *const kind_names[] = { "internal", "server", "client", "producer",
					  "consumer" };

static int enc_events(struct em *e, struct obs_otlp_state *st, int events, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	int ev, n = 0, attrs;
	int64_t t;
	size_t len;

	if (obs_jscan_size(s, events) == 0)
		return 0;
	em_arr_begin(e, "events");
	for (ev = obs_jscan_child(s, events); ev >= 0; ev = obs_jscan_sibling(s, events, ev)) {
		int name;

		n++;
		if (obs_jscan_type(s, ev) != OBS_JSCAN_OBJECT)
			return obs_error_set(err, "event %d: not an object", n);
		if (get_time(st, ev, "time", &t, err) < 0)
			return obs_error_prefix(err, "event %d", n);
		if (get_typed(s, ev, "name", OBS_JSCAN_STRING, &name, err) < 0 ||
		    get_typed(s, ev, "attributes", OBS_JSCAN_OBJECT, &attrs, err) < 0)
			return obs_error_prefix(err, "event %d", n);
		em_elem_begin(e, 11);
		em_fixed64(e, 1, "timeUnixNano", (uint64_t)t);
		if (name >= 0 && obs_jscan_raw(s, name, &len) && len &&
		    em_tok(e, st, 2, "name", name) < 0)
			return obs_error_set(err, "%s", reason_oom);
		if (em_attrs_counted(e, st, 3, attrs, err) < 0)
			return obs_error_prefix(err, "event %d", n);
		em_obj_end(e);
	}
	em_arr_end(e);
	return 0;
}

static int enc_links(struct em *e, struct obs_otlp_state *st, int links, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	int l, n = 0, attrs, ts;
	uint8_t tid[16], sid[8];
	char q[80];
	size_t len;

	if (obs_jscan_size(s, links) == 0)
		return 0;
	em_arr_begin(e, "links");
	for (l = obs_jscan_child(s, links); l >= 0; l = obs_jscan_sibling(s, links, l)) {
		int t;

		n++;
		if (obs_jscan_type(s, l) != OBS_JSCAN_OBJECT)
			return obs_error_set(err, "link %d: not an object", n);
		t = obs_jscan_get(s, l, "trace_id");
		if (tok_id(st, t, tid, 16) <= 0)
			return t < 0 ? obs_error_set(err, "link %d: missing 'trace_id'", n) :
				obs_error_set(err, "link %d: invalid trace_id '%s'", n,
					      tok_quote(st, t, q, sizeof(q)));
		t = obs_jscan_get(s, l, "span_id");
		if (tok_id(st, t, sid, 8) <= 0)
			return t < 0 ? obs_error_set(err, "link %d: missing 'span_id'", n) :
				obs_error_set(err, "link %d: invalid span_id '%s'", n,
					      tok_quote(st, t, q, sizeof(q)));
		if (get_typed(s, l, "tracestate", OBS_JSCAN_STRING, &ts, err) < 0 ||
		    get_typed(s, l, "attributes", OBS_JSCAN_OBJECT, &attrs, err) < 0)
			return obs_error_prefix(err, "link %d", n);
		em_elem_begin(e, 13);
		em_id(e, 1, "traceId", tid, 16);
		em_id(e, 2, "spanId", sid, 8);
		if (ts >= 0 && obs_jscan_raw(s, ts, &len) && len &&
		    em_tok(e, st, 3, "traceState", ts) < 0)
			return obs_error_set(err, "%s", reason_oom);
		if (em_attrs_counted(e, st, 4, attrs, err) < 0)
			return obs_error_prefix(err, "link %d", n);
		em_obj_end(e);
	}
	em_arr_end(e);
	return 0;
}

/* Undo a failed record: cut the group's body back to MARK. */
static void body_undo(struct grp *g, size_t mark)
{
	g->body.len = mark;
	g->body.depth = 0;
	g->body.failed = 0;
}

/* Close the record E wrote into G's body from MARK on: keep it, or undo it if out of memory. */
static int item_end(struct obs_otlp_state *st, struct grp *g, struct em *e, size_t mark,
		    struct obs_error *err)
{
	em_obj_end(e);
	if (g->body.failed) {
		body_undo(g, mark);
		return obs_error_set(err, "%s", reason_oom);
	}
	st->bytes += g->body.len - mark;
	g->nitems++;
	return 0;
}

/* The keys a span record is read by, with their lengths. */
#define SPAN_KEYS(X) \
	X(F_TYPE, "type") X(F_TRACE, "trace_id") X(F_SPAN, "span_id") \
	X(F_PARENT, "parent_span_id") X(F_NAME, "name") X(F_SERVICE, "service") \
	X(F_KIND, "kind") X(F_START, "start") X(F_END, "end") X(F_STATUS, "status") \
	X(F_MSG, "status_message") X(F_ATTRS, "attributes") X(F_EVENTS, "events") \
	X(F_LINKS, "links") X(F_RES, "resource")
#define SPAN_ATTR_KEYS(X) \
	X(A_SNAME, "otel.scope.name") X(A_SVER, "otel.scope.version") \
	X(A_TSTATE, "w3c.tracestate") X(A_DATTR, "otel.dropped_attributes_count") \
	X(A_DEV, "otel.dropped_events_count") X(A_DLINK, "otel.dropped_links_count")
#define KEY_ENUM(e, k) e,
#define KEY_NAME(e, k) k,
#define KEY_LEN(e, k) sizeof(k) - 1,
enum { SPAN_KEYS(KEY_ENUM) F_COUNT };
enum { SPAN_ATTR_KEYS(KEY_ENUM) A_COUNT };
static const char *const span_keys[] = { SPAN_KEYS(KEY_NAME) };
static const size_t span_keys_len[] = { SPAN_KEYS(KEY_LEN) };
static const char *const span_attr_keys[] = { SPAN_ATTR_KEYS(KEY_NAME) };
static const size_t span_attr_keys_len[] = { SPAN_ATTR_KEYS(KEY_LEN) };

static int enc_span(struct obs_otlp_batch *b, struct obs_otlp_state *st, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	int t, attrs, events, links, res, service, sname, sver, tstate, status, msg, kind = 1;
	int skip[SKIP_MAX], nskip = 0, code = 0, si, i, has_parent = 0;
	int F[F_COUNT], A[A_COUNT], dk[3];
	uint32_t dropped[3] = { 0, 0, 0 };
	uint8_t tid[16], sid[8], pid[8];
	int64_t start, end;
	struct grp *g;
	size_t mark, len;
	struct em e;
	char q[80];

	fields_of(s, 0, span_keys, F_COUNT, F);
	if (!obs_jscan_streq(s, F[F_TYPE], "span"))
		return obs_error_set(err, "not a span record");
	t = F[F_TRACE];
	if (tok_id(st, t, tid, 16) <= 0)
		return t < 0 ? obs_error_set(err, "missing 'trace_id'") :
			obs_error_set(err, "invalid trace_id '%s'", tok_quote(st, t, q, sizeof(q)));
	t = F[F_SPAN];
	if (tok_id(st, t, sid, 8) <= 0)
		return t < 0 ? obs_error_set(err, "missing 'span_id'") :
			obs_error_set(err, "invalid span_id '%s'", tok_quote(st, t, q, sizeof(q)));
	t = F[F_PARENT];
	if (t >= 0 && obs_jscan_type(s, t) != OBS_JSCAN_NULL &&
	    !(obs_jscan_raw(s, t, &len) && len == 0 && obs_jscan_type(s, t) == OBS_JSCAN_STRING)) {
		has_parent = tok_id(st, t, pid, 8);
		if (has_parent < 0)
			return obs_error_set(err, "invalid parent_span_id '%s'",
					     tok_quote(st, t, q, sizeof(q)));
	}
	if (tok_time(st, F[F_START], "start", &start, err) < 0 ||
	    tok_time(st, F[F_END], "end", &end, err) < 0)
		return -1;
	if (end < start)
		return obs_error_set(err, "'end' is before 'start'");
	t = F[F_KIND];
	if (t >= 0) {
		for (i = 0; i < 5; i++)
			if (obs_jscan_streq(s, t, kind_names[i]))
				break;
		if (i == 5)
			return obs_error_set(err, "unknown kind '%s'", tok_quote(st, t, q, sizeof(q)));
		kind = i + 1;
	}
	status = F[F_STATUS];
	if (status >= 0) {
		if (obs_jscan_streq(s, status, "ok"))
			code = 1;
		else if (obs_jscan_streq(s, status, "error"))
			code = 2;
		else if (!obs_jscan_streq(s, status, "unset"))
			return obs_error_set(err, "unknown status '%s'",
					     tok_quote(st, status, q, sizeof(q)));
	}
	msg = F[F_MSG];
	attrs = F[F_ATTRS];
	events = F[F_EVENTS];
	links = F[F_LINKS];
	res = F[F_RES];
	service = F[F_SERVICE];
	if (check_typed(s, msg, "status_message", OBS_JSCAN_STRING, err) < 0 ||
	    check_typed(s, F[F_NAME], "name", OBS_JSCAN_STRING, err) < 0 ||
	    check_typed(s, attrs, "attributes", OBS_JSCAN_OBJECT, err) < 0 ||
	    check_typed(s, events, "events", OBS_JSCAN_ARRAY, err) < 0 ||
	    check_typed(s, links, "links", OBS_JSCAN_ARRAY, err) < 0 ||
	    check_typed(s, res, "resource", OBS_JSCAN_OBJECT, err) < 0 ||
	    check_typed(s, service, "service", OBS_JSCAN_STRING, err) < 0)
		return -1;

	/* What obs_import makes of OTLP fields goes back into them. */
	fields_of(s, attrs, span_attr_keys, A_COUNT, A);
	sname = obs_jscan_type(s, A[A_SNAME]) == OBS_JSCAN_STRING ? A[A_SNAME] : -1;
	sver = obs_jscan_type(s, A[A_SVER]) == OBS_JSCAN_STRING ? A[A_SVER] : -1;
	tstate = obs_jscan_type(s, A[A_TSTATE]) == OBS_JSCAN_STRING ? A[A_TSTATE] : -1;
	if (sname >= 0)
		skip[nskip++] = sname - 1;
	if (sver >= 0)
		skip[nskip++] = sver - 1;
	if (tstate >= 0)
		skip[nskip++] = tstate - 1;
	for (i = 0; i < 3; i++) {
		dk[i] = A[A_DATTR + i];
		if (dk[i] >= 0 && tok_count(st, dk[i], &dropped[i]) < 0)
			dk[i] = -1;
	}

	si = scope_group(b, st, res, service, sname, sver, err);
	if (si < 0)
		return -1;
	g = &st->g[si];
	mark = g->body.len;
	em_init(&e, &g->body, b->encoding == OBS_OTLP_JSON, g->nitems > 0);
	em_elem_begin(&e, 2);
	em_id(&e, 1, "traceId", tid, 16);
	em_id(&e, 2, "spanId", sid, 8);
	if (tstate >= 0 && obs_jscan_raw(s, tstate, &len) && len &&
	    em_tok(&e, st, 3, "traceState", tstate) < 0)
		goto oom;
	if (has_parent > 0)
		em_id(&e, 4, "parentSpanId", pid, 8);
	t = F[F_NAME];
	if (t >= 0 && obs_jscan_raw(s, t, &len) && len && em_tok(&e, st, 5, "name", t) < 0)
		goto oom;
	em_uint(&e, 6, "kind", (uint64_t)kind);
	em_fixed64(&e, 7, "startTimeUnixNano", (uint64_t)start);
	em_fixed64(&e, 8, "endTimeUnixNano", (uint64_t)end);
	{
		int sk[SKIP_MAX + 3], nsk = nskip, j;

		for (j = 0; j < nskip; j++)
			sk[j] = skip[j];
		for (j = 0; j < 3; j++)
			if (dk[j] >= 0)
				sk[nsk++] = dk[j] - 1;
		if (em_attrs(&e, st, 9, attrs, sk, nsk, NULL, err) < 0)
			goto fail;
	}
	if (dropped[0])
		em_uint(&e, 10, "droppedAttributesCount", dropped[0]);
	if (enc_events(&e, st, events, err) < 0)
		goto fail;
	if (dropped[1])
		em_uint(&e, 12, "droppedEventsCount", dropped[1]);
	if (enc_links(&e, st, links, err) < 0)
		goto fail;
	if (dropped[2])
		em_uint(&e, 14, "droppedLinksCount", dropped[2]);
	if (code || (msg >= 0 && obs_jscan_raw(s, msg, &len) && len)) {
		em_obj_begin(&e, 15, "status");
		if (msg >= 0 && obs_jscan_raw(s, msg, &len) && len &&
		    em_tok(&e, st, 2, "message", msg) < 0)
			goto oom;
		if (code)
			em_uint(&e, 3, "code", (uint64_t)code);
		em_obj_end(&e);
	}
	return item_end(st, g, &e, mark, err);
oom:
	obs_error_set(err, "%s", reason_oom);
fail:
	body_undo(g, mark);
	return -1;
}

/* ---- logs ------------------------------------------------------------------- */

static int severity(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int num;
	} levels[] = {
		{ "trace", 1 }, { "debug", 5 }, { "info", 9 }, { "notice", 10 },
		{ "warn", 13 }, { "warning", 13 }, { "error", 17 }, { "err", 17 },
		{ "fatal", 21 }, { "critical", 21 }, { "crit", 21 }, { "alert", 21 },
		{ "emerg", 21 }, { "panic", 21 },
	};
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strlen(levels[i].name) == n && !strncasecmp(levels[i].name, s, n))
			return levels[i].num;
	return 0;
}

/* Top-level keys of a log record that are not attributes. */
static int log_reserved(const struct obs_jscan *s, int k)
{
	static const char *const keys[] = { "type", "time", "level", "msg", "service",
					    "resource", "observed_time", "otel.scope.name",
					    "otel.scope.version", NULL };
	const char *const *p;

	for (p = keys; *p; p++)
		if (obs_jscan_streq(s, k, *p))
			return 1;
	return 0;
}

static int enc_log(struct obs_otlp_batch *b, struct obs_otlp_state *st, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	int res, service, sname, sver, level, msg, t, si, skip[2], nskip = 0, sev = 0;
	uint8_t tid[16], sid[8];
	int has_tid = 0, has_sid = 0;
	int64_t time, observed;
	struct grp *g;
	size_t mark, len;
	struct em e;

	if (check_type(b, st, err) < 0)
		return -1;
	if (get_time(st, 0, "time", &time, err) < 0)
		return -1;
	observed = time;
	if (obs_jscan_get(s, 0, "observed_time") >= 0 &&
	    get_time(st, 0, "observed_time", &observed, err) < 0)
		return -1;
	if (get_typed(s, 0, "level", OBS_JSCAN_STRING, &level, err) < 0 ||
	    get_typed(s, 0, "msg", OBS_JSCAN_STRING, &msg, err) < 0 ||
	    get_typed(s, 0, "service", OBS_JSCAN_STRING, &service, err) < 0 ||
	    get_typed(s, 0, "resource", OBS_JSCAN_OBJECT, &res, err) < 0)
		return -1;
	t = obs_jscan_get(s, 0, "trace_id");
	if (t >= 0 && tok_id(st, t, tid, 16) > 0) {
		has_tid = 1;
		skip[nskip++] = t - 1;
	}
	t = obs_jscan_get(s, 0, "span_id");
	if (t >= 0 && tok_id(st, t, sid, 8) > 0) {
		has_sid = 1;
		skip[nskip++] = t - 1;
	}
	sname = get_str(s, 0, "otel.scope.name");
	sver = get_str(s, 0, "otel.scope.version");
	if (level >= 0) {
		const char *lv;

		if (tok_str(st, level, &lv, &len) < 0)
			return obs_error_set(err, "%s", reason_oom);
		sev = severity(lv, len);
	}

	si = scope_group(b, st, res, service, sname, sver, err);
	if (si < 0)
		return -1;
	g = &st->g[si];
	mark = g->body.len;
	em_init(&e, &g->body, b->encoding == OBS_OTLP_JSON, g->nitems > 0);
	em_elem_begin(&e, 2);
	em_fixed64(&e, 1, "timeUnixNano", (uint64_t)time);
	if (sev)
		em_uint(&e, 2, "severityNumber", (uint64_t)sev);
	if (level >= 0 && obs_jscan_raw(s, level, &len) && len &&
	    em_tok(&e, st, 3, "severityText", level) < 0)
		goto oom;
	if (msg >= 0) {
		em_obj_begin(&e, 5, "body");
		if (em_tok(&e, st, 1, "stringValue", msg) < 0)
			goto oom;
		em_obj_end(&e);
	}
	if (em_attrs(&e, st, 6, 0, skip, nskip, log_reserved, err) < 0)
		goto fail;
	if (has_tid)
		em_id(&e, 9, "traceId", tid, 16);
	if (has_sid)
		em_id(&e, 10, "spanId", sid, 8);
	em_fixed64(&e, 11, "observedTimeUnixNano", (uint64_t)observed);
	return item_end(st, g, &e, mark, err);
oom:
	obs_error_set(err, "%s", reason_oom);
fail:
	body_undo(g, mark);
	return -1;
}

/* ---- metrics ------------------------------------------------------------------ */

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* The metric value token: 1 integer (*i), 0 double (*d), -1 not a number. */
static int metric_value(struct obs_otlp_state *st, int tok, int64_t *i, double *d)
{
	const struct obs_jscan *s = &st->js;

	if (obs_jscan_type(s, tok) == OBS_JSCAN_NUMBER) {
		if (obs_jscan_int64(s, tok, i) == 0) {
			*d = (double)*i;
			return 1;
		}
		return obs_jscan_number(s, tok, d) == 0 ? 0 : -1;
	}
	if (obs_jscan_type(s, tok) == OBS_JSCAN_STRING) {
		const char *v;
		size_t n;

		/* As obs_metric_value reads them: NaN, +Inf, Inf, -Inf in any case. */
		if (tok_str(st, tok, &v, &n) < 0)
			return -1;
		if (n == 3 && !strncasecmp(v, "NaN", 3)) {
			*d = NAN;
			return 0;
		}
		if ((n == 4 && !strncasecmp(v, "+Inf", 4)) || (n == 3 && !strncasecmp(v, "Inf", 3))) {
			*d = INFINITY;
			return 0;
		}
		if (n == 4 && !strncasecmp(v, "-Inf", 4)) {
			*d = -INFINITY;
			return 0;
		}
	}
	return -1;
}

/* The metric group (child of scope SI) for this record; -1 with err. */
static int metric_group(struct obs_otlp_batch *b, struct obs_otlp_state *st, int si, int name,
			int help, int unit, enum mkind mk, int temporality, int monotonic,
			struct obs_error *err)
{
	char tag[3] = { (char)('0' + mk), (char)('0' + temporality), (char)('0' + monotonic) };
	struct grp *g;
	struct em e;
	size_t n;
	int mi, created;

	key_reset(st);
	if (key_add(st, tag, 3) < 0 || key_tok(st, name) < 0 || key_tok(st, unit) < 0 ||
	    key_tok(st, help) < 0)
		return obs_error_set(err, "%s", reason_oom);
	mi = group_get(st, si, st->key, st->key_len, &created);
	if (mi < 0)
		return obs_error_set(err, "%s", reason_oom);
	if (!created)
		return mi;
	g = &st->g[mi];
	g->mkind = mk;
	g->temporality = temporality;
	g->monotonic = monotonic;
	em_init(&e, &g->head, b->encoding == OBS_OTLP_JSON, 0);
	em_tok(&e, st, 1, "name", name);
	if (help >= 0 && obs_jscan_raw(&st->js, help, &n) && n)
		em_tok(&e, st, 2, "description", help);
	if (unit >= 0 && obs_jscan_raw(&st->js, unit, &n) && n)
		em_tok(&e, st, 3, "unit", unit);
	if (g->head.failed)
		return obs_error_set(err, "%s", reason_oom);
	st->bytes += g->head.len;
	return mi;
}

/* Bucket of value V in BOUNDS (upper bounds inclusive, as Prometheus's le). */
static size_t bucket_of(const double *bounds, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v <= bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int enc_metric(struct obs_otlp_batch *b, struct obs_otlp_state *st, struct obs_error *err)
{
	const struct obs_jscan *s = &st->js;
	int name, mtype, value, labels, help, unit, cum, si, mi, vk, cumulative = 0;
	enum mkind mk = MK_GAUGE;
	int temporality = 0, monotonic = 0, observation = 0;
	const char *nm;
	int64_t time, iv = 0;
	double dv = 0;
	size_t nlen, mark, rawlen;
	struct grp *g;
	struct em e;
	char q[80];

	if (check_type(b, st, err) < 0)
		return -1;
	name = obs_jscan_get(s, 0, "name");
	if (name < 0)
		return obs_error_set(err, "missing 'name'");
	if (obs_jscan_type(s, name) != OBS_JSCAN_STRING || !obs_jscan_raw(s, name, &nlen) || !nlen)
		return obs_error_set(err, "'name' is not a metric name");
	mtype = obs_jscan_get(s, 0, "metric_type");
	if (mtype < 0)
		return obs_error_set(err, "missing 'metric_type'");
	cum = obs_jscan_get(s, 0, "cumulative");
	if (cum >= 0 && obs_jscan_bool(s, cum, &cumulative) < 0)
		return obs_error_set(err, "'cumulative' is not a boolean");
	value = obs_jscan_get(s, 0, "value");
	if (value < 0)
		return obs_error_set(err, "missing 'value'");
	vk = metric_value(st, value, &iv, &dv);
	if (vk < 0)
		return obs_error_set(err, "'value' is not a number");
	if (get_typed(s, 0, "labels", OBS_JSCAN_OBJECT, &labels, err) < 0 ||
	    get_typed(s, 0, "help", OBS_JSCAN_STRING, &help, err) < 0 ||
	    get_typed(s, 0, "unit", OBS_JSCAN_STRING, &unit, err) < 0)
		return -1;
	if (get_time(st, 0, "time", &time, err) < 0)
		return -1;
	nm = obs_jscan_raw(s, name, &nlen);
	if (obs_jscan_streq(s, mtype, "counter")) {
		mk = MK_SUM;
		monotonic = 1;
		temporality = cumulative ? 2 : 1;
	} else if (obs_jscan_streq(s, mtype, "gauge") || obs_jscan_streq(s, mtype, "untyped")) {
		mk = MK_GAUGE;
	} else if (obs_jscan_streq(s, mtype, "histogram") || obs_jscan_streq(s, mtype, "summary")) {
		if (!cumulative) {
			if (isnan(dv))
				return obs_error_set(err, "histogram observation is NaN");
			mk = MK_HIST;
			temporality = 1;
			observation = 1;
		} else if (ends_with(nm, nlen, "_bucket") || ends_with(nm, nlen, "_count")) {
			mk = MK_SUM;
			temporality = 2;
			monotonic = 1;
		} else if (ends_with(nm, nlen, "_sum")) {
			mk = MK_SUM;
			temporality = 2;
		} else {
			mk = MK_GAUGE;
		}
	} else {
		return obs_error_set(err, "unknown metric_type '%s'", tok_quote(st, mtype, q, sizeof(q)));
	}

	si = scope_group(b, st, -1, -1, -1, -1, err);
	if (si < 0)
		return -1;
	mi = metric_group(b, st, si, name, help, unit, mk, temporality, monotonic, err);
	if (mi < 0)
		return -1;
	if (observation) {
		int hi, created;

		key_reset(st);
		if (key_tok(st, labels) < 0)
			return obs_error_set(err, "%s", reason_oom);
		hi = group_get(st, mi, st->key, st->key_len, &created);
		if (hi < 0)
			return obs_error_set(err, "%s", reason_oom);
		g = &st->g[hi];
		if (created) {
			/* The attributes once per series; a failure leaves it empty. */
			g->counts = calloc(b->nbounds + 1, sizeof(*g->counts));
			em_init(&e, &g->head, b->encoding == OBS_OTLP_JSON, 0);
			if (em_attrs(&e, st, 9, labels, NULL, 0, NULL, err) < 0) {
				free(g->counts);
				g->counts = NULL;
				obs_pb_writer_reset(&g->head);
				return -1;
			}
			g->t0 = g->t1 = time;
			st->bytes += g->head.len + 8 * (b->nbounds + 1) + 64;
		}
		if (!g->counts || g->head.failed) {
			/* A series that failed before fails the same way again. */
			if (g->counts || g->head.failed)
				return obs_error_set(err, "%s", reason_oom);
			em_init(&e, &st->out, b->encoding == OBS_OTLP_JSON, 0);
			obs_pb_writer_reset(&st->out);
			if (em_attrs(&e, st, 9, labels, NULL, 0, NULL, err) < 0)
				return -1;
			return obs_error_set(err, "%s", reason_oom);
		}
		g->counts[bucket_of(b->bounds, b->nbounds, dv)]++;
		g->count++;
		g->sum += dv;
		if (dv < g->min)
			g->min = dv;
		if (dv > g->max)
			g->max = dv;
		if (time < g->t0)
			g->t0 = time;
		if (time > g->t1)
			g->t1 = time;
		g->nitems++;
		return 0;
	}
	g = &st->g[mi];
	mark = g->body.len;
	em_init(&e, &g->body, b->encoding == OBS_OTLP_JSON, g->nitems > 0);
	em_elem_begin(&e, 1);
	em_fixed64(&e, 3, "timeUnixNano", (uint64_t)time);
	if (vk == 1) {
		em_sfixed64(&e, 6, "asInt", iv);
	} else {
		const char *raw = obs_jscan_type(s, value) == OBS_JSCAN_NUMBER ?
			obs_jscan_raw(s, value, &rawlen) : NULL;

		em_double(&e, 4, "asDouble", dv, raw, raw ? rawlen : 0);
	}
	if (em_attrs(&e, st, 7, labels, NULL, 0, NULL, err) < 0) {
		body_undo(g, mark);
		return -1;
	}
	return item_end(st, g, &e, mark, err);
}

/* Write the data points of histogram metric MI's series into its body. */
static int flush_histograms(struct obs_otlp_batch *b, struct obs_otlp_state *st, int mi)
{
	struct grp *m = &st->g[mi];
	int hi;

	for (hi = m->child; hi >= 0; hi = st->g[hi].next) {
		struct grp *h = &st->g[hi];
		struct em e;

		if (!h->counts || !h->count)
			continue;
		em_init(&e, &m->body, b->encoding == OBS_OTLP_JSON, m->nitems > 0);
		em_elem_begin(&e, 1);
		em_fixed64(&e, 2, "startTimeUnixNano", (uint64_t)h->t0);
		em_fixed64(&e, 3, "timeUnixNano", (uint64_t)h->t1);
		em_fixed64(&e, 4, "count", h->count);
		em_double(&e, 5, "sum", h->sum, NULL, 0);
		em_packed_fixed64(&e, 6, "bucketCounts", h->counts, b->nbounds + 1);
		em_packed_double(&e, 7, "explicitBounds", b->bounds, b->nbounds);
		em_fields(&e, h->head.buf, h->head.len);
		em_double(&e, 11, "min", h->min, NULL, 0);
		em_double(&e, 12, "max", h->max, NULL, 0);
		em_obj_end(&e);
		m->nitems++;
		if (m->body.failed)
			return -1;
	}
	return 0;
}

/* ---- finishing ---------------------------------------------------------------- */

static const char *const resource_key[] = { "resourceSpans", "resourceMetrics", "resourceLogs" };
static const char *const scope_key[] = { "scopeSpans", "scopeMetrics", "scopeLogs" };
static const char *const items_key[] = { "spans", "metrics", "logRecords" };
static const uint32_t metric_field[] = { 5, 7, 9 };              /* gauge, sum, histogram */
static const char *const metric_key[] = { "gauge", "sum", "histogram" };

static size_t field_size(size_t n)
{
	return 1 + obs_pb_varint_size(n) + n;   /* every field here has a one-byte tag */
}

/* The tail of a metric's data message: aggregation_temporality, is_monotonic. */
static void metric_tail(struct em *e, const struct grp *m)
{
	if (m->temporality)
		em_uint(e, 2, "aggregationTemporality", (uint64_t)m->temporality);
	if (m->monotonic)
		em_bool(e, 3, "isMonotonic", 1);
}

static size_t metric_tail_size(const struct grp *m)
{
	return (m->temporality ? 2 : 0) + (m->monotonic ? 2 : 0);
}

/* Sizes bottom-up; a group without items has size 0 and is left out. */
static void compute_sizes(struct obs_otlp_state *st)
{
	int ri, si, mi;

	for (ri = st->first; ri >= 0; ri = st->g[ri].next) {
		struct grp *r = &st->g[ri];
		size_t rsum = 0;

		for (si = r->child; si >= 0; si = st->g[si].next) {
			struct grp *s = &st->g[si];
			size_t ssum = s->body.len;

			for (mi = s->child; mi >= 0; mi = st->g[mi].next) {
				struct grp *m = &st->g[mi];

				m->size = 0;
				if (!m->body.len)
					continue;
				m->size = m->head.len +
					field_size(m->body.len + metric_tail_size(m));
				ssum += field_size(m->size);
			}
			s->size = ssum ? s->head.len + ssum : 0;
			if (s->size)
				rsum += field_size(s->size);
		}
		r->size = rsum ? r->head.len + rsum : 0;
	}
}

static void put_len(struct obs_pb_writer *w, uint32_t field, size_t n)
{
	obs_pb_put_tag(w, field, OBS_PB_LEN);
	obs_pb_put_varint(w, n);
}

static void finish_protobuf(struct obs_otlp_state *st)
{
	struct obs_pb_writer *w = &st->out;
	int ri, si, mi;

	compute_sizes(st);
	for (ri = st->first; ri >= 0; ri = st->g[ri].next) {
		struct grp *r = &st->g[ri];

		if (!r->size)
			continue;
		put_len(w, 1, r->size);
		obs_pb_put_raw(w, r->head.buf, r->head.len);
		for (si = r->child; si >= 0; si = st->g[si].next) {
			struct grp *s = &st->g[si];

			if (!s->size)
				continue;
			put_len(w, 2, s->size);
			obs_pb_put_raw(w, s->head.buf, s->head.len);
			obs_pb_put_raw(w, s->body.buf, s->body.len);
			for (mi = s->child; mi >= 0; mi = st->g[mi].next) {
				struct grp *m = &st->g[mi];
				struct em e;

				if (!m->size)
					continue;
				put_len(w, 2, m->size);
				obs_pb_put_raw(w, m->head.buf, m->head.len);
				put_len(w, metric_field[m->mkind], m->body.len + metric_tail_size(m));
				obs_pb_put_raw(w, m->body.buf, m->body.len);
				em_init(&e, w, 0, 0);
				metric_tail(&e, m);
			}
		}
	}
}

static void finish_json(struct obs_otlp_batch *b, struct obs_otlp_state *st)
{
	struct obs_pb_writer *w = &st->out;
	int ri, si, mi, rfirst = 1;
	int sig = (int)b->signal;
	struct em e;

	em_init(&e, w, 1, 0);
	compute_sizes(st);   /* sizes only tell which groups are empty */
	jch(&e, '{');
	for (ri = st->first; ri >= 0; ri = st->g[ri].next) {
		struct grp *r = &st->g[ri];
		int sfirst = 1;

		if (!r->size)
			continue;
		if (rfirst) {
			jch(&e, '"');
			jlit(&e, resource_key[sig]);
			jlit(&e, "\":[");
		} else {
			jch(&e, ',');
		}
		rfirst = 0;
		jch(&e, '{');
		jraw(&e, (const char *)r->head.buf, r->head.len);
		if (r->head.len)
			jch(&e, ',');
		jch(&e, '"');
		jlit(&e, scope_key[sig]);
		jlit(&e, "\":[");
		for (si = r->child; si >= 0; si = st->g[si].next) {
			struct grp *s = &st->g[si];
			int mfirst = 1;

			if (!s->size)
				continue;
			if (!sfirst)
				jch(&e, ',');
			sfirst = 0;
			jch(&e, '{');
			jraw(&e, (const char *)s->head.buf, s->head.len);
			if (s->head.len)
				jch(&e, ',');
			jch(&e, '"');
			jlit(&e, items_key[sig]);
			jlit(&e, "\":[");
			jraw(&e, (const char *)s->body.buf, s->body.len);
			for (mi = s->child; mi >= 0; mi = st->g[mi].next) {
				struct grp *m = &st->g[mi];

				if (!m->size)
					continue;
				if (!mfirst)
					jch(&e, ',');
				mfirst = 0;
				jch(&e, '{');
				jraw(&e, (const char *)m->head.buf, m->head.len);
				jlit(&e, ",\"");
				jlit(&e, metric_key[m->mkind]);
				jlit(&e, "\":{\"dataPoints\":[");
				jraw(&e, (const char *)m->body.buf, m->body.len);
				jch(&e, ']');
				e.depth = 0;
				e.comma[0] = 1;
				metric_tail(&e, m);
				jlit(&e, "}}");
			}
			jlit(&e, "]}");
		}
		jlit(&e, "]}");
	}
	if (!rfirst)
		jch(&e, ']');
	jch(&e, '}');
}

int obs_otlp_batch_finish(struct obs_otlp_batch *b, const uint8_t **body, size_t *len,
			  struct obs_error *err)
{
	struct obs_otlp_state *st = state(b);
	int ri, si, mi, rc = 0;

	*body = NULL;
	*len = 0;
	if (!st)
		return obs_error_set(err, "%s", reason_oom);
	obs_pb_writer_reset(&st->out);
	if (b->signal == OBS_OTLP_METRICS)
		for (ri = st->first; ri >= 0; ri = st->g[ri].next)
			for (si = st->g[ri].child; si >= 0; si = st->g[si].next)
				for (mi = st->g[si].child; mi >= 0; mi = st->g[mi].next)
					if (st->g[mi].mkind == MK_HIST &&
					    flush_histograms(b, st, mi) < 0)
						rc = -1;
	if (rc == 0) {
		if (b->encoding == OBS_OTLP_JSON)
			finish_json(b, st);
		else
			finish_protobuf(st);
	}
	groups_clear(st);
	b->records = 0;
	b->bytes = 0;
	if (rc < 0 || st->out.failed) {
		obs_pb_writer_reset(&st->out);
		return obs_error_set(err, "%s", reason_oom);
	}
	*body = st->out.buf ? st->out.buf : (const uint8_t *)"";
	*len = st->out.len;
	return 0;
}

/* ---- adding ------------------------------------------------------------------- */

int obs_otlp_batch_add(struct obs_otlp_batch *b, const char *line, size_t len,
		       struct obs_error *err)
{
	struct obs_otlp_state *st = state(b);
	int rc;

	if (!st)
		return obs_error_set(err, "%s", reason_oom);
	if (obs_jscan_parse(&st->js, line, len, err) < 0)
		return -1;
	switch (b->signal) {
	case OBS_OTLP_TRACES:
		rc = enc_span(b, st, err);
		break;
	case OBS_OTLP_METRICS:
		rc = enc_metric(b, st, err);
		break;
	case OBS_OTLP_LOGS:
		rc = enc_log(b, st, err);
		break;
	default:
		return obs_error_set(err, "unknown signal %d", (int)b->signal);
	}
	if (rc < 0)
		return -1;
	b->records++;
	b->bytes = st->bytes;
	return 0;
}

int obs_otlp_batch_add_json(struct obs_otlp_batch *b, const json_t *rec, struct obs_error *err)
{
	size_t len;
	char *line;
	int rc;

	if (!json_is_object(rec))
		return obs_error_set(err, "not a JSON object");
	line = obs_json_dump_line(rec, &len);
	if (!line)
		return obs_error_set(err, "%s", reason_oom);
	rc = obs_otlp_batch_add(b, line, len, err);
	free(line);
	return rc;
}

/* ---- gzip ------------------------------------------------------------------------ */

static int buf_room(struct obs_otlp_buf *out, size_t n)
{
	size_t cap = out->cap ? out->cap : 4096;
	uint8_t *p;

	if (out->cap - out->len >= n)
		return 0;
	if (n > SIZE_MAX / 2 - out->len)
		return -1;
	while (cap - out->len < n)
		cap *= 2;
	p = realloc(out->data, cap);
	if (!p)
		return -1;
	out->data = p;
	out->cap = cap;
	return 0;
}

void obs_otlp_buf_release(struct obs_otlp_buf *buf)
{
	if (buf->z) {
		deflateEnd(buf->z);
		free(buf->z);
	}
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}

int obs_otlp_gzip(const void *in, size_t len, int level, struct obs_otlp_buf *out,
		  struct obs_error *err)
{
	z_stream *z = out->z;
	int rc;

	out->len = 0;
	if (level < -1 || level > 9)
		return obs_error_set(err, "invalid gzip level %d", level);
	if (z && out->zlevel != level) {
		deflateEnd(z);
		free(z);
		z = out->z = NULL;
	}
	if (!z) {
		z = calloc(1, sizeof(*z));
		if (!z)
			return obs_error_set(err, "%s", reason_oom);
		if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			free(z);
			return obs_error_set(err, "%s", reason_oom);
		}
		out->z = z;
		out->zlevel = level;
	} else {
		deflateReset(z);
	}
	if (buf_room(out, deflateBound(z, len)) < 0)
		return obs_error_set(err, "%s", reason_oom);
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	z->next_out = out->data;
	z->avail_out = (uInt)out->cap;
	rc = deflate(z, Z_FINISH);
	out->len = z->total_out;
	if (rc != Z_STREAM_END)
		return obs_error_set(err, "cannot compress: %s", z->msg ? z->msg : "zlib error");
	return 0;
}

int obs_otlp_gunzip(const void *in, size_t len, size_t max, struct obs_otlp_buf *out,
		    struct obs_error *err)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	out->len = 0;
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return obs_error_set(err, "%s", reason_oom);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	for (;;) {
		size_t room;

		if (buf_room(out, out->len < 65536 ? 65536 : out->len) < 0) {
			inflateEnd(&z);
			return obs_error_set(err, "%s", reason_oom);
		}
		room = out->cap - out->len;
		if (room > max + 1 - out->len)
			room = max + 1 - out->len;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len = z.total_out;
		if (out->len > max) {
			inflateEnd(&z);
			out->len = 0;
			return obs_error_set(err, "request body larger than %zu bytes after "
					     "decompression", max);
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && z.avail_in == 0) {
			inflateEnd(&z);
			out->len = 0;
			return obs_error_set(err, "truncated gzip body");
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			obs_error_set(err, "invalid gzip body: %s", z.msg ? z.msg : "zlib error");
			inflateEnd(&z);
			out->len = 0;
			return -1;
		}
	}
	inflateEnd(&z);
	return 0;
}
