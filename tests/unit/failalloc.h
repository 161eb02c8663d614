/* SPDX-License-Identifier: MIT */
/* Out-of-memory injection for unit tests: malloc, calloc and realloc fail once a budget is spent. */
#ifndef OBS_TEST_FAILALLOC_H
#define OBS_TEST_FAILALLOC_H

#include <stddef.h>
#include <stdlib.h>

/*
 * Include in one test file only (it defines malloc). glibc lets a program
 * replace its allocator, and calls from inside libc (strdup, ...) come
 * here too. Not under AddressSanitizer, which has its own allocator:
 * there FAILALLOC is 0 and tests skip the out-of-memory cases.
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

#if FAILALLOC
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static int alloc_ok(void)
{
	if (alloc_budget == 0)
		return 0;
	if (alloc_budget > 0)
		alloc_budget--;
	return 1;
}

void *malloc(size_t n)
{
	return alloc_ok() ? __libc_malloc(n) : NULL;
}

void *calloc(size_t n, size_t size)
{
	return alloc_ok() ? __libc_calloc(n, size) : NULL;
}

void *realloc(void *p, size_t n)
{
	return alloc_ok() ? __libc_realloc(p, n) : NULL;
}
#endif

/*
 * 1 if failing allocations can be injected in this run: not under
 * AddressSanitizer, nor under valgrind (whose allocator wins over ours).
 */
static int failalloc_works(void)
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
	return 0;
#endif
}

#endif
