/* SPDX-License-Identifier: MIT */
/* Growable byte buffers: append bytes, characters and formatted text, then take the result. */
#ifndef OBS_BUF_H
#define OBS_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/*
 * A NUL-terminated byte string that grows as it is appended to. Zeroed
 * (OBS_BUF_INIT or obs_buf_init) it holds nothing and p is NULL; after an
 * append or obs_buf_grow, p[len] is always '\0' (the contents may hold
 * other NULs too). Callers may read p and len, and write up to cap - len
 * - 1 bytes at p + len themselves after obs_buf_grow (then add to len and
 * keep the NUL). The buffer owns p.
 *
 * An append that cannot allocate (or whose size would overflow) returns
 * -1 and sets failed; the contents are then incomplete, which
 * obs_buf_detach reports. So a run of appends may be checked once, at the
 * end, as well as one by one.
 */
struct obs_buf {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

#define OBS_BUF_INIT { NULL, 0, 0, 0 }

/* Set up an empty buffer (no allocation). */
void obs_buf_init(struct obs_buf *b);

/* Free the contents; B is empty and usable again. */
void obs_buf_release(struct obs_buf *b);

/* Empty B (len 0) but keep its memory; clears failed. */
void obs_buf_reset(struct obs_buf *b);

/* Room for N more bytes and the NUL; 0, or -1 (failed set) when out of memory. */
int obs_buf_grow(struct obs_buf *b, size_t n);

/*
 * The string, now the caller's (free it); "" if nothing was added. NULL
 * if an append failed or "" cannot be allocated: the contents are freed.
 * Either way B is left empty, as after obs_buf_release.
 */
char *obs_buf_detach(struct obs_buf *b);

/* Append N bytes of S; 0 or -1 (failed set). */
static inline int obs_buf_add(struct obs_buf *b, const void *s, size_t n)
{
	if (b->cap - b->len <= n && obs_buf_grow(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Append the string S; 0 or -1 (failed set). */
static inline int obs_buf_adds(struct obs_buf *b, const char *s)
{
	return obs_buf_add(b, s, strlen(s));
}

/* Append one byte; 0 or -1 (failed set). */
static inline int obs_buf_addc(struct obs_buf *b, char c)
{
	return obs_buf_add(b, &c, 1);
}

/* Append printf-formatted text; 0 or -1 (failed set, also on a format error). */
int obs_buf_addf(struct obs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with a va_list (which it uses up, as vprintf does). */
int obs_buf_vaddf(struct obs_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
