/* SPDX-License-Identifier: MIT */
/* Shared by query and show: JSON text output and time formats. */
#ifndef OBS_TRACE_READ_H
#define OBS_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "obs_buf.h"
#include "obs_cli_input.h"

/* Appending to an obs_buf (JSON output); out of memory aborts. obs_buf_release frees. */
void jb_raw(struct obs_buf *b, const char *s, size_t n);
void jb_cstr(struct obs_buf *b, const char *s);
/* A JSON string literal (quotes and escapes) of S (N bytes, UTF-8). */
void jb_str(struct obs_buf *b, const char *s, size_t n);
void jb_fmt(struct obs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* NS as milliseconds, exact, without trailing zeros: 1500250000 -> "1500.25". */
void trace_fmt_ms(int64_t ns, char *buf, size_t size);
/* NS as RFC 3339 UTC to the second: "2026-11-24T10:00:00Z". */
void trace_fmt_second(int64_t ns, char *buf, size_t size);

#endif
