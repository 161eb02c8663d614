/* SPDX-License-Identifier: MIT */
/* obs-export destinations that take any record as JSON: webhook, loki, elasticsearch, splunk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_time.h"

/* The record's time, or now when it has none. */
static int64_t item_time(const struct exp_batch *b, size_t i)
{
	return b->items[i].time ? b->items[i].time : obs_time_now();
}

/* ==== webhook ================================================================== */

struct sink {
	struct xbuf body;
	struct obs_jscan js;
	/* loki */
	char **labels;              /* record fields that become labels */
	size_t nlabels;
	char **static_labels;       /* "name=value" */
	size_t nstatic;
	int line_msg;               /* --line msg */
	/* elasticsearch */
	char *index;
	int op_index;               /* --op index */
	int no_id;
	/* splunk */
	char *token;
	char *token_file;
	char *sp_index, *sourcetype, *source;
};

static struct sink *sink_of(struct exp *x)
{
	if (!x->priv) {
		struct sink *k = calloc(1, sizeof(*k));

		if (!k)
			abort();
		obs_jscan_init(&k->js);
		x->priv = k;
	}
	return x->priv;
}

static void sink_cleanup(struct exp *x)
{
	struct sink *k = x->priv;

	if (!k)
		return;
	xb_release(&k->body);
	obs_jscan_release(&k->js);
	for (size_t i = 0; i < k->nlabels; i++)
		free(k->labels[i]);
	free(k->labels);
	for (size_t i = 0; i < k->nstatic; i++)
		free(k->static_labels[i]);
	free(k->static_labels);
	free(k->index);
	free(k->token);
	free(k->token_file);
	free(k->sp_index);
	free(k->sourcetype);
	free(k->source);
	free(k);
	x->priv = NULL;
}

static int webhook_setup(struct exp *x)
{
	const char *env = getenv("OBS_WEBHOOK_URL");

	sink_of(x);
	if (!x->url && env && *env)
		x->url = xstrdup(env);
	/* A webhook's path is its secret (Slack, Teams, ...). */
	x->url_secret_path = 1;
	return 0;
}

static int webhook_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
			  struct exp_req *req, struct obs_error *err)
{
	struct sink *k = x->priv;

	(void)err;
	xb_reset(&k->body);
	for (size_t i = 0; i < n; i++) {
		xb_raw(&k->body, exp_line(b, idx[i]), b->items[idx[i]].len);
		xb_char(&k->body, '\n');
	}
	req->content_type = "application/x-ndjson";
	req->body = k->body.p;
	req->len = k->body.len;
	req->records = n;
	return 0;
}

static const struct exp_dest webhook_dest = {
	.name = "webhook",
	.synopsis = "webhook [options] [FILE...]",
	.options =
		"Posts records as NDJSON (one JSON record per line, Content-Type\n"
		"application/x-ndjson) to --url, else $OBS_WEBHOOK_URL. The URL's path is\n"
		"treated as a secret: messages show only its scheme and host.\n"
		"Signals: any (default spans,metrics,logs).\n",
	.default_signals = "spans,metrics,logs",
	.setup = webhook_setup,
	.encode = webhook_encode,
	.cleanup = sink_cleanup,
};

int cmd_webhook(int argc, char **argv)
{
	return exp_main(&webhook_dest, argc, argv);
}

/* ==== loki ===================================================================== */

enum { OPT_LABEL = 256, OPT_STATIC_LABEL, OPT_LINE, OPT_INDEX, OPT_OP, OPT_NO_ID, OPT_TOKEN_FILE,
       OPT_SOURCETYPE, OPT_SOURCE, OPT_SPLUNK_INDEX };

static void push_str(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/* A Loki label name from a field name: [a-zA-Z_][a-zA-Z0-9_]*, other characters as '_'. */
static void label_name(const char *field, char *buf, size_t size)
{
	size_t i;

	for (i = 0; field[i] && i + 1 < size; i++) {
		char c = field[i];

		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			 (i > 0 && c >= '0' && c <= '9') ? c : '_';
	}
	buf[i] = '\0';
}

static int loki_option(struct exp *x, int c, const char *arg)
{
	struct sink *k = sink_of(x);
	const char *eq;

	switch (c) {
	case OPT_LABEL:
		if (!*arg)
			return obs_cli_usage_error(x->dest->synopsis, "loki: invalid label ''");
		push_str(&k->labels, &k->nlabels, arg);
		return 0;
	case OPT_STATIC_LABEL:
		eq = strchr(arg, '=');
		if (!eq || eq == arg || !eq[1])
			return obs_cli_usage_error(x->dest->synopsis, "loki: invalid static label "
						   "'%s': expected NAME=VALUE", arg);
		push_str(&k->static_labels, &k->nstatic, arg);
		return 0;
	case OPT_LINE:
		if (strcmp(arg, "json") && strcmp(arg, "msg"))
			return obs_cli_usage_error(x->dest->synopsis, "loki: invalid line '%s': "
						   "expected json or msg", arg);
		k->line_msg = !strcmp(arg, "msg");
		return 0;
	}
	return obs_cli_usage_error(x->dest->synopsis, "loki: unknown option");
}

static int loki_setup(struct exp *x)
{
	struct sink *k = sink_of(x);
	char *url;
	struct xbuf id = { 0 };

	if (!x->url)
		x->url = xstrdup("http://localhost:3100");
	if (!strstr(x->url, "/loki/api/v1/push")) {
		url = exp_url_join(x->url, "/loki/api/v1/push");
		free(x->url);
		x->url = url;
	}
	if (!k->nlabels) {
		push_str(&k->labels, &k->nlabels, "service");
		push_str(&k->labels, &k->nlabels, "level");
	}
	if (!k->nstatic)
		push_str(&k->static_labels, &k->nstatic, "job=obs");
	xb_str(&id, x->url);
	for (size_t i = 0; i < k->nlabels; i++)
		xb_fmt(&id, " label=%s", k->labels[i]);
	for (size_t i = 0; i < k->nstatic; i++)
		xb_fmt(&id, " static=%s", k->static_labels[i]);
	x->identity = id.p;
	return 0;
}

/* The labels of a record, as the JSON text of Loki's "stream" object. */
static void loki_stream(struct sink *k, const char *signal, struct xbuf *out)
{
	char name[128], value[1024];
	int first = 1;

	xb_char(out, '{');
	for (size_t i = 0; i < k->nstatic; i++) {
		const char *eq = strchr(k->static_labels[i], '=');

		xb_str(out, first ? "" : ",");
		xb_json(out, k->static_labels[i], (size_t)(eq - k->static_labels[i]));
		xb_char(out, ':');
		xb_json(out, eq + 1, strlen(eq + 1));
		first = 0;
	}
	for (size_t i = 0; i < k->nlabels; i++) {
		int tok;
		const char *raw;
		size_t n;

		if (!strcmp(k->labels[i], "signal")) {
			snprintf(value, sizeof(value), "%s", signal);
		} else {
			tok = obs_jscan_get(&k->js, 0, k->labels[i]);
			switch (obs_jscan_type(&k->js, tok)) {
			case OBS_JSCAN_STRING:
				if (exp_field(&k->js, k->labels[i], value, sizeof(value)) < 0)
					continue;
				break;
			case OBS_JSCAN_NUMBER:
			case OBS_JSCAN_TRUE:
			case OBS_JSCAN_FALSE:
				raw = obs_jscan_raw(&k->js, tok, &n);
				snprintf(value, sizeof(value), "%.*s", (int)n, raw);
				break;
			default:
				continue;
			}
		}
		if (!*value)
			continue;
		label_name(k->labels[i], name, sizeof(name));
		xb_str(out, first ? "" : ",");
		xb_json(out, name, strlen(name));
		xb_char(out, ':');
		xb_json(out, value, strlen(value));
		first = 0;
	}
	xb_char(out, '}');
}

static int loki_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		       struct exp_req *req, struct obs_error *err)
{
	struct sink *k = x->priv;
	struct xbuf *streams = xmalloc(n * sizeof(*streams));   /* label text per stream */
	struct xbuf *values = xmalloc(n * sizeof(*values));     /* its values */
	size_t nstreams = 0, records = 0;
	struct xbuf lab = { 0 };

	memset(streams, 0, n * sizeof(*streams));
	memset(values, 0, n * sizeof(*values));
	for (size_t i = 0; i < n; i++) {
		const char *line = exp_line(b, idx[i]);
		size_t len = b->items[idx[i]].len, s;
		char ts[32];

		if (obs_jscan_parse(&k->js, line, len, err) < 0) {
			exp_refuse(x, b, idx[i], "%s", err->msg);
			continue;
		}
		xb_reset(&lab);
		loki_stream(k, b->signal, &lab);
		for (s = 0; s < nstreams; s++)
			if (streams[s].len == lab.len && !memcmp(streams[s].p, lab.p, lab.len))
				break;
		if (s == nstreams) {
			xb_raw(&streams[s], lab.p, lab.len);
			nstreams++;
		}
		snprintf(ts, sizeof(ts), "%lld", (long long)item_time(b, idx[i]));
		xb_str(&values[s], values[s].len ? ",[\"" : "[\"");
		xb_str(&values[s], ts);
		xb_str(&values[s], "\",");
		if (k->line_msg && obs_jscan_type(&k->js, obs_jscan_get(&k->js, 0, "msg")) ==
				   OBS_JSCAN_STRING) {
			size_t mlen;
			char *msg = obs_jscan_strdup(&k->js, obs_jscan_get(&k->js, 0, "msg"), &mlen);

			if (!msg)
				abort();
			xb_json(&values[s], msg, mlen);
			free(msg);
		} else {
			xb_json(&values[s], line, len);
		}
		xb_char(&values[s], ']');
		records++;
	}
	xb_reset(&k->body);
	xb_str(&k->body, "{\"streams\":[");
	for (size_t s = 0; s < nstreams; s++) {
		xb_str(&k->body, s ? ",{\"stream\":" : "{\"stream\":");
		xb_raw(&k->body, streams[s].p, streams[s].len);
		xb_str(&k->body, ",\"values\":[");
		xb_raw(&k->body, values[s].p, values[s].len);
		xb_str(&k->body, "]}");
		xb_release(&streams[s]);
		xb_release(&values[s]);
	}
	xb_str(&k->body, "]}");
	free(streams);
	free(values);
	xb_release(&lab);
	req->content_type = "application/json";
	req->body = k->body.p;
	req->len = records ? k->body.len : 0;
	req->records = records;
	return 0;
}

static const struct option loki_longopts[] = {
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "static-label", required_argument, NULL, OPT_STATIC_LABEL },
	{ "line", required_argument, NULL, OPT_LINE },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest loki_dest = {
	.name = "loki",
	.synopsis = "loki [options] [FILE...]",
	.options =
		"Pushes records to Grafana Loki's push API (JSON, gzip): --url is Loki's base\n"
		"URL (default http://localhost:3100), /loki/api/v1/push is added. Each record\n"
		"is one log line at its time; its stream's labels are chosen with:\n"
		"      --label FIELD         a record field that becomes a label (repeatable;\n"
		"                            default: service and level; 'signal' is the signal)\n"
		"      --static-label NAME=VALUE  a label of every stream (repeatable; default\n"
		"                            job=obs)\n"
		"      --line json|msg       the line: the whole record (default), or its msg\n"
		"Tenants: --header X-Scope-OrgID=NAME. Signals: any (default logs).\n",
	.longopts = loki_longopts,
	.default_signals = "logs",
	.default_gzip = 1,
	.option = loki_option,
	.setup = loki_setup,
	.encode = loki_encode,
	.cleanup = sink_cleanup,
};

int cmd_loki(int argc, char **argv)
{
	return exp_main(&loki_dest, argc, argv);
}

/* ==== elasticsearch ============================================================= */

static int es_option(struct exp *x, int c, const char *arg)
{
	struct sink *k = sink_of(x);

	switch (c) {
	case OPT_INDEX:
		if (!*arg || strchr(arg, '/') || strchr(arg, '"'))
			return obs_cli_usage_error(x->dest->synopsis, "elasticsearch: invalid index "
						   "'%s'", arg);
		free(k->index);
		k->index = xstrdup(arg);
		return 0;
	case OPT_OP:
		if (strcmp(arg, "create") && strcmp(arg, "index"))
			return obs_cli_usage_error(x->dest->synopsis, "elasticsearch: invalid op "
						   "'%s': expected create or index", arg);
		k->op_index = !strcmp(arg, "index");
		return 0;
	case OPT_NO_ID:
		k->no_id = 1;
		return 0;
	}
	return obs_cli_usage_error(x->dest->synopsis, "elasticsearch: unknown option");
}

static int es_setup(struct exp *x)
{
	struct sink *k = sink_of(x);
	struct xbuf id = { 0 };
	char *url;

	if (!x->url)
		x->url = xstrdup("http://localhost:9200");
	if (!strstr(x->url, "/_bulk")) {
		url = exp_url_join(x->url, "/_bulk");
		free(x->url);
		x->url = url;
	}
	if (!k->index)
		k->index = xstrdup("obs-{signal}-%Y.%m.%d");
	xb_fmt(&id, "%s index=%s", x->url, k->index);
	x->identity = id.p;
	return 0;
}

/* The index name for a record of SIGNAL at T: {signal} and strftime's % fields, in UTC. */
static void es_index(const char *pattern, const char *signal, int64_t t, char *buf, size_t size)
{
	struct xbuf fmt = { 0 };
	time_t secs = (time_t)(t / OBS_NS_PER_SEC - (t < 0 && t % OBS_NS_PER_SEC ? 1 : 0));
	struct tm tm;

	for (const char *p = pattern; *p; p++) {
		if (!strncmp(p, "{signal}", 8)) {
			xb_str(&fmt, signal);
			p += 7;
		} else {
			xb_char(&fmt, *p);
		}
	}
	gmtime_r(&secs, &tm);
	/* The pattern is the user's, as date(1) takes one. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!strftime(buf, size, fmt.p, &tm))
		snprintf(buf, size, "%s", fmt.p);
#pragma GCC diagnostic pop
	xb_release(&fmt);
}

static int es_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		     struct exp_req *req, struct obs_error *err)
{
	struct sink *k = x->priv;
	size_t records = 0;

	(void)err;
	xb_reset(&k->body);
	for (size_t i = 0; i < n; i++) {
		const char *line = exp_line(b, idx[i]);
		size_t len = b->items[idx[i]].len;
		int64_t t = item_time(b, idx[i]);
		char index[512], ts[OBS_TIME_BUFSZ];
		const char *body;

		if (obs_jscan_parse(&k->js, line, len, err) < 0) {
			exp_refuse(x, b, idx[i], "%s", err->msg);
			continue;
		}
		es_index(k->index, b->signal, t, index, sizeof(index));
		xb_str(&k->body, k->op_index ? "{\"index\":{\"_index\":" : "{\"create\":{\"_index\":");
		xb_json(&k->body, index, strlen(index));
		if (!k->no_id) {
			/* The same record gets the same id: a resend is a conflict, not a copy. */
			uint64_t h1 = obs_cursor_hash(OBS_CURSOR_HASH_INIT, line, len);
			uint64_t h2 = obs_cursor_hash(0x84222325cbf29ce4ULL ^ len, line, len);

			xb_fmt(&k->body, ",\"_id\":\"%016llx%016llx\"", (unsigned long long)h1,
			       (unsigned long long)h2);
		}
		xb_str(&k->body, "}}\n");
		/* "@timestamp" first, as Elasticsearch's data streams and Kibana want it. */
		if (obs_jscan_get(&k->js, 0, "@timestamp") < 0) {
			obs_time_format(t, ts, sizeof(ts));
			body = line;
			while (*body != '{')
				body++;
			body++;
			while (*body == ' ' || *body == '\t')
				body++;
			xb_str(&k->body, "{\"@timestamp\":\"");
			xb_str(&k->body, ts);
			xb_str(&k->body, *body == '}' ? "\"" : "\",");
			xb_raw(&k->body, body, len - (size_t)(body - line));
		} else {
			xb_raw(&k->body, line, len);
		}
		xb_char(&k->body, '\n');
		records++;
	}
	req->content_type = "application/x-ndjson";
	req->body = k->body.p;
	req->len = records ? k->body.len : 0;
	req->records = records;
	return 0;
}

/*
 * _bulk answers 200 with one result per action: created (201), a conflict
 * on create (409: the record is there already, from an earlier attempt),
 * retryable (429, 5xx) or refused for good (mapping errors, ...).
 */
static int es_check(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		    const struct obs_http_response *resp, struct exp_idx *retry,
		    struct obs_error *err)
{
	struct sink *k = x->priv;
	json_error_t jerr;
	json_t *doc, *items;
	size_t i, j = 0;

	doc = json_loadb(resp->body ? resp->body : "", resp->len, 0, &jerr);
	if (!doc || !json_is_object(doc)) {
		json_decref(doc);
		return obs_error_set(err, "cannot read the _bulk answer: %s",
				     doc ? "not a JSON object" : jerr.text);
	}
	if (json_is_false(json_object_get(doc, "errors"))) {
		json_decref(doc);
		return 0;
	}
	items = json_object_get(doc, "items");
	/* Records refused by the encoder were not sent: the answers skip them. */
	if (!json_is_array(items)) {
		json_decref(doc);
		return obs_error_set(err, "cannot read the _bulk answer: no 'items'");
	}
	for (i = 0; i < n; i++) {
		json_t *item, *res, *e;
		long status;

		if (b->items[idx[i]].bad)
			continue;
		item = json_array_get(items, j++);
		res = json_object_get(item, k->op_index ? "index" : "create");
		if (!json_is_object(res) || !json_is_integer(json_object_get(res, "status"))) {
			json_decref(doc);
			return obs_error_set(err, "cannot read the _bulk answer: item %zu has no "
					     "status", j);
		}
		status = (long)json_integer_value(json_object_get(res, "status"));
		if ((status >= 200 && status <= 299) || (status == 409 && !k->op_index))
			continue;
		if (status == 429 || status >= 500) {
			exp_idx_push(retry, idx[i]);
			continue;
		}
		e = json_object_get(res, "error");
		{
			char *why = e ? json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

			exp_dead_item(x, b, idx[i], status, why ? why : "refused");
			free(why);
		}
	}
	i = json_array_size(items);
	json_decref(doc);
	if (j != i)
		return obs_error_set(err, "cannot read the _bulk answer: %zu items for %zu records",
				     i, j);
	return 0;
}

static const struct option es_longopts[] = {
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "op", required_argument, NULL, OPT_OP },
	{ "no-id", no_argument, NULL, OPT_NO_ID },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest es_dest = {
	.name = "elasticsearch",
	.synopsis = "elasticsearch [options] [FILE...]",
	.options =
		"Indexes records with Elasticsearch's or OpenSearch's _bulk API: --url is the\n"
		"cluster's URL (default http://localhost:9200), /_bulk is added. Each record\n"
		"gets \"@timestamp\" (its time) unless it has one. Records the cluster refuses\n"
		"go to the dead-letter file with the reason; those it cannot take now (429,\n"
		"5xx) are sent again.\n"
		"      --index PATTERN       index name: {signal} and strftime fields of the\n"
		"                            record's UTC time (default obs-{signal}-%Y.%m.%d)\n"
		"      --op create|index     the bulk action (default create: data streams)\n"
		"      --no-id               let the cluster choose ids (by default an id is a\n"
		"                            hash of the record, so a resend is not a copy)\n"
		"Signals: any (default spans,metrics,logs).\n",
	.longopts = es_longopts,
	.default_signals = "spans,metrics,logs",
	.default_gzip = 1,
	.option = es_option,
	.setup = es_setup,
	.encode = es_encode,
	.check = es_check,
	.cleanup = sink_cleanup,
};

int cmd_elasticsearch(int argc, char **argv)
{
	return exp_main(&es_dest, argc, argv);
}

/* ==== splunk ===================================================================== */

static int splunk_option(struct exp *x, int c, const char *arg)
{
	struct sink *k = sink_of(x);
	char **dst;

	switch (c) {
	case OPT_TOKEN_FILE:
		dst = &k->token_file;
		break;
	case OPT_SPLUNK_INDEX:
		dst = &k->sp_index;
		break;
	case OPT_SOURCETYPE:
		dst = &k->sourcetype;
		break;
	case OPT_SOURCE:
		dst = &k->source;
		break;
	default:
		return obs_cli_usage_error(x->dest->synopsis, "splunk: unknown option");
	}
	free(*dst);
	*dst = xstrdup(arg);
	return 0;
}

static int splunk_setup(struct exp *x)
{
	struct sink *k = sink_of(x);
	struct obs_error err;
	struct xbuf h = { 0 };
	char *url;
	int rc;

	if (!x->url)
		return obs_cli_usage_error(x->dest->synopsis, "splunk: no URL: give --url "
					   "https://HOST:8088");
	if (!strstr(x->url, "/services/collector")) {
		url = exp_url_join(x->url, "/services/collector/event");
		free(x->url);
		x->url = url;
	}
	k->token = exp_secret("SPLUNK_HEC_TOKEN", k->token_file, "HEC token", &err);
	if (!k->token) {
		obs_warnx("splunk: %s", err.msg);
		return OBS_EXIT_USAGE;
	}
	xb_fmt(&h, "Splunk %s", k->token);
	rc = exp_header(x, "Authorization", h.p);
	xb_release(&h);
	if (!k->sourcetype)
		k->sourcetype = xstrdup("_json");
	if (!k->source)
		k->source = xstrdup("obs");
	{
		struct xbuf id = { 0 };

		xb_fmt(&id, "%s index=%s", x->url, k->sp_index ? k->sp_index : "");
		x->identity = id.p;
	}
	return rc;
}

static int splunk_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
			 struct exp_req *req, struct obs_error *err)
{
	struct sink *k = x->priv;
	size_t records = 0;

	(void)err;
	xb_reset(&k->body);
	for (size_t i = 0; i < n; i++) {
		const char *line = exp_line(b, idx[i]);
		int64_t t = item_time(b, idx[i]);
		lldiv_t d = lldiv(t, OBS_NS_PER_SEC);

		if (d.rem < 0) {
			d.quot--;
			d.rem += OBS_NS_PER_SEC;
		}
		xb_fmt(&k->body, "{\"time\":%lld.%06lld,\"source\":", d.quot, d.rem / 1000);
		xb_json(&k->body, k->source, strlen(k->source));
		xb_str(&k->body, ",\"sourcetype\":");
		xb_json(&k->body, k->sourcetype, strlen(k->sourcetype));
		if (k->sp_index) {
			xb_str(&k->body, ",\"index\":");
			xb_json(&k->body, k->sp_index, strlen(k->sp_index));
		}
		xb_str(&k->body, ",\"event\":");
		xb_raw(&k->body, line, b->items[idx[i]].len);
		xb_str(&k->body, "}\n");
		records++;
	}
	req->content_type = "application/json";
	req->body = k->body.p;
	req->len = records ? k->body.len : 0;
	req->records = records;
	return 0;
}

static const struct option splunk_longopts[] = {
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "index", required_argument, NULL, OPT_SPLUNK_INDEX },
	{ "sourcetype", required_argument, NULL, OPT_SOURCETYPE },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest splunk_dest = {
	.name = "splunk",
	.synopsis = "splunk --url URL [options] [FILE...]",
	.options =
		"Sends records to Splunk's HTTP Event Collector (/services/collector/event is\n"
		"added to --url), one event per record at its time. The token comes from\n"
		"$SPLUNK_HEC_TOKEN or a file:\n"
		"      --token-file FILE     the HEC token (first line)\n"
		"      --index NAME          the Splunk index (default: the token's)\n"
		"      --sourcetype NAME     default _json\n"
		"      --source NAME         default obs\n"
		"Signals: any (default logs).\n",
	.longopts = splunk_longopts,
	.default_signals = "logs",
	.default_gzip = 1,
	.option = splunk_option,
	.setup = splunk_setup,
	.encode = splunk_encode,
	.cleanup = sink_cleanup,
};

int cmd_splunk(int argc, char **argv)
{
	return exp_main(&splunk_dest, argc, argv);
}
