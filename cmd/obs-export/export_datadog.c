/* SPDX-License-Identifier: MIT */
/* obs-export datadog: metrics to the v2 series API, logs to the v2 logs intake. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_time.h"

enum { OPT_SITE = 256, OPT_KEY_FILE, OPT_SOURCE, OPT_TAG };

struct datadog {
	struct xbuf body;
	struct obs_jscan js;
	char *site;
	char *key_file;
	char *source;
	char *metrics_url;
	char *logs_url;
	char **tags;            /* --tag k:v */
	size_t ntags;
};

static struct datadog *dd_of(struct exp *x)
{
	if (!x->priv) {
		struct datadog *d = calloc(1, sizeof(*d));

		if (!d)
			abort();
		obs_jscan_init(&d->js);
		x->priv = d;
	}
	return x->priv;
}

static void dd_cleanup(struct exp *x)
{
	struct datadog *d = x->priv;

	if (!d)
		return;
	xb_release(&d->body);
	obs_jscan_release(&d->js);
	free(d->site);
	free(d->key_file);
	free(d->source);
	free(d->metrics_url);
	free(d->logs_url);
	for (size_t i = 0; i < d->ntags; i++)
		free(d->tags[i]);
	free(d->tags);
	free(d);
	x->priv = NULL;
}

static int dd_option(struct exp *x, int c, const char *arg)
{
	struct datadog *d = dd_of(x);

	switch (c) {
	case OPT_SITE:
		if (!*arg || strpbrk(arg, "/:@?# "))
			return obs_cli_usage_error(x->dest->synopsis, "datadog: invalid site '%s'",
						   arg);
		free(d->site);
		d->site = xstrdup(arg);
		return 0;
	case OPT_KEY_FILE:
		free(d->key_file);
		d->key_file = xstrdup(arg);
		return 0;
	case OPT_SOURCE:
		free(d->source);
		d->source = xstrdup(arg);
		return 0;
	case OPT_TAG:
		if (!strchr(arg, ':'))
			return obs_cli_usage_error(x->dest->synopsis, "datadog: invalid tag '%s': "
						   "expected KEY:VALUE", arg);
		d->tags = xrealloc(d->tags, (d->ntags + 1) * sizeof(*d->tags));
		d->tags[d->ntags++] = xstrdup(arg);
		return 0;
	}
	return obs_cli_usage_error(x->dest->synopsis, "datadog: unknown option");
}

static int dd_setup(struct exp *x)
{
	struct datadog *d = dd_of(x);
	struct obs_error err;
	char *key, base[512];
	const char *site = d->site ? d->site : getenv("DD_SITE");
	int rc;

	if (!site || !*site)
		site = "datadoghq.com";
	key = exp_secret("DD_API_KEY", d->key_file, "API key", &err);
	if (!key) {
		obs_warnx("datadog: %s", err.msg);
		return OBS_EXIT_USAGE;
	}
	rc = exp_header(x, "DD-API-KEY", key);
	free(key);
	if (rc)
		return rc;
	if (x->url) {
		d->metrics_url = exp_url_join(x->url, "/api/v2/series");
		d->logs_url = exp_url_join(x->url, "/api/v2/logs");
	} else {
		snprintf(base, sizeof(base), "https://api.%s", site);
		d->metrics_url = exp_url_join(base, "/api/v2/series");
		snprintf(base, sizeof(base), "https://http-intake.logs.%s", site);
		d->logs_url = exp_url_join(base, "/api/v2/logs");
		x->url = xstrdup(d->metrics_url);
	}
	if (!d->source)
		d->source = xstrdup("obs");
	x->identity = xmalloc(strlen(d->metrics_url) + strlen(d->logs_url) + 2);
	sprintf(x->identity, "%s %s", d->metrics_url, d->logs_url);
	return 0;
}

static void dd_tags(struct datadog *d, struct xbuf *out, int first)
{
	for (size_t i = 0; i < d->ntags; i++) {
		xb_str(out, first ? "" : ",");
		xb_json(out, d->tags[i], strlen(d->tags[i]));
		first = 0;
	}
}

/* One metric record as a series entry; -1 when it cannot be sent (refused). */
static int dd_metric(struct exp *x, struct exp_batch *b, size_t i, struct xbuf *out)
{
	struct datadog *d = x->priv;
	struct obs_jscan *js = &d->js;
	struct obs_error err;
	char name[512], mtype[32];
	double v;
	int type, labels, t, cumulative, first = 1;
	int64_t when = b->items[i].time ? b->items[i].time : obs_time_now();
	int vt;

	if (obs_jscan_parse(js, exp_line(b, i), b->items[i].len, &err) < 0) {
		exp_refuse(x, b, i, "%s", err.msg);
		return -1;
	}
	if (exp_field(js, "name", name, sizeof(name)) < 0 || !*name) {
		exp_refuse(x, b, i, "not a metric record: no 'name'");
		return -1;
	}
	if (exp_field(js, "metric_type", mtype, sizeof(mtype)) < 0)
		snprintf(mtype, sizeof(mtype), "untyped");
	cumulative = obs_jscan_type(js, obs_jscan_get(js, 0, "cumulative")) == OBS_JSCAN_TRUE;
	vt = obs_jscan_get(js, 0, "value");
	if (obs_jscan_number(js, vt, &v) < 0 || !isfinite(v)) {
		exp_refuse(x, b, i, "datadog takes finite numbers only: 'value' is not one");
		return -1;
	}
	if (!strcmp(mtype, "counter"))
		type = cumulative ? 3 : 1;     /* a running total is a gauge; deltas are counts */
	else if (!strcmp(mtype, "gauge") || !strcmp(mtype, "untyped"))
		type = 3;
	else if ((!strcmp(mtype, "histogram") || !strcmp(mtype, "summary")) && cumulative)
		type = 3;
	else if (!strcmp(mtype, "histogram") || !strcmp(mtype, "summary")) {
		exp_refuse(x, b, i, "datadog: %s observations are not sent (use otlp)", mtype);
		return -1;
	} else {
		exp_refuse(x, b, i, "unknown metric_type '%s'", mtype);
		return -1;
	}
	xb_str(out, "{\"metric\":");
	xb_json(out, name, strlen(name));
	xb_fmt(out, ",\"type\":%d,\"points\":[{\"timestamp\":%lld,\"value\":", type,
	       (long long)(when / OBS_NS_PER_SEC));
	{
		size_t n;
		const char *raw = obs_jscan_raw(js, vt, &n);

		xb_raw(out, raw, n);
	}
	xb_str(out, "}],\"tags\":[");
	labels = obs_jscan_get(js, 0, "labels");
	if (obs_jscan_type(js, labels) != OBS_JSCAN_OBJECT)
		labels = -1;
	for (t = obs_jscan_child(js, labels); t >= 0; t = obs_jscan_sibling(js, labels, t)) {
		char *k, *val;
		size_t kn, vn;
		struct xbuf tag = { 0 };

		if (obs_jscan_type(js, t + 1) != OBS_JSCAN_STRING)
			continue;
		k = obs_jscan_strdup(js, t, &kn);
		val = obs_jscan_strdup(js, t + 1, &vn);
		if (!k || !val)
			abort();
		xb_raw(&tag, k, kn);
		xb_char(&tag, ':');
		xb_raw(&tag, val, vn);
		xb_str(out, first ? "" : ",");
		xb_json(out, tag.p, tag.len);
		first = 0;
		xb_release(&tag);
		free(k);
		free(val);
	}
	dd_tags(d, out, first);
	xb_str(out, "]}");
	return 0;
}

/* One log record: Datadog's reserved attributes, then the record's other fields. */
static int dd_log(struct exp *x, struct exp_batch *b, size_t i, struct xbuf *out)
{
	struct datadog *d = x->priv;
	struct obs_jscan *js = &d->js;
	struct obs_error err;
	int64_t when = b->items[i].time ? b->items[i].time : obs_time_now();
	int t, tok;
	struct xbuf tags = { 0 };

	if (obs_jscan_parse(js, exp_line(b, i), b->items[i].len, &err) < 0) {
		exp_refuse(x, b, i, "%s", err.msg);
		return -1;
	}
	xb_str(out, "{\"ddsource\":");
	xb_json(out, d->source, strlen(d->source));
	tok = obs_jscan_get(js, 0, "service");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING) {
		xb_str(out, ",\"service\":");
		xb_raw(out, "\"", 1);
		{
			size_t n;
			const char *raw = obs_jscan_raw(js, tok, &n);

			xb_raw(out, raw, n);
		}
		xb_raw(out, "\"", 1);
	}
	tok = obs_jscan_get(js, 0, "level");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING) {
		size_t n;
		const char *raw = obs_jscan_raw(js, tok, &n);

		xb_str(out, ",\"status\":\"");
		xb_raw(out, raw, n);
		xb_char(out, '"');
	}
	tok = obs_jscan_get(js, 0, "msg");
	xb_str(out, ",\"message\":");
	if (obs_jscan_type(js, tok) == OBS_JSCAN_STRING) {
		size_t n;
		const char *raw = obs_jscan_raw(js, tok, &n);

		xb_char(out, '"');
		xb_raw(out, raw, n);
		xb_char(out, '"');
	} else {
		xb_json(out, exp_line(b, i), b->items[i].len);
	}
	xb_fmt(out, ",\"timestamp\":%lld", (long long)(when / 1000000));
	dd_tags(d, &tags, 1);
	if (tags.len) {
		/* ddtags is one comma-separated string. */
		struct xbuf joined = { 0 };

		for (size_t k = 0; k < d->ntags; k++) {
			xb_str(&joined, k ? "," : "");
			xb_str(&joined, d->tags[k]);
		}
		xb_str(out, ",\"ddtags\":");
		xb_json(out, joined.p, joined.len);
		xb_release(&joined);
	}
	xb_release(&tags);
	for (t = obs_jscan_child(js, 0); t >= 0; t = obs_jscan_sibling(js, 0, t)) {
		static const char *const taken[] = { "type", "time", "service", "level", "msg",
						     "ddsource", "status", "message", "timestamp",
						     "ddtags" };
		size_t n, k;
		const char *raw;

		for (k = 0; k < sizeof(taken) / sizeof(taken[0]); k++)
			if (obs_jscan_streq(js, t, taken[k]))
				break;
		if (k < sizeof(taken) / sizeof(taken[0]))
			continue;
		raw = obs_jscan_raw(js, t, &n);
		xb_str(out, ",\"");
		xb_raw(out, raw, n);
		xb_str(out, "\":");
		raw = obs_jscan_raw(js, t + 1, &n);
		if (obs_jscan_type(js, t + 1) == OBS_JSCAN_STRING) {
			xb_char(out, '"');
			xb_raw(out, raw, n);
			xb_char(out, '"');
		} else {
			xb_raw(out, raw, n);
		}
	}
	xb_char(out, '}');
	return 0;
}

static int dd_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		     struct exp_req *req, struct obs_error *err)
{
	struct datadog *d = x->priv;
	int logs = !strcmp(b->signal, "logs");
	size_t records = 0;

	(void)err;
	xb_reset(&d->body);
	xb_str(&d->body, logs ? "[" : "{\"series\":[");
	for (size_t i = 0; i < n; i++) {
		size_t mark = d->body.len;

		if (records)
			xb_char(&d->body, ',');
		if ((logs ? dd_log : dd_metric)(x, b, idx[i], &d->body) < 0) {
			d->body.len = mark;
			d->body.p[mark] = '\0';
			continue;
		}
		records++;
	}
	xb_str(&d->body, logs ? "]" : "]}");
	req->url = logs ? d->logs_url : d->metrics_url;
	req->content_type = "application/json";
	req->body = d->body.p;
	req->len = records ? d->body.len : 0;
	req->records = records;
	return 0;
}

static const struct option dd_longopts[] = {
	{ "site", required_argument, NULL, OPT_SITE },
	{ "api-key-file", required_argument, NULL, OPT_KEY_FILE },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest dd_dest = {
	.name = "datadog",
	.synopsis = "datadog [options] [FILE...]",
	.options =
		"Sends metrics to Datadog's v2 series API and logs to its v2 logs intake. The\n"
		"API key comes from $DD_API_KEY or --api-key-file, the site from --site or\n"
		"$DD_SITE (default datadoghq.com); --url replaces both intake base URLs (a\n"
		"proxy, a test server). Counters written by inc/add are counts, running\n"
		"totals (scraped counters) gauges, gauges gauges; histogram and summary\n"
		"observations are refused (send them with otlp).\n"
		"      --site SITE           datadoghq.com, datadoghq.eu, us3.datadoghq.com, ...\n"
		"      --api-key-file FILE   the API key (first line)\n"
		"      --source NAME         ddsource of logs (default obs)\n"
		"      --tag KEY:VALUE       a tag on every metric and log (repeatable)\n"
		"Signals: metrics, logs (default both).\n",
	.longopts = dd_longopts,
	.signals = "metrics,logs",
	.default_signals = "metrics,logs",
	.default_gzip = 1,
	.option = dd_option,
	.setup = dd_setup,
	.encode = dd_encode,
	.cleanup = dd_cleanup,
};

int cmd_datadog(int argc, char **argv)
{
	return exp_main(&dd_dest, argc, argv);
}
