/* SPDX-License-Identifier: MIT */
/* Newline-delimited JSON: a streaming reader and a buffered writer. */
#ifndef OBS_NDJSON_H
#define OBS_NDJSON_H

#include <stddef.h>
#include <jansson.h>

#include "obs_error.h"

#define OBS_NDJSON_MAX_LINE (1024 * 1024)

/*
 * Called for every line that is skipped (malformed JSON, not an object,
 * over the size limit) in skip mode, and for a torn last line. msg is
 * "NAME:LINE: reason"; the library itself never prints. The reasons:
 *   "line longer than N bytes, skipped"
 *   "not a JSON object"
 *   "invalid JSON: <jansson's text> at column C"
 *   "torn last line (no newline at end)"           (line returned)
 *   "torn last line (no newline at end), skipped"  (_next: did not parse)
 */
typedef void obs_ndjson_warn_fn(void *ctx, const char *msg);

/*
 * The reader reads plain or gzip-compressed input (detected from the
 * magic bytes; concatenated members are read on, trailing garbage after a
 * member is ignored as gzip -d does) through one reused buffer of at most
 * max_line + 64 KiB, so memory stays flat: a longer line is skipped
 * without being held. Lines are numbered from 1; blank lines (only
 * spaces, tabs and '\r') are ignored but counted. The limit applies to a
 * line without its "\r\n" and before the blank test. A torn last line is
 * a warning in strict mode too: it is expected damage, not bad input.
 * After a read error (I/O, corrupt or truncated gzip, the decompression
 * limit) every later call fails.
 */
struct obs_ndjson_reader {
	/* Settings: fill in after _open, before the first read. */
	size_t max_line;          /* default OBS_NDJSON_MAX_LINE; 0 = default */
	size_t max_decompressed;  /* gzip bomb limit; 0 = unlimited (default 8 GiB) */
	int strict;               /* 1: a bad line is an error (-1), not skipped */
	/*
	 * 1: a line longer than max_line is not skipped but returned cut to
	 * its first max_line bytes (fewer, to end on a UTF-8 character
	 * boundary when the cut would split one), with cut set; the rest of
	 * it is read and dropped, memory staying flat. No warning is given
	 * (the caller reports it); strict does not apply to it. For readers
	 * of text (log files) that must keep every line.
	 */
	int keep_long;
	obs_ndjson_warn_fn *warn; /* may be NULL */
	void *warn_ctx;

	/* Read-only state. */
	char *name;               /* file name for messages ("-" is "<stdin>") */
	unsigned long lineno;     /* number of the line last returned (or reported);
				     at the end, the number of lines read */
	unsigned long skipped;    /* lines skipped so far */
	int torn;                 /* 1 once a final line without '\n' was seen */
	int cut;                  /* keep_long: 1 if the line last returned was cut */
	unsigned long cuts;       /* keep_long: lines returned cut so far */

	/* Private. */
	void *src;                /* gzip state (z_stream + input), NULL for plain */
	int fd, own_fd;
	char *buf;
	size_t cap, len, pos;
	int eof;
	int discard;              /* keep_long: the rest of the line last returned is still to drop */
	unsigned long long total; /* bytes of (decompressed) input consumed */
	unsigned long long fpos;  /* obs_ndjson_seek: file offset of buf[len] */
	unsigned long long end;   /* obs_ndjson_seek: reads stop here (0: no limit) */
};

/* Open PATH ("-" for standard input). */
int obs_ndjson_open(struct obs_ndjson_reader *r, const char *path, struct obs_error *err);
/*
 * Read from FD (not closed by _close unless own is 1); NAME is used in
 * messages ("-" or NULL for fd 0 is "<stdin>", NULL otherwise "<fd N>").
 * On failure of either open, _close is still safe to call.
 */
int obs_ndjson_fdopen(struct obs_ndjson_reader *r, int fd, int own, const char *name,
		      struct obs_error *err);
/*
 * Next non-blank line, without its newline and NUL-terminated (a trailing
 * '\r' is removed). *line is borrowed until the next call. A line over the
 * limit is skipped and reported (error in strict mode). A final line with
 * no newline is returned as usual and also reported as torn (r->torn = 1),
 * since a writer may have been killed while writing it.
 * Returns 1 with a line, 0 at end of input, -1 on error.
 */
int obs_ndjson_next_line(struct obs_ndjson_reader *r, const char **line, size_t *len,
			 struct obs_error *err);
/*
 * Input in a regular file only: drop what is buffered and go on reading
 * at byte OFF of the file, treating byte END as the end of input (END 0:
 * the end of the file); the lines in between count as SKIPPED_LINES more
 * lines read, so numbers stay those of the file. In plain input OFF and
 * END must be line starts; in gzip input, starts of gzip members (whose
 * decompressed data are whole lines). 0, or -1 with ERR (not seekable).
 */
int obs_ndjson_seek(struct obs_ndjson_reader *r, unsigned long long off, unsigned long long end,
		    unsigned long skipped_lines, struct obs_error *err);
/*
 * Next line parsed as a JSON object (new reference in *obj). Lines that are
 * not valid JSON objects are skipped and reported through warn, or are an
 * error in strict mode. A torn last line that does not parse is skipped and
 * reported as torn. Returns 1, 0 at end, -1 on error.
 */
int obs_ndjson_next(struct obs_ndjson_reader *r, json_t **obj, struct obs_error *err);
void obs_ndjson_close(struct obs_ndjson_reader *r);
/*
 * 1 if the next obs_ndjson_next_line would return without reading the
 * descriptor: a complete line is buffered, the input ended, or it is
 * gzip (whose buffered state cannot be told); 0 if it would read. For
 * callers that poll() a pipe before reading, to act on timers meanwhile.
 */
int obs_ndjson_line_ready(const struct obs_ndjson_reader *r);

/*
 * A buffered writer of compact JSON lines; write errors are sticky: once
 * a write failed ("write error: <strerror>"), every call fails and
 * buffered data is dropped. Short writes and EINTR are retried.
 */
struct obs_ndjson_writer {
	int fd;
	char *buf;
	size_t len, cap;
	int failed;   /* errno of the first failed write, 0 if none */
};

void obs_ndjson_writer_init(struct obs_ndjson_writer *w, int fd);
/*
 * Append OBJ (an object or an array) as one compact line, key order
 * preserved; flushes once 64 KiB are buffered. A value that cannot be
 * serialised leaves nothing behind.
 */
int obs_ndjson_write(struct obs_ndjson_writer *w, const json_t *obj, struct obs_error *err);
/* Append LINE (LEN bytes, no newline) and a newline. */
int obs_ndjson_write_raw(struct obs_ndjson_writer *w, const char *line, size_t len,
			 struct obs_error *err);
/* Write out everything buffered; -1 with err if any write failed (EPIPE, ENOSPC, ...). */
int obs_ndjson_flush(struct obs_ndjson_writer *w, struct obs_error *err);
/* Free the buffer (does not flush, does not close fd). */
void obs_ndjson_writer_release(struct obs_ndjson_writer *w);

/*
 * Serialise OBJ compactly, in key order, newline NOT included. Reals are
 * written with the fewest digits that read back exactly (0.1, not
 * 0.10000000000000001). Caller frees.
 */
char *obs_json_dump_line(const json_t *obj, size_t *len);

#endif
