/* SPDX-License-Identifier: MIT */
/* Out-of-memory injection for unit tests: a replaced allocator that fails on demand and counts live blocks. */
#ifndef OBS_TEST_FAILALLOC_H
#define OBS_TEST_FAILALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Include in one test file only, after <cmocka.h> (it defines malloc,
 * calloc, realloc and free). glibc lets a program replace its allocator,
 * and calls from inside libc (strdup, ...) come here too. Not under
 * AddressSanitizer, which has its own allocator: there FAILALLOC is 0 and
 * tests skip the out-of-memory cases.
 *
 * Two ways to fail:
 * - alloc_budget: that many allocations succeed, then every one fails
 *   (libc's own included), until it is set back to -1;
 * - failalloc_exhaust(): fails the 1st, 2nd, ... allocation made outside
 *   libc, one at a time, and checks that none leaks a block.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#if defined(__SANITIZE_ADDRESS__)
#define FAILALLOC 0
#elif __has_feature(address_sanitizer)
#define FAILALLOC 0
#endif
#endif
#ifndef FAILALLOC
#define FAILALLOC 1
#endif

/* Allocations left before they fail; -1: no limit. */
static long alloc_budget = -1;
/* Which allocation made outside libc fails (1: the first); 0: none. */
static unsigned long alloc_fail_at;
/* Allocations made outside libc since alloc_fail_at was last armed. */
static unsigned long alloc_count;
/* Blocks allocated and not freed yet. */
static long alloc_live;

#if FAILALLOC
#include <dlfcn.h>
#include <execinfo.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

/* Whether ADDR is in libc; a small cache keeps dladdr() off the hot path. */
static int failalloc_in_libc(void *addr)
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

/*
 * Whether the allocation made from CALLER fails. OOM_TRACE=N prints where
 * the Nth allocation, when failed, was made (debugging aid). libc's own
 * allocations (regcomp) are never failed one at a time: glibc 2.36's
 * regcomp double-frees on some of them.
 */
static int failalloc_fails(void *caller)
{
	if (alloc_budget == 0)
		return 1;
	if (alloc_budget > 0)
		alloc_budget--;
	if (!alloc_fail_at || failalloc_in_libc(caller) || ++alloc_count != alloc_fail_at)
		return 0;
	if (getenv("OOM_TRACE") && strtoul(getenv("OOM_TRACE"), NULL, 10) == alloc_fail_at) {
		void *bt[16];

		backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
	}
	return 1;
}

void *malloc(size_t n)
{
	void *p = failalloc_fails(__builtin_return_address(0)) ? NULL : __libc_malloc(n);

	alloc_live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = failalloc_fails(__builtin_return_address(0)) ? NULL : __libc_calloc(n, size);

	alloc_live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;

	if (failalloc_fails(__builtin_return_address(0)))
		return NULL;
	p = __libc_realloc(old, n);
	/* glibc's realloc(old, 0) frees OLD and returns NULL */
	alloc_live += (p != NULL && old == NULL) - (p == NULL && old != NULL && n == 0);
	return p;
}

void free(void *p)
{
	alloc_live -= p != NULL;
	__libc_free(p);
}
#endif

/*
 * 1 if failing allocations can be injected in this run: not under
 * AddressSanitizer, nor under valgrind (whose allocator wins over ours).
 */
static inline int failalloc_works(void)
{
#if FAILALLOC
	void *(*volatile alloc)(size_t) = malloc;
	void *p;

	alloc_budget = 0;
	p = alloc(1);
	alloc_budget = -1;
	free(p);
	return p == NULL;
#else
	(void)alloc_budget;
	return 0;
#endif
}

/* A scenario for failalloc_exhaust(): 0 with its result in OUT, or -1. */
typedef int failalloc_scenario_fn(char *out, size_t size);

/*
 * Run FN with the 1st, 2nd, ... allocation made outside libc failing, until
 * it runs without a failure. Each run must succeed with the same output as
 * a run without failures, or fail (FN checks the error it got), and leave
 * no block allocated. Skips the test where failures cannot be injected.
 */
static inline void failalloc_exhaust(failalloc_scenario_fn *fn)
{
	static char ref[65536], got[65536];
	unsigned long n;
	long before;

	if (!failalloc_works())
		skip();
	alloc_fail_at = 0;
	assert_int_equal(fn(ref, sizeof(ref)), 0);
	for (n = 1;; n++) {
		before = alloc_live;
		alloc_count = 0;
		alloc_fail_at = n;
		got[0] = '\0';
		if (fn(got, sizeof(got)) == 0 && strcmp(got, ref) != 0)
			fail_msg("allocation %lu failed and the result changed:\n%s\nwant\n%s", n, got, ref);
		alloc_fail_at = 0;
		if (alloc_live != before)
			fail_msg("allocation %lu failed: %ld blocks leaked", n, alloc_live - before);
		if (alloc_count < n)
			break;
	}
}

#endif
