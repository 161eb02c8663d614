/* SPDX-License-Identifier: MIT */
/* Growable byte buffers: append bytes, characters and formatted text, then take the result. */
#include "obs_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define OBS_BUF_MIN 64

void obs_buf_init(struct obs_buf *b)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

void obs_buf_release(struct obs_buf *b)
{
	free(b->p);
	obs_buf_init(b);
}

void obs_buf_reset(struct obs_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
	b->failed = 0;
}

int obs_buf_grow(struct obs_buf *b, size_t n)
{
	size_t cap;
	char *np;

	if (b->cap - b->len > n)
		return 0;
	/* len + n + 1 must fit, and doubling up to it must not wrap */
	if (n > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	cap = b->cap ? b->cap : OBS_BUF_MIN;
	while (cap - b->len <= n)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->failed = 1;
		return -1;
	}
	if (!b->p)
		np[0] = '\0';
	b->p = np;
	b->cap = cap;
	return 0;
}

char *obs_buf_detach(struct obs_buf *b)
{
	char *s = b->p;

	if (b->failed) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = calloc(1, 1);
	}
	obs_buf_init(b);
	return s;
}

int obs_buf_vaddf(struct obs_buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap - b->len;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	if (n < 0 || ((size_t)n >= room && obs_buf_grow(b, (size_t)n) < 0)) {
		/* what vsnprintf wrote past the end is not part of the contents */
		if (b->p)
			b->p[b->len] = '\0';
		b->failed = 1;
		va_end(again);
		return -1;
	}
	if ((size_t)n >= room)
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	b->len += (size_t)n;
	return 0;
}

int obs_buf_addf(struct obs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = obs_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}
