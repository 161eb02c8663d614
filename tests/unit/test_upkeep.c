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
		cmocka_unit_test_setup_teardown(test_compact_while_appending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
