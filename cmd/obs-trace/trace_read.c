/* SPDX-License-Identifier: MIT */
/* Shared by query and show: JSON text output and time formats. */
#include "trace_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_cli.h"
#include "obs_time.h"

/* ---- JSON text ------------------------------------------------------------ */

/* Out of memory ends the program: a command has no better answer. */
static void jb_check(int rc)
{
	if (rc < 0)
		abort();
}

void jb_raw(struct obs_buf *b, const char *s, size_t n)
{
	jb_check(obs_buf_add(b, s, n));
}

void jb_cstr(struct obs_buf *b, const char *s)
{
	jb_check(obs_buf_adds(b, s));
}

void jb_str(struct obs_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[7];

	jb_raw(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jb_raw(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': jb_raw(b, "\\\"", 2); break;
		case '\\': jb_raw(b, "\\\\", 2); break;
		case '\n': jb_raw(b, "\\n", 2); break;
		case '\r': jb_raw(b, "\\r", 2); break;
		case '\t': jb_raw(b, "\\t", 2); break;
		case '\b': jb_raw(b, "\\b", 2); break;
		case '\f': jb_raw(b, "\\f", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jb_raw(b, esc, 6);
			break;
		}
	}
	jb_raw(b, s + run, n - run);
	jb_raw(b, "\"", 1);
}

void jb_fmt(struct obs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = obs_buf_vaddf(b, fmt, ap);
	va_end(ap);
	jb_check(rc);
}

void trace_fmt_ms(int64_t ns, char *buf, size_t size)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	unsigned long long ms = u / 1000000, frac = u % 1000000;
	int digits = 6;

	if (!frac) {
		snprintf(buf, size, "%s%llu", ns < 0 ? "-" : "", ms);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, size, "%s%llu.%0*llu", ns < 0 ? "-" : "", ms, digits, frac);
}

void trace_fmt_second(int64_t ns, char *buf, size_t size)
{
	char full[OBS_TIME_BUFSZ];
	size_t n = obs_time_format(ns, full, sizeof(full));
	char *dot = memchr(full, '.', n);

	if (dot) {
		dot[0] = 'Z';
		dot[1] = '\0';
	}
	snprintf(buf, size, "%s", full);
}
