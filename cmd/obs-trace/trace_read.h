/* SPDX-License-Identifier: MIT */
/* Shared by query and show: reading span lines with reporting, and JSON text output. */
#ifndef OBS_TRACE_READ_H
#define OBS_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "obs_source.h"

/* Input with the house reporting: "obs-trace: FILE:LINE: reason", a summary at the end. */
struct trace_input {
	struct obs_source src;
	unsigned long malformed;  /* lines that failed to parse or had wrong field types */
	int failed;               /* an input could not be opened or read */
	int strict;
};

/* Open the inputs (files, stdin or the store's spans in [since, until]); 0, or an exit status. */
int trace_input_open(struct trace_input *in, char **files, int nfiles, int64_t since,
		     int64_t until, int strict);
/* Next line: 1, 0 at the end, -1 to stop now (strict mode: the error is printed). */
int trace_input_next(struct trace_input *in, const char **line, size_t *len);
/*
 * Report the line last read as malformed (REASON). A torn last line was
 * already reported by the reader and is skipped quietly. Returns -1 when
 * the caller must stop (strict), else 0.
 */
int trace_input_bad(struct trace_input *in, const char *reason);
/* Print the summary of skipped lines, close, and turn STATUS into the final exit status. */
int trace_input_finish(struct trace_input *in, int status);

/* Reject unknown options and missing arguments as the house style says; returns OBS_EXIT_USAGE. */
int trace_bad_option(const char *cmd, const char *synopsis, char **argv, int c);

/* A growing text buffer for JSON output; aborts on out of memory. */
struct jbuf {
	char *p;
	size_t len, cap;
};
void jb_raw(struct jbuf *b, const char *s, size_t n);
void jb_cstr(struct jbuf *b, const char *s);
/* A JSON string literal (quotes and escapes) of S (N bytes, UTF-8). */
void jb_str(struct jbuf *b, const char *s, size_t n);
void jb_fmt(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_release(struct jbuf *b);

/* NS as milliseconds, exact, without trailing zeros: 1500250000 -> "1500.25". */
void trace_fmt_ms(int64_t ns, char *buf, size_t size);
/* NS as RFC 3339 UTC to the second: "2026-11-24T10:00:00Z". */
void trace_fmt_second(int64_t ns, char *buf, size_t size);

#endif
