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
#include <dlfcn.h>
#include <execinfo.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_cursor.h"
#include "obs_mstate.h"

/*
 * The allocator is replaced (glibc supports this) by one that can fail the
 * Nth allocation made outside libc and counts live blocks. Sanitizers bring their own
 * allocator, so there the test only says it was skipped.
 */
#if defined(__SANITIZE_ADDRESS__)
#define OOM_TESTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_TESTS 0
#endif
#endif
#ifndef OOM_TESTS
#define OOM_TESTS 1
#endif

#if OOM_TESTS
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static unsigned long alloc_count, fail_at;
static long live;

/* Whether ADDR is in libc; a small cache keeps dladdr() off the hot path. */
static int in_libc(void *addr)
{
	static void *addrs[256];
	static int answers[256];
	size_t h = ((uintptr_t)addr >> 2) % 256;
	Dl_info info;

	if (addrs[h] != addr) {
		addrs[h] = addr;
		answers[h] = dladdr(addr, &info) && info.dli_fname && strstr(info.dli_fname, "libc.so");
	}
	return answers[h];
}

/* OOM_TRACE=N prints where the Nth allocation, when failed, was made (debugging aid). */
static int should_fail(void *caller)
{
	/* libc's own allocations (regcomp) are never failed: glibc 2.36's regcomp
	 * double-frees on some of them. */
	if (!fail_at || in_libc(caller) || ++alloc_count != fail_at)
		return 0;
	if (getenv("OOM_TRACE") && strtoul(getenv("OOM_TRACE"), NULL, 10) == fail_at) {
		void *bt[16];

		backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
	}
	return 1;
}

void *malloc(size_t n)
{
	void *p = should_fail(__builtin_return_address(0)) ? NULL : __libc_malloc(n);

	live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = should_fail(__builtin_return_address(0)) ? NULL : __libc_calloc(n, size);

	live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;

	if (should_fail(__builtin_return_address(0)))
		return NULL;
	p = __libc_realloc(old, n);
	live += p != NULL && old == NULL;
	return p;
}

void free(void *p)
{
	live -= p != NULL;
	__libc_free(p);
}
#endif

typedef int scenario_fn(char *out, size_t size);

/*
 * Run FN with the 1st, 2nd, ... allocation failing until it runs without
 * a failure. Each run must succeed with the reference output or fail with
 * an out-of-memory error, and leave no block allocated.
 */
static void exhaust(scenario_fn *fn)
{
#if OOM_TESTS
	static char ref[65536], got[65536];
	unsigned long n;
	long before;

	fail_at = 0;
	assert_int_equal(fn(ref, sizeof(ref)), 0);
	for (n = 1;; n++) {
		before = live;
		alloc_count = 0;
		fail_at = n;
		got[0] = '\0';
		if (fn(got, sizeof(got)) == 0 && strcmp(got, ref) != 0)
			fail_msg("allocation %lu failed and the result changed:\n%s\nwant\n%s", n, got, ref);
		fail_at = 0;
		if (live != before)
			fail_msg("allocation %lu failed: %ld blocks leaked", n, live - before);
		if (alloc_count < n)
			break;
	}
#else
	(void)fn;
	skip();
#endif
}

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
	exhaust(scenario_cursor);
	obs_store_release(&st);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_mstate_oom(void **state)
{
	(void)state;
	exhaust(scenario_mstate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_oom),
		cmocka_unit_test(test_mstate_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
