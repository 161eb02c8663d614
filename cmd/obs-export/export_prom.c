/* SPDX-License-Identifier: MIT */
/* obs-export pushgateway and remote-write: metric records as Prometheus series. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "export.h"
#include "obs_cli.h"
#include "obs_labels.h"
#include "obs_metric.h"
#include "obs_mstate.h"
#include "obs_pb.h"
#include "obs_promtext.h"

enum { OPT_JOB = 256, OPT_GROUP, OPT_METHOD, OPT_BUCKETS };

struct sample {
	struct obs_labels *labels;   /* a reference */
	int64_t t;
	double v;
	size_t item;
};

struct prom {
	struct obs_mstate *state;
	char *text;
	/* pushgateway */
	char *job;
	char **group;               /* "name=value" */
	size_t ngroup;
	int post;
	/* remote write */
	struct sample *samples;
	size_t nsamples, cap;
	size_t cur_item;
	unsigned char *mark;        /* items of the request being encoded */
	size_t nmark;
	struct obs_pb_writer pb;
	char *snappy;
	size_t snappy_cap;
	unsigned long stale;
};

static struct prom *prom_of(struct exp *x)
{
	if (!x->priv) {
		struct prom *p = calloc(1, sizeof(*p));

		if (!p)
			abort();
		p->state = obs_mstate_new();
		if (!p->state)
			abort();
		obs_pb_writer_init(&p->pb);
		x->priv = p;
	}
	return x->priv;
}

static void samples_clear(struct prom *p)
{
	for (size_t i = 0; i < p->nsamples; i++)
		obs_labels_unref(p->samples[i].labels);
	p->nsamples = 0;
}

static void prom_cleanup(struct exp *x)
{
	struct prom *p = x->priv;

	if (!p)
		return;
	obs_mstate_free(p->state);
	free(p->text);
	free(p->job);
	for (size_t i = 0; i < p->ngroup; i++)
		free(p->group[i]);
	free(p->group);
	samples_clear(p);
	free(p->samples);
	free(p->mark);
	obs_pb_writer_release(&p->pb);
	free(p->snappy);
	free(p);
	x->priv = NULL;
}

static int prom_option(struct exp *x, int c, const char *arg)
{
	struct prom *p = prom_of(x);
	struct obs_error err;
	const char *eq;

	switch (c) {
	case OPT_JOB:
		if (!*arg)
			return obs_cli_usage_error(x->dest->synopsis, "%s: invalid job ''",
						   x->dest->name);
		free(p->job);
		p->job = xstrdup(arg);
		return 0;
	case OPT_GROUP:
		eq = strchr(arg, '=');
		if (!eq) {
			return obs_cli_usage_error(x->dest->synopsis, "%s: invalid grouping label "
						   "'%s': expected NAME=VALUE", x->dest->name, arg);
		}
		{
			char *name = xstrndup(arg, (size_t)(eq - arg));
			int ok = obs_label_name_valid(name) && strcmp(name, "job");

			free(name);
			if (!ok)
				return obs_cli_usage_error(x->dest->synopsis, "%s: invalid grouping "
							   "label name in '%s'", x->dest->name, arg);
		}
		p->group = xrealloc(p->group, (p->ngroup + 1) * sizeof(*p->group));
		p->group[p->ngroup++] = xstrdup(arg);
		return 0;
	case OPT_METHOD:
		if (strcmp(arg, "put") && strcmp(arg, "post"))
			return obs_cli_usage_error(x->dest->synopsis, "%s: invalid method '%s': "
						   "expected put or post", x->dest->name, arg);
		p->post = !strcmp(arg, "post");
		return 0;
	case OPT_BUCKETS: {
		double *bounds = NULL;
		size_t n = 0;

		if (obs_promtext_buckets_parse(arg, &bounds, &n, &err) < 0 ||
		    obs_mstate_set_buckets(p->state, bounds, n, &err) < 0) {
			free(bounds);
			return obs_cli_usage_error(x->dest->synopsis, "%s: %s", x->dest->name,
						   err.msg);
		}
		free(bounds);
		return 0;
	}
	}
	return obs_cli_usage_error(x->dest->synopsis, "%s: unknown option", x->dest->name);
}

static int prom_load(struct exp *x, const char *signal, json_t *state, struct obs_error *err)
{
	struct prom *p = prom_of(x);

	(void)signal;
	return obs_mstate_load(p->state, json_object_get(state, "mstate") ?
				       json_object_get(state, "mstate") : state, err);
}

static json_t *prom_save(struct exp *x, const char *signal)
{
	struct prom *p = x->priv;
	json_t *dump;

	(void)signal;
	dump = obs_mstate_dump(p->state);
	return dump ? json_pack("{s:o}", "mstate", dump) : NULL;
}

/* ==== pushgateway ============================================================== */

/* A path segment: as it is when plain, else NAME@base64/ and base64url of VALUE. */
static void push_segment(struct xbuf *b, const char *name, const char *value)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(value);
	int plain = n > 0;

	for (size_t i = 0; i < n && plain; i++) {
		char c = value[i];

		plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '~';
	}
	/* "." and ".." would be path steps. */
	if (plain && (!strcmp(value, ".") || !strcmp(value, "..")))
		plain = 0;
	xb_char(b, '/');
	xb_str(b, name);
	if (plain) {
		xb_char(b, '/');
		xb_str(b, value);
		return;
	}
	xb_str(b, "@base64/");
	if (!n) {
		xb_char(b, '=');
		return;
	}
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)value[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)value[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)value[i + 2];
		xb_char(b, b64[v >> 18 & 63]);
		xb_char(b, b64[v >> 12 & 63]);
		xb_char(b, i + 1 < n ? b64[v >> 6 & 63] : '=');
		xb_char(b, i + 2 < n ? b64[v & 63] : '=');
	}
}

static int pushgateway_setup(struct exp *x)
{
	struct prom *p = prom_of(x);
	struct xbuf url = { 0 };
	const char *base = x->url ? x->url : "http://localhost:9091";
	size_t n = strlen(base);

	if (!p->job)
		p->job = xstrdup("obs");
	while (n && base[n - 1] == '/')
		n--;
	xb_raw(&url, base, n);
	if (!strstr(url.p, "/metrics"))
		xb_str(&url, "/metrics");
	push_segment(&url, "job", p->job);
	for (size_t i = 0; i < p->ngroup; i++) {
		char *name = xstrndup(p->group[i], (size_t)(strchr(p->group[i], '=') - p->group[i]));

		push_segment(&url, name, strchr(p->group[i], '=') + 1);
		free(name);
	}
	free(x->url);
	x->url = url.p;
	return 0;
}

static int pushgateway_prepare(struct exp *x, struct exp_batch *b, struct obs_error *err)
{
	struct prom *p = x->priv;

	(void)err;
	for (size_t i = 0; i < b->n; i++) {
		struct obs_error e;
		int k;

		if (b->items[i].bad)
			continue;
		k = obs_mstate_apply(p->state, exp_line(b, i), b->items[i].len, NULL, NULL, &e);
		if (k < 0)
			exp_refuse(x, b, i, "%s", e.msg);
		else if (k == 1)
			exp_refuse(x, b, i, "older than the last value of its series, not sent");
	}
	return 0;
}

static int pushgateway_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
			      struct exp_req *req, struct obs_error *err)
{
	struct prom *p = x->priv;
	size_t len;

	(void)b;
	(void)idx;
	free(p->text);
	p->text = obs_mstate_text(p->state, &len, err);
	if (!p->text)
		return -1;
	req->method = p->post ? "POST" : "PUT";
	req->content_type = "text/plain; version=0.0.4; charset=utf-8";
	req->body = p->text;
	req->len = len;
	req->records = n;
	return 0;
}

static const struct option pushgateway_longopts[] = {
	{ "job", required_argument, NULL, OPT_JOB },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest pushgateway_dest = {
	.name = "pushgateway",
	.synopsis = "pushgateway [options] [FILE...]",
	.options =
		"Pushes metrics to a Prometheus Pushgateway (--url, default\n"
		"http://localhost:9091) at /metrics/job/JOB{/LABEL/VALUE}, in the text format.\n"
		"Each push carries every series seen so far (running totals of counters\n"
		"written by inc/add, histogram buckets of observations), kept with the cursor.\n"
		"      --job NAME            the job of the group (default obs)\n"
		"      --group NAME=VALUE    a grouping label (repeatable); values with '/' or\n"
		"                            other awkward bytes are sent in base64\n"
		"      --method put|post     put (default) replaces the group; post replaces only\n"
		"                            the metrics pushed, keeping others in the group\n"
		"      --buckets LIST        histogram bounds for observations (default\n"
		"                            Prometheus's .005,.01,...,10)\n"
		"Signals: metrics.\n",
	.longopts = pushgateway_longopts,
	.signals = "metrics",
	.default_signals = "metrics",
	.no_split = 1,
	.checks_json = 1,
	.option = prom_option,
	.setup = pushgateway_setup,
	.prepare = pushgateway_prepare,
	.encode = pushgateway_encode,
	.load_state = prom_load,
	.save_state = prom_save,
	.cleanup = prom_cleanup,
};

int cmd_pushgateway(int argc, char **argv)
{
	return exp_main(&pushgateway_dest, argc, argv);
}

/* ==== remote write ================================================================ */

static int rw_setup(struct exp *x)
{
	int rc;

	prom_of(x);
	if (!x->url)
		return obs_cli_usage_error(x->dest->synopsis, "remote-write: no URL: give --url "
					   "http://HOST:9090/api/v1/write");
	rc = exp_header(x, "Content-Encoding", "snappy");
	if (!rc)
		rc = exp_header(x, "X-Prometheus-Remote-Write-Version", "0.1.0");
	return rc;
}

static int on_sample(void *ctx, const struct obs_mstate_series *s, struct obs_error *err)
{
	struct prom *p = ctx;
	struct sample *sm;

	(void)err;
	if (p->nsamples == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->samples = xrealloc(p->samples, p->cap * sizeof(*p->samples));
	}
	sm = &p->samples[p->nsamples++];
	sm->labels = obs_labels_ref(s->labels);
	sm->t = s->t_ms;
	sm->v = s->value;
	sm->item = p->cur_item;
	return 0;
}

static int rw_prepare(struct exp *x, struct exp_batch *b, struct obs_error *err)
{
	struct prom *p = x->priv;

	(void)err;
	samples_clear(p);
	for (size_t i = 0; i < b->n; i++) {
		struct obs_error e;
		int k;

		if (b->items[i].bad)
			continue;
		p->cur_item = i;
		k = obs_mstate_apply(p->state, exp_line(b, i), b->items[i].len, on_sample, p, &e);
		if (k < 0)
			exp_refuse(x, b, i, "%s", e.msg);
		else if (k == 1)
			exp_refuse(x, b, i, "older than the last sample of its series, not sent");
	}
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = x->labels == y->labels ? 0 : obs_labels_cmp(x->labels, y->labels);

	if (c)
		return c;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

static int rw_encode(struct exp *x, struct exp_batch *b, const size_t *idx, size_t n,
		     struct exp_req *req, struct obs_error *err)
{
	struct prom *p = x->priv;
	struct sample *sel;
	size_t nsel = 0, i, j, max;

	if (p->nmark < b->n) {
		p->mark = xrealloc(p->mark, b->n);
		p->nmark = b->n;
	}
	memset(p->mark, 0, b->n);
	for (i = 0; i < n; i++)
		p->mark[idx[i]] = 1;
	sel = xmalloc((p->nsamples ? p->nsamples : 1) * sizeof(*sel));
	for (i = 0; i < p->nsamples; i++)
		if (p->mark[p->samples[i].item] && !b->items[p->samples[i].item].bad)
			sel[nsel++] = p->samples[i];
	/* Series by label set (labels sorted inside each), samples in time order. */
	qsort(sel, nsel, sizeof(*sel), sample_cmp);
	obs_pb_writer_reset(&p->pb);
	for (i = 0; i < nsel; i = j) {
		const struct obs_labels *l = sel[i].labels;

		obs_pb_begin(&p->pb, 1);                  /* WriteRequest.timeseries */
		for (unsigned k = 0; k < l->len; k++) {
			obs_pb_begin(&p->pb, 1);          /* TimeSeries.labels */
			obs_pb_put_string(&p->pb, 1, l->v[k].name);
			obs_pb_put_string(&p->pb, 2, l->v[k].value);
			obs_pb_end(&p->pb);
		}
		for (j = i; j < nsel && (sel[j].labels == l || obs_labels_equal(sel[j].labels, l));
		     j++) {
			obs_pb_begin(&p->pb, 2);          /* TimeSeries.samples */
			obs_pb_put_double(&p->pb, 1, sel[j].v);
			obs_pb_put_uint64(&p->pb, 2, (uint64_t)sel[j].t);
			obs_pb_end(&p->pb);
		}
		obs_pb_end(&p->pb);
	}
	free(sel);
	if (obs_pb_writer_check(&p->pb, err) < 0)
		return -1;
	max = snappy_max_compressed_length(p->pb.len);
	if (max > p->snappy_cap) {
		p->snappy = xrealloc(p->snappy, max);
		p->snappy_cap = max;
	}
	if (snappy_compress((const char *)p->pb.buf, p->pb.len, p->snappy, &max) != SNAPPY_OK)
		return obs_error_set(err, "snappy compression failed");
	req->content_type = "application/x-protobuf";
	req->body = p->snappy;
	req->len = nsel ? max : 0;
	req->records = n;
	return 0;
}

static const struct option rw_longopts[] = {
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ NULL, 0, NULL, 0 },
};

static const struct exp_dest rw_dest = {
	.name = "remote-write",
	.synopsis = "remote-write --url URL [options] [FILE...]",
	.options =
		"Sends metrics with Prometheus remote write 1.0 (protobuf WriteRequest,\n"
		"snappy block format) to --url, e.g. http://HOST:9090/api/v1/write (Prometheus\n"
		"with --web.enable-remote-write-receiver), Mimir, Thanos, VictoriaMetrics.\n"
		"Counters written by inc/add are sent as running totals, histogram\n"
		"observations as _bucket/_sum/_count series; the totals are kept with the\n"
		"cursor. Labels are sorted, each series' samples in time order. Prometheus\n"
		"answers 400 to a request when it refuses some of its samples (too old, out\n"
		"of order) and stores the others: the request is halved until the refused\n"
		"records are found, and only they are dead-lettered (samples sent twice are\n"
		"the same samples, which Prometheus accepts).\n"
		"      --buckets LIST        histogram bounds for observations (default\n"
		"                            Prometheus's .005,.01,...,10)\n"
		"Signals: metrics.\n",
	.longopts = rw_longopts,
	.signals = "metrics",
	.default_signals = "metrics",
	.own_encoding = 1,
	.split_rejected = 1,
	.checks_json = 1,
	.option = prom_option,
	.setup = rw_setup,
	.prepare = rw_prepare,
	.encode = rw_encode,
	.load_state = prom_load,
	.save_state = prom_save,
	.cleanup = prom_cleanup,
};

int cmd_remote_write(int argc, char **argv)
{
	return exp_main(&rw_dest, argc, argv);
}
