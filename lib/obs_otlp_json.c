/* SPDX-License-Identifier: MIT */
/* OTLP/HTTP JSON requests re-encoded as protobuf from a table of the OTLP schema. */
#include "obs_otlp_json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_text.h"

enum ftype {
	T_MSG, T_STRING, T_BYTES, T_ID, T_BOOL, T_ENUM, T_UINT32, T_SINT32,
	T_INT64, T_UINT64, T_FIXED64, T_SFIXED64, T_FIXED32, T_DOUBLE,
};

struct enum_value {
	const char *name;
	int value;
};

struct message;

struct field {
	const char *name;                 /* proto name; JSON also takes its lowerCamelCase */
	uint32_t num;
	unsigned char type;               /* enum ftype */
	unsigned char repeated;
	const struct message *msg;        /* T_MSG */
	const struct enum_value *values;  /* T_ENUM, NULL-terminated */
};

struct message {
	const struct field *fields;       /* ends with a NULL name */
};

#define F(n, num, t) { n, num, t, 0, NULL, NULL }
#define R(n, num, t) { n, num, t, 1, NULL, NULL }
#define M(n, num, m) { n, num, T_MSG, 0, &m, NULL }
#define RM(n, num, m) { n, num, T_MSG, 1, &m, NULL }
#define E(n, num, e) { n, num, T_ENUM, 0, NULL, e }
#define END { NULL, 0, 0, 0, NULL, NULL }

/* ---- the schema (opentelemetry-proto v1) ----------------------------------------- */

static const struct message any_value, key_value;

static const struct field array_value_f[] = { RM("values", 1, any_value), END };
static const struct message array_value = { array_value_f };
static const struct field kvlist_f[] = { RM("values", 1, key_value), END };
static const struct message kvlist = { kvlist_f };
static const struct field any_value_f[] = {
	F("string_value", 1, T_STRING), F("bool_value", 2, T_BOOL), F("int_value", 3, T_INT64),
	F("double_value", 4, T_DOUBLE), M("array_value", 5, array_value),
	M("kvlist_value", 6, kvlist), F("bytes_value", 7, T_BYTES), END,
};
static const struct message any_value = { any_value_f };
static const struct field key_value_f[] = { F("key", 1, T_STRING), M("value", 2, any_value), END };
static const struct message key_value = { key_value_f };
static const struct field scope_f[] = {
	F("name", 1, T_STRING), F("version", 2, T_STRING), RM("attributes", 3, key_value),
	F("dropped_attributes_count", 4, T_UINT32), END,
};
static const struct message scope = { scope_f };
static const struct field resource_f[] = {
	RM("attributes", 1, key_value), F("dropped_attributes_count", 2, T_UINT32), END,
};
static const struct message resource = { resource_f };

/* trace */
static const struct enum_value span_kinds[] = {
	{ "SPAN_KIND_UNSPECIFIED", 0 }, { "SPAN_KIND_INTERNAL", 1 }, { "SPAN_KIND_SERVER", 2 },
	{ "SPAN_KIND_CLIENT", 3 }, { "SPAN_KIND_PRODUCER", 4 }, { "SPAN_KIND_CONSUMER", 5 },
	{ NULL, 0 },
};
static const struct enum_value status_codes[] = {
	{ "STATUS_CODE_UNSET", 0 }, { "STATUS_CODE_OK", 1 }, { "STATUS_CODE_ERROR", 2 },
	{ NULL, 0 },
};
static const struct field event_f[] = {
	F("time_unix_nano", 1, T_FIXED64), F("name", 2, T_STRING), RM("attributes", 3, key_value),
	F("dropped_attributes_count", 4, T_UINT32), END,
};
static const struct message event = { event_f };
static const struct field link_f[] = {
	F("trace_id", 1, T_ID), F("span_id", 2, T_ID), F("trace_state", 3, T_STRING),
	RM("attributes", 4, key_value), F("dropped_attributes_count", 5, T_UINT32),
	F("flags", 6, T_FIXED32), END,
};
static const struct message link = { link_f };
static const struct field status_f[] = {
	F("message", 2, T_STRING), E("code", 3, status_codes), END,
};
static const struct message status = { status_f };
static const struct field span_f[] = {
	F("trace_id", 1, T_ID), F("span_id", 2, T_ID), F("trace_state", 3, T_STRING),
	F("parent_span_id", 4, T_ID), F("flags", 16, T_FIXED32), F("name", 5, T_STRING),
	E("kind", 6, span_kinds), F("start_time_unix_nano", 7, T_FIXED64),
	F("end_time_unix_nano", 8, T_FIXED64), RM("attributes", 9, key_value),
	F("dropped_attributes_count", 10, T_UINT32), RM("events", 11, event),
	F("dropped_events_count", 12, T_UINT32), RM("links", 13, link),
	F("dropped_links_count", 14, T_UINT32), M("status", 15, status), END,
};
static const struct message span = { span_f };
static const struct field scope_spans_f[] = {
	M("scope", 1, scope), RM("spans", 2, span), F("schema_url", 3, T_STRING), END,
};
static const struct message scope_spans = { scope_spans_f };
static const struct field resource_spans_f[] = {
	M("resource", 1, resource), RM("scope_spans", 2, scope_spans),
	F("schema_url", 3, T_STRING), END,
};
static const struct message resource_spans = { resource_spans_f };
static const struct field traces_f[] = { RM("resource_spans", 1, resource_spans), END };
static const struct message traces_request = { traces_f };

/* metrics */
static const struct enum_value temporalities[] = {
	{ "AGGREGATION_TEMPORALITY_UNSPECIFIED", 0 }, { "AGGREGATION_TEMPORALITY_DELTA", 1 },
	{ "AGGREGATION_TEMPORALITY_CUMULATIVE", 2 }, { NULL, 0 },
};
static const struct field exemplar_f[] = {
	RM("filtered_attributes", 7, key_value), F("time_unix_nano", 2, T_FIXED64),
	F("as_double", 3, T_DOUBLE), F("as_int", 6, T_SFIXED64), F("span_id", 4, T_ID),
	F("trace_id", 5, T_ID), END,
};
static const struct message exemplar = { exemplar_f };
static const struct field number_dp_f[] = {
	RM("attributes", 7, key_value), F("start_time_unix_nano", 2, T_FIXED64),
	F("time_unix_nano", 3, T_FIXED64), F("as_double", 4, T_DOUBLE),
	F("as_int", 6, T_SFIXED64), RM("exemplars", 5, exemplar), F("flags", 8, T_UINT32), END,
};
static const struct message number_dp = { number_dp_f };
static const struct field histogram_dp_f[] = {
	RM("attributes", 9, key_value), F("start_time_unix_nano", 2, T_FIXED64),
	F("time_unix_nano", 3, T_FIXED64), F("count", 4, T_FIXED64), F("sum", 5, T_DOUBLE),
	R("bucket_counts", 6, T_FIXED64), R("explicit_bounds", 7, T_DOUBLE),
	RM("exemplars", 8, exemplar), F("flags", 10, T_UINT32), F("min", 11, T_DOUBLE),
	F("max", 12, T_DOUBLE), END,
};
static const struct message histogram_dp = { histogram_dp_f };
static const struct field buckets_f[] = {
	F("offset", 1, T_SINT32), R("bucket_counts", 2, T_UINT64), END,
};
static const struct message buckets = { buckets_f };
static const struct field exp_histogram_dp_f[] = {
	RM("attributes", 1, key_value), F("start_time_unix_nano", 2, T_FIXED64),
	F("time_unix_nano", 3, T_FIXED64), F("count", 4, T_FIXED64), F("sum", 5, T_DOUBLE),
	F("scale", 6, T_SINT32), F("zero_count", 7, T_FIXED64), M("positive", 8, buckets),
	M("negative", 9, buckets), F("flags", 10, T_UINT32), RM("exemplars", 11, exemplar),
	F("min", 12, T_DOUBLE), F("max", 13, T_DOUBLE), F("zero_threshold", 14, T_DOUBLE), END,
};
static const struct message exp_histogram_dp = { exp_histogram_dp_f };
static const struct field quantile_f[] = {
	F("quantile", 1, T_DOUBLE), F("value", 2, T_DOUBLE), END,
};
static const struct message quantile = { quantile_f };
static const struct field summary_dp_f[] = {
	RM("attributes", 7, key_value), F("start_time_unix_nano", 2, T_FIXED64),
	F("time_unix_nano", 3, T_FIXED64), F("count", 4, T_FIXED64), F("sum", 5, T_DOUBLE),
	RM("quantile_values", 6, quantile), F("flags", 8, T_UINT32), END,
};
static const struct message summary_dp = { summary_dp_f };
static const struct field gauge_f[] = { RM("data_points", 1, number_dp), END };
static const struct message gauge = { gauge_f };
static const struct field sum_f[] = {
	RM("data_points", 1, number_dp), E("aggregation_temporality", 2, temporalities),
	F("is_monotonic", 3, T_BOOL), END,
};
static const struct message sum = { sum_f };
static const struct field histogram_f[] = {
	RM("data_points", 1, histogram_dp), E("aggregation_temporality", 2, temporalities), END,
};
static const struct message histogram = { histogram_f };
static const struct field exp_histogram_f[] = {
	RM("data_points", 1, exp_histogram_dp), E("aggregation_temporality", 2, temporalities),
	END,
};
static const struct message exp_histogram = { exp_histogram_f };
static const struct field summary_f[] = { RM("data_points", 1, summary_dp), END };
static const struct message summary = { summary_f };
static const struct field metric_f[] = {
	F("name", 1, T_STRING), F("description", 2, T_STRING), F("unit", 3, T_STRING),
	M("gauge", 5, gauge), M("sum", 7, sum), M("histogram", 9, histogram),
	M("exponential_histogram", 10, exp_histogram), M("summary", 11, summary),
	RM("metadata", 12, key_value), END,
};
static const struct message metric = { metric_f };
static const struct field scope_metrics_f[] = {
	M("scope", 1, scope), RM("metrics", 2, metric), F("schema_url", 3, T_STRING), END,
};
static const struct message scope_metrics = { scope_metrics_f };
static const struct field resource_metrics_f[] = {
	M("resource", 1, resource), RM("scope_metrics", 2, scope_metrics),
	F("schema_url", 3, T_STRING), END,
};
static const struct message resource_metrics = { resource_metrics_f };
static const struct field metrics_f[] = { RM("resource_metrics", 1, resource_metrics), END };
static const struct message metrics_request = { metrics_f };

/* logs */
static const struct enum_value severities[] = {
	{ "SEVERITY_NUMBER_UNSPECIFIED", 0 },
	{ "SEVERITY_NUMBER_TRACE", 1 }, { "SEVERITY_NUMBER_TRACE2", 2 },
	{ "SEVERITY_NUMBER_TRACE3", 3 }, { "SEVERITY_NUMBER_TRACE4", 4 },
	{ "SEVERITY_NUMBER_DEBUG", 5 }, { "SEVERITY_NUMBER_DEBUG2", 6 },
	{ "SEVERITY_NUMBER_DEBUG3", 7 }, { "SEVERITY_NUMBER_DEBUG4", 8 },
	{ "SEVERITY_NUMBER_INFO", 9 }, { "SEVERITY_NUMBER_INFO2", 10 },
	{ "SEVERITY_NUMBER_INFO3", 11 }, { "SEVERITY_NUMBER_INFO4", 12 },
	{ "SEVERITY_NUMBER_WARN", 13 }, { "SEVERITY_NUMBER_WARN2", 14 },
	{ "SEVERITY_NUMBER_WARN3", 15 }, { "SEVERITY_NUMBER_WARN4", 16 },
	{ "SEVERITY_NUMBER_ERROR", 17 }, { "SEVERITY_NUMBER_ERROR2", 18 },
	{ "SEVERITY_NUMBER_ERROR3", 19 }, { "SEVERITY_NUMBER_ERROR4", 20 },
	{ "SEVERITY_NUMBER_FATAL", 21 }, { "SEVERITY_NUMBER_FATAL2", 22 },
	{ "SEVERITY_NUMBER_FATAL3", 23 }, { "SEVERITY_NUMBER_FATAL4", 24 },
	{ NULL, 0 },
};
static const struct field log_record_f[] = {
	F("time_unix_nano", 1, T_FIXED64), F("observed_time_unix_nano", 11, T_FIXED64),
	E("severity_number", 2, severities), F("severity_text", 3, T_STRING),
	M("body", 5, any_value), RM("attributes", 6, key_value),
	F("dropped_attributes_count", 7, T_UINT32), F("flags", 8, T_FIXED32),
	F("trace_id", 9, T_ID), F("span_id", 10, T_ID), F("event_name", 12, T_STRING), END,
};
static const struct message log_record = { log_record_f };
static const struct field scope_logs_f[] = {
	M("scope", 1, scope), RM("log_records", 2, log_record), F("schema_url", 3, T_STRING), END,
};
static const struct message scope_logs = { scope_logs_f };
static const struct field resource_logs_f[] = {
	M("resource", 1, resource), RM("scope_logs", 2, scope_logs),
	F("schema_url", 3, T_STRING), END,
};
static const struct message resource_logs = { resource_logs_f };
static const struct field logs_f[] = { RM("resource_logs", 1, resource_logs), END };
static const struct message logs_request = { logs_f };

/* ---- transcoding ----------------------------------------------------------------- */

struct tc {
	struct obs_pb_writer *w;
	struct obs_error *err;
	int depth;
	size_t plen;
	char path[4096];          /* where we are, for messages */
};

/* Add ".KEY" (or "[INDEX]" when KEY is NULL) to the path; *SAVED gets the length before. */
static void path_push(struct tc *c, const char *key, size_t index, size_t *saved)
{
	size_t room = sizeof(c->path) - c->plen;

	*saved = c->plen;
	if (room < 2)
		return;
	if (key)
		snprintf(c->path + c->plen, room, "%s%s", c->plen ? "." : "", key);
	else
		snprintf(c->path + c->plen, room, "[%zu]", index);
	c->plen += strlen(c->path + c->plen);
}

static void path_pop(struct tc *c, size_t saved)
{
	c->plen = saved;
	c->path[saved] = '\0';
}

static int fail(struct tc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct tc *c, const char *fmt, ...)
{
	char why[OBS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* A deep path keeps its two ends. (Errors always have a path: the top is checked first.) */
	if (c->plen > 200)
		return obs_error_set(c->err, "%.100s...%s: %s", c->path, c->path + c->plen - 100,
				     why);
	return obs_error_set(c->err, "%s: %s", c->path, why);
}

/* KEY is the proto name SNAKE or its lowerCamelCase form. */
static int name_is(const char *key, const char *snake)
{
	const char *k = key, *s = snake;

	if (!strcmp(key, snake))
		return 1;
	while (*s) {
		if (*s == '_' && s[1] >= 'a' && s[1] <= 'z') {
			if (*k != s[1] - 'a' + 'A')
				return 0;
			s += 2;
		} else {
			if (*k != *s)
				return 0;
			s++;
		}
		k++;
	}
	return *k == '\0';
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* A string of decimal digits (with '-' when SIGNED) into *V; 0 or -1. */
static int parse_decimal(const char *s, int is_signed, int64_t *sv, uint64_t *uv)
{
	char *end;

	if (!*s || (*s == '-' && !is_signed) || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	if (is_signed)
		*sv = (int64_t)strtoll(s, &end, 10);
	else
		*uv = (uint64_t)strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/*
 * An integer value: signed into *SV (IS_SIGNED) or unsigned into *UV, in
 * [MIN, MAX] for signed types and [0, UMAX] for unsigned ones.
 */
static int get_int(struct tc *c, const json_t *v, int is_signed, int64_t min, int64_t max,
		   uint64_t umax, int64_t *sv, uint64_t *uv)
{
	int64_t s = 0;
	uint64_t u = 0;

	if (json_is_integer(v)) {
		s = json_integer_value(v);
		if (!is_signed) {
			if (s < 0)
				goto range;
			u = (uint64_t)s;
		}
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d != floor(d))
			return fail(c, "expected an integer, got %.17g", d);
		if (is_signed) {
			if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
				goto range;
			s = (int64_t)d;
		} else {
			if (d < 0 || d >= 18446744073709551616.0)
				goto range;
			u = (uint64_t)d;
		}
	} else if (json_is_string(v)) {
		if (parse_decimal(json_string_value(v), is_signed, &s, &u) < 0)
			return fail(c, "invalid integer '%s'", json_string_value(v));
	} else {
		return fail(c, "expected an integer, got %s", type_name(v));
	}
	if (is_signed ? (s < min || s > max) : u > umax)
		goto range;
	*sv = s;
	*uv = u;
	return 0;
range:
	return fail(c, "integer out of range");
}

static int get_double(struct tc *c, const json_t *v, double *d)
{
	if (json_is_number(v)) {
		*d = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (!strcmp(s, "NaN")) {
			*d = NAN;
			return 0;
		}
		if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
			*d = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		if (*s && !strchr(" \t\n", *s)) {
			errno = 0;
			*d = strtod(s, &end);
			if (!*end && !isnan(*d) && !isinf(*d))
				return 0;
		}
		return fail(c, "invalid number '%s'", s);
	}
	return fail(c, "expected a number, got %s", type_name(v));
}

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

/* Base64 (standard or URL-safe, padding optional) S into OUT (room for len*3/4+3). -1 if invalid. */
static int base64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	uint32_t acc = 0;
	size_t i, n = 0, pad = 0;
	int bits = 0;

	while (len > 0 && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (pad && (len + pad) % 4)
		return -1;
	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = n;
	return 0;
}

/* A bytes field: base64, or (IS_ID) hex first. */
static int put_bytes(struct tc *c, uint32_t num, const json_t *v, int is_id)
{
	const char *s;
	size_t len, i, n = 0;
	uint8_t *buf;
	int hex = 1;

	if (!json_is_string(v))
		return fail(c, "expected a string, got %s", type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	buf = malloc(len / 2 + len * 3 / 4 + 4);
	if (!buf)
		return obs_error_set(c->err, "out of memory");
	if (is_id && len % 2 == 0) {
		for (i = 0; i < len && hex; i++)
			hex = obs_text_hexval((unsigned char)s[i]) >= 0;
		if (hex)
			for (i = 0; i < len; i += 2)
				buf[n++] = (uint8_t)(obs_text_hexval((unsigned char)s[i]) << 4 |
						     obs_text_hexval((unsigned char)s[i + 1]));
	} else {
		hex = 0;
	}
	if (!hex && base64_decode(s, len, buf, &n) < 0) {
		free(buf);
		return fail(c, is_id ? "invalid id '%.80s' (expected hex)" :
			    "invalid base64 '%.80s'", s);
	}
	obs_pb_put_bytes(c->w, num, buf, n);
	free(buf);
	return 0;
}

static int message(struct tc *c, const struct message *m, const json_t *obj);

/* One value of field F; IN_PACK: a packed element, without tag. */
static int value(struct tc *c, const struct field *f, const json_t *v, int in_pack)
{
	int64_t s = 0;
	uint64_t u = 0;
	double d = 0;

	switch (f->type) {
	case T_MSG:
		if (!json_is_object(v))
			return fail(c, "expected an object, got %s", type_name(v));
		if (c->depth >= OBS_PB_MAX_DEPTH - 1)
			return fail(c, "messages nested deeper than %d levels", OBS_PB_MAX_DEPTH);
		obs_pb_begin(c->w, f->num);
		c->depth++;
		if (message(c, f->msg, v) < 0)
			return -1;
		c->depth--;
		obs_pb_end(c->w);
		return 0;
	case T_STRING:
		if (!json_is_string(v))
			return fail(c, "expected a string, got %s", type_name(v));
		obs_pb_put_bytes(c->w, f->num, json_string_value(v), json_string_length(v));
		return 0;
	case T_BYTES:
	case T_ID:
		return put_bytes(c, f->num, v, f->type == T_ID);
	case T_BOOL:
		if (!json_is_boolean(v))
			return fail(c, "expected a boolean, got %s", type_name(v));
		u = json_is_true(v);
		break;
	case T_ENUM:
		if (json_is_string(v)) {
			const struct enum_value *e;

			for (e = f->values; e->name; e++)
				if (!strcmp(e->name, json_string_value(v)))
					break;
			if (!e->name && parse_decimal(json_string_value(v), 1, &s, &u) == 0 &&
			    s >= INT32_MIN && s <= INT32_MAX) {
				u = (uint64_t)s;
				break;
			}
			if (!e->name)
				return fail(c, "unknown enum value '%.80s'", json_string_value(v));
			u = (uint64_t)(int64_t)e->value;
			break;
		}
		if (get_int(c, v, 1, INT32_MIN, INT32_MAX, 0, &s, &u) < 0)
			return -1;
		u = (uint64_t)s;
		break;
	case T_SINT32:
		if (get_int(c, v, 1, INT32_MIN, INT32_MAX, 0, &s, &u) < 0)
			return -1;
		u = (uint64_t)(uint32_t)(((uint32_t)s << 1) ^ (uint32_t)(s < 0 ? -1 : 0));
		break;
	case T_UINT32:
	case T_FIXED32:
		if (get_int(c, v, 0, 0, 0, UINT32_MAX, &s, &u) < 0)
			return -1;
		break;
	case T_INT64:
	case T_SFIXED64:
		if (get_int(c, v, 1, INT64_MIN, INT64_MAX, 0, &s, &u) < 0)
			return -1;
		u = (uint64_t)s;
		break;
	case T_UINT64:
	case T_FIXED64:
		if (get_int(c, v, 0, 0, 0, UINT64_MAX, &s, &u) < 0)
			return -1;
		break;
	case T_DOUBLE:
		if (get_double(c, v, &d) < 0)
			return -1;
		memcpy(&u, &d, sizeof(u));
		break;
	}
	switch (f->type) {
	case T_FIXED64:
	case T_SFIXED64:
	case T_DOUBLE:
		if (in_pack) {
			uint8_t b[8];
			int i;

			for (i = 0; i < 8; i++)
				b[i] = (uint8_t)(u >> (8 * i));
			obs_pb_put_raw(c->w, b, 8);
		} else {
			obs_pb_put_fixed64(c->w, f->num, u);
		}
		break;
	case T_FIXED32:
		/* (no repeated fixed32 field in OTLP: never packed) */
		obs_pb_put_fixed32(c->w, f->num, (uint32_t)u);
		break;
	default:
		if (in_pack)
			obs_pb_put_varint(c->w, u);
		else
			obs_pb_put_uint64(c->w, f->num, u);
		break;
	}
	return 0;
}

static int repeated(struct tc *c, const struct field *f, const json_t *arr)
{
	int packed = f->type != T_MSG && f->type != T_STRING && f->type != T_BYTES &&
		     f->type != T_ID;
	size_t i, saved;
	json_t *v;

	if (!json_is_array(arr))
		return fail(c, "expected an array, got %s", type_name(arr));
	if (packed && json_array_size(arr))
		obs_pb_begin(c->w, f->num);
	json_array_foreach(arr, i, v) {
		path_push(c, NULL, i, &saved);
		if (json_is_null(v)) {
			if (f->type != T_MSG)
				return fail(c, "null in a list of scalars");
			obs_pb_begin(c->w, f->num);
			obs_pb_end(c->w);
		} else if (value(c, f, v, packed) < 0) {
			return -1;
		}
		path_pop(c, saved);
	}
	if (packed && json_array_size(arr))
		obs_pb_end(c->w);
	return 0;
}

static int message(struct tc *c, const struct message *m, const json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const struct field *f;
		size_t saved;
		int rc;

		for (f = m->fields; f->name; f++)
			if (name_is(key, f->name))
				break;
		if (!f->name || json_is_null(v))
			continue;   /* unknown fields are ignored, null is absent */
		path_push(c, key, 0, &saved);
		rc = f->repeated ? repeated(c, f, v) : value(c, f, v, 0);
		if (rc < 0)
			return -1;
		path_pop(c, saved);
	}
	return 0;
}

int obs_otlp_json_to_pb(enum obs_otlp_signal sig, const json_t *doc, struct obs_pb_writer *w,
			struct obs_error *err)
{
	static const struct message *const requests[] = { &traces_request, &metrics_request,
							  &logs_request };
	struct tc c;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.err = err;
	if ((unsigned)sig > OBS_OTLP_LOGS)
		return obs_error_set(err, "unknown OTLP signal");
	if (!json_is_object(doc))
		return obs_error_set(err, "not an OTLP JSON request: expected an object, got %s",
				     type_name(doc));
	if (message(&c, requests[sig], doc) < 0)
		return -1;
	return obs_pb_writer_check(w, err);
}

int obs_otlp_json_decode(struct obs_otlp_decoder *d, enum obs_otlp_signal sig, const json_t *doc,
			 struct obs_error *err)
{
	struct obs_pb_writer w;
	int rc;

	obs_pb_writer_init(&w);
	rc = obs_otlp_json_to_pb(sig, doc, &w, err);
	if (rc == 0)
		rc = obs_otlp_decode(d, sig, w.buf ? w.buf : (const uint8_t *)"", w.len, err);
	obs_pb_writer_release(&w);
	return rc;
}
