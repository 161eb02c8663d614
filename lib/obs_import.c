/* SPDX-License-Identifier: MIT */
/* Converting OTLP JSON, Zipkin v2 JSON and Jaeger JSON traces into span records. */
#include "obs_import.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "obs_span.h"
#include "obs_text.h"

#define MAX_DEPTH 64          /* nesting of attribute values */
#define QUOTE_MAX 64          /* bytes of a value quoted in a message */
#define TRACE_BYTES 16
#define SPAN_BYTES 8

/* ---- messages -------------------------------------------------------- */

static void report(struct obs_import *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Count a rejected span or malformed part and tell the warn callback. */
static void report(struct obs_import *im, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im->rejected++;
	if (im->warn)
		im->warn(im->ctx, msg);
}

/*
 * S (LEN bytes) made fit for a message: control characters become '?',
 * and a long value is cut (at a UTF-8 character boundary) and marked "...".
 * SIZE (at least 5) bounds what is written to BUF.
 */
static const char *quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t max = size - 4 < QUOTE_MAX ? size - 4 : QUOTE_MAX, n = len, i;
	int cut = 0;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		cut = 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (cut) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* ---- JSON helpers ---------------------------------------------------- */

/* Field by its lowerCamelCase or snake_case name; JSON null counts as absent. */
static json_t *get2(const json_t *obj, const char *camel, const char *snake)
{
	json_t *v = json_object_get(obj, camel);

	if ((!v || json_is_null(v)) && snake)
		v = json_object_get(obj, snake);
	return json_is_null(v) ? NULL : v;
}

static json_t *get(const json_t *obj, const char *name)
{
	return get2(obj, name, NULL);
}

/* A copy of string V (jansson strings may hold NULs: keep the length). */
static json_t *string_copy(const json_t *v)
{
	return json_stringn_nocheck(json_string_value(v), json_string_length(v));
}

/* 1 if string V has no NUL inside. */
static int string_clean(const json_t *v)
{
	return strlen(json_string_value(v)) == json_string_length(v);
}

/*
 * A 64-bit integer from a JSON integer, an integral real, or a decimal
 * string (the protobuf JSON mapping of int64). 0, or -1 if V is none of
 * these or out of range.
 */
static int to_i64(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
			return -1;
		if ((double)(int64_t)d != d)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v), *p = s;
		char *end;
		long long n;

		if (*p == '-')
			p++;
		if (!*p || !string_clean(v))
			return -1;
		for (; *p; p++)
			if (*p < '0' || *p > '9')
				return -1;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == ERANGE || *end)
			return -1;
		*out = n;
		return 0;
	}
	return -1;
}

/* A double from a number or a numeric string; "NaN" and "Infinity" stay strings. */
static json_t *to_double(const json_t *v, struct obs_error *e, const char *what)
{
	if (json_is_number(v))
		return json_real(json_number_value(v));
	if (json_is_string(v) && string_clean(v)) {
		const char *s = json_string_value(v);
		char *end;
		double d;

		if (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity"))
			return json_string(s);
		/* Plain decimal only: strtod would also take "inf", hex and spaces. */
		if (*s && strspn(s, "0123456789+-.eE") == json_string_length(v)) {
			errno = 0;
			d = strtod(s, &end);
			if (!*end && errno != ERANGE && d - d == 0)
				return json_real(d);
		}
	}
	obs_error_set(e, "'%s' is not a number", what);
	return NULL;
}

/* ---- ids ------------------------------------------------------------- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 S (LEN chars, padding optional) of exactly BYTES bytes into lowercase hex. */
static int b64_to_hex(const char *s, size_t len, size_t bytes, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned acc = 0;
	size_t i, n = 0;
	int bits = 0;

	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len != (bytes * 8 + 5) / 6)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			unsigned byte = (acc >> (bits - 8)) & 0xff;

			bits -= 8;
			out[2 * n] = digits[byte >> 4];
			out[2 * n + 1] = digits[byte & 0xf];
			n++;
		}
	}
	if (n != bytes || (acc & ((1u << bits) - 1)))
		return -1;
	out[2 * n] = '\0';
	return 0;
}

/*
 * An id of BYTES bytes written as text: MINLEN to 2*BYTES hex digits of
 * either case, left-padded with zeros (or, with B64, base64 of exactly
 * BYTES bytes), into OUT (2*BYTES+1) as lowercase hex. 1 valid, 0 all
 * zero, -1 not an id.
 */
static int id_text(const char *s, size_t len, size_t bytes, size_t minlen, int b64, char *out)
{
	size_t hexlen = 2 * bytes, pad, i;
	int nonzero = 0;

	if (len >= minlen && len <= hexlen) {
		pad = hexlen - len;
		memset(out, '0', pad);
		for (i = 0; i < len; i++) {
			int v = obs_text_hexval((unsigned char)s[i]);

			if (v < 0)
				goto try_b64;
			out[pad + i] = "0123456789abcdef"[v];
			nonzero |= v;
		}
		out[hexlen] = '\0';
		return nonzero ? 1 : 0;
	}
try_b64:
	if (!b64 || b64_to_hex(s, len, bytes, out) < 0)
		return -1;
	for (i = 0; i < hexlen; i++)
		if (out[i] != '0')
			return 1;
	return 0;
}

enum id_rule { ID_REQUIRED, ID_PARENT };

/*
 * Read the id V (absent if NULL) named WHAT ("trace id") into OUT. A parent
 * may be absent, empty or all zero: then *OUT is "" (a root). 0 / -1 with e.
 */
static int id_field(const json_t *v, const char *what, size_t bytes, size_t minlen, int b64,
		    enum id_rule rule, char *out, struct obs_error *e)
{
	char q[QUOTE_MAX + 8];
	const char *s;
	size_t len;
	int rc;

	out[0] = '\0';
	if (!v) {
		if (rule == ID_PARENT)
			return 0;
		return obs_error_set(e, "missing %s", what);
	}
	if (!json_is_string(v))
		return obs_error_set(e, "%s is not a string", what);
	s = json_string_value(v);
	len = json_string_length(v);
	if (rule == ID_PARENT && len == 0)
		return 0;
	rc = string_clean(v) ? id_text(s, len, bytes, minlen, b64, out) : -1;
	if (rc == 0 && rule == ID_PARENT) {
		out[0] = '\0';
		return 0;
	}
	if (rc <= 0) {
		out[0] = '\0';
		return obs_error_set(e, "invalid %s '%s'", what, quote(s, len, q, sizeof(q)));
	}
	return 0;
}

/* ---- records --------------------------------------------------------- */

/* Set KEY in OBJ unless the span already has it (the span's own data wins). */
static void set_default(json_t *obj, const char *key, json_t *value)
{
	if (json_object_get(obj, key))
		json_decref(value);
	else
		json_object_set_new(obj, key, value);
}

/* The service of a resource: service.name, else unknown_service[:executable]. */
static char *service_of(const json_t *resource)
{
	const json_t *v = json_object_get(resource, "service.name");
	const json_t *exe = json_object_get(resource, "process.executable.name");
	char *s;

	if (json_is_string(v) && json_string_length(v) > 0 && string_clean(v))
		return strdup(json_string_value(v));
	if (json_is_string(exe) && json_string_length(exe) > 0 && string_clean(exe)) {
		if (asprintf(&s, "unknown_service:%s", json_string_value(exe)) < 0)
			return NULL;
		return s;
	}
	return strdup("unknown_service");
}

/*
 * Finish a record: copy RESOURCE into its "resource" and, if LINKS is a
 * non-empty array, place it after "events" (LINKS is stolen).
 */
static int finish_record(json_t *rec, const json_t *resource, json_t *links)
{
	json_t *res = json_object_get(rec, "resource");
	json_t *copy;
	int rc = 0;

	if (links && json_array_size(links) > 0) {
		json_incref(res);
		json_object_del(rec, "resource");
		rc |= json_object_set_new(rec, "links", links);
		rc |= json_object_set_new(rec, "resource", res);
	} else {
		json_decref(links);
	}
	if (resource) {
		copy = json_deep_copy(resource);
		rc |= json_object_update(res, copy);
		json_decref(copy);
	}
	return rc ? -1 : 0;
}

static int emit(struct obs_import *im, json_t *rec, int64_t start, struct obs_error *err)
{
	if (im->emit(im->ctx, rec, start, err) < 0)
		return -1;
	im->spans++;
	return 0;
}

/* Convert microseconds V into ns; WHAT names the field. 0 / -1 with e. */
static int micros(const json_t *v, const char *what, int64_t *ns, struct obs_error *e)
{
	int64_t us;

	*ns = 0;
	if (!v)
		return 0;
	if (to_i64(v, &us) < 0)
		return obs_error_set(e, "'%s' is not an integer", what);
	if (us < 0 || us > INT64_MAX / 1000)
		return obs_error_set(e, "'%s' out of range", what);
	*ns = us * 1000;
	return 0;
}

/* Status from the otel.status_code / otel.status_description / error tags. */
struct tag_status {
	const char *code;       /* "ok", "error", "unset" from otel.status_code, or NULL */
	char *desc;             /* otel.status_description (owned) */
	int error;              /* the error tag said so */
	char *error_msg;        /* its message (owned), Zipkin only */
};

static void tag_status_release(struct tag_status *ts)
{
	free(ts->desc);
	free(ts->error_msg);
}

/* If KEY/VALUE is one of the status tags, record it and return 1 (consumed). */
static int tag_status_take(struct tag_status *ts, const char *key, const json_t *value, int zipkin)
{
	const char *s = json_string_value(value);

	if (!strcmp(key, "otel.status_code") && s) {
		if (!strcasecmp(s, "ok"))
			ts->code = "ok";
		else if (!strcasecmp(s, "error"))
			ts->code = "error";
		else if (!strcasecmp(s, "unset"))
			ts->code = "unset";
		else
			return 0;
		return 1;
	}
	if (!strcmp(key, "otel.status_description") && s) {
		free(ts->desc);
		ts->desc = strdup(s);
		return 1;
	}
	if (!strcmp(key, "error")) {
		if (zipkin && s) {
			/* Zipkin: the value is the message ("" or "true" means none). */
			ts->error = 1;
			free(ts->error_msg);
			ts->error_msg = (*s && strcmp(s, "true")) ? strdup(s) : NULL;
			return 1;
		}
		if (json_is_boolean(value)) {
			ts->error = json_is_true(value);
			return 1;
		}
		if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
			ts->error = !strcmp(s, "true");
			return 1;
		}
	}
	return 0;
}

static void tag_status_result(const struct tag_status *ts, const char **status, const char **msg)
{
	*status = ts->code ? ts->code : ts->error ? "error" : "unset";
	*msg = ts->desc && *ts->desc ? ts->desc : !strcmp(*status, "error") ? ts->error_msg : NULL;
}

/* ---- OTLP JSON ------------------------------------------------------- */

static json_t *otlp_value(const json_t *av, int depth, struct obs_error *e);

/* Add the KeyValue list LIST (absent if NULL) to DST. 0 / -1 with e. */
static int otlp_attributes(const json_t *list, json_t *dst, int depth, struct obs_error *e)
{
	char q[QUOTE_MAX + 8];
	const json_t *kv, *key;
	json_t *val;
	size_t i;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return obs_error_set(e, "'attributes' is not an array");
	json_array_foreach(list, i, kv) {
		key = get(kv, "key");
		if (!json_is_object(kv))
			return obs_error_set(e, "attribute %zu is not an object", i + 1);
		if (!json_is_string(key) || !string_clean(key))
			return obs_error_set(e, "attribute %zu has no key", i + 1);
		val = otlp_value(get(kv, "value"), depth, e);
		if (!val)
			return obs_error_prefix(e, "attribute '%s'",
						quote(json_string_value(key), json_string_length(key),
						      q, sizeof(q)));
		if (json_object_set_new(dst, json_string_value(key), val) < 0)
			return obs_error_set(e, "out of memory");
	}
	return 0;
}

/* An AnyValue as a plain JSON value (new reference), or NULL with e. */
static json_t *otlp_value(const json_t *av, int depth, struct obs_error *e)
{
	const json_t *v, *values, *item;
	json_t *out;
	int64_t n;
	size_t i;

	if (!av)
		return json_null();
	if (!json_is_object(av)) {
		obs_error_set(e, "value is not an AnyValue object");
		return NULL;
	}
	if (depth >= MAX_DEPTH) {
		obs_error_set(e, "value nested deeper than %d levels", MAX_DEPTH);
		return NULL;
	}
	if ((v = get2(av, "stringValue", "string_value"))) {
		if (json_is_string(v))
			return string_copy(v);
		obs_error_set(e, "'stringValue' is not a string");
		return NULL;
	}
	if ((v = get2(av, "boolValue", "bool_value"))) {
		if (json_is_boolean(v))
			return json_boolean(json_is_true(v));
		obs_error_set(e, "'boolValue' is not a boolean");
		return NULL;
	}
	if ((v = get2(av, "intValue", "int_value"))) {
		if (to_i64(v, &n) == 0)
			return json_integer(n);
		obs_error_set(e, "'intValue' is not a 64-bit integer");
		return NULL;
	}
	if ((v = get2(av, "doubleValue", "double_value")))
		return to_double(v, e, "doubleValue");
	if ((v = get2(av, "bytesValue", "bytes_value"))) {
		if (json_is_string(v))
			return string_copy(v);
		obs_error_set(e, "'bytesValue' is not a string");
		return NULL;
	}
	if ((v = get2(av, "arrayValue", "array_value"))) {
		values = get(v, "values");
		if (!json_is_object(v) || (values && !json_is_array(values))) {
			obs_error_set(e, "'arrayValue' is not an ArrayValue object");
			return NULL;
		}
		out = json_array();
		json_array_foreach(values, i, item) {
			json_t *x = otlp_value(item, depth + 1, e);

			if (!x) {
				json_decref(out);
				obs_error_prefix(e, "array item %zu", i + 1);
				return NULL;
			}
			json_array_append_new(out, x);
		}
		return out;
	}
	if ((v = get2(av, "kvlistValue", "kvlist_value"))) {
		if (!json_is_object(v)) {
			obs_error_set(e, "'kvlistValue' is not a KeyValueList object");
			return NULL;
		}
		out = json_object();
		if (otlp_attributes(get(v, "values"), out, depth + 1, e) < 0) {
			json_decref(out);
			return NULL;
		}
		return out;
	}
	return json_null();
}

/* A dropped count in OBJ: if not zero, attribute ATTR in DST. 0 / -1 with e. */
static int otlp_dropped(const json_t *obj, const char *camel, const char *snake, json_t *dst,
			const char *attr, struct obs_error *e)
{
	const json_t *v = get2(obj, camel, snake);
	int64_t n;

	if (!v)
		return 0;
	if (to_i64(v, &n) < 0 || n < 0 || n > UINT32_MAX)
		return obs_error_set(e, "'%s' is not a count", camel);
	if (n)
		set_default(dst, attr, json_integer(n));
	return 0;
}

/* A fixed64 time in ns: 0 when absent. 0 / -1 with e. */
static int otlp_time(const json_t *obj, const char *camel, const char *snake, int64_t *ns,
		     struct obs_error *e)
{
	const json_t *v = get2(obj, camel, snake);

	*ns = 0;
	if (!v)
		return 0;
	if (to_i64(v, ns) < 0 || *ns < 0)
		return obs_error_set(e, "'%s' is not a time in nanoseconds", camel);
	return 0;
}

/* An enum given as a number or a name: the index in NAMES, or -1. */
static int otlp_enum(const json_t *v, const char *const *names, int count)
{
	int i;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		return n >= 0 && n < count ? (int)n : -1;
	}
	if (json_is_string(v))
		for (i = 0; i < count; i++)
			if (!strcmp(json_string_value(v), names[i]))
				return i;
	return -1;
}

static const char *const kind_names[] = {
	"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
	"SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
};
static const char *const kinds[] = {
	"internal", "internal", "server", "client", "producer", "consumer",
};
static const char *const status_names[] = {
	"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR",
};
static const char *const statuses[] = { "unset", "ok", "error" };

/* What every span of one ScopeSpans shares. */
struct otlp_scope {
	const json_t *resource;     /* converted resource attributes */
	const char *service;
	const char *problem;        /* why the resource or scope is unusable, or NULL */
	const json_t *scope_name;   /* strings or NULL */
	const json_t *scope_version;
};

/* A description of V for messages: the string quoted, or its JSON text. */
static const char *describe(const json_t *v, char *buf, size_t size)
{
	char *text;

	if (json_is_string(v)) {
		buf[0] = '\'';
		quote(json_string_value(v), json_string_length(v), buf + 1, size - 2);
		strcat(buf, "'");
		return buf;
	}
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	quote(text ? text : "?", text ? strlen(text) : 1, buf, size);
	free(text);
	return buf;
}

static json_t *otlp_links(const json_t *list, struct obs_error *e)
{
	char tid[2 * TRACE_BYTES + 1], sid[2 * SPAN_BYTES + 1];
	const json_t *link, *ts;
	json_t *out = json_array(), *attrs = NULL, *l;
	size_t i;

	if (!json_is_array(list)) {
		obs_error_set(e, "'links' is not an array");
		goto fail;
	}
	json_array_foreach(list, i, link) {
		if (!json_is_object(link)) {
			obs_error_set(e, "not an object");
			goto fail_at;
		}
		if (id_field(get2(link, "traceId", "trace_id"), "trace id", TRACE_BYTES,
			     2 * TRACE_BYTES, 1, ID_REQUIRED, tid, e) < 0 ||
		    id_field(get2(link, "spanId", "span_id"), "span id", SPAN_BYTES,
			     2 * SPAN_BYTES, 1, ID_REQUIRED, sid, e) < 0)
			goto fail_at;
		attrs = json_object();
		if (otlp_attributes(get(link, "attributes"), attrs, 0, e) < 0)
			goto fail_at;
		ts = get2(link, "traceState", "trace_state");
		if (ts && !json_is_string(ts)) {
			obs_error_set(e, "'traceState' is not a string");
			goto fail_at;
		}
		if (otlp_dropped(link, "droppedAttributesCount", "dropped_attributes_count", attrs,
				 "otel.dropped_attributes_count", e) < 0)
			goto fail_at;
		l = json_pack("{s:s, s:s}", "trace_id", tid, "span_id", sid);
		if (l && ts && json_string_length(ts) > 0)
			json_object_set_new(l, "tracestate", string_copy(ts));
		if (l)
			json_object_set_new(l, "attributes", attrs);
		else
			json_decref(attrs);
		attrs = NULL;
		if (!l || json_array_append_new(out, l) < 0) {
			obs_error_set(e, "out of memory");
			goto fail;
		}
	}
	return out;
fail_at:
	obs_error_prefix(e, "link %zu", i + 1);
fail:
	json_decref(attrs);
	json_decref(out);
	return NULL;
}

static int otlp_events(json_t *rec, const json_t *list, struct obs_error *e)
{
	const json_t *ev, *name;
	json_t *attrs = NULL;
	int64_t t;
	size_t i;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return obs_error_set(e, "'events' is not an array");
	json_array_foreach(list, i, ev) {
		if (!json_is_object(ev)) {
			obs_error_set(e, "not an object");
			goto fail;
		}
		if (otlp_time(ev, "timeUnixNano", "time_unix_nano", &t, e) < 0)
			goto fail;
		name = get(ev, "name");
		if (name && (!json_is_string(name) || !string_clean(name))) {
			obs_error_set(e, "'name' is not a string");
			goto fail;
		}
		attrs = json_object();
		if (otlp_attributes(get(ev, "attributes"), attrs, 0, e) < 0 ||
		    otlp_dropped(ev, "droppedAttributesCount", "dropped_attributes_count", attrs,
				 "otel.dropped_attributes_count", e) < 0)
			goto fail;
		if (obs_span_add_event(rec, t, name ? json_string_value(name) : "", attrs) < 0) {
			attrs = NULL;
			obs_error_set(e, "out of memory");
			goto fail;
		}
		attrs = NULL;
	}
	return 0;
fail:
	json_decref(attrs);
	return obs_error_prefix(e, "event %zu", i + 1);
}

/* One OTLP span into a new record (*recp), or -1 with e (the span is rejected). */
static int otlp_span(const json_t *span, const struct otlp_scope *sc, json_t **recp,
		     int64_t *startp, struct obs_error *e)
{
	char tid[2 * TRACE_BYTES + 1], sid[2 * SPAN_BYTES + 1], pid[2 * SPAN_BYTES + 1];
	char q[QUOTE_MAX + 8];
	const json_t *name, *kind, *status, *code, *msg, *ts, *v;
	json_t *rec = NULL, *attrs, *links = NULL;
	const char *status_s = "unset";
	int64_t start, end;
	int k = 0;

	*recp = NULL;
	if (!json_is_object(span))
		return obs_error_set(e, "not an object");
	if (sc->problem)
		return obs_error_set(e, "%s", sc->problem);
	if (id_field(get2(span, "traceId", "trace_id"), "trace id", TRACE_BYTES, 2 * TRACE_BYTES,
		     1, ID_REQUIRED, tid, e) < 0 ||
	    id_field(get2(span, "spanId", "span_id"), "span id", SPAN_BYTES, 2 * SPAN_BYTES, 1,
		     ID_REQUIRED, sid, e) < 0 ||
	    id_field(get2(span, "parentSpanId", "parent_span_id"), "parent span id", SPAN_BYTES,
		     2 * SPAN_BYTES, 1, ID_PARENT, pid, e) < 0)
		return -1;
	name = get(span, "name");
	if (name && (!json_is_string(name) || !string_clean(name)))
		return obs_error_set(e, "'name' is not a string");
	kind = get(span, "kind");
	if (kind && (k = otlp_enum(kind, kind_names, 6)) < 0)
		return obs_error_set(e, "unknown kind %s", describe(kind, q, sizeof(q)));
	if (otlp_time(span, "startTimeUnixNano", "start_time_unix_nano", &start, e) < 0 ||
	    otlp_time(span, "endTimeUnixNano", "end_time_unix_nano", &end, e) < 0)
		return -1;
	if (!start)
		return obs_error_set(e, "missing start time");
	if (!end)
		return obs_error_set(e, "missing end time");
	if (end < start)
		return obs_error_set(e, "end time before start time");
	status = get(span, "status");
	code = msg = NULL;
	if (status) {
		int c = 0;

		if (!json_is_object(status))
			return obs_error_set(e, "'status' is not an object");
		code = get(status, "code");
		if (code && (c = otlp_enum(code, status_names, 3)) < 0)
			return obs_error_set(e, "unknown status code %s",
					     describe(code, q, sizeof(q)));
		status_s = statuses[c];
		msg = get(status, "message");
		if (msg && (!json_is_string(msg) || !string_clean(msg)))
			return obs_error_set(e, "status 'message' is not a string");
		if (msg && json_string_length(msg) == 0)
			msg = NULL;
	}
	ts = get2(span, "traceState", "trace_state");
	if (ts && !json_is_string(ts))
		return obs_error_set(e, "'traceState' is not a string");

	rec = obs_span_new(tid, sid, pid[0] ? pid : NULL, name ? json_string_value(name) : "",
			   sc->service, kinds[k], start, end, status_s,
			   msg ? json_string_value(msg) : NULL);
	if (!rec)
		return obs_error_set(e, "out of memory");
	attrs = json_object_get(rec, "attributes");
	if (otlp_attributes(get(span, "attributes"), attrs, 0, e) < 0)
		goto fail;
	if (sc->scope_name)
		set_default(attrs, "otel.scope.name", string_copy(sc->scope_name));
	if (sc->scope_version)
		set_default(attrs, "otel.scope.version", string_copy(sc->scope_version));
	if (ts && json_string_length(ts) > 0)
		set_default(attrs, "w3c.tracestate", string_copy(ts));
	if (otlp_dropped(span, "droppedAttributesCount", "dropped_attributes_count", attrs,
			 "otel.dropped_attributes_count", e) < 0 ||
	    otlp_dropped(span, "droppedEventsCount", "dropped_events_count", attrs,
			 "otel.dropped_events_count", e) < 0 ||
	    otlp_dropped(span, "droppedLinksCount", "dropped_links_count", attrs,
			 "otel.dropped_links_count", e) < 0)
		goto fail;
	if (otlp_events(rec, get(span, "events"), e) < 0)
		goto fail;
	v = get(span, "links");
	if (v && !(links = otlp_links(v, e)))
		goto fail;
	if (finish_record(rec, sc->resource, links) < 0) {
		obs_error_set(e, "out of memory");
		goto fail;
	}
	*recp = rec;
	*startp = start;
	return 0;
fail:
	json_decref(rec);
	return -1;
}

/* Read a Resource: its attributes into a new object; NULL with e if malformed. */
static json_t *otlp_resource(const json_t *res, struct obs_error *e)
{
	json_t *attrs = json_object();

	if (!res)
		return attrs;
	if (!json_is_object(res)) {
		obs_error_set(e, "resource: not an object");
		goto fail;
	}
	if (otlp_attributes(get(res, "attributes"), attrs, 0, e) < 0 ||
	    otlp_dropped(res, "droppedAttributesCount", "dropped_attributes_count", attrs,
			 "otel.dropped_attributes_count", e) < 0) {
		obs_error_prefix(e, "resource");
		goto fail;
	}
	return attrs;
fail:
	json_decref(attrs);
	return NULL;
}

/* Read the instrumentation scope SCOPE into SC; -1 with e if malformed. */
static int otlp_scope_read(const json_t *scope, struct otlp_scope *sc, struct obs_error *e)
{
	const json_t *n, *v;

	sc->scope_name = sc->scope_version = NULL;
	if (!scope)
		return 0;
	if (!json_is_object(scope))
		return obs_error_set(e, "scope: not an object");
	n = get(scope, "name");
	v = get(scope, "version");
	if (n && (!json_is_string(n) || !string_clean(n)))
		return obs_error_set(e, "scope: 'name' is not a string");
	if (v && (!json_is_string(v) || !string_clean(v)))
		return obs_error_set(e, "scope: 'version' is not a string");
	sc->scope_name = n && json_string_length(n) ? n : NULL;
	sc->scope_version = v && json_string_length(v) ? v : NULL;
	return 0;
}

int obs_import_otlp_json(struct obs_import *im, json_t *doc, struct obs_error *err)
{
	struct obs_error e, re, se;
	const json_t *rss, *rs, *sss, *ss, *spans, *span;
	const char *scope_key, *scope_snake, *list_name;
	unsigned long n = 0;
	size_t i, j, k;
	char *service;
	json_t *resource, *rec;
	int64_t start = 0;

	if (!json_is_object(doc))
		return obs_error_set(err, "not an OTLP TracesData object");
	rss = get2(doc, "resourceSpans", "resource_spans");
	if (!rss) {
		/* {} and an explicit null are TracesData without spans. */
		if (json_object_size(doc) == 0 || json_object_get(doc, "resourceSpans") ||
		    json_object_get(doc, "resource_spans"))
			return 0;
		return obs_error_set(err, "not an OTLP TracesData object: missing 'resourceSpans'");
	}
	if (!json_is_array(rss))
		return obs_error_set(err,
				     "not an OTLP TracesData object: 'resourceSpans' is not an array");
	json_array_foreach(rss, i, rs) {
		struct otlp_scope sc = { 0 };

		if (!json_is_object(rs)) {
			report(im, "resourceSpans[%zu]: not an object", i);
			continue;
		}
		sss = get2(rs, "scopeSpans", "scope_spans");
		scope_key = "scope";
		scope_snake = NULL;
		list_name = "scopeSpans";
		if (!sss) {
			sss = get2(rs, "instrumentationLibrarySpans", "instrumentation_library_spans");
			scope_key = "instrumentationLibrary";
			scope_snake = "instrumentation_library";
			list_name = "instrumentationLibrarySpans";
		}
		if (!sss)
			continue;
		if (!json_is_array(sss)) {
			report(im, "resourceSpans[%zu]: '%s' is not an array", i, list_name);
			continue;
		}
		resource = otlp_resource(get(rs, "resource"), &re);
		service = resource ? service_of(resource) : NULL;
		sc.resource = resource;
		sc.service = service;
		if (!resource)
			sc.problem = re.msg;
		else if (!service)
			sc.problem = "out of memory";
		json_array_foreach(sss, j, ss) {
			if (!json_is_object(ss)) {
				report(im, "resourceSpans[%zu].%s[%zu]: not an object", i, list_name, j);
				continue;
			}
			spans = get(ss, "spans");
			if (!spans)
				continue;
			if (!json_is_array(spans)) {
				report(im, "resourceSpans[%zu].%s[%zu]: 'spans' is not an array", i,
				       list_name, j);
				continue;
			}
			if (resource && service) {
				sc.problem = NULL;
				if (otlp_scope_read(get2(ss, scope_key, scope_snake), &sc, &se) < 0)
					sc.problem = se.msg;
			}
			json_array_foreach(spans, k, span) {
				n++;
				if (otlp_span(span, &sc, &rec, &start, &e) < 0) {
					report(im, "span %lu: %s", n, e.msg);
					continue;
				}
				if (emit(im, rec, start, err) < 0) {
					json_decref(resource);
					free(service);
					return -1;
				}
			}
		}
		json_decref(resource);
		free(service);
	}
	return 0;
}

/* ---- Zipkin v2 JSON -------------------------------------------------- */

/* Endpoint EP ("localEndpoint") into attributes PREFIX.address / PREFIX.port. */
static int zipkin_endpoint(const json_t *ep, const char *name, json_t *attrs, const char *prefix,
			   const json_t **service, struct obs_error *e)
{
	const json_t *sn, *ip4, *ip6, *port;
	char key[64];
	int64_t p;

	*service = NULL;
	if (!ep)
		return 0;
	if (!json_is_object(ep))
		return obs_error_set(e, "'%s' is not an object", name);
	sn = get(ep, "serviceName");
	ip4 = get(ep, "ipv4");
	ip6 = get(ep, "ipv6");
	port = get(ep, "port");
	if ((sn && (!json_is_string(sn) || !string_clean(sn))) || (ip4 && !json_is_string(ip4)) ||
	    (ip6 && !json_is_string(ip6)))
		return obs_error_set(e, "'%s' has a value that is not a string", name);
	if (port && (to_i64(port, &p) < 0 || p < 0 || p > 65535))
		return obs_error_set(e, "'%s' has an invalid port", name);
	if (sn && json_string_length(sn) > 0)
		*service = sn;
	snprintf(key, sizeof(key), "%s.address", prefix);
	if (ip4 || ip6)
		set_default(attrs, key, string_copy(ip4 ? ip4 : ip6));
	snprintf(key, sizeof(key), "%s.port", prefix);
	if (port && p)
		set_default(attrs, key, json_integer(p));
	return 0;
}

/* Zipkin's KIND (absent: internal) in lowercase into BUF (SIZE bytes); -1 with E if unknown. */
static int zipkin_kind(const json_t *kind, char *buf, size_t size, struct obs_error *e)
{
	static const char *const zkinds[] = { "CLIENT", "SERVER", "PRODUCER", "CONSUMER" };
	const char *s = json_string_value(kind);
	char q[QUOTE_MAX + 8];
	size_t i;

	if (!kind) {
		snprintf(buf, size, "internal");
		return 0;
	}
	for (i = 0; s && i < 4; i++)
		if (!strcasecmp(s, zkinds[i]))
			break;
	if (!s || i == 4)
		return obs_error_set(e, "unknown kind %s", describe(kind, q, sizeof(q)));
	for (i = 0; s[i] && i < size - 1; i++)
		buf[i] = (char)(s[i] | 0x20);
	buf[i] = '\0';
	return 0;
}

/* The span's start and duration, both required, in nanoseconds. */
static int zipkin_times(const json_t *span, int64_t *start, int64_t *dur, struct obs_error *e)
{
	const json_t *v;

	if (micros(get(span, "timestamp"), "timestamp", start, e) < 0)
		return -1;
	if (!*start)
		return obs_error_set(e, "missing start time: no 'timestamp'");
	v = get(span, "duration");
	if (!v)
		return obs_error_set(e, "missing end time: no 'duration'");
	if (micros(v, "duration", dur, e) < 0)
		return -1;
	if (*dur > INT64_MAX - *start)
		return obs_error_set(e, "'duration' out of range");
	return 0;
}

/*
 * The span's tags (but those that make its status, into TS), endpoints and
 * flags as attributes into ATTRS; the local endpoint's service name in
 * *LOCAL_SN (borrowed, or NULL).
 */
static int zipkin_attrs(const json_t *span, json_t *attrs, struct tag_status *ts,
			const json_t **local_sn, struct obs_error *e)
{
	const json_t *tags = get(span, "tags"), *remote_sn, *v;
	char q[QUOTE_MAX + 8];
	const char *key;
	json_t *tv;

	if (tags && !json_is_object(tags))
		return obs_error_set(e, "'tags' is not an object");
	json_object_foreach((json_t *)tags, key, tv) {
		if (json_is_null(tv))
			continue;
		if (!json_is_string(tv) && !json_is_number(tv) && !json_is_boolean(tv))
			return obs_error_set(e, "tag '%s' is not a string",
					     quote(key, strlen(key), q, sizeof(q)));
		if (tag_status_take(ts, key, tv, 1))
			continue;
		json_object_set(attrs, key, tv);
	}
	if (zipkin_endpoint(get(span, "localEndpoint"), "localEndpoint", attrs, "network.local",
			    local_sn, e) < 0 ||
	    zipkin_endpoint(get(span, "remoteEndpoint"), "remoteEndpoint", attrs, "network.peer",
			    &remote_sn, e) < 0)
		return -1;
	if (remote_sn)
		set_default(attrs, "peer.service", string_copy(remote_sn));
	v = get(span, "shared");
	if (v && json_is_true(v))
		set_default(attrs, "zipkin.shared", json_true());
	v = get(span, "debug");
	if (v && json_is_true(v))
		set_default(attrs, "zipkin.debug", json_true());
	return 0;
}

/* The span's annotations as events of REC. */
static int zipkin_annotations(const json_t *span, json_t *rec, struct obs_error *e)
{
	const json_t *anns = get(span, "annotations"), *ann;
	size_t i;

	if (anns && !json_is_array(anns))
		return obs_error_set(e, "'annotations' is not an array");
	json_array_foreach(anns, i, ann) {
		const json_t *value = get(ann, "value");
		int64_t t;

		if (!json_is_object(ann))
			return obs_error_set(e, "annotation %zu: not an object", i + 1);
		if (micros(get(ann, "timestamp"), "timestamp", &t, e) < 0)
			return obs_error_prefix(e, "annotation %zu", i + 1);
		if (!t)
			return obs_error_set(e, "annotation %zu: missing timestamp", i + 1);
		if (value && (!json_is_string(value) || !string_clean(value)))
			return obs_error_set(e, "annotation %zu: 'value' is not a string", i + 1);
		if (obs_span_add_event(rec, t, value ? json_string_value(value) : "", NULL) < 0)
			return obs_error_set(e, "out of memory");
	}
	return 0;
}

/* What a Zipkin span's record is made of besides attributes, resource and events. */
struct zipkin_head {
	char tid[2 * TRACE_BYTES + 1], sid[2 * SPAN_BYTES + 1], pid[2 * SPAN_BYTES + 1];
	const json_t *name;  /* borrowed from the span, or NULL */
	char kind[16];
	int64_t start, dur;
};

/* Check SPAN's ids, name, kind and times into H. */
static int zipkin_head(const json_t *span, struct zipkin_head *h, struct obs_error *e)
{
	if (!json_is_object(span))
		return obs_error_set(e, "not an object");
	if (id_field(get(span, "traceId"), "trace id", TRACE_BYTES, 1, 0, ID_REQUIRED, h->tid,
		     e) < 0 ||
	    id_field(get(span, "id"), "span id", SPAN_BYTES, 1, 0, ID_REQUIRED, h->sid, e) < 0 ||
	    id_field(get(span, "parentId"), "parent span id", SPAN_BYTES, 1, 0, ID_PARENT, h->pid,
		     e) < 0)
		return -1;
	h->name = get(span, "name");
	if (h->name && (!json_is_string(h->name) || !string_clean(h->name)))
		return obs_error_set(e, "'name' is not a string");
	if (zipkin_kind(get(span, "kind"), h->kind, sizeof(h->kind), e) < 0)
		return -1;
	return zipkin_times(span, &h->start, &h->dur, e);
}

/* One Zipkin v2 span as a span record in *RECP (new reference), its start in *STARTP. */
static int zipkin_span(const json_t *span, json_t **recp, int64_t *startp, struct obs_error *e)
{
	struct zipkin_head h;
	struct tag_status ts = { 0 };
	const json_t *local_sn;
	const char *status, *msg;
	json_t *rec = NULL, *attrs = NULL, *resource = NULL;
	char *service = NULL;
	int ret = -1;

	*recp = NULL;
	if (zipkin_head(span, &h, e) < 0)
		return -1;
	attrs = json_object();
	if (zipkin_attrs(span, attrs, &ts, &local_sn, e) < 0)
		goto out;
	resource = json_object();
	if (local_sn)
		json_object_set_new(resource, "service.name", string_copy(local_sn));
	service = service_of(resource);
	tag_status_result(&ts, &status, &msg);
	if (service)
		rec = obs_span_new(h.tid, h.sid, h.pid[0] ? h.pid : NULL,
				   h.name ? json_string_value(h.name) : "", service, h.kind, h.start,
				   h.start + h.dur, status, msg);
	if (!rec) {
		obs_error_set(e, "out of memory");
		goto out;
	}
	json_object_update(json_object_get(rec, "attributes"), attrs);
	if (zipkin_annotations(span, rec, e) < 0)
		goto out;
	if (finish_record(rec, resource, NULL) < 0) {
		obs_error_set(e, "out of memory");
		goto out;
	}
	*recp = rec;
	rec = NULL;
	*startp = h.start;
	ret = 0;
out:
	tag_status_release(&ts);
	json_decref(rec);
	json_decref(attrs);
	json_decref(resource);
	free(service);
	return ret;
}

int obs_import_zipkin_json(struct obs_import *im, json_t *doc, struct obs_error *err)
{
	const json_t *el, *span;
	unsigned long n = 0;
	struct obs_error e;
	size_t i, j;
	json_t *rec;
	int64_t start = 0;

	if (!json_is_array(doc))
		return obs_error_set(err, "not a Zipkin span array");
	json_array_foreach(doc, i, el) {
		/* An array of traces (/api/v2/traces) holds arrays of spans. */
		size_t count = json_is_array(el) ? json_array_size(el) : 1;

		for (j = 0; j < count; j++) {
			span = json_is_array(el) ? json_array_get(el, j) : el;
			n++;
			if (zipkin_span(span, &rec, &start, &e) < 0) {
				report(im, "span %lu: %s", n, e.msg);
				continue;
			}
			if (emit(im, rec, start, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- Jaeger JSON ----------------------------------------------------- */

/* A Jaeger tag's value, typed by its "type" (new reference), or NULL with e. */
static json_t *jaeger_value(const json_t *kv, struct obs_error *e)
{
	const json_t *type = get(kv, "type"), *v = get(kv, "value");
	const char *t = json_string_value(type);
	char q[QUOTE_MAX + 8];
	int64_t n;

	if (!type) {
		if (!v)
			return json_null();
		if (json_is_string(v))
			return string_copy(v);
		if (json_is_number(v) || json_is_boolean(v))
			return json_deep_copy(v);
		obs_error_set(e, "value is not a string, number or boolean");
		return NULL;
	}
	if (!t) {
		obs_error_set(e, "'type' is not a string");
		return NULL;
	}
	if (!strcasecmp(t, "string") || !strcasecmp(t, "binary")) {
		if (json_is_string(v))
			return string_copy(v);
		obs_error_set(e, "value is not a string");
		return NULL;
	}
	if (!strcasecmp(t, "bool")) {
		if (json_is_boolean(v))
			return json_boolean(json_is_true(v));
		if (json_is_string(v) && !strcmp(json_string_value(v), "true"))
			return json_true();
		if (json_is_string(v) && !strcmp(json_string_value(v), "false"))
			return json_false();
		obs_error_set(e, "value is not a boolean");
		return NULL;
	}
	if (!strcasecmp(t, "int64")) {
		if (to_i64(v, &n) == 0)
			return json_integer(n);
		obs_error_set(e, "value is not a 64-bit integer");
		return NULL;
	}
	if (!strcasecmp(t, "float64"))
		return to_double(v, e, "value");
	obs_error_set(e, "unknown type '%s'", quote(t, json_string_length(type), q, sizeof(q)));
	return NULL;
}

/*
 * Add the tag list LIST to DST. With TS, the status tags are taken out;
 * with KIND, a valid span.kind tag is too.
 */
static int jaeger_tags(const json_t *list, json_t *dst, struct tag_status *ts, const char **kind,
		       struct obs_error *e)
{
	static const char *const jkinds[] = { "client", "server", "producer", "consumer",
					      "internal" };
	char q[QUOTE_MAX + 8];
	const json_t *kv, *key;
	const char *k;
	json_t *val;
	size_t i, j;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return obs_error_set(e, "'tags' is not an array");
	json_array_foreach(list, i, kv) {
		key = get(kv, "key");
		if (!json_is_object(kv))
			return obs_error_set(e, "tag %zu is not an object", i + 1);
		if (!json_is_string(key) || !string_clean(key))
			return obs_error_set(e, "tag %zu has no key", i + 1);
		k = json_string_value(key);
		val = jaeger_value(kv, e);
		if (!val)
			return obs_error_prefix(e, "tag '%s'", quote(k, strlen(k), q, sizeof(q)));
		if (ts && tag_status_take(ts, k, val, 0)) {
			json_decref(val);
			continue;
		}
		if (kind && !strcmp(k, "span.kind") && json_is_string(val)) {
			for (j = 0; j < 5; j++)
				if (!strcmp(json_string_value(val), jkinds[j]))
					break;
			if (j < 5) {
				*kind = jkinds[j];
				json_decref(val);
				continue;
			}
		}
		json_object_set_new(dst, k, val);
	}
	return 0;
}

/* The process of SPAN as a resource object (new), or NULL with e. */
static json_t *jaeger_process(const json_t *span, const json_t *processes, struct obs_error *e)
{
	const json_t *proc = get(span, "process"), *pid = get(span, "processID"), *sn;
	char q[QUOTE_MAX + 8];
	json_t *res;

	if (!proc && pid) {
		if (!json_is_string(pid)) {
			obs_error_set(e, "'processID' is not a string");
			return NULL;
		}
		proc = json_object_get(processes, json_string_value(pid));
		if (!proc) {
			obs_error_set(e, "unknown process '%s'",
				      quote(json_string_value(pid), json_string_length(pid), q,
					    sizeof(q)));
			return NULL;
		}
	}
	res = json_object();
	if (!proc)
		return res;
	if (!json_is_object(proc)) {
		obs_error_set(e, "process: not an object");
		goto fail;
	}
	sn = get(proc, "serviceName");
	if (sn && (!json_is_string(sn) || !string_clean(sn))) {
		obs_error_set(e, "process: 'serviceName' is not a string");
		goto fail;
	}
	if (sn && json_string_length(sn) > 0)
		json_object_set_new(res, "service.name", string_copy(sn));
	if (jaeger_tags(get(proc, "tags"), res, NULL, NULL, e) < 0) {
		obs_error_prefix(e, "process");
		goto fail;
	}
	return res;
fail:
	json_decref(res);
	return NULL;
}

/*
 * References: the parent into PID (first CHILD_OF within the trace, else
 * first FOLLOWS_FROM), the others into *links. 0 / -1 with e.
 */
static int jaeger_refs(const json_t *refs, const char *tid, char *pid, json_t **links,
		       struct obs_error *e)
{
	char rt[2 * TRACE_BYTES + 1], rs[2 * SPAN_BYTES + 1], q[QUOTE_MAX + 8];
	const json_t *ref, *type;
	int parent = -1, follows = -1;
	size_t i, n = json_array_size(refs);
	json_t *l;
	int *child;

	*links = NULL;
	if (!refs)
		return 0;
	if (!json_is_array(refs))
		return obs_error_set(e, "'references' is not an array");
	child = calloc(n ? n : 1, sizeof(*child));
	if (!child)
		return obs_error_set(e, "out of memory");
	/* First pass: validate and pick the parent. */
	json_array_foreach(refs, i, ref) {
		const char *t;

		if (!json_is_object(ref)) {
			obs_error_set(e, "reference %zu: not an object", i + 1);
			goto fail;
		}
		type = get(ref, "refType");
		t = json_string_value(type);
		if (!type)
			t = "CHILD_OF";
		if (!t || (strcasecmp(t, "CHILD_OF") && strcasecmp(t, "FOLLOWS_FROM"))) {
			obs_error_set(e, "reference %zu: unknown refType %s", i + 1,
				      describe(type, q, sizeof(q)));
			goto fail;
		}
		child[i] = !strcasecmp(t, "CHILD_OF");
		if (id_field(get(ref, "traceID"), "trace id", TRACE_BYTES, 1, 0, ID_REQUIRED, rt,
			     e) < 0 ||
		    id_field(get(ref, "spanID"), "span id", SPAN_BYTES, 1, 0, ID_REQUIRED, rs,
			     e) < 0) {
			obs_error_prefix(e, "reference %zu", i + 1);
			goto fail;
		}
		if (strcmp(rt, tid))
			continue;
		if (child[i] && parent < 0)
			parent = (int)i;
		if (!child[i] && follows < 0)
			follows = (int)i;
	}
	if (parent < 0)
		parent = follows;
	*links = json_array();
	json_array_foreach(refs, i, ref) {
		id_field(get(ref, "traceID"), "trace id", TRACE_BYTES, 1, 0, ID_REQUIRED, rt, e);
		id_field(get(ref, "spanID"), "span id", SPAN_BYTES, 1, 0, ID_REQUIRED, rs, e);
		if ((int)i == parent) {
			memcpy(pid, rs, sizeof(rs));
			continue;
		}
		l = json_pack("{s:s, s:s, s:{s:s}}", "trace_id", rt, "span_id", rs, "attributes",
			      "opentracing.ref_type", child[i] ? "child_of" : "follows_from");
		if (!l || json_array_append_new(*links, l) < 0) {
			obs_error_set(e, "out of memory");
			goto fail;
		}
	}
	free(child);
	return 0;
fail:
	free(child);
	json_decref(*links);
	*links = NULL;
	return -1;
}

static int jaeger_logs(json_t *rec, const json_t *logs, struct obs_error *e)
{
	const json_t *log, *ev;
	json_t *attrs = NULL;
	char *name = NULL;
	int64_t t;
	size_t i;

	if (!logs)
		return 0;
	if (!json_is_array(logs))
		return obs_error_set(e, "'logs' is not an array");
	json_array_foreach(logs, i, log) {
		if (!json_is_object(log)) {
			obs_error_set(e, "not an object");
			goto fail;
		}
		if (micros(get(log, "timestamp"), "timestamp", &t, e) < 0)
			goto fail;
		if (!t) {
			obs_error_set(e, "missing timestamp");
			goto fail;
		}
		attrs = json_object();
		if (jaeger_tags(get(log, "fields"), attrs, NULL, NULL, e) < 0)
			goto fail;
		ev = json_object_get(attrs, "event");
		name = strdup(json_is_string(ev) && string_clean(ev) ? json_string_value(ev) : "log");
		if (!name) {
			obs_error_set(e, "out of memory");
			goto fail;
		}
		if (json_is_string(ev))
			json_object_del(attrs, "event");
		if (obs_span_add_event(rec, t, name, attrs) < 0) {
			attrs = NULL;
			obs_error_set(e, "out of memory");
			goto fail;
		}
		attrs = NULL;
		free(name);
		name = NULL;
	}
	return 0;
fail:
	free(name);
	json_decref(attrs);
	return obs_error_prefix(e, "log %zu", i + 1);
}

static int jaeger_span(const json_t *span, const json_t *processes, json_t **recp,
		       int64_t *startp, struct obs_error *e)
{
	char tid[2 * TRACE_BYTES + 1], sid[2 * SPAN_BYTES + 1], pid[2 * SPAN_BYTES + 1];
	const json_t *name, *v;
	const char *kind = "internal", *status, *msg;
	struct tag_status ts = { 0 };
	json_t *rec = NULL, *attrs = NULL, *resource = NULL, *links = NULL;
	int64_t start, dur;
	char *service = NULL;
	int ret = -1;

	*recp = NULL;
	pid[0] = '\0';
	if (!json_is_object(span))
		return obs_error_set(e, "not an object");
	if (id_field(get(span, "traceID"), "trace id", TRACE_BYTES, 1, 0, ID_REQUIRED, tid, e) < 0 ||
	    id_field(get(span, "spanID"), "span id", SPAN_BYTES, 1, 0, ID_REQUIRED, sid, e) < 0)
		return -1;
	if (jaeger_refs(get(span, "references"), tid, pid, &links, e) < 0)
		return -1;
	if (!pid[0] &&
	    id_field(get(span, "parentSpanID"), "parent span id", SPAN_BYTES, 1, 0, ID_PARENT, pid,
		     e) < 0)
		goto out;
	name = get(span, "operationName");
	if (name && (!json_is_string(name) || !string_clean(name))) {
		obs_error_set(e, "'operationName' is not a string");
		goto out;
	}
	if (micros(get(span, "startTime"), "startTime", &start, e) < 0)
		goto out;
	if (!start) {
		obs_error_set(e, "missing start time: no 'startTime'");
		goto out;
	}
	v = get(span, "duration");
	if (!v) {
		obs_error_set(e, "missing end time: no 'duration'");
		goto out;
	}
	if (micros(v, "duration", &dur, e) < 0)
		goto out;
	if (dur > INT64_MAX - start) {
		obs_error_set(e, "'duration' out of range");
		goto out;
	}
	attrs = json_object();
	if (jaeger_tags(get(span, "tags"), attrs, &ts, &kind, e) < 0)
		goto out;
	resource = jaeger_process(span, processes, e);
	if (!resource)
		goto out;
	service = service_of(resource);
	if (!service) {
		obs_error_set(e, "out of memory");
		goto out;
	}
	tag_status_result(&ts, &status, &msg);
	rec = obs_span_new(tid, sid, pid[0] ? pid : NULL, name ? json_string_value(name) : "",
			   service, kind, start, start + dur, status, msg);
	if (!rec) {
		obs_error_set(e, "out of memory");
		goto out;
	}
	json_object_update(json_object_get(rec, "attributes"), attrs);
	if (jaeger_logs(rec, get(span, "logs"), e) < 0)
		goto out;
	if (finish_record(rec, resource, links) < 0) {
		links = NULL;
		obs_error_set(e, "out of memory");
		goto out;
	}
	links = NULL;
	*recp = rec;
	rec = NULL;
	*startp = start;
	ret = 0;
out:
	tag_status_release(&ts);
	json_decref(rec);
	json_decref(attrs);
	json_decref(resource);
	json_decref(links);
	free(service);
	return ret;
}

/* One trace object {traceID, spans, processes}. */
static int jaeger_trace(struct obs_import *im, const json_t *trace, const char *where,
			unsigned long *n, struct obs_error *err)
{
	const json_t *spans = get(trace, "spans"), *processes = get(trace, "processes"), *span;
	struct obs_error e;
	json_t *rec;
	int64_t start = 0;
	size_t i;

	if (!spans)
		return 0;
	if (!json_is_array(spans)) {
		report(im, "%s'spans' is not an array", where);
		return 0;
	}
	json_array_foreach(spans, i, span) {
		++*n;
		if (jaeger_span(span, processes, &rec, &start, &e) < 0) {
			report(im, "span %lu: %s", *n, e.msg);
			continue;
		}
		if (emit(im, rec, start, err) < 0)
			return -1;
	}
	return 0;
}

int obs_import_jaeger_json(struct obs_import *im, json_t *doc, struct obs_error *err)
{
	const json_t *data, *trace;
	unsigned long n = 0;
	char where[48];
	size_t i;

	if (!json_is_object(doc))
		return obs_error_set(err, "not a Jaeger trace document");
	data = get(doc, "data");
	if (!data) {
		if (get(doc, "spans"))
			return jaeger_trace(im, doc, "", &n, err);
		return obs_error_set(err, "not a Jaeger trace document: missing 'data'");
	}
	if (!json_is_array(data))
		return obs_error_set(err, "not a Jaeger trace document: 'data' is not an array");
	json_array_foreach(data, i, trace) {
		snprintf(where, sizeof(where), "data[%zu]: ", i);
		if (!json_is_object(trace)) {
			report(im, "data[%zu]: not an object", i);
			continue;
		}
		if (jaeger_trace(im, trace, where, &n, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- formats --------------------------------------------------------- */

static const char *const format_names[] = { "auto", "otlp", "zipkin", "jaeger" };

int obs_import_format_parse(const char *name, enum obs_import_format *fmt)
{
	int i;

	for (i = 0; i < 4; i++)
		if (name && !strcmp(name, format_names[i])) {
			*fmt = (enum obs_import_format)i;
			return 0;
		}
	return -1;
}

const char *obs_import_format_name(enum obs_import_format fmt)
{
	return (unsigned)fmt < 4 ? format_names[fmt] : "unknown";
}

static int zipkin_like(const json_t *v)
{
	return json_is_object(v) && (json_object_get(v, "traceId") || json_object_get(v, "id"));
}

int obs_import_detect(const json_t *doc, enum obs_import_format *fmt)
{
	const json_t *first, *data;

	if (json_is_object(doc)) {
		if (get2(doc, "resourceSpans", "resource_spans") || json_object_size(doc) == 0) {
			*fmt = OBS_IMPORT_OTLP;
			return 1;
		}
		data = json_object_get(doc, "data");
		if (json_is_array(data) ||
		    (json_is_array(json_object_get(doc, "spans")) &&
		     (json_object_get(doc, "processes") || json_object_get(doc, "traceID")))) {
			*fmt = OBS_IMPORT_JAEGER;
			return 1;
		}
		return 0;
	}
	if (json_is_array(doc)) {
		first = json_array_get(doc, 0);
		if (!first || zipkin_like(first) ||
		    (json_is_array(first) &&
		     (json_array_size(first) == 0 || zipkin_like(json_array_get(first, 0))))) {
			*fmt = OBS_IMPORT_ZIPKIN;
			return 1;
		}
	}
	return 0;
}

int obs_import_json(struct obs_import *im, enum obs_import_format fmt, json_t *doc,
		    struct obs_error *err)
{
	if (fmt == OBS_IMPORT_AUTO && !obs_import_detect(doc, &fmt))
		return obs_error_set(err, "unrecognised trace format: expected OTLP JSON "
				     "(resourceSpans), Zipkin v2 JSON (an array of spans) or "
				     "Jaeger JSON (data)");
	switch (fmt) {
	case OBS_IMPORT_OTLP:
		return obs_import_otlp_json(im, doc, err);
	case OBS_IMPORT_ZIPKIN:
		return obs_import_zipkin_json(im, doc, err);
	case OBS_IMPORT_JAEGER:
		return obs_import_jaeger_json(im, doc, err);
	default:
		return obs_error_set(err, "unknown import format %d", (int)fmt);
	}
}

void obs_import_init(struct obs_import *im, obs_import_emit_fn *emit_fn, obs_import_warn_fn *warn,
		     void *ctx)
{
	im->emit = emit_fn;
	im->warn = warn;
	im->ctx = ctx;
	im->spans = 0;
	im->rejected = 0;
}
