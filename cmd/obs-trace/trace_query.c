/* SPDX-License-Identifier: MIT */
/* obs-trace query: find spans, or summarise traces, by service, name, status, duration, time. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_filter.h"
#include "obs_ndjson.h"
#include "obs_text.h"
#include "obs_time.h"
#include "trace.h"
#include "trace_read.h"

static const char query_synopsis[] = "query [options] [FILE...]";
static const char query_options[] =
	"options:\n"
	"      --trace ID          spans of this trace\n"
	"      --service NAME      spans of this service (exact)\n"
	"      --name GLOB         span names matching this glob ('make *')\n"
	"      --status STATUS     ok, error or unset\n"
	"      --min-duration DUR  at least this long ('250ms', '1m30s')\n"
	"      --max-duration DUR  at most this long\n"
	"      --since TIME        started at or after TIME (RFC 3339, date, Unix time,\n"
	"                          or a duration ago: '2h')\n"
	"      --until TIME        started at or before TIME\n"
	"      --attr KEY=VALUE    attribute (or resource attribute) equal to VALUE;\n"
	"                          repeat for more, all must match\n"
	"  -n, --limit N           stop after N results\n"
	"      --traces            one summary per trace instead of spans\n"
	"  -o, --output FORMAT     ndjson, json or table (default: table on a terminal,\n"
	"                          else ndjson)\n"
	"      --strict            a malformed line is an error (exit 3)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Reads the FILEs (\"-\" for standard input, gzip allowed), else standard input\n"
	"when it is a pipe or a file, else the store (only the days in --since/--until).\n"
	"Exit status: 0 (also when nothing matches), 2 usage error, 3 unreadable\n"
	"input or, with --strict, a malformed line.\n";

struct query_opts {
	struct obs_filter f;
	long long limit;       /* -1: none */
	int traces;
	int strict;
	enum obs_output out;
};

/* ---- per-span output -------------------------------------------------------- */

struct span_out {
	enum obs_output fmt;
	struct obs_ndjson_writer w;
	struct obs_table table;
	unsigned long long n;
	int failed;
};

/* A table cell from string field KEY: control characters shown as '?', "-" if absent. */
static void cell_string(const struct obs_jscan *s, const char *key, size_t max, char *buf,
			size_t size)
{
	size_t i;

	if (obs_jscan_strcpy(s, obs_jscan_get(s, 0, key), buf, size) < 0) {
		/* Absent, not a string, or too long for a cell: show what fits. */
		const char *raw;
		size_t n;

		raw = obs_jscan_raw(s, obs_jscan_get(s, 0, key), &n);
		if (!raw || obs_jscan_type(s, obs_jscan_get(s, 0, key)) != OBS_JSCAN_STRING) {
			snprintf(buf, size, "-");
			return;
		}
		snprintf(buf, size, "%.*s", (int)(n < size - 1 ? n : size - 1), raw);
	}
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	if (max && strlen(buf) > max)
		buf[max] = '\0';
}

static void table_row(struct span_out *o, const struct obs_jscan *s)
{
	char start[OBS_TIME_BUFSZ], trace[64], span[64], service[256], name[512], dur[32],
		status[32];
	const char *cells[7];
	int64_t v;

	if (obs_jscan_time(s, obs_jscan_get(s, 0, "start"), &v) == 0)
		trace_fmt_second(v, start, sizeof(start));
	else
		snprintf(start, sizeof(start), "-");
	cell_string(s, "trace_id", 8, trace, sizeof(trace));
	cell_string(s, "span_id", 0, span, sizeof(span));
	cell_string(s, "service", 0, service, sizeof(service));
	cell_string(s, "name", 0, name, sizeof(name));
	if (obs_jscan_ms(s, obs_jscan_get(s, 0, "duration_ms"), &v) == 0)
		obs_duration_format(v, dur, sizeof(dur));
	else
		snprintf(dur, sizeof(dur), "-");
	cell_string(s, "status", 0, status, sizeof(status));
	cells[0] = start;
	cells[1] = trace;
	cells[2] = span;
	cells[3] = service;
	cells[4] = name;
	cells[5] = dur;
	cells[6] = status;
	obs_table_add(&o->table, cells);
}

static void span_out_init(struct span_out *o, enum obs_output fmt)
{
	static const char *const head[] = { "START", "TRACE", "SPAN", "SERVICE", "NAME",
					    "DURATION", "STATUS" };

	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	obs_ndjson_writer_init(&o->w, STDOUT_FILENO);
	if (fmt == OBS_OUT_TABLE)
		obs_table_init(&o->table, 7, head);
}

/* 0, or -1 on a write error (reported). */
static int span_out_add(struct span_out *o, const struct obs_jscan *s, const char *line,
			size_t len)
{
	struct obs_error err;

	o->n++;
	switch (o->fmt) {
	case OBS_OUT_JSON:
		fputs(o->n == 1 ? "[\n" : ",\n", stdout);
		fwrite(line, 1, len, stdout);
		if (ferror(stdout))
			goto write_error;
		return 0;
	case OBS_OUT_TABLE:
		table_row(o, s);
		return 0;
	default:
		if (obs_ndjson_write_raw(&o->w, line, len, &err) < 0) {
			obs_warnx("%s", err.msg);
			o->failed = 1;
			return -1;
		}
		return 0;
	}
write_error:
	o->failed = 1;
	return -1;
}

/* Finish the output; returns 0 or -1 (reported). */
static int span_out_finish(struct span_out *o)
{
	struct obs_error err;
	int rc = 0;

	switch (o->fmt) {
	case OBS_OUT_JSON:
		fputs(o->n ? "\n]\n" : "[]\n", stdout);
		break;
	case OBS_OUT_TABLE:
		if (o->table.nrows)
			rc = obs_table_print(&o->table, stdout, obs_cli_color(STDOUT_FILENO));
		obs_table_release(&o->table);
		break;
	default:
		if (!o->failed && obs_ndjson_flush(&o->w, &err) < 0) {
			obs_warnx("%s", err.msg);
			rc = -1;
		}
		break;
	}
	obs_ndjson_writer_release(&o->w);
	return o->failed ? -1 : rc;
}

/* ---- --traces: one summary per trace ---------------------------------------- */

struct trace_sum {
	char *id;
	char *root;             /* name of the earliest root span, or NULL */
	int64_t root_start;
	char **services;
	int nservices;
	unsigned long spans, errors, oks;
	int64_t start, end;
};

struct trace_map {
	struct trace_sum **slot;
	size_t cap, n;
};

static void map_grow(struct trace_map *m)
{
	struct trace_sum **old = m->slot;
	size_t oldcap = m->cap, i, j;

	m->cap = m->cap ? m->cap * 2 : 1024;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	if (!m->slot)
		abort();
	for (i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		j = obs_text_hash(old[i]->id, strlen(old[i]->id)) & (m->cap - 1);
		while (m->slot[j])
			j = (j + 1) & (m->cap - 1);
		m->slot[j] = old[i];
	}
	free(old);
}

/* The summary of trace ID (N bytes), created empty if new. */
static struct trace_sum *map_get(struct trace_map *m, const char *id, size_t n)
{
	struct trace_sum *t;
	size_t j;

	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	j = obs_text_hash(id, n) & (m->cap - 1);
	while (m->slot[j]) {
		if (strlen(m->slot[j]->id) == n && !memcmp(m->slot[j]->id, id, n))
			return m->slot[j];
		j = (j + 1) & (m->cap - 1);
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->id = strndup(id, n)))
		abort();
	t->start = OBS_TIME_MAX;
	t->end = OBS_TIME_MIN;
	m->slot[j] = t;
	m->n++;
	return t;
}

static void sum_free(struct trace_sum *t)
{
	int i;

	for (i = 0; i < t->nservices; i++)
		free(t->services[i]);
	free(t->services);
	free(t->root);
	free(t->id);
	free(t);
}

/* Add the span in S to its trace's summary; 0, or -1 with REASON if a needed field is bad. */
static int traces_add(struct trace_map *m, const struct obs_jscan *s, const char **reason)
{
	char buf[512];
	const char *id, *svc;
	size_t idlen, svclen;
	struct trace_sum *t;
	int64_t start, end;
	int tok, i, parent;

	tok = obs_jscan_get(s, 0, "trace_id");
	if (tok < 0) {
		*reason = "missing 'trace_id'";
		return -1;
	}
	if (obs_jscan_type(s, tok) != OBS_JSCAN_STRING ||
	    obs_jscan_string(s, tok, buf, sizeof(buf), &id, &idlen) < 0 || !idlen) {
		*reason = "'trace_id' is not a valid id";
		return -1;
	}
	if (obs_jscan_time(s, obs_jscan_get(s, 0, "start"), &start) < 0) {
		*reason = "'start' is not a valid time";
		return -1;
	}
	if (obs_jscan_time(s, obs_jscan_get(s, 0, "end"), &end) < 0) {
		*reason = "'end' is not a valid time";
		return -1;
	}
	t = map_get(m, id, idlen);
	t->spans++;
	if (obs_jscan_streq(s, obs_jscan_get(s, 0, "status"), "error"))
		t->errors++;
	else if (obs_jscan_streq(s, obs_jscan_get(s, 0, "status"), "ok"))
		t->oks++;
	if (start < t->start)
		t->start = start;
	if (end > t->end)
		t->end = end;
	tok = obs_jscan_get(s, 0, "service");
	if (obs_jscan_string(s, tok, buf, sizeof(buf), &svc, &svclen) == 0) {
		for (i = 0; i < t->nservices; i++)
			if (strlen(t->services[i]) == svclen && !memcmp(t->services[i], svc, svclen))
				break;
		if (i == t->nservices) {
			char **grown = realloc(t->services, (size_t)(i + 1) * sizeof(*grown));

			if (!grown || !(grown[i] = strndup(svc, svclen)))
				abort();
			t->services = grown;
			t->nservices++;
		}
	}
	parent = obs_jscan_get(s, 0, "parent_span_id");
	if (parent < 0 || obs_jscan_type(s, parent) == OBS_JSCAN_NULL) {
		if (!t->root || start < t->root_start) {
			char *name = obs_jscan_strdup(s, obs_jscan_get(s, 0, "name"), NULL);

			if (name) {
				free(t->root);
				t->root = name;
				t->root_start = start;
			}
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_sum(const void *a, const void *b)
{
	const struct trace_sum *x = *(const struct trace_sum *const *)a;
	const struct trace_sum *y = *(const struct trace_sum *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->id, y->id);
}

static const char *sum_status(const struct trace_sum *t)
{
	return t->errors ? "error" : t->oks ? "ok" : "unset";
}

static void sum_json(struct obs_buf *b, const struct trace_sum *t)
{
	char ts[OBS_TIME_BUFSZ], ms[48];
	int i;

	jb_cstr(b, "{\"trace_id\":");
	jb_str(b, t->id, strlen(t->id));
	jb_cstr(b, ",\"root\":");
	if (t->root)
		jb_str(b, t->root, strlen(t->root));
	else
		jb_cstr(b, "null");
	jb_cstr(b, ",\"services\":[");
	for (i = 0; i < t->nservices; i++) {
		if (i)
			jb_cstr(b, ",");
		jb_str(b, t->services[i], strlen(t->services[i]));
	}
	jb_fmt(b, "],\"span_count\":%lu,\"error_count\":%lu", t->spans, t->errors);
	obs_time_format(t->start, ts, sizeof(ts));
	jb_fmt(b, ",\"start\":\"%s\"", ts);
	obs_time_format(t->end, ts, sizeof(ts));
	jb_fmt(b, ",\"end\":\"%s\"", ts);
	trace_fmt_ms(t->end - t->start, ms, sizeof(ms));
	jb_fmt(b, ",\"duration_ms\":%s,\"status\":\"%s\"}", ms, sum_status(t));
}

/* Print the summaries, oldest first, at most LIMIT; frees the map. 0 or -1 (reported). */
static int traces_print(struct trace_map *m, enum obs_output fmt, long long limit)
{
	static const char *const head[] = { "START", "TRACE", "ROOT", "SERVICES", "SPANS",
					    "ERRORS", "DURATION", "STATUS" };
	struct trace_sum **all;
	struct obs_ndjson_writer w;
	struct obs_table table;
	struct obs_error err;
	struct obs_buf b = OBS_BUF_INIT;
	size_t i, j, n = 0;
	int rc = 0;

	all = malloc((m->n ? m->n : 1) * sizeof(*all));
	if (!all)
		abort();
	for (i = 0; i < m->cap; i++)
		if (m->slot[i])
			all[n++] = m->slot[i];
	qsort(all, n, sizeof(*all), cmp_sum);
	if (limit >= 0 && (size_t)limit < n)
		n = (size_t)limit;
	obs_ndjson_writer_init(&w, STDOUT_FILENO);
	if (fmt == OBS_OUT_TABLE)
		obs_table_init(&table, 8, head);
	if (fmt == OBS_OUT_JSON)
		fputs(n ? "[\n" : "[]\n", stdout);
	for (i = 0; i < n && rc == 0; i++) {
		struct trace_sum *t = all[i];

		qsort(t->services, (size_t)t->nservices, sizeof(*t->services), cmp_str);
		if (fmt == OBS_OUT_TABLE) {
			char start[OBS_TIME_BUFSZ], spans[24], errors[24], dur[32];
			const char *cells[8];

			b.len = 0;
			for (j = 0; j < (size_t)t->nservices; j++)
				jb_fmt(&b, "%s%s", j ? "," : "", t->services[j]);
			trace_fmt_second(t->start, start, sizeof(start));
			snprintf(spans, sizeof(spans), "%lu", t->spans);
			snprintf(errors, sizeof(errors), "%lu", t->errors);
			obs_duration_format(t->end - t->start, dur, sizeof(dur));
			cells[0] = start;
			cells[1] = t->id;
			cells[2] = t->root ? t->root : "-";
			cells[3] = b.len ? b.p : "-";
			cells[4] = spans;
			cells[5] = errors;
			cells[6] = dur;
			cells[7] = sum_status(t);
			obs_table_add(&table, cells);
			continue;
		}
		b.len = 0;
		sum_json(&b, t);
		if (fmt == OBS_OUT_JSON) {
			fputs(i ? ",\n" : "", stdout);
			fwrite(b.p, 1, b.len, stdout);
		} else if (obs_ndjson_write_raw(&w, b.p, b.len, &err) < 0) {
			obs_warnx("%s", err.msg);
			rc = -1;
		}
	}
	if (fmt == OBS_OUT_JSON && n)
		fputs("\n]\n", stdout);
	if (fmt == OBS_OUT_TABLE) {
		if (table.nrows && obs_table_print(&table, stdout, obs_cli_color(STDOUT_FILENO)) < 0)
			rc = -1;
		obs_table_release(&table);
	}
	if (fmt == OBS_OUT_NDJSON && rc == 0 && obs_ndjson_flush(&w, &err) < 0) {
		obs_warnx("%s", err.msg);
		rc = -1;
	}
	obs_ndjson_writer_release(&w);
	obs_buf_release(&b);
	for (i = 0; i < m->cap; i++)
		if (m->slot[i])
			sum_free(m->slot[i]);
	free(m->slot);
	free(all);
	memset(m, 0, sizeof(*m));
	return rc;
}

/* ---- the command -------------------------------------------------------------- */

enum {
	OPT_TRACE = 256, OPT_SERVICE, OPT_NAME, OPT_STATUS, OPT_MIN_DURATION, OPT_MAX_DURATION,
	OPT_SINCE, OPT_UNTIL, OPT_ATTR, OPT_TRACES, OPT_STRICT,
};

/* 0 to go on, 1 after --help, or an exit status > 1. */
static int parse_query_opts(int argc, char **argv, struct query_opts *q)
{
	static const struct option longopts[] = {
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "service", required_argument, NULL, OPT_SERVICE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
		{ "max-duration", required_argument, NULL, OPT_MAX_DURATION },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "attr", required_argument, NULL, OPT_ATTR },
		{ "limit", required_argument, NULL, 'n' },
		{ "traces", no_argument, NULL, OPT_TRACES },
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obs_error err;
	const char *name;
	char *end;
	int c, idx;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:h", longopts, &idx)) != -1) {
		switch (c) {
		case OPT_TRACE:
		case OPT_SERVICE:
		case OPT_NAME:
		case OPT_STATUS:
		case OPT_MIN_DURATION:
		case OPT_MAX_DURATION:
		case OPT_SINCE:
		case OPT_UNTIL:
		case OPT_ATTR:
			name = longopts[idx].name;
			if (obs_filter_add(&q->f, name, optarg, &err) < 0) {
				obs_warnx("%s", err.msg);
				return OBS_EXIT_USAGE;
			}
			break;
		case 'n':
			errno = 0;
			q->limit = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || q->limit < 0 || optarg[0] == '-') {
				obs_warnx("invalid limit '%s' (expected a count)", optarg);
				return OBS_EXIT_USAGE;
			}
			break;
		case OPT_TRACES:
			q->traces = 1;
			break;
		case 'o':
			if (obs_output_parse(optarg, 1u << OBS_OUT_NDJSON | 1u << OBS_OUT_JSON |
						     1u << OBS_OUT_TABLE, &q->out) < 0) {
				obs_warnx("invalid output format '%s' (expected ndjson, json or table)",
					  optarg);
				return OBS_EXIT_USAGE;
			}
			break;
		case OPT_STRICT:
			q->strict = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, query_synopsis, query_options);
			return 1;
		default:
			return obs_cli_bad_option("query", query_synopsis, argv, c);
		}
	}
	return 0;
}

int cmd_query(int argc, char **argv)
{
	struct query_opts q;
	struct obs_cli_input in;
	struct trace_map map = { 0 };
	struct span_out out;
	struct obs_error err;
	const char *line, *reason;
	size_t len;
	int rc, status = OBS_EXIT_OK, r;

	memset(&q, 0, sizeof(q));
	obs_filter_init(&q.f);
	q.limit = -1;
	q.out = OBS_OUT_AUTO;
	rc = parse_query_opts(argc, argv, &q);
	if (rc) {
		obs_filter_release(&q.f);
		return rc == 1 ? obs_cli_finish(OBS_EXIT_OK) : rc;
	}
	/* Other signals may share a file with spans: they are not errors, just not wanted. */
	if (obs_filter_add(&q.f, "type", "span", &err) < 0) {
		obs_warnx("%s", err.msg);
		obs_filter_release(&q.f);
		return OBS_EXIT_FAILURE;
	}
	q.out = obs_output_resolve(q.out, OBS_OUT_TABLE);
	rc = obs_cli_input_open(&in, argv + optind, argc - optind, "spans", q.f.since, q.f.until,
				q.strict);
	if (rc) {
		obs_filter_release(&q.f);
		return rc;
	}
	span_out_init(&out, q.traces ? OBS_OUT_NDJSON : q.out);
	while (q.limit != 0 || q.traces) {
		r = obs_cli_input_next(&in, &line, &len);
		if (r <= 0)
			break;
		r = obs_filter_match(&q.f, line, len, &err);
		if (r < 0) {
			if (obs_cli_input_bad(&in, err.msg) < 0)
				break;
			continue;
		}
		if (r == 0)
			continue;
		if (q.traces) {
			if (traces_add(&map, &q.f.scan, &reason) < 0 &&
			    obs_cli_input_bad(&in, reason) < 0)
				break;
			continue;
		}
		if (span_out_add(&out, &q.f.scan, line, len) < 0) {
			status = OBS_EXIT_FAILURE;
			break;
		}
		if (q.limit > 0 && out.n >= (unsigned long long)q.limit)
			break;
	}
	if (q.traces) {
		if (traces_print(&map, q.out, q.limit) < 0)
			status = OBS_EXIT_FAILURE;
		obs_ndjson_writer_release(&out.w);
	} else if (span_out_finish(&out) < 0) {
		status = OBS_EXIT_FAILURE;
	}
	status = obs_cli_input_finish(&in, status);
	obs_filter_release(&q.f);
	return obs_cli_finish(status);
}
