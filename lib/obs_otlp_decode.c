/* SPDX-License-Identifier: MIT */
/* OTLP protobuf requests (traces, metrics, logs) into obs records, for the receiver. */
#include "obs_otlp.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_pb.h"
#include "obs_span.h"
#include "obs_time.h"
#include "obs_tracectx.h"

#define MAX_VALUE_DEPTH 64    /* as obs_import */

/*
 * Records and warnings wait here until the whole body has been read, so a
 * malformed body emits nothing.
 */
struct pending {
	json_t *rec;      /* or NULL for a warning */
	int64_t time;
	char *msg;
};

struct dctx {
	struct pending *p;
	size_t n, cap;
	unsigned long item;     /* 1-based position of the current span/metric/log */
	int oom;
};

static int push(struct dctx *c, json_t *rec, int64_t time, const char *msg)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct pending *p = realloc(c->p, cap * sizeof(*p));

		if (!p) {
			json_decref(rec);
			c->oom = 1;
			return -1;
		}
		c->p = p;
		c->cap = cap;
	}
	c->p[c->n].rec = rec;
	c->p[c->n].time = time;
	c->p[c->n].msg = msg ? strdup(msg) : NULL;
	if (msg && !c->p[c->n].msg) {
		c->oom = 1;
		return -1;
	}
	c->n++;
	return 0;
}

static void reject(struct dctx *c, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An item that cannot be converted: "span N: reason". */
static void reject(struct dctx *c, const char *what, const char *fmt, ...)
{
	char reason[OBS_ERROR_MAX], msg[OBS_ERROR_MAX + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s %lu: %s", what, c->item, reason);
	push(c, NULL, 0, msg);
}

/* ---- values ------------------------------------------------------------- */

static json_t *jstrn(const uint8_t *s, size_t n)
{
	json_t *v = json_stringn((const char *)s, n);
	char *clean;

	/* Protobuf strings must be UTF-8; anything else becomes U+FFFD, as obs_span does. */
	if (v)
		return v;
	clean = obs_utf8_sanitize((const char *)s, n);
	v = clean ? json_string(clean) : NULL;
	free(clean);
	return v;
}

/* A NUL-terminated copy of S (N bytes), bad UTF-8 replaced. Caller frees. */
static char *cstr(const uint8_t *s, size_t n)
{
	return obs_utf8_sanitize((const char *)s, n);
}

static json_t *base64(const uint8_t *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	char *out = malloc((n + 2) / 3 * 4 + 1);
	json_t *v;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t x = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		out[o++] = tab[x >> 18];
		out[o++] = tab[(x >> 12) & 63];
		out[o++] = tab[(x >> 6) & 63];
		out[o++] = tab[x & 63];
	}
	if (i < n) {
		uint32_t x = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);

		out[o++] = tab[x >> 18];
		out[o++] = tab[(x >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(x >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	v = json_string(out);
	free(out);
	return v;
}

/* A double as obs_import has it: a real, or "NaN" / "Infinity" / "-Infinity". */
static json_t *jdouble(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

/*
 * Results of value readers: 0 done, -1 malformed wire format (err), 1 the
 * item is rejected (reason in WHY).
 */
static int kvlist(const struct obs_pb_reader *r, const struct obs_pb_field *f, json_t *dst,
		  int depth, struct obs_error *why, struct obs_error *err);

static int anyvalue(const struct obs_pb_reader *r, const struct obs_pb_field *f, json_t **out,
		    int depth, struct obs_error *why, struct obs_error *err)
{
	struct obs_pb_reader sub, arr;
	struct obs_pb_field g, h;
	json_t *v = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (obs_pb_reader_sub(r, f, &sub, err) < 0)
		return -1;
	if (depth >= MAX_VALUE_DEPTH) {
		obs_error_set(why, "value nested deeper than %d levels", MAX_VALUE_DEPTH);
		return 1;
	}
	while ((rc = obs_pb_read(&sub, &g, err)) > 0) {
		json_t *nv = NULL;

		switch (g.num) {
		case 1:
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				goto malformed;
			nv = jstrn(g.data, g.len);
			break;
		case 2:
			if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
				goto malformed;
			nv = json_boolean(g.u64 != 0);
			break;
		case 3:
			if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
				goto malformed;
			nv = json_integer((json_int_t)(int64_t)g.u64);
			break;
		case 4:
			if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
				goto malformed;
			nv = jdouble(obs_pb_double(&g));
			break;
		case 5:
			if (obs_pb_reader_sub(&sub, &g, &arr, err) < 0)
				goto malformed;
			nv = json_array();
			n = 0;
			while ((rc = obs_pb_read(&arr, &h, err)) > 0) {
				json_t *item;

				if (h.num != 1)
					continue;
				n++;
				rc = anyvalue(&arr, &h, &item, depth + 1, why, err);
				if (rc) {
					json_decref(nv);
					if (rc > 0)
						obs_error_prefix(why, "array item %zu", n);
					goto fail_rc;
				}
				json_array_append_new(nv, item);
			}
			if (rc < 0) {
				json_decref(nv);
				goto malformed;
			}
			break;
		case 6:
			nv = json_object();
			rc = kvlist(&sub, &g, nv, depth + 1, why, err);
			if (rc) {
				json_decref(nv);
				goto fail_rc;
			}
			break;
		case 7:
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				goto malformed;
			nv = base64(g.data, g.len);
			break;
		default:
			continue;
		}
		/* A oneof: the last value wins. */
		json_decref(v);
		v = nv;
		if (!v) {
			obs_error_set(err, "out of memory");
			return -1;
		}
	}
	if (rc < 0)
		goto malformed;
	*out = v ? v : json_null();
	return 0;
malformed:
	json_decref(v);
	return -1;
fail_rc:
	json_decref(v);
	return rc;
}

/* A KeyValue (field F) into DST. */
static int keyvalue(const struct obs_pb_reader *r, const struct obs_pb_field *f, json_t *dst,
		    int depth, struct obs_error *why, struct obs_error *err)
{
	struct obs_pb_reader sub;
	struct obs_pb_field g, val = { 0 };
	const uint8_t *key = (const uint8_t *)"";
	size_t keylen = 0;
	int rc, has_val = 0;
	char *k, q[80];
	json_t *v;

	if (obs_pb_reader_sub(r, f, &sub, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&sub, &g, err)) > 0) {
		if (g.num == 1) {
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				return -1;
			key = g.data;
			keylen = g.len;
		} else if (g.num == 2) {
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				return -1;
			val = g;
			has_val = 1;
		}
	}
	if (rc < 0)
		return -1;
	k = cstr(key, keylen);
	if (!k)
		return obs_error_set(err, "out of memory");
	v = json_null();
	if (has_val) {
		rc = anyvalue(&sub, &val, &v, depth, why, err);
		if (rc) {
			if (rc > 0) {
				size_t n = strlen(k) > 64 ? 64 : strlen(k);

				memcpy(q, k, n);
				q[n] = '\0';
				obs_error_prefix(why, "attribute '%s'", q);
			}
			free(k);
			return rc;
		}
	}
	json_object_set_new(dst, k, v);
	free(k);
	return 0;
}

static int kvlist(const struct obs_pb_reader *r, const struct obs_pb_field *f, json_t *dst,
		  int depth, struct obs_error *why, struct obs_error *err)
{
	struct obs_pb_reader sub;
	struct obs_pb_field g;
	int rc, res = 0;

	if (obs_pb_reader_sub(r, f, &sub, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&sub, &g, err)) > 0) {
		if (g.num != 1)
			continue;
		if (res)   /* rejected already: only check the wire format */
			continue;
		res = keyvalue(&sub, &g, dst, depth, why, err);
		if (res < 0)
			return -1;
	}
	return rc < 0 ? -1 : res;
}

/* Every field NUM of message R (a KeyValue each) into DST, as kvlist does. */
static int attributes(const struct obs_pb_reader *msg, uint32_t num, json_t *dst,
		      struct obs_error *why, struct obs_error *err)
{
	struct obs_pb_reader r = *msg;
	struct obs_pb_field g;
	int rc, res = 0;

	while ((rc = obs_pb_read(&r, &g, err)) > 0) {
		if (g.num != num || res)
			continue;
		res = keyvalue(&r, &g, dst, 0, why, err);
		if (res < 0)
			return -1;
	}
	return rc < 0 ? -1 : res;
}

/* Set KEY in OBJ unless present (the item's own data wins). */
static void set_default(json_t *obj, const char *key, json_t *value)
{
	if (json_object_get(obj, key))
		json_decref(value);
	else
		json_object_set_new(obj, key, value);
}

static void dropped(json_t *dst, const char *key, uint64_t n)
{
	if (n)
		set_default(dst, key, json_integer((json_int_t)(n & 0xffffffffu)));
}

/* ---- resource and scope -------------------------------------------------------- */

struct res {
	json_t *attrs;          /* resource attributes */
	char *service;
	char problem[OBS_ERROR_MAX + 16];   /* why its items are rejected, or "" */
};

static void res_release(struct res *r)
{
	json_decref(r->attrs);
	free(r->service);
}

/* The service of a resource, as obs_import has it. */
static char *service_of(const json_t *resource)
{
	const json_t *v = json_object_get(resource, "service.name");
	const json_t *exe = json_object_get(resource, "process.executable.name");
	char *s;

	if (json_is_string(v) && json_string_length(v) > 0 &&
	    strlen(json_string_value(v)) == json_string_length(v))
		return strdup(json_string_value(v));
	if (json_is_string(exe) && json_string_length(exe) > 0 &&
	    strlen(json_string_value(exe)) == json_string_length(exe)) {
		if (asprintf(&s, "unknown_service:%s", json_string_value(exe)) < 0)
			return NULL;
		return s;
	}
	return strdup("unknown_service");
}

/* Read the Resource in field F (F NULL: none) into RES. -1 malformed. */
static int read_resource(const struct obs_pb_reader *r, const struct obs_pb_field *f,
			 struct res *res, struct obs_error *err)
{
	struct obs_pb_reader sub;
	struct obs_pb_field g;
	struct obs_error why;
	uint64_t drop = 0;
	int rc;

	res->problem[0] = '\0';
	res->attrs = json_object();
	res->service = NULL;
	if (!res->attrs)
		return obs_error_set(err, "out of memory");
	if (f) {
		if (obs_pb_reader_sub(r, f, &sub, err) < 0)
			return -1;
		rc = attributes(&sub, 1, res->attrs, &why, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			snprintf(res->problem, sizeof(res->problem), "resource: %s", why.msg);
		while ((rc = obs_pb_read(&sub, &g, err)) > 0)
			if (g.num == 2) {
				if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
					return -1;
				drop = g.u64;
			}
		if (rc < 0)
			return -1;
		dropped(res->attrs, "otel.dropped_attributes_count", drop);
	}
	res->service = service_of(res->attrs);
	if (!res->service)
		return obs_error_set(err, "out of memory");
	return 0;
}

struct scope {
	char *name, *version;   /* NULL when absent or empty */
};

static int read_scope(const struct obs_pb_reader *r, const struct obs_pb_field *f,
		      struct scope *sc, struct obs_error *err)
{
	struct obs_pb_reader sub;
	struct obs_pb_field g;
	int rc;

	if (obs_pb_reader_sub(r, f, &sub, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&sub, &g, err)) > 0) {
		char **dst = g.num == 1 ? &sc->name : g.num == 2 ? &sc->version : NULL;

		if (!dst)
			continue;
		if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
			return -1;
		free(*dst);
		*dst = g.len ? cstr(g.data, g.len) : NULL;
		if (g.len && !*dst)
			return obs_error_set(err, "out of memory");
	}
	return rc < 0 ? -1 : 0;
}

static void scope_release(struct scope *sc)
{
	free(sc->name);
	free(sc->version);
	sc->name = sc->version = NULL;
}

/*
 * Walk Export*ServiceRequest BODY: for each resource (field 1 of the
 * request, its Resource field 1) and each scope list (field 2, scope field
 * 1), call ITEM for every field ITEM_FIELD of the scope list.
 */
typedef int item_fn(struct dctx *c, const struct obs_pb_reader *r, const struct obs_pb_field *f,
		    const struct res *res, const struct scope *sc, struct obs_error *err);

static int walk(struct dctx *c, const void *body, size_t len, item_fn *item,
		struct obs_error *err)
{
	struct obs_pb_reader req, rr, sr;
	struct obs_pb_field f, g, h, resf = { 0 }, scopef = { 0 };
	int rc, rc2, rc3, has_res;

	obs_pb_reader_init(&req, body, len);
	while ((rc = obs_pb_read(&req, &f, err)) > 0) {
		struct res res = { 0 };

		if (f.num != 1)
			continue;
		if (obs_pb_reader_sub(&req, &f, &rr, err) < 0)
			return -1;
		/* The resource first, wherever it is. */
		has_res = 0;
		{
			struct obs_pb_reader t = rr;

			while ((rc2 = obs_pb_read(&t, &g, err)) > 0)
				if (g.num == 1) {
					resf = g;
					has_res = 1;
				}
			if (rc2 < 0)
				return -1;
		}
		if (read_resource(&rr, has_res ? &resf : NULL, &res, err) < 0) {
			res_release(&res);
			return -1;
		}
		while ((rc2 = obs_pb_read(&rr, &g, err)) > 0) {
			struct scope sc = { NULL, NULL };
			struct obs_pb_reader t;
			int has_scope = 0;

			if (g.num != 2)
				continue;
			if (obs_pb_reader_sub(&rr, &g, &sr, err) < 0)
				goto fail;
			t = sr;
			while ((rc3 = obs_pb_read(&t, &h, err)) > 0)
				if (h.num == 1) {
					scopef = h;
					has_scope = 1;
				}
			if (rc3 < 0)
				goto fail;
			if (has_scope && read_scope(&sr, &scopef, &sc, err) < 0) {
				scope_release(&sc);
				goto fail;
			}
			while ((rc3 = obs_pb_read(&sr, &h, err)) > 0) {
				if (h.num != 2)
					continue;
				c->item++;
				if (item(c, &sr, &h, &res, &sc, err) < 0) {
					scope_release(&sc);
					goto fail;
				}
			}
			scope_release(&sc);
			if (rc3 < 0)
				goto fail;
		}
		res_release(&res);
		if (rc2 < 0)
			return -1;
		continue;
fail:
		res_release(&res);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

/* ---- spans -------------------------------------------------------------------- */

static const char *const kinds[] = { "internal", "internal", "server", "client", "producer",
				     "consumer" };
static const char *const statuses[] = { "unset", "ok", "error" };

/* An id field: 1 valid (hex in OUT), 0 absent/empty, -1 wrong length or all zero (hex in OUT). */
static int id_bytes(const struct obs_pb_field *f, size_t n, char *out)
{
	size_t m;

	out[0] = '\0';
	if (!f || !f->len)
		return 0;
	m = f->len > 32 ? 32 : f->len;
	obs_hex_encode(f->data, m, out);
	if (f->len != n || obs_id_is_zero(f->data, n))
		return -1;
	return 1;
}

/* Events (field 11 of span S) into REC. 0, -1 malformed, 1 rejected (WHY). */
static int span_events(json_t *rec, const struct obs_pb_reader *s, struct obs_error *why,
		       struct obs_error *err)
{
	struct obs_pb_reader r = *s, ev;
	struct obs_pb_field f, g;
	size_t n = 0;
	int rc;

	while ((rc = obs_pb_read(&r, &f, err)) > 0) {
		uint64_t t = 0, drop = 0;
		char *name = NULL;
		json_t *attrs;
		int rc2;

		if (f.num != 11)
			continue;
		n++;
		if (obs_pb_reader_sub(&r, &f, &ev, err) < 0)
			return -1;
		while ((rc2 = obs_pb_read(&ev, &g, err)) > 0) {
			if (g.num == 1) {
				if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
					goto malformed;
				t = g.u64;
			} else if (g.num == 2) {
				if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
					goto malformed;
				free(name);
				name = cstr(g.data, g.len);
			} else if (g.num == 4) {
				if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
					goto malformed;
				drop = g.u64;
			}
		}
		if (rc2 < 0)
			goto malformed;
		if (t > INT64_MAX) {
			free(name);
			obs_error_set(why, "event %zu: 'timeUnixNano' is not a time in nanoseconds", n);
			return 1;
		}
		attrs = json_object();
		ev.p = f.data;
		rc2 = attributes(&ev, 3, attrs, why, err);
		if (rc2) {
			free(name);
			json_decref(attrs);
			if (rc2 > 0)
				obs_error_prefix(why, "event %zu", n);
			return rc2;
		}
		dropped(attrs, "otel.dropped_attributes_count", drop);
		if (obs_span_add_event(rec, (int64_t)t, name ? name : "", attrs) < 0) {
			free(name);
			return obs_error_set(err, "out of memory");
		}
		free(name);
		continue;
malformed:
		free(name);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

/* Links (field 13) into a new array *OUT (NULL if none). */
static int span_links(json_t **out, const struct obs_pb_reader *s, struct obs_error *why,
		      struct obs_error *err)
{
	struct obs_pb_reader r = *s, lr;
	struct obs_pb_field f, g;
	size_t n = 0;
	int rc;

	*out = NULL;
	while ((rc = obs_pb_read(&r, &f, err)) > 0) {
		struct obs_pb_field tidf = { 0 }, sidf = { 0 };
		char tid[65], sid[65];
		const uint8_t *ts = NULL;
		size_t tslen = 0;
		uint64_t drop = 0;
		json_t *attrs, *l;
		int rc2, a, b;

		if (f.num != 13)
			continue;
		n++;
		if (obs_pb_reader_sub(&r, &f, &lr, err) < 0)
			return -1;
		while ((rc2 = obs_pb_read(&lr, &g, err)) > 0) {
			if (g.num == 1 || g.num == 2 || g.num == 3) {
				if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
					return -1;
				if (g.num == 1)
					tidf = g;
				else if (g.num == 2)
					sidf = g;
				else {
					ts = g.data;
					tslen = g.len;
				}
			} else if (g.num == 5) {
				if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
					return -1;
				drop = g.u64;
			}
		}
		if (rc2 < 0)
			return -1;
		if (!*out)
			*out = json_array();
		a = id_bytes(&tidf, 16, tid);
		b = id_bytes(&sidf, 8, sid);
		if (a <= 0 || b <= 0) {
			if (a == 0)
				obs_error_set(why, "link %zu: missing trace id", n);
			else if (a < 0)
				obs_error_set(why, "link %zu: invalid trace id '%s'", n, tid);
			else if (b == 0)
				obs_error_set(why, "link %zu: missing span id", n);
			else
				obs_error_set(why, "link %zu: invalid span id '%s'", n, sid);
			return 1;
		}
		attrs = json_object();
		lr.p = f.data;
		rc2 = attributes(&lr, 4, attrs, why, err);
		if (rc2) {
			json_decref(attrs);
			if (rc2 > 0)
				obs_error_prefix(why, "link %zu", n);
			return rc2;
		}
		dropped(attrs, "otel.dropped_attributes_count", drop);
		l = json_pack("{s:s, s:s}", "trace_id", tid, "span_id", sid);
		if (l && tslen)
			json_object_set_new(l, "tracestate", jstrn(ts, tslen));
		if (l)
			json_object_set_new(l, "attributes", attrs);
		else
			json_decref(attrs);
		if (!l || json_array_append_new(*out, l) < 0)
			return obs_error_set(err, "out of memory");
	}
	return rc < 0 ? -1 : 0;
}

static int span_item(struct dctx *c, const struct obs_pb_reader *r, const struct obs_pb_field *f,
		     const struct res *res, const struct scope *sc, struct obs_error *err)
{
	struct obs_pb_reader s, st;
	struct obs_pb_field g, tidf = { 0 }, sidf = { 0 }, pidf = { 0 };
	char tid[65], sid[65], pid[65];
	const uint8_t *name = NULL, *ts = NULL, *smsg = NULL;
	size_t namelen = 0, tslen = 0, smsglen = 0;
	uint64_t start = 0, end = 0, kind = 0, code = 0, drop[3] = { 0, 0, 0 };
	json_t *rec = NULL, *attrs, *links = NULL, *resobj, *copy;
	struct obs_error why;
	char *cname = NULL, *cmsg = NULL;
	int rc, a;

	if (obs_pb_reader_sub(r, f, &s, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&s, &g, err)) > 0) {
		switch (g.num) {
		case 1: case 2: case 3: case 4: case 5:
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				return -1;
			if (g.num == 1)
				tidf = g;
			else if (g.num == 2)
				sidf = g;
			else if (g.num == 3) {
				ts = g.data;
				tslen = g.len;
			} else if (g.num == 4)
				pidf = g;
			else {
				name = g.data;
				namelen = g.len;
			}
			break;
		case 6: case 10: case 12: case 14:
			if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
				return -1;
			if (g.num == 6)
				kind = g.u64;
			else
				drop[(g.num - 10) / 2] = g.u64;
			break;
		case 7: case 8:
			if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
				return -1;
			if (g.num == 7)
				start = g.u64;
			else
				end = g.u64;
			break;
		case 9: case 11: case 13:
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				return -1;
			break;
		case 15:
			if (obs_pb_reader_sub(&s, &g, &st, err) < 0)
				return -1;
			{
				struct obs_pb_field h;
				int rc2;

				code = 0;
				smsg = NULL;
				smsglen = 0;
				while ((rc2 = obs_pb_read(&st, &h, err)) > 0) {
					if (h.num == 2) {
						if (obs_pb_expect(&h, OBS_PB_LEN, err) < 0)
							return -1;
						smsg = h.data;
						smsglen = h.len;
					} else if (h.num == 3) {
						if (obs_pb_expect(&h, OBS_PB_VARINT, err) < 0)
							return -1;
						code = h.u64;
					}
				}
				if (rc2 < 0)
					return -1;
			}
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return -1;
	s.p = f->data;

	/* The checks, in obs_import's order. */
	if (res->problem[0]) {
		reject(c, "span", "%s", res->problem);
		return 0;
	}
	a = id_bytes(&tidf, 16, tid);
	if (a <= 0) {
		if (a == 0)
			reject(c, "span", "missing trace id");
		else
			reject(c, "span", "invalid trace id '%s'", tid);
		return 0;
	}
	a = id_bytes(&sidf, 8, sid);
	if (a <= 0) {
		if (a == 0)
			reject(c, "span", "missing span id");
		else
			reject(c, "span", "invalid span id '%s'", sid);
		return 0;
	}
	a = id_bytes(&pidf, 8, pid);
	if (a < 0 && pidf.len != 8) {
		reject(c, "span", "invalid parent span id '%s'", pid);
		return 0;
	}
	if (a <= 0)
		pid[0] = '\0';
	if (kind > 5) {
		reject(c, "span", "unknown kind %" PRId64, (int64_t)(int32_t)kind);
		return 0;
	}
	if (start > INT64_MAX || end > INT64_MAX) {
		reject(c, "span", "'%s' is not a time in nanoseconds",
		       start > INT64_MAX ? "startTimeUnixNano" : "endTimeUnixNano");
		return 0;
	}
	if (!start || !end) {
		reject(c, "span", "missing %s time", !start ? "start" : "end");
		return 0;
	}
	if (end < start) {
		reject(c, "span", "end time before start time");
		return 0;
	}
	if (code > 2) {
		reject(c, "span", "unknown status code %" PRId64, (int64_t)(int32_t)code);
		return 0;
	}
	cname = cstr(name ? name : (const uint8_t *)"", namelen);
	cmsg = smsglen ? cstr(smsg, smsglen) : NULL;
	if (!cname || (smsglen && !cmsg))
		goto oom;
	rec = obs_span_new(tid, sid, pid[0] ? pid : NULL, cname, res->service, kinds[kind],
			   (int64_t)start, (int64_t)end, statuses[code], cmsg);
	if (!rec)
		goto oom;
	attrs = json_object_get(rec, "attributes");
	rc = attributes(&s, 9, attrs, &why, err);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		reject(c, "span", "%s", why.msg);
		goto done;
	}
	if (sc->name)
		set_default(attrs, "otel.scope.name", json_string(sc->name));
	if (sc->version)
		set_default(attrs, "otel.scope.version", json_string(sc->version));
	if (tslen)
		set_default(attrs, "w3c.tracestate", jstrn(ts, tslen));
	dropped(attrs, "otel.dropped_attributes_count", drop[0]);
	dropped(attrs, "otel.dropped_events_count", drop[1]);
	dropped(attrs, "otel.dropped_links_count", drop[2]);
	rc = span_events(rec, &s, &why, err);
	if (rc == 0)
		rc = span_links(&links, &s, &why, err);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		reject(c, "span", "%s", why.msg);
		goto done;
	}
	/* Links go after events, the resource last, as obs_import has them. */
	resobj = json_object_get(rec, "resource");
	if (links && json_array_size(links) > 0) {
		json_incref(resobj);
		json_object_del(rec, "resource");
		json_object_set_new(rec, "links", links);
		json_object_set_new(rec, "resource", resobj);
		links = NULL;
	}
	copy = json_deep_copy(res->attrs);
	if (!copy || json_object_update(resobj, copy) < 0) {
		json_decref(copy);
		goto oom;
	}
	json_decref(copy);
	if (push(c, rec, (int64_t)start, NULL) < 0) {
		rec = NULL;
		goto oom;
	}
	rec = NULL;
done:
	json_decref(links);
	json_decref(rec);
	free(cname);
	free(cmsg);
	return 0;
oom:
	obs_error_set(err, "out of memory");
fail:
	json_decref(links);
	json_decref(rec);
	free(cname);
	free(cmsg);
	return -1;
}

/* ---- logs --------------------------------------------------------------------- */

static const char *level_of(uint64_t sev)
{
	static const char *const names[] = { "trace", "debug", "info", "warn", "error", "fatal" };

	if (sev >= 1 && sev <= 24)
		return names[(sev - 1) / 4];
	return NULL;
}

static int log_reserved(const char *k)
{
	static const char *const keys[] = { "type", "time", "level", "msg", "service", "trace_id",
					    "span_id", "resource", "observed_time", "body",
					    "otel.scope.name", "otel.scope.version", NULL };
	const char *const *p;

	for (p = keys; *p; p++)
		if (!strcmp(k, *p))
			return 1;
	return 0;
}

static json_t *jtime(int64_t ns)
{
	char buf[OBS_TIME_BUFSZ];

	obs_time_format(ns, buf, sizeof(buf));
	return json_string(buf);
}

static int log_item(struct dctx *c, const struct obs_pb_reader *r, const struct obs_pb_field *f,
		    const struct res *res, const struct scope *sc, struct obs_error *err)
{
	struct obs_pb_reader s;
	struct obs_pb_field g, tidf = { 0 }, sidf = { 0 }, bodyf = { 0 };
	uint64_t time = 0, observed = 0, sev = 0, drop = 0;
	const uint8_t *text = NULL, *event = NULL;
	size_t textlen = 0, eventlen = 0;
	char tid[65], sid[65], *level = NULL, *key = NULL;
	json_t *rec = NULL, *attrs = NULL, *body = NULL, *v, *resobj;
	struct obs_error why;
	const char *k;
	int rc, has_body = 0, a, b;

	if (obs_pb_reader_sub(r, f, &s, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&s, &g, err)) > 0) {
		switch (g.num) {
		case 1: case 11:
			if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
				return -1;
			if (g.num == 1)
				time = g.u64;
			else
				observed = g.u64;
			break;
		case 2: case 7:
			if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
				return -1;
			if (g.num == 2)
				sev = g.u64;
			else
				drop = g.u64;
			break;
		case 3: case 5: case 6: case 9: case 10: case 12:
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				return -1;
			if (g.num == 3) {
				text = g.data;
				textlen = g.len;
			} else if (g.num == 5) {
				bodyf = g;
				has_body = 1;
			} else if (g.num == 9)
				tidf = g;
			else if (g.num == 10)
				sidf = g;
			else if (g.num == 12) {
				event = g.data;
				eventlen = g.len;
			}
			break;
		case 8:
			if (obs_pb_expect(&g, OBS_PB_I32, err) < 0)
				return -1;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return -1;
	s.p = f->data;
	if (res->problem[0]) {
		reject(c, "log", "%s", res->problem);
		return 0;
	}
	if (time > INT64_MAX || observed > INT64_MAX) {
		reject(c, "log", "time out of range");
		return 0;
	}
	if (!time)
		time = observed;
	if (!time) {
		reject(c, "log", "missing time");
		return 0;
	}
	a = id_bytes(&tidf, 16, tid);
	b = id_bytes(&sidf, 8, sid);
	if (a < 0 || b < 0) {
		reject(c, "log", "invalid %s '%s'", a < 0 ? "trace id" : "span id", a < 0 ? tid : sid);
		return 0;
	}
	if (has_body) {
		rc = anyvalue(&s, &bodyf, &body, 0, &why, err);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			reject(c, "log", "body: %s", why.msg);
			return 0;
		}
	}
	attrs = json_object();
	rc = attributes(&s, 6, attrs, &why, err);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		reject(c, "log", "%s", why.msg);
		goto done;
	}
	if (level_of(sev)) {
		level = strdup(level_of(sev));
	} else if (textlen) {
		char *p;

		level = cstr(text, textlen);
		for (p = level; p && *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	} else {
		level = strdup("unknown");
	}
	rec = json_object();
	if (!rec || !level)
		goto oom;
	json_object_set_new(rec, "type", json_string("log"));
	json_object_set_new(rec, "time", jtime((int64_t)time));
	json_object_set_new(rec, "level", json_string(level));
	if (json_is_string(body)) {
		json_object_set_new(rec, "msg", body);
		body = NULL;
	} else {
		json_object_set_new(rec, "msg", json_string(""));
	}
	json_object_set_new(rec, "service", json_string(res->service));
	if (a > 0)
		json_object_set_new(rec, "trace_id", json_string(tid));
	if (b > 0)
		json_object_set_new(rec, "span_id", json_string(sid));
	json_object_foreach(attrs, k, v) {
		if (log_reserved(k) || json_object_get(rec, k)) {
			free(key);
			if (asprintf(&key, "attributes.%s", k) < 0) {
				key = NULL;
				goto oom;
			}
			json_object_set(rec, key, v);
		} else {
			json_object_set(rec, k, v);
		}
	}
	if (eventlen)
		set_default(rec, "event.name", jstrn(event, eventlen));
	dropped(rec, "otel.dropped_attributes_count", drop);
	if (body && !json_is_null(body)) {
		json_object_set_new(rec, "body", body);
		body = NULL;
	}
	resobj = json_deep_copy(res->attrs);
	if (!resobj)
		goto oom;
	json_object_del(resobj, "service.name");
	if (json_object_size(resobj))
		json_object_set_new(rec, "resource", resobj);
	else
		json_decref(resobj);
	if (sc->name)
		json_object_set_new(rec, "otel.scope.name", json_string(sc->name));
	if (sc->version)
		json_object_set_new(rec, "otel.scope.version", json_string(sc->version));
	if (observed && observed != time)
		json_object_set_new(rec, "observed_time", jtime((int64_t)observed));
	if (push(c, rec, (int64_t)time, NULL) < 0) {
		rec = NULL;
		goto oom;
	}
	rec = NULL;
done:
	json_decref(rec);
	json_decref(attrs);
	json_decref(body);
	free(level);
	free(key);
	return 0;
oom:
	obs_error_set(err, "out of memory");
fail:
	json_decref(rec);
	json_decref(attrs);
	json_decref(body);
	free(level);
	free(key);
	return -1;
}

/* ---- metrics ------------------------------------------------------------------ */

/* A Prometheus-valid copy of S: each invalid character becomes '_'. Caller frees. */
static char *prom_name(const char *s, int metric)
{
	char *out = strdup(*s ? s : "_");
	char *p;

	if (!out)
		return NULL;
	for (p = out; *p; p++) {
		int c = (unsigned char)*p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			 (metric && c == ':') || (p > out && c >= '0' && c <= '9');

		if (!ok)
			*p = '_';
	}
	return out;
}

static json_t *metric_value(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "+Inf" : "-Inf");
	return json_real(d);
}

struct mdesc {
	char *name, *help, *unit;
	json_t *base_labels;        /* job, instance from the resource */
};

/* Labels from attributes ATTRS (converted values) plus the resource's. New object. */
static json_t *labels_of(const json_t *attrs, const json_t *base)
{
	json_t *labels = json_object(), *v;
	const char *k;

	if (!labels)
		return NULL;
	json_object_foreach((json_t *)attrs, k, v) {
		char *ln = prom_name(k, 0);
		json_t *lv;

		if (!ln) {
			json_decref(labels);
			return NULL;
		}
		if (json_is_string(v)) {
			lv = json_incref(v);
		} else {
			char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

			lv = text ? json_string(text) : NULL;
			free(text);
		}
		json_object_set_new(labels, ln, lv);
		free(ln);
	}
	json_object_foreach((json_t *)base, k, v)
		set_default(labels, k, json_incref(v));
	return labels;
}

static int metric_record(struct dctx *c, const char *name, const char *suffix, const char *type,
			 json_t *value, json_t *labels, int64_t time, const struct mdesc *m,
			 int cumulative, struct obs_error *err)
{
	json_t *rec = json_object();
	char *full = NULL;

	if (!rec || asprintf(&full, "%s%s", name, suffix) < 0) {
		json_decref(rec);
		json_decref(value);
		json_decref(labels);
		return obs_error_set(err, "out of memory");
	}
	json_object_set_new(rec, "type", json_string("metric"));
	json_object_set_new(rec, "name", json_string(full));
	json_object_set_new(rec, "metric_type", json_string(type));
	json_object_set_new(rec, "value", value);
	json_object_set_new(rec, "labels", labels);
	json_object_set_new(rec, "time", jtime(time));
	if (m->help && *m->help)
		json_object_set_new(rec, "help", json_string(m->help));
	if (m->unit && *m->unit)
		json_object_set_new(rec, "unit", json_string(m->unit));
	if (cumulative)
		json_object_set_new(rec, "cumulative", json_true());
	free(full);
	if (push(c, rec, time, NULL) < 0)
		return obs_error_set(err, "out of memory");
	return 0;
}

enum dp_kind { DP_NUMBER, DP_HIST, DP_SUMMARY };

/*
 * One data point (field F of the data message) into records. kind
 * selects the message; TYPE and CUMULATIVE describe the records. 0, -1
 * malformed, 1 rejected (WHY).
 */
static int data_point(struct dctx *c, const struct obs_pb_reader *r, const struct obs_pb_field *f,
		      enum dp_kind kind, const char *type, int cumulative, const struct mdesc *m,
		      size_t idx, struct obs_error *why, struct obs_error *err)
{
	struct obs_pb_reader s;
	struct obs_pb_field g, countsf = { 0 }, boundsf = { 0 };
	uint32_t attr_field = kind == DP_HIST ? 9 : 7;
	uint64_t time = 0, count = 0, flags = 0;
	json_t *value = NULL, *attrs = NULL, *labels = NULL;
	double sum = 0;
	int rc, has_sum = 0, has_counts = 0, has_bounds = 0, ret = -1;
	size_t nq = 0;
	double qs[64], qv[64];

	if (obs_pb_reader_sub(r, f, &s, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&s, &g, err)) > 0) {
		if (g.num == 3 || (g.num == 2)) {
			if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
				goto out;
			if (g.num == 3)
				time = g.u64;
		} else if (g.num == attr_field) {
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				goto out;
		} else if (kind == DP_NUMBER && (g.num == 4 || g.num == 6)) {
			if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
				goto out;
			json_decref(value);
			value = g.num == 4 ? metric_value(obs_pb_double(&g)) :
				json_integer((json_int_t)(int64_t)g.u64);
		} else if (g.num == (kind == DP_HIST ? 10u : 8u)) {
			if (obs_pb_expect(&g, OBS_PB_VARINT, err) < 0)
				goto out;
			flags = g.u64;
		} else if (kind != DP_NUMBER && (g.num == 4 || g.num == 5)) {
			if (obs_pb_expect(&g, OBS_PB_I64, err) < 0)
				goto out;
			if (g.num == 4)
				count = g.u64;
			else {
				sum = obs_pb_double(&g);
				has_sum = 1;
			}
		} else if (kind == DP_HIST && (g.num == 6 || g.num == 7)) {
			size_t n;

			if (obs_pb_packed64(&g, &n, err) < 0)
				goto out;
			/* Only packed fields are read whole; repeated I64 ones are rare. */
			if (g.num == 6) {
				countsf = g;
				has_counts = 1;
			} else {
				boundsf = g;
				has_bounds = 1;
			}
		} else if (kind == DP_SUMMARY && g.num == 6) {
			struct obs_pb_reader q;
			struct obs_pb_field h;
			int rc2;

			if (obs_pb_reader_sub(&s, &g, &q, err) < 0)
				goto out;
			if (nq == 64) {
				obs_error_set(why, "data point %zu: more than 64 quantiles", idx);
				ret = 1;
				continue;
			}
			qs[nq] = qv[nq] = 0;
			while ((rc2 = obs_pb_read(&q, &h, err)) > 0) {
				if (h.num != 1 && h.num != 2)
					continue;
				if (obs_pb_expect(&h, OBS_PB_I64, err) < 0)
					goto out;
				if (h.num == 1)
					qs[nq] = obs_pb_double(&h);
				else
					qv[nq] = obs_pb_double(&h);
			}
			if (rc2 < 0)
				goto out;
			nq++;
		}
	}
	if (rc < 0)
		goto out;
	if (ret == 1)
		goto out;
	ret = 1;
	if (flags & 1) {   /* FLAG_NO_RECORDED_VALUE: nothing to record */
		ret = 0;
		goto out;
	}
	if (!time || time > INT64_MAX) {
		obs_error_set(why, "data point %zu: %s time", idx, time ? "invalid" : "missing");
		goto out;
	}
	s.p = f->data;
	attrs = json_object();
	rc = attributes(&s, attr_field, attrs, why, err);
	if (rc) {
		ret = rc;
		goto out;
	}
	labels = labels_of(attrs, m->base_labels);
	if (!labels) {
		ret = obs_error_set(err, "out of memory");
		goto out;
	}
	if (kind == DP_NUMBER) {
		if (!value) {
			obs_error_set(why, "data point %zu has no value", idx);
			goto out;
		}
		ret = metric_record(c, m->name, "", type, value, labels, (int64_t)time, m, cumulative,
				    err);
		value = labels = NULL;
		goto out;
	}
	if (kind == DP_HIST) {
		size_t nb = 0, nc = 0, i;
		uint64_t acc = 0;
		char le[48];

		if (has_bounds)
			obs_pb_packed64(&boundsf, &nb, err);
		if (has_counts)
			obs_pb_packed64(&countsf, &nc, err);
		if (nc && nc != nb + 1) {
			obs_error_set(why, "data point %zu: %zu bucket counts for %zu bounds", idx, nc,
				      nb);
			goto out;
		}
		for (i = 0; i < nc; i++) {
			json_t *l = json_deep_copy(labels);
			double bound;

			acc += obs_pb_packed64_at(&countsf, i);
			if (i < nb) {
				uint64_t u = obs_pb_packed64_at(&boundsf, i);

				memcpy(&bound, &u, 8);
				obs_otlp_format_double(bound, le, sizeof(le));
			} else {
				strcpy(le, "+Inf");
			}
			json_object_set_new(l, "le", json_string(le));
			if (metric_record(c, m->name, "_bucket", type, json_integer((json_int_t)acc),
					  l, (int64_t)time, m, cumulative, err) < 0)
				goto fail;
		}
	} else {
		size_t i;
		char qt[48];

		for (i = 0; i < nq; i++) {
			json_t *l = json_deep_copy(labels);

			obs_otlp_format_double(qs[i], qt, sizeof(qt));
			json_object_set_new(l, "quantile", json_string(qt));
			if (metric_record(c, m->name, "", type, metric_value(qv[i]), l,
					  (int64_t)time, m, cumulative, err) < 0)
				goto fail;
		}
	}
	if (has_sum || kind == DP_SUMMARY) {
		if (metric_record(c, m->name, "_sum", type, metric_value(sum),
				  json_deep_copy(labels), (int64_t)time, m, cumulative, err) < 0)
			goto fail;
	}
	if (metric_record(c, m->name, "_count", type, json_integer((json_int_t)count),
			  json_deep_copy(labels), (int64_t)time, m, cumulative, err) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	ret = -1;
out:
	json_decref(value);
	json_decref(attrs);
	json_decref(labels);
	return ret;
}

static int metric_item(struct dctx *c, const struct obs_pb_reader *r,
		       const struct obs_pb_field *f, const struct res *res,
		       const struct scope *sc, struct obs_error *err)
{
	struct obs_pb_reader s, d;
	struct obs_pb_field g, dataf = { 0 }, h;
	struct mdesc m = { NULL, NULL, NULL, NULL };
	uint64_t temporality = 0, monotonic = 0;
	struct obs_error why;
	const json_t *sn, *ns, *inst;
	size_t n = 0, pending_mark = c->n;
	int rc, ret = -1;
	const char *type;
	int cumulative;

	(void)sc;
	if (obs_pb_reader_sub(r, f, &s, err) < 0)
		return -1;
	while ((rc = obs_pb_read(&s, &g, err)) > 0) {
		if (g.num >= 1 && g.num <= 3) {
			char **dst = g.num == 1 ? &m.name : g.num == 2 ? &m.help : &m.unit;

			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				goto out;
			free(*dst);
			*dst = cstr(g.data, g.len);
		} else if (g.num == 5 || g.num == 7 || g.num == 9 || g.num == 10 || g.num == 11) {
			if (obs_pb_expect(&g, OBS_PB_LEN, err) < 0)
				goto out;
			dataf = g;
		}
	}
	if (rc < 0)
		goto out;
	ret = 0;
	if (res->problem[0]) {
		reject(c, "metric", "%s", res->problem);
		goto out;
	}
	if (!dataf.num) {
		reject(c, "metric", "no data");
		goto out;
	}
	if (dataf.num == 10) {
		reject(c, "metric", "exponential histograms are not supported");
		goto out;
	}
	{
		char *pn = prom_name(m.name ? m.name : "", 1);

		free(m.name);
		m.name = pn;
	}
	m.base_labels = json_object();
	if (!m.name || !m.base_labels) {
		ret = obs_error_set(err, "out of memory");
		goto out;
	}
	sn = json_object_get(res->attrs, "service.name");
	ns = json_object_get(res->attrs, "service.namespace");
	inst = json_object_get(res->attrs, "service.instance.id");
	if (json_is_string(sn)) {
		char *job;

		if (json_is_string(ns) && json_string_length(ns)) {
			if (asprintf(&job, "%s/%s", json_string_value(ns), json_string_value(sn)) < 0)
				job = NULL;
		} else {
			job = strdup(json_string_value(sn));
		}
		if (job)
			json_object_set_new(m.base_labels, "job", json_string(job));
		free(job);
	}
	if (json_is_string(inst))
		json_object_set_new(m.base_labels, "instance", json_incref((json_t *)inst));
	if (obs_pb_reader_sub(&s, &dataf, &d, err) < 0) {
		ret = -1;
		goto out;
	}
	{
		struct obs_pb_reader t = d;

		while ((rc = obs_pb_read(&t, &h, err)) > 0) {
			if (h.num == 2 || h.num == 3) {
				if (obs_pb_expect(&h, OBS_PB_VARINT, err) < 0) {
					ret = -1;
					goto out;
				}
				if (h.num == 2)
					temporality = h.u64;
				else
					monotonic = h.u64;
			}
		}
		if (rc < 0) {
			ret = -1;
			goto out;
		}
	}
	cumulative = temporality == 2;
	switch (dataf.num) {
	case 5:
		type = "gauge";
		cumulative = 0;
		break;
	case 7:
		type = monotonic ? "counter" : "gauge";
		if (!monotonic)
			cumulative = 0;
		break;
	case 9:
		type = cumulative ? "histogram" : "counter";
		break;
	default:
		type = "summary";
		cumulative = 1;
		break;
	}
	while ((rc = obs_pb_read(&d, &h, err)) > 0) {
		enum dp_kind k = dataf.num == 9 ? DP_HIST : dataf.num == 11 ? DP_SUMMARY : DP_NUMBER;

		if (h.num != 1)
			continue;
		n++;
		rc = data_point(c, &d, &h, k, type, cumulative, &m, n, &why, err);
		if (rc < 0) {
			ret = -1;
			goto out;
		}
		if (rc > 0) {
			/* The whole metric is rejected: drop its records so far. */
			while (c->n > pending_mark)
				json_decref(c->p[--c->n].rec), free(c->p[c->n].msg);
			reject(c, "metric", "%s", why.msg);
			while ((rc = obs_pb_read(&d, &h, err)) > 0)
				;
			break;
		}
	}
	if (rc < 0)
		ret = -1;
out:
	free(m.name);
	free(m.help);
	free(m.unit);
	json_decref(m.base_labels);
	return ret;
}

/* ---- entry --------------------------------------------------------------------- */

void obs_otlp_decoder_init(struct obs_otlp_decoder *d, obs_otlp_emit_fn *emit,
			   obs_otlp_warn_fn *warn, void *ctx)
{
	d->emit = emit;
	d->warn = warn;
	d->ctx = ctx;
	d->records = 0;
	d->rejected = 0;
}

int obs_otlp_decode(struct obs_otlp_decoder *d, enum obs_otlp_signal signal, const void *body,
		    size_t len, struct obs_error *err)
{
	static const char *const requests[] = { "ExportTraceServiceRequest",
						"ExportMetricsServiceRequest",
						"ExportLogsServiceRequest" };
	item_fn *items[] = { span_item, metric_item, log_item };
	struct dctx c = { NULL, 0, 0, 0, 0 };
	size_t i;
	int rc;

	if ((unsigned)signal > 2)
		return obs_error_set(err, "unknown signal %d", (int)signal);
	rc = walk(&c, body ? body : "", body ? len : 0, items[signal], err);
	if (rc == 0 && c.oom)
		rc = obs_error_set(err, "out of memory");
	else if (rc < 0)
		obs_error_prefix(err, "invalid %s", requests[signal]);
	for (i = 0; i < c.n; i++) {
		struct pending *p = &c.p[i];

		if (rc < 0) {
			json_decref(p->rec);
		} else if (p->rec) {
			if (d->emit(d->ctx, p->rec, p->time, err) < 0)
				rc = -1;
			else
				d->records++;
		} else {
			d->rejected++;
			if (d->warn)
				d->warn(d->ctx, p->msg);
		}
		free(p->msg);
	}
	free(c.p);
	return rc;
}
