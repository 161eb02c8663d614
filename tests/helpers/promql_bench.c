/* SPDX-License-Identifier: MIT */
/* Benchmark helper: SERIES series x SAMPLES 15 s samples in memory, then time a few queries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obs_promql.h"
#include "obs_series.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static int query(struct obs_series_set *set, const char *text, int64_t t)
{
	struct obs_error err;
	struct obs_promql_expr *e = obs_promql_parse(text, &err);
	struct obs_promql_value *v;
	double t0 = now();

	if (!e || obs_promql_eval_instant(set, e, t, NULL, &v, &err) < 0) {
		fprintf(stderr, "promql_bench: %s\n", err.msg);
		obs_promql_expr_free(e);
		return -1;
	}
	printf("%-45s %8.3f s  %zu results\n", text, now() - t0, v->n);
	obs_promql_value_free(v);
	obs_promql_expr_free(e);
	return 0;
}

int main(int argc, char **argv)
{
	size_t nseries = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t nsamples = argc > 2 ? strtoul(argv[2], NULL, 10) : 5760;
	struct obs_series_set *set = obs_series_set_new();
	struct obs_error err;
	char job[32], inst[32];
	struct obs_label l[3] = { { "__name__", "x" }, { "job", job }, { "instance", inst } };
	double t0, *val = calloc(nseries, sizeof(double));
	struct obs_series **h = calloc(nseries, sizeof(*h));
	size_t i, s;
	uint64_t rnd = 1;
	int64_t end = (int64_t)nsamples * 15000;

	for (s = 0; s < nseries; s++) {
		snprintf(job, sizeof(job), "job%zu", s % 10);
		snprintf(inst, sizeof(inst), "host%zu:9100", s);
		h[s] = obs_series_set_series(set, l, 3, &err);
		if (!h[s]) {
			fprintf(stderr, "promql_bench: %s\n", err.msg);
			return 1;
		}
	}
	t0 = now();
	for (i = 0; i < nsamples; i++) {
		for (s = 0; s < nseries; s++) {
			/* Counters scraped every 15 s, with a few ms of jitter. */
			rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
			val[s] += (double)((rnd >> 33) % 10);
			if (obs_series_append(set, h[s], (int64_t)i * 15000 + (int64_t)((rnd >> 40) % 5), val[s],
					      OBS_SERIES_SET, &err) < 0) {
				fprintf(stderr, "promql_bench: %s\n", err.msg);
				return 1;
			}
		}
	}
	if (obs_series_set_finish(set, &err) < 0)
		return 1;
	printf("loaded %zu series x %zu samples in %.2f s; set %.1f MB (%.2f bytes/sample), RSS %.1f MB\n",
	       nseries, nsamples, now() - t0, (double)obs_series_set_memory(set) / 1e6,
	       (double)obs_series_set_memory(set) / (double)(nseries * nsamples), (double)rss_kb() / 1e3);
	if (query(set, "sum by (job) (rate(x[5m]))", end) < 0 ||
	    query(set, "sum by (job) (rate(x[5m]))", end / 2) < 0 ||
	    query(set, "topk(5, max_over_time(x[1h]))", end) < 0 ||
	    query(set, "count(x{instance=~\"host1.*\"})", end) < 0 ||
	    query(set, "histogram_quantile(0.9, x)", end) < 0)
		return 1;
	printf("RSS after queries %.1f MB\n", (double)rss_kb() / 1e3);
	obs_series_set_free(set);
	free(val);
	free(h);
	return 0;
}
