/* SPDX-License-Identifier: MIT */
/* Test helper: load metric records, evaluate PromQL expressions, print Prometheus API JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "obs_promql.h"
#include "obs_series.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: promql_eval [-f RECORDS] (-t TIME | -s START -e END -r STEP) EXPR\n"
		"       promql_eval [-f RECORDS] -b BATCH   (lines: TIME<TAB>\"EXPR as a JSON string\")\n"
		"times and steps in seconds; prints the API \"data\" object, or \"error: MSG\"\n");
}

static int64_t secs(const char *s)
{
	return (int64_t)llround(strtod(s, NULL) * 1000);
}

/* Evaluate one expression and print its result line; 0, or 1 on an error (printed). */
static int eval_one(struct obs_series_set *set, const char *text, int range, int64_t t,
		    int64_t start, int64_t end, int64_t step)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(text, &err);
	struct obs_promql_value *v = NULL;
	char *json;
	int rc;

	if (!e) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	rc = range ? obs_promql_eval_range(set, e, start, end, step, NULL, &v, &err)
		   : obs_promql_eval_instant(set, e, t, NULL, &v, &err);
	obs_promql_expr_free(e);
	if (rc < 0) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	json = obs_promql_value_json(v);
	printf("%s\n", json ? json : "error: out of memory");
	free(json);
	obs_promql_value_free(v);
	return 0;
}

static int batch(struct obs_series_set *set, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *tab;
	json_t *expr;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		perror(path);
		return 2;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		tab = strchr(line, '\t');
		if (!tab) {
			printf("error: no tab\n");
			continue;
		}
		*tab = '\0';
		expr = json_loads(tab + 1, JSON_DECODE_ANY, NULL);
		if (!json_is_string(expr)) {
			printf("error: expression is not a JSON string\n");
			json_decref(expr);
			continue;
		}
		eval_one(set, json_string_value(expr), 0, secs(line), 0, 0, 0);
		json_decref(expr);
		fflush(stdout);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct obs_series_set *set = obs_series_set_new();
	const char *records = NULL, *bpath = NULL;
	int64_t t = 0, start = 0, end = 0, step = 0;
	int c, range = 0, rc;
	struct obs_error err;
	unsigned long skipped = 0;

	while ((c = getopt(argc, argv, "f:t:s:e:r:b:")) != -1) {
		switch (c) {
		case 'f': records = optarg; break;
		case 't': t = secs(optarg); break;
		case 's': start = secs(optarg); range = 1; break;
		case 'e': end = secs(optarg); range = 1; break;
		case 'r': step = secs(optarg); range = 1; break;
		case 'b': bpath = optarg; break;
		default: usage(); return 2;
		}
	}
	if (!set || (!bpath && optind != argc - 1)) {
		usage();
		return 2;
	}
	if (records && obs_series_set_load_file(set, records, 1, &skipped, &err) < 0) {
		fprintf(stderr, "promql_eval: %s\n", err.msg);
		obs_series_set_free(set);
		return 2;
	}
	if (bpath)
		rc = batch(set, bpath);
	else
		rc = eval_one(set, argv[optind], range, t, start, end, step);
	obs_series_set_free(set);
	return rc;
}
