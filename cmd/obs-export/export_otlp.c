/* SPDX-License-Identifier: MIT */
/* obs-export otlp and file: records as OTLP/HTTP requests, or as OpenTelemetry file-exporter lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_otlp.h"
#include "obs_pb.h"
#include "obs_promtext.h"
#include "obs_span.h"

enum { OPT_PROTOCOL = 256, OPT_BUCKETS, OPT_OUTPUT };

struct otlp_sig {
	int used;
	enum obs_otlp_encoding enc;
	struct obs_otlp_batch batch;
	char *url;
	struct obs_http http;
	int http_init;
};

struct otlp {
	struct otlp_sig sig[3];
	int protocol_set;
	enum obs_otlp_encoding protocol;
	json_t *resource;        /* for metrics: service.name, host.name, OTEL_RESOURCE_ATTRIBUTES */
	json_t *resource_env;    /* for spans and logs: what the variable sets */
	double *bounds;
	size_t nbounds;
	/* file */
	char *output;
	int fd;
};

static struct otlp *otlp_of(struct exp *x)
{
	if (!x->priv) {
		struct otlp *o = calloc(1, sizeof(*o));

		if (!o)
			abort();
		o->fd = -1;
		x->priv = o;
	}
	return x->priv;
}

static void otlp_cleanup(struct exp *x)
{
	struct otlp *o = x->priv;

	if (!o)
		return;
	for (int i = 0; i < 3; i++) {
		obs_otlp_batch_release(&o->sig[i].batch);
		free(o->sig[i].url);
		if (o->sig[i].http_init)
			obs_http_release(&o->sig[i].http);
	}
	json_decref(o->resource);
	json_decref(o->resource_env);
	free(o->bounds);
	free(o->output);
	if (o->fd > STDERR_FILENO)
		close(o->fd);
	free(o);
	x->priv = NULL;
}

static int sig_of(const char *signal, enum obs_otlp_signal *s)
{
	if (!strcmp(signal, "spans"))
		*s = OBS_OTLP_TRACES;
	else if (!strcmp(signal, "metrics"))
		*s = OBS_OTLP_METRICS;
	else if (!strcmp(signal, "logs"))
		*s = OBS_OTLP_LOGS;
	else
		return -1;
	return 0;
}

static int otlp_option(struct exp *x, int c, const char *arg)
{
	struct otlp *o = otlp_of(x);
	struct obs_error err;

	switch (c) {
	case OPT_PROTOCOL:
		if (obs_otlp_encoding_parse(arg, &o->protocol) < 0)
			return obs_cli_usage_error(x->dest->synopsis, "%s: invalid protocol '%s': "
						   "expected http/protobuf or http/json",
						   x->dest->name, arg);
		o->protocol_set = 1;
		return 0;
	case OPT_BUCKETS:
		free(o->bounds);
		o->bounds = NULL;
		if (obs_promtext_buckets_parse(arg, &o->bounds, &o->nbounds, &err) < 0)
			return obs_cli_usage_error(x->dest->synopsis, "%s: %s", x->dest->name,
						   err.msg);
		return 0;
	case OPT_OUTPUT:
		free(o->output);
		o->output = xstrdup(arg);
		return 0;
	}
	return obs_cli_usage_error(x->dest->synopsis, "%s: unknown option", x->dest->name);
}

/* A variable's value, or NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/*
 * The resources: for metrics (whose records carry none) the whole default
 * resource; for spans and logs only what OTEL_RESOURCE_ATTRIBUTES says, so
 * this host's name does not land on records made elsewhere.
 */
static void resources(struct otlp *o)
{
	const char *var = env("OTEL_RESOURCE_ATTRIBUTES");
	const char *key;
	json_t *v;

	o->resource = obs_resource_new(NULL);
	o->resource_env = json_object();
	if (!o->resource || !o->resource_env)
		abort();
	json_object_foreach(o->resource, key, v) {
		char probe[64];
		int named;

		snprintf(probe, sizeof(probe), "%s=", key);
		named = var && (!strncmp(var, probe, strlen(probe)) || strstr(var, probe));
		if ((!strcmp(key, "service.name") || !strcmp(key, "host.name")) && !named)
			continue;
		json_object_set(o->resource_env, key, v);
	}
}

static int otlp_setup(struct exp *x)
{
	static const char *const envname[] = { "TRACES", "METRICS", "LOGS" };
	struct otlp *o = otlp_of(x);
	struct xbuf ident = { 0 };
	struct obs_error err;
	char var[64];
	const char *p, *base;
	int rc;

	resources(o);
	for (p = x->signals; *p;) {
		size_t k = strcspn(p, ",");
		char *one = xstrndup(p, k);
		enum obs_otlp_signal sg;
		struct otlp_sig *s;
		const char *proto, *per;

		p += k + (p[k] == ',');
		rc = sig_of(one, &sg);
		free(one);
		if (rc < 0)
			continue;
		s = &o->sig[sg];
		s->used = 1;
		/* --url is a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT; the per-signal variable is used as it is. */
		snprintf(var, sizeof(var), "OTEL_EXPORTER_OTLP_%s_ENDPOINT", envname[sg]);
		per = env(var);
		base = x->url ? x->url : env("OTEL_EXPORTER_OTLP_ENDPOINT");
		if (!x->url && per)
			s->url = xstrdup(per);
		else
			s->url = exp_url_join(base ? base : "http://localhost:4318",
					      obs_otlp_path(sg));
		snprintf(var, sizeof(var), "OTEL_EXPORTER_OTLP_%s_PROTOCOL", envname[sg]);
		proto = env(var) ? env(var) : env("OTEL_EXPORTER_OTLP_PROTOCOL");
		s->enc = OBS_OTLP_PROTOBUF;
		if (o->protocol_set) {
			s->enc = o->protocol;
		} else if (proto && obs_otlp_encoding_parse(proto, &s->enc) < 0) {
			obs_warnx("otlp: unsupported protocol '%s' (from %s): expected http/protobuf "
				  "or http/json%s", proto, env(var) ? var : "OTEL_EXPORTER_OTLP_PROTOCOL",
				  !strcmp(proto, "grpc") ? " (gRPC is not supported: use port 4318)" :
				  "");
			return OBS_EXIT_USAGE;
		}
		obs_otlp_batch_init(&s->batch, sg, s->enc);
		s->batch.resource = sg == OBS_OTLP_METRICS ? o->resource : o->resource_env;
		if (o->bounds) {
			s->batch.bounds = o->bounds;
			s->batch.nbounds = o->nbounds;
		}
		obs_http_init(&s->http);
		s->http_init = 1;
		s->http.gzip = 1;
		if (obs_http_otel_env(&s->http, obs_otlp_signal_name(sg), &err) < 0) {
			obs_warnx("otlp: %s", err.msg);
			return OBS_EXIT_USAGE;
		}
		rc = exp_http_setup(x, &s->http);
		if (rc)
			return rc;
		xb_fmt(&ident, "%s%s %s", ident.len ? " " : "", s->url,
		       obs_otlp_encoding_name(s->enc));
	}
	/* x->url names the destination in messages: the first signal's URL. */
	for (int i = 0; i < 3; i++) {
		if (o->sig[i].used) {
			free(x->url);
			x->url = xstrdup(o->sig[i].url);
			break;
		}
	}
	x->identity = ident.p;
	return 0;
}

static struct obs_http *otlp_client(struct exp *x, const char *signal)
{
	struct otlp *o = x->priv;
	enum obs_otlp_signal sg;

	if (sig_of(signal, &sg) < 0 || !o->sig[sg].used)
		return NULL;
	return &o->sig[sg].http;
}

static int otlp_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		       struct exp_req *req, struct obs_error *err)
{
	struct otlp *o = x->priv;
	enum obs_otlp_signal sg;
	struct otlp_sig *s;
	const uint8_t *body;
	size_t len;

	if (sig_of(b->signal, &sg) < 0 || !o->sig[sg].used)
		return obs_error_set(err, "signal '%s' is not exported", b->signal);
	s = &o->sig[sg];
	for (size_t i = 0; i < n; i++) {
		struct obs_error e;

		if (obs_otlp_batch_add(&s->batch, exp_line(b, idx[i]), b->items[idx[i]].len, &e) < 0)
			exp_refuse(x, b, idx[i], "%s", e.msg);
	}
	req->records = s->batch.records;
	if (obs_otlp_batch_finish(&s->batch, &body, &len, err) < 0)
		return -1;
	req->url = s->url;
	req->content_type = obs_otlp_content_type(s->enc);
	req->body = body;
	req->len = req->records ? len : 0;
	return 0;
}

/* An OTLP response's partial success: rejected items and the message. */
static int otlp_check(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		      const struct obs_http_response *resp, struct exp_idx *retry,
		      struct obs_error *err)
{
	unsigned long long rejected = 0;
	char msg[256] = "";

	(void)b;
	(void)idx;
	(void)n;
	(void)retry;
	if (!resp->len)
		return 0;
	if (resp->content_type && strstr(resp->content_type, "json")) {
		json_t *doc = json_loadb(resp->body, resp->len, 0, NULL), *ps, *v;
		const char *key;

		ps = json_object_get(doc, "partialSuccess");
		json_object_foreach(ps, key, v) {
			if (!strncmp(key, "rejected", 8)) {
				if (json_is_integer(v) && json_integer_value(v) > 0)
					rejected = (unsigned long long)json_integer_value(v);
				else if (json_is_string(v))
					rejected = strtoull(json_string_value(v), NULL, 10);
			} else if (!strcmp(key, "errorMessage") && json_is_string(v)) {
				snprintf(msg, sizeof(msg), "%s", json_string_value(v));
			}
		}
		json_decref(doc);
	} else if (resp->content_type && strstr(resp->content_type, "protobuf")) {
		struct obs_pb_reader r, sub;
		struct obs_pb_field f;
		struct obs_error e;

		obs_pb_reader_init(&r, resp->body, resp->len);
		while (obs_pb_read(&r, &f, &e) == 1) {
			if (f.num != 1 || obs_pb_reader_sub(&r, &f, &sub, &e) < 0)
				continue;
			while (obs_pb_read(&sub, &f, &e) == 1) {
				if (f.num == 1 && f.wire == OBS_PB_VARINT)
					rejected = f.u64;
				else if (f.num == 2 && f.wire == OBS_PB_LEN)
					snprintf(msg, sizeof(msg), "%.*s", (int)f.len,
						 (const char *)f.data);
			}
		}
	}
	if (rejected || *msg)
		exp_partial(x, rejected, msg);
	(void)err;
	return 0;
}

static const struct option otlp_longopts[] = {
	{ "endpoint", required_argument, NULL, 'u' },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest otlp_dest = {
	.name = "otlp",
	.synopsis = "otlp [options] [FILE...]",
	.options =
		"Sends spans, metrics and logs over OTLP/HTTP to an OpenTelemetry Collector (and\n"
		"through it to Jaeger, Tempo, Prometheus, any vendor). --url (or --endpoint) is\n"
		"the base URL, /v1/traces, /v1/metrics or /v1/logs is added; without it the\n"
		"OTEL_EXPORTER_OTLP_[SIGNAL_]ENDPOINT variables (a per-signal one is used as\n"
		"it is), else http://localhost:4318. Also honoured: OTEL_EXPORTER_OTLP_\n"
		"[SIGNAL_]PROTOCOL, HEADERS, TIMEOUT, COMPRESSION (gzip by default),\n"
		"CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY, and OTEL_RESOURCE_ATTRIBUTES;\n"
		"command-line options win over them.\n"
		"      --protocol PROTO      http/protobuf (default) or http/json\n"
		"      --buckets LIST        histogram bounds for observations\n"
		"Signals: spans (traces), metrics, logs (default all three).\n",
	.longopts = otlp_longopts,
	.signals = "spans,metrics,logs",
	.default_signals = "spans,metrics,logs",
	.default_gzip = 1,
	.checks_json = 1,
	.option = otlp_option,
	.setup = otlp_setup,
	.encode = otlp_encode,
	.check = otlp_check,
	.client = otlp_client,
	.cleanup = otlp_cleanup,
};

int cmd_otlp(int argc, char **argv)
{
	return exp_main(&otlp_dest, argc, argv);
}

/* ==== file ====================================================================== */

static int file_setup(struct exp *x)
{
	struct otlp *o = otlp_of(x);
	const char *path = o->output ? o->output : "-";
	char *abs = NULL;

	if (x->url)
		return obs_cli_usage_error(x->dest->synopsis, "file: no --url: give --output FILE");
	resources(o);
	for (const char *p = x->signals; *p;) {
		size_t k = strcspn(p, ",");
		char *one = xstrndup(p, k);
		enum obs_otlp_signal sg;

		p += k + (p[k] == ',');
		if (sig_of(one, &sg) == 0) {
			o->sig[sg].used = 1;
			o->sig[sg].enc = OBS_OTLP_JSON;
			obs_otlp_batch_init(&o->sig[sg].batch, sg, OBS_OTLP_JSON);
			o->sig[sg].batch.resource = sg == OBS_OTLP_METRICS ? o->resource :
						    o->resource_env;
			if (o->bounds) {
				o->sig[sg].batch.bounds = o->bounds;
				o->sig[sg].batch.nbounds = o->nbounds;
			}
			o->sig[sg].url = xstrdup("");
		}
		free(one);
	}
	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		x->url = xstrdup("file:-");
	} else {
		o->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		if (o->fd < 0) {
			obs_warn("file: cannot open '%s'", path);
			return OBS_EXIT_FAILURE;
		}
		abs = realpath(path, NULL);
		x->url = xmalloc(strlen(abs ? abs : path) + 6);
		sprintf(x->url, "file:%s", abs ? abs : path);
		free(abs);
	}
	x->identity = xstrdup(x->url);
	return 0;
}

static int file_send(struct exp *x, const struct exp_req *req, struct obs_http_response *resp,
		     struct obs_error *err)
{
	struct otlp *o = x->priv;
	const char *p = req->body;
	size_t n = req->len;
	struct stat sb;

	resp->attempts = 1;
	resp->status = 0;
	resp->outcome = OBS_HTTP_FAILED;
	/* One request body, one line: the OpenTelemetry file exporter's format. */
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return obs_error_errno(err, "cannot write '%s'", x->url + 5);
		}
		p += w;
		n -= (size_t)w;
	}
	while (write(o->fd, "\n", 1) < 0) {
		if (errno != EINTR)
			return obs_error_errno(err, "cannot write '%s'", x->url + 5);
	}
	/* Durable before the cursor moves past it. */
	if (fstat(o->fd, &sb) == 0 && S_ISREG(sb.st_mode) && fsync(o->fd) < 0)
		return obs_error_errno(err, "cannot write '%s'", x->url + 5);
	resp->status = 200;
	resp->outcome = OBS_HTTP_DELIVERED;
	return 0;
}

static const struct option file_longopts[] = {
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest file_dest = {
	.name = "file",
	.synopsis = "file [--output FILE] [options] [FILE...]",
	.options =
		"Writes records in the OpenTelemetry file exporter's format: one OTLP JSON\n"
		"TracesData, MetricsData or LogsData per line (per batch), appended to FILE\n"
		"(default standard output) and synced before the cursor moves.\n"
		"      --output FILE         where to write (\"-\": standard output)\n"
		"      --buckets LIST        histogram bounds for observations\n"
		"Signals: spans, metrics, logs (default all three).\n",
	.longopts = file_longopts,
	.signals = "spans,metrics,logs",
	.default_signals = "spans,metrics,logs",
	.own_encoding = 1,
	.checks_json = 1,
	.option = otlp_option,
	.setup = file_setup,
	.encode = otlp_encode,
	.send = file_send,
	.cleanup = otlp_cleanup,
};

int cmd_file(int argc, char **argv)
{
	return exp_main(&file_dest, argc, argv);
}
