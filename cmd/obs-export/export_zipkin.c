/* SPDX-License-Identifier: MIT */
/* obs-export zipkin: span records as Zipkin v2 JSON, the inverse of obs-trace import's mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_time.h"

struct zipkin {
	struct xbuf body;
	struct obs_jscan js;
};

static int zipkin_setup(struct exp *x)
{
	struct zipkin *z = calloc(1, sizeof(*z));
	char *url;

	if (!z)
		abort();
	obs_jscan_init(&z->js);
	x->priv = z;
	if (!x->url)
		x->url = xstrdup("http://localhost:9411");
	if (!strstr(x->url, "/api/v2/spans")) {
		url = exp_url_join(x->url, "/api/v2/spans");
		free(x->url);
		x->url = url;
	}
	return 0;
}

static void zipkin_cleanup(struct exp *x)
{
	struct zipkin *z = x->priv;

	if (!z)
		return;
	xb_release(&z->body);
	obs_jscan_release(&z->js);
	free(z);
	x->priv = NULL;
}

/* The raw JSON text of a string token, quotes included (escapes kept as written). */
static void raw_string(struct xbuf *b, const struct obs_jscan *js, int tok)
{
	size_t n;
	const char *s = obs_jscan_raw(js, tok, &n);

	xb_char(b, '"');
	xb_raw(b, s, n);
	xb_char(b, '"');
}

/* Any value as a Zipkin tag: strings as they are, anything else as its JSON text. */
static void tag_value(struct xbuf *b, const struct obs_jscan *js, int tok)
{
	size_t n;
	const char *s;

	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING) {
		raw_string(b, js, tok);
		return;
	}
	s = obs_jscan_raw(js, tok, &n);
	xb_json(b, s, n);
}

static int is_special(const struct obs_jscan *js, int key)
{
	static const char *const names[] = {
		"network.local.address", "network.local.port", "network.peer.address",
		"network.peer.port", "peer.service", "zipkin.shared", "zipkin.debug",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (obs_jscan_streq(js, key, names[i]))
			return 1;
	return 0;
}

/* An endpoint from the attributes PREFIX.address / PREFIX.port (and peer.service). */
static void endpoint(struct xbuf *b, const struct obs_jscan *js, int attrs, const char *field,
		     const char *prefix, int service)
{
	char key[64];
	int addr, port, first = 1;
	size_t n;
	const char *s;

	snprintf(key, sizeof(key), "%s.address", prefix);
	addr = obs_jscan_get(js, attrs, key);
	snprintf(key, sizeof(key), "%s.port", prefix);
	port = obs_jscan_get(js, attrs, key);
	if (obs_jscan_type(js, addr) != OBS_JSCAN_STRING)
		addr = -1;
	if (obs_jscan_type(js, port) != OBS_JSCAN_NUMBER)
		port = -1;
	if (obs_jscan_type(js, service) != OBS_JSCAN_STRING)
		service = -1;
	if (addr < 0 && port < 0 && service < 0)
		return;
	xb_fmt(b, ",\"%s\":{", field);
	if (service >= 0) {
		xb_str(b, "\"serviceName\":");
		raw_string(b, js, service);
		first = 0;
	}
	if (addr >= 0) {
		s = obs_jscan_raw(js, addr, &n);
		xb_str(b, first ? "" : ",");
		xb_str(b, memchr(s, ':', n) ? "\"ipv6\":" : "\"ipv4\":");
		raw_string(b, js, addr);
		first = 0;
	}
	if (port >= 0) {
		s = obs_jscan_raw(js, port, &n);
		xb_str(b, first ? "\"port\":" : ",\"port\":");
		xb_raw(b, s, n);
	}
	xb_char(b, '}');
}

static int zipkin_span(struct exp *x, struct exp_batch *b, size_t i, struct xbuf *out)
{
	struct zipkin *z = x->priv;
	struct obs_jscan *js = &z->js;
	struct obs_error err;
	const char *line = exp_line(b, i);
	int64_t start, end;
	int attrs, res, tok, t, first = 1;
	char kind[16], status[16];
	size_t k;

	if (obs_jscan_parse(js, line, b->items[i].len, &err) < 0) {
		exp_refuse(x, b, i, "%s", err.msg);
		return -1;
	}
	if (!obs_jscan_streq(js, obs_jscan_get(js, 0, "type"), "span")) {
		exp_refuse(x, b, i, "not a span record");
		return -1;
	}
	if (obs_jscan_type(js, obs_jscan_get(js, 0, "trace_id")) != OBS_JSCAN_STRING ||
	    obs_jscan_type(js, obs_jscan_get(js, 0, "span_id")) != OBS_JSCAN_STRING) {
		exp_refuse(x, b, i, "missing 'trace_id' or 'span_id'");
		return -1;
	}
	if (obs_jscan_time(js, obs_jscan_get(js, 0, "start"), &start) < 0 ||
	    obs_jscan_time(js, obs_jscan_get(js, 0, "end"), &end) < 0 || end < start) {
		exp_refuse(x, b, i, "missing or invalid 'start' or 'end'");
		return -1;
	}
	xb_str(out, "{\"traceId\":");
	raw_string(out, js, obs_jscan_get(js, 0, "trace_id"));
	xb_str(out, ",\"id\":");
	raw_string(out, js, obs_jscan_get(js, 0, "span_id"));
	tok = obs_jscan_get(js, 0, "parent_span_id");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING && obs_jscan_raw(js, tok, &k) && k) {
		xb_str(out, ",\"parentId\":");
		raw_string(out, js, tok);
	}
	xb_str(out, ",\"name\":");
	tok = obs_jscan_get(js, 0, "name");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING)
		raw_string(out, js, tok);
	else
		xb_str(out, "\"\"");
	if (exp_field(js, "kind", kind, sizeof(kind)) == 0 && strcmp(kind, "internal") &&
	    (!strcmp(kind, "server") || !strcmp(kind, "client") || !strcmp(kind, "producer") ||
	     !strcmp(kind, "consumer"))) {
		for (k = 0; kind[k]; k++)
			kind[k] = (char)(kind[k] - 'a' + 'A');
		xb_fmt(out, ",\"kind\":\"%s\"", kind);
	}
	xb_fmt(out, ",\"timestamp\":%lld,\"duration\":%lld", (long long)(start / 1000),
	       (long long)((end - start + 500) / 1000));
	attrs = obs_jscan_get(js, 0, "attributes");
	if (obs_jscan_type(js, attrs) != OBS_JSCAN_OBJECT)
		attrs = -1;
	res = obs_jscan_get(js, 0, "resource");
	if (obs_jscan_type(js, res) != OBS_JSCAN_OBJECT)
		res = -1;
	tok = obs_jscan_get(js, 0, "service");
	if (obs_jscan_type(js, tok) != OBS_JSCAN_STRING)
		tok = obs_jscan_get(js, res, "service.name");
	endpoint(out, js, attrs, "localEndpoint", "network.local", tok);
	endpoint(out, js, attrs, "remoteEndpoint", "network.peer",
		 obs_jscan_get(js, attrs, "peer.service"));
	if (obs_jscan_type(js, obs_jscan_get(js, attrs, "zipkin.shared")) == OBS_JSCAN_TRUE)
		xb_str(out, ",\"shared\":true");
	if (obs_jscan_type(js, obs_jscan_get(js, attrs, "zipkin.debug")) == OBS_JSCAN_TRUE)
		xb_str(out, ",\"debug\":true");

	/* Tags: attributes, then resource attributes they do not set, then the status. */
	xb_str(out, ",\"tags\":{");
	for (t = obs_jscan_child(js, attrs); t >= 0; t = obs_jscan_sibling(js, attrs, t)) {
		if (is_special(js, t) || obs_jscan_type(js, t + 1) == OBS_JSCAN_NULL ||
		    obs_jscan_streq(js, t, "error") || obs_jscan_streq(js, t, "otel.status_code") ||
		    obs_jscan_streq(js, t, "otel.status_description"))
			continue;
		xb_str(out, first ? "" : ",");
		raw_string(out, js, t);
		xb_char(out, ':');
		tag_value(out, js, t + 1);
		first = 0;
	}
	for (t = obs_jscan_child(js, res); t >= 0; t = obs_jscan_sibling(js, res, t)) {
		size_t n;
		const char *key = obs_jscan_raw(js, t, &n);

		if (obs_jscan_streq(js, t, "service.name") ||
		    obs_jscan_type(js, t + 1) == OBS_JSCAN_NULL ||
		    obs_jscan_getn(js, attrs, key, n) >= 0)
			continue;
		xb_str(out, first ? "" : ",");
		raw_string(out, js, t);
		xb_char(out, ':');
		tag_value(out, js, t + 1);
		first = 0;
	}
	if (exp_field(js, "status", status, sizeof(status)) == 0 && strcmp(status, "unset")) {
		int error = !strcmp(status, "error");

		xb_fmt(out, "%s\"otel.status_code\":\"%s\"", first ? "" : ",", error ? "ERROR" : "OK");
		if (error) {
			tok = obs_jscan_get(js, 0, "status_message");
			xb_str(out, ",\"error\":");
			if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING)
				raw_string(out, js, tok);
			else
				xb_str(out, "\"\"");
		}
	}
	xb_char(out, '}');

	tok = obs_jscan_get(js, 0, "events");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_ARRAY && obs_jscan_size(js, tok) > 0) {
		int ev;

		first = 1;
		xb_str(out, ",\"annotations\":[");
		for (ev = obs_jscan_child(js, tok); ev >= 0; ev = obs_jscan_sibling(js, tok, ev)) {
			int64_t et;
			int name = obs_jscan_get(js, ev, "name");

			if (obs_jscan_time(js, obs_jscan_get(js, ev, "time"), &et) < 0)
				continue;
			xb_fmt(out, "%s{\"timestamp\":%lld,\"value\":", first ? "" : ",",
			       (long long)(et / 1000));
			if (obs_jscan_type(js, name) == OBS_JSCAN_STRING)
				raw_string(out, js, name);
			else
				xb_str(out, "\"\"");
			xb_char(out, '}');
			first = 0;
		}
		xb_char(out, ']');
	}
	xb_char(out, '}');
	return 0;
}

static int zipkin_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
			 struct exp_req *req, struct obs_error *err)
{
	struct zipkin *z = x->priv;
	size_t records = 0;

	(void)err;
	xb_reset(&z->body);
	xb_char(&z->body, '[');
	for (size_t i = 0; i < n; i++) {
		size_t mark = z->body.len;

		if (records)
			xb_char(&z->body, ',');
		if (zipkin_span(x, b, idx[i], &z->body) < 0) {
			z->body.len = mark;
			z->body.p[mark] = '\0';
			continue;
		}
		records++;
	}
	xb_char(&z->body, ']');
	req->content_type = "application/json";
	req->body = z->body.p;
	req->len = records ? z->body.len : 0;
	req->records = records;
	return 0;
}

static const struct exp_dest zipkin_dest = {
	.name = "zipkin",
	.synopsis = "zipkin [options] [FILE...]",
	.options =
		"Posts spans as Zipkin v2 JSON to Zipkin's API (--url: Zipkin's base URL,\n"
		"default http://localhost:9411; /api/v2/spans is added), as obs-trace import\n"
		"reads them back: the service is localEndpoint.serviceName, attributes and\n"
		"resource attributes are tags, events annotations, network.peer.* and\n"
		"peer.service the remoteEndpoint, an error status the \"error\" tag.\n"
		"Signals: spans.\n",
	.signals = "spans",
	.default_signals = "spans",
	.default_gzip = 1,
	.checks_json = 1,
	.setup = zipkin_setup,
	.encode = zipkin_encode,
	.cleanup = zipkin_cleanup,
};

int cmd_zipkin(int argc, char **argv)
{
	return exp_main(&zipkin_dest, argc, argv);
}
