/* SPDX-License-Identifier: MIT */
/* Benchmark data: SERIES scraped counters x SAMPLES samples STEP seconds apart, as canonical metric records, in time order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 *   gen-metrics SERIES SAMPLES [STEP [START [JOBS]]]
 * START is Unix seconds (default 2026-11-24T00:00:00Z); series i has
 * job="jobN" (N = i % JOBS, 10 jobs by default) and instance="host<i>:9100";
 * values grow by a pseudo-random 0..9 per step. Writes NDJSON on stdout.
 */
int main(int argc, char **argv)
{
	long series = argc > 1 ? atol(argv[1]) : 10000;
	long samples = argc > 2 ? atol(argv[2]) : 5760;
	long step = argc > 3 ? atol(argv[3]) : 15;
	long long start = argc > 4 ? atoll(argv[4]) : 1795478400LL;
	long jobs = argc > 5 ? atol(argv[5]) : 10;
	unsigned long long *val, rng = 88172645463325252ULL;
	char ts[40];
	long i, s;

	if (series <= 0 || samples <= 0 || step <= 0 || jobs <= 0) {
		fputs("usage: gen-metrics SERIES SAMPLES [STEP [START [JOBS]]]\n", stderr);
		return 2;
	}
	val = calloc((size_t)series, sizeof(*val));
	if (!val)
		return 1;
	for (i = 0; i < samples; i++) {
		time_t t = (time_t)(start + i * step);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000000000Z", &tm);
		for (s = 0; s < series; s++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			val[s] += rng % 10;
			printf("{\"type\":\"metric\",\"name\":\"x\",\"metric_type\":\"counter\",\"value\":%llu,"
			       "\"labels\":{\"job\":\"job%ld\",\"instance\":\"host%ld:9100\"},\"time\":\"%s\","
			       "\"cumulative\":true}\n", val[s], s % jobs, s, ts);
		}
	}
	free(val);
	return fflush(stdout) == 0 ? 0 : 1;
}
