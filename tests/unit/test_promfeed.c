/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_promfeed: incremental reads, start-overs (retention, compaction, truncation), windows, bad lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "failalloc.h"
#include "obs_promfeed.h"
#include "obs_time.h"

struct fx {
	char dir[64];
	char mdir[96];
	struct obs_store st;
	struct obs_promfeed f;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct obs_error err;

	strcpy(x->dir, "/tmp/obs-test-promfeed-XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	snprintf(x->mdir, sizeof(x->mdir), "%s/metrics", x->dir);
	if (obs_store_open(&x->st, x->dir, &err) < 0)
		return -1;
	obs_promfeed_init(&x->f, &x->st);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	obs_promfeed_release(&x->f);
	obs_store_release(&x->st);
	nftw(x->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(x);
	return 0;
}

static void path_of(struct fx *x, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", x->mdir, name);
}

/* Append TEXT to metrics/NAME (created). */
static void append(struct fx *x, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	mkdir(x->mdir, 0700);
	path_of(x, name, path, sizeof(path));
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A counter delta line for QUEUE, VALUE, at 10:00:SS on 2026-11-24. */
static char *counter(const char *queue, int value, int sec)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":%d,"
		 "\"labels\":{\"queue\":\"%s\"},\"time\":\"2026-11-24T10:00:%02d.000000000Z\"}\n",
		 value, queue, sec);
	return buf;
}

static void expect_text(struct fx *x, const char *want)
{
	struct obs_error err;
	size_t len;
	char *text;

	if (obs_promfeed_refresh(&x->f, obs_time_now(), &err) < 0)
		fail_msg("%s", err.msg);
	text = obs_promfeed_text(&x->f, &len, &err);
	assert_non_null(text);
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	free(text);
}

#define JOBS(a, b) "# TYPE jobs_total counter\njobs_total{queue=\"a\"} " a "\njobs_total{queue=\"b\"} " b "\n"

static void test_incremental(void **state)
{
	struct fx *x = *state;
	struct obs_error err;
	char *text;
	size_t len;

	/* nothing yet: no folder, then text before any refresh */
	text = obs_promfeed_text(&x->f, &len, &err);
	assert_string_equal(text, "");
	free(text);
	expect_text(x, "");

	append(x, "2026-11-24.ndjson", counter("a", 3, 0));
	append(x, "2026-11-24.ndjson", counter("b", 7, 1));
	expect_text(x, JOBS("3", "7"));
	assert_int_equal(x->f.records, 2);
	/* only the new lines are read: a record still being written waits for its newline */
	append(x, "2026-11-24.ndjson", counter("a", 2, 2));
	append(x, "2026-11-24.ndjson", "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_t");
	expect_text(x, JOBS("5", "7"));
	assert_int_equal(x->f.records, 3);
	append(x, "2026-11-24.ndjson", "ype\":\"counter\",\"value\":1,\"labels\":{\"queue\":\"b\"},"
	       "\"time\":\"2026-11-24T10:00:09Z\"}\n\n  \n");
	expect_text(x, JOBS("5", "8"));
	assert_int_equal(x->f.records, 4);
	expect_text(x, JOBS("5", "8"));
	/* a new day, and files that are not segments */
	append(x, "2026-11-25.ndjson", counter("a", 10, 0));
	append(x, "notes.txt", "x\n");
	append(x, "2026-13-45.ndjson", counter("a", 100, 0));
	append(x, "2026-11-24.ndjson.tmp", counter("a", 100, 0));
	append(x, "2026-11-31.ndjson", counter("a", 100, 0));
	expect_text(x, JOBS("15", "8"));
	assert_int_equal(x->f.rebuilds, 0);
	assert_int_equal(x->f.skipped, 0);
}

static void test_start_over(void **state)
{
	struct fx *x = *state;
	char p24[256], p25[256], gzp[256], tmp[256];
	gzFile gz;
	FILE *fp;
	char buf[4096];
	size_t n;

	path_of(x, "2026-11-24.ndjson", p24, sizeof(p24));
	path_of(x, "2026-11-25.ndjson", p25, sizeof(p25));
	path_of(x, "2026-11-24.ndjson.gz", gzp, sizeof(gzp));
	append(x, "2026-11-24.ndjson", counter("a", 3, 0));
	append(x, "2026-11-24.ndjson", counter("b", 7, 1));
	append(x, "2026-11-25.ndjson", counter("a", 10, 0));
	expect_text(x, JOBS("13", "7"));

	/* compaction: the day gzip-compressed, the plain file removed */
	fp = fopen(p24, "r");
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	gz = gzopen(gzp, "wb");
	gzwrite(gz, buf, (unsigned)n);
	gzclose(gz);
	unlink(p24);
	expect_text(x, JOBS("13", "7"));
	assert_int_equal(x->f.rebuilds, 1);
	/* new appends to that day go to a new plain segment, read after the .gz */
	append(x, "2026-11-24.ndjson", counter("b", 1, 5));
	expect_text(x, JOBS("13", "8"));
	assert_int_equal(x->f.rebuilds, 1);

	/* retention: a day removed, the totals drop */
	unlink(gzp);
	expect_text(x, JOBS("10", "1"));
	assert_int_equal(x->f.rebuilds, 2);

	/* truncation */
	assert_int_equal(truncate(p25, 0), 0);
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"b\"} 1\n");
	assert_int_equal(x->f.rebuilds, 3);

	/* replaced by another file of the same name and size or more */
	snprintf(tmp, sizeof(tmp), "%s/x.tmp", x->mdir);
	fp = fopen(tmp, "w");
	fputs(counter("a", 4, 0), fp);
	fputs(counter("a", 4, 1), fp);
	fclose(fp);
	assert_int_equal(rename(tmp, p24), 0);
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 8\n");
	assert_int_equal(x->f.rebuilds, 4);
	/* the folder gone altogether */
	unlink(p24);
	unlink(p25);
	expect_text(x, "");
}

static void test_bad_lines(void **state)
{
	struct fx *x = *state;
	char p[256], want[512], *big;


	path_of(x, "2026-11-24.ndjson", p, sizeof(p));
	x->f.max_line = 200;
	append(x, "2026-11-24.ndjson", counter("a", 3, 0));
	append(x, "2026-11-24.ndjson", "not json\n");
	append(x, "2026-11-24.ndjson",
	       "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"gauge\",\"value\":1,"
	       "\"labels\":{},\"time\":\"2026-11-24T10:00:00Z\"}\n");
	/* a line over max_line, across several reads */
	big = malloc(200000);
	memset(big, 'x', 199998);
	big[199998] = '\n';
	big[199999] = '\0';
	append(x, "2026-11-24.ndjson", big);
	append(x, "2026-11-24.ndjson", counter("a", 1, 1));
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 4\n");
	assert_int_equal(x->f.skipped, 3);
	snprintf(want, sizeof(want), "%s:2: not a JSON object", p);
	assert_string_equal(x->f.problem, want);
	/* an over-long line still being written is skipped once, when it is complete */
	big[199998] = '\0';
	append(x, "2026-11-24.ndjson", big + 199000);
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 4\n");
	append(x, "2026-11-24.ndjson", big + 199500);
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 4\n");
	assert_int_equal(x->f.skipped, 3);
	append(x, "2026-11-24.ndjson", "\n");
	append(x, "2026-11-24.ndjson", counter("a", 1, 2));
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 5\n");
	assert_int_equal(x->f.skipped, 4);
	free(big);
}

static void test_gz_and_long_lines(void **state)
{
	struct fx *x = *state;
	char p[256], want[512], *label;
	gzFile gz;

	/* a compressed day with a bad line, an over-long one and a torn last one */
	x->f.max_line = 300;
	path_of(x, "2026-11-23.ndjson.gz", p, sizeof(p));
	mkdir(x->mdir, 0700);
	gz = gzopen(p, "wb");
	gzputs(gz, counter("a", 1, 0));
	gzputs(gz, "[1]\n");
	label = malloc(1000);
	memset(label, 'l', 999);
	label[999] = '\0';
	gzprintf(gz, "{\"x\":\"%s\"}\n", label);
	gzputs(gz, "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\","
	       "\"value\":2,\"labels\":{\"queue\":\"a\"},\"time\":\"2026-11-23T10:00:00Z\"}");
	gzclose(gz);
	expect_text(x, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 3\n");
	assert_int_equal(x->f.skipped, 2);
	snprintf(want, sizeof(want), "%s:2: not a JSON object", p);
	assert_string_equal(x->f.problem, want);
	obs_promfeed_release(&x->f);

	/* a valid line longer than the first buffer, under the default limit */
	obs_promfeed_init(&x->f, &x->st);
	unlink(p);
	{
		char *line = malloc(6000);

		snprintf(line, 6000, "{\"type\":\"metric\",\"name\":\"big\",\"metric_type\":\"gauge\","
			 "\"value\":1,\"labels\":{\"l\":\"%s%s%s%s%s\"},\"time\":\"2026-11-24T10:00:00Z\"}\n",
			 label, label, label, label, label);
		append(x, "2026-11-24.ndjson", line);
		free(line);
	}
	{
		struct obs_error err;
		size_t len;
		char *text;

		assert_int_equal(obs_promfeed_refresh(&x->f, 0, &err), 0);
		text = obs_promfeed_text(&x->f, &len, &err);
		assert_int_equal(len, strlen("# TYPE big gauge\nbig{l=\"\"} 1\n") + 5 * 999);
		free(text);
	}
	free(label);
}

static void test_window(void **state)
{
	struct fx *x = *state;
	int64_t now;
	struct obs_error err;

	/* an old day is not even read (its bad line would be counted) */
	append(x, "2026-11-20.ndjson", "not json\n");
	append(x, "2026-11-24.ndjson", counter("a", 3, 0));
	append(x, "2026-11-24.ndjson", counter("a", 2, 30));
	append(x, "2026-11-24.ndjson", counter("b", 7, 50));
	append(x, "2026-11-24.ndjson",
	       "{\"type\":\"metric\",\"name\":\"up\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{}}\n");
	assert_int_equal(obs_time_parse("2026-11-24T10:01:00Z", &now, NULL), 0);
	x->f.since_window = 40 * OBS_NS_PER_SEC;
	assert_int_equal(obs_promfeed_refresh(&x->f, now, &err), 0);
	{
		size_t len;
		char *text = obs_promfeed_text(&x->f, &len, &err);

		assert_string_equal(text, "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 2\n"
				    "jobs_total{queue=\"b\"} 7\n# TYPE up gauge\nup 1\n");
		free(text);
	}
	assert_int_equal(x->f.skipped, 0);
	x->f.since_window = 45 * OBS_NS_PER_SEC;
	now += 20 * OBS_NS_PER_SEC;
	assert_int_equal(obs_promfeed_refresh(&x->f, now, &err), 0);
	assert_int_equal(x->f.records, 2);
	/* every refresh starts over: no double counting */
	assert_int_equal(obs_promfeed_refresh(&x->f, now, &err), 0);
	assert_int_equal(x->f.records, 2);
}

static void test_buckets_and_errors(void **state)
{
	struct fx *x = *state;
	static const double bounds[] = { 0.5, 1 };
	static const double bad[] = { 1, 0.5 };
	struct obs_error err;
	char p[256], msg[512];
	gzFile gz;

	x->f.buckets = bounds;
	x->f.nbuckets = 2;
	append(x, "2026-11-24.ndjson",
	       "{\"type\":\"metric\",\"name\":\"t_seconds\",\"metric_type\":\"histogram\",\"value\":0.7,"
	       "\"labels\":{},\"time\":\"2026-11-24T10:00:00Z\"}\n");
	expect_text(x, "# TYPE t_seconds histogram\nt_seconds_bucket{le=\"0.5\"} 0\n"
		    "t_seconds_bucket{le=\"1\"} 1\nt_seconds_bucket{le=\"+Inf\"} 1\nt_seconds_sum 0.7\n"
		    "t_seconds_count 1\n");
	obs_promfeed_release(&x->f);

	/* a bad setting, with or without a window */
	obs_promfeed_init(&x->f, &x->st);
	x->f.buckets = bad;
	x->f.nbuckets = 2;
	x->f.since_window = OBS_NS_PER_SEC;
	assert_int_equal(obs_promfeed_refresh(&x->f, 0, &err), -1);
	assert_string_equal(err.msg, "buckets must increase: '0.5' after '1'");
	obs_promfeed_release(&x->f);

	obs_promfeed_init(&x->f, &x->st);
	x->f.buckets = bad;
	x->f.nbuckets = 2;
	assert_int_equal(obs_promfeed_refresh(&x->f, 0, &err), -1);
	obs_promfeed_release(&x->f);
	obs_promfeed_init(&x->f, &x->st);

	/* a corrupt .gz segment: an error, then a start-over once it is gone */
	path_of(x, "2026-11-23.ndjson.gz", p, sizeof(p));
	gz = gzopen(p, "wb");
	gzputs(gz, counter("a", 1, 0));
	gzclose(gz);
	assert_int_equal(truncate(p, 20), 0);
	assert_int_equal(obs_promfeed_refresh(&x->f, 0, &err), -1);
	assert_non_null(strstr(err.msg, "2026-11-23.ndjson.gz"));
	unlink(p);
	expect_text(x, "# TYPE t_seconds histogram\nt_seconds_bucket{le=\"0.005\"} 0\n"
		    "t_seconds_bucket{le=\"0.01\"} 0\nt_seconds_bucket{le=\"0.025\"} 0\n"
		    "t_seconds_bucket{le=\"0.05\"} 0\nt_seconds_bucket{le=\"0.1\"} 0\n"
		    "t_seconds_bucket{le=\"0.25\"} 0\nt_seconds_bucket{le=\"0.5\"} 0\n"
		    "t_seconds_bucket{le=\"1\"} 1\nt_seconds_bucket{le=\"2.5\"} 1\n"
		    "t_seconds_bucket{le=\"5\"} 1\nt_seconds_bucket{le=\"10\"} 1\n"
		    "t_seconds_bucket{le=\"+Inf\"} 1\nt_seconds_sum 0.7\nt_seconds_count 1\n");

	/* a segment that cannot be read (a folder by that name) */
	path_of(x, "2026-11-26.ndjson", p, sizeof(p));
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(obs_promfeed_refresh(&x->f, 0, &err), -1);
	snprintf(msg, sizeof(msg), "cannot read '%s': Is a directory", p);
	assert_string_equal(err.msg, msg);
	rmdir(p);

	/* the metrics folder is a file */
	nftw(x->mdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	{
		FILE *fp = fopen(x->mdir, "w");

		fclose(fp);
	}
	assert_int_equal(obs_promfeed_refresh(&x->f, 0, &err), -1);
	snprintf(msg, sizeof(msg), "cannot read '%s': Not a directory", x->mdir);
	assert_string_equal(err.msg, msg);
}

/* Allocation failures at every step: an error or a skipped line, never a crash. */
static void test_oom(void **state)
{
	struct fx *x = *state;
	char p[256];
	gzFile gz;
	long k;
	int done = 0;

	if (!failalloc_works())
		skip();
	path_of(x, "2026-11-23.ndjson.gz", p, sizeof(p));
	mkdir(x->mdir, 0700);
	gz = gzopen(p, "wb");
	gzputs(gz, counter("a", 1, 0));
	gzclose(gz);
	append(x, "2026-11-24.ndjson", counter("a", 3, 0));
	append(x, "2026-11-24.ndjson", counter("b", 7, 1));
	for (k = 0; k < 10000 && !done; k++) {
		struct obs_promfeed f;
		struct obs_error err;
		char *text = NULL;
		size_t len;
		int rc;

		obs_promfeed_init(&f, &x->st);
		err.msg[0] = '\0';
		alloc_budget = k;
		rc = obs_promfeed_refresh(&f, 0, &err);
		if (rc == 0)
			text = obs_promfeed_text(&f, &len, &err);
		alloc_budget = -1;
		if (rc < 0 || !text)
			assert_true(err.msg[0] != '\0');
		else if (!strcmp(text, JOBS("4", "7")))
			done = 1;
		free(text);
		obs_promfeed_release(&f);
	}
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gz_and_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buckets_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
