/* SPDX-License-Identifier: MIT */
/* Export cursors: how far a destination got in a signal's store segments, and a reader that resumes there. */
#ifndef OBS_CURSOR_H
#define OBS_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_ndjson.h"
#include "obs_store.h"

/*
 * A cursor holds one position per segment file of one signal: the number
 * of bytes of the segment's (decompressed) content that were delivered,
 * and a fingerprint of the line that ends there (its length and FNV-1a
 * hash, without the newline). The fingerprint is what makes a position
 * trustworthy after the store changed between runs:
 *
 *   - a segment that grew (appends) resumes at the position;
 *   - a segment that was gzip-compressed (D.ndjson -> D.ndjson.gz) takes
 *     over the position of its plain sibling, whose content it holds
 *     (positions count decompressed bytes); compaction that appends the
 *     plain content to an existing .gz (obs_store_compact_day) gives the
 *     .gz its own position plus the plain one's; a new D.ndjson created
 *     after that (a late record) starts at 0;
 *   - a segment rewritten or truncated under the cursor (the line before
 *     the position is not the one delivered) is read again from the start,
 *     and the reader says so: at-least-once, never a silent loss;
 *   - entries of segments that no longer exist (retention) are dropped.
 *
 * Line numbers are kept too, so messages name the right line after a
 * resume.
 */

struct obs_cursor_pos {
	char *name;              /* segment file name: "2026-11-24.ndjson" or "2026-11-24.ndjson.gz" */
	uint64_t offset;         /* bytes of content delivered (a line boundary) */
	uint64_t hash;           /* obs_cursor_hash of the line ending at offset; 0 when offset is 0 */
	uint64_t len;            /* that line's length without '\n' */
	uint64_t lineno;         /* lines (blank ones included) before offset */
};

struct obs_cursor {
	struct obs_cursor_pos *pos;  /* sorted by name */
	size_t npos;
	json_t *state;               /* the destination's own state, saved with the positions:
					NULL or an object (owned reference) */
};

/* An empty cursor. */
void obs_cursor_init(struct obs_cursor *c);
/* Free the positions and the state; C is empty again. */
void obs_cursor_release(struct obs_cursor *c);

/* FNV-1a 64 of DATA, continuing from H (start with OBS_CURSOR_HASH_INIT). */
#define OBS_CURSOR_HASH_INIT 0xcbf29ce484222325ULL
uint64_t obs_cursor_hash(uint64_t h, const void *data, size_t len);

/*
 * Load the cursor file PATH (written by obs_cursor_save) into C, which is
 * released first. A missing file is an empty cursor: returns 0 with
 * *found = 0 (FOUND may be NULL). A file that cannot be read, is
 * truncated, NUL-filled or not a cursor is an error and C stays empty:
 * "state file 'P' is corrupt: ...", with the reasons of
 * obs_state_read_json and "unsupported version N", "'segments' is not an
 * array", "segment 2: invalid name", "segment 2: invalid offset" (also
 * hash, len, lineno), "segment 2: duplicate name", "'state' is not an
 * object".
 */
int obs_cursor_load(struct obs_cursor *c, const char *path, int *found, struct obs_error *err);

/*
 * The cursor in OBJ (a loaded cursor file; borrowed), as obs_cursor_load
 * checks it, NAME standing for the file in messages. C is released first
 * and stays empty on error.
 */
int obs_cursor_parse(struct obs_cursor *c, const json_t *obj, const char *name,
		     struct obs_error *err);

/*
 * Write C durably to PATH (obs_state_write: temp file, fsync, rename):
 * {"version":1, the members of META (may be NULL; borrowed, e.g. the
 * destination and signal, for people reading the file), "segments":[...],
 * "state":...}. Hashes are written as 16 hex digits.
 */
int obs_cursor_save(const struct obs_cursor *c, const char *path, const json_t *meta,
		    struct obs_error *err);

/* The position for segment NAME, or NULL. */
const struct obs_cursor_pos *obs_cursor_find(const struct obs_cursor *c, const char *name);
/* Set (add or replace) the position of NAME; 0, or -1 if out of memory. */
int obs_cursor_set(struct obs_cursor *c, const struct obs_cursor_pos *p, struct obs_error *err);

/*
 * A reader of one signal's segments that starts at a cursor's positions
 * and hands over complete lines with the position after each, so the
 * caller can save a cursor exactly at the end of what a backend
 * acknowledged. Segments are read oldest day first, for one day the .gz
 * segment before the plain one; only one file is open at a time.
 *
 * Only lines ending in '\n' are read from plain segments: a final partial
 * line (a writer killed mid-write, or one still writing) is left for later
 * and reported once per segment per reader. In a .gz segment (closed) a
 * final line without newline is returned and reported as torn. Blank lines
 * are consumed and not returned. Lines longer than max_line are consumed,
 * reported and not returned.
 *
 * For following a store (obs_cursor_reader_refresh): plain segments that
 * grew are read on, new segments are picked up, a plain segment replaced
 * by its .gz is continued in the .gz, a segment that shrank or was
 * replaced by other content is read again from the start (reported).
 */
struct obs_cursor_seg;

struct obs_cursor_reader {
	/* Settings: fill in after _open, before the first _next. */
	size_t max_line;             /* 0: OBS_NDJSON_MAX_LINE */
	obs_ndjson_warn_fn *warn;    /* "PATH:LINE: reason" and "'PATH' changed ..."; may be NULL */
	void *warn_ctx;

	/* Read-only: about the line last returned. */
	const char *path;            /* its segment's path (valid until the next call) */
	int64_t day;                 /* the segment's day (start, ns) */
	uint64_t lineno;             /* its line number */
	int line_torn;               /* 1: a final line without newline (in a .gz segment) */
	/* Read-only: totals. */
	unsigned long skipped;       /* over-long lines consumed without being returned */
	unsigned long torn;          /* torn last lines met */
	unsigned long restarted;     /* segments read again from the start */

	/* Private. */
	char *dir;
	struct obs_cursor_seg *segs;
	size_t nsegs, cap;
	size_t cur;                  /* index of the open segment, or (size_t)-1 */
	void *in;                    /* the open segment's input stream */
	char *buf;                   /* line buffer */
	size_t bcap, bstart, bend;   /* buffered bytes [bstart, bend) */
	int discarding;              /* inside an over-long line */
	uint64_t dhash, dlen;        /* its hash and length so far */
	const char *pend;            /* the open segment's last line, not hashed yet */
	size_t pend_n;
};

/*
 * Open a reader over SIGNAL's segments in the store ST, starting at the
 * positions of C (borrowed only during the call; NULL: from the start).
 * Nothing is read yet. A missing signal folder is an empty store. Errors:
 * "invalid signal 'X'", "cannot read 'DIR': ...", "out of memory".
 */
int obs_cursor_reader_open(struct obs_cursor_reader *r, struct obs_store *st, const char *signal,
			   const struct obs_cursor *c, struct obs_error *err);

/*
 * The next complete line (borrowed until the next call, without its '\n',
 * NUL-terminated, a final '\r' kept). 1 with a line, 0 when nothing more
 * is available now, -1 on an error reading a segment ("cannot read 'P':
 * ...", "'P': invalid gzip data", "'P': truncated gzip data"): the reader
 * then moves on to the next segment (call again), having consumed the
 * readable part of the bad one.
 */
int obs_cursor_reader_next(struct obs_cursor_reader *r, const char **line, size_t *len,
			   struct obs_error *err);

/*
 * Look at the folder again: new segments, segments gone, plain segments
 * that grew, shrank or were replaced. After it, _next returns what is new.
 */
int obs_cursor_reader_refresh(struct obs_cursor_reader *r, struct obs_error *err);

/*
 * Store the reader's positions (everything returned or consumed so far)
 * into C, replacing its positions (the state is left alone). Entries of
 * segments that no longer exist are dropped, except a plain segment's
 * whose .gz replacement has not been opened yet (it carries the position).
 */
int obs_cursor_reader_save(const struct obs_cursor_reader *r, struct obs_cursor *c,
			   struct obs_error *err);

/*
 * Progress in bytes on disk: *DONE of *TOTAL, over the segments present
 * (compressed bytes for .gz segments). For progress bars only.
 */
void obs_cursor_reader_progress(const struct obs_cursor_reader *r, uint64_t *done,
				uint64_t *total);

void obs_cursor_reader_close(struct obs_cursor_reader *r);

/* 1 if NAME is a segment file name ("YYYY-MM-DD.ndjson[.gz]", a real date), with its day (ns) and kind. */
int obs_cursor_segment_name(const char *name, int64_t *day_ns, int *gz);

#endif
