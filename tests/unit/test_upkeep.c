/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_upkeep: listing, compaction under concurrent appends, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "obs_segidx.h"
#include "obs_store.h"
#include "obs_time.h"
#include "obs_upkeep.h"

#define DAY_NS (86400LL * OBS_NS_PER_SEC)
#define DAY0 20400   /* 2025-11-08 */

static char root[64];

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/obs-upkeep-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void append(struct obs_store *st, const char *signal, int64_t day, int i)
{
	struct obs_error err;
	char line[64];
	int n = snprintf(line, sizeof(line), "{\"i\":%d}\n", i);

	assert_int_equal(obs_store_append(st, signal, day * DAY_NS + 3600 * OBS_NS_PER_SEC,
					  line, (size_t)n, &err), 0);
}

/* The time index of SIGNAL's plain segment for DAY. */
static const char *idx_path(const char *signal, int64_t day)
{
	static char path[256];
	char name[16];
	int64_t y;
	int m, d;

	obs_time_civil_from_days(day, &y, &m, &d);
	snprintf(name, sizeof(name), "%04d-%02d-%02d", (int)y, m, d);
	snprintf(path, sizeof(path), "%s/%s/.%s.ndjson.idx", root, signal, name);
	return path;
}

/* Records of SIGNAL for DAY as read by a scan, in order: their "i" values summed and counted. */
static int count_day(struct obs_store *st, const char *signal, int64_t day, long *sum)
{
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	int n = 0, rc;

	*sum = 0;
	assert_int_equal(obs_store_scan_open(&sc, st, signal, day * DAY_NS, (day + 1) * DAY_NS - 1, &err), 0);
	while ((rc = obs_store_scan_next(&sc, &line, &len, &err)) > 0) {
		*sum += atol(line + 5);
		n++;
	}
	assert_int_equal(rc, 0);
	obs_store_scan_close(&sc);
	return n;
}

static void test_list(void **state)
{
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_error err;
	char path[256];

	(void)state;
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	assert_int_equal(obs_store_list(&st, &l, &err), 0);
	assert_int_equal(l.n, 0);
	obs_segment_list_release(&l);
	append(&st, "spans", DAY0 + 1, 1);
	append(&st, "spans", DAY0, 2);
	append(&st, "logs", DAY0, 3);
	/* not segments: other names, bad dates, the state folder */
	snprintf(path, sizeof(path), "%s/spans/2025-02-30.ndjson", root);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/spans/notes.txt", root);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/state", root);
	mkdir(path, 0700);
	assert_int_equal(obs_store_list(&st, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.seg[0].signal, "logs");
	assert_string_equal(l.seg[1].signal, "spans");
	assert_int_equal(l.seg[1].day, DAY0);
	assert_int_equal(l.seg[2].day, DAY0 + 1);
	assert_int_equal(l.seg[2].bytes, 8);
	assert_int_equal(l.seg[2].gz, 0);
	obs_segment_list_release(&l);
	obs_store_release(&st);
}

static void test_compact_keeps_order_and_merges(void **state)
{
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_error err;
	long sum;
	int i;

	(void)state;
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	for (i = 1; i <= 100; i++)
		append(&st, "spans", DAY0, i);
	assert_int_equal(obs_store_compact_day(&st, "spans", DAY0, 6, &err), 0);
	assert_int_equal(count_day(&st, "spans", DAY0, &sum), 100);
	assert_int_equal(sum, 5050);
	/* late records for a compacted day, compacted again: a second gzip member */
	for (i = 101; i <= 110; i++)
		append(&st, "spans", DAY0, i);
	assert_int_equal(count_day(&st, "spans", DAY0, &sum), 110);
	assert_int_equal(obs_store_compact_day(&st, "spans", DAY0, 1, &err), 0);
	assert_int_equal(count_day(&st, "spans", DAY0, &sum), 110);
	assert_int_equal(sum, 110 * 111 / 2);
	assert_int_equal(obs_store_list(&st, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.seg[0].gz, 1);
	obs_segment_list_release(&l);
	/* the plain segment's time index went with it */
	assert_int_equal(access(idx_path("spans", DAY0), F_OK), -1);
	/* nothing to do: no plain segment */
	assert_int_equal(obs_store_compact_day(&st, "spans", DAY0, 6, &err), 0);
	assert_int_equal(obs_store_compact_day(&st, "spans", DAY0 + 5, 6, &err), 0);
	obs_store_release(&st);
}

/* N records {"i":FIRST..} of about 700 bytes at hour HOUR of DAY, in one append (one block). */
static void append_block(struct obs_store *st, int64_t day, int hour, int first, int n)
{
	size_t cap = (size_t)n * 800, len = 0;
	char *buf = malloc(cap);
	int64_t t = day * DAY_NS + hour * 3600 * OBS_NS_PER_SEC;
	struct obs_error err;
	int i;

	assert_non_null(buf);
	for (i = first; i < first + n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "{\"i\":%d,\"pad\":\"%0700d\"}\n", i, 0);
	assert_int_equal(obs_store_append_span(st, "metrics", t, t, (unsigned long)n, buf, len, &err), 0);
	free(buf);
}

/* Records of "metrics" read for hours [FROM, TO] of DAY: count, and their "i" summed. */
static int count_hours(struct obs_store *st, int64_t day, int from, int to, long *sum)
{
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	int n = 0, rc;

	*sum = 0;
	assert_int_equal(obs_store_scan_open(&sc, st, "metrics", day * DAY_NS + from * 3600 * OBS_NS_PER_SEC,
					     day * DAY_NS + to * 3600 * OBS_NS_PER_SEC, &err), 0);
	while ((rc = obs_store_scan_next(&sc, &line, &len, &err)) > 0) {
		*sum += atol(line + 5);
		n++;
	}
	assert_int_equal(rc, 0);
	obs_store_scan_close(&sc);
	return n;
}

static void test_compact_keeps_the_time_index(void **state)
{
	char gz[300], plain[256], gzidx[300];
	struct obs_segidx_entry *e;
	struct obs_store st;
	struct obs_error err;
	size_t n, bad, usable, wrong;
	struct stat sb;
	long sum;
	int fd;

	(void)state;
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	append_block(&st, DAY0, 1, 1, 1000);        /* i 1..1000 */
	append_block(&st, DAY0, 2, 1001, 1000);     /* i 1001..2000 */
	/* A record without an index entry, as an older version wrote it. */
	snprintf(plain, sizeof(plain), "%s/metrics/2025-11-08.ndjson", root);
	fd = open(plain, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"i\":5000000}\n", 14), 14);
	close(fd);
	append_block(&st, DAY0, 3, 2001, 1000);     /* i 2001..3000 */
	assert_int_equal(count_hours(&st, DAY0, 2, 2, &sum), 1001);
	assert_int_equal(obs_store_compact_day(&st, "metrics", DAY0, 1, &err), 0);
	snprintf(gz, sizeof(gz), "%s.gz", plain);
	snprintf(gzidx, sizeof(gzidx), "%s/metrics/.2025-11-08.ndjson.gz.idx", root);
	assert_int_equal(access(plain, F_OK), -1);
	assert_int_equal(stat(gz, &sb), 0);
	/* One member per block, and one for the stretch the index did not cover. */
	assert_int_equal(obs_segidx_load(gz, sb.st_ino, (uint64_t)sb.st_size, &e, &n, &bad, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(bad, 0);
	assert_int_equal(e[2].lines, 1);
	assert_true(e[2].min == INT64_MIN && e[2].max == INT64_MAX);
	assert_int_equal(e[3].lines, 1000);
	free(e);
	/* The same records for a window, read from the members it needs. */
	assert_int_equal(count_hours(&st, DAY0, 2, 2, &sum), 1001);
	assert_int_equal(sum, 1500500 + 5000000);
	assert_int_equal(count_hours(&st, DAY0, 0, 23, &sum), 3001);
	assert_int_equal(count_hours(&st, DAY0, 4, 5, &sum), 1);
	/* Late records, compacted again: the members copied keep their entries. */
	append_block(&st, DAY0, 5, 3001, 10);
	assert_int_equal(count_hours(&st, DAY0, 5, 5, &sum), 11);
	assert_int_equal(obs_store_compact_day(&st, "metrics", DAY0, 1, &err), 0);
	assert_int_equal(count_hours(&st, DAY0, 5, 5, &sum), 11);
	assert_int_equal(sum, 5000000 + 30055);
	assert_int_equal(count_hours(&st, DAY0, 1, 1, &sum), 1001);
	fd = open(gz, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(obs_segidx_check(gz, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable, 5);
	assert_int_equal(bad + wrong, 0);
	close(fd);
	/* Compaction that cannot finish leaves the plain segment and no temp files. */
	append_block(&st, DAY0, 6, 4001, 2);
	{
		char tmp[400], idxdir[300];
		int tfd;

		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", gz, (long)getpid());
		tfd = open(tmp, O_WRONLY | O_CREAT, 0600);
		assert_true(tfd >= 0);
		close(tfd);
		assert_int_equal(obs_store_compact_day(&st, "metrics", DAY0, 1, &err), -1);
		assert_non_null(strstr(err.msg, "cannot create"));
		unlink(tmp);
		/* A folder where the index goes: the rename fails, nothing is lost. */
		snprintf(idxdir, sizeof(idxdir), "%s", gzidx);
		snprintf(tmp, sizeof(tmp), "%s/saved.idx", root);
		assert_int_equal(rename(gzidx, tmp), 0);
		assert_int_equal(mkdir(idxdir, 0700), 0);
		assert_int_equal(obs_store_compact_day(&st, "metrics", DAY0, 1, &err), -1);
		assert_non_null(strstr(err.msg, "cannot rename"));
		assert_int_equal(access(plain, F_OK), 0);
		/* The .gz index cannot be read: its whole file is read, and the plain one. */
		assert_int_equal(count_hours(&st, DAY0, 6, 6, &sum), 3013);
		assert_int_equal(rmdir(idxdir), 0);
		assert_int_equal(rename(tmp, gzidx), 0);
		assert_int_equal(obs_store_compact_day(&st, "metrics", DAY0, 1, &err), 0);
		assert_int_equal(count_hours(&st, DAY0, 6, 6, &sum), 3);
		assert_int_equal(sum, 5000000 + 8003);
	}
	/* Retention takes the index with the segment. */
	assert_int_equal(access(gzidx, F_OK), 0);
	assert_int_equal(obs_store_remove_segment(gz, &err), 0);
	assert_int_equal(access(gzidx, F_OK), -1);
	obs_store_release(&st);
}

static void test_compact_while_appending(void **state)
{
	struct obs_store st;
	struct obs_error err;
	long sum;
	pid_t pid;
	int i, status, n;

	(void)state;
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (i = 1; i <= 3000; i++) {
			char line[64];
			int len = snprintf(line, sizeof(line), "{\"i\":%d}\n", i);

			if (obs_store_append(&st, "spans", DAY0 * DAY_NS, line, (size_t)len, &err) < 0)
				_exit(1);
		}
		_exit(0);
	}
	for (n = 0; n < 200; n++) {
		assert_int_equal(obs_store_compact_day(&st, "spans", DAY0, 1, &err), 0);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	if (n == 200)
		assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(obs_store_compact_day(&st, "spans", DAY0, 1, &err), 0);
	/* every record exactly once */
	assert_int_equal(count_day(&st, "spans", DAY0, &sum), 3000);
	assert_int_equal(sum, 3000L * 3001 / 2);
	obs_store_release(&st);
}

static void test_remove(void **state)
{
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_error err;

	(void)state;
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	append(&st, "spans", DAY0, 1);
	assert_int_equal(access(idx_path("spans", DAY0), F_OK), 0);
	assert_int_equal(obs_store_list(&st, &l, &err), 0);
	assert_int_equal(obs_store_remove_segment(l.seg[0].path, &err), 0);
	assert_int_equal(obs_store_remove_segment(l.seg[0].path, &err), 0);
	assert_int_equal(access(l.seg[0].path, F_OK), -1);
	assert_int_equal(access(idx_path("spans", DAY0), F_OK), -1);
	obs_segment_list_release(&l);
	assert_int_equal(obs_store_remove_segment("/dev/null/x", &err), -1);
	assert_non_null(strstr(err.msg, "cannot open '/dev/null/x'"));
	obs_store_release(&st);
}

static void test_errors(void **state)
{
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_error err;
	char path[256];

	(void)state;
	/* a store that is a file cannot be listed */
	snprintf(path, sizeof(path), "%s/file", root);
	fclose(fopen(path, "w"));
	assert_int_equal(obs_store_open(&st, path, &err), 0);
	assert_int_equal(obs_store_list(&st, &l, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read"));
	obs_store_release(&st);
	/* a missing store is empty */
	snprintf(path, sizeof(path), "%s/none", root);
	assert_int_equal(obs_store_open(&st, path, &err), 0);
	assert_int_equal(obs_store_list(&st, &l, &err), 0);
	assert_int_equal(l.n, 0);
	obs_store_release(&st);
	/* compaction that cannot write its result leaves the plain segment */
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	append(&st, "spans", DAY0, 1);
	snprintf(path, sizeof(path), "%s/spans/2025-11-08.ndjson.gz", root);
	mkdir(path, 0700);   /* a folder where the .gz should go */
	assert_int_equal(obs_store_compact_day(&st, "spans", DAY0, 6, &err), -1);
	assert_non_null(strstr(err.msg, "cannot compact"));
	snprintf(path, sizeof(path), "%s/spans/2025-11-08.ndjson", root);
	assert_int_equal(access(path, F_OK), 0);
	obs_store_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact_keeps_order_and_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact_keeps_the_time_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact_while_appending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
