/* SPDX-License-Identifier: MIT */
/* obs-metric query: the result as NDJSON (one series per line), as Prometheus's API response, or as a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_promql.h"
#include "obs_time.h"

#define FLOAT_BUFSZ 400

/* S as a JSON string literal. */
static void put_json_string(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p == '\r') {
			fputs("\\r", f);
		} else if (*p < 0x20) {
			fprintf(f, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
		} else {
			fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void put_labels(FILE *f, const struct obs_labels *l)
{
	unsigned i;

	fputc('{', f);
	for (i = 0; l && i < l->len; i++) {
		if (i)
			fputc(',', f);
		put_json_string(f, l->v[i].name);
		fputc(':', f);
		put_json_string(f, l->v[i].value);
	}
	fputc('}', f);
}

/* [1700000000.5,"1"], as Prometheus writes a point. */
static void put_point(FILE *f, int64_t t, double v)
{
	char tb[48], vb[FLOAT_BUFSZ];

	obs_promql_format_time(t, tb, sizeof(tb));
	obs_promql_format_float(v, vb, sizeof(vb));
	fprintf(f, "[%s,\"%s\"]", tb, vb);
}

/* One line per series: {"metric":{...},"value":[t,"v"]} or {"metric":{...},"values":[...]}. */
static void print_ndjson(const struct obs_promql_value *v)
{
	char tb[48];
	size_t i, j;

	switch (v->type) {
	case OBS_PROMQL_SCALAR:
		fputs("{\"metric\":{},\"value\":", stdout);
		put_point(stdout, v->t, v->scalar);
		fputs("}\n", stdout);
		return;
	case OBS_PROMQL_STRING:
		obs_promql_format_time(v->t, tb, sizeof(tb));
		printf("{\"metric\":{},\"value\":[%s,", tb);
		put_json_string(stdout, v->string);
		fputs("]}\n", stdout);
		return;
	case OBS_PROMQL_VECTOR:
		for (i = 0; i < v->n; i++) {
			fputs("{\"metric\":", stdout);
			put_labels(stdout, v->samples[i].labels);
			fputs(",\"value\":", stdout);
			put_point(stdout, v->t, v->samples[i].v);
			fputs("}\n", stdout);
		}
		return;
	case OBS_PROMQL_MATRIX:
		for (i = 0; i < v->n; i++) {
			fputs("{\"metric\":", stdout);
			put_labels(stdout, v->series[i].labels);
			fputs(",\"values\":[", stdout);
			for (j = 0; j < v->series[i].n; j++) {
				if (j)
					fputc(',', stdout);
				put_point(stdout, v->series[i].points[j].t, v->series[i].points[j].v);
			}
			fputs("]}\n", stdout);
		}
		return;
	}
}

static int print_json(const struct obs_promql_value *v)
{
	char *data = obs_promql_value_json(v);

	if (!data) {
		obs_warnx("out of memory");
		return -1;
	}
	printf("{\"status\":\"success\",\"data\":%s}\n", data);
	free(data);
	return 0;
}

/* ---- table --------------------------------------------------------------------------- */

/* name{a="1", b="2"} as Prometheus shows series; "{}" for none. */
static char *series_name(const struct obs_labels *l)
{
	const char *name;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	unsigned i, n = 0;

	if (!l)
		return strdup("{}");
	name = obs_labels_get(l, "__name__");
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs(name ? name : "", f);
	for (i = 0; i < l->len; i++) {
		if (strcmp(l->v[i].name, "__name__") == 0)
			continue;
		fprintf(f, "%s%s=", n++ ? ", " : "{", l->v[i].name);
		put_json_string(f, l->v[i].value);
	}
	if (n)
		fputc('}', f);
	else if (!name)
		fputs("{}", f);
	fclose(f);
	return buf;
}

/* A table time: RFC 3339 to the second, or to the millisecond when it has one. */
static void table_time(int64_t t_ms, char *buf, size_t size)
{
	char full[OBS_TIME_BUFSZ];

	obs_time_format(t_ms * 1000000, full, sizeof(full));
	if (t_ms % 1000 == 0)
		snprintf(buf, size, "%.19sZ", full);
	else
		snprintf(buf, size, "%.23sZ", full);
}

static void table_row(struct obs_table *t, const struct obs_labels *l, int64_t ts, double v)
{
	char tb[40], vb[FLOAT_BUFSZ];
	char *name = series_name(l);
	const char *cells[3];

	table_time(ts, tb, sizeof(tb));
	obs_promql_format_float(v, vb, sizeof(vb));
	cells[0] = name ? name : "?";
	cells[1] = tb;
	cells[2] = vb;
	obs_table_add(t, cells);
	free(name);
}

static int print_table(const struct obs_promql_value *v)
{
	static const char *const head[] = { "SERIES", "TIME", "VALUE" };
	struct obs_table t;
	size_t i, j;
	int rc = 0;

	obs_table_init(&t, 3, head);
	if (v->type == OBS_PROMQL_SCALAR) {
		table_row(&t, NULL, v->t, v->scalar);
	} else if (v->type == OBS_PROMQL_STRING) {
		char tb[40];
		const char *cells[3] = { "{}", tb, v->string };

		table_time(v->t, tb, sizeof(tb));
		obs_table_add(&t, cells);
	}
	for (i = 0; v->type == OBS_PROMQL_VECTOR && i < v->n; i++)
		table_row(&t, v->samples[i].labels, v->t, v->samples[i].v);
	for (i = 0; v->type == OBS_PROMQL_MATRIX && i < v->n; i++)
		for (j = 0; j < v->series[i].n; j++)
			table_row(&t, v->series[i].labels, v->series[i].points[j].t,
				  v->series[i].points[j].v);
	if (t.nrows)
		rc = obs_table_print(&t, stdout, obs_cli_color(STDOUT_FILENO));
	obs_table_release(&t);
	return rc;
}

int metric_query_print(const struct obs_promql_value *v, enum obs_output fmt)
{
	if (fmt == OBS_OUT_JSON)
		return print_json(v);
	if (fmt == OBS_OUT_TABLE)
		return print_table(v);
	print_ndjson(v);
	return 0;
}
