/* SPDX-License-Identifier: MIT */
/* Allocation failures in export cursors and the metric series state: every one is reported, none leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "failalloc.h"
#include "obs_cursor.h"
#include "obs_mstate.h"

/* An allocation failure, said one way or another. */
static int oom_error(const struct obs_error *err)
{
	if (!strstr(err->msg, "out of memory") && !strstr(err->msg, "Cannot allocate memory"))
		fail_msg("failed with '%s', not out of memory", err->msg);
	return -1;
}

static char dir[64];
static struct obs_store st;

static void put(const char *name, const char *data, int gz)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/spans/%s", dir, name);
	if (gz) {
		gzFile g = gzopen(path, "wb");

		gzputs(g, data);
		gzclose(g);
	} else {
		FILE *fp = fopen(path, "w");

		fputs(data, fp);
		fclose(fp);
	}
}

static void warn_ignore(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* Read the store from a saved cursor, save where it got, load that back. */
static int scenario_cursor(char *out, size_t size)
{
	struct obs_cursor c, d;
	struct obs_cursor_reader r;
	struct obs_cursor_pos p = { (char *)"2026-11-23.ndjson", 8, 0, 7, 1 };
	struct obs_error err;
	const char *line;
	size_t len, k = 0;
	char path[128];
	int n, rc = -1;

	snprintf(path, sizeof(path), "%s/c.json", dir);
	obs_cursor_init(&c);
	obs_cursor_init(&d);
	p.hash = obs_cursor_hash(OBS_CURSOR_HASH_INIT, "{\"a\":1}", 7);
	if (obs_cursor_set(&c, &p, &err) < 0)
		return oom_error(&err);
	if (obs_cursor_reader_open(&r, &st, "spans", &c, &err) < 0) {
		obs_cursor_release(&c);
		return oom_error(&err);
	}
	r.warn = warn_ignore;
	r.max_line = 64;
	while ((n = obs_cursor_reader_next(&r, &line, &len, &err)) != 0) {
		if (n < 0) {
			oom_error(&err);
			goto out;
		}
		k += (size_t)snprintf(out + k, size - k, "%s|", line);
	}
	if (obs_cursor_reader_refresh(&r, &err) < 0 || obs_cursor_reader_save(&r, &c, &err) < 0 ||
	    obs_cursor_save(&c, path, NULL, &err) < 0) {
		oom_error(&err);
		goto out;
	}
	/* jansson reports some allocation failures of its parser as syntax errors. */
	if (obs_cursor_load(&d, path, NULL, &err) < 0) {
		if (!strstr(err.msg, "is corrupt: "))
			oom_error(&err);
		goto out;
	}
	for (size_t i = 0; i < d.npos; i++)
		k += (size_t)snprintf(out + k, size - k, "%s@%llu ", d.pos[i].name,
				      (unsigned long long)d.pos[i].offset);
	rc = 0;
out:
	obs_cursor_reader_close(&r);
	obs_cursor_release(&c);
	obs_cursor_release(&d);
	return rc;
}

static int scenario_mstate(char *out, size_t size)
{
	static const char *const recs[] = {
		"{\"type\":\"metric\",\"name\":\"c_total\",\"metric_type\":\"counter\",\"value\":2,\"labels\":{\"a\":\"x\"},\"help\":\"H\",\"time\":1000}",
		"{\"type\":\"metric\",\"name\":\"c_total\",\"metric_type\":\"counter\",\"value\":3,\"labels\":{\"a\":\"x\"},\"help\":\"H2\",\"time\":1001}",
		"{\"type\":\"metric\",\"name\":\"g\",\"metric_type\":\"gauge\",\"value\":1,\"time\":1000}",
		"{\"type\":\"metric\",\"name\":\"h\",\"metric_type\":\"histogram\",\"value\":0.2,\"labels\":{\"b\":\"y\"},\"time\":1000}",
		"{\"type\":\"metric\",\"name\":\"s\",\"metric_type\":\"summary\",\"value\":0.2,\"time\":1000}",
	};
	struct obs_mstate *m = obs_mstate_new(), *m2 = NULL;
	struct obs_error err;
	json_t *dump = NULL;
	char *text = NULL;
	int rc = -1;

	if (!m)
		return -1;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		if (obs_mstate_apply(m, recs[i], strlen(recs[i]), NULL, NULL, &err) < 0) {
			oom_error(&err);
			goto out;
		}
	}
	dump = obs_mstate_dump(m);
	m2 = obs_mstate_new();
	if (!dump || !m2)
		goto out;
	if (obs_mstate_load(m2, dump, &err) < 0) {
		oom_error(&err);
		goto out;
	}
	text = obs_mstate_text(m2, NULL, &err);
	if (!text) {
		oom_error(&err);
		goto out;
	}
	snprintf(out, size, "%s", text);
	rc = 0;
out:
	free(text);
	json_decref(dump);
	obs_mstate_free(m);
	obs_mstate_free(m2);
	return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_cursor_oom(void **state)
{
	struct obs_error err;
	char path[128], big[200];

	(void)state;
	strcpy(dir, "/tmp/obs-test-cursor-oom-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spans", dir);
	mkdir(path, 0700);
	assert_int_equal(obs_store_open(&st, dir, &err), 0);
	memset(big, 'x', 150);
	big[150] = '\0';
	put("2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", 0);
	put("2026-11-22.ndjson.gz", "{\"g\":1}\n{\"g\":2", 1);
	put("2026-11-24.ndjson", big, 0);
	put("2026-11-25.ndjson", "{\"z\":1}\n", 0);
	failalloc_exhaust(scenario_cursor);
	obs_store_release(&st);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_mstate_oom(void **state)
{
	(void)state;
	failalloc_exhaust(scenario_mstate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_oom),
		cmocka_unit_test(test_mstate_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
