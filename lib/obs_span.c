/* SPDX-License-Identifier: MIT */
/* The span record: building it in canonical form, and its vocabulary. */
#include "obs_span.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_time.h"
#include "obs_tracectx.h"

/*
 * A JSON string for S (NULL is ""). Text from command lines need not be
 * UTF-8: bad bytes become U+FFFD rather than losing the whole record.
 */
static json_t *jstr(const char *s)
{
	json_t *v;
	char *clean;

	if (!s)
		s = "";
	v = json_string(s);
	if (v)
		return v;
	clean = obs_utf8_sanitize(s, strlen(s));
	v = clean ? json_string(clean) : NULL;
	free(clean);
	return v;
}

static json_t *jtime(int64_t ns)
{
	char buf[OBS_TIME_BUFSZ];

	obs_time_format(ns, buf, sizeof(buf));
	return json_string(buf);
}

/* (END - START) / 1e6, exact to the nanosecond unless the difference overflows. */
static double duration_ms(int64_t start, int64_t end)
{
	int64_t d;

	if (__builtin_sub_overflow(end, start, &d))
		return ((double)end - (double)start) / 1e6;
	return (double)d / 1e6;
}

json_t *obs_span_new(const char *trace_id, const char *span_id, const char *parent,
		     const char *name, const char *service, const char *kind,
		     int64_t start_ns, int64_t end_ns, const char *status,
		     const char *status_message)
{
	json_t *span = json_object();
	int r = 0;

	if (!span)
		return NULL;
	/* json_object_set_new fails (and returns -1) when given NULL. */
	r |= json_object_set_new(span, "type", json_string("span"));
	r |= json_object_set_new(span, "trace_id", jstr(trace_id));
	r |= json_object_set_new(span, "span_id", jstr(span_id));
	if (parent && *parent)
		r |= json_object_set_new(span, "parent_span_id", jstr(parent));
	r |= json_object_set_new(span, "name", jstr(name));
	r |= json_object_set_new(span, "service", jstr(service));
	r |= json_object_set_new(span, "kind", jstr(kind ? kind : "internal"));
	r |= json_object_set_new(span, "start", jtime(start_ns));
	r |= json_object_set_new(span, "end", jtime(end_ns));
	r |= json_object_set_new(span, "duration_ms", json_real(duration_ms(start_ns, end_ns)));
	r |= json_object_set_new(span, "status", jstr(status ? status : "unset"));
	if (status_message)
		r |= json_object_set_new(span, "status_message", jstr(status_message));
	r |= json_object_set_new(span, "attributes", json_object());
	r |= json_object_set_new(span, "events", json_array());
	r |= json_object_set_new(span, "resource", json_object());
	if (r) {
		json_decref(span);
		return NULL;
	}
	return span;
}

int obs_span_add_event(json_t *span, int64_t time_ns, const char *name, json_t *attrs)
{
	json_t *events = json_object_get(span, "events"), *ev;
	int r = 0;

	if (!attrs)
		attrs = json_object();
	if (!json_is_array(events) || !json_is_object(attrs)) {
		json_decref(attrs);
		return -1;
	}
	ev = json_object();
	if (!ev) {
		json_decref(attrs);
		return -1;
	}
	r |= json_object_set_new(ev, "time", jtime(time_ns));
	r |= json_object_set_new(ev, "name", jstr(name));
	r |= json_object_set_new(ev, "attributes", attrs);
	if (r) {
		json_decref(ev);
		return -1;
	}
	return json_array_append_new(events, ev);
}

static int one_of(const char *s, const char *const *set)
{
	if (!s)
		return 0;
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

int obs_span_kind_valid(const char *kind)
{
	static const char *const kinds[] = {
		"internal", "server", "client", "producer", "consumer", NULL
	};

	return one_of(kind, kinds);
}

int obs_span_status_valid(const char *status)
{
	static const char *const statuses[] = { "ok", "error", "unset", NULL };

	return one_of(status, statuses);
}

/* [-+]?[0-9]+ fitting in 64 bits. */
static int parse_int(const char *s, json_int_t *v)
{
	const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
	long long ll;

	if (!*d || strspn(d, "0123456789") != strlen(d))
		return 0;
	errno = 0;
	ll = strtoll(s, NULL, 10);
	if (errno)
		return 0;
	*v = ll;
	return 1;
}

/* A decimal number as strtod reads it, finite; no hex, inf or nan. */
static int parse_real(const char *s, double *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
		return 0;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v);
}

static json_t *attr_value(const char *s)
{
	size_t len = strlen(s);
	json_int_t i;
	double d;

	if (parse_int(s, &i))
		return json_integer(i);
	if (parse_real(s, &d))
		return json_real(d);
	if (!strcmp(s, "true"))
		return json_true();
	if (!strcmp(s, "false"))
		return json_false();
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		char *inner = strndup(s + 1, len - 2);
		json_t *v = inner ? jstr(inner) : NULL;

		free(inner);
		return v;
	}
	return jstr(s);
}

int obs_attr_parse_set(json_t *obj, const char *kv, struct obs_error *err)
{
	const char *eq = kv ? strchr(kv, '=') : NULL;
	char *key = NULL;
	json_t *k = NULL;
	int ret = -1;

	if (!eq || eq == kv)
		return obs_error_set(err, "invalid attribute '%s': expected KEY=VALUE",
				     kv ? kv : "");
	key = strndup(kv, (size_t)(eq - kv));
	k = key ? jstr(key) : NULL;   /* the key as valid UTF-8 */
	if (!k || json_object_set_new(obj, json_string_value(k), attr_value(eq + 1)) < 0) {
		obs_error_set(err, "cannot set attribute '%s': out of memory", kv);
		goto out;
	}
	ret = 0;
out:
	json_decref(k);
	free(key);
	return ret;
}

/*
 * OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2"; values percent-decoded, OWS
 * trimmed, empty members skipped) into OBJ. Set keys override existing
 * ones, except SKIP (may be NULL). A malformed list is dropped whole, as
 * the OpenTelemetry SDK spec says: 0 with nothing added. 1 added, -1 out
 * of memory.
 */
static int env_resource(json_t *obj, const char *skip)
{
	const char *s = getenv("OTEL_RESOURCE_ATTRIBUTES"), *p;
	json_t *tmp, *v;
	const char *k;
	int ret = -1;

	if (!s || !*s)
		return 0;
	tmp = json_object();
	if (!tmp)
		return -1;
	for (p = s;;) {
		const char *end = strchr(p, ',');
		const char *b = p, *e = end ? end : p + strlen(p), *eq, *kb, *ke, *vb, *ve;
		char *key = NULL, *val = NULL;
		int r;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b < e) {
			eq = memchr(b, '=', (size_t)(e - b));
			if (!eq) {
				ret = 0;
				goto out;
			}
			kb = b;
			ke = eq;
			while (ke > kb && (ke[-1] == ' ' || ke[-1] == '\t'))
				ke--;
			vb = eq + 1;
			ve = e;
			while (vb < ve && (*vb == ' ' || *vb == '\t'))
				vb++;
			if (kb == ke) {
				ret = 0;
				goto out;
			}
			r = obs_percent_decode(vb, (size_t)(ve - vb), &val);
			if (r <= 0) {
				ret = r;
				goto out;
			}
			key = obs_utf8_sanitize(kb, (size_t)(ke - kb));
			r = key ? json_object_set_new(tmp, key, json_string(val)) : -1;
			free(key);
			free(val);
			if (r < 0)
				goto out;
		}
		if (!end)
			break;
		p = end + 1;
	}
	json_object_foreach(tmp, k, v) {
		if (skip && !strcmp(k, skip))
			continue;
		if (json_object_set(obj, k, v) < 0)
			goto out;
	}
	ret = 1;
out:
	json_decref(tmp);
	return ret;
}

const char *obs_service_name(const char *fallback)
{
	static char *from_resource;
	const char *s = getenv("OBS_SERVICE");
	json_t *attrs;

	if (s && *s)
		return s;
	s = getenv("OTEL_SERVICE_NAME");
	if (s && *s)
		return s;
	free(from_resource);
	from_resource = NULL;
	attrs = json_object();
	if (attrs && env_resource(attrs, NULL) > 0) {
		s = json_string_value(json_object_get(attrs, "service.name"));
		if (s && *s)
			from_resource = strdup(s);
	}
	json_decref(attrs);
	return from_resource ? from_resource : fallback;
}

json_t *obs_resource_new(const char *service)
{
	char host[HOST_NAME_MAX + 1];
	json_t *res = json_object();

	if (!res)
		return NULL;
	if (!service)
		service = obs_service_name("unknown_service");
	if (json_object_set_new(res, "service.name", jstr(service)) < 0)
		goto fail;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if (json_object_set_new(res, "host.name", jstr(host)) < 0)
			goto fail;
	}
	/* The user's attributes beat detected ones; SERVICE was chosen already. */
	if (env_resource(res, "service.name") < 0)
		goto fail;
	return res;
fail:
	json_decref(res);
	return NULL;
}
